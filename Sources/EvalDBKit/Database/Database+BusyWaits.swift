import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Database {
    /// Calls `body` (on this connection's thread) each time the connection finds the database
    /// locked by another connection and waits, a millisecond at a time, up to its busy timeout: how
    /// a test sees a writer queue behind another, with no sleep deciding when. Until
    /// `withoutWaiting` restores SQLite's own busy timeout.
    func observeBusyWaits(_ body: @escaping () -> Void) {
        let observer = BusyObserver(timeoutMilliseconds: busyTimeout, body)
        busyObserver = observer
        sqlite3_busy_handler(
            handle,
            { context, attempts in
                guard let context else { return 0 }
                return Unmanaged<BusyObserver>.fromOpaque(context).takeUnretainedValue().wait(attempts: attempts) ? 1 : 0
            }, Unmanaged.passUnretained(observer).toOpaque())
    }
}

/// What `Database.observeBusyWaits` calls, kept alive by the connection it observes.
final class BusyObserver {
    private let timeoutMilliseconds: Int32
    private let body: () -> Void

    init(timeoutMilliseconds: Int32, _ body: @escaping () -> Void) {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.body = body
    }

    /// Tells of the wait, waits a millisecond; false (give up) once the timeout has passed.
    func wait(attempts: Int32) -> Bool {
        guard attempts < timeoutMilliseconds else { return false }
        body()
        usleep(1000)
        return true
    }
}
