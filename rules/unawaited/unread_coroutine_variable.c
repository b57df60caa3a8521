/*
 * unread_coroutine_variable.c - ASL102 unread-coroutine-variable: a
 * coroutine bound to a local name (also `_`) that nothing reads again.
 */
#include "unawaited.h"

const char asl_explain_ASL102[] =
    "## What it does\n"
    "Checks for the result of a call of a coroutine function bound to a\n"
    "local name that is never read afterwards in the function: not awaited,\n"
    "returned, yielded, passed to a call or stored anywhere. Reads in any\n"
    "branch of a later `if`/`else`, in a loop that runs again, or in a\n"
    "nested function count; `global`/`nonlocal` names, class attributes\n"
    "and public module-level names (another module may import them) are\n"
    "not reported. A private module-level name (`_`, `_pending`) that\n"
    "nothing in the file reads is. The callee is resolved as for ASL101.\n"
    "\n"
    "`_ = send_email(user)` is reported too. pyright and mypy accept it as\n"
    "a way to silence their unused-coroutine checks, but the coroutine it\n"
    "binds still never runs (clippy's `let_underscore_future` flags the\n"
    "same pattern in Rust). If you really mean to create a coroutine and\n"
    "drop it, say so with `# noqa: ASL102` on that line.\n"
    "\n"
    "## Why is this bad?\n"
    "A coroutine object does nothing until it is awaited or scheduled.\n"
    "Bound to a name nobody reads, it dies with the function: the work is\n"
    "silently skipped, with only a `RuntimeWarning: coroutine ... was never\n"
    "awaited` at garbage collection.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def refresh(cache):\n"
    "    result = cache.reload()  # async def reload(self)\n"
    "    return 'ok'\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "async def refresh(cache):\n"
    "    result = await cache.reload()\n"
    "    return 'ok'\n"
    "```\n"
    "\n"
    "## References\n"
    "- clippy `let_underscore_future`\n"
    "- pyright `reportUnusedCoroutine`\n";

const char *asl_msg_unread(AslArena *a, const AslDef *def, const char *var) {
  return asl_arena_printf(a,
                          "%s; the coroutine bound to '%s' is never awaited "
                          "or read afterwards; add 'await' or schedule it "
                          "with asyncio.create_task()/TaskGroup",
                          asl_msg_subject(a, def), var);
}
