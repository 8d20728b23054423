import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One job of `run exec --worker`: a long-lived process of the command that reads records as JSONL
/// on its standard input and answers each with one line on its standard output, in order
/// (docs/run.md, "Streaming workers").
///
/// Records are sent ahead of the answers so that the pipe never waits for a round trip: 64 at a
/// time while the worker answers within 5 ms, else 2 (so that jobs share a slow system's examples
/// evenly). The example at the head of the line has `timeout` seconds from when the worker
/// could start on it (the later of its sending and the previous answer). When the worker ends, or
/// is killed for a timeout, the head example gets the error (or a retry) and the examples sent
/// behind it are sent again to a new worker, not counted as attempts.
final class StreamingWorker {
    private let setup: ExecSetup
    private let feed: PlanFeed
    private let sink: ResultSink
    private var window = 2

    private var child: ChildProcess?
    private var pendingInput: [UInt8] = []
    private var written = 0
    private var lineBuffer: [UInt8] = []
    /// The head's answer is over the limit: its first bytes are kept, the rest up to the newline dropped.
    private var overLimit = false
    private var stderr = TailBuffer(capacity: CommandInvocation.stderrTailBytes)
    private var inFlight: [(item: ExecItem, id: String, fields: ExampleFields?, sent: Double)] = []
    private var inFlightHead = 0
    private var resend: [ExecItem] = []
    private var lastAnswer = 0.0
    /// The worker's standard input is open (it is closed when the worker closed its end).
    private var inputOpen = false
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    init(setup: ExecSetup, feed: PlanFeed, sink: ResultSink) {
        self.setup = setup
        self.feed = feed
        self.sink = sink
    }

    private var inFlightCount: Int { inFlight.count - inFlightHead }

    /// Runs items until the feed is empty and every item sent has its result, or the run is
    /// interrupted.
    func run() {
        defer { stop() }
        while !setup.children.isCancelled {
            fill()
            if inFlightCount == 0 { return }
            guard let child else { continue }
            step(child)
        }
    }

    /// Sends items until the window is full or nothing is left; starts the worker when needed.
    private func fill() {
        while inFlightCount < window, let item = resend.isEmpty ? feed.next() : resend.removeFirst() {
            guard let fields = ExampleFields(item.record) else { continue }
            if child == nil {
                do {
                    child = try ChildProcess.start(setup.command, environment: setup.environment, extra: ["EVALDB_WORKER=1"])
                    if let child, !setup.children.add(child) {
                        child.kill()
                        _ = child.reap()
                        child.closeAll()
                        self.child = nil
                        return
                    }
                    lastAnswer = monotonicNow()
                    inputOpen = true
                } catch {
                    var failed = item
                    failed.attempts += 1
                    let failure = ExecFailure(kind: .start, message: "cannot start \(setup.command[0]): \(error.reason)")
                    if let outcome = setup.finish(failed, fields, .failed(failure, latency: 0)) { sink.put(outcome) }
                    continue
                }
            }
            pendingInput += setup.message(item.record, fields, worker: true)
            inFlight.append((item, fields.id, fields, monotonicNow()))
        }
    }

    /// Waits for the worker once: writes what it can, reads what it printed, and deals with an
    /// answer, its end or a timeout.
    private func step(_ child: ChildProcess) {
        let head = inFlight[inFlightHead]
        let deadline = max(head.sent, lastAnswer) + setup.timeout
        let remaining = deadline - monotonicNow()
        if remaining <= 0 { return workerFailed(timedOut: true) }
        var fds = [pollfd(fd: child.output, events: Int16(POLLIN), revents: 0), pollfd(fd: child.error, events: Int16(POLLIN), revents: 0)]
        if inputOpen && written < pendingInput.count { fds.append(pollfd(fd: child.input, events: Int16(POLLOUT), revents: 0)) }
        let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000 + 1, 100)))
        guard ready > 0 else { return }
        if fds.count > 2 && fds[2].revents != 0 {
            let count = pendingInput.withUnsafeBytes { write(child.input, $0.baseAddress! + written, pendingInput.count - written) }
            if count > 0 {
                written += count
                if written == pendingInput.count {
                    pendingInput.removeAll(keepingCapacity: true)
                    written = 0
                } else if written > 1 << 20 {
                    pendingInput.removeFirst(written)
                    written = 0
                }
            } else if count < 0 && errno != EAGAIN && errno != EINTR {
                // It closed its input: it is ending. What it answered is still read, then its end.
                close(child.input)
                inputOpen = false
            }
        }
        if fds[1].revents != 0 {
            let count = read(child.error, &buffer, buffer.count)
            if count > 0 { stderr.append(buffer[0..<count]) }
        }
        if fds[0].revents != 0 {
            let count = read(child.output, &buffer, buffer.count)
            if count > 0 {
                take(buffer[0..<count])
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                return workerFailed(timedOut: false)
            }
        }
    }

    /// Splits what the worker printed into answers, one a line, for the items in flight in order.
    private func take(_ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        while let newline = rest.firstIndex(of: 0x0A) {
            append(rest[rest.startIndex..<newline])
            rest = rest[(newline + 1)...]
            guard inFlightCount > 0 else {
                lineBuffer.removeAll(keepingCapacity: true)
                overLimit = false
                continue  // a line nobody asked for: not an answer
            }
            let now = monotonicNow()
            var entry = inFlight[inFlightHead]
            inFlightHead += 1
            let latency = now - max(entry.sent, lastAnswer)
            lastAnswer = now
            window = latency < 0.005 ? 64 : 2
            entry.item.attempts += 1
            let output = CommandOutput(setup.redactor.redacted(lineBuffer), truncated: overLimit, limit: setup.maxOutput)
            lineBuffer.removeAll(keepingCapacity: true)
            overLimit = false
            if let fields = entry.fields, let outcome = setup.finish(entry.item, fields, .printed(output, latency: latency)) { sink.put(outcome) }
        }
        append(rest)
        if inFlightHead > 1024 {
            inFlight.removeFirst(inFlightHead)
            inFlightHead = 0
        }
    }

    private func append(_ bytes: ArraySlice<UInt8>) {
        let room = setup.maxOutput - lineBuffer.count
        if bytes.count > room { overLimit = true }
        if room > 0 { lineBuffer += bytes.prefix(room) }
    }

    /// The worker ended or timed out: the head item gets the error or a retry, the items behind it
    /// are sent again to a new worker.
    private func workerFailed(timedOut: Bool) {
        guard let child else { return }
        var ended = false
        if !timedOut {
            // Its output closed: give it a moment to exit, for its status.
            let until = monotonicNow() + 0.5
            while !ended && monotonicNow() < until {
                ended = child.hasEnded()
                if !ended { usleep(1000) }
            }
        }
        if !ended { child.kill() }
        setup.children.remove(child)
        let status = child.reap()
        // Whatever it still wrote to standard error.
        while true {
            let count = read(child.error, &buffer, buffer.count)
            if count <= 0 { break }
            stderr.append(buffer[0..<count])
        }
        if inputOpen { close(child.input) }
        inputOpen = false
        close(child.output)
        close(child.error)
        self.child = nil
        pendingInput.removeAll(keepingCapacity: true)
        written = 0
        lineBuffer.removeAll(keepingCapacity: true)
        overLimit = false
        guard inFlightCount > 0, !setup.children.isCancelled else { return }
        var head = inFlight[inFlightHead]
        let behind = inFlight[(inFlightHead + 1)...].map(\.item)
        inFlight.removeAll(keepingCapacity: true)
        inFlightHead = 0
        head.item.attempts += 1
        let latency = monotonicNow() - max(head.sent, lastAnswer)
        let tail = setup.redactor.redacted(stderr.bytes)
        stderr = TailBuffer(capacity: CommandInvocation.stderrTailBytes)
        let failure =
            timedOut
            ? ExecFailure(
                kind: .timeout, message: "the worker did not answer within \(ExecSetup.seconds(setup.timeout)) and was killed", stderr: tail)
            : ExecFailure(kind: .worker, message: "the worker ended (status \(status)) before it answered", status: status, stderr: tail)
        if head.item.attempts <= setup.retries {
            guard setup.pause(setup.backoff(head.item.attempts)) else { return }
            resend = [head.item] + behind + resend
        } else {
            resend = behind + resend
            if let fields = head.fields, let outcome = setup.finish(head.item, fields, .failed(failure, latency: latency)) { sink.put(outcome) }
        }
    }

    /// Closes the worker's input (end of file: a worker should then exit) and waits for it a
    /// moment, then kills it.
    private func stop() {
        guard let child else { return }
        if inputOpen { close(child.input) }
        inputOpen = false
        let until = monotonicNow() + 2
        var ended = false
        while !ended && monotonicNow() < until && !setup.children.isCancelled {
            ended = child.hasEnded()
            if !ended { usleep(2000) }
        }
        if !ended { child.kill() }
        setup.children.remove(child)
        _ = child.reap()
        close(child.output)
        close(child.error)
        self.child = nil
    }
}
