// 8-bit integer matrix products with fp32 block scales, for frozen weights kept as int8. OpenBLAS has
// no such product, so ptune carries its own kernels: AVX-512 VNNI (vpdpbusd) where the CPU has it,
// AVX2 (vpmaddwd) elsewhere on x86-64, and portable C. All three do the same arithmetic, and give the
// same bits: each block of 32 products along the inner dimension is summed exactly in int32, then
// added to the fp32 sum as fmaf(sum of the block, scale of A's block * the weights' scale, sum), blocks
// in order. The operand is int8 (ptune_i8_gemm) or, where its precision matters more than speed, int16
// (ptune_i8_gemm16: the same sums, of products of 16 by 8 bits).
//
// Weights W [rows, columns] are int8 with fp32 scales (value = q * scale) in one of two layouts: one
// scale per tile of 32 x 32, so that the same bytes serve the product in both directions, or one per
// row and block of 32 columns (a GGUF block's own scale), which serves only the product with W^T.
// Operands are quantized per row and per block of 32 along the inner dimension, with one scale per
// block.
#ifndef PTUNE_CINT8_H
#define PTUNE_CINT8_H
#include <stdint.h>

/// Values per block (along the inner dimension) and per tile side.
#define PTUNE_I8_BLOCK 32

/// The layouts of the weights' scales: per tile of 32 x 32, or per row and block of 32 columns.
enum { PTUNE_I8_TILES = 0, PTUNE_I8_ROW_BLOCKS = 1 };

/// The kernels, slowest first.
enum { PTUNE_I8_PORTABLE = 0, PTUNE_I8_AVX2 = 1, PTUNE_I8_AVX512 = 2 };

/// The fastest kernel this CPU can run.
int ptune_i8_best_kernel(void);

/// The kernel in use: the best one, unless PTUNE_INT8_KERNEL (portable, avx2 or avx512) or
/// ptune_i8_use_kernel chose a slower one.
int ptune_i8_kernel(void);

/// Uses `kernel` from now on and returns 1; returns 0, changing nothing, when this CPU cannot run it.
int ptune_i8_use_kernel(int kernel);

/// Quantizes in [rows, columns] (row stride ldi) per row and block of 32 columns: out [rows, ldo]
/// (ldo a multiple of 32, at least columns; zero beyond columns), scales [rows, ldo / 32], each the
/// block's largest magnitude / 127 (0 for a block of zeros), values rounded to nearest, ties to even.
void ptune_i8_quantize_rows(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales);

/// ptune_i8_quantize_rows to int16: each scale is the block's largest magnitude / 32767. Unless `sums` is
/// NULL, also writes sums [rows, ldo / 32]: each block's sum of its fp32 values (value i plus value i +
/// 16, then those 16 sums halved alike down to one; zeros past columns), for ptune_i8_gemm16's offsets.
void ptune_i8_quantize_rows16(const float *in, long rows, long columns, long ldi, int16_t *out, long ldo,
                              float *scales, float *sums);

/// out[i] = the f16 value whose bits are bits[i], in fp32 (exact), for i < count: eight at a time with
/// F16C where the CPU has it.
void ptune_i8_widen_halves(const uint16_t *bits, long count, float *out);

/// Quantizes a band of at most 32 rows of W, in [rows, columns] (dense), by tiles of 32 x 32: out
/// [rows, columns] (dense), scales [(columns + 31) / 32], one per tile of the band.
void ptune_i8_quantize_band(const float *in, long rows, long columns, int8_t *out, float *scales);

/// Widens rows [first, first + count) and columns [column, column + span) of W [rows, columns] (tile
/// scales as ptune_i8_quantize_band wrote them, band after band) into out [count, span] (row stride ldo).
void ptune_i8_widen(const int8_t *W, const float *scales, long columns, long first, long count, long column,
                    long span, float *out, long ldo);

/// Widens rows [first, first + count) and columns [column, column + span) (column a multiple of 32) of
/// W [rows, columns] kept with one scale and (unless `offsets` is NULL) one offset per row and block of
/// 32 columns (value = q * scale + offset; scales (fp32) and offsets (the bits of f16 values) [rows,
/// (columns + 31) / 32], the layout of GGUF's Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 blocks) into out
/// [count, span] (row stride ldo).
void ptune_i8_widen_row_blocks(const int8_t *W, const float *scales, const uint16_t *offsets, long columns,
                               long first, long count, long column, long span, float *out, long ldo);

/// C[M, N] = A[M, K] * op(B) + beta * C for the columns [column_begin, column_end) of C (column_begin a
/// multiple of 32), where beta is 0 or 1. A is int8 row-major with stride lda (a multiple of 32, at
/// least K, zero beyond K) and scales a_scales [M, lda / 32]. B is the int8 weight matrix with its
/// scales in b_layout: with b_transposed [N, K] row-major and op(B) = B^T, else [K, N] row-major
/// (PTUNE_I8_ROW_BLOCKS only with b_transposed). C is fp32 row-major with stride ldc.
void ptune_i8_gemm(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                   const float *b_scales, int b_layout, int b_transposed, float beta, float *C, int ldc,
                   int column_begin, int column_end);

/// ptune_i8_gemm with A int16 (ptune_i8_quantize_rows16): a block's sum of 32 products of 16 by 8 bits
/// still fits int32 exactly. vpdpwssd with AVX-512 VNNI, vpmaddwd with AVX2. Where B's blocks have
/// offsets (b_offsets, the bits of f16 values [N, (K + 31) / 32], laid out as the scales, with
/// PTUNE_I8_ROW_BLOCKS; NULL for none), each block then adds a_sums[i][block] (the sum of the block of
/// A's row before quantizing, [M, lda / 32]) times column n's offset in that block, with one more fused
/// multiply-add.
void ptune_i8_gemm16(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums, int lda,
                     const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout, int b_transposed,
                     float beta, float *C, int ldc, int column_begin, int column_end);

#endif
