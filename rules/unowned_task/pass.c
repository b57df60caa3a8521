/*
 * pass.c - the ASL3xx pass: tasks that nobody owns. Finds every call that
 * schedules an asyncio task (asyncio.create_task / ensure_future, or
 * create_task on a loop bound from get_running_loop() and friends) and asks
 * what happens to its result: discarded (ASL301) or bound to a local that
 * is never read again (ASL302).
 */
#include "unowned_task.h"

#include <string.h>

/* Qualified names that return a task the caller must keep. */
static const char *const spawn_functions[] = {
    "asyncio.create_task", "asyncio.ensure_future",
    "asyncio.tasks.create_task", "asyncio.tasks.ensure_future", NULL};

/* Qualified names that return the running asyncio event loop. */
static const char *const loop_getters[] = {
    "asyncio.get_running_loop", "asyncio.get_event_loop",
    "asyncio.new_event_loop", "asyncio.events.get_running_loop",
    "asyncio.events.get_event_loop", "asyncio.events.new_event_loop", NULL};

static bool in_list(const char *s, const char *const *list) {
  if (!s) return false;
  for (; *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

/* Is `expr` a call of one of the loop getters? */
static bool is_loop_getter_call(const AslCtx *cx, uint32_t expr) {
  const AslTree *t = cx->tree;
  expr = asl_unparen(t, expr);
  if (expr == ASL_NONE || t->nodes[expr].kind != ASL_K_call) return false;
  uint32_t fn = asl_child_by_field(t, expr, ASL_F_function);
  return fn != ASL_NONE && in_list(asl_qualname(cx, fn), loop_getters);
}

/* Does `obj` evaluate to an asyncio event loop we can see being obtained:
 * `asyncio.get_running_loop()` itself, or a local bound once from it? */
static bool is_known_loop(const AslCtx *cx, uint32_t obj) {
  const AslTree *t = cx->tree;
  obj = asl_unparen(t, obj);
  if (obj == ASL_NONE) return false;
  if (is_loop_getter_call(cx, obj)) return true;
  if (t->nodes[obj].kind != ASL_K_identifier) return false;
  uint32_t value = asl_single_assignment(cx, obj);
  return value != ASL_NONE && is_loop_getter_call(cx, value);
}

const char *asl_task_spawn_name(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE) return NULL;
  const char *qn = asl_qualname(cx, fn);
  if (in_list(qn, spawn_functions)) return qn;
  // loop.create_task(...): only on a loop we saw come from asyncio; a
  // TaskGroup's or a user object's create_task is not asyncio's.
  if (t->nodes[fn].kind != ASL_K_attribute) return NULL;
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  if (attr == ASL_NONE || !asl_node_text_eq(t, cx->src, attr, "create_task"))
    return NULL;
  uint32_t obj = asl_child_by_field(t, fn, ASL_F_object);
  return is_known_loop(cx, obj) ? "loop.create_task" : NULL;
}

/* Climbs from an expression through wrappers that pass its value through
 * unchanged to the statement level: parentheses, the branches of `a if c
 * else b`, the operands of `and`/`or`. Returns the outermost such node. */
static uint32_t climb_value_wrappers(const AslTree *t, uint32_t i) {
  for (;;) {
    const AslNode *n = &t->nodes[i];
    if (n->parent == ASL_NONE) return i;
    const AslNode *p = &t->nodes[n->parent];
    bool passes = p->kind == ASL_K_parenthesized_expression ||
                  p->kind == ASL_K_boolean_operator;
    if (p->kind == ASL_K_conditional_expression) {
      // `a if cond else b`: a and b pass through, cond does not.
      uint32_t first = asl_first_named(t, n->parent);
      uint32_t cond = first == ASL_NONE ? ASL_NONE : asl_next_named(t, first);
      passes = i != cond;
    }
    if (!passes) return i;
    i = n->parent;
  }
}

/* Is the value of `i` thrown away: an expression statement, directly or as
 * the element of a list/set/dict comprehension that is one? */
static bool is_discarded(const AslTree *t, uint32_t i) {
  i = climb_value_wrappers(t, i);
  const AslNode *n = &t->nodes[i];
  if (n->parent == ASL_NONE) return false;
  const AslNode *p = &t->nodes[n->parent];
  if (p->kind == ASL_K_expression_statement) return true;
  uint32_t comp = ASL_NONE;
  if ((p->kind == ASL_K_list_comprehension ||
       p->kind == ASL_K_set_comprehension) && n->field == ASL_F_body)
    comp = n->parent;
  else if (p->kind == ASL_K_pair && n->field == ASL_F_value &&
           p->parent != ASL_NONE &&
           t->nodes[p->parent].kind == ASL_K_dictionary_comprehension)
    comp = p->parent;
  if (comp == ASL_NONE) return false;
  comp = climb_value_wrappers(t, comp);
  const AslNode *c = &t->nodes[comp];
  return c->parent != ASL_NONE &&
         t->nodes[c->parent].kind == ASL_K_expression_statement;
}

void asl_pass_unowned_task(AslCtx *cx) {
  const AslTree *t = cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_call || (n->flags & ASL_NODE_IN_ERROR)) continue;
    const char *spawn = asl_task_spawn_name(cx, i);
    if (!spawn) continue;
    if (is_discarded(t, i)) {
      asl_report_discarded_task(cx, i, spawn);
      continue;
    }
    uint32_t name = asl_bound_name(t, i);
    if (name != ASL_NONE && !asl_local_is_read_later(cx, name))
      asl_report_unread_task(cx, i, name, spawn);
  }
}
