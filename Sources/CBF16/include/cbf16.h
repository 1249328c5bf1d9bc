// bf16 matrix products with fp32 accumulation on AVX-512 BF16 (vdpbf16ps). Debian's OpenBLAS
// declares cblas_sbgemm but is built without it, so ptune carries its own kernel.
#ifndef PTUNE_CBF16_H
#define PTUNE_CBF16_H
#include <stdint.h>

/// 1 when this CPU can run the kernels below (AVX-512F, BW and BF16), else 0.
int ptune_bf16_supported(void);

/// out[i] = in[i] rounded to bf16 (nearest, ties to even). Any CPU.
void ptune_bf16_from_f32(const float *in, uint16_t *out, long count);

/// Rounds in [rows, columns] (dense) into out [rows, ldo] (ldo >= columns) as bf16, zero-filling each
/// row's columns beyond `columns`. fp32 subnormals become zero. Needs ptune_bf16_supported().
void ptune_bf16_round_rows(const float *in, long rows, long columns, uint16_t *out, long ldo);

/// Widens in [rows, columns] (row stride ldi) into out [rows, columns] (row stride ldo) as fp32, which
/// is exact. Needs ptune_bf16_supported().
void ptune_bf16_widen_rows(const uint16_t *in, long rows, long columns, long ldi, float *out, long ldo);

/// C[M, N] = A[M, K] * op(B) + beta * C for the columns [column_begin, column_end) of C, where beta is
/// 0 or 1. A is bf16 row-major with row stride lda (even, >= K, zero beyond K). With b_transposed,
/// B is [N, K] row-major and op(B) = B^T; else B is [K, N] row-major. C is fp32 row-major, stride ldc.
/// Needs ptune_bf16_supported().
void ptune_bf16_gemm(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_transposed,
                     float beta, float *C, int ldc, int column_begin, int column_end);

#endif
