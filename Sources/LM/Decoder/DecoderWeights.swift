import Tensor

/// The tensors of one decoder block, whatever holds them: float32 buffers (`LayerWeights`), tensors
/// still in a model file, or rows to be read. Matrices are row-major [out, in], as in PyTorch's
/// `Linear.weight` and in GGUF (whose ne[0] is the inner dimension).
public struct LayerTensors<Tensor> {
    /// [H] RMSNorm gain before attention.
    public var attentionNorm: Tensor
    /// [nh*d, H]
    public var query: Tensor
    /// [nkv*d, H]
    public var key: Tensor
    /// [nkv*d, H]
    public var value: Tensor
    /// [nh*d], [nkv*d], [nkv*d] when the architecture has attention biases.
    public var queryBias: Tensor?
    public var keyBias: Tensor?
    public var valueBias: Tensor?
    /// [H, nh*d]
    public var output: Tensor
    /// [H] RMSNorm gain before the MLP.
    public var ffnNorm: Tensor
    /// [F, H]
    public var gate: Tensor
    /// [F, H]
    public var up: Tensor
    /// [H, F]
    public var down: Tensor
    /// The sandwich layout's norms (`BlockLayout.sandwichGeGLU`), nil in others.
    public var sandwich: SandwichTensors<Tensor>?

    public init(attentionNorm: Tensor, query: Tensor, key: Tensor, value: Tensor,
                queryBias: Tensor?, keyBias: Tensor?, valueBias: Tensor?,
                output: Tensor, ffnNorm: Tensor, gate: Tensor, up: Tensor,
                down: Tensor, sandwich: SandwichTensors<Tensor>? = nil) {
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

    /// The same block with every tensor transformed by `transform`.
    public func map<Other>(_ transform: (Tensor) throws -> Other) rethrows -> LayerTensors<Other> {
        LayerTensors<Other>(
            attentionNorm: try transform(attentionNorm), query: try transform(query), key: try transform(key),
            value: try transform(value), queryBias: try queryBias.map(transform), keyBias: try keyBias.map(transform),
            valueBias: try valueBias.map(transform), output: try transform(output), ffnNorm: try transform(ffnNorm),
            gate: try transform(gate), up: try transform(up), down: try transform(down),
            sandwich: try sandwich.map { try $0.map(transform) })
    }
}

extension LayerTensors: Sendable where Tensor: Sendable {}

/// The frozen float32 weights of one decoder block.
public typealias LayerWeights = LayerTensors<FloatBuffer>

/// The RMSNorm gains a sandwich block has beyond a pre-norm one.
public struct SandwichTensors<Tensor> {
    /// [d] each query head's gain, and each key head's.
    public var query: Tensor
    public var key: Tensor
    /// [H] the gains applied to the attention output and to the MLP output.
    public var attentionOutput: Tensor
    public var ffnOutput: Tensor

    public init(query: Tensor, key: Tensor, attentionOutput: Tensor, ffnOutput: Tensor) {
        self.query = query
        self.key = key
        self.attentionOutput = attentionOutput
        self.ffnOutput = ffnOutput
    }

    /// The same gains transformed by `transform`.
    public func map<Other>(_ transform: (Tensor) throws -> Other) rethrows -> SandwichTensors<Other> {
        SandwichTensors<Other>(query: try transform(query), key: try transform(key),
                               attentionOutput: try transform(attentionOutput), ffnOutput: try transform(ffnOutput))
    }
}

extension SandwichTensors: Sendable where Tensor: Sendable {}

/// The sandwich gains in float32.
public typealias SandwichNorms = SandwichTensors<FloatBuffer>

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
