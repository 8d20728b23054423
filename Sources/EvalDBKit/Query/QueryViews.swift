/// The views of docs/sql.md: the public, stable contract for queries, in the database file itself
/// (migrations/0009_views.sql), so `evaldb sql`, the sqlite3 shell and every other SQL client see
/// the same names and columns. The tables behind them (`stored_*`) may change with migrations;
/// these names and columns do not.
enum QueryViews {
    /// The views, for messages.
    static let names = ["examples", "labels", "revisions", "versions", "runs", "results"]
}
