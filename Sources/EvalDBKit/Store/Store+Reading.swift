extension Store {
    /// Runs `body` — the queries of one read command — in one read transaction: every query sees
    /// the database as it was when the first one began, whatever imports commit meanwhile, so the
    /// current version is read once (`currentVersion` keeps it for the transaction) and what
    /// `body` calls checks the version it was given against that one instead of asking again. A
    /// slice index made meanwhile is saved after the transaction (a cache: a write cannot be made
    /// in it). Inside `reading`, or inside another transaction, `body` just runs.
    ///
    /// `body` must not write: a write would have to wait for the transaction (or fail).
    public func reading<T>(_ body: () throws -> T) throws -> T {
        guard !isReading, !database.isInTransaction else { return try body() }
        isReading = true
        defer {
            isReading = false
            currentWhileReading = nil
            if let index = sliceIndexToSave {
                sliceIndexToSave = nil
                saveSliceIndex(index)
            }
        }
        return try database.readTransaction(body)
    }
}
