// The choice of cvector.h's kernel, and its portable compilation (cvector_body.h).
#include "cvector_kernels.h"
#include "ckernel_support.h"
#define TARGET
#define SUFFIX portable
#define ROWS_AT_ONCE 4
#define ROW_BLOCK_VECTORS 1
#define ATTENTION_VECTORS 1
#define ATTENTION_UNFUSED 1
#include "cvector_body.h"
#include "cvector_attention.h"
#include "cvector_optimizer.h"

static int cpu_best(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return PTUNE_VECTOR_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return PTUNE_VECTOR_AVX2;
#endif
    return PTUNE_VECTOR_PORTABLE;
}

static ptune_kernel_family family = PTUNE_KERNEL_FAMILY(cpu_best, "PTUNE_VECTOR_KERNEL", "portable", "avx2", "avx512");

int ptune_vector_best_kernel(void) { return ptune_kernel_best(&family); }

// The kernel the calling thread asked for (ptune_vector_use_kernel), or -1 for the process's.
static _Thread_local int thread_kernel = -1;

int ptune_vector_kernel(void) { return thread_kernel >= 0 ? thread_kernel : ptune_kernel_current(&family); }

int ptune_vector_use_kernel(int kernel) {
    if (kernel < 0 || kernel > ptune_kernel_best(&family)) return 0;
    thread_kernel = kernel;
    return 1;
}

#define DISPATCH(name, ...)                                                  \
    switch (ptune_vector_kernel()) {                                         \
    case PTUNE_VECTOR_AVX512: name##_avx512(__VA_ARGS__); break;             \
    case PTUNE_VECTOR_AVX2: name##_avx2(__VA_ARGS__); break;                 \
    default: name##_portable(__VA_ARGS__);                                   \
    }

void ptune_gated_forward(int activation, const float *gate_up, long rows, long width, float *out) {
    DISPATCH(ptune_gated_forward, activation, gate_up, rows, width, out)
}

void ptune_gated_backward(int activation, const float *gate_up, const float *d_out, long rows, long width,
                          float *d_gate_up) {
    DISPATCH(ptune_gated_backward, activation, gate_up, d_out, rows, width, d_gate_up)
}

void ptune_vector_exp(const float *in, long count, float *out) { DISPATCH(ptune_vector_exp, in, count, out) }

// DISPATCH for a kernel that returns a value.
#define DISPATCH_VALUE(name, ...)                                            \
    switch (ptune_vector_kernel()) {                                         \
    case PTUNE_VECTOR_AVX512: return name##_avx512(__VA_ARGS__);             \
    case PTUNE_VECTOR_AVX2: return name##_avx2(__VA_ARGS__);                 \
    default: return name##_portable(__VA_ARGS__);                            \
    }

float ptune_vector_exp_sum(const float *in, long count, float shift, float *out) {
    DISPATCH_VALUE(ptune_vector_exp_sum, in, count, shift, out)
}

void ptune_rms_norm_forward(const float *x, const float *gain, float eps, long rows, long width, float *y,
                            float *rstd) {
    DISPATCH(ptune_rms_norm_forward, x, gain, eps, rows, width, y, rstd)
}

void ptune_rms_norm_backward(const float *x, const float *gain, const float *rstd, const float *dy, long rows,
                             long width, float *dx, int accumulate) {
    DISPATCH(ptune_rms_norm_backward, x, gain, rstd, dy, rows, width, dx, accumulate)
}

void ptune_softmax_rows(float *x, long rows, long width, long causal_offset, long window) {
    DISPATCH(ptune_softmax_rows, x, rows, width, causal_offset, window)
}

void ptune_softmax_backward_rows(const float *p, float *dp, long rows, long width, long causal_offset) {
    DISPATCH(ptune_softmax_backward_rows, p, dp, rows, width, causal_offset)
}

void ptune_row_blocks_forward(const signed char *W, const float *scales, long columns, long first, long count,
                              const float *a, long m, long lda, float beta, float *c, long ldc) {
    DISPATCH(ptune_row_blocks_forward, W, scales, columns, first, count, a, m, lda, beta, c, ldc)
}

void ptune_row_blocks_backward(const signed char *W, const float *scales, long rows, long columns, const float *a,
                               long m, long lda, long column, long span, float beta, float *c, long ldc) {
    DISPATCH(ptune_row_blocks_backward, W, scales, rows, columns, a, m, lda, column, span, beta, c, ldc)
}

void ptune_rotate_heads(float *row, long heads, long head_dim, const float *cos, const float *sin, float sign,
                        int adjacent_pairs) {
    DISPATCH(ptune_rotate_heads, row, heads, head_dim, cos, sin, sign, adjacent_pairs)
}

void ptune_attention_transpose(const float *x, long rows, long d, long ldx, float *xt, long ldt) {
    DISPATCH(ptune_attention_transpose, x, rows, d, ldx, xt, ldt)
}

void ptune_attention_scores(long m, long n, long d, float alpha, const float *a, long lda, const float *bt, long ldbt,
                            float *c, long ldc, long causal_offset) {
    DISPATCH(ptune_attention_scores, m, n, d, alpha, a, lda, bt, ldbt, c, ldc, causal_offset)
}

void ptune_attention_weighted(long m, long n, long d, float alpha, const float *p, long ldp, const float *x, long ldx,
                              float beta, float *y, long ldy, long causal_offset) {
    DISPATCH(ptune_attention_weighted, m, n, d, alpha, p, ldp, x, ldx, beta, y, ldy, causal_offset)
}

void ptune_attention_weighted_transposed(long m, long n, long d, float alpha, const float *p, long ldp, const float *x,
                                         long ldx, float beta, float *g, long ldg, long causal_offset) {
    DISPATCH(ptune_attention_weighted_transposed, m, n, d, alpha, p, ldp, x, ldx, beta, g, ldg, causal_offset)
}

void ptune_adam_update(float *p, const float *g, float *m, float *v, long count, const ptune_adam_constants *k) {
    DISPATCH(ptune_adam_update, p, g, m, v, count, k)
}

double ptune_sum_squares(const float *x, long count) { DISPATCH_VALUE(ptune_sum_squares, x, count) }

void ptune_adam_update_product(float *p, float *m, float *v, const float *a, const float *b, long depth, long rows,
                               long columns, long row_begin, long row_end, const ptune_adam_constants *k) {
    DISPATCH(ptune_adam_update_product, p, m, v, a, b, depth, rows, columns, row_begin, row_end, k)
}

double ptune_sum_squares_of_product(const float *a, const float *b, long depth, long rows, long columns) {
    DISPATCH_VALUE(ptune_sum_squares_of_product, a, b, depth, rows, columns)
}
