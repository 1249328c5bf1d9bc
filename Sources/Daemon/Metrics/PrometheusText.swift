import Foundation

/// The Prometheus text exposition format (version 0.0.4): each family once, with its HELP and
/// TYPE lines before its samples. Written by hand because no package of ours writes it and the
/// format is a few lines of escaping.
struct PrometheusText {
    enum Kind: String { case gauge, counter, histogram }

    private(set) var text = ""
    private var families: Set<String> = []

    /// Starts the family `name`; its samples follow with `sample`.
    mutating func family(_ name: String, _ kind: Kind, help: String) {
        precondition(families.insert(name).inserted, "metric family \(name) written twice")
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample line: `name{label="value",...} value`.
    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    /// A family with one sample and no labels.
    mutating func single(_ name: String, _ kind: Kind, help: String, _ value: Double) {
        family(name, kind, help: help)
        sample(name, [], value)
    }

    /// The `_bucket`, `_sum` and `_count` samples of a histogram family.
    mutating func histogram(_ name: String, help: String, bounds: [Double], cumulative: [Int], count: Int, sum: Double) {
        family(name, .histogram, help: help)
        for (bound, n) in zip(bounds, cumulative) { sample(name + "_bucket", [("le", Self.format(bound))], Double(n)) }
        sample(name + "_bucket", [("le", "+Inf")], Double(count))
        sample(name + "_sum", [], sum)
        sample(name + "_count", [], Double(count))
    }

    /// Integers without a fraction, others in the shortest form that reads back exactly.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Label values escape backslash, double quote and newline.
    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// HELP texts escape backslash and newline.
    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
