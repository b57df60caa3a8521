/*
 * test_core.c - unit tests for memory, sources and JSON escaping.
 */
#include "../../analyzer/asl.h"
#include "test.h"

TEST_IMPL(arena_reset_reuses) {
  AslArena a;
  asl_arena_init(&a);
  char *p = asl_arena_alloc(&a, 100);
  ASSERT(p != NULL);
  asl_arena_alloc(&a, 1 << 20); // a big block of its own
  asl_arena_reset(&a);
  ASSERT_EQ(a.total, 0);
  char *q = asl_arena_alloc(&a, 100);
  ASSERT(q == p); // the first chunk is kept and reused
  asl_arena_destroy(&a);
}

TEST_IMPL(source_columns_count_characters) {
  AslArena a;
  asl_arena_init(&a);
  AslSource s;
  const char text[] = "\xEF\xBB\xBFx = 1\r\n\t\xC3\xA9t\xC3\xA9 = f()\ry";
  asl_source_from_bytes(&a, "t.py", text, sizeof text - 1, &s);
  ASSERT_EQ(s.nlines, 3); // CRLF and a lone CR both end a line
  uint32_t f = (uint32_t)(strstr(s.text, "f()") - s.text);
  ASSERT_EQ(asl_source_line_of(&s, f), 1);
  // tab, e-acute, t, e-acute, space, =, space: f is the 8th character
  ASSERT_EQ(asl_source_column(&s, 1, f), 8);
  asl_arena_destroy(&a);
}

TEST_IMPL(json_string_escapes_invalid_utf8) {
  AslBuf b = {0};
  asl_buf_json_str(&b, "a\"\\\n\x01\xff\xC3\xA9", 8);
  ASSERT_STR_EQ(b.data, "\"a\\\"\\\\\\n\\u0001\\ufffd\xC3\xA9\"");
  asl_buf_free(&b);
}
