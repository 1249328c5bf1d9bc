import Tensor

/// A token embedding table [V, H] as the decoder reads it: a row at a time, never in a product (a
/// tied output head is a `FrozenMatrix`, which serves as the table too).
protocol EmbeddingRows: AnyObject, Sendable {
    var rows: Int { get }
    var columns: Int { get }
    /// Bytes the table takes in memory.
    var byteCount: Int { get }
    /// Row `r` [columns] in fp32.
    func row(_ r: Int, into out: UnsafeMutablePointer<Float>)
}

extension FrozenMatrix: EmbeddingRows {}
