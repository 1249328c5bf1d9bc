import Tensor

/// `lstm`, the authors' encoder: the embedding table [m, H] -> 2-layer bidirectional LSTM (hidden/2
/// units per direction, outputs concatenated to [m, hidden]) -> Linear(hidden, hidden) -> ReLU ->
/// Linear(hidden, H). With the default hidden = H this is exactly the authors' LAMA encoder.
///
/// Parameters, in layout order (PyTorch's names for nn.Embedding, nn.LSTM and nn.Sequential):
/// `embedding.weight` [m, H]; for layers l0, l1 and directions "" and "_reverse":
/// `lstm.weight_ih_l{k}{dir}` [4·hidden/2, input], `lstm.weight_hh_l{k}{dir}` [4·hidden/2, hidden/2],
/// `lstm.bias_ih_l{k}{dir}` and `lstm.bias_hh_l{k}{dir}` [4·hidden/2] (input = H for l0, hidden for
/// l1; gate rows in the order i, f, g, o); then `mlp.0.weight` [hidden, hidden], `mlp.0.bias`,
/// `mlp.2.weight` [H, hidden], `mlp.2.bias` [H].
final class LSTMEncoder: PromptEncoder {
    let kind = EncoderKind.lstm
    let count: Int
    let width: Int
    let parameters: FloatBuffer
    let gradient: EncoderGradient
    let parameterLayout: [ParameterTensor]
    private let embedding: Int
    private let lstm: BidirectionalLSTM
    private let head: MLPHead
    /// dLoss/d(LSTM output) [m, hidden], scratch for backward.
    private let dLSTMOutput: FloatBuffer
    private var forwardDone = false

    init(count m: Int, width H: Int, hidden: Int, seed: UInt64) {
        count = m
        width = H
        let layers = 2
        let set = ParameterSet(seed: seed, [("embedding.weight", [m, H], .normal(std: 1))]
            + BidirectionalLSTM.tensors(input: H, hidden: hidden / 2, layers: layers)
            + MLPHead.tensors(input: hidden, hidden: hidden, output: H))
        parameters = set.parameters
        parameterLayout = set.layout
        embedding = set.offset("embedding.weight")
        lstm = BidirectionalLSTM(input: H, hidden: hidden / 2, layers: layers, steps: m, in: set)
        head = MLPHead(input: hidden, hidden: hidden, output: H, rows: m, in: set)
        gradient = EncoderGradient(layout: set.layout,
                                   productDepths: lstm.productDepths.merging(head.productDepths) { $1 })
        dLSTMOutput = FloatBuffer(count: m * hidden)
    }

    func forward() -> FloatBuffer {
        let table = FloatBuffer(count: count * width)
        let features = lstm.forward(x: parameters.pointer + embedding, parameters: parameters.pointer)
        head.forward(x: features, parameters: parameters.pointer, y: table.pointer)
        forwardDone = true
        return table
    }

    func backward(_ dTable: FloatBuffer) {
        precondition(forwardDone, "backward needs a forward first")
        precondition(dTable.count == count * width, "dTable must be [m, H]")
        gradient.zero()
        head.backward(x: lstm.output, dy: dTable.pointer, parameters: parameters.pointer,
                      gradient: gradient, dx: dLSTMOutput.pointer)
        lstm.backward(x: parameters.pointer + embedding, dOutput: dLSTMOutput.pointer,
                      parameters: parameters.pointer, gradient: gradient, dx: gradient.values(at: embedding))
    }
}
