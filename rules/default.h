/*
 * default.h - the rules' entry point for the front ends: every family's
 * passes as the rule set the analyzer runs (analyzer/ruleset.h), to hand
 * to a session or a run.
 */
#ifndef ASL_RULES_DEFAULT_H_
#define ASL_RULES_DEFAULT_H_

#include "../analyzer/ruleset.h"

/** The rule set of every rule of the registry (static; never freed). */
const AslRuleSet *asl_rules_default(void);

#endif /* ASL_RULES_DEFAULT_H_ */
