/*
 * constants.c - blocking methods of constants imported from another
 * module: `from .const import SOCKET` then `SOCKET.exists()` in an async
 * def, where const.py says `SOCKET = Path("/run/x.sock")`. Phase 1 records
 * each module-level constant's catalog type in the facts; the call is a
 * question the index answers (decide.c).
 */
#include "blocking.h"

#include <string.h>

#include "../../analyzer/index.h"

void asl_blocking_constant_facts(const AslCtx *cx, AslFileFacts *facts,
                                 AslArena *a) {
  const AslTree *t = cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind != ASL_K_assignment ||
        t->nodes[n->scope].kind != ASL_K_module ||
        (n->flags & ASL_NODE_IN_ERROR))
      continue;
    uint32_t left = asl_child_by_field(t, i, ASL_F_left);
    uint32_t right = asl_child_by_field(t, i, ASL_F_right);
    if (left == ASL_NONE || right == ASL_NONE ||
        t->nodes[left].kind != ASL_K_identifier)
      continue;
    const char *type = asl_blocking_value_type(cx, right);
    if (!type) continue;
    const AslNode *ln = &t->nodes[left];
    uint32_t line = asl_source_line_of(cx->src, ln->start_byte) + 1;
    size_t len = ln->end_byte - ln->start_byte;
    const char *name = cx->src->text + ln->start_byte;
    for (uint32_t k = 0; k < facts->nnames; k++) {
      AslFactBinding *b = &facts->names[k];
      if (b->kind == ASL_FACT_VALUE && b->line == line &&
          strncmp(b->name, name, len) == 0 && !b->name[len])
        b->value_type = asl_arena_strdup(a, type);
    }
  }
}

/* `X.m(...)` in an async body, X bound by an import (`from .const import
 * X`) or reached through an imported module (`const.X`): one question per
 * blocking rule the catalog gives a method named m (file metadata in a
 * loop counts as file I/O, as for direct calls). */
void asl_blocking_defer_constant(AslCtx *cx, uint32_t call, bool loop) {
  const AslTree *t = cx->tree;
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE || t->nodes[fn].kind != ASL_K_attribute) return;
  uint32_t obj = asl_unparen(t, asl_child_by_field(t, fn, ASL_F_object));
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  if (obj == ASL_NONE || attr == ASL_NONE) return;
  uint32_t head = obj;
  for (int k = 0; k < 8 && t->nodes[head].kind == ASL_K_attribute; k++)
    head = asl_unparen(t, asl_child_by_field(t, head, ASL_F_object));
  if (head == ASL_NONE || t->nodes[head].kind != ASL_K_identifier) return;
  const AslBinding *b = asl_resolve_name(cx, head);
  if (!b || b->kind != ASL_BIND_IMPORT || b->next_same != ASL_NONE) return;
  // A module's own function (`json.dumps`) is no constant's method.
  const char *dotted = asl_absolute_name(cx, obj);
  if (!dotted || !strchr(dotted, '.')) return;
  const char *method = asl_node_text(cx->arena, t, cx->src, attr);
  unsigned rules = asl_blocking_catalog_method_rules(method);
  if (!rules) return;
  if (loop && (rules & (1u << (ASL_RULE_ASL207 - ASL_RULE_ASL200))))
    rules |= 1u << (ASL_RULE_ASL204 - ASL_RULE_ASL200);
  // Thread waits told to return at once never wait (the only test a
  // method of the catalog has: decide.c takes it as passed).
  if (!asl_blocking_args_block(cx, call, ASL_ARG_WAITS))
    rules &= ~(1u << (ASL_RULE_ASL208 - ASL_RULE_ASL200));
  AslCallee callee;
  memset(&callee, 0, sizeof callee);
  callee.kind = ASL_CALLEE_NAME;
  callee.dotted = dotted;
  callee.attr = method;
  const char *subject = asl_node_text_short(cx->arena, t, cx->src, fn, "call");
  for (int r = ASL_RULE_ASL200; r <= ASL_RULE_ASL208; r++)
    if (rules & (1u << (r - ASL_RULE_ASL200)))
      asl_defer_args(cx, (AslRuleId)r, call, &callee, subject, NULL,
                     ASL_AT_CONSTANT | (loop ? ASL_AT_LOOP : 0));
}

const char *asl_blocking_decide_constant(const AslIndex *idx,
                                         const AslOptions *opt, AslArena *a,
                                         const AslDeferred *d) {
  AslDef def;
  asl_index_resolve(idx, d->facts_id, d->callee.dotted, &def);
  if (!def.value_type) return NULL;
  AslRuleId rule;
  const char *suggestion;
  AslArgTest when;
  if (!asl_blocking_catalog_method(def.value_type, d->callee.attr, &rule,
                                   &suggestion, &when) ||
      (when != ASL_ARG_ANY && when != ASL_ARG_WAITS))
    return NULL;
  const char *name = asl_arena_printf(a, "%s.%s", def.value_type,
                                      d->callee.attr);
  if (asl_blocking_allowed(opt, name)) return NULL;
  bool scaled = rule == ASL_RULE_ASL207 && d->in_loop;
  if (scaled) rule = ASL_RULE_ASL204;
  if (rule != d->diag.rule) return NULL;
  return asl_arena_printf(a, "`%s()` on a `%s` (%s, from %s:%u) %s: %s",
                          d->subject, def.value_type, d->callee.dotted,
                          def.path ? def.path : "?", def.line,
                          scaled ? "in a loop blocks the event loop once per "
                                   "item"
                                 : "blocks the event loop",
                          suggestion);
}
