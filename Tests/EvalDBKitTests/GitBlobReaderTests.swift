import Crypto
import Foundation
import Testing

@testable import EvalDBKit

@Suite("git blob reader")
struct GitBlobReaderTests {
    /// The peak resident memory of a live process, in bytes (`VmHWM`); nil where /proc has none.
    private func peakMemory(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }

    @Test(
        "a blob larger than git's pack windows is read whole and byte for byte, git's memory not growing with it",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/git"), "no git"))
    func largePackedBlobStaysOutOfGitsMemory() throws {
        let folder = try TemporaryFolder()
        try git(["init", "-q", "-b", "main"], in: folder.path)
        // 96 MiB that do not compress, stored in a pack as one object (past bigFileThreshold, `git
        // add` streams a blob into a pack of its own): what a large dataset's commit is.
        var generator = SeededGenerator(seed: 26)
        var bytes = [UInt8](repeating: 0, count: 96 << 20)
        bytes.withUnsafeMutableBytes { buffer in
            let words = buffer.bindMemory(to: UInt64.self)
            for index in words.indices { words[index] = generator.next() }
        }
        try folder.write("big.bin", bytes: bytes)
        try git(["-c", "core.bigFileThreshold=1m", "add", "big.bin"], in: folder.path)
        try git(["commit", "-q", "-m", "big"], in: folder.path)
        #expect(try git(["count-objects", "-v"], in: folder.path).contains("in-pack: 1"))
        let blob = try git(["rev-parse", "HEAD:big.bin"], in: folder.path)

        let reader = try GitBlobReader(top: folder.path)
        let copy = folder.file("copy.bin")
        let digest = try reader.write(blob: blob, to: copy)
        #expect(digest == SHA256.hash(data: bytes).hexString)
        #expect(try folder.read("copy.bin") == bytes)
        if let peak = peakMemory(of: reader.processID) {
            // With git's defaults the whole pack stays mapped as it is read: 96 MiB and more.
            #expect(peak < 64 << 20, "git cat-file peaked at \(peak >> 20) MiB")
        }
    }
}
