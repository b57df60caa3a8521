/*
 * match.c - is this call a direct blocking call? Functions are matched by
 * their import-resolved dotted name; methods by the type of the receiver
 * this file shows (`s = requests.Session()`, `with open(p) as f`, a
 * parameter annotated `pathlib.Path`, `urlopen(u).read()`), through a
 * bounded chase of single bindings.
 */
#include "blocking.h"

#include <string.h>

enum { MAX_TYPE_DEPTH = 8 };

static const char *type_of(const AslCtx *cx, uint32_t e, int depth);

/* The type an annotation names when the catalog knows it (`pathlib.Path`,
 * `sqlite3.Connection`, `httpx.Client`). */
static const char *annotation_type(const AslCtx *cx, uint32_t type_node) {
  const AslTree *t = cx->tree;
  uint32_t e = type_node == ASL_NONE ? ASL_NONE : asl_first_named(t, type_node);
  if (e == ASL_NONE) return NULL;
  const char *q = asl_qualname(cx, e);
  if (!q) return NULL;
  const char *r = asl_blocking_catalog_result(q);
  if (r) return r;
  return asl_blocking_catalog_is_type(q) ? q : NULL;
}

/* The type of what identifier `e` is bound to: a single assignment, a
 * `with X as e` target, or an annotated parameter. */
static const char *name_type(const AslCtx *cx, uint32_t e, int depth) {
  const AslTree *t = cx->tree;
  const AslBinding *b = asl_resolve_name(cx, e);
  if (!b || b->next_same != ASL_NONE) return NULL;
  if (b->kind == ASL_BIND_ASSIGN)
    return b->value == ASL_NONE ? NULL : type_of(cx, b->value, depth + 1);
  if (b->kind != ASL_BIND_OTHER) return NULL;
  uint32_t p = t->nodes[b->node].parent;
  if (p == ASL_NONE) return NULL;
  AslKind pk = t->nodes[p].kind;
  if (pk == ASL_K_as_pattern_target) {
    uint32_t ap = t->nodes[p].parent;
    if (ap == ASL_NONE || t->nodes[ap].kind != ASL_K_as_pattern) return NULL;
    uint32_t item = t->nodes[ap].parent;
    if (item == ASL_NONE || t->nodes[item].kind != ASL_K_with_item)
      return NULL;
    return type_of(cx, asl_first_named(t, ap), depth + 1);
  }
  if (pk == ASL_K_typed_parameter || pk == ASL_K_typed_default_parameter)
    return annotation_type(cx, asl_child_by_field(t, p, ASL_F_type));
  return NULL;
}

/* The catalog type of a receiver type string (callee.c: a dotted name,
 * then '|' steps): the steps the catalog answers are methods and
 * properties that give a catalog type (`|.with_suffix()`, `|.parent`) and
 * `with` (a catalog type's `__enter__` gives itself); alternatives
 * ("{A;B}") must all give the same type. NULL for anything else. */
static const char *catalog_type(const AslCtx *cx, const char *r) {
  const char *steps;
  const char *type = NULL;
  if (r[0] == '{') {
    const char *close = strchr(r, '}');
    if (!close) return NULL;
    for (const char *a = r + 1; a < close;) {
      const char *end = memchr(a, ';', (size_t)(close - a));
      if (!end) end = close;
      const char *one = catalog_type(
          cx, asl_arena_strndup(cx->arena, a, (size_t)(end - a)));
      if (!one || (type && strcmp(type, one) != 0)) return NULL;
      type = one;
      a = end + 1;
    }
    steps = close + 1;
  } else {
    const char *bar = strchr(r, '|');
    const char *base =
        bar ? asl_arena_strndup(cx->arena, r, (size_t)(bar - r)) : r;
    type = asl_blocking_catalog_result(base);
    if (!type && asl_blocking_catalog_is_type(base)) type = base;
    steps = bar ? bar : r + strlen(r);
  }
  while (type && *steps == '|') {
    const char *s = steps + 1;
    const char *end = strchr(s, '|');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    steps = s + n;
    if (n == 5 && memcmp(s, "enter", 5) == 0) continue;
    if (n < 2 || s[0] != '.') return NULL;
    size_t m = n - 1;
    if (m > 2 && s[n - 2] == '(' && s[n - 1] == ')') m -= 2;
    type = asl_blocking_catalog_result(
        asl_arena_printf(cx->arena, "%s.%.*s", type, (int)m, s + 1));
  }
  return type;
}

/* `a / b` of a catalog type (`Path(__file__).parent / "x.json"`):
 * its `__truediv__`, or the right operand's `__rtruediv__`. */
static const char *division_type(const AslCtx *cx, uint32_t e, int depth) {
  const AslTree *t = cx->tree;
  uint32_t op = asl_child_by_field(t, e, ASL_F_operator);
  if (op == ASL_NONE || !asl_node_text_eq(t, cx->src, op, "/")) return NULL;
  const char *l = type_of(cx, asl_child_by_field(t, e, ASL_F_left), depth + 1);
  if (l)
    return asl_blocking_catalog_result(
        asl_arena_printf(cx->arena, "%s.__truediv__", l));
  const char *r =
      type_of(cx, asl_child_by_field(t, e, ASL_F_right), depth + 1);
  return r ? asl_blocking_catalog_result(
                 asl_arena_printf(cx->arena, "%s.__rtruediv__", r))
           : NULL;
}

/* `obj.attr`: a property of a catalog type (`path.parent`), else what
 * the receiver types of callee.c show (`self.path`, set once in the
 * class to `Path(...)`). */
static const char *attribute_type(const AslCtx *cx, uint32_t e, int depth) {
  const AslTree *t = cx->tree;
  const char *rt =
      type_of(cx, asl_child_by_field(t, e, ASL_F_object), depth + 1);
  uint32_t attr = asl_child_by_field(t, e, ASL_F_attribute);
  if (rt && attr != ASL_NONE)
    return asl_blocking_catalog_result(asl_arena_printf(
        cx->arena, "%s.%s", rt, asl_node_text(cx->arena, t, cx->src, attr)));
  uint32_t stored = asl_self_attribute_value(cx, e);
  if (stored != ASL_NONE) {
    const char *type = type_of(cx, stored, depth + 1);
    if (type) return type;
  }
  const char *r = asl_receiver_type(cx, e);
  return r ? catalog_type(cx, r) : NULL;
}

/* The receiver type of expression `e`, or NULL. */
static const char *type_of(const AslCtx *cx, uint32_t e, int depth) {
  const AslTree *t = cx->tree;
  if (depth > MAX_TYPE_DEPTH) return NULL;
  e = asl_unparen(t, e);
  if (e == ASL_NONE) return NULL;
  switch (t->nodes[e].kind) {
  case ASL_K_identifier: {
    const char *type = name_type(cx, e, depth);
    if (type) return type;
    const char *r = asl_receiver_type(cx, e);
    return r ? catalog_type(cx, r) : NULL;
  }
  case ASL_K_binary_operator: return division_type(cx, e, depth);
  case ASL_K_attribute: return attribute_type(cx, e, depth);
  case ASL_K_call: break;
  default: return NULL;
  }
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, e, ASL_F_function));
  if (fn == ASL_NONE) return NULL;
  const char *q = asl_qualname(cx, fn);
  if (q) return asl_blocking_catalog_result(q);
  if (t->nodes[fn].kind != ASL_K_attribute) return NULL;
  // A method of a typed receiver: `conn.cursor()`, `p.with_suffix(x)`.
  const char *rt =
      type_of(cx, asl_child_by_field(t, fn, ASL_F_object), depth + 1);
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  if (!rt || attr == ASL_NONE) return NULL;
  const AslNode *an = &t->nodes[attr];
  const char *key = asl_arena_printf(cx->arena, "%s.%.*s", rt,
                                     (int)(an->end_byte - an->start_byte),
                                     cx->src->text + an->start_byte);
  return asl_blocking_catalog_result(key);
}

const char *asl_blocking_value_type(const AslCtx *cx, uint32_t e) {
  return type_of(cx, e, 0);
}

/* Is call `c`'s first argument the literal `False`/`0`/`0.0`/`None`? */
static bool first_arg_is(const AslCtx *cx, uint32_t c, const char *const *v) {
  const AslTree *t = cx->tree;
  uint32_t args = asl_child_by_field(t, c, ASL_F_arguments);
  uint32_t a = args == ASL_NONE ? ASL_NONE : asl_first_named(t, args);
  for (; a != ASL_NONE && v && *v; v++)
    if (asl_node_text_eq(t, cx->src, a, *v)) return true;
  return false;
}

/* A socket bound to `ident` that the code makes non-blocking anywhere
 * (`s.setblocking(False)`, `s.settimeout(0)`): its calls do not block. */
static bool socket_made_nonblocking(const AslCtx *cx, uint32_t ident) {
  static const char *const off[] = {"False", "0", NULL};
  static const char *const zero[] = {"0", "0.0", NULL};
  const AslTree *t = cx->tree;
  const AslNode *n = &t->nodes[ident];
  const AslBinding *b = asl_resolve_name(cx, ident);
  // A module-level socket may be made non-blocking in a part of the file
  // this tree left out.
  if (b && b->scope == 0 &&
      asl_spelled_outside(cx, cx->src->text + n->start_byte,
                          n->end_byte - n->start_byte))
    return true;
  uint32_t count;
  const uint32_t *occ = asl_names_occurrences(
      cx->names, cx->src->text + n->start_byte, n->end_byte - n->start_byte,
      &count);
  for (uint32_t k = 0; k < count; k++) {
    uint32_t attr = t->nodes[occ[k]].parent;
    if (attr == ASL_NONE || t->nodes[attr].kind != ASL_K_attribute ||
        t->nodes[occ[k]].field != ASL_F_object)
      continue;
    uint32_t call = t->nodes[attr].parent;
    if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call) continue;
    uint32_t m = asl_child_by_field(t, attr, ASL_F_attribute);
    bool nb = (m != ASL_NONE && asl_node_text_eq(t, cx->src, m,
                                                 "setblocking") &&
               first_arg_is(cx, call, off)) ||
              (m != ASL_NONE && asl_node_text_eq(t, cx->src, m,
                                                 "settimeout") &&
               first_arg_is(cx, call, zero));
    if (nb && asl_resolve_name(cx, occ[k]) == b) return true;
  }
  return false;
}

/* Does the file import urllib3 (flake8-async ASYNC211's gate)? Bindings
 * come in source order and imports sit at the top: looking at the first
 * few thousand bounds the work per call in a hostile file. */
static bool imports_urllib3(const AslCtx *cx) {
  for (uint32_t k = 0; k < 4096; k++) {
    const AslBinding *b = asl_names_at(cx->names, k);
    if (!b) return false;
    if (b->kind == ASL_BIND_IMPORT && b->target &&
        strncmp(b->target, "urllib3", 7) == 0 &&
        (b->target[7] == 0 || b->target[7] == '.'))
      return true;
  }
  return false;
}

/* ASYNC211: `x.request("GET", ...)` in a file that imports urllib3. */
static bool likely_urllib3_request(const AslCtx *cx, uint32_t call,
                                   uint32_t attr) {
  static const char *const methods[] = {
      "\"GET\"", "\"POST\"", "\"PUT\"", "\"PATCH\"", "\"DELETE\"",
      "\"HEAD\"", "\"OPTIONS\"", "\"TRACE\"", "\"CONNECT\"", "'GET'",
      "'POST'", "'PUT'", "'PATCH'", "'DELETE'", "'HEAD'", "'OPTIONS'",
      "'TRACE'", "'CONNECT'", NULL};
  const AslTree *t = cx->tree;
  if (!asl_node_text_eq(t, cx->src, attr, "request")) return false;
  if (!first_arg_is(cx, call, methods)) return false;
  return imports_urllib3(cx);
}

/* How a method's receiver is shown: the variable, or the type. */
static const char *method_display(const AslCtx *cx, uint32_t obj,
                                  const char *type, const char *method) {
  const AslTree *t = cx->tree;
  // A name or a short dotted one (`self.jobs`): as written.
  uint32_t e = asl_chain_head(t, obj);
  if (e != ASL_NONE && t->nodes[e].kind == ASL_K_identifier &&
      t->nodes[obj].end_byte - t->nodes[obj].start_byte <= 40)
    return asl_arena_printf(cx->arena, "%s.%s",
                            asl_node_text(cx->arena, t, cx->src, obj),
                            method);
  const char *dot = strrchr(type, '.');
  return asl_arena_printf(cx->arena, "%s(...).%s", dot ? dot + 1 : type,
                          method);
}

uint32_t asl_call_arg(const AslCtx *cx, uint32_t call, uint32_t pos,
                      const char *kw, bool *splat) {
  const AslTree *t = cx->tree;
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments);
  *splat = false;
  if (args == ASL_NONE || t->nodes[args].kind != ASL_K_argument_list)
    return ASL_NONE;
  uint32_t k = 0;
  for (uint32_t a = asl_first_named(t, args); a != ASL_NONE;
       a = asl_next_named(t, a)) {
    AslKind kind = t->nodes[a].kind;
    if (kind == ASL_K_comment) continue;
    if (kind == ASL_K_list_splat || kind == ASL_K_dictionary_splat) {
      *splat = true;
      continue;
    }
    if (kind == ASL_K_keyword_argument) {
      uint32_t name = asl_child_by_field(t, a, ASL_F_name);
      if (kw && name != ASL_NONE && asl_node_text_eq(t, cx->src, name, kw))
        return asl_child_by_field(t, a, ASL_F_value);
      continue;
    }
    if (k++ == pos) return a;
  }
  return ASL_NONE;
}

/* Is `e` the literal None? */
static bool is_none(const AslCtx *cx, uint32_t e) {
  e = asl_unparen(cx->tree, e);
  return e != ASL_NONE && cx->tree->nodes[e].kind == ASL_K_none;
}

/* Is `e` a file object in memory: `io.BytesIO(...)`/`io.StringIO(...)`,
 * or a name bound once to one? */
static bool in_memory_file(const AslCtx *cx, uint32_t e) {
  const AslTree *t = cx->tree;
  for (int depth = 0; depth < 4; depth++) {
    e = asl_unparen(t, e);
    if (e == ASL_NONE) return false;
    if (t->nodes[e].kind == ASL_K_identifier) {
      e = asl_single_assignment(cx, e);
      continue;
    }
    if (t->nodes[e].kind != ASL_K_call) return false;
    const char *q = asl_qualname(
        cx, asl_unparen(t, asl_child_by_field(t, e, ASL_F_function)));
    return q && (strcmp(q, "io.BytesIO") == 0 ||
                 strcmp(q, "io.StringIO") == 0);
  }
  return false;
}

/* The text of a plain string literal `e` (no interpolation), or NULL. */
static const char *literal_text(const AslCtx *cx, uint32_t e, uint32_t *len) {
  const AslTree *t = cx->tree;
  e = asl_unparen(t, e);
  if (e == ASL_NONE || t->nodes[e].kind != ASL_K_string) return NULL;
  uint32_t c = asl_child_by_kind(t, e, ASL_K_string_content);
  if (c == ASL_NONE) {
    *len = 0;
    return "";
  }
  *len = t->nodes[c].end_byte - t->nodes[c].start_byte;
  return cx->src->text + t->nodes[c].start_byte;
}

/* Does a string literal starting with `~` come first in `call`? */
static bool first_arg_tilde(const AslCtx *cx, uint32_t call) {
  bool splat;
  uint32_t len;
  const char *s = literal_text(cx, asl_call_arg(cx, call, 0, NULL, &splat), &len);
  return s && len > 0 && s[0] == '~';
}

/* Is the argument of `call` at `pos` or keyword `kw` one of literals v? */
static bool arg_is(const AslCtx *cx, uint32_t call, uint32_t pos,
                   const char *kw, const char *const *v) {
  bool splat;
  uint32_t a = asl_unparen(cx->tree, asl_call_arg(cx, call, pos, kw, &splat));
  for (; a != ASL_NONE && *v; v++)
    if (asl_node_text_eq(cx->tree, cx->src, a, *v)) return true;
  return false;
}

/* Does a thread wait wait: `q.get()`, not `q.get(False)`,
 * `q.get(block=False)`, `ev.wait(0)`, `lock.acquire(timeout=0)`? */
static bool thread_wait_waits(const AslCtx *cx, uint32_t call) {
  static const char *const off[] = {"False", "0", "0.0", NULL};
  static const char *const zero[] = {"0", "0.0", NULL};
  return !arg_is(cx, call, 0, NULL, off) &&
         !arg_is(cx, call, 99, "block", off) &&
         !arg_is(cx, call, 99, "blocking", off) &&
         !arg_is(cx, call, 99, "wait", off) &&
         !arg_is(cx, call, 99, "timeout", zero);
}

bool asl_blocking_args_block(const AslCtx *cx, uint32_t call,
                             AslArgTest when) {
  static const char *const zero[] = {"0", "0.0", "0.", NULL};
  bool splat;
  switch (when) {
  case ASL_ARG_ANY: return true;
  case ASL_ARG_TILDE: return first_arg_tilde(cx, call);
  case ASL_ARG_NONZERO: return !first_arg_is(cx, call, zero);
  case ASL_ARG_WAITS: return thread_wait_waits(cx, call);
  case ASL_ARG_SPAWN_WAIT: {
    uint32_t mode = asl_call_arg(cx, call, 0, "mode", &splat);
    const char *q = mode == ASL_NONE ? NULL : asl_qualname(cx, mode);
    return !q || (strcmp(q, "os.P_NOWAIT") != 0 &&
                  strcmp(q, "os.P_NOWAITO") != 0);
  }
  case ASL_ARG_FILE_NAME: {
    uint32_t obj = asl_call_arg(cx, call, 99, "fileobj", &splat);
    if (obj != ASL_NONE && !is_none(cx, obj)) return false;
    uint32_t name = asl_call_arg(cx, call, 0, "filename", &splat);
    if (name == ASL_NONE) return splat;
    return !is_none(cx, name) && !in_memory_file(cx, name);
  }
  }
  return true;
}

/* A function matched by dotted name `q`. */
static bool match_name(const AslCtx *cx, uint32_t call, const char *q,
                       AslBlockingHit *hit) {
  const char *user = asl_blocking_user_call(cx->opt, q);
  AslArgTest when = ASL_ARG_ANY;
  if (user) {
    hit->rule = ASL_RULE_ASL200;
    hit->suggestion = user;
  } else if (!asl_blocking_catalog_call(q, &hit->rule, &hit->suggestion,
                                        &when) ||
             !asl_blocking_args_block(cx, call, when)) {
    return false;
  }
  hit->display = q;
  return !asl_blocking_allowed(cx->opt, q);
}

/* Is `q.get()` (obj: q) under a test of the queue's size in the same
 * function (`while not q.empty(): q.get()`, `if q.qsize(): ...`)? A
 * queue used as a plain FIFO on one thread: that get() never waits. */
static bool guarded_by_size_check(const AslCtx *cx, uint32_t obj,
                                  uint32_t call) {
  const AslTree *t = cx->tree;
  const AslNode *on = &t->nodes[obj];
  uint32_t olen = on->end_byte - on->start_byte;
  if (olen > 200) return false;
  const char *otext = cx->src->text + on->start_byte;
  uint32_t n = call;
  for (int k = 0; k < 64 && n != ASL_NONE; k++, n = t->nodes[n].parent) {
    AslKind kind = t->nodes[n].kind;
    if (kind == ASL_K_function_definition) return false;
    if (kind != ASL_K_if_statement && kind != ASL_K_while_statement &&
        kind != ASL_K_elif_clause)
      continue;
    uint32_t c = asl_child_by_field(t, n, ASL_F_condition);
    if (c == ASL_NONE) continue;
    const char *ct = cx->src->text + t->nodes[c].start_byte;
    uint32_t clen = t->nodes[c].end_byte - t->nodes[c].start_byte;
    static const char *const checks[] = {".empty(", ".qsize(", ".full("};
    for (uint32_t i = 0; i + olen < clen; i++) {
      if (memcmp(ct + i, otext, olen) != 0) continue;
      for (int m = 0; m < 3; m++) {
        size_t ml = strlen(checks[m]);
        if (i + olen + ml <= clen && memcmp(ct + i + olen, checks[m], ml) == 0)
          return true;
      }
    }
  }
  return false;
}

/* Was file object `obj` (an identifier) opened in the same function as
 * `call` (`with open(p) as f:` or `f = open(p)`)? Then its open() is the
 * finding, and its reads and writes are not reported again. */
static bool opened_here(const AslCtx *cx, uint32_t obj, uint32_t call) {
  const AslTree *t = cx->tree;
  if (t->nodes[obj].kind != ASL_K_identifier) return false;
  const AslBinding *b = asl_resolve_name(cx, obj);
  if (!b || b->next_same != ASL_NONE || b->scope != t->nodes[call].scope)
    return false;
  if (b->kind == ASL_BIND_ASSIGN) return b->value != ASL_NONE;
  uint32_t p = t->nodes[b->node].parent;
  return p != ASL_NONE && t->nodes[p].kind == ASL_K_as_pattern_target;
}

bool asl_blocking_match(const AslCtx *cx, uint32_t call, AslBlockingHit *hit) {
  const AslTree *t = cx->tree;
  memset(hit, 0, sizeof *hit);
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE) return false;
  const char *q = asl_qualname(cx, fn);
  if (q) return match_name(cx, call, q, hit);
  if (t->nodes[fn].kind != ASL_K_attribute) return false;
  uint32_t obj = asl_unparen(t, asl_child_by_field(t, fn, ASL_F_object));
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  if (obj == ASL_NONE || attr == ASL_NONE) return false;
  const char *m = asl_node_text(cx->arena, t, cx->src, attr);
  const char *type = type_of(cx, obj, 0);
  AslArgTest when = ASL_ARG_ANY;
  if (type) {
    // `urlopen(u).read()`: the inner call is the finding already.
    AslBlockingHit inner;
    if (t->nodes[obj].kind == ASL_K_call && asl_blocking_match(cx, obj, &inner))
      return false;
    if (strcmp(type, "file") == 0 && opened_here(cx, obj, call)) return false;
    if (strcmp(type, "queue.Queue") == 0 && strcmp(m, "get") == 0 &&
        guarded_by_size_check(cx, obj, call))
      return false;
    // Path("~/x").expanduser() reads the password database at most.
    if (strcmp(type, "pathlib.Path") == 0 && strcmp(m, "expanduser") == 0 &&
        !(t->nodes[obj].kind == ASL_K_call && first_arg_tilde(cx, obj)))
      return false;
    const char *name = asl_arena_printf(cx->arena, "%s.%s", type, m);
    if (asl_blocking_allowed(cx->opt, name)) return false;
    const char *user = asl_blocking_user_call(cx->opt, name);
    if (user) {
      hit->rule = ASL_RULE_ASL200;
      hit->suggestion = user;
    } else if (!asl_blocking_catalog_method(type, m, &hit->rule,
                                            &hit->suggestion, &when) ||
               !asl_blocking_args_block(cx, call, when)) {
      return false;
    }
    if (strcmp(type, "socket.socket") == 0 &&
        t->nodes[obj].kind == ASL_K_identifier &&
        socket_made_nonblocking(cx, obj))
      return false;
    hit->type = type;
    hit->display = method_display(cx, obj, type, m);
    return true;
  }
  if (likely_urllib3_request(cx, call, attr)) {
    hit->rule = ASL_RULE_ASL202;
    hit->suggestion =
        "use an async HTTP client (`httpx.AsyncClient`, aiohttp)";
    hit->likely = true;
    hit->display = asl_node_text(cx->arena, t, cx->src, fn);
    return !asl_blocking_allowed(cx->opt, "urllib3.request");
  }
  return false;
}
