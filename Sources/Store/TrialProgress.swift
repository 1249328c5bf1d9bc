/// Where a search's trials stand, summed over them: how many have ended, and their training steps
/// done out of those they will make (each trial's latest report; a trial that has not reported
/// counts none).
public struct TrialProgress: Sendable, Equatable {
    public var ended: Int
    public var count: Int
    public var steps: Int
    public var totalSteps: Int

    public init(ended: Int, count: Int, steps: Int, totalSteps: Int) {
        self.ended = ended
        self.count = count
        self.steps = steps
        self.totalSteps = totalSteps
    }

    /// The sums over `trials`. A trial that ended counts all its steps as done, however early it
    /// stopped.
    public init(_ trials: [JobRecord]) {
        ended = trials.filter(\.state.isTerminal).count
        count = trials.count
        totalSteps = trials.compactMap(\.progressTotal).reduce(0, +)
        steps = trials.map { $0.state.isTerminal ? ($0.progressTotal ?? 0) : ($0.progressStep ?? 0) }.reduce(0, +)
    }
}
