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

int ptune_kernel_current(ptune_kernel_family *family) {
    int kernel = atomic_load(&family->chosen);
    if (kernel >= 0) return kernel;
    kernel = ptune_kernel_best(family);
    const char *asked = getenv(family->variable);
    for (int wanted = 0; asked && wanted < kernel; wanted++) {
        if (strcmp(asked, family->names[wanted]) == 0) kernel = wanted;
    }
    atomic_store(&family->chosen, kernel);
    return kernel;
}

int ptune_kernel_asked(ptune_kernel_family *family) {
    const char *asked = getenv(family->variable);
    for (int kernel = 0; asked && kernel <= ptune_kernel_best(family); kernel++) {
        if (strcmp(asked, family->names[kernel]) == 0) return 1;
    }
    return 0;
}

int ptune_kernel_use(ptune_kernel_family *family, int kernel) {
    if (kernel < 0 || kernel > ptune_kernel_best(family)) return 0;
    atomic_store(&family->chosen, kernel);
    return 1;
}
