// Matmul entry point: picks the row kernel for the weight type at the active SIMD level.
#include "CTandemKernels.h"
#include "internal.h"
#include <string.h>

void tk_matmul_rows(int type, const void *w, size_t row_bytes, int64_t cols, int64_t r0, int64_t r1,
                    const void *act, size_t act_stride, int k, float *y, int64_t ys) {
    tk_matmul_rows_at(tk_simd_level(), type, w, row_bytes, cols, r0, r1, act, act_stride, k, y, ys);
}

void tk_matmul_rows_at(int level, int type, const void *w, size_t row_bytes, int64_t cols, int64_t r0, int64_t r1,
                       const void *act, size_t act_stride, int k, float *y, int64_t ys) {
    const tk_kernel_table *t = tk_kernels_for_level(level);
    tk_rows_fn f = 0;
    switch (type) {
    case TK_F32: f = t->f32; break;
    case TK_F16: f = t->f16; break;
    case TK_BF16: f = t->bf16; break;
    case TK_Q8_0: f = t->q8_0; break;
    case TK_Q4_0: f = t->q4_0; break;
    case TK_Q4_1: f = t->q4_1; break;
    case TK_Q5_0: f = t->q5_0; break;
    case TK_Q4_K: f = t->q4_K; break;
    case TK_Q6_K: f = t->q6_K; break;
    default: return;
    }
    if (!f) {  // a SIMD table without this type: the scalar kernel
        const tk_kernel_table *sc = &tk_kernels_scalar;
        switch (type) {
        case TK_F32: f = sc->f32; break;
        case TK_F16: f = sc->f16; break;
        case TK_BF16: f = sc->bf16; break;
        case TK_Q8_0: f = sc->q8_0; break;
        case TK_Q4_0: f = sc->q4_0; break;
        case TK_Q4_1: f = sc->q4_1; break;
        case TK_Q5_0: f = sc->q5_0; break;
        case TK_Q4_K: f = sc->q4_K; break;
        default: f = sc->q6_K; break;
        }
    }
    if (r1 <= r0 || k <= 0) return;
    // Results go to a small contiguous tile first, then out column by column: y's columns are
    // `ys` floats apart, and with ys a multiple of 1024 (49152 rows…) k > 8 scattered stores per
    // row would all land in one L1 set and thrash it.
    enum { TILE_ROWS = 32, TILE_COLS = 64 };
    if (k > TILE_COLS) { f(w, row_bytes, cols, r0, r1, act, act_stride, k, y, ys); return; }
    float tile[TILE_COLS * TILE_ROWS];
    for (int64_t r = r0; r < r1; r += TILE_ROWS) {
        const int64_t n = r1 - r < TILE_ROWS ? r1 - r : TILE_ROWS;
        // Rows r ..< r+n as rows 0 ..< n of a matrix starting at row r.
        f((const uint8_t *)w + (size_t)r * row_bytes, row_bytes, cols, 0, n, act, act_stride, k, tile, TILE_ROWS);
        for (int j = 0; j < k; j++) memcpy(y + (int64_t)j * ys + r, tile + j * TILE_ROWS, (size_t)n * sizeof(float));
    }
}
