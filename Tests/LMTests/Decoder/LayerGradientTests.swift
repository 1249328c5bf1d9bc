@testable import LM
import Tensor
import TestSupport
import Testing

/// Finite-difference checks of the decoder's own layers (the shared kernels are checked in TensorTests).
struct LayerGradientTests {
    /// Token sequences that only decide the batch's shape, with the longest segment attention takes
    /// whole: two apart; a tree of shared beginnings (three rows shared by three sequences, two of them
    /// sharing one more, one a beginning of another); the same tree with runs cut at two rows.
    static let shapes: [([[Int]], Int)] = [
        ([[1, 2, 3, 4, 5], [6, 7, 8]], DecoderBatch.maxSegmentRows),
        ([[1, 2, 3, 4, 5], [1, 2, 3], [1, 2, 3, 6, 7], [1, 2, 3, 4, 9, 9], [8, 9]], DecoderBatch.maxSegmentRows),
        ([[1, 2, 3, 4, 5], [1, 2, 3], [1, 2, 3, 6, 7], [1, 2, 3, 4, 9, 9], [8, 9]], 2),
    ]

    /// Every shape, with full causal attention and with a local window shorter than the sequences.
    static let windowedShapes = shapes.flatMap { shape in [nil, 3].map { (shape, $0) } }

    @Test(arguments: [(4, 2), (2, 2), (3, 1)], windowedShapes)
    func attentionBackwardMatchesFiniteDifferences(heads: (Int, Int), shape: (([[Int]], Int), Int?)) {
        let attention = Attention(headCount: heads.0, kvHeadCount: heads.1, headDim: 4)
        let batch = DecoderBatch(tokens: shape.0.0, maxSegmentRows: shape.0.1)
        let window = shape.1
        let (N, W, Q) = (batch.rowCount, attention.rowWidth, attention.queryWidth)
        var rng = SeededGenerator(seed: 31)
        let qkv = rng.normalBuffer(count: N * W, std: 1)
        let r = rng.normalBuffer(count: N * Q, std: 1)
        let out = FloatBuffer(count: N * Q)
        let lanes = (0..<Threads.count).map { _ in Scratch() }
        func loss() -> Double {
            attention.forward(qkv: qkv.pointer, batch: batch, window: window, lanes: lanes, out: out.pointer)
            return GradientCheck.dot(out.pointer, r.pointer, N * Q)
        }
        let dqkv = FloatBuffer(count: N * W)
        attention.backward(qkv: qkv.pointer, dOut: r.pointer, batch: batch, window: window, dqkv: dqkv.pointer,
                           lanes: lanes)
        #expect(GradientCheck.relativeError(input: qkv, analytic: dqkv.array, loss: loss) < 1e-2)
    }

    /// As many lanes run as there are scratches, whatever `Threads.count` says meanwhile (other suites
    /// change it): one, or more than there are threads, give the same output and, up to the order the
    /// shared context's gradients are summed in, the same gradient.
    @Test func everyScratchIsALaneWhateverTheThreadCount() {
        let attention = Attention(headCount: 4, kvHeadCount: 2, headDim: 4)
        let batch = DecoderBatch(tokens: Self.shapes[1].0, maxSegmentRows: 2)
        let (N, W, Q) = (batch.rowCount, attention.rowWidth, attention.queryWidth)
        var rng = SeededGenerator(seed: 37)
        let qkv = rng.normalBuffer(count: N * W, std: 1), dOut = rng.normalBuffer(count: N * Q, std: 1)
        func run(_ lanes: Int) -> (out: [Float], dqkv: [Float]) {
            let scratches = (0..<lanes).map { _ in Scratch() }
            let (out, dqkv) = (FloatBuffer(count: N * Q), FloatBuffer(count: N * W))
            attention.forward(qkv: qkv.pointer, batch: batch, window: nil, lanes: scratches, out: out.pointer)
            attention.backward(qkv: qkv.pointer, dOut: dOut.pointer, batch: batch, window: nil, dqkv: dqkv.pointer,
                               lanes: scratches)
            return (out.array, dqkv.array)
        }
        let (one, five) = (run(1), run(5))
        #expect(one.out == five.out)
        #expect(zip(one.dqkv, five.dqkv).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
        #expect(one.dqkv.contains { $0 != 0 })
    }

    @Test(arguments: [RotaryLayout.adjacentPairs, .halfSplit])
    func rotaryBackwardMatchesFiniteDifferences(layout: RotaryLayout) {
        var rotary = Rotary(headDim: 8, theta: 10_000, layout: layout)
        rotary.reserve(6)
        var rng = SeededGenerator(seed: 41)
        let x = rng.normalBuffer(count: 16, std: 1), r = rng.normalBuffer(count: 16, std: 1)
        let y = FloatBuffer(count: 16)
        func loss() -> Double {
            y.pointer.update(from: x.pointer, count: 16)
            rotary.rotate(y.pointer, heads: 2, position: 5, inverse: false)
            return GradientCheck.dot(y.pointer, r.pointer, 16)
        }
        let d = FloatBuffer(r.array)
        rotary.rotate(d.pointer, heads: 2, position: 5, inverse: true)
        #expect(GradientCheck.relativeError(input: x, analytic: d.array, loss: loss) < 1e-2)
    }

    @Test func rotaryLayoutsPairDifferentDimensions() {
        for layout in [RotaryLayout.adjacentPairs, .halfSplit] {
            var rotary = Rotary(headDim: 4, theta: 10_000, layout: layout)
            rotary.reserve(2)
            let v = FloatBuffer([1, 0, 0, 0])
            rotary.rotate(v.pointer, heads: 1, position: 1, inverse: false)
            // Pair 0 rotates by one radian: dimension 0 pairs with 1 (adjacent) or with 2 (half split).
            let partner = layout == .adjacentPairs ? 1 : 2
            #expect(abs(v[0] - Float(0.5403023)) < 1e-6)
            #expect(abs(v[partner] - Float(0.84147098)) < 1e-6)
        }
    }
}
