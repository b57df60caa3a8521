/*
 * call_sites.c - call-site parameter types, the file's half: every use of
 * a class-like name (a call `C(...)` with the receiver types of its
 * arguments, or an "escape" through which an instance may be made
 * unseen), and the unannotated `__init__` parameters that take their type
 * from those calls ("^pkg.mod.C#client#0"). The index decides (index.c,
 * "call-site parameter types").
 */
#include "rules.h"

#include <string.h>

#include "../analyzer/index.h"

typedef AslVec(AslFactSite) SiteVec;

/* Parents an annotation's name may sit under before its `type` node
 * (`Optional["C"]`, `C | None`, `dict[str, list[C]]`). */
enum { ANNOTATION_DEPTH = 8 };

/* Does s[0..n) look like a class name: a capital past leading
 * underscores? The index trusts call sites only for such classes, since
 * only their uses are recorded. */
static bool class_like(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && s[i] == '_') i++;
  return i < n && s[i] >= 'A' && s[i] <= 'Z';
}

static bool node_class_like(const AslCtx *cx, uint32_t i) {
  const AslNode *n = &cx->tree->nodes[i];
  return class_like(cx->src->text + n->start_byte,
                    n->end_byte - n->start_byte);
}

/* ---- parameters ---------------------------------------------------------- */

/* The position of parameter `p` among the positional parameters of
 * `params` after the first (self): -1 when it can only be passed by
 * keyword (after `*` or `*args`), -2 when it is not there. */
static int positional_index(const AslTree *t, uint32_t params, uint32_t p) {
  int k = -1;
  bool keyword_only = false;
  for (uint32_t c = asl_first_named(t, params); c != ASL_NONE;
       c = asl_next_named(t, c), k++) {
    if (c == p) return keyword_only ? -1 : k;
    AslKind ck = t->nodes[c].kind;
    if (ck == ASL_K_keyword_separator || ck == ASL_K_list_splat_pattern)
      keyword_only = true;
  }
  return -2;
}

const char *asl_site_parameter_type(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  if (ident == ASL_NONE || t->nodes[ident].kind != ASL_K_identifier)
    return NULL;
  uint32_t p = t->nodes[ident].parent;
  AslKind pk = t->nodes[p].kind;
  if (pk == ASL_K_default_parameter) { // only a None default
    uint32_t value = asl_child_by_field(t, p, ASL_F_value);
    if (t->nodes[ident].field != ASL_F_name || value == ASL_NONE ||
        t->nodes[value].kind != ASL_K_none)
      return NULL;
  } else if (pk == ASL_K_parameters) {
    p = ident;
  } else {
    return NULL;
  }
  uint32_t params = t->nodes[p].parent;
  uint32_t fn = t->nodes[params].parent;
  if (t->nodes[params].kind != ASL_K_parameters ||
      t->nodes[fn].kind != ASL_K_function_definition ||
      t->nodes[t->nodes[fn].parent].kind == ASL_K_decorated_definition ||
      asl_first_named(t, params) == p)
    return NULL;
  uint32_t name = asl_child_by_field(t, fn, ASL_F_name);
  uint32_t cls = t->nodes[fn].scope;
  if (name == ASL_NONE || !asl_node_text_eq(t, cx->src, name, "__init__") ||
      t->nodes[cls].kind != ASL_K_class_definition ||
      t->nodes[cls].scope != 0 || asl_is_async_def(t, cx->src, fn))
    return NULL;
  uint32_t cname = asl_child_by_field(t, cls, ASL_F_name);
  int pos = positional_index(t, params, p);
  const char *owner = asl_enclosing_class(cx, fn);
  if (cname == ASL_NONE || !node_class_like(cx, cname) || pos < -1 || !owner)
    return NULL;
  const AslNode *in = &t->nodes[ident];
  return asl_arena_printf(cx->arena, "^%s#%.*s#%d", owner,
                          (int)(in->end_byte - in->start_byte),
                          cx->src->text + in->start_byte, pos);
}

/* Does the __init__ of class `cls` store a parameter that
 * asl_site_parameter_type types (`self.x = client`)? */
static bool stores_site_parameter(const AslCtx *cx, uint32_t cls) {
  const AslTree *t = cx->tree;
  for (uint32_t j = cls + 1; j < t->nodes[cls].end; j++) {
    const AslNode *n = &t->nodes[j];
    if (n->kind != ASL_K_assignment) continue;
    uint32_t fn = n->scope;
    uint32_t left = asl_child_by_field(t, j, ASL_F_left);
    uint32_t right = asl_unparen(t, asl_child_by_field(t, j, ASL_F_right));
    if (t->nodes[fn].kind != ASL_K_function_definition ||
        t->nodes[fn].scope != cls || left == ASL_NONE ||
        t->nodes[left].kind != ASL_K_attribute || right == ASL_NONE ||
        t->nodes[right].kind != ASL_K_identifier)
      continue;
    const AslBinding *b = asl_resolve_name(cx, right);
    if (b && b->next_same == ASL_NONE && b->kind == ASL_BIND_OTHER &&
        asl_site_parameter_type(cx, b->node))
      return true;
  }
  return false;
}

static bool has_async_member(const AslFactClass *fc) {
  for (uint32_t m = 0; m < fc->nmembers; m++)
    if (fc->members[m].kind == ASL_FACT_COROUTINE ||
        fc->members[m].kind == ASL_FACT_ASYNCGEN)
      return true;
  return false;
}

/* ---- uses ---------------------------------------------------------------- */

/* Is `r` inside an annotation (a `type` node a few parents up)? */
static bool in_annotation(const AslTree *t, uint32_t r) {
  uint32_t p = t->nodes[r].parent;
  for (int k = 0; k < ANNOTATION_DEPTH && p != ASL_NONE; k++) {
    AslKind pk = t->nodes[p].kind;
    if (pk == ASL_K_type) return true;
    if (pk != ASL_K_subscript && pk != ASL_K_generic_type &&
        pk != ASL_K_binary_operator && pk != ASL_K_attribute &&
        pk != ASL_K_type_parameter && pk != ASL_K_list &&
        pk != ASL_K_tuple && pk != ASL_K_expression_list)
      return false;
    p = t->nodes[p].parent;
  }
  return false;
}

/* Is `r` the class argument of isinstance/issubclass (a test, no use)? */
static bool in_isinstance(const AslCtx *cx, uint32_t r) {
  const AslTree *t = cx->tree;
  uint32_t p = t->nodes[r].parent;
  if (t->nodes[p].kind == ASL_K_tuple) p = t->nodes[p].parent;
  if (t->nodes[p].kind != ASL_K_argument_list || asl_first_named(t, p) == r)
    return false;
  uint32_t fn = asl_child_by_field(t, t->nodes[p].parent, ASL_F_function);
  return fn != ASL_NONE && (asl_node_text_eq(t, cx->src, fn, "isinstance") ||
                            asl_node_text_eq(t, cx->src, fn, "issubclass"));
}

/* Is reference `r` (a name or a dotted chain) no use of what it names: a
 * store, an import, a keyword argument's name, an annotation, a test? */
static bool not_a_use(const AslCtx *cx, uint32_t r) {
  const AslTree *t = cx->tree;
  const AslNode *n = &t->nodes[r];
  AslKind pk = t->nodes[n->parent].kind;
  if (n->kind == ASL_K_identifier && !asl_is_load(t, r)) return true;
  if (n->field == ASL_F_left && // `mod.C = ...` (not `C or D`: a use)
      (pk == ASL_K_assignment || pk == ASL_K_augmented_assignment ||
       pk == ASL_K_for_statement))
    return true;
  return in_annotation(t, r) || in_isinstance(cx, r);
}

/* The receiver type of argument `e` for the facts ("-": None), in `a`. */
static const char *argument_type(const AslCtx *cx, AslArena *a, uint32_t e) {
  e = asl_unparen(cx->tree, e);
  if (e == ASL_NONE) return NULL;
  if (cx->tree->nodes[e].kind == ASL_K_none) return "-";
  const char *type = asl_receiver_type(cx, e);
  return type ? asl_arena_strdup(a, type) : NULL;
}

/* Fills the arguments of call `call` into site `s`. */
static void site_arguments(const AslCtx *cx, AslArena *a, uint32_t call,
                           AslFactSite *s) {
  const AslTree *t = cx->tree;
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments);
  if (args == ASL_NONE || t->nodes[args].kind != ASL_K_argument_list) {
    s->opaque = args != ASL_NONE; // `C(x for x in y)`
    return;
  }
  AslStrVec pos = {0}, kwnames = {0}, kw = {0};
  for (uint32_t c = asl_first_named(t, args); c != ASL_NONE;
       c = asl_next_named(t, c)) {
    AslKind ck = t->nodes[c].kind;
    if (ck == ASL_K_list_splat || ck == ASL_K_dictionary_splat) {
      s->opaque = true;
    } else if (ck == ASL_K_keyword_argument) {
      uint32_t name = asl_child_by_field(t, c, ASL_F_name);
      if (name == ASL_NONE) continue;
      asl_avec_push(a, &kwnames, asl_node_text(a, t, cx->src, name));
      uint32_t value = asl_child_by_field(t, c, ASL_F_value);
      asl_avec_push(a, &kw, argument_type(cx, a, value));
    } else if (ck != ASL_K_comment) {
      asl_avec_push(a, &pos, argument_type(cx, a, c));
    }
  }
  s->pos = pos.items;
  s->npos = pos.len;
  s->kwnames = kwnames.items;
  s->kw = kw.items;
  s->nkw = kw.len;
}

static uint32_t line_of(const AslCtx *cx, uint32_t i) {
  return asl_source_line_of(cx->src, cx->tree->nodes[i].start_byte) + 1;
}

/* The use `r` (a reference to a class-like name) as a site, if it is a
 * use of a name of another module or this one. */
static void add_use(const AslCtx *cx, AslArena *a, uint32_t r,
                    SiteVec *out) {
  const AslTree *t = cx->tree;
  if (not_a_use(cx, r)) return;
  const char *dotted = asl_absolute_name(cx, r);
  if (!dotted || !strchr(dotted, '.')) return; // a builtin, a local
  AslFactSite s = {asl_arena_strdup(a, dotted), line_of(cx, r), false, false,
                   0, 0, NULL, NULL, NULL};
  uint32_t p = t->nodes[r].parent;
  if (t->nodes[r].field == ASL_F_function && t->nodes[p].kind == ASL_K_call)
    site_arguments(cx, a, p, &s);
  else
    s.escape = true;
  asl_avec_push(a, out, s);
}

/* For a call in a class's own body that makes an instance of an unnamed
 * class (`cls(...)`, `type(self)(...)`, `self.__class__(...)`): an escape
 * of the top-level class around it, whose subclasses or itself it makes. */
static void add_self_construction(const AslCtx *cx, AslArena *a,
                                  uint32_t call, SiteVec *out) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE) return;
  AslKind fk = t->nodes[fn].kind;
  bool by_self = false;
  if (fk == ASL_K_identifier) {
    by_self = asl_node_text_eq(t, cx->src, fn, "cls");
  } else if (fk == ASL_K_call) {
    uint32_t inner = asl_child_by_field(t, fn, ASL_F_function);
    by_self = inner != ASL_NONE && asl_node_text_eq(t, cx->src, inner, "type");
  } else if (fk == ASL_K_attribute) {
    uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
    by_self = attr != ASL_NONE &&
              asl_node_text_eq(t, cx->src, attr, "__class__");
  }
  if (!by_self) return;
  uint32_t s = t->nodes[call].scope, method = ASL_NONE;
  for (; s != 0 && t->nodes[s].scope != 0; s = t->nodes[s].scope) method = s;
  if (s == 0 || method == ASL_NONE ||
      t->nodes[s].kind != ASL_K_class_definition)
    return;
  const char *owner = asl_enclosing_class(cx, method);
  if (!owner) return;
  AslFactSite e = {asl_arena_strdup(a, owner), line_of(cx, call), true, false,
                   0, 0, NULL, NULL, NULL};
  asl_avec_push(a, out, e);
}

void asl_site_facts(const AslCtx *cx, AslFileFacts *facts, AslArena *a) {
  const AslTree *t = cx->tree;
  SiteVec sites = {0};
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->flags & ASL_NODE_IN_ERROR) continue;
    if (n->kind == ASL_K_call) {
      add_self_construction(cx, a, i, &sites);
    } else if (n->kind == ASL_K_identifier) {
      if (n->field != ASL_F_attribute && node_class_like(cx, i))
        add_use(cx, a, i, &sites);
    } else if (n->kind == ASL_K_attribute) {
      uint32_t attr = asl_child_by_field(t, i, ASL_F_attribute);
      if (attr != ASL_NONE && node_class_like(cx, attr))
        add_use(cx, a, i, &sites);
    }
  }
  facts->sites = sites.items;
  facts->nsites = sites.len;
  for (uint32_t c = 0; c < facts->nclasses; c++) {
    AslFactClass *fc = &facts->classes[c];
    fc->site_typed = fc->node != ASL_NONE &&
                     class_like(fc->name, strlen(fc->name)) &&
                     has_async_member(fc) &&
                     stores_site_parameter(cx, fc->node);
  }
}
