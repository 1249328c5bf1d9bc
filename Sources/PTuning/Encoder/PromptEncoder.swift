import Tensor

/// One named tensor inside an encoder's flat parameter buffer: PyTorch-style name, shape, and the
/// offset of its first element. Elements are row-major and contiguous.
public typealias ParameterTensor = (name: String, shape: [Int], offset: Int)

/// Produces the pseudo-token table h [m, H] from trainable parameters.
///
/// All trainable parameters live in one flat buffer, so the optimizer, gradient clipping and
/// checkpoints treat every encoder alike; `parameterLayout` names the tensors inside it. The encoder's
/// input is always the indices 0..<m, so `forward()` takes no argument.
///
/// Use: `let h = encoder.forward()`, run the frozen model, then `encoder.backward(dH)` sets
/// `gradient` to dLoss/dParameters. `backward` uses what the latest `forward` saved, so the
/// parameters must not change in between.
public protocol PromptEncoder: AnyObject {
    var kind: EncoderKind { get }
    /// m, the number of pseudo tokens.
    var count: Int { get }
    /// H, the model width.
    var width: Int { get }
    /// Every trainable parameter, laid out as `parameterLayout` says.
    var parameters: FloatBuffer { get }
    /// dLoss/dParameters from the latest `backward`, a part per tensor of `parameterLayout`.
    var gradient: EncoderGradient { get }
    var parameterLayout: [ParameterTensor] { get }
    /// The prompt table h [m, H], in a new buffer; saves what `backward` needs.
    func forward() -> FloatBuffer
    /// dTable [m, H] = dLoss/dh -> sets `gradient` to dLoss/dParameters.
    func backward(_ dTable: FloatBuffer)
}

/// Builds the encoder `settings` asks for, with parameters initialised from `seed`.
///
/// - `count` m and `width` H: the table's shape.
/// - `initialRows` [m, H]: for `none` only, the starting table (the caller embeds `settings.initText`);
///   the other kinds start from random embeddings and ignore it.
/// - `settings.hiddenSize`: 0 means H (for `lstm` rounded up to even). For `mlp` it is the hidden
///   layer's width; for `lstm` it is the LSTM's concatenated output width (half per direction, so it
///   must be even) and the width of the MLP's hidden layer.
///
/// Initialisation follows PyTorch's defaults so runs are comparable with the PyTorch reference, and
/// draws from one `SeededGenerator(seed:)` in `parameterLayout` order, so a seed gives bit-identical
/// parameters:
/// - `embedding.weight` ~ N(0, 1) for `lstm` and `mlp` (nn.Embedding);
/// - the `none` table: `initialRows` when given, else N(0, 0.02²), the usual scale of a language
///   model's token embeddings, so the pseudo tokens start near real ones;
/// - Linear weights and biases ~ U(-1/√fan_in, 1/√fan_in) (nn.Linear);
/// - LSTM weights and biases ~ U(-1/√k, 1/√k), k = hidden units per direction (nn.LSTM).
public func makePromptEncoder(settings: EncoderSettings, count m: Int, width H: Int, seed: UInt64,
                              initialRows: FloatBuffer?) -> PromptEncoder {
    precondition(m > 0 && H > 0, "prompt encoder needs at least one row and one column")
    let hidden = settings.hiddenSize(modelWidth: H)
    precondition(hidden > 0, "hidden size must be positive")
    switch settings.kind {
    case .none:
        return TableEncoder(count: m, width: H, seed: seed, initialRows: initialRows)
    case .mlp:
        return MLPEncoder(count: m, width: H, hidden: hidden, seed: seed)
    case .lstm:
        precondition(hidden % 2 == 0, "the LSTM hidden size is split between two directions and must be even")
        return LSTMEncoder(count: m, width: H, hidden: hidden, seed: seed)
    }
}
