// The bf16 entry points of cbf16.h: the choice of kernel, and the parts every CPU runs the same way
// (rounding one value, packing a panel, the portable product).
#include "cbf16_kernels.h"
#include "ckernel_support.h"
#include <stdlib.h>
#include <string.h>

static int cpu_best(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bf16")) {
        if (__builtin_cpu_supports("amx-tile") && __builtin_cpu_supports("amx-bf16") && ptune_bf16_amx_usable())
            return PTUNE_BF16_AMX;
        return PTUNE_BF16_AVX512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return PTUNE_BF16_AVX2;
#endif
    return PTUNE_BF16_PORTABLE;
}

static ptune_kernel_family family = PTUNE_KERNEL_FAMILY(cpu_best, "PTUNE_BF16_KERNEL", "portable", "avx2", "avx512", "amx");

int ptune_bf16_best_kernel(void) { return ptune_kernel_best(&family); }

int ptune_bf16_kernel(void) { return ptune_kernel_current(&family); }

int ptune_bf16_use_kernel(int kernel) { return ptune_kernel_use(&family, kernel); }

int ptune_bf16_kernel_asked(void) { return ptune_kernel_asked(&family); }

int ptune_bf16_widening_asked(void) {
    const char *asked = getenv(family.variable);
    return asked && strcmp(asked, "widened") == 0;
}

uint16_t ptune_bf16_round(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu)) return (uint16_t)((bits >> 16) | 0x40);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

void ptune_bf16_from_f32(const float *in, uint16_t *out, long count) {
    for (long i = 0; i < count; i++) out[i] = ptune_bf16_round(in[i]);
}

void ptune_bf16_round_segments(int kernel, const float *in, long ldi, long rows, long columns, long padded,
                               uint16_t *out, long ldo, long segment_step) {
    if (kernel >= PTUNE_BF16_AVX512 && ptune_bf16_best_kernel() >= PTUNE_BF16_AVX512) {
        ptune_bf16_round_segments_avx512(in, ldi, rows, columns, padded, out, ldo, segment_step);
        return;
    }
    for (long r = 0; r < rows; r++) {
        for (long c = 0; c < padded; c++) {
            uint16_t *target = out + r * ldo + (c / 32) * segment_step + c % 32;
            if (c >= columns) {
                *target = 0;
                continue;
            }
            float value = in[r * ldi + c];
            uint32_t bits;
            memcpy(&bits, &value, sizeof bits);
            // Subnormals become (signed) zero, as vcvtne2ps2bf16 reads them.
            *target = (bits & 0x7f800000u) == 0 ? (uint16_t)((bits >> 16) & 0x8000u) : ptune_bf16_round(value);
        }
    }
}

void ptune_bf16_round_rows(const float *in, long rows, long columns, uint16_t *out, long ldo) {
    ptune_bf16_round_segments(ptune_bf16_kernel(), in, columns, rows, columns, ldo, out, ldo, 32);
}

void ptune_bf16_widen_rows(const uint16_t *in, long rows, long columns, long ldi, float *out, long ldo) {
    if (ptune_bf16_kernel() >= PTUNE_BF16_AVX512) {
        ptune_bf16_widen_rows_avx512(in, rows, columns, ldi, out, ldo);
        return;
    }
    for (long r = 0; r < rows; r++) {
        for (long c = 0; c < columns; c++) {
            uint32_t bits = (uint32_t)in[r * ldi + c] << 16;
            memcpy(out + r * ldo + c, &bits, sizeof bits);
        }
    }
}

void ptune_bf16_gemm(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                     float beta, float *C, int ldc, int column_begin, int column_end) {
    ptune_bf16_gemm_with(ptune_bf16_kernel(), M, N, K, A, lda, B, b_layout, beta, C, ldc, column_begin, column_end);
}

static int in_panels(int b_layout) {
    return b_layout == PTUNE_BF16_B_PANELS_TRANSPOSED || b_layout == PTUNE_BF16_B_PANELS;
}

// Whether the kernels take B so: a known layout, and columns from a panel's first where B is in panels.
static int takes(int b_layout, int column_begin) {
    return b_layout >= PTUNE_BF16_B_ROWS && b_layout <= PTUNE_BF16_B_PANELS &&
           (!in_panels(b_layout) || column_begin % PTUNE_BF16_PANEL_COLUMNS == 0);
}

int ptune_bf16_gemm_with(int kernel, int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B,
                         int b_layout, float beta, float *C, int ldc, int column_begin, int column_end) {
    if (kernel < 0 || kernel > ptune_bf16_best_kernel() || !takes(b_layout, column_begin)) return 0;
    switch (kernel) {
    case PTUNE_BF16_AMX:
        ptune_bf16_gemm_amx(M, N, K, A, lda, B, b_layout, beta, C, ldc, column_begin, column_end);
        break;
    case PTUNE_BF16_AVX512:
        ptune_bf16_gemm_avx512(M, N, K, A, lda, B, b_layout, beta, C, ldc, column_begin, column_end);
        break;
    case PTUNE_BF16_AVX2:
        ptune_bf16_gemm_avx2(M, N, K, A, lda, B, b_layout, beta, C, ldc, column_begin, column_end);
        break;
    default:
        ptune_bf16_gemm_portable(M, N, K, A, lda, B, b_layout, beta, C, ldc, column_begin, column_end);
    }
    return 1;
}

static long even(long columns) { return (columns + 1) & ~1L; }

long ptune_bf16_operand_elements(int kernel, long rows, long columns) {
    return kernel == PTUNE_BF16_AMX ? ptune_bf16_amx_tiles_elements(rows, columns) : rows * even(columns);
}

void ptune_bf16_round_operand(int kernel, const float *in, long rows, long columns, long first, long count,
                              uint16_t *out) {
    if (kernel == PTUNE_BF16_AMX) {
        ptune_bf16_round_amx_tiles(in, rows, columns, first, count, out);
        return;
    }
    long lda = even(columns);
    ptune_bf16_round_segments(kernel, in, columns, count, columns, lda, out + first * lda, lda, 32);
}

int ptune_bf16_gemm_operand(int kernel, int M, int N, int K, const uint16_t *A, int a_columns, int k_first,
                            const uint16_t *B, int b_layout, float beta, float *C, int ldc, int column_begin,
                            int column_end) {
    if (kernel < 0 || kernel > ptune_bf16_best_kernel() || !takes(b_layout, column_begin)) return 0;
    if (k_first < 0 || k_first % 32 || K < 0 || k_first + K > a_columns || (K % 32 && K != a_columns - k_first)) return 0;
    if (in_panels(b_layout) && (k_first != 0 || K != a_columns)) return 0;
    if (kernel == PTUNE_BF16_AMX) {
        ptune_bf16_gemm_amx_tiles(M, N, K, A, a_columns, k_first, B, b_layout, beta, C, ldc, column_begin, column_end);
        return 1;
    }
    return ptune_bf16_gemm_with(kernel, M, N, K, A + k_first, (int)even(a_columns), B, b_layout, beta, C, ldc,
                                column_begin, column_end);
}

uint16_t *ptune_bf16_panel(int pairs) {
    return ptune_thread_buffer(PTUNE_BUFFER_BF16_PANEL, (size_t)pairs * PTUNE_BF16_PANEL_COLUMNS * 2 * sizeof(uint16_t));
}

static long tiles_of(long columns) { return (columns + PTUNE_BF16_PANEL_COLUMNS - 1) / PTUNE_BF16_PANEL_COLUMNS; }

uint16_t *ptune_bf16_whole_panel(int K) { return ptune_bf16_panel((int)tiles_of(K) * 16); }

long ptune_bf16_panel_elements(long columns) { return tiles_of(columns) * 16 * PTUNE_BF16_PANEL_COLUMNS * 2; }

long ptune_bf16_panels_elements(long rows, long columns) { return tiles_of(rows) * ptune_bf16_panel_elements(columns); }

// Where W[r][c] lies in W [rows, columns] in panels.
static size_t panels_index(long columns, long r, long c) {
    return (size_t)(r / PTUNE_BF16_PANEL_COLUMNS) * (size_t)ptune_bf16_panel_elements(columns) +
           ((size_t)(c / 2) * PTUNE_BF16_PANEL_COLUMNS + (size_t)(r % PTUNE_BF16_PANEL_COLUMNS)) * 2 + (size_t)(c % 2);
}

void ptune_bf16_to_panels(const float *in, long columns, long first, long count, uint16_t *panels) {
    for (long r = 0; r < count; r++) {
        for (long c = 0; c < columns; c++) panels[panels_index(columns, first + r, c)] = ptune_bf16_round(in[r * columns + c]);
    }
}

void ptune_bf16_widen_panels(const uint16_t *panels, long columns, long first, long count, long column, long span,
                             float *out, long ldo) {
    for (long r = 0; r < count; r++) {
        for (long c = 0; c < span; c++) {
            uint32_t bits = (uint32_t)panels[panels_index(columns, first + r, column + c)] << 16;
            memcpy(out + r * ldo + c, &bits, sizeof bits);
        }
    }
}

void ptune_bf16_repack_panels(const uint16_t *W, int N, int column, int first_tile, int count, uint16_t *panel) {
    // Tile t: W's rows k = 32 (first_tile + t) + 2 q + e and columns column + j, at [t * 16 + q][j][e].
    for (int t = 0; t < count; t++) {
        for (int q = 0; q < 16; q++) {
            for (int j = 0; j < PTUNE_BF16_PANEL_COLUMNS; j++) {
                for (int e = 0; e < 2; e++) {
                    long k = (long)(first_tile + t) * PTUNE_BF16_PANEL_COLUMNS + 2 * q + e;
                    panel[(((size_t)t * 16 + q) * PTUNE_BF16_PANEL_COLUMNS + j) * 2 + e] = W[panels_index(N, k, column + j)];
                }
            }
        }
    }
}

const uint16_t *ptune_bf16_panel_in_place(const uint16_t *W, int K, int column) {
    return W + (size_t)(column / PTUNE_BF16_PANEL_COLUMNS) * (size_t)ptune_bf16_panel_elements(K);
}

const uint16_t *ptune_bf16_panel_of(int avx512, const uint16_t *B, int b_layout, int N, int K, int column,
                                    uint16_t *scratch) {
    switch (b_layout) {
    case PTUNE_BF16_B_PANELS_TRANSPOSED:
        return ptune_bf16_panel_in_place(B, K, column);
    case PTUNE_BF16_B_PANELS:
        (avx512 ? ptune_bf16_repack_panels_avx512 : ptune_bf16_repack_panels)(B, N, column, 0, (int)tiles_of(K), scratch);
        return scratch;
    default:
        if (avx512) {
            ptune_bf16_pack_panel_avx512(B, b_layout, N, K, b_layout ? K : N, column, scratch);
        } else {
            ptune_bf16_pack_panel(B, b_layout, N, K, column, scratch);
        }
        return scratch;
    }
}

void ptune_bf16_pack_panel(const uint16_t *B, int b_transposed, int N, int K, int column, uint16_t *panel) {
    int pairs = (K + 1) / 2;
    for (int k2 = 0; k2 < pairs; k2++) {
        for (int j = 0; j < PTUNE_BF16_PANEL_COLUMNS; j++) {
            for (int t = 0; t < 2; t++) {
                int k = 2 * k2 + t, n = column + j;
                uint16_t value = 0;
                if (k < K && n < N) value = b_transposed ? B[(size_t)n * K + k] : B[(size_t)k * N + n];
                panel[((size_t)k2 * PTUNE_BF16_PANEL_COLUMNS + j) * 2 + t] = value;
            }
        }
    }
}

static float widen(uint16_t value) {
    uint32_t bits = (uint32_t)value << 16;
    float out;
    memcpy(&out, &bits, sizeof out);
    return out;
}

// op(B)[k][n] as `b_layout` stores B.
static uint16_t b_value(const uint16_t *B, int b_layout, int N, int K, int k, int n) {
    switch (b_layout) {
    case PTUNE_BF16_B_ROWS: return B[(size_t)k * N + n];
    case PTUNE_BF16_B_TRANSPOSED: return B[(size_t)n * K + k];
    case PTUNE_BF16_B_PANELS_TRANSPOSED: return B[panels_index(K, n, k)];
    default: return B[panels_index(N, k, n)];
    }
}

void ptune_bf16_gemm_portable(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                              float beta, float *C, int ldc, int column_begin, int column_end) {
    int pairs = (K + 1) / 2;
    for (int i = 0; i < M; i++) {
        for (int n = column_begin; n < column_end; n++) {
            float sum = 0;
            for (int k2 = 0; k2 < pairs; k2++) {
                int odd = 2 * k2 + 1;
                uint16_t b_even = b_value(B, b_layout, N, K, 2 * k2, n);
                uint16_t b_odd = odd < K ? b_value(B, b_layout, N, K, odd, n) : 0;
                // Both products are exact in fp32; the sum rounds once per addition, odd first.
                sum += widen(A[(size_t)i * lda + odd]) * widen(b_odd);
                sum += widen(A[(size_t)i * lda + 2 * k2]) * widen(b_even);
            }
            float *out = C + (size_t)i * ldc + n;
            *out = beta != 0 ? sum + *out : sum;
        }
    }
}
