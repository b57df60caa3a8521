/*
 * test_parse.c - the flattened tree against tree-sitter's own cursor:
 * parse.c walks the subtrees directly, and must give the visible nodes,
 * symbols, fields, flags and positions a TSTreeCursor gives.
 */
#include "../../analyzer/asl.h"
#include "test.h"

#include <tree_sitter/api.h>

#include "../../analyzer/discover.h"

const TSLanguage *tree_sitter_python(void);

static const char *const asl_fields[] = {
    "",
#define XX(name) #name,
    ASL_FIELD_MAP(XX)
#undef XX
};

/* The AslField tree-sitter's field `id` maps to (0: one the rules skip). */
static uint8_t asl_field_of(TSFieldId id) {
  const char *name = ts_language_field_name_for_id(tree_sitter_python(), id);
  for (uint32_t k = 1; name && k < ASL_F__COUNT; k++)
    if (!strcmp(asl_fields[k], name)) return (uint8_t)k;
  return 0;
}

/* Compares t (flattened from the whole of src) with a cursor walk of the
 * tree tree-sitter gives src; prints the first difference. */
static bool same_as_cursor(const AslSource *src, const AslTree *t) {
  TSParser *ts = ts_parser_new();
  ts_parser_set_language(ts, tree_sitter_python());
  TSTree *tree = ts_parser_parse_string(ts, NULL, src->text, src->len);
  TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
  uint32_t i = 0, depth = 0;
  uint32_t parents[4096];
  bool ok = true;
  for (;;) {
    TSNode n = ts_tree_cursor_current_node(&c);
    const AslNode *x = i < t->count ? &t->nodes[i] : NULL;
    uint32_t parent = depth ? parents[depth - 1] : ASL_NONE;
    bool error = ts_node_is_error(n) || ts_node_is_missing(n);
    if (!x || x->sym != ts_node_symbol(n) ||
        x->field != asl_field_of(ts_tree_cursor_current_field_id(&c)) ||
        !(x->flags & ASL_NODE_NAMED) != !ts_node_is_named(n) ||
        !(x->flags & ASL_NODE_ERROR) != !error ||
        x->start_byte != ts_node_start_byte(n) ||
        x->end_byte != ts_node_end_byte(n) || x->parent != parent) {
      fprintf(stderr, "%s: node %u (%s at byte %u) differs\n", src->path, i,
              ts_node_type(n), ts_node_start_byte(n));
      ok = false;
      break;
    }
    i++;
    if (depth < 4096 && ts_tree_cursor_goto_first_child(&c)) {
      parents[depth++] = i - 1;
      continue;
    }
    while (!ts_tree_cursor_goto_next_sibling(&c)) {
      if (!ts_tree_cursor_goto_parent(&c)) goto done;
      depth--;
    }
  }
done:
  if (ok && i != t->count) {
    fprintf(stderr, "%s: %u nodes, the cursor %u\n", src->path, t->count, i);
    ok = false;
  }
  ts_tree_cursor_delete(&c);
  ts_tree_delete(tree);
  ts_parser_delete(ts);
  return ok;
}

/* Flattens `src` as asl_parse_ranges does for one range of it all (no
 * statement-by-statement retry on damage) and compares. */
static bool check_source(AslParser *p, AslArena *a, const AslSource *src) {
  uint32_t bounds[2] = {0, src->len};
  AslTree tree;
  asl_parse_ranges(p, a, src, bounds, 1, &tree);
  return same_as_cursor(src, &tree);
}

static bool check_text(AslParser *p, const char *name, const char *text,
                       size_t len) {
  AslArena a;
  asl_arena_init(&a);
  AslSource src;
  asl_source_from_bytes(&a, name, text, len, &src);
  bool ok = check_source(p, &a, &src);
  asl_arena_destroy(&a);
  return ok;
}

/* Every Python file discovery finds below `dir`; the number checked. */
static uint32_t check_dir(AslParser *p, const char *dir, bool *ok) {
  AslOptions opt;
  memset(&opt, 0, sizeof opt);
  opt.quiet = true;
  AslDiscovery d;
  asl_discover(&opt, &dir, 1, &d);
  uint32_t n = 0;
  for (uint32_t i = 0; i < d.files.len && *ok; i++) {
    AslArena a;
    asl_arena_init(&a);
    AslSource src;
    const char *why;
    if (asl_source_read(&a, d.files.items[i].fs_path,
                        d.files.items[i].fs_path, &src, &why) == ASL_OK) {
      *ok = check_source(p, &a, &src);
      n++;
    }
    asl_arena_destroy(&a);
  }
  asl_discovery_destroy(&d);
  return n;
}

TEST_IMPL(flatten_matches_cursor_walk) {
  // Aliases (keyword identifiers, `print`/`exec`, match patterns), fields
  // on hidden nodes, extras (comments, continuations) between children,
  // damage (ERROR and MISSING nodes), a deep list, a bare module.
  static const char *const snippets[] = {
      "",
      "# only a comment\n",
      "import a.b as c, d\nfrom .x import (y as z,  # why\n  w)\n",
      "print >> f, x\nexec 'x' in g\nmatch = 1\ntype = 2\n",
      "match p:\n  case [1, *rest] | {'k': _} if rest: pass\n"
      "  case Point(x=0, y=y) as q: pass\n  case _: pass\n",
      "type Alias[T] = list[T]\ndef f[T: int](x: T, /, *a, k=1, **kw)"
      " -> T: ...\n",
      "async def f():\n  async with a as b, c:\n    await g(x \\\n  , y)\n"
      "  async for i in h(): yield i\n",
      "x = [1,\n  # inside\n  2, (3 for k in y if k), {**z}, {a: b}]\n",
      "s = f'{x!r:>{w}} {y=}' rb'\\x00' u'\\N{DASH}' '''a\n'''\n",
      "class C(B, metaclass=M):\n  @d\n  def m(self): return lambda a, *,"
      " b: a if b else -a\n",
      "def f(:\n  return (\n",
      "if x\n  y = \nelse: z\n",
      "try:\n  pass\nexcept* (A, B) as e:\n  raise X from e\nfinally:\n"
      "  del a[1:2:3], b.c\n",
      "with (open(a) as f, open(b) as g): global q; nonlocal r\n",
      "x: int = 1; y += 2; z @= 3; assert a, b\n",
  };
  const char *why = NULL;
  AslParser *p = NULL;
  ASSERT_EQ(asl_parser_new(&p, &why), ASL_OK);
  bool ok = true;
  for (size_t k = 0; ok && k < sizeof snippets / sizeof *snippets; k++)
    ok = check_text(p, "snippet.py", snippets[k], strlen(snippets[k]));
  // A long flat list: deep chains of hidden repeat nodes.
  AslBuf b = {0};
  asl_buf_puts(&b, "x = [");
  for (int k = 0; k < 20000; k++) asl_buf_puts(&b, "1, ");
  asl_buf_puts(&b, "]\n");
  if (ok) ok = check_text(p, "long.py", b.data, b.len);
  asl_buf_free(&b);
  // The fixtures: hundreds of files of real shapes.
  uint32_t files = ok ? check_dir(p, ASL_SOURCE_DIR "/fixtures", &ok) : 0;
  asl_parser_delete(p);
  ASSERT(ok);
  ASSERT(files > 100);
}
