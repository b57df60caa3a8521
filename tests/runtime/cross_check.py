"""cross_check.py ASYNCLINT [FIXTURE...] - runs every runtime fixture (and
every fix's `.fixed` twin, against its FIXED- lines) twice:
under the C runtime (`asynclint run`, virtual time) and under real CPython
asyncio with every wait scaled by FACTOR (asyncio.sleep, asyncio.wait_for,
asyncio.timeout and time.sleep are patched), and asserts the same stdout,
the same exit status and exception, the expected stderr lines in both, and
a real elapsed time within tolerance of the virtual elapsed x FACTOR.
A difference is a runtime bug, never a reason to loosen the check.
Stdlib only."""

import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fixture_spec import read_spec  # noqa: E402
from check_fixture import run_c  # noqa: E402

FACTOR = 0.1
# Real asyncio pays for interpreter start-up work and its own callbacks:
# allow a fixed slack plus a share of the scaled time.
ABS_TOL = 0.040
REL_TOL = 0.10

PRELUDE = r'''
import asyncio, gc, runpy, sys, time
F = float(sys.argv[2])
_sleep, _wait_for, _timeout, _tsleep = (asyncio.sleep, asyncio.wait_for,
                                        asyncio.timeout, time.sleep)
_calls = []
async def sleep(delay, result=None):
    return await _sleep(delay * F, result)
async def wait_for(fut, timeout):
    return await _wait_for(fut, None if timeout is None else timeout * F)
def timeout(delay):
    return _timeout(None if delay is None else delay * F)
def tsleep(secs):
    _tsleep(secs * F)
_run = asyncio.run
def run(main, **kw):
    _calls.append(1)
    return _run(main, **kw)
for fn, name in ((sleep, "sleep"), (wait_for, "wait_for")):
    fn.__name__ = fn.__qualname__ = name
asyncio.sleep, asyncio.wait_for, asyncio.timeout, asyncio.run = (
    sleep, wait_for, timeout, run)
time.sleep = tsleep
t0 = time.monotonic()
rc = 0
try:
    g = runpy.run_path(sys.argv[1], run_name="__main__")
    m = g.get("main")
    if not _calls and m is not None and asyncio.iscoroutinefunction(m):
        _run(m())
except BaseException as e:
    gc.collect()
    sys.stdout.flush()
    msg = str(e)
    sys.stderr.write("\nRAISED " + type(e).__name__ + (": " + msg if msg else "") + "\n")
    rc = 1
gc.collect()
sys.stdout.flush()
sys.stderr.write("\nELAPSED %.6f\n" % (time.monotonic() - t0))
sys.exit(rc)
'''


def run_py(path):
    p = subprocess.run([sys.executable, "-c", PRELUDE, path, str(FACTOR)],
                       capture_output=True, text=True, timeout=120)
    elapsed, raised = None, None
    for line in p.stderr.splitlines():
        if line.startswith("ELAPSED "):
            elapsed = float(line[len("ELAPSED "):])
        elif line.startswith("RAISED "):
            raised = line[len("RAISED "):]
    return p.returncode, p.stdout, p.stderr, elapsed, raised


def cross_check(asynclint, path):
    spec = read_spec(path)
    if spec is None:
        return None
    c_rc, c_out, c_err, c_el, c_sum = run_c(asynclint, path)
    p_rc, p_out, p_err, p_el, p_sum = run_py(path)
    bad = []
    if c_out != p_out:
        bad.append(f"stdout differs:\n--- C runtime\n{c_out}--- CPython\n{p_out}")
    if c_rc != p_rc:
        bad.append(f"exit: C runtime {c_rc}, CPython {p_rc}\n{c_err}\n{p_err}")
    if c_sum != p_sum:
        bad.append(f"exception: C runtime {c_sum!r}, CPython {p_sum!r}")
    for s in spec["stderr"]:
        if s not in p_err:
            bad.append(f"CPython's stderr lacks {s!r}:\n{p_err}")
        if s not in c_err:
            bad.append(f"the C runtime's stderr lacks {s!r}")
    for s in spec["gone"]:
        if s in p_err:
            bad.append(f"the fix left {s!r} in CPython's stderr:\n{p_err}")
    if c_el is None or p_el is None:
        bad.append(f"no elapsed time (C {c_el}, CPython {p_el})")
    else:
        want = c_el * FACTOR
        tol = ABS_TOL + REL_TOL * want
        if not (want - 0.002 <= p_el <= want + tol):
            bad.append(f"elapsed: CPython {p_el:.4f} s, C runtime {c_el:.3f} x "
                       f"{FACTOR} = {want:.4f} s (tolerance +{tol:.4f})")
    return bad, c_el, p_el


def main():
    asynclint = sys.argv[1]
    # The fixtures, and the twins their fixes give (`X.py.fixed`).
    paths = sys.argv[2:] or sorted(
        glob.glob(os.path.join(HERE, "..", "..", "fixtures", "runtime",
                               "*.py")) +
        glob.glob(os.path.join(HERE, "..", "..", "fixtures", "runtime",
                               "*.py.fixed")))
    passed = failed = 0
    for path in paths:
        # Real time on a loaded machine can only run late, never early: a
        # run that a stall pushed out of step is repeated (up to 5 runs),
        # each held to the same check.
        for attempt in range(5):
            r = cross_check(asynclint, path)
            if r is None or not r[0]:
                break
        if r is None:
            continue
        bad, c_el, p_el = r
        name = os.path.relpath(path)
        if bad:
            failed += 1
            print(f"FAIL {name}")
            for b in bad:
                print("  " + b.replace("\n", "\n  "))
        else:
            passed += 1
            print(f"ok   {name}  virtual {c_el:.3f} s, CPython {p_el:.4f} s "
                  f"(x{FACTOR})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
