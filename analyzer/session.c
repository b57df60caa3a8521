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
} Overlay;

struct AslSession {
  const AslOptions *opt;         /* the caller's, or &cached_opt */
  const AslOptions *given;       /* the caller's */
  AslOptions cached_opt;         /* theirs without the pre-filter */
  AslFactsCache *cache;          /* or NULL (asl_session_keep_facts) */
  const AslConfig *config;
  AslParser *parser;
  AslArena scratch;              /* one file at a time */
  AslVec(Overlay) overlays;      /* sorted by fs_path (bytewise) */
  char *cwd;                     /* where relative paths start, or NULL */
};

AslSession *asl_session_new(const AslOptions *opt, const AslConfig *config,
                            const char **why) {
  AslParser *p = NULL;
  if (asl_parser_new(&p, why) != ASL_OK) return NULL;
  AslSession *s = asl_calloc(1, sizeof *s);
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

/* The overlay of fs_path, also when a walk names the file relative to
 * the working directory and the overlay by its absolute path. */
static const Overlay *overlay_of(const AslSession *s, const char *fs_path) {
  if (!s->overlays.len) return NULL;
  bool found;
  uint32_t at = overlay_slot(s, fs_path, &found);
  if (found) return &s->overlays.items[at];
  char buf[PATH_MAX];
  const char *abs = absolute(s->cwd, fs_path, buf, sizeof buf);
  if (!abs) return NULL;
  at = overlay_slot(s, abs, &found);
  return found ? &s->overlays.items[at] : NULL;
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
}

bool asl_session_drop_text(AslSession *s, const char *fs_path) {
  bool found;
  uint32_t at = overlay_slot(s, fs_path, &found);
  if (!found) return false;
  overlay_free(&s->overlays.items[at]);
  memmove(&s->overlays.items[at], &s->overlays.items[at + 1],
          sizeof(Overlay) * (s->overlays.len - 1 - at));
  s->overlays.len--;
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
  asl_run_init(run, s->opt);
  run->text_hook = overlay_text;
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
