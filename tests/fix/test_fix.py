#!/usr/bin/env python3
"""Fix fixtures and the fix engine's edge cases (issue 18).

1. Every fixture with a fixable finding has a `.fixed` twin (`X.py` ->
   `X.py.fixed`, also inside a multi-file fixture folder): `check --fix
   --unsafe-fixes` on a copy must give it byte for byte, change no file
   without a twin, give no change when run again (idempotent), and leave
   every file compiling under CPython. ASL_UPDATE_FIXED=1 writes the twins.
2. `--diff` prints what `--fix` would write (checked with patch(1) when
   installed), exits 1, and changes nothing; `--fix-only`, `--show-fixes`,
   unsafe fixes only with --unsafe-fixes, `unfixable` in the configuration.
3. Hostile text: CRLF, tabs, a byte-order mark, invalid UTF-8 around the
   edit, no newline at the end, 100,000 findings in one file, a read-only
   file (reported, not changed, exit 2).

Usage: test_fix.py ASYNCLINT
"""
import os
import py_compile
import shutil
import stat
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "fixtures")
UPDATE = os.environ.get("ASL_UPDATE_FIXED") == "1"
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(binary, args, cwd):
    return subprocess.run([binary, "check", "--isolated"] + args, cwd=cwd,
                          capture_output=True)


def fixture_args(path):
    """The options a fixture's header gives (as the harness reads them):
    `# RULES: ASL1` selects; `# ARGS:` adds flags."""
    first = path if os.path.isfile(path) else None
    if first is None:
        for d, _, fs in sorted(os.walk(path)):
            for f in sorted(fs):
                if f.endswith(".py") and first is None:
                    with open(os.path.join(d, f), encoding="utf-8",
                              errors="replace") as fh:
                        if "# RULES:" in fh.read(4096):
                            first = os.path.join(d, f)
    args = []
    if first:
        with open(first, encoding="utf-8", errors="replace") as fh:
            for line in fh.read(4096).splitlines():
                if line.startswith("# RULES:"):
                    args += ["--select", line.split(":", 1)[1].strip()]
    return args


def python_files(root):
    out = []
    for d, _, fs in os.walk(root):
        out += [os.path.join(d, f) for f in fs if f.endswith(".py")]
    return sorted(out)


def snapshot(root):
    return {p: open(p, "rb").read() for p in python_files(root)}


def check_fixture(binary, path):
    """Fixes a copy of fixture `path` and compares with the twins."""
    name = os.path.relpath(path, FIXTURES)
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, os.path.basename(path))
        if os.path.isdir(path):
            shutil.copytree(path, copy)
        else:
            shutil.copy(path, copy)
        where = copy if os.path.isdir(copy) else tmp
        target = "." if os.path.isdir(copy) else os.path.basename(copy)
        args = ["--fix", "--unsafe-fixes", "--exit-zero"] + fixture_args(path)
        before = snapshot(where)
        p = run(binary, args + [target], where)
        after = snapshot(where)
        changed = [f for f in after if after[f] != before.get(f)]
        if not changed:
            twins = [f for f in python_files(path if os.path.isdir(path)
                                             else os.path.dirname(path))
                     if os.path.exists(f + ".fixed") and
                     (os.path.isdir(path) or f == path)]
            check(not twins, "%s: no fix, no .fixed twin" % name)
            return
        ok = p.returncode == 0
        for f in changed:
            rel = os.path.relpath(f, where)
            orig = os.path.join(path, rel) if os.path.isdir(path) else path
            twin = orig + ".fixed"
            if UPDATE:
                with open(twin, "wb") as fh:
                    fh.write(after[f])
            ok &= os.path.exists(twin) and open(twin, "rb").read() == after[f]
            try:
                py_compile.compile(f, doraise=True, cfile=os.path.join(
                    tmp, "compiled.pyc"))
            except py_compile.PyCompileError as e:
                ok = False
                print("     does not compile: %s" % e)
        again = run(binary, args + [target], where)
        ok &= snapshot(where) == after
        check(ok and again.returncode == 0,
              "%s: fixed as its .fixed twin%s, idempotent, compiles" % (
                  name, "s" if len(changed) > 1 else ""))


def fixtures():
    out = []
    for fam in sorted(os.listdir(FIXTURES)):
        d = os.path.join(FIXTURES, fam)
        # (fixtures/runtime too: their twins are also run, tests/runtime)
        if not (fam.startswith("ASL") or fam == "runtime") or \
                not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            p = os.path.join(d, f)
            if f.endswith(".py") or os.path.isdir(p):
                out.append(p)
    return out


def engine_cases(binary):
    with tempfile.TemporaryDirectory() as tmp:
        def write(name, data):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)

        def read(name):
            return open(os.path.join(tmp, name), "rb").read()

        # CRLF, tabs, BOM, no newline at the end, invalid UTF-8 before the
        # edit on its line (a column counts it as one character).
        src = (b"\xef\xbb\xbfasync def send(x):\r\n\treturn x\r\n\r\n"
               b"async def main():\r\n\tx = '\xff\xfe'; send(1)\r\n"
               b"\tsend(2)")
        want = (b"\xef\xbb\xbfasync def send(x):\r\n\treturn x\r\n\r\n"
                b"async def main():\r\n\tx = '\xff\xfe'; await send(1)\r\n"
                b"\tawait send(2)")
        write("hostile.py", src)
        p = run(binary, ["--diff", "hostile.py"], tmp)
        check(p.returncode == 1 and read("hostile.py") == src and
              b"+\tawait send(2)" in p.stdout,
              "--diff prints the change, exits 1, writes nothing")
        if shutil.which("patch"):
            shutil.copy(os.path.join(tmp, "hostile.py"),
                        os.path.join(tmp, "patched.py"))
            diff = p.stdout.replace(b"hostile.py", b"patched.py")
            q = subprocess.run(["patch", "-p0", "--binary", "-s"], input=diff,
                               cwd=tmp, capture_output=True)
            check(q.returncode == 0 and read("patched.py") == want,
                  "patch(1) applies the --diff output")
        p = run(binary, ["--fix", "hostile.py"], tmp)
        check(p.returncode == 0 and read("hostile.py") == want,
              "--fix keeps CRLF, tabs, the BOM, the missing final newline "
              "and invalid UTF-8")
        check(b"(2 fixed, 0 remaining)" in p.stdout, "--fix's summary")

        # Safe and unsafe: ASL105 (a coroutine used as a value) is unsafe.
        write("unsafe.py", b"async def get():\n    return 1\n\n"
                           b"async def main():\n    x = get()\n"
                           b"    print(x.real)\n")
        p = run(binary, ["unsafe.py"], tmp)
        check(b"ASL105 " in p.stdout and b"[*]" not in p.stdout,
              "an unsafe fix is not marked [*] by default")
        p = run(binary, ["--fix", "unsafe.py"], tmp)
        check(b"x = get()" in read("unsafe.py") and p.returncode == 1,
              "--fix leaves an unsafe fix")
        p = run(binary, ["--unsafe-fixes", "unsafe.py"], tmp)
        check(b"ASL105 [*]" in p.stdout, "--unsafe-fixes marks it [*]")
        p = run(binary, ["--fix", "--unsafe-fixes", "--fix-only",
                         "--show-fixes", "unsafe.py"], tmp)
        check(b"x = await get()" in read("unsafe.py") and p.returncode == 0
              and b"1 x ASL105" in p.stdout and b"ASL105 [*]" not in p.stdout,
              "--fix-only --unsafe-fixes --show-fixes")

        # unfixable in the configuration.
        write("conf.py", b"async def f():\n    pass\n\nasync def g():\n"
                         b"    f()\n")
        write("asynclint.toml", b'unfixable = ["ASL101"]\n')
        p = subprocess.run([binary, "check", "--fix", "conf.py"], cwd=tmp,
                           capture_output=True)
        check(p.returncode == 1 and b"    f()" in read("conf.py"),
              "unfixable = [\"ASL101\"] keeps the finding")
        os.remove(os.path.join(tmp, "asynclint.toml"))

        # A read-only file: reported, left alone, exit 2.
        write("ro.py", b"async def f():\n    pass\n\nasync def g():\n"
                       b"    f()\n")
        os.chmod(os.path.join(tmp, "ro.py"), stat.S_IRUSR)
        if os.geteuid() != 0:  # root writes anyway
            p = run(binary, ["--fix", "ro.py"], tmp)
            check(p.returncode == 2 and b"cannot write" in p.stderr and
                  b"    f()" in read("ro.py"), "a read-only file is skipped")

        # 100,000 findings in one file, fixed in one pass.
        lines = [b"async def f():\n    pass\n\n\nasync def g():\n"]
        lines += [b"    f()\n"] * 100000
        write("many.py", b"".join(lines))
        p = run(binary, ["--fix", "--threads", "1", "many.py"], tmp)
        check(p.returncode == 0 and read("many.py").count(b"await f()")
              == 100000, "100,000 fixes in one file")


def main(argv):
    binary = os.path.abspath(argv[1])
    for f in fixtures():
        check_fixture(binary, f)
    engine_cases(binary)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
