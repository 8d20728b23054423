import Foundation

/// Waits until `event` holds — a file a child wrote, a line it printed — checking it every few
/// milliseconds for at most `seconds`: true when it held. A test asserts the result, so that it
/// fails when the event never comes; no test waits a fixed time for something to happen.
func waitUntil(_ seconds: Double = 60, _ event: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try event() { return true }
        usleep(2_000)
    }
    return try event()
}

/// The lines of the file at `path` (none when it does not exist yet).
func lineCount(_ path: String) -> Int {
    guard let data = FileManager.default.contents(atPath: path) else { return 0 }
    return data.split(separator: 0x0A).count
}

extension Process {
    /// Waits for the process to exit, at most `seconds`: true when it did. Woken by the exit itself
    /// (a thread blocked in `waitUntilExit`), not by polling.
    func waitForExit(within seconds: Double) -> Bool {
        let exited = DispatchSemaphore(value: 0)
        let process = UncheckedProcess(self)
        Thread.detachNewThread {
            process.value.waitUntilExit()
            exited.signal()
        }
        return exited.wait(timeout: .now() + seconds) == .success
    }
}

/// A process handed to the thread that waits for it (`Process` is not `Sendable`; the thread only
/// calls `waitUntilExit`, which `Process` allows from any thread).
private struct UncheckedProcess: @unchecked Sendable {
    let value: Process
    init(_ value: Process) { self.value = value }
}
