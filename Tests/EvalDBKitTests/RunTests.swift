import Foundation
import Testing

@testable import EvalDBKit

@Suite("Eval runs and reports")
struct RunTests {
    static func store(_ folder: TemporaryFolder, count: Int = 10) throws -> (Store, DatasetVersion) {
        let store = try folder.store()
        let version = try store.importFile(try folder.write("g.jsonl", Sample.file(count: count)), options: by()).version
        return (store, version)
    }

    static func result(_ n: Int, pass: Bool, trial: Int? = nil, failure: String? = nil) -> String {
        var fields = [#""id": "\#(String(format: "ex-%04d", n))""#, #""pass": \#(pass)"#]
        if let trial { fields.append(#""trial": \#(trial)"#) }
        if let failure { fields.append(#""failure": "\#(failure)""#) }
        return "{" + fields.joined(separator: ", ") + ", \"latency_ms\": 120}\n"
    }

    @Test("a run is recorded against a version, listed, and exported as recorded (round trip)")
    func recordAndExport() throws {
        let folder = try TemporaryFolder()
        let (store, version) = try Self.store(folder)
        let text = (1...8).map { Self.result($0, pass: $0 % 3 != 0, failure: $0 % 3 == 0 ? "wrong-action" : nil) }.joined()
        let recorded = try store.recordRun(
            try folder.write("r.jsonl", text), against: version,
            options: RunOptions(name: "base", meta: [("model", "gpt-x")]))
        #expect(recorded.run.resultCount == 8)
        #expect(recorded.run.missing == 2)
        #expect(recorded.missingIds == ["ex-0009", "ex-0010"])
        #expect(recorded.run.meta == #"{"model": "gpt-x"}"#)
        #expect(try store.runs().map(\.name) == ["base"])
        var exported = ""
        try store.exportRun(recorded.run) { exported += $0 + "\n" }
        let again = try store.recordRun(try folder.write("again.jsonl", exported), against: version, options: RunOptions(name: "copy"))
        var copy = ""
        try store.exportRun(again.run) { copy += $0 + "\n" }
        #expect(copy == exported)
        #expect(exported.contains(#""latency_ms": 120"#))  // other fields are kept
    }

    @Test("bad results are refused with their line and nothing is written")
    func badResults() throws {
        let folder = try TemporaryFolder()
        let (store, version) = try Self.store(folder)
        let text =
            Self.result(1, pass: true) + "{\"id\": \"ex-0002\"}\n" + #"{"id": "nope", "pass": true}"# + "\n"
            + Self.result(1, pass: false) + "not json\n" + Self.result(3, pass: true, trial: 1) + Self.result(3, pass: true, trial: 2)
        let errors = try #require(
            dataErrors {
                _ = try store.recordRun(
                    try folder.write("bad.jsonl", text), against: version,
                    options: RunOptions(name: "bad"))
            })
        #expect(errors.map(\.line) == [2, 3, 4, 5])
        #expect(errors[2].message.contains("second result"))
        #expect(try store.runs().isEmpty)
        _ = try store.recordRun(try folder.write("ok.jsonl", Self.result(1, pass: true)), against: version, options: RunOptions(name: "ok"))
        #expect(throws: EvalDBError.self) {
            try store.recordRun(folder.file("ok.jsonl"), against: version, options: RunOptions(name: "ok"))
        }
        #expect(throws: DatabaseError.self) { try store.database.execute("DELETE FROM stored_results") }
    }

    @Test("a result line and a verdict line are checked alike: \"id\", \"pass\" and \"trial\" refused with the same words at the same place")
    func resultAndVerdictMembersCheckedAlike() throws {
        let folder = try TemporaryFolder()
        let (store, version) = try Self.store(folder)
        let run = try store.recordRun(
            try folder.write("base.jsonl", Self.result(1, pass: true) + Self.result(2, pass: false)), against: version,
            options: RunOptions(name: "base")
        ).run
        let bad =
            [
                #"{"pass": true}"#, #"{"id": 7, "pass": true}"#, #"{"id": "ex-0001"}"#, #"{"id": "ex-0001", "pass": "yes"}"#,
                #"{"id": "ex-0001", "pass": true, "trial": -1}"#, #"{"id": "ex-0002", "pass": false, "trial": 1.5}"#,
            ].joined(separator: "\n") + "\n"
        let path = try folder.write("bad.jsonl", bad)
        let results = try #require(dataErrors { _ = try store.recordRun(path, against: version, options: RunOptions(name: "bad")) })
        let verdicts = try #require(dataErrors { try store.recordVerdicts(path, run: run, reviewer: "ana") })
        #expect(
            results.map(\.message) == [
                #"a result needs "id", a string"#, #"a result needs "id", a string"#, #"a result needs "pass", true or false"#,
                #"a result needs "pass", true or false"#, #""trial" must be a whole number, 0 or more"#,
                #""trial" must be a whole number, 0 or more"#,
            ])
        #expect(verdicts.map(\.message) == results.map { $0.message.replacingOccurrences(of: "a result", with: "a verdict") })
        #expect(verdicts.map(\.line) == [1, 2, 3, 4, 5, 6] && results.map(\.line) == [1, 2, 3, 4, 5, 6])
        #expect(verdicts.map(\.column) == results.map(\.column))
        #expect(results.map(\.column) == [1, 1, 1, 1, 42, 43], "a missing member at the object, a bad trial at its value")
        #expect(try store.runs().map(\.name) == ["base"])
    }

    @Test("report: pass rates with Wilson intervals overall and per slice, flaky examples, failure categories")
    func report() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        var lines = (1...20).map { Sample.line(String(format: "ex-%04d", $0), feature: $0 <= 10 ? "booking-lookup" : "refund-request") }
        let version = try store.importFile(try folder.write("g.jsonl", lines.joined(separator: "\n") + "\n"), options: by()).version
        // booking-lookup: 9 of 10 pass; refund-request: 5 of 10; ex-0001 is flaky over two trials.
        var text = (1...20).map { n in
            Self.result(
                n, pass: n <= 9 || (n >= 11 && n <= 15), trial: n == 1 ? 0 : nil,
                failure: (n == 10 || n > 15) ? "hallucination" : nil)
        }.joined()
        text += Self.result(1, pass: false, trial: 1, failure: "wrong-action")
        let run = try store.recordRun(try folder.write("r.jsonl", text), against: version, options: RunOptions(name: "r")).run
        let report = try store.report(run, by: ["feature"])
        #expect(report.overall.examples == 20)
        #expect(report.overall.passed == 13.5)
        let booking = try #require(report.slices.first { $0.values == ["booking-lookup"] })
        #expect(booking.examples == 10 && booking.passed == 8.5)
        let refund = try #require(report.slices.first { $0.values == ["refund-request"] })
        // 5/10: Wilson 0.2366-0.7634 (R: prop.test(5, 10, correct = FALSE)$conf.int).
        #expect(abs(refund.interval.lower - 0.2366) < 0.0001 && abs(refund.interval.upper - 0.7634) < 0.0001)
        #expect(refund.tooSmall)
        #expect(report.flaky.map { "\($0.id) \($0.passes)/\($0.trials)" } == ["ex-0001 1/2"])
        #expect(report.failures.map { "\($0.category) \($0.count)" } == ["hallucination 6", "wrong-action 1"])
        #expect(report.changedSince == nil)
        lines[0] = Sample.line("ex-0001", question: "edited")
        _ = try store.importFile(try folder.write("g2.jsonl", lines.joined(separator: "\n") + "\n"), options: by())
        #expect(try store.report(run).changedSince == 1)  // stale: one of its examples changed since
    }

    @Test("an IdList gives back every id byte for byte, in order: empty, non-ASCII, decomposed")
    func idListKeepsIds() throws {
        let ids = ["ex-1", "", "caf\u{E9}", "cafe\u{301}", String(repeating: "long-id-", count: 40), "\u{1F389}"]
        var list = IdList()
        for id in ids { try list.append(id) }
        #expect(list.count == ids.count)
        #expect(zip(list, ids).allSatisfy { Array($0.utf8) == Array($1.utf8) })
        #expect(list.prefix(2).map { $0 } == ["ex-1", ""] && IdList().isEmpty && list.first == "ex-1")
    }

    @Test("an IdList beyond its memory limit, on a temporary file, gives back the ids the one in memory does; a copy keeps its own")
    func spilledIdListKeepsIds() throws {
        // Ids of every length around the limit (and a 200-byte one: a two-byte length), some non-ASCII.
        let ids = (0..<3_000).map { n in n % 500 == 7 ? String(repeating: "x", count: 200) : "ex-\(n)" + String(repeating: "\u{E9}", count: n % 13) }
        var inMemory = IdList(), spilled = IdList(memoryLimit: 64)
        for id in ids {
            try inMemory.append(id)
            try spilled.append(id)
        }
        #expect(spilled.count == ids.count && spilled == inMemory)
        #expect(spilled.map { Array($0.utf8) } == ids.map { Array($0.utf8) })
        #expect(spilled.prefix(3).map { $0 } == Array(ids.prefix(3)) && spilled.first == ids[0])
        // A copy made midway, each then appended to: each holds what was appended to it.
        var copy = spilled
        try copy.append("copy-only")
        for n in 0..<100 { try spilled.append("later-\(n)") }
        #expect(Array(copy) == ids + ["copy-only"])
        #expect(Array(spilled) == ids + (0..<100).map { "later-\($0)" })
    }

    @Test("compare's flipped ids written to a temporary file are those kept in memory, in key order")
    func compareSpillsFlips() throws {
        let folder = try TemporaryFolder()
        let (store, v1) = try Self.store(folder, count: 300)
        func record(_ name: String, passing: (Int) -> Bool) throws -> EvalRun {
            let text = (1...300).map { Self.result($0, pass: passing($0)) }.joined()
            return try store.recordRun(try folder.write("\(name).jsonl", text), against: v1, options: RunOptions(name: name)).run
        }
        let base = try record("base", passing: { $0 % 3 != 0 }), candidate = try record("candidate", passing: { $0 % 2 != 0 })
        let inMemory = try store.compare(base: base, candidate: candidate, by: ["feature"])
        let spilled = try store.compare(
            base: base, candidate: candidate, budget: nil, by: ["feature"], clusterBy: nil, confidence: 0.95, idMemoryLimit: 32)
        let regressed: [String] = (1...300).filter { $0 % 3 != 0 && $0 % 2 == 0 }.map { String(format: "ex-%04d", $0) }
        let fixed: [String] = (1...300).filter { $0 % 3 == 0 && $0 % 2 != 0 }.map { String(format: "ex-%04d", $0) }
        #expect(Array(spilled.regressed) == regressed)
        #expect(Array(spilled.fixed) == fixed)
        #expect(spilled.regressed == inMemory.regressed && spilled.fixed == inMemory.fixed && spilled.counts == inMemory.counts)
    }

    @Test("slice values taken from the index are those parsed from the records: lists, empty lists, numbers, keys some examples lack")
    func indexedSliceValuesAgreeWithRecords() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let count = 3_000
        let lines = (1...count).map { n in
            let line = Sample.line(
                String(format: "ex-%04d", n), feature: ["a", "b", "c\u{301}"][n % 3],
                tags: n % 4 == 0 ? [] : n % 4 == 1 ? ["x", "x", "y"] : ["y"])
            return n % 5 == 0 ? line.replacingOccurrences(of: #""persona": "admin""#, with: #""persona": "admin", "priority": \#(n % 3)"#) : line
        }
        let version = try store.importFile(try folder.write("g.jsonl", lines.joined(separator: "\n") + "\n"), options: by()).version
        let keys = ["feature", "tags", "priority", "source", "nothing-has-this"]
        let source = try SliceValueSource(store, keys: keys, version: version.number)
        #expect(source.usesIndex)
        let examples = Array(Int64(1)...Int64(count))
        let fromIndex = try source.values(of: examples), fromRecords = try store.sliceValues(of: examples, at: version.number)
        for example in examples {
            for key in keys {
                let a = fromIndex[example]?[key].map { Set($0.map { Array($0.utf8) }) }
                let b = fromRecords[example]?[key].map { Set($0.map { Array($0.utf8) }) }
                #expect(a == b, "example \(example), key \(key)")
            }
        }
        // Asked again from the start (trend's next run): the same values.
        let again = try source.values(of: Array(examples.prefix(10)))
        #expect(examples.prefix(10).allSatisfy { again[$0]?["tags"] == fromIndex[$0]?["tags"] && again[$0]?["feature"] == fromIndex[$0]?["feature"] })
        // A cluster key's first value is its record's first, where an example holds several ("y", "x"
        // in the index's value order, "x", "x", "y" in the record).
        let clustered = try SliceValueSource(store, keys: ["feature", "tags"], version: version.number, firstValueOf: "tags")
        #expect(clustered.usesIndex)
        let firsts = try clustered.values(of: examples)
        for example in examples {
            #expect(firsts[example]?["tags"]?.first == fromRecords[example]?["tags"]?.first, "example \(example)")
        }
        #expect(!(try SliceValueSource(store, keys: ["input"], version: version.number)).usesIndex)
    }

    @Test("report over many examples, results in any order, agrees per slice with a count over the files")
    func reportAgreesWithAModel() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let count = 9_000  // more than one batch of slice values
        var generator = SeededGenerator(seed: 21)
        let features = ["booking-lookup", "refund-request", "menu", "hours"]
        let tags = (1...count).map { n in n % 3 == 0 ? ["t1", "t2"] : n % 3 == 1 ? ["t2"] : ["t3", "t3"] }
        let lines = (1...count).map { n in
            Sample.line(String(format: "ex-%04d", n), feature: features[n % features.count], tags: tags[n - 1])
        }
        let version = try store.importFile(try folder.write("g.jsonl", lines.joined(separator: "\n") + "\n"), options: by()).version
        // Each example: 1 to 3 trials, each passing with a probability of its own; the lines shuffled.
        var results: [(n: Int, trial: Int, pass: Bool)] = []
        for n in 1...count {
            let trials = Int.random(in: 1...3, using: &generator)
            let p = Double.random(in: 0...1, using: &generator)
            for trial in 0..<trials { results.append((n, trial, Double.random(in: 0...1, using: &generator) < p)) }
        }
        results.shuffle(using: &generator)
        let text = results.map { Self.result($0.n, pass: $0.pass, trial: $0.trial) }.joined()
        let run = try store.recordRun(try folder.write("r.jsonl", text), against: version, options: RunOptions(name: "r")).run

        // The model: each example's share of passing trials, summed per feature and per tag.
        var passes: [Int: (passes: Int, trials: Int, firstLine: Int)] = [:]
        for (line, result) in results.enumerated() {
            var entry = passes[result.n] ?? (0, 0, line)
            entry.trials += 1
            if result.pass { entry.passes += 1 }
            passes[result.n] = entry
        }
        func share(_ n: Int) -> Double { Double(passes[n]!.passes) / Double(passes[n]!.trials) }
        var byFeature: [String: (examples: Int, passed: Double)] = [:]
        var byTag: [String: (examples: Int, passed: Double)] = [:]
        for n in 1...count {
            byFeature[features[n % features.count], default: (0, 0)].examples += 1
            byFeature[features[n % features.count], default: (0, 0)].passed += share(n)
            for tag in Set(tags[n - 1]) {
                byTag[tag, default: (0, 0)].examples += 1
                byTag[tag, default: (0, 0)].passed += share(n)
            }
        }
        let report = try store.report(run, by: ["feature"])
        #expect(report.overall.examples == count)
        #expect(abs(report.overall.passed - (1...count).map(share).reduce(0, +)) < 1e-6)
        #expect(report.slices.map { $0.values } == features.sorted().map { [$0] })
        for slice in report.slices {
            let expected = byFeature[slice.values[0]!]!
            #expect(slice.examples == expected.examples && abs(slice.passed - expected.passed) < 1e-6, "\(slice.values)")
        }
        let byTags = try store.report(run, by: ["tags"])
        #expect(byTags.slices.map { $0.values } == [["t1"], ["t2"], ["t3"]])
        for slice in byTags.slices {
            let expected = byTag[slice.values[0]!]!
            #expect(slice.examples == expected.examples && abs(slice.passed - expected.passed) < 1e-6, "\(slice.values)")
        }
        let flaky = (1...count).filter { passes[$0]!.passes > 0 && passes[$0]!.passes < passes[$0]!.trials }
            .sorted { passes[$0]!.firstLine < passes[$1]!.firstLine }.map { String(format: "ex-%04d", $0) }
        #expect(report.flaky.map(\.id) == flaky, "flaky examples in the order the results file first names them")
    }

    @Test("compare pairs examples with identical content, counts flips, and gives the verdict against the budget")
    func compareRuns() throws {
        let folder = try TemporaryFolder()
        let (store, v1) = try Self.store(folder, count: 200)
        func record(_ name: String, passing: (Int) -> Bool, against version: DatasetVersion) throws -> EvalRun {
            let text = (1...200).map { Self.result($0, pass: passing($0)) }.joined()
            return try store.recordRun(try folder.write("\(name).jsonl", text), against: version, options: RunOptions(name: name)).run
        }
        let base = try record("base", passing: { $0 % 10 != 0 }, against: v1)  // 180 of 200
        let same = try record("same", passing: { $0 % 10 != 0 }, against: v1)
        let worse = try record("worse", passing: { $0 % 5 != 0 }, against: v1)  // 160: 20 regressions
        let tied = try store.compare(base: base, candidate: same, budget: 0.02)
        #expect(tied.difference == 0 && tied.regressed.isEmpty)
        // No discordant pair: Newcombe's interval is [-0.0179, +0.0179] (computed by hand from the paper's formulas).
        #expect(abs(tied.lower - -0.017931) < 0.000001)
        #expect(tied.verdict == .pass)
        guard case .inconclusive(let more?)? = try store.compare(base: base, candidate: same, budget: 0.01).verdict else {
            Issue.record("a budget of 1 point is too tight for 200 examples"); return
        }
        #expect(more > 200)
        let regression = try store.compare(base: base, candidate: worse, budget: 0.02)
        #expect(regression.regressed.count == 20 && regression.fixed.isEmpty)
        #expect(abs(regression.difference - -0.1) < 1e-12)
        #expect(regression.verdict == .regression)
        // A wide budget: the lower bound clears it.
        #expect(try store.compare(base: base, candidate: worse, budget: 0.2).verdict == .pass)
        // Between: the difference is above −budget, the interval reaches below it.
        guard case .inconclusive(let needed)? = try store.compare(base: base, candidate: worse, budget: 0.12).verdict else {
            Issue.record("expected inconclusive"); return
        }
        #expect((needed ?? 0) > 200)
        // An example edited between the runs' versions is left out, not mixed in.
        let v2 = try store.importFile(try folder.write("g2.jsonl", Sample.file(count: 200, changing: [1, 2])), options: by()).version
        let later = try record("later", passing: { $0 % 10 != 0 }, against: v2)
        let across = try store.compare(base: base, candidate: later)
        #expect(across.excludedEdited == ["ex-0001", "ex-0002"])
        #expect(across.counts.n == 198)
    }

    @Test("runs with no example in common are an error, not an inconclusive gate; an unknown --by key lists the keys that exist")
    func nothingToCompareAndUnknownKeys() throws {
        let folder = try TemporaryFolder()
        let (store, v1) = try Self.store(folder, count: 10)
        let first = try store.recordRun(
            try folder.write("a.jsonl", (1...5).map { Self.result($0, pass: true) }.joined()), against: v1, options: RunOptions(name: "a")
        ).run
        let second = try store.recordRun(
            try folder.write("b.jsonl", (6...10).map { Self.result($0, pass: false) }.joined()), against: v1, options: RunOptions(name: "b")
        ).run
        #expect {
            try store.compare(base: first, candidate: second, budget: 0.02)
        } throws: { error in
            guard case EvalDBError.noCommonExamples(let base, let candidate, 0) = error else { return false }
            return base == "a" && candidate == "b"
        }
        for attempt in [{ _ = try store.report(first, by: ["featur"]) }, { _ = try store.compare(base: first, candidate: first, by: ["featur"]) }] {
            #expect {
                try attempt()
            } throws: { error in
                guard case EvalDBError.unknownKeys(let unknown, let existing) = error else { return false }
                return unknown == ["featur"] && existing.contains("feature") && existing.contains("source")
            }
        }
        #expect(try store.report(first, by: ["feature"]).slices.isEmpty == false)
    }

    @Test("report --cluster-by widens the interval by the design effect of the clusters")
    func clusteredReport() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        // 50 examples in 10 conversations of 5 (the label "conversation"); whole conversations pass or fail.
        let lines = (0..<50).map { n in
            Sample.line(String(format: "ex-%04d", n + 1), feature: "f").replacingOccurrences(
                of: #""persona": "admin""#, with: #""conversation": "c\#(n / 5)", "persona": "admin""#)
        }
        let version = try store.importFile(try folder.write("g.jsonl", lines.joined(separator: "\n") + "\n"), options: by()).version
        let text = (0..<50).map { Self.result($0 + 1, pass: $0 / 5 % 2 == 0) }.joined()
        let run = try store.recordRun(try folder.write("r.jsonl", text), against: version, options: RunOptions(name: "r")).run
        let plain = try store.report(run).overall
        let clustered = try store.report(run, clusterBy: "conversation").overall
        #expect(abs(clustered.designEffect - 50.0 / 9.0) < 1e-9)
        let expected = Wilson.interval(successes: 4.5, n: 9)  // 50 examples count as 9
        #expect(abs(clustered.interval.lower - expected.lower) < 1e-9 && abs(clustered.interval.upper - expected.upper) < 1e-9)
        #expect(clustered.interval.halfWidth > plain.interval.halfWidth * 2)
        // Paired: the candidate fails two whole conversations the base passed.
        let worse = (0..<50).map { Self.result($0 + 1, pass: $0 / 5 % 2 == 0 && $0 >= 10) }.joined()
        let candidate = try store.recordRun(try folder.write("w.jsonl", worse), against: version, options: RunOptions(name: "w")).run
        let independent = try store.compare(base: run, candidate: candidate)
        let byConversation = try store.compare(base: run, candidate: candidate, clusterBy: "conversation")
        #expect(byConversation.designEffect > 1)
        #expect(abs(byConversation.difference - independent.difference) < 1e-12)
        #expect(byConversation.lower < independent.lower && byConversation.upper > independent.upper)
    }

    @Test("the gate of the issue: 60 of 500 flipped is a regression, identical runs pass a 1-point budget, a small change on 100 is inconclusive")
    func gateScenarios() throws {
        let folder = try TemporaryFolder()
        let (store, v500) = try Self.store(folder, count: 500)
        func record(_ name: String, _ version: DatasetVersion, count: Int, failing: (Int) -> Bool) throws -> EvalRun {
            let text = (1...count).map { Self.result($0, pass: !failing($0)) }.joined()
            return try store.recordRun(try folder.write("\(name).jsonl", text), against: version, options: RunOptions(name: name)).run
        }
        let base = try record("base", v500, count: 500, failing: { $0 % 10 == 0 })  // 450 pass
        // Also fails 1...66 but for the six multiples of 10 that failed already: 60 flips.
        let flipped = try record("flipped", v500, count: 500, failing: { $0 % 10 == 0 || $0 <= 66 })
        let copy = try record("copy", v500, count: 500, failing: { $0 % 10 == 0 })
        let regression = try store.compare(base: base, candidate: flipped, budget: 0.01)
        #expect(regression.regressed.count == 60)
        #expect(regression.verdict == .regression)
        #expect(try store.compare(base: base, candidate: copy, budget: 0.01).verdict == .pass)
        // 100 examples: the candidate fixes one example. +1 point, but the interval reaches below -1.
        let folder100 = try TemporaryFolder()
        let (small, v100) = try Self.store(folder100, count: 100)
        func record100(_ name: String, failing: (Int) -> Bool) throws -> EvalRun {
            let text = (1...100).map { Self.result($0, pass: !failing($0)) }.joined()
            return try small.recordRun(try folder100.write("\(name).jsonl", text), against: v100, options: RunOptions(name: name)).run
        }
        let before = try record100("before", failing: { $0 % 10 == 0 })
        let after = try record100("after", failing: { $0 % 10 == 0 && $0 != 10 })
        guard case .inconclusive(let needed?)? = try small.compare(base: before, candidate: after, budget: 0.01).verdict else {
            Issue.record("expected inconclusive with a number of examples"); return
        }
        #expect(needed > 100)
    }

    @Test("a result with an error member is an error, not a pass, even when its line says pass true: kept as written, counted as an error")
    func errorsNeverPass() throws {
        let folder = try TemporaryFolder()
        let (store, version) = try Self.store(folder, count: 4)
        let lines = [
            #"{"error": "rate limited", "id": "ex-0001", "pass": true}"#, #"{"error": {"kind": "exit"}, "id": "ex-0002", "pass": true, "trial": 0}"#,
            #"{"error": null, "id": "ex-0003", "pass": true}"#, #"{"id": "ex-0004", "pass": true}"#,
        ]
        let run = try store.recordRun(
            try folder.write("r.jsonl", lines.joined(separator: "\n") + "\n"), against: version, options: RunOptions(name: "r")
        ).run
        let report = try store.report(run)
        #expect(
            report.overall.errors == 2 && report.overall.examples == 2 && report.overall.passed == 2, "two errors, two passes (a null error is none)")
        #expect(report.erroredIds == ["ex-0001", "ex-0002"])
        var exported: [String] = []
        try store.exportRun(run) { exported.append($0) }
        #expect(exported == lines, "the lines are kept as recorded")

        // A database recorded before migration 0012 kept such a result's `pass` column as 1: the
        // migration brings it into line.
        try store.database.execute("DROP TRIGGER results_append_only_update; UPDATE stored_results SET pass = 1")
        try store.database.execute("DELETE FROM schema_migrations WHERE name LIKE '0012%'")
        let reopened = try Store(path: store.database.path)
        #expect(try reopened.database.scalarInt("SELECT count(*) FROM stored_results WHERE pass = 1") == 2)
        #expect(try reopened.report(run).overall.errors == 2)
        #expect(throws: DatabaseError.self) { try reopened.database.execute("UPDATE stored_results SET pass = 0") }
    }

    /// Scores that a text form would change: SQLite 3.40's text-to-REAL conversion rounds the first
    /// to its neighbour; its 15-digit text form of a REAL gives the second as 0.3, the fourth as inf.
    static let exactScores = ["0.930760251500586", "0.30000000000000004", "5e-324", "1.7976931348623157e308", "-2.5e-7"]

    static func scored(_ scores: [String]) -> String {
        scores.enumerated().map { #"{"id": "\#(String(format: "ex-%04d", $0.offset + 1))", "pass": true, "score": \#($0.element)}"# + "\n" }
            .joined()
    }

    @Test("a score keeps every bit from the result line to what review shows: bound and read as a REAL, never as text")
    func scoresRoundTripExactly() throws {
        let folder = try TemporaryFolder()
        let (store, version) = try Self.store(folder)
        let run = try store.recordRun(try folder.write("r.jsonl", Self.scored(Self.exactScores)), against: version, options: RunOptions(name: "s"))
        #expect(try store.database.scalarInt("SELECT count(*) FROM stored_results WHERE typeof(score) != 'real'") == 0)
        let (session, _) = try ReviewSession.start(store, reviewer: "ana", run: run.run)
        for (offset, text) in Self.exactScores.enumerated() {
            let shown = try session.example(String(format: "ex-%04d", offset + 1)).results.first?.score
            #expect(shown?.bitPattern == Double(text)?.bitPattern, "\(text) shown as \(shown.map { String($0) } ?? "nil")")
        }
    }

    @Test("scores older versions bound as text were stored as REAL by the column's affinity: no database holds a text score to migrate")
    func textBoundScoresWereStoredAsReal() throws {
        let folder = try TemporaryFolder()
        let (store, version) = try Self.store(folder)
        let run = try store.recordRun(try folder.write("r.jsonl", Self.scored(["0.5"])), against: version, options: RunOptions(name: "s")).run
        // The insert of evaldb before scores were bound as REAL: `String(score)`, bound as TEXT.
        let insert = try store.database.prepare(
            "INSERT INTO stored_results(run, example, trial, line, pass, score, failure, record) VALUES (?, ?, ?, ?, 1, ?, NULL, '{}')")
        for (offset, text) in (Self.exactScores + ["1.0", "0.1", "1e-05", "-0.0", "123456789.0"]).enumerated() {
            try insert.run([.int(run.id), .int(1), .int(Int64(offset + 1)), .int(Int64(offset + 2)), .text(String(Double(text)!))])
        }
        #expect(try store.database.scalarInt("SELECT count(*) FROM stored_results WHERE typeof(score) != 'real'") == 0)
    }
}
