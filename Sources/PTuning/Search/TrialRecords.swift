import Foundation

/// A trial as a search asks for it: a configuration of the plan, in a rung, for a number of steps.
/// `ptune train` runs it itself; the daemon runs it as a child job of the search's job.
public struct PlannedTrial: Codable, Sendable, Equatable {
    /// The configuration's index in the plan.
    public var index: Int
    /// `halving`: the rung, from 0; nil for the other strategies.
    public var rung: Int?
    /// The rung's steps, where the rung sets them; nil: the configuration's own.
    public var steps: Int?
    /// The folder name of the trial (``SearchTrial/key`` of the configuration with these steps).
    public var key: String
    /// The values the trial sets, in words.
    public var settings: String
}

/// How a trial ended, as its folder records it (`trial-result.json`, written last).
public struct EndedTrial: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// Trained and wrote its outputs.
        case ran
        /// Never started: the search's budget was spent.
        case notRun = "not_run"
        /// Its job ended without outputs (the daemon's record of why is its reason).
        case failed
    }

    public var trial: PlannedTrial
    public var outcome: Outcome
    /// Its row of search.json; nil unless it ran.
    public var row: SearchReport.Row?
    /// Whether its chosen seed neither collapsed nor diverged.
    public var sound: Bool
    /// Why it did not run.
    public var reason: String?
    /// The output files it wrote into its folder.
    public var files: [String]

    public init(trial: PlannedTrial, outcome: Outcome, row: SearchReport.Row? = nil, sound: Bool = false,
                reason: String? = nil, files: [String] = []) {
        self.trial = trial
        self.outcome = outcome
        self.row = row
        self.sound = sound
        self.reason = reason
        self.files = files
    }

    /// A trial that trained: its row from `outcome` (`applied`: its configuration with the rung's
    /// steps), its folder relative to the search's output folder.
    public init(ran trial: PlannedTrial, applied: SearchTrial, outcome: TrainingOutcome, folder: String, files: [String]) {
        let chosen = outcome.seeds.first { $0.seed == outcome.bestSeed }
        let test: Metrics? = switch outcome.exported {
        case .manualTemplate: outcome.baselines.manual.test
        case .refit: outcome.refit?.result.test
        case .chosenSeed: chosen?.test
        }
        let warnings = chosen?.warnings.map(\.kind) ?? []
        let devMetrics = outcome.crossValidation?.judged ?? chosen?.dev
        let row = SearchReport.Row(index: trial.index, rung: trial.rung, learningRate: applied.learningRate.map { Double(shortest: $0) },
                                   encoder: applied.encoder?.rawValue, template: applied.template?.source,
                                   batchSize: applied.batchSize, maxSteps: applied.steps, seed: applied.seed,
                                   dev: devMetrics?.primary, devLogLoss: devMetrics?.score.logLoss, test: test?.primary,
                                   steps: (outcome.seeds + (outcome.refit.map { [$0.result] } ?? [])).map(\.steps).reduce(0, +),
                                   warnings: warnings.map(\.rawValue), folder: folder,
                                   devCurve: (outcome.crossValidation?.curve ?? chosen?.devCurve ?? [])
                                       .map { SearchReport.DevSample(step: $0.step, dev: $0.metrics.primary) },
                                   rankedOnly: applied.rankedOnly ? true : nil)
        self.init(trial: trial, outcome: .ran, row: row,
                  sound: !warnings.contains(.oneAnswer) && !warnings.contains(.lossAboveUniform), files: files)
    }

    /// The name of the file a trial's folder records its end in.
    public static let fileName = "trial-result.json"
    /// The name of the file a trial's folder records what it was asked to run in.
    public static let planFileName = "trial-plan.json"
}
