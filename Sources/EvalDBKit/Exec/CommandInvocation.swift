import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One run of a command on one input: its input written to standard input (then closed), its
/// standard output kept up to a limit, the tail of its standard error, under a deadline.
struct CommandInvocation {
    enum End: Sendable, Equatable {
        case exited(Int32)
        case timedOut
        /// `run exec` was interrupted (Ctrl-C): the child was killed and nothing is recorded.
        case cancelled
        case cannotStart(String)
    }

    var end: End
    var output: [UInt8] = []
    var outputTruncated = false
    var stderrTail: [UInt8] = []
    /// Seconds from the start to the end.
    var elapsed: Double = 0

    /// How much of standard error is kept: its last bytes.
    static let stderrTailBytes = 2048

    /// Runs `arguments` with `input` on standard input, for at most `timeout` seconds.
    static func run(
        _ arguments: [String], environment: ChildEnvironment, extra: [String], input: [UInt8], timeout: Double, maxOutput: Int,
        children: ChildRegistry, ownGroup: Bool = true
    ) -> CommandInvocation {
        let started = monotonicNow()
        let child: ChildProcess
        do {
            child = try ChildProcess.start(arguments, environment: environment, extra: extra, ownGroup: ownGroup)
        } catch {
            return CommandInvocation(end: .cannotStart(error.reason), elapsed: monotonicNow() - started)
        }
        guard children.add(child) else {
            child.kill()
            _ = child.reap()
            child.closeAll()
            return CommandInvocation(end: .cancelled)
        }
        var result = CommandInvocation(end: .timedOut)
        var stderr = TailBuffer(capacity: stderrTailBytes)
        var inputDescriptor = child.input, outputOpen = true, errorOpen = true
        var written = 0
        if input.isEmpty {
            close(inputDescriptor)
            inputDescriptor = -1
        }
        let deadline = started + timeout
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var timedOut = false
        while outputOpen || errorOpen {
            let remaining = deadline - monotonicNow()
            if remaining <= 0 {
                timedOut = true
                break
            }
            var fds: [pollfd] = []
            if inputDescriptor >= 0 { fds.append(pollfd(fd: inputDescriptor, events: Int16(POLLOUT), revents: 0)) }
            if outputOpen { fds.append(pollfd(fd: child.output, events: Int16(POLLIN), revents: 0)) }
            if errorOpen { fds.append(pollfd(fd: child.error, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000 + 1, 1_000_000)))
            if ready < 0 && errno != EINTR { break }
            for entry in fds where entry.revents != 0 {
                if entry.fd == inputDescriptor {
                    let count = input.withUnsafeBytes { write(inputDescriptor, $0.baseAddress! + written, input.count - written) }
                    if count > 0 { written += count }
                    if written == input.count || (count < 0 && errno != EAGAIN && errno != EINTR) || entry.revents & Int16(POLLERR | POLLHUP) != 0 {
                        close(inputDescriptor)
                        inputDescriptor = -1
                    }
                } else {
                    let count = read(entry.fd, &buffer, buffer.count)
                    if count > 0 {
                        if entry.fd == child.output {
                            let room = maxOutput - result.output.count
                            if count > room { result.outputTruncated = true }
                            if room > 0 { result.output.append(contentsOf: buffer[0..<min(count, room)]) }
                        } else {
                            stderr.append(buffer[0..<count])
                        }
                    } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        if entry.fd == child.output { outputOpen = false } else { errorOpen = false }
                    }
                }
            }
        }
        if inputDescriptor >= 0 { close(inputDescriptor) }
        close(child.output)
        close(child.error)
        // Both pipes are closed: the child is ending. Wait for it, but not past the deadline; it is
        // killed (while it cannot have been reaped, so its pid names it still) when it does not end.
        var ended = false
        if !timedOut {
            var pause: useconds_t = 50
            while !ended && monotonicNow() < deadline {
                ended = child.hasEnded()
                if !ended {
                    usleep(pause)
                    pause = min(pause * 2, 5000)
                }
            }
        }
        if !ended { child.kill() }
        children.remove(child)
        let status = child.reap()
        result.end = ended ? .exited(status) : .timedOut
        if children.isCancelled { result.end = .cancelled }
        result.stderrTail = stderr.bytes
        result.elapsed = monotonicNow() - started
        return result
    }
}

/// The last `capacity` bytes written to it.
struct TailBuffer {
    let capacity: Int
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { self.capacity = capacity }

    mutating func append(_ slice: ArraySlice<UInt8>) {
        bytes.append(contentsOf: slice.suffix(capacity))
        if bytes.count > capacity { bytes.removeFirst(bytes.count - capacity) }
    }
}

/// The children `run exec` has running, so that an interruption kills them all.
final class ChildRegistry: @unchecked Sendable {  // its state behind `lock`
    private let lock = NSLock()
    private var running: [pid_t: ChildProcess] = [:]
    private var cancelled = false

    /// Registers a child; false (and nothing registered) once cancelled.
    func add(_ child: ChildProcess) -> Bool {
        lock.withLock {
            guard !cancelled else { return false }
            running[child.pid] = child
            return true
        }
    }

    func remove(_ child: ChildProcess) { lock.withLock { _ = running.removeValue(forKey: child.pid) } }

    var isCancelled: Bool { lock.withLock { cancelled } }

    /// Kills every child running and every child started from now on.
    func cancel() {
        lock.withLock {
            cancelled = true
            for child in running.values { child.kill() }
        }
    }
}
