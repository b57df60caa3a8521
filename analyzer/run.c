/*
 * run.c - the driver. Phase 1 reads each file of the project once and
 * scans its identifiers; the files that can hold a finding are parsed
 * right away (names, facts for the index and, for the files the user
 * named, the rule passes and noqa), the others only if a later round
 * finds it needs them (see prefilter.h). Phase 2 builds the index from the
 * facts; phase 3 decides the findings the passes deferred to it.
 *
 * Why defer instead of keeping trees or parsing twice: on the standard
 * library (1,790 files, 7.5M nodes) keeping every flattened tree costs
 * ~300 MB, and re-parsing the named files doubles the run time (parsing
 * is two thirds of it). A deferred finding is a few dozen bytes: where it
 * would be reported and which name to ask the index about.
 */
#include "run.h"

#include "cache.h"
#include "env.h"

#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "prefilter.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Where one file sits in the run. */
typedef struct FileInfo {
  const char *module;  /* run-arena owned, NULL if unknown */
  const char *alias;   /* its name through namespace packages, or NULL */
  bool is_package, is_stub;
  uint32_t project;
  bool named;          /* check it (else only index it) */
  bool library;        /* read from the Python environment (env.h) */
  bool in_test;        /* test code (test-paths) */
  uint32_t file_index;
  const char *root;    /* its project's root (layout-owned), NULL if none */
} FileInfo;

/* One file of the run, from its scan to its facts. Jobs keep the order
 * of discovery, and everything merged from them follows it, so the output
 * does not depend on threads or on the round a file was parsed in. */
typedef struct AslJob {
  const char *fs_path, *display; /* run arena; fs_path NULL: stdin */
  FileInfo fi;
  AslScan scan;          /* a cold file's words, until it is parsed */
  char *text;            /* a cold file's text (heap), when kept */
  uint32_t text_len;
  bool parsed;           /* phase 1 parsed it */
  bool partial;          /* parsed in part (pieces.c): `scan` holds what
                            the pieces left spell, its facts hold
                            placeholders for them */
  AslPieceSet pieces;    /* while parsed in part */
  uint32_t units;        /* units parsed (pieces.c) */
  bool hot;              /* the scan found a hot word */
  bool want_all;         /* the next round parses all of it (that is left) */
  bool want_w;           /* ...or at least what spells a word of W */
  AslReachMatch w_match; /* ...with want_w: how its words matched W */
  AslWordSet want_names; /* ...or at least the defs and classes of these
                            names (hashes), with what they name */
  AslWordSet spelled;    /* its first unit also holds the parts spelling
                            these (asl_spelled_outside); set when the unit
                            is parsed again for them */
  size_t parsed_bytes;   /* bytes tree-sitter read, over every parse */
  bool wanted;           /* the next round parses it */
  bool unreadable;
  bool read_before;      /* counted as checked already */
  size_t bytes;          /* its size, once read */
  AslFileFacts *facts;   /* when parsed and the index is in use */
  AslArena *own;         /* the arena its facts went to, for the cache */
  AslFileStamp stamp;    /* the file's, when the cache asked */
  bool cached;           /* its facts came from the cache */
  /* What the last processing produced, merged then freed: */
  AslDiagList diags;
  AslDeferredList deferred;
  AslBuf err;
  bool checked, failed;
} AslJob;

void asl_defer_args(AslCtx *cx, AslRuleId r, uint32_t node,
                    const AslCallee *callee, const char *subject,
                    const AslArgs *args, unsigned where) {
  if (!cx->opt->selected[r] || !cx->deferred) return;
  // A question whose finding test code would hold back is not asked: its
  // answer can only be dropped, and ASL210's walks from test helpers are
  // what pull most cold modules into the later rounds.
  if (cx->in_test && !cx->opt->test_selected[r]) return;
  AslDeferred d;
  memset(&d, 0, sizeof d);
  d.diag = asl_diag_at(cx, r, node);
  d.callee = *callee;
  d.subject = subject;
  d.args = args;
  d.in_loop = (where & ASL_AT_LOOP) != 0;
  d.iterated = (where & ASL_AT_ITERATED) != 0;
  d.callback = (where & ASL_AT_CALLBACK) != 0;
  d.property = (where & ASL_AT_PROPERTY) != 0;
  d.constant = (where & ASL_AT_CONSTANT) != 0;
  d.facts_id = cx->facts_id;
  asl_avec_push(cx->arena, cx->deferred, d);
}

void asl_defer(AslCtx *cx, AslRuleId r, uint32_t node,
               const AslCallee *callee, const char *subject) {
  asl_defer_args(cx, r, node, callee, subject, NULL, 0);
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

/* Where processing one file puts what it keeps: `keep` is an arena that
 * lives as long as the run (the run's, or a worker's). */
typedef struct Sink {
  const AslRun *r;
  AslArena *keep;
  AslJob *job;
} Sink;

/* Copies a deferred finding out of the file's arena into the sink's. */
/* A copy of fix `f` in `a` (NULL stays NULL). */
static const AslFix *copy_fix(AslArena *a, const AslFix *f) {
  if (!f) return NULL;
  AslFix *c = asl_arena_alloc(a, sizeof *c);
  *c = *f;
  c->message = copy_str(a, f->message);
  AslEdit *e = asl_arena_alloc(a, sizeof *e * (f->nedits ? f->nedits : 1));
  for (uint32_t i = 0; i < f->nedits; i++) {
    e[i] = f->edits[i];
    e[i].content = copy_str(a, f->edits[i].content);
  }
  c->edits = e;
  return c;
}

static void keep_deferred(Sink *k, const AslDeferred *src, const char *path) {
  AslDeferred d = *src;
  AslArena *a = k->keep;
  d.diag.path = path;
  d.diag.fix = copy_fix(a, src->diag.fix);
  d.callee.dotted = copy_str(a, d.callee.dotted);
  d.callee.attr = copy_str(a, d.callee.attr);
  d.callee.param = copy_str(a, d.callee.param);
  d.subject = copy_str(a, d.subject);
  d.args = asl_args_copy(a, d.args);
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
  asl_vec_push(&k->job->deferred, d);
}

/* Keeps what noqa lets through: diagnostics now, deferred findings for
 * phase 3 (noqa cannot wait: the file's comments die with its arena); of
 * a later unit of a file, only those on the lines of its new pieces. */
static void keep_findings(Sink *k, AslArena *a, const AslSource *src,
                          const AslTree *tree, const AslDiagList *raw,
                          const AslDeferredList *deferred,
                          const uint32_t *lines, uint32_t nlines) {
  AslNoqaSet noqa;
  asl_noqa_collect(a, src, tree, &noqa);
  const char *path = NULL;
  for (uint32_t i = 0; i < raw->len; i++) {
    AslDiag d = raw->items[i];
    if (asl_noqa_suppresses(&noqa, &d) || !asl_lines_hold(lines, nlines, d.line))
      continue;
    if (!path) path = asl_arena_strdup(k->keep, src->path);
    d.path = path;
    d.message = asl_arena_strdup(k->keep, d.message);
    d.source_line = copy_str(k->keep, d.source_line);
    d.fix = copy_fix(k->keep, d.fix);
    asl_vec_push(&k->job->diags, d);
  }
  for (uint32_t i = 0; i < deferred->len; i++) {
    const AslDiag *d = &deferred->items[i].diag;
    if (asl_noqa_suppresses(&noqa, d) || !asl_lines_hold(lines, nlines, d->line))
      continue;
    if (!path) path = asl_arena_strdup(k->keep, src->path);
    keep_deferred(k, &deferred->items[i], path);
  }
}

static void warn_parse_error(Sink *k, const AslSource *src,
                             const AslTree *tree) {
  if (k->r->opt->quiet) return;
  const AslNode *e = &tree->nodes[tree->first_error];
  uint32_t line = asl_source_line_of(src, e->start_byte);
  asl_buf_printf(&k->job->err,
                 "asynclint: warning: %s:%u:%u: could not parse cleanly; code "
                 "in the damaged region is not checked\n",
                 src->path, line + 1,
                 asl_source_column(src, line, e->start_byte));
}

static void keep_text(Sink *k, const AslSource *src);

/* Parse files in part (pieces.c) when the pre-filter is on and ASL001 is
 * not asked for (it reports damage anywhere in a hot file). */
static bool split_files(const AslRun *r) {
  return r->prefilter && !r->opt->selected[ASL_RULE_ASL001];
}

/* Plans the unit of job j to parse now (pieces.c): the next one of a file
 * parsed in part, or the first one of a file worth parsing in part. False:
 * parse the whole file. */
static bool plan_unit(const Sink *k, AslArena *a, const AslSource *src,
                      bool may_split, bool *first, AslUnit *u) {
  AslJob *j = k->job;
  AslWant want = {&j->want_names, j->want_w ? k->r->reach : NULL,
                  j->want_w ? &j->w_match : NULL, j->want_all, 0,
                  &j->spelled};
  *first = false;
  if (j->pieces.len)
    return asl_pieces_next(a, src, &k->r->hot, &want, &j->pieces, u);
  if (!may_split || !split_files(k->r)) return false;
  *first = asl_pieces_first(a, src, &k->r->hot, &want, &j->pieces, u);
  return *first;
}

/* Is `module` in a package of follow-libraries (its top-level name)? */
static bool follows(const AslOptions *opt, const char *module) {
  size_t top = strcspn(module, ".");
  for (uint32_t i = 0; i < opt->follow_libraries.len; i++) {
    const char *name = opt->follow_libraries.items[i];
    if (strlen(name) == top && !strncmp(name, module, top)) return true;
  }
  return false;
}

/* The facts of a unit: a first one's, with a placeholder for each piece left
 * out; a later one's join those of the units before. */
static void keep_facts(Sink *k, AslCtx *cx, const AslSource *src,
                       const AslUnit *u, bool first) {
  AslJob *j = k->job;
  AslFileFacts *facts = asl_facts_extract(k->keep, cx, src->path);
  facts->is_stub = j->fi.is_stub;
  facts->alias = j->fi.alias;
  k->r->rules->facts(cx, facts, k->keep);
  // A library's sync functions are walked for blocking calls (ASL210)
  // only in the packages the user follows: elsewhere the walk stops at the
  // library's edge.
  if (j->fi.library && !follows(k->r->opt, j->fi.module)) facts->nfuncs = 0;
  if (!u) {
    j->facts = facts;
    return;
  }
  if (first) { // the source's own facts, not the bindings after it
    AslFileFacts *own = asl_arena_alloc(k->keep, sizeof *own);
    *own = *facts;
    own->nnames = own->nclasses = own->nfuncs = 0;
    j->facts = own;
  }
  asl_facts_merge(k->keep, j->facts, facts, u->lines, u->nlines);
  if (!first) return;
  AslUnparsed *left;
  uint32_t n;
  asl_pieces_unparsed(cx->arena, src, &j->pieces, &left, &n);
  asl_facts_add_unparsed(k->keep, j->facts, left, n);
}

/* After a unit: what the pieces still unparsed spell (for W), or, all
 * parsed, nothing more to keep. */
static void after_unit(Sink *k, AslArena *a, const AslSource *src) {
  AslJob *j = k->job;
  asl_scan_free(&j->scan);
  if (asl_pieces_done(&j->pieces)) {
    asl_pieces_free(&j->pieces);
    j->partial = false;
    return;
  }
  j->partial = true;
  if (k->r->need_reach)
    asl_pieces_rest(a, src, &j->pieces, &k->r->hot, &j->scan);
  if (!j->text) keep_text(k, src); // for the units to come
}

static void parse_first_unit_again(Sink *k, AslParser *p, AslArena *a,
                                   AslSource *src, bool hot,
                                   AslWordSet *needed);

/* Parses one source, whole or one unit of it (pieces.c): facts always,
 * rules when the file is named. A syntax error is reported (ASL001) only
 * in a hot file: elsewhere there is no code the passes would look at, and
 * the pre-filter never parses it. */
static void process_source(Sink *k, AslParser *p, AslArena *a,
                           AslSource *src, bool hot, bool may_split) {
  AslJob *j = k->job;
  const FileInfo *fi = &j->fi;
  asl_source_index_lines(a, src);
  AslTree tree;
  AslUnit unit;
  bool first;
  bool in_unit = plan_unit(k, a, src, may_split, &first, &unit);
  if (!in_unit && j->pieces.len) return; // nothing more was wanted of it
  AslSource usrc = *src; // the unit's text: the source, then bindings
  if (in_unit) {
    usrc.text = unit.text;
    usrc.len = unit.len;
    usrc.line_starts = NULL;
    asl_source_index_lines_after(a, &usrc, src);
    asl_parse_ranges(p, a, &usrc, unit.bounds, unit.nranges, &tree);
    if (first && tree.has_error) { // damage, or a split gone wrong
      asl_pieces_free(&j->pieces);
      in_unit = false;
    }
  }
  if (in_unit) {
    j->parsed_bytes += unit.parsed;
    j->units++;
  } else {
    asl_parse(p, a, src, &tree);
    j->parsed_bytes += src->len;
  }
  j->parsed = true;
  const AslSource *s = in_unit ? &usrc : src;
  AslDiagList raw = {0};
  AslDeferredList deferred = {0};
  AslCtx cx = {.arena = a,
               .src = s,
               .tree = &tree,
               .opt = k->r->opt,
               .out = &raw,
               .file_index = fi->file_index,
               .in_test = fi->in_test,
               .module = fi->module,
               .alias = fi->alias,
               .is_package = fi->is_package,
               .has_star_import = has_star_import(&tree),
               .project = fi->project,
               .deferred = &deferred};
  cx.names = asl_names_build(a, s, &tree);
  cx.memo = k->r->rules->memo_new(a);
  if (k->r->use_index) keep_facts(k, &cx, src, in_unit ? &unit : NULL, first);
  if (in_unit) after_unit(k, a, src);
  if (!fi->named) return;
  if (tree.first_error != ASL_NONE && hot) {
    asl_report(&cx, ASL_RULE_ASL001, tree.first_error,
               "Could not parse this file cleanly from here on; code in the "
               "damaged region is not checked");
    warn_parse_error(k, s, &tree);
  }
  // The first unit answers for the whole file's module-level code: a rule
  // that must see every use of a module-level name asks what the parts
  // left out spell (asl_spelled_outside), and may have the unit parsed
  // again with the parts that spell it.
  AslScan outside;
  memset(&outside, 0, sizeof outside);
  AslWordSet needed = {0};
  if (in_unit && first && j->partial) {
    if (!k->r->need_reach) // (else after_unit scanned them for W)
      asl_pieces_rest(a, src, &j->pieces, &k->r->hot, &outside);
    cx.outside = k->r->need_reach ? &j->scan : &outside;
    cx.needed_words = &needed;
  }
  k->r->rules->run(&cx);
  asl_scan_free(&outside);
  if (needed.len) {
    parse_first_unit_again(k, p, a, src, hot, &needed);
    return;
  }
  keep_findings(k, a, s, &tree, &raw, &deferred, in_unit ? unit.lines : NULL,
                in_unit ? unit.nlines : 0);
}

/* Keeps the text of a file parsed in parts for its later units while the
 * budget lasts (ASL_TEXT_BUDGET): no round then reads it again. */
static void keep_text(Sink *k, const AslSource *src) {
  AslRun *r = (AslRun *)k->r; // only the atomic budget is shared
  if (!r->use_index || src->len > ASL_TEXT_FILE_MAX) return;
  size_t before = atomic_fetch_add(&r->text_kept, src->len);
  if (before + src->len > ASL_TEXT_BUDGET) {
    atomic_fetch_sub(&r->text_kept, src->len);
    return;
  }
  k->job->text = asl_malloc((size_t)src->len + 1);
  memcpy(k->job->text, src->text, src->len);
  k->job->text[src->len] = 0;
  k->job->text_len = src->len;
}

static void drop_text(AslJob *j) {
  asl_free(j->text);
  j->text = NULL;
  j->text_len = 0;
}

/* Forgets a first unit whose answers need some of the parts it left out
 * (its facts, the parts left, the text kept for them; its findings were
 * never kept) and parses it again with the parts that spell `needed`
 * (taken), or, the second time, the whole file. */
static void parse_first_unit_again(Sink *k, AslParser *p, AslArena *a,
                                   AslSource *src, bool hot,
                                   AslWordSet *needed) {
  AslJob *j = k->job;
  AslRun *r = (AslRun *)k->r; // only the atomic budget is shared
  asl_pieces_free(&j->pieces);
  asl_scan_free(&j->scan);
  if (j->text) atomic_fetch_sub(&r->text_kept, j->text_len);
  drop_text(j);
  j->partial = false;
  j->facts = NULL;
  j->units--;
  bool again = j->spelled.len == 0; // (needed holds a word)
  asl_words_free(&j->spelled);
  j->spelled = *needed;
  memset(needed, 0, sizeof *needed);
  process_source(k, p, a, src, hot, again);
}

/* Scans a source and parses it now unless the pre-filter says it can
 * wait; a cold file keeps its words for the later rounds, not its text:
 * copying every cold file (a corpus's worth of new pages) cost more than
 * reading again the few a later round parses. */
static void scan_and_process(Sink *k, AslParser *p, AslArena *a,
                             AslSource *src) {
  const AslRun *r = k->r;
  AslJob *j = k->job;
  // Words are kept only when a cold file may matter for what it spells.
  bool keep_words = r->prefilter && r->use_index && r->need_reach &&
                    !j->wanted;
  AslScan scan;
  asl_scan(a, src->text, src->len, &r->hot, keep_words, &scan);
  // A conftest.py gives fixtures to every test below it by name alone:
  // its facts are needed whatever it spells.
  if (r->need_reach && asl_is_conftest(src->path)) scan.hot = true;
  if (!r->prefilter || scan.hot || j->wanted) {
    bool hot = scan.hot;
    asl_scan_free(&scan);
    asl_scan_free(&j->scan);
    j->hot = hot;
    process_source(k, p, a, src, hot, !j->want_all);
    return;
  }
  j->scan = scan;
}

void asl_run_init(AslRun *r, const AslRuleSet *rules, const AslOptions *opt) {
  memset(r, 0, sizeof *r);
  r->rules = rules;
  r->opt = opt;
  asl_arena_init(&r->arena);
  r->layout = asl_layout_new();
  r->use_index = rules->need_index(opt);
  r->need_reach = rules->need_reach(opt);
  r->prefilter = !opt->no_prefilter;
  asl_words_hot(opt, rules->hot_words(), &r->hot);
  if (opt->env && r->use_index) {
    // What a file imports from a library is known only once the library
    // is read: every file spelling one of its top-level names is hot.
    AslStrVec tops = {0};
    asl_env_top_names(&r->arena, opt->env, &tops);
    for (uint32_t i = 0; i < tops.len; i++)
      asl_words_add(&r->hot, asl_word_hash(tops.items[i],
                                           strlen(tops.items[i])));
  }
}

/* Where one file sits in the project; computed on the main thread (the
 * layout caches are not shared between threads). */
static FileInfo file_info(AslRun *r, const char *fs_path, bool named,
                          uint32_t file_index) {
  FileInfo fi = {0};
  fi.module = asl_layout_module(r->layout, &r->arena, fs_path,
                                &fi.is_package, &fi.is_stub);
  fi.project = asl_layout_project(r->layout, fs_path);
  fi.alias = asl_layout_namespace_module(r->layout, &r->arena, fs_path,
                                         fi.project, fi.module,
                                         fi.is_package);
  fi.named = named;
  if (named) {
    const char *rel = asl_layout_project_path(r->layout, &r->arena, fs_path,
                                              fi.project);
    fi.in_test = asl_is_test_path(
        r->opt, rel ? rel : asl_display_path(&r->arena, fs_path));
  }
  fi.file_index = file_index;
  fi.root = asl_layout_root(r->layout, fi.project);
  return fi;
}

/* The place of a file the run does not check as the cache knows it from
 * an earlier run under the same layout: no lookups in the folders. False
 * if it does not. */
static bool cached_place(AslRun *r, const char *fs_path, uint32_t file_index,
                         FileInfo *fi) {
  const AslCacheEntry *e = r->cache ? asl_cache_find(r->cache, fs_path) : NULL;
  if (!e || e->generation != asl_cache_generation(r->cache)) return false;
  memset(fi, 0, sizeof *fi);
  fi->module = copy_str(&r->arena, e->place.module);
  fi->alias = copy_str(&r->arena, e->place.alias);
  fi->is_package = e->place.is_package;
  fi->is_stub = e->place.is_stub;
  fi->project = e->project;
  fi->root = asl_layout_root(r->layout, e->project);
  fi->file_index = file_index;
  return true;
}

/* `bytes`: the file's size if known (0 if not), so that a pool takes the
 * large files first; reading it sets the real one. */
static void add_job(AslRun *r, const AslFileRef *f, bool named,
                    uint32_t file_index, size_t bytes) {
  AslJob j;
  memset(&j, 0, sizeof j);
  j.fs_path = asl_arena_strdup(&r->arena, f->fs_path);
  j.display = asl_arena_strdup(&r->arena, f->display);
  if (named || !cached_place(r, f->fs_path, file_index, &j.fi))
    j.fi = file_info(r, f->fs_path, named, file_index);
  j.bytes = bytes;
  asl_vec_push(&r->jobs, j);
}

/* The text of job j: the run's text hook's when it has one for the file
 * (copied into the scratch arena, as a file read is), else the disk's. */
static AslStatus read_job_text(const AslRun *r, AslArena *scratch,
                               const AslJob *j, AslSource *src,
                               const char **why) {
  const char *text;
  size_t len;
  if (r->text_hook && j->fs_path &&
      r->text_hook(r->text_ctx, j->fs_path, &text, &len)) {
    asl_source_from_bytes(scratch, j->display, text, len, src);
    return ASL_OK;
  }
  return asl_source_read_bytes(scratch, j->fs_path, j->display, src, why);
}

/* ---- facts kept between runs (cache.h) --------------------------------
 * Only without the pre-filter: a file is then parsed whole in phase 1 and
 * its facts are complete; the files the run checks are always read. */

static AslCachePlace cache_place(const AslJob *j) {
  return (AslCachePlace){j->fi.module, j->fi.alias, j->fi.root,
                         j->fi.is_package, j->fi.is_stub, j->fi.library};
}

/* The stamp of job j's text in j->stamp: its file's, or the text hook's
 * version of it; false if it has none. */
static bool job_stamp(const AslRun *r, AslJob *j) {
  const char *unused;
  size_t n;
  if (r->text_hook && r->text_hook(r->text_ctx, j->fs_path, &unused, &n))
    return r->text_stamp && r->text_stamp(r->text_ctx, j->fs_path, &j->stamp);
  return asl_file_stamp(j->fs_path, &j->stamp);
}

/* Takes job j's facts from the cache when its file has not changed since
 * they were read; else sends them to an arena of the job's own, for the
 * cache to keep (merge_job). Runs on the workers: reads the cache only. */
static bool from_cache(Sink *k) {
  const AslRun *r = k->r;
  AslJob *j = k->job;
  if (!r->cache || r->prefilter || j->fi.named || !j->fs_path ||
      !job_stamp(r, j))
    return false;
  AslCachePlace place = cache_place(j);
  const AslCacheEntry *e = asl_cache_get(r->cache, j->fs_path, &j->stamp,
                                         &place);
  if (!e) {
    j->own = asl_calloc(1, sizeof *j->own);
    asl_arena_init_sparse(j->own);
    k->keep = j->own;
    return false;
  }
  j->facts = e->facts;
  j->facts->project = j->fi.project; // this run's number for its root
  j->parsed = j->read_before = j->cached = true;
  j->bytes = e->bytes;
  return true;
}

/* After phase 1 of job j: its own arena to the cache with its facts, or,
 * when they cannot be kept, to the run. Main thread. */
static void keep_in_cache(AslRun *r, AslJob *j) {
  if (j->cached) asl_cache_touch(r->cache, j->fs_path, j->fi.project);
  if (!j->own) return;
  if (j->facts && j->parsed && !j->partial && !j->unreadable) {
    AslCachePlace place = cache_place(j);
    // The facts outlive the run: what they point to in its arena too.
    if (j->facts->alias)
      j->facts->alias = asl_arena_strdup(j->own, j->facts->alias);
    asl_cache_put(r->cache, j->fs_path, &j->stamp, &place, j->fi.project,
                  j->own, j->facts, j->bytes);
  } else {
    asl_vec_push(&r->worker_arenas, j->own);
  }
  j->own = NULL;
}

/* Reads job `j` and runs phase 1 on it. Unreadable files are errors only
 * when the user named them. */
static void read_and_process(Sink *k, AslParser *p, AslArena *scratch) {
  AslJob *j = k->job;
  if (from_cache(k)) return;
  asl_arena_reset(scratch);
  AslSource src;
  if (j->text) { // kept since phase 1: not read again, nor scanned
    memset(&src, 0, sizeof src);
    src.path = asl_arena_strdup(scratch, j->display);
    src.text = j->text;
    src.len = j->text_len;
    asl_scan_free(&j->scan);
    process_source(k, p, scratch, &src, j->hot, !j->want_all);
    if (!j->partial) drop_text(j);
    return;
  }
  const char *why = NULL;
  AslStatus st = read_job_text(k->r, scratch, j, &src, &why);
  if (st != ASL_OK) {
    j->unreadable = true;
    j->bytes = 0;
    if (!j->fi.named) return;
    asl_buf_printf(&j->err, "asynclint: error: %s: %s\n", j->display,
                   why ? why : asl_strstatus(st));
    j->failed = true;
    return;
  }
  j->checked = j->fi.named && !j->read_before;
  j->bytes = src.len;
  if (j->read_before) { // scanned in phase 1: a later round parses it
    asl_scan_free(&j->scan);
    process_source(k, p, scratch, &src, j->hot, !j->want_all);
    return;
  }
  j->read_before = true;
  scan_and_process(k, p, scratch, &src);
}

/* Folds what processing job `id` produced into the run, and frees it.
 * A deferred finding names its file by job id until phase 3. */
static void merge_job(AslRun *r, uint32_t id) {
  AslJob *j = &r->jobs.items[id];
  keep_in_cache(r, j);
  for (uint32_t k = 0; k < j->deferred.len; k++) {
    j->deferred.items[k].facts_id = id;
    asl_vec_push(&r->deferred, j->deferred.items[k]);
  }
  for (uint32_t k = 0; k < j->diags.len; k++)
    asl_vec_push(&r->diags, j->diags.items[k]);
  r->nfiles += j->checked;
  r->nerrors += j->failed;
  j->checked = j->failed = false;
  if (j->err.len) fwrite(j->err.data, 1, j->err.len, stderr);
  asl_vec_free(&j->diags);
  asl_vec_free(&j->deferred);
  asl_buf_free(&j->err);
}

void asl_run_bytes(AslRun *r, AslParser *p, AslArena *scratch,
                   const char *display, const char *bytes, size_t len,
                   uint32_t file_index) {
  asl_arena_reset(scratch);
  AslSource src;
  asl_source_from_bytes(scratch, display, bytes, len, &src);
  // A project of its own, where it is the main module: its own names
  // resolve, relative imports do not.
  AslJob j;
  memset(&j, 0, sizeof j);
  j.display = asl_arena_strdup(&r->arena, display);
  j.fi.module = "__main__";
  j.fi.project = asl_layout_fresh_project(r->layout);
  j.fi.named = true;
  j.fi.in_test = asl_is_test_path(r->opt, display);
  j.fi.file_index = file_index;
  j.checked = true;
  j.wanted = j.want_all = true; // one source handed over: parsed whole
  asl_vec_push(&r->jobs, j);
  Sink k = {r, &r->arena, &r->jobs.items[r->jobs.len - 1]};
  scan_and_process(&k, p, scratch, &src);
  k.job->wanted = false;
  merge_job(r, r->jobs.len - 1);
}

/* ---- phase 1 over many files, on several threads ---------------------- */

typedef struct Pool {
  AslRun *r;
  const uint32_t *ids;       /* the jobs of this round */
  uint32_t n;
  uint32_t next;             /* next one to take (under the lock) */
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
    uint32_t i = pool->next < pool->n ? pool->next++ : UINT32_MAX;
    pthread_mutex_unlock(&pool->lock);
    if (i == UINT32_MAX) break;
    Sink k = {pool->r, keep, &pool->r->jobs.items[pool->ids[i]]};
    read_and_process(&k, parser, &scratch);
  }
  asl_arena_destroy(&scratch);
  asl_parser_delete(parser);
  pthread_mutex_lock(&pool->lock);
  asl_vec_push(&pool->r->worker_arenas, keep);
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

typedef struct SizedId {
  size_t bytes;
  uint32_t id;
} SizedId;

/* Files above this size go first, largest first; the others follow in
 * job order (the kept texts then favour no size). */
enum { LARGE_FILE = 64 << 10 };

static int cmp_size_desc(const void *a, const void *b) {
  const SizedId *x = a, *y = b;
  bool xl = x->bytes > LARGE_FILE, yl = y->bytes > LARGE_FILE;
  if (xl && yl && x->bytes != y->bytes) return x->bytes > y->bytes ? -1 : 1;
  if (xl != yl) return xl ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Runs phase 1 over the jobs `ids` (in job order): serially with one
 * thread, else on a pool; then merges them in that order. */
static void run_jobs(AslRun *r, AslParser *p, AslArena *scratch,
                     const uint32_t *ids, uint32_t n) {
  uint32_t threads = r->opt->threads ? r->opt->threads : 1;
  if (threads > n) threads = n;
  if (threads <= 1) {
    for (uint32_t i = 0; i < n; i++) {
      Sink k = {r, &r->arena, &r->jobs.items[ids[i]]};
      read_and_process(&k, p, scratch);
      merge_job(r, ids[i]);
    }
    return;
  }
  // The large files first, largest first, so that no thread is left with
  // a big one at the end; merged in job order.
  SizedId *sized = asl_malloc(sizeof *sized * (n + 1));
  for (uint32_t i = 0; i < n; i++)
    sized[i] = (SizedId){r->jobs.items[ids[i]].bytes, ids[i]};
  qsort(sized, n, sizeof *sized, cmp_size_desc);
  uint32_t *order = asl_malloc(sizeof *order * (n + 1));
  for (uint32_t i = 0; i < n; i++) order[i] = sized[i].id;
  asl_free(sized);
  Pool pool = {r, order, n, 0, PTHREAD_MUTEX_INITIALIZER};
  pthread_t *tids = asl_calloc(threads, sizeof *tids);
  uint32_t started = 0;
  for (uint32_t t = 0; t < threads; t++)
    if (pthread_create(&tids[t], NULL, pool_worker, &pool) == 0) started++;
  if (started == 0) pool_worker(&pool); // no threads: do it here
  for (uint32_t t = 0; t < started; t++) pthread_join(tids[t], NULL);
  asl_free(tids);
  asl_free(order);
  for (uint32_t i = 0; i < n; i++) merge_job(r, ids[i]);
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

/* One stat per file, for two things: its identity (a file the user
 * named, reached again from its project root, is read once) and its size
 * (a pool takes the large files first). */
typedef struct FileId {
  dev_t dev;
  ino_t ino;
  size_t size;
} FileId;

static bool file_id(const char *path, FileId *out) {
  struct stat st;
  if (stat(path, &st) != 0) return false;
  *out = (FileId){st.st_dev, st.st_ino, st.st_size > 0 ? (size_t)st.st_size
                                                        : 0};
  return true;
}

/* The files the user named, stat'd once when first needed: matched by
 * path as spelled (the walk of an enclosing root spells it the same way),
 * else by device and inode (a symlink, a relative path); one stat a file,
 * not a realpath (a stat per component). */
typedef struct NamedFiles {
  const AslDiscovery *d;
  bool ready;
  size_t *sizes;      /* per file of d: 0 if unknown */
  const char **paths; /* sorted */
  FileId *ids;        /* sorted by device and inode */
  uint32_t nids;
} NamedFiles;

static int cmp_id(const void *a, const void *b) {
  const FileId *x = a, *y = b;
  if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
  return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void named_files_stat(NamedFiles *nf) {
  if (nf->ready) return;
  nf->ready = true;
  uint32_t n = nf->d->files.len;
  nf->sizes = asl_calloc(n + 1, sizeof *nf->sizes);
  nf->paths = asl_malloc(sizeof *nf->paths * (n + 1));
  nf->ids = asl_malloc(sizeof *nf->ids * (n + 1));
  for (uint32_t i = 0; i < n; i++) {
    nf->paths[i] = nf->d->files.items[i].fs_path;
    if (file_id(nf->paths[i], &nf->ids[nf->nids]))
      nf->sizes[i] = nf->ids[nf->nids++].size;
  }
  qsort(nf->paths, n, sizeof *nf->paths, cmp_str);
  qsort(nf->ids, nf->nids, sizeof *nf->ids, cmp_id);
}

/* Is the file at `path` one of the named files? Sets *size when it had to
 * stat it (else leaves it alone). The cache's stamp of the file, when it
 * has one, stands for a stat (its identity changes only by a rename,
 * which is a file created and one deleted: a new walk). */
static bool is_named(const NamedFiles *nf, const AslFactsCache *cache,
                     const char *path, size_t *size) {
  if (bsearch(&path, nf->paths, nf->d->files.len, sizeof *nf->paths,
              cmp_str))
    return true;
  FileId id;
  const AslCacheEntry *e = cache ? asl_cache_find(cache, path) : NULL;
  if (e && e->generation == asl_cache_generation(cache))
    id = (FileId){(dev_t)e->stamp.dev, (ino_t)e->stamp.ino,
                  (size_t)e->stamp.size};
  else if (!file_id(path, &id))
    return true; // gone: nothing to read
  *size = id.size;
  return bsearch(&id, nf->ids, nf->nids, sizeof *nf->ids, cmp_id) != NULL;
}

static void named_files_free(NamedFiles *nf) {
  asl_free(nf->sizes);
  asl_free(nf->paths);
  asl_free(nf->ids);
}

/* Drops the roots at or under one of the user's directories: walking
 * them again would only find the same files (and cost a realpath each). */
static void drop_walked_roots(const char *const *paths, uint32_t npaths,
                              AslStrVec *roots) {
  char real[PATH_MAX];
  uint32_t w = 0;
  for (uint32_t i = 0; i < roots->len; i++) {
    const char *root = roots->items[i];
    bool walked = false;
    for (uint32_t k = 0; k < npaths && !walked; k++) {
      if (!realpath(paths[k], real)) continue;
      size_t n = strlen(real);
      walked = strncmp(root, real, n) == 0 &&
               (root[n] == 0 || root[n] == '/' || strcmp(real, "/") == 0);
    }
    if (!walked) roots->items[w++] = root;
  }
  roots->len = w;
}

/* The files under the project roots: the cache's walk when it kept one
 * of the same roots, else a new walk into *fresh (kept by the cache if
 * there is one). */
static const AslDiscovery *project_walk(AslRun *r, const AslStrVec *roots,
                                        AslDiscovery *fresh) {
  AslBuf key = {0};
  for (uint32_t i = 0; r->cache && i < roots->len; i++) {
    asl_buf_puts(&key, roots->items[i]);
    asl_buf_putc(&key, '\n');
  }
  asl_buf_putc(&key, 0);
  const AslDiscovery *kept = r->cache ? asl_cache_walk(r->cache, key.data)
                                      : NULL;
  if (!kept) {
    // Silent: errors under the project are not the user's paths; the ones
    // that are were reported by the walk of the named paths.
    asl_discover_ex(r->opt, roots->items, roots->len, ASL_DISCOVER_SILENT,
                    fresh);
    if (r->cache) {
      asl_cache_put_walk(r->cache, key.data, fresh);
      kept = asl_cache_walk(r->cache, key.data);
    }
  }
  asl_buf_free(&key);
  return kept ? kept : fresh;
}

/* Adds a job for every file of the projects around `paths` that the
 * user's paths did not already reach (read for the index only). */
static void project_jobs(AslRun *r, const char *const *paths, uint32_t npaths,
                         NamedFiles *named) {
  AslStrVec roots = {0};
  project_roots(r, paths, npaths, &roots);
  drop_walked_roots(paths, npaths, &roots);
  if (roots.len) {
    AslDiscovery fresh;
    named_files_stat(named);
    const AslDiscovery *all = project_walk(r, &roots, &fresh);
    for (uint32_t i = 0; i < all->files.len; i++) {
      const AslFileRef *f = &all->files.items[i];
      size_t size = 0;
      if (!is_named(named, r->cache, f->fs_path, &size))
        add_job(r, f, false, 0, size);
    }
    if (all == &fresh) asl_discovery_destroy(&fresh);
  }
  asl_vec_free(&roots);
}

void asl_run_paths(AslRun *r, AslParser *p, AslArena *scratch,
                   const char *const *paths, uint32_t npaths,
                   uint32_t *next_index) {
  double t_walk = now_seconds();
  // A path only the text hook has (an editor's new file, never saved) is
  // no path to discover: it is checked as named, inside its project.
  AslStrVec on_disk = {0}, unsaved = {0};
  for (uint32_t i = 0; i < npaths; i++) {
    struct stat st;
    bool hooked = r->text_hook && stat(paths[i], &st) != 0 &&
                  r->text_hook(r->text_ctx, paths[i], &(const char *){0},
                               &(size_t){0});
    asl_vec_push(hooked ? &unsaved : &on_disk, paths[i]);
  }
  AslDiscovery named;
  asl_discover(r->opt, on_disk.items, on_disk.len, &named);
  asl_vec_free(&on_disk);
  for (uint32_t i = 0; i < unsaved.len; i++) {
    AslFileRef f = {unsaved.items[i],
                    asl_display_path(&named.arena, unsaved.items[i]), true};
    asl_vec_push(&named.files, f);
  }
  asl_vec_free(&unsaved);
  r->nerrors += named.nerrors;
  uint32_t first = r->jobs.len;
  NamedFiles nf = {&named, false, NULL, NULL, NULL, 0};
  if (!r->opt->index_given_only && r->use_index)
    project_jobs(r, paths, npaths, &nf);
  if (r->opt->threads > 1) named_files_stat(&nf); // sizes, for the pool
  for (uint32_t i = 0; i < named.files.len; i++)
    add_job(r, &named.files.items[i], true, (*next_index)++,
            nf.sizes ? nf.sizes[i] : 0);
  named_files_free(&nf);
  asl_discovery_destroy(&named);
  uint32_t n = r->jobs.len - first;
  uint32_t *ids = asl_malloc(sizeof(uint32_t) * (n + 1));
  for (uint32_t i = 0; i < n; i++) ids[i] = first + i;
  double t0 = now_seconds();
  r->seconds[3] += t0 - t_walk;
  run_jobs(r, p, scratch, ids, n);
  r->seconds[0] += now_seconds() - t0;
  asl_free(ids);
}

/* ---- the later rounds of the pre-filter ---------------------------------
 * Until nothing changes: W grows from the facts parsed so far, and the
 * cold files spelling one of its words are parsed; the deferred findings
 * are decided with the index in watch mode, and the cold files of every
 * module a question looked up are parsed. The final answers then only
 * ever look at parsed files, exactly as without the pre-filter. */

/* The facts of the parsed files in job order, and each job's place in
 * that array (ASL_NONE if not parsed). */
typedef struct FactsView {
  AslFileFacts **facts;
  uint32_t n;
  uint32_t *of_job;
} FactsView;

static void facts_view(const AslRun *r, FactsView *v) {
  v->facts = asl_malloc(sizeof(AslFileFacts *) * (r->jobs.len + 1));
  v->of_job = asl_malloc(sizeof(uint32_t) * (r->jobs.len + 1));
  v->n = 0;
  for (uint32_t i = 0; i < r->jobs.len; i++) {
    AslFileFacts *f = r->jobs.items[i].facts;
    v->of_job[i] = f ? v->n : ASL_NONE;
    if (f) v->facts[v->n++] = f;
  }
}

static void facts_view_free(FactsView *v) {
  asl_free(v->facts);
  asl_free(v->of_job);
}

typedef AslVec(uint32_t) IdVec;

/* A set of strings (open addressing on their hash; arena-owned keys). */
typedef struct NameSet {
  const char **keys;
  uint32_t cap, len;
} NameSet;

static uint32_t name_hash(const char *s, size_t n) {
  return asl_hash_module(0, s, n);
}

static bool names_has(const NameSet *set, const char *s, size_t n) {
  if (!set->cap) return false;
  for (uint32_t h = name_hash(s, n) & (set->cap - 1); set->keys[h];
       h = (h + 1) & (set->cap - 1))
    if (!strncmp(set->keys[h], s, n) && !set->keys[h][n]) return true;
  return false;
}

static void names_put(NameSet *set, const char *key) {
  if ((set->len + 1) * 2 > set->cap) {
    NameSet bigger = {NULL, set->cap ? set->cap * 2 : 64, 0};
    bigger.keys = asl_calloc(bigger.cap, sizeof *bigger.keys);
    for (uint32_t i = 0; i < set->cap; i++)
      if (set->keys[i]) names_put(&bigger, set->keys[i]);
    asl_free(set->keys);
    *set = bigger;
  }
  uint32_t h = name_hash(key, strlen(key)) & (set->cap - 1);
  while (set->keys[h]) h = (h + 1) & (set->cap - 1);
  set->keys[h] = key;
  set->len++;
}

/* Every file of the run by (project, module): the index's watcher wants
 * the cold ones it looks up; W asks whether a name is outside. */
typedef struct Modules {
  AslRun *r;
  uint32_t *slots; /* job id + 1; 0 empty */
  uint32_t cap, used;
  NameSet no_library;    /* library modules the environment lacks */
  uint32_t cold_lookups; /* lookups that met a cold file, so far */
  uint64_t *by_last; /* (word of its module's last component << 32) | job,
                        sorted: the jobs a star import may name */
  uint32_t nby_last;
  bool lenient;  /* the question's cold files matter only if it reports */
  IdVec pending; /* lenient: the cold files it met */
  IdVec pending_names; /* ...and the name looked up in each (hash, 0) */
  const AslReach *w;
} Modules;

/* Files the slot table with job i under `name` (its module or alias). */
static void modules_put(Modules *m, uint32_t project, const char *name,
                        uint32_t i) {
  uint32_t h = asl_hash_module(project, name, strlen(name)) & (m->cap - 1);
  while (m->slots[h]) h = (h + 1) & (m->cap - 1);
  m->slots[h] = i + 1;
  m->used++;
}

/* Files every readable job with a module name, under it and its alias. */
static void modules_fill(Modules *m) {
  m->used = 0;
  for (uint32_t i = 0; i < m->r->jobs.len; i++) {
    const AslJob *j = &m->r->jobs.items[i];
    if (j->unreadable || !j->fi.module) continue;
    modules_put(m, j->fi.project, j->fi.module, i);
    // A lookup may name it through namespace folders.
    if (j->fi.alias) modules_put(m, j->fi.project, j->fi.alias, i);
  }
}

/* Adds job i, created during the rounds (a library module), keeping the
 * table at most half full. */
static void modules_add(Modules *m, uint32_t i) {
  if ((m->used + 2) * 2 > m->cap) {
    asl_free(m->slots);
    m->cap *= 2;
    m->slots = asl_calloc(m->cap, sizeof *m->slots);
    modules_fill(m); // job i included
    return;
  }
  const AslJob *j = &m->r->jobs.items[i];
  modules_put(m, j->fi.project, j->fi.module, i);
}

static void modules_build(AslRun *r, Modules *m) {
  m->r = r;
  m->cold_lookups = 0;
  m->lenient = false;
  m->pending = (IdVec){0};
  m->pending_names = (IdVec){0};
  m->w = NULL;
  m->no_library = (NameSet){NULL, 0, 0};
  m->cap = 16;
  while (m->cap < r->jobs.len * 4) m->cap *= 2; // names and aliases
  m->slots = asl_calloc(m->cap, sizeof *m->slots);
  modules_fill(m);
  m->by_last = asl_malloc(sizeof *m->by_last * (r->jobs.len + 1));
  m->nby_last = 0;
  for (uint32_t i = 0; i < r->jobs.len; i++) {
    const AslJob *j = &r->jobs.items[i];
    if (j->unreadable || !j->fi.module) continue;
    const char *dot = strrchr(j->fi.module, '.');
    const char *last = dot ? dot + 1 : j->fi.module;
    m->by_last[m->nby_last++] =
        (uint64_t)asl_word_hash(last, strlen(last)) << 32 | i;
  }
  qsort(m->by_last, m->nby_last, sizeof *m->by_last, asl_cmp_u64);
}

/* The jobs claiming module s[0..n) in `project`, one per call: start
 * with *slot = ASL_NONE; NULL when there are no more. */
static AslJob *modules_next(const Modules *m, uint32_t project, const char *s,
                            size_t n, uint32_t *slot) {
  uint32_t h = *slot == ASL_NONE
                   ? asl_hash_module(project, s, n) & (m->cap - 1)
                   : (*slot + 1) & (m->cap - 1);
  for (; m->slots[h]; h = (h + 1) & (m->cap - 1)) {
    AslJob *j = &m->r->jobs.items[m->slots[h] - 1];
    bool named = (strncmp(j->fi.module, s, n) == 0 && j->fi.module[n] == 0) ||
                 (j->fi.alias && strncmp(j->fi.alias, s, n) == 0 &&
                  j->fi.alias[n] == 0);
    if (j->fi.project == project && named) {
      *slot = h;
      return j;
    }
  }
  return NULL;
}

/* Do dotted names a and b (NULL: none) share their first component? */
static bool same_root(const char *a, const char *b) {
  if (!a || !b) return false;
  size_t n = strcspn(a, ".");
  return strncmp(a, b, n) == 0 && (b[n] == 0 || b[n] == '.');
}

/* Do the modules of a and b (or their aliases) share their top-level
 * package? A relative import reaches no further (CPython refuses to go
 * beyond it). */
static bool same_package_root(const AslJob *a, const AslJob *b) {
  return same_root(a->fi.module, b->fi.module) ||
         same_root(a->fi.module, b->fi.alias) ||
         same_root(a->fi.alias, b->fi.module) ||
         same_root(a->fi.alias, b->fi.alias);
}

/* Wants job j, cold or parsed in part, for the def or class whose name
 * hashes to `name` (0: none; a file parsed in part is wanted only for a
 * def it has not parsed); and with it, the cold modules it star-imports
 * from its project (`from _pydecimal import *` in decimal): a lookup that
 * reaches j tries them for every name j does not bind itself, so they
 * would be wanted a round later anyway, alone. */
static void want_job(Modules *m, AslJob *j, uint32_t name) {
  if (j->parsed && !j->partial) return;
  if (j->partial && !asl_pieces_has(&j->pieces, name)) return;
  if (name) asl_words_add(&j->want_names, name);
  bool again = j->wanted;
  j->wanted = true;
  if (again && !name) return;
  for (uint32_t k = 0; k < j->scan.nstars; k++) {
    uint32_t star = j->scan.stars[k];
    if (!star) continue; // `from . import *`: its own package
    uint32_t at;
    ASL_LOWER_BOUND(at, m->nby_last, mid, (m->by_last[mid] >> 32) < star);
    for (; at < m->nby_last && (m->by_last[at] >> 32) == star; at++) {
      AslJob *c = &m->r->jobs.items[(uint32_t)m->by_last[at]];
      if (c->parsed || c->unreadable || c->fi.project != j->fi.project)
        continue;
      if (j->scan.stars_relative[k] && !same_package_root(j, c)) continue;
      if (!asl_scan_names(&j->scan, j->fi.module, c->fi.module)) continue;
      c->wanted = true;
      if (name) asl_words_add(&c->want_names, name);
    }
  }
}

/* The watcher: every cold file claiming the module looked up is wanted,
 * or, while a lenient question is asked, noted (want_looked_up decides);
 * so is the piece of a file parsed in part when the lookup met its placeholder.
 * s[n] is the dot before the name looked up in the module, if any: the
 * first unit of a cold file parsed in part has that name's def. */
static void want_library(Modules *m, const char *s, size_t n, bool unparsed);

/* The word of the name a lookup of module s[0..n) asks for in it: the
 * component after s[n] when that is a dot, else 0 (none). */
static uint32_t looked_up_name(const char *s, size_t n) {
  if (s[n] != '.') return 0;
  const char *w = s + n + 1;
  return asl_word_hash(w, strcspn(w, "."));
}

/* Module s[0..n), which no job claims, looked up in the Python
 * environment: the job of its file (new: cold, read when wanted), or
 * ASL_NONE, remembered, when the environment lacks it. */
static uint32_t library_job(Modules *m, const char *s, size_t n) {
  AslRun *r = m->r;
  if (names_has(&m->no_library, s, n)) return ASL_NONE;
  const char *module = asl_arena_strndup(&r->arena, s, n);
  bool is_package = false;
  const char *path =
      asl_env_module_file(&r->arena, r->opt->env, s, n, &is_package);
  if (!path) {
    names_put(&m->no_library, module);
    return ASL_NONE;
  }
  AslJob j;
  memset(&j, 0, sizeof j);
  j.fs_path = path;
  j.display = asl_display_path(&r->arena, path);
  j.fi.module = module;
  j.fi.is_package = is_package;
  j.fi.is_stub = strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".pyi");
  j.fi.project = ASL_LIBRARY_PROJECT;
  j.fi.library = true;
  asl_vec_push(&r->jobs, j);
  r->nlibrary++;
  uint32_t id = r->jobs.len - 1;
  modules_add(m, id);
  return id;
}

static void want_module(void *ctx, uint32_t project, const char *s, size_t n,
                        bool in_bases, bool unparsed) {
  Modules *m = ctx;
  if (project == ASL_LIBRARY_PROJECT) {
    want_library(m, s, n, unparsed);
    return;
  }
  bool met_cold = false;
  bool lenient = m->lenient && !in_bases && !asl_reach_binds(m->w, s, n);
  uint32_t name = looked_up_name(s, n);
  uint32_t slot = ASL_NONE;
  for (AslJob *j; (j = modules_next(m, project, s, n, &slot));) {
    if (j->parsed && !(unparsed && j->partial)) continue;
    met_cold = true;
    if (lenient) {
      asl_vec_push(&m->pending, (uint32_t)(j - m->r->jobs.items));
      asl_vec_push(&m->pending_names, name);
    } else {
      want_job(m, j, name);
    }
  }
  m->cold_lookups += met_cold;
}

/* A lookup in the environment's libraries: every file claiming the
 * module is wanted (a library's words are not in W, so no lookup there
 * is lenient), read from the environment the first time. */
static void want_library(Modules *m, const char *s, size_t n,
                         bool unparsed) {
  uint32_t name = looked_up_name(s, n);
  bool met = false;
  uint32_t slot = ASL_NONE;
  for (AslJob *j; (j = modules_next(m, ASL_LIBRARY_PROJECT, s, n, &slot));) {
    met = true;
    if (j->parsed && !(unparsed && j->partial)) continue;
    want_job(m, j, name);
    m->cold_lookups++;
  }
  if (met) return;
  uint32_t id = library_job(m, s, n);
  if (id == ASL_NONE) return;
  want_job(m, &m->r->jobs.items[id], name);
  m->cold_lookups++;
}

static bool is_external(void *ctx, uint32_t project, const char *dotted) {
  for (size_t n = 0;; n++) {
    if (dotted[n] != '.' && dotted[n] != 0) continue;
    uint32_t slot = ASL_NONE;
    if (modules_next(ctx, project, dotted, n, &slot)) return false;
    if (!dotted[n]) return true;
  }
}

/* ---- questions asked twice ------------------------------------------------
 * A file asks the same question once per call: `self.assertEqual(...)` a
 * thousand times in one test module. The answer depends only on the file,
 * the rule, the callee and the subject, so each distinct question is asked
 * once per pass, and the others take its answer. */

static uint32_t question_hash(const AslDeferred *d) {
  uint32_t h = asl_callee_hash(&d->callee);
  h = (h ^ d->facts_id) * 16777619u;
  h = (h ^ (uint32_t)d->diag.rule) * 16777619u;
  h = (h ^ asl_args_hash(d->args) ^ (d->in_loop ? 0x9e37u : 0) ^
       (d->iterated ? 0x51edu : 0) ^ (d->callback ? 0xca11u : 0) ^
       (d->property ? 0x9a0bu : 0) ^ (d->constant ? 0xc057u : 0)) *
      16777619u;
  return d->subject ? h ^ asl_word_hash(d->subject, strlen(d->subject)) : h;
}

static bool same_question(const AslDeferred *a, const AslDeferred *b) {
  return a->facts_id == b->facts_id && a->diag.rule == b->diag.rule &&
         asl_callee_same(&a->callee, &b->callee) &&
         asl_args_same(a->args, b->args) && a->in_loop == b->in_loop &&
         a->iterated == b->iterated && a->callback == b->callback &&
         a->property == b->property && a->constant == b->constant &&
         (a->subject == b->subject ||
          (a->subject && b->subject && strcmp(a->subject, b->subject) == 0));
}

/* For each deferred question, the first one identical to it (itself if
 * none); extended as later rounds defer more. */
typedef struct FirstAsked {
  IdVec first;     /* per question */
  uint32_t *slots; /* open addressing: question + 1 */
  uint32_t cap;
} FirstAsked;

static void first_asked_put(FirstAsked *f, const AslDeferredList *q,
                            uint32_t i) {
  uint32_t h = question_hash(&q->items[i]) & (f->cap - 1);
  for (; f->slots[h]; h = (h + 1) & (f->cap - 1))
    if (same_question(&q->items[f->slots[h] - 1], &q->items[i])) {
      asl_vec_push(&f->first, f->slots[h] - 1);
      return;
    }
  f->slots[h] = i + 1;
  asl_vec_push(&f->first, i);
}

static void first_asked_update(FirstAsked *f, const AslDeferredList *q) {
  if (f->first.len == q->len) return;
  if (q->len * 2 > f->cap) { // rehash the firsts into a bigger table
    uint32_t cap = f->cap ? f->cap : 64;
    while (cap < q->len * 2) cap *= 2;
    asl_free(f->slots);
    f->slots = asl_calloc(cap, sizeof *f->slots);
    f->cap = cap;
    uint32_t done = f->first.len;
    f->first.len = 0;
    for (uint32_t i = 0; i < done; i++) first_asked_put(f, q, i);
  }
  for (uint32_t i = f->first.len; i < q->len; i++) first_asked_put(f, q, i);
}

static void first_asked_free(FirstAsked *f) {
  asl_vec_free(&f->first);
  asl_free(f->slots);
}

/* A deferred finding as phase 3 asks it: its file by facts id. */
static AslDeferred as_asked(const FactsView *v, const AslDeferred *d) {
  AslDeferred q = *d;
  q.facts_id = v->of_job[d->facts_id];
  return q;
}

/* Marks the cold files that may reach a coroutine function (W). */
static void want_spelled(AslRun *r, const FactsView *v, Modules *m,
                         AslReach *w, AslColdSet *cold) {
  asl_reach_update(w, v->facts, v->n, &r->hot, is_external, m, cold);
  for (uint32_t i = 0; i < r->jobs.len; i++) {
    AslJob *j = &r->jobs.items[i];
    if ((!j->parsed || j->partial) && j->scan.words && !j->want_w &&
        asl_reach_match(w, &j->scan, j->fi.module, &j->w_match))
      j->wanted = j->want_w = true;
  }
}

static bool is_reach_question(const AslRun *r, const AslDeferred *d) {
  return r->rules->reach_question(d->diag.rule);
}

/* Can the index's answer to `d` depend on a cold file? Not for an ASL1xx
 * question naming nothing of W: with W complete (the rounds see to it),
 * no path leads from such a name to a coroutine function. */
static bool worth_watching(const AslRun *r, const AslReach *w,
                           const AslDeferred *d) {
  // W knows nothing of the libraries until they are read, nor does it
  // exist without the pre-filter: every question may need a library.
  if (!r->need_reach || !is_reach_question(r, d) || !r->prefilter ||
      r->opt->env)
    return true;
  // A method is a coroutine function through its class (or a base):
  // the class's name is what W holds, not the method's.
  const AslCallee *c = &d->callee;
  return c->kind != ASL_CALLEE_LOCAL && c->dotted &&
         asl_reach_asks(w, c->dotted);
}

/* Asks every deferred question once with the index watching.
 *
 * An ASL1xx question is lenient: the cold files it met are wanted only if
 * it reports a finding, or if their module binds a word of W (a cold
 * relay or alias of a module of W). Otherwise parsing them cannot make it
 * report one: a path through a cold module to a coroutine function
 * binds a word of W there, and W's fixpoint parses the cold files that
 * spell one (or makes them relays); a coroutine of a hot module outside
 * the project is named by a module word the scan calls hot. Only a
 * method walk ends early at a module not parsed (its base then reads as
 * a name outside the project), which may hide a later base's coroutine
 * method: the index flags those lookups `in_bases`, and they are wanted
 * as ASL210's are. A reported finding may still change: a cold module
 * may shadow the prefix the answer fell back to, claim a module twice,
 * or hold the def the message cites. */
typedef AslVec(bool) BoolVec;

static void want_looked_up(AslRun *r, const FactsView *v, Modules *c,
                           const AslReach *w, BoolVec *settled,
                           FirstAsked *fa) {
  AslIndex *idx = asl_index_new_watching(v->facts, v->n, want_module, c);
  asl_index_set_external_result(idx, r->rules->external_result);
  if (r->opt->env) asl_index_use_library(idx);
  AslArena tmp;
  asl_arena_init(&tmp);
  // An ASL1xx question whose lookups met no cold file is settled: files
  // parsed later cannot change its answer (they would have been looked
  // up). ASL210's walks share what they reached, so they are asked again.
  if (settled->len < r->deferred.len) {
    uint32_t old = settled->len;
    for (uint32_t i = old; i < r->deferred.len; i++)
      asl_vec_push(settled, false);
  }
  first_asked_update(fa, &r->deferred);
  for (uint32_t i = 0; i < r->deferred.len; i++) {
    const AslDeferred *d = &r->deferred.items[i];
    if (fa->first.items[i] != i) { // asked just before: the same lookups
      settled->items[i] = settled->items[fa->first.items[i]];
      continue;
    }
    if (settled->items[i] || !worth_watching(r, w, d)) continue;
    AslDeferred q = as_asked(v, d);
    uint32_t before = c->cold_lookups;
    c->lenient = is_reach_question(r, d) && r->need_reach;
    c->w = w;
    c->pending.len = c->pending_names.len = 0;
    AslDiag ignored;
    memset(&ignored, 0, sizeof ignored);
    if (r->rules->decide(idx, r->opt, &tmp, &q, &ignored))
      for (uint32_t k = 0; k < c->pending.len; k++)
        want_job(c, &r->jobs.items[c->pending.items[k]],
                 c->pending_names.items[k]);
    c->lenient = false;
    settled->items[i] = c->cold_lookups == before &&
                        d->diag.rule != ASL_RULE_ASL210;
  }
  asl_arena_destroy(&tmp);
  asl_index_delete(idx);
}

/* The files the next round parses, in job order: cold ones, and the next
 * unit of those parsed in part. */
static uint32_t wanted_jobs(const AslRun *r, IdVec *ids) {
  ids->len = 0;
  for (uint32_t i = 0; i < r->jobs.len; i++) {
    const AslJob *j = &r->jobs.items[i];
    if (j->wanted && (!j->parsed || j->partial)) asl_vec_push(ids, i);
  }
  return ids->len;
}

static void settle_prefilter(AslRun *r, AslParser *p, AslArena *scratch,
                             FirstAsked *fa) {
  // Without the pre-filter every project file is parsed already; the
  // rounds then only read the library modules the lookups need.
  if (!r->use_index || (!r->prefilter && !r->opt->env)) return;
  AslReach w = {0};
  Modules mods;
  modules_build(r, &mods);
  IdVec ids = {0};
  BoolVec settled = {0};
  // The cold files as the relays of W see them (index k: cold[k]).
  IdVec cold = {0};
  // Copies of the cold files' scans: the library modules the rounds find
  // are new jobs, and r->jobs may move. A copy's words are the job's,
  // freed when it is parsed: the copy is emptied then, as the job's own
  // scan is.
  AslScan *scan_copies = asl_malloc(sizeof *scan_copies * (r->jobs.len + 1));
  const AslScan **scans = asl_malloc(sizeof *scans * (r->jobs.len + 1));
  const char **modules = asl_malloc(sizeof *modules * (r->jobs.len + 1));
  uint32_t *cold_of = asl_malloc(sizeof *cold_of * (r->jobs.len + 1));
  uint32_t ncold_of = r->jobs.len; // (library jobs come later, never cold)
  for (uint32_t i = 0; i < r->jobs.len; i++) {
    const AslJob *j = &r->jobs.items[i];
    cold_of[i] = ASL_NONE;
    if (j->parsed || !j->scan.words) continue;
    cold_of[i] = cold.len;
    scan_copies[cold.len] = j->scan;
    scans[cold.len] = &scan_copies[cold.len];
    modules[cold.len] = j->fi.module;
    asl_vec_push(&cold, i);
  }
  AslColdSet *cold_set =
      r->need_reach ? asl_cold_new(scans, modules, cold.len) : NULL;
  // Can the files parsed since W was last built make it grow? Not when
  // each was a file of the project whose words (a cold file's, or those of
  // the pieces a hot file's first unit left out) matched no word of W,
  // parsed only because a lookup reached its module: a binding that
  // extends W (an import, alias or subclass of a word of W, a star import
  // of its module) spells that word and its module, which is a match; the
  // seeds (async defs, classes with async methods) spell `async`, and a
  // hot file's first unit had them; and what such a file does to W
  // otherwise (a plain def settling an ASL104 name, its relay replaced by
  // its own facts) only shrinks it. A round of looked-up modules (a helper
  // chain walked one module a round) then keeps W and the cold files'
  // matches as they are. Round 1 follows the hot files' first units.
  bool w_may_grow = true;
  for (uint32_t round = 1;; round++) {
    FactsView v;
    facts_view(r, &v);
    if (r->need_reach && r->prefilter && w_may_grow)
      want_spelled(r, &v, &mods, &w, cold_set);
    uint32_t spelled = wanted_jobs(r, &ids);
    want_looked_up(r, &v, &mods, &w, &settled, fa);
    facts_view_free(&v);
    if (!wanted_jobs(r, &ids)) break;
    if (r->opt->verbose)
      fprintf(stderr,
              "asynclint: round %u: %u words may reach a coroutine "
              "function; parsing %u cold files that spell them and %u "
              "whose modules the index looked up\n",
              round, w.words.len, spelled, ids.len - spelled);
    for (uint32_t i = 0; i < ids.len; i++)
      if (r->jobs.items[ids.items[i]].text) r->nkept++;
      else if (!r->jobs.items[ids.items[i]].fi.library) r->nreread++;
    double t0 = now_seconds();
    r->reach = &w; // read by the workers: what W asks of a file's parts
    run_jobs(r, p, scratch, ids.items, ids.len);
    r->reach = NULL;
    r->seconds[4] += now_seconds() - t0;
    w_may_grow = false;
    for (uint32_t i = 0; i < ids.len; i++) {
      AslJob *j = &r->jobs.items[ids.items[i]];
      w_may_grow |= j->want_w || j->fi.library;
      j->wanted = j->want_all = j->want_w = false;
      asl_words_free(&j->want_names);
      asl_reach_match_free(&j->w_match);
      if (!j->parsed) j->unreadable = true; // gone since: never again
      if (cold_set && ids.items[i] < ncold_of &&
          cold_of[ids.items[i]] != ASL_NONE) {
        // Its scan was freed with the parse: the copy's words go too.
        memset(&scan_copies[cold_of[ids.items[i]]], 0, sizeof *scan_copies);
        asl_cold_gone(cold_set, cold_of[ids.items[i]]);
      }
    }
  }
  for (uint32_t i = 0; i < r->jobs.len; i++) drop_text(&r->jobs.items[i]);
  asl_cold_delete(cold_set);
  asl_free(scans);
  asl_free(scan_copies);
  asl_free(modules);
  asl_free(cold_of);
  asl_vec_free(&cold);
  asl_vec_free(&ids);
  asl_vec_free(&settled);
  asl_free(mods.slots);
  asl_free(mods.by_last);
  asl_vec_free(&mods.pending);
  asl_vec_free(&mods.pending_names);
  asl_free(mods.no_library.keys);
  asl_reach_free(&w);
}

/* Phase 2 and 3: the index, then the deferred findings. */
static void decide_deferred(AslRun *r, FirstAsked *fa) {
  if (!r->deferred.len) return;
  FactsView v;
  facts_view(r, &v);
  AslIndex *idx = asl_index_new(v.facts, v.n);
  asl_index_set_external_result(idx, r->rules->external_result);
  if (r->opt->env) asl_index_use_library(idx);
  first_asked_update(fa, &r->deferred);
  // The answer of each question: its message (NULL: no finding) and the
  // related places the rule gave.
  AslDiag *answer = asl_malloc(sizeof *answer * r->deferred.len);
  for (uint32_t i = 0; i < r->deferred.len; i++) {
    const AslDeferred *d = &r->deferred.items[i];
    uint32_t first = fa->first.items[i];
    if (first != i) {
      answer[i] = answer[first];
    } else {
      AslDeferred q = as_asked(&v, d);
      memset(&answer[i], 0, sizeof answer[i]);
      answer[i].message =
          r->rules->decide(idx, r->opt, &r->arena, &q, &answer[i]);
    }
    if (!answer[i].message) continue;
    AslDiag diag = d->diag;
    diag.message = answer[i].message;
    diag.related = answer[i].related;
    diag.nrelated = answer[i].nrelated;
    asl_vec_push(&r->diags, diag);
  }
  asl_free(answer);
  asl_index_delete(idx);
  facts_view_free(&v);
}

/* Test code is a context of its own: a finding there of a rule that does
 * not apply in tests (asl_rules[].in_tests, test-select, test-ignore) is
 * dropped and counted, so that -v and --statistics can say so. */
static void hold_back_test_findings(AslRun *r) {
  uint32_t w = 0;
  for (uint32_t i = 0; i < r->diags.len; i++) {
    const AslDiag *d = &r->diags.items[i];
    if (d->in_test && !r->opt->test_selected[d->rule]) {
      r->held[d->rule]++;
      continue;
    }
    r->diags.items[w++] = *d;
  }
  r->diags.len = w;
}

/* The -v line on what test code held back, if anything. */
static void print_held_back(const AslRun *r) {
  uint32_t total = 0;
  for (int k = 0; k < ASL_RULE__COUNT; k++) total += r->held[k];
  if (!total) return;
  fprintf(stderr, "asynclint: %u finding%s in test code held back "
                  "(test-paths; test-select shows them):", total,
          total == 1 ? "" : "s");
  for (int k = 0; k < ASL_RULE__COUNT; k++)
    if (r->held[k]) fprintf(stderr, " %s %u", asl_rules[k].code, r->held[k]);
  fputc('\n', stderr);
}

void asl_run_finish(AslRun *r, AslParser *p, AslArena *scratch) {
  double t0 = now_seconds();
  FirstAsked fa = {{0}, NULL, 0};
  settle_prefilter(r, p, scratch, &fa);
  double t1 = now_seconds();
  double all = 0, parsed = 0;
  for (uint32_t i = 0; i < r->jobs.len; i++) {
    const AslJob *j = &r->jobs.items[i];
    all += (double)j->bytes;
    if (j->parsed) r->nparsed++, parsed += (double)j->parsed_bytes;
    else if (!j->unreadable) r->nskipped++;
    r->npartial += j->units > 0;
    r->nunits += j->units;
  }
  decide_deferred(r, &fa);
  first_asked_free(&fa);
  hold_back_test_findings(r);
  asl_diags_sort(&r->diags);
  r->seconds[1] += t1 - t0;
  r->seconds[2] += now_seconds() - t1;
  if (r->opt->verbose)
    fprintf(stderr,
            "asynclint: %u files read: %u parsed (%u in later rounds: %u "
            "kept in memory, %u read twice), %u skipped by the pre-filter; "
            "%u checked; %.1f of %.1f MB parsed (%u files in %u parts)\n"
            "asynclint: %.3f s finding files; %.3f s reading, scanning, "
            "parsing and checking; %.3f s in later rounds (%.3f s parsing); "
            "%.3f s deciding with the index\n",
            r->jobs.len, r->nparsed, r->nkept + r->nreread, r->nkept,
            r->nreread, r->nskipped, r->nfiles,
            parsed / 1048576, all / 1048576, r->npartial, r->nunits,
            r->seconds[3], r->seconds[0],
            r->seconds[1], r->seconds[4], r->seconds[2]);
  if (r->opt->verbose && r->opt->env)
    fprintf(stderr, "asynclint: %u of them from the Python environment "
                    "(the library modules the lookups needed)\n",
            r->nlibrary);
  if (r->opt->verbose) print_held_back(r);
}

void asl_run_destroy(AslRun *r) {
  asl_vec_free(&r->diags);
  asl_vec_free(&r->deferred);
  for (uint32_t i = 0; i < r->jobs.len; i++) {
    asl_scan_free(&r->jobs.items[i].scan);
    asl_words_free(&r->jobs.items[i].want_names);
    asl_words_free(&r->jobs.items[i].spelled);
    asl_reach_match_free(&r->jobs.items[i].w_match);
    asl_pieces_free(&r->jobs.items[i].pieces);
    drop_text(&r->jobs.items[i]);
  }
  asl_vec_free(&r->jobs);
  for (uint32_t i = 0; i < r->worker_arenas.len; i++) {
    asl_arena_destroy(r->worker_arenas.items[i]);
    asl_free(r->worker_arenas.items[i]);
  }
  asl_vec_free(&r->worker_arenas);
  asl_words_free(&r->hot);
  if (!r->layout_borrowed) asl_layout_delete(r->layout);
  asl_arena_destroy(&r->arena);
}

const AslFileFacts *asl_run_file(const AslRun *r, uint32_t i,
                                 const char **fs_path) {
  *fs_path = r->jobs.items[i].fs_path;
  return r->jobs.items[i].facts;
}
