import CVector

/// One Adam or AdamW update of a range of parameters, in C for the CPU's widest registers
/// (`ptune_adam_update`): Swift's SIMD types compile to SSE2 here, where the square root and the
/// division of every element weigh most. Element by element the same rounded operations as one value
/// at a time, so the bits do not depend on where a range begins.
public enum AdamUpdate {
    /// What one step uses for every element.
    public struct Constants: Sendable {
        /// β1, β2 and ε.
        public var beta1: Float, beta2: Float, epsilon: Float
        /// The factor the gradient is read with (the clipping's).
        public var gradientScale: Float
        /// The decay added to the gradient (Adam's L2), else 0.
        public var l2: Float
        /// The factor the parameters are multiplied by first (AdamW's 1 − lr·λ), else 1.
        public var decayed: Float
        /// lr / (1 − β1ᵗ).
        public var stepSize: Float
        /// √(1 − β2ᵗ).
        public var correction2: Float

        public init(beta1: Float, beta2: Float, epsilon: Float, gradientScale: Float, l2: Float, decayed: Float,
                    stepSize: Float, correction2: Float) {
            (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon)
            (self.gradientScale, self.l2, self.decayed) = (gradientScale, l2, decayed)
            (self.stepSize, self.correction2) = (stepSize, correction2)
        }
    }

    /// g' = g·scale + l2·p; p ← p·decayed; m ← β1·m + (1 − β1)·g'; v ← β2·v + (1 − β2)·g'·g';
    /// p ← p − stepSize·m / (√v / correction2 + ε), for the `count` values at each pointer.
    public static func apply(parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                             firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
                             count: Int, _ constants: Constants) {
        var k = constants.c
        ptune_adam_update(parameters, gradient, firstMoment, secondMoment, count, &k)
    }

    /// The same update of `rows` of a matrix [R, C] (`parameters`, `firstMoment` and `secondMoment` at its
    /// row 0) whose gradient is the product aᵀ·b, a [depth, R] and b [depth, C]: each row of the gradient is
    /// formed as it is used (`ptune_adam_update_product`: the sum over depth in order, rounded as it goes)
    /// and never stored.
    public static func applyProduct(parameters: UnsafeMutablePointer<Float>, firstMoment: UnsafeMutablePointer<Float>,
                                    secondMoment: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>,
                                    b: UnsafePointer<Float>, depth: Int, shape: (rows: Int, columns: Int),
                                    rows: Range<Int>, _ constants: Constants) {
        var k = constants.c
        ptune_adam_update_product(parameters, firstMoment, secondMoment, a, b, depth, shape.rows, shape.columns,
                                  rows.lowerBound, rows.upperBound, &k)
    }
}

extension AdamUpdate.Constants {
    /// The same constants as C's struct.
    fileprivate var c: ptune_adam_constants {
        ptune_adam_constants(beta1: beta1, beta2: beta2, epsilon: epsilon, gradient_scale: gradientScale, l2: l2,
                             decayed: decayed, step_size: stepSize, correction2: correction2)
    }
}
