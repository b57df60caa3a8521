/*
 * interp.c - the bytecode interpreter. Frames live on the heap and link to
 * the frame that called or awaited them, so a task's Python stack is a
 * chain the loop can park at any `await` and resume later; the C stack
 * never grows with Python recursion (bounded by RT_MAX_DEPTH instead).
 */
#include "internal.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t rt_line_of(Rt *rt, uint32_t node) {
  if (node >= rt->tree->count) return 0;
  return asl_source_line_of(rt->src, rt->tree->nodes[node].start_byte) + 1;
}

static void live_link(Rt *rt, RtFrame *f) {
  if (++rt->nlive > RT_MAX_LIVE_FRAMES)
    rt_fatal(rt, ASL_RT_LIMIT, ASL_NONE,
             "memory budget exceeded (%u frames alive: too many tasks or "
             "coroutines at once)",
             RT_MAX_LIVE_FRAMES);
  f->next_live = rt->live;
  if (rt->live) rt->live->prev_live = f;
  rt->live = f;
}

RtFrame *rt_frame_new(Rt *rt, const RtCode *code, RtObj *coro) {
  RtFrame *f = asl_calloc(1, sizeof *f);
  f->code = code;
  f->coro = coro;
  if (code && code->nlocals) {
    f->locals = asl_calloc(code->nlocals, sizeof(RtVal));
    f->bound = asl_calloc(code->nlocals, sizeof(bool));
  }
  live_link(rt, f);
  return f;
}

RtFrame *rt_native_frame_new(Rt *rt, const char *name, RtNativeStep step) {
  RtFrame *f = rt_frame_new(rt, NULL, NULL);
  f->native_name = name;
  f->step = step;
  return f;
}

void rt_frame_free(Rt *rt, RtFrame *f) {
  rt->nlive--;
  if (f->prev_live)
    f->prev_live->next_live = f->next_live;
  else
    rt->live = f->next_live;
  if (f->next_live) f->next_live->prev_live = f->prev_live;
  asl_free(f->stack);
  asl_free(f->locals);
  asl_free(f->bound);
  asl_free(f);
}

RtObj *rt_coro_new_native(Rt *rt, const char *name, RtNativeStep step) {
  RtObj *co = rt_new(rt, RT_CORO);
  co->u.coro.name = name;
  co->u.coro.frame = rt_native_frame_new(rt, name, step);
  co->u.coro.frame->coro = co;
  co->u.coro.next_all = rt->coros;
  rt->coros = co;
  return co;
}

/* The value stack of a frame grows on the heap as needed. */
static void push(RtFrame *f, RtVal v) {
  if (f->sp == f->stack_cap) {
    f->stack_cap = f->stack_cap ? f->stack_cap * 2 : 16;
    f->stack = asl_realloc(f->stack, f->stack_cap * sizeof(RtVal));
  }
  f->stack[f->sp++] = v;
}

static RtVal pop(RtFrame *f) { return f->sp ? f->stack[--f->sp] : rt_none(); }
static RtVal *peek(RtFrame *f, uint32_t k) {
  static RtVal none;
  return f->sp > k ? &f->stack[f->sp - 1 - k] : &none;
}

/* ---- calls ------------------------------------------------------------- */

/* Binds positional and keyword arguments to a new frame's parameters. */
static bool bind_args(Rt *rt, const RtCode *code, RtFrame *f, const RtVal *args,
                      uint32_t nargs, const RtStr *kwn, const RtVal *kwv,
                      uint32_t nkw) {
  if (nargs > code->nparams)
    return rt_raise(rt, RT_E_TypeError,
                    "%s() takes %u positional arguments but %u were given",
                    code->name, code->nparams, nargs);
  for (uint32_t i = 0; i < nargs; i++) {
    f->locals[i] = args[i];
    f->bound[i] = true;
  }
  for (uint32_t k = 0; k < nkw; k++) {
    uint32_t slot = UINT32_MAX;
    for (uint32_t i = 0; i < code->nparams; i++)
      if (strlen(code->local_names[i]) == kwn[k].len &&
          memcmp(code->local_names[i], kwn[k].s, kwn[k].len) == 0)
        slot = i;
    if (slot == UINT32_MAX)
      return rt_raise(rt, RT_E_TypeError,
                      "%s() got an unexpected keyword argument '%.*s'",
                      code->name, (int)kwn[k].len, kwn[k].s);
    if (f->bound[slot])
      return rt_raise(rt, RT_E_TypeError,
                      "%s() got multiple values for argument '%.*s'",
                      code->name, (int)kwn[k].len, kwn[k].s);
    f->locals[slot] = kwv[k];
    f->bound[slot] = true;
  }
  uint32_t first_default = code->nparams - code->ndefaults;
  for (uint32_t i = 0; i < code->nparams; i++) {
    if (f->bound[i]) continue;
    if (i >= first_default) {
      f->locals[i] = code->defaults[i - first_default];
      f->bound[i] = true;
    } else {
      return rt_raise(rt, RT_E_TypeError,
                      "%s() missing required positional argument: '%s'",
                      code->name, code->local_names[i]);
    }
  }
  return true;
}

/* ---- the executor ------------------------------------------------------ */

/* How execute() stopped: the bottom frame returned (x->result) or raised
 * (rt->exc), the task suspended on a future, or the run must stop. A
 * return of -1 from the helpers below means "keep going". */
enum { EX_RETURN, EX_RAISE, EX_SUSPEND, EX_FATAL };

typedef struct Exec {
  Rt *rt;
  RtFuture *task; /* NULL: the module's frame, a callback or a thread */
  RtThread *thread; /* a worker thread's frames */
  RtFrame *top;
  bool pending; /* deliver (in, in_exc) to top before running it */
  RtVal in;
  RtObj *in_exc;
  RtVal result;
} Exec;

static void set_top(Exec *x, RtFrame *f) {
  x->top = f;
  if (x->task) x->task->top = f;
  if (x->thread) x->thread->top = f;
}

/* The innermost Python frame's current line and function (for the
 * trace). */
static uint32_t current_line(Exec *x) {
  for (RtFrame *f = x->top; f; f = f->parent)
    if (f->code && f->pc > 0 && f->pc <= f->code->ncode) {
      if (x->task) x->task->waiting_fn = f->code->name;
      return rt_line_of(x->rt, f->code->code[f->pc - 1].node);
    }
  return 0;
}

/* RecursionError at the depth limit; refused instead when a generator
 * expression consumed by a builtin is on the stack: CPython also counts
 * the builtin's C call there, in ways the runtime does not model. */
static bool recursion_error(Exec *x, uint32_t node) {
  for (RtFrame *f = x->top; f; f = f->parent)
    if (f->consumed) {
      rt_fatal(x->rt, ASL_RT_UNSUPPORTED, node,
               "not supported by the runtime: recursion limit reached in a "
               "generator expression consumed by a builtin");
      return false;
    }
  return rt_raise(x->rt, RT_E_RecursionError,
                  "maximum recursion depth exceeded");
}

/* Awaits `v` from the top frame: a coroutine runs inline (its frame goes
 * on top), a done future delivers at once, a pending one suspends the
 * task. Returns EX_SUSPEND to park the task, else -1 to continue. */
static int do_await(Exec *x, RtVal v) {
  Rt *rt = x->rt;
  if (v.t == RT_CORO) {
    RtObj *co = v.u.o;
    if (co->u.coro.state != RT_CORO_CREATED || !co->u.coro.frame) {
      rt_raise(rt, RT_E_RuntimeError, "cannot reuse already awaited coroutine");
      x->pending = true, x->in = rt_none(), x->in_exc = rt->exc;
      return -1;
    }
    RtFrame *f = co->u.coro.frame;
    f->depth = x->top ? x->top->depth + 1 : 0;
    if (f->depth >= RT_MAX_DEPTH) {
      recursion_error(x, ASL_NONE);
      if (rt->fatal) return EX_FATAL;
      x->pending = true, x->in = rt_none(), x->in_exc = rt->exc;
      return -1;
    }
    co->u.coro.awaited = true;
    co->u.coro.state = RT_CORO_RUNNING;
    f->parent = x->top;
    set_top(x, f);
    if (!f->code) x->pending = true, x->in = rt_none(), x->in_exc = NULL;
    return -1;
  }
  if (v.t == RT_FUTURE) {
    RtFuture *fut = (RtFuture *)(void *)v.u.o;
    if (fut->state != RT_FUT_PENDING) {
      RtVal r;
      bool ok = rt_future_result(rt, fut, &r);
      x->pending = true;
      x->in = ok ? r : rt_none();
      x->in_exc = ok ? NULL : rt->exc;
      return -1;
    }
    if (!x->task) {
      rt_fatal(rt, ASL_RT_UNSUPPORTED, ASL_NONE,
               "not supported by the runtime: await outside a task");
      return EX_FATAL;
    }
    if (fut == x->task) {
      rt_raise(rt, RT_E_RuntimeError, "Task cannot await on itself");
      x->pending = true, x->in = rt_none(), x->in_exc = rt->exc;
      return -1;
    }
    x->task->waiter = fut;
    x->task->waiting_what = fut->desc ? fut->desc : "a future";
    x->task->waiting_line = current_line(x);
    rt_future_add_cb(rt, fut, rt_task_wakeup, x->task);
    return EX_SUSPEND;
  }
  rt_raise(rt, RT_E_TypeError, "object %s can't be used in 'await' expression",
           rt_type_name(v));
  x->pending = true, x->in = rt_none(), x->in_exc = rt->exc;
  return -1;
}

/* The top frame finished: returns EX_RETURN if it was the bottom one. */
static int frame_return(Exec *x, RtVal v) {
  RtFrame *f = x->top;
  RtFrame *parent = f->parent;
  if (f->coro) {
    f->coro->u.coro.state = RT_CORO_DONE;
    f->coro->u.coro.frame = NULL;
  }
  rt_frame_free(x->rt, f);
  set_top(x, parent);
  if (!parent) {
    x->result = v;
    return EX_RETURN;
  }
  x->pending = true;
  x->in = v;
  x->in_exc = NULL;
  return -1;
}

/* Raises `exc` in the top frame: jumps to its innermost handler, or pops
 * the frame and delivers the exception to the parent. */
static int frame_raise(Exec *x, RtObj *exc) {
  RtFrame *f = x->top;
  if (f->code && f->nblocks) {
    RtBlock b = f->blocks[--f->nblocks];
    f->sp = b.sp;
    f->depth = b.depth; // comprehensions left by the exception
    f->consumed = b.consumed;
    push(f, rt_obj(exc));
    f->pc = b.handler;
    return -1;
  }
  RtFrame *parent = f->parent;
  if (f->coro) {
    f->coro->u.coro.state = RT_CORO_DONE;
    f->coro->u.coro.frame = NULL;
  }
  rt_frame_free(x->rt, f);
  set_top(x, parent);
  if (!parent) {
    x->rt->exc = exc;
    return EX_RAISE;
  }
  x->pending = true;
  x->in = rt_none();
  x->in_exc = exc;
  return -1;
}

/* Delivers (in, in_exc) to the top frame. */
/* A native frame receives (in, in_exc) through its step function; a
 * bytecode frame gets the value pushed where its AWAIT left off, or the
 * exception raised at that point. */
static int deliver(Exec *x) {
  Rt *rt = x->rt;
  x->pending = false;
  RtFrame *f = x->top;
  if (f->code) {
    if (x->in_exc) return frame_raise(x, x->in_exc);
    push(f, x->in);
    return -1;
  }
  RtVal out = rt_none();
  rt->exc = NULL;
  RtNativeAction a = f->step(rt, f, x->in, x->in_exc, &out);
  if (rt->fatal) return EX_FATAL;
  switch (a) {
  case RT_N_RETURN: return frame_return(x, out);
  case RT_N_RAISE: return frame_raise(x, rt->exc);
  case RT_N_YIELD:
    if (!x->task) return EX_FATAL;
    x->task->waiter = NULL;
    x->task->waiting_what = "sleep(0): one loop iteration";
    x->task->waiting_line = current_line(x);
    return EX_SUSPEND + 10; // bare yield
  case RT_N_AWAIT: return do_await(x, out);
  }
  return EX_FATAL;
}

/* `except T` / `except (T1, T2)`: is `exc` an instance of one of them? */
static bool exc_match(Rt *rt, RtVal exc, RtVal type, bool *match) {
  if (type.t == RT_TUPLE) {
    *match = false;
    for (uint32_t i = 0; i < type.u.o->u.list.len && !*match; i++) {
      RtVal t = type.u.o->u.list.items[i];
      if (t.t != RT_EXCTYPE)
        return rt_raise(rt, RT_E_TypeError,
                        "catching classes that do not inherit from "
                        "BaseException is not allowed");
      *match = exc.t == RT_EXC &&
               rt_exc_is(exc.u.o->u.exc.kind, t.u.o->u.exctype.kind);
    }
    return true;
  }
  if (type.t != RT_EXCTYPE)
    return rt_raise(rt, RT_E_TypeError,
                    "catching classes that do not inherit from BaseException "
                    "is not allowed");
  *match = exc.t == RT_EXC &&
           rt_exc_is(exc.u.o->u.exc.kind, type.u.o->u.exctype.kind);
  return true;
}

/* One f-string field: str() (mode 0), repr() (mode 1), or a format spec
 * (mode 2): precision/type of numbers (`.2f`, `d`, `g`) or a width. */
static bool format_value(Rt *rt, RtVal v, uint32_t mode, RtVal spec,
                         RtVal *out) {
  AslBuf b = {0};
  if (mode == 1) {
    rt_repr(rt, &b, v, 0);
  } else if (mode == 2) {
    const RtStr *s = &spec.u.o->u.str;
    char fmt[32];
    if (s->len > 20) return rt_raise(rt, RT_E_ValueError, "format spec");
    char ty = s->s[s->len - 1];
    if ((ty == 'f' || ty == 'g') && (v.t == RT_FLOAT || v.t == RT_INT)) {
      snprintf(fmt, sizeof fmt, "%%%.*s", (int)s->len, s->s);
      asl_buf_printf(&b, fmt, v.t == RT_FLOAT ? v.u.f : (double)v.u.i);
    } else if (ty == 'd' && v.t == RT_INT) {
      snprintf(fmt, sizeof fmt, "%%%.*slld", (int)s->len - 1, s->s);
      asl_buf_printf(&b, fmt, (long long)v.u.i);
    } else if (ty >= '0' && ty <= '9' && (v.t == RT_INT || v.t == RT_STR)) {
      // width only: numbers right-aligned, strings left-aligned
      char num[24];
      snprintf(num, sizeof num, "%.*s", (int)s->len, s->s);
      int w = atoi(num);
      AslBuf tmp = {0};
      rt_strval(rt, &tmp, v);
      int pad = w - (int)tmp.len;
      if (v.t == RT_INT)
        for (int i = 0; i < pad; i++) asl_buf_putc(&b, ' ');
      asl_buf_put(&b, tmp.data ? tmp.data : "", tmp.len);
      if (v.t == RT_STR)
        for (int i = 0; i < pad; i++) asl_buf_putc(&b, ' ');
      asl_buf_free(&tmp);
    } else {
      asl_buf_free(&b);
      return rt_raise(rt, RT_E_ValueError,
                      "Unknown format code '%c' for object of type '%s'", ty,
                      rt_type_name(v));
    }
  } else {
    rt_strval(rt, &b, v);
  }
  *out = rt_buf_to_str(rt, &b);
  return true;
}

/* Iterators are (sequence, position) pairs over lists, tuples, ranges,
 * dict keys, strings and sets (of at most one item: see rt_set_order_ok;
 * false after rt_fatal then). */
static bool get_iter(Rt *rt, RtVal v, RtVal *out, uint32_t node) {
  if (v.t != RT_LIST && v.t != RT_TUPLE && v.t != RT_RANGE && v.t != RT_STR &&
      v.t != RT_DICT && v.t != RT_SET)
    return rt_raise(rt, RT_E_TypeError, "'%s' object is not iterable",
                    rt_type_name(v));
  if (!rt_set_order_ok(rt, v, node)) return false;
  RtObj *it = rt_new(rt, RT_ITER);
  it->u.iter.seq = v;
  it->u.iter.pos = 0;
  if (v.t == RT_SET) it->u.iter.len0 = v.u.o->u.list.len;
  *out = rt_obj(it);
  return true;
}

/* Next item of an iterator; false when exhausted, or with rt->exc set
 * when a set changed size under it (CPython checks at every next()). */
static bool iter_next(Rt *rt, RtObj *it, RtVal *out) {
  RtVal s = it->u.iter.seq;
  int64_t i = it->u.iter.pos;
  switch (s.t) {
  case RT_SET:
    if (s.u.o->u.list.len != it->u.iter.len0) {
      it->u.iter.len0 = UINT32_MAX; // stays broken, as CPython's si_used
      return rt_raise(rt, RT_E_RuntimeError,
                      "Set changed size during iteration");
    }
    if (i >= s.u.o->u.list.len) return false;
    *out = s.u.o->u.list.items[i];
    break;
  case RT_LIST:
  case RT_TUPLE:
    if (i >= s.u.o->u.list.len) return false;
    *out = s.u.o->u.list.items[i];
    break;
  case RT_DICT:
    if (i >= s.u.o->u.dict.len) return false;
    *out = s.u.o->u.dict.keys[i];
    break;
  case RT_STR: {
    // pos is a byte offset here: step over one UTF-8 character.
    const RtStr *str = &s.u.o->u.str;
    if (i >= str->len) return false;
    int64_t j = i + 1;
    while (j < str->len && ((unsigned char)str->s[j] & 0xC0) == 0x80) j++;
    *out = rt_str(rt, str->s + i, (size_t)(j - i));
    it->u.iter.pos = j - 1;
    break;
  }
  case RT_RANGE: {
    const RtObj *r = s.u.o;
    int64_t v = r->u.range.start + i * r->u.range.step;
    if (r->u.range.step > 0 ? v >= r->u.range.stop : v <= r->u.range.stop)
      return false;
    *out = rt_int(v);
    break;
  }
  default: return false;
  }
  it->u.iter.pos++;
  return true;
}

/* obj[key] for lists, tuples, strings (negative indices) and dicts. */
static bool subscr(Rt *rt, RtVal o, RtVal k, RtVal *out) {
  if (o.t == RT_LIST || o.t == RT_TUPLE || o.t == RT_STR) {
    if (k.t != RT_INT && k.t != RT_BOOL)
      return rt_raise(rt, RT_E_TypeError, "%s indices must be integers",
                      rt_type_name(o));
    int64_t i = k.t == RT_INT ? k.u.i : k.u.b;
    int64_t n = o.t == RT_STR ? rt_str_chars(&o.u.o->u.str) : o.u.o->u.list.len;
    if (i < 0) i += n;
    if (i < 0 || i >= n)
      return rt_raise(rt, RT_E_IndexError, "%s index out of range",
                      o.t == RT_STR ? "string" : rt_type_name(o));
    if (o.t == RT_STR) {
      uint32_t len, at = rt_str_char_at(&o.u.o->u.str, (uint32_t)i, &len);
      *out = rt_str(rt, o.u.o->u.str.s + at, len);
    } else {
      *out = o.u.o->u.list.items[i];
    }
    return true;
  }
  if (o.t == RT_DICT) {
    if (rt_dict_get(&o.u.o->u.dict, k, out)) return true;
    return rt_key_error(rt, k);
  }
  return rt_raise(rt, RT_E_TypeError, "'%s' object is not subscriptable",
                  rt_type_name(o));
}

/* A coroutine object for a call of an async def, listed for the
 * never-awaited scan. */
static RtObj *coro_new(Rt *rt, const RtCode *code, uint32_t node) {
  RtObj *co = rt_new(rt, RT_CORO);
  co->u.coro.name = code->name;
  co->u.coro.line = rt_line_of(rt, node);
  co->u.coro.next_all = rt->coros;
  rt->coros = co;
  return co;
}

/* Calls `fn` from frame `f`: pushes a frame for a plain def (returns -1
 * with x->top changed), else pushes the result. */
static int do_call(Exec *x, RtVal fn, const RtVal *args, uint32_t nargs,
                   const RtStr *kwn, const RtVal *kwv, uint32_t nkw,
                   uint32_t node) {
  Rt *rt = x->rt;
  RtFrame *f = x->top;
  if (x->thread && rt_thread_forbidden(fn)) {
    rt_fatal(rt, ASL_RT_UNSUPPORTED, node,
             "not supported by the runtime: asyncio used from a worker "
             "thread (%s)",
             rt_type_name(fn));
    return EX_FATAL;
  }
  if (fn.t == RT_FUNC) {
    const RtCode *code = fn.u.o->u.func.code;
    RtObj *co = code->is_async ? coro_new(rt, code, node) : NULL;
    RtFrame *nf = rt_frame_new(rt, code, co);
    if (!bind_args(rt, code, nf, args, nargs, kwn, kwv, nkw)) {
      rt_frame_free(rt, nf);
      if (co) co->u.coro.state = RT_CORO_DONE, co->u.coro.awaited = true;
      return frame_raise(x, rt->exc);
    }
    if (co) {
      co->u.coro.frame = nf;
      push(f, rt_obj(co));
      return -1;
    }
    nf->depth = f->depth + 1;
    if (nf->depth >= RT_MAX_DEPTH) {
      rt_frame_free(rt, nf);
      recursion_error(x, node);
      return rt->fatal ? EX_FATAL : frame_raise(x, rt->exc);
    }
    nf->parent = f;
    set_top(x, nf);
    return -1;
  }
  RtVal out = rt_none();
  rt->exc = NULL;
  bool ok = rt_call(rt, fn, args, nargs, kwn, kwv, nkw, &out, node);
  if (rt->fatal) return EX_FATAL;
  if (!ok) return frame_raise(x, rt->exc);
  push(f, out);
  if (rt->thread_suspend) {
    // time.sleep in a worker thread: its result is already pushed; a
    // timer resumes the thread after the call.
    rt->thread_suspend = false;
    return EX_SUSPEND;
  }
  return -1;
}

/* Copies `npos` positional and `nkw` keyword values (names in the
 * instruction's constant tuple) and calls the callee found under them. */
static int call_from_stack2(Exec *x, const RtInsn *in, const RtVal *pos,
                            uint32_t npos, const RtVal *kwv, uint32_t nkw) {
  Rt *rt = x->rt;
  RtFrame *f = x->top;
  const RtCode *code = f->code;
  const RtList *names = &code->consts[in->arg2].u.o->u.list;
  RtStr kwn[64];
  if (npos + nkw > 256 || nkw > 64 || nkw > names->len) {
    rt_fatal(rt, ASL_RT_UNSUPPORTED, in->node,
             "not supported by the runtime: more than 256 arguments");
    return EX_FATAL;
  }
  for (uint32_t i = 0; i < nkw; i++) kwn[i] = names->items[i].u.o->u.str;
  RtVal argv[256];
  if (npos) memcpy(argv, pos, npos * sizeof(RtVal));
  if (nkw) memcpy(argv + npos, kwv, nkw * sizeof(RtVal));
  RtVal fn = pop(f);
  rt->call_node = in->node;
  return do_call(x, fn, argv, npos, kwn, argv + npos, nkw, in->node);
}

/* OP_CALL: the arguments were just popped off the stack (still readable
 * at `args`); the callee is on top now. */
static int call_from_stack(Exec *x, const RtInsn *in, const RtVal *args,
                           uint32_t npos, uint32_t nkw) {
  RtVal copy[256];
  if (npos + nkw > 256) return call_from_stack2(x, in, args, npos + nkw, args, 0);
  memcpy(copy, args, (npos + nkw) * sizeof(RtVal));
  return call_from_stack2(x, in, copy, npos, copy + npos, nkw);
}

static bool iterable_type(RtVal v) {
  return v.t == RT_LIST || v.t == RT_TUPLE || v.t == RT_RANGE ||
         v.t == RT_STR || v.t == RT_DICT || v.t == RT_SET;
}

/* Appends the items of iterable `v` to `list`. */
static bool extend_list(Rt *rt, RtObj *list, RtVal v, uint32_t node) {
  RtVal it, item;
  if (!get_iter(rt, v, &it, node)) return false;
  while (iter_next(rt, it.u.o, &item))
    if (!rt_list_append(rt, list, item)) return false;
  return rt->exc == NULL;
}

/* `*it` in a call (the callee is under the argument list). `sole`: `it` is
 * the only positional argument and stays on the stack, made a list; if it
 * is not iterable, the call itself raises, after the keyword values
 * (CPython's CALL_FUNCTION_EX names the callee then). Else `it` is popped
 * into the list below it, or raises LIST_EXTEND's error at once. */
static bool extend_args(Exec *x, bool sole, uint32_t node) {
  Rt *rt = x->rt;
  RtFrame *f = x->top;
  RtVal v = *peek(f, 0), fn = *peek(f, sole ? 1 : 2);
  if (!sole) {
    pop(f);
    if (!iterable_type(v))
      return rt_raise(rt, RT_E_TypeError,
                      "Value after * must be an iterable, not %s",
                      rt_type_name(v));
    return extend_list(rt, peek(f, 0)->u.o, v, node);
  }
  if (!iterable_type(v)) {
    if (fn.t == RT_FUNC) return true; // OP_CALL_EX raises
    rt_fatal(rt, ASL_RT_UNSUPPORTED, node,
             "not supported by the runtime: argument after * that is not "
             "iterable (%s)",
             rt_type_name(v));
    return false;
  }
  RtVal list = rt_list_new(rt, RT_LIST, 0);
  if (!extend_list(rt, list.u.o, v, node)) return false;
  *peek(f, 0) = list;
  return true;
}

/* A comprehension's element into its result, the list/set/dict under
 * `in->arg` iterators (dict: key then value on the stack). */
static bool comp_add(Rt *rt, RtFrame *f, const RtInsn *in) {
  RtVal item = pop(f), key = rt_none();
  if (in->arg2 == RT_DICT) key = pop(f);
  RtVal acc = *peek(f, in->arg);
  if (acc.t != in->arg2) {
    rt_fatal(rt, ASL_RT_ERROR, in->node, "internal error: comprehension");
    return false;
  }
  if (acc.t == RT_DICT) {
    if (!rt_hashable(rt, key)) return false;
    rt_dict_set(rt, &acc.u.o->u.dict, key, item);
    return true;
  }
  if (acc.t == RT_SET) return rt_set_add(rt, acc.u.o, item);
  return rt_list_append(rt, acc.u.o, item);
}

/* Runs until the bottom frame returns or raises, or the task suspends.
 * EX_SUSPEND+10 means a bare yield (reschedule at once). */
static int execute(Exec *x) {
  Rt *rt = x->rt;
  for (;;) {
    if (rt->fatal) return EX_FATAL;
    if (++rt->steps > rt->max_steps) {
      rt_fatal(rt, ASL_RT_LIMIT, ASL_NONE,
               "step budget exceeded (%llu steps): the program may not "
               "terminate",
               (unsigned long long)rt->max_steps);
      return EX_FATAL;
    }
    int r;
    if (x->pending) {
      r = deliver(x);
      if (r != -1) return r;
      continue;
    }
    RtFrame *f = x->top;
    const RtCode *code = f->code;
    if (f->pc >= code->ncode) {
      r = frame_return(x, rt_none());
      if (r != -1) return r;
      continue;
    }
    const RtInsn *in = &code->code[f->pc++];
    RtVal a, b, v;
    rt->exc = NULL;
    bool ok = true;
    switch ((RtOp)in->op) {
    case OP_CONST: push(f, code->consts[in->arg]); break;
    case OP_LOAD_LOCAL:
      if (!f->bound[in->arg] && in->arg2) {
        ok = rt_raise(rt, RT_E_NameError,
                      "cannot access free variable '%s' where it is not "
                      "associated with a value in enclosing scope",
                      code->local_names[in->arg]);
        break;
      }
      if (!f->bound[in->arg]) {
        ok = rt_raise(rt, RT_E_UnboundLocalError,
                      "cannot access local variable '%s' where it is not "
                      "associated with a value",
                      code->local_names[in->arg]);
        break;
      }
      push(f, f->locals[in->arg]);
      break;
    case OP_STORE_LOCAL:
      f->locals[in->arg] = pop(f);
      f->bound[in->arg] = true;
      break;
    // Globals: the module's dict first, then the builtins.
    case OP_LOAD_GLOBAL: {
      RtVal name = code->consts[in->arg];
      if (rt_dict_get(rt->globals, name, &v)) {
        push(f, v);
      } else if (rt_builtin_lookup(rt, name.u.o->u.str.s, name.u.o->u.str.len,
                                   &v)) {
        push(f, v);
      } else {
        ok = rt_raise(rt, RT_E_NameError, "name '%s' is not defined",
                      name.u.o->u.str.s);
      }
      break;
    }
    case OP_STORE_GLOBAL:
      rt_dict_set(rt, rt->globals, code->consts[in->arg], pop(f));
      break;
    // Attributes: module members, exception fields, bound methods. An
    // attribute the runtime does not model is a construct outside the
    // subset, reported where it is reached.
    case OP_LOAD_ATTR:
      a = pop(f);
      ok = rt_getattr(rt, a, code->consts[in->arg].u.o->u.str.s, &v);
      if (ok)
        push(f, v);
      else if (!rt->exc && !rt->fatal)
        rt_fatal(rt, ASL_RT_UNSUPPORTED, in->node,
                 "not supported by the runtime: attribute '%s' of %s",
                 code->consts[in->arg].u.o->u.str.s, rt_type_name(a));
      break;
    case OP_POP: pop(f); break;
    case OP_DUP: push(f, *peek(f, 0)); break;
    case OP_ROT2:
      a = pop(f), b = pop(f);
      push(f, a), push(f, b);
      break;
    case OP_ROT3: {
      // [x, y, z] -> [z, x, y]
      RtVal z = pop(f), y = pop(f), w = pop(f);
      push(f, z), push(f, w), push(f, y);
      break;
    }
    case OP_BINARY:
      b = pop(f), a = pop(f);
      ok = rt_binary(rt, (int)in->arg, a, b, &v);
      if (ok) push(f, v);
      break;
    case OP_UNARY:
      a = pop(f);
      if (a.t == RT_INT || a.t == RT_BOOL) {
        int64_t i = a.t == RT_INT ? a.u.i : a.u.b;
        if (in->arg == RT_NEG && i == INT64_MIN)
          ok = rt_raise(rt, RT_E_OverflowError, "integer too large");
        else
          push(f, rt_int(in->arg == RT_NEG ? -i : i));
      } else if (a.t == RT_FLOAT) {
        push(f, rt_float(in->arg == RT_NEG ? -a.u.f : a.u.f));
      } else {
        ok = rt_raise(rt, RT_E_TypeError, "bad operand type for unary %s: '%s'",
                      in->arg == RT_NEG ? "-" : "+", rt_type_name(a));
      }
      break;
    case OP_NOT:
      a = pop(f);
      push(f, rt_bool(!rt_truthy(&a)));
      break;
    case OP_COMPARE:
      b = pop(f), a = pop(f);
      ok = rt_compare(rt, (int)in->arg, a, b, &v);
      if (ok) push(f, v);
      break;
    case OP_JUMP: f->pc = in->arg; break;
    case OP_JUMP_IF_FALSE:
      a = pop(f);
      if (!rt_truthy(&a)) f->pc = in->arg;
      break;
    case OP_JUMP_IF_TRUE:
      a = pop(f);
      if (rt_truthy(&a)) f->pc = in->arg;
      break;
    case OP_JUMP_IF_FALSE_OR_POP:
      if (!rt_truthy(peek(f, 0)))
        f->pc = in->arg;
      else
        pop(f);
      break;
    case OP_JUMP_IF_TRUE_OR_POP:
      if (rt_truthy(peek(f, 0)))
        f->pc = in->arg;
      else
        pop(f);
      break;
    case OP_BUILD_LIST:
    case OP_BUILD_TUPLE: {
      uint32_t n = in->arg;
      if (n > f->sp) n = f->sp;
      v = rt_list_new(rt, in->op == OP_BUILD_LIST ? RT_LIST : RT_TUPLE, n);
      if (n)
        memcpy(v.u.o->u.list.items, f->stack + f->sp - n, n * sizeof(RtVal));
      f->sp -= n;
      push(f, v);
      break;
    }
    case OP_BUILD_DICT: {
      uint32_t n = in->arg;
      if (2 * n > f->sp) n = f->sp / 2;
      RtDict *d = rt_dict_new(rt);
      for (uint32_t i = 0; i < n; i++)
        rt_dict_set(rt, d, f->stack[f->sp - 2 * n + 2 * i],
                    f->stack[f->sp - 2 * n + 2 * i + 1]);
      f->sp -= 2 * n;
      push(f, rt_obj((RtObj *)((char *)d - offsetof(RtObj, u))));
      break;
    }
    case OP_BUILD_STR: {
      uint32_t n = in->arg;
      if (n > f->sp) n = f->sp;
      AslBuf buf = {0};
      for (uint32_t i = f->sp - n; i < f->sp; i++)
        rt_strval(rt, &buf, f->stack[i]);
      f->sp -= n;
      if (buf.len > RT_MAX_SEQ) {
        asl_buf_free(&buf);
        ok =
            rt_raise(rt, RT_E_OverflowError, "string too long for the runtime");
        break;
      }
      push(f, rt_buf_to_str(rt, &buf));
      break;
    }
    case OP_FORMAT:
      a = pop(f);
      ok = format_value(rt, a, in->arg, code->consts[in->arg2], &v);
      if (ok) push(f, v);
      break;
    // Calls copy their arguments off the stack first: a Python callee
    // gets a new frame on top (no C recursion), a C builtin runs here.
    case OP_CALL: {
      uint32_t npos = in->arg & 0xffff, nkw = in->arg >> 16;
      if (npos + nkw + 1 > f->sp) {
        rt_fatal(rt, ASL_RT_ERROR, in->node, "internal error: stack underflow");
        return EX_FATAL;
      }
      f->sp -= npos + nkw;
      r = call_from_stack(x, in, f->stack + f->sp, npos, nkw);
      if (r != -1) return r;
      continue;
    }
    case OP_CALL_EX: {
      uint32_t nkw = in->arg;
      if (nkw + 2 > f->sp) {
        rt_fatal(rt, ASL_RT_ERROR, in->node, "internal error: call_ex");
        return EX_FATAL;
      }
      RtVal fnv = f->stack[f->sp - nkw - 2], posv = f->stack[f->sp - nkw - 1];
      if (posv.t != RT_LIST) { // a sole `*it` that is not iterable
        ok = fnv.t == RT_FUNC &&
             rt_raise(rt, RT_E_TypeError,
                      "__main__.%s() argument after * must be an iterable, "
                      "not %s",
                      fnv.u.o->u.func.code->name, rt_type_name(posv));
        if (!ok && !rt->exc)
          rt_fatal(rt, ASL_RT_ERROR, in->node, "internal error: call_ex");
        f->sp -= nkw + 2;
        break;
      }
      RtVal kwv[256], *kwsrc = f->stack + f->sp - nkw;
      if (nkw > 256) nkw = 256;
      memcpy(kwv, kwsrc, nkw * sizeof(RtVal));
      const RtList *pos = &f->stack[f->sp - in->arg - 1].u.o->u.list;
      f->sp -= in->arg + 1;
      r = call_from_stack2(x, in, pos->items, pos->len, kwv, nkw);
      if (r != -1) return r;
      continue;
    }
    case OP_EXTEND_ARGS:
      ok = extend_args(x, in->arg, in->node);
      if (rt->fatal) return EX_FATAL;
      break;
    case OP_CHECK_CONSUMER:
      if (!rt_consumes_iterable(*peek(f, 0), in->arg)) {
        rt_fatal(rt, ASL_RT_UNSUPPORTED, in->node,
                 "not supported by the runtime: generator expression passed "
                 "to %s (only list, tuple, set, sum, min, max, str.join)",
                 rt_type_name(*peek(f, 0)));
        return EX_FATAL;
      }
      break;
    case OP_BUILD_SET: {
      uint32_t n = in->arg;
      if (n > f->sp) n = f->sp;
      v = rt_list_new(rt, RT_SET, 0);
      for (uint32_t i = f->sp - n; ok && i < f->sp; i++)
        ok = rt_set_add(rt, v.u.o, f->stack[i]);
      f->sp -= n;
      if (ok) push(f, v);
      break;
    }
    case OP_COMP_ADD:
      ok = comp_add(rt, f, in);
      break;
    case OP_UNBIND_LOCAL: f->bound[in->arg] = false; break;
    // CPython 3.11 runs a comprehension in a frame of its own: calls made
    // in it are one level deeper for the recursion limit.
    case OP_COMP_ENTER:
      f->consumed += in->arg;
      if (f->depth + 1 >= RT_MAX_DEPTH) {
        ok = recursion_error(x, in->node);
        if (rt->fatal) return EX_FATAL;
        break;
      }
      f->depth++;
      break;
    case OP_COMP_EXIT:
      f->depth--;
      f->consumed -= in->arg;
      break;
    case OP_SUBSCR:
      b = pop(f), a = pop(f);
      ok = subscr(rt, a, b, &v);
      if (ok) push(f, v);
      break;
    case OP_STORE_SUBSCR: {
      RtVal key = pop(f), obj = pop(f), val = pop(f);
      if (obj.t == RT_DICT) {
        rt_dict_set(rt, &obj.u.o->u.dict, key, val);
      } else if (obj.t == RT_LIST && (key.t == RT_INT)) {
        int64_t i = key.u.i, n = obj.u.o->u.list.len;
        if (i < 0) i += n;
        if (i < 0 || i >= n)
          ok = rt_raise(rt, RT_E_IndexError,
                        "list assignment index out of range");
        else
          obj.u.o->u.list.items[i] = val;
      } else {
        ok = rt_raise(rt, RT_E_TypeError,
                      "'%s' object does not support item assignment",
                      rt_type_name(obj));
      }
      break;
    }
    case OP_GET_ITER:
      a = pop(f);
      ok = get_iter(rt, a, &v, in->node);
      if (ok) push(f, v);
      break;
    // Next item, or pop the exhausted iterator and leave the loop.
    case OP_FOR_ITER:
      if (peek(f, 0)->t != RT_ITER || !iter_next(rt, peek(f, 0)->u.o, &v)) {
        pop(f);
        if (rt->exc)
          ok = false;
        else
          f->pc = in->arg;
      } else {
        push(f, v);
      }
      break;
    // Tuple unpacking pushes the items in reverse, so the targets store
    // left to right.
    case OP_UNPACK: {
      a = pop(f);
      RtVal items[1024];
      uint32_t n = 0;
      if (a.t == RT_LIST || a.t == RT_TUPLE) {
        n = a.u.o->u.list.len;
        if (n == in->arg && n <= 1024)
          memcpy(items, a.u.o->u.list.items, n * sizeof(RtVal));
      } else if (a.t == RT_RANGE || a.t == RT_STR || a.t == RT_DICT ||
                 a.t == RT_SET) {
        RtVal it;
        if (!get_iter(rt, a, &it, in->node)) return EX_FATAL;
        while (n <= in->arg && n < 1024 && iter_next(rt, it.u.o, &items[n]))
          n++;
      } else {
        ok = rt_raise(rt, RT_E_TypeError,
                      "cannot unpack non-iterable %s object", rt_type_name(a));
        break;
      }
      if (n != in->arg) {
        ok = n > in->arg
                 ? rt_raise(rt, RT_E_ValueError,
                            "too many values to unpack (expected %u)", in->arg)
                 : rt_raise(rt, RT_E_ValueError,
                            "not enough values to unpack (expected %u, got %u)",
                            in->arg, n);
        break;
      }
      for (uint32_t i = n; i-- > 0;) push(f, items[i]);
      break;
    }
    case OP_RETURN:
      r = frame_return(x, pop(f));
      if (r != -1) return r;
      continue;
    // The suspension point: a coroutine runs inline on top of this
    // frame, a pending future parks the whole task (execute returns).
    case OP_AWAIT:
      a = pop(f);
      r = do_await(x, a);
      if (r != -1) return r;
      continue;
    // `raise` (arg 0: re-raise the exception being handled), `raise C`
    // (instantiated without arguments), `raise obj`.
    case OP_RAISE:
      if (in->arg == 0) {
        if (!f->handling) {
          ok =
              rt_raise(rt, RT_E_RuntimeError, "No active exception to reraise");
          break;
        }
        rt->exc = f->handling;
        ok = false;
        break;
      }
      a = pop(f);
      if (a.t == RT_EXCTYPE) {
        rt->exc = rt_exc_new(rt, a.u.o->u.exctype.kind, NULL);
      } else if (a.t == RT_EXC) {
        rt->exc = a.u.o;
      } else {
        rt_raise(rt, RT_E_TypeError,
                 "exceptions must derive from BaseException");
      }
      ok = false;
      break;
    case OP_RERAISE:
      a = pop(f);
      if (a.t != RT_EXC) {
        rt_fatal(rt, ASL_RT_ERROR, in->node, "internal error: reraise");
        return EX_FATAL;
      }
      rt->exc = a.u.o;
      ok = false;
      break;
    // A try/with region: where to go, and how deep the stack was, if an
    // exception reaches this frame.
    case OP_SETUP_EXCEPT:
      if (f->nblocks == RT_MAX_BLOCKS) {
        rt_fatal(rt, ASL_RT_UNSUPPORTED, in->node,
                 "not supported by the runtime: more than 20 nested try/with "
                 "blocks");
        return EX_FATAL;
      }
      f->blocks[f->nblocks++] =
          (RtBlock){in->arg, f->sp, f->depth, f->consumed};
      break;
    case OP_POP_BLOCK:
      if (f->nblocks) f->nblocks--;
      break;
    case OP_EXC_MATCH: {
      b = pop(f), a = pop(f);
      bool m = false;
      ok = exc_match(rt, a, b, &m);
      if (ok) push(f, rt_bool(m));
      break;
    }
    case OP_POP_EXCEPT: f->handling = NULL; break;
    case OP_SET_HANDLING:
      if (peek(f, 0)->t == RT_EXC) f->handling = peek(f, 0)->u.o;
      break;
    // async with: __aenter__/__aexit__ give awaitables (a native
    // coroutine, or an already-done future when they cannot suspend).
    case OP_ASYNC_ENTER:
      a = pop(f);
      ok = rt_async_enter(rt, a, &v);
      if (ok) push(f, v);
      break;
    case OP_ASYNC_EXIT: {
      RtVal exc = pop(f), cm = pop(f);
      ok = rt_async_exit(rt, cm, exc.t == RT_EXC ? exc.u.o : NULL, &v);
      if (ok) push(f, v);
      break;
    }
    case OP_ASSERT_FAIL: {
      a = pop(f);
      if (a.t == RT_NONE) {
        rt->exc = rt_exc_new(rt, RT_E_AssertionError, NULL);
      } else {
        AslBuf buf = {0};
        rt_strval(rt, &buf, a);
        rt->exc = rt_exc_new(rt, RT_E_AssertionError, "%.*s", (int)buf.len,
                             buf.data ? buf.data : "");
        asl_buf_free(&buf);
      }
      ok = false;
      break;
    }
    }
    if (rt->fatal) return EX_FATAL;
    if (!ok) {
      if (!rt->exc) {
        rt_fatal(rt, ASL_RT_ERROR, in->node, "internal error: no exception");
        return EX_FATAL;
      }
      r = frame_raise(x, rt->exc);
      if (r != -1) return r;
    }
  }
}

/* The module's frame runs outside any task; asyncio.run() called from it
 * runs the loop (and so the tasks' frames) underneath, one level deep. */
bool rt_run_module(Rt *rt, RtFrame *f) {
  Exec x = {.rt = rt, .task = NULL, .top = f};
  f->is_module = true;
  int r = execute(&x);
  // Frames left on the chain (fatal errors) are freed with the live list.
  return r == EX_RETURN;
}

/* asyncio's Task.__step: runs the task's frames until they suspend,
 * return or raise, and settles the task. */
void rt_task_step(Rt *rt, RtFuture *task, RtVal in, RtObj *in_exc) {
  if (task->state != RT_FUT_PENDING || rt->fatal) return;
  // cancel() while the task was not waiting on anything: throw the
  // CancelledError in now.
  if (task->must_cancel) {
    in_exc = rt_cancelled_error(rt);
    task->must_cancel = false;
  }
  task->waiter = NULL;
  RtFuture *prev = rt->current;
  rt->current = task;
  bool first = !task->started;
  if (first) {
    task->started = true;
    rt_event(rt, RT_EV_START, task, 0, NULL, 0);
  } else {
    rt_event(rt, RT_EV_RESUME, task, 0, NULL, 0);
  }
  Exec x = {.rt = rt, .task = task, .top = task->top};
  RtObj *co = task->coro;
  if (first) {
    // The coroutine starts (or is thrown into before it started: then its
    // body never runs, as CPython's coro.throw on a fresh coroutine).
    RtFrame *fr = co->u.coro.frame;
    if (!fr || co->u.coro.state != RT_CORO_CREATED) {
      rt_raise(rt, RT_E_RuntimeError, "cannot reuse already awaited coroutine");
      in_exc = rt->exc;
    }
    if (in_exc || !fr) {
      if (fr) {
        co->u.coro.frame = NULL;
        co->u.coro.state = RT_CORO_DONE;
        rt_frame_free(rt, fr);
      }
      task->top = NULL;
      rt->current = prev;
      if (rt_exc_is(in_exc->u.exc.kind, RT_E_CancelledError)) {
        rt_future_set_cancelled(rt, task);
      } else {
        rt_future_set_exception(rt, task, in_exc);
      }
      rt_event(rt, RT_EV_FINISH, task, 0, "cancelled before it started", 0);
      return;
    }
    co->u.coro.state = RT_CORO_RUNNING;
    fr->parent = NULL;
    fr->depth = 0;
    x.top = fr;
    task->top = fr;
    if (!fr->code) x.pending = true, x.in = rt_none(), x.in_exc = NULL;
  } else {
    x.pending = true;
    x.in = in;
    x.in_exc = in_exc;
  }
  // Run until the task suspends, returns or raises; then settle it as
  // Task.__step does: result, exception, or cancelled (a CancelledError
  // out of the coroutine cancels the task).
  int r = x.top ? execute(&x) : EX_FATAL;
  rt->current = prev;
  if (r == EX_FATAL || rt->fatal) return;
  if (r == EX_SUSPEND || r == EX_SUSPEND + 10) {
    rt_event(rt, RT_EV_PAUSE, task, task->waiting_line, task->waiting_what, 0);
    if (r == EX_SUSPEND + 10) {
      rt_task_schedule(rt, task); // bare yield: step again next iteration
      return;
    }
    if (task->must_cancel && task->waiter) {
      // cancel() was called while the task ran: cancel what it waits on.
      if (rt_future_cancel(rt, task->waiter)) task->must_cancel = false;
    }
    return;
  }
  task->top = NULL;
  if (r == EX_RETURN) {
    if (task->must_cancel) {
      rt_future_set_cancelled(rt, task);
      rt_event(rt, RT_EV_FINISH, task, 0, "cancelled", 0);
    } else {
      rt_future_set_result(rt, task, x.result);
      rt_event(rt, RT_EV_FINISH, task, 0, "returned", 0);
    }
    return;
  }
  RtObj *exc = rt->exc;
  if (exc && rt_exc_is(exc->u.exc.kind, RT_E_CancelledError)) {
    rt_future_set_cancelled(rt, task);
    rt_event(rt, RT_EV_FINISH, task, 0, "cancelled", 0);
  } else if (exc) {
    rt_future_set_exception(rt, task, exc);
    AslBuf b = {0};
    asl_buf_puts(&b, "raised ");
    rt_repr(rt, &b, rt_obj(exc), 0);
    rt_event(rt, RT_EV_FINISH, task, 0,
             asl_arena_strndup(&rt->arena, b.data, b.len), 0);
    asl_buf_free(&b);
  }
}

/* A worker thread's step: its frames run until time.sleep parks them
 * (EX_SUSPEND, a timer resumes the thread) or the call returns or raises.
 * No task is current, so asyncio sees no running loop from here. */
void rt_thread_step(Rt *rt, RtThread *th) {
  if (rt->fatal || !th->top) return;
  RtFuture *prev = rt->current;
  rt->current = NULL;
  rt->thread = th;
  Exec x = {.rt = rt, .thread = th, .top = th->top};
  int r = execute(&x);
  rt->thread = NULL;
  rt->current = prev;
  rt->thread_suspend = false;
  if (r == EX_FATAL || r == EX_SUSPEND || rt->fatal) return;
  if (r != EX_RETURN && r != EX_RAISE) {
    rt_fatal(rt, ASL_RT_ERROR, ASL_NONE, "internal error: thread step");
    return;
  }
  th->top = NULL;
  rt_thread_finished(rt, th, r == EX_RETURN ? x.result : rt_none(),
                     r == EX_RAISE ? rt->exc : NULL);
}

/* A done callback that is a Python function: CPython's loop calls it
 * from _run_once; a sync def runs to completion here (it cannot await),
 * an async def only makes a coroutine (never awaited, as in CPython). */
bool rt_call_from_loop(Rt *rt, RtVal fn, const RtVal *args, uint32_t nargs,
                       RtVal *out) {
  *out = rt_none();
  if (fn.t != RT_FUNC)
    return rt_call(rt, fn, args, nargs, NULL, NULL, 0, out, rt->call_node);
  const RtCode *code = fn.u.o->u.func.code;
  RtObj *co = code->is_async ? coro_new(rt, code, code->def_node) : NULL;
  RtFrame *f = rt_frame_new(rt, code, co);
  if (!bind_args(rt, code, f, args, nargs, NULL, NULL, 0)) {
    rt_frame_free(rt, f);
    if (co) co->u.coro.state = RT_CORO_DONE, co->u.coro.awaited = true;
    return false;
  }
  if (co) {
    co->u.coro.frame = f;
    *out = rt_obj(co);
    return true;
  }
  Exec x = {.rt = rt, .top = f};
  int r = execute(&x);
  if (r == EX_RETURN) *out = x.result;
  if (r == EX_RETURN || r == EX_RAISE) return r == EX_RETURN;
  // A sync def cannot suspend: only a fatal error gets here.
  if (!rt->fatal)
    rt_fatal(rt, ASL_RT_ERROR, ASL_NONE, "internal error: callback suspended");
  return false;
}
