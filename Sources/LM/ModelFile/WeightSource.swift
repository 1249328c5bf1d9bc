import Tensor

/// A decoder's weights in a model file, read one tensor at a time as they are needed, each checked
/// against the shape `config` gives it. Whoever builds the decoder from it never holds more than one
/// layer in float32 beside what it keeps (`Transformer.init(config:source:precision:)`).
struct WeightSource: Sendable {
    let config: DecoderConfig
    let names: TensorNames
    /// The stored tensor `name`, after checking it has the row-major shape given.
    let tensor: @Sendable (_ name: String, _ shape: [Int]) throws -> StoredTensor

    /// [V, H] the token embedding table, to be read in row blocks.
    func tokenEmbedding() throws -> StoredTensor {
        try tensor(names.tokenEmbedding, [config.vocabSize, config.hiddenSize])
    }

    /// [V, H] the output head, or nil when the model ties it to the embedding table.
    func outputHead() throws -> StoredTensor? {
        config.tiedOutput ? nil : try tensor(names.outputHead, [config.vocabSize, config.hiddenSize])
    }

    /// [H] the final RMSNorm gain.
    func outputNorm() throws -> FloatBuffer { try vector(names.outputNorm, config.hiddenSize) }

    /// Layer `i`'s tensors, still in the file.
    func layer(_ i: Int) throws -> LayerTensors<StoredTensor> {
        let (H, F) = (config.hiddenSize, config.ffnSize)
        let (qw, kvw) = (config.queryWidth, config.kvWidth)
        let bias = config.attentionBias
        let p = names.layerPrefix(i)
        func matrix(_ name: String, _ rows: Int, _ columns: Int) throws -> StoredTensor {
            try tensor(p + name, [rows, columns])
        }
        func vector(_ name: String, _ count: Int) throws -> StoredTensor { try tensor(p + name, [count]) }
        return LayerTensors(
            attentionNorm: try vector(names.attentionNorm, H),
            query: try matrix(names.query, qw, H),
            key: try matrix(names.key, kvw, H),
            value: try matrix(names.value, kvw, H),
            queryBias: bias ? try vector(names.queryBias, qw) : nil,
            keyBias: bias ? try vector(names.keyBias, kvw) : nil,
            valueBias: bias ? try vector(names.valueBias, kvw) : nil,
            output: try matrix(names.attentionOutput, H, qw),
            ffnNorm: try vector(names.ffnNorm, H),
            gate: try matrix(names.gate, F, H),
            up: try matrix(names.up, F, H),
            down: try matrix(names.down, H, F),
            sandwich: !config.architecture.block.normsSublayerOutputs ? nil : SandwichTensors(
                query: try vector(names.queryNorm, config.headDim),
                key: try vector(names.keyNorm, config.headDim),
                attentionOutput: try vector(names.attentionPostNorm, H),
                ffnOutput: try vector(names.ffnPostNorm, H)))
    }

    /// Every weight in float32 at once.
    func all() throws -> DecoderWeights {
        let embedding = try tokenEmbedding().floats()
        let layers = try (0..<config.layerCount).map { try layer($0).map { $0.floats() } }
        return DecoderWeights(tokenEmbedding: embedding, layers: layers, outputNorm: try outputNorm(),
                              outputHead: try outputHead()?.floats() ?? embedding)
    }

    private func vector(_ name: String, _ count: Int) throws -> FloatBuffer { try tensor(name, [count]).floats() }
}
