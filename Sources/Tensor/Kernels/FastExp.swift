/// exp over 16 floats at once. The C library's expf is scalar, and the gated-MLP and softmax kernels call
/// it millions of times per step; this version keeps float32 accuracy (about 2 ulp) at SIMD speed.
///
/// Method: exp(x) = 2^n * exp(r) with n = round(x / ln 2) and |r| <= ln 2 / 2, where ln 2 is split in
/// two parts for an exact reduction; exp(r) = 1 + r + r^2 * p(r) with a degree-5 minimax polynomial.
public enum FastExp {
    @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // Lane-wise selects: SIMD's clamped(lowerBound:upperBound:) does not compile to vector code.
        let low = SIMD16<Float>(repeating: -87.3), high = SIMD16<Float>(repeating: 88.3)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // Adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits: a
        // rounding and a float-to-int conversion without the generic (per-lane) SIMD conversions.
        let shifted = clamped * 1.442_695_04 + 0x1.8p23
        let n = shifted - 0x1.8p23
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD16<Float>(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_65
        p = p * r + 0.5
        let expR = 1 + r + r * r * p
        let bits = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return expR * unsafeBitCast(bits, to: SIMD16<Float>.self)
    }

    /// 1 / (1 + exp(-x)) over 16 floats.
    @inline(__always)
    public static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> {
        1 / (1 + exp(-x))
    }
}
