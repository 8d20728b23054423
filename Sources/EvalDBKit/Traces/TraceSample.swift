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

/// Traces skipped for one reason: how many, and the first one with what it repeats.
public struct SkippedTraces: Sendable {
    public var reason: SkipReason
    public var count: Int
    /// The first trace skipped for this reason (its id, file and line) and what it matched.
    public var firstTrace: String
    public var firstMatch: String
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
