/*
 * decide.c - the ASL2xx pass, phase 3: an async def's call of a sync
 * function of the project (ASL210) is reported when the index says the
 * function may reach a blocking call that the call's arguments do not rule
 * out. The message names the chain to the first of them (those reached
 * whatever the arguments first, the heaviest next) and the others it can
 * reach; the related locations carry each step, for SARIF readers.
 */
#include "blocking.h"

#include <string.h>

enum { SHOWN_OTHERS = 3, MAX_PATHS = 12 };

/* "a -> b -> ... -> z" for a chain (the first steps and the last). */
static void put_chain(AslBuf *b, const AslBlockPath *p) {
  for (uint32_t i = 0; i < p->n; i++) {
    if (i == p->n - 1 && p->total > p->n) asl_buf_puts(b, "... -> ");
    asl_buf_printf(b, "%s -> ", p->steps[i].name);
  }
  asl_buf_printf(b, "%s (%s:%u)", p->call, p->path, p->line);
}

/* The related locations: each step of the first chain, its blocking
 * call, then the other blocking calls. */
static void put_related(AslArena *a, const AslBlockPath *paths, uint32_t n,
                        AslDiag *out) {
  const AslBlockPath *p = &paths[0];
  AslRelated *rel = asl_arena_alloc(a, sizeof *rel * (p->n + n + 1));
  uint32_t k = 0;
  for (uint32_t i = 0; i < p->n; i++)
    rel[k++] = (AslRelated){p->steps[i].path, p->steps[i].line,
                            p->steps[i].column,
                            asl_arena_printf(a, "`%s` (step %u of the chain)",
                                             p->steps[i].name, i + 1)};
  for (uint32_t j = 0; j < n; j++)
    rel[k++] = (AslRelated){
        paths[j].path, paths[j].line, paths[j].column,
        asl_arena_printf(a, "blocking call `%s`%s", paths[j].call,
                         paths[j].certain ? ""
                                          : " (on some arguments only)")};
  out->related = rel;
  out->nrelated = k;
}

const char *asl_blocking_decide(const AslIndex *idx, const AslOptions *opt,
                                AslArena *a, const AslDeferred *d,
                                AslDiag *out) {
  if (d->constant) return asl_blocking_decide_constant(idx, opt, a, d);
  if (d->diag.rule != ASL_RULE_ASL210) return NULL;
  AslDef def;
  AslDefKind k = asl_index_callee(idx, d->facts_id, &d->callee, &def);
  if (k != ASL_DEF_FUNCTION && k != ASL_DEF_CLASS) return NULL;
  if (d->property && (k != ASL_DEF_FUNCTION || !asl_def_is_property(&def)))
    return NULL; // a method read, not called: nothing runs
  if (def.module && def.name &&
      asl_blocking_allowed(opt, asl_arena_printf(a, "%s.%s", def.module,
                                                 def.name)))
    return NULL;
  AslBlockPath paths[MAX_PATHS];
  uint32_t total;
  uint32_t n = asl_index_may_block(idx, d->facts_id, &def, &d->callee,
                                   d->args, d->iterated, paths, MAX_PATHS,
                                   &total);
  const char *subject = d->subject ? d->subject : def.name;
  bool loop = d->in_loop;
  // Blocking calls of rules off by default count only when selected, but
  // file metadata (ASL207) also once per item of a loop.
  uint32_t kept = 0, dropped = 0;
  for (uint32_t i = 0; i < n; i++) {
    AslRuleId r = (AslRuleId)paths[i].rule;
    bool counts = asl_rules[r].default_on || opt->selected[r] ||
                  (r == ASL_RULE_ASL207 && loop);
    if (counts) paths[kept++] = paths[i];
    else dropped++;
  }
  n = kept;
  total -= dropped;
  if (!n) return NULL;
  AslBuf b = {0};
  bool gen = asl_index_yields(idx, d->facts_id, &def);
  if (d->callback)
    asl_buf_printf(&b, "callback `%s` runs on the event loop and %s: ",
                   subject, paths[0].certain ? "blocks" : "may block");
  else if (d->property)
    asl_buf_printf(&b, "reading property `%s` runs its getter, which %s: ",
                   subject, paths[0].certain ? "blocks" : "may block");
  else
    asl_buf_printf(&b, "%s`%s()` %s: ", gen ? "iterating " : "", subject,
                   paths[0].certain ? "blocks" : "may block");
  put_chain(&b, &paths[0]);
  uint32_t shown = n - 1 < SHOWN_OTHERS ? n - 1 : SHOWN_OTHERS;
  for (uint32_t i = 1; i <= shown; i++)
    asl_buf_printf(&b, "%s%s (%s:%u)",
                   i == 1 ? "; it can also reach " : ", ", paths[i].call,
                   paths[i].path, paths[i].line);
  if (total > shown + 1) asl_buf_printf(&b, " and %u more",
                                        total - shown - 1);
  if (d->property)
    asl_buf_printf(&b, "; make it a method and run it in a thread "
                       "(`await asyncio.to_thread(...)`), or cache the "
                       "value outside the loop");
  else if (d->callback)
    asl_buf_printf(&b, "; have the callback hand the work to a thread "
                       "(`loop.run_in_executor(None, ...)`) or schedule a "
                       "coroutine that offloads it");
  else if (gen)
    asl_buf_printf(&b, "; make it an async generator, or iterate it in a "
                       "thread: `await asyncio.to_thread(list, %s(...))`",
                   subject);
  else
    asl_buf_printf(&b, "; make the helper async or run it in a thread: "
                       "`await asyncio.to_thread(%s, ...)`",
                   subject);
  const char *msg = asl_arena_strndup(a, b.data, b.len);
  asl_buf_free(&b);
  put_related(a, paths, n, out);
  return msg;
}
