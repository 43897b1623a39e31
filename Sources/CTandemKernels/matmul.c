// Matmul entry point: picks the row kernel for the weight type at the active SIMD level.
#include "CTandemKernels.h"
#include "internal.h"

void tk_matmul_rows(int type, const void *w, size_t row_bytes, int64_t cols, int64_t r0, int64_t r1,
                    const void *act, size_t act_stride, int k, float *y, int64_t ys) {
    const tk_kernel_table *t = tk_active_kernels();
    tk_rows_fn f = 0;
    switch (type) {
    case TK_F32: f = t->f32; break;
    case TK_F16: f = t->f16; break;
    case TK_BF16: f = t->bf16; break;
    case TK_Q8_0: f = t->q8_0; break;
    case TK_Q4_0: f = t->q4_0; break;
    case TK_Q5_0: f = t->q5_0; break;
    case TK_Q4_K: f = t->q4_K; break;
    case TK_Q6_K: f = t->q6_K; break;
    default: return;
    }
    if (!f) {  // a SIMD table without this type: the scalar kernel
        const tk_kernel_table *sc = &tk_kernels_scalar;
        switch (type) {
        case TK_F32: f = sc->f32; break;
        case TK_F16: f = sc->f16; break;
        case TK_BF16: f = sc->bf16; break;
        case TK_Q8_0: f = sc->q8_0; break;
        case TK_Q4_0: f = sc->q4_0; break;
        case TK_Q5_0: f = sc->q5_0; break;
        case TK_Q4_K: f = sc->q4_K; break;
        default: f = sc->q6_K; break;
        }
    }
    if (r1 > r0 && k > 0) f(w, row_bytes, cols, r0, r1, act, act_stride, k, y, ys);
}
