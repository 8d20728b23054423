import CZipCodecs
import Foundation

/// A zip archive read whole from a file: its entries by name (the central directory), each
/// decompressed on request. Reads entries stored (method 0), DEFLATEd (8, with zlib) and
/// Zstandard-compressed (93, with libzstd loaded at run time: Inspect AI's `.eval` logs since 2025); ZIP64 sizes and
/// offsets are understood. No encryption, no spanning.
struct ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
    }

    let path: String
    let bytes: [UInt8]
    /// In the central directory's order.
    private(set) var entries: [Entry] = []

    /// Throws `EvalDBError.cannotRead` when the file cannot be read or is no zip archive.
    init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalDBError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        bytes = [UInt8](data)
        entries = try readCentralDirectory()
    }

    func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The entry's bytes, decompressed.
    func contents(of entry: Entry) throws -> [UInt8] {
        let local = entry.localHeaderOffset
        guard local + 30 <= bytes.count, uint32(at: local) == 0x0403_4b50 else { throw problem("entry \(entry.name) has no local header") }
        let start = local + 30 + Int(uint16(at: local + 26)) + Int(uint16(at: local + 28))
        guard start + entry.compressedSize <= bytes.count else { throw problem("entry \(entry.name) runs past the end of the file") }
        let compressed = bytes[start..<start + entry.compressedSize]
        let output: [UInt8]
        switch entry.method {
        case 0: output = Array(compressed)
        case 8: output = try inflate(compressed, size: entry.size, name: entry.name)
        case 93: output = try unzstd(compressed, size: entry.size, name: entry.name)
        default:
            throw problem(
                "entry \(entry.name) is compressed with method \(entry.method), which evaldb cannot read (it reads stored, DEFLATE and Zstandard)")
        }
        guard output.count == entry.size else { throw problem("entry \(entry.name) gives \(output.count) bytes, its header says \(entry.size)") }
        return output
    }

    private func problem(_ reason: String) -> EvalDBError { .cannotRead(path: path, reason: "not a zip archive evaldb can read: \(reason)") }

    private func uint16(at offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
    private func uint32(at offset: Int) -> UInt32 { UInt32(uint16(at: offset)) | UInt32(uint16(at: offset + 2)) << 16 }
    private func uint64(at offset: Int) -> UInt64 { UInt64(uint32(at: offset)) | UInt64(uint32(at: offset + 4)) << 32 }

    private func readCentralDirectory() throws -> [Entry] {
        // The end of central directory record: 22 bytes and a comment of up to 65,535.
        guard bytes.count >= 22 else { throw problem("too short") }
        var end = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while end >= lowest && uint32(at: end) != 0x0605_4b50 { end -= 1 }
        guard end >= lowest else { throw problem("no end of central directory record") }
        var count = Int(uint16(at: end + 10))
        var directory = Int(uint32(at: end + 16))
        // ZIP64: its locator sits just before the record.
        if end >= 20, uint32(at: end - 20) == 0x0706_4b50 {
            let record = Int(uint64(at: end - 12))
            guard record + 56 <= bytes.count, uint32(at: record) == 0x0606_4b50 else { throw problem("a bad ZIP64 end record") }
            count = Int(uint64(at: record + 32))
            directory = Int(uint64(at: record + 48))
        }
        var entries: [Entry] = []
        var offset = directory
        for _ in 0..<count {
            guard offset + 46 <= bytes.count, uint32(at: offset) == 0x0201_4b50 else { throw problem("a bad central directory entry") }
            let nameLength = Int(uint16(at: offset + 28)), extraLength = Int(uint16(at: offset + 30))
            let commentLength = Int(uint16(at: offset + 32))
            guard offset + 46 + nameLength + extraLength <= bytes.count else { throw problem("a central directory entry runs past the end") }
            var entry = Entry(
                name: String(decoding: bytes[offset + 46..<offset + 46 + nameLength], as: UTF8.self), method: uint16(at: offset + 10),
                compressedSize: Int(uint32(at: offset + 20)), size: Int(uint32(at: offset + 24)),
                localHeaderOffset: Int(uint32(at: offset + 42)))
            // ZIP64 extra field: the 64-bit values of the fields that are 0xFFFFFFFF, in this order.
            var extra = offset + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = uint16(at: extra), length = Int(uint16(at: extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if entry.size == 0xFFFF_FFFF, field + 8 <= extraEnd { entry.size = Int(uint64(at: field)); field += 8 }
                    if entry.compressedSize == 0xFFFF_FFFF, field + 8 <= extraEnd { entry.compressedSize = Int(uint64(at: field)); field += 8 }
                    if entry.localHeaderOffset == 0xFFFF_FFFF, field + 8 <= extraEnd { entry.localHeaderOffset = Int(uint64(at: field)) }
                }
                extra += 4 + length
            }
            entries.append(entry)
            offset = extraEnd + commentLength
        }
        return entries
    }

    private func inflate(_ compressed: ArraySlice<UInt8>, size: Int, name: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        guard evaldb_inflate_init_raw(&stream) == Z_OK else { throw problem("zlib could not start on \(name)") }
        defer { inflateEnd(&stream) }
        let status = compressed.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out -> Int32 in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return CZipCodecs.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else { throw problem("entry \(name) is not valid DEFLATE data") }
        return output
    }

    private func unzstd(_ compressed: ArraySlice<UInt8>, size: Int, name: String) throws -> [UInt8] {
        guard let zstd = Zstandard.library else {
            throw EvalDBError.cannotRead(
                path: path,
                reason:
                    "entry \(name) is compressed with Zstandard, and libzstd is not installed (Debian: apt-get install libzstd1; macOS: brew install zstd); or have Inspect convert the log to JSON (its log convert command)"
            )
        }
        var output = [UInt8](repeating: 0, count: size)
        guard let context = zstd.createContext() else { throw problem("libzstd could not start on \(name)") }
        defer { _ = zstd.freeContext(context) }
        // Streaming: a frame written by a streaming compressor does not say its size, and an entry
        // may hold several frames.
        let done = compressed.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out -> Int? in
                var source = evaldb_zstd_in(src: input.baseAddress, size: input.count, pos: 0)
                var target = evaldb_zstd_out(dst: out.baseAddress, size: out.count, pos: 0)
                while source.pos < source.size {
                    let result = zstd.decompressStream(context, &target, &source)
                    if zstd.isError(result) != 0 { return nil }
                    if result != 0 && (target.pos == target.size || source.pos == source.size) { return nil }
                }
                return target.pos
            }
        }
        guard done == size else { throw problem("entry \(name) is not valid Zstandard data") }
        return output
    }
}

/// libzstd's streaming decompression, loaded when a Zstandard entry is first read (`dlopen`), so
/// that evaldb builds and runs without it until a `.eval` log needs it.
private struct Zstandard: @unchecked Sendable {  // C function pointers, immutable after loading
    typealias CreateContext = @convention(c) () -> OpaquePointer?
    typealias FreeContext = @convention(c) (OpaquePointer?) -> Int
    typealias DecompressStream =
        @convention(c) (OpaquePointer?, UnsafeMutablePointer<evaldb_zstd_out>, UnsafeMutablePointer<evaldb_zstd_in>) -> Int
    typealias IsError = @convention(c) (Int) -> UInt32

    let createContext: CreateContext
    let freeContext: FreeContext
    let decompressStream: DecompressStream
    let isError: IsError

    /// The library, or nil when no libzstd can be loaded.
    static let library: Zstandard? = {
        let names = [
            "libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "/opt/homebrew/lib/libzstd.1.dylib", "/usr/local/lib/libzstd.1.dylib",
        ]
        for name in names {
            guard let handle = dlopen(name, RTLD_NOW) else { continue }
            guard let create = dlsym(handle, "ZSTD_createDCtx"), let free = dlsym(handle, "ZSTD_freeDCtx"),
                let stream = dlsym(handle, "ZSTD_decompressStream"), let isError = dlsym(handle, "ZSTD_isError")
            else { continue }
            return Zstandard(
                createContext: unsafeBitCast(create, to: CreateContext.self), freeContext: unsafeBitCast(free, to: FreeContext.self),
                decompressStream: unsafeBitCast(stream, to: DecompressStream.self), isError: unsafeBitCast(isError, to: IsError.self))
        }
        return nil
    }()
}
