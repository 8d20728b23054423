import Foundation
import Testing

@testable import EvalDBKit

/// Finding the work tree and standardizing paths: what every command does at start, on the path's
/// text (Foundation's URLs, the oracle here, cost a command a fraction of a millisecond).
@Suite("Repository")
struct RepositoryTests {
    @Test("a standardized path is what URL's standardizedFileURL gives, for seeded random paths")
    func standardizedMatchesURL() {
        var generator = SeededGenerator(seed: 26)
        let parts = ["a", "b", "c d", "é", ".", "..", "", ".git", "x.y"]
        for _ in 0..<2_000 {
            let count = Int.random(in: 1...7, using: &generator)
            let components = (0..<count).map { _ in parts.randomElement(using: &generator)! }
            // Absolute paths that do not climb above the root (URL keeps a leading `..` there).
            var path = "/base/deeper/" + components.joined(separator: "/")
            if Bool.random(using: &generator) { path += "/" }
            let oracle = URL(fileURLWithPath: path).standardizedFileURL.path
            #expect(Repository.standardized(path) == oracle, "\(path)")
        }
        // A relative path is taken from the folder given (the current one by default).
        #expect(Repository.standardized("../c d/./e", from: "/base/deeper") == "/base/c d/e")
        #expect(Repository.standardized("a//b/", from: "/base") == "/base/a/b")
        #expect(Repository.standardized(".", from: "/base/") == "/base")
        #expect(Repository.standardized("/") == "/")
        #expect(Repository.standardized("/a/../..") == "/")
    }

    @Test("the work tree is found from any folder inside it, by its .git, and not outside")
    func enclosingFindsTheTop() throws {
        let top = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: top) }
        let deep = top + "/evals/data/v0"
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        #expect(Repository.enclosing(deep) == nil)
        try FileManager.default.createDirectory(atPath: top + "/.git", withIntermediateDirectories: true)
        #expect(Repository.enclosing(deep)?.top == Repository.standardized(top))
        #expect(Repository.enclosing(deep + "/../..")?.top == Repository.standardized(top))
        #expect(Repository.enclosing(top)?.top == Repository.standardized(top))
        // A worktree's or a submodule's `.git` is a file.
        let nested = deep + "/nested"
        try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: nested + "/.git", contents: Data("gitdir: elsewhere\n".utf8)))
        #expect(Repository.enclosing(nested)?.top == Repository.standardized(nested))
        #expect(Store.defaultPath(environment: [:], currentDirectory: deep) == Repository.standardized(top) + "/.evaldb/evaldb.sqlite")
    }

    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "evaldb-repository-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
