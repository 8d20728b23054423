/// One key as a terminal sends it, read whole: a character (one byte, or the bytes of one UTF-8
/// character), an arrow, or another escape sequence (a function key, Home, Alt and a letter) —
/// never its bytes one at a time, so that an arrow is one key and not ESC, `[` and `C`.
enum TerminalKey: Equatable {
    enum Arrow: String {
        case up = "↑", down = "↓", right = "→", left = "←"
    }

    case character(Character)
    case arrow(Arrow)
    /// Escape alone (nothing followed it at once).
    case escape
    /// Another escape sequence, without its ESC (`[15~`: F5).
    case sequence(String)

    /// How a message names the key.
    var name: String {
        switch self {
        case .character(let character): quotedKey(character)
        case .arrow(let arrow): "the arrow \(arrow.rawValue)"
        case .escape: "Escape"
        case .sequence(let text): "the key that sends ESC \(text.unicodeScalars.map { $0.escaped(asASCII: true) }.joined())"
        }
    }

    /// Reads one key. `next(wait)` gives the terminal's next byte, waiting at most `wait`
    /// milliseconds (nil: as long as it takes), and nil when none came in time or input ended.
    /// The bytes after the first of a key arrive together (the terminal writes a sequence at
    /// once), so a short wait tells Escape alone from an escape sequence.
    static func read(_ next: (_ wait: Int?) -> UInt8?) -> TerminalKey? {
        guard let first = next(nil) else { return nil }
        let soon = 50
        if first == 0x1B {
            guard let second = next(soon) else { return .escape }
            guard second == UInt8(ascii: "[") || second == UInt8(ascii: "O") else {
                return .sequence(String(decoding: [second], as: UTF8.self))  // Alt and a key
            }
            // CSI or SS3: parameter and intermediate bytes (0x20–0x3F), then one final byte (0x40–0x7E).
            var bytes = [second]
            while let byte = next(soon) {
                bytes.append(byte)
                guard (0x20...0x3F).contains(byte) else { break }
            }
            switch bytes.last.map({ Character(UnicodeScalar($0)) }) {
            case "A": return .arrow(.up)
            case "B": return .arrow(.down)
            case "C": return .arrow(.right)
            case "D": return .arrow(.left)
            default: return .sequence(String(decoding: bytes, as: UTF8.self))
            }
        }
        // A UTF-8 character: its lead byte says how many continuation bytes follow.
        let length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1
        var bytes = [first]
        while bytes.count < length, let byte = next(soon), byte & 0xC0 == 0x80 { bytes.append(byte) }
        return .character(String(decoding: bytes, as: UTF8.self).first ?? "\u{FFFD}")
    }
}
