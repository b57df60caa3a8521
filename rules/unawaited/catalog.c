/*
 * catalog.c - lookups in known_coroutines.def, the ASL1xx catalog, plus
 * the names the user adds on the command line.
 */
#include "unawaited.h"

#include "../../analyzer/index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each table below turns one macro of the .def on and includes it; every
 * other macro expands to nothing. */
#define KNOWN_COROUTINE(name)
#define RESULT_TYPE(f, awaited, i, type)
#define REEXPORTED(module, into)
#define PRESERVING_DECORATOR(name)
#define COROUTINE_DECORATOR(module, name)
#define CALLBACK_SINK(method)

#undef KNOWN_COROUTINE
#define KNOWN_COROUTINE(name) name,
static const char *const known_coroutines[] = {
#include "known_coroutines.def"
    NULL};
#undef KNOWN_COROUTINE
#define KNOWN_COROUTINE(name)

typedef struct ResultType {
  const char *factory;
  bool awaited;
  int position;
  const char *type;
} ResultType;

#undef RESULT_TYPE
#define RESULT_TYPE(f, awaited, i, type) {f, awaited, i, type},
static const ResultType result_types[] = {
#include "known_coroutines.def"
    {NULL, false, 0, NULL}};
#undef RESULT_TYPE
#define RESULT_TYPE(f, awaited, i, type)

#undef REEXPORTED
#define REEXPORTED(module, into) {module, into},
static const char *const reexports[][2] = {
#include "known_coroutines.def"
    {NULL, NULL}};
#undef REEXPORTED
#define REEXPORTED(module, into)

#undef PRESERVING_DECORATOR
#define PRESERVING_DECORATOR(name) name,
static const char *const preserving[] = {
#include "known_coroutines.def"
    NULL};
#undef PRESERVING_DECORATOR
#define PRESERVING_DECORATOR(name)

#undef COROUTINE_DECORATOR
#define COROUTINE_DECORATOR(module, name) module "." name,
static const char *const to_coroutine[] = {
#include "known_coroutines.def"
    NULL};
#undef COROUTINE_DECORATOR
#define COROUTINE_DECORATOR(module, name)

#undef CALLBACK_SINK
#define CALLBACK_SINK(method) method,
static const char *const callback_sinks[] = {
#include "known_coroutines.def"
    NULL};
#undef CALLBACK_SINK
#define CALLBACK_SINK(method)

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

static bool in_vec(const char *s, const AslStrVec *v) {
  for (uint32_t i = 0; i < v->len; i++)
    if (strcmp(s, v->items[i]) == 0) return true;
  return false;
}

/* ---- the bundled libraries (library_coroutines.def, library_types.def) */

typedef struct LibraryEntry {
  const char *name, *library;
} LibraryEntry;

#define LIBRARY(name, version, commit)
#define LIBRARY_COROUTINE(library, name) {name, library},
static const LibraryEntry library_coroutines[] = {
#include "library_coroutines.def"
};
#undef LIBRARY_COROUTINE
#define LIBRARY_COROUTINE(library, name)
#undef LIBRARY
#define LIBRARY(name, version, commit) {name, version},
static const char *const library_versions[][2] = {
#include "library_coroutines.def"
    {NULL, NULL}};
#undef LIBRARY
#define LIBRARY(name, version, commit) name,
/* The bundled libraries' top-level packages, and those re-exporting them:
 * their callers spell them, as --known-coroutine's do (hot words). */
static const char *const library_hot_words[] = {
#include "library_coroutines.def"
    "fastapi", // re-exports starlette's classes (library_types.def)
    NULL};
#undef LIBRARY
#define LIBRARY(name, version, commit)

#define LIBRARY_ALIAS(alias, name) {alias, name},
#define LIBRARY_RESULT(f, how, type)
static const char *const library_aliases[][2] = {
#include "library_types.def"
    {NULL, NULL}};
#undef LIBRARY_ALIAS
#define LIBRARY_ALIAS(alias, name)

typedef struct LibraryResult {
  const char *callee;
  AslExternalStep how;
  const char *type;
} LibraryResult;

#undef LIBRARY_RESULT
#define LIBRARY_RESULT(f, how, type) {f, ASL_EXTERNAL_##how, type},
static const LibraryResult library_results[] = {
#include "library_types.def"
    {NULL, ASL_EXTERNAL_CALL, NULL}};
#undef LIBRARY_RESULT
#define LIBRARY_RESULT(f, how, type)

static int cmp_entry(const void *key, const void *elem) {
  return strcmp(key, ((const LibraryEntry *)elem)->name);
}

static const LibraryEntry *library_entry(const char *name) {
  return bsearch(name, library_coroutines,
                 sizeof library_coroutines / sizeof *library_coroutines,
                 sizeof *library_coroutines, cmp_entry);
}

/* Writes into buf the public spelling of `name` when a LIBRARY_ALIAS is a
 * prefix of it ("fastapi.Request.json" -> "starlette.requests.Request.json");
 * false if none is. */
static bool library_canonical(const char *name, char *buf, size_t size) {
  for (uint32_t k = 0; library_aliases[k][0]; k++) {
    size_t n = strlen(library_aliases[k][0]);
    if (strncmp(name, library_aliases[k][0], n) != 0 ||
        (name[n] != '.' && name[n] != 0))
      continue;
    return (size_t)snprintf(buf, size, "%s%s", library_aliases[k][1],
                            name + n) < size;
  }
  return false;
}

/* The table's entry for `name` (or for its public spelling), or NULL. */
static const LibraryEntry *library_coroutine(const char *name) {
  char canon[256];
  const LibraryEntry *e = library_entry(name);
  if (!e && library_canonical(name, canon, sizeof canon))
    e = library_entry(canon);
  return e;
}

bool asl_catalog_library_source(const char *name, char *buf, size_t size) {
  const LibraryEntry *e = library_coroutine(name);
  for (uint32_t k = 0; e && library_versions[k][0]; k++)
    if (strcmp(library_versions[k][0], e->library) == 0)
      return (size_t)snprintf(buf, size, "%s %s", e->library,
                              library_versions[k][1]) < size;
  return false;
}


const char *asl_catalog_library_result(const char *callee,
                                       AslExternalStep how) {
  char canon[256];
  if (library_canonical(callee, canon, sizeof canon)) callee = canon;
  for (const LibraryResult *r = library_results; r->callee; r++)
    if (r->how == how && strcmp(r->callee, callee) == 0) return r->type;
  return NULL;
}

/* Writes the re-exported spelling of `name` ("asyncio.tasks.sleep" ->
 * "asyncio.sleep") into buf; false if no REEXPORTED entry applies. */
static bool reexported_name(const char *name, char *buf, size_t size) {
  for (uint32_t k = 0; reexports[k][0]; k++) {
    size_t n = strlen(reexports[k][0]);
    if (strncmp(name, reexports[k][0], n) != 0 || name[n] != '.') continue;
    return (size_t)snprintf(buf, size, "%s%s", reexports[k][1], name + n) <
           size;
  }
  return false;
}

bool asl_catalog_is_coroutine(const AslOptions *opt, const char *name) {
  if (in_list(name, known_coroutines) || in_vec(name, &opt->known_coroutines) ||
      library_coroutine(name))
    return true;
  char canon[256];
  return reexported_name(name, canon, sizeof canon) &&
         (in_list(canon, known_coroutines) ||
          in_vec(canon, &opt->known_coroutines));
}

const char *asl_catalog_result_type(const char *factory, bool awaited,
                                    int position) {
  char canon[256];
  if (reexported_name(factory, canon, sizeof canon)) factory = canon;
  for (const ResultType *r = result_types; r->factory; r++)
    if (r->awaited == awaited && r->position == position &&
        strcmp(r->factory, factory) == 0)
      return r->type;
  return position < 0 ? asl_catalog_library_result(
                            factory, awaited ? ASL_EXTERNAL_AWAIT
                                             : ASL_EXTERNAL_CALL)
                      : NULL;
}

bool asl_catalog_preserves(const AslOptions *opt, const char *name) {
  return in_list(name, preserving) || in_vec(name, &opt->preserving_decorators);
}

/* Hot words of the pre-filter besides its own: the name of each
 * COROUTINE_DECORATOR without its module, and the awaitable types. */
#undef COROUTINE_DECORATOR
#define COROUTINE_DECORATOR(module, name) name,
static const char *const to_coroutine_words[] = {
#include "known_coroutines.def"
    // A callable annotated to return one of these is called like a
    // coroutine function (`Send = Callable[..., Awaitable[None]]`).
    "Awaitable", "Coroutine", NULL};
#undef COROUTINE_DECORATOR
#define COROUTINE_DECORATOR(module, name)

const char *const *asl_unawaited_hot_words(void) { return to_coroutine_words; }

const char *const *asl_library_hot_words(void) { return library_hot_words; }

bool asl_catalog_makes_coroutine(const char *name) {
  return in_list(name, to_coroutine);
}

bool asl_unawaited_decorated_kind(const AslOptions *opt, bool async_def,
                                  const char *const *decorators, uint32_t n) {
  // Outermost first: decorators that keep what they wrap, then possibly
  // one that makes a sync def a coroutine function (@sync_to_async).
  for (uint32_t k = 0; k < n; k++) {
    if (asl_catalog_makes_coroutine(decorators[k])) return true;
    if (!asl_catalog_preserves(opt, decorators[k])) return false;
  }
  return async_def;
}

/* A def bound at module or class level that a decorator turns into a
 * coroutine function is one for the index and the pre-filter's reach. */
static void mark_coroutine(const AslOptions *opt, AslFactBinding *b) {
  if (b->kind == ASL_FACT_FUNCTION && b->ndecorators &&
      asl_unawaited_decorated_kind(opt, false, b->decorators,
                                   b->ndecorators))
    b->kind = ASL_FACT_COROUTINE;
}

void asl_unawaited_facts(const AslCtx *cx, AslFileFacts *facts) {
  bool by_name = cx->opt->selected[ASL_RULE_ASL104];
  for (uint32_t i = 0; i < facts->nnames; i++)
    mark_coroutine(cx->opt, &facts->names[i]);
  for (uint32_t c = 0; c < facts->nclasses; c++)
    for (uint32_t m = 0; m < facts->classes[c].nmembers; m++) {
      AslFactBinding *b = &facts->classes[c].members[m];
      mark_coroutine(cx->opt, b);
      // ASL104 asks whether any def of this name is sync: the pre-filter
      // must read every file that spells it.
      b->by_name = by_name && b->kind == ASL_FACT_COROUTINE &&
                   asl_catalog_by_name_method(b->name, strlen(b->name));
    }
}

#define STDLIB_SYNC_METHOD(name) name,
static const char *const stdlib_sync_methods[] = {
#include "stdlib_sync_methods.def"
};
#undef STDLIB_SYNC_METHOD

bool asl_catalog_stdlib_sync_method(const char *name, size_t len) {
  size_t lo = 0, hi = sizeof stdlib_sync_methods / sizeof *stdlib_sync_methods;
  while (lo < hi) { // the generator sorts by code point: strcmp's order
    size_t mid = lo + (hi - lo) / 2;
    const char *m = stdlib_sync_methods[mid];
    int c = strncmp(m, name, len);
    if (c == 0) c = m[len] ? 1 : 0;
    if (c == 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

bool asl_catalog_by_name_method(const char *name, size_t len) {
  // A compound name (`add_item`), not a dunder, not a test method, and not
  // a plain method of the standard library: a single word (`run`, `main`)
  // is too likely to be some other object's method, and would make the
  // pre-filter read every file that spells it.
  return memchr(name + 1, '_', len > 1 ? len - 2 : 0) != NULL &&
         name[0] != '_' && !(len >= 4 && memcmp(name, "test", 4) == 0) &&
         !asl_catalog_stdlib_sync_method(name, len);
}

bool asl_catalog_is_callback_sink(const char *name, size_t len) {
  for (const char *const *s = callback_sinks; *s; s++)
    if (strlen(*s) == len && memcmp(*s, name, len) == 0) return true;
  return false;
}
