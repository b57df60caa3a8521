#!/usr/bin/env python3
"""Re-check latency of `asynclint server` (issue 19): the time from a
didChange to the publishDiagnostics of that version, over N edits of one
file, with the project around it indexed. Also the server's resident
memory before and after the edits.

  bench/server_latency.py ASYNCLINT --generate 2000 [--edits 100]
  bench/server_latency.py ASYNCLINT --root DIR --file DIR/x.py [--edits 100]

--generate N writes a project of N modules (helpers, async callers and
classes calling across modules) into a temporary folder and edits one of
them. Prints the median, 90th percentile and maximum in milliseconds.
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


def generate(root, n):
    pkg = os.path.join(root, "app")
    os.makedirs(pkg)
    with open(os.path.join(root, "pyproject.toml"), "w") as f:
        f.write("[project]\nname = 'generated'\n")
    open(os.path.join(pkg, "__init__.py"), "w").close()
    for i in range(n):
        prev = (i - 1) % n
        with open(os.path.join(pkg, "m%04d.py" % i), "w") as f:
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
    return os.path.join(pkg, "m%04d.py" % (n // 2))


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--generate", type=int)
    ap.add_argument("--root")
    ap.add_argument("--file")
    ap.add_argument("--edits", type=int, default=100)
    a = ap.parse_args()
    tmp = None
    if a.generate:
        tmp = tempfile.mkdtemp(prefix="asl-bench-")
        root, path = tmp, generate(tmp, a.generate)
    else:
        root, path = os.path.abspath(a.root), os.path.abspath(a.file)
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    c = lsp.Client(os.path.abspath(a.binary), root)
    c.init(root)
    t0 = time.time()
    c.open(path, text)
    c.diagnostics(path, timeout=120)
    first = (time.time() - t0) * 1e3
    rss0 = rss_kb(c.proc.pid)
    times = []
    lines = text.count("\n")
    for v in range(2, a.edits + 2):
        # Alternately add and remove a line at the end of the file.
        if v % 2 == 0:
            change = {"range": lsp.rng(lines, 0, lines, 0), "text": "x = 1\n"}
        else:
            change = {"range": lsp.rng(lines, 0, lines + 1, 0), "text": ""}
        t = time.time()
        c.change(path, v, [change])
        m = c.wait(lambda m: m.get("method") ==
                   "textDocument/publishDiagnostics" and
                   m["params"].get("version") == v, timeout=120)
        if m is None:
            print("no diagnostics for version %d" % v, file=sys.stderr)
            break
        times.append((time.time() - t) * 1e3)
    rss1 = rss_kb(c.proc.pid)
    c.call("shutdown")
    c.notify("exit")
    c.finish()
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    times.sort()
    print("first check %.0f ms; %d edits: median %.1f ms, p90 %.1f ms, "
          "max %.1f ms; RSS %d -> %d KB"
          % (first, len(times), statistics.median(times),
             times[int(len(times) * 0.9) - 1] if times else 0,
             times[-1] if times else 0, rss0, rss1))


if __name__ == "__main__":
    main()
