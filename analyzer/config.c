/*
 * config.c - `[tool.asynclint]` in pyproject.toml, or the same keys at the
 * top of asynclint.toml, parsed with the tree-sitter TOML grammar (npm
 * @tree-sitter-grammars/tree-sitter-toml), never a hand-rolled subset.
 * Unknown keys, wrong types, bad codes and bad globs are errors that name
 * the file, the line and the key.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tree_sitter/api.h>

#include "diag.h"
#include "discover.h"

const TSLanguage *tree_sitter_toml(void);

typedef struct Reader {
  const char *path;  /* for messages */
  const char *text;
  AslArena *arena;
  AslConfig *out;
  char *error;       /* first error, arena-owned */
} Reader;

static bool fail(Reader *r, TSNode at, const char *fmt, const char *arg) {
  if (r->error) return false;
  TSPoint p = ts_node_start_point(at);
  char msg[512];
  snprintf(msg, sizeof msg, fmt, arg);
  r->error = asl_arena_printf(r->arena, "%s:%u:%u: %s", r->path, p.row + 1,
                              p.column + 1, msg);
  return false;
}

static bool is(TSNode n, const char *type) {
  return strcmp(ts_node_type(n), type) == 0;
}

/* Appends the UTF-8 encoding of code point `cp`. */
static void put_utf8(AslBuf *b, unsigned long cp) {
  char u[4];
  if (cp < 0x80) { u[0] = (char)cp; asl_buf_put(b, u, 1); }
  else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F));
    asl_buf_put(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    asl_buf_put(b, u, 3);
  } else {
    u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F));
    asl_buf_put(b, u, 4);
  }
}

/* The value of a TOML string or quoted key (basic, literal, multi-line),
 * escapes decoded. Arena-owned. */
static char *string_value(Reader *r, TSNode n) {
  const char *s = r->text + ts_node_start_byte(n);
  size_t len = ts_node_end_byte(n) - ts_node_start_byte(n);
  if (is(n, "bare_key")) return asl_arena_strndup(r->arena, s, len);
  char q = len ? s[0] : '"';
  size_t open = (len >= 6 && s[1] == q && s[2] == q) ? 3 : 1;
  if (len < 2 * open) return asl_arena_strdup(r->arena, "");
  const char *p = s + open, *end = s + len - open;
  // A newline right after the opening of a multi-line string is trimmed.
  if (open == 3 && p < end && *p == '\n') p++;
  else if (open == 3 && p + 1 < end && p[0] == '\r' && p[1] == '\n') p += 2;
  AslBuf b = {0};
  asl_buf_put(&b, "", 0);
  while (p < end) {
    if (q == '\'' || *p != '\\') {
      asl_buf_putc(&b, *p++);
      continue;
    }
    p++;
    if (p >= end) break;
    char e = *p++;
    switch (e) {
    case 'n': asl_buf_putc(&b, '\n'); break;
    case 't': asl_buf_putc(&b, '\t'); break;
    case 'r': asl_buf_putc(&b, '\r'); break;
    case 'b': asl_buf_putc(&b, '\b'); break;
    case 'f': asl_buf_putc(&b, '\f'); break;
    case 'e': asl_buf_putc(&b, 27); break;
    case '"': asl_buf_putc(&b, '"'); break;
    case '\\': asl_buf_putc(&b, '\\'); break;
    case 'u': case 'U': {
      int digits = e == 'u' ? 4 : 8;
      unsigned long cp = 0;
      for (int k = 0; k < digits && p < end; k++, p++) {
        char c = *p;
        cp = cp * 16 + (unsigned long)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
      }
      put_utf8(&b, cp);
      break;
    }
    default: // a line-ending backslash in a multi-line string
      while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
      break;
    }
  }
  char *out = asl_arena_strndup(r->arena, b.data, b.len);
  asl_buf_free(&b);
  return out;
}

/* The dotted key of a table header or pair, as "a.b.c". */
static char *key_text(Reader *r, TSNode key) {
  if (!is(key, "dotted_key")) return string_value(r, key);
  // dotted_key nests to the left: (dotted_key (dotted_key a b) c).
  TSNode parts[32];
  uint32_t n = 0;
  TSNode cur = key;
  while (is(cur, "dotted_key") && n < 31) {
    uint32_t c = ts_node_named_child_count(cur);
    if (c < 2) break;
    parts[n++] = ts_node_named_child(cur, c - 1);
    cur = ts_node_named_child(cur, 0);
  }
  parts[n++] = cur;
  AslBuf b = {0};
  while (n > 0) {
    char *piece = string_value(r, parts[--n]);
    asl_buf_puts(&b, piece);
    if (n) asl_buf_putc(&b, '.');
  }
  char *out = asl_arena_strndup(r->arena, b.data ? b.data : "", b.len);
  asl_buf_free(&b);
  return out;
}

static bool want_string(Reader *r, TSNode v, const char *key) {
  return is(v, "string") || fail(r, v, "`%s` must be a string", key);
}

/* Reads an array of strings into `vec`, checking each with `check`. */
static bool read_strings(Reader *r, TSNode v, const char *key, AslStrVec *vec,
                         bool (*check)(Reader *, TSNode, const char *)) {
  if (!is(v, "array"))
    return fail(r, v, "`%s` must be an array of strings", key);
  uint32_t n = ts_node_named_child_count(v);
  for (uint32_t i = 0; i < n; i++) {
    TSNode item = ts_node_named_child(v, i);
    if (is(item, "comment")) continue;
    if (!is(item, "string"))
      return fail(r, item, "`%s` must be an array of strings", key);
    if (check && !check(r, item, key)) return false;
    asl_avec_push(r->arena, vec, (const char *)string_value(r, item));
  }
  return true;
}

static bool check_selector(Reader *r, TSNode item, const char *key) {
  bool scratch[ASL_RULE__COUNT] = {0};
  char *sel = string_value(r, item);
  (void)key;
  if (!*sel || !asl_apply_selectors(scratch, sel, true))
    return fail(r, item, "unknown rule selector '%s'", sel);
  return true;
}

static bool check_glob(Reader *r, TSNode item, const char *key) {
  char *glob = string_value(r, item);
  (void)key;
  if (!asl_glob_valid(glob))
    return fail(r, item, "invalid glob '%s' (an unclosed '[' or a trailing "
                         "backslash)", glob);
  return true;
}

/* Reads a table (inline or a [section]'s pairs) of string -> array of
 * codes (per-file-ignores) or string -> string (blocking-calls). */
static bool read_map_pair(Reader *r, TSNode pair, const char *key,
                          bool codes) {
  TSNode k = ts_node_named_child(pair, 0);
  TSNode v = ts_node_named_child(pair, 1);
  char *name = key_text(r, k);
  if (codes) {
    if (!check_glob(r, k, key)) return false;
    AslPerFileIgnore pfi = {name, {0}};
    if (!read_strings(r, v, key, &pfi.codes, check_selector)) return false;
    asl_avec_push(r->arena, &r->out->per_file_ignores, pfi);
    return true;
  }
  if (!want_string(r, v, key)) return false;
  const char *entry =
      asl_arena_printf(r->arena, "%s=%s", name, string_value(r, v));
  asl_avec_push(r->arena, &r->out->blocking_calls, entry);
  return true;
}

static bool read_map(Reader *r, TSNode v, const char *key, bool codes) {
  if (!is(v, "inline_table"))
    return fail(r, v, "`%s` must be a table", key);
  uint32_t n = ts_node_named_child_count(v);
  for (uint32_t i = 0; i < n; i++) {
    TSNode pair = ts_node_named_child(v, i);
    if (is(pair, "pair") && !read_map_pair(r, pair, key, codes)) return false;
  }
  return true;
}

/* One `key = value` of the asynclint table. */
static bool read_pair(Reader *r, TSNode pair) {
  TSNode k = ts_node_named_child(pair, 0);
  TSNode v = ts_node_named_child(pair, 1);
  char *key = key_text(r, k);
  AslConfig *c = r->out;
  if (!strcmp(key, "select")) {
    c->has_select = true;
    return read_strings(r, v, key, &c->select, check_selector);
  }
  if (!strcmp(key, "extend-select"))
    return read_strings(r, v, key, &c->extend_select, check_selector);
  if (!strcmp(key, "ignore"))
    return read_strings(r, v, key, &c->ignore, check_selector);
  if (!strcmp(key, "exclude")) {
    c->has_exclude = true;
    return read_strings(r, v, key, &c->exclude, check_glob);
  }
  if (!strcmp(key, "extend-exclude"))
    return read_strings(r, v, key, &c->extend_exclude, check_glob);
  if (!strcmp(key, "known-coroutines"))
    return read_strings(r, v, key, &c->known_coroutines, NULL);
  if (!strcmp(key, "preserving-decorators"))
    return read_strings(r, v, key, &c->preserving_decorators, NULL);
  if (!strcmp(key, "loop-callback-decorators"))
    return read_strings(r, v, key, &c->loop_callback_decorators, NULL);
  if (!strcmp(key, "fixable")) {
    c->has_fixable = true;
    return read_strings(r, v, key, &c->fixable, check_selector);
  }
  if (!strcmp(key, "unfixable"))
    return read_strings(r, v, key, &c->unfixable, check_selector);
  if (!strcmp(key, "unsafe-fixes")) {
    if (!is(v, "boolean"))
      return fail(r, v, "`%s` must be true or false", key);
    c->has_unsafe_fixes = true;
    c->unsafe_fixes = r->text[ts_node_start_byte(v)] == 't';
    return true;
  }
  if (!strcmp(key, "follow-libraries"))
    return read_strings(r, v, key, &c->follow_libraries, NULL);
  if (!strcmp(key, "python")) {
    if (!want_string(r, v, key)) return false;
    c->python = string_value(r, v);
    return true;
  }
  if (!strcmp(key, "allowed-blocking"))
    return read_strings(r, v, key, &c->allowed_blocking, check_glob);
  if (!strcmp(key, "test-paths")) {
    c->has_test_paths = true;
    return read_strings(r, v, key, &c->test_paths, check_glob);
  }
  if (!strcmp(key, "test-select"))
    return read_strings(r, v, key, &c->test_select, check_selector);
  if (!strcmp(key, "test-ignore"))
    return read_strings(r, v, key, &c->test_ignore, check_selector);
  if (!strcmp(key, "per-file-ignores")) return read_map(r, v, key, true);
  if (!strcmp(key, "blocking-calls")) return read_map(r, v, key, false);
  if (!strcmp(key, "respect-gitignore")) {
    if (!is(v, "boolean"))
      return fail(r, v, "`%s` must be true or false", key);
    c->has_respect_gitignore = true;
    c->respect_gitignore = r->text[ts_node_start_byte(v)] == 't';
    return true;
  }
  return fail(r, k, "unknown key `%s` (see `asynclint --help` and the README)",
              key);
}

/* The sub-table a [header] opens relative to the asynclint table: "" for
 * the table itself, "per-file-ignores" etc., NULL if it is not ours. */
static const char *our_section(const char *header, const char *prefix) {
  size_t n = strlen(prefix);
  if (!*prefix) return header;
  if (strncmp(header, prefix, n) != 0) return NULL;
  if (header[n] == 0) return "";
  return header[n] == '.' ? header + n + 1 : NULL;
}

/* Reads the pairs of one table node (or the document's top-level pairs). */
static bool read_table_pairs(Reader *r, TSNode table, const char *section,
                             TSNode header) {
  uint32_t n = ts_node_named_child_count(table);
  for (uint32_t i = 0; i < n; i++) {
    TSNode pair = ts_node_named_child(table, i);
    if (!is(pair, "pair")) continue;
    bool ok;
    if (!*section) {
      ok = read_pair(r, pair);
    } else if (!strcmp(section, "per-file-ignores")) {
      ok = read_map_pair(r, pair, section, true);
    } else if (!strcmp(section, "blocking-calls")) {
      ok = read_map_pair(r, pair, section, false);
    } else {
      ok = fail(r, header, "unknown table `%s`", section);
    }
    if (!ok) return false;
  }
  return true;
}

/* Parses `text` (pyproject.toml if `pyproject`, else asynclint.toml). */
static bool read_document(Reader *r, const char *text, size_t len,
                          bool pyproject) {
  TSParser *p = ts_parser_new();
  ts_parser_set_language(p, tree_sitter_toml());
  TSTree *tree = ts_parser_parse_string(p, NULL, text, (uint32_t)len);
  TSNode doc = ts_tree_root_node(tree);
  bool ok = true;
  if (ts_node_has_error(doc)) {
    // Name the first broken place: the first ERROR or MISSING node.
    TSTreeCursor cur = ts_tree_cursor_new(doc);
    TSNode bad = doc;
    for (;;) {
      TSNode n = ts_tree_cursor_current_node(&cur);
      if (ts_node_is_error(n) || ts_node_is_missing(n)) { bad = n; break; }
      if (ts_node_has_error(n) && ts_tree_cursor_goto_first_child(&cur))
        continue;
      if (ts_tree_cursor_goto_next_sibling(&cur)) continue;
      break;
    }
    ts_tree_cursor_delete(&cur);
    ok = fail(r, bad, "%s", "invalid TOML here");
  }
  const char *prefix = pyproject ? "tool.asynclint" : "";
  uint32_t n = ok ? ts_node_named_child_count(doc) : 0;
  for (uint32_t i = 0; i < n && ok; i++) {
    TSNode item = ts_node_named_child(doc, i);
    if (is(item, "pair")) {
      if (!pyproject) ok = read_pair(r, item);
    } else if (is(item, "table")) {
      TSNode header = ts_node_named_child(item, 0);
      const char *section = our_section(key_text(r, header), prefix);
      if (section) {
        r->out->found = true;
        ok = read_table_pairs(r, item, section, header);
      }
    }
  }
  if (!pyproject) r->out->found = true;
  ts_tree_delete(tree);
  ts_parser_delete(p);
  return ok;
}

AslStatus asl_config_load(AslArena *a, const char *path, AslConfig *out,
                          const char **error) {
  memset(out, 0, sizeof *out);
  out->path = asl_arena_strdup(a, path);
  FILE *f = fopen(path, "rb");
  if (!f) {
    *error = asl_arena_printf(a, "%s: %s", path, strerror(errno));
    return ASL_EIO;
  }
  AslBuf b = {0};
  char chunk[8192];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (1u << 22))
    asl_buf_put(&b, chunk, got);
  fclose(f);
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  Reader r = {path, b.data ? b.data : "", a, out, NULL};
  // pyproject.toml by name; any other file (--config) in pyproject form
  // when it has a [tool.asynclint] table, else in asynclint.toml form.
  bool pyproject = strcmp(base, "pyproject.toml") == 0 ||
                   strstr(r.text, "[tool.asynclint") != NULL;
  bool ok = read_document(&r, r.text, b.len, pyproject);
  asl_buf_free(&b);
  if (!ok) {
    *error = r.error;
    return ASL_EUSAGE;
  }
  return ASL_OK;
}

AslStatus asl_config_parse(AslArena *a, const char *path, const char *text,
                           size_t len, bool pyproject, AslConfig *out,
                           const char **error) {
  memset(out, 0, sizeof *out);
  out->path = asl_arena_strdup(a, path);
  Reader r = {path, text, a, out, NULL};
  if (!read_document(&r, text, len, pyproject)) {
    *error = r.error;
    return ASL_EUSAGE;
  }
  return ASL_OK;
}

/* Does pyproject.toml at `path` have a [tool.asynclint...] table? A cheap
 * byte search first; the real parse decides when the file is used. */
static bool mentions_asynclint(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return strstr(buf, "tool.asynclint") != NULL;
}

const char *asl_config_find(AslArena *a, const char *start) {
  char dir[4096], probe[4096];
  struct stat st;
  // `start` may name a file that does not exist yet (--stdin-filename):
  // begin at its nearest existing ancestor.
  snprintf(probe, sizeof probe, "%s", start);
  while (!realpath(probe, dir)) {
    char *slash = strrchr(probe, '/');
    if (!slash) {
      if (!realpath(".", dir)) return NULL;
      break;
    }
    if (slash == probe) slash[1] = 0;
    else *slash = 0;
  }
  if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) *slash = 0;
    else if (slash) slash[1] = 0;
  }
  for (;;) {
    char cand[4200];
    snprintf(cand, sizeof cand, "%s/asynclint.toml", dir);
    if (stat(cand, &st) == 0 && S_ISREG(st.st_mode))
      return asl_arena_strdup(a, cand);
    snprintf(cand, sizeof cand, "%s/pyproject.toml", dir);
    if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && mentions_asynclint(cand))
      return asl_arena_strdup(a, cand);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return NULL;
    *slash = 0;
  }
}
