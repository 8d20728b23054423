import Foundation

/// Sampling as it streams, through the `LinePipeline` that reads datasets: one thread reads each file
/// in batches of lines, worker threads parse them (`LineSampler`: each trace put in its stratum,
/// checked against the dataset's inputs, hashed once), and this thread takes the batches back in
/// file order and offers their candidates to each stratum's bottom-k. Memory holds a few batches
/// and the quotas' traces (with a rate, the traces below it), never the files.
public enum TraceSampler {
    /// Samples the traces of `paths` (`-`: standard input) by `plan`, skipping traces whose input
    /// `duplicates` holds. Every bad line is reported, in file order up to `plan.maxErrors`, as
    /// `EvalDBError.invalidData`, and then nothing is chosen.
    public static func sample(_ paths: [String], plan: SamplePlan, duplicates: DuplicateIndex) throws -> TraceSample {
        try plan.check()
        var merged = Merged(plan: plan)
        for path in paths {
            guard merged.problems.count < plan.maxErrors else {
                merged.truncated = true
                break
            }
            let before = merged.problems.count
            let form = try read(path, plan: plan, duplicates: duplicates, into: &merged)
            // A file that is not JSONL at all (an array, CSV, binary, UTF-16) gets one problem, and
            // an empty one is refused as every command refuses it.
            if let shape = JSONLShape.problem(path: path, file: path) {
                merged.problems.removeSubrange(before...)
                merged.problems.append(shape)
            }
            merged.files.append((path, form))
        }
        if !merged.problems.isEmpty {
            throw EvalDBError.invalidData(errors: Array(merged.problems.prefix(plan.maxErrors)), truncated: merged.truncated)
        }
        return merged.result()
    }

    /// Reads one file through the reader and worker threads into `merged`; returns its form.
    private static func read(_ path: String, plan: SamplePlan, duplicates: DuplicateIndex, into merged: inout Merged) throws -> TraceForm? {
        let pipeline = LinePipeline(try LineReader(path: path, hashingRawBytes: false))
        let thresholds = SampleThresholds(count: plan.strata.count + 1)
        thresholds.update(merged.samplers.map(\.threshold))
        let form = FormBox(mapped: !plan.map.isEmpty)
        try pipeline.run(
            inspect: { _, line in form.recognise(line) },
            makeWorker: {
                let worker = LineSampler(plan: plan, path: path, duplicates: duplicates)
                return { batch in worker.sample(TraceLines(raw: batch, form: form.form), thresholds: thresholds.snapshot) }
            },
            receive: { batch in
                merged.add(batch)
                if merged.problems.count >= plan.maxErrors {
                    merged.truncated = true
                    return false
                }
                thresholds.update(merged.samplers.map(\.threshold))
                return true
            })
        return form.form
    }

    /// What the batches add up to, in file order: each stratum's sampler, sizes, duplicates, problems.
    private struct Merged {
        let plan: SamplePlan
        /// The declared strata, then the rest.
        var samplers: [BottomK<Trace>]
        var sizes: [Int]
        var traces = 0
        var unsampled = 0
        var skipped: [SkipReason: SkippedTraces] = [:]
        var problems: [DataError] = []
        var truncated = false
        var files: [(path: String, form: TraceForm?)] = []

        init(plan: SamplePlan) {
            self.plan = plan
            samplers = plan.strata.map { BottomK(size: $0.size, perSession: plan.perSession, setAside: Self.setAside) }
            samplers.append(BottomK(size: plan.rest ?? .count(0), perSession: plan.perSession, setAside: Self.setAside))
            sizes = Array(repeating: 0, count: samplers.count)
        }

        mutating func add(_ batch: SampledBatch) {
            traces += batch.traces
            unsampled += batch.unsampled
            for index in sizes.indices { sizes[index] += batch.sizes[index] }
            for (reason, skip) in batch.skipped { skipped[reason, default: SkippedTraces(reason: reason, traces: [])].traces += skip.traces }
            problems += batch.problems
            for candidate in batch.candidates {
                samplers[candidate.stratum].offer(
                    candidate.digest, session: candidate.session, payload: { candidate.trace }, prefers: Trace.precedes)
            }
        }

        /// A trace the session rule set aside, as it is listed (not the whole trace, which is let go).
        static func setAside(_ trace: Trace) -> SkippedTrace {
            SkippedTrace(
                id: trace.id, file: trace.file == "-" ? "<stdin>" : trace.file, line: trace.line, like: "session \(trace.sessionId ?? "")")
        }

        func result() -> TraceSample {
            var strata: [TraceSample.StratumResult] = []
            var sessionSkips: [SkippedTrace] = []
            for (index, sampler) in samplers.enumerated() {
                let isRest = index == plan.strata.count
                guard let size = isRest ? plan.rest : plan.strata[index].size else { continue }
                let name = isRest ? SamplePlan.restName : plan.strata[index].name
                let entries = sampler.sorted
                let probability: Double =
                    switch size {
                    case .rate(let rate): rate
                    case .count: sizes[index] == 0 ? 0 : Double(entries.count) / Double(sizes[index])
                    }
                let setAside = sampler.keptOutBySession
                sessionSkips += setAside
                strata.append(
                    TraceSample.StratumResult(
                        name: name, conditions: isRest ? nil : plan.strata[index].conditions.map(\.description), size: size,
                        traces: sizes[index],
                        chosen: entries.map {
                            ChosenTrace(
                                trace: $0.payload, digest: $0.digest, stratum: name, inclusionProbability: probability,
                                stratumSize: sizes[index])
                        },
                        inclusionProbability: probability, keptOutBySession: setAside.count))
            }
            var skips = SkipReason.allCases.compactMap { skipped[$0] }
            if !sessionSkips.isEmpty { skips.append(SkippedTraces(reason: .session, traces: sessionSkips)) }
            return TraceSample(seed: plan.seed, strata: strata, traces: traces, unsampled: unsampled, skipped: skips, files: files)
        }
    }

    /// The form of the file being read, found by the reading thread from its first object line;
    /// the workers read it for each batch (a batch with an object line is handed over after it is
    /// known, and the lines before it hold no trace whose form matters).
    private final class FormBox: @unchecked Sendable {  // `found` behind `lock`; `isKnown` and `tape` the reading thread's own
        let mapped: Bool
        private let lock = NSLock()
        private var found: TraceForm?
        // The reading thread's own.
        private var isKnown = false
        private var tape = JSONTape()

        init(mapped: Bool) { self.mapped = mapped }

        var form: TraceForm? { lock.withLock { found } }

        /// On the reading thread, each line until the form is known.
        func recognise(_ line: UnsafeBufferPointer<UInt8>) {
            guard !isKnown, (try? JSONParser.parse(line, into: &tape)) != nil, tape.nodes[0].kind == .object else { return }
            isKnown = true
            let recognised = mapped ? TraceForm.mapped : TraceForm.recognise(tape)
            lock.withLock { found = recognised }
        }
    }
}
