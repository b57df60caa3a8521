#!/usr/bin/env python3
"""bench/fix_mutants.py - `--fix` on real code, by mutation: each project
of CORPUS_DIR is copied and mutated as mutate_await.py does (seed 1, `await`
removed from up to 200 awaited calls), then fixed with `check --fix
--unsafe-fixes --select ASL1`. Reported: fixes by rule, files changed,
files that no longer compile under this Python (must be 0), changed lines
no finding with a fix was reported on (must be 0), fixes at a mutant, and
files restored byte for byte to the original.

Usage: fix_mutants.py CORPUS_DIR BINARY
"""
import collections
import json
import os
import py_compile
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mutate_await  # noqa: E402


def python_files(root):
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith(".py"):
                p = os.path.join(d, f)
                with open(p, "rb") as fh:
                    out[p] = fh.read()
    return out


def one_project(binary, corpus, name, totals):
    src = os.path.realpath(os.path.join(corpus, name))
    tmp = tempfile.mkdtemp(prefix="asl-fix-")
    try:
        root = os.path.join(tmp, name)
        shutil.copytree(src, root, symlinks=True,
                        ignore=shutil.ignore_patterns(".git"))
        mutants = mutate_await.mutate(root, random.Random("1:%s" % name), 200)
        totals["mutants"] += len(mutants)
        before = python_files(root)
        base = ["check", "--isolated", "--unsafe-fixes", "--select", "ASL1"]
        rep = subprocess.run([binary] + base + ["--format", "json",
                                                "--exit-zero", "."],
                             cwd=root, capture_output=True)
        fixable = {(os.path.join(root, d["path"]), d["line"])
                   for d in json.loads(rep.stdout) if d.get("fix")}
        p = subprocess.run([binary] + base + ["--fix", "--fix-only",
                                              "--show-fixes", "."],
                           cwd=root, capture_output=True, text=True)
        for line in p.stdout.splitlines():
            if " x ASL" in line:
                totals["fixes " + line.split()[2]] += int(line.split()[0])
        for path, old in before.items():
            with open(path, "rb") as fh:
                new = fh.read()
            with open(os.path.join(src, os.path.relpath(path, root)), "rb") as fh:
                totals["restored to the original"] += new == fh.read()
            if new == old:
                continue
            totals["files changed"] += 1
            try:
                py_compile.compile(path, doraise=True,
                                   cfile=os.path.join(tmp, "x.pyc"))
            except py_compile.PyCompileError as e:
                totals["files not compiling"] += 1
                print("does not compile: %s" % e)
            for i, (a, b) in enumerate(zip(old.split(b"\n"), new.split(b"\n"))):
                if a != b and (path, i + 1) not in fixable:
                    totals["changed lines not reported"] += 1
                    print("not reported: %s:%d" % (path, i + 1))
        at = {(os.path.join(root, m[0]), m[1]) for m in mutants}
        totals["fixes at a mutant"] += len(at & fixable)
    finally:
        shutil.rmtree(tmp)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    corpus, binary = argv[1], os.path.abspath(argv[2])
    totals = collections.Counter()
    for name in sorted(os.listdir(corpus)):
        if os.path.isdir(os.path.join(corpus, name)):
            one_project(binary, corpus, name, totals)
    for k in ("mutants", "fixes ASL101", "fixes ASL103", "fixes ASL104",
              "fixes ASL105", "files changed", "files not compiling",
              "changed lines not reported", "fixes at a mutant",
              "restored to the original"):
        print("%-28s %d" % (k, totals[k]))
    return 1 if totals["files not compiling"] or \
        totals["changed lines not reported"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
