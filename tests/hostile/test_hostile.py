#!/usr/bin/env python3
"""Hostile-input battery: whatever a source tree holds, asynclint must not
crash, hang or grow without bound, must say clearly what it could not read
(exit 2), must still check everything else, and must keep its output valid.

Each test asserts the exit code and the message. Run with ASYNCLINT=BINARY
(or the binary as the first argument); prints "N passed, N failed".
"""
import json
import os
import resource
import shutil
import stat
import subprocess
import time
import sys
import tempfile
import unittest

BIN = None
TIMEOUT = 120  # seconds; the 10 MB line takes ~17 s (tree-sitter parse)

GOOD = b"import asyncio\n\nasync def main():\n    asyncio.create_task(job())\n"
GOOD_FINDING = "good.py:4:5: ASL301"


def run(args, cwd, stack_kb=None, stdin=None):
    def limit():
        if stack_kb:
            resource.setrlimit(resource.RLIMIT_STACK,
                               (stack_kb * 1024, stack_kb * 1024))
    return subprocess.run([BIN] + args, cwd=cwd, capture_output=True,
                          timeout=TIMEOUT, preexec_fn=limit, input=stdin)


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="asl-hostile-")
        self.write("good.py", GOOD)

    def tearDown(self):
        for root, dirs, _ in os.walk(self.dir):
            for d in dirs:
                try:
                    os.chmod(os.path.join(root, d), 0o755)
                except OSError:
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, data):
        path = os.path.join(self.dir, os.fsdecode(name))
        with open(os.fsencode(path), "wb") as f:
            f.write(data)
        return path

    def check(self, *args, stack_kb=None, fmt="text"):
        res = run(["check", "--format", fmt] + list(args), self.dir,
                  stack_kb=stack_kb)
        self.assertGreaterEqual(res.returncode, 0, "killed by a signal: %r"
                                % res.stderr[-2000:])
        return res

    def assert_still_checked(self, res):
        self.assertIn(GOOD_FINDING, res.stdout.decode("utf-8", "replace"))

    def assert_error_names(self, res, name):
        self.assertEqual(res.returncode, 2, res.stderr)
        err = res.stderr.decode("utf-8", "replace")
        self.assertIn("asynclint: error:", err)
        self.assertIn(name, err)


class Contents(Base):
    """Files whose bytes are odd: defined results, no crash."""

    def test_empty(self):
        self.write("x.py", b"")
        res = self.check(".")
        self.assertEqual(res.returncode, 1)
        self.assert_still_checked(res)

    def test_only_bom(self):
        self.write("x.py", b"\xef\xbb\xbf")
        self.assertEqual(self.check("x.py").returncode, 0)

    def test_bom_does_not_shift_columns(self):
        self.write("x.py", b"\xef\xbb\xbf" + GOOD)
        self.assertIn(b"x.py:4:5: ASL301", self.check("x.py").stdout)

    def test_utf16_is_named_and_skipped(self):
        self.write("x.py", "import asyncio\n".encode("utf-16"))
        res = self.check(".")
        self.assert_error_names(res, "x.py")
        self.assertIn(b"UTF-16", res.stderr)
        self.assert_still_checked(res)

    def test_invalid_utf8_and_nul_bytes(self):
        self.write("x.py", b"x = '\xff\xfe'\n\x00\x00\n" + GOOD)
        res = self.check("x.py", fmt="json")
        self.assertIn(res.returncode, (0, 1))
        json.loads(res.stdout.decode("utf-8"))

    def test_binary_file_named_py(self):
        self.write("x.py", bytes(range(256)) * 64)
        res = self.check(".", fmt="json")
        self.assertEqual(res.returncode, 1)
        json.loads(res.stdout.decode("utf-8"))

    def test_crlf_and_lone_cr(self):
        self.write("crlf.py", GOOD.replace(b"\n", b"\r\n"))
        self.write("cr.py", GOOD.replace(b"\n", b"\r"))
        out = self.check("crlf.py", "cr.py").stdout
        self.assertIn(b"crlf.py:4:5: ASL301", out)
        self.assertIn(b"cr.py:4:5: ASL301", out)

    def test_tabs_count_as_one_character(self):
        self.write("t.py", GOOD.replace(b"    asyncio", b"\tasyncio"))
        self.assertIn(b"t.py:4:2: ASL301", self.check("t.py").stdout)

    def test_file_over_size_limit_is_skipped_with_message(self):
        path = self.write("big.py", b"")
        with open(path, "wb") as f:
            f.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NUL bytes
        res = self.check(".")
        self.assert_error_names(res, "big.py")
        self.assertIn(b"limit", res.stderr)
        self.assert_still_checked(res)

    def test_one_10mb_line(self):
        self.write("long.py", b"x = [" + b"1, " * (10 * 1024 * 1024 // 3)
                   + b"]\n" + GOOD)
        res = self.check("long.py")
        self.assertEqual(res.returncode, 1)
        self.assertIn(b"long.py:5:5: ASL301", res.stdout)


    def test_many_top_level_defs(self):
        # 180,000 one-line top-level statements, a third of them classes
        # nothing names: parsed in parts (pieces.c), a unit must not become
        # 60,000 included ranges, which tree-sitter's lexer walks one by
        # one for every jump (quadratic).
        lines = []
        for i in range(60000):
            lines.append(b"async def a%d(): return 1\n" % i)
            lines.append(b"def s%d(): a%d()\n" % (i, i))
            lines.append(b"class C%d: pass\n" % i)
        self.write("many.py", b"".join(lines))
        fast = self.check("many.py")
        slow = self.check("--no-prefilter", "many.py")
        self.assertEqual(fast.stdout, slow.stdout)
        self.assertIn(b"many.py:2:11: ASL101", fast.stdout)


class Depth(Base):
    """Deep nesting must not overflow an 8 MB stack, nor a 1 MB one."""

    def deep_cases(self):
        self.write("brackets.py", b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n")
        lines = [b" " * i + b"if x:\n" for i in range(5000)]
        self.write("ifs.py", b"".join(lines) + b" " * 5000 + b"pass\n")
        body = b"".join(b"    await f(%d)\n" % i for i in range(100000))
        self.write("awaits.py", b"async def f(x):\n    pass\n\n"
                   b"async def main():\n" + body)

    def test_deep_inputs_8mb_stack(self):
        self.deep_cases()
        res = self.check(".", stack_kb=8192)
        self.assertEqual(res.returncode, 1, res.stderr[-500:])
        self.assert_still_checked(res)

    def test_deep_inputs_1mb_stack(self):
        self.deep_cases()
        res = self.check(".", stack_kb=1024)
        self.assertEqual(res.returncode, 1, res.stderr[-500:])
        self.assert_still_checked(res)


class Repetition(Base):
    """Work per construct must not grow with how often a name repeats."""

    def test_many_calls_through_one_self_attribute(self):
        # Each `self.client.get()` asks what `self.client` holds; answers
        # are remembered per (class, attribute), or this is quadratic.
        calls = b"".join(b"        self.client.get(%d)\n" % i
                         for i in range(30000))
        self.write("svc.py", b"import asyncio\n\n\nclass Client:\n"
                   b"    async def get(self, i):\n        return i\n\n\n"
                   b"class Service:\n    def __init__(self):\n"
                   b"        self.client = Client()\n\n"
                   b"    def run(self):\n" + calls)
        t0 = time.monotonic()
        res = self.check(".", fmt="json")
        self.assertEqual(res.returncode, 1, res.stderr[-500:])
        self.assertGreaterEqual(len(json.loads(res.stdout)), 30000)
        self.assertLess(time.monotonic() - t0, 60)


class Paths(Base):
    """Odd paths: each unreadable one is named, exit 2, the rest checked."""

    def test_directory_named_py_is_walked(self):
        os.mkdir(os.path.join(self.dir, "x.py"))
        self.write("x.py/inner.py", GOOD)
        res = self.check(".")
        self.assertEqual(res.returncode, 1)
        self.assertIn(b"x.py/inner.py:4:5", res.stdout)

    def test_fifo_named_py_does_not_hang(self):
        os.mkfifo(os.path.join(self.dir, "x.py"))
        res = self.check(".")
        self.assert_error_names(res, "x.py")
        self.assertIn(b"not a regular file", res.stderr)
        self.assert_still_checked(res)

    def test_broken_symlink(self):
        os.symlink("nowhere.py", os.path.join(self.dir, "x.py"))
        res = self.check(".")
        self.assert_error_names(res, "x.py")
        self.assert_still_checked(res)

    def test_symlink_loop(self):
        os.symlink("b.py", os.path.join(self.dir, "a.py"))
        os.symlink("a.py", os.path.join(self.dir, "b.py"))
        os.symlink(".", os.path.join(self.dir, "loopdir"))
        res = self.check(".")
        self.assert_error_names(res, "a.py")
        self.assert_still_checked(res)

    @unittest.skipIf(os.geteuid() == 0 and not shutil.which("setpriv"),
                     "root reads everything; setpriv is missing")
    def test_unreadable_file(self):
        path = self.write("x.py", GOOD)
        os.chmod(path, 0)
        os.chmod(self.dir, 0o755)
        args = ["check", "."]
        cmd = [BIN] + args
        if os.geteuid() == 0:
            # Root reads anything: drop to nobody for this case.
            for p in (self.dir, os.path.join(self.dir, "good.py")):
                os.chmod(p, os.stat(p).st_mode | stat.S_IROTH | stat.S_IXOTH)
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup",
                   "--clear-groups"] + cmd
        res = subprocess.run(cmd, cwd=self.dir, capture_output=True,
                             timeout=TIMEOUT)
        self.assert_error_names(res, "x.py")
        self.assertIn(b"Permission denied", res.stderr)
        self.assert_still_checked(res)

    def test_non_utf8_file_name(self):
        self.write(b"caf\xe9.py", GOOD)
        res = self.check(".", fmt="json")
        self.assertEqual(res.returncode, 1)
        paths = [d["path"] for d in json.loads(res.stdout.decode("utf-8"))]
        self.assertIn("caf\ufffd.py", paths)

    def test_path_that_does_not_exist(self):
        res = self.check("missing.py", "good.py")
        self.assert_error_names(res, "missing.py")
        self.assertIn(b"No such file", res.stderr)
        self.assert_still_checked(res)


def set_binary(path):
    global BIN
    BIN = path


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(
        __file__)), ".."))
    from asl_testlib import run_module
    sys.exit(run_module(__name__, sys.argv, set_binary))
