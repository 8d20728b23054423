import Foundation

/// Estimates with their intervals, one row each, on a horizontal axis in points: the forest plot of
/// `compare --plot` (paired differences, the budget as a line, regressed slices marked) and the
/// pass rates of `report --plot` (Wilson intervals). Each row is a group `<g class="row">` (with
/// `marked` when it is marked) holding its label, its interval as text ("-10.0 [-40.0, +20.2]"),
/// "n=…" and the mark's word, so that a reader — or a test — finds the same figures as the JSON.
public struct IntervalChart: Sendable {
    public struct Row: Sendable {
        public var label: String
        public var estimate: Double
        public var lower: Double
        public var upper: Double
        public var examples: Int
        /// A word shown after the row's figures (`regressed`, `too small to say`); nil: not marked.
        public var mark: String?
        /// The overall row: bold, a diamond.
        public var emphasized: Bool

        public init(label: String, estimate: Double, lower: Double, upper: Double, examples: Int, mark: String? = nil, emphasized: Bool = false) {
            self.label = label
            self.estimate = estimate
            self.lower = lower
            self.upper = upper
            self.examples = examples
            self.mark = mark
            self.emphasized = emphasized
        }
    }

    /// A vertical line across the rows at `value` (a fraction): no difference, the budget.
    public struct Reference: Sendable {
        public var value: Double
        public var label: String
        public var color: String
        public var dashed: Bool

        public init(value: Double, label: String, color: String = SVGCanvas.muted, dashed: Bool = false) {
            self.value = value
            self.label = label
            self.color = color
            self.dashed = dashed
        }
    }

    public var title: String
    public var subtitle: String
    public var axisLabel: String
    public var rows: [Row]
    public var references: [Reference]
    /// Differences are signed ("+2.4"); rates are not.
    public var signed: Bool
    /// The axis range (fractions); nil: the rows' intervals and the references, with a margin.
    public var domain: ClosedRange<Double>?
    /// The colour of marked rows.
    public var markColor: String

    public init(
        title: String, subtitle: String, axisLabel: String, rows: [Row], references: [Reference] = [], signed: Bool,
        domain: ClosedRange<Double>? = nil, markColor: String = SVGCanvas.marked
    ) {
        self.title = title
        self.subtitle = subtitle
        self.axisLabel = axisLabel
        self.rows = rows
        self.references = references
        self.signed = signed
        self.domain = domain
        self.markColor = markColor
    }

    static let rowHeight = 24.0, plotWidth = 360.0, top = 76.0, labelLimit = 60

    /// The figures of a row as its text shows them.
    public func figures(_ row: Row) -> String { PlotText.interval(row.estimate, row.lower, row.upper, signed: signed) }

    /// The axis range: `domain`, else every interval and reference with 5% of margin, on whole points.
    func range() -> (low: Double, high: Double) {
        if let domain { return (domain.lowerBound, domain.upperBound) }
        let values = rows.flatMap { [$0.lower, $0.upper] } + references.map(\.value)
        var low = values.min() ?? 0, high = values.max() ?? 1
        if high - low < 0.01 { (low, high) = (low - 0.005, high + 0.005) }
        let margin = (high - low) * 0.05
        return (((low - margin) * 100).rounded(.down) / 100, ((high + margin) * 100).rounded(.up) / 100)
    }

    /// Tick values on the axis: 4 to 10 of them, on a step of 1, 2, 5, 10, 20 or 25 points.
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let span = (high - low) * 100
        let step = [1.0, 2, 5, 10, 20, 25, 50].first { span / $0 <= 10 } ?? 50
        var ticks: [Double] = []
        var tick = (low * 100 / step).rounded(.up) * step
        while tick <= high * 100 + 1e-9 {
            ticks.append(tick / 100)
            tick += step
        }
        return ticks
    }

    /// The standalone SVG document.
    public func svg() -> String { canvas().document }

    /// The picture, for a document of its own (`document`) or inside an HTML page (`element`).
    public func canvas() -> SVGCanvas {
        let shown = rows.map { $0.label.count > Self.labelLimit ? String($0.label.prefix(Self.labelLimit - 1)) + "…" : $0.label }
        // Columns: labels (bold ones are wider), the plot, the figures, n, the mark.
        let labelWidth = min(440, max(80, (shown.map { SVGCanvas.textWidth($0, size: 12, bold: true) }.max() ?? 0) + 24))
        let figuresWidth = (rows.map { SVGCanvas.textWidth(figures($0), size: 12, bold: true) }.max() ?? 0) + 14
        let nWidth = (rows.map { SVGCanvas.textWidth("n=\($0.examples)", size: 12) }.max() ?? 0) + 14
        let markWidth = (rows.compactMap { $0.mark.map { SVGCanvas.textWidth($0, size: 12, bold: true) } }.max() ?? 0) + 16
        let left = labelWidth, figuresX = left + Self.plotWidth + 16
        let width = max(
            figuresX + figuresWidth + nWidth + markWidth, SVGCanvas.textWidth(subtitle, size: 12) + 32,
            SVGCanvas.textWidth(title, size: 15, bold: true) + 32)
        let bottom = Self.top + Double(rows.count) * Self.rowHeight
        var canvas = SVGCanvas(width: width, height: bottom + 52, title: title)
        canvas.text(title, x: 16, y: 24, size: 15, bold: true, className: "title")
        canvas.text(subtitle, x: 16, y: 44, size: 12, fill: SVGCanvas.muted, className: "subtitle")
        let (low, high) = range()
        func x(_ value: Double) -> Double { left + (min(max(value, low), high) - low) / (high - low) * Self.plotWidth }
        for index in rows.indices where index % 2 == 1 {
            canvas.rect(x: 8, y: Self.top + Double(index) * Self.rowHeight, width: width - 16, height: Self.rowHeight, fill: SVGCanvas.band)
        }
        // Grid and axis.
        for tick in Self.ticks(low, high) {
            canvas.line(x1: x(tick), y1: Self.top - 4, x2: x(tick), y2: bottom, stroke: SVGCanvas.grid, className: "grid")
            canvas.text(Self.tickText(tick, signed: signed), x: x(tick), y: bottom + 16, anchor: .middle, size: 11, fill: SVGCanvas.muted)
        }
        canvas.line(x1: left, y1: bottom, x2: left + Self.plotWidth, y2: bottom, stroke: SVGCanvas.muted, className: "axis")
        canvas.text(
            axisLabel, x: left + Self.plotWidth / 2, y: bottom + 36, anchor: .middle, size: 12, fill: SVGCanvas.muted, className: "axis-label")
        // References, each label on the side away from the one beside it.
        let drawn = references.filter { $0.value >= low && $0.value <= high }.sorted { $0.value < $1.value }
        for (index, reference) in drawn.enumerated() {
            let leftmost = index == 0 && drawn.count > 1
            canvas.group(className: "reference") { canvas in
                canvas.line(
                    x1: x(reference.value), y1: Self.top - 12, x2: x(reference.value), y2: bottom, stroke: reference.color, width: 1.5,
                    dash: reference.dashed ? "5 4" : nil)
                canvas.text(
                    reference.label, x: x(reference.value) + (leftmost ? -4 : 4), y: Self.top - 4, anchor: leftmost ? .end : .start, size: 11,
                    fill: reference.color)
            }
        }
        for (index, row) in rows.enumerated() {
            let y = Self.top + (Double(index) + 0.5) * Self.rowHeight
            let color = row.mark == nil ? (row.emphasized ? SVGCanvas.ink : SVGCanvas.accent) : markColor
            canvas.group(className: row.mark == nil ? "row" : "row marked", tooltip: row.label + ": " + figures(row) + " n=\(row.examples)") {
                canvas in
                canvas.text(shown[index], x: left - 12, y: y + 4, anchor: .end, bold: row.emphasized || row.mark != nil, className: "label")
                canvas.line(x1: x(row.lower), y1: y, x2: x(row.upper), y2: y, stroke: color, width: 2)
                for end in [row.lower, row.upper] { canvas.line(x1: x(end), y1: y - 5, x2: x(end), y2: y + 5, stroke: color, width: 2) }
                let cx = x(row.estimate)
                if row.emphasized {
                    canvas.polygon([(cx - 7, y), (cx, y - 7), (cx + 7, y), (cx, y + 7)], fill: color)
                } else {
                    canvas.circle(cx: cx, cy: y, r: 4.5, fill: color)
                }
                canvas.text(figures(row), x: figuresX, y: y + 4, bold: row.emphasized, fill: color, className: "figures")
                canvas.text("n=\(row.examples)", x: figuresX + figuresWidth, y: y + 4, fill: SVGCanvas.muted, className: "n")
                if let mark = row.mark {
                    canvas.text(mark, x: figuresX + figuresWidth + nWidth, y: y + 4, bold: true, fill: markColor, className: "mark")
                }
            }
        }
        return canvas
    }

    /// A tick's label: whole points without decimals ("-20", "+10", "0").
    static func tickText(_ tick: Double, signed: Bool) -> String {
        let points = (tick * 100).rounded()
        let text = String(format: "%.0f", points == 0 ? 0 : points)
        return signed && points > 0 ? "+" + text : text
    }
}
