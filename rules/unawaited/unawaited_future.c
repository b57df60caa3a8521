/*
 * unawaited_future.c - ASL106 unawaited-future: the future of
 * asyncio.gather(), shield() or wrap_future() thrown away.
 */
#include "unawaited.h"

#include <string.h>

const char asl_explain_ASL106[] =
    "## What it does\n"
    "Checks for calls of `asyncio.gather(...)`, `asyncio.shield(...)` and\n"
    "`asyncio.wrap_future(...)` whose result is thrown away (a bare\n"
    "expression statement, also through `from asyncio import gather`).\n"
    "\n"
    "## Why is this bad?\n"
    "These functions return a future whose only purpose is to be awaited:\n"
    "`gather` to wait for its awaitables together and collect their results,\n"
    "`shield` to wait for one without cancelling it, `wrap_future` to wait\n"
    "for a `concurrent.futures.Future`. Thrown away, the caller goes on\n"
    "without waiting; the gathered work still runs (`gather` wraps each\n"
    "coroutine in a task), but its results are lost and an exception it\n"
    "raises is never seen (asyncio logs `_GatheringFuture exception was\n"
    "never retrieved` at best, when the future is garbage-collected). This\n"
    "is almost always a forgotten `await` (mypy's `unused-awaitable` reports\n"
    "the same; pyright's `reportUnusedCoroutine` does not, as these are not\n"
    "coroutines).\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def refresh(devices):\n"
    "    asyncio.gather(*(d.update() for d in devices))\n"
    "    save(devices)  # runs before any update finished\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "async def refresh(devices):\n"
    "    await asyncio.gather(*(d.update() for d in devices))\n"
    "    save(devices)\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "`--fix` inserts `await` before the call in the body of an `async def`\n"
    "(as for ASL101). The fix is unsafe: unlike a coroutine, the gathered\n"
    "work already runs without it, so awaiting changes when the caller goes\n"
    "on, and makes the work's exceptions propagate to it.\n"
    "\n"
    "## References\n"
    "- Python docs: asyncio.gather, asyncio.shield, asyncio.wrap_future\n"
    "- mypy `unused-awaitable`\n";

/* asyncio functions returning a future made to be awaited, by the names
 * asl_qualname gives (asyncio's submodule spellings too). */
static const char *const awaited_futures[] = {
    "asyncio.gather",      "asyncio.tasks.gather",
    "asyncio.shield",      "asyncio.tasks.shield",
    "asyncio.wrap_future", "asyncio.futures.wrap_future",
    NULL};

const char *asl_unawaited_future_name(const AslCtx *cx, uint32_t call) {
  uint32_t fn = asl_child_by_field(cx->tree, call, ASL_F_function);
  const char *q = fn == ASL_NONE ? NULL : asl_qualname(cx, fn);
  if (!q) return NULL;
  for (const char *const *f = awaited_futures; *f; f++)
    if (strcmp(q, *f) == 0) return *f;
  return NULL;
}

void asl_report_unawaited_future(AslCtx *cx, uint32_t call,
                                 const char *name) {
  const char *dot = strrchr(name, '.');
  uint32_t before = cx->out->len;
  asl_report(cx, ASL_RULE_ASL106, call,
             "Future of `asyncio.%s()` is discarded: nothing waits for it "
             "and its results and exceptions are lost; add 'await'",
             dot ? dot + 1 : name);
  if (cx->out->len == before || !asl_await_allowed(cx, call)) return;
  cx->out->items[cx->out->len - 1].fix =
      asl_fix_insert_before(cx, call, "await ", true, "Add `await`");
}
