/*
 * fuzz_lint.c - libFuzzer harness for the whole check pipeline: one input
 * is one Python file. Byte 0 picks the rule selection and the output
 * format; the rest is the source. Every selected pass runs, the deferred
 * findings are decided, and the output is rendered (cmark-fuzz's shape).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../analyzer/diag.h"
#include "../analyzer/run.h"

/* Output formats the emitter knows; extended as formats are added. */
static const AslFormat formats[] = {ASL_FMT_TEXT, ASL_FMT_JSON};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  static AslParser *parser;
  if (!parser) {
    const char *why = NULL;
    if (asl_parser_new(&parser, &why) != ASL_OK) return 0;
  }
  uint8_t mode = data[0];
  AslOptions opt;
  memset(&opt, 0, sizeof opt);
  // Low bit: every rule (ASL001 included) or the defaults.
  if (mode & 1) {
    for (int r = 0; r < ASL_RULE__COUNT; r++) opt.selected[r] = true;
  } else {
    asl_select_defaults(opt.selected);
  }
  opt.format = formats[(mode >> 1) % (sizeof formats / sizeof formats[0])];

  AslRun run;
  asl_run_init(&run, &opt);
  AslArena scratch;
  asl_arena_init(&scratch);
  uint32_t index = 0;
  asl_run_bytes(&run, parser, &scratch, "fuzz.py", (const char *)data + 1,
                size - 1, index);
  asl_run_finish(&run);
  AslBuf out = {0};
  asl_emit(&opt, &run.diags, &out);
  asl_buf_free(&out);
  asl_run_destroy(&run);
  asl_arena_destroy(&scratch);
  return 0;
}
