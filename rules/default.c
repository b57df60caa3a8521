/*
 * default.c - the rule set the analyzer runs (asl_rules_default): the
 * dispatch of the family passes by the registry (analyzer/registry.def),
 * and each rule's explain text.
 */
#include "default.h"
#include "rules.h"

#include "blocking/blocking.h"
#include "unawaited/unawaited.h"

#include <string.h>

static const char *const explain_texts[ASL_RULE__COUNT] = {
#define RULE(code, name, family, sev, on, tests, summary) asl_explain_##code,
#include "../analyzer/registry.def"
#undef RULE
};

/* What the rule does, why it matters, an example, the fix (Markdown). */
static const char *explain(AslRuleId rule) { return explain_texts[rule]; }

/* Words that make a file hot: a file spelling one defines or aliases
 * coroutine functions no `async` shows (`@sync_to_async def f`). */
static const char *const *hot_words(void) {
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

/* What a step past a name outside the project gives, by the bundled
 * libraries' table. */
static const char *external_result(const char *name, AslExternalStep how) {
  return asl_catalog_library_result(name, how);
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

/* ASL1xx: the call of a coroutine function made anywhere can be a
 * finding, so files without a hot word may matter. */
static bool need_reach(const AslOptions *opt) {
  for (int r = 0; r < ASL_RULE__COUNT; r++)
    if (opt->selected[r] && strcmp(asl_rules[r].family, "unawaited") == 0)
      return true;
  // Task wrappers and re-exported spawns are reached as coroutine
  // functions are (ASL301, ASL304).
  return opt->selected[ASL_RULE_ASL301] || opt->selected[ASL_RULE_ASL304];
}

/* Runs every family pass that has at least one enabled rule. */
static void run_families(AslCtx *cx) {
  if (family_enabled(cx, "unawaited")) asl_pass_unawaited(cx);
  if (family_enabled(cx, "unowned_task")) asl_pass_unowned_task(cx);
  if (family_enabled(cx, "sequential")) asl_pass_sequential(cx);
  if (family_enabled(cx, "blocking")) asl_pass_blocking(cx);
}

/* Phase 1, every file of the project: each family adds what it will ask
 * the index (ASL210: sync functions, their blocking calls and calls). */
static void add_facts(const AslCtx *cx, AslFileFacts *facts, AslArena *a) {
  asl_callee_facts(cx, facts, a);
  asl_site_facts(cx, facts, a);
  if (cx->opt->selected[ASL_RULE_ASL210]) asl_blocking_facts(cx, facts, a);
  if (family_selected(cx->opt, "blocking"))
    asl_blocking_constant_facts(cx, facts, a);
  if (need_reach(cx->opt)) {
    asl_unawaited_facts(cx, facts);
    asl_mark_returned_coroutines(cx, facts, a);
  }
  if (cx->opt->selected[ASL_RULE_ASL304]) asl_unowned_task_facts(cx, facts);
}

/* Must the callee reach a coroutine function or a task wrapper to be
 * reported? */
static bool reach_question(AslRuleId rule) {
  return strcmp(asl_rules[rule].family, "unawaited") == 0 ||
         rule == ASL_RULE_ASL301 || rule == ASL_RULE_ASL304;
}

static bool need_index(const AslOptions *opt) {
  // ASL2xx asks the index about constants imported from other modules.
  return need_reach(opt) || family_selected(opt, "blocking");
}

/* Phase 3: a deferred finding goes to its rule's family. */
static const char *decide(const AslIndex *idx, const AslOptions *opt,
                          AslArena *a, const AslDeferred *d, AslDiag *out) {
  if (strcmp(asl_rules[d->diag.rule].family, "unawaited") == 0)
    return asl_unawaited_decide(idx, opt, a, d);
  if (strcmp(asl_rules[d->diag.rule].family, "blocking") == 0)
    return asl_blocking_decide(idx, opt, a, d, out);
  if (d->diag.rule == ASL_RULE_ASL301 || d->diag.rule == ASL_RULE_ASL304)
    return asl_unowned_task_decide(idx, a, d);
  return NULL;
}

static const AslRuleSet default_rules = {
    .run = run_families,
    .facts = add_facts,
    .memo_new = asl_memo_new,
    .decide = decide,
    .need_index = need_index,
    .need_reach = need_reach,
    .reach_question = reach_question,
    .hot_words = hot_words,
    .external_result = external_result,
    .explain = explain,
};

const AslRuleSet *asl_rules_default(void) { return &default_rules; }
