/*
 * unawaited.h - internal to the ASL1xx pass: the catalog (known coroutine
 * functions, result types, decorators, callback sinks; catalog.c), and the
 * three rules' message builders.
 */
#ifndef ASL_RULES_UNAWAITED_H_
#define ASL_RULES_UNAWAITED_H_

#include "../rules.h"

/** Is the absolute dotted name a coroutine function the catalog or the
 * user (--known-coroutine) knows? asyncio's submodule spellings
 * ("asyncio.tasks.sleep") count as their re-exported names. */
bool asl_catalog_is_coroutine(const AslOptions *opt, const char *name);
/** The type of the result of calling `factory` (awaited or not), element
 * `position` of the tuple it returns (-1: the whole result), or NULL. */
const char *asl_catalog_result_type(const char *factory, bool awaited,
                                    int position);
/** Does decorator `name` keep a coroutine function one (catalog or
 * --preserving-decorator)? */
bool asl_catalog_preserves(const AslOptions *opt, const char *name);
/** Words that make a file hot for ASL1xx (NULL-terminated). */
const char *const *asl_unawaited_hot_words(void);
/** "aiohttp 3.14.3": the library and version the bundled table's entry
 * for coroutine function `name` was read from, into buf; false if the
 * table has no entry for it. */
bool asl_catalog_library_source(const char *name, char *buf, size_t size);
/** The top-level packages of the bundled libraries (hot words). */
const char *const *asl_library_hot_words(void);
/** What `callee` (a dotted name outside the project: a function, a
 * method "Class.name", or a class for ENTER) gives, by the bundled
 * libraries' table; NULL if it does not say. */
const char *asl_catalog_library_result(const char *callee,
                                       AslExternalStep how);
/** Does decorator `name` make a sync function a coroutine function
 * (asgiref's sync_to_async)? */
bool asl_catalog_makes_coroutine(const char *name);
/** Is a def with these decorators (outermost first) a coroutine function:
 * an async def whose decorators all keep it one, or any def that one of
 * them turns into one after only such decorators? */
bool asl_unawaited_decorated_kind(const AslOptions *opt, bool async_def,
                                  const char *const *decorators, uint32_t n);
/** Phase 1: marks the file's defs that decorators make coroutine
 * functions (for the index and the pre-filter's reach set). */
struct AslFileFacts;
void asl_unawaited_facts(const AslCtx *cx, struct AslFileFacts *facts);
/** Marks the sync defs that return a coroutine of their own class or
 * module (AslFactBinding.returns_coroutine, in `a`). */
void asl_mark_returned_coroutines(const AslCtx *cx, struct AslFileFacts *facts,
                                  AslArena *a);
/** Does a class of the standard library define a plain method `name`
 * (typeshed, stdlib_sync_methods.def)? */
bool asl_catalog_stdlib_sync_method(const char *name, size_t len);
/** May ASL104 ask about a method called `name` by its name alone? */
bool asl_catalog_by_name_method(const char *name, size_t len);
/** Does a method called `name` call its callback and drop the result? */
bool asl_catalog_is_callback_sink(const char *name, size_t len);

/** The message of each rule, naming the coroutine function `def` (with
 * its location when it is in the project). Allocated in `a`. */
const char *asl_msg_unawaited(AslArena *a, const AslDef *def);
const char *asl_msg_unread(AslArena *a, const AslDef *def, const char *var);
const char *asl_msg_used_as_value(AslArena *a, const AslDef *def,
                                  const char *var);
/** Is every later read of local `ident` (up to a rebinding, and at least
 * one) a use of it as a value (ASL105)? */
bool asl_coroutine_used_as_value(const AslCtx *cx, uint32_t ident);
const char *asl_msg_truthiness(AslArena *a, const AslDef *def);
const char *asl_msg_compared(AslArena *a, const AslDef *def);
const char *asl_msg_by_name(AslArena *a, const AslDef *def);

/** ASL106: the asyncio function (its catalog name) whose future `call`
 * makes, if it is one made to be awaited (gather, shield, wrap_future);
 * else NULL. */
const char *asl_unawaited_future_name(const AslCtx *cx, uint32_t call);
/** Reports ASL106 at discarded `call` of `name`, with the `await` fix. */
void asl_report_unawaited_future(AslCtx *cx, uint32_t call, const char *name);

/** "'send_email' is a coroutine function (app/mail.py:12)": the shared
 * opening of every ASL1xx message. */
const char *asl_msg_subject(AslArena *a, const AslDef *def);

#endif /* ASL_RULES_UNAWAITED_H_ */
