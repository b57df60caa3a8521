// ruff_peer.mjs - runs ruff's own rules (npm @astral-sh/ruff-wasm-nodejs)
// over a tree and prints `path:line:col: CODE message`, one per line,
// sorted like asynclint's text output, so the two can be diffed.
// Usage: node bench/ruff_peer.mjs SELECT[,SELECT...] PATH [--time]
// Columns are 1-based characters (Utf32 encoding = code points, as ours).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const here = path.dirname(new URL(import.meta.url).pathname);
const ruff = require(path.join(here, "node_modules/@astral-sh/ruff-wasm-nodejs/ruff_wasm.js"));

const [select, root, ...flags] = process.argv.slice(2);
const skip = new Set([".git", ".hg", ".venv", "venv", "__pycache__",
  "node_modules", ".tox", ".nox", ".mypy_cache", ".ruff_cache", "build",
  "dist", "site-packages"]);

function walk(dir, out) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); }
  catch { return; }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!skip.has(e.name)) walk(p, out); }
    else if (e.isFile() && /\.pyi?$/.test(e.name)) out.push(p);
  }
}

const files = [];
if (fs.statSync(root).isDirectory()) walk(root, files); else files.push(root);
const ws = new ruff.Workspace({
  "line-length": 1000,
  lint: { select: select.split(","), preview: true },
}, ruff.PositionEncoding.Utf32);
const t0 = process.hrtime.bigint();
const lines = [];
for (const f of files) {
  let text;
  try { text = fs.readFileSync(f, "utf8"); } catch { continue; }
  let diags;
  try { diags = ws.check(text); } catch { continue; }
  for (const d of diags) {
    if (!d.code || d.code === "invalid-syntax") continue; // parse errors
    lines.push([f, d.start_location.row, d.start_location.column, d.code,
                d.message]);
  }
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) ||
                     a[1] - b[1] || a[2] - b[2] || (a[3] < b[3] ? -1 : 1));
for (const l of lines) console.log(`${l[0]}:${l[1]}:${l[2]}: ${l[3]} ${l[4]}`);
if (flags.includes("--time"))
  console.error(`ruff-wasm: ${files.length} files, ${ms.toFixed(0)} ms linting`);
