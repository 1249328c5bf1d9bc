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
/// The loop is sequential, so results do not depend on thread scheduling.
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
    /// without another pass over it. `clipFactor` gives the scale that clips the gradient's norm.
    public func step(parameters: FloatBuffer, gradient: FloatBuffer, learningRate: Float, gradientScale: Float = 1) {
        precondition(parameters.count == parameterCount && gradient.count == parameterCount,
                     "optimizer built for \(parameterCount) parameters")
        stepCount += 1
        let t = Double(stepCount)
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
        let correction2 = Float((1 - pow(Double(beta2), t)).squareRoot())
        let decayed = kind == .adamw ? 1 - learningRate * weightDecay : 1
        let l2 = kind == .adam ? weightDecay : 0
        let (b1, b2, eps, scale) = (beta1, beta2, epsilon, gradientScale)
        let p = parameters.pointer, gradients = gradient.pointer
        let m = firstMoment.pointer, v = secondMoment.pointer
        // 16 lanes at a time, then the rest one by one: the same operations in the same order for
        // every element, so the result does not depend on where a chunk or the lanes begin.
        parallelFor(parameterCount, minChunk: 1 << 15) { range in
            var i = range.lowerBound
            typealias V16 = SIMD16<Float>
            let (rp, rg) = (UnsafeMutableRawPointer(p), UnsafeRawPointer(gradients))
            let (rm, rv) = (UnsafeMutableRawPointer(m), UnsafeMutableRawPointer(v))
            while i + 16 <= range.upperBound {
                let at = i * 4
                var pi = rp.loadUnaligned(fromByteOffset: at, as: V16.self)
                let g = rg.loadUnaligned(fromByteOffset: at, as: V16.self) * V16(repeating: scale) + V16(repeating: l2) * pi
                pi *= V16(repeating: decayed)
                let mi = V16(repeating: b1) * rm.loadUnaligned(fromByteOffset: at, as: V16.self) + V16(repeating: 1 - b1) * g
                let vi = V16(repeating: b2) * rv.loadUnaligned(fromByteOffset: at, as: V16.self)
                    + V16(repeating: 1 - b2) * g * g
                pi -= V16(repeating: stepSize) * mi / (vi.squareRoot() / V16(repeating: correction2) + V16(repeating: eps))
                rp.storeBytes(of: pi, toByteOffset: at, as: V16.self)
                rm.storeBytes(of: mi, toByteOffset: at, as: V16.self)
                rv.storeBytes(of: vi, toByteOffset: at, as: V16.self)
                i += 16
            }
            while i < range.upperBound {
                let g = gradients[i] * scale + l2 * p[i]
                p[i] *= decayed
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + eps)
                i += 1
            }
        }
    }
}
