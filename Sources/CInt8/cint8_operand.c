// The operand side of the int8 products: fp32 rows quantized per block of 32 to int8 or int16, and
// each block's sum (for weights with an offset per block).
#include "cint8_kernels.h"

// `count` (at most 32) values scaled by limit / their largest magnitude and rounded into out8 (int8,
// limit 127) or out16 (int16, limit 32767), zero-filled to 32; returns their scale.
__attribute__((always_inline))
static inline float quantize_block(const float *in, long count, float limit, int8_t *out8, int16_t *out16) {
    float largest = 0;
    for (long i = 0; i < count; i++) largest = ptune_i8_larger_magnitude(largest, in[i]);
    float inverse;
    float scale = ptune_i8_scale_of(largest, limit, &inverse);
    if (count == PTUNE_I8_BLOCK) {
        for (long i = 0; i < PTUNE_I8_BLOCK; i++) {
            if (out8) out8[i] = (int8_t)ptune_i8_scaled(in[i], inverse);
            else out16[i] = (int16_t)ptune_i8_scaled(in[i], inverse);
        }
    } else {
        for (long i = 0; i < PTUNE_I8_BLOCK; i++) {
            int32_t value = i < count ? ptune_i8_scaled(in[i], inverse) : 0;
            if (out8) out8[i] = (int8_t)value;
            else out16[i] = (int16_t)value;
        }
    }
    return scale;
}

__attribute__((always_inline))
static inline void quantize_rows(const float *in, long rows, long columns, long ldi, float limit, int8_t *out8,
                                 int16_t *out16, long ldo, float *scales) {
    long blocks = ldo / PTUNE_I8_BLOCK;
    for (long r = 0; r < rows; r++) {
        for (long b = 0; b < blocks; b++) {
            long first = b * PTUNE_I8_BLOCK;
            long count = columns - first < PTUNE_I8_BLOCK ? (columns - first > 0 ? columns - first : 0) : PTUNE_I8_BLOCK;
            scales[r * blocks + b] = quantize_block(in + r * ldi + first, count, limit,
                                                    out8 ? out8 + r * ldo + first : NULL,
                                                    out16 ? out16 + r * ldo + first : NULL);
        }
    }
}

// The same code compiled for each instruction set, so that the compiler vectorizes it with the widest
// one (x86-64's baseline has no vector rounding); every version computes the same values. Constant
// limits and targets per entry point, so that each is specialized.
#define QUANTIZE_ROWS(name, target, limit, out8, out16)                                                            \
    target static void name(const float *in, long rows, long columns, long ldi, int8_t *o8, int16_t *o16, long ldo, \
                            float *scales) {                                                                         \
        quantize_rows(in, rows, columns, ldi, limit, out8, out16, ldo, scales);                                      \
    }
QUANTIZE_ROWS(rows8_avx512, PTUNE_I8_AVX512_TARGET, 127.0f, o8, NULL)
QUANTIZE_ROWS(rows8_avx2, PTUNE_I8_AVX2_TARGET, 127.0f, o8, NULL)
QUANTIZE_ROWS(rows8_portable, , 127.0f, o8, NULL)
QUANTIZE_ROWS(rows16_avx512, PTUNE_I8_AVX512_TARGET, 32767.0f, NULL, o16)
QUANTIZE_ROWS(rows16_avx2, PTUNE_I8_AVX2_TARGET, 32767.0f, NULL, o16)
QUANTIZE_ROWS(rows16_portable, , 32767.0f, NULL, o16)

void ptune_i8_quantize_rows(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    switch (ptune_i8_kernel()) {
    case PTUNE_I8_AVX512: rows8_avx512(in, rows, columns, ldi, out, NULL, ldo, scales); break;
    case PTUNE_I8_AVX2: rows8_avx2(in, rows, columns, ldi, out, NULL, ldo, scales); break;
    default: rows8_portable(in, rows, columns, ldi, out, NULL, ldo, scales);
    }
}

void ptune_i8_quantize_rows16(const float *in, long rows, long columns, long ldi, int16_t *out, long ldo,
                              float *scales) {
    switch (ptune_i8_kernel()) {
    case PTUNE_I8_AVX512: rows16_avx512(in, rows, columns, ldi, NULL, out, ldo, scales); break;
    case PTUNE_I8_AVX2: rows16_avx2(in, rows, columns, ldi, NULL, out, ldo, scales); break;
    default: rows16_portable(in, rows, columns, ldi, NULL, out, ldo, scales);
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
