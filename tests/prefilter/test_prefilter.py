#!/usr/bin/env python3
"""The pre-filter is sound: findings are byte-identical with and without
--no-prefilter (and for any --threads), and the cases below really reach
their rule, mostly ASL101 in a cold file (no async/await/asyncio in its
code) that the pre-filter must still parse. Also checks the -v counts:
cold unrelated files are skipped, parsed + skipped == read.
Prints "N passed, N failed, N skipped".

Usage: ASYNCLINT=BINARY test_prefilter.py   (or the binary as argument)
"""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from asl_testlib import TempTree, run_module  # noqa: E402

BIN = None

PYPROJECT = '[project]\nname = "pf"\n'

VERBOSE = re.compile(
    r"asynclint: (\d+) files read: (\d+) parsed \((\d+) in later rounds: "
    r"(\d+) kept in memory, (\d+) read twice\), (\d+) skipped by the "
    r"pre-filter; (\d+) checked")


class Base(TempTree):
    """Each test writes a small project (its own pyproject.toml) and checks
    it in both modes."""

    PREFIX = "asl-pf-"

    def setUp(self):
        super().setUp()
        self.write("pyproject.toml", PYPROJECT)

    def project(self, files):
        for name, data in files.items():
            self.write(name, data)

    def run_check(self, *args, paths=(".",)):
        res = subprocess.run(
            [BIN, "check", "--format", "json", "--exit-zero"] + list(args)
            + list(paths), cwd=self.dir, capture_output=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr.decode())
        return res.stdout.decode(), res.stderr.decode()

    def both(self, *args):
        """stdout with and without the pre-filter (and with 2 threads);
        asserts they are identical and returns the parsed findings."""
        fast, _ = self.run_check("--threads", "1", *args)
        slow, _ = self.run_check("--threads", "1", "--no-prefilter", *args)
        self.assertEqual(fast, slow,
                         "pre-filter changed the findings\n--- with:\n%s"
                         "--- --no-prefilter:\n%s" % (fast, slow))
        two, _ = self.run_check("--threads", "2", *args)
        self.assertEqual(fast, two, "--threads 2 changed the findings")
        return json.loads(fast)

    def expect(self, findings, *expected):
        """Each expected "CODE path:line" is among the findings."""
        got = ["%s %s:%d" % (d["code"], d["path"], d["line"])
               for d in findings]
        for e in expected:
            self.assertIn(e, got, "missing %s; got %s" % (e, got))

    def cold(self, *names):
        """The named files really are cold: they do not spell a hot word
        in code (a crude check: not anywhere outside a comment)."""
        for name in names:
            with open(os.path.join(self.dir, name), "rb") as f:
                text = f.read().decode("utf-8", "replace")
            code = "\n".join(line.split("#", 1)[0]
                             for line in text.splitlines())
            for word in ("async", "await", "asyncio", "create_task",
                         "ensure_future"):
                self.assertNotRegex(code, r"\b%s\b" % word,
                                    "%s is not cold" % name)

    def verbose(self, *args, paths=(".",)):
        _, err = self.run_check("--threads", "1", "-v", *args, paths=paths)
        m = VERBOSE.search(err)
        self.assertIsNotNone(m, err)
        read, parsed, later, kept, twice, skipped, checked = map(
            int, m.groups())
        self.assertEqual(kept + twice, later, err)
        return dict(read=read, parsed=parsed, later=later, kept=kept,
                    twice=twice, skipped=skipped, checked=checked)


ASYNC_SEND = "async def send(x=None):\n    return x\n"


class Reach(Base):
    """Cases 1-9: a coroutine function reached from a cold file."""

    def test_01_direct_import(self):
        self.project({"a.py": ASYNC_SEND,
                      "b.py": "from a import send\n\n\ndef go():\n"
                              "    send(1)\n"})
        self.cold("b.py")
        self.expect(self.both(), "ASL101 b.py:5")

    def test_02_alias_chain(self):
        self.project({"a.py": ASYNC_SEND,
                      "mid.py": "from a import send as notify\n",
                      "c.py": "from mid import notify\n\n\ndef go():\n"
                              "    notify()\n"})
        self.cold("mid.py", "c.py")
        self.expect(self.both(), "ASL101 c.py:5")

    def test_02b_alias_chain_module_attribute(self):
        self.project({"a.py": ASYNC_SEND,
                      "mid.py": "from a import send as notify\n",
                      "c.py": "import mid\n\n\ndef go():\n"
                              "    mid.notify()\n"})
        self.cold("mid.py", "c.py")
        self.expect(self.both(), "ASL101 c.py:5")

    def test_03_star_reexport(self):
        self.project({"pkg/__init__.py": "from .impl import *\n",
                      "pkg/impl.py": "async def fetch():\n    return 1\n",
                      "use.py": "from pkg import fetch\n\n\ndef go():\n"
                                "    fetch()\n"})
        self.cold("pkg/__init__.py", "use.py")
        self.expect(self.both(), "ASL101 use.py:5")

    def test_04_star_chain_two_levels(self):
        self.project({"pkg/__init__.py": "from .impl import *\n",
                      "pkg/impl.py": "async def fetch():\n    return 1\n",
                      "pkg2/__init__.py": "from pkg import *\n",
                      "use.py": "from pkg2 import fetch\n\n\ndef go():\n"
                                "    fetch()\n",
                      "use2.py": "import pkg2\n\n\ndef go():\n"
                                 "    pkg2.fetch()\n"})
        self.cold("pkg/__init__.py", "pkg2/__init__.py", "use.py", "use2.py")
        self.expect(self.both(), "ASL101 use.py:5", "ASL101 use2.py:5")

    def test_05_relative_imports(self):
        self.project({"pkg/__init__.py": "",
                      "pkg/a.py": ASYNC_SEND,
                      "pkg/b.py": "from . import a\nfrom .a import send\n\n\n"
                                  "def one():\n    a.send()\n\n\n"
                                  "def two():\n    send()\n"})
        self.cold("pkg/b.py")
        self.expect(self.both(), "ASL101 pkg/b.py:6", "ASL101 pkg/b.py:10")

    def test_05b_relative_from_package(self):
        # `from . import send` binds through the package's __init__.
        self.project({"pkg/__init__.py": "from .a import send\n",
                      "pkg/a.py": ASYNC_SEND,
                      "pkg/sub/__init__.py": "",
                      "pkg/sub/c.py": "from .. import send\n\n\n"
                                      "def go():\n    send()\n",
                      "pkg/d.py": "from . import send\n\n\n"
                                  "def go():\n    send()\n"})
        self.cold("pkg/__init__.py", "pkg/sub/c.py", "pkg/d.py")
        self.expect(self.both(), "ASL101 pkg/sub/c.py:5", "ASL101 pkg/d.py:5")

    def test_06_class_method_via_subclasses(self):
        self.project({
            "base.py": "class Client:\n    async def get(self):\n"
                       "        return 1\n",
            "sub.py": "from base import Client\n\n\nclass Mine(Client):\n"
                      "    def run(self):\n        self.get()\n",
            "third.py": "from sub import Mine\n\n\nclass Yours(Mine):\n"
                        "    def run2(self):\n        self.get()\n"})
        self.cold("sub.py", "third.py")
        self.expect(self.both(), "ASL101 sub.py:6", "ASL101 third.py:6")

    def test_07_instance_constructor_and_annotations(self):
        self.project({
            "base.py": "class Client:\n    async def get(self):\n"
                       "        return 1\n",
            "ctor.py": "from base import Client\n\n\ndef go():\n"
                       "    c = Client()\n    c.get()\n",
            "ann.py": "from base import Client\n\n\ndef f(c: Client):\n"
                      "    c.get()\n",
            "strann.py": "from base import Client\n\n\ndef f(c: \"Client\"):\n"
                         "    c.get()\n",
            # The class only in a string annotation, module named by a
            # dotted string.
            "strann2.py": "import base\n\n\ndef f(c: \"base.Client\"):\n"
                          "    c.get()\n"})
        self.cold("ctor.py", "ann.py", "strann.py", "strann2.py")
        self.expect(self.both(), "ASL101 ctor.py:6", "ASL101 ann.py:5",
                    "ASL101 strann.py:5", "ASL101 strann2.py:5")

    def test_07b_subclass_instance(self):
        self.project({
            "base.py": "class Client:\n    async def get(self):\n"
                       "        return 1\n",
            "sub.py": "import base\n\n\nclass Mine(base.Client):\n    pass\n",
            "use.py": "from sub import Mine\n\n\ndef go(m: \"Mine\"):\n"
                      "    Mine().get()\n    m.get()\n"})
        self.cold("sub.py", "use.py")
        self.expect(self.both(), "ASL101 use.py:5", "ASL101 use.py:6")

    def test_08_external_hot_module_reexported(self):
        self.project({
            "compat.py": "from asyncio import sleep\n",
            "use.py": "from compat import sleep\n\n\ndef go():\n"
                      "    sleep(1)\n",
            "compat2.py": "from asyncio import *\n",
            "use2.py": "import compat2\n\n\ndef go():\n"
                       "    compat2.sleep(1)\n"})
        self.cold("use.py", "use2.py")
        self.expect(self.both(), "ASL101 use.py:5", "ASL101 use2.py:5")

    def test_08b_external_hot_module_alias_chain(self):
        self.project({
            "compat.py": "from asyncio import sleep as nap\n",
            "mid.py": "from compat import nap as doze\n",
            "use.py": "from mid import doze\n\n\ndef go():\n    doze(1)\n"})
        self.cold("mid.py", "use.py")
        self.expect(self.both(), "ASL101 use.py:5")

    def test_09_known_coroutine(self):
        self.project({
            "x.py": "import mylib\n\n\ndef go():\n    mylib.fetch()\n",
            "reexp.py": "from mylib import fetch\n",
            "y.py": "from reexp import fetch\n\n\ndef go():\n    fetch()\n",
            "z.py": "import reexp\n\n\ndef go():\n    reexp.fetch()\n"})
        self.cold("y.py", "z.py")
        out = self.both("--known-coroutine", "mylib.fetch")
        self.expect(out, "ASL101 x.py:5", "ASL101 y.py:5", "ASL101 z.py:5")
        # And without the option: nothing.
        self.assertEqual(self.both(), [])

    def test_09b_known_coroutine_method(self):
        self.project({
            "x.py": "from mylib import Api\n\n\ndef go():\n"
                    "    Api().fetch()\n"})
        out = self.both("--known-coroutine", "mylib.Api.fetch")
        self.expect(out, "ASL101 x.py:5")

    def test_09c_star_import_of_hot_module_and_relative_stars(self):
        self.project({"a.py": ASYNC_SEND,
                      "c.py": "from a import *\n\n\ndef go():\n    send()\n",
                      "pkg/__init__.py": "",
                      "pkg/a.py": ASYNC_SEND,
                      "pkg/mid.py": "from .a import *\n",
                      "pkg/c.py": "from .mid import *\n\n\ndef go():\n"
                                  "    send()\n"})
        self.cold("c.py", "pkg/mid.py", "pkg/c.py")
        self.expect(self.both(), "ASL101 c.py:5", "ASL101 pkg/c.py:5")

    def test_09d_nested_package_attributes(self):
        self.project({"p/__init__.py": "", "p/q/__init__.py": "",
                      "p/q/a.py": ASYNC_SEND,
                      "b.py": "import p.q.a\n\n\ndef go():\n    p.q.a.send()\n",
                      "c.py": "from p import q\n\n\ndef go():\n"
                              "    q.a.send()\n"})
        self.cold("b.py", "c.py")
        self.expect(self.both(), "ASL101 b.py:5", "ASL101 c.py:5")

    def test_09e_named_paths_only(self):
        # Only some files named: the rest of the project is still indexed.
        self.project({"a.py": ASYNC_SEND,
                      "b.py": "from a import send\n\n\ndef go():\n"
                              "    send()\n",
                      "sub/__init__.py": "",
                      "sub/c.py": "from a import send\n\n\ndef go():\n"
                                  "    send()\n"})
        for path in ("b.py", "sub"):
            fast, _ = self.run_check("--threads", "1", paths=[path])
            slow, _ = self.run_check("--threads", "1", "--no-prefilter",
                                     paths=[path])
            self.assertEqual(fast, slow)
            self.expect(json.loads(fast), "ASL101 %s:5"
                        % ("b.py" if path == "b.py" else "sub/c.py"))
            self.assertEqual(len(json.loads(fast)), 1, fast)

    def test_09f_stub_beside_module(self):
        self.project({"a.pyi": "def send(x=None): ...\n",
                      "a.py": ASYNC_SEND,
                      "b.py": "from a import send\n\n\ndef go():\n"
                              "    send()\n",
                      "s.pyi": "async def get(): ...\n",
                      "s.py": "def get():\n    return 1\n",
                      "t.py": "from s import get\n\n\ndef go():\n"
                              "    get()\n"})
        self.expect(self.both(), "ASL101 b.py:5")

    def test_09g_other_unawaited_rules_and_attributes(self):
        # ASL102/ASL103 in a cold file; a method through an instance
        # attribute and through super().
        self.project({"a.py": ASYNC_SEND,
                      "base.py": "class Client:\n    async def get(self):\n"
                                 "        return 1\n",
                      "c.py": "from a import send\n\n\ndef go():\n"
                              "    x = send()\n    if send():\n"
                              "        pass\n",
                      "svc.py": "from base import Client\n\n\nclass Svc:\n"
                                "    def __init__(self):\n"
                                "        self.c = Client()\n\n"
                                "    def run(self):\n        self.c.get()\n",
                      "sup.py": "import base\n\n\nclass Mine(base.Client):\n"
                                "    def get2(self):\n"
                                "        super().get()\n"})
        self.cold("c.py", "svc.py", "sup.py")
        self.expect(self.both(), "ASL102 c.py:5", "ASL103 c.py:6",
                    "ASL101 svc.py:9", "ASL101 sup.py:6")


class CallSiteTypes(Base):
    """An unannotated __init__ parameter typed by the class's construction
    sites: every file that can name the class must be parsed, even when
    only the class's own file is checked and the sites are cold."""

    FILES = {
        "pkg/__init__.py": "",
        "pkg/client.py": "class Client:\n    async def login(self):\n"
                         "        return 1\n",
        "pkg/other.py": "class Other:\n    def login(self):\n"
                        "        return 1\n",
        "pkg/qr.py": "class QR:\n    def __init__(self, client):\n"
                     "        self._client = client\n\n"
                     "    async def wait(self):\n"
                     "        self._client.login()\n",
        "pkg/site.py": "from pkg.client import Client\n"
                       "from pkg.qr import QR\n\n\n"
                       "def make():\n    return QR(Client())\n",
    }

    def alone(self, path):
        fast, _ = self.run_check("--threads", "1", paths=(path,))
        slow, _ = self.run_check("--threads", "1", "--no-prefilter",
                                 paths=(path,))
        self.assertEqual(fast, slow, "pre-filter changed the findings")
        return json.loads(fast)

    def test_one_cold_site(self):
        self.project(self.FILES)
        self.cold("pkg/site.py")
        self.expect(self.both(), "ASL101 pkg/qr.py:6")
        self.expect(self.alone("pkg/qr.py"), "ASL101 pkg/qr.py:6")

    def test_cold_sites_disagree(self):
        self.project(dict(self.FILES, **{
            "pkg/site2.py": "from pkg.other import Other\n"
                            "from pkg import qr\n\n\n"
                            "def make():\n    return qr.QR(Other())\n"}))
        self.cold("pkg/site.py", "pkg/site2.py")
        self.assertEqual(self.both(), [])
        self.assertEqual(self.alone("pkg/qr.py"), [])

    def test_cold_import_alias_is_a_site(self):
        self.project(dict(self.FILES, **{
            "pkg/alias.py": "from pkg.client import Client\n"
                            "from pkg.qr import QR as Maker\n\n\n"
                            "def make():\n    return Maker(Client())\n"}))
        self.cold("pkg/alias.py")
        self.expect(self.alone("pkg/qr.py"), "ASL101 pkg/qr.py:6")

    def test_cold_alias_escapes(self):
        self.project(dict(self.FILES, **{
            "pkg/alias.py": "from pkg.qr import QR as Maker\n\n"
                            "FACTORY = Maker\n"}))
        self.cold("pkg/alias.py")
        self.assertEqual(self.both(), [])
        self.assertEqual(self.alone("pkg/qr.py"), [])


class AsyncWrapperDecorators(Base):
    """A project decorator returning an async wrapper, re-exported by a
    cold package: the relay must be parsed for the decorated async def to
    be known a coroutine function, as without the pre-filter."""

    FILES = {
        "pkg/__init__.py": "",
        "pkg/utils/__init__.py": "from .deco import retry\n",
        "pkg/utils/deco.py": "from functools import wraps\n\n\n"
                             "def retry(fn):\n    @wraps(fn)\n"
                             "    async def wrapper(*a):\n"
                             "        return await fn(*a)\n\n"
                             "    return wrapper\n",
        "pkg/svc.py": "from pkg.utils import retry\n\n\n"
                      "class Service:\n    @retry\n"
                      "    async def sync_all(self):\n        return 1\n\n"
                      "    async def run(self):\n        self.sync_all()\n",
    }

    def test_cold_relay_of_the_decorator(self):
        self.project(self.FILES)
        self.cold("pkg/utils/__init__.py")
        self.expect(self.both(), "ASL101 pkg/svc.py:10")


class ModuleAliases(Base):
    """A module bound under another name in a third file: its words are
    reached through the alias, which the cold file spells instead."""

    FILES = {"lib/__init__.py": "",
             "lib/aio.py": "async def replace(x=None):\n    return x\n\n\n"
                           "class Pool:\n    async def get(self):\n"
                           "        return 1\n",
             "tools.py": "from lib import aio as fast\n",
             "more.py": "from tools import fast as quick\n"}

    def test_module_alias_in_another_file(self):
        self.project(dict(self.FILES, **{
            "use.py": "from tools import fast\n\n\ndef go():\n"
                      "    fast.replace(1)\n"}))
        self.cold("tools.py", "use.py")
        self.expect(self.both(), "ASL101 use.py:5")

    def test_alias_of_alias(self):
        self.project(dict(self.FILES, **{
            "use.py": "import more\n\n\ndef go():\n"
                      "    more.quick.replace(1)\n"}))
        self.cold("more.py", "use.py")
        self.expect(self.both(), "ASL101 use.py:5")

    def test_base_class_through_alias(self):
        self.project(dict(self.FILES, **{
            "sub.py": "import tools\n\n\nclass Mine(tools.fast.Pool):\n"
                      "    def run(self):\n        self.get()\n",
            "third.py": "from sub import Mine\n\n\nclass Deeper(Mine):\n"
                        "    def run2(self):\n        self.get()\n"}))
        self.cold("sub.py", "third.py")
        self.expect(self.both(), "ASL101 sub.py:6", "ASL101 third.py:6")

    def test_star_reexport_in_cold_file(self):
        self.project(dict(self.FILES, **{
            "reexp.py": "from lib.aio import *\n",
            "use.py": "from reexp import replace\n\n\ndef go():\n"
                      "    replace(1)\n",
            "hot.py": "import reexp\n\n\nasync def main():\n"
                      "    reexp.replace(2)\n"}))
        self.cold("reexp.py", "use.py")
        self.expect(self.both(), "ASL101 use.py:5", "ASL101 hot.py:5")

    def test_same_last_component_elsewhere_is_not_parsed(self):
        # `os.replace` in a cold file is the standard library's, not
        # lib/os.py's: the file does not name `lib`, so it stays unparsed.
        self.project({"lib/__init__.py": "",
                      "lib/os.py": "async def replace(x=None):\n"
                                   "    return x\n",
                      "use.py": "import os\n\n\ndef go():\n"
                                "    os.replace('a', 'b')\n"})
        self.assertEqual(self.both(), [])
        counts = self.verbose()
        self.assertEqual(counts["skipped"], 2, counts)  # use.py, __init__


class Blocking(Base):
    """Case 10: ASL210 through two cold modules."""

    def test_10_helper_chain(self):
        self.project({
            "app.py": "from helpers import helper\n\n\n"
                      "async def handler():\n    helper()\n",
            "helpers.py": "from low import nap\n\n\n"
                          "def helper():\n    nap()\n",
            "low.py": "import time\n\n\ndef nap():\n    time.sleep(1)\n"})
        self.cold("helpers.py", "low.py")
        out = self.both()
        self.expect(out, "ASL210 app.py:5")
        msg = [d["message"] for d in out if d["code"] == "ASL210"][0]
        self.assertIn("helper", msg)
        self.assertIn("nap", msg)
        self.assertIn("time.sleep", msg)

    def test_10b_helper_chain_method_and_package(self):
        self.project({
            "app.py": "from svc import Store\n\n\n"
                      "async def handler(s: Store):\n    s.save()\n",
            "svc/__init__.py": "from .store import Store\n",
            "svc/store.py": "from . import disk\n\n\nclass Store:\n"
                            "    def save(self):\n        disk.write()\n",
            "svc/disk.py": "def write():\n"
                           "    with open('x', 'w') as f:\n"
                           "        f.write('x')\n"})
        self.cold("svc/__init__.py", "svc/store.py", "svc/disk.py")
        self.expect(self.both(), "ASL210 app.py:5")

    def test_10c_star_reexport_and_from_import(self):
        self.project({
            "app.py": "from svc import helper\n\n\nasync def h():\n"
                      "    helper()\n",
            "svc/__init__.py": "from .impl import *\n",
            "svc/impl.py": "from time import sleep\n\n\ndef helper():\n"
                           "    sleep(1)\n"})
        self.expect(self.both(), "ASL210 app.py:5")

    def test_10e_relative_star_stays_in_its_package(self):
        # `from .impl import *` in svc reaches svc/impl.py, never a
        # top-level impl.py: that one stays unparsed.
        self.project({
            "app.py": "from svc import helper\n\n\nasync def h():\n"
                      "    helper()\n",
            "svc/__init__.py": "from .impl import *\n",
            "svc/impl.py": "from time import sleep\n\n\ndef helper():\n"
                           "    sleep(1)\n",
            "impl.py": "import time\n\n\ndef helper():\n"
                       "    time.sleep(2)\n"})
        self.expect(self.both(), "ASL210 app.py:5")
        self.assertEqual(self.verbose()["skipped"], 1)  # impl.py

    def test_10d_constructor_and_configured_blocking_call(self):
        self.project({
            "app.py": "from cfg import Config\nfrom legacy import q\n\n\n"
                      "async def h():\n    Config()\n    q()\n",
            "cfg.py": "import subprocess\n\n\nclass Config:\n"
                      "    def __init__(self):\n"
                      "        subprocess.run([\"x\"])\n",
            "legacy.py": "import legacydb\n\n\ndef q():\n"
                         "    legacydb.query()\n"})
        self.cold("cfg.py", "legacy.py")
        self.expect(self.both("--blocking-call", "legacydb.*"),
                    "ASL210 app.py:6", "ASL210 app.py:7")


class Tokenizer(Base):
    """Case 11: files that must still count as hot or matched."""

    def test_nbsp_before_await(self):
        # U+00A0 is not whitespace to Python: a syntax error, but the file
        # still spells `await` and `async`.
        self.project({"a.py": ASYNC_SEND,
                      "n.py": "import a\n\n\nasync def go():\n"
                              "    x = 1\n    \u00a0await a.send()\n"
                              "    a.send()\n"})
        self.expect(self.both(), "ASL101 n.py:7")
        self.expect(self.both("--select", "ASL001"), "ASL001 n.py:6")

    def test_zero_width_space_before_await(self):
        self.project({"a.py": ASYNC_SEND,
                      "z.py": "import a\n\n\nasync def go():\n"
                              "    \u200bawait a.send()\n    a.send()\n"})
        self.expect(self.both(), "ASL101 z.py:6")
        self.both("--select", "ASL001")

    def test_nbsp_glued_names_in_cold_file(self):
        # A cold file with non-ASCII names next to and glued to `send`.
        self.project({"a.py": ASYNC_SEND,
                      "g.py": "from a import send\n\n\ndef go():\n"
                              "    \u00e9=1; send()\n    \u00e9send = 2\n"})
        self.expect(self.both(), "ASL101 g.py:5")

    def test_line_continuation_between_async_and_def(self):
        self.project({"a.py": ASYNC_SEND,
                      "c.py": "import a\n\n\nasync \\\ndef go():\n"
                              "    a.send()\n",
                      "crlf.py": b"import a\r\n\r\n\r\nasync \\\r\ndef go():"
                                 b"\r\n    a.send()\r\n"})
        out = self.both()
        self.expect(out, "ASL101 c.py:6", "ASL101 crlf.py:6")

    def test_fstring_call_in_cold_file(self):
        # A call inside an f-string is formatted, not discarded: no finding
        # in either mode, but both modes must agree.
        self.project({"a.py": ASYNC_SEND,
                      "f.py": "from a import send\n\n\ndef go():\n"
                              "    return f\"{send(1)}\"\n",
                      "f2.py": "import a\n\n\ndef go():\n"
                               "    print(f'x {a.send(1)!r} y')\n",
                      "f3.py": "from a import send\n\n\ndef go():\n"
                               "    print(rf\'\'\'{send(1)}\'\'\')\n"})
        self.cold("f.py")
        self.both()

    def test_fstring_nested_same_quote(self):
        # PEP 701 (tree-sitter-python parses it): a replacement field may
        # hold a string with the f-string's own quote. The scan must not
        # end the f-string there and lose the rest of the line.
        self.project({"a.py": ASYNC_SEND,
                      "g.py": "import a\n\n\ndef go():\n"
                              "    x = f\"{'\"'}\"; a.send()\n"})
        self.cold("g.py")
        self.expect(self.both(), "ASL101 g.py:5")

    def test_fstring_nested_triple_quote_cold(self):
        # `f"{"""k"""}"`: ending the f-string at the first inner quote
        # opens a triple-quoted string that eats the code up to the next
        # `"""` (here in a comment).
        self.project({"a.py": ASYNC_SEND,
                      "g.py": "import a\n\nX = f\"{\"\"\"k\"\"\"}\"\n\n\n"
                              "def go():\n    a.send()\n\n# \"\"\"\n"})
        self.cold("g.py")
        self.expect(self.both(), "ASL101 g.py:7")

    def test_fstring_nested_triple_quote_hides_hot_file(self):
        # The same desync hides `async def`: the file is hot, ASL201.
        self.project({"g.py": "import time\n\nX = f\"{\"\"\"k\"\"\"}\"\n\n\n"
                              "async def go():\n    time.sleep(1)\n\n"
                              "# \"\"\"\n"})
        self.expect(self.both(), "ASL201 g.py:7")

    def test_number_glued_to_name(self):
        self.project({"a.py": ASYNC_SEND,
                      "num.py": "from a import send\n\n\ndef go(x):\n"
                                "    y = 1if x else 2\n"
                                "    z = 0x1fif x else 3\n"
                                "    send() if 1else 0\n",
                      "num2.py": "import a\n\n\ndef go(x):\n"
                                 "    return [a.send() for _ in"
                                 " range(3)if 1or x]\n",
                      "hotnum.py": "import a\n\n\ndef go(x):\n"
                                   "    y = 1async\n"})
        self.expect(self.both(), "ASL101 num.py:7")
        self.expect(self.both("--select", "ASL001"), "ASL001 hotnum.py:5")

    def test_glued_keyword_makes_hot(self):
        # `1if(0)else await`: keywords glued to numbers in a hot file.
        self.project({"a.py": ASYNC_SEND,
                      "k.py": "import a\n\n\nasync def go():\n"
                              "    x = 1if(0)else await a.send()\n"
                              "    a.send()\n"})
        self.expect(self.both(), "ASL101 k.py:6")

    def test_unterminated_triple_quote_then_code(self):
        # tree-sitter still checks the code before the string; the scan
        # trusts nothing after it and must still see `from a import send`
        # as naming module `a`.
        self.project({"a.py": ASYNC_SEND,
                      "u.py": "from a import send\n\n\ndef go():\n"
                              "    send()\n\nx = \'\'\'\n"
                              "def later():\n    send()\n",
                      "u2.py": "import a\n\nx = \"\"\"doc\n\nasync def go():\n"
                               "    a.send()\n"})
        self.cold("u.py")
        self.expect(self.both(), "ASL101 u.py:5", "ASL101 u2.py:6")
        self.expect(self.both("--select", "ASL001"), "ASL001 u2.py:3")

    def test_unterminated_triple_quote_dotted_use(self):
        # Same, with the module also named next to a dot.
        self.project({"a.py": ASYNC_SEND,
                      "u.py": "import a\n\n\ndef go():\n"
                              "    a.send()\n\nx = \'\'\'\n"})
        self.expect(self.both(), "ASL101 u.py:5")

    def test_crlf_line_endings(self):
        self.project({"a.py": ASYNC_SEND,
                      "w.py": b"from a import send\r\n\r\n\r\ndef go():\r\n"
                              b"    send(1)\r\n",
                      "w2.py": b"from a import (\r\n    send,\r\n)\r\n\r\n"
                               b"def go():\r\n    send(1)\r\n",
                      "w3.py": b"from a \\\r\n    import send\r\n"
                               b"def go():\r\n    send(1)\r\n"})
        self.cold("w.py", "w2.py", "w3.py")
        self.expect(self.both(), "ASL101 w.py:5", "ASL101 w2.py:6",
                    "ASL101 w3.py:4")

    def test_crlf_continuation_inside_import(self):
        # `from`, a backslash, CRLF, `a import send`: the backslash
        # continues the import over the CRLF, so `a` is still named as a
        # module (LF and CR alone as controls).
        self.project({"a.py": ASYNC_SEND,
                      "c.py": b"from \\\r\n    a import send\r\n\r\n"
                              b"def go():\r\n    send()\r\n",
                      "lf.py": b"from \\\n    a import send\n\n"
                               b"def go():\n    send()\n",
                      "cr.py": b"from \\\r    a import send\r\r"
                               b"def go():\r    send()\r"})
        self.cold("c.py", "lf.py")
        self.expect(self.both(), "ASL101 lf.py:5", "ASL101 cr.py:5",
                    "ASL101 c.py:5")

    def test_bom(self):
        self.project({"a.py": ASYNC_SEND,
                      "bom.py": b"\xef\xbb\xbffrom a import send\n\n\n"
                                b"def go():\n    send(1)\n",
                      "bomhot.py": b"\xef\xbb\xbfimport a\n\n\n"
                                   b"async def go():\n    a.send()\n"})
        self.cold("bom.py")
        self.expect(self.both(), "ASL101 bom.py:5", "ASL101 bomhot.py:5")

    def test_cr_only_line_endings(self):
        self.project({"a.py": ASYNC_SEND,
                      "cr.py": b"from a import send\r\r\rdef go():\r"
                               b"    send(1)\r"})
        self.expect(self.both(), "ASL101 cr.py:5")

    def test_words_in_comments_and_strings(self):
        # `await` only in a comment and a string: cold; it still must reach
        # `send` through its import.
        self.project({"a.py": ASYNC_SEND,
                      "s.py": "# await me\nfrom a import send\n"
                              "NOTE = 'await asyncio'\n\n\ndef go():\n"
                              "    send(1)\n"})
        self.expect(self.both(), "ASL101 s.py:7")


class Counts(Base):
    """Cases 12-13: the filter skips cold unrelated files; the -v line adds
    up."""

    def many(self):
        files = {"hot.py": "import asyncio\n\n\nasync def main():\n"
                           "    asyncio.create_task(main())\n"}
        for i in range(30):
            files["cold%02d.py" % i] = ("import os\n\n\ndef f%d(x):\n"
                                        "    return os.path.join(x, '%d')\n"
                                        % (i, i))
        self.project(files)

    def test_14_class_word_needs_a_method_or_a_binding(self):
        # A cold file naming a class with async methods is parsed only if it
        # spells one of them, imports the class, or has it in a class
        # header: others cannot call the coroutines.
        self.project({
            "base.py": "class Client:\n    async def get(self):\n"
                       "        return 1\n\n    def close(self):\n"
                       "        return 2\n",
            "mention.py": "import base\n\n\ndef make():\n"
                          "    return base.Client().close()\n",
            "reexport.py": "from base import Client\n",
            "use.py": "from reexport import Client\n\n\ndef go():\n"
                      "    Client().get()\n",
            "header.py": "import base\n\n\nclass Mine(base.Client):\n"
                         "    pass\n",
            "use2.py": "import header\n\n\ndef go():\n"
                       "    header.Mine().get()\n"})
        self.cold("mention.py", "reexport.py", "use.py", "header.py",
                  "use2.py")
        self.expect(self.both(), "ASL101 use.py:5", "ASL101 use2.py:5")
        v = self.verbose()
        self.assertEqual(v["skipped"], 1, v)  # mention.py

    def test_15_async_call_dunder_is_reached_unspelled(self):
        # `Job()(...)` calls an async __call__ that nobody spells.
        self.project({
            "job.py": "class Job:\n    async def __call__(self):\n"
                      "        return 1\n",
            "use.py": "from job import Job\n\n\ndef go():\n"
                      "    j = Job()\n    j()\n"})
        self.cold("use.py")
        self.both()

    def test_16_function_word_only_in_a_string(self):
        # A coroutine function's name in a string calls nothing.
        self.project({"a.py": ASYNC_SEND,
                      "doc.py": "import a\n\n\ndef f():\n"
                                "    return 'send'\n",
                      "c.py": "import a\n\n\ndef go():\n    a.send()\n"})
        self.cold("doc.py", "c.py")
        self.expect(self.both(), "ASL101 c.py:5")
        self.assertEqual(self.verbose()["skipped"], 1)

    def test_17_cold_base_before_another_base(self):
        # Helper.get: the method walk passes cold util.Sync (no get there)
        # and finds Aio.get. Not parsed, Sync would read as a name outside
        # the project and end the walk: the watcher must want util.py even
        # though the question, asked without it, reports nothing.
        self.project({
            "util.py": "class Sync:\n    def put(self):\n        return 1\n",
            "aio.py": "class Aio:\n    async def get(self):\n"
                      "        return 1\n",
            "use.py": "from util import Sync\nfrom aio import Aio\n\n\n"
                      "class Helper(Sync, Aio):\n    async def other(self):\n"
                      "        return 1\n\n    def go(self):\n"
                      "        self.get()\n"})
        self.cold("util.py")
        self.expect(self.both(), "ASL101 use.py:10")

    def test_18_module_named_across_lines(self):
        # `pkg` then `.aio` on the next line, inside brackets: the scan
        # still sees pkg named as a module.
        self.project({
            "pkg/__init__.py": "",
            "pkg/aio.py": ASYNC_SEND,
            "use.py": "import pkg.aio as m\nimport pkg\n\n\ndef go():\n"
                      "    (pkg  # the package\n"
                      "     .aio\n     .send())\n"})
        self.cold("use.py")
        self.expect(self.both(), "ASL101 use.py:6")

    def test_19_named_files_read_once(self):
        # sub/ is named (relative, from the project's root): the walk of the
        # project reaches its files again, under another spelling.
        self.project({"a.py": ASYNC_SEND,
                      "sub/b.py": "from a import send\n\n\ndef go():\n"
                                  "    send()\n",
                      "sub/c.py": "x = 1\n"})
        for args in ((), ("--no-prefilter",)):
            v = self.verbose(*args, paths=("sub",))
            self.assertEqual(v["read"], 3, v)
            self.assertEqual(v["checked"], 2, v)
            # Read once, but for a later round's files: again to parse.
            self.assertEqual(v["twice"], v["later"] - v["kept"], v)
        out, _ = self.run_check("--threads", "1", paths=("sub",))
        self.expect(json.loads(out), "ASL101 sub/b.py:5")

    def test_12_cold_files_skipped(self):
        self.many()
        self.expect(self.both(), "ASL301 hot.py:5")
        v = self.verbose()
        self.assertEqual(v["read"], 31)
        self.assertGreaterEqual(v["skipped"], 25, v)
        self.assertEqual(v["skipped"], 30, v)
        self.assertEqual(v["checked"], 31, v)
        v = self.verbose("--no-prefilter")
        self.assertEqual(v["skipped"], 0, v)
        self.assertEqual(v["parsed"], 31, v)
        self.assertEqual(v["later"], 0, v)

    def test_13_counts_consistent(self):
        self.project({"a.py": ASYNC_SEND,
                      "mid.py": "from a import send as notify\n",
                      "c.py": "from mid import notify\n\n\ndef go():\n"
                              "    notify()\n",
                      "other.py": "def unrelated():\n    return 1\n",
                      "pkg/__init__.py": "from .impl import *\n",
                      "pkg/impl.py": "async def fetch():\n    return 1\n",
                      "use.py": "from pkg import fetch\n\n\ndef go():\n"
                                "    fetch()\n"})
        for args in ((), ("--no-prefilter",)):
            v = self.verbose(*args)
            self.assertEqual(v["read"], 7, v)
            self.assertEqual(v["parsed"] + v["skipped"], v["read"], v)
            self.assertLessEqual(v["later"], v["parsed"], v)
            self.assertEqual(v["checked"], 7, v)
        v = self.verbose()
        # The hot files: a.py, pkg/impl.py; the chain: mid, c, pkg/__init__,
        # use are parsed in later rounds; other.py is skipped.
        self.assertEqual(v["skipped"], 1, v)
        self.assertEqual(v["parsed"], 6, v)
        self.assertEqual(v["later"], 4, v)
        # A cold file's text is not kept: each file a later round parses
        # is read again, once.
        self.assertEqual(v["kept"], 0, v)
        self.assertEqual(v["twice"], v["later"], v)


def filler(tag, n=60):
    """n unrelated sync classes and defs (about 220 bytes each): enough to
    make a file worth parsing in parts (pieces.c skips files under 8 KB)."""
    out = []
    for i in range(n):
        if i % 2:
            out.append("class Filler%s%d:\n    def run(self, x):\n"
                       "        return [x, %d, 'padding text for size']\n\n"
                       "    def stop(self):\n        return None\n\n\n"
                       % (tag, i, i))
        else:
            out.append("def filler_%s_%d(x):\n    total = 0\n"
                       "    for k in range(x):\n        total += k * %d\n"
                       "    return total  # more padding for size\n\n\n"
                       % (tag, i, i))
    return "".join(out)


def among_filler(head, piece):
    """A module worth parsing in parts: `head`, then `piece` (one top-level
    statement) between two runs of filler."""
    return head + filler("a") + piece + "\n\n\n" + filler("b")


# What makes a module hot without naming anything else.
UNRELATED = "async def unrelated():\n    return 1\n\n\n"

# A module-level private name bound to a coroutine, at line 5.
PENDING = "async def fetch():\n    return 1\n\n\n_pending = fetch()\n\n\n"

PARTS = re.compile(r"MB parsed \((\d+) files in (\d+) parts\)")


class Pieces(Base):
    """Files parsed in parts (pieces.c): the findings are those of the
    whole parse, whatever the parts left out."""

    def parts(self):
        _, err = self.run_check("--threads", "1", "-v")
        m = PARTS.search(err)
        self.assertIsNotNone(m, err)
        return int(m.group(1)), int(m.group(2))

    def line_of(self, name, text):
        with open(os.path.join(self.dir, name)) as f:
            return 1 + f.read().splitlines().index(text)

    def test_20_helper_in_another_piece_blocks(self):
        self.project({"hot.py": "import time\n\n\nasync def main():\n"
                                "    helper()\n\n\n" + filler("a") +
                                "def helper():\n    return deeper()\n\n\n" +
                                filler("b") +
                                "def deeper():\n    time.sleep(1)\n"})
        out = self.both()
        self.expect(out, "ASL210 hot.py:5")
        self.assertIn("helper -> deeper -> time.sleep()", out[0]["message"])
        self.assertEqual(self.parts(), (1, 1))

    def test_21_sync_piece_calls_a_local_coroutine(self):
        self.project({"hot.py": among_filler(
            "async def job():\n    return 1\n\n\n",
            "class T:\n    def test(self):\n        job()")})
        self.expect(self.both(), "ASL101 hot.py:%d"
                    % self.line_of("hot.py", "        job()"))
        self.assertEqual(self.parts(), (1, 1))

    def test_22_left_out_piece_calls_a_coroutine_of_w(self):
        # The piece spells no hot word, but `send`, bound by an import
        # above: W pairs it with hot.py itself, so a later round parses it.
        self.project({"a.py": ASYNC_SEND,
                      "hot.py": among_filler(
                          "from a import send\n\n\n" + UNRELATED,
                          "def later():\n    send()")})
        self.expect(self.both(), "ASL101 hot.py:%d"
                    % self.line_of("hot.py", "    send()"))
        files, parts = self.parts()
        self.assertEqual(files, 1)
        self.assertEqual(parts, 2)

    def test_23_subclass_left_out_used_elsewhere(self):
        self.project({"aio.py": "class Base:\n    async def fetch(self):\n"
                                "        return 1\n",
                      "hot.py": among_filler(
                          "from aio import Base\n\n\n" + UNRELATED,
                          "class Sub(Base):\n    pass"),
                      "user.py": "from hot import Sub\n\n\ndef go():\n"
                                 "    Sub().fetch()\n"})
        self.cold("user.py")
        self.expect(self.both(), "ASL101 user.py:5")
        self.assertEqual(self.parts(), (1, 2))

    def test_24_other_file_calls_a_helper_left_out(self):
        # Only the index's lookup from other.py asks for `slow`: a
        # placeholder until then, parsed in a later round.
        self.project({"hot.py": among_filler(
                          "import time\n\n\n" + UNRELATED,
                          "def slow():\n    time.sleep(1)"),
                      "other.py": "from hot import slow\n\n\n"
                                  "async def main():\n    slow()\n"})
        self.expect(self.both(), "ASL210 other.py:5")
        self.assertEqual(self.parts(), (1, 2))

    def test_25_file_level_noqa_in_a_piece_left_out(self):
        self.project({"hot.py": among_filler(
            "import asyncio\n\n\nasync def main():\n"
            "    asyncio.create_task(main())\n\n\n",
            "def f():\n    # asynclint: noqa\n    return 1")})
        self.assertEqual(self.both(), [])
        self.assertEqual(self.parts(), (0, 0))  # parsed whole

    def test_26_global_in_a_piece(self):
        # `keep` is left out of the first unit: its `global` binds nothing
        # the unit resolves.
        self.project({"hot.py": among_filler(
            "import asyncio\n\nTASK = None\n\n\nasync def main():\n"
            "    asyncio.create_task(main())\n\n\n",
            "def keep():\n    global TASK\n    TASK = 1")})
        self.expect(self.both(), "ASL301 hot.py:7")
        self.assertEqual(self.parts(), (1, 1))

    def test_26a_global_of_a_name_the_unit_reads(self):
        # The left-out piece rebinds a module-level coroutine variable the
        # unit reads: the findings are the whole parse's.
        self.project({"hot.py": among_filler(
            "async def fetch():\n    return 1\n\n\n_c = fetch()\n\n\n"
            "async def main():\n    await _c\n\n\n",
            "def reset():\n    global _c\n    _c = None")})
        self.both()
        self.assertEqual(self.parts(), (1, 1))

    def test_26b_module_level_private_name_read_in_a_piece_left_out(self):
        # ASL102 reads every use of a module-level private name: `_pending`
        # is read only in `later`, which the first unit left out, so the
        # unit is parsed again with it.
        self.project({"hot.py": among_filler(
            PENDING, "def later():\n    return _pending")})
        self.assertEqual(self.both(), [])
        self.assertEqual(self.parts(), (1, 1))

    def test_26c_module_level_private_name_read_nowhere(self):
        self.project({"hot.py": among_filler(
            PENDING, "def later():\n    return 1")})
        self.expect(self.both(), "ASL102 hot.py:5")
        self.assertEqual(self.parts(), (1, 1))

    def test_26d_module_level_socket_made_non_blocking_in_a_piece_left_out(self):
        self.project({"hot.py": among_filler(
            "import socket\n\nSOCK = socket.socket()\n\n\n"
            "async def main():\n    SOCK.recv(10)\n\n\n",
            "def setup():\n    SOCK.setblocking(False)")})
        self.assertEqual(self.both(), [])
        self.assertEqual(self.parts(), (1, 1))

    def test_27_cold_module_parsed_in_two_units(self):
        # util.entry calls mod2.f, which calls util.last: util's first unit
        # (entry, and the `open` it names) comes before mod2 is parsed, its
        # second (last) after. There `open` is util's own def (bound after
        # the source), not the builtin: no blocking call.
        self.project({
            "app.py": "import util\n\n\nasync def h():\n"
                      "    util.entry()\n    util.slow_entry()\n",
            "util.py": "import time\nimport mod2\n\n\n" + filler("a") +
                       "def open(p):\n    return p\n\n\n" + filler("b") +
                       "def entry():\n    open('a')\n    return mod2.f()\n"
                       "\n\n" + filler("c") +
                       "def last():\n    return open('b')\n\n\n" +
                       filler("d") +
                       "def slow_entry():\n    return mod2.g()\n\n\n" +
                       "def slow_last():\n    time.sleep(1)\n",
            "mod2.py": "import util\n\n\ndef f():\n    return util.last()\n"
                       "\n\ndef g():\n    return util.slow_last()\n"})
        out = self.both()
        self.assertEqual(["%s %s:%d" % (d["code"], d["path"], d["line"])
                          for d in out], ["ASL210 app.py:6"])
        self.assertIn("slow_entry -> g -> slow_last -> time.sleep()",
                      out[0]["message"])
        files, parts = self.parts()
        self.assertEqual(files, 1)
        self.assertGreaterEqual(parts, 2)

    def test_28_tricky_top_level_syntax(self):
        text = ('"""Docs.\n\ndef not_a_def():\n    pass\nclass Nope:\n'
                '"""\nimport time\nX = (1,\n2)\nY = 1 + \\\n2\n\n'
                'if X:\n    Z = 1\nelse:\n    Z = 2\n\n\n'
                '@decorate(\n    1,\n)\n@other\ndef helper():\n'
                '    time.sleep(1)\n\n\n' + filler("a") +
                "s = '''\nclass Fake:\n    pass\n'''\n\n\n"
                "async def main():\n    helper()\n\n\n" + filler("b") +
                "def decorate(*a):\n    return lambda f: f\n\n\n"
                "def other(f):\n    return f\n")
        self.project({"hot.py": text})
        out = self.both()
        self.assertEqual([d["code"] for d in out], ["ASL210"])
        self.assertEqual(self.parts(), (1, 1))

    def test_29_cold_file_spelling_w_parsed_in_part(self):
        # cold.py matches W (it imports `send` and spells it): its first
        # unit has the pieces that spell a word of W, not the filler.
        self.project({"a.py": ASYNC_SEND,
                      "cold.py": among_filler("from a import send\n\n\n",
                                              "def go():\n    send()")})
        self.cold("cold.py")
        self.expect(self.both(), "ASL101 cold.py:%d"
                    % self.line_of("cold.py", "    send()"))
        self.assertEqual(self.parts(), (1, 1))

    def test_30_star_import_of_a_helper_left_out(self):
        self.project({"hot.py": among_filler(
                          "import time\n\n\n" + UNRELATED,
                          "def slow():\n    time.sleep(1)"),
                      "other.py": "from hot import *\n\n\n"
                                  "async def main():\n    slow()\n"})
        self.expect(self.both(), "ASL210 other.py:5")
        self.assertEqual(self.parts(), (1, 2))

    def test_31_method_walk_past_a_class_left_out(self):
        # Helper's walk for fetch passes hot.Plain (a placeholder until
        # parsed: it might define fetch) before aio.Client's async fetch.
        self.project({"aio.py": "class Client:\n    async def fetch(self):\n"
                                "        return 1\n",
                      "hot.py": among_filler(
                          UNRELATED,
                          "class Plain:\n    def put(self):\n"
                          "        return 1"),
                      "use.py": "import hot\nimport aio\n\n\n"
                                "class Helper(hot.Plain, aio.Client):\n"
                                "    def go(self):\n        self.fetch()\n"})
        self.cold("use.py")
        self.expect(self.both(), "ASL101 use.py:7")
        self.assertEqual(self.parts(), (1, 2))

    def test_32_method_of_a_class_left_out_blocks(self):
        self.project({"hot.py": among_filler(
                          "import time\n\n\n" + UNRELATED,
                          "class Repo:\n    def load(self):\n"
                          "        time.sleep(1)"),
                      "other.py": "from hot import Repo\n\n\n"
                                  "async def main():\n    Repo().load()\n"})
        self.expect(self.both(), "ASL210 other.py:5")
        self.assertEqual(self.parts(), (1, 2))

    def test_33_nul_byte_ends_a_comment(self):
        # tree-sitter's lexer ends a comment (or a string) at a NUL byte:
        # what follows is code to it, so the scan must not call the file
        # cold (a fuzzer's find).
        self.project({"nul.py": "# note\0 asyncio.sleep(1)\n"})
        self.expect(self.both(), "ASL101 nul.py:1")

    # Receiver types through the index (return annotations, properties,
    # instance attributes, context managers, decorators that make a
    # coroutine function): a cold caller spells none of the class with
    # the coroutine method, only what leads to it.
    MODELS = ("from contextlib import contextmanager\n"
              "from typing import Iterator, Optional\n\n\n"
              "class Session:\n    async def fetch(self):\n"
              "        return 1\n\n\n"
              "class Client:\n"
              "    def __init__(self, s: Optional[Session] = None):\n"
              "        self.session = s\n\n"
              "    @property\n    def current(self) -> Session:\n"
              "        return Session()\n\n"
              "    def open(self) -> 'Session':\n        return Session()\n\n"
              "    @contextmanager\n"
              "    def batch(self) -> Iterator[Session]:\n"
              "        yield Session()\n")

    def test_34_function_return_annotation(self):
        self.project({"models.py": self.MODELS,
                      "factory.py": "from models import Session\n\n\n"
                                    "def make() -> Session:\n"
                                    "    return Session()\n",
                      "use.py": "from factory import make\n\n\n"
                                "def go():\n    make().fetch()\n"})
        self.cold("factory.py", "use.py")
        self.expect(self.both(), "ASL101 use.py:5")

    def test_35_property_attribute_method_and_with(self):
        self.project({"models.py": self.MODELS,
                      "use.py": "from models import Client\n\n\n"
                                "def go(c: Client):\n"
                                "    c.current.fetch()\n"
                                "    c.open().fetch()\n"
                                "    c.session.fetch()\n"
                                "    with c.batch() as s:\n"
                                "        s.fetch()\n"})
        self.cold("use.py")
        self.expect(self.both(), "ASL101 use.py:5", "ASL101 use.py:6",
                    "ASL101 use.py:7", "ASL101 use.py:9")

    def test_36_sync_to_async_decorator(self):
        self.project({"db.py": "from asgiref.sync import sync_to_async\n\n\n"
                               "@sync_to_async\ndef load(pk):\n"
                               "    return pk\n",
                      "use.py": "from db import load\n\n\n"
                                "def go():\n    load(1)\n"})
        self.cold("use.py")
        self.expect(self.both(), "ASL101 use.py:5")

    def test_37_method_by_name_sees_sync_defs_in_cold_files(self):
        # ASL104 reports `obj.add_item()` only if no def of that name is
        # sync: the cold file defining one must be read.
        cart = ("class Cart:\n    async def add_item(self, pk):\n"
                "        return pk\n\n    async def check_out(self):\n"
                "        return 1\n")
        self.project({"cart.py": cart,
                      "legacy.py": "class Basket:\n"
                                   "    def add_item(self, pk):\n"
                                   "        return pk\n",
                      "use.py": "def go(cart):\n    cart.add_item(1)\n"
                                "    cart.check_out()\n"})
        self.cold("legacy.py", "use.py")
        got = self.both()
        self.expect(got, "ASL104 use.py:3")
        self.assertNotIn(("use.py", 2), [(d["path"], d["line"]) for d in got])

    def test_37b_method_by_name_defined_only_nested_in_a_cold_file(self):
        # A cold file spelling `def add_item` is read before the callers
        # of add_item: its def, nested in a function, binds nothing the
        # index counts, so the name stays async-only and the cold caller
        # must be read in the next round.
        self.project({"cart.py": "class Cart:\n"
                                 "    async def add_item(self, pk):\n"
                                 "        return pk\n",
                      "helpers.py": "def outer():\n"
                                    "    def add_item(x):\n"
                                    "        return x\n"
                                    "    return add_item\n",
                      "use.py": "def go(cart):\n    cart.add_item(1)\n"})
        self.cold("helpers.py", "use.py")
        self.expect(self.both(), "ASL104 use.py:2")

    def test_38_fixture_value_in_a_cold_test(self):
        # A cold test module (no async) receives a fixture by name from a
        # conftest; the fixture's class has coroutine methods.
        self.project({"shop/__init__.py": "",
                      "shop/cart.py": "class Cart:\n"
                                      "    async def add_item(self, pk):\n"
                                      "        return pk\n",
                      "tests/__init__.py": "",
                      "tests/conftest.py": "import pytest\n"
                                           "from shop import cart as m\n\n\n"
                                           "@pytest.fixture\ndef basket():\n"
                                           "    return m.Cart()\n",
                      "tests/test_b.py": "def test_add(basket):\n"
                                         "    basket.add_item(1)\n"})
        self.cold("tests/conftest.py", "tests/test_b.py")
        self.expect(self.both(), "ASL101 tests/test_b.py:2")

    def test_39_base_of_a_base_left_out(self):
        # The walk for create_server meets hot.Mixin (left out of hot.py's
        # first unit) through a base of a base. The bindings a unit appends
        # after the source for pieces left out must not count as the
        # source's: a trailing line break once let the first of them pass
        # as parsed, and the class read as bound twice (ambiguous).
        self.project({"aio.py": "class Startup:\n"
                                "    async def create_server(self):\n"
                                "        return 1\n",
                      # Mixin: the first piece left out of the first unit
                      "hot.py": UNRELATED + "class Mixin:\n"
                                "    def static(self):\n"
                                "        return 1\n\n\n" + filler("a") +
                                filler("b"),
                      "root.py": "from hot import Mixin\n\n\n"
                                 "class BaseApp(Mixin):\n    pass\n",
                      "app.py": "from root import BaseApp\n"
                                "from aio import Startup\n\n\n"
                                "class App(BaseApp, Startup):\n    pass\n",
                      "use.py": "from app import App\n\n\n"
                                "def go(app: App):\n"
                                "    app.create_server()\n"})
        self.cold("use.py", "root.py", "app.py")
        self.expect(self.both(), "ASL101 use.py:5")
        out, _ = self.run_check("--threads", "1", paths=("use.py",))
        self.expect(json.loads(out), "ASL101 use.py:5")
        self.assertEqual(self.parts(), (1, 2))

    def test_40_callback_scheduled_from_sync_code(self):
        # No async word: the loop's scheduling methods make the file hot.
        self.project({"poll.py": "import time\n\n\n"
                                 "def tick():\n    time.sleep(1)\n\n\n"
                                 "def start(loop):\n"
                                 "    loop.call_later(5, tick)\n"})
        self.expect(self.both(), "ASL210 poll.py:9")

    def test_41_loop_callback_decorator(self):
        self.project({"core.py": "def callback(f):\n    return f\n",
                      "comp.py": "import time\nfrom core import callback\n"
                                 "\n\n@callback\ndef on_event(e):\n"
                                 "    time.sleep(1)\n"})
        self.cold("comp.py")
        out = self.both("--loop-callback-decorator", "core.callback")
        self.expect(out, "ASL201 comp.py:7")
        self.assertEqual(self.both(), [])

    def test_42_namespace_package_base_in_a_cold_file(self):
        # ns/ has no __init__.py: the cold file's module is "base", and
        # the import names it "ns.base" (its namespace alias).
        self.project({"ns/base.py": "class Base:\n"
                                    "    async def fetch(self):\n"
                                    "        return 1\n",
                      "ns/plain.py": "class Plain:\n"
                                     "    def put(self):\n"
                                     "        return 1\n",
                      "app/__init__.py": "",
                      "app/use.py": "from ns.base import Base\n"
                                    "from ns.plain import Plain\n\n\n"
                                    "class C(Plain, Base):\n"
                                    "    def go(self):\n"
                                    "        self.fetch()\n"})
        self.cold("app/use.py")
        self.expect(self.both(), "ASL101 app/use.py:7")
        out, _ = self.run_check("--threads", "1", paths=("app/use.py",))
        self.expect(json.loads(out), "ASL101 app/use.py:7")


def set_binary(path):
    global BIN
    BIN = path


if __name__ == "__main__":
    sys.exit(run_module(__name__, sys.argv, set_binary))
