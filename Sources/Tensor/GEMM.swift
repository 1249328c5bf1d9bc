import CBLAS

/// Whether an operand of `gemm` is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C, all row-major, through OpenBLAS sgemm.
///
/// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored (defaults: dense).
///
/// Large products are split across `Threads.count` threads here, each running a single-threaded
/// sgemm on its own block of C, rather than by OpenBLAS's thread pool: that pool's workers spin
/// (`sched_yield`) between calls and take the cores from ptune's own kernels in between.
public func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                 alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
                 b: UnsafePointer<Float>, ldb: Int? = nil,
                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    let lda = lda ?? (transA == .none ? k : m)
    let ldb = ldb ?? (transB == .none ? n : k)
    let ldc = ldc ?? n
    BLASThreading.singleThreaded()
    let threads = Threads.count
    guard threads > 1, 2 * m * n * k >= splitThreshold else {
        sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    if n >= m {
        // Column blocks of C: B's columns (or, transposed, its rows) split the same way.
        let block = ((n + threads - 1) / threads + 15) & ~15
        parallelFor((n + block - 1) / block) { range in
            for index in range {
                let start = index * block, width = min(block, n - start)
                let bBlock = transB == .none ? b + start : b + start * ldb
                sgemm(transA, transB, m: m, n: width, k: k, alpha: alpha, a: a, lda: lda,
                      b: bBlock, ldb: ldb, beta: beta, c: c + start, ldc: ldc)
            }
        }
    } else {
        // Row blocks of C: A's rows (or, transposed, its columns) split the same way.
        let block = ((m + threads - 1) / threads + 7) & ~7
        parallelFor((m + block - 1) / block) { range in
            for index in range {
                let start = index * block, height = min(block, m - start)
                let aBlock = transA == .none ? a + start * lda : a + start
                sgemm(transA, transB, m: height, n: n, k: k, alpha: alpha, a: aBlock, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: c + start * ldc, ldc: ldc)
            }
        }
    }
}

/// Products below this many operations run on the calling thread alone.
private let splitThreshold = 1 << 22

/// `gemm` on the calling thread only: for small products issued from tasks that are already parallel.
public func singleThreadGEMM(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    BLASThreading.singleThreaded()
    sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// y[op(A) rows] = op(A) x + beta y, A [rows, columns] row-major with row stride `lda`; op(A) = A
/// (x has `columns` values, y `rows`) or Aᵀ (x has `rows`, y `columns`). On the calling thread, through
/// OpenBLAS sgemv, which streams A once; sgemm with a single row packs all of A first.
public func singleThreadGEMV(_ transA: Transpose, rows: Int, columns: Int, a: UnsafePointer<Float>, lda: Int,
                             x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
    BLASThreading.singleThreaded()
    cblas_sgemv(CblasRowMajor, transA.cblas, Int32(rows), Int32(columns), 1, a, Int32(lda), x, 1, beta, y, 1)
}

@inline(__always)
private func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                   a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                   beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// OpenBLAS's own thread count. ptune keeps it at one and splits products itself (see `gemm`).
public enum BLASThreading {
    private static let configured: Void = openblas_set_num_threads(1)

    /// Makes OpenBLAS run each call on the calling thread (once per process).
    public static func singleThreaded() { configured }

    /// Runs `body` with `gemm` handing each product whole to OpenBLAS's own pool of `Threads.count`
    /// threads, then restores the usual split. For measuring the library's multithreaded sgemm as a
    /// reference.
    public static func withLibraryPool<T>(_ body: () -> T) -> T {
        singleThreaded()
        let threads = Threads.count
        openblas_set_num_threads(Int32(threads))
        Threads.set(1)
        defer {
            openblas_set_num_threads(1)
            Threads.set(threads)
        }
        return body()
    }
}
