import Crypto
import Foundation
import Testing

/// The sample dataset's ids, in file order.
private func sampleIds(_ clone: Clone) throws -> [String] {
    try String(decoding: clone.read("evals/data/v0/golden.jsonl"), as: UTF8.self).split(separator: "\n").map {
        (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["id"] as! String
    }
}

private func jsonObject(_ text: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
}

private func number(_ value: Any?) -> Double { (value as? NSNumber)?.doubleValue ?? .nan }

@Suite("judge calibration, splits and power-aware coverage, driven as a user drives them")
struct JudgeCLITests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-judge-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    static let dataset = "evals/data/v0/golden.jsonl"

    @discardableResult
    func ok(_ clone: Clone, _ arguments: [String], stdin: String? = nil) throws -> String {
        let result = try clone.evaldb(arguments, stdin: stdin)
        #expect(result.status == 0, "evaldb \(arguments.joined(separator: " ")): \(result.output) \(result.stderr)")
        return result.output
    }

    @Test("a judge run and human verdicts give the calibration table, the corrected rate, and the same on a fresh clone")
    func calibrateThenCorrect() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset])
        let ids = try sampleIds(ana)
        // The judge passes every other example; people disagree on five: two the judge passed
        // (false positives) and three it failed (false negatives).
        let judged = ids.enumerated().map { index, id in (id, index % 2 == 0) }
        let humanFails: Set<Int> = [0, 2], humanPasses: Set<Int> = [1, 3, 5]
        let judgeFile = judged.map { #"{"id": "\#($0.0)", "output": "answer \#($0.0)", "pass": \#($0.1)}"# }.joined(separator: "\n")
        try Data(judgeFile.utf8).write(to: URL(fileURLWithPath: ana.path + "/judge.jsonl"))
        try ok(ana, ["run", "record", "judge.jsonl", "--name", "judge", "--meta", "judge=gpt-x", "--dataset-file", Self.dataset])

        let tooFew = try ana.evaldb(["judge", "calibrate", "--judge", "judge", "--human", "judge"])
        #expect(tooFew.status == 2)
        #expect(tooFew.stderr.contains("at least 10 human verdicts of each class"), "\(tooFew.stderr)")

        let human = ids.enumerated().map { index, id in
            let pass = humanFails.contains(index) ? false : humanPasses.contains(index) ? true : index % 2 == 0
            return #"{"id": "\#(id)", "pass": \#(pass)}"#
        }.joined(separator: "\n")
        try Data(human.utf8).write(to: URL(fileURLWithPath: ana.path + "/human.jsonl"))
        #expect(try ok(ana, ["judge", "verdicts", "human.jsonl", "--run", "judge", "--reviewer", "ana"]).contains("recorded 42 verdicts"))

        // The table, by hand: TP 19, FN 3, FP 2, TN 18.
        let calibration = try jsonObject(try ok(ana, ["judge", "calibrate", "--judge", "judge", "--human", "judge", "--format", "json"]))
        let confusion = try #require(calibration["confusion"] as? [String: Any])
        #expect(number(confusion["tp"]) == 19 && number(confusion["fn"]) == 3 && number(confusion["fp"]) == 2 && number(confusion["tn"]) == 18)
        let tpr = 19.0 / 22, tnr = 18.0 / 20
        #expect(number((calibration["tpr"] as? [String: Any])?["rate"]) == (tpr * 1000).rounded() / 10)
        #expect(number((calibration["tnr"] as? [String: Any])?["rate"]) == (tnr * 1000).rounded() / 10)
        let po = 37.0 / 42, pe = (21.0 / 42) * (22.0 / 42) + (21.0 / 42) * (20.0 / 42)
        #expect(abs(number(calibration["kappa"]) - (po - pe) / (1 - pe)) < 1e-4)
        #expect((calibration["disagreements"] as? [Any])?.count == 5)

        // The corrected rate: (p + TNR − 1) / (TPR + TNR − 1) with p = 21/42.
        let reportText = try ok(ana, ["report", "judge", "--judge-calibration", "judge", "--format", "json"])
        let row = try #require((try JSONSerialization.jsonObject(with: Data(reportText.utf8)) as? [[String: Any]])?.first)
        let theta = (0.5 + tnr - 1) / (tpr + tnr - 1)
        #expect(number(row["rate"]) == 50.0)
        #expect(number(row["corrected"]) == (theta * 1000).rounded() / 10, "\(reportText)")
        #expect(number(row["corrected low"]) < number(row["corrected"]) && number(row["corrected"]) < number(row["corrected high"]))
        #expect(number(row["bootstrap low"]) < number(row["corrected"]) && number(row["corrected"]) < number(row["bootstrap high"]))
        let table = try ok(ana, ["report", "judge", "--judge-calibration", "judge"])
        #expect(table.contains("corrected with calibration judge"), "\(table)")

        // Team state: a fresh clone with no database gets the same corrected rate from git.
        try ana.commitAll("judge run, verdicts and calibration")
        let ben = try Clone.clone(ana, in: folder, user: "ben")
        try ok(ben, ["sync"])
        #expect(try ok(ben, ["report", "judge", "--judge-calibration", "judge", "--format", "json"]) == reportText)

        // A verdict given in review replaces the file's: example 0 becomes a human pass (a true positive).
        let reviewed = try ok(ben, ["review", "--run", "judge", "--reviewer", "ben"], stdin: "v pass\nq\n")
        #expect(reviewed.contains("verdict saved: pass"), "\(reviewed)")
        let recalibrated = try jsonObject(try ok(ben, ["judge", "calibrate", "--judge", "judge", "--human", "judge", "--format", "json"]))
        #expect(number((recalibrated["confusion"] as? [String: Any])?["tp"]) == 20)
        #expect(number((recalibrated["confusion"] as? [String: Any])?["fp"]) == 1)

        let unknown = try ben.evaldb(["report", "judge", "--judge-calibration", "nope"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no judge calibration named \"nope\""), "\(unknown.stderr)")
    }

    @Test("split places each example by SHA-256 of seed and id, keeps old examples where they were, and finds leaks")
    func stableSplitAndLeakage() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset])
        let first = try ana.evaldb(["split", "--train", "20", "--dev", "40", "--test", "40", "--seed", "7"])
        #expect([0, 1].contains(first.status), "\(first.stderr)")
        #expect(first.output.contains("placed 42 examples"), "\(first.output)")

        func splits() throws -> [String: String] {
            var result: [String: String] = [:]
            for line in String(decoding: try ana.read(Self.dataset), as: UTF8.self).split(separator: "\n") {
                let record = try jsonObject(String(line))
                result[record["id"] as! String] = (record["labels"] as? [String: Any])?["split"] as? String
            }
            return result
        }
        let before = try splits()
        for (id, split) in before {
            let digest = Array(SHA256.hash(data: Data("7:\(id)".utf8)))
            let u = Double(digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) / 18_446_744_073_709_551_616.0
            #expect(split == (u < 0.2 ? "train" : u < 0.6 ? "dev" : "test"), "\(id)")
        }
        let testCount = before.values.filter { $0 == "test" }.count
        let sliced = try ok(ana, ["slice", "--where", "split=test", "--format", "jsonl"])
        #expect(sliced.split(separator: "\n").count == testCount)

        // Two new examples: the old ones stay where they were. One repeats an old test input with
        // other case and spacing, and is labelled train by hand: a leak.
        var records = String(decoding: try ana.read(Self.dataset), as: UTF8.self).split(separator: "\n").map(String.init)
        let leaked = try #require(
            try records.map(jsonObject).first { before[$0["id"] as! String] == "test" && $0["input"] is String })
        let leakedId = leaked["id"] as! String, leakedInput = leaked["input"] as! String
        let shouted = "  " + leakedInput.uppercased().replacingOccurrences(of: " ", with: "   ") + " "
        // Whole records, made from an old one: every required field is there.
        func record(_ id: String, input: String, split: String?) throws -> String {
            var object = try jsonObject(records[0])
            object["id"] = id
            object["input"] = input
            var labels = object["labels"] as? [String: Any] ?? [:]
            labels["split"] = split
            object["labels"] = labels
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        records.append(try record("leak-copy", input: shouted, split: "train"))
        records.append(try record("brand-new", input: "a question nobody asked before", split: nil))
        try Data((records.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: ana.path + "/" + Self.dataset))
        try ok(ana, ["import", Self.dataset])
        let second = try ana.evaldb(["split", "--train", "20", "--dev", "40", "--test", "40", "--seed", "7"])
        #expect(second.status == 1, "a leak exits 1: \(second.output)")
        #expect(second.output.contains("placed 1 example, 43 kept their split"), "\(second.output)")
        #expect(second.output.contains("folded: ") && second.output.contains("leak-copy (train)"), "\(second.output)")
        let after = try splits()
        for (id, split) in before { #expect(after[id] == split, "\(id) moved") }
        #expect(after["brand-new"] != nil)

        let check = try ana.evaldb(["split", "--check", "--format", "json"])
        #expect(check.status == 1)
        let leaks = try JSONSerialization.jsonObject(with: check.stdout) as! [[String: Any]]
        #expect(Set(leaks.map { $0["id"] as! String }) == [leakedId, "leak-copy"])
        #expect(try ana.evaldb(["split", "--check", "--allow-leaks"]).status == 0)
    }

    @Test("coverage --budget flags the cells too small to detect a regression, and --min-power exits 1")
    func powerAwareCoverage() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset])
        let gated = try ana.evaldb(["coverage", "--budget", "5", "--rate", "90", "--min-power", "80", "--format", "json"])
        #expect(gated.status == 1, "\(gated.stderr)")
        let cells = try JSONSerialization.jsonObject(with: gated.stdout) as! [[String: Any]]
        // ((z.975 + z.8) · √(d − δ²) / δ)², d = 2 · 0.9 · 0.1, δ = 0.05: 557.3, so 558 examples.
        let needed = (pow((1.959964 + 0.841621) * (0.18 - 0.0025).squareRoot() / 0.05, 2)).rounded(.up)
        #expect(!cells.isEmpty)
        for cell in cells {
            #expect(number(cell["needed"]) == needed)
            #expect(number(cell["to add"]) == needed - number(cell["examples"]))
            #expect(number(cell["discordance"]) == 18.0)
            #expect(cell["note"] is String, "every cell is too small: \(cell)")
        }
        // A discordance that small regressions barely move, and a big budget: no cell is flagged for a 50-point regression.
        let loose = try ana.evaldb(["coverage", "--budget", "50", "--rate", "90", "--discordance", "50", "--min-power", "5"])
        #expect(loose.status == 0 || loose.output.contains("cells are under"), "\(loose.output)")

        let fraction = try ana.evaldb(["coverage", "--budget", "0.02"])
        #expect(fraction.status == 2 && fraction.stderr.contains("give --budget 2"), "\(fraction.stderr)")
        let negative = try ana.evaldb(["compare", "a", "b", "--budget", "-2"])
        #expect(negative.status == 2 && negative.stderr.contains("--budget 2.0, not -2.0"), "\(negative.stderr)")

        // power per slice of a run: the examples each slice needs for ±10 points.
        try ok(ana, ["run", "record", "evals/runs/baseline.jsonl", "--name", "baseline", "--dataset-file", Self.dataset])
        let perSlice =
            try JSONSerialization.jsonObject(
                with: try ana.evaldb(["power", "--run", "baseline", "--by", "feature", "--half-width", "10", "--format", "json"]).stdout)
            as! [[String: Any]]
        #expect(perSlice.count > 1)
        for slice in perSlice {
            #expect(number(slice["needed"]) - number(slice["examples"]) == number(slice["to add"]) || number(slice["to add"]) == 0)
        }
    }
}
