// The operand side of the int8 products: fp32 rows quantized per block of 32 to int8 or int16, and
// each block's sum (for weights with an offset per block).
#include "cint8_kernels.h"
#include <string.h>

// Halves of ptune_floats16, down to two lanes.
typedef float floats8 __attribute__((vector_size(32)));
typedef float floats4 __attribute__((vector_size(16)));
typedef float floats2 __attribute__((vector_size(8)));

// The 16 lanes of v folded in halves (lane i with lane i + 8, then i + 4, i + 2, i + 1) by `op`, which
// sums or takes the larger: the same order on every target.
#define FOLD_HALVES(v, op)                                                                                 \
    ({                                                                                                     \
        floats8 eight = op(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7),                           \
                           __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));                    \
        floats4 four = op(__builtin_shufflevector(eight, eight, 0, 1, 2, 3),                                 \
                          __builtin_shufflevector(eight, eight, 4, 5, 6, 7));                                \
        floats2 two = op(__builtin_shufflevector(four, four, 0, 1),                                          \
                         __builtin_shufflevector(four, four, 2, 3));                                         \
        op(two[0], two[1]);                                                                                \
    })
#define ADD(a, b) ((a) + (b))
#define LARGER(a, b) __builtin_elementwise_max(a, b)

// One block of `count` values (at most 32; zeros past count) scaled by limit / their largest magnitude
// and rounded to nearest, ties to even, into out8 (int8, limit 127) or out16 (int16, limit 32767), 32
// values; returns their scale, and, unless `sum` is NULL, writes the sum of their fp32 values there:
// value i plus value i + 16, then those 16 sums folded in halves. As two vectors of 16, so that each
// target does it with its widest instructions; a NaN makes the largest magnitude NaN, as
// ptune_i8_larger_magnitude does.
__attribute__((always_inline))
static inline float quantize_block(const float *in, long count, float limit, int8_t *out8, int16_t *out16,
                                   float *sum) {
    float padded[PTUNE_I8_BLOCK];
    if (count < PTUNE_I8_BLOCK) {
        for (long i = 0; i < PTUNE_I8_BLOCK; i++) padded[i] = i < count ? in[i] : 0;
        in = padded;
    }
    ptune_floats16 low, high;
    memcpy(&low, in, sizeof low);
    memcpy(&high, in + 16, sizeof high);
    ptune_floats16 magnitudes = LARGER(__builtin_elementwise_abs(low), __builtin_elementwise_abs(high));
    int any_nan = __builtin_reduce_or((low != low) | (high != high)) != 0;
    float largest = any_nan ? __builtin_nanf("") : FOLD_HALVES(magnitudes, LARGER);
    float inverse;
    float scale = ptune_i8_scale_of(largest, limit, &inverse);
    ptune_ints16 rounded[2] = {
        __builtin_convertvector(__builtin_elementwise_roundeven(low * inverse), ptune_ints16),
        __builtin_convertvector(__builtin_elementwise_roundeven(high * inverse), ptune_ints16),
    };
    for (int half = 0; half < 2; half++) {
        if (out8) {
            ptune_bytes16 values = __builtin_convertvector(rounded[half], ptune_bytes16);
            memcpy(out8 + 16 * half, &values, sizeof values);
        } else {
            ptune_shorts16 values = __builtin_convertvector(rounded[half], ptune_shorts16);
            memcpy(out16 + 16 * half, &values, sizeof values);
        }
    }
    if (sum) {
        ptune_floats16 pairs = low + high;
        *sum = FOLD_HALVES(pairs, ADD);
    }
    return scale;
}

__attribute__((always_inline))
static inline void quantize_rows(const float *in, long rows, long columns, long ldi, float limit, int8_t *out8,
                                 int16_t *out16, long ldo, float *scales, float *sums) {
    long blocks = ldo / PTUNE_I8_BLOCK;
    for (long r = 0; r < rows; r++) {
        for (long b = 0; b < blocks; b++) {
            long first = b * PTUNE_I8_BLOCK;
            long count = columns - first < PTUNE_I8_BLOCK ? (columns - first > 0 ? columns - first : 0) : PTUNE_I8_BLOCK;
            scales[r * blocks + b] = quantize_block(in + r * ldi + first, count, limit,
                                                    out8 ? out8 + r * ldo + first : NULL,
                                                    out16 ? out16 + r * ldo + first : NULL,
                                                    sums ? sums + r * blocks + b : NULL);
        }
    }
}

// The same code compiled for each instruction set, so that the compiler vectorizes it with the widest
// one (x86-64's baseline has no vector rounding); every version computes the same values. Constant
// limits and targets per entry point, so that each is specialized.
#define QUANTIZE_ROWS(name, target, limit, out8, out16)                                                            \
    target static void name(const float *in, long rows, long columns, long ldi, int8_t *o8, int16_t *o16, long ldo, \
                            float *scales, float *sums) {                                                            \
        quantize_rows(in, rows, columns, ldi, limit, out8, out16, ldo, scales, sums);                                \
    }
QUANTIZE_ROWS(rows8_avx512, PTUNE_I8_AVX512_TARGET, 127.0f, o8, NULL)
QUANTIZE_ROWS(rows8_avx2, PTUNE_I8_AVX2_TARGET, 127.0f, o8, NULL)
QUANTIZE_ROWS(rows8_portable, , 127.0f, o8, NULL)
QUANTIZE_ROWS(rows16_avx512, PTUNE_I8_AVX512_TARGET, 32767.0f, NULL, o16)
QUANTIZE_ROWS(rows16_avx2, PTUNE_I8_AVX2_TARGET, 32767.0f, NULL, o16)
QUANTIZE_ROWS(rows16_portable, , 32767.0f, NULL, o16)

void ptune_i8_quantize_rows(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    switch (ptune_i8_kernel()) {
    case PTUNE_I8_AVX512: rows8_avx512(in, rows, columns, ldi, out, NULL, ldo, scales, NULL); break;
    case PTUNE_I8_AVX2: rows8_avx2(in, rows, columns, ldi, out, NULL, ldo, scales, NULL); break;
    default: rows8_portable(in, rows, columns, ldi, out, NULL, ldo, scales, NULL);
    }
}

void ptune_i8_quantize_rows16(const float *in, long rows, long columns, long ldi, int16_t *out, long ldo,
                              float *scales, float *sums) {
    switch (ptune_i8_kernel()) {
    case PTUNE_I8_AVX512: rows16_avx512(in, rows, columns, ldi, NULL, out, ldo, scales, sums); break;
    case PTUNE_I8_AVX2: rows16_avx2(in, rows, columns, ldi, NULL, out, ldo, scales, sums); break;
    default: rows16_portable(in, rows, columns, ldi, NULL, out, ldo, scales, sums);
    }
}
