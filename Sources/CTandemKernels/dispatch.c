// Run-time selection of the SIMD level (once per process; the same kernels for every call,
// so results never depend on k or thread count).
#include "CTandemKernels.h"
#include "internal.h"
#include <stdatomic.h>

static int detect_level(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    int level = 0;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        level = 1;
    if (level == 1 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
        level = 2;
    return level;
#else
    return 0;
#endif
}

static _Atomic int g_detected = -1;
static _Atomic int g_level = -1;

int tk_simd_level(void) {
    int l = atomic_load_explicit(&g_level, memory_order_acquire);
    if (l >= 0) return l;
    int d = detect_level();
    atomic_store(&g_detected, d);
    int expected = -1;
    atomic_compare_exchange_strong(&g_level, &expected, d);
    return atomic_load(&g_level);
}

int tk_set_simd_level(int level) {
    (void)tk_simd_level();
    int d = atomic_load(&g_detected);
    if (level > d) level = d;
    if (level < 0) level = 0;
    atomic_store(&g_level, level);
    return level;
}

const tk_kernel_table *tk_active_kernels(void) {
    switch (tk_simd_level()) {
    case 2: return &tk_kernels_avx512;
    case 1: return &tk_kernels_avx2;
    default: return &tk_kernels_scalar;
    }
}
