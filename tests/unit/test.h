/*
 * test.h - the unit-test runner's assertions and test list macros
 * (libuv's test/task.h and test-list.h, shrunk).
 */
#ifndef ASL_TESTS_TEST_H_
#define ASL_TESTS_TEST_H_

#include <stdio.h>
#include <string.h>

extern int asl_test_failures;

#define TEST_IMPL(name) void test_##name(void)

#define ASSERT(cond)                                                         \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__,   \
              #cond);                                                        \
      asl_test_failures++;                                                   \
      return;                                                                \
    }                                                                        \
  } while (0)

#define ASSERT_EQ(a, b) ASSERT((a) == (b))
#define ASSERT_STR_EQ(a, b)                                                  \
  do {                                                                       \
    const char *asl__a = (a), *asl__b = (b);                                 \
    if (!asl__a || !asl__b || strcmp(asl__a, asl__b) != 0) {                 \
      fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,        \
              asl__a ? asl__a : "(null)", asl__b ? asl__b : "(null)");       \
      asl_test_failures++;                                                   \
      return;                                                                \
    }                                                                        \
  } while (0)

#endif /* ASL_TESTS_TEST_H_ */
