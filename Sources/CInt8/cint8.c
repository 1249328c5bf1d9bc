// The int8 entry points of cint8.h: the choice of kernel, quantizing weights, widening, and the
// portable product every other kernel must equal.
#include "cint8_kernels.h"
#include "ckernel_support.h"
#include <stdlib.h>
#include <string.h>

static int cpu_best(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512vnni"))
        return PTUNE_I8_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return PTUNE_I8_AVX2;
#endif
    return PTUNE_I8_PORTABLE;
}

static ptune_kernel_family family = PTUNE_KERNEL_FAMILY(cpu_best, "PTUNE_INT8_KERNEL", "portable", "avx2", "avx512");

int ptune_i8_best_kernel(void) { return ptune_kernel_best(&family); }

int ptune_i8_kernel(void) { return ptune_kernel_current(&family); }

int ptune_i8_use_kernel(int kernel) { return ptune_kernel_use(&family, kernel); }

void ptune_i8_quantize_band(const float *in, long rows, long columns, int8_t *out, float *scales) {
    for (long first = 0; first < columns; first += PTUNE_I8_BLOCK) {
        long span = columns - first < PTUNE_I8_BLOCK ? columns - first : PTUNE_I8_BLOCK;
        float largest = 0;
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < span; c++) largest = ptune_i8_larger_magnitude(largest, in[r * columns + first + c]);
        }
        float inverse;
        scales[first / PTUNE_I8_BLOCK] = ptune_i8_scale_of(largest, 127.0f, &inverse);
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < span; c++) out[r * columns + first + c] = (int8_t)ptune_i8_scaled(in[r * columns + first + c], inverse);
        }
    }
}

// Each operand width's kernels, indexed by ptune_i8_kernel() (portable, AVX2, AVX-512).
typedef void (*gemm8_kernel)(int, int, int, const int8_t *, const float *, int, const int8_t *, const float *, int,
                             int, float, float *, int, int, int);
typedef void (*gemm16_kernel)(int, int, int, const int16_t *, const float *, const float *, int, const int8_t *,
                              const float *, const uint16_t *, int, int, float, float *, int, int, int);
static const gemm8_kernel gemm8[] = {ptune_i8_gemm_portable, ptune_i8_gemm_avx2, ptune_i8_gemm_avx512};
static const gemm16_kernel gemm16[] = {ptune_i8_gemm16_portable, ptune_i8_gemm16_avx2, ptune_i8_gemm16_avx512};

void ptune_i8_gemm(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                   const float *b_scales, int b_layout, int b_transposed, float beta, float *C, int ldc,
                   int column_begin, int column_end) {
    if (b_layout == PTUNE_I8_ROW_BLOCKS && !b_transposed) abort();
    gemm8[ptune_i8_kernel()](M, N, K, A, a_scales, lda, B, b_scales, b_layout, b_transposed, beta, C, ldc, column_begin,
                             column_end);
}

void ptune_i8_gemm16(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums, int lda,
                     const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout, int b_transposed,
                     float beta, float *C, int ldc, int column_begin, int column_end) {
    if (b_layout == PTUNE_I8_ROW_BLOCKS && !b_transposed) abort();
    if (b_offsets && (b_layout != PTUNE_I8_ROW_BLOCKS || !a_sums)) abort();
    gemm16[ptune_i8_kernel()](M, N, K, A, a_scales, a_sums, lda, B, b_scales, b_offsets, b_layout, b_transposed, beta,
                              C, ldc, column_begin, column_end);
}

// The portable product of an int8 (wide 0) or int16 (wide 1) operand, with B's offsets (wide only) where
// b_offsets is not NULL.
__attribute__((always_inline))
static inline void gemm_portable(int M, int N, int K, const void *A, int wide, const float *a_scales,
                                 const float *a_sums, int lda, const int8_t *B, const float *b_scales,
                                 const uint16_t *b_offsets, int b_layout, int b_transposed, float beta, float *C,
                                 int ldc, int column_begin, int column_end) {
    int blocks = lda / PTUNE_I8_BLOCK;
    for (int i = 0; i < M; i++) {
        for (int n = column_begin; n < column_end; n++) {
            float sum = 0;
            for (int b = 0; b < blocks; b++) {
                int32_t dot = 0;
                for (int t = 0; t < PTUNE_I8_BLOCK; t++) {
                    size_t at = (size_t)i * lda + b * PTUNE_I8_BLOCK + t;
                    int32_t a = wide ? ((const int16_t *)A)[at] : ((const int8_t *)A)[at];
                    dot += a * ptune_i8_at(B, b_transposed, N, K, b * PTUNE_I8_BLOCK + t, n);
                }
                float scale = a_scales[(size_t)i * blocks + b] * ptune_i8_scale(b_scales, b_layout, b_transposed, N, K, b, n);
                sum = __builtin_fmaf((float)dot, scale, sum);
                if (b_offsets) {
                    sum = __builtin_fmaf(a_sums[(size_t)i * blocks + b], ptune_i8_offset(b_offsets, N, K, b, n), sum);
                }
            }
            float *out = C + (size_t)i * ldc + n;
            *out = beta != 0 ? sum + *out : sum;
        }
    }
}

void ptune_i8_gemm_portable(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                            const float *b_scales, int b_layout, int b_transposed, float beta, float *C, int ldc,
                            int column_begin, int column_end) {
    gemm_portable(M, N, K, A, 0, a_scales, NULL, lda, B, b_scales, NULL, b_layout, b_transposed, beta, C, ldc,
                  column_begin, column_end);
}

void ptune_i8_gemm16_portable(int M, int N, int K, const int16_t *A, const float *a_scales, const float *a_sums,
                              int lda, const int8_t *B, const float *b_scales, const uint16_t *b_offsets, int b_layout,
                              int b_transposed, float beta, float *C, int ldc, int column_begin, int column_end) {
    gemm_portable(M, N, K, A, 1, a_scales, a_sums, lda, B, b_scales, b_offsets, b_layout, b_transposed, beta, C, ldc,
                  column_begin, column_end);
}
