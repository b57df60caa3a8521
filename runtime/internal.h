/*
 * internal.h - the runtime's internal types: values, compiled code, frames,
 * futures and tasks, shared by value.c, compile.c, interp.c, builtins.c,
 * builtins_asyncio.c, trace.c and run.c. Internal names are `rt_*`.
 */
#ifndef ASL_RUNTIME_INTERNAL_H_
#define ASL_RUNTIME_INTERNAL_H_

#include "rt.h"

#include <stdbool.h>
#include <stdint.h>

/* Caps (curl's toobig): past them the run stops with a clear error. */
#define RT_MAX_DEPTH 1000        /* Python frames per task (RecursionError) */
#define RT_MAX_NEST 200          /* syntax nesting the compiler accepts */
#define RT_MAX_SEQ (1u << 20)    /* elements of a list/str/dict */
#define RT_SLOT_GONE UINT32_MAX  /* a set index slot whose item left */
#define RT_MAX_MEMORY ((size_t)256 << 20) /* bytes of values per run */

typedef enum {
  RT_NONE, RT_BOOL, RT_INT, RT_FLOAT, /* immediates */
  RT_STR, RT_LIST, RT_TUPLE, RT_DICT, RT_RANGE, RT_ITER,
  RT_FUNC,     /* a def / async def */
  RT_BUILTIN,  /* a C function (print, asyncio.sleep, ...) */
  RT_BOUND,    /* a method bound to its receiver: obj.name */
  RT_MODULE,   /* asyncio, time */
  RT_CORO,     /* a coroutine object (Python or native) */
  RT_FUTURE,   /* asyncio.Future and Task (is_task) */
  RT_EXC,      /* an exception instance */
  RT_EXCTYPE,  /* an exception class */
  RT_EVENT, RT_LOCK, RT_QUEUE, RT_TASKGROUP, RT_TIMEOUT,
  RT_SET,      /* a set: unique items in insertion order (u.list) */
  RT_LOOP,     /* asyncio.get_running_loop(): run_in_executor only */
} RtType;

typedef struct RtObj RtObj;
typedef struct RtVal {
  uint8_t t; /* RtType */
  union {
    bool b;
    int64_t i;
    double f;
    RtObj *o;
  } u;
} RtVal;

/* Built-in exception classes, with their base (for except matching). */
#define RT_EXC_MAP(XX)                                                       \
  XX(BaseException, BaseException)                                           \
  XX(Exception, BaseException)                                               \
  XX(ArithmeticError, Exception)                                             \
  XX(ZeroDivisionError, ArithmeticError)                                     \
  XX(OverflowError, ArithmeticError)                                         \
  XX(LookupError, Exception)                                                 \
  XX(KeyError, LookupError)                                                  \
  XX(IndexError, LookupError)                                                \
  XX(ValueError, Exception)                                                  \
  XX(TypeError, Exception)                                                   \
  XX(NameError, Exception)                                                   \
  XX(UnboundLocalError, NameError)                                           \
  XX(AttributeError, Exception)                                              \
  XX(RuntimeError, Exception)                                                \
  XX(RecursionError, RuntimeError)                                           \
  XX(NotImplementedError, RuntimeError)                                      \
  XX(AssertionError, Exception)                                              \
  XX(OSError, Exception)                                                     \
  XX(ConnectionError, OSError)                                               \
  XX(TimeoutError, OSError)                                                  \
  XX(KeyboardInterrupt, BaseException)                                       \
  XX(SystemExit, BaseException)                                              \
  XX(CancelledError, BaseException)                                          \
  XX(InvalidStateError, Exception)                                           \
  XX(QueueEmpty, Exception)                                                  \
  XX(QueueFull, Exception)                                                   \
  XX(BaseExceptionGroup, BaseException)                                      \
  XX(ExceptionGroup, Exception)

typedef enum {
#define XX(name, base) RT_E_##name,
  RT_EXC_MAP(XX)
#undef XX
  RT_E__COUNT
} RtExcKind;

typedef struct RtStr { uint32_t len; char *s; } RtStr;
typedef struct RtList { uint32_t len, cap; RtVal *items; } RtList;
typedef struct RtDict { uint32_t len, cap; RtVal *keys, *vals; } RtDict;

typedef struct RtCode RtCode;
typedef struct RtFrame RtFrame;
typedef struct RtFuture RtFuture;
typedef struct Rt Rt;

/* A C function: receives positional args and keyword (name, value) pairs;
 * returns false with rt->exc set when it raised. */
typedef bool (*RtBuiltinFn)(Rt *rt, RtVal self, const RtVal *args,
                            uint32_t nargs, const RtStr *kwnames,
                            const RtVal *kwvals, uint32_t nkw, RtVal *out);

/* What a native coroutine step asks its task to do next. */
typedef enum { RT_N_RETURN, RT_N_RAISE, RT_N_AWAIT, RT_N_YIELD } RtNativeAction;
/* One step of a native coroutine: `in`/`in_exc` is what the last await
 * produced (first call: None/NULL). Sets *out to the return value or the
 * awaitable to await next; on RT_N_RAISE rt->exc holds the exception. */
typedef RtNativeAction (*RtNativeStep)(Rt *rt, RtFrame *f, RtVal in,
                                       RtObj *in_exc, RtVal *out);

struct RtObj {
  uint8_t type; /* RtType */
  union {
    RtStr str;
    RtList list; /* also tuple, and a set's items (unordered) */
    struct {
      RtList items;    /* the same bytes as `list` */
      uint32_t *slots; /* open addressing: 0 empty, RT_SLOT_GONE, pos+1 */
      uint32_t nslots, gone;
    } set;
    RtDict dict;
    struct { int64_t start, stop, step; } range;
    struct { RtVal seq; int64_t pos; uint32_t len0; } iter; /* len0: sets */
    struct { const RtCode *code; } func;
    struct {
      const char *name;
      RtBuiltinFn fn;
      RtVal self;
      bool is_asyncio;      /* an asyncio function: not from a thread */
    } builtin;
    struct { RtVal self; const char *name; } bound;
    struct { int which; } module; /* 0 asyncio, 1 time */
    struct {
      const char *name;     /* for messages: the function's name */
      RtFrame *frame;       /* the frame, NULL once finished */
      uint8_t state;        /* RT_CORO_* */
      bool awaited;         /* awaited or wrapped in a task */
      uint32_t line;        /* 1-based line where it was created */
      RtObj *next_all;      /* every coroutine, for the never-awaited scan */
    } coro;
    struct {
      RtExcKind kind;
      RtStr msg;
      RtList *group;        /* ExceptionGroup: the sub-exceptions */
      RtVal arg;            /* the constructor's argument(s), for repr */
      uint8_t nargs;        /* 0, 1 (arg) or 2 (arg is a tuple of them) */
    } exc;
    struct { RtExcKind kind; } exctype;
  } u;
};

enum { RT_CORO_CREATED, RT_CORO_RUNNING, RT_CORO_DONE };

/* ---- futures and tasks ------------------------------------------------ */

enum { RT_FUT_PENDING, RT_FUT_DONE, RT_FUT_CANCELLED };

typedef void (*RtFutCallback)(Rt *rt, RtFuture *fut, void *arg);

typedef struct RtFutCb { RtFutCallback fn; void *arg; } RtFutCb;

struct RtFuture {
  uint8_t type;           /* RT_FUTURE: shares the RtObj header byte */
  uint8_t state;
  bool is_task;
  bool exc_retrieved;     /* exception() or result() read the exception */
  RtVal result;
  RtObj *exc;             /* set_exception / the cancellation error */
  RtFutCb *cbs;           /* done callbacks, in registration order */
  uint32_t ncbs, cbcap;
  /* Task only: */
  uint32_t id;            /* Task-<id> */
  RtObj *coro;
  RtFrame *top;           /* innermost running frame of the task */
  RtFuture *waiter;       /* the future it is suspended on */
  bool must_cancel;
  int num_cancels;        /* cancel() calls minus uncancel() */
  bool started;
  const char *waiting_what; /* trace: what the last await waits on */
  uint32_t waiting_line;
  const char *waiting_fn;   /* trace: the function holding that await */
  RtFuture *next_task;    /* every task, in creation order */
  /* Generic owners (gather, TaskGroup, ...) keep state here: */
  void *owner;
  const char *desc;       /* trace: what awaiting it means */
};

/* ---- compiled code ---------------------------------------------------- */

typedef enum {
  OP_CONST,
  OP_LOAD_LOCAL,  /* arg2 1: a free variable of a comprehension (NameError) */
  OP_STORE_LOCAL, OP_LOAD_GLOBAL, OP_STORE_GLOBAL,
  OP_LOAD_ATTR, OP_POP, OP_DUP, OP_ROT2, OP_ROT3,
  OP_BINARY, OP_UNARY, OP_COMPARE, OP_NOT,
  OP_JUMP, OP_JUMP_IF_FALSE, OP_JUMP_IF_TRUE, OP_JUMP_IF_FALSE_OR_POP,
  OP_JUMP_IF_TRUE_OR_POP,
  OP_BUILD_LIST, OP_BUILD_TUPLE, OP_BUILD_DICT, OP_BUILD_STR, OP_FORMAT,
  OP_CALL,        /* arg: nargs | nkw << 16; kwnames in consts[arg2] */
  OP_SUBSCR, OP_STORE_SUBSCR, OP_GET_ITER, OP_FOR_ITER, OP_UNPACK,
  OP_RETURN, OP_AWAIT, OP_RAISE, OP_RERAISE,
  OP_SETUP_EXCEPT, OP_POP_BLOCK, OP_EXC_MATCH, OP_POP_EXCEPT,
  OP_SET_HANDLING, /* the handled exception (for bare raise): pops it */
  OP_ASYNC_ENTER,  /* pops cm, pushes the awaitable of cm.__aenter__() */
  OP_ASYNC_EXIT,   /* pops exc-or-None and cm, pushes aexit's awaitable */
  OP_ASSERT_FAIL,
  OP_BUILD_SET,    /* arg items: a set literal (or an empty set) */
  OP_COMP_ADD,     /* pops an item (dict: key, value) into the list, set or
                      dict under `arg` iterators: a comprehension's result */
  OP_UNBIND_LOCAL, /* a comprehension's variables start unbound each run */
  OP_EXTEND_ARGS,  /* `*it` in a call: pops it, extends the list at TOS */
  OP_CALL_EX,      /* [fn, args list, kw values]: arg nkw, names arg2 */
  OP_CHECK_CONSUMER, /* the callee at TOS consumes a generator at once */
  OP_COMP_ENTER,   /* a comprehension starts: one frame deeper (arg 1: a
                      generator expression consumed by a builtin) */
  OP_COMP_EXIT,
} RtOp;

typedef struct RtInsn {
  uint8_t op;
  uint32_t arg, arg2;
  uint32_t node; /* syntax node, for positions and the trace */
} RtInsn;

struct RtCode {
  const char *name;      /* function name ("<module>" at top level) */
  bool is_async;
  uint32_t def_node;     /* function_definition node (or the module) */
  uint32_t nparams;      /* positional parameters, first locals */
  uint32_t ndefaults;    /* defaults for the last ndefaults params */
  RtVal *defaults;       /* evaluated at def time (filled by OP_ ... ) */
  uint32_t nlocals;
  const char **local_names;
  RtInsn *code;
  uint32_t ncode, capcode;
  RtVal *consts;
  uint32_t nconsts, capconsts;
  uint32_t max_stack;
};

/* ---- frames ----------------------------------------------------------- */

typedef struct RtBlock {
  uint32_t handler;  /* pc of the handler */
  uint32_t sp;       /* stack depth to restore */
  uint32_t depth;    /* the frame's depth, and its active generator */
  uint32_t consumed; /* expressions consumed by builtins, to restore */
} RtBlock;

/* CPython's own limit: "too many statically nested blocks". */
#define RT_MAX_BLOCKS 20
#define RT_MAX_LIVE_FRAMES 100000 /* frames alive at once (memory) */

struct RtFrame {
  RtFrame *parent;       /* the frame that called or awaited this one */
  RtObj *coro;           /* the coroutine this frame runs, or NULL */
  const RtCode *code;    /* NULL: a native frame */
  uint32_t pc;
  RtVal *stack;
  uint32_t sp, stack_cap;
  RtVal *locals;
  bool *bound;           /* which locals hold a value */
  RtBlock blocks[RT_MAX_BLOCKS];
  uint32_t nblocks;
  RtObj *handling;       /* exception being handled (bare raise) */
  bool is_module;
  /* Native frames: */
  RtNativeStep step;
  const char *native_name;
  int nstate;
  RtVal nv[4];           /* arguments and state values */
  RtFuture *nfut[2];
  AslRtHandle *ntimer;
  double ntime;
  uint32_t depth;        /* frames below it in its task (RecursionError),
                            plus one per comprehension it is running (a
                            frame of its own in CPython 3.11) */
  uint32_t consumed;     /* generator expressions it runs for a builtin */
  RtFrame *next_live, *prev_live; /* every live frame, freed at the end */
};

/* ---- worker threads ---------------------------------------------------- */

/* Cap on worker threads busy at once: the default executor has
 * min(32, cpu_count + 4) of them, at least 5, so up to 5 the queueing is
 * the same on every machine. */
#define RT_MAX_THREADS 5
/* Trace lanes of threads: this bit over the thread's number. */
#define RT_LANE_THREAD 0x80000000u

/* A worker thread of the default executor running one call (to_thread,
 * run_in_executor): its frames run like a task's, but only time.sleep
 * suspends them (a timer resumes the thread; the loop keeps running). */
typedef struct RtThread {
  uint32_t no;            /* 0, 1, ...: its trace lane */
  const char *name;       /* what awaiting it means: to_thread(load_config) */
  const char *fn_name;    /* its lane: thread load_config */
  RtFrame *top;           /* innermost frame, NULL once finished */
  RtFuture *fut;          /* the asyncio future that gets its outcome */
  AslRtHandle *timer;     /* time.sleep in progress */
  RtVal result;           /* the call's outcome, until the loop copies */
  RtObj *exc;             /* it into fut (call_soon_threadsafe) */
  double seen_time;       /* its last print or its finish, -1: none */
  uint64_t start_seq;     /* prints made before it was submitted */
  struct RtThread *next;  /* every thread, in start order */
  struct RtThread *next_open; /* the threads not delivered yet */
} RtThread;

/* ---- trace ------------------------------------------------------------ */

typedef enum {
  RT_EV_CREATE, RT_EV_START, RT_EV_PAUSE, RT_EV_RESUME, RT_EV_FINISH,
  RT_EV_BLOCK, RT_EV_PRINT
} RtEventKind;

typedef struct RtEvent {
  double time;
  double duration;    /* BLOCK: how long the loop was blocked */
  uint32_t task;      /* task id, 0: outside any task */
  uint8_t kind;
  uint32_t line;
  const char *what;   /* arena text */
  const char *fn;     /* PAUSE: the function of the await */
} RtEvent;

/* ---- the interpreter state -------------------------------------------- */

struct Rt {
  AslArena arena;        /* every value of the run */
  const AslSource *src;
  const AslTree *tree;
  AslRtLoop loop;
  bool loop_running;     /* inside asyncio.run */
  RtDict *globals;
  RtObj *exc;            /* the exception being raised (C-level error flag) */
  AslBuf *out, *err;
  uint64_t steps, max_steps;
  double max_time;
  AslRtStatus fatal;     /* non-OK: stop everything (limits, unsupported) */
  char fatal_msg[512];
  RtFuture *current;     /* the task that is running, or NULL */
  RtFuture *tasks;       /* every task, newest first */
  RtFuture *tasks_tail;
  uint32_t next_task_id;
  RtObj *coros;          /* every coroutine object */
  RtFrame *live;         /* every allocated frame */
  uint32_t nlive;
  bool ran_asyncio_run;
  bool stopping;         /* run_until_complete's done callback ran */
  uint32_t call_node;    /* the call being made (time.sleep's line) */
  RtCode *module_code;
  bool trace;
  RtEvent *events;
  uint32_t nevents, capevents;
  RtVal none_val;
  bool in_callback;      /* a Python done callback runs on the loop */
  RtThread *thread;      /* the worker thread running, or NULL */
  RtThread *threads, *threads_tail; /* every worker thread */
  RtThread *open;        /* threads whose outcome is not delivered yet */
  uint32_t nthreads, threads_busy;
  bool thread_suspend;   /* time.sleep in a thread: park it after the call */
  RtFuture *executor_shutdown; /* asyncio.run waits for the threads */
  uint64_t nprints;      /* prints so far (any lane) */
  double loop_print_time; /* the loop's last print (virtual time) */
  uint64_t loop_print_seq; /* ... and its number (0: none yet) */
  double thread_print_time; /* the last print of any thread */
  uint64_t thread_print_seq; /* ... its number (0: none yet) */
  uint32_t thread_print_no;  /* ... and which thread made it */
  RtObj *loop_obj;       /* what get_running_loop() returns */
};

/* value.c */
RtVal rt_none(void);
RtVal rt_bool(bool b);
RtVal rt_int(int64_t i);
RtVal rt_float(double f);
RtVal rt_obj(RtObj *o);
void *rt_alloc(Rt *rt, size_t n);
RtObj *rt_new(Rt *rt, RtType t);
RtVal rt_str(Rt *rt, const char *s, size_t n);
RtVal rt_strz(Rt *rt, const char *s);
RtVal rt_list_new(Rt *rt, RtType t, uint32_t n);
bool rt_list_append(Rt *rt, RtObj *l, RtVal v);
RtObj *rt_exc_new(Rt *rt, RtExcKind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool rt_raise(Rt *rt, RtExcKind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Raises KeyError(key), printed as repr(key), as a dict lookup does;
 * returns false. */
bool rt_key_error(Rt *rt, RtVal key);
void rt_fatal(Rt *rt, AslRtStatus st, uint32_t node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool rt_exc_is(RtExcKind k, RtExcKind base);
const char *rt_exc_name(RtExcKind k);
bool rt_truthy(const RtVal *v);
const char *rt_type_name(RtVal v);
void rt_repr(Rt *rt, AslBuf *b, RtVal v, int depth);
void rt_strval(Rt *rt, AslBuf *b, RtVal v);
RtVal rt_buf_to_str(Rt *rt, AslBuf *b);
bool rt_equal(RtVal a, RtVal b);
bool rt_binary(Rt *rt, int op, RtVal a, RtVal b, RtVal *out);
bool rt_compare(Rt *rt, int op, RtVal a, RtVal b, RtVal *out);
bool rt_dict_get(RtDict *d, RtVal k, RtVal *out);
void rt_dict_set(Rt *rt, RtDict *d, RtVal k, RtVal v);
RtDict *rt_dict_new(Rt *rt);
bool rt_str_eq(const RtStr *s, const char *z);
/** TypeError unless `v` can be a set element (not a list, dict or set). */
bool rt_hashable(Rt *rt, RtVal v);
/** Position of `v` in set `s`, or UINT32_MAX. */
uint32_t rt_set_find(const RtObj *s, RtVal v);
/** Adds `v` to set `s` unless an equal item is there. */
bool rt_set_add(Rt *rt, RtObj *s, RtVal v);
/** Takes the item at `pos` out of set `s` (the last item takes its
 * place: a set has no order to keep). */
void rt_set_remove_at(RtObj *s, uint32_t pos);
/** Empties set `s`. */
void rt_set_clear(RtObj *s);
/** Iterating a set of two or more items is rejected: CPython's order
 * follows hashes (object addresses for tasks). False after rt_fatal. */
bool rt_set_order_ok(Rt *rt, RtVal v, uint32_t node);
uint32_t rt_str_chars(const RtStr *s);
uint32_t rt_str_char_at(const RtStr *s, uint32_t k, uint32_t *len);

/* binary/compare operator codes (OP_BINARY / OP_COMPARE args) */
enum { RT_ADD, RT_SUB, RT_MUL, RT_DIV, RT_FLOORDIV, RT_MOD, RT_POW,
       RT_NEG, RT_POS };
enum { RT_LT, RT_LE, RT_GT, RT_GE, RT_EQ, RT_NE, RT_IN, RT_NOTIN, RT_IS,
       RT_ISNOT };

/* compile.c */
/** Compiles the module; false after rt_fatal (unsupported construct). */
bool rt_compile_module(Rt *rt, RtCode **out);

/* interp.c */
RtFrame *rt_frame_new(Rt *rt, const RtCode *code, RtObj *coro);
RtFrame *rt_native_frame_new(Rt *rt, const char *name, RtNativeStep step);
void rt_frame_free(Rt *rt, RtFrame *f);
/** Runs the module frame to completion (it may call asyncio.run). */
bool rt_run_module(Rt *rt, RtFrame *f);
/** Calls a callable with arguments; for Python defs runs the frame to
 * completion on a nested interpreter loop (sync code only). */
bool rt_call(Rt *rt, RtVal fn, const RtVal *args, uint32_t nargs,
             const RtStr *kwn, const RtVal *kwv, uint32_t nkw, RtVal *out,
             uint32_t node);
/** Advances a task: `in`/`in_exc` go to its innermost frame. */
void rt_task_step(Rt *rt, RtFuture *task, RtVal in, RtObj *in_exc);
/** Runs a worker thread's frames until time.sleep parks it or the call
 * returns or raises (then rt_thread_finished). */
void rt_thread_step(Rt *rt, RtThread *th);
/** Calls `fn(args)` from a loop callback: a sync def runs to completion on
 * a nested interpreter loop (no task: it cannot await). */
bool rt_call_from_loop(Rt *rt, RtVal fn, const RtVal *args, uint32_t nargs,
                       RtVal *out);
RtObj *rt_coro_new_native(Rt *rt, const char *name, RtNativeStep step);
uint32_t rt_line_of(Rt *rt, uint32_t node);

/* builtins.c */
bool rt_builtin_lookup(Rt *rt, const char *name, uint32_t len, RtVal *out);
bool rt_is_builtin_name(const char *name, uint32_t len);
/** Does calling `fn` with one iterable consume it at once, and only that
 * (list, tuple, set, sum, min, max, str.join)? Then a generator
 * expression as its argument can be built eagerly. `which` 1 or 2: is
 * `fn` the builtin any, or all (they stop early: compiled as a loop)? */
bool rt_consumes_iterable(RtVal fn, uint32_t which);
bool rt_getattr(Rt *rt, RtVal obj, const char *name, RtVal *out);
bool rt_call_method(Rt *rt, RtVal self, const char *name, const RtVal *args,
                    uint32_t nargs, const RtStr *kwn, const RtVal *kwv,
                    uint32_t nkw, RtVal *out);
bool rt_module_attr(Rt *rt, int which, const char *name, RtVal *out);
bool rt_module_has(int which, const char *name, uint32_t len);

/* builtins_asyncio.c */
RtFuture *rt_future_new(Rt *rt);
RtFuture *rt_task_new(Rt *rt, RtObj *coro);
void rt_future_set_result(Rt *rt, RtFuture *f, RtVal v);
void rt_future_set_exception(Rt *rt, RtFuture *f, RtObj *exc);
bool rt_future_cancel(Rt *rt, RtFuture *f);
bool rt_task_cancel(Rt *rt, RtFuture *t);
/** Future.cancel() proper: marks a pending future cancelled. */
bool rt_future_set_cancelled(Rt *rt, RtFuture *f);
/** call_soon(task.__step). */
void rt_task_schedule(Rt *rt, RtFuture *task);
void rt_future_add_cb(Rt *rt, RtFuture *f, RtFutCallback fn, void *arg);
/** fut.result(): false with rt->exc set if it holds an exception. */
bool rt_future_result(Rt *rt, RtFuture *f, RtVal *out);
RtObj *rt_cancelled_error(Rt *rt);
/** Task wakeup after the future it awaited completed. */
void rt_task_wakeup(Rt *rt, RtFuture *fut, void *task);
bool rt_asyncio_run(Rt *rt, RtVal coro, RtVal *out, uint32_t node);
bool rt_async_enter(Rt *rt, RtVal cm, RtVal *out);
bool rt_async_exit(Rt *rt, RtVal cm, RtObj *exc, RtVal *out);
bool rt_asyncio_attr(Rt *rt, const char *name, RtVal *out);
bool rt_asyncio_method(Rt *rt, RtVal self, const char *name,
                       const RtVal *args, uint32_t nargs, const RtStr *kwn,
                       const RtVal *kwv, uint32_t nkw, RtVal *out, bool *found);
const char *rt_task_name(Rt *rt, RtFuture *t);

/** Appends to an arena-backed array of futures. */
void rt_fut_push(Rt *rt, RtFuture ***arr, uint32_t *n, uint32_t *cap,
                 RtFuture *f);
/** A future already done with `v` or `exc` (what awaiting a coroutine
 * that returns at once amounts to). */
RtVal rt_done_future(Rt *rt, RtVal v, RtObj *exc);

/* threads.c: to_thread, run_in_executor, the default executor */
bool rt_thread_to_thread(Rt *rt, RtVal self, const RtVal *args,
                         uint32_t nargs, const RtStr *kwn, const RtVal *kwv,
                         uint32_t nkw, RtVal *out);
bool rt_thread_get_running_loop(Rt *rt, RtVal self, const RtVal *args,
                                uint32_t nargs, const RtStr *kwn,
                                const RtVal *kwv, uint32_t nkw, RtVal *out);
bool rt_thread_loop_method(Rt *rt, const char *name, const RtVal *args,
                           uint32_t nargs, uint32_t nkw, RtVal *out);
/** time.sleep in a worker thread: parks the thread for `d` seconds. */
void rt_thread_sleep(Rt *rt, double d);
/** time.sleep on the loop until `end`: the threads run on meanwhile. */
void rt_thread_run_during_block(Rt *rt, double end);
/** The thread's call returned `v` or raised `exc`. */
void rt_thread_finished(Rt *rt, RtThread *th, RtVal v, RtObj *exc);
/** Would calling `fn` from a worker thread touch asyncio? */
bool rt_thread_forbidden(RtVal fn);
/** A print: rejects one whose order against another lane's print at the
 * same virtual instant is up to the OS scheduler in CPython. */
void rt_thread_note_print(Rt *rt);
/** asyncio.run's shutdown_default_executor: waits for the threads. */
RtFuture *rt_thread_shutdown(Rt *rt);
/** Future exception was never retrieved, for executor futures. */
void rt_thread_gc_warnings(Rt *rt);

/* sync.c: Event, Lock, Queue */
bool rt_sync_event_new(Rt *rt, RtVal self, const RtVal *args, uint32_t nargs,
                       const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                       RtVal *out);
bool rt_sync_lock_new(Rt *rt, RtVal self, const RtVal *args, uint32_t nargs,
                      const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                      RtVal *out);
bool rt_sync_queue_new(Rt *rt, RtVal self, const RtVal *args, uint32_t nargs,
                       const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                       RtVal *out);
bool rt_sync_lock_enter(Rt *rt, RtVal cm, RtVal *out);
bool rt_sync_lock_exit(Rt *rt, RtVal cm, RtVal *out);
bool rt_sync_method(Rt *rt, RtVal self, const char *name, const RtVal *args,
                    uint32_t nargs, uint32_t nkw, RtVal *out, bool *found);

/* trace.c */
void rt_event(Rt *rt, RtEventKind k, RtFuture *task, uint32_t line,
              const char *what, double duration);
void rt_trace_render(Rt *rt, AslBuf *out, unsigned width, const char *path);

#endif /* ASL_RUNTIME_INTERNAL_H_ */
