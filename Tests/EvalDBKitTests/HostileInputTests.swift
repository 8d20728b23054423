import Foundation
import Testing

@testable import EvalDBKit

/// The hostile-input corpus (Fixtures/bad, made by make_bad.py with each fault's position): every
/// file is refused by `validate` and `import` at the expected line and column, and the database
/// file is byte-identical afterwards.
@Suite("Hostile input")
struct HostileInputTests {
    struct Expected: Decodable {
        var line: Int
        var column: Int
        var message: String
    }

    static let expected: [String: Expected] = {
        let data = (try? Data(contentsOf: Fixtures.url("bad/expected.json"))) ?? Data()
        return (try? JSONDecoder().decode([String: Expected].self, from: data)) ?? [:]
    }()

    static func datasetCases() -> [String] {
        expected.keys.filter { !$0.hasPrefix("results_") }.sorted()
    }

    static func expectFirstError(_ errors: [DataError], _ expected: Expected, _ name: String) {
        let first = errors.first { !$0.isWarning }
        #expect(first?.line == expected.line, "\(name): \(String(describing: first))")
        #expect(first?.column == expected.column, "\(name): \(String(describing: first))")
        #expect(first?.message.contains(expected.message) == true, "\(name): \(String(describing: first))")
    }

    @Test("validate names each fault's line and column", arguments: datasetCases())
    func validateRefuses(_ name: String) throws {
        let check = try DatasetFileCheck.check(path: Fixtures.url("bad/\(name)").path)
        #expect(!check.isValid, "\(name)")
        Self.expectFirstError(check.errors, Self.expected[name]!, name)
    }

    @Test("import refuses each file at its fault and leaves the database file byte-identical", arguments: datasetCases())
    func importRefuses(_ name: String) throws {
        let folder = try TemporaryFolder()
        let path = folder.file("evaldb.sqlite")
        do { _ = try Store(path: path).importFile(try folder.write("v1.jsonl", Sample.file(count: 3)), options: by()) }
        let before = try fileDigest(path)
        do {
            let store = try Store(path: path)
            let errors = try #require(dataErrors { _ = try store.importFile(Fixtures.url("bad/\(name)").path, options: by()) })
            Self.expectFirstError(errors, Self.expected[name]!, name)
        }
        #expect(try fileDigest(path) == before, "\(name)")
    }

    @Test("run record refuses results naming ids the dataset version does not have")
    func resultsOfAnotherDataset() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let version = try store.importFile(try folder.write("v1.jsonl", Sample.line("ex-1") + "\n"), options: by()).version
        let name = "results_other_dataset.jsonl"
        let errors = try #require(
            dataErrors {
                _ = try store.recordRun(Fixtures.url("bad/\(name)").path, against: version, options: RunOptions(name: "r"))
            })
        Self.expectFirstError(errors, Self.expected[name]!, name)
        #expect(try store.runs().isEmpty)
    }

    @Test("a 10 MB line that never closes its string is refused at its end, in bounded memory")
    func hugeLine() throws {
        let folder = try TemporaryFolder()
        let line = #"{"id": "x", "input": ""# + String(repeating: "x", count: 10 << 20)
        let path = try folder.write("huge.jsonl", Sample.line("ok") + "\n" + line + "\n")
        let errors = try DatasetFileCheck.check(path: path).errors
        #expect(errors.count == 1)
        #expect(errors.first?.line == 2)
        #expect(errors.first?.column == line.count + 1)
        #expect(errors.first?.message.contains("unterminated") == true)
    }
}
