#!/usr/bin/env python3
"""Configuration: [tool.asynclint] in pyproject.toml and asynclint.toml,
discovery, --config/--isolated, precedence of flags over the file, every
key, and errors that name the file, line and key (exit 2).
Prints "N passed, N failed".

Usage: ASYNCLINT=BINARY test_config.py   (or the binary as argument)
"""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from asl_testlib import TempTree, run_module  # noqa: E402

BIN = None

TASKS = (b"import asyncio\n\nasync def f():\n"
         b"    asyncio.create_task(g())\n"
         b"    t = asyncio.create_task(g())\n")


class Base(TempTree):
    PREFIX = "asl-cfg-"

    def setUp(self):
        super().setUp()
        self.write("app/a.py", TASKS)
        self.write("app/tests/test_a.py", TASKS)

    def run_check(self, *args, cwd=None):
        res = subprocess.run([BIN, "check", "-q"] + list(args),
                             cwd=cwd or self.dir, capture_output=True,
                             timeout=30)
        return (res.returncode, res.stdout.decode(), res.stderr.decode())

    def codes(self, *args, cwd=None):
        rc, out, err = self.run_check(*args, cwd=cwd)
        self.assertIn(rc, (0, 1), err)
        found = []
        for line in out.splitlines():
            path, row, _col, rest = line.split(":", 3)
            found.append("%s:%s %s" % (path, row, rest.split()[0]))
        return sorted(found)


ALL = ["app/a.py:4 ASL301", "app/a.py:5 ASL302",
       "app/tests/test_a.py:4 ASL301", "app/tests/test_a.py:5 ASL302"]


class Discovery(Base):
    def test_no_config(self):
        self.assertEqual(self.codes(), ALL)

    def test_pyproject_table(self):
        self.write("pyproject.toml", '[project]\nname = "x"\n\n'
                   '[tool.asynclint]\nignore = ["ASL302"]\n')
        self.assertEqual(self.codes(), ["app/a.py:4 ASL301",
                                        "app/tests/test_a.py:4 ASL301"])

    def test_pyproject_without_table_is_skipped(self):
        self.write("pyproject.toml", '[project]\nname = "x"\n')
        self.assertEqual(self.codes(), ALL)

    def test_asynclint_toml_wins_in_the_same_directory(self):
        self.write("pyproject.toml", '[tool.asynclint]\nignore = ["ASL3"]\n')
        self.write("asynclint.toml", 'ignore = ["ASL302"]\n')
        self.assertEqual(len(self.codes()), 2)

    def test_found_walking_up_from_the_first_path(self):
        self.write("asynclint.toml", 'select = ["ASL302"]\n')
        sub = os.path.join(self.dir, "app")
        self.assertEqual(self.codes(".", cwd=sub),
                         ["a.py:5 ASL302", "tests/test_a.py:5 ASL302"])

    def test_config_flag_and_isolated(self):
        self.write("pyproject.toml", '[tool.asynclint]\nignore = ["ASL3"]\n')
        other = self.write("conf/custom.toml", 'select = ["ASL301"]\n')
        self.assertEqual(self.codes("--config", other),
                         ["app/a.py:4 ASL301", "app/tests/test_a.py:4 ASL301"])
        self.assertEqual(self.codes("--isolated"), ALL)
        self.assertEqual(self.codes(), [])


class Precedence(Base):
    def setUp(self):
        super().setUp()
        self.write("asynclint.toml", 'select = ["ASL301"]\n')

    def test_flag_select_replaces_file_select(self):
        self.assertEqual(self.codes("--select", "ASL302"),
                         ["app/a.py:5 ASL302", "app/tests/test_a.py:5 ASL302"])

    def test_flag_extend_select_adds(self):
        self.assertEqual(self.codes("--extend-select", "ASL302"), ALL)

    def test_flag_ignore_removes_last(self):
        self.assertEqual(self.codes("--ignore", "ASL3"), [])


class Keys(Base):
    def test_extend_select_and_ignore(self):
        self.write("asynclint.toml", 'select = ["ASL1"]\n'
                   'extend-select = ["ASL3"]\nignore = ["ASL301"]\n')
        self.assertEqual(self.codes(), ["app/a.py:5 ASL302",
                                        "app/tests/test_a.py:5 ASL302"])

    def test_exclude_and_flag_override(self):
        self.write("asynclint.toml", 'exclude = ["tests"]\n')
        self.assertEqual(self.codes(), ["app/a.py:4 ASL301",
                                        "app/a.py:5 ASL302"])
        # --exclude on the command line replaces the file's exclude.
        self.assertEqual(self.codes("--exclude", "a.py"),
                         ["app/tests/test_a.py:4 ASL301",
                          "app/tests/test_a.py:5 ASL302"])

    def test_extend_exclude(self):
        self.write("asynclint.toml", 'extend-exclude = ["app/tests/*"]\n')
        self.assertEqual(self.codes(), ["app/a.py:4 ASL301",
                                        "app/a.py:5 ASL302"])

    def test_per_file_ignores_table_and_inline(self):
        self.write("asynclint.toml", '[per-file-ignores]\n'
                   '"app/tests/*" = ["ASL3"]\n"a.py" = ["ASL302"]\n')
        self.assertEqual(self.codes(), ["app/a.py:4 ASL301"])
        self.write("asynclint.toml",
                   'per-file-ignores = { "test_*.py" = ["ASL301"] }\n')
        self.assertEqual(self.codes(), ["app/a.py:4 ASL301",
                                        "app/a.py:5 ASL302",
                                        "app/tests/test_a.py:5 ASL302"])

    def test_per_file_ignores_relative_to_config_dir(self):
        self.write("asynclint.toml", '[per-file-ignores]\n'
                   '"app/tests/*" = ["ASL3"]\n')
        sub = os.path.join(self.dir, "app")
        self.assertEqual(self.codes(".", cwd=sub),
                         ["a.py:4 ASL301", "a.py:5 ASL302"])

    def test_respect_gitignore(self):
        self.write(".gitignore", "tests/\n")
        os.mkdir(os.path.join(self.dir, ".git"))
        self.assertEqual(len(self.codes()), 2)
        self.write("asynclint.toml", "respect-gitignore = false\n")
        self.assertEqual(len(self.codes()), 4)
        self.assertEqual(len(self.codes("--respect-gitignore")), 2)

    def test_known_coroutines(self):
        self.write("app/b.py", "import lib\n\nasync def f():\n"
                   "    lib.fetch()\n")
        self.write("asynclint.toml", 'select = ["ASL101"]\n'
                   'known-coroutines = ["lib.fetch"]\n')
        self.assertEqual(self.codes(), ["app/b.py:4 ASL101"])

    def test_strings_of_every_toml_kind(self):
        self.write("asynclint.toml",
                   "select = ['ASL301', \"\"\"ASL302\"\"\", '''ASL1''']\n"
                   'ignore = ["\\u0041SL302"]  # escaped A\n')
        self.assertEqual(self.codes(), ["app/a.py:4 ASL301",
                                        "app/tests/test_a.py:4 ASL301"])


class Stdin(Base):
    """`check - --stdin-filename NAME`: config, excludes and per-file
    ignores apply by that name."""

    def stdin(self, name, *args, cwd=None):
        res = subprocess.run([BIN, "check", "-q", "-", "--stdin-filename",
                              name] + list(args), cwd=cwd or self.dir,
                             input=TASKS, capture_output=True, timeout=30)
        return res.returncode, res.stdout.decode()

    def test_config_found_from_the_name(self):
        self.write("app/asynclint.toml", 'select = ["ASL302"]\n')
        rc, out = self.stdin("app/new.py")
        self.assertEqual(rc, 1)
        self.assertEqual(out.split(":")[0:2], ["app/new.py", "5"])
        self.assertIn("ASL302", out)
        self.assertNotIn("ASL301", out)

    def test_excluded_by_name(self):
        self.write("asynclint.toml", 'extend-exclude = ["generated"]\n')
        self.assertEqual(self.stdin("generated/x.py"), (0, ""))
        self.assertEqual(self.stdin("venv/lib/x.py"), (0, ""))
        self.assertEqual(self.stdin("app/x.py")[0], 1)

    def test_per_file_ignores_by_name(self):
        self.write("asynclint.toml", '[per-file-ignores]\n'
                   '"tests/*" = ["ASL3"]\n')
        self.assertEqual(self.stdin("tests/test_x.py"), (0, ""))


class Errors(Base):
    def assert_error(self, text, where, what, name="asynclint.toml"):
        self.write(name, text)
        rc, out, err = self.run_check()
        self.assertEqual(rc, 2, out + err)
        self.assertIn(os.path.join(self.dir, name) + ":" + where, err)
        self.assertIn(what, err)

    def test_unknown_key(self):
        self.assert_error('select = ["ASL1"]\nselct = ["ASL1"]\n', "2:1:",
                          "unknown key `selct`")

    def test_unknown_key_in_pyproject(self):
        self.assert_error('[tool.asynclint]\n\nfoo = 1\n', "3:1:",
                          "unknown key `foo`", name="pyproject.toml")

    def test_unknown_table(self):
        self.assert_error('[tool.asynclint.nope]\nx = 1\n', "1:",
                          "unknown table `nope`", name="pyproject.toml")

    def test_wrong_type(self):
        self.assert_error('select = "ASL1"\n', "1:10:", "`select` must be "
                          "an array of strings")
        self.assert_error('respect-gitignore = "no"\n', "1:21:",
                          "`respect-gitignore` must be true or false")
        self.assert_error('ignore = [1]\n', "1:11:", "`ignore` must be an "
                          "array of strings")

    def test_bad_selector(self):
        self.assert_error('ignore = ["ASL3", "XYZ"]\n', "1:19:",
                          "unknown rule selector 'XYZ'")

    def test_bad_glob(self):
        self.assert_error('exclude = ["ok", "[abc"]\n', "1:18:",
                          "invalid glob '[abc'")
        self.assert_error('[per-file-ignores]\n"x[" = ["ASL3"]\n', "2:1:",
                          "invalid glob 'x['")

    def test_invalid_toml(self):
        self.assert_error('select = [\n', "", "invalid TOML")

    def test_missing_config_file(self):
        rc, _, err = self.run_check("--config", "nope.toml")
        self.assertEqual(rc, 2)
        self.assertIn("nope.toml", err)


IO = (b"import os\n\nasync def f():\n"
      b"    return os.listdir('.')\n")


class TestCode(Base):
    """Test code (test-paths) holds back ASL204, ASL205, ASL210 and ASL4xx
    by default; test-paths, test-select and test-ignore change that."""

    def setUp(self):
        super().setUp()
        self.write("app/io.py", IO)
        self.write("app/tests/test_io.py", IO)
        self.write("pyproject.toml", '[project]\nname = "x"\n')

    def test_defaults(self):
        self.assertEqual(self.codes("--select", "ASL204,ASL301"),
                         ["app/a.py:4 ASL301", "app/io.py:4 ASL204",
                          "app/tests/test_a.py:4 ASL301"])

    def test_test_select_in_file_and_flag(self):
        self.write("pyproject.toml", '[tool.asynclint]\n'
                   'test-select = ["ASL204"]\ntest-ignore = ["ASL3"]\n')
        self.assertEqual(self.codes("--select", "ASL204,ASL301"),
                         ["app/a.py:4 ASL301", "app/io.py:4 ASL204",
                          "app/tests/test_io.py:4 ASL204"])
        self.assertEqual(self.codes("--select", "ASL204,ASL301",
                                    "--test-ignore", "ASL204",
                                    "--test-select", "ASL301"),
                         ["app/a.py:4 ASL301", "app/io.py:4 ASL204",
                          "app/tests/test_a.py:4 ASL301"])

    def test_test_paths_replace_defaults(self):
        self.write("pyproject.toml", '[tool.asynclint]\n'
                   'test-paths = ["io.py"]\n')
        self.assertEqual(self.codes("--select", "ASL204"),
                         ["app/tests/test_io.py:4 ASL204"])
        # The flag replaces the file's list: nothing is test code here.
        self.assertEqual(self.codes("--select", "ASL204", "--test-paths",
                                    "nothing/"),
                         ["app/io.py:4 ASL204",
                          "app/tests/test_io.py:4 ASL204"])

    def test_paths_are_relative_to_the_project_root(self):
        # A checkout inside a folder named tests/ is not test code.
        self.write("tests/proj/pyproject.toml", '[project]\nname = "p"\n')
        self.write("tests/proj/io.py", IO)
        rc, out, _ = self.run_check("--select", "ASL204", "tests/proj")
        self.assertEqual(rc, 1)
        self.assertIn("tests/proj/io.py:4:12: ASL204", out)

    def test_statistics_and_verbose_count_what_is_held_back(self):
        res = subprocess.run([BIN, "check", "--statistics", "--select",
                              "ASL204", "-v", "."], cwd=self.dir,
                             capture_output=True, timeout=30)
        out, err = res.stdout.decode(), res.stderr.decode()
        self.assertIn("    1\tASL204\tblocking-file-io\n", out)
        self.assertIn("    1\tASL204\tblocking-file-io\t(in test code, "
                      "held back", out)
        self.assertIn("1 finding in test code held back", err)
        res = subprocess.run([BIN, "check", "--statistics", "--format",
                              "json", "--select", "ASL204", "."],
                             cwd=self.dir, capture_output=True, timeout=30)
        import json
        self.assertEqual(json.loads(res.stdout),
                         [{"code": "ASL204", "name": "blocking-file-io",
                           "count": 1, "held_back_in_tests": 1}])

    def test_bad_test_select(self):
        self.write("pyproject.toml", '[tool.asynclint]\n'
                   'test-select = ["NOPE"]\n')
        rc, _, err = self.run_check()
        self.assertEqual(rc, 2)
        self.assertIn("NOPE", err)


def set_binary(path):
    global BIN
    BIN = path


if __name__ == "__main__":
    sys.exit(run_module(__name__, sys.argv, set_binary))
