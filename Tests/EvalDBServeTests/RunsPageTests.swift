import EvalDBKit
import Foundation
import Testing

@testable import EvalDBServe

@Suite("serve's runs view: trend, report and compare as pictures")
struct RunsPageTests {
    @Test("the runs view draws the trend, a run's pass rates and a comparison per slice inline, label values escaped")
    func runsViewDrawsThePictures() async throws {
        let served = try ServedDataset()
        try await served.start()
        let overview = try await served.get("/")
        #expect(overview.body.contains("<a href=\"/runs\">") && overview.body.contains("/runs?run=candidate"))

        let trend = try await served.get("/runs")
        #expect(trend.status == 200)
        #expect(trend.body.components(separatedBy: "<svg ").count - 1 == 1)
        #expect(trend.body.contains("The last 2 runs"))
        #expect(trend.body.contains("all · base (version 1): ") && trend.body.contains("all · candidate (version 1): "))

        let page = try await served.get("/runs?base=base&run=candidate&by=feature&budget=5")
        #expect(page.status == 200)
        #expect(page.body.components(separatedBy: "<svg ").count - 1 == 3, "the forest plot, the pass rates and the trend")
        #expect(page.body.contains("<h2>base → candidate</h2>") && page.body.contains("<h2>Pass rate of candidate</h2>"))
        #expect(page.body.contains("slices compared; Benjamini–Hochberg adjusted p-values"))
        #expect(page.body.contains("budget -5.0"))
        // The label value `<b>bold</b>` is text in the pictures, never markup; the only script is the server's.
        #expect(page.body.contains("feature=&lt;b&gt;bold&lt;/b&gt;") && !page.body.contains("<b>bold</b>"))
        #expect(page.body.components(separatedBy: "<script").count - 1 == 1)

        #expect(try await served.get("/runs?run=nope").status != 200)
        #expect(try await served.get("/runs?run=candidate&budget=0.5x").status == 400)
        _ = await served.stop()
    }
}
