// The AVX-512 VNNI kernel (vpdpbusd). Written in C with intrinsics because Swift cannot emit them.
//
// vpdpbusd multiplies unsigned bytes by signed ones, so A's values go in offset by 128 (their sign bit
// flipped) and each block's sums start from -128 times the panel's column sums over that block, which
// makes them exactly A's signed products. The panel [lda/4][32][4] holds four consecutive k of each of
// 32 columns per 128 bytes; a 4 x 32 register tile runs over it: per four k, two panel loads, four
// broadcasts of A and eight vpdpbusd (each 16 lanes x 4 products), and per block of 32 k one
// conversion, one scale (the operand's block's times each column's) and one fused multiply-add per
// accumulator.
#include "cint8_kernels.h"
#include "ckernel_support.h"
#include <immintrin.h>
#include <string.h>

#define TILE_ROWS 4
#define PANEL_COLUMNS PTUNE_I8_PANEL_COLUMNS
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// The panel of op(B) starting at `column`, with each block's -128 x column sums and weight scale.
typedef struct {
    int8_t *values;    // [lda / 4][32][4]
    int32_t *offsets;  // [blocks][32]
    float *scales;     // [blocks][32], each column's own
} Panel;

// 16 lanes, one per column [column, column + 16) of op(B) (`valid` of them inside N), each holding
// op(B)[4q .. 4q + 3][column + j], zero outside K and N.
VNNI_TARGET
static __m512i quad(const int8_t *B, int b_transposed, int N, int K, int column, int valid, int q) {
    if (valid <= 0) return _mm512_setzero_si512();
    __mmask16 lanes = valid >= 16 ? 0xffff : (__mmask16)((1u << valid) - 1);
    if (b_transposed && 4 * q + 4 <= K) {
        __m512i rows = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                          _mm512_set1_epi32(K));
        return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), lanes, rows, B + (size_t)column * K + 4 * q, 1);
    }
    if (b_transposed) {
        int32_t words[16] = {0};
        for (int j = 0; j < valid && j < 16; j++) {
            int8_t bytes[4];
            for (int t = 0; t < 4; t++) bytes[t] = (int8_t)ptune_i8_at(B, 1, N, K, 4 * q + t, column + j);
            memcpy(words + j, bytes, 4);
        }
        return _mm512_loadu_si512(words);
    }
    __m128i row[4];
    for (int t = 0; t < 4; t++) {
        int k = 4 * q + t;
        row[t] = k < K ? _mm_maskz_loadu_epi8(lanes, B + (size_t)k * N + column) : _mm_setzero_si128();
    }
    __m128i low01 = _mm_unpacklo_epi8(row[0], row[1]), high01 = _mm_unpackhi_epi8(row[0], row[1]);
    __m128i low23 = _mm_unpacklo_epi8(row[2], row[3]), high23 = _mm_unpackhi_epi8(row[2], row[3]);
    __m512i out = _mm512_castsi128_si512(_mm_unpacklo_epi16(low01, low23));
    out = _mm512_inserti32x4(out, _mm_unpackhi_epi16(low01, low23), 1);
    out = _mm512_inserti32x4(out, _mm_unpacklo_epi16(high01, high23), 2);
    return _mm512_inserti32x4(out, _mm_unpackhi_epi16(high01, high23), 3);
}

// The panel of op(B) starting at `column`, with each block's -128 x column sums (the sums from
// vpdpbusd with ones) and the weights' scales.
VNNI_TARGET
static void pack_panel(const int8_t *B, const float *b_scales, int b_layout, int b_transposed, int N, int K, int lda,
                       int column, Panel panel) {
    int width = N - column;
    __m512i ones = _mm512_set1_epi8(1);
    ptune_i8_panel_scales(b_scales, b_layout, b_transposed, N, K, lda / PTUNE_I8_BLOCK, column, panel.scales);
    for (int b = 0; b < lda / PTUNE_I8_BLOCK; b++) {
        __m512i sum[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
        for (int q = b * 8; q < b * 8 + 8; q++) {
            for (int h = 0; h < 2; h++) {
                __m512i values = quad(B, b_transposed, N, K, column + 16 * h, width - 16 * h, q);
                _mm512_storeu_si512(panel.values + (size_t)q * 128 + 64 * h, values);
                sum[h] = _mm512_dpbusd_epi32(sum[h], ones, values);
            }
        }
        for (int h = 0; h < 2; h++) {
            _mm512_storeu_si512(panel.offsets + b * PANEL_COLUMNS + 16 * h,
                                _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sum[h], 7)));
        }
    }
}

// C[rows, 32 columns (masked to width)] = A[rows, lda] * panel + beta * C, `rows` at most TILE_ROWS.
VNNI_TARGET __attribute__((always_inline))
static inline void tile_rows(const uint8_t *A, const float *a_scales, int lda, const int rows, Panel panel, float beta,
                             float *C, int ldc, int width) {
    int blocks = lda / PTUNE_I8_BLOCK;
    __m512 sum[TILE_ROWS][2];
    for (int i = 0; i < TILE_ROWS; i++) sum[i][0] = sum[i][1] = _mm512_setzero_ps();
    for (int b = 0; b < blocks; b++) {
        __m512i offset_left = _mm512_loadu_si512(panel.offsets + b * PANEL_COLUMNS);
        __m512i offset_right = _mm512_loadu_si512(panel.offsets + b * PANEL_COLUMNS + 16);
        __m512i dot[TILE_ROWS][2];
        for (int i = 0; i < TILE_ROWS; i++) {
            dot[i][0] = offset_left;
            dot[i][1] = offset_right;
        }
        for (int q = b * 8; q < b * 8 + 8; q++) {
            __m512i left = _mm512_loadu_si512(panel.values + (size_t)q * 128);
            __m512i right = _mm512_loadu_si512(panel.values + (size_t)q * 128 + 64);
            for (int i = 0; i < TILE_ROWS; i++) {
                if (i >= rows) break;
                int32_t quad;
                memcpy(&quad, A + (size_t)i * lda + 4 * q, sizeof quad);
                __m512i a = _mm512_set1_epi32(quad);
                dot[i][0] = _mm512_dpbusd_epi32(dot[i][0], a, left);
                dot[i][1] = _mm512_dpbusd_epi32(dot[i][1], a, right);
            }
        }
        for (int i = 0; i < TILE_ROWS; i++) {
            if (i >= rows) break;
            ptune_i8_add_block_avx512(sum[i], dot[i], a_scales[(size_t)i * blocks + b],
                                      panel.scales + b * PANEL_COLUMNS, 0, NULL);
        }
    }
    for (int i = 0; i < rows; i++) ptune_store_row32_avx512(sum[i][0], sum[i][1], beta, C + (size_t)i * ldc, width);
}

VNNI_TARGET
static void i8_tile(const uint8_t *A, const float *a_scales, int lda, int rows, Panel panel, float beta, float *C,
                    int ldc, int width) {
    if (rows == TILE_ROWS) {
        tile_rows(A, a_scales, lda, TILE_ROWS, panel, beta, C, ldc, width);
    } else {
        tile_rows(A, a_scales, lda, rows, panel, beta, C, ldc, width);
    }
}

// A's values with their sign bit flipped: q + 128 as unsigned bytes.
VNNI_TARGET
static void offset_rows(const int8_t *A, size_t count, uint8_t *out) {
    __m512i flip = _mm512_set1_epi8((char)0x80);
    size_t i = 0;
    for (; i + 64 <= count; i += 64) {
        _mm512_storeu_si512(out + i, _mm512_xor_si512(_mm512_loadu_si512(A + i), flip));
    }
    for (; i < count; i++) out[i] = (uint8_t)(A[i] ^ 0x80);
}

VNNI_TARGET
void ptune_i8_gemm_avx512(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                          const float *b_scales, int b_layout, int b_transposed, float beta, float *C, int ldc,
                          int column_begin, int column_end) {
    int blocks = lda / PTUNE_I8_BLOCK;
    size_t values = (size_t)lda * PANEL_COLUMNS, offsets = (size_t)blocks * PANEL_COLUMNS * sizeof(int32_t);
    int8_t *memory = ptune_thread_buffer(PTUNE_BUFFER_I8_PANEL, values + offsets + (size_t)blocks * PANEL_COLUMNS * sizeof(float));
    Panel panel = {memory, (int32_t *)(memory + values), (float *)(memory + values + offsets)};
    uint8_t *shifted = ptune_thread_buffer(PTUNE_BUFFER_I8_OPERAND, (size_t)M * lda);
    offset_rows(A, (size_t)M * lda, shifted);
    for (int column = column_begin; column < column_end; column += PANEL_COLUMNS) {
        pack_panel(B, b_scales, b_layout, b_transposed, N, K, lda, column, panel);
        int width = column_end - column < PANEL_COLUMNS ? column_end - column : PANEL_COLUMNS;
        for (int row = 0; row < M; row += TILE_ROWS) {
            int rows = M - row < TILE_ROWS ? M - row : TILE_ROWS;
            i8_tile(shifted + (size_t)row * lda, a_scales + (size_t)row * blocks, lda, rows, panel, beta,
                    C + (size_t)row * ldc + column, ldc, width);
        }
    }
}
