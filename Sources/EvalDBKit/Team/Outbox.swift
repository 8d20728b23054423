import Foundation

extension Store {
    /// Writes what committed transactions queued for the team log (`TeamLog`), oldest first, and
    /// deletes each row once its file is written and synced. Runs after every commit, and when a
    /// command opens the database, so that rows a crash left between a commit and its log are
    /// written by the next command.
    ///
    /// Idempotent: an append whose lines already end the file (a crash after the write, before
    /// the row was deleted) is not repeated, and a version's or a run's file is written once, under
    /// a temporary name renamed into place. The write lock is held meanwhile, so two commands never
    /// write one row twice.
    public func flushOutbox() throws {
        guard let repository, !isFlushingOutbox, try database.scalarInt("SELECT count(*) FROM outbox") ?? 0 > 0 else { return }
        isFlushingOutbox = true
        defer { isFlushingOutbox = false }
        try database.writeTransaction {
            let rows = try database.prepare("SELECT seq, kind, path, text, row FROM outbox ORDER BY seq")
            var written: [Int64] = []
            while try rows.step() {
                let path = repository.absolute(rows.text(2))
                try Self.ensureLogFolder(of: path, in: repository)
                switch TeamLog.Kind(rawValue: rows.text(1)) {
                case .append: try Self.appendOnce(Array(rows.text(3).utf8), to: path)
                case .changeSet: try writeOnce(path) { try writeChangeSet(header: rows.text(3), row: Int(rows.int(4)), to: $0) }
                case .run: try writeOnce(path) { try writeRunFile(header: rows.text(3), run: rows.int(4), to: $0) }
                case nil: break  // a kind from a newer evaldb: left for it
                }
                written.append(rows.int(0))
                if ProcessInfo.processInfo.environment["EVALDB_FAULT"] == "kill-while-writing-log" { kill(getpid(), SIGKILL) }
            }
            rows.reset()
            let delete = try database.prepare("DELETE FROM outbox WHERE seq = ?")
            for seq in written { try delete.run([.int(seq)]) }
        }
    }

    /// The files of the team log with events git does not hold yet (new or changed since the last
    /// commit): what the team cannot see until they are committed and pushed (`status`).
    public func uncommittedLogFiles() -> [String] {
        guard let repository,
            let changes = Git.run(["status", "--porcelain", "--untracked-files=all", "--", Repository.logFolderName], in: repository.top)
        else { return [] }
        return changes.split(separator: "\n").map { String($0.dropFirst(3)) }.filter { $0.hasSuffix(".jsonl") }
    }

    /// The rows of the outbox not written yet (`status`).
    public func unwrittenLogEntries() throws -> Int {
        Int(try database.scalarInt("SELECT count(*) FROM outbox") ?? 0)
    }

    /// Appends `bytes` to the file at `path` (made when missing) and syncs it, unless the file ends
    /// with them already.
    static func appendOnce(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) == 0, Int(info.st_size) >= bytes.count, !bytes.isEmpty {
            var tail = [UInt8](repeating: 0, count: bytes.count)
            let read = tail.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, bytes.count, off_t(Int(info.st_size) - bytes.count)) }
            if read == bytes.count && tail == bytes { return }
        }
        try bytes.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: path) }
        guard fsync(descriptor) == 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Writes a file once: nothing when it exists; else through `body` into a temporary file
    /// beside it, synced, then renamed into place.
    private func writeOnce(_ path: String, _ body: (Int32) throws -> Void) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let temporary = (path as NSString).deletingLastPathComponent + "/." + (path as NSString).lastPathComponent + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var closed = false
        defer {
            if !closed { close(descriptor) }
            unlink(temporary)
        }
        try body(descriptor)
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        closed = true
        guard rename(temporary, path) == 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    /// A run's file: its header, then its result lines in the recorded file's order.
    private func writeRunFile(header: String, run: Int64, to descriptor: Int32) throws {
        var buffer = Array(header.utf8)
        let rows = try database.prepare("SELECT record FROM stored_results WHERE run = ? ORDER BY line")
        try rows.bind([.int(run)])
        while try rows.step() {
            buffer.append(contentsOf: rows.bytes(0).bindMemory(to: UInt8.self))
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                try buffer.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: "run file") }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try buffer.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: "run file") }
    }

    /// Makes the folder of a log file, and the log's `.gitattributes` (belt and braces: should two
    /// commits ever append to one log file, git keeps both sides' lines).
    private static func ensureLogFolder(of path: String, in repository: Repository) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw EvalDBError.cannotWrite(path: folder, reason: error.localizedDescription)
        }
        let attributes = repository.logFolder + "/.gitattributes"
        if !FileManager.default.fileExists(atPath: attributes) {
            _ = FileManager.default.createFile(atPath: attributes, contents: Data("*.jsonl merge=union\n".utf8))
        }
    }
}
