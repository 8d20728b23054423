import Foundation
import Testing

@testable import EvalDBKit

/// Nicolas Seriot's JSONTestSuite (Fixtures/JSONTestSuite, MIT licence): y_ cases accepted, n_
/// cases rejected, i_ and transform cases as the spec decides, with Python as the oracle for the
/// canonical text (Fixtures/jsontestsuite_expected.jsonl, made by make_fixtures.py).
@Suite("JSONTestSuite conformance")
struct JSONTestSuiteTests {
    static let expectations: [(file: String, canonical: String?)] = {
        (try? Fixtures.jsonLines("jsontestsuite_expected.jsonl"))?.map {
            ($0["file"] as! String, $0["canonical"] as? String)
        } ?? []
    }()

    /// Cases the suite accepts and the spec rejects (a duplicate key in one object).
    static let specExceptions: Set<String> = ["y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json"]

    /// The parser's verdict on one case, read as bytes. A UTF-8 byte order mark at the start is
    /// accepted, as at the start of a dataset file.
    static func canonical(of file: String) throws -> String? {
        var bytes = Array(try Data(contentsOf: Fixtures.url("JSONTestSuite/\(file)")))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let output = try? CanonicalJSON.canonicalize(bytes: bytes) else { return nil }
        return String(decoding: output, as: UTF8.self)
    }

    @Test("every case of the suite is accepted or rejected as the spec says, with Python's canonical text")
    func everyCase() throws {
        #expect(Self.expectations.count >= 318)
        for (file, expected) in Self.expectations {
            let actual = try Self.canonical(of: file)
            if let expected {
                #expect(actual == expected, "\(file) should be accepted as \(expected.prefix(80))")
            } else {
                #expect(actual == nil, "\(file) should be rejected")
            }
        }
    }

    @Test("y_ cases are all accepted but for duplicate keys, n_ cases all rejected")
    func suiteVerdicts() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("JSONTestSuite/test_parsing").path)
        #expect(files.count >= 300)
        for name in files where name.hasPrefix("y_") || name.hasPrefix("n_") {
            let accepted = try Self.canonical(of: "test_parsing/\(name)") != nil
            let shouldAccept = name.hasPrefix("y_") && !Self.specExceptions.contains(name)
            #expect(accepted == shouldAccept, "\(name)")
        }
    }
}
