import Testing

@testable import EvalDBKit

@Suite("One presentation model: what a value is to a reader, for the terminal and the pages alike")
struct DisplayValueTests {
    @Test("a conversation is a non-empty list of objects each with a string role and a content; anything else is not")
    func conversations() throws {
        let turns = try #require(
            DisplayValue(json: #"[{"content": "hi", "role": "user"}, {"content": {"a": 1}, "name": "lookup", "role": "tool"}]"#)?.turns)
        #expect(turns.map(\.role) == ["user", "tool"])
        #expect(turns[1].content.canonical == #"{"a": 1}"# && turns[1].extra.map(\.key) == ["name"])
        for json in [
            "[]", #"[{"content": "hi", "role": "user"}, "text"]"#, #"[{"content": "hi", "role": 1}]"#, #"[{"role": "user"}]"#,
            #"{"content": "hi", "role": "user"}"#, #""user""#,
        ] {
            #expect(DisplayValue(json: json)?.turns == nil, "\(json)")
        }
    }

    @Test("a label's words: a string, or a list of strings (an empty one too); nil for anything else")
    func strings() {
        #expect(DisplayValue(json: #""refund""#)?.strings == ["refund"])
        #expect(DisplayValue(json: #"["a", "b\u00e9"]"#)?.strings == ["a", "bé"])
        #expect(DisplayValue(json: "[]")?.strings == [])
        for json in ["3", "null", #"["a", 1]"#, #"{"a": "b"}"#] { #expect(DisplayValue(json: json)?.strings == nil, "\(json)") }
        #expect(DisplayValue(json: "{not json") == nil)
    }

    @Test("its canonical text is canonical JSON's: keys in code point order, non-ASCII escaped, numbers as Python writes them")
    func canonicalText() throws {
        for json in [
            #"{"b": [1, 2.50, 1e3, -0.0], "a": {"é": "ü\n", "Z": null}, "c": true}"#, #""\ud83c\udf89""#, "[]", "{}", "1E400",
            #"[{"role": "user", "content": "x"}]"#,
        ] {
            guard let expected = try? CanonicalJSON.canonicalize(json) else { continue }
            #expect(try #require(DisplayValue(json: json)).canonical == expected, "\(json)")
        }
    }
}
