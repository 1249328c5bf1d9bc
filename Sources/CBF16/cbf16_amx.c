// The AMX BF16 kernel (tdpbf16ps), for CPUs with Intel AMX (Xeon since Sapphire Rapids). Written in C
// with intrinsics because Swift cannot emit them.
//
// Same panels as the AVX-512 kernel (ptune_bf16_pack_panel_avx512: [pairs][32][2], which is two
// 16-column tiles of B side by side, 128 bytes a row), padded with zero pairs to whole tiles of 16
// pairs: read in place where the weights are stored in panels and op(B) = W^T, else packed (or
// re-packed from panels) a part at a time. The product runs on blocks of 32 rows x 32 columns: four
// accumulator tiles (tmm0-3), two tiles of A (tmm4-5, 16 rows x 32 k each) and two of the panel (tmm6-7,
// 16 pairs x 16 columns).
//
// A is read in its own layout, rounded once per product (ptune_bf16_round_operand): tiles of 16 rows
// x 32 k, each 1 KB contiguous, [row tile][k tile][16][32], rows padded with zeros to 32 and k to 32.
// Read in place from row-major rows, each tile row is another cache line 1-3 KB away and the kernel
// ran at about three quarters of its speed on this layout (one Xeon core, 528 x 576 x 576). The tiles of A are
// loaded with the hint that they are reused later, not soon (tileloaddt1), which keeps the panel in
// L1. k of more than CHUNK_TILES tiles is taken in parts of at most that many, as even as they come
// (48 tiles: three of 16), the accumulators set aside in fp32 between them (which changes no bit):
// where A fits in L2, each panel's parts in turn; where it does not, each part of k for every panel
// before the next part, so that A's part stays in L2 while the panels multiply it.
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
// The longest A taken whole, panel by panel: it stays in L2 with the panels and C's rows.
#define A_WHOLE_BYTES (1536 * 1024)

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

// One call's product: its operands, and the accumulators set aside between parts of k.
typedef struct {
    int M, N, K, b_layout, ldc, column_begin, column_end, tiles;
    const uint16_t *a, *B;
    long row_tile_step;
    float beta, *C;
    // [panel][padded rows][32] (or one panel's, shared, where each panel takes all its parts in turn),
    // NULL when k is taken in one part.
    float *partial;
    int partial_per_panel;
} amx_product;

// Tiles [first_tile, first_tile + count) of k of panel `panel_index`: in place where B is W^T in
// panels, else packed into `scratch`, zero-padded to whole tiles.
static const uint16_t *part_of(const amx_product *job, int first_tile, int count, int panel_index, uint16_t *scratch) {
    int column = job->column_begin + panel_index * PTUNE_BF16_PANEL_COLUMNS;
    if (job->b_layout == PTUNE_BF16_B_PANELS_TRANSPOSED)
        return ptune_bf16_panel_in_place(job->B, job->K, column) + (size_t)first_tile * PANEL_TILE_ELEMENTS;
    if (job->b_layout == PTUNE_BF16_B_PANELS) {
        ptune_bf16_repack_panels_avx512(job->B, job->N, column, first_tile, count, scratch);
        return scratch;
    }
    int k0 = first_tile * TILE_K, k_count = job->K - k0 < count * TILE_K ? job->K - k0 : count * TILE_K;
    int pairs = (k_count + 1) / 2;
    int transposed = job->b_layout == PTUNE_BF16_B_TRANSPOSED;
    const uint16_t *b_part = transposed ? job->B + k0 : job->B + (size_t)k0 * job->N;
    ptune_bf16_pack_panel_avx512(b_part, transposed, job->N, k_count, transposed ? job->K : job->N, column, scratch);
    memset(scratch + (size_t)pairs * PTUNE_BF16_PANEL_COLUMNS * 2, 0,
           (size_t)(count * PAIRS_PER_TILE - pairs) * PTUNE_BF16_PANEL_COLUMNS * 2 * sizeof(uint16_t));
    return scratch;
}

// Rows [row_first, row_end) of panel `panel_index` times that part of k: added to the accumulators
// set aside, and stored into C after the last part. `ahead` (NULL for none), `ahead_elements` long, is
// fetched into L2 meanwhile, a share with each block of rows: the part read next, where it lies in
// memory already (weights in panels).
AMX_TARGET
static void multiply_rows(const amx_product *job, int first_tile, int count, int panel_index, const uint16_t *panel,
                          long row_first, long row_end, const uint16_t *ahead, long ahead_elements) {
    long lines = ahead ? ahead_elements * (long)sizeof(uint16_t) / 64 : 0;
    long blocks = (row_end - row_first + BLOCK - 1) / BLOCK, block = 0;
    float sums[BLOCK * BLOCK] __attribute__((aligned(64)));
    int column = job->column_begin + panel_index * PTUNE_BF16_PANEL_COLUMNS;
    int width = job->column_end - column;
    if (width > PTUNE_BF16_PANEL_COLUMNS) width = PTUNE_BF16_PANEL_COLUMNS;
    int first_part = first_tile == 0, last_part = first_tile + count == job->tiles;
    size_t held_panel = job->partial_per_panel ? (size_t)panel_index : 0;
    float *set_aside = job->partial ? job->partial + held_panel * padded_rows(job->M) * BLOCK : NULL;
    for (long row = row_first; row < row_end; row += BLOCK, block++) {
        for (long line = block * lines / blocks; line < (block + 1) * lines / blocks; line++)
            _mm_prefetch((const char *)ahead + line * 64, _MM_HINT_T1);
        float *held = set_aside ? set_aside + (size_t)row * BLOCK : NULL;
        multiply_block(job->a + (size_t)(row / TILE) * job->row_tile_step + (size_t)first_tile * TILE_ELEMENTS,
                       job->row_tile_step, panel, count, first_part ? NULL : held, last_part ? sums : held);
        if (last_part) {
            int rows = job->M - row < BLOCK ? (int)(job->M - row) : BLOCK;
            store_block(sums, rows, job->beta, job->C + (size_t)row * job->ldc + column, job->ldc, width);
        }
    }
}

AMX_TARGET
void ptune_bf16_gemm_amx_tiles(int M, int N, int K, const uint16_t *A, int a_columns, int k_first, const uint16_t *B,
                               int b_layout, float beta, float *C, int ldc, int column_begin, int column_end) {
    if (M <= 0 || column_end <= column_begin) return;
    if (K <= 0) {
        ptune_bf16_gemm_portable(M, N, 0, A, 0, B, b_layout, beta, C, ldc, column_begin, column_end);
        return;
    }
    amx_product job = {M, N, K, b_layout, ldc, column_begin, column_end, 0,
                       A + (size_t)(k_first / TILE_K) * TILE_ELEMENTS, B, tiles_of(a_columns) * TILE_ELEMENTS,
                       beta, C, NULL, 0};
    job.tiles = ((K + 1) / 2 + PAIRS_PER_TILE - 1) / PAIRS_PER_TILE;
    int chunks = (job.tiles + CHUNK_TILES - 1) / CHUNK_TILES, chunk = (job.tiles + chunks - 1) / chunks;
    int panel_count = (column_end - column_begin + PTUNE_BF16_PANEL_COLUMNS - 1) / PTUNE_BF16_PANEL_COLUMNS;
    int whole = (long)padded_rows(M) * job.tiles * TILE_K * (long)sizeof(uint16_t) <= A_WHOLE_BYTES;
    job.partial_per_panel = !whole;
    if (chunks > 1) {
        size_t panels_held = whole ? 1 : (size_t)panel_count;
        job.partial = ptune_thread_buffer(PTUNE_BUFFER_BF16_PARTIAL,
                                          (size_t)padded_rows(M) * BLOCK * panels_held * sizeof(float));
    }
    size_t panel_elements = (size_t)chunk * PANEL_TILE_ELEMENTS;
    configure_tiles();
    if (whole) {
        // All of A stays in L2: panel by panel, each part of k packed (or read in place) just before it
        // multiplies, while it is still in L1.
        uint16_t *scratch = ptune_bf16_panel(chunk * PAIRS_PER_TILE);
        for (int p = 0; p < panel_count; p++) {
            for (int first_tile = 0; first_tile < job.tiles; first_tile += chunk) {
                int count = job.tiles - first_tile < chunk ? job.tiles - first_tile : chunk;
                const uint16_t *part = part_of(&job, first_tile, count, p, scratch);
                // Weights in panels: the next part follows this one in memory, in this panel or the next.
                int next = first_tile + count < job.tiles ? job.tiles - first_tile - count
                           : p + 1 < panel_count      ? job.tiles
                                                      : 0;
                if (next > chunk) next = chunk;
                const uint16_t *ahead = b_layout == PTUNE_BF16_B_PANELS_TRANSPOSED && next > 0
                                            ? part + (size_t)count * PANEL_TILE_ELEMENTS
                                            : NULL;
                multiply_rows(&job, first_tile, count, p, part, 0, M, ahead, (long)next * PANEL_TILE_ELEMENTS);
            }
        }
        _tile_release();
        return;
    }
    // A longer A is taken a part of k at a time, read once from L3 for every panel: the panels' parts
    // packed a group at a time, and A's part a group of rows at a time where even it is longer than L2
    // (528 x 576 x 3072 backward: 900 to 1,400 GFLOP/s on one Xeon core).
    long fitting_panels = PANEL_GROUP_BYTES / (long)(panel_elements * sizeof(uint16_t));
    int group = fitting_panels < 1 ? 1 : fitting_panels > panel_count ? panel_count : (int)fitting_panels;
    long fitting_rows = A_GROUP_BYTES / ((long)chunk * TILE_K * (long)sizeof(uint16_t)) / BLOCK * BLOCK;
    long group_rows = fitting_rows < BLOCK ? BLOCK : fitting_rows;
    uint16_t *scratch = ptune_bf16_panel(group * chunk * PAIRS_PER_TILE);
    const uint16_t *parts[group];
    for (int first_tile = 0; first_tile < job.tiles; first_tile += chunk) {
        int count = job.tiles - first_tile < chunk ? job.tiles - first_tile : chunk;
        for (int first_panel = 0; first_panel < panel_count; first_panel += group) {
            int in_group = panel_count - first_panel < group ? panel_count - first_panel : group;
            for (int p = 0; p < in_group; p++)
                parts[p] = part_of(&job, first_tile, count, first_panel + p, scratch + p * panel_elements);
            for (long row_first = 0; row_first < M; row_first += group_rows) {
                long row_end = M - row_first < group_rows ? M : row_first + group_rows;
                for (int p = 0; p < in_group; p++)
                    multiply_rows(&job, first_tile, count, first_panel + p, parts[p], row_first, row_end, NULL, 0);
            }
        }
    }
    _tile_release();
}

void ptune_bf16_gemm_amx(int M, int N, int K, const uint16_t *A, int lda, const uint16_t *B, int b_layout,
                         float beta, float *C, int ldc, int column_begin, int column_end) {
    if (M <= 0 || K <= 0 || column_end <= column_begin) {
        ptune_bf16_gemm_amx_tiles(M, N, K, A, K, 0, B, b_layout, beta, C, ldc, column_begin, column_end);
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
    ptune_bf16_gemm_amx_tiles(M, N, K, tiled, K, 0, B, b_layout, beta, C, ldc, column_begin, column_end);
}
