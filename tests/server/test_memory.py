#!/usr/bin/env python3
"""The language server's memory stays flat over many edits (issue 19):
2,000 edits of one module of a generated 100-module project (the client
of bench/server_latency.py), the server's RSS (VmRSS) sampled every 500;
the last 1,000 edits may not grow it by 10% or more. The full run
(10,000 edits) is bench/server_latency.py's --rss-every.

Usage: test_memory.py ASYNCLINT
Skipped (exit 77) under sanitizers (ASL_SANITIZE=ON: ASan's quarantine
holds freed memory on purpose) and where /proc/PID/status has no VmRSS.
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "bench"))
import server_latency as bench  # noqa: E402

EDITS, EVERY, BOUND = 2000, 500, 1.10


def main():
    if os.environ.get("ASL_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE"):
        print("SKIP: a sanitizer build keeps freed memory (quarantine)")
        sys.exit(77)
    root = tempfile.mkdtemp(prefix="asl-memory-")
    try:
        path = bench.generate(root, 100)
        c, text, _ = bench.start(sys.argv[1], root, path)
        times, rss = bench.edit_loop(c, path, text, EDITS, EVERY)
        bench.stop(c)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if not rss[0]:
        print("SKIP: no VmRSS in /proc/PID/status")
        sys.exit(77)
    print("%d edits answered; RSS (KB) before and every %d edits: %s"
          % (len(times), EVERY, rss))
    ok = len(times) == EDITS
    print(("ok   " if ok else "FAIL ") + "every edit's diagnostics came")
    mid, last = rss[EDITS // EVERY // 2], rss[-1]
    grew = last <= mid * BOUND
    print(("ok   " if grew else "FAIL ") +
          "RSS after the last 1,000 edits: %d KB, after the first 1,000: "
          "%d KB (bound +%d%%)" % (last, mid, round((BOUND - 1) * 100)))
    sys.exit(0 if ok and grew else 1)


if __name__ == "__main__":
    main()
