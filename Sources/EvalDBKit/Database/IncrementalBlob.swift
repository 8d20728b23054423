import CSQLite

/// A BLOB of the main database read or written a part at a time where it is stored
/// (`sqlite3_blob_open`), never copied out or in whole: a version's line order read a chunk of
/// keys at a time (8 bytes an example, 80 MB at ten million), a slice index row of 25 MB written
/// from its temporary file a megabyte at a time into a row made with `zeroblob(N)` (no copy of
/// it in memory, nor SQLite's copy of a bound value). Valid while the row is not changed but
/// through it.
final class IncrementalBlob {
    /// The BLOB's size in bytes.
    let count: Int
    private let handle: OpaquePointer
    private let database: Database

    /// The BLOB in `column` of the row with rowid `row` of `table`, opened for writing too when
    /// `writable`.
    init(_ database: Database, table: String, column: String, row: Int64, writable: Bool = false) throws {
        var blob: OpaquePointer?
        let rc = sqlite3_blob_open(database.handle, "main", table, column, row, writable ? 1 : 0, &blob)
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

    /// Writes `bytes` from `offset` on (`offset + bytes.count <= count`; opened `writable`).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let rc = sqlite3_blob_write(handle, base, Int32(bytes.count), Int32(offset))
        guard rc == SQLITE_OK else { throw database.error(rc, sql: nil) }
    }
}
