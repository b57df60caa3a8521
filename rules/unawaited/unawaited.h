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
/** Does a method called `name` call its callback and drop the result? */
bool asl_catalog_is_callback_sink(const char *name, size_t len);

/** The message of each rule, naming the coroutine function `def` (with
 * its location when it is in the project). Allocated in `a`. */
const char *asl_msg_unawaited(AslArena *a, const AslDef *def);
const char *asl_msg_unread(AslArena *a, const AslDef *def, const char *var);
const char *asl_msg_truthiness(AslArena *a, const AslDef *def);

/** "'send_email' is a coroutine function (app/mail.py:12)": the shared
 * opening of every ASL1xx message. */
const char *asl_msg_subject(AslArena *a, const AslDef *def);

#endif /* ASL_RULES_UNAWAITED_H_ */
