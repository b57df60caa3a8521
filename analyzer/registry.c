/*
 * registry.c - the rule table built from registry.def, and lookup by code.
 */
#include "asl.h"

#include <string.h>

const AslRule asl_rules[ASL_RULE__COUNT] = {
#define RULE(code, name, family, sev, on, tests, summary)                      \
  {#code, name, #family, sev, summary, on, tests},
#include "registry.def"
#undef RULE
};

AslRuleId asl_rule_by_code(const char *code) {
  for (int r = 0; r < ASL_RULE__COUNT; r++)
    if (strcmp(asl_rules[r].code, code) == 0) return (AslRuleId)r;
  return ASL_RULE__COUNT;
}
