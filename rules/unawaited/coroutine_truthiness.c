/*
 * coroutine_truthiness.c - ASL103 coroutine-truthiness: a coroutine object
 * used only for its truth value, which is always true.
 */
#include "unawaited.h"

const char asl_explain_ASL103[] =
    "## What it does\n"
    "Checks for calls of coroutine functions whose result is only tested\n"
    "for truth: the condition of `if`, `elif` or `while`, the operand of\n"
    "`not`, the operands of `and`/`or` in such a condition, the test of\n"
    "`assert` and of `a if c else b`, and the `if` of a comprehension;\n"
    "also compared by identity or equality (`fetch(x) is None`,\n"
    "`count() == 0`) or passed to `bool()`. The callee is resolved as for\n"
    "ASL101; a property whose getter is an `async def` or returns a\n"
    "coroutine counts as a call when read (`if self.ready:`).\n"
    "\n"
    "## Why is this bad?\n"
    "A coroutine object is always true, and testing it does not run the\n"
    "function: `if await_ready():` takes the branch every time and never\n"
    "checks anything, `while not stopped():` never ends, and the coroutine\n"
    "is dropped with a `RuntimeWarning: coroutine ... was never awaited`.\n"
    "Type checkers miss it too: both pyright and mypy have open requests\n"
    "for this check.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def handle(request):\n"
    "    if is_allowed(request.user):  # async def is_allowed(user)\n"
    "        return await serve(request)\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "async def handle(request):\n"
    "    if await is_allowed(request.user):\n"
    "        return await serve(request)\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "`--fix` inserts `await` before the call in the body of an `async def`.\n"
    "Safe: the test or comparison read a coroutine object, whose truth and\n"
    "identity never depend on the call, so no behaviour is lost; `await`\n"
    "binds tighter than `not`, `and`, `or` and comparisons, so the rest of\n"
    "the expression keeps its meaning.\n";

const char *asl_msg_truthiness(AslArena *a, const AslDef *def) {
  return asl_arena_printf(a,
                          "%s; a coroutine object is always true, so this "
                          "test never runs it; add 'await'",
                          asl_msg_subject(a, def));
}

const char *asl_msg_compared(AslArena *a, const AslDef *def) {
  return asl_arena_printf(a,
                          "%s; a coroutine object is never None and equals "
                          "only itself, so this comparison never runs it and "
                          "always gives the same answer; add 'await'",
                          asl_msg_subject(a, def));
}
