/*
 * parse.c - the tree-sitter front end: the grammar ABI check, parsing, and
 * flattening the tree into a pre-order AslNode array (iteratively, with a
 * TSTreeCursor), so that no later pass depends on the host's stack depth.
 */
#include "asl.h"

#include <pthread.h>
#include <string.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);

struct AslParser {
  TSParser *ts;
  AslVec(uint32_t) stack; /* node index per depth of the cursor */
  AslVec(uint32_t) last;  /* last child seen per depth */
};

static const char *const kind_names[] = {
    "<other>", "<token>",
#define XX(name) #name,
    ASL_KIND_MAP(XX)
#undef XX
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == ASL_K__COUNT,
               "kind_names matches AslKind");

static const char *const field_names[] = {
    "",
#define XX(name) #name,
    ASL_FIELD_MAP(XX)
#undef XX
};
_Static_assert(sizeof field_names / sizeof field_names[0] == ASL_F__COUNT,
               "field_names matches AslField");

/* Symbol -> kind and field id -> AslField, built once for all threads. */
static uint16_t *sym_kind;
static uint32_t sym_count;
static uint8_t *field_map;
static uint32_t field_count;
static pthread_once_t maps_once = PTHREAD_ONCE_INIT;

static void build_maps(void) {
  const TSLanguage *lang = tree_sitter_python();
  sym_count = ts_language_symbol_count(lang);
  sym_kind = asl_calloc(sym_count, sizeof *sym_kind);
  for (uint32_t s = 0; s < sym_count; s++) {
    TSSymbolType type = ts_language_symbol_type(lang, (TSSymbol)s);
    const char *name = ts_language_symbol_name(lang, (TSSymbol)s);
    sym_kind[s] = type == TSSymbolTypeRegular ? ASL_K_OTHER : ASL_K_TOKEN;
    if (type != TSSymbolTypeRegular || !name) continue;
    for (uint32_t k = ASL_K_TOKEN + 1; k < ASL_K__COUNT; k++) {
      if (strcmp(kind_names[k], name) == 0) {
        sym_kind[s] = (uint16_t)k;
        break;
      }
    }
  }
  field_count = ts_language_field_count(lang) + 1u;
  field_map = asl_calloc(field_count, 1);
  for (uint32_t f = 1; f < field_count; f++) {
    const char *name = ts_language_field_name_for_id(lang, (TSFieldId)f);
    for (uint32_t k = 1; name && k < ASL_F__COUNT; k++)
      if (strcmp(field_names[k], name) == 0) field_map[f] = (uint8_t)k;
  }
}

uint32_t asl_grammar_abi(void) {
  return ts_language_abi_version(tree_sitter_python());
}

AslStatus asl_parser_new(AslParser **out, const char **why) {
  uint32_t abi = asl_grammar_abi();
  // The same check neovim's add_language makes: a grammar built for another
  // ABI would parse garbage or crash.
  if (abi < TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION ||
      abi > TREE_SITTER_LANGUAGE_VERSION) {
    *why = "tree-sitter-python's ABI version is outside the range this "
           "tree-sitter core supports";
    return ASL_EABI;
  }
  pthread_once(&maps_once, build_maps);
  AslParser *p = asl_calloc(1, sizeof *p);
  p->ts = ts_parser_new();
  if (!ts_parser_set_language(p->ts, tree_sitter_python())) {
    ts_parser_delete(p->ts);
    asl_free(p);
    *why = "tree-sitter refused the Python grammar";
    return ASL_EABI;
  }
  *out = p;
  return ASL_OK;
}

void asl_parser_delete(AslParser *p) {
  if (!p) return;
  ts_parser_delete(p->ts);
  asl_vec_free(&p->stack);
  asl_vec_free(&p->last);
  asl_free(p);
}

const char *asl_kind_name(AslKind k) {
  return k < ASL_K__COUNT ? kind_names[k] : "?";
}

/* Appends the cursor's current node below `parent`. */
static uint32_t push_node(AslTree *t, TSTreeCursor *cur, uint32_t parent,
                          uint32_t prev_sibling) {
  TSNode n = ts_tree_cursor_current_node(cur);
  uint32_t i = t->count++;
  AslNode *x = &t->nodes[i];
  TSSymbol sym = ts_node_symbol(n);
  TSFieldId fid = ts_tree_cursor_current_field_id(cur);
  x->sym = sym;
  x->kind = sym < sym_count ? sym_kind[sym] : ASL_K_OTHER;
  x->field = fid < field_count ? field_map[fid] : 0;
  x->flags = ts_node_is_named(n) ? ASL_NODE_NAMED : 0;
  if (ts_node_is_error(n) || ts_node_is_missing(n)) {
    x->flags |= ASL_NODE_ERROR;
    if (ts_node_is_error(n)) x->kind = ASL_K_ERROR;
    if (t->first_error == ASL_NONE) t->first_error = i;
  }
  x->parent = parent;
  x->next = ASL_NONE;
  x->end = i + 1;
  x->start_byte = ts_node_start_byte(n);
  x->end_byte = ts_node_end_byte(n);
  if (parent == ASL_NONE) {
    x->scope = i;
  } else {
    const AslNode *p = &t->nodes[parent];
    x->scope = asl_is_scope(t, parent) ? parent : p->scope;
    if (p->flags & (ASL_NODE_IN_ERROR | ASL_NODE_ERROR) &&
        (p->kind == ASL_K_ERROR || p->flags & ASL_NODE_IN_ERROR))
      x->flags |= ASL_NODE_IN_ERROR;
    if (t->nodes[parent].nchildren < UINT16_MAX) t->nodes[parent].nchildren++;
  }
  if (prev_sibling != ASL_NONE) t->nodes[prev_sibling].next = i;
  return i;
}

void asl_parse(AslParser *p, AslArena *a, const AslSource *src, AslTree *out) {
  memset(out, 0, sizeof *out);
  out->first_error = ASL_NONE;
  TSTree *tree = ts_parser_parse_string(p->ts, NULL, src->text, src->len);
  TSNode root = ts_tree_root_node(tree);
  uint32_t total = ts_node_descendant_count(root);
  out->nodes = asl_arena_alloc(a, sizeof(AslNode) * (total ? total : 1));
  out->has_error = ts_node_has_error(root);

  TSTreeCursor cur = ts_tree_cursor_new(root);
  p->stack.len = p->last.len = 0;
  uint32_t idx = push_node(out, &cur, ASL_NONE, ASL_NONE);
  for (;;) {
    if (out->count < total && ts_tree_cursor_goto_first_child(&cur)) {
      asl_vec_push(&p->stack, idx);
      idx = push_node(out, &cur, idx, ASL_NONE);
      asl_vec_push(&p->last, idx);
      continue;
    }
    // No children: close this node and climb until a sibling exists.
    for (;;) {
      out->nodes[idx].end = out->count;
      if (p->stack.len == 0) goto done;
      if (out->count < total && ts_tree_cursor_goto_next_sibling(&cur)) {
        uint32_t parent = p->stack.items[p->stack.len - 1];
        uint32_t prev = p->last.items[p->last.len - 1];
        idx = push_node(out, &cur, parent, prev);
        p->last.items[p->last.len - 1] = idx;
        break;
      }
      ts_tree_cursor_goto_parent(&cur);
      idx = p->stack.items[--p->stack.len];
      p->last.len--;
    }
  }
done:
  // Only reached early if tree-sitter's count disagreed with the walk.
  for (uint32_t d = 0; d < p->stack.len; d++)
    out->nodes[p->stack.items[d]].end = out->count;
  ts_tree_cursor_delete(&cur);
  ts_tree_delete(tree);
}

/* ---- node helpers ----------------------------------------------------- */

bool asl_is_scope(const AslTree *t, uint32_t i) {
  switch (t->nodes[i].kind) {
  case ASL_K_module:
  case ASL_K_function_definition:
  case ASL_K_lambda:
  case ASL_K_class_definition:
    return true;
  default:
    return false;
  }
}

uint32_t asl_first_child(const AslTree *t, uint32_t i) {
  return t->nodes[i].end > i + 1 ? i + 1 : ASL_NONE;
}

uint32_t asl_first_named(const AslTree *t, uint32_t i) {
  uint32_t c = asl_first_child(t, i);
  while (c != ASL_NONE && !(t->nodes[c].flags & ASL_NODE_NAMED))
    c = t->nodes[c].next;
  return c;
}

uint32_t asl_next_named(const AslTree *t, uint32_t i) {
  uint32_t c = t->nodes[i].next;
  while (c != ASL_NONE && !(t->nodes[c].flags & ASL_NODE_NAMED))
    c = t->nodes[c].next;
  return c;
}

uint32_t asl_child_by_field(const AslTree *t, uint32_t i, AslField f) {
  for (uint32_t c = asl_first_child(t, i); c != ASL_NONE; c = t->nodes[c].next)
    if (t->nodes[c].field == f) return c;
  return ASL_NONE;
}

bool asl_node_text_eq(const AslTree *t, const AslSource *s, uint32_t i,
                      const char *str) {
  const AslNode *n = &t->nodes[i];
  size_t len = strlen(str);
  return n->end_byte - n->start_byte == len &&
         memcmp(s->text + n->start_byte, str, len) == 0;
}

bool asl_has_token(const AslTree *t, const AslSource *s, uint32_t i,
                   const char *tok) {
  for (uint32_t c = asl_first_child(t, i); c != ASL_NONE; c = t->nodes[c].next)
    if (t->nodes[c].kind == ASL_K_TOKEN && asl_node_text_eq(t, s, c, tok))
      return true;
  return false;
}

uint32_t asl_unparen(const AslTree *t, uint32_t i) {
  while (i != ASL_NONE && t->nodes[i].kind == ASL_K_parenthesized_expression) {
    uint32_t inner = asl_first_named(t, i);
    if (inner == ASL_NONE || t->nodes[inner].kind == ASL_K_comment) break;
    i = inner;
  }
  return i;
}

char *asl_node_text(AslArena *a, const AslTree *t, const AslSource *s,
                    uint32_t i) {
  const AslNode *n = &t->nodes[i];
  return asl_arena_strndup(a, s->text + n->start_byte,
                           n->end_byte - n->start_byte);
}

bool asl_is_async_def(const AslTree *t, const AslSource *s, uint32_t i) {
  return t->nodes[i].kind == ASL_K_function_definition &&
         asl_has_token(t, s, i, "async");
}
