import Crypto
import Foundation

/// What `run exec` is told: the command, which examples, how to grade, and the limits
/// (docs/run.md).
public struct ExecOptions: Sendable {
    public var name: String
    /// The system: the program and its arguments, started without a shell.
    public var command: [String]
    /// One long-lived process per job, records as JSONL in, one line out per record.
    public var worker = false
    /// Send the command the example's input alone (a string as its text) instead of the record.
    public var inputOnly = false
    public var conditions: [SliceCondition] = []
    public var trials = 1
    public var jobs = 4
    /// Seconds an example (each attempt) may take.
    public var timeout: Double = 120
    /// Attempts after the first for an example whose command exits non-zero or times out.
    public var retries = 0
    /// The first retry's wait in seconds (doubling after each, up to 8 times as long).
    public var retryDelay: Double = 0.5
    /// An output over this many bytes is kept cut, as an error.
    public var maxOutputBytes = 1 << 20
    public var grader: Grader = .exact
    /// A judge command, instead of the grader.
    public var judge: [String]?
    /// Take the results of this run for examples whose graded content is unchanged.
    public var reuse: String?
    /// Run only the examples that failed (or errored) in a run.
    public var only: RerunFilter?
    public var onlyFrom: String?
    /// Finish the interrupted run of this name.
    public var resume = false
    public var meta: [(key: String, value: String)] = []
    public var author: String?
    public var gitCommit: String?

    public init(name: String, command: [String]) {
        self.name = name
        self.command = command
    }

    /// The meta keys `run exec` sets on its runs.
    public static let metaKeys = ["exec", "grader"]

    /// What makes two runs' results interchangeable for `reuse`: the command line, what it is sent,
    /// the grader and the judge's command line, as `sha256:` and the hex SHA-256 of their canonical
    /// JSON (`{"command": [...], "grader": "...", "judge": [...] | null, "send": "record" | "input"}`). The command lines are not
    /// kept anywhere, only this digest: an argument may hold a secret.
    public var digest: String {
        var object = ResultLine()
        object.set("command", json: Self.jsonList(command))
        object.set("grader", string: judge == nil ? grader.spec : Grader.judge.spec)
        object.set("judge", json: judge.map(Self.jsonList) ?? Array("null".utf8))
        object.set("send", string: inputOnly ? "input" : "record")
        return "sha256:" + SHA256.hash(data: object.bytes).hexString
    }

    static func jsonList(_ items: [String]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, item) in items.enumerated() {
            if index > 0 { out += ", ".utf8 }
            Array(item.utf8).withUnsafeBufferPointer { CanonicalJSON.writeString($0, to: &out) }
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}

/// Which results of an earlier run `run exec` runs again.
public enum RerunFilter: String, Sendable, CaseIterable {
    /// Graded and failed (in any trial).
    case failed
    /// Errors (in any trial).
    case errors
}

/// Lets another thread (a signal handler's) interrupt a `run exec`: the commands running are
/// killed, nothing more is started, and what finished is kept for resuming.
public final class ExecCancellation: @unchecked Sendable {  // its state behind `lock`
    private let lock = NSLock()
    private var registry: ChildRegistry?
    private var cancelled = false

    public init() {}

    public func cancel() {
        let registry = lock.withLock {
            cancelled = true
            return self.registry
        }
        registry?.cancel()
    }

    func attach(_ registry: ChildRegistry) {
        let cancelNow = lock.withLock {
            self.registry = registry
            return cancelled
        }
        if cancelNow { registry.cancel() }
    }
}

/// How far a `run exec` is, for a progress line.
public struct ExecProgress: Sendable {
    public var done: Int
    public var total: Int
    public var passed: Int
    public var failed: Int
    public var errors: Int
    /// Results this invocation made (not reused, not from before an interruption), and the seconds
    /// it took so far: what an estimate of the rest goes by.
    public var executed: Int
    public var elapsed: Double
}

/// What a `run exec` did.
public struct ExecOutcome: Sendable {
    /// The run recorded; nil when it was interrupted (`partialFolder` keeps what finished).
    public var recorded: RecordedRun?
    public var total: Int
    public var done: Int
    public var passed: Int
    public var failed: Int
    public var errors: Int
    /// Errors by kind (`exit`, `timeout`, ...), most first.
    public var errorKinds: [(kind: String, count: Int)]
    /// Results made by running the command in this invocation.
    public var executed: Int
    /// Results taken from the `reuse` run.
    public var reused: Int
    public var reusedFrom: String?
    /// Results finished before an interruption, kept and not run again.
    public var resumed: Int
    /// With `only`: examples that matched in that run but whose graded content changed since
    /// (not run: they are other examples now).
    public var onlyChanged: Int
    public var usage: UsageTotals
    public var partialFolder: String
    public var datasetHash: String
}
