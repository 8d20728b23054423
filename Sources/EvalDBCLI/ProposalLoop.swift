import EvalDBKit
import Foundation

/// `review --proposals`: each queued proposal beside the example it changes, to accept, edit and
/// accept, or reject with a reason.
struct ProposalLoop {
    let session: ReviewSession
    let input: ReviewInput
    let screen: ExampleScreen

    static let help = """
        a         accept (with the edits made)        r REASON  reject; proposing it again is skipped
        l key=value | key:=JSON | -key    edit a label before accepting
        t TAG, t -TAG   edit the tags                 n TEXT    edit the note
        o JSON    set the expected output (a synthetic input needs yours: a text "in quotes")
        s         skip (leave it queued)              q  quit    ?  this help
        On a terminal, the arrow → skips as s does.
        """

    func run() throws {
        let queue = try session.store.pendingProposals()
        guard !queue.isEmpty else {
            Output.stdout("no proposals are queued: `evaldb propose FILE` queues them")
            return
        }
        var index = 0
        var edits: [ExampleEdit] = []
        var redraw = true
        while index < queue.count {
            let proposal = queue[index]
            if redraw {
                do {
                    try show(proposal, position: index + 1, of: queue.count, edits: edits)
                } catch let error as EvalDBError {
                    Output.stdout(screen.paint("evaldb: \(Messages.describe(error)); skipped", "31"))
                    index += 1
                    edits = []
                    continue
                }
            }
            let prompt = screen.paint("[proposal \(index + 1)/\(queue.count)] a,l,t,n,o,r,s,q,? > ", "34")
            guard let (key, argument) = input.action(prompt: prompt, arrows: [.right: "s"]) else {
                break
            }
            func text(_ prompt: String) -> String? { input.text(after: argument, prompt: prompt) }
            let outcome = try KeyOutcome.after(key, help: Self.help, screen: screen) {
                switch key {
                case "a":
                    try session.accept(proposal, edits: edits)
                    Output.stdout(
                        screen.paint(
                            "  accepted proposal #\(proposal.number)\(edits.isEmpty ? "" : " with \(edits.count) edit\(edits.count == 1 ? "" : "s")")",
                            "32"))
                    index += 1
                    edits = []
                    return .show
                case "l", "t", "n", "o", "e":
                    guard let line = text(key == "e" ? "edit (l key=value, t tag, n note, o expected output): " : ExampleEdit.prompts[key]!),
                        !line.isEmpty
                    else {
                        Output.stdout(screen.paint("  \(key) needs its text (`\(key) TEXT` on one line); nothing changed", "33"))
                        return .show
                    }
                    let edit =
                        key == "e"
                        ? try ExampleEdit(key: line.first!, text: line.dropFirst().trimmingCharacters(in: .whitespaces))
                        : try ExampleEdit(key: key, text: line)
                    _ = try session.outcome(of: proposal, edits: edits + [edit])  // valid?
                    edits.append(edit)
                    Output.stdout(screen.paint("  edit \(edit.summary); a accepts", "33"))
                    return input.interactive ? .show : .stay
                case "r":
                    let reason = text("reason: ")
                    try session.reject(proposal, reason: reason?.isEmpty == true ? nil : reason)
                    Output.stdout(screen.paint("  rejected proposal #\(proposal.number)", "31"))
                    index += 1
                    edits = []
                    return .show
                case "s", "\n", "\r", " ":
                    index += 1
                    edits = []
                    return .show
                default:
                    return nil
                }
            }
            if outcome == .quit { return }
            redraw = outcome == .show
        }
        if index >= queue.count { Output.stdout("end of the proposals: \(queue.count)") }
    }

    private func show(_ proposal: Proposal, position: Int, of total: Int, edits: [ExampleEdit]) throws {
        let (current, proposed) = try session.outcome(of: proposal, edits: edits)
        var lines: [String] = []
        if input.interactive && Output.standardOutputIsTerminal { Output.stdout("\u{1B}[H\u{1B}[2J", terminator: "") }
        let what = proposal.kind == .example ? "new example" : "label change"
        lines.append(
            screen.bold("── proposal \(position)/\(total)  #\(proposal.number)  \(what) \(Terminal.sanitized(proposal.exampleId))")
                + "  proposed by \(Terminal.sanitized(proposal.proposedBy ?? "?"))")
        if let rationale = proposal.rationale { lines.append("rationale: " + Terminal.sanitized(rationale)) }
        if let current {
            for change in FieldChange.between(RecordFields(record: current), RecordFields(record: proposed)) {
                lines.append("  " + change.path)
                if let old = change.old { lines.append(screen.paint("    - " + Terminal.sanitized(folded(old, width: screen.width - 6)), "31")) }
                if let new = change.new { lines.append(screen.paint("    + " + Terminal.sanitized(folded(new, width: screen.width - 6)), "32")) }
            }
        } else {
            let example = ReviewedExample(id: proposal.exampleId, record: proposed, isEdited: !edits.isEmpty, isRead: false, results: [])
            lines += screen.lines(example, position: position, of: total, run: nil, unfolded: true).dropFirst()
        }
        Output.stdout(lines.joined(separator: "\n"))
    }
}
