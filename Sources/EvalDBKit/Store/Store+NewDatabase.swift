import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Store {
    /// Imports `file` as the first version of a database at `path` that does not exist yet, and
    /// returns the opened database with what the import did.
    ///
    /// The database is built privately beside `path`, with no journal and no syncing (until it is
    /// linked into place it is nobody's: a failure or a crash only leaves a file to delete), then
    /// synced, switched to WAL and linked into place in one atomic step. The data is written once,
    /// not twice as through the WAL. When someone else has created `path` meanwhile, the import
    /// is made into theirs instead, the ordinary way (as it is on a file system without hard links).
    public static func importIntoNewDatabase(
        at path: String, file: String, options: ImportOptions,
        repository: Repository? = nil,
        progress: ((_ bytesRead: Int, _ totalBytes: Int?) -> Void)? = nil
    )
        throws -> (Store, ImportResult)
    {
        if file == "-" {  // the fallback below would read standard input twice
            let store = try Store(path: path)
            store.repository = repository
            return (store, try store.importFile(file, options: options, progress: progress))
        }
        if let built = try building(at: path, repository: repository, { try $0.importFile(file, options: options, progress: progress) }) {
            return built
        }
        // Someone created the database meanwhile (EEXIST), or the file system has no hard links:
        // import the ordinary way.
        let store = try Store(path: path)
        store.repository = repository
        return (store, try store.importFile(file, options: options, progress: progress))
    }

    /// Runs `body` on a new database built privately beside `path` (which does not exist yet), with
    /// no journal and no syncing — until it is linked into place it is nobody's: a failure or a
    /// crash only leaves a file to delete — then syncs it, switches it to WAL and links it into
    /// place in one atomic step, and returns it opened with what `body` returned. Nil when someone
    /// created `path` meanwhile (or the file system has no hard links): the caller does its work
    /// the ordinary way. What `body` queued for the team log is written once the database is in
    /// place.
    public static func building<T>(at path: String, repository: Repository?, _ body: (Store) throws -> T) throws -> (Store, T)? {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw EvalDBError.cannotWrite(path: folder, reason: error.localizedDescription)
            }
        }
        removeAbandonedBuilds(of: url)
        let building = path + buildSuffix + String(getpid())
        let companions = ["", "-journal", "-wal", "-shm"].map { building + $0 }
        companions.forEach { unlink($0) }
        defer { companions.forEach { unlink($0) } }
        let result: T
        do {
            let store = try Store(path: building, mode: .building)
            store.repository = repository
            result = try body(store)
            try store.database.finishBuilding()
        }  // closed here
        FaultPoint.pause(at: .beforeLink)
        guard link(building, path) == 0 else { return nil }
        let store = try Store(path: path)
        store.repository = repository
        return (store, result)
    }

    private static let buildSuffix = ".building-"

    /// Deletes what builds by processes that no longer run left behind (after a crash, say).
    private static func removeAbandonedBuilds(of url: URL) {
        let folder = url.deletingLastPathComponent()
        let prefix = url.lastPathComponent + buildSuffix
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            // The build itself, and its -journal, -wal or -shm.
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0.isNumber }), kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            unlink(folder.appendingPathComponent(name).path)
        }
    }
}
