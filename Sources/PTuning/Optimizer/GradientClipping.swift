import Tensor

/// Scales `gradient` so its global L2 norm is at most `maxNorm`, as PyTorch's
/// torch.nn.utils.clip_grad_norm_ does (factor maxNorm / (norm + 1e-6), capped at 1).
/// Returns the norm before clipping. The sum runs sequentially in double, so it is reproducible.
@discardableResult
public func clipGradientNorm(_ gradient: FloatBuffer, maxNorm: Float) -> Float {
    let norm = Float(gradientNorm(gradient))
    let factor = maxNorm / (norm + 1e-6)
    if factor < 1 {
        for i in 0..<gradient.count { gradient.pointer[i] *= factor }
    }
    return norm
}

/// The L2 norm of `gradient`, summed sequentially in double.
public func gradientNorm(_ gradient: FloatBuffer) -> Double {
    var sum = 0.0
    for i in 0..<gradient.count { sum += Double(gradient.pointer[i]) * Double(gradient.pointer[i]) }
    return sum.squareRoot()
}
