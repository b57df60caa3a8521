/*
 * run.c - the per-file pipeline (read -> parse -> names -> rule passes ->
 * noqa) and the run that gathers every file's diagnostics.
 */
#include "run.h"

#include <stdio.h>
#include <string.h>

#include "../rules/rules.h"
#include "diag.h"

void asl_check_source(AslParser *p, AslArena *a, const AslSource *src,
                      const AslOptions *opt, uint32_t file_index,
                      AslFileResult *out) {
  memset(out, 0, sizeof *out);
  AslTree tree;
  asl_parse(p, a, src, &tree);
  AslDiagList raw = {0};
  AslCtx cx = {a, src, &tree, NULL, opt, &raw, file_index};
  if (tree.first_error != ASL_NONE) {
    const AslNode *e = &tree.nodes[tree.first_error];
    uint32_t line = asl_source_line_of(src, e->start_byte);
    out->parse_error = true;
    out->error_line = line + 1;
    out->error_column = asl_source_column(src, line, e->start_byte);
    asl_report(&cx, ASL_RULE_ASL001, tree.first_error,
               "Could not parse this file cleanly from here on; code in the "
               "damaged region is not checked");
  }
  cx.names = asl_names_build(a, src, &tree);
  asl_rules_run(&cx);
  AslNoqaSet noqa;
  asl_noqa_collect(a, src, &tree, &noqa);
  for (uint32_t i = 0; i < raw.len; i++)
    if (!asl_noqa_suppresses(&noqa, &raw.items[i]))
      asl_avec_push(a, &out->diags, raw.items[i]);
}

void asl_run_init(AslRun *r, const AslOptions *opt) {
  memset(r, 0, sizeof *r);
  r->opt = opt;
  asl_arena_init(&r->arena);
}

/* Copies a file's diagnostics out of its arena into the run's. */
static void keep_results(AslRun *r, const AslSource *src,
                         const AslFileResult *res) {
  const char *path = NULL;
  for (uint32_t i = 0; i < res->diags.len; i++) {
    AslDiag d = res->diags.items[i];
    if (!path) path = asl_arena_strdup(&r->arena, src->path);
    d.path = path;
    d.message = asl_arena_strdup(&r->arena, d.message);
    asl_vec_push(&r->diags, d);
  }
  if (res->parse_error && !r->opt->quiet)
    fprintf(stderr,
            "asynclint: warning: %s:%u:%u: could not parse cleanly; code in "
            "the damaged region is not checked\n",
            src->path, res->error_line, res->error_column);
}

static void check_and_keep(AslRun *r, AslParser *p, AslArena *scratch,
                           const AslSource *src, uint32_t file_index) {
  AslFileResult res;
  asl_check_source(p, scratch, src, r->opt, file_index, &res);
  keep_results(r, src, &res);
  r->nfiles++;
}

void asl_run_file(AslRun *r, AslParser *p, AslArena *scratch,
                  const AslFileRef *f, uint32_t file_index) {
  asl_arena_reset(scratch);
  AslSource src;
  const char *why = NULL;
  AslStatus st = asl_source_read(scratch, f->fs_path, f->display, &src, &why);
  if (st != ASL_OK) {
    fprintf(stderr, "asynclint: error: %s: %s\n", f->display,
            why ? why : asl_strstatus(st));
    r->nerrors++;
    return;
  }
  check_and_keep(r, p, scratch, &src, file_index);
}

void asl_run_bytes(AslRun *r, AslParser *p, AslArena *scratch,
                   const char *display, const char *bytes, size_t len,
                   uint32_t file_index) {
  asl_arena_reset(scratch);
  AslSource src;
  asl_source_from_bytes(scratch, display, bytes, len, &src);
  check_and_keep(r, p, scratch, &src, file_index);
}

void asl_run_finish(AslRun *r) { asl_diags_sort(&r->diags); }

void asl_run_destroy(AslRun *r) {
  asl_vec_free(&r->diags);
  asl_arena_destroy(&r->arena);
}
