/*
 * pass.c - the ASL2xx pass. Phase 1, for each checked file: every call
 * made directly in the body of an `async def` (comprehensions included;
 * nested def/lambda/class bodies are their own context) that is not
 * awaited is matched against the catalog (ASL200-206); any other call is
 * deferred as an ASL210 question: "is this a sync function of the project
 * that blocks?", which the index's fixpoint answers in phase 3. Also the
 * facts hook, for every file of the project: each sync def's first direct
 * blocking call and the calls it makes.
 */
#include "blocking.h"

#include <string.h>

enum { MAX_CALLS_PER_FUNC = 512 };

/* Is `call` evaluated in the body of an async def, in its own context
 * (not a nested def, lambda or class body; not a default value)? */
static bool in_async_body(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t s = t->nodes[call].scope;
  if (t->nodes[s].kind != ASL_K_function_definition ||
      !asl_is_async_def(t, cx->src, s))
    return false;
  uint32_t body = asl_child_by_field(t, s, ASL_F_body);
  return body != ASL_NONE && call > body && call < t->nodes[body].end;
}

/* Is the value of `call` awaited (through parentheses)? */
static bool is_awaited(const AslTree *t, uint32_t call) {
  uint32_t p = t->nodes[call].parent;
  while (p != ASL_NONE && t->nodes[p].kind == ASL_K_parenthesized_expression)
    p = t->nodes[p].parent;
  return p != ASL_NONE && t->nodes[p].kind == ASL_K_await;
}

static void report_hit(AslCtx *cx, uint32_t call, const AslBlockingHit *h) {
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

/* How a helper call is named in the message: its callee's source text
 * when short and on one line. */
static const char *call_subject(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_child_by_field(t, call, ASL_F_function);
  if (fn == ASL_NONE) return "?";
  const AslNode *n = &t->nodes[fn];
  uint32_t len = n->end_byte - n->start_byte;
  const char *s = cx->src->text + n->start_byte;
  if (len > 60 || memchr(s, '\n', len)) return "helper";
  return asl_arena_strndup(cx->arena, s, len);
}

void asl_pass_blocking(AslCtx *cx) {
  const AslTree *t = cx->tree;
  bool helpers = asl_enabled(cx, ASL_RULE_ASL210);
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_call || (n->flags & ASL_NODE_IN_ERROR)) continue;
    if (!in_async_body(cx, i) || is_awaited(t, i)) continue;
    AslBlockingHit hit;
    if (asl_blocking_match(cx, i, &hit)) {
      if (asl_enabled(cx, hit.rule)) report_hit(cx, i, &hit);
      continue;
    }
    AslCallee callee;
    // A bare name that nothing binds is a builtin (`len`), never ours.
    if (helpers && asl_describe_callee(cx, i, &callee) &&
        !(callee.kind == ASL_CALLEE_NAME && !strchr(callee.dotted, '.')))
      asl_defer(cx, ASL_RULE_ASL210, i, &callee, call_subject(cx, i));
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

/* Does @contextmanager (or the like) make generator `fn` a function whose
 * `with` runs the body up to its yield? */
static bool runs_body_on_enter(const AslCtx *cx, uint32_t fn) {
  static const char *const runs_body[] = {
      "contextlib.contextmanager", "contextmanager", NULL};
  AslDef d;
  asl_describe_def(cx, fn, &d);
  for (uint32_t k = 0; k < d.ndecorators; k++)
    for (const char *const *r = runs_body; *r; r++)
      if (strcmp(d.decorators[k], *r) == 0) return true;
  return false;
}

/* Copies a callee from the file's arena into the run's. */
static AslCallee keep_callee(AslArena *a, const AslCallee *c,
                             const char *path) {
  AslCallee out = *c;
  out.dotted = c->dotted ? asl_arena_strdup(a, c->dotted) : NULL;
  out.attr = c->attr ? asl_arena_strdup(a, c->attr) : NULL;
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

void asl_blocking_facts(const AslCtx *cx, AslFileFacts *facts, AslArena *a) {
  const AslTree *t = cx->tree;
  // Which function record each sync def node has (file arena, per node).
  uint32_t *rec = asl_arena_alloc(cx->arena, sizeof(uint32_t) * t->count);
  AslVec(AslFactFunc) funcs = {0};
  AslVec(CallVec) calls = {0};
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
    const char *abs = cx->module ? asl_arena_printf(cx->arena, "%s.%s",
                                                    cx->module, name)
                                 : name;
    rec[i] = funcs.len;
    asl_avec_push(cx->arena, &funcs, f);
    asl_avec_push(cx->arena, &calls, (CallVec){0});
    asl_avec_push(cx->arena, &allowed, asl_blocking_allowed(cx->opt, abs));
  }
  if (!funcs.len) return;
  // A yield of its own makes a def a generator (calling it runs nothing),
  // unless @contextmanager runs its body on `with`.
  for (uint32_t i = 0; i < t->count; i++) {
    if (t->nodes[i].kind != ASL_K_yield) continue;
    uint32_t r = rec[t->nodes[i].scope];
    if (r != ASL_NONE && !funcs.items[r].generator)
      funcs.items[r].generator =
          !runs_body_on_enter(cx, t->nodes[i].scope);
  }
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_call || (n->flags & ASL_NODE_IN_ERROR)) continue;
    uint32_t r = rec[n->scope];
    if (r == ASL_NONE || allowed.items[r]) continue;
    AslFactFunc *f = &funcs.items[r];
    if (f->blocking) continue; // blocks already: its calls do not matter
    AslBlockingHit hit;
    if (asl_blocking_match(cx, i, &hit)) {
      f->blocking = asl_arena_printf(a, "%s()", hit.display);
      f->blocking_line = asl_source_line_of(cx->src, n->start_byte) + 1;
      continue;
    }
    AslCallee c;
    if (calls.items[r].len >= MAX_CALLS_PER_FUNC ||
        !asl_describe_callee(cx, i, &c))
      continue;
    // A bare name that nothing binds is a builtin: not ours.
    if (c.kind == ASL_CALLEE_NAME && !strchr(c.dotted, '.')) continue;
    AslFactCall fc = {keep_callee(a, &c, facts->path)};
    asl_avec_push(cx->arena, &calls.items[r], fc);
  }
  AslFactFunc *out = asl_arena_alloc(a, sizeof *out * funcs.len);
  for (uint32_t k = 0; k < funcs.len; k++) {
    out[k] = funcs.items[k];
    CallVec *cv = &calls.items[k];
    if (out[k].blocking || !cv->len) continue;
    out[k].calls = asl_arena_alloc(a, sizeof *cv->items * cv->len);
    memcpy(out[k].calls, cv->items, sizeof *cv->items * cv->len);
    out[k].ncalls = cv->len;
  }
  facts->funcs = out;
  facts->nfuncs = funcs.len;
}
