#!/usr/bin/env python3
"""mutate_await.py - ASL1xx recall by mutation: remove `await` from real code.

Usage: mutate_await.py CORPUS_DIR BINARY [--seed N] [--per-project N]
                       [--pyright NODE_SCRIPT] [--out TSV] [--project NAME]
                       [--modes N] [--python ENV]

For each project folder of CORPUS_DIR (or only --project), a copy is made
in a temporary folder and up to N (default 200) statements of the form
`await CALL(...)` (an awaited call whose result is discarded, so the
mutant still runs) are chosen with a fixed seed; `await ` is removed from
each. asynclint (every ASL1xx rule, default test-paths, no configuration
file) is run on the copy, and a mutant counts as found when an ASL1xx
finding starts on its line. With --pyright, pyright's reportUnusedCoroutine
(no third-party package installed, type checking otherwise off) is run on
the same copy and counted the same way.

With --python, asynclint reads that Python environment (an interpreter or
a virtual environment folder holding the projects' dependencies): what a
user with the project's .venv gets; pyright still runs without one.

The pre-filter's soundness is checked on each mutated copy too: the copy,
and N of its mutated files checked alone (default 8; 0 skips it), must
give the same findings with --no-prefilter; differences are listed.

Recall is reported by the kind of callee, decided from the original
source with Python's ast (no types):
  asyncio-api        asyncio.X(...), or a name imported from asyncio
  self-method        self.m()/cls.m(), m defined in the enclosing class
  inherited-method   self.m()/cls.m()/super().m(), m defined elsewhere
  project-function   f(...), f a def of the module or imported from a
                     module of the project
  object-method      obj.m(...), m an `async def` somewhere in the project
  callable-variable  f(...), f a parameter or a local variable
  library            anything else (methods and functions of packages
                     outside the project)
"""
import ast
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

from modes import differences

KINDS = ["self-method", "inherited-method", "asyncio-api", "project-function",
         "object-method", "callable-variable", "library"]


def python_files(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith(".")
                         and x not in ("node_modules", "__pycache__"))
        for f in sorted(files):
            if f.endswith(".py"):
                yield os.path.join(d, f)


def module_names(root):
    """Dotted names of the project's modules, every suffix of their paths
    (src/pkg/mod.py gives src.pkg.mod, pkg.mod and mod)."""
    names = set()
    for path in python_files(root):
        parts = os.path.relpath(path, root)[:-3].split(os.sep)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        for k in range(len(parts)):
            names.add(".".join(parts[k:]))
    return names


class Scope(ast.NodeVisitor):
    """Collects, for one module, what the kind decision needs."""

    def __init__(self):
        self.defs = set()          # module-level def names
        self.imports = {}          # local name -> (module, attribute)

    def collect(self, tree):
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                 ast.ClassDef)):
                self.defs.add(node.name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.imports[(a.asname or a.name).split(".")[0]] = (
                        a.name if a.asname else a.name.split(".")[0], None)
            elif isinstance(node, ast.ImportFrom):
                mod = ("." * node.level) + (node.module or "")
                for a in node.names:
                    self.imports[a.asname or a.name] = (mod, a.name)


def async_method_names(trees):
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.AsyncFunctionDef):
                names.add(node.name)
    return names


def is_project_module(mod, project_modules):
    return mod.startswith(".") or mod in project_modules or any(
        mod.startswith(m + ".") for m in project_modules if "." not in m)


def classify(call, scope, enclosing_class, local_names, project_modules,
             async_names):
    f = call.func
    if isinstance(f, ast.Attribute):
        v = f.value
        if isinstance(v, ast.Name) and scope.imports.get(v.id, ("",))[0] \
                == "asyncio":
            return "asyncio-api"
        if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and \
                v.func.id == "super":
            return "inherited-method"
        if isinstance(v, ast.Name) and v.id in ("self", "cls"):
            if enclosing_class is not None and any(
                    isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and n.name == f.attr for n in enclosing_class.body):
                return "self-method"
            return "inherited-method"
        if isinstance(v, ast.Name) and v.id in scope.imports and \
                v.id not in local_names:
            mod = scope.imports[v.id]
            full = mod[0] if mod[1] is None else mod[0] + "." + mod[1]
            if is_project_module(full, project_modules):
                return "project-function"
            return "library"
        return "object-method" if f.attr in async_names else "library"
    if isinstance(f, ast.Name):
        if f.id in local_names:
            return "callable-variable"
        if f.id in scope.imports:
            mod, attr = scope.imports[f.id]
            if mod == "asyncio":
                return "asyncio-api"
            return ("project-function" if is_project_module(
                mod, project_modules) else "library")
        if f.id in scope.defs:
            return "project-function"
    return "library"


def local_names_of(fn):
    """Parameters and names a function binds (not nested defs')."""
    names = set()
    a = fn.args
    for p in a.posonlyargs + a.args + a.kwonlyargs:
        names.add(p.arg)
    for p in (a.vararg, a.kwarg):
        if p:
            names.add(p.arg)
    stack = list(fn.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                          ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
        stack.extend(ast.iter_child_nodes(n))
    return names


def candidates(path, source, project_modules, async_names):
    """(line, col, kind) of each `await CALL` statement of one file."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    scope = Scope()
    scope.collect(tree)
    lines = source.split("\n")
    out = []
    stack = [(tree, None, None)]
    while stack:
        node, cls, fn = stack.pop()
        for child in ast.iter_child_nodes(node):
            c_cls, c_fn = cls, fn
            if isinstance(child, ast.ClassDef):
                c_cls, c_fn = child, None
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                c_fn = child
                if fn is not None:
                    c_cls = None
            stack.append((child, c_cls, c_fn))
        if not (isinstance(node, ast.Expr) and isinstance(node.value,
                                                           ast.Await)):
            continue
        call = node.value.value
        if not isinstance(call, ast.Call) or call.lineno != node.lineno:
            continue
        line = lines[node.lineno - 1]
        head = line.encode("utf-8")[node.col_offset:call.col_offset] \
            .decode("utf-8", "replace")
        if head.strip() != "await" or not head.startswith("await"):
            continue
        locals_ = local_names_of(fn) if fn is not None else set()
        kind = classify(call, scope, cls, locals_, project_modules,
                        async_names)
        out.append((node.lineno, node.col_offset, call.col_offset, kind))
    return out


def mutate(root, rng, per_project):
    """Chooses mutants in the copy at `root` and applies them; returns
    [(relpath, line, kind)]."""
    project_modules = module_names(root)
    sources = {}
    trees = []
    for path in python_files(root):
        try:
            with open(path, encoding="utf-8") as f:
                sources[path] = f.read()
            trees.append(ast.parse(sources[path]))
        except (UnicodeDecodeError, SyntaxError, ValueError):
            sources.pop(path, None)
    async_names = async_method_names(trees)
    pool = []
    for path, src in sources.items():
        for line, start, call_col, kind in candidates(
                path, src, project_modules, async_names):
            pool.append((path, line, start, call_col, kind))
    rng.shuffle(pool)
    chosen = sorted(pool[:per_project])
    by_file = collections.defaultdict(list)
    for path, line, start, call_col, kind in chosen:
        by_file[path].append((line, start, call_col))
    for path, edits in by_file.items():
        lines = sources[path].split("\n")
        for line, start, call_col in edits:
            b = lines[line - 1].encode("utf-8")
            lines[line - 1] = (b[:start] + b[call_col:]).decode("utf-8")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    return [(os.path.relpath(p, root), line, kind)
            for p, line, _, _, kind in chosen]


ENV_ARGS = []  # ["--python", ENV] with --python


def asynclint_lines(binary, root, by_code):
    res = subprocess.run([binary, "check", "--isolated", "--exit-zero",
                          "--select", "ASL1", "--format", "json"] + ENV_ARGS +
                         ["."],
                         cwd=root, capture_output=True, check=False)
    found = json.loads(res.stdout)
    for d in found:
        by_code[d["code"]].append((d["path"], d["line"]))
    return {(d["path"], d["line"]) for d in found}


def pyright_lines(script, root):
    with open(os.path.join(root, "pyrightconfig.json"), "w") as f:
        json.dump({"typeCheckingMode": "off",
                   "reportUnusedCoroutine": "error"}, f)
    res = subprocess.run(["node", script, "--outputjson"], cwd=root,
                         capture_output=True, check=False)
    found = set()
    for d in json.loads(res.stdout).get("generalDiagnostics", []):
        if d.get("rule") == "reportUnusedCoroutine":
            found.add((os.path.relpath(d["file"], root),
                       d["range"]["start"]["line"] + 1))
    return found


def main(argv):
    opts = {}
    rest = argv[1:]
    args = []
    while rest:
        a = rest.pop(0)
        if a in ("-h", "--help") or (a.startswith("--") and not rest):
            print(__doc__)
            return 0 if a in ("-h", "--help") else 2
        if a.startswith("--"):
            opts[a] = rest.pop(0)
        else:
            args.append(a)
    if len(args) < 2:
        print(__doc__)
        return 2
    corpus, binary = args[0], os.path.abspath(args[1])
    seed = int(opts.get("--seed", "1"))
    per_project = int(opts.get("--per-project", "200"))
    pyright = opts.get("--pyright")
    if opts.get("--python"):
        ENV_ARGS[:] = ["--python", os.path.abspath(opts["--python"])]
    projects = [opts["--project"]] if "--project" in opts else sorted(
        p for p in os.listdir(corpus)
        if os.path.isdir(os.path.join(corpus, p)))
    totals = {"asynclint": collections.Counter(),
              "pyright": collections.Counter()}
    counts = collections.Counter()
    codes = collections.defaultdict(lambda: [0, 0])
    rows = []
    mode_diffs = []
    for name in projects:
        tmp = tempfile.mkdtemp(prefix="asl-mutate-")
        try:
            root = os.path.join(tmp, name)
            shutil.copytree(os.path.realpath(os.path.join(corpus, name)),
                            root, symlinks=True,
                            ignore=shutil.ignore_patterns(".git"))
            mutants = mutate(root, random.Random("%d:%s" % (seed, name)),
                             per_project)
            by_code = collections.defaultdict(list)
            found = {"asynclint": asynclint_lines(binary, root, by_code)}
            at = {(m[0], m[1]) for m in mutants}
            for code, places in by_code.items():
                codes[code][0] += len(places)
                codes[code][1] += sum(p in at for p in places)
            mode_diffs += mode_differences(binary, tmp, name, mutants,
                                           int(opts.get("--modes", "8")))
            if pyright:
                found["pyright"] = pyright_lines(os.path.abspath(pyright),
                                                 root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for path, line, kind in mutants:
            counts[kind] += 1
            mark = []
            for tool, lines in found.items():
                hit = (path, line) in lines
                totals[tool][kind] += hit
                mark.append("%s=%d" % (tool, hit))
            rows.append("\t".join([name, "%s:%d" % (path, line), kind]
                                  + mark))
        print("%-22s %4d mutants: asynclint %d%s" % (
            name, len(mutants),
            sum((m[0], m[1]) in found["asynclint"] for m in mutants),
            (", pyright %d" % sum((m[0], m[1]) in found["pyright"]
                                  for m in mutants)) if pyright else ""))
    print("\nasynclint findings on the mutated copies, by code (at a mutant "
          "/ all; the others were there before or are false):")
    for code in sorted(codes):
        print("  %s %d / %d" % (code, codes[code][1], codes[code][0]))
    if "--out" in opts:
        with open(opts["--out"], "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")
    tools = ["asynclint"] + (["pyright"] if pyright else [])
    print("\n%-18s %7s" % ("callee kind", "mutants") +
          "".join(" %16s" % t for t in tools))
    for kind in KINDS + ["all"]:
        n = sum(counts.values()) if kind == "all" else counts[kind]
        if not n:
            continue
        cells = ""
        for t in tools:
            k = sum(totals[t].values()) if kind == "all" else totals[t][kind]
            cells += " %16s" % ("%d (%.0f%%)" % (k, 100.0 * k / n))
        print("%-18s %7d%s" % (kind, n, cells))
    print("\npre-filter soundness on the mutated copies: %d differences"
          % len(mode_diffs))
    for d in mode_diffs:
        print("  " + d)
    return 0


def mode_differences(binary, tmp, name, mutants, nfiles):
    """Pre-filter on and off agree on the copy and on nfiles of its mutated
    files checked alone (paths relative to the copy's parent)."""
    if not nfiles:
        return []
    files = sorted({m[0] for m in mutants})[:nfiles]
    out = []
    for paths in [[name]] + [[os.path.join(name, f)] for f in files]:
        out += ["%s: %s" % (" ".join(paths), d)
                for d in differences(binary, tmp, paths,
                                     ["--select", "ASL1"] + ENV_ARGS)]
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv))
