import Foundation
import Testing

@testable import EvalDBCLI

/// Twenty slices (`feature` f00…f19) of 40 examples each, a base run and a candidate: f03 loses 15
/// examples (exact McNemar p = 2/2¹⁵, a real regression), f07 loses 6 (p = 0.031: below 0.05 on its
/// own, not once twenty slices are counted), every other slice flips 2 each way.
enum SliceProject {
    static let slices = 20, perSlice = 40

    static func make() throws -> CLI {
        let cli = try CLI()
        var dataset = "", base = "", candidate = ""
        for slice in 0..<slices {
            let feature = String(format: "f%02d", slice)
            let lost = slice == 3 ? 15 : slice == 7 ? 6 : 2, gained = slice == 3 || slice == 7 ? 0 : 2
            for example in 0..<perSlice {
                let id = "\(feature)-\(String(format: "%02d", example))"
                dataset +=
                    #"{"author": "@ana", "context": null, "created_at": "2026-04-16", "expected_output": "ok", "id": "\#(id)", "input": "q \#(id)", "labels": {"feature": "\#(feature)"}, "notes": null, "source": "synth"}"#
                    + "\n"
                // Examples 0..<lost pass in base only; the next `gained` in the candidate only; the last 5 fail in both.
                let basePass = example < lost || (example >= lost + gained && example < perSlice - 5)
                let candidatePass = (example >= lost && example < lost + gained) || (example >= lost + gained && example < perSlice - 5)
                base += #"{"id": "\#(id)", "pass": \#(basePass)}"# + "\n"
                candidate += #"{"id": "\#(id)", "pass": \#(candidatePass)}"# + "\n"
            }
        }
        try cli.write("slices.jsonl", dataset)
        try cli.write("base.jsonl", base)
        try cli.write("candidate.jsonl", candidate)
        #expect(try cli.run(["import", "slices.jsonl"]).status == 0)
        for name in ["base", "candidate"] {
            let recorded = try cli.run(["run", "record", "\(name).jsonl", "--name", name, "--dataset-file", "slices.jsonl"])
            #expect(recorded.status == 0, "\(recorded.stderr)")
        }
        return cli
    }

    static func json(_ result: CLI.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.output) \(result.stderr)")
    }
}

@Suite("compare --by: per-slice regressions under false-discovery control")
struct SliceRegressionCLITests {
    @Test("of twenty slices, only the one that holds up after Benjamini–Hochberg is named; a raw p of 0.03 is not")
    func namesOnlyTheSliceThatHoldsUp() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        let result = try cli.run(["compare", "base", "candidate", "--by", "feature", "--format", "json"])
        #expect(result.status == 0, "no budget and no --fail-on-slice: a report")
        let object = try SliceProject.json(result)
        let slices = try #require(object["slices"] as? [[String: Any]])
        #expect(slices.count == 20)
        func slice(_ feature: String) throws -> [String: Any] {
            try #require(slices.first { ($0["values"] as? [String: String])?["feature"] == feature })
        }
        let f03 = try slice("f03"), f07 = try slice("f07")
        #expect(abs((f03["mcnemar_p"] as? Double ?? 1) - 2 / 32768) < 1e-6)
        #expect(abs((f03["adjusted_p"] as? Double ?? 1) - 20 * 2 / 32768) < 1e-6)
        #expect(f03["regressed"] as? Bool == true)
        #expect(abs((f07["mcnemar_p"] as? Double ?? 1) - 0.03125) < 1e-6)
        // Second smallest of twenty: 0.03125 · 20 / 2.
        #expect(abs((f07["adjusted_p"] as? Double ?? 0) - 0.3125) < 1e-6)
        #expect(f07["regressed"] as? Bool == false)
        #expect((f03["delta"] as? Double) == -37.5 && (f03["high"] as? Double ?? 0) < 0)
        let control = try #require(object["slice_control"] as? [String: Any])
        #expect(control["compared"] as? Int == 20 && control["method"] as? String == "benjamini-hochberg")
        #expect(control["controls"] as? String == "false discovery rate" && control["level"] as? Double == 5, "Q in percent, as typed")
        #expect((control["regressed"] as? [[String: String]]) == [["feature": "f03"]])

        let table = try cli.run(["compare", "base", "candidate", "--by", "feature"]).output
        #expect(table.contains("20 slices compared; Benjamini–Hochberg adjusted p-values control the false discovery rate at 5%"), "\(table)")
        #expect(table.contains("regressed slices (adjusted p <= 0.05 and delta below 0): feature=f03"), "\(table)")
    }

    @Test("report BASE CANDIDATE --by K is compare's per-slice comparison, every format; two runs without --by are refused")
    func reportOfTwoRunsComparesPerSlice() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        for format in ["table", "json", "csv"] {
            let report = try cli.run(["report", "base", "candidate", "--by", "feature", "--format", format])
            let compare = try cli.run(["compare", "base", "candidate", "--by", "feature", "--format", format])
            #expect(report.status == 0 && report.output == compare.output, "\(format): \(report.stderr)")
        }
        #expect(try SliceProject.json(try cli.run(["report", "base", "candidate", "--by", "feature", "--format", "json"]))["slices"] != nil)
        let plotted = try cli.run(["report", "base", "candidate", "--by", "feature", "--plot", "forest.svg"])
        #expect(try plotted.status == 0 && String(decoding: cli.read("forest.svg"), as: UTF8.self).contains("f03"))
        let refused = try cli.run(["report", "base", "candidate"])
        #expect(refused.status == 2 && refused.stderr.contains("give --by K"), "\(refused.stderr)")
        #expect(try cli.run(["report", "base", "candidate", "extra", "--by", "feature"]).status == 2)
    }

    @Test("--fail-on-slice makes the gate exit 1 when a slice is named, even when the overall gate passes")
    func failOnSliceExits1() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        // Overall the candidate loses 57 examples and gains 36 of 800 (−2.6 points): a budget of 10 points passes.
        let passing = try cli.run(["compare", "base", "candidate", "--budget", "10"])
        #expect(passing.status == 0, "\(passing.output)")
        let gate = try cli.run(["compare", "base", "candidate", "--budget", "10", "--by", "feature", "--fail-on-slice", "--junit", "gate.xml"])
        #expect(gate.status == 1, "\(gate.output)")
        #expect(gate.output.contains("--fail-on-slice: exit 1"))
        let junit = String(decoding: try cli.read("gate.xml"), as: UTF8.self)
        #expect(junit.contains(#"failures="1""#) && junit.contains(#"<failure type="slice-regression""#), "\(junit)")
        #expect(try cli.run(["compare", "base", "candidate", "--budget", "10", "--by", "feature"]).status == 0)
    }

    @Test("--holm controls the family-wise error rate and says so; the flags need --by")
    func holmAndFlagsNeedBy() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        let holm = try SliceProject.json(try cli.run(["compare", "base", "candidate", "--by", "feature", "--holm", "--format", "json"]))
        let control = try #require(holm["slice_control"] as? [String: Any])
        #expect(control["method"] as? String == "holm" && control["controls"] as? String == "family-wise error rate")
        #expect((control["regressed"] as? [[String: String]]) == [["feature": "f03"]])
        for flags in [["--holm"], ["--fail-on-slice"], ["--fdr", "10"], ["--fdr", "5%"]] {
            let refused = try cli.run(["compare", "base", "candidate"] + flags)
            #expect(refused.status == 2 && refused.stderr.contains("goes with --by K"), "\(flags): \(refused.stderr)")
        }
        // Q is in percent, as every rate: 5 and 5% are the default; a fraction is refused with the
        // percent it would be; a rate of 100% controls nothing.
        let percent = try cli.run(["compare", "base", "candidate", "--by", "feature", "--fdr", "5", "--format", "json"])
        let sign = try cli.run(["compare", "base", "candidate", "--by", "feature", "--fdr", "5%", "--format", "json"])
        let byDefault = try cli.run(["compare", "base", "candidate", "--by", "feature", "--format", "json"])
        #expect(percent.output == sign.output && percent.output == byDefault.output && !percent.output.isEmpty, "\(percent.stderr)")
        let fraction = try cli.run(["compare", "base", "candidate", "--by", "feature", "--fdr", "0.05"])
        #expect(fraction.status == 2 && fraction.stderr.contains("did you mean --fdr 5?"), "\(fraction.stderr)")
        let bad = try cli.run(["compare", "base", "candidate", "--by", "feature", "--fdr", "100"])
        #expect(bad.status == 2 && bad.stderr.contains("--fdr is a rate above 0% and under 100%"), "\(bad.stderr)")
    }

    @Test("with a budget, slices too small to detect it say so, with their power as data")
    func tooSmallSlicesSaySo() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        let result = try cli.run(["compare", "base", "candidate", "--by", "feature", "--budget", "5", "--format", "json"])
        let slices = try #require(try SliceProject.json(result)["slices"] as? [[String: Any]])
        // 40 examples at a discordance of about 13%: far from 80% power for 5 points.
        #expect(slices.allSatisfy { ($0["power"] as? Double ?? 100) < 80 && $0["too_small"] as? Bool == true })
        let table = try cli.run(["compare", "base", "candidate", "--by", "feature", "--budget", "5"]).output
        #expect(table.contains("20 of 20 slices too small to detect a 5.0-point regression"), "\(table)")
        #expect(table.contains("too small for 5.0 points"))
        let wide = try SliceProject.json(try cli.run(["compare", "base", "candidate", "--by", "feature", "--budget", "40", "--format", "json"]))
        #expect((wide["slices"] as? [[String: Any]] ?? []).allSatisfy { $0["too_small"] as? Bool == false })
    }
}

@Suite("compare --format markdown: a summary for a pull request")
struct CompareMarkdownTests {
    @Test("the markdown names the regressed slice in bold, lists 20 flips a way and says how many more")
    func markdownNamesAndShortens() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        let result = try cli.run(["compare", "base", "candidate", "--by", "feature", "--budget", "10", "--fail-on-slice", "--format", "markdown"])
        #expect(result.status == 1)
        let text = result.output
        #expect(text.contains("Verdict: **pass** — the interval's lower bound"), "\(text)")
        #expect(text.contains("; **slice regression**: feature=f03 (the gate fails)"), "\(text)")
        #expect(text.contains("| **feature=f03** | 40 | 87.5 | 50.0 | -37.5 |"), "\(text)")
        #expect(text.contains("| **regressed** |"))
        // 57 examples flip pass → fail: the first 20 listed.
        let passToFail = try #require(text.split(separator: "\n").first { $0.hasPrefix("- pass→fail: ") })
        #expect(passToFail.hasSuffix(", and 37 more") && passToFail.split(separator: ",").count == 21, "\(passToFail)")
        // 20 slice rows and the overall row.
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("| ") }.count == 1 + 1 + 20)
    }

    @Test("with --plot, the markdown names the picture's file, without a link or its folder")
    func markdownNamesThePlot() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        try FileManager.default.createDirectory(atPath: cli.folder + "/out", withIntermediateDirectories: true)
        let text = try cli.run(["compare", "base", "candidate", "--by", "feature", "--plot", "out/forest.svg", "--format", "markdown"]).output
        #expect(text.hasSuffix("\nForest plot: forest.svg\n"), "\(text)")
        #expect(FileManager.default.fileExists(atPath: cli.folder + "/out/forest.svg"))
        #expect(!(try cli.run(["compare", "base", "candidate", "--by", "feature", "--format", "markdown"]).output.contains("Forest plot")))
    }

    @Test("ids past 40 characters are shortened; names and ids cannot open Markdown or HTML")
    func markdownShortensAndEscapes() {
        #expect(Compare.shortened(String(repeating: "x", count: 40)) == String(repeating: "x", count: 40))
        #expect(Compare.shortened(String(repeating: "x", count: 41)) == String(repeating: "x", count: 39) + "…")
        #expect(MarkdownText.escaped("a|b <script>*x*_y_ [l](u) `c`") == #"a\|b \<script\>\*x\*\_y\_ \[l\](u) \`c\`"#)
        #expect(MarkdownText.escaped("two\nlines") == "two lines")
    }
}
