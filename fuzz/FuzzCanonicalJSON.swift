// libFuzzer target for the JSON parser and the canonical serializer (fuzz/run.sh builds and runs it).
//
// Properties checked on every input:
// - parsing never crashes, hangs or overflows the stack, whatever the bytes;
// - an accepted text's canonical form parses again, is canonical as written, and is a fixed point
//   (canonicalizing it again gives the same bytes).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let canonical = try? CanonicalJSON.canonicalize(bytes: bytes) else { return 0 }
    guard let tape = try? JSONParser.parse(bytes: canonical) else {
        fatalError("the canonical form of an accepted text does not parse: \(String(decoding: canonical, as: UTF8.self))")
    }
    guard tape.isCanonical else {
        fatalError("the canonical form is not canonical as written: \(String(decoding: canonical, as: UTF8.self))")
    }
    guard let again = try? CanonicalJSON.canonicalize(bytes: canonical), again == canonical else {
        fatalError("canonical form is not a fixed point: \(String(decoding: canonical, as: UTF8.self))")
    }
    return 0
}
