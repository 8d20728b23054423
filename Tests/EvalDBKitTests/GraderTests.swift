import Foundation
import Testing

@testable import EvalDBKit

/// An output or expected output from JSON text; a text output from `text:`.
private func json(_ text: String) -> ExecValue { ExecValue(json: Array(text.utf8))! }
private func text(_ text: String) -> ExecValue { ExecValue(text: Array(text.utf8)) }

private func passes(_ grader: Grader, _ output: ExecValue, _ expected: ExecValue) -> Bool? {
    if case .graded(let pass, _) = grader.grade(output, expected: expected) { return pass }
    return nil
}

@Suite("run exec's graders, against hand-worked cases")
struct GraderTests {
    @Test("exact: canonical JSON equality, or a string expected output equal to the output's text")
    func exact() {
        #expect(passes(.exact, json(#"{"b": 1, "a": [1, 2]}"#), json(#"{"a":[1,2],"b":1}"#)) == true)  // key order, spacing
        #expect(passes(.exact, json("1.0"), json("1.0")) == true)
        #expect(passes(.exact, json("1"), json("1.0")) == false)  // Python's json.dumps tells 1 from 1.0
        #expect(passes(.exact, json(#"{"a": [2, 1]}"#), json(#"{"a": [1, 2]}"#)) == false)
        #expect(passes(.exact, text("yes"), json(#""yes""#)) == true)
        #expect(passes(.exact, text("Yes"), json(#""yes""#)) == false)  // no case folding
        #expect(passes(.exact, json("42"), json(#""42""#)) == true)  // a command printing 42 matches "42"
        #expect(passes(.exact, json(#""42""#), json("42")) == false)  // but a string is no number
        // Code points, not Swift's canonical equivalence: é precomposed is not e + U+0301.
        #expect(passes(.exact, text("caf\u{E9}"), json(#""cafe\u0301""#)) == false)
        #expect(passes(.exact, text("caf\u{E9}"), json(#""caf\u00e9""#)) == true)
    }

    @Test("json-subset: every member the expected output names, at every depth; lists whole; JSON found in text")
    func jsonSubset() {
        let expected = json(#"{"action": "ask_clarification", "fields": ["party_size", "venue"]}"#)
        #expect(
            passes(.jsonSubset, json(#"{"action": "ask_clarification", "fields": ["party_size", "venue"], "message": "Which venue?"}"#), expected)
                == true)
        #expect(passes(.jsonSubset, json(#"{"action": "ask_clarification", "fields": ["venue", "party_size"]}"#), expected) == false)
        #expect(passes(.jsonSubset, json(#"{"action": "ask_clarification"}"#), expected) == false)
        #expect(passes(.jsonSubset, json(#"{"a": {"b": 1, "c": 2}, "d": 3}"#), json(#"{"a": {"b": 1}}"#)) == true)
        #expect(passes(.jsonSubset, json(#"{"a": {"b": 2}}"#), json(#"{"a": {"b": 1}}"#)) == false)
        #expect(passes(.jsonSubset, json("[1, 2]"), json("[1, 2]")) == true)  // not an object: equal
        // An LLM's answer with the JSON in a fenced block, or in prose.
        #expect(
            passes(.jsonSubset, text("Sure!\n```json\n{\"action\": \"ask_clarification\", \"fields\": [\"party_size\", \"venue\"]}\n```\n"), expected)
                == true)
        #expect(passes(.jsonSubset, text("here: {\"action\": \"ask_clarification\", \"fields\": [\"party_size\", \"venue\"]} ok"), expected) == true)
        #expect(passes(.jsonSubset, text("no JSON here"), expected) == false)
        guard case .graded(false, let rationale?) = Grader.jsonSubset.grade(json(#"{"action": "reply", "fields": []}"#), expected: expected) else {
            Issue.record("a failing subset says why")
            return
        }
        #expect(rationale == #"action: expected "ask_clarification", found "reply""#)
        guard case .graded(false, let missing?) = Grader.jsonSubset.grade(json(#"{"x": 1}"#), expected: json(#"{"a": {"b": 1}}"#)) else {
            Issue.record("a missing member is named")
            return
        }
        #expect(missing == "a is missing")
    }

    @Test("contains: the output's text holds the string, or each string of a list; anything else cannot be graded")
    func contains() {
        #expect(passes(.contains, text("We charge €15 per guest within 24 hours."), json(#""€15 per guest""#)) == true)
        #expect(passes(.contains, text("We charge €15 per guest."), json(#"["€15 per guest", "24 hours"]"#)) == false)
        #expect(passes(.contains, text("€15 per guest, 24 hours"), json(#"["€15 per guest", "24 hours"]"#)) == true)
        #expect(passes(.contains, json(#"{"message": "24 hours"}"#), json(#""24 hours""#)) == true)  // in the canonical JSON
        #expect(passes(.contains, text("ABC"), json(#""abc""#)) == false)
        #expect(
            Grader.contains.grade(text("x"), expected: json(#"{"a": 1}"#))
                == .cannotGrade("contains needs an expected output that is a string or a list of strings"))
    }

    @Test("regex: a fixed pattern, or the expected output as the pattern, searched for in the output's text")
    func regex() {
        #expect(passes(.regex("^HB-[0-9]{5}$"), text("HB-20931"), json("null")) == true)
        #expect(passes(.regex("^HB-[0-9]{5}$"), text("ref HB-20931"), json("null")) == false)
        #expect(passes(.regex(nil), text("Booked for 19:30."), json(#""\\b19:30\\b""#)) == true)
        #expect(passes(.regex(nil), text("Booked for 19:45."), json(#""\\b19:30\\b""#)) == false)
        if case .cannotGrade = Grader.regex(nil).grade(text("x"), expected: json("3")) {} else { Issue.record("a number is no pattern") }
        if case .cannotGrade = Grader.regex(nil).grade(text("x"), expected: json(#""(""#)) {} else { Issue.record("( is no pattern") }
        #expect(Grader.regex("(").patternProblem != nil && Grader.regex("a+").patternProblem == nil)
    }

    @Test("grader names: exact, json-subset, contains, regex, regex:PATTERN, and nothing else")
    func specs() {
        for spec in ["exact", "json-subset", "contains", "regex", "regex:^a.*$"] { #expect(Grader(spec: spec)?.spec == spec) }
        #expect(Grader(spec: "regex:a:b") == .regex("a:b"))
        #expect(Grader(spec: "json_subset") == nil && Grader(spec: "judge") == nil)
    }

    @Test("an output: JSON when it all parses, else its text without the final newline; usage taken out")
    func outputs() {
        func read(_ bytes: [UInt8], truncated: Bool = false) -> CommandOutput { CommandOutput(bytes, truncated: truncated, limit: 8) }
        #expect(read(Array("{\"a\": 1}\n".utf8)).value == json(#"{"a": 1}"#))
        #expect(read(Array("hello\r\n".utf8)).value == text("hello"))
        #expect(read(Array("hello\n\n".utf8)).value == text("hello\n"))  // one newline only
        #expect(read(Array("  42 \n".utf8)).value == json("42"))
        #expect(read(Array("{\"a\": 1,}".utf8)).value == text("{\"a\": 1,}"))  // not JSON: text
        let reported = read(Array(#"{"output": "hi", "usage": {"input_tokens": 12, "output_tokens": 3, "cost_usd": 0.001}}"#.utf8))
        #expect(reported.value == text("hi") && reported.problem == nil)
        #expect(reported.usage.map { String(decoding: $0, as: UTF8.self) } == #"{"cost_usd": 0.001, "input_tokens": 12, "output_tokens": 3}"#)
        let usage = UsageTotals(usage: reported.usage!)
        #expect(usage.inputTokens == 12 && usage.outputTokens == 3 && usage.costUSD == 0.001 && usage.hasCost)
        #expect(read(Array(#"{"action": "x", "usage": {"prompt_tokens": 1}}"#.utf8)).value == json(#"{"action": "x"}"#))
        let bad = read([0x61, 0xFF, 0x62])
        #expect(bad.problem == .notUTF8(offset: 1) && bad.value == text("a\u{FFFD}b"))
        #expect(CommandOutput.firstInvalidUTF8([0xED, 0xA0, 0x80]) == 0)  // a surrogate
        #expect(CommandOutput.firstInvalidUTF8([0xC0, 0x80]) == 0)  // overlong
        #expect(CommandOutput.firstInvalidUTF8(Array("é€😀".utf8)) == nil)
        // Cut at the limit, at a character boundary: "abcdefg€" is 10 bytes, the first 8 end inside €.
        let cut = read(Array("abcdefg€".utf8.prefix(8)), truncated: true)
        #expect(cut.problem == .tooLarge(limit: 8) && cut.value == text("abcdefg"))
    }

    @Test("secrets of the environment are redacted; other values are not")
    func redaction() {
        let redactor = SecretRedactor(environment: ["OPENAI_API_KEY": "sk-test-1234567890", "HOME": "/home/ana", "SHORT_TOKEN": "abc"])
        #expect(
            String(decoding: redactor.redacted(Array("key sk-test-1234567890 at /home/ana abc".utf8)), as: UTF8.self)
                == "key [redacted OPENAI_API_KEY] at /home/ana abc")
    }
}
