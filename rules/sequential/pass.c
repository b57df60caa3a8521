/*
 * pass.c - the ASL4xx pass: awaits that wait for each other for no reason.
 * One forward loop over the flat tree marks async functions and the
 * regions where order is the point (try bodies with handlers, handlers,
 * finally clauses, lock-like `with` bodies; a try whose handlers only
 * log, pass or re-raise is not one); then every block of an async
 * function is checked for runs of independent awaits (ASL401) and every
 * plain `for` loop and comprehension for awaits it could gather (ASL402).
 */
#include "sequential.h"

#include <ctype.h>
#include <string.h>

/* Does try_statement `i` have an `except` (or `except*`) handler? */
static bool has_handler(const AslTree *t, uint32_t i) {
  for (uint32_t c = asl_first_child(t, i); c != ASL_NONE; c = t->nodes[c].next)
    if (t->nodes[c].kind == ASL_K_except_clause) return true;
  return false;
}

/* Words that make a context manager a lock, a semaphore, a transaction or
 * another critical section: awaits under it run in order on purpose. */
static const char *const lock_words[] = {
    "lock", "sem", "mutex", "transaction", "begin", "atomic", "cond",
    "savepoint", "acquire", "limit", "throttl", "serial", "guard", NULL};

/* Is the with_statement `w` a critical section, judged by the text of its
 * items (`self._lock`, `asyncio.Semaphore(3)`, `conn.transaction()`)? */
static bool lock_like(const AslCtx *cx, uint32_t w) {
  const AslTree *t = cx->tree;
  uint32_t clause = asl_child_by_kind(t, w, ASL_K_with_clause);
  if (clause == ASL_NONE) return false;
  const AslNode *n = &t->nodes[clause];
  char low[256];
  uint32_t len = n->end_byte - n->start_byte;
  if (len >= sizeof low) len = sizeof low - 1;
  for (uint32_t i = 0; i < len; i++)
    low[i] = (char)tolower((unsigned char)cx->src->text[n->start_byte + i]);
  low[len] = 0;
  for (const char *const *w2 = lock_words; *w2; w2++)
    if (strstr(low, *w2)) return true;
  return false;
}

/* Fills p->flags in one forward pass: a node's parent comes first in
 * pre-order, so the ORDERED bit is inherited without recursion. Scopes
 * start afresh. */
static void mark_regions(AslSeqPass *p) {
  const AslTree *t = p->cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (asl_is_scope(t, i)) {
      p->flags[i] = asl_is_async_def(t, p->cx->src, i) ? ASL_SEQ_F_ASYNC : 0;
      continue;
    }
    uint8_t f = n->parent == ASL_NONE
                    ? 0
                    : (uint8_t)(p->flags[n->parent] & ASL_SEQ_F_ORDERED);
    if (n->kind == ASL_K_except_clause || n->kind == ASL_K_finally_clause)
      f |= ASL_SEQ_F_ORDERED;
    else if (n->kind == ASL_K_block && n->field == ASL_F_body &&
             n->parent != ASL_NONE &&
             t->nodes[n->parent].kind == ASL_K_try_statement &&
             has_handler(t, n->parent) &&
             !asl__seq_benign_handlers(p->cx, n->parent))
      f |= ASL_SEQ_F_ORDERED;
    else if (n->kind == ASL_K_with_statement && lock_like(p->cx, i))
      f |= ASL_SEQ_F_ORDERED;
    p->flags[i] = f;
  }
}

void asl_pass_sequential(AslCtx *cx) {
  const AslTree *t = cx->tree;
  // Most files have no await at all: skip them before allocating.
  bool any = false;
  for (uint32_t i = 0; i < t->count && !any; i++)
    any = t->nodes[i].kind == ASL_K_await;
  if (!any) return;

  AslSeqPass p;
  memset(&p, 0, sizeof p);
  p.cx = cx;
  p.flags = asl_arena_alloc(cx->arena, t->count);
  mark_regions(&p);
  asl__seq_collect_tasks(&p);
  p.lib = asl__seq_library(cx);

  bool loops = asl_enabled(cx, ASL_RULE_ASL402);
  bool blocks = asl_enabled(cx, ASL_RULE_ASL401);
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->flags & ASL_NODE_IN_ERROR) continue;
    bool comprehension = n->kind == ASL_K_list_comprehension ||
                         n->kind == ASL_K_set_comprehension ||
                         n->kind == ASL_K_dictionary_comprehension;
    if (n->kind != ASL_K_block && n->kind != ASL_K_for_statement &&
        !comprehension)
      continue;
    if (!(p.flags[n->scope] & ASL_SEQ_F_ASYNC) ||
        (p.flags[i] & ASL_SEQ_F_ORDERED))
      continue;
    if (n->kind == ASL_K_block && blocks) asl__seq_check_block(&p, i);
    else if (n->kind == ASL_K_for_statement && loops)
      asl__seq_check_loop(&p, i);
    else if (comprehension && loops)
      asl__seq_check_comprehension(&p, i);
  }
}
