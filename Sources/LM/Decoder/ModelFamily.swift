/// How a family's decoder block is put together. The decoder runs this one layout; a family with
/// another (norms after the sublayers, another activation) adds a case here and its forward and
/// backward in `Transformer`.
public enum BlockLayout: String, Sendable, Equatable {
    /// x += attention(rmsnorm(x)); x += down(silu(gate(rmsnorm(x))) * up(rmsnorm(x))): Llama, Qwen2.
    case preNormSwiGLU
}

/// One decoder family, as llama.cpp keeps them: a row per architecture holding what differs between
/// families (tensor names in each file format, rotary layout, biases, block layout, defaults), so
/// both loaders and the decoder read the differences from here. A new family is one more row in
/// `all` (and, if its block differs, a `BlockLayout` case).
public struct ModelFamily: Sendable, Equatable, CustomStringConvertible {
    /// GGUF `general.architecture` and Hugging Face `model_type`.
    public let name: String
    /// How rotary dimensions pair up in GGUF files (llama.cpp permutes llama's Q/K rows); Hugging
    /// Face checkpoints are always `.halfSplit`.
    public let ggufRotaryLayout: RotaryLayout
    /// True when the family's Q, K and V always carry biases, whatever config.json's `attention_bias`
    /// says (Qwen2 omits the key). A GGUF file says by holding the bias tensors or not.
    public let alwaysHasAttentionBias: Bool
    /// The block's layout.
    public let block: BlockLayout
    /// The context length when config.json gives none.
    public let defaultContextLength: Int
    /// Where each weight is in a GGUF file and in a Hugging Face checkpoint.
    public let ggufNames: TensorNames
    public let huggingFaceNames: TensorNames

    public static func == (a: ModelFamily, b: ModelFamily) -> Bool { a.name == b.name }

    public var description: String { name }

    public static let llama = ModelFamily(
        name: "llama", ggufRotaryLayout: .adjacentPairs, alwaysHasAttentionBias: false, block: .preNormSwiGLU,
        defaultContextLength: 2048, ggufNames: .gguf, huggingFaceNames: .huggingFace)

    public static let qwen2 = ModelFamily(
        name: "qwen2", ggufRotaryLayout: .halfSplit, alwaysHasAttentionBias: true, block: .preNormSwiGLU,
        defaultContextLength: 32768, ggufNames: .gguf, huggingFaceNames: .huggingFace)

    /// Every family the engine runs.
    public static let all = [llama, qwen2]

    /// The family called `name`, or nil.
    public static func named(_ name: String) -> ModelFamily? { all.first { $0.name == name } }
}

/// The names of a decoder's tensors in one file format; a layer's names follow `layerPrefix(i)`.
public struct TensorNames: Sendable {
    public let tokenEmbedding: String
    public let outputNorm: String
    public let outputHead: String
    public let layerPrefix: @Sendable (Int) -> String
    public let attentionNorm: String
    public let query: String
    public let key: String
    public let value: String
    public let queryBias: String
    public let keyBias: String
    public let valueBias: String
    public let attentionOutput: String
    public let ffnNorm: String
    public let gate: String
    public let up: String
    public let down: String

    /// llama.cpp's names for Llama-like blocks.
    public static let gguf = TensorNames(
        tokenEmbedding: "token_embd.weight", outputNorm: "output_norm.weight", outputHead: "output.weight",
        layerPrefix: { "blk.\($0)." }, attentionNorm: "attn_norm.weight",
        query: "attn_q.weight", key: "attn_k.weight", value: "attn_v.weight",
        queryBias: "attn_q.bias", keyBias: "attn_k.bias", valueBias: "attn_v.bias", attentionOutput: "attn_output.weight",
        ffnNorm: "ffn_norm.weight", gate: "ffn_gate.weight", up: "ffn_up.weight", down: "ffn_down.weight")

    /// transformers' names for Llama-like blocks.
    public static let huggingFace = TensorNames(
        tokenEmbedding: "model.embed_tokens.weight", outputNorm: "model.norm.weight", outputHead: "lm_head.weight",
        layerPrefix: { "model.layers.\($0)." }, attentionNorm: "input_layernorm.weight",
        query: "self_attn.q_proj.weight", key: "self_attn.k_proj.weight", value: "self_attn.v_proj.weight",
        queryBias: "self_attn.q_proj.bias", keyBias: "self_attn.k_proj.bias", valueBias: "self_attn.v_proj.bias",
        attentionOutput: "self_attn.o_proj.weight", ffnNorm: "post_attention_layernorm.weight",
        gate: "mlp.gate_proj.weight", up: "mlp.up_proj.weight", down: "mlp.down_proj.weight")
}
