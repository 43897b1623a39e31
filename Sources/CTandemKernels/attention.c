// Attention for one query head over a cache of positions; fixed operation order per (n, head_dim).
#include "CTandemKernels.h"
#include <math.h>

float tk_dot_f32(const float *a, const float *b, int64_t n) {
    // 8 partial sums in a fixed order, then a fixed tree: vectorisable without -ffast-math.
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) s[l] += a[i + l] * b[i + l];
    for (; i < n; i++) s[i & 7] += a[i] * b[i];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

void tk_attention_head(const float *q, const float *keys, const float *values, int64_t npos,
                       int64_t kv_stride, int64_t hd, float scale, float *out, float *sc) {
    float mx = -INFINITY;
    for (int64_t p = 0; p < npos; p++) {
        const float s = tk_dot_f32(q, keys + p * kv_stride, hd) * scale;
        sc[p] = s;
        if (s > mx) mx = s;
    }
    float sum = 0.0f;
    for (int64_t p = 0; p < npos; p++) { const float e = expf(sc[p] - mx); sc[p] = e; sum += e; }
    const float inv = 1.0f / sum;
    for (int64_t d = 0; d < hd; d++) out[d] = 0.0f;
    for (int64_t p = 0; p < npos; p++) {
        const float wgt = sc[p] * inv;
        const float *v = values + p * kv_stride;
        for (int64_t d = 0; d < hd; d++) out[d] += wgt * v[d];
    }
}

// The same as tk_attention_head with the cache in pages (position p at page p / page_len, row
// p % page_len) and, with f16 != 0, stored as IEEE half. The f32 path performs exactly the
// operations of tk_attention_head in the same order (bit-identical results); the f16 path widens
// each key row into kbuf, then runs the same float steps.
static inline float tk_h2f_inline(uint16_t h) {
    const uint32_t w = (uint32_t)h << 16;
    const uint32_t sign = w & 0x80000000u;
    const uint32_t two_w = w + w;
    union { uint32_t u; float f; } n, d, r;
    n.u = (two_w >> 4) + (0xE0u << 23);
    const float normalized = n.f * 0x1.0p-112f;
    d.u = (two_w >> 17) | (126u << 23);
    const float denormalized = d.f - 0.5f;
    union { float f; uint32_t u; } nn = {normalized}, dd = {denormalized};
    r.u = sign | (two_w < (1u << 27) ? dd.u : nn.u);
    return r.f;
}

void tk_attention_head_paged(const float *q, const void *const *kpages, const void *const *vpages, int64_t page_len,
                             int64_t npos, int64_t head_offset, int64_t kv_stride, int64_t hd, float scale, int f16,
                             float *out, float *sc, float *kbuf) {
    float mx = -INFINITY;
    for (int64_t p = 0; p < npos; p++) {
        const int64_t at = (p % page_len) * kv_stride + head_offset;
        float s;
        if (f16) {
            const uint16_t *k = (const uint16_t *)kpages[p / page_len] + at;
            for (int64_t d = 0; d < hd; d++) kbuf[d] = tk_h2f_inline(k[d]);
            s = tk_dot_f32(q, kbuf, hd) * scale;
        } else {
            s = tk_dot_f32(q, (const float *)kpages[p / page_len] + at, hd) * scale;
        }
        sc[p] = s;
        if (s > mx) mx = s;
    }
    float sum = 0.0f;
    for (int64_t p = 0; p < npos; p++) { const float e = expf(sc[p] - mx); sc[p] = e; sum += e; }
    const float inv = 1.0f / sum;
    for (int64_t d = 0; d < hd; d++) out[d] = 0.0f;
    for (int64_t p = 0; p < npos; p++) {
        const float wgt = sc[p] * inv;
        const int64_t at = (p % page_len) * kv_stride + head_offset;
        if (f16) {
            const uint16_t *v = (const uint16_t *)vpages[p / page_len] + at;
            for (int64_t d = 0; d < hd; d++) out[d] += wgt * tk_h2f_inline(v[d]);
        } else {
            const float *v = (const float *)vpages[p / page_len] + at;
            for (int64_t d = 0; d < hd; d++) out[d] += wgt * v[d];
        }
    }
}
