import Foundation

/// The line each example of an import was met on, by key, to name it when its id comes again (a
/// duplicate): held as runs of consecutive keys on consecutive lines, 16 bytes a run (a file in key
/// order is one run between two removed or added examples). Past `bufferedRuns` runs, they are
/// appended to an anonymous temporary file (`tmpfile`, gone when closed), read back only to name a
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
    private var file: UnsafeMutablePointer<FILE>?

    init(bufferedRuns: Int = defaultBufferedRuns) {
        self.bufferedRuns = max(bufferedRuns, 1)
    }

    deinit {
        if let file { fclose(file) }
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
        guard let file else { return 0 }
        defer { fseek(file, 0, SEEK_END) }
        rewind(file)
        var chunk = [Run](repeating: Run(key: 0, line: 0, count: 0), count: 4096)
        while true {
            let read = chunk.withUnsafeMutableBytes { fread($0.baseAddress, MemoryLayout<Run>.stride, 4096, file) }
            for run in chunk[..<read] { if let line = run.line(of: key) { return line } }
            if read < 4096 {
                guard ferror(file) == 0 else { throw .cannotRead(path: "a temporary file of lines", reason: "read error") }
                return 0
            }
        }
    }

    private func spill() throws(EvalDBError) {
        if file == nil {
            guard let opened = tmpfile() else { throw .cannotWrite(path: "a temporary file of lines", reason: String(cString: strerror(errno))) }
            file = opened
        }
        let written = runs.withUnsafeBytes { fwrite($0.baseAddress, MemoryLayout<Run>.stride, runs.count, file) }
        guard written == runs.count else {
            throw .cannotWrite(path: "a temporary file of lines", reason: String(cString: strerror(errno)))
        }
        runs.removeAll(keepingCapacity: true)
    }
}
