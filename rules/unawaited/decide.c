/*
 * decide.c - the ASL1xx pass, phase 3: with the project index built, ask
 * what each deferred call's callee is, and report the calls of coroutine
 * functions. The catalog answers for callees outside the project.
 */
#include "unawaited.h"

#include "../../analyzer/index.h"

#include <string.h>

/* Is decorator `name` a def of the project that returns a coroutine
 * function (`@wraps(func) async def wrapper(...)`, or annotated `->
 * Callable[P, Coroutine[...]]`)? What it decorates is then one. */
static bool gives_coroutine_function(const AslIndex *idx, uint32_t from,
                                     const char *name) {
  AslDef d;
  return strcmp(name, "?") != 0 &&
         asl_index_resolve(idx, from, name, &d) == ASL_DEF_FUNCTION &&
         d.gives_coroutine_function;
}

/* Is `def` certainly a coroutine function? An async def (not an async
 * generator) whose every decorator is known to keep it one, a def that a
 * known decorator turns into one, or a name outside the project that the
 * catalog or the user lists. An async def's decorators may also be the
 * project's own, returning an async wrapper (only for an async def: the
 * pre-filter seeds every async def's name, not a sync def's). */
static bool is_coroutine_function(const AslIndex *idx, uint32_t from,
                                  const AslOptions *opt, const AslDef *def) {
  if (def->kind == ASL_DEF_EXTERNAL)
    return asl_catalog_is_coroutine(opt, def->name);
  if (def->kind != ASL_DEF_COROUTINE && def->kind != ASL_DEF_FUNCTION)
    return false;
  if (asl_unawaited_decorated_kind(opt, def->kind == ASL_DEF_COROUTINE,
                                   def->decorators, def->ndecorators))
    return true;
  if (def->kind != ASL_DEF_COROUTINE) return false;
  for (uint32_t k = 0; k < def->ndecorators; k++)
    if (!asl_catalog_preserves(opt, def->decorators[k]))
      return gives_coroutine_function(idx, from, def->decorators[k]);
  return false;
}

/* Asks the index (or the file, for nested defs) what the callee is. */
static void resolve_callee(const AslIndex *idx, const AslOptions *opt,
                           const AslDeferred *d, AslDef *out) {
  const AslCallee *c = &d->callee;
  memset(out, 0, sizeof *out);
  switch (c->kind) {
  case ASL_CALLEE_NAME:
    // A parameter annotated with a class (`self: "Client"`): calling the
    // instance runs the class's __call__.
    if (asl_index_resolve(idx, d->facts_id, c->dotted, out) ==
            ASL_DEF_CLASS &&
        c->param && c->dotted[0] != '@')
      asl_index_method(idx, d->facts_id, c->dotted, "__call__", false, out);
    break;
  case ASL_CALLEE_METHOD:
  case ASL_CALLEE_SUPER:
    asl_index_method(idx, d->facts_id, c->dotted, c->attr,
                     c->kind == ASL_CALLEE_SUPER, out);
    break;
  case ASL_CALLEE_LOCAL:
    *out = *c->local;
    break;
  case ASL_CALLEE_ANY_METHOD: {
    // Through a receiver of a class of the project, or whose method the
    // index finds, ASL101 decides; a name outside the project that the
    // catalog does not list as a coroutine (`next(it)`, a library's
    // factory) tells nothing.
    AslDef typed;
    AslDefKind k = c->param ? asl_index_method(idx, d->facts_id, c->param,
                                               c->attr, false, &typed)
                            : ASL_DEF_UNKNOWN;
    if ((k != ASL_DEF_UNKNOWN &&
         (k != ASL_DEF_EXTERNAL ||
          is_coroutine_function(idx, d->facts_id, opt, &typed))) ||
        (c->param && asl_index_receiver_is_class(idx, d->facts_id, c->param))) {
      memset(out, 0, sizeof *out);
      break;
    }
    asl_index_async_only(idx, d->facts_id, c->attr, c->dotted, out);
    break;
  }
  }
}

/* For a property read: is the property's getter a coroutine function or
 * one that returns a coroutine? Sets def->role to say which. */
static bool property_gives_coroutine(AslArena *a, AslDef *def) {
  if (!asl_def_is_property(def)) return false;
  if (def->kind == ASL_DEF_COROUTINE)
    def->role = "is a property whose getter is an async def: reading it "
                "gives a coroutine";
  else if (def->kind == ASL_DEF_FUNCTION && def->returns_coroutine)
    def->role = asl_arena_printf(a, "is a property whose getter returns a "
                                    "coroutine ('%s' is a coroutine "
                                    "function)",
                                 def->returns_coroutine);
  else
    return false;
  return true;
}

const char *asl_unawaited_decide(const AslIndex *idx, const AslOptions *opt,
                                 AslArena *a, const AslDeferred *d) {
  AslDef def;
  resolve_callee(idx, opt, d, &def);
  if (d->property) {
    if (!property_gives_coroutine(a, &def)) return NULL;
  } else if (def.kind == ASL_DEF_FUNCTION && def.returns_coroutine)
    def.role = asl_arena_printf(a, "returns a coroutine ('%s' is a "
                                   "coroutine function)",
                                def.returns_coroutine);
  else if (!is_coroutine_function(idx, d->facts_id, opt, &def))
    return NULL;
  char source[96];
  if (def.kind == ASL_DEF_EXTERNAL && !def.role &&
      asl_catalog_library_source(def.name, source, sizeof source))
    def.role = asl_arena_printf(a, "is a coroutine function (%s)", source);
  const AslCallee *c = &d->callee;
  if (!c->param || c->kind == ASL_CALLEE_ANY_METHOD) {
    // (ASL104's param is the fixture it asked about first)
  } else if (c->dotted && c->dotted[0] == '@') {
    def.name = c->param; // a fixture: the index said what its value is
  } else {
    // A parameter annotated as a callable that gives an awaitable: named
    // by the parameter, located at the annotation's alias (or itself).
    size_t n = def.name ? strlen(def.name) : 0;
    bool call = n > 9 && strcmp(def.name + n - 9, ".__call__") == 0;
    def.role = c->kind == ASL_CALLEE_LOCAL
                   ? "is annotated as a callable returning an awaitable"
               : call ? asl_arena_printf(a, "is annotated '%.*s', whose "
                                            "__call__ is a coroutine "
                                            "function",
                                         (int)(n - 9), def.name)
                      : asl_arena_printf(a, "is annotated '%s', a callable "
                                            "returning an awaitable",
                                         def.name);
    def.name = c->param;
  }
  switch (d->diag.rule) {
  case ASL_RULE_ASL101:
    return asl_msg_unawaited(a, &def);
  case ASL_RULE_ASL102:
    return asl_msg_unread(a, &def, d->subject ? d->subject : "?");
  case ASL_RULE_ASL103:
    return d->subject ? asl_msg_compared(a, &def)
                      : asl_msg_truthiness(a, &def);
  case ASL_RULE_ASL104:
    return asl_msg_by_name(a, &def);
  case ASL_RULE_ASL105:
    return asl_msg_used_as_value(a, &def, d->subject ? d->subject : "?");
  default:
    return NULL;
  }
}

const char *asl_msg_subject(AslArena *a, const AslDef *def) {
  const char *role = def->role ? def->role : "is a coroutine function";
  if (!def->path) return asl_arena_printf(a, "'%s' %s", def->name, role);
  return asl_arena_printf(a, "'%s' %s (%s:%u)", def->name, role, def->path,
                          def->line);
}
