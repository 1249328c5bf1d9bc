// The operand side of the int8 products: fp32 rows quantized per block of 32, what that leaves over
// (for a second pass), and each block's sum (for weights with an offset per block).
#include "cint8_kernels.h"

// `count` (at most 32) values scaled by 127 / their largest magnitude, rounded, zero-filled to 32;
// returns their scale.
__attribute__((always_inline)) static inline float quantize_block(const float *in, long count, int8_t *out) {
    float largest = 0;
    for (long i = 0; i < count; i++) largest = ptune_i8_larger_magnitude(largest, in[i]);
    float inverse;
    float scale = ptune_i8_scale_of(largest, &inverse);
    if (count == PTUNE_I8_BLOCK) {
        for (long i = 0; i < PTUNE_I8_BLOCK; i++) out[i] = ptune_i8_scaled(in[i], inverse);
    } else {
        for (long i = 0; i < count; i++) out[i] = ptune_i8_scaled(in[i], inverse);
        for (long i = count; i < PTUNE_I8_BLOCK; i++) out[i] = 0;
    }
    return scale;
}

__attribute__((always_inline))
static inline void quantize_rows(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    long blocks = ldo / PTUNE_I8_BLOCK;
    for (long r = 0; r < rows; r++) {
        for (long b = 0; b < blocks; b++) {
            long first = b * PTUNE_I8_BLOCK;
            long count = columns - first < PTUNE_I8_BLOCK ? (columns - first > 0 ? columns - first : 0) : PTUNE_I8_BLOCK;
            scales[r * blocks + b] = quantize_block(in + r * ldi + first, count, out + r * ldo + first);
        }
    }
}

// The same code compiled for each instruction set, so that the compiler vectorizes it with the widest
// one (x86-64's baseline has no vector rounding); every version computes the same values.
__attribute__((target("avx512f,avx512bw,avx512vl")))
static void quantize_rows_avx512(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    quantize_rows(in, rows, columns, ldi, out, ldo, scales);
}

__attribute__((target("avx2,fma")))
static void quantize_rows_avx2(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    quantize_rows(in, rows, columns, ldi, out, ldo, scales);
}

void ptune_i8_quantize_rows(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    switch (ptune_i8_kernel()) {
    case PTUNE_I8_AVX512: quantize_rows_avx512(in, rows, columns, ldi, out, ldo, scales); break;
    case PTUNE_I8_AVX2: quantize_rows_avx2(in, rows, columns, ldi, out, ldo, scales); break;
    default: quantize_rows(in, rows, columns, ldi, out, ldo, scales);
    }
}


// out = in - q * scale, the value each quantized one stands for taken away, in one rounding (so every
// instruction set gives the same bits).
__attribute__((always_inline))
static inline void residual_rows(const float *in, long rows, long columns, long ldi, const int8_t *q, const float *scales,
                                 long ldq, float *out) {
    long blocks = ldq / PTUNE_I8_BLOCK;
    for (long r = 0; r < rows; r++) {
        for (long c = 0; c < columns; c++) {
            float scale = scales[r * blocks + c / PTUNE_I8_BLOCK];
            out[r * columns + c] = __builtin_fmaf(-(float)q[r * ldq + c], scale, in[r * ldi + c]);
        }
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static void residual_rows_avx512(const float *in, long rows, long columns, long ldi, const int8_t *q,
                                 const float *scales, long ldq, float *out) {
    residual_rows(in, rows, columns, ldi, q, scales, ldq, out);
}

__attribute__((target("avx2,fma")))
static void residual_rows_avx2(const float *in, long rows, long columns, long ldi, const int8_t *q, const float *scales,
                               long ldq, float *out) {
    residual_rows(in, rows, columns, ldi, q, scales, ldq, out);
}

void ptune_i8_residual_rows(const float *in, long rows, long columns, long ldi, const int8_t *q, const float *scales,
                            long ldq, float *out) {
    switch (ptune_i8_kernel()) {
    case PTUNE_I8_AVX512: residual_rows_avx512(in, rows, columns, ldi, q, scales, ldq, out); break;
    case PTUNE_I8_AVX2: residual_rows_avx2(in, rows, columns, ldi, q, scales, ldq, out); break;
    default: residual_rows(in, rows, columns, ldi, q, scales, ldq, out);
    }
}

void ptune_i8_block_sums(const float *in, long rows, long columns, long ldi, float *sums) {
    long blocks = (columns + PTUNE_I8_BLOCK - 1) / PTUNE_I8_BLOCK;
    for (long r = 0; r < rows; r++) {
        for (long b = 0; b < blocks; b++) {
            long end = (b + 1) * PTUNE_I8_BLOCK < columns ? (b + 1) * PTUNE_I8_BLOCK : columns;
            float sum = 0;
            for (long c = b * PTUNE_I8_BLOCK; c < end; c++) sum += in[r * ldi + c];
            sums[r * blocks + b] = sum;
        }
    }
}
