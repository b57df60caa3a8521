/*
 * cli.c - the command line: `check`, `rules`, `explain`, `--version`, and
 * the developer commands (`--check-fixture`, `debug tree`). Exit codes are
 * ruff's: 0 clean, 1 findings, 2 usage error or unreadable input.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>
#include <unistd.h>

#include "fixture.h"
#include "../analyzer/config.h"
#include "../analyzer/diag.h"
#include "../analyzer/env.h"
#include "../analyzer/fix.h"
#include "../analyzer/run.h"
#include "../analyzer/session.h"
#include "../rules/default.h"
#include "../runtime/rt.h"

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_ERROR = 2 };

static const char usage_text[] =
    "asynclint - find asyncio misuse in Python source trees\n"
    "\n"
    "Usage:\n"
    "  asynclint check [OPTIONS] [PATH ...]   check files and directories\n"
    "  asynclint rules                        list every rule\n"
    "  asynclint explain CODE                 explain one rule\n"
    "  asynclint run FILE.py                  run it on a virtual-time loop\n"
    "  asynclint trace FILE.py                its timeline: one lane per task\n"
    "  asynclint server [OPTIONS]             a language server for editors\n"
    "                                         (LSP on stdin/stdout)\n"
    "  asynclint --version\n"
    "\n"
    "Options of check:\n"
    "  --select CODES         only these codes or prefixes (comma-separated)\n"
    "  --extend-select CODES  add codes or prefixes to the selection\n"
    "  --ignore CODES         drop codes or prefixes from the selection\n"
    "  --exclude GLOB         exclude paths (replaces the default excludes)\n"
    "  --extend-exclude GLOB  exclude paths in addition to the defaults\n"
    "  --no-respect-gitignore do not read .gitignore files\n"
    "  --format FORMAT        text (default), full, json, json-lines, sarif,\n"
    "                         github, gitlab, junit, pylint\n"
    "  --statistics           print counts per rule instead of findings\n"
    "  --output-file PATH     write the output to PATH instead of stdout\n"
    "  --stdin-filename NAME  report the source read from `-` under NAME\n"
    "  --config PATH          read settings from PATH (pyproject.toml or\n"
    "                         asynclint.toml) instead of searching for it\n"
    "  --isolated             ignore every configuration file\n"
    "  --threads N            read and check files on N threads (default:\n"
    "                         ASYNCLINT_THREADS, else every core); the\n"
    "                         output is the same for any N\n"
    "  --color WHEN           auto (default: on a terminal, unless NO_COLOR\n"
    "                         is set), always, never\n"
    "  --known-coroutine NAME also treat NAME (dotted, e.g. aiohttp.request)\n"
    "                         as a coroutine function (repeatable)\n"
    "  --preserving-decorator NAME\n"
    "                         NAME keeps a decorated coroutine function one\n"
    "                         (repeatable)\n"
    "  --blocking-call 'GLOB=SUGGESTION'\n"
    "                         report calls of dotted names matching GLOB in\n"
    "                         async functions (ASL200; repeatable)\n"
    "  --loop-callback-decorator NAME\n"
    "                         a sync def decorated with NAME runs on the\n"
    "                         event loop (Home Assistant's\n"
    "                         homeassistant.core.callback): ASL2xx applies\n"
    "                         inside it (repeatable)\n"
    "  --allow-blocking GLOB  never report these dotted names as blocking\n"
    "                         (ASL2xx; repeatable)\n"
    "  --test-paths GLOBS     what is test code (replaces the defaults:\n"
    "                         tests/, test/, testing/, test_*.py, *_test.py,\n"
    "                         conftest.py, benchmarks/, bench/)\n"
    "  --test-select CODES    also report these codes in test code\n"
    "  --test-ignore CODES    do not report these codes in test code\n"
    "  --python PATH          the project's Python environment: an\n"
    "                         interpreter or a virtual environment folder\n"
    "                         (default: VIRTUAL_ENV, else .venv or venv at\n"
    "                         the project root); its installed libraries\n"
    "                         answer lookups the project cannot\n"
    "  --follow-library NAME  ASL210 follows calls into the environment's\n"
    "                         package NAME (top-level; repeatable): a sync\n"
    "                         library function that blocks is reported\n"
    "                         with the chain into the library\n"
    "";

/* The options about fixes (a second literal: C11 promises 4095 bytes). */
static const char usage_fix_text[] =
    "  --fix                  apply the safe fixes (in place), then report\n"
    "                         what is left\n"
    "  --unsafe-fixes         also apply (and mark with [*]) unsafe fixes\n"
    "  --diff                 print the fixes as a unified diff, change\n"
    "                         nothing (exit 1 if there would be changes)\n"
    "  --fix-only             apply the fixes, report nothing else\n"
    "  --show-fixes           list the fixes applied, by rule\n"
    "  --no-prefilter         parse every file, even those that cannot hold a\n"
    "                         finding (same findings, slower; for checking)\n"
    "  -v, --verbose          also print how many files were read, parsed\n"
    "                         and skipped (on stderr)\n"
    "  --exit-zero            exit 0 even when there are findings\n"
    "  -q, --quiet            print findings only, no summary or warnings\n"
    "\n"
    "Exit status: 0 no findings, 1 findings, 2 usage error or a path that\n"
    "could not be read.\n";

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "asynclint: error: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nRun 'asynclint --help' for usage.\n");
  return EXIT_ERROR;
}

/* Applies a comma-separated selector list; false on an unknown selector. */
static bool apply_list(bool sel[ASL_RULE__COUNT], const char *list, bool value,
                       const char **bad) {
  char *copy = asl_strdup(list);
  bool ok = true;
  if (!*list) {
    *bad = "";
    ok = false;
  }
  for (char *save = NULL, *tok = strtok_r(copy, ", ", &save); tok;
       tok = strtok_r(NULL, ", ", &save)) {
    if (!asl_apply_selectors(sel, tok, value)) {
      static char badbuf[64];
      snprintf(badbuf, sizeof badbuf, "%s", tok);
      *bad = badbuf;
      ok = false;
      break;
    }
  }
  asl_free(copy);
  return ok;
}

/* Splits comma-separated globs into the vector (strings leak into argv's
 * lifetime by design: they live as long as the process). */
static void push_globs(AslArena *a, AslStrVec *v, const char *list) {
  const char *p = list;
  while (*p) {
    const char *q = strchr(p, ',');
    size_t n = q ? (size_t)(q - p) : strlen(p);
    if (n) asl_avec_push(a, v, (const char *)asl_arena_strndup(a, p, n));
    if (!q) break;
    p = q + 1;
  }
}

/* Returns the value of `--name VALUE` or `--name=VALUE` at argv[*i]. */
static const char *opt_value(int argc, char **argv, int *i, const char *name,
                             bool *matched) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  *matched = false;
  if (strncmp(a, name, n) != 0) return NULL;
  if (a[n] == '=') {
    *matched = true;
    return a + n + 1;
  }
  if (a[n] != 0) return NULL;
  *matched = true;
  if (*i + 1 >= argc) return NULL;
  return argv[++*i];
}

/* A thread count from 1 to 256; false if `v` is not one. */
static bool parse_threads(const char *v, uint32_t *out) {
  char *end;
  long n = strtol(v, &end, 10);
  if (*v == 0 || *end != 0 || n < 1 || n > 256) return false;
  *out = (uint32_t)n;
  return true;
}

/* --threads, else ASYNCLINT_THREADS, else every online core. */
static int resolve_threads(AslOptions *opt) {
  if (opt->threads) return -1;
  const char *env = getenv("ASYNCLINT_THREADS");
  if (env && *env) {
    if (!parse_threads(env, &opt->threads))
      return usage_error("ASYNCLINT_THREADS must be a number from 1 to 256, "
                         "not '%s'", env);
    return -1;
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  opt->threads = cores < 1 ? 1 : cores > 256 ? 256 : (uint32_t)cores;
  return -1;
}

typedef struct CheckArgs {
  AslOptions opt;
  AslArena arena;
  AslStrVec paths;
  const char *select, *ignore;
  AslStrVec extend_select;
  AslStrVec test_select, test_ignore; /* --test-select, --test-ignore */
  const char *output_file; /* --output-file, NULL: stdout */
  const char *color;       /* auto (NULL), always, never */
  const char *stdin_filename; /* the name `-` is reported under */
  const char *config_path;    /* --config */
  bool isolated;              /* --isolated: no configuration file */
  bool gitignore_given;       /* --[no-]respect-gitignore on the command line */
  const char *python;         /* --python */
  bool fix, diff, fix_only, show_fixes; /* --fix, --diff, --fix-only,
                                           --show-fixes */
  bool unsafe_given;          /* --[no-]unsafe-fixes on the command line */
  AslEnv env;                 /* the Python environment found (env.h) */
  AslConfig config;           /* the file's settings (found == false: none) */
} CheckArgs;

static int parse_check_args(int argc, char **argv, CheckArgs *ca) {
  static const char *const list_opts[] = {
      "--select", "--ignore", "--extend-select", "--exclude",
      "--extend-exclude", "--format", "--known-coroutine",
      "--preserving-decorator", "--blocking-call", "--allow-blocking",
      "--output-file", "--color", "--stdin-filename", "--config",
      "--threads", "--test-paths", "--test-select", "--test-ignore",
      "--loop-callback-decorator", "--python", "--follow-library", NULL};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      for (i++; i < argc; i++) asl_avec_push(&ca->arena, &ca->paths, argv[i]);
      break;
    }
    if (a[0] != '-' || strcmp(a, "-") == 0) {
      asl_avec_push(&ca->arena, &ca->paths, a);
      continue;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(usage_text, stdout);
      fputs(usage_fix_text, stdout);
      return EXIT_CLEAN;
    }
    if (!strcmp(a, "--exit-zero")) { ca->opt.exit_zero = true; continue; }
    if (!strcmp(a, "--statistics")) { ca->opt.statistics = true; continue; }
    if (!strcmp(a, "--no-prefilter")) { ca->opt.no_prefilter = true; continue; }
    if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      ca->opt.verbose = true;
      continue;
    }
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      ca->opt.quiet = true;
      continue;
    }
    if (!strcmp(a, "--no-respect-gitignore")) {
      ca->opt.respect_gitignore = false;
      ca->gitignore_given = true;
      continue;
    }
    if (!strcmp(a, "--respect-gitignore")) {
      ca->opt.respect_gitignore = true;
      ca->gitignore_given = true;
      continue;
    }
    if (!strcmp(a, "--isolated")) { ca->isolated = true; continue; }
    if (!strcmp(a, "--fix")) { ca->fix = true; continue; }
    if (!strcmp(a, "--no-fix")) { ca->fix = false; continue; }
    if (!strcmp(a, "--fix-only")) { ca->fix = ca->fix_only = true; continue; }
    if (!strcmp(a, "--diff")) { ca->diff = true; continue; }
    if (!strcmp(a, "--show-fixes")) { ca->show_fixes = true; continue; }
    if (!strcmp(a, "--unsafe-fixes") || !strcmp(a, "--no-unsafe-fixes")) {
      ca->opt.unsafe_fixes = a[2] == 'u';
      ca->unsafe_given = true;
      continue;
    }
    bool matched = false;
    const char *v = NULL;
    int which = -1;
    for (int k = 0; list_opts[k] && !matched; k++) {
      v = opt_value(argc, argv, &i, list_opts[k], &matched);
      which = k;
    }
    if (!matched) return usage_error("unknown option '%s'", a);
    if (!v) return usage_error("option '%s' needs a value", a);
    switch (which) {
    case 0: ca->select = v; break;
    case 1: ca->ignore = v; break;
    case 2: asl_avec_push(&ca->arena, &ca->extend_select, v); break;
    case 3:
      ca->opt.exclude_given = true;
      push_globs(&ca->arena, &ca->opt.exclude, v);
      break;
    case 4: push_globs(&ca->arena, &ca->opt.extend_exclude, v); break;
    case 5:
      if (!asl_format_parse(v, &ca->opt.format))
        return usage_error("unknown format '%s' (text, full, json, "
                           "json-lines, sarif, github, gitlab, junit, pylint)",
                           v);
      break;
    case 6: push_globs(&ca->arena, &ca->opt.known_coroutines, v); break;
    case 7:
      push_globs(&ca->arena, &ca->opt.preserving_decorators, v);
      break;
    case 8: // "GLOB=SUGGESTION": the suggestion may hold commas
      asl_avec_push(&ca->arena, &ca->opt.blocking_calls, v);
      break;
    case 9: push_globs(&ca->arena, &ca->opt.allow_blocking, v); break;
    case 10: ca->output_file = v; break;
    case 12: ca->stdin_filename = v; break;
    case 13: ca->config_path = v; break;
    case 14:
      if (!parse_threads(v, &ca->opt.threads))
        return usage_error("--threads takes a number from 1 to 256, not '%s'",
                           v);
      break;
    case 15:
      ca->opt.test_paths_given = true;
      push_globs(&ca->arena, &ca->opt.test_paths, v);
      break;
    case 16: asl_avec_push(&ca->arena, &ca->test_select, v); break;
    case 17: asl_avec_push(&ca->arena, &ca->test_ignore, v); break;
    case 18:
      push_globs(&ca->arena, &ca->opt.loop_callback_decorators, v);
      break;
    case 19: ca->python = v; break;
    case 20: push_globs(&ca->arena, &ca->opt.follow_libraries, v); break;
    case 11:
      if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never"))
        return usage_error("--color takes auto, always or never, not '%s'",
                           v);
      ca->color = v;
      break;
    }
  }
  return -1;
}

/* Applies every selector of `v` with `value`; false on an unknown one. */
static bool apply_all(bool *sel, const AslStrVec *v, bool value,
                      const char **bad) {
  for (uint32_t i = 0; i < v->len; i++)
    if (!apply_list(sel, v->items[i], value, bad)) return false;
  return true;
}

/* The configuration file's selection first (select replaces the defaults,
 * extend-select adds, ignore removes), then the command line's in the same
 * order: a flag always has the last word. */
static int resolve_selection(CheckArgs *ca) {
  const char *bad = NULL;
  bool *sel = ca->opt.selected;
  const AslConfig *c = &ca->config;
  asl_select_defaults(sel);
  if (c->has_select) {
    memset(sel, 0, sizeof(bool) * ASL_RULE__COUNT);
    apply_all(sel, &c->select, true, &bad); // checked when it was read
  }
  apply_all(sel, &c->extend_select, true, &bad);
  apply_all(sel, &c->ignore, false, &bad);
  if (ca->select) {
    memset(sel, 0, sizeof(bool) * ASL_RULE__COUNT);
    if (!apply_list(sel, ca->select, true, &bad))
      return usage_error("unknown rule selector '%s'", bad);
  }
  if (!apply_all(sel, &ca->extend_select, true, &bad))
    return usage_error("unknown rule selector '%s'", bad);
  if (ca->ignore && !apply_list(sel, ca->ignore, false, &bad))
    return usage_error("unknown rule selector '%s'", bad);
  // In test code: the registry's defaults, then the file's test-select and
  // test-ignore, then the flags'.
  bool *tsel = ca->opt.test_selected;
  asl_select_test_defaults(tsel);
  apply_all(tsel, &c->test_select, true, &bad);
  apply_all(tsel, &c->test_ignore, false, &bad);
  if (!apply_all(tsel, &ca->test_select, true, &bad) ||
      !apply_all(tsel, &ca->test_ignore, false, &bad))
    return usage_error("unknown rule selector '%s'", bad);
  // Fixes: every rule's apply unless `fixable` narrows or `unfixable`
  // removes them (ruff's keys).
  bool *fix = ca->opt.fixable;
  for (int r = 0; r < ASL_RULE__COUNT; r++) fix[r] = true;
  if (c->has_fixable) {
    memset(fix, 0, sizeof(bool) * ASL_RULE__COUNT);
    apply_all(fix, &c->fixable, true, &bad);
  }
  apply_all(fix, &c->unfixable, false, &bad);
  if (c->has_unsafe_fixes && !ca->unsafe_given)
    ca->opt.unsafe_fixes = c->unsafe_fixes;
  return -1;
}

/* Appends every string of `from` to `to` (arena-backed). */
static void append_strs(AslArena *a, AslStrVec *to, const AslStrVec *from) {
  for (uint32_t i = 0; i < from->len; i++)
    asl_avec_push(a, to, from->items[i]);
}

/* The directory of `name` (a file that may not exist), "." if none. */
static const char *stdin_dir(AslArena *a, const char *name) {
  const char *slash = strrchr(name, '/');
  if (!slash) return ".";
  if (slash == name) return "/";
  return asl_arena_strndup(a, name, (size_t)(slash - name));
}

/* Finds and reads the configuration file, then merges it under the flags:
 * --exclude replaces the file's exclude, list settings add up, the file's
 * respect-gitignore yields to the flag. Returns an exit code, or -1. */
static int load_config(CheckArgs *ca) {
  if (ca->isolated) return -1;
  const char *path = ca->config_path;
  if (!path) {
    // From the first path; for stdin, from where its name says it lives.
    const char *start = ".";
    if (ca->paths.len && strcmp(ca->paths.items[0], "-"))
      start = ca->paths.items[0];
    else if (ca->stdin_filename)
      start = stdin_dir(&ca->arena, ca->stdin_filename);
    path = asl_config_find(&ca->arena, start);
  }
  if (!path) return -1;
  const char *error = NULL;
  if (asl_config_load(&ca->arena, path, &ca->config, &error) != ASL_OK) {
    fprintf(stderr, "asynclint: error: %s\n", error);
    return EXIT_ERROR;
  }
  AslConfig *c = &ca->config;
  AslOptions *o = &ca->opt;
  if (c->has_exclude && !o->exclude_given) {
    o->exclude_given = true;
    append_strs(&ca->arena, &o->exclude, &c->exclude);
  }
  append_strs(&ca->arena, &o->extend_exclude, &c->extend_exclude);
  append_strs(&ca->arena, &o->known_coroutines, &c->known_coroutines);
  append_strs(&ca->arena, &o->preserving_decorators,
              &c->preserving_decorators);
  append_strs(&ca->arena, &o->blocking_calls, &c->blocking_calls);
  append_strs(&ca->arena, &o->allow_blocking, &c->allowed_blocking);
  append_strs(&ca->arena, &o->loop_callback_decorators,
              &c->loop_callback_decorators);
  append_strs(&ca->arena, &o->follow_libraries, &c->follow_libraries);
  if (c->has_test_paths && !o->test_paths_given) {
    o->test_paths_given = true;
    append_strs(&ca->arena, &o->test_paths, &c->test_paths);
  }
  if (c->has_respect_gitignore && !ca->gitignore_given)
    o->respect_gitignore = c->respect_gitignore;
  return -1;
}

/* Reads all of stdin into a heap buffer. */
static char *read_stdin(size_t *len) {
  AslBuf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
    asl_buf_put(&b, chunk, n);
    if (b.len > ASL_MAX_FILE_BYTES) break;
  }
  *len = b.len;
  if (!b.data) asl_buf_put(&b, "", 0);
  return b.data;
}

/* The human summary after text/full output (ruff's closing line). */
static void put_summary(const AslOptions *opt, const AslRun *run,
                        AslBuf *out) {
  if (opt->quiet || opt->statistics ||
      (opt->format != ASL_FMT_TEXT && opt->format != ASL_FMT_FULL))
    return;
  if (run->nerrors)
    asl_buf_printf(out, "Found %u finding%s; %u path%s could not be read.\n",
                   run->diags.len, run->diags.len == 1 ? "" : "s",
                   run->nerrors, run->nerrors == 1 ? "" : "s");
  else if (run->diags.len == 0)
    asl_buf_puts(out, "All checks passed!\n");
  else
    asl_buf_printf(out, "Found %u finding%s.\n", run->diags.len,
                   run->diags.len == 1 ? "" : "s");
}

/* Colors only on a terminal unless asked (`--color`), never with NO_COLOR
 * set in auto mode (no-color.org), never into a file. */
static bool want_color(const CheckArgs *ca) {
  if (ca->color && !strcmp(ca->color, "always")) return true;
  if (ca->color && !strcmp(ca->color, "never")) return false;
  const char *no_color = getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return !ca->output_file && isatty(STDOUT_FILENO);
}

/* Writes the rendered output to --output-file or stdout; false on error. */
static bool write_output(const CheckArgs *ca, const AslBuf *out) {
  if (!ca->output_file) {
    if (out->len) fwrite(out->data, 1, out->len, stdout);
    return fflush(stdout) == 0;
  }
  FILE *f = fopen(ca->output_file, "wb");
  if (!f) {
    fprintf(stderr, "asynclint: error: %s: %s\n", ca->output_file,
            strerror(errno));
    return false;
  }
  bool ok = fwrite(out->data ? out->data : "", 1, out->len, f) == out->len;
  ok = (fclose(f) == 0) && ok;
  if (!ok)
    fprintf(stderr, "asynclint: error: %s: could not write\n",
            ca->output_file);
  return ok;
}

/* The project root the environment is looked for in: that of the first
 * path (for stdin, of where its name says it lives). */
static const char *env_project_root(CheckArgs *ca) {
  const char *start = ".";
  if (strcmp(ca->paths.items[0], "-")) start = ca->paths.items[0];
  else if (ca->stdin_filename) start = stdin_dir(&ca->arena, ca->stdin_filename);
  AslLayout *l = asl_layout_new();
  const char *root = asl_layout_root(l, asl_layout_project(l, start));
  root = root ? asl_arena_strdup(&ca->arena, root) : NULL;
  asl_layout_delete(l);
  return root;
}

/* Finds the Python environment (--python, else the configuration's
 * `python`, relative to its file, else VIRTUAL_ENV, .venv, venv).
 * Returns an exit code, or -1. */
static int find_env(CheckArgs *ca) {
  const char *asked = ca->python, *origin = "--python", *base = NULL;
  if (!asked && ca->config.python) {
    asked = ca->config.python;
    origin = asl_arena_printf(&ca->arena, "python (%s)", ca->config.path);
    base = stdin_dir(&ca->arena, ca->config.path);
  }
  const char *error = NULL;
  if (asl_env_find(&ca->arena, asked, origin, base, env_project_root(ca),
                   &ca->env, &error) != ASL_OK) {
    fprintf(stderr, "asynclint: error: %s\n", error);
    return EXIT_ERROR;
  }
  if (ca->opt.verbose) asl_env_print(&ca->env, stderr);
  if (ca->env.prefix) ca->opt.env = &ca->env;
  return -1;
}

/* One check of ca's paths into `run` (stdin's text set in the session
 * under "-", if read). */
static void check_once(CheckArgs *ca, AslSession *session, AslRun *run) {
  AslStrVec paths = {0};
  for (uint32_t i = 0; i < ca->paths.len; i++) {
    // Excludes apply to stdin by its name, as for a walked file (an editor
    // checking an excluded file on save gets nothing).
    if (strcmp(ca->paths.items[i], "-") == 0 && ca->stdin_filename &&
        asl_path_excluded(&ca->opt, asl_session_display(session, &ca->arena,
                                                        "-")))
      continue;
    asl_vec_push(&paths, ca->paths.items[i]);
  }
  asl_session_check(session, run, paths.items, paths.len);
  asl_vec_free(&paths);
}

/* Fix passes: check, apply the fixes that do not overlap, again until a
 * pass fixes nothing (at most MAX_FIX_PASSES); --diff stops after one,
 * writing nothing. The final check then reports what is left. */
enum { MAX_FIX_PASSES = 10 };

static void fix_passes(CheckArgs *ca, AslSession *session, AslBuf *diff,
                       AslFixStats *fixed) {
  for (int pass = 0; pass < MAX_FIX_PASSES; pass++) {
    AslRun run;
    check_once(ca, session, &run);
    uint32_t before = fixed->fixed;
    asl_fix_apply(&ca->opt, asl_session_parser(session), &run.diags,
                  !ca->diff, diff, fixed);
    asl_run_destroy(&run);
    if (ca->diff || fixed->fixed == before || fixed->errors) break;
  }
}

/* --diff: the unified diff (or nothing), then a count on stderr. */
static bool write_diff(const CheckArgs *ca, const AslBuf *diff,
                       const AslFixStats *fixed) {
  bool ok = write_output(ca, diff);
  if (!ca->opt.quiet)
    fprintf(stderr, "Would fix %u finding%s in %u file%s.\n", fixed->fixed,
            fixed->fixed == 1 ? "" : "s", fixed->files,
            fixed->files == 1 ? "" : "s");
  return ok;
}

/* --show-fixes: the fixes applied, by rule. */
static void put_fixes(const AslFixStats *fixed, AslBuf *out) {
  if (!fixed->fixed) return;
  asl_buf_printf(out, "Fixed %u finding%s:\n", fixed->fixed,
                 fixed->fixed == 1 ? "" : "s");
  for (int r = 0; r < ASL_RULE__COUNT; r++)
    if (fixed->per_rule[r])
      asl_buf_printf(out, "  %u x %s (%s)\n", fixed->per_rule[r],
                     asl_rules[r].code, asl_rules[r].name);
}

/* After --fix: what was fixed and what is left (ruff's line). */
static void put_fix_summary(const AslOptions *opt, const AslRun *run,
                            const AslFixStats *fixed, AslBuf *out) {
  if (opt->quiet || opt->statistics ||
      (opt->format != ASL_FMT_TEXT && opt->format != ASL_FMT_FULL))
    return;
  uint32_t left = run->diags.len, fixable = 0;
  for (uint32_t i = 0; i < left; i++)
    fixable += asl_fix_applies(opt, &run->diags.items[i]);
  if (!left && !fixed->fixed) {
    asl_buf_puts(out, "All checks passed!\n");
    return;
  }
  asl_buf_printf(out, "Found %u finding%s (%u fixed, %u remaining).\n",
                 left + fixed->fixed, left + fixed->fixed == 1 ? "" : "s",
                 fixed->fixed, left);
  if (fixable)
    asl_buf_printf(out, "%u fix%s would apply again (a fix that overlapped "
                        "another after %d passes).\n",
                   fixable, fixable == 1 ? "" : "es", MAX_FIX_PASSES);
}

/* Everything a check's arguments say, resolved as `check` does (flags,
 * then the configuration file, the selection, threads, the environment).
 * Returns an exit code, or -1 when `ca` is ready. */
static int setup_check(int argc, char **argv, CheckArgs *ca) {
  memset(ca, 0, sizeof *ca);
  asl_arena_init(&ca->arena);
  ca->opt.respect_gitignore = true;
  int rc = parse_check_args(argc, argv, ca);
  if (rc < 0) rc = load_config(ca);
  if (rc < 0) rc = resolve_selection(ca);
  if (rc < 0) rc = resolve_threads(&ca->opt);
  if (ca->paths.len == 0) asl_avec_push(&ca->arena, &ca->paths, ".");
  if (rc < 0) rc = find_env(ca);
  return rc;
}

struct AslCheckSetup {
  CheckArgs ca;
};

AslCheckSetup *asl_check_setup_new(int argc, char **argv, int *rc) {
  AslCheckSetup *s = asl_malloc(sizeof *s);
  *rc = setup_check(argc, argv, &s->ca);
  if (*rc < 0) return s;
  asl_arena_destroy(&s->ca.arena);
  asl_free(s);
  return NULL;
}

const AslOptions *asl_check_setup_options(const AslCheckSetup *s) {
  return &s->ca.opt;
}

const AslConfig *asl_check_setup_config(const AslCheckSetup *s) {
  return s->ca.config.found ? &s->ca.config : NULL;
}

void asl_check_setup_delete(AslCheckSetup *s) {
  if (!s) return;
  asl_arena_destroy(&s->ca.arena);
  asl_free(s);
}

/* Frees what cmd_check holds; returns rc. */
static int check_done(CheckArgs *ca, AslSession *session, char *stdin_bytes,
                      int rc) {
  asl_free(stdin_bytes);
  asl_session_delete(session);
  asl_arena_destroy(&ca->arena);
  return rc;
}

static int cmd_check(int argc, char **argv) {
  CheckArgs ca;
  int rc = setup_check(argc, argv, &ca);
  if (rc >= 0) {
    asl_arena_destroy(&ca.arena);
    return rc;
  }
  ca.opt.color = want_color(&ca);

  const char *why = NULL;
  AslSession *session =
      asl_session_new(asl_rules_default(), &ca.opt,
                      ca.config.found ? &ca.config : NULL, &why);
  if (!session) {
    fprintf(stderr, "asynclint: error: %s\n", why);
    return check_done(&ca, NULL, NULL, EXIT_ERROR);
  }
  // "-" reads one source from stdin, once (fix passes run again).
  size_t stdin_len = 0;
  char *stdin_bytes = NULL;
  bool has_stdin = false;
  for (uint32_t i = 0; i < ca.paths.len && !has_stdin; i++)
    if (strcmp(ca.paths.items[i], "-") == 0) {
      stdin_bytes = read_stdin(&stdin_len);
      has_stdin = true;
    }
  if (has_stdin)
    asl_session_set_text(session, "-",
                         ca.stdin_filename
                             ? asl_display_path(&ca.arena, ca.stdin_filename)
                             : "-",
                         stdin_bytes ? stdin_bytes : "", stdin_len);
  AslFixStats fixed = {0};
  AslBuf diff = {0};
  if (ca.fix || ca.diff) fix_passes(&ca, session, &diff, &fixed);
  if (ca.diff) { // what --fix would change, and nothing else
    bool written = write_diff(&ca, &diff, &fixed);
    asl_buf_free(&diff);
    return check_done(&ca, session, stdin_bytes,
                      !written || fixed.errors ? EXIT_ERROR
                      : fixed.fixed            ? EXIT_FINDINGS
                                               : EXIT_CLEAN);
  }
  AslRun run;
  check_once(&ca, session, &run);
  AslBuf out = {0};
  if (!ca.fix_only)
    asl_emit(asl_rules_default(), &ca.opt, &run.diags, run.held, &out);
  if (ca.show_fixes) put_fixes(&fixed, &out);
  if (ca.fix || ca.fix_only) put_fix_summary(&ca.opt, &run, &fixed, &out);
  else put_summary(&ca.opt, &run, &out);
  bool written = write_output(&ca, &out);
  asl_buf_free(&out);

  bool findings = run.diags.len && !ca.opt.exit_zero && !ca.fix_only;
  rc = (run.nerrors || !written || fixed.errors) ? EXIT_ERROR
       : findings                                 ? EXIT_FINDINGS
                                                  : EXIT_CLEAN;
  asl_run_destroy(&run);
  return check_done(&ca, session, stdin_bytes, rc);
}

/* The "Test code" section every rule's text ends with, from the
 * registry's in_tests. */
static void put_test_code_section(const AslRule *r, const char *heading) {
  printf("\n%s Test code\n", heading);
  if (r->in_tests)
    printf("Reported in test code too (files matching `test-paths`): it is a "
           "bug there as well. `test-ignore = [\"%s\"]` holds it back "
           "there.\n",
           r->code);
  else
    printf("Held back in test code (files matching `test-paths`: `tests/`, "
           "`test_*.py`, `conftest.py`, `benchmarks/`, ...), where such "
           "findings are rarely worth a warning; `-v` and `--statistics` "
           "count them, and `test-select = [\"%s\"]` reports them.\n",
           r->code);
}

/* docs/rules.md, generated from the registry (a test keeps it current):
 * a table of every rule, then each rule's explain text. */
static void print_rules_markdown(const AslRuleSet *rules) {
  printf("# Rules\n\n<!-- Generated by `asynclint rules --format markdown`;"
         " do not edit. -->\n\n| code | name | summary | default |\n"
         "|---|---|---|---|\n");
  for (int r = 0; r < ASL_RULE__COUNT; r++)
    printf("| [%s](#%s) | %s | %s | %s |\n", asl_rules[r].code,
           asl_rules[r].code, asl_rules[r].name, asl_rules[r].summary,
           asl_rules[r].default_on ? "on" : "off");
  for (int r = 0; r < ASL_RULE__COUNT; r++) {
    printf("\n<a id=\"%s\"></a>\n## %s %s\n\n%s\n\n", asl_rules[r].code,
           asl_rules[r].code, asl_rules[r].name, asl_rules[r].summary);
    // The explain text's sections move one level down under the rule.
    const char *e = rules->explain((AslRuleId)r);
    for (const char *line = e; *line;) {
      const char *nl = strchr(line, '\n');
      size_t n = nl ? (size_t)(nl - line) : strlen(line);
      if (n >= 3 && strncmp(line, "## ", 3) == 0) printf("#");
      printf("%.*s\n", (int)n, line);
      line += n + (nl ? 1 : 0);
    }
    put_test_code_section(&asl_rules[r], "###");
  }
}

static int cmd_rules(int argc, char **argv) {
  const char *format = "text";
  for (int i = 0; i < argc; i++) {
    bool matched = false;
    const char *v = opt_value(argc, argv, &i, "--format", &matched);
    if (!matched || !v) return usage_error("rules takes --format text, json "
                                           "or markdown, not '%s'", argv[i]);
    format = v;
  }
  if (!strcmp(format, "markdown")) {
    print_rules_markdown(asl_rules_default());
  } else if (!strcmp(format, "json")) {
    AslBuf b = {0};
    asl_buf_puts(&b, "[");
    for (int r = 0; r < ASL_RULE__COUNT; r++) {
      const AslRule *x = &asl_rules[r];
      asl_buf_printf(&b, "%s\n  {\"code\": \"%s\", \"name\": \"%s\", "
                         "\"summary\": ", r ? "," : "", x->code, x->name);
      asl_buf_json_str(&b, x->summary, strlen(x->summary));
      asl_buf_printf(&b, ", \"default\": %s}", x->default_on ? "true" : "false");
    }
    asl_buf_puts(&b, "\n]\n");
    fwrite(b.data, 1, b.len, stdout);
    asl_buf_free(&b);
  } else if (!strcmp(format, "text")) {
    for (int r = 0; r < ASL_RULE__COUNT; r++)
      printf("%-7s %-30s %s\n", asl_rules[r].code, asl_rules[r].name,
             asl_rules[r].summary);
  } else {
    return usage_error("unknown rules format '%s' (text, json, markdown)",
                       format);
  }
  return EXIT_CLEAN;
}

static int cmd_explain(int argc, char **argv) {
  if (argc != 1) return usage_error("%s", "explain takes one rule code");
  AslRuleId r = asl_rule_by_code(argv[0]);
  if (r == ASL_RULE__COUNT) {
    // Also accept the rule's name, as ruff does.
    for (int k = 0; k < ASL_RULE__COUNT; k++)
      if (strcmp(asl_rules[k].name, argv[0]) == 0) r = (AslRuleId)k;
  }
  if (r == ASL_RULE__COUNT) return usage_error("unknown rule '%s'", argv[0]);
  printf("# %s (%s)\n\n%s\n\n%s", asl_rules[r].name, asl_rules[r].code,
         asl_rules[r].summary, asl_rules_default()->explain(r));
  put_test_code_section(&asl_rules[r], "##");
  return EXIT_CLEAN;
}

/* `asynclint debug tree FILE`: the flattened tree, for rule authors. */
static int cmd_debug_tree(const char *path) {
  AslArena a;
  asl_arena_init(&a);
  AslSource src;
  const char *why = NULL;
  AslParser *p = NULL;
  if (asl_parser_new(&p, &why) != ASL_OK ||
      asl_source_read(&a, path, path, &src, &why) != ASL_OK) {
    fprintf(stderr, "asynclint: error: %s: %s\n", path, why);
    asl_parser_delete(p);
    asl_arena_destroy(&a);
    return EXIT_ERROR;
  }
  AslTree t;
  asl_parse(p, &a, &src, &t);
  static const char *const fields[] = {"",
#define XX(name) #name,
                                       ASL_FIELD_MAP(XX)
#undef XX
  };
  for (uint32_t i = 0; i < t.count; i++) {
    const AslNode *n = &t.nodes[i];
    uint32_t depth = 0;
    for (uint32_t q = n->parent; q != ASL_NONE; q = t.nodes[q].parent) depth++;
    uint32_t line = asl_source_line_of(&src, n->start_byte);
    printf("%*s%s%s%s %u:%u", (int)(depth * 2), "",
           n->field ? fields[n->field] : "", n->field ? ": " : "",
           n->kind == ASL_K_TOKEN ? "'" : asl_kind_name(n->kind), line + 1,
           asl_source_column(&src, line, n->start_byte));
    if (n->kind == ASL_K_TOKEN || n->kind == ASL_K_identifier)
      printf(" %.*s", (int)(n->end_byte - n->start_byte),
             src.text + n->start_byte);
    if (n->kind == ASL_K_OTHER) printf(" (sym %u)", n->sym);
    printf("\n");
  }
  asl_parser_delete(p);
  asl_arena_destroy(&a);
  return EXIT_CLEAN;
}

int asl_cli_main(int argc, char **argv) {
  asl_heap_tune();
  asl_pool_tree_sitter(); // before any parser exists
  if (argc < 2) {
    fputs(usage_text, stderr);
    fputs(usage_fix_text, stderr);
    return EXIT_ERROR;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage_text, stdout);
    fputs(usage_fix_text, stdout);
    return EXIT_CLEAN;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") ||
      !strcmp(cmd, "version")) {
    printf("asynclint %s (tree-sitter ABI %u, tree-sitter-python ABI %u)\n",
           ASL_VERSION, TREE_SITTER_LANGUAGE_VERSION, asl_grammar_abi());
    return EXIT_CLEAN;
  }
  if (!strcmp(cmd, "check")) return cmd_check(argc - 2, argv + 2);
  if (!strcmp(cmd, "rules")) return cmd_rules(argc - 2, argv + 2);
  if (!strcmp(cmd, "explain")) return cmd_explain(argc - 2, argv + 2);
  if (!strcmp(cmd, "--check-fixture"))
    return asl_fixture_main(argc - 2, argv + 2);
  if ((!strcmp(cmd, "run") || !strcmp(cmd, "trace")) && argc == 3)
    return asl_rt_cli(argv[2], cmd[0] == 't');
  if (!strcmp(cmd, "run") || !strcmp(cmd, "trace"))
    return usage_error("%s takes one FILE.py", cmd);
  if (!strcmp(cmd, "debug") && argc == 4 && !strcmp(argv[2], "tree"))
    return cmd_debug_tree(argv[3]);
  return usage_error("unknown command '%s'", cmd);
}
