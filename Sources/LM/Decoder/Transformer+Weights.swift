import Tensor

extension Transformer {
    /// The decoder over float32 `weights`. Each layer's fp32 weights are let go once its matrices are
    /// built, so a caller that hands over the only reference to `weights` (`consume`) never holds the
    /// model twice over.
    public convenience init(config: DecoderConfig, weights: consuming DecoderWeights, precision: Precision = .fp32) {
        var pending = Array(weights.layers.reversed())
        weights.layers = []
        var blocks: [Block] = []
        while let layer = pending.popLast() {
            blocks.append(Self.block(layer, config: config, precision: precision,
                                     rows: { MatrixRows($0, columns: $1) }, floats: { $0 }))
        }
        let H = config.hiddenSize
        let table = Self.table(MatrixRows(weights.tokenEmbedding, columns: H), precision: precision)
        let head = weights.outputHead === weights.tokenEmbedding ? table
            : Self.table(MatrixRows(weights.outputHead, columns: H), precision: precision)
        self.init(config: config, precision: precision, embeddingTable: table, blocks: blocks,
                  outputNorm: weights.outputNorm, outputHead: head)
    }

    /// The decoder over the weights of a model file, read a layer at a time: each matrix goes from the
    /// file to `precision` in row blocks, so nothing but what the decoder keeps is held. An untied
    /// embedding table, which is only ever looked up, stays in the file's encoding (`StoredTable`).
    convenience init(config: DecoderConfig, source: WeightSource, precision: Precision) throws {
        let table: any EmbeddingRows, head: FrozenMatrix
        if let stored = try source.outputHead() {
            head = stored.frozenMatrix(precision: precision, roundsOperand: false)
            table = StoredTable(try source.tokenEmbedding())
        } else {
            head = try source.tokenEmbedding().frozenMatrix(precision: precision, roundsOperand: false)
            table = head
        }
        let blocks = try (0..<config.layerCount).map {
            Self.block(try source.layer($0), config: config, precision: precision,
                       rows: { stored, _ in stored.matrixRows }, floats: { $0.floats() })
        }
        self.init(config: config, precision: precision, embeddingTable: table, blocks: blocks,
                  outputNorm: try source.outputNorm(), outputHead: head)
    }

    /// An embedding table or output head: its products keep their operand in fp32 (bf16 weights
    /// widened as they go), since their results are the logits the loss and every prediction read,
    /// and they are a small part of a step's work. Read from a model file, a Q8_0 table or head stays
    /// in its blocks (`StoredTensor.frozenMatrix`).
    private static func table(_ rows: MatrixRows, precision: Precision) -> FrozenMatrix {
        FrozenMatrix(rows, precision: precision, roundsOperand: false)
    }

    /// One layer's matrices in `precision`, with the query, key and value rows (and the gate and up
    /// rows) joined into one matrix each. `rows(tensor, columns)` gives a matrix's rows, `floats` a
    /// gain or bias.
    static func block<T>(_ layer: LayerTensors<T>, config: DecoderConfig, precision: Precision,
                         rows: (T, _ columns: Int) -> MatrixRows, floats: (T) -> FloatBuffer) -> Block {
        let (H, F, Q) = (config.hiddenSize, config.ffnSize, config.queryWidth)
        // The three biases [nh*d], [nkv*d], [nkv*d] joined as one vector.
        let bias = config.attentionBias
            ? FloatBuffer([layer.queryBias, layer.keyBias, layer.valueBias].flatMap { $0.map(floats)?.array ?? [] })
            : nil
        func matrix(_ parts: [T], columns: Int) -> FrozenMatrix {
            FrozenMatrix(MatrixRows(stacking: parts.map { rows($0, columns) }), precision: precision)
        }
        return Block(attentionNorm: floats(layer.attentionNorm),
                     qkv: matrix([layer.query, layer.key, layer.value], columns: H),
                     qkvBias: bias,
                     output: matrix([layer.output], columns: Q),
                     ffnNorm: floats(layer.ffnNorm),
                     gateUp: matrix([layer.gate, layer.up], columns: H),
                     down: matrix([layer.down], columns: F),
                     sandwich: layer.sandwich?.map(floats))
    }
}
