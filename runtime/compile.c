/*
 * compile.c - compiles the flattened syntax tree of a module into stack
 * bytecode (one RtCode per def), so that frames can suspend at `await` and
 * resume later without the C stack. Anything outside the subset stops the
 * run with `not supported by the runtime: <construct>` at its position.
 * The compiler recurses on syntax nesting, bounded by RT_MAX_NEST.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a `return`/`break`/`continue` must undo on its way out. */
enum { UW_EXCEPT, UW_FINALLY, UW_WITH, UW_HANDLER, UW_LOOP };

typedef struct Unwind {
  int kind;
  uint32_t node;           /* FINALLY: the finally block; LOOP: the loop */
  uint32_t slot;           /* WITH: the hidden local holding the manager */
  bool is_for;             /* LOOP: the iterator sits on the stack */
  uint32_t start;          /* LOOP: pc of `continue` */
  AslVec(uint32_t) breaks; /* LOOP: jumps to patch to the loop's end */
} Unwind;

/* A comprehension variable: a fresh hidden slot of the enclosing frame
 * (CPython 3.12 inlines comprehensions the same way), visible only inside
 * the comprehension that binds it, so nothing leaks out. */
typedef struct CompVar {
  const char *p;
  uint32_t len;
  uint32_t slot;
  uint32_t level; /* nesting of the comprehension that binds it (1-based) */
} CompVar;

typedef struct Comp {
  Rt *rt;
  const AslTree *t;
  const AslSource *s;
  RtCode *code;
  bool module; /* compiling the top level: names are globals */
  Unwind uw[RT_MAX_NEST];
  uint32_t nuw;
  uint32_t depth;
  uint32_t nhidden;
  AslVec(CompVar) cvars; /* variables of the comprehensions being compiled */
  uint32_t clevel;       /* comprehensions around the code being compiled */
  uint32_t in_genexp;    /* generator expressions around it (no await) */
  AslVec(uint8_t) cslot; /* per local: a comprehension's hidden slot */
  uint32_t splat_through; /* a list_splat compiled as its operand */
} Comp;

/* Stops the run with `not supported by the runtime: <what>` at `node`;
 * returns false so callers can `return unsupported(...)`. */
static bool unsupported(Comp *c, uint32_t node, const char *what) {
  rt_fatal(c->rt, ASL_RT_UNSUPPORTED, node, "not supported by the runtime: %s",
           what);
  return false;
}

/* The same, naming the node's kind (`class definition`) or, for tokens
 * and unnamed kinds, its text. */
static bool unsupported_kind(Comp *c, uint32_t node) {
  const AslNode *n = &c->t->nodes[node];
  char buf[64];
  const char *k = n->kind == ASL_K_TOKEN ? "token" : asl_kind_name(n->kind);
  size_t i = 0;
  for (; k[i] && i + 1 < sizeof buf; i++) buf[i] = k[i] == '_' ? ' ' : k[i];
  buf[i] = 0;
  if (n->kind == ASL_K_OTHER || n->kind == ASL_K_TOKEN) {
    uint32_t len = n->end_byte - n->start_byte;
    snprintf(buf, sizeof buf, "'%.*s'", (int)(len > 40 ? 40 : len),
             c->s->text + n->start_byte);
  }
  return unsupported(c, node, buf);
}

/* Appends one instruction; returns its index (for patching jumps). Code
 * arrays live in the run's arena and grow by doubling. */
static uint32_t emit(Comp *c, int op, uint32_t arg, uint32_t node) {
  RtCode *k = c->code;
  if (k->ncode == k->capcode) {
    k->capcode = k->capcode ? k->capcode * 2 : 64;
    RtInsn *n = rt_alloc(c->rt, k->capcode * sizeof *n);
    if (k->ncode) memcpy(n, k->code, k->ncode * sizeof *n);
    k->code = n;
  }
  k->code[k->ncode] = (RtInsn){.op = (uint8_t)op, .arg = arg, .node = node};
  return k->ncode++;
}

/* Appends a constant to the code's pool; returns its index. */
static uint32_t add_const(Comp *c, RtVal v) {
  RtCode *k = c->code;
  if (k->nconsts == k->capconsts) {
    k->capconsts = k->capconsts ? k->capconsts * 2 : 16;
    RtVal *n = rt_alloc(c->rt, k->capconsts * sizeof *n);
    if (k->nconsts) memcpy(n, k->consts, k->nconsts * sizeof *n);
    k->consts = n;
  }
  k->consts[k->nconsts] = v;
  return k->nconsts++;
}

/* Points the jump at `at` to the next instruction to be emitted. */
static void patch(Comp *c, uint32_t at) {
  c->code->code[at].arg = c->code->ncode;
}

static const char *text(Comp *c, uint32_t node, uint32_t *len) {
  const AslNode *n = &c->t->nodes[node];
  *len = n->end_byte - n->start_byte;
  return c->s->text + n->start_byte;
}

static bool tok_is(Comp *c, uint32_t node, const char *z) {
  uint32_t len;
  const char *p = text(c, node, &len);
  return len == strlen(z) && memcmp(p, z, len) == 0;
}

/* Index of local `name` in the code, or UINT32_MAX. */
static uint32_t local_slot(Comp *c, const char *p, uint32_t len) {
  for (uint32_t i = 0; i < c->code->nlocals; i++)
    if ((i >= c->cslot.len || !c->cslot.items[i]) &&
        strlen(c->code->local_names[i]) == len &&
        memcmp(c->code->local_names[i], p, len) == 0)
      return i;
  return UINT32_MAX;
}

/* Appends a local slot named `p` (no lookup). */
static uint32_t new_slot(Comp *c, const char *p, uint32_t len) {
  RtCode *k = c->code;
  const char **n = rt_alloc(c->rt, (k->nlocals + 1) * sizeof *n);
  if (k->nlocals) memcpy(n, k->local_names, k->nlocals * sizeof *n);
  n[k->nlocals] = asl_arena_strndup(&c->rt->arena, p, len);
  k->local_names = n;
  return k->nlocals++;
}

static uint32_t add_local(Comp *c, const char *p, uint32_t len) {
  uint32_t s = local_slot(c, p, len);
  return s != UINT32_MAX ? s : new_slot(c, p, len);
}

/* A hidden slot for comprehension variable `p` at the current level: it
 * keeps the name (for UnboundLocalError) but local_slot never finds it. */
static uint32_t add_comp_var(Comp *c, const char *p, uint32_t len) {
  uint32_t s = new_slot(c, p, len);
  while (c->cslot.len <= s) asl_avec_push(&c->rt->arena, &c->cslot, 0);
  c->cslot.items[s] = 1;
  CompVar v = {p, len, s, c->clevel};
  asl_avec_push(&c->rt->arena, &c->cvars, v);
  return s;
}

/* The innermost comprehension variable `p` in scope, or NULL. */
static const CompVar *comp_var(Comp *c, const char *p, uint32_t len) {
  for (uint32_t i = c->cvars.len; i-- > 0;) {
    const CompVar *v = &c->cvars.items[i];
    if (v->len == len && memcmp(v->p, p, len) == 0) return v;
  }
  return NULL;
}

static uint32_t name_const(Comp *c, uint32_t node) {
  uint32_t len;
  const char *p = text(c, node, &len);
  return add_const(c, rt_str(c->rt, p, len));
}

/* Is `name` bound at module level (def, assignment, import, for, ...)? */
static bool module_binds(Comp *c, const char *p, uint32_t len) {
  const AslTree *t = c->t;
  for (uint32_t i = 1; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_identifier) continue;
    bool def_name = n->field == ASL_F_name && n->parent != ASL_NONE &&
                    t->nodes[n->parent].kind == ASL_K_function_definition;
    if ((def_name ? t->nodes[n->parent].scope : n->scope) != 0) continue;
    if (def_name && n->end_byte - n->start_byte == len &&
        memcmp(c->s->text + n->start_byte, p, len) == 0)
      return true;
    if (n->end_byte - n->start_byte != len ||
        memcmp(c->s->text + n->start_byte, p, len) != 0)
      continue;
    if (asl_is_store(t, i)) return true;
    for (uint32_t q = n->parent, k = 0; q != ASL_NONE && k < 4;
         q = t->nodes[q].parent, k++)
      if (t->nodes[q].kind == ASL_K_import_statement ||
          t->nodes[q].kind == ASL_K_import_from_statement)
        return true;
  }
  return false;
}

static bool expr(Comp *c, uint32_t node);
static bool store_target(Comp *c, uint32_t node);
/* A block's statements in order (or a lone statement). */
static bool block(Comp *c, uint32_t node);

/* A name load: a local slot if the function binds it, else a global
 * looked up at run time (module, then builtins). A name that nothing
 * binds and that is no supported builtin (open, exec, eval, __import__)
 * is rejected here, before the program runs. */
static bool load_name(Comp *c, uint32_t node) {
  uint32_t len;
  const char *p = text(c, node, &len);
  // Inside a comprehension, the enclosing function's locals (and an outer
  // comprehension's variables) are free variables: NameError if unbound.
  const CompVar *cv = comp_var(c, p, len);
  if (cv) {
    uint32_t at = emit(c, OP_LOAD_LOCAL, cv->slot, node);
    c->code->code[at].arg2 = cv->level < c->clevel;
    return true;
  }
  if (!c->module) {
    uint32_t s = local_slot(c, p, len);
    if (s != UINT32_MAX) {
      uint32_t at = emit(c, OP_LOAD_LOCAL, s, node);
      c->code->code[at].arg2 = c->clevel > 0;
      return true;
    }
  }
  if (!module_binds(c, p, len) && !rt_is_builtin_name(p, len)) {
    char buf[80];
    snprintf(buf, sizeof buf, "name '%.*s'", (int)(len > 60 ? 60 : len), p);
    return unsupported(c, node, buf);
  }
  emit(c, OP_LOAD_GLOBAL, name_const(c, node), node);
  return true;
}

static void store_name(Comp *c, uint32_t node) {
  uint32_t len;
  const char *p = text(c, node, &len);
  const CompVar *cv = c->clevel ? comp_var(c, p, len) : NULL;
  if (cv)
    emit(c, OP_STORE_LOCAL, cv->slot, node);
  else if (c->module)
    emit(c, OP_STORE_GLOBAL, name_const(c, node), node);
  else
    emit(c, OP_STORE_LOCAL, add_local(c, p, len), node);
}

/* ---- literals ---------------------------------------------------------- */

/* Literals: 64-bit ints (hex, octal, binary, underscores) and floats;
 * anything larger or complex is outside the subset. */
static bool integer_lit(Comp *c, uint32_t node, RtVal *out) {
  uint32_t len;
  const char *p = text(c, node, &len);
  char buf[80];
  uint32_t n = 0;
  for (uint32_t i = 0; i < len && n + 1 < sizeof buf; i++)
    if (p[i] != '_') buf[n++] = p[i];
  buf[n] = 0;
  int base = 10;
  const char *d = buf;
  if (n > 1 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
    base = 16, d += 2;
  else if (n > 1 && buf[0] == '0' && (buf[1] == 'o' || buf[1] == 'O'))
    base = 8, d += 2;
  else if (n > 1 && buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B'))
    base = 2, d += 2;
  errno = 0;
  char *end;
  long long v = strtoll(d, &end, base);
  if (errno || *end || end == d) return unsupported(c, node, "integer literal");
  *out = rt_int(v);
  return true;
}

static bool float_lit(Comp *c, uint32_t node, RtVal *out) {
  uint32_t len;
  const char *p = text(c, node, &len);
  char buf[80];
  uint32_t n = 0;
  for (uint32_t i = 0; i < len && n + 1 < sizeof buf; i++)
    if (p[i] != '_') buf[n++] = p[i];
  buf[n] = 0;
  char *end;
  double v = strtod(buf, &end);
  if (*end) return unsupported(c, node, "complex literal");
  *out = rt_float(v);
  return true;
}

/* Appends string_content text with escapes decoded (and `{{`, `}}` of
 * f-strings halved). */
static bool decode_content(Comp *c, uint32_t node, bool raw, bool fstr,
                           AslBuf *b) {
  uint32_t len;
  const char *p = text(c, node, &len);
  for (uint32_t i = 0; i < len; i++) {
    char ch = p[i];
    if (fstr && (ch == '{' || ch == '}') && i + 1 < len && p[i + 1] == ch) {
      asl_buf_putc(b, ch);
      i++;
      continue;
    }
    if (raw || ch != '\\' || i + 1 >= len) {
      asl_buf_putc(b, ch);
      continue;
    }
    char e = p[++i];
    switch (e) {
    case 'n': asl_buf_putc(b, '\n'); break;
    case 't': asl_buf_putc(b, '\t'); break;
    case 'r': asl_buf_putc(b, '\r'); break;
    case '0': asl_buf_putc(b, '\0'); break;
    case '\\':
    case '\'':
    case '"': asl_buf_putc(b, e); break;
    case '\n': break;
    case 'x':
      if (i + 2 < len) {
        char hx[3] = {p[i + 1], p[i + 2], 0};
        unsigned long v = strtoul(hx, NULL, 16);
        if (v < 0x80) {
          asl_buf_putc(b, (char)v);
          i += 2;
          break;
        }
      }
      return unsupported(c, node, "escape sequence");
    default:
      if (e == 'u' || e == 'U' || e == 'N' || (e >= '1' && e <= '7'))
        return unsupported(c, node, "escape sequence");
      asl_buf_putc(b, '\\');
      asl_buf_putc(b, e);
    }
  }
  return true;
}

/* One `string` node: a constant, or for f-strings the pieces joined with
 * OP_BUILD_STR. *pieces counts what was pushed. */
static bool string_node(Comp *c, uint32_t node, uint32_t *pieces) {
  const AslTree *t = c->t;
  uint32_t st = asl_first_child(t, node);
  uint32_t len;
  const char *p = text(c, st, &len);
  bool raw = false, fstr = false;
  for (uint32_t i = 0; i < len && p[i] != '\'' && p[i] != '"'; i++) {
    char ch = p[i] | 0x20;
    if (ch == 'r')
      raw = true;
    else if (ch == 'f')
      fstr = true;
    else
      return unsupported(c, node, "bytes literal");
  }
  AslBuf b = {0};
  for (uint32_t k = asl_first_child(t, node); k != ASL_NONE;
       k = t->nodes[k].next) {
    AslKind kind = t->nodes[k].kind;
    if (kind == ASL_K_string_content) {
      if (!decode_content(c, k, raw, fstr, &b)) {
        asl_buf_free(&b);
        return false;
      }
    } else if (kind == ASL_K_interpolation) {
      if (b.len) {
        emit(c, OP_CONST, add_const(c, rt_buf_to_str(c->rt, &b)), k);
        ++*pieces;
      }
      asl_buf_free(&b);
      uint32_t e = asl_child_by_field(t, k, ASL_F_expression);
      uint32_t conv = asl_child_by_field(t, k, ASL_F_type_conversion);
      uint32_t spec = asl_child_by_field(t, k, ASL_F_format_specifier);
      if (e == ASL_NONE) return unsupported(c, k, "f-string expression");
      if (!expr(c, e)) return false;
      uint32_t mode = 0; // 0 str, 1 repr, 2 spec
      uint32_t sc = 0;
      if (conv != ASL_NONE) {
        if (tok_is(c, conv, "!r"))
          mode = 1;
        else if (!tok_is(c, conv, "!s"))
          return unsupported(c, conv, "f-string conversion");
      }
      if (spec != ASL_NONE) {
        if (conv != ASL_NONE) return unsupported(c, spec, "f-string format");
        uint32_t sl;
        const char *sp = text(c, spec, &sl);
        // `:.2f`, `:d`, `:>5`... only precision and type of numbers.
        if (sl < 2 || sp[0] != ':')
          return unsupported(c, spec, "f-string format");
        for (uint32_t i = 1; i < sl; i++)
          if (!strchr("0123456789.fdg", sp[i]))
            return unsupported(c, spec, "f-string format");
        mode = 2;
        sc = add_const(c, rt_str(c->rt, sp + 1, sl - 1));
      }
      uint32_t at = emit(c, OP_FORMAT, mode, e);
      c->code->code[at].arg2 = sc;
      ++*pieces;
    } else if (kind == ASL_K_escape_sequence || kind == ASL_K_string_start ||
               kind == ASL_K_string_end) {
      continue;
    }
  }
  if (b.len || *pieces == 0) {
    emit(c, OP_CONST, add_const(c, rt_buf_to_str(c->rt, &b)), node);
    ++*pieces;
  }
  asl_buf_free(&b);
  return true;
}

static bool string_expr(Comp *c, uint32_t node) {
  uint32_t pieces = 0;
  const AslTree *t = c->t;
  if (t->nodes[node].kind == ASL_K_concatenated_string) {
    for (uint32_t k = asl_first_named(t, node); k != ASL_NONE;
         k = asl_next_named(t, k))
      if (t->nodes[k].kind == ASL_K_string && !string_node(c, k, &pieces))
        return false;
  } else if (!string_node(c, node, &pieces)) {
    return false;
  }
  if (pieces != 1) emit(c, OP_BUILD_STR, pieces, node);
  return true;
}

/* ---- expressions ------------------------------------------------------ */

static int binop_of(Comp *c, uint32_t op) {
  static const char *const ops[] = {"+", "-", "*", "/", "//", "%", "**"};
  for (int i = 0; i < 7; i++)
    if (tok_is(c, op, ops[i])) return i;
  return -1;
}

static int cmpop_of(Comp *c, uint32_t op) {
  static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!=", "in"};
  for (int i = 0; i < 7; i++)
    if (tok_is(c, op, ops[i])) return i;
  if (tok_is(c, op, "is")) return RT_IS;
  uint32_t len;
  const char *p = text(c, op, &len);
  if (len > 3 && memcmp(p, "not", 3) == 0) return RT_NOTIN;
  if (len > 2 && memcmp(p, "is", 2) == 0) return RT_ISNOT;
  return -1;
}

/* `a < b < c` as CPython compiles it: each middle operand is duplicated
 * and rotated under the first result, and a false link short-circuits to
 * a cleanup that drops the spare operand. */
static bool comparison(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  uint32_t operands[64], ops[64], no = 0, nops = 0;
  for (uint32_t k = asl_first_child(t, node); k != ASL_NONE;
       k = t->nodes[k].next) {
    if (t->nodes[k].field == ASL_F_operators) {
      if (nops == 64) return unsupported(c, node, "long comparison chain");
      ops[nops++] = k;
    } else if (t->nodes[k].flags & ASL_NODE_NAMED &&
               t->nodes[k].kind != ASL_K_comment) {
      if (no == 64) return unsupported(c, node, "long comparison chain");
      operands[no++] = k;
    }
  }
  if (no != nops + 1 || no < 2) return unsupported(c, node, "comparison");
  if (!expr(c, operands[0])) return false;
  uint32_t fixups[64], nf = 0;
  for (uint32_t i = 0; i < nops; i++) {
    int op = cmpop_of(c, ops[i]);
    if (op < 0) return unsupported_kind(c, ops[i]);
    if (!expr(c, operands[i + 1])) return false;
    if (i + 1 < nops) {
      emit(c, OP_DUP, 0, node);
      emit(c, OP_ROT3, 0, node);
      emit(c, OP_COMPARE, (uint32_t)op, ops[i]);
      fixups[nf++] = emit(c, OP_JUMP_IF_FALSE_OR_POP, 0, node);
    } else {
      emit(c, OP_COMPARE, (uint32_t)op, ops[i]);
    }
  }
  if (nf) {
    uint32_t j = emit(c, OP_JUMP, 0, node);
    for (uint32_t i = 0; i < nf; i++) patch(c, fixups[i]);
    emit(c, OP_ROT2, 0, node);
    emit(c, OP_POP, 0, node);
    patch(c, j);
  }
  return true;
}

/* ---- comprehensions ---------------------------------------------------- */

#define RT_MAX_CLAUSES 64 /* for/if clauses of one comprehension */

/* Declares the names a comprehension's `for` target binds, as hidden
 * slots at the current level. Targets are small patterns: the walk over
 * their nodes is a loop over the pre-order range, not a recursion. */
static void declare_targets(Comp *c, uint32_t left) {
  const AslTree *t = c->t;
  for (uint32_t i = left; i < t->nodes[left].end; i++) {
    if (t->nodes[i].kind != ASL_K_identifier || !asl_is_store(t, i)) continue;
    uint32_t len;
    const char *p = text(c, i, &len);
    const CompVar *v = comp_var(c, p, len);
    if (!v || v->level != c->clevel) add_comp_var(c, p, len);
  }
}

/* The for/if clauses after a comprehension's body, in order; rejects
 * `async for` and `for x in a, b`. */
static bool comp_clauses(Comp *c, uint32_t node, uint32_t *cl, uint32_t *n) {
  const AslTree *t = c->t;
  *n = 0;
  for (uint32_t k = asl_first_named(t, node); k != ASL_NONE;
       k = asl_next_named(t, k)) {
    AslKind kind = t->nodes[k].kind;
    if (kind != ASL_K_for_in_clause && kind != ASL_K_if_clause) continue;
    if (*n == RT_MAX_CLAUSES)
      return unsupported(c, k, "comprehension of more than 64 clauses");
    if (kind == ASL_K_for_in_clause) {
      uint32_t r = asl_child_by_field(t, k, ASL_F_right);
      if (asl_has_token(t, c->s, k, "async"))
        return unsupported(c, k, "async comprehension");
      if (r == ASL_NONE || asl_child_by_field(t, k, ASL_F_left) == ASL_NONE)
        return unsupported_kind(c, k);
      for (uint32_t q = asl_next_named(t, r); q != ASL_NONE;
           q = asl_next_named(t, q))
        if (t->nodes[q].field == ASL_F_right)
          return unsupported(c, q, "comprehension over several iterables");
    } else if (asl_first_named(t, k) == ASL_NONE) {
      return unsupported_kind(c, k);
    }
    cl[(*n)++] = k;
  }
  if (*n == 0 || t->nodes[cl[0]].kind != ASL_K_for_in_clause)
    return unsupported_kind(c, node);
  return true;
}

/* The body: the element, or key then value (dict), added to the result
 * under `niters` iterators. */
static bool comp_element(Comp *c, uint32_t body, uint32_t niters, int kind) {
  const AslTree *t = c->t;
  if (kind == RT_DICT) {
    uint32_t k = asl_child_by_field(t, body, ASL_F_key);
    uint32_t v = asl_child_by_field(t, body, ASL_F_value);
    if (t->nodes[body].kind != ASL_K_pair || k == ASL_NONE || v == ASL_NONE)
      return unsupported_kind(c, body);
    if (!expr(c, k) || !expr(c, v)) return false;
  } else if (!expr(c, body)) {
    return false;
  }
  uint32_t at = emit(c, OP_COMP_ADD, niters, body);
  c->code->code[at].arg2 = (uint32_t)kind;
  return true;
}

/* any()/all() over a generator: the result when the loops ran out, and
 * at `found` (the first true item for any, false for all) the iterators
 * are dropped and the loop left at once, as any() stops pulling items. */
#define COMP_ANY (-1)
#define COMP_ALL (-2)
static void short_circuit_tail(Comp *c, uint32_t node, bool any,
                               uint32_t found, uint32_t niters) {
  emit(c, OP_CONST, add_const(c, rt_bool(!any)), node);
  uint32_t end = emit(c, OP_JUMP, 0, node);
  patch(c, found);
  for (uint32_t i = 0; i < niters; i++) emit(c, OP_POP, 0, node);
  emit(c, OP_COMP_EXIT, 1, node);
  emit(c, OP_CONST, add_const(c, rt_bool(any)), node);
  patch(c, end);
}

/* A list/set/dict comprehension or a generator expression built eagerly
 * (`kind` is the result: RT_LIST, RT_SET or RT_DICT), inline in the
 * current frame with its variables in hidden slots:
 *
 *   BUILD_LIST 0; <first iterable>; GET_ITER; UNBIND vars...
 *   L1: FOR_ITER E1; store t1; [cond; JUMP_IF_FALSE L1]
 *       <iterable 2>; GET_ITER
 *   L2: FOR_ITER E2; store t2; element; COMP_ADD 2; JUMP L2
 *   E2: JUMP L1
 *   E1: (the result on top)
 *
 * The first iterable is evaluated in the enclosing scope, as in Python. */
static bool comprehension(Comp *c, uint32_t node, int kind, bool consumed) {
  const AslTree *t = c->t;
  uint32_t body = asl_child_by_field(t, node, ASL_F_body);
  uint32_t cl[RT_MAX_CLAUSES], ncl;
  if (body == ASL_NONE) return unsupported_kind(c, node);
  if (!comp_clauses(c, node, cl, &ncl)) return false;
  if (kind == COMP_ANY || kind == COMP_ALL)
    ; // no result to build: a bool at the end
  else if (kind == RT_LIST)
    emit(c, OP_BUILD_LIST, 0, node);
  else
    emit(c, kind == RT_SET ? OP_BUILD_SET : OP_BUILD_DICT, 0, node);
  if (!expr(c, asl_child_by_field(t, cl[0], ASL_F_right))) return false;
  emit(c, OP_GET_ITER, 0, cl[0]);
  emit(c, OP_COMP_ENTER, consumed, node);
  uint32_t saved_vars = c->cvars.len;
  c->clevel++;
  for (uint32_t i = 0; i < ncl; i++)
    if (t->nodes[cl[i]].kind == ASL_K_for_in_clause)
      declare_targets(c, asl_child_by_field(t, cl[i], ASL_F_left));
  for (uint32_t i = saved_vars; i < c->cvars.len; i++)
    emit(c, OP_UNBIND_LOCAL, c->cvars.items[i].slot, node);
  uint32_t starts[RT_MAX_CLAUSES], exits[RT_MAX_CLAUSES], niters = 0;
  bool ok = true;
  for (uint32_t i = 0; ok && i < ncl; i++) {
    uint32_t k = cl[i];
    if (t->nodes[k].kind == ASL_K_if_clause) {
      ok = expr(c, asl_first_named(t, k));
      if (ok) emit(c, OP_JUMP_IF_FALSE, starts[niters - 1], k);
      continue;
    }
    if (i > 0) {
      ok = expr(c, asl_child_by_field(t, k, ASL_F_right));
      if (!ok) break;
      emit(c, OP_GET_ITER, 0, k);
    }
    starts[niters] = c->code->ncode;
    exits[niters++] = emit(c, OP_FOR_ITER, 0, k);
    ok = store_target(c, asl_child_by_field(t, k, ASL_F_left));
  }
  bool shortc = kind == COMP_ANY || kind == COMP_ALL;
  uint32_t found = 0;
  if (ok && shortc) {
    ok = expr(c, body);
    found = emit(c, kind == COMP_ANY ? OP_JUMP_IF_TRUE : OP_JUMP_IF_FALSE, 0,
                 body);
  } else if (ok) {
    ok = comp_element(c, body, niters, kind);
  }
  c->clevel--;
  c->cvars.len = saved_vars;
  if (!ok) return false;
  emit(c, OP_JUMP, starts[niters - 1], node);
  for (uint32_t j = niters; j-- > 0;) {
    patch(c, exits[j]); // FOR_ITER pops the exhausted iterator
    if (j > 0) emit(c, OP_JUMP, starts[j - 1], node);
  }
  emit(c, OP_COMP_EXIT, consumed, node);
  if (shortc) short_circuit_tail(c, node, kind == COMP_ANY, found, niters);
  return true;
}

/* A generator expression where its laziness cannot be observed (consumed
 * at once): built as a list. An `await` in it would make an async
 * generator, which nothing here consumes. */
static bool eager_genexp(Comp *c, uint32_t node, bool consumed) {
  c->in_genexp++;
  bool ok = comprehension(c, node, RT_LIST, consumed);
  c->in_genexp--;
  return ok;
}

/* `(x)` around an expression, looked through. */
static uint32_t unparen(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  for (int i = 0; i < RT_MAX_NEST && node != ASL_NONE &&
                  t->nodes[node].kind == ASL_K_parenthesized_expression;
       i++)
    node = asl_first_named(t, node);
  return node;
}

/* ---- calls --------------------------------------------------------------- */

/* The list_splat an argument starts with, or ASL_NONE. The grammar reads
 * `*name(args)` as a call of `*name` (and `*name(a).b` likewise), so the
 * star sits at the bottom of the argument's leftmost chain. */
static uint32_t leading_splat(Comp *c, uint32_t a) {
  const AslTree *t = c->t;
  for (int i = 0; i < RT_MAX_NEST && a != ASL_NONE; i++) {
    AslKind k = t->nodes[a].kind;
    if (k == ASL_K_list_splat) return a;
    if (k == ASL_K_call)
      a = asl_child_by_field(t, a, ASL_F_function);
    else if (k == ASL_K_attribute)
      a = asl_child_by_field(t, a, ASL_F_object);
    else if (k == ASL_K_subscript)
      a = asl_child_by_field(t, a, ASL_F_value);
    else
      return ASL_NONE;
  }
  return ASL_NONE;
}

/* Keyword arguments: values pushed in order, names into `names`. */
static bool keyword_args(Comp *c, uint32_t args, RtVal names, uint32_t *nkw) {
  const AslTree *t = c->t;
  for (uint32_t a = asl_first_named(t, args); a != ASL_NONE;
       a = asl_next_named(t, a)) {
    if (t->nodes[a].kind != ASL_K_keyword_argument) continue;
    uint32_t nm = asl_child_by_field(t, a, ASL_F_name);
    uint32_t v = asl_child_by_field(t, a, ASL_F_value);
    if (nm == ASL_NONE || v == ASL_NONE) return unsupported_kind(c, a);
    uint32_t len;
    const char *p = text(c, nm, &len);
    rt_list_append(c->rt, names.u.o, rt_str(c->rt, p, len));
    if (!expr(c, v)) return false;
    ++*nkw;
  }
  return true;
}

/* One `*it` argument: its operand (a generator expression built as a
 * list), then EXTEND_ARGS (arg 1: the sole positional argument, made a
 * list in place). */
static bool star_arg(Comp *c, uint32_t a, uint32_t splat, bool sole) {
  const AslTree *t = c->t;
  if (splat != a) { // `*name(args)`: the star applies to the whole call
    uint32_t saved = c->splat_through;
    c->splat_through = splat;
    bool ok = expr(c, a);
    c->splat_through = saved;
    if (!ok) return false;
  } else {
    uint32_t e = unparen(c, asl_first_named(t, a));
    if (e == ASL_NONE) return unsupported_kind(c, a);
    if (t->nodes[e].kind == ASL_K_generator_expression) {
      if (!eager_genexp(c, e, false)) return false;
    } else if (!expr(c, e)) {
      return false;
    }
  }
  emit(c, OP_EXTEND_ARGS, sole, splat);
  return true;
}

/* A call with `*it` arguments: the positional ones (plain and starred)
 * are collected in a list, left to right, before any keyword value is
 * evaluated (CPython's order, even for `f(k=v, *it)`). A sole `*it` is
 * checked at the call, after the keywords, as CALL_FUNCTION_EX does. */
static bool star_call(Comp *c, uint32_t node, uint32_t args) {
  const AslTree *t = c->t;
  uint32_t npos = 0, first = ASL_NONE;
  for (uint32_t a = asl_first_named(t, args); a != ASL_NONE;
       a = asl_next_named(t, a))
    if (t->nodes[a].kind != ASL_K_comment &&
        t->nodes[a].kind != ASL_K_keyword_argument && npos++ == 0)
      first = a;
  bool sole = npos == 1;
  if (sole) {
    if (!star_arg(c, first, leading_splat(c, first), true)) return false;
  } else {
    emit(c, OP_BUILD_LIST, 0, node);
  }
  for (uint32_t a = asl_first_named(t, args); !sole && a != ASL_NONE;
       a = asl_next_named(t, a)) {
    AslKind k = t->nodes[a].kind;
    if (k == ASL_K_comment || k == ASL_K_keyword_argument) continue;
    uint32_t splat = leading_splat(c, a);
    if (splat != ASL_NONE) {
      if (!star_arg(c, a, splat, false)) return false;
      continue;
    }
    if (!expr(c, a)) return false;
    c->code->code[emit(c, OP_COMP_ADD, 0, a)].arg2 = RT_LIST;
  }
  uint32_t nkw = 0;
  RtVal names = rt_list_new(c->rt, RT_TUPLE, 0);
  if (!keyword_args(c, args, names, &nkw)) return false;
  if (nkw > 0xffff) return unsupported(c, node, "too many arguments");
  uint32_t at = emit(c, OP_CALL_EX, nkw, node);
  c->code->code[at].arg2 = add_const(c, names);
  return true;
}

/* A call: the callee, positional arguments, then keyword values; the
 * keyword names go in a constant tuple (OP_CALL's arg2). */
static bool call_expr(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  uint32_t fn = asl_child_by_field(t, node, ASL_F_function);
  uint32_t args = asl_child_by_field(t, node, ASL_F_arguments);
  if (fn == ASL_NONE || args == ASL_NONE) return unsupported(c, node, "call form");
  if (t->nodes[args].kind == ASL_K_generator_expression &&
      t->nodes[fn].kind == ASL_K_identifier &&
      (tok_is(c, fn, "any") || tok_is(c, fn, "all"))) {
    // any()/all() stop at the first deciding item: a loop that leaves
    // early (the callee is checked to be the builtin at run time).
    bool any = tok_is(c, fn, "any");
    if (!expr(c, fn)) return false;
    emit(c, OP_CHECK_CONSUMER, any ? 1 : 2, args);
    emit(c, OP_POP, 0, args);
    c->in_genexp++;
    bool ok = comprehension(c, args, any ? COMP_ANY : COMP_ALL, true);
    c->in_genexp--;
    return ok;
  }
  if (t->nodes[args].kind == ASL_K_generator_expression) {
    // `sum(x for x in xs)`: only a callee that consumes it at once.
    if (!expr(c, fn)) return false;
    emit(c, OP_CHECK_CONSUMER, 0, args);
    if (!eager_genexp(c, args, true)) return false;
    uint32_t at = emit(c, OP_CALL, 1, node);
    c->code->code[at].arg2 = add_const(c, rt_list_new(c->rt, RT_TUPLE, 0));
    return true;
  }
  if (t->nodes[args].kind != ASL_K_argument_list)
    return unsupported(c, node, "call form");
  bool star = false;
  for (uint32_t a = asl_first_named(t, args); a != ASL_NONE;
       a = asl_next_named(t, a)) {
    AslKind k = t->nodes[a].kind;
    if (k == ASL_K_dictionary_splat || k == ASL_K_generator_expression)
      return unsupported_kind(c, a);
    star |= k != ASL_K_comment && leading_splat(c, a) != ASL_NONE;
  }
  if (!expr(c, fn)) return false;
  if (star) return star_call(c, node, args);
  uint32_t npos = 0, nkw = 0;
  RtVal names = rt_list_new(c->rt, RT_TUPLE, 0);
  for (uint32_t a = asl_first_named(t, args); a != ASL_NONE;
       a = asl_next_named(t, a)) {
    AslKind k = t->nodes[a].kind;
    if (k == ASL_K_comment) continue;
    if (k == ASL_K_keyword_argument) {
      nkw++;
    } else {
      if (nkw) return unsupported(c, a, "positional argument after keyword");
      if (!expr(c, a)) return false;
      npos++;
    }
  }
  nkw = 0;
  if (!keyword_args(c, args, names, &nkw)) return false;
  if (npos > 0xffff || nkw > 0xffff)
    return unsupported(c, node, "too many arguments");
  uint32_t at = emit(c, OP_CALL, npos | nkw << 16, node);
  c->code->code[at].arg2 = add_const(c, names);
  return true;
}

/* A list, tuple or set display: its elements in order, then `op` builds
 * them (comments between the elements are skipped). */
static bool display(Comp *c, uint32_t node, int op) {
  const AslTree *t = c->t;
  uint32_t cnt = 0;
  for (uint32_t e = asl_first_named(t, node); e != ASL_NONE;
       e = asl_next_named(t, e)) {
    if (t->nodes[e].kind == ASL_K_comment) continue;
    if (!expr(c, e)) return false;
    cnt++;
  }
  emit(c, op, cnt, node);
  return true;
}

static bool expr_inner(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  const AslNode *n = &t->nodes[node];
  if (n->flags & (ASL_NODE_ERROR | ASL_NODE_IN_ERROR))
    return unsupported(c, node, "syntax error");
  switch ((AslKind)n->kind) {
  case ASL_K_identifier: return load_name(c, node);
  case ASL_K_integer: {
    RtVal v;
    if (!integer_lit(c, node, &v)) return false;
    emit(c, OP_CONST, add_const(c, v), node);
    return true;
  }
  case ASL_K_float: {
    RtVal v;
    if (!float_lit(c, node, &v)) return false;
    emit(c, OP_CONST, add_const(c, v), node);
    return true;
  }
  case ASL_K_true:
    emit(c, OP_CONST, add_const(c, rt_bool(true)), node);
    return true;
  case ASL_K_false:
    emit(c, OP_CONST, add_const(c, rt_bool(false)), node);
    return true;
  case ASL_K_none:
    emit(c, OP_CONST, add_const(c, rt_none()), node);
    return true;
  case ASL_K_string:
  case ASL_K_concatenated_string: return string_expr(c, node);
  case ASL_K_parenthesized_expression: {
    uint32_t e = asl_first_named(t, node);
    while (e != ASL_NONE && t->nodes[e].kind == ASL_K_comment)
      e = asl_next_named(t, e);
    if (e == ASL_NONE) return unsupported_kind(c, node);
    return expr(c, e);
  }
  case ASL_K_list:
  case ASL_K_tuple:
  case ASL_K_expression_list:
    return display(c, node,
                   n->kind == ASL_K_list ? OP_BUILD_LIST : OP_BUILD_TUPLE);
  case ASL_K_dictionary: {
    uint32_t cnt = 0;
    for (uint32_t e = asl_first_named(t, node); e != ASL_NONE;
         e = asl_next_named(t, e)) {
      if (t->nodes[e].kind == ASL_K_comment) continue;
      if (t->nodes[e].kind != ASL_K_pair) return unsupported_kind(c, e);
      uint32_t k = asl_child_by_field(t, e, ASL_F_key);
      uint32_t v = asl_child_by_field(t, e, ASL_F_value);
      if (k == ASL_NONE || v == ASL_NONE) return unsupported_kind(c, e);
      if (!expr(c, k) || !expr(c, v)) return false;
      cnt++;
    }
    emit(c, OP_BUILD_DICT, cnt, node);
    return true;
  }
  case ASL_K_unary_operator: {
    uint32_t op = asl_child_by_field(t, node, ASL_F_operator);
    uint32_t a = asl_child_by_field(t, node, ASL_F_argument);
    if (op == ASL_NONE || a == ASL_NONE) return unsupported_kind(c, node);
    if (!tok_is(c, op, "-") && !tok_is(c, op, "+"))
      return unsupported(c, op, "operator '~'");
    if (!expr(c, a)) return false;
    emit(c, OP_UNARY, tok_is(c, op, "-") ? RT_NEG : RT_POS, node);
    return true;
  }
  case ASL_K_not_operator: {
    uint32_t a = asl_child_by_field(t, node, ASL_F_argument);
    if (a == ASL_NONE || !expr(c, a))
      return a == ASL_NONE ? unsupported_kind(c, node) : false;
    emit(c, OP_NOT, 0, node);
    return true;
  }
  case ASL_K_boolean_operator: {
    uint32_t l = asl_child_by_field(t, node, ASL_F_left);
    uint32_t op = asl_child_by_field(t, node, ASL_F_operator);
    uint32_t r = asl_child_by_field(t, node, ASL_F_right);
    if (l == ASL_NONE || r == ASL_NONE || op == ASL_NONE)
      return unsupported_kind(c, node);
    if (!expr(c, l)) return false;
    uint32_t j = emit(c,
                      tok_is(c, op, "and") ? OP_JUMP_IF_FALSE_OR_POP
                                           : OP_JUMP_IF_TRUE_OR_POP,
                      0, node);
    if (!expr(c, r)) return false;
    patch(c, j);
    return true;
  }
  case ASL_K_binary_operator: {
    uint32_t l = asl_child_by_field(t, node, ASL_F_left);
    uint32_t op = asl_child_by_field(t, node, ASL_F_operator);
    uint32_t r = asl_child_by_field(t, node, ASL_F_right);
    if (l == ASL_NONE || r == ASL_NONE || op == ASL_NONE)
      return unsupported_kind(c, node);
    int b = binop_of(c, op);
    if (b < 0) {
      uint32_t len;
      const char *p = text(c, op, &len);
      char buf[32];
      snprintf(buf, sizeof buf, "operator '%.*s'", (int)(len > 8 ? 8 : len), p);
      return unsupported(c, op, buf);
    }
    if (!expr(c, l) || !expr(c, r)) return false;
    emit(c, OP_BINARY, (uint32_t)b, node);
    return true;
  }
  case ASL_K_comparison_operator: return comparison(c, node);
  case ASL_K_conditional_expression: {
    uint32_t parts[3], np = 0;
    for (uint32_t e = asl_first_named(t, node); e != ASL_NONE && np < 3;
         e = asl_next_named(t, e))
      if (t->nodes[e].kind != ASL_K_comment) parts[np++] = e;
    if (np != 3) return unsupported_kind(c, node);
    if (!expr(c, parts[1])) return false;
    uint32_t jf = emit(c, OP_JUMP_IF_FALSE, 0, node);
    if (!expr(c, parts[0])) return false;
    uint32_t je = emit(c, OP_JUMP, 0, node);
    patch(c, jf);
    if (!expr(c, parts[2])) return false;
    patch(c, je);
    return true;
  }
  case ASL_K_call: return call_expr(c, node);
  case ASL_K_list_splat:
    if (node != c->splat_through) return unsupported_kind(c, node);
    return expr(c, asl_first_named(t, node));
  case ASL_K_list_comprehension: return comprehension(c, node, RT_LIST, false);
  case ASL_K_set_comprehension: return comprehension(c, node, RT_SET, false);
  case ASL_K_dictionary_comprehension:
    return comprehension(c, node, RT_DICT, false);
  case ASL_K_generator_expression:
    return unsupported(c, node,
                       "generator expression (only after * in a call or "
                       "as the argument of list, tuple, set, sum, min, max "
                       "or str.join)");
  case ASL_K_set:
    return display(c, node, OP_BUILD_SET);
  case ASL_K_attribute: {
    uint32_t o = asl_child_by_field(t, node, ASL_F_object);
    uint32_t a = asl_child_by_field(t, node, ASL_F_attribute);
    if (o == ASL_NONE || a == ASL_NONE || !expr(c, o))
      return o == ASL_NONE || a == ASL_NONE ? unsupported_kind(c, node) : false;
    emit(c, OP_LOAD_ATTR, name_const(c, a), a);
    return true;
  }
  case ASL_K_subscript: {
    uint32_t v = asl_child_by_field(t, node, ASL_F_value);
    uint32_t s = asl_child_by_field(t, node, ASL_F_subscript);
    if (v == ASL_NONE || s == ASL_NONE) return unsupported_kind(c, node);
    if (t->nodes[s].kind == ASL_K_slice) return unsupported(c, s, "slice");
    if (t->nodes[s].next != ASL_NONE && asl_next_named(t, s) != ASL_NONE &&
        t->nodes[asl_next_named(t, s)].field == ASL_F_subscript)
      return unsupported(c, s, "multiple subscripts");
    if (!expr(c, v) || !expr(c, s)) return false;
    emit(c, OP_SUBSCR, 0, node);
    return true;
  }
  case ASL_K_await: {
    if (!c->code->is_async)
      return unsupported(c, node, "'await' outside async def");
    if (c->in_genexp)
      return unsupported(c, node, "'await' in a generator expression");
    uint32_t e = asl_first_named(t, node);
    if (e == ASL_NONE || !expr(c, e))
      return e == ASL_NONE ? unsupported_kind(c, node) : false;
    emit(c, OP_AWAIT, 0, node);
    return true;
  }
  default: return unsupported_kind(c, node);
  }
}

static bool expr(Comp *c, uint32_t node) {
  if (c->depth >= RT_MAX_NEST)
    return unsupported(c, node, "expression nested deeper than 200 levels");
  c->depth++;
  bool ok = expr_inner(c, node);
  c->depth--;
  return ok && c->rt->fatal == ASL_RT_OK;
}

/* ---- assignment targets ----------------------------------------------- */

/* Stores the value on top of the stack into an assignment target: a
 * name, a subscript, or a (nested) tuple/list pattern via OP_UNPACK. */
static bool store_target(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  const AslNode *n = &t->nodes[node];
  if (c->depth >= RT_MAX_NEST) return unsupported(c, node, "nesting");
  switch ((AslKind)n->kind) {
  case ASL_K_identifier: store_name(c, node); return true;
  case ASL_K_as_pattern_target: {
    uint32_t e = asl_first_named(t, node);
    return e != ASL_NONE ? store_target(c, e) : unsupported_kind(c, node);
  }
  case ASL_K_parenthesized_expression: {
    uint32_t e = asl_first_named(t, node);
    return e != ASL_NONE ? store_target(c, e) : unsupported_kind(c, node);
  }
  case ASL_K_pattern_list:
  case ASL_K_tuple_pattern:
  case ASL_K_list_pattern:
  case ASL_K_tuple:
  case ASL_K_list:
  case ASL_K_expression_list: {
    uint32_t cnt = 0;
    for (uint32_t e = asl_first_named(t, node); e != ASL_NONE;
         e = asl_next_named(t, e))
      if (t->nodes[e].kind != ASL_K_comment) cnt++;
    if (cnt > 1024)
      return unsupported(c, node, "unpacking more than 1024 names");
    emit(c, OP_UNPACK, cnt, node);
    c->depth++;
    for (uint32_t e = asl_first_named(t, node); e != ASL_NONE;
         e = asl_next_named(t, e)) {
      if (t->nodes[e].kind == ASL_K_comment) continue;
      if (!store_target(c, e)) {
        c->depth--;
        return false;
      }
    }
    c->depth--;
    return true;
  }
  case ASL_K_subscript: {
    uint32_t v = asl_child_by_field(t, node, ASL_F_value);
    uint32_t s = asl_child_by_field(t, node, ASL_F_subscript);
    if (v == ASL_NONE || s == ASL_NONE || t->nodes[s].kind == ASL_K_slice)
      return unsupported(c, node, "subscript assignment form");
    if (!expr(c, v) || !expr(c, s)) return false;
    emit(c, OP_STORE_SUBSCR, 0, node);
    return true;
  }
  default: return unsupported(c, node, "assignment target");
  }
}

/* ---- statements -------------------------------------------------------- */

/* Emits what leaving the unwind levels above `level` needs (innermost
 * first): POP_BLOCK for try/with regions, the finally body inline, the
 * with's exit, POP_EXCEPT for handlers; `pop_iters` also pops the
 * iterators of for-loops (break/continue keep the value stack clean). */
static bool unwind_to(Comp *c, uint32_t level, bool pop_iters, uint32_t node) {
  for (uint32_t i = c->nuw; i-- > level;) {
    Unwind *u = &c->uw[i];
    switch (u->kind) {
    case UW_EXCEPT: emit(c, OP_POP_BLOCK, 0, node); break;
    case UW_HANDLER: emit(c, OP_POP_EXCEPT, 0, node); break;
    case UW_WITH:
      emit(c, OP_POP_BLOCK, 0, node);
      emit(c, OP_LOAD_LOCAL, u->slot, node);
      emit(c, OP_CONST, add_const(c, rt_none()), node);
      emit(c, OP_ASYNC_EXIT, 0, node);
      emit(c, OP_AWAIT, 0, node);
      emit(c, OP_POP, 0, node);
      break;
    case UW_FINALLY: {
      emit(c, OP_POP_BLOCK, 0, node);
      uint32_t saved = c->nuw;
      c->nuw = i; // the finally body runs outside its own protection
      bool ok = block(c, u->node);
      c->nuw = saved;
      if (!ok) return false;
      break;
    }
    case UW_LOOP:
      if (pop_iters && u->is_for) emit(c, OP_POP, 0, node);
      break;
    }
  }
  return true;
}

static Unwind *push_uw(Comp *c, int kind, uint32_t node) {
  if (c->nuw >= RT_MAX_NEST) {
    unsupported(c, node, "nesting deeper than 200 levels");
    return NULL;
  }
  Unwind *u = &c->uw[c->nuw++];
  memset(u, 0, sizeof *u);
  u->kind = kind;
  u->node = node;
  return u;
}

static uint32_t innermost_loop(Comp *c) {
  for (uint32_t i = c->nuw; i-- > 0;)
    if (c->uw[i].kind == UW_LOOP) return i;
  return UINT32_MAX;
}

static bool stmt(Comp *c, uint32_t node);

/* while/for with an optional else. A for-loop keeps its iterator on the
 * stack; FOR_ITER pops it when exhausted and jumps to the else clause,
 * `break` pops it and jumps past the else clause. */
static bool loop_stmt(Comp *c, uint32_t node, bool is_for) {
  const AslTree *t = c->t;
  uint32_t body = asl_child_by_field(t, node, ASL_F_body);
  uint32_t alt = asl_child_by_field(t, node, ASL_F_alternative);
  if (body == ASL_NONE) return unsupported_kind(c, node);
  uint32_t exit_jump;
  uint32_t start;
  if (is_for) {
    uint32_t left = asl_child_by_field(t, node, ASL_F_left);
    uint32_t right = asl_child_by_field(t, node, ASL_F_right);
    if (left == ASL_NONE || right == ASL_NONE) return unsupported_kind(c, node);
    if (asl_has_token(t, c->s, node, "async"))
      return unsupported(c, node, "async for");
    if (!expr(c, right)) return false;
    emit(c, OP_GET_ITER, 0, right);
    start = c->code->ncode;
    exit_jump = emit(c, OP_FOR_ITER, 0, node);
    if (!store_target(c, left)) return false;
  } else {
    uint32_t cond = asl_child_by_field(t, node, ASL_F_condition);
    if (cond == ASL_NONE) return unsupported_kind(c, node);
    start = c->code->ncode;
    if (!expr(c, cond)) return false;
    exit_jump = emit(c, OP_JUMP_IF_FALSE, 0, cond);
  }
  Unwind *u = push_uw(c, UW_LOOP, node);
  if (!u) return false;
  u->is_for = is_for;
  u->start = start;
  uint32_t level = c->nuw - 1;
  bool ok = block(c, body);
  u = &c->uw[level];
  if (ok) emit(c, OP_JUMP, start, node);
  patch(c, exit_jump); // FOR_ITER pops the iterator when exhausted
  AslVec(uint32_t) breaks = {u->breaks.items, u->breaks.len, u->breaks.cap};
  c->nuw = level;
  if (ok && alt != ASL_NONE) {
    uint32_t ab = asl_child_by_field(t, alt, ASL_F_body);
    ok = ab != ASL_NONE && block(c, ab);
  }
  for (uint32_t i = 0; i < breaks.len; i++)
    c->code->code[breaks.items[i]].arg = c->code->ncode;
  asl_vec_free(&breaks);
  return ok;
}

/* try/except/else/finally. The layout:
 *
 *   SETUP_EXCEPT F          (only with finally)
 *   SETUP_EXCEPT H; body; POP_BLOCK; else; JUMP end
 *   H: [exc] DUP; <type>; EXC_MATCH; JUMP_IF_FALSE next; handler ...
 *      RERAISE              (no clause matched)
 *   end: POP_BLOCK; finally; JUMP out
 *   F: [exc] finally; RERAISE
 *
 * return/break/continue inside run the finally body inline on their way
 * out (unwind_to), as CPython 3.9+ does. */
static bool try_stmt(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  uint32_t body = asl_child_by_field(t, node, ASL_F_body);
  uint32_t fin = ASL_NONE, els = ASL_NONE, nexc = 0;
  for (uint32_t k = asl_first_named(t, node); k != ASL_NONE;
       k = asl_next_named(t, k)) {
    AslKind kind = t->nodes[k].kind;
    if (kind == ASL_K_finally_clause)
      fin = asl_child_by_kind(t, k, ASL_K_block);
    else if (kind == ASL_K_else_clause)
      els = asl_child_by_field(t, k, ASL_F_body);
    else if (kind == ASL_K_except_clause)
      nexc++;
    else if (k != body && kind != ASL_K_comment)
      return unsupported_kind(c, k);
  }
  if (body == ASL_NONE) return unsupported_kind(c, node);
  if (asl_has_token(t, c->s, node, "except*"))
    return unsupported(c, node, "except*");
  uint32_t fin_setup = 0;
  if (fin != ASL_NONE) {
    fin_setup = emit(c, OP_SETUP_EXCEPT, 0, node);
    if (!push_uw(c, UW_FINALLY, fin)) return false;
  }
  if (nexc) {
    uint32_t setup = emit(c, OP_SETUP_EXCEPT, 0, node);
    if (!push_uw(c, UW_EXCEPT, node)) return false;
    if (!block(c, body)) return false;
    c->nuw--;
    emit(c, OP_POP_BLOCK, 0, node);
    if (els != ASL_NONE && !block(c, els)) return false;
    uint32_t to_end[128], nend = 0;
    to_end[nend++] = emit(c, OP_JUMP, 0, node);
    patch(c, setup); // handler: the exception is on the stack
    for (uint32_t k = asl_first_named(t, node); k != ASL_NONE;
         k = asl_next_named(t, k)) {
      if (t->nodes[k].kind != ASL_K_except_clause) continue;
      uint32_t value = asl_child_by_field(t, k, ASL_F_value);
      uint32_t hbody = asl_child_by_kind(t, k, ASL_K_block);
      uint32_t alias = ASL_NONE, type = value;
      if (value != ASL_NONE && t->nodes[value].kind == ASL_K_as_pattern) {
        type = asl_first_named(t, value);
        alias = asl_child_by_field(t, value, ASL_F_alias);
      }
      uint32_t next = UINT32_MAX;
      if (type != ASL_NONE) {
        emit(c, OP_DUP, 0, k);
        if (!expr(c, type)) return false;
        emit(c, OP_EXC_MATCH, 0, type);
        next = emit(c, OP_JUMP_IF_FALSE, 0, k);
      }
      emit(c, OP_SET_HANDLING, 0, k);
      if (alias != ASL_NONE) {
        if (!store_target(c, alias)) return false;
      } else {
        emit(c, OP_POP, 0, k);
      }
      if (!push_uw(c, UW_HANDLER, k)) return false;
      if (hbody == ASL_NONE || !block(c, hbody)) return false;
      c->nuw--;
      emit(c, OP_POP_EXCEPT, 0, k);
      if (nend == 128) return unsupported(c, k, "too many except clauses");
      to_end[nend++] = emit(c, OP_JUMP, 0, k);
      if (next != UINT32_MAX)
        patch(c, next);
      else
        break;
    }
    emit(c, OP_RERAISE, 0, node);
    for (uint32_t i = 0; i < nend; i++) patch(c, to_end[i]);
  } else {
    if (!block(c, body)) return false;
    if (els != ASL_NONE) return unsupported(c, node, "try/else without except");
  }
  if (fin != ASL_NONE) {
    c->nuw--;
    emit(c, OP_POP_BLOCK, 0, node);
    if (!block(c, fin)) return false;
    uint32_t j = emit(c, OP_JUMP, 0, node);
    patch(c, fin_setup);
    if (!block(c, fin)) return false;
    emit(c, OP_RERAISE, 0, node);
    patch(c, j);
  }
  return true;
}

/* async with: the manager is kept in a hidden local so that exits on
 * every path (normal, exception, return/break) can reach it:
 *
 *   cm -> slot; ASYNC_ENTER; AWAIT; store `as` target
 *   SETUP_EXCEPT H; body; POP_BLOCK
 *   slot, None; ASYNC_EXIT; AWAIT; POP; JUMP end
 *   H: [exc] DUP; slot; ROT2; ASYNC_EXIT; AWAIT; JUMP_IF_TRUE swallow
 *      RERAISE
 *   swallow: POP
 */
static bool with_stmt(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  if (!asl_has_token(t, c->s, node, "async"))
    return unsupported(c, node, "with statement (only async with)");
  if (!c->code->is_async)
    return unsupported(c, node, "'async with' outside async def");
  uint32_t clause = asl_child_by_kind(t, node, ASL_K_with_clause);
  uint32_t body = asl_child_by_field(t, node, ASL_F_body);
  if (clause == ASL_NONE || body == ASL_NONE) return unsupported_kind(c, node);
  uint32_t item = asl_first_named(t, clause);
  if (item == ASL_NONE || asl_next_named(t, item) != ASL_NONE)
    return unsupported(c, clause, "async with of several managers");
  uint32_t value = asl_child_by_field(t, item, ASL_F_value);
  uint32_t alias = ASL_NONE, cm = value;
  if (value != ASL_NONE && t->nodes[value].kind == ASL_K_as_pattern) {
    cm = asl_first_named(t, value);
    alias = asl_child_by_field(t, value, ASL_F_alias);
  }
  if (cm == ASL_NONE) return unsupported_kind(c, item);
  char hidden[32];
  snprintf(hidden, sizeof hidden, "<with%u>", c->nhidden++);
  uint32_t slot = add_local(c, hidden, (uint32_t)strlen(hidden));
  if (!expr(c, cm)) return false;
  emit(c, OP_STORE_LOCAL, slot, cm);
  emit(c, OP_LOAD_LOCAL, slot, cm);
  emit(c, OP_ASYNC_ENTER, 0, cm);
  emit(c, OP_AWAIT, 0, cm);
  if (alias != ASL_NONE) {
    if (!store_target(c, alias)) return false;
  } else {
    emit(c, OP_POP, 0, cm);
  }
  uint32_t setup = emit(c, OP_SETUP_EXCEPT, 0, node);
  Unwind *u = push_uw(c, UW_WITH, node);
  if (!u) return false;
  u->slot = slot;
  if (!block(c, body)) return false;
  c->nuw--;
  emit(c, OP_POP_BLOCK, 0, node);
  emit(c, OP_LOAD_LOCAL, slot, node);
  emit(c, OP_CONST, add_const(c, rt_none()), node);
  emit(c, OP_ASYNC_EXIT, 0, node);
  emit(c, OP_AWAIT, 0, node);
  emit(c, OP_POP, 0, node);
  uint32_t j = emit(c, OP_JUMP, 0, node);
  patch(c, setup); // [exc]
  emit(c, OP_DUP, 0, node);
  emit(c, OP_LOAD_LOCAL, slot, node);
  emit(c, OP_ROT2, 0, node);
  emit(c, OP_ASYNC_EXIT, 0, node);
  emit(c, OP_AWAIT, 0, node);
  uint32_t swallow = emit(c, OP_JUMP_IF_TRUE, 0, node);
  emit(c, OP_RERAISE, 0, node);
  patch(c, swallow);
  emit(c, OP_POP, 0, node);
  patch(c, j);
  return true;
}

/* `import asyncio|time [as x]` and `from asyncio|time import a [as b]`:
 * any other module (os, subprocess, ...) is outside the subset. */
static bool import_stmt(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  bool from = t->nodes[node].kind == ASL_K_import_from_statement;
  int which = -1;
  if (from) {
    uint32_t mod = asl_child_by_field(t, node, ASL_F_module_name);
    if (mod != ASL_NONE && tok_is(c, mod, "asyncio"))
      which = 0;
    else if (mod != ASL_NONE && tok_is(c, mod, "time"))
      which = 1;
    else
      return unsupported(c, node,
                         "import of a module other than asyncio or time");
  }
  for (uint32_t k = asl_first_named(t, node); k != ASL_NONE;
       k = asl_next_named(t, k)) {
    if (t->nodes[k].field != ASL_F_name) continue;
    uint32_t name = k, alias = ASL_NONE;
    if (t->nodes[k].kind == ASL_K_aliased_import) {
      name = asl_child_by_field(t, k, ASL_F_name);
      alias = asl_child_by_field(t, k, ASL_F_alias);
    }
    if (name == ASL_NONE) return unsupported_kind(c, k);
    uint32_t len;
    const char *p = text(c, name, &len);
    if (from) {
      if (!rt_module_has(which, p, len)) {
        char buf[96];
        snprintf(buf, sizeof buf, "'%.*s' of %s", (int)(len > 40 ? 40 : len), p,
                 which ? "time" : "asyncio");
        return unsupported(c, name, buf);
      }
      RtObj *m = rt_new(c->rt, RT_MODULE);
      m->u.module.which = which;
      emit(c, OP_CONST, add_const(c, rt_obj(m)), k);
      emit(c, OP_LOAD_ATTR, name_const(c, name), name);
    } else {
      int w = tok_is(c, name, "asyncio") ? 0 : tok_is(c, name, "time") ? 1 : -1;
      if (w < 0)
        return unsupported(c, node,
                           "import of a module other than asyncio or time");
      RtObj *m = rt_new(c->rt, RT_MODULE);
      m->u.module.which = w;
      emit(c, OP_CONST, add_const(c, rt_obj(m)), k);
    }
    if (alias != ASL_NONE)
      store_name(c, alias);
    else if (from)
      store_name(c, name);
    else
      store_name(c, asl_first_named(t, name));
  }
  return true;
}

static bool compile_def(Comp *c, uint32_t node);

/* One statement. Expression statements cover assignments (a value and a
 * target), augmented assignments to names, and calls/awaits whose value
 * is dropped. */
static bool stmt_inner(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  const AslNode *n = &t->nodes[node];
  if (n->flags & (ASL_NODE_ERROR | ASL_NODE_IN_ERROR))
    return unsupported(c, node, "syntax error");
  switch ((AslKind)n->kind) {
  case ASL_K_comment:
  case ASL_K_pass_statement: return true;
  case ASL_K_expression_statement: {
    uint32_t e = asl_first_named(t, node);
    if (e == ASL_NONE) return true;
    if (asl_next_named(t, e) != ASL_NONE &&
        t->nodes[asl_next_named(t, e)].kind != ASL_K_comment)
      return unsupported(c, node, "expression list statement");
    AslKind k = t->nodes[e].kind;
    if (k == ASL_K_assignment) {
      uint32_t l = asl_child_by_field(t, e, ASL_F_left);
      uint32_t r = asl_child_by_field(t, e, ASL_F_right);
      if (r == ASL_NONE) return true; // `x: int`
      if (t->nodes[r].kind == ASL_K_assignment)
        return unsupported(c, r, "chained assignment");
      if (l == ASL_NONE || !expr(c, r))
        return l == ASL_NONE ? unsupported_kind(c, e) : false;
      return store_target(c, l);
    }
    if (k == ASL_K_augmented_assignment) {
      uint32_t l = asl_child_by_field(t, e, ASL_F_left);
      uint32_t op = asl_child_by_field(t, e, ASL_F_operator);
      uint32_t r = asl_child_by_field(t, e, ASL_F_right);
      if (l == ASL_NONE || r == ASL_NONE || op == ASL_NONE)
        return unsupported_kind(c, e);
      if (t->nodes[l].kind != ASL_K_identifier)
        return unsupported(c, l, "augmented assignment to this target");
      static const char *const ops[] = {
          "+=", "-=", "*=", "/=", "//=", "%=", "**="};
      int b = -1;
      for (int i = 0; i < 7; i++)
        if (tok_is(c, op, ops[i])) b = i;
      if (b < 0) return unsupported_kind(c, op);
      if (!load_name(c, l) || !expr(c, r)) return false;
      emit(c, OP_BINARY, (uint32_t)b, e);
      store_name(c, l);
      return true;
    }
    if (!expr(c, e)) return false;
    emit(c, OP_POP, 0, node);
    return true;
  }
  case ASL_K_return_statement: {
    if (c->module) return unsupported(c, node, "'return' outside function");
    uint32_t e = asl_first_named(t, node);
    while (e != ASL_NONE && t->nodes[e].kind == ASL_K_comment)
      e = asl_next_named(t, e);
    if (e != ASL_NONE) {
      if (!expr(c, e)) return false;
    } else {
      emit(c, OP_CONST, add_const(c, rt_none()), node);
    }
    if (!unwind_to(c, 0, false, node)) return false;
    emit(c, OP_RETURN, 0, node);
    return true;
  }
  case ASL_K_break_statement:
  case ASL_K_continue_statement: {
    uint32_t li = innermost_loop(c);
    if (li == UINT32_MAX)
      return unsupported(c, node, "break/continue outside loop");
    if (!unwind_to(c, li + 1, true, node)) return false;
    Unwind *u = &c->uw[li];
    if (n->kind == ASL_K_continue_statement) {
      emit(c, OP_JUMP, u->start, node);
    } else {
      if (u->is_for) emit(c, OP_POP, 0, node);
      uint32_t j = emit(c, OP_JUMP, 0, node);
      asl_vec_push(&u->breaks, j);
    }
    return true;
  }
  case ASL_K_if_statement: {
    uint32_t cond = asl_child_by_field(t, node, ASL_F_condition);
    uint32_t cons = asl_child_by_field(t, node, ASL_F_consequence);
    if (cond == ASL_NONE || cons == ASL_NONE) return unsupported_kind(c, node);
    if (!expr(c, cond)) return false;
    uint32_t jf = emit(c, OP_JUMP_IF_FALSE, 0, cond);
    if (!block(c, cons)) return false;
    uint32_t ends[256], nend = 0;
    for (uint32_t k = asl_first_named(t, node); k != ASL_NONE;
         k = asl_next_named(t, k)) {
      if (t->nodes[k].field != ASL_F_alternative) continue;
      if (nend == 256) return unsupported(c, k, "too many elif clauses");
      ends[nend++] = emit(c, OP_JUMP, 0, k);
      patch(c, jf);
      jf = UINT32_MAX;
      if (t->nodes[k].kind == ASL_K_elif_clause) {
        uint32_t ec = asl_child_by_field(t, k, ASL_F_condition);
        uint32_t eb = asl_child_by_field(t, k, ASL_F_consequence);
        if (ec == ASL_NONE || eb == ASL_NONE) return unsupported_kind(c, k);
        if (!expr(c, ec)) return false;
        jf = emit(c, OP_JUMP_IF_FALSE, 0, ec);
        if (!block(c, eb)) return false;
      } else {
        uint32_t eb = asl_child_by_field(t, k, ASL_F_body);
        if (eb == ASL_NONE || !block(c, eb))
          return eb == ASL_NONE ? unsupported_kind(c, k) : false;
      }
    }
    if (jf != UINT32_MAX) patch(c, jf);
    for (uint32_t i = 0; i < nend; i++) patch(c, ends[i]);
    return true;
  }
  case ASL_K_while_statement: return loop_stmt(c, node, false);
  case ASL_K_for_statement: return loop_stmt(c, node, true);
  case ASL_K_try_statement: return try_stmt(c, node);
  case ASL_K_with_statement: return with_stmt(c, node);
  case ASL_K_raise_statement: {
    uint32_t e = asl_first_named(t, node);
    while (e != ASL_NONE && t->nodes[e].kind == ASL_K_comment)
      e = asl_next_named(t, e);
    if (e == ASL_NONE) {
      emit(c, OP_RAISE, 0, node);
      return true;
    }
    if (!expr(c, e)) return false;
    uint32_t cause = asl_child_by_field(t, node, ASL_F_cause);
    if (cause != ASL_NONE) {
      if (!expr(c, cause)) return false;
      emit(c, OP_POP, 0, cause); // the cause is not shown in the summary
    }
    emit(c, OP_RAISE, 1, node);
    return true;
  }
  case ASL_K_assert_statement: {
    uint32_t cond = asl_first_named(t, node);
    if (cond == ASL_NONE) return unsupported_kind(c, node);
    uint32_t msg = asl_next_named(t, cond);
    if (!expr(c, cond)) return false;
    uint32_t j = emit(c, OP_JUMP_IF_TRUE, 0, node);
    if (msg != ASL_NONE) {
      if (!expr(c, msg)) return false;
    } else {
      emit(c, OP_CONST, add_const(c, rt_none()), node);
    }
    emit(c, OP_ASSERT_FAIL, 0, node);
    patch(c, j);
    return true;
  }
  case ASL_K_import_statement:
  case ASL_K_import_from_statement: return import_stmt(c, node);
  case ASL_K_function_definition:
    if (!c->module) return unsupported(c, node, "nested function definition");
    return compile_def(c, node);
  case ASL_K_future_import_statement: return true;
  default: return unsupported_kind(c, node);
  }
}

static bool stmt(Comp *c, uint32_t node) {
  if (c->depth >= RT_MAX_NEST)
    return unsupported(c, node, "statement nested deeper than 200 levels");
  c->depth++;
  bool ok = stmt_inner(c, node);
  c->depth--;
  return ok && c->rt->fatal == ASL_RT_OK;
}

static bool block(Comp *c, uint32_t node) {
  const AslTree *t = c->t;
  if (t->nodes[node].kind != ASL_K_block && t->nodes[node].kind != ASL_K_module)
    return stmt(c, node);
  for (uint32_t k = asl_first_named(t, node); k != ASL_NONE;
       k = asl_next_named(t, k))
    if (!stmt(c, k)) return false;
  return true;
}

/* A literal default value, evaluated at compile time. */
static bool literal_value(Comp *c, uint32_t node, RtVal *out) {
  const AslTree *t = c->t;
  switch ((AslKind)t->nodes[node].kind) {
  case ASL_K_integer: return integer_lit(c, node, out);
  case ASL_K_float: return float_lit(c, node, out);
  case ASL_K_true: *out = rt_bool(true); return true;
  case ASL_K_false: *out = rt_bool(false); return true;
  case ASL_K_none: *out = rt_none(); return true;
  case ASL_K_string: {
    uint32_t st = asl_first_child(t, node);
    uint32_t len;
    const char *p = text(c, st, &len);
    if (len == 0 || (p[0] != '\'' && p[0] != '"'))
      return unsupported(c, node, "default value (only literals)");
    AslBuf b = {0};
    for (uint32_t k = asl_first_child(t, node); k != ASL_NONE;
         k = t->nodes[k].next)
      if (t->nodes[k].kind == ASL_K_string_content &&
          !decode_content(c, k, false, false, &b)) {
        asl_buf_free(&b);
        return false;
      }
    *out = rt_buf_to_str(c->rt, &b);
    return true;
  }
  case ASL_K_unary_operator: {
    uint32_t a = asl_child_by_field(t, node, ASL_F_argument);
    uint32_t op = asl_child_by_field(t, node, ASL_F_operator);
    if (a == ASL_NONE || op == ASL_NONE || !tok_is(c, op, "-") ||
        !literal_value(c, a, out))
      return c->rt->fatal
                 ? false
                 : unsupported(c, node, "default value (only literals)");
    if (out->t == RT_INT)
      out->u.i = -out->u.i;
    else if (out->t == RT_FLOAT)
      out->u.f = -out->u.f;
    else
      return unsupported(c, node, "default value (only literals)");
    return true;
  }
  default: return unsupported(c, node, "default value (only literals)");
  }
}

/* Is the stored identifier `i` a comprehension's target? Those bind in
 * the comprehension only (hidden slots), not in the function. */
static bool comp_target(const AslTree *t, uint32_t i) {
  for (uint32_t child = i, p = t->nodes[i].parent; p != ASL_NONE;
       child = p, p = t->nodes[p].parent) {
    AslKind k = t->nodes[p].kind;
    if (k == ASL_K_for_in_clause) return t->nodes[child].field == ASL_F_left;
    if (k == ASL_K_block || k == ASL_K_module) return false;
  }
  return false;
}

/* A module-level def/async def: parameters become the first locals,
 * every other name the body stores is a local too (Python's rule); the
 * function object is a constant stored under its name. */
static bool compile_def(Comp *outer, uint32_t node) {
  const AslTree *t = outer->t;
  Rt *rt = outer->rt;
  uint32_t name = asl_child_by_field(t, node, ASL_F_name);
  uint32_t params = asl_child_by_field(t, node, ASL_F_parameters);
  uint32_t body = asl_child_by_field(t, node, ASL_F_body);
  if (name == ASL_NONE || params == ASL_NONE || body == ASL_NONE)
    return unsupported_kind(outer, node);
  if (asl_child_by_field(t, node, ASL_F_type_parameters) != ASL_NONE)
    return unsupported(outer, node, "type parameters");
  RtCode *code = rt_alloc(rt, sizeof *code);
  code->name = asl_node_text(&rt->arena, t, outer->s, name);
  code->is_async = asl_is_async_def(t, outer->s, node);
  code->def_node = node;
  Comp *c = rt_alloc(rt, sizeof *c);
  c->rt = rt;
  c->t = t;
  c->s = outer->s;
  c->code = code;
  // Parameters are the first locals.
  RtVal defaults[64];
  for (uint32_t p = asl_first_named(t, params); p != ASL_NONE;
       p = asl_next_named(t, p)) {
    AslKind k = t->nodes[p].kind;
    uint32_t id = p, dv = ASL_NONE;
    if (k == ASL_K_comment) continue;
    if (k == ASL_K_default_parameter || k == ASL_K_typed_default_parameter) {
      id = asl_child_by_field(t, p, ASL_F_name);
      dv = asl_child_by_field(t, p, ASL_F_value);
    } else if (k == ASL_K_typed_parameter) {
      id = asl_first_named(t, p);
    } else if (k != ASL_K_identifier) {
      return unsupported(c, p, "parameter kind (only plain and default)");
    }
    if (id == ASL_NONE || t->nodes[id].kind != ASL_K_identifier)
      return unsupported(c, p, "parameter kind (only plain and default)");
    if (code->nparams == 64)
      return unsupported(c, p, "more than 64 parameters");
    if (dv != ASL_NONE) {
      if (!literal_value(c, dv, &defaults[code->ndefaults])) return false;
      code->ndefaults++;
    } else if (code->ndefaults) {
      return unsupported(c, p, "parameter order");
    }
    uint32_t len;
    const char *s = text(c, id, &len);
    if (local_slot(c, s, len) != UINT32_MAX)
      return unsupported(c, id, "duplicate parameter");
    add_local(c, s, len);
    code->nparams++;
  }
  if (code->ndefaults) {
    code->defaults = rt_alloc(rt, code->ndefaults * sizeof(RtVal));
    memcpy(code->defaults, defaults, code->ndefaults * sizeof(RtVal));
  }
  // Every name stored in the body is a local (Python's rule).
  for (uint32_t i = body; i < t->nodes[body].end; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind == ASL_K_global_statement ||
        n->kind == ASL_K_nonlocal_statement)
      return unsupported_kind(c, i);
    if (n->kind == ASL_K_identifier && asl_is_store(t, i) &&
        !comp_target(t, i)) {
      uint32_t len;
      const char *s = text(c, i, &len);
      add_local(c, s, len);
    }
  }
  if (!block(c, body)) return false;
  emit(c, OP_CONST, add_const(c, rt_none()), node);
  emit(c, OP_RETURN, 0, node);
  RtObj *fn = rt_new(rt, RT_FUNC);
  fn->u.func.code = code;
  emit(outer, OP_CONST, add_const(outer, rt_obj(fn)), node);
  store_name(outer, name);
  return true;
}

/* The module's top level; decorated definitions and classes are outside
 * the subset. */
bool rt_compile_module(Rt *rt, RtCode **out) {
  RtCode *code = rt_alloc(rt, sizeof *code);
  code->name = "<module>";
  Comp *c = rt_alloc(rt, sizeof *c);
  c->rt = rt;
  c->t = rt->tree;
  c->s = rt->src;
  c->code = code;
  c->module = true;
  const AslTree *t = rt->tree;
  for (uint32_t k = asl_first_named(t, 0); k != ASL_NONE;
       k = asl_next_named(t, k)) {
    AslKind kind = t->nodes[k].kind;
    if (kind == ASL_K_decorated_definition || kind == ASL_K_class_definition) {
      unsupported_kind(c, k);
      return false;
    }
    if (!stmt(c, k)) return false;
  }
  emit(c, OP_CONST, add_const(c, rt_none()), 0);
  emit(c, OP_RETURN, 0, 0);
  *out = code;
  return rt->fatal == ASL_RT_OK;
}
