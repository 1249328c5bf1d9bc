import Application
import ArgumentParser
import Base
import Daemon
import Dispatch
import Foundation
import Glibc
import PTuning
import Spool
import Synchronization

/// `ptune worker`: one job's run (training, or prediction for a `kind = "predict"` bundle), started
/// by the daemon. Not for interactive use.
///
/// Reads the bundle in JOB_DIR/bundle, writes outputs into JOB_DIR and checkpoints into
/// JOB_DIR/checkpoints (resuming from them), reports progress as JSON lines on stdout, and logs to
/// stderr. SIGTERM stops it at the next step with a checkpoint and exit status 75.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run one job for the daemon (internal).", shouldDisplay: false)

    @Option(name: .long, help: "The job's folder in the spool (active/JOB).") var jobDir: String
    @Option(name: .long, help: "The job id, for the report.") var jobID: String?
    @Option(name: .long, help: "Threads (default: the bundle's limits.threads).") var threads: Int?
    @Flag(name: .long, help: "The job is a search's trial: JOB_DIR is its folder in the search's, trials/KEY.") var trial = false
    @OptionGroup var faults: FaultInjectionOptions

    func run() throws {
        faults.apply()
        let stop = StopFlag()
        let position = SeedPosition()
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { stop.set() }
        source.resume()

        let directory = URL(fileURLWithPath: jobDir)
        // A search's trial runs in its search's folder, on the search's bundle.
        let bundle = (trial ? SearchFolder.of(trialFolder: directory).root : directory).appendingPathComponent("bundle")
        do {
            let files = BundleLoader.isPrediction(directory: bundle)
                ? try predict(bundle: bundle, directory: directory, stop: stop)
                : try train(bundle: bundle, directory: directory, trial: trial, stop: stop, position: position)
            Self.emit(WorkerMessage(kind: .finished, files: files))
        } catch {
            throw ExitCode(Self.exitStatus(reporting: error))
        }
    }

    /// The last message for `error`, sent, and the exit status that tells the daemon what it means.
    static func exitStatus(reporting error: Error) -> Int32 {
        switch error {
        case let interrupted as TrainingInterrupted:
            emit(WorkerMessage(kind: .failed, seed: Int64(interrupted.seed), step: interrupted.step,
                               message: interrupted.description))
            return WorkerExit.interrupted
        case let interrupted as PredictionInterrupted:
            emit(WorkerMessage(kind: .failed, step: interrupted.done, total: interrupted.total, message: interrupted.description))
            return WorkerExit.interrupted
        case let requested as TrialsRequested:
            log(requested.description + ": " + requested.trials.map(\.key).joined(separator: ", "))
            return WorkerExit.trialsRequested
        case let notRun as TrialNotRun:
            emit(WorkerMessage(kind: .failed, message: notRun.reason))
            return WorkerExit.notRun
        case let problems as TaskProblems:
            emit(WorkerMessage(kind: .failed, message: "the bundle cannot be run", problems: problems.problems.map(\.description)))
            return WorkerExit.badInput
        case let error as ActionableError:
            // A model the bundle names but the daemon cannot find, a precision this CPU lacks: another
            // attempt would fail the same way.
            emit(WorkerMessage(kind: .failed, message: error.description))
            return WorkerExit.badInput
        default:
            emit(WorkerMessage(kind: .failed, message: String(describing: error)))
            return ExitCode.failure.rawValue
        }
    }

    /// A training bundle; a search's is planned here and its trials run as jobs of their own.
    private func train(bundle: URL, directory: URL, trial: Bool, stop: StopFlag, position: SeedPosition) throws -> [String] {
        var run = TrainingRun(bundleDirectory: bundle, outputDirectory: directory, modelPath: nil, threads: threads,
                              resume: true, onEvent: { Self.emit(Self.message(for: $0, position: position)) },
                              log: Self.log)
        run.jobID = jobID
        run.searchRole = .plan
        run.stopRequested = { stop.isSet }
        return try (trial ? run.runSearchTrial() : run.run()).files
    }

    /// A prediction bundle: progress is records done of all records.
    private func predict(bundle: URL, directory: URL, stop: StopFlag) throws -> [String] {
        var run = PredictionRun(bundleDirectory: bundle, outputDirectory: directory, threads: threads,
                                onProgress: { Self.emit(WorkerMessage(kind: .step, step: $0, total: $1)) }, log: Self.log)
        run.jobID = jobID
        run.stopRequested = { stop.isSet }
        return try run.run().files
    }

    static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func emit(_ message: WorkerMessage?) {
        guard let message else { return }
        FileHandle.standardOutput.write(message.line())
    }

    /// `position` follows the seeds: `.started` moves it, `.step` reads it.
    static func message(for event: TrainingEvent, position: SeedPosition) -> WorkerMessage? {
        switch event {
        case let .started(seed, index, count, total, from):
            position.index = index
            position.count = count
            return WorkerMessage(kind: .started, seed: Int64(seed), step: from, total: total)
        case let .step(seed, step, total, _, loss, rate, tokens):
            return WorkerMessage(kind: .step, seed: Int64(seed), step: step, total: total, seedIndex: position.index,
                                 seedCount: position.count, loss: loss, learningRate: rate, tokensPerSecond: tokens)
        case let .evaluated(seed, step, metrics, _):
            return WorkerMessage(kind: .evaluated, seed: Int64(seed), step: step, metrics: metrics.named(prefix: "dev_"),
                                 primary: metrics.primary)
        case let .checkpointed(seed, step):
            return WorkerMessage(kind: .checkpointed, seed: Int64(seed), step: step)
        case let .finishedSeed(result):
            return WorkerMessage(kind: .seedFinished, seed: Int64(result.seed), step: result.steps,
                          metrics: (result.test?.named(prefix: "test_") ?? [:]).merging(result.dev?.named(prefix: "dev_") ?? [:]) { a, _ in a })
        case .measuredBaselines, .crossValidated, .refitting:
            return nil
        }
    }
}

/// Which of the run's seeds the worker is training, for the job's overall progress.
final class SeedPosition {
    var index = 0
    var count = 1
}

/// Set from the signal handler's queue, read by the training loop.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

extension Metrics {
    /// The metrics present, keyed PREFIX + the metric's name ("dev_accuracy").
    func named(prefix: String) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: values.names.map { (prefix + $0.rawValue, values[$0] ?? 0) })
    }
}
