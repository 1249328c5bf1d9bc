import Foundation
import Spool

/// One line of JSON a worker writes on its stdout pipe: progress, metrics and its result.
public struct WorkerMessage: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Training of a seed begins (or resumes at `step`).
        case started
        /// One optimizer step finished.
        case step
        /// A dev evaluation finished; `metrics` holds its figures.
        case evaluated
        /// A checkpoint is on disk at `step`.
        case checkpointed
        /// A seed finished.
        case seedFinished = "seed_finished"
        /// The run finished and wrote its outputs (`files`).
        case finished
        /// The run failed; `message` says why, `problems` lists bundle problems when there are any.
        case failed
    }

    public var kind: Kind
    public var seed: Int64?
    public var step: Int?
    public var total: Int?
    /// step: which of the run's seeds this is (0-based) and how many there are, so the job's progress
    /// counts every seed's steps.
    public var seedIndex: Int?
    public var seedCount: Int?
    public var loss: Double?
    public var learningRate: Double?
    public var tokensPerSecond: Double?
    /// Metric name to value ("dev_accuracy", "dev_p_at_1", ...).
    public var metrics: [String: Double]?
    /// evaluated: the task kind's primary metric among `metrics` (accuracy, or P@1 for fill), which
    /// `ptune status` shows as the job's dev figure.
    public var primary: Double?
    public var files: [String]?
    public var message: String?
    public var problems: [String]?

    public init(kind: Kind, seed: Int64? = nil, step: Int? = nil, total: Int? = nil, seedIndex: Int? = nil,
                seedCount: Int? = nil, loss: Double? = nil,
                learningRate: Double? = nil, tokensPerSecond: Double? = nil, metrics: [String: Double]? = nil,
                primary: Double? = nil,
                files: [String]? = nil, message: String? = nil, problems: [String]? = nil) {
        self.kind = kind
        self.seed = seed
        self.step = step
        self.total = total
        self.seedIndex = seedIndex
        self.seedCount = seedCount
        self.loss = loss
        self.learningRate = learningRate
        self.tokensPerSecond = tokensPerSecond
        self.metrics = metrics
        self.primary = primary
        self.files = files
        self.message = message
        self.problems = problems
    }

    /// The message as one line of JSON, newline included.
    public func line() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = (try? encoder.encode(self)) ?? Data("{\"kind\":\"failed\"}".utf8)
        data.append(0x0A)
        return data
    }
}

/// How a worker process ends, by exit status.
public enum WorkerExit {
    /// Trained and wrote every output.
    public static let success: Int32 = 0
    /// The bundle or its data is unusable: retrying will not help (EX_DATAERR).
    public static let badInput: Int32 = 65
    /// Stopped on request after writing a checkpoint; resumable (EX_TEMPFAIL).
    public static let interrupted: Int32 = 75
    /// A search's worker asked for trials (`SearchFolder.request`) and waits for them.
    public static let trialsRequested = SearchFolder.requestExitStatus
    /// A search's trial did not start: the search's budget was spent.
    public static let notRun = SearchFolder.notRunExitStatus
}
