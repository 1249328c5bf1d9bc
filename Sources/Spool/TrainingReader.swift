import PTuning
import Tensor

/// Reads the `[training]` table over the defaults of `TrainingSettings()`.
struct TrainingReader {
    let table: ManifestTable

    func read() -> TrainingSettings {
        var s = TrainingSettings()
        let count = 1...1_000_000_000
        let zeroOrMore = 0...1_000_000_000
        if let v = table.int("epochs", in: 1...100_000) { s.epochs = v }
        if let v = table.int("max_steps", in: count) { s.maxSteps = v }
        if let v = table.int("batch_size", in: 1...65_536) { s.batchSize = v }
        if let v = table.int("eval_batch_size", in: 1...65_536) { s.evalBatchSize = v }
        if let v = table.number("learning_rate", allowed: "greater than 0", { $0 > 0 }) { s.learningRate = Float(v) }
        if let v = table.number("weight_decay", allowed: "0 or more", { $0 >= 0 }) { s.weightDecay = Float(v) }
        if let v = table.oneOf("optimizer", OptimizerKind.self) { s.optimizer = v }
        if let v = table.oneOf("schedule", ScheduleKind.self) { s.schedule = v }
        if let v = table.int("warmup_steps", in: zeroOrMore) { s.warmupSteps = v }
        if let v = table.number("epoch_decay", allowed: "greater than 0, at most 1", { $0 > 0 && $0 <= 1 }) {
            s.epochDecay = Float(v)
        }
        if let v = table.number("clip_norm", allowed: "0 (no clipping) or more", { $0 >= 0 }) {
            s.clipNorm = v == 0 ? nil : Float(v)
        }
        if let v = readSeeds() { s.seeds = v }
        if let v = table.int("eval_every", in: zeroOrMore) { s.evalEvery = v }
        if let v = table.int("patience", in: zeroOrMore) { s.patience = v }
        if let v = table.int("checkpoint_every", in: zeroOrMore) { s.checkpointEvery = v }
        if let v = table.int("max_length", in: TrainingSettings.maxLengthRange) { s.maxLength = v }
        if let v = table.oneOf("precision", Precision.self) { s.precision = v }
        if let v = table.bool("recompute") { s.recompute = v }
        if let v = table.bool("refit") { s.refit = v }
        if let v = table.number("tail_average", allowed: "from 0 (the last step's table) to 1 (every step's)",
                                { TrainingSettings.tailAverageRange.contains($0) }) {
            s.tailAverage = v
        }
        if let v = table.bool("manual_fallback") { s.manualFallback = v }
        return s
    }

    /// The seeds a bundle may give: 32 bits, so that the seeds derived from them (a fold's seed plus
    /// its number) stay within every integer type that carries them.
    static let seedRange = 0...Int(UInt32.max)

    /// `seeds = 13` or `seeds = [13, 21, 42]`: integers from `seedRange`, none repeated.
    private func readSeeds() -> [UInt64]? {
        guard let value = table.value("seeds") else { return nil }
        let expected = "an integer or an array of integers"
        let values: [Int]
        if let int = value.int {
            values = [int]
        } else if let array = value.array {
            var ints: [Int] = []
            for element in array {
                guard let int = element.int else { table.wrongType("seeds", element, expected: "integers in the array"); return nil }
                ints.append(int)
            }
            values = ints
        } else {
            table.wrongType("seeds", value, expected: expected)
            return nil
        }
        if values.isEmpty { table.problem("seeds", "the seed list is empty"); return nil }
        if let outside = values.first(where: { !Self.seedRange.contains($0) }) {
            table.problem("seeds", "\(outside) is out of range", hint: "allowed: 0 to \(Self.seedRange.upperBound)"); return nil
        }
        if Set(values).count != values.count {
            table.problem("seeds", "a seed is listed twice", hint: "each seed is one run; repeating one repeats the run")
            return nil
        }
        return values.map { UInt64($0) }
    }
}
