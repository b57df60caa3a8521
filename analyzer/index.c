/*
 * index.c - phase 2: the project index. Maps (project, module name) to the
 * facts of the file that defines it and answers "what does this dotted
 * name denote?" by following imports, re-exports, star imports and class
 * bases through other modules' facts. Every walk is a loop with a budget
 * (a chain of re-exports or bases may be cyclic), never open recursion.
 */
#include "index.h"

#include <stdlib.h>
#include <string.h>

/* Hops (import targets followed, star sources tried, bases visited) one
 * question may take; real chains are a handful long. */
enum { MAX_HOPS = 48, MAX_CLASSES = 64 };

/* Bases outside the project known to add no public methods of their own,
 * so a method lookup walks past them (Repo(abc.ABC) then a mixin). */
static const char *const transparent_bases[] = {
    "object", "abc.ABC", "typing.Generic", "typing.Protocol",
    "typing_extensions.Protocol", NULL};

static bool is_transparent(const char *base) {
  for (const char *const *b = transparent_bases; *b; b++)
    if (strcmp(base, *b) == 0) return true;
  return false;
}

typedef struct Reason {
  uint32_t owner;        /* the function it is a reason of */
  uint32_t bfunc, bsite; /* the direct blocking call: function, index */
  uint32_t via;          /* the callee's reason it comes through, or
                            ASL_NONE for a call in the function itself */
  uint32_t depth;        /* functions in its chain */
  AslCond cond;          /* over the owner's parameters */
} Reason;

typedef struct ReasonList {
  uint32_t *items, len, cap;
} ReasonList;

struct AslIndex {
  AslFileFacts *const *files;
  uint32_t nfiles;
  uint32_t *slots;    /* open addressing: file index + 1, 0 = empty */
  bool *ambiguous;    /* per slot: two files claim the module */
  uint32_t nslots;
  AslArena *scratch;  /* strings of answers (EXTERNAL names) */
  /* ASL210 "may block" summaries over every file's sync functions: */
  uint32_t *func_base;  /* per file: global id of its first function */
  uint32_t nfuncs;
  uint32_t *func_slots; /* open addressing by (path, line, column): id+1 */
  uint32_t nfunc_slots;
  Reason *reasons;        /* why functions may block (see below) */
  uint32_t nreasons, reasons_cap;
  ReasonList *of;         /* per function: the ids of its reasons */
  AslArena *conds;        /* the reasons' conditions */
  AslIndexWatch watch;  /* watch mode (asl_index_watch) */
  void *watch_ctx;
  uint8_t *reached;     /* watch mode: functions walked forward */
  uint32_t *in_bases;   /* watch mode: depth of base walks with more to
                           walk after them (AslIndexWatch) */
  struct NameTable *by_name; /* every def bound at module or class level,
                                by (project, name): asl_index_async_only,
                                built at its first question (the rounds'
                                indexes rarely ask one) */
  const AslFileFacts **conftests; /* the conftest.py files, by path */
  uint32_t nconftests;
  struct SiteRef *sites; /* every file's uses of class-like names, by
                            the word of their last component */
  uint32_t nsites;
  AslExternalResult external_result; /* steps past EXTERNAL names */
  bool library;         /* fall back to ASL_LIBRARY_PROJECT */
};

/* The defs by name (ASL104), built when first asked for. */
struct NameTable {
  bool built;
  struct NameDef *names;
  uint32_t nnames;
};

static void index_functions(AslIndex *idx);
static void index_names(const AslIndex *idx);
static void index_conftests(AslIndex *idx);
static void index_sites(AslIndex *idx);
static void build_block_summaries(AslIndex *idx);

uint32_t asl_hash_module(uint32_t project, const char *s, size_t n) {
  uint32_t h = 2166136261u ^ project;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static bool same_name(const char *name, const char *s, size_t n) {
  return name && strncmp(name, s, n) == 0 && name[n] == 0;
}

/* Is f module s[0..n) of `project`, by its name or its namespace alias? */
static bool same_module(const AslFileFacts *f, uint32_t project,
                        const char *s, size_t n) {
  return f->project == project &&
         (same_name(f->module, s, n) || same_name(f->alias, s, n));
}

/* Adds file k under its namespace alias, unless a module of that name
 * exists (a real package wins over a path through namespace folders). */
static void index_insert_alias(AslIndex *idx, uint32_t k) {
  const AslFileFacts *f = idx->files[k];
  size_t n = strlen(f->alias);
  uint32_t h = asl_hash_module(f->project, f->alias, n) & (idx->nslots - 1);
  for (; idx->slots[h]; h = (h + 1) & (idx->nslots - 1))
    if (same_module(idx->files[idx->slots[h] - 1], f->project, f->alias, n))
      return;
  idx->slots[h] = k + 1;
}

/* Adds file k to the table; a second claimant makes the slot ambiguous,
 * except that a .py beside its .pyi wins over the stub. */
static void index_insert(AslIndex *idx, uint32_t k) {
  const AslFileFacts *f = idx->files[k];
  size_t n = strlen(f->module);
  uint32_t h = asl_hash_module(f->project, f->module, n) & (idx->nslots - 1);
  for (;; h = (h + 1) & (idx->nslots - 1)) {
    if (idx->slots[h] == 0) {
      idx->slots[h] = k + 1;
      return;
    }
    const AslFileFacts *old = idx->files[idx->slots[h] - 1];
    if (!same_module(old, f->project, f->module, n)) continue;
    if (old->is_stub != f->is_stub) {
      if (old->is_stub) idx->slots[h] = k + 1;
    } else {
      idx->ambiguous[h] = true;
    }
    return;
  }
}

/* The module table and the function table; no summaries yet. */
static AslIndex *index_tables(AslFileFacts *const *facts, uint32_t n) {
  AslIndex *idx = asl_calloc(1, sizeof *idx);
  idx->files = facts;
  idx->nfiles = n;
  idx->nslots = 16;
  while (idx->nslots < n * 4) idx->nslots *= 2; // names and aliases
  idx->slots = asl_calloc(idx->nslots, sizeof *idx->slots);
  idx->ambiguous = asl_calloc(idx->nslots, sizeof *idx->ambiguous);
  idx->scratch = asl_calloc(1, sizeof *idx->scratch);
  asl_arena_init(idx->scratch);
  for (uint32_t k = 0; k < n; k++)
    if (facts[k]->module) index_insert(idx, k);
  for (uint32_t k = 0; k < n; k++)
    if (facts[k]->module && facts[k]->alias) index_insert_alias(idx, k);
  index_functions(idx);
  idx->by_name = asl_calloc(1, sizeof *idx->by_name);
  index_conftests(idx);
  index_sites(idx);
  return idx;
}

AslIndex *asl_index_new(AslFileFacts *const *facts, uint32_t n) {
  AslIndex *idx = index_tables(facts, n);
  build_block_summaries(idx);
  return idx;
}

AslIndex *asl_index_new_watching(AslFileFacts *const *facts, uint32_t n,
                                 AslIndexWatch fn, void *ctx) {
  AslIndex *idx = index_tables(facts, n);
  idx->watch = fn;
  idx->watch_ctx = ctx;
  if (idx->nfuncs) idx->reached = asl_calloc(idx->nfuncs, sizeof *idx->reached);
  idx->in_bases = asl_calloc(1, sizeof *idx->in_bases);
  return idx;
}

void asl_index_set_external_result(AslIndex *idx, AslExternalResult fn) {
  idx->external_result = fn;
}

void asl_index_use_library(AslIndex *idx) { idx->library = true; }

void asl_index_delete(AslIndex *idx) {
  if (!idx) return;
  asl_free(idx->slots);
  asl_free(idx->ambiguous);
  asl_free(idx->func_base);
  asl_free(idx->func_slots);
  for (uint32_t g = 0; idx->of && g < idx->nfuncs; g++)
    asl_vec_free(&idx->of[g]);
  asl_free(idx->of);
  asl_free(idx->reasons);
  if (idx->conds) asl_arena_destroy(idx->conds);
  asl_free(idx->conds);
  asl_free(idx->reached);
  asl_free(idx->in_bases);
  if (idx->by_name) asl_free(idx->by_name->names);
  asl_free(idx->by_name);
  asl_free(idx->conftests);
  asl_free(idx->sites);
  asl_arena_destroy(idx->scratch);
  asl_free(idx->scratch);
  asl_free(idx);
}

/* Stands for a module two files claim. */
static const AslFileFacts ambiguous_module;

/* The facts of module s[0..n) in the project of file `from`; the asking
 * file's own module always answers for itself, even when another file
 * claims the same name (two `conftest.py` in one project). NULL if none,
 * &ambiguous_module if two files claim it. */
/* Module s[0..n) of `project` (the watcher hears the lookup). */
static const AslFileFacts *find_in_project(const AslIndex *idx,
                                           uint32_t project, const char *s,
                                           size_t n) {
  if (idx->watch)
    idx->watch(idx->watch_ctx, project, s, n, *idx->in_bases > 0, false);
  uint32_t h = asl_hash_module(project, s, n) & (idx->nslots - 1);
  for (; idx->slots[h]; h = (h + 1) & (idx->nslots - 1)) {
    const AslFileFacts *f = idx->files[idx->slots[h] - 1];
    if (same_module(f, project, s, n))
      return idx->ambiguous[h] ? &ambiguous_module : f;
  }
  return NULL;
}

static const AslFileFacts *find_module(const AslIndex *idx, uint32_t from,
                                       const char *s, size_t n) {
  const AslFileFacts *self = from < idx->nfiles ? idx->files[from] : NULL;
  if (!self) return NULL;
  if (self->module && same_module(self, self->project, s, n)) return self;
  const AslFileFacts *f = find_in_project(idx, self->project, s, n);
  // A module the project lacks may be a library's (its own modules win).
  if (!f && idx->library && self->project != ASL_LIBRARY_PROJECT)
    f = find_in_project(idx, ASL_LIBRARY_PROJECT, s, n);
  return f;
}

/* ---- bindings ----------------------------------------------------------- */

/* The bindings of `name` (n bytes) in a sorted array: [*first, return). */
static uint32_t find_bindings(const AslFactBinding *v, uint32_t len,
                              const char *name, size_t n, uint32_t *first) {
  uint32_t lo = 0, hi = len;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = strncmp(v[mid].name, name, n);
    if (c == 0 && v[mid].name[n] != 0) c = 1;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  *first = lo;
  while (hi < len && strncmp(v[hi].name, name, n) == 0 && v[hi].name[n] == 0)
    hi++;
  return hi;
}

static bool same_strs(const char *const *a, uint32_t na, const char *const *b,
                      uint32_t nb) {
  if (na != nb) return false;
  for (uint32_t k = 0; k < na; k++)
    if (strcmp(a[k], b[k]) != 0) return false;
  return true;
}

static bool same_binding(const AslFactBinding *a, const AslFactBinding *b) {
  if (a->kind != b->kind) return false;
  if (a->kind == ASL_FACT_IMPORT)
    return a->target && b->target && strcmp(a->target, b->target) == 0;
  if (a->kind == ASL_FACT_CLASS) return a->cls == b->cls;
  if (a->kind == ASL_FACT_VALUE) return false; // two values may differ
  return same_strs(a->decorators, a->ndecorators, b->decorators,
                   b->ndecorators);
}

/* The binding a name certainly has: the last of several that all agree
 * (a redefinition), NULL with *ambiguous set when they disagree (sync in
 * one branch, async in the other; an import in `try`, a def in `except`),
 * NULL alone when the name is not bound. */
static const AslFactBinding *certain_binding(const AslFactBinding *v,
                                             uint32_t len, const char *name,
                                             size_t n, bool *ambiguous) {
  uint32_t first, end = find_bindings(v, len, name, n, &first);
  *ambiguous = false;
  if (first == end) return NULL;
  for (uint32_t k = first + 1; k < end; k++)
    if (!same_binding(&v[first], &v[k])) {
      *ambiguous = true;
      return NULL;
    }
  return &v[end - 1];
}

/* ---- answers ------------------------------------------------------------ */

/* One answer under construction. */
typedef struct Hit {
  AslDefKind kind;
  const AslFileFacts *file;   /* MODULE, CLASS and the defs */
  const AslFactBinding *b;    /* CLASS and the defs */
  const char *external;       /* EXTERNAL */
} Hit;

static void hit_binding(Hit *h, const AslFileFacts *f,
                        const AslFactBinding *b) {
  static const AslDefKind kinds[] = {
      [ASL_FACT_FUNCTION] = ASL_DEF_FUNCTION,
      [ASL_FACT_COROUTINE] = ASL_DEF_COROUTINE,
      [ASL_FACT_ASYNCGEN] = ASL_DEF_ASYNCGEN,
      [ASL_FACT_CLASS] = ASL_DEF_CLASS,
      [ASL_FACT_IMPORT] = ASL_DEF_UNKNOWN,
      [ASL_FACT_VALUE] = ASL_DEF_UNKNOWN,
      [ASL_FACT_UNPARSED] = ASL_DEF_UNKNOWN,
  };
  h->kind = kinds[b->kind];
  // A callable declared to give an awaitable is a coroutine function to
  // its callers (its call must be awaited).
  if (b->kind == ASL_FACT_VALUE && b->awaitable) h->kind = ASL_DEF_COROUTINE;
  h->file = f;
  h->b = b;
}

static void hit_external(const AslIndex *idx, Hit *h, const char *a,
                         const char *b) {
  h->kind = ASL_DEF_EXTERNAL;
  h->external = b ? asl_arena_printf(idx->scratch, "%s.%s", a, b)
                  : asl_arena_strdup(idx->scratch, a);
}

static void resolve_hit(const AslIndex *idx, uint32_t from, const char *dotted,
                        int *budget, Hit *out);

/* One step of a depth-first walk over a class and its bases. */
typedef struct ClassStep {
  const AslFileFacts *file; /* NULL: a base we cannot see into */
  uint32_t cls;
  const char *external;     /* a base outside the project, or NULL */
  bool skip_self;
} ClassStep;

typedef AslVec(ClassStep) ClassStepVec;

/* Pushes the bases of class (f, cls) in reverse, so they pop in order. */
static void push_bases(const AslIndex *idx, uint32_t from,
                       const AslFileFacts *f, uint32_t cls, int *budget,
                       ClassStepVec *stack) {
  const AslFactClass *c = &f->classes[cls];
  // The walk goes on past these bases: a sibling, or an ancestor's.
  bool more = stack->len > 0 || c->nbases > 1;
  if (more && idx->in_bases) ++*idx->in_bases;
  for (uint32_t k = c->nbases; k-- > 0;) {
    ClassStep s = {NULL, 0, NULL, false};
    Hit h = {0};
    if (strcmp(c->bases[k], "?") != 0)
      resolve_hit(idx, from, c->bases[k], budget, &h);
    if (h.kind == ASL_DEF_CLASS && h.b->cls != ASL_NONE) {
      s.file = h.file;
      s.cls = h.b->cls;
    } else if (h.kind == ASL_DEF_EXTERNAL) {
      s.external = h.external;
    }
    asl_vec_push(stack, s);
  }
  if (more && idx->in_bases) --*idx->in_bases;
}

/* Does class step `s` come again after position i of `order`? */
static bool recurs_after(const ClassStepVec *order, uint32_t i) {
  const ClassStep *s = &order->items[i];
  for (uint32_t j = i + 1; j < order->len; j++) {
    const ClassStep *o = &order->items[j];
    if (s->file ? o->file == s->file && o->cls == s->cls
                : s->external && o->external &&
                      strcmp(o->external, s->external) == 0)
      return true;
  }
  return false;
}

/* Looks `method` up on one step of the walk: true when the step decides
 * (*out holds the answer: a binding, AMBIGUOUS, EXTERNAL, or UNKNOWN for a
 * base we cannot see into). */
static bool step_decides(const AslIndex *idx, const ClassStep *s,
                         const char *method, size_t n, Hit *out) {
  if (s->external) {
    if (is_transparent(s->external)) return false;
    hit_external(idx, out, s->external, method);
    return true;
  }
  if (!s->file) return true; // UNKNOWN
  if (s->skip_self) return false;
  const AslFactClass *c = &s->file->classes[s->cls];
  bool ambiguous;
  const AslFactBinding *b =
      certain_binding(c->members, c->nmembers, method, n, &ambiguous);
  if (ambiguous) out->kind = ASL_DEF_AMBIGUOUS;
  else if (b) hit_binding(out, s->file, b);
  return ambiguous || b;
}

/* Finds `method` on class (f, cls) or its bases in Python's method
 * resolution order: depth-first, left to right, but a class shared by
 * several paths (a diamond's top, a mixin's base) only at its last visit,
 * after every class that derives from it (this agrees with C3 on the
 * hierarchies real code writes). Single inheritance stops at the first
 * class that binds it; once some class has several bases the walk is
 * collected whole first. A base outside the project answers EXTERNAL
 * "base.method" (a catalog may know it); a base we cannot name stops the
 * walk with UNKNOWN, since it might define it. */
static void method_hit(const AslIndex *idx, uint32_t from,
                       const AslFileFacts *f, uint32_t cls, const char *method,
                       bool skip_self, int *budget, Hit *out) {
  ClassStepVec stack = {0}, order = {0};
  ClassStep first = {f, cls, NULL, skip_self};
  asl_vec_push(&stack, first);
  memset(out, 0, sizeof *out);
  size_t n = strlen(method);
  bool multi = false, decided = false;
  for (uint32_t visited = 0; stack.len && visited < MAX_CLASSES; visited++) {
    ClassStep s = stack.items[--stack.len];
    if (!multi && step_decides(idx, &s, method, n, out)) {
      decided = true;
      break;
    }
    asl_vec_push(&order, s);
    if (!s.file || s.external) {
      if (!s.file && !s.external) break; // nothing is known past it
      continue;
    }
    if (--*budget <= 0) break;
    multi |= s.file->classes[s.cls].nbases > 1;
    push_bases(idx, from, s.file, s.cls, budget, &stack);
  }
  if (multi && !decided) {
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < order.len; i++)
      if (!recurs_after(&order, i) &&
          step_decides(idx, &order.items[i], method, n, out))
        break;
  }
  asl_vec_free(&stack);
  asl_vec_free(&order);
}

/* The longest prefix of `s` (ending at a dot or the end) that names a
 * module; its length in *plen. */
static const AslFileFacts *longest_module(const AslIndex *idx, uint32_t from,
                                          const char *s, size_t *plen) {
  size_t n = strlen(s);
  for (;;) {
    const AslFileFacts *f = find_module(idx, from, s, n);
    if (f) {
      *plen = n;
      return f;
    }
    while (n > 0 && s[n - 1] != '.') n--;
    if (n == 0) return NULL;
    n--;
  }
}

/* A name a module does not bind itself may come from its star imports:
 * the first source in the project that binds it wins (whatever it binds
 * it to); else a lone source outside the project answers EXTERNAL; else,
 * if every source is in the project, the name is a builtin. */
static void star_hit(const AslIndex *idx, uint32_t from,
                     const AslFileFacts *f, const char *rest, int *budget,
                     Hit *out) {
  memset(out, 0, sizeof *out);
  const char *outside = NULL;
  uint32_t noutside = 0;
  for (uint32_t k = 0; k < f->nstars && *budget > 0; k++) {
    const char *src = f->stars[k];
    // A watcher hears the name looked up (after the module's length).
    char *name = idx->watch
                     ? asl_arena_printf(idx->scratch, "%s.%s", src, rest)
                     : NULL;
    const AslFileFacts *sf =
        find_module(idx, from, name ? name : src, strlen(src));
    if (sf == &ambiguous_module) return;
    if (!sf) {
      outside = src;
      noutside++;
      continue;
    }
    if (!name) name = asl_arena_printf(idx->scratch, "%s.%s", src, rest);
    Hit h;
    resolve_hit(idx, from, name, budget, &h);
    if (h.kind != ASL_DEF_UNKNOWN) {
      *out = h;
      return;
    }
  }
  if (noutside == 1) hit_external(idx, out, outside, rest);
  // (`object` in a file with a star import reads "mod.object".)
  if (noutside == 0 && f->nstars && !strchr(rest, '.'))
    hit_external(idx, out, rest, NULL);
}

/* Resolves `dotted` (see asl_index_resolve). Each import followed costs
 * one unit of *budget; star sources recurse with the same budget, so the
 * depth is bounded by MAX_HOPS. */
static void resolve_hit(const AslIndex *idx, uint32_t from, const char *dotted,
                        int *budget, Hit *out) {
  memset(out, 0, sizeof *out);
  const char *cur = dotted;
  while ((*budget)-- > 0) {
    size_t plen;
    const AslFileFacts *f = longest_module(idx, from, cur, &plen);
    if (!f) {
      hit_external(idx, out, cur, NULL);
      return;
    }
    if (f == &ambiguous_module) {
      out->kind = ASL_DEF_AMBIGUOUS;
      return;
    }
    if (cur[plen] == 0) {
      out->kind = ASL_DEF_MODULE;
      out->file = f;
      return;
    }
    const char *rest = cur + plen + 1;
    const char *dot = strchr(rest, '.');
    size_t n = dot ? (size_t)(dot - rest) : strlen(rest);
    bool ambiguous;
    const AslFactBinding *b =
        certain_binding(f->names, f->nnames, rest, n, &ambiguous);
    if (ambiguous) {
      out->kind = ASL_DEF_AMBIGUOUS;
      return;
    }
    if (!b) {
      star_hit(idx, from, f, rest, budget, out);
      return;
    }
    if (b->kind == ASL_FACT_UNPARSED) { // answers nothing until parsed
      if (idx->watch) // cur[plen] is the dot before the name
        idx->watch(idx->watch_ctx, f->project, cur, plen, *idx->in_bases > 0,
                   true);
      return;
    }
    if (b->kind == ASL_FACT_IMPORT) {
      if (!b->target) return;
      cur = dot ? asl_arena_printf(idx->scratch, "%s%s", b->target, dot)
                : b->target;
      continue;
    }
    if (b->kind == ASL_FACT_CLASS && dot && !strchr(dot + 1, '.')) {
      method_hit(idx, from, f, b->cls, dot + 1, false, budget, out);
      return;
    }
    if (!dot) hit_binding(out, f, b);
    return;
  }
}

static AslDefKind fill_def(const Hit *h, AslDef *out) {
  memset(out, 0, sizeof *out);
  out->kind = h->kind;
  if (h->kind == ASL_DEF_EXTERNAL) {
    out->name = h->external;
    return out->kind;
  }
  if (h->file) {
    out->module = h->file->module;
    out->path = h->file->path;
    out->name = h->file->module;
  }
  if (h->b) {
    out->name = h->b->qualname;
    out->line = h->b->line;
    out->column = h->b->column;
    out->decorators = h->b->decorators;
    out->ndecorators = h->b->ndecorators;
    if (h->b->kind == ASL_FACT_VALUE && h->b->awaitable)
      out->role = "is annotated as a callable returning an awaitable";
    out->task_wrapper = h->b->task_wrapper;
    out->returns_coroutine = h->b->returns_coroutine;
    out->gives_coroutine_function = h->b->gives_coroutine_function;
    out->value_type = h->b->value_type;
  }
  return out->kind;
}

static const AslFactBinding *fixture_hit(const AslIndex *idx, uint32_t from,
                                         const char *name,
                                         const AslFileFacts **file);

AslDefKind asl_index_resolve(const AslIndex *idx, uint32_t from,
                             const char *dotted, AslDef *out) {
  int budget = MAX_HOPS;
  Hit h;
  if (dotted[0] == '@') { // a pytest fixture whose value is called
    const AslFileFacts *f = NULL;
    const AslFactBinding *b = fixture_hit(idx, from, dotted + 1, &f);
    memset(&h, 0, sizeof h);
    if (b && strcmp(b->fixture, "!") == 0) {
      hit_binding(&h, f, b);
      h.kind = ASL_DEF_COROUTINE; // its value is a coroutine function
    }
    fill_def(&h, out);
    out->decorators = NULL; // the value's, not the fixture's
    out->ndecorators = 0;
    if (h.kind) out->role = "is a pytest fixture whose value is a coroutine "
                            "function";
    return out->kind;
  }
  resolve_hit(idx, from, dotted, &budget, &h);
  return fill_def(&h, out);
}

/* ---- receiver types ------------------------------------------------------
 * A receiver's class as rules/callee.c writes it: an absolute name whose
 * call gives the object (a class: an instance; a function: what its return
 * annotation names), then steps separated by '|': "await" (the awaited
 * result of the async def just called), "aenter"/"enter" (what `async
 * with`/`with` binds), ".name()" (a method's result), ".name" (a
 * property's value). Each step reads a return annotation (or `return
 * self`) written in the project: nothing is inferred. */

static bool is_property(const AslFactBinding *b) {
  for (uint32_t k = 0; k < b->ndecorators; k++)
    if (strcmp(b->decorators[k], "property") == 0 ||
        strcmp(b->decorators[k], "functools.cached_property") == 0)
      return true;
  return false;
}

/* Does the rest of a receiver type *op start with step `word`? If so,
 * moves *op past it (NULL at the end). */
static bool take_step(const char **op, const char *word) {
  size_t n = strlen(word);
  if (!*op || strncmp(*op, word, n) != 0 || ((*op)[n] != '|' && (*op)[n]))
    return false;
  *op = (*op)[n] ? *op + n + 1 : NULL;
  return true;
}

/* What a call of the def in *h gives, taking the steps that apply to the
 * call from *op: the class a context-manager generator's `with` binds
 * ("enter"/"aenter"), or what `returns` names when a sync def is called or
 * an async def's call awaited (`awaited`: already, as `async with` does
 * __aenter__). Else UNKNOWN. */
static void call_result_hit(const AslIndex *idx, uint32_t from, Hit *h,
                            bool awaited, const char **op, int *budget) {
  const AslFactBinding *b = h->b;
  const char *type = NULL;
  if (b && b->enters && !awaited &&
      (take_step(op, "aenter") || take_step(op, "enter"))) {
    type = b->enters;
  } else if (b) {
    awaited |= take_step(op, "await");
    if ((h->kind == ASL_DEF_FUNCTION && !awaited) ||
        (h->kind == ASL_DEF_COROUTINE && awaited))
      type = b->returns;
  }
  if (type) {
    resolve_hit(idx, from, type, budget, h);
    if (h->kind == ASL_DEF_CLASS || h->kind == ASL_DEF_EXTERNAL) return;
  }
  memset(h, 0, sizeof *h);
}

static void receiver_hit(const AslIndex *idx, uint32_t from, const char *expr,
                         int *budget, Hit *out);
static void receiver_hit_in(const AslIndex *idx, uint32_t from,
                            const char *expr, int *budget, Hit *out,
                            int nest);
static void site_parameter_hit(const AslIndex *idx, uint32_t from,
                               const char *expr, int *budget, Hit *out,
                               int nest);

/* The type attribute `name` of class (f, cls) or of its bases (depth
 * first, left to right) has in the facts (AslFactAttr), or NULL. */
static const char *attr_type(const AslIndex *idx, uint32_t from,
                             const AslFileFacts *f, uint32_t cls,
                             const char *name, int *budget) {
  ClassStepVec stack = {0};
  asl_vec_push(&stack, ((ClassStep){f, cls, NULL, false}));
  const char *type = NULL;
  for (uint32_t visited = 0; stack.len && visited < MAX_CLASSES && !type;
       visited++) {
    ClassStep s = stack.items[--stack.len];
    if (!s.file) continue;
    const AslFactClass *c = &s.file->classes[s.cls];
    uint32_t lo;
    ASL_LOWER_BOUND(lo, c->nattrs, mid, strcmp(c->attrs[mid].name, name) < 0);
    if (lo < c->nattrs && strcmp(c->attrs[lo].name, name) == 0) {
      type = c->attrs[lo].type;
      break;
    }
    if (--*budget <= 0) break;
    push_bases(idx, from, s.file, s.cls, budget, &stack);
  }
  asl_vec_free(&stack);
  return type;
}

/* One step of a receiver type, read: the method or attribute it names
 * ("__aenter__" for "aenter", "m" for ".m()" and ".m"), whether it calls
 * it, and whether it enters a context ("aenter", "enter"). */
typedef struct Step {
  const char *name;
  size_t len;
  bool call, enter, async;
} Step;

/* False for a step that names nothing ("await"). */
static bool parse_step(const char *s, size_t n, Step *st) {
  memset(st, 0, sizeof *st);
  if (n == 6 && memcmp(s, "aenter", 6) == 0) {
    *st = (Step){"__aenter__", 10, false, true, true};
    return true;
  }
  if (n == 5 && memcmp(s, "enter", 5) == 0) {
    *st = (Step){"__enter__", 9, false, true, false};
    return true;
  }
  if (n < 2 || s[0] != '.') return false;
  st->call = n > 3 && memcmp(s + n - 2, "()", 2) == 0;
  st->name = s + 1;
  st->len = n - 1 - (st->call ? 2 : 0);
  return true;
}

/* One step s[0..n) from EXTERNAL hit *h (a class outside the project), as
 * the library catalog knows it: "aenter"/"enter" enters the instance,
 * ".m()" calls a method, then awaited or entered when the next step of
 * *op says so. Else UNKNOWN: what an outside class's methods return is
 * not ours to guess. */
static void external_step(const AslIndex *idx, uint32_t from, const char *s,
                          size_t n, const char **op, int *budget, Hit *h) {
  const char *type = NULL;
  Step st;
  if (idx->external_result && parse_step(s, n, &st) && st.enter) {
    type = idx->external_result(h->external, ASL_EXTERNAL_ENTER);
  } else if (idx->external_result && st.name) {
    const char *name = asl_arena_printf(idx->scratch, "%s.%.*s", h->external,
                                        (int)st.len, st.name);
    AslExternalStep how = ASL_EXTERNAL_CALL;
    if (st.call && take_step(op, "await")) how = ASL_EXTERNAL_AWAIT;
    else if (st.call && (take_step(op, "aenter") || take_step(op, "enter")))
      how = ASL_EXTERNAL_ENTER;
    type = idx->external_result(name, how);
  }
  memset(h, 0, sizeof *h);
  if (type) resolve_hit(idx, from, type, budget, h);
  if (h->kind != ASL_DEF_CLASS && h->kind != ASL_DEF_EXTERNAL)
    memset(h, 0, sizeof *h);
}

/* One step of a receiver type from class hit *h (see above), taken from
 * *op with the steps that apply to its result. */
static void receiver_step(const AslIndex *idx, uint32_t from, const char **op,
                          int *budget, Hit *h) {
  const char *s = *op, *end = strchr(s, '|');
  size_t n = end ? (size_t)(end - s) : strlen(s);
  *op = end ? end + 1 : NULL;
  if (h->kind == ASL_DEF_EXTERNAL) {
    external_step(idx, from, s, n, op, budget, h);
    return;
  }
  if (h->kind != ASL_DEF_CLASS || h->b->cls == ASL_NONE) {
    memset(h, 0, sizeof *h);
    return;
  }
  const AslFileFacts *f = h->file;
  uint32_t cls = h->b->cls;
  Step st;
  if (!parse_step(s, n, &st)) {
    memset(h, 0, sizeof *h);
    return;
  }
  const char *method = st.enter ? st.name
                                : asl_arena_strndup(idx->scratch, st.name,
                                                    st.len);
  if (f->project == ASL_LIBRARY_PROJECT && f->module && idx->external_result) {
    // A library read from the environment: what its calls give, the
    // bundled table says first (its annotations are often generic, `->
    // _RetType`, or missing), by the class's name where it is defined.
    Hit e = {0};
    const char *after = *op;
    e.kind = ASL_DEF_EXTERNAL;
    e.external = asl_arena_printf(idx->scratch, "%s.%s", f->module,
                                  f->classes[cls].name);
    external_step(idx, from, s, n, &after, budget, &e);
    if (e.kind != ASL_DEF_UNKNOWN) {
      *h = e;
      *op = after;
      return;
    }
  }
  method_hit(idx, from, f, cls, method, false, budget, h);
  if (!st.enter && !st.call &&
      (h->kind != ASL_DEF_FUNCTION || !is_property(h->b))) {
    // Not a property: an instance attribute of a declared or agreed type.
    const char *type = attr_type(idx, from, f, cls, method, budget);
    if (type) receiver_hit(idx, from, type, budget, h);
    else memset(h, 0, sizeof *h);
    return;
  }
  call_result_hit(idx, from, h, st.async, op, budget); // (a property: its getter)
}

/* Is `name` (n bytes) one of `names` (",a,b")? */
static bool names_contain(const char *names, const char *name, size_t n) {
  for (const char *p = names; (p = strchr(p, ',')) != NULL;) {
    p++;
    size_t len = strcspn(p, ",|");
    if (len == n && memcmp(p, name, n) == 0) return true;
  }
  return false;
}

/* Does step `op` ("name()", ".name", "aenter"...) reach a name in `names`
 * (",a,b": what a function-local subclass binds itself)? */
static bool overridden_step(const char *names, const char *op) {
  const char *end = strchr(op, '|');
  Step st;
  return parse_step(op, end ? (size_t)(end - op) : strlen(op), &st) &&
         names_contain(names, st.name, st.len);
}

/* "{A;B;...}": each alternative must give the same class (a local bound
 * to it in two ways); *op is what follows the group. */
static void alternatives_hit(const AslIndex *idx, uint32_t from,
                             const char *expr, int *budget, Hit *out,
                             const char **op) {
  const char *close = strchr(expr, '}');
  memset(out, 0, sizeof *out);
  *op = NULL;
  if (!close) return;
  *op = close[1] == '|' ? close + 2 : NULL;
  Hit first = {0};
  for (const char *a = expr + 1; a < close && *budget > 0;) {
    const char *end = memchr(a, ';', (size_t)(close - a));
    if (!end) end = close;
    Hit h;
    receiver_hit(idx, from,
                 asl_arena_strndup(idx->scratch, a, (size_t)(end - a)), budget,
                 &h);
    if (h.kind != ASL_DEF_CLASS ||
        (first.kind && (first.file != h.file || first.b != h.b)))
      return;
    first = h;
    a = end + 1;
  }
  *out = first;
}

/* The class (CLASS or EXTERNAL hit) receiver type `expr` stands for. */
static void receiver_hit(const AslIndex *idx, uint32_t from, const char *expr,
                         int *budget, Hit *out) {
  receiver_hit_in(idx, from, expr, budget, out, 0);
}

/* receiver_hit inside `nest` call-site parameter types. */
static void receiver_hit_in(const AslIndex *idx, uint32_t from,
                            const char *expr, int *budget, Hit *out,
                            int nest) {
  const char *op;
  if (expr[0] == '^') { // an __init__ parameter typed by its call sites
    site_parameter_hit(idx, from, expr, budget, out, nest);
    const char *bar = strchr(expr, '|');
    op = bar ? bar + 1 : NULL;
    if (out->kind != ASL_DEF_CLASS && out->kind != ASL_DEF_EXTERNAL) return;
  } else if (expr[0] == '{') {
    alternatives_hit(idx, from, expr, budget, out, &op);
    if (out->kind != ASL_DEF_CLASS) return;
  } else if (expr[0] == '@') { // a pytest fixture's value
    const char *bar = strchr(expr, '|');
    const char *name = bar ? asl_arena_strndup(idx->scratch, expr + 1,
                                               (size_t)(bar - expr - 1))
                           : expr + 1;
    const AslFileFacts *f = NULL;
    const AslFactBinding *b = fixture_hit(idx, from, name, &f);
    memset(out, 0, sizeof *out);
    if (!b || strcmp(b->fixture, "!") == 0 || --*budget <= 0) return;
    // A receiver type with steps (callee.c, fixture facts); it never
    // holds "@x", so this recursion is one level deep.
    if (strpbrk(b->fixture, "|{"))
      receiver_hit(idx, from, b->fixture, budget, out);
    else
      resolve_hit(idx, from, b->fixture, budget, out);
    if (out->kind == ASL_DEF_FUNCTION || out->kind == ASL_DEF_COROUTINE) {
      const char *none = NULL;
      call_result_hit(idx, from, out, out->kind == ASL_DEF_COROUTINE, &none,
                      budget);
    }
    op = bar ? bar + 1 : NULL;
  } else {
    const char *bar = strchr(expr, '|');
    const char *base = bar ? asl_arena_strndup(idx->scratch, expr,
                                               (size_t)(bar - expr))
                           : expr;
    const char *bang = strchr(base, '!');
    if (bang) { // a function-local subclass of base (callee.c)
      base = asl_arena_strndup(idx->scratch, base, (size_t)(bang - base));
      if (bar && overridden_step(bang + 1, bar + 1)) {
        memset(out, 0, sizeof *out);
        return;
      }
    }
    resolve_hit(idx, from, base, budget, out);
    op = bar ? bar + 1 : NULL;
  }
  if (out->kind == ASL_DEF_FUNCTION || out->kind == ASL_DEF_COROUTINE ||
      out->kind == ASL_DEF_ASYNCGEN)
    call_result_hit(idx, from, out, false, &op, budget);
  for (int steps = 0; op && steps < 8 && *budget > 0; steps++)
    receiver_step(idx, from, &op, budget, out);
  if (op) memset(out, 0, sizeof *out);
}

AslDefKind asl_index_method(const AslIndex *idx, uint32_t from,
                            const char *cls, const char *method,
                            bool bases_only, AslDef *out) {
  int budget = MAX_HOPS;
  Hit h;
  const char *bang = strchr(cls, '!');
  if (bang && !strchr(bang, '|') &&
      names_contain(bang + 1, method, strlen(method))) {
    Hit none = {0}; // the function-local subclass's own
    return fill_def(&none, out);
  }
  receiver_hit(idx, from, cls, &budget, &h);
  // A class nested in a class body has no facts of its own (cls NONE).
  const char *holder = NULL; // the class whose attribute is called
  if (h.kind == ASL_DEF_CLASS && h.b->cls != ASL_NONE) {
    const AslFileFacts *f = h.file;
    uint32_t cls_index = h.b->cls;
    method_hit(idx, from, f, cls_index, method, bases_only, &budget, &h);
    if (h.kind == ASL_DEF_UNKNOWN && !h.b && !bases_only) {
      // No method of that name: an attribute holding a callable, typed by
      // an alias that gives an awaitable (`self.app: ASGIApp`).
      const char *type = attr_type(idx, from, f, cls_index, method, &budget);
      if (type && !strchr(type, '|') && type[0] != '{') {
        resolve_hit(idx, from, type, &budget, &h);
        if (h.kind == ASL_DEF_CLASS && h.b->cls != ASL_NONE) {
          // An instance whose class has an async __call__.
          method_hit(idx, from, h.file, h.b->cls, "__call__", false, &budget,
                     &h);
        } else if (h.kind == ASL_DEF_COROUTINE && h.b &&
                   h.b->kind == ASL_FACT_VALUE) {
          holder = f->classes[cls_index].name;
        } else {
          memset(&h, 0, sizeof h);
        }
      }
    }
  } else if (h.kind == ASL_DEF_EXTERNAL && !bases_only) {
    hit_external(idx, &h, h.external, method);
  } else {
    memset(&h, 0, sizeof h);
  }
  fill_def(&h, out);
  if (holder) {
    out->role = asl_arena_printf(idx->scratch, "is annotated '%s', a callable "
                                 "returning an awaitable", out->name);
    out->name = asl_arena_printf(idx->scratch, "%s.%s", holder, method);
  }
  return out->kind;
}

bool asl_index_receiver_is_class(const AslIndex *idx, uint32_t from,
                                 const char *type) {
  int budget = MAX_HOPS;
  Hit h;
  receiver_hit(idx, from, type, &budget, &h);
  return h.kind == ASL_DEF_CLASS;
}

/* ---- call-site parameter types -------------------------------------------
 * "^pkg.mod.C#p#k" (rules/call_sites.c) is parameter p of C.__init__,
 * unannotated, the k-th after self (-1: keyword-only): the class every
 * construction `C(...)` of the project passes for it (one of the project,
 * or one outside it that the library catalog may know), when C's facts say
 * the pre-filter parsed every file that can name it (site_typed), no use
 * of C could construct it unseen (an escape: an alias, a subclass,
 * `cls()`, `C.__init__`), no site passes `*args`/`**kw` or a value of
 * unknown type, and they all agree (a site passing None or nothing for it
 * aside). A site's value may be such a parameter in turn, one level deep;
 * nothing else is inferred. */

enum { MAX_SITES = 64, MAX_SITE_NEST = 1 };

typedef struct SiteRef {
  uint32_t word;       /* hash of the last component of the callee */
  uint32_t file, site; /* idx->files[file]->sites[site] */
} SiteRef;

static uint32_t word_hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static uint32_t last_word(const char *dotted) {
  const char *dot = strrchr(dotted, '.');
  const char *s = dot ? dot + 1 : dotted;
  return word_hash(s, strlen(s));
}

static void index_sites(AslIndex *idx) {
  uint32_t n = 0;
  for (uint32_t k = 0; k < idx->nfiles; k++) n += idx->files[k]->nsites;
  if (!n) return;
  idx->sites = asl_malloc(sizeof *idx->sites * n);
  for (uint32_t k = 0; k < idx->nfiles; k++)
    for (uint32_t i = 0; i < idx->files[k]->nsites; i++)
      idx->sites[idx->nsites++] =
          (SiteRef){last_word(idx->files[k]->sites[i].callee), k, i};
  // By word, then file and site: they were pushed in that order.
  asl_sort_by_u32_key(idx->sites, idx->nsites, sizeof *idx->sites);
}

/* The argument site `s` passes for parameter `name` at `position`: its
 * receiver type, NULL when unknown, "" when it passes none. */
static const char *site_argument(const AslFactSite *s, const char *name,
                                 int position) {
  for (uint32_t i = 0; i < s->nkw; i++)
    if (strcmp(s->kwnames[i], name) == 0) return s->kw[i];
  return position >= 0 && (uint32_t)position < s->npos ? s->pos[position]
                                                        : "";
}

/* The parts of "^C#p#k|...": the class and the parameter (in scratch). */
static bool parse_site_parameter(const AslIndex *idx, const char *expr,
                                 const char **cls, const char **name,
                                 int *position) {
  const char *bar = strchr(expr, '|');
  size_t n = bar ? (size_t)(bar - expr) : strlen(expr);
  const char *head = asl_arena_strndup(idx->scratch, expr + 1, n - 1);
  char *h1 = strchr(head, '#');
  char *h2 = h1 ? strchr(h1 + 1, '#') : NULL;
  if (!h2) return false;
  *h1 = *h2 = 0;
  *cls = head;
  *name = h1 + 1;
  *position = atoi(h2 + 1);
  return true;
}

/* Does the use `s` in file `k` name the class of hit `cls`? */
static bool site_names(const AslIndex *idx, uint32_t k, const AslFactSite *s,
                       const Hit *cls) {
  int budget = MAX_HOPS;
  Hit h;
  resolve_hit(idx, k, s->callee, &budget, &h);
  return h.kind == ASL_DEF_CLASS && h.file == cls->file && h.b == cls->b;
}

/* The class the argument `arg` of a site in file `k` has; false when it
 * has none the index can name. */
static bool site_argument_hit(const AslIndex *idx, uint32_t k,
                              const char *arg, int nest, Hit *out) {
  memset(out, 0, sizeof *out);
  if (!arg || (strchr(arg, '^') && (nest >= MAX_SITE_NEST ||
                                    strchr(arg, '{'))))
    return false;
  int budget = MAX_HOPS;
  receiver_hit_in(idx, k, arg, &budget, out, nest + 1);
  return out->kind == ASL_DEF_CLASS || out->kind == ASL_DEF_EXTERNAL;
}

/* Do two class hits (CLASS or EXTERNAL) name the same class? */
static bool same_class(const Hit *a, const Hit *b) {
  if (a->kind != b->kind) return false;
  return a->kind == ASL_DEF_EXTERNAL ? strcmp(a->external, b->external) == 0
                                     : a->file == b->file && a->b == b->b;
}

static void site_parameter_hit(const AslIndex *idx, uint32_t from,
                               const char *expr, int *budget, Hit *out,
                               int nest) {
  const char *cls_name, *name;
  int position;
  Hit cls, agreed = {0};
  memset(out, 0, sizeof *out);
  if (--*budget <= 0 ||
      !parse_site_parameter(idx, expr, &cls_name, &name, &position))
    return;
  resolve_hit(idx, from, cls_name, budget, &cls);
  if (cls.kind != ASL_DEF_CLASS || cls.b->cls == ASL_NONE ||
      cls.file->project == ASL_LIBRARY_PROJECT ||
      !cls.file->classes[cls.b->cls].site_typed)
    return;
  uint32_t word = last_word(cls_name), lo, seen = 0;
  ASL_LOWER_BOUND(lo, idx->nsites, mid, idx->sites[mid].word < word);
  for (uint32_t i = lo; i < idx->nsites && idx->sites[i].word == word; i++) {
    const SiteRef *r = &idx->sites[i];
    const AslFactSite *s = &idx->files[r->file]->sites[r->site];
    if (idx->files[r->file]->project != cls.file->project ||
        !site_names(idx, r->file, s, &cls))
      continue;
    if (s->escape || s->opaque || ++seen > MAX_SITES) return;
    const char *arg = site_argument(s, name, position);
    if (arg && (!arg[0] || strcmp(arg, "-") == 0)) continue; // None
    Hit h;
    if (!site_argument_hit(idx, r->file, arg, nest, &h) ||
        (agreed.kind && !same_class(&agreed, &h)))
      return;
    agreed = h;
  }
  *out = agreed;
}

/* ---- may block (ASL210) --------------------------------------------------
 * Every sync function of every file (AslFileFacts.funcs) is a node; each
 * call it makes that resolves to another such function is an edge. A
 * function blocks if it makes a blocking call itself or calls one that
 * blocks: a breadth-first walk backwards from the direct blockers settles
 * each function once, so cycles end, and every function keeps the callee
 * it was first reached through (a shortest chain to a blocking call). */

AslDefKind asl_index_callee(const AslIndex *idx, uint32_t from,
                            const AslCallee *c, AslDef *out) {
  switch (c->kind) {
  case ASL_CALLEE_NAME:
    return asl_index_resolve(idx, from, c->dotted, out);
  case ASL_CALLEE_METHOD:
  case ASL_CALLEE_SUPER:
    return asl_index_method(idx, from, c->dotted, c->attr,
                            c->kind == ASL_CALLEE_SUPER, out);
  case ASL_CALLEE_LOCAL:
    *out = *c->local;
    return out->kind;
  case ASL_CALLEE_ANY_METHOD:
    return asl_index_async_only(idx, from, c->attr, c->dotted, out);
  }
  memset(out, 0, sizeof *out);
  return ASL_DEF_UNKNOWN;
}

static uint32_t hash_func(const char *path, uint32_t line, uint32_t column) {
  uint32_t h = 2166136261u ^ (line * 2654435761u) ^ (column * 40503u);
  for (const char *p = path; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
  return h;
}

/* The file holding global function id `g` (func_base is sorted). */
static uint32_t func_file(const AslIndex *idx, uint32_t g) {
  uint32_t lo = 0, hi = idx->nfiles;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (idx->func_base[mid] <= g) lo = mid;
    else hi = mid;
  }
  return lo;
}

static const AslFactFunc *func_at(const AslIndex *idx, uint32_t g,
                                  uint32_t *file) {
  uint32_t k = func_file(idx, g);
  if (file) *file = k;
  return &idx->files[k]->funcs[g - idx->func_base[k]];
}

/* The global id of the function defined at (path, line, column). */
static uint32_t find_func(const AslIndex *idx, const char *path,
                          uint32_t line, uint32_t column) {
  if (!idx->nfunc_slots || !path) return ASL_NONE;
  uint32_t m = idx->nfunc_slots - 1;
  for (uint32_t h = hash_func(path, line, column) & m; idx->func_slots[h];
       h = (h + 1) & m) {
    uint32_t g = idx->func_slots[h] - 1, k;
    const AslFactFunc *f = func_at(idx, g, &k);
    if (f->line == line && f->column == column &&
        strcmp(idx->files[k]->path, path) == 0)
      return g;
  }
  return ASL_NONE;
}

/* The function a call of `def` runs: the def itself, or a class's
 * __init__ found through its bases. ASL_NONE if not one of ours. */
static uint32_t def_func(const AslIndex *idx, uint32_t from,
                         const AslDef *def, bool *ctor) {
  AslDef init;
  *ctor = false;
  if (def->kind == ASL_DEF_CLASS && def->module && def->name) {
    *ctor = true;
    const char *cls =
        asl_arena_printf(idx->scratch, "%s.%s", def->module, def->name);
    if (asl_index_method(idx, from, cls, "__init__", false, &init) !=
        ASL_DEF_FUNCTION)
      return ASL_NONE;
    def = &init;
  }
  if (def->kind != ASL_DEF_FUNCTION) return ASL_NONE;
  return find_func(idx, def->path, def->line, def->column);
}

/* A call from one function of the project to another: which call of the
 * caller it is, and how many leading parameters of the callee it binds
 * itself (a method called through an instance binds self). */
typedef struct Edge {
  uint32_t caller, callee, call, skip;
} Edge;
typedef AslVec(Edge) EdgeVec;

/* The function each distinct callee of one file resolves to: a module
 * calls the same helper (`self.assertEqual`) hundreds of times. Open
 * addressing over the file's calls; cleared per file. */
typedef struct CalleeMemo {
  const AslCallee **keys;
  uint32_t *funcs;
  bool *ctors;
  uint32_t cap;
} CalleeMemo;

uint32_t asl_callee_hash(const AslCallee *c) {
  uint32_t h = 2166136261u ^ (uint32_t)c->kind;
  for (const char *s = c->dotted; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  h = (h ^ '.') * 16777619u;
  for (const char *s = c->attr; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  for (const char *s = c->param; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static bool same_text(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

bool asl_callee_same(const AslCallee *a, const AslCallee *b) {
  return a->kind == b->kind && a->local == b->local &&
         same_text(a->dotted, b->dotted) && same_text(a->attr, b->attr) &&
         same_text(a->param, b->param);
}

/* The slot of callee c (LOCAL callees are never memoised: each names its
 * own def). */
static uint32_t memo_slot(CalleeMemo *m, const AslCallee *c, bool *found) {
  uint32_t h = asl_callee_hash(c) & (m->cap - 1);
  for (; m->keys[h]; h = (h + 1) & (m->cap - 1)) {
    if (asl_callee_same(m->keys[h], c)) {
      *found = true;
      return h;
    }
  }
  *found = false;
  m->keys[h] = c;
  return h;
}

/* How many leading parameters of function `f` a call binds itself: a
 * classmethod's cls always, a method's self when called through an
 * instance (`obj.m()`, `self.m()`) or as its class's constructor. */
static uint32_t bound_params(const AslFactFunc *f, const AslCallee *c,
                             bool ctor) {
  if (f->binds == ASL_BINDS_CLASS) return 1;
  bool through_instance =
      c && (c->kind == ASL_CALLEE_METHOD || c->kind == ASL_CALLEE_SUPER);
  return f->binds == ASL_BINDS_SELF && (through_instance || ctor);
}

/* Resolves every call of every function and keeps the edges between
 * functions of the project. */
static void collect_edges(AslIndex *idx, EdgeVec *edges) {
  CalleeMemo memo = {NULL, NULL, NULL, 0};
  for (uint32_t k = 0; k < idx->nfiles; k++) {
    const AslFileFacts *f = idx->files[k];
    uint32_t ncalls = 0;
    for (uint32_t i = 0; i < f->nfuncs; i++) ncalls += f->funcs[i].ncalls;
    if (!ncalls) continue;
    if (ncalls * 2 > memo.cap) {
      while (ncalls * 2 > memo.cap) memo.cap = memo.cap ? memo.cap * 2 : 64;
      asl_free(memo.keys);
      asl_free(memo.funcs);
      asl_free(memo.ctors);
      memo.keys = asl_malloc(sizeof *memo.keys * memo.cap);
      memo.funcs = asl_malloc(sizeof *memo.funcs * memo.cap);
      memo.ctors = asl_malloc(sizeof *memo.ctors * memo.cap);
    }
    memset(memo.keys, 0, sizeof *memo.keys * memo.cap);
    for (uint32_t i = 0; i < f->nfuncs; i++) {
      uint32_t g = idx->func_base[k] + i;
      for (uint32_t c = 0; c < f->funcs[i].ncalls; c++) {
        const AslCallee *callee = &f->funcs[i].calls[c].callee;
        bool found = false, ctor = false;
        uint32_t slot = callee->kind == ASL_CALLEE_LOCAL
                            ? UINT32_MAX
                            : memo_slot(&memo, callee, &found);
        uint32_t fn;
        if (found) {
          fn = memo.funcs[slot];
          ctor = memo.ctors[slot];
        } else {
          AslDef def;
          asl_index_callee(idx, k, callee, &def);
          fn = def_func(idx, k, &def, &ctor);
          if (slot != UINT32_MAX) {
            memo.funcs[slot] = fn;
            memo.ctors[slot] = ctor;
          }
        }
        if (fn == ASL_NONE || fn == g) continue;
        Edge e = {g, fn, c,
                  bound_params(func_at(idx, fn, NULL), callee, ctor)};
        asl_vec_push(edges, e);
      }
    }
  }
  asl_free(memo.keys);
  asl_free(memo.funcs);
  asl_free(memo.ctors);
}

/* Numbers every sync function of every file and hashes them by where
 * they are defined. */
static void index_functions(AslIndex *idx) {
  uint32_t total = 0;
  idx->func_base = asl_calloc(idx->nfiles + 1, sizeof(uint32_t));
  for (uint32_t k = 0; k < idx->nfiles; k++) {
    idx->func_base[k] = total;
    total += idx->files[k]->nfuncs;
  }
  idx->func_base[idx->nfiles] = total;
  idx->nfuncs = total;
  if (!total) return;
  idx->nfunc_slots = 16;
  while (idx->nfunc_slots < total * 2) idx->nfunc_slots *= 2;
  idx->func_slots = asl_calloc(idx->nfunc_slots, sizeof(uint32_t));
  uint32_t m = idx->nfunc_slots - 1;
  for (uint32_t g = 0; g < total; g++) {
    uint32_t k;
    const AslFactFunc *f = func_at(idx, g, &k);
    uint32_t h = hash_func(idx->files[k]->path, f->line, f->column) & m;
    while (idx->func_slots[h]) h = (h + 1) & m;
    idx->func_slots[h] = g + 1;
  }
}

/* ---- why a function may block -------------------------------------------
 * A reason is one direct blocking call a function can reach, the condition
 * on the function's own parameters under which it does, and the callee's
 * reason it came through (the chain). A direct blocking call is a reason
 * of its function under the condition of its branch; a call of a function
 * with a reason gives the caller a reason, the callee's condition
 * rewritten in the caller's terms (literals decided, parameters passed
 * on) and joined with the call's own condition. A worklist runs this to a
 * fixpoint; each function keeps at most MAX_BLOCKERS blocking calls and
 * MAX_PER_BLOCKER conditions for each (a third widens the last to
 * "always"), so it ends. */

enum { MAX_BLOCKERS = 12, MAX_PER_BLOCKER = 2, MAX_ROUNDS_PER_FUNC = 64 };



/* Is `callee` (absolute, seen from file ctx->from) a class? For
 * arguments built by a call (ASL_VAL_CALL). */
typedef struct ClassCtx {
  const AslIndex *idx;
  uint32_t from;
} ClassCtx;

static const char *class_of(void *ctx, const char *callee) {
  ClassCtx *c = ctx;
  AslDef def;
  if (asl_index_resolve(c->idx, c->from, callee, &def) != ASL_DEF_CLASS ||
      !def.module || !def.name)
    return NULL;
  return asl_arena_printf(c->idx->scratch, "%s.%s", def.module, def.name);
}

/* Adds reason `r` to function `g` unless one it has already covers it;
 * true if g's reasons changed. */
static bool add_reason(AslIndex *idx, uint32_t g, Reason r) {
  ReasonList *of = &idx->of[g];
  uint32_t same = 0, last = ASL_NONE, blockers = 0;
  for (uint32_t i = 0; i < of->len; i++) {
    Reason *q = &idx->reasons[of->items[i]];
    bool first_of_blocker = true;
    for (uint32_t j = 0; j < i && first_of_blocker; j++) {
      const Reason *o = &idx->reasons[of->items[j]];
      first_of_blocker = o->bfunc != q->bfunc || o->bsite != q->bsite;
    }
    blockers += first_of_blocker;
    if (q->bfunc != r.bfunc || q->bsite != r.bsite) continue;
    if (asl_cond_implies(r.cond, q->cond)) return false; // covered
    if (asl_cond_implies(q->cond, r.cond)) { // r is wider: it replaces q
      q->cond = r.cond;
      return true;
    }
    same++;
    last = of->items[i];
  }
  if (same >= MAX_PER_BLOCKER) {
    Reason *q = &idx->reasons[last];
    if (!q->cond.natoms && !q->cond.never) return false;
    q->cond = ASL_COND_ALWAYS;
    return true;
  }
  if (!same && blockers >= MAX_BLOCKERS) return false;
  if (idx->nreasons == idx->reasons_cap) {
    idx->reasons_cap = idx->reasons_cap ? idx->reasons_cap * 2 : 256;
    idx->reasons = asl_realloc(idx->reasons,
                               sizeof *idx->reasons * idx->reasons_cap);
  }
  idx->reasons[idx->nreasons] = r;
  asl_vec_push(of, idx->nreasons);
  idx->nreasons++;
  return true;
}

/* The binder of call `c` of function `caller` (in file `k`) to the
 * parameters of `callee`. */
static AslBinder edge_binder(const AslFactFunc *callee, const AslFactCall *c,
                             uint32_t skip, ClassCtx *cc) {
  AslBinder b = {callee->params, callee->nparams, c->args, skip, class_of,
                 cc};
  return b;
}

/* Gives the callers of `t` (edges start[t]..start[t+1]) the reasons of
 * `t` they can reach; pushes the callers whose reasons changed. */
static void propagate(AslIndex *idx, uint32_t t, const Edge *edges,
                      const uint32_t *start, const uint32_t *by_callee,
                      uint32_t *queue, uint32_t *tail, uint8_t *queued) {
  const AslFactFunc *tf = func_at(idx, t, NULL);
  for (uint32_t e = start[t]; e < start[t + 1]; e++) {
    const Edge *edge = &edges[by_callee[e]];
    uint32_t k, s = edge->caller;
    const AslFactFunc *sf = func_at(idx, s, &k);
    if (sf->generator) continue;
    const AslFactCall *call = &sf->calls[edge->call];
    if (tf->yields && !call->iterated) continue; // a generator, not run
    ClassCtx cc = {idx, k};
    AslBinder b = edge_binder(tf, call, edge->skip, &cc);
    bool changed = false;
    for (uint32_t i = 0; i < idx->of[t].len; i++) {
      uint32_t rid = idx->of[t].items[i];
      Reason r = idx->reasons[rid];
      AslCond sub;
      if (!asl_cond_subst(idx->conds, r.cond, &b, &sub)) continue;
      AslCond c = asl_cond_and(idx->conds, call->guard, sub);
      if (c.never) continue;
      Reason n = {s, r.bfunc, r.bsite, rid, r.depth + 1, c};
      changed |= add_reason(idx, s, n);
    }
    if (changed && !queued[s]) {
      queued[s] = 1;
      queue[(*tail)++ % idx->nfuncs] = s;
    }
  }
}

static void build_block_summaries(AslIndex *idx) {
  uint32_t total = idx->nfuncs;
  if (!total) return;
  idx->of = asl_calloc(total, sizeof *idx->of);
  idx->conds = asl_calloc(1, sizeof *idx->conds);
  asl_arena_init(idx->conds);
  EdgeVec edges = {0};
  collect_edges(idx, &edges);
  // Edges grouped by callee (counting sort).
  uint32_t *start = asl_calloc(total + 1, sizeof(uint32_t));
  uint32_t *by_callee = asl_malloc(sizeof(uint32_t) * (edges.len + 1));
  for (uint32_t e = 0; e < edges.len; e++) start[edges.items[e].callee + 1]++;
  for (uint32_t g = 0; g < total; g++) start[g + 1] += start[g];
  uint32_t *fill = asl_malloc(sizeof(uint32_t) * (total + 1));
  memcpy(fill, start, sizeof(uint32_t) * (total + 1));
  for (uint32_t e = 0; e < edges.len; e++)
    by_callee[fill[edges.items[e].callee]++] = e;
  // The direct blocking calls, then the worklist (a ring of functions).
  uint32_t *queue = asl_malloc(sizeof(uint32_t) * total);
  uint8_t *queued = asl_calloc(total, 1);
  uint32_t head = 0, tail = 0;
  for (uint32_t g = 0; g < total; g++) {
    const AslFactFunc *f = func_at(idx, g, NULL);
    if (f->generator) continue;
    for (uint32_t b = 0; b < f->nblocks; b++) {
      Reason r = {g, g, b, ASL_NONE, 1, f->blocks[b].guard};
      add_reason(idx, g, r);
    }
    if (idx->of[g].len) {
      queued[g] = 1;
      queue[tail++ % total] = g;
    }
  }
  uint64_t budget = (uint64_t)total * MAX_ROUNDS_PER_FUNC;
  while (head != tail && budget--) {
    uint32_t t = queue[head++ % total];
    queued[t] = 0;
    propagate(idx, t, edges.items, start, by_callee, queue, &tail, queued);
  }
  asl_free(queued);
  asl_free(queue);
  asl_free(fill);
  asl_free(by_callee);
  asl_free(start);
  asl_vec_free(&edges);
}

/* Watch mode: resolves the calls of every function reachable from `g`
 * (each function once over the index's life), so the watcher hears of
 * every module a chain from `g` could pass through. The summaries of
 * these functions depend on nothing else. */
static void walk_forward(const AslIndex *idx, uint32_t g) {
  if (idx->reached[g]) return;
  AslVec(uint32_t) stack = {0};
  idx->reached[g] = 1;
  asl_vec_push(&stack, g);
  while (stack.len) {
    uint32_t s = stack.items[--stack.len], k;
    const AslFactFunc *f = func_at(idx, s, &k);
    for (uint32_t c = 0; c < f->ncalls; c++) {
      AslDef def;
      bool ctor;
      asl_index_callee(idx, k, &f->calls[c].callee, &def);
      uint32_t t = def_func(idx, k, &def, &ctor);
      if (t == ASL_NONE || idx->reached[t]) continue;
      idx->reached[t] = 1;
      asl_vec_push(&stack, t);
    }
  }
  asl_vec_free(&stack);
}

/* The chain of reason `rid`: its functions, caller first (the first
 * ASL_CHAIN_MAX - 1 and the last), and the direct blocking call. */
static void fill_path(const AslIndex *idx, uint32_t rid, AslBlockPath *p) {
  const Reason *r = &idx->reasons[rid];
  memset(p, 0, sizeof *p);
  p->total = r->depth;
  uint32_t k;
  for (uint32_t q = rid; q != ASL_NONE && p->n < ASL_CHAIN_MAX - 1;
       q = idx->reasons[q].via) {
    const AslFactFunc *f = func_at(idx, idx->reasons[q].owner, &k);
    p->steps[p->n++] = (AslChainStep){f->name, idx->files[k]->path, f->line,
                                      f->column};
    if (idx->reasons[q].via == ASL_NONE) break;
  }
  const AslFactFunc *bf = func_at(idx, r->bfunc, &k);
  const AslChainStep *last = &p->steps[p->n - 1];
  if (last->line != bf->line || last->column != bf->column ||
      strcmp(last->path, idx->files[k]->path) != 0)
    p->steps[p->n++] = (AslChainStep){bf->name, idx->files[k]->path,
                                      bf->line, bf->column};
  const AslFactBlock *b = &bf->blocks[r->bsite];
  p->call = b->call;
  p->path = idx->files[k]->path;
  p->line = b->line;
  p->column = b->column;
  p->weight = b->weight;
  p->rule = b->rule;
}

/* Order of the blocking calls in a message: those reached whatever the
 * arguments first, then the heaviest (network, subprocess, sleep before
 * file contents before file metadata), then the shortest chains. */
static int path_cmp(const void *pa, const void *pb) {
  const AslBlockPath *a = pa, *b = pb;
  if (a->certain != b->certain) return a->certain ? -1 : 1;
  if (a->weight != b->weight) return a->weight > b->weight ? -1 : 1;
  if (a->total != b->total) return a->total < b->total ? -1 : 1;
  int c = strcmp(a->path, b->path);
  if (c) return c;
  return a->line < b->line ? -1 : a->line > b->line;
}

bool asl_def_is_property(const AslDef *def) {
  static const char *const props[] = {"property", "functools.cached_property",
                                      "builtins.property", NULL};
  for (uint32_t k = 0; k < def->ndecorators; k++)
    for (const char *const *p = props; *p; p++)
      if (strcmp(def->decorators[k], *p) == 0) return true;
  return false;
}

bool asl_index_yields(const AslIndex *idx, uint32_t from, const AslDef *def) {
  bool ctor;
  uint32_t g = def_func(idx, from, def, &ctor);
  return g != ASL_NONE && !ctor && func_at(idx, g, NULL)->yields;
}

uint32_t asl_index_may_block(const AslIndex *idx, uint32_t from,
                             const AslDef *def, const AslCallee *callee,
                             const AslArgs *args, bool iterated,
                             AslBlockPath *out, uint32_t max,
                             uint32_t *total) {
  *total = 0;
  bool ctor;
  uint32_t g = def_func(idx, from, def, &ctor);
  if (g != ASL_NONE && idx->reached) walk_forward(idx, g);
  if (!idx->of || g == ASL_NONE || !idx->of[g].len) return 0;
  const AslFactFunc *f = func_at(idx, g, NULL);
  if (f->yields && !iterated) return 0; // builds a generator, runs nothing
  ClassCtx cc = {idx, from};
  AslBinder b = {f->params, f->nparams, args, bound_params(f, callee, ctor),
                 class_of, &cc};
  // One entry per distinct blocking call: certain if any of its reasons
  // holds whatever else is true here.
  AslBlockPath found[MAX_BLOCKERS];
  uint32_t n = 0;
  for (uint32_t i = 0; i < idx->of[g].len; i++) {
    uint32_t rid = idx->of[g].items[i];
    const Reason *r = &idx->reasons[rid];
    int holds = asl_cond_eval(r->cond, &b);
    if (holds == 0) continue;
    uint32_t j = 0;
    while (j < n && !(found[j].bfunc == r->bfunc &&
                      found[j].bsite == r->bsite))
      j++;
    if (j < n) {
      found[j].certain |= holds == 1;
      continue;
    }
    if (n == MAX_BLOCKERS) continue;
    fill_path(idx, rid, &found[n]);
    found[n].bfunc = r->bfunc;
    found[n].bsite = r->bsite;
    found[n++].certain = holds == 1;
  }
  if (n > 1) qsort(found, n, sizeof *found, path_cmp);
  *total = n;
  uint32_t w = n < max ? n : max;
  memcpy(out, found, sizeof *out * w);
  return w;
}

/* ---- methods by name (ASL104) --------------------------------------------
 * Every binding of a module or class level name that a def or a class
 * makes, sorted by (project, name): is a name only ever an async method? */

typedef struct NameDef {
  uint32_t project;
  const char *name;
  const AslFileFacts *file;
  const AslFactBinding *b;
  bool method;        /* bound in a class body */
} NameDef;

static int cmp_name_def(const void *pa, const void *pb) {
  const NameDef *x = pa, *y = pb;
  if (x->project != y->project) return x->project < y->project ? -1 : 1;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  if (x->file != y->file) return strcmp(x->file->path, y->file->path);
  return x->b->order < y->b->order ? -1 : x->b->order > y->b->order;
}

static bool is_def(const AslFactBinding *b) {
  return b->kind == ASL_FACT_FUNCTION || b->kind == ASL_FACT_COROUTINE ||
         b->kind == ASL_FACT_ASYNCGEN || b->kind == ASL_FACT_CLASS;
}

/* Fills idx->by_name (the index is not shared between threads). */
static void index_names(const AslIndex *idx) {
  AslVec(NameDef) v = {0};
  for (uint32_t k = 0; k < idx->nfiles; k++) {
    const AslFileFacts *f = idx->files[k];
    for (uint32_t i = 0; i < f->nnames; i++)
      if (is_def(&f->names[i]))
        asl_vec_push(&v, ((NameDef){f->project, f->names[i].name, f,
                                    &f->names[i], false}));
    for (uint32_t c = 0; c < f->nclasses; c++)
      for (uint32_t m = 0; m < f->classes[c].nmembers; m++) {
        const AslFactBinding *b = &f->classes[c].members[m];
        if (is_def(b) || b->kind == ASL_FACT_VALUE)
          asl_vec_push(&v, ((NameDef){f->project, b->name, f, b, true}));
      }
  }
  if (v.len > 1) qsort(v.items, v.len, sizeof *v.items, cmp_name_def);
  idx->by_name->names = v.items;
  idx->by_name->nnames = v.len;
  idx->by_name->built = true;
}

/* Splits a name into lowercase words in buf ("AIOKafkaConsumer": "aio",
 * "kafka", "consumer"; "_offline_bot": "offline", "bot"), each ended by a
 * NUL; returns how many, at most max. */
static int name_words(const char *s, size_t n, char *buf, size_t size,
                      const char **words, int max) {
  int count = 0;
  size_t k = 0;
  bool open = false;
  for (size_t i = 0; i < n && k + 2 < size; i++) {
    char c = s[i];
    bool upper = c >= 'A' && c <= 'Z';
    bool lower_next = i + 1 < n && s[i + 1] >= 'a' && s[i + 1] <= 'z';
    bool prev_lower = i > 0 && ((s[i - 1] >= 'a' && s[i - 1] <= 'z') ||
                                (s[i - 1] >= '0' && s[i - 1] <= '9'));
    bool prev_upper = i > 0 && s[i - 1] >= 'A' && s[i - 1] <= 'Z';
    if (c == '_' || (upper && (prev_lower || (prev_upper && lower_next)))) {
      if (open) buf[k++] = 0;
      open = false;
      if (c == '_') continue;
    }
    if (!open) {
      if (count == max) break;
      words[count++] = buf + k;
      open = true;
    }
    buf[k++] = upper ? (char)(c - 'A' + 'a') : c;
  }
  if (open) buf[k++] = 0;
  return count;
}

/* Does the receiver's name name class `qualname`'s class ("Cart.add"):
 * its words end the class's (`layer`, ChannelLayer) or the class's words
 * end its (`offline_bot`, Bot)? */
static bool receiver_names_class(const char *receiver, const char *qualname) {
  const char *dot = strrchr(qualname, '.');
  if (!receiver || !dot) return false;
  char rb[128], cb[128];
  const char *rw[8], *cw[8];
  int nr = name_words(receiver, strlen(receiver), rb, sizeof rb, rw, 8);
  int nc = name_words(qualname, (size_t)(dot - qualname), cb, sizeof cb, cw,
                      8);
  int n = nr < nc ? nr : nc;
  if (n == 0) return false;
  for (int k = 1; k <= n; k++)
    if (strcmp(rw[nr - k], cw[nc - k]) != 0) return false;
  return true;
}

AslDefKind asl_index_async_only(const AslIndex *idx, uint32_t from,
                                const char *name, const char *receiver,
                                AslDef *out) {
  Hit h = {0};
  uint32_t project = from < idx->nfiles ? idx->files[from]->project : 0;
  if (!idx->by_name->built) index_names(idx);
  const NameDef *names = idx->by_name->names;
  uint32_t nnames = idx->by_name->nnames, lo;
  ASL_LOWER_BOUND(lo, nnames, mid,
                  names[mid].project < project ||
                      (names[mid].project == project &&
                       strcmp(names[mid].name, name) < 0));
  for (uint32_t i = lo; i < nnames && names[i].project == project &&
                        strcmp(names[i].name, name) == 0;
       i++) {
    const NameDef *d = &names[i];
    if (d->b->kind != ASL_FACT_COROUTINE) { // a sync def, a class, a value
      memset(&h, 0, sizeof h);
      break;
    }
    if (d->method && !h.kind && receiver_names_class(receiver, d->b->qualname))
      hit_binding(&h, d->file, d->b);
  }
  return fill_def(&h, out);
}

/* ---- pytest fixtures -------------------------------------------------------
 * A test's parameter is the value of the fixture of that name: defined in
 * the test's module, in a conftest.py of its folder or of a folder above,
 * or in a plugin module a conftest names in `pytest_plugins`. */

bool asl_is_conftest(const char *path) {
  const char *slash = strrchr(path, '/');
  return strcmp(slash ? slash + 1 : path, "conftest.py") == 0;
}

static int cmp_facts_path(const void *pa, const void *pb) {
  const AslFileFacts *const *x = pa, *const *y = pb;
  return strcmp((*x)->path, (*y)->path);
}

static void index_conftests(AslIndex *idx) {
  AslVec(const AslFileFacts *) v = {0};
  for (uint32_t k = 0; k < idx->nfiles; k++)
    if (asl_is_conftest(idx->files[k]->path)) asl_vec_push(&v, idx->files[k]);
  if (v.len > 1) qsort(v.items, v.len, sizeof *v.items, cmp_facts_path);
  idx->conftests = v.items;
  idx->nconftests = v.len;
}

/* The conftest.py of folder path[0..n) ("" for the top), or NULL. */
static const AslFileFacts *conftest_in(const AslIndex *idx, const char *path,
                                       size_t n, uint32_t project) {
  char buf[1024];
  if (n + 13 >= sizeof buf) return NULL;
  memcpy(buf, path, n);
  strcpy(buf + n, n ? "/conftest.py" : "conftest.py");
  uint32_t lo;
  ASL_LOWER_BOUND(lo, idx->nconftests, mid,
                  strcmp(idx->conftests[mid]->path, buf) < 0);
  return lo < idx->nconftests && strcmp(idx->conftests[lo]->path, buf) == 0 &&
                 idx->conftests[lo]->project == project
             ? idx->conftests[lo]
             : NULL;
}

/* The fixture `name` a module defines at top level, or NULL. */
static const AslFactBinding *fixture_in(const AslFileFacts *f,
                                        const char *name) {
  bool ambiguous;
  const AslFactBinding *b =
      certain_binding(f->names, f->nnames, name, strlen(name), &ambiguous);
  return b && !ambiguous && b->fixture ? b : NULL;
}

/* The fixture `name` a conftest.py `c` gives: its own, or one a module it
 * star-imports defines (`from .device_fixtures import *`: pytest collects
 * what the conftest's namespace holds). One level of star imports. */
static const AslFactBinding *conftest_fixture(const AslIndex *idx,
                                              uint32_t from,
                                              const AslFileFacts *c,
                                              const char *name,
                                              const AslFileFacts **file) {
  const AslFactBinding *b = fixture_in(c, name);
  if (b) {
    *file = c;
    return b;
  }
  for (uint32_t k = 0; k < c->nstars; k++) {
    const AslFileFacts *p =
        find_module(idx, from, c->stars[k], strlen(c->stars[k]));
    if (p && p != &ambiguous_module && p != c && (b = fixture_in(p, name))) {
      *file = p;
      return b;
    }
  }
  return NULL;
}

/* The fixture `name` as a test of file `from` receives it; *file is the
 * module defining it. */
static const AslFactBinding *fixture_hit(const AslIndex *idx, uint32_t from,
                                         const char *name,
                                         const AslFileFacts **file) {
  const AslFileFacts *self = from < idx->nfiles ? idx->files[from] : NULL;
  if (!self) return NULL;
  const AslFactBinding *b = fixture_in(self, name);
  if (b) {
    *file = self;
    return b;
  }
  const char *path = self->path;
  for (size_t n = strlen(path); n > 0 || path[0];) {
    while (n > 0 && path[n - 1] != '/') n--; // the folder, with its slash
    size_t dir = n ? n - 1 : 0;
    const AslFileFacts *c = conftest_in(idx, path, dir, self->project);
    if (c && c != self && (b = conftest_fixture(idx, from, c, name, file)))
      return b;
    for (uint32_t k = 0; c && k < c->nplugins; k++) {
      const AslFileFacts *p = find_module(idx, from, c->plugins[k],
                                          strlen(c->plugins[k]));
      if (p && p != &ambiguous_module && (b = fixture_in(p, name))) {
        *file = p;
        return b;
      }
    }
    if (dir == 0) break;
    n = dir;
  }
  return NULL;
}
