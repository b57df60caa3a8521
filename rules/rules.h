/*
 * rules.h - the rule passes, one per family. Each walks one file's
 * flattened tree once and reports through asl_report(); each rule's explain
 * text is defined beside its logic as asl_explain_<CODE>.
 */
#ifndef ASL_RULES_RULES_H_
#define ASL_RULES_RULES_H_

#include "../analyzer/asl.h"

/** ASL3xx: tasks whose result nobody keeps (rules/unowned_task/). */
void asl_pass_unowned_task(AslCtx *cx);

/** Runs every family pass that has at least one enabled rule. */
void asl_rules_run(AslCtx *cx);

#define RULE(code, name, family, sev, on, summary)                           \
  extern const char asl_explain_##code[];
#include "registry.def"
#undef RULE

#endif /* ASL_RULES_RULES_H_ */
