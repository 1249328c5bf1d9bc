// Widening int8 weights to fp32: tiles, row blocks with their f16 offsets, and f16 values themselves.
#include "cint8_kernels.h"
#include <string.h>

void ptune_i8_widen(const int8_t *W, const float *scales, long columns, long first, long count, long column,
                    long span, float *out, long ldo) {
    long tiles = (columns + 31) / 32;
    for (long r = 0; r < count; r++) {
        long row = first + r;
        const float *band = scales + (row / PTUNE_I8_BLOCK) * tiles;
        for (long c = 0; c < span; c++) {
            long at = column + c;
            out[r * ldo + c] = (float)W[row * columns + at] * band[at / PTUNE_I8_BLOCK];
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx,f16c")))
static void widen_halves_f16c(const uint16_t *bits, long count, float *out) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(bits + i))));
    }
    for (; i < count; i++) out[i] = _cvtsh_ss(bits[i]);
}
#endif

void ptune_i8_widen_halves(const uint16_t *bits, long count, float *out) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("f16c")) {
        widen_halves_f16c(bits, count, out);
        return;
    }
#endif
    for (long i = 0; i < count; i++) {
        _Float16 half;
        memcpy(&half, bits + i, sizeof half);
        out[i] = (float)half;
    }
}

// out[c] = values[c] * scale (+ offset, when the block has one), c < count: a whole block of 32 as two
// vectors of 16, so that each target converts and scales it with its widest instructions.
__attribute__((always_inline))
static inline void widen_block(const int8_t *values, float scale, int has_offset, float offset, long count,
                               float *out) {
    if (count == PTUNE_I8_BLOCK) {
        for (int half = 0; half < 2; half++) {
            ptune_bytes16 q;
            memcpy(&q, values + 16 * half, sizeof q);
            ptune_floats16 widened = __builtin_convertvector(q, ptune_floats16) * scale;
            if (has_offset) widened += offset;
            memcpy(out + 16 * half, &widened, sizeof widened);
        }
        return;
    }
    for (long c = 0; c < count; c++) {
        // Two statements, so that no target fuses them into one rounding: the same bits everywhere.
        float product = (float)values[c] * scale;
        out[c] = has_offset ? product + offset : product;
    }
}

// Rows of W in row blocks widened: the same code compiled for each instruction set (below), so that
// the compiler vectorizes each block's 32 values with the widest one; every version computes the same
// values. Each row's offsets are widened from f16 first, up to 64 blocks at a time; the whole blocks
// of a group run in a loop of their own, only a last block cut short outside it. Blocks with and without
// offsets take a loop each, so that neither tests for an offset per block: one loop testing measured
// 3-5% slower with the matrix in cache (one thread, Zen 4).
__attribute__((always_inline))
static inline void widen_row_blocks(const int8_t *W, const float *scales, const uint16_t *offsets, long columns,
                                    long first, long count, long column, long span, float *out, long ldo) {
    long blocks = (columns + PTUNE_I8_BLOCK - 1) / PTUNE_I8_BLOCK;
    long span_blocks = (span + PTUNE_I8_BLOCK - 1) / PTUNE_I8_BLOCK, whole_blocks = span / PTUNE_I8_BLOCK;
    enum { GROUP = 64 };
    float widened_offsets[GROUP];
    for (long r = 0; r < count; r++) {
        const int8_t *values = W + (first + r) * columns + column;
        const float *row_scales = scales + (first + r) * blocks + column / PTUNE_I8_BLOCK;
        const uint16_t *row_offsets = offsets ? offsets + (first + r) * blocks + column / PTUNE_I8_BLOCK : NULL;
        float *target = out + r * ldo;
        for (long group = 0; group < span_blocks; group += GROUP) {
            long group_blocks = span_blocks - group < GROUP ? span_blocks - group : GROUP;
            long whole = whole_blocks - group < group_blocks ? whole_blocks - group : group_blocks;
            // q * scale is exact where blocks have offsets (Q4_1, Q5_1: 5 bits times an f16), so adding the
            // offset rounds once, as the file's own de-quantization does.
            if (row_offsets) {
                ptune_i8_widen_halves(row_offsets + group, group_blocks, widened_offsets);
                for (long b = 0; b < whole; b++) {
                    long at = (group + b) * PTUNE_I8_BLOCK;
                    widen_block(values + at, row_scales[group + b], 1, widened_offsets[b], PTUNE_I8_BLOCK, target + at);
                }
            } else {
                for (long b = 0; b < whole; b++) {
                    long at = (group + b) * PTUNE_I8_BLOCK;
                    widen_block(values + at, row_scales[group + b], 0, 0, PTUNE_I8_BLOCK, target + at);
                }
            }
            if (whole < group_blocks) {
                long at = (group + whole) * PTUNE_I8_BLOCK;
                widen_block(values + at, row_scales[group + whole], row_offsets != NULL,
                            row_offsets ? widened_offsets[whole] : 0, span - at, target + at);
            }
        }
    }
}

#define WIDEN_ROW_BLOCKS(name, target)                                                                            \
    target static void name(const int8_t *W, const float *scales, const uint16_t *offsets, long columns, long first, \
                            long count, long column, long span, float *out, long ldo) {                            \
        widen_row_blocks(W, scales, offsets, columns, first, count, column, span, out, ldo);                      \
    }
WIDEN_ROW_BLOCKS(widen_row_blocks_avx512, PTUNE_I8_AVX512_TARGET)
WIDEN_ROW_BLOCKS(widen_row_blocks_avx2, PTUNE_I8_AVX2_TARGET)
WIDEN_ROW_BLOCKS(widen_row_blocks_portable, )

void ptune_i8_widen_row_blocks(const int8_t *W, const float *scales, const uint16_t *offsets, long columns,
                               long first, long count, long column, long span, float *out, long ldo) {
    switch (ptune_i8_kernel()) {
    case PTUNE_I8_AVX512:
        widen_row_blocks_avx512(W, scales, offsets, columns, first, count, column, span, out, ldo);
        break;
    case PTUNE_I8_AVX2: widen_row_blocks_avx2(W, scales, offsets, columns, first, count, column, span, out, ldo); break;
    default: widen_row_blocks_portable(W, scales, offsets, columns, first, count, column, span, out, ldo);
    }
}
