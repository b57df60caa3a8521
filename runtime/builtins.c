/*
 * builtins.c - Python's builtins in the subset (print, range, len, str,
 * int, float, ...), the exception classes, the `time` module (time.sleep
 * blocks the loop: the clock advances with nothing else running), methods
 * of lists, dicts and strings, and attribute lookup.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BI(name)                                                               \
  static bool name(Rt *rt, RtVal self, const RtVal *args, uint32_t nargs,      \
                   const RtStr *kwn, const RtVal *kwv, uint32_t nkw,           \
                   RtVal *out)
#define UNUSED_BI                                                              \
  (void)rt, (void)self, (void)args, (void)nargs, (void)kwn, (void)kwv,         \
      (void)nkw, (void)out

static bool want_args(Rt *rt, const char *fn, uint32_t nargs, uint32_t lo,
                      uint32_t hi, uint32_t nkw) {
  if (nkw)
    return rt_raise(rt, RT_E_TypeError, "%s() takes no keyword arguments", fn);
  if (nargs < lo || nargs > hi)
    return rt_raise(rt, RT_E_TypeError,
                    "%s() takes %u to %u arguments (%u given)", fn, lo, hi,
                    nargs);
  return true;
}

BI(bi_print) {
  UNUSED_BI;
  const char *sep = " ", *end = "\n";
  uint32_t seplen = 1, endlen = 1;
  for (uint32_t k = 0; k < nkw; k++) {
    if (rt_str_eq(&kwn[k], "flush")) continue;
    bool is_sep = rt_str_eq(&kwn[k], "sep"), is_end = rt_str_eq(&kwn[k], "end");
    if (!is_sep && !is_end)
      return rt_raise(rt, RT_E_TypeError,
                      "print(): unsupported keyword argument '%.*s'",
                      (int)kwn[k].len, kwn[k].s);
    if (kwv[k].t == RT_NONE) continue;
    if (kwv[k].t != RT_STR)
      return rt_raise(rt, RT_E_TypeError, "%s must be None or a string",
                      is_sep ? "sep" : "end");
    if (is_sep)
      sep = kwv[k].u.o->u.str.s, seplen = kwv[k].u.o->u.str.len;
    else
      end = kwv[k].u.o->u.str.s, endlen = kwv[k].u.o->u.str.len;
  }
  rt_thread_note_print(rt);
  if (rt->fatal) return false;
  size_t start = rt->out->len;
  for (uint32_t i = 0; i < nargs; i++) {
    if (i) asl_buf_put(rt->out, sep, seplen);
    rt_strval(rt, rt->out, args[i]);
  }
  asl_buf_put(rt->out, end, endlen);
  if (rt->trace) {
    const char *line = rt->out->data + start;
    size_t len = rt->out->len - start;
    while (len && line[len - 1] == '\n') len--;
    rt_event(rt, RT_EV_PRINT, rt->current, rt_line_of(rt, rt->call_node),
             asl_arena_strndup(&rt->arena, line, len), 0);
  }
  if (rt->out->len > ((size_t)64 << 20))
    rt_fatal(rt, ASL_RT_LIMIT, ASL_NONE, "output budget exceeded (64 MiB)");
  *out = rt_none();
  return true;
}

static bool as_int(Rt *rt, RtVal v, int64_t *out) {
  if (v.t == RT_INT)
    *out = v.u.i;
  else if (v.t == RT_BOOL)
    *out = v.u.b;
  else
    return rt_raise(rt, RT_E_TypeError,
                    "'%s' object cannot be interpreted as an integer",
                    rt_type_name(v));
  return true;
}

BI(bi_range) {
  UNUSED_BI;
  if (!want_args(rt, "range", nargs, 1, 3, nkw)) return false;
  int64_t a[3] = {0, 0, 1};
  for (uint32_t i = 0; i < nargs; i++)
    if (!as_int(rt, args[i], &a[i])) return false;
  RtObj *r = rt_new(rt, RT_RANGE);
  if (nargs == 1)
    r->u.range.start = 0, r->u.range.stop = a[0], r->u.range.step = 1;
  else
    r->u.range.start = a[0], r->u.range.stop = a[1],
    r->u.range.step = nargs == 3 ? a[2] : 1;
  if (r->u.range.step == 0)
    return rt_raise(rt, RT_E_ValueError, "range() arg 3 must not be zero");
  *out = rt_obj(r);
  return true;
}

static bool length(Rt *rt, RtVal v, int64_t *n) {
  switch (v.t) {
  case RT_STR: *n = rt_str_chars(&v.u.o->u.str); return true;
  case RT_LIST:
  case RT_TUPLE: *n = v.u.o->u.list.len; return true;
  case RT_DICT: *n = v.u.o->u.dict.len; return true;
  case RT_SET: *n = v.u.o->u.list.len; return true;
  case RT_RANGE: {
    const RtObj *r = v.u.o;
    int64_t s = r->u.range.step, d = r->u.range.stop - r->u.range.start;
    *n = s > 0 ? (d > 0 ? (d + s - 1) / s : 0)
               : (d < 0 ? (-d + -s - 1) / -s : 0);
    return true;
  }
  default:
    return rt_raise(rt, RT_E_TypeError, "object of type '%s' has no len()",
                    rt_type_name(v));
  }
}

BI(bi_len) {
  UNUSED_BI;
  if (!want_args(rt, "len", nargs, 1, 1, nkw)) return false;
  int64_t n = 0;
  if (!length(rt, args[0], &n)) return false;
  *out = rt_int(n);
  return true;
}

BI(bi_str) {
  UNUSED_BI;
  if (!want_args(rt, "str", nargs, 0, 1, nkw)) return false;
  AslBuf b = {0};
  if (nargs) rt_strval(rt, &b, args[0]);
  *out = rt_buf_to_str(rt, &b);
  return true;
}

BI(bi_repr) {
  UNUSED_BI;
  if (!want_args(rt, "repr", nargs, 1, 1, nkw)) return false;
  AslBuf b = {0};
  rt_repr(rt, &b, args[0], 0);
  *out = rt_buf_to_str(rt, &b);
  return true;
}

BI(bi_bool) {
  UNUSED_BI;
  if (!want_args(rt, "bool", nargs, 0, 1, nkw)) return false;
  *out = rt_bool(nargs && rt_truthy(&args[0]));
  return true;
}

BI(bi_int) {
  UNUSED_BI;
  if (!want_args(rt, "int", nargs, 0, 1, nkw)) return false;
  if (!nargs) {
    *out = rt_int(0);
    return true;
  }
  RtVal v = args[0];
  if (v.t == RT_INT || v.t == RT_BOOL) {
    *out = rt_int(v.t == RT_INT ? v.u.i : v.u.b);
    return true;
  }
  if (v.t == RT_FLOAT) {
    if (!isfinite(v.u.f) || fabs(v.u.f) >= 9.2e18)
      return rt_raise(rt, RT_E_OverflowError,
                      "cannot convert float to integer");
    *out = rt_int((int64_t)v.u.f);
    return true;
  }
  if (v.t == RT_STR) {
    char buf[64];
    const RtStr *s = &v.u.o->u.str;
    if (s->len < sizeof buf) {
      memcpy(buf, s->s, s->len);
      buf[s->len] = 0;
      char *end;
      long long x = strtoll(buf, &end, 10);
      while (*end == ' ' || *end == '\n') end++;
      if (s->len && *end == 0) {
        *out = rt_int(x);
        return true;
      }
    }
    AslBuf b = {0};
    rt_repr(rt, &b, v, 0);
    rt_raise(rt, RT_E_ValueError,
             "invalid literal for int() with base 10: %.*s", (int)b.len,
             b.data);
    asl_buf_free(&b);
    return false;
  }
  return rt_raise(rt, RT_E_TypeError,
                  "int() argument must be a string or a number, not '%s'",
                  rt_type_name(v));
}

BI(bi_float) {
  UNUSED_BI;
  if (!want_args(rt, "float", nargs, 0, 1, nkw)) return false;
  if (!nargs) {
    *out = rt_float(0);
    return true;
  }
  RtVal v = args[0];
  if (v.t == RT_FLOAT) {
    *out = v;
    return true;
  }
  if (v.t == RT_INT || v.t == RT_BOOL) {
    *out = rt_float(v.t == RT_INT ? (double)v.u.i : v.u.b);
    return true;
  }
  if (v.t == RT_STR && v.u.o->u.str.len < 64) {
    char buf[64], *end;
    memcpy(buf, v.u.o->u.str.s, v.u.o->u.str.len);
    buf[v.u.o->u.str.len] = 0;
    double d = strtod(buf, &end);
    if (v.u.o->u.str.len && *end == 0) {
      *out = rt_float(d);
      return true;
    }
  }
  return rt_raise(rt, RT_E_ValueError, "could not convert to float");
}

BI(bi_abs) {
  UNUSED_BI;
  if (!want_args(rt, "abs", nargs, 1, 1, nkw)) return false;
  RtVal v = args[0];
  if (v.t == RT_FLOAT) {
    *out = rt_float(fabs(v.u.f));
    return true;
  }
  int64_t i = 0;
  if (!as_int(rt, v, &i)) return false;
  if (i == INT64_MIN)
    return rt_raise(rt, RT_E_OverflowError, "integer too large");
  *out = rt_int(i < 0 ? -i : i);
  return true;
}

/* The items of an iterable argument (list, tuple, range, dict keys, str,
 * a set of at most one item). False after rt_fatal for a larger set. */
static bool items_of(Rt *rt, RtVal v, RtVal **items, uint32_t *n) {
  if (v.t == RT_SET && !rt_set_order_ok(rt, v, rt->call_node)) return false;
  if (v.t == RT_LIST || v.t == RT_TUPLE || v.t == RT_SET) {
    *items = v.u.o->u.list.items;
    *n = v.u.o->u.list.len;
    return true;
  }
  if (v.t == RT_DICT) {
    *items = v.u.o->u.dict.keys;
    *n = v.u.o->u.dict.len;
    return true;
  }
  if (v.t == RT_RANGE) {
    int64_t len = 0;
    length(rt, v, &len);
    if (len > RT_MAX_SEQ)
      return rt_raise(rt, RT_E_OverflowError, "range too long for the runtime");
    RtVal l = rt_list_new(rt, RT_LIST, (uint32_t)len);
    for (int64_t i = 0; i < len; i++)
      l.u.o->u.list.items[i] =
          rt_int(v.u.o->u.range.start + i * v.u.o->u.range.step);
    *items = l.u.o->u.list.items;
    *n = (uint32_t)len;
    return true;
  }
  if (v.t == RT_STR) { // its characters, as one-character strings
    const RtStr *s = &v.u.o->u.str;
    RtVal l = rt_list_new(rt, RT_LIST, 0);
    for (uint32_t i = 0, len; i < s->len; i += len) {
      len = 1;
      while (i + len < s->len && ((unsigned char)s->s[i + len] & 0xC0) == 0x80)
        len++;
      if (!rt_list_append(rt, l.u.o, rt_str(rt, s->s + i, len))) return false;
    }
    *items = l.u.o->u.list.items;
    *n = l.u.o->u.list.len;
    return true;
  }
  return rt_raise(rt, RT_E_TypeError, "'%s' object is not iterable",
                  rt_type_name(v));
}

static bool minmax(Rt *rt, const RtVal *args, uint32_t nargs, uint32_t nkw,
                   bool is_max, RtVal *out) {
  const char *fn = is_max ? "max" : "min";
  if (nkw)
    return rt_raise(rt, RT_E_TypeError,
                    "%s(): keyword arguments are not supported", fn);
  RtVal *items = (RtVal *)args;
  uint32_t n = nargs;
  if (nargs == 1 && !items_of(rt, args[0], &items, &n)) return false;
  if (n == 0)
    return rt_raise(rt, RT_E_ValueError, "%s() arg is an empty sequence", fn);
  RtVal best = items[0];
  for (uint32_t i = 1; i < n; i++) {
    RtVal c;
    if (!rt_compare(rt, is_max ? RT_GT : RT_LT, items[i], best, &c))
      return false;
    if (c.u.b) best = items[i];
  }
  *out = best;
  return true;
}

BI(bi_min) {
  UNUSED_BI;
  return minmax(rt, args, nargs, nkw, false, out);
}
BI(bi_max) {
  UNUSED_BI;
  return minmax(rt, args, nargs, nkw, true, out);
}

BI(bi_sum) {
  UNUSED_BI;
  if (!want_args(rt, "sum", nargs, 1, 2, nkw)) return false;
  RtVal *items;
  uint32_t n;
  if (!items_of(rt, args[0], &items, &n)) return false;
  RtVal acc = nargs > 1 ? args[1] : rt_int(0);
  for (uint32_t i = 0; i < n; i++)
    if (!rt_binary(rt, RT_ADD, acc, items[i], &acc)) return false;
  *out = acc;
  return true;
}

/* any(iterable) / all(iterable) over a materialized iterable; over a
 * generator expression the compiler emits a loop that stops early. */
static bool any_all(Rt *rt, const RtVal *args, uint32_t nargs, uint32_t nkw,
                    bool any, RtVal *out) {
  const char *fn = any ? "any" : "all";
  if (nkw)
    return rt_raise(rt, RT_E_TypeError, "%s() takes no keyword arguments", fn);
  if (nargs != 1)
    return rt_raise(rt, RT_E_TypeError,
                    "%s() takes exactly one argument (%u given)", fn, nargs);
  RtVal *items;
  uint32_t n;
  if (!items_of(rt, args[0], &items, &n)) return false;
  *out = rt_bool(!any);
  for (uint32_t i = 0; i < n; i++)
    if (rt_truthy(&items[i]) == any) {
      *out = rt_bool(any);
      break;
    }
  return true;
}

BI(bi_any) {
  UNUSED_BI;
  return any_all(rt, args, nargs, nkw, true, out);
}
BI(bi_all) {
  UNUSED_BI;
  return any_all(rt, args, nargs, nkw, false, out);
}

BI(bi_list) {
  UNUSED_BI;
  if (!want_args(rt, "list", nargs, 0, 1, nkw)) return false;
  RtVal *items = NULL;
  uint32_t n = 0;
  if (nargs && !items_of(rt, args[0], &items, &n)) return false;
  RtVal l = rt_list_new(rt, self.t == RT_TUPLE ? RT_TUPLE : RT_LIST, n);
  if (n) memcpy(l.u.o->u.list.items, items, n * sizeof(RtVal));
  *out = l;
  return true;
}

/* set() / set(iterable): a copy of a set keeps any size (no order is
 * observed); other iterables go through items_of. */
BI(bi_set) {
  UNUSED_BI;
  if (!want_args(rt, "set", nargs, 0, 1, nkw)) return false;
  RtVal s = rt_list_new(rt, RT_SET, 0);
  RtVal *items = NULL;
  uint32_t n = 0;
  if (nargs && args[0].t == RT_SET) {
    items = args[0].u.o->u.list.items, n = args[0].u.o->u.list.len;
  } else if (nargs && !items_of(rt, args[0], &items, &n)) {
    return false;
  }
  for (uint32_t i = 0; i < n; i++)
    if (!rt_set_add(rt, s.u.o, items[i])) return false;
  *out = s;
  return true;
}

BI(bi_round) {
  UNUSED_BI;
  if (!want_args(rt, "round", nargs, 1, 2, nkw)) return false;
  if (args[0].t != RT_FLOAT) {
    *out = args[0];
    return true;
  }
  double x = args[0].u.f;
  if (nargs == 1 || args[1].t == RT_NONE) {
    double r = nearbyint(x); // round half to even, as Python
    if (!isfinite(r) || fabs(r) >= 9.2e18)
      return rt_raise(rt, RT_E_OverflowError,
                      "cannot convert float to integer");
    *out = rt_int((int64_t)r);
    return true;
  }
  int64_t nd = 0;
  if (!as_int(rt, args[1], &nd)) return false;
  if (nd > 15 || nd < -15) {
    *out = args[0];
    return true;
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", nd > 0 ? (int)nd : 0, x);
  *out = rt_float(strtod(buf, NULL));
  return true;
}

BI(bi_isinstance) {
  UNUSED_BI;
  if (!want_args(rt, "isinstance", nargs, 2, 2, nkw)) return false;
  RtVal t = args[1];
  const RtVal *types = &t;
  uint32_t nt = 1;
  if (t.t == RT_TUPLE) types = t.u.o->u.list.items, nt = t.u.o->u.list.len;
  bool r = false;
  for (uint32_t i = 0; i < nt; i++) {
    if (types[i].t != RT_EXCTYPE)
      return rt_raise(rt, RT_E_TypeError,
                      "isinstance() is supported for exception classes only");
    if (args[0].t == RT_EXC &&
        rt_exc_is(args[0].u.o->u.exc.kind, types[i].u.o->u.exctype.kind))
      r = true;
  }
  *out = rt_bool(r);
  return true;
}

/* time.sleep(n): the whole loop stops for n seconds of virtual time. */
BI(bi_time_sleep) {
  UNUSED_BI;
  if (!want_args(rt, "sleep", nargs, 1, 1, nkw)) return false;
  RtVal v = args[0];
  double d = v.t == RT_FLOAT  ? v.u.f
             : v.t == RT_INT  ? (double)v.u.i
             : v.t == RT_BOOL ? v.u.b
                              : -1e300;
  if (d == -1e300)
    return rt_raise(rt, RT_E_TypeError,
                    "'%s' object cannot be interpreted as an integer",
                    rt_type_name(v));
  if (isnan(d) || d < 0)
    return rt_raise(rt, RT_E_ValueError, "sleep length must be non-negative");
  if (rt->thread) {
    rt_thread_sleep(rt, d); // only the worker thread waits
    *out = rt_none();
    return true;
  }
  rt_event(rt, RT_EV_BLOCK, rt->current, rt_line_of(rt, rt->call_node),
           "time.sleep", d);
  double end = rt->loop.time + d;
  rt_thread_run_during_block(rt, end);
  if (rt->fatal) return false;
  rt->loop.time = end;
  if (rt->loop.time > rt->max_time)
    rt_fatal(
        rt, ASL_RT_LIMIT, ASL_NONE,
        "virtual-time budget exceeded (%.0f s): the program may not terminate",
        rt->max_time);
  *out = rt_none();
  return true;
}

static const struct {
  const char *name;
  RtBuiltinFn fn;
} builtins[] = {
    {"print", bi_print}, {"range", bi_range},
    {"len", bi_len},     {"str", bi_str},
    {"repr", bi_repr},   {"bool", bi_bool},
    {"int", bi_int},     {"float", bi_float},
    {"abs", bi_abs},     {"min", bi_min},
    {"max", bi_max},     {"sum", bi_sum},
    {"list", bi_list},   {"tuple", bi_list},
    {"round", bi_round}, {"isinstance", bi_isinstance},
    {"set", bi_set},     {"any", bi_any},
    {"all", bi_all},
};

bool rt_consumes_iterable(RtVal fn, uint32_t which) {
  if (which)
    return fn.t == RT_BUILTIN &&
           fn.u.o->u.builtin.fn == (which == 1 ? bi_any : bi_all);
  if (fn.t == RT_BOUND)
    return fn.u.o->u.bound.self.t == RT_STR &&
           !strcmp(fn.u.o->u.bound.name, "join");
  if (fn.t != RT_BUILTIN) return false;
  RtBuiltinFn f = fn.u.o->u.builtin.fn;
  return f == bi_list || f == bi_set || f == bi_sum || f == bi_min ||
         f == bi_max;
}

static const char *const exc_names[] = {
#define XX(name, base) #name,
    RT_EXC_MAP(XX)
#undef XX
};

static bool name_eq(const char *z, const char *p, uint32_t len) {
  return strlen(z) == len && memcmp(z, p, len) == 0;
}

bool rt_is_builtin_name(const char *p, uint32_t len) {
  for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
    if (name_eq(builtins[i].name, p, len)) return true;
  for (int k = 0; k < RT_E__COUNT; k++) {
    // asyncio's own exceptions are not builtins (CancelledError & co.).
    if (k == RT_E_CancelledError || k == RT_E_InvalidStateError ||
        k == RT_E_QueueEmpty || k == RT_E_QueueFull)
      continue;
    if (name_eq(exc_names[k], p, len)) return true;
  }
  return name_eq("__name__", p, len);
}

bool rt_builtin_lookup(Rt *rt, const char *p, uint32_t len, RtVal *out) {
  for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
    if (name_eq(builtins[i].name, p, len)) {
      RtObj *o = rt_new(rt, RT_BUILTIN);
      o->u.builtin.name = builtins[i].name;
      o->u.builtin.fn = builtins[i].fn;
      // tuple() shares list()'s code; `self` tells them apart.
      o->u.builtin.self =
          name_eq("tuple", p, len) ? (RtVal){.t = RT_TUPLE} : rt_none();
      *out = rt_obj(o);
      return true;
    }
  if (!rt_is_builtin_name(p, len)) return false;
  if (name_eq("__name__", p, len)) {
    *out = rt_strz(rt, "__main__");
    return true;
  }
  for (int k = 0; k < RT_E__COUNT; k++)
    if (name_eq(exc_names[k], p, len)) {
      RtObj *o = rt_new(rt, RT_EXCTYPE);
      o->u.exctype.kind = (RtExcKind)k;
      *out = rt_obj(o);
      return true;
    }
  return false;
}

bool rt_module_has(int which, const char *p, uint32_t len) {
  static const char *const asyncio_names[] = {"run",
                                              "sleep",
                                              "gather",
                                              "create_task",
                                              "ensure_future",
                                              "wait_for",
                                              "timeout",
                                              "TaskGroup",
                                              "Event",
                                              "Lock",
                                              "Queue",
                                              "current_task",
                                              "to_thread",
                                              "get_running_loop",
                                              "CancelledError",
                                              "TimeoutError",
                                              "InvalidStateError",
                                              "QueueEmpty",
                                              "QueueFull",
                                              NULL};
  if (which == 1) return name_eq("sleep", p, len);
  for (const char *const *n = asyncio_names; *n; n++)
    if (name_eq(*n, p, len)) return true;
  return false;
}

bool rt_module_attr(Rt *rt, int which, const char *name, RtVal *out) {
  if (!rt_module_has(which, name, (uint32_t)strlen(name))) return false;
  if (which == 1) {
    RtObj *o = rt_new(rt, RT_BUILTIN);
    o->u.builtin.name = "sleep";
    o->u.builtin.fn = bi_time_sleep;
    *out = rt_obj(o);
    return true;
  }
  return rt_asyncio_attr(rt, name, out);
}

/* ---- attributes and methods ------------------------------------------- */

static const struct {
  uint8_t type;
  const char *names;
} methods[] = {
    {RT_LIST, " append pop extend insert index count "},
    {RT_DICT, " get items keys values pop setdefault "},
    {RT_STR, " join upper lower strip split startswith endswith replace "},
    {RT_FUTURE,
     " cancel done cancelled result exception get_name cancelling uncancel "
     "add_done_callback remove_done_callback "},
    {RT_EVENT, " set clear is_set wait "},
    {RT_LOCK, " acquire release locked "},
    {RT_QUEUE,
     " get put put_nowait get_nowait qsize empty full task_done join "},
    {RT_TASKGROUP, " create_task "},
    {RT_SET, " add discard remove clear "},
    {RT_LOOP, " run_in_executor "},
};

bool rt_getattr(Rt *rt, RtVal obj, const char *name, RtVal *out) {
  if (obj.t == RT_MODULE)
    return rt_module_attr(rt, obj.u.o->u.module.which, name, out);
  if (obj.t == RT_EXC) {
    RtObj *e = obj.u.o;
    if (!strcmp(name, "args")) {
      if (e->u.exc.nargs == 2) {
        *out = e->u.exc.arg;
        return true;
      }
      RtVal t = rt_list_new(rt, RT_TUPLE, e->u.exc.nargs || e->u.exc.msg.len);
      if (e->u.exc.nargs == 1)
        t.u.o->u.list.items[0] = e->u.exc.arg;
      else if (e->u.exc.msg.len)
        t.u.o->u.list.items[0] = rt_str(rt, e->u.exc.msg.s, e->u.exc.msg.len);
      *out = t;
      return true;
    }
    if (!strcmp(name, "exceptions") && e->u.exc.group) {
      RtVal t = rt_list_new(rt, RT_TUPLE, e->u.exc.group->len);
      memcpy(t.u.o->u.list.items, e->u.exc.group->items,
             e->u.exc.group->len * sizeof(RtVal));
      *out = t;
      return true;
    }
    return false;
  }
  char key[64];
  snprintf(key, sizeof key, " %s ", name);
  for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
    if (methods[i].type == obj.t && strstr(methods[i].names, key)) {
      RtObj *b = rt_new(rt, RT_BOUND);
      b->u.bound.self = obj;
      b->u.bound.name = asl_arena_strdup(&rt->arena, name);
      *out = rt_obj(b);
      return true;
    }
  return false;
}

static bool str_method(Rt *rt, RtVal self, const char *name, const RtVal *args,
                       uint32_t nargs, RtVal *out) {
  const RtStr *s = &self.u.o->u.str;
  if (!strcmp(name, "join")) {
    if (nargs != 1)
      return rt_raise(rt, RT_E_TypeError, "join() takes 1 argument");
    RtVal *items;
    uint32_t n;
    if (!items_of(rt, args[0], &items, &n)) return false;
    AslBuf b = {0};
    for (uint32_t i = 0; i < n; i++) {
      if (items[i].t != RT_STR) {
        asl_buf_free(&b);
        return rt_raise(rt, RT_E_TypeError,
                        "sequence item %u: expected str instance, %s found", i,
                        rt_type_name(items[i]));
      }
      if (i) asl_buf_put(&b, s->s, s->len);
      asl_buf_put(&b, items[i].u.o->u.str.s, items[i].u.o->u.str.len);
      if (b.len > RT_MAX_SEQ) {
        asl_buf_free(&b);
        return rt_raise(rt, RT_E_OverflowError,
                        "string too long for the runtime");
      }
    }
    *out = rt_buf_to_str(rt, &b);
    return true;
  }
  if (!strcmp(name, "upper") || !strcmp(name, "lower")) {
    RtVal r = rt_str(rt, s->s, s->len);
    for (uint32_t i = 0; i < s->len; i++) {
      char c = r.u.o->u.str.s[i];
      if (name[0] == 'u' && c >= 'a' && c <= 'z') c = (char)(c - 32);
      if (name[0] == 'l' && c >= 'A' && c <= 'Z') c = (char)(c + 32);
      r.u.o->u.str.s[i] = c;
    }
    *out = r;
    return true;
  }
  if (!strcmp(name, "strip")) {
    uint32_t a = 0, b = s->len;
    while (a < b && strchr(" \t\n\r", s->s[a])) a++;
    while (b > a && strchr(" \t\n\r", s->s[b - 1])) b--;
    *out = rt_str(rt, s->s + a, b - a);
    return true;
  }
  if (!strcmp(name, "startswith") || !strcmp(name, "endswith")) {
    if (nargs != 1 || args[0].t != RT_STR)
      return rt_raise(rt, RT_E_TypeError, "%s() takes one str", name);
    const RtStr *p = &args[0].u.o->u.str;
    bool r = p->len <= s->len &&
             memcmp(name[0] == 's' ? s->s : s->s + s->len - p->len, p->s,
                    p->len) == 0;
    *out = rt_bool(r);
    return true;
  }
  if (!strcmp(name, "split")) {
    RtVal l = rt_list_new(rt, RT_LIST, 0);
    if (nargs == 0) {
      uint32_t i = 0;
      while (i < s->len) {
        while (i < s->len && strchr(" \t\n\r", s->s[i])) i++;
        uint32_t st = i;
        while (i < s->len && !strchr(" \t\n\r", s->s[i])) i++;
        if (i > st && !rt_list_append(rt, l.u.o, rt_str(rt, s->s + st, i - st)))
          return false;
      }
    } else {
      if (args[0].t != RT_STR || args[0].u.o->u.str.len == 0)
        return rt_raise(rt, RT_E_ValueError, "empty separator");
      const RtStr *p = &args[0].u.o->u.str;
      uint32_t st = 0;
      for (uint32_t i = 0; i + p->len <= s->len;) {
        if (memcmp(s->s + i, p->s, p->len) == 0) {
          if (!rt_list_append(rt, l.u.o, rt_str(rt, s->s + st, i - st)))
            return false;
          i += p->len;
          st = i;
        } else {
          i++;
        }
      }
      if (!rt_list_append(rt, l.u.o, rt_str(rt, s->s + st, s->len - st)))
        return false;
    }
    *out = l;
    return true;
  }
  if (!strcmp(name, "replace")) {
    if (nargs != 2 || args[0].t != RT_STR || args[1].t != RT_STR ||
        !args[0].u.o->u.str.len)
      return rt_raise(rt, RT_E_TypeError, "replace() takes two str");
    const RtStr *a = &args[0].u.o->u.str, *b = &args[1].u.o->u.str;
    AslBuf buf = {0};
    for (uint32_t i = 0; i < s->len;) {
      if (i + a->len <= s->len && memcmp(s->s + i, a->s, a->len) == 0) {
        asl_buf_put(&buf, b->s, b->len);
        i += a->len;
      } else {
        asl_buf_putc(&buf, s->s[i++]);
      }
      if (buf.len > RT_MAX_SEQ) {
        asl_buf_free(&buf);
        return rt_raise(rt, RT_E_OverflowError,
                        "string too long for the runtime");
      }
    }
    *out = rt_buf_to_str(rt, &buf);
    return true;
  }
  return rt_raise(rt, RT_E_AttributeError, "'str' object has no attribute '%s'",
                  name);
}

static bool list_method(Rt *rt, RtVal self, const char *name, const RtVal *args,
                        uint32_t nargs, RtVal *out) {
  RtObj *l = self.u.o;
  *out = rt_none();
  if (!strcmp(name, "append")) {
    if (nargs != 1)
      return rt_raise(rt, RT_E_TypeError,
                      "append() takes exactly one argument");
    return rt_list_append(rt, l, args[0]);
  }
  if (!strcmp(name, "extend")) {
    RtVal *items;
    uint32_t n;
    if (nargs != 1 || !items_of(rt, args[0], &items, &n))
      return rt->exc
                 ? false
                 : rt_raise(rt, RT_E_TypeError, "extend() takes one iterable");
    RtVal copy = rt_list_new(rt, RT_LIST, n);
    if (n) memcpy(copy.u.o->u.list.items, items, n * sizeof(RtVal));
    for (uint32_t i = 0; i < n; i++)
      if (!rt_list_append(rt, l, copy.u.o->u.list.items[i])) return false;
    return true;
  }
  if (!strcmp(name, "pop")) {
    if (l->u.list.len == 0)
      return rt_raise(rt, RT_E_IndexError, "pop from empty list");
    int64_t i = (int64_t)l->u.list.len - 1;
    if (nargs == 1 && !as_int(rt, args[0], &i)) return false;
    if (i < 0) i += l->u.list.len;
    if (i < 0 || i >= l->u.list.len)
      return rt_raise(rt, RT_E_IndexError, "pop index out of range");
    *out = l->u.list.items[i];
    memmove(l->u.list.items + i, l->u.list.items + i + 1,
            (l->u.list.len - (uint32_t)i - 1) * sizeof(RtVal));
    l->u.list.len--;
    return true;
  }
  if (!strcmp(name, "insert")) {
    int64_t i = 0;
    if (nargs != 2 || !as_int(rt, args[0], &i))
      return rt->exc
                 ? false
                 : rt_raise(rt, RT_E_TypeError, "insert() takes 2 arguments");
    if (!rt_list_append(rt, l, args[1])) return false;
    int64_t n = l->u.list.len - 1;
    if (i < 0) i += n;
    if (i < 0) i = 0;
    if (i > n) i = n;
    memmove(l->u.list.items + i + 1, l->u.list.items + i,
            (size_t)(n - i) * sizeof(RtVal));
    l->u.list.items[i] = args[1];
    return true;
  }
  if (!strcmp(name, "index") || !strcmp(name, "count")) {
    if (nargs != 1)
      return rt_raise(rt, RT_E_TypeError, "%s() takes one argument", name);
    int64_t c = 0;
    for (uint32_t i = 0; i < l->u.list.len; i++)
      if (rt_equal(l->u.list.items[i], args[0])) {
        if (name[0] == 'i') {
          *out = rt_int(i);
          return true;
        }
        c++;
      }
    if (name[0] == 'i')
      return rt_raise(rt, RT_E_ValueError, "value is not in list");
    *out = rt_int(c);
    return true;
  }
  return rt_raise(rt, RT_E_AttributeError,
                  "'list' object has no attribute '%s'", name);
}

bool rt_key_error(Rt *rt, RtVal key) {
  AslBuf b = {0};
  rt_repr(rt, &b, key, 0);
  rt_raise(rt, RT_E_KeyError, "%.*s", (int)b.len, b.data ? b.data : "");
  asl_buf_free(&b);
  rt->exc->u.exc.arg = key;
  rt->exc->u.exc.nargs = 1;
  return false;
}

static bool set_method(Rt *rt, RtVal self, const char *name, const RtVal *args,
                       uint32_t nargs, RtVal *out) {
  RtObj *s = self.u.o;
  *out = rt_none();
  if (!strcmp(name, "clear")) {
    if (nargs) return rt_raise(rt, RT_E_TypeError, "clear() takes no arguments");
    rt_set_clear(s);
    return true;
  }
  if (nargs != 1)
    return rt_raise(rt, RT_E_TypeError, "set.%s() takes exactly one argument",
                    name);
  if (!strcmp(name, "add")) return rt_set_add(rt, s, args[0]);
  if (!rt_hashable(rt, args[0])) return false;
  uint32_t at = rt_set_find(s, args[0]);
  if (at == UINT32_MAX)
    return name[0] == 'r' ? rt_key_error(rt, args[0]) : true; // discard: no-op
  rt_set_remove_at(s, at);
  return true;
}

static bool dict_method(Rt *rt, RtVal self, const char *name, const RtVal *args,
                        uint32_t nargs, RtVal *out) {
  RtDict *d = &self.u.o->u.dict;
  if (!strcmp(name, "get") || !strcmp(name, "setdefault")) {
    if (nargs < 1 || nargs > 2)
      return rt_raise(rt, RT_E_TypeError, "%s() takes 1 or 2 arguments", name);
    if (rt_dict_get(d, args[0], out)) return true;
    *out = nargs > 1 ? args[1] : rt_none();
    if (name[0] == 's') rt_dict_set(rt, d, args[0], *out);
    return true;
  }
  if (!strcmp(name, "pop")) {
    if (nargs < 1 || nargs > 2)
      return rt_raise(rt, RT_E_TypeError, "pop() takes 1 or 2 arguments");
    for (uint32_t i = 0; i < d->len; i++)
      if (rt_equal(d->keys[i], args[0])) {
        *out = d->vals[i];
        memmove(d->keys + i, d->keys + i + 1, (d->len - i - 1) * sizeof(RtVal));
        memmove(d->vals + i, d->vals + i + 1, (d->len - i - 1) * sizeof(RtVal));
        d->len--;
        return true;
      }
    if (nargs == 2) {
      *out = args[1];
      return true;
    }
    return rt_raise(rt, RT_E_KeyError, "key not found");
  }
  // keys()/values()/items() as lists: iteration order is insertion order.
  RtVal l = rt_list_new(rt, RT_LIST, d->len);
  for (uint32_t i = 0; i < d->len; i++) {
    if (name[0] == 'k')
      l.u.o->u.list.items[i] = d->keys[i];
    else if (name[0] == 'v')
      l.u.o->u.list.items[i] = d->vals[i];
    else {
      RtVal t = rt_list_new(rt, RT_TUPLE, 2);
      t.u.o->u.list.items[0] = d->keys[i];
      t.u.o->u.list.items[1] = d->vals[i];
      l.u.o->u.list.items[i] = t;
    }
  }
  *out = l;
  return true;
}

bool rt_call_method(Rt *rt, RtVal self, const char *name, const RtVal *args,
                    uint32_t nargs, const RtStr *kwn, const RtVal *kwv,
                    uint32_t nkw, RtVal *out) {
  bool found;
  bool ok = rt_asyncio_method(rt, self, name, args, nargs, kwn, kwv, nkw, out,
                              &found);
  if (found) return ok;
  if (nkw)
    return rt_raise(rt, RT_E_TypeError, "%s() takes no keyword arguments",
                    name);
  if (self.t == RT_STR) return str_method(rt, self, name, args, nargs, out);
  if (self.t == RT_LIST) return list_method(rt, self, name, args, nargs, out);
  if (self.t == RT_DICT) return dict_method(rt, self, name, args, nargs, out);
  if (self.t == RT_SET) return set_method(rt, self, name, args, nargs, out);
  return rt_raise(rt, RT_E_AttributeError, "'%s' object has no attribute '%s'",
                  rt_type_name(self), name);
}

bool rt_call(Rt *rt, RtVal fn, const RtVal *args, uint32_t nargs,
             const RtStr *kwn, const RtVal *kwv, uint32_t nkw, RtVal *out,
             uint32_t node) {
  switch (fn.t) {
  case RT_BUILTIN:
    return fn.u.o->u.builtin.fn(rt, fn.u.o->u.builtin.self, args, nargs, kwn,
                                kwv, nkw, out);
  case RT_BOUND:
    return rt_call_method(rt, fn.u.o->u.bound.self, fn.u.o->u.bound.name, args,
                          nargs, kwn, kwv, nkw, out);
  case RT_EXCTYPE: {
    if (nkw)
      return rt_raise(rt, RT_E_TypeError,
                      "exceptions take no keyword arguments");
    RtExcKind k = fn.u.o->u.exctype.kind;
    if (k == RT_E_ExceptionGroup || k == RT_E_BaseExceptionGroup)
      return rt_raise(rt, RT_E_TypeError,
                      "constructing exception groups is not supported");
    // str(e) is str(arg) (KeyError: repr(arg)), or the tuple's repr.
    AslBuf b = {0};
    RtVal arg = rt_none();
    if (nargs == 1) {
      arg = args[0];
      if (k == RT_E_KeyError)
        rt_repr(rt, &b, arg, 0);
      else
        rt_strval(rt, &b, arg);
    } else if (nargs > 1) {
      arg = rt_list_new(rt, RT_TUPLE, nargs);
      memcpy(arg.u.o->u.list.items, args, nargs * sizeof(RtVal));
      rt_repr(rt, &b, arg, 0);
    }
    RtObj *e = rt_exc_new(rt, k, "%.*s", (int)b.len, b.data ? b.data : "");
    e->u.exc.arg = arg;
    e->u.exc.nargs = (uint8_t)(nargs > 1 ? 2 : nargs);
    asl_buf_free(&b);
    *out = rt_obj(e);
    return true;
  }
  default:
    (void)node;
    return rt_raise(rt, RT_E_TypeError, "'%s' object is not callable",
                    rt_type_name(fn));
  }
}
