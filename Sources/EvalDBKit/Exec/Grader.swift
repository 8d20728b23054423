import Foundation

/// How `run exec` decides whether an output passes: a built-in comparison with the example's
/// expected output, or a judge command (docs/run.md).
///
/// Every comparison is code point by code point (UTF-8 bytes, canonical JSON), never Swift's
/// `String ==`, which takes canonically equivalent strings for one.
public enum Grader: Sendable, Equatable {
    /// The output equals the expected output: as canonical JSON, or — when the expected output is a
    /// string — the output's text equals it (a command printing `42` matches `"42"`).
    case exact
    /// Every member the expected output (an object) names is in the output with an equal value,
    /// objects compared the same way at every depth, anything else (lists included) whole.
    case jsonSubset
    /// The output's text contains the expected output (a string), or each of them (a list of
    /// strings).
    case contains
    /// The output's text matches a regular expression (ICU syntax, searched for, not anchored):
    /// the given pattern, or the expected output (a string) when nil.
    case regex(String?)
    /// A judge command decides (`JudgeVerdict`).
    case judge

    /// `exact`, `json-subset`, `contains`, `regex` or `regex:PATTERN`; nil when it is none of them.
    public init?(spec: String) {
        switch spec {
        case "exact": self = .exact
        case "json-subset": self = .jsonSubset
        case "contains": self = .contains
        case "regex": self = .regex(nil)
        default:
            guard spec.hasPrefix("regex:") else { return nil }
            self = .regex(String(spec.dropFirst("regex:".count)))
        }
    }

    /// The grader as a run names it in its results (`grader`) and its meta.
    public var spec: String {
        switch self {
        case .exact: "exact"
        case .jsonSubset: "json-subset"
        case .contains: "contains"
        case .regex(let pattern): pattern.map { "regex:" + $0 } ?? "regex"
        case .judge: "judge"
        }
    }

    /// Why a fixed pattern cannot be used; nil when it can (or there is none).
    public var patternProblem: String? {
        guard case .regex(let pattern?) = self else { return nil }
        do {
            _ = try NSRegularExpression(pattern: pattern)
            return nil
        } catch {
            return "not a regular expression: \(pattern)"
        }
    }
}

/// A grader's answer on one output.
public enum Grade: Sendable, Equatable {
    /// Pass or fail, with the reason for a fail when the grader can say it.
    case graded(pass: Bool, rationale: String?)
    /// The example cannot be graded this way (a `contains` whose expected output is an object, an
    /// expected pattern that is not one): recorded as an error, not as a fail.
    case cannotGrade(String)
}

extension Grader {
    /// Grades `output` against `expected`. Never called for `.judge`.
    public func grade(_ output: ExecValue, expected: ExecValue) -> Grade {
        switch self {
        case .exact:
            if output.canonical == expected.canonical { return .graded(pass: true, rationale: nil) }
            if let wanted = expected.string, output.text == wanted { return .graded(pass: true, rationale: nil) }
            return .graded(pass: false, rationale: nil)
        case .jsonSubset:
            return Self.subset(output, expected)
        case .contains:
            let haystack = output.text
            let tape = expected.tape
            var needles: [[UInt8]] = []
            switch tape.nodes.first?.kind {
            case .string: needles = [Array(tape.bytes(0))]
            case .array where tape.elements(0).allSatisfy({ tape.nodes[$0].kind == .string }):
                needles = tape.elements(0).map { Array(tape.bytes($0)) }
            default: return .cannotGrade("contains needs an expected output that is a string or a list of strings")
            }
            for needle in needles where !Self.bytes(haystack, contain: needle) {
                return .graded(pass: false, rationale: "the output does not contain \(Self.shown(ExecValue(text: needle).canonical))")
            }
            return .graded(pass: true, rationale: nil)
        case .regex(let fixed):
            let pattern: String
            if let fixed {
                pattern = fixed
            } else if let wanted = expected.string {
                pattern = String(decoding: wanted, as: UTF8.self)
            } else {
                return .cannotGrade("regex needs an expected output that is a string (the pattern)")
            }
            guard let expression = try? NSRegularExpression(pattern: pattern) else {
                return .cannotGrade("the expected output is not a regular expression: \(Self.shown(expected.canonical))")
            }
            let text = String(decoding: output.text, as: UTF8.self)
            let found = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            return .graded(
                pass: found, rationale: found ? nil : "the output does not match \(Self.shown(ExecValue(text: Array(pattern.utf8)).canonical))")
        case .judge:
            return .cannotGrade("a judge grades this run")
        }
    }

    /// `json-subset`: the output (or the JSON found in its text) holds every member the expected
    /// output names.
    private static func subset(_ output: ExecValue, _ expected: ExecValue) -> Grade {
        let wanted = expected.tape
        guard let found = output.string == nil ? output : jsonInText(output.text) else {
            return .graded(pass: false, rationale: "the output holds no JSON")
        }
        if let reason = difference(wanted, 0, found.tape, 0, path: "") { return .graded(pass: false, rationale: reason) }
        return .graded(pass: true, rationale: nil)
    }

    /// Why the value at `e` of `expected` is not a subset of the value at `o` of `output`; nil
    /// when it is.
    private static func difference(_ expected: JSONTape, _ e: Int, _ output: JSONTape, _ o: Int, path: String) -> String? {
        let place = path.isEmpty ? "the output" : path
        if expected.nodes[e].kind == .object {
            guard output.nodes[o].kind == .object else { return "\(place) is not an object" }
            for (key, value) in expected.members(e) {
                let name = expected.string(key)
                let keyBytes = expected.bytes(key)
                guard let other = output.members(o).first(where: { output.bytes($0.key).elementsEqual(keyBytes) })?.value else {
                    return "\(path.isEmpty ? "" : path + ".")\(name) is missing"
                }
                if let reason = difference(expected, value, output, other, path: path.isEmpty ? name : path + "." + name) { return reason }
            }
            return nil
        }
        var a: [UInt8] = [], b: [UInt8] = []
        CanonicalJSON.write(expected, e, to: &a)
        CanonicalJSON.write(output, o, to: &b)
        return a == b ? nil : "\(place): expected \(shown(a)), found \(shown(b))"
    }

    /// The JSON a text output holds: all of it, else the first fenced code block (```json … ```),
    /// else what lies from its first `{` to its last `}`.
    static func jsonInText(_ text: [UInt8]) -> ExecValue? {
        if let value = ExecValue(json: text) { return value }
        let fence = Array("```".utf8)
        if let open = firstIndex(of: fence, in: text, from: 0),
            let lineEnd = text[(open + 3)...].firstIndex(of: 0x0A),
            let close = firstIndex(of: fence, in: text, from: lineEnd + 1),
            let value = ExecValue(json: Array(text[(lineEnd + 1)..<close]))
        {
            return value
        }
        if let first = text.firstIndex(of: UInt8(ascii: "{")), let last = text.lastIndex(of: UInt8(ascii: "}")), first < last {
            return ExecValue(json: Array(text[first...last]))
        }
        return nil
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
        }
        return nil
    }

    static func bytes(_ haystack: [UInt8], contain needle: [UInt8]) -> Bool {
        needle.isEmpty || firstIndex(of: needle, in: haystack, from: 0) != nil
    }

    /// Canonical JSON for a rationale, shortened to 200 bytes.
    private static func shown(_ json: [UInt8]) -> String {
        json.count <= 200 ? String(decoding: json, as: UTF8.self) : String(decoding: json.prefix(200), as: UTF8.self) + "…"
    }
}
