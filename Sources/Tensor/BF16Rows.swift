import CBF16

/// Rows rounded to bf16, [rows, columns], the rows split over the threads.
enum BF16Rows {
    /// out[r * ldo + c] = in[r * ldi + c] rounded to bf16 (nearest, ties to even; subnormals to zero),
    /// with each row's padding out to `ldo` zeroed.
    static func round(_ input: UnsafePointer<Float>, rows: Int, columns: Int, ldi: Int,
                      into out: UnsafeMutablePointer<UInt16>, ldo: Int) {
        parallelFor(rows, minChunk: 16) { range in
            ptune_bf16_round_rows(input + range.lowerBound * ldi, range.count, columns, out + range.lowerBound * ldo, ldo)
        }
    }
}
