import Tensor

/// The frozen float32 weights of one decoder block. Matrices are row-major [out, in], as in PyTorch's
/// `Linear.weight` and in GGUF (whose ne[0] is the inner dimension).
public struct LayerWeights: Sendable {
    /// [H] RMSNorm gain before attention.
    public var attentionNorm: FloatBuffer
    /// [nh*d, H]
    public var query: FloatBuffer
    /// [nkv*d, H]
    public var key: FloatBuffer
    /// [nkv*d, H]
    public var value: FloatBuffer
    /// [nh*d], [nkv*d], [nkv*d] when the architecture has attention biases.
    public var queryBias: FloatBuffer?
    public var keyBias: FloatBuffer?
    public var valueBias: FloatBuffer?
    /// [H, nh*d]
    public var output: FloatBuffer
    /// [H] RMSNorm gain before the MLP.
    public var ffnNorm: FloatBuffer
    /// [F, H]
    public var gate: FloatBuffer
    /// [F, H]
    public var up: FloatBuffer
    /// [H, F]
    public var down: FloatBuffer
    /// The sandwich layout's norms (`BlockLayout.sandwichGeGLU`), nil in others: [d] gains of every
    /// query head and of every key head, [H] gains after attention and after the MLP.
    public var sandwich: SandwichNorms?

    public init(attentionNorm: FloatBuffer, query: FloatBuffer, key: FloatBuffer, value: FloatBuffer,
                queryBias: FloatBuffer?, keyBias: FloatBuffer?, valueBias: FloatBuffer?,
                output: FloatBuffer, ffnNorm: FloatBuffer, gate: FloatBuffer, up: FloatBuffer,
                down: FloatBuffer, sandwich: SandwichNorms? = nil) {
        self.attentionNorm = attentionNorm
        self.query = query
        self.key = key
        self.value = value
        self.queryBias = queryBias
        self.keyBias = keyBias
        self.valueBias = valueBias
        self.output = output
        self.ffnNorm = ffnNorm
        self.gate = gate
        self.up = up
        self.down = down
        self.sandwich = sandwich
    }
}

/// The RMSNorm gains a sandwich block has beyond a pre-norm one.
public struct SandwichNorms: Sendable {
    /// [d] each query head's gain, and each key head's.
    public var query: FloatBuffer
    public var key: FloatBuffer
    /// [H] the gains applied to the attention output and to the MLP output.
    public var attentionOutput: FloatBuffer
    public var ffnOutput: FloatBuffer

    public init(query: FloatBuffer, key: FloatBuffer, attentionOutput: FloatBuffer, ffnOutput: FloatBuffer) {
        self.query = query
        self.key = key
        self.attentionOutput = attentionOutput
        self.ffnOutput = ffnOutput
    }
}

/// All frozen weights of a decoder.
public struct DecoderWeights: Sendable {
    /// [V, H]
    public var tokenEmbedding: FloatBuffer
    public var layers: [LayerWeights]
    /// [H] final RMSNorm gain.
    public var outputNorm: FloatBuffer
    /// [V, H]; the same buffer as `tokenEmbedding` when the head is tied.
    public var outputHead: FloatBuffer

    public init(tokenEmbedding: FloatBuffer, layers: [LayerWeights], outputNorm: FloatBuffer,
                outputHead: FloatBuffer) {
        self.tokenEmbedding = tokenEmbedding
        self.layers = layers
        self.outputNorm = outputNorm
        self.outputHead = outputHead
    }
}
