/*
 * coroutine_used_as_value.c - ASL105 coroutine-used-as-value: a coroutine
 * bound to a local name whose every later read uses it as the value the
 * call was meant to give (`user = fetch_user(); user.name`).
 */
#include "unawaited.h"

#include <string.h>

const char asl_explain_ASL105[] =
    "## What it does\n"
    "Checks for the result of a call of a coroutine function bound to a\n"
    "local name whose every later read uses it as a value: an attribute\n"
    "(`user.name`), a subscript (`rows[0]`), a comparison (`n == 0`), a\n"
    "truth test (`if ok:`), iteration (`for r in rows`), or `len()`,\n"
    "`list()`, `dict()`, `int()`... of it. None of these awaits it. A read\n"
    "that may hand it on (`await x`, `return x`, an argument, a container,\n"
    "a coroutine's own `send`/`close`/`cr_*`) is not reported. The callee\n"
    "is resolved as for ASL101. A name nothing reads is ASL102.\n"
    "\n"
    "## Why is this bad?\n"
    "Whatever the code does next, the call was meant to be awaited: the\n"
    "attribute is missing (AttributeError), the comparison is always\n"
    "False, the test always true, and the coroutine never runs.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def greet(uid):\n"
    "    user = fetch_user(uid)  # async def fetch_user(uid)\n"
    "    return f\"Hello {user.name}\"\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "async def greet(uid):\n"
    "    user = await fetch_user(uid)\n"
    "    return f\"Hello {user.name}\"\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "`--fix --unsafe-fixes` inserts `await` before the call (in the body\n"
    "of an `async def`). Unsafe: the variable then holds the result, so\n"
    "every later use changes meaning, which is the intent but worth a\n"
    "look where the value also flowed elsewhere.\n"
    "\n"
    "## References\n"
    "- pyright and mypy report the attribute access as a type error\n"
    "  (`Cannot access attribute \"name\" for class \"Coroutine\"`)\n";

/* What a coroutine object itself offers: reading these is using it as
 * one, not as the value of its call. */
static const char *const coroutine_api[] = {
    "send", "throw", "close", "cr_await", "cr_frame", "cr_running",
    "cr_code", "cr_origin", "cr_suspended", "__await__", "__name__",
    "__qualname__", "__class__", NULL};

/* Builtins that use their argument as a value (a coroutine object has no
 * length, items or number in it). */
static const char *const value_builtins[] = {
    "len", "list", "tuple", "dict", "set", "sorted", "sum", "min", "max",
    "int", "float", "iter", "next", "any", "all", "enumerate", "zip", NULL};

static bool named(const char *const *list, const AslCtx *cx, uint32_t node) {
  for (; *list; list++)
    if (asl_node_text_eq(cx->tree, cx->src, node, *list)) return true;
  return false;
}

/* Is read `o` of the name a use of it as a value (see the explain text)? */
static bool used_as_value(const AslCtx *cx, uint32_t o) {
  const AslTree *t = cx->tree;
  uint32_t j = o, p = t->nodes[o].parent;
  while (p != ASL_NONE && t->nodes[p].kind == ASL_K_parenthesized_expression) {
    j = p;
    p = t->nodes[p].parent;
  }
  if (p == ASL_NONE) return false;
  switch (t->nodes[p].kind) {
  case ASL_K_attribute: {
    if (t->nodes[j].field != ASL_F_object) return false;
    uint32_t attr = asl_child_by_field(t, p, ASL_F_attribute);
    return attr != ASL_NONE && !named(coroutine_api, cx, attr);
  }
  case ASL_K_subscript:
    return t->nodes[j].field == ASL_F_value;
  case ASL_K_comparison_operator:
  case ASL_K_not_operator:
    return true;
  case ASL_K_if_statement:
  case ASL_K_elif_clause:
  case ASL_K_while_statement:
    return t->nodes[j].field == ASL_F_condition;
  case ASL_K_for_statement:
  case ASL_K_for_in_clause:
    return t->nodes[j].field == ASL_F_right;
  case ASL_K_argument_list: {
    uint32_t call = t->nodes[p].parent;
    uint32_t fn = asl_child_by_field(t, call, ASL_F_function);
    return fn != ASL_NONE && t->nodes[fn].kind == ASL_K_identifier &&
           named(value_builtins, cx, fn) && !asl_resolve_name(cx, fn);
  }
  default:
    return false;
  }
}

bool asl_coroutine_used_as_value(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  uint32_t count, reads = 0;
  const uint32_t *occ =
      asl_names_occurrences_of(cx->names, t, cx->src, ident, &count);
  uint32_t fn = t->nodes[ident].scope;
  for (uint32_t k = 0; k < count; k++) {
    uint32_t o = occ[k];
    if (o <= ident || o >= t->nodes[fn].end) continue;
    if (t->nodes[o].scope != fn) return false; // a nested def may await it
    if (asl_is_store(t, o)) break; // rebound: later reads are another value
    if (!used_as_value(cx, o)) return false;
    reads++;
  }
  return reads > 0;
}

const char *asl_msg_used_as_value(AslArena *a, const AslDef *def,
                                  const char *var) {
  return asl_arena_printf(a,
                          "%s; '%s' holds the coroutine, not its result, and "
                          "is then used as a value; add 'await'",
                          asl_msg_subject(a, def), var);
}
