/*
 * registry.c - the rule table built from registry.def, lookup by code, and
 * the dispatch of family passes.
 */
#include "rules.h"

#include "blocking/blocking.h"
#include "unawaited/unawaited.h"

#include <string.h>

const AslRule asl_rules[ASL_RULE__COUNT] = {
#define RULE(code, name, family, sev, on, tests, summary)                           \
  {#code, name, #family, sev, summary, asl_explain_##code, on, tests},
#include "registry.def"
#undef RULE
};

const char *const *asl_rules_hot_words(void) {
  // Filled once, before any worker starts (asl_run_init).
  static const char *words[64];
  if (!words[0]) {
    size_t n = 0;
    const char *const *lists[] = {asl_unawaited_hot_words(),
                                  asl_library_hot_words(),
                                  asl_blocking_hot_words()};
    for (size_t l = 0; l < 3; l++)
      for (const char *const *w = lists[l]; *w && n + 1 < 64; w++)
        words[n++] = *w;
  }
  return words;
}

const char *asl_rules_external_result(const char *name, AslExternalStep how) {
  return asl_catalog_library_result(name, how);
}

AslRuleId asl_rule_by_code(const char *code) {
  for (int r = 0; r < ASL_RULE__COUNT; r++)
    if (strcmp(asl_rules[r].code, code) == 0) return (AslRuleId)r;
  return ASL_RULE__COUNT;
}

/* Is any rule of `family` selected? Saves the walk of a disabled family. */
static bool family_selected(const AslOptions *opt, const char *family) {
  for (int r = 0; r < ASL_RULE__COUNT; r++)
    if (opt->selected[r] && strcmp(asl_rules[r].family, family) == 0)
      return true;
  return false;
}

static bool family_enabled(const AslCtx *cx, const char *family) {
  return family_selected(cx->opt, family);
}

void asl_rules_run(AslCtx *cx) {
  if (family_enabled(cx, "unawaited")) asl_pass_unawaited(cx);
  if (family_enabled(cx, "unowned_task")) asl_pass_unowned_task(cx);
  if (family_enabled(cx, "sequential")) asl_pass_sequential(cx);
  if (family_enabled(cx, "blocking")) asl_pass_blocking(cx);
}

void asl_rules_facts(const AslCtx *cx, struct AslFileFacts *facts,
                     AslArena *a) {
  asl_callee_facts(cx, facts, a);
  asl_site_facts(cx, facts, a);
  if (cx->opt->selected[ASL_RULE_ASL210]) asl_blocking_facts(cx, facts, a);
  if (family_selected(cx->opt, "blocking"))
    asl_blocking_constant_facts(cx, facts, a);
  if (asl_rules_need_reach(cx->opt)) {
    asl_unawaited_facts(cx, facts);
    asl_mark_returned_coroutines(cx, facts, a);
  }
  if (cx->opt->selected[ASL_RULE_ASL304]) asl_unowned_task_facts(cx, facts);
}

bool asl_rules_need_reach(const AslOptions *opt) {
  for (int r = 0; r < ASL_RULE__COUNT; r++)
    if (opt->selected[r] && strcmp(asl_rules[r].family, "unawaited") == 0)
      return true;
  // Task wrappers and re-exported spawns are reached as coroutine
  // functions are (ASL301, ASL304).
  return opt->selected[ASL_RULE_ASL301] || opt->selected[ASL_RULE_ASL304];
}

bool asl_rules_reach_question(AslRuleId rule) {
  return strcmp(asl_rules[rule].family, "unawaited") == 0 ||
         rule == ASL_RULE_ASL301 || rule == ASL_RULE_ASL304;
}

bool asl_rules_need_index(const AslOptions *opt) {
  // ASL2xx asks the index about constants imported from other modules.
  return asl_rules_need_reach(opt) || family_selected(opt, "blocking");
}

const char *asl_rules_decide(const AslIndex *idx, const AslOptions *opt,
                             AslArena *a, const AslDeferred *d,
                             AslDiag *out) {
  if (strcmp(asl_rules[d->diag.rule].family, "unawaited") == 0)
    return asl_unawaited_decide(idx, opt, a, d);
  if (strcmp(asl_rules[d->diag.rule].family, "blocking") == 0)
    return asl_blocking_decide(idx, opt, a, d, out);
  if (d->diag.rule == ASL_RULE_ASL301 || d->diag.rule == ASL_RULE_ASL304)
    return asl_unowned_task_decide(idx, a, d);
  return NULL;
}
