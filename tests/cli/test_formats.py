#!/usr/bin/env python3
"""Output formats, each checked by a real client: SARIF against the official
2.1.0 schema (Microsoft's, validated as its @microsoft/jest-sarif does),
JSON/GitLab/JSON lines with the json
module, JUnit with an XML parser, GitHub workflow commands against injection
through hostile file names and messages. Prints "N passed, N failed".

Usage: test_formats.py BINARY NODE_MODULES
NODE_MODULES holds the pinned packages of tests/tools/package-lock.json
(CMake installs them into BUILD/_deps/npm-tests/node_modules).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

BIN = None
HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = None
VALIDATOR = os.path.join(HERE, "sarif_validate.js")

SOURCE = (b"import asyncio\n\nasync def main():\n"
          b"    asyncio.create_task(job())\n"
          b"    t = asyncio.ensure_future(job())\n")
HOSTILE_NAMES = [
    "plain.py",
    "new\nline::error file=x.py::injected.py",
    "percent%0Aescaped%25.py",
    "comma,colon:name.py",
    "quote\"<tag>&amp;'.py",
]


def validate_sarif(text):
    """Runs the pinned SARIF schema validator; (exit code, its errors)."""
    v = subprocess.run(["node", VALIDATOR, NODE_MODULES], input=text.encode(),
                       capture_output=True, timeout=60)
    return v.returncode, v.stderr.decode("utf-8", "replace")


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="asl-fmt-")
        for i, name in enumerate(HOSTILE_NAMES):
            os.makedirs(os.path.join(self.dir, "d%d" % i))
            with open(os.path.join(self.dir, "d%d" % i, name), "wb") as f:
                f.write(SOURCE)
        # A file name and a source that are not valid UTF-8.
        with open(os.path.join(self.dir.encode(), b"bad\xff.py"), "wb") as f:
            f.write(SOURCE + b"x = '\xff'\n")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def check(self, fmt, *extra):
        res = subprocess.run([BIN, "check", "--format", fmt] + list(extra)
                             + ["."], cwd=self.dir, capture_output=True,
                             timeout=30)
        self.assertEqual(res.returncode, 1, res.stderr)
        return res.stdout

    def check_paths(self, fmt, *paths):
        """Checks `paths` from another folder: they are shown absolute."""
        elsewhere = tempfile.mkdtemp(prefix="asl-cwd-")
        try:
            res = subprocess.run([BIN, "check", "--format", fmt] + list(paths),
                                 cwd=elsewhere, capture_output=True,
                                 timeout=30)
        finally:
            os.rmdir(elsewhere)
        self.assertEqual(res.returncode, 1, res.stderr)
        return res.stdout.decode("utf-8")

    def count(self):
        return 2 * (len(HOSTILE_NAMES) + 1)


class Formats(Base):
    def assert_valid_sarif(self, out):
        """Validates SARIF text against the official schema."""
        rc, errors = validate_sarif(out)
        self.assertEqual(rc, 0, errors[-2000:])

    def test_the_validator_rejects_an_invalid_log(self):
        # The check above proves something only if the validator fails
        # logs that break the schema: a bad level and a line 0.
        sarif = json.loads(self.check("sarif").decode("utf-8"))
        res = sarif["runs"][0]["results"][0]
        res["level"] = "fatal"
        res["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
        rc, errors = validate_sarif(json.dumps(sarif))
        self.assertEqual(rc, 1, errors)
        self.assertIn("level", errors)
        self.assertIn("startLine", errors)

    def test_json_is_valid_and_complete(self):
        data = json.loads(self.check("json").decode("utf-8"))
        self.assertEqual(len(data), self.count())
        self.assertEqual(set(data[0]) - {"fix"},
                         {"path", "line", "column", "end_line",
                          "end_column", "code", "name", "message",
                          "severity"})

    def test_json_lines(self):
        lines = self.check("json-lines").decode("utf-8").splitlines()
        self.assertEqual(len(lines), self.count())
        for line in lines:
            self.assertIn(json.loads(line)["code"], ("ASL301", "ASL302"))

    def test_sarif_validates_against_official_schema(self):
        out = self.check("sarif").decode("utf-8")
        sarif = json.loads(out)
        run = sarif["runs"][0]
        self.assertEqual(len(run["results"]), self.count())
        driver = run["tool"]["driver"]
        for key in ("name", "version", "informationUri", "rules"):
            self.assertIn(key, driver)
        rule = driver["rules"][0]
        for key in ("id", "name", "shortDescription", "fullDescription",
                    "help", "defaultConfiguration"):
            self.assertIn(key, rule)
        res = run["results"][0]
        loc = res["locations"][0]["physicalLocation"]
        self.assertEqual(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%")
        for key in ("startLine", "startColumn", "endLine", "endColumn"):
            self.assertIn(key, loc["region"])
        self.assertIn("asynclint/v1", res["partialFingerprints"])
        # ruleIndex points at the rule of the same id.
        for r in run["results"]:
            self.assertEqual(driver["rules"][r["ruleIndex"]]["id"],
                             r["ruleId"])
        # Every URI is percent-encoded and decodes to the file's path.
        files = {os.path.relpath(os.path.join(d, f), self.dir).encode(
                     "utf-8", "surrogateescape")
                 for d, _, fs in os.walk(self.dir.encode()) for f in fs
                 for d, f in [(d.decode("utf-8", "surrogateescape"),
                               f.decode("utf-8", "surrogateescape"))]}
        for r in run["results"]:
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"][
                "uri"]
            self.assertRegex(uri, r"^[A-Za-z0-9._~/%-]+$")
            self.assertIn(urllib.parse.unquote_to_bytes(uri), files)
        self.assert_valid_sarif(out)

    def test_sarif_absolute_paths_are_file_uris(self):
        out = self.check_paths("sarif", os.path.join(self.dir, "d0"))
        loc = json.loads(out)["runs"][0]["results"][0]["locations"][0]
        art = loc["physicalLocation"]["artifactLocation"]
        self.assertTrue(art["uri"].startswith("file:///"), art)
        self.assertNotIn("uriBaseId", art)
        self.assert_valid_sarif(out)

    def test_sarif_chain_as_related_locations_and_code_flow(self):
        os.makedirs(os.path.join(self.dir, "chain"))
        with open(os.path.join(self.dir, "chain", "app.py"), "wb") as f:
            f.write(b"import os\n\ndef read(p):\n    return open(p).read()\n"
                    b"\ndef load(p):\n    return read(p)\n\n"
                    b"async def main(p):\n    load(p)\n")
        res = subprocess.run([BIN, "check", "--format", "sarif",
                              "--select", "ASL210", "chain"], cwd=self.dir,
                             capture_output=True, timeout=30)
        out = res.stdout.decode("utf-8")
        result = json.loads(out)["runs"][0]["results"][0]
        related = result["relatedLocations"]
        self.assertEqual([r["message"]["text"] for r in related],
                         ["`load` (step 1 of the chain)",
                          "`read` (step 2 of the chain)",
                          "blocking call `open()`"])
        self.assertEqual([r["physicalLocation"]["region"]["startLine"]
                          for r in related], [6, 3, 4])
        flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
        self.assertEqual(len(flow), 4)
        self.assertEqual(flow[0]["location"]["physicalLocation"]["region"]
                         ["startLine"], 10)
        self.assert_valid_sarif(out)

    def test_sarif_fingerprints_are_stable_across_line_moves(self):
        before = json.loads(self.check("sarif"))["runs"][0]["results"]
        path = os.path.join(self.dir, "d0", "plain.py")
        with open(path, "rb") as f:
            text = f.read()
        with open(path, "wb") as f:
            f.write(b"# a new first line\n" + text)
        after = json.loads(self.check("sarif"))["runs"][0]["results"]
        fp = lambda rs: {r["partialFingerprints"]["asynclint/v1"] for r in rs}
        self.assertEqual(fp(before), fp(after))

    def test_gitlab_code_quality(self):
        data = json.loads(self.check("gitlab").decode("utf-8"))
        self.assertEqual(len(data), self.count())
        for issue in data:
            for key in ("description", "check_name", "fingerprint",
                        "severity", "location"):
                self.assertIn(key, issue)
            self.assertIn("path", issue["location"])
            self.assertIn("begin", issue["location"]["lines"])
        self.assertEqual(len({i["fingerprint"] for i in data}), len(data))

    def test_junit_parses_as_xml(self):
        root = ET.fromstring(self.check("junit"))
        suites = root.findall("testsuite")
        self.assertEqual(len(suites), len(HOSTILE_NAMES) + 1)
        cases = root.findall("testsuite/testcase/failure")
        self.assertEqual(len(cases), self.count())

    def test_github_commands_cannot_be_injected(self):
        out = self.check("github").decode("utf-8", "replace")
        lines = out.splitlines()
        # One command per finding, each a single line starting with ::
        self.assertEqual(len(lines), self.count())
        for line in lines:
            self.assertTrue(line.startswith("::warning file="), line)
            props, _, message = line[len("::warning "):].partition("::")
            self.assertNotIn("\n", message)
            # The properties hold no raw separators but their own.
            fields = props.split(",")
            self.assertEqual([f.split("=")[0] for f in fields],
                             ["file", "line", "col", "endLine", "endColumn",
                              "title"], line)
            self.assertNotIn(":", props.replace("::", ""))
        self.assertIn("new%0Aline%3A%3Aerror file=x.py%3A%3Ainjected.py",
                      out)
        self.assertIn("percent%250Aescaped%2525.py", out)
        self.assertIn("comma%2Ccolon%3Aname.py", out)

    def test_pylint(self):
        out = self.check("pylint").decode("utf-8", "replace")
        self.assertIn("d0/plain.py:4: [ASL301(unowned-task), ] ", out)

    def test_full_shows_source_and_caret(self):
        out = self.check("full", "--color", "never").decode("utf-8",
                                                             "replace")
        self.assertIn("\n4 |     asyncio.create_task(job())\n", out)
        self.assertIn("\n  |     ^^^^^^^^^^^^^^^^^^^^^^^^^^ ASL301\n", out)

    def test_statistics(self):
        out = self.check("text", "--statistics").decode()
        self.assertIn("%5d\tASL301\tunowned-task" % (self.count() // 2), out)
        data = json.loads(self.check("json", "--statistics"))
        self.assertEqual({d["code"]: d["count"] for d in data},
                         {"ASL301": self.count() // 2,
                          "ASL302": self.count() // 2})

    def test_output_file(self):
        target = os.path.join(self.dir, "out.json")
        out = self.check("json", "--output-file", target)
        self.assertEqual(out, b"")
        with open(target) as f:
            self.assertEqual(len(json.load(f)), self.count())

    def test_color(self):
        self.assertIn(b"\033[", self.check("text", "--color", "always"))
        self.assertNotIn(b"\033[", self.check("text", "--color", "never"))
        # Not a terminal: no color in auto mode.
        self.assertNotIn(b"\033[", self.check("text"))

    def test_stdin_filename(self):
        res = subprocess.run([BIN, "check", "-", "--stdin-filename",
                              "./app/x.py"], cwd=self.dir, input=SOURCE,
                             capture_output=True, timeout=30)
        self.assertEqual(res.returncode, 1)
        self.assertIn(b"app/x.py:4:5: ASL301", res.stdout)

    def test_threads_do_not_change_the_output(self):
        # The repository's fixtures: every rule family, multi-file projects.
        fixtures = os.path.normpath(os.path.join(HERE, "..", "..",
                                                 "fixtures"))
        outs = []
        for n in ("1", "2", "7"):
            res = subprocess.run([BIN, "check", "--format", "json",
                                  "--threads", n, fixtures],
                                 capture_output=True, timeout=120)
            self.assertEqual(res.returncode, 1, res.stderr[-500:])
            outs.append((res.stdout, res.stderr))
        self.assertEqual(outs[0], outs[1])
        self.assertEqual(outs[0], outs[2])
        env = dict(os.environ, ASYNCLINT_THREADS="2")
        res = subprocess.run([BIN, "check", "--format", "json", fixtures],
                             capture_output=True, timeout=120, env=env)
        self.assertEqual((res.stdout, res.stderr), outs[0])

    def test_unknown_format_is_a_usage_error(self):
        res = subprocess.run([BIN, "check", "--format", "xml", "."],
                             cwd=self.dir, capture_output=True, timeout=30)
        self.assertEqual(res.returncode, 2)


def set_binary(path):
    global BIN
    BIN = path


def take_node_modules(argv):
    """Takes NODE_MODULES off the command line (after the binary)."""
    global NODE_MODULES
    if len(argv) < 3 or not os.path.isdir(argv[2]):
        print("usage: %s BINARY NODE_MODULES" % argv[0])
        print("0 passed, 1 failed")
        sys.exit(2)
    NODE_MODULES = os.path.abspath(argv[2])
    return argv[:2]


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(
        __file__)), ".."))
    from asl_testlib import run_module
    sys.exit(run_module(__name__, take_node_modules(sys.argv), set_binary))
