import Foundation
import PTuning
import Tensor
import Testing

/// Adam and AdamW against torch.optim with weight decay and clip_grad_norm_, state restore, and
/// bit-for-bit reproducibility of whole training steps.
struct AdamOptimizerTests {
    struct Fixture: Decodable {
        struct Step: Decodable {
            var norm: Float
            var parameters: [Float]
            var firstMoment: [Float]
            var secondMoment: [Float]
        }

        var start: [Float]
        var gradients: [[Float]]
        var rates: [Float]
        var maxNorm: Float
        var weightDecay: Float
        var adam: [Step]
        var adamw: [Step]
    }

    @Test(arguments: OptimizerKind.allCases)
    func matchesPyTorch(kind: OptimizerKind) throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixtureURL("optimizer")))
        let expected = kind == .adam ? fixture.adam : fixture.adamw
        let parameters = FloatBuffer(fixture.start)
        let optimizer = AdamOptimizer(kind: kind, parameterCount: parameters.count, weightDecay: fixture.weightDecay)
        for (step, reference) in expected.enumerated() {
            let gradient = EncoderGradient.dense(FloatBuffer(fixture.gradients[step]))
            let (norm, factor) = clipFactor(gradient, maxNorm: fixture.maxNorm)
            #expect(abs(norm - reference.norm) <= 1e-6 * max(1, reference.norm))
            optimizer.step(parameters: parameters, gradient: gradient, learningRate: fixture.rates[step],
                           gradientScale: factor)
            #expect(maxScaledDifference(parameters.array, reference.parameters) < 1e-6, "step \(step + 1)")
            #expect(maxScaledDifference(optimizer.state.firstMoment, reference.firstMoment) < 1e-6)
            #expect(maxScaledDifference(optimizer.state.secondMoment, reference.secondMoment) < 1e-6)
        }
        #expect(optimizer.stepCount == expected.count)
    }

    /// A large update runs 16 lanes at a time on several threads; each element must come out exactly as
    /// it does alone (a one-parameter optimizer takes the element-by-element path).
    @Test(arguments: OptimizerKind.allCases)
    func lanesAndThreadsGiveEachElementItsOwnUpdate(kind: OptimizerKind) {
        var rng = SeededGenerator(seed: 5)
        let n = 70_003
        let parameters = rng.normalBuffer(count: n, std: 1)
        let start = parameters.array
        let gradients = (0..<3).map { _ in rng.normalBuffer(count: n, std: 1) }
        let optimizer = AdamOptimizer(kind: kind, parameterCount: n, weightDecay: 0.01)
        for g in gradients { optimizer.step(parameters: parameters, gradient: .dense(g), learningRate: 1e-3) }
        for i in stride(from: 0, to: n, by: 997) + [n - 1] {
            let alone = FloatBuffer([start[i]])
            let single = AdamOptimizer(kind: kind, parameterCount: 1, weightDecay: 0.01)
            for g in gradients { single.step(parameters: alone, gradient: .dense(FloatBuffer([g[i]])), learningRate: 1e-3) }
            #expect(alone[0] == parameters[i], "element \(i)")
        }
    }

    @Test func clippingLeavesSmallGradientsAlone() {
        let gradient = EncoderGradient.dense(FloatBuffer([0.3, -0.4]))
        let (norm, factor) = clipFactor(gradient, maxNorm: 1)
        #expect(abs(norm - 0.5) < 1e-7 && factor == 1)
        let clipped = clipFactor(gradient, maxNorm: 0.25)
        #expect(abs(clipped.norm - 0.5) < 1e-7 && abs(clipped.factor - 0.5) < 1e-5)
        #expect(gradient.array == [0.3, -0.4])
    }

    @Test func restoredStateContinuesBitForBit() {
        var rng = SeededGenerator(seed: 9)
        let gradients = (0..<5).map { _ in rng.normalBuffer(count: 16, std: 1) }
        let start = rng.normalBuffer(count: 16, std: 1).array
        let straight = FloatBuffer(start)
        let optimizer = AdamOptimizer(kind: .adam, parameterCount: 16, weightDecay: 5e-4)
        var saved: (parameters: [Float], state: AdamOptimizer.State)?
        for (i, g) in gradients.enumerated() {
            if i == 2 { saved = (straight.array, optimizer.state) }
            optimizer.step(parameters: straight, gradient: .dense(g), learningRate: 1e-3)
        }
        let resumed = FloatBuffer(saved!.parameters)
        let restored = AdamOptimizer(kind: .adam, parameterCount: 16, weightDecay: 5e-4)
        restored.restore(saved!.state)
        #expect(restored.stepCount == 2)
        for g in gradients[2...] { restored.step(parameters: resumed, gradient: .dense(g), learningRate: 1e-3) }
        #expect(resumed.array.map(\.bitPattern) == straight.array.map(\.bitPattern))
        #expect(restored.state == optimizer.state)
    }

    /// The update with the clipping's scale applied as it reads the gradient gives the bits of
    /// clipping the gradient first, and leaves the gradient as it was.
    @Test(arguments: OptimizerKind.allCases)
    func scalingAsTheGradientIsReadIsClippingFirst(kind: OptimizerKind) {
        var rng = SeededGenerator(seed: 41)
        let start = rng.normalBuffer(count: 1_000, std: 1).array
        let gradients = (0..<3).map { _ in rng.normalBuffer(count: 1_000, std: 1).array }
        let (clipped, scaled) = (FloatBuffer(start), FloatBuffer(start))
        let optimizers = (0..<2).map { _ in AdamOptimizer(kind: kind, parameterCount: 1_000, weightDecay: 0.01) }
        for g in gradients {
            let first = FloatBuffer(g)
            let kept = EncoderGradient.dense(FloatBuffer(g))
            let (_, factor) = clipFactor(kept, maxNorm: 1)
            #expect(factor < 1)
            for i in 0..<first.count { first[i] *= factor }
            optimizers[0].step(parameters: clipped, gradient: .dense(first), learningRate: 1e-2)
            optimizers[1].step(parameters: scaled, gradient: kept, learningRate: 1e-2, gradientScale: factor)
            #expect(kept.array == g)
        }
        #expect(clipped.array.map(\.bitPattern) == scaled.array.map(\.bitPattern))
        #expect(optimizers[0].state == optimizers[1].state)
    }

    @Test func trainingStepsAreReproducible() {
        func run() -> [UInt32] {
            let encoder = makePromptEncoder(settings: EncoderSettings(kind: .lstm), count: 9, width: 32, seed: 34,
                                            initialRows: nil)
            let optimizer = AdamOptimizer(kind: .adamw, parameterCount: encoder.parameters.count, weightDecay: 0.01)
            var rng = SeededGenerator(seed: 4)
            for _ in 0..<3 {
                let table = encoder.forward()
                let dTable = rng.normalBuffer(count: table.count, std: 1)
                encoder.backward(dTable)
                optimizer.step(parameters: encoder.parameters, gradient: encoder.gradient, learningRate: 1e-3,
                               gradientScale: clipFactor(encoder.gradient, maxNorm: 1).factor)
            }
            return encoder.parameters.array.map(\.bitPattern)
        }
        let first = run()
        #expect(first == run())
    }
}
