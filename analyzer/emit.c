/*
 * emit.c - rendering diagnostics. Every format renders the same sorted
 * AslDiag list: concise text (ruff's `path:line:col: CODE message`), full
 * (the source line with a caret), JSON and JSON lines, SARIF 2.1.0, GitHub
 * workflow commands, a GitLab Code Quality report, JUnit XML, pylint.
 * Output is always valid in its format whatever bytes paths and messages
 * hold: JSON escapes and replaces invalid UTF-8, XML escapes and drops
 * characters XML cannot hold, GitHub commands escape their separators.
 */
#include "run.h"

#include <stdio.h>
#include <string.h>

#define ASL_INFO_URI "https://github.com/asynclint/asynclint"

/* ---- shared helpers --------------------------------------------------- */

static const char *severity_name(const AslRule *r) {
  return r->severity == ASL_SEV_ERROR ? "error" : "warning";
}

/* 64-bit FNV-1a, for fingerprints that survive unrelated edits: they hash
 * the rule, the path and the trimmed source line, not the line number. */
static uint64_t fnv1a(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return h;
}

static void fingerprint(const AslDiag *d, char out[17]) {
  uint64_t h = 0xcbf29ce484222325ull;
  const char *code = asl_rules[d->rule].code;
  h = fnv1a(h, code, strlen(code) + 1);
  h = fnv1a(h, d->path, strlen(d->path) + 1);
  const char *line = d->source_line ? d->source_line : "";
  size_t n = strlen(line);
  while (n && (*line == ' ' || *line == '\t')) line++, n--;
  while (n && (line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
  h = fnv1a(h, line, n);
  snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void json_key_str(AslBuf *b, const char *key, const char *val) {
  asl_buf_printf(b, "\"%s\": ", key);
  asl_buf_json_str(b, val, strlen(val));
}

/* ---- text and full ---------------------------------------------------- */

#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_CYAN "\033[36m"
#define C_RESET "\033[0m"

static void emit_text(const AslOptions *opt, const AslDiagList *diags,
                      AslBuf *out) {
  for (uint32_t i = 0; i < diags->len; i++) {
    const AslDiag *d = &diags->items[i];
    // ruff's mark of a finding `--fix` would repair with these options.
    const char *mark = asl_fix_applies(opt, d) ? " [*]" : "";
    if (opt->color)
      asl_buf_printf(out, C_BOLD "%s" C_RESET C_CYAN ":" C_RESET "%u" C_CYAN
                     ":" C_RESET "%u" C_CYAN ":" C_RESET " " C_BOLD C_RED
                     "%s" C_RESET "%s %s\n",
                     d->path, d->line, d->column, asl_rules[d->rule].code,
                     mark, d->message);
    else
      asl_buf_printf(out, "%s:%u:%u: %s%s %s\n", d->path, d->line, d->column,
                     asl_rules[d->rule].code, mark, d->message);
  }
}

/* Writes a caret line under character columns from..to-1 of `s` (1-based,
 * counted as reported columns are), keeping tabs so they align. */
static void put_caret_line(AslBuf *out, const char *s, uint32_t from,
                           uint32_t to) {
  uint32_t col = 1;
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s), i = 0;
  while (i < n && col < from) {
    asl_buf_putc(out, p[i] == '\t' ? '\t' : ' ');
    size_t k = asl_utf8_seq(p + i, n - i);
    i += k ? k : 1;
    col++;
  }
  uint32_t carets = to > from ? to - from : 1;
  for (uint32_t k = 0; k < carets; k++) asl_buf_putc(out, '^');
}

static void emit_full(const AslOptions *opt, const AslDiagList *diags,
                      AslBuf *out) {
  for (uint32_t i = 0; i < diags->len; i++) {
    const AslDiag *d = &diags->items[i];
    const AslRule *r = &asl_rules[d->rule];
    AslDiagList one = {(AslDiag *)d, 1, 1};
    emit_text(opt, &one, out);
    char num[16];
    int w = snprintf(num, sizeof num, "%u", d->line);
    asl_buf_printf(out, "%*s |\n", w, "");
    asl_buf_printf(out, "%s | %s\n", num, d->source_line ? d->source_line : "");
    asl_buf_printf(out, "%*s | ", w, "");
    if (opt->color) asl_buf_puts(out, C_RED);
    uint32_t end = d->end_line == d->line ? d->end_column : UINT32_MAX;
    if (end == UINT32_MAX) {
      // A multi-line span: underline to the end of the first line.
      end = d->column + 1;
      const char *s = d->source_line ? d->source_line : "";
      uint32_t chars = 0;
      for (size_t k = 0; s[k]; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80) chars++;
      if (chars + 1 > d->column) end = chars + 1;
    }
    put_caret_line(out, d->source_line ? d->source_line : "", d->column, end);
    asl_buf_printf(out, " %s%s\n", r->code, opt->color ? C_RESET : "");
    asl_buf_printf(out, "%*s |\n\n", w, "");
  }
}

/* ---- JSON family ------------------------------------------------------ */

/* `, "fix": {...}` (ruff's shape) when the finding has one. */
static void json_fix(const AslFix *f, AslBuf *out) {
  if (!f) return;
  asl_buf_printf(out, ", \"fix\": {\"applicability\": \"%s\", ",
                 f->unsafe ? "unsafe" : "safe");
  json_key_str(out, "message", f->message);
  asl_buf_puts(out, ", \"edits\": [");
  for (uint32_t i = 0; i < f->nedits; i++) {
    const AslEdit *e = &f->edits[i];
    asl_buf_printf(out,
                   "%s{\"location\": {\"row\": %u, \"column\": %u}, "
                   "\"end_location\": {\"row\": %u, \"column\": %u}, ",
                   i ? ", " : "", e->line, e->column, e->end_line,
                   e->end_column);
    json_key_str(out, "content", e->content);
    asl_buf_puts(out, "}");
  }
  asl_buf_puts(out, "]}");
}

static void json_object(const AslDiag *d, AslBuf *out) {
  const AslRule *r = &asl_rules[d->rule];
  asl_buf_puts(out, "{");
  json_key_str(out, "path", d->path);
  asl_buf_printf(out,
                 ", \"line\": %u, \"column\": %u, \"end_line\": %u, "
                 "\"end_column\": %u, ",
                 d->line, d->column, d->end_line, d->end_column);
  json_key_str(out, "code", r->code);
  asl_buf_puts(out, ", ");
  json_key_str(out, "name", r->name);
  asl_buf_puts(out, ", ");
  json_key_str(out, "message", d->message);
  asl_buf_puts(out, ", ");
  json_key_str(out, "severity", severity_name(r));
  json_fix(d->fix, out);
  asl_buf_puts(out, "}");
}

static void emit_json(const AslDiagList *diags, AslBuf *out) {
  asl_buf_puts(out, "[");
  for (uint32_t i = 0; i < diags->len; i++) {
    asl_buf_puts(out, i ? ",\n  " : "\n  ");
    json_object(&diags->items[i], out);
  }
  asl_buf_puts(out, diags->len ? "\n]\n" : "]\n");
}

static void emit_json_lines(const AslDiagList *diags, AslBuf *out) {
  for (uint32_t i = 0; i < diags->len; i++) {
    json_object(&diags->items[i], out);
    asl_buf_putc(out, '\n');
  }
}

/* SARIF 2.1.0 as GitHub code scanning reads it: rules with descriptions
 * and help, results with a repo-relative location and a fingerprint. */
/* A path as a URI reference (RFC 3986): every byte but unreserved ones
 * and `/` percent-encoded, so a space, `%`, `:` or non-UTF-8 byte in a
 * file name still gives a URI every SARIF reader can resolve. */
static void sarif_uri(AslBuf *out, const char *path) {
  static const char hex[] = "0123456789ABCDEF";
  asl_buf_putc(out, '"');
  if (path[0] == '/') asl_buf_puts(out, "file://");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    unsigned char c = *p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~' || c == '/') {
      asl_buf_putc(out, (char)c);
    } else {
      asl_buf_putc(out, '%');
      asl_buf_putc(out, hex[c >> 4]);
      asl_buf_putc(out, hex[c & 15]);
    }
  }
  asl_buf_putc(out, '"');
}

/* An artifactLocation: relative paths against %SRCROOT% (where the check
 * ran), absolute ones as file: URIs. */
static void sarif_artifact(AslBuf *out, const char *path) {
  asl_buf_puts(out, "\"artifactLocation\": {\"uri\": ");
  sarif_uri(out, path);
  if (path[0] != '/') asl_buf_puts(out, ", \"uriBaseId\": \"%SRCROOT%\"");
  asl_buf_putc(out, '}');
}

/* A SARIF physicalLocation of (path, line, column). */
static void sarif_place(AslBuf *out, const char *path, uint32_t line,
                        uint32_t column) {
  asl_buf_puts(out, "\"physicalLocation\": {");
  sarif_artifact(out, path);
  asl_buf_printf(out, ", \"region\": "
                      "{\"startLine\": %u, \"startColumn\": %u}}",
                 line, column);
}

/* A finding's related places (an ASL210 chain) as relatedLocations, and
 * the same as one code flow from the call to the blocking call. */
static void sarif_related(AslBuf *out, const AslDiag *d) {
  if (!d->nrelated) return;
  asl_buf_puts(out, ", \"relatedLocations\": [");
  for (uint32_t k = 0; k < d->nrelated; k++) {
    const AslRelated *r = &d->related[k];
    asl_buf_printf(out, "%s{\"id\": %u, ", k ? ", " : "", k + 1);
    sarif_place(out, r->path, r->line, r->column);
    asl_buf_puts(out, ", \"message\": {");
    json_key_str(out, "text", r->message);
    asl_buf_puts(out, "}}");
  }
  asl_buf_puts(out, "], \"codeFlows\": [{\"threadFlows\": [{\"locations\": "
                    "[{\"location\": {");
  sarif_place(out, d->path, d->line, d->column);
  asl_buf_puts(out, ", \"message\": {\"text\": \"the call\"}}}");
  for (uint32_t k = 0; k < d->nrelated; k++) {
    const AslRelated *r = &d->related[k];
    asl_buf_puts(out, ", {\"location\": {");
    sarif_place(out, r->path, r->line, r->column);
    asl_buf_puts(out, ", \"message\": {");
    json_key_str(out, "text", r->message);
    asl_buf_puts(out, "}}}");
  }
  asl_buf_puts(out, "]}]}]");
}

/* SARIF's `fixes`: the edits as replacements of regions of the file. */
static void sarif_fix(AslBuf *out, const AslDiag *d) {
  const AslFix *f = d->fix;
  if (!f) return;
  asl_buf_puts(out, ", \"fixes\": [{\"description\": {");
  json_key_str(out, "text", f->message);
  asl_buf_puts(out, "}, \"artifactChanges\": [{");
  sarif_artifact(out, d->path);
  asl_buf_puts(out, ", \"replacements\": [");
  for (uint32_t i = 0; i < f->nedits; i++) {
    const AslEdit *e = &f->edits[i];
    asl_buf_printf(out,
                   "%s{\"deletedRegion\": {\"startLine\": %u, "
                   "\"startColumn\": %u, \"endLine\": %u, \"endColumn\": "
                   "%u}, \"insertedContent\": {",
                   i ? ", " : "", e->line, e->column, e->end_line,
                   e->end_column);
    json_key_str(out, "text", e->content);
    asl_buf_puts(out, "}}");
  }
  asl_buf_puts(out, "]}]}]");
}

/* Each rule's descriptor carries its explain text as help, from the rule
 * set. */
static void emit_sarif(const AslRuleSet *rules, const AslDiagList *diags,
                       AslBuf *out) {
  asl_buf_puts(out,
               "{\n  \"$schema\": \"https://json.schemastore.org/"
               "sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
               "  \"runs\": [{\n    \"tool\": {\"driver\": {\"name\": "
               "\"asynclint\", \"version\": \"" ASL_VERSION "\", "
               "\"informationUri\": \"" ASL_INFO_URI "\",\n"
               "      \"rules\": [");
  for (int k = 0; k < ASL_RULE__COUNT; k++) {
    const AslRule *r = &asl_rules[k];
    asl_buf_puts(out, k ? ",\n        {" : "\n        {");
    json_key_str(out, "id", r->code);
    asl_buf_puts(out, ", ");
    json_key_str(out, "name", r->name);
    asl_buf_puts(out, ", \"shortDescription\": {");
    json_key_str(out, "text", r->summary);
    asl_buf_puts(out, "}, \"fullDescription\": {");
    json_key_str(out, "text", r->summary);
    asl_buf_puts(out, "}, \"help\": {");
    json_key_str(out, "text", rules->explain((AslRuleId)k));
    asl_buf_puts(out, ", ");
    json_key_str(out, "markdown", rules->explain((AslRuleId)k));
    asl_buf_printf(out, "}, \"defaultConfiguration\": {\"level\": \"%s\"}}",
                   severity_name(r));
  }
  asl_buf_puts(out, "]}},\n    \"results\": [");
  for (uint32_t i = 0; i < diags->len; i++) {
    const AslDiag *d = &diags->items[i];
    const AslRule *r = &asl_rules[d->rule];
    char fp[17];
    fingerprint(d, fp);
    asl_buf_puts(out, i ? ",\n      {" : "\n      {");
    json_key_str(out, "ruleId", r->code);
    asl_buf_printf(out, ", \"ruleIndex\": %d, \"level\": \"%s\", "
                        "\"message\": {",
                   (int)d->rule, severity_name(r));
    json_key_str(out, "text", d->message);
    asl_buf_puts(out, "}, \"locations\": [{\"physicalLocation\": {");
    sarif_artifact(out, d->path);
    asl_buf_printf(out,
                   ", \"region\": "
                   "{\"startLine\": %u, \"startColumn\": %u, \"endLine\": %u, "
                   "\"endColumn\": %u}}}], \"partialFingerprints\": "
                   "{\"asynclint/v1\": \"%s\"}",
                   d->line, d->column, d->end_line, d->end_column, fp);
    sarif_related(out, d);
    sarif_fix(out, d);
    asl_buf_puts(out, "}");
  }
  asl_buf_puts(out, diags->len ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n");
}

/* GitLab Code Quality: an array of issues with a stable fingerprint. */
static void emit_gitlab(const AslDiagList *diags, AslBuf *out) {
  asl_buf_puts(out, "[");
  for (uint32_t i = 0; i < diags->len; i++) {
    const AslDiag *d = &diags->items[i];
    const AslRule *r = &asl_rules[d->rule];
    char fp[17];
    fingerprint(d, fp);
    asl_buf_puts(out, i ? ",\n  {" : "\n  {");
    json_key_str(out, "description", d->message);
    asl_buf_puts(out, ", ");
    json_key_str(out, "check_name", r->code);
    asl_buf_printf(out, ", \"fingerprint\": \"%s\", \"severity\": \"%s\", "
                        "\"location\": {",
                   fp, r->severity == ASL_SEV_ERROR ? "major" : "minor");
    json_key_str(out, "path", d->path);
    asl_buf_printf(out, ", \"lines\": {\"begin\": %u, \"end\": %u}}}",
                   d->line, d->end_line);
  }
  asl_buf_puts(out, diags->len ? "\n]\n" : "]\n");
}

/* ---- GitHub workflow commands ----------------------------------------- */

/* GitHub's escaping: %, CR, LF in data; also : and , in property values.
 * Nothing a path or message holds can start a second command. */
static void github_escape(AslBuf *b, const char *s, bool property) {
  for (; *s; s++) {
    switch (*s) {
    case '%': asl_buf_puts(b, "%25"); break;
    case '\r': asl_buf_puts(b, "%0D"); break;
    case '\n': asl_buf_puts(b, "%0A"); break;
    case ':':
      if (property) asl_buf_puts(b, "%3A");
      else asl_buf_putc(b, ':');
      break;
    case ',':
      if (property) asl_buf_puts(b, "%2C");
      else asl_buf_putc(b, ',');
      break;
    default: asl_buf_putc(b, *s); break;
    }
  }
}

static void emit_github(const AslDiagList *diags, AslBuf *out) {
  for (uint32_t i = 0; i < diags->len; i++) {
    const AslDiag *d = &diags->items[i];
    const AslRule *r = &asl_rules[d->rule];
    asl_buf_printf(out, "::%s file=", severity_name(r));
    github_escape(out, d->path, true);
    asl_buf_printf(out, ",line=%u,col=%u,endLine=%u,endColumn=%u,title=",
                   d->line, d->column, d->end_line, d->end_column);
    char title[64];
    snprintf(title, sizeof title, "asynclint (%s)", r->code);
    github_escape(out, title, true);
    asl_buf_puts(out, "::");
    char head[32];
    snprintf(head, sizeof head, "%s ", r->code);
    github_escape(out, head, false);
    github_escape(out, d->message, false);
    asl_buf_putc(out, '\n');
  }
}

/* ---- XML (JUnit) ------------------------------------------------------ */

/* XML-escapes `s`; bytes that are not valid UTF-8 and characters XML 1.0
 * cannot hold (most control characters) become U+FFFD. */
static void xml_escape(AslBuf *b, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  size_t n = strlen(str);
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    switch (c) {
    case '<': asl_buf_puts(b, "&lt;"); i++; continue;
    case '>': asl_buf_puts(b, "&gt;"); i++; continue;
    case '&': asl_buf_puts(b, "&amp;"); i++; continue;
    case '"': asl_buf_puts(b, "&quot;"); i++; continue;
    case '\'': asl_buf_puts(b, "&apos;"); i++; continue;
    default: break;
    }
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      asl_buf_puts(b, "\xEF\xBF\xBD");
      i++;
      continue;
    }
    size_t k = c < 0x80 ? 1 : asl_utf8_seq(s + i, n - i);
    // U+FFFE and U+FFFF are not XML characters either.
    if (k == 3 && s[i] == 0xEF && s[i + 1] == 0xBF && s[i + 2] >= 0xBE) k = 0;
    if (k == 0) {
      asl_buf_puts(b, "\xEF\xBF\xBD");
      i++;
    } else {
      asl_buf_put(b, (const char *)s + i, k);
      i += k;
    }
  }
}

/* One testsuite per file with findings, one failing testcase per finding;
 * with no findings, one passing testcase (as ruff does). */
static void emit_junit(const AslDiagList *diags, AslBuf *out) {
  asl_buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<testsuites name=\"asynclint\" tests=\"%u\" "
                      "failures=\"%u\">\n",
                 diags->len ? diags->len : 1, diags->len);
  if (diags->len == 0)
    asl_buf_puts(out, "  <testsuite name=\"asynclint\" tests=\"1\" "
                      "failures=\"0\">\n    <testcase name=\"No findings\" "
                      "classname=\"asynclint\"/>\n  </testsuite>\n");
  for (uint32_t i = 0; i < diags->len;) {
    uint32_t j = i;
    while (j < diags->len && strcmp(diags->items[j].path, diags->items[i].path) == 0)
      j++;
    asl_buf_puts(out, "  <testsuite name=\"");
    xml_escape(out, diags->items[i].path);
    asl_buf_printf(out, "\" tests=\"%u\" failures=\"%u\">\n", j - i, j - i);
    for (uint32_t k = i; k < j; k++) {
      const AslDiag *d = &diags->items[k];
      const AslRule *r = &asl_rules[d->rule];
      asl_buf_printf(out, "    <testcase name=\"%s %u:%u\" classname=\"",
                     r->code, d->line, d->column);
      xml_escape(out, d->path);
      asl_buf_printf(out, "\" line=\"%u\">\n      <failure type=\"%s\" "
                          "message=\"",
                     d->line, r->code);
      xml_escape(out, d->message);
      asl_buf_printf(out, "\">line %u, col %u, %s: ", d->line, d->column,
                     r->code);
      xml_escape(out, d->message);
      asl_buf_puts(out, "</failure>\n    </testcase>\n");
    }
    asl_buf_puts(out, "  </testsuite>\n");
    i = j;
  }
  asl_buf_puts(out, "</testsuites>\n");
}

/* ---- pylint ----------------------------------------------------------- */

static void emit_pylint(const AslDiagList *diags, AslBuf *out) {
  for (uint32_t i = 0; i < diags->len; i++) {
    const AslDiag *d = &diags->items[i];
    const AslRule *r = &asl_rules[d->rule];
    asl_buf_printf(out, "%s:%u: [%s(%s), ] %s\n", d->path, d->line, r->code,
                   r->name, d->message);
  }
}

/* ---- statistics ------------------------------------------------------- */

static void emit_statistics(const AslOptions *opt, const AslDiagList *diags,
                            const uint32_t *held, AslBuf *out) {
  uint32_t counts[ASL_RULE__COUNT] = {0};
  for (uint32_t i = 0; i < diags->len; i++) counts[diags->items[i].rule]++;
  bool json = opt->format == ASL_FMT_JSON;
  if (json) asl_buf_puts(out, "[");
  bool first = true;
  for (int r = 0; r < ASL_RULE__COUNT; r++) {
    uint32_t h = held ? held[r] : 0;
    if (!counts[r] && !h) continue;
    if (json) {
      asl_buf_printf(out, "%s\n  {\"code\": \"%s\", \"name\": \"%s\", "
                          "\"count\": %u",
                     first ? "" : ",", asl_rules[r].code, asl_rules[r].name,
                     counts[r]);
      if (h) asl_buf_printf(out, ", \"held_back_in_tests\": %u", h);
      asl_buf_puts(out, "}");
      first = false;
      continue;
    }
    if (counts[r])
      asl_buf_printf(out, "%5u\t%s\t%s\n", counts[r], asl_rules[r].code,
                     asl_rules[r].name);
    if (h)
      asl_buf_printf(out, "%5u\t%s\t%s\t(in test code, held back: "
                          "test-select shows them)\n",
                     h, asl_rules[r].code, asl_rules[r].name);
    first = false;
  }
  if (json) asl_buf_puts(out, first ? "]\n" : "\n]\n");
}

bool asl_format_parse(const char *name, AslFormat *out) {
  static const struct {
    const char *name;
    AslFormat fmt;
  } names[] = {
#define XX(id, str) {str, ASL_FMT_##id},
      ASL_FORMAT_MAP(XX)
#undef XX
      // ruff's older spelling of the concise format.
      {"concise", ASL_FMT_TEXT},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(names[i].name, name) == 0) {
      *out = names[i].fmt;
      return true;
    }
  return false;
}

void asl_emit(const AslRuleSet *rules, const AslOptions *opt,
              const AslDiagList *diags, const uint32_t *held, AslBuf *out) {
  if (opt->statistics) {
    emit_statistics(opt, diags, held, out);
    return;
  }
  switch (opt->format) {
  case ASL_FMT_TEXT: emit_text(opt, diags, out); break;
  case ASL_FMT_FULL: emit_full(opt, diags, out); break;
  case ASL_FMT_JSON: emit_json(diags, out); break;
  case ASL_FMT_JSON_LINES: emit_json_lines(diags, out); break;
  case ASL_FMT_SARIF: emit_sarif(rules, diags, out); break;
  case ASL_FMT_GITHUB: emit_github(diags, out); break;
  case ASL_FMT_GITLAB: emit_gitlab(diags, out); break;
  case ASL_FMT_JUNIT: emit_junit(diags, out); break;
  case ASL_FMT_PYLINT: emit_pylint(diags, out); break;
  }
}
