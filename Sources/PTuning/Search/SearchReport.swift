import Foundation

/// `search.json`: every trial of a search with its settings and figures, and the winner, whose run's
/// outputs (report.json, prompt.safetensors, ...) are the search's.
public struct SearchReport: Codable, Sendable, Equatable {
    public var strategy: SearchStrategy
    /// One row per trial run, in the order they ran (each rung's in turn for `halving`).
    public var trials: [Row]
    /// The `index` of the winning trial; nil when none ran.
    public var winner: Int?
    /// Trials planned but not started because `budget_steps` or `budget_time` was spent.
    public var notRun: Int
    /// Trials whose jobs ended without outputs (the daemon's history says why).
    public var failed: Int
    /// The training steps of every trial run together.
    public var steps: Int

    enum CodingKeys: String, CodingKey {
        case strategy, trials, winner, steps, failed
        case notRun = "not_run"
    }

    public init(strategy: SearchStrategy, trials: [Row], winner: Int?, notRun: Int, failed: Int, steps: Int) {
        self.strategy = strategy
        self.trials = trials
        self.winner = winner
        self.notRun = notRun
        self.failed = failed
        self.steps = steps
    }

    public struct Row: Codable, Sendable, Equatable {
        public var index: Int
        /// `halving`: the rung, from 0; nil for the other strategies.
        public var rung: Int?
        public var learningRate: Double?
        public var encoder: String?
        public var template: String?
        public var batchSize: Int?
        public var maxSteps: Int?
        public var seed: UInt64?
        /// The trial's dev primary metric: its folds pooled, or its chosen seed's.
        public var dev: Double?
        /// The log-loss beside `dev`, which breaks its ties (`DevScore`); nil in reports written before it.
        public var devLogLoss: Double?
        /// The test primary metric of what the trial exported.
        public var test: Double?
        /// Steps trained, every seed and refit of the trial together.
        public var steps: Int
        /// The chosen seed's warnings; a trial whose prompt collapsed or diverged wins only when every
        /// trial did.
        public var warnings: [String]
        /// The trial's folder (its outputs and checkpoints), relative to the search's output folder.
        public var folder: String
        /// The dev primary metric against step: its folds pooled, or its chosen seed's.
        public var devCurve: [DevSample]
        /// True for a halving trial cut short for a rung (``SearchTrial/rankedOnly``): not refit, not
        /// measured on test; nil otherwise.
        public var rankedOnly: Bool?

        public init(index: Int, rung: Int?, learningRate: Double?, encoder: String?, template: String?, batchSize: Int?,
                    maxSteps: Int?, seed: UInt64?, dev: Double?, devLogLoss: Double? = nil, test: Double?, steps: Int,
                    warnings: [String], folder: String, devCurve: [DevSample] = [], rankedOnly: Bool? = nil) {
            self.index = index
            self.rung = rung
            self.learningRate = learningRate
            self.encoder = encoder
            self.template = template
            self.batchSize = batchSize
            self.maxSteps = maxSteps
            self.seed = seed
            self.dev = dev
            self.devLogLoss = devLogLoss
            self.test = test
            self.steps = steps
            self.warnings = warnings
            self.folder = folder
            self.devCurve = devCurve
            self.rankedOnly = rankedOnly
        }

        enum CodingKeys: String, CodingKey {
            case index, rung, encoder, template, seed, dev, test, steps, warnings, folder
            case learningRate = "learning_rate"
            case batchSize = "batch_size"
            case maxSteps = "max_steps"
            case devCurve = "dev_curve"
            case devLogLoss = "dev_log_loss"
            case rankedOnly = "ranked_only"
        }

        /// How the row ranks on dev.
        public var score: DevScore? { dev.map { DevScore(primary: $0, logLoss: devLogLoss) } }
    }

    /// One dev evaluation of a trial.
    public struct DevSample: Codable, Sendable, Equatable {
        public var step: Int
        public var dev: Double

        public init(step: Int, dev: Double) {
            self.step = step
            self.dev = dev
        }
    }

    /// `search.md`: the trials as a table, the winner marked; trials and rungs are numbered from 1
    /// there, as in the log and the trials' folder names.
    public var markdown: String {
        func cell(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "–" }
        let configurations = Set(trials.map(\.index)).count
        var lines = ["# Search (\(strategy.rawValue)): \(configurations) trials in \(trials.count) runs, \(steps) steps"
                     + (notRun > 0 ? ", \(notRun) not run (budget spent)" : "")
                     + (failed > 0 ? ", \(failed) failed" : ""), "",
                     "| trial | rung | learning rate | encoder | template | batch | steps | seed | dev | test | trained | warnings |",
                     "|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|"]
        for row in trials {
            let mark = row.index == winner && row == trials.last(where: { $0.index == winner }) ? " ★" : ""
            let values: [String] = ["\(row.index + 1)\(mark)", row.rung.map { String($0 + 1) } ?? "", row.learningRate.map { "\($0)" } ?? "",
                                    row.encoder ?? "", row.template.map { "`\($0)`" } ?? "", row.batchSize.map(String.init) ?? "",
                                    row.maxSteps.map(String.init) ?? "", row.seed.map(String.init) ?? "", cell(row.dev),
                                    row.rankedOnly == true ? "ranked only" : cell(row.test), "\(row.steps)",
                                    row.warnings.joined(separator: ", ")]
            lines.append("| " + values.joined(separator: " | ") + " |")
        }
        if trials.last(where: { $0.index == winner })?.rankedOnly == true {
            lines += ["", "The search ended before its last rung: its winner was only ranked, so its prompt is its "
                      + "chosen seed's, not refit, and was not measured on test (its report counts no test records)."]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
