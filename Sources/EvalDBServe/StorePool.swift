import Dispatch
import EvalDBKit
import Foundation

/// The server's database connections, each used by one request at a time on a worker thread (a
/// `Store` belongs to one thread while it works). Requests wait for a free one; SQLite runs
/// their reads side by side (WAL) and queues their writes.
///
/// The pool also tells whether the database changed: each connection's change mark is looked at
/// as it is taken and as it is given back, and the `generation` grows when one differs from what
/// that connection saw last (a commit of any connection or process, a write through this one).
/// What was read at one generation is still true while the generation is the same.
final class StorePool: @unchecked Sendable {  // its state behind `condition`; a Store lent to one request at a time (checkOut, checkIn)
    let path: String
    let repository: Repository?
    let limit: Int
    private let condition = NSCondition()
    private var idle: [Store] = []
    private var made = 0
    private var _generation: UInt64 = 1
    /// The mark each connection saw last, by connection.
    private var marks: [ObjectIdentifier: Database.ChangeMark] = [:]
    private let queue = DispatchQueue(label: "evaldb.serve.work", qos: .userInitiated, attributes: .concurrent)

    init(path: String, repository: Repository?, limit: Int) {
        self.path = path
        self.repository = repository
        self.limit = max(1, limit)
    }

    /// Runs `body` with a connection of its own, on a worker thread (never on the thread that
    /// serves the sockets: a write may wait for an import to commit).
    func run<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.withStore(body) })
            }
        }
    }

    /// Runs `body` with a connection, on this thread.
    func withStore<T>(_ body: (Store) throws -> T) throws -> T {
        let store = try checkOut()
        defer { checkIn(store) }
        try observe(store)
        return try body(store)
    }

    /// The database's generation: it grows whenever a connection finds that the database changed.
    /// Read after a connection is taken, it is no older than anything committed before.
    var generation: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return _generation
    }

    /// Looks at `store`'s change mark: a new one (or a connection's first) makes a new generation.
    private func observe(_ store: Store) throws {
        let mark = try store.database.changeMark()
        condition.lock()
        let key = ObjectIdentifier(store)
        if marks[key] != mark {
            marks[key] = mark
            _generation += 1
        }
        condition.unlock()
    }

    private func checkOut() throws -> Store {
        condition.lock()
        while idle.isEmpty && made >= limit { condition.wait() }
        if let store = idle.popLast() {
            condition.unlock()
            return store
        }
        made += 1
        condition.unlock()
        do {
            let store = try Store(path: path)
            store.repository = repository
            return store
        } catch {
            condition.lock()
            made -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
    }

    private func checkIn(_ store: Store) {
        // What this connection wrote counts from now: the next request sees a new generation.
        let broken = store.database.isInTransaction || (try? observe(store)) == nil
        condition.lock()
        // A connection left inside a transaction by an error is not given to the next request.
        if broken {
            made -= 1
            marks[ObjectIdentifier(store)] = nil
            _generation += 1
        } else {
            idle.append(store)
        }
        condition.signal()
        condition.unlock()
    }
}
