/*
 * blocking.h - internal to the ASL2xx pass: the catalog of blocking calls
 * (blocking_calls.def, catalog.c), the matcher that recognises a direct
 * blocking call with the receiver types this file shows (match.c), and
 * how a call's callee is described for the index (callee.c).
 */
#ifndef ASL_RULES_BLOCKING_H_
#define ASL_RULES_BLOCKING_H_

#include "../../analyzer/cond.h"
#include "../../analyzer/index.h"
#include "../rules.h"

/* A direct blocking call, as the matcher found it. */
typedef struct AslBlockingHit {
  AslRuleId rule;         /* ASL200..ASL206 */
  const char *display;    /* "time.sleep", "f.read" (arena-owned) */
  const char *type;       /* receiver type for methods ("file"), or NULL */
  const char *suggestion; /* what to use instead */
  bool likely;            /* a guess (ASYNC211's `x.request("GET", ...)`) */
  bool in_loop;           /* file metadata once per item of a loop, so
                             reported as ASL204 */
} AslBlockingHit;

/* When a catalog function blocks, by its arguments (blocking_calls.def). */
typedef enum {
  ASL_ARG_ANY,       /* always */
  ASL_ARG_FILE_NAME, /* given a file name, not a file object in memory */
  ASL_ARG_TILDE,     /* its first argument is a literal starting with `~` */
  ASL_ARG_NONZERO,   /* its first argument is not a literal zero */
  ASL_ARG_SPAWN_WAIT, /* its mode is not os.P_NOWAIT / os.P_NOWAITO */
  ASL_ARG_WAITS,     /* a thread wait not told to return at once: no first
                        argument False/0, no block=/blocking=/wait=False,
                        no timeout=0 */
} AslArgTest;

/** Catalog: the rule, suggestion and argument test for a function by
 * dotted name; false if it is not a blocking call. */
bool asl_blocking_catalog_call(const char *dotted, AslRuleId *rule,
                               const char **suggestion, AslArgTest *when);
/** Catalog: the rule and suggestion for `method` on a receiver of `type`. */
bool asl_blocking_catalog_method(const char *type, const char *method,
                                 AslRuleId *rule, const char **suggestion,
                                 AslArgTest *when);
/** Catalog: the receiver type that calling `factory` gives, or NULL. */
const char *asl_blocking_catalog_result(const char *factory);
/** Do the arguments of `call` pass catalog test `when`? */
bool asl_blocking_args_block(const AslCtx *cx, uint32_t call,
                             AslArgTest when);
/** The rules (bit r - ASL_RULE_ASL200) of the catalog's methods named
 * `method` on any type. */
unsigned asl_blocking_catalog_method_rules(const char *method);
/** The catalog type of expression `e` as this file shows it, or NULL. */
const char *asl_blocking_value_type(const AslCtx *cx, uint32_t e);
/** Defers `X.m(...)` (X imported) for the index: a constant of a catalog
 * type whose method m blocks. */
void asl_blocking_defer_constant(AslCtx *cx, uint32_t call, bool loop);
const char *asl_blocking_decide_constant(const AslIndex *idx,
                                         const AslOptions *opt, AslArena *a,
                                         const AslDeferred *d);
/** Phase 1: the catalog types of module-level constants
 * (AslFactBinding.value_type, in `a`). */
struct AslFileFacts;
void asl_blocking_constant_facts(const AslCtx *cx, struct AslFileFacts *facts,
                                 AslArena *a);
/** Is `type` a receiver type some catalog method is listed for? */
bool asl_blocking_catalog_is_type(const char *type);

/** The user's --blocking-call entry matching `name` (fnmatch): its
 * suggestion, or NULL. */
const char *asl_blocking_user_call(const AslOptions *opt, const char *name);
/** Does --allow-blocking list `name` (fnmatch)? */
bool asl_blocking_allowed(const AslOptions *opt, const char *name);

/** Is `call` a direct blocking call (catalog, user list; not allowed)?
 * Fills *hit. */
bool asl_blocking_match(const AslCtx *cx, uint32_t call, AslBlockingHit *hit);

/** The argument of `call` at position `pos` or given as keyword `kw`
 * (NULL: none); ASL_NONE if absent. *splat is set when a `*args` or
 * `**kwargs` may hold it. */
uint32_t asl_call_arg(const AslCtx *cx, uint32_t call, uint32_t pos,
                      const char *kw, bool *splat);

/** Words that make a file hot for ASL2xx: the loop's scheduling methods,
 * whose callbacks run on the loop from any code (NULL-terminated). */
const char *const *asl_blocking_hot_words(void);

/** Is what `call` gives iterated right away, so that a generator's body
 * runs here: `for x in f()`, a comprehension's `in f()`, `list(f())`,
 * `sorted(...)`, `"".join(...)`, `next(...)`, `*f()`, also through lazy
 * wrappers (`enumerate`, `zip`, `map`, `filter`, `itertools.chain`)? */
bool asl_call_iterated(const AslCtx *cx, uint32_t call);


/* ---- path conditions (conditions.c) ---- */

/** The parameters of function_definition `fn` (*out in `a`); their
 * number (at most ASL_COND_MAX_PARAMS). */
uint32_t asl_cond_params(const AslCtx *cx, uint32_t fn, AslArena *a,
                         AslParam **out);
/** What expression `e` is, as the code shows it: a literal, a container,
 * a constructor's instance, a parameter of `fn` never bound again
 * (ASL_NONE: none counts), a local bound once to one of those. */
AslValue asl_cond_value(const AslCtx *cx, uint32_t fn, uint32_t e,
                        AslArena *a);
/** The arguments of `call` (values as asl_cond_value sees them in
 * `fn`), in `a`. */
AslArgs asl_cond_args(const AslCtx *cx, uint32_t fn, uint32_t call,
                      AslArena *a);
/** The condition on the parameters of `fn` under which `node` (inside
 * it) runs. */
AslCond asl_cond_guard(const AslCtx *cx, uint32_t fn, uint32_t node,
                       AslArena *a);
/** Is `node` on an error, debug or deprecated path of `fn`: in an except
 * handler, a raise statement, the body of an `if` testing debug mode, a
 * block that warns of a deprecation, or a function decorated
 * `@deprecated`? */
bool asl_cond_error_path(const AslCtx *cx, uint32_t fn, uint32_t node);

/** Phase 1 facts hook: every sync def of the file with its first direct
 * blocking call and its calls (AslFileFacts.funcs), in `a`. */
void asl_blocking_facts(const AslCtx *cx, AslFileFacts *facts, AslArena *a);

#endif /* ASL_RULES_BLOCKING_H_ */
