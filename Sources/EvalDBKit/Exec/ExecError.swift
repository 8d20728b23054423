/// Why a `run exec` cannot start or finish, as data; `description` words it without the command
/// line (the executable adds the flags that resolve it).
public enum ExecError: Error, Sendable, CustomStringConvertible {
    /// A run of this name was interrupted: `done` of `total` results are kept in `folder`.
    case interruptedRunExists(name: String, done: Int, total: Int, folder: String)
    /// Nothing was interrupted under this name.
    case nothingToResume(String)
    /// Resuming with other settings than the interrupted run's would make another run.
    case resumeMismatch(name: String, setting: String, was: String, now: String)
    /// The interrupted run's dataset version is not in the database any more.
    case resumeDatasetMissing(name: String, hash: String)
    /// No example matches the selection.
    case nothingSelected
    /// The run to reuse was not made with the same command, grader and judge.
    case reuseFromOtherCommand(String)
    /// The command cannot be started: not an executable file, or not found on PATH.
    case cannotStart(String)
    /// A setting out of its range.
    case invalidSetting(String)
    /// The run's folder lacks results that the run made (`missing` of them): its files were
    /// changed while it ran. Resuming runs them again.
    case partialRunIncomplete(name: String, missing: Int, folder: String)

    public var description: String {
        switch self {
        case .interruptedRunExists(let name, let done, let total, let folder):
            return "run \(JSONText.string(name)) was interrupted with \(done) of \(total) results kept in \(folder)"
        case .nothingToResume(let name):
            return "no interrupted run named \(JSONText.string(name)) to resume"
        case .resumeMismatch(let name, let setting, let was, let now):
            return "run \(JSONText.string(name)) was started with \(setting) \(was), not \(now): resuming must make the same run"
        case .resumeDatasetMissing(let name, let hash):
            return "run \(JSONText.string(name)) was started on dataset \(hash.prefix(19)), which the database no longer has"
        case .nothingSelected:
            return "no example to run: the selection is empty"
        case .reuseFromOtherCommand(let run):
            return "run \(JSONText.string(run)) was not made by the same command, grader and judge: its results are not this command's"
        case .cannotStart(let program):
            return "cannot start \(JSONText.string(program)): not an executable file, nor a program found on PATH"
        case .invalidSetting(let message):
            return message
        case .partialRunIncomplete(let name, let missing, let folder):
            return "run \(JSONText.string(name)) ended with \(missing) result\(missing == 1 ? "" : "s") missing from \(folder) "
                + "(were its files changed while it ran?); nothing was recorded"
        }
    }
}
