// Attention's small products (cvector.h), compiled with cvector_body.h by its three compilations, which
// define ATTENTION_VECTORS (the sixteen-float vectors of a tile's row kept in registers: four with
// AVX-512's 32 registers, one where a vector takes two registers of sixteen) and, in the portable one,
// ATTENTION_UNFUSED. Every sum runs over one index in order, one running sum per output, with fused
// multiply-adds in the AVX-512 and AVX2 compilations, so the tiles' shapes change no bit and those two
// agree on every result that is not NaN; the portable one rounds each product and sum apart. Written
// here rather than as OpenBLAS calls: a (segment, head)'s products are a few dozen rows and columns
// each, where a call's own set-up and packing cost as much as the arithmetic, and they skip the causal
// square's upper half, which a product cannot.

// Rows of a tile: queries (scores, weighted sums) or keys (transposed weighted sums).
#define ATTENTION_ROWS 4

// Every lane `value` (0 + value would not do: it turns -0 into +0, so the compiler must add).
TARGET __attribute__((always_inline)) static inline v16f NAME(splat)(float value) {
    v16f v;
    for (int lane = 0; lane < 16; lane++) v[lane] = value;
    return v;
}

// Sixteen values from p, or the first `count` and zeros when `whole` is 0 (a constant where inlined,
// so whole tiles load without a branch).
TARGET __attribute__((always_inline)) static inline v16f NAME(tile_load)(const float *p, long count, int whole) {
    return whole ? NAME(load)(p, 16) : NAME(load)(p, count);
}

// Calls tile(ROWS, VECTORS, WHOLE, ...) with the tile's rows, vectors and whole-loads flag as constants
// for a full tile (each count of vectors up to ATTENTION_VECTORS), so that its sums stay in registers;
// the last rows of a product take the general form.
#define ATTENTION_TILE(tile, rows, vectors, whole, ...)                                             \
    do {                                                                                            \
        if ((rows) == ATTENTION_ROWS && (whole) && (vectors) == ATTENTION_VECTORS)                  \
            tile(ATTENTION_ROWS, ATTENTION_VECTORS, 1, __VA_ARGS__);                                \
        else if ((rows) == ATTENTION_ROWS && (whole) && (vectors) == 1)                             \
            tile(ATTENTION_ROWS, 1, 1, __VA_ARGS__);                                                \
        else if ((rows) == ATTENTION_ROWS && (whole) && (vectors) == 2)                             \
            tile(ATTENTION_ROWS, 2, 1, __VA_ARGS__);                                                \
        else if ((rows) == ATTENTION_ROWS && (whole) && (vectors) == 3)                             \
            tile(ATTENTION_ROWS, 3, 1, __VA_ARGS__);                                                \
        else                                                                                        \
            tile(rows, vectors, whole, __VA_ARGS__);                                                \
    } while (0)

#if ATTENTION_UNFUSED
// The portable compilation, for CPUs without fused multiply-add instructions: a product and a sum,
// each rounded. The C library's fmaf there is a call per value (1.1 GFLOP/s on one Xeon core against
// OpenBLAS's SSE3 sgemm at 38), and computing it exactly in double was no faster (1.3).
TARGET __attribute__((always_inline)) static inline v16f NAME(fma)(v16f a, v16f b, v16f c) { return a * b + c; }
#else
TARGET __attribute__((always_inline)) static inline v16f NAME(fma)(v16f a, v16f b, v16f c) {
    return __builtin_elementwise_fma(a, b, c);
}
#endif

// out[0, count) = alpha * sum (+ beta * out), count at most 16.
TARGET __attribute__((always_inline)) static inline void NAME(attention_store)(float *out, v16f sum, float alpha,
                                                                               float beta, long count) {
    v16f value = alpha * sum;
    if (beta != 0) value = beta * NAME(load)(out, count) + value;
    NAME(store)(out, value, count);
}

// r[i] becomes (r[0][i], ..., r[15][i]): the off-diagonal blocks of 8, then of 4, 2 and 1 swapped.
TARGET __attribute__((always_inline)) static inline void NAME(transpose16)(v16f r[16]) {
    for (int i = 0; i < 8; i++) {
        v16f a = r[i], b = r[i + 8];
        r[i] = __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        r[i + 8] = __builtin_shufflevector(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    }
    for (int i = 0; i < 16; i++) {
        if (i & 4) continue;
        v16f a = r[i], b = r[i + 4];
        r[i] = __builtin_shufflevector(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        r[i + 4] = __builtin_shufflevector(a, b, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
    }
    for (int i = 0; i < 16; i++) {
        if (i & 2) continue;
        v16f a = r[i], b = r[i + 2];
        r[i] = __builtin_shufflevector(a, b, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        r[i + 2] = __builtin_shufflevector(a, b, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
    }
    for (int i = 0; i < 16; i += 2) {
        v16f a = r[i], b = r[i + 1];
        r[i] = __builtin_shufflevector(a, b, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        r[i + 1] = __builtin_shufflevector(a, b, 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
    }
}

// Blocks of 16 rows x 16 columns through registers; the rest of the rows and columns one by one.
TARGET void NAME(ptune_attention_transpose)(const float *x, long rows, long d, long ldx, float *xt, long ldt) {
    long whole_rows = rows & ~15L, whole_columns = d & ~15L;
    for (long j = 0; j < whole_rows; j += 16) {
        for (long k = 0; k < whole_columns; k += 16) {
            v16f r[16];
            for (int i = 0; i < 16; i++) r[i] = NAME(load)(x + (j + i) * ldx + k, 16);
            NAME(transpose16)(r);
            for (int i = 0; i < 16; i++) NAME(store)(xt + (k + i) * ldt + j, r[i], 16);
        }
        for (long k = whole_columns; k < d; k++)
            for (long i = j; i < j + 16; i++) xt[k * ldt + i] = x[i * ldx + k];
    }
    for (long j = whole_rows; j < rows; j++)
        for (long k = 0; k < d; k++) xt[k * ldt + j] = x[j * ldx + k];
}

// c[r, 16v + t] = alpha * sum_{i in [first, last)} a[r * a_row + i * a_inner] * b[i, 16v + t] (+ beta * c)
// for r < rows, v < vectors, t < 16 and 16v + t < width: one running sum per output, over i in order.
// `whole` (a constant where inlined) loads b's vectors whole, for b rows padded to the tile's width.
TARGET __attribute__((always_inline)) static inline void NAME(product_tile)(long rows, long vectors, int whole,
                                                                            long first, long last, float alpha,
                                                                            const float *a, long a_row, long a_inner,
                                                                            const float *b, long ldb, float beta,
                                                                            float *c, long ldc, long width) {
    v16f sum[ATTENTION_ROWS][ATTENTION_VECTORS];
    for (long r = 0; r < rows; r++)
        for (long v = 0; v < vectors; v++) sum[r][v] = (v16f){0};
    for (long i = first; i < last; i++) {
        v16f x[ATTENTION_VECTORS];
        for (long v = 0; v < vectors; v++) x[v] = NAME(tile_load)(b + i * ldb + 16 * v, width - 16 * v, whole);
        for (long r = 0; r < rows; r++) {
            v16f w = NAME(splat)(a[r * a_row + i * a_inner]);
            for (long v = 0; v < vectors; v++) sum[r][v] = NAME(fma)(w, x[v], sum[r][v]);
        }
    }
    for (long r = 0; r < rows; r++) {
        for (long v = 0; v < vectors; v++)
            NAME(attention_store)(c + r * ldc + 16 * v, sum[r][v], alpha, beta, width - 16 * v);
    }
}

// The vectors of a tile that starts `done` columns into `width`.
TARGET static inline long NAME(tile_vectors)(long width, long done) {
    return (width - done + 15) / 16 < ATTENTION_VECTORS ? (width - done + 15) / 16 : ATTENTION_VECTORS;
}

TARGET void NAME(ptune_attention_scores)(long m, long n, long d, float alpha, const float *a, long lda, const float *bt,
                                         long ldbt, float *c, long ldc, long causal_offset) {
    for (long i = 0; i < m; i += ATTENTION_ROWS) {
        long rows = m - i < ATTENTION_ROWS ? m - i : ATTENTION_ROWS;
        long end = NAME(causal_end)(i + rows - 1, n, causal_offset);
        for (long j = 0; j < end; j += 16 * ATTENTION_VECTORS) {
            long vectors = NAME(tile_vectors)(end, j);
            ATTENTION_TILE(NAME(product_tile), rows, vectors, 1, 0, d, alpha, a + i * lda, lda, 1, bt + j, ldbt, 0,
                           c + i * ldc + j, ldc, n - j);
        }
    }
}

TARGET void NAME(ptune_attention_weighted)(long m, long n, long d, float alpha, const float *p, long ldp,
                                           const float *x, long ldx, float beta, float *y, long ldy,
                                           long causal_offset) {
    for (long i = 0; i < m; i += ATTENTION_ROWS) {
        long rows = m - i < ATTENTION_ROWS ? m - i : ATTENTION_ROWS;
        long end = NAME(causal_end)(i + rows - 1, n, causal_offset);
        for (long column = 0; column < d; column += 16 * ATTENTION_VECTORS) {
            long vectors = NAME(tile_vectors)(d, column);
            ATTENTION_TILE(NAME(product_tile), rows, vectors, d - column >= 16 * vectors, 0, end, alpha,
                           p + i * ldp, ldp, 1, x + column, ldx, beta, y + i * ldy + column, ldy, d - column);
        }
    }
}

TARGET void NAME(ptune_attention_weighted_transposed)(long m, long n, long d, float alpha, const float *p, long ldp,
                                                      const float *x, long ldx, float beta, float *g, long ldg,
                                                      long causal_offset) {
    for (long j = 0; j < n; j += ATTENTION_ROWS) {
        long keys = n - j < ATTENTION_ROWS ? n - j : ATTENTION_ROWS;
        // Rows before j - causal_offset see none of these keys.
        long first = causal_offset >= 0 && j - causal_offset > 0 ? j - causal_offset : 0;
        for (long column = 0; column < d; column += 16 * ATTENTION_VECTORS) {
            long vectors = NAME(tile_vectors)(d, column);
            ATTENTION_TILE(NAME(product_tile), keys, vectors, d - column >= 16 * vectors, first, m, alpha, p + j, 1,
                           ldp, x + column, ldx, beta, g + j * ldg + column, ldg, d - column);
        }
    }
}
