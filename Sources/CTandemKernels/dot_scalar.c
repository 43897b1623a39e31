// Portable scalar row kernels (the fallback, and the reference the SIMD kernels are tested against).
// One dot product per (row, column); the operation order depends only on `cols`.
#include "CTandemKernels.h"
#include "internal.h"
#include <string.h>

#define ROWS_LOOP(...) \
    for (int64_t r = r0; r < r1; r++) { \
        const uint8_t *wr = (const uint8_t *)w + (size_t)r * row_bytes; \
        for (int j = 0; j < k; j++) { \
            const uint8_t *xa = (const uint8_t *)act + (size_t)j * act_stride; \
            float sumf = 0.0f; \
            __VA_ARGS__ \
            y[(int64_t)j * ys + r] = sumf; \
        } \
    }
#define ROWS_ARGS const void *w, size_t row_bytes, int64_t cols, int64_t r0, int64_t r1, \
                  const void *act, size_t act_stride, int k, float *y, int64_t ys

static void rows_f32(ROWS_ARGS) {
    ROWS_LOOP({ const float *a = (const float *)wr, *b = (const float *)xa;
        for (int64_t c = 0; c < cols; c++) sumf += a[c] * b[c]; })
}
static void rows_f16(ROWS_ARGS) {
    ROWS_LOOP({ const uint16_t *a = (const uint16_t *)wr; const float *b = (const float *)xa;
        for (int64_t c = 0; c < cols; c++) sumf += tk_fp16_to_fp32(a[c]) * b[c]; })
}
static void rows_bf16(ROWS_ARGS) {
    ROWS_LOOP({ const uint16_t *a = (const uint16_t *)wr; const float *b = (const float *)xa;
        for (int64_t c = 0; c < cols; c++) sumf += tk_bf16_to_fp32(a[c]) * b[c]; })
}

#define Q8ACT const int64_t nb = cols / 32; const float *xd = (const float *)xa; \
    const uint8_t *xu = (const uint8_t *)xa + tk_act_q8_0_dbytes(nb);
// Stored activation quants are offset to unsigned (q ^ 0x80); XQ(i) is the signed value.
#define XQ(i) ((int)(int8_t)(xu[(i)] ^ 0x80))

static void rows_q8_0(ROWS_ARGS) {
    ROWS_LOOP({ Q8ACT const block_q8_0 *b = (const block_q8_0 *)wr;
        for (int64_t i = 0; i < nb; i++) {
            int sumi = 0;
            for (int l = 0; l < 32; l++) sumi += b[i].qs[l] * XQ(i*32 + l);
            sumf += (float)sumi * (tk_fp16_to_fp32(b[i].d) * xd[i * 8]);
        } })
}
static void rows_q4_0(ROWS_ARGS) {
    ROWS_LOOP({ Q8ACT const block_q4_0 *b = (const block_q4_0 *)wr;
        for (int64_t i = 0; i < nb; i++) {
            int sumi = 0;
            for (int l = 0; l < 16; l++) {
                sumi += ((b[i].qs[l] & 0xF) - 8) * XQ(i*32 + l);
                sumi += ((b[i].qs[l] >> 4) - 8) * XQ(i*32 + l + 16);
            }
            sumf += (float)sumi * (tk_fp16_to_fp32(b[i].d) * xd[i * 8]);
        } })
}
// q4_1: weight = d·q + m, so Σ w·x = (d·dx)·Σ q·xq + (m·dx)·Σ xq per block.
static void rows_q4_1(ROWS_ARGS) {
    ROWS_LOOP({ Q8ACT const block_q4_1 *b = (const block_q4_1 *)wr;
        for (int64_t i = 0; i < nb; i++) {
            int sumi = 0, sumx = 0;
            for (int l = 0; l < 16; l++) {
                sumi += (b[i].qs[l] & 0xF) * XQ(i*32 + l) + (b[i].qs[l] >> 4) * XQ(i*32 + l + 16);
                sumx += XQ(i*32 + l) + XQ(i*32 + l + 16);
            }
            sumf += (float)sumi * (tk_fp16_to_fp32(b[i].d) * xd[i * 8]) + (float)sumx * (tk_fp16_to_fp32(b[i].m) * xd[i * 8]);
        } })
}
static void rows_q5_0(ROWS_ARGS) {
    ROWS_LOOP({ Q8ACT const block_q5_0 *b = (const block_q5_0 *)wr;
        for (int64_t i = 0; i < nb; i++) {
            uint32_t qh; memcpy(&qh, b[i].qh, 4);
            int sumi = 0;
            for (int l = 0; l < 16; l++) {
                const int x0 = ((b[i].qs[l] & 0xF) | (((qh >> l) << 4) & 0x10)) - 16;
                const int x1 = ((b[i].qs[l] >> 4) | ((qh >> (l + 12)) & 0x10)) - 16;
                sumi += x0 * XQ(i*32 + l) + x1 * XQ(i*32 + l + 16);
            }
            sumf += (float)sumi * (tk_fp16_to_fp32(b[i].d) * xd[i * 8]);
        } })
}

static inline void scale_min_k4(int j, const uint8_t *q, int *d, int *m) {
    if (j < 4) { *d = q[j] & 63; *m = q[j + 4] & 63; }
    else { *d = (q[j+4] & 0xF) | ((q[j-4] >> 6) << 4); *m = (q[j+4] >> 4) | ((q[j-0] >> 6) << 4); }
}

static void rows_q4_K(ROWS_ARGS) {
    ROWS_LOOP({ const int64_t nb = cols / QK_K; const block_q4_K *b = (const block_q4_K *)wr;
        const block_q8_K *x = (const block_q8_K *)xa;
        for (int64_t i = 0; i < nb; i++) {
            int isum = 0, msum = 0;
            for (int s = 0; s < 8; s++) {
                int sc, m; scale_min_k4(s, b[i].scales, &sc, &m);
                const uint8_t *q = b[i].qs + (s / 2) * 32;
                const int8_t *a = x[i].qs + s * 32;
                int d = 0;
                for (int l = 0; l < 32; l++) d += ((s & 1) ? (q[l] >> 4) : (q[l] & 0xF)) * a[l];
                isum += sc * d;
                msum += m * (x[i].bsums[2*s] + x[i].bsums[2*s + 1]);
            }
            sumf += x[i].d * tk_fp16_to_fp32(b[i].d) * (float)isum
                  - x[i].d * tk_fp16_to_fp32(b[i].dmin) * (float)msum;
        } })
}

static void rows_q6_K(ROWS_ARGS) {
    ROWS_LOOP({ const int64_t nb = cols / QK_K; const block_q6_K *b = (const block_q6_K *)wr;
        const block_q8_K *x = (const block_q8_K *)xa;
        for (int64_t i = 0; i < nb; i++) {
            int isum = 0;
            for (int h = 0; h < 2; h++) {
                const uint8_t *ql = b[i].ql + 64*h, *qh = b[i].qh + 32*h;
                const int8_t *sc = b[i].scales + 8*h;
                const int8_t *a = x[i].qs + 128*h;
                int s[8] = {0};
                for (int l = 0; l < 32; l++) {
                    const int is = l / 16;
                    s[is + 0] += (((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32) * a[l];
                    s[is + 2] += (((ql[l+32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32) * a[l + 32];
                    s[is + 4] += (((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32) * a[l + 64];
                    s[is + 6] += (((ql[l+32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32) * a[l + 96];
                }
                for (int t = 0; t < 8; t++) isum += sc[t] * s[t];
            }
            sumf += x[i].d * tk_fp16_to_fp32(b[i].d) * (float)isum;
        } })
}

const tk_kernel_table tk_kernels_scalar = {
    rows_f32, rows_f16, rows_bf16, rows_q8_0, rows_q4_0, rows_q5_0, rows_q4_K, rows_q6_K, rows_q4_1
};
