// Each instruction set's entry points of cvector.h (called only where the CPU has that set).
#ifndef PTUNE_CVECTOR_KERNELS_H
#define PTUNE_CVECTOR_KERNELS_H
#include "cvector.h"

#define PTUNE_VECTOR_DECLARE(suffix)                                                                          \
    void ptune_gated_forward_##suffix(int activation, const float *gate_up, long rows, long width, float *out); \
    void ptune_gated_backward_##suffix(int activation, const float *gate_up, const float *d_out, long rows,     \
                                       long width, float *d_gate_up);                                         \
    void ptune_vector_exp_##suffix(const float *in, long count, float *out);                                 \
    float ptune_vector_exp_sum_##suffix(const float *in, long count, float shift, float *out);                \
    void ptune_rms_norm_forward_##suffix(const float *x, const float *gain, float eps, long rows, long width,  \
                                         float *y, float *rstd);                                              \
    void ptune_rms_norm_backward_##suffix(const float *x, const float *gain, const float *rstd, const float *dy, \
                                          long rows, long width, float *dx, int accumulate);                  \
    void ptune_softmax_rows_##suffix(float *x, long rows, long width, long causal_offset, long window);       \
    void ptune_softmax_backward_rows_##suffix(const float *p, float *dp, long rows, long width, long causal_offset); \
    void ptune_row_blocks_forward_##suffix(const signed char *W, const float *scales, long columns, long first,    \
                                           long count, const float *a, long m, long lda, float beta, float *c,      \
                                           long ldc);                                                               \
    void ptune_row_blocks_backward_##suffix(const signed char *W, const float *scales, long rows, long columns,    \
                                            const float *a, long m, long lda, long column, long span, float beta,   \
                                            float *c, long ldc);                                                     \
    void ptune_rotate_heads_##suffix(float *row, long heads, long head_dim, const float *cos, const float *sin,    \
                                     float sign, int adjacent_pairs);                                         \
    void ptune_attention_transpose_##suffix(const float *x, long rows, long d, long ldx, float *xt, long ldt);      \
    void ptune_attention_scores_##suffix(long m, long n, long d, float alpha, const float *a, long lda,            \
                                         const float *bt, long ldbt, float *c, long ldc, long causal_offset);       \
    void ptune_attention_weighted_##suffix(long m, long n, long d, float alpha, const float *p, long ldp,          \
                                           const float *x, long ldx, float beta, float *y, long ldy,                \
                                           long causal_offset);                                                     \
    void ptune_attention_weighted_transposed_##suffix(long m, long n, long d, float alpha, const float *p,         \
                                                      long ldp, const float *x, long ldx, float beta, float *g,     \
                                                      long ldg, long causal_offset);                  \
    void ptune_adam_update_##suffix(float *p, const float *g, float *m, float *v, long count,                    \
                                    const ptune_adam_constants *k);                                          \
    double ptune_sum_squares_##suffix(const float *x, long count);                                           \
    void ptune_adam_update_product_##suffix(float *p, float *m, float *v, const float *a, const float *b,         \
                                            long depth, long rows, long columns, long row_begin, long row_end,   \
                                            const ptune_adam_constants *k);                                      \
    double ptune_sum_squares_of_product_##suffix(const float *a, const float *b, long depth, long rows,          \
                                                 long columns);

PTUNE_VECTOR_DECLARE(avx512)
PTUNE_VECTOR_DECLARE(avx2)
PTUNE_VECTOR_DECLARE(portable)

#endif
