#!/usr/bin/env python3
"""The Python environment (issue 17): a project with a .venv whose
site-packages this test builds from small library stand-ins, laid out as
real packages (re-exports, a star import, stubs beside the source and a
-stubs package, a .pth path, an editable install's finder), checked for
every resolution path with positives and negatives, in both pre-filter
modes; then how the environment is found (--python, the configuration's
python, VIRTUAL_ENV, .venv) and the errors.

Usage: test_env.py ASYNCLINT
"""
import json
import os
import subprocess
import sys
import tempfile

FILES = {
    "proj/pyproject.toml": "[project]\nname = 'proj'\n",
    ".venv/pyvenv.cfg": (
        "home = /nonexistent/bin\n"
        "include-system-site-packages = false\n"
        "version = 3.11.4\n"),
    # A package with re-exports and a star import.
    "SITE/netlib/__init__.py": (
        "from .client import Client as Client\n"
        "from ._impl import *\n"),
    "SITE/netlib/_impl.py": (
        "__all__ = ['helper']\n"
        "async def helper():\n"
        "    return 1\n"),
    "SITE/netlib/base.py": (
        "class BaseClient:\n"
        "    async def aclose(self):\n"
        "        pass\n"
        "    def close(self):\n"
        "        # A library's own code is never reported.\n"
        "        self.aclose()\n"),
    "SITE/netlib/client.py": (
        "from .base import BaseClient\n"
        "from .session import Session\n"
        "\n"
        "class Transport:\n"
        "    async def send(self, data):\n"
        "        return data\n"
        "\n"
        "class Client(BaseClient):\n"
        "    def __init__(self):\n"
        "        self.transport = Transport()\n"
        "    async def fetch(self, url):\n"
        "        return url\n"
        "    def session(self) -> Session:\n"
        "        return Session()\n"
        "    @property\n"
        "    def current(self) -> Session:\n"
        "        return Session()\n"
        "    async def __aenter__(self) -> 'Client':\n"
        "        return self\n"
        "    async def __aexit__(self, *a):\n"
        "        pass\n"
        "\n"
        "async def connect(dsn) -> Client:\n"
        "    return Client()\n"),
    "SITE/netlib/session.py": (
        "class Session:\n"
        "    async def send(self, data):\n"
        "        return data\n"
        "    def flush(self):\n"
        "        pass\n"),
    # A stub beside the source wins: the source's go() is sync, the stub
    # says async.
    "SITE/stubbed/__init__.py": "def go():\n    return None\n",
    "SITE/stubbed/__init__.pyi": "async def go() -> None: ...\n",
    # A -stubs package wins over the package (PEP 561).
    "SITE/typed/__init__.py": "async def run():\n    pass\n",
    "SITE/typed-stubs/__init__.pyi": "def run() -> None: ...\n",
    # A .pth path, and an editable install's finder.
    "SITE/extra.pth": "# vendored\n../../../../../vendor\nimport os; os.system('false')\n",
    "vendor/vendlib.py": "async def pull():\n    pass\n",
    "SITE/__editable__.mypkg-1.0.pth": (
        "import __editable___mypkg_1_0_finder; "
        "__editable___mypkg_1_0_finder.install()\n"),
    "SITE/__editable___mypkg_1_0_finder.py": (
        "MAPPING: dict[str, str] = {'mypkg': 'ROOT/src/mypkg'}\n"
        "def install():\n    pass\n"),
    "src/mypkg/__init__.py": "async def ready():\n    pass\n",
    # A sync library function that blocks: ASL210 follows it only into
    # the packages the user names (follow-libraries).
    "SITE/blocklib/__init__.py": "from .io import load\n",
    "SITE/blocklib/io.py": (
        "import time\n"
        "def load(path):\n"
        "    time.sleep(1)\n"
        "    return path\n"),
    "proj/app/blocking.py": (
        "import blocklib\n"
        "\n"
        "\n"
        "async def handler():\n"
        "    return blocklib.load('x')\n"),
    "proj/app/__init__.py": "",
    "proj/app/main.py": (
        "import netlib\n"
        "import notinstalled\n"
        "import stubbed\n"
        "import typed\n"
        "import vendlib\n"
        "from mypkg import ready\n"
        "from netlib import Client, helper\n"
        "from netlib.client import connect\n"
        "\n"
        "\n"
        "async def main(c: Client, url):\n"
        "    c.fetch(url)\n"                      # 12: method
        "    c.aclose()\n"                        # 13: inherited method
        "    c.close()\n"                         # 14: a plain def: no
        "    c.session().send(1)\n"               # 15: return annotation
        "    c.current.send(2)\n"                 # 16: property
        "    c.session().flush()\n"               # 17: plain: no
        "    async with Client() as d:\n"
        "        d.fetch(url)\n"                  # 19: __aenter__
        "    conn = await connect('dsn')\n"
        "    conn.fetch(url)\n"                   # 21: awaited result
        "    helper()\n"                          # 22: star re-export
        "    netlib.helper()\n"                   # 23: through the package
        "    notinstalled.go()\n"                 # 24: missing package: no
        "    stubbed.go()\n"                      # 25: the stub says async
        "    typed.run()\n"                       # 26: -stubs says sync: no
        "    vendlib.pull()\n"                    # 27: a .pth path
        "    ready()\n"                           # 28: an editable install
        "    c.transport.send(3)\n"              # 29: __init__ attribute
        "    await c.fetch(url)\n"),
}

EXPECTED = [
    (12, 5, "'Client.fetch'"),
    (13, 5, "'BaseClient.aclose'"),
    (15, 5, "'Session.send'"),
    (16, 5, "'Session.send'"),
    (19, 9, "'Client.fetch'"),
    (21, 5, "'Client.fetch'"),
    (22, 5, "'helper'"),
    (23, 5, "'helper'"),
    (25, 5, "'go'"),
    (27, 5, "'pull'"),
    (28, 5, "'ready'"),
    (29, 5, "'Transport.send'"),
]

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def many_files():
    """Cold project files, and library modules the lookups add as jobs
    while the cold set holds the cold files' scans (the job table grows
    under it: a use after free once)."""
    out = {}
    for k in range(40):
        # A sync def of the name a library method has (ASL104 asks the
        # cold files that define it).
        out["proj/app/cold_%d.py" % k] = "def add_item_%d():\n    return %d\n" % (k, k)
        out["SITE/manylib/m%d.py" % k] = (
            "async def g%d():\n    pass\n"
            "class Cart%d:\n    async def add_item_%d(self):\n        pass\n"
            % (k, k, k))
    out["SITE/manylib/__init__.py"] = "".join(
        "from .m%d import g%d\n" % (k, k) for k in range(40))
    out["proj/app/many.py"] = "import manylib\n\n\nasync def use(cart):\n" + "".join(
        "    manylib.g%d()\n    cart.add_item_%d()\n" % (k, k)
        for k in range(40))
    return out


def build(root):
    site = ".venv/lib/python3.11/site-packages"
    FILES.update(many_files())
    for name, text in FILES.items():
        path = os.path.join(root, name.replace("SITE", site))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text.replace("ROOT", root))
    # The environment at the project root, where .venv is looked for.
    os.rename(os.path.join(root, ".venv"), os.path.join(root, "proj/.venv"))
    os.makedirs(os.path.join(root, "proj/.venv/bin"))
    os.symlink(sys.executable, os.path.join(root, "proj/.venv/bin/python"))


def run(binary, args, cwd, env=None):
    e = dict(os.environ)
    e.pop("VIRTUAL_ENV", None)
    e.update(env or {})
    return subprocess.run([binary, "check", "--select", "ASL1"] + args,
                          cwd=cwd, env=e, capture_output=True, text=True)


def findings(proc):
    """The findings in app/main.py (the others' are many.py's stress)."""
    return sorted((d["line"], d["column"], d["message"])
                  for d in json.loads(proc.stdout)
                  if d["path"] == "app/main.py")


def matches(got, expected):
    if len(got) != len(expected):
        return False
    return all(g[0] == e[0] and g[1] == e[1] and e[2] in g[2]
               for g, e in zip(got, expected))


def main(argv):
    binary = os.path.abspath(argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.realpath(tmp)
        build(root)
        proj = os.path.join(root, "proj")
        for mode in ([], ["--no-prefilter"], ["--threads", "2"]):
            p = run(binary, ["--format", "json"] + mode, proj)
            got = findings(p)
            check(p.returncode == 1 and matches(got, EXPECTED),
                  "the .venv's libraries resolve %s" % (mode or "(default)"))
            if not matches(got, EXPECTED):
                for g in got:
                    print("     got", g)
        # The library's own files are never reported, nor checked.
        p = run(binary, ["--format", "json"], proj)
        check(all(d["path"].startswith("app/") for d in json.loads(p.stdout)),
              "no finding in the library's files")
        # -v names the environment and its search path.
        p = run(binary, ["-v"], proj)
        check("Python environment: %s/.venv (from .venv; Python 3.11)" % proj
              in p.stderr, "-v prints the environment")
        check("search path: %s/vendor" % root in p.stderr,
              "-v prints the .pth path")
        check("editable: mypkg -> %s/src/mypkg" % root in p.stderr,
              "-v prints the editable install")
        check("from the Python environment" in p.stderr,
              "-v counts the library files read")
        # Other ways to name it.
        ref = findings(run(binary, ["--format", "json"], proj))
        for how, args, env in (
                ("--python FOLDER", ["--python", ".venv"], None),
                ("--python INTERPRETER", ["--python", ".venv/bin/python"], None),
                ("VIRTUAL_ENV", [], {"VIRTUAL_ENV": proj + "/.venv"})):
            p = run(binary, ["--format", "json", "-v"] + args, proj, env)
            origin = how.split()[0]
            check(findings(p) == ref and "(from %s;" % origin in p.stderr,
                  "found through %s" % how)
        with open(os.path.join(proj, "asynclint.toml"), "w") as f:
            f.write('python = ".venv"\n')
        p = run(binary, ["--format", "json", "-v"], proj)
        check(findings(p) == ref and "from python (" in p.stderr,
              "found through the configuration's python")
        os.remove(os.path.join(proj, "asynclint.toml"))
        # Without it: only the bundled table and the project.
        os.rename(proj + "/.venv", root + "/hidden")
        p = run(binary, ["--format", "json", "-v"], proj)
        check(findings(p) == [] and "Python environment: none" in p.stderr,
              "no environment: no library finding")
        os.rename(root + "/hidden", proj + "/.venv")
        # ASL210 into a library only when followed.
        p = subprocess.run([binary, "check", "--select", "ASL210",
                            "--format", "json", "app/blocking.py"],
                           cwd=proj, capture_output=True, text=True)
        check(p.returncode == 0 and json.loads(p.stdout) == [],
              "ASL210 stops at a library's edge by default")
        for how in (["--follow-library", "blocklib"], "toml"):
            if how == "toml":
                with open(os.path.join(proj, "asynclint.toml"), "w") as f:
                    f.write('follow-libraries = ["blocklib"]\n')
                how = []
            p = subprocess.run([binary, "check", "--select", "ASL210",
                                "--format", "json", "app/blocking.py"] + how,
                               cwd=proj, capture_output=True, text=True)
            got = json.loads(p.stdout) if p.stdout else []
            check(len(got) == 1 and got[0]["line"] == 5 and
                  "time.sleep" in got[0]["message"] and
                  "load" in got[0]["message"],
                  "ASL210 follows a followed library %s" % (how or "(toml)"))
        os.remove(os.path.join(proj, "asynclint.toml"))
        # Errors name what was asked.
        p = run(binary, ["--python", "nothere"], proj)
        check(p.returncode == 2 and "--python: 'nothere' does not exist"
              in p.stderr, "a --python that does not exist: exit 2")
        p = run(binary, ["--python", "app"], proj)
        check(p.returncode == 2 and "neither a Python interpreter" in p.stderr,
              "a --python that is no environment: exit 2")
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
