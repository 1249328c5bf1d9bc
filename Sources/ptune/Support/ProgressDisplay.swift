import Foundation
import Glibc
import PTuning

/// Renders training progress on stderr: a redrawn bar with rate and ETA on a terminal, plain lines
/// (every `lineEvery` steps and at each evaluation) otherwise.
final class ProgressDisplay {
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lineEvery: Int
    private var lastDev: Metrics?
    private var smoothedLoss: Double?
    private var smoothedRate: Double?
    private var started = Date()
    private var seedLabel = ""

    init(lineEvery: Int = 10) { self.lineEvery = lineEvery }

    func handle(_ event: TrainingEvent) {
        switch event {
        case let .started(seed, index, count, total, from):
            started = Date()
            lastDev = nil
            smoothedLoss = nil
            seedLabel = count > 1 ? "seed \(seed) (\(index + 1)/\(count)) " : ""
            let resumed = from > 0 ? ", resuming at step \(from)" : ""
            emitLine("\(seedLabel)training \(total) steps\(resumed)")
        case let .step(_, step, total, epoch, loss, _, rate):
            smoothedLoss = smoothedLoss.map { 0.9 * $0 + 0.1 * loss } ?? loss
            smoothedRate = smoothedRate.map { 0.8 * $0 + 0.2 * rate } ?? rate
            let line = status(step: step, total: total, epoch: epoch)
            if terminal {
                redraw(bar(step: step, total: total) + " " + line)
            } else if step % lineEvery == 0 || step == total {
                emitLine(line)
            }
        case let .evaluated(_, step, metrics, improved):
            lastDev = metrics
            emitLine("\(seedLabel)step \(step): dev \(Self.format(metrics))\(improved ? " (best so far)" : "")")
        case .checkpointed:
            break
        case let .finishedSeed(result):
            var line = "\(seedLabel)done: \(result.steps) steps, "
                + (result.averagedStepRange.map { "kept the mean of steps \($0)" } ?? "best at step \(result.bestStep)")
            if let test = result.test { line += ", test \(Self.format(test))" }
            line += String(format: ", %.0f tokens/s", result.trainTokensPerSecond)
            emitLine(line)
            for warning in result.warnings { emitLine("\(seedLabel)warning: \(warning.message)") }
        case let .crossValidated(pooled):
            var line = "\(pooled.foldSizes.count) folds pooled: dev \(Self.format(pooled.best)) at step \(pooled.bestStep)"
            if let peak = pooled.peakStep {
                line += " (the lowest log-loss within noise of the best, "
                    + String(format: "%.4f", pooled.judged.primary) + " at step \(peak))"
            }
            if let manual = pooled.manual { line += "; manual template \(Self.format(manual))" }
            emitLine(line)
        case let .refitting(seed, records):
            emitLine("seed \(seed) chosen; training it again on all \(records) records")
        case let .measuredBaselines(baselines):
            for (name, baseline) in [("majority answer", baselines.majority), ("manual template", baselines.manual)] {
                let scores = [("dev", baseline.dev), ("test", baseline.test)].compactMap { split, metrics in
                    metrics.map { "\(split) \(Self.format($0))" }
                }
                if !scores.isEmpty { emitLine("baseline, \(name) \"\(baseline.description)\": " + scores.joined(separator: ", ")) }
            }
        }
    }

    private func status(step: Int, total: Int, epoch: Int) -> String {
        let rate = smoothedRate ?? 0
        let elapsed = Date().timeIntervalSince(started)
        let eta = step > 0 ? elapsed / Double(step) * Double(total - step) : 0
        var s = "\(seedLabel)step \(step)/\(total) epoch \(epoch + 1) loss \(String(format: "%.4f", smoothedLoss ?? 0))"
        if let lastDev { s += " dev \(String(format: "%.3f", lastDev.primary))" }
        s += String(format: " %.0f tok/s ETA %@", rate, Self.duration(eta))
        return s
    }

    private func bar(step: Int, total: Int) -> String {
        let width = 24
        let filled = total > 0 ? min(width, step * width / total) : width
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    private func redraw(_ text: String) {
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    private func emitLine(_ text: String) {
        FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[K" : "") + text + "\n").utf8))
    }

    static func format(_ m: Metrics) -> String {
        m.listed + " (n=\(m.count))"
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }
}
