"""test_runtime_cli.py - `asynclint run` / `asynclint trace` contract:
constructs outside the subset (open, os.system, __import__, exec, eval,
...) are reported at their position with exit 2; budgets stop runaway
programs with clear errors; hostile inputs never crash; the trace fits 80
columns. ASYNCLINT names the binary. Stdlib only."""

import os
import re
import subprocess
import sys
import tempfile

ASYNCLINT = os.environ.get("ASYNCLINT", "build/asynclint")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
results = {"passed": 0, "failed": 0}


def run(args, src=None, timeout=60):
    path = None
    if src is not None:
        fd, path = tempfile.mkstemp(suffix=".py")
        with os.fdopen(fd, "w") as f:
            f.write(src)
        args = [a if a != "{}" else path for a in args]
    try:
        p = subprocess.run([ASYNCLINT] + args, capture_output=True, text=True,
                           timeout=timeout)
    finally:
        if path:
            os.unlink(path)
    return p


def check(name, ok, detail=""):
    if ok:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print(f"FAIL {name}\n  {detail}")


UNSUPPORTED = [
    ("open", "x = open('/etc/passwd')\n", 1, 5, "name 'open'"),
    ("exec", "exec('print(1)')\n", 1, 1, "name 'exec'"),
    ("eval", "y = eval('1 + 1')\n", 1, 5, "name 'eval'"),
    ("__import__", "m = __import__('os')\n", 1, 5, "name '__import__'"),
    ("os.system", "import os\nos.system('true')\n", 1, 1,
     "import of a module other than asyncio or time"),
    ("from os", "from os import system\n", 1, 1,
     "import of a module other than asyncio or time"),
    ("time.time", "from time import time\n", 1, 18, "'time' of time"),
    ("class", "class A:\n    pass\n", 1, 1, "class definition"),
    ("lambda", "f = lambda: 1\n", 1, 5, "lambda"),
    ("lazy generator", "g = (i for i in range(3))\n", 1, 5,
     "generator expression (only after * in a call"),
    ("generator to a def", "def f(g):\n    pass\nf(i for i in [1])\n", 3,
     2, "generator expression passed to function"),
    ("generator to len", "n = len(i for i in [1])\n", 1, 8,
     "generator expression passed to builtin"),
    ("generator to a rebound any", "any = all\nprint(any(i for i in [1]))\n",
     2, 10, "generator expression passed to builtin"),
    ("generator among args", "print(1, (i for i in [1]))\n", 1, 10,
     "generator expression"),
    ("await in generator", "import asyncio\nasync def main():\n"
     "    print(list(await asyncio.sleep(0) for i in [1]))\n", 3, 16,
     "'await' in a generator expression"),
    ("async comprehension", "async def main():\n"
     "    print([i async for i in x])\n", 2, 14, "async comprehension"),
    ("comprehension of a tuple", "x = [i for i in 1, 2]\n", 1, 20,
     "comprehension over several iterables"),
    ("sync with", "import asyncio\nasync def main():\n    with x:\n"
     "        pass\n", 3, 5, "with statement"),
    ("global", "n = 0\ndef f():\n    global n\n    n = 1\n", 3, 5,
     "global statement"),
    ("attribute", "import asyncio\nasync def main():\n"
     "    asyncio.get_event_loop()\n", 3, 13,
     "attribute 'get_event_loop' of module"),
    ("star of a non-iterable to a builtin", "print(*5)\n", 1, 7,
     "argument after * that is not iterable (int)"),
    ("star of a set of two", "print(*{1, 2})\n", 1, 7,
     "the order of a set of 2 items"),
    ("double star args", "print(**{})\n", 1, 7, "dictionary splat"),
    ("nested def", "def f():\n    def g():\n        pass\n", 2, 5,
     "nested function definition"),
]


def test_unsupported():
    for name, src, line, col, what in UNSUPPORTED:
        p = run(["run", "{}"], src)
        m = re.search(r":(\d+):(\d+): not supported by the runtime: (.*)$",
                      p.stderr.strip().splitlines()[-1] if p.stderr else "")
        ok = (p.returncode == 2 and m and int(m.group(1)) == line and
              int(m.group(2)) == col and what in m.group(3) and p.stdout == "")
        check(f"unsupported/{name}", ok,
              f"rc={p.returncode} stderr={p.stderr!r}")


def test_limits():
    cases = [
        ("steps", "while True:\n    pass\n", 2, "step budget exceeded"),
        ("virtual time", "import asyncio\nasync def main():\n    while True:\n"
         "        await asyncio.sleep(60)\n", 2,
         "virtual-time budget exceeded"),
        ("deadlock", "import asyncio\nasync def main():\n"
         "    await asyncio.Event().wait()\n", 2, "deadlock"),
        ("recursion", "def f(n):\n    return f(n + 1)\nf(0)\n", 1,
         "RecursionError: maximum recursion depth exceeded"),
        ("async recursion", "import asyncio\nasync def f(n):\n"
         "    return await f(n + 1)\nasyncio.run(f(0))\n", 1,
         "RecursionError"),
        ("blocking sleep forever", "import time\ntime.sleep(10**9)\n", 2,
         "virtual-time budget exceeded"),
        ("huge list", "x = [0] * 100000000\n", 1, "OverflowError"),
        ("deep nesting", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", 2,
         "not supported by the runtime"),
        ("syntax error", "def f(:\n", 2, "does not parse"),
        ("no main", "x = 1\n", 2, "without asyncio.run()"),
    ]
    for name, src, rc, msg in cases:
        p = run(["run", "{}"], src, timeout=120)
        check(f"limits/{name}", p.returncode == rc and msg in p.stderr,
              f"rc={p.returncode} stderr={p.stderr[-400:]!r}")


def test_hostile_bytes():
    srcs = ["\x00\xff\xfe", "async def main():\n    await\n", "import asyncio\n"
            "async def main():\n    " + "await " * 300 + "asyncio.sleep(0)\n",
            "x = 1 +\n", "import asyncio\nasyncio.run(1)\n",
            "import asyncio\nasync def main():\n    await 1\n",
            "import asyncio\nasync def main():\n    t = asyncio.current_task()\n"
            "    await t\n"]
    for i, src in enumerate(srcs):
        p = run(["run", "{}"], src)
        check(f"hostile/{i}", p.returncode in (0, 1, 2) and
              "Segmentation" not in p.stderr and p.returncode >= 0,
              f"rc={p.returncode} {p.stderr[-300:]!r}")


def test_run_output_contract():
    path = os.path.join(ROOT, "fixtures", "runtime", "ASL4_exception_propagates.py")
    p = run(["run", path])
    lines = p.stderr.splitlines()
    check("run/exit 1 and summary", p.returncode == 1 and
          lines[-2] == "ValueError: negative: -1" and lines[-1] == "elapsed=1.000",
          p.stderr)
    p = run(["run"])
    check("run/usage", p.returncode == 2, p.stderr)
    p = run(["run", "/nonexistent.py"])
    check("run/unreadable", p.returncode == 2, p.stderr)


def test_trace():
    path = os.path.join(ROOT, "fixtures", "runtime", "ASL2_time_sleep_blocks_others.py")
    p = run(["trace", path])
    lines = p.stdout.splitlines()
    check("trace/80 columns", p.returncode == 0 and lines and
          all(len(l) <= 80 for l in lines), max(map(len, lines or [""])))
    out = p.stdout
    for want in ("Task-1 main", "Task-2 report", "Task-3 heartbeat",
                 "BLOCKS THE LOOP 2.000 s: time.sleep at line",
                 "pauses at line", "awaiting sleep(0.5)",
                 "awaiting gather() of 2", "finishes: returned",
                 "loop blocked"):
        check(f"trace/{want}", want in out, out[:2000])
    check("trace/elapsed", p.stderr.strip().endswith("elapsed=3.500"), p.stderr)


def main():
    test_unsupported()
    test_limits()
    test_hostile_bytes()
    test_run_output_contract()
    test_trace()
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
