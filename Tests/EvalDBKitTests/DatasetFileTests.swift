import Foundation
import Testing

@testable import EvalDBKit

@Suite("Validating a dataset file")
struct DatasetFileTests {
    @Test("a canonical file is valid and its hash is the SHA-256 of its bytes")
    func canonicalFileHash() throws {
        let folder = try TemporaryFolder()
        let text = Sample.file(count: 20)
        let path = try folder.write("golden.jsonl", text)
        let check = try DatasetFileCheck.check(path: path)
        #expect(check.isValid)
        #expect(check.recordCount == 20)
        #expect(check.hash == "sha256:" + sha256Hex(Array(text.utf8)))
        #expect(check.firstNonCanonicalLine == nil)
    }

    @Test("BOM, CRLF, blank lines, compact separators, unsorted keys, raw UTF-8 and a missing final newline hash as the canonical file")
    func normalisedInputsHashAsCanonical() throws {
        let folder = try TemporaryFolder()
        let canonical = Sample.line("a-1", question: "caf\\u00e9 \\ud83d\\ude00") + "\n" + Sample.line("a-2") + "\n"
        let messy =
            "\u{FEFF}"
            + #"{"source":"synth","notes":null,"labels":{"tags":["t1"],"persona":"admin","feature":"booking-lookup"},"input":"café 😀","id":"a-1","expected_output":{"action":"answer"},"created_at":"2026-04-16","context":null,"author":"@ana"}"#
            + "\r\n  \r\n\n" + Sample.line("a-2")
        let check = try DatasetFileCheck.check(path: try folder.write("messy.jsonl", messy))
        #expect(check.isValid, "\(check.problems)")
        #expect(check.hash == "sha256:" + sha256Hex(Array(canonical.utf8)))
        #expect(check.firstNonCanonicalLine == 1)
    }

    @Test("a JSON syntax error names its line and column")
    func syntaxErrorPosition() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("bad.jsonl", Sample.line("a-1") + "\n" + #"{"id": "a-2", "input": tru}"# + "\n")
        let errors = try DatasetFileCheck.check(path: path).errors
        #expect(errors.count == 1)
        #expect(errors.first?.file == path)
        #expect(errors.first?.line == 2)
        #expect(errors.first?.column == 24)
    }

    @Test("every bad line is reported, not just the first, up to the error limit")
    func allErrorsUpToLimit() throws {
        let folder = try TemporaryFolder()
        var lines = (1...6).map { Sample.line("ok-\($0)") }
        lines[1] = "{"
        lines[3] = #"{"id": "x"}"#
        lines[5] = "[1, 2,]"
        let path = try folder.write("bad.jsonl", lines.joined(separator: "\n") + "\n")
        let all = try DatasetFileCheck.check(path: path)
        #expect(all.errors.map(\.line) == [2, 4, 6])
        #expect(!all.truncated)
        let limited = try DatasetFileCheck.check(path: path, options: .init(maxErrors: 2))
        #expect(limited.errors.map(\.line) == [2, 4])
        #expect(limited.truncated)
    }

    @Test("a file of many chunks is checked in parallel and its problems still come in file order")
    func manyChunksInOrder() throws {
        let folder = try TemporaryFolder()
        let question = String(repeating: "long question ", count: 20)
        var lines = (1...3000).map { Sample.line(String(format: "ex-%05d", $0), question: question) }
        for bad in [5, 1500, 2999] { lines[bad - 1] = "{\"id\": \"x\"," }
        lines[2200 - 1] = lines[10 - 1]  // a duplicate id far from the first
        let text = lines.joined(separator: "\n") + "\n"
        #expect(text.utf8.count > 1 << 20)  // several chunks of lines
        let path = try folder.write("big.jsonl", text)
        let all = try DatasetFileCheck.check(path: path)
        #expect(all.errors.map(\.line) == [5, 1500, 2200, 2999])
        #expect(all.recordCount == 2997)
        let limited = try DatasetFileCheck.check(path: path, options: .init(maxErrors: 2))
        #expect(limited.errors.map(\.line) == [5, 1500])
        #expect(limited.truncated)
        // Without the bad lines, the hash is that of the file.
        let good = lines.enumerated().filter { ![4, 1499, 2199, 2998].contains($0.offset) }.map { $0.element + "\n" }.joined()
        let check = try DatasetFileCheck.check(path: try folder.write("good.jsonl", good))
        #expect(check.isValid)
        #expect(check.hash == "sha256:" + sha256Hex(Array(good.utf8)))
    }

    @Test("a record missing a required field, or with a field of the wrong type, is an error naming the field")
    func schemaErrors() throws {
        let folder = try TemporaryFolder()
        let missing = Sample.line("a-1").replacingOccurrences(of: #""source": "synth""#, with: #""sauce": "synth""#)
        let nullInput = Sample.line("a-2").replacingOccurrences(of: #""input": "question for a-2""#, with: #""input": null"#)
        let badId = Sample.line(" a-3")
        let badLabel = Sample.line("a-4").replacingOccurrences(of: #""persona": "admin""#, with: #""persona": {"x": 1}"#)
        let badDate = Sample.line("a-5").replacingOccurrences(of: "2026-04-16", with: "last tuesday")
        let path = try folder.write("bad.jsonl", [missing, nullInput, badId, badLabel, badDate].joined(separator: "\n") + "\n")
        let errors = try DatasetFileCheck.check(path: path).errors
        #expect(errors.map(\.line) == [1, 2, 3, 4, 5])
        #expect(errors[0].message.contains("source"))
        #expect(errors[1].message.contains("input"))
        #expect(errors[2].message.contains("white space"))
        #expect(errors[3].message.contains("persona"))
        #expect(errors[4].message.contains("created_at"))
    }

    @Test("an unknown top-level field is kept with a warning, and is an error with strict")
    func unknownFieldWarning() throws {
        let folder = try TemporaryFolder()
        let line = Sample.line("a-1").replacingOccurrences(of: #""source": "synth"}"#, with: #""source": "synth", "zeta": 1}"#)
        let path = try folder.write("extra.jsonl", line + "\n")
        let lenient = try DatasetFileCheck.check(path: path)
        #expect(lenient.isValid)
        #expect(lenient.problems.count == 1 && lenient.problems[0].isWarning && lenient.problems[0].message.contains("zeta"))
        #expect(lenient.hash == "sha256:" + sha256Hex(Array((line + "\n").utf8)))
        let strict = try DatasetFileCheck.check(path: path, options: .init(strict: true))
        #expect(!strict.isValid)
    }

    @Test("a duplicate id is an error naming the line it first appeared on")
    func duplicateId() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(
            "dup.jsonl",
            [Sample.line("a-1"), Sample.line("a-2"), Sample.line("a-1", question: "other")]
                .joined(separator: "\n") + "\n")
        let errors = try DatasetFileCheck.check(path: path).errors
        #expect(errors.count == 1)
        #expect(errors.first?.line == 3)
        #expect(errors.first?.message.contains("line 1") == true)
    }

    @Test("ids kept on disk find the same duplicates, at the same lines, within the same error limit")
    func duplicatesSpilledToDisk() throws {
        let folder = try TemporaryFolder()
        var lines = (1...3000).map { Sample.line(String(format: "ex-%05d", $0)) }
        for bad in [5, 1500] { lines[bad - 1] = "{\"id\": \"x\"," }
        lines[2200 - 1] = lines[10 - 1]
        lines[2500 - 1] = lines[10 - 1]  // a third time: still the first line's
        lines[2700 - 1] = lines[300 - 1]
        let path = try folder.write("dups.jsonl", lines.joined(separator: "\n") + "\n")
        let good = try folder.write("good.jsonl", (1...3000).map { Sample.line("ok-\($0)") + "\n" }.joined())
        // 20 bytes: every id goes to its bucket's temporary file; 100: some do; 64 KiB: none.
        for buffer in [20, 100, 64 << 10] {
            let all = try DatasetFileCheck.check(path: path, options: .init(), spillBuffer: buffer)
            #expect(all.errors.map(\.line) == [5, 1500, 2200, 2500, 2700])
            #expect(
                all.errors.filter { $0.message.hasPrefix("duplicate id") }.map(\.message) == [
                    #"duplicate id "ex-00010" (first on line 10): ids must be unique in a file"#,
                    #"duplicate id "ex-00010" (first on line 10): ids must be unique in a file"#,
                    #"duplicate id "ex-00300" (first on line 300): ids must be unique in a file"#,
                ])
            #expect(all.recordCount == 2998)
            #expect(!all.truncated)
            let limited = try DatasetFileCheck.check(path: path, options: .init(maxErrors: 3), spillBuffer: buffer)
            #expect(limited.errors.map(\.line) == [5, 1500, 2200])
            #expect(limited.truncated)
            let reference = try DatasetFileCheck.check(path: path, options: .init(maxErrors: 3))
            #expect(limited.recordCount == reference.recordCount)
            let valid = try DatasetFileCheck.check(path: good, options: .init(), spillBuffer: buffer)
            #expect(valid.isValid)
            #expect(valid.hash == "sha256:" + sha256Hex(Array(try String(contentsOfFile: good, encoding: .utf8).utf8)))
        }
    }

    @Test("ids differing only by Unicode normalisation are two ids, with a warning")
    func normalisationWarning() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("cafe.jsonl", Sample.line("caf\\u00e9") + "\n" + Sample.line("cafe\\u0301") + "\n")
        let check = try DatasetFileCheck.check(path: path)
        #expect(check.isValid)
        #expect(check.recordCount == 2)
        #expect(check.problems.contains { $0.isWarning && $0.line == 2 && $0.message.contains("normalisation") })
    }

    @Test("invalid UTF-8 is an error at its line and column")
    func invalidUTF8() throws {
        let folder = try TemporaryFolder()
        let bytes = Array((Sample.line("a-1") + "\n").utf8) + Array(#"{"id": "a"#.utf8) + [0xFF] + Array("\"}\n".utf8)
        let errors = try DatasetFileCheck.check(path: try folder.write("bad.jsonl", bytes: bytes)).errors
        #expect(errors.count == 1)
        #expect(errors.first?.line == 2)
        #expect(errors.first?.column == 10)
    }
}
