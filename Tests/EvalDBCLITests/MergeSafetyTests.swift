import Foundation
import Testing

@testable import evaldb

/// Merges never lose work silently: a file left with git's conflict markers is refused by every
/// reader.
@Suite("merges never lose work silently")
struct MergeSafetyTests {
    let folder: String
    static let dataset = TeamTests.dataset

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-merges-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    // MARK: - Conflict markers

    @Test("git's conflict markers are told from bad JSON: each marker line is an unresolved merge, at its line")
    func markerLinesToldFromBadJSON() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let markers = ["<<<<<<< HEAD", "||||||| base", "=======", "======= ", ">>>>>>> feature/x", "<<<<<<<"]
        let notMarkers = ["========", "<<<<<<<< HEAD", "=======x"]
        let text = record("a") + (markers + notMarkers).map { $0 + "\n" }.joined() + record("b")
        try cli.write("marked.jsonl", text)
        for command in [["validate", "marked.jsonl"], ["import", "marked.jsonl"], ["hash", "marked.jsonl"]] {
            let result = try cli.run(command)
            #expect(result.status == 1, "\(command): \(result.stderr)")
            let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("marked.jsonl:") }
            for line in 2...7 {
                #expect(
                    errors.contains { $0.hasPrefix("marked.jsonl:\(line):1: error: unresolved merge in marked.jsonl:\(line) ") },
                    "\(command): \(result.stderr)")
            }
            for line in 8...10 {
                #expect(errors.contains { $0.hasPrefix("marked.jsonl:\(line):") && !$0.contains("unresolved merge") }, "\(command): \(result.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: cli.database), "nothing written")
    }
}
