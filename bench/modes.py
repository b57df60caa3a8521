"""modes.py - the pre-filter's soundness on real code: the findings of a
check must be identical with and without --no-prefilter. Checked on a whole
tree and on files checked alone (the pre-filter then has to find, among
files it does not check, every one a finding depends on: the harder case).
"""
import os
import random
import subprocess


def check_json(binary, cwd, paths, extra=()):
    res = subprocess.run(
        [binary, "check", "--isolated", "--exit-zero", "--format", "json",
         "--threads", "2"] + list(extra) + list(paths),
        cwd=cwd, capture_output=True, check=False)
    if res.returncode not in (0, 1):
        return "exit %d: %s" % (res.returncode,
                                res.stderr.decode("utf-8", "replace")[:300])
    return res.stdout.decode("utf-8", "replace")


def differences(binary, cwd, paths, extra=()):
    """The findings in one mode only, as "+CODE path:line" (pre-filter
    only) and "-CODE path:line" (--no-prefilter only); [] when equal."""
    fast = check_json(binary, cwd, paths, extra)
    slow = check_json(binary, cwd, paths, list(extra) + ["--no-prefilter"])
    if fast == slow:
        return []
    import json
    try:
        a = {"%s %s:%d" % (d["code"], d["path"], d["line"])
             for d in json.loads(fast)}
        b = {"%s %s:%d" % (d["code"], d["path"], d["line"])
             for d in json.loads(slow)}
    except ValueError:
        return ["?%s" % (fast if fast.startswith("exit") else slow)]
    diff = ["+" + x for x in sorted(a - b)] + ["-" + x for x in sorted(b - a)]
    return diff or ["~messages differ in %s" % " ".join(paths)]


def python_files(root):
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        out += [os.path.join(d, f) for f in sorted(files) if f.endswith(".py")]
    return out


def sample_files(root, n, seed):
    """n Python files of the tree, chosen with a fixed seed, relative to
    root's parent (as the checks name them)."""
    files = python_files(root)
    random.Random(seed).shuffle(files)
    parent = os.path.dirname(os.path.abspath(root))
    return [os.path.relpath(f, parent) for f in sorted(files[:n])]
