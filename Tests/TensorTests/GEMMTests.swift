import Tensor
import Testing

/// `gemm` splits large products across threads by column or row blocks of C. Every transpose
/// combination, with padded row strides and beta 1, against a float64 reference, on shapes that split
/// each way and on one that does not.
@Suite(.serialized)
struct GEMMTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let transA: Transpose, transB: Transpose
        let m: Int, n: Int, k: Int
        var testDescription: String { "\(transA)/\(transB) m \(m) n \(n) k \(k)" }
    }

    static let cases: [Case] = [Transpose.none, .transposed].flatMap { ta in
        [Transpose.none, .transposed].flatMap { tb in
            // column split (n >= m), row split (m > n), and too small to split
            [(45, 301, 170), (301, 45, 170), (5, 7, 3)].map { Case(transA: ta, transB: tb, m: $0.0, n: $0.1, k: $0.2) }
        }
    }

    @Test(arguments: cases)
    func matchesTheReferenceOnTwoThreads(_ test: Case) {
        let saved = Threads.count
        Threads.set(2)
        defer { Threads.set(saved) }
        let (m, n, k) = (test.m, test.n, test.k)
        // Stored shapes: A is [m, k] or, transposed, [k, m]; B is [k, n] or [n, k]; each row padded by 3.
        let (aRows, aCols) = test.transA == .none ? (m, k) : (k, m)
        let (bRows, bCols) = test.transB == .none ? (k, n) : (n, k)
        let (lda, ldb, ldc) = (aCols + 3, bCols + 3, n + 3)
        var rng = SeededGenerator(seed: 11)
        let a = rng.normalBuffer(count: aRows * lda, std: 1)
        let b = rng.normalBuffer(count: bRows * ldb, std: 1)
        let c = rng.normalBuffer(count: m * ldc, std: 1)
        let before = c.array
        gemm(test.transA, test.transB, m: m, n: n, k: k, alpha: 0.5, a: a.pointer, lda: lda,
             b: b.pointer, ldb: ldb, beta: 1, c: c.pointer, ldc: ldc)

        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = test.transA == .none ? a[i * lda + p] : a[p * lda + i]
                    let y = test.transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                    s += Double(x) * Double(y)
                }
                let want = 0.5 * s + Double(before[i * ldc + j])
                worst = max(worst, abs(Double(c[i * ldc + j]) - want))
            }
        }
        #expect(worst < 1e-3, "largest difference \(worst)")
        // The padding columns of C are never written.
        for i in 0..<m {
            for j in n..<ldc { #expect(c[i * ldc + j] == before[i * ldc + j]) }
        }
    }
}
