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
        guard let value = DisplayValue(json: json) else { return "<pre class=\"json\">\(json)</pre>" }
        if case .text(let string) = value { return text(string) }
        if let turns = value.turns { return conversation(turns) }
        if foldChunks, case .list(let chunks) = value, !chunks.isEmpty {
            return HTML(raw: "<ol class=\"chunks\">")
                + chunks.enumerated().map { number, element -> HTML in
                    let body: HTML
                    if case .text(let string) = element { body = text(string, fold: false) } else { body = pretty(element) }
                    let preview = summary(of: element, length: 110)
                    return
                        "<li><details class=\"chunk\"><summary><span class=\"muted\">chunk \(number + 1)</span> \(preview)</summary>\(body)</details></li>"
                }.joined() + HTML(raw: "</ol>")
        }
        return pretty(value)
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
    static func conversation(_ turns: [DisplayValue.Turn]) -> HTML {
        var blocks: [HTML] = []
        for turn in turns {
            let kind = ["user", "assistant", "tool", "system"].first { $0 == turn.role } ?? "other"
            var body: HTML
            if case .text(let string) = turn.content { body = text(string) } else { body = pretty(turn.content) }
            for member in turn.extra {
                body += "<div class=\"turn-extra\"><span class=\"muted\">\(member.key):</span> \(pretty(member.value))</div>"
            }
            blocks.append("<div class=\"turn role-\(HTML(raw: kind))\"><div class=\"role\">\(turn.role)</div>\(body)</div>")
        }
        return "<div class=\"conversation\">\(blocks)</div>"
    }

    /// A short line that stands for a value (a queue row, a fold's summary).
    static func summary(_ json: String, length: Int = 140) -> String {
        guard let value = DisplayValue(json: json) else { return String(json.prefix(length)) }
        return summary(of: value, length: length)
    }

    static func summary(of value: DisplayValue, length: Int) -> String {
        var text: String
        if case .text(let string) = value {
            text = string
        } else if case .list(let elements) = value, let first = elements.lazy.compactMap(\.turn).first {
            if case .text(let string) = first.content { text = string } else { text = first.content.canonical }
            if elements.count > 1 { text = "[\(elements.count) turns] " + text }
        } else {
            text = value.canonical
        }
        if text.utf8.contains(0x0A) {
            text = String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\n" ? " " : $0 }))
        }
        guard let end = text.index(text.startIndex, offsetBy: length, limitedBy: text.endIndex), end != text.endIndex else { return text }
        return String(text[..<end]) + "…"
    }

    /// The summary of a record's input (a queue row's), from the record as it is stored.
    static func inputSummary(ofRecord record: String, length: Int = 140) -> String {
        DisplayValue.member("input", ofRecord: record).map { summary(of: $0, length: length) } ?? ""
    }

    /// JSON indented two spaces a level, strings with their characters as they are (not `\u`
    /// escapes): for reading and for editing the expected output.
    static func prettyText(_ json: String) -> String {
        guard let value = DisplayValue(json: json) else { return json }
        var out = ""
        write(value, indent: "", into: &out)
        return out
    }

    static func pretty(_ value: DisplayValue) -> HTML {
        var out = ""
        write(value, indent: "", into: &out)
        return "<pre class=\"json\">\(out)</pre>"
    }

    private static func write(_ value: DisplayValue, indent: String, into out: inout String) {
        switch value {
        case .literal(let text): out += text
        case .text(let text): out += quote(text)
        case .list(let elements):
            if elements.isEmpty {
                out += "[]"
                return
            }
            if elements.allSatisfy({ if case .list = $0 { false } else if case .object = $0 { false } else { true } }) {
                var line = "["
                for (n, element) in elements.enumerated() {
                    if n > 0 { line += ", " }
                    write(element, indent: indent, into: &line)
                }
                line += "]"
                if line.count <= 80 {
                    out += line
                    return
                }
            }
            out += "[\n"
            for (n, element) in elements.enumerated() {
                out += indent + "  "
                write(element, indent: indent + "  ", into: &out)
                out += n == elements.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            out += "{\n"
            for (n, member) in members.enumerated() {
                out += indent + "  " + quote(member.key) + ": "
                write(member.value, indent: indent + "  ", into: &out)
                out += n == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
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
        guard let value = DisplayValue(json: json) else { return nil }
        switch value {
        case .object, .list: break
        default: return nil
        }
        var result: [(String, String)] = []
        func walk(_ value: DisplayValue, _ path: String) {
            switch value {
            case .object(let members) where !members.isEmpty:
                for member in members { walk(member.value, path.isEmpty ? member.key : path + "." + member.key) }
            case .list(let elements) where !elements.isEmpty:
                for (n, element) in elements.enumerated() { walk(element, path + "[\(n)]") }
            default:
                result.append((path.isEmpty ? "(value)" : path, value.canonical))
            }
        }
        walk(value, "")
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
