/*
 * flow.c - a small, conservative reachability question over one function:
 * "is the value bound here ever read afterwards?". Shared by the rules that
 * care about values nobody reads (unawaited coroutines, unowned tasks).
 * Precision first: when unsure, answer "read".
 */
#include "asl.h"

#include <string.h>

bool asl_is_load(const AslTree *t, uint32_t i) {
  const AslNode *n = &t->nodes[i];
  if (n->kind != ASL_K_identifier || n->parent == ASL_NONE) return false;
  if (asl_is_store(t, i)) return false;
  const AslNode *p = &t->nodes[n->parent];
  switch (p->kind) {
  case ASL_K_attribute:
    return n->field != ASL_F_attribute;
  case ASL_K_keyword_argument:
    return n->field != ASL_F_name;
  case ASL_K_dotted_name:
  case ASL_K_aliased_import:
  case ASL_K_import_statement:
  case ASL_K_import_from_statement:
    return false;
  default:
    return true;
  }
}

/* The statement containing node i: the ancestor whose parent is a block or
 * the module. */
static uint32_t enclosing_statement(const AslTree *t, uint32_t i) {
  while (t->nodes[i].parent != ASL_NONE) {
    AslKind pk = t->nodes[t->nodes[i].parent].kind;
    if (pk == ASL_K_block || pk == ASL_K_module) return i;
    i = t->nodes[i].parent;
  }
  return i;
}

/* The innermost for/while loop around `i` inside scope `scope`. */
static uint32_t enclosing_loop(const AslTree *t, uint32_t i, uint32_t scope) {
  for (uint32_t p = t->nodes[i].parent; p != ASL_NONE && p != scope;
       p = t->nodes[p].parent) {
    AslKind k = t->nodes[p].kind;
    if (k == ASL_K_for_statement || k == ASL_K_while_statement) return p;
  }
  return ASL_NONE;
}

static bool same_text(const AslSource *s, const AslNode *a, const AslNode *b) {
  uint32_t la = a->end_byte - a->start_byte, lb = b->end_byte - b->start_byte;
  return la == lb && memcmp(s->text + a->start_byte, s->text + b->start_byte,
                            la) == 0;
}

/* Does a scope strictly between `inner` and `outer` bind the name itself
 * (so a read there is of another variable)? */
static bool shadowed_between(const AslCtx *cx, uint32_t inner, uint32_t outer,
                             const char *name, uint32_t len) {
  for (uint32_t s = inner; s != outer && s != ASL_NONE;) {
    const AslBinding *b = asl_names_find(cx->names, s, name, len);
    if (b && b->kind != ASL_BIND_GLOBAL) return true;
    if (s == 0) break;
    s = cx->tree->nodes[s].scope;
  }
  return false;
}

/* Is the read at `use` hidden from the binding (which ends at byte `from`)
 * by an unconditional `name = ...` statement between them: a direct
 * statement of a block that also contains `use` further down? */
static bool rebound_before(const AslCtx *cx, uint32_t scope, uint32_t ident,
                           uint32_t from, uint32_t use) {
  const AslTree *t = cx->tree;
  const AslNode *target = &t->nodes[ident];
  for (uint32_t k = ident + 1; k < use; k++) {
    const AslNode *kn = &t->nodes[k];
    if (kn->kind != ASL_K_identifier || kn->start_byte < from ||
        kn->scope != scope || !same_text(cx->src, kn, target))
      continue;
    if (kn->field != ASL_F_left || kn->parent == ASL_NONE ||
        t->nodes[kn->parent].kind != ASL_K_assignment)
      continue;
    uint32_t stmt = enclosing_statement(t, k);
    if (t->nodes[stmt].kind != ASL_K_expression_statement ||
        t->nodes[stmt].parent == ASL_NONE)
      continue;
    uint32_t block = t->nodes[stmt].parent;
    // The rebinding runs before `use` on every path if `use` lies in a
    // later statement of the same block.
    if (use >= t->nodes[stmt].end && use < t->nodes[block].end) return true;
  }
  return false;
}

bool asl_local_is_read_later(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  const AslNode *n = &t->nodes[ident];
  uint32_t scope = n->scope;
  AslKind sk = t->nodes[scope].kind;
  if (sk != ASL_K_function_definition && sk != ASL_K_lambda) return true;
  const char *name = cx->src->text + n->start_byte;
  uint32_t len = n->end_byte - n->start_byte;
  for (const AslBinding *b = asl_names_find(cx->names, scope, name, len); b;
       b = asl_names_at(cx->names, b->next_same))
    if (b->kind == ASL_BIND_GLOBAL) return true;

  uint32_t stmt = enclosing_statement(t, ident);
  uint32_t from = t->nodes[stmt].end_byte;
  uint32_t loop = enclosing_loop(t, ident, scope);
  for (uint32_t j = scope + 1; j < t->nodes[scope].end; j++) {
    const AslNode *u = &t->nodes[j];
    if (j == ident || u->kind != ASL_K_identifier || !same_text(cx->src, u, n))
      continue;
    if (!asl_is_load(t, j)) continue;
    if (shadowed_between(cx, u->scope, scope, name, len)) continue;
    bool after = u->start_byte >= from;
    bool next_iteration = loop != ASL_NONE && j > loop && j < t->nodes[loop].end;
    if (next_iteration) return true;
    if (after && !rebound_before(cx, scope, ident, from, j)) return true;
  }
  return false;
}
