import Base
import Foundation

/// One configuration of a search: a value of each dimension the space gives (nil keeps the bundle's).
public struct SearchTrial: Sendable, Equatable {
    /// From 0, in the order the plan lists the trials.
    public var index: Int
    public var learningRate: Float?
    public var encoder: EncoderKind?
    public var template: Template?
    public var batchSize: Int?
    public var steps: Int?
    public var seed: UInt64?
    /// A halving trial cut short for a rung, below its configuration's own steps: it is only ranked
    /// against the rung's others and never exported, so it does not refit (`TrainingSettings.refit`)
    /// and is not measured on test.
    public var rankedOnly: Bool

    public init(index: Int, learningRate: Float? = nil, encoder: EncoderKind? = nil, template: Template? = nil,
                batchSize: Int? = nil, steps: Int? = nil, seed: UInt64? = nil, rankedOnly: Bool = false) {
        self.index = index
        self.learningRate = learningRate
        self.encoder = encoder
        self.template = template
        self.batchSize = batchSize
        self.steps = steps
        self.seed = seed
        self.rankedOnly = rankedOnly
    }

    /// `spec` with this trial's values in place of the bundle's.
    public func applied(to spec: TaskSpec) -> TaskSpec {
        var spec = spec
        if let learningRate { spec.training.learningRate = learningRate }
        if let encoder { spec.encoder.kind = encoder }
        if let template { spec.template = template }
        if let batchSize { spec.training.batchSize = batchSize }
        if let steps { spec.training.maxSteps = steps }
        if let seed { spec.training.seeds = [seed] }
        if rankedOnly { spec.training.refit = false }
        return spec
    }

    /// "learning rate 0.003, encoder none, seed 13": the values this trial sets, and whether it is
    /// only ranked.
    public var settingsDescription: String {
        (values + (rankedOnly ? ["ranked only: no refit, no test"] : [])).joined(separator: ", ")
    }

    /// "trial-4-1f0c2a9b3d7e": the trial's number and a hash of the values it sets, naming its
    /// folder, so that a changed search never takes another's trial for its own. Being ranked only
    /// follows from the plan and the steps, so it is left out: a search begun by an earlier ptune
    /// finds its trials.
    public var key: String {
        "trial-\(index + 1)-" + ContentHash.sha256Hex(Data(values.joined(separator: ", ").utf8)).prefix(12)
    }

    private var values: [String] {
        [learningRate.map { "learning rate \($0)" }, encoder.map { "encoder \($0.rawValue)" },
         template.map { "template \($0.source)" }, batchSize.map { "batch \($0)" },
         steps.map { "\($0) steps" }, seed.map { "seed \($0)" }].compactMap { $0 }
    }
}
