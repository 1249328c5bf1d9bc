/// Where one tensor lives in a GGUF file and how it is stored.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name ("blk.0.attn_q.weight", ...).
    public let name: String
    /// ggml's `ne`: innermost (contiguous) dimension first.
    public let dimensions: [Int]
    /// How the elements are stored.
    public let type: GGMLType
    /// Byte offset from the start of the data section.
    public let offset: Int
    /// Product of the dimensions.
    public let elementCount: Int
    /// Bytes of stored data.
    public let byteCount: Int

    /// The row-major shape, outermost first (`dimensions` reversed): [out, in] for a weight matrix.
    public var shape: [Int] { dimensions.reversed() }
}
