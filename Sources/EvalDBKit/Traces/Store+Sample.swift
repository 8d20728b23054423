/// A chosen trace as the candidate example it becomes.
public struct TraceProposal: Sendable {
    public var chosen: ChosenTrace
    /// `Trace.exampleId(forTrace:)` of the trace.
    public var exampleId: String
    /// The candidate example, canonical JSON.
    public var record: String
}

/// What `sample` did: what it chose, the proposals it queued (or would), and the chosen traces it
/// did not propose again, with why.
public struct SampleOutcome: Sendable {
    public var sample: TraceSample
    public var proposals: [TraceProposal]
    public var queued: [Proposal]
    public var skipped: [(proposal: TraceProposal, reason: String)]

    public init(sample: TraceSample, proposals: [TraceProposal], queued: [Proposal], skipped: [(proposal: TraceProposal, reason: String)]) {
        self.sample = sample
        self.proposals = proposals
        self.queued = queued
        self.skipped = skipped
    }
}

extension TraceSample {
    /// Each chosen trace as a candidate example: its input, context and output (as the expected
    /// output, to be checked), `source: "prod-trace:DATE"` (the trace's date, else `today`), and
    /// the sampling facts as labels beside `labels` — `stratum`, `inclusion_probability`,
    /// `stratum_size`, `sample_seed`, `trace_id`, `trace_file` and `session_id` (docs/traces.md).
    /// `storedPath` gives a trace file's path as the repository stores it.
    public func proposals(
        labels: [(key: String, value: String)], author: String, today: String, storedPath: (String) -> String
    ) -> [TraceProposal] {
        chosen.map { chosen in
            let trace = chosen.trace
            let id = Trace.exampleId(forTrace: trace.id)
            let file = trace.file == "-" ? "<stdin>" : storedPath(trace.file)
            var labelObject = CanonicalObject()
            for (key, value) in labels { labelObject[key] = value }
            labelObject["stratum"] = JSONText.string(chosen.stratum)
            labelObject["inclusion_probability"] = PythonFloat.repr(chosen.inclusionProbability)
            labelObject["stratum_size"] = String(chosen.stratumSize)
            labelObject["sample_seed"] = JSONText.string(seed)
            labelObject["trace_id"] = JSONText.string(trace.id)
            labelObject["trace_file"] = JSONText.string(file)
            if let session = trace.sessionId { labelObject["session_id"] = JSONText.string(session) }
            var record = CanonicalObject()
            record["id"] = JSONText.string(id)
            record["input"] = trace.input
            record["context"] = trace.context ?? "null"
            record["expected_output"] = trace.output ?? "\"\""
            record["labels"] = labelObject.text
            record["source"] = JSONText.string("prod-trace:" + (trace.date ?? String(today.prefix(10))))
            record["author"] = JSONText.string(author)
            record["created_at"] = JSONText.string(String(today.prefix(10)))
            let answer =
                trace.output == nil
                ? "The trace has no output: write the expected output."
                : "expected_output is what production answered: check it before accepting."
            record["notes"] = JSONText.string(
                "Production trace \(trace.id) (\(file):\(trace.line)), stratum \(chosen.stratum), inclusion probability \(PythonFloat.repr(chosen.inclusionProbability)). \(answer)"
            )
            return TraceProposal(chosen: chosen, exampleId: id, record: record.text)
        }
    }
}

extension Store {
    /// Samples the traces of `paths` by `plan`, skipping those whose input repeats an example's or a
    /// proposal's, and queues each chosen trace as a candidate example for review — in one
    /// transaction, with its team-log event — unless `dryRun`. A chosen trace whose example or
    /// proposal exists already (sampled before) is not queued again, and said so. Bad input:
    /// `EvalDBError.invalidData` with every problem, and nothing queued.
    public func sample(
        _ paths: [String], plan: SamplePlan, author: String, proposedBy: String?, dryRun: Bool = false
    ) throws -> SampleOutcome {
        guard try currentVersion() != nil else { throw EvalDBError.emptyDatabase }
        let sample = try TraceSampler.sample(paths, plan: plan, duplicates: try duplicateIndex())
        let proposals = sample.proposals(labels: plan.labels, author: author, today: isoNow(), storedPath: storedPath)
        let drafts = proposals.map { proposal in
            let chosen = proposal.chosen
            return ProposalDraft(
                exampleId: proposal.exampleId, content: proposal.record, proposedBy: proposedBy,
                rationale:
                    "sampled from \(chosen.trace.file == "-" ? "<stdin>" : storedPath(chosen.trace.file)): stratum \(chosen.stratum), \(chosen.stratumSize) traces, inclusion probability \(PythonFloat.repr(chosen.inclusionProbability)), seed \(sample.seed)"
            )
        }
        let source = paths.count == 1 && paths[0] != "-" ? storedPath(paths[0]) : nil
        let (queued, skipped) = try queue(drafts, source: source, dryRun: dryRun)
        return SampleOutcome(
            sample: sample, proposals: proposals, queued: queued, skipped: skipped.map { (proposals[$0.index], $0.reason) })
    }
}
