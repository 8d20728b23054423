import Dispatch
import EvalDBKit
import Foundation

/// The server's database connections, each used by one request at a time on a worker thread (a
/// `Store` belongs to one thread while it works). Requests wait for a free one; SQLite runs
/// their reads side by side (WAL) and queues their writes.
final class StorePool: @unchecked Sendable {
    let path: String
    let repository: Repository?
    let limit: Int
    private let condition = NSCondition()
    private var idle: [Store] = []
    private var made = 0
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
        return try body(store)
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
        condition.lock()
        // A connection left inside a transaction by an error is not given to the next request.
        if store.database.isInTransaction {
            made -= 1
        } else {
            idle.append(store)
        }
        condition.signal()
        condition.unlock()
    }
}
