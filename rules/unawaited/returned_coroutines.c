/*
 * returned_coroutines.c - sync defs that return a coroutine: `def
 * disconnect(self): return self._disconnect()` where `_disconnect` is an
 * async method of the same class (or `return fetch()`, an async def of the
 * same module). A call of such a def gives a coroutine, as a coroutine
 * function's does: ASL1xx reports it the same way. Only what the file
 * itself shows is followed (no chain through other modules), so that the
 * pre-filter's reach, which seeds these defs as it seeds async defs, needs
 * nothing more.
 */
#include "unawaited.h"

#include <string.h>

#include "../../analyzer/index.h"

/* The binding of `name` in v[0..n) if every one of them is an async def;
 * NULL otherwise. */
static const AslFactBinding *only_coroutine(const AslFactBinding *v,
                                            uint32_t n, const char *name,
                                            size_t len) {
  const AslFactBinding *hit = NULL;
  for (uint32_t i = 0; i < n; i++) {
    if (strncmp(v[i].name, name, len) != 0 || v[i].name[len]) continue;
    if (v[i].kind != ASL_FACT_COROUTINE) return NULL;
    hit = &v[i];
  }
  return hit;
}

/* The coroutine function every `return` of sync def `fn` (at least one)
 * returns a call of, among the async defs this file binds beside it:
 * `self.m()` with m an async method of fn's class (members), or `f()`
 * with f a module-level async def (names). NULL if not one of those. */
static const char *returned_coroutine(const AslCtx *cx, uint32_t fn,
                                      const AslFactClass *cls,
                                      const AslFileFacts *facts) {
  const AslTree *t = cx->tree;
  const char *target = NULL;
  uint32_t params = asl_child_by_field(t, fn, ASL_F_parameters);
  uint32_t self = params == ASL_NONE ? ASL_NONE : asl_first_named(t, params);
  for (uint32_t i = fn + 1; i < t->nodes[fn].end; i++) {
    if (t->nodes[i].kind != ASL_K_return_statement || t->nodes[i].scope != fn)
      continue;
    uint32_t v = asl_unparen(t, asl_first_named(t, i));
    if (v == ASL_NONE || t->nodes[v].kind != ASL_K_call) return NULL;
    uint32_t f = asl_unparen(t, asl_child_by_field(t, v, ASL_F_function));
    const AslFactBinding *b = NULL;
    if (cls && f != ASL_NONE && t->nodes[f].kind == ASL_K_attribute) {
      uint32_t obj = asl_unparen(t, asl_child_by_field(t, f, ASL_F_object));
      uint32_t attr = asl_child_by_field(t, f, ASL_F_attribute);
      if (obj == ASL_NONE || self == ASL_NONE || attr == ASL_NONE ||
          t->nodes[obj].kind != ASL_K_identifier ||
          t->nodes[self].kind != ASL_K_identifier ||
          !asl_node_text_eq(t, cx->src, obj,
                            asl_node_text(cx->arena, t, cx->src, self)))
        return NULL;
      const AslNode *an = &t->nodes[attr];
      b = only_coroutine(cls->members, cls->nmembers,
                         cx->src->text + an->start_byte,
                         an->end_byte - an->start_byte);
    } else if (f != ASL_NONE && t->nodes[f].kind == ASL_K_identifier) {
      const AslBinding *local = asl_resolve_name(cx, f);
      if (!local || local->scope != 0) return NULL; // not module-level
      const AslNode *fnode = &t->nodes[f];
      b = only_coroutine(facts->names, facts->nnames,
                         cx->src->text + fnode->start_byte,
                         fnode->end_byte - fnode->start_byte);
    }
    if (!b || (target && strcmp(target, b->qualname) != 0)) return NULL;
    target = b->qualname;
  }
  return target;
}

/* Does the decorated definition `dd` carry only property decorators
 * (`@property`, `@functools.cached_property`)? Those keep the getter's
 * result as it is; any other decorator may change it. */
static bool only_property_decorators(const AslCtx *cx, uint32_t dd) {
  const AslTree *t = cx->tree;
  bool any = false;
  for (uint32_t c = asl_first_named(t, dd); c != ASL_NONE;
       c = asl_next_named(t, c)) {
    if (t->nodes[c].kind != ASL_K_decorator) continue;
    uint32_t e = asl_first_named(t, c);
    if (e == ASL_NONE) return false;
    const AslNode *en = &t->nodes[e];
    uint32_t len = en->end_byte - en->start_byte;
    const char *s = cx->src->text + en->start_byte;
    if (!((len == 8 && !memcmp(s, "property", 8)) ||
          (len == 15 && !memcmp(s, "cached_property", 15)) ||
          (len == 25 && !memcmp(s, "functools.cached_property", 25))))
      return false;
    any = true;
  }
  return any;
}

void asl_mark_returned_coroutines(const AslCtx *cx, AslFileFacts *facts,
                                  AslArena *a) {
  const AslTree *t = cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_function_definition ||
        (n->flags & ASL_NODE_IN_ERROR) || asl_is_async_def(t, cx->src, i) ||
        (t->nodes[n->parent].kind == ASL_K_decorated_definition &&
         !only_property_decorators(cx, n->parent)))
      continue;
    AslDef d;
    asl_describe_def(cx, i, &d);
    const AslFactClass *cls;
    AslFactBinding *b = asl_facts_def_binding(facts, d.name, d.line, &cls);
    if (!b || b->kind != ASL_FACT_FUNCTION) continue;
    const char *target = returned_coroutine(cx, i, cls, facts);
    if (target) b->returns_coroutine = asl_arena_strdup(a, target);
  }
}
