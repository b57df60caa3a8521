/*
 * run.c - the driver. Phase 1 reads each file of the project once: parse,
 * names, facts for the index and, for the files the user named, the rule
 * passes and noqa. Phase 2 builds the index from the facts; phase 3
 * decides the findings the passes deferred to it.
 *
 * Why defer instead of keeping trees or parsing twice: on the standard
 * library (1,790 files, 7.5M nodes) keeping every flattened tree costs
 * ~300 MB, and re-parsing the named files doubles the run time (parsing
 * is two thirds of it). A deferred finding is a few dozen bytes: where it
 * would be reported and which name to ask the index about.
 */
#include "run.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rules/rules.h"
#include "diag.h"

/* Where one file sits in the run. */
typedef struct FileInfo {
  const char *module;  /* run-arena owned, NULL if unknown */
  bool is_package, is_stub;
  uint32_t project;
  bool named;          /* check it (else only index it) */
  uint32_t file_index;
} FileInfo;

void asl_defer(AslCtx *cx, AslRuleId r, uint32_t node,
               const AslCallee *callee, const char *subject) {
  if (!cx->opt->selected[r] || !cx->deferred) return;
  AslDeferred d;
  memset(&d, 0, sizeof d);
  d.diag = asl_diag_at(cx, r, node);
  d.callee = *callee;
  d.subject = subject;
  d.facts_id = cx->facts_id;
  asl_avec_push(cx->arena, cx->deferred, d);
}

/* Does the file bind names with `from m import *` at module level? */
static bool has_star_import(const AslTree *t) {
  for (uint32_t i = 0; i < t->count; i++)
    if (t->nodes[i].kind == ASL_K_wildcard_import && t->nodes[i].scope == 0)
      return true;
  return false;
}

static const char *copy_str(AslArena *a, const char *s) {
  return s ? asl_arena_strdup(a, s) : NULL;
}

/* Copies a deferred finding out of the file's arena into the run's. */
static void keep_deferred(AslRun *r, const AslDeferred *src,
                          const char *path) {
  AslDeferred d = *src;
  AslArena *a = &r->arena;
  d.diag.path = path;
  d.callee.dotted = copy_str(a, d.callee.dotted);
  d.callee.attr = copy_str(a, d.callee.attr);
  d.subject = copy_str(a, d.subject);
  d.diag.source_line = copy_str(a, d.diag.source_line);
  if (src->callee.local) {
    AslDef *l = asl_arena_alloc(a, sizeof *l);
    *l = *src->callee.local;
    l->name = copy_str(a, l->name);
    l->module = copy_str(a, l->module);
    l->path = path;
    const char **decs = asl_arena_alloc(a, sizeof(char *) * l->ndecorators);
    for (uint32_t k = 0; k < l->ndecorators; k++)
      decs[k] = asl_arena_strdup(a, l->decorators[k]);
    l->decorators = decs;
    d.callee.local = l;
  }
  asl_vec_push(&r->deferred, d);
}

/* Keeps what noqa lets through: diagnostics now, deferred findings for
 * phase 3 (noqa cannot wait: the file's comments die with its arena). */
static void keep_findings(AslRun *r, AslArena *a, const AslSource *src,
                          const AslTree *tree, const AslDiagList *raw,
                          const AslDeferredList *deferred) {
  AslNoqaSet noqa;
  asl_noqa_collect(a, src, tree, &noqa);
  const char *path = NULL;
  for (uint32_t i = 0; i < raw->len; i++) {
    AslDiag d = raw->items[i];
    if (asl_noqa_suppresses(&noqa, &d)) continue;
    if (!path) path = asl_arena_strdup(&r->arena, src->path);
    d.path = path;
    d.message = asl_arena_strdup(&r->arena, d.message);
    d.source_line = copy_str(&r->arena, d.source_line);
    asl_vec_push(&r->diags, d);
  }
  for (uint32_t i = 0; i < deferred->len; i++) {
    if (asl_noqa_suppresses(&noqa, &deferred->items[i].diag)) continue;
    if (!path) path = asl_arena_strdup(&r->arena, src->path);
    keep_deferred(r, &deferred->items[i], path);
  }
}

static void warn_parse_error(const AslRun *r, const AslSource *src,
                             const AslTree *tree) {
  if (r->opt->quiet) return;
  const AslNode *e = &tree->nodes[tree->first_error];
  uint32_t line = asl_source_line_of(src, e->start_byte);
  fprintf(stderr,
          "asynclint: warning: %s:%u:%u: could not parse cleanly; code in "
          "the damaged region is not checked\n",
          src->path, line + 1, asl_source_column(src, line, e->start_byte));
}

/* Phase 1 for one source: facts always, rules when the file is named. */
static void process_source(AslRun *r, AslParser *p, AslArena *a,
                           const AslSource *src, const FileInfo *fi) {
  AslTree tree;
  asl_parse(p, a, src, &tree);
  AslDiagList raw = {0};
  AslDeferredList deferred = {0};
  AslCtx cx = {.arena = a,
               .src = src,
               .tree = &tree,
               .opt = r->opt,
               .out = &raw,
               .file_index = fi->file_index,
               .module = fi->module,
               .is_package = fi->is_package,
               .has_star_import = has_star_import(&tree),
               .project = fi->project,
               .deferred = &deferred};
  cx.names = asl_names_build(a, src, &tree);
  if (r->use_index) {
    AslFileFacts *facts = asl_facts_extract(&r->arena, &cx, src->path);
    facts->is_stub = fi->is_stub;
    cx.facts_id = r->facts.len;
    asl_vec_push(&r->facts, facts);
    asl_rules_facts(&cx, facts, &r->arena);
  }
  if (!fi->named) {
    r->nindexed++;
    return;
  }
  r->nfiles++;
  if (tree.first_error != ASL_NONE) {
    asl_report(&cx, ASL_RULE_ASL001, tree.first_error,
               "Could not parse this file cleanly from here on; code in the "
               "damaged region is not checked");
    warn_parse_error(r, src, &tree);
  }
  asl_rules_run(&cx);
  keep_findings(r, a, src, &tree, &raw, &deferred);
}

void asl_run_init(AslRun *r, const AslOptions *opt) {
  memset(r, 0, sizeof *r);
  r->opt = opt;
  asl_arena_init(&r->arena);
  r->layout = asl_layout_new();
  r->use_index = asl_rules_need_index(opt);
}

/* Reads `f` and runs phase 1 on it. Unreadable files are errors only when
 * the user named them. */
static void read_and_process(AslRun *r, AslParser *p, AslArena *scratch,
                             const AslFileRef *f, bool named,
                             uint32_t file_index) {
  asl_arena_reset(scratch);
  AslSource src;
  const char *why = NULL;
  AslStatus st = asl_source_read(scratch, f->fs_path, f->display, &src, &why);
  if (st != ASL_OK) {
    if (!named) return;
    fprintf(stderr, "asynclint: error: %s: %s\n", f->display,
            why ? why : asl_strstatus(st));
    r->nerrors++;
    return;
  }
  FileInfo fi = {0};
  fi.module = asl_layout_module(r->layout, &r->arena, f->fs_path,
                                &fi.is_package, &fi.is_stub);
  fi.project = asl_layout_project(r->layout, f->fs_path);
  fi.named = named;
  fi.file_index = file_index;
  process_source(r, p, scratch, &src, &fi);
}

void asl_run_file(AslRun *r, AslParser *p, AslArena *scratch,
                  const AslFileRef *f, uint32_t file_index) {
  read_and_process(r, p, scratch, f, true, file_index);
}

void asl_run_bytes(AslRun *r, AslParser *p, AslArena *scratch,
                   const char *display, const char *bytes, size_t len,
                   uint32_t file_index) {
  asl_arena_reset(scratch);
  AslSource src;
  asl_source_from_bytes(scratch, display, bytes, len, &src);
  // A project of its own, where it is the main module: its own names
  // resolve, relative imports do not.
  FileInfo fi = {0};
  fi.module = "__main__";
  fi.project = asl_layout_fresh_project(r->layout);
  fi.named = true;
  fi.file_index = file_index;
  process_source(r, p, scratch, &src, &fi);
}

/* The distinct project roots around `paths`, outermost only (walking an
 * outer root finds the files of the projects nested in it). */
static void project_roots(AslRun *r, const char *const *paths, uint32_t n,
                          AslStrVec *roots) {
  for (uint32_t i = 0; i < n; i++) {
    const char *root =
        asl_layout_root(r->layout, asl_layout_project(r->layout, paths[i]));
    if (root) asl_vec_push(roots, root);
  }
  uint32_t w = 0;
  for (uint32_t i = 0; i < roots->len; i++) {
    const char *x = roots->items[i];
    bool covered = false;
    for (uint32_t k = 0; k < roots->len && !covered; k++) {
      const char *y = roots->items[k];
      size_t ny = strlen(y);
      bool inside = strncmp(x, y, ny) == 0 &&
                    (x[ny] == '/' || strcmp(y, "/") == 0) && x[ny] != 0;
      covered = inside || (strcmp(x, y) == 0 && k < i);
    }
    if (!covered) roots->items[w++] = x;
  }
  roots->len = w;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted real paths of the files of `d` (heap strings), so a file reached
 * both from the user's paths and from its project root is read once. */
static void real_paths(const AslDiscovery *d, AslStrVec *out) {
  char real[PATH_MAX];
  for (uint32_t i = 0; i < d->files.len; i++)
    if (realpath(d->files.items[i].fs_path, real))
      asl_vec_push(out, (const char *)asl_strdup(real));
  if (out->len > 1)
    qsort(out->items, out->len, sizeof(char *), cmp_str);
}

static void free_strs(AslStrVec *v) {
  for (uint32_t i = 0; i < v->len; i++) asl_free((void *)v->items[i]);
  asl_vec_free(v);
}

/* Indexes the files of the projects around `paths` that the user's paths
 * did not already reach. */
static void index_projects(AslRun *r, AslParser *p, AslArena *scratch,
                           const char *const *paths, uint32_t npaths,
                           const AslDiscovery *named) {
  AslStrVec roots = {0};
  project_roots(r, paths, npaths, &roots);
  if (roots.len) {
    AslStrVec seen = {0};
    real_paths(named, &seen);
    AslDiscovery all;
    // Silent: errors under the project are not the user's paths; the ones
    // that are were reported by the walk of the named paths.
    asl_discover_ex(r->opt, roots.items, roots.len, ASL_DISCOVER_SILENT, &all);
    char real[PATH_MAX];
    for (uint32_t i = 0; i < all.files.len; i++) {
      const AslFileRef *f = &all.files.items[i];
      if (!realpath(f->fs_path, real)) continue;
      const char *key = real;
      if (seen.len &&
          bsearch(&key, seen.items, seen.len, sizeof(char *), cmp_str))
        continue;
      read_and_process(r, p, scratch, f, false, 0);
    }
    asl_discovery_destroy(&all);
    free_strs(&seen);
  }
  asl_vec_free(&roots);
}

void asl_run_paths(AslRun *r, AslParser *p, AslArena *scratch,
                   const char *const *paths, uint32_t npaths,
                   uint32_t *next_index) {
  AslDiscovery named;
  asl_discover(r->opt, paths, npaths, &named);
  r->nerrors += named.nerrors;
  if (!r->opt->index_given_only && r->use_index)
    index_projects(r, p, scratch, paths, npaths, &named);
  for (uint32_t i = 0; i < named.files.len; i++)
    read_and_process(r, p, scratch, &named.files.items[i], true,
                     (*next_index)++);
  asl_discovery_destroy(&named);
}

/* Phase 2 and 3: the index, then the deferred findings. */
static void decide_deferred(AslRun *r) {
  if (!r->deferred.len) return;
  AslIndex *idx = asl_index_new(r->facts.items, r->facts.len);
  for (uint32_t i = 0; i < r->deferred.len; i++) {
    const AslDeferred *d = &r->deferred.items[i];
    const char *msg = asl_rules_decide(idx, r->opt, &r->arena, d);
    if (!msg) continue;
    AslDiag diag = d->diag;
    diag.message = msg;
    asl_vec_push(&r->diags, diag);
  }
  asl_index_delete(idx);
}

void asl_run_finish(AslRun *r) {
  decide_deferred(r);
  asl_diags_sort(&r->diags);
}

void asl_run_destroy(AslRun *r) {
  asl_vec_free(&r->diags);
  asl_vec_free(&r->facts);
  asl_vec_free(&r->deferred);
  asl_layout_delete(r->layout);
  asl_arena_destroy(&r->arena);
}
