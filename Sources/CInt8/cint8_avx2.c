// The AVX2 kernel (vpmaddwd). Written in C with intrinsics because Swift cannot emit them.
//
// AVX2's byte product (vpmaddubsw) saturates its pair sums, so the values are widened to 16 bits and
// multiplied with vpmaddwd, whose pair sums cannot overflow; an int16 operand (ptune_i8_gemm16) is
// multiplied as it is. The panel [lda/2][32][2] holds two
// consecutive k of each of 32 columns per 128 bytes; a 2 x 32 register tile runs over it: per two k,
// four panel loads, two broadcasts of A and eight vpmaddwd with their additions, and per block of 32 k
// one conversion, one scale (the operand's block's times each column's) and one fused multiply-add per
// eight columns.
#include "cint8_kernels.h"
#include "ckernel_support.h"
#include <immintrin.h>
#include <string.h>

#define TILE_ROWS 2
#define PANEL_COLUMNS PTUNE_I8_PANEL_COLUMNS
#define AVX2_TARGET __attribute__((target("avx2,fma")))

AVX2_TARGET __attribute__((always_inline))
static inline void tile_rows(const int16_t *A, const float *a_scales, int lda, const int rows, const int16_t *panel,
                             const float *scales, float beta, float *C, int ldc, int width) {
    int blocks = lda / PTUNE_I8_BLOCK;
    __m256 sum[TILE_ROWS][4];
    for (int i = 0; i < TILE_ROWS; i++) {
        for (int h = 0; h < 4; h++) sum[i][h] = _mm256_setzero_ps();
    }
    for (int b = 0; b < blocks; b++) {
        __m256i dot[TILE_ROWS][4];
        for (int i = 0; i < TILE_ROWS; i++) {
            for (int h = 0; h < 4; h++) dot[i][h] = _mm256_setzero_si256();
        }
        for (int k2 = b * 16; k2 < b * 16 + 16; k2++) {
            __m256i w[4];
            for (int h = 0; h < 4; h++) w[h] = _mm256_loadu_si256((const __m256i *)(panel + (size_t)k2 * 64 + 16 * h));
            for (int i = 0; i < TILE_ROWS; i++) {
                if (i >= rows) break;
                int32_t pair;
                memcpy(&pair, A + (size_t)i * lda + 2 * k2, sizeof pair);
                __m256i a = _mm256_set1_epi32(pair);
                for (int h = 0; h < 4; h++) dot[i][h] = _mm256_add_epi32(dot[i][h], _mm256_madd_epi16(a, w[h]));
            }
        }
        for (int i = 0; i < TILE_ROWS; i++) {
            if (i >= rows) break;
            __m256 operand_scale = _mm256_set1_ps(a_scales[(size_t)i * blocks + b]);
            for (int h = 0; h < 4; h++) {
                __m256 scale = _mm256_mul_ps(operand_scale, _mm256_loadu_ps(scales + b * PANEL_COLUMNS + 8 * h));
                sum[i][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[i][h]), scale, sum[i][h]);
            }
        }
    }
    for (int i = 0; i < rows; i++) {
        float values[PANEL_COLUMNS];
        for (int h = 0; h < 4; h++) _mm256_storeu_ps(values + 8 * h, sum[i][h]);
        float *out = C + (size_t)i * ldc;
        for (int j = 0; j < width; j++) out[j] = beta != 0 ? values[j] + out[j] : values[j];
    }
}

AVX2_TARGET
static void i8_tile(const int16_t *A, const float *a_scales, int lda, int rows, const int16_t *panel,
                    const float *scales, float beta, float *C, int ldc, int width) {
    if (rows == TILE_ROWS) {
        tile_rows(A, a_scales, lda, TILE_ROWS, panel, scales, beta, C, ldc, width);
    } else {
        tile_rows(A, a_scales, lda, rows, panel, scales, beta, C, ldc, width);
    }
}

AVX2_TARGET
static void widen_rows(const int8_t *A, size_t count, int16_t *out) {
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        _mm256_storeu_si256((__m256i *)(out + i), _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(A + i))));
    }
    for (; i < count; i++) out[i] = A[i];
}

AVX2_TARGET
void ptune_i8_gemm_avx2(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                        const float *b_scales, int b_layout, int b_transposed, float beta, float *C, int ldc,
                        int column_begin, int column_end) {
    int16_t *widened = ptune_thread_buffer(PTUNE_BUFFER_I8_OPERAND, (size_t)M * lda * sizeof(int16_t));
    widen_rows(A, (size_t)M * lda, widened);
    ptune_i8_pair_products(M, N, K, widened, a_scales, lda, B, b_scales, b_layout, b_transposed, beta, C, ldc,
                           column_begin, column_end, TILE_ROWS, i8_tile);
}

AVX2_TARGET
void ptune_i8_gemm16_avx2(int M, int N, int K, const int16_t *A, const float *a_scales, int lda, const int8_t *B,
                          const float *b_scales, int b_layout, int b_transposed, float beta, float *C, int ldc,
                          int column_begin, int column_end) {
    ptune_i8_pair_products(M, N, K, A, a_scales, lda, B, b_scales, b_layout, b_transposed, beta, C, ldc, column_begin,
                           column_end, TILE_ROWS, i8_tile);
}
