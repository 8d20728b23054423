import EvalDBKit
import Foundation

/// What pages read from the database, kept while the database's generation (`StorePool`) stays
/// the same: the current version, each reviewer's read marks and pending edits, the failure
/// categories' stamp. A page read a thousand times a minute queries them once per change.
final class GenerationCache: @unchecked Sendable {  // its state behind `lock`
    private let lock = NSLock()
    private var generation: UInt64 = 0
    private var values: [Key: any Sendable] = [:]

    struct Key: Hashable {
        var name: String
        /// Whose or which: a reviewer's or a run's name as UTF-8 bytes (names that differ only by
        /// normalisation are two).
        var subject: [UInt8] = []
    }

    /// The value of `key` read at `generation` (nil: no generation, read it now), else `make`'s.
    func value<T: Sendable>(_ key: Key, generation: UInt64?, _ make: () throws -> T) rethrows -> T {
        guard let generation else { return try make() }
        // (A missing value is not a nil one: `T` may be optional.)
        let hit: T?? = lock.withLock {
            guard generation == self.generation, let stored = values[key] else { return nil }
            return .some(stored as? T)
        }
        if case .some(.some(let value)) = hit { return value }
        let made = try make()
        lock.withLock {
            if generation > self.generation {
                self.generation = generation
                values.removeAll()
            }
            if generation == self.generation {
                if values.count >= 4096 { values.removeAll() }
                values[key] = made
            }
        }
        return made
    }
}

/// The rows of queue pages as they were rendered, by position: a row shows an example's id, its
/// input and its run's verdict, which change only with a new version (or a failure category set),
/// so the next page that shows that row does not read or render it again. What belongs to the
/// reviewer (read or not, their pending edits) is added to the row as each page is made.
final class RowCache: @unchecked Sendable {  // its state behind `lock`
    struct Key: Hashable {
        /// The queue's address (its rows' links carry its parameters).
        var queue: String
        /// The version the list was made on, and the current version the rows were read at.
        var list: Int
        var current: Int
        /// The failure categories' stamp (0 without a run).
        var stamp: Int64
    }

    /// A row without the reviewer's part: `head` up to the state cell, `tail` after it.
    struct Row: Sendable {
        var id: String
        var head: HTML
        var tail: HTML
        /// The version has no record for it (a list of the version before, a removed example).
        var removed: Bool
    }

    private let lock = NSLock()
    private var rows: [Key: [Int: Row]] = [:]
    private var count = 0
    static let limit = 20_000

    func rows(_ key: Key, at positions: [Int]) -> [Int: Row] {
        lock.withLock {
            guard let cached = rows[key] else { return [:] }
            var found: [Int: Row] = [:]
            for position in positions { found[position] = cached[position] }
            return found
        }
    }

    func keep(_ key: Key, _ made: [Int: Row]) {
        guard !made.isEmpty else { return }
        lock.withLock {
            // Rows read at an older version are not shown again.
            for old in rows.keys where old.current < key.current {
                count -= rows[old]?.count ?? 0
                rows[old] = nil
            }
            if count + made.count > Self.limit {
                rows.removeAll()
                count = 0
            }
            var kept = rows.removeValue(forKey: key) ?? [:]
            for (position, row) in made where kept.updateValue(row, forKey: position) == nil { count += 1 }
            rows[key] = kept
        }
    }
}

/// The examples each reviewer marked read on their way through each queue (by the queue's list
/// key), so that `b` in a queue of what is unread goes back to the example seen before, as in
/// terminal `review`, although reading it took it out of that queue.
final class Passes: @unchecked Sendable {  // its state behind `lock`
    private struct Key: Hashable {
        var reviewer: [UInt8]
        var queue: String
    }

    private let lock = NSLock()
    private var passes: [Key: PassedExamples] = [:]

    func passed(_ reviewer: String, queue: String) -> PassedExamples {
        lock.withLock { passes[Key(reviewer: Array(reviewer.utf8), queue: queue)] ?? PassedExamples() }
    }

    func insert(_ reviewer: String, queue: String, position: Int, of list: ReviewList) {
        lock.withLock {
            if passes.count >= 1024 { passes.removeAll() }
            passes[Key(reviewer: Array(reviewer.utf8), queue: queue), default: PassedExamples()].insert(position: position, of: list)
        }
    }
}
