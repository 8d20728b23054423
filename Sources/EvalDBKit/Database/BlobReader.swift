import CSQLite

/// A BLOB of the main database read a part at a time where it is stored (`sqlite3_blob_open`,
/// read only), never copied out whole: a version's line order, 8 bytes an example (80 MB at ten
/// million). Valid while the row is not changed (versions are append-only).
final class BlobReader {
    /// The BLOB's size in bytes.
    let count: Int
    private let handle: OpaquePointer
    private let database: Database

    /// The BLOB in `column` of the row with rowid `row` of `table`.
    init(_ database: Database, table: String, column: String, row: Int64) throws {
        var blob: OpaquePointer?
        let rc = sqlite3_blob_open(database.handle, "main", table, column, row, 0, &blob)
        guard rc == SQLITE_OK, let blob else {
            if let blob { sqlite3_blob_close(blob) }
            throw database.error(rc, sql: nil)
        }
        handle = blob
        self.database = database
        count = Int(sqlite3_blob_bytes(blob))
    }

    deinit { sqlite3_blob_close(handle) }

    /// Fills `buffer` with the bytes from `offset` on (`offset + buffer.count <= count`).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        let rc = sqlite3_blob_read(handle, buffer.baseAddress, Int32(buffer.count), Int32(offset))
        guard rc == SQLITE_OK else { throw database.error(rc, sql: nil) }
    }
}
