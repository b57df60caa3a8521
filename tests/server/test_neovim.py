#!/usr/bin/env python3
"""The language server in a real editor: Neovim, headless, runs
neovim_test.lua against a small project (see there). Skipped (exit 77)
when nvim is not installed (apt-get install neovim).

Usage: test_neovim.py ASYNCLINT
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    binary = os.path.abspath(sys.argv[1])
    nvim = shutil.which("nvim")
    if not nvim:
        print("SKIP: nvim is not installed (apt-get install neovim)")
        sys.exit(77)
    root = tempfile.mkdtemp(prefix="asl-nvim-")
    try:
        os.makedirs(os.path.join(root, "pkg"))
        files = {"pyproject.toml": "[project]\nname = 'demo'\n",
                 "pkg/__init__.py": "",
                 "pkg/aio.py": "async def fetch():\n    return 1\n",
                 "pkg/main.py": ("from pkg.aio import fetch\n\n\n"
                                 "async def main():\n    pass\n")}
        for rel, text in files.items():
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        env = dict(os.environ, ASYNCLINT=binary, PROJECT=root,
                   XDG_CONFIG_HOME=root, XDG_DATA_HOME=root,
                   XDG_STATE_HOME=root, XDG_CACHE_HOME=root)
        try:
            p = subprocess.run(
                [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n",
                 "-c", "luafile " + os.path.join(HERE, "neovim_test.lua")],
                env=env, cwd=root, capture_output=True, timeout=120,
                stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            print("FAIL nvim did not finish in 120 s")
            sys.exit(1)
        out = (p.stdout + p.stderr).decode(errors="replace")
        print(out)
        ok = p.returncode == 0 and "FAIL" not in out and \
            out.count("ok ") == 3
        print("neovim: %s (exit %d)" % ("passed" if ok else "FAILED",
                                       p.returncode))
        sys.exit(0 if ok else 1)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
