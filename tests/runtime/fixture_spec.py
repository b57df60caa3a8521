"""fixture_spec.py - reads the runtime expectations of a fixture's header
comments (the format is documented in runtime/README.md). Stdlib only."""

import re

_KEY = re.compile(r"^# (RUNTIME|RUNTIME-EXIT|RUNTIME-RAISES|RUNTIME-STDERR|STDOUT):(.*)$")


def read_spec(path):
    """Returns a dict: elapsed (float), exit (int), raises (str or None),
    stderr (list of substrings), stdout (str, exact), or None when the file
    has no `# RUNTIME:` line."""
    spec = {"elapsed": None, "exit": 0, "raises": None, "stderr": [],
            "stdout": []}
    seen = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = _KEY.match(line.rstrip("\n"))
            if not m:
                continue
            key, val = m.group(1), m.group(2)
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
    spec["stdout"] = "".join(s + "\n" for s in spec["stdout"])
    return spec
