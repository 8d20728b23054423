import Foundation

/// What `sync` did with one commit of a dataset file.
public struct SyncedCommit: Sendable {
    public enum Outcome: Sendable {
        /// Its dataset is a version this database did not hold: made here.
        case imported(DatasetVersion)
        /// Its dataset is this existing version's: the commit is recorded on it.
        case recorded(DatasetVersion)
        /// The file is not valid in this commit: skipped, with its errors.
        case invalid([DataError])
        /// The commit deleted the file: skipped.
        case deleted
    }

    public var commit: Git.Commit
    public var outcome: Outcome
}

extension Store {
    /// Replays the git history of the dataset file at `path`: every commit reachable from `HEAD`,
    /// the branches, the tags and the remote branches whose file this database has not placed yet
    /// becomes (or is recorded on) the version its dataset is, parents before children — branches
    /// merged or not, so that `--version REV` is `git show REV:PATH` for any commit. Then the
    /// current version is the one `HEAD` holds. Throws `GitError` outside a repository, before
    /// the first commit, or for a path git does not track.
    public func syncGit(_ path: String, onCommit: (SyncedCommit) -> Void = { _ in }) throws -> [SyncedCommit] {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let folder = (absolute as NSString).deletingLastPathComponent
        guard let repository = repository ?? Repository.enclosing(FileManager.default.fileExists(atPath: folder) ? folder : ".")
        else { throw GitError.notARepository(path) }
        let stored = repository.stored(absolute, from: "/")
        try Git.requireTracked(stored, in: repository)
        if self.repository == nil { self.repository = repository }
        try readVersionRecords(in: repository)
        var touched = Set<String>()
        let commits = try replayHistory(of: [stored], in: repository, touched: &touched) { onCommit($0.1) }
        try applyChangeSets(touched: &touched)
        if let head = try headVersion(of: stored), try currentVersion()?.hash != head.hash {
            touched.insert(try makeCurrent(head, message: "sync: back to the version HEAD holds").hash)
        }
        try refreshVersionInfo(Array(touched))
        return commits
    }

    /// The version `HEAD` holds at `path` (relative to the top), when it holds a valid dataset there.
    func headVersion(of path: String) throws -> DatasetVersion? {
        guard let repository, let head = Git.run(["rev-parse", "--verify", "--quiet", "HEAD"], in: repository.top),
            let hash = try database.scalarText(
                "SELECT hash FROM commit_datasets WHERE git_commit = ? AND path = ?", [.text(head), .text(path)])
        else { return nil }
        return try version(hash: hash)
    }

    /// Makes `version` the current one again (a stored row that holds it as a change from the
    /// current one): the working tree went back to it, or another branch's version was replayed
    /// after it. Logs nothing: the version exists.
    @discardableResult
    func makeCurrent(_ version: DatasetVersion, message: String) throws -> DatasetVersion {
        guard let current = try currentVersion(), current.hash != version.hash else { return version }
        var change = try replacement(of: current, with: try recordsInOrder(of: version).map(\.record))
        change.author = version.author
        change.message = message
        change.date = version.createdAt
        change.path = version.sourcePath
        change.parents = version.parents
        change.expectedHash = version.hash
        change.logs = false
        change.allowReuse = true
        change.source = "version \(version.number)"
        return try commit(change).version
    }

    /// A change that makes the current version's lines `lines` (canonical records in line order).
    func replacement(of current: DatasetVersion, with lines: [String]) throws -> VersionChange {
        var change = VersionChange(author: "")
        change.puts = lines
        change.removals = try removedIds(from: current, keeping: lines)
        change.order = lines.map { DatasetMerge.idString(DatasetMerge.idKey(of: $0)) }
        return change
    }

    /// Places the dataset of every commit not placed yet at each of `paths`, parents before
    /// children: a blob seen before is known without reading it; a blob a version's record names
    /// (`blob`) is made from that version's change set; any other is read from git and imported.
    /// Adds the hashes whose versions' record may change to `touched`.
    func replayHistory(
        of paths: [String], in repository: Repository, touched: inout Set<String>,
        onCommit: ((String, SyncedCommit)) -> Void
    ) throws -> [SyncedCommit] {
        let tips = Git.refTips(in: repository.top)
        let key = "synced-refs"
        let fingerprint = (tips + paths).joined(separator: "\n")
        if try database.scalarText("SELECT value FROM settings WHERE key = ?", [.text(key)]) == fingerprint { return [] }
        let commits = try Git.commits(reachableFrom: tips, in: repository.top)
        var results: [SyncedCommit] = []
        var reader: GitBlobReader?
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-sync-\(getpid())-\(UUID().uuidString).jsonl").path
        let prefetchFolder = scratch + ".blobs"
        try FileManager.default.createDirectory(atPath: prefetchFolder, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: scratch)
            try? FileManager.default.removeItem(atPath: prefetchFolder)
        }
        var complete = true
        for path in paths {
            let placed = try placedCommits(at: path)
            let new = commits.filter { !placed.contains($0.hash) }
            guard !new.isEmpty else { continue }
            // The file under each name it had (`git mv`): a commit holds it under the first found.
            let names = Git.formerNames(of: path, in: repository.top)
            let blobs = Git.blobs(new.flatMap { commit in names.map { "\(commit.hash):\($0)" } }, top: repository.top)
            func blob(of commit: Git.Commit) -> String? { names.lazy.compactMap { blobs["\(commit.hash):\($0)"] }.first }
            // The blobs that will have to be read from git and that git stores as deltas, read
            // ahead, newest first (the order that costs git the fewest delta applications). One
            // stored whole is read when its commit is placed, into the one scratch file: read
            // ahead, each was a file as large as the dataset until the end of the sync (two of 13 GB
            // at 10M examples).
            var toRead: [String] = []
            for commit in new.reversed() {
                if let blob = blob(of: commit), !toRead.contains(blob), try knownBlob(blob) == nil, try changeSets(naming: blob).isEmpty,
                    try changeSets(naming: blob, firstVersions: true).isEmpty
                {
                    toRead.append(blob)
                }
            }
            let deltas = Git.deltas(among: toRead, top: repository.top)
            toRead = toRead.filter(deltas.contains)
            let prefetch = toRead.isEmpty ? nil : BlobPrefetch(blobs: toRead, top: repository.top, folder: prefetchFolder)
            defer { prefetch?.finish() }
            var hashOf: [String: String?] = [:]  // commit -> dataset hash (nil: none, or invalid)
            for commit in new {
                var commit = commit
                commit.path = path
                let blob = blob(of: commit)
                var hash: String?
                var outcome: SyncedCommit.Outcome?
                if let blob {
                    if let known = try knownBlob(blob) {
                        hash = known
                        if let hash, let version = try version(hash: hash) { outcome = .recorded(version) }
                    } else {
                        let placed = try place(blob: blob, of: commit, scratch: scratch, prefetched: prefetch) {
                            if reader == nil { reader = try GitBlobReader(top: repository.top) }
                            return reader!
                        }
                        hash = placed.hash
                        outcome = placed.outcome
                        try database.cachedStatement("INSERT OR REPLACE INTO blob_datasets(blob, hash) VALUES (?, ?)")
                            .run([.text(blob), hash.map(SQLValue.text) ?? .null])
                        if case .invalid = placed.outcome { complete = false }
                    }
                } else if commit.parents.contains(where: { (hashOf[$0] ?? nil) != nil || (try? parentHolds($0, path)) == true }) {
                    outcome = .deleted
                }
                hashOf[commit.hash] = hash
                try database.cachedStatement(
                    """
                    INSERT OR REPLACE INTO commit_datasets(git_commit, path, blob, hash, author, date, subject, parents)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
                ).run([
                    .text(commit.hash), .text(path), blob.map(SQLValue.text) ?? .null, hash.map(SQLValue.text) ?? .null,
                    .text(commit.author), .text(Self.utc(commit.date)), .text(commit.subject), .text(HashList.encode(commit.parents)),
                ])
                if let hash { touched.insert(hash) }
                if let outcome {
                    let synced = SyncedCommit(commit: commit, outcome: outcome)
                    onCommit((path, synced))
                    results.append(synced)
                }
            }
        }
        if complete {
            try database.prepare("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)").run([.text(key), .text(fingerprint)])
        }
        return results
    }

    /// The dataset hash of a blob seen before (`.some(nil)`: not a valid dataset); nil when unseen.
    private func knownBlob(_ blob: String) throws -> String?? {
        let row = try database.cachedStatement("SELECT hash FROM blob_datasets WHERE blob = ?")
        try row.bind([.text(blob)])
        return try row.step() ? .some(row.optionalText(0)) : nil
    }

    /// The change sets of the log that make the version whose canonical file is `blob` from a
    /// version it is a change of (a first version's, which holds every record, is slower to apply
    /// than the blob is to read and import).
    /// The change sets of the log's version records that name `blob`, oldest first: those with a
    /// base, or (`firstVersions`) those of a first version, which hold every record.
    private func changeSets(naming blob: String, firstVersions: Bool = false) throws -> [(hash: String, file: String)] {
        let records = try database.prepare(
            "SELECT hash, file FROM version_records WHERE blob = ? AND file IS NOT NULL AND base IS \(firstVersions ? "" : "NOT ")NULL ORDER BY at, event"
        )
        try records.bind([.text(blob)])
        var candidates: [(hash: String, file: String)] = []
        while try records.step() { candidates.append((records.text(0), records.text(1))) }
        return candidates
    }

    /// A first version's change set that names `blob` holds the blob's dataset: its records,
    /// written to `scratch` from the file in the working tree, when they give the version's hash
    /// (returned) and git's id of what was written is `blob` (so the bytes are git's, whatever
    /// the file claims). That is faster than reading git here: an old dataset sits at the end of a
    /// chain of deltas in git's pack, and a fresh clone's first version is the oldest of all.
    private func firstVersionFromChangeSet(naming blob: String, to scratch: String) throws -> String? {
        for candidate in try changeSets(naming: blob, firstVersions: true) {
            guard let digest = try? ChangeSet.writeFirstVersion(openablePath(candidate.file), to: scratch),
                "sha256:" + digest == candidate.hash,
                Git.run(["hash-object", "--no-filters", "--", scratch], in: repository?.top ?? ".") == blob
            else { continue }
            return digest
        }
        return nil
    }

    /// The commits whose dataset at `path` is placed already.
    private func placedCommits(at path: String) throws -> Set<String> {
        var result = Set<String>()
        let rows = try database.prepare("SELECT git_commit FROM commit_datasets WHERE path = ?")
        try rows.bind([.text(path)])
        while try rows.step() { result.insert(rows.text(0)) }
        return result
    }

    private func parentHolds(_ commit: String, _ path: String) throws -> Bool {
        try database.scalarInt(
            "SELECT count(*) FROM commit_datasets WHERE git_commit = ? AND path = ? AND blob IS NOT NULL", [.text(commit), .text(path)]) != 0
    }

    /// The dataset of a blob this database has not seen: from the change set of a version's record
    /// that names the blob (when its base is here), else read from git and imported. Returns its
    /// hash (nil when it is not a valid dataset).
    private func place(
        blob: String, of commit: Git.Commit, scratch: String, prefetched: BlobPrefetch?, reader: () throws -> GitBlobReader
    ) throws -> (hash: String?, outcome: SyncedCommit.Outcome) {
        for candidate in try changeSets(naming: blob) {
            if let version = try version(hash: candidate.hash) { return (version.hash, .recorded(version)) }
            if let made = try? applyChangeSet(file: candidate.file) { return (made.hash, .imported(made)) }
        }
        var file = scratch
        var digest: String?
        defer { if file != scratch { try? FileManager.default.removeItem(atPath: file) } }  // read ahead: placed now
        if let read = try prefetched?.file(for: blob) {
            (file, digest) = read
        } else if let written = try firstVersionFromChangeSet(naming: blob, to: scratch) {
            digest = written
        } else {
            digest = try reader().write(blob: blob, to: scratch)
        }
        guard let rawSHA256 = digest else {
            return (
                nil, .invalid([DataError(file: "\(commit.hash.prefix(10)):\(commit.path)", line: 1, column: 1, message: "git has no blob \(blob)")])
            )
        }
        // A canonical file (the usual case) is its own dataset hash: no need to read it.
        if let version = try version(hash: "sha256:" + rawSHA256) { return (version.hash, .recorded(version)) }
        var options = ImportOptions(author: commit.author, message: commit.subject, gitCommit: commit.hash, date: Self.utc(commit.date))
        options.recordedPath = commit.path
        options.logsVersion = false
        options.parents = []  // the graph's rule gives them (Team/VersionGraph.swift)
        options.allowReuse = true  // what git holds is a version: an id another branch removed is no reuse here
        options.takesExistingVersion = true
        do {
            let result = try importFile(file, options: options)
            if result.outcome == .created { return (result.version.hash, .imported(result.version)) }
            return (result.version.hash, .recorded(result.version))
        } catch EvalDBError.invalidData(let errors, _) {
            return (
                nil,
                .invalid(
                    errors.map { error in
                        var error = error
                        error.file = "\(commit.hash.prefix(10)):\(commit.path)"
                        return error
                    })
            )
        }
    }

    /// Makes the version of a change set file of the log (relative to the top): applied to the
    /// current version when that is its base, else to its base's records. Throws when its base is
    /// no version here, or it does not give its hash.
    @discardableResult
    func applyChangeSet(file: String) throws -> DatasetVersion {
        let set = try ChangeSet.read(openablePath(file), shown: file)
        if let existing = try version(hash: set.hash) { return existing }
        let current = try currentVersion()
        var change: VersionChange
        if set.base == current?.hash {
            change = set.change(source: file)
        } else {
            guard let current else { throw EvalDBError.storageInvariant("no version to apply \(file) to") }
            if let baseHash = set.base {
                guard let base = try version(hash: baseHash) else { throw ChangeSetWaits(file: file, base: baseHash) }
                change = try delta(applying: set, to: base, from: current, source: file)
            } else {
                // A first version's change set holds every record.
                var replacing = try replacement(of: current, with: set.lines(applyingTo: []))
                let given = set.change(source: file)
                (replacing.author, replacing.message, replacing.date) = (given.author, given.message, given.date)
                (replacing.path, replacing.parents, replacing.source) = (given.path, given.parents, file)
                replacing.expectedHash = set.hash
                replacing.logs = false
                change = replacing
            }
        }
        change.allowReuse = true
        return try commit(change)
            .version
    }

    /// The change from `current` to what `set` makes of `base` (a version other than the current
    /// one: a side branch's, say): the change set's own records and removals, and every example
    /// that differs between `base` and `current` taken back to `base`'s record — not the whole
    /// dataset. The lines are `base`'s order with the change applied (`ChangeSet`'s rule).
    private func delta(applying set: ChangeSet, to base: DatasetVersion, from current: DatasetVersion, source: String) throws
        -> VersionChange
    {
        var change = set.change(source: source)
        var idOf: [Int64: String] = [:]
        let ids = try database.prepare("SELECT key, id FROM stored_examples")
        while try ids.step() { idOf[ids.int(0)] = ids.text(1) }
        ids.reset()
        let setIds = Set(set.puts.map(DatasetMerge.idKey(of:)) + set.removals.map { Array(JSONText.string($0).utf8) })
        var removals = Set(set.removals.map(ExactString.init))
        // The examples that differ between base and current: each back to base's record.
        let (low, high) = (min(base.row, current.row), max(base.row, current.row))
        let touched = try database.prepare("SELECT DISTINCT example FROM stored_revisions WHERE version > ? AND version <= ? ORDER BY example")
        try touched.bind([.int(Int64(low)), .int(Int64(high))])
        let state = try database.prepare(StorageModel.recordAtVersion)
        func record(_ key: Int64, at row: Int) throws -> (record: String?, digest: [UInt8]?) {
            try state.bind([.int(key), .int(Int64(row))])
            defer { state.reset() }
            guard try state.step(), !state.isNull(0) else { return (nil, nil) }
            return (state.text(0), state.blob(1))
        }
        while try touched.step() {
            let key = touched.int(0)
            guard let id = idOf[key], !setIds.contains(Array(JSONText.string(id).utf8)) else { continue }
            let atBase = try record(key, at: base.row), atCurrent = try record(key, at: current.row)
            guard atBase.digest != atCurrent.digest else { continue }
            if let record = atBase.record {
                change.puts.append(record)
            } else {
                removals.insert(ExactString(id))
            }
        }
        touched.reset()
        // Removals of what the current version does not hold are no change of it.
        change.removals = try removals.map(\.string).filter { id in
            try database.scalarInt("SELECT count(*) FROM stored_examples WHERE id = ? AND head_sha256 IS NOT NULL", [.text(id)]) != 0
        }
        // The line order: base's, the change set's removals left out, its new ids appended.
        let baseOrder = try lineKeys(of: base).compactMap { idOf[$0] }
        let inBase = Set(baseOrder.map(ExactString.init))
        let removedBySet = Set(set.removals.map(ExactString.init))
        var order = baseOrder.filter { !removedBySet.contains(ExactString($0)) }
        for put in set.puts {
            let id = DatasetMerge.idString(DatasetMerge.idKey(of: put))
            if !inBase.contains(ExactString(id)) { order.append(id) }
        }
        change.order = set.order ?? order
        return change
    }

    /// Makes the version of every change set in the log whose version is not here yet, base before
    /// version, until none can be made. Returns what could not be placed.
    @discardableResult
    func applyChangeSets(touched: inout Set<String>) throws -> [(file: String, reason: String)] {
        var waiting: [(file: String, reason: String)] = []
        while true {
            let rows = try database.prepare(
                """
                SELECT file, hash FROM version_records WHERE file IS NOT NULL AND hash NOT IN (SELECT hash FROM stored_versions)
                GROUP BY hash ORDER BY min(at), min(event)
                """)
            var pending: [(file: String, hash: String)] = []
            while try rows.step() { pending.append((rows.text(0), rows.text(1))) }
            rows.reset()
            waiting = []
            var progress = false
            for item in pending {
                do {
                    let version = try applyChangeSet(file: item.file)
                    touched.insert(version.hash)
                    progress = true
                } catch let wait as ChangeSetWaits {
                    waiting.append((item.file, "its base \(wait.base.prefix(19)) is no version here"))
                } catch let error as EvalDBError {
                    waiting.append((item.file, error.description))
                }
            }
            if !progress { return waiting }
        }
    }

    func recordCommit(_ commit: Git.Commit, on version: DatasetVersion) throws {
        try recordCommit(commit.hash, path: commit.path, on: version)
    }

    /// Records that `commit` holds `version` at `path` (relative to the top).
    func recordCommit(_ commit: String, path: String, on version: DatasetVersion) throws {
        try recordCommit(commit, path: path, onVersion: version.row)
    }

    /// Records that `commit` holds the version of row `row` at `path`.
    func recordCommit(_ commit: String, path: String, onVersion row: Int) throws {
        try database.cachedStatement("INSERT OR IGNORE INTO version_commits(git_commit, version, path) VALUES (?, ?, ?)")
            .run([.text(commit), .int(Int64(row)), .text(path)])
    }

    /// A git ISO 8601 date with an offset, as UTC (`...Z`), like the other versions' dates.
    static func utc(_ date: String) -> String {
        guard let parsed = ISO8601DateFormatter().date(from: date) else { return date }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: parsed)
    }
}

/// A change set whose base is no version here (yet).
struct ChangeSetWaits: Error {
    var file: String
    var base: String
}
