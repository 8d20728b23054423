import EvalDBKit
import Foundation
import Testing

@testable import EvalDBCLI

/// How a value is laid out in a table cell on the terminal.
@Suite("Terminal cells")
struct TerminalTests {
    @Test("a cell's lines: split at LF, CR LF and CR, tabs to the next multiple of four, controls replaced; seeded random texts")
    func cellLines() {
        var generator = SeededGenerator(seed: 26)
        let pieces = ["a", "bc", " ", "\t", "\n", "\r", "\r\n", "\u{1B}[31m", "é", "e\u{301}", "😀", "\u{2028}", "\u{85}", "|"]
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 0...10, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(Terminal.cellLines(text) == oracle(text), "\(text.debugDescription)")
        }
        #expect(Terminal.cellLines("a\tb\r\nc\rd\n") == ["a   b", "c", "d", ""])
        #expect(Terminal.cellLines("\u{1B}[2J") == ["\u{FFFD}[2J"])
        // A CR before a CR LF is a line end of its own (once taken for one control character).
        #expect(Terminal.cellLines("a\r\r\nb") == ["a", "", "b"])
    }

    /// The rule on Unicode scalars: CR LF one line end, a lone CR or LF one; then tabs expanded by
    /// characters and controls replaced.
    private func oracle(_ text: String) -> [String] {
        var lines: [String.UnicodeScalarView] = [String.UnicodeScalarView()]
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\r" || scalar == "\n" {
                if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
                lines.append(String.UnicodeScalarView())
            } else {
                lines[lines.count - 1].append(scalar)
            }
            index += 1
        }
        return lines.map { line in
            var expanded = ""
            for character in String(line) {
                if character == "\t" { expanded += String(repeating: " ", count: 4 - expanded.count % 4) } else { expanded.append(character) }
            }
            return Terminal.sanitized(expanded)
        }
    }
}
