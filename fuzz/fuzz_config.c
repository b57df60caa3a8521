/*
 * fuzz_config.c - libFuzzer harness for the configuration reader: byte 0
 * picks pyproject.toml or asynclint.toml form, the rest is the file.
 */
#include <stddef.h>
#include <stdint.h>

#include "../analyzer/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  AslArena a;
  asl_arena_init(&a);
  AslConfig config;
  const char *error = NULL;
  bool pyproject = data[0] & 1;
  asl_config_parse(&a, pyproject ? "pyproject.toml" : "asynclint.toml",
                   (const char *)data + 1, size - 1, pyproject, &config,
                   &error);
  asl_arena_destroy(&a);
  return 0;
}
