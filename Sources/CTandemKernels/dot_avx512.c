// AVX-512VL + VNNI row kernels: the AVX2 kernels with vpdpbusd for the q8_0-family integer dots,
// 8 activation columns per weight pass (32 vector registers).
#include "CTandemKernels.h"
#include "internal.h"

#if defined(__x86_64__)
#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define SUFFIX(name) avx512_##name
#define NCMAX 8
#define NC_CASES(NAME) NC_CASE(NAME, 1) NC_CASE(NAME, 2) NC_CASE(NAME, 3) NC_CASE(NAME, 4) \
                       NC_CASE(NAME, 5) NC_CASE(NAME, 6) NC_CASE(NAME, 7)
#define DOT_U8S8(acc, u, s) _mm256_dpbusd_epi32((acc), (u), (s))
#include "dot_simd.inc"

// ---- 512-bit kernels: two q8_0-family blocks per zmm ---------------------------------------------
// Activations are offset to unsigned (x ^ 0x80 = x + 128) so vpdpbusd multiplies them with the
// signed weights directly; the offset's contribution 128·Σw is computed once per weight block
// pair (shared by all columns) and pre-subtracted: Σ(x+128)·w − 128·Σw = Σ x·w, exactly.

INL float z_hsum(__m512 v) {
    const __m256 lo = _mm512_castps512_ps256(v);
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return avx512_hsum(_mm256_add_ps(lo, hi));
}

INL __m512 z_pair_ps(float a, float b) {
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm256_set1_ps(a))),
                                               _mm256_castps_pd(_mm256_set1_ps(b)), 1));
}

#define ZQ8FAM_ROW(NAME, BLOCK, DEC)                                                                 \
INL void SUFFIX(NAME##_cols)(const uint8_t *wr, int64_t nb, const uint8_t *act, size_t as,          \
                             const int nc, float *out, int64_t ys) {                                \
    __m512 acc[NCMAX]; __m256 tacc[NCMAX];                                                          \
    const float *xd[NCMAX]; const int8_t *xq[NCMAX];                                                \
    for (int c = 0; c < nc; c++) {                                                                  \
        acc[c] = _mm512_setzero_ps(); tacc[c] = _mm256_setzero_ps();                                \
        xd[c] = (const float *)(act + (size_t)c * as);                                              \
        xq[c] = (const int8_t *)(act + (size_t)c * as) + tk_act_q8_0_dbytes(nb);                    \
    }                                                                                               \
    const BLOCK *b = (const BLOCK *)wr;                                                             \
    const __m512i k80 = _mm512_set1_epi8((char)0x80);                                               \
    int64_t i = 0;                                                                                  \
    for (; i + 2 <= nb; i += 2) {                                                                   \
        const __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(DEC(&b[i])), DEC(&b[i + 1]), 1); \
        const __m512i negc = _mm512_sub_epi32(_mm512_setzero_si512(),                               \
                                              _mm512_dpbusd_epi32(_mm512_setzero_si512(), k80, w)); \
        const __m512 dwv = z_pair_ps(avx512_h2f(b[i].d), avx512_h2f(b[i + 1].d));                   \
        for (int c = 0; c < nc; c++) {                                                              \
            const __m512i xu = _mm512_xor_si512(_mm512_loadu_si512((const void *)(xq[c] + i * 32)), k80); \
            const __m512i p = _mm512_dpbusd_epi32(negc, xu, w);                                     \
            const __m512 s = _mm512_mul_ps(dwv, _mm512_loadu_ps(xd[c] + i * 8));                    \
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), s, acc[c]);                             \
        }                                                                                           \
    }                                                                                               \
    if (i < nb) {                                                                                   \
        const __m256i k80y = _mm256_set1_epi8((char)0x80);                                         \
        const __m256i w = DEC(&b[i]);                                                               \
        const __m256i negc = _mm256_sub_epi32(_mm256_setzero_si256(),                              \
                                              _mm256_dpbusd_epi32(_mm256_setzero_si256(), k80y, w)); \
        const __m256 dwv = _mm256_set1_ps(avx512_h2f(b[i].d));                                      \
        for (int c = 0; c < nc; c++) {                                                              \
            const __m256i xu = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(xq[c] + i * 32)), k80y); \
            const __m256i p = _mm256_dpbusd_epi32(negc, xu, w);                                     \
            const __m256 s = _mm256_mul_ps(dwv, _mm256_loadu_ps(xd[c] + i * 8));                    \
            tacc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), s, tacc[c]);                           \
        }                                                                                           \
    }                                                                                               \
    for (int c = 0; c < nc; c++) {                                                                  \
        float s = z_hsum(acc[c]);                                                                   \
        if (nb & 1) s += avx512_hsum(tacc[c]);                                                      \
        out[c * ys] = s;                                                                            \
    }                                                                                               \
}

ZQ8FAM_ROW(z_q8_0, block_q8_0, avx512_dec_q8_0)
ZQ8FAM_ROW(z_q4_0, block_q4_0, avx512_dec_q4_0)
ZQ8FAM_ROW(z_q5_0, block_q5_0, avx512_dec_q5_0)

// ---- 512-bit float kernels (2 accumulators per column, 32 values per step, masked tail) ------
INL __m512 z_ld_f32(const void *p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
INL __m512 z_ld_f16(const void *p, __mmask16 m) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)); }
INL __m512 z_ld_bf16(const void *p, __mmask16 m) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
}

#define ZFLOAT_ROW(NAME, ESIZE, LOAD)                                                                \
INL void SUFFIX(NAME##_cols)(const uint8_t *wr, int64_t n, const uint8_t *act, size_t as,           \
                             const int nc, float *out, int64_t ys) {                                \
    __m512 a0[NCMAX], a1[NCMAX]; const float *x[NCMAX];                                             \
    for (int c = 0; c < nc; c++) {                                                                  \
        a0[c] = _mm512_setzero_ps(); a1[c] = _mm512_setzero_ps();                                   \
        x[c] = (const float *)(act + (size_t)c * as);                                               \
    }                                                                                               \
    int64_t i = 0;                                                                                  \
    for (; i + 32 <= n; i += 32) {                                                                  \
        const __m512 w0 = LOAD(wr + i * ESIZE, 0xFFFF), w1 = LOAD(wr + (i + 16) * ESIZE, 0xFFFF);   \
        for (int c = 0; c < nc; c++) {                                                              \
            a0[c] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x[c] + i), a0[c]);                          \
            a1[c] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x[c] + i + 16), a1[c]);                     \
        }                                                                                           \
    }                                                                                               \
    for (; i < n; i += 16) {                                                                        \
        const __mmask16 m = (__mmask16)(n - i >= 16 ? 0xFFFF : ((1u << (n - i)) - 1));              \
        const __m512 w0 = LOAD(wr + i * ESIZE, m);                                                  \
        for (int c = 0; c < nc; c++) a0[c] = _mm512_fmadd_ps(w0, _mm512_maskz_loadu_ps(m, x[c] + i), a0[c]); \
    }                                                                                               \
    for (int c = 0; c < nc; c++) out[c * ys] = z_hsum(_mm512_add_ps(a0[c], a1[c]));                 \
}

ZFLOAT_ROW(z_f32, 4, z_ld_f32)
ZFLOAT_ROW(z_f16, 2, z_ld_f16)
ZFLOAT_ROW(z_bf16, 2, z_ld_bf16)

ROWS_DRIVER(z_q8_0, cols / 32)
ROWS_DRIVER(z_q4_0, cols / 32)
ROWS_DRIVER(z_q5_0, cols / 32)
ROWS_DRIVER(z_f32, cols)
ROWS_DRIVER(z_f16, cols)
ROWS_DRIVER(z_bf16, cols)

const tk_kernel_table tk_kernels_avx512 = {
    avx512_rows_z_f32, avx512_rows_z_f16, avx512_rows_z_bf16, avx512_rows_z_q8_0, avx512_rows_z_q4_0, avx512_rows_z_q5_0,
    avx512_rows_q4_K, avx512_rows_q6_K,
};
#else
const tk_kernel_table tk_kernels_avx512 = {0};
#endif
