/*
 * parse_only.c - the benchmark's baseline: parse every file named on stdin
 * (one path per line) with the same tree-sitter build asynclint uses, one
 * thread, nothing else. `--walk` adds one full cursor walk per tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(n > 0 ? (size_t)n : 1);
  *len = n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
  fclose(f);
  return buf;
}

int main(int argc, char **argv) {
  int walk = argc > 1 && strcmp(argv[1], "--walk") == 0;
  TSParser *p = ts_parser_new();
  ts_parser_set_language(p, tree_sitter_python());
  char line[8192];
  unsigned long files = 0, bytes = 0, nodes = 0;
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    size_t len;
    char *src = slurp(line, &len);
    if (!src) continue;
    TSTree *t = ts_parser_parse_string(p, NULL, src, (uint32_t)len);
    if (walk) {
      TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(t));
      for (;;) {
        nodes++;
        if (ts_tree_cursor_goto_first_child(&c)) continue;
        while (!ts_tree_cursor_goto_next_sibling(&c))
          if (!ts_tree_cursor_goto_parent(&c)) goto done;
      }
    done:
      ts_tree_cursor_delete(&c);
    }
    ts_tree_delete(t);
    free(src);
    files++;
    bytes += len;
  }
  ts_parser_delete(p);
  fprintf(stderr, "parse_only: %lu files, %lu bytes, %lu nodes walked\n",
          files, bytes, nodes);
  return 0;
}
