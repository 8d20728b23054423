import EvalDBKit
import Foundation

/// How `review` shows one example: a header (position, id, labels, source, author), the input (a
/// conversation as `user:` / `assistant:` turns), the context (folded when long), the expected
/// output, the notes and, with a run, each result's verdict, failure category and output.
struct ExampleScreen {
    /// Colours: only when standard output is a terminal and NO_COLOR is not set.
    var colour: Bool
    var width: Int
    /// Lines of context shown before it is folded.
    var contextLines = 8

    static func forOutput() -> ExampleScreen {
        let colour = Output.standardOutputIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        return ExampleScreen(colour: colour, width: max(40, Output.terminalWidth ?? 100))
    }

    func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { paint(text, "1") }

    func lines(_ example: ReviewedExample, position: Int, of total: Int, run: String?, unfolded: Bool) -> [String] {
        var state: [String] = []
        if example.record == nil {
            state.append(paint("removed in this session", "31"))
        } else if example.isEdited {
            state.append(paint("edited", "33"))
        }
        state.append(example.isRead ? "read" : paint("unread", "36"))
        var lines = [bold("── \(position)/\(total)  \(Terminal.sanitized(example.id))") + "  " + state.joined(separator: ", ")]
        guard let record = example.record else { return lines }
        let fields = RecordFields(record: record)
        let labels = fields.values.filter { $0.path.hasPrefix("labels.") }.map { field in
            paint(String(field.path.dropFirst("labels.".count)), "33") + "=" + Terminal.sanitized(labelValue(field.value))
        }
        lines.append("labels: " + (labels.isEmpty ? "(none)" : labels.joined(separator: "  ")))
        lines.append(
            "source: \(Terminal.sanitized(fields.text("source") ?? "?"))   author: \(Terminal.sanitized(fields.text("author") ?? "?"))   created: \(Terminal.sanitized(fields.text("created_at") ?? "?"))"
        )
        section("input", fields["input"], into: &lines)
        if let context = fields["context"], context != "null" {
            var body = render(context)
            if !unfolded && body.count > contextLines + 2 {
                let hidden = body.count - contextLines
                body = Array(body.prefix(contextLines)) + [paint("  … \(hidden) more lines of context (c shows them)", "2")]
            }
            lines.append(bold("context"))
            lines += body
        }
        section("expected output", fields["expected_output"], into: &lines)
        if let notes = fields["notes"], notes != "null" { section("notes", notes, into: &lines) }
        if let run {
            if example.results.isEmpty { lines.append(bold("run \(Terminal.sanitized(run))") + ": no result") }
            for result in example.results {
                var verdict = result.pass ? paint("PASS", "32") : result.error != nil ? paint("ERROR", "33") : paint("FAIL", "31")
                if let error = result.error { verdict += "  " + Terminal.sanitized(folded(error, width: 200)) }
                if let rationale = result.rationale, !result.pass { verdict += "  why: " + Terminal.sanitized(folded(rationale, width: 200)) }
                if example.results.count > 1 { verdict = "trial \(result.trial): " + verdict }
                if let score = result.score { verdict += "  score \(score)" }
                if let failure = result.failure { verdict += "  failure: " + paint(Terminal.sanitized(failure), "35") }
                lines.append(bold("run \(Terminal.sanitized(run))") + ": " + verdict)
                if let output = result.output { section("output", output, into: &lines) }
            }
        }
        return lines
    }

    /// A label value as read: a string as itself, a list of strings as `[a, b]`.
    func labelValue(_ json: String) -> String {
        guard let value = DisplayValue(json: json) else { return json }
        switch (value, value.strings) {
        case (.text(let text), _): return text
        case (.list, let items?): return "[" + items.joined(separator: ", ") + "]"
        default: return json
        }
    }

    func section(_ title: String, _ json: String?, into lines: inout [String]) {
        guard let json else { return }
        lines.append(bold(title))
        lines += render(json)
    }

    /// A value as text lines, indented: a string as its text, a conversation as turns, anything
    /// else as its canonical JSON; long lines wrapped to the width.
    func render(_ json: String) -> [String] {
        var text: [String] = []
        func plain(_ value: DisplayValue) -> String {
            if case .text(let string) = value { return string }
            return value.canonical
        }
        switch DisplayValue(json: json) {
        case .text(let string)?:
            text = string.components(separatedBy: "\n")
        case let value? where value.turns != nil:
            for turn in value.turns! {
                let parts = plain(turn.content).components(separatedBy: "\n")
                text.append(paint(Terminal.sanitized(turn.role) + ":", "36") + " " + Terminal.sanitized(parts[0]))
                text += parts.dropFirst().map { "  " + Terminal.sanitized($0) }
            }
            return text.flatMap { wrap("  " + $0) }
        case .list(let elements)? where !elements.isEmpty:
            // A list of chunks or tool results: one element a line, so that folding counts them.
            for element in elements {
                let parts = plain(element).components(separatedBy: "\n")
                text.append("- " + parts[0])
                text += parts.dropFirst().map { "  " + $0 }
            }
        default:
            text = [json]
        }
        return text.flatMap { wrap("  " + Terminal.sanitized($0)) }
    }

    /// Splits a line longer than the width (counted in characters; colour codes are short).
    private func wrap(_ line: String) -> [String] {
        guard line.count > width else { return [line] }
        var result: [String] = []
        var rest = Substring(line)
        while rest.count > width {
            result.append(String(rest.prefix(width)))
            rest = Substring("    " + rest.dropFirst(width))
        }
        result.append(String(rest))
        return result
    }
}
