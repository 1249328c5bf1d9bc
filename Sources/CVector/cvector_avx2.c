// cvector.h's kernels for AVX2 with FMA (cvector_body.h).
#include "cvector_kernels.h"
#define TARGET __attribute__((target("avx2,fma")))
#define SUFFIX avx2
#define ROWS_AT_ONCE 4
#define ROW_BLOCK_VECTORS 1
#define ATTENTION_VECTORS 1
#include "cvector_body.h"
#include "cvector_attention.h"
#include "cvector_optimizer.h"
