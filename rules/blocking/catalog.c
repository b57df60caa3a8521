/*
 * catalog.c - lookups in blocking_calls.def, the ASL2xx catalog, and in
 * the user's --blocking-call / --allow-blocking lists (fnmatch globs on
 * dotted names, as flake8-async's ASYNC200 setting).
 */
#include "blocking.h"

#include <fnmatch.h>
#include <pthread.h>
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

/* ---- key hashes --------------------------------------------------------
 * The tables are a few hundred entries, scanned in order (the first match
 * wins, as the .def file reads). Each scan compares a hash of every key,
 * computed once, before the strings: a lookup costs a few hundred integer
 * compares instead of as many strcmp calls (they ran for every call and
 * receiver of every parsed file). */

static uint32_t key_hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static uint32_t str_hash(const char *s) { return key_hash(s, strlen(s)); }

enum {
  NCALLS = sizeof calls / sizeof calls[0],
  NMETHODS = sizeof methods / sizeof methods[0],
  NTYPES = sizeof types / sizeof types[0],
  NPURE = sizeof pure / sizeof pure[0]
};

/* A call entry's hash: of its whole name, or for "mod.*" of "mod." (what
 * a name it matches has up to its last dot). */
static uint32_t call_hash[NCALLS], type_hash[NMETHODS],
    method_hash[NMETHODS], factory_hash[NTYPES], pure_hash[NPURE];
static bool call_is_module[NCALLS]; /* a "mod.*" entry */

static void hash_tables(void) {
  for (size_t i = 0; calls[i].name; i++) {
    const char *n = calls[i].name;
    size_t len = strlen(n);
    call_is_module[i] = len >= 2 && n[len - 1] == '*' && n[len - 2] == '.';
    call_hash[i] = key_hash(n, call_is_module[i] ? len - 1 : len);
  }
  for (size_t i = 0; methods[i].type; i++) {
    type_hash[i] = str_hash(methods[i].type);
    method_hash[i] = str_hash(methods[i].method);
  }
  for (size_t i = 0; types[i].factory; i++)
    factory_hash[i] = str_hash(types[i].factory);
  for (size_t i = 0; pure[i]; i++) pure_hash[i] = str_hash(pure[i]);
}

static void init_hashes(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, hash_tables);
}

static bool is_star(const char *method) {
  return method[0] == '*' && method[1] == 0;
}

static bool is_pure(const char *name) {
  uint32_t h = str_hash(name);
  for (size_t i = 0; pure[i]; i++)
    if (pure_hash[i] == h && strcmp(pure[i], name) == 0) return true;
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

bool asl_blocking_catalog_call(const char *dotted, AslRuleId *rule,
                               const char **suggestion, AslArgTest *when) {
  init_hashes();
  if (is_pure(dotted)) return false;
  uint32_t whole = str_hash(dotted);
  const char *dot = strrchr(dotted, '.');
  uint32_t module = dot ? key_hash(dotted, (size_t)(dot + 1 - dotted)) : 0;
  // An exact entry wins over a module's `.*`.
  const CallEntry *hit = NULL;
  for (size_t i = 0; calls[i].name; i++) {
    const CallEntry *e = &calls[i];
    if (call_hash[i] != (call_is_module[i] ? module : whole) ||
        (call_is_module[i] && !dot) || !name_matches(e->name, dotted))
      continue;
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
  init_hashes();
  char key[256];
  snprintf(key, sizeof key, "%s.%s", type, method);
  if (is_pure(key)) return false;
  uint32_t th = str_hash(type), mh = str_hash(method);
  for (size_t i = 0; methods[i].type; i++) {
    const MethodEntry *e = &methods[i];
    if (type_hash[i] == th && strcmp(e->type, type) == 0 &&
        ((method_hash[i] == mh && strcmp(e->method, method) == 0) ||
         is_star(e->method))) {
      *rule = e->rule;
      *suggestion = e->suggestion;
      *when = e->when;
      return true;
    }
  }
  return false;
}

unsigned asl_blocking_catalog_method_rules(const char *method) {
  init_hashes();
  uint32_t mh = str_hash(method);
  unsigned rules = 0;
  for (size_t i = 0; methods[i].type; i++) {
    const MethodEntry *e = &methods[i];
    if ((method_hash[i] == mh && strcmp(e->method, method) == 0) ||
        is_star(e->method))
      rules |= 1u << (e->rule - ASL_RULE_ASL200);
  }
  return rules;
}

const char *asl_blocking_catalog_result(const char *factory) {
  init_hashes();
  uint32_t h = str_hash(factory);
  for (size_t i = 0; types[i].factory; i++)
    if (factory_hash[i] == h && strcmp(types[i].factory, factory) == 0)
      return types[i].type;
  return NULL;
}

bool asl_blocking_catalog_is_type(const char *type) {
  init_hashes();
  uint32_t h = str_hash(type);
  for (size_t i = 0; methods[i].type; i++)
    if (type_hash[i] == h && strcmp(methods[i].type, type) == 0) return true;
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
