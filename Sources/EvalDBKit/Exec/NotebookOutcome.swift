/// What a reviewer's notebook in `serve --exec` became: its run, how many outputs were shown and how
/// many verdicts given.
public struct NotebookOutcome: Sendable {
    public var reviewer: String
    public var run: String
    public var outputs: Int
    public var verdicts: Int

    public init(reviewer: String, run: String, outputs: Int, verdicts: Int) {
        self.reviewer = reviewer
        self.run = run
        self.outputs = outputs
        self.verdicts = verdicts
    }
}
