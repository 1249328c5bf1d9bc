import CBF16

/// How frozen weights are stored and multiplied.
public enum Precision: String, Sendable, CaseIterable {
    /// fp32 weights, OpenBLAS sgemm.
    case fp32
    /// bf16 weights (2 bytes each); products with fp32 accumulation, the fp32 operand rounded to
    /// bf16 on the way in, on any CPU (`bf16Kernel`). Activations and gradients stay fp32 between
    /// products.
    case bf16

    /// The bf16 kernels, slowest first, by the names reports give them.
    public static let bf16Kernels = ["portable", "avx2", "avx512-bf16"]

    /// The bf16 kernel this process uses: the fastest this CPU runs (AVX-512 BF16, else AVX2 with
    /// FMA, else portable C), or a slower one `PTUNE_BF16_KERNEL` (portable, avx2, avx512) asked for.
    public static var bf16Kernel: String { bf16Kernels[Int(ptune_bf16_kernel())] }

    /// The bf16 kernels this CPU can run.
    public static var bf16KernelsAvailable: [String] { Array(bf16Kernels[...Int(ptune_bf16_best_kernel())]) }

    /// Uses the bf16 kernel `name` from now on (the tests run each one); false when this CPU cannot run it.
    @discardableResult
    public static func useBF16Kernel(_ name: String) -> Bool {
        guard let index = bf16Kernels.firstIndex(of: name) else { return false }
        return ptune_bf16_use_kernel(Int32(index)) != 0
    }

    /// What multiplies the weight matrices: OpenBLAS's sgemm with the core whose kernels it runs
    /// ("openblas-sgemm SkylakeX") for fp32, the bf16 kernel for bf16.
    public var kernel: String { self == .fp32 ? "openblas-sgemm " + BLASKernels.core : Precision.bf16Kernel }
}

/// A frozen weight matrix W [rows, columns], row-major (PyTorch's `Linear.weight` layout), in the
/// precision it was built with. Used in both directions: the forward y = x Wᵀ and the backward to the
/// input dx = dy W.
public final class FrozenMatrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let precision: Precision
    /// With bf16 weights: true when products round the fp32 operand to bf16 (the bf16 kernel); false
    /// when they widen the weights to fp32 a block at a time and multiply in fp32, for a product whose
    /// operand must keep its precision (the output head, whose results are the logits).
    public let roundsOperand: Bool
    private enum Storage {
        case fp32(FloatBuffer)
        case bf16(UnsafeMutablePointer<UInt16>)
    }
    private let storage: Storage

    /// `weights` [rows, columns]; with `.bf16` it is rounded once and the fp32 copy is not kept.
    public convenience init(_ weights: FloatBuffer, rows: Int, columns: Int, precision: Precision,
                            roundsOperand: Bool = true) {
        precondition(weights.count == rows * columns, "a [\(rows), \(columns)] matrix needs \(rows * columns) values")
        switch precision {
        case .fp32:
            self.init(rows: rows, columns: columns, precision: precision, roundsOperand: roundsOperand,
                      storage: .fp32(weights))
        case .bf16:
            self.init(MatrixRows(weights, columns: columns), precision: precision, roundsOperand: roundsOperand)
        }
    }

    /// W as `source` writes it: with `.bf16` a block of rows at a time, each rounded as it comes, so the
    /// whole matrix never exists in fp32.
    public convenience init(_ source: MatrixRows, precision: Precision, roundsOperand: Bool = true) {
        let (rows, columns) = (source.rows, source.columns)
        switch precision {
        case .fp32:
            self.init(rows: rows, columns: columns, precision: precision, roundsOperand: roundsOperand,
                      storage: .fp32(source.floats()))
        case .bf16:
            let values = UnsafeMutablePointer<UInt16>.allocate(capacity: max(1, rows * columns))
            let blockRows = max(1, (1 << 20) / max(1, columns))
            let block = FloatBuffer(count: min(rows, blockRows) * columns)
            for first in stride(from: 0, to: rows, by: blockRows) {
                let count = min(blockRows, rows - first)
                source.read(first..<first + count, block.pointer)
                ptune_bf16_from_f32(block.pointer, values + first * columns, count * columns)
            }
            self.init(rows: rows, columns: columns, precision: precision, roundsOperand: roundsOperand,
                      storage: .bf16(values))
        }
    }

    private init(rows: Int, columns: Int, precision: Precision, roundsOperand: Bool, storage: Storage) {
        self.rows = rows
        self.columns = columns
        self.precision = precision
        self.roundsOperand = roundsOperand
        self.storage = storage
    }

    deinit {
        if case .bf16(let values) = storage { values.deallocate() }
    }

    /// Row r of W [columns] in fp32 (bf16 values widened, which is exact).
    public func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(r >= 0 && r < rows, "row \(r) outside [0, \(rows))")
        switch storage {
        case .fp32(let weights):
            out.update(from: weights.pointer + r * columns, count: columns)
        case .bf16(let values):
            ptune_bf16_widen_rows(values + r * columns, 1, columns, columns, out, columns)
        }
    }

    /// Bytes the weights take.
    public var byteCount: Int { rows * columns * (precision == .fp32 ? 4 : 2) }

    /// c[m, rows] = x[m, columns] Wᵀ + beta c (beta 0 or 1). `scratch` holds the bf16 product's rounded
    /// operand between calls (a caller that passes none pays an allocation per call).
    public func forward(_ x: UnsafePointer<Float>, count m: Int, beta: Float = 0, into c: UnsafeMutablePointer<Float>,
                        scratch: Scratch = Scratch()) {
        product(x, count: m, transposed: true, beta: beta, into: c, scratch: scratch)
    }

    /// c[m, columns] = dy[m, rows] W + beta c (beta 0 or 1); `scratch` as in `forward`.
    public func backward(_ dy: UnsafePointer<Float>, count m: Int, beta: Float = 0, into c: UnsafeMutablePointer<Float>,
                         scratch: Scratch = Scratch()) {
        product(dy, count: m, transposed: false, beta: beta, into: c, scratch: scratch)
    }

    /// c[m, n] = a[m, k] op(W) + beta c, with op(W) = Wᵀ (k = columns, n = rows) or W (k = rows, n = columns).
    private func product(_ a: UnsafePointer<Float>, count m: Int, transposed: Bool, beta: Float,
                         into c: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let (k, n) = transposed ? (columns, rows) : (rows, columns)
        switch storage {
        case .fp32(let weights):
            gemm(.none, transposed ? .transposed : .none, m: m, n: n, k: k, a: a, b: weights.pointer, beta: beta, c: c)
        case .bf16(let weights) where roundsOperand:
            bf16Product(a, weights, count: m, inner: k, outputs: n, transposed: transposed, beta: beta, into: c,
                        scratch: scratch)
        case .bf16(let weights):
            widenedProduct(a, weights, count: m, transposed: transposed, beta: beta, into: c)
        }
    }

    /// The product with the weights widened to fp32 a block at a time into each thread's own buffer,
    /// multiplied by single-threaded sgemm. Forward: blocks of W's rows, each a block of c's columns.
    /// Backward: each thread a range of c's columns, summing over blocks of W's rows.
    private func widenedProduct(_ a: UnsafePointer<Float>, _ weights: UnsafePointer<UInt16>, count m: Int,
                                transposed: Bool, beta: Float, into c: UnsafeMutablePointer<Float>) {
        guard m > 0, rows > 0, columns > 0 else { return }
        let (rows, columns) = (rows, columns)
        let blockRows = 256
        let blocks = (rows + blockRows - 1) / blockRows
        if transposed {
            parallelFor(blocks) { range in
                let widened = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * columns)
                defer { widened.deallocate() }
                for block in range {
                    let first = block * blockRows, count = min(blockRows, rows - first)
                    ptune_bf16_widen_rows(weights + first * columns, count, columns, columns, widened, columns)
                    singleThreadGEMM(.none, .transposed, m: m, n: count, k: columns, a: a, lda: columns,
                                     b: widened, ldb: columns, beta: beta, c: c + first, ldc: rows)
                }
            }
        } else {
            let width = ((columns + Threads.count - 1) / Threads.count + 15) & ~15
            parallelFor((columns + width - 1) / width) { range in
                let widened = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * width)
                defer { widened.deallocate() }
                for part in range {
                    let column = part * width, span = min(width, columns - column)
                    for block in 0..<blocks {
                        let first = block * blockRows, count = min(blockRows, rows - first)
                        ptune_bf16_widen_rows(weights + first * columns + column, count, span, columns, widened, span)
                        singleThreadGEMM(.none, .none, m: m, n: span, k: count, a: a + first, lda: rows,
                                         b: widened, ldb: span, beta: block == 0 ? beta : 1, c: c + column,
                                         ldc: columns)
                    }
                }
            }
        }
    }

    /// Rounds the fp32 operand [m, inner] to bf16 (rows padded to an even length) and splits the
    /// output columns, 32 at a time, across the threads.
    private func bf16Product(_ a: UnsafePointer<Float>, _ weights: UnsafePointer<UInt16>, count m: Int, inner k: Int,
                             outputs n: Int, transposed: Bool, beta: Float, into c: UnsafeMutablePointer<Float>,
                             scratch: Scratch) {
        precondition(beta == 0 || beta == 1, "the bf16 product takes beta 0 or 1")
        guard m > 0, n > 0 else { return }
        let lda = (k + 1) & ~1
        let rounded = scratch.buffer(of: UInt16.self, count: m * lda)
        parallelFor(m, minChunk: 16) { range in
            ptune_bf16_round_rows(a + range.lowerBound * k, range.count, k, rounded + range.lowerBound * lda, lda)
        }
        let panels = (n + 31) / 32
        parallelFor(panels) { range in
            ptune_bf16_gemm(Int32(m), Int32(n), Int32(k), rounded, Int32(lda), weights, transposed ? 1 : 0, beta, c,
                            Int32(n), Int32(range.lowerBound * 32), Int32(min(n, range.upperBound * 32)))
        }
    }
}
