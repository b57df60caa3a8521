/*
 * discover.c - which files a run checks: the command line's paths, the
 * directory walk (*.py, *.pyi), default and user excludes, .gitignore
 * files, and the display path printed for each file. The walk is
 * iterative (an explicit stack), never follows symlinked directories and
 * keeps no per-entry work beyond a name test for non-Python files.
 *
 * Supported .gitignore subset (docs/gitignore.md points here):
 * - Files read: `.gitignore` in every walked directory and in each
 *   ancestor of a walk root up to the repository root (the nearest
 *   ancestor holding `.git`; with none, only the walk root and below),
 *   plus that repository's `.git/info/exclude`. A walked directory holding
 *   `.git` starts a nested repository: outer files stop applying inside it
 *   and its own info/exclude is read. Each file is read once per run.
 *   Not read: core.excludesFile, $XDG_CONFIG_HOME/git/ignore, and the
 *   info/exclude of a worktree or submodule whose `.git` is a file.
 * - Lines: blank lines and `#` comments are skipped; trailing spaces are
 *   trimmed unless escaped (`\ `); a CR before the LF is dropped; `\#`,
 *   `\!` and any `\x` escape are literal; `!` negates. The last matching
 *   line of a file wins, and a deeper file wins over a shallower one, then
 *   info/exclude. A trailing `/` matches directories only. A `/` at the
 *   start or in the middle anchors the pattern to the file's directory;
 *   otherwise it matches a name at any depth below it.
 * - Globs (asl_glob_match): `*`, `?`, `[a-z]`, `[!a]`, `[^a]`,
 *   `[[:alpha:]]`, and leading, middle and trailing `**` segments; bytes,
 *   case-sensitive (git's core.ignoreCase is not read).
 * - As git: an ignored directory is not entered, so a `!` line cannot
 *   bring back a file below it; a symlinked .gitignore is not followed;
 *   `.git` itself is never walked.
 * - As ripgrep and ruff: a path named on the command line is never ignored
 *   or excluded itself, even inside an ignored directory; its contents are
 *   matched one by one.
 */
#include "discover.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* ruff's default `exclude`, plus "build" and "__pycache__" (never worth
 * linting, and a build/ copy would double every finding). */
static const char *const default_excludes[] = {
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg",
    ".ipynb_checkpoints", ".mypy_cache", ".nox", ".pants.d", ".pyenv",
    ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
    ".vscode", "__pypackages__", "_build", "buck-out", "dist",
    "node_modules", "site-packages", "venv", "build", "__pycache__", NULL};

/* ========================================================================
 * Glob matching
 * ===================================================================== */

/* Is byte `c` in the POSIX class `name` ("digit" from "[:digit:]")? The
 * ctype tests run in the C locale: bytes >= 0x80 are in no class. */
static bool glob_posix_class(const char *name, size_t n, int c) {
  static const struct {
    const char *name;
    int (*test)(int);
  } classes[] = {{"alnum", isalnum}, {"alpha", isalpha}, {"blank", isblank},
                 {"cntrl", iscntrl}, {"digit", isdigit}, {"graph", isgraph},
                 {"lower", islower}, {"print", isprint}, {"punct", ispunct},
                 {"space", isspace}, {"upper", isupper},
                 {"xdigit", isxdigit}};
  if (c < 0 || c > 127) return false;
  for (size_t k = 0; k < sizeof classes / sizeof classes[0]; k++)
    if (strlen(classes[k].name) == n && memcmp(classes[k].name, name, n) == 0)
      return classes[k].test(c) != 0;
  return false; // an unknown class name matches nothing, as in git
}

/* Parses the bracket expression at p[i] == '['. Returns the index just past
 * its closing ']', or 0 when it is unterminated (then '[' is a literal).
 * With c >= 0, also sets *hit to whether byte c is in the class. */
static size_t glob_class(const char *p, size_t n, size_t i, int c,
                         bool *hit) {
  size_t j = i + 1;
  bool negate = false, in = false;
  if (j < n && (p[j] == '!' || p[j] == '^')) {
    negate = true;
    j++;
  }
  for (bool first = true; j < n; first = false) {
    int lo = (unsigned char)p[j];
    if (lo == ']' && !first) {
      if (hit) *hit = in != negate;
      return j + 1;
    }
    if (lo == '[' && j + 1 < n && p[j + 1] == ':') {
      size_t k = j + 2;
      while (k + 1 < n && !(p[k] == ':' && p[k + 1] == ']')) k++;
      if (k + 1 < n) {
        in |= glob_posix_class(p + j + 2, k - j - 2, c);
        j = k + 2;
        continue;
      }
    }
    if (lo == '\\') {
      if (++j >= n) return 0;
      lo = (unsigned char)p[j];
    }
    j++;
    int hi = lo;
    if (j + 1 < n && p[j] == '-' && p[j + 1] != ']') {
      j++;
      if (p[j] == '\\' && ++j >= n) return 0;
      hi = (unsigned char)p[j++];
    }
    if (c >= lo && c <= hi) in = true;
  }
  return 0;
}

/* Matches the one-byte pattern item at p[*i] (a literal, '?', a class or an
 * escape) against byte c and moves *i past it. */
static bool glob_one(const char *p, size_t n, size_t *i, unsigned char c) {
  size_t k = *i;
  switch (p[k]) {
  case '?':
    *i = k + 1;
    return true;
  case '[': {
    bool hit = false;
    size_t end = glob_class(p, n, k, c, &hit);
    *i = end ? end : k + 1;
    return end ? hit : c == '[';
  }
  case '\\':
    *i = k + 2;
    return k + 1 < n && c == (unsigned char)p[k + 1];
  default:
    *i = k + 1;
    return c == (unsigned char)p[k];
  }
}

/* Matches one path segment s[0..sn) (no '/') against one pattern segment.
 * The classic wildcard loop: on a mismatch, only the most recent '*' is
 * retried one byte further. Every segment between stars has a fixed width,
 * so matching it at the earliest place is never worse, which is what makes
 * one remembered star enough; the cost is O(pn * sn). */
static bool glob_segment(const char *p, size_t pn, const char *s, size_t sn) {
  size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
  while (si < sn) {
    if (pi < pn && p[pi] == '*') {
      while (pi < pn && p[pi] == '*') pi++;
      if (pi == pn) return true; // a trailing star takes the rest
      star_p = pi;
      star_s = si;
      continue;
    }
    size_t next = pi;
    if (pi < pn && glob_one(p, pn, &next, (unsigned char)s[si])) {
      pi = next;
      si++;
      continue;
    }
    if (star_p == SIZE_MAX) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < pn && p[pi] == '*') pi++;
  return pi == pn;
}

/* End of the pattern segment starting at p[i]: the next '/' that is not
 * escaped and not inside a bracket expression. */
static size_t glob_segment_end(const char *p, size_t n, size_t i) {
  while (i < n && p[i] != '/') {
    if (p[i] == '\\' && i + 1 < n) {
      i += 2;
    } else if (p[i] == '[') {
      size_t end = glob_class(p, n, i, -1, NULL);
      i = end ? end : i + 1;
    } else {
      i++;
    }
  }
  return i;
}

static size_t path_segment_end(const char *s, size_t n, size_t i) {
  const char *slash = memchr(s + i, '/', n - i);
  return slash ? (size_t)(slash - s) : n;
}

/* Segment-level match: the same one-star loop as glob_segment, one level
 * up. A `**` segment is the star (any number of path segments); every other
 * pattern segment matches exactly one path segment. Offsets past the end
 * (> n) mean "no segment left". */
static bool glob_match_n(const char *p, size_t pn, const char *s, size_t sn) {
  size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
  for (;;) {
    if (pi <= pn) {
      size_t pe = glob_segment_end(p, pn, pi);
      if (pe - pi == 2 && p[pi] == '*' && p[pi + 1] == '*') {
        if (pe < pn) {
          star_p = pi = pe + 1;
          star_s = si;
          continue;
        }
        // A trailing `**` takes everything left, but "x/" + "**" must not
        // match "x" itself (gitignore: "everything inside").
        if (pi == 0 || si <= sn) return true;
      } else if (si <= sn) {
        size_t se = path_segment_end(s, sn, si);
        if (glob_segment(p + pi, pe - pi, s + si, se - si)) {
          pi = pe + 1;
          si = se + 1;
          continue;
        }
      }
    } else if (si > sn) {
      return true;
    }
    // Mismatch: let the last `**` swallow one more path segment.
    if (star_p == SIZE_MAX || star_s > sn) return false;
    star_s = path_segment_end(s, sn, star_s) + 1;
    pi = star_p;
    si = star_s;
  }
}

bool asl_glob_match(const char *pattern, const char *path) {
  return glob_match_n(pattern, strlen(pattern), path, strlen(path));
}

/* Does one exclude glob name `disp` or one of its directories? A glob
 * without '/' is tried on every path segment, one with '/' on the path and
 * each of its directory prefixes (a trailing '/' means directories only). */
static bool excluded_by(const char *glob, const char *disp) {
  size_t gn = strlen(glob);
  bool dir_only = gn > 1 && glob[gn - 1] == '/';
  char g[4096];
  if (gn >= sizeof g) return false;
  memcpy(g, glob, gn + 1);
  if (dir_only) g[--gn] = 0;
  bool has_slash = strchr(g, '/') != NULL;
  char prefix[4096];
  size_t n = strlen(disp);
  if (n >= sizeof prefix) return false;
  for (size_t start = 0, i = 0; i <= n; i++) {
    if (i < n && disp[i] != '/') continue;
    bool is_dir = i < n; // every segment but the last is a directory
    if (!dir_only || is_dir) {
      if (has_slash) {
        memcpy(prefix, disp, i);
        prefix[i] = 0;
        if (asl_glob_match(g, prefix)) return true;
      } else {
        memcpy(prefix, disp + start, i - start);
        prefix[i - start] = 0;
        if (asl_glob_match(g, prefix)) return true;
      }
    }
    start = i + 1;
  }
  return false;
}

bool asl_path_excluded(const AslOptions *opt, const char *disp) {
  if (!opt->exclude_given)
    for (const char *const *e = default_excludes; *e; e++)
      if (excluded_by(*e, disp)) return true;
  for (uint32_t i = 0; i < opt->exclude.len; i++)
    if (excluded_by(opt->exclude.items[i], disp)) return true;
  for (uint32_t i = 0; i < opt->extend_exclude.len; i++)
    if (excluded_by(opt->extend_exclude.items[i], disp)) return true;
  return false;
}

bool asl_glob_valid(const char *pattern) {
  size_t n = strlen(pattern);
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++) {
    if (pattern[i] == '\\') {
      if (++i >= n) return false; // a trailing backslash escapes nothing
    } else if (pattern[i] == '[') {
      bool hit;
      size_t end = glob_class(pattern, n, i, -1, &hit);
      if (end == 0) return false; // unclosed class
      i = end - 1;
    }
  }
  return true;
}

/* ---- test code ----------------------------------------------------------
 * SonarQube's main/test split: a file is test code by where it sits, and
 * each rule says whether it runs there (registry.def). */

const char *const asl_default_test_paths[] = {
    "tests/",   "test/",     "testing/",     "test_*.py", "*_test.py",
    "conftest.py", "benchmarks/", "bench/", NULL};

/* Does folder pattern `dir` (its trailing '/' cut) name a folder that
 * `path` lies in? Without a '/' of its own, any folder of the path;
 * with one, a leading run of the path's folders. */
static bool test_folder_match(const char *dir, const char *path) {
  bool any_depth = !strchr(dir, '/');
  char buf[4096];
  size_t n = strlen(path);
  if (n >= sizeof buf) return false;
  memcpy(buf, path, n + 1);
  const char *start = buf;
  for (char *slash = strchr(buf, '/'); slash; slash = strchr(slash + 1, '/')) {
    *slash = 0;
    bool hit = asl_glob_match(dir, any_depth ? start : buf);
    *slash = '/';
    if (hit) return true;
    start = slash + 1;
  }
  return false;
}

static bool test_pattern_match(const char *pat, const char *path) {
  size_t n = strlen(pat);
  if (n > 1 && pat[n - 1] == '/') {
    char dir[1024];
    if (n > sizeof dir) return false;
    memcpy(dir, pat, n - 1);
    dir[n - 1] = 0;
    return test_folder_match(dir, path);
  }
  if (strchr(pat, '/')) return asl_glob_match(pat, path);
  const char *base = strrchr(path, '/');
  return asl_glob_match(pat, base ? base + 1 : path);
}

bool asl_is_test_path(const AslOptions *opt, const char *path) {
  if (!path) return false;
  if (opt->test_paths_given) {
    for (uint32_t i = 0; i < opt->test_paths.len; i++)
      if (test_pattern_match(opt->test_paths.items[i], path)) return true;
    return false;
  }
  for (const char *const *p = asl_default_test_paths; *p; p++)
    if (test_pattern_match(*p, path)) return true;
  return false;
}

/* A compiled pattern. Most real excludes and .gitignore lines are a plain
 * name ("build") or a star and a suffix ("*.pyc"), matched without the
 * glob engine. The others keep their literal head and tail as a prefilter:
 * every path is tested against every rule, and most fail right there. */
typedef enum { PAT_GLOB, PAT_LITERAL, PAT_SUFFIX } PatKind;

typedef struct Pat {
  const char *p;  /* arena-owned */
  uint32_t len;
  uint16_t head;  /* PAT_GLOB: bytes of literal prefix the path must have */
  uint16_t tail;  /* PAT_GLOB: bytes of literal suffix (no '/': a "**"
                     before it may match zero segments) */
  uint8_t kind;   /* PatKind */
} Pat;

static bool is_special(char c) {
  return c == '*' || c == '?' || c == '[' || c == ']' || c == '\\';
}

/* Compiles p[0..n); `basename`: it is only matched against names, so a
 * leading star cannot meet a '/'. */
static Pat pat_compile(AslArena *a, const char *p, size_t n, bool basename) {
  Pat r = {asl_arena_strndup(a, p, n), (uint32_t)n, 0, 0, PAT_GLOB};
  size_t head = 0, tail = 0;
  while (head < n && !is_special(p[head])) head++;
  while (tail < n && !is_special(p[n - 1 - tail]) && p[n - 1 - tail] != '/')
    tail++;
  if (head == n)
    r.kind = PAT_LITERAL;
  else if (basename && p[0] == '*' && tail == n - 1)
    r.kind = PAT_SUFFIX;
  r.head = (uint16_t)(head < UINT16_MAX ? head : 0);
  r.tail = (uint16_t)(tail < UINT16_MAX ? tail : 0);
  return r;
}

static bool pat_match(const Pat *pat, const char *s, size_t sn) {
  const char *p = pat->p;
  size_t pn = pat->len;
  switch ((PatKind)pat->kind) {
  case PAT_LITERAL:
    return pn == sn && memcmp(p, s, sn) == 0;
  case PAT_SUFFIX: // "*" + suffix, against a name (no '/' to stop at)
    return sn >= pn - 1 && memcmp(s + sn - (pn - 1), p + 1, pn - 1) == 0;
  default:
    if (sn < pat->head || memcmp(s, p, pat->head) != 0) return false;
    if (sn < pat->tail || memcmp(s + sn - pat->tail, p + pn - pat->tail,
                                 pat->tail) != 0)
      return false;
    return glob_match_n(p, pn, s, sn);
  }
}

/* ========================================================================
 * Paths
 * ===================================================================== */

static const char *buf_cstr(AslBuf *b) {
  asl_buf_putc(b, 0);
  b->len--;
  return b->data;
}

/* Appends the lexically cleaned form of path[0..n) to b: empty and "."
 * segments dropped, one '/' between segments, "" becomes ".". ".." is
 * kept unless `fold_dotdot` (only for patterns made absolute: in a real
 * path "x/.." may cross a symlink and mean something else). */
static void path_clean(AslBuf *b, const char *path, size_t n,
                       bool fold_dotdot) {
  size_t start = b->len;
  if (n && path[0] == '/') asl_buf_putc(b, '/');
  size_t root = b->len;
  for (size_t i = 0; i < n;) {
    size_t e = path_segment_end(path, n, i);
    const char *seg = path + i;
    size_t len = e - i;
    i = e + 1;
    if (len == 0 || (len == 1 && seg[0] == '.')) continue;
    if (fold_dotdot && len == 2 && seg[0] == '.' && seg[1] == '.') {
      size_t q = b->len;
      while (q > root && b->data[q - 1] != '/') q--;
      bool parent_is_dotdot = b->len - q == 2 && b->data[q] == '.' &&
                              b->data[q + 1] == '.';
      if (b->len > root && !parent_is_dotdot) {
        b->len = q > root ? q - 1 : root;
        continue;
      }
      if (root > start) continue; // "/.." is "/"
    }
    if (b->len > root) asl_buf_putc(b, '/');
    asl_buf_put(b, seg, len);
  }
  if (b->len == start) asl_buf_putc(b, '.');
}

/* The current directory: the physical one (getcwd) and, when $PWD names
 * the same directory through a symlink, that logical spelling too, so a
 * path typed as "$PWD/x.py" is also shown as "x.py". */
typedef struct Cwd {
  const char *phys;    /* NULL if getcwd failed (cwd deleted) */
  const char *logical; /* NULL unless it differs from phys */
} Cwd;

static void cwd_init(Cwd *c, AslArena *a) {
  c->phys = c->logical = NULL;
  for (size_t cap = 256; cap <= (1u << 20); cap *= 2) {
    char *buf = asl_malloc(cap);
    if (getcwd(buf, cap)) c->phys = asl_arena_strdup(a, buf);
    int err = errno;
    asl_free(buf);
    if (c->phys || err != ERANGE) break;
  }
  const char *pwd = getenv("PWD");
  struct stat s1, s2;
  if (c->phys && pwd && pwd[0] == '/' && strcmp(pwd, c->phys) != 0 &&
      stat(pwd, &s1) == 0 && stat(".", &s2) == 0 && s1.st_dev == s2.st_dev &&
      s1.st_ino == s2.st_ino) {
    AslBuf b = {0};
    path_clean(&b, pwd, strlen(pwd), false);
    c->logical = asl_arena_strdup(a, buf_cstr(&b));
    asl_buf_free(&b);
  }
}

/* The part of absolute path `p` below directory `dir`: "." for dir
 * itself, NULL when p is not under it. */
static const char *path_under(const char *p, const char *dir) {
  if (!dir) return NULL;
  size_t n = strlen(dir);
  if (n == 1) return p[1] ? p + 1 : "."; // dir is "/"
  if (strncmp(p, dir, n) != 0) return NULL;
  if (p[n] == 0) return ".";
  return p[n] == '/' ? p + n + 1 : NULL;
}

static const char *display_with(AslArena *a, const char *path,
                                const Cwd *cwd) {
  AslBuf b = {0};
  path_clean(&b, path, strlen(path), false);
  const char *r = buf_cstr(&b);
  if (r[0] == '/') {
    const char *rel = path_under(r, cwd->phys);
    if (!rel) rel = path_under(r, cwd->logical);
    if (rel) r = rel;
  }
  const char *out = asl_arena_strdup(a, r);
  asl_buf_free(&b);
  return out;
}

const char *asl_display_path(AslArena *a, const char *path) {
  AslArena tmp;
  asl_arena_init(&tmp);
  Cwd cwd;
  cwd_init(&cwd, &tmp);
  const char *out = display_with(a, path, &cwd);
  asl_arena_destroy(&tmp);
  return out;
}

/* Sets b to dir + '/' + name, without doubling the slash of "/". */
static void path_join(AslBuf *b, const char *dir, const char *name) {
  b->len = 0;
  asl_buf_puts(b, dir);
  if (b->len != 1 || dir[0] != '/') asl_buf_putc(b, '/');
  asl_buf_puts(b, name);
  buf_cstr(b);
}

/* ========================================================================
 * Excludes (ruff's semantics)
 * ===================================================================== */

/* One --exclude / --extend-exclude glob or default exclude. A pattern
 * without '/' matches an entry's name at any depth; one with '/' matches
 * the path relative to the cwd (as displayed) or, made absolute against
 * the cwd, the entry's absolute path. */
typedef struct ExPat {
  Pat pat;          /* the name pattern, or the cleaned relative path */
  Pat abs;          /* with '/': the absolute form (abs.p NULL if none) */
  bool has_slash;
  bool dir_only;    /* written with a trailing '/' */
} ExPat;

/* The state of one asl_discover() call. */
typedef struct Disc {
  const AslOptions *opt;
  AslDiscovery *out;
  bool silent;                    /* ASL_DISCOVER_SILENT */
  AslArena arena;                 /* patterns, parsed .gitignores, frames */
  Cwd cwd;
  AslVec(ExPat) ex;               /* arena-backed */
  struct GiSlot *gi_slots;        /* .gitignore cache: path -> rules */
  uint32_t gi_cap, gi_len;
  AslBuf disp, real, lex, tmp;    /* per-entry scratch paths */
  AslBuf names;                   /* names of the directory being read */
  AslVec(struct Ent) ents;
  AslVec(struct DirItem) stack;   /* directories still to read */
} Disc;

static void ex_add(Disc *d, const char *glob) {
  size_t n = strlen(glob);
  ExPat e;
  memset(&e, 0, sizeof e);
  while (n > 1 && glob[n - 1] == '/') {
    e.dir_only = true;
    n--;
  }
  if (n == 0) return;
  e.has_slash = memchr(glob, '/', n) != NULL;
  if (!e.has_slash) {
    e.pat = pat_compile(&d->arena, glob, n, true);
  } else {
    AslBuf b = {0};
    path_clean(&b, glob, n, false);
    e.pat = pat_compile(&d->arena, b.data, b.len, false);
    if (e.pat.p[0] == '/' || d->cwd.phys) {
      b.len = 0;
      if (e.pat.p[0] != '/') {
        asl_buf_puts(&b, d->cwd.phys);
        asl_buf_putc(&b, '/');
      }
      asl_buf_put(&b, glob, n);
      AslBuf c = {0};
      path_clean(&c, b.data, b.len, true);
      e.abs = pat_compile(&d->arena, c.data, c.len, false);
      asl_buf_free(&c);
    }
    asl_buf_free(&b);
  }
  asl_avec_push(&d->arena, &d->ex, e);
}

static void ex_compile(Disc *d) {
  if (!d->opt->exclude_given)
    for (const char *const *e = default_excludes; *e; e++) ex_add(d, *e);
  for (uint32_t i = 0; i < d->opt->exclude.len; i++)
    ex_add(d, d->opt->exclude.items[i]);
  for (uint32_t i = 0; i < d->opt->extend_exclude.len; i++)
    ex_add(d, d->opt->extend_exclude.items[i]);
}

/* Is the walked entry excluded? `name` is its last segment, `disp` its
 * display path, `real` its absolute path through the walk root's
 * realpath(). */
static bool ex_match(Disc *d, const char *name, size_t name_len,
                     const char *disp, const char *real, bool is_dir) {
  const char *lex = NULL; // built on first need; NULL: same as `real`
  bool lex_done = false;
  for (uint32_t i = 0; i < d->ex.len; i++) {
    const ExPat *e = &d->ex.items[i];
    if (e->dir_only && !is_dir) continue;
    if (!e->has_slash) {
      if (pat_match(&e->pat, name, name_len)) return true;
      continue;
    }
    if (pat_match(&e->pat, disp, strlen(disp))) return true;
    if (!e->abs.p) continue;
    if (pat_match(&e->abs, real, strlen(real))) return true;
    // The lexical absolute path differs from `real` when the walk root was
    // reached through a symlink; "/cwd/link/x.py" should match too.
    if (!lex_done) {
      lex_done = true;
      if (disp[0] == '/' || !d->cwd.phys) {
        lex = disp;
      } else {
        path_join(&d->lex, d->cwd.phys, disp);
        lex = d->lex.data;
      }
      if (strcmp(lex, real) == 0) lex = NULL;
    }
    if (lex && pat_match(&e->abs, lex, strlen(lex))) return true;
  }
  return false;
}

/* ========================================================================
 * .gitignore
 * ===================================================================== */

enum { GI_NEGATE = 1, GI_DIR_ONLY = 2, GI_ANCHORED = 4 };

typedef struct GiRule {
  Pat pat;         /* leading '/', trailing '/' and '!' removed */
  uint8_t flags;   /* GI_* */
} GiRule;

typedef struct GiRules {
  GiRule *items;   /* in file order: the last match wins */
  uint32_t len, cap;
} GiRules;

/* The .gitignore files in force in one directory, deepest first. Frames
 * are shared by every directory below and live in the Disc arena. */
typedef struct GiFrame {
  const struct GiFrame *parent; /* shallower file; NULL past the repo root */
  const GiRules *rules;
  uint32_t base;  /* bytes of an entry's real path before the part that is
                     relative to this file's directory */
} GiFrame;

typedef struct GiSlot {
  const char *key;      /* the file's path; NULL for an empty slot */
  const GiRules *rules; /* NULL when absent or unreadable */
} GiSlot;

/* Number of backslashes right before line[i]: odd means line[i] is
 * escaped. */
static size_t backslashes_before(const char *line, size_t i) {
  size_t k = 0;
  while (k < i && line[i - 1 - k] == '\\') k++;
  return k;
}

/* Parses one line of a .gitignore into *r; false for a blank line, a
 * comment or a line that is only "!" or "/". */
static bool gi_parse_line(AslArena *a, const char *line, size_t n,
                          GiRule *r) {
  if (n && line[n - 1] == '\r') n--;
  if (n == 0 || line[0] == '#') return false;
  while (n && line[n - 1] == ' ' && backslashes_before(line, n - 1) % 2 == 0)
    n--;
  size_t start = 0;
  uint8_t flags = 0;
  if (n && line[0] == '!') {
    flags |= GI_NEGATE;
    start = 1;
  }
  if (n > start && line[n - 1] == '/') {
    flags |= GI_DIR_ONLY;
    n--;
  }
  if (memchr(line + start, '/', n - start)) flags |= GI_ANCHORED;
  if (n > start && line[start] == '/') start++;
  // "**/name" is the same as "name": take the cheaper basename match.
  if ((flags & GI_ANCHORED) && n - start > 3 &&
      memcmp(line + start, "**/", 3) == 0 &&
      !memchr(line + start + 3, '/', n - start - 3)) {
    start += 3;
    flags &= (uint8_t)~GI_ANCHORED;
  }
  if (n <= start) return false;
  r->pat = pat_compile(a, line + start, n - start, !(flags & GI_ANCHORED));
  r->flags = flags;
  return true;
}

static GiRules *gi_parse(AslArena *a, const char *text, size_t len) {
  GiRules *rules = asl_arena_alloc(a, sizeof *rules);
  for (size_t i = 0; i < len;) {
    const char *nl = memchr(text + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - text) : len;
    GiRule r;
    if (gi_parse_line(a, text + i, e - i, &r)) asl_avec_push(a, rules, r);
    i = e + 1;
  }
  return rules;
}

static uint32_t str_hash(const char *s) {
  uint32_t h = 2166136261u; // FNV-1a
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

/* The cache slot for `key`: its own, or the empty slot where it belongs. */
static GiSlot *gi_slot(Disc *d, const char *key) {
  uint32_t mask = d->gi_cap - 1;
  for (uint32_t i = str_hash(key) & mask;; i = (i + 1) & mask)
    if (!d->gi_slots[i].key || strcmp(d->gi_slots[i].key, key) == 0)
      return &d->gi_slots[i];
}

static void gi_cache_grow(Disc *d) {
  GiSlot *old = d->gi_slots;
  uint32_t old_cap = d->gi_cap;
  d->gi_cap = old_cap ? old_cap * 2 : 64;
  d->gi_slots = asl_calloc(d->gi_cap, sizeof(GiSlot));
  for (uint32_t i = 0; i < old_cap; i++)
    if (old[i].key) *gi_slot(d, old[i].key) = old[i];
  asl_free(old);
}

/* Reads and parses the ignore file at `path` once per run. Returns NULL if
 * it is absent, not a regular file, a symlink (when `nofollow`: git does
 * not follow in-tree .gitignore symlinks) or unreadable (with a warning). */
static const GiRules *gi_load(Disc *d, const char *path, bool nofollow) {
  if (d->gi_len * 2 >= d->gi_cap) gi_cache_grow(d);
  GiSlot *slot = gi_slot(d, path);
  if (slot->key) return slot->rules;
  slot->key = asl_arena_strdup(&d->arena, path);
  d->gi_len++;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
                          (nofollow ? O_NOFOLLOW : 0));
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd < 0 && errno != ENOENT && errno != ENOTDIR && errno != ELOOP &&
        !d->opt->quiet && !d->silent)
      fprintf(stderr, "asynclint: warning: %s: %s\n", path, strerror(errno));
    if (fd >= 0) close(fd);
    return NULL;
  }
  AslBuf text = {0};
  char chunk[8192];
  ssize_t got;
  while (text.len < ASL_MAX_FILE_BYTES &&
         ((got = read(fd, chunk, sizeof chunk)) > 0 ||
          (got < 0 && errno == EINTR)))
    if (got > 0) asl_buf_put(&text, chunk, (size_t)got);
  close(fd);
  size_t skip = 0; // a UTF-8 byte-order mark is not part of the first line
  if (text.len >= 3 && memcmp(text.data, "\xEF\xBB\xBF", 3) == 0) skip = 3;
  GiRules *rules = gi_parse(&d->arena, text.data ? text.data + skip : "",
                            text.len - skip);
  asl_buf_free(&text);
  slot->rules = rules->len ? rules : NULL;
  return slot->rules;
}

static const GiFrame *gi_push(Disc *d, const GiFrame *parent,
                              const GiRules *rules, const char *dir) {
  if (!rules) return parent;
  GiFrame *f = asl_arena_alloc(&d->arena, sizeof *f);
  size_t n = strlen(dir);
  f->parent = parent;
  f->rules = rules;
  f->base = (uint32_t)(n == 1 ? 1 : n + 1);
  return f;
}

/* The frames in force inside directory `dir` (an absolute real path),
 * given those of its parent. A repository root cuts the parent's chain
 * and brings its info/exclude, below its own .gitignore. */
static const GiFrame *gi_enter(Disc *d, const char *dir,
                               const GiFrame *parent, bool is_repo,
                               bool has_gitignore) {
  const GiFrame *f = is_repo ? NULL : parent;
  if (is_repo) {
    path_join(&d->tmp, dir, ".git/info/exclude");
    f = gi_push(d, f, gi_load(d, d->tmp.data, false), dir);
  }
  if (has_gitignore) {
    path_join(&d->tmp, dir, ".gitignore");
    f = gi_push(d, f, gi_load(d, d->tmp.data, true), dir);
  }
  return f;
}

/* Frames of the walk root's ancestors, from the nearest one holding
 * `.git` down to the root's parent; NULL outside a repository. */
static const GiFrame *gi_ancestors(Disc *d, const char *root) {
  size_t n = strlen(root), len = n, repo = SIZE_MAX;
  AslBuf dir = {0};
  for (;;) {
    dir.len = 0;
    asl_buf_put(&dir, root, len);
    path_join(&d->tmp, buf_cstr(&dir), ".git");
    struct stat st;
    if (lstat(d->tmp.data, &st) == 0) {
      repo = len;
      break;
    }
    if (len <= 1) break;
    while (len > 0 && root[len - 1] != '/') len--;
    len = len > 1 ? len - 1 : 1;
  }
  const GiFrame *f = NULL;
  if (repo != SIZE_MAX && repo != n) {
    for (len = repo;;) {
      dir.len = 0;
      asl_buf_put(&dir, root, len);
      f = gi_enter(d, buf_cstr(&dir), f, len == repo, true);
      size_t k = len == 1 ? 1 : len + 1;
      while (k < n && root[k] != '/') k++;
      if (k >= n) break;
      len = k;
    }
  }
  asl_buf_free(&dir);
  return f;
}

/* Is the entry (absolute real path `real`, last segment `name`) ignored?
 * Deeper files first; within a file, the last matching line decides. */
static bool gi_match(const GiFrame *f, const char *real, const char *name,
                     size_t name_len, bool is_dir) {
  size_t real_len = strlen(real);
  for (; f; f = f->parent) {
    const char *rel = real + f->base;
    size_t rel_len = real_len - f->base;
    for (uint32_t i = f->rules->len; i-- > 0;) {
      const GiRule *r = &f->rules->items[i];
      if ((r->flags & GI_DIR_ONLY) && !is_dir) continue;
      bool hit = (r->flags & GI_ANCHORED)
                     ? pat_match(&r->pat, rel, rel_len)
                     : pat_match(&r->pat, name, name_len);
      if (hit) return !(r->flags & GI_NEGATE);
    }
  }
  return false;
}

/* ========================================================================
 * The walk
 * ===================================================================== */

/* One directory entry, read before any is processed so they can be
 * sorted (deterministic error order) and the directory's .gitignore found
 * first. */
typedef struct Ent {
  size_t off;          /* name offset in Disc.names, while reading */
  const char *name;    /* set once the names buffer stops growing */
  unsigned char type;  /* DT_* from readdir (DT_UNKNOWN on some fs) */
} Ent;

/* A directory waiting to be read. */
typedef struct DirItem {
  char *disp;          /* heap; display path (also the path we open) */
  char *real;          /* same block; absolute path via realpath(root) */
  const GiFrame *gi;   /* .gitignore frames in force in its parent */
} DirItem;

static void report(Disc *d, const char *path, const char *why) {
  if (!d->silent) fprintf(stderr, "asynclint: error: %s: %s\n", path, why);
  d->out->nerrors++;
}

static void push_dir(Disc *d, const char *disp, const char *real,
                     const GiFrame *gi) {
  size_t a = strlen(disp) + 1, b = strlen(real) + 1;
  char *block = asl_malloc(a + b);
  memcpy(block, disp, a);
  memcpy(block + a, real, b);
  DirItem it = {block, block + a, gi};
  asl_vec_push(&d->stack, it);
}

static void add_file(AslDiscovery *out, const char *fs, const char *disp,
                     bool explicit_arg) {
  const char *display = asl_arena_strdup(&out->arena, disp);
  AslFileRef f = {fs ? asl_arena_strdup(&out->arena, fs) : display, display,
                  explicit_arg};
  asl_vec_push(&out->files, f);
}

static bool is_python_name(const char *name, size_t n) {
  // ".py" alone is a hidden file without an extension, as for ruff.
  return (n > 3 && memcmp(name + n - 3, ".py", 3) == 0) ||
         (n > 4 && memcmp(name + n - 4, ".pyi", 4) == 0);
}

static unsigned char mode_type(mode_t m) {
  return S_ISDIR(m) ? DT_DIR : S_ISLNK(m) ? DT_LNK : S_ISREG(m) ? DT_REG
                                                                 : DT_FIFO;
}

static int cmp_ent(const void *a, const void *b) {
  return strcmp(((const Ent *)a)->name, ((const Ent *)b)->name);
}

/* Reads the entries of `it` into d->ents, sorted by name, and says whether
 * it holds .gitignore and .git. Returns the open directory (the caller
 * closes it), or NULL, reported, if it cannot be read. */
static DIR *read_dir(Disc *d, const DirItem *it, bool *has_gitignore,
                     bool *has_git) {
  DIR *dh = opendir(it->disp);
  if (!dh) {
    report(d, it->disp, strerror(errno));
    return NULL;
  }
  d->names.len = 0;
  d->ents.len = 0;
  *has_gitignore = *has_git = false;
  for (;;) {
    errno = 0; // readdir's only way to tell an error from the end
    struct dirent *e = readdir(dh);
    if (!e) break;
    const char *nm = e->d_name;
    if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2]))) continue;
    if (nm[0] == '.') {
      *has_gitignore |= strcmp(nm, ".gitignore") == 0;
      *has_git |= strcmp(nm, ".git") == 0;
    }
    Ent ent = {d->names.len, NULL, e->d_type};
    asl_buf_put(&d->names, nm, strlen(nm) + 1);
    asl_vec_push(&d->ents, ent);
  }
  if (errno) report(d, it->disp, strerror(errno));
  for (uint32_t i = 0; i < d->ents.len; i++)
    d->ents.items[i].name = d->names.data + d->ents.items[i].off;
  if (d->ents.len > 1)
    qsort(d->ents.items, d->ents.len, sizeof(Ent), cmp_ent);
  return dh;
}

/* Reads one directory: files become AslFileRefs, subdirectories are
 * pushed on the stack (in reverse, so they pop in name order). */
static void walk_dir(Disc *d, const DirItem *it) {
  bool has_gitignore, has_git;
  DIR *dh = read_dir(d, it, &has_gitignore, &has_git);
  if (!dh) return;
  bool gitignore = d->opt->respect_gitignore;
  const GiFrame *gi = it->gi;
  if (gitignore && (has_gitignore || has_git))
    gi = gi_enter(d, it->real, gi, has_git, has_gitignore);
  // Children's paths are the prefix plus a name: no re-cleaning per entry.
  bool disp_dot = strcmp(it->disp, ".") == 0;
  uint32_t first_push = d->stack.len;
  for (uint32_t i = 0; i < d->ents.len; i++) {
    const char *name = d->ents.items[i].name;
    size_t name_len = strlen(name);
    unsigned char type = d->ents.items[i].type;
    bool py = is_python_name(name, name_len);
    struct stat st;
    int err = 0;
    if (type == DT_UNKNOWN) {
      if (fstatat(dirfd(dh), name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        type = mode_type(st.st_mode);
      else if (errno == ENOENT)
        continue; // removed since readdir
      else
        err = errno;
    }
    // The cheap filter first: most entries of a tree are neither.
    if (type != DT_DIR && !py) continue;
    if (type == DT_DIR && gitignore && strcmp(name, ".git") == 0) continue;
    if (type == DT_LNK) {
      // stat() the target: a symlinked directory is never entered (no
      // loops); a file, FIFO or device is passed on for the reader,
      // which opens non-blocking and rejects what is not a regular file.
      if (fstatat(dirfd(dh), name, &st, 0) != 0)
        err = errno;
      else if (S_ISDIR(st.st_mode))
        continue;
    }
    if (disp_dot) {
      d->disp.len = 0;
      asl_buf_puts(&d->disp, name);
      buf_cstr(&d->disp);
    } else {
      path_join(&d->disp, it->disp, name);
    }
    path_join(&d->real, it->real, name);
    bool is_dir = type == DT_DIR && !err;
    if (ex_match(d, name, name_len, d->disp.data, d->real.data, is_dir))
      continue;
    if (gitignore && gi_match(gi, d->real.data, name, name_len, is_dir))
      continue;
    if (err)
      report(d, d->disp.data,
             err == ENOENT  ? "broken symbolic link"
             : err == ELOOP ? "symbolic link loop"
                            : strerror(err));
    else if (is_dir)
      push_dir(d, d->disp.data, d->real.data, gi);
    else
      add_file(d->out, NULL, d->disp.data, false);
  }
  closedir(dh);
  for (uint32_t a = first_push, b = d->stack.len; a + 1 < b; a++, b--) {
    DirItem t = d->stack.items[a];
    d->stack.items[a] = d->stack.items[b - 1];
    d->stack.items[b - 1] = t;
  }
}

/* Walks the tree under the directory whose display path is `disp`. */
static void walk(Disc *d, const char *disp) {
  char *buf = asl_malloc(PATH_MAX);
  AslBuf lexical = {0};
  const char *real = realpath(disp, buf);
  if (!real) {
    // Rare (too long, an ancestor not searchable): use the lexical path.
    if (d->cwd.phys && disp[0] != '/')
      path_join(&lexical, d->cwd.phys, disp);
    else
      asl_buf_puts(&lexical, disp);
    real = buf_cstr(&lexical);
  }
  const GiFrame *gi =
      d->opt->respect_gitignore ? gi_ancestors(d, real) : NULL;
  push_dir(d, disp, real, gi);
  asl_buf_free(&lexical);
  asl_free(buf);
  while (d->stack.len) {
    DirItem it = d->stack.items[--d->stack.len];
    walk_dir(d, &it);
    asl_free(it.disp);
  }
}

/* ========================================================================
 * Entry point
 * ===================================================================== */

static int cmp_ref(const void *a, const void *b) {
  return strcmp(((const AslFileRef *)a)->display,
                ((const AslFileRef *)b)->display);
}

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts by display path and merges duplicates (a file named twice, or
 * both named and found by a walk: it stays explicit). */
static void sort_unique(AslDiscovery *out) {
  if (out->files.len > 1)
    qsort(out->files.items, out->files.len, sizeof(AslFileRef), cmp_ref);
  uint32_t w = 0;
  for (uint32_t i = 0; i < out->files.len; i++) {
    AslFileRef *f = &out->files.items[i];
    if (w && strcmp(out->files.items[w - 1].display, f->display) == 0) {
      out->files.items[w - 1].explicit_arg |= f->explicit_arg;
      continue;
    }
    out->files.items[w++] = *f;
  }
  out->files.len = w;
}

void asl_discover(const AslOptions *opt, const char *const *paths,
                  uint32_t npaths, AslDiscovery *out) {
  asl_discover_ex(opt, paths, npaths, 0, out);
}

void asl_discover_ex(const AslOptions *opt, const char *const *paths,
                     uint32_t npaths, unsigned flags, AslDiscovery *out) {
  memset(out, 0, sizeof *out);
  asl_arena_init(&out->arena);
  Disc d;
  memset(&d, 0, sizeof d);
  d.opt = opt;
  d.out = out;
  d.silent = flags & ASL_DISCOVER_SILENT;
  asl_arena_init(&d.arena);
  cwd_init(&d.cwd, &d.arena);
  ex_compile(&d);

  // Files first, in argument order; directories are walked afterwards in
  // name order, each once (`check src src` reads src once).
  AslVec(const char *) roots = {0};
  for (uint32_t i = 0; i < npaths; i++) {
    struct stat st;
    const char *disp = display_with(&d.arena, paths[i], &d.cwd);
    if (stat(paths[i], &st) != 0)
      report(&d, paths[i], strerror(errno));
    else if (S_ISDIR(st.st_mode))
      asl_vec_push(&roots, disp);
    else
      add_file(out, paths[i], disp, true); // named explicitly: checked
  }
  if (roots.len > 1)
    qsort(roots.items, roots.len, sizeof(char *), cmp_cstr);
  for (uint32_t i = 0; i < roots.len; i++)
    if (i == 0 || strcmp(roots.items[i - 1], roots.items[i]) != 0)
      walk(&d, roots.items[i]);
  asl_vec_free(&roots);
  sort_unique(out);

  asl_vec_free(&d.stack);
  asl_vec_free(&d.ents);
  asl_buf_free(&d.names);
  asl_buf_free(&d.disp);
  asl_buf_free(&d.real);
  asl_buf_free(&d.lex);
  asl_buf_free(&d.tmp);
  asl_free(d.gi_slots);
  asl_arena_destroy(&d.arena);
}

void asl_discovery_destroy(AslDiscovery *d) {
  asl_vec_free(&d->files);
  asl_arena_destroy(&d->arena);
}
