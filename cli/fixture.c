/*
 * fixture.c - the fixture harness. A fixture is a Python file (or a
 * directory of them, for multi-file packages) whose comments say what must
 * be found, in flake8-async's eval-file style with 1-based columns:
 *
 *     asyncio.create_task(job())  # ASL301: 5, "TaskGroup"
 *
 * `# RULES: ASL3, ASL001` in a file selects rules (default: every rule on
 * by default); `# ARG --known-coroutine=NAME` and `# ARG
 * --preserving-decorator=NAME` add to the catalog. The harness runs the
 * same pipeline as `check` and fails on any missing or extra finding,
 * column included; quoted arguments must appear in the message. A
 * directory holding a project marker (pyproject.toml, ...) is also checked
 * file by file, each alone, and must give the same findings.
 */
#include "fixture.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../analyzer/diag.h"
#include "../analyzer/run.h"
#include "../rules/default.h"

typedef struct Expect {
  const char *path;
  uint32_t line, column;
  AslRuleId rule;
  const char *parts[4]; /* substrings the message must contain */
  uint32_t nparts;
  bool seen;
} Expect;

typedef AslVec(Expect) ExpectList;

/* Parses `"text"` arguments after an annotation; returns the end. */
static const char *parse_parts(AslArena *a, const char *p, const char *end,
                               Expect *e) {
  for (;;) {
    const char *q = p;
    while (q < end && (*q == ' ' || *q == ',')) q++;
    if (q >= end || *q != '"') return p;
    const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
    if (!close) return p;
    if (e->nparts < 4)
      e->parts[e->nparts++] = asl_arena_strndup(a, q + 1, (size_t)(close - q - 1));
    p = close + 1;
  }
}

/* Finds every `CODE: col` annotation in one comment. */
static void parse_annotations(AslArena *a, const char *path, uint32_t line,
                              const char *text, uint32_t len,
                              ExpectList *out) {
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *hit = NULL;
    for (const char *q = p; q + 7 <= end; q++)
      if (q[0] == 'A' && q[1] == 'S' && q[2] == 'L' && isdigit((unsigned char)q[3]) &&
          isdigit((unsigned char)q[4]) && isdigit((unsigned char)q[5]) && q[6] == ':') {
        hit = q;
        break;
      }
    if (!hit) return;
    const char *q = hit + 7;
    while (q < end && *q == ' ') q++;
    if (q >= end || !isdigit((unsigned char)*q)) {
      p = hit + 7;
      continue;
    }
    char code[7];
    memcpy(code, hit, 6);
    code[6] = 0;
    Expect e = {0};
    e.path = path;
    e.line = line;
    e.rule = asl_rule_by_code(code);
    while (q < end && isdigit((unsigned char)*q))
      e.column = e.column * 10 + (uint32_t)(*q++ - '0');
    p = parse_parts(a, q, end, &e);
    if (e.rule == ASL_RULE__COUNT) {
      fprintf(stderr, "%s:%u: unknown rule %s in annotation\n", path, line,
              code);
      e.column = 0; // never matches: reported as missing
      e.rule = 0;
    }
    asl_avec_push(a, out, e);
  }
}

/* Reads one file's annotations, `# RULES:` and `# ARG` headers into the
 * lists. */
static bool collect_file(AslParser *parser, AslArena *a, const AslFileRef *f,
                         ExpectList *expects, AslStrVec *rules,
                         AslStrVec *args) {
  AslSource src;
  const char *why = NULL;
  if (asl_source_read(a, f->fs_path, f->display, &src, &why) != ASL_OK) {
    fprintf(stderr, "%s: %s\n", f->display, why);
    return false;
  }
  AslTree t;
  asl_parse(parser, a, &src, &t);
  for (uint32_t i = 0; i < t.count; i++) {
    const AslNode *n = &t.nodes[i];
    if (n->kind != ASL_K_comment) continue;
    const char *text = src.text + n->start_byte;
    uint32_t len = n->end_byte - n->start_byte;
    uint32_t line = asl_source_line_of(&src, n->start_byte) + 1;
    if (len > 8 && strncmp(text, "# RULES:", 8) == 0) {
      asl_avec_push(a, rules, (const char *)asl_arena_strndup(a, text + 8, len - 8));
      continue;
    }
    if (len > 6 && strncmp(text, "# ARG ", 6) == 0) {
      asl_avec_push(a, args,
                    (const char *)asl_arena_strndup(a, text + 6, len - 6));
      continue;
    }
    parse_annotations(a, f->display, line, text, len, expects);
  }
  return true;
}

static bool matches(const Expect *e, const AslDiag *d) {
  if (e->seen || e->rule != d->rule || e->line != d->line ||
      e->column != d->column || strcmp(e->path, d->path) != 0)
    return false;
  for (uint32_t k = 0; k < e->nparts; k++)
    if (!strstr(d->message, e->parts[k])) return false;
  return true;
}

/* Does directory `dir` hold a project marker (it is a project root)? */
static bool has_project_marker(const char *dir) {
  static const char *const markers[] = {"pyproject.toml", "setup.cfg",
                                        "setup.py", ".git", NULL};
  char buf[4096];
  for (const char *const *m = markers; *m; m++) {
    snprintf(buf, sizeof buf, "%s/%s", dir, *m);
    if (access(buf, F_OK) == 0) return true;
  }
  return false;
}

static bool same_diag(const AslDiag *a, const AslDiag *b) {
  return a->rule == b->rule && a->line == b->line &&
         a->column == b->column && strcmp(a->path, b->path) == 0 &&
         strcmp(a->message, b->message) == 0;
}

/* Counts the diagnostics of `list` on `path`. */
static uint32_t count_on(const AslDiagList *list, const char *path) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < list->len; i++)
    n += strcmp(list->items[i].path, path) == 0;
  return n;
}

/* Runs `opt` over the one path `path` into `run` (asl_run_destroy it). */
static void run_one_path(AslParser *parser, const AslOptions *opt,
                         const char *path, AslRun *run) {
  asl_run_init(run, asl_rules_default(), opt);
  AslArena scratch;
  asl_arena_init(&scratch);
  uint32_t next_index = 0;
  asl_run_paths(run, parser, &scratch, &path, 1, &next_index);
  asl_run_finish(run, parser, &scratch);
  asl_arena_destroy(&scratch);
}

/* Findings for a file must not depend on which other files were named:
 * checks every file of a project fixture alone, the way pre-commit names
 * only changed files (the project is then found from the file, not given),
 * and compares with its findings in the whole run. Returns the number of
 * differences, each printed. */
static int check_each_file_alone(AslParser *parser, const AslOptions *base,
                                 const AslDiscovery *disc,
                                 const AslDiagList *whole) {
  AslOptions opt = *base;
  opt.index_given_only = false;
  int bad = 0;
  for (uint32_t f = 0; f < disc->files.len; f++) {
    const char *path = disc->files.items[f].fs_path;
    const char *display = disc->files.items[f].display;
    AslRun run;
    run_one_path(parser, &opt, path, &run);
    bool same = count_on(whole, display) == run.diags.len;
    for (uint32_t i = 0; i < run.diags.len && same; i++) {
      bool found = false;
      for (uint32_t k = 0; k < whole->len && !found; k++)
        found = same_diag(&run.diags.items[i], &whole->items[k]);
      same = found;
    }
    if (!same) {
      printf("  alone:      %s gives %u findings, %u in the whole run\n",
             display, run.diags.len, count_on(whole, display));
      bad++;
    }
    asl_run_destroy(&run);
  }
  return bad;
}

/* The pre-filter must not change a finding: runs the fixture again
 * parsing every file and compares the two sorted lists. Returns the
 * number of differences, each printed. */
static int check_without_prefilter(AslParser *parser, const AslOptions *base,
                                   const char *path,
                                   const AslDiagList *filtered) {
  AslOptions opt = *base;
  opt.no_prefilter = true;
  AslRun run;
  run_one_path(parser, &opt, path, &run);
  int bad = 0;
  for (uint32_t i = 0; i < run.diags.len || i < filtered->len; i++) {
    const AslDiag *a = i < run.diags.len ? &run.diags.items[i] : NULL;
    const AslDiag *b = i < filtered->len ? &filtered->items[i] : NULL;
    if (a && b && same_diag(a, b)) continue;
    const AslDiag *d = a ? a : b;
    printf("  prefilter:  %s:%u:%u: %s differs with --no-prefilter\n",
           d->path, d->line, d->column, asl_rules[d->rule].code);
    bad++;
  }
  asl_run_destroy(&run);
  return bad;
}

/* Applies one `# ARG --name=value` header to the options. */
static bool apply_arg(AslArena *a, AslOptions *opt, const char *arg) {
  static const char kc[] = "--known-coroutine=";
  static const char pd[] = "--preserving-decorator=";
  static const char bc[] = "--blocking-call=";
  static const char ab[] = "--allow-blocking=";
  static const char lc[] = "--loop-callback-decorator=";
  static const char tp[] = "--test-paths=";
  static const char ts[] = "--test-select=";
  static const char ti[] = "--test-ignore=";
  if (strncmp(arg, ts, sizeof ts - 1) == 0 ||
      strncmp(arg, ti, sizeof ti - 1) == 0) {
    bool on = arg[7] == 's';
    const char *codes = strchr(arg, '=') + 1;
    return *codes && asl_apply_selectors(opt->test_selected, codes, on);
  }
  AslStrVec *v = NULL;
  const char *value = NULL;
  if (strncmp(arg, kc, sizeof kc - 1) == 0) {
    v = &opt->known_coroutines;
    value = arg + sizeof kc - 1;
  } else if (strncmp(arg, pd, sizeof pd - 1) == 0) {
    v = &opt->preserving_decorators;
    value = arg + sizeof pd - 1;
  } else if (strncmp(arg, bc, sizeof bc - 1) == 0) {
    v = &opt->blocking_calls;
    value = arg + sizeof bc - 1;
  } else if (strncmp(arg, ab, sizeof ab - 1) == 0) {
    v = &opt->allow_blocking;
    value = arg + sizeof ab - 1;
  } else if (strncmp(arg, lc, sizeof lc - 1) == 0) {
    v = &opt->loop_callback_decorators;
    value = arg + sizeof lc - 1;
  } else if (strncmp(arg, tp, sizeof tp - 1) == 0) {
    v = &opt->test_paths;
    value = arg + sizeof tp - 1;
    opt->test_paths_given = true;
  }
  if (!v || !*value) return false;
  size_t n = strcspn(value, " \t");
  asl_avec_push(a, v, (const char *)asl_arena_strndup(a, value, n));
  return true;
}

/* Checks one fixture path; returns the number of mismatches (or -1). */
static int check_fixture(AslParser *parser, const char *path) {
  AslOptions opt;
  memset(&opt, 0, sizeof opt);
  opt.respect_gitignore = false;
  AslDiscovery disc;
  asl_discover(&opt, &path, 1, &disc);
  AslArena a;
  asl_arena_init(&a);
  ExpectList expects = {0};
  AslStrVec rules = {0}, args = {0};
  int bad = disc.nerrors ? -1 : 0;
  for (uint32_t i = 0; i < disc.files.len && bad == 0; i++)
    if (!collect_file(parser, &a, &disc.files.items[i], &expects, &rules,
                      &args))
      bad = -1;
  asl_select_test_defaults(opt.test_selected);
  for (uint32_t i = 0; i < args.len && bad == 0; i++)
    if (!apply_arg(&a, &opt, args.items[i])) {
      fprintf(stderr, "%s: unknown ARG '%s'\n", path, args.items[i]);
      bad = -1;
    }

  asl_select_defaults(opt.selected);
  if (rules.len) memset(opt.selected, 0, sizeof opt.selected);
  for (uint32_t i = 0; i < rules.len; i++) {
    char *list = asl_arena_strdup(&a, rules.items[i]);
    for (char *save = NULL, *tok = strtok_r(list, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save))
      if (!asl_apply_selectors(opt.selected, tok, true)) {
        fprintf(stderr, "%s: unknown rule selector '%s' in RULES\n", path, tok);
        bad = -1;
      }
  }

  // A fixture is a project of its own: index exactly its files.
  opt.index_given_only = true;
  AslRun run;
  asl_run_init(&run, asl_rules_default(), &opt);
  AslArena scratch;
  asl_arena_init(&scratch);
  uint32_t next_index = 0;
  if (bad == 0) asl_run_paths(&run, parser, &scratch, &path, 1, &next_index);
  asl_run_finish(&run, parser, &scratch);
  if (bad == 0 && has_project_marker(path))
    bad += check_each_file_alone(parser, &opt, &disc, &run.diags);
  if (bad == 0) bad += check_without_prefilter(parser, &opt, path, &run.diags);

  for (uint32_t i = 0; i < run.diags.len && bad >= 0; i++) {
    const AslDiag *d = &run.diags.items[i];
    bool found = false;
    for (uint32_t k = 0; k < expects.len && !found; k++)
      if (matches(&expects.items[k], d)) found = expects.items[k].seen = true;
    if (!found) {
      printf("  unexpected: %s:%u:%u: %s %s\n", d->path, d->line, d->column,
             asl_rules[d->rule].code, d->message);
      bad++;
    }
  }
  for (uint32_t k = 0; k < expects.len && bad >= 0; k++) {
    const Expect *e = &expects.items[k];
    if (e->seen) continue;
    printf("  missing:    %s:%u:%u: %s", e->path, e->line, e->column,
           asl_rules[e->rule].code);
    for (uint32_t j = 0; j < e->nparts; j++) printf(" \"%s\"", e->parts[j]);
    printf("\n");
    bad++;
  }
  printf("%s %s (%u expected, %u found)\n", bad == 0 ? "ok  " : "FAIL", path,
         expects.len, run.diags.len);
  asl_run_destroy(&run);
  asl_arena_destroy(&scratch);
  asl_arena_destroy(&a);
  asl_discovery_destroy(&disc);
  return bad;
}

int asl_fixture_main(int argc, char **argv) {
  if (argc < 1) {
    fprintf(stderr, "usage: asynclint --check-fixture PATH ...\n");
    return 2;
  }
  AslParser *parser = NULL;
  const char *why = NULL;
  if (asl_parser_new(&parser, &why) != ASL_OK) {
    fprintf(stderr, "asynclint: error: %s\n", why);
    return 2;
  }
  int failed = 0, errors = 0;
  for (int i = 0; i < argc; i++) {
    int r = check_fixture(parser, argv[i]);
    if (r < 0) errors++;
    else if (r > 0) failed++;
  }
  asl_parser_delete(parser);
  return errors ? 2 : failed ? 1 : 0;
}
