/*
 * test_discover.c - unit tests for file discovery: the glob matcher,
 * display paths, excludes, .gitignore semantics and the walk's handling of
 * symlinks, FIFOs, odd names and unreadable directories. Trees are built
 * under a mkdtemp() directory in /tmp and removed afterwards.
 */
#define _XOPEN_SOURCE 700 /* nftw(), to remove the trees */
#include "../../analyzer/discover.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- glob --------------------------------------------------------------- */

typedef struct {
  const char *pat, *path;
  bool want;
} GlobCase;

/* Runs a table of cases; prints each mismatch and returns how many. */
static int glob_cases(const GlobCase *c, size_t n) {
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (asl_glob_match(c[i].pat, c[i].path) == c[i].want) continue;
    fprintf(stderr, "  glob(\"%s\", \"%s\") should be %s\n", c[i].pat,
            c[i].path, c[i].want ? "true" : "false");
    bad++;
  }
  return bad;
}

#define GLOB_CASES(t) glob_cases(t, sizeof t / sizeof t[0])

TEST_IMPL(glob_star_and_question) {
  static const GlobCase t[] = {
      {"a.py", "a.py", true},        {"a.py", "b.py", false},
      {"*.py", "a.py", true},        {"*.py", ".hidden.py", true},
      {"*.py", "dir/a.py", false},   {"*.py", "a.pyc", false},
      {"*", "", true},               {"*", "a/b", false},
      {"a/*", "a/b", true},          {"a/*", "a/b/c", false},
      {"a/*", "a/", true},           {"?.py", "a.py", true},
      {"?.py", "ab.py", false},      {"?.py", ".py", false},
      {"a?b", "a/b", false},         {"", "", true},
      {"", "a", false},              {"a*", "a", true},
      {"*a", "a", true},             {"a*b*c", "abc", true},
      {"a*b*c", "axxbyyc", true},    {"a*b*c", "acb", false},
      {"*x", "xxxy", false},         {"*_pb2.py", "svc_pb2.py", true},
      {"a/b", "a/b/c", false},       {"a/b/c", "a/b", false},
      {"test_*.py", "test_.py", true},
      {"caf\xc3\xa9.py", "caf\xc3\xa9.py", true},
      {"*.py", "\xff\xfe.py", true}, {"??.py", "\xc3\xa9.py", true},
  };
  ASSERT_EQ(GLOB_CASES(t), 0);
}

TEST_IMPL(glob_double_star) {
  static const GlobCase t[] = {
      {"**", "a", true},
      {"**", "a/b/c", true},
      {"**/x", "x", true},
      {"**/x", "a/b/x", true},
      {"**/x", "a/xx", false},
      {"**/x", "x/a", false},
      {"a/**/b", "a/b", true},
      {"a/**/b", "a/x/y/b", true},
      {"a/**/b", "a/x/y/c", false},
      {"a/**/b", "b", false},
      {"a/**/b", "xa/b", false},
      {"x/**", "x/a", true},
      {"x/**", "x/a/b", true},
      {"x/**", "x", false},
      {"x/**", "y/a", false},
      {"a**b", "ab", true},   // `**` inside a segment is a plain `*`
      {"a**b", "axxb", true},
      {"a**b", "a/b", false},
      {"**.py", "a/b.py", false},
      {"**/*.py", "c.py", true},
      {"**/*.py", "a/b/c.py", true},
      {"**/*.py", "a/b/c.pyc", false},
      {"**/**/x", "x", true},
      {"a/**/**/b", "a/b", true},
      {"**/a/**/b", "q/a/r/s/b", true},
      {"a/**/b/**/c", "a/b/c", true},
      {"a/**/b/**/c", "a/x/b/y/z/c", true},
      {"a/**/b/**/c", "a/c/b", false},
      {"src/**/gen/*.py", "src/x/gen/a.py", true},
      {"src/**/gen/*.py", "src/x/gen/y/a.py", false},
  };
  ASSERT_EQ(GLOB_CASES(t), 0);
}

TEST_IMPL(glob_classes) {
  static const GlobCase t[] = {
      {"[abc].py", "b.py", true},     {"[abc].py", "d.py", false},
      {"[a-c]x", "bx", true},         {"[a-c]x", "dx", false},
      {"[!a]x", "bx", true},          {"[!a]x", "ax", false},
      {"[^a]x", "bx", true},          {"[^a]x", "ax", false},
      {"[]]", "]", true},             {"[!]]", "]", false},
      {"[!]]", "a", true},            {"[a-]", "-", true},
      {"[a-]", "b", false},           {"[z-a]", "m", false},
      {"[[:digit:]]x", "7x", true},   {"[[:digit:]]x", "ax", false},
      {"[[:upper:][:digit:]]", "Q", true},
      {"[[:upper:][:digit:]]", "q", false},
      {"[[:bogus:]]", "b", false},    {"[abc", "[abc", true},
      {"[abc", "a", false},           {"a[/]b", "a/b", false},
      {"[\\]]", "]", true},           {"[a\\-z]", "-", true},
      {"[a\\-z]", "b", false},        {"[!/]", "/", false},
      {"v[0-9][0-9].py", "v42.py", true},
      {"v[0-9][0-9].py", "v4x.py", false},
  };
  ASSERT_EQ(GLOB_CASES(t), 0);
}

TEST_IMPL(glob_escapes) {
  static const GlobCase t[] = {
      {"\\*.py", "*.py", true}, {"\\*.py", "a.py", false},
      {"\\?", "?", true},       {"\\?", "a", false},
      {"a\\[b]", "a[b]", true}, {"a\\[b]", "ab", false},
      {"\\#x", "#x", true},     {"\\!x", "!x", true},
      {"\\ ", " ", true},       {"\\\\", "\\", true},
      {"foo\\", "foo", false},  {"foo\\", "foo\\", false},
      {"\\a\\b", "ab", true},   {"*\\*", "x*", true},
      {"*\\*", "xy", false},
  };
  ASSERT_EQ(GLOB_CASES(t), 0);
}

/* Patterns that take exponential time in a naive backtracking matcher
 * must finish at once (O(pattern * path) here). */
TEST_IMPL(glob_pathological_patterns_are_fast) {
  enum { N = 20000 };
  char *s = malloc(N + 2);
  ASSERT(s != NULL);
  memset(s, 'a', N);
  s[N] = 0;
  clock_t t0 = clock();
  bool miss = asl_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", s);
  s[N] = 'b';
  s[N + 1] = 0;
  bool hit = asl_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", s);
  // 2,000 segments "a/a/.../a" against many `**` that never match.
  for (int i = 0; i < 4000; i++) s[i] = (i % 2) ? '/' : 'a';
  s[3999] = 0;
  bool deep_miss = asl_glob_match("**/a/**/a/**/a/**/a/**/a/**/b", s);
  bool deep_hit = asl_glob_match("**/a/**/a/**/a/**/a/**/a", s);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  free(s);
  ASSERT(!miss);
  ASSERT(hit);
  ASSERT(!deep_miss);
  ASSERT(deep_hit);
  ASSERT(secs < 2.0); // well under 10 ms natively; slack for valgrind
}

/* ---- temporary trees ---------------------------------------------------- */

static char tree_root[PATH_MAX];
static int saved_cwd = -1;

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw) {
  (void)st;
  (void)ftw;
  (void)flag;
  remove(path);
  return 0;
}

static void tree_end(void);

/* Creates a fresh tree root and makes it the cwd; false on failure. */
static bool tree_begin(void) {
  if (saved_cwd >= 0) tree_end(); // a failed ASSERT left the last one
  char tmpl[] = "/tmp/asl-disc-XXXXXX";
  if (!mkdtemp(tmpl) || !realpath(tmpl, tree_root)) return false;
  saved_cwd = open(".", O_RDONLY | O_DIRECTORY);
  return saved_cwd >= 0 && chdir(tree_root) == 0;
}

/* Goes back to the original cwd and removes the tree. */
static void tree_end(void) {
  if (saved_cwd >= 0) {
    if (fchdir(saved_cwd) != 0) perror("fchdir");
    close(saved_cwd);
    saved_cwd = -1;
  }
  nftw(tree_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes `text` to `rel` (relative to the cwd), creating its directories. */
static void put(const char *rel, const char *text) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s", rel);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    mkdir(path, 0755);
    *p = '/';
  }
  size_t n = strlen(path);
  if (n && path[n - 1] == '/') {
    mkdir(path, 0755);
    return;
  }
  FILE *f = fopen(path, "wb");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* Discovery options for a test: gitignore on, no user excludes. */
static AslOptions test_opts(void) {
  AslOptions o;
  memset(&o, 0, sizeof o);
  o.respect_gitignore = true;
  o.quiet = true;
  return o;
}

static void set_globs(AslStrVec *v, const char **globs, uint32_t n) {
  v->items = globs;
  v->len = v->cap = n;
}

/* Runs discovery on `paths` (stderr silenced) and returns the display
 * paths joined with ',' (explicit files marked '!'); *nerrors gets the
 * error count. The string is static: valid until the next call. */
static const char *found(const AslOptions *opt, const char *const *paths,
                         uint32_t npaths, uint32_t *nerrors) {
  static char out[16384];
  fflush(stderr);
  int saved = dup(2), null = open("/dev/null", O_WRONLY);
  dup2(null, 2);
  AslDiscovery d;
  asl_discover(opt, paths, npaths, &d);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(null);
  size_t len = 0;
  out[0] = 0;
  for (uint32_t i = 0; i < d.files.len && len < sizeof out - 1; i++)
    len += (size_t)snprintf(out + len, sizeof out - len, "%s%s%s",
                            i ? "," : "", d.files.items[i].display,
                            d.files.items[i].explicit_arg ? "!" : "");
  if (nerrors) *nerrors = d.nerrors;
  asl_discovery_destroy(&d);
  return out;
}

static const char *found1(const AslOptions *opt, const char *path,
                          uint32_t *nerrors) {
  return found(opt, &path, 1, nerrors);
}

/* ---- display paths ------------------------------------------------------ */

TEST_IMPL(display_path_cleanup) {
  AslArena a;
  asl_arena_init(&a);
  static const char *const t[][2] = {
      {"./a/b.py", "a/b.py"}, {"a//b", "a/b"},       {"a/./b/", "a/b"},
      {".", "."},             {"./", "."},           {"", "."},
      {".//.", "."},          {"../x/./y", "../x/y"}, {"a/../b", "a/../b"},
      {"././a.py", "a.py"},   {"a.py", "a.py"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    ASSERT_STR_EQ(asl_display_path(&a, t[i][0]), t[i][1]);
  asl_arena_destroy(&a);
}

TEST_IMPL(display_path_absolute_under_cwd) {
  ASSERT(tree_begin());
  AslArena a;
  asl_arena_init(&a);
  char p[PATH_MAX + 64];
  put("foo/x.py", "");
  put("foobar/x.py", "");
  snprintf(p, sizeof p, "%s/foo/x.py", tree_root);
  ASSERT_STR_EQ(asl_display_path(&a, p), "foo/x.py");
  snprintf(p, sizeof p, "%s", tree_root);
  ASSERT_STR_EQ(asl_display_path(&a, p), ".");
  snprintf(p, sizeof p, "%s//foo/./x.py", tree_root);
  ASSERT_STR_EQ(asl_display_path(&a, p), "foo/x.py");
  ASSERT(chdir("foo") == 0);
  // A sibling sharing the prefix ("foo" vs "foobar") stays absolute.
  snprintf(p, sizeof p, "%s/foobar/x.py", tree_root);
  ASSERT_STR_EQ(asl_display_path(&a, p), p);
  // $PWD spelled through a symlink is recognized too.
  ASSERT(chdir(tree_root) == 0);
  ASSERT(symlink("foo", "lnk") == 0);
  ASSERT(chdir("lnk") == 0);
  const char *old = getenv("PWD");
  char *old_pwd = old ? strdup(old) : NULL;
  snprintf(p, sizeof p, "%s/lnk", tree_root);
  setenv("PWD", p, 1);
  snprintf(p, sizeof p, "%s/lnk/x.py", tree_root);
  const char *via_link = asl_display_path(&a, p);
  snprintf(p, sizeof p, "%s/foo/x.py", tree_root);
  const char *via_real = asl_display_path(&a, p);
  if (old_pwd) setenv("PWD", old_pwd, 1);
  else unsetenv("PWD");
  free(old_pwd);
  ASSERT_STR_EQ(via_link, "x.py");
  ASSERT_STR_EQ(via_real, "x.py");
  asl_arena_destroy(&a);
  tree_end();
}

/* ---- the walk ----------------------------------------------------------- */

TEST_IMPL(discover_walk_finds_python_files) {
  ASSERT(tree_begin());
  put("a.py", "");
  put("b.pyi", "");
  put("c.txt", "");
  put("d.pyc", "");
  put(".py", ""); // no stem: not a Python file, as for ruff
  put("sub/e.py", "");
  put(".hidden/f.py", "");
  put("build/g.py", "");
  put("__pycache__/h.py", "");
  put("node_modules/pkg/i.py", "");
  put("pkg.py/j.py", ""); // a directory whose name ends in .py
  AslOptions o = test_opts();
  uint32_t nerr = 9;
  ASSERT_STR_EQ(found1(&o, ".", &nerr),
                ".hidden/f.py,a.py,b.pyi,pkg.py/j.py,sub/e.py");
  ASSERT_EQ(nerr, 0);
  // However the root is spelled, the display paths are the same.
  const char *spellings[] = {"./sub/", "sub//", "sub/."};
  for (int i = 0; i < 3; i++)
    ASSERT_STR_EQ(found1(&o, spellings[i], NULL), "sub/e.py");
  char abs[PATH_MAX + 64];
  snprintf(abs, sizeof abs, "%s/sub", tree_root);
  ASSERT_STR_EQ(found1(&o, abs, NULL), "sub/e.py");
  ASSERT(chdir("sub") == 0);
  ASSERT_STR_EQ(found1(&o, "..", NULL),
                "../.hidden/f.py,../a.py,../b.pyi,../pkg.py/j.py,../sub/e.py");
  tree_end();
}

TEST_IMPL(discover_exclude_semantics) {
  ASSERT(tree_begin());
  put("keep.py", "");
  put("a_pb2.py", "");
  put("x/a_pb2.py", "");
  put("gen/g.py", "");
  put("y/gen/g.py", "");
  put("y/gen.py", "");
  put("sub/skip/s.py", "");
  put("sub/skip/deeper/t.py", "");
  put("top/only.py", "");
  put("other/top/only.py", "");
  put("build/b.py", "");
  AslOptions o = test_opts();
  // Names match at any depth; paths with '/' are relative to the cwd.
  const char *ext[] = {"*_pb2.py", "gen/", "sub/skip/*.py", "./top/only.py"};
  set_globs(&o.extend_exclude, ext, 4);
  ASSERT_STR_EQ(found1(&o, ".", NULL),
                "keep.py,other/top/only.py,sub/skip/deeper/t.py,y/gen.py");
  // --exclude replaces the defaults: build/ comes back.
  const char *ex[] = {"keep.py"};
  set_globs(&o.exclude, ex, 1);
  o.exclude_given = true;
  set_globs(&o.extend_exclude, NULL, 0);
  ASSERT_STR_EQ(found1(&o, ".", NULL),
                "a_pb2.py,build/b.py,gen/g.py,other/top/only.py,"
                "sub/skip/deeper/t.py,sub/skip/s.py,top/only.py,x/a_pb2.py,"
                "y/gen.py,y/gen/g.py");
  // An absolute pattern, and `**` across directories.
  char absglob[PATH_MAX + 64];
  snprintf(absglob, sizeof absglob, "%s/sub/**", tree_root);
  const char *ext2[] = {absglob, "**/top/*.py", "[xy]"};
  o = test_opts();
  set_globs(&o.extend_exclude, ext2, 3);
  ASSERT_STR_EQ(found1(&o, ".", NULL), "a_pb2.py,gen/g.py,keep.py");
  // Relative to the cwd, not the walk root: from sub/, "../x/*.py".
  ASSERT(chdir("sub") == 0);
  const char *ext3[] = {"../x/*.py", "../*.py", "skip", "../[a-z]*/g.py"};
  o = test_opts();
  set_globs(&o.extend_exclude, ext3, 4);
  ASSERT_STR_EQ(found1(&o, "..", NULL),
                "../other/top/only.py,../top/only.py,../y/gen.py,"
                "../y/gen/g.py");
  tree_end();
}

TEST_IMPL(discover_explicit_paths_always_checked) {
  ASSERT(tree_begin());
  put("a.py", "");
  put("notes.txt", "");
  put("ign.py", "");
  put("build/b.py", "");
  put("build/c.py", "");
  put(".gitignore", "ign.py\n");
  AslOptions o = test_opts();
  const char *ext[] = {"a.py"};
  set_globs(&o.extend_exclude, ext, 1);
  const char *p1[] = {"build/b.py", "notes.txt", "ign.py", "a.py"};
  ASSERT_STR_EQ(found(&o, p1, 4, NULL),
                "a.py!,build/b.py!,ign.py!,notes.txt!");
  // A default-excluded directory named explicitly is walked.
  ASSERT_STR_EQ(found1(&o, "build", NULL), "build/b.py,build/c.py");
  // A missing path is an error; the others are still found.
  uint32_t nerr = 0;
  const char *p2[] = {"nope.py", "notes.txt", "nope/"};
  ASSERT_STR_EQ(found(&o, p2, 3, &nerr), "notes.txt!");
  ASSERT_EQ(nerr, 2);
  // The same file named several ways and found by a walk: listed once,
  // still explicit.
  char abs[PATH_MAX + 64];
  snprintf(abs, sizeof abs, "%s/build/b.py", tree_root);
  o = test_opts();
  const char *p3[] = {"build/b.py", ".", "./build//b.py", abs, "build"};
  ASSERT_STR_EQ(found(&o, p3, 5, NULL), "a.py,build/b.py!,build/c.py");
  const char *p4[] = {".", "a.py", "."};
  ASSERT_STR_EQ(found(&o, p4, 3, NULL), "a.py!");
  tree_end();
}

/* ---- .gitignore --------------------------------------------------------- */

TEST_IMPL(discover_gitignore_syntax) {
  ASSERT(tree_begin());
  put(".gitignore",
      "\xEF\xBB\xBF"
      "bom.py\n" // a byte-order mark before the first line is skipped
      "# a comment\n"
      "\n"
      "\\#hash.py\n"
      "\\!bang.py\n"
      "trailing.py   \n"
      "sp\\ ace.py\n"
      "tdir\\ /\n"
      "crlf.py\r\n"
      "*.gen.py\n"
      "!keep.gen.py\n"
      "stuff.py/\n"
      "/anchored.py\n"
      "mid/dle.py\n"
      "**/any/deep.py\n"
      "lvl/**/z.py\n"
      "inside/**\n"
      "[0-9]*.py\n");
  const char *files[] = {
      "plain.py",        "#hash.py",        "!bang.py",
      "trailing.py",     "sp ace.py",       "tdir /x.py",
      "crlf.py",         "a.gen.py",        "keep.gen.py",
      "stuff.py",        "d/stuff.py/x.py", "anchored.py",
      "sub/anchored.py", "mid/dle.py",      "sub/mid/dle.py",
      "any/deep.py",     "a/b/any/deep.py", "lvl/z.py",
      "lvl/q/r/z.py",    "inside/i.py",     "inside/d/i.py",
      "9lives.py",       "# comment.py",    "bom.py",
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    put(files[i], "");
  AslOptions o = test_opts();
  ASSERT_STR_EQ(found1(&o, ".", NULL),
                "# comment.py,keep.gen.py,plain.py,stuff.py,sub/anchored.py,"
                "sub/mid/dle.py");
  // --no-respect-gitignore: everything is back.
  o.respect_gitignore = false;
  uint32_t n = 0;
  const char *all = found1(&o, ".", NULL);
  for (const char *p = all; *p; p++) n += *p == ',';
  ASSERT_EQ(n + 1, sizeof files / sizeof files[0]);
  tree_end();
}

TEST_IMPL(discover_gitignore_negation_and_depth) {
  ASSERT(tree_begin());
  put(".gitignore",
      "*.py\n"
      "!keep*.py\n"
      "keep2.py\n"     // the last matching line wins
      "logs/\n"
      "!logs/x.py\n"   // cannot re-include below an ignored directory
      "open/**\n"
      "!open/y.py\n"); // but can below a merely matched one
  put("a.py", "");
  put("keep1.py", "");
  put("keep2.py", "");
  put("logs/x.py", "");
  put("open/y.py", "");
  put("open/z.py", "");
  put("sub/.gitignore", "!*.py\nsecret.py\n");
  put("sub/a.py", "");
  put("sub/secret.py", "");
  put("sub/deeper/b.py", "");
  put("sub/deeper/.gitignore", "b.py\n");
  put("sub/deeper/c.py", "");
  AslOptions o = test_opts();
  ASSERT_STR_EQ(found1(&o, ".", NULL),
                "keep1.py,open/y.py,sub/a.py,sub/deeper/c.py");
  tree_end();
}

TEST_IMPL(discover_gitignore_repo_root_and_ancestors) {
  ASSERT(tree_begin());
  put(".gitignore", "ok.py\n"); // above the repository: never read
  put("repo/.git/info/exclude", "by_info.py\nprio.py\n");
  put("repo/.gitignore",
      "/pkg/sub/anch.py\nroot_ign.py\n!prio.py\nignored_dir/\n");
  put("repo/pkg/.gitignore", "pkg_ign.py\n");
  const char *files[] = {
      "repo/pkg/sub/anch.py",    "repo/pkg/sub/root_ign.py",
      "repo/pkg/sub/pkg_ign.py", "repo/pkg/sub/by_info.py",
      "repo/pkg/sub/prio.py",    "repo/pkg/sub/ok.py",
      "repo/ignored_dir/d.py",   "repo/vendor/root_ign.py",
      "repo/vendor/v_ign.py",    "repo/sm/root_ign.py",
      "repo/.git/hooks/h.py",
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    put(files[i], "");
  put("repo/vendor/.git/info/exclude", "v_ign.py\n"); // a nested repo
  put("repo/sm/.git", "gitdir: ../.git/modules/sm\n"); // a submodule
  AslOptions o = test_opts();
  // From the walk root up to repo/: .gitignores and info/exclude apply.
  ASSERT_STR_EQ(found1(&o, "repo/pkg/sub", NULL),
                "repo/pkg/sub/ok.py,repo/pkg/sub/prio.py");
  // Nested repositories stop the outer rules; .git is never walked.
  ASSERT_STR_EQ(found1(&o, "repo", NULL),
                "repo/pkg/sub/ok.py,repo/pkg/sub/prio.py,"
                "repo/sm/root_ign.py,repo/vendor/root_ign.py");
  // An ignored directory named explicitly is walked.
  ASSERT_STR_EQ(found1(&o, "repo/ignored_dir", NULL),
                "repo/ignored_dir/d.py");
  // The same from inside the repository, walking ".".
  ASSERT(chdir("repo/pkg") == 0);
  ASSERT_STR_EQ(found1(&o, ".", NULL), "sub/ok.py,sub/prio.py");
  // Outside any repository, only the walk root and below are read.
  ASSERT(chdir(tree_root) == 0);
  put("norepo/.gitignore", "x.py\n");
  put("norepo/d/x.py", "");
  put("norepo/d/y.py", "");
  ASSERT_STR_EQ(found1(&o, "norepo", NULL), "norepo/d/y.py");
  ASSERT_STR_EQ(found1(&o, "norepo/d", NULL), "norepo/d/x.py,norepo/d/y.py");
  tree_end();
}

/* ---- robustness --------------------------------------------------------- */

TEST_IMPL(discover_symlinks_fifos_and_odd_names) {
  ASSERT(tree_begin());
  put("real/a.py", "");
  ASSERT(symlink("real", "lnk") == 0);           // not followed
  ASSERT(symlink(".", "self") == 0);             // would loop if followed
  ASSERT(symlink("real/a.py", "file_link.py") == 0);
  ASSERT(symlink("missing.py", "broken.py") == 0);
  ASSERT(symlink("loop.py", "loop.py") == 0);
  ASSERT(symlink("missing", "broken_dir") == 0); // not *.py: silent
  ASSERT(mkfifo("fifo.py", 0644) == 0);          // listed, never opened
  put("\xff\xfe.py", "");
  put("new\nline.py", "");
  AslOptions o = test_opts();
  uint32_t nerr = 0;
  ASSERT_STR_EQ(found1(&o, ".", &nerr),
                "fifo.py,file_link.py,new\nline.py,real/a.py,\xff\xfe.py");
  ASSERT_EQ(nerr, 2); // broken.py and loop.py
  // ASL_DISCOVER_SILENT: the same count, and nothing on stderr.
  int pipefd[2];
  ASSERT(pipe(pipefd) == 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(pipefd[1], 2);
  AslDiscovery silent;
  const char *dot = ".";
  asl_discover_ex(&o, &dot, 1, ASL_DISCOVER_SILENT, &silent);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(pipefd[1]);
  char buf[64];
  ssize_t printed = read(pipefd[0], buf, sizeof buf);
  close(pipefd[0]);
  uint32_t silent_errors = silent.nerrors, silent_files = silent.files.len;
  asl_discovery_destroy(&silent);
  ASSERT_EQ(silent_errors, 2);
  ASSERT_EQ(silent_files, 5);
  ASSERT_EQ(printed, 0);
  // An excluded broken link is not met, so not an error.
  const char *ext[] = {"broken.py", "loop.py"};
  set_globs(&o.extend_exclude, ext, 2);
  found1(&o, ".", &nerr);
  ASSERT_EQ(nerr, 0);
  // A symlinked directory named explicitly is walked.
  ASSERT_STR_EQ(found1(&o, "lnk", NULL), "lnk/a.py");
  tree_end();
}

TEST_IMPL(discover_unreadable_directory_is_an_error) {
  ASSERT(tree_begin());
  put("ok.py", "");
  put("locked/x.py", "");
  put("ignored_locked/x.py", "");
  put(".gitignore", "ignored_locked/\n");
  ASSERT(chmod("locked", 0) == 0);
  ASSERT(chmod("ignored_locked", 0) == 0);
  AslOptions o = test_opts();
  uint32_t nerr = 0;
  const char *got = found1(&o, ".", &nerr);
  chmod("locked", 0755); // before any ASSERT, so the tree can be removed
  chmod("ignored_locked", 0755);
  // root reads mode-000 directories anyway: then there is no error.
  if (geteuid() == 0) {
    ASSERT_STR_EQ(got, "locked/x.py,ok.py");
    ASSERT_EQ(nerr, 0);
  } else {
    ASSERT_STR_EQ(got, "ok.py");
    ASSERT_EQ(nerr, 1);
  }
  tree_end();
}

/* 1,800 files in 60 directories, each with a .gitignore: correct, and
 * quick (a few ms natively; the bound leaves room for valgrind). */
TEST_IMPL(discover_large_tree) {
  ASSERT(tree_begin());
  // Hard links of one file: the same entries as 5,400 files, without an
  // inode each (creating those took seconds on a busy disk).
  put("proto", "");
  char path[64];
  for (int d = 0; d < 60; d++) {
    snprintf(path, sizeof path, "pkg%02d/sub/.gitignore", d);
    put(path, "*_skip.py\n");
    static const char *const kinds[] = {"%s/m%02d.py", "%s/m%02d_skip.py",
                                        "%s/m%02d.txt"};
    char dir[32];
    snprintf(dir, sizeof dir, "pkg%02d/sub", d);
    for (int f = 0; f < 30; f++)
      for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, kinds[k], dir, f);
        ASSERT(link("proto", path) == 0);
      }
  }
  AslOptions o = test_opts();
  const char *ext[] = {"pkg0[0-4]/**/m0*.py"};
  set_globs(&o.extend_exclude, ext, 1);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  AslDiscovery d;
  const char *root = ".";
  asl_discover(&o, &root, 1, &d);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
              (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  uint32_t n = d.files.len;
  bool sorted = true;
  for (uint32_t i = 1; i < n; i++)
    sorted &=
        strcmp(d.files.items[i - 1].display, d.files.items[i].display) < 0;
  asl_discovery_destroy(&d);
  tree_end();
  ASSERT_EQ(n, 60 * 30 - 5 * 10);
  ASSERT(sorted);
  ASSERT(ms < 1000.0);
}
