#!/usr/bin/env python3
"""bench/env_bench.py - what reading a Python environment costs and
gives, per project of a corpus: a virtual environment that includes the
system site-packages (on Debian, /usr/lib/python3/dist-packages: install
the projects' dependencies there with apt, python3-aiohttp and the like)
is laid out once; each project is then checked without an environment
(--python pointing nowhere is an error, so the run without hides the
environment by checking with VIRTUAL_ENV unset and no .venv) and with it
(--python VENV), several times, minimum wall time each; and the findings
of both, with a check that the pre-filter changes none of them with the
environment either.

Usage: env_bench.py CORPUS_DIR BINARY [--reps N] [--python INTERPRETER]
Prints a Markdown table (for BENCHMARKS.md) and the soundness line.
"""
import json
import os
import subprocess
import sys
import tempfile
import time


def run(binary, args, cwd):
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    t0 = time.perf_counter()
    p = subprocess.run([binary, "check", "--threads", "1", "--isolated",
                        "--format", "json", "--exit-zero"] + args + ["."],
                       cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode not in (0, 1):
        raise SystemExit("%s %s: exit %d: %s" % (cwd, args, p.returncode,
                                                 p.stderr[:300]))
    return dt, json.loads(p.stdout or "[]"), p.stderr


def library_files(stderr):
    for line in stderr.splitlines():
        if "from the Python environment" in line:
            return int(line.split()[1])
    return 0


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    corpus, binary = argv[1], os.path.abspath(argv[2])
    reps = int(argv[argv.index("--reps") + 1]) if "--reps" in argv else 3
    python = (argv[argv.index("--python") + 1] if "--python" in argv
              else "/usr/bin/python3")
    with tempfile.TemporaryDirectory() as tmp:
        venv = os.path.join(tmp, "venv")
        subprocess.run([python, "-m", "venv", "--without-pip",
                        "--system-site-packages", venv], check=True)
        print("| project | files | without (min) | with the environment (min) "
              "| ratio | library files read | ASL1 findings without / with |")
        print("|---|---|---|---|---|---|---|")
        diffs = 0
        tot_without = tot_with = 0.0
        for name in sorted(os.listdir(corpus)):
            proj = os.path.join(corpus, name)
            if not os.path.isdir(proj):
                continue
            nfiles = sum(f.endswith(".py") for _, _, fs in os.walk(proj)
                         for f in fs)
            best = {}
            for _ in range(reps):
                for mode, args in (("without", []),
                                   ("with", ["--python", venv])):
                    dt, found, _ = run(binary, args, proj)
                    if dt < best.get(mode, (1e9,))[0]:
                        best[mode] = (dt, found)
            _, _, err = run(binary, ["--python", venv, "-v"], proj)
            _, np_found, _ = run(binary, ["--python", venv, "--no-prefilter"],
                                 proj)
            if np_found != best["with"][1]:
                diffs += 1
                print("PRE-FILTER DIFFERENCE in %s with the environment" % name,
                      file=sys.stderr)
            a1 = lambda fs: sum(f["code"].startswith("ASL1") for f in fs)
            w0, w1 = best["without"][0], best["with"][0]
            tot_without += w0
            tot_with += w1
            print("| %s | %d | %.2f s | %.2f s | %.2fx | %d | %d / %d |" % (
                name, nfiles, w0, w1, w1 / w0 if w0 else 0,
                library_files(err), a1(best["without"][1]), a1(best["with"][1])))
        print("| **all** | | %.2f s | %.2f s | %.2fx | | |" % (
            tot_without, tot_with, tot_with / tot_without))
        print("\npre-filter soundness with the environment: %d difference(s)"
              % diffs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
