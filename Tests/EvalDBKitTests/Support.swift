import Crypto
import Foundation
import Testing

@testable import EvalDBKit

/// The committed fixtures beside this file.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// Each line of a JSONL fixture as a dictionary, decoded by Foundation (not by evaldb's parser,
    /// which the fixtures check).
    static func jsonLines(_ name: String) throws -> [[String: Any]] {
        try linesAsObjects(try Data(contentsOf: url(name)))
    }

    static func linesAsObjects(_ data: Data) throws -> [[String: Any]] {
        try data.split(separator: UInt8(ascii: "\n")).map {
            try JSONSerialization.jsonObject(with: Data($0)) as! [String: Any]
        }
    }
}

/// A folder under the system's temporary folder, removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file(name)))) }

    /// A new store in this folder.
    func store(_ name: String = "evaldb.sqlite") throws -> Store { try Store(path: file(name)) }
}

/// Example records in canonical form, written by hand (keys in code point order, ASCII only) so
/// that store tests do not lean on the serializer they would be checking.
enum Sample {
    static func line(
        _ id: String, question: String? = nil, feature: String = "booking-lookup",
        tags: [String] = ["t1"], notes: String? = nil
    ) -> String {
        let question = question ?? "question for \(id)"
        let tagList = tags.map { "\"\($0)\"" }.joined(separator: ", ")
        let notesValue = notes.map { "\"\($0)\"" } ?? "null"
        return
            #"{"author": "@ana", "context": null, "created_at": "2026-04-16", "expected_output": {"action": "answer"}, "id": "\#(id)", "input": "\#(question)", "labels": {"feature": "\#(feature)", "persona": "admin", "tags": [\#(tagList)]}, "notes": \#(notesValue), "source": "synth"}"#
    }

    /// A canonical file of `count` records with ids `ex-0001`, ...
    static func file(count: Int, changing changed: Set<Int> = []) -> String {
        (1...count).map { n in
            line(String(format: "ex-%04d", n), question: changed.contains(n) ? "edited question \(n)" : nil) + "\n"
        }.joined()
    }
}

func sha256Bytes(_ text: String) -> [UInt8] {
    Array(SHA256.hash(data: Array(text.utf8)))
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// Options for a test import.
func by(_ author: String = "tester", message: String? = nil) -> ImportOptions {
    ImportOptions(author: author, message: message)
}

/// The canonical JSONL of a version, as bytes.
func exportBytes(_ store: Store, _ version: DatasetVersion) throws -> [UInt8] {
    var bytes: [UInt8] = []
    try store.export(version) { bytes.append(contentsOf: $0) }
    return bytes
}

/// The data errors a throwing call reports, or nil when it throws something else or nothing.
func dataErrors(_ body: () throws -> Void) -> [DataError]? {
    do {
        try body()
        return nil
    } catch EvalDBError.invalidData(let errors, _) {
        return errors
    } catch {
        return nil
    }
}

/// The SHA-256 of a file's bytes, to show a database file was not touched.
func fileDigest(_ path: String) throws -> String {
    sha256Hex(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
}

/// Runs git in `folder` with an author set; its standard output, trimmed (a failure is an issue of
/// the test).
@discardableResult
func git(_ arguments: [String], in folder: String) throws -> String {
    let result = try Subprocess.run(["git", "-C", folder, "-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments)
    #expect(result.status == 0, "git \(arguments): \(String(decoding: result.error, as: UTF8.self))")
    return String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
