import Tensor

/// The logits of one position over the vocabulary, with the queries the CLI and the evaluator ask.
public struct LogitRow: Sendable {
    public let values: [Float]

    public init(_ values: [Float]) { self.values = values }

    /// The k highest logits, highest first; ties keep the lower id first.
    public func top(_ k: Int) -> [(id: Int, logit: Float)] {
        var best: [(id: Int, logit: Float)] = []
        best.reserveCapacity(k + 1)
        for (id, v) in values.enumerated() where best.count < k || v > best[best.count - 1].logit {
            var i = best.count
            while i > 0 && best[i - 1].logit < v { i -= 1 }
            best.insert((id, v), at: i)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    /// log(sum(exp(logits))).
    public var logSumExp: Float {
        values.withUnsafeBufferPointer { Softmax.logSumExp($0.baseAddress!, count: $0.count) }
    }
}
