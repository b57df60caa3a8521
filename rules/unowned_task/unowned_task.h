/*
 * unowned_task.h - internal to the ASL3xx pass: the rules' report helpers
 * and the spawn recogniser shared between them.
 */
#ifndef ASL_RULES_UNOWNED_TASK_H_
#define ASL_RULES_UNOWNED_TASK_H_

#include "../rules.h"

/** If `call` schedules an asyncio task, how it is spelled for messages
 * ("asyncio.create_task", "loop.create_task"); else NULL. */
const char *asl_task_spawn_name(const AslCtx *cx, uint32_t call);

/** What ASL301's messages advise. */
extern const char asl_unowned_advice[];

/** Is `qualname` one of asyncio's functions that return a task the
 * caller must keep (`asyncio.create_task`, `asyncio.ensure_future`)? */
bool asl_is_spawn_function(const char *qualname);

/** ASL301: the task created by `call` is discarded. */
void asl_report_discarded_task(AslCtx *cx, uint32_t call, const char *spawn);
/** ASL302: the task created by `call` is bound to `name`, never read. */
void asl_report_unread_task(AslCtx *cx, uint32_t call, uint32_t name,
                            const char *spawn);

/** ASL303: the future of run_coroutine_threadsafe `call` is discarded. */
void asl_report_discarded_future(AslCtx *cx, uint32_t call);
/** ASL301: the task `call` creates in `asyncio.wait(...)`'s argument is
 * dropped with the pending set. */
void asl_report_task_left_pending(AslCtx *cx, uint32_t call,
                                  const char *spawn);

/* The "Fix safety" section ASL301 and ASL302 share (their fix is one). */
#define KEEP_TASK_FIX_NOTE                                                  \
  "## Fix safety\n"                                                         \
  "`--fix --unsafe-fixes` keeps the task in a module-level set until it\n"  \
  "is done (`_background_tasks.add(task)`,\n"                               \
  "`task.add_done_callback(_background_tasks.discard)`; the set is\n"       \
  "defined after the imports), for a statement alone on its line.\n"       \
  "Unsafe: the task then always runs to its end, and its exception is\n"   \
  "still only logged; a TaskGroup, where one fits, is the better repair.\n"\
  "\n"

/** ASL301/ASL302's fix (unsafe, keep_task_fix.c): the task kept in a
 * module-level set until done; NULL where the statement does not stand
 * alone on its lines. */
const AslFix *asl_keep_discarded_task_fix(const AslCtx *cx, uint32_t call);
const AslFix *asl_keep_unread_task_fix(const AslCtx *cx, uint32_t call,
                                       uint32_t name);

#endif /* ASL_RULES_UNOWNED_TASK_H_ */
