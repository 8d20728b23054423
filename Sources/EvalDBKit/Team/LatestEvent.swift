/// The one rule by which team state that replaces itself — a failure category on a result, a human
/// verdict on a result, a proposal's decision, a calibration of a name — resolves, in every clone
/// alike whatever order its events arrived in (docs/teams.md): the fact in force is the one of the
/// event with the latest `at`, ties broken by the larger event id (the SHA-256 of the event's
/// canonical line). Rows made before migration 0011 have no event id: they come before any event
/// of the same `at`.
enum LatestEvent {
    /// SQL: an ORDER BY that puts the fact in force first, for rows whose time is in column `at`,
    /// whose event id is in `event`, and whose rowid is `row` (which orders only rows without an
    /// event id, of the same time, among themselves).
    static func first(at: String, event: String, row: String) -> String { "\(at) DESC, \(event) DESC, \(row) DESC" }

    /// Whether the fact of (`at`, `event`) replaces the fact of (`otherAt`, `otherEvent`): a later
    /// time, or the same time and a larger event id (a nil id sorts first).
    static func replaces(at: String, event: String?, _ otherAt: String, _ otherEvent: String?) -> Bool {
        at != otherAt ? at > otherAt : (event ?? "") > (otherEvent ?? "")
    }

    /// An event of `kind` made here to replace the fact in force, `latest` (its time and event id;
    /// nil when there is none), so that it is in force by the rule wherever it is applied: its `at`
    /// is `now`, or `latest`'s when this machine's clock is behind it; and when the two times are
    /// equal (two changes in one second), a `tie` member makes its id the larger.
    static func replacing(_ kind: String, _ members: [String: LogEvent.Value?], now: String, latest: (at: String, event: String?)?) -> LogEvent {
        var members = members
        guard let latest, latest.at >= now else {
            members["at"] = .string(now)
            return LogEvent(kind, members)
        }
        members["at"] = .string(latest.at)
        var event = LogEvent(kind, members)
        var tie = 0
        while !replaces(at: event.at, event: event.id, latest.at, latest.event) {
            tie += 1
            members["tie"] = .int(tie)
            event = LogEvent(kind, members)
        }
        return event
    }
}

extension Store {
    /// The time and event id of the fact in force among the rows `sql` selects with `arguments`:
    /// its first row, when it selects (time, event id) in `LatestEvent.first` order. Nil when it
    /// selects none.
    func factInForce(_ sql: String, _ arguments: [SQLValue]) throws -> (at: String, event: String?)? {
        let rows = try database.cachedStatement(sql)
        try rows.bind(arguments)
        defer { rows.reset() }
        return try rows.step() ? (rows.text(0), rows.optionalText(1)) : nil
    }
}
