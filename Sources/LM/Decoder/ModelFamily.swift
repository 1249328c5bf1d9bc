import Tensor

/// How a family's decoder block is put together. The decoder runs these layouts; a family with
/// another adds a case here and its steps in `Transformer`'s forward and backward.
public enum BlockLayout: String, Sendable, Equatable {
    /// x += attention(rmsnorm(x)); x += down(silu(gate(rmsnorm(x))) * up(rmsnorm(x))): Llama, Qwen2.
    case preNormSwiGLU
    /// Gemma 3: the same two sublayers with an RMSNorm after each as well as before
    /// (x += rmsnorm(attention(rmsnorm(x))), likewise the MLP), RMSNorm on every query and key head
    /// before rotation, and GELU (tanh) as the MLP's gate.
    case sandwichGeGLU

    /// Whether each sublayer's output is normalised before it joins the residual stream, and each
    /// query and key head before rotation: the weights then hold `SandwichNorms`.
    public var normsSublayerOutputs: Bool { self == .sandwichGeGLU }
    /// The MLP's gate.
    public var activation: GatedActivation { self == .sandwichGeGLU ? .geluTanh : .silu }
}

/// Where the sliding-window (local) attention layers of a family are, and what differs in them.
public struct SlidingWindowPattern: Sendable, Equatable {
    /// Every this-many-th layer (the last of each group) attends globally; the others locally.
    public let globalEvery: Int
    /// The rotary base of the local layers (the global ones use the file's).
    public let localRopeTheta: Float
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
    /// Whether token embeddings are multiplied by sqrt(H) as they enter the first layer (Gemma).
    public let scalesEmbeddings: Bool
    /// The local layers, for a family that mixes sliding-window and global attention (its window comes
    /// from the model file); nil when every layer attends globally.
    public let slidingWindow: SlidingWindowPattern?
    /// Where each weight is in a GGUF file and in a Hugging Face checkpoint (nil: the family is read
    /// from GGUF files only).
    public let ggufNames: TensorNames
    public let huggingFaceNames: TensorNames?

    public static func == (a: ModelFamily, b: ModelFamily) -> Bool { a.name == b.name }

    public var description: String { name }

    public static let llama = ModelFamily(
        name: "llama", ggufRotaryLayout: .adjacentPairs, alwaysHasAttentionBias: false, block: .preNormSwiGLU,
        defaultContextLength: 2048, scalesEmbeddings: false, slidingWindow: nil, ggufNames: .gguf,
        huggingFaceNames: .huggingFace)

    public static let qwen2 = ModelFamily(
        name: "qwen2", ggufRotaryLayout: .halfSplit, alwaysHasAttentionBias: true, block: .preNormSwiGLU,
        defaultContextLength: 32768, scalesEmbeddings: false, slidingWindow: nil, ggufNames: .gguf,
        huggingFaceNames: .huggingFace)

    /// Gemma 3 as llama.cpp's converter writes it: the norm gains already hold transformers' (1 + w),
    /// five local layers (rotary base 10,000) to each global one.
    public static let gemma3 = ModelFamily(
        name: "gemma3", ggufRotaryLayout: .halfSplit, alwaysHasAttentionBias: false, block: .sandwichGeGLU,
        defaultContextLength: 32768, scalesEmbeddings: true,
        slidingWindow: SlidingWindowPattern(globalEvery: 6, localRopeTheta: 10_000), ggufNames: .gguf,
        huggingFaceNames: nil)

    /// Every family the engine runs.
    public static let all = [llama, qwen2, gemma3]

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
    /// The norms of the sandwich layout (`BlockLayout.sandwichGeGLU`): per-head query and key gains
    /// and the gains after attention and after the MLP.
    public let queryNorm: String
    public let keyNorm: String
    public let attentionPostNorm: String
    public let ffnPostNorm: String

    /// llama.cpp's names for Llama-like blocks.
    public static let gguf = TensorNames(
        tokenEmbedding: "token_embd.weight", outputNorm: "output_norm.weight", outputHead: "output.weight",
        layerPrefix: { "blk.\($0)." }, attentionNorm: "attn_norm.weight",
        query: "attn_q.weight", key: "attn_k.weight", value: "attn_v.weight",
        queryBias: "attn_q.bias", keyBias: "attn_k.bias", valueBias: "attn_v.bias", attentionOutput: "attn_output.weight",
        ffnNorm: "ffn_norm.weight", gate: "ffn_gate.weight", up: "ffn_up.weight", down: "ffn_down.weight",
        queryNorm: "attn_q_norm.weight", keyNorm: "attn_k_norm.weight", attentionPostNorm: "post_attention_norm.weight",
        ffnPostNorm: "post_ffw_norm.weight")

    /// transformers' names for Llama-like blocks.
    public static let huggingFace = TensorNames(
        tokenEmbedding: "model.embed_tokens.weight", outputNorm: "model.norm.weight", outputHead: "lm_head.weight",
        layerPrefix: { "model.layers.\($0)." }, attentionNorm: "input_layernorm.weight",
        query: "self_attn.q_proj.weight", key: "self_attn.k_proj.weight", value: "self_attn.v_proj.weight",
        queryBias: "self_attn.q_proj.bias", keyBias: "self_attn.k_proj.bias", valueBias: "self_attn.v_proj.bias",
        attentionOutput: "self_attn.o_proj.weight", ffnNorm: "post_attention_layernorm.weight",
        gate: "mlp.gate_proj.weight", up: "mlp.up_proj.weight", down: "mlp.down_proj.weight",
        queryNorm: "self_attn.q_norm.weight", keyNorm: "self_attn.k_norm.weight",
        attentionPostNorm: "post_attention_layernorm.weight", ffnPostNorm: "post_feedforward_layernorm.weight")
}
