import CBLAS

/// Whether an operand of `gemm` is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C, all row-major, through OpenBLAS sgemm.
///
/// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored (defaults: dense).
@inline(__always)
public func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                 alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
                 b: UnsafePointer<Float>, ldb: Int? = nil,
                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    let lda = lda ?? (transA == .none ? k : m)
    let ldb = ldb ?? (transB == .none ? n : k)
    let ldc = ldc ?? n
    cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The number of threads OpenBLAS uses for the calls that follow.
public func setBLASThreads(_ count: Int) {
    openblas_set_num_threads(Int32(max(1, count)))
}
