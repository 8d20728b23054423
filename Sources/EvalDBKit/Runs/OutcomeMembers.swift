/// The members that a line of a run's results (`run record`) and a line of human verdicts (`judge
/// verdicts`) share, checked in one place and worded alike: `"id"`, a string; `"pass"`, true or
/// false; `"trial"` when the line has one, a whole number, 0 or more.
///
/// A check that fails reports its problem on the line to the reader — "a result needs "id", a
/// string", "a verdict needs "pass", true or false", as the reader's `what` names the line — and
/// gives nil: the caller leaves the line (one problem a line). `"trial"` is checked apart
/// (`trial()`), when the caller comes to it, so that each caller reports its problems in its order.
struct OutcomeMembers {
    let line: JSONLLine
    /// The `"id"` node: a string.
    let idNode: Int
    let pass: Bool
    private let reader: JSONLObjects

    /// The line's `"id"` and `"pass"`; nil when one is missing or mistyped (reported).
    init?(_ line: JSONLLine, in reader: JSONLObjects) {
        let tape = line.tape
        guard let idNode = tape.member(0, "id"), tape.nodes[idNode].kind == .string else {
            reader.report(line, at: Int(tape.nodes[0].source), "\(reader.what) needs \"id\", a string")
            return nil
        }
        guard let passNode = tape.member(0, "pass"), [.true, .false].contains(tape.nodes[passNode].kind) else {
            reader.report(line, at: Int(tape.nodes[0].source), "\(reader.what) needs \"pass\", true or false")
            return nil
        }
        self.line = line
        self.idNode = idNode
        self.pass = tape.nodes[passNode].kind == .true
        self.reader = reader
    }

    /// The `"id"`.
    var id: String { line.tape.string(idNode) }

    /// A line's `"trial"`.
    enum Trial {
        /// The line has none.
        case absent
        /// A whole number, 0 or more, at node `node`.
        case given(Int64, node: Int)
        /// Anything else: reported on the line, which the caller leaves.
        case invalid
    }

    /// Checks the line's `"trial"`, reporting it when it is not a whole number, 0 or more.
    func trial() -> Trial {
        let tape = line.tape
        guard let node = tape.member(0, "trial") else { return .absent }
        guard tape.nodes[node].kind == .integer, let value = Int64(tape.string(node)), value >= 0 else {
            reader.report(line, at: Int(tape.nodes[node].source), "\"trial\" must be a whole number, 0 or more")
            return .invalid
        }
        return .given(value, node: node)
    }
}
