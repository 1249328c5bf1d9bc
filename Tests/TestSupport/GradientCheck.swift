import Tensor

/// Central finite differences of a scalar function of a buffer, compared with an analytic gradient.
public enum GradientCheck {
    /// The relative L2 error between `analytic` and the finite-difference gradient of `loss` with
    /// respect to `input`, over every coordinate (or the first `limit` of a seeded sample).
    public static func relativeError(input: FloatBuffer, analytic: [Float], step: Float = 1e-2,
                              sample limit: Int? = nil, seed: UInt64 = 7,
                              loss: () -> Double) -> Double {
        var indices = Array(0..<input.count)
        if let limit, limit < indices.count {
            var rng = SeededGenerator(seed: seed)
            indices.shuffle(using: &rng)
            indices = Array(indices.prefix(limit))
        }
        var diff = 0.0, norm = 0.0
        for i in indices {
            let saved = input[i]
            input[i] = saved + step
            let up = loss()
            input[i] = saved - step
            let down = loss()
            input[i] = saved
            let numeric = (up - down) / (2 * Double(step))
            diff += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
            norm += numeric * numeric
        }
        return (diff / max(norm, 1e-30)).squareRoot()
    }

    /// sum(a[i] * b[i]) in double.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        var s = 0.0
        for i in 0..<n { s += Double(a[i]) * Double(b[i]) }
        return s
    }
}
