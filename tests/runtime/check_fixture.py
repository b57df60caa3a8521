"""check_fixture.py ASYNCLINT FIXTURE... - runs each runtime fixture with
`asynclint run` and checks stdout, exit status, the exception summary, the
expected stderr lines and `elapsed=` against its header. Stdlib only."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_spec import is_fixed_twin, read_spec  # noqa: E402


def run_c(asynclint, path):
    """(exit, stdout, stderr lines, elapsed or None, summary or None)."""
    p = subprocess.run([asynclint, "run", path], capture_output=True,
                       text=True, timeout=60)
    lines = p.stderr.splitlines()
    elapsed = None
    if lines and lines[-1].startswith("elapsed="):
        elapsed = float(lines[-1][len("elapsed="):])
        lines = lines[:-1]
    summary = lines[-1] if p.returncode == 1 and lines else None
    return p.returncode, p.stdout, p.stderr, elapsed, summary


def loop_blocked(asynclint, path):
    """Does `asynclint trace` show the loop blocked at any time?"""
    p = subprocess.run([asynclint, "trace", path], capture_output=True,
                       text=True, timeout=60)
    return "BLOCKS THE LOOP" in p.stdout


def check(asynclint, path):
    spec = read_spec(path)
    if spec is None:
        return ["no '# FIXED-RUNTIME:' header: a runtime fixture with a fix "
                "states what the fixed program does" if is_fixed_twin(path)
                else "no '# RUNTIME:' header"]
    rc, out, err, elapsed, summary = run_c(asynclint, path)
    bad = []
    if rc != spec["exit"]:
        bad.append(f"exit {rc}, expected {spec['exit']}\n{err}")
    if out != spec["stdout"]:
        bad.append(f"stdout differs:\n--- got\n{out}--- expected\n{spec['stdout']}")
    if spec["elapsed"] is not None and (
            elapsed is None or abs(elapsed - spec["elapsed"]) > 0.0005):
        bad.append(f"elapsed={elapsed}, expected {spec['elapsed']}")
    if spec["raises"] is not None and summary != spec["raises"]:
        bad.append(f"raised {summary!r}, expected {spec['raises']!r}")
    for s in spec["stderr"]:
        if s not in err:
            bad.append(f"stderr lacks {s!r}:\n{err}")
    for s in spec["gone"]:
        if s in err:
            bad.append(f"the fix left {s!r} in stderr:\n{err}")
    if spec["unblocked"] and loop_blocked(asynclint, path):
        bad.append("the fixed program still blocks the loop (trace)")
    return bad


def main():
    asynclint, paths = sys.argv[1], sys.argv[2:]
    failed = 0
    for path in paths:
        bad = check(asynclint, path)
        print(("ok   " if not bad else "FAIL ") + path)
        for b in bad:
            print("  " + b.replace("\n", "\n  "))
        failed += bool(bad)
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
