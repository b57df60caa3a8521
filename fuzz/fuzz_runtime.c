/*
 * fuzz_runtime.c - libFuzzer harness for the runtime: byte 0 picks whether
 * the trace is rendered; the rest is a Python program, interpreted under a
 * small step and virtual-time budget (an infinite loop must end with the
 * budget's error, within libFuzzer's 2 s per input).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../runtime/rt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  static AslParser *parser;
  if (!parser) {
    const char *why = NULL;
    if (asl_parser_new(&parser, &why) != ASL_OK) return 0;
  }
  AslArena a;
  asl_arena_init(&a);
  AslSource src;
  asl_source_from_bytes(&a, "fuzz.py", (const char *)data + 1, size - 1,
                        &src);
  AslRtOptions opt;
  memset(&opt, 0, sizeof opt);
  opt.max_steps = 200000;
  opt.max_time = 3600;
  opt.trace = data[0] & 1;
  AslRtResult res;
  asl_rt_run(parser, &src, &opt, &res);
  asl_rt_result_destroy(&res);
  asl_arena_destroy(&a);
  return 0;
}
