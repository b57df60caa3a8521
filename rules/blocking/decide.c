/*
 * decide.c - the ASL2xx pass, phase 3: an async def's call of a sync
 * function of the project (ASL210) is reported when the index's "may
 * block" fixpoint says the function reaches a blocking call, with the
 * chain of helpers in the message.
 */
#include "blocking.h"

#include <string.h>

const char *asl_blocking_decide(const AslIndex *idx, const AslOptions *opt,
                                AslArena *a, const AslDeferred *d) {
  if (d->diag.rule != ASL_RULE_ASL210) return NULL;
  AslDef def;
  AslDefKind k = asl_index_callee(idx, d->facts_id, &d->callee, &def);
  if (k != ASL_DEF_FUNCTION && k != ASL_DEF_CLASS) return NULL;
  if (def.module && def.name &&
      asl_blocking_allowed(opt, asl_arena_printf(a, "%s.%s", def.module,
                                                 def.name)))
    return NULL;
  AslBlockChain ch;
  if (!asl_index_may_block(idx, d->facts_id, &def, &ch)) return NULL;
  AslBuf b = {0};
  const char *subject = d->subject ? d->subject : def.name;
  asl_buf_printf(&b, "`%s()` blocks: ", subject);
  for (uint32_t i = 0; i < ch.n; i++) {
    if (i == 15 && ch.total > 16) asl_buf_puts(&b, "... -> ");
    asl_buf_printf(&b, "%s -> ", ch.names[i]);
  }
  asl_buf_printf(&b, "%s (%s:%u); make the helper async or run it in a "
                     "thread: `await asyncio.to_thread(%s, ...)`",
                 ch.call, ch.path, ch.line, subject);
  const char *msg = asl_arena_strndup(a, b.data, b.len);
  asl_buf_free(&b);
  return msg;
}
