/*
 * syntax_error.c - ASL001. Reported by the driver (analyzer/run.c) from the
 * parse result; this file holds only its explain text.
 */
#include "rules.h"

const char asl_explain_ASL001[] =
    "## What it does\n"
    "Reports the first place where tree-sitter-python could not parse the\n"
    "file cleanly. Off by default: select it with `--select ASL001`.\n"
    "\n"
    "## Why is this bad?\n"
    "Code inside a region that does not parse is not checked by any other\n"
    "rule. A parse error is not proof of a syntax error: tree-sitter's\n"
    "grammar rejects a few rare constructs that CPython accepts (for example\n"
    "a continuation line inside parentheses indented less than its\n"
    "statement), which is why this is not a finding unless you ask for it.\n"
    "Without it, asynclint still prints one warning per such file on stderr.\n"
    "\n"
    "Only files that spell `async`, `await`, `asyncio`, `create_task` or\n"
    "`ensure_future` in their code are reported: asynclint does not parse\n"
    "the others unless it needs them (its pre-filter), since no pass would\n"
    "look inside them. It is not a syntax checker; use `python -m\n"
    "py_compile` or ruff for that.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def main(:\n"
    "    await go()\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "async def main():\n"
    "    await go()\n"
    "```\n";
