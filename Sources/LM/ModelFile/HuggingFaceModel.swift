import Foundation
import Tensor

extension ModelLoader {
    /// Loads a Hugging Face folder: `config.json` and a single `model.safetensors` (F32, F16 or BF16).
    /// The output head is tied when `tie_word_embeddings` is set or `lm_head.weight` is absent.
    public static func loadHuggingFace(folder: String) throws -> LoadedModel {
        let configPath = folder + "/config.json"
        let weightsPath = folder + "/model.safetensors"
        var config = try HuggingFaceConfig.decoderConfig(contentsOf: configPath)
        let manager = FileManager.default
        if !manager.fileExists(atPath: weightsPath), manager.fileExists(atPath: weightsPath + ".index.json") {
            throw ModelFileError.unsupportedFeature(path: folder, feature: "a sharded safetensors checkpoint "
                                                    + "(merge the shards into one model.safetensors)")
        }
        let file = try SafetensorsFile(path: weightsPath)
        config.tiedOutput = config.tiedOutput || file.tensors["lm_head.weight"] == nil

        func tensor(_ name: String, _ shape: [Int]) throws -> FloatBuffer {
            try checked(name, try file.tensorInfo(name).shape, shape, path: weightsPath)
            return try file.floats(name)
        }
        let (H, V, F) = (config.hiddenSize, config.vocabSize, config.ffnSize)
        let (qw, kvw) = (config.queryWidth, config.kvWidth)
        let (weights, sha256) = try concurrently({ file.sha256() }) {
            let embedding = try tensor("model.embed_tokens.weight", [V, H])
            var layers: [LayerWeights] = []
            for i in 0..<config.layerCount {
                let p = "model.layers.\(i)."
                let bias = config.attentionBias
                layers.append(LayerWeights(
                    attentionNorm: try tensor(p + "input_layernorm.weight", [H]),
                    query: try tensor(p + "self_attn.q_proj.weight", [qw, H]),
                    key: try tensor(p + "self_attn.k_proj.weight", [kvw, H]),
                    value: try tensor(p + "self_attn.v_proj.weight", [kvw, H]),
                    queryBias: bias ? try tensor(p + "self_attn.q_proj.bias", [qw]) : nil,
                    keyBias: bias ? try tensor(p + "self_attn.k_proj.bias", [kvw]) : nil,
                    valueBias: bias ? try tensor(p + "self_attn.v_proj.bias", [kvw]) : nil,
                    output: try tensor(p + "self_attn.o_proj.weight", [H, qw]),
                    ffnNorm: try tensor(p + "post_attention_layernorm.weight", [H]),
                    gate: try tensor(p + "mlp.gate_proj.weight", [F, H]),
                    up: try tensor(p + "mlp.up_proj.weight", [F, H]),
                    down: try tensor(p + "mlp.down_proj.weight", [H, F])))
            }
            return DecoderWeights(
                tokenEmbedding: embedding, layers: layers,
                outputNorm: try tensor("model.norm.weight", [H]),
                outputHead: config.tiedOutput ? embedding : try tensor("lm_head.weight", [V, H]))
        }
        return LoadedModel(config: config, weights: weights, vocabulary: nil,
                           sha256: sha256, path: folder)
    }
}
