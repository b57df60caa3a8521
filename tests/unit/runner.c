/*
 * runner.c - runs the unit tests named in test-list.h, or only those given
 * on the command line, and prints "N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include "test-list.h"
#include "test.h"

int asl_test_failures;

#define DECLARE(name) void test_##name(void);
ASL_TEST_LIST(DECLARE)
#undef DECLARE

typedef struct {
  const char *name;
  void (*fn)(void);
} Entry;

static const Entry tests[] = {
#define ENTRY(name) {#name, test_##name},
    ASL_TEST_LIST(ENTRY)
#undef ENTRY
};

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    if (argc > 1) {
      int want = 0;
      for (int k = 1; k < argc; k++) want |= !strcmp(argv[k], tests[i].name);
      if (!want) continue;
    }
    int before = asl_test_failures;
    tests[i].fn();
    if (asl_test_failures != before) {
      printf("FAIL %s\n", tests[i].name);
      failed++;
    } else {
      passed++;
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
