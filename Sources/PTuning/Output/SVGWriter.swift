import Foundation

/// Builds SVG 1.1 text element by element; every attribute value and text run is escaped.
struct SVGWriter {
    private(set) var body: [String] = []

    /// `&`, `<`, `>`, `"` and `'` as XML entities.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A coordinate or length with at most two decimals.
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) {
        let attrs = attributes.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined()
        if let text {
            body.append("<\(name)\(attrs)>\(Self.escape(text))</\(name)>")
        } else {
            body.append("<\(name)\(attrs)/>")
        }
    }

    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        body.append("<\(name)\(attributes.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined())>")
    }

    mutating func close(_ name: String) { body.append("</\(name)>") }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                       dash: String? = nil) {
        var attributes = [("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)),
                          ("stroke", stroke), ("stroke-width", Self.number(width))]
        if let dash { attributes.append(("stroke-dasharray", dash)) }
        element("line", attributes)
    }

    mutating func text(_ content: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
                       weight: String = "normal", fill: String = "#333", rotate: Bool = false) {
        var attributes = [("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size)),
                          ("text-anchor", anchor), ("font-weight", weight), ("fill", fill)]
        if rotate { attributes.append(("transform", "rotate(-90 \(Self.number(x)) \(Self.number(y)))")) }
        element("text", attributes, text: content)
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double, opacity: Double = 1,
                           className: String) {
        element("polyline", [
            ("class", className),
            ("points", points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")),
            ("fill", "none"), ("stroke", stroke), ("stroke-width", Self.number(width)),
            ("stroke-opacity", Self.number(opacity)), ("stroke-linejoin", "round"),
        ])
    }

    /// The document: an `svg` root of the given size with a sans-serif default font.
    func document(width: Double, height: Double) -> String {
        let header = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(Self.number(width))" \
            height="\(Self.number(height))" viewBox="0 0 \(Self.number(width)) \(Self.number(height))" \
            font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
            """
        return ([header] + body + ["</svg>"]).joined(separator: "\n") + "\n"
    }
}
