// OpenBLAS's CBLAS interface (Debian: libopenblas-dev), including sbgemm and openblas_set_num_threads.
#include <cblas.h>
