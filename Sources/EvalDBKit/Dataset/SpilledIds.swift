import Foundation

/// A file's ids, kept to find the duplicates once the file is read, in bounded memory: each id's
/// 128-bit digest and line (20 bytes) goes to one of 256 buckets by its digest's first byte; a
/// bucket is a buffer of `bufferSize` bytes that, once full, is appended to an anonymous temporary
/// file of its own (`ScratchFile`). Memory is at most the 256 buffers (16 MiB at the
/// default) while reading, then one bucket at a time (about 20 bytes an id / 256: 0.8 MB at ten
/// million ids). A small file never touches the disk.
final class SpilledIds {
    /// A later occurrence of an id, and the line of its first.
    struct Duplicate: Equatable {
        var line: Int32
        var first: Int32
    }

    static let entrySize = 20
    private let bufferSize: Int
    private var buffers: [[UInt8]]
    private var files: [ScratchFile?]

    init(bufferSize: Int = 64 << 10) {
        self.bufferSize = max(bufferSize, Self.entrySize)
        buffers = Array(repeating: [], count: 256)
        files = Array(repeating: nil, count: 256)
    }

    func add(_ digest: IdDigest, line: Int32) throws {
        let bucket = Int(digest.high >> 56)
        withUnsafeBytes(of: digest.high) { buffers[bucket].append(contentsOf: $0) }
        withUnsafeBytes(of: digest.low) { buffers[bucket].append(contentsOf: $0) }
        withUnsafeBytes(of: line) { buffers[bucket].append(contentsOf: $0) }
        if buffers[bucket].count + Self.entrySize > bufferSize { try spill(bucket) }
    }

    private func spill(_ bucket: Int) throws {
        let file = files[bucket] ?? ScratchFile(of: "ids")
        files[bucket] = file
        try file.append(contentsOf: buffers[bucket])
        buffers[bucket].removeAll(keepingCapacity: true)
    }

    /// The duplicates, each a later occurrence of an id with the line of its first, the `limit`
    /// of them on the earliest lines (ascending). The buckets are emptied.
    func duplicates(limit: Int) throws -> [Duplicate] {
        var found: [Duplicate] = []
        for bucket in 0..<256 {
            var entries: [UInt8] = []
            if let file = files[bucket] {
                try spill(bucket)
                entries = try file.read(at: 0, count: file.length)
                files[bucket] = nil
            } else {
                swap(&entries, &buffers[bucket])
            }
            buffers[bucket] = []
            // Entries are in file order within a bucket: an id's first entry is its first line.
            var firstLine: [IdDigest: Int32] = [:]
            firstLine.reserveCapacity(entries.count / Self.entrySize)
            entries.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let digest = IdDigest(
                        high: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self),
                        low: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
                    let line = bytes.loadUnaligned(fromByteOffset: offset + 16, as: Int32.self)
                    offset += Self.entrySize
                    if let first = firstLine[digest] {
                        found.append(Duplicate(line: line, first: first))
                    } else {
                        firstLine[digest] = line
                    }
                }
            }
            if found.count > 2 * limit {
                found.sort { $0.line < $1.line }
                found.removeLast(found.count - limit)
            }
        }
        found.sort { $0.line < $1.line }
        if found.count > limit { found.removeLast(found.count - limit) }
        return found
    }
}
