/// An untied token embedding table kept in the model file's own encoding and de-quantized a row at a
/// time: the values are exactly those of the table converted whole, at the file's size (a Q5_0 table of
/// Qwen2.5 0.5B takes 94 MB where fp32 takes 545 MB). Its bytes are copied out of the file, so a model
/// file replaced or cut short while a run goes on cannot change or fault what the run reads.
final class StoredTable: EmbeddingRows, @unchecked Sendable {
    private let tensor: StoredTensor

    init(_ stored: StoredTensor) {
        precondition(stored.shape.count == 2, "an embedding table is a matrix")
        let range = stored.offset..<stored.offset + stored.byteCount
        let copy = MappedFile(copying: UnsafeRawBufferPointer(rebasing: stored.file.bytes[range]), path: stored.file.path)
        tensor = StoredTensor(type: stored.type, shape: stored.shape, offset: 0, file: copy)
        stored.file.release(range)
    }

    var rows: Int { tensor.rows }
    var columns: Int { tensor.columns }
    var byteCount: Int { tensor.byteCount }

    func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        tensor.read(rows: r..<r + 1, into: out, keepingPages: true)
    }
}
