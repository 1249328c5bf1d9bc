// The bf16 product on AVX2 with FMA, for x86-64 CPUs without AVX-512 BF16. The weights stay bf16 in
// memory (2 bytes each) and are widened to fp32 in registers: a bf16 value is the high half of its
// fp32, so a 32-bit word holding a pair (even k low, odd k high) gives the even value by a shift
// and the odd one by a mask. Same panels as the AVX-512 kernel (ptune_bf16_pack_panel), 4 x 16 tiles.
#include "cbf16_kernels.h"
#include <immintrin.h>
#include <string.h>

#define AVX2_TARGET __attribute__((target("avx2,fma")))
#define TILE_ROWS 4
#define TILE_COLUMNS 16

// C[rows, width <= 16] = A[rows, K] * panel columns [half * 16, half * 16 + 16) + beta * C.
AVX2_TARGET __attribute__((always_inline))
static inline void tile_rows(const uint16_t *A, int lda, const int rows, int pairs, const uint16_t *panel, int half,
                             float beta, float *C, int ldc, int width) {
    __m256 sum[TILE_ROWS][2];
    for (int i = 0; i < TILE_ROWS; i++) sum[i][0] = sum[i][1] = _mm256_setzero_ps();
    const __m256i high_half = _mm256_set1_epi32((int)0xffff0000u);
    for (int k2 = 0; k2 < pairs; k2++) {
        const uint16_t *words = panel + ((size_t)k2 * PTUNE_BF16_PANEL_COLUMNS + half * TILE_COLUMNS) * 2;
        __m256i w0 = _mm256_loadu_si256((const __m256i *)words);
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(words + 16));
        __m256 even0 = _mm256_castsi256_ps(_mm256_slli_epi32(w0, 16)), odd0 = _mm256_castsi256_ps(_mm256_and_si256(w0, high_half));
        __m256 even1 = _mm256_castsi256_ps(_mm256_slli_epi32(w1, 16)), odd1 = _mm256_castsi256_ps(_mm256_and_si256(w1, high_half));
        for (int i = 0; i < TILE_ROWS; i++) {
            if (i >= rows) break;
            uint32_t pair;
            memcpy(&pair, A + (size_t)i * lda + 2 * k2, sizeof pair);
            uint32_t even_bits = pair << 16, odd_bits = pair & 0xffff0000u;
            float a_even, a_odd;
            memcpy(&a_even, &even_bits, sizeof a_even);
            memcpy(&a_odd, &odd_bits, sizeof a_odd);
            __m256 ae = _mm256_set1_ps(a_even), ao = _mm256_set1_ps(a_odd);
            sum[i][0] = _mm256_fmadd_ps(ao, odd0, sum[i][0]);
            sum[i][0] = _mm256_fmadd_ps(ae, even0, sum[i][0]);
            sum[i][1] = _mm256_fmadd_ps(ao, odd1, sum[i][1]);
            sum[i][1] = _mm256_fmadd_ps(ae, even1, sum[i][1]);
        }
    }
    for (int i = 0; i < rows; i++) {
        float values[TILE_COLUMNS];
        _mm256_storeu_ps(values, sum[i][0]);
        _mm256_storeu_ps(values + 8, sum[i][1]);
        float *out = C + (size_t)i * ldc;
        for (int j = 0; j < width; j++) out[j] = beta != 0 ? values[j] + out[j] : values[j];
    }
}

AVX2_TARGET
static void tile(const uint16_t *A, int lda, int rows, int pairs, const uint16_t *panel, int half, float beta,
                 float *C, int ldc, int width) {
    if (rows == TILE_ROWS) {
        tile_rows(A, lda, TILE_ROWS, pairs, panel, half, beta, C, ldc, width);
    } else {
        tile_rows(A, lda, rows, pairs, panel, half, beta, C, ldc, width);
    }
}

void ptune_bf16_gemm_avx2(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                          float beta, float *C, int ldc, int column_begin, int column_end) {
    int pairs = (K + 1) / 2;
    uint16_t *scratch = ptune_bf16_whole_panel(K);
    for (int column = column_begin; column < column_end; column += PTUNE_BF16_PANEL_COLUMNS) {
        const uint16_t *panel = ptune_bf16_panel_of(0, B, b_layout, N, K, column, scratch);
        for (int half = 0; half < 2; half++) {
            int first = column + half * TILE_COLUMNS;
            if (first >= column_end) break;
            int width = column_end - first < TILE_COLUMNS ? column_end - first : TILE_COLUMNS;
            for (int row = 0; row < M; row += TILE_ROWS) {
                int rows = M - row < TILE_ROWS ? M - row : TILE_ROWS;
                tile(A + (size_t)row * lda, lda, rows, pairs, panel, half, beta, C + (size_t)row * ldc + first, ldc, width);
            }
        }
    }
}
