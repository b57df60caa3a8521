/*
 * test_index.c - unit tests for the project index: relative imports, module
 * names and project roots from the file system, and resolution through
 * re-exports, star imports, cycles and class bases.
 */
#include "../../analyzer/index.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

/* A small in-memory project: each added source is parsed and its facts
 * kept, as phase 1 does for files on disk. */
typedef struct Project {
  AslParser *parser;
  AslArena run;   /* facts */
  AslArena file;  /* one file at a time */
  AslFileFacts *facts[16];
  uint32_t n;
  AslIndex *idx;
  AslOptions opt;
} Project;

static void project_init(Project *p) {
  memset(p, 0, sizeof *p);
  const char *why;
  asl_parser_new(&p->parser, &why);
  asl_arena_init(&p->run);
  asl_arena_init(&p->file);
}

/* Adds module `module` (a package's __init__ if is_package) with `text`;
 * returns its facts id. */
static uint32_t project_add(Project *p, const char *module, bool is_package,
                            const char *text) {
  asl_arena_reset(&p->file);
  AslSource src;
  asl_source_from_bytes(&p->file, module, text, strlen(text), &src);
  AslTree tree;
  asl_parse(p->parser, &p->file, &src, &tree);
  AslDiagList out = {0};
  AslCtx cx = {.arena = &p->file, .src = &src, .tree = &tree,
               .opt = &p->opt, .out = &out, .module = module,
               .is_package = is_package, .project = 1};
  cx.names = asl_names_build(&p->file, &src, &tree);
  p->facts[p->n] = asl_facts_extract(&p->run, &cx, module);
  return p->n++;
}

static void project_index(Project *p) {
  p->idx = asl_index_new(p->facts, p->n);
}

static void project_destroy(Project *p) {
  asl_index_delete(p->idx);
  asl_parser_delete(p->parser);
  asl_arena_destroy(&p->run);
  asl_arena_destroy(&p->file);
}

static AslDefKind kind_of(Project *p, uint32_t from, const char *dotted,
                          AslDef *d) {
  return asl_index_resolve(p->idx, from, dotted, d);
}

/* ---- tests -------------------------------------------------------------- */

TEST_IMPL(index_relative_imports) {
  AslArena a;
  asl_arena_init(&a);
  // names.c spells `from . import x` "..x" and `from .m import x` ".m.x".
  ASSERT_STR_EQ(asl_absolute_import(&a, "pkg.sub.mod", false, "..x"),
                "pkg.sub.x");
  ASSERT_STR_EQ(asl_absolute_import(&a, "pkg.sub.mod", false, ".m.x"),
                "pkg.sub.m.x");
  ASSERT_STR_EQ(asl_absolute_import(&a, "pkg.sub.mod", false, "..m.x"),
                "pkg.m.x");
  ASSERT_STR_EQ(asl_absolute_import(&a, "pkg.sub.mod", false, "...x"),
                "pkg.x");
  // In a package's __init__, one dot is the package itself.
  ASSERT_STR_EQ(asl_absolute_import(&a, "pkg", true, ".mail.send"),
                "pkg.mail.send");
  ASSERT_STR_EQ(asl_absolute_import(&a, "pkg", true, "..mail"), "pkg.mail");
  // Above the top-level package, or in a top-level module: unresolvable.
  ASSERT(asl_absolute_import(&a, "pkg", true, "..m.x") == NULL);
  ASSERT(asl_absolute_import(&a, "main", false, ".m.x") == NULL);
  ASSERT(asl_absolute_import(&a, NULL, false, ".m.x") == NULL);
  ASSERT_STR_EQ(asl_absolute_import(&a, "pkg", true, "os.path"), "os.path");
  asl_arena_destroy(&a);
}

static void touch(const char *path) {
  FILE *f = fopen(path, "w");
  if (f) fclose(f);
}

TEST_IMPL(index_module_names_and_projects) {
  char root[] = "/tmp/asl_index_XXXXXX";
  ASSERT(mkdtemp(root) != NULL);
  char p[512];
  const char *dirs[] = {"proj", "proj/src", "proj/src/shop",
                        "proj/src/shop/pay", "proj/tests", "other", NULL};
  for (int i = 0; dirs[i]; i++) {
    snprintf(p, sizeof p, "%s/%s", root, dirs[i]);
    mkdir(p, 0700);
  }
  const char *files[] = {"proj/pyproject.toml", "proj/src/shop/__init__.py",
                         "proj/src/shop/pay/__init__.py",
                         "proj/src/shop/pay/card.py", "proj/tests/t.py",
                         "proj/tests/my-tool.py", "other/x.py", NULL};
  for (int i = 0; files[i]; i++) {
    snprintf(p, sizeof p, "%s/%s", root, files[i]);
    touch(p);
  }
  AslLayout *l = asl_layout_new();
  AslArena a;
  asl_arena_init(&a);
  bool pkg, stub;
  snprintf(p, sizeof p, "%s/proj/src/shop/pay/card.py", root);
  ASSERT_STR_EQ(asl_layout_module(l, &a, p, &pkg, &stub), "shop.pay.card");
  ASSERT(!pkg && !stub);
  uint32_t proj = asl_layout_project(l, p);
  ASSERT(proj != 0);
  snprintf(p, sizeof p, "%s/proj/src/shop/__init__.py", root);
  ASSERT_STR_EQ(asl_layout_module(l, &a, p, &pkg, &stub), "shop");
  ASSERT(pkg);
  snprintf(p, sizeof p, "%s/proj/tests/t.py", root);
  ASSERT_STR_EQ(asl_layout_module(l, &a, p, &pkg, &stub), "t");
  ASSERT_EQ(asl_layout_project(l, p), proj);
  // Not importable: a private name no import statement can spell.
  snprintf(p, sizeof p, "%s/proj/tests/my-tool.py", root);
  const char *priv = asl_layout_module(l, &a, p, &pkg, &stub);
  ASSERT(priv && priv[0] == ':' && !strchr(priv, '.'));
  // Outside any project (no marker up to /tmp... unless /tmp has one).
  snprintf(p, sizeof p, "%s/other/x.py", root);
  ASSERT(asl_layout_project(l, p) != proj);
  asl_layout_delete(l);
  asl_arena_destroy(&a);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  ASSERT_EQ(system(cmd), 0);
}

TEST_IMPL(index_reexport_chain) {
  Project p;
  project_init(&p);
  project_add(&p, "pkg", true,
              "from .mail import send_email\nfrom . import jobs\n");
  project_add(&p, "pkg.mail", false, "async def send_email(to):\n  pass\n");
  project_add(&p, "pkg.jobs", false, "def nightly():\n  pass\n");
  project_add(&p, "pkg.api", false, "from pkg import send_email as notify\n");
  uint32_t use = project_add(&p, "app", false, "import pkg\n");
  project_index(&p);
  AslDef d;
  ASSERT_EQ(kind_of(&p, use, "pkg.send_email", &d), ASL_DEF_COROUTINE);
  ASSERT_STR_EQ(d.module, "pkg.mail");
  ASSERT_STR_EQ(d.name, "send_email");
  ASSERT_EQ(d.line, 1);
  ASSERT_EQ(kind_of(&p, use, "pkg.api.notify", &d), ASL_DEF_COROUTINE);
  ASSERT_EQ(kind_of(&p, use, "pkg.jobs.nightly", &d), ASL_DEF_FUNCTION);
  ASSERT_EQ(kind_of(&p, use, "pkg.jobs", &d), ASL_DEF_MODULE);
  ASSERT_EQ(kind_of(&p, use, "pkg.missing", &d), ASL_DEF_UNKNOWN);
  ASSERT_EQ(kind_of(&p, use, "asyncio.sleep", &d), ASL_DEF_EXTERNAL);
  ASSERT_STR_EQ(d.name, "asyncio.sleep");
  project_destroy(&p);
}

TEST_IMPL(index_cycles_terminate) {
  Project p;
  project_init(&p);
  uint32_t a = project_add(&p, "a", false, "from b import x\n");
  project_add(&p, "b", false, "from a import x\n");
  project_add(&p, "c", false, "from c import *\n"); // a star import of itself
  project_index(&p);
  AslDef d;
  ASSERT_EQ(kind_of(&p, a, "a.x", &d), ASL_DEF_UNKNOWN);
  // (Every star source is in the project and none binds y: a builtin.)
  ASSERT_EQ(kind_of(&p, a, "c.y", &d), ASL_DEF_EXTERNAL);
  ASSERT_STR_EQ(d.name, "y");
  project_destroy(&p);
}

TEST_IMPL(index_star_imports_and_ambiguity) {
  Project p;
  project_init(&p);
  project_add(&p, "lib", true, "from .core import *\nfrom .more import *\n");
  project_add(&p, "lib.core", false, "async def fetch():\n  pass\n");
  project_add(&p, "lib.more", false,
              "try:\n  from fast import go\nexcept ImportError:\n"
              "  async def go():\n    pass\n"
              "async def twice():\n  pass\nasync def twice():\n  pass\n");
  uint32_t ext = project_add(&p, "ext", false, "from asyncio import *\n");
  project_index(&p);
  AslDef d;
  ASSERT_EQ(kind_of(&p, ext, "lib.fetch", &d), ASL_DEF_COROUTINE);
  ASSERT_EQ(kind_of(&p, ext, "lib.go", &d), ASL_DEF_AMBIGUOUS);
  ASSERT_EQ(kind_of(&p, ext, "lib.twice", &d), ASL_DEF_COROUTINE);
  ASSERT_EQ(d.line, 8); // the redefinition is what the name holds
  // A star import from outside the project answers for what it may bind.
  ASSERT_EQ(kind_of(&p, ext, "ext.sleep", &d), ASL_DEF_EXTERNAL);
  ASSERT_STR_EQ(d.name, "asyncio.sleep");
  project_destroy(&p);
}

TEST_IMPL(index_methods_through_bases) {
  Project p;
  project_init(&p);
  project_add(&p, "m.base", false,
              "import abc\n"
              "class Repo(abc.ABC):\n"
              "  async def save(self): pass\n"
              "  def check(self): pass\n"
              "class Mixin:\n"
              "  async def audit(self): pass\n");
  uint32_t user = project_add(
      &p, "m.user", false,
      "from .base import Repo, Mixin\n"
      "import ext\n"
      "class User(Repo, Mixin):\n"
      "  def save(self): pass\n"
      "class Odd(ext.Thing, Mixin): pass\n"
      "class Loop(Loop2): pass\n"
      "class Loop2(Loop): pass\n");
  project_index(&p);
  AslDef d;
  ASSERT_EQ(asl_index_method(p.idx, user, "m.user.User", "save", false, &d),
            ASL_DEF_FUNCTION);
  ASSERT_EQ(asl_index_method(p.idx, user, "m.user.User", "save", true, &d),
            ASL_DEF_COROUTINE);
  ASSERT_STR_EQ(d.name, "Repo.save");
  // abc.ABC adds no methods: the walk goes on to the mixin.
  ASSERT_EQ(asl_index_method(p.idx, user, "m.user.User", "audit", false, &d),
            ASL_DEF_COROUTINE);
  ASSERT_STR_EQ(d.name, "Mixin.audit");
  // A base outside the project comes first: the catalog must answer.
  ASSERT_EQ(asl_index_method(p.idx, user, "m.user.Odd", "audit", false, &d),
            ASL_DEF_EXTERNAL);
  ASSERT_STR_EQ(d.name, "ext.Thing.audit");
  ASSERT_EQ(kind_of(&p, user, "m.user.User.audit", &d), ASL_DEF_COROUTINE);
  // Cyclic bases end (Python would refuse to create them).
  ASSERT_EQ(asl_index_method(p.idx, user, "m.user.Loop", "x", false, &d),
            ASL_DEF_UNKNOWN);
  project_destroy(&p);
}

TEST_IMPL(index_duplicate_modules) {
  Project p;
  project_init(&p);
  uint32_t a = project_add(&p, "util", false, "async def run(): pass\n");
  project_add(&p, "util", false, "def run(): pass\n");
  uint32_t use = project_add(&p, "use", false, "from util import run\n");
  project_index(&p);
  AslDef d;
  ASSERT_EQ(kind_of(&p, use, "util.run", &d), ASL_DEF_AMBIGUOUS);
  // A file still knows its own module.
  ASSERT_EQ(kind_of(&p, a, "util.run", &d), ASL_DEF_COROUTINE);
  project_destroy(&p);
}
