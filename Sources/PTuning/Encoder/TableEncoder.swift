import Tensor

/// `none`: the prompt table is the parameter itself, `embedding.weight` [m, H].
final class TableEncoder: PromptEncoder {
    let kind = EncoderKind.none
    let count: Int
    let width: Int
    let parameters: FloatBuffer
    let gradient: EncoderGradient
    let parameterLayout: [ParameterTensor]

    /// Starts from `initialRows` [m, H] when given, else from N(0, 0.02²).
    init(count m: Int, width H: Int, seed: UInt64, initialRows: FloatBuffer?) {
        count = m
        width = H
        let start: ParameterInitialisation = initialRows.map { .values($0) } ?? .normal(std: 0.02)
        let set = ParameterSet(seed: seed, [("embedding.weight", [m, H], start)])
        parameters = set.parameters
        parameterLayout = set.layout
        gradient = EncoderGradient(layout: set.layout)
    }

    func forward() -> FloatBuffer {
        let table = FloatBuffer(count: count * width)
        table.pointer.update(from: parameters.pointer, count: table.count)
        return table
    }

    func backward(_ dTable: FloatBuffer) {
        precondition(dTable.count == count * width, "dTable must be [m, H]")
        gradient.values(at: 0).update(from: dTable.pointer, count: dTable.count)
    }
}
