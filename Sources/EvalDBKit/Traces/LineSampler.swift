import Foundation

/// What a worker found in one batch of lines: its traces counted per stratum, the duplicates, the
/// problems, and the traces that may get into a stratum's sample.
struct SampledBatch: Sendable {
    struct Candidate: Sendable {
        var stratum: Int
        var digest: SampleDigest
        var session: ExactString?
        var trace: Trace
    }

    var traces = 0
    var unsampled = 0
    /// Traces per stratum after deduplication (the declared strata, then the rest).
    var sizes: [Int]
    /// Duplicates by reason, each of the batch's.
    var skipped: [SkipReason: SkippedTraces] = [:]
    var candidates: [Candidate] = []
    var problems: [DataError] = []
}

/// A batch of a trace file's lines, and the file's form when it is known (from its first object line).
struct TraceLines: Sendable {
    var raw: RawLines
    var form: TraceForm?
}

/// The thresholds the merging thread has reached, for the workers to turn traces away early: a trace
/// whose digest is above its stratum's threshold can never be chosen, since thresholds only fall.
final class SampleThresholds: @unchecked Sendable {  // its values behind `lock`
    private let lock = NSLock()
    private var values: [SampleDigest?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    var snapshot: [SampleDigest?] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }

    func update(_ new: [SampleDigest?]) {
        lock.lock()
        values = new
        lock.unlock()
    }
}

/// The work of one worker thread on a batch of lines: each line parsed, its traces found, put in
/// their stratum, checked against the dataset's inputs and hashed once; a trace that could enter its
/// stratum's sample is built in full.
final class LineSampler {
    let plan: SamplePlan
    /// The file as given (what a trace records) and as messages name it.
    let path: String
    let file: String
    private var reader: TraceReader
    private let hasher: SeededHasher
    private let duplicates: DuplicateIndex
    private let folder = InputFolder()
    private var tape = JSONTape()
    private var batch = SampledBatch(sizes: [])
    private var thresholds: [SampleDigest?] = []

    init(plan: SamplePlan, path: String, duplicates: DuplicateIndex) {
        self.plan = plan
        self.path = path
        file = path == "-" ? "<stdin>" : path
        reader = TraceReader(map: plan.map)
        hasher = SeededHasher(seed: plan.seed)
        self.duplicates = duplicates
    }

    func sample(_ lines: TraceLines, thresholds: [SampleDigest?]) -> SampledBatch {
        batch = SampledBatch(sizes: Array(repeating: 0, count: plan.strata.count + 1))
        self.thresholds = thresholds
        lines.raw.withBytes { bytes in
            for line in lines.raw.lines {
                let text = UnsafeBufferPointer(rebasing: bytes[line.range])
                func report(_ offset: Int, _ message: String) {
                    batch.problems.append(
                        DataError(file: file, line: line.number, column: codePointColumn(of: offset, in: text), message: message))
                }
                if let tooLong = RecordLimit.lineProblem(length: text.count) {
                    report(0, tooLong)
                    continue
                }
                if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                do throws(JSONSyntaxError) {
                    try JSONParser.parse(text, into: &tape)
                } catch {
                    report(error.offset, error.message)
                    continue
                }
                guard tape.nodes[0].kind == .object else {
                    report(0, "a trace must be a JSON object")
                    continue
                }
                guard let form = lines.form else { continue }
                let problems = reader.traces(in: tape, form: form) { tape, nodes in take(tape, nodes, line: line.number) }
                for problem in problems { report(problem.offset, problem.message) }
            }
        }
        return batch
    }

    private func take(_ tape: JSONTape, _ nodes: TraceNodes, line: Int) {
        batch.traces += 1
        let stratum = plan.strata.firstIndex { $0.matches(tape, nodes) } ?? plan.strata.count
        guard let size = stratum < plan.strata.count ? plan.strata[stratum].size : plan.rest else {
            batch.unsampled += 1
            return
        }
        if !duplicates.isEmpty, let duplicate = duplicates.match(folder, tape, input: nodes.input, traceId: nodes.traceId) {
            batch.skipped[duplicate.reason, default: SkippedTraces(reason: duplicate.reason, traces: [])].traces.append(
                SkippedTrace(id: tape.string(nodes.traceId), file: file, line: line, like: duplicate.match))
            return
        }
        batch.sizes[stratum] += 1
        let node = tape.nodes[nodes.traceId]
        let digest = tape.arena.withUnsafeBufferPointer { arena in
            hasher.digest(UnsafeBufferPointer(rebasing: arena[Int(node.start)..<Int(node.start + node.length)]))
        }
        switch size {
        case .rate(let rate): guard digest.fraction < rate else { return }
        case .count(let k):
            guard k > 0 else { return }
            if let threshold = thresholds[stratum], threshold < digest { return }
        }
        let session: ExactString? =
            switch nodes.sessionId < 0 ? JSONTape.Kind.null : tape.nodes[nodes.sessionId].kind {
            case .string, .integer: ExactString(tape.string(nodes.sessionId))
            default: nil
            }
        batch.candidates.append(
            SampledBatch.Candidate(stratum: stratum, digest: digest, session: session, trace: Trace(tape, nodes, file: path, line: line)))
    }
}
