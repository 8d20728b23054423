import Foundation

/// The one value a thread makes for another that waits for it (a dataset hash made beside an
/// export, the stderr of a child read beside its stdout, half a slice index).
///
/// What makes it safe is the `DispatchGroup` it holds, not a lock: it is entered when the result
/// is made, the making thread stores the value once and then leaves the group (`set`), and the
/// waiting thread reads the value only after the group's `wait()` has returned (`take`). The
/// leave/wait pair orders the store before the read, as joining the thread would; before it, only
/// the making thread touches the value, after it only the waiting one.
final class ThreadResult<Value>: @unchecked Sendable {  // `value` stored before `done.leave()`, read only after `done.wait()`
    private let done = DispatchGroup()
    private var value: Value?

    /// A result still to be made: exactly one `set` must follow, or `wait` never returns.
    init() { done.enter() }

    /// Runs `make` on a thread of its own (`startThread`) and keeps what it returns.
    static func start(_ make: @escaping @Sendable () -> Value) -> ThreadResult<Value> {
        let result = ThreadResult()
        startThread { result.set(make()) }
        return result
    }

    /// Stores the value and lets the waiting thread have it. Called once, by the making thread,
    /// which touches the result no more.
    func set(_ value: Value) {
        self.value = value
        done.leave()
    }

    /// Waits until the value is set: the making thread is done with it (and with whatever it
    /// read). Returns at once when it was set already; it may be called more than once.
    func wait() {
        done.wait()
    }

    /// Waits until the value is set, then hands it over and lets go of it. Called once.
    func take() -> Value {
        done.wait()
        defer { value = nil }
        return value!
    }
}
