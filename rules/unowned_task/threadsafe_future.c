/*
 * threadsafe_future.c - ASL303 discarded-threadsafe-future: the future of
 * asyncio.run_coroutine_threadsafe() thrown away.
 */
#include "unowned_task.h"

const char asl_explain_ASL303[] =
    "## What it does\n"
    "Checks for `asyncio.run_coroutine_threadsafe(coro, loop)` whose result,\n"
    "a `concurrent.futures.Future`, is thrown away.\n"
    "\n"
    "## Why is this bad?\n"
    "The future is the only handle on the coroutine's outcome. Nobody calls\n"
    "its `result()`, so an exception the coroutine raises is never seen:\n"
    "the work fails silently (asyncio logs nothing for it), and nobody can\n"
    "cancel it or wait for it when the thread shuts down.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "def on_message(self, msg):  # called on another thread\n"
    "    asyncio.run_coroutine_threadsafe(self.handle(msg), self.loop)\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "def on_message(self, msg):\n"
    "    fut = asyncio.run_coroutine_threadsafe(self.handle(msg), self.loop)\n"
    "    fut.add_done_callback(log_exception)  # or fut.result(timeout=...)\n"
    "```\n"
    "\n"
    "## References\n"
    "- Python docs: asyncio.run_coroutine_threadsafe\n";

void asl_report_discarded_future(AslCtx *cx, uint32_t call) {
  asl_report(cx, ASL_RULE_ASL303, call,
             "Future of `asyncio.run_coroutine_threadsafe()` is discarded: "
             "an exception the coroutine raises is never seen; keep it and "
             "check it (`fut.add_done_callback(...)`, or "
             "`fut.result(timeout=...)` off the loop's thread)");
}
