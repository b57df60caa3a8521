#!/usr/bin/env python3
"""Writes library_coroutines.def: the coroutine functions and methods of
the async libraries real applications call most, read from their sources,
so that ASL1xx knows `await session.close()` from `session.close()` when
no Python environment is at hand (pre-commit runs in one of its own).

Usage:
  gen_library_coroutines.py SOURCES_DIR > library_coroutines.def
  gen_library_coroutines.py --check SOURCES_DIR library_coroutines.def
  gen_library_coroutines.py --check-site SITE_PACKAGES library_coroutines.def

SOURCES_DIR holds one folder per library, named as in LIBRARIES below (a
checkout or an unpacked sdist; the package sits in the subfolder LIBRARIES
names; COMMIT and VERSION files in the library's folder, if any, are
copied into the table, VERSION where the package does not declare one).
Missing libraries are skipped (with --check: reported, not failed).
--check compares the table with the sources at hand, and --check-site with the libraries installed in a site-packages folder (any
version): an entry those sources define as a plain `def` fails; names
that version lacks, and coroutines the table lacks, are counted.

What counts: `async def` functions and methods (not async generators, not
@asynccontextmanager ones: calling those gives no coroutine), methods
inherited from the library's own bases (Python's MRO), and the few
helpers that make coroutine functions at import time (aiofiles' `wrap`
and `delegate_to_executor`). Dynamic attributes that nothing written
shows (motor's AsyncCommand descriptors, redis' command mixins returning
`Awaitable | Any`) are left out: no guess.
"""
import ast
import os
import re
import sys

# name: (folder under SOURCES_DIR/name holding the package, version file
#        (relative to that folder) and regex, {public name: module defining
#        or importing it})
LIBRARIES = {
    "aiohttp": (".", ("aiohttp/__init__.py", r'__version__ = "([^"]+)"'), {
        "aiohttp.ClientSession": "aiohttp.client",
        "aiohttp.ClientResponse": "aiohttp.client_reqrep",
        "aiohttp.ClientWebSocketResponse": "aiohttp.client_ws",
        "aiohttp.StreamReader": "aiohttp.streams",
        "aiohttp.TCPConnector": "aiohttp.connector",
        "aiohttp.BaseConnector": "aiohttp.connector",
        "aiohttp.web.Application": "aiohttp.web_app",
        "aiohttp.web.AppRunner": "aiohttp.web_runner",
        "aiohttp.web.TCPSite": "aiohttp.web_runner",
        "aiohttp.web.UnixSite": "aiohttp.web_runner",
        "aiohttp.web.BaseRequest": "aiohttp.web_request",
        "aiohttp.web.Request": "aiohttp.web_request",
        "aiohttp.web.StreamResponse": "aiohttp.web_response",
        "aiohttp.web.Response": "aiohttp.web_response",
        "aiohttp.web.FileResponse": "aiohttp.web_fileresponse",
        "aiohttp.web.WebSocketResponse": "aiohttp.web_ws",
    }),
    "asyncpg": (".", ("asyncpg/_version.py", r"__version__[^=]*= '([^']+)'"), {
        "asyncpg.connect": "asyncpg.connection",
        "asyncpg.Connection": "asyncpg.connection",
        "asyncpg.Pool": "asyncpg.pool",
        "asyncpg.pool.PoolConnectionProxy": "asyncpg.pool",
        "asyncpg.transaction.Transaction": "asyncpg.transaction",
        "asyncpg.prepared_stmt.PreparedStatement": "asyncpg.prepared_stmt",
        "asyncpg.cursor.Cursor": "asyncpg.cursor",
    }),
    "redis": (".", ("redis/__init__.py", r'__version__ = "([^"]+)"'), {
        "redis.asyncio.Redis": "redis.asyncio.client",
        "redis.asyncio.StrictRedis": "redis.asyncio.client",
        "redis.asyncio.client.Pipeline": "redis.asyncio.client",
        "redis.asyncio.client.PubSub": "redis.asyncio.client",
        "redis.asyncio.ConnectionPool": "redis.asyncio.connection",
        "redis.asyncio.Connection": "redis.asyncio.connection",
        "redis.asyncio.lock.Lock": "redis.asyncio.lock",
    }),
    "httpx": (".", ("httpx/__version__.py", r'__version__ = "([^"]+)"'), {
        "httpx.AsyncClient": "httpx._client",
        "httpx.Response": "httpx._models",
        "httpx.Request": "httpx._models",
        "httpx.AsyncHTTPTransport": "httpx._transports.default",
    }),
    "starlette": (".", ("starlette/__init__.py", r'__version__ = "([^"]+)"'), {
        "starlette.requests.Request": "starlette.requests",
        "starlette.requests.HTTPConnection": "starlette.requests",
        "starlette.websockets.WebSocket": "starlette.websockets",
        "starlette.concurrency.run_in_threadpool": "starlette.concurrency",
        "starlette.datastructures.UploadFile": "starlette.datastructures",
        "starlette.background.BackgroundTasks": "starlette.background",
        "starlette.background.BackgroundTask": "starlette.background",
    }),
    "aiofiles": ("src", ("../pyproject.toml", None), {
        "aiofiles.threadpool.binary.AsyncBufferedIOBase": "aiofiles.threadpool.binary",
        "aiofiles.threadpool.binary.AsyncBufferedReader": "aiofiles.threadpool.binary",
        "aiofiles.threadpool.binary.AsyncFileIO": "aiofiles.threadpool.binary",
        "aiofiles.threadpool.text.AsyncTextIOWrapper": "aiofiles.threadpool.text",
        "aiofiles.os": "aiofiles.os",
        "aiofiles.ospath": "aiofiles.ospath",
    }),
    "sqlalchemy": ("lib", ("sqlalchemy/__init__.py", r'__version__ = "([^"]+)"'), {
        "sqlalchemy.ext.asyncio.AsyncSession": "sqlalchemy.ext.asyncio.session",
        "sqlalchemy.ext.asyncio.AsyncConnection": "sqlalchemy.ext.asyncio.engine",
        "sqlalchemy.ext.asyncio.AsyncEngine": "sqlalchemy.ext.asyncio.engine",
        "sqlalchemy.ext.asyncio.AsyncTransaction": "sqlalchemy.ext.asyncio.engine",
        "sqlalchemy.ext.asyncio.AsyncResult": "sqlalchemy.ext.asyncio.result",
        "sqlalchemy.ext.asyncio.AsyncScalarResult": "sqlalchemy.ext.asyncio.result",
        "sqlalchemy.ext.asyncio.async_scoped_session": "sqlalchemy.ext.asyncio.scoping",
    }),
    "websockets": ("src", ("websockets/version.py", r'^tag = version = (?:commit = )?"([^"]+)"'), {
        "websockets.asyncio.client.ClientConnection": "websockets.asyncio.client",
        "websockets.asyncio.server.ServerConnection": "websockets.asyncio.server",
        "websockets.asyncio.server.Server": "websockets.asyncio.server",
        "websockets.ClientConnection": "websockets.asyncio.client",
        "websockets.ServerConnection": "websockets.asyncio.server",
        "websockets.Server": "websockets.asyncio.server",
    }),
    # The Jupyter stack's helper for values that may or may not be
    # awaitable (jupyter_server, jupyter_client, nbclient, ipykernel).
    "jupyter_core": (".", ("jupyter_core/version.py", r'__version__ = "([^"]+)"'), {
        "jupyter_core.utils.ensure_async": "jupyter_core.utils",
    }),
    "anyio": ("src", ("../pyproject.toml", None), {
        "anyio.sleep": "anyio._core._eventloop",
        "anyio.sleep_forever": "anyio._core._eventloop",
        "anyio.sleep_until": "anyio._core._eventloop",
        "anyio.open_file": "anyio._core._fileio",
        "anyio.run_process": "anyio._core._subprocesses",
        "anyio.open_process": "anyio._core._subprocesses",
        "anyio.connect_tcp": "anyio._core._sockets",
        "anyio.connect_unix": "anyio._core._sockets",
        "anyio.create_tcp_listener": "anyio._core._sockets",
        "anyio.create_unix_listener": "anyio._core._sockets",
        "anyio.getaddrinfo": "anyio._core._sockets",
        "anyio.wait_all_tasks_blocked": "anyio._core._testing",
        "anyio.to_thread.run_sync": "anyio.to_thread",
        "anyio.to_process.run_sync": "anyio.to_process",
        "anyio.Event": "anyio._core._synchronization",
        "anyio.Lock": "anyio._core._synchronization",
        "anyio.Condition": "anyio._core._synchronization",
        "anyio.Semaphore": "anyio._core._synchronization",
        "anyio.CapacityLimiter": "anyio._core._synchronization",
        "anyio.Path": "anyio._core._fileio",
        "anyio.AsyncFile": "anyio._core._fileio",
        "anyio.streams.memory.MemoryObjectSendStream": "anyio.streams.memory",
        "anyio.streams.memory.MemoryObjectReceiveStream": "anyio.streams.memory",
    }),
}


# Entries whose kind changed across the versions in use: a coroutine
# function in the version read, a plain def returning an awaitable in older
# ones (dropping that awaitable loses nothing there). --check notes them
# instead of failing. Each was seen in the version named.
VERSION_DEPENDENT = {
    "aiohttp.TCPConnector.close": "a plain def returning an awaitable in 3.8.4",
    "redis.asyncio.client.PubSub.close": "a plain def returning an awaitable in 4.3.4",
    "redis.asyncio.lock.Lock.release": "a plain def returning an awaitable in 4.3.4",
}


class Library:
    """The modules of one library under `root`, parsed on demand."""

    def __init__(self, root):
        self.root = root
        self.trees = {}

    def path_of(self, module):
        base = os.path.join(self.root, *module.split("."))
        for p in (base + ".pyi", base + ".py",
                  os.path.join(base, "__init__.pyi"),
                  os.path.join(base, "__init__.py")):
            if os.path.isfile(p):
                return p
        return None

    def tree(self, module):
        if module not in self.trees:
            p = self.path_of(module)
            tree = None
            if p:
                with open(p, encoding="utf-8") as f:
                    try:
                        tree = ast.parse(f.read())
                    except SyntaxError:
                        tree = None
            self.trees[module] = (tree, p and p.endswith("__init__.py"))
        return self.trees[module]

    def resolve(self, module, name, depth=0):
        """The (module, node) defining `name` as module `module` sees it,
        following `from X import name` (also inside `if TYPE_CHECKING:`
        and try blocks) and plain `name = other` aliases."""
        tree, is_pkg = self.tree(module)
        if tree is None or depth > 12:
            return None
        for node in module_level(tree.body):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef,
                                 ast.AsyncFunctionDef)) and \
                    node.name == name and \
                    "overload" not in decorator_names(node):
                return module, node
        for node in module_level(tree.body):
            if isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if (a.asname or a.name) == name:
                        src = absolute(module, is_pkg, node)
                        sub = self.resolve(src, a.name, depth + 1)
                        if sub:
                            return sub
                        if self.path_of(src + "." + a.name):
                            return src + "." + a.name, None
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name) and \
                    node.targets[0].id == name:
                if isinstance(node.value, ast.Name):
                    return self.resolve(module, node.value.id, depth + 1)
                return module, node
        return None


def module_level(body):
    """Statements at module level, looking into if/try blocks."""
    for node in body:
        if isinstance(node, ast.If):
            yield from module_level(node.body)
            yield from module_level(node.orelse)
        elif isinstance(node, ast.Try):
            yield from module_level(node.body)
            for h in node.handlers:
                yield from module_level(h.body)
            yield from module_level(node.orelse)
        else:
            yield node


def absolute(module, is_pkg, node):
    if not node.level:
        return node.module
    parts = module.split(".")
    if not is_pkg:
        parts = parts[:-1]
    if node.level > 1:
        parts = parts[:len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def decorator_names(fn):
    out = []
    for d in fn.decorator_list:
        if isinstance(d, ast.Call):
            d = d.func
        if isinstance(d, ast.Attribute):
            out.append(d.attr)
        elif isinstance(d, ast.Name):
            out.append(d.id)
    return out


def own_yield(fn):
    """Does `fn` itself yield (an async generator, not a coroutine)?"""
    stack = list(fn.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                          ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False


def is_coroutine_def(fn):
    return (isinstance(fn, ast.AsyncFunctionDef) and not own_yield(fn) and
            "asynccontextmanager" not in decorator_names(fn) and
            "overload" not in decorator_names(fn))


def string_args(call):
    return [a.value for a in call.args
            if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def class_members(cls):
    """{name: True (coroutine) / False (anything else)} bound in the body
    of ClassDef `cls`, including aiofiles' @delegate_to_executor names."""
    out = {}
    for d in cls.decorator_list:
        if isinstance(d, ast.Call) and isinstance(d.func, ast.Name):
            if d.func.id == "delegate_to_executor":
                for n in string_args(d):
                    out[n] = True
            elif d.func.id in ("proxy_method_directly",
                               "proxy_property_directly"):
                for n in string_args(d):
                    out[n] = False
    for node in module_level(cls.body):  # (version branches too)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if "overload" in decorator_names(node):
                continue
            coro = is_coroutine_def(node)
            # Branches that disagree (a def in one, async def in another)
            # leave the name uncertain: not a coroutine.
            out[node.name] = coro and out.get(node.name, True)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    value = node.value
                    out[t.id] = (isinstance(value, ast.Name) and
                                 out.get(value.id, False))
    return out


def mro(lib, module, cls, depth=0):
    """C3 linearization of the library classes of `cls`; a base outside
    the library (or unresolvable) ends its branch."""
    if depth > 20:
        return [(module, cls)]
    seqs = []
    for b in cls.bases:
        if isinstance(b, ast.Subscript):
            b = b.value
        name = b.id if isinstance(b, ast.Name) else None
        if isinstance(b, ast.Attribute):
            name = b.attr
        if not name:
            continue
        r = lib.resolve(module, name)
        if r and isinstance(r[1], ast.ClassDef):
            seqs.append(mro(lib, r[0], r[1], depth + 1))
    seqs.append([x for s in seqs for x in s[:1]])
    out = [(module, cls)]
    seqs = [list(s) for s in seqs if s]
    while seqs:
        for s in seqs:
            head = s[0]
            if not any(head in t[1:] for t in seqs):
                break
        else:
            break  # inconsistent: Python would refuse the class
        out.append(head)
        seqs = [[x for x in t if x != head] for t in seqs]
        seqs = [t for t in seqs if t]
    return out


def class_coroutines(lib, module, cls, plain=None):
    """The public coroutine methods of `cls` (MRO order decides); the
    other public names it binds go to `plain`."""
    seen, out = set(), []
    for m, c in mro(lib, module, cls):
        for name, coro in class_members(c).items():
            if name in seen or name.startswith("_"):
                continue
            seen.add(name)
            if coro:
                out.append(name)
            elif plain is not None:
                plain.append(name)
    return sorted(out)


def module_coroutines(lib, module, plain=None):
    """Public coroutine functions of a module, including aiofiles' `x =
    wrap(os.x)` ones; its other public defs go to `plain`."""
    tree, _ = lib.tree(module)
    out = []
    for node in module_level(tree.body if tree else []):
        if isinstance(node, ast.AsyncFunctionDef) and is_coroutine_def(node):
            out.append(node.name)
        elif isinstance(node, ast.FunctionDef) and plain is not None and \
                "overload" not in decorator_names(node):
            plain.append(node.name)
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and
              isinstance(node.targets[0], ast.Name) and
              isinstance(node.value, ast.Call) and
              isinstance(node.value.func, ast.Name) and
              node.value.func.id == "wrap"):
            out.append(node.targets[0].id)
    return sorted(n for n in out if not n.startswith("_"))


def version_of(libdir, folder, spec):
    """The version the package declares, or (versions the VCS sets at
    build time) the library folder's VERSION file."""
    path, regex = spec
    try:
        return open(os.path.join(libdir, "VERSION")).read().strip()
    except OSError:
        pass
    p = os.path.join(libdir, folder, path)
    try:
        text = open(p, encoding="utf-8").read()
    except OSError:
        return "unknown"
    if regex is None:  # a pyproject.toml: [project] version, else dynamic
        m = re.search(r'^version = "([^"]+)"', text, re.M)
        return m.group(1) if m else "unknown"
    m = re.search(regex, text, re.M)
    return m.group(1) if m else "unknown"


def site_version(site, name):
    """The version of an installed distribution, from its .dist-info or
    .egg-info folder name."""
    for f in sorted(os.listdir(site)):
        m = re.match(r"%s-([^-]+?)\.(dist|egg)-info$" % re.escape(name), f, re.I)
        if m:
            return m.group(1)
    return "unknown"


def read_library(sources, name, site=False, plain=None):
    """(version, coroutine names) of library `name` under `sources` (or,
    with `site`, installed in the site-packages folder `sources`); None
    when absent. Public names found but not coroutines go to `plain`."""
    folder, vspec, public = LIBRARIES[name]
    root = sources if site else os.path.normpath(
        os.path.join(sources, name, folder))
    if not os.path.isdir(os.path.join(root, name)):
        return None
    lib = Library(root)
    entries = []
    others = [] if plain is not None else None
    for pub, module in sorted(public.items()):
        last = pub.rsplit(".", 1)[1]
        if lib.path_of(module) and pub == module:  # a whole module
            names = module_coroutines(lib, module, others)
            entries += ["%s.%s" % (pub, f) for f in names]
            if others:
                plain.update("%s.%s" % (pub, f) for f in others)
                others.clear()
            continue
        r = lib.resolve(module, last)
        if not r or r[1] is None:
            if plain is None:  # generating: the spec is wrong (checking:
                # an older version without it, counted as absent)
                sys.stderr.write("%s: %s not found in %s\n" % (name, pub, module))
            continue
        m, node = r
        if isinstance(node, ast.ClassDef):
            names = class_coroutines(lib, m, node, others)
            entries += ["%s.%s" % (pub, meth) for meth in names]
            if others:
                plain.update("%s.%s" % (pub, f) for f in others)
                others.clear()
        elif is_coroutine_def(node):
            entries.append(pub)
        elif plain is not None:
            plain.add(pub)
    version = site_version(sources, name) if site else \
        version_of(os.path.join(sources, name), folder, vspec)
    return version, sorted(set(entries))


def commit_of(sources, name):
    p = os.path.join(sources, name, "COMMIT")
    try:
        return open(p).read().strip()
    except OSError:
        return ""


def generate(sources):
    print("/* Generated by gen_library_coroutines.py from the libraries' own "
          "sources: do not\n * edit. LIBRARY(name, version, commit) says "
          "what each library's entries were\n * read from; "
          "LIBRARY_COROUTINE(library, name) is a coroutine function or\n"
          " * method by its public dotted name. Sorted by name (the lookup "
          "bisects). */")
    rows = []
    for name in sorted(LIBRARIES):
        got = read_library(sources, name)
        if got is None:
            sys.stderr.write("%s: no sources under %s\n" % (name, sources))
            continue
        version, entries = got
        print('LIBRARY("%s", "%s", "%s")' % (name, version,
                                             commit_of(sources, name)))
        rows += [(e, name) for e in entries]
    for e, name in sorted(rows):
        print('LIBRARY_COROUTINE("%s", "%s")' % (name, e))


def check(sources, table, site=False):
    text = open(table, encoding="utf-8").read()
    have = {}
    for lib, name in re.findall(r'LIBRARY_COROUTINE\("([^"]+)", "([^"]+)"\)', text):
        have.setdefault(lib, set()).add(name)
    names = [n for _, n in re.findall(r'LIBRARY_COROUTINE\("([^"]+)", "([^"]+)"\)', text)]
    failed = names != sorted(names)
    if failed:
        print("FAIL: the table is not sorted by name")
    for lib in sorted(LIBRARIES):
        plain = set()
        got = read_library(sources, lib, site, plain)
        if got is None:
            print("skip %s: not in %s" % (lib, sources))
            continue
        version, entries = got
        mine = have.get(lib, set())
        # A plain def where the table says coroutine is wrong for this
        # version; a name this version lacks (older or newer) is not.
        wrong = sorted(mine & plain)
        absent = sorted(mine - plain - set(entries))
        extra = sorted(set(entries) - mine)
        for m in [m for m in wrong if m in VERSION_DEPENDENT]:
            print("note %s %s: %s (known)" % (lib, m, VERSION_DEPENDENT[m]))
        wrong = [m for m in wrong if m not in VERSION_DEPENDENT]
        for m in wrong:
            print("FAIL %s %s: a plain def in %s %s" % (lib, m, lib, version))
        failed |= bool(wrong)
        print("%s %s %s: %d entries, %d coroutine functions here, %d absent "
              "here, %d coroutine functions the table lacks" % (
                  "FAIL" if wrong else "ok  ", lib, version, len(mine),
                  len(mine & set(entries)), len(absent), len(extra)))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 2:
        generate(argv[1])
        return 0
    if len(argv) == 4 and argv[1] == "--check":
        return check(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "--check-site":
        return check(argv[2], argv[3], site=True)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
