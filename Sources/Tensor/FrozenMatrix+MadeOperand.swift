extension FrozenMatrix {
    /// Writes rows [first, first + count) of a product's operand into out [count, inner] (inner: the
    /// sum's length, `columns` forward and `rows` backward). Called from several threads at once, each
    /// with rows of its own.
    public typealias OperandRows = (_ first: Int, _ count: Int, _ out: UnsafeMutablePointer<Float>) -> Void

    /// c[m, rows] = x Wᵀ + beta c as `forward(_:count:...)`, with x [m, columns] an `Operand`.
    public func forward(_ x: Operand, count m: Int, beta: Float = 0, into c: UnsafeMutablePointer<Float>,
                        scratch: Scratch = Scratch()) {
        product(x, count: m, transposed: true, beta: beta, into: c, scratch: scratch)
    }

    /// c[m, columns] = dy W + beta c as `backward(_:count:...)`, with dy [m, rows] an `Operand`.
    public func backward(_ dy: Operand, count m: Int, beta: Float = 0, into c: UnsafeMutablePointer<Float>,
                         scratch: Scratch = Scratch()) {
        product(dy, count: m, transposed: false, beta: beta, into: c, scratch: scratch)
    }

    /// A product's fp32 operand [m, inner]: rows already written, or rows made on demand.
    public enum Operand {
        /// [m, inner], written.
        case rows(UnsafePointer<Float>)
        /// Made a few rows at a time (`madeRows`). Where the product rounds its operand (bf16, int8), each
        /// block is made in a buffer of the thread's own and rounded from there, so the operand is
        /// never written whole in fp32 only to be read back; elsewhere the blocks are made into
        /// `staging` [m, inner] and the product runs on it. The same results as the rows written
        /// whole, bit for bit.
        case made(OperandRows, staging: UnsafeMutablePointer<Float>)

        /// Rows made at a time for an operand of `k` columns: up to 16 (an AMX tile's), fewer where
        /// they would take more than 256 KB, so that a block stays in cache until it is rounded.
        static func madeRows(inner k: Int) -> Int { max(1, min(16, (1 << 16) / max(1, k))) }

        /// Calls `body(block, first, count)` for the operand's rows `range`, block [count, inner] in
        /// fp32: the rows themselves, or made a few at a time into the calling thread's buffer.
        func rows(_ range: Range<Int>, inner k: Int, _ body: (UnsafePointer<Float>, Int, Int) -> Void) {
            switch self {
            case .rows(let a):
                body(a + range.lowerBound * k, range.lowerBound, range.count)
            case .made(let make, _):
                let step = Self.madeRows(inner: k)
                let block = ThreadBuffer.operandRows.floats(step * k)
                for first in stride(from: range.lowerBound, to: range.upperBound, by: step) {
                    let count = min(step, range.upperBound - first)
                    make(first, count, block)
                    body(block, first, count)
                }
            }
        }

        /// The whole operand [m, inner] in fp32, made into the staging rows (by the threads, the same
        /// blocks at a time as `rows`, so that a maker's own buffers stay as small) if need be.
        func whole(count m: Int, inner k: Int) -> UnsafePointer<Float> {
            switch self {
            case .rows(let a):
                return a
            case .made(let make, let staging):
                let step = Self.madeRows(inner: k)
                parallelFor(m, minChunk: 16) { range in
                    for first in stride(from: range.lowerBound, to: range.upperBound, by: step) {
                        make(first, min(step, range.upperBound - first), staging + first * k)
                    }
                }
                return UnsafePointer(staging)
            }
        }
    }
}
