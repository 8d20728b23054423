import EvalDBKit

extension Context {
    /// The run a queue names (nil: none).
    func run(_ name: String?, store: Store) throws -> EvalRun? {
        try name.map { name in
            try state.memo.value(.init(name: "run", subject: Array(name.utf8)), generation: generation) { try store.run(named: name) }
        }
    }

    /// The reviewer's session for reading: their open one (with its pending edits), else a view
    /// of the dataset as it is.
    func reading(_ store: Store, run: EvalRun?) -> ReviewSession {
        state.sessions.session(of: reviewer, run: run, store: store) ?? ReviewSession.viewer(store, reviewer: reviewer, run: run)
    }

    /// Runs `body` with the reviewer's session, started when there is none.
    func writing<T>(_ store: Store, run: EvalRun?, _ body: (ReviewSession) throws -> T) throws -> T {
        try state.sessions.withSession(of: reviewer, run: run, store: store, body).0
    }

    // MARK: - Read once a generation (a page); afresh for an action

    /// The newest version (nil: none yet).
    func currentVersion(_ store: Store) throws -> DatasetVersion? {
        try state.memo.value(.init(name: "version"), generation: generation) { try store.currentVersion() }
    }

    /// What this reviewer has read.
    func readSet(_ store: Store) throws -> ReadSet {
        try state.memo.value(.init(name: "read", subject: Array(reviewer.utf8)), generation: generation) {
            try store.readSet(of: reviewer)
        }
    }

    /// How many pending edits this reviewer's session holds, and of which examples.
    func pending(_ store: Store) throws -> (count: Int, examples: PendingExamples) {
        guard let session = state.sessions.session(of: reviewer, run: nil, store: store) else {
            return (0, try ReviewSession.viewer(store, reviewer: reviewer, run: nil).pendingExamples())
        }
        let memo = state.memo, generation = self.generation, key = GenerationCache.Key(name: "pending", subject: Array(reviewer.utf8))
        let count = try memo.value(key, generation: generation) { try session.pendingCount() }
        let examples = try memo.value(.init(name: "pending examples", subject: key.subject), generation: generation) {
            try session.pendingExamples()
        }
        return (count, examples)
    }

    /// The failure categories' stamp (it grows when one is set).
    func failureStamp(_ store: Store) throws -> Int64 {
        try state.memo.value(.init(name: "failure stamp"), generation: generation) { try store.failureCategoryStamp() }
    }

    /// The examples of the queue `spec` names, listed once per version. With `fresh` false (a page
    /// to show), the list of the version before may serve while the new one is made.
    func list(_ spec: QueueSpec, store: Store, fresh: Bool = false) throws -> ReviewList {
        guard let version = try currentVersion(store) else { throw EvalDBError.emptyDatabase }
        let state = self.state, reviewer = self.reviewer
        return try state.lists.list(
            spec.listKey, version: version.row, stale: !fresh, now: { try Self.makeList(spec, store: store, reviewer: reviewer) },
            later: { try state.pool.withStore { store in try Self.makeList(spec, store: store, reviewer: reviewer) } })
    }

    private static func makeList(_ spec: QueueSpec, store: Store, reviewer: String) throws -> ReviewList {
        let run = try spec.run.map { try store.run(named: $0) }
        if let flips = spec.flips, let base = spec.base, let run {
            let comparison = try store.compare(base: try store.run(named: base), candidate: run)
            return try store.list(ofIds: Array(flips == "regressed" ? comparison.regressed : comparison.fixed))
        }
        return try ReviewSession.viewer(store, reviewer: reviewer, run: run)
            .list(where: try spec.sliceConditions(), results: spec.results, category: spec.category)
    }

    /// The failure categories of a run in use, most used first (open coding: the names to pick from).
    func categories(of run: EvalRun, store: Store) throws -> [(category: String, count: Int)] {
        try state.lists.categories(run: run.id, stamp: try failureStamp(store)) { try store.failureCategories(of: run) }
    }

    /// The id a form or an address names.
    func exampleId() throws -> String {
        guard let id = form["id"], !id.isEmpty else { throw PageError.bad("Which example? The address names none (id=…).") }
        return id
    }

    /// The page of example `id` in the queue `spec`, with a notice.
    func exampleLink(_ id: String, _ spec: QueueSpec, done: String? = nil) -> Link {
        spec.link("/example", [("id", id)] + (done.map { [("done", $0)] } ?? []))
    }
}
