// What the kernel files of cint8 share: reading op(B) and its tile scales, the per-thread buffers,
// and each instruction set's entry point (called only where the CPU has that set).
#ifndef PTUNE_CINT8_KERNELS_H
#define PTUNE_CINT8_KERNELS_H
#include "cint8.h"
#include <stddef.h>

/// The instruction sets that code compiled once per kernel (operand quantizing, widening) is compiled for:
/// the same C, vectorized by the compiler with the widest vectors each has.
#define PTUNE_I8_AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))
#define PTUNE_I8_AVX2_TARGET __attribute__((target("avx2,fma")))

/// Vectors of 16 lanes that the compiler maps onto each target's registers, so that code written once
/// with them compiles to each instruction set's widest instructions (operand quantizing, widening).
typedef float ptune_floats16 __attribute__((vector_size(64)));
typedef int32_t ptune_ints16 __attribute__((vector_size(64)));
typedef int16_t ptune_shorts16 __attribute__((vector_size(32)));
typedef int8_t ptune_bytes16 __attribute__((vector_size(16)));

/// Columns of op(B) in one packed panel: one tile wide, so one weight scale per block of k.
#define PTUNE_I8_PANEL_COLUMNS 32

/// op(B)[k][n]: B[n][k] when transposed, else B[k][n]; 0 outside [K, N].
static inline int ptune_i8_at(const int8_t *B, int b_transposed, int N, int K, int k, int n) {
    if (k >= K || n >= N) return 0;
    return b_transposed ? B[(size_t)n * K + k] : B[(size_t)k * N + n];
}

/// The scale of op(B)'s values in block of k `block` and column n (0 for a row-block column outside N,
/// and for a block past K: lda may run past K's blocks, where the operand is zero).
static inline float ptune_i8_scale(const float *scales, int layout, int b_transposed, int N, int K, int block, int n) {
    int blocks_of_k = (K + 31) / 32;
    if (block >= blocks_of_k) return 0;
    if (layout == PTUNE_I8_ROW_BLOCKS) return n < N ? scales[(size_t)n * blocks_of_k + block] : 0;
    int tile = n / PTUNE_I8_BLOCK;
    return b_transposed ? scales[(size_t)tile * blocks_of_k + block] : scales[(size_t)block * ((N + 31) / 32) + tile];
}

/// The offset of op(B)'s values in block of k `block` and column n (row blocks, op(B) = B^T): the f16
/// value whose bits are offsets[n][block], in fp32; 0 for a column outside N or a block past K.
static inline float ptune_i8_offset(const uint16_t *offsets, int N, int K, int block, int n) {
    if (n >= N || block >= (K + 31) / 32) return 0;
    float value;
    ptune_i8_widen_halves(offsets + (size_t)n * ((K + 31) / 32) + block, 1, &value);
    return value;
}

/// panel_scales [blocks][32]: the scale of each block of k of each column of the panel starting at `column`.
static inline void ptune_i8_panel_scales(const float *scales, int layout, int b_transposed, int N, int K, int blocks,
                                         int column, float *panel_scales) {
    for (int b = 0; b < blocks; b++) {
        for (int j = 0; j < PTUNE_I8_PANEL_COLUMNS; j++) {
            panel_scales[b * PTUNE_I8_PANEL_COLUMNS + j] = ptune_i8_scale(scales, layout, b_transposed, N, K, b, column + j);
        }
    }
}

/// x * inverse rounded to nearest, ties to even (rintf in the default rounding mode, which the compiler
/// turns into vector instructions where lrintf would be a call per value).
__attribute__((always_inline)) static inline int32_t ptune_i8_scaled(float x, float inverse) {
    return (int32_t)__builtin_rintf(x * inverse);
}

/// `largest` or `value`'s magnitude, whichever is larger; a NaN, once met, stays.
__attribute__((always_inline)) static inline float ptune_i8_larger_magnitude(float largest, float value) {
    float magnitude = __builtin_fabsf(value);
    return magnitude > largest || magnitude != magnitude ? magnitude : largest;
}

/// The scale of values whose largest magnitude is `largest`, as integers up to `limit` (largest / limit:
/// 0 for zeros, NaN for a NaN or an infinity, so that the products are NaN as they would be in fp32),
/// and its inverse in `inverse`. Values so small that the inverse overflows (below about 3.7e-37) count
/// as zeros, so that no infinite value is ever rounded to an integer.
__attribute__((always_inline)) static inline float ptune_i8_scale_of(float largest, float limit, float *inverse) {
    if (largest == __builtin_inff()) largest = __builtin_nanf("");
    *inverse = largest > 0 ? limit / largest : 0;
    if (*inverse == __builtin_inff()) {
        *inverse = 0;
        return 0;
    }
    return largest / limit;
}

/// One register tile of a product over a panel packed by pairs of k (`ptune_i8_pair_products`):
/// C[rows, 32 columns (to width)] = A[rows, lda] * panel + beta * C, `rows` at most the kernel's tile;
/// with `offsets` (the panel's [blocks][32], or NULL), each block also adds a_sums[i][block] times them.
typedef void (*ptune_i8_pair_tile)(const int16_t *A, const float *a_scales, const float *a_sums, int lda, int rows,
                                   const int16_t *panel, const float *scales, const float *offsets, float beta,
                                   float *C, int ldc, int width);

/// C = A * op(B) + beta * C as ptune_i8_gemm16 computes it, with A int16 [M, lda]: each panel of 32 columns of
/// op(B) packed as panel[k2][j][t] = op(B)[2*k2 + t][column + j] (int16) with each column's scales (and
/// offsets, where b_offsets is not NULL), then `tile` over `tile_rows` rows of A at a time. The loop the
/// AVX2 kernel and the AVX-512 int16 one share.
void ptune_i8_pair_products(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums,
                            int lda, const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout,
                            int b_transposed, float beta, float *C, int ldc, int column_begin, int column_end,
                            int tile_rows, ptune_i8_pair_tile tile);

#if defined(__x86_64__)
#include <immintrin.h>

/// sum[h] += dot[h] (as fp32) * (operand_scale * the 16 column scales at scales + 16 h), h = 0 and 1: one
/// block of k of one row of the AVX-512 kernels' 32-column tiles; then, with `offsets` (else NULL),
/// sum[h] += operand_sum * the 16 column offsets at offsets + 16 h.
__attribute__((target("avx512f"), always_inline))
static inline void ptune_i8_add_block_avx512(__m512 sum[2], const __m512i dot[2], float operand_scale,
                                             const float *scales, float operand_sum, const float *offsets) {
    __m512 scale = _mm512_set1_ps(operand_scale);
    for (int h = 0; h < 2; h++) {
        __m512 column_scales = _mm512_mul_ps(scale, _mm512_loadu_ps(scales + 16 * h));
        sum[h] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[h]), column_scales, sum[h]);
    }
    if (offsets) {
        __m512 operand = _mm512_set1_ps(operand_sum);
        for (int h = 0; h < 2; h++) sum[h] = _mm512_fmadd_ps(operand, _mm512_loadu_ps(offsets + 16 * h), sum[h]);
    }
}
#endif

void ptune_i8_gemm_avx512(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                          const float *b_scales, int b_layout, int b_transposed, float beta, float *C, int ldc,
                          int column_begin, int column_end);
void ptune_i8_gemm_avx2(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                        const float *b_scales, int b_layout, int b_transposed, float beta, float *C, int ldc,
                        int column_begin, int column_end);
void ptune_i8_gemm_portable(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                            const float *b_scales, int b_layout, int b_transposed, float beta, float *C, int ldc,
                            int column_begin, int column_end);
void ptune_i8_gemm16_avx512(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums, int lda,
                            const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout,
                            int b_transposed, float beta, float *C, int ldc, int column_begin, int column_end);
void ptune_i8_gemm16_avx2(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums, int lda,
                          const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout,
                          int b_transposed, float beta, float *C, int ldc, int column_begin, int column_end);
void ptune_i8_gemm16_portable(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums, int lda,
                              const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout,
                              int b_transposed, float beta, float *C, int ldc, int column_begin, int column_end);

#endif
