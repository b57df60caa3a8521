#!/usr/bin/env python3
"""realworld.py - reruns the real-code counts of docs/real-world.md.

Usage: realworld.py CORPUS_DIR BINARY [--triage DIR] [--baseline DIR]
                     [--modes N]

CORPUS_DIR holds one folder per project of docs/real-world/projects.tsv,
checked out at the commit listed there. BINARY is asynclint. Each project is
checked (default selection and test-paths, no configuration file) and every
finding is joined with its verdict in the triage files (DIR/<project>.tsv:
location, code, context, verdict, class, reason). Prints, per project and per
rule, the findings and their verdicts (TP, FP, NOISE, or "new" when nobody has
triaged them yet), the precision outside test code, and how many of the
baseline's true positives are still reported.

Then the pre-filter's soundness: each project, and N files of it checked
alone (default 8, chosen with a fixed seed; --modes 0 skips this), are
checked with and without --no-prefilter, and any difference is listed.
"""
import collections
import json
import os
import subprocess
import sys

from modes import differences, sample_files

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "docs", "real-world")


def load_triage(folder, project):
    path = os.path.join(folder, project + ".tsv")
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 6:
                out[(parts[0], parts[1])] = parts
    return out


def projects():
    with open(os.path.join(DOCS, "projects.tsv"), encoding="utf-8") as f:
        rows = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    return [r for r in rows[1:] if len(r) >= 3]


def run(binary, corpus, name):
    res = subprocess.run(
        [binary, "check", "--isolated", "--exit-zero", "--format", "json",
         "--threads", "2", name],
        cwd=corpus, capture_output=True, check=False)
    if res.returncode not in (0, 1):
        sys.stderr.write(res.stderr.decode("utf-8", "replace"))
        return None
    return [("%s:%d:%d" % (d["path"], d["line"], d["column"]), d["code"])
            for d in json.loads(res.stdout)]


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    opts = dict(zip(argv[1:], argv[2:]))
    if len(args) < 2:
        print(__doc__)
        return 2
    corpus, binary = args[0], os.path.abspath(args[1])
    triage_dir = opts.get("--triage", os.path.join(DOCS, "triage"))
    baseline_dir = opts.get("--baseline", os.path.join(DOCS, "baseline"))
    total = collections.Counter()
    per_rule = collections.defaultdict(collections.Counter)
    kept_tp = lost_tp = 0
    print("%-22s %8s %5s %5s %5s %5s %5s  %s" %
          ("project", "findings", "TP", "FP", "NOISE", "new", "test",
           "precision outside tests"))
    for row in projects():
        name = row[0]
        if not os.path.isdir(os.path.join(corpus, name)):
            print("%-22s (not in %s)" % (name, corpus))
            continue
        found = run(binary, corpus, name)
        if found is None:
            continue
        triage = load_triage(triage_dir, name)
        c = collections.Counter()
        for key in found:
            t = triage.get(key)
            verdict = t[3] if t else "new"
            c[verdict] += 1
            if t and t[2] == "test":
                c["test"] += 1
            if not t or t[2] != "test":
                c["outside"] += 1
                c["outside_" + verdict] += 1
                per_rule[key[1]][verdict] += 1
        base = load_triage(baseline_dir, name)
        now = set(found)
        for key, t in base.items():
            if t[3] == "TP":
                if key in now:
                    kept_tp += 1
                else:
                    lost_tp += 1
                    print("  baseline TP no longer reported: %s %s" % key)
        total.update(c)
        out = c["outside"]
        print("%-22s %8d %5d %5d %5d %5d %5d  %s" %
              (name, len(found), c["TP"], c["FP"], c["NOISE"], c["new"],
               c["test"],
               "%d/%d = %.0f%%" % (c["outside_TP"], out,
                                   100.0 * c["outside_TP"] / out)
               if out else "-"))
    out = total["outside"]
    print("%-22s %8d %5d %5d %5d %5d %5d  %s" %
          ("all", sum(total[v] for v in ("TP", "FP", "NOISE", "new")),
           total["TP"], total["FP"], total["NOISE"], total["new"],
           total["test"],
           "%d/%d = %.0f%%" % (total["outside_TP"], out,
                               100.0 * total["outside_TP"] / out)
           if out else "-"))
    print("\nper rule, outside test code:")
    for rule in sorted(per_rule):
        c = per_rule[rule]
        n = sum(c.values())
        print("  %s %4d findings: %3d TP %3d FP %3d NOISE %3d new  (%.0f%% TP)"
              % (rule, n, c["TP"], c["FP"], c["NOISE"], c["new"],
                 100.0 * c["TP"] / n))
    if kept_tp or lost_tp:
        print("\nbaseline true positives still reported: %d of %d" %
              (kept_tp, kept_tp + lost_tp))
    nsample = int(opts.get("--modes", "8"))
    if nsample:
        report_modes(binary, corpus, nsample)
    return 0


def report_modes(binary, corpus, nsample):
    """Pre-filter on and off must agree: on each project, and on nsample
    of its files checked alone."""
    checks = found = 0
    print("\npre-filter soundness (same findings with --no-prefilter):")
    for row in projects():
        name = row[0]
        if not os.path.isdir(os.path.join(corpus, name)):
            continue
        runs = [[name]] + [[f] for f in sample_files(
            os.path.join(corpus, name), nsample, name)]
        for paths in runs:
            checks += 1
            for d in differences(binary, corpus, paths):
                found += 1
                print("  %s: %s" % (" ".join(paths), d))
    print("  %d checks, %d differences" % (checks, found))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
