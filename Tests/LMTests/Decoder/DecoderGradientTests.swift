import LM
import Tensor
import TestSupport
import Testing

/// The whole decoder's backward pass against finite differences, for each tiny-model variant:
/// loss = sum(r * logits at chosen positions), differentiated with respect to inserted embeddings.
struct DecoderGradientTests {
    /// Three sequences of different lengths mixing tokens and three caller-given vectors, the second
    /// reusing one of them (its gradient must be the sum over both uses), the third sharing the first's
    /// first two rows. Runs longer than three rows are cut, so the first sequence's own rows are two
    /// segments, the second reading the first.
    static func batch(_ c: DecoderConfig, embeddings: FloatBuffer) -> DecoderBatch {
        DecoderBatch(sequences: [
            [.embedding(0), .token(3), .token(7), .embedding(1), .token(5), .embedding(2)],
            [.token(1), .embedding(1), .token(9), .token(2)],
            [.embedding(0), .token(3), .token(8), .embedding(2)],
        ], embeddings: embeddings, maxSegmentRows: 3)
    }

    @Test(arguments: TinyModel.variants, [InputGradient.everyRow, .embeddingRows])
    func gradientToInsertedEmbeddingsMatchesFiniteDifferences(_ c: DecoderConfig, inputs: InputGradient) {
        let decoder = TinyModel.decoder(c)
        var rng = SeededGenerator(seed: 21)
        let embeddings = rng.normalBuffer(count: 3 * c.hiddenSize, std: 1)
        let positions = [LogitPosition(sequence: 0, position: 5), LogitPosition(sequence: 0, position: 2),
                         LogitPosition(sequence: 1, position: 3), LogitPosition(sequence: 2, position: 3)]
        let r = rng.normalBuffer(count: positions.count * c.vocabSize, std: 1)
        func loss() -> Double {
            let pass = decoder.forward(Self.batch(c, embeddings: embeddings), logitsAt: positions,
                                       saveForBackward: false)
            var s = 0.0
            for i in 0..<r.count { s += Double(pass.logits[i]) * Double(r[i]) }
            return s
        }
        let b = Self.batch(c, embeddings: embeddings)
        let pass = decoder.forward(b, logitsAt: positions, saveForBackward: true)
        let dInput = decoder.backward(pass, logitGradient: r, to: inputs)
        let dEmbeddings = FloatBuffer(count: embeddings.count)
        b.accumulateEmbeddingGradient(dInput, width: c.hiddenSize, into: dEmbeddings)
        let error = GradientCheck.relativeError(input: embeddings, analytic: dEmbeddings.array, step: 1e-2,
                                                loss: loss)
        #expect(error < 2e-2, "relative L2 error \(error) for \(c.architecture) \(c.rotaryLayout)")
    }

    /// Two batches with text before their first embeddings, packed in segments of at most three rows:
    /// the first's texts partly shared, every row after its cut its own; in the second two sequences
    /// share their text and their first embedding, so the context of what follows joins rows on both
    /// sides of the cut into one block, a long run follows the cut, and one sequence has no embedding
    /// but is scored. With the number of embedding-free rows of each, and whether a context block
    /// crosses the cut.
    static let textFirstBatches: [(sequences: [[DecoderInput]], free: Int, crossing: Bool)] = [
        ([[.token(3), .token(7), .token(2), .embedding(0), .token(5), .embedding(1)],
          [.token(3), .token(7), .token(9), .embedding(1), .token(2)],
          [.embedding(2), .token(4), .token(1)],
          [.token(6), .token(6), .token(6), .token(6), .token(6), .embedding(0), .token(8), .embedding(2)]], 9, false),
        ([[.token(4), .token(4), .token(2)],
          [.token(1), .token(2), .embedding(0), .token(3), .token(4), .token(5), .embedding(1), .token(7), .token(9)],
          [.token(1), .token(2), .embedding(0), .token(8)]], 5, true),
    ]

    /// A backward pass to the embedding rows alone skips every row before a sequence's first embedding:
    /// the embeddings get the gradient the whole pass gives them, in every precision, with the layers
    /// recomputed or not, and the skipped rows get zero.
    @Test(arguments: TinyModel.variants, Precision.allCases)
    func theEmbeddingRowsAloneGetTheWholePassesGradient(_ c: DecoderConfig, precision: Precision) {
        let decoder = TinyModel.decoder(c, precision: precision)
        var rng = SeededGenerator(seed: 31)
        let H = c.hiddenSize
        let embeddings = rng.normalBuffer(count: 3 * H, std: 1)
        for (sequences, free, crossing) in Self.textFirstBatches {
            let positions = sequences.indices.map { LogitPosition(sequence: $0, position: sequences[$0].count - 1) }
            let g = rng.normalBuffer(count: positions.count * c.vocabSize, std: 1)
            let batch = DecoderBatch(sequences: sequences, embeddings: embeddings, maxSegmentRows: 3)
            #expect(batch.embeddingFreeRows == free)
            #expect(crossing == batch.segments.contains { $0.context.contains { $0.contains(free - 1) && $0.contains(free) } })
            var gradients: [[Float]] = []
            var inputRows: [[Float]] = []
            for (inputs, recompute) in [(InputGradient.everyRow, false), (.embeddingRows, false), (.embeddingRows, true)] {
                decoder.recomputesActivations = recompute
                let pass = decoder.forward(batch, logitsAt: positions, saveForBackward: true)
                let dInput = decoder.backward(pass, logitGradient: g, to: inputs)
                let dEmbeddings = FloatBuffer(count: embeddings.count)
                batch.accumulateEmbeddingGradient(dInput, width: H, into: dEmbeddings)
                gradients.append(dEmbeddings.array)
                inputRows.append(dInput.array)
            }
            #expect(inputRows[0][0..<free * H].contains { $0 != 0 }, "the whole pass reaches the text rows")
            #expect(inputRows[1][0..<free * H].allSatisfy { $0 == 0 } && inputRows[2][0..<free * H].allSatisfy { $0 == 0 })
            #expect(gradients[1] == gradients[2], "recomputed, the same bits")
            let worst = zip(gradients[0], gradients[1]).map { abs($0 - $1) }.max() ?? 0
            let size = gradients[0].map(abs).max() ?? 0
            #expect(size > 0 && worst <= 1e-5 * size, "\(precision): largest difference \(worst) of \(size)")
        }
    }

    /// A batch without embeddings has no row to differentiate: the backward pass to the embedding rows
    /// runs no layer and gives zeros.
    @Test func aBatchWithoutEmbeddingsHasNoEmbeddingGradient() {
        let c = TinyModel.variants[0]
        let decoder = TinyModel.decoder(c)
        let batch = DecoderBatch(tokens: [[1, 2, 3], [1, 4]])
        #expect(batch.embeddingFreeRows == batch.rowCount)
        let pass = decoder.forward(batch, logitsAt: [LogitPosition(sequence: 0, position: 2)], saveForBackward: true)
        let g = FloatBuffer(Array(repeating: 1, count: c.vocabSize))
        #expect(decoder.backward(pass, logitGradient: g, to: .embeddingRows).array.allSatisfy { $0 == 0 })
        #expect(decoder.backward(pass, logitGradient: g, to: .everyRow).array.contains { $0 != 0 })
    }

    /// The last layer runs only at the distinct logit rows: a position asked for twice gets the same
    /// logits twice (to rounding), and its two gradients add up to the gradient of asking once with their sum.
    @Test func aPositionAskedForTwiceCountsTwice() {
        let c = TinyModel.variants[0]
        let decoder = TinyModel.decoder(c)
        let b = DecoderBatch(tokens: [[1, 2, 3, 4, 5], [6, 7, 8]])
        let V = c.vocabSize
        let twice = [LogitPosition(sequence: 1, position: 1), LogitPosition(sequence: 0, position: 3),
                     LogitPosition(sequence: 1, position: 1)]
        var rng = SeededGenerator(seed: 5)
        let g = rng.normalBuffer(count: 3 * V, std: 1)
        let passTwice = decoder.forward(b, logitsAt: twice, saveForBackward: true)
        let logitsTwice = passTwice.logits.array
        let dTwice = decoder.backward(passTwice, logitGradient: g).array

        let once = FloatBuffer(count: 2 * V)
        for i in 0..<V {
            once[i] = g[i] + g[2 * V + i]
            once[V + i] = g[V + i]
        }
        let passOnce = decoder.forward(b, logitsAt: Array(twice.prefix(2)), saveForBackward: true)
        // Equal up to rounding: the sgemm may sum a row differently by where it falls in the block
        // (OpenBLAS does on some AVX-512 machines), so bit equality is not promised.
        let repeated = zip(logitsTwice[0..<V], logitsTwice[2 * V..<3 * V]).map { abs($0 - $1) }.max() ?? 0
        let againstOnce = zip(logitsTwice[0..<2 * V], passOnce.logits.array).map { abs($0 - $1) }.max() ?? 0
        #expect(repeated < 1e-5 && againstOnce < 1e-5, "largest differences \(repeated), \(againstOnce)")
        let dOnce = decoder.backward(passOnce, logitGradient: once).array
        let worst = zip(dTwice, dOnce).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "largest difference \(worst)")
    }

    /// Recomputing each layer during backward repeats the same arithmetic: the same logits and the same
    /// input gradient, bit for bit, with and without it, at every precision (bf16 and int8 keep part of
    /// each layer in bf16 or int8, recomputed or not).
    @Test(arguments: TinyModel.variants, Precision.allCases)
    func recomputedActivationsGiveTheSameGradient(_ c: DecoderConfig, precision: Precision) {
        let decoder = TinyModel.decoder(c, precision: precision)
        var rng = SeededGenerator(seed: 8)
        let embeddings = rng.normalBuffer(count: 3 * c.hiddenSize, std: 1)
        let positions = [LogitPosition(sequence: 0, position: 4), LogitPosition(sequence: 1, position: 3),
                         LogitPosition(sequence: 2, position: 2)]
        let g = rng.normalBuffer(count: positions.count * c.vocabSize, std: 1)
        var results: [([Float], [Float])] = []
        for recompute in [false, true] {
            decoder.recomputesActivations = recompute
            let pass = decoder.forward(Self.batch(c, embeddings: embeddings), logitsAt: positions, saveForBackward: true)
            results.append((pass.logits.array, decoder.backward(pass, logitGradient: g).array))
        }
        #expect(results[0].0 == results[1].0)
        #expect(results[0].1 == results[1].1)
        #expect(results[1].1.contains { $0 != 0 })
    }

    /// Sequences that begin alike share those rows: the embedding gradient of the batch equals the sum
    /// of each sequence's own, run alone (which shares nothing and is one segment). The batch is packed
    /// whole and with runs cut at two rows.
    @Test(arguments: TinyModel.variants, [DecoderBatch.maxSegmentRows, 2])
    func sharedBeginningsGiveTheGradientOfSequencesAlone(_ c: DecoderConfig, maxSegmentRows: Int) {
        let decoder = TinyModel.decoder(c)
        var rng = SeededGenerator(seed: 17)
        let H = c.hiddenSize
        let embeddings = rng.normalBuffer(count: 4 * H, std: 1)
        let head: [DecoderInput] = [.embedding(0), .embedding(1), .token(4)]
        let sequences: [[DecoderInput]] = [
            head + [.token(5), .embedding(2), .token(6)],
            head + [.token(5), .embedding(3)],
            head + [.token(9)],
            [.embedding(1), .token(2)],
            head,
        ]
        let g = rng.normalBuffer(count: sequences.count * c.vocabSize, std: 1)
        let batch = DecoderBatch(sequences: sequences, embeddings: embeddings, maxSegmentRows: maxSegmentRows)
        #expect(batch.rowCount == 3 + 2 + 1 + 1 + 1 + 2)
        let together = FloatBuffer(count: embeddings.count)
        let pass = decoder.forward(batch, logitsAt: sequences.indices.map {
            LogitPosition(sequence: $0, position: sequences[$0].count - 1)
        }, saveForBackward: true)
        batch.accumulateEmbeddingGradient(decoder.backward(pass, logitGradient: g), width: H, into: together)

        let alone = FloatBuffer(count: embeddings.count)
        for (i, s) in sequences.enumerated() {
            let single = DecoderBatch(sequences: [s], embeddings: embeddings)
            let pass = decoder.forward(single, logitsAt: [LogitPosition(sequence: 0, position: s.count - 1)],
                                       saveForBackward: true)
            let gi = FloatBuffer(Array(g.array[i * c.vocabSize..<(i + 1) * c.vocabSize]))
            single.accumulateEmbeddingGradient(decoder.backward(pass, logitGradient: gi), width: H, into: alone)
        }
        let worst = zip(together.array, alone.array).map { abs($0 - $1) }.max() ?? 0
        let size = alone.array.map(abs).max() ?? 0
        #expect(worst < 1e-4 * max(1, size), "largest difference \(worst), largest entry \(size)")
    }

    /// A batch of 56 rows, more than a product makes at a time where it makes its operand as it runs
    /// (the norms', the gate's and the gate's backward, `FrozenMatrix.Operand`): in every precision the
    /// embedding gradient of the batch is the sum of each sequence's own, run alone in a few rows.
    @Test(arguments: [Precision.fp32, .bf16, .int8])
    func aTallBatchGivesTheGradientOfSequencesAlone(precision: Precision) {
        for c in TinyModel.variants {
            let decoder = TinyModel.decoder(c, precision: precision)
            var rng = SeededGenerator(seed: 23)
            let H = c.hiddenSize
            let embeddings = rng.normalBuffer(count: 8 * H, std: 1)
            let sequences: [[DecoderInput]] = (0..<8).map { i in
                [.embedding(i)] + (0..<6).map { DecoderInput.token(1 + (5 * i + 3 * $0) % (c.vocabSize - 1)) }
            }
            let g = rng.normalBuffer(count: sequences.count * c.vocabSize, std: 1)
            let batch = DecoderBatch(sequences: sequences, embeddings: embeddings)
            #expect(batch.rowCount == 56)
            let together = FloatBuffer(count: embeddings.count)
            let pass = decoder.forward(batch, logitsAt: sequences.indices.map { LogitPosition(sequence: $0, position: 6) },
                                       saveForBackward: true)
            batch.accumulateEmbeddingGradient(decoder.backward(pass, logitGradient: g), width: H, into: together)
            let alone = FloatBuffer(count: embeddings.count)
            for (i, s) in sequences.enumerated() {
                let single = DecoderBatch(sequences: [s], embeddings: embeddings)
                let pass = decoder.forward(single, logitsAt: [LogitPosition(sequence: 0, position: 6)], saveForBackward: true)
                let gi = FloatBuffer(Array(g.array[i * c.vocabSize..<(i + 1) * c.vocabSize]))
                single.accumulateEmbeddingGradient(decoder.backward(pass, logitGradient: gi), width: H, into: alone)
            }
            let worst = zip(together.array, alone.array).map { abs($0 - $1) }.max() ?? 0
            let size = alone.array.map(abs).max() ?? 0
            #expect(size > 0 && worst < 1e-4 * max(1, size), "\(precision), \(c.architecture): largest difference \(worst) of \(size)")
        }
    }

    @Test func gradientOfTokensAfterTheLossPositionIsZero() {
        let c = TinyModel.variants[0]
        let decoder = TinyModel.decoder(c)
        let b = DecoderBatch(tokens: [[1, 2, 3, 4, 5]])
        let pass = decoder.forward(b, logitsAt: [LogitPosition(sequence: 0, position: 2)], saveForBackward: true)
        let g = FloatBuffer(Array(repeating: 1, count: c.vocabSize))
        let dInput = decoder.backward(pass, logitGradient: g)
        let H = c.hiddenSize
        for row in 3..<5 { for i in 0..<H { #expect(dInput[row * H + i] == 0) } }
        var before: Float = 0
        for i in 0..<3 * H { before += abs(dInput[i]) }
        #expect(before > 0)
    }
}

/// The packed batch behaves as separate sequences: no attention across sequences, and a shared
/// beginning gives each sequence the logits it has alone.
struct DecoderConsistencyTests {
    @Test(arguments: TinyModel.variants, [DecoderBatch.maxSegmentRows, 2])
    func batchedLogitsEqualEachSequenceAlone(_ c: DecoderConfig, maxSegmentRows: Int) {
        let decoder = TinyModel.decoder(c)
        let sequences = [[4, 8, 15, 16, 23, 36], [1, 2], [30, 29, 28, 27], [4, 8, 15, 2], [4, 8], [1, 2]]
        let all = decoder.forward(DecoderBatch(tokens: sequences, maxSegmentRows: maxSegmentRows),
                                  logitsAt: sequences.indices.map { LogitPosition(sequence: $0, position: sequences[$0].count - 1) },
                                  saveForBackward: false).logits.array
        for (i, s) in sequences.enumerated() {
            let alone = decoder.forward(DecoderBatch(tokens: [s]), logitsAt: [LogitPosition(sequence: 0, position: s.count - 1)],
                                        saveForBackward: false).logits.array
            for v in 0..<c.vocabSize {
                #expect(abs(alone[v] - all[i * c.vocabSize + v]) < 1e-4)
            }
        }
    }

    @Test func savingActivationsDoesNotChangeLogits() {
        let c = TinyModel.variants[2]
        let decoder = TinyModel.decoder(c)
        let b = DecoderBatch(tokens: [[3, 1, 4, 1, 5, 9, 2, 6]])
        let at = (0..<8).map { LogitPosition(sequence: 0, position: $0) }
        let plain = decoder.forward(b, logitsAt: at, saveForBackward: false).logits.array
        let saved = decoder.forward(b, logitsAt: at, saveForBackward: true).logits.array
        #expect(plain == saved)
    }

    /// The same logits to rounding: the vector's sequence is packed as two segments (the row before it
    /// is laid out with the embedding-free rows), the token's as one, so attention sums in another order.
    @Test func anEmbeddingEqualToATokenRowGivesTheTokensLogits() {
        let c = TinyModel.variants[0]
        let decoder = TinyModel.decoder(c)
        let H = c.hiddenSize
        let row = FloatBuffer(count: H)
        decoder.tokenEmbedding(7, into: row.pointer)
        let at = [LogitPosition(sequence: 0, position: 2)]
        let viaToken = decoder.forward(DecoderBatch(tokens: [[1, 7, 3]]), logitsAt: at, saveForBackward: false).logits.array
        let viaVector = decoder.forward(DecoderBatch(sequences: [[.token(1), .embedding(0), .token(3)]], embeddings: row),
                                        logitsAt: at, saveForBackward: false).logits.array
        let worst = zip(viaToken, viaVector).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-5, "largest difference \(worst)")
    }
}

extension DecoderConfig: CustomTestStringConvertible {
    public var testDescription: String {
        "\(architecture) \(rotaryLayout) heads \(headCount)/\(kvHeadCount) bias \(attentionBias) tied \(tiedOutput)"
    }
}
