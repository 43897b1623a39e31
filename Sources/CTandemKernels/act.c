// Activation quantization into the layouts the dot kernels read (see internal.h).
// Values are identical to ggml's reference quantizers (quantize_row_q8_0_ref / _q8_K_ref).
#include "CTandemKernels.h"
#include "internal.h"
#include <string.h>
#include <math.h>

int tk_act_type(int wt) {
    switch (wt) {
    case TK_F32: case TK_F16: case TK_BF16: return TK_F32;
    case TK_Q8_0: case TK_Q4_0: case TK_Q4_1: case TK_Q5_0: return TK_Q8_0;
    case TK_Q4_K: case TK_Q6_K: return TK_Q8_K;
    default: return -1;
    }
}

size_t tk_act_row_bytes(int wt, int64_t cols) {
    size_t b;
    switch (tk_act_type(wt)) {
    case TK_F32: b = (size_t)cols * 4; break;
    case TK_Q8_0: b = tk_act_q8_0_dbytes(cols / QK8_0) + (size_t)cols; break;
    case TK_Q8_K: b = (size_t)(cols / QK_K) * sizeof(block_q8_K); break;
    default: return 0;
    }
    return (b + 63) / 64 * 64;
}

void tk_quantize_act_q8_0_row(const float *x, void *act, int64_t cols) {
    const int64_t nb = cols / QK8_0;
    float *ds = act;
    int8_t *qs = (int8_t *)act + tk_act_q8_0_dbytes(nb);
    for (int64_t i = 0; i < nb; i++) {
        const float *xb = x + i * QK8_0;
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; j++) { const float v = fabsf(xb[j]); amax = v > amax ? v : amax; }
        const float d = amax / 127.0f;
        const float id = d ? 1.0f / d : 0.0f;
        const float dr = tk_fp16_to_fp32(tk_fp32_to_fp16(d));
        for (int l = 0; l < 8; l++) ds[i * 8 + l] = dr;
        for (int j = 0; j < QK8_0; j++) qs[i * QK8_0 + j] = (int8_t)((uint8_t)(int8_t)roundf(xb[j] * id) ^ 0x80);
    }
}

void tk_quantize_act_q8_K_row(const float *x, void *act, int64_t cols) {
    tk_quantize_row_q8_K_ref(x, act, cols);
}

#if defined(__x86_64__)
void tk_quantize_act_q8_0_row_avx2(const float *x, void *act, int64_t cols);
void tk_quantize_act_q8_K_row_avx2(const float *x, void *act, int64_t cols);
#endif

void tk_quantize_act_row(int wt, const float *x, void *act, int64_t cols) {
    tk_quantize_act_row_at(tk_simd_level(), wt, x, act, cols);
}

void tk_quantize_act_row_at(int level, int wt, const float *x, void *act, int64_t cols) {
#if defined(__x86_64__)
    const int simd = level >= 1 && tk_detected_level() >= 1;
#else
    (void)level;
    const int simd = 0;
#endif
    switch (tk_act_type(wt)) {
    case TK_F32: memcpy(act, x, (size_t)cols * 4); break;
#if defined(__x86_64__)
    case TK_Q8_0: if (simd) tk_quantize_act_q8_0_row_avx2(x, act, cols); else tk_quantize_act_q8_0_row(x, act, cols); break;
    case TK_Q8_K: if (simd) tk_quantize_act_q8_K_row_avx2(x, act, cols); else tk_quantize_act_q8_K_row(x, act, cols); break;
#else
    case TK_Q8_0: (void)simd; tk_quantize_act_q8_0_row(x, act, cols); break;
    case TK_Q8_K: tk_quantize_act_q8_K_row(x, act, cols); break;
#endif
    default: break;
    }
}
