import Foundation
import Testing

@testable import EvalDBKit

@Suite("The lines an import met its examples on (FirstLines)")
struct FirstLinesTests {
    @Test("each key's line reads back, from memory or from the runs on disk, whatever the order the keys came in")
    func linesReadBack() throws {
        var generator = SystemRandomNumberGenerator()
        for bufferedRuns in [1, 3, 1 << 16] {
            let lines = FirstLines(bufferedRuns: bufferedRuns)
            var model: [Int64: Int32] = [:]
            // Runs of keys in order, gaps (removed examples), new keys far ahead, keys going back.
            var keys = Array(Int64(1)...300).filter { $0 % 17 != 0 } + Array(Int64(10_000)...10_040) + Array(Int64(301)...400)
            var taken = Set(keys)
            for _ in 0..<50 {
                let key = Int64.random(in: 500...5_000, using: &generator)
                if taken.insert(key).inserted { keys.append(key) }
            }
            for (index, key) in keys.enumerated() {
                try lines.note(key, line: index + 1)
                model[key] = Int32(index + 1)
            }
            for (key, line) in model { #expect(try lines.line(of: key) == line, "key \(key), \(bufferedRuns) runs in memory") }
            #expect(try lines.line(of: 17) == 0 && lines.line(of: 9_999) == 0, "a key never noted")
        }
    }

    @Test("a duplicate id in a next version names its first line when the runs went to disk, as when they stayed in memory")
    func duplicatesNameFirstLine() throws {
        let folder = try TemporaryFolder()
        var lines = Sample.file(count: 300).split(separator: "\n").map(String.init)
        let store = try folder.store()
        _ = try store.importFile(try folder.write("v1.jsonl", lines.joined(separator: "\n") + "\n"), options: by())
        lines.removeSubrange(100..<110)  // ex-0101 ... ex-0110: a gap in the keys
        lines.insert(Sample.line("new-1"), at: 50)
        lines += [lines[20], Sample.line("new-1", question: "again"), lines[200]]
        let file = try folder.write("v2.jsonl", lines.joined(separator: "\n") + "\n")
        var problems: [[String]] = []
        for bufferedRuns in [1, FirstLines.defaultBufferedRuns] {
            var options = by()
            options.firstLinesInMemory = bufferedRuns
            do {
                _ = try store.importFile(file, options: options)
                Issue.record("a file with duplicate ids was imported")
            } catch EvalDBError.invalidData(let errors, _) {
                problems.append(errors.map { "\($0.line): \($0.message)" })
            }
        }
        #expect(
            problems.first == [
                #"292: duplicate id "ex-0021" (first on line 21): ids must be unique in a file"#,
                #"293: duplicate id "new-1" (first on line 51): ids must be unique in a file"#,
                #"294: duplicate id "ex-0210" (first on line 201): ids must be unique in a file"#,
            ])
        #expect(problems.first == problems.last)
    }
}
