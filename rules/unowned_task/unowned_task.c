/*
 * unowned_task.c - ASL301 unowned-task: a task whose result is discarded.
 */
#include "unowned_task.h"

const char asl_explain_ASL301[] =
    "## What it does\n"
    "Checks for `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and\n"
    "`loop.create_task(...)` (with `loop` from `asyncio.get_running_loop()`,\n"
    "`get_event_loop()` or `new_event_loop()`, also a local bound to one or\n"
    "to `None` in another branch, a parameter or attribute\n"
    "annotated `asyncio.AbstractEventLoop`, or `self._loop` that the class\n"
    "sets once from one of these) whose result is thrown away: a bare\n"
    "expression statement, also as the element of a list, set or dict\n"
    "comprehension used as a statement.\n"
    "\n"
    "Also tasks created in the argument of `await asyncio.wait(...)` when it\n"
    "may return early (`return_when=FIRST_COMPLETED`/`FIRST_EXCEPTION`, a\n"
    "timeout) and its pending set is dropped (`done, _ = ...`, or never\n"
    "read): the tasks still running then belong to nobody.\n"
    "\n"
    "## Why is this bad?\n"
    "The event loop keeps only a weak reference to a task. A task nobody\n"
    "references can be garbage-collected before it finishes, silently\n"
    "dropping the work. Nobody awaits it either, so an exception it raises\n"
    "is never seen (only \"Task exception was never retrieved\" at exit), and\n"
    "nobody cancels it on shutdown.\n"
    "\n"
    "`TaskGroup.create_task`, anyio/trio `start_soon` and a user object's own\n"
    "`create_task` method are not reported: their owner keeps the task.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def handle(event):\n"
    "    asyncio.create_task(audit(event))\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "background_tasks = set()\n"
    "\n"
    "async def handle(event):\n"
    "    task = asyncio.create_task(audit(event))\n"
    "    background_tasks.add(task)\n"
    "    task.add_done_callback(background_tasks.discard)\n"
    "```\n"
    "or, when the caller can wait for it, an `asyncio.TaskGroup`:\n"
    "```python\n"
    "async def handle(event):\n"
    "    async with asyncio.TaskGroup() as tg:\n"
    "        tg.create_task(audit(event))\n"
    "```\n"
    "\n"
    KEEP_TASK_FIX_NOTE
    "## References\n"
    "- Python docs: asyncio.create_task (\"Important: Save a reference to the\n"
    "  result of this function\")\n"
    "- ruff RUF006 asyncio-dangling-task\n";

const char asl_unowned_advice[] =
    "the loop keeps only a weak reference, so the task may be "
    "garbage-collected and its exception is never seen; keep a reference "
    "(add it to a set and `add_done_callback(set.discard)`) or use an "
    "`asyncio.TaskGroup`";

void asl_report_discarded_task(AslCtx *cx, uint32_t call, const char *spawn) {
  uint32_t before = cx->out->len;
  asl_report(cx, ASL_RULE_ASL301, call, "Result of `%s()` is discarded: %s",
             spawn, asl_unowned_advice);
  if (cx->out->len > before)
    cx->out->items[cx->out->len - 1].fix =
        asl_keep_discarded_task_fix(cx, call);
}

void asl_report_task_left_pending(AslCtx *cx, uint32_t call,
                                  const char *spawn) {
  asl_report(cx, ASL_RULE_ASL301, call,
             "Task of `%s()` is left to `asyncio.wait()`, whose pending set "
             "is dropped: when it returns early (FIRST_COMPLETED, "
             "FIRST_EXCEPTION, a timeout) the tasks still running are "
             "unowned; cancel or await `pending`",
             spawn);
}
