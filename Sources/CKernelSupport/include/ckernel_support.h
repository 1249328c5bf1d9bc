// What ptune's C kernel families (bf16, int8) share: choosing a family's kernel once per process,
// each thread's scratch buffers, and storing a register tile's rows.
#ifndef PTUNE_CKERNEL_SUPPORT_H
#define PTUNE_CKERNEL_SUPPORT_H
#include <stdatomic.h>
#include <stddef.h>

/// The scratch buffers a thread keeps between products, one per use, so that no two in use at once
/// share one.
enum {
    PTUNE_BUFFER_I8_PANEL = 0,
    PTUNE_BUFFER_I8_OPERAND = 1,
    PTUNE_BUFFER_BF16_PANEL = 2,
    PTUNE_BUFFER_BF16_TILES = 3,
    PTUNE_BUFFER_BF16_PARTIAL = 4,
    PTUNE_BUFFER_OPERAND_ROWS = 5,
    PTUNE_BUFFER_KEPT_ROWS = 6,
    PTUNE_BUFFERS = 7
};

/// The calling thread's buffer `slot`, at least `bytes` long and 64-byte aligned, grown to the largest
/// size asked for and kept: a training step makes hundreds of products per thread, which would
/// otherwise each allocate and free their scratch. The worker threads live as long as the process, so
/// the buffers are never freed. Aborts when memory runs out.
void *ptune_thread_buffer(int slot, size_t bytes);

/// A family of up to four kernels, slowest first: the fastest one the CPU runs (`detect`), unless the
/// environment variable `variable` names a slower one (by `names`) or ptune_kernel_use chose one.
typedef struct {
    int (*detect)(void);
    const char *variable;
    const char *names[4];
    atomic_int best;
    atomic_int chosen;
} ptune_kernel_family;

/// A family's initial value; the kernels' names slowest first.
#define PTUNE_KERNEL_FAMILY(detect, variable, ...) { detect, variable, { __VA_ARGS__ }, -1, -1 }

/// The fastest kernel of `family` this CPU can run.
int ptune_kernel_best(ptune_kernel_family *family);

/// The kernel of `family` in use.
int ptune_kernel_current(ptune_kernel_family *family);

/// Whether the environment variable of `family` names a kernel this CPU can run.
int ptune_kernel_asked(ptune_kernel_family *family);

/// Uses `kernel` from now on and returns 1; returns 0, changing nothing, when this CPU cannot run it.
int ptune_kernel_use(ptune_kernel_family *family, int kernel);

#if defined(__x86_64__)
#include <immintrin.h>

/// Stores one row of a 32-column tile (left: columns 0-15, right: 16-31) at `out`, masked to
/// `width` columns, adding what is there when beta is not 0.
__attribute__((target("avx512f"), always_inline))
static inline void ptune_store_row32_avx512(__m512 left, __m512 right, float beta, float *out, int width) {
    __mmask16 low = width >= 16 ? 0xffff : (__mmask16)((1u << width) - 1);
    __mmask16 high = width >= 32 ? 0xffff : width <= 16 ? 0 : (__mmask16)((1u << (width - 16)) - 1);
    if (beta != 0) {
        left = _mm512_add_ps(left, _mm512_maskz_loadu_ps(low, out));
        right = _mm512_add_ps(right, _mm512_maskz_loadu_ps(high, out + 16));
    }
    _mm512_mask_storeu_ps(out, low, left);
    _mm512_mask_storeu_ps(out + 16, high, right);
}
#endif

#endif
