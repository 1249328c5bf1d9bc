// The int8 entry points of cint8.h: the choice of kernel, quantizing and widening, and the portable
// product every other kernel must equal.
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

// x * inverse rounded to nearest, ties to even (rintf in the default rounding mode, which the compiler
// turns into vector instructions where lrintf would be a call per value).
__attribute__((always_inline)) static inline int8_t scaled(float x, float inverse) { return (int8_t)(int)__builtin_rintf(x * inverse); }

// `largest` or `value`'s magnitude, whichever is larger; a NaN, once met, stays.
__attribute__((always_inline)) static inline float larger_magnitude(float largest, float value) {
    float magnitude = __builtin_fabsf(value);
    return magnitude > largest || magnitude != magnitude ? magnitude : largest;
}

// The scale of values whose largest magnitude is `largest` (largest / 127: 0 for zeros, NaN for a NaN
// or an infinity, so that the products are NaN as they would be in fp32), and its inverse in `inverse`.
__attribute__((always_inline)) static inline float scale_of(float largest, float *inverse) {
    if (largest == __builtin_inff()) largest = __builtin_nanf("");
    *inverse = largest > 0 ? 127.0f / largest : 0;
    return largest / 127.0f;
}

// `count` (at most 32) values scaled by 127 / their largest magnitude, rounded, zero-filled to 32;
// returns their scale.
__attribute__((always_inline)) static inline float quantize_block(const float *in, long count, int8_t *out) {
    float largest = 0;
    for (long i = 0; i < count; i++) largest = larger_magnitude(largest, in[i]);
    float inverse;
    float scale = scale_of(largest, &inverse);
    if (count == PTUNE_I8_BLOCK) {
        for (long i = 0; i < PTUNE_I8_BLOCK; i++) out[i] = scaled(in[i], inverse);
    } else {
        for (long i = 0; i < count; i++) out[i] = scaled(in[i], inverse);
        for (long i = count; i < PTUNE_I8_BLOCK; i++) out[i] = 0;
    }
    return scale;
}

__attribute__((always_inline))
static inline void quantize_rows(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    long blocks = ldo / PTUNE_I8_BLOCK;
    for (long r = 0; r < rows; r++) {
        for (long b = 0; b < blocks; b++) {
            long first = b * PTUNE_I8_BLOCK;
            long count = columns - first < PTUNE_I8_BLOCK ? (columns - first > 0 ? columns - first : 0) : PTUNE_I8_BLOCK;
            scales[r * blocks + b] = quantize_block(in + r * ldi + first, count, out + r * ldo + first);
        }
    }
}

// The same code compiled for each instruction set, so that the compiler vectorizes it with the widest
// one (x86-64's baseline has no vector rounding); every version computes the same values.
__attribute__((target("avx512f,avx512bw,avx512vl")))
static void quantize_rows_avx512(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    quantize_rows(in, rows, columns, ldi, out, ldo, scales);
}

__attribute__((target("avx2,fma")))
static void quantize_rows_avx2(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    quantize_rows(in, rows, columns, ldi, out, ldo, scales);
}

void ptune_i8_quantize_rows(const float *in, long rows, long columns, long ldi, int8_t *out, long ldo, float *scales) {
    switch (ptune_i8_kernel()) {
    case PTUNE_I8_AVX512: quantize_rows_avx512(in, rows, columns, ldi, out, ldo, scales); break;
    case PTUNE_I8_AVX2: quantize_rows_avx2(in, rows, columns, ldi, out, ldo, scales); break;
    default: quantize_rows(in, rows, columns, ldi, out, ldo, scales);
    }
}

void ptune_i8_quantize_band(const float *in, long rows, long columns, int8_t *out, float *scales) {
    for (long first = 0; first < columns; first += PTUNE_I8_BLOCK) {
        long span = columns - first < PTUNE_I8_BLOCK ? columns - first : PTUNE_I8_BLOCK;
        float largest = 0;
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < span; c++) largest = larger_magnitude(largest, in[r * columns + first + c]);
        }
        float inverse;
        scales[first / PTUNE_I8_BLOCK] = scale_of(largest, &inverse);
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < span; c++) out[r * columns + first + c] = scaled(in[r * columns + first + c], inverse);
        }
    }
}

void ptune_i8_widen(const int8_t *W, const float *scales, long columns, long first, long count, long column,
                    long span, float *out, long ldo) {
    long tiles = (columns + 31) / 32;
    for (long r = 0; r < count; r++) {
        long row = first + r;
        const float *band = scales + (row / PTUNE_I8_BLOCK) * tiles;
        for (long c = 0; c < span; c++) {
            long at = column + c;
            out[r * ldo + c] = (float)W[row * columns + at] * band[at / PTUNE_I8_BLOCK];
        }
    }
}

void ptune_i8_widen_row_blocks(const int8_t *W, const float *scales, long columns, long first, long count,
                               long column, long span, float *out, long ldo) {
    long blocks = (columns + PTUNE_I8_BLOCK - 1) / PTUNE_I8_BLOCK;
    for (long r = 0; r < count; r++) {
        const int8_t *values = W + (first + r) * columns;
        const float *row_scales = scales + (first + r) * blocks;
        float *target = out + r * ldo;
        for (long start = 0; start < span; start += PTUNE_I8_BLOCK) {
            long end = start + PTUNE_I8_BLOCK < span ? start + PTUNE_I8_BLOCK : span;
            float scale = row_scales[(column + start) / PTUNE_I8_BLOCK];
            for (long c = start; c < end; c++) target[c] = (float)values[column + c] * scale;
        }
    }
}

void ptune_i8_gemm(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                   const float *b_scales, int b_transposed, float beta, float *C, int ldc, int column_begin,
                   int column_end) {
    switch (ptune_i8_kernel()) {
    case PTUNE_I8_AVX512:
        ptune_i8_gemm_avx512(M, N, K, A, a_scales, lda, B, b_scales, b_transposed, beta, C, ldc, column_begin, column_end);
        break;
    case PTUNE_I8_AVX2:
        ptune_i8_gemm_avx2(M, N, K, A, a_scales, lda, B, b_scales, b_transposed, beta, C, ldc, column_begin, column_end);
        break;
    default:
        ptune_i8_gemm_portable(M, N, K, A, a_scales, lda, B, b_scales, b_transposed, beta, C, ldc, column_begin,
                               column_end);
    }
}

// The worker threads live as long as the process, so their buffers are never freed.
static _Thread_local void *thread_buffer[2];
static _Thread_local size_t thread_buffer_bytes[2];

void *ptune_i8_buffer(int slot, size_t bytes) {
    bytes = (bytes + 63) / 64 * 64;
    if (bytes > thread_buffer_bytes[slot]) {
        free(thread_buffer[slot]);
        thread_buffer[slot] = aligned_alloc(64, bytes);
        if (!thread_buffer[slot]) abort();
        thread_buffer_bytes[slot] = bytes;
    }
    return thread_buffer[slot];
}

void ptune_i8_gemm_portable(int M, int N, int K, const int8_t *A, const float *a_scales, int lda, const int8_t *B,
                            const float *b_scales, int b_transposed, float beta, float *C, int ldc, int column_begin,
                            int column_end) {
    int blocks = lda / PTUNE_I8_BLOCK;
    for (int i = 0; i < M; i++) {
        for (int n = column_begin; n < column_end; n++) {
            float sum = 0;
            for (int b = 0; b < blocks; b++) {
                int32_t dot = 0;
                for (int t = 0; t < PTUNE_I8_BLOCK; t++) {
                    int k = b * PTUNE_I8_BLOCK + t;
                    dot += (int32_t)A[(size_t)i * lda + k] * ptune_i8_at(B, b_transposed, N, K, k, n);
                }
                float scale = a_scales[(size_t)i * blocks + b] * ptune_i8_tile_scale(b_scales, b_transposed, N, K, b, n);
                sum = __builtin_fmaf((float)dot, scale, sum);
            }
            float *out = C + (size_t)i * ldc + n;
            *out = beta != 0 ? sum + *out : sum;
        }
    }
}
