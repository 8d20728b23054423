import Foundation
import Testing

/// The library does the work and the executable talks to people: no command line in the
/// library's messages, no SQLite C call outside `Database/`, the storage model's SQL written once;
/// and no target claims `@unchecked Sendable` without saying what makes it safe.
@Suite("What the library may say and touch")
struct LibraryBoundaryTests {
    static let library = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/EvalDBKit")

    /// Each non-comment line of the library's Swift files, with its file and line number, and
    /// whether it is inside a multi-line string literal (all of it text).
    static func codeLines() throws -> [(file: String, line: Int, text: String, inString: Bool)] {
        let files = FileManager.default.enumerator(atPath: library.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var lines: [(String, Int, String, Bool)] = []
        for file in files.sorted() {
            let text = try String(contentsOf: library.appendingPathComponent(file), encoding: .utf8)
            var inString = false
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                let delimiters = line.components(separatedBy: "\"\"\"").count - 1
                if inString {
                    if delimiters % 2 == 1 { inString = false } else { lines.append((file, number + 1, String(line), true)) }
                } else if !trimmed.hasPrefix("//") {
                    lines.append((file, number + 1, String(line), false))
                    if delimiters % 2 == 1 { inString = true }
                }
            }
        }
        return lines
    }

    /// The string literals of a line (between unescaped quotes).
    static func literals(_ line: String) -> [String] {
        var result: [String] = []
        var current: String?
        var escaped = false
        for character in line {
            if var text = current {
                if escaped { escaped = false; text.append(character); current = text; continue }
                if character == "\\" { escaped = true; text.append(character); current = text; continue }
                if character == "\"" { result.append(text); current = nil; continue }
                text.append(character)
                current = text
            } else if character == "\"" {
                current = ""
            }
        }
        return result
    }

    @Test("no library message names a command-line flag or an evaldb command")
    func noCommandLineInLibraryMessages() throws {
        let flag = try Regex("(^|[^-a-z])--[a-z]")
        let command = try Regex(
            "evaldb (validate|import|export|hash|versions|status|verify|sync|log|blame|show|diff|hook|slice|coverage|sql|review|propose|run|report|compare|power)\\b"
        )
        for (file, number, line, inString) in try Self.codeLines() {
            for literal in inString ? [line.trimmingCharacters(in: .whitespaces)] : Self.literals(line) where Self.isMessage(literal) {
                #expect(
                    literal.firstMatch(of: flag) == nil && literal.firstMatch(of: command) == nil,
                    "\(file):\(number): \(literal)")
            }
        }
    }

    /// A sentence, not an argument passed to git (`"--verify"`, `"--format=%H %P"`).
    static func isMessage(_ literal: String) -> Bool {
        guard literal.contains(" ") else { return false }
        if literal.hasPrefix("-"), !(literal.split(separator: "=", maxSplits: 1).first ?? "").contains(" ") { return false }
        return true
    }

    @Test("a message that names a flag is told from an argument for git")
    func messagesToldFromArguments() {
        #expect(Self.isMessage("--reviewer must not be empty"))
        #expect(Self.isMessage("no run named x: `evaldb run list` lists them"))
        #expect(!Self.isMessage("--batch-check=%(objectname) %(objecttype)"))
        #expect(!Self.isMessage("--verify"))
    }

    @Test("no SQLite C call or C module outside Database/")
    func sqliteBehindOneDoor() throws {
        let places = try Self.codeLines().filter { line in
            !line.file.hasPrefix("Database/") && !line.inString
                && (line.text.contains("sqlite3_") || line.text.hasPrefix("import CSQLite") || line.text.contains("SQLITE_"))
        }
        #expect(places.isEmpty, "\(places.map { "\($0.file):\($0.line): \($0.text)" })")
        // The check sees a call: the door's own files are full of them.
        #expect(try Self.codeLines().contains { $0.file.hasPrefix("Database/") && $0.text.contains("sqlite3_step(") })
    }

    @Test("every transaction and savepoint is begun and ended in Database/ (its one helper), none by hand")
    func transactionsThroughOneHelper() throws {
        let statement = try Regex("^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\\b")
        func statements(in line: (file: String, line: Int, text: String, inString: Bool)) -> [String] {
            (line.inString ? [line.text] : Self.literals(line.text)).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.firstMatch(of: statement) != nil }
        }
        let places = try Self.codeLines().filter { !$0.file.hasPrefix("Database/") && !statements(in: $0).isEmpty }
        #expect(places.isEmpty, "\(places.map { "\($0.file):\($0.line): \($0.text)" })")
        // The check sees one: the helper's own file is made of them.
        #expect(try Self.codeLines().contains { $0.file.hasPrefix("Database/") && statements(in: $0).contains("BEGIN IMMEDIATE") })
    }

    @Test("the head-record join is written once, in the storage model")
    func headJoinWrittenOnce() throws {
        let places = try Self.codeLines().filter { $0.text.contains("r.rev = e.head") }
        #expect(
            places.count == 1 && places.allSatisfy { $0.file.hasSuffix("Store+Revisions.swift") },
            "\(places.map { "\($0.file):\($0.line)" })")
    }

    /// What a line that declares `@unchecked Sendable` says after `//` on that line: "" when it
    /// says nothing; nil when the line declares none (a comment that only mentions it).
    static func uncheckedReason(_ line: String) -> String? {
        guard let marker = line.range(of: "@unchecked Sendable") else { return nil }
        if let comment = line.range(of: "//"), comment.lowerBound < marker.lowerBound { return nil }
        guard let comment = line.range(of: "//", range: marker.upperBound..<line.endIndex) else { return "" }
        return line[comment.upperBound...].trimmingCharacters(in: .whitespaces)
    }

    @Test("every @unchecked Sendable in Sources/ (every target) says on its line, after //, what makes it safe")
    func everyUncheckedSendableSaysWhy() throws {
        let sources = Self.library.deletingLastPathComponent()
        let files = FileManager.default.enumerator(atPath: sources.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var targets: Set<String> = []
        var declared: [String] = []
        var unexplained: [String] = []
        for file in files.sorted() {
            targets.insert(String(file.prefix { $0 != "/" }))
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard let reason = Self.uncheckedReason(String(line)) else { continue }
                declared.append("\(file):\(number + 1)")
                if reason.isEmpty { unexplained.append("\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))") }
            }
        }
        #expect(unexplained.isEmpty, "\(unexplained)")
        // The check read the targets and sees their conformances (Handoff's among them).
        #expect(targets.isSuperset(of: ["EvalDBKit", "EvalDBServe", "EvalDBCLI", "evaldb"]), "\(targets)")
        #expect(declared.contains { $0.hasPrefix("EvalDBKit/Support/Handoff.swift:") }, "\(declared)")
    }

    @Test("an @unchecked Sendable line without a // reason after it is told from one with")
    func uncheckedReasonRead() {
        #expect(Self.uncheckedReason("final class A: @unchecked Sendable {  // its state behind `lock`") == "its state behind `lock`")
        #expect(Self.uncheckedReason("final class A: @unchecked Sendable {") == "")
        #expect(Self.uncheckedReason("struct B<T>: @unchecked Sendable {  //") == "")
        #expect(Self.uncheckedReason("/// Unlike an `@unchecked Sendable` box, this one locks.") == nil)
        #expect(Self.uncheckedReason("final class C: Sendable {  // immutable") == nil)
    }
}
