/* The kernels' thread pool: parallel loops that never wait on a thread that is not running.
 *
 * cg_pool_run(fn, ctx, n, ntasks, nthreads) splits [0, n) into `ntasks` near-equal ranges
 * and calls fn(ctx, lo, hi, slot) once per range, on the calling thread and up to
 * nthreads - 1 pool workers. `slot` (0 for the caller, 1.. for workers) is unique among the
 * threads running one call, so it can index per-thread buffers.
 *
 * - The caller works too, and every thread claims its next range with one atomic
 *   compare-and-swap on a word holding (generation, next range, number of ranges). A worker
 *   the OS has not scheduled yet claims nothing, so the caller never waits for it: it waits
 *   only for ranges a worker has already claimed and is running.
 * - A worker that finds no work spins for a few microseconds (back-to-back kernels need no
 *   wake-up), yielding its core between checks after the first 10 us (when more threads
 *   are runnable than there are cores, a spinning worker would otherwise take the time of
 *   the caller or of another process), and then sleeps on a condition variable; the
 *   waiting caller likewise spins only briefly before sleeping, so it never keeps a core
 *   from the thread it waits for.
 * - One call runs at a time: a second thread (or a range that itself calls cg_pool_run) finds
 *   the pool taken and runs its ranges serially, so nesting and concurrent callers are safe.
 * - After fork() the child starts with no workers and creates them again when needed.
 *
 * The generation tag makes the claim safe against a worker that wakes up late: its
 * compare-and-swap fails unless the call it was invited to is still current and has ranges
 * left, and a claimed range keeps that call (and so fn and ctx) alive until it is done.
 * Without POSIX threads (Windows builds) every call runs serially.
 */
#ifndef CYGRAD_POOL_H
#define CYGRAD_POOL_H

#include <stdint.h>
#include <string.h>

typedef void (*cg_task_fn)(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot);

#define CG_POOL_MAX_TASKS 0xFFFF
#define CG_POOL_MAX_WORKERS 255

static void cg_pool_serial(cg_task_fn fn, void* ctx, Py_ssize_t n, Py_ssize_t ntasks) {
    Py_ssize_t t;
    for (t = 0; t < ntasks; t++)
        fn(ctx, n * t / ntasks, n * (t + 1) / ntasks, 0);
}

#if defined(_WIN32) || !(defined(__GNUC__) || defined(__clang__))

static void cg_pool_run(cg_task_fn fn, void* ctx, Py_ssize_t n, Py_ssize_t ntasks,
                        int nthreads) {
    (void)nthreads;
    if (n <= 0) return;
    if (ntasks > n) ntasks = n;
    if (ntasks < 1) ntasks = 1;
    cg_pool_serial(fn, ctx, n, ntasks);
}
static int cg_pool_threaded(void) { return 0; }
static int cg_pool_workers(void) { return 0; }

#else

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#define CG_LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define CG_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CG_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CG_PAUSE() __asm__ __volatile__("yield")
#else
#define CG_PAUSE() do {} while (0)
#endif

/* how long an idle worker spins before it sleeps, and a waiting caller before it sleeps */
#define CG_WORKER_SPIN_NS 50000
/* after this long an idle worker yields its core between checks, so that on a machine with
 * more runnable threads than cores its spinning does not take the time of a thread that
 * has work (the caller, or another process) */
#define CG_WORKER_YIELD_NS 10000
#define CG_CALLER_SPIN_NS 5000

typedef struct {
    uint32_t go;            /* the generation this worker is invited to */
    uint32_t seen0;         /* `go` when the thread was created */
    char pad[56];
} cg_pool_flag;

static struct {
    pthread_mutex_t run;    /* held by the one call in progress */
    pthread_mutex_t lock;   /* guards sleeping and waking */
    pthread_cond_t wake;    /* workers sleep on it */
    pthread_cond_t idle;    /* the caller sleeps on it for the last claimed ranges */
    int nworkers;
    int sleepers;
    int caller_sleeping;
    uint32_t gen;
    cg_task_fn fn;
    void* ctx;
    Py_ssize_t n;
    char pad0[64];
    uint64_t state;         /* gen << 32 | next range << 16 | number of ranges */
    char pad1[56];
    uint32_t done;          /* ranges finished in the current call */
    char pad2[60];
    cg_pool_flag flag[CG_POOL_MAX_WORKERS + 1];
} cg_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
             PTHREAD_COND_INITIALIZER};

static pthread_once_t cg_pool_once = PTHREAD_ONCE_INIT;

static int64_t cg_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Claim and run ranges of call `gen` until none is left (or a newer call has begun). */
static void cg_pool_work(uint32_t gen, int slot) {
    for (;;) {
        uint64_t s = __atomic_load_n(&cg_pool.state, __ATOMIC_ACQUIRE);
        uint32_t next = (uint32_t)(s >> 16) & 0xFFFF, nt = (uint32_t)s & 0xFFFF;
        if ((uint32_t)(s >> 32) != gen || next >= nt)
            return;
        if (!__atomic_compare_exchange_n(&cg_pool.state, &s, s + ((uint64_t)1 << 16), 0,
                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            continue;
        /* the call cannot finish before this range does, so fn, ctx and n are its own */
        Py_ssize_t n = cg_pool.n;
        cg_pool.fn(cg_pool.ctx, n * (Py_ssize_t)next / nt, n * (Py_ssize_t)(next + 1) / nt,
                   slot);
        if (__atomic_add_fetch(&cg_pool.done, 1, __ATOMIC_SEQ_CST) == nt &&
                CG_LOAD(&cg_pool.caller_sleeping)) {
            pthread_mutex_lock(&cg_pool.lock);
            pthread_cond_signal(&cg_pool.idle);
            pthread_mutex_unlock(&cg_pool.lock);
        }
    }
}

static void* cg_pool_worker(void* arg) {
    int w = (int)(intptr_t)arg;
    uint32_t seen = cg_pool.flag[w].seen0, go;
    for (;;) {
        int64_t start = cg_now_ns(), now;
        int spins = 0;
        while ((go = CG_LOAD(&cg_pool.flag[w].go)) == seen) {
            CG_PAUSE();
            if (++spins == 64) {
                spins = 0;
                now = cg_now_ns();
                if (now - start > CG_WORKER_YIELD_NS)
                    sched_yield();
                if (now - start > CG_WORKER_SPIN_NS) {
                    pthread_mutex_lock(&cg_pool.lock);
                    CG_STORE(&cg_pool.sleepers, cg_pool.sleepers + 1);
                    while ((go = CG_LOAD(&cg_pool.flag[w].go)) == seen)
                        pthread_cond_wait(&cg_pool.wake, &cg_pool.lock);
                    CG_STORE(&cg_pool.sleepers, cg_pool.sleepers - 1);
                    pthread_mutex_unlock(&cg_pool.lock);
                    break;
                }
            }
        }
        seen = go;
        cg_pool_work(go, w);
    }
    return NULL;
}

static void cg_pool_after_fork_child(void) {
    /* only the forking thread exists in the child: forget the workers */
    pthread_mutex_init(&cg_pool.run, NULL);
    pthread_mutex_init(&cg_pool.lock, NULL);
    pthread_cond_init(&cg_pool.wake, NULL);
    pthread_cond_init(&cg_pool.idle, NULL);
    cg_pool.nworkers = 0;
    cg_pool.sleepers = 0;
    cg_pool.caller_sleeping = 0;
}

static void cg_pool_init_once(void) {
    pthread_atfork(NULL, NULL, cg_pool_after_fork_child);
}

/* Start workers 1..want (under cg_pool.run); returns how many exist. */
static int cg_pool_grow(int want) {
    sigset_t all, old;
    if (want > CG_POOL_MAX_WORKERS) want = CG_POOL_MAX_WORKERS;
    if (cg_pool.nworkers >= want) return cg_pool.nworkers;
    pthread_once(&cg_pool_once, cg_pool_init_once);
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);     /* signals stay with the Python threads */
    while (cg_pool.nworkers < want) {
        int w = cg_pool.nworkers + 1;
        pthread_t th;
        pthread_attr_t attr;
        cg_pool.flag[w].seen0 = CG_LOAD(&cg_pool.flag[w].go);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int err = pthread_create(&th, &attr, cg_pool_worker, (void*)(intptr_t)w);
        pthread_attr_destroy(&attr);
        if (err != 0) break;
        cg_pool.nworkers = w;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return cg_pool.nworkers;
}

static void cg_pool_run(cg_task_fn fn, void* ctx, Py_ssize_t n, Py_ssize_t ntasks,
                        int nthreads) {
    uint32_t gen, nt;
    int w, have;
    if (n <= 0) return;
    if (ntasks > n) ntasks = n;
    if (ntasks > CG_POOL_MAX_TASKS) ntasks = CG_POOL_MAX_TASKS;
    if (ntasks < 1) ntasks = 1;
    if (nthreads > ntasks) nthreads = (int)ntasks;
    if (nthreads <= 1 || pthread_mutex_trylock(&cg_pool.run) != 0) {
        cg_pool_serial(fn, ctx, n, ntasks);
        return;
    }
    have = cg_pool_grow(nthreads - 1);
    if (have < nthreads - 1) nthreads = have + 1;
    if (nthreads <= 1) {
        pthread_mutex_unlock(&cg_pool.run);
        cg_pool_serial(fn, ctx, n, ntasks);
        return;
    }
    nt = (uint32_t)ntasks;
    gen = ++cg_pool.gen;
    cg_pool.fn = fn;
    cg_pool.ctx = ctx;
    cg_pool.n = n;
    CG_STORE(&cg_pool.done, 0);
    __atomic_store_n(&cg_pool.state, ((uint64_t)gen << 32) | nt, __ATOMIC_RELEASE);
    for (w = 1; w < nthreads; w++)
        CG_STORE(&cg_pool.flag[w].go, gen);
    if (CG_LOAD(&cg_pool.sleepers) > 0) {
        pthread_mutex_lock(&cg_pool.lock);
        pthread_cond_broadcast(&cg_pool.wake);
        pthread_mutex_unlock(&cg_pool.lock);
    }
    cg_pool_work(gen, 0);
    if (CG_LOAD(&cg_pool.done) != nt) {
        int64_t until = cg_now_ns() + CG_CALLER_SPIN_NS;
        int spins = 0;
        while (CG_LOAD(&cg_pool.done) != nt) {
            CG_PAUSE();
            if (++spins == 64) {
                spins = 0;
                if (cg_now_ns() > until) {
                    CG_STORE(&cg_pool.caller_sleeping, 1);
                    pthread_mutex_lock(&cg_pool.lock);
                    while (CG_LOAD(&cg_pool.done) != nt)
                        pthread_cond_wait(&cg_pool.idle, &cg_pool.lock);
                    pthread_mutex_unlock(&cg_pool.lock);
                    CG_STORE(&cg_pool.caller_sleeping, 0);
                    break;
                }
            }
        }
    }
    pthread_mutex_unlock(&cg_pool.run);
}

static int cg_pool_threaded(void) { return 1; }
static int cg_pool_workers(void) { return cg_pool.nworkers; }

#endif
#endif
