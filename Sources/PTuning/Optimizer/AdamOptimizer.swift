import Foundation
import Tensor

/// Adam over one flat parameter buffer, matching PyTorch's torch.optim.Adam (`adam`: L2 weight decay
/// added to the gradient) and torch.optim.AdamW (`adamw`: decoupled decay, p ← p·(1 − lr·λ)).
///
/// Per element, at step t (1-based):
///
///     g ← g + λ·p                                   (adam only)
///     p ← p·(1 − lr·λ)                              (adamw only)
///     m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
///     p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
///
/// Every element takes the same rounded operations (`AdamUpdate`), so results do not depend on how the
/// threads split the parameters.
public final class AdamOptimizer {
    /// Everything that evolves during training; save it with the parameters to resume exactly.
    public struct State: Sendable, Equatable, Codable {
        /// m, the running mean of gradients.
        public var firstMoment: [Float]
        /// v, the running mean of squared gradients.
        public var secondMoment: [Float]
        /// Steps taken so far.
        public var step: Int

        public init(firstMoment: [Float], secondMoment: [Float], step: Int) {
            self.firstMoment = firstMoment
            self.secondMoment = secondMoment
            self.step = step
        }
    }

    public let kind: OptimizerKind
    public let parameterCount: Int
    public let weightDecay: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    private let firstMoment: FloatBuffer
    private let secondMoment: FloatBuffer
    /// Steps taken so far.
    public private(set) var stepCount = 0

    public init(kind: OptimizerKind, parameterCount: Int, weightDecay: Float = 0,
                beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.kind = kind
        self.parameterCount = parameterCount
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
    }

    /// The optimizer and weight decay `settings` name, with PyTorch's default betas and epsilon.
    public convenience init(settings: TrainingSettings, parameterCount: Int) {
        self.init(kind: settings.optimizer, parameterCount: parameterCount, weightDecay: settings.weightDecay)
    }

    /// A copy of the moments and step count.
    public var state: State {
        State(firstMoment: firstMoment.array, secondMoment: secondMoment.array, step: stepCount)
    }

    /// Puts back a state taken from `state`; later steps then match the uninterrupted run bit for bit.
    public func restore(_ state: State) {
        precondition(state.firstMoment.count == parameterCount && state.secondMoment.count == parameterCount,
                     "optimizer state holds \(state.firstMoment.count) values, expected \(parameterCount)")
        precondition(state.step >= 0, "optimizer step count must be non-negative")
        state.firstMoment.withUnsafeBufferPointer { firstMoment.pointer.update(from: $0.baseAddress!, count: parameterCount) }
        state.secondMoment.withUnsafeBufferPointer { secondMoment.pointer.update(from: $0.baseAddress!, count: parameterCount) }
        stepCount = state.step
    }

    /// One update of `parameters` from `gradient` × `gradientScale` (the gradient itself left unchanged)
    /// at `learningRate`. Each value is scaled as it is read: the bits of scaling the gradient first,
    /// without another pass over it. `clipFactor` gives the scale that clips the gradient's norm. A part
    /// kept as a product has each row formed as it is updated (`AdamUpdate.applyProduct`).
    public func step(parameters: FloatBuffer, gradient: EncoderGradient, learningRate: Float, gradientScale: Float = 1) {
        precondition(parameters.count == parameterCount && gradient.parameterCount == parameterCount,
                     "optimizer built for \(parameterCount) parameters")
        stepCount += 1
        let t = Double(stepCount)
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
        let correction2 = Float((1 - pow(Double(beta2), t)).squareRoot())
        let constants = AdamUpdate.Constants(
            beta1: beta1, beta2: beta2, epsilon: epsilon, gradientScale: gradientScale,
            l2: kind == .adam ? weightDecay : 0, decayed: kind == .adamw ? 1 - learningRate * weightDecay : 1,
            stepSize: stepSize, correction2: correction2)
        for (tensor, part) in zip(gradient.layout, gradient.parts) {
            let (p, m, v) = (parameters.pointer + tensor.offset, firstMoment.pointer + tensor.offset,
                             secondMoment.pointer + tensor.offset)
            switch part {
            case .values(let values):
                let g = UnsafePointer(values.pointer)
                parallelFor(values.count, minChunk: Self.chunk) { range in
                    let i = range.lowerBound
                    AdamUpdate.apply(parameters: p + i, gradient: g + i, firstMoment: m + i, secondMoment: v + i,
                                     count: range.count, constants)
                }
            case .product(let f):
                let (a, b) = (UnsafePointer(f.a.pointer), UnsafePointer(f.b.pointer))
                parallelFor(f.rows, minChunk: max(1, Self.chunk / f.columns)) { rows in
                    AdamUpdate.applyProduct(parameters: p, firstMoment: m, secondMoment: v, a: a, b: b, depth: f.depth,
                                            shape: (f.rows, f.columns), rows: rows, constants)
                }
            }
        }
    }

    /// The fewest values a thread updates.
    private static let chunk = 1 << 15
}
