/*
 * facts.c - phase 1 of the project index: absolute names for expressions
 * (imports and relative imports resolved, module-level names prefixed with
 * their module) and the compact per-file summary (AslFileFacts) that the
 * index is built from: top-level definitions with their decorators, classes
 * with bases and methods, imports and star imports.
 */
#include "index.h"

#include <stdlib.h>
#include <string.h>

/* Decorators that make a def a declaration only: its binding is skipped. */
static const char *const overload_decorators[] = {
    "typing.overload", "typing_extensions.overload", NULL};

/* ---- absolute names ---------------------------------------------------- */

/* The package `level` dots refer to from `module`, with `rest` appended
 * ("a.b" + level 1 + "c" in module a.b.m -> "a.b.c"); NULL when the dots
 * climb above the top-level package, as Python's ImportError. */
static const char *absolute_module(AslArena *a, const char *module,
                                   bool is_package, uint32_t level,
                                   const char *rest) {
  if (!module || module[0] == ':') return NULL;
  size_t keep = strlen(module);
  // A module's package is its parent; a package's is itself.
  uint32_t strip = is_package ? level - 1 : level;
  for (uint32_t k = 0; k < strip; k++) {
    while (keep > 0 && module[keep - 1] != '.') keep--;
    if (keep == 0) return NULL;
    keep--; // drop the dot too
  }
  if (!rest[0]) return asl_arena_strndup(a, module, keep);
  return asl_arena_printf(a, "%.*s.%s", (int)keep, module, rest);
}

/* names.c records `from M import x` as "M.x" keeping M's dots, so `from .
 * import x` reads "..x" and `from .x import y` reads ".x.y". A from-import
 * name is never dotted: a single component after the dots means the dots
 * were M itself plus the joining one. */
const char *asl_absolute_import(AslArena *a, const char *module,
                                bool is_package, const char *target) {
  if (!target || target[0] != '.') return target;
  uint32_t dots = 0;
  while (target[dots] == '.') dots++;
  const char *rest = target + dots;
  uint32_t level = strchr(rest, '.') ? dots : dots - 1;
  if (level == 0 || !rest[0]) return NULL;
  return absolute_module(a, module, is_package, level, rest);
}

/* A relative import of the file: from its module, or, when the dots climb
 * above its top-level package, from its name through namespace folders
 * (ns/sub/a.py, module "a": `from .b import f` is ns.sub.b). */
static const char *file_import(const AslCtx *cx, const char *target) {
  const char *abs =
      asl_absolute_import(cx->arena, cx->module, cx->is_package, target);
  if (!abs && cx->alias && target && target[0] == '.')
    abs = asl_absolute_import(cx->arena, cx->alias, cx->is_package, target);
  return abs;
}

/* The absolute name of `text` (a name) bound by `b` (NULL: nothing binds
 * it); NULL for locals and class-body names. */
static const char *absolute_of_binding(const AslCtx *cx, const AslBinding *b,
                                       const char *text, int len) {
  if (!b) {
    // Unbound: a builtin, or (only with a star import) a module name.
    if (cx->has_star_import && cx->module)
      return asl_arena_printf(cx->arena, "%s.%.*s", cx->module, len, text);
    return asl_arena_strndup(cx->arena, text, (size_t)len);
  }
  const char *target = asl_import_target(cx->names, b);
  if (target) return file_import(cx, target);
  if (b->scope == 0 && cx->module)
    return asl_arena_printf(cx->arena, "%s.%.*s", cx->module, len, text);
  return NULL; // a local variable or a class-body name
}

/* The absolute name of the identifier `ident` (leftmost of a chain). */
static const char *absolute_head(const AslCtx *cx, uint32_t ident) {
  const AslNode *n = &cx->tree->nodes[ident];
  return absolute_of_binding(cx, asl_resolve_name(cx, ident),
                             cx->src->text + n->start_byte,
                             (int)(n->end_byte - n->start_byte));
}

const char *asl_absolute_text(const AslCtx *cx, const char *dotted,
                              uint32_t len) {
  uint32_t head = 0;
  while (head < len && dotted[head] != '.') head++;
  if (head == 0) return NULL;
  for (uint32_t i = 0; i < len; i++) {
    char c = dotted[i];
    if (!(c == '.' || c == '_' || (c >= '0' && c <= '9') ||
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (unsigned char)c >= 0x80))
      return NULL; // not a plain dotted name: "list[int]", "A | None"
  }
  // A string annotation is evaluated in the module's namespace.
  const AslBinding *b = asl_names_find(cx->names, 0, dotted, head);
  const char *abs = absolute_of_binding(cx, b, dotted, (int)head);
  if (!abs || head == len) return abs;
  return asl_arena_printf(cx->arena, "%s%.*s", abs, (int)(len - head),
                          dotted + head);
}

const char *asl_absolute_name(const AslCtx *cx, uint32_t expr) {
  return asl_dotted_name(cx, expr, absolute_head);
}

const char *asl_enclosing_class(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t cls = t->nodes[fn].scope;
  if (!cx->module || t->nodes[cls].kind != ASL_K_class_definition ||
      t->nodes[cls].scope != 0)
    return NULL;
  uint32_t name = asl_child_by_field(t, cls, ASL_F_name);
  if (name == ASL_NONE) return NULL;
  const AslNode *n = &t->nodes[name];
  return asl_arena_printf(cx->arena, "%s.%.*s", cx->module,
                          (int)(n->end_byte - n->start_byte),
                          cx->src->text + n->start_byte);
}

/* ---- definitions ------------------------------------------------------- */

/* FUNCTION, COROUTINE or ASYNCGEN: an async def is an async generator when
 * a yield belongs to its own scope (not to a nested def or lambda). */
static AslDefKind def_kind(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  if (!asl_is_async_def(t, cx->src, fn)) return ASL_DEF_FUNCTION;
  for (uint32_t j = fn + 1; j < t->nodes[fn].end; j++)
    if (t->nodes[j].kind == ASL_K_yield && t->nodes[j].scope == fn)
      return ASL_DEF_ASYNCGEN;
  return ASL_DEF_COROUTINE;
}

bool asl_is_decorated(const AslTree *t, uint32_t fn) {
  uint32_t p = t->nodes[fn].parent;
  return p != ASL_NONE && t->nodes[p].kind == ASL_K_decorated_definition;
}

/* The decorators of `fn`, outermost first, as absolute names ("?" when a
 * decorator is not a dotted name). `@wraps(f)` counts as `wraps`. */
static const char *const *def_decorators(const AslCtx *cx, uint32_t fn,
                                         uint32_t *count) {
  const AslTree *t = cx->tree;
  uint32_t p = t->nodes[fn].parent;
  *count = 0;
  if (!asl_is_decorated(t, fn)) return NULL;
  AslStrVec out = {0};
  for (uint32_t d = asl_first_named(t, p); d != ASL_NONE;
       d = asl_next_named(t, d)) {
    if (t->nodes[d].kind != ASL_K_decorator) continue;
    uint32_t e = asl_unparen(t, asl_first_named(t, d));
    if (e != ASL_NONE && t->nodes[e].kind == ASL_K_call)
      e = asl_child_by_field(t, e, ASL_F_function);
    const char *name = e == ASL_NONE ? NULL : asl_absolute_name(cx, e);
    asl_avec_push(cx->arena, &out, name ? name : "?");
  }
  *count = out.len;
  return out.items;
}

void asl_describe_def(const AslCtx *cx, uint32_t fn, AslDef *out) {
  const AslTree *t = cx->tree;
  memset(out, 0, sizeof *out);
  out->kind = def_kind(cx, fn);
  out->module = cx->module;
  out->path = cx->src->path;
  uint32_t name = asl_child_by_field(t, fn, ASL_F_name);
  uint32_t at = name == ASL_NONE ? fn : name;
  out->name = asl_node_text(cx->arena, t, cx->src, at);
  uint32_t line = asl_source_line_of(cx->src, t->nodes[at].start_byte);
  out->line = line + 1;
  out->column = asl_source_column(cx->src, line, t->nodes[at].start_byte);
  out->decorators = def_decorators(cx, fn, &out->ndecorators);
}

/* ---- facts -------------------------------------------------------------- */

typedef AslVec(AslFactBinding) BindingVec;
typedef AslVec(AslFactClass) ClassVec;

/* Copies a decorator list from the file's arena into the run's. */
static const char *const *copy_strs(AslArena *a, const char *const *v,
                                    uint32_t n) {
  if (!n) return NULL;
  const char **out = asl_arena_alloc(a, sizeof(char *) * n);
  for (uint32_t k = 0; k < n; k++) out[k] = asl_arena_strdup(a, v[k]);
  return out;
}

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

/* Is decorator `dec` `@name.setter` (or .deleter/.getter) of property
 * `name`? Such a def rebinds the name to the same property: the getter's
 * binding stands for it (and two differing defs would read as ambiguous). */
static bool is_accessor_of(const char *dec, const char *name) {
  static const char *const accessors[] = {".setter", ".deleter", ".getter"};
  size_t n = strlen(dec), m = strlen(name);
  for (size_t k = 0; k < 3; k++) {
    size_t a = strlen(accessors[k]);
    if (n < a + m || strcmp(dec + n - a, accessors[k]) != 0) continue;
    const char *before = dec + n - a - m;
    if (memcmp(before, name, m) == 0 &&
        (before == dec || before[-1] == '.'))
      return true;
  }
  return false;
}

/* Fills the kind (and decorators) of a binding made by a def or class
 * name; returns false for a binding to skip (an @overload declaration). */
static bool classify_definition(AslArena *a, const AslCtx *cx, uint32_t def,
                                AslFactBinding *fb) {
  const AslTree *t = cx->tree;
  if (t->nodes[def].kind == ASL_K_class_definition) {
    fb->kind = ASL_FACT_CLASS;
    return true;
  }
  AslDef d;
  asl_describe_def(cx, def, &d);
  for (uint32_t k = 0; k < d.ndecorators; k++)
    if (in_list(d.decorators[k], overload_decorators) ||
        is_accessor_of(d.decorators[k], d.name))
      return false;
  fb->kind = d.kind == ASL_DEF_COROUTINE  ? ASL_FACT_COROUTINE
             : d.kind == ASL_DEF_ASYNCGEN ? ASL_FACT_ASYNCGEN
                                          : ASL_FACT_FUNCTION;
  fb->decorators = copy_strs(a, d.decorators, d.ndecorators);
  fb->ndecorators = d.ndecorators;
  const char *returns = asl_def_returns(cx, def);
  fb->returns = returns ? asl_arena_strdup(a, returns) : NULL;
  // Only a decorated def's decorators are looked up (decide.c).
  fb->gives_coroutine_function =
      fb->kind == ASL_FACT_FUNCTION && asl_def_gives_coroutine_function(cx, def);
  const char *enters = asl_def_enters(cx, def);
  fb->enters = enters ? asl_arena_strdup(a, enters) : NULL;
  for (uint32_t k = 0; k < d.ndecorators; k++)
    if (asl_is_fixture_decorator(d.decorators[k])) {
      const char *value = asl_fixture_value(cx, def);
      fb->fixture = value ? asl_arena_strdup(a, value) : NULL;
    }
  return true;
}

/* Is `ident`, the target of `x: T = v` or `X = T` (an alias, or
 * `X: TypeAlias = T`), declared a callable whose call gives an awaitable? */
static bool declares_awaitable_callable(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  uint32_t asg = t->nodes[ident].parent;
  if (asg == ASL_NONE || t->nodes[asg].kind != ASL_K_assignment ||
      t->nodes[ident].field != ASL_F_left)
    return false;
  uint32_t ann = asl_child_by_field(t, asg, ASL_F_type);
  uint32_t value = asl_child_by_field(t, asg, ASL_F_right);
  const char *alias;
  if (ann != ASL_NONE) {
    uint32_t e = asl_first_named(t, ann);
    const char *name = e == ASL_NONE ? NULL : asl_qualname(cx, e);
    bool type_alias = name && (strcmp(name, "typing.TypeAlias") == 0 ||
                               strcmp(name, "typing_extensions.TypeAlias") == 0);
    if (!type_alias) return asl_annotation_awaitable_callable(cx, ann, &alias);
  }
  return value != ASL_NONE &&
         asl_annotation_awaitable_callable(cx, value, &alias);
}

/* Turns one binding of names.c into a fact; false to skip it. */
static bool make_binding(AslArena *a, const AslCtx *cx, const AslBinding *b,
                         const char *owner, AslFactBinding *fb) {
  const AslTree *t = cx->tree;
  memset(fb, 0, sizeof *fb);
  fb->name = asl_arena_strndup(a, b->name, b->name_len);
  fb->qualname = owner ? asl_arena_printf(a, "%s.%s", owner, fb->name)
                       : fb->name;
  const AslNode *n = &t->nodes[b->node];
  uint32_t line = asl_source_line_of(cx->src, n->start_byte);
  fb->line = line + 1;
  fb->column = asl_source_column(cx->src, line, n->start_byte);
  fb->order = n->start_byte; // comparable across the units of one file
  fb->cls = ASL_NONE;
  switch (b->kind) {
  case ASL_BIND_IMPORT: {
    fb->kind = ASL_FACT_IMPORT;
    const char *abs = file_import(cx, b->target);
    fb->target = abs ? asl_arena_strdup(a, abs) : NULL;
    return true;
  }
  case ASL_BIND_GLOBAL:
    return false;
  default:
    break;
  }
  fb->kind = ASL_FACT_VALUE;
  uint32_t p = n->parent;
  if (p != ASL_NONE && n->field == ASL_F_name &&
      (t->nodes[p].kind == ASL_K_function_definition ||
       t->nodes[p].kind == ASL_K_class_definition))
    return classify_definition(a, cx, p, fb);
  fb->awaitable = declares_awaitable_callable(cx, b->node);
  return true;
}

/* The bases of class `cls` as absolute names ("?" for what has none). */
static void class_bases(AslArena *a, const AslCtx *cx, uint32_t cls,
                        AslFactClass *fc) {
  const AslTree *t = cx->tree;
  uint32_t args = asl_child_by_field(t, cls, ASL_F_superclasses);
  if (args == ASL_NONE) return;
  AslStrVec bases = {0};
  for (uint32_t c = asl_first_named(t, args); c != ASL_NONE;
       c = asl_next_named(t, c)) {
    AslKind k = t->nodes[c].kind;
    if (k == ASL_K_keyword_argument || k == ASL_K_comment ||
        k == ASL_K_dictionary_splat)
      continue;
    // `Base[T]` inherits from Base; `*bases` is anyone's guess.
    uint32_t e = k == ASL_K_subscript ? asl_child_by_field(t, c, ASL_F_value)
                                      : c;
    const char *name = k == ASL_K_list_splat || e == ASL_NONE
                           ? NULL
                           : asl_absolute_name(cx, e);
    asl_avec_push(a, &bases,
                  (const char *)asl_arena_strdup(a, name ? name : "?"));
  }
  fc->bases = bases.items;
  fc->nbases = bases.len;
}

static int binding_cmp(const void *pa, const void *pb) {
  const AslFactBinding *x = pa, *y = pb;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Absolute modules of every `from M import *` at module level. */
static void collect_stars(AslArena *a, const AslCtx *cx, AslFileFacts *f) {
  const AslTree *t = cx->tree;
  AslStrVec stars = {0};
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_wildcard_import || n->scope != 0 ||
        (n->flags & ASL_NODE_IN_ERROR))
      continue;
    uint32_t m = asl_child_by_field(t, n->parent, ASL_F_module_name);
    if (m == ASL_NONE) continue;
    const char *text = asl_node_text(cx->arena, t, cx->src, m);
    uint32_t dots = 0;
    while (text[dots] == '.') dots++;
    const char *abs = dots ? absolute_module(cx->arena, cx->module,
                                             cx->is_package, dots, text + dots)
                           : text;
    if (!abs && cx->alias)
      abs = absolute_module(cx->arena, cx->alias, cx->is_package, dots,
                            text + dots);
    if (abs) asl_avec_push(a, &stars, (const char *)asl_arena_strdup(a, abs));
  }
  f->stars = stars.items;
  f->nstars = stars.len;
}

/* The modules `pytest_plugins = "m"` (or a list or tuple of such
 * strings) at module level names: fixtures a test may receive by name. */
static void collect_plugins(AslArena *a, const AslCtx *cx, AslFileFacts *f) {
  const AslTree *t = cx->tree;
  const AslBinding *b = asl_names_find(cx->names, 0, "pytest_plugins", 14);
  if (!b || b->value == ASL_NONE) return;
  uint32_t v = asl_unparen(t, b->value);
  AslStrVec plugins = {0};
  AslKind k = t->nodes[v].kind;
  uint32_t first = k == ASL_K_string ? v : asl_first_named(t, v);
  if (k != ASL_K_string && k != ASL_K_list && k != ASL_K_tuple) return;
  for (uint32_t c = first; c != ASL_NONE;
       c = k == ASL_K_string ? ASL_NONE : asl_next_named(t, c)) {
    if (t->nodes[c].kind != ASL_K_string) continue;
    uint32_t body = asl_child_by_kind(t, c, ASL_K_string_content);
    if (body == ASL_NONE) continue;
    asl_avec_push(a, &plugins,
                  (const char *)asl_node_text(a, t, cx->src, body));
  }
  f->plugins = plugins.items;
  f->nplugins = plugins.len;
}

/* The class (among those collected so far) whose body is scope `s`. */
static AslFactClass *class_of_scope(ClassVec *classes, uint32_t s) {
  for (uint32_t k = classes->len; k-- > 0;)
    if (classes->items[k].node == s) return &classes->items[k];
  return NULL;
}

AslFileFacts *asl_facts_extract(AslArena *a, const AslCtx *cx,
                                const char *path) {
  const AslTree *t = cx->tree;
  AslFileFacts *f = asl_arena_alloc(a, sizeof *f);
  f->module = cx->module ? asl_arena_strdup(a, cx->module) : NULL;
  f->path = asl_arena_strdup(a, path);
  f->project = cx->project;
  f->is_package = cx->is_package;
  BindingVec names = {0};
  ClassVec classes = {0};
  AslVec(BindingVec) members = {0};
  // names.c lists bindings in pre-order, so a class's name comes before
  // the bindings of its body.
  for (uint32_t k = 0;; k++) {
    const AslBinding *b = asl_names_at(cx->names, k);
    if (!b) break;
    const AslNode *sn = &t->nodes[b->scope];
    AslFactClass *owner = NULL;
    if (b->scope != 0) {
      if (sn->kind != ASL_K_class_definition || sn->scope != 0) continue;
      owner = class_of_scope(&classes, b->scope);
      if (!owner) continue;
    }
    AslFactBinding fb;
    if (!make_binding(a, cx, b, owner ? owner->name : NULL, &fb)) continue;
    if (owner) {
      asl_avec_push(a, &members.items[owner - classes.items], fb);
      continue;
    }
    if (fb.kind == ASL_FACT_CLASS) {
      AslFactClass fc = {0};
      fc.name = fb.name;
      fc.node = t->nodes[b->node].parent;
      class_bases(a, cx, fc.node, &fc);
      fb.cls = classes.len;
      asl_avec_push(a, &classes, fc);
      asl_avec_push(a, &members, (BindingVec){0});
    }
    asl_avec_push(a, &names, fb);
  }
  for (uint32_t c = 0; c < classes.len; c++) {
    BindingVec *m = &members.items[c];
    if (m->len > 1) qsort(m->items, m->len, sizeof *m->items, binding_cmp);
    classes.items[c].members = m->items;
    classes.items[c].nmembers = m->len;
  }
  if (names.len > 1)
    qsort(names.items, names.len, sizeof *names.items, binding_cmp);
  f->names = names.items;
  f->nnames = names.len;
  f->classes = classes.items;
  f->nclasses = classes.len;
  collect_stars(a, cx, f);
  collect_plugins(a, cx, f);
  return f;
}

void asl_facts_add_unparsed(AslArena *a, AslFileFacts *f,
                            const AslUnparsed *defs, uint32_t n) {
  if (!n) return;
  AslFactBinding *names =
      asl_arena_alloc(a, sizeof *names * (f->nnames + n));
  memcpy(names, f->names, sizeof *names * f->nnames);
  for (uint32_t k = 0; k < n; k++) {
    AslFactBinding *b = &names[f->nnames + k];
    memset(b, 0, sizeof *b);
    b->name = b->qualname = asl_arena_strdup(a, defs[k].name);
    b->kind = ASL_FACT_UNPARSED;
    b->line = defs[k].line;
    b->column = defs[k].column;
    b->cls = ASL_NONE;
    b->order = UINT32_MAX - n + k; // after every parsed binding
  }
  f->names = names;
  f->nnames += n;
  qsort(names, f->nnames, sizeof *names, binding_cmp);
}

bool asl_lines_hold(const uint32_t *lines, uint32_t n, uint32_t line) {
  if (!lines) return true;
  for (uint32_t k = 0; k < n; k++)
    if (line >= lines[2 * k] && line < lines[2 * k + 1]) return true;
  return false;
}

void asl_facts_merge(AslArena *a, AslFileFacts *into, const AslFileFacts *add,
                     const uint32_t *lines, uint32_t nlines) {
  // Classes of the new pieces, renumbered after those known.
  uint32_t *renumber =
      asl_arena_alloc(a, sizeof *renumber * (add->nclasses + 1));
  ClassVec classes = {0};
  for (uint32_t c = 0; c < into->nclasses; c++)
    asl_avec_push(a, &classes, into->classes[c]);
  for (uint32_t c = 0; c < add->nclasses; c++) {
    renumber[c] = ASL_NONE;
    for (uint32_t i = 0; i < add->nnames; i++) {
      const AslFactBinding *b = &add->names[i];
      if (b->kind == ASL_FACT_CLASS && b->cls == c &&
          asl_lines_hold(lines, nlines, b->line)) {
        renumber[c] = classes.len;
        asl_avec_push(a, &classes, add->classes[c]);
        break;
      }
    }
  }
  BindingVec names = {0};
  for (uint32_t i = 0; i < into->nnames; i++) {
    const AslFactBinding *b = &into->names[i];
    if (b->kind != ASL_FACT_UNPARSED || !asl_lines_hold(lines, nlines, b->line))
      asl_avec_push(a, &names, *b);
  }
  for (uint32_t i = 0; i < add->nnames; i++) {
    AslFactBinding b = add->names[i];
    if (b.kind == ASL_FACT_UNPARSED || !asl_lines_hold(lines, nlines, b.line))
      continue;
    if (b.kind == ASL_FACT_CLASS && b.cls != ASL_NONE) b.cls = renumber[b.cls];
    asl_avec_push(a, &names, b);
  }
  if (names.len > 1)
    qsort(names.items, names.len, sizeof *names.items, binding_cmp);
  AslVec(struct AslFactFunc) funcs = {0};
  for (uint32_t i = 0; i < into->nfuncs; i++)
    asl_avec_push(a, &funcs, into->funcs[i]);
  for (uint32_t i = 0; i < add->nfuncs; i++)
    if (asl_lines_hold(lines, nlines, add->funcs[i].line))
      asl_avec_push(a, &funcs, add->funcs[i]);
  AslVec(AslFactSite) sites = {0};
  for (uint32_t i = 0; i < into->nsites; i++)
    asl_avec_push(a, &sites, into->sites[i]);
  for (uint32_t i = 0; i < add->nsites; i++)
    if (asl_lines_hold(lines, nlines, add->sites[i].line))
      asl_avec_push(a, &sites, add->sites[i]);
  into->sites = sites.items;
  into->nsites = sites.len;
  into->names = names.items;
  into->nnames = names.len;
  into->classes = classes.items;
  into->nclasses = classes.len;
  into->funcs = funcs.items;
  into->nfuncs = funcs.len;
}

static AslFactBinding *binding_at(AslFactBinding *v, uint32_t n,
                                  const char *name, uint32_t line) {
  for (uint32_t i = 0; i < n; i++)
    if (v[i].line == line && strcmp(v[i].name, name) == 0) return &v[i];
  return NULL;
}

AslFactBinding *asl_facts_def_binding(AslFileFacts *f, const char *name,
                                      uint32_t line, const AslFactClass **cls) {
  *cls = NULL;
  AslFactBinding *b = binding_at(f->names, f->nnames, name, line);
  for (uint32_t c = 0; !b && c < f->nclasses; c++) {
    b = binding_at(f->classes[c].members, f->classes[c].nmembers, name, line);
    if (b) *cls = &f->classes[c];
  }
  return b;
}
