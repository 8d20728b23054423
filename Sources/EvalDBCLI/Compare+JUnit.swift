import EvalDBKit
import Foundation

extension Compare {
    /// The gate as JUnit XML: one test case for the gate (a failure when it is a regression or
    /// inconclusive), one case per slice with its delta and p-values (a failure for a slice named
    /// as regressed under --fail-on-slice).
    func writeJUnit(_ result: RunComparison, _ slices: SliceRegressions, to path: String) throws {
        let escaped = XMLText.escaped
        let gate = "\(base) -> \(candidate)"
        let summary =
            "base \(Listing.format(result.counts.secondRate * 100, decimals: 1)), candidate \(Listing.format(result.counts.firstRate * 100, decimals: 1)), "
            + "difference \(signed(result.difference)) points, 95% CI [\(signed(result.lower)), \(signed(result.upper))], \(result.counts.n) paired examples; "
            + "pass->fail: \(result.regressed.joined(separator: ", ")); fail->pass: \(result.fixed.joined(separator: ", "))"
        var cases = ["    <testcase classname=\"evaldb.compare\" name=\"\(escaped(gate))\">"]
        switch result.verdict {
        case .regression, .inconclusive:
            let type = verdictName(result.verdict) ?? ""
            cases.append("      <failure type=\"\(type)\" message=\"\(escaped(verdictLine(result) ?? type))\">\(escaped(summary))</failure>")
        case .pass, nil: break
        }
        cases.append("      <system-out>\(escaped(summary))</system-out>")
        cases.append("    </testcase>")
        let keys = (by ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        var sliceFailures = 0
        for slice in slices.slices {
            let name = Self.sliceName(slice.values, keys: keys)
            let text =
                "\(slice.counts.n) examples, delta \(signed(slice.difference)) points, 95% CI [\(signed(slice.lower)), \(signed(slice.upper))], "
                + "exact McNemar p = \(String(format: "%.4g", slice.mcNemarP)), adjusted p = \(String(format: "%.4g", slice.adjustedP))"
                + (note(slice, slices).map { ": \($0)" } ?? "")
            var failure = ""
            if failOnSlice && slice.regressed {
                sliceFailures += 1
                failure = "<failure type=\"slice-regression\" message=\"\(escaped("\(name) regressed: \(text)"))\"/>"
            }
            cases.append(
                "    <testcase classname=\"evaldb.compare.slices\" name=\"\(escaped(name))\">\(failure)<system-out>\(escaped(text))</system-out></testcase>"
            )
        }
        let failures = (result.verdict == nil || result.verdict == .pass ? 0 : 1) + sliceFailures
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites>
              <testsuite name="evaldb compare" tests="\(1 + slices.slices.count)" failures="\(failures)" errors="0" skipped="0">
            \(cases.joined(separator: "\n"))
              </testsuite>
            </testsuites>

            """
        try ReportFile.write(xml, to: path)
    }
}
