/*
 * pass.c - the ASL2xx pass. Phase 1, for each checked file: every call
 * made directly in the body of an `async def` (comprehensions included;
 * nested def/lambda/class bodies are their own context) that is not
 * awaited is matched against the catalog (ASL200-206); any other call is
 * deferred as an ASL210 question: "is this a sync function of the project
 * that blocks?", which the index's fixpoint answers in phase 3. Also the
 * facts hook, for every file of the project: each sync def's parameters,
 * its direct blocking calls and the calls it makes, each with the
 * condition on the parameters under which it runs (conditions.c).
 */
#include "blocking.h"

#include <string.h>

enum { MAX_CALLS_PER_FUNC = 512, MAX_BLOCKS_PER_FUNC = 16 };

/* Is `call` evaluated in the body of an async def, in its own context
 * (not a nested def, lambda or class body; not a default value)? */
static bool loop_callback(const AslCtx *cx, uint32_t fn);

static bool in_async_body(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t s = t->nodes[call].scope;
  if (t->nodes[s].kind != ASL_K_function_definition ||
      (!asl_is_async_def(t, cx->src, s) && !loop_callback(cx, s)))
    return false;
  uint32_t body = asl_child_by_field(t, s, ASL_F_body);
  return body != ASL_NONE && call > body && call < t->nodes[body].end;
}

/* Is `child` the part of loop `p` evaluated once, before the first item:
 * a for statement's iterable or `else`, or the first iterable of a
 * comprehension (`[f(p) for p in scan()]` calls scan() once)? */
static bool evaluated_once(const AslTree *t, uint32_t p, uint32_t child) {
  AslKind k = t->nodes[p].kind;
  if (k == ASL_K_for_statement)
    return child == asl_child_by_field(t, p, ASL_F_right) ||
           child == asl_child_by_field(t, p, ASL_F_alternative);
  if (k == ASL_K_while_statement)
    return child == asl_child_by_field(t, p, ASL_F_alternative);
  if (k != ASL_K_for_in_clause) return false;
  uint32_t comp = t->nodes[p].parent;
  return child == asl_child_by_field(t, p, ASL_F_right) && comp != ASL_NONE &&
         asl_child_by_kind(t, comp, ASL_K_for_in_clause) == p;
}

/* Builtins that iterate their argument at once, and lazy wrappers whose
 * own iteration iterates it. */
static const char *const consumers[] = {
    "list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min",
    "max", "any", "all", "next", NULL};
static const char *const lazy_wrappers[] = {
    "enumerate", "zip", "map", "filter", "iter", "reversed",
    "itertools.chain", "itertools.islice", NULL};

static bool named_in(const char *s, const char *const *list) {
  for (; s && *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

bool asl_call_iterated(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t node = call;
  for (int depth = 0; depth < 4; depth++) {
    uint32_t p = t->nodes[node].parent;
    if (p == ASL_NONE) return false;
    switch (t->nodes[p].kind) {
    case ASL_K_parenthesized_expression:
      node = p;
      continue;
    case ASL_K_for_statement:
      return node == asl_child_by_field(t, p, ASL_F_right) &&
             !asl_has_token(t, cx->src, p, "async");
    case ASL_K_for_in_clause:
      return node == asl_child_by_field(t, p, ASL_F_right);
    case ASL_K_list_splat:
      return true;
    case ASL_K_yield: // `yield from f()`: iterated with the generator
      return asl_has_token(t, cx->src, p, "from");
    case ASL_K_argument_list: {
      uint32_t outer = t->nodes[p].parent;
      uint32_t fn = asl_unparen(t, asl_child_by_field(t, outer, ASL_F_function));
      if (fn == ASL_NONE) return false;
      const char *q = asl_qualname(cx, fn);
      if (named_in(q, consumers)) return true;
      if (named_in(q, lazy_wrappers)) {
        node = outer;
        continue;
      }
      if (t->nodes[fn].kind != ASL_K_attribute) return false;
      uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
      return attr != ASL_NONE && // "".join(f()), items.extend(f())
             (asl_node_text_eq(t, cx->src, attr, "join") ||
              asl_node_text_eq(t, cx->src, attr, "extend") ||
              asl_node_text_eq(t, cx->src, attr, "update"));
    }
    default:
      return false;
    }
  }
  return false;
}

/* Is `node` inside a loop (for, while, comprehension) of its own
 * function, in a part run once per item? A stat per item of a directory
 * is no longer one stat. */
static bool in_loop(const AslTree *t, uint32_t node) {
  uint32_t fn = t->nodes[node].scope, child = node;
  bool skip_comprehension = false;
  for (uint32_t p = t->nodes[node].parent, steps = 0;
       p != ASL_NONE && p != fn && steps < 64;
       child = p, p = t->nodes[p].parent, steps++) {
    if (evaluated_once(t, p, child)) {
      skip_comprehension = t->nodes[p].kind == ASL_K_for_in_clause;
      continue;
    }
    switch (t->nodes[p].kind) {
    case ASL_K_for_statement: case ASL_K_while_statement:
      return true;
    case ASL_K_list_comprehension: case ASL_K_set_comprehension:
    case ASL_K_dictionary_comprehension: case ASL_K_generator_expression:
      if (!skip_comprehension) return true;
      skip_comprehension = false;
      break;
    default: break;
    }
  }
  return false;
}

/* File metadata (ASL207, off by default) called once per item of a loop
 * costs as much as reading a file: it is reported as ASL204. */
static void scale_in_loop(const AslTree *t, uint32_t call, AslBlockingHit *h) {
  if (h->rule == ASL_RULE_ASL207 && in_loop(t, call)) {
    h->rule = ASL_RULE_ASL204;
    h->in_loop = true;
  }
}

/* Is the value of `call` awaited (through parentheses)? */
static bool is_awaited(const AslTree *t, uint32_t call) {
  uint32_t p = t->nodes[call].parent;
  while (p != ASL_NONE && t->nodes[p].kind == ASL_K_parenthesized_expression)
    p = t->nodes[p].parent;
  return p != ASL_NONE && t->nodes[p].kind == ASL_K_await;
}

static void report_hit_message(AslCtx *cx, uint32_t call,
                               const AslBlockingHit *h);

/* An edit replacing node `node` with `content`. */
static AslEdit replace_node(const AslCtx *cx, uint32_t node,
                            const char *content) {
  const AslNode *n = &cx->tree->nodes[node];
  return asl_edit_bytes(cx, n->start_byte, n->end_byte, content);
}

/* The fix of a blocking call that has no async twin: `await
 * asyncio.to_thread(f, *args, **kwargs)` (unsafe: whether `f` may run on
 * another thread is the user's call). None where `await` is not allowed,
 * in a module on trio or anyio, or for an argument list Python would not
 * take after a first argument (a bare generator expression). */
static const AslFix *to_thread_fix(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_child_by_field(t, call, ASL_F_function);
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments);
  // (A call iterated right away may build a generator or an iterator in
  // the thread that is still consumed here: no fix.)
  if (fn == ASL_NONE || args == ASL_NONE || !asl_await_allowed(cx, call) ||
      t->nodes[args].kind != ASL_K_argument_list ||
      asl_call_iterated(cx, call) ||
      (!asl_module_alias(cx, "asyncio") &&
       (asl_module_alias(cx, "trio") || asl_module_alias(cx, "anyio"))))
    return NULL;
  const AslNode *a = &t->nodes[args];
  // Between the parentheses, as written (comments and line breaks kept).
  const char *inner = cx->src->text + a->start_byte + 1;
  uint32_t ninner = a->end_byte - a->start_byte - 2;
  bool empty = asl_first_named(t, args) == ASL_NONE;
  const char *text = asl_arena_printf(
      cx->arena, "await asyncio.to_thread(%s%s%.*s)",
      asl_node_text(cx->arena, t, cx->src, fn), empty ? "" : ", ",
      empty ? 0 : (int)ninner, inner);
  AslEdit e = replace_node(cx, call, text);
  return asl_fix_with_asyncio(cx, &e, 1, true,
                              "Run it in a thread: `await asyncio.to_thread()`");
}

/* ASL201's fix for `time.sleep(x)` in an `async def`: `await
 * asyncio.sleep(x)`, the same wait without holding the loop (safe), with
 * `import asyncio` added before the first statement when the module does
 * not import it; trio's or anyio's sleep instead where the module imports
 * that library and not asyncio. */
static const AslFix *sleep_fix(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_child_by_field(t, call, ASL_F_function);
  if (fn == ASL_NONE || !asl_await_allowed(cx, call)) return NULL;
  const char *lib = asl_module_alias(cx, "asyncio");
  if (!lib && asl_module_alias(cx, "trio")) lib = "trio";
  if (!lib && asl_module_alias(cx, "anyio")) lib = "anyio";
  const char *with = asl_arena_printf(cx->arena, "await %s.sleep",
                                      lib ? lib : "asyncio");
  const char *message = asl_arena_printf(cx->arena, "Use `%s()`", with);
  AslEdit e = replace_node(cx, fn, with);
  return lib ? asl_fix_new(cx, false, message, &e, 1)
             : asl_fix_with_asyncio(cx, &e, 1, false, message);
}

/* Rules whose findings the call's `to_thread` wrapping repairs. */
static bool threadable(AslRuleId r) {
  return r == ASL_RULE_ASL202 || r == ASL_RULE_ASL203 ||
         r == ASL_RULE_ASL204 || r == ASL_RULE_ASL205 ||
         r == ASL_RULE_ASL206;
}

static void report_hit(AslCtx *cx, uint32_t call, const AslBlockingHit *h) {
  uint32_t before = cx->out->len;
  report_hit_message(cx, call, h);
  if (cx->out->len == before) return;
  AslDiag *d = &cx->out->items[cx->out->len - 1];
  if (h->rule == ASL_RULE_ASL201) d->fix = sleep_fix(cx, call);
  else if (threadable(h->rule)) d->fix = to_thread_fix(cx, call);
}

static void report_hit_message(AslCtx *cx, uint32_t call,
                               const AslBlockingHit *h) {
  if (h->rule == ASL_RULE_ASL200) {
    asl_report(cx, h->rule, call,
               "`%s()` is a configured blocking call (--blocking-call): "
               "use %s",
               h->display, h->suggestion);
  } else if (h->likely) {
    asl_report(cx, h->rule, call,
               "`%s(\"<METHOD>\", ...)` looks like a sync urllib3 request "
               "(the file imports urllib3) and blocks the event loop: %s",
               h->display, h->suggestion);
  } else if (h->in_loop) {
    asl_report(cx, h->rule, call,
               "`%s()` in a loop blocks the event loop once per item: %s",
               h->display, h->suggestion);
  } else if (h->type && strcmp(h->type, "file") == 0) {
    asl_report(cx, h->rule, call,
               "`%s()` on a file object blocks the event loop: %s",
               h->display, h->suggestion);
  } else if (h->type) {
    asl_report(cx, h->rule, call,
               "`%s()` on a `%s` blocks the event loop: %s", h->display,
               h->type, h->suggestion);
  } else {
    asl_report(cx, h->rule, call, "`%s()` blocks the event loop: %s",
               h->display, h->suggestion);
  }
}

/* Is `call` inside an except handler of `fn`? (In an async def that is
 * still worth a warning: a retry with a blocking back-off.) */
static bool in_except_handler(const AslTree *t, uint32_t fn, uint32_t call) {
  for (uint32_t p = t->nodes[call].parent, steps = 0;
       p != ASL_NONE && p != fn && steps < 64; p = t->nodes[p].parent, steps++)
    if (t->nodes[p].kind == ASL_K_except_clause) return true;
  return false;
}

/* How a helper call is named in the message: its callee's source text
 * when short and on one line. */
static const char *call_subject(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_child_by_field(t, call, ASL_F_function);
  if (fn == ASL_NONE) return "?";
  return asl_node_text_short(cx->arena, t, cx->src, fn, "helper");
}

/* Does async def `fn` start concurrent work itself (a task, a gather, a
 * task group, a server)? */
static bool starts_concurrent_work(const AslCtx *cx, uint32_t fn) {
  static const char *const starters[] = {
      "create_task", "ensure_future", "gather", "TaskGroup", "wait",
      "as_completed", "start_soon", "create_task_group", "open_nursery",
      "start_server", "create_server", "serve", "serve_forever",
      "run_forever", "start_unix_server", "call_soon", "call_later", NULL};
  const AslTree *t = cx->tree;
  for (uint32_t i = fn; i < t->nodes[fn].end; i++) {
    if (t->nodes[i].kind != ASL_K_call) continue;
    uint32_t f = asl_unparen(t, asl_child_by_field(t, i, ASL_F_function));
    if (f != ASL_NONE && t->nodes[f].kind == ASL_K_attribute)
      f = asl_child_by_field(t, f, ASL_F_attribute);
    if (f == ASL_NONE || t->nodes[f].kind != ASL_K_identifier) continue;
    for (const char *const *s = starters; *s; s++)
      if (asl_node_text_eq(t, cx->src, f, *s)) return true;
  }
  return false;
}

/* The async defs of this module the program runs alone: the coroutine
 * handed to `asyncio.run(main())`, `anyio.run(main)`, `trio.run(main)`,
 * `loop.run_until_complete(main())` that starts no concurrent work of its
 * own. Nothing else runs on their loop, so blocking there stalls nobody
 * (a command-line script). Marks their nodes in `entry`. */
static void mark_entry_coroutines(const AslCtx *cx, uint8_t *entry) {
  static const char *const runners[] = {
      "asyncio.run", "anyio.run", "trio.run", "uvloop.run", NULL};
  const AslTree *t = cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    if (t->nodes[i].kind != ASL_K_call) continue;
    uint32_t f = asl_unparen(t, asl_child_by_field(t, i, ASL_F_function));
    if (f == ASL_NONE) continue;
    const char *q = asl_qualname(cx, f);
    bool runner = false;
    for (const char *const *r = runners; q && *r && !runner; r++)
      runner = strcmp(q, *r) == 0;
    if (!runner && t->nodes[f].kind == ASL_K_attribute)
      runner = asl_node_text_eq(t, cx->src,
                                asl_child_by_field(t, f, ASL_F_attribute),
                                "run_until_complete");
    uint32_t args = asl_child_by_field(t, i, ASL_F_arguments);
    uint32_t a0 = !runner || args == ASL_NONE ? ASL_NONE
                                               : asl_first_named(t, args);
    if (a0 == ASL_NONE) continue;
    a0 = asl_unparen(t, a0);
    if (t->nodes[a0].kind == ASL_K_call)
      a0 = asl_unparen(t, asl_child_by_field(t, a0, ASL_F_function));
    if (a0 == ASL_NONE || t->nodes[a0].kind != ASL_K_identifier) continue;
    const AslBinding *b = asl_resolve_name(cx, a0);
    if (!b || b->next_same != ASL_NONE) continue;
    uint32_t def = t->nodes[b->node].parent;
    if (def != ASL_NONE && t->nodes[def].kind == ASL_K_function_definition &&
        asl_is_async_def(t, cx->src, def) &&
        !starts_concurrent_work(cx, def))
      entry[def] = 1;
  }
}

/* Is sync def `fn` decorated to run on the loop (--loop-callback-
 * decorator: Home Assistant's @callback)? */
static bool loop_callback(const AslCtx *cx, uint32_t fn) {
  if (!cx->opt->loop_callback_decorators.len) return false;
  AslDef d;
  asl_describe_def(cx, fn, &d);
  for (uint32_t k = 0; k < d.ndecorators; k++)
    for (uint32_t i = 0; i < cx->opt->loop_callback_decorators.len; i++)
      if (strcmp(d.decorators[k], cx->opt->loop_callback_decorators.items[i]) ==
          0)
        return true;
  return false;
}

/* The loop's scheduling methods and where each takes its callback. */
static const struct {
  const char *method;
  int pos;
} scheduling[] = {{"call_soon", 0},  {"call_soon_threadsafe", 0},
                  {"call_later", 1}, {"call_at", 1},
                  {"add_reader", 1}, {"add_writer", 1},
                  {"add_signal_handler", 1}};
enum { NSCHEDULING = sizeof scheduling / sizeof *scheduling };

const char *const *asl_blocking_hot_words(void) {
  // Filled once, before any worker starts (the rule set's hot_words).
  static const char *words[NSCHEDULING + 1];
  if (!words[0])
    for (size_t k = 0; k < NSCHEDULING; k++) words[k] = scheduling[k].method;
  return words;
}

static int callback_position(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE || t->nodes[fn].kind != ASL_K_attribute) return -1;
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  for (size_t k = 0; attr != ASL_NONE && k < NSCHEDULING; k++)
    if (asl_node_text_eq(t, cx->src, attr, scheduling[k].method))
      return scheduling[k].pos;
  return -1;
}

/* The positional argument `pos` of `call`, or ASL_NONE (also when a
 * `*args` may hold it). */
static uint32_t positional(const AslCtx *cx, uint32_t call, uint32_t pos) {
  bool splat;
  uint32_t a = asl_call_arg(cx, call, pos, NULL, &splat);
  return splat ? ASL_NONE : a;
}

/* `loop.call_soon(cb)`, `loop.call_later(5, self._refresh)`: the loop
 * calls cb later, on its own thread, wherever it was scheduled from; a
 * project function that blocks there blocks the loop (ASL210). The
 * callback is a name, `functools.partial(f, ...)`, or a lambda calling
 * one. */
static void check_callback(AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  int pos = callback_position(cx, call);
  if (pos < 0) return;
  uint32_t cb = asl_unparen(t, positional(cx, call, (uint32_t)pos));
  if (cb == ASL_NONE) return;
  if (t->nodes[cb].kind == ASL_K_call) { // partial(f, ...)
    const char *q = asl_qualname(cx, asl_child_by_field(t, cb, ASL_F_function));
    if (!q || strcmp(q, "functools.partial") != 0) return;
    cb = asl_unparen(t, positional(cx, cb, 0));
  } else if (t->nodes[cb].kind == ASL_K_lambda) { // lambda: f(...)
    uint32_t body = asl_unparen(t, asl_child_by_field(t, cb, ASL_F_body));
    if (body == ASL_NONE || t->nodes[body].kind != ASL_K_call) return;
    cb = asl_unparen(t, asl_child_by_field(t, body, ASL_F_function));
  }
  if (cb == ASL_NONE || (t->nodes[cb].kind != ASL_K_identifier &&
                         t->nodes[cb].kind != ASL_K_attribute))
    return;
  AslCallee callee;
  if (!asl_describe_callee_expr(cx, cb, &callee) ||
      (callee.kind == ASL_CALLEE_NAME && !strchr(callee.dotted, '.')))
    return;
  asl_defer_args(cx, ASL_RULE_ASL210, cb, &callee,
                 asl_node_text_short(cx->arena, t, cx->src, cb, "callback"),
                 NULL, ASL_AT_CALLBACK);
}

/* `self.hostname` read in an async body: if the index finds a property
 * there, its getter runs here (ASL210). Only reads of what the class does
 * not store on self itself (an instance attribute is no property), on
 * `self` or an object of a class this file names; never a call's callee
 * (that is a call), a store target, or an awaited read. */
static void check_property_read(AslCtx *cx, uint32_t attr) {
  const AslTree *t = cx->tree;
  uint32_t p = t->nodes[attr].parent;
  if (p == ASL_NONE) return;
  AslKind pk = t->nodes[p].kind;
  AslField f = t->nodes[attr].field;
  if ((pk == ASL_K_call && f == ASL_F_function) ||
      ((pk == ASL_K_assignment || pk == ASL_K_augmented_assignment) &&
       f == ASL_F_left) ||
      pk == ASL_K_await || pk == ASL_K_delete_statement ||
      pk == ASL_K_pattern_list || pk == ASL_K_tuple_pattern)
    return;
  AslCallee callee;
  if (!asl_describe_callee_expr(cx, attr, &callee) ||
      (callee.kind != ASL_CALLEE_METHOD && callee.kind != ASL_CALLEE_SUPER) ||
      asl_self_attribute_stored(cx, attr))
    return;
  const char *subject =
      asl_node_text_short(cx->arena, t, cx->src, attr, NULL);
  if (!subject) return;
  asl_defer_args(cx, ASL_RULE_ASL210, attr, &callee, subject, NULL,
                 ASL_AT_PROPERTY | (in_loop(t, attr) ? ASL_AT_LOOP : 0));
}

void asl_pass_blocking(AslCtx *cx) {
  const AslTree *t = cx->tree;
  bool helpers = asl_enabled(cx, ASL_RULE_ASL210);
  uint8_t *entry = asl_arena_alloc(cx->arena, t->count + 1u);
  mark_entry_coroutines(cx, entry);
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (helpers && n->kind == ASL_K_attribute &&
        !(n->flags & ASL_NODE_IN_ERROR) && in_async_body(cx, i) &&
        !entry[n->scope])
      check_property_read(cx, i);
    if (n->kind != ASL_K_call || (n->flags & ASL_NODE_IN_ERROR)) continue;
    if (helpers) check_callback(cx, i);
    if (!in_async_body(cx, i) || is_awaited(t, i) || entry[n->scope]) continue;
    AslBlockingHit hit;
    if (asl_blocking_match(cx, i, &hit)) {
      scale_in_loop(t, i, &hit);
      if (asl_enabled(cx, hit.rule)) report_hit(cx, i, &hit);
      continue;
    }
    asl_blocking_defer_constant(cx, i, in_loop(t, i));
    AslCallee callee;
    // A bare name that nothing binds is a builtin (`len`), never ours.
    if (!helpers || !asl_describe_callee(cx, i, &callee) ||
        (callee.kind == ASL_CALLEE_NAME && !strchr(callee.dotted, '.')))
      continue;
    // Building an exception to raise, or a deprecated block: an error
    // path, not worth a warning.
    if (asl_cond_error_path(cx, n->scope, i) &&
        !in_except_handler(t, n->scope, i))
      continue;
    AslArgs *args = asl_arena_alloc(cx->arena, sizeof *args);
    *args = asl_cond_args(cx, ASL_NONE, i, cx->arena);
    // In a loop, a helper's file metadata counts too (decide.c).
    uint32_t before = cx->deferred ? cx->deferred->len : 0;
    asl_defer_args(cx, ASL_RULE_ASL210, i, &callee, call_subject(cx, i),
                   args, (in_loop(t, i) ? ASL_AT_LOOP : 0) |
                             (asl_call_iterated(cx, i) ? ASL_AT_ITERATED : 0));
    asl_defer_fix(cx, before, to_thread_fix(cx, i));
  }
}

/* ---- facts ------------------------------------------------------------ */

/* The name a function goes by in chains: its def names from the outermost
 * enclosing def or class down ("Repo.load", "outer.inner"). */
static const char *func_name(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  const char *name = NULL;
  for (uint32_t s = fn, depth = 0; s != 0 && depth < 6;
       s = t->nodes[s].scope, depth++) {
    AslKind k = t->nodes[s].kind;
    if (k != ASL_K_function_definition && k != ASL_K_class_definition)
      break;
    uint32_t id = asl_child_by_field(t, s, ASL_F_name);
    if (id == ASL_NONE) break;
    const char *part = asl_node_text(cx->arena, t, cx->src, id);
    name = name ? asl_arena_printf(cx->arena, "%s.%s", part, name) : part;
  }
  return name ? name : "?";
}

/* Is def `fn` decorated with one of the dotted names of `names`? */
static bool decorated_with(const AslCtx *cx, uint32_t fn,
                           const char *const *names) {
  AslDef d;
  asl_describe_def(cx, fn, &d);
  for (uint32_t k = 0; k < d.ndecorators; k++)
    for (const char *const *n = names; *n; n++)
      if (strcmp(d.decorators[k], *n) == 0) return true;
  return false;
}

/* Does @contextmanager (or the like) make generator `fn` a function whose
 * `with` runs the body up to its yield? */
static bool runs_body_on_enter(const AslCtx *cx, uint32_t fn) {
  static const char *const runs_body[] = {
      "contextlib.contextmanager", "contextmanager", NULL};
  return decorated_with(cx, fn, runs_body);
}

/* Copies a callee from the file's arena into the run's. */
static AslCallee keep_callee(AslArena *a, const AslCallee *c,
                             const char *path) {
  AslCallee out = *c;
  out.dotted = c->dotted ? asl_arena_strdup(a, c->dotted) : NULL;
  out.attr = c->attr ? asl_arena_strdup(a, c->attr) : NULL;
  out.param = c->param ? asl_arena_strdup(a, c->param) : NULL;
  if (c->local) {
    AslDef *d = asl_arena_alloc(a, sizeof *d);
    *d = *c->local;
    d->name = d->name ? asl_arena_strdup(a, d->name) : NULL;
    d->module = d->module ? asl_arena_strdup(a, d->module) : NULL;
    d->path = path;
    d->decorators = NULL;
    d->ndecorators = 0;
    out.local = d;
  }
  return out;
}

typedef AslVec(AslFactCall) CallVec;
typedef AslVec(AslFactBlock) BlockVec;

/* What a blocking call costs, for the order of a message: network,
 * subprocesses, sleeps, databases and input first, then what reads or
 * writes file contents (ASL204), then file metadata (ASL207). */
static uint8_t hit_weight(const AslBlockingHit *h) {
  if (h->rule == ASL_RULE_ASL207) return 1;
  return h->rule == ASL_RULE_ASL204 ? 2 : 3;
}

/* How calls bind the first parameter of `fn`: a method's self, a
 * classmethod's cls, or nothing. */
static uint8_t binding_of(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t scope = t->nodes[fn].scope;
  if (t->nodes[scope].kind != ASL_K_class_definition) return ASL_BINDS_NONE;
  AslDef d;
  asl_describe_def(cx, fn, &d);
  for (uint32_t k = 0; k < d.ndecorators; k++) {
    if (strcmp(d.decorators[k], "staticmethod") == 0) return ASL_BINDS_NONE;
    if (strcmp(d.decorators[k], "classmethod") == 0) return ASL_BINDS_CLASS;
  }
  return ASL_BINDS_SELF;
}

/* Decorators after which calling a sync def runs its body elsewhere: on a
 * worker thread, or as a coroutine to await (asgiref's sync_to_async,
 * textual's thread workers). Such a call does not block. */
static bool runs_elsewhere(const AslCtx *cx, uint32_t fn) {
  static const char *const offloading[] = {
      "asgiref.sync.sync_to_async", "channels.db.database_sync_to_async",
      "textual.work", "textual._work_decorator.work", "asyncer.asyncify",
      NULL};
  return decorated_with(cx, fn, offloading);
}

/* Its parameters, if any of them can matter to a condition (a method's
 * self alone cannot). */
static bool has_own_params(const AslFactFunc *f) {
  return f->nparams > (f->binds != ASL_BINDS_NONE ? 1u : 0u);
}

/* Records one call of sync function `fn` (fact record `f`): a direct
 * blocking call, or a call of something the index may resolve. Calls on
 * error paths (except handlers, raise arguments, deprecated blocks) are
 * left out: blocking there is not worth a warning. */
static void record_call(const AslCtx *cx, AslArena *a, uint32_t fn,
                        uint32_t call, AslFactFunc *f, BlockVec *blocks,
                        CallVec *calls, AslFileFacts *facts) {
  const AslNode *n = &cx->tree->nodes[call];
  if (asl_cond_error_path(cx, fn, call)) return;
  bool conditions = has_own_params(f);
  AslBlockingHit hit;
  if (asl_blocking_match(cx, call, &hit)) {
    // The decision filters by rule (a chain reaches file metadata, ASL207,
    // only when it is selected or the helper is called in a loop).
    scale_in_loop(cx->tree, call, &hit);
    if (blocks->len >= MAX_BLOCKS_PER_FUNC) return;
    AslFactBlock b;
    memset(&b, 0, sizeof b);
    b.call = asl_arena_printf(a, "%s()", hit.display);
    uint32_t line = asl_source_line_of(cx->src, n->start_byte);
    b.line = line + 1;
    b.column = asl_source_column(cx->src, line, n->start_byte);
    b.weight = hit_weight(&hit);
    b.rule = (uint8_t)hit.rule;
    b.guard = conditions ? asl_cond_copy(
                               a, asl_cond_guard(cx, fn, call, cx->arena))
                         : ASL_COND_ALWAYS;
    asl_avec_push(cx->arena, blocks, b);
    return;
  }
  AslCallee c;
  if (calls->len >= MAX_CALLS_PER_FUNC || !asl_describe_callee(cx, call, &c))
    return;
  // A bare name that nothing binds is a builtin: not ours.
  if (c.kind == ASL_CALLEE_NAME && !strchr(c.dotted, '.')) return;
  AslArgs args = asl_cond_args(cx, conditions ? fn : ASL_NONE, call,
                               cx->arena);
  AslFactCall fc = {keep_callee(a, &c, facts->path),
                    asl_args_copy(a, &args),
                    conditions ? asl_cond_copy(
                                     a, asl_cond_guard(cx, fn, call,
                                                       cx->arena))
                               : ASL_COND_ALWAYS,
                    asl_call_iterated(cx, call)};
  asl_avec_push(cx->arena, calls, fc);
}

void asl_blocking_facts(const AslCtx *cx, AslFileFacts *facts, AslArena *a) {
  const AslTree *t = cx->tree;
  // Which function record each sync def node has (file arena, per node).
  uint32_t *rec = asl_arena_alloc(cx->arena, sizeof(uint32_t) * t->count);
  AslVec(AslFactFunc) funcs = {0};
  AslVec(uint32_t) nodes = {0};
  AslVec(CallVec) calls = {0};
  AslVec(BlockVec) blocks = {0};
  AslVec(bool) allowed = {0};
  for (uint32_t i = 0; i < t->count; i++) {
    rec[i] = ASL_NONE;
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_function_definition ||
        (n->flags & ASL_NODE_IN_ERROR) || asl_is_async_def(t, cx->src, i))
      continue;
    uint32_t id = asl_child_by_field(t, i, ASL_F_name);
    if (id == ASL_NONE) continue;
    AslFactFunc f;
    memset(&f, 0, sizeof f);
    const char *name = func_name(cx, i);
    f.name = asl_arena_strdup(a, name);
    uint32_t line = asl_source_line_of(cx->src, t->nodes[id].start_byte);
    f.line = line + 1;
    f.column = asl_source_column(cx->src, line, t->nodes[id].start_byte);
    f.binds = binding_of(cx, i);
    f.generator = runs_elsewhere(cx, i);
    f.nparams = asl_cond_params(cx, i, a, &f.params);
    const char *abs = cx->module ? asl_arena_printf(cx->arena, "%s.%s",
                                                    cx->module, name)
                                 : name;
    rec[i] = funcs.len;
    asl_avec_push(cx->arena, &funcs, f);
    asl_avec_push(cx->arena, &nodes, i);
    asl_avec_push(cx->arena, &calls, (CallVec){0});
    asl_avec_push(cx->arena, &blocks, (BlockVec){0});
    asl_avec_push(cx->arena, &allowed, asl_blocking_allowed(cx->opt, abs));
  }
  if (!funcs.len) return;
  // A yield of its own makes a def a generator (calling it runs nothing,
  // iterating what it gives runs the body), unless @contextmanager runs
  // its body on `with`.
  for (uint32_t i = 0; i < t->count; i++) {
    if (t->nodes[i].kind != ASL_K_yield) continue;
    uint32_t r = rec[t->nodes[i].scope];
    if (r != ASL_NONE && !funcs.items[r].generator)
      funcs.items[r].yields = !runs_body_on_enter(cx, t->nodes[i].scope);
  }
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_call || (n->flags & ASL_NODE_IN_ERROR)) continue;
    uint32_t r = rec[n->scope];
    if (r == ASL_NONE || allowed.items[r] || funcs.items[r].generator)
      continue;
    record_call(cx, a, nodes.items[r], i, &funcs.items[r], &blocks.items[r],
                &calls.items[r], facts);
  }
  AslFactFunc *out = asl_arena_alloc(a, sizeof *out * funcs.len);
  for (uint32_t k = 0; k < funcs.len; k++) {
    out[k] = funcs.items[k];
    BlockVec *bv = &blocks.items[k];
    if (bv->len) {
      out[k].blocks = asl_arena_alloc(a, sizeof *bv->items * bv->len);
      memcpy(out[k].blocks, bv->items, sizeof *bv->items * bv->len);
      out[k].nblocks = bv->len;
    }
    CallVec *cv = &calls.items[k];
    if (!cv->len) continue;
    out[k].calls = asl_arena_alloc(a, sizeof *cv->items * cv->len);
    memcpy(out[k].calls, cv->items, sizeof *cv->items * cv->len);
    out[k].ncalls = cv->len;
  }
  facts->funcs = out;
  facts->nfuncs = funcs.len;
}
