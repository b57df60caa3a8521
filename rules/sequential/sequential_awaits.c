/*
 * sequential_awaits.c - ASL401 sequential-independent-awaits: within one
 * block, an await that uses nothing an earlier await of the same run
 * produced, so the two could run concurrently.
 */
#include "sequential.h"

#include <stdio.h>
#include <string.h>

const char asl_explain_ASL401[] =
    "## What it does\n"
    "Checks for awaits in one block of an `async def` that wait for each\n"
    "other without needing to: a later await (a statement, the value of an\n"
    "assignment, or an assignment under an `if` of its own) that uses\n"
    "nothing the earlier awaits of the same run produced. Dependencies are\n"
    "followed through names, attribute chains (`u.id`), subscripts, tuple\n"
    "unpacking, walrus, and through statements in between that read an\n"
    "earlier result and bind new names. The finding is reported at each\n"
    "later independent await and names the earlier lines.\n"
    "\n"
    "The receiver decides first. Two awaits on one object run in order,\n"
    "except read-style calls (`get_*`, `fetch_*`, `load_*`, `is_*`,\n"
    "`async_get_*`...) on a client or API object (`self`, `client`): never\n"
    "on a connection, transaction, cursor, stream, socket, lock or exit\n"
    "stack, nor with one passed as an argument (`await read(q, conn)`).\n"
    "Bare awaits of one method on distinct objects (`await a.refresh();\n"
    "await b.refresh()`) are independent too, but for start-up and\n"
    "shut-down sequences (`initialize`, `start`, `stop`, `close`...).\n"
    "\n"
    "A run is a stretch of awaits and simple assignments. It ends at any\n"
    "other statement, after an await whose result is discarded (what\n"
    "follows may rely on its side effect), and after a check, validation,\n"
    "login or connect: a barrier before the run, not a reason to drop it.\n"
    "\n"
    "Order matters, so these are never reported: runs with a sleep, a\n"
    "queue, stream, socket, lock, event, condition, transaction or process\n"
    "operation, or an await of something already running (a task from\n"
    "`create_task`, a future, a bare name); awaits under `async with` of a\n"
    "lock, semaphore or transaction; awaits in a `try` body whose handlers\n"
    "do more than log, pass or re-raise, in handlers and in `finally`;\n"
    "runs with an operation whose name starts with a verb that changes\n"
    "outside state (`create_user`, `send_mail`, `updateProfile`): what\n"
    "follows may rely on it; the sequential branch of an `if` whose other\n"
    "branch gathers (a benchmark, a fallback); modules that import\n"
    "`sniffio` (written for any event loop). In modules that import anyio\n"
    "or trio the suggestion is a task group or a nursery.\n"
    "Stores into one container under different literal keys\n"
    "(`out[\"a\"] = await ...; out[\"b\"] = await ...`) are independent;\n"
    "under computed keys (`out[k] = ...`) they are kept in order.\n"
    "\n"
"## Why is this bad?\n"
    "Each await suspends the coroutine until its operation is complete, so\n"
    "two independent requests take the sum of their latencies instead of\n"
    "the maximum. The event loop could run them at the same time.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def dashboard(uid):\n"
    "    user = await fetch_user(uid)\n"
    "    usage = await fetch_usage(uid)\n"
    "    return render(user, usage)\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "async def dashboard(uid):\n"
    "    user, usage = await asyncio.gather(fetch_user(uid), "
    "fetch_usage(uid))\n"
    "    return render(user, usage)\n"
    "```\n"
    "or an `asyncio.TaskGroup` (Python 3.11+), which cancels the other\n"
    "operation when one fails.\n"
    "\n"
    "## Fix safety\n"
    "`--fix --unsafe-fixes` turns two or more adjacent statements `x =\n"
    "await f(...)` or `await g(...)` (targets: names, attributes,\n"
    "subscripts; nothing between them, not even a comment) into one `x, y\n"
    "= await asyncio.gather(f(...), g(...))`, `_` for a discarded result,\n"
    "adding `import asyncio` if needed. Unsafe: the calls overlap, every\n"
    "argument is evaluated before the first call runs, and an exception in\n"
    "one no longer keeps the next from starting.\n"
    "\n"
    "## References\n"
    "- Python docs: asyncio.gather, asyncio.TaskGroup\n"
    "- ESLint no-await-in-loop (the loop-only, flow-insensitive cousin)\n";

/* How a statement of a block takes part in a run. */
typedef enum {
  ST_NEUTRAL,     /* docstring, pass, comment: ignored */
  ST_BARRIER,     /* ends the run */
  ST_PURE,        /* an assignment without await: may carry dependencies */
  ST_AWAIT_VALUE, /* x = await ..., x: T = await ..., x += await ... */
  ST_AWAIT_BARE,  /* await ... as a statement */
} StmtKind;

static bool contains_kind3(const AslTree *t, uint32_t i, AslKind a, AslKind b,
                           AslKind c) {
  for (uint32_t j = i; j < t->nodes[i].end; j++) {
    AslKind k = t->nodes[j].kind;
    if (k == a || k == b || k == c) return true;
  }
  return false;
}

/* Classifies statement `s`; *aw gets the await node of an await form. */
static StmtKind classify(const AslTree *t, uint32_t s, uint32_t *aw) {
  const AslNode *n = &t->nodes[s];
  if (n->kind == ASL_K_comment || n->kind == ASL_K_pass_statement)
    return ST_NEUTRAL;
  // `if cond: x = await f()` (no else): a store under an if is one more
  // await of the run, its condition read with it.
  if (n->kind == ASL_K_if_statement && !(n->flags & ASL_NODE_IN_ERROR) &&
      asl_child_by_field(t, s, ASL_F_alternative) == ASL_NONE) {
    uint32_t body = asl_child_by_field(t, s, ASL_F_consequence);
    uint32_t only = body == ASL_NONE ? ASL_NONE : asl__seq_only_child(t, body);
    uint32_t cond = asl_child_by_field(t, s, ASL_F_condition);
    if (only == ASL_NONE || cond == ASL_NONE ||
        contains_kind3(t, cond, ASL_K_await, ASL_K_yield,
                       ASL_K_named_expression))
      return ST_BARRIER;
    return classify(t, only, aw) == ST_AWAIT_VALUE ? ST_AWAIT_VALUE
                                                   : ST_BARRIER;
  }
  if (n->kind != ASL_K_expression_statement || (n->flags & ASL_NODE_IN_ERROR))
    return ST_BARRIER;
  uint32_t e = asl__seq_only_child(t, s);
  if (e == ASL_NONE) return ST_BARRIER;
  switch (t->nodes[e].kind) {
  case ASL_K_string:
  case ASL_K_concatenated_string:
  case ASL_K_ellipsis:
    return ST_NEUTRAL;
  case ASL_K_await:
    *aw = e;
    return ST_AWAIT_BARE;
  case ASL_K_assignment:
  case ASL_K_augmented_assignment: {
    uint32_t r = e;
    for (;;) { // a = b = value nests assignments on the right
      uint32_t rhs = asl_child_by_field(t, r, ASL_F_right);
      if (rhs == ASL_NONE) return ST_NEUTRAL; // `x: int`
      uint32_t u = asl_unparen(t, rhs);
      if (t->nodes[u].kind == ASL_K_assignment) {
        r = u;
        continue;
      }
      if (t->nodes[u].kind == ASL_K_await) {
        *aw = u;
        return ST_AWAIT_VALUE;
      }
      break;
    }
    if (contains_kind3(t, e, ASL_K_await, ASL_K_yield, ASL_K_named_expression))
      return ST_BARRIER;
    return ST_PURE;
  }
  default:
    return ST_BARRIER;
  }
}

/* The run being built in one block. */
typedef struct Run {
  uint32_t awaits[ASL_SEQ_MAX_RUN]; /* await nodes, in order */
  uint32_t nawaits, members;
  struct {
    uint32_t aw, earlier; /* finding at `aw`, after `earlier` awaits */
  } pending[ASL_SEQ_MAX_RUN];
  uint32_t npending;
  bool poison; /* an order-sensitive await: report nothing of the run */
} Run;

static uint32_t line_of(const AslCtx *cx, uint32_t node) {
  return asl_source_line_of(cx->src, cx->tree->nodes[node].start_byte) + 1;
}

/* Reports the finding at `aw`, naming the lines of awaits[0..earlier). */
static void report(AslCtx *cx, AslSeqLib lib, const Run *r, uint32_t aw,
                   uint32_t earlier) {
  enum { SHOWN = 4 };
  char lines[96];
  size_t len = 0;
  uint32_t shown = earlier < SHOWN ? earlier : SHOWN;
  for (uint32_t k = 0; k < shown && len < sizeof lines - 24; k++) {
    const char *sep = k == 0 ? ""
                      : (k + 1 == shown && earlier <= SHOWN) ? " and "
                                                              : ", ";
    len += (size_t)snprintf(lines + len, sizeof lines - len, "%s%u", sep,
                            line_of(cx, r->awaits[k]));
  }
  if (earlier > SHOWN)
    snprintf(lines + len, sizeof lines - len, " and %u more",
             earlier - SHOWN);
  const char *how = asl__seq_concurrently(lib);
  if (earlier == 1)
    asl_report(cx, ASL_RULE_ASL401, aw,
               "This await uses no result of the await on line %s but "
               "waits for it to finish: run them concurrently with %s",
               lines, how);
  else
    asl_report(cx, ASL_RULE_ASL401, aw,
               "This await uses no result of the awaits on lines %s but "
               "waits for them to finish: run them concurrently with %s",
               lines, how);
}

/* How many awaits from the start of run `r` one `asyncio.gather` takes
 * (*fix, the fix of every finding among them): each after the first was
 * found independent of all before it. 0 when fewer than two. */
static uint32_t gathered_prefix(AslSeqPass *p, const Run *r,
                                const AslFix **fix) {
  uint32_t n = 1;
  *fix = NULL;
  while (n - 1 < r->npending && r->pending[n - 1].earlier == n &&
         r->pending[n - 1].aw == r->awaits[n])
    n++;
  if (n < 2 || p->lib != ASL_SEQ_LIB_ASYNCIO) return 0;
  uint32_t fn = p->cx->tree->nodes[r->awaits[0]].scope;
  return asl__seq_gather_fix(p->cx, r->awaits, n, fn, fix);
}

/* Ends the run: its findings stand unless an await in it was ordered.
 * The next run starts poisoned when `carry` (a discarded ordered await,
 * such as a sleep, governs what follows). */
static void flush(AslSeqPass *p, Run *r, bool carry) {
  if (!r->poison) {
    const AslFix *fix = NULL;
    uint32_t gathered = gathered_prefix(p, r, &fix);
    for (uint32_t k = 0; k < r->npending; k++) {
      AslDiagList *out = p->cx->out;
      uint32_t before = out->len;
      report(p->cx, p->lib, r, r->pending[k].aw, r->pending[k].earlier);
      if (out->len > before && r->pending[k].earlier < gathered)
        out->items[out->len - 1].fix = fix;
    }
  }
  r->nawaits = r->members = r->npending = 0;
  r->poison = carry;
  asl__seq_set_clear(&p->taint);
  asl__seq_set_clear(&p->used);
  asl__seq_set_clear(&p->made);
}

/* Is statement `s` a sleep (`await asyncio.sleep(1)`, `x = await
 * trio.sleep(0)`)? A block that sleeps is pacing itself: every await in
 * it keeps its order. */
static bool is_sleep(const AslCtx *cx, uint32_t s) {
  const AslTree *t = cx->tree;
  uint32_t aw = ASL_NONE;
  StmtKind k = classify(t, s, &aw);
  if (k != ST_AWAIT_BARE && k != ST_AWAIT_VALUE) return false;
  uint32_t call = asl__seq_awaited(t, aw);
  if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call) return false;
  uint32_t name = asl__seq_callee_name(t, call);
  return name != ASL_NONE && (asl_node_text_eq(t, cx->src, name, "sleep") ||
                              asl_node_text_eq(t, cx->src, name, "sleep_until"));
}

/* Does statement `s` bind a `global` or `nonlocal` name of function `fn`?
 * Other code reads such names, so the write is shared state. */
static bool writes_global(const AslCtx *cx, uint32_t s, uint32_t fn) {
  const AslTree *t = cx->tree;
  for (uint32_t j = s; j < t->nodes[s].end; j++) {
    if (t->nodes[j].kind != ASL_K_identifier || !asl_is_store(t, j)) continue;
    const AslNode *n = &t->nodes[j];
    const AslBinding *b =
        asl_names_find(cx->names, fn, cx->src->text + n->start_byte,
                       n->end_byte - n->start_byte);
    if (b && (b->kinds & (1u << ASL_BIND_GLOBAL))) return true;
  }
  return false;
}

/* The last name of the callee `aw` awaits (`f`, `o.m`) in *s, *len;
 * false when it awaits no call of a name. */
static bool awaited_name(const AslCtx *cx, uint32_t aw, const char **s,
                         uint32_t *len) {
  const AslTree *t = cx->tree;
  uint32_t call = asl__seq_awaited(t, aw);
  if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call) return false;
  uint32_t name = asl__seq_callee_name(t, call);
  if (name == ASL_NONE) return false;
  *s = cx->src->text + t->nodes[name].start_byte;
  *len = t->nodes[name].end_byte - t->nodes[name].start_byte;
  return true;
}

/* Is the awaited call of `aw` a barrier: a check, validation,
 * authentication or login (`await self.check_access(u)`, `ok = await
 * validate(req)`)? */
static bool is_barrier(const AslCtx *cx, uint32_t aw) {
  static const char *const verbs[] = {
      "check", "validate", "verify", "authenticate", "authorize", "login",
      "ensure", "require", "assert", "connect", "auth", NULL};
  const char *s;
  uint32_t len;
  if (!awaited_name(cx, aw, &s, &len)) return false;
  while (len && *s == '_') s++, len--;
  for (const char *const *v = verbs; *v; v++) {
    size_t k = strlen(*v);
    if (len >= k && memcmp(s, *v, k) == 0 && (len == k || s[k] == '_'))
      return true;
  }
  return false;
}

/* Does the awaited call of `aw` pace the code (a sleep, a wait, a lock,
 * a queue)? A run after it keeps its order. */
static bool paces(const AslCtx *cx, uint32_t aw) {
  const char *s;
  uint32_t len;
  return !awaited_name(cx, aw, &s, &len) || asl__seq_pacing(s, len);
}

/* For a bare `await o.m(...)`: the text of `m`, and of the receiver
 * `o` (a plain name or attribute chain, not self/cls, not a module, not
 * connection-like); false otherwise. */
static bool fanout_parts(const AslCtx *cx, uint32_t aw, uint32_t *method,
                         uint32_t *recv) {
  const AslTree *t = cx->tree;
  uint32_t call = asl__seq_awaited(t, aw);
  if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call) return false;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (f == ASL_NONE || t->nodes[f].kind != ASL_K_attribute) return false;
  *method = asl_child_by_field(t, f, ASL_F_attribute);
  *recv = asl_unparen(t, asl_child_by_field(t, f, ASL_F_object));
  if (*method == ASL_NONE || *recv == ASL_NONE) return false;
  uint32_t head = *recv, last = *recv;
  while (head != ASL_NONE && t->nodes[head].kind == ASL_K_attribute) {
    last = asl_child_by_field(t, head, ASL_F_attribute);
    head = asl_child_by_field(t, head, ASL_F_object);
  }
  if (head == ASL_NONE || t->nodes[head].kind != ASL_K_identifier) return false;
  const AslNode *h = &t->nodes[head], *l = &t->nodes[last];
  uint32_t hl = h->end_byte - h->start_byte;
  const char *hs = cx->src->text + h->start_byte;
  if (head == *recv && ((hl == 4 && memcmp(hs, "self", 4) == 0) ||
                        (hl == 3 && memcmp(hs, "cls", 3) == 0)))
    return false;
  const AslBinding *b = asl_resolve_name(cx, head);
  if (b && b->kind == ASL_BIND_IMPORT && head == *recv) return false;
  return !asl__seq_connection_like(cx->src->text + l->start_byte,
                                   l->end_byte - l->start_byte);
}

/* Are bare awaits `a` and `b` one method on two distinct objects? */
static bool fanout_pair(const AslCtx *cx, uint32_t a, uint32_t b) {
  const AslTree *t = cx->tree;
  uint32_t ma, ra, mb, rb;
  if (!fanout_parts(cx, a, &ma, &ra) || !fanout_parts(cx, b, &mb, &rb))
    return false;
  const AslNode *x = &t->nodes[ma], *y = &t->nodes[mb];
  // Start-up and shut-down sequences keep their order (the reverse of
  // one another, often on purpose).
  static const char *const lifecycle[] = {"initialize", "init", "setup",
                                          "start", "stop", NULL};
  for (const char *const *v = lifecycle; *v; v++)
    if (asl_node_text_eq(t, cx->src, ma, *v)) return false;
  if (asl__seq_teardown(cx->src->text + x->start_byte,
                        x->end_byte - x->start_byte))
    return false;
  const AslNode *rx = &t->nodes[ra], *ry = &t->nodes[rb];
  uint32_t xl = x->end_byte - x->start_byte, yl = y->end_byte - y->start_byte;
  uint32_t rxl = rx->end_byte - rx->start_byte,
           ryl = ry->end_byte - ry->start_byte;
  const char *src = cx->src->text;
  return xl == yl && memcmp(src + x->start_byte, src + y->start_byte, xl) == 0 &&
         !(rxl == ryl &&
           memcmp(src + rx->start_byte, src + ry->start_byte, rxl) == 0);
}

/* The bare await of the next statement after `s` (comments skipped),
 * or ASL_NONE. */
static uint32_t bare_await_at(const AslTree *t, uint32_t s, bool forward) {
  for (uint32_t x = s; x != ASL_NONE;) {
    if (forward) {
      x = t->nodes[x].next;
    } else {
      uint32_t par = t->nodes[s].parent, prev = ASL_NONE;
      for (uint32_t c = asl_first_child(t, par); c != ASL_NONE && c != x;
           c = t->nodes[c].next)
        prev = c;
      x = prev;
    }
    if (x == ASL_NONE) return ASL_NONE;
    if (t->nodes[x].kind == ASL_K_comment) continue;
    if (t->nodes[x].kind != ASL_K_expression_statement) return ASL_NONE;
    uint32_t e = asl__seq_only_child(t, x);
    return e != ASL_NONE && t->nodes[e].kind == ASL_K_await ? e : ASL_NONE;
  }
  return ASL_NONE;
}

static bool fanout_next(const AslCtx *cx, uint32_t s, uint32_t aw) {
  uint32_t next = bare_await_at(cx->tree, s, true);
  return next != ASL_NONE && fanout_pair(cx, aw, next);
}

static bool fanout_prev(const AslCtx *cx, uint32_t s, uint32_t aw) {
  uint32_t prev = bare_await_at(cx->tree, s, false);
  return prev != ASL_NONE && fanout_pair(cx, prev, aw);
}

void asl__seq_check_block(AslSeqPass *p, uint32_t block) {
  const AslTree *t = p->cx->tree;
  AslArena *a = p->cx->arena;
  uint32_t fn = t->nodes[block].scope;
  if (p->lib == ASL_SEQ_LIB_ANY || asl__seq_gathered_elsewhere(p->cx, block))
    return;
  for (uint32_t s = asl_first_child(t, block); s != ASL_NONE;
       s = t->nodes[s].next)
    if (is_sleep(p->cx, s)) return;

  Run r;
  r.nawaits = r.members = r.npending = 0;
  r.poison = false;
  asl__seq_set_clear(&p->taint);
  asl__seq_set_clear(&p->used);
  asl__seq_set_clear(&p->made);
  const AslSeqFacts *f = &p->facts;
  for (uint32_t s = asl_first_child(t, block); s != ASL_NONE;
       s = t->nodes[s].next) {
    uint32_t aw = ASL_NONE;
    StmtKind k = classify(t, s, &aw);
    if (k == ST_NEUTRAL) continue;
    if (k == ST_BARRIER || writes_global(p->cx, s, fn)) {
      flush(p, &r, false);
      continue;
    }
    if (k == ST_PURE) {
      if (r.nawaits == 0) continue; // before the run: irrelevant
      asl__seq_facts(p, s, t->nodes[s].end, ASL_NONE, true, fn);
      if (f->overflow || f->stores_into || r.members >= ASL_SEQ_MAX_RUN) {
        flush(p, &r, false);
        continue;
      }
      r.members++;
      // A statement that reads an earlier result, or changes what an
      // earlier await read, passes the dependency on to what it binds.
      if (asl__seq_set_touches(&p->taint, &f->reads) ||
          asl__seq_set_touches(&p->taint, &f->effects) ||
          asl__seq_set_touches(&p->used, &f->writes) ||
          asl__seq_set_touches(&p->used, &f->effects))
        asl__seq_set_add(a, &p->taint, &f->writes);
      // Objects it may change are shared state a later await must not use.
      asl__seq_set_add(a, &p->taint, &f->effects);
      // An object made after the earlier await (`s2 = Session(creds)`) and
      // then operated on was made then on purpose: keep the order.
      if (contains_kind3(t, s, ASL_K_call, ASL_K_call, ASL_K_call))
        asl__seq_set_add(a, &p->made, &f->writes);
      continue;
    }
    uint32_t call = asl__seq_awaited(t, aw);
    asl__seq_facts(p, s, t->nodes[s].end, call, false, fn);
    if (f->overflow) {
      flush(p, &r, false);
      continue;
    }
    if (r.members >= ASL_SEQ_MAX_RUN) flush(p, &r, false);
    bool ordered = asl__seq_await_ordered(p, aw, fn);
    // A check, validation or login ends the run: what follows may rely on
    // it having passed; it is not a reason to drop the next run.
    bool barrier = is_barrier(p->cx, aw);
    if (barrier && !ordered) {
      flush(p, &r, false);
      r.awaits[r.nawaits++] = aw;
      r.members++;
      flush(p, &r, false);
      continue;
    }
    // Bare awaits of one method on distinct objects (`await a.connect(b);
    // await c.connect(b)`): each changes its own object only.
    if (ordered && k == ST_AWAIT_BARE &&
        (fanout_next(p->cx, s, aw) || fanout_prev(p->cx, s, aw)) &&
        !paces(p->cx, aw))
      ordered = false;
    if (ordered) r.poison = true;
    if (r.nawaits > 0 && !ordered &&
        !asl__seq_set_touches(&p->taint, &f->reads) &&
        !asl__seq_set_touches(&p->taint, &f->effects) &&
        !asl__seq_set_touches(&p->taint, &f->writes) &&
        !asl__seq_set_touches(&p->used, &f->writes) &&
        !asl__seq_set_touches(&p->used, &f->effects) &&
        !asl__seq_set_touches(&p->made, &f->effects)) {
      r.pending[r.npending].aw = aw;
      r.pending[r.npending].earlier = r.nawaits;
      r.npending++;
    }
    asl__seq_set_add(a, &p->taint, &f->writes);
    asl__seq_set_add(a, &p->taint, &f->effects);
    asl__seq_set_add(a, &p->used, &f->reads);
    asl__seq_set_add(a, &p->used, &f->effects);
    r.awaits[r.nawaits++] = aw;
    r.members++;
    if (k == ST_AWAIT_BARE && fanout_next(p->cx, s, aw)) continue;
    if (k == ST_AWAIT_BARE || barrier) flush(p, &r, ordered && paces(p->cx, aw));
  }
  flush(p, &r, false);
}
