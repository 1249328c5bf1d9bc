// What the kernel files of cint8 share: reading op(B) and its tile scales, the per-thread buffers,
// and each instruction set's entry point (called only where the CPU has that set).
#ifndef PTUNE_CINT8_KERNELS_H
#define PTUNE_CINT8_KERNELS_H
#include "cint8.h"
#include <stddef.h>

/// Columns of op(B) in one packed panel: one tile wide, so one weight scale per block of k.
#define PTUNE_I8_PANEL_COLUMNS 32

/// op(B)[k][n]: B[n][k] when transposed, else B[k][n]; 0 outside [K, N].
static inline int ptune_i8_at(const int8_t *B, int b_transposed, int N, int K, int k, int n) {
    if (k >= K || n >= N) return 0;
    return b_transposed ? B[(size_t)n * K + k] : B[(size_t)k * N + n];
}

/// The scale of B's tile holding op(B)'s block of k `block` and the panel starting at `column`.
static inline float ptune_i8_tile_scale(const float *scales, int b_transposed, int N, int K, int block, int column) {
    int tile = column / PTUNE_I8_BLOCK;
    return b_transposed ? scales[(size_t)tile * ((K + 31) / 32) + block] : scales[(size_t)block * ((N + 31) / 32) + tile];
}

/// The calling thread's buffer `slot` (0 or 1), at least `bytes` long and 64-byte aligned, kept between
/// calls: a training step makes hundreds of products per thread.
void *ptune_i8_buffer(int slot, size_t bytes);

void ptune_i8_gemm_avx512(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                          const float *b_scales, int b_transposed, float beta, float *C, int ldc, int column_begin,
                          int column_end);
void ptune_i8_gemm_avx2(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                        const float *b_scales, int b_transposed, float beta, float *C, int ldc, int column_begin,
                        int column_end);
void ptune_i8_gemm_portable(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                            const float *b_scales, int b_transposed, float beta, float *C, int ldc, int column_begin,
                            int column_end);

#endif
