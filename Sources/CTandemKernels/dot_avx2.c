// AVX2 + FMA + F16C row kernels (integer dots with vpmaddubsw/vpmaddwd, as llama.cpp's AVX2 path).
#include "CTandemKernels.h"
#include "internal.h"

#if defined(__x86_64__)
#define TGT __attribute__((target("avx2,fma,f16c")))
#define SUFFIX(name) avx2_##name
#define NCMAX 4
#define NC_CASES(NAME) NC_CASE(NAME, 1) NC_CASE(NAME, 2) NC_CASE(NAME, 3)
#define DOT_U8S8(acc, u, s) _mm256_add_epi32((acc), _mm256_madd_epi16(_mm256_maddubs_epi16((u), (s)), _mm256_set1_epi16(1)))
#define MADD_I16(acc, a, b) _mm256_add_epi32((acc), _mm256_madd_epi16((a), (b)))
#include "dot_simd.inc"

const tk_kernel_table tk_kernels_avx2 = {
    avx2_rows_f32, avx2_rows_f16, avx2_rows_bf16, avx2_rows_q8_0, avx2_rows_q4_0, avx2_rows_q5_0,
    avx2_rows_q4_K, avx2_rows_q6_K, avx2_rows_q4_1,
};
#else
const tk_kernel_table tk_kernels_avx2 = {0};
#endif
