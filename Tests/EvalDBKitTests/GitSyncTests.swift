import Crypto
import Foundation
import Testing

@testable import EvalDBKit

@Suite("git sync")
struct GitSyncTests {
    @Test(
        "a history git stores partly as deltas is replayed whole: the deltas read ahead, the blobs stored whole when placed",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/git"), "no git"))
    func replaysDeltasAndWholeBlobs() throws {
        let folder = try TemporaryFolder()
        let top = folder.path + "/repo"
        try FileManager.default.createDirectory(atPath: top + "/evals/data", withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"], in: top)
        var generator = SeededGenerator(seed: 7)
        var files: [String] = []
        var blobs: [String] = []
        for version in 0..<6 {
            let changed = Set((0..<20).map { _ in Int(generator.next() % 300) + 1 })
            let text = Sample.file(count: 300 + 10 * version, changing: changed)
            try folder.write("repo/evals/data/golden.jsonl", text)
            try git(["add", "evals/data/golden.jsonl"], in: top)
            try git(["commit", "-q", "-m", "version \(version + 1)"], in: top)
            files.append(text)
            blobs.append(try git(["rev-parse", "HEAD:evals/data/golden.jsonl"], in: top))
            // The first three packed (the older two as deltas of the newest), the others loose.
            if version == 2 { try git(["repack", "-q", "-a", "-d", "-f", "--depth=10"], in: top) }
        }
        let deltas = Git.deltas(among: blobs, top: top)
        #expect(!deltas.isEmpty && deltas.isSubset(of: Set(blobs.prefix(3))), "deltas: \(deltas)")
        #expect(Git.deltas(among: [], top: top).isEmpty)

        let store = try folder.store()
        let synced = try store.syncGit(top + "/evals/data/golden.jsonl")
        #expect(synced.count == 6)
        let versions = try store.versions()
        #expect(versions.map(\.hash) == files.map { "sha256:" + SHA256.hash(data: Data($0.utf8)).hexString })
    }
}
