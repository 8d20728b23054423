/// A trace sampling chose, with the facts its proposal carries.
public struct ChosenTrace: Sendable {
    public var trace: Trace
    public var digest: SampleDigest
    public var stratum: String
    /// The chance this trace had of being chosen: the sample's size over the stratum's (k/N), or
    /// the rate.
    public var inclusionProbability: Double
    /// The stratum's traces, after deduplication (N).
    public var stratumSize: Int
}

/// A trace sampling skipped: where it is, and what it repeats.
public struct SkippedTrace: Sendable, Equatable {
    /// The trace's id.
    public var id: String
    /// The file as messages name it (`<stdin>` for standard input), and the trace's line.
    public var file: String
    public var line: Int
    /// What it repeats: `example ID`, a proposal, or `session S` (a trace of its session with a
    /// smaller hash was taken).
    public var like: String

    public init(id: String, file: String, line: Int, like: String) {
        self.id = id
        self.file = file
        self.line = line
        self.like = like
    }
}

/// Traces skipped for one reason, every one of them, in file order (for the session rule: in the
/// order the rule set them aside).
public struct SkippedTraces: Sendable {
    public var reason: SkipReason
    public var traces: [SkippedTrace]
    public var count: Int { traces.count }
}

/// What sampling chose from a set of trace files: per stratum, its traces, the chosen ones and
/// their inclusion probability; what was skipped and why.
public struct TraceSample: Sendable {
    public struct StratumResult: Sendable {
        public var name: String
        /// Its conditions (`key=value`, any of them), or nil for the rest.
        public var conditions: [String]?
        public var size: SampleSize
        /// Traces of the stratum after deduplication: the population the sample is drawn from.
        public var traces: Int
        /// Chosen, smallest digest first.
        public var chosen: [ChosenTrace]
        public var inclusionProbability: Double
        /// Traces below the threshold that the session rule kept out.
        public var keptOutBySession: Int
    }

    public var seed: String
    public var strata: [StratumResult]
    /// Every trace read.
    public var traces: Int
    /// Traces in no stratum that is sampled (when the rest is not).
    public var unsampled: Int
    /// Duplicates of the dataset, by reason (in the order of `SkipReason`).
    public var skipped: [SkippedTraces]
    /// Each file read and its form.
    public var files: [(path: String, form: TraceForm?)]

    /// Every chosen trace, stratum by stratum.
    public var chosen: [ChosenTrace] { strata.flatMap(\.chosen) }
}
