import Crypto
import Foundation

/// One `git cat-file --batch` for the versions of a dataset file that `sync` reads: git keeps its
/// cache of delta bases between them, where a `git show` each would rebuild every version from its
/// deltas anew.
final class GitBlobReader {
    private let child: Subprocess.Child
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0, end = 0

    /// How git is told to keep a blob out of its memory. It reads a blob smaller than
    /// `core.bigFileThreshold` (512 MiB) whole before writing it, and streams a larger one out of
    /// its pack, mapped in windows of `core.packedGitWindowSize` (1 GiB on 64-bit systems) of which
    /// it keeps up to `core.packedGitLimit` (8 GiB): a dataset's blob stayed in git's memory whole
    /// either way (341 MiB for two of 1.3 GB, the first sync's peak; docs/performance.md, "sync at
    /// scale"). Every blob stored whole streamed, small windows, few kept: git's memory stays flat,
    /// as fast. (A blob stored as a delta is still made whole in memory: git cannot stream it.)
    static let boundedMemory = [
        "-c", "core.bigFileThreshold=16m", "-c", "core.packedGitWindowSize=4m", "-c", "core.packedGitLimit=32m",
    ]

    /// The `git cat-file` this reader reads from (its peak memory is in /proc/PID/status).
    var processID: pid_t { child.pid }

    init(top: String) throws {
        // git's own delta cache size: `sync` reads only the blobs no version's record names (merges
        // nobody imported, say), and a larger cache held gigabytes for them (docs/performance.md).
        child = try Subprocess.spawn(["git", "-C", top] + Self.boundedMemory + ["cat-file", "--batch"])
    }

    deinit {
        close(child.input)
        while fill() {}  // what git still writes
        close(child.output)
        close(child.error)
        _ = Subprocess.wait(child.pid)
    }

    /// Writes the blob `id` to the file at `path` and returns the hex SHA-256 of its bytes; nil
    /// when git has no such blob.
    func write(blob id: String, to path: String) throws -> String? {
        let request = Array((id + "\n").utf8)
        try request.withUnsafeBufferPointer { try writeAll(child.input, $0, path: "git cat-file") }
        let header = String(decoding: try line(), as: UTF8.self).split(separator: " ")
        guard header.count == 3, header[1] == "blob", var remaining = Int(header[2]) else { return nil }
        var hasher = SHA256()
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard file >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        defer { close(file) }
        while remaining > 0 {
            if start == end, !fill() { throw EvalDBError.cannotRead(path: id, reason: "git cat-file stopped early") }
            let count = min(remaining, end - start)
            try buffer[start..<(start + count)].withUnsafeBufferPointer { chunk in
                try writeAll(file, chunk, path: path)
                hasher.update(bufferPointer: UnsafeRawBufferPointer(chunk))
            }
            start += count
            remaining -= count
        }
        _ = try line()  // the newline after the contents
        return hasher.finalize().hexString
    }

    /// The next line of git's output, without its newline.
    private func line() throws -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            if start == end, !fill() { throw EvalDBError.cannotRead(path: "git cat-file", reason: "it stopped early") }
            if let newline = buffer[start..<end].firstIndex(of: 0x0A) {
                bytes += buffer[start..<newline]
                start = newline + 1
                return bytes
            }
            bytes += buffer[start..<end]
            start = end
        }
    }

    /// Reads more of git's output into the buffer; false at its end.
    private func fill() -> Bool {
        start = 0
        end = 0
        while true {
            let count = read(child.output, &buffer, buffer.count)
            if count > 0 {
                end = count
                return true
            }
            if count < 0 && errno == EINTR { continue }
            return false
        }
    }
}
