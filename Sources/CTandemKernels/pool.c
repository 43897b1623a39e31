// Persistent compute pool: workers spin on an atomic generation counter for a short while
// (dispatch ≈ 1 µs when busy), then sleep on a condition variable so idle processes cost nothing.
#define _GNU_SOURCE
#include "CTandemKernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <sched.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

#define SPIN_NS 300000        // how long an idle worker spins before sleeping
#define YIELD_AFTER_NS 50000  // how long the caller spins for stragglers before yielding

typedef struct { tk_pool *pool; int index; } worker_arg;

struct tk_pool {
    int n;
    pthread_t *threads;
    worker_arg *args;
    pthread_mutex_t run_lock;  // serialises callers of tk_pool_run
    pthread_mutex_t m;
    pthread_cond_t cv;
    _Atomic uint64_t gen;
    _Atomic int pending;
    _Atomic int sleepers;
    _Atomic int stop;
    tk_pool_fn fn;
    void *ctx;
    // CPU pinning (tk_pool_set_cpus): 0 = none; else an id unique to this pinning, so a caller
    // thread re-pins when it last ran a job for another pinning.
    _Atomic uint64_t pin_id;
#if defined(__linux__)
    cpu_set_t cpus;
#endif
};

static _Atomic uint64_t next_pin_id = 1;
static _Thread_local uint64_t thread_pin_id = 0;

#if defined(__linux__)
static int make_cpu_set(const int *cpus, int count, cpu_set_t *set) {
    CPU_ZERO(set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return 22;  // EINVAL
        CPU_SET(cpus[i], set);
    }
    return count > 0 ? 0 : 22;
}
#endif

int tk_pin_current_thread(const int *cpus, int count) {
#if defined(__linux__)
    cpu_set_t set;
    int rc = make_cpu_set(cpus, count, &set);
    if (rc != 0) return rc;
    rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    if (rc == 0) thread_pin_id = 0;
    return rc;
#else
    (void)cpus; (void)count;
    return -1;
#endif
}

int tk_current_cpu(void) {
#if defined(__linux__)
    return sched_getcpu();
#else
    return -1;
#endif
}

int tk_pool_set_cpus(tk_pool *pool, const int *cpus, int count) {
#if defined(__linux__)
    cpu_set_t set;
    int rc = make_cpu_set(cpus, count, &set);
    if (rc != 0) return rc;
    pthread_mutex_lock(&pool->run_lock);
    for (int i = 1; i < pool->n && rc == 0; i++) rc = pthread_setaffinity_np(pool->threads[i], sizeof(set), &set);
    if (rc == 0) {
        pool->cpus = set;
        atomic_store(&pool->pin_id, atomic_fetch_add(&next_pin_id, 1));
    }
    pthread_mutex_unlock(&pool->run_lock);
    return rc;
#else
    (void)pool; (void)cpus; (void)count;
    return -1;
#endif
}

// Pins the calling thread to the pool's CPUs unless it already is (called under run_lock).
static inline void pin_caller(tk_pool *pool) {
#if defined(__linux__)
    const uint64_t id = atomic_load_explicit(&pool->pin_id, memory_order_relaxed);
    if (id != 0 && thread_pin_id != id) {
        if (pthread_setaffinity_np(pthread_self(), sizeof(pool->cpus), &pool->cpus) == 0) thread_pin_id = id;
    }
#else
    (void)pool;
#endif
}

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *worker_main(void *p) {
    worker_arg *a = p;
    tk_pool *pool = a->pool;
    uint64_t seen = 0;  // the generation at creation; a job posted before this thread starts still runs
    for (;;) {
        uint64_t g = atomic_load_explicit(&pool->gen, memory_order_acquire);
        if (g == seen) {
            const uint64_t t0 = now_ns();
            unsigned spins = 0;
            while ((g = atomic_load_explicit(&pool->gen, memory_order_acquire)) == seen) {
                CPU_RELAX();
                if ((++spins & 255) == 0 && now_ns() - t0 > SPIN_NS) break;
            }
            if (g == seen) {
                pthread_mutex_lock(&pool->m);
                atomic_fetch_add(&pool->sleepers, 1);
                while ((g = atomic_load(&pool->gen)) == seen) pthread_cond_wait(&pool->cv, &pool->m);
                atomic_fetch_sub(&pool->sleepers, 1);
                pthread_mutex_unlock(&pool->m);
            }
        }
        seen = g;
        if (atomic_load(&pool->stop)) break;
        pool->fn(pool->ctx, a->index, pool->n);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel);
    }
    return NULL;
}

tk_pool *tk_pool_create(int threads) {
    if (threads < 1) threads = 1;
    tk_pool *pool = calloc(1, sizeof(tk_pool));
    if (!pool) return NULL;
    pool->n = threads;
    pthread_mutex_init(&pool->run_lock, NULL);
    pthread_mutex_init(&pool->m, NULL);
    pthread_cond_init(&pool->cv, NULL);
    atomic_init(&pool->gen, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->stop, 0);
    atomic_init(&pool->pin_id, 0);
    if (threads > 1) {
        pool->threads = calloc((size_t)threads, sizeof(pthread_t));
        pool->args = calloc((size_t)threads, sizeof(worker_arg));
        if (!pool->threads || !pool->args) { free(pool->threads); free(pool->args); free(pool); return NULL; }
        for (int i = 1; i < threads; i++) {
            pool->args[i].pool = pool;
            pool->args[i].index = i;
            if (pthread_create(&pool->threads[i], NULL, worker_main, &pool->args[i]) != 0) {
                // Fewer threads than asked: stop the ones started and run single-threaded.
                atomic_store(&pool->stop, 1);
                pthread_mutex_lock(&pool->m);
                atomic_fetch_add(&pool->gen, 1);
                pthread_cond_broadcast(&pool->cv);
                pthread_mutex_unlock(&pool->m);
                for (int j = 1; j < i; j++) pthread_join(pool->threads[j], NULL);
                atomic_store(&pool->stop, 0);
                pool->n = 1;
                break;
            }
        }
    }
    return pool;
}

void tk_pool_destroy(tk_pool *pool) {
    if (!pool) return;
    if (pool->n > 1) {
        atomic_store(&pool->stop, 1);
        pthread_mutex_lock(&pool->m);
        atomic_fetch_add(&pool->gen, 1);
        pthread_cond_broadcast(&pool->cv);
        pthread_mutex_unlock(&pool->m);
        for (int i = 1; i < pool->n; i++) pthread_join(pool->threads[i], NULL);
    }
    free(pool->threads);
    free(pool->args);
    pthread_cond_destroy(&pool->cv);
    pthread_mutex_destroy(&pool->m);
    pthread_mutex_destroy(&pool->run_lock);
    free(pool);
}

void tk_pool_run(tk_pool *pool, tk_pool_fn fn, void *ctx) {
    pthread_mutex_lock(&pool->run_lock);
    pin_caller(pool);
    if (pool->n == 1) {
        fn(ctx, 0, 1);
        pthread_mutex_unlock(&pool->run_lock);
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store(&pool->pending, pool->n - 1);
    atomic_fetch_add(&pool->gen, 1);  // seq_cst: pairs with the workers' sleepers++ / gen check
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->m);
        pthread_cond_broadcast(&pool->cv);
        pthread_mutex_unlock(&pool->m);
    }
    fn(ctx, 0, pool->n);
    // Spin for the workers; if one is slow (descheduled on a busy machine), yield the CPU
    // between checks so it can run instead of us.
    unsigned spins = 0;
    uint64_t t0 = 0;
    while (atomic_load_explicit(&pool->pending, memory_order_acquire) != 0) {
        CPU_RELAX();
        if ((++spins & 255) == 0) {
            const uint64_t t = now_ns();
            if (t0 == 0) t0 = t;
            else if (t - t0 > YIELD_AFTER_NS) sched_yield();
        }
    }
    pthread_mutex_unlock(&pool->run_lock);
}
