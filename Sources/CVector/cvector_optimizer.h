// The optimizer's update (cvector.h), compiled with cvector_body.h by its three compilations. Swift's
// SIMD types compile to SSE2 here, four floats an instruction and a square root and a division each
// per four; this is the same arithmetic sixteen floats at a time in the CPU's widest registers.

TARGET void NAME(ptune_adam_update)(float *p, const float *g, float *m, float *v, long count,
                                    const ptune_adam_constants *k) {
    const float b1 = k->beta1, b2 = k->beta2, scale = k->gradient_scale, l2 = k->l2, decayed = k->decayed;
    const float step_size = k->step_size, correction2 = k->correction2, eps = k->epsilon;
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        v16f pi = NAME(load)(p + i, 16);
        v16f gi = NAME(load)(g + i, 16) * scale + l2 * pi;
        pi = pi * decayed;
        v16f mi = b1 * NAME(load)(m + i, 16) + (1 - b1) * gi;
        v16f vi = b2 * NAME(load)(v + i, 16) + (1 - b2) * gi * gi;
        pi = pi - step_size * mi / (__builtin_elementwise_sqrt(vi) / correction2 + eps);
        NAME(store)(p + i, pi, 16);
        NAME(store)(m + i, mi, 16);
        NAME(store)(v + i, vi, 16);
    }
    for (; i < count; i++) {
        float gi = g[i] * scale + l2 * p[i];
        p[i] = p[i] * decayed;
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        p[i] = p[i] - step_size * m[i] / (sqrtf(v[i]) / correction2 + eps);
    }
}

// The sum of x[i] * y[i] for i < count in double: element i in lane i mod 16, the lanes then added in order.
TARGET __attribute__((always_inline)) static inline double NAME(dot_double)(const float *x, const float *y, long count) {
    v16d lanes = {0};
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        lanes = lanes + __builtin_convertvector(NAME(load)(x + i, 16), v16d) *
                        __builtin_convertvector(NAME(load)(y + i, 16), v16d);
    }
    for (; i < count; i++) lanes[i % 16] += (double)x[i] * (double)y[i];
    double sum = 0;
    for (int lane = 0; lane < 16; lane++) sum += lanes[lane];
    return sum;
}

TARGET double NAME(ptune_sum_squares)(const float *x, long count) { return NAME(dot_double)(x, x, count); }

// g [count, chunk]: row i (i < count <= ROWS_AT_ONCE) holds, for j < n, the sum over t < depth of
// a[t * a_stride + i] * b[t * b_stride + j], t in order, the first term a product and each later one
// added (no fused multiply-adds), so every element's bits are those of the same sum one value at a time;
// all zeros when depth is 0. ROWS_AT_ONCE rows at a time: each vector of b loaded once for as many
// independent chains of additions; a chunk of columns is 32 KB of g.
enum { PRODUCT_CHUNK = 8192 / ROWS_AT_ONCE };

TARGET __attribute__((always_inline)) static inline void NAME(product_rows)(float g[][PRODUCT_CHUNK], long count,
                                                                          const float *a, long a_stride,
                                                                          const float *b, long b_stride, long depth,
                                                                          long n) {
    // Rows past count repeat the last one and are not stored.
    long row[ROWS_AT_ONCE];
    for (long i = 0; i < ROWS_AT_ONCE; i++) row[i] = i < count ? i : count - 1;
    for (long j = 0; j < n; j += 16) {
        const long w = n - j;
        v16f sums[ROWS_AT_ONCE] = {{0}};
        for (long t = 0; t < depth; t++) {
            const float *at = a + t * a_stride;
            const v16f bt = NAME(load)(b + t * b_stride + j, w);
            for (long i = 0; i < ROWS_AT_ONCE; i++) {
                const v16f term = at[row[i]] * bt;
                sums[i] = t == 0 ? term : sums[i] + term;
            }
        }
        for (long i = 0; i < count; i++) NAME(store)(g[i] + j, sums[i], w);
    }
}

TARGET void NAME(ptune_adam_update_product)(float *p, float *m, float *v, const float *a, const float *b, long depth,
                                            long rows, long columns, long row_begin, long row_end,
                                            const ptune_adam_constants *k) {
    float g[ROWS_AT_ONCE][PRODUCT_CHUNK] __attribute__((aligned(64)));
    for (long r = row_begin; r < row_end; r += ROWS_AT_ONCE) {
        const long count = row_end - r < ROWS_AT_ONCE ? row_end - r : ROWS_AT_ONCE;
        for (long c = 0; c < columns; c += PRODUCT_CHUNK) {
            const long n = columns - c < PRODUCT_CHUNK ? columns - c : PRODUCT_CHUNK;
            NAME(product_rows)(g, count, a + r, rows, b + c, columns, depth, n);
            for (long i = 0; i < count; i++) {
                const long at = (r + i) * columns + c;
                NAME(ptune_adam_update)(p + at, g[i], m + at, v + at, n, k);
            }
        }
    }
}

TARGET double NAME(ptune_sum_squares_of_product)(const float *a, const float *b, long depth, long rows, long columns) {
    double sum = 0;
    for (long s = 0; s < depth; s++) {
        for (long t = s; t < depth; t++) {
            const double term = NAME(dot_double)(a + s * rows, a + t * rows, rows) *
                                NAME(dot_double)(b + s * columns, b + t * columns, columns);
            sum += s == t ? term : 2 * term;
        }
    }
    return sum < 0 ? 0 : sum;
}
