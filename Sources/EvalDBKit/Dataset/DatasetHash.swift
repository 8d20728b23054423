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
