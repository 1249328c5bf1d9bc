// The AMX BF16 kernel (tdpbf16ps), for CPUs with Intel AMX (Xeon since Sapphire Rapids). Written in C
// with intrinsics because Swift cannot emit them.
//
// Same panels as the AVX-512 kernel (ptune_bf16_pack_panel_avx512: [pairs][32][2], which is two
// 16-column tiles of B side by side, 128 bytes a row), padded with zero pairs to whole tiles of 16
// pairs. The product runs on blocks of 32 rows x 32 columns: four accumulator tiles (tmm0-3), two
// tiles of A (tmm4-5, 16 rows x 32 k each) and two of the panel (tmm6-7, 16 pairs x 16 columns).
//
// Its arithmetic is not the register kernels': on an Emerald Rapids Xeon (family 6, model 207) one
// tdpbf16ps sums, for each output, the 16 even products of its 32 k in order in fp32 and the 16 odd
// ones likewise, and adds (even + odd) to the accumulator, bit for bit on finite values (subnormals
// read and written as zero). Intel's manual describes the pairs added in turn instead, so other AMX
// models may round otherwise. ptune_bf16_gemm_amx therefore gives its own bits; FrozenMatrixTests
// checks them against a reference of that arithmetic where the CPU sums that way.
#include "cbf16_kernels.h"
#include "ckernel_support.h"
#include <immintrin.h>
#include <string.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define AMX_TARGET __attribute__((target("avx512f,avx512bw,avx512bf16,amx-tile,amx-bf16")))
#define BLOCK 32
#define TILE 16
#define PAIRS_PER_TILE 16

// Linux grants a process the AMX tile registers only on request (arch_prctl ARCH_REQ_XCOMP_PERM for
// the XTILEDATA feature, for every thread of the process); without it the first tile instruction
// raises SIGILL.
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

int ptune_bf16_amx_usable(void) {
#if defined(__linux__)
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
#else
    return 0;
#endif
}

// The tile configuration (palette 1): tiles 0-3 accumulate 16 rows x 16 fp32, tiles 4-7 hold 16 rows
// of 64 bytes (A: 32 bf16 of k; panel: 16 pairs for 16 columns).
typedef struct {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} tile_config;

AMX_TARGET
static void configure_tiles(void) {
    tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.bytes_per_row[t] = 64;
        config.rows[t] = TILE;
    }
    _tile_loadconfig(&config);
}

// Adds (beta 1) or stores (beta 0) a block's four accumulator tiles, held in `sums` [32][32], into C,
// masked to `rows` and `width`.
AMX_TARGET
static void store_block(const float *sums, int rows, float beta, float *C, int ldc, int width) {
    for (int i = 0; i < rows; i++) {
        ptune_store_row32_avx512(_mm512_loadu_ps(sums + i * BLOCK), _mm512_loadu_ps(sums + i * BLOCK + 16), beta,
                                 C + (size_t)i * ldc, width);
    }
}

// sums [32][32] = rows [0, 32) of a (stride a_stride, whole tiles of k) times the panel's `tiles` tiles.
AMX_TARGET
static void multiply_block(const uint16_t *a, int a_stride, const uint16_t *panel, int tiles, float *sums) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    const uint16_t *bottom = a + (size_t)TILE * a_stride;
    for (int t = 0; t < tiles; t++) {
        const uint16_t *panel_tile = panel + (size_t)t * PAIRS_PER_TILE * PTUNE_BF16_PANEL_COLUMNS * 2;
        _tile_loadd(4, a + t * 2 * PAIRS_PER_TILE, a_stride * (int)sizeof(uint16_t));
        _tile_loadd(5, bottom + t * 2 * PAIRS_PER_TILE, a_stride * (int)sizeof(uint16_t));
        _tile_loadd(6, panel_tile, PTUNE_BF16_PANEL_COLUMNS * 2 * sizeof(uint16_t));
        _tile_loadd(7, panel_tile + TILE * 2, PTUNE_BF16_PANEL_COLUMNS * 2 * sizeof(uint16_t));
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, sums, BLOCK * sizeof(float));
    _tile_stored(1, sums + TILE, BLOCK * sizeof(float));
    _tile_stored(2, sums + TILE * BLOCK, BLOCK * sizeof(float));
    _tile_stored(3, sums + TILE * BLOCK + TILE, BLOCK * sizeof(float));
}

AMX_TARGET
void ptune_bf16_gemm_amx(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_transposed,
                         float beta, float *C, int ldc, int column_begin, int column_end) {
    if (M <= 0 || K <= 0 || column_end <= column_begin) {
        ptune_bf16_gemm_portable(M, N, K, A, lda, B, b_transposed, beta, C, ldc, column_begin, column_end);
        return;
    }
    int pairs = (K + 1) / 2;
    int tiles = (pairs + PAIRS_PER_TILE - 1) / PAIRS_PER_TILE;
    int padded_pairs = tiles * PAIRS_PER_TILE;

    // A as the tiles read it, 32 k per tile row: rows with zeros where M or K stop short are copied
    // (all of A when K is not a whole number of tiles, else the last block's rows only).
    int whole_k = pairs == padded_pairs && !(K & 1);
    int copied_rows = whole_k ? M % BLOCK : M;
    int copy_stride = 2 * padded_pairs, copy_first = M - copied_rows;
    uint16_t *copy = NULL;
    if (copied_rows) {
        int padded_rows = (copied_rows + BLOCK - 1) / BLOCK * BLOCK;
        // The calling thread's copy, kept between calls like the panel.
        copy = ptune_thread_buffer(PTUNE_BUFFER_BF16_PADDED, (size_t)padded_rows * copy_stride * sizeof(uint16_t));
        for (int i = 0; i < padded_rows; i++) {
            uint16_t *row = copy + (size_t)i * copy_stride;
            int kept = i < copied_rows ? K : 0;
            if (kept) memcpy(row, A + (size_t)(copy_first + i) * lda, (size_t)kept * sizeof(uint16_t));
            memset(row + kept, 0, (size_t)(copy_stride - kept) * sizeof(uint16_t));
        }
    }

    uint16_t *panel = ptune_bf16_panel(padded_pairs);
    float sums[BLOCK * BLOCK] __attribute__((aligned(64)));
    configure_tiles();
    for (int column = column_begin; column < column_end; column += PTUNE_BF16_PANEL_COLUMNS) {
        ptune_bf16_pack_panel_avx512(B, b_transposed, N, K, column, panel);
        memset(panel + (size_t)pairs * PTUNE_BF16_PANEL_COLUMNS * 2, 0,
               (size_t)(padded_pairs - pairs) * PTUNE_BF16_PANEL_COLUMNS * 2 * sizeof(uint16_t));
        int width = column_end - column < PTUNE_BF16_PANEL_COLUMNS ? column_end - column : PTUNE_BF16_PANEL_COLUMNS;
        for (int row = 0; row < M; row += BLOCK) {
            if (row < copy_first) {
                multiply_block(A + (size_t)row * lda, lda, panel, tiles, sums);
            } else {
                multiply_block(copy + (size_t)(row - copy_first) * copy_stride, copy_stride, panel, tiles, sums);
            }
            int rows = M - row < BLOCK ? M - row : BLOCK;
            store_block(sums, rows, beta, C + (size_t)row * ldc + column, ldc, width);
        }
    }
    _tile_release();
}
