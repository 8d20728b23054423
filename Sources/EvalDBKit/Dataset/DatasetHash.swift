import Crypto

/// The dataset hash: `sha256:` and the lower-case hex SHA-256 of a version's canonical JSONL
/// export. For a canonical file it equals `sha256sum FILE`.
public struct DatasetHasher {
    private var hasher = SHA256()
    public private(set) var lineCount = 0

    public init() {}

    /// Adds one canonical line (without its newline; the newline is hashed here).
    public mutating func add(line: UnsafeBufferPointer<UInt8>) {
        hasher.update(bufferPointer: UnsafeRawBufferPointer(line))
        withUnsafeBytes(of: UInt8(0x0A)) { hasher.update(bufferPointer: $0) }
        lineCount += 1
    }

    /// Adds `count` canonical lines written back to back, each but the last with its newline (the
    /// last one's newline is hashed here): one call for a run of lines as they are in a file.
    mutating func add(lines: UnsafeBufferPointer<UInt8>, count: Int) {
        hasher.update(bufferPointer: UnsafeRawBufferPointer(lines))
        withUnsafeBytes(of: UInt8(0x0A)) { hasher.update(bufferPointer: $0) }
        lineCount += count
    }

    public func finalize() -> String { "sha256:" + hasher.finalize().hexString }
}

extension DatasetHasher {
    /// Adds a checked batch's records, in order. Records that are their lines as read, one newline
    /// apart in the file, are hashed as one run (one update, not two a line).
    mutating func add(_ batch: CheckedLines) {
        batch.withBuffers { source, bytes in
            var run: (range: Range<Int>, count: Int)?
            func flush() {
                if let (range, count) = run { add(lines: UnsafeBufferPointer(rebasing: source[range]), count: count) }
                run = nil
            }
            for item in batch.records {
                if item.recordInSource, let (range, count) = run, item.record.lowerBound == range.upperBound + 1,
                    source[range.upperBound] == 0x0A
                {
                    run = (range.lowerBound..<item.record.upperBound, count + 1)
                    continue
                }
                flush()
                if item.recordInSource {
                    run = (item.record, 1)
                } else {
                    add(line: CheckedLines.record(item, source, bytes))
                }
            }
            flush()
        }
    }
}
