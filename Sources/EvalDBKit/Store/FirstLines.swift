import Foundation

/// The line each example of an import was met on, by key, to name it when its id comes again (a
/// duplicate): held as runs of consecutive keys on consecutive lines, 16 bytes a run (a file in key
/// order is one run between two removed or added examples). Past `bufferedRuns` runs, they are
/// appended to an anonymous temporary file (`ScratchFile`), read back only to name a
/// duplicate's first line. Memory stays flat whatever the number of examples (a table by key took
/// 4 bytes an example: 40 MB at ten million, twice that while it grew).
final class FirstLines {
    static let defaultBufferedRuns = 1 << 16

    private struct Run {
        var key: Int64
        var line: Int32
        var count: Int32

        func line(of key: Int64) -> Int32? {
            key >= self.key && key - self.key < Int64(count) ? line + Int32(key - self.key) : nil
        }
    }

    private let bufferedRuns: Int
    private var runs: [Run] = []
    private let file = ScratchFile(of: "lines")

    init(bufferedRuns: Int = defaultBufferedRuns) {
        self.bufferedRuns = max(bufferedRuns, 1)
    }

    /// Example `key` is on `line` (each key once).
    func note(_ key: Int64, line: Int) throws(EvalDBError) {
        let line = Int32(truncatingIfNeeded: line)
        if let last = runs.last, last.count < Int32.max, key == last.key + Int64(last.count), line == last.line &+ last.count {
            runs[runs.count - 1].count += 1
            return
        }
        if runs.count >= bufferedRuns { try spill() }
        runs.append(Run(key: key, line: line, count: 1))
    }

    /// The line example `key` was noted on; 0 when it was not.
    func line(of key: Int64) throws(EvalDBError) -> Int32 {
        for run in runs { if let line = run.line(of: key) { return line } }
        let chunkSize = 4096 * MemoryLayout<Run>.stride
        var offset = 0
        while offset < file.length {
            let chunk = try file.read(at: offset, count: Swift.min(chunkSize, file.length - offset))
            offset += chunk.count
            let found = chunk.withUnsafeBytes { bytes in
                stride(from: 0, to: bytes.count, by: MemoryLayout<Run>.stride).lazy
                    .compactMap { bytes.loadUnaligned(fromByteOffset: $0, as: Run.self).line(of: key) }.first
            }
            if let found { return found }
        }
        return 0
    }

    private func spill() throws(EvalDBError) {
        try file.append(contentsOf: runs)
        runs.removeAll(keepingCapacity: true)
    }
}
