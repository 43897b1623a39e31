// AVX2 activation quantizers, bit-identical to the scalar reference ones in act.c / quantize.c
// (roundf is emulated exactly: truncate, then step away from zero when the remainder is ≥ 0.5;
// nearest_int is round-half-even, which is vcvtps2dq's default rounding).
#include "CTandemKernels.h"
#include "internal.h"
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c")))

static inline TGT __m256i pack_i32x4_to_i8(__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
    const __m256i v = _mm256_packs_epi16(ab, cd);
    return _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

static inline TGT __m256i roundf_epi32(__m256 v) {
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 sign = _mm256_and_ps(v, _mm256_set1_ps(-0.0f));
    const __m256 absdiff = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(v, t));
    const __m256 step = _mm256_and_ps(_mm256_cmp_ps(absdiff, _mm256_set1_ps(0.5f), _CMP_GE_OQ),
                                      _mm256_or_ps(_mm256_set1_ps(1.0f), sign));
    return _mm256_cvttps_epi32(_mm256_add_ps(t, step));
}

TGT void tk_quantize_act_q8_0_row_avx2(const float *x, void *act, int64_t cols) {
    const int64_t nb = cols / QK8_0;
    float *ds = act;
    int8_t *qs = (int8_t *)act + tk_act_q8_0_dbytes(nb);
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (int64_t i = 0; i < nb; i++) {
        const float *xb = x + i * 32;
        __m256 v0 = _mm256_loadu_ps(xb), v1 = _mm256_loadu_ps(xb + 8), v2 = _mm256_loadu_ps(xb + 16), v3 = _mm256_loadu_ps(xb + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v0, absmask), _mm256_and_ps(v1, absmask)),
                                 _mm256_max_ps(_mm256_and_ps(v2, absmask), _mm256_and_ps(v3, absmask)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        const float amax = _mm_cvtss_f32(h);
        const float d = amax / 127.0f;
        const float id = d ? 1.0f / d : 0.0f;
        _mm256_storeu_ps(ds + i * 8, _mm256_set1_ps(tk_fp16_to_fp32(tk_fp32_to_fp16(d))));
        const __m256 vid = _mm256_set1_ps(id);
        const __m256i q = pack_i32x4_to_i8(roundf_epi32(_mm256_mul_ps(v0, vid)), roundf_epi32(_mm256_mul_ps(v1, vid)),
                                           roundf_epi32(_mm256_mul_ps(v2, vid)), roundf_epi32(_mm256_mul_ps(v3, vid)));
        _mm256_storeu_si256((__m256i *)(qs + i * 32), q);
    }
}

TGT void tk_quantize_act_q8_K_row_avx2(const float *x, void *act, int64_t cols) {
    const int64_t nb = cols / QK_K;
    block_q8_K *y = act;
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < QK_K; j += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + j), absmask));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        const float amax = _mm_cvtss_f32(h);
        if (!amax) { memset(&y[i], 0, sizeof(block_q8_K)); continue; }
        // The first value with |x| == amax (the reference keeps the first on ties).
        float max = 0;
        const __m256 va = _mm256_set1_ps(amax);
        for (int j = 0; j < QK_K; j += 8) {
            const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_and_ps(_mm256_loadu_ps(x + j), absmask), va, _CMP_EQ_OQ));
            if (mask) { max = x[j + __builtin_ctz((unsigned)mask)]; break; }
        }
        const float iscale = -127.f / max;
        const __m256 vs = _mm256_set1_ps(iscale);
        const __m256i lim = _mm256_set1_epi32(127);
        for (int j = 0; j < QK_K; j += 32) {
            __m256i q[4];
            for (int t = 0; t < 4; t++)
                q[t] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(vs, _mm256_loadu_ps(x + j + 8 * t))), lim);
            _mm256_storeu_si256((__m256i *)(y[i].qs + j), pack_i32x4_to_i8(q[0], q[1], q[2], q[3]));
        }
        for (int j = 0; j < QK_K / 16; j++) {
            const __m128i b = _mm_loadu_si128((const __m128i *)(y[i].qs + 16 * j));
            const __m256i w = _mm256_cvtepi8_epi16(b);
            const __m256i s = _mm256_madd_epi16(w, _mm256_set1_epi16(1));
            __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            t = _mm_hadd_epi32(t, t);
            t = _mm_hadd_epi32(t, t);
            y[i].bsums[j] = (int16_t)_mm_cvtsi128_si32(t);
        }
        y[i].d = 1 / iscale;
    }
}
#endif
