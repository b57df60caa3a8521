/*
 * rules.h - the rule passes, one per family. Each walks one file's
 * flattened tree once and reports through asl_report(); each rule's explain
 * text is defined beside its logic as asl_explain_<CODE>. default.c
 * dispatches to them as the rule set the analyzer runs (default.h).
 */
#ifndef ASL_RULES_RULES_H_
#define ASL_RULES_RULES_H_

#include "../analyzer/asl.h"

/** ASL3xx: tasks whose result nobody keeps (rules/unowned_task/). Defers
 * discarded calls of what may be a task: a project function returning the
 * task it creates, or asyncio's spawn functions re-exported by a module of
 * the project; asl_unowned_task_decide settles them with the index. */
void asl_pass_unowned_task(AslCtx *cx);
const char *asl_unowned_task_decide(const AslIndex *idx, AslArena *a,
                                    const AslDeferred *d);
/** Phase 1: marks the file's task wrappers (AslFactBinding.task_wrapper). */
struct AslFileFacts;
void asl_unowned_task_facts(const AslCtx *cx, struct AslFileFacts *facts);

/** ASL4xx: awaits that wait for each other for no reason
 * (rules/sequential/). */
void asl_pass_sequential(AslCtx *cx);

/** ASL1xx: coroutines nobody awaits (rules/unawaited/). Defers its
 * findings; asl_unawaited_decide settles them with the index. */
void asl_pass_unawaited(AslCtx *cx);
/** Decides one deferred ASL1xx finding: its message (allocated in `a`),
 * or NULL when the callee is not certainly a coroutine function. */
const char *asl_unawaited_decide(const AslIndex *idx, const AslOptions *opt,
                                 AslArena *a, const AslDeferred *d);

/** ASL2xx: blocking calls in async functions (rules/blocking/). Reports
 * direct calls; defers ASL210 (calls of blocking project helpers), which
 * asl_blocking_decide settles with the index's "may block" fixpoint. */
void asl_pass_blocking(AslCtx *cx);
const char *asl_blocking_decide(const AslIndex *idx, const AslOptions *opt,
                                AslArena *a, const AslDeferred *d,
                                AslDiag *out);

/** Describes the callee of `call` for the project index (rules/callee.c);
 * false when this file cannot say what it is. */
bool asl_describe_callee(const AslCtx *cx, uint32_t call, AslCallee *out);
/** The same for what expression `fn` names, called later (a callback). */
bool asl_describe_callee_expr(const AslCtx *cx, uint32_t fn, AslCallee *out);

/* The receiver type of expression `obj` as this file shows it (a dotted
 * name, then '|' steps the index evaluates: see callee.c), or NULL. */
const char *asl_receiver_type(const AslCtx *cx, uint32_t obj);

/* For `self.attr` in a method: the one value the class's methods store in
 * it, or ASL_NONE (no store, or several). */
uint32_t asl_self_attribute_value(const AslCtx *cx, uint32_t obj);
/* Do the class's methods store anything in `self.attr` (obj)? */
bool asl_self_attribute_stored(const AslCtx *cx, uint32_t obj);

/** Phase 1: the types of each class's instance attributes, into the
 * file's facts (rules/callee.c). */
/** Call-site parameter types (call_sites.c): the uses of class-like names
 * into facts->sites, and AslFactClass.site_typed. */
void asl_site_facts(const AslCtx *cx, struct AslFileFacts *facts,
                    AslArena *a);
/** For `ident`, an unannotated parameter (no default but None) of the
 * __init__ of a top-level class: the receiver type the index reads from
 * the class's construction sites, "^pkg.C#name#position" (position among
 * those after self, -1 keyword-only); else NULL. */
const char *asl_site_parameter_type(const AslCtx *cx, uint32_t ident);
void asl_callee_facts(const AslCtx *cx, struct AslFileFacts *facts,
                      AslArena *a);

/** The per-file caches of the passes (AslCtx.memo), in `a`. */
struct AslMemo *asl_memo_new(AslArena *a);
/** A byte per node of the file's tree, zeroed at first, where passes
 * remember what they worked out about a node, each in bits of its own
 * (bits 0-1: blocking/conditions.c's deprecated blocks). NULL without a
 * memo. */
uint8_t *asl_memo_node_marks(struct AslMemo *m, uint32_t nnodes);

#define RULE(code, name, family, sev, on, tests, summary)                           \
  extern const char asl_explain_##code[];
#include "../analyzer/registry.def"
#undef RULE

#endif /* ASL_RULES_RULES_H_ */
