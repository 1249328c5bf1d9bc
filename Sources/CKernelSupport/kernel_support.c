// The choice of a kernel family's kernel (ckernel_support.h).
#include "ckernel_support.h"
#include <stdlib.h>
#include <string.h>

int ptune_kernel_best(ptune_kernel_family *family) {
    int known = atomic_load(&family->best);
    if (known < 0) {
        known = family->detect();
        atomic_store(&family->best, known);
    }
    return known;
}

// The kernel the family's environment variable names among those up to `last`, or -1.
static int named_kernel(ptune_kernel_family *family, int last) {
    const char *asked = getenv(family->variable);
    for (int kernel = 0; asked && kernel <= last; kernel++) {
        if (strcmp(asked, family->names[kernel]) == 0) return kernel;
    }
    return -1;
}

int ptune_kernel_current(ptune_kernel_family *family) {
    int kernel = atomic_load(&family->chosen);
    if (kernel >= 0) return kernel;
    kernel = ptune_kernel_best(family);
    int named = named_kernel(family, kernel);
    if (named >= 0) kernel = named;
    atomic_store(&family->chosen, kernel);
    return kernel;
}

int ptune_kernel_asked(ptune_kernel_family *family) {
    return named_kernel(family, ptune_kernel_best(family)) >= 0;
}

int ptune_kernel_use(ptune_kernel_family *family, int kernel) {
    if (kernel < 0 || kernel > ptune_kernel_best(family)) return 0;
    atomic_store(&family->chosen, kernel);
    return 1;
}
