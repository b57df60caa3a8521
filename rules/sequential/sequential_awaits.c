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
    "other without needing to: a later await (a statement, or the value of\n"
    "an assignment, annotated or augmented assignment) that uses nothing\n"
    "the earlier awaits of the same run produced. Dependencies are followed\n"
    "through names, attribute chains (`u.id`), subscripts, tuple unpacking,\n"
    "walrus, and through statements in between that read an earlier result\n"
    "and bind new names. The finding is reported at each later independent\n"
    "await and names the earlier lines.\n"
    "\n"
    "A run is a stretch of awaits and simple assignments. It ends at any\n"
    "other statement: a bare call, an assignment (without await) to an\n"
    "attribute or a subscript, `if`/`for`/`with`/`try`/`return`, and\n"
    "after an await whose result is discarded (what follows may rely on\n"
    "its side effect).\n"
    "\n"
    "Order matters, so these are never reported: awaits on the same\n"
    "receiver (`await conn.fetch(a); await conn.fetch(b)`) or on an object\n"
    "another await of the run uses; runs with a sleep, a queue, stream,\n"
    "socket, lock, event, condition, transaction or process operation, or\n"
    "an await of something already running (a task from `create_task`, a\n"
    "future, a bare name); awaits under `async with` of a lock, semaphore\n"
    "or transaction; awaits in a `try` body that has `except` handlers, in\n"
    "handlers and in `finally`; runs with an operation whose name starts\n"
    "with a verb that changes outside state (`create_user`, `send_mail`,\n"
    "`updateProfile`, `run_in_executor`): what follows may rely on it.\n"
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
static void report(AslCtx *cx, const Run *r, uint32_t aw, uint32_t earlier) {
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
  if (earlier == 1)
    asl_report(cx, ASL_RULE_ASL401, aw,
               "This await uses no result of the await on line %s but "
               "waits for it to finish: run them concurrently with "
               "`asyncio.gather(...)` or an `asyncio.TaskGroup`",
               lines);
  else
    asl_report(cx, ASL_RULE_ASL401, aw,
               "This await uses no result of the awaits on lines %s but "
               "waits for them to finish: run them concurrently with "
               "`asyncio.gather(...)` or an `asyncio.TaskGroup`",
               lines);
}

/* Ends the run: its findings stand unless an await in it was ordered.
 * The next run starts poisoned when `carry` (a discarded ordered await,
 * such as a sleep, governs what follows). */
static void flush(AslSeqPass *p, Run *r, bool carry) {
  if (!r->poison)
    for (uint32_t k = 0; k < r->npending; k++)
      report(p->cx, r, r->pending[k].aw, r->pending[k].earlier);
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

void asl__seq_check_block(AslSeqPass *p, uint32_t block) {
  const AslTree *t = p->cx->tree;
  AslArena *a = p->cx->arena;
  uint32_t fn = t->nodes[block].scope;
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
    if (k == ST_AWAIT_BARE) flush(p, &r, ordered);
  }
  flush(p, &r, false);
}
