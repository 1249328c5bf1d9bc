/// The global L2 norm of `gradient` and the factor that clips it to `maxNorm`, as PyTorch's
/// torch.nn.utils.clip_grad_norm_ computes it: maxNorm / (norm + 1e-6), capped at 1. The optimizer
/// applies the factor as it reads the gradient (`AdamOptimizer.step`'s `gradientScale`). The norm is
/// `EncoderGradient.norm`: in double, of the products' exact values where PyTorch sums the rounded
/// ones, a difference of float's rounding.
public func clipFactor(_ gradient: EncoderGradient, maxNorm: Float) -> (norm: Float, factor: Float) {
    let norm = Float(gradient.norm)
    return (norm, min(1, maxNorm / (norm + 1e-6)))
}
