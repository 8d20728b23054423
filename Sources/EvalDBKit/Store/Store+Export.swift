import Crypto
import Foundation

extension Store {
    /// Streams the canonical JSONL of `version`, in its line order, to `sink` in chunks of about
    /// 1 MiB, and returns its dataset hash (which equals the version's stored hash unless the
    /// database is damaged: `verify` compares them).
    @discardableResult
    public func export(
        _ version: DatasetVersion, progress: ((Int) -> Void)? = nil,
        to sink: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> String {
        // The written chunks are hashed on a thread of their own.
        let toHash = Handoff<[UInt8]>(limit: 4)
        let hashed = ThreadResult<String>.start {
            var hasher = SHA256()
            while let chunk = try? toHash.take() { hasher.update(data: chunk) }
            return "sha256:" + hasher.finalize().hexString
        }
        defer {
            toHash.finish()
            hashed.wait()
        }
        return try database.readTransaction {
            var lineCount = 0
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20 + 1 << 16)
            func flush() throws {
                try buffer.withUnsafeBufferPointer(sink)
                _ = toHash.put(buffer)
                buffer = []
                buffer.reserveCapacity(1 << 20 + 1 << 16)
            }
            func emit(_ record: UnsafeBufferPointer<UInt8>) throws {
                buffer.append(contentsOf: record)
                buffer.append(0x0A)
                lineCount += 1
                if buffer.count >= 1 << 20 {
                    try flush()
                    progress?(lineCount)
                }
            }
            try forEachRecord(of: version, emit)
            if !buffer.isEmpty { try flush() }
            toHash.finish()
            return hashed.take()
        }
    }

    /// Writes the canonical JSONL of `version` to `path` atomically: into a temporary file beside it,
    /// flushed to disk (as it is written, `WriteBehind`, and once more at the end), then renamed over
    /// `path`. Returns the dataset hash.
    @discardableResult
    public func export(_ version: DatasetVersion, toFile path: String, progress: ((Int) -> Void)? = nil) throws -> String {
        try writeAtomically(path) { sink in try export(version, progress: progress, to: sink) }
    }

    /// Writes `version` as an Inspect dataset (`InspectDataset`) to `path` atomically, as
    /// `export(_:toFile:progress:)` writes its JSONL.
    public func exportInspect(_ version: DatasetVersion, toFile path: String, progress: ((Int) -> Void)? = nil) throws {
        try writeAtomically(path) { sink in try exportInspect(version, progress: progress, to: sink) }
    }

    /// Runs `write` with a sink into a temporary file beside `path`, flushed to disk, then renamed
    /// over `path`; the temporary file is removed when `write` throws.
    private func writeAtomically<T>(_ path: String, _ write: ((UnsafeBufferPointer<UInt8>) throws -> Void) throws -> T) throws -> T {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).evaldb-\(ProcessInfo.processInfo.processIdentifier).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var closed = false
        let flusher = WriteBehind(descriptor: descriptor)
        defer {
            flusher.finish()
            if !closed { close(descriptor) }
            unlink(temporary.path)
        }
        let result = try write { chunk in
            try writeAll(descriptor, chunk, path: path)
            flusher.wrote(chunk.count)
        }
        flusher.finish()
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        closed = true
        guard rename(temporary.path, url.path) == 0 else {
            throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        return result
    }
}

/// Writes all of `bytes` to a file descriptor, retrying short writes.
public func writeAll(_ descriptor: Int32, _ bytes: UnsafeBufferPointer<UInt8>, path: String) throws {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        offset += written
    }
}
