// ggml's reference ("_ref") quantizers and the dequantizers, scalar and portable.
// Block layouts follow ggml-common.h; see GGUF-AND-KERNELS.md §1.2.
#include "CTandemKernels.h"
#include "internal.h"
#include <math.h>
#include <string.h>

#define GROUP_MAX_EPS 1e-15f

static inline int nearest_int(float fval) {
    float val = fval + 12582912.f;
    int i; memcpy(&i, &val, sizeof(int));
    return (i & 0x007fffff) - 0x00400000;
}

void tk_quantize_row_q8_0_ref(const float *x, block_q8_0 *y, int64_t n) {
    const int64_t nb = n / QK8_0;
    for (int64_t i = 0; i < nb; i++) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; j++) { const float v = fabsf(x[i*QK8_0 + j]); if (v > amax) amax = v; }
        const float d = amax / 127.0f;
        const float id = d ? 1.0f/d : 0.0f;
        y[i].d = tk_fp32_to_fp16(d);
        for (int j = 0; j < QK8_0; ++j) y[i].qs[j] = (int8_t)roundf(x[i*QK8_0 + j]*id);
    }
}

static void quantize_row_q4_0_ref(const float *x, block_q4_0 *y, int64_t n) {
    const int64_t nb = n / QK4_0;
    for (int64_t i = 0; i < nb; i++) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK4_0; j++) {
            const float v = x[i*QK4_0 + j];
            if (amax < fabsf(v)) { amax = fabsf(v); max = v; }
        }
        const float d = max / -8;
        const float id = d ? 1.0f/d : 0.0f;
        y[i].d = tk_fp32_to_fp16(d);
        for (int j = 0; j < QK4_0/2; ++j) {
            const float x0 = x[i*QK4_0 + j]*id;
            const float x1 = x[i*QK4_0 + QK4_0/2 + j]*id;
            int xi0 = (int8_t)(x0 + 8.5f); if (xi0 > 15) xi0 = 15;
            int xi1 = (int8_t)(x1 + 8.5f); if (xi1 > 15) xi1 = 15;
            y[i].qs[j] = (uint8_t)(xi0 | (xi1 << 4));
        }
    }
}

static void quantize_row_q4_1_ref(const float *x, block_q4_1 *y, int64_t n) {
    const int64_t nb = n / QK4_1;
    for (int64_t i = 0; i < nb; i++) {
        float min = 3.402823466e+38f, max = -3.402823466e+38f;
        for (int j = 0; j < QK4_1; j++) {
            const float v = x[i*QK4_1 + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        const float d = (max - min) / 15;
        const float id = d ? 1.0f/d : 0.0f;
        y[i].d = tk_fp32_to_fp16(d);
        y[i].m = tk_fp32_to_fp16(min);
        for (int j = 0; j < QK4_1/2; ++j) {
            const float x0 = (x[i*QK4_1 + j] - min)*id;
            const float x1 = (x[i*QK4_1 + QK4_1/2 + j] - min)*id;
            int xi0 = (int8_t)(x0 + 0.5f); if (xi0 > 15) xi0 = 15;
            int xi1 = (int8_t)(x1 + 0.5f); if (xi1 > 15) xi1 = 15;
            y[i].qs[j] = (uint8_t)(xi0 | (xi1 << 4));
        }
    }
}

static void quantize_row_q5_0_ref(const float *x, block_q5_0 *y, int64_t n) {
    const int64_t nb = n / QK5_0;
    for (int64_t i = 0; i < nb; i++) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < QK5_0; j++) {
            const float v = x[i*QK5_0 + j];
            if (amax < fabsf(v)) { amax = fabsf(v); max = v; }
        }
        const float d = max / -16;
        const float id = d ? 1.0f/d : 0.0f;
        y[i].d = tk_fp32_to_fp16(d);
        uint32_t qh = 0;
        for (int j = 0; j < QK5_0/2; ++j) {
            const float x0 = x[i*QK5_0 + j]*id;
            const float x1 = x[i*QK5_0 + QK5_0/2 + j]*id;
            int xi0 = (int8_t)(x0 + 16.5f); if (xi0 > 31) xi0 = 31;
            int xi1 = (int8_t)(x1 + 16.5f); if (xi1 > 31) xi1 = 31;
            y[i].qs[j] = (uint8_t)((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= (((uint32_t)xi0 & 0x10u) >> 4) << (j + 0);
            qh |= (((uint32_t)xi1 & 0x10u) >> 4) << (j + QK5_0/2);
        }
        memcpy(y[i].qh, &qh, sizeof(qh));
    }
}

static float make_qkx2_quants(int n, int nmax, const float *x, const float *weights, uint8_t *L,
                              float *the_min, uint8_t *Laux, float rmin, float rdelta, int nstep) {
    float min = x[0], max = x[0];
    float sum_w = weights[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weights[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        *the_min = -min;
        return 0.f;
    }
    float iscale = nmax/(max - min);
    float scale = 1/iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        int l = nearest_int(iscale*(x[i] - min));
        l = l < 0 ? 0 : (l > nmax ? nmax : l);
        L[i] = (uint8_t)l;
        float diff = scale * L[i] + min - x[i];
        diff = diff * diff;
        best_error += weights[i] * diff;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta*is + nmax)/(max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearest_int(iscale*(x[i] - min));
            l = l < 0 ? 0 : (l > nmax ? nmax : l);
            Laux[i] = (uint8_t)l;
            const float w = weights[i];
            sum_l += w*l;
            sum_l2 += w*l*l;
            sum_xl += w*l*x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0) {
            float this_scale = (sum_w * sum_xl - sum_x * sum_l)/D;
            float this_min   = (sum_l2 * sum_x - sum_l * sum_xl)/D;
            if (this_min > 0) {
                this_min = 0;
                this_scale = sum_xl / sum_l2;
            }
            float cur_error = 0;
            for (int i = 0; i < n; ++i) {
                float diff = this_scale * Laux[i] + this_min - x[i];
                diff = diff * diff;
                cur_error += weights[i] * diff;
            }
            if (cur_error < best_error) {
                for (int i = 0; i < n; ++i) L[i] = Laux[i];
                best_error = cur_error;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *the_min = -min;
    return scale;
}

static inline void get_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) {
        *d = q[j] & 63; *m = q[j + 4] & 63;
    } else {
        *d = (q[j+4] & 0xF) | ((q[j-4] >> 6) << 4);
        *m = (q[j+4] >>  4) | ((q[j-0] >> 6) << 4);
    }
}

static void quantize_row_q4_K_ref(const float *x, block_q4_K *y, int64_t n) {
    const int64_t nb = n / QK_K;
    uint8_t L[QK_K], Laux[32];
    float weights[32], mins[QK_K/32], scales[QK_K/32];
    for (int64_t i = 0; i < nb; i++) {
        float max_scale = 0, max_min = 0;
        for (int j = 0; j < QK_K/32; ++j) {
            float sum_x2 = 0;
            for (int l = 0; l < 32; ++l) sum_x2 += x[32*j + l] * x[32*j + l];
            const float av_x = sqrtf(sum_x2/32);
            for (int l = 0; l < 32; ++l) weights[l] = av_x + fabsf(x[32*j + l]);
            scales[j] = make_qkx2_quants(32, 15, x + 32*j, weights, L + 32*j, &mins[j], Laux, -1.f, 0.1f, 20);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        const float inv_scale = max_scale > 0 ? 63.f/max_scale : 0.f;
        const float inv_min   = max_min   > 0 ? 63.f/max_min   : 0.f;
        memset(y[i].scales, 0, sizeof(y[i].scales));
        for (int j = 0; j < QK_K/32; ++j) {
            int ls = nearest_int(inv_scale*scales[j]);
            int lm = nearest_int(inv_min*mins[j]);
            uint8_t uls = (uint8_t)(ls > 63 ? 63 : ls), ulm = (uint8_t)(lm > 63 ? 63 : lm);
            if (j < 4) {
                y[i].scales[j] = uls;
                y[i].scales[j+4] = ulm;
            } else {
                y[i].scales[j+4] = (uint8_t)((uls & 0xF) | ((ulm & 0xF) << 4));
                y[i].scales[j-4] |= (uint8_t)((uls >> 4) << 6);
                y[i].scales[j-0] |= (uint8_t)((ulm >> 4) << 6);
            }
        }
        y[i].d = tk_fp32_to_fp16(max_scale/63.f);
        y[i].dmin = tk_fp32_to_fp16(max_min/63.f);
        for (int j = 0; j < QK_K/32; ++j) {
            uint8_t sc, m;
            get_scale_min_k4(j, y[i].scales, &sc, &m);
            const float d = tk_fp16_to_fp32(y[i].d) * sc;
            if (!d) continue;
            const float dm = tk_fp16_to_fp32(y[i].dmin) * m;
            for (int ii = 0; ii < 32; ++ii) {
                int l = nearest_int((x[32*j + ii] + dm)/d);
                l = l < 0 ? 0 : (l > 15 ? 15 : l);
                L[32*j + ii] = (uint8_t)l;
            }
        }
        uint8_t *q = y[i].qs;
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; ++l) q[l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 4));
            q += 32;
        }
        x += QK_K;
    }
}

static float make_qx_quants(int n, int nmax, const float *x, int8_t *L) {
    // rmse_type 1 (weights x²), as quantize_row_q6_K_ref uses it.
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = fabsf(x[i]);
        if (ax > amax) { amax = ax; max = x[i]; }
    }
    if (amax < GROUP_MAX_EPS) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.f;
    }
    float iscale = -nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        int l = nearest_int(iscale * x[i]);
        l = l < -nmax ? -nmax : (l > nmax-1 ? nmax-1 : l);
        L[i] = (int8_t)(l + nmax);
        const float w = x[i]*x[i];
        sumlx += w*x[i]*l;
        suml2 += w*l*l;
    }
    float scale = suml2 ? sumlx/suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(nmax + 0.1f*is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearest_int(iscale * x[i]);
            l = l < -nmax ? -nmax : (l > nmax-1 ? nmax-1 : l);
            const float w = x[i]*x[i];
            sumlx += w*x[i]*l;
            suml2 += w*l*l;
        }
        if (suml2 > 0 && sumlx*sumlx > best*suml2) {
            for (int i = 0; i < n; ++i) {
                int l = nearest_int(iscale * x[i]);
                l = l < -nmax ? -nmax : (l > nmax-1 ? nmax-1 : l);
                L[i] = (int8_t)(nmax + l);
            }
            scale = sumlx/suml2;
            best = scale*sumlx;
        }
    }
    return scale;
}

static void quantize_row_q6_K_ref(const float *x, block_q6_K *y, int64_t n) {
    const int64_t nb = n / QK_K;
    int8_t L[QK_K];
    float scales[QK_K/16];
    for (int64_t i = 0; i < nb; i++) {
        float max_scale = 0, max_abs_scale = 0;
        for (int ib = 0; ib < QK_K/16; ++ib) {
            const float scale = make_qx_quants(16, 32, x + 16*ib, L + 16*ib);
            scales[ib] = scale;
            const float abs_scale = fabsf(scale);
            if (abs_scale > max_abs_scale) { max_abs_scale = abs_scale; max_scale = scale; }
        }
        if (max_abs_scale < GROUP_MAX_EPS) {
            memset(&y[i], 0, sizeof(block_q6_K));
            y[i].d = tk_fp32_to_fp16(0.f);
            x += QK_K;
            continue;
        }
        const float iscale = -128.f/max_scale;
        y[i].d = tk_fp32_to_fp16(1/iscale);
        for (int ib = 0; ib < QK_K/16; ++ib) {
            int v = nearest_int(iscale*scales[ib]);
            y[i].scales[ib] = (int8_t)(v > 127 ? 127 : v);
        }
        for (int j = 0; j < QK_K/16; ++j) {
            const float d = tk_fp16_to_fp32(y[i].d) * y[i].scales[j];
            if (!d) continue;
            for (int ii = 0; ii < 16; ++ii) {
                int l = nearest_int(x[16*j + ii]/d);
                l = l < -32 ? -32 : (l > 31 ? 31 : l);
                L[16*j + ii] = (int8_t)(l + 32);
            }
        }
        uint8_t *ql = y[i].ql, *qh = y[i].qh;
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t q1 = L[j + l +  0] & 0xF;
                const uint8_t q2 = L[j + l + 32] & 0xF;
                const uint8_t q3 = L[j + l + 64] & 0xF;
                const uint8_t q4 = L[j + l + 96] & 0xF;
                ql[l+ 0] = (uint8_t)(q1 | (q3 << 4));
                ql[l+32] = (uint8_t)(q2 | (q4 << 4));
                qh[l] = (uint8_t)((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                                  ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
            ql += 64; qh += 32;
        }
        x += QK_K;
    }
}

void tk_quantize_row_q8_K_ref(const float *x, block_q8_K *y, int64_t n) {
    const int64_t nb = n / QK_K;
    for (int64_t i = 0; i < nb; i++) {
        float max = 0, amax = 0;
        for (int j = 0; j < QK_K; ++j) {
            const float ax = fabsf(x[j]);
            if (ax > amax) { amax = ax; max = x[j]; }
        }
        if (!amax) {
            memset(&y[i], 0, sizeof(block_q8_K));
            x += QK_K;
            continue;
        }
        const float iscale = -127.f/max;
        for (int j = 0; j < QK_K; ++j) {
            const int v = nearest_int(iscale*x[j]);
            y[i].qs[j] = (int8_t)(v > 127 ? 127 : v);
        }
        for (int j = 0; j < QK_K/16; ++j) {
            int sum = 0;
            for (int ii = 0; ii < 16; ++ii) sum += y[i].qs[j*16 + ii];
            y[i].bsums[j] = (int16_t)sum;
        }
        y[i].d = 1/iscale;
        x += QK_K;
    }
}

int tk_quantize_row_ref(int type, const float *x, void *y, int64_t n) {
    switch (type) {
    case TK_F32: memcpy(y, x, (size_t)n * sizeof(float)); return 0;
    case TK_F16: { uint16_t *o = y; for (int64_t i = 0; i < n; i++) o[i] = tk_fp32_to_fp16(x[i]); return 0; }
    case TK_BF16: { uint16_t *o = y; for (int64_t i = 0; i < n; i++) o[i] = tk_fp32_to_bf16(x[i]); return 0; }
    case TK_Q8_0: tk_quantize_row_q8_0_ref(x, y, n); return 0;
    case TK_Q4_0: quantize_row_q4_0_ref(x, y, n); return 0;
    case TK_Q4_1: quantize_row_q4_1_ref(x, y, n); return 0;
    case TK_Q5_0: quantize_row_q5_0_ref(x, y, n); return 0;
    case TK_Q4_K: quantize_row_q4_K_ref(x, y, n); return 0;
    case TK_Q6_K: quantize_row_q6_K_ref(x, y, n); return 0;
    case TK_Q8_K: tk_quantize_row_q8_K_ref(x, y, n); return 0;
    default: return -1;
    }
}

int tk_dequantize_row(int type, const void *vx, float *y, int64_t n) {
    switch (type) {
    case TK_F32: memcpy(y, vx, (size_t)n * sizeof(float)); return 0;
    case TK_F16: { const uint16_t *x = vx; for (int64_t i = 0; i < n; i++) y[i] = tk_fp16_to_fp32(x[i]); return 0; }
    case TK_BF16: { const uint16_t *x = vx; for (int64_t i = 0; i < n; i++) y[i] = tk_bf16_to_fp32(x[i]); return 0; }
    case TK_Q8_0: {
        const block_q8_0 *x = vx;
        for (int64_t i = 0; i < n / QK8_0; i++) {
            const float d = tk_fp16_to_fp32(x[i].d);
            for (int j = 0; j < QK8_0; j++) y[i*QK8_0 + j] = x[i].qs[j] * d;
        }
        return 0;
    }
    case TK_Q4_0: {
        const block_q4_0 *x = vx;
        for (int64_t i = 0; i < n / QK4_0; i++) {
            const float d = tk_fp16_to_fp32(x[i].d);
            for (int j = 0; j < QK4_0/2; ++j) {
                y[i*QK4_0 + j] = ((x[i].qs[j] & 0x0F) - 8) * d;
                y[i*QK4_0 + j + QK4_0/2] = ((x[i].qs[j] >> 4) - 8) * d;
            }
        }
        return 0;
    }
    case TK_Q4_1: {
        const block_q4_1 *x = vx;
        for (int64_t i = 0; i < n / QK4_1; i++) {
            const float d = tk_fp16_to_fp32(x[i].d), m = tk_fp16_to_fp32(x[i].m);
            for (int j = 0; j < QK4_1/2; ++j) {
                y[i*QK4_1 + j] = (x[i].qs[j] & 0x0F) * d + m;
                y[i*QK4_1 + j + QK4_1/2] = (x[i].qs[j] >> 4) * d + m;
            }
        }
        return 0;
    }
    case TK_Q5_0: {
        const block_q5_0 *x = vx;
        for (int64_t i = 0; i < n / QK5_0; i++) {
            const float d = tk_fp16_to_fp32(x[i].d);
            uint32_t qh; memcpy(&qh, x[i].qh, sizeof(qh));
            for (int j = 0; j < QK5_0/2; ++j) {
                const uint8_t xh_0 = (uint8_t)(((qh >> (j + 0)) << 4) & 0x10);
                const uint8_t xh_1 = (uint8_t)(((qh >> (j + 12))) & 0x10);
                const int32_t x0 = ((x[i].qs[j] & 0x0F) | xh_0) - 16;
                const int32_t x1 = ((x[i].qs[j] >> 4) | xh_1) - 16;
                y[i*QK5_0 + j] = x0 * d;
                y[i*QK5_0 + j + QK5_0/2] = x1 * d;
            }
        }
        return 0;
    }
    case TK_Q4_K: {
        const block_q4_K *x = vx;
        for (int64_t i = 0; i < n / QK_K; i++) {
            const uint8_t *q = x[i].qs;
            const float d = tk_fp16_to_fp32(x[i].d), min = tk_fp16_to_fp32(x[i].dmin);
            float *o = y + i*QK_K;
            int is = 0;
            uint8_t sc, m;
            for (int j = 0; j < QK_K; j += 64) {
                get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
                const float d1 = d * sc, m1 = min * m;
                get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
                const float d2 = d * sc, m2 = min * m;
                for (int l = 0; l < 32; ++l) *o++ = d1 * (q[l] & 0xF) - m1;
                for (int l = 0; l < 32; ++l) *o++ = d2 * (q[l]  >> 4) - m2;
                q += 32; is += 2;
            }
        }
        return 0;
    }
    case TK_Q6_K: {
        const block_q6_K *x = vx;
        for (int64_t i = 0; i < n / QK_K; i++) {
            const float d = tk_fp16_to_fp32(x[i].d);
            const uint8_t *ql = x[i].ql, *qh = x[i].qh;
            const int8_t *sc = x[i].scales;
            float *o = y + i*QK_K;
            for (int nn = 0; nn < QK_K; nn += 128) {
                for (int l = 0; l < 32; ++l) {
                    const int is = l/16;
                    const int8_t q1 = (int8_t)((ql[l +  0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                    const int8_t q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    const int8_t q3 = (int8_t)((ql[l +  0]  >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    const int8_t q4 = (int8_t)((ql[l + 32]  >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    o[l +  0] = d * sc[is + 0] * q1;
                    o[l + 32] = d * sc[is + 2] * q2;
                    o[l + 64] = d * sc[is + 4] * q3;
                    o[l + 96] = d * sc[is + 6] * q4;
                }
                o += 128; ql += 64; qh += 32; sc += 8;
            }
        }
        return 0;
    }
    case TK_Q8_K: {
        const block_q8_K *x = vx;
        for (int64_t i = 0; i < n / QK_K; i++)
            for (int j = 0; j < QK_K; ++j) y[i*QK_K + j] = x[i].d * x[i].qs[j];
        return 0;
    }
    default: return -1;
    }
}
