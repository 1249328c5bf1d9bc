// OpenBLAS's CBLAS interface (Debian: libopenblas-dev) and openblas_set_num_threads.
#include <cblas.h>
