/*
 * fuzz_lint.c - libFuzzer harness for the whole check pipeline: one input
 * is one Python file. Byte 0 picks the rule selection; the rest is the
 * source. Every selected pass runs, the deferred findings are decided, and
 * the findings are rendered in every output format (cmark-fuzz's shape).
 *
 * One property is checked: a file the pre-filter calls cold (no `async`,
 * `await`, `asyncio`, `create_task`, `ensure_future` in its code) has no
 * finding, since a run over a tree never parses it. A tokenizer corner the
 * scan gets wrong (a name the parser sees that the scan missed) aborts.
 * The input is also parsed in parts (pieces.c: a first unit as for a hot
 * file, then the rest), each part named and its facts extracted; and the
 * findings' fixes are applied: the result must parse if the input did.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analyzer/diag.h"
#include "../analyzer/fix.h"
#include "../analyzer/prefilter.h"
#include "../analyzer/run.h"
#include "../rules/default.h"

/* Every output format the emitter knows. */
static const AslFormat formats[] = {
#define XX(id, name) ASL_FMT_##id,
    ASL_FORMAT_MAP(XX)
#undef XX
};

/* Parses and indexes one unit of `src`. */
static void unit_facts(AslParser *parser, AslArena *a, const AslOptions *opt,
                       const AslSource *src, const AslUnit *u) {
  AslSource us = *src;
  us.text = u->text;
  us.len = u->len;
  us.line_starts = NULL;
  asl_source_index_lines(a, &us);
  AslTree tree;
  asl_parse_ranges(parser, a, &us, u->bounds, u->nranges, &tree);
  AslCtx cx = {
      .arena = a, .src = &us, .tree = &tree, .opt = opt, .module = "fuzz"};
  cx.names = asl_names_build(a, &us, &tree);
  const AslRuleSet *rules = asl_rules_default();
  cx.memo = rules->memo_new(a);
  rules->facts(&cx, asl_facts_extract(a, &cx, "fuzz.py"), a);
}

/* Every file the size of a fuzz input is parsed whole by a run: the parts
 * are planned here with no size threshold. */
static void exercise_pieces(AslParser *parser, const AslOptions *opt,
                            const AslWordSet *hot, const char *text,
                            size_t len) {
  AslArena a;
  asl_arena_init(&a);
  AslSource src;
  asl_source_from_bytes(&a, "fuzz.py", text, len, &src);
  asl_source_index_lines(&a, &src);
  AslWordSet none = {0};
  AslWant want = {&none, NULL, NULL, false, 1, NULL};
  AslPieceSet set;
  AslUnit u;
  if (asl_pieces_first(&a, &src, hot, &want, &set, &u)) {
    unit_facts(parser, &a, opt, &src, &u);
    AslUnparsed *left;
    uint32_t n;
    asl_pieces_unparsed(&a, &src, &set, &left, &n);
    AslScan rest;
    asl_pieces_rest(&a, &src, &set, hot, &rest);
    asl_scan_free(&rest);
    want.all = true;
    if (asl_pieces_next(&a, &src, hot, &want, &set, &u))
      unit_facts(parser, &a, opt, &src, &u);
    if (!asl_pieces_done(&set)) abort(); // `all` leaves nothing out
    asl_pieces_free(&set);
  }
  asl_arena_destroy(&a);
}

/* Applies the findings' fixes (unsafe ones with bit 2 of the mode): the
 * result must parse whenever the input did. */
static void exercise_fixes(AslParser *parser, AslOptions *opt,
                           const AslDiagList *diags, const char *text,
                           size_t len, uint8_t mode) {
  AslArena a;
  asl_arena_init(&a);
  AslSource src;
  asl_source_from_bytes(&a, "fuzz.py", text, len, &src);
  for (int r = 0; r < ASL_RULE__COUNT; r++) opt->fixable[r] = true;
  opt->unsafe_fixes = mode & 4;
  AslBuf out = {0};
  uint32_t n;
  if (!asl_fix_source(opt, parser, &a, &src, diags->items, diags->len, &out,
                      &n)) {
    fprintf(stderr, "%u fixes break the syntax:\n%.*s\n", n, (int)out.len,
            out.data ? out.data : "");
    abort();
  }
  asl_buf_free(&out);
  asl_arena_destroy(&a);
}

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

  AslRun run;
  asl_run_init(&run, asl_rules_default(), &opt);
  AslArena scratch;
  asl_arena_init(&scratch);
  uint32_t index = 0;
  asl_run_bytes(&run, parser, &scratch, "fuzz.py", (const char *)data + 1,
                size - 1, index);
  asl_run_finish(&run, parser, &scratch);
  asl_arena_reset(&scratch);
  AslScan scan;
  asl_scan(&scratch, (const char *)data + 1, size - 1, &run.hot, false, &scan);
  bool hot = scan.hot;
  asl_scan_free(&scan);
  for (uint32_t i = 0; i < run.diags.len && !hot; i++)
    if (run.diags.items[i].rule != ASL_RULE_ASL001) {
      fprintf(stderr, "cold by the pre-filter, yet %s at %u:%u\n",
              asl_rules[run.diags.items[i].rule].code,
              run.diags.items[i].line, run.diags.items[i].column);
      abort();
    }
  for (size_t f = 0; f <= sizeof formats / sizeof formats[0]; f++) {
    // The extra last round renders --statistics.
    opt.statistics = f == sizeof formats / sizeof formats[0];
    if (!opt.statistics) opt.format = formats[f];
    opt.color = mode & 2;
    AslBuf out = {0};
    asl_emit(asl_rules_default(), &opt, &run.diags, run.held, &out);
    asl_buf_free(&out);
  }
  exercise_pieces(parser, &opt, &run.hot, (const char *)data + 1, size - 1);
  exercise_fixes(parser, &opt, &run.diags, (const char *)data + 1, size - 1,
                 mode);
  asl_run_destroy(&run);
  asl_arena_destroy(&scratch);
  return 0;
}
