#!/usr/bin/env python3
"""bench/fix_corpus.py - `--fix --unsafe-fixes` on the unmutated corpus:
each project of CORPUS_DIR is copied and fixed with `check --isolated
--fix --unsafe-fixes --fix-only --show-fixes` (the default selection, or
--select CODES). Reported: fixes by rule, files changed, and files that
compiled under this Python before the fix and no longer do (must be 0;
each is printed).

Usage: fix_corpus.py CORPUS_DIR BINARY [--select CODES]
"""
import collections
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile


def python_files(root):
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.endswith(".py"):
                p = os.path.join(d, f)
                with open(p, "rb") as fh:
                    out[p] = fh.read()
    return out


def compiles(path, tmp, show=False):
    try:
        py_compile.compile(path, doraise=True,
                           cfile=os.path.join(tmp, "x.pyc"))
        return True
    except py_compile.PyCompileError as e:
        if show:
            print("does not compile: %s" % e)
        return False


def one_project(binary, corpus, name, select, totals):
    src = os.path.realpath(os.path.join(corpus, name))
    tmp = tempfile.mkdtemp(prefix="asl-fixc-")
    try:
        root = os.path.join(tmp, name)
        shutil.copytree(src, root, symlinks=True,
                        ignore=shutil.ignore_patterns(".git"))
        before = python_files(root)
        args = ["check", "--isolated", "--fix", "--unsafe-fixes",
                "--fix-only", "--show-fixes", "."]
        if select:
            args[1:1] = ["--select", select]
        p = subprocess.run([binary] + args, cwd=root, capture_output=True,
                           text=True)
        for line in p.stdout.splitlines():
            if " x ASL" in line:
                totals["fixes " + line.split()[2]] += int(line.split()[0])
        for path, old in before.items():
            with open(path, "rb") as fh:
                if fh.read() == old:
                    continue
            totals["files changed"] += 1
            if not compiles(path, tmp):
                # (A file newer than this Python, PEP 758's `except A, B:`
                # say, did not compile before the fix either.)
                with open(path + ".orig", "wb") as fh:
                    fh.write(old)
                if compiles(path + ".orig", tmp):
                    totals["files not compiling"] += 1
                    compiles(path, tmp, show=True)
                else:
                    totals["files not compiling before either"] += 1
    finally:
        shutil.rmtree(tmp)


def main(argv):
    select = None
    if "--select" in argv:
        i = argv.index("--select")
        select = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    corpus, binary = argv[1], os.path.abspath(argv[2])
    totals = collections.Counter()
    for name in sorted(os.listdir(corpus)):
        if os.path.isdir(os.path.join(corpus, name)):
            one_project(binary, corpus, name, select, totals)
    for k in sorted(totals):
        print("%-28s %d" % (k, totals[k]))
    return 1 if totals["files not compiling"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
