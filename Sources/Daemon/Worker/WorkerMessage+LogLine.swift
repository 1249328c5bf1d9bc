import Foundation

extension WorkerMessage {
    /// The message as a line of the job's log ("seed 13 step 40/200  loss 0.5123  lr 3.00e-03  412 tok/s").
    var logLine: String {
        let seedText = seed.map { "seed \($0)" } ?? "run"
        let numbers = { (values: [String: Double]) in
            values.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: "  ")
        }
        switch kind {
        case .started:
            let from = (step ?? 0) > 0 ? " from step \(step!)" : ""
            return "\(seedText): training starts\(from)" + (total.map { " (\($0) steps)" } ?? "")
        case .step:
            var text = "\(seedText) step \(step ?? 0)" + (total.map { "/\($0)" } ?? "")
            if let loss { text += "  loss " + String(format: "%.4f", loss) }
            if let learningRate { text += "  lr " + String(format: "%.2e", learningRate) }
            if let tokensPerSecond { text += "  " + String(format: "%.0f", tokensPerSecond) + " tok/s" }
            return text
        case .evaluated:
            return "\(seedText) step \(step ?? 0): " + numbers(metrics ?? [:])
        case .checkpointed:
            return "\(seedText): checkpoint at step \(step ?? 0)"
        case .seedFinished:
            return "\(seedText) finished after \(step ?? 0) steps" + ((metrics ?? [:]).isEmpty ? "" : ": " + numbers(metrics!))
        case .finished:
            return "finished: " + (files ?? []).joined(separator: ", ")
        case .failed:
            return "failed: " + (message ?? "no reason given") + ((problems ?? []).isEmpty ? "" : "; " + problems!.joined(separator: "; "))
        }
    }
}
