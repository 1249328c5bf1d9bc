// The AVX2 kernel (vpmaddwd). Written in C with intrinsics because Swift cannot emit them.
//
// AVX2's byte product (vpmaddubsw) saturates its pair sums, so the values are widened to 16 bits and
// multiplied with vpmaddwd, whose pair sums cannot overflow; an int16 operand (ptune_i8_gemm16) is
// multiplied as it is. The panel [lda/2][32][2] holds two
// consecutive k of each of 32 columns per 128 bytes; a 2 x 32 register tile runs over it: per two k,
// four panel loads, two broadcasts of A and eight vpmaddwd with their additions, and per block of 32 k
// one conversion, one scale (the operand's block's times each column's) and one fused multiply-add per
// eight columns, and where the weights' blocks have offsets one more (the operand's block sum times
// each column's offset). The loop over panels, and their packing, is here too: the AVX-512 int16
// kernel shares it.
#include "cint8_kernels.h"
#include "ckernel_support.h"
#include <immintrin.h>
#include <string.h>

#define TILE_ROWS 2
#define PANEL_COLUMNS PTUNE_I8_PANEL_COLUMNS
#define AVX2_TARGET __attribute__((target("avx2,fma")))

AVX2_TARGET __attribute__((always_inline))
static inline void tile_rows(const int16_t *A, const float *a_scales, const float *a_sums, int lda, const int rows,
                             const int16_t *panel, const float *scales, const float *offsets, float beta, float *C,
                             int ldc, int width) {
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
            if (offsets) {
                __m256 operand_sum = _mm256_set1_ps(a_sums[(size_t)i * blocks + b]);
                for (int h = 0; h < 4; h++) {
                    sum[i][h] = _mm256_fmadd_ps(operand_sum, _mm256_loadu_ps(offsets + b * PANEL_COLUMNS + 8 * h),
                                                sum[i][h]);
                }
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
static void i8_tile(const int16_t *A, const float *a_scales, const float *a_sums, int lda, int rows,
                    const int16_t *panel, const float *scales, const float *offsets, float beta, float *C, int ldc,
                    int width) {
    if (rows == TILE_ROWS) {
        tile_rows(A, a_scales, a_sums, lda, TILE_ROWS, panel, scales, offsets, beta, C, ldc, width);
    } else {
        tile_rows(A, a_scales, a_sums, lda, rows, panel, scales, offsets, beta, C, ldc, width);
    }
}

// The 8 x 8 matrix of 32-bit values in r[0..7] (row i in r[i]) transposed in place.
AVX2_TARGET __attribute__((always_inline))
static inline void transpose8x8(__m256i r[8]) {
    __m256i t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
    }
}

// The pairs of the panel of op(B) = B^T (B [N, K] row-major, K a multiple of 16) starting at `column`:
// 16 k of 8 rows of B at a time, sign-extended to int16, so that each row's 8 pairs of k are 32-bit
// values, then transposed 8 x 8 into 8 pairs of k of 8 columns of the panel. Rows past N and k past K
// are zeros.
AVX2_TARGET
static void pack_transposed_pairs(const int8_t *B, int N, int K, int lda, int column, int16_t *panel) {
    for (int group = 0; group < PANEL_COLUMNS; group += 8) {
        for (int k = 0; k < K; k += 16) {
            __m256i r[8];
            for (int i = 0; i < 8; i++) {
                int n = column + group + i;
                r[i] = n < N ? _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(B + (size_t)n * K + k)))
                             : _mm256_setzero_si256();
            }
            transpose8x8(r);
            for (int d = 0; d < 8; d++) {
                _mm256_storeu_si256((__m256i *)(panel + ((size_t)(k / 2 + d) * PANEL_COLUMNS + group) * 2), r[d]);
            }
        }
    }
    memset(panel + (size_t)K * PANEL_COLUMNS, 0, (size_t)(lda - K) * PANEL_COLUMNS * sizeof(int16_t));
}

// offsets [blocks][32]: the offset of each block of k of each column of the panel starting at `column`
// (row blocks, op(B) = B^T: b_offsets [N, (K + 31) / 32]), each column's row of offsets widened at once,
// 64 blocks at a time; zero for columns past N and blocks past K.
static void panel_offsets(const uint16_t *b_offsets, int N, int K, int blocks, int column, float *offsets) {
    enum { GROUP = 64 };
    int stored = (K + PTUNE_I8_BLOCK - 1) / PTUNE_I8_BLOCK;
    float widened[GROUP];
    for (int j = 0; j < PANEL_COLUMNS; j++) {
        for (int first = 0; first < blocks; first += GROUP) {
            int count = blocks - first < GROUP ? blocks - first : GROUP;
            int present = column + j >= N ? 0 : stored - first < count ? stored - first : count;
            if (present < 0) present = 0;
            ptune_i8_widen_halves(b_offsets + (size_t)(column + j) * stored + first, present, widened);
            for (int b = present; b < count; b++) widened[b] = 0;
            for (int b = 0; b < count; b++) offsets[(first + b) * PANEL_COLUMNS + j] = widened[b];
        }
    }
}

// panel[k2][j][t] = op(B)[2*k2 + t][column + j] as int16 (zero outside K and N), for k < lda, and
// scales [lda / 32][32] each column's weight scale.
AVX2_TARGET
static void pack_pairs(const int8_t *B, const float *b_scales, int b_layout, int b_transposed, int N, int K, int lda,
                       int column, int16_t *panel, float *scales) {
    ptune_i8_panel_scales(b_scales, b_layout, b_transposed, N, K, lda / PTUNE_I8_BLOCK, column, scales);
    if (b_transposed && K % 16 == 0) {
        pack_transposed_pairs(B, N, K, lda, column, panel);
        return;
    }
    for (int k = 0; k < lda; k++) {
        for (int j = 0; j < PANEL_COLUMNS; j++) {
            panel[((size_t)(k / 2) * PANEL_COLUMNS + j) * 2 + k % 2] =
                (int16_t)ptune_i8_at(B, b_transposed, N, K, k, column + j);
        }
    }
}

// Compiled for AVX2, which every CPU that runs the AVX2 or the AVX-512 kernels has.
AVX2_TARGET
void ptune_i8_pair_products(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums,
                            int lda, const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout,
                            int b_transposed, float beta, float *C, int ldc, int column_begin, int column_end,
                            int tile_rows, ptune_i8_pair_tile tile) {
    int blocks = lda / PTUNE_I8_BLOCK;
    size_t values = (size_t)lda * PANEL_COLUMNS * sizeof(int16_t), per_block = (size_t)blocks * PANEL_COLUMNS;
    char *memory = ptune_thread_buffer(PTUNE_BUFFER_I8_PANEL, values + 2 * per_block * sizeof(float));
    int16_t *panel = (int16_t *)memory;
    float *scales = (float *)(memory + values);
    float *offsets = b_offsets ? scales + per_block : NULL;
    for (int column = column_begin; column < column_end; column += PANEL_COLUMNS) {
        pack_pairs(B, b_scales, b_layout, b_transposed, N, K, lda, column, panel, scales);
        if (offsets) panel_offsets(b_offsets, N, K, blocks, column, offsets);
        int width = column_end - column < PANEL_COLUMNS ? column_end - column : PANEL_COLUMNS;
        for (int row = 0; row < M; row += tile_rows) {
            int rows = M - row < tile_rows ? M - row : tile_rows;
            tile(A + (size_t)row * lda, a_scales + (size_t)row * blocks, a_sums ? a_sums + (size_t)row * blocks : NULL,
                 lda, rows, panel, scales, offsets, beta, C + (size_t)row * ldc + column, ldc, width);
        }
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
    ptune_i8_pair_products(M, N, K, widened, a_scales, NULL, lda, B, b_scales, NULL, b_layout, b_transposed, beta, C,
                           ldc, column_begin, column_end, TILE_ROWS, i8_tile);
}

AVX2_TARGET
void ptune_i8_gemm16_avx2(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums, int lda,
                          const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout,
                          int b_transposed, float beta, float *C, int ldc, int column_begin, int column_end) {
    ptune_i8_pair_products(M, N, K, A, a_scales, a_sums, lda, B, b_scales, b_offsets, b_layout, b_transposed, beta, C,
                           ldc, column_begin, column_end, TILE_ROWS, i8_tile);
}
