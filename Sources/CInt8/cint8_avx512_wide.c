// The AVX-512 VNNI kernel for an int16 operand (vpdpwssd). Written in C with intrinsics because Swift
// cannot emit them.
//
// The panel of ptune_i8_pair_products [lda/2][32][2] holds two consecutive k of each of 32 columns as
// int16 per 128 bytes; a 4 x 32 register tile runs over it: per two k, two panel loads, four broadcasts
// of A's pair and eight vpdpwssd (each 16 lanes x 2 products, summed exactly in int32), and per block of
// 32 k one conversion, one scale (the operand's block's times each column's) and one fused
// multiply-add per accumulator, and where the weights' blocks have offsets one more (the operand's
// block sum times each column's offset).
#include "cint8_kernels.h"
#include "ckernel_support.h"
#include <immintrin.h>
#include <string.h>

#define TILE_ROWS 4
#define PANEL_COLUMNS PTUNE_I8_PANEL_COLUMNS
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// C[rows, 32 columns (masked to width)] = A[rows, lda] * panel + beta * C, `rows` at most TILE_ROWS.
VNNI_TARGET __attribute__((always_inline))
static inline void tile_rows(const int16_t *A, const float *a_scales, const float *a_sums, int lda, const int rows,
                             const int16_t *panel, const float *scales, const float *offsets, float beta, float *C,
                             int ldc, int width) {
    int blocks = lda / PTUNE_I8_BLOCK;
    __m512 sum[TILE_ROWS][2];
    for (int i = 0; i < TILE_ROWS; i++) sum[i][0] = sum[i][1] = _mm512_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        __m512i dot[TILE_ROWS][2];
        for (int i = 0; i < TILE_ROWS; i++) dot[i][0] = dot[i][1] = _mm512_setzero_si512();
        for (int k2 = b * 16; k2 < b * 16 + 16; k2++) {
            __m512i left = _mm512_loadu_si512(panel + (size_t)k2 * 64);
            __m512i right = _mm512_loadu_si512(panel + (size_t)k2 * 64 + 32);
            for (int i = 0; i < TILE_ROWS; i++) {
                if (i >= rows) break;
                int32_t pair;
                memcpy(&pair, A + (size_t)i * lda + 2 * k2, sizeof pair);
                __m512i a = _mm512_set1_epi32(pair);
                dot[i][0] = _mm512_dpwssd_epi32(dot[i][0], a, left);
                dot[i][1] = _mm512_dpwssd_epi32(dot[i][1], a, right);
            }
        }
        for (int i = 0; i < TILE_ROWS; i++) {
            if (i >= rows) break;
            ptune_i8_add_block_avx512(sum[i], dot[i], a_scales[(size_t)i * blocks + b], scales + b * PANEL_COLUMNS,
                                      offsets ? a_sums[(size_t)i * blocks + b] : 0,
                                      offsets ? offsets + b * PANEL_COLUMNS : NULL);
        }
    }
    for (int i = 0; i < rows; i++) ptune_store_row32_avx512(sum[i][0], sum[i][1], beta, C + (size_t)i * ldc, width);
}

VNNI_TARGET
static void i8_tile(const int16_t *A, const float *a_scales, const float *a_sums, int lda, int rows,
                    const int16_t *panel, const float *scales, const float *offsets, float beta, float *C, int ldc,
                    int width) {
    if (rows == TILE_ROWS) {
        tile_rows(A, a_scales, a_sums, lda, TILE_ROWS, panel, scales, offsets, beta, C, ldc, width);
    } else {
        tile_rows(A, a_scales, a_sums, lda, rows, panel, scales, offsets, beta, C, ldc, width);
    }
}

VNNI_TARGET
void ptune_i8_gemm16_avx512(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums,
                            int lda, const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout,
                            int b_transposed, float beta, float *C, int ldc, int column_begin, int column_end) {
    ptune_i8_pair_products(M, N, K, A, a_scales, a_sums, lda, B, b_scales, b_offsets, b_layout, b_transposed, beta, C,
                           ldc, column_begin, column_end, TILE_ROWS, i8_tile);
}
