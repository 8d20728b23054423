import EvalDBKit
import Foundation

/// What the reviewer types: one key a time on a terminal, one line an action when standard input
/// is a pipe (`n a note` is the key `n` with its text), so that every session can be scripted.
final class ReviewInput {
    /// Standard input is a terminal: keys are read one at a time, without Enter.
    let interactive = isatty(0) == 1

    /// A key pressed while paging that was not for the pager: the next action's key.
    var pending: TerminalKey?

    /// The next action: its key and, from a piped line, the text after it. Nil at the end of input.
    /// On a terminal an arrow is one key: the action `arrows` maps it to, else one line saying it
    /// does nothing here, and the prompt again (so does any other escape sequence).
    func action(prompt: String, arrows: [TerminalKey.Arrow: Character] = [:]) -> (key: Character, argument: String?)? {
        write(prompt)
        if interactive {
            while true {
                let pressed = pending ?? Self.readKey()
                pending = nil
                guard let pressed else { return nil }
                write("\n")
                switch pressed {
                case .character("\u{4}"): return nil  // Ctrl-D
                case .character(let key): return (key, nil)
                case .arrow(let arrow) where arrows[arrow] != nil: return (arrows[arrow]!, nil)
                default:
                    let mapped = arrows.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) is \($0.value)" }
                    write("\(pressed.name) does nothing here\(mapped.isEmpty ? "" : " (" + mapped.joined(separator: ", ") + ")"); ? lists the keys\n")
                    write(prompt)
                }
            }
        }
        guard let line = readLine(strippingNewline: true) else { return nil }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        write(trimmed + "\n")  // the transcript shows what was done
        guard let key = trimmed.first else { return ("\n", nil) }
        let rest = trimmed.dropFirst().trimmingCharacters(in: .whitespaces)
        return (key, rest.isEmpty ? nil : rest)
    }

    /// The text an action's key needs (a note, a label, a tag): piped, the rest of the key's own
    /// line — never the next line, which is the next action; on a terminal, a line typed after
    /// `prompt`. Nil or empty when none was given.
    func text(after argument: String?, prompt: String) -> String? {
        interactive ? line(prompt: prompt) : argument
    }

    /// A line of text after a prompt (a note, a label); nil at the end of input.
    func line(prompt: String) -> String? {
        write(prompt)
        let line = readLine(strippingNewline: true)
        if !interactive, let line { write(line + "\n") }
        return line
    }

    /// Waits for a key on a terminal (paging); nil when input ended.
    func key() -> TerminalKey? { interactive ? Self.readKey() : nil }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// One key from the terminal — every byte of an escape sequence or a UTF-8 character — with
    /// echo and line buffering off for that read only.
    private static func readKey() -> TerminalKey? {
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { return nil }
        savedTerminal = saved
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        tcsetattr(0, TCSANOW, &raw)
        defer { tcsetattr(0, TCSANOW, &saved) }
        return TerminalKey.read { wait in
            if let wait {
                var ready = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, Int32(wait)) == 1 else { return nil }
            }
            var byte: UInt8 = 0
            return read(0, &byte, 1) == 1 ? byte : nil
        }
    }

    /// Puts the terminal back when the reviewer interrupts (Ctrl-C) in the middle of a key read:
    /// what the session did is saved already, and the next `review` ends it.
    static func restoreTerminalOnInterrupt() {
        signal(SIGINT) { _ in
            if var saved = savedTerminal { tcsetattr(0, TCSANOW, &saved) }
            _exit(130)
        }
    }
}

nonisolated(unsafe) private var savedTerminal: termios?

extension ExampleEdit {
    /// What `review` asks for after an edit's key, on a terminal.
    static let prompts: [Character: String] = [
        "n": "note (- clears): ", "l": "label (key=value, key:=JSON, -key): ", "t": "tag (tag adds, -tag removes): ",
        "o": "expected output (JSON: a text \"in quotes\"): ",
    ]
}
