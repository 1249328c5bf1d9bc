import LM
import Tensor
import TestSupport
import Testing

/// Passes that read the keys and values of the text before each sequence's first embedding from a
/// `PrefixCache` against passes that compute every row.
struct PrefixCacheTests {
    /// Four sequences packed in segments of at most three rows: two share the start of their text,
    /// one begins with an embedding, one has a long run of text, and every one is scored at its end.
    static let sequences: [[DecoderInput]] = [
        [.token(3), .token(7), .token(2), .embedding(0), .token(5), .embedding(1)],
        [.token(3), .token(7), .token(9), .embedding(1), .token(2)],
        [.embedding(2), .token(4), .token(1)],
        [.token(6), .token(6), .token(6), .token(6), .token(6), .embedding(0), .token(8), .embedding(2)],
    ]

    static func batch(_ sequences: [[DecoderInput]], embeddings: FloatBuffer) -> DecoderBatch {
        DecoderBatch(sequences: sequences, embeddings: embeddings, maxSegmentRows: 3)
    }

    static func lastPositions(_ sequences: [[DecoderInput]]) -> [LogitPosition] {
        sequences.indices.map { LogitPosition(sequence: $0, position: sequences[$0].count - 1) }
    }

    /// The logits and the embeddings' gradient of one forward and backward pass.
    static func pass(_ decoder: Transformer, _ batch: DecoderBatch, positions: [LogitPosition], gradient: FloatBuffer,
                     width: Int) -> (logits: [Float], embeddings: [Float]) {
        let pass = decoder.forward(batch, logitsAt: positions, saveForBackward: true)
        let dInput = decoder.backward(pass, logitGradient: gradient, to: .embeddingRows)
        let dEmbeddings = FloatBuffer(count: batch.embeddings!.count)
        batch.accumulateEmbeddingGradient(dInput, width: width, into: dEmbeddings)
        return (pass.logits.array, dEmbeddings.array)
    }

    static func largestDifference(_ a: [Float], _ b: [Float]) -> (difference: Float, size: Float) {
        (zip(a, b).map { abs($0 - $1) }.max() ?? 0, a.map(abs).max() ?? 0)
    }

    /// The first pass computes every row and keeps the text's keys and values, with the bits of a
    /// decoder without a cache; the second reads them and runs the layers on the other rows only,
    /// giving the same logits and prompt gradient within rounding: every family and precision, the
    /// layers recomputed or not.
    @Test(arguments: TinyModel.variants, Precision.allCases)
    func aPassReadingTheCacheGivesWhatComputingEveryRowGives(_ c: DecoderConfig, precision: Precision) {
        var rng = SeededGenerator(seed: 41)
        let H = c.hiddenSize
        let batch = Self.batch(Self.sequences, embeddings: rng.normalBuffer(count: 3 * H, std: 1))
        let positions = Self.lastPositions(Self.sequences)
        let g = rng.normalBuffer(count: positions.count * c.vocabSize, std: 1)
        for recompute in [false, true] {
            let plain = TinyModel.decoder(c, precision: precision)
            let cached = TinyModel.decoder(c, precision: precision)
            (plain.recomputesActivations, cached.recomputesActivations) = (recompute, recompute)
            let cache = PrefixCache(byteLimit: 1 << 20)
            cached.prefixCache = cache
            let expected = Self.pass(plain, batch, positions: positions, gradient: g, width: H)
            let computing = Self.pass(cached, batch, positions: positions, gradient: g, width: H)
            #expect(computing.logits == expected.logits && computing.embeddings == expected.embeddings)
            #expect(cache.count == 3 && cache.passesComputing == 1 && cache.passesReusing == 0)
            #expect(batch.embeddingFreeRows == 9)
            #expect(cache.byteCount == 4 * (3 + 3 + 5) * 2 * c.kvWidth * c.layerCount, "shared rows kept by each sequence")

            let reading = Self.pass(cached, batch, positions: positions, gradient: g, width: H)
            #expect(cache.passesReusing == 1 && cache.passesComputing == 1)
            for (name, got, want) in [("logits", reading.logits, expected.logits),
                                      ("gradient", reading.embeddings, expected.embeddings)] {
                let (difference, size) = Self.largestDifference(want, got)
                #expect(size > 0 && difference <= 1e-5 * size,
                        "\(precision), recompute \(recompute), \(name): largest difference \(difference) of \(size)")
            }
        }
    }

    /// A batch of kept sequences in another order and company (so packed otherwise) reads them; one
    /// with a sequence not kept computes every row and keeps it, unless told not to keep new ones; a
    /// pass that asks for logits at a row of text uses no cache.
    @Test func sequencesAreKeptOneByOne() {
        let c = TinyModel.variants[2]
        var rng = SeededGenerator(seed: 43)
        let embeddings = rng.normalBuffer(count: 3 * c.hiddenSize, std: 1)
        let plain = TinyModel.decoder(c)
        let cached = TinyModel.decoder(c)
        let cache = PrefixCache(byteLimit: 1 << 20)
        cached.prefixCache = cache
        func logits(_ decoder: Transformer, _ sequences: [[DecoderInput]], at positions: [LogitPosition]) -> [Float] {
            decoder.forward(Self.batch(sequences, embeddings: embeddings), logitsAt: positions, saveForBackward: false)
                .logits.array
        }
        let first = [Self.sequences[0], Self.sequences[3]]
        _ = logits(cached, first, at: Self.lastPositions(first))
        #expect(cache.count == 2 && cache.passesComputing == 1)

        let again = [Self.sequences[3], Self.sequences[2], Self.sequences[0]]
        let read = logits(cached, again, at: Self.lastPositions(again))
        #expect(cache.passesReusing == 1)
        let (difference, size) = Self.largestDifference(logits(plain, again, at: Self.lastPositions(again)), read)
        #expect(size > 0 && difference <= 1e-5 * size, "largest difference \(difference) of \(size)")

        let all = Self.batch(Self.sequences, embeddings: embeddings)
        _ = cached.forward(all, logitsAt: Self.lastPositions(Self.sequences), saveForBackward: false, keepingNewPrefixes: false)
        #expect(cache.count == 2 && cache.passesComputing == 2 && cache.passesReusing == 1)
        _ = logits(cached, Self.sequences, at: Self.lastPositions(Self.sequences))
        #expect(cache.count == 3 && cache.passesComputing == 3 && cache.passesReusing == 1)

        let atText = [LogitPosition(sequence: 0, position: 1)]
        #expect(logits(cached, Self.sequences, at: atText) == logits(plain, Self.sequences, at: atText))
        #expect(cache.passesComputing == 3 && cache.passesReusing == 1, "a pass scoring text leaves the cache alone")
    }

    /// Sequences are kept only while they fit the byte limit; a batch with one that did not fit
    /// computes every row, with the bits of a decoder without a cache.
    @Test func theByteLimitHolds() {
        let c = TinyModel.variants[0]
        var rng = SeededGenerator(seed: 47)
        let embeddings = rng.normalBuffer(count: 3 * c.hiddenSize, std: 1)
        let rowBytes = 4 * 2 * c.kvWidth * c.layerCount
        let cache = PrefixCache(byteLimit: 4 * rowBytes)
        let cached = TinyModel.decoder(c)
        cached.prefixCache = cache
        let batch = Self.batch(Self.sequences, embeddings: embeddings)
        let positions = Self.lastPositions(Self.sequences)
        var passes: [[Float]] = []
        for _ in 0..<2 {
            passes.append(cached.forward(batch, logitsAt: positions, saveForBackward: false).logits.array)
        }
        #expect(cache.count == 1 && cache.byteCount == 3 * rowBytes, "the first sequence's three rows; neither the next three nor the last five fit")
        #expect(cache.passesComputing == 2 && cache.passesReusing == 0)
        let plain = TinyModel.decoder(c).forward(batch, logitsAt: positions, saveForBackward: false).logits.array
        #expect(passes[0] == plain && passes[1] == plain)
    }
}
