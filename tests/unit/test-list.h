/*
 * test-list.h - every unit test, one line each (libuv's test-list.h).
 * TEST_ENTRY(name) needs `TEST_IMPL(name)` in some tests/unit/test_*.c.
 */
#define ASL_TEST_LIST(TEST_ENTRY)                                            \
  TEST_ENTRY(arena_reset_reuses)                                             \
  TEST_ENTRY(source_columns_count_characters)                                \
  TEST_ENTRY(json_string_escapes_invalid_utf8)
