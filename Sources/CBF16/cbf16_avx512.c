// The AVX-512 BF16 kernels (vdpbf16ps). Written in C with intrinsics because Swift cannot emit them.
//
// ptune_bf16_gemm_avx512 takes 32 columns of op(B) at a time as a panel [ceil(K/2)][32][2] (pairs of
// consecutive k for each column, zero-padded; packed from row-major B, re-packed from B in panels, or
// read in place from B^T in panels), then runs a 6 x 32 register tile over it: per pair of
// k, two panel loads, six broadcasts of A's pair and twelve vdpbf16ps (each 16 lanes x 2 products).
#include "cbf16_kernels.h"
#include "ckernel_support.h"
#include <immintrin.h>
#include <string.h>

#define TILE_ROWS 6
#define PANEL_COLUMNS PTUNE_BF16_PANEL_COLUMNS
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512bf16")))

// vcvtne2ps2bf16 rounds to nearest even like ptune_bf16_round, except that it reads fp32 subnormals as
// zero (as the portable rounding of rows does); the operands it rounds here are activations and
// gradients, where that makes no difference.
BF16_TARGET
void ptune_bf16_round_segments_avx512(const float *in, long ldi, long rows, long columns, long padded, uint16_t *out,
                                      long ldo, long segment_step) {
    long whole = columns / 32 * 32;
    if (segment_step > 32) {
        // Segments apart (the AMX kernel's tiles): a segment of every row in turn, so that the stores
        // fill each tile in order.
        for (long c = 0; c < whole; c += 32) {
            for (long r = 0; r < rows; r++) {
                const float *source = in + r * ldi + c;
                __m512bh pair = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(source + 16), _mm512_loadu_ps(source));
                _mm512_storeu_si512(out + r * ldo + (c / 32) * segment_step, (__m512i)pair);
            }
        }
    }
    for (long r = 0; r < rows; r++) {
        const float *source = in + r * ldi;
        uint16_t *target = out + r * ldo;
        long c = segment_step > 32 ? whole : 0;
        for (; c + 32 <= columns; c += 32) {
            __m512bh pair = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(source + c + 16), _mm512_loadu_ps(source + c));
            _mm512_storeu_si512(target + (c / 32) * segment_step, (__m512i)pair);
        }
        // The last values, if any, and the zeros after them, a segment (or what is left of `padded`) at a time.
        for (; c < padded; c += 32) {
            long kept = columns - c < 0 ? 0 : columns - c;
            long width = padded - c < 32 ? padded - c : 32;
            __mmask16 low = kept >= 16 ? 0xffff : (__mmask16)((1u << kept) - 1);
            __mmask16 high = kept <= 16 ? 0 : (__mmask16)((1u << (kept - 16)) - 1);
            __m512bh pair = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(high, source + c + 16),
                                                _mm512_maskz_loadu_ps(low, source + c));
            __mmask32 stored = width >= 32 ? 0xffffffffu : ((1u << width) - 1);
            _mm512_mask_storeu_epi16(target + (c / 32) * segment_step, stored, (__m512i)pair);
        }
    }
}

BF16_TARGET
void ptune_bf16_widen_rows_avx512(const uint16_t *in, long rows, long columns, long ldi, float *out, long ldo) {
    for (long r = 0; r < rows; r++) {
        const uint16_t *source = in + r * ldi;
        float *target = out + r * ldo;
        long c = 0;
        for (; c + 16 <= columns; c += 16) {
            __m512i words = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(source + c)));
            _mm512_storeu_ps(target + c, _mm512_castsi512_ps(_mm512_slli_epi32(words, 16)));
        }
        for (; c < columns; c++) {
            uint32_t bits = (uint32_t)source[c] << 16;
            memcpy(target + c, &bits, sizeof bits);
        }
    }
}

// Transposes a 16 x 16 block of 32-bit words in place: r[k] becomes (old r[0][k], ..., r[15][k]).
// Pairs of rows are interleaved as words, then as qwords, then 128-bit lanes are gathered across
// four registers.
BF16_TARGET __attribute__((always_inline))
static inline void transpose_16x16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    // r[4i + j], 128-bit lane L: word 4L + j of rows 4i .. 4i + 3.
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        r[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        r[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        r[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int j = 0; j < 4; j++) {
        __m512i even_lanes_low = _mm512_shuffle_i32x4(r[j], r[4 + j], 0x88);
        __m512i odd_lanes_low = _mm512_shuffle_i32x4(r[j], r[4 + j], 0xdd);
        __m512i even_lanes_high = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0x88);
        __m512i odd_lanes_high = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0xdd);
        t[j] = _mm512_shuffle_i32x4(even_lanes_low, even_lanes_high, 0x88);
        t[8 + j] = _mm512_shuffle_i32x4(even_lanes_low, even_lanes_high, 0xdd);
        t[4 + j] = _mm512_shuffle_i32x4(odd_lanes_low, odd_lanes_high, 0x88);
        t[12 + j] = _mm512_shuffle_i32x4(odd_lanes_low, odd_lanes_high, 0xdd);
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

// panel[k2][j][t] = op(B)[2*k2 + t][column + j], zero outside K and N; B's rows are ldb elements apart
// (at least K when transposed, N when not).
//
// Transposed B ([N, K]): B's rows are read as 32-bit words (one k pair each), so a panel row k2 is
// word k2 of 32 consecutive rows: 16 x 16 word transposes. Plain B ([K, N]): rows 2*k2 and 2*k2 + 1
// are interleaved with one two-source permute per 16 columns.
BF16_TARGET
void ptune_bf16_pack_panel_avx512(const uint16_t *B, int b_transposed, int N, int K, long ldb, int column,
                                  uint16_t *panel) {
    int pairs = (K + 1) / 2;
    int width = N - column < PANEL_COLUMNS ? N - column : PANEL_COLUMNS;
    if (b_transposed) {
        uint32_t *words = (uint32_t *)panel;
        int whole_words = K / 2;
        for (int j0 = 0; j0 < PANEL_COLUMNS; j0 += 16) {
            int rows = width - j0 < 0 ? 0 : width - j0 < 16 ? width - j0 : 16;
            for (int k2 = 0; k2 < whole_words; k2 += 16) {
                int count = whole_words - k2 < 16 ? whole_words - k2 : 16;
                __mmask16 mask = count == 16 ? 0xffff : (__mmask16)((1u << count) - 1);
                __m512i block[16];
                for (int i = 0; i < 16; i++) {
                    block[i] = i < rows ? _mm512_maskz_loadu_epi32(mask, B + (size_t)(column + j0 + i) * ldb + 2 * k2)
                                        : _mm512_setzero_si512();
                }
                transpose_16x16(block);
                for (int w = 0; w < count; w++) _mm512_storeu_si512(words + (size_t)(k2 + w) * PANEL_COLUMNS + j0, block[w]);
            }
            if (K & 1) {
                for (int i = 0; i < 16; i++) {
                    words[(size_t)(pairs - 1) * PANEL_COLUMNS + j0 + i] = i < rows ? B[(size_t)(column + j0 + i) * ldb + K - 1] : 0;
                }
            }
        }
        return;
    }
    __mmask32 valid = width >= 32 ? 0xffffffffu : ((1u << width) - 1);
    __m512i first_half = _mm512_set_epi16(47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40, 8,
                                          39, 7, 38, 6, 37, 5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
    __m512i second_half = _mm512_add_epi16(first_half, _mm512_set1_epi16(16));
    for (int k2 = 0; k2 < pairs; k2++) {
        __m512i even = _mm512_maskz_loadu_epi16(valid, B + (size_t)(2 * k2) * ldb + column);
        __m512i odd = 2 * k2 + 1 < K ? _mm512_maskz_loadu_epi16(valid, B + (size_t)(2 * k2 + 1) * ldb + column)
                                     : _mm512_setzero_si512();
        _mm512_storeu_si512(panel + (size_t)k2 * 64, _mm512_permutex2var_epi16(even, first_half, odd));
        _mm512_storeu_si512(panel + (size_t)k2 * 64 + 32, _mm512_permutex2var_epi16(even, second_half, odd));
    }
}

// Transposes the 8 x 8 64-bit words of r, in registers.
BF16_TARGET __attribute__((always_inline))
static inline void transpose_8x8_words(__m512i r[8]) {
    __m512i t[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm512_unpacklo_epi64(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi64(r[i], r[i + 1]);
    }
    const __m512i low_pairs = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
    const __m512i high_pairs = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
    __m512i u[8];
    for (int i = 0; i < 8; i += 4) {
        for (int j = 0; j < 2; j++) {
            u[i + j] = _mm512_permutex2var_epi64(t[i + j], low_pairs, t[i + j + 2]);
            u[i + j + 2] = _mm512_permutex2var_epi64(t[i + j], high_pairs, t[i + j + 2]);
        }
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm512_shuffle_i64x2(u[j], u[j + 4], 0x44);
        r[j + 4] = _mm512_shuffle_i64x2(u[j], u[j + 4], 0xee);
    }
}

// One tile of ptune_bf16_repack_panels: the block of a panel [16 pairs p][32 rows][2] holding
// W[32 rows][32 columns], each 64-bit word the 2 x 2 values W[2a, 2a + 1][2p, 2p + 1], into
// [16 pairs q][32 columns][2] = W[2q, 2q + 1][columns]: the words transposed as a 16 x 16 matrix, then
// the middle two values of each word swapped.
BF16_TARGET
static void repack_tile(const uint16_t *block, uint16_t *out) {
    __m512i quarter[4][8];
    for (int p = 0; p < 8; p++) {
        quarter[0][p] = _mm512_loadu_si512(block + p * 64);
        quarter[1][p] = _mm512_loadu_si512(block + p * 64 + 32);
        quarter[2][p] = _mm512_loadu_si512(block + (p + 8) * 64);
        quarter[3][p] = _mm512_loadu_si512(block + (p + 8) * 64 + 32);
    }
    for (int i = 0; i < 4; i++) transpose_8x8_words(quarter[i]);
    const __m512i middle = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15));
    for (int q = 0; q < 8; q++) {
        _mm512_storeu_si512(out + q * 64, _mm512_shuffle_epi8(quarter[0][q], middle));
        _mm512_storeu_si512(out + q * 64 + 32, _mm512_shuffle_epi8(quarter[2][q], middle));
        _mm512_storeu_si512(out + (q + 8) * 64, _mm512_shuffle_epi8(quarter[1][q], middle));
        _mm512_storeu_si512(out + (q + 8) * 64 + 32, _mm512_shuffle_epi8(quarter[3][q], middle));
    }
}

BF16_TARGET
void ptune_bf16_repack_panels_avx512(const uint16_t *W, int N, int column, int first_tile, int count, uint16_t *panel) {
    size_t tile_elements = 16 * PANEL_COLUMNS * 2, panel_elements = (size_t)ptune_bf16_panel_elements(N);
    const uint16_t *block = W + (size_t)first_tile * panel_elements + (size_t)(column / PANEL_COLUMNS) * tile_elements;
    for (int t = 0; t < count; t++, block += panel_elements) {
        // The next block is a panel further on, where the hardware's prefetchers do not look.
        if (t + 1 < count) {
            for (size_t line = 0; line < tile_elements; line += 32)
                _mm_prefetch((const char *)(block + panel_elements + line), _MM_HINT_T0);
        }
        repack_tile(block, panel + (size_t)t * tile_elements);
    }
}

// C[rows, 32 columns (masked to width)] = A[rows, K] * panel + beta * C. Inlined into `tile` twice:
// with rows = TILE_ROWS as a constant (the compiler unrolls the row loop) and for the last rows.
BF16_TARGET __attribute__((always_inline))
static inline void tile_rows(const uint16_t *A, int lda, const int rows, int pairs, const uint16_t *panel, float beta,
                             float *C, int ldc, int width) {
    __m512 sum[TILE_ROWS][2];
    for (int i = 0; i < TILE_ROWS; i++) sum[i][0] = sum[i][1] = _mm512_setzero_ps();
    for (int k2 = 0; k2 < pairs; k2++) {
        __m512bh left = (__m512bh)_mm512_loadu_si512(panel + (size_t)k2 * 64);
        __m512bh right = (__m512bh)_mm512_loadu_si512(panel + (size_t)k2 * 64 + 32);
        for (int i = 0; i < TILE_ROWS; i++) {
            if (i >= rows) break;
            int32_t pair;
            memcpy(&pair, A + (size_t)i * lda + 2 * k2, sizeof pair);
            __m512bh a = (__m512bh)_mm512_set1_epi32(pair);
            sum[i][0] = _mm512_dpbf16_ps(sum[i][0], a, left);
            sum[i][1] = _mm512_dpbf16_ps(sum[i][1], a, right);
        }
    }
    for (int i = 0; i < rows; i++) ptune_store_row32_avx512(sum[i][0], sum[i][1], beta, C + (size_t)i * ldc, width);
}

BF16_TARGET
static void tile(const uint16_t *A, int lda, int rows, int pairs, const uint16_t *panel, float beta, float *C,
                 int ldc, int width) {
    if (rows == TILE_ROWS) {
        tile_rows(A, lda, TILE_ROWS, pairs, panel, beta, C, ldc, width);
    } else {
        tile_rows(A, lda, rows, pairs, panel, beta, C, ldc, width);
    }
}

BF16_TARGET
void ptune_bf16_gemm_avx512(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                            float beta, float *C, int ldc, int column_begin, int column_end) {
    int pairs = (K + 1) / 2;
    uint16_t *scratch = ptune_bf16_whole_panel(K);
    for (int column = column_begin; column < column_end; column += PANEL_COLUMNS) {
        const uint16_t *panel = ptune_bf16_panel_of(1, B, b_layout, N, K, column, scratch);
        int width = column_end - column < PANEL_COLUMNS ? column_end - column : PANEL_COLUMNS;
        for (int row = 0; row < M; row += TILE_ROWS) {
            int rows = M - row < TILE_ROWS ? M - row : TILE_ROWS;
            tile(A + (size_t)row * lda, lda, rows, pairs, panel, beta, C + (size_t)row * ldc + column, ldc, width);
        }
    }
}
