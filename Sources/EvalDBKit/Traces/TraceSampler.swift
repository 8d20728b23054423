import Foundation

/// Sampling as it streams, in the way `DatasetReader` reads a dataset: one thread reads each file
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
            let form = try read(path, plan: plan, duplicates: duplicates, into: &merged)
            merged.files.append((path, form))
        }
        if !merged.problems.isEmpty {
            throw EvalDBError.invalidData(errors: Array(merged.problems.prefix(plan.maxErrors)), truncated: merged.truncated)
        }
        return merged.result()
    }

    /// Reads one file through the reader and worker threads into `merged`; returns its form.
    private static func read(_ path: String, plan: SamplePlan, duplicates: DuplicateIndex, into merged: inout Merged) throws -> TraceForm? {
        let lines = try LineReader(path: path, hashingRawBytes: false)
        let workerCount = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
        let raw = Handoff<TraceLines>(limit: 2 * workerCount)
        let sampled = Sequencer<SampledBatch>(window: 2 * workerCount, producers: workerCount)
        let thresholds = SampleThresholds(count: plan.strata.count + 1)
        thresholds.update(merged.samplers.map(\.threshold))
        let running = DispatchGroup()
        let shared = Unchecked(lines)
        let form = Unchecked(FormBox(mapped: !plan.map.isEmpty))
        running.enter()
        startThread {
            defer { running.leave() }
            readLines(shared.value, form: form.value, into: raw)
        }
        for _ in 0..<workerCount {
            running.enter()
            startThread {
                defer { running.leave() }
                let worker = LineSampler(plan: plan, path: path, duplicates: duplicates)
                do {
                    while let batch = try raw.take() {
                        guard sampled.put(batch.raw.sequence, worker.sample(batch, thresholds: thresholds.snapshot)) else { break }
                    }
                    sampled.producerFinished()
                } catch {
                    sampled.fail(error)
                }
            }
        }
        defer {
            raw.cancel()
            sampled.cancel()
            running.wait()
        }
        while let batch = try sampled.take() {
            merged.add(batch)
            if merged.problems.count >= plan.maxErrors {
                merged.truncated = true
                break
            }
            thresholds.update(merged.samplers.map(\.threshold))
        }
        raw.cancel()
        sampled.cancel()
        running.wait()  // every thread is done: the form is this thread's to read
        return form.value.form
    }

    /// The reading thread: the file's lines, about 256 KiB at a time, each batch with the file's
    /// form once its first object line has told it.
    private static func readLines(_ lines: LineReader, form: FormBox, into raw: Handoff<TraceLines>) {
        var batch = RawLines(sequence: 0)
        var tape = JSONTape()
        func handOver() throws {
            guard raw.put(TraceLines(raw: batch, form: form.form)) else { throw ReadingStopped() }
            batch = RawLines(sequence: batch.sequence + 1)
        }
        do {
            try lines.forEachLine { number, line in
                if form.form == nil, (try? JSONParser.parse(line, into: &tape)) != nil, tape.nodes[0].kind == .object {
                    form.form = form.mapped ? .mapped : TraceForm.recognise(tape)
                }
                let start = batch.bytes.count
                batch.bytes.append(contentsOf: line)
                batch.lines.append(RawLine(number: number, range: start..<batch.bytes.count, hadCarriageReturn: false, afterByteOrderMark: false))
                if batch.bytes.count >= 1 << 18 { try handOver() }
            }
            if !batch.lines.isEmpty { try handOver() }
            raw.finish()
        } catch is ReadingStopped {
            raw.finish()
        } catch {
            raw.finish(error: error)
        }
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
            samplers = plan.strata.map { BottomK(size: $0.size, perSession: plan.perSession) }
            samplers.append(BottomK(size: plan.rest ?? .count(0), perSession: plan.perSession))
            sizes = Array(repeating: 0, count: samplers.count)
        }

        mutating func add(_ batch: SampledBatch) {
            traces += batch.traces
            unsampled += batch.unsampled
            for index in sizes.indices { sizes[index] += batch.sizes[index] }
            for (reason, skip) in batch.skipped {
                if skipped[reason] == nil { skipped[reason] = skip } else { skipped[reason]!.count += skip.count }
            }
            problems += batch.problems
            for candidate in batch.candidates {
                samplers[candidate.stratum].offer(
                    candidate.digest, session: candidate.session, payload: { candidate.trace }, prefers: Trace.precedes)
            }
        }

        func result() -> TraceSample {
            var strata: [TraceSample.StratumResult] = []
            var sessionSkips = 0
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
                sessionSkips += sampler.keptOutBySession
                strata.append(
                    TraceSample.StratumResult(
                        name: name, conditions: isRest ? nil : plan.strata[index].conditions.map(\.description), size: size,
                        traces: sizes[index],
                        chosen: entries.map {
                            ChosenTrace(
                                trace: $0.payload, digest: $0.digest, stratum: name, inclusionProbability: probability,
                                stratumSize: sizes[index])
                        },
                        inclusionProbability: probability, keptOutBySession: sampler.keptOutBySession))
            }
            var skips = SkipReason.allCases.compactMap { skipped[$0] }
            if sessionSkips > 0 {
                skips.append(SkippedTraces(reason: .session, count: sessionSkips, firstTrace: "", firstMatch: ""))
            }
            return TraceSample(seed: plan.seed, strata: strata, traces: traces, unsampled: unsampled, skipped: skips, files: files)
        }
    }

    /// The form of the file being read, found by the reading thread.
    private final class FormBox {
        let mapped: Bool
        var form: TraceForm?
        init(mapped: Bool) { self.mapped = mapped }
    }

    private struct ReadingStopped: Error {}
}
