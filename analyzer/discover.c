/*
 * discover.c - the directory walk: which *.py files a run checks.
 * Iterative (an explicit stack of directories), sorted for determinism,
 * never follows symlinked directories (no loops), skips default excludes.
 */
#include "discover.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const default_excludes[] = {
    ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "node_modules",
    ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "build",
    "dist", "site-packages", ".eggs", ".direnv", "__pypackages__", NULL};

bool asl_glob_match(const char *pattern, const char *path) {
  return fnmatch(pattern, path, FNM_PATHNAME) == 0;
}

const char *asl_display_path(AslArena *a, const char *path) {
  char cwd[4096];
  const char *p = path;
  if (p[0] == '/' && getcwd(cwd, sizeof cwd)) {
    size_t n = strlen(cwd);
    if (strncmp(p, cwd, n) == 0 && p[n] == '/') p += n + 1;
  }
  AslBuf b = {0};
  while (p[0] == '.' && p[1] == '/') {
    p += 2;
    while (*p == '/') p++;
  }
  for (; *p; p++) {
    if (*p == '/' && b.len > 0 && b.data[b.len - 1] == '/') continue;
    if (*p == '/' && p[1] == '.' && p[2] == '/') {
      p++; // "a/./b" -> "a/b"
      continue;
    }
    asl_buf_putc(&b, *p);
  }
  if (b.len > 1 && b.data[b.len - 1] == '/') b.len--;
  const char *out = b.len ? asl_arena_strndup(a, b.data, b.len)
                          : asl_arena_strdup(a, ".");
  asl_buf_free(&b);
  return out;
}

/* Is the entry `name` (display path `rel`) excluded by the options? */
static bool is_excluded(const AslOptions *opt, const char *name,
                        const char *rel) {
  if (!opt->exclude_given) {
    for (const char *const *e = default_excludes; *e; e++)
      if (strcmp(name, *e) == 0) return true;
  }
  for (int pass = 0; pass < 2; pass++) {
    const AslStrVec *v = pass == 0 ? &opt->exclude : &opt->extend_exclude;
    for (uint32_t i = 0; i < v->len; i++)
      if (asl_glob_match(v->items[i], name) ||
          asl_glob_match(v->items[i], rel))
        return true;
  }
  return false;
}

static void add_file(AslDiscovery *d, const char *fs, bool explicit_arg) {
  AslFileRef f = {asl_arena_strdup(&d->arena, fs),
                  asl_display_path(&d->arena, fs), explicit_arg};
  asl_vec_push(&d->files, f);
}

static void report(AslDiscovery *d, const char *path, const char *why) {
  fprintf(stderr, "asynclint: error: %s: %s\n", path, why);
  d->nerrors++;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks one directory tree with an explicit stack (no recursion). */
static void walk(const AslOptions *opt, AslDiscovery *d, const char *root) {
  AslVec(char *) stack = {0};
  asl_vec_push(&stack, asl_strdup(root));
  while (stack.len) {
    char *dir = stack.items[--stack.len];
    DIR *dh = opendir(dir);
    if (!dh) {
      report(d, dir, strerror(errno));
      asl_free(dir);
      continue;
    }
    AslVec(char *) names = {0};
    struct dirent *e;
    while ((e = readdir(dh)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
        asl_vec_push(&names, asl_strdup(e->d_name));
    closedir(dh);
    qsort(names.items, names.len, sizeof(char *), cmp_str);
    // Push subdirectories in reverse so they pop in sorted order.
    for (uint32_t k = names.len; k-- > 0;) {
      char *name = names.items[k];
      size_t n = strlen(dir) + strlen(name) + 2;
      char *full = asl_malloc(n);
      snprintf(full, n, "%s/%s", dir, name);
      const char *rel = asl_display_path(&d->arena, full);
      struct stat st;
      if (is_excluded(opt, name, rel)) {
        asl_free(full);
      } else if (lstat(full, &st) != 0) {
        report(d, full, strerror(errno));
        asl_free(full);
      } else if (S_ISDIR(st.st_mode)) {
        asl_vec_push(&stack, full);
      } else {
        size_t ln = strlen(name);
        if (ln > 3 && (strcmp(name + ln - 3, ".py") == 0 ||
                       (ln > 4 && strcmp(name + ln - 4, ".pyi") == 0)))
          add_file(d, full, false);
        asl_free(full);
      }
      asl_free(name);
    }
    asl_vec_free(&names);
    asl_free(dir);
  }
  asl_vec_free(&stack);
}

static int cmp_ref(const void *a, const void *b) {
  return strcmp(((const AslFileRef *)a)->display,
                ((const AslFileRef *)b)->display);
}

void asl_discover(const AslOptions *opt, const char *const *paths,
                  uint32_t npaths, AslDiscovery *out) {
  memset(out, 0, sizeof *out);
  asl_arena_init(&out->arena);
  for (uint32_t i = 0; i < npaths; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0) {
      report(out, paths[i], strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
      walk(opt, out, paths[i]);
    } else {
      add_file(out, paths[i], true); // named explicitly: always checked
    }
  }
  if (out->files.len > 1)
    qsort(out->files.items, out->files.len, sizeof(AslFileRef), cmp_ref);
  uint32_t w = 0;
  for (uint32_t i = 0; i < out->files.len; i++) {
    if (w && strcmp(out->files.items[w - 1].display,
                    out->files.items[i].display) == 0) {
      out->files.items[w - 1].explicit_arg |= out->files.items[i].explicit_arg;
      continue;
    }
    out->files.items[w++] = out->files.items[i];
  }
  out->files.len = w;
}

void asl_discovery_destroy(AslDiscovery *d) {
  asl_vec_free(&d->files);
  asl_arena_destroy(&d->arena);
}
