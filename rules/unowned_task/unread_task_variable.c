/*
 * unread_task_variable.c - ASL302 unread-task-variable: a task bound to a
 * local name that nothing reads afterwards.
 */
#include "unowned_task.h"

const char asl_explain_ASL302[] =
    "## What it does\n"
    "Checks for the result of `asyncio.create_task(...)`,\n"
    "`asyncio.ensure_future(...)` or `loop.create_task(...)` bound to a local\n"
    "name (also `_`) that is never read afterwards in the function: not\n"
    "awaited, returned, yielded, passed to a call, stored in a container or\n"
    "attribute, cancelled, or given a done-callback. Reads in any branch of\n"
    "a later `if`/`else`, in a loop that runs again, or in a nested function\n"
    "count; `global` and `nonlocal` names are owned by their outer scope.\n"
    "\n"
    "## Why is this bad?\n"
    "Binding the task to a local that dies with the function does not own\n"
    "it: once the function returns, or the name is rebound, only the loop's\n"
    "weak reference remains. The task can be garbage-collected mid-run and\n"
    "its exception is never retrieved. `_ = asyncio.create_task(...)` is the\n"
    "same mistake written to silence a linter; use `# noqa: ASL302` if you\n"
    "really mean it.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def handle(event):\n"
    "    task = asyncio.create_task(audit(event))\n"
    "    return 'ok'\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "async def handle(event):\n"
    "    task = asyncio.create_task(audit(event))\n"
    "    background_tasks.add(task)\n"
    "    task.add_done_callback(background_tasks.discard)\n"
    "    return 'ok'\n"
    "```\n"
    "\n"
    KEEP_TASK_FIX_NOTE
    "## References\n"
    "- Python docs: asyncio.create_task\n"
    "- clippy `let_underscore_future` (the same pattern in Rust)\n";

void asl_report_unread_task(AslCtx *cx, uint32_t call, uint32_t name,
                            const char *spawn) {
  const AslTree *t = cx->tree;
  const AslNode *n = &t->nodes[name];
  uint32_t before = cx->out->len;
  asl_report(cx, ASL_RULE_ASL302, call,
             "Task from `%s()` is bound to `%.*s` but never read afterwards: "
             "when the name goes away the task may be garbage-collected and "
             "its exception is never seen; keep a reference (add it to a set "
             "and `add_done_callback(set.discard)`), await it, or use an "
             "`asyncio.TaskGroup`",
             spawn, (int)(n->end_byte - n->start_byte),
             cx->src->text + n->start_byte);
  if (cx->out->len > before)
    cx->out->items[cx->out->len - 1].fix =
        asl_keep_unread_task_fix(cx, call, name);
}
