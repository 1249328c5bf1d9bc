import Base
import LM
import Tensor

/// One optimizer step of P-tuning, the step `ptune train` takes and `ptune bench` times:
///
///   encoder forward -> prompt table h [m, H]
///   -> the model's forward with saved activations over the batch built on h -> logits [P, V]
///   -> the loss and dLoss/dLogits [P, V]
///   -> the model's backward to its inputs -> the gradient rows of the pseudo tokens summed into dh [m, H]
///   -> encoder backward -> the gradient clipped to `clipNorm` -> the optimizer's update (the clipping's
///      scale applied as the update reads the gradient, which stays as backward left it).
public final class PromptStep {
    public let transformer: Transformer
    public let promptEncoder: PromptEncoder
    public let optimizer: AdamOptimizer
    /// The largest L2 norm of the encoder's gradient; nil: no clipping.
    public let clipNorm: Float?
    /// dh [m, H], reused by every step.
    private let dTable: FloatBuffer

    /// What the step needs from the task for one batch, once the prompt table exists.
    public struct Inputs {
        public let batch: DecoderBatch
        /// The rows whose logits the loss reads.
        public let positions: [LogitPosition]
        /// logits [P, V] -> the mean loss and dLoss/dLogits [P, V].
        public let loss: (FloatBuffer) -> (loss: Double, gradient: FloatBuffer)

        public init(batch: DecoderBatch, positions: [LogitPosition],
                    loss: @escaping (FloatBuffer) -> (loss: Double, gradient: FloatBuffer)) {
            self.batch = batch
            self.positions = positions
            self.loss = loss
        }
    }

    /// Seconds of the encoder's work in a step, by phase.
    public struct EncoderSeconds: Sendable {
        public var forward = 0.0
        /// Its backward, with zeroing the gradient before it.
        public var backward = 0.0
        /// The gradient's norm, for the clipping's scale.
        public var clipping = 0.0
        /// The optimizer's update.
        public var update = 0.0

        public init() {}

        public var total: Double { forward + backward + clipping + update }

        public static func += (sum: inout EncoderSeconds, step: EncoderSeconds) {
            sum.forward += step.forward
            sum.backward += step.backward
            sum.clipping += step.clipping
            sum.update += step.update
        }
    }

    /// What one step did.
    public struct Outcome {
        public let loss: Double
        /// Tokens the model ran forward and backward.
        public let tokenCount: Int
        /// The encoder's share: its forward, backward, the clipping and the update.
        public let encoderSeconds: EncoderSeconds
    }

    public init(transformer: Transformer, promptEncoder: PromptEncoder, optimizer: AdamOptimizer, clipNorm: Float?) {
        self.transformer = transformer
        self.promptEncoder = promptEncoder
        self.optimizer = optimizer
        self.clipNorm = clipNorm
        dTable = FloatBuffer(count: promptEncoder.count * promptEncoder.width)
    }

    /// Takes one step at `learningRate` on the batch `inputs` builds on the prompt table.
    public func run(learningRate: Float, inputs: (FloatBuffer) -> Inputs) -> Outcome {
        var encoder = EncoderSeconds()
        let table = timed(&encoder.forward) { promptEncoder.forward() }
        let batch = inputs(table)
        let pass = transformer.forward(batch.batch, logitsAt: batch.positions, saveForBackward: true)
        let (loss, dLogits) = batch.loss(pass.logits)
        let dInput = transformer.backward(pass, logitGradient: dLogits, to: .embeddingRows)
        dTable.zero()
        batch.batch.accumulateEmbeddingGradient(dInput, width: promptEncoder.width, into: dTable)
        timed(&encoder.backward) { promptEncoder.backward(dTable) }
        let scale = clipNorm.map { maxNorm in
            timed(&encoder.clipping) { clipFactor(promptEncoder.gradient, maxNorm: maxNorm).factor }
        } ?? 1
        timed(&encoder.update) {
            optimizer.step(parameters: promptEncoder.parameters, gradient: promptEncoder.gradient, learningRate: learningRate,
                           gradientScale: scale)
        }
        return Outcome(loss: loss, tokenCount: batch.batch.tokenCount, encoderSeconds: encoder)
    }
}
