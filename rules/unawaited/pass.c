/*
 * pass.c - the ASL1xx pass, phase 1: find every call whose result is
 * thrown away (ASL101), bound to a local nobody reads (ASL102) or only
 * tested for truth (ASL103), and describe its callee as far as this file
 * can (rules/callee.c). Whether the callee is a coroutine function needs
 * the project index,
 * so each candidate is deferred (asl_defer) and decided in decide.c.
 * Everything else a call result can meet (await, return, yield, an
 * argument, a container, an attribute, async with/for) owns it: not
 * reported.
 */
#include "unawaited.h"

#include <string.h>

typedef enum {
  USE_NONE,
  USE_DISCARDED,
  USE_BOUND,
  USE_TRUTHY,
  USE_COMPARED, /* `is`/`is not`/`==`/`!=` against it, or bool() of it */
  USE_AS_VALUE, /* bound to a local only read as a value (ASL105) */
} Use;

static uint32_t parent_of(const AslTree *t, uint32_t i) {
  return t->nodes[i].parent;
}

/* The condition of `a if cond else b`: its second named child. */
static uint32_t conditional_test(const AslTree *t, uint32_t cond_expr) {
  uint32_t first = asl_first_named(t, cond_expr);
  return first == ASL_NONE ? ASL_NONE : asl_next_named(t, first);
}

/* Is comprehension `comp`, through parentheses, an expression statement?
 * Then every element it builds is thrown away with the list. */
static bool comprehension_is_statement(const AslTree *t, uint32_t comp) {
  uint32_t p = parent_of(t, comp);
  while (p != ASL_NONE && t->nodes[p].kind == ASL_K_parenthesized_expression)
    p = parent_of(t, p);
  return p != ASL_NONE && t->nodes[p].kind == ASL_K_expression_statement;
}

/* Is `j` the element of a list/set/dict comprehension used as a statement? */
static bool is_comprehension_element(const AslTree *t, uint32_t j) {
  uint32_t p = parent_of(t, j);
  AslKind pk = t->nodes[p].kind;
  if ((pk == ASL_K_list_comprehension || pk == ASL_K_set_comprehension) &&
      t->nodes[j].field == ASL_F_body)
    return comprehension_is_statement(t, p);
  if (pk == ASL_K_pair && t->nodes[j].field == ASL_F_value) {
    uint32_t g = parent_of(t, p);
    return g != ASL_NONE &&
           t->nodes[g].kind == ASL_K_dictionary_comprehension &&
           comprehension_is_statement(t, g);
  }
  return false;
}

/* Is `j` the body of a lambda handed to a callback sink (`loop.call_soon(
 * lambda: f())`): the loop calls the lambda and drops what it returns. */
static bool is_dropped_callback_body(const AslCtx *cx, uint32_t j) {
  const AslTree *t = cx->tree;
  uint32_t lam = parent_of(t, j);
  if (t->nodes[lam].kind != ASL_K_lambda || t->nodes[j].field != ASL_F_body)
    return false;
  uint32_t args = parent_of(t, lam);
  if (args == ASL_NONE || t->nodes[args].kind != ASL_K_argument_list)
    return false;
  uint32_t call = parent_of(t, args);
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE || t->nodes[fn].kind != ASL_K_attribute) return false;
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  if (attr == ASL_NONE) return false;
  const AslNode *an = &t->nodes[attr];
  return asl_catalog_is_callback_sink(cx->src->text + an->start_byte,
                                      an->end_byte - an->start_byte);
}

/* Is `j` in a position whose value Python tests for truth only? */
static bool is_condition(const AslTree *t, uint32_t j) {
  uint32_t p = parent_of(t, j);
  switch (t->nodes[p].kind) {
  case ASL_K_if_statement:
  case ASL_K_elif_clause:
  case ASL_K_while_statement:
    return t->nodes[j].field == ASL_F_condition;
  case ASL_K_assert_statement:
    return asl_first_named(t, p) == j;
  case ASL_K_if_clause:
    return true;
  default:
    return false;
  }
}

/* Is `j` an operand of a comparison by identity or equality (`f() is
 * None`, `f() == 0`): always the same answer for a coroutine object? */
static bool is_compared(const AslCtx *cx, uint32_t j) {
  const AslTree *t = cx->tree;
  uint32_t p = parent_of(t, j);
  if (t->nodes[p].kind != ASL_K_comparison_operator) return false;
  for (uint32_t c = asl_first_child(t, p); c != ASL_NONE;
       c = t->nodes[c].next) {
    if (t->nodes[c].flags & ASL_NODE_NAMED) continue;
    if (!asl_node_text_eq(t, cx->src, c, "is") &&
        !asl_node_text_eq(t, cx->src, c, "is not") &&
        !asl_node_text_eq(t, cx->src, c, "==") &&
        !asl_node_text_eq(t, cx->src, c, "!="))
      return false; // `<`, `in`: a TypeError or a search, not our case
  }
  return true;
}

/* Is `j` the only argument of the builtin bool()? */
static bool is_bool_argument(const AslCtx *cx, uint32_t j) {
  const AslTree *t = cx->tree;
  uint32_t args = parent_of(t, j);
  if (t->nodes[args].kind != ASL_K_argument_list ||
      asl_first_named(t, args) != j || asl_next_named(t, j) != ASL_NONE)
    return false;
  uint32_t fn = asl_child_by_field(t, parent_of(t, args), ASL_F_function);
  return fn != ASL_NONE && t->nodes[fn].kind == ASL_K_identifier &&
         asl_node_text_eq(t, cx->src, fn, "bool") && !asl_resolve_name(cx, fn);
}

/* What happens to the value of `call`. Parentheses, `and`/`or` operands
 * and the branches of `a if c else b` pass it on; `not` and the test of a
 * conditional expression only look at its truth. */
static Use classify_use(const AslCtx *cx, uint32_t call, uint32_t *bound) {
  const AslTree *t = cx->tree;
  uint32_t j = call;
  bool wrapped = false;
  for (;;) {
    uint32_t p = parent_of(t, j);
    if (p == ASL_NONE) return USE_NONE;
    AslKind pk = t->nodes[p].kind;
    if (pk == ASL_K_not_operator) return USE_TRUTHY;
    if (pk == ASL_K_conditional_expression && conditional_test(t, p) == j)
      return USE_TRUTHY;
    if (pk != ASL_K_parenthesized_expression &&
        pk != ASL_K_boolean_operator && pk != ASL_K_conditional_expression)
      break;
    wrapped |= pk != ASL_K_parenthesized_expression;
    j = p;
  }
  uint32_t p = parent_of(t, j);
  if (t->nodes[p].kind == ASL_K_expression_statement) return USE_DISCARDED;
  if (is_condition(t, j)) return USE_TRUTHY;
  if (!wrapped && (is_compared(cx, j) || is_bool_argument(cx, j)))
    return USE_COMPARED;
  if (is_comprehension_element(t, j)) return USE_DISCARDED;
  if (wrapped) return USE_NONE;
  if (is_dropped_callback_body(cx, j)) return USE_DISCARDED;
  *bound = asl_bound_name(t, j);
  return *bound != ASL_NONE ? USE_BOUND : USE_NONE;
}

/* Is the coroutine bound to `ident` possibly read later? Inside a function
 * the shared flow question answers. A module-level private name (`_`,
 * `_pending`) that nothing in the file reads is never awaited either: no
 * other module imports a private name, and a global does not run it. */
static bool bound_value_is_read(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  const AslNode *n = &t->nodes[ident];
  if (t->nodes[n->scope].kind != ASL_K_module)
    return asl_local_is_read_later(cx, ident);
  const char *name = cx->src->text + n->start_byte;
  uint32_t len = n->end_byte - n->start_byte;
  if (name[0] != '_') return true;
  uint32_t count;
  const uint32_t *occ = asl_names_occurrences(cx->names, name, len, &count);
  for (uint32_t k = 0; k < count; k++)
    if (occ[k] != ident && !asl_is_store(t, occ[k])) return true;
  return asl_spelled_outside(cx, name, len); // a part left out may read it
}

/* `obj.name(...)` on an object whose class this file cannot tell: the
 * question for ASL104 about a name it may ask by (asl_catalog_by_name_
 * method), with `dotted` the name the object goes by (`cart`, `self.cart`:
 * "cart"), which must name the class (decide.c); an object without one is
 * not asked about. */
static bool method_of_unknown_object(const AslCtx *cx, uint32_t call,
                                     AslCallee *out) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE || t->nodes[fn].kind != ASL_K_attribute) return false;
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  uint32_t obj = asl_unparen(t, asl_child_by_field(t, fn, ASL_F_object));
  if (obj != ASL_NONE && t->nodes[obj].kind == ASL_K_attribute)
    obj = asl_child_by_field(t, obj, ASL_F_attribute);
  if (attr == ASL_NONE || obj == ASL_NONE ||
      t->nodes[obj].kind != ASL_K_identifier)
    return false;
  const AslNode *an = &t->nodes[attr];
  const char *name = cx->src->text + an->start_byte;
  size_t len = an->end_byte - an->start_byte;
  if (!asl_catalog_by_name_method(name, len)) return false;
  memset(out, 0, sizeof *out);
  out->kind = ASL_CALLEE_ANY_METHOD;
  out->attr = asl_arena_strndup(cx->arena, name, len);
  // Part of the question: answers differ by it.
  out->dotted = asl_node_text(cx->arena, t, cx->src, obj);
  return true;
}

/* `maker(f)(...)`: a call of what a catalog decorator applied inline
 * gives (`sync_to_async(save)()`, `database_sync_to_async(f)(x)`): a
 * coroutine function, so the call makes a coroutine. */
static bool inline_decorated(AslCtx *cx, uint32_t call, AslCallee *out) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE || t->nodes[fn].kind != ASL_K_call) return false;
  uint32_t inner = asl_child_by_field(t, fn, ASL_F_function);
  const char *maker = inner == ASL_NONE ? NULL : asl_absolute_name(cx, inner);
  if (!maker || !asl_catalog_makes_coroutine(maker)) return false;
  AslDef *d = asl_arena_alloc(cx->arena, sizeof *d);
  memset(d, 0, sizeof *d);
  d->kind = ASL_DEF_COROUTINE;
  d->name = asl_arena_printf(cx->arena, "%s(...)", maker);
  d->role = "is a coroutine function (the decorator applied inline)";
  const AslNode *n = &t->nodes[fn]; // located at `maker(f)`
  uint32_t line = asl_source_line_of(cx->src, n->start_byte);
  d->line = line + 1;
  d->column = asl_source_column(cx->src, line, n->start_byte);
  memset(out, 0, sizeof *out);
  out->kind = ASL_CALLEE_LOCAL;
  out->local = d;
  return true;
}

/* Defers the finding of `rule` at call i, with the fix `await ` before the
 * call where the language allows it there: safe for a discarded call or a
 * condition (the coroutine was never run, so running it is the repair),
 * unsafe where the callee is known by its name only (ASL104) or the
 * value's later uses change with it (ASL105). */
static void defer_with_fix(AslCtx *cx, AslRuleId rule, uint32_t i,
                           const AslCallee *callee, const char *subject) {
  uint32_t before = cx->deferred ? cx->deferred->len : 0;
  asl_defer(cx, rule, i, callee, subject);
  if (!asl_await_allowed(cx, i)) return;
  bool unsafe = rule == ASL_RULE_ASL104 || rule == ASL_RULE_ASL105;
  asl_defer_fix(cx, before,
                asl_fix_insert_before(cx, i, "await ", unsafe, "Add `await`"));
}

static const AslRuleId rule_of_use[] = {
    [USE_NONE] = ASL_RULE__COUNT,
    [USE_DISCARDED] = ASL_RULE_ASL101,
    [USE_BOUND] = ASL_RULE_ASL102,
    [USE_TRUTHY] = ASL_RULE_ASL103,
    [USE_COMPARED] = ASL_RULE_ASL103,
    [USE_AS_VALUE] = ASL_RULE_ASL105,
};

/* `obj.prop` read where its value is dropped or only tested: if the index
 * finds a property there whose getter is an async def (or returns a
 * coroutine), the read gives a coroutine nothing awaits. Only on `self`
 * or an object of a known class, never what the class stores on self (an
 * instance attribute is no property). */
static void check_property_read(AslCtx *cx, uint32_t attr) {
  uint32_t unused = ASL_NONE;
  Use use = classify_use(cx, attr, &unused);
  if (use != USE_DISCARDED && use != USE_TRUTHY && use != USE_COMPARED)
    return;
  AslRuleId rule = rule_of_use[use];
  AslCallee callee;
  if (!asl_enabled(cx, rule) || !asl_describe_callee_expr(cx, attr, &callee) ||
      (callee.kind != ASL_CALLEE_METHOD && callee.kind != ASL_CALLEE_SUPER) ||
      asl_self_attribute_stored(cx, attr))
    return;
  uint32_t before = cx->deferred ? cx->deferred->len : 0;
  asl_defer_args(cx, rule, attr, &callee,
                 use == USE_COMPARED ? "compared" : NULL, NULL,
                 ASL_AT_PROPERTY);
  if (asl_await_allowed(cx, attr))
    asl_defer_fix(cx, before, asl_fix_insert_before(cx, attr, "await ", false,
                                                    "Add `await`"));
}

void asl_pass_unawaited(AslCtx *cx) {
  const AslTree *t = cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind == ASL_K_attribute && !(n->flags & ASL_NODE_IN_ERROR)) {
      check_property_read(cx, i);
      continue;
    }
    if (n->kind != ASL_K_call || (n->flags & ASL_NODE_IN_ERROR)) continue;
    uint32_t bound = ASL_NONE;
    Use use = classify_use(cx, i, &bound);
    const char *future = use == USE_DISCARDED &&
                                 asl_enabled(cx, ASL_RULE_ASL106)
                             ? asl_unawaited_future_name(cx, i)
                             : NULL;
    if (future) {
      asl_report_unawaited_future(cx, i, future);
      continue;
    }
    bool by_name = use == USE_DISCARDED && asl_enabled(cx, ASL_RULE_ASL104);
    if (use == USE_NONE || (!asl_enabled(cx, rule_of_use[use]) && !by_name))
      continue;
    if (use == USE_BOUND && bound_value_is_read(cx, bound)) {
      if (t->nodes[t->nodes[bound].scope].kind == ASL_K_module ||
          !asl_coroutine_used_as_value(cx, bound))
        continue;
      use = USE_AS_VALUE;
      if (!asl_enabled(cx, ASL_RULE_ASL105)) continue;
    }
    AslCallee callee;
    if (!inline_decorated(cx, i, &callee) &&
        !asl_describe_callee(cx, i, &callee)) {
      if (by_name && method_of_unknown_object(cx, i, &callee))
        defer_with_fix(cx, ASL_RULE_ASL104, i, &callee, NULL);
      continue;
    }
    // A receiver this file gives a type the index may not resolve (a
    // fixture's value, a local bound to an unannotated call's result):
    // then the method's name decides (ASL104 asks the typed question
    // first).
    AslCallee by_type;
    if (by_name && callee.kind == ASL_CALLEE_METHOD &&
        method_of_unknown_object(cx, i, &by_type)) {
      by_type.param = callee.dotted;
      defer_with_fix(cx, ASL_RULE_ASL104, i, &by_type, NULL);
    }
    if (!asl_enabled(cx, rule_of_use[use])) continue;
    const char *subject =
        use == USE_BOUND || use == USE_AS_VALUE
            ? asl_node_text(cx->arena, t, cx->src, bound)
        : use == USE_COMPARED ? "compared"
                              : NULL;
    if (use == USE_BOUND) // the variable would hold the result instead
      asl_defer(cx, rule_of_use[use], i, &callee, subject);
    else
      defer_with_fix(cx, rule_of_use[use], i, &callee, subject);
  }
}
