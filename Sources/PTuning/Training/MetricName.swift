/// A metric a task kind reports (higher is better), or the log-loss beside them (lower is better). The raw value is the metric's key in report.json, in the worker's
/// messages and in the daemon's metric history ("dev_" or "test_" before it).
public enum MetricName: String, Sendable, Codable, CaseIterable, Hashable {
    case accuracy
    case macroF1 = "macro_f1"
    case pAt1 = "p_at_1"
    case pAt10 = "p_at_10"
    /// The mean of −ln p(gold answer) over the labelled records, p under the same softmax as the
    /// predictions' probabilities: what tells apart prompts of equal accuracy on a small dev split.
    case logLoss = "log_loss"

    /// The name in progress lines, messages and charts.
    public var label: String {
        switch self {
        case .accuracy: "accuracy"
        case .macroF1: "macro-F1"
        case .pAt1: "P@1"
        case .pAt10: "P@10"
        case .logLoss: "log-loss"
        }
    }

    /// The name in the column of a results table.
    public var columnLabel: String { self == .accuracy ? "acc" : label }
}

/// A value per metric, written to JSON as one key per metric present (`"accuracy": 0.81`).
public struct MetricValues<Value: Sendable & Codable & Equatable>: Sendable, Equatable {
    public var values: [MetricName: Value]

    public init(_ values: [MetricName: Value] = [:]) {
        self.values = values
    }

    public subscript(name: MetricName) -> Value? {
        get { values[name] }
        set { values[name] = newValue }
    }

    public var accuracy: Value? { values[.accuracy] }
    public var macroF1: Value? { values[.macroF1] }
    public var pAt1: Value? { values[.pAt1] }
    public var pAt10: Value? { values[.pAt10] }

    /// The metrics present, in `MetricName` order.
    public var names: [MetricName] { MetricName.allCases.filter { values[$0] != nil } }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(into container: inout KeyedEncodingContainer<Key>) throws {
        for name in names { try container.encode(values[name], forKey: Key(stringValue: name.rawValue)) }
    }

    init(from container: KeyedDecodingContainer<Key>) throws {
        var values: [MetricName: Value] = [:]
        for name in MetricName.allCases {
            values[name] = try container.decodeIfPresent(Value.self, forKey: Key(stringValue: name.rawValue))
        }
        self.values = values
    }
}

extension MetricValues: Codable {
    public init(from decoder: Decoder) throws {
        try self.init(from: decoder.container(keyedBy: Key.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try encode(into: &container)
    }
}
