#!/usr/bin/env python3
"""Re-check latency and memory of `asynclint server` (issue 19): the time
from a didChange to the publishDiagnostics of that version, over N edits
of one file, with the project around it indexed; the server's resident
memory (VmRSS) before and after, or sampled every K edits.

  bench/server_latency.py ASYNCLINT --generate 2000 [--edits 100] [--open 4]
  bench/server_latency.py ASYNCLINT --generate 2000 --big 2500
  bench/server_latency.py ASYNCLINT --generate 200 --edits 10000 --rss-every 1000
  bench/server_latency.py ASYNCLINT --root DIR --file DIR/x.py [--edits 100]

--generate N writes a project of N modules (helpers, async callers and
classes calling across modules; module i imports module i-1) into a
temporary folder and edits the middle one. --open K opens K more of its
modules besides, half before the edited one (unrelated to it) and half
after (they import it, through the modules between): an edit re-checks
those. --big F adds and opens a module of F async defs (5 lines each) that
nothing imports: an edit elsewhere neither checks nor parses it again.
Prints the median, 90th percentile and maximum in milliseconds, and
the RSS samples (first, last, max).
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "server"))
import test_server as lsp  # noqa: E402  (the scripted client)


def module_path(root, i):
    return os.path.join(root, "app", "m%04d.py" % i)


def generate(root, n):
    """Writes the project; returns the path of the module to edit."""
    pkg = os.path.join(root, "app")
    os.makedirs(pkg)
    with open(os.path.join(root, "pyproject.toml"), "w") as f:
        f.write("[project]\nname = 'generated'\n")
    open(os.path.join(pkg, "__init__.py"), "w").close()
    for i in range(n):
        prev = (i - 1) % n
        with open(module_path(root, i), "w") as f:
            f.write("import asyncio\n"
                    "from app.m%04d import helper_%d, Service_%d\n\n\n"
                    "def helper_%d(x):\n    return x + 1\n\n\n"
                    "async def fetch_%d(x):\n"
                    "    await asyncio.sleep(0)\n    return helper_%d(x)\n\n\n"
                    "class Service_%d:\n"
                    "    async def run(self):\n"
                    "        return await fetch_%d(1)\n\n"
                    "    def sync(self):\n        return helper_%d(2)\n\n\n"
                    "async def main_%d():\n"
                    "    s = Service_%d()\n    await s.run()\n"
                    "    helper_%d(3)\n    return Service_%d\n"
                    % (prev, prev, prev, i, i, i, i, i, i, i, prev, prev,
                       prev))
    return module_path(root, n // 2)


def others_to_open(root, n, k):
    """k modules besides the edited one (n // 2): half from the start of
    the chain (they import nothing of it), half after it."""
    mid = n // 2
    before = [1 + i * max(1, (mid - 2) // max(1, k // 2 + k % 2))
              for i in range(k // 2 + k % 2)]
    after = [mid + 1 + i * max(1, (n - mid - 2) // max(1, k // 2))
             for i in range(k // 2)]
    return [module_path(root, i) for i in before + after
            if 0 < i < n and i != mid]


def write_big(root, funcs):
    """An unrelated module of `funcs` async defs; returns its path."""
    path = os.path.join(root, "app", "big.py")
    with open(path, "w") as f:
        f.write("import asyncio\n\n")
        for i in range(funcs):
            f.write("async def f%d(x):\n    await asyncio.sleep(0)\n"
                    "    y = x + %d\n    return y\n\n" % (i, i))
    return path


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def edit_loop(c, path, text, edits, rss_every=0, on_sample=None):
    """Sends `edits` edits of path (a line added at the end, its text new
    each time, then removed) and waits for each version's diagnostics. Returns the times in ms and
    the RSS samples in KB (one every rss_every edits, the first before
    any edit)."""
    times, rss = [], [rss_kb(c.proc.pid)]
    lines = text.count("\n")
    for v in range(2, edits + 2):
        if v % 2 == 0:
            change = {"range": lsp.rng(lines, 0, lines, 0),
                      "text": "x = %d\n" % v}
        else:
            change = {"range": lsp.rng(lines, 0, lines + 1, 0), "text": ""}
        t = time.time()
        c.change(path, v, [change])
        m = c.wait(lambda m: m.get("method") ==
                   "textDocument/publishDiagnostics" and
                   m["params"]["uri"] == lsp.uri(path) and
                   m["params"].get("version") == v, timeout=120)
        if m is None:
            print("no diagnostics for version %d" % v, file=sys.stderr)
            break
        times.append((time.time() - t) * 1e3)
        c.held.clear()  # the other documents' diagnostics
        if rss_every and (v - 1) % rss_every == 0:
            rss.append(rss_kb(c.proc.pid))
            if on_sample:
                on_sample(v - 1, rss[-1])
    return times, rss


def start(binary, root, path, others=()):
    """A server with path (and others) open, their first diagnostics in;
    returns the client, the text of path and the first check's ms."""
    c = lsp.Client(os.path.abspath(binary), root)
    c.init(root)
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    t0 = time.time()
    for p in others:
        with open(p, encoding="utf-8", errors="replace") as f:
            c.open(p, f.read())
    c.open(path, text)
    c.diagnostics(path, timeout=120)
    first = (time.time() - t0) * 1e3
    c.held.clear()
    return c, text, first


def stop(c):
    c.call("shutdown")
    c.notify("exit")
    c.finish()


def percentile(sorted_times, q):
    if not sorted_times:
        return 0
    return sorted_times[max(0, int(len(sorted_times) * q + 0.5) - 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--generate", type=int)
    ap.add_argument("--root")
    ap.add_argument("--file")
    ap.add_argument("--edits", type=int, default=100)
    ap.add_argument("--open", type=int, default=0,
                    help="open this many other modules (with --generate)")
    ap.add_argument("--big", type=int, default=0,
                    help="open an unrelated module of this many async defs")
    ap.add_argument("--rss-every", type=int, default=0,
                    help="sample the server's RSS every this many edits")
    a = ap.parse_args()
    tmp = None
    others = []
    if a.generate:
        tmp = tempfile.mkdtemp(prefix="asl-bench-")
        root, path = tmp, generate(tmp, a.generate)
        others = others_to_open(tmp, a.generate, a.open)
        if a.big:
            others.append(write_big(tmp, a.big))
    else:
        root, path = os.path.abspath(a.root), os.path.abspath(a.file)
    try:
        c, text, first = start(a.binary, root, path, others)
        times, rss = edit_loop(
            c, path, text, a.edits, a.rss_every,
            lambda n, kb: print("  %d edits: RSS %d KB" % (n, kb),
                                file=sys.stderr, flush=True))
        if not a.rss_every:
            rss.append(rss_kb(c.proc.pid))
        stop(c)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    times.sort()
    print("first check %.0f ms; %d edits%s: median %.1f ms, p90 %.1f ms, "
          "max %.1f ms; RSS %d -> %d KB"
          % (first, len(times),
             " (%d other document%s open)"
             % (len(others), "" if len(others) == 1 else "s")
             if others else "",
             statistics.median(times) if times else 0,
             percentile(times, 0.9), times[-1] if times else 0,
             rss[0], rss[-1]))
    if a.rss_every:
        samples = rss[1:]
        print("RSS every %d edits: first %d KB, last %d KB, max %d KB "
              "(before the edits %d KB)"
              % (a.rss_every, samples[0] if samples else 0,
                 samples[-1] if samples else 0,
                 max(samples) if samples else 0, rss[0]))


if __name__ == "__main__":
    main()
