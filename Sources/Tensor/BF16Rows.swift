import CBF16

/// Rows rounded to bf16 or widened back, [rows, columns], the rows split over the threads.
enum BF16Rows {
    /// out[r * ldo + c] = in[r * ldi + c] rounded to bf16 (nearest, ties to even; subnormals to zero),
    /// with each row's padding out to `ldo` zeroed.
    static func round(_ input: UnsafePointer<Float>, rows: Int, columns: Int, ldi: Int,
                      into out: UnsafeMutablePointer<UInt16>, ldo: Int) {
        parallelFor(rows, minChunk: 16) { range in
            ptune_bf16_round_rows(input + range.lowerBound * ldi, range.count, columns, out + range.lowerBound * ldo, ldo)
        }
    }

    /// out[r * columns + c] = in[r * columns + c] widened to fp32 (exact).
    static func widen(_ input: UnsafePointer<UInt16>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        parallelFor(rows, minChunk: 16) { range in
            ptune_bf16_widen_rows(input + range.lowerBound * columns, range.count, columns, columns,
                                  out + range.lowerBound * columns, columns)
        }
    }
}
