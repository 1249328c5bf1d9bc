/// bf16 rounding written in Swift: an independent check of the C kernels' rounding.
public enum BF16Rounding {
    /// `value` rounded to bf16 (nearest, ties to even) and widened back to fp32.
    public static func round(_ value: Float) -> Float {
        var bits = value.bitPattern
        bits = bits &+ 0x7fff &+ ((bits >> 16) & 1)
        return Float(bitPattern: bits & 0xffff_0000)
    }
}
