// What the kernel files of cbf16 share: the rounding of one value, the panel layout and buffer, and
// each instruction set's entry points (called only where the CPU has that set).
#ifndef PTUNE_CBF16_KERNELS_H
#define PTUNE_CBF16_KERNELS_H
#include "cbf16.h"
#include <stddef.h>

/// Columns of op(B) in one packed panel: panel[k2][j][t] = op(B)[2*k2 + t][column + j].
#define PTUNE_BF16_PANEL_COLUMNS 32

/// in rounded to bf16, nearest with ties to even; NaN stays NaN.
uint16_t ptune_bf16_round(float in);

/// The calling thread's panel buffer for `pairs` pairs of k (kept between calls).
uint16_t *ptune_bf16_panel(int pairs);
/// ptune_bf16_panel for a whole panel of K, in whole tiles of 16 pairs (as panels in place and re-packed
/// ones are).
uint16_t *ptune_bf16_whole_panel(int K);

/// Elements of one panel of a W in panels with `columns` columns: ceil(columns / 32) tiles of 16 pairs.
long ptune_bf16_panel_elements(long columns);

/// Packs the panel of op(B) starting at `column` (any CPU), B row-major (b_transposed 0 or 1).
void ptune_bf16_pack_panel(const uint16_t *B, int b_transposed, int N, int K, int column, uint16_t *panel);

/// Where the panel for columns [column, column + 32) of op(B) = W^T starts, W [N, K] in panels.
const uint16_t *ptune_bf16_panel_in_place(const uint16_t *W, int K, int column);

/// The panel of op(B) [K, N] for columns [column, column + 32), stored as `b_layout` says: in place
/// where B is W^T in panels, else packed into `scratch` (ptune_bf16_whole_panel(K)), with AVX-512 BW
/// where `avx512` says so (a CPU that has it).
const uint16_t *ptune_bf16_panel_of(int avx512, const uint16_t *B, int b_layout, int N, int K, int column,
                                    uint16_t *scratch);

/// The panel of op(B) = W for columns [column, column + 32) and k tiles [first_tile, first_tile + count)
/// (32 of W's rows each), W [K, N] in panels, into `panel` [count * 16 pairs][32][2]: each tile is the
/// transpose of one 32 x 32 block of a panel, which lies in 2 KB in order. Any CPU.
void ptune_bf16_repack_panels(const uint16_t *W, int N, int column, int first_tile, int count, uint16_t *panel);
/// ptune_bf16_repack_panels with AVX-512 BW (a CPU that has it).
void ptune_bf16_repack_panels_avx512(const uint16_t *W, int N, int column, int first_tile, int count,
                                     uint16_t *panel);

/// ptune_bf16_pack_panel with AVX-512 (a CPU with AVX-512 BW only), B row-major with its rows ldb
/// elements apart (a range of k of a longer B).
void ptune_bf16_pack_panel_avx512(const uint16_t *B, int b_transposed, int N, int K, long ldb, int column,
                                  uint16_t *panel);

/// Whether Linux lets this process use the AMX tile registers (asking for them; the kernel choice asks
/// once per process).
int ptune_bf16_amx_usable(void);

/// Rounds in [rows, columns] (row stride ldi) as ptune_bf16_round_rows does, each row written in
/// segments of 32 values `segment_step` elements apart (32 for a plain row; the AMX kernel's tiles are
/// further apart), from out + r * ldo, and padded with zeros to `padded` values; with the kernel's
/// instructions where it has them.
void ptune_bf16_round_segments(int kernel, const float *in, long ldi, long rows, long columns, long padded,
                               uint16_t *out, long ldo, long segment_step);
/// ptune_bf16_round_segments with AVX-512 BF16.
void ptune_bf16_round_segments_avx512(const float *in, long ldi, long rows, long columns, long padded, uint16_t *out,
                                      long ldo, long segment_step);
void ptune_bf16_widen_rows_avx512(const uint16_t *in, long rows, long columns, long ldi, float *out, long ldo);
/// Elements of an operand of rows x columns in AMX tiles (cbf16_amx.c).
long ptune_bf16_amx_tiles_elements(long rows, long columns);
/// ptune_bf16_round_operand for the AMX kernel (any CPU).
void ptune_bf16_round_amx_tiles(const float *in, long rows, long columns, long first, long count, uint16_t *out);
/// ptune_bf16_gemm_operand for the AMX kernel.
void ptune_bf16_gemm_amx_tiles(int M, int N, int K, const uint16_t *A, int a_columns, int k_first, const uint16_t *B,
                               int b_layout, float beta, float *C, int ldc, int column_begin, int column_end);
void ptune_bf16_gemm_amx(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                         float beta, float *C, int ldc, int column_begin, int column_end);
void ptune_bf16_gemm_avx512(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                            float beta, float *C, int ldc, int column_begin, int column_end);
void ptune_bf16_gemm_avx2(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                          float beta, float *C, int ldc, int column_begin, int column_end);
void ptune_bf16_gemm_portable(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                              float beta, float *C, int ldc, int column_begin, int column_end);

#endif
