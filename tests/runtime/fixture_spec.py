"""fixture_spec.py - reads the runtime expectations of a fixture's header
comments (the format is documented in runtime/README.md). Stdlib only.

A fix's twin (`X.py.fixed`, the fixture after `check --fix
--unsafe-fixes`) keeps the fixture's header; its expectations are the
`FIXED-` lines (`# FIXED-RUNTIME: elapsed=2 unblocked`, `# FIXED-STDOUT:`,
...), and the plain `RUNTIME-STDERR` lines it does not repeat must be gone
from its stderr: the warning the finding predicted no longer appears."""

import re

_KEY = re.compile(r"^# (FIXED-)?(RUNTIME|RUNTIME-EXIT|RUNTIME-RAISES|"
                  r"RUNTIME-STDERR|STDOUT):(.*)$")


def is_fixed_twin(path):
    return path.endswith(".py.fixed")


def read_spec(path):
    """Returns a dict: elapsed (float), exit (int), raises (str or None),
    stderr (list of substrings), stdout (str, exact), gone (substrings
    stderr must not contain), unblocked (the loop is never blocked), or
    None when the file has no `# RUNTIME:` line (`# FIXED-RUNTIME:` for a
    fix's twin)."""
    fixed = is_fixed_twin(path)
    spec = {"elapsed": None, "exit": 0, "raises": None, "stderr": [],
            "stdout": [], "gone": [], "unblocked": False}
    seen = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = _KEY.match(line.rstrip("\n"))
            if not m:
                continue
            prefix, key, val = m.group(1), m.group(2), m.group(3)
            if bool(prefix) != fixed:
                if fixed and key == "RUNTIME-STDERR":
                    spec["gone"].append(val.strip())
                continue
            if key == "STDOUT":
                spec["stdout"].append(val[1:] if val.startswith(" ") else val)
                continue
            val = val.strip()
            if key == "RUNTIME":
                seen = True
                for part in val.split():
                    k, _, v = part.partition("=")
                    if k == "elapsed":
                        spec["elapsed"] = float(v)
                    elif k == "unblocked":
                        spec["unblocked"] = True
            elif key == "RUNTIME-EXIT":
                spec["exit"] = int(val)
            elif key == "RUNTIME-RAISES":
                spec["raises"] = val
                if spec["exit"] == 0:
                    spec["exit"] = 1
            elif key == "RUNTIME-STDERR":
                spec["stderr"].append(val)
    if not seen:
        return None
    spec["gone"] = [g for g in spec["gone"] if g not in spec["stderr"]]
    spec["stdout"] = "".join(s + "\n" for s in spec["stdout"])
    return spec
