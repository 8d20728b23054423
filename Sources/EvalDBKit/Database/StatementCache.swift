import CSQLite

/// The compiled statements of a connection kept between uses, keyed by their SQL text
/// (`Database.cachedStatement`).
///
/// A statement is out of the cache while it is in use: `take` removes it, and the `Statement`
/// that holds it gives it back when it is released — reset and its bindings cleared. A second use
/// of the same SQL while the first is still stepping therefore compiles a statement of its own,
/// and no use ever resets another's rows.
struct StatementCache {
    /// At most this many statements are kept; one given back beyond it is finalized.
    static let capacity = 64

    private var idle: [String: OpaquePointer] = [:]

    /// How many statements are kept, not in use.
    var count: Int { idle.count }

    /// The idle statement compiled for `sql`, removed from the cache; nil when there is none.
    mutating func take(_ sql: String) -> OpaquePointer? {
        idle.removeValue(forKey: sql)
    }

    /// Takes back a statement of `sql` whose use ended: kept reset with no bindings, or finalized
    /// when the cache holds one for `sql` already (a nested use's) or is full.
    mutating func giveBack(_ statement: OpaquePointer, sql: String) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        if idle[sql] == nil && idle.count < Self.capacity {
            idle[sql] = statement
        } else {
            sqlite3_finalize(statement)
        }
    }

    /// Finalizes every kept statement: before the connection closes, which it would not while any
    /// statement of it is left.
    mutating func finalizeAll() {
        for statement in idle.values { sqlite3_finalize(statement) }
        idle.removeAll()
    }
}
