/*
 * names.c - the bindings of every scope in one file, collected in a single
 * linear pass, and name resolution on top of them: import aliases
 * (`import asyncio as aio`, `from asyncio import create_task as spawn`),
 * locals that shadow imports, and single `x = value` assignments.
 */
#include "asl.h"

#include <string.h>

/* Every identifier occurrence of one spelling, in source order. */
typedef struct AslOccurrences {
  const char *name;
  uint32_t len;
  AslVec(uint32_t) nodes;
} AslOccurrences;

struct AslNames {
  AslVec(AslBinding) all;
  uint32_t *slots; /* open addressing: index into all + 1, 0 = empty */
  uint32_t nslots;
  AslOccurrences *occ; /* open addressing by spelling; name NULL = empty */
  uint32_t nocc;
  const AslSource *src;
};

static uint32_t hash_key(uint32_t scope, const char *s, uint32_t n) {
  uint32_t h = 2166136261u ^ scope;
  for (uint32_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static bool same_key(const AslBinding *b, uint32_t scope, const char *s,
                     uint32_t n) {
  return b->scope == scope && b->name_len == n && memcmp(b->name, s, n) == 0;
}

/* Pattern containers an assignment target may nest identifiers in. */
static bool is_pattern_container(AslKind k) {
  return k == ASL_K_pattern_list || k == ASL_K_tuple_pattern ||
         k == ASL_K_list_pattern || k == ASL_K_list_splat_pattern ||
         k == ASL_K_parenthesized_expression || k == ASL_K_tuple ||
         k == ASL_K_list || k == ASL_K_expression_list;
}

bool asl_is_store(const AslTree *t, uint32_t i) {
  const AslNode *n = &t->nodes[i];
  if (n->kind != ASL_K_identifier || n->parent == ASL_NONE) return false;
  uint32_t child = i, p = n->parent;
  const AslNode *pn = &t->nodes[p];
  // A capture pattern is a one-name dotted_name: `case x:`, `case P(k=x)`.
  if (pn->kind == ASL_K_dotted_name) {
    if (pn->nchildren != 1 || pn->parent == ASL_NONE) return false;
    AslKind gk = t->nodes[pn->parent].kind;
    return gk == ASL_K_case_pattern || gk == ASL_K_keyword_pattern;
  }
  switch (pn->kind) {
  case ASL_K_function_definition:
  case ASL_K_class_definition:
    return t->nodes[child].field == ASL_F_name;
  case ASL_K_parameters:
  case ASL_K_lambda_parameters:
  case ASL_K_typed_parameter:
  case ASL_K_dictionary_splat_pattern:
  case ASL_K_global_statement:
  case ASL_K_nonlocal_statement:
    return true;
  case ASL_K_default_parameter:
  case ASL_K_typed_default_parameter:
    return t->nodes[child].field == ASL_F_name;
  case ASL_K_named_expression:
    return t->nodes[child].field == ASL_F_name;
  case ASL_K_aliased_import:
    return t->nodes[child].field == ASL_F_alias;
  case ASL_K_except_clause:
  case ASL_K_as_pattern:
    return t->nodes[child].field == ASL_F_alias;
  case ASL_K_as_pattern_target: // with ... as x, except E as x
  case ASL_K_case_pattern:      // case x:
  case ASL_K_splat_pattern:     // case [*rest]
    return true;
  default:
    break;
  }
  // Climb through tuple/list targets to the statement that binds them.
  while (is_pattern_container(pn->kind)) {
    child = p;
    p = pn->parent;
    if (p == ASL_NONE) return false;
    pn = &t->nodes[p];
  }
  AslField f = t->nodes[child].field;
  switch (pn->kind) {
  case ASL_K_assignment:
  case ASL_K_augmented_assignment:
  case ASL_K_for_statement:
  case ASL_K_for_in_clause:
    return f == ASL_F_left;
  case ASL_K_as_pattern_target:
    return true; // with ... as (a, b)
  default:
    return false;
  }
}

/* The scope a binding of identifier `i` belongs to. Comprehension targets
 * are attributed to the enclosing scope: close enough for our rules. */
static uint32_t binding_scope(const AslTree *t, uint32_t i) {
  const AslNode *n = &t->nodes[i];
  uint32_t s = n->scope;
  // A def/class name binds in the scope around the definition; so do
  // default values, which the node's scope field attributes to the def.
  if (n->parent != ASL_NONE && n->parent == s &&
      (t->nodes[s].kind == ASL_K_function_definition ||
       t->nodes[s].kind == ASL_K_class_definition) &&
      n->field == ASL_F_name)
    return t->nodes[s].scope;
  return s;
}

static void add_binding(AslArena *a, AslNames *nm, const AslTree *t,
                        uint32_t scope, const char *name, uint32_t len,
                        uint32_t node, AslBindKind kind, const char *target,
                        uint32_t value) {
  AslBinding b = {name, len, scope, node, value, kind, target, ASL_NONE,
                  ASL_NONE, 0};
  asl_avec_push(a, &nm->all, b);
  (void)t;
}

/* `import a.b.c` binds `a` to "a"; `import a.b as c` binds c to "a.b". */
static void collect_import(AslArena *a, AslNames *nm, const AslSource *s,
                           const AslTree *t, uint32_t stmt) {
  uint32_t scope = t->nodes[stmt].scope;
  for (uint32_t c = asl_first_named(t, stmt); c != ASL_NONE;
       c = asl_next_named(t, c)) {
    const AslNode *cn = &t->nodes[c];
    if (cn->kind == ASL_K_dotted_name) {
      char *full = asl_node_text(a, t, s, c);
      uint32_t first = asl_first_named(t, c);
      if (first == ASL_NONE) continue;
      const AslNode *fn = &t->nodes[first];
      char *head = asl_arena_strndup(a, s->text + fn->start_byte,
                                     fn->end_byte - fn->start_byte);
      (void)full;
      add_binding(a, nm, t, scope, head, fn->end_byte - fn->start_byte, c,
                  ASL_BIND_IMPORT, head, ASL_NONE);
    } else if (cn->kind == ASL_K_aliased_import) {
      uint32_t mod = asl_child_by_field(t, c, ASL_F_name);
      uint32_t alias = asl_child_by_field(t, c, ASL_F_alias);
      if (mod == ASL_NONE || alias == ASL_NONE) continue;
      const AslNode *an = &t->nodes[alias];
      add_binding(a, nm, t, scope, s->text + an->start_byte,
                  an->end_byte - an->start_byte, alias, ASL_BIND_IMPORT,
                  asl_node_text(a, t, s, mod), ASL_NONE);
    }
  }
}

/* Text of the module of a `from` import, with leading dots kept. */
static char *from_module(AslArena *a, const AslSource *s, const AslTree *t,
                         uint32_t stmt) {
  uint32_t m = asl_child_by_field(t, stmt, ASL_F_module_name);
  if (m == ASL_NONE) return asl_arena_strdup(a, "");
  return asl_node_text(a, t, s, m);
}

static void collect_from_import(AslArena *a, AslNames *nm, const AslSource *s,
                                const AslTree *t, uint32_t stmt) {
  uint32_t scope = t->nodes[stmt].scope;
  char *mod = from_module(a, s, t, stmt);
  for (uint32_t c = asl_first_child(t, stmt); c != ASL_NONE;
       c = t->nodes[c].next) {
    const AslNode *cn = &t->nodes[c];
    if (cn->field != ASL_F_name) continue;
    uint32_t orig = c, bound = c;
    if (cn->kind == ASL_K_aliased_import) {
      orig = asl_child_by_field(t, c, ASL_F_name);
      bound = asl_child_by_field(t, c, ASL_F_alias);
      if (orig == ASL_NONE || bound == ASL_NONE) continue;
    }
    const AslNode *bn = &t->nodes[bound];
    char *target = asl_arena_printf(a, "%s.%s", mod,
                                    asl_node_text(a, t, s, orig));
    add_binding(a, nm, t, scope, s->text + bn->start_byte,
                bn->end_byte - bn->start_byte, bound, ASL_BIND_IMPORT, target,
                ASL_NONE);
  }
}

/* For `x = value` (a lone identifier target), the value node. */
static uint32_t simple_assigned_value(const AslTree *t, uint32_t ident) {
  const AslNode *n = &t->nodes[ident];
  if (n->parent == ASL_NONE || n->field != ASL_F_left) return ASL_NONE;
  const AslNode *p = &t->nodes[n->parent];
  if (p->kind != ASL_K_assignment) return ASL_NONE;
  return asl_child_by_field(t, n->parent, ASL_F_right);
}

static void collect_identifier(AslArena *a, AslNames *nm, const AslSource *s,
                               const AslTree *t, uint32_t i) {
  const AslNode *n = &t->nodes[i];
  const AslNode *p = &t->nodes[n->parent];
  // Import statements are collected whole; skip their identifiers.
  if (p->kind == ASL_K_aliased_import ||
      p->kind == ASL_K_import_from_statement ||
      p->kind == ASL_K_import_statement)
    return;
  if (!asl_is_store(t, i)) return;
  AslBindKind kind = ASL_BIND_OTHER;
  uint32_t value = ASL_NONE;
  if (p->kind == ASL_K_global_statement ||
      p->kind == ASL_K_nonlocal_statement) {
    kind = ASL_BIND_GLOBAL;
  } else if ((value = simple_assigned_value(t, i)) != ASL_NONE) {
    kind = ASL_BIND_ASSIGN;
  }
  add_binding(a, nm, t, binding_scope(t, i), s->text + n->start_byte,
              n->end_byte - n->start_byte, i, kind, NULL, value);
}

/* Groups identifier nodes by spelling, so "where else is `t` used?" costs
 * the uses of `t`, not a walk of the whole function. */
static void index_occurrences(AslArena *a, AslNames *nm, const AslSource *s,
                              const AslTree *t) {
  uint32_t count = 0;
  for (uint32_t i = 0; i < t->count; i++)
    if (t->nodes[i].kind == ASL_K_identifier) count++;
  nm->nocc = 16;
  while (nm->nocc < count * 2) nm->nocc *= 2;
  nm->occ = asl_arena_alloc(a, sizeof(AslOccurrences) * nm->nocc);
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_identifier || (n->flags & ASL_NODE_IN_ERROR))
      continue;
    const char *name = s->text + n->start_byte;
    uint32_t len = n->end_byte - n->start_byte;
    uint32_t h = hash_key(0, name, len) & (nm->nocc - 1);
    while (nm->occ[h].name && !(nm->occ[h].len == len &&
                                memcmp(nm->occ[h].name, name, len) == 0))
      h = (h + 1) & (nm->nocc - 1);
    nm->occ[h].name = name;
    nm->occ[h].len = len;
    asl_avec_push(a, &nm->occ[h].nodes, i);
  }
}

const uint32_t *asl_names_occurrences(const AslNames *nm, const char *name,
                                      uint32_t len, uint32_t *count) {
  uint32_t h = hash_key(0, name, len) & (nm->nocc - 1);
  while (nm->occ[h].name) {
    if (nm->occ[h].len == len && memcmp(nm->occ[h].name, name, len) == 0) {
      *count = nm->occ[h].nodes.len;
      return nm->occ[h].nodes.items;
    }
    h = (h + 1) & (nm->nocc - 1);
  }
  *count = 0;
  return NULL;
}

const uint32_t *asl_names_occurrences_of(const AslNames *nm,
                                         const AslTree *t, const AslSource *s,
                                         uint32_t ident, uint32_t *count) {
  const AslNode *n = &t->nodes[ident];
  return asl_names_occurrences(nm, s->text + n->start_byte,
                               n->end_byte - n->start_byte, count);
}

AslNames *asl_names_build(AslArena *a, const AslSource *s, const AslTree *t) {
  AslNames *nm = asl_arena_alloc(a, sizeof *nm);
  nm->src = s;
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->flags & ASL_NODE_IN_ERROR) continue;
    switch (n->kind) {
    case ASL_K_import_statement:
      collect_import(a, nm, s, t, i);
      break;
    case ASL_K_import_from_statement:
      collect_from_import(a, nm, s, t, i);
      break;
    case ASL_K_identifier:
      collect_identifier(a, nm, s, t, i);
      break;
    default:
      break;
    }
  }
  // Hash (scope, name) -> first binding; chain the rest in source order.
  nm->nslots = 16;
  while (nm->nslots < nm->all.len * 2) nm->nslots *= 2;
  nm->slots = asl_arena_alloc(a, sizeof(uint32_t) * nm->nslots);
  for (uint32_t k = 0; k < nm->all.len; k++) {
    AslBinding *b = &nm->all.items[k];
    uint32_t h = hash_key(b->scope, b->name, b->name_len) & (nm->nslots - 1);
    for (;;) {
      uint32_t slot = nm->slots[h];
      if (slot == 0) {
        nm->slots[h] = k + 1;
        b->last_same = k;
        b->kinds = 1u << b->kind;
        break;
      }
      AslBinding *first = &nm->all.items[slot - 1];
      if (same_key(first, b->scope, b->name, b->name_len)) {
        nm->all.items[first->last_same].next_same = k;
        first->last_same = k;
        first->kinds |= 1u << b->kind;
        break;
      }
      h = (h + 1) & (nm->nslots - 1);
    }
  }
  index_occurrences(a, nm, s, t);
  return nm;
}

const AslBinding *asl_names_find(const AslNames *n, uint32_t scope,
                                 const char *name, uint32_t len) {
  uint32_t h = hash_key(scope, name, len) & (n->nslots - 1);
  for (;;) {
    uint32_t slot = n->slots[h];
    if (slot == 0) return NULL;
    const AslBinding *b = &n->all.items[slot - 1];
    if (same_key(b, scope, name, len)) return b;
    h = (h + 1) & (n->nslots - 1);
  }
}

const AslBinding *asl_names_at(const AslNames *n, uint32_t i) {
  return i < n->all.len ? &n->all.items[i] : NULL;
}

const AslBinding *asl_resolve_name(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  const AslNode *n = &t->nodes[ident];
  const char *name = cx->src->text + n->start_byte;
  uint32_t len = n->end_byte - n->start_byte;
  uint32_t scope = binding_scope(t, ident);
  bool first = true;
  for (;;) {
    const AslNode *sn = &t->nodes[scope];
    // Class bodies are visible only to code directly inside them.
    if (first || sn->kind != ASL_K_class_definition) {
      const AslBinding *b = asl_names_find(cx->names, scope, name, len);
      if (b && b->kind == ASL_BIND_GLOBAL) {
        b = asl_names_find(cx->names, 0, name, len);
        return b;
      }
      if (b) return b;
    }
    if (scope == 0) return NULL;
    scope = sn->scope;
    first = false;
  }
}

/* The import target if every binding of b's (scope, name) is an import of
 * the same target; NULL when anything else binds the name there too. */
const char *asl_import_target(const AslNames *nm, const AslBinding *b) {
  const char *target = NULL;
  if (b->kinds != 1u << ASL_BIND_IMPORT) return NULL;
  uint32_t hops = 0;
  for (; b; b = b->next_same == ASL_NONE ? NULL : &nm->all.items[b->next_same]) {
    if (++hops > 64) return NULL; // a hostile file: not worth certainty
    if (b->kind != ASL_BIND_IMPORT) return NULL;
    if (target && strcmp(target, b->target) != 0) return NULL;
    target = b->target;
  }
  return target;
}

const char *asl_dotted_name(const AslCtx *cx, uint32_t expr,
                            AslHeadResolver head_of) {
  const AslTree *t = cx->tree;
  expr = asl_unparen(t, expr);
  if (expr == ASL_NONE) return NULL;
  // Collect the attribute names right to left down to the leftmost name.
  uint32_t parts[32];
  uint32_t np = 0;
  uint32_t cur = expr;
  while (t->nodes[cur].kind == ASL_K_attribute) {
    uint32_t attr = asl_child_by_field(t, cur, ASL_F_attribute);
    uint32_t obj = asl_child_by_field(t, cur, ASL_F_object);
    if (attr == ASL_NONE || obj == ASL_NONE || np == 32) return NULL;
    parts[np++] = attr;
    cur = asl_unparen(t, obj);
  }
  if (cur == ASL_NONE || t->nodes[cur].kind != ASL_K_identifier) return NULL;
  const char *head = head_of(cx, cur);
  if (!head || np == 0) return head;
  // Measured, then copied into the arena (no buffer to grow).
  size_t head_len = strlen(head), len = head_len;
  for (uint32_t k = 0; k < np; k++)
    len += 1 + (t->nodes[parts[k]].end_byte - t->nodes[parts[k]].start_byte);
  char *out = asl_arena_alloc_raw(cx->arena, len + 1), *at = out;
  memcpy(at, head, head_len);
  at += head_len;
  while (np > 0) {
    const AslNode *an = &t->nodes[parts[--np]];
    *at++ = '.';
    memcpy(at, cx->src->text + an->start_byte, an->end_byte - an->start_byte);
    at += an->end_byte - an->start_byte;
  }
  *at = 0;
  return out;
}

/* The import target a name stands for, or the name itself if nothing
 * binds it (a builtin); NULL for locals and ambiguous names. */
static const char *import_head(const AslCtx *cx, uint32_t ident) {
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (!b) return asl_node_text(cx->arena, cx->tree, cx->src, ident);
  return asl_import_target(cx->names, b);
}

const char *asl_qualname(const AslCtx *cx, uint32_t expr) {
  return asl_dotted_name(cx, expr, import_head);
}

uint32_t asl_single_assignment(const AslCtx *cx, uint32_t ident) {
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (!b || b->kind != ASL_BIND_ASSIGN || b->next_same != ASL_NONE)
    return ASL_NONE;
  return b->value;
}

bool asl_await_allowed(const AslCtx *cx, uint32_t node) {
  const AslTree *t = cx->tree;
  uint32_t scope = t->nodes[node].scope;
  if (t->nodes[scope].kind != ASL_K_function_definition ||
      !asl_is_async_def(t, cx->src, scope))
    return false;
  for (uint32_t p = t->nodes[node].parent, k = 0; p != scope && k < 4096;
       p = t->nodes[p].parent, k++)
    if (p == ASL_NONE || t->nodes[p].kind == ASL_K_generator_expression)
      return false;
  return true;
}

const char *asl_module_alias(const AslCtx *cx, const char *module) {
  size_t n = strlen(module);
  const AslBinding *b = asl_names_find(cx->names, 0, module, (uint32_t)n);
  if (b && b->kind == ASL_BIND_IMPORT && b->next_same == ASL_NONE) {
    const char *target = asl_import_target(cx->names, b);
    if (target && !strcmp(target, module)) return module;
  }
  return NULL;
}
