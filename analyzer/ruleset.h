/*
 * ruleset.h - all the analyzer asks of the rules: a table of functions the
 * driver (run.c) calls at each phase of a run. The rules implement it
 * (rules/default.h: asl_rules_default()) and a front end hands it to the
 * session or the run, so that the analyzer never includes nor calls
 * rules/: rules depend on the analyzer, not the reverse
 * (tests/layers/check_layers.sh keeps it so).
 */
#ifndef ASL_ANALYZER_RULESET_H_
#define ASL_ANALYZER_RULESET_H_

#include "asl.h"
#include "index.h"

typedef struct AslRuleSet {
  /** Phase 1, each file the user named: runs the passes of the selected
   * rules, which report (asl_report) or defer (asl_defer) findings. */
  void (*run)(AslCtx *cx);
  /** Phase 1, every file of the project: adds to the file's facts what
   * the rules will ask the index. `a` is the run's arena, which the facts
   * live in. */
  void (*facts)(const AslCtx *cx, AslFileFacts *facts, AslArena *a);
  /** The passes' per-file caches (AslCtx.memo), in the file's arena. */
  struct AslMemo *(*memo_new)(AslArena *a);
  /** Phase 3: decides a finding a pass deferred. Returns its message (in
   * `a`), or NULL to drop it; may also set out->related (in `a`). */
  const char *(*decide)(const AslIndex *idx, const AslOptions *opt,
                        AslArena *a, const AslDeferred *d, AslDiag *out);
  /** Does a selected rule need the project index (the driver then reads
   * the rest of the project too)? */
  bool (*need_index)(const AslOptions *opt);
  /** Can a file without a hot word hold a finding (see prefilter.h)? */
  bool (*need_reach)(const AslOptions *opt);
  /** Is a deferred question of `rule` one that the pre-filter's W answers
   * (see prefilter.h)? */
  bool (*reach_question)(AslRuleId rule);
  /** Words that make a file hot besides its own (NULL-terminated). */
  const char *const *(*hot_words)(void);
  /** Steps past names outside the project (the index's AslExternalResult). */
  AslExternalResult external_result;
  /** The rule's explain text (Markdown: what it does, why it is bad, an
   * example, the fix), for `explain` and SARIF's help. */
  const char *(*explain)(AslRuleId rule);
} AslRuleSet;

#endif /* ASL_ANALYZER_RULESET_H_ */
