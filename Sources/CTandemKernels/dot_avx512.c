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

const tk_kernel_table tk_kernels_avx512 = {
    avx512_rows_f32, avx512_rows_f16, avx512_rows_bf16, avx512_rows_q8_0, avx512_rows_q4_0, avx512_rows_q5_0,
    avx512_rows_q4_K, avx512_rows_q6_K,
};
#else
const tk_kernel_table tk_kernels_avx512 = {0};
#endif
