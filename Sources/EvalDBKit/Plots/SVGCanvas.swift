import Foundation

/// An SVG picture built element by element. The document stands alone: no script, no external
/// font, image or stylesheet (text uses the reader's own sans-serif font), every piece of text
/// escaped (`XMLText`) — so it renders the same in a browser, in a pull request and in docs, and
/// a run name or label value cannot add markup. Coordinates are user units (pixels at 100%).
public struct SVGCanvas: Sendable {
    public enum Anchor: String, Sendable {
        case start, middle, end
    }

    public let width: Double
    public let height: Double
    private let title: String
    private var elements: [String] = []
    private var depth = 1

    /// The palette of every plot: ink, muted ink, grid, the marked (regressed) colour, the band.
    public static let ink = "#1f2328", muted = "#656d76", grid = "#d0d7de", marked = "#cf222e", accent = "#0969da", band = "#f6f8fa"
    static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"

    public init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        self.title = title
    }

    /// A number as an attribute value: at most two decimals, no exponent, no "-0".
    static func number(_ value: Double) -> String {
        let text = String(format: "%.2f", value.isFinite ? value : 0)
        var trimmed = text
        while trimmed.contains(".") && (trimmed.hasSuffix("0") || trimmed.hasSuffix(".")) { trimmed.removeLast() }
        return trimmed == "-0" ? "0" : trimmed
    }

    private mutating func append(_ element: String) {
        elements.append(String(repeating: "  ", count: depth) + element)
    }

    private static func attributes(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in value.map { " \(name)=\"\(XMLText.escaped($0))\"" } }.joined()
    }

    public mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = ink, width: Double = 1, dash: String? = nil, className: String? = nil
    ) {
        append(
            "<line"
                + Self.attributes([
                    ("class", className), ("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)),
                    ("stroke", stroke), ("stroke-width", Self.number(width)), ("stroke-dasharray", dash),
                ]) + "/>")
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, className: String? = nil) {
        append(
            "<rect"
                + Self.attributes([
                    ("class", className), ("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(width)),
                    ("height", Self.number(height)), ("fill", fill),
                ]) + "/>")
    }

    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil, className: String? = nil) {
        append(
            "<circle"
                + Self.attributes([
                    ("class", className), ("cx", Self.number(cx)), ("cy", Self.number(cy)), ("r", Self.number(r)), ("fill", fill), ("stroke", stroke),
                    ("stroke-width", stroke == nil ? nil : "1.5"),
                ]) + "/>")
    }

    /// A closed shape through `points`.
    public mutating func polygon(_ points: [(Double, Double)], fill: String, className: String? = nil) {
        let list = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        append("<polygon" + Self.attributes([("class", className), ("points", list), ("fill", fill)]) + "/>")
    }

    /// One line of text; `rotate` turns it about its anchor point (degrees, clockwise).
    public mutating func text(
        _ content: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12, bold: Bool = false, fill: String = ink,
        rotate: Double? = nil, className: String? = nil
    ) {
        append(
            "<text"
                + Self.attributes([
                    ("class", className), ("x", Self.number(x)), ("y", Self.number(y)), ("text-anchor", anchor.rawValue),
                    ("font-size", Self.number(size)), ("font-weight", bold ? "bold" : nil), ("fill", fill),
                    ("transform", rotate.map { "rotate(\(Self.number($0)) \(Self.number(x)) \(Self.number(y)))" }),
                ]) + ">" + XMLText.escaped(content) + "</text>")
    }

    /// A group of elements (`<g class="…">`) with an optional tooltip (`<title>`), which a reader
    /// sees on hover and a test reads.
    public mutating func group(className: String, tooltip: String? = nil, _ body: (inout SVGCanvas) -> Void) {
        append("<g" + Self.attributes([("class", className)]) + ">")
        depth += 1
        if let tooltip { append("<title>" + XMLText.escaped(tooltip) + "</title>") }
        body(&self)
        depth -= 1
        append("</g>")
    }

    /// The `<svg>` element alone: what an HTML page holds inline.
    public var element: String {
        let size = "width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\""
        return """
            <svg xmlns="http://www.w3.org/2000/svg" \(size) role="img" font-family="\(XMLText.escaped(Self.fontFamily))">
              <title>\(XMLText.escaped(title))</title>
              <rect x="0" y="0" width="\(Self.number(width))" height="\(Self.number(height))" fill="#ffffff"/>
            \(elements.joined(separator: "\n"))
            </svg>
            """
    }

    /// The whole document: an XML declaration, then the element.
    public var document: String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element + "\n" }

    /// About how wide `text` is at `size`: an average sans-serif glyph is a little over half its
    /// size, a bold one wider. Generous, so that columns laid out by it do not overlap.
    static func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double { Double(text.count) * size * (bold ? 0.66 : 0.6) }
}

/// Numbers as the plots print them: percentage points with one decimal and an ASCII minus, as
/// every command's table does.
public enum PlotText {
    /// `fraction` in points, one decimal; `signed` puts "+" before a positive value (a difference).
    public static func points(_ fraction: Double, signed: Bool = false) -> String {
        var text = String(format: "%.1f", fraction * 100)
        if text == "-0.0" { text = "0.0" }
        return signed && !text.hasPrefix("-") ? "+" + text : text
    }

    /// "value [low, high]" in points.
    public static func interval(_ estimate: Double, _ lower: Double, _ upper: Double, signed: Bool = false) -> String {
        "\(points(estimate, signed: signed)) [\(points(lower, signed: signed)), \(points(upper, signed: signed))]"
    }
}
