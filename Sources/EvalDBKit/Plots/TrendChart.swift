import Foundation

/// Pass rates of runs over time (`trend --plot`): one column a run, oldest first, each rate a point
/// with its interval; one series a slice (or the whole run). Runs on the same dataset version share
/// a shaded band labelled with the version, and consecutive runs of one series are joined by a solid
/// line when they ran on the same version — their comparison is paired on the same examples — and by
/// a dashed one when the version changed between them. Each point is a group `<g class="point">`
/// whose tooltip (`<title>`) reads "SERIES · RUN (version V): RATE [LOW, HIGH] n=N".
public struct TrendChart: Sendable {
    public struct Run: Sendable {
        public var name: String
        public var version: Int

        public init(name: String, version: Int) {
            self.name = name
            self.version = version
        }
    }

    public struct Point: Sendable {
        public var rate: Double
        public var lower: Double
        public var upper: Double
        public var examples: Int

        public init(rate: Double, lower: Double, upper: Double, examples: Int) {
            self.rate = rate
            self.lower = lower
            self.upper = upper
            self.examples = examples
        }
    }

    public struct Series: Sendable {
        public var name: String
        /// One per run, nil where the run has no example of the series.
        public var points: [Point?]

        public init(name: String, points: [Point?]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var subtitle: String
    public var runs: [Run]
    public var series: [Series]

    public init(title: String, subtitle: String, runs: [Run], series: [Series]) {
        self.title = title
        self.subtitle = subtitle
        self.runs = runs
        self.series = series
    }

    static let key = "solid: same dataset version, paired on the same examples · dashed: the version changed between the runs"
    static let palette = ["#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e", "#1b7c83", "#656d76"]
    static let plotHeight = 300.0, top = 72.0, left = 64.0

    /// The tooltip of a point, as a reader (and a test) finds it.
    public func tooltip(series: Series, run: Run, point: Point) -> String {
        "\(series.name) · \(run.name) (version \(run.version)): \(PlotText.interval(point.rate, point.lower, point.upper)) n=\(point.examples)"
    }

    /// The standalone SVG document.
    public func svg() -> String { canvas().document }

    /// The picture, for a document of its own (`document`) or inside an HTML page (`element`).
    public func canvas() -> SVGCanvas {
        let step = max(24, min(160, 480 / Double(max(runs.count, 1))))
        let plotWidth = step * Double(max(runs.count, 1))
        let legendWidth = series.count > 1 ? min(300, (series.map { SVGCanvas.textWidth($0.name, size: 12) }.max() ?? 0) + 40) : 0
        let labelDepth = min(160, (runs.map { SVGCanvas.textWidth($0.name, size: 11) }.max() ?? 0) * 0.72 + 16)
        let width = max(
            Self.left + plotWidth + legendWidth + 24, SVGCanvas.textWidth(title, size: 15, bold: true) + 32,
            SVGCanvas.textWidth(subtitle, size: 12) + 32,
            SVGCanvas.textWidth(Self.key, size: 11) + 32)
        let bottom = Self.top + Self.plotHeight
        let height = bottom + labelDepth + 44
        var canvas = SVGCanvas(width: width, height: height, title: title)
        canvas.text(title, x: 16, y: 24, size: 15, bold: true, className: "title")
        canvas.text(subtitle, x: 16, y: 44, size: 12, fill: SVGCanvas.muted, className: "subtitle")
        let points = series.flatMap { $0.points.compactMap { $0 } }
        var low = ((points.map(\.lower).min() ?? 0) * 10).rounded(.down) / 10
        var high = ((points.map(\.upper).max() ?? 1) * 10).rounded(.up) / 10
        if high - low < 0.1 { (low, high) = (max(0, high - 0.1), max(0.1, high)) }
        func x(_ index: Int) -> Double { Self.left + (Double(index) + 0.5) * step }
        func y(_ value: Double) -> Double { bottom - (value - low) / (high - low) * Self.plotHeight }
        // Bands: runs on one dataset version in a row.
        var start = 0, block = 0
        for index in runs.indices where index == runs.count - 1 || runs[index + 1].version != runs[index].version {
            let bandLeft = Self.left + Double(start) * step, bandWidth = Double(index - start + 1) * step
            canvas.group(className: "version") { canvas in
                if block % 2 == 1 {
                    canvas.rect(x: bandLeft, y: Self.top, width: bandWidth, height: Self.plotHeight, fill: SVGCanvas.band)
                }
                canvas.line(x1: bandLeft, y1: Self.top - 8, x2: bandLeft, y2: bottom, stroke: SVGCanvas.grid, dash: "3 3")
                canvas.text("version \(runs[start].version)", x: bandLeft + 4, y: Self.top - 10, size: 11, fill: SVGCanvas.muted)
            }
            start = index + 1
            block += 1
        }
        // The y axis in points.
        for tick in IntervalChart.ticks(low, high) {
            canvas.line(x1: Self.left, y1: y(tick), x2: Self.left + plotWidth, y2: y(tick), stroke: SVGCanvas.grid, className: "grid")
            canvas.text(IntervalChart.tickText(tick, signed: false), x: Self.left - 8, y: y(tick) + 4, anchor: .end, size: 11, fill: SVGCanvas.muted)
        }
        canvas.text(
            "pass rate, points (95% Wilson)", x: 16, y: Self.top + Self.plotHeight / 2, anchor: .middle, size: 12, fill: SVGCanvas.muted, rotate: -90)
        canvas.line(x1: Self.left, y1: bottom, x2: Self.left + plotWidth, y2: bottom, stroke: SVGCanvas.muted, className: "axis")
        for (index, run) in runs.enumerated() {
            canvas.text(run.name, x: x(index), y: bottom + 14, anchor: .end, size: 11, rotate: -40, className: "run")
        }
        for (number, line) in series.enumerated() {
            let color = Self.palette[number % Self.palette.count]
            let offset = series.count > 1 ? (Double(number) - Double(series.count - 1) / 2) * min(6, step / Double(series.count + 1)) : 0
            var previous: (index: Int, point: Point)?
            for (index, point) in line.points.enumerated() {
                guard let point else { continue }
                if let previous {
                    let paired = runs[previous.index].version == runs[index].version
                    canvas.line(
                        x1: x(previous.index) + offset, y1: y(previous.point.rate), x2: x(index) + offset, y2: y(point.rate), stroke: color,
                        width: 1.5,
                        dash: paired ? nil : "4 4", className: paired ? "paired" : "unpaired")
                }
                previous = (index, point)
            }
            for (index, point) in line.points.enumerated() {
                guard let point else { continue }
                canvas.group(className: "point", tooltip: tooltip(series: line, run: runs[index], point: point)) { canvas in
                    canvas.line(x1: x(index) + offset, y1: y(point.lower), x2: x(index) + offset, y2: y(point.upper), stroke: color, width: 1.5)
                    canvas.circle(cx: x(index) + offset, cy: y(point.rate), r: 4, fill: "#ffffff", stroke: color)
                }
            }
            if series.count > 1 {
                let legendY = Self.top + 8 + Double(number) * 18
                canvas.group(className: "legend") { canvas in
                    canvas.line(x1: Self.left + plotWidth + 16, y1: legendY, x2: Self.left + plotWidth + 32, y2: legendY, stroke: color, width: 2)
                    canvas.text(line.name, x: Self.left + plotWidth + 38, y: legendY + 4, size: 12)
                }
            }
        }
        canvas.text(Self.key, x: 16, y: height - 12, size: 11, fill: SVGCanvas.muted, className: "key")
        return canvas
    }
}
