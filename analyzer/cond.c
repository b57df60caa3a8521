/*
 * cond.c - path conditions for ASL210: binding a call's arguments to a
 * helper's parameters, deciding one test on one value, and the small CNF
 * algebra (and, or, not, substitution) the index propagates through its
 * fixpoint. Every operation is bounded by the caps of cond.h; whatever
 * does not fit is dropped, which only makes a condition weaker.
 */
#include "cond.h"

#include <stdlib.h>
#include <string.h>

/* ---- arguments ---------------------------------------------------------- */

static AslValue unknown_value(void) {
  AslValue v = {ASL_VAL_UNKNOWN, 0, -1, NULL};
  return v;
}

AslValue asl_args_bind(const AslArgs *args, const AslParam *params,
                       uint32_t nparams, uint32_t skip, uint32_t i) {
  if (!args || i >= nparams || i < skip) return unknown_value();
  const AslParam *p = &params[i];
  if (p->kind == ASL_PARAM_STAR || p->kind == ASL_PARAM_KWSTAR)
    return unknown_value();
  if (p->kind != ASL_PARAM_KWONLY) {
    uint32_t at = i - skip;
    if (at < args->npos) return args->pos[at];
    if (args->star) return unknown_value();
  }
  if (p->kind != ASL_PARAM_POSONLY)
    for (uint32_t k = 0; k < args->nkw; k++)
      if (p->name && strcmp(args->kwnames[k], p->name) == 0)
        return args->kw[k];
  if (args->kwstar && p->kind != ASL_PARAM_POSONLY) return unknown_value();
  return p->has_default ? p->dflt : unknown_value();
}

static AslValue value_copy(AslArena *a, AslValue v) {
  if (v.text) v.text = asl_arena_strdup(a, v.text);
  return v;
}

const AslArgs *asl_args_copy(AslArena *a, const AslArgs *args) {
  if (!args) return NULL;
  AslArgs *c = asl_arena_alloc(a, sizeof *c);
  *c = *args;
  AslValue *pos = asl_arena_alloc(a, sizeof *pos * (args->npos + 1u));
  for (uint32_t k = 0; k < args->npos; k++)
    pos[k] = value_copy(a, args->pos[k]);
  AslValue *kw = asl_arena_alloc(a, sizeof *kw * (args->nkw + 1u));
  const char **names = asl_arena_alloc(a, sizeof *names * (args->nkw + 1u));
  for (uint32_t k = 0; k < args->nkw; k++) {
    kw[k] = value_copy(a, args->kw[k]);
    names[k] = asl_arena_strdup(a, args->kwnames[k]);
  }
  c->pos = pos;
  c->kw = kw;
  c->kwnames = names;
  return c;
}

static uint32_t mix_str(uint32_t h, const char *s) {
  for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return (h ^ 0xff) * 16777619u;
}

static uint32_t mix_value(uint32_t h, const AslValue *v) {
  h = (h ^ v->kind) * 16777619u;
  h = (h ^ v->param) * 16777619u;
  return mix_str(h, v->text);
}

uint32_t asl_args_hash(const AslArgs *args) {
  if (!args) return 0;
  uint32_t h = 2166136261u ^ (args->star ? 1u : 0u) ^ (args->kwstar ? 2u : 0u);
  for (uint32_t k = 0; k < args->npos; k++) h = mix_value(h, &args->pos[k]);
  for (uint32_t k = 0; k < args->nkw; k++)
    h = mix_value(mix_str(h, args->kwnames[k]), &args->kw[k]);
  return h;
}

static bool same_text(const char *x, const char *y) {
  return x == y || (x && y && strcmp(x, y) == 0);
}

static bool same_value(const AslValue *x, const AslValue *y) {
  return x->kind == y->kind && x->param == y->param &&
         x->truthy == y->truthy && same_text(x->text, y->text);
}

bool asl_args_same(const AslArgs *x, const AslArgs *y) {
  if (!x || !y) return x == y;
  if (x->npos != y->npos || x->nkw != y->nkw || x->star != y->star ||
      x->kwstar != y->kwstar)
    return false;
  for (uint32_t k = 0; k < x->npos; k++)
    if (!same_value(&x->pos[k], &y->pos[k])) return false;
  for (uint32_t k = 0; k < x->nkw; k++)
    if (!same_text(x->kwnames[k], y->kwnames[k]) ||
        !same_value(&x->kw[k], &y->kw[k]))
      return false;
  return true;
}

/* ---- one test on one value ---------------------------------------------- */

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

static const char *const builtin_types[] = {
    "NoneType", "bool", "int", "float", "complex", "str", "bytes",
    "bytearray", "dict", "list", "tuple", "set", "frozenset", NULL};
static const char *const path_types[] = {
    "pathlib.Path",        "pathlib.PurePath", "pathlib.PosixPath",
    "pathlib.PurePosixPath", "os.PathLike",    NULL};

/* The class of a known value, or NULL. */
static const char *value_type(const AslValue *v) {
  switch (v->kind) {
  case ASL_VAL_NONE: return "NoneType";
  case ASL_VAL_BOOL: return "bool";
  case ASL_VAL_INT: return "int";
  case ASL_VAL_FLOAT: return "float";
  case ASL_VAL_STR: return "str";
  case ASL_VAL_BYTES: return "bytes";
  case ASL_VAL_OBJECT: return v->text;
  }
  return NULL;
}

static bool is_stdlib_concrete(const char *t) {
  return in_list(t, builtin_types) || in_list(t, path_types) ||
         strncmp(t, "io.", 3) == 0;
}

/* isinstance(v, t) for one class `t` (absolute, builtins bare). */
static int instance_of(const char *vt, const char *t) {
  if (strncmp(t, "builtins.", 9) == 0) t += 9;
  if (strcmp(t, "?") == 0) return -1;
  if (strcmp(t, "object") == 0 || strcmp(vt, t) == 0) return 1;
  if (strcmp(vt, "bool") == 0 && strcmp(t, "int") == 0) return 1;
  bool t_known = is_stdlib_concrete(t);
  if (in_list(vt, builtin_types)) return t_known ? 0 : -1;
  if (in_list(vt, path_types))
    return in_list(t, path_types) ? 1 : t_known ? 0 : -1;
  if (strcmp(vt, "io.BytesIO") == 0 || strcmp(vt, "io.StringIO") == 0) {
    static const char *const bases[] = {"io.IOBase", "io.BufferedIOBase",
                                        "io.TextIOBase", NULL};
    return in_list(t, bases) ? 1 : t_known ? 0 : -1;
  }
  // A project's class: rarely a subclass of str, Path or dict.
  return t_known ? 0 : -1;
}

static int isinstance_test(const AslValue *v, const char *types) {
  const char *vt = value_type(v);
  if (!vt || !types) return -1;
  bool unknown = false;
  char one[256];
  for (const char *p = types; *p;) {
    size_t n = strcspn(p, "|");
    if (n < sizeof one) {
      memcpy(one, p, n);
      one[n] = 0;
      int r = instance_of(vt, one);
      if (r == 1) return 1;
      unknown |= r < 0;
    } else {
      unknown = true;
    }
    p += n + (p[n] == '|');
  }
  return unknown ? -1 : 0;
}

static bool is_number(uint8_t k) {
  return k == ASL_VAL_INT || k == ASL_VAL_FLOAT || k == ASL_VAL_BOOL;
}

/* v == lit for a literal `lit`. */
static int equals(const AslValue *v, const AslValue *lit) {
  if (v->kind == ASL_VAL_UNKNOWN || v->kind == ASL_VAL_PARAM) return -1;
  if (v->kind == ASL_VAL_OBJECT && !is_stdlib_concrete(v->text)) return -1;
  if (is_number(v->kind) && is_number(lit->kind)) {
    if (v->kind != lit->kind || !v->text || !lit->text) return -1;
    if (v->kind == ASL_VAL_FLOAT) return strtod(v->text, NULL) ==
                                         strtod(lit->text, NULL);
    if (v->kind == ASL_VAL_INT)
      return strtoll(v->text, NULL, 0) == strtoll(lit->text, NULL, 0);
    return strcmp(v->text, lit->text) == 0;
  }
  if (v->kind != lit->kind) return 0;
  if (v->kind == ASL_VAL_NONE) return 1;
  if (!v->text || !lit->text) return -1;
  return strcmp(v->text, lit->text) == 0;
}

/* v.endswith(lit) (or startswith). */
static int affix_test(const AslValue *v, const AslValue *lit, bool end) {
  if (v->kind != ASL_VAL_STR || lit->kind != ASL_VAL_STR) return -1;
  if (!v->text || !lit->text) return -1;
  size_t n = strlen(v->text), m = strlen(lit->text);
  if (m > n) return 0;
  return memcmp(end ? v->text + n - m : v->text, lit->text, m) == 0;
}

/* Attributes that tell a file object from a name (`hasattr(f, "read")`). */
static const char *const file_attrs[] = {
    "read", "write", "readline", "readlines", "seek", "tell", "fileno",
    "flush", "close", "getvalue", NULL};

static int hasattr_test(const AslValue *v, const char *attr) {
  if (!attr || !in_list(attr, file_attrs)) return -1;
  const char *vt = value_type(v);
  if (!vt) return -1;
  if (strcmp(vt, "io.BytesIO") == 0 || strcmp(vt, "io.StringIO") == 0)
    return 1;
  if (in_list(vt, builtin_types) || in_list(vt, path_types)) return 0;
  return -1;
}

int asl_value_test(const AslValue *v, const AslAtom *at) {
  if (v->kind == ASL_VAL_UNKNOWN || v->kind == ASL_VAL_PARAM) return -1;
  switch (at->test) {
  case ASL_TEST_IS_NONE: return v->kind == ASL_VAL_NONE;
  case ASL_TEST_TRUTHY: return v->kind == ASL_VAL_NONE ? 0 : v->truthy;
  case ASL_TEST_ISINSTANCE: return isinstance_test(v, at->text);
  case ASL_TEST_HASATTR: return hasattr_test(v, at->text);
  case ASL_TEST_EQ:
  case ASL_TEST_ENDSWITH:
  case ASL_TEST_STARTSWITH: {
    // A method a None, a number or a container lacks raises before
    // anything after the test runs.
    if (at->test != ASL_TEST_EQ && v->kind != ASL_VAL_STR &&
        v->kind != ASL_VAL_BYTES &&
        (v->kind != ASL_VAL_OBJECT || in_list(v->text, builtin_types) ||
         in_list(v->text, path_types)))
      return 0;
    bool unknown = false;
    for (uint32_t k = 0; k < at->nlits; k++) {
      int r = at->test == ASL_TEST_EQ
                  ? equals(v, &at->lits[k])
                  : affix_test(v, &at->lits[k], at->test == ASL_TEST_ENDSWITH);
      if (r == 1) return 1;
      unknown |= r < 0;
    }
    return unknown ? -1 : 0;
  }
  }
  return -1;
}

/* ---- the algebra ---------------------------------------------------------- */

AslCond asl_cond_atom(AslArena *a, const AslAtom *atom) {
  AslAtom *at = asl_arena_alloc(a, sizeof *at);
  *at = *atom;
  at->clause = 0;
  return (AslCond){at, 1, 1, false, true};
}

static bool same_atom(const AslAtom *x, const AslAtom *y) {
  if (x->test != y->test || x->param != y->param ||
      x->negated != y->negated || x->nlits != y->nlits ||
      !same_text(x->text, y->text))
    return false;
  for (uint32_t k = 0; k < x->nlits; k++)
    if (!same_value(&x->lits[k], &y->lits[k])) return false;
  return true;
}

/* The atoms of clause `c` of `x`: [*from, *to). Atoms are sorted by
 * clause. */
static void clause_span(AslCond x, uint32_t c, uint32_t *from, uint32_t *to) {
  uint32_t i = 0;
  while (i < x.natoms && x.atoms[i].clause < c) i++;
  *from = i;
  while (i < x.natoms && x.atoms[i].clause == c) i++;
  *to = i;
}

/* Does clause cx of x have every atom of clause cy of y (so cx implies
 * cy, a disjunction being implied by any of its parts)? */
static bool clause_within(AslCond x, uint32_t cx, AslCond y, uint32_t cy) {
  uint32_t xf, xt, yf, yt;
  clause_span(x, cx, &xf, &xt);
  clause_span(y, cy, &yf, &yt);
  for (uint32_t i = xf; i < xt; i++) {
    bool found = false;
    for (uint32_t k = yf; k < yt && !found; k++)
      found = same_atom(&x.atoms[i], &y.atoms[k]);
    if (!found) return false;
  }
  return true;
}

bool asl_cond_implies(AslCond x, AslCond y) {
  if (x.never) return true;
  if (y.never) return false;
  for (uint32_t cy = 0; cy < y.nclauses; cy++) {
    bool implied = false;
    for (uint32_t cx = 0; cx < x.nclauses && !implied; cx++)
      implied = clause_within(x, cx, y, cy);
    if (!implied) return false;
  }
  return true;
}

/* Appends clause cy of y as clause number `as` of the atoms `out`. */
static void push_clause(AslAtom *out, uint32_t *n, AslCond y, uint32_t cy,
                        uint8_t as) {
  uint32_t f, t;
  clause_span(y, cy, &f, &t);
  for (uint32_t i = f; i < t; i++) {
    out[*n] = y.atoms[i];
    out[(*n)++].clause = as;
  }
}

AslCond asl_cond_and(AslArena *a, AslCond x, AslCond y) {
  if (x.never || y.never) return (AslCond){NULL, 0, 0, true, true};
  if (!y.natoms) return (AslCond){x.atoms, x.natoms, x.nclauses, false,
                                  x.exact && y.exact};
  if (!x.natoms) return (AslCond){y.atoms, y.natoms, y.nclauses, false,
                                  x.exact && y.exact};
  AslAtom *out = asl_arena_alloc(a, sizeof *out * (x.natoms + y.natoms));
  uint32_t n = 0, nc = 0;
  bool dropped = false;
  for (uint32_t c = 0; c < x.nclauses; c++) push_clause(out, &n, x, c, nc++);
  for (uint32_t c = 0; c < y.nclauses; c++) {
    bool known = false;
    for (uint32_t k = 0; k < x.nclauses && !known; k++)
      known = clause_within(x, k, y, c) && clause_within(y, c, x, k);
    if (known) continue;
    if (nc >= ASL_COND_MAX_CLAUSES) {
      dropped = true;
      continue;
    }
    push_clause(out, &n, y, c, nc++);
  }
  return (AslCond){out, (uint16_t)n, (uint8_t)nc, false,
                   x.exact && y.exact && !dropped};
}

AslCond asl_cond_or(AslArena *a, AslCond x, AslCond y) {
  if (x.never) return y;
  if (y.never) return x;
  if (!x.natoms || !y.natoms) return ASL_COND_ALWAYS;
  uint32_t cap = ASL_COND_MAX_CLAUSES * ASL_COND_MAX_ATOMS;
  AslAtom *out = asl_arena_alloc(a, sizeof *out * cap);
  uint32_t n = 0, nc = 0;
  bool dropped = false;
  for (uint32_t cx = 0; cx < x.nclauses; cx++)
    for (uint32_t cy = 0; cy < y.nclauses; cy++) {
      uint32_t xf, xt, yf, yt;
      clause_span(x, cx, &xf, &xt);
      clause_span(y, cy, &yf, &yt);
      if (nc >= ASL_COND_MAX_CLAUSES ||
          (xt - xf) + (yt - yf) > ASL_COND_MAX_ATOMS) {
        dropped = true;
        continue;
      }
      push_clause(out, &n, x, cx, (uint8_t)nc);
      push_clause(out, &n, y, cy, (uint8_t)nc);
      nc++;
    }
  if (!nc) return ASL_COND_ALWAYS;
  return (AslCond){out, (uint16_t)n, (uint8_t)nc, false,
                   x.exact && y.exact && !dropped};
}

AslCond asl_cond_not(AslArena *a, AslCond x) {
  if (x.never) return (AslCond){NULL, 0, 0, false, true};
  if (!x.exact) return ASL_COND_ALWAYS;
  if (!x.natoms) return (AslCond){NULL, 0, 0, true, true};
  AslAtom *out = asl_arena_alloc(a, sizeof *out * x.natoms);
  if (x.natoms == x.nclauses) { // a conjunction: one clause of negations
    if (x.natoms > ASL_COND_MAX_ATOMS) return ASL_COND_ALWAYS;
    for (uint32_t i = 0; i < x.natoms; i++) {
      out[i] = x.atoms[i];
      out[i].negated = !out[i].negated;
      out[i].clause = 0;
    }
    return (AslCond){out, x.natoms, 1, false, true};
  }
  if (x.nclauses == 1) { // a disjunction: a clause per negation
    if (x.natoms > ASL_COND_MAX_CLAUSES) return ASL_COND_ALWAYS;
    for (uint32_t i = 0; i < x.natoms; i++) {
      out[i] = x.atoms[i];
      out[i].negated = !out[i].negated;
      out[i].clause = (uint8_t)i;
    }
    return (AslCond){out, x.natoms, (uint8_t)x.natoms, false, true};
  }
  return ASL_COND_ALWAYS;
}

static AslAtom atom_copy(AslArena *a, const AslAtom *at) {
  AslAtom c = *at;
  if (c.text) c.text = asl_arena_strdup(a, c.text);
  if (c.nlits) {
    AslValue *lits = asl_arena_alloc(a, sizeof *lits * c.nlits);
    for (uint32_t k = 0; k < c.nlits; k++)
      lits[k] = value_copy(a, at->lits[k]);
    c.lits = lits;
  }
  return c;
}

AslCond asl_cond_copy(AslArena *a, AslCond x) {
  if (!x.natoms) return x;
  AslAtom *out = asl_arena_alloc(a, sizeof *out * x.natoms);
  for (uint32_t i = 0; i < x.natoms; i++) out[i] = atom_copy(a, &x.atoms[i]);
  x.atoms = out;
  return x;
}

/* One atom at a call: 1, 0 or -1, negation applied. */
static int atom_at(const AslAtom *at, const AslBinder *b, AslValue *v) {
  *v = asl_args_bind(b->args, b->params, b->nparams, b->skip, at->param);
  if (v->kind == ASL_VAL_CALL) {
    const char *cls = b->class_of ? b->class_of(b->ctx, v->text) : NULL;
    v->kind = cls ? ASL_VAL_OBJECT : ASL_VAL_UNKNOWN;
    v->text = cls;
    v->truthy = -1;
  }
  int r = asl_value_test(v, at);
  return r < 0 ? -1 : at->negated ? !r : r;
}

int asl_cond_eval(AslCond c, const AslBinder *b) {
  if (c.never) return 0;
  int all = 1;
  for (uint32_t cl = 0; cl < c.nclauses; cl++) {
    uint32_t f, t;
    clause_span(c, cl, &f, &t);
    int clause = 0;
    for (uint32_t i = f; i < t && clause != 1; i++) {
      AslValue v;
      int r = atom_at(&c.atoms[i], b, &v);
      if (r == 1) clause = 1;
      else if (r < 0) clause = -1;
    }
    if (clause == 0) return 0;
    if (clause < 0) all = -1;
  }
  return all;
}

bool asl_cond_subst(AslArena *a, AslCond c, const AslBinder *b,
                    AslCond *out) {
  *out = ASL_COND_ALWAYS;
  if (c.never) return false;
  if (!c.natoms) return true;
  AslAtom *atoms = asl_arena_alloc(a, sizeof *atoms * c.natoms);
  uint32_t n = 0, nc = 0;
  for (uint32_t cl = 0; cl < c.nclauses; cl++) {
    uint32_t f, t, start = n;
    clause_span(c, cl, &f, &t);
    bool holds = false; // satisfied, or depends on what we cannot know
    for (uint32_t i = f; i < t && !holds; i++) {
      AslValue v;
      int r = atom_at(&c.atoms[i], b, &v);
      if (v.kind == ASL_VAL_PARAM) {
        atoms[n] = c.atoms[i];
        atoms[n].param = v.param;
        atoms[n++].clause = (uint8_t)nc;
      } else if (r != 0) {
        holds = true;
      }
    }
    if (holds) {
      n = start;
      continue;
    }
    if (n == start) return false; // every test of the clause fails here
    nc++;
  }
  *out = (AslCond){atoms, (uint16_t)n, (uint8_t)nc, false, false};
  return true;
}
