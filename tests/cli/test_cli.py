#!/usr/bin/env python3
"""CLI contract tests for asynclint (stdlib only).

Usage:
    ASYNCLINT=/path/to/asynclint python3 tests/cli/test_cli.py [-k SUBSTR]...
    python3 tests/cli/test_cli.py /path/to/asynclint [-k SUBSTR]...

Every test works in its own temporary directory, which is also the current
directory of the binary unless a test says otherwise. Every subprocess has a
10 s timeout, so a hang is a failure, never a stuck CI job.

Some tests are tagged with what they wait for:
    [needs ASL3]       findings of the ASL301/ASL302 pass (rules/unowned_task)
    [needs gitignore]  .gitignore support in analyzer/discover.c
A failing tagged test is reported with its tag, so a failure that only waits
for one of those is told apart from a CLI bug. The last line printed is
exactly "N passed, N failed"; the exit status is 1 when anything failed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

TIMEOUT = 10
BIN = None  # set in main()

JSON_KEYS = ["path", "line", "column", "end_line", "end_column", "code",
             "name", "message", "severity"]

# One ASL301 finding at 3:5 (the create_task call, discarded).
ASL301_SRC = (b"import asyncio\n"
              b"async def main():\n"
              b"    asyncio.create_task(job())\n")
# One ASL302 finding at 3:9 (the call whose result `t` is never read).
ASL302_SRC = (b"import asyncio\n"
              b"async def main():\n"
              b"    t = asyncio.create_task(job())\n")
# ASL301 at 3:5 and ASL302 at 4:9.
BOTH_SRC = (b"import asyncio\n"
            b"async def main():\n"
            b"    asyncio.create_task(job())\n"
            b"    t = asyncio.create_task(job())\n")
CLEAN_SRC = (b"import asyncio\n"
             b"async def main():\n"
             b"    t = asyncio.create_task(job())\n"
             b"    await t\n"
             b"    await asyncio.sleep(1)\n")
# Does not parse: tree-sitter's first error is at 3:7 (the stray ':').
SYNTAX_SRC = b"import asyncio\n\ndef f(:\n    pass\n"
SYNTAX_POS = (3, 7)


def needs(tag):
    """Marks a test as waiting for a piece of work that is not finished."""
    def deco(fn):
        fn._asl_needs = tag
        return fn
    return deco


NEEDS_ASL3 = needs("needs ASL3")
NEEDS_GITIGNORE = needs("needs gitignore")


class Res:
    """One finished run of the binary."""

    def __init__(self, argv, proc):
        self.argv = argv
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    @property
    def stdout(self):
        return self.out.decode("utf-8", "replace")

    @property
    def stderr(self):
        return self.err.decode("utf-8", "replace")

    def __str__(self):
        return ("argv: %r\nexit: %s\n--- stdout ---\n%s--- stderr ---\n%s"
                % (self.argv, self.rc, self.stdout, self.stderr))


def _onerror(func, path, _exc):
    # chmod 000 files and directories: make them removable, then retry.
    try:
        os.chmod(path, 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


class Base(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="asl-cli-"))
        self.addCleanup(shutil.rmtree, self.tmp, onerror=_onerror)

    # ---- files ----------------------------------------------------------

    def path(self, rel):
        if isinstance(rel, bytes):
            return os.path.join(os.fsencode(self.tmp), rel)
        return os.path.join(self.tmp, rel)

    def write(self, rel, data):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(p, "wb") as f:
            f.write(data)
        return p

    def mkdir(self, rel):
        os.makedirs(self.path(rel), exist_ok=True)

    def git_init(self, rel="."):
        """Makes `rel` a git work tree (so .gitignore rules apply whether or
        not the implementation requires a repository, as ripgrep does)."""
        d = self.path(rel)
        if shutil.which("git"):
            subprocess.run(["git", "init", "-q", d], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=TIMEOUT)
        os.makedirs(os.path.join(d, ".git"), exist_ok=True)

    # ---- running ----------------------------------------------------------

    def run_cli(self, *args, cwd=None, stdin=None):
        argv = [BIN] + list(args)
        try:
            proc = subprocess.run(
                argv, cwd=cwd or self.tmp,
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("timed out after %d s (hang?): %r" % (TIMEOUT, argv))
        res = Res(argv, proc)
        if res.rc < 0:
            self.fail("killed by signal %d\n%s" % (-res.rc, res))
        return res

    def check(self, *args, **kw):
        return self.run_cli("check", *args, **kw)

    def check_json(self, *args, **kw):
        """Runs `check --format json ...`; the stdout must be strict UTF-8
        and exactly one JSON array. Returns (result, parsed list)."""
        res = self.check("--format", "json", *args, **kw)
        try:
            text = res.out.decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail("JSON output is not valid UTF-8 (%s)\n%s" % (e, res))
        try:
            data = json.loads(text)
        except ValueError as e:
            self.fail("stdout is not valid JSON (%s)\n%s" % (e, res))
        self.assertIsInstance(data, list, str(res))
        return res, data

    def found(self, *args, **kw):
        """(path, line, column, code) of every finding, in output order."""
        res, data = self.check_json(*args, **kw)
        return res, [(d["path"], d["line"], d["column"], d["code"])
                     for d in data]

    def found_paths(self, *args, **kw):
        """Set of paths with an ASL001 finding (every test file here is a
        SYNTAX_SRC file, so this is the set of files that were checked)."""
        res, data = self.check_json("--select", "ASL001", *args, **kw)
        self.assertIn(res.rc, (0, 1), str(res))
        return {d["path"] for d in data}

    def codes(self, *args, **kw):
        res, data = self.check_json(*args, **kw)
        return res, sorted(d["code"] for d in data)

    def assertRc(self, res, rc):
        self.assertEqual(res.rc, rc, "wrong exit status\n%s" % res)


# ---------------------------------------------------------------------------
class ExitCodes(Base):

    def test_exit_0_clean_file(self):
        self.write("ok.py", CLEAN_SRC)
        res = self.check("ok.py")
        self.assertRc(res, 0)
        self.assertEqual(res.stdout, "All checks passed!\n")

    def test_exit_0_empty_directory(self):
        self.mkdir("empty")
        res = self.check("empty")
        self.assertRc(res, 0)

    def test_exit_1_findings_asl001(self):
        self.write("e.py", SYNTAX_SRC)
        self.assertRc(self.check("--select", "ASL001", "e.py"), 1)

    @NEEDS_ASL3
    def test_exit_1_findings_asl301(self):
        self.write("a.py", ASL301_SRC)
        self.assertRc(self.check("a.py"), 1)

    def test_exit_zero_flag(self):
        self.write("e.py", SYNTAX_SRC)
        res = self.check("--exit-zero", "--select", "ASL001", "e.py")
        self.assertRc(res, 0)
        self.assertIn("ASL001", res.stdout)

    def test_exit_2_unknown_option(self):
        self.write("ok.py", CLEAN_SRC)
        res = self.check("--frobnicate", "ok.py")
        self.assertRc(res, 2)
        self.assertIn("--frobnicate", res.stderr)

    def test_exit_2_unknown_format(self):
        self.write("ok.py", CLEAN_SRC)
        self.assertRc(self.check("--format", "xml", "ok.py"), 2)

    def test_exit_2_option_without_value(self):
        self.write("ok.py", CLEAN_SRC)
        self.assertRc(self.check("ok.py", "--select"), 2)

    def test_exit_2_unknown_command(self):
        self.assertRc(self.run_cli("frobnicate"), 2)

    def test_exit_2_no_arguments(self):
        self.assertRc(self.run_cli(), 2)

    def test_exit_2_wins_over_findings(self):
        self.write("e.py", SYNTAX_SRC)
        res = self.check("--select", "ASL001", "e.py", "missing.py")
        self.assertRc(res, 2)
        self.assertIn("e.py:3:7: ASL001", res.stdout)

    def test_exit_zero_does_not_hide_unreadable_path(self):
        self.write("e.py", SYNTAX_SRC)
        res = self.check("--exit-zero", "--select", "ASL001", "e.py",
                         "missing.py")
        self.assertRc(res, 2)


# ---------------------------------------------------------------------------
class TextFormat(Base):

    def test_text_line_exact_asl001(self):
        self.write("e.py", SYNTAX_SRC)
        _, data = self.check_json("--select", "ASL001", "e.py")
        self.assertEqual(len(data), 1)
        msg = data[0]["message"]
        self.assertTrue(msg)
        res = self.check("--select", "ASL001", "e.py")
        self.assertRc(res, 1)
        self.assertEqual(res.stdout,
                         "e.py:3:7: ASL001 %s\nFound 1 finding.\n" % msg)

    def test_explicit_text_format_same_as_default(self):
        self.write("e.py", SYNTAX_SRC)
        a = self.check("--select", "ASL001", "e.py")
        b = self.check("--format", "text", "--select", "ASL001", "e.py")
        c = self.check("--format=text", "--select=ASL001", "e.py")
        self.assertEqual(a.out, b.out)
        self.assertEqual(a.out, c.out)

    @NEEDS_ASL3
    def test_text_line_exact_asl301(self):
        self.write("a.py", ASL301_SRC)
        res = self.check("a.py")
        self.assertRc(res, 1)
        lines = res.stdout.split("\n")
        self.assertEqual(len(lines), 3, str(res))
        self.assertRegex(lines[0], r"^a\.py:3:5: ASL301 \S.*$")
        self.assertEqual(lines[1], "Found 1 finding.")
        self.assertEqual(lines[2], "")

    @NEEDS_ASL3
    def test_text_line_exact_asl302(self):
        self.write("b.py", ASL302_SRC)
        res = self.check("b.py")
        self.assertRc(res, 1)
        self.assertRegex(res.stdout,
                         r"^b\.py:3:9: ASL302 \S[^\n]*\nFound 1 finding\.\n$")

    @NEEDS_ASL3
    def test_text_matches_json(self):
        self.write("both.py", BOTH_SRC)
        self.write("e.py", SYNTAX_SRC)
        args = ("--extend-select", "ASL001", ".")
        _, data = self.check_json(*args)
        self.assertEqual(len(data), 3, data)
        res = self.check(*args)
        want = "".join("%s:%d:%d: %s %s\n" % (d["path"], d["line"],
                                             d["column"], d["code"],
                                             d["message"]) for d in data)
        self.assertEqual(res.stdout, want + "Found 3 findings.\n")

    def test_summary_plural(self):
        self.write("a.py", SYNTAX_SRC)
        self.write("b.py", SYNTAX_SRC)
        res = self.check("--select", "ASL001")
        self.assertRc(res, 1)
        self.assertTrue(res.stdout.endswith("\nFound 2 findings.\n"), res)
        self.assertEqual(len(res.stdout.splitlines()), 3)

    def test_summary_clean(self):
        self.write("ok.py", CLEAN_SRC)
        res = self.check()
        self.assertRc(res, 0)
        self.assertEqual(res.stdout, "All checks passed!\n")

    def test_quiet_has_no_summary(self):
        self.write("e.py", SYNTAX_SRC)
        for q in ("-q", "--quiet"):
            res = self.check(q, "--select", "ASL001", "e.py")
            self.assertRc(res, 1)
            lines = res.stdout.splitlines()
            self.assertEqual(len(lines), 1, str(res))
            self.assertTrue(lines[0].startswith("e.py:3:7: ASL001 "))

    def test_quiet_clean_prints_nothing(self):
        self.write("ok.py", CLEAN_SRC)
        res = self.check("-q", "ok.py")
        self.assertRc(res, 0)
        self.assertEqual(res.out, b"")

    def test_default_path_is_cwd(self):
        self.write("sub/e.py", SYNTAX_SRC)
        res = self.check("--select", "ASL001")
        self.assertRc(res, 1)
        self.assertTrue(res.stdout.startswith("sub/e.py:3:7: ASL001 "), res)

    def test_double_dash_ends_options(self):
        self.write("-x.py", SYNTAX_SRC)
        res = self.check("--select", "ASL001", "--", "-x.py")
        self.assertRc(res, 1)
        self.assertTrue(res.stdout.startswith("-x.py:3:7: ASL001 "), res)


# ---------------------------------------------------------------------------
class JsonFormat(Base):

    def assertFinding(self, d):
        # `fix` only when the finding has one (ruff's shape).
        fix = d.get("fix")
        keys = [k for k in d.keys() if k != "fix"]
        self.assertEqual(sorted(keys), sorted(JSON_KEYS), d)
        if fix is not None:
            self.assertIn(fix["applicability"], ("safe", "unsafe"), d)
            self.assertIsInstance(fix["message"], str, d)
            for e in fix["edits"]:
                self.assertEqual(sorted(e), ["content", "end_location",
                                             "location"], d)
        for k in ("line", "column", "end_line", "end_column"):
            self.assertIsInstance(d[k], int, (k, d))
            self.assertNotIsInstance(d[k], bool, (k, d))
            self.assertGreaterEqual(d[k], 1, (k, d))
        for k in ("path", "code", "name", "message", "severity"):
            self.assertIsInstance(d[k], str, (k, d))
        self.assertGreaterEqual((d["end_line"], d["end_column"]),
                                (d["line"], d["column"]), d)
        self.assertIn(d["severity"], ("error", "warning"), d)
        self.assertRegex(d["code"], r"^ASL\d{3}$")
        self.assertTrue(d["message"])

    def rules_table(self):
        res = self.run_cli("rules")
        table = {}
        for line in res.stdout.splitlines():
            parts = line.split()
            if parts and re.match(r"^ASL\d{3}$", parts[0]):
                table[parts[0]] = parts[1]
        return table

    def test_json_keys_exact_asl001(self):
        self.write("e.py", SYNTAX_SRC)
        res, data = self.check_json("--select", "ASL001", "e.py")
        self.assertRc(res, 1)
        self.assertEqual(len(data), 1)
        d = data[0]
        self.assertFinding(d)
        self.assertEqual((d["path"], d["line"], d["column"], d["code"]),
                         ("e.py",) + SYNTAX_POS + ("ASL001",))
        self.assertEqual(d["name"], self.rules_table()["ASL001"])

    @NEEDS_ASL3
    def test_json_keys_exact_asl3(self):
        self.write("both.py", BOTH_SRC)
        res, data = self.check_json("both.py")
        self.assertRc(res, 1)
        table = self.rules_table()
        for d in data:
            self.assertFinding(d)
            self.assertEqual(d["name"], table[d["code"]], d)
        self.assertEqual([(d["path"], d["line"], d["column"], d["code"])
                          for d in data],
                         [("both.py", 3, 5, "ASL301"),
                          ("both.py", 4, 9, "ASL302")])
        # The whole call expression: `asyncio.create_task(job())`.
        self.assertEqual((data[0]["end_line"], data[0]["end_column"]),
                         (3, 31))

    def test_json_empty_array_when_clean(self):
        self.write("ok.py", CLEAN_SRC)
        res, data = self.check_json("ok.py")
        self.assertRc(res, 0)
        self.assertEqual(data, [])

    def test_json_has_no_summary_or_warnings_on_stdout(self):
        self.write("e.py", SYNTAX_SRC)
        self.write("f.py", SYNTAX_SRC)
        res, data = self.check_json("--select", "ASL001")  # parses whole
        self.assertEqual(len(data), 2)
        self.assertNotIn("Found", res.stdout)
        self.assertNotIn("warning", res.stdout)

    def test_json_sorted_by_path(self):
        names = ["zz.py", "b.py", "sub/c.py", "a_b.py", "A.py", "a.py",
                 "sub/a/b.py", "sub-x.py"]
        for n in names:
            self.write(n, SYNTAX_SRC)
        res, got = self.found("--select", "ASL001", "zz.py", "sub", ".")
        self.assertRc(res, 1)
        self.assertEqual([g[0] for g in got], sorted(names))
        # Text output in the same order.
        res = self.check("--select", "ASL001", "zz.py", "sub", ".")
        self.assertEqual([l.split(":")[0] for l in res.stdout.splitlines()
                          if ": ASL001 " in l], sorted(names))

    @NEEDS_ASL3
    def test_json_sorted_by_line_column_code(self):
        line4 = b"    asyncio.create_task(a()); asyncio.ensure_future(b())\n"
        src = (b"import asyncio\n"
               b"async def main():\n"
               b"    t = asyncio.create_task(job())\n"
               + line4 +
               b"    loop = asyncio.get_running_loop()\n"
               b"    loop.create_task(c())\n")
        self.write("m.py", src)
        self.write("a.py", ASL301_SRC)
        res, got = self.found("m.py", "a.py")
        self.assertRc(res, 1)
        col2 = line4.index(b"asyncio.ensure_future") + 1
        self.assertEqual(got, [("a.py", 3, 5, "ASL301"),
                               ("m.py", 3, 9, "ASL302"),
                               ("m.py", 4, 5, "ASL301"),
                               ("m.py", 4, col2, "ASL301"),
                               ("m.py", 6, 5, "ASL301")])

    def test_json_path_relative_to_cwd(self):
        self.write("sub/x.py", SYNTAX_SRC)
        absf = self.path("sub/x.py")
        absd = self.path("sub")
        for arg in ("sub/x.py", "./sub/x.py", absf, "sub", "./sub", "sub/",
                    absd, ".", self.tmp, "sub//x.py", "./sub/./x.py"):
            with self.subTest(arg=arg):
                self.assertEqual(self.found_paths(arg), {"sub/x.py"})

    def test_json_path_outside_cwd_as_typed(self):
        self.write("sub/x.py", SYNTAX_SRC)
        self.mkdir("other")
        cwd = self.path("other")
        self.assertEqual(self.found_paths("../sub/x.py", cwd=cwd),
                         {"../sub/x.py"})
        absf = self.path("sub/x.py")
        self.assertEqual(self.found_paths(absf, cwd=cwd), {absf})

    def test_json_same_file_named_twice_reported_once(self):
        self.write("sub/x.py", SYNTAX_SRC)
        res, got = self.found("--select", "ASL001", "sub", "sub/x.py",
                              "./sub/x.py", self.path("sub/x.py"))
        self.assertEqual(got, [("sub/x.py", 3, 7, "ASL001")])

    def test_json_invalid_utf8_source_asl001(self):
        src = (b"# caf\xe9 \xff\xfe \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80\n"
               b"x = '\xff\x00\x1b\x7f'\r\n" + SYNTAX_SRC)
        self.write("bad.py", src)
        res, data = self.check_json("--select", "ASL001", "bad.py")
        self.assertRc(res, 1)
        self.assertEqual([d["code"] for d in data], ["ASL001"])

    @NEEDS_ASL3
    def test_json_invalid_utf8_source_asl301(self):
        src = (b"import asyncio\n"
               b"async def main():\n"
               b"    asyncio.create_task(job('\xff\xfe\xc3\x28\x1b'))\n")
        self.write("bad.py", src)
        res, got = self.found("bad.py")
        self.assertRc(res, 1)
        self.assertEqual(got, [("bad.py", 3, 5, "ASL301")])

    def test_json_valid_for_odd_identifiers(self):
        # Whatever the rules put in messages (names included), the JSON must
        # stay valid: non-ASCII, invalid UTF-8 and control bytes in names.
        src = (b"import asyncio\n"
               b"async def main():\n"
               b"    t\xc3\xa2che = asyncio.create_task(job())\n"
               b"    t\xff\"\\ = asyncio.create_task(job())\n"
               b"    asyncio.create_task(j\xffob\x01())\n"
               b"    x\x0c = asyncio.create_task(job())\n")
        self.write("odd.py", src)
        res, data = self.check_json("--extend-select", "ASL001", "odd.py")
        self.assertIn(res.rc, (0, 1), str(res))
        for d in data:
            self.assertEqual(d["path"], "odd.py")

    @NEEDS_ASL3
    def test_line_endings_and_bom(self):
        for name, src in (("crlf", ASL301_SRC.replace(b"\n", b"\r\n")),
                          ("cr", ASL301_SRC.replace(b"\n", b"\r")),
                          ("bom", b"\xef\xbb\xbf" + ASL301_SRC),
                          ("bom-crlf", b"\xef\xbb\xbf" +
                           ASL301_SRC.replace(b"\n", b"\r\n"))):
            with self.subTest(variant=name):
                self.write(name + ".py", src)
                res, got = self.found(name + ".py")
                self.assertEqual(got, [(name + ".py", 3, 5, "ASL301")],
                                 str(res))

    def test_json_invalid_utf8_file_name_asl001(self):
        name = b"bad\xff\xfe.py"
        self.write(name, SYNTAX_SRC)
        res, data = self.check_json("--select", "ASL001", ".")
        self.assertRc(res, 1)
        self.assertEqual(len(data), 1, data)
        self.assertTrue(data[0]["path"].startswith("bad"), data)
        self.assertTrue(data[0]["path"].endswith(".py"), data)
        # Named explicitly too.
        res, data = self.check_json("--select", "ASL001", name)
        self.assertRc(res, 1)
        self.assertEqual(len(data), 1, data)

    @NEEDS_ASL3
    def test_json_invalid_utf8_file_name_asl301(self):
        self.write(b"dir\xff/t\xe9st.py", ASL301_SRC)
        res, data = self.check_json(".")
        self.assertRc(res, 1)
        self.assertEqual([(d["line"], d["column"], d["code"]) for d in data],
                         [(3, 5, "ASL301")])

    def test_json_escapes_in_file_name(self):
        name = 'we"ird\\na\tme\n\x01.py'
        self.write(name, SYNTAX_SRC)
        res, data = self.check_json("--select", "ASL001", ".")
        self.assertRc(res, 1)
        self.assertEqual([d["path"] for d in data], [name])

    def test_json_with_unreadable_path_still_valid(self):
        self.write("e.py", SYNTAX_SRC)
        res, data = self.check_json("--select", "ASL001", "e.py", "nope.py")
        self.assertRc(res, 2)
        self.assertEqual([d["path"] for d in data], ["e.py"])
        self.assertIn("nope.py", res.stderr)

    def test_json_stdin(self):
        res, data = self.check_json("--select", "ASL001", "-",
                                    stdin=SYNTAX_SRC)
        self.assertRc(res, 1)
        self.assertEqual([(d["path"], d["line"], d["column"]) for d in data],
                         [("-", 3, 7)])


# ---------------------------------------------------------------------------
class Selection(Base):

    def setUp(self):
        super().setUp()
        self.write("both.py", BOTH_SRC)
        self.write("e.py", SYNTAX_SRC)

    def sel(self, *args):
        res, codes = self.codes(*args)
        self.assertIn(res.rc, (0, 1), str(res))
        self.assertEqual(res.rc, 1 if codes else 0, str(res))
        return codes

    @NEEDS_ASL3
    def test_default_selection(self):
        self.assertEqual(self.sel("."), ["ASL301", "ASL302"])

    @NEEDS_ASL3
    def test_select_exact_code(self):
        self.assertEqual(self.sel("--select", "ASL301", "."), ["ASL301"])
        self.assertEqual(self.sel("--select=ASL302", "."), ["ASL302"])

    @NEEDS_ASL3
    def test_select_prefix(self):
        for p in ("ASL3", "ASL30", "ALL"):
            with self.subTest(selector=p):
                self.assertEqual(self.sel("--select", p, "."),
                                 ["ASL301", "ASL302"])

    @NEEDS_ASL3
    def test_select_comma_list(self):
        self.assertEqual(self.sel("--select", "ASL301,ASL001", "."),
                         ["ASL001", "ASL301"])
        self.assertEqual(self.sel("--select", "ASL302, ASL301", "."),
                         ["ASL301", "ASL302"])

    @NEEDS_ASL3
    def test_ignore_code(self):
        self.assertEqual(self.sel("--ignore", "ASL301", "."), ["ASL302"])

    def test_ignore_prefix(self):
        self.assertEqual(self.sel("--ignore", "ASL3", "."), [])
        self.assertEqual(self.sel("--ignore", "ASL30", "."), [])

    @NEEDS_ASL3
    def test_select_then_ignore(self):
        self.assertEqual(self.sel("--select", "ASL3", "--ignore", "ASL302",
                                  "."), ["ASL301"])
        # --ignore wins whatever the order on the command line (ruff).
        self.assertEqual(self.sel("--ignore", "ASL302", "--select", "ASL3",
                                  "."), ["ASL301"])

    def test_extend_select_adds_asl001(self):
        codes = self.sel("--extend-select", "ASL001", ".")
        self.assertIn("ASL001", codes)

    @NEEDS_ASL3
    def test_extend_select_keeps_defaults(self):
        self.assertEqual(self.sel("--extend-select", "ASL001", "."),
                         ["ASL001", "ASL301", "ASL302"])
        self.assertEqual(self.sel("--select", "ASL301", "--extend-select",
                                  "ASL302", "."), ["ASL301", "ASL302"])
        self.assertEqual(self.sel("--extend-select", "ASL001",
                                  "--extend-select", "ASL3", "--ignore",
                                  "ASL301", "."), ["ASL001", "ASL302"])

    def test_select_asl001_only(self):
        self.assertEqual(self.sel("--select", "ASL001", "."), ["ASL001"])

    def test_unknown_selectors_exit_2(self):
        cases = [("--select", "FOO"), ("--select", "ASL999"),
                 ("--select", "ASL3001"), ("--select", "ASL301,NOPE"),
                 ("--ignore", "XYZ1"), ("--extend-select", "ASL3X"),
                 ("--select", "ASL-301")]
        for opt, val in cases:
            with self.subTest(option=opt, value=val):
                res = self.check(opt, val, ".")
                self.assertRc(res, 2)
                bad = val.split(",")[-1]
                self.assertIn(bad, res.stderr)
                self.assertEqual(res.out, b"", "no output on a usage error")


# ---------------------------------------------------------------------------
class Noqa(Base):

    def run_line3(self, suffix, expect_suppressed, src=ASL301_SRC,
                  code="ASL301"):
        lines = src.split(b"\n")
        lines[2] = lines[2] + suffix
        self.write("n.py", b"\n".join(lines))
        res, got = self.found("n.py")
        if expect_suppressed:
            self.assertEqual(got, [], "%r should suppress\n%s" % (suffix, res))
            self.assertRc(res, 0)
        else:
            self.assertEqual([g[3] for g in got], [code],
                             "%r must not suppress\n%s" % (suffix, res))

    @NEEDS_ASL3
    def test_without_noqa_reported(self):
        self.run_line3(b"", False)

    @NEEDS_ASL3
    def test_blanket_noqa(self):
        for s in (b"  # noqa", b"  # NOQA", b"  #noqa", b"  # NoQa",
                  b"\t# noqa  "):
            with self.subTest(suffix=s):
                self.run_line3(s, True)

    @NEEDS_ASL3
    def test_noqa_with_codes(self):
        for s in (b"  # noqa: ASL301", b"  # noqa:ASL301",
                  b"  # noqa: ASL302, ASL301", b"  # noqa:ASL302,ASL301",
                  b"  # noqa: ASL302 ASL301", b"  # NoQA:asl301",
                  b"  # noqa: asl301"):
            with self.subTest(suffix=s):
                self.run_line3(s, True)

    @NEEDS_ASL3
    def test_noqa_prefix(self):
        for s in (b"  # noqa: ASL3", b"  # noqa: ASL30", b"  # noqa:asl3"):
            with self.subTest(suffix=s):
                self.run_line3(s, True)

    @NEEDS_ASL3
    def test_noqa_other_code_does_not_suppress(self):
        for s in (b"  # noqa: ASL302", b"  # noqa: ASL001",
                  b"  # noqa: ASL31", b"  # noqa: ASL3011"):
            with self.subTest(suffix=s):
                self.run_line3(s, False)

    @NEEDS_ASL3
    def test_noqa_after_other_comment(self):
        self.run_line3(b"  # type: ignore  # noqa: ASL301", True)

    @NEEDS_ASL3
    def test_noqa_in_string_does_not_suppress(self):
        src = (b"import asyncio\n"
               b"async def main():\n"
               b"    asyncio.create_task(job('# noqa'))\n"
               b"    asyncio.create_task(job(\"# noqa: ASL301\"))  # x\n")
        self.write("s.py", src)
        res, got = self.found("s.py")
        self.assertEqual([(g[1], g[3]) for g in got],
                         [(3, "ASL301"), (4, "ASL301")], str(res))

    @NEEDS_ASL3
    def test_noqa_on_other_line_does_not_suppress(self):
        src = (b"import asyncio  # noqa\n"
               b"async def main():  # noqa: ASL301\n"
               b"    asyncio.create_task(job())\n"
               b"    # noqa\n")
        self.write("o.py", src)
        res, got = self.found("o.py")
        self.assertEqual(got, [("o.py", 3, 5, "ASL301")], str(res))

    @NEEDS_ASL3
    def test_noqa_suppresses_only_its_line(self):
        src = BOTH_SRC.replace(b"t = asyncio.create_task(job())",
                               b"t = asyncio.create_task(job())  # noqa")
        self.write("b.py", src)
        res, got = self.found("b.py")
        self.assertEqual(got, [("b.py", 3, 5, "ASL301")], str(res))

    def test_noqa_asl001(self):
        self.write("e.py", b"import asyncio\n\ndef f(:  # noqa: ASL001\n")
        self.write("g.py", b"import asyncio\n\ndef f(:  # noqa: ASL3\n")
        self.assertEqual(self.found_paths("."), {"g.py"})

    @NEEDS_ASL3
    def test_file_level_noqa(self):
        for head in (b"# asynclint: noqa\n", b"#asynclint:noqa\n",
                     b"# ASYNCLINT: NOQA\n", b"  # asynclint: noqa\n"):
            with self.subTest(header=head):
                self.write("f.py", BOTH_SRC + head)
                res, got = self.found("f.py")
                self.assertEqual(got, [], str(res))
                self.assertRc(res, 0)

    @NEEDS_ASL3
    def test_file_level_noqa_with_codes(self):
        self.write("f.py", b"# asynclint: noqa: ASL301\n" + BOTH_SRC)
        res, got = self.found("f.py")
        self.assertEqual(got, [("f.py", 5, 9, "ASL302")], str(res))
        self.write("g.py", b"# asynclint: noqa: asl3\n" + BOTH_SRC)
        res, got = self.found("g.py")
        self.assertEqual(got, [], str(res))

    @NEEDS_ASL3
    def test_file_level_noqa_must_be_own_line(self):
        src = BOTH_SRC.replace(b"import asyncio\n",
                               b"import asyncio  # asynclint: noqa\n")
        self.write("f.py", src)
        res, got = self.found("f.py")
        self.assertEqual([g[3] for g in got], ["ASL301", "ASL302"], str(res))

    @NEEDS_ASL3
    def test_file_level_noqa_in_string_does_not_suppress(self):
        src = b'DOC = """\n# asynclint: noqa\n"""\n' + BOTH_SRC
        self.write("f.py", src)
        res, got = self.found("f.py")
        self.assertEqual([g[3] for g in got], ["ASL301", "ASL302"], str(res))

    @NEEDS_ASL3
    def test_file_level_noqa_only_its_file(self):
        self.write("f.py", b"# asynclint: noqa\n" + ASL301_SRC)
        self.write("g.py", ASL301_SRC)
        res, got = self.found(".")
        self.assertEqual(got, [("g.py", 3, 5, "ASL301")], str(res))


# ---------------------------------------------------------------------------
DEFAULT_EXCLUDED = [".git", ".venv", "venv", "__pycache__", "node_modules",
                    "build", "dist", "site-packages", ".tox", ".mypy_cache"]


class Excludes(Base):

    def test_default_excludes(self):
        for d in DEFAULT_EXCLUDED:
            self.write(d + "/bad.py", SYNTAX_SRC)
        self.write("src/bad.py", SYNTAX_SRC)
        self.write("src/build/bad.py", SYNTAX_SRC)      # nested too
        self.write("src/lib/site-packages/m/bad.py", SYNTAX_SRC)
        self.write("buildx/bad.py", SYNTAX_SRC)        # not a match
        self.assertEqual(self.found_paths(),
                         {"src/bad.py", "buildx/bad.py"})
        self.assertEqual(self.found_paths("."),
                         {"src/bad.py", "buildx/bad.py"})
        self.assertEqual(self.found_paths("src"), {"src/bad.py"})

    def test_exclude_replaces_defaults(self):
        for d in (".venv", "build", "gen"):
            self.write(d + "/bad.py", SYNTAX_SRC)
        self.write("src/bad.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths("--exclude", "gen", "."),
                         {".venv/bad.py", "build/bad.py", "src/bad.py"})

    def test_extend_exclude_keeps_defaults(self):
        for d in (".venv", "build", "gen", "tmp"):
            self.write(d + "/bad.py", SYNTAX_SRC)
        self.write("src/bad.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths("--extend-exclude", "gen", "."),
                         {"tmp/bad.py", "src/bad.py"})
        self.assertEqual(self.found_paths("--extend-exclude", "gen,tmp",
                                          "."), {"src/bad.py"})
        self.assertEqual(self.found_paths("--extend-exclude", "gen",
                                          "--extend-exclude", "tmp", "."),
                         {"src/bad.py"})

    def test_extend_exclude_file_glob(self):
        self.write("src/a_pb2.py", SYNTAX_SRC)
        self.write("src/deep/b_pb2.py", SYNTAX_SRC)
        self.write("src/c.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths("--extend-exclude", "*_pb2.py"),
                         {"src/c.py"})

    def test_extend_exclude_relative_path(self):
        self.write("src/gen/a.py", SYNTAX_SRC)
        self.write("other/gen/a.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths("--extend-exclude", "src/gen"),
                         {"other/gen/a.py"})

    def test_explicit_path_always_checked(self):
        self.write(".venv/bad.py", SYNTAX_SRC)
        self.write("build/bad.py", SYNTAX_SRC)
        self.write("gen/bad.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths(".venv/bad.py"), {".venv/bad.py"})
        self.assertEqual(self.found_paths("build"), {"build/bad.py"})
        self.assertEqual(self.found_paths("--extend-exclude", "bad.py",
                                          "gen/bad.py"), {"gen/bad.py"})
        self.assertEqual(self.found_paths("--exclude", "gen", "gen/bad.py"),
                         {"gen/bad.py"})
        self.assertEqual(self.found_paths("--extend-exclude", "*.py",
                                          "build/bad.py"), {"build/bad.py"})

    def test_explicit_non_py_file_checked(self):
        self.write("script", SYNTAX_SRC)
        self.assertEqual(self.found_paths("script"), {"script"})

    def test_symlink_loop_does_not_hang(self):
        self.write("sub/e.py", SYNTAX_SRC)
        os.symlink("..", self.path("sub/up"))
        os.symlink(".", self.path("sub/here"))
        res, got = self.found("--select", "ASL001", ".")
        self.assertIn(res.rc, (1, 2), str(res))
        self.assertEqual(got, [("sub/e.py", 3, 7, "ASL001")])

    def test_only_py_files(self):
        self.write("a.py", SYNTAX_SRC)
        self.write("b.pyi", SYNTAX_SRC)
        self.write("c.txt", SYNTAX_SRC)
        self.write("d.pyc", SYNTAX_SRC)
        self.write("script", SYNTAX_SRC)
        self.assertEqual(self.found_paths(), {"a.py", "b.pyi"})


# ---------------------------------------------------------------------------
class Gitignore(Base):

    def setUp(self):
        super().setUp()
        self.git_init()

    @NEEDS_GITIGNORE
    def test_gitignore_basic(self):
        self.write(".gitignore", "# a comment\n\nignored_dir/\n*_gen.py\n")
        self.write("ignored_dir/a.py", SYNTAX_SRC)
        self.write("x_gen.py", SYNTAX_SRC)
        self.write("sub/y_gen.py", SYNTAX_SRC)
        self.write("keep.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths(), {"keep.py"})
        self.assertEqual(self.found_paths("."), {"keep.py"})

    def test_no_respect_gitignore(self):
        self.write(".gitignore", "ignored_dir/\n*_gen.py\n")
        self.write("ignored_dir/a.py", SYNTAX_SRC)
        self.write("x_gen.py", SYNTAX_SRC)
        self.write("keep.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths("--no-respect-gitignore"),
                         {"ignored_dir/a.py", "x_gen.py", "keep.py"})

    @NEEDS_GITIGNORE
    def test_gitignore_negation(self):
        self.write(".gitignore", "gen_*.py\n!gen_keep.py\n")
        self.write("gen_a.py", SYNTAX_SRC)
        self.write("sub/gen_b.py", SYNTAX_SRC)
        self.write("gen_keep.py", SYNTAX_SRC)
        self.write("sub/gen_keep.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths(),
                         {"gen_keep.py", "sub/gen_keep.py"})

    @NEEDS_GITIGNORE
    def test_gitignore_dir_only(self):
        self.write(".gitignore", "m.py/\nout/\n")
        self.write("a/m.py", SYNTAX_SRC)            # a file: not ignored
        self.write("b/m.py/inner.py", SYNTAX_SRC)   # in a dir named m.py
        self.write("out/x.py", SYNTAX_SRC)
        self.write("src/out/y.py", SYNTAX_SRC)
        self.write("outer.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths(), {"a/m.py", "outer.py"})

    @NEEDS_GITIGNORE
    def test_gitignore_nested_and_anchored(self):
        self.write(".gitignore", "/top.py\n")
        self.write("sub/.gitignore", "local.py\n")
        for n in ("top.py", "sub/top.py", "local.py", "sub/local.py",
                  "sub/deeper/local.py", "keep.py"):
            self.write(n, SYNTAX_SRC)
        self.assertEqual(self.found_paths(),
                         {"sub/top.py", "local.py", "keep.py"})

    @NEEDS_GITIGNORE
    def test_gitignore_double_star(self):
        self.write(".gitignore", "**/gen/*.py\ndocs/**\n")
        self.write("gen/a.py", SYNTAX_SRC)
        self.write("x/y/gen/b.py", SYNTAX_SRC)
        self.write("x/gen/sub/c.py", SYNTAX_SRC)  # `*` does not cross '/'
        self.write("docs/conf.py", SYNTAX_SRC)
        self.write("docs/deep/ex.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths(), {"x/gen/sub/c.py"})

    @NEEDS_GITIGNORE
    def test_gitignore_of_parent_applies_to_subdir(self):
        self.write(".gitignore", "skip.py\n")
        self.write("sub/skip.py", SYNTAX_SRC)
        self.write("sub/keep.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths("sub"), {"sub/keep.py"})
        self.assertEqual(self.found_paths(".", cwd=self.path("sub")),
                         {"keep.py"})

    def test_explicit_path_beats_gitignore(self):
        self.write(".gitignore", "ignored_dir/\nx_gen.py\n")
        self.write("ignored_dir/a.py", SYNTAX_SRC)
        self.write("x_gen.py", SYNTAX_SRC)
        self.assertEqual(self.found_paths("ignored_dir/a.py", "x_gen.py"),
                         {"ignored_dir/a.py", "x_gen.py"})


# ---------------------------------------------------------------------------
class Unreadable(Base):

    def test_nonexistent_path(self):
        self.write("good/e.py", SYNTAX_SRC)
        res = self.check("--select", "ASL001", "missing.py", "good",
                         "also/missing")
        self.assertRc(res, 2)
        self.assertIn("missing.py", res.stderr)
        self.assertIn("also/missing", res.stderr)
        self.assertEqual(res.stdout.splitlines()[0][:18],
                         "good/e.py:3:7: ASL")
        self.assertIn("Found 1 finding; 2 paths could not be read.",
                      res.stdout)

    @NEEDS_ASL3
    def test_nonexistent_path_others_still_reported_asl301(self):
        self.write("a.py", ASL301_SRC)
        res, got = self.found("missing.py", "a.py")
        self.assertRc(res, 2)
        self.assertEqual(got, [("a.py", 3, 5, "ASL301")])
        self.assertIn("missing.py", res.stderr)

    @unittest.skipIf(os.geteuid() == 0, "root can read a chmod 000 file")
    def test_chmod_000_file(self):
        self.write("e.py", SYNTAX_SRC)
        p = self.write("secret.py", SYNTAX_SRC)
        os.chmod(p, 0)
        self.addCleanup(os.chmod, p, 0o600)
        for args in (("secret.py", "e.py"), (".",)):
            with self.subTest(args=args):
                res = self.check("--select", "ASL001", *args)
                self.assertRc(res, 2)
                self.assertIn("secret.py", res.stderr)
                self.assertIn("e.py:3:7: ASL001", res.stdout)

    @unittest.skipIf(os.geteuid() == 0, "root can read a chmod 000 directory")
    def test_chmod_000_directory(self):
        self.write("e.py", SYNTAX_SRC)
        self.write("locked/x.py", SYNTAX_SRC)
        os.chmod(self.path("locked"), 0)
        self.addCleanup(os.chmod, self.path("locked"), 0o700)
        res = self.check("--select", "ASL001", ".")
        self.assertRc(res, 2)
        self.assertIn("locked", res.stderr)
        self.assertIn("e.py:3:7: ASL001", res.stdout)

    def test_fifo_named_py_in_walk(self):
        self.write("e.py", SYNTAX_SRC)
        self.mkdir("sub")
        os.mkfifo(self.path("sub/x.py"))
        res = self.check("--select", "ASL001", ".")
        self.assertRc(res, 2)
        self.assertIn("sub/x.py", res.stderr)
        self.assertIn("e.py:3:7: ASL001", res.stdout)

    def test_fifo_named_py_explicit(self):
        self.write("e.py", SYNTAX_SRC)
        os.mkfifo(self.path("x.py"))
        res = self.check("--select", "ASL001", "x.py", "e.py")
        self.assertRc(res, 2)
        self.assertIn("x.py", res.stderr)
        self.assertIn("e.py:3:7: ASL001", res.stdout)

    def test_directory_named_py_explicit(self):
        # A directory is walked even when its name ends in .py (as ruff
        # does): its Python files are checked, and nothing hangs.
        self.write("e.py", SYNTAX_SRC)
        self.write("x.py/inner.py", SYNTAX_SRC)
        res = self.check("--select", "ASL001", "x.py", "e.py")
        self.assertRc(res, 1)
        self.assertIn("e.py:3:7: ASL001", res.stdout)
        self.assertIn("x.py/inner.py:3:7: ASL001", res.stdout)

    def test_directory_named_py_in_walk_does_not_hang(self):
        self.write("pkg/x.py/inner.py", SYNTAX_SRC)
        res = self.check("--select", "ASL001", ".")
        self.assertIn(res.rc, (1, 2), str(res))


# ---------------------------------------------------------------------------
class SyntaxErrors(Base):

    WARN = re.compile(r"^asynclint: warning: (.*):(\d+):(\d+): "
                      r"could not parse cleanly")

    def warnings(self, res):
        return [l for l in res.stderr.splitlines() if "warning" in l]

    def test_warning_names_first_error(self):
        self.write("e.py", SYNTAX_SRC)
        self.write("ok.py", CLEAN_SRC)
        res = self.check(".")
        self.assertRc(res, 0)
        self.assertEqual(res.stdout, "All checks passed!\n")
        w = self.warnings(res)
        self.assertEqual(len(w), 1, str(res))
        m = self.WARN.match(w[0])
        self.assertTrue(m, w[0])
        self.assertEqual((m.group(1), int(m.group(2)), int(m.group(3))),
                         ("e.py",) + SYNTAX_POS)

    def test_one_warning_per_file(self):
        self.write("e.py", SYNTAX_SRC + b"def g(:\n    pass\nx = )\n")
        self.write("f.py", SYNTAX_SRC)
        res = self.check(".")
        self.assertEqual(sorted(self.WARN.match(l).group(1)
                                for l in self.warnings(res)),
                         ["e.py", "f.py"], str(res))

    def test_warning_with_json_keeps_stdout_json(self):
        self.write("e.py", SYNTAX_SRC)
        res, data = self.check_json(".")
        self.assertEqual(data, [])
        self.assertEqual(len(self.warnings(res)), 1, str(res))

    def test_asl001_only_when_selected(self):
        self.write("e.py", SYNTAX_SRC)
        self.assertEqual(self.found(".")[1], [])
        for args in (("--select", "ALL"), ("--select", "ASL"),
                     ("--extend-select", "ASL3")):
            with self.subTest(args=args):
                self.assertEqual(self.found(*args, ".")[1], [])
        for args in (("--select", "ASL001"), ("--extend-select", "ASL001")):
            with self.subTest(args=args):
                res, got = self.found(*args, ".")
                self.assertRc(res, 1)
                self.assertEqual(got, [("e.py",) + SYNTAX_POS + ("ASL001",)])

    @NEEDS_ASL3
    def test_other_files_still_checked(self):
        self.write("e.py", SYNTAX_SRC)
        self.write("a.py", ASL301_SRC)
        res, got = self.found(".")
        self.assertRc(res, 1)
        self.assertEqual(got, [("a.py", 3, 5, "ASL301")])
        self.assertEqual(len(self.warnings(res)), 1)

    @NEEDS_ASL3
    def test_rest_of_damaged_file_still_checked(self):
        self.write("a.py", ASL301_SRC + b"\ndef broken(:\n    pass\n")
        res, got = self.found("--extend-select", "ASL001", "a.py")
        self.assertRc(res, 1)
        self.assertEqual([(g[1], g[3]) for g in got],
                         [(3, "ASL301"), (5, "ASL001")])


# ---------------------------------------------------------------------------
class Commands(Base):

    HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead")

    def explain_ok(self, code):
        res = self.run_cli("explain", code)
        self.assertRc(res, 0)
        for h in self.HEADINGS:
            self.assertRegex(res.stdout, r"(?m)^(#+ *)?%s:?\s*$"
                             % re.escape(h), "%s: no '%s' section\n%s"
                             % (code, h, res))
        return res

    def test_rules_lists_every_rule(self):
        res = self.run_cli("rules")
        self.assertRc(res, 0)
        codes = [l.split()[0] for l in res.stdout.splitlines() if l.strip()]
        for c in ("ASL001", "ASL301", "ASL302"):
            self.assertIn(c, codes)
        self.assertRegex(res.stdout, r"(?m)^ASL301\s+unowned-task\s+\S")

    @NEEDS_ASL3
    def test_explain_asl301(self):
        res = self.explain_ok("ASL301")
        self.assertIn("ASL301", res.stdout)
        self.assertIn("create_task", res.stdout)

    @NEEDS_ASL3
    def test_explain_every_rule(self):
        res = self.run_cli("rules")
        for code in [l.split()[0] for l in res.stdout.splitlines()
                     if l.strip()]:
            with self.subTest(code=code):
                self.explain_ok(code)

    def test_explain_asl001(self):
        self.explain_ok("ASL001")

    def test_explain_unknown(self):
        for args in (("ASL999",), ("NOPE",), (), ("ASL301", "ASL302")):
            with self.subTest(args=args):
                res = self.run_cli("explain", *args)
                self.assertRc(res, 2)
                self.assertEqual(res.out, b"")

    def test_version(self):
        for flag in ("--version", "-V"):
            res = self.run_cli(flag)
            self.assertRc(res, 0)
            self.assertRegex(res.stdout, r"^asynclint \d+\.\d+\.\d+")

    def test_help(self):
        for flag in ("--help", "-h"):
            res = self.run_cli(flag)
            self.assertRc(res, 0)
            self.assertIn("Usage", res.stdout)
            for word in ("check", "rules", "explain", "--select", "--ignore",
                         "--extend-select", "--exclude", "--extend-exclude",
                         "--format"):
                self.assertIn(word, res.stdout)

    def test_check_help(self):
        res = self.check("--help")
        self.assertRc(res, 0)
        self.assertIn("Usage", res.stdout)

    def test_stdin(self):
        res = self.check("--select", "ASL001", "-", stdin=SYNTAX_SRC)
        self.assertRc(res, 1)
        self.assertTrue(res.stdout.startswith("-:3:7: ASL001 "), res)
        self.assertTrue(res.stdout.endswith("\nFound 1 finding.\n"), res)

    def test_stdin_empty(self):
        res = self.check("-", stdin=b"")
        self.assertRc(res, 0)

    def test_stdin_with_files(self):
        self.write("e.py", SYNTAX_SRC)
        res, got = self.found("--select", "ASL001", "e.py", "-",
                              stdin=SYNTAX_SRC)
        self.assertEqual([g[0] for g in got], ["-", "e.py"])

    @NEEDS_ASL3
    def test_stdin_asl301(self):
        res = self.check("-", stdin=ASL301_SRC)
        self.assertRc(res, 1)
        self.assertRegex(res.stdout, r"^-:3:5: ASL301 \S")


# ---------------------------------------------------------------------------
class Result(unittest.TestResult):
    """Prints one line per test and remembers what each failure waits for."""

    def __init__(self):
        super().__init__()
        self.outcomes = []  # (test id, status, tag, detail)

    def _tag(self, test):
        fn = getattr(test, test._testMethodName, None)
        return getattr(fn, "_asl_needs", None)

    def _record(self, test, status, detail=""):
        # A test with failing subtests is recorded once, as failed.
        tid = test.id().replace("__main__.", "")
        for i, (t, s, _, _) in enumerate(self.outcomes):
            if t == tid:
                if status == "FAIL" and s != "FAIL":
                    self.outcomes[i] = (tid, status, self._tag(test), detail)
                elif status == "FAIL":
                    self.outcomes[i] = (tid, s, self._tag(test),
                                        self.outcomes[i][3] + "\n" + detail)
                return
        self.outcomes.append((tid, status, self._tag(test), detail))

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "ok")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "FAIL", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._record(test, "FAIL", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skip", reason)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._record(test, "FAIL", "%s\n%s" % (
                subtest._subDescription(),
                self._exc_info_to_string(err, test)))

    def stopTest(self, test):
        super().stopTest(test)
        tid = test.id().replace("__main__.", "")
        if not any(t == tid for t, _, _, _ in self.outcomes):
            self._record(test, "ok")


def main(argv):
    global BIN
    args = list(argv[1:])
    patterns = []
    while "-k" in args:
        i = args.index("-k")
        patterns.append(args[i + 1])
        del args[i:i + 2]
    BIN = args[0] if args else os.environ.get("ASYNCLINT")
    if not BIN:
        print("usage: ASYNCLINT=BINARY %s  (or: %s BINARY)" % (argv[0],
                                                              argv[0]))
        print("0 passed, 1 failed")
        return 2
    BIN = os.path.abspath(BIN)
    if not os.access(BIN, os.X_OK):
        print("asynclint binary not found or not executable: %s" % BIN)
        print("0 passed, 1 failed")
        return 2

    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for cls in (ExitCodes, TextFormat, JsonFormat, Selection, Noqa, Excludes,
                Gitignore, Unreadable, SyntaxErrors, Commands):
        for t in loader.loadTestsFromTestCase(cls):
            if not patterns or any(p in t.id() for p in patterns):
                suite.addTest(t)

    result = Result()
    suite.run(result)

    for tid, status, tag, _ in result.outcomes:
        extra = " [%s]" % tag if status == "FAIL" and tag else ""
        print("%-4s %s%s" % (status, tid, extra))
    failures = [o for o in result.outcomes if o[1] == "FAIL"]
    for tid, _, tag, detail in failures:
        print("\n" + "=" * 70)
        print("FAIL: %s%s" % (tid, " [%s]" % tag if tag else ""))
        print("-" * 70)
        print(detail.rstrip())
    passed = sum(1 for o in result.outcomes if o[1] == "ok")
    skipped = sum(1 for o in result.outcomes if o[1] == "skip")
    print()
    tags = {}
    for _, _, tag, _ in failures:
        tags[tag or "untagged: CLI behaviour"] = \
            tags.get(tag or "untagged: CLI behaviour", 0) + 1
    for tag in sorted(tags):
        print("failed, %s: %d" % (tag, tags[tag]))
    if skipped:
        print("%d skipped" % skipped)
    print("%d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
