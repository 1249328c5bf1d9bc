/// Where a seed's run stands; saved in checkpoints.
struct RunState: Codable, Equatable {
    var seed: UInt64
    var step = 0
    var stopped = false
    var bestMetric: Double?
    /// The log-loss at `bestMetric`'s evaluation (nil in checkpoints written before it was kept).
    var bestLogLoss: Double?
    var bestStep = 0
    /// The tables averaged so far into the tail's mean (`TrainingSettings.tailAverage`); nil in
    /// checkpoints written before the tail was averaged, which start their mean again.
    var tailTablesAveraged: Int?
    var evaluationsWithoutGain = 0
    var lossCurve: [LossPoint] = []
    var devCurve: [DevPoint] = []
    var trainTokens = 0
    var trainSeconds = 0.0
    var evalSeconds = 0.0

    init(seed: UInt64) { self.seed = seed }
}
