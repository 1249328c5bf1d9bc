// bf16 matrix products with fp32 accumulation. Debian's OpenBLAS declares cblas_sbgemm but is built
// without it, so ptune carries its own kernels: AMX BF16 (tdpbf16ps) where the CPU and Linux allow it,
// else AVX-512 BF16 (vdpbf16ps), AVX2 with FMA elsewhere on x86-64, and portable C. The last three do
// the same arithmetic: each product of two bf16 values is exact in fp32, and each pair of k adds its
// odd product, then its even one, to the fp32 sum, as vdpbf16ps does; they differ only where
// vdpbf16ps flushes subnormals to zero. AMX sums each run of 32 k's even and odd products apart
// before adding them, as measured on one CPU model (cbf16_amx.c), so its bits are its own and may
// differ between AMX models; PTUNE_BF16_KERNEL=avx512 gives the others' on such a CPU. Without
// AVX-512 BF16, ptune's products widen the weights and multiply them by sgemm instead (faster than the
// register kernels there) unless PTUNE_BF16_KERNEL names a kernel: the AVX2 and portable ones then give
// the bits an AVX-512 BF16 CPU gives.
#ifndef PTUNE_CBF16_H
#define PTUNE_CBF16_H
#include <stdint.h>

/// The kernels, slowest first.
enum { PTUNE_BF16_PORTABLE = 0, PTUNE_BF16_AVX2 = 1, PTUNE_BF16_AVX512 = 2, PTUNE_BF16_AMX = 3 };

/// The fastest kernel this CPU can run.
int ptune_bf16_best_kernel(void);

/// The kernel in use: the best one, unless PTUNE_BF16_KERNEL (portable, avx2, avx512 or amx) or
/// ptune_bf16_use_kernel chose a slower one. (Without AVX-512 BF16, ptune multiplies with a register
/// kernel only when PTUNE_BF16_KERNEL names one: ptune_bf16_kernel_asked.)
int ptune_bf16_kernel(void);

/// Uses `kernel` from now on and returns 1; returns 0, changing nothing, when this CPU cannot run it.
int ptune_bf16_use_kernel(int kernel);

/// 1 when PTUNE_BF16_KERNEL names a kernel this CPU can run (the fastest one included), else 0.
int ptune_bf16_kernel_asked(void);

/// 1 when PTUNE_BF16_KERNEL is "widened": bf16 products widen the weights for sgemm as on a CPU
/// without AVX-512 BF16, whatever this CPU has; else 0.
int ptune_bf16_widening_asked(void);

/// out[i] = in[i] rounded to bf16 (nearest, ties to even).
void ptune_bf16_from_f32(const float *in, uint16_t *out, long count);

/// Rounds in [rows, columns] (dense) into out [rows, ldo] (ldo >= columns) as bf16, zero-filling each
/// row's columns beyond `columns`. fp32 subnormals become zero.
void ptune_bf16_round_rows(const float *in, long rows, long columns, uint16_t *out, long ldo);

/// Widens in [rows, columns] (row stride ldi) into out [rows, columns] (row stride ldo) as fp32, which
/// is exact.
void ptune_bf16_widen_rows(const uint16_t *in, long rows, long columns, long ldi, float *out, long ldo);

/// A matrix W [rows, columns] in panels, the layout the kernels multiply: panel j holds W's rows
/// [32 j, 32 j + 32) as [ceil(columns / 32) * 16 pairs of columns][32 rows][2], W[r][c] at
/// ((c / 2) * 32 + r % 32) * 2 + c % 2, zero where r or c runs past W. Stored so, a product's
/// forward (op(B) = W^T) reads the weights in place, in order, instead of gathering each panel from
/// rows a row's length apart; its backward (op(B) = W) re-packs them 32 x 32 at a time.
/// Elements W takes in panels (rows and columns padded to multiples of 32).
long ptune_bf16_panels_elements(long rows, long columns);
/// Rounds W's rows [first, first + count), `in` [count, columns] dense fp32, into `panels` (zeroed
/// before the first call) as ptune_bf16_from_f32 rounds; first is a multiple of 32.
void ptune_bf16_to_panels(const float *in, long columns, long first, long count, uint16_t *panels);
/// Widens W[first ..< first + count][column ..< column + span] from panels into out (row stride ldo).
void ptune_bf16_widen_panels(const uint16_t *panels, long columns, long first, long count, long column, long span,
                             float *out, long ldo);

/// How a product's op(B) [K, N] is stored (`b_layout`).
enum {
    /// B [K, N] row-major; op(B) = B.
    PTUNE_BF16_B_ROWS = 0,
    /// B [N, K] row-major; op(B) = B^T.
    PTUNE_BF16_B_TRANSPOSED = 1,
    /// B [N, K] in panels; op(B) = B^T. Columns [column_begin, column_end) start at a multiple of 32.
    PTUNE_BF16_B_PANELS_TRANSPOSED = 2,
    /// B [K, N] in panels; op(B) = B. Columns as for PTUNE_BF16_B_PANELS_TRANSPOSED.
    PTUNE_BF16_B_PANELS = 3,
};

/// C[M, N] = A[M, K] * op(B) + beta * C for the columns [column_begin, column_end) of C, where beta is
/// 0 or 1. A is bf16 row-major with row stride lda (even, >= K, zero beyond K). B is stored as
/// `b_layout` says. C is fp32 row-major, stride ldc.
/// The AMX kernel first copies A into its tiles, on every call: a product that runs on an operand
/// rounded from fp32 rounds it into the kernel's layout instead (ptune_bf16_round_operand).
void ptune_bf16_gemm(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                     float beta, float *C, int ldc, int column_begin, int column_end);

/// The operand of a product as `kernel` reads it: bf16 rows [M, K] rounded once from fp32 and then
/// multiplied by several ranges of columns, and of k. The register kernels read row-major rows padded
/// to an even length; AMX reads 16 x 32 tiles, each contiguous, rows padded to 32 and k to 32
/// (cbf16_amx.c). Pass the same kernel to all three calls: a kernel chosen later does not change an
/// operand rounded before.
/// Elements of an operand of `rows` x `columns` values for `kernel`.
long ptune_bf16_operand_elements(int kernel, long rows, long columns);
/// Rounds `in` [count, columns] (dense fp32), the operand's rows [first, first + count), into `out`,
/// an operand of rows x columns for `kernel`, as ptune_bf16_round_rows rounds; the call whose rows
/// end at `rows` also zeroes the padding rows after them. Rows may be rounded in any order, by any
/// threads, from wherever they were made.
void ptune_bf16_round_operand(int kernel, const float *in, long rows, long columns, long first, long count,
                              uint16_t *out);
/// C[M, N] = A[:, k_first ..< k_first + K] * op(B) + beta * C, for the columns [column_begin,
/// column_end) of C, with `A` an operand of M x a_columns rounded for `kernel` and B, beta, C as in
/// ptune_bf16_gemm (op(B) has K rows). k_first is a multiple of 32 and K either a multiple of 32 or
/// a_columns - k_first (all of A's columns where B is in panels). Returns 0, doing nothing, when this CPU cannot
/// run `kernel` or k_first, K or the columns are not so.
int ptune_bf16_gemm_operand(int kernel, int M, int N, int K, const uint16_t *A, int a_columns, int k_first,
                            const uint16_t *B, int b_layout, float beta, float *C, int ldc, int column_begin,
                            int column_end);
/// ptune_bf16_gemm with `kernel` whatever the process uses (the tests run each one without changing
/// the kernel other threads use); returns 0, doing nothing, when this CPU cannot run it or B is in
/// panels and column_begin is not a multiple of 32.
int ptune_bf16_gemm_with(int kernel, int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B,
                         int b_layout, float beta, float *C, int ldc, int column_begin, int column_end);

#endif
