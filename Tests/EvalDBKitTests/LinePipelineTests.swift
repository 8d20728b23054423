import Foundation
import Testing

@testable import EvalDBKit

/// `LinePipeline`, the one threaded line reader under datasets, results, proposals and traces,
/// against the simplest model of a file: its lines, split at "\n", in order.
@Suite("the line pipeline: every line once, in file order, on worker threads")
struct LinePipelineTests {
    /// Lines of random lengths, some longer than a batch, each starting with its index.
    static func randomLines(count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let length = Int.random(in: 0..<400, using: &generator) == 0 ? LinePipeline.batchBytes + 17 : Int.random(in: 0..<300, using: &generator)
            return "\(index):" + String(repeating: "é", count: length / 2)
        }
    }

    /// How the reading thread gets a file's lines.
    enum Source: String, CaseIterable, CustomStringConvertible {
        /// Read into buffers and copied into each batch (stdin, or the raw bytes hashed).
        case copied
        /// Left in the file, mapped into memory 4 MiB at a time.
        case mapped
        /// Mapped 4 KiB at a time: lines across region boundaries, some longer than a region.
        case mappedInSmallRegions

        var description: String { rawValue }

        func reader(_ path: String) throws -> LineReader {
            let reader = try LineReader(path: path, hashingRawBytes: self == .copied)
            if self == .mappedInSmallRegions { reader.mappedRegionSize = 4096 }
            #expect(reader.isMappable == (self != .copied))
            return reader
        }
    }

    @Test("the outputs give back every line once, in file order, with its number, whatever the batches", arguments: Source.allCases)
    func everyLineInOrder(source: Source) throws {
        let folder = try TemporaryFolder()
        let lines = Self.randomLines(count: 20_000, seed: 7)
        let path = try folder.write("lines.txt", lines.joined(separator: "\n") + "\n")
        var seen: [(Int, String)] = []
        var batches = 0
        try LinePipeline(try source.reader(path)).run(
            makeWorker: {
                { batch in
                    batch.withBytes { bytes in
                        batch.lines.map { ($0.number, String(decoding: UnsafeBufferPointer(rebasing: bytes[$0.range]), as: UTF8.self)) }
                    }
                }
            },
            receive: { output in
                batches += 1
                seen += output
                return true
            })
        #expect(seen.map(\.0) == Array(1...lines.count))
        #expect(seen.map(\.1) == lines)
        #expect(batches > 10, "a file of \(lines.count) lines comes in many batches")
    }

    @Test("the receiver stops the pipeline early; a worker's error reaches the caller, with nothing from after its line")
    func stopAndFail() throws {
        let folder = try TemporaryFolder()
        let lines = Self.randomLines(count: 20_000, seed: 11)
        let path = try folder.write("lines.txt", lines.joined(separator: "\n") + "\n")
        var received = 0
        try LinePipeline(try LineReader(path: path)).run(
            makeWorker: { { batch in batch.lines.count } },
            receive: { _ in
                received += 1
                return received < 3
            })
        #expect(received == 3)

        struct Planted: Error { let line: Int }
        var linesBefore = 0
        #expect(throws: Planted.self) {
            try LinePipeline(try LineReader(path: path)).run(
                makeWorker: {
                    { batch in
                        if let line = batch.lines.first(where: { $0.number == 12_345 }) { throw Planted(line: line.number) }
                        return batch.lines.count
                    }
                },
                receive: { count in
                    linesBefore += count
                    return true
                })
        }
        #expect(linesBefore < 12_345)
    }
}
