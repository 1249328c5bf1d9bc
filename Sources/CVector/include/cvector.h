// Elementwise kernels in C, for the instruction sets Swift cannot target per function: Swift compiles
// its SIMD types for the baseline x86-64 (SSE2), four floats an instruction, where AVX-512 does
// sixteen and AVX2 eight. Each kernel is one source compiled three times (cvector_body.h): AVX-512,
// AVX2 with FMA, and portable, chosen at run time like the bf16 and int8 kernels. All three do the
// same operations on sixteen-float vectors in the same order, without fused multiply-adds, so they
// give the same bits for every result that is not NaN (NaN stays NaN, its sign and payload may differ).
#ifndef PTUNE_CVECTOR_H
#define PTUNE_CVECTOR_H

/// The kernels, slowest first.
enum { PTUNE_VECTOR_PORTABLE = 0, PTUNE_VECTOR_AVX2 = 1, PTUNE_VECTOR_AVX512 = 2 };

/// The fastest kernel this CPU can run.
int ptune_vector_best_kernel(void);

/// The kernel in use on the calling thread: the best one, unless PTUNE_VECTOR_KERNEL (portable, avx2 or
/// avx512) or, for this thread, ptune_vector_use_kernel chose a slower one.
int ptune_vector_kernel(void);

/// Uses `kernel` on the calling thread from now on and returns 1; returns 0, changing nothing, when
/// this CPU cannot run it. Other threads keep theirs, so a test comparing kernels disturbs no other.
int ptune_vector_use_kernel(int kernel);

/// The gate's activation: SiLU, or GELU with the tanh approximation.
enum { PTUNE_GATE_SILU = 0, PTUNE_GATE_GELU_TANH = 1 };

/// out[r, i] = act(gate) * up for rows [0, rows), gate_up [rows, 2 * width] holding the gate in
/// columns [0, width) and the up projection in [width, 2 * width); out [rows, width].
void ptune_gated_forward(int activation, const float *gate_up, long rows, long width, float *out);

/// d_gate_up [rows, 2 * width] from d_out [rows, width]: d gate = d_out * up * act'(gate), d up =
/// d_out * act(gate).
void ptune_gated_backward(int activation, const float *gate_up, const float *d_out, long rows, long width,
                          float *d_gate_up);

/// out[i] = exp(in[i]) for i < count: about 2 ulp, saturating below -87.3 and above 88.3.
void ptune_vector_exp(const float *in, long count, float *out);

/// out[i] = exp(in[i] - shift) for i < count (in and out may be the same), and returns their sum:
/// whole groups of sixteen as ptune_vector_exp, their lanes summed in order, then the rest with the C
/// library's expf, added in order.
float ptune_vector_exp_sum(const float *in, long count, float shift, float *out);

/// RMSNorm of rows [0, rows) of x [rows, width]: y = x * rstd * gain with rstd = 1 / sqrt(mean(x^2) + eps),
/// written to rstd [rows]; y may be x. The sum of squares is taken in sixteen lanes (element i in lane
/// i mod 16), the lanes then added in order.
void ptune_rms_norm_forward(const float *x, const float *gain, float eps, long rows, long width, float *y,
                            float *rstd);

/// RMSNorm's gradient with respect to x: dx (+)= rstd * gain * dy - x * rstd^3 / width * sum(gain * dy * x),
/// the sum in lanes as the forward's; added into dx when `accumulate`, else dx may be dy.
void ptune_rms_norm_backward(const float *x, const float *gain, const float *rstd, const float *dy, long rows,
                             long width, float *dx, int accumulate);

/// Softmax of each row of x [rows, width] in place. With causal_offset >= 0, row r covers columns
/// [0, r + causal_offset] (else every column); with window >= 0, only the last `window` of those; the
/// rest are set to 0. The row's maximum is subtracted before ptune_vector_exp_sum; then each value is
/// multiplied by the inverse of the sum.
void ptune_softmax_rows(float *x, long rows, long width, long causal_offset, long window);

/// Softmax's backward in place: dp = p * (dp - sum(p * dp)) row by row (the sum in lanes, as
/// ptune_rms_norm_forward's), over the columns ptune_softmax_rows covers with the same causal_offset;
/// dp is set to 0 after them.
void ptune_softmax_backward_rows(const float *p, float *dp, long rows, long width, long causal_offset);

/// Products of a few rows with a matrix W [rows, columns] kept in row blocks: int8 values with an fp32
/// scale per row and block of 32 columns (scales [rows, ceil(columns / 32)]; w = q * scale, a Q8_0
/// tensor's layout), each weight widened to fp32 in registers and never written out.
///
/// Forward, for W's rows r in [first, first + count): c[i, r] = beta c[i, r] + sum_k a[i, k] w[r, k] for
/// i < m, a [m, columns] with row stride lda, c with row stride ldc; each sum in sixteen lanes (element k
/// in lane k mod 16, the lanes then added in order), rows of a taken a few at a time.
void ptune_row_blocks_forward(const signed char *W, const float *scales, long columns, long first, long count,
                              const float *a, long m, long lda, float beta, float *c, long ldc);

/// Backward, for c's columns [column, column + span) (column a multiple of 16): c[i, j] = beta c[i, j] +
/// sum_r a[i, r] w[r, j] for i < m, a [m, rows] with row stride lda, the sum over r in order.
void ptune_row_blocks_backward(const signed char *W, const float *scales, long rows, long columns, const float *a,
                               long m, long lda, long column, long span, float beta, float *c, long ldc);

/// Rotary position embedding of `heads` consecutive heads of head_dim values in row, in place: pair i
/// (i < head_dim / 2) turns by the angle whose cosine and sine are cos[i] and sign * sin[i] (sign -1
/// turns back): x' = x cos - y s, y' = x s + y cos, where the pair is (2i, 2i + 1) with adjacent_pairs,
/// else (i, i + head_dim / 2). Element by element, so the same bits as any order of the same operations.
void ptune_rotate_heads(float *row, long heads, long head_dim, const float *cos, const float *sin, float sign,
                        int adjacent_pairs);

/// Attention's products for one (segment, head), over n keys of which row i sees those before end(i) =
/// min(n, i + causal_offset + 1) (every one when causal_offset < 0). Each sum runs over its one index in
/// order with fused multiply-adds in the AVX-512 and AVX2 compilations, which give the same bits; the
/// portable one, for CPUs without those instructions, rounds each product and each sum.
///
/// xt [d, ldt] = x [rows, d] (row stride ldx) transposed: the keys (or values) as ptune_attention_scores
/// reads them.
void ptune_attention_transpose(const float *x, long rows, long d, long ldx, float *xt, long ldt);

/// c[i, j] = alpha * sum_k a[i, k] bt[k, j] for i < m and j < end(i), a [m, d] (row stride lda), bt [d, ldbt]
/// with ldbt at least n rounded up to 16 (the columns after n are read, never used). Entries of c's row i
/// from end(i) on may be written too, up to end(i') rounded up to 16 for i' the last row of i's group of
/// four, never past n; callers give them their own values (softmax sets them to 0).
void ptune_attention_scores(long m, long n, long d, float alpha, const float *a, long lda, const float *bt, long ldbt,
                            float *c, long ldc, long causal_offset);

/// y[i, :d] = alpha * sum_j p[i, j] x[j, :d] (+ beta * y[i, :d] when beta is not 0) for i < m, the sum over
/// j in order; p [m, n] (row stride ldp) must be 0 from end(i) on (softmax and its backward leave it so),
/// which lets rows stop early.
void ptune_attention_weighted(long m, long n, long d, float alpha, const float *p, long ldp, const float *x, long ldx,
                              float beta, float *y, long ldy, long causal_offset);

/// g[j, :d] = alpha * sum_i p[i, j] x[i, :d] (+ beta * g[j, :d] when beta is not 0) for j < n, the sum over
/// i in order from the first row that sees key j; p as for ptune_attention_weighted.
void ptune_attention_weighted_transposed(long m, long n, long d, float alpha, const float *p, long ldp, const float *x,
                                         long ldx, float beta, float *g, long ldg, long causal_offset);

/// The constants of one Adam step (AdamOptimizer.step computes them): l2 is the decay added to the
/// gradient (Adam), decayed the factor the parameters are multiplied by first (AdamW), step_size the
/// learning rate over 1 - beta1^t, correction2 sqrt(1 - beta2^t).
typedef struct {
    float beta1, beta2, epsilon, gradient_scale, l2, decayed, step_size, correction2;
} ptune_adam_constants;

/// One Adam update of p [count] from g * gradient_scale, with the moments m and v, element by element:
/// g' = g * scale + l2 * p; p = p * decayed; m = beta1 m + (1 - beta1) g'; v = beta2 v + (1 - beta2) g' g';
/// p = p - step_size * m / (sqrt(v) / correction2 + epsilon), each operation rounded (no fused
/// multiply-adds), so every element's bits are those of the same steps one value at a time.
void ptune_adam_update(float *p, const float *g, float *m, float *v, long count, const ptune_adam_constants *k);

/// The sum of x[i]^2 for i < count in double: element i in lane i mod 16 of sixteen running sums, the
/// lanes then added in order, so every compilation gives the same bits.
double ptune_sum_squares(const float *x, long count);

/// One Adam update of the rows [row_begin, row_end) of a matrix p [rows, columns] (m and v alike) whose
/// gradient is given as a product: g = a^T b, a [depth, rows] and b [depth, columns], g[r, c] the sum over
/// t < depth of a[t, r] * b[t, c] in order of t, each product and sum rounded (0 when depth is 0). Each
/// element's bits are those of forming g so and then calling ptune_adam_update.
void ptune_adam_update_product(float *p, float *m, float *v, const float *a, const float *b, long depth, long rows,
                               long columns, long row_begin, long row_end, const ptune_adam_constants *k);

/// The squared Frobenius norm of a^T b (a [depth, rows], b [depth, columns]) in double without forming it:
/// the sum over s, t of (a a^T)[s, t] * (b b^T)[s, t], each of those dot products summed as
/// ptune_sum_squares sums; 0 when rounding makes the sum negative, NaN when a factor holds a NaN or an
/// infinity that meets a zero or an opposite infinity.
double ptune_sum_squares_of_product(const float *a, const float *b, long depth, long rows, long columns);

#endif
