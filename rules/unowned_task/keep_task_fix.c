/*
 * keep_task_fix.c - the fix of ASL301/ASL302 (unsafe): the task is kept in
 * a module-level set until it is done,
 *
 *     _background_tasks = set()          # once, after the imports
 *     ...
 *     _task = asyncio.create_task(job())
 *     _background_tasks.add(_task)
 *     _task.add_done_callback(_background_tasks.discard)
 *
 * the pattern asyncio's documentation gives. Only for a statement alone on
 * its line(s) in a block, so the new lines take its indentation.
 */
#include "unowned_task.h"

#include <string.h>

static const char kSet[] = "_background_tasks";

/* The byte where the set's definition goes: the line after the module's
 * last top-level import (or its first statement, after the docstring);
 * ASL_NONE if the module has no statement. */
static uint32_t set_point(const AslCtx *cx) {
  const AslTree *t = cx->tree;
  uint32_t after = ASL_NONE, first = ASL_NONE;
  for (uint32_t c = asl_first_named(t, 0); c != ASL_NONE;
       c = asl_next_named(t, c)) {
    AslKind k = t->nodes[c].kind;
    if (k == ASL_K_comment) continue;
    if (first == ASL_NONE) first = c;
    if (k == ASL_K_import_statement || k == ASL_K_import_from_statement ||
        k == ASL_K_future_import_statement)
      after = c;
  }
  if (after == ASL_NONE) {
    if (first == ASL_NONE) return ASL_NONE;
    return t->nodes[first].start_byte;
  }
  uint32_t l = asl_source_line_of(cx->src, t->nodes[after].end_byte);
  return l + 1 < cx->src->nlines ? cx->src->line_starts[l + 1] : ASL_NONE;
}

/* The statement `node` is the expression of, when it stands alone on its
 * lines: only blanks before it, nothing but a comment after it, and a
 * line break ending its last line. Its indentation in *indent. */
static uint32_t lone_statement(const AslCtx *cx, uint32_t stmt,
                               const char **indent) {
  const AslTree *t = cx->tree;
  const AslNode *s = &t->nodes[stmt];
  uint32_t l0 = asl_source_line_of(cx->src, s->start_byte);
  uint32_t l1 = asl_source_line_of(cx->src, s->end_byte);
  uint32_t start = cx->src->line_starts[l0];
  for (uint32_t b = start; b < s->start_byte; b++)
    if (cx->src->text[b] != ' ' && cx->src->text[b] != '\t') return ASL_NONE;
  uint32_t next = asl_next_named(t, stmt);
  if (next != ASL_NONE && t->nodes[next].kind != ASL_K_comment &&
      asl_source_line_of(cx->src, t->nodes[next].start_byte) == l1)
    return ASL_NONE; // `a; b`
  if (next != ASL_NONE && t->nodes[next].kind == ASL_K_comment &&
      asl_next_named(t, next) != ASL_NONE &&
      asl_source_line_of(cx->src, t->nodes[asl_next_named(t, next)].start_byte)
          == l1)
    return ASL_NONE;
  if (l1 + 1 >= cx->src->nlines) return ASL_NONE; // no line break after it
  *indent = asl_arena_strndup(cx->arena, cx->src->text + start,
                              s->start_byte - start);
  return l1 + 1; // the line after it (0-based)
}

/* Does the module bind the set already? */
static bool has_set(const AslCtx *cx) {
  return asl_names_find(cx->names, 0, kSet, sizeof kSet - 1) != NULL;
}

/* The fix for the task in `var` (an expression naming it), bound by the
 * statement `stmt`; `bind` is inserted before `call` first ("_task = ")
 * when the task was discarded. */
static const AslFix *keep_fix(const AslCtx *cx, uint32_t stmt, uint32_t call,
                              const char *bind, const char *var) {
  const char *indent;
  uint32_t after = lone_statement(cx, stmt, &indent);
  if (after == ASL_NONE) return NULL;
  const char *eol = asl_source_eol(cx->src);
  AslEdit e[3];
  uint32_t n = 0;
  uint32_t at = cx->tree->nodes[call].start_byte;
  if (bind) e[n++] = asl_edit_bytes(cx, at, at, bind);
  at = cx->src->line_starts[after];
  e[n++] = asl_edit_bytes(
      cx, at, at,
      asl_arena_printf(cx->arena, "%s%s.add(%s)%s%s%s.add_done_callback(%s.discard)%s",
                       indent, kSet, var, eol, indent, var, kSet, eol));
  if (!has_set(cx)) {
    at = set_point(cx);
    if (at == ASL_NONE) return NULL;
    e[n++] = asl_edit_bytes(cx, at, at,
                            asl_arena_printf(cx->arena,
                                             "%s = set()  # running tasks, "
                                             "kept until done%s",
                                             kSet, eol));
  }
  return asl_fix_new(cx, true, "Keep the task in a set until it is done", e,
                     n);
}

const AslFix *asl_keep_discarded_task_fix(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t stmt = t->nodes[call].parent;
  if (stmt == ASL_NONE || t->nodes[stmt].kind != ASL_K_expression_statement ||
      asl_first_named(t, stmt) != call)
    return NULL;
  return keep_fix(cx, stmt, call, "_task = ", "_task");
}

const AslFix *asl_keep_unread_task_fix(const AslCtx *cx, uint32_t call,
                                       uint32_t name) {
  const AslTree *t = cx->tree;
  uint32_t asg = t->nodes[name].parent;
  uint32_t stmt = asg == ASL_NONE ? ASL_NONE : t->nodes[asg].parent;
  if (stmt == ASL_NONE || t->nodes[asg].kind != ASL_K_assignment ||
      t->nodes[stmt].kind != ASL_K_expression_statement)
    return NULL;
  (void)call;
  return keep_fix(cx, stmt, call, NULL,
                  asl_node_text(cx->arena, t, cx->src, name));
}
