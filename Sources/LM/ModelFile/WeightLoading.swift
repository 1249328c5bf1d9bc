import Tensor

extension DecoderWeights {
    /// Reads every weight `config` needs under `names`, each checked against its shape by `tensor`
    /// (name, expected shape -> the float32 values), the same for every file format.
    static func load(_ config: DecoderConfig, names: TensorNames,
                     tensor: (String, [Int]) throws -> FloatBuffer) throws -> DecoderWeights {
        let (H, V, F) = (config.hiddenSize, config.vocabSize, config.ffnSize)
        let (qw, kvw) = (config.queryWidth, config.kvWidth)
        let bias = config.attentionBias
        let embedding = try tensor(names.tokenEmbedding, [V, H])
        var layers: [LayerWeights] = []
        for i in 0..<config.layerCount {
            let p = names.layerPrefix(i)
            layers.append(LayerWeights(
                attentionNorm: try tensor(p + names.attentionNorm, [H]),
                query: try tensor(p + names.query, [qw, H]),
                key: try tensor(p + names.key, [kvw, H]),
                value: try tensor(p + names.value, [kvw, H]),
                queryBias: bias ? try tensor(p + names.queryBias, [qw]) : nil,
                keyBias: bias ? try tensor(p + names.keyBias, [kvw]) : nil,
                valueBias: bias ? try tensor(p + names.valueBias, [kvw]) : nil,
                output: try tensor(p + names.attentionOutput, [H, qw]),
                ffnNorm: try tensor(p + names.ffnNorm, [H]),
                gate: try tensor(p + names.gate, [F, H]),
                up: try tensor(p + names.up, [F, H]),
                down: try tensor(p + names.down, [H, F]),
                sandwich: !config.architecture.block.normsSublayerOutputs ? nil : SandwichNorms(
                    query: try tensor(p + names.queryNorm, [config.headDim]),
                    key: try tensor(p + names.keyNorm, [config.headDim]),
                    attentionOutput: try tensor(p + names.attentionPostNorm, [H]),
                    ffnOutput: try tensor(p + names.ffnPostNorm, [H]))))
        }
        return DecoderWeights(tokenEmbedding: embedding, layers: layers, outputNorm: try tensor(names.outputNorm, [H]),
                              outputHead: config.tiedOutput ? embedding : try tensor(names.outputHead, [V, H]))
    }
}
