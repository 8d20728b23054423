/// A changed example's field changes as the bytes of a `SpilledDiff` row: for each change its
/// path, old and new value, each a 32-bit little-endian length (0xFFFFFFFF: nil) and its UTF-8.
enum FieldChangeCoding {
    private static let absent = UInt32.max

    static func encode(_ changes: [FieldChange]) -> [UInt8] {
        var bytes: [UInt8] = []
        func append(_ text: String?) {
            guard let text else { return withUnsafeBytes(of: absent.littleEndian) { bytes.append(contentsOf: $0) } }
            withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: text.utf8)
        }
        for change in changes {
            append(change.path)
            append(change.old)
            append(change.new)
        }
        return bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(EvalDBError) -> [FieldChange] {
        var offset = 0
        func next() throws(EvalDBError) -> String? {
            guard offset + 4 <= bytes.count else { throw .storageInvariant("a spilled diff's field changes end early") }
            let length = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            offset += 4
            guard length != absent else { return nil }
            guard offset + Int(length) <= bytes.count else { throw .storageInvariant("a spilled diff's field changes end early") }
            defer { offset += Int(length) }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)]), as: UTF8.self)
        }
        var changes: [FieldChange] = []
        while offset < bytes.count {
            guard let path = try next() else { throw .storageInvariant("a spilled diff's field change has no path") }
            let old = try next()
            changes.append(FieldChange(path: path, old: old, new: try next()))
        }
        return changes
    }
}
