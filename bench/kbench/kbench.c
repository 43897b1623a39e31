// Stand-alone C timing harness for the row kernels (no Swift build needed):
//   clang -O2 -march=native -I Sources/CTandemKernels/include -I Sources/CTandemKernels \
//     bench/kbench/kbench.c Sources/CTandemKernels/*.c -lpthread -lm -o /tmp/kbench
//   /tmp/kbench TYPE ROWS COLS K [cold_MB] [seconds] [level] [threads]
// Prints the best time of one rows×cols matmul (k activation columns), GB/s of weights and,
// for warm runs (cold_MB 0), ns per weight block. cold_MB > 0 rotates through copies of the
// matrix totalling that many MB so each call streams weights from DRAM, like a forward pass.
#define _GNU_SOURCE
#include "CTandemKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdatomic.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
// One thread: the thread's CPU time (the machine is shared; time given to others is not counted).
static double cpu_now(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static int type_of(const char *s) {
    struct { const char *n; int t; } m[] = {{"f32",0},{"f16",1},{"q4_0",2},{"q4_1",3},{"q5_0",6},{"q8_0",8},{"q4_K",12},{"q6_K",14},{"bf16",30}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) if (!strcmp(s, m[i].n)) return m[i].t;
    return -1;
}
static size_t row_bytes(int t, long cols) {
    switch (t) {
    case 0: return cols * 4; case 1: case 30: return cols * 2;
    case 2: return cols / 32 * 18; case 3: return cols / 32 * 20; case 6: return cols / 32 * 22; case 8: return cols / 32 * 34;
    case 12: return cols / 256 * 144; case 14: return cols / 256 * 210;
    }
    return 0;
}

typedef struct { int type; const uint8_t *w; size_t rb; long rows, cols; const void *act; size_t as; int k; float *y; _Atomic long next; } job;
static void run_job(void *p, int ith, int nth) {
    (void)ith; (void)nth;
    job *j = p;
    for (;;) {
        long c = atomic_fetch_add(&j->next, 1);
        long r0 = c * 32; if (r0 >= j->rows) break;
        long r1 = r0 + 32 < j->rows ? r0 + 32 : j->rows;
        tk_matmul_rows(j->type, j->w, j->rb, j->cols, r0, r1, j->act, j->as, j->k, j->y, j->rows);
    }
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: kbench TYPE ROWS COLS K [cold_MB] [seconds] [level] [threads]\n"); return 2; }
    const int type = type_of(argv[1]);
    const long rows = atol(argv[2]), cols = atol(argv[3]);
    const int k = atoi(argv[4]);
    const double coldMB = argc > 5 ? atof(argv[5]) : 0, secs = argc > 6 ? atof(argv[6]) : 1.0;
    if (argc > 7) tk_set_simd_level(atoi(argv[7]));
    const int threads = argc > 8 ? atoi(argv[8]) : 1;
    const size_t rb = row_bytes(type, cols), mb = rb * rows;
    int copies = coldMB > 0 ? (int)(coldMB * 1e6 / mb) + 1 : 1;
    float *vals = malloc(sizeof(float) * cols);
    uint8_t *one = malloc(rb);
    uint8_t *w = aligned_alloc(64, (mb * copies + 63) / 64 * 64);
    for (long r = 0; r < rows; r++) {
        for (long c = 0; c < cols; c++) vals[c] = (float)(((r * 131 + c * 71) % 997) / 997.0 - 0.5);
        tk_quantize_row_ref(type, vals, one, cols);
        memcpy(w + r * rb, one, rb);
    }
    for (int c = 1; c < copies; c++) memcpy(w + c * mb, w, mb);
    const size_t as = tk_act_row_bytes(type, cols);
    uint8_t *act = aligned_alloc(64, as * k + 64);
    for (int j = 0; j < k; j++) {
        for (long c = 0; c < cols; c++) vals[c] = (float)(((j * 37 + c * 13) % 101) / 101.0 - 0.5);
        tk_quantize_act_row(type, vals, act + j * as, cols);
    }
    float *y = malloc(sizeof(float) * rows * k);
    tk_pool *pool = tk_pool_create(threads);
    job jb = {type, w, rb, rows, cols, act, as, k, y, 0};
    double best = 1e9; int n = 0; int cur = 0;
    const double t0 = now();
    while (n < 5 || now() - t0 < secs) {
        jb.w = w + (size_t)cur * mb; cur = (cur + 1) % copies;
        atomic_store(&jb.next, 0);
        const double a = threads == 1 ? cpu_now() : now();
        tk_pool_run(pool, run_job, &jb);
        const double b = (threads == 1 ? cpu_now() : now()) - a;
        if (b < best) best = b;
        n++;
    }
    const long blocks = rows * (cols / ((type == 12 || type == 14) ? 256 : (type <= 1 || type == 30 ? 1 : 32)));
    printf("%s %ldx%ld k=%d level=%d thr=%d %s: %.1f us  %.2f GB/s  %.2f ns/block/col  (y0=%g)\n", argv[1], rows, cols, k,
           tk_simd_level(), threads, coldMB > 0 ? "cold" : "warm", best * 1e6, mb / best / 1e9, best * 1e9 / blocks / k * threads, y[0]);
    return 0;
}
