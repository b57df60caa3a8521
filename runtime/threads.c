/*
 * threads.c - the default executor's worker threads in virtual time:
 * asyncio.to_thread(func, *args, **kwargs) and
 * loop.run_in_executor(None, func, *args). A thread runs its call as a
 * chain of heap frames, like a task's, on its own trace lane; time.sleep
 * in it parks only that thread (a timer resumes it) while the loop goes
 * on, and its outcome reaches the asyncio future through
 * call_soon_threadsafe, as CPython's wrap_future does.
 *
 * What the runtime cannot order as CPython would is rejected: asyncio
 * used from a thread, more threads than the smallest default executor, a
 * thread's wake-up at the same instant as another timer or the end of a
 * blocking call, and a thread's print or finish at the same virtual
 * instant as another lane's print that it does not causally follow.
 */
#include "internal.h"

#include <string.h>

#define AS_OBJ(p) ((RtObj *)(void *)(p))
#define VAL(p) rt_obj(AS_OBJ(p))

static Rt *rt_of(AslRtLoop *loop) { return loop->user; }

static void thread_event(Rt *rt, RtThread *th, RtEventKind k, uint32_t line,
                         const char *what) {
  RtThread *was = rt->thread;
  rt->thread = th; // rt_event puts a task-less event on the running thread
  rt_event(rt, k, NULL, line, what, 0);
  rt->thread = was;
}

/* ---- the order checks ---------------------------------------------------- */

static void racy(Rt *rt, const char *what) {
  rt_fatal(rt, ASL_RT_UNSUPPORTED, rt->call_node,
           "not supported by the runtime: %s at the same virtual instant "
           "(%.3f s) as another lane's; CPython's order depends on the OS "
           "scheduler",
           what, rt->loop.time);
}

/* A print or finish of `th` now: another lane printed at this instant
 * after `th` was submitted, so nothing orders the two. (The last print
 * of any thread is enough: a second thread's print at one instant is
 * flagged when it happens.) */
static bool thread_event_races(Rt *rt, const RtThread *th) {
  double t = rt->loop.time;
  if (rt->loop_print_seq > th->start_seq && rt->loop_print_time == t)
    return true;
  return rt->thread_print_seq > th->start_seq &&
         rt->thread_print_time == t && rt->thread_print_no != th->no;
}

void rt_thread_note_print(Rt *rt) {
  double t = rt->loop.time;
  RtThread *th = rt->thread;
  if (th) {
    if (thread_event_races(rt, th)) {
      racy(rt, "a worker thread's print");
      return;
    }
    th->seen_time = rt->thread_print_time = t;
    rt->thread_print_seq = ++rt->nprints;
    rt->thread_print_no = th->no;
    return;
  }
  // The loop prints after a thread's print or finish at this instant,
  // before its outcome was delivered: the thread may as well be later.
  for (const RtThread *o = rt->open; o; o = o->next_open)
    if (o->seen_time == t) {
      racy(rt, "a print on the loop");
      return;
    }
  rt->loop_print_time = t;
  rt->loop_print_seq = ++rt->nprints;
}

bool rt_thread_forbidden(RtVal fn) {
  if (fn.t == RT_BUILTIN) return fn.u.o->u.builtin.is_asyncio;
  if (fn.t != RT_BOUND) return false;
  switch (fn.u.o->u.bound.self.t) {
  case RT_FUTURE:
  case RT_EVENT:
  case RT_LOCK:
  case RT_QUEUE:
  case RT_TASKGROUP:
  case RT_TIMEOUT:
  case RT_LOOP: return true;
  default: return false;
  }
}

/* ---- a thread's life ----------------------------------------------------- */

static const char *callable_name(RtVal fn) {
  switch (fn.t) {
  case RT_FUNC: return fn.u.o->u.func.code->name;
  case RT_BUILTIN: return fn.u.o->u.builtin.name;
  case RT_BOUND: return fn.u.o->u.bound.name;
  default: return rt_type_name(fn);
  }
}

/* The thread's bottom frame: code that calls fn(*args, **kwargs) and
 * returns its result (what functools.partial does in to_thread). */
static RtCode *call_code(Rt *rt, RtVal fn, RtVal args, RtVal kwn, RtVal kwv,
                         uint32_t node) {
  uint32_t npos = args.u.o->u.list.len, nkw = kwn.u.o->u.list.len;
  uint32_t nconst = 2 + npos + nkw;
  RtCode *c = rt_alloc(rt, sizeof *c);
  c->name = callable_name(fn);
  c->def_node = node;
  c->consts = rt_alloc(rt, nconst * sizeof *c->consts);
  c->code = rt_alloc(rt, (nconst + 1) * sizeof *c->code);
  c->consts[c->nconsts++] = kwn;
  c->consts[c->nconsts++] = fn;
  for (uint32_t i = 0; i < npos; i++)
    c->consts[c->nconsts++] = args.u.o->u.list.items[i];
  for (uint32_t i = 0; i < nkw; i++)
    c->consts[c->nconsts++] = kwv.u.o->u.list.items[i];
  for (uint32_t i = 1; i < nconst; i++)
    c->code[c->ncode++] = (RtInsn){OP_CONST, i, 0, node};
  c->code[c->ncode++] = (RtInsn){OP_CALL, npos | nkw << 16, 0, node};
  c->code[c->ncode++] = (RtInsn){OP_RETURN, 0, 0, node};
  c->capcode = c->ncode;
  c->capconsts = c->nconsts;
  c->max_stack = nconst;
  return c;
}

static void thread_run_cb(AslRtLoop *loop, void *a, void *b) {
  (void)b;
  Rt *rt = rt_of(loop);
  RtThread *th = a;
  if (th->fut->state == RT_FUT_CANCELLED) {
    // CPython cancels the work item one iteration later, which succeeds
    // only if no worker picked it up yet: a race with thread start-up.
    rt_fatal(rt, ASL_RT_UNSUPPORTED, th->top->code->def_node,
             "not supported by the runtime: %s cancelled before its worker "
             "thread started; CPython's outcome depends on the OS scheduler",
             th->name);
    return;
  }
  thread_event(rt, th, RT_EV_START, 0, NULL);
  rt_thread_step(rt, th);
}

/* Submits fn(*args, **kwargs) to the default executor: a new thread lane
 * that starts at the next iteration; NULL after rt_fatal. */
static RtThread *thread_submit(Rt *rt, const char *api, RtVal fn, RtVal args,
                               RtVal kwn, RtVal kwv) {
  if (rt->threads_busy >= RT_MAX_THREADS) {
    rt_fatal(rt, ASL_RT_UNSUPPORTED, rt->call_node,
             "not supported by the runtime: more than %d worker threads busy "
             "at once (the default executor's size depends on the CPU count)",
             RT_MAX_THREADS);
    return NULL;
  }
  if (args.u.o->u.list.len + kwn.u.o->u.list.len > 250) {
    rt_fatal(rt, ASL_RT_UNSUPPORTED, rt->call_node,
             "not supported by the runtime: more than 250 arguments");
    return NULL;
  }
  RtThread *th = rt_alloc(rt, sizeof *th);
  memset(th, 0, sizeof *th);
  th->no = rt->nthreads++;
  th->fn_name = callable_name(fn);
  th->name = asl_arena_printf(&rt->arena, "%s(%s)", api, th->fn_name);
  th->seen_time = -1;
  th->start_seq = rt->nprints;
  th->fut = rt_future_new(rt);
  th->fut->desc = th->name;
  th->top = rt_frame_new(rt, call_code(rt, fn, args, kwn, kwv, rt->call_node),
                         NULL);
  if (rt->threads_tail)
    rt->threads_tail->next = th;
  else
    rt->threads = th;
  rt->threads_tail = th;
  th->next_open = rt->open;
  rt->open = th;
  rt->threads_busy++;
  thread_event(rt, th, RT_EV_CREATE, 0, th->name);
  asl_rt_loop_post(&rt->loop, thread_run_cb, th, NULL);
  return th;
}

static void thread_wake_cb(AslRtLoop *loop, void *a, void *b) {
  (void)b;
  Rt *rt = rt_of(loop);
  RtThread *th = a;
  asl_rt_handle_release(loop, th->timer);
  th->timer = NULL;
  thread_event(rt, th, RT_EV_RESUME, 0, NULL);
  rt_thread_step(rt, th);
}

void rt_thread_sleep(Rt *rt, double d) {
  RtThread *th = rt->thread;
  thread_event(rt, th, RT_EV_PAUSE, rt_line_of(rt, rt->call_node),
               rt->trace ? asl_arena_printf(&rt->arena, "time.sleep(%g)", d)
                         : "time.sleep()");
  th->timer = asl_rt_loop_call_at(&rt->loop, rt->loop.time + d, thread_wake_cb,
                                  th, NULL);
  th->timer->racy = true;
  rt->thread_suspend = true;
}

/* The loop is blocked (time.sleep on it) until `end`: the threads run on
 * meanwhile, each wake-up at its own virtual time. */
void rt_thread_run_during_block(Rt *rt, double end) {
  for (;;) {
    RtThread *first = NULL;
    for (RtThread *th = rt->open; th; th = th->next_open)
      if (th->timer && th->timer->when <= end &&
          (!first || th->timer->when < first->timer->when ||
           (th->timer->when == first->timer->when &&
            th->timer->seq < first->timer->seq)))
        first = th;
    if (!first || rt->fatal) return;
    if (first->timer->when == end) {
      racy(rt, "a worker thread's wake-up and the end of a blocking call");
      return;
    }
    if (first->timer->when > rt->loop.time) rt->loop.time = first->timer->when;
    asl_rt_handle_cancel(&rt->loop, first->timer);
    thread_wake_cb(&rt->loop, first, NULL);
  }
}

static void set_result_cb(AslRtLoop *loop, void *a, void *b) {
  (void)b;
  rt_future_set_result(rt_of(loop), a, rt_none());
}

/* _set_state on the loop: the future gets the outcome unless it was
 * cancelled meanwhile (then the result or exception is dropped). */
static void set_state_cb(AslRtLoop *loop, void *a, void *b) {
  (void)b;
  Rt *rt = rt_of(loop);
  RtThread *th = a;
  for (RtThread **p = &rt->open; *p; p = &(*p)->next_open)
    if (*p == th) {
      *p = th->next_open;
      break;
    }
  if (th->fut->state != RT_FUT_PENDING) return;
  if (th->exc)
    rt_future_set_exception(rt, th->fut, th->exc);
  else
    rt_future_set_result(rt, th->fut, th->result);
}

void rt_thread_finished(Rt *rt, RtThread *th, RtVal v, RtObj *exc) {
  if (thread_event_races(rt, th)) {
    racy(rt, "a worker thread's finish");
    return;
  }
  th->seen_time = rt->loop.time;
  th->result = v;
  th->exc = exc;
  thread_event(rt, th, RT_EV_FINISH, 0, exc ? "raised" : "returned");
  rt->threads_busy--;
  asl_rt_loop_post(&rt->loop, set_state_cb, th, NULL);
  // The executor's shutdown joins the threads, then wakes the loop.
  if (!rt->threads_busy && rt->executor_shutdown)
    asl_rt_loop_post(&rt->loop, set_result_cb, rt->executor_shutdown, NULL);
}

RtFuture *rt_thread_shutdown(Rt *rt) {
  if (!rt->threads) return NULL; // no default executor was made
  RtFuture *sd = rt_future_new(rt);
  sd->desc = "shutdown_default_executor()";
  rt->executor_shutdown = sd;
  if (!rt->threads_busy) asl_rt_loop_post(&rt->loop, set_result_cb, sd, NULL);
  return sd;
}

void rt_thread_gc_warnings(Rt *rt) {
  for (RtThread *th = rt->threads; th; th = th->next) {
    RtFuture *f = th->fut;
    if (f->state != RT_FUT_DONE || !f->exc || f->exc_retrieved) continue;
    asl_buf_puts(rt->err, "Future exception was never retrieved\n"
                          "future: <Future finished exception=");
    rt_repr(rt, rt->err, rt_obj(f->exc), 0);
    asl_buf_puts(rt->err, ">\n");
  }
}

/* ---- the API ------------------------------------------------------------- */

static bool loop_is_running(Rt *rt) {
  if (rt->loop_running && (rt->current || rt->in_callback)) return true;
  return rt_raise(rt, RT_E_RuntimeError, "no running event loop");
}

/* to_thread's body: run_in_executor, then await its future. nv[0] the
 * function, nv[1] the positional arguments, nv[2]/nv[3] the keyword
 * names and values (tuples). */
static RtNativeAction to_thread_step(Rt *rt, RtFrame *f, RtVal in,
                                     RtObj *in_exc, RtVal *out) {
  if (f->nstate == 0) {
    if (!loop_is_running(rt)) return RT_N_RAISE;
    RtThread *th =
        thread_submit(rt, "to_thread", f->nv[0], f->nv[1], f->nv[2], f->nv[3]);
    if (!th) return RT_N_RAISE; // fatal: the run stops
    f->nstate = 1;
    *out = VAL(th->fut);
    return RT_N_AWAIT;
  }
  if (in_exc) {
    rt->exc = in_exc;
    return RT_N_RAISE;
  }
  *out = in;
  return RT_N_RETURN;
}

static RtVal tuple_of(Rt *rt, const void *items, uint32_t n, bool strs) {
  RtVal t = rt_list_new(rt, RT_TUPLE, n);
  for (uint32_t i = 0; i < n; i++)
    t.u.o->u.list.items[i] =
        strs ? rt_str(rt, ((const RtStr *)items)[i].s,
                      ((const RtStr *)items)[i].len)
             : ((const RtVal *)items)[i];
  return t;
}

bool rt_thread_to_thread(Rt *rt, RtVal self, const RtVal *args, uint32_t nargs,
                         const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                         RtVal *out) {
  (void)self;
  if (nargs < 1)
    return rt_raise(rt, RT_E_TypeError,
                    "to_thread() missing 1 required positional argument: "
                    "'func'");
  RtObj *co = rt_coro_new_native(rt, "to_thread", to_thread_step);
  co->u.coro.line = rt_line_of(rt, rt->call_node);
  RtFrame *f = co->u.coro.frame;
  f->nv[0] = args[0];
  f->nv[1] = tuple_of(rt, args + 1, nargs - 1, false);
  f->nv[2] = tuple_of(rt, kwn, nkw, true);
  f->nv[3] = tuple_of(rt, kwv, nkw, false);
  *out = rt_obj(co);
  return true;
}

bool rt_thread_get_running_loop(Rt *rt, RtVal self, const RtVal *args,
                                uint32_t nargs, const RtStr *kwn,
                                const RtVal *kwv, uint32_t nkw, RtVal *out) {
  (void)self, (void)args, (void)kwn, (void)kwv;
  if (nargs || nkw)
    return rt_raise(rt, RT_E_TypeError,
                    "get_running_loop() takes no arguments");
  if (!loop_is_running(rt)) return false;
  if (!rt->loop_obj) rt->loop_obj = rt_new(rt, RT_LOOP);
  *out = rt_obj(rt->loop_obj);
  return true;
}

/* loop.run_in_executor(None, func, *args): the future, the thread
 * started (it runs even if nobody awaits the future). */
bool rt_thread_loop_method(Rt *rt, const char *name, const RtVal *args,
                           uint32_t nargs, uint32_t nkw, RtVal *out) {
  if (strcmp(name, "run_in_executor") != 0)
    return rt_raise(rt, RT_E_AttributeError,
                    "'_UnixSelectorEventLoop' object has no attribute '%s'",
                    name);
  if (nkw)
    return rt_raise(rt, RT_E_TypeError,
                    "run_in_executor() got an unexpected keyword argument");
  if (nargs < 2)
    return rt_raise(rt, RT_E_TypeError,
                    "run_in_executor() missing required positional "
                    "arguments");
  if (args[0].t != RT_NONE) {
    rt_fatal(rt, ASL_RT_UNSUPPORTED, rt->call_node,
             "not supported by the runtime: an executor other than the "
             "default (None)");
    return false;
  }
  // CPython checks for coroutine functions in debug mode only: an async
  // def here makes a coroutine in the thread, never awaited.
  RtVal fn = args[1];
  RtVal none = rt_list_new(rt, RT_TUPLE, 0);
  RtThread *th = thread_submit(rt, "run_in_executor", fn,
                               tuple_of(rt, args + 2, nargs - 2, false), none,
                               none);
  if (!th) return false;
  *out = VAL(th->fut);
  return true;
}
