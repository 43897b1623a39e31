#ifndef CTANDEM_KERNELS_H
#define CTANDEM_KERNELS_H
#include <stdint.h>
#include <stddef.h>

// C kernels behind TandemKernels' safe Swift API. Callers (Swift) check all sizes first;
// nothing here validates its arguments. Type ids are ggml's (GGMLType raw values).

#define TK_F32 0
#define TK_F16 1
#define TK_Q4_0 2
#define TK_Q4_1 3
#define TK_Q5_0 6
#define TK_Q8_0 8
#define TK_Q4_K 12
#define TK_Q6_K 14
#define TK_Q8_K 15
#define TK_BF16 30

// fp16.c ---------------------------------------------------------------------------------
float tk_fp16_to_fp32(uint16_t h);
uint16_t tk_fp32_to_fp16(float f);   // round to nearest even (like F16C vcvtps2ph)
float tk_bf16_to_fp32(uint16_t h);
uint16_t tk_fp32_to_bf16(float f);   // ggml's rounding (nearest even, quiet NaN)
/// n halves from n floats (round to nearest even) and back.
void tk_fp32_to_fp16_row(const float *x, uint16_t *y, int64_t n);
void tk_fp16_to_fp32_row(const uint16_t *x, float *y, int64_t n);

// quantize.c: ggml's reference quantizers and dequantizers ------------------------------
/// Quantizes n values (a multiple of the type's block size) of type `type`; returns 0, or -1
/// for an unsupported type. Supports f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q4_K, q6_K, q8_K.
int tk_quantize_row_ref(int type, const float *x, void *y, int64_t n);
/// Dequantizes n values; returns 0, or -1 for an unsupported type (same set, q8_K included).
int tk_dequantize_row(int type, const void *x, float *y, int64_t n);

// act.c: activation ("vec dot") formats ------------------------------------------------
/// The activation type a weight type's dot product uses (TK_F32 for float weights, TK_Q8_0 for
/// q8_0/q4_0/q4_1/q5_0, TK_Q8_K for the K-quants), or -1 when the weight type is unsupported.
int tk_act_type(int weight_type);
/// Bytes one activation row of `cols` values takes in the internal activation layout.
size_t tk_act_row_bytes(int weight_type, int64_t cols);
/// Quantizes one row of activations for `weight_type` into the internal layout (values identical
/// to ggml's reference quantizer of the activation type; f32 weights: a plain copy).
void tk_quantize_act_row(int weight_type, const float *x, void *act, int64_t cols);
/// The same at an explicit SIMD level (clamped to the detected one); the layout is the same at
/// every level, the values too (bit-identical).
void tk_quantize_act_row_at(int level, int weight_type, const float *x, void *act, int64_t cols);

// matmul.c -------------------------------------------------------------------------------
/// y[j*y_stride + r] = dot(W row r, activation row j) for r in [r0, r1), j < k.
/// w points at row 0; rows are row_bytes apart; act rows are act_stride bytes apart.
/// The value for (r, j) does not depend on r0, r1 or k (bit-identical).
void tk_matmul_rows(int type, const void *w, size_t row_bytes, int64_t cols,
                    int64_t r0, int64_t r1,
                    const void *act, size_t act_stride, int k,
                    float *y, int64_t y_stride);
/// The same with the kernels of an explicit SIMD level (clamped to the detected one), so tests
/// can compare levels without changing the process-wide level under other threads.
void tk_matmul_rows_at(int level, int type, const void *w, size_t row_bytes, int64_t cols,
                       int64_t r0, int64_t r1, const void *act, size_t act_stride, int k,
                       float *y, int64_t y_stride);

// attention.c ------------------------------------------------------------------------------
/// One query head: out[d] = Σ_p softmax_p(scale·q·k_p) · v_p over positions p < npos.
/// keys/values: position p's head vector at keys + p*kv_stride. scratch holds ≥ npos floats.
void tk_attention_head(const float *q, const float *keys, const float *values, int64_t npos,
                       int64_t kv_stride, int64_t head_dim, float scale, float *out, float *scratch);
/// tk_attention_head over a paged cache: position p's head vector at
/// kpages[p / page_len] + (p % page_len)*kv_stride + head_offset (elements: float, or uint16_t IEEE
/// half when f16 != 0). The f32 path is bit-identical to tk_attention_head. scratch holds ≥ npos
/// floats, kbuf ≥ head_dim floats.
void tk_attention_head_paged(const float *q, const void *const *kpages, const void *const *vpages, int64_t page_len,
                             int64_t npos, int64_t head_offset, int64_t kv_stride, int64_t head_dim, float scale,
                             int f16, float *out, float *scratch, float *kbuf);
/// Deterministic f32 dot product (fixed order for a given n).
float tk_dot_f32(const float *a, const float *b, int64_t n);

// pool.c ---------------------------------------------------------------------------------
typedef struct tk_pool tk_pool;
typedef void (*tk_pool_fn)(void *ctx, int ith, int nth);
/// Starts threads-1 persistent worker threads (threads clamped to ≥ 1). NULL on failure.
tk_pool *tk_pool_create(int threads);
void tk_pool_destroy(tk_pool *pool);
/// Runs fn(ctx, i, n) on every thread (the caller is thread 0) and waits for all.
/// Concurrent callers are serialised.
void tk_pool_run(tk_pool *pool, tk_pool_fn fn, void *ctx);
/// Pins the pool's work to the CPUs cpus[0..count): its workers at once, and each thread that calls
/// tk_pool_run when it next does (the caller runs part of every job). Linux only: returns 0 on
/// success, -1 where affinity is unsupported, or the errno of the failed pthread_setaffinity_np.
int tk_pool_set_cpus(tk_pool *pool, const int *cpus, int count);
/// Pins the calling thread to the CPUs cpus[0..count); same returns as tk_pool_set_cpus.
int tk_pin_current_thread(const int *cpus, int count);
/// The CPU the calling thread runs on now (sched_getcpu), or -1 where unknown.
int tk_current_cpu(void);

// dispatch.c ----------------------------------------------------------------------------
/// Which SIMD level was selected at start-up: 0 scalar, 1 AVX2+FMA+F16C, 2 AVX-512 (+VNNI).
int tk_simd_level(void);
/// Forces a SIMD level ≤ the detected one (tests, benchmarks); returns the level in effect.
int tk_set_simd_level(int level);

#endif
