/*
 * await_in_loop.c - ASL402 await-in-loop: a plain `for` loop (or a list,
 * set or dict comprehension) whose awaits depend only on the iteration's
 * own item, so the iterations could run concurrently. Decided by the
 * receiver first: another object each iteration is independent unless
 * the loop shows they share something; one object only for read-style
 * calls on a client or API; then by the data: nothing carried from one
 * iteration to the next, results discarded or collected.
 */
#include "sequential.h"

#include <string.h>

const char asl_explain_ASL402[] =
    "## What it does\n"
    "Checks for a `for` loop in an `async def` whose iterations wait for\n"
    "each other although each depends only on its own item, and for a\n"
    "list, set or dict comprehension that awaits once per item\n"
    "(`[await fetch(u) for u in urls]`).\n"
    "\n"
    "The receiver of each awaited call decides first:\n"
    "- another object each iteration (`for c in controllers: await\n"
    "  c.update()`, `for peer in peers: await peer.send_result(r)`): the\n"
    "  calls are independent whatever the method is called, unless it paces\n"
    "  the code (sleep, wait, acquire, a queue's put or get);\n"
    "- one object for every iteration (`await client.get_user(uid)`,\n"
    "  `await self.fetch_page(n)`): only read-style calls (`get_*`,\n"
    "  `fetch_*`, `load_*`, `lookup`, `is_*`...) on a client or API, never\n"
    "  on a connection, transaction, cursor, session, pool, stream, socket,\n"
    "  lock, device or exit stack (nor with one passed as an argument);\n"
    "- a function (`await fetch(url)`): unless its name is an operation\n"
    "  whose order matters (a mutating verb such as `insert_row`, a sleep,\n"
    "  a stream or queue operation).\n"
    "\n"
    "Then the data: every awaited call uses the loop variable (or what the\n"
    "iteration derived from it); nothing is carried from one iteration to\n"
    "the next; results are discarded or collected (`out.append(...)`,\n"
    "`out.extend(...)`, `out += ...`, `d[k] = ...`, `item.attr = ...` on\n"
    "the iteration's own object) into containers the loop does not read.\n"
    "The body may also log, filter with `continue`, store under an `if`,\n"
    "loop over the awaited result, and hold a `try` whose handlers only log,\n"
    "pass or re-raise. Several awaits per iteration are reported once, with\n"
    "the suggestion of a helper coroutine per item; an `asyncio.gather()`\n"
    "awaited per iteration is reported too (gather every batch at once).\n"
    "\n"
    "Not reported: `async for` and `while` loops; a `break`, `return`,\n"
    "`raise` (outside a handler), `with` or nested `while` in the body; a\n"
    "value carried over (`total = await f(i, total)`); a call of the loop\n"
    "variable (`await handler(event)`: callbacks run in registration\n"
    "order); a repetition (`for _ in range(3): await ping()`); tasks\n"
    "already running; loops in a `try` with other handlers, under a lock,\n"
    "or in the sequential branch of an `if` whose other branch gathers;\n"
    "modules that import `sniffio` (written for any event loop). In\n"
    "modules that import anyio or trio the suggestion is a task group or a\n"
    "nursery.\n"
    "\n"
    "## Why is this bad?\n"
    "Each iteration waits for the previous one, so the loop takes the sum\n"
    "of all latencies. Nothing in the loop needs that order: the calls\n"
    "could be started together and awaited once.\n"
    "\n"
    "Unlike ESLint's `no-await-in-loop`, which reports every await in a\n"
    "loop, this rule follows the receivers and the data, so loops that must\n"
    "be sequential are left alone.\n"
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
    "## Fix safety\n"
    "`--fix --unsafe-fixes` turns a loop whose body is only `await f(x)`\n"
    "into `await asyncio.gather(*(f(x) for x in xs))`, one of only\n"
    "`out.append(await f(x))` into `out.extend(await asyncio.gather(...))`\n"
    "and `[await f(x) for x in xs]` into the gather (a list too), when the\n"
    "loop variable is not read after the loop. Unsafe, as ASL401's fix.\n"
    "\n"
    "## References\n"
    "- Python docs: asyncio.gather, asyncio.TaskGroup\n"
    "- ESLint no-await-in-loop, wemake-python-styleguide WPS476\n";

enum {
  MAX_ITEMS = 64, /* statements of a loop body looked at */
  MAX_NEST = 4,   /* if/try/for levels inside the body */
  MAX_AWAITS = 4  /* awaits per iteration */
};

/* The role of one statement of the loop body. */
typedef enum {
  LS_SKIP,    /* docstring, pass, comment */
  LS_REJECT,  /* anything that makes the loop not ours */
  LS_PURE,    /* names = expression, no await */
  LS_COND,    /* the condition of an if/elif */
  LS_BIND,    /* the target of a nested for, from its iterable */
  LS_LOG,     /* a logging call */
  LS_CONTINUE,
  LS_COLLECT, /* c.append(x), c.extend(x), c += x, c[k] = x, o.attr = x */
  LS_AWAIT,   /* a statement holding awaits */
} LoopStmt;

/* One simple statement of the body, nested ones flattened in order. */
typedef struct Item {
  LoopStmt kind;
  uint32_t regions[3][2]; /* node ranges whose facts count */
  uint32_t nregions;
  uint32_t collector;     /* the container expression, or ASL_NONE */
  bool item_store;        /* collector is `o.attr = ...` (o: per item) */
  uint8_t depth;          /* if/try/for levels around it in the body */
  bool inner_loop;        /* inside a nested for */
} Item;

typedef struct Body {
  Item items[MAX_ITEMS];
  uint32_t n;
  bool complex;           /* more than awaits and collectors: no quote */
} Body;

static void add_region(Item *it, const AslTree *t, uint32_t n) {
  if (n == ASL_NONE || it->nregions == 3) return;
  it->regions[it->nregions][0] = n;
  it->regions[it->nregions][1] = t->nodes[n].end;
  it->nregions++;
}

static bool contains_await(const AslTree *t, uint32_t n) {
  for (uint32_t j = n; j < t->nodes[n].end; j++)
    if (t->nodes[j].kind == ASL_K_await) return true;
  return false;
}

static Item *push_item(Body *b, LoopStmt kind, uint8_t depth, bool inner) {
  if (b->n == MAX_ITEMS) return NULL;
  Item *it = &b->items[b->n++];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  it->collector = ASL_NONE;
  it->depth = depth;
  it->inner_loop = inner;
  return it;
}

/* `c.append(x)`, `c.add(x)`, `c.extend(x)`, `c.update(x)`,
 * `c.appendleft(x)` with one positional argument: the argument, and the
 * container in *coll; else ASL_NONE. */
static uint32_t collector_call(const AslCtx *cx, uint32_t e, uint32_t *coll) {
  static const char *const methods[] = {"append", "add", "extend", "update",
                                        "appendleft", NULL};
  const AslTree *t = cx->tree;
  if (t->nodes[e].kind != ASL_K_call) return ASL_NONE;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, e, ASL_F_function));
  uint32_t args = asl_child_by_field(t, e, ASL_F_arguments);
  if (f == ASL_NONE || t->nodes[f].kind != ASL_K_attribute ||
      args == ASL_NONE || t->nodes[args].kind != ASL_K_argument_list)
    return ASL_NONE;
  uint32_t m = asl_child_by_field(t, f, ASL_F_attribute);
  bool known = false;
  for (const char *const *k = methods; *k && !known; k++)
    known = m != ASL_NONE && asl_node_text_eq(t, cx->src, m, *k);
  if (!known) return ASL_NONE;
  uint32_t arg = asl__seq_only_child(t, args);
  if (arg == ASL_NONE || t->nodes[arg].kind == ASL_K_keyword_argument ||
      t->nodes[arg].kind == ASL_K_list_splat)
    return ASL_NONE;
  *coll = asl_child_by_field(t, f, ASL_F_object);
  return arg;
}

/* Classifies expression statement `s` into an item. */
static bool expression_item(const AslCtx *cx, uint32_t s, Item *it) {
  const AslTree *t = cx->tree;
  uint32_t e = asl__seq_only_child(t, s);
  if (e == ASL_NONE) return false;
  switch (t->nodes[e].kind) {
  case ASL_K_string:
  case ASL_K_concatenated_string:
    it->kind = LS_SKIP;
    return true;
  case ASL_K_await:
    it->kind = LS_AWAIT;
    add_region(it, t, e);
    return true;
  case ASL_K_call: {
    if (asl__seq_log_call(cx, e) && !contains_await(t, e)) {
      it->kind = LS_LOG;
      add_region(it, t, asl_child_by_field(t, e, ASL_F_arguments));
      return true;
    }
    uint32_t arg = collector_call(cx, e, &it->collector);
    if (arg == ASL_NONE) return false; // any other bare call
    add_region(it, t, arg);
    it->kind = contains_await(t, arg) ? LS_AWAIT : LS_COLLECT;
    return true;
  }
  case ASL_K_augmented_assignment: {
    // `out += await f(x)`, `total += n`: a reduction into a name.
    uint32_t left = asl_unparen(t, asl_child_by_field(t, e, ASL_F_left));
    uint32_t right = asl_child_by_field(t, e, ASL_F_right);
    if (left == ASL_NONE || right == ASL_NONE ||
        t->nodes[left].kind != ASL_K_identifier)
      return false;
    it->collector = left;
    add_region(it, t, right);
    it->kind = contains_await(t, right) ? LS_AWAIT : LS_COLLECT;
    return true;
  }
  case ASL_K_assignment: {
    uint32_t left = asl_child_by_field(t, e, ASL_F_left);
    uint32_t right = asl_child_by_field(t, e, ASL_F_right);
    if (left == ASL_NONE || right == ASL_NONE) return false;
    bool awaits = contains_await(t, right);
    AslKind lk = (AslKind)t->nodes[left].kind;
    if (lk == ASL_K_subscript || lk == ASL_K_attribute) {
      it->collector = asl_child_by_field(
          t, left, lk == ASL_K_subscript ? ASL_F_value : ASL_F_object);
      it->item_store = lk == ASL_K_attribute;
      if (lk == ASL_K_subscript)
        add_region(it, t, asl_child_by_field(t, left, ASL_F_subscript));
      add_region(it, t, right);
      it->kind = awaits ? LS_AWAIT : LS_COLLECT;
      return true;
    }
    // Names only (`r = ...`, `a, b = ...`).
    for (uint32_t j = left; j < t->nodes[left].end; j++)
      if (t->nodes[j].kind == ASL_K_attribute ||
          t->nodes[j].kind == ASL_K_subscript)
        return false;
    add_region(it, t, e);
    it->kind = awaits ? LS_AWAIT : LS_PURE;
    return true;
  }
  default:
    return false;
  }
}

static bool scan_block(const AslCtx *cx, uint32_t block, uint8_t depth,
                       bool inner, Body *b);

/* An if statement: its conditions, then each branch. */
static bool scan_if(const AslCtx *cx, uint32_t s, uint8_t depth, bool inner,
                    Body *b) {
  const AslTree *t = cx->tree;
  Item *c = push_item(b, LS_COND, depth, inner);
  if (!c) return false;
  add_region(c, t, asl_child_by_field(t, s, ASL_F_condition));
  if (!scan_block(cx, asl_child_by_field(t, s, ASL_F_consequence), depth + 1,
                  inner, b))
    return false;
  for (uint32_t x = asl_first_named(t, s); x != ASL_NONE;
       x = asl_next_named(t, x)) {
    AslKind k = (AslKind)t->nodes[x].kind;
    if (k == ASL_K_elif_clause) {
      Item *ec = push_item(b, LS_COND, depth, inner);
      if (!ec) return false;
      add_region(ec, t, asl_child_by_field(t, x, ASL_F_condition));
      if (!scan_block(cx, asl_child_by_field(t, x, ASL_F_consequence),
                      depth + 1, inner, b))
        return false;
    } else if (k == ASL_K_else_clause) {
      if (!scan_block(cx, asl_child_by_kind(t, x, ASL_K_block), depth + 1,
                      inner, b))
        return false;
    }
  }
  return true;
}

/* A try whose handlers only log, pass or re-raise: its body, then what
 * the handlers log. */
static bool scan_try(const AslCtx *cx, uint32_t s, uint8_t depth, bool inner,
                     Body *b) {
  const AslTree *t = cx->tree;
  if (!asl__seq_benign_handlers(cx, s)) return false;
  if (!scan_block(cx, asl_child_by_field(t, s, ASL_F_body), depth + 1, inner,
                  b))
    return false;
  for (uint32_t c = asl_first_child(t, s); c != ASL_NONE;
       c = t->nodes[c].next) {
    if (t->nodes[c].kind != ASL_K_except_clause) continue;
    uint32_t body = asl_child_by_kind(t, c, ASL_K_block);
    for (uint32_t x = asl_first_named(t, body); x != ASL_NONE;
         x = asl_next_named(t, x)) {
      uint32_t e = t->nodes[x].kind == ASL_K_expression_statement
                       ? asl__seq_only_child(t, x)
                       : ASL_NONE;
      if (e == ASL_NONE || !asl__seq_log_call(cx, e)) continue;
      Item *it = push_item(b, LS_LOG, depth + 1, inner);
      if (!it) return false;
      add_region(it, t, asl_child_by_field(t, e, ASL_F_arguments));
    }
  }
  return true;
}

/* A nested for over what the iteration has (`for hit in res.items:`),
 * without awaits of its own. */
static bool scan_for(const AslCtx *cx, uint32_t s, uint8_t depth, Body *b) {
  const AslTree *t = cx->tree;
  if (asl_has_token(t, cx->src, s, "async") || contains_await(t, s) ||
      asl_child_by_field(t, s, ASL_F_alternative) != ASL_NONE)
    return false;
  Item *it = push_item(b, LS_BIND, depth, true);
  if (!it) return false;
  add_region(it, t, asl_child_by_field(t, s, ASL_F_left));
  add_region(it, t, asl_child_by_field(t, s, ASL_F_right));
  return scan_block(cx, asl_child_by_field(t, s, ASL_F_body), depth + 1, true,
                    b);
}

/* Flattens the statements of `block` into items; false when one of them
 * makes the loop not a map over its items. Recursion is bounded by
 * MAX_NEST. */
static bool scan_block(const AslCtx *cx, uint32_t block, uint8_t depth,
                       bool inner, Body *b) {
  const AslTree *t = cx->tree;
  if (block == ASL_NONE || depth > MAX_NEST) return false;
  for (uint32_t s = asl_first_child(t, block); s != ASL_NONE;
       s = t->nodes[s].next) {
    if (!(t->nodes[s].flags & ASL_NODE_NAMED)) continue;
    if (t->nodes[s].flags & ASL_NODE_IN_ERROR) return false;
    switch (t->nodes[s].kind) {
    case ASL_K_comment:
    case ASL_K_pass_statement:
      continue;
    case ASL_K_continue_statement:
      if (!push_item(b, LS_CONTINUE, depth, inner)) return false;
      b->complex = true;
      continue;
    case ASL_K_break_statement:
      // Leaves a nested for only; the outer loop's break is another story.
      if (!inner || !push_item(b, LS_CONTINUE, depth, inner)) return false;
      continue;
    case ASL_K_if_statement:
      b->complex = true;
      if (!scan_if(cx, s, depth, inner, b)) return false;
      continue;
    case ASL_K_try_statement:
      b->complex = true;
      if (!scan_try(cx, s, depth, inner, b)) return false;
      continue;
    case ASL_K_for_statement:
      b->complex = true;
      if (!scan_for(cx, s, depth, b)) return false;
      continue;
    case ASL_K_expression_statement: {
      Item *it = push_item(b, LS_REJECT, depth, inner);
      if (!it || !expression_item(cx, s, it)) return false;
      if (it->kind == LS_SKIP) b->n--;
      else if (it->kind == LS_PURE || it->kind == LS_LOG) b->complex = true;
      continue;
    }
    default:
      return false; // return, break, raise, with, while, def, ...
    }
  }
  return true;
}

/* Kinds no part of a loop body may hold. */
static bool forbidden(const AslCtx *cx, uint32_t j) {
  const AslTree *t = cx->tree;
  switch (t->nodes[j].kind) {
  case ASL_K_function_definition: case ASL_K_class_definition:
  case ASL_K_lambda: case ASL_K_yield: case ASL_K_global_statement:
  case ASL_K_nonlocal_statement: case ASL_K_named_expression:
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
    // Bound again first (`for peer in others:`): what the loop left is
    // not what is read.
    if (looked == 1 && asl_is_store(t, occ[k])) return false;
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

/* The shape of what is reported. */
typedef enum { R_MAP, R_BODY, R_GATHER, R_COMPREHENSION } Shape;

/* Reports at await `aw`; `quote`: the body is only the await and its
 * collector, so the suggestion can quote the call. */
static void report(AslSeqPass *p, uint32_t loop, uint32_t aw, Shape shape,
                   bool quote) {
  AslCtx *cx = p->cx;
  const AslTree *t = cx->tree;
  const char *how = asl__seq_concurrently(p->lib);
  if (shape == R_GATHER) {
    asl_report(cx, ASL_RULE_ASL402, aw,
               "A gather awaited in each iteration of this `for` loop waits "
               "for one batch before starting the next, though the batches "
               "do not depend on each other: gather the calls of every "
               "iteration at once");
    return;
  }
  if (shape == R_BODY) {
    asl_report(cx, ASL_RULE_ASL402, aw,
               "Each iteration of this `for` loop waits for the one before, "
               "though its awaits depend only on its own item: move the body "
               "into a coroutine and run one per item with %s",
               how);
    return;
  }
  bool comp = shape == R_COMPREHENSION;
  uint32_t clause = comp ? asl_child_by_kind(t, loop, ASL_K_for_in_clause)
                         : loop;
  const char *call = short_text(cx, asl__seq_awaited(t, aw), 60);
  const char *var = short_text(cx, asl_child_by_field(t, clause, ASL_F_left),
                               24);
  const char *items =
      short_text(cx, asl_child_by_field(t, clause, ASL_F_right), 40);
  if (!quote || !call || !var || !items)
    call = "f(x)", var = "x", items = "items";
  const char *what = comp ? "Await in a comprehension runs one item at a "
                            "time"
                          : "Await in a `for` loop runs the iterations one "
                            "at a time, though each call depends only on the "
                            "loop variable and values the loop does not "
                            "change";
  if (p->lib == ASL_SEQ_LIB_ASYNCIO)
    asl_report(cx, ASL_RULE_ASL402, aw,
               "%s: start them together with `asyncio.gather(*(%s for %s in "
               "%s))` or an `asyncio.TaskGroup`",
               what, call, var, items);
  else
    asl_report(cx, ASL_RULE_ASL402, aw, "%s: start them together with %s",
               what, how);
}

/* The receiver chain of the awaited call, if it has one. */
static bool receiver_chain(AslSeqPass *p, uint32_t call, uint32_t fn,
                           AslSeqChain *out) {
  const AslTree *t = p->cx->tree;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (f == ASL_NONE || t->nodes[f].kind != ASL_K_attribute) return false;
  return asl__seq_chain_of(p, asl_child_by_field(t, f, ASL_F_object), fn, out);
}

/* Does a condition around `aw` (inside `loop`) say its receiver is a
 * file, stream or connection: `if isinstance(value, UploadFile):`? */
static bool typed_as_connection(const AslCtx *cx, uint32_t aw, uint32_t loop) {
  const AslTree *t = cx->tree;
  uint32_t call = asl__seq_awaited(t, aw);
  uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (f == ASL_NONE || t->nodes[f].kind != ASL_K_attribute) return false;
  uint32_t root = asl_unparen(t, asl_child_by_field(t, f, ASL_F_object));
  if (root == ASL_NONE || t->nodes[root].kind != ASL_K_identifier) return false;
  for (uint32_t p = t->nodes[aw].parent, steps = 0;
       p != ASL_NONE && p != loop && steps < 32;
       p = t->nodes[p].parent, steps++) {
    if (t->nodes[p].kind != ASL_K_if_statement &&
        t->nodes[p].kind != ASL_K_elif_clause)
      continue;
    uint32_t cond = asl_child_by_field(t, p, ASL_F_condition);
    for (uint32_t j = cond; cond != ASL_NONE && j < t->nodes[cond].end; j++) {
      if (t->nodes[j].kind != ASL_K_call) continue;
      uint32_t fn = asl_child_by_field(t, j, ASL_F_function);
      uint32_t args = asl_child_by_field(t, j, ASL_F_arguments);
      if (fn == ASL_NONE || args == ASL_NONE ||
          !asl_node_text_eq(t, cx->src, fn, "isinstance"))
        continue;
      uint32_t a0 = asl_first_named(t, args);
      uint32_t a1 = a0 == ASL_NONE ? ASL_NONE : asl_next_named(t, a0);
      const AslNode *r = &t->nodes[root];
      if (a1 == ASL_NONE ||
          !asl_node_text_eq(t, cx->src, a0,
                            asl_arena_strndup(cx->arena,
                                              cx->src->text + r->start_byte,
                                              r->end_byte - r->start_byte)))
        continue;
      for (uint32_t k = a1; k < t->nodes[a1].end; k++) {
        if (t->nodes[k].kind != ASL_K_identifier) continue;
        const AslNode *c = &t->nodes[k];
        if (asl__seq_connection_like(cx->src->text + c->start_byte,
                                     c->end_byte - c->start_byte))
          return true;
      }
    }
  }
  return false;
}

/* Is the await `aw` a call we can run concurrently with the other
 * iterations' (by its receiver; the names in `own` are the iteration's)?
 * Sets *gather for an awaited gather. */
static bool await_ok(AslSeqPass *p, uint32_t aw, uint32_t fn,
                     uint32_t loop, const AslSeqSet *own, bool *gather) {
  const AslTree *t = p->cx->tree;
  uint32_t call = asl__seq_awaited(t, aw);
  if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call) return false;
  uint32_t callee = asl__seq_callee_name(t, call);
  *gather = callee != ASL_NONE &&
            asl_node_text_eq(t, p->cx->src, callee, "gather");
  AslSeqReceiver r = asl__seq_await_receiver(p, aw, fn, own);
  if (r == ASL_SEQ_ORDERED || r == ASL_SEQ_SHARED) return false;
  if (r == ASL_SEQ_PER_ITEM && typed_as_connection(p->cx, aw, loop))
    return false;
  // `await handler(x)` with the handler from the iterable: callbacks.
  uint32_t fnode = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  AslSeqChain fc;
  if (fnode != ASL_NONE && t->nodes[fnode].kind == ASL_K_identifier &&
      asl__seq_chain_of(p, fnode, fn, &fc) && asl__seq_set_touches1(own, &fc))
    return false;
  return true;
}

/* The awaited call of the last await of `awaits` in nodes [from, to),
 * or ASL_NONE. */
static uint32_t awaited_in(const AslTree *t, const uint32_t *awaits,
                           uint32_t n, uint32_t from, uint32_t to) {
  uint32_t call = ASL_NONE;
  for (uint32_t k = 0; k < n; k++)
    if (awaits[k] >= from && awaits[k] < to)
      call = asl__seq_awaited(t, awaits[k]);
  return call;
}

/* Data flow over the items, as before one await: what the body binds
 * (`taint`), changes (`used`) and collects into (`collect`); then in
 * order, every read of a name the body binds must follow its binding in
 * the same iteration, nothing reads a collector, and no awaited call
 * reads what the loop changes, and each awaited call uses the item (else
 * a repetition). Fills `varying` with the loop variable and what derives
 * from it. */
static bool data_ok(AslSeqPass *p, const Body *b, uint32_t loop, uint32_t fn,
                    const uint32_t *awaits, uint32_t nawaits) {
  AslCtx *cx = p->cx;
  const AslTree *t = cx->tree;
  AslArena *a = cx->arena;
  uint32_t left = asl_child_by_field(t, loop, ASL_F_left);
  uint32_t right = asl_child_by_field(t, loop, ASL_F_right);
  AslSeqSet *assigned = &p->taint, *mutated = &p->used;
  asl__seq_set_clear(assigned);
  asl__seq_set_clear(mutated);
  asl__seq_set_clear(&p->collect);
  asl__seq_set_clear(&p->defined);
  asl__seq_set_clear(&p->cond_defined);
  asl__seq_set_clear(&p->varying);
  asl__seq_facts(p, left, t->nodes[left].end, ASL_NONE, false, fn);
  asl__seq_set_add(a, &p->varying, &p->facts.writes);
  asl__seq_set_add(a, &p->defined, &p->facts.writes);
  // Pass 1.
  AslSeqChain coll[8];
  uint32_t ncoll = 0;
  for (uint32_t i = 0; i < b->n; i++) {
    const Item *it = &b->items[i];
    if (it->collector != ASL_NONE && !it->item_store) {
      AslSeqChain c;
      if (!asl__seq_chain_of(p, it->collector, fn, &c) || ncoll == 8)
        return false;
      asl__seq_set_add1(a, &p->collect, &c);
      coll[ncoll++] = c;
    }
    for (uint32_t r = 0; r < it->nregions; r++) {
      uint32_t from = it->regions[r][0], to = it->regions[r][1];
      uint32_t call = awaited_in(t, awaits, nawaits, from, to);
      asl__seq_facts(p, from, to, call, it->kind == LS_PURE, fn);
      if (p->facts.overflow) return false;
      asl__seq_set_add(a, assigned, &p->facts.writes);
      if (it->kind == LS_LOG) continue; // logging changes nothing
      AslSeqChain recv;
      bool has_recv = call != ASL_NONE && receiver_chain(p, call, fn, &recv);
      for (uint32_t e = 0; e < p->facts.effects.len; e++) {
        const AslSeqChain *c = &p->facts.effects.items[e];
        bool own = has_recv && c->depth == recv.depth &&
                   c->h[c->depth - 1] == recv.h[recv.depth - 1];
        // Changing the iteration's own object changes no other's.
        if (!own && !asl__seq_set_touches1(&p->varying, c))
          asl__seq_set_add1(a, mutated, c);
      }
    }
  }
  // The iterable and the collectors must be left alone by the body.
  asl__seq_facts(p, right, t->nodes[right].end, ASL_NONE, false, fn);
  if (p->facts.overflow ||
      asl__seq_set_touches(assigned, &p->facts.reads) ||
      asl__seq_set_touches(mutated, &p->facts.reads) ||
      asl__seq_set_touches(&p->collect, &p->facts.reads))
    return false;
  for (uint32_t c = 0; c < ncoll; c++)
    if (asl__seq_set_touches1(assigned, &coll[c]) ||
        asl__seq_set_touches1(&p->defined, &coll[c]) ||
        asl__seq_set_touches1(mutated, &coll[c]))
      return false;
  // Pass 2, in order.
  for (uint32_t i = 0; i < b->n; i++) {
    const Item *it = &b->items[i];
    bool varies = false;
    for (uint32_t r = 0; r < it->nregions; r++) {
      uint32_t from = it->regions[r][0], to = it->regions[r][1];
      uint32_t call = awaited_in(t, awaits, nawaits, from, to);
      asl__seq_facts(p, from, to, call, false, fn);
      for (uint32_t e = 0; e < p->facts.reads.len; e++) {
        const AslSeqChain *c = &p->facts.reads.items[e];
        if (asl__seq_set_touches1(&p->collect, c)) return false;
        bool defined = asl__seq_set_touches1(&p->defined, c) ||
                       (it->depth > 0 &&
                        asl__seq_set_touches1(&p->cond_defined, c));
        if (asl__seq_set_touches1(assigned, c) && !defined)
          return false; // carried from the previous iteration
        if (call != ASL_NONE && asl__seq_set_touches1(mutated, c))
          return false;
        if (asl__seq_set_touches1(&p->varying, c)) varies = true;
      }
      if (it->item_store) {
        // `o.attr = ...` stores into the iteration's own object only.
        AslSeqChain oc;
        if (!asl__seq_chain_of(p, it->collector, fn, &oc) ||
            !asl__seq_set_touches1(&p->varying, &oc))
          return false;
      }
      // Bindings inside an if or try count for the statements nested
      // with them only: an outer read may see the last iteration's.
      asl__seq_set_add(a, it->depth == 0 ? &p->defined : &p->cond_defined,
                       &p->facts.writes);
      if (varies && (it->kind == LS_PURE || it->kind == LS_AWAIT ||
                     it->kind == LS_BIND))
        asl__seq_set_add(a, &p->varying, &p->facts.writes);
    }
  }
  // Every awaited call uses the item: else a repetition.
  for (uint32_t k = 0; k < nawaits; k++) {
    uint32_t e = asl__seq_awaited(t, awaits[k]);
    asl__seq_facts(p, e, t->nodes[e].end, e, false, fn);
    if (!asl__seq_set_touches(&p->varying, &p->facts.reads)) return false;
  }
  // Names bound in the body must not be read after the loop, but for
  // the collectors.
  uint32_t body = asl_child_by_field(t, loop, ASL_F_body);
  for (uint32_t j = body; j < t->nodes[body].end; j++) {
    if (t->nodes[j].kind != ASL_K_identifier || !asl_is_store(t, j)) continue;
    bool collector = false;
    for (uint32_t i = 0; i < b->n && !collector; i++)
      collector = b->items[i].collector != ASL_NONE &&
                  asl_unparen(t, b->items[i].collector) == j;
    if (!collector && read_after(cx, j, loop, fn)) return false;
  }
  return true;
}

/* Is a name the loop's target binds read after the loop? A gather
 * instead of the loop would leave it unbound. */
static bool binds_read_after(const AslCtx *cx, uint32_t loop, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t left = asl_child_by_field(t, loop, ASL_F_left);
  for (uint32_t j = left; j != ASL_NONE && j < t->nodes[left].end; j++)
    if (t->nodes[j].kind == ASL_K_identifier && asl_is_store(t, j) &&
        read_after(cx, j, loop, fn))
      return true;
  return false;
}

void asl__seq_check_loop(AslSeqPass *p, uint32_t loop) {
  AslCtx *cx = p->cx;
  const AslTree *t = cx->tree;
  uint32_t fn = t->nodes[loop].scope;
  if (p->lib == ASL_SEQ_LIB_ANY) return;
  if (asl_has_token(t, cx->src, loop, "async")) return;
  uint32_t body = asl_child_by_field(t, loop, ASL_F_body);
  uint32_t left = asl_child_by_field(t, loop, ASL_F_left);
  uint32_t right = asl_child_by_field(t, loop, ASL_F_right);
  if (body == ASL_NONE || left == ASL_NONE || right == ASL_NONE) return;
  // One connection, socket or stream per iteration (`for conn in conns`):
  // operations on them keep their order.
  uint32_t last = asl_unparen(t, right);
  if (last != ASL_NONE && t->nodes[last].kind == ASL_K_attribute)
    last = asl_child_by_field(t, last, ASL_F_attribute);
  if (last != ASL_NONE && t->nodes[last].kind == ASL_K_identifier) {
    const AslNode *ln = &t->nodes[last];
    if (asl__seq_connection_like(cx->src->text + ln->start_byte,
                                 ln->end_byte - ln->start_byte))
      return;
  }
  uint32_t awaits[MAX_AWAITS], nawaits = 0;
  for (uint32_t j = body; j < t->nodes[body].end; j++) {
    if (forbidden(cx, j)) return;
    if (t->nodes[j].kind != ASL_K_await) continue;
    if (nawaits == MAX_AWAITS) return;
    awaits[nawaits++] = j;
  }
  if (!nawaits || asl__seq_gathered_elsewhere(cx, loop)) return;
  Body b;
  b.n = 0;
  b.complex = false;
  if (!scan_block(cx, body, 0, false, &b)) return;
  if (!data_ok(p, &b, loop, fn, awaits, nawaits)) return;
  // The receivers: the iteration's own objects are the loop variable and
  // what derives from it (`varying`).
  bool gather = false;
  for (uint32_t k = 0; k < nawaits; k++) {
    bool g;
    if (!await_ok(p, awaits[k], fn, loop, &p->varying, &g)) return;
    gather |= g;
  }
  Shape shape = gather ? R_GATHER : nawaits > 1 ? R_BODY : R_MAP;
  uint32_t before = cx->out->len;
  report(p, loop, awaits[0], shape, !b.complex);
  if (cx->out->len > before && shape == R_MAP &&
      p->lib == ASL_SEQ_LIB_ASYNCIO && !binds_read_after(cx, loop, fn))
    cx->out->items[cx->out->len - 1].fix =
        asl__seq_loop_fix(cx, loop, awaits[0]);
}


void asl__seq_check_comprehension(AslSeqPass *p, uint32_t comp) {
  AslCtx *cx = p->cx;
  const AslTree *t = cx->tree;
  uint32_t fn = t->nodes[comp].scope;
  if (p->lib == ASL_SEQ_LIB_ANY) return;
  // One `for` clause, not async; the await in the element only.
  uint32_t clause = ASL_NONE, element = asl_first_named(t, comp);
  for (uint32_t c = asl_first_named(t, comp); c != ASL_NONE;
       c = asl_next_named(t, c)) {
    if (t->nodes[c].kind != ASL_K_for_in_clause) continue;
    if (clause != ASL_NONE || asl_has_token(t, cx->src, c, "async")) return;
    clause = c;
  }
  if (clause == ASL_NONE || element == ASL_NONE || element == clause) return;
  // Awaits in the element or the `if` filters, not in the iterable.
  uint32_t iter = asl_child_by_field(t, clause, ASL_F_right);
  uint32_t awaits[MAX_AWAITS], n = 0;
  for (uint32_t j = comp; j < t->nodes[comp].end; j++) {
    if (forbidden(cx, j) && t->nodes[j].kind != ASL_K_for_in_clause) return;
    if (t->nodes[j].kind == ASL_K_for_in_clause && j != clause) return;
    if (t->nodes[j].kind != ASL_K_await) continue;
    if (iter != ASL_NONE && j >= iter && j < t->nodes[iter].end) return;
    if (n == MAX_AWAITS) return;
    awaits[n++] = j;
  }
  if (!n || asl__seq_gathered_elsewhere(cx, comp)) return;
  uint32_t left = asl_child_by_field(t, clause, ASL_F_left);
  if (left == ASL_NONE) return;
  // The item: the names the clause binds.
  AslSeqSet *own = &p->made;
  asl__seq_set_clear(own);
  for (uint32_t j = left; j < t->nodes[left].end; j++) {
    AslSeqChain c;
    if (t->nodes[j].kind == ASL_K_identifier &&
        asl__seq_chain_of(p, j, fn, &c))
      asl__seq_set_add1(cx->arena, own, &c);
  }
  for (uint32_t k = 0; k < n; k++) {
    bool gather;
    if (!await_ok(p, awaits[k], fn, comp, own, &gather) || gather) return;
    // Each awaited call must use the item.
    uint32_t e = asl__seq_awaited(t, awaits[k]);
    asl__seq_facts(p, e, t->nodes[e].end, e, false, fn);
    if (!asl__seq_set_touches(own, &p->facts.reads)) return;
  }
  uint32_t before = cx->out->len;
  report(p, comp, awaits[0], R_COMPREHENSION, n == 1);
  if (cx->out->len > before && n == 1 && p->lib == ASL_SEQ_LIB_ASYNCIO)
    cx->out->items[cx->out->len - 1].fix =
        asl__seq_comprehension_fix(cx, comp, awaits[0]);
}
