import Tensor

/// `mlp`: the embedding table [m, H] through Linear(H, hidden) -> ReLU -> Linear(hidden, H).
///
/// Parameters: `embedding.weight` [m, H], `mlp.0.weight` [hidden, H], `mlp.0.bias` [hidden],
/// `mlp.2.weight` [H, hidden], `mlp.2.bias` [H].
final class MLPEncoder: PromptEncoder {
    let kind = EncoderKind.mlp
    let count: Int
    let width: Int
    let parameters: FloatBuffer
    let gradient: EncoderGradient
    let parameterLayout: [ParameterTensor]
    private let embedding: Int
    private let head: MLPHead
    private var forwardDone = false

    init(count m: Int, width H: Int, hidden: Int, seed: UInt64) {
        count = m
        width = H
        let set = ParameterSet(seed: seed, [("embedding.weight", [m, H], .normal(std: 1))]
            + MLPHead.tensors(input: H, hidden: hidden, output: H))
        parameters = set.parameters
        parameterLayout = set.layout
        embedding = set.offset("embedding.weight")
        head = MLPHead(input: H, hidden: hidden, output: H, rows: m, in: set)
        gradient = EncoderGradient(layout: set.layout, productDepths: head.productDepths)
    }

    func forward() -> FloatBuffer {
        let table = FloatBuffer(count: count * width)
        head.forward(x: parameters.pointer + embedding, parameters: parameters.pointer, y: table.pointer)
        forwardDone = true
        return table
    }

    func backward(_ dTable: FloatBuffer) {
        precondition(forwardDone, "backward needs a forward first")
        precondition(dTable.count == count * width, "dTable must be [m, H]")
        gradient.zero()
        head.backward(x: parameters.pointer + embedding, dy: dTable.pointer, parameters: parameters.pointer,
                      gradient: gradient, dx: gradient.values(at: embedding))
    }
}
