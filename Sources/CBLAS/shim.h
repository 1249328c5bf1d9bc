// OpenBLAS's CBLAS interface (Debian: libopenblas-dev) and openblas_set_num_threads.
#include <cblas.h>

// The OpenBLAS core type (OPENBLAS_CORETYPE) whose kernels this CPU's own feature flags support:
// "SkylakeX" with AVX-512 (F, BW, VL, DQ, CD), "Haswell" with AVX2 and FMA, else NULL.
static inline const char *ptune_blas_core_for_cpu(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return 0;
}
