/*
 * diag.c - creating diagnostics, `# noqa` suppression (flake8 syntax, per
 * line and per file), rule selection by code or prefix, and the final
 * deterministic ordering.
 */
#include "diag.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

AslDiag asl_diag_at(const AslCtx *cx, AslRuleId r, uint32_t node) {
  const AslNode *n = &cx->tree->nodes[node];
  AslDiag d = {0};
  d.path = cx->src->path;
  uint32_t l0 = asl_source_line_of(cx->src, n->start_byte);
  uint32_t l1 = asl_source_line_of(cx->src, n->end_byte);
  d.line = l0 + 1;
  d.column = asl_source_column(cx->src, l0, n->start_byte);
  d.end_line = l1 + 1;
  d.end_column = asl_source_column(cx->src, l1, n->end_byte);
  d.rule = r;
  d.file_index = cx->file_index;
  d.in_test = cx->in_test;
  uint32_t len;
  const char *text = asl_source_line_text(cx->src, l0, &len);
  // Enough for a caret display and a fingerprint; a 10 MB line is not
  // copied per finding. Cut on a character boundary.
  if (len > ASL_SOURCE_LINE_MAX) {
    len = ASL_SOURCE_LINE_MAX;
    while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80) len--;
  }
  d.source_line = asl_arena_strndup(cx->arena, text, len);
  return d;
}

bool asl_fix_applies(const AslOptions *opt, const AslDiag *d) {
  return d->fix && opt->fixable[d->rule] &&
         (!d->fix->unsafe || opt->unsafe_fixes);
}

AslEdit asl_edit_bytes(const AslCtx *cx, uint32_t start, uint32_t end,
                       const char *content) {
  uint32_t l0 = asl_source_line_of(cx->src, start);
  uint32_t l1 = asl_source_line_of(cx->src, end);
  return (AslEdit){l0 + 1, asl_source_column(cx->src, l0, start), l1 + 1,
                   asl_source_column(cx->src, l1, end), content};
}

const char *asl_source_eol(const AslSource *s) {
  const char *eol = memchr(s->text, '\n', s->len);
  return eol && eol > s->text && eol[-1] == '\r' ? "\r\n" : "\n";
}

const AslFix *asl_fix_new(const AslCtx *cx, bool unsafe, const char *message,
                          const AslEdit *edits, uint32_t n) {
  AslEdit *e = asl_arena_alloc(cx->arena, sizeof *e * (n ? n : 1));
  memcpy(e, edits, sizeof *e * n);
  AslFix *f = asl_arena_alloc(cx->arena, sizeof *f);
  *f = (AslFix){unsafe, asl_arena_strdup(cx->arena, message), e, n};
  return f;
}

const AslFix *asl_fix_insert_before(const AslCtx *cx, uint32_t node,
                                    const char *text, bool unsafe,
                                    const char *message) {
  uint32_t at = cx->tree->nodes[node].start_byte;
  AslEdit e = asl_edit_bytes(cx, at, at, asl_arena_strdup(cx->arena, text));
  return asl_fix_new(cx, unsafe, message, &e, 1);
}

/* Where `import asyncio` goes: before the first module statement that is
 * not the docstring, a `from __future__` import or a comment (its node,
 * which starts its line); ASL_NONE when there is none. */
static uint32_t import_point(const AslCtx *cx) {
  const AslTree *t = cx->tree;
  bool first = true;
  for (uint32_t c = asl_first_named(t, 0); c != ASL_NONE;
       c = asl_next_named(t, c), first = false) {
    AslKind k = t->nodes[c].kind;
    if (k == ASL_K_comment || k == ASL_K_future_import_statement) continue;
    if (first && k == ASL_K_expression_statement &&
        t->nodes[asl_first_named(t, c)].kind == ASL_K_string)
      continue;
    return c;
  }
  return ASL_NONE;
}

const AslFix *asl_fix_with_asyncio(const AslCtx *cx, const AslEdit *edits,
                                   uint32_t n, bool unsafe,
                                   const char *message) {
  enum { MAX_EDITS = 8 };
  AslEdit e[MAX_EDITS + 1];
  if (n > MAX_EDITS) return NULL;
  memcpy(e, edits, sizeof *e * n);
  if (!asl_module_alias(cx, "asyncio")) {
    uint32_t before = import_point(cx);
    if (before == ASL_NONE) return NULL;
    // Before a def or a class: the two blank lines PEP 8 puts there.
    AslKind k = cx->tree->nodes[before].kind;
    bool def = k == ASL_K_function_definition || k == ASL_K_class_definition ||
               k == ASL_K_decorated_definition;
    const char *eol = asl_source_eol(cx->src);
    uint32_t at = cx->tree->nodes[before].start_byte;
    e[n++] = asl_edit_bytes(
        cx, at, at,
        asl_arena_printf(cx->arena, "import asyncio%s%s%s", eol,
                         def ? eol : "", def ? eol : ""));
  }
  return asl_fix_new(cx, unsafe, message, e, n);
}

void asl_defer_fix(AslCtx *cx, uint32_t before, const AslFix *fix) {
  if (cx->deferred && cx->deferred->len > before)
    cx->deferred->items[cx->deferred->len - 1].diag.fix = fix;
}

void asl_report(AslCtx *cx, AslRuleId r, uint32_t node, const char *fmt, ...) {
  if (!cx->opt->selected[r]) return;
  AslDiag d = asl_diag_at(cx, r, node);
  va_list ap;
  va_start(ap, fmt);
  d.message = asl_arena_vprintf(cx->arena, fmt, ap);
  va_end(ap);
  asl_avec_push(cx->arena, cx->out, d);
}

/* ---- noqa ------------------------------------------------------------- */

/* Skips spaces and tabs. */
static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t')) p++;
  return p;
}

static bool starts_with_ci(const char *p, const char *end, const char *word) {
  size_t n = strlen(word);
  return (size_t)(end - p) >= n && strncasecmp(p, word, n) == 0;
}

/* Parses the codes after `noqa:`; returns how many were stored. */
static uint32_t parse_codes(const char *p, const char *end, AslArena *a,
                            const char ***out) {
  AslVec(const char *) codes = {0};
  for (;;) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) p++;
    const char *start = p;
    while (p < end && (isalnum((unsigned char)*p))) p++;
    if (p == start) break;
    // A code is letters followed by digits (flake8's pattern).
    const char *q = start;
    while (q < p && isalpha((unsigned char)*q)) q++;
    if (q == start || q == p) break;
    char *code = asl_arena_strndup(a, start, (size_t)(p - start));
    for (char *c = code; *c; c++) *c = (char)toupper((unsigned char)*c);
    asl_avec_push(a, &codes, (const char *)code);
  }
  *out = codes.items;
  return codes.len;
}

/* Parses one comment's text for `noqa` (line form) or `asynclint: noqa`
 * (file form). Returns false when it is neither. */
static bool parse_noqa_comment(const char *text, uint32_t len, AslArena *a,
                               AslNoqa *out) {
  const char *p = text, *end = text + len;
  memset(out, 0, sizeof *out);
  // A comment may hold other text before noqa: `# type: ignore  # noqa`.
  for (; p < end; p++) {
    if (*p != '#') continue;
    const char *q = skip_ws(p + 1, end);
    bool file = false;
    if (starts_with_ci(q, end, "asynclint:")) {
      q = skip_ws(q + strlen("asynclint:"), end);
      file = true;
    }
    if (!starts_with_ci(q, end, "noqa")) continue;
    q += 4;
    if (q < end && isalnum((unsigned char)*q)) continue; // "noqaxyz"
    out->file_level = file;
    const char *r = skip_ws(q, end);
    if (r < end && *r == ':') {
      out->ncodes = parse_codes(r + 1, end, a, &out->codes);
      // `# noqa:` followed by nothing is a blanket noqa, as in flake8.
    }
    return true;
  }
  return false;
}

static bool noqa_matches(const AslNoqa *n, const char *code) {
  if (n->ncodes == 0) return true;
  for (uint32_t i = 0; i < n->ncodes; i++)
    if (strncmp(code, n->codes[i], strlen(n->codes[i])) == 0) return true;
  return false;
}

void asl_noqa_collect(AslArena *a, const AslSource *s, const AslTree *t,
                      AslNoqaSet *out) {
  memset(out, 0, sizeof *out);
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_comment) continue;
    AslNoqa q;
    if (!parse_noqa_comment(s->text + n->start_byte,
                            n->end_byte - n->start_byte, a, &q))
      continue;
    q.line = asl_source_line_of(s, n->start_byte) + 1;
    if (q.file_level) {
      // Like ruff's `# ruff: noqa`, the file form must stand on its own line.
      uint32_t len;
      const char *lt = asl_source_line_text(s, q.line - 1, &len);
      const char *st = skip_ws(lt, lt + len);
      if (st != s->text + n->start_byte) continue;
    }
    asl_avec_push(a, &out->items, q);
  }
}

bool asl_noqa_suppresses(const AslNoqaSet *set, const AslDiag *d) {
  const char *code = asl_rules[d->rule].code;
  for (uint32_t i = 0; i < set->items.len; i++) {
    const AslNoqa *q = &set->items.items[i];
    if (q->file_level || q->line == d->line)
      if (noqa_matches(q, code)) return true;
  }
  return false;
}

/* ---- selection -------------------------------------------------------- */

/* Does selector `sel` pick rule r? Default-off rules need their exact code
 * or a prefix naming their family digit ("ASL0"), never "ASL" or "ALL". */
static bool selector_matches(const char *sel, AslRuleId r) {
  const AslRule *rule = &asl_rules[r];
  if (strcmp(sel, "ALL") == 0) return rule->default_on;
  size_t n = strlen(sel);
  if (strncmp(rule->code, sel, n) != 0) return false;
  return rule->default_on || n >= 4;
}

bool asl_apply_selectors(bool selected[ASL_RULE__COUNT], const char *sel,
                         bool value) {
  bool any = false;
  for (int r = 0; r < ASL_RULE__COUNT; r++) {
    if (selector_matches(sel, (AslRuleId)r)) {
      selected[r] = value;
      any = true;
    }
  }
  // A valid prefix of a code that has no rule yet (e.g. "ASL1") is fine.
  if (!any && strncmp(sel, "ASL", 3) == 0 && strlen(sel) < 6) {
    for (const char *c = sel + 3; *c; c++)
      if (!isdigit((unsigned char)*c)) return false;
    return true;
  }
  return any;
}

void asl_select_defaults(bool selected[ASL_RULE__COUNT]) {
  for (int r = 0; r < ASL_RULE__COUNT; r++)
    selected[r] = asl_rules[r].default_on;
}

void asl_select_test_defaults(bool selected[ASL_RULE__COUNT]) {
  for (int r = 0; r < ASL_RULE__COUNT; r++)
    selected[r] = asl_rules[r].in_tests;
}

/* ---- ordering --------------------------------------------------------- */

static int diag_cmp(const void *pa, const void *pb) {
  const AslDiag *a = pa, *b = pb;
  int c = strcmp(a->path, b->path);
  if (c) return c;
  if (a->line != b->line) return a->line < b->line ? -1 : 1;
  if (a->column != b->column) return a->column < b->column ? -1 : 1;
  c = strcmp(asl_rules[a->rule].code, asl_rules[b->rule].code);
  if (c) return c;
  return strcmp(a->message, b->message);
}

void asl_diags_sort(AslDiagList *list) {
  if (list->len > 1)
    qsort(list->items, list->len, sizeof(AslDiag), diag_cmp);
  // Drop exact duplicates (a pass may reach one call two ways).
  uint32_t w = 0;
  for (uint32_t i = 0; i < list->len; i++) {
    if (w > 0 && diag_cmp(&list->items[w - 1], &list->items[i]) == 0)
      continue;
    list->items[w++] = list->items[i];
  }
  list->len = w;
}
