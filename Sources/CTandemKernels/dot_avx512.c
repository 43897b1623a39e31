// AVX-512 (+VNNI) row kernels (placeholder table until the SIMD kernels land).
#include "internal.h"
const tk_kernel_table tk_kernels_avx512 = {0};
