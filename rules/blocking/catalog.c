/*
 * catalog.c - lookups in blocking_calls.def, the ASL2xx catalog, and in
 * the user's --blocking-call / --allow-blocking lists (fnmatch globs on
 * dotted names, as flake8-async's ASYNC200 setting).
 */
#include "blocking.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

typedef struct CallEntry {
  AslRuleId rule;
  const char *name;
  const char *suggestion;
  AslArgTest when;
} CallEntry;

typedef struct MethodEntry {
  AslRuleId rule;
  const char *type, *method, *suggestion;
  AslArgTest when;
} MethodEntry;

typedef struct TypeEntry {
  const char *factory, *type;
} TypeEntry;

#define NOT_BLOCKING(name)

#define BLOCKING_CALL(code, name, sugg)                                      \
  {ASL_RULE_##code, name, sugg, ASL_ARG_ANY},
#define BLOCKING_CALL_IF(code, name, when, sugg)                             \
  {ASL_RULE_##code, name, sugg, ASL_##when},
#define BLOCKING_METHOD(code, type, method, sugg)
#define BLOCKING_METHOD_IF(code, type, method, when, sugg)
#define RESULT_TYPE(factory, type)
static const CallEntry calls[] = {
#include "blocking_calls.def"
    {ASL_RULE__COUNT, NULL, NULL, ASL_ARG_ANY}};
#undef BLOCKING_CALL_IF
#define BLOCKING_CALL_IF(code, name, when, sugg)
#undef BLOCKING_CALL
#undef BLOCKING_METHOD
#undef BLOCKING_METHOD_IF
#define BLOCKING_CALL(code, name, sugg)
#define BLOCKING_METHOD(code, type, method, sugg)                            \
  {ASL_RULE_##code, type, method, sugg, ASL_ARG_ANY},
#define BLOCKING_METHOD_IF(code, type, method, when, sugg)                   \
  {ASL_RULE_##code, type, method, sugg, ASL_##when},
static const MethodEntry methods[] = {
#include "blocking_calls.def"
    {ASL_RULE__COUNT, NULL, NULL, NULL, ASL_ARG_ANY}};
#undef BLOCKING_METHOD
#undef BLOCKING_METHOD_IF
#undef RESULT_TYPE
#define BLOCKING_METHOD(code, type, method, sugg)
#define BLOCKING_METHOD_IF(code, type, method, when, sugg)
#define RESULT_TYPE(factory, type) {factory, type},
static const TypeEntry types[] = {
#include "blocking_calls.def"
    {NULL, NULL}};
#undef BLOCKING_CALL
#undef BLOCKING_METHOD
#undef RESULT_TYPE
#undef NOT_BLOCKING
#define BLOCKING_CALL(code, name, sugg)
#define BLOCKING_METHOD(code, type, method, sugg)
#define RESULT_TYPE(factory, type)
#define NOT_BLOCKING(name) name,
static const char *const pure[] = {
#include "blocking_calls.def"
    NULL};
#undef BLOCKING_CALL
#undef BLOCKING_METHOD
#undef BLOCKING_METHOD_IF
#undef RESULT_TYPE
#undef NOT_BLOCKING

static bool is_pure(const char *name) {
  for (const char *const *p = pure; *p; p++)
    if (strcmp(*p, name) == 0) return true;
  return false;
}

/* Does catalog name `pat` ("time.sleep", or "os.path.*") match `name`? */
static bool name_matches(const char *pat, const char *name) {
  size_t n = strlen(pat);
  if (n >= 2 && pat[n - 1] == '*' && pat[n - 2] == '.')
    return strncmp(pat, name, n - 1) == 0 && name[n - 1] &&
           !strchr(name + n - 1, '.');
  return strcmp(pat, name) == 0;
}

/* The tables are a few hundred entries: a linear scan per call costs less
 * than the parse, and keeps the catalog plain data. */
bool asl_blocking_catalog_call(const char *dotted, AslRuleId *rule,
                               const char **suggestion, AslArgTest *when) {
  if (is_pure(dotted)) return false;
  // An exact entry wins over a module's `.*`.
  const CallEntry *hit = NULL;
  for (const CallEntry *e = calls; e->name; e++) {
    if (!name_matches(e->name, dotted)) continue;
    if (!strchr(e->name, '*')) {
      hit = e;
      break;
    }
    if (!hit) hit = e;
  }
  if (!hit) return false;
  *rule = hit->rule;
  *suggestion = hit->suggestion;
  *when = hit->when;
  return true;
}

bool asl_blocking_catalog_method(const char *type, const char *method,
                                 AslRuleId *rule, const char **suggestion,
                                 AslArgTest *when) {
  char key[256];
  snprintf(key, sizeof key, "%s.%s", type, method);
  if (is_pure(key)) return false;
  for (const MethodEntry *e = methods; e->type; e++)
    if (strcmp(e->type, type) == 0 &&
        (strcmp(e->method, method) == 0 || strcmp(e->method, "*") == 0)) {
      *rule = e->rule;
      *suggestion = e->suggestion;
      *when = e->when;
      return true;
    }
  return false;
}

unsigned asl_blocking_catalog_method_rules(const char *method) {
  unsigned rules = 0;
  for (const MethodEntry *e = methods; e->type; e++)
    if (strcmp(e->method, method) == 0 || strcmp(e->method, "*") == 0)
      rules |= 1u << (e->rule - ASL_RULE_ASL200);
  return rules;
}

const char *asl_blocking_catalog_result(const char *factory) {
  for (const TypeEntry *e = types; e->factory; e++)
    if (strcmp(e->factory, factory) == 0) return e->type;
  return NULL;
}

bool asl_blocking_catalog_is_type(const char *type) {
  for (const MethodEntry *e = methods; e->type; e++)
    if (strcmp(e->type, type) == 0) return true;
  return false;
}

/* --blocking-call values are "PATTERN=SUGGESTION" (suggestion optional). */
const char *asl_blocking_user_call(const AslOptions *opt, const char *name) {
  for (uint32_t i = 0; i < opt->blocking_calls.len; i++) {
    const char *v = opt->blocking_calls.items[i];
    const char *eq = strchr(v, '=');
    size_t n = eq ? (size_t)(eq - v) : strlen(v);
    char pat[256];
    if (n == 0 || n >= sizeof pat) continue;
    memcpy(pat, v, n);
    pat[n] = 0;
    if (fnmatch(pat, name, 0) == 0)
      return eq && eq[1] ? eq + 1 : "an async alternative";
  }
  return NULL;
}

bool asl_blocking_allowed(const AslOptions *opt, const char *name) {
  for (uint32_t i = 0; i < opt->allow_blocking.len; i++)
    if (fnmatch(opt->allow_blocking.items[i], name, 0) == 0) return true;
  return false;
}
