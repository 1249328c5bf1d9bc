import CVector

/// Short-vector kernels written with explicit SIMD, for rows added into others (attention's shared
/// context gradients, the residual stream), and a sum of squares.
public enum Vector {
    /// Σ x[i]² for i in 0..<n, in double (`ptune_sum_squares`: sixteen running sums in the CPU's widest
    /// registers, element i in sum i mod 16, then added in order).
    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Double { ptune_sum_squares(x, n) }

    /// ‖aᵀ·b‖² for a [depth, rows] and b [depth, columns], in double, without forming the product
    /// (`ptune_sum_squares_of_product`: Σ over s, t of (a·aᵀ)[s, t]·(b·bᵀ)[s, t]); depth² dot products of
    /// rows and of columns, against rows × columns × depth to form it.
    public static func sumOfSquaresOfProduct(a: UnsafePointer<Float>, b: UnsafePointer<Float>, depth: Int,
                                             rows: Int, columns: Int) -> Double {
        ptune_sum_squares_of_product(a, b, depth, rows, columns)
    }

    /// y[i] += alpha * x[i] for i in 0..<n.
    @inlinable @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        let a = SIMD16<Float>(repeating: alpha)
        while i + 16 <= n {
            let v = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                + a * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n {
            y[i] += alpha * x[i]
            i += 1
        }
    }
}
