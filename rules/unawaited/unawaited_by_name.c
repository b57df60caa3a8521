/*
 * unawaited_by_name.c - ASL104 unawaited-method-by-name: `obj.name(...)`
 * discarded, where the class of obj is not written anywhere but `name` is
 * defined in the project only as a coroutine function.
 */
#include "unawaited.h"

#include <string.h>

const char asl_explain_ASL104[] =
    "## What it does\n"
    "Checks for calls `obj.name(...)` whose result is discarded, where\n"
    "nothing written tells the class of `obj` (an unannotated parameter,\n"
    "such as a pytest fixture, or the result of an unannotated call), and\n"
    "every def, class and class attribute called `name` in the project is\n"
    "an `async def`, one in a class whose name the receiver's name ends\n"
    "(`cart` and `Cart`, `channel_layer` and `InMemoryChannelLayer`) or\n"
    "that ends the receiver's (`offline_bot` and `Bot`). Only compound\n"
    "names are asked about (`add_item`, not `run`), never a private,\n"
    "dunder or `test*` name, nor one the standard library uses for a plain\n"
    "method (`close`, `update`, `cancel`, `send`: typeshed's stubs list\n"
    "them). ASL101 covers the calls whose receiver's class is known.\n"
    "\n"
    "## Why is this bad?\n"
    "A method that only exists as a coroutine function returns a coroutine:\n"
    "calling it without `await` runs nothing, and a test doing so passes\n"
    "without testing anything. A type checker sees it only where the\n"
    "receiver is annotated.\n"
    "\n"
    "## Limits\n"
    "The name is all this rule sees: a library object with a sync method of\n"
    "the same name (one the standard library does not define) is a false\n"
    "positive. `# noqa: ASL104` on the line, or the method's class in an\n"
    "annotation (then ASL101 decides), settles it.\n"
    "\n"
    "## Example\n"
    "```python\n"
    "async def test_checkout(cart):   # a fixture: no annotation\n"
    "    cart.add_item(42)            # async def add_item(self, pk)\n"
    "    assert await cart.total() == 1\n"
    "```\n"
    "\n"
    "Use instead:\n"
    "```python\n"
    "async def test_checkout(cart):\n"
    "    await cart.add_item(42)\n"
    "    assert await cart.total() == 1\n"
    "```\n"
    "\n"
    "## Fix safety\n"
    "`--fix --unsafe-fixes` inserts `await` before the call (in the body of\n"
    "an `async def`). Unsafe: the object's class is known by a name only,\n"
    "and awaiting a sync method's result fails at run time.\n";

const char *asl_msg_by_name(AslArena *a, const AslDef *def) {
  const char *dot = strrchr(def->name, '.');
  return asl_arena_printf(
      a,
      "method '%s' is only ever defined as a coroutine function in this "
      "project (%s, %s:%u), so this call's coroutine is discarded; add "
      "'await' or schedule it with asyncio.create_task()/TaskGroup",
      dot ? dot + 1 : def->name, def->name, def->path ? def->path : "?",
      def->line);
}
