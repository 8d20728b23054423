/// What to sample and how: the seed, the strata in order, the stratum of the rest, the rule for
/// sessions, where a trace's fields are, and what every proposal carries.
public struct SamplePlan: Sendable {
    /// The name of the stratum of the traces that match no declared one.
    public static let restName = "uniform"

    /// The seed of every digest: `SHA-256(SEED:TRACE_ID)`.
    public var seed: String
    /// Declared strata, in the order a trace is matched against them.
    public var strata: [Stratum]
    /// How many of the rest to keep (nil: the rest is not sampled).
    public var rest: SampleSize?
    /// At most this many traces of one session (the ones with the smallest digests).
    public var perSession: Int
    /// Where each field is in a line (a JSON pointer); when empty, each line's form is recognised
    /// from the file's content (plain traces, OTLP JSON, LangSmith runs).
    public var map: [TraceField: JSONPointer]
    /// Labels every proposal carries, as (key, canonical JSON value).
    public var labels: [(key: String, value: String)]
    /// Stop reading after this many errors.
    public var maxErrors: Int

    public init(
        seed: String, strata: [Stratum] = [], rest: SampleSize? = nil, perSession: Int = 1,
        map: [TraceField: JSONPointer] = [:], labels: [(key: String, value: String)] = [], maxErrors: Int = 50
    ) {
        self.seed = seed
        self.strata = strata
        self.rest = rest
        self.perSession = perSession
        self.map = map
        self.labels = labels
        self.maxErrors = maxErrors
    }

    /// The label keys sampling writes itself (docs/traces.md).
    public static let samplingLabels = ["stratum", "inclusion_probability", "stratum_size", "sample_seed", "trace_id", "trace_file", "session_id"]

    /// Throws `EvalDBError.invalidSamplePlan` when the plan cannot run: nothing to sample, a stratum named
    /// twice or named like the rest, a size out of range, a label sampling sets itself.
    func check() throws {
        if strata.isEmpty && rest == nil {
            throw EvalDBError.invalidSamplePlan(.nothingToSample)
        }
        var names: [String] = []
        for stratum in strata {
            if stratum.name.utf8.elementsEqual(Self.restName.utf8) {
                throw EvalDBError.invalidSamplePlan(.stratumNamedLikeTheRest(Self.restName))
            }
            if stratum.name.isEmpty { throw EvalDBError.invalidSamplePlan(.unnamedStratum) }
            if names.contains(where: { $0.utf8.elementsEqual(stratum.name.utf8) }) {
                throw EvalDBError.invalidSamplePlan(.stratumDeclaredTwice(stratum.name))
            }
            names.append(stratum.name)
            try Self.check(stratum.size, of: stratum.name)
        }
        if let rest { try Self.check(rest, of: Self.restName) }
        guard perSession >= 1 else { throw EvalDBError.invalidSamplePlan(.perSessionBelowOne(perSession)) }
        for label in labels where Self.samplingLabels.contains(label.key) {
            throw EvalDBError.invalidSamplePlan(.reservedLabel(label.key))
        }
    }

    private static func check(_ size: SampleSize, of name: String) throws {
        switch size {
        case .count(let k) where k < 0:
            throw EvalDBError.invalidSamplePlan(.negativeQuota(stratum: name, k))
        case .rate(let rate) where !(rate > 0 && rate <= 1):
            throw EvalDBError.invalidSamplePlan(.rateOutOfRange(stratum: name, rate))
        default:
            return
        }
    }
}
