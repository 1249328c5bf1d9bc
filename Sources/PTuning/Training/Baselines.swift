import Tensor

/// What a prompt must beat to be worth having, measured on the same dev and test records as the
/// run: always giving the training split's most frequent answer, and the manual template (words
/// only, no pseudo tokens).
public struct Baselines: Sendable, Codable, Equatable {
    /// The most frequent answer of the training split and how often it is right.
    public var majority: Baseline
    /// The manual template and what it scores.
    public var manual: Baseline

    public struct Baseline: Sendable, Codable, Equatable {
        /// majority: the answer; manual: the template.
        public var description: String
        public var dev: Metrics?
        public var test: Metrics?
    }

    /// The better of the two on dev, the mark a sound run's dev metric rises above.
    public var devMark: Double? {
        let marks = [majority.dev?.primary, manual.dev?.primary].compactMap { $0 }
        return marks.max()
    }

    /// Whether `dev` rises above both on dev: above the majority answer's primary metric, and above
    /// the manual template's `DevScore` (an equal primary metric with a lower log-loss is above it).
    /// Exporting a prompt asks more of it (`ManualFallbackReason`).
    public func beaten(by dev: Metrics) -> Bool {
        (majority.dev.map { dev.primary > $0.primary } ?? true) && (manual.dev.map { dev.score > $0.score } ?? true)
    }
}

/// A manual template's records, encoded for evaluation without a prompt table.
public struct ManualTemplateData: Sendable {
    public let encoder: ExampleEncoder
    public let dev: [EncodedExample]
    public let test: [EncodedExample]

    public init(encoder: ExampleEncoder, dev: [EncodedExample], test: [EncodedExample]) {
        self.encoder = encoder
        self.dev = dev
        self.test = test
    }
}

extension Baselines {
    /// Both baselines of a task: the majority answer read from `data.train`, the manual template
    /// evaluated with the model (no prompt table) when `data.manual` is given.
    static func measure(data: TrainingData, evaluator: Evaluator, batchSize: Int) -> Baselines {
        let manual = data.manual
        let kind = evaluator.encoder.spec.kind
        var counts: [Int: Int] = [:]
        for example in data.train { if let answer = example.answer { counts[answer, default: 0] += 1 } }
        let answer = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
        func majorityMetrics(_ split: [EncodedExample]) -> Metrics? {
            let labelled = split.filter { $0.answer != nil }
            guard let answer, !labelled.isEmpty else { return nil }
            let right = Double(labelled.filter { $0.answer == answer }.count) / Double(labelled.count)
            return Metrics(count: labelled.count, values: [kind.primaryMetric: right], primary: kind.primaryMetric)
        }
        var manualBaseline = Baseline(description: manual?.encoder.spec.template.source ?? "", dev: nil, test: nil)
        if let manual {
            let manualEvaluator = Evaluator(model: evaluator.model, encoder: manual.encoder)
            let empty = FloatBuffer(count: 0)
            func measure(_ split: [EncodedExample]) -> Metrics? {
                split.isEmpty ? nil
                    : Metrics.of(manualEvaluator.predict(split, table: empty, batchSize: batchSize), kind: kind)
            }
            manualBaseline.dev = measure(manual.dev)
            manualBaseline.test = measure(manual.test)
        }
        return Baselines(majority: Baseline(description: answer.map(evaluator.answerText) ?? "",
                                            dev: majorityMetrics(data.dev), test: majorityMetrics(data.test)),
                         manual: manualBaseline)
    }
}
