#!/usr/bin/env python3
"""Golden-output tests: the exact `asynclint check` text output of fixtures.

Each tests/golden/<name>.txt starts with header lines, then holds the exact
stdout of the run:

    # fixture: fixtures/ASL3xx/ASL301_basic.py
    # args: --select ASL001          (optional; extra options, shell-split)
    fixtures/ASL3xx/ASL301_basic.py:13:5: ASL301 Result of ...
    ...
    Found 19 findings.

The run is `asynclint check --no-respect-gitignore [ARGS] FIXTURE` from the
repository root; its stdout must equal the rest of the file byte for byte,
and its exit status must be 0 or 1.

Usage:
    ASYNCLINT=BINARY python3 tests/golden/run_golden.py [BINARY]
    ASL_UPDATE_GOLDEN=1 ... run_golden.py         # rewrite every golden file
    ... run_golden.py --add fixtures/ASL3xx/x.py  # create tests/golden/x.txt
Options --dir DIR (golden files) and --root DIR (where runs start) exist for
testing this script. The last line printed is exactly "N passed, N failed".
"""

import difflib
import glob
import os
import re
import shlex
import subprocess
import sys

TIMEOUT = 10
HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = re.compile(rb"^# (fixture|args): ?(.*?)\r?$")


def parse_golden(data):
    """Returns (header lines, fixture, extra args, expected stdout)."""
    lines = data.split(b"\n")
    header, fixture, args = [], None, []
    for line in lines:
        m = HEADER.match(line)
        if not m:
            break
        header.append(line)
        value = m.group(2).decode("utf-8", "surrogateescape")
        if m.group(1) == b"fixture":
            fixture = value.strip()
        else:
            args += shlex.split(value)
    body = b"\n".join(lines[len(header):])
    return header, fixture, args, body


def run(binary, root, fixture, args):
    argv = [binary, "check", "--no-respect-gitignore"] + args + [fixture]
    try:
        p = subprocess.run(argv, cwd=root, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, b"", ("timed out after %d s: %r" % (TIMEOUT, argv)).encode()
    return p.returncode, p.stdout, p.stderr


def show_diff(expected, actual):
    a = expected.decode("utf-8", "replace").splitlines(keepends=True)
    b = actual.decode("utf-8", "replace").splitlines(keepends=True)
    for line in difflib.unified_diff(a, b, "expected", "actual"):
        sys.stdout.write("    " + line if line.endswith("\n")
                         else "    " + line + "\n    \\ no newline\n")


def golden_name(fixture):
    base = os.path.basename(os.path.normpath(fixture))
    if base.endswith(".py"):
        base = base[:-3]
    return base + ".txt"


def main(argv):
    args = list(argv[1:])
    gdir, root, add = HERE, os.path.dirname(os.path.dirname(HERE)), []

    def take(flag):
        i = args.index(flag)
        if i + 1 >= len(args):
            sys.exit("run_golden.py: %s needs a value" % flag)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    while "--dir" in args:
        gdir = os.path.abspath(take("--dir"))
    while "--root" in args:
        root = os.path.abspath(take("--root"))
    while "--add" in args:
        add.append(take("--add"))
    binary = args[0] if args else os.environ.get("ASYNCLINT")
    if not binary or not os.access(binary, os.X_OK):
        print("run_golden.py: set ASYNCLINT or pass the asynclint binary "
              "(got %r)" % binary)
        print("0 passed, 1 failed")
        return 2
    binary = os.path.abspath(binary)
    update = os.environ.get("ASL_UPDATE_GOLDEN") == "1"

    added = set()
    for fixture in add:
        rel = os.path.relpath(os.path.abspath(fixture), root)
        target = os.path.join(gdir, golden_name(rel))
        if os.path.exists(target):
            print("exists: %s (use ASL_UPDATE_GOLDEN=1 to rewrite)" % target)
            continue
        with open(target, "wb") as f:
            f.write(b"# fixture: " + os.fsencode(rel) + b"\n")
        print("added: %s" % os.path.relpath(target, root))
        added.add(os.path.basename(target))  # filled in below

    passed = failed = 0
    for path in sorted(glob.glob(os.path.join(gdir, "*.txt"))):
        name = os.path.basename(path)
        with open(path, "rb") as f:
            data = f.read()
        header, fixture, extra, expected = parse_golden(data)
        if not fixture:
            print("FAIL %s: first line must be '# fixture: PATH'" % name)
            failed += 1
            continue
        rc, out, err = run(binary, root, fixture, extra)
        if rc not in (0, 1):
            print("FAIL %s: `asynclint check %s` exited %s" % (
                name, " ".join(extra + [fixture]), rc))
            for line in err.decode("utf-8", "replace").splitlines():
                print("    " + line)
            failed += 1
            continue
        if update or name in added:
            new = b"\n".join(header) + b"\n" + out
            if new != data:
                with open(path, "wb") as f:
                    f.write(new)
                print("updated %s" % name)
            else:
                print("ok   %s" % name)
            passed += 1
            continue
        if out == expected:
            print("ok   %s" % name)
            passed += 1
        else:
            print("FAIL %s (%s)" % (name, fixture))
            show_diff(expected, out)
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
