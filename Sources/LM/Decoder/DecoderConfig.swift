/// How rotary position embeddings pair up the dimensions of a head.
public enum RotaryLayout: String, Sendable, Equatable {
    /// Dimensions (2i, 2i+1) rotate together: GGUF `llama` files, whose Q/K rows llama.cpp permuted.
    case adjacentPairs
    /// Dimensions (i, i + d/2) rotate together ("NeoX" style): GGUF `qwen2` and every Hugging Face layout.
    case halfSplit
}

/// Every hyperparameter of a decoder, as read from a model file's metadata.
public struct DecoderConfig: Sendable, Equatable {
    /// The family (`ModelFamily.all`): tensor names, block layout, defaults.
    public var architecture: ModelFamily
    /// V: rows of the embedding table and of the output head.
    public var vocabSize: Int
    /// H: the model width.
    public var hiddenSize: Int
    public var layerCount: Int
    /// Query heads.
    public var headCount: Int
    /// Key/value heads (grouped-query attention when fewer than `headCount`).
    public var kvHeadCount: Int
    /// d: width of one head.
    public var headDim: Int
    /// F: the gated MLP's inner width.
    public var ffnSize: Int
    public var rmsNormEps: Float
    public var ropeTheta: Float
    public var rotaryLayout: RotaryLayout
    /// Whether the Q, K and V projections carry biases (qwen2 does).
    public var attentionBias: Bool
    /// Whether the output head is the token embedding table.
    public var tiedOutput: Bool
    public var contextLength: Int
    /// How many positions back a local layer attends (itself included), for a family with
    /// `ModelFamily.slidingWindow`; nil when every layer attends to the whole sequence.
    public var slidingWindow: Int?

    public init(architecture: ModelFamily, vocabSize: Int, hiddenSize: Int, layerCount: Int,
                headCount: Int, kvHeadCount: Int, headDim: Int, ffnSize: Int, rmsNormEps: Float,
                ropeTheta: Float, rotaryLayout: RotaryLayout, attentionBias: Bool, tiedOutput: Bool,
                contextLength: Int, slidingWindow: Int? = nil) {
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.ffnSize = ffnSize
        self.rmsNormEps = rmsNormEps
        self.ropeTheta = ropeTheta
        self.rotaryLayout = rotaryLayout
        self.attentionBias = attentionBias
        self.tiedOutput = tiedOutput
        self.contextLength = contextLength
        self.slidingWindow = slidingWindow
    }

    /// nh * d: width of the concatenated query heads.
    public var queryWidth: Int { headCount * headDim }
    /// nkv * d: width of the concatenated key (or value) heads.
    public var kvWidth: Int { kvHeadCount * headDim }

    /// What multiplies each input row as it enters the first layer: sqrt(H) for families that scale
    /// their embeddings, else 1. The prompt rows P-tuning trains are multiplied too, so they live in
    /// the embedding table's own space.
    public var embeddingScale: Float { architecture.scalesEmbeddings ? Float(hiddenSize).squareRoot() : 1 }

    /// The window of layer `l` when it attends locally, nil when it attends to the whole sequence.
    public func window(layer l: Int) -> Int? {
        guard let pattern = architecture.slidingWindow, let slidingWindow else { return nil }
        return (l + 1) % pattern.globalEvery == 0 ? nil : slidingWindow
    }
}
