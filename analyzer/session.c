/*
 * session.c - a session: options, a parser, and the texts of open
 * documents that replace the files on disk (see session.h).
 *
 * The texts are few (the documents an editor has open) and looked up once
 * per file of a run, from the worker threads: a sorted array, read-only
 * while a run lasts, searched without a lock.
 */
#include "session.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "diag.h"
#include "discover.h"

typedef struct Overlay {
  char *fs_path;  /* heap */
  char *display;  /* heap */
  char *text;     /* heap, NUL-terminated */
  size_t len;
  uint64_t version; /* the session's count of texts set, when it was set */
  const char *rel;  /* fs_path relative to the working directory (as a
                       walk names the files under it), or NULL */
} Overlay;

struct AslSession {
  const AslRuleSet *rules;       /* the caller's */
  const AslOptions *opt;         /* the caller's, or &cached_opt */
  const AslOptions *given;       /* the caller's */
  AslOptions cached_opt;         /* theirs without the pre-filter */
  AslFactsCache *cache;          /* or NULL (asl_session_keep_facts) */
  const AslConfig *config;
  AslParser *parser;
  AslArena scratch;              /* one file at a time */
  AslVec(Overlay) overlays;      /* sorted by fs_path (bytewise) */
  AslVec(uint32_t) by_rel;       /* those with a `rel`, sorted by it */
  bool relative_keys;            /* an overlay's fs_path is not absolute
                                    ("-", an editor's "untitled:1") */
  char *cwd;                     /* where relative paths start, or NULL */
  uint64_t texts_set;            /* asl_session_set_text calls */
};

AslSession *asl_session_new(const AslRuleSet *rules, const AslOptions *opt,
                            const AslConfig *config, const char **why) {
  AslParser *p = NULL;
  if (asl_parser_new(&p, why) != ASL_OK) return NULL;
  AslSession *s = asl_calloc(1, sizeof *s);
  s->rules = rules;
  s->opt = s->given = opt;
  s->config = config;
  s->parser = p;
  asl_arena_init(&s->scratch);
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd)) s->cwd = asl_strdup(cwd);
  return s;
}

static void overlay_free(Overlay *o) {
  asl_free(o->fs_path);
  asl_free(o->display);
  asl_free(o->text);
}

void asl_session_delete(AslSession *s) {
  if (!s) return;
  for (uint32_t i = 0; i < s->overlays.len; i++)
    overlay_free(&s->overlays.items[i]);
  asl_vec_free(&s->overlays);
  asl_vec_free(&s->by_rel);
  asl_cache_delete(s->cache);
  asl_arena_destroy(&s->scratch);
  asl_parser_delete(s->parser);
  asl_free(s->cwd);
  asl_free(s);
}

/* The options runs use: the caller's, without the pre-filter when facts
 * are kept (a file parsed in part has facts that are not whole). */
static void use_options(AslSession *s, const AslOptions *opt) {
  s->given = s->opt = opt;
  if (!s->cache) return;
  s->cached_opt = *opt;
  s->cached_opt.no_prefilter = true;
  s->opt = &s->cached_opt;
}

void asl_session_configure(AslSession *s, const AslOptions *opt,
                           const AslConfig *config) {
  if (s->cache) asl_cache_clear(s->cache); // facts depend on the options
  use_options(s, opt);
  s->config = config;
}

void asl_session_keep_facts(AslSession *s) {
  if (!s->cache) s->cache = asl_cache_new();
  use_options(s, s->given);
}

void asl_session_files_changed(AslSession *s) {
  if (s->cache) asl_cache_forget_walk(s->cache);
}

AslParser *asl_session_parser(AslSession *s) { return s->parser; }

/* Where fs_path is or would go in the sorted overlays; *found if there. */
static uint32_t overlay_slot(const AslSession *s, const char *fs_path,
                             bool *found) {
  uint32_t at;
  ASL_LOWER_BOUND(at, s->overlays.len, mid,
                  strcmp(s->overlays.items[mid].fs_path, fs_path) < 0);
  *found = at < s->overlays.len &&
           strcmp(s->overlays.items[at].fs_path, fs_path) == 0;
  return at;
}

/* A relative path (as a walk of the folders gives them) made absolute
 * in buf; NULL if it is absolute already or too long. */
static const char *absolute(const char *cwd, const char *path, char *buf,
                            size_t size) {
  if (!cwd || path[0] == '/') return NULL;
  while (path[0] == '.' && path[1] == '/') path += 2;
  int n = snprintf(buf, size, "%s/%s", cwd, path);
  return n > 0 && (size_t)n < size ? buf : NULL;
}

/* The part of absolute path p under directory dir, NULL if not under. */
static const char *under(const char *dir, const char *p) {
  if (!dir) return NULL;
  if (strcmp(dir, "/") == 0) return p[0] == '/' ? p + 1 : NULL;
  size_t n = strlen(dir);
  return strncmp(p, dir, n) == 0 && p[n] == '/' ? p + n + 1 : NULL;
}

/* Sorts the overlays that have a relative name by it (after one was added
 * or dropped: their places moved). By insertion: they are the documents an
 * editor has open, few. */
static void index_rel(AslSession *s) {
  const Overlay *o = s->overlays.items;
  s->by_rel.len = 0;
  s->relative_keys = false;
  for (uint32_t i = 0; i < s->overlays.len; i++) {
    s->relative_keys |= o[i].fs_path[0] != '/';
    if (!o[i].rel) continue;
    asl_vec_push(&s->by_rel, i);
    uint32_t *r = s->by_rel.items;
    for (uint32_t k = s->by_rel.len - 1;
         k > 0 && strcmp(o[r[k - 1]].rel, o[r[k]].rel) > 0; k--) {
      uint32_t t = r[k];
      r[k] = r[k - 1];
      r[k - 1] = t;
    }
  }
}

/* The overlay of fs_path, also when a walk names the file relative to
 * the working directory and the overlay by its absolute path. */
static const Overlay *overlay_of(const AslSession *s, const char *fs_path) {
  if (!s->overlays.len) return NULL;
  bool found;
  uint32_t at;
  if (fs_path[0] == '/' || s->relative_keys) {
    at = overlay_slot(s, fs_path, &found);
    if (found) return &s->overlays.items[at];
    if (fs_path[0] == '/') return NULL;
  }
  while (fs_path[0] == '.' && fs_path[1] == '/') fs_path += 2;
  const Overlay *o = s->overlays.items;
  const uint32_t *r = s->by_rel.items;
  ASL_LOWER_BOUND(at, s->by_rel.len, mid, strcmp(o[r[mid]].rel, fs_path) < 0);
  return at < s->by_rel.len && strcmp(o[r[at]].rel, fs_path) == 0
             ? &o[r[at]]
             : NULL;
}

void asl_session_set_text(AslSession *s, const char *fs_path,
                          const char *display, const char *text, size_t len) {
  if (len > ASL_MAX_FILE_BYTES) len = ASL_MAX_FILE_BYTES;
  Overlay o;
  o.fs_path = asl_strdup(fs_path);
  o.display = asl_strdup(display ? display
                                 : asl_display_path(&s->scratch, fs_path));
  o.text = asl_malloc(len + 1);
  memcpy(o.text, text, len);
  o.text[len] = 0;
  o.len = len;
  o.version = ++s->texts_set;
  o.rel = under(s->cwd, o.fs_path);
  bool found;
  uint32_t at = overlay_slot(s, fs_path, &found);
  if (found) {
    overlay_free(&s->overlays.items[at]);
    s->overlays.items[at] = o;
    return;
  }
  asl_vec_push(&s->overlays, o); // grow, then shift into place
  memmove(&s->overlays.items[at + 1], &s->overlays.items[at],
          sizeof o * (s->overlays.len - 1 - at));
  s->overlays.items[at] = o;
  index_rel(s);
}

bool asl_session_drop_text(AslSession *s, const char *fs_path) {
  bool found;
  uint32_t at = overlay_slot(s, fs_path, &found);
  if (!found) return false;
  overlay_free(&s->overlays.items[at]);
  memmove(&s->overlays.items[at], &s->overlays.items[at + 1],
          sizeof(Overlay) * (s->overlays.len - 1 - at));
  s->overlays.len--;
  index_rel(s);
  return true;
}

const char *asl_session_text(const AslSession *s, const char *fs_path,
                             size_t *len) {
  const Overlay *o = overlay_of(s, fs_path);
  if (!o) return NULL;
  *len = o->len;
  return o->text;
}

const char *asl_session_display(const AslSession *s, AslArena *a,
                                const char *fs_path) {
  const Overlay *o = overlay_of(s, fs_path);
  return o ? asl_arena_strdup(a, o->display) : asl_display_path(a, fs_path);
}

/* The run's text hook: an overlay replaces the file. */
static bool overlay_text(void *ctx, const char *fs_path, const char **text,
                         size_t *len) {
  const Overlay *o = overlay_of(ctx, fs_path);
  if (!o) return false;
  *text = o->text;
  *len = o->len;
  return true;
}

/* The run's stamp hook: an overlay's is its file's device and inode (a
 * named file is matched by them) with its version for the times, which no
 * file has; the cache then keeps the facts of a document not edited since
 * the last run. None for a document that is no file on disk. */
static bool overlay_stamp(void *ctx, const char *fs_path, AslFileStamp *out) {
  const Overlay *o = overlay_of(ctx, fs_path);
  struct stat st;
  if (!o || stat(fs_path, &st) != 0) return false;
  *out = (AslFileStamp){(uint64_t)st.st_dev, (uint64_t)st.st_ino,
                        (uint64_t)o->len, INT64_MIN + (int64_t)o->version,
                        -(int64_t)o->version};
  return true;
}

/* A path checked from its text alone, in a project of its own: stdin, or
 * a document that is no file (an editor's `untitled:`). A new file never
 * saved is checked in its project (asl_run_paths asks the text hook). */
static bool text_only(const AslSession *s, const char *path) {
  if (!overlay_of(s, path)) return false;
  struct stat st;
  return strcmp(path, "-") == 0 || (path[0] != '/' && stat(path, &st) != 0);
}

/* Does a per-file-ignores glob name this file? Like excludes: a glob
 * without '/' matches the file name, one with '/' the path as displayed
 * or relative to the configuration file's directory. */
static bool pfi_matches(const char *glob, const char *path,
                        const char *config_dir) {
  const char *base = strrchr(path, '/');
  if (!strchr(glob, '/')) return asl_glob_match(glob, base ? base + 1 : path);
  if (asl_glob_match(glob, path)) return true;
  char cwd[4096], abs[8300];
  if (!config_dir || path[0] == '/' || !getcwd(cwd, sizeof cwd)) return false;
  snprintf(abs, sizeof abs, "%s/%s", cwd, path);
  size_t n = strlen(config_dir);
  return strncmp(abs, config_dir, n) == 0 && abs[n] == '/' &&
         asl_glob_match(glob, abs + n + 1);
}

/* Does per-file-ignore `p` silence rule r? */
static bool pfi_ignores(const AslPerFileIgnore *p, AslRuleId r) {
  bool sel[ASL_RULE__COUNT] = {0};
  for (uint32_t i = 0; i < p->codes.len; i++)
    asl_apply_selectors(sel, p->codes.items[i], true); // checked when read
  return sel[r];
}

/* Drops the findings that per-file-ignores silences. */
static void apply_per_file_ignores(const AslConfig *c, AslDiagList *diags) {
  if (!c || !c->per_file_ignores.len) return;
  char dir[4096] = "";
  const char *config_dir = NULL;
  if (realpath(c->path, dir)) {
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    config_dir = dir;
  }
  uint32_t w = 0;
  for (uint32_t i = 0; i < diags->len; i++) {
    const AslDiag *d = &diags->items[i];
    bool drop = false;
    for (uint32_t k = 0; k < c->per_file_ignores.len && !drop; k++) {
      const AslPerFileIgnore *p = &c->per_file_ignores.items[k];
      drop = pfi_matches(p->glob, d->path, config_dir) && pfi_ignores(p, d->rule);
    }
    if (!drop) diags->items[w++] = *d;
  }
  diags->len = w;
}

void asl_session_check(AslSession *s, AslRun *run, const char *const *paths,
                       uint32_t npaths) {
  asl_run_init(run, s->rules, s->opt);
  run->text_hook = overlay_text;
  run->text_stamp = overlay_stamp;
  run->text_ctx = s;
  run->cache = s->cache;
  if (s->cache) { // the folders as the runs before read them
    asl_layout_delete(run->layout);
    run->layout = asl_cache_layout(s->cache);
    run->layout_borrowed = true;
  }
  AslStrVec fs_paths = {0};
  uint32_t file_index = 0;
  for (uint32_t i = 0; i < npaths; i++) {
    if (!text_only(s, paths[i])) {
      asl_vec_push(&fs_paths, paths[i]);
      continue;
    }
    const Overlay *o = overlay_of(s, paths[i]);
    asl_run_bytes(run, s->parser, &s->scratch, o->display, o->text, o->len,
                  file_index++);
  }
  // The project around the paths is indexed too; only they are checked.
  if (fs_paths.len)
    asl_run_paths(run, s->parser, &s->scratch, fs_paths.items, fs_paths.len,
                  &file_index);
  asl_vec_free(&fs_paths);
  asl_run_finish(run, s->parser, &s->scratch);
  apply_per_file_ignores(s->config, &run->diags);
}

uint32_t asl_diags_on_lines(const AslDiagList *diags, const char *display,
                            uint32_t line, uint32_t end_line,
                            const AslDiag **out, uint32_t max) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < diags->len && n < max; i++) {
    const AslDiag *d = &diags->items[i];
    if (strcmp(d->path, display) == 0 && d->line <= end_line &&
        d->end_line >= line)
      out[n++] = d;
  }
  return n;
}

/* ---- copies of findings -------------------------------------------------- */

static const char *copy_str(AslArena *a, const char *s) {
  return s ? asl_arena_strdup(a, s) : NULL;
}

static const AslFix *copy_fix(AslArena *a, const AslFix *f) {
  if (!f) return NULL;
  AslFix *c = asl_arena_alloc(a, sizeof *c);
  *c = *f;
  c->message = copy_str(a, f->message);
  AslEdit *e = f->nedits ? asl_arena_alloc(a, sizeof *e * f->nedits) : NULL;
  for (uint32_t k = 0; k < f->nedits; k++) {
    e[k] = f->edits[k];
    e[k].content = copy_str(a, f->edits[k].content);
  }
  c->edits = e;
  return c;
}

static AslDiag copy_diag(AslArena *a, const AslDiag *d) {
  AslDiag c = *d;
  c.path = copy_str(a, d->path);
  c.message = copy_str(a, d->message);
  c.source_line = copy_str(a, d->source_line);
  AslRelated *r =
      d->nrelated ? asl_arena_alloc(a, sizeof *r * d->nrelated) : NULL;
  for (uint32_t k = 0; k < d->nrelated; k++) {
    r[k] = d->related[k];
    r[k].path = copy_str(a, d->related[k].path);
    r[k].message = copy_str(a, d->related[k].message);
  }
  c.related = r;
  c.fix = copy_fix(a, d->fix);
  return c;
}

void asl_diags_copy_file(const AslDiagList *diags, const char *display,
                         AslArena *a, AslDiagList *out) {
  for (uint32_t i = 0; i < diags->len; i++)
    if (strcmp(diags->items[i].path, display) == 0) {
      AslDiag c = copy_diag(a, &diags->items[i]);
      asl_avec_push(a, out, c);
    }
}

/* ---- what a file's findings depend on -------------------------------------
 * The run's files as a graph: an edge from a file to each file of its
 * project that its facts name (a module, or a package above it, that an
 * absolute name it holds starts with) and to the conftest.py files above
 * it. A checked file depends on every file it reaches. Edges are built as
 * the walks reach the files. */

uint64_t asl_path_key(const char *fs_path) {
  uint64_t h = 1469598103934665603ull;
  for (const char *p = fs_path; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ull;
  return h;
}

/* One name (a module, or a display path) of a file in a table. */
typedef struct Named {
  const char *name; /* NULL: an empty slot */
  size_t len;
  uint32_t project, file;
} Named;

typedef struct NameTable {
  Named *slots;
  uint32_t mask;
} NameTable;

typedef AslVec(uint32_t) U32Vec;

typedef struct Graph {
  const AslRun *run;
  uint32_t n;
  const AslFileFacts **facts; /* per file, NULL if none */
  const char **fs_paths;      /* per file, NULL if none */
  char cwd[PATH_MAX];         /* what relative paths are relative to */
  NameTable modules;          /* (project, module or alias) */
  NameTable paths;            /* (project, display path) */
  U32Vec *edges;              /* per file, once built */
  bool *built;
  uint32_t *added, build;     /* per file: the build that added an edge
                                 to it (no edge twice) */
  uint32_t *seen, walk;       /* per file: the walk that reached it */
  uint64_t *keys;             /* per file: file_key's, 0 until asked */
} Graph;

static void table_init(NameTable *t, uint32_t n) {
  uint32_t cap = 16;
  while (cap < 2 * n + 2) cap *= 2;
  t->slots = asl_calloc(cap, sizeof *t->slots);
  t->mask = cap - 1;
}

static void table_add(NameTable *t, const char *name, uint32_t project,
                      uint32_t file) {
  if (!name) return;
  size_t len = strlen(name);
  uint32_t h = asl_hash_module(project, name, len) & t->mask;
  while (t->slots[h].name) h = (h + 1) & t->mask;
  t->slots[h] = (Named){name, len, project, file};
}

static void graph_init(Graph *g, const AslRun *run) {
  memset(g, 0, sizeof *g);
  g->run = run;
  g->n = run->jobs.len;
  if (!getcwd(g->cwd, sizeof g->cwd)) g->cwd[0] = 0;
  g->facts = asl_calloc(g->n + 1, sizeof *g->facts);
  g->fs_paths = asl_calloc(g->n + 1, sizeof *g->fs_paths);
  g->edges = asl_calloc(g->n + 1, sizeof *g->edges);
  g->built = asl_calloc(g->n + 1, sizeof *g->built);
  g->added = asl_calloc(g->n + 1, sizeof *g->added);
  g->seen = asl_calloc(g->n + 1, sizeof *g->seen);
  g->keys = asl_calloc(g->n + 1, sizeof *g->keys);
  table_init(&g->modules, 2 * g->n);
  table_init(&g->paths, g->n);
  for (uint32_t i = 0; i < g->n; i++) {
    const AslFileFacts *f = g->facts[i] = asl_run_file(run, i, &g->fs_paths[i]);
    if (!f) continue;
    table_add(&g->modules, f->module, f->project, i);
    table_add(&g->modules, f->alias, f->project, i);
    table_add(&g->paths, f->path, f->project, i);
  }
}

static void graph_free(Graph *g) {
  for (uint32_t i = 0; i < g->n; i++) asl_vec_free(&g->edges[i]);
  asl_free(g->edges);
  asl_free(g->built);
  asl_free(g->added);
  asl_free(g->seen);
  asl_free(g->keys);
  asl_free(g->facts);
  asl_free(g->fs_paths);
  asl_free(g->modules.slots);
  asl_free(g->paths.slots);
}

/* An edge from file `from` to every file named s[0..len) in its project
 * (a module and its stub, say); `hash` is asl_hash_module's of the name. */
static void add_edges_to(Graph *g, uint32_t from, const NameTable *t,
                         const char *s, size_t len, uint32_t hash) {
  uint32_t project = g->facts[from]->project;
  for (uint32_t h = hash & t->mask; t->slots[h].name; h = (h + 1) & t->mask) {
    const Named *e = &t->slots[h];
    if (e->project != project || e->len != len ||
        memcmp(e->name, s, len) != 0 || e->file == from ||
        g->added[e->file] == g->build)
      continue;
    g->added[e->file] = g->build;
    asl_vec_push(&g->edges[from], e->file);
  }
}

static bool dotted_char(unsigned char c) {
  return c == '_' || c == '.' || c >= 0x80 || (c >= '0' && c <= '9') ||
         ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Edges for an absolute name the facts of `from` hold ("pkg.mod.f", a
 * receiver type "pkg.mod.C().x"): the modules its dotted start names,
 * the packages above them included (importing runs them). */
static void add_ref(Graph *g, uint32_t from, const char *s) {
  if (!s) return;
  // asl_hash_module's hash of each prefix, as the scan goes.
  uint32_t h = asl_hash_module(g->facts[from]->project, "", 0);
  size_t i = 0;
  for (; dotted_char((unsigned char)s[i]); i++) {
    if (s[i] == '.' && i) add_edges_to(g, from, &g->modules, s, i, h);
    h = (h ^ (unsigned char)s[i]) * 16777619u;
  }
  if (i) add_edges_to(g, from, &g->modules, s, i, h);
}

/* Something done with each absolute name a file's facts or questions
 * hold (never NULL). */
typedef void (*RefFn)(void *ctx, const char *name);

static void visit(RefFn fn, void *ctx, const char *name) {
  if (name) fn(ctx, name);
}

static void binding_refs(const AslFactBinding *b, RefFn fn, void *ctx) {
  visit(fn, ctx, b->target);
  for (uint32_t k = 0; k < b->ndecorators; k++)
    visit(fn, ctx, b->decorators[k]);
  visit(fn, ctx, b->returns);
  visit(fn, ctx, b->enters);
  visit(fn, ctx, b->fixture);
  visit(fn, ctx, b->value_type);
  visit(fn, ctx, b->returns_coroutine);
}

/* The names f's facts hold: what it imports, its classes' bases and
 * attributes' types, the callees of its sync functions (ASL210), ... */
static void facts_refs(const AslFileFacts *f, RefFn fn, void *ctx) {
  for (uint32_t k = 0; k < f->nnames; k++) binding_refs(&f->names[k], fn, ctx);
  for (uint32_t c = 0; c < f->nclasses; c++) {
    const AslFactClass *cl = &f->classes[c];
    for (uint32_t k = 0; k < cl->nbases; k++) visit(fn, ctx, cl->bases[k]);
    for (uint32_t k = 0; k < cl->nmembers; k++)
      binding_refs(&cl->members[k], fn, ctx);
    for (uint32_t k = 0; k < cl->nattrs; k++) visit(fn, ctx, cl->attrs[k].type);
  }
  for (uint32_t k = 0; k < f->nstars; k++) visit(fn, ctx, f->stars[k]);
  for (uint32_t k = 0; k < f->nplugins; k++) visit(fn, ctx, f->plugins[k]);
  for (uint32_t k = 0; k < f->nfuncs; k++)
    for (uint32_t c = 0; c < f->funcs[k].ncalls; c++)
      visit(fn, ctx, f->funcs[k].calls[c].callee.dotted);
}

/* The names in the questions the checked file displayed as `path` left to
 * the index (a name imported inside a function is in no facts). */
static void asked_refs(const AslRun *run, const char *path, RefFn fn,
                       void *ctx) {
  for (uint32_t k = 0; k < run->deferred.len; k++) {
    const AslDeferred *q = &run->deferred.items[k];
    if (strcmp(q->diag.path, path) != 0) continue;
    visit(fn, ctx, q->callee.dotted);
    visit(fn, ctx, q->callee.param);
  }
}

/* Edges to the conftest.py files of the folders above file `from` (its
 * tests' fixtures come from there, imported or not). */
static void conftest_refs(Graph *g, uint32_t from) {
  const char *path = g->facts[from]->path;
  size_t n = strlen(path);
  char *buf = asl_malloc(n + sizeof "conftest.py");
  for (size_t i = n; i-- > 0;) {
    if (path[i] != '/') continue;
    memcpy(buf, path, i + 1);
    memcpy(buf + i + 1, "conftest.py", sizeof "conftest.py");
    size_t len = i + 1 + strlen("conftest.py");
    add_edges_to(g, from, &g->paths, buf, len,
                 asl_hash_module(g->facts[from]->project, buf, len));
  }
  if (path[0] != '/')
    add_edges_to(g, from, &g->paths, "conftest.py", 11,
                 asl_hash_module(g->facts[from]->project, "conftest.py", 11));
  asl_free(buf);
}

typedef struct EdgeSink {
  Graph *g;
  uint32_t from;
} EdgeSink;

static void edge_ref(void *ctx, const char *name) {
  EdgeSink *e = ctx;
  add_ref(e->g, e->from, name);
}

static void build_edges(Graph *g, uint32_t i) {
  g->built[i] = true;
  const AslFileFacts *f = g->facts[i];
  if (!f) return;
  g->build++;
  EdgeSink e = {g, i};
  facts_refs(f, edge_ref, &e);
  conftest_refs(g, i);
}

/* A checked file's edges also come from its questions. */
static void build_checked_edges(Graph *g, uint32_t i) {
  build_edges(g, i);
  if (!g->facts[i]) return;
  EdgeSink e = {g, i};
  asked_refs(g->run, g->facts[i]->path, edge_ref, &e);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The key of file i's absolute path (a walk names files relative to the
 * working directory); 0 if it has none. */
static uint64_t file_key(const Graph *g, uint32_t i) {
  const char *p = g->fs_paths[i];
  if (!p) return 0;
  if (g->keys[i]) return g->keys[i];
  char buf[PATH_MAX];
  const char *abs = g->cwd[0] ? absolute(g->cwd, p, buf, sizeof buf) : NULL;
  return g->keys[i] = asl_path_key(abs ? abs : p);
}

/* The keys of the files `root` reaches, sorted, into d. */
static void walk_from(Graph *g, uint32_t root, AslFileDeps *d) {
  AslU64Vec keys = {0};
  U32Vec queue = {0};
  g->seen[root] = ++g->walk;
  asl_vec_push(&queue, root);
  for (uint32_t q = 0; q < queue.len; q++) {
    uint32_t i = queue.items[q];
    if (g->fs_paths[i]) asl_vec_push(&keys, file_key(g, i));
    if (!g->built[i]) build_edges(g, i);
    for (uint32_t k = 0; k < g->edges[i].len; k++) {
      uint32_t j = g->edges[i].items[k];
      if (g->seen[j] == g->walk) continue;
      g->seen[j] = g->walk;
      asl_vec_push(&queue, j);
    }
  }
  asl_vec_free(&queue);
  if (keys.len > 1) qsort(keys.items, keys.len, sizeof *keys.items, cmp_u64);
  d->files = keys.items;
  d->nfiles = keys.len;
}

/* A name's hash, its low 3 bits left for a kind. */
static uint64_t name_key(const char *name) {
  return asl_path_key(name) & ~(uint64_t)7;
}

/* The names file f defines at module level (defs and classes) and in its
 * classes (defs and values), each with its kind: what a lookup by a
 * method's name alone (ASL104) reads from every file. */
static void defined_names(const AslFileFacts *f, AslFileDeps *d) {
  AslU64Vec v = {0};
  for (uint32_t k = 0; k < f->nnames; k++) {
    const AslFactBinding *b = &f->names[k];
    if (b->kind != ASL_FACT_IMPORT && b->kind != ASL_FACT_VALUE)
      asl_vec_push(&v, name_key(b->name) | (uint64_t)b->kind);
  }
  for (uint32_t c = 0; c < f->nclasses; c++)
    for (uint32_t k = 0; k < f->classes[c].nmembers; k++) {
      const AslFactBinding *b = &f->classes[c].members[k];
      if (b->kind != ASL_FACT_IMPORT)
        asl_vec_push(&v, name_key(b->name) | (uint64_t)b->kind);
    }
  if (v.len > 1) qsort(v.items, v.len, sizeof *v.items, cmp_u64);
  d->defines = v.items;
  d->ndefines = v.len;
}

/* The names the checked file `path` asks the index about by name alone. */
static void asked_names(const AslRun *run, const char *path, AslFileDeps *d) {
  AslU64Vec v = {0};
  for (uint32_t k = 0; k < run->deferred.len; k++) {
    const AslDeferred *q = &run->deferred.items[k];
    if (q->callee.kind == ASL_CALLEE_ANY_METHOD && q->callee.attr &&
        strcmp(q->diag.path, path) == 0)
      asl_vec_push(&v, name_key(q->callee.attr));
  }
  if (v.len > 1) qsort(v.items, v.len, sizeof *v.items, cmp_u64);
  d->asks = v.items;
  d->nasks = v.len;
}

/* The hash of every dotted prefix of a name ("a", "a.b", "a.b.c"): the
 * modules it may name, whichever exist. */
static void prefix_hashes(void *ctx, const char *name) {
  AslU64Vec *out = ctx;
  uint64_t h = 1469598103934665603ull;
  size_t i = 0;
  for (; dotted_char((unsigned char)name[i]); i++) {
    if (name[i] == '.' && i) asl_vec_push(out, h);
    h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
  }
  if (i) asl_vec_push(out, h);
}

/* What checked file f names itself (its facts, its questions), as prefix
 * hashes, sorted, without repeats: while this stays the same and no other
 * file changes, the files it reaches stay the same. */
static void direct_names(const AslRun *run, const AslFileFacts *f,
                         AslFileDeps *d) {
  AslU64Vec v = {0};
  facts_refs(f, prefix_hashes, &v);
  asked_refs(run, f->path, prefix_hashes, &v);
  if (v.len > 1) qsort(v.items, v.len, sizeof *v.items, cmp_u64);
  uint32_t w = 0;
  for (uint32_t k = 0; k < v.len; k++)
    if (!w || v.items[w - 1] != v.items[k]) v.items[w++] = v.items[k];
  d->direct = v.items;
  d->ndirect = w;
}

static bool same_direct(const AslFileDeps *a, const AslFileDeps *b) {
  return a->ndirect == b->ndirect &&
         (!a->ndirect ||
          memcmp(a->direct, b->direct, sizeof *a->direct * a->ndirect) == 0);
}

static uint64_t *copy_keys(const uint64_t *v, uint32_t n) {
  uint64_t *c = asl_malloc(sizeof *c * (n + 1));
  if (n) memcpy(c, v, sizeof *c * n);
  return c;
}

/* The run's file read from fs_path (absolute), UINT32_MAX if none; cwd:
 * what a walk's relative paths are relative to. */
static uint32_t file_of(const AslRun *run, const char *fs_path,
                        const char *cwd) {
  const char *p;
  // A named file: as given, after the files of the projects around it.
  for (uint32_t i = run->jobs.len; i-- > 0;) {
    asl_run_file(run, i, &p);
    if (p && strcmp(p, fs_path) == 0) return i;
  }
  char buf[PATH_MAX];
  for (uint32_t i = 0; i < run->jobs.len; i++) {
    asl_run_file(run, i, &p);
    const char *abs = p ? absolute(cwd, p, buf, sizeof buf) : NULL;
    if (abs && strcmp(abs, fs_path) == 0) return i;
  }
  return UINT32_MAX;
}

void asl_deps_of(const AslRun *run, const char *const *fs_paths, uint32_t n,
                 bool others_same, const AslFileDeps *before,
                 AslFileDeps *out) {
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
  uint32_t *roots = asl_malloc(sizeof *roots * (n + 1));
  const AslFileFacts **facts = asl_malloc(sizeof *facts * (n + 1));
  // If none of these names other modules than before (and no other file
  // changed), every file reaches the same files as before: no walk.
  bool reuse = others_same;
  for (uint32_t k = 0; k < n; k++) {
    memset(&out[k], 0, sizeof out[k]);
    // Without the index (no selected rule asks it) findings read no other
    // file.
    out[k].known = !run->use_index;
    const char *unused;
    roots[k] = file_of(run, fs_paths[k], cwd[0] ? cwd : NULL);
    facts[k] =
        roots[k] == UINT32_MAX ? NULL : asl_run_file(run, roots[k], &unused);
    if (!facts[k]) continue;
    direct_names(run, facts[k], &out[k]);
    reuse = reuse && before[k].known && same_direct(&before[k], &out[k]);
  }
  Graph g;
  if (!reuse) {
    graph_init(&g, run);
    for (uint32_t k = 0; k < n; k++)
      if (facts[k]) build_checked_edges(&g, roots[k]);
  }
  for (uint32_t k = 0; k < n; k++) {
    if (!facts[k]) continue;
    if (reuse) {
      out[k].files = copy_keys(before[k].files, before[k].nfiles);
      out[k].nfiles = before[k].nfiles;
    } else {
      walk_from(&g, roots[k], &out[k]);
    }
    defined_names(facts[k], &out[k]);
    asked_names(run, facts[k]->path, &out[k]);
    out[k].known = true;
  }
  if (!reuse) graph_free(&g);
  asl_free(roots);
  asl_free(facts);
}

static bool sorted_has(const uint64_t *v, uint32_t n, uint64_t key) {
  uint32_t at;
  ASL_LOWER_BOUND(at, n, mid, v[mid] < key);
  return at < n && v[at] == key;
}

bool asl_deps_on(const AslFileDeps *d, uint64_t key) {
  return !d->known || sorted_has(d->files, d->nfiles, key);
}

void asl_deps_renamed(const AslFileDeps *before, const AslFileDeps *after,
                      AslU64Vec *out) {
  for (uint32_t k = 0; k < before->ndefines; k++)
    if (!sorted_has(after->defines, after->ndefines, before->defines[k]))
      asl_vec_push(out, before->defines[k] & ~(uint64_t)7);
  for (uint32_t k = 0; k < after->ndefines; k++)
    if (!sorted_has(before->defines, before->ndefines, after->defines[k]))
      asl_vec_push(out, after->defines[k] & ~(uint64_t)7);
}

bool asl_deps_asks(const AslFileDeps *d, const AslU64Vec *names) {
  if (!d->known) return true;
  for (uint32_t k = 0; k < names->len; k++)
    if (sorted_has(d->asks, d->nasks, names->items[k])) return true;
  return false;
}

void asl_deps_free(AslFileDeps *d) {
  asl_free(d->files);
  asl_free(d->direct);
  asl_free(d->defines);
  asl_free(d->asks);
  memset(d, 0, sizeof *d);
}
