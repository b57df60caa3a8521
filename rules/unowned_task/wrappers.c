/*
 * wrappers.c - tasks created behind a call: asyncio's spawn functions
 * re-exported by a module of the project (`from .compat import
 * ensure_future`: ASL301), or a project function that returns the task it
 * creates without keeping it (`def spawn(c): return asyncio.create_task(c)`:
 * ASL304, off by default: on real code such functions were documented
 * fire-and-forget APIs). Their discarded calls drop the task as a bare
 * create_task() does; the index says which calls those are.
 */
#include "unowned_task.h"

#include <string.h>

#include "../../analyzer/index.h"

/* How many times the name `ident` is spelled inside def `fn`: a local
 * bound once and returned is spelled twice, and read nowhere else. */
static uint32_t spelled_in(const AslCtx *cx, uint32_t fn, uint32_t ident) {
  const AslTree *t = cx->tree;
  uint32_t count, inside = 0;
  const uint32_t *occ =
      asl_names_occurrences_of(cx->names, t, cx->src, ident, &count);
  for (uint32_t k = 0; k < count; k++)
    inside += occ[k] > fn && occ[k] < t->nodes[fn].end;
  return inside;
}

/* Does every `return` of sync def `fn` (at least one) return a task it
 * creates there, directly (`return asyncio.create_task(c)`) or through a
 * local bound once to one and read by that return alone? A wrapper that
 * also stores the task (a set, an attribute, a done callback) owns it. */
static bool returns_fresh_task(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t returns = 0;
  for (uint32_t i = fn + 1; i < t->nodes[fn].end; i++) {
    if (t->nodes[i].kind != ASL_K_return_statement || t->nodes[i].scope != fn)
      continue;
    uint32_t v = asl_unparen(t, asl_first_named(t, i));
    if (v == ASL_NONE) return false;
    if (t->nodes[v].kind == ASL_K_identifier) {
      uint32_t value = asl_single_assignment(cx, v);
      if (value == ASL_NONE || spelled_in(cx, fn, v) != 2) return false;
      v = asl_unparen(t, value);
    }
    if (t->nodes[v].kind != ASL_K_call || !asl_task_spawn_name(cx, v))
      return false;
    returns++;
  }
  return returns > 0;
}

void asl_unowned_task_facts(const AslCtx *cx, AslFileFacts *facts) {
  const AslTree *t = cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_function_definition ||
        (n->flags & ASL_NODE_IN_ERROR) || asl_is_async_def(t, cx->src, i) ||
        !returns_fresh_task(cx, i))
      continue;
    AslDef d;
    asl_describe_def(cx, i, &d);
    const AslFactClass *cls;
    AslFactBinding *b = asl_facts_def_binding(facts, d.name, d.line, &cls);
    if (b && b->kind == ASL_FACT_FUNCTION) b->task_wrapper = true;
  }
}


const char asl_explain_ASL304[] =
    "## What it does\n"
    "Checks for calls, as bare statements, of a sync function of the\n"
    "project that returns the task it creates and keeps no other reference\n"
    "to it (`def spawn(c): return asyncio.create_task(c)`, or through a\n"
    "local read only by the return), found across modules by the project\n"
    "index; the message names the wrapper.\n"
    "\n"
    "Off by default: on real projects the wrappers found were documented\n"
    "fire-and-forget helpers (\"there is no need to await this function\"),\n"
    "whose callers drop the task on purpose (docs/real-world.md).\n"
    "\n"
    "## Why is this bad?\n"
    "As with ASL301: the loop keeps only a weak reference to the task, so\n"
    "it may be garbage-collected before it finishes, and its exception is\n"
    "never seen.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "def spawn(coro):\n"
    "    return asyncio.create_task(coro)\n"
    "\n"
    "async def handle(event):\n"
    "    spawn(audit(event))\n"
    "```\n"
    "\n"
    "Keep the task where the wrapper creates it, or keep what the wrapper\n"
    "returns.\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "_tasks = set()\n"
    "\n"
    "def spawn(coro):\n"
    "    task = asyncio.create_task(coro)\n"
    "    _tasks.add(task)\n"
    "    task.add_done_callback(_tasks.discard)\n"
    "    return task\n"
    "```\n";

const char *asl_unowned_task_decide(const AslIndex *idx, AslArena *a,
                                    const AslDeferred *d) {
  AslDef def;
  AslDefKind k = asl_index_callee(idx, d->facts_id, &d->callee, &def);
  if (k == ASL_DEF_EXTERNAL && d->diag.rule == ASL_RULE_ASL301)
    return asl_is_spawn_function(def.name)
               ? asl_arena_printf(a, "Result of `%s()` (`%s()`) is discarded: "
                                     "%s",
                                  d->subject, def.name, asl_unowned_advice)
               : NULL;
  if (k != ASL_DEF_FUNCTION || !def.task_wrapper ||
      d->diag.rule != ASL_RULE_ASL304)
    return NULL;
  return asl_arena_printf(a,
                          "`%s()` returns the task it creates (%s:%u) and the "
                          "result is discarded: %s",
                          d->subject, def.path ? def.path : "?", def.line,
                          asl_unowned_advice);
}
