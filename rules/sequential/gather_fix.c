/*
 * gather_fix.c - the fixes of ASL401 and ASL402 (unsafe): awaits that
 * wait for each other without needing to, rewritten into one
 * `asyncio.gather(...)`. Only for the plainest shapes, where the rewrite
 * keeps every name binding and every call as written:
 *
 *   x = await f(a)                 x, y = await asyncio.gather(f(a), g(b))
 *   y = await g(b)          ->
 *
 *   for x in xs:                   await asyncio.gather(*(f(x) for x in xs))
 *       await f(x)          ->
 *
 *   for x in xs:                   out.extend(await asyncio.gather(
 *       out.append(await f(x))  ->     *(f(x) for x in xs)))
 *
 *   [await f(x) for x in xs] ->    await asyncio.gather(*(f(x) for x in xs))
 *
 * Unsafe: the calls now overlap, their arguments are all evaluated before
 * the first one runs, and an exception in one no longer stops the others
 * from starting.
 */
#include "sequential.h"

#include <string.h>

enum { LINE_WIDTH = 88 }; /* black's: a longer gather is split per call */

static const char GATHER_MESSAGE[] =
    "Run them concurrently with `asyncio.gather()`";

/* The text of node `i` as written. */
static const char *text_of(const AslCtx *cx, uint32_t i) {
  return asl_node_text(cx->arena, cx->tree, cx->src, i);
}

/* Does the text of node `i` span lines? */
static bool multiline(const AslCtx *cx, uint32_t i) {
  const AslNode *n = &cx->tree->nodes[i];
  return memchr(cx->src->text + n->start_byte, '\n',
                n->end_byte - n->start_byte) != NULL;
}

/* The statement of the block that holds expression `e` (an await as a
 * statement, or the value of an assignment statement). */
static uint32_t statement_of(const AslTree *t, uint32_t e) {
  uint32_t p = t->nodes[e].parent;
  while (p != ASL_NONE && t->nodes[p].kind == ASL_K_parenthesized_expression)
    p = t->nodes[p].parent;
  if (p != ASL_NONE && t->nodes[p].kind == ASL_K_assignment)
    p = t->nodes[p].parent;
  return p != ASL_NONE && t->nodes[p].kind == ASL_K_expression_statement
             ? p
             : ASL_NONE;
}

/* One statement of the run in the shape the fix takes: `await CALL` or
 * `TARGET = await CALL`, TARGET a name, attribute or subscript, without
 * an annotation. */
typedef struct Part {
  uint32_t stmt, call, target; /* target: ASL_NONE for a bare await */
} Part;

static bool part_of(const AslCtx *cx, uint32_t aw, Part *out) {
  const AslTree *t = cx->tree;
  uint32_t s = statement_of(t, aw);
  uint32_t call = asl__seq_awaited(t, aw);
  if (s == ASL_NONE || call == ASL_NONE || t->nodes[call].kind != ASL_K_call ||
      (t->nodes[s].flags & ASL_NODE_IN_ERROR))
    return false;
  uint32_t e = asl__seq_only_child(t, s);
  *out = (Part){s, call, ASL_NONE};
  if (e == aw) return true;
  if (e == ASL_NONE || t->nodes[e].kind != ASL_K_assignment ||
      asl_child_by_field(t, e, ASL_F_type) != ASL_NONE ||
      asl_unparen(t, asl_child_by_field(t, e, ASL_F_right)) != aw)
    return false;
  uint32_t left = asl_child_by_field(t, e, ASL_F_left);
  AslKind k = left == ASL_NONE ? ASL_K_ERROR : t->nodes[left].kind;
  if (k != ASL_K_identifier && k != ASL_K_attribute && k != ASL_K_subscript)
    return false;
  out->target = left;
  return true;
}

/* Does function `fn` use the name `_` anywhere (gettext's `_()`)? Then a
 * discarded result cannot be bound to it. */
static bool uses_underscore(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  for (uint32_t j = fn; j < t->nodes[fn].end; j++)
    if (t->nodes[j].kind == ASL_K_identifier &&
        asl_node_text_eq(t, cx->src, j, "_"))
      return true;
  return false;
}

/* The indentation of the line statement `s` starts, when only blanks
 * precede it there; NULL otherwise (`if x: a = await f()`). */
static const char *indent_of(const AslCtx *cx, uint32_t s) {
  uint32_t at = cx->tree->nodes[s].start_byte;
  uint32_t line = asl_source_line_of(cx->src, at);
  uint32_t from = cx->src->line_starts[line];
  for (uint32_t i = from; i < at; i++)
    if (cx->src->text[i] != ' ' && cx->src->text[i] != '\t') return NULL;
  return asl_arena_strndup(cx->arena, cx->src->text + from, at - from);
}

/* The text of call `call`, its continuation lines indented one `unit`
 * more when it spans lines, unless a string spans them (its text would
 * change). */
static const char *indented_call(const AslCtx *cx, uint32_t call,
                                 const char *unit) {
  const AslTree *t = cx->tree;
  const char *text = text_of(cx, call);
  if (!multiline(cx, call)) return text;
  for (uint32_t j = call; j < t->nodes[call].end; j++)
    if ((t->nodes[j].kind == ASL_K_string ||
         t->nodes[j].kind == ASL_K_concatenated_string) &&
        multiline(cx, j))
      return text;
  AslBuf b = {0};
  for (const char *c = text; *c; c++) {
    asl_buf_putc(&b, *c);
    if (*c == '\n' && c[1] != '\n' && c[1] != '\r') asl_buf_puts(&b, unit);
  }
  const char *out = asl_arena_strndup(cx->arena, b.data, b.len);
  asl_buf_free(&b);
  return out;
}

/* `TARGETS = await asyncio.gather(CALLS)` for parts[0..n), on one line
 * when it fits, else one call per line (black's layout). */
static const char *gather_statement(const AslCtx *cx, const Part *parts,
                                    uint32_t n, bool any_target) {
  AslBuf targets = {0}, calls = {0}, split = {0};
  const char *indent = indent_of(cx, parts[0].stmt);
  const char *eol = asl_source_eol(cx->src);
  const char *unit = indent && strchr(indent, '\t') ? "\t" : "    ";
  bool spans = false;
  for (uint32_t k = 0; k < n; k++) {
    if (any_target)
      asl_buf_printf(&targets, "%s%s", k ? ", " : "",
                     parts[k].target == ASL_NONE ? "_"
                                                 : text_of(cx, parts[k].target));
    const char *call = text_of(cx, parts[k].call);
    asl_buf_printf(&calls, "%s%s", k ? ", " : "", call);
    asl_buf_printf(&split, "%s%s%s,%s", indent ? indent : "", unit,
                   indented_call(cx, parts[k].call, unit), eol);
    spans |= multiline(cx, parts[k].call);
  }
  const char *head = any_target ? asl_arena_printf(cx->arena, "%.*s = ",
                                                   (int)targets.len,
                                                   targets.data)
                                : "";
  size_t width = (indent ? strlen(indent) : 0) + strlen(head) +
                 strlen("await asyncio.gather()") + calls.len;
  const char *out =
      indent && (spans || width > LINE_WIDTH)
          ? asl_arena_printf(cx->arena, "%sawait asyncio.gather(%s%.*s%s)",
                             head, eol, (int)split.len, split.data, indent)
          : asl_arena_printf(cx->arena, "%sawait asyncio.gather(%.*s)", head,
                             (int)calls.len, calls.data);
  asl_buf_free(&targets);
  asl_buf_free(&calls);
  asl_buf_free(&split);
  return out;
}

uint32_t asl__seq_gather_fix(AslCtx *cx, const uint32_t *awaits, uint32_t n,
                             uint32_t fn, const AslFix **fix) {
  enum { MAX_PARTS = 8 };
  const AslTree *t = cx->tree;
  Part parts[MAX_PARTS];
  uint32_t got = 0;
  bool any_target = false, any_bare = false;
  *fix = NULL;
  // The statements must follow each other directly: nothing between them
  // (not even a comment) is lost or moved.
  for (; got < n && got < MAX_PARTS; got++) {
    if (!part_of(cx, awaits[got], &parts[got]) ||
        (got && t->nodes[parts[got - 1].stmt].next != parts[got].stmt))
      break;
    any_target |= parts[got].target != ASL_NONE;
    any_bare |= parts[got].target == ASL_NONE;
  }
  if (got < 2 || (any_target && any_bare && uses_underscore(cx, fn)))
    return 0;
  uint32_t from = t->nodes[parts[0].stmt].start_byte;
  uint32_t to = t->nodes[parts[got - 1].stmt].end_byte;
  AslEdit e = asl_edit_bytes(cx, from, to,
                             gather_statement(cx, parts, got, any_target));
  *fix = asl_fix_with_asyncio(cx, &e, 1, true, GATHER_MESSAGE);
  return *fix ? got : 0;
}

/* The text of a `for` loop's iterable as a generator expression takes it:
 * in parentheses unless it is a primary (`for x in a, b:`, `for x in a
 * if c else b:` would read differently). */
static const char *iterable_text(const AslCtx *cx, uint32_t right) {
  switch (cx->tree->nodes[right].kind) {
  case ASL_K_identifier: case ASL_K_attribute: case ASL_K_call:
  case ASL_K_subscript: case ASL_K_list: case ASL_K_tuple:
  case ASL_K_dictionary: case ASL_K_set: case ASL_K_string:
  case ASL_K_parenthesized_expression: case ASL_K_list_comprehension:
  case ASL_K_set_comprehension: case ASL_K_dictionary_comprehension:
  case ASL_K_generator_expression:
    return text_of(cx, right);
  default:
    return asl_arena_printf(cx->arena, "(%s)", text_of(cx, right));
  }
}

/* `asyncio.gather(*(CALL for LEFT in RIGHT))`. */
static const char *gather_each(const AslCtx *cx, uint32_t call,
                               uint32_t left, uint32_t right) {
  return asl_arena_printf(cx->arena, "asyncio.gather(*(%s for %s in %s))",
                          text_of(cx, call), text_of(cx, left),
                          iterable_text(cx, right));
}

/* The statement `HEAD await asyncio.gather(*(CALL for LEFT in RIGHT))
 * TAIL` at the indentation of statement `s`: on one line when it fits,
 * else black's layout (the generator's parts on lines of their own). */
static const char *gather_each_statement(const AslCtx *cx, uint32_t s,
                                         const char *head, const char *tail,
                                         uint32_t call, uint32_t left,
                                         uint32_t right) {
  const char *line = asl_arena_printf(cx->arena, "%sawait %s%s", head,
                                      gather_each(cx, call, left, right),
                                      tail);
  const char *ind = indent_of(cx, s);
  if (!ind || strlen(ind) + strlen(line) <= LINE_WIDTH ||
      multiline(cx, call) || multiline(cx, right))
    return line;
  const char *u = strchr(ind, '\t') ? "\t" : "    ";
  const char *eol = asl_source_eol(cx->src);
  // Inside `out.extend(...)` the gather is one level deeper.
  const char *in = *tail ? asl_arena_printf(cx->arena, "%s%s", ind, u) : ind;
  const char *gather = asl_arena_printf(
      cx->arena,
      "await asyncio.gather(%s%s%s*(%s%s%s%s%s%s%s%s%sfor %s in %s%s%s%s)%s%s)",
      eol, in, u, eol, in, u, u, text_of(cx, call), eol, in, u, u,
      text_of(cx, left), iterable_text(cx, right), eol, in, u, eol, in);
  if (!*tail) return gather;
  return asl_arena_printf(cx->arena, "%s%s%s%s%s%s)", head, eol, in, gather,
                          eol, ind);
}

/* Are all comments of `loop` after `last` (the body's statement) and on
 * its last line? Those stay where they are; any other would be lost. */
static bool comments_trail(const AslCtx *cx, uint32_t loop, uint32_t last) {
  const AslTree *t = cx->tree;
  uint32_t end = t->nodes[last].end_byte;
  uint32_t line = asl_source_line_of(cx->src, end);
  for (uint32_t j = loop; j < t->nodes[loop].end; j++)
    if (t->nodes[j].kind == ASL_K_comment &&
        (t->nodes[j].start_byte < end ||
         asl_source_line_of(cx->src, t->nodes[j].start_byte) != line))
      return false;
  return true;
}

const AslFix *asl__seq_loop_fix(AslCtx *cx, uint32_t loop, uint32_t aw) {
  const AslTree *t = cx->tree;
  uint32_t body = asl_child_by_field(t, loop, ASL_F_body);
  uint32_t left = asl_child_by_field(t, loop, ASL_F_left);
  uint32_t right = asl_child_by_field(t, loop, ASL_F_right);
  uint32_t call = asl__seq_awaited(t, aw);
  if (body == ASL_NONE || left == ASL_NONE || right == ASL_NONE ||
      call == ASL_NONE || t->nodes[call].kind != ASL_K_call ||
      asl_child_by_field(t, loop, ASL_F_alternative) != ASL_NONE ||
      (t->nodes[loop].flags & ASL_NODE_IN_ERROR) ||
      !asl_await_allowed(cx, loop))
    return NULL;
  uint32_t s = asl_first_named(t, body);
  while (s != ASL_NONE && t->nodes[s].kind == ASL_K_comment)
    s = asl_next_named(t, s);
  if (s == ASL_NONE || t->nodes[s].kind != ASL_K_expression_statement ||
      !comments_trail(cx, loop, s))
    return NULL;
  for (uint32_t n = asl_next_named(t, s); n != ASL_NONE;
       n = asl_next_named(t, n))
    if (t->nodes[n].kind != ASL_K_comment) return NULL;
  uint32_t e = asl__seq_only_child(t, s);
  const char *text = NULL;
  if (e == aw) {
    text = gather_each_statement(cx, loop, "", "", call, left, right);
  } else if (e != ASL_NONE && t->nodes[e].kind == ASL_K_call) {
    // `out.append(await f(x))` -> `out.extend(...)`; `seen.add(...)` ->
    // `seen.update(...)`: the same items, in the same order.
    uint32_t f = asl_unparen(t, asl_child_by_field(t, e, ASL_F_function));
    uint32_t args = asl_child_by_field(t, e, ASL_F_arguments);
    if (f == ASL_NONE || t->nodes[f].kind != ASL_K_attribute ||
        args == ASL_NONE || asl__seq_only_child(t, args) != aw)
      return NULL;
    uint32_t m = asl_child_by_field(t, f, ASL_F_attribute);
    const char *bulk = asl_node_text_eq(t, cx->src, m, "append") ? "extend"
                       : asl_node_text_eq(t, cx->src, m, "add")  ? "update"
                                                                  : NULL;
    if (!bulk) return NULL;
    const char *head = asl_arena_printf(
        cx->arena, "%s.%s(",
        text_of(cx, asl_child_by_field(t, f, ASL_F_object)), bulk);
    text = gather_each_statement(cx, loop, head, ")", call, left, right);
  }
  if (!text) return NULL;
  AslEdit edit = asl_edit_bytes(cx, t->nodes[loop].start_byte,
                                t->nodes[s].end_byte, text);
  return asl_fix_with_asyncio(cx, &edit, 1, true, GATHER_MESSAGE);
}

const AslFix *asl__seq_comprehension_fix(AslCtx *cx, uint32_t comp,
                                         uint32_t aw) {
  const AslTree *t = cx->tree;
  uint32_t element = asl_first_named(t, comp);
  uint32_t clause = asl_child_by_kind(t, comp, ASL_K_for_in_clause);
  uint32_t call = asl__seq_awaited(t, aw);
  // A list (what gather returns), one clause, no filter, and the element
  // only the await.
  if (t->nodes[comp].kind != ASL_K_list_comprehension || clause == ASL_NONE ||
      asl_unparen(t, element) != aw || call == ASL_NONE ||
      t->nodes[call].kind != ASL_K_call ||
      asl_child_by_kind(t, comp, ASL_K_if_clause) != ASL_NONE ||
      (t->nodes[comp].flags & ASL_NODE_IN_ERROR) ||
      !asl_await_allowed(cx, comp))
    return NULL;
  for (uint32_t j = comp; j < t->nodes[comp].end; j++)
    if (t->nodes[j].kind == ASL_K_comment) return NULL;
  uint32_t left = asl_child_by_field(t, clause, ASL_F_left);
  uint32_t right = asl_child_by_field(t, clause, ASL_F_right);
  if (left == ASL_NONE || right == ASL_NONE) return NULL;
  AslEdit edit = asl_edit_bytes(
      cx, t->nodes[comp].start_byte, t->nodes[comp].end_byte,
      asl_arena_printf(cx->arena, "await %s",
                       gather_each(cx, call, left, right)));
  return asl_fix_with_asyncio(cx, &edit, 1, true, GATHER_MESSAGE);
}
