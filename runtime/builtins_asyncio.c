/*
 * builtins_asyncio.c - asyncio on the virtual loop: futures and tasks with
 * CPython 3.11's callback order (every done callback goes through
 * call_soon), run, sleep, gather, create_task/ensure_future, wait_for,
 * timeout and TaskGroup (Event, Lock and Queue are in sync.c). Each follows the
 * stdlib's Python code step by step; native coroutines are small state
 * machines.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- futures ----------------------------------------------------------- */

typedef struct Gather {
  RtFuture *outer;
  RtFuture **children;
  uint32_t n, nfuts, nfinished;
  bool return_exceptions, cancel_requested;
} Gather;

typedef struct RtTaskGroupObj {
  uint8_t type;
  bool entered, exiting, aborting, parent_cancel_requested;
  RtFuture *parent;
  RtFuture **tasks;
  uint32_t ntasks, captasks;
  RtObj *errors; /* list of exceptions */
  RtObj *base_error;
  RtFuture *on_completed;
} RtTaskGroupObj;

enum { TO_CREATED, TO_ENTERED, TO_EXPIRING, TO_EXPIRED, TO_EXITED };

typedef struct RtTimeoutObj {
  uint8_t type;
  int state;
  bool has_when;
  double when;
  RtFuture *task;
  AslRtHandle *handler;
  int cancelling;
} RtTimeoutObj;

#define AS_OBJ(p) ((RtObj *)(void *)(p))
#define VAL(p) rt_obj(AS_OBJ(p))

/* Appends to an arena-backed array of futures. */
void rt_fut_push(Rt *rt, RtFuture ***arr, uint32_t *n, uint32_t *cap,
                 RtFuture *f) {
  if (*n == *cap) {
    uint32_t nc = *cap ? *cap * 2 : 4;
    RtFuture **na = rt_alloc(rt, nc * sizeof *na);
    if (*n) memcpy(na, *arr, *n * sizeof *na);
    *arr = na;
    *cap = nc;
  }
  (*arr)[(*n)++] = f;
}

static Rt *rt_of(AslRtLoop *loop) { return loop->user; }

RtFuture *rt_future_new(Rt *rt) {
  RtFuture *f = rt_alloc(rt, sizeof *f);
  f->type = RT_FUTURE;
  f->state = RT_FUT_PENDING;
  f->desc = "a future";
  return f;
}

static void run_fut_cb(AslRtLoop *loop, void *a, void *b) {
  RtFutCb *cb = b;
  cb->fn(rt_of(loop), a, cb->arg);
}

void rt_future_add_cb(Rt *rt, RtFuture *f, RtFutCallback fn, void *arg) {
  if (f->state != RT_FUT_PENDING) {
    RtFutCb *cb = rt_alloc(rt, sizeof *cb);
    cb->fn = fn;
    cb->arg = arg;
    asl_rt_loop_post(&rt->loop, run_fut_cb, f, cb);
    return;
  }
  if (f->ncbs == f->cbcap) {
    uint32_t nc = f->cbcap ? f->cbcap * 2 : 4;
    RtFutCb *n = rt_alloc(rt, nc * sizeof *n);
    if (f->ncbs) memcpy(n, f->cbs, f->ncbs * sizeof *n);
    f->cbs = n;
    f->cbcap = nc;
  }
  f->cbs[f->ncbs++] = (RtFutCb){fn, arg};
}

static void fut_remove_cb(RtFuture *f, RtFutCallback fn, void *arg) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < f->ncbs; i++)
    if (!(f->cbs[i].fn == fn && f->cbs[i].arg == arg)) f->cbs[k++] = f->cbs[i];
  f->ncbs = k;
}

static void schedule_cbs(Rt *rt, RtFuture *f) {
  for (uint32_t i = 0; i < f->ncbs; i++) {
    RtFutCb *cb = rt_alloc(rt, sizeof *cb);
    *cb = f->cbs[i];
    asl_rt_loop_post(&rt->loop, run_fut_cb, f, cb);
  }
  f->ncbs = 0;
}

void rt_future_set_result(Rt *rt, RtFuture *f, RtVal v) {
  if (f->state != RT_FUT_PENDING) return;
  f->result = v;
  f->state = RT_FUT_DONE;
  schedule_cbs(rt, f);
}

void rt_future_set_exception(Rt *rt, RtFuture *f, RtObj *exc) {
  if (f->state != RT_FUT_PENDING) return;
  f->exc = exc;
  f->state = RT_FUT_DONE;
  f->exc_retrieved = false;
  schedule_cbs(rt, f);
}

RtObj *rt_cancelled_error(Rt *rt) {
  return rt_exc_new(rt, RT_E_CancelledError, NULL);
}

/* Future.cancel() itself (no task or gather logic). */
bool rt_future_set_cancelled(Rt *rt, RtFuture *f) {
  if (f->state != RT_FUT_PENDING) return false;
  f->state = RT_FUT_CANCELLED;
  schedule_cbs(rt, f);
  return true;
}

static bool gather_cancel(Rt *rt, Gather *g) {
  if (g->outer->state != RT_FUT_PENDING) return false;
  bool ret = false;
  for (uint32_t i = 0; i < g->n; i++)
    if (rt_future_cancel(rt, g->children[i])) ret = true;
  if (ret) g->cancel_requested = true;
  return ret;
}

bool rt_task_cancel(Rt *rt, RtFuture *t) {
  if (t->state != RT_FUT_PENDING) return false;
  t->num_cancels++;
  if (t->waiter && rt_future_cancel(rt, t->waiter)) return true;
  t->must_cancel = true;
  return true;
}

bool rt_future_cancel(Rt *rt, RtFuture *f) {
  if (f->is_task) return rt_task_cancel(rt, f);
  if (f->owner) return gather_cancel(rt, f->owner);
  return rt_future_set_cancelled(rt, f);
}

bool rt_future_result(Rt *rt, RtFuture *f, RtVal *out) {
  if (f->state == RT_FUT_CANCELLED) {
    rt->exc = f->exc ? f->exc : rt_cancelled_error(rt);
    return false;
  }
  if (f->state == RT_FUT_PENDING)
    return rt_raise(rt, RT_E_InvalidStateError, "Result is not set.");
  if (f->exc) {
    f->exc_retrieved = true;
    rt->exc = f->exc;
    return false;
  }
  *out = f->result;
  return true;
}

/* ---- tasks ------------------------------------------------------------- */

static void step_cb(AslRtLoop *loop, void *a, void *b) {
  (void)b;
  rt_task_step(rt_of(loop), a, rt_none(), NULL);
}

void rt_task_schedule(Rt *rt, RtFuture *task) {
  asl_rt_loop_post(&rt->loop, step_cb, task, NULL);
}

const char *rt_task_name(Rt *rt, RtFuture *t) {
  return asl_arena_printf(&rt->arena, "Task-%u", t->id);
}

RtFuture *rt_task_new(Rt *rt, RtObj *coro) {
  RtFuture *t = rt_future_new(rt);
  t->is_task = true;
  t->id = ++rt->next_task_id;
  t->coro = coro;
  coro->u.coro.awaited = true;
  t->desc =
      asl_arena_printf(&rt->arena, "Task-%u (%s)", t->id, coro->u.coro.name);
  if (rt->tasks_tail)
    rt->tasks_tail->next_task = t;
  else
    rt->tasks = t;
  rt->tasks_tail = t;
  rt_event(rt, RT_EV_CREATE, t, 0, coro->u.coro.name, 0);
  rt_task_schedule(rt, t);
  return t;
}

void rt_task_wakeup(Rt *rt, RtFuture *fut, void *task) {
  RtVal v = rt_none();
  rt->exc = NULL;
  bool ok = rt_future_result(rt, fut, &v);
  rt_task_step(rt, task, v, ok ? NULL : rt->exc);
}

/* A done callback runs on the loop too (current_task() is None there). */
static bool need_loop(Rt *rt, const char *what) {
  if (rt->loop_running && (rt->current || rt->in_callback)) return true;
  return rt_raise(rt, RT_E_RuntimeError, "%s: no running event loop", what);
}

static bool ensure_future(Rt *rt, RtVal v, RtFuture **out) {
  if (v.t == RT_FUTURE) {
    *out = (RtFuture *)(void *)v.u.o;
    return true;
  }
  if (v.t == RT_CORO) {
    if (!need_loop(rt, "ensure_future")) return false;
    if (v.u.o->u.coro.state != RT_CORO_CREATED || v.u.o->u.coro.awaited)
      return rt_raise(rt, RT_E_RuntimeError,
                      "cannot reuse already awaited coroutine");
    *out = rt_task_new(rt, v.u.o);
    return true;
  }
  return rt_raise(rt, RT_E_TypeError,
                  "An asyncio.Future, a coroutine or an awaitable is "
                  "required");
}

/* A future already done with `v` or `exc`: what a non-suspending
 * `async def __aenter__` amounts to when awaited. */
RtVal rt_done_future(Rt *rt, RtVal v, RtObj *exc) {
  RtFuture *f = rt_future_new(rt);
  f->state = RT_FUT_DONE;
  f->result = v;
  f->exc = exc;
  f->exc_retrieved = true; // nobody else could see it
  return VAL(f);
}

/* ---- asyncio.run -------------------------------------------------------- */

static void stop_cb(Rt *rt, RtFuture *f, void *arg) {
  (void)f;
  (void)arg;
  rt->stopping = true;
}

/* run_until_complete(fut): iterations until fut's done callback stopped
 * the loop. False on a fatal error (deadlock, budgets). */
static bool run_until_complete(Rt *rt, RtFuture *fut) {
  rt->stopping = false;
  rt_future_add_cb(rt, fut, stop_cb, NULL);
  while (!rt->stopping) {
    if (rt->fatal) return false;
    if (!asl_rt_loop_run_once(&rt->loop)) {
      rt_fatal(rt, ASL_RT_LIMIT, ASL_NONE,
               "deadlock: every task waits and no timer is pending (CPython "
               "would wait forever)");
      return false;
    }
    if (rt->loop.time > rt->max_time) {
      rt_fatal(rt, ASL_RT_LIMIT, ASL_NONE,
               "virtual-time budget exceeded (%.0f s): the program may not "
               "terminate",
               rt->max_time);
      return false;
    }
    if (rt->loop.racy_tie) {
      rt_fatal(rt, ASL_RT_UNSUPPORTED, ASL_NONE,
               "not supported by the runtime: a worker thread's time.sleep "
               "ends at the same virtual instant (%.3f s) as another timer; "
               "CPython's order depends on the OS scheduler",
               rt->loop.time);
      return false;
    }
  }
  rt->stopping = false;
  return !rt->fatal;
}

static bool gather_impl(Rt *rt, const RtVal *args, uint32_t n, bool retexc,
                        RtFuture **out);

/* _cancel_all_tasks: cancel what is left, wait for it with gather, then
 * report the ones that failed meanwhile. */
static bool cancel_all_tasks(Rt *rt, RtFuture *main) {
  RtVal left[4096];
  uint32_t n = 0;
  for (RtFuture *t = rt->tasks; t; t = t->next_task)
    if (t->state == RT_FUT_PENDING && n < 4096) left[n++] = VAL(t);
  if (!n) return true;
  for (uint32_t i = 0; i < n; i++)
    rt_task_cancel(rt, (RtFuture *)(void *)left[i].u.o);
  RtFuture *g = NULL;
  RtFuture *saved = rt->current;
  rt->current = main; // ensure_future needs a loop
  gather_impl(rt, left, n, true, &g);
  rt->current = saved;
  if (g && !run_until_complete(rt, g)) return false;
  for (uint32_t i = 0; i < n; i++) {
    RtFuture *t = (RtFuture *)(void *)left[i].u.o;
    if (t->state == RT_FUT_DONE && t->exc) {
      AslBuf b = {0};
      rt_repr(rt, &b, rt_obj(t->exc), 0);
      asl_buf_printf(rt->err,
                     "unhandled exception during asyncio.run() shutdown\n"
                     "task: <%s> exception=%.*s\n",
                     t->desc, (int)b.len, b.data ? b.data : "");
      asl_buf_free(&b);
    }
  }
  return true;
}

bool rt_asyncio_run(Rt *rt, RtVal coro, RtVal *out, uint32_t node) {
  (void)node;
  if (rt->loop_running)
    return rt_raise(rt, RT_E_RuntimeError,
                    "asyncio.run() cannot be called from a running event "
                    "loop");
  if (coro.t != RT_CORO)
    return rt_raise(rt, RT_E_ValueError, "a coroutine was expected, got %s",
                    rt_type_name(coro));
  rt->loop_running = true;
  rt->ran_asyncio_run = true;
  // The main task is created while the loop runs (rt->current stays NULL).
  RtFuture *main = rt_task_new(rt, coro.u.o);
  bool ok = run_until_complete(rt, main) && cancel_all_tasks(rt, main);
  // shutdown_default_executor: the loop runs on until the worker threads
  // finished (asyncio.run joins them).
  RtFuture *sd = ok ? rt_thread_shutdown(rt) : NULL;
  if (sd) ok = run_until_complete(rt, sd);
  rt->loop_running = false;
  if (!ok) return false;
  return rt_future_result(rt, main, out);
}

/* ---- gather ------------------------------------------------------------ */

static void gather_done(Rt *rt, RtFuture *fut, void *arg) {
  Gather *g = arg;
  g->nfinished++;
  RtFuture *outer = g->outer;
  if (outer->state != RT_FUT_PENDING) {
    if (fut->state != RT_FUT_CANCELLED) fut->exc_retrieved = true;
    return;
  }
  if (!g->return_exceptions) {
    if (fut->state == RT_FUT_CANCELLED) {
      rt_future_set_exception(rt, outer, rt_cancelled_error(rt));
      outer->exc_retrieved = true;
      return;
    }
    if (fut->exc) {
      fut->exc_retrieved = true;
      rt_future_set_exception(rt, outer, fut->exc);
      return;
    }
  }
  if (g->nfinished == g->nfuts) {
    RtVal res = rt_list_new(rt, RT_LIST, g->n);
    for (uint32_t i = 0; i < g->n; i++) {
      RtFuture *c = g->children[i];
      RtVal v;
      if (c->state == RT_FUT_CANCELLED)
        v = rt_obj(rt_cancelled_error(rt));
      else if (c->exc)
        v = rt_obj(c->exc), c->exc_retrieved = true;
      else
        v = c->result;
      res.u.o->u.list.items[i] = v;
    }
    if (g->cancel_requested)
      rt_future_set_exception(rt, outer, rt_cancelled_error(rt));
    else
      rt_future_set_result(rt, outer, res);
  }
}

static bool gather_impl(Rt *rt, const RtVal *args, uint32_t n, bool retexc,
                        RtFuture **out) {
  Gather *g = rt_alloc(rt, sizeof *g);
  g->return_exceptions = retexc;
  g->outer = rt_future_new(rt);
  g->outer->desc = rt->trace ? asl_arena_printf(&rt->arena, "gather() of %u", n)
                             : "gather()";
  if (n == 0) {
    rt_future_set_result(rt, g->outer, rt_list_new(rt, RT_LIST, 0));
    *out = g->outer;
    return true;
  }
  g->children = rt_alloc(rt, n * sizeof *g->children);
  for (uint32_t i = 0; i < n; i++) {
    RtFuture *f = NULL;
    for (uint32_t k = 0; k < i && !f; k++)
      if (args[k].t == args[i].t && args[k].u.o == args[i].u.o)
        f = g->children[k];
    if (!f) {
      if (!ensure_future(rt, args[i], &f)) return false;
      g->nfuts++;
      rt_future_add_cb(rt, f, gather_done, g);
    }
    g->children[g->n++] = f;
  }
  g->outer->owner = g;
  *out = g->outer;
  return true;
}

/* ---- native coroutines ------------------------------------------------- */

/* Cancels a native frame's timer and lets go of its handle. */
static void drop_timer(Rt *rt, RtFrame *f) {
  asl_rt_handle_cancel(&rt->loop, f->ntimer);
  asl_rt_handle_release(&rt->loop, f->ntimer);
  f->ntimer = NULL;
}

static void set_result_unless_cancelled(AslRtLoop *loop, void *a, void *b) {
  (void)b;
  RtFuture *f = a;
  if (f->state == RT_FUT_CANCELLED) return;
  rt_future_set_result(rt_of(loop), f, f->result);
}

/* asyncio.sleep(delay, result=None). */
static RtNativeAction sleep_step(Rt *rt, RtFrame *f, RtVal in, RtObj *in_exc,
                                 RtVal *out) {
  (void)in;
  switch (f->nstate) {
  case 0: {
    double d = f->nv[0].t == RT_FLOAT ? f->nv[0].u.f : (double)f->nv[0].u.i;
    if (d <= 0) {
      f->nstate = 2;
      return RT_N_YIELD;
    }
    RtFuture *fut = rt_future_new(rt);
    fut->desc =
        rt->trace ? asl_arena_printf(&rt->arena, "sleep(%g)", d) : "sleep()";
    fut->result = f->nv[1];
    f->nfut[0] = fut;
    f->ntimer = asl_rt_loop_call_at(&rt->loop, rt->loop.time + d,
                                    set_result_unless_cancelled, fut, NULL);
    f->nstate = 1;
    *out = VAL(fut);
    return RT_N_AWAIT;
  }
  case 1:
    drop_timer(rt, f);
    if (in_exc) {
      rt->exc = in_exc;
      return RT_N_RAISE;
    }
    *out = f->nv[1];
    return RT_N_RETURN;
  default:
    if (in_exc) {
      rt->exc = in_exc;
      return RT_N_RAISE;
    }
    *out = f->nv[1];
    return RT_N_RETURN;
  }
}

static void release_waiter(Rt *rt, RtFuture *fut, void *arg) {
  (void)fut;
  RtFuture *w = arg;
  if (w->state == RT_FUT_PENDING) rt_future_set_result(rt, w, rt_none());
}

static void release_waiter_timer(AslRtLoop *loop, void *a, void *b) {
  (void)b;
  release_waiter(rt_of(loop), NULL, a);
}

/* Future result as a native action. */
static RtNativeAction result_action(Rt *rt, RtFuture *fut, RtVal *out) {
  rt->exc = NULL;
  return rt_future_result(rt, fut, out) ? RT_N_RETURN : RT_N_RAISE;
}

/* Starts _cancel_and_wait(fut): returns the waiter to await. */
static RtFuture *cancel_and_wait(Rt *rt, RtFrame *f, RtFuture *fut) {
  RtFuture *w = rt_future_new(rt);
  w->desc = "cancellation of the awaited task";
  rt_future_add_cb(rt, fut, release_waiter, w);
  f->nfut[0] = w;
  rt_future_cancel(rt, fut);
  return w;
}

/* asyncio.wait_for(aw, timeout), CPython 3.11's implementation. */
static RtNativeAction wait_for_step(Rt *rt, RtFrame *f, RtVal in, RtObj *in_exc,
                                    RtVal *out) {
  RtFuture *fut = f->nfut[1];
  switch (f->nstate) {
  case 0: {
    if (f->nv[1].t == RT_NONE) {
      f->nstate = 9;
      *out = f->nv[0];
      return RT_N_AWAIT;
    }
    double t = f->nv[1].t == RT_FLOAT ? f->nv[1].u.f : (double)f->nv[1].u.i;
    if (!ensure_future(rt, f->nv[0], &fut)) return RT_N_RAISE;
    f->nfut[1] = fut;
    if (t <= 0) {
      if (fut->state != RT_FUT_PENDING) return result_action(rt, fut, out);
      f->nstate = 3;
      f->ntimer = NULL;
      *out = VAL(cancel_and_wait(rt, f, fut));
      return RT_N_AWAIT;
    }
    RtFuture *w = rt_future_new(rt);
    w->desc =
        asl_arena_printf(&rt->arena, "wait_for(%s, timeout=%g)", fut->desc, t);
    f->nfut[0] = w;
    f->ntimer = asl_rt_loop_call_at(&rt->loop, rt->loop.time + t,
                                    release_waiter_timer, w, NULL);
    rt_future_add_cb(rt, fut, release_waiter, w);
    f->nstate = 1;
    *out = VAL(w);
    return RT_N_AWAIT;
  }
  case 1:
    if (in_exc) {
      if (fut->state != RT_FUT_PENDING) {
        drop_timer(rt, f);
        return result_action(rt, fut, out);
      }
      fut_remove_cb(fut, release_waiter, f->nfut[0]);
      f->nv[2] = rt_obj(in_exc);
      f->nstate = 2;
      *out = VAL(cancel_and_wait(rt, f, fut));
      return RT_N_AWAIT;
    }
    if (fut->state != RT_FUT_PENDING) {
      drop_timer(rt, f);
      return result_action(rt, fut, out);
    }
    fut_remove_cb(fut, release_waiter, f->nfut[0]);
    f->nstate = 3;
    *out = VAL(cancel_and_wait(rt, f, fut));
    return RT_N_AWAIT;
  case 2:
    fut_remove_cb(fut, release_waiter, f->nfut[0]);
    drop_timer(rt, f);
    rt->exc = in_exc ? in_exc : f->nv[2].u.o;
    return RT_N_RAISE;
  case 3: {
    fut_remove_cb(fut, release_waiter, f->nfut[0]);
    drop_timer(rt, f);
    if (in_exc) {
      rt->exc = in_exc;
      return RT_N_RAISE;
    }
    RtNativeAction a = result_action(rt, fut, out);
    if (a == RT_N_RAISE && rt_exc_is(rt->exc->u.exc.kind, RT_E_CancelledError))
      rt->exc = rt_exc_new(rt, RT_E_TimeoutError, NULL);
    return a;
  }
  default:
    if (in_exc) {
      rt->exc = in_exc;
      return RT_N_RAISE;
    }
    *out = in;
    return RT_N_RETURN;
  }
}

/* ---- timeout ------------------------------------------------------------ */

static void timeout_fire(AslRtLoop *loop, void *a, void *b) {
  (void)b;
  RtTimeoutObj *t = a;
  rt_task_cancel(rt_of(loop), t->task);
  t->state = TO_EXPIRING;
}

static bool timeout_enter(Rt *rt, RtTimeoutObj *t) {
  if (t->state != TO_CREATED)
    return rt_raise(rt, RT_E_RuntimeError, "Timeout has already been entered");
  if (!rt->current)
    return rt_raise(rt, RT_E_RuntimeError,
                    "Timeout should be used inside a task");
  t->state = TO_ENTERED;
  t->task = rt->current;
  t->cancelling = t->task->num_cancels;
  if (t->has_when) {
    if (t->when <= rt->loop.time)
      t->handler = asl_rt_loop_call_soon(&rt->loop, timeout_fire, t, NULL);
    else
      t->handler =
          asl_rt_loop_call_at(&rt->loop, t->when, timeout_fire, t, NULL);
  }
  return true;
}

static int task_uncancel(RtFuture *t) {
  if (t->num_cancels > 0) t->num_cancels--;
  return t->num_cancels;
}

/* ---- TaskGroup ---------------------------------------------------------- */

static void tg_abort(Rt *rt, RtTaskGroupObj *g) {
  g->aborting = true;
  for (uint32_t i = 0; i < g->ntasks; i++)
    if (g->tasks[i]->state == RT_FUT_PENDING) rt_task_cancel(rt, g->tasks[i]);
}

static bool is_base_error(RtObj *e) {
  return e->u.exc.kind == RT_E_SystemExit ||
         e->u.exc.kind == RT_E_KeyboardInterrupt;
}

static void tg_on_task_done(Rt *rt, RtFuture *task, void *arg) {
  RtTaskGroupObj *g = arg;
  uint32_t k = 0;
  for (uint32_t i = 0; i < g->ntasks; i++)
    if (g->tasks[i] != task) g->tasks[k++] = g->tasks[i];
  g->ntasks = k;
  if (g->on_completed && g->ntasks == 0 &&
      g->on_completed->state == RT_FUT_PENDING)
    rt_future_set_result(rt, g->on_completed, rt_bool(true));
  if (task->state == RT_FUT_CANCELLED) return;
  if (!task->exc) return;
  task->exc_retrieved = true;
  rt_list_append(rt, g->errors, rt_obj(task->exc));
  if (is_base_error(task->exc) && !g->base_error) g->base_error = task->exc;
  if (!g->aborting && !g->parent_cancel_requested) {
    tg_abort(rt, g);
    g->parent_cancel_requested = true;
    rt_task_cancel(rt, g->parent);
  }
}

/* TaskGroup.__aexit__: nv[0] the exception or None, nv[1] the
 * cancellation to propagate, nv[3] the group. */
static RtNativeAction tg_exit_step(Rt *rt, RtFrame *f, RtVal in, RtObj *in_exc,
                                   RtVal *out) {
  (void)in;
  RtTaskGroupObj *g = (RtTaskGroupObj *)(void *)f->nv[3].u.o;
  RtObj *exc = f->nv[0].t == RT_EXC ? f->nv[0].u.o : NULL;
  if (f->nstate == 0) {
    g->exiting = true;
    if (exc && is_base_error(exc) && !g->base_error) g->base_error = exc;
    f->nv[1] =
        exc && exc->u.exc.kind == RT_E_CancelledError ? f->nv[0] : rt_none();
    if (g->parent_cancel_requested && task_uncancel(g->parent) == 0)
      f->nv[1] = rt_none();
    if (exc && !g->aborting) tg_abort(rt, g);
  } else if (f->nstate == 1) {
    if (in_exc && rt_exc_is(in_exc->u.exc.kind, RT_E_CancelledError) &&
        !g->aborting) {
      f->nv[1] = rt_obj(in_exc);
      tg_abort(rt, g);
    } else if (in_exc && !rt_exc_is(in_exc->u.exc.kind, RT_E_CancelledError)) {
      rt->exc = in_exc;
      return RT_N_RAISE;
    }
    g->on_completed = NULL;
  }
  if (g->ntasks) {
    if (!g->on_completed) {
      g->on_completed = rt_future_new(rt);
      g->on_completed->desc =
          asl_arena_printf(&rt->arena, "TaskGroup: %u task%s", g->ntasks,
                           g->ntasks == 1 ? "" : "s");
    }
    f->nstate = 1;
    *out = VAL(g->on_completed);
    return RT_N_AWAIT;
  }
  if (g->base_error) {
    rt->exc = g->base_error;
    return RT_N_RAISE;
  }
  if (f->nv[1].t == RT_EXC && g->errors->u.list.len == 0) {
    rt->exc = f->nv[1].u.o;
    return RT_N_RAISE;
  }
  if (exc && exc->u.exc.kind != RT_E_CancelledError)
    rt_list_append(rt, g->errors, f->nv[0]);
  uint32_t n = g->errors->u.list.len;
  if (n) {
    bool all_exc = true;
    for (uint32_t i = 0; i < n; i++)
      if (!rt_exc_is(g->errors->u.list.items[i].u.o->u.exc.kind,
                     RT_E_Exception))
        all_exc = false;
    RtObj *eg =
        rt_exc_new(rt, all_exc ? RT_E_ExceptionGroup : RT_E_BaseExceptionGroup,
                   "unhandled errors in a TaskGroup (%u sub-exception%s)", n,
                   n == 1 ? "" : "s");
    eg->u.exc.group = &g->errors->u.list;
    rt->exc = eg;
    return RT_N_RAISE;
  }
  *out = rt_none();
  return RT_N_RETURN;
}

static RtObj *native(Rt *rt, const char *name, RtNativeStep step) {
  return rt_coro_new_native(rt, name, step);
}

bool rt_async_enter(Rt *rt, RtVal cm, RtVal *out) {
  switch (cm.t) {
  case RT_TIMEOUT:
    if (!timeout_enter(rt, (RtTimeoutObj *)(void *)cm.u.o)) return false;
    *out = rt_done_future(rt, cm, NULL);
    return true;
  case RT_TASKGROUP: {
    RtTaskGroupObj *g = (RtTaskGroupObj *)(void *)cm.u.o;
    if (g->entered)
      return rt_raise(rt, RT_E_RuntimeError,
                      "TaskGroup has already been entered");
    g->entered = true;
    g->parent = rt->current;
    *out = rt_done_future(rt, cm, NULL);
    return true;
  }
  case RT_LOCK: return rt_sync_lock_enter(rt, cm, out);
  default:
    return rt_raise(rt, RT_E_TypeError,
                    "'%s' object does not support the asynchronous context "
                    "manager protocol",
                    rt_type_name(cm));
  }
}

bool rt_async_exit(Rt *rt, RtVal cm, RtObj *exc, RtVal *out) {
  switch (cm.t) {
  case RT_TIMEOUT: {
    RtTimeoutObj *t = (RtTimeoutObj *)(void *)cm.u.o;
    asl_rt_handle_cancel(&rt->loop, t->handler);
    asl_rt_handle_release(&rt->loop, t->handler);
    t->handler = NULL;
    if (t->state == TO_EXPIRING) {
      t->state = TO_EXPIRED;
      if (task_uncancel(t->task) <= t->cancelling && exc &&
          exc->u.exc.kind == RT_E_CancelledError) {
        *out = rt_done_future(rt, rt_none(),
                              rt_exc_new(rt, RT_E_TimeoutError, NULL));
        return true;
      }
    } else if (t->state == TO_ENTERED) {
      t->state = TO_EXITED;
    }
    *out = rt_done_future(rt, rt_none(), NULL);
    return true;
  }
  case RT_TASKGROUP: {
    RtObj *co = native(rt, "__aexit__", tg_exit_step);
    co->u.coro.awaited = true;
    co->u.coro.frame->nv[0] = exc ? rt_obj(exc) : rt_none();
    co->u.coro.frame->nv[3] = cm;
    *out = rt_obj(co);
    return true;
  }
  case RT_LOCK: return rt_sync_lock_exit(rt, cm, out);
  default: return rt_raise(rt, RT_E_TypeError, "not an async context manager");
  }
}

/* ---- the asyncio module's functions -------------------------------------- */

/* A number's value (*ok), or 0: only the member of the union that the
 * type names may be read (a string's pointer is no bool). */
static double num_of(RtVal v, bool *ok) {
  *ok = v.t == RT_INT || v.t == RT_FLOAT || v.t == RT_BOOL;
  switch (v.t) {
  case RT_FLOAT: return v.u.f;
  case RT_INT: return (double)v.u.i;
  case RT_BOOL: return v.u.b;
  default: return 0;
  }
}

static const RtVal *kwarg(const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                          const char *name) {
  for (uint32_t i = 0; i < nkw; i++)
    if (rt_str_eq(&kwn[i], name)) return &kwv[i];
  return NULL;
}

#define BI(name)                                                               \
  static bool name(Rt *rt, RtVal self, const RtVal *args, uint32_t nargs,      \
                   const RtStr *kwn, const RtVal *kwv, uint32_t nkw,           \
                   RtVal *out)
#define UNUSED_BI                                                              \
  (void)rt, (void)self, (void)args, (void)nargs, (void)kwn, (void)kwv,         \
      (void)nkw, (void)out

static bool no_kw(Rt *rt, uint32_t nkw, const char *fn) {
  return nkw == 0 || rt_raise(rt, RT_E_TypeError,
                              "%s() got an unexpected keyword argument", fn);
}

BI(bi_run) {
  UNUSED_BI;
  if (nargs != 1 || !no_kw(rt, nkw, "run"))
    return rt->exc ? false
                   : rt_raise(rt, RT_E_TypeError, "run() takes 1 argument");
  return rt_asyncio_run(rt, args[0], out, ASL_NONE);
}

BI(bi_sleep) {
  UNUSED_BI;
  const RtVal *res = kwarg(kwn, kwv, nkw, "result");
  if (nargs < 1 || nargs > 2)
    return rt_raise(rt, RT_E_TypeError, "sleep() takes 1 or 2 arguments");
  bool ok;
  double d = num_of(args[0], &ok);
  if (!ok)
    return rt_raise(rt, RT_E_TypeError, "sleep(): delay must be a number");
  if (isnan(d))
    return rt_raise(rt, RT_E_ValueError, "Invalid delay: NaN (not a number)");
  RtObj *co = native(rt, "sleep", sleep_step);
  co->u.coro.frame->nv[0] = rt_float(d);
  co->u.coro.frame->nv[1] = nargs > 1 ? args[1] : res ? *res : rt_none();
  *out = rt_obj(co);
  return true;
}

BI(bi_gather) {
  UNUSED_BI;
  const RtVal *re = kwarg(kwn, kwv, nkw, "return_exceptions");
  if (nkw > (re ? 1u : 0u))
    return rt_raise(rt, RT_E_TypeError,
                    "gather() got an unexpected keyword argument");
  if (nargs && !need_loop(rt, "gather")) return false;
  RtFuture *g;
  if (!gather_impl(rt, args, nargs, re && rt_truthy(re), &g)) return false;
  *out = VAL(g);
  return true;
}

BI(bi_create_task) {
  UNUSED_BI;
  if (nargs != 1)
    return rt_raise(rt, RT_E_TypeError, "create_task() takes 1 argument");
  if (args[0].t != RT_CORO)
    return rt_raise(rt, RT_E_TypeError, "a coroutine was expected, got %s",
                    rt_type_name(args[0]));
  if (!need_loop(rt, "create_task")) return false;
  RtFuture *f = NULL;
  if (!ensure_future(rt, args[0], &f)) return false;
  *out = VAL(f);
  return true;
}

BI(bi_ensure_future) {
  UNUSED_BI;
  if (nargs != 1)
    return rt_raise(rt, RT_E_TypeError, "ensure_future() takes 1 argument");
  RtFuture *f = NULL;
  if (!ensure_future(rt, args[0], &f)) return false;
  *out = VAL(f);
  return true;
}

BI(bi_wait_for) {
  UNUSED_BI;
  const RtVal *to = kwarg(kwn, kwv, nkw, "timeout");
  if (nargs < 1 || nargs > 2 || (nargs == 2 && to) || (nargs == 1 && !to))
    return rt_raise(rt, RT_E_TypeError, "wait_for() takes (aw, timeout)");
  RtVal t = nargs == 2 ? args[1] : *to;
  bool ok;
  if (t.t != RT_NONE) {
    num_of(t, &ok);
    if (!ok)
      return rt_raise(rt, RT_E_TypeError,
                      "wait_for(): timeout must be a number");
  }
  RtObj *co = native(rt, "wait_for", wait_for_step);
  co->u.coro.frame->nv[0] = args[0];
  co->u.coro.frame->nv[1] = t;
  *out = rt_obj(co);
  return true;
}

BI(bi_timeout) {
  UNUSED_BI;
  if (nargs != 1 || nkw)
    return rt_raise(rt, RT_E_TypeError, "timeout() takes 1 argument");
  if (!need_loop(rt, "timeout")) return false;
  RtTimeoutObj *t = rt_alloc(rt, sizeof *t);
  t->type = RT_TIMEOUT;
  if (args[0].t != RT_NONE) {
    bool ok;
    double d = num_of(args[0], &ok);
    if (!ok)
      return rt_raise(rt, RT_E_TypeError, "timeout(): delay must be a number");
    t->has_when = true;
    t->when = rt->loop.time + d;
  }
  *out = VAL(t);
  return true;
}

BI(bi_taskgroup) {
  UNUSED_BI;
  if (nargs || nkw)
    return rt_raise(rt, RT_E_TypeError, "TaskGroup() takes no arguments");
  RtTaskGroupObj *g = rt_alloc(rt, sizeof *g);
  g->type = RT_TASKGROUP;
  g->errors = rt_list_new(rt, RT_LIST, 0).u.o;
  *out = VAL(g);
  return true;
}

BI(bi_current_task) {
  UNUSED_BI;
  *out = rt->current ? VAL(rt->current) : rt_none();
  return true;
}

static RtVal builtin(Rt *rt, const char *name, RtBuiltinFn fn) {
  RtObj *o = rt_new(rt, RT_BUILTIN);
  o->u.builtin.name = name;
  o->u.builtin.fn = fn;
  o->u.builtin.is_asyncio = true;
  return rt_obj(o);
}

static const struct {
  const char *name;
  RtBuiltinFn fn;
} asyncio_fns[] = {
    {"run", bi_run},
    {"sleep", bi_sleep},
    {"gather", bi_gather},
    {"create_task", bi_create_task},
    {"ensure_future", bi_ensure_future},
    {"wait_for", bi_wait_for},
    {"timeout", bi_timeout},
    {"TaskGroup", bi_taskgroup},
    {"Event", rt_sync_event_new},
    {"Lock", rt_sync_lock_new},
    {"Queue", rt_sync_queue_new},
    {"current_task", bi_current_task},
    {"to_thread", rt_thread_to_thread},
    {"get_running_loop", rt_thread_get_running_loop},
};
static const struct {
  const char *name;
  RtExcKind kind;
} asyncio_excs[] = {
    {"CancelledError", RT_E_CancelledError},
    {"TimeoutError", RT_E_TimeoutError},
    {"InvalidStateError", RT_E_InvalidStateError},
    {"QueueEmpty", RT_E_QueueEmpty},
    {"QueueFull", RT_E_QueueFull},
};

bool rt_asyncio_attr(Rt *rt, const char *name, RtVal *out) {
  for (size_t i = 0; i < sizeof asyncio_fns / sizeof *asyncio_fns; i++)
    if (!strcmp(asyncio_fns[i].name, name)) {
      *out = builtin(rt, asyncio_fns[i].name, asyncio_fns[i].fn);
      return true;
    }
  for (size_t i = 0; i < sizeof asyncio_excs / sizeof *asyncio_excs; i++)
    if (!strcmp(asyncio_excs[i].name, name)) {
      RtObj *o = rt_new(rt, RT_EXCTYPE);
      o->u.exctype.kind = asyncio_excs[i].kind;
      *out = rt_obj(o);
      return true;
    }
  return false;
}

/* ---- done callbacks from Python ------------------------------------------ */

/* fut.add_done_callback(fn): the loop calls fn(fut) through call_soon,
 * as every done callback. */
typedef struct PyDoneCb {
  RtVal fn;
} PyDoneCb;

/* What CPython's default exception handler logs for a callback that
 * raised (the traceback is left out); the loop goes on. */
static void report_callback_error(Rt *rt, RtVal fn, RtFuture *f, RtObj *exc) {
  if (!rt_exc_is(exc->u.exc.kind, RT_E_Exception)) {
    // SystemExit/KeyboardInterrupt would unwind the loop itself.
    rt_fatal(rt, ASL_RT_UNSUPPORTED, ASL_NONE,
             "not supported by the runtime: %s raised in a done callback",
             rt_exc_name(exc->u.exc.kind));
    return;
  }
  AslBuf b = {0};
  asl_buf_puts(&b, "Exception in callback ");
  if (fn.t == RT_FUNC)
    asl_buf_puts(&b, fn.u.o->u.func.code->name);
  else if (fn.t == RT_BUILTIN)
    asl_buf_puts(&b, fn.u.o->u.builtin.name);
  else if (fn.t == RT_BOUND)
    asl_buf_printf(&b, "%s.%s", rt_type_name(fn.u.o->u.bound.self),
                   fn.u.o->u.bound.name);
  else
    rt_repr(rt, &b, fn, 0);
  asl_buf_putc(&b, '(');
  rt_repr(rt, &b, VAL(f), 0);
  asl_buf_puts(&b, ")\n");
  asl_buf_puts(&b, rt_exc_name(exc->u.exc.kind));
  if (exc->u.exc.msg.len)
    asl_buf_printf(&b, ": %.*s", (int)exc->u.exc.msg.len, exc->u.exc.msg.s);
  asl_buf_putc(&b, '\n');
  asl_buf_put(rt->err, b.data, b.len);
  asl_buf_free(&b);
}

static void py_done_cb(Rt *rt, RtFuture *f, void *arg) {
  if (rt->fatal) return;
  PyDoneCb *cb = arg;
  RtVal a = VAL(f), r;
  bool was = rt->in_callback;
  rt->in_callback = true;
  rt->exc = NULL;
  bool ok = rt_call_from_loop(rt, cb->fn, &a, 1, &r);
  rt->in_callback = was;
  if (!ok && !rt->fatal && rt->exc) report_callback_error(rt, cb->fn, f, rt->exc);
  rt->exc = NULL;
}

static bool add_done_callback(Rt *rt, RtFuture *f, const RtVal *args,
                              uint32_t nargs, uint32_t nkw, RtVal *out) {
  if (nkw) {
    rt_fatal(rt, ASL_RT_UNSUPPORTED, rt->call_node,
             "not supported by the runtime: add_done_callback(context=...)");
    return false;
  }
  if (nargs != 1)
    return rt_raise(rt, RT_E_TypeError,
                    "add_done_callback() takes exactly one argument");
  PyDoneCb *cb = rt_alloc(rt, sizeof *cb);
  cb->fn = args[0];
  rt_future_add_cb(rt, f, py_done_cb, cb);
  *out = rt_none();
  return true;
}

/* Removes every registration of a callback equal to fn; the count. */
static bool remove_done_callback(Rt *rt, RtFuture *f, const RtVal *args,
                                 uint32_t nargs, RtVal *out) {
  if (nargs != 1)
    return rt_raise(rt, RT_E_TypeError,
                    "remove_done_callback() takes exactly one argument");
  uint32_t k = 0;
  for (uint32_t i = 0; i < f->ncbs; i++) {
    const RtFutCb *c = &f->cbs[i];
    bool same =
        c->fn == py_done_cb && rt_equal(((PyDoneCb *)c->arg)->fn, args[0]);
    if (!same) f->cbs[k++] = *c;
  }
  *out = rt_int(f->ncbs - k);
  f->ncbs = k;
  return true;
}

/* ---- methods of asyncio objects ----------------------------------------- */

bool rt_asyncio_method(Rt *rt, RtVal self, const char *name, const RtVal *args,
                       uint32_t nargs, const RtStr *kwn, const RtVal *kwv,
                       uint32_t nkw, RtVal *out, bool *found) {
  (void)kwn;
  (void)kwv;
  *found = true;
  if (self.t == RT_FUTURE) {
    RtFuture *f = (RtFuture *)(void *)self.u.o;
    if (!strcmp(name, "cancel")) {
      *out = rt_bool(rt_future_cancel(rt, f));
      return true;
    }
    if (!strcmp(name, "done")) {
      *out = rt_bool(f->state != RT_FUT_PENDING);
      return true;
    }
    if (!strcmp(name, "cancelled")) {
      *out = rt_bool(f->state == RT_FUT_CANCELLED);
      return true;
    }
    if (!strcmp(name, "result")) return rt_future_result(rt, f, out);
    if (!strcmp(name, "exception")) {
      if (f->state == RT_FUT_CANCELLED) {
        rt->exc = f->exc ? f->exc : rt_cancelled_error(rt);
        return false;
      }
      if (f->state == RT_FUT_PENDING)
        return rt_raise(rt, RT_E_InvalidStateError, "Exception is not set.");
      f->exc_retrieved = true;
      *out = f->exc ? rt_obj(f->exc) : rt_none();
      return true;
    }
    if (f->is_task && !strcmp(name, "get_name")) {
      *out = rt_strz(rt, rt_task_name(rt, f));
      return true;
    }
    if (f->is_task && !strcmp(name, "cancelling")) {
      *out = rt_int(f->num_cancels);
      return true;
    }
    if (f->is_task && !strcmp(name, "uncancel")) {
      *out = rt_int(task_uncancel(f));
      return true;
    }
    if (!strcmp(name, "add_done_callback"))
      return add_done_callback(rt, f, args, nargs, nkw, out);
    if (!strcmp(name, "remove_done_callback"))
      return remove_done_callback(rt, f, args, nargs, out);
  } else if (self.t == RT_LOOP) {
    return rt_thread_loop_method(rt, name, args, nargs, nkw, out);
  } else if (self.t == RT_EVENT || self.t == RT_LOCK || self.t == RT_QUEUE) {
    return rt_sync_method(rt, self, name, args, nargs, nkw, out, found);
  } else if (self.t == RT_TASKGROUP) {
    RtTaskGroupObj *g = (RtTaskGroupObj *)(void *)self.u.o;
    if (!strcmp(name, "create_task")) {
      if (nargs != 1 || args[0].t != RT_CORO)
        return rt_raise(rt, RT_E_TypeError, "create_task() takes a coroutine");
      if (!g->entered)
        return rt_raise(rt, RT_E_RuntimeError,
                        "TaskGroup has not been entered");
      if (g->exiting && g->ntasks == 0)
        return rt_raise(rt, RT_E_RuntimeError, "TaskGroup is finished");
      if (g->aborting)
        return rt_raise(rt, RT_E_RuntimeError, "TaskGroup is shutting down");
      RtFuture *t = NULL;
      if (!ensure_future(rt, args[0], &t)) return false;
      rt_future_add_cb(rt, t, tg_on_task_done, g);
      rt_fut_push(rt, &g->tasks, &g->ntasks, &g->captasks, t);
      *out = VAL(t);
      return true;
    }
  }
  *found = false;
  return false;
}
