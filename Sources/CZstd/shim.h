// zstd's C API (Debian: libzstd-dev).
#include <zstd.h>
