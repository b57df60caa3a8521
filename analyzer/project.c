/*
 * project.c - where a file sits: its module name (import root = first
 * ancestor directory that is not a package, as mypy and pyright find it
 * without configuration) and its project (nearest ancestor with a project
 * marker). Both walk up the directory tree with stat(), so each answer is
 * cached per directory: discovery hands files over sorted, and siblings
 * share their directory's answer.
 */
#include "index.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const project_markers[] = {
    "pyproject.toml", "setup.cfg", "setup.py", ".git", NULL};

struct AslLayout {
  AslArena arena;
  char *mod_dir;          /* directory of the cached module prefix */
  const char *mod_prefix; /* "pkg.sub" or "" (not a package); NULL: the
                             package path has an invalid name */
  char *proj_dir;         /* directory of the cached project answer */
  uint32_t proj_id;
  char *real_key;         /* a directory as given, and its real path: */
  char *real_dir;         /* files are walked a directory at a time */
  char *file_key;         /* the file real_file answered last, */
  char file_real[PATH_MAX]; /* its answer (a file's module, project and */
  bool file_is_dir, file_ok; /* paths ask in turn) */
  struct DirMemo *memo;   /* per real directory: what is known of it */
  uint32_t memo_cap, memo_len;
  AslStrVec roots;        /* project root of id k+1; id 0 = no marker */
  uint32_t next_fresh;    /* fresh ids count down from UINT32_MAX - 1 */
};

AslLayout *asl_layout_new(void) {
  AslLayout *l = asl_calloc(1, sizeof *l);
  asl_arena_init(&l->arena);
  l->next_fresh = UINT32_MAX - 1;
  return l;
}

void asl_layout_delete(AslLayout *l) {
  if (!l) return;
  asl_free(l->mod_dir);
  asl_free(l->proj_dir);
  asl_free(l->real_key);
  asl_free(l->real_dir);
  asl_free(l->file_key);
  asl_free(l->memo);
  asl_vec_free(&l->roots);
  asl_arena_destroy(&l->arena);
  asl_free(l);
}

/* realpath() of a regular file, resolving its directory once per run of
 * files in the same directory (a realpath is a syscall per component);
 * symlinked files and anything but a regular file take the full path. A
 * file that does not exist (an editor's new file, not saved yet) is its
 * directory's. */
static bool real_file_uncached(AslLayout *l, const char *fs_path,
                               char out[PATH_MAX], bool *is_dir) {
  struct stat st;
  *is_dir = false;
  const char *slash = strrchr(fs_path, '/');
  bool missing = lstat(fs_path, &st) != 0;
  if ((!missing && !S_ISREG(st.st_mode)) || !slash ||
      slash == fs_path || !slash[1]) {
    if (!realpath(fs_path, out)) return false;
    *is_dir = stat(out, &st) == 0 && S_ISDIR(st.st_mode);
    return true;
  }
  size_t n = (size_t)(slash - fs_path);
  if (!l->real_key || strncmp(l->real_key, fs_path, n) != 0 ||
      l->real_key[n] != 0) {
    char dir[PATH_MAX], real[PATH_MAX];
    if (n >= sizeof dir) return realpath(fs_path, out) != NULL;
    memcpy(dir, fs_path, n);
    dir[n] = 0;
    if (!realpath(dir, real)) return false;
    asl_free(l->real_key);
    asl_free(l->real_dir);
    l->real_key = asl_strdup(dir);
    l->real_dir = asl_strdup(real);
  }
  int w = snprintf(out, PATH_MAX, "%s/%s",
                   strcmp(l->real_dir, "/") == 0 ? "" : l->real_dir,
                   slash + 1);
  return w > 0 && w < PATH_MAX;
}

/* real_file_uncached, remembering the last file: where a file sits takes
 * its module, its project and its project-relative path in turn, and each
 * asked again cost an lstat (three per file of the run). */
static bool real_file(AslLayout *l, const char *fs_path, char out[PATH_MAX],
                      bool *is_dir) {
  if (!l->file_key || strcmp(l->file_key, fs_path) != 0) {
    asl_free(l->file_key);
    l->file_key = asl_strdup(fs_path);
    l->file_ok = real_file_uncached(l, fs_path, l->file_real, &l->file_is_dir);
  }
  if (l->file_ok) memcpy(out, l->file_real, strlen(l->file_real) + 1);
  *is_dir = l->file_is_dir;
  return l->file_ok;
}

static bool exists_in(const char *dir, const char *name) {
  char path[PATH_MAX];
  struct stat st;
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
    return false;
  return stat(path, &st) == 0;
}

/* What a directory is, asked once per directory of a run (a deep tree
 * asks each ancestor again for every directory below it). */
typedef struct DirMemo {
  const char *dir;  /* layout arena; NULL: empty slot */
  int8_t package;   /* holds __init__.py(i): 1, not: 0, unknown: -1 */
  int8_t marker;    /* holds a project marker: 1, not: 0, unknown: -1 */
} DirMemo;

static uint32_t hash_dir(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static DirMemo *memo_of(AslLayout *l, const char *dir) {
  if ((l->memo_len + 1) * 2 > l->memo_cap) {
    uint32_t cap = l->memo_cap ? l->memo_cap * 2 : 256;
    DirMemo *m = asl_calloc(cap, sizeof *m);
    for (uint32_t i = 0; i < l->memo_cap; i++) {
      if (!l->memo[i].dir) continue;
      uint32_t h = hash_dir(l->memo[i].dir) & (cap - 1);
      while (m[h].dir) h = (h + 1) & (cap - 1);
      m[h] = l->memo[i];
    }
    asl_free(l->memo);
    l->memo = m;
    l->memo_cap = cap;
  }
  uint32_t h = hash_dir(dir) & (l->memo_cap - 1);
  for (; l->memo[h].dir; h = (h + 1) & (l->memo_cap - 1))
    if (strcmp(l->memo[h].dir, dir) == 0) return &l->memo[h];
  l->memo[h] = (DirMemo){asl_arena_strdup(&l->arena, dir), -1, -1};
  l->memo_len++;
  return &l->memo[h];
}

static bool is_package_dir(AslLayout *l, const char *dir) {
  DirMemo *m = memo_of(l, dir);
  if (m->package < 0)
    m->package = exists_in(dir, "__init__.py") ||
                 exists_in(dir, "__init__.pyi");
  return m->package;
}

/* Is s[0..n) a Python identifier? Non-ASCII bytes are accepted as they
 * come (Python allows most letters); a dash or dot is what really occurs. */
static bool is_identifier(const char *s, size_t n) {
  if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!(c == '_' || c >= 0x80 || (c >= 'a' && c <= 'z') ||
          (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
      return false;
  }
  return true;
}

/* The dotted package path of directory `dir` ("" if not a package), or
 * NULL if some package directory's name is not an identifier. Climbs with
 * stat() per level; the result is cached for the last directory asked. */
static const char *package_prefix(AslLayout *l, const char *dir) {
  if (l->mod_dir && strcmp(l->mod_dir, dir) == 0) return l->mod_prefix;
  char cur[PATH_MAX];
  snprintf(cur, sizeof cur, "%s", dir);
  AslBuf parts = {0}; // components, innermost first, '.'-joined
  bool valid = true;
  while (cur[0] && strcmp(cur, "/") != 0 && is_package_dir(l, cur)) {
    char *slash = strrchr(cur, '/');
    const char *base = slash ? slash + 1 : cur;
    if (!is_identifier(base, strlen(base))) valid = false;
    if (parts.len) asl_buf_putc(&parts, '\x01');
    asl_buf_puts(&parts, base);
    if (!slash) break;
    *slash = 0;
  }
  // Reverse the innermost-first list into "outer.inner".
  AslBuf out = {0};
  for (size_t end = parts.len; end > 0;) {
    size_t start = end;
    while (start > 0 && parts.data[start - 1] != '\x01') start--;
    if (out.len) asl_buf_putc(&out, '.');
    asl_buf_put(&out, parts.data + start, end - start);
    end = start > 0 ? start - 1 : 0;
  }
  asl_free(l->mod_dir);
  l->mod_dir = asl_strdup(dir);
  l->mod_prefix = !valid ? NULL
                  : out.len ? asl_arena_strndup(&l->arena, out.data, out.len)
                            : "";
  asl_buf_free(&parts);
  asl_buf_free(&out);
  return l->mod_prefix;
}

/* A name no import can spell, unique per file, for files whose module name
 * is not a dotted identifier path (`my-script.py`): their own module-level
 * names still resolve, and nobody else can import them. */
static const char *private_module(AslArena *a, const char *real) {
  char *m = asl_arena_printf(a, ":%s", real);
  for (char *p = m; *p; p++)
    if (*p == '.') *p = '/';
  return m;
}

const char *asl_layout_module(AslLayout *l, AslArena *a, const char *fs_path,
                              bool *is_package, bool *is_stub) {
  *is_package = *is_stub = false;
  char real[PATH_MAX];
  bool is_dir;
  if (!real_file(l, fs_path, real, &is_dir)) return NULL;
  char *slash = strrchr(real, '/');
  const char *base = slash ? slash + 1 : real;
  size_t n = strlen(base);
  if (n > 4 && strcmp(base + n - 4, ".pyi") == 0) {
    *is_stub = true;
    n -= 4;
  } else if (n > 3 && strcmp(base + n - 3, ".py") == 0) {
    n -= 3;
  }
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - real) : 0, real);
  const char *prefix = package_prefix(l, dir[0] ? dir : "/");
  bool init = n == 8 && strncmp(base, "__init__", 8) == 0;
  if (init && prefix && prefix[0]) {
    *is_package = true;
    return asl_arena_strdup(a, prefix);
  }
  if (!prefix || init || !is_identifier(base, n))
    return private_module(a, real);
  if (!prefix[0]) return asl_arena_strndup(a, base, n);
  return asl_arena_printf(a, "%s.%.*s", prefix, (int)n, base);
}

/* The nearest directory at or above `dir` holding a project marker, or
 * NULL. */
static char *find_root(AslLayout *l, const char *dir) {
  char cur[PATH_MAX];
  snprintf(cur, sizeof cur, "%s", dir);
  for (;;) {
    const char *here = cur[0] ? cur : "/";
    DirMemo *memo = memo_of(l, here);
    if (memo->marker < 0) {
      memo->marker = 0;
      for (const char *const *m = project_markers; *m && !memo->marker; m++)
        memo->marker = exists_in(here, *m);
    }
    if (memo->marker) return asl_strdup(here);
    char *slash = strrchr(cur, '/');
    if (!slash || !cur[0]) return NULL;
    *slash = 0;
  }
}

uint32_t asl_layout_project(AslLayout *l, const char *fs_path) {
  char real[PATH_MAX];
  bool is_dir;
  if (!real_file(l, fs_path, real, &is_dir)) return 0;
  if (!is_dir) {
    char *slash = strrchr(real, '/');
    if (slash) *slash = 0;
  }
  if (l->proj_dir && strcmp(l->proj_dir, real) == 0) return l->proj_id;
  char *root = find_root(l, real);
  uint32_t id = 0;
  if (root) {
    for (uint32_t k = 0; k < l->roots.len && !id; k++)
      if (strcmp(l->roots.items[k], root) == 0) id = k + 1;
    if (!id) {
      asl_vec_push(&l->roots, (const char *)asl_arena_strdup(&l->arena, root));
      id = l->roots.len;
    }
    asl_free(root);
  }
  asl_free(l->proj_dir);
  l->proj_dir = asl_strdup(real);
  l->proj_id = id;
  return id;
}

const char *asl_layout_root(const AslLayout *l, uint32_t id) {
  return id >= 1 && id <= l->roots.len ? l->roots.items[id - 1] : NULL;
}

uint32_t asl_layout_fresh_project(AslLayout *l) { return l->next_fresh--; }

const char *asl_layout_namespace_module(AslLayout *l, AslArena *a,
                                        const char *fs_path, uint32_t project,
                                        const char *module, bool is_package) {
  if (!module || module[0] == ':') return NULL;
  const char *rel = asl_layout_project_path(l, a, fs_path, project);
  if (!rel) return NULL;
  if (strncmp(rel, "src/", 4) == 0) rel += 4; // the src layout's root
  size_t n = strlen(rel);
  if (n > 4 && strcmp(rel + n - 4, ".pyi") == 0) n -= 4;
  else if (n > 3 && strcmp(rel + n - 3, ".py") == 0) n -= 3;
  else return NULL;
  if (is_package) { // pkg/__init__: the folder's name
    const char *slash = n >= 9 ? rel + n - 9 : NULL;
    if (!slash || strncmp(slash, "/__init__", 9) != 0) return NULL;
    n -= 9;
  }
  char *alias = asl_arena_strndup(a, rel, n);
  for (char *p = alias, *start = alias;; p++) {
    if (*p != '/' && *p) continue;
    if (!is_identifier(start, (size_t)(p - start))) return NULL;
    if (!*p) break;
    *p = '.';
    start = p + 1;
  }
  // Only a longer name for the same file: the module's name ends it.
  size_t an = strlen(alias), mn = strlen(module);
  if (an <= mn || alias[an - mn - 1] != '.' ||
      strcmp(alias + an - mn, module) != 0)
    return NULL;
  return alias;
}

const char *asl_layout_project_path(AslLayout *l, AslArena *a,
                                    const char *fs_path, uint32_t project) {
  const char *root = asl_layout_root(l, project);
  char real[PATH_MAX];
  bool is_dir;
  if (!root || !real_file(l, fs_path, real, &is_dir)) return NULL;
  if (strcmp(root, "/") == 0) return asl_arena_strdup(a, real + 1);
  size_t n = strlen(root);
  if (strncmp(real, root, n) != 0 || real[n] != '/') return NULL;
  return asl_arena_strdup(a, real + n + 1);
}
