import ArgumentParser
import EvalDBKit

struct Power: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power",
        abstract: "How precise a pass rate is on N examples, or how many examples a precision needs.",
        discussion: """
            The 95% Wilson interval's half-width for a pass rate P on N examples, or the fewest \
            examples for a half-width of PTS points. --design-effect D (from `report --cluster-by`) \
            counts clustered examples as N / D independent ones.

            With --run RUN --by K[,K] and --half-width PTS, per slice of the run: its examples, its \
            pass rate, its half-width now, and the examples it needs (and how many to add) for ±PTS.

            Examples:
              evaldb power --rate 90 --n 100          # about ±6 points
              evaldb power --rate 90 --half-width 2   # examples needed for ±2 points
              evaldb power --run baseline --by feature --half-width 5
            """)

    @Option(help: "The expected pass rate, in percent (90 for 90%).", transform: { try Percent.parse($0, flag: "--rate") })
    var rate: Double?

    @Option(name: .customLong("run"), help: "Per slice of this run (with --by and --half-width).")
    var runName: String?

    @Option(help: "Slice the run by these label keys (K[,K]).")
    var by: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    @Option(name: .customLong("n"), help: "The number of examples.")
    var n: Int?

    @Option(name: .customLong("half-width"), help: "The wanted half-width, in points.")
    var halfWidth: Double?

    @Option(name: .customLong("design-effect"), help: "The design effect of clustered examples (1: independent).")
    var designEffect: Double = 1

    @Option(help: "The confidence level, in percent (default 95).", transform: { try Percent.parse($0, flag: "--confidence") })
    var confidence: Double = 0.95

    func validate() throws {
        if runName != nil || by != nil {
            guard runName != nil, by != nil, halfWidth != nil, n == nil, rate == nil else {
                throw ValidationError("per slice: give --run RUN, --by K[,K] and --half-width PTS (the rates are the run's)")
            }
        } else {
            guard let rate else { throw ValidationError("give --rate, the expected pass rate (or --run RUN --by K)") }
            guard (n == nil) != (halfWidth == nil) else { throw ValidationError("give --n or --half-width, one of them") }
        }
        if let n, n < 1 { throw ValidationError("--n must be at least 1") }
        if let halfWidth, !(halfWidth > 0 && halfWidth < 100) { throw ValidationError("--half-width is in points, between 0 and 100") }
        guard designEffect >= 1 else { throw ValidationError("--design-effect is at least 1") }
        guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence is a percent above 0 and under 100") }
    }

    func run() throws {
        if let runName, let by, let halfWidth { return try perSlice(runName, by: by, halfWidth: halfWidth / 100) }
        guard let rate else { return }
        let level = "\(Int((confidence * 100).rounded()))%"
        let design = designEffect == 1 ? "" : " (design effect \(designEffect))"
        let shown = "\(String(format: "%g", rate * 100))%"
        if format.format != .table {
            let needed = halfWidth.map { Wilson.examplesNeeded(rate: rate, halfWidth: $0 / 100, designEffect: designEffect, confidence: confidence) }
            let examples = n ?? needed ?? 0
            var listing = Listing(columns: ["rate", "examples", "half-width", "design effect", "confidence"])
            listing.rows.append([
                .points(rate), .int(examples),
                .points(Wilson.halfWidth(rate: rate, n: examples, designEffect: designEffect, confidence: confidence)),
                .number(designEffect, decimals: 2), .points(confidence),
            ])
            Output.stdout(format.format == .json ? JSONOutput.firstObject(of: listing) : format.render(listing))
            return
        }
        if let n {
            let half = Wilson.halfWidth(rate: rate, n: n, designEffect: designEffect, confidence: confidence) * 100
            Output.stdout("pass rate \(shown) on \(n) examples\(design): ±\(String(format: "%.1f", half)) points (\(level) Wilson interval)")
        } else if let halfWidth {
            let needed = Wilson.examplesNeeded(rate: rate, halfWidth: halfWidth / 100, designEffect: designEffect, confidence: confidence)
            Output.stdout("pass rate \(shown)\(design): \(needed) examples for ±\(String(format: "%g", halfWidth)) points (\(level) Wilson interval)")
        }
    }

    /// Per slice of a run: the examples each needs for a half-width of `target` (a fraction).
    private func perSlice(_ runName: String, by: String, halfWidth target: Double) throws {
        let store = try database.openForReading()
        let keys = by.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let report = try store.report(try store.run(named: runName), by: keys)
        var listing = Listing(columns: keys + ["examples", "rate", "half-width", "needed", "to add"])
        for slice in [report.overall] + report.slices {
            let values: [Listing.Value] =
                slice.values.isEmpty ? keys.map { _ in .text("(all)") } : slice.values.map { $0.map(Listing.Value.text) ?? .null }
            let needed = Wilson.examplesNeeded(rate: slice.rate, halfWidth: target, designEffect: designEffect, confidence: confidence)
            listing.rows.append(
                values + [
                    .int(slice.examples), .points(slice.rate),
                    .points(Wilson.halfWidth(rate: slice.rate, n: slice.examples, designEffect: designEffect, confidence: confidence)),
                    .int(needed), .int(max(0, needed - slice.examples)),
                ])
        }
        Output.stdout(format.render(listing))
    }
}
