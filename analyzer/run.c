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
#include <pthread.h>
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

/* Where phase 1 of one file puts what it keeps. The serial path points it
 * at the run; each parallel job gets its own, merged in job order so the
 * output is the same for any number of threads. */
typedef struct Sink {
  const AslOptions *opt;
  bool use_index;
  AslArena *arena;           /* copies that live for the whole run */
  AslDiagList *diags;        /* heap-backed */
  AslDeferredList *deferred; /* heap-backed */
  uint32_t facts_id;         /* the id this file's facts will get */
  AslFileFacts *facts;       /* out: this file's facts, or NULL */
  AslBuf *err;               /* out: what to print on stderr, in order */
  bool checked;              /* out: the rules ran (a named file) */
  bool indexed;              /* out: read only for the index */
  bool failed;               /* out: a named file could not be read */
} Sink;

/* Copies a deferred finding out of the file's arena into the sink's. */
static void keep_deferred(Sink *k, const AslDeferred *src, const char *path) {
  AslDeferred d = *src;
  AslArena *a = k->arena;
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
    for (uint32_t j = 0; j < l->ndecorators; j++)
      decs[j] = asl_arena_strdup(a, l->decorators[j]);
    l->decorators = decs;
    d.callee.local = l;
  }
  asl_vec_push(k->deferred, d);
}

/* Keeps what noqa lets through: diagnostics now, deferred findings for
 * phase 3 (noqa cannot wait: the file's comments die with its arena). */
static void keep_findings(Sink *k, AslArena *a, const AslSource *src,
                          const AslTree *tree, const AslDiagList *raw,
                          const AslDeferredList *deferred) {
  AslNoqaSet noqa;
  asl_noqa_collect(a, src, tree, &noqa);
  const char *path = NULL;
  for (uint32_t i = 0; i < raw->len; i++) {
    AslDiag d = raw->items[i];
    if (asl_noqa_suppresses(&noqa, &d)) continue;
    if (!path) path = asl_arena_strdup(k->arena, src->path);
    d.path = path;
    d.message = asl_arena_strdup(k->arena, d.message);
    d.source_line = copy_str(k->arena, d.source_line);
    asl_vec_push(k->diags, d);
  }
  for (uint32_t i = 0; i < deferred->len; i++) {
    if (asl_noqa_suppresses(&noqa, &deferred->items[i].diag)) continue;
    if (!path) path = asl_arena_strdup(k->arena, src->path);
    keep_deferred(k, &deferred->items[i], path);
  }
}

static void warn_parse_error(Sink *k, const AslSource *src,
                             const AslTree *tree) {
  if (k->opt->quiet) return;
  const AslNode *e = &tree->nodes[tree->first_error];
  uint32_t line = asl_source_line_of(src, e->start_byte);
  asl_buf_printf(k->err,
                 "asynclint: warning: %s:%u:%u: could not parse cleanly; code "
                 "in the damaged region is not checked\n",
                 src->path, line + 1,
                 asl_source_column(src, line, e->start_byte));
}

/* Phase 1 for one source: facts always, rules when the file is named. */
static void process_source(Sink *k, AslParser *p, AslArena *a,
                           const AslSource *src, const FileInfo *fi) {
  AslTree tree;
  asl_parse(p, a, src, &tree);
  AslDiagList raw = {0};
  AslDeferredList deferred = {0};
  AslCtx cx = {.arena = a,
               .src = src,
               .tree = &tree,
               .opt = k->opt,
               .out = &raw,
               .file_index = fi->file_index,
               .module = fi->module,
               .is_package = fi->is_package,
               .has_star_import = has_star_import(&tree),
               .project = fi->project,
               .deferred = &deferred};
  cx.names = asl_names_build(a, src, &tree);
  if (k->use_index) {
    AslFileFacts *facts = asl_facts_extract(k->arena, &cx, src->path);
    facts->is_stub = fi->is_stub;
    cx.facts_id = k->facts_id;
    k->facts = facts;
    asl_rules_facts(&cx, facts, k->arena);
  }
  if (!fi->named) {
    k->indexed = true;
    return;
  }
  k->checked = true;
  if (tree.first_error != ASL_NONE) {
    asl_report(&cx, ASL_RULE_ASL001, tree.first_error,
               "Could not parse this file cleanly from here on; code in the "
               "damaged region is not checked");
    warn_parse_error(k, src, &tree);
  }
  asl_rules_run(&cx);
  keep_findings(k, a, src, &tree, &raw, &deferred);
}

void asl_run_init(AslRun *r, const AslOptions *opt) {
  memset(r, 0, sizeof *r);
  r->opt = opt;
  asl_arena_init(&r->arena);
  r->layout = asl_layout_new();
  r->use_index = asl_rules_need_index(opt);
}

/* A sink that writes straight into the run (the serial path). */
static Sink run_sink(AslRun *r, AslBuf *err) {
  Sink k = {r->opt, r->use_index, &r->arena, &r->diags, &r->deferred,
            r->facts.len, NULL, err, false, false, false};
  return k;
}

/* Folds a finished sink's counters, facts and messages into the run. */
static void sink_done(AslRun *r, Sink *k) {
  if (k->facts) asl_vec_push(&r->facts, k->facts);
  r->nfiles += k->checked;
  r->nindexed += k->indexed;
  r->nerrors += k->failed;
  if (k->err->len) fwrite(k->err->data, 1, k->err->len, stderr);
  k->err->len = 0;
}

/* Where one file sits in the project; computed on the main thread (the
 * layout caches are not shared between threads). */
static FileInfo file_info(AslRun *r, const AslFileRef *f, bool named,
                          uint32_t file_index) {
  FileInfo fi = {0};
  fi.module = asl_layout_module(r->layout, &r->arena, f->fs_path,
                                &fi.is_package, &fi.is_stub);
  fi.project = asl_layout_project(r->layout, f->fs_path);
  fi.named = named;
  fi.file_index = file_index;
  return fi;
}

/* Reads `f` and runs phase 1 on it into `k`. Unreadable files are errors
 * only when the user named them. */
static void read_and_process(Sink *k, AslParser *p, AslArena *scratch,
                             const AslFileRef *f, const FileInfo *fi) {
  asl_arena_reset(scratch);
  AslSource src;
  const char *why = NULL;
  AslStatus st = asl_source_read(scratch, f->fs_path, f->display, &src, &why);
  if (st != ASL_OK) {
    if (!fi->named) return;
    asl_buf_printf(k->err, "asynclint: error: %s: %s\n", f->display,
                   why ? why : asl_strstatus(st));
    k->failed = true;
    return;
  }
  process_source(k, p, scratch, &src, fi);
}

void asl_run_file(AslRun *r, AslParser *p, AslArena *scratch,
                  const AslFileRef *f, uint32_t file_index) {
  AslBuf err = {0};
  Sink k = run_sink(r, &err);
  FileInfo fi = file_info(r, f, true, file_index);
  read_and_process(&k, p, scratch, f, &fi);
  sink_done(r, &k);
  asl_buf_free(&err);
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
  AslBuf err = {0};
  Sink k = run_sink(r, &err);
  process_source(&k, p, scratch, &src, &fi);
  sink_done(r, &k);
  asl_buf_free(&err);
}

/* ---- phase 1 over many files, on several threads ---------------------- */

/* One file of phase 1 and, after it ran, what it produced. */
typedef struct Job {
  const AslFileRef *f;
  FileInfo fi;
  AslDiagList diags;         /* heap-backed, merged then freed */
  AslDeferredList deferred;  /* heap-backed, merged then freed */
  AslBuf err;
  Sink sink;
} Job;

typedef AslVec(Job) JobList;

typedef struct Pool {
  AslRun *r;
  Job *jobs;
  uint32_t njobs;
  uint32_t next;             /* next job to take (under the lock) */
  pthread_mutex_t lock;
} Pool;

/* A worker: its own parser and arenas; takes jobs until none are left. The
 * persistent arena joins the run's list, to live as long as the run. */
static void *pool_worker(void *arg) {
  Pool *pool = arg;
  AslParser *parser = NULL;
  const char *why = NULL;
  if (asl_parser_new(&parser, &why) != ASL_OK) return NULL;
  AslArena scratch;
  asl_arena_init(&scratch);
  AslArena *keep = asl_calloc(1, sizeof *keep);
  asl_arena_init(keep);
  for (;;) {
    pthread_mutex_lock(&pool->lock);
    uint32_t i = pool->next < pool->njobs ? pool->next++ : UINT32_MAX;
    pthread_mutex_unlock(&pool->lock);
    if (i == UINT32_MAX) break;
    Job *j = &pool->jobs[i];
    j->sink = (Sink){pool->r->opt, pool->r->use_index, keep, &j->diags,
                     &j->deferred, 0, NULL, &j->err, false, false, false};
    read_and_process(&j->sink, parser, &scratch, j->f, &j->fi);
  }
  asl_arena_destroy(&scratch);
  asl_parser_delete(parser);
  pthread_mutex_lock(&pool->lock);
  asl_vec_push(&pool->r->worker_arenas, keep);
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

/* Merges the jobs in their order: facts get their final ids (the deferred
 * findings of a file point at its facts), findings and messages follow. */
static void merge_jobs(AslRun *r, Job *jobs, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    Job *j = &jobs[i];
    uint32_t id = r->facts.len;
    for (uint32_t k = 0; k < j->deferred.len; k++) {
      j->deferred.items[k].facts_id = id;
      asl_vec_push(&r->deferred, j->deferred.items[k]);
    }
    for (uint32_t k = 0; k < j->diags.len; k++)
      asl_vec_push(&r->diags, j->diags.items[k]);
    sink_done(r, &j->sink);
    asl_vec_free(&j->diags);
    asl_vec_free(&j->deferred);
    asl_buf_free(&j->err);
  }
}

/* Runs phase 1 over `jobs`: serially with one thread, else on a pool. */
static void run_jobs(AslRun *r, AslParser *p, AslArena *scratch, Job *jobs,
                     uint32_t n) {
  uint32_t threads = r->opt->threads ? r->opt->threads : 1;
  if (threads > n) threads = n;
  if (threads <= 1) {
    for (uint32_t i = 0; i < n; i++) {
      AslBuf err = {0};
      Sink k = run_sink(r, &err);
      read_and_process(&k, p, scratch, jobs[i].f, &jobs[i].fi);
      sink_done(r, &k);
      asl_buf_free(&err);
    }
    return;
  }
  Pool pool = {r, jobs, n, 0, PTHREAD_MUTEX_INITIALIZER};
  pthread_t *tids = asl_calloc(threads, sizeof *tids);
  uint32_t started = 0;
  for (uint32_t t = 0; t < threads; t++)
    if (pthread_create(&tids[t], NULL, pool_worker, &pool) == 0) started++;
  if (started == 0) pool_worker(&pool); // no threads: do it here
  for (uint32_t t = 0; t < started; t++) pthread_join(tids[t], NULL);
  asl_free(tids);
  merge_jobs(r, jobs, n);
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

/* Adds a job for every file of the projects around `paths` that the
 * user's paths did not already reach (read for the index only). */
static void project_jobs(AslRun *r, const char *const *paths, uint32_t npaths,
                         const AslDiscovery *named, AslDiscovery *all,
                         JobList *jobs) {
  AslStrVec roots = {0};
  project_roots(r, paths, npaths, &roots);
  memset(all, 0, sizeof *all);
  if (roots.len) {
    AslStrVec seen = {0};
    real_paths(named, &seen);
    // Silent: errors under the project are not the user's paths; the ones
    // that are were reported by the walk of the named paths.
    asl_discover_ex(r->opt, roots.items, roots.len, ASL_DISCOVER_SILENT, all);
    char real[PATH_MAX];
    for (uint32_t i = 0; i < all->files.len; i++) {
      const AslFileRef *f = &all->files.items[i];
      if (!realpath(f->fs_path, real)) continue;
      const char *key = real;
      if (seen.len &&
          bsearch(&key, seen.items, seen.len, sizeof(char *), cmp_str))
        continue;
      Job j = {0};
      j.f = f;
      j.fi = file_info(r, f, false, 0);
      asl_vec_push(jobs, j);
    }
    free_strs(&seen);
  }
  asl_vec_free(&roots);
}

void asl_run_paths(AslRun *r, AslParser *p, AslArena *scratch,
                   const char *const *paths, uint32_t npaths,
                   uint32_t *next_index) {
  AslDiscovery named, all;
  asl_discover(r->opt, paths, npaths, &named);
  r->nerrors += named.nerrors;
  JobList jobs = {0};
  memset(&all, 0, sizeof all);
  if (!r->opt->index_given_only && r->use_index)
    project_jobs(r, paths, npaths, &named, &all, &jobs);
  for (uint32_t i = 0; i < named.files.len; i++) {
    Job j = {0};
    j.f = &named.files.items[i];
    j.fi = file_info(r, j.f, true, (*next_index)++);
    asl_vec_push(&jobs, j);
  }
  run_jobs(r, p, scratch, jobs.items, jobs.len);
  asl_vec_free(&jobs);
  asl_discovery_destroy(&all);
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
  for (uint32_t i = 0; i < r->worker_arenas.len; i++) {
    asl_arena_destroy(r->worker_arenas.items[i]);
    asl_free(r->worker_arenas.items[i]);
  }
  asl_vec_free(&r->worker_arenas);
  asl_layout_delete(r->layout);
  asl_arena_destroy(&r->arena);
}
