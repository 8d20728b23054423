import ArgumentParser
import EvalDBKit
import Foundation

/// Everything evaldb prints goes through here: standard output for answers, standard error for
/// errors, warnings and progress.
enum Output {
    static func stdout(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    /// Lines written to standard output in chunks of about 1 MiB: for commands that print many.
    final class Buffered {
        private var buffer: [UInt8] = []

        /// Appends `line` and a newline.
        func append(_ line: UnsafeBufferPointer<UInt8>) {
            buffer.append(contentsOf: line)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 { flush() }
        }

        /// Appends `bytes` as they are (no newline added).
        func write(_ bytes: UnsafeBufferPointer<UInt8>) {
            buffer.append(contentsOf: bytes)
            if buffer.count >= 1 << 20 { flush() }
        }

        /// Appends `text` as it is (no newline added).
        func write(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 20 { flush() }
        }

        func flush() {
            guard !buffer.isEmpty else { return }
            FileHandle.standardOutput.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }

        deinit { flush() }
    }

    static func stderr(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func error(_ message: String) {
        stderr("evaldb: error: \(message)")
    }

    /// Each changed field with its old (`-`) and new (`+`) value, long values folded: `log -p`, `diff -p`.
    static func fieldChanges(_ changes: [FieldChange]) {
        let out = Buffered()
        fieldChanges(changes, to: out)
        out.flush()
    }

    /// `fieldChanges`, appended to `out`.
    static func fieldChanges(_ changes: [FieldChange], to out: Buffered) {
        for change in changes {
            out.write("    \(change.path)\n")
            if let old = change.old { out.write("      - \(Terminal.sanitized(folded(old, width: 400)))\n") }
            if let new = change.new { out.write("      + \(Terminal.sanitized(folded(new, width: 400)))\n") }
        }
    }

    static func problems(_ list: [DataError]) {
        for problem in list { stderr(problem.description) }
    }

    /// Prints `error` and returns the exit status: 1 for data errors, the command's own status for
    /// `ExitCode`, 2 for everything else.
    static func report(_ error: Error) -> Int32 {
        switch error {
        case let exit as ExitCode:
            return exit.rawValue
        case let error as EvalDBError:
            if case .invalidData(let errors, _) = error {
                problems(errors)
                Output.error(Messages.describe(error))
                return 1
            }
            Output.error(Messages.describe(error))
            return 2
        case let refusal as Refusal:
            Output.error(Refusals.message(refusal))
            return 1
        case let error as GitError:
            Output.error(Refusals.message(error))
            return 2
        case let error as DatabaseError:
            Output.error(error.description)
            return 2
        case let error as ValidationError:
            Output.error(error.message)
            return 2
        default:
            Output.error(String(describing: error))
            return 2
        }
    }

    static var standardErrorIsTerminal: Bool { isatty(2) == 1 }
    static var standardOutputIsTerminal: Bool { isatty(1) == 1 }

    /// Width of the terminal on standard output, or nil when it is not one.
    static var terminalWidth: Int? {
        guard standardOutputIsTerminal else { return nil }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
    }

    /// Height of the terminal on standard output, or nil when it is not one.
    static var terminalHeight: Int? {
        guard standardOutputIsTerminal else { return nil }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        return Int(ProcessInfo.processInfo.environment["LINES"] ?? "")
    }

    /// A progress line on standard error, redrawn in place; only when it is a terminal.
    final class Progress {
        let label: String
        let enabled = Output.standardErrorIsTerminal
        private var shown = false

        init(_ label: String) { self.label = label }

        func update(bytes: Int, of total: Int?) {
            guard enabled else { return }
            var text = "\(label): \(bytes / 1_000_000) MB"
            if let total, total > 0 { text += " of \(total / 1_000_000) MB (\(bytes * 100 / total)%)" }
            FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
            shown = true
        }

        func update(lines: Int, of total: Int? = nil) {
            guard enabled else { return }
            var text = "\(label): \(lines) lines"
            if let total, total > 0 { text += " of \(total) (\(lines * 100 / total)%)" }
            FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
            shown = true
        }

        func finish() {
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}

/// Rows of named columns printed as an aligned table, JSON, JSON lines or CSV.
struct Listing {
    enum Value {
        case text(String)
        case int(Int)
        /// A number shown with this many decimals: a JSON number in json and jsonl.
        case number(Double, decimals: Int)
        /// A number as stored (SQL REAL): its shortest exact text; a JSON number in json and jsonl.
        case real(Double)
        /// A list of strings: a JSON array; words separated by spaces in a table or csv.
        case list([String])
        /// A JSON value (canonical JSON text: an object, a list): itself in json, its text elsewhere.
        case json(String)
        case null

        /// A rate or a difference as a fraction, shown in percentage points with one decimal.
        static func points(_ fraction: Double) -> Value { .number(fraction * 100, decimals: 1) }

        var plain: String {
            switch self {
            case .text(let text): text
            case .int(let number): String(number)
            case .number(let number, let decimals): Listing.format(number, decimals: decimals)
            case .real(let number): String(number)
            case .list(let items): items.joined(separator: " ")
            case .json(let text): text
            case .null: ""
            }
        }

        /// The value in json and jsonl.
        var json: JSONOutput {
            switch self {
            case .text(let text): .string(text)
            case .int(let number): .int(number)
            case .number(let number, let decimals): .number(number, decimals: decimals)
            case .real(let number): .real(number)
            case .list(let items): .array(items.map(JSONOutput.string))
            case .json(let text): .raw(text)
            case .null: .null
            }
        }
    }

    /// `number` with `decimals` decimals, an ASCII minus, and no "-0.0".
    static func format(_ number: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", number)
        return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
    }

    var columns: [String]
    var rows: [[Value]] = []

    func render(_ format: OutputFormat, headers: Bool = true) -> String {
        switch format {
        case .json:
            return JSONOutput.array(rows.map(object)).text  // one line, as json.dumps writes a list
        case .jsonl:
            return rows.map { object($0).text }.joined(separator: "\n")
        case .csv:
            var lines = headers ? [columns.map(csvField).joined(separator: ",")] : []
            // On a terminal, user data must not drive it; into a file or a pipe, it stays as it is.
            let onTerminal = Output.standardOutputIsTerminal
            lines += rows.map { row in
                row.map { value in csvField(onTerminal ? Terminal.sanitized(value.plain) : value.plain) }.joined(separator: ",")
            }
            return lines.joined(separator: "\n")
        case .table:
            return table()
        }
    }

    private func object(_ row: [Value]) -> JSONOutput {
        .object(zip(columns, row).map { ($0, $1.json) })
    }

    private func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Aligned columns; on a terminal, the widest column is shortened with `…` to fit its width. A
    /// value of several lines takes as many lines of its row, the other columns blank below theirs,
    /// as sqlite3's column and box modes show it.
    private func table() -> String {
        let cells = [columns.map { Terminal.cellLines($0) }] + rows.map { $0.map { Terminal.cellLines($0.plain) } }
        var widths = columns.indices.map { column in cells.map { $0[column].map(\.count).max() ?? 0 }.max() ?? 0 }
        if let limit = Output.terminalWidth {
            while widths.reduce(0, +) + 2 * (widths.count - 1) > limit,
                let widest = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[widest] > 8
            {
                widths[widest] -= 1
            }
        }
        return cells.flatMap { row in
            (0..<(row.map(\.count).max() ?? 1)).map { index in
                let line = row.enumerated().map { column, lines in
                    let width = widths[column]
                    let cell = index < lines.count ? lines[index] : ""
                    let text = cell.count > width ? String(cell.prefix(width - 1)) + "…" : cell
                    return column == row.count - 1 ? text : text + String(repeating: " ", count: max(0, width - text.count))
                }.joined(separator: "  ")
                // A value's next lines: no padding left at the end of the line.
                return index == 0 ? line : String(line.reversed().drop { $0 == " " }.reversed())
            }
        }.joined(separator: "\n")
    }
}

enum Terminal {
    /// `text` with control characters replaced, so that user data cannot drive the terminal.
    static func sanitized(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map {
                    $0.properties.generalCategory == .control ? "\u{FFFD}" : $0
                }))
    }

    /// A table cell's lines: `text` split at its line ends (LF, CR LF, CR), each tab a space to
    /// the next multiple of four, other control characters replaced as `sanitized` does.
    static func cellLines(_ text: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for character in text {
            switch character {
            case "\n", "\r\n", "\r":
                lines.append(sanitized(line))
                line = ""
            case "\t":
                line += String(repeating: " ", count: 4 - line.count % 4)
            default:
                line.append(character)
            }
        }
        lines.append(sanitized(line))
        return lines
    }
}
