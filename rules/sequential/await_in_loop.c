/*
 * await_in_loop.c - ASL402 await-in-loop: a plain `for` loop whose one
 * await depends only on the loop variable and values the loop does not
 * change, with results discarded or collected: the iterations could run
 * concurrently.
 */
#include "sequential.h"

#include <string.h>

const char asl_explain_ASL402[] =
    "## What it does\n"
    "Checks for a `for` loop in an `async def` whose body awaits exactly\n"
    "once, where the awaited call uses only the loop variable, names bound\n"
    "earlier in the same iteration, and values the loop does not change,\n"
    "and whose result is discarded or collected (`results.append(...)`,\n"
    "`d[k] = ...`, `out[i] = ...`) into a container nothing in the loop\n"
    "reads. The body may also hold simple assignments and `if ...:\n"
    "continue` filters before the await, and the await statement may sit\n"
    "alone under an `if` without `else`.\n"
    "\n"
    "Not reported: `async for` and `while` loops; a body with a `break`,\n"
    "`return`, `raise`, `try`, `with`, a nested loop, a bare call or\n"
    "another await; a value carried from one iteration to the next; a\n"
    "call of the loop variable itself (`await handler(event)`: callbacks);\n"
    "a method of `self` (`await self.step(x)`); a call that does not use\n"
    "the loop variable (a repetition); order-sensitive operations (sleep,\n"
    "queues, streams, locks, events, transactions, tasks already running,\n"
    "callees named with a mutating verb such as `insert_row`); loops in a\n"
    "`try` body with handlers or under a lock.\n"
    "\n"
    "## Why is this bad?\n"
    "Each iteration waits for the previous one, so the loop takes the sum\n"
    "of all latencies. Nothing in the loop needs that order: the calls\n"
    "could be started together and awaited once.\n"
    "\n"
    "Unlike ESLint's `no-await-in-loop`, which reports every await in a\n"
    "loop, this rule follows the data, so loops that must be sequential\n"
    "are left alone.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def pages(session, urls):\n"
    "    results = []\n"
    "    for url in urls:\n"
    "        results.append(await fetch(session, url))\n"
    "    return results\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "async def pages(session, urls):\n"
    "    return await asyncio.gather(*(fetch(session, url) for url in "
    "urls))\n"
    "```\n"
    "or an `asyncio.TaskGroup`; bound the concurrency with an\n"
    "`asyncio.Semaphore` if the list can be long.\n"
    "\n"
    "## References\n"
    "- Python docs: asyncio.gather, asyncio.TaskGroup\n"
    "- ESLint no-await-in-loop, wemake-python-styleguide WPS476\n";

/* The role of one statement of the loop body. */
typedef enum {
  LS_SKIP,    /* docstring, pass, comment */
  LS_REJECT,  /* anything that makes the loop not ours */
  LS_PURE,    /* names = expression, no await */
  LS_FILTER,  /* if cond: continue */
  LS_COLLECT, /* c.append(expr), c.add(expr), c[k] = expr */
  LS_AWAIT,   /* the statement holding the one await */
} LoopStmt;

/* Where a statement's reads and writes are, and its collector. */
typedef struct Parts {
  uint32_t regions[3][2]; /* node ranges whose facts count */
  uint32_t nregions;
  uint32_t collector;     /* the container expression, or ASL_NONE */
  uint32_t aw;            /* LS_AWAIT: the await node */
} Parts;

static void add_region(Parts *ps, const AslTree *t, uint32_t n) {
  if (n == ASL_NONE || ps->nregions == 3) return;
  ps->regions[ps->nregions][0] = n;
  ps->regions[ps->nregions][1] = t->nodes[n].end;
  ps->nregions++;
}

/* Is `e` (parentheses skipped) an await node? */
static uint32_t as_await(const AslTree *t, uint32_t e) {
  e = asl_unparen(t, e);
  return e != ASL_NONE && t->nodes[e].kind == ASL_K_await ? e : ASL_NONE;
}

/* `c.append(x)` / `c.add(x)` with one positional argument: fills the
 * collector and returns the argument, else ASL_NONE. */
static uint32_t collector_call(const AslCtx *cx, uint32_t e, Parts *ps) {
  const AslTree *t = cx->tree;
  if (t->nodes[e].kind != ASL_K_call) return ASL_NONE;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, e, ASL_F_function));
  uint32_t args = asl_child_by_field(t, e, ASL_F_arguments);
  if (f == ASL_NONE || t->nodes[f].kind != ASL_K_attribute ||
      args == ASL_NONE || t->nodes[args].kind != ASL_K_argument_list)
    return ASL_NONE;
  uint32_t m = asl_child_by_field(t, f, ASL_F_attribute);
  if (m == ASL_NONE || !(asl_node_text_eq(t, cx->src, m, "append") ||
                         asl_node_text_eq(t, cx->src, m, "add")))
    return ASL_NONE;
  uint32_t arg = asl_first_named(t, args);
  if (arg == ASL_NONE || asl_next_named(t, arg) != ASL_NONE ||
      t->nodes[arg].kind == ASL_K_keyword_argument ||
      t->nodes[arg].kind == ASL_K_list_splat)
    return ASL_NONE;
  ps->collector = asl_child_by_field(t, f, ASL_F_object);
  return arg;
}

static LoopStmt classify_expr(const AslCtx *cx, uint32_t s, Parts *ps);

/* Classifies one statement of the body and finds its regions. */
static LoopStmt classify(const AslCtx *cx, uint32_t s, Parts *ps) {
  const AslTree *t = cx->tree;
  memset(ps, 0, sizeof *ps);
  ps->collector = ps->aw = ASL_NONE;
  AslKind k = t->nodes[s].kind;
  if (k == ASL_K_comment || k == ASL_K_pass_statement) return LS_SKIP;
  if (k == ASL_K_if_statement) {
    // `if cond: continue` and nothing else.
    uint32_t cond = asl_child_by_field(t, s, ASL_F_condition);
    uint32_t cons = asl_child_by_field(t, s, ASL_F_consequence);
    if (cond == ASL_NONE || cons == ASL_NONE ||
        asl_child_by_field(t, s, ASL_F_alternative) != ASL_NONE)
      return LS_REJECT;
    uint32_t only = asl__seq_only_child(t, cons);
    if (only == ASL_NONE) return LS_REJECT;
    add_region(ps, t, cond);
    if (t->nodes[only].kind == ASL_K_continue_statement) return LS_FILTER;
    // `if cond: <the await statement>`: a filtered map.
    if (t->nodes[only].kind != ASL_K_expression_statement ||
        classify_expr(cx, only, ps) != LS_AWAIT)
      return LS_REJECT;
    return LS_AWAIT;
  }
  if (k != ASL_K_expression_statement) return LS_REJECT;
  return classify_expr(cx, s, ps);
}

/* Classifies expression statement `s` of the body (or of an `if` in it);
 * adds to the regions already in *ps. */
static LoopStmt classify_expr(const AslCtx *cx, uint32_t s, Parts *ps) {
  const AslTree *t = cx->tree;
  uint32_t e = asl__seq_only_child(t, s);
  if (e == ASL_NONE) return LS_REJECT;
  switch (t->nodes[e].kind) {
  case ASL_K_string:
  case ASL_K_concatenated_string:
    return LS_SKIP;
  case ASL_K_await:
    ps->aw = e;
    add_region(ps, t, e);
    return LS_AWAIT;
  case ASL_K_call: {
    uint32_t arg = collector_call(cx, e, ps);
    if (arg == ASL_NONE) return LS_REJECT; // any other bare call
    add_region(ps, t, arg);
    ps->aw = as_await(t, arg);
    return ps->aw != ASL_NONE ? LS_AWAIT : LS_COLLECT;
  }
  case ASL_K_assignment: {
    uint32_t left = asl_child_by_field(t, e, ASL_F_left);
    uint32_t right = asl_child_by_field(t, e, ASL_F_right);
    if (left == ASL_NONE || right == ASL_NONE) return LS_REJECT;
    ps->aw = as_await(t, right);
    if (t->nodes[left].kind == ASL_K_subscript) {
      ps->collector = asl_child_by_field(t, left, ASL_F_value);
      add_region(ps, t, asl_child_by_field(t, left, ASL_F_subscript));
      add_region(ps, t, right);
      return ps->aw != ASL_NONE ? LS_AWAIT : LS_COLLECT;
    }
    // Names only (`r = ...`, `a, b = ...`): anything else stores into
    // shared state.
    for (uint32_t j = left; j < t->nodes[left].end; j++)
      if (t->nodes[j].kind == ASL_K_attribute ||
          t->nodes[j].kind == ASL_K_subscript)
        return LS_REJECT;
    add_region(ps, t, e);
    return ps->aw != ASL_NONE ? LS_AWAIT : LS_PURE;
  }
  default:
    return LS_REJECT; // augmented assignments carry a value around
  }
}

/* Kinds that make a loop body not a plain map over its items. */
static bool forbidden(const AslCtx *cx, uint32_t j) {
  const AslTree *t = cx->tree;
  switch (t->nodes[j].kind) {
  case ASL_K_function_definition: case ASL_K_class_definition:
  case ASL_K_lambda: case ASL_K_yield: case ASL_K_return_statement:
  case ASL_K_break_statement: case ASL_K_raise_statement:
  case ASL_K_try_statement: case ASL_K_with_statement:
  case ASL_K_for_statement: case ASL_K_while_statement:
  case ASL_K_global_statement: case ASL_K_nonlocal_statement:
  case ASL_K_delete_statement: case ASL_K_match_statement:
  case ASL_K_named_expression: case ASL_K_import_statement:
  case ASL_K_import_from_statement: case ASL_K_augmented_assignment:
    return true;
  case ASL_K_for_in_clause:
    return asl_has_token(t, cx->src, j, "async");
  default:
    return (t->nodes[j].flags & ASL_NODE_IN_ERROR) != 0;
  }
}

/* Is a name the body binds read after the loop, in the rest of the
 * function? Then the last iteration's value is used. Bounded: after a
 * budget of occurrences the answer is "yes". */
static bool read_after(const AslCtx *cx, uint32_t ident, uint32_t loop,
                       uint32_t fn) {
  const AslTree *t = cx->tree;
  const AslNode *n = &t->nodes[ident];
  uint32_t count;
  const uint32_t *occ = asl_names_occurrences(
      cx->names, cx->src->text + n->start_byte, n->end_byte - n->start_byte,
      &count);
  uint32_t lo, from = t->nodes[loop].end;
  ASL_LOWER_BOUND(lo, count, mid, occ[mid] < from);
  uint32_t looked = 0;
  for (uint32_t k = lo; k < count && occ[k] < t->nodes[fn].end; k++) {
    if (++looked > 256) return true;
    if (asl_is_load(t, occ[k])) return true;
  }
  return false;
}

/* Renders `text` of node i if short and on one line, else NULL. */
static const char *short_text(const AslCtx *cx, uint32_t i, uint32_t max) {
  if (i == ASL_NONE) return NULL;
  const AslNode *n = &cx->tree->nodes[i];
  uint32_t len = n->end_byte - n->start_byte;
  const char *s = cx->src->text + n->start_byte;
  if (len > max || memchr(s, '\n', len)) return NULL;
  return asl_arena_strndup(cx->arena, s, len);
}

static void report(AslCtx *cx, uint32_t loop, uint32_t aw, bool simple) {
  const AslTree *t = cx->tree;
  const char *call = short_text(cx, asl__seq_awaited(t, aw), 60);
  const char *var = short_text(cx, asl_child_by_field(t, loop, ASL_F_left), 24);
  const char *items =
      short_text(cx, asl_child_by_field(t, loop, ASL_F_right), 40);
  if (!simple || !call || !var || !items) call = "f(x)", var = "x", items = "items";
  asl_report(cx, ASL_RULE_ASL402, aw,
             "Await in a `for` loop runs the iterations one at a time, "
             "though each call depends only on the loop variable and values "
             "the loop does not change: start them together with "
             "`asyncio.gather(*(%s for %s in %s))` or an `asyncio.TaskGroup`",
             call, var, items);
}

/* The receiver chain of the awaited call, if it has one: an operation on
 * it is not a change the loop makes to shared state (same receiver each
 * time, as in `await session.get(url)`). */
static bool receiver_chain(AslSeqPass *p, uint32_t call, uint32_t fn,
                           AslSeqChain *out) {
  const AslTree *t = p->cx->tree;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (f == ASL_NONE || t->nodes[f].kind != ASL_K_attribute) return false;
  return asl__seq_chain_of(p, asl_child_by_field(t, f, ASL_F_object), fn, out);
}

void asl__seq_check_loop(AslSeqPass *p, uint32_t loop) {
  AslCtx *cx = p->cx;
  const AslTree *t = cx->tree;
  AslArena *a = cx->arena;
  uint32_t fn = t->nodes[loop].scope;
  if (asl_has_token(t, cx->src, loop, "async")) return;
  uint32_t body = asl_child_by_field(t, loop, ASL_F_body);
  uint32_t left = asl_child_by_field(t, loop, ASL_F_left);
  uint32_t right = asl_child_by_field(t, loop, ASL_F_right);
  if (body == ASL_NONE || left == ASL_NONE || right == ASL_NONE) return;

  uint32_t aw = ASL_NONE, nawait = 0;
  for (uint32_t j = body; j < t->nodes[body].end; j++) {
    if (forbidden(cx, j)) return;
    if (t->nodes[j].kind == ASL_K_await) aw = j, nawait++;
  }
  if (nawait != 1) return;
  uint32_t call = asl__seq_awaited(t, aw);
  if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call ||
      asl__seq_await_ordered(p, aw, fn))
    return;
  uint32_t callee = asl__seq_callee_name(t, call);
  if (callee != ASL_NONE && asl_node_text_eq(t, cx->src, callee, "gather"))
    return;
  AslSeqChain recv;
  bool has_recv = receiver_chain(p, call, fn, &recv);
  // `await self.step(x)`: a method of the object the loop runs in works on
  // its state, one item after the other.
  if (has_recv && recv.depth == 1) {
    uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
    uint32_t obj = asl_unparen(t, asl_child_by_field(t, f, ASL_F_object));
    if (obj != ASL_NONE && (asl_node_text_eq(t, cx->src, obj, "self") ||
                            asl_node_text_eq(t, cx->src, obj, "cls")))
      return;
  }

  // Pass 1: what the body binds (`taint`), mutates (`used`) and collects
  // into (`collect`); every statement must have a known shape.
  AslSeqSet *assigned = &p->taint, *mutated = &p->used;
  asl__seq_set_clear(assigned);
  asl__seq_set_clear(mutated);
  asl__seq_set_clear(&p->collect);
  asl__seq_set_clear(&p->defined);
  bool seen_await = false;
  Parts ps;
  AslSeqChain coll[4];
  uint32_t ncoll = 0;
  for (uint32_t s = asl_first_child(t, body); s != ASL_NONE;
       s = t->nodes[s].next) {
    LoopStmt k = classify(cx, s, &ps);
    if (k == LS_SKIP) continue;
    if (k == LS_REJECT || (k == LS_FILTER && seen_await)) return;
    if (k == LS_AWAIT) {
      if (ps.aw != aw) return; // the await is nested deeper
      seen_await = true;
    }
    if (ps.collector != ASL_NONE) {
      AslSeqChain c;
      if (!asl__seq_chain_of(p, ps.collector, fn, &c) || ncoll == 4) return;
      asl__seq_set_add1(a, &p->collect, &c);
      coll[ncoll++] = c;
    }
    for (uint32_t r = 0; r < ps.nregions; r++) {
      asl__seq_facts(p, ps.regions[r][0], ps.regions[r][1],
                     k == LS_AWAIT ? call : ASL_NONE, k == LS_PURE, fn);
      if (p->facts.overflow) return;
      asl__seq_set_add(a, assigned, &p->facts.writes);
      for (uint32_t e = 0; e < p->facts.effects.len; e++) {
        const AslSeqChain *c = &p->facts.effects.items[e];
        bool own = has_recv && k == LS_AWAIT && c->depth == recv.depth &&
                   c->h[c->depth - 1] == recv.h[recv.depth - 1];
        if (!own) asl__seq_set_add1(a, mutated, c);
      }
    }
  }
  if (!seen_await) return;
  // The iterable and the collectors must be left alone by the body.
  asl__seq_facts(p, right, t->nodes[right].end, ASL_NONE, false, fn);
  if (p->facts.overflow ||
      asl__seq_set_touches(assigned, &p->facts.reads) ||
      asl__seq_set_touches(mutated, &p->facts.reads) ||
      asl__seq_set_touches(&p->collect, &p->facts.reads))
    return;

  // Pass 2, in order: every read of a name the body binds must follow its
  // binding in the same iteration (nothing carried over), nothing reads a
  // collector, and the awaited call reads nothing the loop changes.
  asl__seq_facts(p, left, t->nodes[left].end, ASL_NONE, false, fn);
  asl__seq_set_add(a, &p->defined, &p->facts.writes);
  asl__seq_set_clear(&p->varying);
  asl__seq_set_add(a, &p->varying, &p->facts.writes);
  // A collector must be the same container in every iteration.
  for (uint32_t c = 0; c < ncoll; c++)
    if (asl__seq_set_touches1(assigned, &coll[c]) ||
        asl__seq_set_touches1(&p->defined, &coll[c]) ||
        asl__seq_set_touches1(mutated, &coll[c]))
      return;
  // `await handler(x)` with the handler from the iterable: callbacks.
  uint32_t fnode = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  AslSeqChain fc;
  if (fnode != ASL_NONE && asl__seq_chain_of(p, fnode, fn, &fc) &&
      asl__seq_set_touches1(&p->defined, &fc) &&
      t->nodes[fnode].kind == ASL_K_identifier)
    return;
  bool simple = true; // only the await and collectors: quote the call
  for (uint32_t s = asl_first_child(t, body); s != ASL_NONE;
       s = t->nodes[s].next) {
    LoopStmt k = classify(cx, s, &ps);
    if (k == LS_SKIP) continue;
    if (k == LS_PURE || k == LS_FILTER ||
        t->nodes[s].kind == ASL_K_if_statement)
      simple = false;
    bool varies = false;
    for (uint32_t r = 0; r < ps.nregions; r++) {
      asl__seq_facts(p, ps.regions[r][0], ps.regions[r][1],
                     k == LS_AWAIT ? call : ASL_NONE, false, fn);
      for (uint32_t e = 0; e < p->facts.reads.len; e++) {
        const AslSeqChain *c = &p->facts.reads.items[e];
        if (asl__seq_set_touches1(&p->collect, c)) return;
        if (asl__seq_set_touches1(assigned, c) &&
            !asl__seq_set_touches1(&p->defined, c))
          return;
        if (k == LS_AWAIT && asl__seq_set_touches1(mutated, c)) return;
        if (asl__seq_set_touches1(&p->varying, c) &&
            (k != LS_AWAIT || (ps.regions[r][0] <= aw && aw < ps.regions[r][1])))
          varies = true;
      }
      asl__seq_set_add(a, &p->defined, &p->facts.writes);
      if (varies && k == LS_PURE)
        asl__seq_set_add(a, &p->varying, &p->facts.writes);
    }
    // The same call each time (`for _ in range(3): await ping()`) is a
    // repetition, where order and count are the point.
    if (k == LS_AWAIT && !varies) return;
  }
  // Names bound in the body must not be read after the loop (the last
  // value would be used).
  for (uint32_t j = body; j < t->nodes[body].end; j++)
    if (t->nodes[j].kind == ASL_K_identifier && asl_is_store(t, j) &&
        read_after(cx, j, loop, fn))
      return;
  report(cx, loop, aw, simple);
}
