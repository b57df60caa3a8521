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

bool asl_is_spawn_function(const char *qualname) {
  return in_list(qualname, spawn_functions);
}

/* Is `expr` a call of one of the loop getters? */
static bool is_loop_getter_call(const AslCtx *cx, uint32_t expr) {
  const AslTree *t = cx->tree;
  expr = asl_unparen(t, expr);
  if (expr == ASL_NONE || t->nodes[expr].kind != ASL_K_call) return false;
  uint32_t fn = asl_child_by_field(t, expr, ASL_F_function);
  return fn != ASL_NONE && in_list(asl_qualname(cx, fn), loop_getters);
}

/* The classes of asyncio event loops, as receiver types name them. */
static const char *const loop_types[] = {
    "asyncio.AbstractEventLoop", "asyncio.BaseEventLoop",
    "asyncio.events.AbstractEventLoop", "asyncio.base_events.BaseEventLoop",
    "asyncio.SelectorEventLoop", "asyncio.ProactorEventLoop", "uvloop.Loop",
    NULL};

static bool is_known_loop(const AslCtx *cx, uint32_t obj, int depth);

/* Is `e` the literal None? */
static bool is_none(const AslCtx *cx, uint32_t e) {
  e = asl_unparen(cx->tree, e);
  return e != ASL_NONE && cx->tree->nodes[e].kind == ASL_K_none;
}

/* Is local `ident` bound only by assignments, each of a loop we can see
 * or of None (`try: loop = asyncio.get_running_loop()` / `except
 * RuntimeError: loop = None`), one at least of a loop? Where it is None,
 * `loop.create_task` raises: no task is lost there. */
static bool bound_to_loop_or_none(const AslCtx *cx, uint32_t ident,
                                  int depth) {
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (b) b = asl_names_find(cx->names, b->scope, b->name, b->name_len);
  if (!b || b->kinds != 1u << ASL_BIND_ASSIGN) return false;
  bool loop = false;
  for (uint32_t k = 0; b && k < 8; k++) {
    if (b->value == ASL_NONE) return false;
    if (!is_none(cx, b->value)) {
      if (!is_known_loop(cx, b->value, depth + 1)) return false;
      loop = true;
    }
    b = b->next_same == ASL_NONE ? NULL : asl_names_at(cx->names, b->next_same);
  }
  return loop && !b;
}

/* Does `obj` evaluate to an asyncio event loop we can see being obtained:
 * `asyncio.get_running_loop()` itself, a local bound once from it, an
 * attribute the class sets once from it (`self._loop = loop or
 * asyncio.get_event_loop()`), or anything annotated as an event loop
 * (`loop: asyncio.AbstractEventLoop`, a typed `self.loop`)? */
static bool is_known_loop(const AslCtx *cx, uint32_t obj, int depth) {
  const AslTree *t = cx->tree;
  obj = asl_unparen(t, obj);
  if (obj == ASL_NONE || depth > 4) return false;
  if (is_loop_getter_call(cx, obj)) return true;
  uint32_t value = ASL_NONE;
  switch (t->nodes[obj].kind) {
  case ASL_K_identifier:
    value = asl_single_assignment(cx, obj);
    if (value == ASL_NONE && bound_to_loop_or_none(cx, obj, depth))
      return true;
    break;
  case ASL_K_attribute:
    value = asl_self_attribute_value(cx, obj);
    break;
  case ASL_K_boolean_operator: { // `loop or asyncio.get_event_loop()`
    uint32_t l = asl_child_by_field(t, obj, ASL_F_left);
    uint32_t r = asl_child_by_field(t, obj, ASL_F_right);
    return is_known_loop(cx, l, depth + 1) || is_known_loop(cx, r, depth + 1);
  }
  default:
    return false;
  }
  if (value != ASL_NONE && is_known_loop(cx, value, depth + 1)) return true;
  return in_list(asl_receiver_type(cx, obj), loop_types);
}

const char *asl_task_spawn_name(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE) return NULL;
  const char *qn = asl_qualname(cx, fn);
  if (asl_is_spawn_function(qn)) return qn;
  // loop.create_task(...): only on a loop we saw come from asyncio; a
  // TaskGroup's or a user object's create_task is not asyncio's.
  if (t->nodes[fn].kind != ASL_K_attribute) return NULL;
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  if (attr == ASL_NONE || !asl_node_text_eq(t, cx->src, attr, "create_task"))
    return NULL;
  uint32_t obj = asl_child_by_field(t, fn, ASL_F_object);
  if (!is_known_loop(cx, obj, 0)) return NULL;
  // Named as written when the loop is a name (`self._loop.create_task`).
  uint32_t e = asl_chain_head(t, obj);
  bool named = e != ASL_NONE && t->nodes[e].kind == ASL_K_identifier &&
               t->nodes[fn].end_byte - t->nodes[fn].start_byte <= 40;
  return named ? asl_node_text(cx->arena, t, cx->src, fn) : "loop.create_task";
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

static const char *const threadsafe_functions[] = {
    "asyncio.run_coroutine_threadsafe",
    "asyncio.tasks.run_coroutine_threadsafe", NULL};
static const char *const wait_functions[] = {"asyncio.wait",
                                             "asyncio.tasks.wait", NULL};

/* May `asyncio.wait(...)` call `wait` return with tasks still pending: a
 * return_when other than ALL_COMPLETED, or a timeout? */
static bool wait_may_leave_pending(const AslCtx *cx, uint32_t wait) {
  const AslTree *t = cx->tree;
  uint32_t args = asl_child_by_field(t, wait, ASL_F_arguments);
  uint32_t k = 0;
  for (uint32_t a = args == ASL_NONE ? ASL_NONE : asl_first_named(t, args);
       a != ASL_NONE; a = asl_next_named(t, a)) {
    if (t->nodes[a].kind == ASL_K_keyword_argument) {
      uint32_t name = asl_child_by_field(t, a, ASL_F_name);
      uint32_t value = asl_child_by_field(t, a, ASL_F_value);
      if (name == ASL_NONE || value == ASL_NONE) continue;
      if (asl_node_text_eq(t, cx->src, name, "timeout") &&
          !asl_node_text_eq(t, cx->src, value, "None"))
        return true;
      if (asl_node_text_eq(t, cx->src, name, "return_when")) {
        const char *q = asl_qualname(cx, value);
        if (!q || (strcmp(q, "asyncio.ALL_COMPLETED") != 0 &&
                   strcmp(q, "concurrent.futures.ALL_COMPLETED") != 0))
          return true;
      }
    } else if (t->nodes[a].kind != ASL_K_comment && k++ == 1 &&
               !asl_node_text_eq(t, cx->src, a, "None")) {
      return true; // a positional timeout
    }
  }
  return false;
}

/* Is the pending set of `await asyncio.wait(...)` (the await node) thrown
 * away: the result discarded, or unpacked with the second target `_` or
 * never read afterwards? */
static bool pending_dropped(const AslCtx *cx, uint32_t await) {
  const AslTree *t = cx->tree;
  uint32_t up = climb_value_wrappers(t, await);
  uint32_t p = t->nodes[up].parent;
  if (p == ASL_NONE) return false;
  if (t->nodes[p].kind == ASL_K_expression_statement) return true;
  if (t->nodes[p].kind != ASL_K_assignment ||
      t->nodes[up].field != ASL_F_right)
    return false;
  uint32_t left = asl_child_by_field(t, p, ASL_F_left);
  if (left == ASL_NONE || (t->nodes[left].kind != ASL_K_pattern_list &&
                           t->nodes[left].kind != ASL_K_tuple_pattern))
    return false;
  uint32_t first = asl_first_named(t, left);
  uint32_t second = first == ASL_NONE ? ASL_NONE : asl_next_named(t, first);
  if (second == ASL_NONE || t->nodes[second].kind != ASL_K_identifier)
    return false;
  return asl_node_text_eq(t, cx->src, second, "_") ||
         !asl_local_is_read_later(cx, second);
}

/* Is task `call` created in the first argument of `await asyncio.wait(...)`
 * (a list, set or tuple display, or a comprehension's element) whose
 * pending set may be left and is dropped? */
static bool left_pending_by_wait(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t coll = t->nodes[climb_value_wrappers(t, call)].parent;
  if (coll == ASL_NONE) return false;
  AslKind ck = t->nodes[coll].kind;
  if (ck == ASL_K_list_comprehension || ck == ASL_K_set_comprehension ||
      ck == ASL_K_generator_expression) {
    if (t->nodes[call].field != ASL_F_body &&
        t->nodes[climb_value_wrappers(t, call)].field != ASL_F_body)
      return false;
  } else if (ck != ASL_K_list && ck != ASL_K_set && ck != ASL_K_tuple) {
    return false;
  }
  uint32_t args = t->nodes[coll].parent;
  if (args == ASL_NONE) return false;
  uint32_t wait = args; // `wait(create_task(c) for c in cs)`: no list
  if (t->nodes[args].kind == ASL_K_argument_list) {
    if (asl_first_named(t, args) != coll) return false;
    wait = t->nodes[args].parent;
  } else if (ck != ASL_K_generator_expression ||
             t->nodes[args].kind != ASL_K_call) {
    return false;
  }
  uint32_t fn = asl_child_by_field(t, wait, ASL_F_function);
  if (fn == ASL_NONE || !in_list(asl_qualname(cx, fn), wait_functions) ||
      !wait_may_leave_pending(cx, wait))
    return false;
  uint32_t await = t->nodes[climb_value_wrappers(t, wait)].parent;
  return await != ASL_NONE && t->nodes[await].kind == ASL_K_await &&
         pending_dropped(cx, await);
}

/* A discarded call of what the index may find to be a task wrapper or a
 * re-exported spawn function (wrappers.c decides). Builtins (a bare name
 * nothing binds) never are. */
static void defer_wrapper_call(AslCtx *cx, uint32_t call) {
  AslCallee callee;
  if (!asl_describe_callee(cx, call, &callee) ||
      (callee.kind == ASL_CALLEE_NAME && !strchr(callee.dotted, '.')))
    return;
  const AslTree *t = cx->tree;
  const char *subject = asl_node_text_short(
      cx->arena, t, cx->src, asl_child_by_field(t, call, ASL_F_function),
      "call");
  // ASL301 asks for re-exported spawns, ASL304 for wrappers.
  asl_defer(cx, ASL_RULE_ASL301, call, &callee, subject);
  asl_defer(cx, ASL_RULE_ASL304, call, &callee, subject);
}

void asl_pass_unowned_task(AslCtx *cx) {
  const AslTree *t = cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_call || (n->flags & ASL_NODE_IN_ERROR)) continue;
    const char *spawn = asl_task_spawn_name(cx, i);
    if (!spawn) {
      uint32_t fn = asl_child_by_field(t, i, ASL_F_function);
      if (fn == ASL_NONE || !is_discarded(t, i)) continue;
      if (in_list(asl_qualname(cx, fn), threadsafe_functions))
        asl_report_discarded_future(cx, i);
      else
        defer_wrapper_call(cx, i);
      continue;
    }
    if (is_discarded(t, i)) {
      asl_report_discarded_task(cx, i, spawn);
      continue;
    }
    if (left_pending_by_wait(cx, i)) {
      asl_report_task_left_pending(cx, i, spawn);
      continue;
    }
    uint32_t name = asl_bound_name(t, i);
    if (name != ASL_NONE && !asl_local_is_read_later(cx, name))
      asl_report_unread_task(cx, i, name, spawn);
  }
}
