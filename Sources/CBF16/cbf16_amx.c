// The AMX BF16 kernel (tdpbf16ps), for CPUs with Intel AMX (Xeon since Sapphire Rapids). Written in C
// with intrinsics because Swift cannot emit them.
//
// Same panels as the AVX-512 kernel (ptune_bf16_pack_panel_avx512: [pairs][32][2], which is two
// 16-column tiles of B side by side, 128 bytes a row), padded with zero pairs to whole tiles of 16
// pairs. The product runs on blocks of 32 rows x 32 columns: four accumulator tiles (tmm0-3), two
// tiles of A (tmm4-5, 16 rows x 32 k each) and two of the panel (tmm6-7, 16 pairs x 16 columns).
//
// A is read in its own layout, rounded once per product (ptune_bf16_round_operand): tiles of 16 rows
// x 32 k, each 1 KB contiguous, [row tile][k tile][16][32], rows padded with zeros to 32 and k to 32.
// Read in place from row-major rows, each tile row is another cache line 1-3 KB away and the kernel
// ran at about three quarters of its speed on this layout (one Xeon core, 528 x 576 x 576). The tiles of A are
// loaded with the hint that they are reused later, not soon (tileloaddt1), which keeps the panel in
// L1; a panel of more than CHUNK_TILES tiles is taken in parts of at most that many, as even as they
// come (48 tiles: three of 16), the accumulators set aside in fp32 between them (which changes no bit).
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
#define TILE_K 32
#define TILE_ELEMENTS (TILE * TILE_K)
#define PAIRS_PER_TILE 16
#define PANEL_TILE_ELEMENTS (PAIRS_PER_TILE * PTUNE_BF16_PANEL_COLUMNS * 2)
#define CHUNK_TILES 20
// What a thread packs of panels at once, and of A's rows it keeps for them: within a core's L2.
#define PANEL_GROUP_BYTES (512 * 1024)
#define A_GROUP_BYTES (1024 * 1024)

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

static long tiles_of(long columns) { return (columns + TILE_K - 1) / TILE_K; }

static long padded_rows(long rows) { return (rows + BLOCK - 1) / BLOCK * BLOCK; }

long ptune_bf16_amx_tiles_elements(long rows, long columns) {
    return padded_rows(rows) * tiles_of(columns) * TILE_K;
}

// Row r of k tile t in a tiled operand of `tiles` k tiles a row.
static uint16_t *tile_row(uint16_t *operand, long tiles, long r, long t) {
    return operand + ((r / TILE) * tiles + t) * TILE_ELEMENTS + (r % TILE) * TILE_K;
}

static void zero_padding_rows(uint16_t *operand, long rows, long tiles) {
    for (long r = rows; r < padded_rows(rows); r++) {
        for (long t = 0; t < tiles; t++) memset(tile_row(operand, tiles, r, t), 0, TILE_K * sizeof(uint16_t));
    }
}

void ptune_bf16_round_amx_tiles(const float *in, long rows, long columns, long first, long count, uint16_t *out) {
    long tiles = tiles_of(columns), end = first + count;
    for (long r = first; r < end;) {
        long tile_end = (r / TILE + 1) * TILE < end ? (r / TILE + 1) * TILE : end;
        ptune_bf16_round_segments(PTUNE_BF16_AMX, in + (r - first) * columns, columns, tile_end - r, columns, tiles * TILE_K,
                                  tile_row(out, tiles, r, 0), TILE_K, TILE_ELEMENTS);
        r = tile_end;
    }
    if (end == rows) zero_padding_rows(out, rows, tiles);
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

// The accumulators [32][32] (from `earlier`, or zero when it is NULL) plus the 32 rows of tiled A at
// `a` (the next row tile `row_tile_step` elements on) times `tiles` tiles of the panel, into `sums`.
AMX_TARGET
static void multiply_block(const uint16_t *a, long row_tile_step, const uint16_t *panel, int tiles,
                           const float *earlier, float *sums) {
    if (earlier) {
        _tile_loadd(0, earlier, BLOCK * sizeof(float));
        _tile_loadd(1, earlier + TILE, BLOCK * sizeof(float));
        _tile_loadd(2, earlier + TILE * BLOCK, BLOCK * sizeof(float));
        _tile_loadd(3, earlier + TILE * BLOCK + TILE, BLOCK * sizeof(float));
    } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
    }
    const uint16_t *bottom = a + row_tile_step;
    for (int t = 0; t < tiles; t++) {
        const uint16_t *panel_tile = panel + (size_t)t * PANEL_TILE_ELEMENTS;
        _tile_stream_loadd(4, a + (size_t)t * TILE_ELEMENTS, TILE_K * sizeof(uint16_t));
        _tile_stream_loadd(5, bottom + (size_t)t * TILE_ELEMENTS, TILE_K * sizeof(uint16_t));
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
void ptune_bf16_gemm_amx_tiles(int M, int N, int K, const uint16_t *A, int a_columns, int k_first, const uint16_t *B,
                               int b_transposed, float beta, float *C, int ldc, int column_begin, int column_end) {
    if (M <= 0 || column_end <= column_begin) return;
    if (K <= 0) {
        ptune_bf16_gemm_portable(M, N, 0, A, 0, B, b_transposed, beta, C, ldc, column_begin, column_end);
        return;
    }
    long row_tile_step = tiles_of(a_columns) * TILE_ELEMENTS;
    const uint16_t *a = A + (size_t)(k_first / TILE_K) * TILE_ELEMENTS;
    int pairs = (K + 1) / 2;
    int tiles = (pairs + PAIRS_PER_TILE - 1) / PAIRS_PER_TILE;
    int padded_pairs = tiles * PAIRS_PER_TILE;
    int chunks = (tiles + CHUNK_TILES - 1) / CHUNK_TILES, chunk = (tiles + chunks - 1) / chunks;
    // Where A is too long to stay in L2 (528 x 1536 and more), panels are packed a group at a time
    // and rows taken a group at a time, so that a group of rows' tiles of A stays in L2 while every
    // panel of the group multiplies it: read once per panel, such an A streamed from L3 for each
    // (528 x 576 x 1536 forward and 528 x 576 x 3072 backward: 8-9% faster on one Xeon core).
    size_t panel_elements = (size_t)padded_pairs * PTUNE_BF16_PANEL_COLUMNS * 2;
    int panel_count = (column_end - column_begin + PTUNE_BF16_PANEL_COLUMNS - 1) / PTUNE_BF16_PANEL_COLUMNS;
    long fitting_panels = PANEL_GROUP_BYTES / (long)(panel_elements * sizeof(uint16_t));
    int group = fitting_panels < 1 ? 1 : fitting_panels > panel_count ? panel_count : (int)fitting_panels;
    long fitting_rows = A_GROUP_BYTES / ((long)tiles * TILE_K * (long)sizeof(uint16_t)) / BLOCK * BLOCK;
    long group_rows = fitting_rows < BLOCK ? BLOCK : fitting_rows;
    // Where all of A fits, each panel is packed just before it multiplies, while it is still in L1.
    if (group_rows >= M) group = 1;
    uint16_t *panels = ptune_bf16_panel(group * padded_pairs);
    // The accumulators of every block of rows, set aside between the parts of a panel [rows][32].
    float *partial = chunks > 1 ? ptune_thread_buffer(PTUNE_BUFFER_BF16_PARTIAL, (size_t)padded_rows(M) * BLOCK * sizeof(float))
                                : NULL;
    float sums[BLOCK * BLOCK] __attribute__((aligned(64)));
    configure_tiles();
    for (int first_panel = 0; first_panel < panel_count; first_panel += group) {
        int in_group = panel_count - first_panel < group ? panel_count - first_panel : group;
        for (int p = 0; p < in_group; p++) {
            uint16_t *panel = panels + (size_t)p * panel_elements;
            ptune_bf16_pack_panel_avx512(B, b_transposed, N, K, column_begin + (first_panel + p) * PTUNE_BF16_PANEL_COLUMNS,
                                         panel);
            memset(panel + (size_t)pairs * PTUNE_BF16_PANEL_COLUMNS * 2, 0,
                   (size_t)(padded_pairs - pairs) * PTUNE_BF16_PANEL_COLUMNS * 2 * sizeof(uint16_t));
        }
        for (long row_first = 0; row_first < M; row_first += group_rows) {
            long row_end = M - row_first < group_rows ? M : row_first + group_rows;
            for (int p = 0; p < in_group; p++) {
                const uint16_t *panel = panels + (size_t)p * panel_elements;
                int column = column_begin + (first_panel + p) * PTUNE_BF16_PANEL_COLUMNS;
                int width = column_end - column < PTUNE_BF16_PANEL_COLUMNS ? column_end - column : PTUNE_BF16_PANEL_COLUMNS;
                for (int first = 0; first < tiles; first += chunk) {
                    int count = tiles - first < chunk ? tiles - first : chunk;
                    int last = first + count == tiles;
                    for (long row = row_first; row < row_end; row += BLOCK) {
                        float *set_aside = partial ? partial + (size_t)row * BLOCK : NULL;
                        multiply_block(a + (size_t)(row / TILE) * row_tile_step + (size_t)first * TILE_ELEMENTS,
                                       row_tile_step, panel + (size_t)first * PANEL_TILE_ELEMENTS, count,
                                       first > 0 ? set_aside : NULL, last ? sums : set_aside);
                        if (last) {
                            int rows = M - row < BLOCK ? (int)(M - row) : BLOCK;
                            store_block(sums, rows, beta, C + (size_t)row * ldc + column, ldc, width);
                        }
                    }
                }
            }
        }
    }
    _tile_release();
}

void ptune_bf16_gemm_amx(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_transposed,
                         float beta, float *C, int ldc, int column_begin, int column_end) {
    if (M <= 0 || K <= 0 || column_end <= column_begin) {
        ptune_bf16_gemm_amx_tiles(M, N, K, A, K, 0, B, b_transposed, beta, C, ldc, column_begin, column_end);
        return;
    }
    // The rows copied into tiles (the calling thread's copy, kept between calls like the panel).
    long tiles = tiles_of(K);
    uint16_t *tiled = ptune_thread_buffer(PTUNE_BUFFER_BF16_TILES, (size_t)ptune_bf16_amx_tiles_elements(M, K) * sizeof(uint16_t));
    for (long r = 0; r < M; r++) {
        for (long t = 0; t < tiles; t++) {
            long width = K - t * TILE_K < TILE_K ? K - t * TILE_K : TILE_K;
            uint16_t *row = tile_row(tiled, tiles, r, t);
            memcpy(row, A + (size_t)r * lda + t * TILE_K, (size_t)width * sizeof(uint16_t));
            memset(row + width, 0, (size_t)(TILE_K - width) * sizeof(uint16_t));
        }
    }
    zero_padding_rows(tiled, M, tiles);
    ptune_bf16_gemm_amx_tiles(M, N, K, tiled, K, 0, B, b_transposed, beta, C, ldc, column_begin, column_end);
}
