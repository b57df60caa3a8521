/*
 * value.c - runtime values: constructors, exceptions, truth, str()/repr()
 * as CPython prints them, equality, arithmetic and comparisons. Every
 * value lives in the run's arena and dies with it.
 */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

RtVal rt_none(void) { return (RtVal){.t = RT_NONE}; }
RtVal rt_bool(bool b) { return (RtVal){.t = RT_BOOL, .u.b = b}; }
RtVal rt_int(int64_t i) { return (RtVal){.t = RT_INT, .u.i = i}; }
RtVal rt_float(double f) { return (RtVal){.t = RT_FLOAT, .u.f = f}; }
RtVal rt_obj(RtObj *o) { return (RtVal){.t = o->type, .u.o = o}; }

/* Arena allocation with the run's memory cap: past it the run stops (a
 * fatal error) but the allocation still succeeds, so callers need no
 * check and the interpreter unwinds at its next step. */
void *rt_alloc(Rt *rt, size_t n) {
  if (rt->arena.total > RT_MAX_MEMORY && rt->fatal == ASL_RT_OK)
    rt_fatal(rt, ASL_RT_LIMIT, ASL_NONE,
             "memory budget exceeded (%zu MiB of values)", RT_MAX_MEMORY >> 20);
  return asl_arena_alloc(&rt->arena, n ? n : 1);
}

RtObj *rt_new(Rt *rt, RtType t) {
  RtObj *o = rt_alloc(rt, sizeof *o);
  o->type = (uint8_t)t;
  return o;
}

RtVal rt_str(Rt *rt, const char *s, size_t n) {
  RtObj *o = rt_new(rt, RT_STR);
  o->u.str.s = rt_alloc(rt, n + 1);
  if (n) memcpy(o->u.str.s, s, n);
  o->u.str.len = (uint32_t)n;
  return rt_obj(o);
}

RtVal rt_strz(Rt *rt, const char *s) { return rt_str(rt, s, strlen(s)); }

/* Characters (code points) in a UTF-8 string: bytes that do not continue
 * a sequence. Invalid bytes count one each. */
uint32_t rt_str_chars(const RtStr *s) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->len; i++)
    n += ((unsigned char)s->s[i] & 0xC0) != 0x80;
  return n;
}

/* Byte offset of character `k` (k <= rt_str_chars), and its length. */
uint32_t rt_str_char_at(const RtStr *s, uint32_t k, uint32_t *len) {
  uint32_t i = 0;
  for (uint32_t c = 0; i < s->len; i++) {
    if (((unsigned char)s->s[i] & 0xC0) == 0x80) continue;
    if (c++ == k) break;
  }
  uint32_t j = i + 1;
  while (j < s->len && ((unsigned char)s->s[j] & 0xC0) == 0x80) j++;
  *len = i < s->len ? j - i : 0;
  return i;
}

bool rt_str_eq(const RtStr *s, const char *z) {
  size_t n = strlen(z);
  return s->len == n && memcmp(s->s, z, n) == 0;
}

RtVal rt_list_new(Rt *rt, RtType t, uint32_t n) {
  RtObj *o = rt_new(rt, t);
  o->u.list.cap = n ? n : 4;
  o->u.list.items = rt_alloc(rt, o->u.list.cap * sizeof(RtVal));
  o->u.list.len = n;
  return rt_obj(o);
}

bool rt_list_append(Rt *rt, RtObj *l, RtVal v) {
  RtList *L = &l->u.list;
  if (L->len >= RT_MAX_SEQ)
    return rt_raise(rt, RT_E_OverflowError, "list too long for the runtime");
  if (L->len == L->cap) {
    uint32_t nc = L->cap ? L->cap * 2 : 4;
    RtVal *ni = rt_alloc(rt, nc * sizeof(RtVal));
    if (L->len) memcpy(ni, L->items, L->len * sizeof(RtVal));
    L->items = ni;
    L->cap = nc;
  }
  L->items[L->len++] = v;
  return true;
}

RtDict *rt_dict_new(Rt *rt) {
  RtObj *o = rt_new(rt, RT_DICT);
  return &o->u.dict;
}

/* Dicts are small in this subset: linear probing over insertion order. */
bool rt_dict_get(RtDict *d, RtVal k, RtVal *out) {
  for (uint32_t i = 0; i < d->len; i++)
    if (rt_equal(d->keys[i], k)) {
      if (out) *out = d->vals[i];
      return true;
    }
  return false;
}

void rt_dict_set(Rt *rt, RtDict *d, RtVal k, RtVal v) {
  for (uint32_t i = 0; i < d->len; i++)
    if (rt_equal(d->keys[i], k)) {
      d->vals[i] = v;
      return;
    }
  if (d->len == d->cap) {
    uint32_t nc = d->cap ? d->cap * 2 : 8;
    RtVal *nk = rt_alloc(rt, nc * sizeof(RtVal));
    RtVal *nv = rt_alloc(rt, nc * sizeof(RtVal));
    if (d->len) {
      memcpy(nk, d->keys, d->len * sizeof(RtVal));
      memcpy(nv, d->vals, d->len * sizeof(RtVal));
    }
    d->keys = nk;
    d->vals = nv;
    d->cap = nc;
  }
  d->keys[d->len] = k;
  d->vals[d->len++] = v;
}

/* ---- sets --------------------------------------------------------------- */

/* Hashable values: immutables (tuples of hashables) and objects compared
 * by identity. Nesting past 50 tuples counts as hashable (the bound keeps
 * the walk finite; such keys do not occur in practice). */
static bool hashable_at(RtVal v, int depth, RtVal *bad) {
  if (v.t == RT_LIST || v.t == RT_DICT || v.t == RT_SET) {
    *bad = v;
    return false;
  }
  if (v.t != RT_TUPLE || depth > 50) return true;
  const RtList *l = &v.u.o->u.list;
  for (uint32_t i = 0; i < l->len; i++)
    if (!hashable_at(l->items[i], depth + 1, bad)) return false;
  return true;
}

bool rt_hashable(Rt *rt, RtVal v) {
  RtVal bad;
  if (hashable_at(v, 0, &bad)) return true;
  return rt_raise(rt, RT_E_TypeError, "unhashable type: '%s'",
                  rt_type_name(bad));
}

/* A hash consistent with rt_equal over hashable values: numbers equal
 * across int/float/bool hash alike, strings and tuples by content,
 * exception classes by kind, bound methods by receiver and name, other
 * objects by identity. */
static uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

static uint64_t bytes_hash(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL; // FNV-1a
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
  return h;
}

static uint64_t value_hash(RtVal v, int depth) {
  switch (v.t) {
  case RT_NONE: return 0x9e3779b97f4a7c15ULL;
  case RT_BOOL: return mix64((uint64_t)v.u.b);
  case RT_INT: return mix64((uint64_t)v.u.i);
  case RT_FLOAT: {
    double f = v.u.f;
    if (f == floor(f) && f >= -9223372036854775808.0 &&
        f < 9223372036854775808.0)
      return mix64((uint64_t)(int64_t)f); // as the equal int
    uint64_t bits;
    memcpy(&bits, &f, sizeof bits);
    return mix64(bits);
  }
  case RT_STR: return bytes_hash(v.u.o->u.str.s, v.u.o->u.str.len);
  case RT_TUPLE: {
    const RtList *l = &v.u.o->u.list;
    uint64_t h = mix64(l->len + 0x51ULL);
    for (uint32_t i = 0; i < l->len && depth < 50; i++)
      h = mix64(h ^ value_hash(l->items[i], depth + 1));
    return h;
  }
  case RT_EXCTYPE: return mix64(0x1000u + (uint64_t)v.u.o->u.exctype.kind);
  case RT_BOUND: {
    const char *name = v.u.o->u.bound.name;
    return mix64((uint64_t)(uintptr_t)v.u.o->u.bound.self.u.o) ^
           bytes_hash(name, strlen(name));
  }
  default: return mix64((uint64_t)(uintptr_t)v.u.o);
  }
}

/* Small sets are scanned; from this size on they keep a hash index. */
#define RT_SET_INDEX_AT 8

/* The index slot holding `v`, or of the first free slot on its probe
 * path (*found tells which); the table is never full (load <= 1/2). */
static uint32_t set_slot(const RtObj *s, RtVal v, bool *found) {
  uint32_t mask = s->u.set.nslots - 1, reuse = UINT32_MAX;
  uint32_t i = (uint32_t)value_hash(v, 0) & mask;
  *found = false;
  for (;; i = (i + 1) & mask) {
    uint32_t e = s->u.set.slots[i];
    if (e == 0) return reuse != UINT32_MAX ? reuse : i;
    if (e == RT_SLOT_GONE) {
      if (reuse == UINT32_MAX) reuse = i;
    } else if (rt_equal(s->u.list.items[e - 1], v)) {
      *found = true;
      return i;
    }
  }
}

/* Rebuilds the index for the current items, at least 4 slots per item
 * (the same array when the size does not change). */
static void set_reindex(Rt *rt, RtObj *s) {
  uint32_t want = 16;
  while (want < 4 * s->u.list.len) want *= 2;
  if (want != s->u.set.nslots) {
    s->u.set.slots = rt_alloc(rt, want * sizeof *s->u.set.slots);
    s->u.set.nslots = want;
  }
  memset(s->u.set.slots, 0, want * sizeof *s->u.set.slots);
  s->u.set.gone = 0;
  for (uint32_t k = 0; k < s->u.list.len; k++) {
    bool found;
    uint32_t i = set_slot(s, s->u.list.items[k], &found);
    s->u.set.slots[i] = k + 1;
  }
}

uint32_t rt_set_find(const RtObj *s, RtVal v) {
  const RtList *l = &s->u.list;
  if (!s->u.set.nslots) {
    for (uint32_t i = 0; i < l->len; i++)
      if (rt_equal(l->items[i], v)) return i;
    return UINT32_MAX;
  }
  bool found;
  uint32_t i = set_slot(s, v, &found);
  return found ? s->u.set.slots[i] - 1 : UINT32_MAX;
}

bool rt_set_add(Rt *rt, RtObj *s, RtVal v) {
  if (!rt_hashable(rt, v)) return false;
  if (rt_set_find(s, v) != UINT32_MAX) return true;
  if (!rt_list_append(rt, s, v)) return false;
  uint32_t n = s->u.list.len;
  if (n < RT_SET_INDEX_AT) return true;
  if (!s->u.set.nslots || 2 * (n + s->u.set.gone) > s->u.set.nslots) {
    set_reindex(rt, s);
    return true;
  }
  bool found;
  uint32_t i = set_slot(s, v, &found);
  if (s->u.set.slots[i] == RT_SLOT_GONE) s->u.set.gone--;
  s->u.set.slots[i] = n;
  return true;
}

void rt_set_remove_at(RtObj *s, uint32_t pos) {
  RtList *l = &s->u.list;
  uint32_t last = l->len - 1;
  if (s->u.set.nslots) {
    bool found;
    s->u.set.slots[set_slot(s, l->items[pos], &found)] = RT_SLOT_GONE;
    s->u.set.gone++;
    if (pos != last) // the last item moves to pos: repoint its slot
      s->u.set.slots[set_slot(s, l->items[last], &found)] = pos + 1;
  }
  l->items[pos] = l->items[last];
  l->len = last;
}

void rt_set_clear(RtObj *s) {
  s->u.list.len = 0;
  s->u.set.slots = NULL;
  s->u.set.nslots = s->u.set.gone = 0;
}

bool rt_set_order_ok(Rt *rt, RtVal v, uint32_t node) {
  if (v.t != RT_SET || v.u.o->u.list.len < 2) return true;
  rt_fatal(rt, ASL_RT_UNSUPPORTED, node,
           "not supported by the runtime: the order of a set of %u items "
           "(CPython's follows their hashes)",
           v.u.o->u.list.len);
  return false;
}

/* ---- exceptions -------------------------------------------------------- */

static const RtExcKind exc_base[] = {
#define XX(name, base) RT_E_##base,
    RT_EXC_MAP(XX)
#undef XX
};
static const char *const exc_names[] = {
#define XX(name, base) #name,
    RT_EXC_MAP(XX)
#undef XX
};

const char *rt_exc_name(RtExcKind k) {
  // asyncio's own classes print with their module, as CPython's summary.
  return exc_names[k];
}

/* Is exception class `k` a subclass of `base`? Walks the base chain of
 * RT_EXC_MAP (a bounded loop: the table has no cycles). */
bool rt_exc_is(RtExcKind k, RtExcKind base) {
  for (int guard = 0; guard < 16; guard++) {
    if (k == base) return true;
    if (k == RT_E_BaseException) return false;
    // ExceptionGroup is both an Exception and a BaseExceptionGroup.
    if (k == RT_E_ExceptionGroup && base == RT_E_BaseExceptionGroup)
      return true;
    k = exc_base[k];
  }
  return false;
}

/* A new exception instance of class `k` with a printf-style message. */
RtObj *rt_exc_new(Rt *rt, RtExcKind k, const char *fmt, ...) {
  RtObj *o = rt_new(rt, RT_EXC);
  o->u.exc.kind = k;
  if (fmt && *fmt) {
    va_list ap;
    va_start(ap, fmt);
    char *s = asl_arena_vprintf(&rt->arena, fmt, ap);
    va_end(ap);
    o->u.exc.msg.s = s;
    o->u.exc.msg.len = (uint32_t)strlen(s);
  } else {
    o->u.exc.msg.s = "";
  }
  return o;
}

/* Sets rt->exc to a new exception and returns false, so C builtins can
 * `return rt_raise(...)`. */
bool rt_raise(Rt *rt, RtExcKind k, const char *fmt, ...) {
  RtObj *o = rt_new(rt, RT_EXC);
  o->u.exc.kind = k;
  va_list ap;
  va_start(ap, fmt);
  char *s = asl_arena_vprintf(&rt->arena, fmt, ap);
  va_end(ap);
  o->u.exc.msg.s = s;
  o->u.exc.msg.len = (uint32_t)strlen(s);
  rt->exc = o;
  return false;
}

/* Stops the whole run (unsupported construct, budget, internal error):
 * the first message wins, with `path:line:col:` when a node is known. */
void rt_fatal(Rt *rt, AslRtStatus st, uint32_t node, const char *fmt, ...) {
  if (rt->fatal != ASL_RT_OK) return; // the first error wins
  rt->fatal = st;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (node != ASL_NONE && rt->tree && node < rt->tree->count) {
    uint32_t b = rt->tree->nodes[node].start_byte;
    uint32_t line = asl_source_line_of(rt->src, b);
    snprintf(rt->fatal_msg, sizeof rt->fatal_msg, "%s:%u:%u: %s", rt->src->path,
             line + 1, asl_source_column(rt->src, line, b), msg);
  } else {
    snprintf(rt->fatal_msg, sizeof rt->fatal_msg, "%s: %s", rt->src->path, msg);
  }
}

/* ---- truth, names, str and repr --------------------------------------- */

/* Python's truth value. */
bool rt_truthy(const RtVal *v) {
  switch (v->t) {
  case RT_NONE: return false;
  case RT_BOOL: return v->u.b;
  case RT_INT: return v->u.i != 0;
  case RT_FLOAT: return v->u.f != 0.0;
  case RT_STR: return v->u.o->u.str.len != 0;
  case RT_LIST:
  case RT_TUPLE: return v->u.o->u.list.len != 0;
  case RT_DICT: return v->u.o->u.dict.len != 0;
  case RT_SET: return v->u.o->u.list.len != 0;
  case RT_RANGE: {
    const RtObj *o = v->u.o;
    return o->u.range.step > 0 ? o->u.range.start < o->u.range.stop
                               : o->u.range.start > o->u.range.stop;
  }
  default: return true;
  }
}

const char *rt_type_name(RtVal v) {
  static const char *const names[] = {
      "NoneType",  "bool",      "int",       "float",
      "str",       "list",      "tuple",     "dict",
      "range",     "iterator",  "function",  "builtin_function_or_method",
      "method",    "module",    "coroutine", "Future",
      "exception", "type",      "Event",     "Lock",
      "Queue",     "TaskGroup", "Timeout",   "set",
      "_UnixSelectorEventLoop"};
  if (v.t == RT_FUTURE && ((RtFuture *)(void *)v.u.o)->is_task) return "Task";
  if (v.t == RT_EXC) return rt_exc_name(v.u.o->u.exc.kind);
  return v.t < sizeof names / sizeof names[0] ? names[v.t] : "object";
}

/* Python's float repr: the shortest digits that round-trip, fixed notation
 * for exponents in [-4, 16), else scientific with a 2-digit exponent. */
static void float_repr(AslBuf *b, double f) {
  if (isnan(f)) {
    asl_buf_puts(b, "nan");
    return;
  }
  if (isinf(f)) {
    asl_buf_puts(b, f > 0 ? "inf" : "-inf");
    return;
  }
  char tmp[64];
  int p = 1;
  for (; p <= 17; p++) {
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, f);
    if (strtod(tmp, NULL) == f) break;
  }
  // tmp: [-]d[.ddd]e[+-]XX
  char digits[32];
  int nd = 0, neg = 0;
  const char *q = tmp;
  if (*q == '-') {
    neg = 1;
    q++;
  }
  for (; *q && *q != 'e'; q++)
    if (*q != '.') digits[nd++] = *q;
  int exp = atoi(q + 1);
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  if (neg) asl_buf_putc(b, '-');
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      asl_buf_puts(b, "0.");
      for (int i = 0; i < -exp - 1; i++) asl_buf_putc(b, '0');
      asl_buf_put(b, digits, (size_t)nd);
    } else {
      for (int i = 0; i <= exp; i++) asl_buf_putc(b, i < nd ? digits[i] : '0');
      asl_buf_putc(b, '.');
      if (nd > exp + 1)
        asl_buf_put(b, digits + exp + 1, (size_t)(nd - exp - 1));
      else
        asl_buf_putc(b, '0');
    }
  } else {
    asl_buf_putc(b, digits[0]);
    if (nd > 1) {
      asl_buf_putc(b, '.');
      asl_buf_put(b, digits + 1, (size_t)(nd - 1));
    }
    asl_buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  }
}

/* repr() of a str: single quotes unless the text has one and no double
 * quote, escapes for backslash, quotes and control bytes. */
static void str_repr(AslBuf *b, const RtStr *s) {
  bool has_sq = memchr(s->s, '\'', s->len) != NULL;
  bool has_dq = memchr(s->s, '"', s->len) != NULL;
  char q = has_sq && !has_dq ? '"' : '\'';
  asl_buf_putc(b, q);
  for (uint32_t i = 0; i < s->len; i++) {
    unsigned char c = (unsigned char)s->s[i];
    if (c == (unsigned char)q || c == '\\') {
      asl_buf_putc(b, '\\');
      asl_buf_putc(b, (char)c);
    } else if (c == '\n')
      asl_buf_puts(b, "\\n");
    else if (c == '\t')
      asl_buf_puts(b, "\\t");
    else if (c == '\r')
      asl_buf_puts(b, "\\r");
    else if (c < 0x20 || c == 0x7f)
      asl_buf_printf(b, "\\x%02x", c);
    else
      asl_buf_putc(b, (char)c);
  }
  asl_buf_putc(b, q);
}

/* repr() of any value into `b` (containers nest up to 50 levels). */
void rt_repr(Rt *rt, AslBuf *b, RtVal v, int depth) {
  if (depth > 50) {
    asl_buf_puts(b, "...");
    return;
  }
  switch (v.t) {
  case RT_NONE: asl_buf_puts(b, "None"); return;
  case RT_BOOL: asl_buf_puts(b, v.u.b ? "True" : "False"); return;
  case RT_INT: asl_buf_printf(b, "%lld", (long long)v.u.i); return;
  case RT_FLOAT: float_repr(b, v.u.f); return;
  case RT_STR: str_repr(b, &v.u.o->u.str); return;
  case RT_LIST:
  case RT_TUPLE: {
    const RtList *l = &v.u.o->u.list;
    asl_buf_putc(b, v.t == RT_LIST ? '[' : '(');
    for (uint32_t i = 0; i < l->len; i++) {
      if (i) asl_buf_puts(b, ", ");
      rt_repr(rt, b, l->items[i], depth + 1);
    }
    if (v.t == RT_TUPLE && l->len == 1) asl_buf_putc(b, ',');
    asl_buf_putc(b, v.t == RT_LIST ? ']' : ')');
    return;
  }
  case RT_DICT: {
    const RtDict *d = &v.u.o->u.dict;
    asl_buf_putc(b, '{');
    for (uint32_t i = 0; i < d->len; i++) {
      if (i) asl_buf_puts(b, ", ");
      rt_repr(rt, b, d->keys[i], depth + 1);
      asl_buf_puts(b, ": ");
      rt_repr(rt, b, d->vals[i], depth + 1);
    }
    asl_buf_putc(b, '}');
    return;
  }
  case RT_SET: {
    // set() or {x}: with two or more items CPython's order follows hashes.
    const RtList *l = &v.u.o->u.list;
    if (l->len == 0) {
      asl_buf_puts(b, "set()");
      return;
    }
    if (!rt_set_order_ok(rt, v, rt->call_node)) return;
    asl_buf_putc(b, '{');
    rt_repr(rt, b, l->items[0], depth + 1);
    asl_buf_putc(b, '}');
    return;
  }
  case RT_RANGE: {
    const RtObj *o = v.u.o;
    if (o->u.range.step == 1)
      asl_buf_printf(b, "range(%lld, %lld)", (long long)o->u.range.start,
                     (long long)o->u.range.stop);
    else
      asl_buf_printf(b, "range(%lld, %lld, %lld)", (long long)o->u.range.start,
                     (long long)o->u.range.stop, (long long)o->u.range.step);
    return;
  }
  case RT_EXC: {
    const RtObj *o = v.u.o;
    if (o->u.exc.nargs == 2) { // Name(a, b): the tuple's repr has the parens
      asl_buf_puts(b, rt_exc_name(o->u.exc.kind));
      rt_repr(rt, b, o->u.exc.arg, depth + 1);
      return;
    }
    asl_buf_printf(b, "%s(", rt_exc_name(o->u.exc.kind));
    if (o->u.exc.nargs == 1)
      rt_repr(rt, b, o->u.exc.arg, depth + 1);
    else if (o->u.exc.msg.len)
      str_repr(b, &o->u.exc.msg);
    asl_buf_putc(b, ')');
    return;
  }
  case RT_EXCTYPE:
    asl_buf_printf(b, "<class '%s'>", rt_exc_name(v.u.o->u.exctype.kind));
    return;
  case RT_CORO:
    asl_buf_printf(b, "<coroutine object %s>", v.u.o->u.coro.name);
    return;
  case RT_FUNC:
    asl_buf_printf(b, "<function %s>", v.u.o->u.func.code->name);
    return;
  case RT_FUTURE: {
    RtFuture *f = (RtFuture *)(void *)v.u.o;
    const char *st = f->state == RT_FUT_PENDING     ? "pending"
                     : f->state == RT_FUT_CANCELLED ? "cancelled"
                                                    : "finished";
    if (f->is_task)
      asl_buf_printf(b, "<Task %s name='%s'>", st, rt_task_name(rt, f));
    else
      asl_buf_printf(b, "<Future %s>", st);
    return;
  }
  case RT_MODULE:
    asl_buf_printf(b, "<module '%s'>",
                   v.u.o->u.module.which == 0 ? "asyncio" : "time");
    return;
  default: asl_buf_printf(b, "<%s object>", rt_type_name(v)); return;
  }
}

/* str(): the text itself for strings and exceptions, else repr(). */
void rt_strval(Rt *rt, AslBuf *b, RtVal v) {
  if (v.t == RT_STR) {
    asl_buf_put(b, v.u.o->u.str.s, v.u.o->u.str.len);
  } else if (v.t == RT_EXC) {
    const RtObj *o = v.u.o;
    asl_buf_put(b, o->u.exc.msg.s, o->u.exc.msg.len);
  } else {
    rt_repr(rt, b, v, 0);
  }
}

RtVal rt_buf_to_str(Rt *rt, AslBuf *b) {
  RtVal s = rt_str(rt, b->data ? b->data : "", b->len);
  asl_buf_free(b);
  return s;
}

/* ---- equality and arithmetic ------------------------------------------ */

static bool is_num(RtVal v) {
  return v.t == RT_INT || v.t == RT_FLOAT || v.t == RT_BOOL;
}
static double as_f(RtVal v) {
  return v.t == RT_FLOAT ? v.u.f : v.t == RT_INT ? (double)v.u.i : v.u.b;
}
static int64_t as_i(RtVal v) { return v.t == RT_INT ? v.u.i : v.u.b; }

/* `==`: numbers by value across int/float/bool, containers by items. */
bool rt_equal(RtVal a, RtVal b) {
  if (is_num(a) && is_num(b)) {
    if (a.t == RT_FLOAT || b.t == RT_FLOAT) return as_f(a) == as_f(b);
    return as_i(a) == as_i(b);
  }
  if (a.t != b.t) return false;
  switch (a.t) {
  case RT_NONE: return true;
  case RT_STR:
    return a.u.o->u.str.len == b.u.o->u.str.len &&
           memcmp(a.u.o->u.str.s, b.u.o->u.str.s, a.u.o->u.str.len) == 0;
  case RT_LIST:
  case RT_TUPLE: {
    const RtList *x = &a.u.o->u.list, *y = &b.u.o->u.list;
    if (x->len != y->len) return false;
    for (uint32_t i = 0; i < x->len; i++)
      if (!rt_equal(x->items[i], y->items[i])) return false;
    return true;
  }
  case RT_EXCTYPE: return a.u.o->u.exctype.kind == b.u.o->u.exctype.kind;
  case RT_SET: {
    // Same size and every item of one in the other: order does not count.
    const RtList *x = &a.u.o->u.list;
    if (x->len != b.u.o->u.list.len) return false;
    for (uint32_t i = 0; i < x->len; i++)
      if (rt_set_find(b.u.o, x->items[i]) == UINT32_MAX) return false;
    return true;
  }
  case RT_BOUND: {
    // obj.meth == obj.meth: the same receiver and the same method, so
    // remove_done_callback(s.discard) finds what add_done_callback got.
    RtVal x = a.u.o->u.bound.self, y = b.u.o->u.bound.self;
    return x.t == y.t && x.u.o == y.u.o &&
           strcmp(a.u.o->u.bound.name, b.u.o->u.bound.name) == 0;
  }
  default: return a.u.o == b.u.o;
  }
}

static bool seq_repeat(Rt *rt, RtVal s, int64_t n, RtVal *out) {
  if (n < 0) n = 0;
  if (s.t == RT_STR) {
    uint64_t total = (uint64_t)s.u.o->u.str.len * (uint64_t)n;
    if (total > RT_MAX_SEQ)
      return rt_raise(rt, RT_E_OverflowError,
                      "string too long for the runtime");
    AslBuf b = {0};
    for (int64_t i = 0; i < n; i++)
      asl_buf_put(&b, s.u.o->u.str.s, s.u.o->u.str.len);
    *out = rt_buf_to_str(rt, &b);
    return true;
  }
  const RtList *l = &s.u.o->u.list;
  uint64_t total = (uint64_t)l->len * (uint64_t)n;
  if (total > RT_MAX_SEQ)
    return rt_raise(rt, RT_E_OverflowError, "list too long for the runtime");
  RtVal r = rt_list_new(rt, (RtType)s.t, (uint32_t)total);
  for (uint64_t i = 0; i < total; i++)
    r.u.o->u.list.items[i] = l->items[i % l->len];
  *out = r;
  return true;
}

static const char *const op_sym[] = {"+", "-", "*", "/", "//", "%", "**"};

/* Arithmetic with Python's semantics: floor division and modulo round
 * toward negative infinity, `/` is true division, int overflow past 64
 * bits is an OverflowError (the runtime has no big integers), sequences
 * concatenate and repeat within RT_MAX_SEQ. */
bool rt_binary(Rt *rt, int op, RtVal a, RtVal b, RtVal *out) {
  if (is_num(a) && is_num(b)) {
    if (a.t != RT_FLOAT && b.t != RT_FLOAT && op != RT_DIV) {
      int64_t x = as_i(a), y = as_i(b), r = 0;
      bool ovf = false;
      switch (op) {
      case RT_ADD: ovf = __builtin_add_overflow(x, y, &r); break;
      case RT_SUB: ovf = __builtin_sub_overflow(x, y, &r); break;
      case RT_MUL: ovf = __builtin_mul_overflow(x, y, &r); break;
      case RT_FLOORDIV:
      case RT_MOD:
        if (y == 0)
          return rt_raise(rt, RT_E_ZeroDivisionError,
                          "integer division or modulo by zero");
        if (x == INT64_MIN && y == -1) {
          ovf = true;
          break;
        }
        {
          int64_t q = x / y, m = x % y;
          if (m != 0 && ((m < 0) != (y < 0))) {
            q--;
            m += y;
          }
          r = op == RT_FLOORDIV ? q : m;
        }
        break;
      case RT_POW:
        if (y < 0) {
          *out = rt_float(pow((double)x, (double)y));
          return true;
        }
        r = 1;
        for (int64_t k = 0; k < y && !ovf; k++)
          ovf = __builtin_mul_overflow(r, x, &r);
        break;
      }
      if (ovf)
        return rt_raise(rt, RT_E_OverflowError,
                        "integer result too large for the runtime (64-bit)");
      *out = rt_int(r);
      return true;
    }
    double x = as_f(a), y = as_f(b), r = 0;
    switch (op) {
    case RT_ADD: r = x + y; break;
    case RT_SUB: r = x - y; break;
    case RT_MUL: r = x * y; break;
    case RT_DIV:
      if (y == 0)
        return rt_raise(rt, RT_E_ZeroDivisionError,
                        a.t == RT_FLOAT || b.t == RT_FLOAT
                            ? "float division by zero"
                            : "division by zero");
      r = x / y;
      break;
    case RT_FLOORDIV:
      if (y == 0)
        return rt_raise(rt, RT_E_ZeroDivisionError,
                        "float floor division by zero");
      r = floor(x / y);
      break;
    case RT_MOD:
      if (y == 0) return rt_raise(rt, RT_E_ZeroDivisionError, "float modulo");
      r = fmod(x, y);
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      break;
    case RT_POW: r = pow(x, y); break;
    }
    *out = rt_float(r);
    return true;
  }
  if (op == RT_ADD && a.t == RT_STR && b.t == RT_STR) {
    const RtStr *x = &a.u.o->u.str, *y = &b.u.o->u.str;
    if ((uint64_t)x->len + y->len > RT_MAX_SEQ)
      return rt_raise(rt, RT_E_OverflowError,
                      "string too long for the runtime");
    AslBuf buf = {0};
    asl_buf_put(&buf, x->s, x->len);
    asl_buf_put(&buf, y->s, y->len);
    *out = rt_buf_to_str(rt, &buf);
    return true;
  }
  if (op == RT_ADD && (a.t == RT_LIST || a.t == RT_TUPLE) && a.t == b.t) {
    const RtList *x = &a.u.o->u.list, *y = &b.u.o->u.list;
    if ((uint64_t)x->len + y->len > RT_MAX_SEQ)
      return rt_raise(rt, RT_E_OverflowError, "list too long for the runtime");
    RtVal r = rt_list_new(rt, (RtType)a.t, x->len + y->len);
    if (x->len) memcpy(r.u.o->u.list.items, x->items, x->len * sizeof(RtVal));
    if (y->len)
      memcpy(r.u.o->u.list.items + x->len, y->items, y->len * sizeof(RtVal));
    *out = r;
    return true;
  }
  if (op == RT_MUL && (a.t == RT_STR || a.t == RT_LIST || a.t == RT_TUPLE) &&
      (b.t == RT_INT || b.t == RT_BOOL))
    return seq_repeat(rt, a, as_i(b), out);
  if (op == RT_MUL && (b.t == RT_STR || b.t == RT_LIST || b.t == RT_TUPLE) &&
      (a.t == RT_INT || a.t == RT_BOOL))
    return seq_repeat(rt, b, as_i(a), out);
  return rt_raise(rt, RT_E_TypeError,
                  "unsupported operand type(s) for %s: '%s' and '%s'",
                  op >= 0 && op <= RT_POW ? op_sym[op] : "?", rt_type_name(a),
                  rt_type_name(b));
}

static int str_cmp(const RtStr *x, const RtStr *y) {
  uint32_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->s, y->s, n);
  if (c) return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

/* Three-way order of a and b; false (TypeError) if they do not order. */
static bool order(Rt *rt, int op, RtVal a, RtVal b, int *c, int depth) {
  static const char *const syms[] = {"<", "<=", ">", ">="};
  if (is_num(a) && is_num(b)) {
    if (a.t == RT_FLOAT || b.t == RT_FLOAT) {
      double x = as_f(a), y = as_f(b);
      *c = x < y ? -1 : x > y ? 1 : x == y ? 0 : 2; // 2: NaN, all false
    } else {
      int64_t x = as_i(a), y = as_i(b);
      *c = x < y ? -1 : x > y;
    }
    return true;
  }
  if (a.t == RT_STR && b.t == RT_STR) {
    *c = str_cmp(&a.u.o->u.str, &b.u.o->u.str);
    return true;
  }
  if (a.t == b.t && (a.t == RT_LIST || a.t == RT_TUPLE) && depth < 50) {
    const RtList *x = &a.u.o->u.list, *y = &b.u.o->u.list;
    for (uint32_t i = 0; i < x->len && i < y->len; i++)
      if (!rt_equal(x->items[i], y->items[i]))
        return order(rt, op, x->items[i], y->items[i], c, depth + 1);
    *c = x->len < y->len ? -1 : x->len > y->len;
    return true;
  }
  return rt_raise(rt, RT_E_TypeError,
                  "'%s' not supported between instances of '%s' and '%s'",
                  syms[op], rt_type_name(a), rt_type_name(b));
}

/* Comparisons, `in`, `is`. Ordering between unrelated types is a
 * TypeError, as in Python 3. */
bool rt_compare(Rt *rt, int op, RtVal a, RtVal b, RtVal *out) {
  switch (op) {
  case RT_EQ: *out = rt_bool(rt_equal(a, b)); return true;
  case RT_NE: *out = rt_bool(!rt_equal(a, b)); return true;
  case RT_IS:
  case RT_ISNOT: {
    bool same =
        a.t == b.t && (a.t == RT_NONE || (a.t == RT_BOOL && a.u.b == b.u.b) ||
                       (a.t >= RT_STR && a.u.o == b.u.o) ||
                       (a.t == RT_INT && a.u.i == b.u.i));
    *out = rt_bool(op == RT_IS ? same : !same);
    return true;
  }
  case RT_IN:
  case RT_NOTIN: {
    bool found = false;
    if (b.t == RT_LIST || b.t == RT_TUPLE) {
      const RtList *l = &b.u.o->u.list;
      for (uint32_t i = 0; i < l->len && !found; i++)
        found = rt_equal(l->items[i], a);
    } else if (b.t == RT_DICT) {
      found = rt_dict_get(&b.u.o->u.dict, a, NULL);
    } else if (b.t == RT_SET) {
      if (!rt_hashable(rt, a)) return false;
      found = rt_set_find(b.u.o, a) != UINT32_MAX;
    } else if (b.t == RT_STR && a.t == RT_STR) {
      const RtStr *h = &b.u.o->u.str, *n = &a.u.o->u.str;
      if (n->len == 0) found = true;
      for (uint32_t i = 0; !found && n->len <= h->len && i <= h->len - n->len;
           i++)
        found = memcmp(h->s + i, n->s, n->len) == 0;
    } else if (b.t == RT_RANGE && (a.t == RT_INT || a.t == RT_BOOL)) {
      const RtObj *r = b.u.o;
      int64_t x = as_i(a);
      if (r->u.range.step > 0)
        found = x >= r->u.range.start && x < r->u.range.stop &&
                (x - r->u.range.start) % r->u.range.step == 0;
      else
        found = x <= r->u.range.start && x > r->u.range.stop &&
                (r->u.range.start - x) % -r->u.range.step == 0;
    } else {
      return rt_raise(rt, RT_E_TypeError,
                      "argument of type '%s' is not iterable", rt_type_name(b));
    }
    *out = rt_bool(op == RT_IN ? found : !found);
    return true;
  }
  default: {
    int c;
    if (!order(rt, op, a, b, &c, 0)) return false;
    bool r = c == 2        ? false
             : op == RT_LT ? c < 0
             : op == RT_LE ? c <= 0
             : op == RT_GT ? c > 0
                           : c >= 0;
    *out = rt_bool(r);
    return true;
  }
  }
}
