/*
 * flow.c - a small, conservative reachability question over one function:
 * "is the value bound here ever read afterwards?". Shared by the rules that
 * care about values nobody reads (unawaited coroutines, unowned tasks).
 * Precision first: when unsure, answer "read".
 */
#include "asl.h"
#include "prefilter.h"

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

/* How many uses, and rebinding candidates per use, one question may look
 * at before answering "read" (so a hostile file with 100,000 uses of one
 * name stays linear). */
enum { ASL_FLOW_BUDGET = 256 };

/* First position in the sorted array `occ` whose node index is >= i. */
static uint32_t lower_bound(const uint32_t *occ, uint32_t n, uint32_t i) {
  uint32_t lo;
  ASL_LOWER_BOUND(lo, n, mid, occ[mid] < i);
  return lo;
}

/* Is the read at `use` hidden from the binding (whose statement ends at
 * byte `from`) by an unconditional `name = ...` statement between them: a
 * direct statement of a block that also contains `use` further down?
 * `occ[first..]` are the name's occurrences after the binding. */
static bool rebound_before(const AslTree *t, uint32_t scope, const uint32_t *occ,
                           uint32_t first, uint32_t n, uint32_t from,
                           uint32_t use) {
  uint32_t looked = 0;
  for (uint32_t k = first; k < n && occ[k] < use; k++) {
    if (++looked > ASL_FLOW_BUDGET) return false;
    const AslNode *kn = &t->nodes[occ[k]];
    if (kn->start_byte < from || kn->scope != scope ||
        kn->field != ASL_F_left || kn->parent == ASL_NONE ||
        t->nodes[kn->parent].kind != ASL_K_assignment)
      continue;
    uint32_t stmt = enclosing_statement(t, occ[k]);
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

/* Is occurrence j a read of the variable bound in `scope`? */
static bool reads_variable(const AslCtx *cx, uint32_t j, uint32_t scope,
                           const char *name, uint32_t len) {
  const AslNode *u = &cx->tree->nodes[j];
  return asl_is_load(cx->tree, j) &&
         !shadowed_between(cx, u->scope, scope, name, len);
}

bool asl_local_is_read_later(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  const AslNode *n = &t->nodes[ident];
  uint32_t scope = n->scope;
  AslKind sk = t->nodes[scope].kind;
  if (sk != ASL_K_function_definition && sk != ASL_K_lambda) return true;
  const char *name = cx->src->text + n->start_byte;
  uint32_t len = n->end_byte - n->start_byte;
  const AslBinding *head = asl_names_find(cx->names, scope, name, len);
  if (head && (head->kinds & (1u << ASL_BIND_GLOBAL))) return true;

  uint32_t count;
  const uint32_t *occ = asl_names_occurrences(cx->names, name, len, &count);
  uint32_t stmt = enclosing_statement(t, ident);
  uint32_t scope_end = t->nodes[scope].end;

  // A read anywhere in an enclosing loop may see the value next time round.
  uint32_t loop = enclosing_loop(t, ident, scope);
  if (loop != ASL_NONE) {
    uint32_t looked = 0;
    for (uint32_t k = lower_bound(occ, count, loop);
         k < count && occ[k] < t->nodes[loop].end; k++) {
      if (++looked > ASL_FLOW_BUDGET) return true;
      if (occ[k] != ident && reads_variable(cx, occ[k], scope, name, len))
        return true;
    }
  }
  // A read after the binding statement that no rebinding hides.
  uint32_t from = t->nodes[stmt].end_byte;
  uint32_t first = lower_bound(occ, count, ident + 1), looked = 0;
  for (uint32_t k = first; k < count && occ[k] < scope_end; k++) {
    uint32_t j = occ[k];
    if (t->nodes[j].start_byte < from) continue; // in the binding statement
    if (++looked > ASL_FLOW_BUDGET) return true;
    if (reads_variable(cx, j, scope, name, len) &&
        !rebound_before(t, scope, occ, first, count, from, j))
      return true;
  }
  return false;
}

/* The parent of `i` with parentheses around `i` skipped. */
static uint32_t parent_unparen(const AslTree *t, uint32_t *i) {
  while (t->nodes[*i].parent != ASL_NONE &&
         t->nodes[t->nodes[*i].parent].kind == ASL_K_parenthesized_expression)
    *i = t->nodes[*i].parent;
  return t->nodes[*i].parent;
}

uint32_t asl_bound_name(const AslTree *t, uint32_t expr) {
  uint32_t i = expr;
  uint32_t pi = parent_unparen(t, &i);
  if (pi == ASL_NONE) return ASL_NONE;
  const AslNode *p = &t->nodes[pi];
  if (p->kind == ASL_K_named_expression && t->nodes[i].field == ASL_F_value) {
    // `(x := call)` as a statement binds x and nothing else.
    uint32_t w = pi, up = parent_unparen(t, &w);
    if (up == ASL_NONE || t->nodes[up].kind != ASL_K_expression_statement)
      return ASL_NONE;
    return asl_child_by_field(t, pi, ASL_F_name);
  }
  if (p->kind == ASL_K_assignment && t->nodes[i].field == ASL_F_right) {
    // Only a whole statement: in `a = b = call` the value has two names.
    uint32_t left = asl_child_by_field(t, pi, ASL_F_left);
    if (left != ASL_NONE && t->nodes[left].kind == ASL_K_identifier &&
        p->parent != ASL_NONE &&
        t->nodes[p->parent].kind == ASL_K_expression_statement)
      return left;
    return ASL_NONE;
  }
  // a, x = other, call: pair the k-th value with the k-th target.
  if (p->kind != ASL_K_expression_list || p->field != ASL_F_right ||
      p->parent == ASL_NONE || t->nodes[p->parent].kind != ASL_K_assignment)
    return ASL_NONE;
  uint32_t left = asl_child_by_field(t, p->parent, ASL_F_left);
  if (left == ASL_NONE || (t->nodes[left].kind != ASL_K_pattern_list &&
                           t->nodes[left].kind != ASL_K_tuple_pattern))
    return ASL_NONE;
  uint32_t v = asl_first_named(t, pi), target = asl_first_named(t, left);
  while (v != ASL_NONE && target != ASL_NONE && v != i) {
    v = asl_next_named(t, v);
    target = asl_next_named(t, target);
  }
  if (v == i && target != ASL_NONE &&
      t->nodes[target].kind == ASL_K_identifier)
    return target;
  return ASL_NONE;
}

bool asl_spelled_outside(const AslCtx *cx, const char *name, uint32_t len) {
  if (!cx->outside) return false;
  uint32_t h = asl_word_hash(name, len);
  if (!asl_word_used(asl_scan_word_flags(cx->outside, h))) return false;
  asl_words_add(cx->needed_words, h);
  return true;
}
