/// An untied token embedding table left in the model file's own encoding and de-quantized a row at a
/// time: the values are exactly those of the table converted whole, at the file's size (a Q5_0 table of
/// Qwen2.5 0.5B takes 94 MB where fp32 takes 545 MB).
final class StoredTable: EmbeddingRows, @unchecked Sendable {
    private let tensor: StoredTensor

    init(_ tensor: StoredTensor) {
        precondition(tensor.shape.count == 2, "an embedding table is a matrix")
        self.tensor = tensor
    }

    var rows: Int { tensor.rows }
    var columns: Int { tensor.columns }
    var byteCount: Int { tensor.byteCount }

    func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        tensor.read(rows: r..<r + 1, into: out, keepingPages: true)
    }
}
