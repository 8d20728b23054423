import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An SVG file read back as XML: every element's name and attributes, and each `<g>` group with
/// its class, its tooltip (`<title>`) and its texts by class.
final class SVGReading: NSObject, XMLParserDelegate {
    struct Group {
        var className: String
        var tooltip = ""
        var texts: [String: String] = [:]
    }

    var elements: [(name: String, attributes: [String: String])] = []
    var groups: [Group] = []
    private var open: [String] = []
    private var textClass: String?
    private var characters = ""
    var error: Error?

    static func read(_ data: Data) throws -> SVGReading {
        let reading = SVGReading()
        let parser = XMLParser(data: data)
        parser.delegate = reading
        let parsed = parser.parse()
        try #require(parsed, "not well-formed XML: \(String(describing: parser.parserError))")
        return reading
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        elements.append((name, attributes))
        if name == "g" { groups.append(Group(className: attributes["class"] ?? "")) }
        open.append(name)
        textClass = name == "text" ? attributes["class"] ?? "" : nil
        characters = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { characters += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
        guard open.contains("g"), !groups.isEmpty else { return }
        if name == "title" { groups[groups.count - 1].tooltip = characters }
        if name == "text", let textClass { groups[groups.count - 1].texts[textClass] = characters }
    }

    /// No script, no event handler, nothing fetched from elsewhere: the picture stands alone.
    func expectStandalone() {
        #expect(!elements.contains { $0.name.lowercased() == "script" || $0.name == "foreignObject" || $0.name == "image" || $0.name == "style" })
        for element in elements {
            for (name, value) in element.attributes {
                #expect(!name.lowercased().hasPrefix("on"), "\(element.name) has \(name)")
                #expect(!name.hasSuffix("href") && !value.contains("url("), "\(element.name) \(name)=\(value)")
            }
        }
        #expect(elements.first?.name == "svg" && elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
    }

    /// The rows of an interval chart: label → (figures, n, mark).
    var rows: [String: (figures: String, n: String, mark: String?, marked: Bool)] {
        var rows: [String: (String, String, String?, Bool)] = [:]
        for group in groups where group.className.hasPrefix("row") {
            rows[group.texts["label"] ?? ""] = (
                group.texts["figures"] ?? "", group.texts["n"] ?? "", group.texts["mark"], group.className == "row marked"
            )
        }
        return rows
    }
}

/// Points with one decimal as the commands print them; `signed` puts "+" before a positive one.
private func points(_ value: Any?, signed: Bool = false) -> String {
    let number = (value as? NSNumber)?.doubleValue ?? .nan
    let text = String(format: "%.1f", number)
    return signed && !text.hasPrefix("-") ? "+" + text : text
}

@Suite("--plot: standalone SVG pictures whose figures are the JSON's")
struct PlotTests {
    @Test("compare --plot draws a row per slice and the overall one with the JSON's figures, the regressed slice marked")
    func forestMatchesJSON() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        let run = try cli.run(["compare", "base", "candidate", "--by", "feature", "--budget", "10", "--plot", "forest.svg", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try SliceProject.json(run)
        let svg = try SVGReading.read(try cli.read("forest.svg"))
        svg.expectStandalone()
        let rows = svg.rows
        let overall = try #require(rows["all"])
        #expect(
            overall.figures
                == "\(points(object["difference"], signed: true)) [\(points(object["low"], signed: true)), \(points(object["high"], signed: true))]")
        #expect(overall.n == "n=\(object["paired"] as? Int ?? -1)" && !overall.marked)
        let slices = try #require(object["slices"] as? [[String: Any]])
        #expect(rows.count == slices.count + 1)
        for slice in slices {
            let label = "feature=" + ((slice["values"] as? [String: String])?["feature"] ?? "")
            let row = try #require(rows[label], "no row \(label)")
            #expect(
                row.figures
                    == "\(points(slice["delta"], signed: true)) [\(points(slice["low"], signed: true)), \(points(slice["high"], signed: true))]")
            #expect(row.n == "n=\(slice["examples"] as? Int ?? -1)")
            #expect(row.marked == (slice["regressed"] as? Bool == true) && (row.mark == "regressed") == row.marked, "\(label)")
        }
        #expect(rows.values.filter(\.marked).count == 1)
        // The budget is a line with its label.
        #expect(svg.groups.contains { $0.className == "reference" } && svg.elements.contains { $0.attributes["stroke-dasharray"] != nil })
    }

    @Test("report --plot draws each slice's pass rate with its Wilson interval, as report --format json gives them")
    func reportMatchesJSON() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        #expect(try cli.run(["report", "candidate", "--by", "feature", "--plot", "report.svg"]).status == 0)
        let listing = try #require(
            try JSONSerialization.jsonObject(with: try cli.run(["report", "candidate", "--by", "feature", "--format", "json"]).stdout)
                as? [[String: Any]])
        let svg = try SVGReading.read(try cli.read("report.svg"))
        svg.expectStandalone()
        let rows = svg.rows
        #expect(rows.count == listing.count)
        for entry in listing {
            let feature = entry["feature"] as? String ?? ""
            let row = try #require(rows[feature == "(all)" ? "all" : "feature=" + feature], "no row for \(feature)")
            #expect(row.figures == "\(points(entry["rate"])) [\(points(entry["low"])), \(points(entry["high"]))]")
            #expect(row.n == "n=\(entry["examples"] as? Int ?? -1)")
        }
    }

    @Test("trend --plot draws a point a run with the JSON's rate and interval; a new dataset version starts a band and a dashed line")
    func trendMatchesJSON() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        // A third run on a second dataset version: one example's expected output edited.
        let edited = String(decoding: try cli.read("slices.jsonl"), as: UTF8.self).replacingOccurrences(
            of: #""expected_output": "ok", "id": "f00-00""#, with: #""expected_output": "fine", "id": "f00-00""#)
        try cli.write("slices.jsonl", edited)
        #expect(try cli.run(["import", "slices.jsonl"]).status == 0)
        #expect(try cli.run(["run", "record", "candidate.jsonl", "--name", "again", "--dataset-file", "slices.jsonl"]).status == 0)
        let run = try cli.run(["trend", "--plot", "trend.svg", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let listing = try #require(try JSONSerialization.jsonObject(with: run.stdout) as? [[String: Any]])
        #expect(listing.map { $0["run"] as? String } == ["base", "candidate", "again"])
        #expect(listing.map { $0["paired"] as? Bool } == [false, true, false])
        let svg = try SVGReading.read(try cli.read("trend.svg"))
        svg.expectStandalone()
        let tooltips = svg.groups.filter { $0.className == "point" }.map(\.tooltip)
        #expect(
            tooltips
                == listing.map { entry in
                    "all · \(entry["run"] as? String ?? "") (version \(entry["version"] as? Int ?? 0)): "
                        + "\(points(entry["rate"])) [\(points(entry["low"])), \(points(entry["high"]))] n=\(entry["examples"] as? Int ?? 0)"
                })
        #expect(svg.groups.filter { $0.className == "version" }.count == 2)
        #expect(svg.elements.filter { $0.attributes["class"] == "paired" }.count == 1)
        #expect(svg.elements.filter { $0.attributes["class"] == "unpaired" }.count == 1)
        let last = try SliceProject.json(try cli.run(["trend", "--last", "1", "--format", "jsonl"]))
        #expect(last["run"] as? String == "again")
    }

    @Test("trend --by gives each run the figures report --by gives it, on either dataset version (slice values read once a version)")
    func trendByMatchesReport() throws {
        let cli = try SliceProject.make()
        defer { cli.cleanUp() }
        // A second version that moves f00-01 into slice f01: a run on each version must see its own.
        let moved = String(decoding: try cli.read("slices.jsonl"), as: UTF8.self).replacingOccurrences(
            of: #""id": "f00-01", "input": "q f00-01", "labels": {"feature": "f00"}"#,
            with: #""id": "f00-01", "input": "q f00-01", "labels": {"feature": "f01"}"#)
        try cli.write("slices.jsonl", moved)
        #expect(try cli.run(["import", "slices.jsonl"]).status == 0)
        #expect(try cli.run(["run", "record", "base.jsonl", "--name", "again", "--dataset-file", "slices.jsonl"]).status == 0)
        let trend = try #require(
            try JSONSerialization.jsonObject(with: try cli.run(["trend", "--by", "feature", "--format", "json"]).stdout) as? [[String: Any]])
        #expect(trend.count == 3 * 20)
        for run in ["base", "candidate", "again"] {
            let report = try #require(
                try JSONSerialization.jsonObject(with: try cli.run(["report", run, "--by", "feature", "--format", "json"]).stdout) as? [[String: Any]]
            )
            let slices = report.filter { $0["feature"] as? String != "(all)" }
            let rows = trend.filter { $0["run"] as? String == run }
            #expect(rows.count == slices.count)
            for (row, slice) in zip(rows, slices) {
                for key in ["feature", "examples", "rate", "low", "high"] {
                    #expect("\(row[key] ?? "-")" == "\(slice[key] ?? "-")", "\(run) \(key)")
                }
            }
        }
        let again = trend.filter { $0["run"] as? String == "again" }
        #expect(again.first { $0["feature"] as? String == "f00" }?["examples"] as? Int == 39)
        #expect(trend.first { $0["run"] as? String == "base" && $0["feature"] as? String == "f00" }?["examples"] as? Int == 40)
    }

    @Test("a label value or run name full of markup is text in the picture, never an element")
    func markupIsEscaped() throws {
        let cli = try CLI()
        defer { cli.cleanUp() }
        let hostile = #"<script>alert("x")</script> & <b onload='y'>"#
        let escapedJSON = hostile.replacingOccurrences(of: "\"", with: "\\\"")
        var dataset = "", results = ""
        for index in 0..<6 {
            dataset +=
                #"{"author": "@ana", "context": null, "created_at": "2026-04-16", "expected_output": "ok", "id": "x\#(index)", "input": "q", "labels": {"feature": "\#(escapedJSON)"}, "notes": null, "source": "synth"}"#
                + "\n"
            results += #"{"id": "x\#(index)", "pass": \#(index % 2 == 0)}"# + "\n"
        }
        try cli.write("d.jsonl", dataset)
        try cli.write("r.jsonl", results)
        #expect(try cli.run(["import", "d.jsonl"]).status == 0)
        for name in ["a", "<svg onload=alert(1)>"] {
            #expect(try cli.run(["run", "record", "r.jsonl", "--name", name, "--dataset-file", "d.jsonl"]).status == 0)
        }
        #expect(try cli.run(["compare", "a", "<svg onload=alert(1)>", "--by", "feature", "--plot", "c.svg"]).status == 0)
        #expect(try cli.run(["report", "a", "--by", "feature", "--plot", "r.svg"]).status == 0)
        #expect(try cli.run(["trend", "--by", "feature", "--plot", "t.svg"]).status == 0)
        for file in ["c.svg", "r.svg", "t.svg"] {
            let svg = try SVGReading.read(try cli.read(file))
            svg.expectStandalone()
            #expect(svg.elements.filter { $0.name == "svg" }.count == 1, "\(file)")
        }
        #expect(try SVGReading.read(try cli.read("c.svg")).rows["feature=" + hostile] != nil)
    }
}
