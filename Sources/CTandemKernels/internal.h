// Block layouts (ggml-common.h) and internals shared by the C kernels. Not part of the module map.
#ifndef TK_INTERNAL_H
#define TK_INTERNAL_H
#include <stdint.h>
#include <stddef.h>
#include <assert.h>

#define QK4_0 32
#define QK4_1 32
#define QK5_0 32
#define QK8_0 32
#define QK_K 256

typedef struct { uint16_t d; uint8_t qs[QK4_0/2]; } block_q4_0;
typedef struct { uint16_t d; uint16_t m; uint8_t qs[QK4_1/2]; } block_q4_1;  // weight = d·q + m
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[QK5_0/2]; } block_q5_0;
typedef struct { uint16_t d; int8_t qs[QK8_0]; } block_q8_0;
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[12]; uint8_t qs[QK_K/2]; } block_q4_K;
typedef struct { uint8_t ql[QK_K/2]; uint8_t qh[QK_K/4]; int8_t scales[QK_K/16]; uint16_t d; } block_q6_K;
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K/16]; } block_q8_K;

static_assert(sizeof(block_q4_0) == 18, "q4_0");
static_assert(sizeof(block_q4_1) == 20, "q4_1");
static_assert(sizeof(block_q5_0) == 22, "q5_0");
static_assert(sizeof(block_q8_0) == 34, "q8_0");
static_assert(sizeof(block_q4_K) == 144, "q4_K");
static_assert(sizeof(block_q6_K) == 210, "q6_K");
static_assert(sizeof(block_q8_K) == 292, "q8_K");

void tk_quantize_row_q8_0_ref(const float *x, block_q8_0 *y, int64_t n);
void tk_quantize_row_q8_K_ref(const float *x, block_q8_K *y, int64_t n);

#endif

// Activation layout for the q8_0 family (q8_0, q4_0, q4_1, q5_0 weights): one row of nb blocks is
//   float d[nb][8] (each block's fp16-rounded scale, as ggml's block_q8_0 holds it, repeated 8
//   times so SIMD kernels load it as a vector), then the quants offset to unsigned:
//   uint8 qu[nb*32] = q + 128 (q ^ 0x80), which vpdpbusd takes directly.
// K-quants use ggml's block_q8_K array; float weights use plain f32.
static inline size_t tk_act_q8_0_dbytes(int64_t nb) { return (size_t)((nb * 32 + 63) / 64 * 64); }

// Row kernels: y[j*ys + r] for r in [r0, r1), j < k.
typedef void (*tk_rows_fn)(const void *w, size_t row_bytes, int64_t cols, int64_t r0, int64_t r1,
                           const void *act, size_t act_stride, int k, float *y, int64_t ys);

typedef struct {
    tk_rows_fn f32, f16, bf16, q8_0, q4_0, q5_0, q4_K, q6_K, q4_1;
} tk_kernel_table;

extern const tk_kernel_table tk_kernels_scalar;
extern const tk_kernel_table tk_kernels_avx2;
extern const tk_kernel_table tk_kernels_avx512;
const tk_kernel_table *tk_active_kernels(void);
const tk_kernel_table *tk_kernels_for_level(int level);
int tk_detected_level(void);
void tk_quantize_act_q8_0_row(const float *x, void *act, int64_t cols);
void tk_quantize_act_q8_K_row(const float *x, void *act, int64_t cols);
