import EvalDBKit

/// JSON values as a reader wants them: a text as text, a conversation as turns, a list of chunks
/// one a fold, anything else indented; long texts folded. Every string goes through `HTML`'s
/// escaping.
enum JSONView {
    /// Texts longer than this (characters) or with more lines are folded.
    static let foldCharacters = 700
    static let foldLines = 14

    /// A value of a record (input, context, expected output, a run's output).
    static func value(_ json: String, foldChunks: Bool = false) -> HTML {
        guard let tape = try? JSONParser.parse(json) else { return "<pre class=\"json\">\(json)</pre>" }
        let root = tape.nodes[0]
        switch root.kind {
        case .string:
            return text(tape.string(0))
        case .array where !tape.elements(0).isEmpty && tape.elements(0).allSatisfy({ isTurn(tape, $0) }):
            return conversation(tape)
        case .array where foldChunks && !tape.elements(0).isEmpty:
            let chunks = tape.elements(0)
            return HTML(raw: "<ol class=\"chunks\">")
                + chunks.enumerated().map { number, element -> HTML in
                    let body = tape.nodes[element].kind == .string ? text(tape.string(element), fold: false) : pretty(tape, element)
                    let preview = summary(of: tape, element, length: 110)
                    return
                        "<li><details class=\"chunk\"><summary><span class=\"muted\">chunk \(number + 1)</span> \(preview)</summary>\(body)</details></li>"
                }.joined() + HTML(raw: "</ol>")
        default:
            return pretty(tape, 0)
        }
    }

    /// A text, folded when long: its start shows, the rest opens on a click (or `c`).
    static func text(_ text: String, fold: Bool = true) -> HTML {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        if fold && (text.count > foldCharacters || lines > foldLines) {
            let start = String(text.prefix(240))
            return """
                <details class="fold"><summary><span class="text">\(start)…</span> <span class="muted">(\(text.count) characters, \(lines) lines: open)</span></summary>\
                <div class="text">\(text)</div></details>
                """
        }
        return "<div class=\"text\">\(text)</div>"
    }

    /// A conversation: one block a turn, coloured by role (user, assistant, tool, system).
    static func conversation(_ tape: JSONTape) -> HTML {
        var turns: [HTML] = []
        for turn in tape.elements(0) {
            let role = tape.string(tape.member(turn, "role")!)
            let kind = ["user", "assistant", "tool", "system"].first { $0 == role } ?? "other"
            let content = tape.member(turn, "content")!
            var body: HTML = tape.nodes[content].kind == .string ? text(tape.string(content)) : pretty(tape, content)
            let extra = tape.members(turn).filter { !["role", "content"].contains(tape.string($0.key)) }
            for member in extra {
                body += "<div class=\"turn-extra\"><span class=\"muted\">\(tape.string(member.key)):</span> \(pretty(tape, member.value))</div>"
            }
            turns.append("<div class=\"turn role-\(HTML(raw: kind))\"><div class=\"role\">\(role)</div>\(body)</div>")
        }
        return "<div class=\"conversation\">\(turns)</div>"
    }

    static func isTurn(_ tape: JSONTape, _ index: Int) -> Bool {
        guard tape.nodes[index].kind == .object, let role = tape.member(index, "role"), tape.nodes[role].kind == .string else { return false }
        return tape.member(index, "content") != nil
    }

    /// A short line that stands for a value (a queue row, a fold's summary).
    static func summary(_ json: String, length: Int = 140) -> String {
        guard let tape = try? JSONParser.parse(json) else { return String(json.prefix(length)) }
        return summary(of: tape, 0, length: length)
    }

    static func summary(of tape: JSONTape, _ index: Int, length: Int) -> String {
        let node = tape.nodes[index]
        var text: String
        if node.kind == .string {
            text = tape.string(index)
        } else if node.kind == .array, let first = tape.elements(index).first(where: { isTurn(tape, $0) }) {
            let content = tape.member(first, "content")!
            text = tape.nodes[content].kind == .string ? tape.string(content) : compact(tape, content)
            let count = tape.elements(index).count
            if count > 1 { text = "[\(count) turns] " + text }
        } else {
            text = compact(tape, index)
        }
        if text.utf8.contains(0x0A) {
            text = String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\n" ? " " : $0 }))
        }
        guard let end = text.index(text.startIndex, offsetBy: length, limitedBy: text.endIndex), end != text.endIndex else { return text }
        return String(text[..<end]) + "…"
    }

    /// The summary of a record's input (a queue row's), from the record as it is stored.
    static func inputSummary(ofRecord record: String, length: Int = 140) -> String {
        guard let tape = try? JSONParser.parse(record), tape.nodes.first?.kind == .object, let input = tape.member(0, "input") else { return "" }
        return summary(of: tape, input, length: length)
    }

    static func compact(_ tape: JSONTape, _ index: Int) -> String {
        var bytes: [UInt8] = []
        CanonicalJSON.write(tape, index, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// JSON indented two spaces a level, strings with their characters as they are (not `\u`
    /// escapes): for reading and for editing the expected output.
    static func prettyText(_ json: String) -> String {
        guard let tape = try? JSONParser.parse(json) else { return json }
        var out = ""
        write(tape, 0, indent: "", into: &out)
        return out
    }

    static func pretty(_ tape: JSONTape, _ index: Int) -> HTML {
        var out = ""
        write(tape, index, indent: "", into: &out)
        return "<pre class=\"json\">\(out)</pre>"
    }

    private static func write(_ tape: JSONTape, _ index: Int, indent: String, into out: inout String) {
        let node = tape.nodes[index]
        switch node.kind {
        case .null: out += "null"
        case .true: out += "true"
        case .false: out += "false"
        case .integer, .float: out += tape.string(index)
        case .string: out += quote(tape.string(index))
        case .array:
            let elements = tape.elements(index)
            if elements.isEmpty { out += "[]"; return }
            if elements.allSatisfy({ tape.nodes[$0].kind != .array && tape.nodes[$0].kind != .object }) {
                var line = "["
                for (n, element) in elements.enumerated() {
                    if n > 0 { line += ", " }
                    write(tape, element, indent: indent, into: &line)
                }
                line += "]"
                if line.count <= 80 { out += line; return }
            }
            out += "[\n"
            for (n, element) in elements.enumerated() {
                out += indent + "  "
                write(tape, element, indent: indent + "  ", into: &out)
                out += n == elements.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object:
            let members = sortedMembers(tape, index)
            if members.isEmpty { out += "{}"; return }
            out += "{\n"
            for (n, member) in members.enumerated() {
                out += indent + "  " + quote(tape.string(member.key)) + ": "
                write(tape, member.value, indent: indent + "  ", into: &out)
                out += n == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        }
    }

    /// An object's members in code point order of their keys (as canonical JSON has them).
    static func sortedMembers(_ tape: JSONTape, _ index: Int) -> [(key: Int, value: Int)] {
        let node = tape.nodes[index]
        return (0..<Int(node.start) / 2).map { k in
            let key = Int(tape.sortedKeys[Int(node.sorted) + k])
            return (key, key + 1)
        }
    }

    /// A JSON string literal that keeps its characters (only `"`, `\` and control characters escaped).
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // MARK: - Field-level diff

    /// The leaves of a JSON value by path (`action`, `fields[0]`, `slots.time`), each as canonical
    /// JSON; nil when the value is not an object or an array.
    static func leaves(_ json: String) -> [(path: String, value: String)]? {
        guard let tape = try? JSONParser.parse(json), tape.nodes[0].kind == .object || tape.nodes[0].kind == .array else { return nil }
        var result: [(String, String)] = []
        func walk(_ index: Int, _ path: String) {
            switch tape.nodes[index].kind {
            case .object where !sortedMembers(tape, index).isEmpty:
                for member in sortedMembers(tape, index) {
                    let key = tape.string(member.key)
                    walk(member.value, path.isEmpty ? key : path + "." + key)
                }
            case .array where !tape.elements(index).isEmpty:
                for (n, element) in tape.elements(index).enumerated() { walk(element, path + "[\(n)]") }
            default:
                result.append((path.isEmpty ? "(value)" : path, compact(tape, index)))
            }
        }
        walk(0, "")
        return result
    }

    /// A table of the fields where `expected` and `output` differ, when both are JSON objects or
    /// arrays; nil otherwise.
    static func fieldDiff(expected: String, output: String, outputName: String) -> HTML? {
        guard let left = leaves(expected), let right = leaves(output) else { return nil }
        var paths: [String] = []
        var byPath: [[UInt8]: (expected: String?, output: String?)] = [:]
        for (path, value) in left {
            if byPath[Array(path.utf8)] == nil { paths.append(path) }
            byPath[Array(path.utf8), default: (nil, nil)].expected = value
        }
        for (path, value) in right {
            if byPath[Array(path.utf8)] == nil { paths.append(path) }
            byPath[Array(path.utf8), default: (nil, nil)].output = value
        }
        var rows: [HTML] = []
        var same = 0
        for path in paths {
            let pair = byPath[Array(path.utf8)]!
            if pair.expected == pair.output {
                same += 1
                continue
            }
            let kind = pair.expected == nil ? "extra" : pair.output == nil ? "missing" : "changed"
            rows.append(
                "<tr class=\"\(HTML(raw: kind))\"><td class=\"path\">\(path)</td><td>\(pair.expected ?? "—")</td><td>\(pair.output ?? "—")</td><td class=\"muted\">\(kind)</td></tr>"
            )
        }
        if rows.isEmpty { return "<p class=\"same\">The output equals the expected output, field for field (\(same) fields).</p>" }
        return """
            <table class="diff"><caption>Fields that differ (\(rows.count); \(same) the same)</caption>
            <thead><tr><th>field</th><th>expected</th><th>\(outputName)</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
