// AVX2 + FMA + F16C row kernels (placeholder table until the SIMD kernels land).
#include "internal.h"
const tk_kernel_table tk_kernels_avx2 = {0};
