#!/usr/bin/env python3
"""The language server (`asynclint server`, issue 19) driven by a scripted
LSP client over pipes: every method it serves, cross-file re-checks, UTF-16
positions, and malformed input (bad or missing Content-Length, truncated
body, invalid JSON, unknown methods, out-of-range positions, a message past
the size limit), each with the response the protocol asks for, never a
crash or a hang. Everything the server writes on stdout must be framed
protocol messages.

Usage: test_server.py ASYNCLINT
With ASL_SERVER_BUILT=0 (a build without cJSON) it checks that `server`
says so and exits 2.
"""
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = float(os.environ.get("ASL_SERVER_TIMEOUT", "30"))
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def uri(path):
    return "file://" + path


class Client:
    """One server process; a thread splits its stdout into messages."""

    def __init__(self, binary, cwd, args=()):
        self.errlog = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([binary, "server", *args], cwd=cwd,
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self.errlog)
        self.inbox = queue.Queue()
        self.framing_ok = True
        self.next_id = 0
        self.held = []  # messages read while waiting for something else
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if b":" not in line or not line.endswith(b"\r\n"):
                    self.framing_ok = False
                    continue
                k, v = line.split(b":", 1)
                headers[k.strip().lower()] = v.strip()
            try:
                n = int(headers[b"content-length"])
                body = out.read(n)
                self.inbox.put(json.loads(body))
            except (KeyError, ValueError):
                self.framing_ok = False

    def raw(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method, params=None):
        m = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            m["params"] = params
        self.send(m)

    def request(self, method, params=None):
        self.next_id += 1
        m = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            m["params"] = params
        self.send(m)
        return self.next_id

    def wait(self, pred, timeout=TIMEOUT):
        """The first message (held back or new) that pred accepts; None on
        a timeout or when the server's output ended."""
        for i, m in enumerate(self.held):
            if pred(m):
                return self.held.pop(i)
        end = time.time() + timeout
        while time.time() < end:
            try:
                m = self.inbox.get(timeout=max(0.01, end - time.time()))
            except queue.Empty:
                break
            if m is None:
                self.inbox.put(None)
                return None
            if pred(m):
                return m
            self.held.append(m)
        return None

    def response(self, rid, timeout=TIMEOUT):
        return self.wait(lambda m: m.get("id") == rid and "method" not in m,
                         timeout)

    def call(self, method, params=None):
        return self.response(self.request(method, params))

    def diagnostics(self, path, pred=lambda ds: True, timeout=TIMEOUT):
        """The next diagnostics published for path that pred accepts."""
        m = self.wait(lambda m: m.get("method") ==
                      "textDocument/publishDiagnostics" and
                      m["params"]["uri"] == uri(path) and
                      pred(m["params"]["diagnostics"]), timeout)
        return m["params"]["diagnostics"] if m else None

    def flush_diagnostics(self):
        self.held = [m for m in self.held
                     if m.get("method") != "textDocument/publishDiagnostics"]

    def open(self, path, text, version=1):
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(path), "languageId": "python", "version": version,
            "text": text}})

    def change(self, path, version, changes):
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": uri(path), "version": version},
            "contentChanges": changes})

    def init(self, root, options=None, caps=None):
        params = {"processId": os.getpid(), "rootUri": uri(root),
                  "capabilities": caps or {},
                  "workspaceFolders": [{"uri": uri(root), "name": "ws"}]}
        if options is not None:
            params["initializationOptions"] = options
        r = self.call("initialize", params)
        self.notify("initialized", {})
        return r

    def finish(self, timeout=TIMEOUT):
        """Closes stdin; the exit status (None if it hung)."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def end(self, label):
        """shutdown, exit, and a check that the server ended with 0."""
        self.call("shutdown")
        self.notify("exit")
        check(self.finish() == 0, "%s session ends cleanly" % label)

    def stderr(self):
        self.errlog.seek(0)
        return self.errlog.read().decode(errors="replace")


def codes(diags):
    return sorted(d["code"] for d in diags or [])


def rng(sl, sc, el, ec):
    return {"start": {"line": sl, "character": sc},
            "end": {"line": el, "character": ec}}


def apply_edits(text, edits):
    """Applies LSP TextEdits (UTF-16 positions) to text."""
    lines = text.split("\n")

    def offset(pos):
        before = sum(len(l) + 1 for l in lines[:pos["line"]])
        line = lines[pos["line"]] if pos["line"] < len(lines) else ""
        units = line.encode("utf-16-le")[:2 * pos["character"]]
        return before + len(units.decode("utf-16-le"))
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"],
                                          e["range"]["start"]["character"]),
                    reverse=True):
        a, b = offset(e["range"]["start"]), offset(e["range"]["end"])
        text = text[:a] + e["newText"] + text[b:]
    return text


def make_project(root):
    os.makedirs(os.path.join(root, "pkg"))
    with open(os.path.join(root, "pyproject.toml"), "w") as f:
        f.write("[project]\nname = 'demo'\n")
    files = {
        "pkg/__init__.py": "",
        "pkg/helpers.py": "def helper():\n    return 1\n",
        "pkg/aio.py": "async def fetch():\n    return 2\n",
        "pkg/user.py": ("from pkg.helpers import helper\n\n\n"
                        "async def main():\n    helper()\n"),
    }
    for rel, text in files.items():
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)


UNAWAITED = ("from pkg.aio import fetch\n\n\n"
             "async def main():\n    x = \"\U0001F600\"; fetch()\n")


def test_lifecycle_and_diagnostics(binary, root):
    c = Client(binary, root)
    early = c.call("textDocument/hover", {
        "textDocument": {"uri": uri(root + "/x.py")},
        "position": {"line": 0, "character": 0}})
    check(early and early.get("error", {}).get("code") == -32002,
          "a request before initialize gets ServerNotInitialized")
    r = c.init(root)
    caps = (r or {}).get("result", {}).get("capabilities", {})
    check(caps.get("textDocumentSync", {}).get("change") == 2,
          "initialize: incremental sync")
    check(caps.get("hoverProvider") is True and "codeActionProvider" in caps,
          "initialize: hover and code actions")
    check("diagnosticProvider" not in caps,
          "initialize: no pull diagnostics for a client that cannot pull")
    check(c.call("initialize", {"capabilities": {}}).get("error", {})
          .get("code") == -32600, "a second initialize is refused")

    main = os.path.join(root, "pkg", "main.py")
    c.open(main, UNAWAITED)
    ds = c.diagnostics(main, lambda ds: len(ds) > 0)
    check(codes(ds) == ["ASL101"], "didOpen: the unawaited call is published")
    d = ds[0] if ds else {}
    # `    x = "😀"; fetch()`: the emoji is 2 UTF-16 units, fetch() at 14.
    check(d.get("range") == rng(4, 14, 4, 21),
          "diagnostic range in UTF-16 units: %s" % d.get("range"))
    check(d.get("source") == "asynclint" and d.get("severity") in (1, 2)
          and "fetch" in d.get("message", ""),
          "diagnostic: source, severity, message")

    hv = c.call("textDocument/hover", {
        "textDocument": {"uri": uri(main)},
        "position": {"line": 4, "character": 17}})
    value = ((hv or {}).get("result") or {}).get("contents", {}).get("value", "")
    check("ASL101" in value and "pkg/aio.py" in value,
          "hover on the finding: code and the coroutine's definition")
    nothing = c.call("textDocument/hover", {
        "textDocument": {"uri": uri(main)},
        "position": {"line": 0, "character": 0}})
    check(nothing and nothing.get("result") is None,
          "hover away from a finding: null")

    ca = c.call("textDocument/codeAction", {
        "textDocument": {"uri": uri(main)}, "range": rng(4, 16, 4, 16),
        "context": {"diagnostics": ds or []}})
    actions = (ca or {}).get("result") or []
    titles = [a["title"] for a in actions]
    check(any("await" in t for t in titles) and
          any("noqa" in t.lower() or "Disable ASL101" in t for t in titles),
          "codeAction: the fix and the noqa action: %s" % titles)
    fix = next((a for a in actions if "await" in a["title"]), None)
    fixed = apply_edits(UNAWAITED, fix["edit"]["changes"][uri(main)]) \
        if fix else ""
    check("; await fetch()" in fixed, "the fix's edit adds await")
    noqa = next((a for a in actions if "ASL101 for this line" in a["title"]),
                None)
    silenced = apply_edits(UNAWAITED, noqa["edit"]["changes"][uri(main)]) \
        if noqa else ""
    check(silenced.splitlines()[4:5] ==
          ["    x = \"\U0001F600\"; fetch()  # noqa: ASL101"],
          "the noqa action appends # noqa: ASL101")

    # Incremental edit: `await ` inserted before fetch (UTF-16 column 14).
    c.flush_diagnostics()
    c.change(main, 2, [{"range": rng(4, 14, 4, 14), "text": "await "}])
    ds = c.diagnostics(main)
    check(ds == [], "didChange (incremental): the finding goes away")
    # The noqa action then: the line already has a noqa comment.
    c.change(main, 3, [{"text": UNAWAITED.replace(
        "fetch()\n", "fetch()  # noqa: ASL999\n")}])
    ds = c.diagnostics(main)
    check(codes(ds) == ["ASL101"], "didChange (whole text)")
    ca = c.call("textDocument/codeAction", {
        "textDocument": {"uri": uri(main)}, "range": rng(4, 0, 4, 30),
        "context": {"diagnostics": []}})
    edits = [e for a in (ca or {}).get("result") or []
             if "for this line" in a["title"]
             for e in a["edit"]["changes"][uri(main)]]
    check(len(edits) == 1 and edits[0]["newText"] == ", ASL101",
          "the noqa action extends an existing noqa list")
    only = c.call("textDocument/codeAction", {
        "textDocument": {"uri": uri(main)}, "range": rng(4, 0, 4, 0),
        "context": {"diagnostics": [], "only": ["source.organizeImports"]}})
    check(only and only.get("result") == [],
          "codeAction with context.only excluding quickfix: none")

    c.notify("textDocument/didSave", {"textDocument": {"uri": uri(main)}})
    c.notify("textDocument/didClose", {"textDocument": {"uri": uri(main)}})
    ds = c.diagnostics(main)
    check(ds == [], "didClose: the document's diagnostics are cleared")

    check(c.call("shutdown").get("result", "x") is None,
          "shutdown answers null")
    late = c.call("textDocument/hover", {
        "textDocument": {"uri": uri(main)},
        "position": {"line": 0, "character": 0}})
    check(late and late.get("error", {}).get("code") == -32600,
          "a request after shutdown is refused")
    c.notify("exit")
    check(c.finish() == 0, "exit after shutdown: status 0")
    check(c.framing_ok, "stdout holds protocol messages only")
    check("check 1 of" in c.stderr(), "the log goes to stderr")


def test_cross_file(binary, root):
    c = Client(binary, root)
    c.init(root)
    helpers = os.path.join(root, "pkg", "helpers.py")
    user = os.path.join(root, "pkg", "user.py")
    with open(helpers) as f:
        helpers_text = f.read()
    with open(user) as f:
        user_text = f.read()
    c.open(user, user_text)
    c.open(helpers, helpers_text)
    ds = c.diagnostics(user)
    check(ds == [], "cross-file: a sync helper's call is fine")
    # Make the helper `async def` without saving: user.py's call is now
    # an unawaited coroutine.
    c.flush_diagnostics()
    c.change(helpers, 2, [{"range": rng(0, 0, 0, 0), "text": "async "}])
    ds = c.diagnostics(user, lambda ds: len(ds) > 0)
    check(codes(ds) == ["ASL101"],
          "cross-file: editing the helper re-checks its importer")
    c.notify("textDocument/didClose", {"textDocument": {"uri": uri(helpers)}})
    ds = c.diagnostics(user, lambda ds: ds == [])
    check(ds == [], "cross-file: closing the helper reverts it to the disk")
    # A file changed on disk (not open), told by didChangeWatchedFiles.
    with open(helpers, "w") as f:
        f.write("async def helper():\n    return 1\n")
    c.notify("workspace/didChangeWatchedFiles",
             {"changes": [{"uri": uri(helpers), "type": 2}]})
    ds = c.diagnostics(user, lambda ds: len(ds) > 0)
    check(codes(ds) == ["ASL101"], "didChangeWatchedFiles: re-checked")
    # Configuration: ignore ASL101, then a wrong selector (kept as before).
    c.notify("workspace/didChangeConfiguration",
             {"settings": {"asynclint": {"ignore": ["ASL101"]}}})
    ds = c.diagnostics(user, lambda ds: ds == [])
    check(ds == [], "didChangeConfiguration: ignore applies")
    c.notify("workspace/didChangeConfiguration",
             {"settings": {"asynclint": {"select": ["NOPE1"]}}})
    msg = c.wait(lambda m: m.get("method") == "window/showMessage")
    check(msg is not None, "a wrong setting is said with showMessage")
    c.notify("workspace/didChangeConfiguration", {"settings": {}})
    ds = c.diagnostics(user, lambda ds: len(ds) > 0)
    check(codes(ds) == ["ASL101"], "settings cleared: ASL101 is back")
    with open(helpers, "w") as f:
        f.write(helpers_text)
    c.end("cross-file")


def test_odd_documents(binary, root):
    c = Client(binary, root)
    c.init(root, options={"settings": {"select": ["ASL1"]}})
    outside_dir = tempfile.mkdtemp(prefix="asl-outside-")
    outside = os.path.join(outside_dir, "other.py")
    c.open(outside, "import asyncio\n\nasync def f():\n    asyncio.sleep(1)\n")
    ds = c.diagnostics(outside)
    check(ds is not None, "a document outside the workspace is checked")
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": "untitled:Untitled-1", "languageId": "python", "version": 1,
        "text": "import asyncio\nasync def f():\n    asyncio.sleep(1)\n"}})
    m = c.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
               and m["params"]["uri"] == "untitled:Untitled-1")
    check(m is not None and codes(m["params"]["diagnostics"]) == ["ASL101"],
          "an untitled document is checked from its text")
    bom = os.path.join(root, "pkg", "bom.py")
    c.open(bom, "\ufefffrom pkg.aio import fetch; fetch()\n")
    ds = c.diagnostics(bom, lambda ds: len(ds) > 0)
    check(ds and ds[0]["range"]["start"] == {"line": 0, "character": 28},
          "a byte-order mark counts as a character of line 1: %s"
          % (ds[0]["range"] if ds else None))
    never = os.path.join(root, "pkg", "unsaved.py")
    c.open(never, UNAWAITED)
    ds = c.diagnostics(never, lambda ds: len(ds) > 0)
    check(codes(ds) == ["ASL101"], "a new file never saved is checked")
    # Out-of-range positions clamp; negative ones too.
    c.change(never, 2, [{"range": rng(1000, 1000, 2000, 5), "text": "\n# end\n"},
                        {"range": rng(-5, -1, 0, 0), "text": "# top\n"},
                        {"range": rng(4, 99, 4, 3), "text": ""}])
    ds = c.diagnostics(never)
    check(ds is not None, "out-of-range and reversed edit ranges clamp")
    hv = c.call("textDocument/hover", {
        "textDocument": {"uri": uri(never)},
        "position": {"line": 10**12, "character": 10**12}})
    check(hv is not None and "error" not in hv,
          "hover far past the end: an answer")
    ca = c.call("textDocument/codeAction", {
        "textDocument": {"uri": uri(never)}, "range": rng(10**9, 0, 0, 10**9),
        "context": {"diagnostics": []}})
    check(ca is not None and isinstance(ca.get("result"), list),
          "codeAction with an odd range: a list")
    bad = c.call("textDocument/hover", {"textDocument": {"uri": uri(never)}})
    check(bad and bad.get("error", {}).get("code") == -32602,
          "hover without a position: InvalidParams")
    unknown = c.call("textDocument/hover", {
        "textDocument": {"uri": uri(root + "/not-open.py")},
        "position": {"line": 0, "character": 0}})
    check(unknown and unknown.get("result") is None,
          "hover in a document not open: null")
    c.notify("textDocument/didChange", {"textDocument": {"uri": "file:///nope.py"},
                                        "contentChanges": [{"text": "x"}]})
    c.notify("textDocument/didClose", {"textDocument": {"uri": "file:///nope.py"}})
    c.notify("textDocument/didOpen", {"textDocument": {"uri": 5}})
    toml = uri(os.path.join(root, "pyproject.toml"))
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": toml, "languageId": "toml", "version": 1,
        "text": "[project]\nname = 'demo'\n"}})
    c.change(never, 3, [{"text": UNAWAITED}])
    c.diagnostics(never)
    alive = c.call("shutdown")
    check(alive is not None and "result" in alive,
          "notifications about unknown documents change nothing")
    check(not any(m.get("params", {}).get("uri") == toml for m in c.held),
          "a document in another language is not checked")
    c.notify("exit")
    check(c.finish() == 0, "odd documents: clean exit")
    shutil.rmtree(outside_dir, ignore_errors=True)


def test_malformed(binary, root):
    c = Client(binary, root)
    c.raw(b"Content-Length: 9\r\n\r\n{not json")
    r = c.wait(lambda m: "error" in m)
    check(r and r["error"]["code"] == -32700 and r["id"] is None,
          "invalid JSON: ParseError with a null id")
    c.raw(b"Content-Length: abc\r\n\r\n")
    r = c.wait(lambda m: "error" in m)
    check(r and r["error"]["code"] == -32700, "bad Content-Length: ParseError")
    c.raw(b"Content-Type: application/json\r\n\r\n")
    r = c.wait(lambda m: "error" in m)
    check(r and r["error"]["code"] == -32700,
          "missing Content-Length: ParseError")
    c.send([1, 2, 3])
    r = c.wait(lambda m: "error" in m)
    check(r and r["error"]["code"] == -32600, "a JSON array: InvalidRequest")
    c.send({"jsonrpc": "2.0", "id": {"x": 1}, "method": "initialize"})
    r = c.wait(lambda m: "error" in m)
    check(r and r["error"]["code"] == -32600, "an object id: InvalidRequest")
    deep = b"[" * 200000 + b"]" * 200000
    c.raw(b"Content-Length: %d\r\n\r\n" % len(deep) + deep)
    r = c.wait(lambda m: "error" in m)
    check(r and r["error"]["code"] == -32700,
          "JSON nested 200,000 deep: ParseError, no crash")
    c.raw(b"content-length:   2  \r\nContent-Type: x\r\n\r\n{}")
    r = c.wait(lambda m: "error" in m)
    check(r and r["error"]["code"] == -32600,
          "headers in any case, with spaces and others: read")
    c.init(root)
    r = c.call("textDocument/hover", [1, 2])
    check(r and r.get("error", {}).get("code") == -32602,
          "params of the wrong type: InvalidParams")
    r = c.call("textDocument/codeAction", None)
    check(r and r.get("error", {}).get("code") == -32602,
          "codeAction without params: InvalidParams")
    r = c.call("textDocument/definitelyUnknown", {})
    check(r and r.get("error", {}).get("code") == -32601,
          "unknown request: MethodNotFound")
    c.notify("$/unknownNotification", {"x": 1})
    c.notify("$/cancelRequest", {"id": 99})
    rid = c.request("shutdown")
    first = c.wait(lambda m: "id" in m)
    check(first and first.get("id") == rid,
          "unknown notifications get no answer")
    # Past the size limit (64 MiB): refused, the body skipped, then the
    # stream goes on.
    big = 65 * 1024 * 1024
    c.raw(b"Content-Length: %d\r\n\r\n" % big)
    chunk = b" " * (1 << 20)
    for _ in range(65):
        c.raw(chunk)
    r = c.wait(lambda m: "error" in m)
    check(r and r["error"]["code"] == -32700, "a message past the limit: "
          "ParseError")
    r = c.call("textDocument/hover", {})
    check(r and r.get("error", {}).get("code") == -32600,
          "the stream goes on after the oversized message")
    # A body cut short by the end of input: the server exits, no hang.
    c.raw(b"Content-Length: 100\r\n\r\n{\"jsonrpc\":")
    status = c.finish()
    check(status == 1, "truncated body at end of input: exit 1, no hang "
          "(%s)" % status)
    check(c.framing_ok, "malformed input: stdout still framed")


def test_large_document(binary, root):
    c = Client(binary, root)
    c.init(root)
    path = os.path.join(root, "pkg", "big.py")
    body = "x = 1\n" * 400000 + UNAWAITED
    c.open(path, body)
    ds = c.diagnostics(path, lambda ds: len(ds) > 0, timeout=TIMEOUT * 6)
    check(codes(ds) == ["ASL101"], "a 2.4 MB document is checked")
    c.notify("exit")
    check(c.finish() == 1, "exit without shutdown: status 1")


REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def server_findings(c, paths, base, version=1):
    """Waits for every path's diagnostics of that version: {(relpath,
    line, code, message)}."""
    found = set()
    for p in paths:
        m = c.wait(lambda m: m.get("method") ==
                   "textDocument/publishDiagnostics" and
                   m["params"]["uri"] == uri(p) and
                   m["params"].get("version") == version)
        for d in m["params"]["diagnostics"] if m else []:
            found.add((os.path.relpath(p, base), d["range"]["start"]["line"] + 1,
                       d["code"], d["message"]))
    return found


def test_same_as_check(binary):
    """The server's findings (a session keeping facts between checks) are
    check's, on every multi-file fixture, before and after edits."""
    for family in sorted(os.listdir(os.path.join(REPO, "fixtures"))):
        top = os.path.join(REPO, "fixtures", family)
        if family == "runtime" or not os.path.isdir(top):
            continue
        for name in sorted(os.listdir(top)):
            src = os.path.join(top, name)
            if not os.path.isdir(src):
                continue
            work = tempfile.mkdtemp(prefix="asl-same-")
            try:
                base = os.path.join(work, name)
                shutil.copytree(src, base)
                paths = sorted(os.path.join(d, f)
                               for d, _, fs in os.walk(base) for f in fs
                               if f.endswith(".py"))
                cli = subprocess.run(
                    [binary, "check", "--isolated", "--format", "json",
                     "--threads", "2"] + paths, cwd=base, capture_output=True)
                want = {(os.path.relpath(os.path.join(base, d["path"]), base),
                         d["line"], d["code"], d["message"])
                        for d in json.loads(cli.stdout or b"[]")}
                c = Client(binary, base, args=["--isolated"])
                c.init(base)
                texts = {}
                for p in paths:
                    with open(p, encoding="utf-8", errors="replace") as f:
                        texts[p] = f.read()
                    c.open(p, texts[p])
                got = server_findings(c, paths, base)
                check(got == want, "%s/%s: the server's findings are check's"
                      % (family, name) + ("" if got == want else
                                          " (missing %s, extra %s)" %
                                          (sorted(want - got)[:3],
                                           sorted(got - want)[:3])))
                # Each file alone, the others indexed from the cache (after
                # they were rewritten on disk): its findings are check's of
                # that file, before and after an edit of it.
                for p in paths:
                    c.notify("textDocument/didClose",
                             {"textDocument": {"uri": uri(p)}})
                for p in paths:
                    with open(p, "w", encoding="utf-8") as f:
                        f.write(texts[p])
                c.notify("workspace/didChangeWatchedFiles", {"changes": [
                    {"uri": uri(p), "type": 2} for p in paths]})
                same = True
                for p in paths:
                    one = subprocess.run(
                        [binary, "check", "--isolated", "--format", "json",
                         "--threads", "2", p], cwd=base, capture_output=True)
                    want = {(os.path.relpath(os.path.join(base, d["path"]),
                                             base), d["line"], d["code"],
                             d["message"])
                            for d in json.loads(one.stdout or b"[]")}
                    c.open(p, texts[p], version=7)
                    got = server_findings(c, [p], base, version=7)
                    end = texts[p].count("\n")
                    c.change(p, 8, [{"range": rng(end + 1, 0, end + 1, 0),
                                     "text": "\n# edited\n"}])
                    again = server_findings(c, [p], base, version=8)
                    c.notify("textDocument/didClose",
                             {"textDocument": {"uri": uri(p)}})
                    if got != want or again != want:
                        same = False
                        print("  %s: want %s got %s then %s" % (
                            p, sorted(want)[:2], sorted(got)[:2],
                            sorted(again)[:2]))
                check(same, "%s/%s: each file alone (the rest from the "
                      "cache) as check finds it" % (family, name))
                c.notify("exit")
                c.finish()
            finally:
                shutil.rmtree(work, ignore_errors=True)


def test_chain_and_watchers(binary):
    """An ASL210 finding carries its chain as relatedInformation and shows
    it on hover; a client that can register file watchers is asked to."""
    work = tempfile.mkdtemp(prefix="asl-chain-")
    try:
        base = os.path.join(work, "chain")
        shutil.copytree(os.path.join(REPO, "fixtures", "ASL2xx",
                                     "ASL210_chain"), base)
        api = os.path.join(base, "app", "api.py")
        with open(api, encoding="utf-8") as f:
            text = f.read()
        c = Client(binary, base, args=["--isolated"])
        c.init(base, caps={"workspace": {"didChangeWatchedFiles": {
            "dynamicRegistration": True}}})
        reg = c.wait(lambda m: m.get("method") == "client/registerCapability")
        check(reg is not None and reg["params"]["registrations"][0]["method"]
              == "workspace/didChangeWatchedFiles",
              "initialized: file watchers registered with the client")
        if reg:
            c.send({"jsonrpc": "2.0", "id": reg["id"], "result": None})
        c.open(api, text)
        ds = c.diagnostics(api, lambda ds: len(ds) > 0)
        chain = next((d for d in ds or [] if d["code"] == "ASL210"
                      and len(d.get("relatedInformation", [])) == 3), None)
        rel = chain["relatedInformation"] if chain else []
        check(chain is not None and rel[0]["location"]["uri"] ==
              uri(os.path.join(base, "app", "util.py")) and
              rel[0]["location"]["range"]["start"]["line"] == 10 and
              "step 1 of the chain" in rel[0]["message"],
              "ASL210: the chain as relatedInformation")
        if chain:
            hv = c.call("textDocument/hover", {
                "textDocument": {"uri": uri(api)},
                "position": chain["range"]["start"]})
            value = ((hv or {}).get("result") or {}).get("contents", {}) \
                .get("value", "")
            check("ASL210" in value and "app/util.py:7:10" in value and
                  "blocking call `open()`" in value,
                  "hover on an ASL210 finding shows its chain")
        c.end("chain")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_files(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


CHECK_LOG = re.compile(r"check (\d+) of (\d+) documents? \((\d+) open\)")


def checks_logged(c):
    """The server's log of its checks: [(number, documents checked,
    documents open)]."""
    return [tuple(int(x) for x in m.groups())
            for m in CHECK_LOG.finditer(c.stderr())]


def wait_for_check(c, after, timeout=TIMEOUT):
    """The first check logged after check number `after` (the log line
    follows the publication by a moment)."""
    end = time.time() + timeout
    while time.time() < end:
        later = [x for x in checks_logged(c) if x[0] > after]
        if later:
            return later[0]
        time.sleep(0.01)
    return None


def settled_checks(c, quiet=0.2):
    """The number of the last check logged, once the log has been quiet
    for `quiet` seconds."""
    n = -1
    while True:
        time.sleep(quiet)
        now = checks_logged(c)
        last = now[-1][0] if now else 0
        if last == n:
            return n
        n = last


def published_for(c, path, quiet=0.3):
    """Every publishDiagnostics for path that arrives until the server has
    been quiet for `quiet` seconds, held ones first: [(version, diags)]."""
    got = []
    while True:
        m = c.wait(lambda m: m.get("method") ==
                   "textDocument/publishDiagnostics" and
                   m["params"]["uri"] == uri(path), timeout=quiet)
        if m is None:
            return got
        got.append((m["params"].get("version"),
                    m["params"]["diagnostics"]))


RECHECK_FILES = {
    "pyproject.toml": "[project]\nname = 'rc'\n",
    "pkg/__init__.py": "from pkg.helpers import helper\n",
    "pkg/helpers.py": "def helper():\n    return 1\n",
    "pkg/direct.py": ("from pkg.helpers import helper\n\n\n"
                      "async def main():\n    helper()\n"),
    "pkg/reexported.py": ("from pkg import helper\n\n\n"
                          "async def main():\n    helper()\n"),
    "pkg/other.py": ("import asyncio\n\n\n"
                     "async def main():\n    await asyncio.sleep(0)\n"),
}


def test_recheck_importers(binary):
    """An edit re-checks the edited document and the open documents that
    import it (directly, or through a package's re-export), not an
    unrelated one; edits sent together are checked once."""
    root = tempfile.mkdtemp(prefix="asl-recheck-")
    try:
        write_files(root, RECHECK_FILES)
        c = Client(binary, root)
        c.init(root)
        path = {n: os.path.join(root, "pkg", n + ".py")
                for n in ("helpers", "direct", "reexported", "other")}
        for n in ("helpers", "direct", "reexported", "other"):
            c.open(path[n], RECHECK_FILES["pkg/%s.py" % n])
        for n in ("helpers", "direct", "reexported", "other"):
            check(c.diagnostics(path[n]) == [], "recheck: %s.py opened clean"
                  % n)
        last = settled_checks(c)
        c.flush_diagnostics()
        # The helper made `async def`: both importers' calls are unawaited.
        c.change(path["helpers"], 2, [{"range": rng(0, 0, 0, 0),
                                       "text": "async "}])
        for n in ("direct", "reexported"):
            ds = c.diagnostics(path[n], lambda ds: len(ds) > 0)
            check(codes(ds) == ["ASL101"],
                  "recheck: `async def` in helpers.py shows in %s.py" % n)
        done = wait_for_check(c, last)
        check(done is not None and done[1:] == (3, 4),
              "recheck: the edit checked helpers.py and its 2 importers, "
              "not other.py: %s" % (done,))
        check(published_for(c, path["other"]) == [],
              "recheck: other.py is not published again")
        # Back to `def`: the findings go away.
        c.change(path["helpers"], 3, [{"range": rng(0, 0, 0, 6),
                                       "text": ""}])
        for n in ("direct", "reexported"):
            ds = c.diagnostics(path[n], lambda ds: ds == [])
            check(ds == [], "recheck: `def` again clears %s.py" % n)
        # An edit of the unrelated document checks it alone.
        last = settled_checks(c)
        c.change(path["other"], 2, [{"range": rng(5, 0, 5, 0),
                                     "text": "# edited\n"}])
        c.diagnostics(path["other"])
        done = wait_for_check(c, last)
        check(done is not None and done[1] == 1,
              "recheck: an edit of other.py checks it alone: %s" % (done,))
        c.flush_diagnostics()
        # Five changes back to back: one check, of the last version.
        before = checks_logged(c)
        burst = b""
        for v in range(3, 8):
            body = json.dumps({"jsonrpc": "2.0",
                               "method": "textDocument/didChange",
                               "params": {"textDocument": {
                                   "uri": uri(path["direct"]), "version": v},
                                   "contentChanges": [{
                                       "range": rng(5, 0, 5, 0),
                                       "text": "x%d = 1\n" % v}]}}).encode()
            burst += b"Content-Length: %d\r\n\r\n" % len(body) + body
        c.raw(burst)
        got = published_for(c, path["direct"], quiet=1.0)
        versions = [v for v, _ in got]
        check(versions and versions[-1] == 7 and versions == sorted(versions),
              "debounce: the last published version is the last change's "
              "(published: %s)" % versions)
        check(versions == [7], "debounce: 5 changes sent together are "
              "checked once, as the last version")
        after = checks_logged(c)
        check(len(after) - len(before) == 1,
              "debounce: one check for the 5 changes (%d)"
              % (len(after) - len(before)))
        c.end("recheck")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_recheck_by_name(binary):
    """A method made `async def` in one file changes the findings of a
    file that calls it by name on an object of unknown class (ASL104),
    which imports nothing of it: that open document is checked again,
    not an unrelated one."""
    root = tempfile.mkdtemp(prefix="asl-byname-")
    files = {"pyproject.toml": "[project]\nname = 'bn'\n",
             "pkg/__init__.py": "",
             "pkg/cart.py": ("class Cart:\n    def add_item(self, x):\n"
                             "        return x\n"),
             "pkg/user.py": "async def f(cart):\n    cart.add_item(1)\n",
             "pkg/other.py": "async def g(x):\n    x.remove_item(1)\n"}
    try:
        write_files(root, files)
        c = Client(binary, root)
        c.init(root)
        path = {n: os.path.join(root, "pkg", n + ".py")
                for n in ("cart", "user", "other")}
        for n in path:
            c.open(path[n], files["pkg/%s.py" % n])
        for n in path:
            c.diagnostics(path[n])
        last = settled_checks(c)
        c.change(path["cart"], 2, [{"range": rng(1, 4, 1, 4),
                                    "text": "async "}])
        ds = c.diagnostics(path["user"], lambda ds: len(ds) > 0)
        check(codes(ds) == ["ASL104"],
              "by name: `async def add_item` shows in user.py (ASL104)")
        done = wait_for_check(c, last)
        check(done is not None and done[1:] == (2, 3),
              "by name: cart.py and user.py checked, not other.py: %s"
              % (done,))
        c.change(path["cart"], 3, [{"range": rng(1, 4, 1, 10), "text": ""}])
        ds = c.diagnostics(path["user"], lambda ds: ds == [])
        check(ds == [], "by name: `def add_item` again clears user.py")
        c.end("by-name")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_recheck_conftest(binary):
    """A test file imports nothing of the conftest.py above it, yet its
    fixtures come from there: an edit of the conftest re-checks it."""
    root = tempfile.mkdtemp(prefix="asl-conftest-")
    files = {"pyproject.toml": "[project]\nname = 'cf'\n",
             "shop/__init__.py": "",
             "shop/cart.py": ("class Cart:\n    async def fetch(self):\n"
                              "        return 1\n"),
             "tests/__init__.py": "",
             "tests/conftest.py": ("import pytest\n\nfrom shop.cart import "
                                   "Cart\n\n\n@pytest.fixture\ndef cart():\n"
                                   "    return Cart()\n"),
             "tests/test_cart.py": ("async def test_add(cart):\n"
                                    "    cart.fetch()\n")}
    try:
        write_files(root, files)
        c = Client(binary, root)
        c.init(root)
        conftest = os.path.join(root, "tests", "conftest.py")
        test = os.path.join(root, "tests", "test_cart.py")
        c.open(conftest, files["tests/conftest.py"])
        c.open(test, files["tests/test_cart.py"])
        ds = c.diagnostics(test, lambda ds: len(ds) > 0)
        check(codes(ds) == ["ASL101"], "conftest: the fixture's Cart.fetch() "
              "unawaited in the test")
        c.change(conftest, 2, [{"range": rng(7, 11, 7, 17),
                                "text": "object()"}])
        ds = c.diagnostics(test, lambda ds: ds == [])
        check(ds == [], "conftest: the fixture changed in conftest.py "
              "re-checks the test file")
        c.end("conftest")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_pull_diagnostics(binary):
    """A client that can pull diagnostics (textDocument/diagnostic) gets
    full reports, `unchanged` for a result it has, a refresh request when
    an edit elsewhere changes a document's findings, and no pushes."""
    root = tempfile.mkdtemp(prefix="asl-pull-")
    try:
        write_files(root, RECHECK_FILES)
        c = Client(binary, root)
        r = c.init(root, caps={
            "textDocument": {"diagnostic": {"dynamicRegistration": False}},
            "workspace": {"diagnostics": {"refreshSupport": True}}})
        caps = (r or {}).get("result", {}).get("capabilities", {})
        dp = caps.get("diagnosticProvider") or {}
        check(dp.get("interFileDependencies") is True and
              dp.get("workspaceDiagnostics") is False,
              "pull: diagnosticProvider advertised: %s" % dp)
        main = os.path.join(root, "pkg", "main.py")
        c.open(main, UNAWAITED.replace("pkg.aio", "pkg.aio2"))
        write_files(root, {"pkg/aio2.py": "async def fetch():\n    return 2\n"})

        def pull(p, previous=None):
            params = {"textDocument": {"uri": uri(p)}}
            if previous:
                params["previousResultId"] = previous
            return (c.call("textDocument/diagnostic", params) or {}) \
                .get("result") or {}
        c.notify("workspace/didChangeWatchedFiles", {"changes": [
            {"uri": uri(os.path.join(root, "pkg", "aio2.py")), "type": 1}]})
        full = pull(main)
        check(full.get("kind") == "full" and codes(full.get("items")) ==
              ["ASL101"] and full.get("resultId"),
              "pull: a full report with the finding")
        again = pull(main, full.get("resultId"))
        check(again.get("kind") == "unchanged" and
              again.get("resultId") == full.get("resultId") and
              "items" not in again, "pull: unchanged for the same result")
        c.change(main, 2, [{"range": rng(4, 14, 4, 14), "text": "await "}])
        fixed = pull(main, full.get("resultId"))
        check(fixed.get("kind") == "full" and fixed.get("items") == [] and
              fixed.get("resultId") != full.get("resultId"),
              "pull: after an edit, a full report without the finding")
        # Cross-file: the helper made async, the importer's findings change:
        # the server asks the client to pull again.
        helpers = os.path.join(root, "pkg", "helpers.py")
        direct = os.path.join(root, "pkg", "direct.py")
        c.open(helpers, RECHECK_FILES["pkg/helpers.py"])
        c.open(direct, RECHECK_FILES["pkg/direct.py"])
        first = pull(direct)
        check(first.get("items") == [], "pull: the importer starts clean")
        c.change(helpers, 2, [{"range": rng(0, 0, 0, 0), "text": "async "}])
        ask = c.wait(lambda m: m.get("method") ==
                     "workspace/diagnostic/refresh")
        check(ask is not None, "pull: a refresh is asked for after an edit "
              "changed another document's findings")
        if ask:
            c.send({"jsonrpc": "2.0", "id": ask["id"], "result": None})
        now = pull(direct, first.get("resultId"))
        check(now.get("kind") == "full" and codes(now.get("items")) ==
              ["ASL101"], "pull: the importer's unawaited call after the "
              "refresh")
        nowhere = pull(os.path.join(root, "pkg", "not_open.py"))
        check(nowhere.get("kind") == "full" and nowhere.get("items") == [],
              "pull: a document not open has no findings")
        bad = c.call("textDocument/diagnostic", {})
        check(bad and bad.get("error", {}).get("code") == -32602,
              "pull: no textDocument: InvalidParams")
        c.notify("textDocument/didClose", {"textDocument": {"uri": uri(main)}})
        c.call("shutdown")
        pushed = [m for m in c.held if m.get("method") ==
                  "textDocument/publishDiagnostics"]
        check(pushed == [], "pull: nothing pushed (%d)" % len(pushed))
        c.notify("exit")
        check(c.finish() == 0, "pull session ends cleanly")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_without_server(binary):
    p = subprocess.run([binary, "server"], capture_output=True,
                       stdin=subprocess.DEVNULL)
    check(p.returncode == 2 and b"without the language server" in p.stderr
          and p.stdout == b"", "a build without cJSON: server says so, exit 2")


def main():
    binary = os.path.abspath(sys.argv[1])
    if os.environ.get("ASL_SERVER_BUILT") == "0":
        test_without_server(binary)
    else:
        root = tempfile.mkdtemp(prefix="asl-server-")
        try:
            make_project(root)
            test_lifecycle_and_diagnostics(binary, root)
            test_cross_file(binary, root)
            test_odd_documents(binary, root)
            test_malformed(binary, root)
            test_large_document(binary, root)
            test_chain_and_watchers(binary)
            test_recheck_importers(binary)
            test_recheck_by_name(binary)
            test_recheck_conftest(binary)
            test_pull_diagnostics(binary)
            test_same_as_check(binary)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
