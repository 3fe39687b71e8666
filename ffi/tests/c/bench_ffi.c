/*
 * Per-call cost of the fast path from C, on one thread and on two threads
 * sharing one engine (throughput). Not part of `make test`; run `make bench-c`.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "portcullis.h"

static const char *SHORT = "ls -la";
static const char *TYPICAL =
    "git add -A && git commit -m 'fix: handle empty input in parser' && git push origin feature/parser-fix";
static const char *URL = "https://api.github.com/repos/o/r";

struct job {
    portcullis_engine *engine;
    const char *line;
    int http;
    long iterations;
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg) {
    struct job *j = arg;
    portcullis_decision d;
    size_t len = strlen(j->line);
    for (long i = 0; i < j->iterations; i++) {
        if (j->http) {
            portcullis_check_http(j->engine, "GET", 3, j->line, len, &d);
        } else {
            portcullis_check_command(j->engine, j->line, len, &d);
        }
    }
    return NULL;
}

static void measure(portcullis_engine *e, const char *name, const char *line, int http, long iterations) {
    struct job job = {e, line, http, iterations / 10};
    run(&job); /* warm up */
    job.iterations = iterations;
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        double t0 = now();
        run(&job);
        double ns = (now() - t0) * 1e9 / (double)iterations;
        if (ns < best) best = ns;
    }
    pthread_t threads[2];
    struct job jobs[2] = {job, job};
    double t0 = now();
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, run, &jobs[i]);
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    double elapsed = now() - t0;
    printf("%-22s 1 thread: %8.1f ns/call (best of 5)   2 threads: %10.0f calls/s (1 thread: %10.0f calls/s)\n",
           name, best, 2.0 * (double)iterations / elapsed, 1e9 / best);
}

int main(void) {
    portcullis_engine *e = NULL;
    if (portcullis_engine_new_default(&e, NULL) != PORTCULLIS_STATUS_OK) return 1;
    measure(e, "check_command short", SHORT, 0, 2000000);
    measure(e, "check_command typical", TYPICAL, 0, 200000);
    measure(e, "check_http", URL, 1, 1000000);
    portcullis_engine_free(e);
    return 0;
}
