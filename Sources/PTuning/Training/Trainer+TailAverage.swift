import Foundation

/// Tail averaging: a run that no dev split measures keeps the mean of its last steps' prompt tables
/// (`TrainingSettings.tailAverage`).
extension Trainer {
    /// The last steps whose tables are averaged into the kept prompt: `tailAverage` of the run's steps
    /// without a dev split, none with one (its evaluations choose the step).
    var averagedStepCount: Int {
        data.dev.isEmpty ? Int((Double(totalSteps) * settings.tailAverage).rounded()) : 0
    }

    /// Folds the table after this step into the mean of the tail's tables (an incremental mean, so that a
    /// resumed run continues it exactly).
    func averageTail(_ run: inout SeedProgress, promptEncoder: PromptEncoder) {
        let current = promptEncoder.forward()
        let count = (run.state.tailTablesAveraged ?? 0) + 1
        if let mean = run.tailMean, count > 1 {
            let weight = 1 / Float(count)
            for i in 0..<mean.count { mean.pointer[i] += (current.pointer[i] - mean.pointer[i]) * weight }
        } else {
            run.tailMean = current
        }
        run.state.tailTablesAveraged = count
    }
}
