/*
 * sync.c - asyncio's synchronization primitives on the virtual loop:
 * Event, Lock and Queue, following CPython 3.11's locks.py and queues.py
 * (waiters are futures woken in FIFO order through set_result, so wakeups
 * go through call_soon like every other callback).
 */
#include "internal.h"

#include <string.h>

#define AS_OBJ(p) ((RtObj *)(void *)(p))
#define VAL(p) rt_obj(AS_OBJ(p))
#define UNUSED_BI                                                              \
  (void)rt, (void)self, (void)args, (void)nargs, (void)kwn, (void)kwv,         \
      (void)nkw, (void)out

typedef struct RtEventObj {
  uint8_t type;
  bool value;
  RtFuture **waiters;
  uint32_t n, cap;
} RtEventObj;

typedef struct RtLockObj {
  uint8_t type;
  bool locked;
  RtFuture **waiters;
  uint32_t n, cap;
} RtLockObj;

typedef struct RtQueueObj {
  uint8_t type;
  RtObj *items; /* a list; head is items[head] */
  uint32_t head;
  int64_t maxsize, unfinished;
  RtFuture **getters, **putters;
  uint32_t ng, capg, np, capp;
  RtEventObj *finished;
} RtQueueObj;

/* ---- Event, Lock, Queue -------------------------------------------------- */

static void fut_list_remove(RtFuture **arr, uint32_t *n, RtFuture *f) {
  for (uint32_t i = 0; i < *n; i++)
    if (arr[i] == f) {
      memmove(arr + i, arr + i + 1, (*n - i - 1) * sizeof *arr);
      (*n)--;
      return;
    }
}

static RtNativeAction event_wait_step(Rt *rt, RtFrame *f, RtVal in,
                                      RtObj *in_exc, RtVal *out) {
  (void)in;
  RtEventObj *e = (RtEventObj *)(void *)f->nv[0].u.o;
  if (f->nstate == 0) {
    if (e->value) {
      *out = rt_bool(true);
      return RT_N_RETURN;
    }
    RtFuture *fut = rt_future_new(rt);
    fut->desc = "Event.wait()";
    rt_fut_push(rt, &e->waiters, &e->n, &e->cap, fut);
    f->nfut[0] = fut;
    f->nstate = 1;
    *out = VAL(fut);
    return RT_N_AWAIT;
  }
  fut_list_remove(e->waiters, &e->n, f->nfut[0]);
  if (in_exc) {
    rt->exc = in_exc;
    return RT_N_RAISE;
  }
  *out = rt_bool(true);
  return RT_N_RETURN;
}

static void event_set(Rt *rt, RtEventObj *e) {
  if (e->value) return;
  e->value = true;
  for (uint32_t i = 0; i < e->n; i++)
    if (e->waiters[i]->state == RT_FUT_PENDING)
      rt_future_set_result(rt, e->waiters[i], rt_bool(true));
}

static void lock_wake_first(Rt *rt, RtLockObj *l) {
  if (l->n && l->waiters[0]->state == RT_FUT_PENDING)
    rt_future_set_result(rt, l->waiters[0], rt_bool(true));
}

static RtNativeAction lock_acquire_step(Rt *rt, RtFrame *f, RtVal in,
                                        RtObj *in_exc, RtVal *out) {
  (void)in;
  RtLockObj *l = (RtLockObj *)(void *)f->nv[0].u.o;
  if (f->nstate == 0) {
    bool all_cancelled = true;
    for (uint32_t i = 0; i < l->n; i++)
      if (l->waiters[i]->state != RT_FUT_CANCELLED) all_cancelled = false;
    if (!l->locked && all_cancelled) {
      l->locked = true;
      *out = f->nv[1].t == RT_BOOL ? rt_none() : rt_bool(true);
      return RT_N_RETURN;
    }
    RtFuture *fut = rt_future_new(rt);
    fut->desc = "Lock.acquire()";
    rt_fut_push(rt, &l->waiters, &l->n, &l->cap, fut);
    f->nfut[0] = fut;
    f->nstate = 1;
    *out = VAL(fut);
    return RT_N_AWAIT;
  }
  fut_list_remove(l->waiters, &l->n, f->nfut[0]);
  if (in_exc) {
    if (!l->locked) lock_wake_first(rt, l);
    rt->exc = in_exc;
    return RT_N_RAISE;
  }
  l->locked = true;
  *out = f->nv[1].t == RT_BOOL ? rt_none() : rt_bool(true);
  return RT_N_RETURN;
}

static bool lock_release(Rt *rt, RtLockObj *l) {
  if (!l->locked)
    return rt_raise(rt, RT_E_RuntimeError, "Lock is not acquired.");
  l->locked = false;
  lock_wake_first(rt, l);
  return true;
}

static uint32_t q_size(RtQueueObj *q) { return q->items->u.list.len - q->head; }
static bool q_full(RtQueueObj *q) {
  return q->maxsize > 0 && (int64_t)q_size(q) >= q->maxsize;
}

static void wakeup_next(Rt *rt, RtFuture **arr, uint32_t *n) {
  while (*n) {
    RtFuture *w = arr[0];
    memmove(arr, arr + 1, (*n - 1) * sizeof *arr);
    (*n)--;
    if (w->state == RT_FUT_PENDING) {
      rt_future_set_result(rt, w, rt_none());
      break;
    }
  }
}

static bool q_put_nowait(Rt *rt, RtQueueObj *q, RtVal v) {
  if (q_full(q)) return rt_raise(rt, RT_E_QueueFull, "%s", "");
  if (!rt_list_append(rt, q->items, v)) return false;
  q->unfinished++;
  q->finished->value = false;
  wakeup_next(rt, q->getters, &q->ng);
  return true;
}

static bool q_get_nowait(Rt *rt, RtQueueObj *q, RtVal *out) {
  if (q_size(q) == 0) return rt_raise(rt, RT_E_QueueEmpty, "%s", "");
  *out = q->items->u.list.items[q->head++];
  wakeup_next(rt, q->putters, &q->np);
  return true;
}

/* Queue.get() (nv[1] None) and Queue.put(item) (nv[1] the item, nv[2]
 * True). */
static RtNativeAction queue_step(Rt *rt, RtFrame *f, RtVal in, RtObj *in_exc,
                                 RtVal *out) {
  (void)in;
  RtQueueObj *q = (RtQueueObj *)(void *)f->nv[0].u.o;
  bool is_put = f->nv[2].t == RT_BOOL;
  if (f->nstate == 1 && in_exc) {
    RtFuture *w = f->nfut[0];
    rt_future_set_cancelled(rt, w);
    if (is_put) {
      fut_list_remove(q->putters, &q->np, w);
      if (!q_full(q) && w->state != RT_FUT_CANCELLED)
        wakeup_next(rt, q->putters, &q->np);
    } else {
      fut_list_remove(q->getters, &q->ng, w);
      if (q_size(q) && w->state != RT_FUT_CANCELLED)
        wakeup_next(rt, q->getters, &q->ng);
    }
    rt->exc = in_exc;
    return RT_N_RAISE;
  }
  if (is_put ? q_full(q) : q_size(q) == 0) {
    RtFuture *w = rt_future_new(rt);
    w->desc = is_put ? "Queue.put()" : "Queue.get()";
    if (is_put)
      rt_fut_push(rt, &q->putters, &q->np, &q->capp, w);
    else
      rt_fut_push(rt, &q->getters, &q->ng, &q->capg, w);
    f->nfut[0] = w;
    f->nstate = 1;
    *out = VAL(w);
    return RT_N_AWAIT;
  }
  if (is_put) {
    if (!q_put_nowait(rt, q, f->nv[1])) return RT_N_RAISE;
    *out = rt_none();
    return RT_N_RETURN;
  }
  return q_get_nowait(rt, q, out) ? RT_N_RETURN : RT_N_RAISE;
}

static RtNativeAction queue_join_step(Rt *rt, RtFrame *f, RtVal in,
                                      RtObj *in_exc, RtVal *out) {
  (void)in;
  RtQueueObj *q = (RtQueueObj *)(void *)f->nv[0].u.o;
  if (in_exc) {
    rt->exc = in_exc;
    return RT_N_RAISE;
  }
  if (f->nstate == 0 && q->unfinished > 0) {
    f->nstate = 1;
    RtObj *co = rt_coro_new_native(rt, "wait", event_wait_step);
    co->u.coro.frame->nv[0] = VAL(q->finished);
    *out = rt_obj(co);
    return RT_N_AWAIT;
  }
  *out = rt_none();
  return RT_N_RETURN;
}

static const RtVal *kwarg(const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                          const char *name) {
  for (uint32_t i = 0; i < nkw; i++)
    if (rt_str_eq(&kwn[i], name)) return &kwv[i];
  return NULL;
}

/* Event(), Lock(), Queue(maxsize=0). */
bool rt_sync_event_new(Rt *rt, RtVal self, const RtVal *args, uint32_t nargs,
                       const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                       RtVal *out) {
  UNUSED_BI;
  if (nargs || nkw)
    return rt_raise(rt, RT_E_TypeError, "Event() takes no arguments");
  RtEventObj *e = rt_alloc(rt, sizeof *e);
  e->type = RT_EVENT;
  *out = VAL(e);
  return true;
}

bool rt_sync_lock_new(Rt *rt, RtVal self, const RtVal *args, uint32_t nargs,
                      const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                      RtVal *out) {
  UNUSED_BI;
  if (nargs || nkw)
    return rt_raise(rt, RT_E_TypeError, "Lock() takes no arguments");
  RtLockObj *l = rt_alloc(rt, sizeof *l);
  l->type = RT_LOCK;
  *out = VAL(l);
  return true;
}

bool rt_sync_queue_new(Rt *rt, RtVal self, const RtVal *args, uint32_t nargs,
                       const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                       RtVal *out) {
  UNUSED_BI;
  const RtVal *ms = kwarg(kwn, kwv, nkw, "maxsize");
  if (nargs > 1 || nkw > (ms ? 1u : 0u))
    return rt_raise(rt, RT_E_TypeError, "Queue() takes maxsize");
  RtVal m = nargs ? args[0] : ms ? *ms : rt_int(0);
  if (m.t != RT_INT)
    return rt_raise(rt, RT_E_TypeError, "maxsize must be an int");
  RtQueueObj *q = rt_alloc(rt, sizeof *q);
  q->type = RT_QUEUE;
  q->maxsize = m.u.i;
  q->items = rt_list_new(rt, RT_LIST, 0).u.o;
  q->finished = rt_alloc(rt, sizeof *q->finished);
  q->finished->type = RT_EVENT;
  q->finished->value = true;
  *out = VAL(q);
  return true;
}

/* `async with lock:` is acquire()/release(); __aenter__ returns None. */
bool rt_sync_lock_enter(Rt *rt, RtVal cm, RtVal *out) {
  RtObj *co = rt_coro_new_native(rt, "acquire", lock_acquire_step);
  co->u.coro.frame->nv[0] = cm;
  co->u.coro.frame->nv[1] = rt_bool(true); // __aenter__ returns None
  co->u.coro.awaited = true;
  *out = rt_obj(co);
  return true;
}

bool rt_sync_lock_exit(Rt *rt, RtVal cm, RtVal *out) {
  if (!lock_release(rt, (RtLockObj *)(void *)cm.u.o)) return false;
  *out = rt_done_future(rt, rt_none(), NULL);
  return true;
}

/* Methods of Event, Lock and Queue; *found is false for other names. */
bool rt_sync_method(Rt *rt, RtVal self, const char *name, const RtVal *args,
                    uint32_t nargs, uint32_t nkw, RtVal *out, bool *found) {
  *found = true;
  if (self.t == RT_EVENT) {
    RtEventObj *e = (RtEventObj *)(void *)self.u.o;
    if (!strcmp(name, "set")) {
      event_set(rt, e);
      *out = rt_none();
      return true;
    }
    if (!strcmp(name, "clear")) {
      e->value = false;
      *out = rt_none();
      return true;
    }
    if (!strcmp(name, "is_set")) {
      *out = rt_bool(e->value);
      return true;
    }
    if (!strcmp(name, "wait")) {
      RtObj *co = rt_coro_new_native(rt, "wait", event_wait_step);
      co->u.coro.frame->nv[0] = self;
      *out = rt_obj(co);
      return true;
    }
  } else if (self.t == RT_LOCK) {
    RtLockObj *l = (RtLockObj *)(void *)self.u.o;
    if (!strcmp(name, "acquire")) {
      RtObj *co = rt_coro_new_native(rt, "acquire", lock_acquire_step);
      co->u.coro.frame->nv[0] = self;
      *out = rt_obj(co);
      return true;
    }
    if (!strcmp(name, "release")) {
      *out = rt_none();
      return lock_release(rt, l);
    }
    if (!strcmp(name, "locked")) {
      *out = rt_bool(l->locked);
      return true;
    }
  } else if (self.t == RT_QUEUE) {
    RtQueueObj *q = (RtQueueObj *)(void *)self.u.o;
    if (!strcmp(name, "get") || !strcmp(name, "put")) {
      bool put = name[0] == 'p';
      if (nargs != (put ? 1u : 0u) || nkw)
        return rt_raise(rt, RT_E_TypeError, "Queue.%s(): wrong arguments",
                        name);
      RtObj *co = rt_coro_new_native(rt, put ? "put" : "get", queue_step);
      co->u.coro.frame->nv[0] = self;
      co->u.coro.frame->nv[1] = put ? args[0] : rt_none();
      co->u.coro.frame->nv[2] = put ? rt_bool(true) : rt_none();
      *out = rt_obj(co);
      return true;
    }
    if (!strcmp(name, "put_nowait")) {
      if (nargs != 1) return rt_raise(rt, RT_E_TypeError, "put_nowait(item)");
      *out = rt_none();
      return q_put_nowait(rt, q, args[0]);
    }
    if (!strcmp(name, "get_nowait")) return q_get_nowait(rt, q, out);
    if (!strcmp(name, "qsize")) {
      *out = rt_int(q_size(q));
      return true;
    }
    if (!strcmp(name, "empty")) {
      *out = rt_bool(q_size(q) == 0);
      return true;
    }
    if (!strcmp(name, "full")) {
      *out = rt_bool(q_full(q));
      return true;
    }
    if (!strcmp(name, "task_done")) {
      if (q->unfinished <= 0)
        return rt_raise(rt, RT_E_ValueError,
                        "task_done() called too many times");
      if (--q->unfinished == 0) event_set(rt, q->finished);
      *out = rt_none();
      return true;
    }
    if (!strcmp(name, "join")) {
      RtObj *co = rt_coro_new_native(rt, "join", queue_join_step);
      co->u.coro.frame->nv[0] = self;
      *out = rt_obj(co);
      return true;
    }
  }
  *found = false;
  return false;
}
