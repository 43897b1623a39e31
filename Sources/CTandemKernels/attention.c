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
