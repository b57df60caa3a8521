/*
 * env.c - the project's Python environment (see env.h): pyvenv.cfg,
 * site-packages, `.pth` files (static paths only: an `import` line is
 * never executed) and setuptools' editable finders (their MAPPING read as
 * text). Nothing here runs Python.
 */
#include "env.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *join(AslArena *a, const char *dir, const char *name) {
  return asl_arena_printf(a, "%s/%s", dir, name);
}

/* The parent folder of `p` ("/" for "/x"), in `a`. */
static const char *parent_dir(AslArena *a, const char *p) {
  const char *slash = strrchr(p, '/');
  if (!slash) return ".";
  if (slash == p) return "/";
  return asl_arena_strndup(a, p, (size_t)(slash - p));
}

static const char *real_path(AslArena *a, const char *p) {
  char buf[4096];
  return realpath(p, buf) ? asl_arena_strdup(a, buf) : NULL;
}

/* Reads the whole (small) file at `path` into `a`, NUL-terminated; NULL
 * if unreadable or over 1 MB. */
static char *slurp(AslArena *a, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = asl_arena_alloc(a, (1u << 20) + 1);
  size_t n = fread(buf, 1, 1u << 20, f);
  bool too_big = fgetc(f) != EOF;
  fclose(f);
  if (too_big) return NULL;
  buf[n] = 0;
  return buf;
}

/* `s` without blanks (and a trailing \r) at either end, in place. */
static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
    s[--n] = 0;
  return s;
}

/* ---- pyvenv.cfg ------------------------------------------------------ */

/* Reads prefix/pyvenv.cfg: `home` (the base interpreter's folder) into
 * *home, the version and include-system-site-packages into env. False if
 * there is no such file. */
static bool read_pyvenv(AslArena *a, const char *prefix, AslEnv *env,
                        const char **home) {
  char *text = slurp(a, join(a, prefix, "pyvenv.cfg"));
  *home = NULL;
  if (!text) return false;
  for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = 0;
    char *key = trim(line), *value = trim(eq + 1);
    if (!strcmp(key, "home")) {
      *home = asl_arena_strdup(a, value);
    } else if (!strcmp(key, "include-system-site-packages")) {
      env->system_site = !strcmp(value, "true");
    } else if ((!strcmp(key, "version") || !strcmp(key, "version_info")) &&
               !env->version) {
      // "3.11.2" -> "3.11"
      const char *dot = strchr(value, '.');
      const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;
      env->version = dot2 ? asl_arena_strndup(a, value, (size_t)(dot2 - value))
                          : asl_arena_strdup(a, value);
    }
  }
  return true;
}

/* ---- site-packages ---------------------------------------------------- */

static void add_dir(AslArena *a, AslEnv *env, const char *dir) {
  const char *real = is_dir(dir) ? real_path(a, dir) : NULL;
  if (!real) return;
  for (uint32_t i = 0; i < env->search.len; i++)
    if (!strcmp(env->search.items[i], real)) return;
  asl_avec_push(a, &env->search, real);
}

static int cmp_cstr(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The names in folder `dir` that start with `prefix` and end with
 * `suffix`, sorted (Python reads .pth files in that order). */
static void names_in(AslArena *a, const char *dir, const char *prefix,
                     const char *suffix, AslStrVec *out) {
  out->len = 0;
  DIR *d = opendir(dir);
  if (!d) return;
  size_t np = strlen(prefix), ns = strlen(suffix);
  for (struct dirent *e; (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (n >= np + ns && !strncmp(e->d_name, prefix, np) &&
        !strcmp(e->d_name + n - ns, suffix))
      asl_avec_push(a, out, asl_arena_strdup(a, e->d_name));
  }
  closedir(d);
  if (out->len) qsort(out->items, out->len, sizeof *out->items, cmp_cstr);
}

/* `prefix`/lib/pythonX.Y/site-packages for the environment's version, or
 * for every python3.* folder there when the version is not known; and
 * Windows' Lib/site-packages. */
static void add_site_packages(AslArena *a, AslEnv *env, const char *prefix,
                              const char *leaf) {
  const char *lib = join(a, prefix, "lib");
  if (env->version) {
    add_dir(a, env, asl_arena_printf(a, "%s/python%s/%s", lib, env->version,
                                     leaf));
  } else {
    AslStrVec vers = {0};
    names_in(a, lib, "python3", "", &vers);
    for (uint32_t i = 0; i < vers.len; i++)
      add_dir(a, env, asl_arena_printf(a, "%s/%s/%s", lib, vers.items[i],
                                       leaf));
  }
  add_dir(a, env, join(a, prefix, "Lib/site-packages"));
}

/* A base interpreter's own folders (include-system-site-packages, or an
 * interpreter outside any virtual environment): its site-packages, and
 * Debian's dist-packages. */
static void add_system_site(AslArena *a, AslEnv *env, const char *base) {
  add_site_packages(a, env, base, "site-packages");
  add_site_packages(a, env, join(a, base, "local"), "dist-packages");
  add_dir(a, env, join(a, base, "lib/python3/dist-packages"));
}

/* An editable finder's MAPPING ({'pkg': '/path/to/pkg', ...}), read as
 * text: every pair of quoted strings inside the braces after `MAPPING`. */
static void read_finder(AslArena *a, AslEnv *env, const char *path) {
  char *text = slurp(a, path);
  char *m = text ? strstr(text, "MAPPING") : NULL;
  char *open = m ? strchr(m, '{') : NULL;
  char *close = open ? strchr(open, '}') : NULL;
  if (!close) return;
  const char *strs[2];
  int k = 0;
  for (char *p = open; p < close; p++) {
    if (*p != '\'' && *p != '"') continue;
    char q = *p;
    char *end = memchr(p + 1, q, (size_t)(close - p - 1));
    if (!end) return;
    strs[k++] = asl_arena_strndup(a, p + 1, (size_t)(end - p - 1));
    p = end;
    if (k == 2) {
      if (is_dir(strs[1]) && !strchr(strs[0], '.')) {
        AslEnvPackage pkg = {strs[0], real_path(a, strs[1])};
        if (pkg.dir) asl_avec_push(a, &env->packages, pkg);
      }
      k = 0;
    }
  }
}

/* One line of a .pth file in `site`: a path (relative to site) is added
 * when it is a folder; `import` lines run code in Python and are never
 * executed here, but an editable finder they name is read. */
static void read_pth_line(AslArena *a, AslEnv *env, const char *site,
                          char *line) {
  line = trim(line);
  if (!*line || *line == '#') return;
  if (!strncmp(line, "import ", 7) || !strncmp(line, "import\t", 7)) {
    char *name = trim(line + 7);
    size_t n = strcspn(name, " \t;,");
    if (n > 9 && !strncmp(name, "__editable", 10))
      read_finder(a, env, asl_arena_printf(a, "%s/%.*s.py", site, (int)n,
                                           name));
    return;
  }
  add_dir(a, env, line[0] == '/' ? line : join(a, site, line));
}

/* The .pth files of every site folder found so far, in order; the
 * folders they add are read too (Python does the same for site folders
 * only: added paths' own .pth files are not read). */
static void read_pth_files(AslArena *a, AslEnv *env) {
  uint32_t nsites = env->search.len;
  AslStrVec pths = {0};
  for (uint32_t s = 0; s < nsites; s++) {
    const char *site = env->search.items[s];
    names_in(a, site, "", ".pth", &pths);
    for (uint32_t i = 0; i < pths.len; i++) {
      char *text = slurp(a, join(a, site, pths.items[i]));
      if (!text) continue;
      for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
           line = strtok_r(NULL, "\n", &save))
        read_pth_line(a, env, site, line);
    }
  }
}

/* ---- finding it -------------------------------------------------------- */

/* Is folder `prefix` a Python environment (a venv, or an installation
 * with a site-packages or dist-packages folder)? */
static bool looks_like_env(AslArena *a, const char *prefix) {
  if (is_file(join(a, prefix, "pyvenv.cfg"))) return true;
  AslStrVec vers = {0};
  names_in(a, join(a, prefix, "lib"), "python3", "", &vers);
  return vers.len > 0 || is_dir(join(a, prefix, "Lib/site-packages"));
}

/* Reads the environment at `prefix` into env. */
static void read_env(AslArena *a, const char *prefix, AslEnv *env) {
  env->prefix = real_path(a, prefix);
  if (!env->prefix) env->prefix = prefix;
  const char *home = NULL;
  bool venv = read_pyvenv(a, env->prefix, env, &home);
  if (venv) {
    add_site_packages(a, env, env->prefix, "site-packages");
    if (env->system_site && home) add_system_site(a, env, parent_dir(a, home));
  } else {
    add_system_site(a, env, env->prefix);
  }
  read_pth_files(a, env);
}

/* For an interpreter path ".../bin/python3.11": the environment folder
 * above bin (or Scripts), and the version its name gives. */
static const char *interpreter_prefix(AslArena *a, const char *path,
                                      AslEnv *env) {
  const char *real = real_path(a, path);
  // A venv's bin/python is a symlink to the base interpreter: the
  // environment is where the link sits, not where it points.
  const char *dir = parent_dir(a, path);
  const char *base = strrchr(dir, '/');
  base = base ? base + 1 : dir;
  if (strcmp(base, "bin") && strcmp(base, "Scripts")) return NULL;
  const char *name = strrchr(real ? real : path, '/');
  name = name ? name + 1 : path;
  if (!strncmp(name, "python3.", 8) && name[8] >= '0' && name[8] <= '9')
    env->version = asl_arena_printf(a, "3.%d", atoi(name + 8));
  return parent_dir(a, dir);
}

AslStatus asl_env_find(AslArena *a, const char *asked, const char *origin,
                       const char *base, const char *project_root,
                       AslEnv *env, const char **error) {
  memset(env, 0, sizeof *env);
  *error = NULL;
  if (asked) {
    const char *path = asked[0] == '/' || !base ? asked : join(a, base, asked);
    struct stat st;
    if (stat(path, &st) != 0) {
      *error = asl_arena_printf(a, "%s: '%s' does not exist", origin, asked);
      return ASL_EUSAGE;
    }
    const char *prefix = S_ISDIR(st.st_mode)
                             ? path
                             : interpreter_prefix(a, path, env);
    if (!prefix || !looks_like_env(a, prefix)) {
      *error = asl_arena_printf(
          a, "%s: '%s' is neither a Python interpreter in an environment's "
             "bin folder nor an environment folder (no pyvenv.cfg, no "
             "lib/python3.X)", origin, asked);
      return ASL_EUSAGE;
    }
    env->origin = origin;
    read_env(a, prefix, env);
    return ASL_OK;
  }
  const char *venv = getenv("VIRTUAL_ENV");
  if (venv && *venv && is_dir(venv) && looks_like_env(a, venv)) {
    env->origin = "VIRTUAL_ENV";
    read_env(a, venv, env);
    return ASL_OK;
  }
  static const char *const local[] = {".venv", "venv"};
  for (int k = 0; project_root && k < 2; k++) {
    const char *p = join(a, project_root, local[k]);
    if (is_file(join(a, p, "pyvenv.cfg"))) {
      env->origin = local[k];
      read_env(a, p, env);
      return ASL_OK;
    }
  }
  return ASL_OK;
}

void asl_env_print(const AslEnv *env, FILE *to) {
  if (!env || !env->prefix) {
    fputs("asynclint: Python environment: none (no --python, VIRTUAL_ENV, "
          ".venv or venv)\n", to);
    return;
  }
  fprintf(to, "asynclint: Python environment: %s (from %s; Python %s%s)\n",
          env->prefix, env->origin, env->version ? env->version : "?",
          env->system_site ? "; with the system site-packages" : "");
  for (uint32_t i = 0; i < env->search.len; i++)
    fprintf(to, "asynclint:   search path: %s\n", env->search.items[i]);
  for (uint32_t i = 0; i < env->packages.len; i++)
    fprintf(to, "asynclint:   editable: %s -> %s\n", env->packages.items[i].name,
            env->packages.items[i].dir);
}

/* ---- modules ------------------------------------------------------------- */

/* The file of module parts[1..] under package folder `dir`: a stub
 * before the source, a package's __init__ before nothing. */
static const char *file_under(AslArena *a, const char *dir, const char *rest,
                              size_t n, bool *is_package) {
  const char *base =
      n ? asl_arena_printf(a, "%s/%.*s", dir, (int)n, rest) : dir;
  char *p = (char *)base;
  for (size_t i = strlen(dir) + 1; n && p[i]; i++)
    if (p[i] == '.') p[i] = '/';
  static const char *const package[] = {"__init__.pyi", "__init__.py"};
  if (is_dir(base))
    for (int k = 0; k < 2; k++) {
      const char *f = join(a, base, package[k]);
      if (is_file(f)) {
        *is_package = true;
        return f;
      }
    }
  if (!n) return NULL;
  *is_package = false;
  const char *pyi = asl_arena_printf(a, "%s.pyi", base);
  if (is_file(pyi)) return pyi;
  const char *py = asl_arena_printf(a, "%s.py", base);
  return is_file(py) ? py : NULL;
}

const char *asl_env_module_file(AslArena *a, const AslEnv *env,
                                const char *dotted, size_t n,
                                bool *is_package) {
  if (!env || !env->prefix || !n) return NULL;
  size_t top = 0;
  while (top < n && dotted[top] != '.') top++;
  const char *rest = top < n ? dotted + top + 1 : "";
  size_t nrest = top < n ? n - top - 1 : 0;
  // PEP 561: a NAME-stubs package anywhere wins over the package itself.
  for (uint32_t i = 0; i < env->search.len; i++) {
    const char *dir = asl_arena_printf(a, "%s/%.*s-stubs",
                                       env->search.items[i], (int)top, dotted);
    if (!is_dir(dir)) continue;
    const char *f = file_under(a, dir, rest, nrest, is_package);
    if (f) return f;
  }
  for (uint32_t i = 0; i < env->packages.len; i++) {
    const AslEnvPackage *p = &env->packages.items[i];
    if (strlen(p->name) == top && !strncmp(p->name, dotted, top)) {
      const char *f = file_under(a, p->dir, rest, nrest, is_package);
      if (f) return f;
    }
  }
  for (uint32_t i = 0; i < env->search.len; i++) {
    const char *f = file_under(
        a, env->search.items[i], dotted, n, is_package);
    if (f) return f;
  }
  return NULL;
}

void asl_env_top_names(AslArena *a, const AslEnv *env, AslStrVec *out) {
  AslStrVec names = {0};
  for (uint32_t i = 0; env && i < env->search.len; i++) {
    names_in(a, env->search.items[i], "", "", &names);
    for (uint32_t k = 0; k < names.len; k++) {
      const char *n = names.items[k];
      if (n[0] == '.' || !strncmp(n, "__", 2)) continue;
      size_t word = strcspn(n, ".-");
      const char *rest = n + word; // "", "-stubs", ".py", ".pyi"
      if (!word || (*rest && strcmp(rest, "-stubs") && strcmp(rest, ".py") &&
                    strcmp(rest, ".pyi")))
        continue;
      asl_avec_push(a, out, asl_arena_strndup(a, n, word));
    }
  }
  for (uint32_t i = 0; env && i < env->packages.len; i++)
    asl_avec_push(a, out, env->packages.items[i].name);
}
