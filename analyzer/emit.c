/*
 * emit.c - rendering diagnostics: concise text (ruff's `path:line:col: CODE
 * message`) and one JSON array. Every emitter renders the same AslDiag.
 */
#include "run.h"

#include <string.h>

static void emit_text(const AslDiagList *diags, AslBuf *out) {
  for (uint32_t i = 0; i < diags->len; i++) {
    const AslDiag *d = &diags->items[i];
    asl_buf_printf(out, "%s:%u:%u: %s %s\n", d->path, d->line, d->column,
                   asl_rules[d->rule].code, d->message);
  }
}

static void emit_json(const AslDiagList *diags, AslBuf *out) {
  asl_buf_puts(out, "[");
  for (uint32_t i = 0; i < diags->len; i++) {
    const AslDiag *d = &diags->items[i];
    const AslRule *r = &asl_rules[d->rule];
    asl_buf_puts(out, i ? ",\n  {" : "\n  {");
    asl_buf_puts(out, "\"path\": ");
    asl_buf_json_str(out, d->path, strlen(d->path));
    asl_buf_printf(out,
                   ", \"line\": %u, \"column\": %u, \"end_line\": %u, "
                   "\"end_column\": %u, \"code\": \"%s\", \"name\": \"%s\", "
                   "\"message\": ",
                   d->line, d->column, d->end_line, d->end_column, r->code,
                   r->name);
    asl_buf_json_str(out, d->message, strlen(d->message));
    asl_buf_printf(out, ", \"severity\": \"%s\"}",
                   r->severity == ASL_SEV_ERROR ? "error" : "warning");
  }
  asl_buf_puts(out, diags->len ? "\n]\n" : "]\n");
}

void asl_emit(const AslOptions *opt, const AslDiagList *diags, AslBuf *out) {
  switch (opt->format) {
  case ASL_FMT_TEXT:
    emit_text(diags, out);
    break;
  case ASL_FMT_JSON:
    emit_json(diags, out);
    break;
  }
}
