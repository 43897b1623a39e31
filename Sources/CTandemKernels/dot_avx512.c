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
#define MADD_I16(acc, a, b) _mm256_dpwssd_epi32((acc), (a), (b))
#include "dot_simd.inc"

// ---- 512-bit kernels: two q8_0-family blocks per zmm ---------------------------------------------
// Activations are stored offset to unsigned (x ^ 0x80 = x + 128) so vpdpbusd multiplies them with the
// signed weights directly; the offset's contribution 128·Σw is computed once per weight block
// pair (shared by all columns) and pre-subtracted: Σ(x+128)·w − 128·Σw = Σ x·w, exactly.

INL float z_hsum(__m512 v) {
    const __m256 lo = _mm512_castps512_ps256(v);
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    return avx512_hsum(_mm256_add_ps(lo, hi));
}

// z_hsum of up to 8 accumulators at once, transposing as it goes: every column gets exactly
// z_hsum's tree (halves 256, 128, 64, then lane 0 + lane 1), so the sums are bit-identical to
// z_hsum's, in ~24 vector ops for 8 columns instead of ~56. Columns ≥ nc are padded with zeros.
INL void z_hsum8(const __m512 *acc, const int nc, float *res) {
    __m512 v[8];
    for (int c = 0; c < 8; c++) v[c] = c < nc ? acc[c] : _mm512_setzero_ps();
    __m512 s[4];  // s[p] = [v[2p] lo256 + hi256, v[2p+1] lo256 + hi256]
    for (int p = 0; p < 4; p++)
        s[p] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0x44),
                             _mm512_shuffle_f32x4(v[2 * p], v[2 * p + 1], 0xEE));
    __m512 t[2];  // t[h] quarters: columns 4h..4h+3, each lo128 + hi128 of its 256-bit sum
    for (int h = 0; h < 2; h++)
        t[h] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * h], s[2 * h + 1], 0x88),
                             _mm512_shuffle_f32x4(s[2 * h], s[2 * h + 1], 0xDD));
    // Quarter q: (t0 + t2, t1 + t3) of column q, then of column 4 + q.
    const __m512 u = _mm512_add_ps(_mm512_shuffle_ps(t[0], t[1], 0x44), _mm512_shuffle_ps(t[0], t[1], 0xEE));
    const __m512 w = _mm512_add_ps(u, _mm512_movehdup_ps(u));  // lane 4q: column q, lane 4q+2: column 4+q
    float tmp[16];
    _mm512_storeu_ps(tmp, w);
    for (int c = 0; c < nc; c++) res[c] = tmp[c < 4 ? 4 * c : 4 * (c - 4) + 2];
}

INL __m512 z_pair_ps(float a, float b) {
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm256_set1_ps(a))),
                                               _mm256_castps_pd(_mm256_set1_ps(b)), 1));
}

// Two fp16 block scales → (a ×8, b ×8) as f32: one vmovd from a general register, one
// vcvtph2ps, one vpermps. (_cvtsh_ss compiles to vpinsrw into whatever xmm is at hand, often a
// live accumulator, which chained each block pair behind the previous one's fma.)
INL __m512 z_dw_pair(uint16_t a, uint16_t b) {
    const __m128 ab = _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)a | ((uint32_t)b << 16))));
    return _mm512_permutexvar_ps(_mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                                 _mm512_castps128_ps512(ab));
}

#define ZQ8FAM_ROW(NAME, BLOCK, DEC, HASMIN, MPAIR, MONE)                                                               \
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
    const __m512i ones = _mm512_set1_epi8(1), n512 = _mm512_set1_epi32(-512);                       \
    int64_t i = 0;                                                                                  \
    for (; i + 2 <= nb; i += 2) {                                                                   \
        const __m512i w = _mm512_inserti64x4(_mm512_castsi256_si512(DEC(&b[i])), DEC(&b[i + 1]), 1); \
        const __m512i negc = _mm512_sub_epi32(_mm512_setzero_si512(),                               \
                                              _mm512_dpbusd_epi32(_mm512_setzero_si512(), k80, w)); \
        const __m512 dwv = z_dw_pair(b[i].d, b[i + 1].d);                   \
        const __m512 mwv = MPAIR(b, i);                                                             \
        for (int c = 0; c < nc; c++) {                                                              \
            const __m512i xu = _mm512_loadu_si512((const void *)(xq[c] + i * 32));                 \
            const __m512i p = _mm512_dpbusd_epi32(negc, xu, w);                                     \
            const __m512 xs = _mm512_loadu_ps(xd[c] + i * 8);                                       \
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(p), _mm512_mul_ps(dwv, xs), acc[c]);        \
            if (HASMIN) acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(n512, xu, ones)), \
                                                 _mm512_mul_ps(mwv, xs), acc[c]);                   \
        }                                                                                           \
    }                                                                                               \
    if (i < nb) {                                                                                   \
        const __m256i k80y = _mm256_set1_epi8((char)0x80);                                         \
        const __m256i w = DEC(&b[i]);                                                               \
        const __m256i negc = _mm256_sub_epi32(_mm256_setzero_si256(),                              \
                                              _mm256_dpbusd_epi32(_mm256_setzero_si256(), k80y, w)); \
        const __m256 dwv = _mm256_set1_ps(avx512_h2f(b[i].d));                                      \
        const __m256 mwv = MONE(b, i);                                                              \
        for (int c = 0; c < nc; c++) {                                                              \
            const __m256i xu = _mm256_loadu_si256((const __m256i *)(xq[c] + i * 32));              \
            const __m256i p = _mm256_dpbusd_epi32(negc, xu, w);                                     \
            const __m256 xs = _mm256_loadu_ps(xd[c] + i * 8);                                       \
            tacc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_mul_ps(dwv, xs), tacc[c]);      \
            if (HASMIN) tacc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm512_castsi512_si256(n512), xu, \
                                                  _mm512_castsi512_si256(ones))), _mm256_mul_ps(mwv, xs), tacc[c]); \
        }                                                                                           \
    }                                                                                               \
    for (int c = 0; c < nc; c++) {                                                                  \
        float s = z_hsum(acc[c]);                                                                   \
        if (nb & 1) s += avx512_hsum(tacc[c]);                                                      \
        out[c * ys] = s;                                                                            \
    }                                                                                               \
}

// Two weight rows × nc columns: each activation block pair (quants and scales) is loaded once
// for both rows. Per (row, column) the operations and their order are exactly those of the
// one-row kernel above (same accumulator, same tail, same horizontal sum), so a row's value does
// not depend on whether it was computed alone or paired.
#define ZQ8FAM_ROW2(NAME, BLOCK, DEC, HASMIN, MPAIR, MONE)                                                              \
INL void SUFFIX(NAME##_cols2)(const uint8_t *wr0, const uint8_t *wr1, int64_t nb, const uint8_t *act, \
                              size_t as, const int nc, float *out, int64_t ys) {                    \
    __m512 acc0[NCMAX], acc1[NCMAX];                                                                \
    const float *xd[NCMAX]; const int8_t *xq[NCMAX];                                                \
    for (int c = 0; c < nc; c++) {                                                                  \
        acc0[c] = _mm512_setzero_ps(); acc1[c] = _mm512_setzero_ps();                               \
        xd[c] = (const float *)(act + (size_t)c * as);                                              \
        xq[c] = (const int8_t *)(act + (size_t)c * as) + tk_act_q8_0_dbytes(nb);                    \
    }                                                                                               \
    const BLOCK *b0 = (const BLOCK *)wr0, *b1 = (const BLOCK *)wr1;                                 \
    const __m512i k80 = _mm512_set1_epi8((char)0x80);                                               \
    const __m512i ones = _mm512_set1_epi8(1), n512 = _mm512_set1_epi32(-512);                       \
    int64_t i = 0;                                                                                  \
    for (; i + 2 <= nb; i += 2) {                                                                   \
        const __m512i w0 = _mm512_inserti64x4(_mm512_castsi256_si512(DEC(&b0[i])), DEC(&b0[i + 1]), 1); \
        const __m512i w1 = _mm512_inserti64x4(_mm512_castsi256_si512(DEC(&b1[i])), DEC(&b1[i + 1]), 1); \
        const __m512i negc0 = _mm512_sub_epi32(_mm512_setzero_si512(),                              \
                                               _mm512_dpbusd_epi32(_mm512_setzero_si512(), k80, w0)); \
        const __m512i negc1 = _mm512_sub_epi32(_mm512_setzero_si512(),                              \
                                               _mm512_dpbusd_epi32(_mm512_setzero_si512(), k80, w1)); \
        const __m512 dwv0 = z_dw_pair(b0[i].d, b0[i + 1].d);                \
        const __m512 dwv1 = z_dw_pair(b1[i].d, b1[i + 1].d);                \
        const __m512 mwv0 = MPAIR(b0, i), mwv1 = MPAIR(b1, i);                                      \
        for (int c = 0; c < nc; c++) {                                                              \
            const __m512i xu = _mm512_loadu_si512((const void *)(xq[c] + i * 32));                 \
            const __m512 xs = _mm512_loadu_ps(xd[c] + i * 8);                                       \
            acc0[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(negc0, xu, w0)),       \
                                      _mm512_mul_ps(dwv0, xs), acc0[c]);                            \
            acc1[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(negc1, xu, w1)),       \
                                      _mm512_mul_ps(dwv1, xs), acc1[c]);                            \
            if (HASMIN) {  /* Σx per 4 lanes, shared by both rows */                                \
                const __m512 sx = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(n512, xu, ones));          \
                acc0[c] = _mm512_fmadd_ps(sx, _mm512_mul_ps(mwv0, xs), acc0[c]);                    \
                acc1[c] = _mm512_fmadd_ps(sx, _mm512_mul_ps(mwv1, xs), acc1[c]);                    \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
    float s0[NCMAX], s1[NCMAX];                                                                     \
    z_hsum8(acc0, nc, s0); z_hsum8(acc1, nc, s1);                                                   \
    if (i < nb) {                                                                                   \
        const __m256i k80y = _mm256_set1_epi8((char)0x80);                                         \
        const __m256i w0 = DEC(&b0[i]), w1 = DEC(&b1[i]);                                           \
        const __m256i negc0 = _mm256_sub_epi32(_mm256_setzero_si256(),                             \
                                               _mm256_dpbusd_epi32(_mm256_setzero_si256(), k80y, w0)); \
        const __m256i negc1 = _mm256_sub_epi32(_mm256_setzero_si256(),                             \
                                               _mm256_dpbusd_epi32(_mm256_setzero_si256(), k80y, w1)); \
        const __m256 dwv0 = _mm256_set1_ps(avx512_h2f(b0[i].d)), dwv1 = _mm256_set1_ps(avx512_h2f(b1[i].d)); \
        const __m256 mwv0 = MONE(b0, i), mwv1 = MONE(b1, i);                                        \
        for (int c = 0; c < nc; c++) {                                                              \
            const __m256i xu = _mm256_loadu_si256((const __m256i *)(xq[c] + i * 32));              \
            const __m256 xs = _mm256_loadu_ps(xd[c] + i * 8);                                       \
            __m256 t0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(negc0, xu, w0)),     \
                                        _mm256_mul_ps(dwv0, xs), _mm256_setzero_ps());              \
            __m256 t1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(negc1, xu, w1)),     \
                                        _mm256_mul_ps(dwv1, xs), _mm256_setzero_ps());              \
            if (HASMIN) {                                                                           \
                const __m256 sx = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm512_castsi512_si256(n512), xu, \
                                                                         _mm512_castsi512_si256(ones))); \
                t0 = _mm256_fmadd_ps(sx, _mm256_mul_ps(mwv0, xs), t0);                              \
                t1 = _mm256_fmadd_ps(sx, _mm256_mul_ps(mwv1, xs), t1);                              \
            }                                                                                       \
            s0[c] += avx512_hsum(t0); s1[c] += avx512_hsum(t1);                                     \
        }                                                                                           \
    }                                                                                               \
    for (int c = 0; c < nc; c++) { out[c * ys] = s0[c]; out[c * ys + 1] = s1[c]; }                 \
}

// q5_0 with AVX-512BW masks: the 32 high bits straight from qh into a k-mask; where a bit is
// clear, nibble − 16, where set, nibble (= (nibble | 16) − 16). Same values as avx512_dec_q5_0.
INL __m256i z_dec_q5_0(const void *blk) {
    const block_q5_0 *b5 = blk;
    const __m128i t = _mm_loadu_si128((const __m128i *)b5->qs);
    const __m256i nib = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0F));
    uint32_t qh; memcpy(&qh, b5->qh, 4);
    return _mm256_mask_sub_epi8(nib, _cvtu32_mask32(~qh), nib, _mm256_set1_epi8(16));
}

// Scale pairs for the q4_1 minimum term; the other types have none (their MPAIR is never used).
#define NO_MPAIR(b, i) _mm512_setzero_ps()
#define NO_MONE(b, i) _mm256_setzero_ps()
#define Q41_MPAIR(b, i) z_dw_pair((b)[i].m, (b)[(i) + 1].m)
#define Q41_MONE(b, i) _mm256_set1_ps(avx512_h2f((b)[i].m))

ZQ8FAM_ROW(z_q8_0, block_q8_0, avx512_dec_q8_0, 0, NO_MPAIR, NO_MONE)
ZQ8FAM_ROW(z_q4_0, block_q4_0, avx512_dec_q4_0, 0, NO_MPAIR, NO_MONE)
ZQ8FAM_ROW(z_q5_0, block_q5_0, z_dec_q5_0, 0, NO_MPAIR, NO_MONE)
ZQ8FAM_ROW(z_q4_1, block_q4_1, avx512_dec_q4_1, 1, Q41_MPAIR, Q41_MONE)
ZQ8FAM_ROW2(z_q8_0, block_q8_0, avx512_dec_q8_0, 0, NO_MPAIR, NO_MONE)
ZQ8FAM_ROW2(z_q4_0, block_q4_0, avx512_dec_q4_0, 0, NO_MPAIR, NO_MONE)
ZQ8FAM_ROW2(z_q5_0, block_q5_0, z_dec_q5_0, 0, NO_MPAIR, NO_MONE)
ZQ8FAM_ROW2(z_q4_1, block_q4_1, avx512_dec_q4_1, 1, Q41_MPAIR, Q41_MONE)

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


// ---- q4_K · q8_K with vpdpbusd: one zmm per pair of 32-value sub-blocks -----------------------------
// Weights: zmm j = (low nibbles | high nibbles) of qs[32j, 32j+32) = sub-blocks 2j, 2j+1 in the
// activation's natural order, so one vpdpbusd per 64 values gives per-sub-block i32 partial sums
// (≤ 4·15·127 in magnitude); two of them pack to i16 (no saturation) and one vpdpwssd applies the
// 6-bit scales. The integer block sum is exact; its 16 lanes are folded to 8 (exact) and the
// float steps are those of the AVX2-shaped kernel, in an order that depends only on the block count.
INL void SUFFIX(zq4_K_cols)(const uint8_t *wr, int64_t nb, const uint8_t *act, size_t as,
                            const int nc, float *out, int64_t ys) {
    __m256 acc[NCMAX];
    for (int c = 0; c < nc; c++) acc[c] = _mm256_setzero_ps();
    const block_q4_K *b = (const block_q4_K *)wr;
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    // i16 lane i of the scale vector for the packed pair (0,1): 128-bit lane L = i/8 holds
    // (sub-block of P0's lane L) ×4 then (sub-block of P1's lane L) ×4; P0 lanes 0,1 = sub-block 0,
    // lanes 2,3 = sub-block 1; P1: sub-blocks 2, 3.
    const __m512i idx01 = _mm512_set_epi16(3,3,3,3,1,1,1,1, 3,3,3,3,1,1,1,1, 2,2,2,2,0,0,0,0, 2,2,2,2,0,0,0,0);
    const __m512i idx23 = _mm512_add_epi16(idx01, _mm512_set1_epi16(4));
    for (int64_t i = 0; i < nb; i++) {
        uint32_t u[4]; memcpy(u, b[i].scales, 12);
        const uint32_t km1 = 0x3f3f3f3f, km2 = 0x0f0f0f0f, km3 = 0x03030303;
        u[3] = ((u[2] >> 4) & km2) | (((u[1] >> 6) & km3) << 4);
        const uint32_t uaux = u[1] & km1;
        u[1] = (u[2] & km2) | (((u[0] >> 6) & km3) << 4);
        u[2] = uaux;
        u[0] &= km1;
        const __m256i mins_scales = _mm256_cvtepu8_epi16(_mm_set_epi32((int)u[3], (int)u[2], (int)u[1], (int)u[0]));
        const __m128i mins8 = _mm256_extracti128_si256(mins_scales, 1);
        const __m256i mins16 = _mm256_set_m128i(_mm_unpackhi_epi16(mins8, mins8), _mm_unpacklo_epi16(mins8, mins8));
        const __m512i sc01 = _mm512_permutexvar_epi16(idx01, _mm512_castsi256_si512(mins_scales));
        const __m512i sc23 = _mm512_permutexvar_epi16(idx23, _mm512_castsi256_si512(mins_scales));
        const float dw = SUFFIX(h2f)(b[i].d), dmw = SUFFIX(h2f)(b[i].dmin);
        __m512i q[4];
        for (int j = 0; j < 4; j++) {
            const __m256i bits = _mm256_loadu_si256((const __m256i *)(b[i].qs + 32 * j));
            q[j] = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(bits), _mm256_srli_epi16(bits, 4), 1), m4);
        }
        for (int c = 0; c < nc; c++) {
            const block_q8_K *x = (const block_q8_K *)(act + (size_t)c * as) + i;
            const __m256i msum = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)x->bsums), mins16);
            __m512i p[4];
            for (int j = 0; j < 4; j++)
                p[j] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q[j], _mm512_loadu_si512((const void *)(x->qs + 64 * j)));
            const __m512i s = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(_mm512_setzero_si512(), _mm512_packs_epi32(p[0], p[1]), sc01),
                                                  _mm512_packs_epi32(p[2], p[3]), sc23);
            const __m256i sumi = _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(x->d * dw), acc[c]);
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(-(x->d * dmw)), acc[c]);
        }
    }
    for (int c = 0; c < nc; c++) out[c * ys] = avx512_hsum(acc[c]);
}

// Driver for kernels with a two-row variant: like ROWS_DRIVER (column groups outside, rows
// inside), rows taken in pairs while two remain.
#define NC2_CASE(NAME, N) case N: SUFFIX(NAME##_cols2)(wr, wr + row_bytes, nb, a + (size_t)j * as, as, N, y + j * ys + r, ys); break;
#define NC2_CASES(NAME) NC2_CASE(NAME, 1) NC2_CASE(NAME, 2) NC2_CASE(NAME, 3) NC2_CASE(NAME, 4) \
                        NC2_CASE(NAME, 5) NC2_CASE(NAME, 6) NC2_CASE(NAME, 7)
#define ROWS_DRIVER2(NAME, NB)                                                                       \
static TGT void SUFFIX(rows2_##NAME)(const void *w, size_t row_bytes, int64_t cols, int64_t r0,     \
        int64_t r1, const void *act, size_t as, int k, float *y, int64_t ys) {                      \
    const int64_t nb = NB;                                                                          \
    const uint8_t *a = (const uint8_t *)act;                                                        \
    for (int j = 0; j < k; j += NCMAX) {                                                            \
        const int nc = k - j < NCMAX ? k - j : NCMAX;                                               \
        int64_t r = r0;                                                                             \
        for (; r + 2 <= r1; r += 2) {                                                               \
            const uint8_t *wr = (const uint8_t *)w + (size_t)r * row_bytes;                         \
            if (j == 0) {                                                                           \
                const char *pf = (const char *)wr + PF_ROWS * row_bytes;                            \
                for (size_t o = 0; o < 2 * row_bytes; o += 64) _mm_prefetch(pf + o, _MM_HINT_T0);    \
            }                                                                                       \
            if (nc == NCMAX) SUFFIX(NAME##_cols2)(wr, wr + row_bytes, nb, a + (size_t)j * as, as, NCMAX, y + j * ys + r, ys); \
            else switch (nc) {                                                                      \
            NC2_CASES(NAME)                                                                         \
            }                                                                                       \
        }                                                                                           \
        if (r < r1) {                                                                               \
            const uint8_t *wr = (const uint8_t *)w + (size_t)r * row_bytes;                         \
            if (nc == NCMAX) SUFFIX(NAME##_cols)(wr, nb, a + (size_t)j * as, as, NCMAX, y + j * ys + r, ys); \
            else switch (nc) {                                                                      \
            NC_CASES(NAME)                                                                          \
            }                                                                                       \
        }                                                                                           \
    }                                                                                               \
}

ROWS_DRIVER2(z_q8_0, cols / 32)
ROWS_DRIVER2(z_q4_0, cols / 32)
ROWS_DRIVER2(z_q5_0, cols / 32)
ROWS_DRIVER2(z_q4_1, cols / 32)
ROWS_DRIVER(zq4_K, cols / 256)
ROWS_DRIVER(z_f32, cols)
ROWS_DRIVER(z_f16, cols)
ROWS_DRIVER(z_bf16, cols)

const tk_kernel_table tk_kernels_avx512 = {
    avx512_rows_z_f32, avx512_rows_z_f16, avx512_rows_z_bf16, avx512_rows2_z_q8_0, avx512_rows2_z_q4_0, avx512_rows2_z_q5_0,
    avx512_rows_zq4_K, avx512_rows_q6_K, avx512_rows2_z_q4_1,
};
#else
const tk_kernel_table tk_kernels_avx512 = {0};
#endif
