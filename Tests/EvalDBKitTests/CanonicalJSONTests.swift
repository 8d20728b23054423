import Foundation
import Testing

@testable import EvalDBKit

@Suite("Canonical JSON")
struct CanonicalJSONTests {
    @Test("matches Python's json.dumps(sort_keys=True) on every committed fixture case")
    func matchesPythonFixtures() throws {
        let cases = try Fixtures.jsonLines("canonical_cases.jsonl").filter { $0["canonical"] != nil }
        #expect(cases.count > 400)
        expectCanonicalForms(cases, "fixture")
    }

    @Test("knows a text is canonical as written exactly when Python would print it the same")
    func canonicalAsWritten() throws {
        let cases = try Fixtures.jsonLines("canonical_cases.jsonl").filter { $0["canonical"] != nil }
        var canonicalInputs = 0
        for entry in cases {
            let input = entry["input"] as! String
            let expected = entry["canonical"] as! String
            let tape = try JSONParser.parse(input)
            let same = Array(input.utf8) == Array(expected.utf8)  // not String ==, which folds canonical equivalents
            #expect(tape.isCanonical == same, "input: \(input)")
            if same { canonicalInputs += 1 }
        }
        #expect(canonicalInputs > 20)
    }

    @Test("rejects every committed case the spec rejects")
    func rejectsFixtureCases() throws {
        let cases = try Fixtures.jsonLines("canonical_cases.jsonl").filter { $0["rejected"] != nil }
        #expect(cases.count > 30)
        for entry in cases {
            let input = entry["input"] as! String
            #expect(throws: JSONSyntaxError.self, "\(entry["rejected"]!): \(input)") {
                try CanonicalJSON.canonicalize(input)
            }
        }
    }

    @Test(
        "matches a live python3 on freshly generated random records",
        .enabled(if: Python.path != nil, "python3 is not installed"))
    func matchesLivePython() throws {
        let seed = UInt32.random(in: 1...UInt32.max)
        let output = try Python.run([Fixtures.url("make_fixtures.py").path, "--random", String(seed), "300"])
        let cases = try Fixtures.linesAsObjects(output)
        #expect(cases.count == 300)
        expectCanonicalForms(cases, "seed \(seed)")
    }

    /// Each `{"input", "canonical"}` case canonicalises to Python's text.
    private func expectCanonicalForms(_ cases: [[String: Any]], _ origin: String) {
        for entry in cases {
            let input = entry["input"] as! String
            let expected = entry["canonical"] as! String
            #expect((try? CanonicalJSON.canonicalize(input)) == expected, "\(origin), input: \(input)")
        }
    }

    @Test("keeps integers of any size as written and -0 as 0")
    func integersAsWritten() throws {
        #expect(try CanonicalJSON.canonicalize("[123456789012345678901234567890,-0]") == "[123456789012345678901234567890, 0]")
        #expect(try CanonicalJSON.canonicalize("-98765432109876543210987654321") == "-98765432109876543210987654321")
    }

    @Test("writes floats as Python's repr")
    func floatsAsPythonRepr() throws {
        let cases = [
            "1e16": "1e+16", "1e-5": "1e-05", "100000.0": "100000.0", "-0.0": "-0.0", "1e-400": "0.0",
            "0.1": "0.1", "1E2": "100.0", "123456789012345678.0": "1.2345678901234568e+17", "5e-324": "5e-324",
        ]
        for (input, expected) in cases {
            #expect(try CanonicalJSON.canonicalize(input) == expected, "\(input)")
        }
    }

    @Test("takes a short plain decimal as written only when Python's repr would print it the same")
    func shortDecimalsAsWritten() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let integer = ["0", "-0", String(Int.random(in: 1...999_999, using: &generator)), String(Int.random(in: 1...99, using: &generator))]
                .randomElement(using: &generator)!
            let zeros = String(repeating: "0", count: Int.random(in: 0...5, using: &generator))
            let digits = String(UInt64.random(in: 0...999_999_999_999, using: &generator))
            let text = integer + "." + zeros + String(digits.prefix(Int.random(in: 1...digits.count, using: &generator)))
            let slow = PythonFloat.repr(Double(text)!)
            let fast = Array(text.utf8).withUnsafeBufferPointer { PythonFloat.isReprAsWritten($0) }
            if fast { #expect(slow == text, "\(text) taken as written, but repr gives \(slow)") }
            #expect(try CanonicalJSON.canonicalize(text) == slow, "\(text)")
        }
    }

    @Test("sorts keys by code point, not by Swift's String ordering")
    func codePointKeyOrder() throws {
        // Precomposed é (U+00E9) and decomposed e + U+0301 are different keys; U+FFFF sorts before
        // an astral character by code point, though after it in UTF-16.
        let text = #"{"\u00e9": 1, "e\u0301": 2, "\ud83d\ude00": 3, "\uffff": 4, "z": 5}"#
        #expect(try CanonicalJSON.canonicalize(text) == #"{"e\u0301": 2, "z": 5, "\u00e9": 1, "\uffff": 4, "\ud83d\ude00": 3}"#)
    }

    @Test("escapes everything outside printable ASCII, with short escapes where Python uses them")
    func escapes() throws {
        #expect(
            try CanonicalJSON.canonicalize(#""a/b\/c"# + "\u{7f}" + #"\u0001\t\n\r\b\f\\\"é😀""#)
                == #""a/b/c\u007f\u0001\t\n\r\b\f\\\"\u00e9\ud83d\ude00""#)
    }

    @Test("rejects a duplicate key at its position")
    func duplicateKeyPosition() throws {
        #expect(throws: JSONSyntaxError.self) { try CanonicalJSON.canonicalize(#"{"a": 1, "a": 2}"#) }
        do {
            _ = try JSONParser.parse(#"{"a": 1, "a": 2}"#)
        } catch {
            #expect(error.offset == 9)
            #expect(error.message.contains("duplicate key"))
        }
    }

    @Test("rejects invalid UTF-8 at the offending byte")
    func invalidUTF8Position() throws {
        let bytes: [UInt8] = Array(#"["ab"#.utf8) + [0xC3, 0x28] + Array(#""]"#.utf8)
        do {
            _ = try JSONParser.parse(bytes: bytes)
            Issue.record("invalid UTF-8 was accepted")
        } catch {
            #expect(error.offset == 4)
        }
    }

    @Test("rejects nesting deeper than Python can read instead of overflowing the stack")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try CanonicalJSON.canonicalize(deep) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(try CanonicalJSON.canonicalize(fine) == fine)
    }
}

/// The python3 on the PATH, when there is one.
enum Python {
    static let path: String? = {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(folder)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// Runs python3 with `arguments` (and `input` on its standard input) and returns its standard output.
    static func run(_ arguments: [String], input: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "python3 \(arguments) failed"])
        }
        return output
    }
}
