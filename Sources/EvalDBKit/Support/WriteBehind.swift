import Foundation

/// Flushes a file to disk on a thread of its own while it is still being written, a flush every
/// `interval` bytes (at most one at a time): the disk works while the file is made, and the final
/// `fsync` has little left to wait for. Errors are left to that final `fsync`, which reports them.
final class WriteBehind: @unchecked Sendable {  // `flushing` behind `lock`; `written` and `flushedAt` the writing thread's own
    private let descriptor: Int32
    private let interval: Int
    private let lock = NSLock()
    private var flushing = false
    private let running = DispatchGroup()
    private var written = 0
    private var flushedAt = 0

    init(descriptor: Int32, interval: Int = 32 << 20) {
        self.descriptor = descriptor
        self.interval = interval
    }

    /// Counts `count` more bytes written (on the writing thread); starts a flush when due and none
    /// is running.
    func wrote(_ count: Int) {
        written += count
        guard written - flushedAt >= interval else { return }
        let start = lock.withLock {
            guard !flushing else { return false }
            flushing = true
            return true
        }
        guard start else { return }
        flushedAt = written
        running.enter()
        let descriptor = self.descriptor
        startThread { [self] in
            _ = fdatasync(descriptor)
            lock.withLock { flushing = false }
            running.leave()
        }
    }

    /// Waits for the flush running, if any; call before the final `fsync` and `close`.
    func finish() { running.wait() }
}
