// cvector.h's kernels for AVX-512 (cvector_body.h).
#include "cvector_kernels.h"
#define TARGET __attribute__((target("avx512f")))
#define SUFFIX avx512
#define ROWS_AT_ONCE 8
#define ROW_BLOCK_VECTORS 3
#define ATTENTION_VECTORS 4
#include "cvector_body.h"
#include "cvector_attention.h"
#include "cvector_optimizer.h"
