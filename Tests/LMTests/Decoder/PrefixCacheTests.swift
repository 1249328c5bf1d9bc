import LM
import Tensor
import TestSupport
import Testing

/// Passes that read the keys and values of the text before each sequence's first embedding from a
/// `PrefixCache` against passes that compute every row.
struct PrefixCacheTests {
    /// Four sequences packed in segments of at most three rows: two share the start of their text,
    /// one begins with an embedding, one has a long run of text, and every one is scored at its end.
    /// Their texts have 3, 3 and 5 tokens; packed, 9 rows.
    static let sequences: [[DecoderInput]] = [
        [.token(3), .token(7), .token(2), .embedding(0), .token(5), .embedding(1)],
        [.token(3), .token(7), .token(9), .embedding(1), .token(2)],
        [.embedding(2), .token(4), .token(1)],
        [.token(6), .token(6), .token(6), .token(6), .token(6), .embedding(0), .token(8), .embedding(2)],
    ]

    /// The same sequences with other tokens: the same packing, none of their texts kept.
    static let others = sequences.map { $0.map { input -> DecoderInput in
        if case .token(let id) = input { return .token(id + 20) }
        return input
    } }

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

    static func expectClose(_ got: [Float], _ want: [Float], _ what: String) {
        let difference = zip(got, want).map { abs($0 - $1) }.max() ?? 0
        let size = want.map(abs).max() ?? 0
        #expect(got.count == want.count && size > 0 && difference <= 1e-5 * size,
                "\(what): largest difference \(difference) of \(size)")
    }

    /// A pass that reads the kept texts runs every projection on the other rows only and gives the
    /// logits and prompt gradient of a pass that computes every row, within rounding: every family and
    /// precision, the layers recomputed or not, after a pass of other tokens has left its values in
    /// every row the reading pass skips.
    @Test(arguments: TinyModel.variants, Precision.allCases)
    func aPassReadingTheCacheGivesWhatComputingEveryRowGives(_ c: DecoderConfig, precision: Precision) {
        var rng = SeededGenerator(seed: 41)
        let H = c.hiddenSize
        let embeddings = rng.normalBuffer(count: 3 * H, std: 1)
        let batch = Self.batch(Self.sequences, embeddings: embeddings)
        let positions = Self.lastPositions(Self.sequences)
        let g = rng.normalBuffer(count: positions.count * c.vocabSize, std: 1)
        #expect(batch.embeddingFreeRows == 9 && batch.rowCount == Self.batch(Self.others, embeddings: embeddings).rowCount)
        for recompute in [false, true] {
            let plain = TinyModel.decoder(c, precision: precision)
            let cached = TinyModel.decoder(c, precision: precision)
            (plain.recomputesActivations, cached.recomputesActivations) = (recompute, recompute)
            let cache = PrefixCache(byteLimit: 1 << 20)
            cached.prefixCache = cache
            let bytes = 4 * (3 + 3 + 5) * 2 * c.kvWidth * c.layerCount
            #expect(cached.keepPrefixes(of: Self.sequences) == .init(texts: 3, bytes: bytes, kept: true))
            #expect(cache.count == 3 && cache.byteCount == bytes, "shared rows kept by each text")

            _ = Self.pass(cached, Self.batch(Self.others, embeddings: embeddings), positions: positions, gradient: g,
                          width: H)
            #expect(cache.passesComputing == 1 && cache.passesReusing == 0)
            let reading = Self.pass(cached, batch, positions: positions, gradient: g, width: H)
            #expect(cache.passesReusing == 1)
            let expected = Self.pass(plain, batch, positions: positions, gradient: g, width: H)
            Self.expectClose(reading.logits, expected.logits, "\(precision), recompute \(recompute), logits")
            Self.expectClose(reading.embeddings, expected.embeddings, "\(precision), recompute \(recompute), gradient")

            // Forward alone, every projection skips the 9 rows of text, but the last layer's output,
            // gate/up and down, which run on the scored rows alone either way.
            func operations(_ decoder: Transformer) -> Double {
                let meter = ProjectionMeter()
                decoder.projectionMeter = meter
                defer { decoder.projectionMeter = nil }
                _ = decoder.forward(batch, logitsAt: positions, saveForBackward: false)
                return meter.operations
            }
            let size = Dictionary(uniqueKeysWithValues: cached.blockProjections.map {
                ($0.name, Double($0.matrix.rows * $0.matrix.columns))
            })
            let L = Double(c.layerCount)
            let skipped = 2 * 9 * (L * size["qkv"]! + (L - 1) * (size["output"]! + size["gate_up"]! + size["down"]!))
            #expect(operations(plain) - operations(cached) == skipped)
        }
    }

    /// What is kept depends only on the list of texts kept: two caches filled from the same list read
    /// the same bits, one filled in another order reads them within rounding; a text that begins
    /// another's, and a one-token text (a BOS row), are kept on their own. A batch with a text not
    /// kept, or one that reads logits inside a text, computes every row.
    @Test func whatIsKeptDependsOnlyOnTheListKept() {
        let c = TinyModel.variants[2]
        var rng = SeededGenerator(seed: 43)
        let embeddings = rng.normalBuffer(count: 3 * c.hiddenSize, std: 1)
        let plain = TinyModel.decoder(c)
        let short: [DecoderInput] = [.token(3), .token(7), .embedding(2), .token(1)]
        let bos: [DecoderInput] = [.token(1), .embedding(0), .token(4)]
        let sequences = Self.sequences + [short, bos]
        var reads: [[Float]] = []
        let inOrder = Array(sequences.indices)
        for order in [inOrder, inOrder, inOrder.reversed()] {
            let cached = TinyModel.decoder(c)
            let cache = PrefixCache(byteLimit: 1 << 20)
            cached.prefixCache = cache
            let kept = cached.keepPrefixes(of: order.map { sequences[$0] })
            #expect(kept.texts == 5 && kept.kept && cache.count == 5)
            #expect(cached.keepPrefixes(of: sequences).texts == 0, "nothing kept twice")
            let positions = Self.lastPositions(sequences)
            let batch = Self.batch(sequences, embeddings: embeddings)
            reads.append(cached.forward(batch, logitsAt: positions, saveForBackward: false).logits.array)
            #expect(cache.passesReusing == 1)
            Self.expectClose(reads.last!, plain.forward(batch, logitsAt: positions, saveForBackward: false).logits.array,
                             "read in order \(order)")

            let atText = [LogitPosition(sequence: 0, position: 1)]
            #expect(cached.forward(batch, logitsAt: atText, saveForBackward: false).logits.array
                    == plain.forward(batch, logitsAt: atText, saveForBackward: false).logits.array)
            #expect(cache.passesReusing == 1 && cache.passesComputing == 0, "a pass scoring text leaves the cache alone")
            let allText: [DecoderInput] = [.token(4), .token(4), .token(2)]
            #expect(cached.keepPrefixes(of: [allText]).texts == 0, "a sequence without an embedding is never kept")
            let mixed = sequences + [allText]
            _ = cached.forward(Self.batch(mixed, embeddings: embeddings), logitsAt: Self.lastPositions(Array(sequences)),
                               saveForBackward: false)
            #expect(cache.passesComputing == 1 && cache.passesReusing == 1)
        }
        #expect(reads[0] == reads[1], "the same list, the same bits")
        Self.expectClose(reads[2], reads[0], "kept in reverse order")
    }

    /// A list's texts are kept all or none: past the byte limit nothing is kept and every batch
    /// computes every row, with the bits of a decoder without a cache; within it (to the byte) every
    /// text is, and a batch of them reads. `removeAll` empties the cache and its counts.
    @Test(arguments: [10, 11])
    func textsAreKeptAllOrNone(rowsOfRoom: Int) {
        let c = TinyModel.variants[0]
        var rng = SeededGenerator(seed: 47)
        let embeddings = rng.normalBuffer(count: 3 * c.hiddenSize, std: 1)
        let rowBytes = 4 * 2 * c.kvWidth * c.layerCount
        let cache = PrefixCache(byteLimit: rowsOfRoom * rowBytes)
        let cached = TinyModel.decoder(c)
        cached.prefixCache = cache
        let fits = rowsOfRoom >= 3 + 3 + 5
        #expect(cached.keepPrefixes(of: Self.sequences) == .init(texts: 3, bytes: 11 * rowBytes, kept: fits))
        #expect(cache.count == (fits ? 3 : 0) && cache.byteCount == (fits ? 11 * rowBytes : 0))
        for chosen in [Self.sequences, [Self.sequences[0], Self.sequences[2]]] {
            let batch = Self.batch(chosen, embeddings: embeddings)
            let positions = Self.lastPositions(chosen)
            let logits = cached.forward(batch, logitsAt: positions, saveForBackward: false).logits.array
            let plain = TinyModel.decoder(c).forward(batch, logitsAt: positions, saveForBackward: false).logits.array
            if fits { Self.expectClose(logits, plain, "read") } else { #expect(logits == plain) }
        }
        #expect(cache.passesComputing == (fits ? 0 : 2) && cache.passesReusing == (fits ? 2 : 0))
        cache.removeAll()
        #expect(cache.count == 0 && cache.byteCount == 0 && cache.passesComputing == 0 && cache.passesReusing == 0)
    }

    /// A list of more texts than one batch computes is kept whole, each text read back at its rows.
    @Test func textsAreKeptInSeveralBatches() {
        let c = TinyModel.variants[1]
        var rng = SeededGenerator(seed: 53)
        let embeddings = rng.normalBuffer(count: 3 * c.hiddenSize, std: 1)
        let count = 2 * PrefixCache.fillBatch + 3
        let sequences: [[DecoderInput]] = (0..<count).map { i in
            (0...(i % 4)).map { DecoderInput.token((i * 7 + $0 * 3) % c.vocabSize) } + [.embedding(i % 3), .token(i % 5)]
        }
        let cached = TinyModel.decoder(c)
        let cache = PrefixCache(byteLimit: 1 << 22)
        cached.prefixCache = cache
        let distinct = Set(sequences.map { $0.prefix { !$0.isEmbedding } }).count
        #expect(distinct > PrefixCache.fillBatch * 2)
        let kept = cached.keepPrefixes(of: sequences)
        #expect(kept.texts == distinct && kept.kept && cache.count == distinct)
        let plain = TinyModel.decoder(c)
        for picked in [[0, 17, 34, 5], [33, 16, 1]] {
            let chosen = picked.map { sequences[$0] }
            let batch = Self.batch(chosen, embeddings: embeddings)
            let positions = Self.lastPositions(chosen)
            let before = cache.passesReusing
            let read = cached.forward(batch, logitsAt: positions, saveForBackward: false).logits.array
            #expect(cache.passesReusing == before + 1)
            Self.expectClose(read, plain.forward(batch, logitsAt: positions, saveForBackward: false).logits.array,
                             "records \(picked)")
        }
    }
}
