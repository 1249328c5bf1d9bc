// The choice of a kernel family's kernel, and the threads' scratch buffers (ckernel_support.h).
#include "ckernel_support.h"
#include <stdlib.h>
#include <string.h>

static _Thread_local void *thread_buffer[PTUNE_BUFFERS];
static _Thread_local size_t thread_buffer_bytes[PTUNE_BUFFERS];

void *ptune_thread_buffer(int slot, size_t bytes) {
    bytes = (bytes + 63) / 64 * 64;
    if (bytes == 0) bytes = 64;
    if (bytes > thread_buffer_bytes[slot]) {
        free(thread_buffer[slot]);
        thread_buffer[slot] = aligned_alloc(64, bytes);
        if (!thread_buffer[slot]) abort();
        thread_buffer_bytes[slot] = bytes;
    }
    return thread_buffer[slot];
}

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
