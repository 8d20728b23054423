import EvalDBKit

/// The library's errors in the command line's words: each with the flag or command that resolves it.
enum Messages {
    static func describe(_ error: EvalDBError) -> String {
        switch error {
        case .invalidData(let errors, let truncated):
            let count = errors.filter { !$0.isWarning }.count
            return "\(count) error\(count == 1 ? "" : "s") in the input\(truncated ? " (stopped at --max-errors)" : ""); nothing was written"
        case .noSuchVersion: return error.description + ": `evaldb versions` lists them"
        case .emptyDatabase: return error.description + ": run `evaldb import FILE` first"
        case .noDatabase: return error.description + " (is --db right?): `evaldb import FILE` or `evaldb sync` makes one"
        case .revisionNotImported: return error.description + ": run `evaldb sync`"
        case .emptyName(.reviewer): return "--reviewer must not be empty"
        case .emptyName(.run): return "--name must not be empty"
        case .noSuchRun: return error.description + ": `evaldb run list` lists them"
        case .tooFewVerdicts:
            return error.description + ": give more with `evaldb judge verdicts FILE --run RUN` or `evaldb review --run RUN` (key v)"
        case .noSuchCalibration: return error.description + ": `evaldb judge calibrate --judge RUN --human SOURCE --name NAME` makes one"
        case .failureCategoryNeedsRun, .verdictNeedsRun: return error.description + ": start the review with --run RUN"
        case .badCondition(let text): return "--where takes KEY=VALUE, found \(quoted(text))"
        case .invalidSamplePlan(.perSessionBelowOne(let limit)): return "--per-session must be 1 or more, found \(limit)"
        case .invalidSamplePlan(.reservedLabel(let key)):
            return "--label \(quoted(key)) is written by sampling itself (\(SamplePlan.samplingLabels.joined(separator: ", "))): choose another key"
        case .invalidSamplePlan(.rateOutOfRange(let name, let rate)):
            return "--rate \(name == SamplePlan.restName ? "" : name + "=")\(Percent.text(rate)): a rate is above 0% and at most 100%"
        case .invalidSplit(let train, let dev, let test):
            // The shares as typed: in percent.
            return "the train, dev and test shares are percents that add up to 100; found "
                + [train, dev, test].map { Percent.text($0) }.joined(separator: " + ") + " = " + Percent.text(train + dev + test)
        case .invalidSamplePlan(.negativeQuota(let name, let k)): return "--quota \(name)=\(k): a quota is 0 or more"
        case .storageInvariant:
            return error.description
                + ". `evaldb verify` lists what is wrong; the database is an index of the dataset file and the team log: "
                + "move it aside and `evaldb sync` rebuilds it (outside git, `evaldb import FILE` into a new --db)"
        case .queryRefused: return "evaldb sql " + error.description.replacingOccurrences(of: "only reads are allowed", with: "only reads")
        default: return error.description
        }
    }

    /// A JSON string literal, for names in messages.
    private static func quoted(_ text: String) -> String { JSONText.string(text) }
}
