/*
 * rt.h - the runtime's public interface: a deterministic event loop with a
 * virtual clock (libuv's uv_run shape), and an interpreter for a small
 * Python asyncio subset that runs on it, over the analyzer's flattened
 * syntax tree. It depends on the parser (analyzer/asl.h), never on rules.
 *
 * Ownership in one sentence: an AslRtResult's buffers belong to the caller
 * and are released with asl_rt_result_destroy(); everything else a run
 * allocates dies inside asl_rt_run().
 */
#ifndef ASL_RUNTIME_RT_H_
#define ASL_RUNTIME_RT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../analyzer/asl.h"

/* ------------------------------------------------------------------------
 * The loop (loop.c)
 *
 * A FIFO ready queue and a timer min-heap ordered by (deadline, sequence
 * number), so timers with equal deadlines fire in the order they were
 * started, as libuv's timer_counter does. The clock is virtual: when
 * nothing is ready, it jumps to the earliest deadline. Nothing ever sleeps.
 * ---------------------------------------------------------------------- */

typedef struct AslRtLoop AslRtLoop;

/** A callback: `fn(loop, a, b)`. The loop owns nothing that `a`/`b` point
 * to. */
typedef void (*AslRtCallback)(AslRtLoop *loop, void *a, void *b);

/** One scheduled callback, in the ready queue or in the timer heap. The
 * loop allocates handles and recycles one when both owners let go of it:
 * the loop (once it ran the callback or dropped it) and, for handles given
 * out by call_soon/call_at, the caller (asl_rt_handle_release). A caller
 * that never releases only delays the recycling until the loop is
 * destroyed. */
typedef struct AslRtHandle {
  AslRtCallback fn;
  void *a, *b;
  double when;        /* timers: the virtual deadline */
  uint64_t seq;       /* timers: start order, breaks deadline ties (FIFO) */
  bool cancelled;     /* a cancelled handle is skipped, never run */
  bool loop_owned;    /* in the ready queue or the heap */
  bool caller_owned;  /* given out and not released yet */
  bool racy;          /* timers: its order against others at the same
                         deadline is up to the OS (a worker thread's) */
  uint32_t heap_index; /* timers: position in the heap (UINT32_MAX: none) */
  struct AslRtHandle *next; /* ready queue link / free list link */
} AslRtHandle;

struct AslRtLoop {
  double time;              /* the virtual clock, in seconds */
  AslRtHandle *ready_head, *ready_tail; /* FIFO */
  AslRtHandle **heap;       /* timer min-heap by (when, seq) */
  uint32_t heap_len, heap_cap;
  uint64_t timer_counter;   /* next seq */
  AslRtHandle **all;        /* every handle ever made, freed at destroy */
  uint32_t all_len, all_cap;
  AslRtHandle *free_list;   /* recycled handles */
  uint64_t iterations;      /* completed run_once calls */
  bool racy_tie;            /* a racy timer fell due with another at the
                               same deadline */
  void *user;               /* the interpreter's state */
};

/** Initialises a loop at virtual time 0. */
void asl_rt_loop_init(AslRtLoop *loop);
/** Frees every handle. */
void asl_rt_loop_destroy(AslRtLoop *loop);
/** Appends a callback to the ready queue (asyncio's call_soon). */
AslRtHandle *asl_rt_loop_call_soon(AslRtLoop *loop, AslRtCallback fn,
                                   void *a, void *b);
/** Starts a timer at absolute virtual time `when` (asyncio's call_at). */
AslRtHandle *asl_rt_loop_call_at(AslRtLoop *loop, double when,
                                 AslRtCallback fn, void *a, void *b);
/** Appends a callback to the ready queue without giving out a handle
 * (it is recycled as soon as it ran). */
void asl_rt_loop_post(AslRtLoop *loop, AslRtCallback fn, void *a, void *b);
/** Cancels a handle (ready or timer); a no-op if it already ran or for
 * NULL. */
void asl_rt_handle_cancel(AslRtLoop *loop, AslRtHandle *h);
/** The caller is done with `h` (NULL is fine): it must not use it again. */
void asl_rt_handle_release(AslRtLoop *loop, AslRtHandle *h);
/** Is there anything left to do (a ready callback or a live timer)? */
bool asl_rt_loop_alive(const AslRtLoop *loop);
/** One iteration, as asyncio's _run_once: if nothing is ready, jump the
 * clock to the earliest timer; move every due timer (in (deadline, seq)
 * order) to the ready queue; then run exactly the callbacks that were
 * ready at that point (a snapshot: callbacks they schedule wait for the
 * next iteration). Returns false if there was nothing at all to do. */
bool asl_rt_loop_run_once(AslRtLoop *loop);

/* ------------------------------------------------------------------------
 * Running a program (run.c)
 * ---------------------------------------------------------------------- */

typedef enum {
  ASL_RT_OK = 0,        /* the program ran and returned normally */
  ASL_RT_RAISED,        /* an exception propagated out (exit 1) */
  ASL_RT_UNSUPPORTED,   /* a construct outside the subset (exit 2) */
  ASL_RT_LIMIT,         /* step, time, memory or depth budget (exit 2) */
  ASL_RT_ERROR,         /* could not read or parse the file (exit 2) */
} AslRtStatus;

typedef struct AslRtOptions {
  uint64_t max_steps;   /* interpreter steps; 0: the default (5,000,000) */
  double max_time;      /* virtual seconds; 0: the default (86,400) */
  bool trace;           /* record the timeline into AslRtResult.trace */
  unsigned trace_width; /* columns of the trace; 0: 80 */
} AslRtOptions;

typedef struct AslRtResult {
  AslRtStatus status;
  AslBuf out;      /* the program's stdout */
  AslBuf err;      /* warnings and the final error line, without elapsed */
  AslBuf trace;    /* the rendered timeline (trace option only) */
  double elapsed;  /* virtual seconds */
  char exc_name[64]; /* RAISED: the exception's type name */
} AslRtResult;

/** Runs the module in `src` (already read): its top level, and, if it never
 * calls asyncio.run() itself, asyncio.run(main()) when an `async def main`
 * exists. Fills *res (caller frees with asl_rt_result_destroy). */
void asl_rt_run(AslParser *parser, const AslSource *src,
                const AslRtOptions *opt, AslRtResult *res);
/** Frees the result's buffers. */
void asl_rt_result_destroy(AslRtResult *res);

/** `asynclint run FILE` / `asynclint trace FILE`: prints, returns the
 * process exit status (0, 1 if the program raised, 2 on any tool error). */
int asl_rt_cli(const char *path, bool trace);

#endif /* ASL_RUNTIME_RT_H_ */
