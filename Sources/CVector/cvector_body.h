// The kernels of cvector.h for one instruction set: included by cvector_avx512.c, cvector_avx2.c and
// cvector.c with TARGET (a function attribute), SUFFIX (the name's ending), ROWS_AT_ONCE (the rows of a
// few-row product kept in registers together) and ROW_BLOCK_VECTORS (the sixteen-float vectors of each such
// row that the few-row backward sums at once) defined. The vectors are
// clang's sixteen-float vector type, which each instruction set lowers to its own registers; every
// operation is written out, and contraction into fused multiply-adds is off, so that the three
// compilations give the same bits for every result that is not NaN (a NaN's sign and payload may
// differ: the compilers order a product's operands differently).
#include <math.h>
#include <string.h>

#pragma clang fp contract(off)
// The helpers below pass sixteen-float vectors by value; they are always inlined, so no call ever
// uses the vector ABI that warning is about.
#pragma clang diagnostic ignored "-Wpsabi"

#define JOIN_(name, suffix) name##_##suffix
#define JOIN(name, suffix) JOIN_(name, suffix)
#define NAME(name) JOIN(name, SUFFIX)

typedef float v16f __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));
typedef unsigned v16u __attribute__((vector_size(64)));
typedef double v16d __attribute__((vector_size(128)));

// Whole groups of sixteen are copied with a constant size (one vector load or store); only a last,
// shorter group takes a copy of variable length.
TARGET __attribute__((always_inline)) static inline v16f NAME(load)(const float *p, long n) {
    v16f v = {0};
    if (n >= 16) {
        memcpy(&v, p, sizeof v);
    } else if (n > 0) {
        memcpy(&v, p, (size_t)n * sizeof(float));
    }
    return v;
}

TARGET __attribute__((always_inline)) static inline void NAME(store)(float *p, v16f v, long n) {
    if (n >= 16) {
        memcpy(p, &v, sizeof v);
    } else if (n > 0) {
        memcpy(p, &v, (size_t)n * sizeof(float));
    }
}

TARGET __attribute__((always_inline)) static inline v16f NAME(select)(v16i mask, v16f yes, v16f no) {
    return (v16f)((mask & (v16i)yes) | (~mask & (v16i)no));
}

// exp(x) = 2^n * exp(r), n = round(x / ln 2), |r| <= ln 2 / 2 with ln 2 split in two for an exact
// reduction; exp(r) = 1 + r + r^2 p(r), p a degree-5 minimax polynomial.
TARGET __attribute__((always_inline)) static inline v16f NAME(exp)(v16f x) {
    const v16f low = (v16f){0} - 87.3f, high = (v16f){0} + 88.3f;
    v16f clamped = NAME(select)(x < low, low, x);
    clamped = NAME(select)(clamped > high, high, clamped);
    // Adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
    v16f shifted = clamped * 1.44269504f + 0x1.8p23f;
    v16f n = shifted - 0x1.8p23f;
    v16f r = clamped - n * 0.693359375f + n * 2.1219444e-4f;
    v16f p = (v16f){0} + 1.9875691e-4f;
    p = p * r + 1.3981999e-3f;
    p = p * r + 8.333452e-3f;
    p = p * r + 4.1665796e-2f;
    p = p * r + 0.16666665f;
    p = p * r + 0.5f;
    v16f exp_r = 1.0f + r + r * r * p;
    v16u bits = (((v16u)shifted - 0x4B400000u) + 127u) << 23;
    return exp_r * (v16f)bits;
}

TARGET __attribute__((always_inline)) static inline v16f NAME(sigmoid)(v16f x) { return 1.0f / (1.0f + NAME(exp)(-x)); }

// 2 sqrt(2/pi) and 2 sqrt(2/pi) 0.044715: GELU's sigmoid argument is g (A + B g^2).
#define GELU_A 1.5957691216057308f
#define GELU_B 0.0713548162726009f

TARGET __attribute__((always_inline)) static inline v16f NAME(inner)(int activation, v16f g) {
    return activation == PTUNE_GATE_SILU ? g : g * (GELU_A + GELU_B * g * g);
}

TARGET __attribute__((always_inline)) static inline v16f NAME(inner_slope)(int activation, v16f g) {
    return activation == PTUNE_GATE_SILU ? (v16f){0} + 1.0f : GELU_A + 3.0f * GELU_B * g * g;
}

TARGET void NAME(ptune_gated_forward)(int activation, const float *gate_up, long rows, long width, float *out) {
    for (long r = 0; r < rows; r++) {
        const float *gate = gate_up + r * 2 * width, *up = gate + width;
        for (long i = 0; i < width; i += 16) {
            long n = width - i;
            v16f g = NAME(load)(gate + i, n), u = NAME(load)(up + i, n);
            NAME(store)(out + r * width + i, g * NAME(sigmoid)(NAME(inner)(activation, g)) * u, n);
        }
    }
}

TARGET void NAME(ptune_gated_backward)(int activation, const float *gate_up, const float *d_out, long rows,
                                       long width, float *d_gate_up) {
    for (long r = 0; r < rows; r++) {
        const float *gate = gate_up + r * 2 * width, *up = gate + width;
        float *d_gate = d_gate_up + r * 2 * width, *d_up = d_gate + width;
        for (long i = 0; i < width; i += 16) {
            long n = width - i;
            v16f g = NAME(load)(gate + i, n), u = NAME(load)(up + i, n), d = NAME(load)(d_out + r * width + i, n);
            v16f s = NAME(sigmoid)(NAME(inner)(activation, g));
            NAME(store)(d_gate + i, d * u * (s + g * s * (1.0f - s) * NAME(inner_slope)(activation, g)), n);
            NAME(store)(d_up + i, d * g * s, n);
        }
    }
}

// A row's sum of a[i] * b[i] * c[i] (c may be NULL: a[i] * b[i]) in sixteen partial sums, element i in
// lane i mod 16, then the lanes added in order. A last short group is added element by element into its
// lanes (variable-length copies into a vector would each be a call).
TARGET __attribute__((always_inline)) static inline float NAME(lane_sum)(const float *a, const float *b,
                                                                           const float *c, long count) {
    v16f sums = {0};
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        v16f product = NAME(load)(a + i, 16) * NAME(load)(b + i, 16);
        sums += c ? product * NAME(load)(c + i, 16) : product;
    }
    for (; i < count; i++) sums[i & 15] += c ? a[i] * b[i] * c[i] : a[i] * b[i];
    float sum = 0;
    for (int lane = 0; lane < 16; lane++) sum += sums[lane];
    return sum;
}

TARGET void NAME(ptune_rms_norm_forward)(const float *x, const float *gain, float eps, long rows, long width,
                                         float *y, float *rstd) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * width;
        float *yr = y + r * width;
        float s = 1.0f / sqrtf(NAME(lane_sum)(xr, xr, 0, width) / (float)width + eps);
        rstd[r] = s;
        for (long i = 0; i < width; i += 16) {
            long n = width - i;
            NAME(store)(yr + i, NAME(load)(xr + i, n) * s * NAME(load)(gain + i, n), n);
        }
    }
}

TARGET void NAME(ptune_rms_norm_backward)(const float *x, const float *gain, const float *rstd, const float *dy,
                                          long rows, long width, float *dx, int accumulate) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * width, *dyr = dy + r * width;
        float *dxr = dx + r * width;
        float s = rstd[r];
        float k = NAME(lane_sum)(gain, dyr, xr, width) * s * s * s / (float)width;
        for (long i = 0; i < width; i += 16) {
            long n = width - i;
            v16f g = s * NAME(load)(gain + i, n) * NAME(load)(dyr + i, n) - NAME(load)(xr + i, n) * k;
            NAME(store)(dxr + i, accumulate ? NAME(load)(dxr + i, n) + g : g, n);
        }
    }
}

TARGET void NAME(ptune_vector_exp)(const float *in, long count, float *out) {
    for (long i = 0; i < count; i += 16) NAME(store)(out + i, NAME(exp)(NAME(load)(in + i, count - i)), count - i);
}

TARGET float NAME(ptune_vector_exp_sum)(const float *in, long count, float shift, float *out) {
    v16f sums = {0};
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        v16f e = NAME(exp)(NAME(load)(in + i, 16) - shift);
        NAME(store)(out + i, e, 16);
        sums += e;
    }
    float sum = 0;
    for (int lane = 0; lane < 16; lane++) sum += sums[lane];
    for (; i < count; i++) {
        out[i] = expf(in[i] - shift);
        sum += out[i];
    }
    return sum;
}

// The end of the columns row r of a causal softmax covers (causal_offset < 0: every column).
TARGET __attribute__((always_inline)) static inline long NAME(causal_end)(long r, long width, long causal_offset) {
    return causal_offset >= 0 && r + causal_offset + 1 < width ? r + causal_offset + 1 : width;
}

// Rows' causal lengths leave a short last group in most rows: it is done element by element, with the
// same operations, so that no variable-length copy (a call) runs per row.
TARGET void NAME(ptune_softmax_rows)(float *x, long rows, long width, long causal_offset, long window) {
    for (long r = 0; r < rows; r++) {
        float *row = x + r * width;
        long end = NAME(causal_end)(r, width, causal_offset);
        long start = window >= 0 && end - window > 0 ? end - window : 0;
        memset(row, 0, (size_t)start * sizeof(float));
        float *seen = row + start;
        long n = end - start, whole = n & ~15L;
        v16f maxima = (v16f){0} - INFINITY;
        for (long i = 0; i < whole; i += 16) {
            v16f v = NAME(load)(seen + i, 16);
            maxima = NAME(select)(v > maxima, v, maxima);
        }
        float largest = -INFINITY;
        for (int lane = 0; lane < 16; lane++) largest = maxima[lane] > largest ? maxima[lane] : largest;
        for (long i = whole; i < n; i++) largest = seen[i] > largest ? seen[i] : largest;
        float inverse = 1.0f / NAME(ptune_vector_exp_sum)(seen, n, largest, seen);
        for (long i = 0; i < whole; i += 16) NAME(store)(seen + i, NAME(load)(seen + i, 16) * inverse, 16);
        for (long i = whole; i < n; i++) seen[i] *= inverse;
        memset(row + end, 0, (size_t)(width - end) * sizeof(float));
    }
}

TARGET void NAME(ptune_softmax_backward_rows)(const float *p, float *dp, long rows, long width, long causal_offset) {
    for (long r = 0; r < rows; r++) {
        const float *pr = p + r * width;
        float *dr = dp + r * width;
        long n = NAME(causal_end)(r, width, causal_offset);
        long whole = n & ~15L;
        float dot = NAME(lane_sum)(pr, dr, 0, n);
        for (long i = 0; i < whole; i += 16)
            NAME(store)(dr + i, NAME(load)(pr + i, 16) * (NAME(load)(dr + i, 16) - dot), 16);
        for (long i = whole; i < n; i++) dr[i] = pr[i] * (dr[i] - dot);
        memset(dr + n, 0, (size_t)(width - n) * sizeof(float));
    }
}

// Weights kept in row blocks (int8 values with an fp32 scale per row and block of 32 columns, a Q8_0
// tensor's layout): sixteen of them, values[0, n), widened to fp32 in registers as q * scale, the value
// the widened products multiply.
TARGET __attribute__((always_inline)) static inline v16f NAME(block_weights)(const signed char *values, float scale,
                                                                               long n) {
    typedef signed char v16c __attribute__((vector_size(16)));
    v16c bytes = {0};
    if (n >= 16) {
        memcpy(&bytes, values, sizeof bytes);
    } else if (n > 0) {
        memcpy(&bytes, values, (size_t)n);
    }
    return __builtin_convertvector(bytes, v16f) * scale;
}

// c[i, r] for `rows_a` (at most ROWS_AT_ONCE) rows of a and rows r in [first, first + count) of W: each a
// lane sum (element k in lane k mod 16, the lanes then added in order). Called with rows_a = ROWS_AT_ONCE
// for whole groups of rows, so that the sums stay in registers: eight with AVX-512's 32 registers, four
// where sixteen-float vectors take two registers each of sixteen. A row's sum does not depend on which rows
// go with it, so every compilation gives the same bits.
TARGET __attribute__((always_inline)) static inline void NAME(row_blocks_forward_rows)(
    const signed char *W, const float *scales, long columns, long first, long count, const float *a, long rows_a,
    long lda, float beta, float *c, long ldc) {
    long blocks = (columns + 31) / 32;
    for (long r = first; r < first + count; r++) {
        v16f sums[ROWS_AT_ONCE];
        for (int i = 0; i < ROWS_AT_ONCE; i++) sums[i] = (v16f){0};
        for (long k = 0; k < columns; k += 16) {
            v16f w = NAME(block_weights)(W + r * columns + k, scales[r * blocks + k / 32], columns - k);
            for (long i = 0; i < rows_a; i++) sums[i] += NAME(load)(a + i * lda + k, columns - k) * w;
        }
        for (long i = 0; i < rows_a; i++) {
            float sum = 0;
            for (int lane = 0; lane < 16; lane++) sum += sums[i][lane];
            float *out = c + i * ldc + r;
            *out = beta == 0 ? sum : beta * *out + sum;
        }
    }
}

TARGET void NAME(ptune_row_blocks_forward)(const signed char *W, const float *scales, long columns, long first,
                                           long count, const float *a, long m, long lda, float beta, float *c,
                                           long ldc) {
    long i = 0;
    for (; i + ROWS_AT_ONCE <= m; i += ROWS_AT_ONCE)
        NAME(row_blocks_forward_rows)(W, scales, columns, first, count, a + i * lda, ROWS_AT_ONCE, lda, beta,
                                      c + i * ldc, ldc);
    if (i < m)
        NAME(row_blocks_forward_rows)(W, scales, columns, first, count, a + i * lda, m - i, lda, beta, c + i * ldc,
                                      ldc);
}

// c[i, k] for `rows_a` (at most ROWS_AT_ONCE) rows of a and `vectors` (at most ROW_BLOCK_VECTORS) runs of
// sixteen columns from k = column, of which only the first `width` columns (those left in the span) are
// read and written: each sum kept in a register over all of W's rows in order, so that this tile reads
// its columns of W once and writes c once. Called with constant counts for whole tiles, so that the
// sums stay in registers (the portable compilation's sixteen SSE registers still spill some).
TARGET __attribute__((always_inline)) static inline void NAME(row_blocks_backward_tile)(
    const signed char *W, const float *scales, long rows, long columns, const float *a, long rows_a, long lda,
    long column, long vectors, long width, float beta, float *c, long ldc) {
    long blocks = (columns + 31) / 32;
    v16f sums[ROWS_AT_ONCE][ROW_BLOCK_VECTORS];
    for (long i = 0; i < rows_a; i++) {
        for (long v = 0; v < vectors; v++) {
            sums[i][v] = beta == 0 ? (v16f){0} : beta * NAME(load)(c + i * ldc + column + 16 * v, width - 16 * v);
        }
    }
    for (long r = 0; r < rows; r++) {
        v16f w[ROW_BLOCK_VECTORS];
        for (long v = 0; v < vectors; v++) {
            long k = column + 16 * v;
            w[v] = NAME(block_weights)(W + r * columns + k, scales[r * blocks + k / 32], width - 16 * v);
        }
        for (long i = 0; i < rows_a; i++) {
            for (long v = 0; v < vectors; v++) sums[i][v] = sums[i][v] + a[i * lda + r] * w[v];
        }
    }
    for (long i = 0; i < rows_a; i++) {
        for (long v = 0; v < vectors; v++) NAME(store)(c + i * ldc + column + 16 * v, sums[i][v], width - 16 * v);
    }
}

TARGET void NAME(ptune_row_blocks_backward)(const signed char *W, const float *scales, long rows, long columns,
                                            const float *a, long m, long lda, long column, long span, float beta,
                                            float *c, long ldc) {
    for (long i = 0; i < m; i += ROWS_AT_ONCE) {
        long rows_a = m - i < ROWS_AT_ONCE ? m - i : ROWS_AT_ONCE;
        for (long j = 0; j < span; j += 16 * ROW_BLOCK_VECTORS) {
            long width = span - j;
            if (rows_a == ROWS_AT_ONCE && width >= 16 * ROW_BLOCK_VECTORS) {
                NAME(row_blocks_backward_tile)(W, scales, rows, columns, a + i * lda, ROWS_AT_ONCE, lda, column + j,
                                               ROW_BLOCK_VECTORS, 16 * ROW_BLOCK_VECTORS, beta, c + i * ldc, ldc);
            } else {
                long vectors = (width + 15) / 16 < ROW_BLOCK_VECTORS ? (width + 15) / 16 : ROW_BLOCK_VECTORS;
                NAME(row_blocks_backward_tile)(W, scales, rows, columns, a + i * lda, rows_a, lda, column + j, vectors,
                                               width, beta, c + i * ldc, ldc);
            }
        }
    }
}

TARGET void NAME(ptune_rotate_heads)(float *row, long heads, long head_dim, const float *cos, const float *sin,
                                     float sign, int adjacent_pairs) {
    long half = head_dim / 2, whole = half & ~15L;
    for (long h = 0; h < heads; h++) {
        float *v = row + h * head_dim;
        if (adjacent_pairs) {
            for (long i = 0; i < whole; i += 16) {
                v16f low = NAME(load)(v + 2 * i, 16), high = NAME(load)(v + 2 * i + 16, 16);
                // The pairs' first and second values apart, rotated, then interleaved again.
                v16f x = __builtin_shufflevector(low, high, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28,
                                                 30);
                v16f y = __builtin_shufflevector(low, high, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29,
                                                 31);
                v16f c = NAME(load)(cos + i, 16), s = sign * NAME(load)(sin + i, 16);
                v16f rx = x * c - y * s, ry = x * s + y * c;
                v16f first = __builtin_shufflevector(rx, ry, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
                v16f second = __builtin_shufflevector(rx, ry, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15,
                                                      31);
                NAME(store)(v + 2 * i, first, 16);
                NAME(store)(v + 2 * i + 16, second, 16);
            }
            for (long i = whole; i < half; i++) {
                float x = v[2 * i], y = v[2 * i + 1], s = sign * sin[i];
                v[2 * i] = x * cos[i] - y * s;
                v[2 * i + 1] = x * s + y * cos[i];
            }
        } else {
            float *w = v + half;
            for (long i = 0; i < whole; i += 16) {
                v16f x = NAME(load)(v + i, 16), y = NAME(load)(w + i, 16);
                v16f c = NAME(load)(cos + i, 16), s = sign * NAME(load)(sin + i, 16);
                NAME(store)(v + i, x * c - y * s, 16);
                NAME(store)(w + i, x * s + y * c, 16);
            }
            for (long i = whole; i < half; i++) {
                float x = v[i], y = w[i], s = sign * sin[i];
                v[i] = x * cos[i] - y * s;
                w[i] = x * s + y * cos[i];
            }
        }
    }
}
