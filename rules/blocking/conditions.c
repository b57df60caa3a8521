/*
 * conditions.c - ASL210's path conditions, read off the syntax: the
 * parameters of a sync def, what a call passes (a value per argument),
 * the condition on the def's parameters under which a call inside it runs
 * (the `if`/`elif`/`else`, `while`, `x if c else y` and `a and b` around
 * it, and earlier `if c: return` / `assert c` in the blocks above it), and
 * the error paths that are never reported (except handlers, raise
 * arguments, deprecated blocks, debug-mode branches). Every walk is bounded; what it cannot
 * read is unknown, which keeps a finding.
 */
#include "blocking.h"

#include <string.h>

enum {
  MAX_ANCESTORS = 64, /* a call's enclosing statements looked at */
  MAX_VALUE_HOPS = 3, /* `x = y = literal` chains followed */
  MAX_PARSE_DEPTH = 8 /* nesting of not/and/or in one condition */
};

static uint32_t parent(const AslTree *t, uint32_t i) {
  return t->nodes[i].parent;
}

static AslKind kind(const AslTree *t, uint32_t i) {
  return (AslKind)t->nodes[i].kind;
}

/* ---- parameters ----------------------------------------------------------- */

/* The name node of one parameter node, and its kind. */
static uint32_t param_name(const AslTree *t, uint32_t p, AslParamKind *k) {
  *k = ASL_PARAM_PLAIN;
  switch (kind(t, p)) {
  case ASL_K_identifier: return p;
  case ASL_K_default_parameter:
  case ASL_K_typed_default_parameter:
    return asl_child_by_field(t, p, ASL_F_name);
  case ASL_K_typed_parameter: {
    uint32_t first = asl_first_named(t, p);
    if (first == ASL_NONE) return ASL_NONE;
    if (kind(t, first) == ASL_K_list_splat_pattern) *k = ASL_PARAM_STAR;
    if (kind(t, first) == ASL_K_dictionary_splat_pattern)
      *k = ASL_PARAM_KWSTAR;
    return kind(t, first) == ASL_K_identifier ? first
                                              : asl_first_named(t, first);
  }
  case ASL_K_list_splat_pattern:
    *k = ASL_PARAM_STAR;
    return asl_first_named(t, p);
  case ASL_K_dictionary_splat_pattern:
    *k = ASL_PARAM_KWSTAR;
    return asl_first_named(t, p);
  default: return ASL_NONE;
  }
}

uint32_t asl_cond_params(const AslCtx *cx, uint32_t fn, AslArena *a,
                         AslParam **out) {
  const AslTree *t = cx->tree;
  *out = NULL;
  uint32_t ps = asl_child_by_field(t, fn, ASL_F_parameters);
  if (ps == ASL_NONE) return 0;
  /* Collected on the stack and copied at their number: most functions
   * have a few parameters, and these are kept for every sync function. */
  AslParam params[ASL_COND_MAX_PARAMS];
  uint32_t n = 0;
  bool kwonly = false;
  for (uint32_t p = asl_first_named(t, ps); p != ASL_NONE && n <
       ASL_COND_MAX_PARAMS; p = asl_next_named(t, p)) {
    if (kind(t, p) == ASL_K_keyword_separator) {
      kwonly = true;
      continue;
    }
    if (kind(t, p) == ASL_K_positional_separator) {
      for (uint32_t k = 0; k < n; k++) params[k].kind = ASL_PARAM_POSONLY;
      continue;
    }
    AslParamKind pk;
    uint32_t name = param_name(t, p, &pk);
    if (name == ASL_NONE || kind(t, name) != ASL_K_identifier) continue;
    AslParam *q = &params[n++];
    memset(q, 0, sizeof *q);
    q->name = asl_node_text(a, t, cx->src, name);
    q->kind = pk == ASL_PARAM_PLAIN && kwonly ? ASL_PARAM_KWONLY : pk;
    if (pk == ASL_PARAM_STAR) kwonly = true;
    uint32_t dflt = asl_child_by_field(t, p, ASL_F_value);
    if (dflt != ASL_NONE) {
      q->has_default = true;
      q->dflt = asl_cond_value(cx, ASL_NONE, dflt, a);
    }
  }
  if (n == 0) return 0;
  *out = asl_arena_alloc_raw(a, sizeof *params * n);
  memcpy(*out, params, sizeof *params * n);
  return n;
}

/* The number of the parameter of `fn` that identifier `ident` reads, if
 * the parameter is never bound again in `fn`; else -1. */
static int param_of(const AslCtx *cx, uint32_t fn, uint32_t ident) {
  const AslTree *t = cx->tree;
  if (fn == ASL_NONE || kind(t, ident) != ASL_K_identifier) return -1;
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (!b || b->scope != fn || b->next_same != ASL_NONE ||
      b->kind != ASL_BIND_OTHER)
    return -1;
  uint32_t ps = asl_child_by_field(t, fn, ASL_F_parameters);
  if (ps == ASL_NONE || b->node <= ps || b->node >= t->nodes[ps].end)
    return -1;
  int n = 0;
  for (uint32_t p = asl_first_named(t, ps); p != ASL_NONE;
       p = asl_next_named(t, p)) {
    AslParamKind pk;
    uint32_t name = param_name(t, p, &pk);
    if (name == ASL_NONE || kind(t, name) != ASL_K_identifier) continue;
    if (name == b->node) return n < ASL_COND_MAX_PARAMS ? n : -1;
    n++;
  }
  return -1;
}

/* ---- values ------------------------------------------------------------- */

static AslValue value_of_kind(AslValueKind k, int8_t truthy,
                              const char *text) {
  AslValue v = {(uint8_t)k, 0, truthy, text};
  return v;
}

/* A string literal: its content when it has no interpolation. */
static AslValue string_value(const AslCtx *cx, uint32_t e, AslArena *a) {
  const AslTree *t = cx->tree;
  uint32_t start = asl_child_by_kind(t, e, ASL_K_string_start);
  bool bytes = false;
  if (start != ASL_NONE)
    for (uint32_t b = t->nodes[start].start_byte;
         b < t->nodes[start].end_byte; b++)
      bytes |= cx->src->text[b] == 'b' || cx->src->text[b] == 'B';
  AslValueKind k = bytes ? ASL_VAL_BYTES : ASL_VAL_STR;
  if (asl_child_by_kind(t, e, ASL_K_interpolation) != ASL_NONE)
    return value_of_kind(k, -1, NULL);
  uint32_t c = asl_child_by_kind(t, e, ASL_K_string_content);
  if (c == ASL_NONE) return value_of_kind(k, 0, "");
  // A content split by escapes keeps its raw text from the first part on.
  uint32_t end = asl_child_by_kind(t, e, ASL_K_string_end);
  uint32_t to = end != ASL_NONE ? t->nodes[end].start_byte
                                : t->nodes[c].end_byte;
  const char *text = asl_arena_strndup(a, cx->src->text +
                                              t->nodes[c].start_byte,
                                       to - t->nodes[c].start_byte);
  return value_of_kind(k, text[0] != 0, text);
}

/* What calling `fn_name` builds, for the constructors whose instances
 * the tests know; NULL otherwise. */
static AslValue constructed(const char *q, uint32_t nargs) {
  static const struct {
    const char *callee, *type;
  } known[] = {{"dict", "dict"}, {"list", "list"}, {"tuple", "tuple"},
               {"set", "set"}, {"frozenset", "frozenset"},
               {"bytearray", "bytearray"}, {"io.BytesIO", "io.BytesIO"},
               {"io.StringIO", "io.StringIO"},
               {"pathlib.Path", "pathlib.Path"},
               {"pathlib.PurePath", "pathlib.Path"},
               {"pathlib.PosixPath", "pathlib.Path"}};
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
    if (strcmp(q, known[k].callee) == 0) {
      bool path = strncmp(known[k].type, "pathlib.", 8) == 0 ||
                  strncmp(known[k].type, "io.", 3) == 0;
      return value_of_kind(ASL_VAL_OBJECT, path ? 1 : nargs ? -1 : 0,
                           known[k].type);
    }
  if (strcmp(q, "str") == 0) return value_of_kind(ASL_VAL_STR, -1, NULL);
  if (strcmp(q, "bytes") == 0) return value_of_kind(ASL_VAL_BYTES, -1, NULL);
  return value_of_kind(ASL_VAL_UNKNOWN, -1, NULL);
}

static uint32_t count_args(const AslTree *t, uint32_t call) {
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments), n = 0;
  if (args == ASL_NONE) return 0;
  for (uint32_t a = asl_first_named(t, args); a != ASL_NONE;
       a = asl_next_named(t, a))
    n += kind(t, a) != ASL_K_comment;
  return n;
}

/* A display (`[]`, `{"a": 1}`) or comprehension: its class and whether it
 * is empty. */
static AslValue display_value(const AslTree *t, uint32_t e) {
  static const struct {
    AslKind k;
    const char *type;
    bool comprehension;
  } displays[] = {{ASL_K_list, "list", false},
                  {ASL_K_tuple, "tuple", false},
                  {ASL_K_set, "set", false},
                  {ASL_K_dictionary, "dict", false},
                  {ASL_K_list_comprehension, "list", true},
                  {ASL_K_set_comprehension, "set", true},
                  {ASL_K_dictionary_comprehension, "dict", true}};
  for (size_t k = 0; k < sizeof displays / sizeof displays[0]; k++)
    if (kind(t, e) == displays[k].k) {
      int8_t truthy = displays[k].comprehension
                          ? -1
                          : asl_first_named(t, e) != ASL_NONE;
      return value_of_kind(ASL_VAL_OBJECT, truthy, displays[k].type);
    }
  return value_of_kind(ASL_VAL_UNKNOWN, -1, NULL);
}

AslValue asl_cond_value(const AslCtx *cx, uint32_t fn, uint32_t e,
                        AslArena *a) {
  const AslTree *t = cx->tree;
  for (int hop = 0; hop <= MAX_VALUE_HOPS; hop++) {
    e = asl_unparen(t, e);
    if (e == ASL_NONE) break;
    const AslNode *n = &t->nodes[e];
    switch (kind(t, e)) {
    case ASL_K_none: return value_of_kind(ASL_VAL_NONE, 0, NULL);
    case ASL_K_true: return value_of_kind(ASL_VAL_BOOL, 1, "True");
    case ASL_K_false: return value_of_kind(ASL_VAL_BOOL, 0, "False");
    case ASL_K_integer:
    case ASL_K_float: {
      const char *text = asl_node_text(a, t, cx->src, e);
      bool zero = strspn(text, "0._") == strlen(text);
      return value_of_kind(kind(t, e) == ASL_K_integer ? ASL_VAL_INT
                                                       : ASL_VAL_FLOAT,
                           zero ? 0 : 1, text);
    }
    case ASL_K_string: return string_value(cx, e, a);
    case ASL_K_concatenated_string:
      return value_of_kind(ASL_VAL_STR, -1, NULL);
    case ASL_K_call: {
      uint32_t f = asl_unparen(t, asl_child_by_field(t, e, ASL_F_function));
      const char *q = f == ASL_NONE ? NULL : asl_qualname(cx, f);
      if (q) {
        AslValue v = constructed(q, count_args(t, e));
        if (v.kind != ASL_VAL_UNKNOWN) return v;
      }
      // Maybe a class of the project: the index decides (ASL_VAL_CALL).
      const char *abs = f == ASL_NONE ? NULL : asl_absolute_name(cx, f);
      if (abs && strchr(abs, '.'))
        return value_of_kind(ASL_VAL_CALL, -1, asl_arena_strdup(a, abs));
      return value_of_kind(ASL_VAL_UNKNOWN, -1, NULL);
    }
    case ASL_K_identifier: {
      int p = param_of(cx, fn, e);
      if (p >= 0) {
        AslValue v = value_of_kind(ASL_VAL_PARAM, -1, NULL);
        v.param = (uint8_t)p;
        return v;
      }
      uint32_t value = asl_single_assignment(cx, e);
      if (value == ASL_NONE || value == e) break;
      // A container bound to a name may be filled before the call.
      AslValue shown = display_value(t, asl_unparen(t, value));
      if (shown.kind == ASL_VAL_OBJECT) {
        shown.truthy = -1;
        return shown;
      }
      // A local bound once to a value: follow it (not into a parameter
      // test of another function: the value is read here).
      e = value;
      fn = ASL_NONE;
      continue;
    }
    default: {
      AslValue v = display_value(t, e);
      (void)n;
      return v;
    }
    }
    break;
  }
  return value_of_kind(ASL_VAL_UNKNOWN, -1, NULL);
}

AslArgs asl_cond_args(const AslCtx *cx, uint32_t fn, uint32_t call,
                      AslArena *a) {
  const AslTree *t = cx->tree;
  AslArgs out;
  memset(&out, 0, sizeof out);
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments);
  if (args == ASL_NONE || kind(t, args) != ASL_K_argument_list) {
    out.star = out.kwstar = true; // a generator argument, or damage
    return out;
  }
  AslValue pos[ASL_COND_MAX_PARAMS], kw[ASL_COND_MAX_PARAMS];
  const char *names[ASL_COND_MAX_PARAMS];
  for (uint32_t x = asl_first_named(t, args); x != ASL_NONE;
       x = asl_next_named(t, x)) {
    switch (kind(t, x)) {
    case ASL_K_comment: break;
    case ASL_K_list_splat: out.star = true; break;
    case ASL_K_dictionary_splat: out.kwstar = true; break;
    case ASL_K_keyword_argument: {
      uint32_t name = asl_child_by_field(t, x, ASL_F_name);
      uint32_t value = asl_child_by_field(t, x, ASL_F_value);
      if (name == ASL_NONE || value == ASL_NONE ||
          out.nkw >= ASL_COND_MAX_PARAMS)
        break;
      names[out.nkw] = asl_node_text(a, t, cx->src, name);
      kw[out.nkw++] = asl_cond_value(cx, fn, value, a);
      break;
    }
    default:
      if (out.npos < ASL_COND_MAX_PARAMS)
        pos[out.npos++] = asl_cond_value(cx, fn, x, a);
      else
        out.star = true;
    }
  }
  AslValue *p = asl_arena_alloc(a, sizeof *p * (out.npos + 1u));
  memcpy(p, pos, sizeof *p * out.npos);
  AslValue *k = asl_arena_alloc(a, sizeof *k * (out.nkw + 1u));
  memcpy(k, kw, sizeof *k * out.nkw);
  const char **nm = asl_arena_alloc(a, sizeof *nm * (out.nkw + 1u));
  memcpy(nm, names, sizeof *nm * out.nkw);
  out.pos = p;
  out.kw = k;
  out.kwnames = nm;
  return out;
}

/* ---- conditions ------------------------------------------------------------ */

static AslCond parse_cond(const AslCtx *cx, uint32_t fn, uint32_t e,
                          AslArena *a, int depth);

/* The literals of `e` (one, or a tuple/list/set of them); false if any
 * element is not a literal. */
static bool literals(const AslCtx *cx, uint32_t e, AslArena *a, AslAtom *at) {
  const AslTree *t = cx->tree;
  e = asl_unparen(t, e);
  if (e == ASL_NONE) return false;
  AslValue *lits = asl_arena_alloc(a, sizeof *lits * ASL_COND_MAX_LITS);
  uint32_t n = 0;
  bool many = kind(t, e) == ASL_K_tuple || kind(t, e) == ASL_K_list ||
              kind(t, e) == ASL_K_set;
  for (uint32_t x = many ? asl_first_named(t, e) : e; x != ASL_NONE;
       x = many ? asl_next_named(t, x) : ASL_NONE) {
    if (kind(t, x) == ASL_K_comment) continue;
    AslValue v = asl_cond_value(cx, ASL_NONE, x, a);
    bool literal = v.kind == ASL_VAL_NONE || v.kind == ASL_VAL_BOOL ||
                   v.kind == ASL_VAL_INT || v.kind == ASL_VAL_FLOAT ||
                   ((v.kind == ASL_VAL_STR || v.kind == ASL_VAL_BYTES) &&
                    v.text);
    if (!literal || n >= ASL_COND_MAX_LITS) return false;
    lits[n++] = v;
  }
  at->lits = lits;
  at->nlits = (uint8_t)n;
  return n > 0;
}

/* A test atom on parameter `p` of `fn`. */
static AslCond atom(AslArena *a, AslTestKind test, int p, bool negated,
                    AslAtom *proto) {
  AslAtom at;
  memset(&at, 0, sizeof at);
  if (proto) at = *proto;
  at.test = (uint8_t)test;
  at.param = (uint8_t)p;
  at.negated = negated;
  return asl_cond_atom(a, &at);
}

/* `p is None`, `p is not None`, `p == lit`, `p != lit`, `p in (...)`,
 * `p not in (...)` (either side). */
static AslCond parse_comparison(const AslCtx *cx, uint32_t fn, uint32_t e,
                                AslArena *a) {
  const AslTree *t = cx->tree;
  uint32_t left = asl_first_named(t, e);
  uint32_t right = left == ASL_NONE ? ASL_NONE : asl_next_named(t, left);
  if (right == ASL_NONE || asl_next_named(t, right) != ASL_NONE)
    return ASL_COND_ALWAYS;
  // The operator's tokens lie between the two operands.
  char op[16] = "";
  size_t len = 0;
  for (uint32_t i = t->nodes[left].end; i < right && len < 12; i++)
    if (kind(t, i) == ASL_K_TOKEN && t->nodes[i].end == i + 1) {
      uint32_t n = t->nodes[i].end_byte - t->nodes[i].start_byte;
      if (n > 6 || len + n + 1 >= sizeof op) continue;
      if (len) op[len++] = ' ';
      memcpy(op + len, cx->src->text + t->nodes[i].start_byte, n);
      len += n;
      op[len] = 0;
    }
  int p = param_of(cx, fn, asl_unparen(t, left));
  uint32_t other = right;
  if (p < 0) {
    p = param_of(cx, fn, asl_unparen(t, right));
    other = left;
    if (p < 0 || strstr(op, "in")) return ASL_COND_ALWAYS;
  }
  bool neg = strstr(op, "not") != NULL || strcmp(op, "!=") == 0;
  AslAtom proto;
  memset(&proto, 0, sizeof proto);
  if (strncmp(op, "is", 2) == 0) {
    if (kind(t, asl_unparen(t, other)) == ASL_K_none)
      return atom(a, ASL_TEST_IS_NONE, p, neg, NULL);
    if (!literals(cx, other, a, &proto) || proto.nlits != 1 ||
        proto.lits[0].kind != ASL_VAL_BOOL)
      return ASL_COND_ALWAYS;
    return atom(a, ASL_TEST_EQ, p, neg, &proto);
  }
  bool eq = strcmp(op, "==") == 0 || strcmp(op, "!=") == 0;
  bool in = strcmp(op, "in") == 0 || strcmp(op, "not in") == 0;
  AslKind ok = kind(t, asl_unparen(t, other));
  bool collection = ok == ASL_K_tuple || ok == ASL_K_list || ok == ASL_K_set;
  // `p in "abc"` tests a substring, `p == (1, 2)` a tuple: not literals.
  if ((!eq && !in) || eq == collection || !literals(cx, other, a, &proto))
    return ASL_COND_ALWAYS;
  return atom(a, ASL_TEST_EQ, p, neg, &proto);
}

/* Appends the classes `e` names to `b`, '|'-separated: a class, a tuple
 * of them, or a union `A | B` (Python 3.10); "?" for one we cannot name. */
static void put_classes(const AslCtx *cx, uint32_t e, AslBuf *b,
                        uint32_t *count) {
  const AslTree *t = cx->tree;
  // A work list, not recursion: `A | B | C` nests to the left.
  uint32_t todo[16], n = 0;
  todo[n++] = e;
  while (n && *count < 8) {
    uint32_t x = asl_unparen(t, todo[--n]);
    if (x == ASL_NONE) continue;
    if (kind(t, x) == ASL_K_tuple ||
        (kind(t, x) == ASL_K_binary_operator &&
         asl_node_text_eq(t, cx->src,
                          asl_child_by_field(t, x, ASL_F_operator), "|"))) {
      // Members in reverse, so that they come out in order.
      uint32_t members[16], m = 0;
      for (uint32_t y = asl_first_named(t, x); y != ASL_NONE && m < 16;
           y = asl_next_named(t, y))
        if (kind(t, y) != ASL_K_comment) members[m++] = y;
      while (m && n < 16) todo[n++] = members[--m];
      continue;
    }
    const char *q = kind(t, x) == ASL_K_none ? "NoneType"
                                             : asl_absolute_name(cx, x);
    if ((*count)++) asl_buf_putc(b, '|');
    asl_buf_puts(b, q ? q : "?");
  }
  if (n) { // more than we keep: a class we did not name
    if ((*count)++) asl_buf_putc(b, '|');
    asl_buf_puts(b, "?");
  }
}

/* The classes of isinstance's second argument: "T" or "T1|T2". */
static const char *class_list(const AslCtx *cx, uint32_t e, AslArena *a) {
  AslBuf b = {0};
  uint32_t count = 0;
  put_classes(cx, e, &b, &count);
  const char *out = count ? asl_arena_strndup(a, b.data, b.len) : NULL;
  asl_buf_free(&b);
  return out;
}

/* `isinstance(p, T)`, `hasattr(p, "read")`, `p.endswith(x)`,
 * `p.startswith(x)`. */
static AslCond parse_call(const AslCtx *cx, uint32_t fn, uint32_t e,
                          AslArena *a) {
  const AslTree *t = cx->tree;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, e, ASL_F_function));
  uint32_t args = asl_child_by_field(t, e, ASL_F_arguments);
  if (f == ASL_NONE || args == ASL_NONE) return ASL_COND_ALWAYS;
  uint32_t a0 = asl_first_named(t, args);
  uint32_t a1 = a0 == ASL_NONE ? ASL_NONE : asl_next_named(t, a0);
  AslAtom proto;
  memset(&proto, 0, sizeof proto);
  if (kind(t, f) == ASL_K_identifier && a1 != ASL_NONE) {
    int p = param_of(cx, fn, asl_unparen(t, a0));
    if (p < 0) return ASL_COND_ALWAYS;
    if (asl_node_text_eq(t, cx->src, f, "isinstance")) {
      proto.text = class_list(cx, a1, a);
      return proto.text ? atom(a, ASL_TEST_ISINSTANCE, p, false, &proto)
                        : ASL_COND_ALWAYS;
    }
    if (asl_node_text_eq(t, cx->src, f, "hasattr")) {
      AslValue v = asl_cond_value(cx, ASL_NONE, a1, a);
      if (v.kind != ASL_VAL_STR || !v.text) return ASL_COND_ALWAYS;
      proto.text = v.text;
      return atom(a, ASL_TEST_HASATTR, p, false, &proto);
    }
    return ASL_COND_ALWAYS;
  }
  if (kind(t, f) != ASL_K_attribute || a0 == ASL_NONE || a1 != ASL_NONE)
    return ASL_COND_ALWAYS;
  uint32_t obj = asl_unparen(t, asl_child_by_field(t, f, ASL_F_object));
  uint32_t attr = asl_child_by_field(t, f, ASL_F_attribute);
  int p = obj == ASL_NONE ? -1 : param_of(cx, fn, obj);
  if (p < 0 || attr == ASL_NONE) return ASL_COND_ALWAYS;
  bool ends = asl_node_text_eq(t, cx->src, attr, "endswith");
  bool starts = asl_node_text_eq(t, cx->src, attr, "startswith");
  if ((!ends && !starts) || !literals(cx, a0, a, &proto))
    return ASL_COND_ALWAYS;
  return atom(a, ends ? ASL_TEST_ENDSWITH : ASL_TEST_STARTSWITH, p, false,
              &proto);
}

/* The condition expression `e` as a CNF over the parameters of `fn`;
 * inexact (and so never negated) where a part cannot be read. */
static AslCond parse_cond(const AslCtx *cx, uint32_t fn, uint32_t e,
                          AslArena *a, int depth) {
  const AslTree *t = cx->tree;
  e = asl_unparen(t, e);
  if (e == ASL_NONE || depth > MAX_PARSE_DEPTH) return ASL_COND_ALWAYS;
  switch (kind(t, e)) {
  case ASL_K_not_operator:
    return asl_cond_not(
        a, parse_cond(cx, fn, asl_child_by_field(t, e, ASL_F_argument), a,
                      depth + 1));
  case ASL_K_boolean_operator: {
    uint32_t op = asl_child_by_field(t, e, ASL_F_operator);
    AslCond l = parse_cond(cx, fn, asl_child_by_field(t, e, ASL_F_left), a,
                           depth + 1);
    AslCond r = parse_cond(cx, fn, asl_child_by_field(t, e, ASL_F_right), a,
                           depth + 1);
    bool and = op != ASL_NONE && asl_node_text_eq(t, cx->src, op, "and");
    return and ? asl_cond_and(a, l, r) : asl_cond_or(a, l, r);
  }
  case ASL_K_comparison_operator: return parse_comparison(cx, fn, e, a);
  case ASL_K_call: return parse_call(cx, fn, e, a);
  case ASL_K_identifier: {
    int p = param_of(cx, fn, e);
    return p < 0 ? ASL_COND_ALWAYS : atom(a, ASL_TEST_TRUTHY, p, false, NULL);
  }
  case ASL_K_true: return (AslCond){NULL, 0, 0, false, true};
  case ASL_K_false: return (AslCond){NULL, 0, 0, true, true};
  default: return ASL_COND_ALWAYS;
  }
}

/* Does block `b` end by leaving it (return, raise, continue, break)? */
static bool block_exits(const AslTree *t, uint32_t b) {
  uint32_t last = ASL_NONE;
  for (uint32_t s = asl_first_named(t, b); s != ASL_NONE;
       s = asl_next_named(t, s))
    if (kind(t, s) != ASL_K_comment) last = s;
  if (last == ASL_NONE) return false;
  AslKind k = kind(t, last);
  return k == ASL_K_return_statement || k == ASL_K_raise_statement ||
         k == ASL_K_continue_statement || k == ASL_K_break_statement;
}

/* What the statements of block `b` before `child` say of the parameters:
 * `if c: return` (no else) means not c, `assert c` means c. */
static AslCond early_exits(const AslCtx *cx, uint32_t fn, uint32_t b,
                           uint32_t child, AslArena *a) {
  const AslTree *t = cx->tree;
  AslCond c = {NULL, 0, 0, false, true};
  uint32_t seen = 0;
  for (uint32_t s = asl_first_named(t, b); s != ASL_NONE && s != child &&
       seen < 256; s = asl_next_named(t, s), seen++) {
    if (kind(t, s) == ASL_K_assert_statement) {
      c = asl_cond_and(a, c, parse_cond(cx, fn, asl_first_named(t, s), a, 0));
      continue;
    }
    if (kind(t, s) != ASL_K_if_statement ||
        asl_child_by_field(t, s, ASL_F_alternative) != ASL_NONE)
      continue;
    uint32_t body = asl_child_by_field(t, s, ASL_F_consequence);
    if (body == ASL_NONE || !block_exits(t, body)) continue;
    AslCond test =
        parse_cond(cx, fn, asl_child_by_field(t, s, ASL_F_condition), a, 0);
    c = asl_cond_and(a, c, asl_cond_not(a, test));
  }
  return c;
}

/* The conditions of the `if` and `elif`s before clause `clause` of
 * if_statement `s`, all false. */
static AslCond earlier_branches_false(const AslCtx *cx, uint32_t fn,
                                      uint32_t s, uint32_t clause,
                                      AslArena *a) {
  const AslTree *t = cx->tree;
  AslCond c = asl_cond_not(
      a, parse_cond(cx, fn, asl_child_by_field(t, s, ASL_F_condition), a, 0));
  for (uint32_t x = asl_first_named(t, s); x != ASL_NONE && x != clause;
       x = asl_next_named(t, x))
    if (kind(t, x) == ASL_K_elif_clause)
      c = asl_cond_and(
          a, c,
          asl_cond_not(a, parse_cond(cx, fn,
                                     asl_child_by_field(t, x, ASL_F_condition),
                                     a, 0)));
  return c;
}

/* What being at `child`, directly inside `p`, says. */
static AslCond step_guard(const AslCtx *cx, uint32_t fn, uint32_t p,
                          uint32_t child, AslArena *a) {
  const AslTree *t = cx->tree;
  AslField field = (AslField)t->nodes[child].field;
  switch (kind(t, p)) {
  case ASL_K_if_statement:
  case ASL_K_while_statement:
    if (field != ASL_F_consequence && field != ASL_F_body) break;
    return parse_cond(cx, fn, asl_child_by_field(t, p, ASL_F_condition), a, 0);
  case ASL_K_elif_clause:
    if (field != ASL_F_consequence || kind(t, parent(t, p)) !=
                                          ASL_K_if_statement)
      break;
    return asl_cond_and(
        a, earlier_branches_false(cx, fn, parent(t, p), p, a),
        parse_cond(cx, fn, asl_child_by_field(t, p, ASL_F_condition), a, 0));
  case ASL_K_else_clause:
    if (kind(t, parent(t, p)) != ASL_K_if_statement) break;
    return earlier_branches_false(cx, fn, parent(t, p), p, a);
  case ASL_K_conditional_expression: {
    // `x if c else y`: children x, c, y.
    uint32_t x = asl_first_named(t, p);
    uint32_t c = x == ASL_NONE ? ASL_NONE : asl_next_named(t, x);
    uint32_t y = c == ASL_NONE ? ASL_NONE : asl_next_named(t, c);
    if (c == ASL_NONE) break;
    AslCond test = parse_cond(cx, fn, c, a, 0);
    if (child == x) return test;
    if (child == y) return asl_cond_not(a, test);
    break;
  }
  case ASL_K_boolean_operator: {
    if (field != ASL_F_right) break;
    uint32_t op = asl_child_by_field(t, p, ASL_F_operator);
    AslCond l = parse_cond(cx, fn, asl_child_by_field(t, p, ASL_F_left), a, 0);
    bool and = op != ASL_NONE && asl_node_text_eq(t, cx->src, op, "and");
    return and ? l : asl_cond_not(a, l);
  }
  case ASL_K_block: return early_exits(cx, fn, p, child, a);
  default: break;
  }
  return (AslCond){NULL, 0, 0, false, true};
}

AslCond asl_cond_guard(const AslCtx *cx, uint32_t fn, uint32_t node,
                       AslArena *a) {
  const AslTree *t = cx->tree;
  AslCond c = {NULL, 0, 0, false, true};
  uint32_t child = node;
  for (int steps = 0; steps < MAX_ANCESTORS; steps++) {
    uint32_t p = parent(t, child);
    if (p == ASL_NONE || p == fn) break;
    c = asl_cond_and(a, c, step_guard(cx, fn, p, child, a));
    if (c.never) break;
    child = p;
  }
  return c;
}

/* ---- error paths ------------------------------------------------------------ */

/* Is `call` `warnings.warn(..., DeprecationWarning)` (or Pending...), by
 * position or `category=`? */
static bool warns_deprecation(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  const char *q = f == ASL_NONE ? NULL : asl_qualname(cx, f);
  if (!q || (strcmp(q, "warnings.warn") != 0 &&
             strcmp(q, "warnings.warn_explicit") != 0))
    return false;
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments);
  if (args == ASL_NONE) return false;
  for (uint32_t x = asl_first_named(t, args); x != ASL_NONE;
       x = asl_next_named(t, x)) {
    uint32_t v = kind(t, x) == ASL_K_keyword_argument
                     ? asl_child_by_field(t, x, ASL_F_value)
                     : x;
    const char *c = v == ASL_NONE ? NULL : asl_qualname(cx, v);
    if (c && (strcmp(c, "DeprecationWarning") == 0 ||
              strcmp(c, "PendingDeprecationWarning") == 0))
      return true;
  }
  return false;
}

/* Does block `b` (directly) warn of a deprecation? */
static bool block_deprecated_uncached(const AslCtx *cx, uint32_t b) {
  const AslTree *t = cx->tree;
  uint32_t seen = 0;
  for (uint32_t s = asl_first_named(t, b); s != ASL_NONE && seen < 256;
       s = asl_next_named(t, s), seen++) {
    if (kind(t, s) != ASL_K_expression_statement) continue;
    uint32_t e = asl_first_named(t, s);
    if (e != ASL_NONE && kind(t, e) == ASL_K_call && warns_deprecation(cx, e))
      return true;
  }
  return false;
}

/* block_deprecated_uncached, remembered per block (node mark bits: 1
 * asked, 2 it does): it is asked for each block around each call the pass
 * records, and a long function's body was read again for each call. */
static bool block_deprecated(const AslCtx *cx, uint32_t b) {
  uint8_t *marks = asl_memo_node_marks(cx->memo, cx->tree->count);
  if (!marks) return block_deprecated_uncached(cx, b);
  if (!(marks[b] & 1))
    marks[b] |= block_deprecated_uncached(cx, b) ? 3 : 1;
  return (marks[b] & 2) != 0;
}

/* Is `fn` decorated with a `deprecated` decorator (PEP 702's
 * warnings.deprecated, typing_extensions, the deprecated package)? */
static bool decorated_deprecated(const AslCtx *cx, uint32_t fn) {
  if (!asl_is_decorated(cx->tree, fn)) return false; // (describing costs)
  AslDef d;
  asl_describe_def(cx, fn, &d);
  for (uint32_t k = 0; k < d.ndecorators; k++) {
    const char *dot = strrchr(d.decorators[k], '.');
    const char *last = dot ? dot + 1 : d.decorators[k];
    if (strcmp(last, "deprecated") == 0) return true;
  }
  return false;
}

/* Does condition `e` test for debug mode (`loop.get_debug()`,
 * `self._debug`, `settings.DEBUG`, `__debug__`, `logger.isEnabledFor(
 * logging.DEBUG)`): a name or attribute spelling "debug" in any case? */
static bool tests_debug_mode(const AslCtx *cx, uint32_t e) {
  const AslTree *t = cx->tree;
  if (e == ASL_NONE) return false;
  for (uint32_t i = e; i < t->nodes[e].end; i++) {
    if (kind(t, i) != ASL_K_identifier) continue;
    const AslNode *n = &t->nodes[i];
    const char *s = cx->src->text + n->start_byte;
    for (uint32_t k = 0; k + 5 <= n->end_byte - n->start_byte; k++)
      if ((s[k] | 32) == 'd' && (s[k + 1] | 32) == 'e' &&
          (s[k + 2] | 32) == 'b' && (s[k + 3] | 32) == 'u' &&
          (s[k + 4] | 32) == 'g')
        return true;
  }
  return false;
}

bool asl_cond_error_path(const AslCtx *cx, uint32_t fn, uint32_t node) {
  const AslTree *t = cx->tree;
  uint32_t child = node;
  for (int steps = 0; steps < MAX_ANCESTORS; steps++) {
    uint32_t p = parent(t, child);
    if (p == ASL_NONE) return false;
    AslKind k = kind(t, p);
    if (k == ASL_K_except_clause || k == ASL_K_raise_statement) return true;
    // The body of `if loop.get_debug():` runs in debug mode only.
    if (k == ASL_K_if_statement &&
        t->nodes[child].field == ASL_F_consequence &&
        tests_debug_mode(cx, asl_child_by_field(t, p, ASL_F_condition)))
      return true;
    if (k == ASL_K_block && block_deprecated(cx, p)) return true;
    if (p == fn) return fn != ASL_NONE && decorated_deprecated(cx, fn);
    child = p;
  }
  return false;
}
