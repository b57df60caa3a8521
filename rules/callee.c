/*
 * callee.c - what a call's callee is, described for the project index,
 * shared by every pass that asks the index about calls (ASL1xx coroutines,
 * ASL210 blocking helpers): an absolute dotted name, a method on a class
 * this file shows (self/cls, `Client()`, a local bound once from a
 * constructor or a known factory, an annotated parameter including
 * Optional/Union/"string" forms, `self.x` set once by the class), a
 * `super()` call, a def nested in a function, or a method of a class
 * defined in a function.
 */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

#include "../analyzer/index.h"

#include "unawaited/unawaited.h"

static uint32_t parent_of(const AslTree *t, uint32_t i) {
  return t->nodes[i].parent;
}

/* ---- receivers ---------------------------------------------------------- */

/* Receiver types are strings the index evaluates (see index.c, "receiver
 * types"): "pkg.Client", then steps such as "|await" or "|.session()".
 * Each step is written by one syntactic step here, at most RECEIVER_DEPTH
 * deep. */
enum { RECEIVER_DEPTH = 4 };

static const char *receiver_type(const AslCtx *cx, uint32_t obj, int depth);
static uint32_t local_class_named(const AslCtx *cx, uint32_t ident);
static const char *local_instance_type(const AslCtx *cx, uint32_t cls);

static const char *with_step(const AslCtx *cx, const char *type,
                             const char *step) {
  return type ? asl_arena_printf(cx->arena, "%s|%s", type, step) : NULL;
}

/* For `m[key]` or `m.get(key)` where `key` is a class's attribute
 * (`Module.Light`, `self.keys.db`): the receiver type of what a mapping
 * holds under it, "<owner>|.Light[]", which the index reads from the
 * attribute's typed-key annotation (`Final[ModuleName[Light]]`: Light).
 * What the mapping is does not matter: the key's annotation decides. */
static const char *key_item_type(const AslCtx *cx, uint32_t key, int depth) {
  const AslTree *t = cx->tree;
  key = asl_unparen(t, key);
  if (key == ASL_NONE || t->nodes[key].kind != ASL_K_attribute ||
      depth >= RECEIVER_DEPTH)
    return NULL;
  uint32_t obj = asl_child_by_field(t, key, ASL_F_object);
  uint32_t attr = asl_child_by_field(t, key, ASL_F_attribute);
  if (attr == ASL_NONE) return NULL;
  const char *owner = asl_absolute_name(cx, obj); // a class by its name
  if (!owner) owner = receiver_type(cx, obj, depth + 1);
  return owner ? asl_arena_printf(cx->arena, "%s|.%s[]", owner,
                                  asl_node_text(cx->arena, t, cx->src, attr))
               : NULL;
}

/* The key of `m.get(key)` (one argument, no default): the node, or
 * ASL_NONE for any other call. */
static uint32_t get_key(const AslCtx *cx, uint32_t call, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments);
  if (attr == ASL_NONE || args == ASL_NONE ||
      !asl_node_text_eq(t, cx->src, attr, "get"))
    return ASL_NONE;
  uint32_t key = asl_first_named(t, args);
  return key != ASL_NONE && asl_next_named(t, key) == ASL_NONE ? key
                                                               : ASL_NONE;
}

/* For `ident` a parameter annotated `type[C]` (or typing's `Type[C]`), a
 * class: C, which calling it makes an instance of. */
static const char *class_parameter(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (!b || b->next_same != ASL_NONE || b->kind != ASL_BIND_OTHER)
    return NULL;
  uint32_t p = parent_of(t, b->node);
  if (p == ASL_NONE || (t->nodes[p].kind != ASL_K_typed_parameter &&
                        t->nodes[p].kind != ASL_K_typed_default_parameter))
    return NULL;
  return asl_annotation_class_object(cx, asl_child_by_field(t, p, ASL_F_type));
}

/* The type of what calling `call` gives (awaited or not; one element of
 * its tuple when position >= 0): the catalog's answer for factories such
 * as asyncio.get_running_loop(); else the callee by name (a class: an
 * instance; a function: what it returns), or a method of a receiver of
 * known type ("...|.make()"), which the index evaluates. */
static const char *call_result_type(const AslCtx *cx, uint32_t call,
                                    bool awaited, int position, int depth) {
  const AslTree *t = cx->tree;
  if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call) return NULL;
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE) return NULL;
  const char *callee = asl_absolute_name(cx, fn);
  if (callee) {
    const char *type = asl_catalog_result_type(callee, awaited, position);
    if (type) return type;
  }
  if (position >= 0) return NULL;
  if (!callee && t->nodes[fn].kind == ASL_K_identifier)
    callee = local_instance_type(cx, local_class_named(cx, fn));
  if (!callee && t->nodes[fn].kind == ASL_K_identifier)
    callee = class_parameter(cx, fn);
  if (!callee && t->nodes[fn].kind == ASL_K_subscript) // `App[None]()`
    callee = asl_absolute_name(
        cx, asl_unparen(t, asl_child_by_field(t, fn, ASL_F_value)));
  if (!callee && !awaited && t->nodes[fn].kind == ASL_K_attribute) {
    const char *item = key_item_type(cx, get_key(cx, call, fn), depth);
    if (item) return item;
  }
  if (!callee && t->nodes[fn].kind == ASL_K_attribute && depth < RECEIVER_DEPTH) {
    uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
    const char *recv = receiver_type(
        cx, asl_child_by_field(t, fn, ASL_F_object), depth + 1);
    if (recv && attr != ASL_NONE)
      callee = asl_arena_printf(cx->arena, "%s|.%s()", recv,
                                asl_node_text(cx->arena, t, cx->src, attr));
  }
  return awaited ? with_step(cx, callee, "await") : callee;
}

/* The type of the value `e` (an assignment's right side, a `with` item's
 * context manager): a call, awaited or not, or another receiver. */
static const char *value_type(const AslCtx *cx, uint32_t e, int depth) {
  const AslTree *t = cx->tree;
  e = asl_unparen(t, e);
  if (e == ASL_NONE) return NULL;
  if (t->nodes[e].kind == ASL_K_await)
    return call_result_type(cx, asl_unparen(t, asl_first_named(t, e)), true,
                            -1, depth);
  if (t->nodes[e].kind == ASL_K_call)
    return call_result_type(cx, e, false, -1, depth);
  return depth < RECEIVER_DEPTH ? receiver_type(cx, e, depth + 1) : NULL;
}

/* For `with X() as v` / `async with X() as v` bindings of `ident`: what
 * the context manager's __enter__/__aenter__ gives. */
static const char *with_item_type(const AslCtx *cx, uint32_t ident,
                                  int depth) {
  const AslTree *t = cx->tree;
  // (In a damaged tree any of these parents may be missing.)
  uint32_t target = parent_of(t, ident);
  if (target == ASL_NONE || t->nodes[target].kind != ASL_K_as_pattern_target)
    return NULL;
  uint32_t pattern = parent_of(t, target);
  uint32_t item = pattern == ASL_NONE ? ASL_NONE : parent_of(t, pattern);
  if (item == ASL_NONE || t->nodes[pattern].kind != ASL_K_as_pattern ||
      t->nodes[item].kind != ASL_K_with_item)
    return NULL;
  uint32_t stmt = item;
  for (int k = 0; k < 3 && stmt != ASL_NONE &&
                  t->nodes[stmt].kind != ASL_K_with_statement;
       k++)
    stmt = parent_of(t, stmt);
  if (stmt == ASL_NONE || t->nodes[stmt].kind != ASL_K_with_statement)
    return NULL;
  bool async = asl_has_token(t, cx->src, stmt, "async");
  const char *cm = value_type(cx, asl_first_named(t, pattern), depth);
  return with_step(cx, cm, async ? "aenter" : "enter");
}

/* Is `fn` decorated with @staticmethod (no self or cls parameter)? */
static bool is_staticmethod(const AslCtx *cx, uint32_t fn) {
  if (!asl_is_decorated(cx->tree, fn)) return false; // (describing costs)
  AslDef d;
  asl_describe_def(cx, fn, &d);
  for (uint32_t k = 0; k < d.ndecorators; k++)
    if (strcmp(d.decorators[k], "staticmethod") == 0) return true;
  return false;
}

/* Is function `fn` one whose parameters pytest fills with fixtures: a
 * test (`test*`) or a fixture itself? */
static bool takes_fixtures(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t name = asl_child_by_field(t, fn, ASL_F_name);
  if (name == ASL_NONE) return false;
  const AslNode *n = &t->nodes[name];
  if (n->end_byte - n->start_byte >= 4 &&
      memcmp(cx->src->text + n->start_byte, "test", 4) == 0)
    return true;
  if (t->nodes[t->nodes[fn].parent].kind != ASL_K_decorated_definition)
    return false;
  AslDef d;
  asl_describe_def(cx, fn, &d);
  for (uint32_t k = 0; k < d.ndecorators; k++)
    if (asl_is_fixture_decorator(d.decorators[k])) return true;
  return false;
}

/* The fixture an unannotated parameter `ident` of a test or fixture
 * receives ("@name", which the index looks up), or NULL. */
static const char *fixture_parameter(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  uint32_t p = parent_of(t, ident);
  if (t->nodes[p].kind != ASL_K_parameters) return NULL;
  uint32_t fn = parent_of(t, p);
  if (t->nodes[fn].kind != ASL_K_function_definition ||
      !takes_fixtures(cx, fn))
    return NULL;
  // A method's first parameter is self.
  if (asl_first_named(t, p) == ident &&
      t->nodes[t->nodes[fn].scope].kind == ASL_K_class_definition)
    return NULL;
  const AslNode *n = &t->nodes[ident];
  return asl_arena_printf(cx->arena, "@%.*s", (int)(n->end_byte - n->start_byte),
                          cx->src->text + n->start_byte);
}

/* For a parameter binding `ident`: the enclosing class when it is the
 * first parameter (self/cls) of a method, the annotated class, or the
 * fixture a test receives by that name. */
static const char *parameter_type(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  uint32_t p = parent_of(t, ident);
  AslKind pk = t->nodes[p].kind;
  if (pk == ASL_K_typed_parameter || pk == ASL_K_typed_default_parameter) {
    uint32_t type = asl_child_by_field(t, p, ASL_F_type);
    // `self: _AppT` (a TypeVar of this module): self is the class. (A
    // mixin's `self: "Client"` names the class that combines them.)
    uint32_t params = parent_of(t, p);
    uint32_t fn = parent_of(t, params);
    if (asl_annotation_is_typevar(cx, type) &&
        t->nodes[params].kind == ASL_K_parameters &&
        asl_first_named(t, params) == p &&
        t->nodes[fn].kind == ASL_K_function_definition &&
        t->nodes[t->nodes[fn].scope].kind == ASL_K_class_definition &&
        !is_staticmethod(cx, fn))
      return asl_enclosing_class(cx, fn);
    return asl_annotation_class(cx, type);
  }
  if (pk == ASL_K_default_parameter) return asl_site_parameter_type(cx, ident);
  if (pk != ASL_K_parameters) return NULL;
  uint32_t fn = parent_of(t, p);
  if (asl_first_named(t, p) != ident ||
      t->nodes[t->nodes[fn].scope].kind != ASL_K_class_definition) {
    const char *site = asl_site_parameter_type(cx, ident);
    return site ? site : fixture_parameter(cx, ident);
  }
  if (t->nodes[fn].kind != ASL_K_function_definition || is_staticmethod(cx, fn))
    return NULL;
  return asl_enclosing_class(cx, fn);
}

/* The position of `ident` among the targets of `a, b = ...`, or -1. */
static int target_position(const AslTree *t, uint32_t list, uint32_t ident) {
  int k = 0;
  for (uint32_t c = asl_first_named(t, list); c != ASL_NONE;
       c = asl_next_named(t, c), k++)
    if (c == ident) return k;
  return -1;
}

/* For `x = ...` / `x: T = ...` / `r, w = await f()` bindings of `ident`:
 * the class of the value bound. */
static const char *assigned_type(const AslCtx *cx, uint32_t ident,
                                 int depth) {
  const AslTree *t = cx->tree;
  uint32_t p = parent_of(t, ident);
  uint32_t asg = p;
  int position = -1;
  if (t->nodes[p].kind == ASL_K_pattern_list ||
      t->nodes[p].kind == ASL_K_tuple_pattern) {
    position = target_position(t, p, ident);
    asg = parent_of(t, p);
  }
  if (t->nodes[asg].kind != ASL_K_assignment) return NULL;
  if (position < 0) {
    const char *ann =
        asl_annotation_class(cx, asl_child_by_field(t, asg, ASL_F_type));
    if (ann) return ann;
  }
  uint32_t value = asl_unparen(t, asl_child_by_field(t, asg, ASL_F_right));
  if (value == ASL_NONE) return NULL;
  if (t->nodes[value].kind == ASL_K_await)
    return call_result_type(cx, asl_unparen(t, asl_first_named(t, value)),
                            true, position, depth);
  return position < 0 ? value_type(cx, value, depth) : NULL;
}

/* If identifier `ident` is the first parameter (self) of a method defined
 * directly in a class body, that class_definition; else ASL_NONE. */
static uint32_t class_of_self(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  if (ident == ASL_NONE || t->nodes[ident].kind != ASL_K_identifier)
    return ASL_NONE;
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (!b || b->next_same != ASL_NONE || b->kind != ASL_BIND_OTHER)
    return ASL_NONE;
  uint32_t param = b->node, params = parent_of(t, param);
  if (t->nodes[params].kind == ASL_K_typed_parameter) { // `self: _AppT`
    param = params;
    params = parent_of(t, param);
  }
  if (t->nodes[params].kind != ASL_K_parameters ||
      asl_first_named(t, params) != param)
    return ASL_NONE;
  uint32_t fn = parent_of(t, params);
  uint32_t cls = t->nodes[fn].scope;
  if (t->nodes[fn].kind != ASL_K_function_definition ||
      t->nodes[cls].kind != ASL_K_class_definition || is_staticmethod(cx, fn))
    return ASL_NONE;
  return cls;
}

/* For `self.attr`: the value the class's own methods store in
 * `self.attr`, when exactly one assignment does; ASL_NONE if any other
 * store (augmented, unpacking, a second assignment) makes it uncertain. */
static uint32_t self_attribute_scan(const AslCtx *cx, uint32_t obj,
                                    uint32_t *nstores);

static uint32_t self_attribute_value(const AslCtx *cx, uint32_t obj) {
  uint32_t stores;
  return self_attribute_scan(cx, obj, &stores);
}

bool asl_self_attribute_stored(const AslCtx *cx, uint32_t obj) {
  uint32_t stores;
  self_attribute_scan(cx, obj, &stores);
  return stores > 0;
}

/* The one value stored in `self.attr` (obj) by the class's methods, or
 * ASL_NONE; *nstores: how many stores (up to 2). */
static uint32_t self_attribute_scan(const AslCtx *cx, uint32_t obj,
                                    uint32_t *nstores) {
  const AslTree *t = cx->tree;
  *nstores = 0;
  uint32_t self = asl_child_by_field(t, obj, ASL_F_object);
  uint32_t attr = asl_child_by_field(t, obj, ASL_F_attribute);
  uint32_t cls = class_of_self(cx, asl_unparen(t, self));
  if (cls == ASL_NONE || attr == ASL_NONE) return ASL_NONE;
  const AslNode *an = &t->nodes[attr];
  uint32_t count, value = ASL_NONE, stores = 0;
  const uint32_t *occ = asl_names_occurrences(
      cx->names, cx->src->text + an->start_byte,
      an->end_byte - an->start_byte, &count);
  for (uint32_t k = 0; k < count && stores < 2; k++) {
    uint32_t o = occ[k];
    if (o <= cls || o >= t->nodes[cls].end) continue;
    uint32_t p = parent_of(t, o);
    if (t->nodes[p].kind != ASL_K_attribute ||
        t->nodes[o].field != ASL_F_attribute ||
        class_of_self(cx, asl_unparen(t, asl_child_by_field(
                              t, p, ASL_F_object))) != cls)
      continue;
    uint32_t up = parent_of(t, p);
    AslKind uk = t->nodes[up].kind;
    bool target = t->nodes[p].field == ASL_F_left &&
                  (uk == ASL_K_assignment || uk == ASL_K_augmented_assignment ||
                   uk == ASL_K_for_statement);
    bool in_pattern = uk == ASL_K_pattern_list || uk == ASL_K_tuple_pattern ||
                      uk == ASL_K_list_pattern ||
                      uk == ASL_K_as_pattern_target;
    if (!target && !in_pattern) continue; // a read
    stores++;
    value = target && uk == ASL_K_assignment
                ? asl_unparen(t, asl_child_by_field(t, up, ASL_F_right))
                : ASL_NONE;
  }
  *nstores = stores;
  return stores == 1 ? value : ASL_NONE;
}

/* For `self.attr`: the class of the one value stored in it (see
 * asl_self_attribute_value): `self.client = Client()`, or
 * `self.client = client` with `client: Client`. The value is read by name
 * only (no receiver of it is typed in turn), so answers never wait on
 * each other. */
static const char *self_attribute_type(const AslCtx *cx, uint32_t obj) {
  const AslTree *t = cx->tree;
  uint32_t value = self_attribute_value(cx, obj);
  if (value == ASL_NONE) return NULL;
  if (t->nodes[value].kind == ASL_K_call)
    return call_result_type(cx, value, false, -1, RECEIVER_DEPTH);
  if (t->nodes[value].kind != ASL_K_identifier) return NULL;
  const AslBinding *b = asl_resolve_name(cx, value);
  if (!b || b->next_same != ASL_NONE || b->kind != ASL_BIND_OTHER)
    return NULL;
  return parameter_type(cx, b->node);
}

/* ---- memo ----------------------------------------------------------------
 * `self.attr` asks about every store of `attr` in the class; a class that
 * calls `self.client.get()` a thousand times would ask a thousand times
 * (quadratic on a long class), so answers are kept per (class, attribute). */

typedef struct AttrAnswer {
  uint32_t cls;          /* class_definition node; ASL_NONE: empty slot */
  const char *attr;      /* into the source text */
  uint32_t len;
  bool has_type, has_value;
  const char *type;      /* the answers (NULL/ASL_NONE: unknown) */
  uint32_t value;
} AttrAnswer;

struct AslMemo {
  AslArena *arena;
  AttrAnswer *slots;
  uint32_t cap, len;
  uint8_t *node_marks; /* per node of the tree (asl_memo_node_marks) */
  uint32_t nnodes;
};

uint8_t *asl_memo_node_marks(struct AslMemo *m, uint32_t nnodes) {
  if (!m) return NULL;
  if (!m->node_marks || m->nnodes != nnodes) {
    m->node_marks = asl_arena_alloc(m->arena, nnodes + 1);
    m->nnodes = nnodes;
  }
  return m->node_marks;
}

struct AslMemo *asl_memo_new(AslArena *a) {
  struct AslMemo *m = asl_arena_alloc(a, sizeof *m);
  memset(m, 0, sizeof *m);
  m->arena = a;
  return m;
}

static uint32_t hash_attr(uint32_t cls, const char *s, uint32_t n) {
  uint32_t h = 2166136261u ^ cls;
  for (uint32_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

/* The slot of (cls, attr), new (cls == ASL_NONE on return) or answered. */
static AttrAnswer *memo_slot(struct AslMemo *m, uint32_t cls,
                             const char *attr, uint32_t len) {
  if ((m->len + 1) * 2 > m->cap) {
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    AttrAnswer *slots = asl_arena_alloc(m->arena, sizeof *slots * cap);
    for (uint32_t i = 0; i < cap; i++) slots[i].cls = ASL_NONE;
    for (uint32_t i = 0; i < m->cap; i++) {
      if (m->slots[i].cls == ASL_NONE) continue;
      uint32_t h = hash_attr(m->slots[i].cls, m->slots[i].attr,
                             m->slots[i].len) & (cap - 1);
      while (slots[h].cls != ASL_NONE) h = (h + 1) & (cap - 1);
      slots[h] = m->slots[i];
    }
    m->slots = slots;
    m->cap = cap;
  }
  uint32_t h = hash_attr(cls, attr, len) & (m->cap - 1);
  for (; m->slots[h].cls != ASL_NONE; h = (h + 1) & (m->cap - 1)) {
    AttrAnswer *a = &m->slots[h];
    if (a->cls == cls && a->len == len && memcmp(a->attr, attr, len) == 0)
      return a;
  }
  return &m->slots[h];
}

/* The memo's slot for `self.attr` (obj), made if new; NULL without a
 * memo or outside a method. */
static AttrAnswer *attr_answer(const AslCtx *cx, uint32_t obj) {
  const AslTree *t = cx->tree;
  uint32_t attr = asl_child_by_field(t, obj, ASL_F_attribute);
  uint32_t cls = class_of_self(
      cx, asl_unparen(t, asl_child_by_field(t, obj, ASL_F_object)));
  if (!cx->memo || cls == ASL_NONE || attr == ASL_NONE) return NULL;
  const AslNode *an = &t->nodes[attr];
  const char *text = cx->src->text + an->start_byte;
  uint32_t len = an->end_byte - an->start_byte;
  AttrAnswer *a = memo_slot(cx->memo, cls, text, len);
  if (a->cls == ASL_NONE) {
    *a = (AttrAnswer){cls, text, len, false, false, NULL, ASL_NONE};
    cx->memo->len++;
  }
  return a;
}

/* self_attribute_type, remembered per (class of self, attribute). */
static const char *memo_self_attribute_type(const AslCtx *cx, uint32_t obj) {
  AttrAnswer *a = attr_answer(cx, obj);
  if (!a) return self_attribute_type(cx, obj);
  if (!a->has_type) {
    const char *type = self_attribute_type(cx, obj);
    a = attr_answer(cx, obj); // (the table may have grown)
    a->type = type;
    a->has_type = true;
  }
  return a->type;
}

uint32_t asl_self_attribute_value(const AslCtx *cx, uint32_t obj) {
  AttrAnswer *a = attr_answer(cx, obj);
  if (!a) return self_attribute_value(cx, obj);
  if (!a->has_value) {
    a->value = self_attribute_value(cx, obj);
    a->has_value = true;
  }
  return a->value;
}

/* The type one binding of a name gives it: a parameter's annotation (or
 * self/cls), an assignment, a `with ... as` target. */
static const char *binding_type(const AslCtx *cx, const AslBinding *b,
                                int depth) {
  if (b->kind == ASL_BIND_IMPORT || b->kind == ASL_BIND_GLOBAL) return NULL;
  const char *type = parameter_type(cx, b->node);
  if (!type) type = assigned_type(cx, b->node, depth);
  if (!type) type = with_item_type(cx, b->node, depth);
  return type;
}

/* The type every binding of `ident` in its scope gives it: one type, or
 * "{A;B}" when bindings give different types that the index must find to
 * be one class (a local bound twice to the same class keeps it); NULL when
 * one binding is unknown. */
static const char *name_type(const AslCtx *cx, uint32_t ident, int depth) {
  const AslBinding *b = asl_resolve_name(cx, ident);
  const char *first = NULL, *all = NULL;
  bool differ = false;
  for (int k = 0; b && k < 16; k++) {
    const char *one = binding_type(cx, b, depth);
    if (!one || strchr(one, '{')) return NULL;
    if (!first) {
      first = all = one;
    } else if (strcmp(first, one) != 0) {
      differ = true;
      all = asl_arena_printf(cx->arena, "%s;%s", all, one);
    }
    if (b->next_same == ASL_NONE)
      return differ ? asl_arena_printf(cx->arena, "{%s}", all) : first;
    b = asl_names_at(cx->names, b->next_same);
  }
  return NULL; // bound too many times to say
}

/* The class of the object `obj` a method is called on, when this file
 * shows it (see the header), as a receiver type. NULL if not. */
static const char *receiver_type(const AslCtx *cx, uint32_t obj, int depth) {
  const AslTree *t = cx->tree;
  obj = asl_unparen(t, obj);
  if (obj == ASL_NONE) return NULL;
  switch (t->nodes[obj].kind) {
  case ASL_K_call:
    return call_result_type(cx, obj, false, -1, depth);
  case ASL_K_await: // `(await client.get(u)).json()`
    return call_result_type(cx, asl_unparen(t, asl_first_named(t, obj)), true,
                            -1, depth);
  case ASL_K_attribute: {
    const char *type = memo_self_attribute_type(cx, obj);
    if (type || depth >= RECEIVER_DEPTH) return type;
    // `a.b`: a property of a receiver of known type (the index checks).
    uint32_t attr = asl_child_by_field(t, obj, ASL_F_attribute);
    const char *recv = receiver_type(
        cx, asl_child_by_field(t, obj, ASL_F_object), depth + 1);
    return recv && attr != ASL_NONE
               ? asl_arena_printf(cx->arena, "%s|.%s", recv,
                                  asl_node_text(cx->arena, t, cx->src, attr))
               : NULL;
  }
  case ASL_K_identifier:
    return name_type(cx, obj, depth);
  case ASL_K_subscript: { // `m[key]`, one key
    uint32_t key = asl_child_by_field(t, obj, ASL_F_subscript);
    return key != ASL_NONE && asl_next_named(t, key) == ASL_NONE
               ? key_item_type(cx, key, depth)
               : NULL;
  }
  default:
    return NULL;
  }
}

const char *asl_receiver_type(const AslCtx *cx, uint32_t obj) {
  return receiver_type(cx, obj, 0);
}

/* ---- callees ------------------------------------------------------------ */

/* Is `obj` the call `super()` (the builtin, not a local called super)? */
static bool is_super_call(const AslCtx *cx, uint32_t obj) {
  const AslTree *t = cx->tree;
  if (obj == ASL_NONE || t->nodes[obj].kind != ASL_K_call) return false;
  uint32_t fn = asl_child_by_field(t, obj, ASL_F_function);
  return fn != ASL_NONE && t->nodes[fn].kind == ASL_K_identifier &&
         asl_node_text_eq(t, cx->src, fn, "super") &&
         !asl_resolve_name(cx, fn);
}

/* A call of a name a function binds with a nested def: described here,
 * since the index knows only module and class level. */
static bool local_def(const AslCtx *cx, uint32_t ident, AslCallee *out) {
  const AslTree *t = cx->tree;
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (!b || b->scope == 0 || b->next_same != ASL_NONE ||
      b->kind != ASL_BIND_OTHER)
    return false;
  AslKind sk = t->nodes[b->scope].kind;
  uint32_t def = parent_of(t, b->node);
  if ((sk != ASL_K_function_definition && sk != ASL_K_lambda) ||
      t->nodes[def].kind != ASL_K_function_definition ||
      t->nodes[b->node].field != ASL_F_name)
    return false;
  AslDef *d = asl_arena_alloc(cx->arena, sizeof *d);
  asl_describe_def(cx, def, d);
  out->kind = ASL_CALLEE_LOCAL;
  out->local = d;
  return true;
}

/* The class_definition a function binds `ident` to with a nested
 * `class` statement (bound once), or ASL_NONE. */
static uint32_t local_class_named(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  if (ident == ASL_NONE || t->nodes[ident].kind != ASL_K_identifier)
    return ASL_NONE;
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (!b || b->scope == 0 || b->next_same != ASL_NONE ||
      b->kind != ASL_BIND_OTHER || t->nodes[b->node].field != ASL_F_name)
    return ASL_NONE;
  AslKind sk = t->nodes[b->scope].kind;
  uint32_t cls = parent_of(t, b->node);
  if ((sk != ASL_K_function_definition && sk != ASL_K_lambda) ||
      t->nodes[cls].kind != ASL_K_class_definition)
    return ASL_NONE;
  return cls;
}

/* For `Local()` or a name bound once from it, where Local is a class of
 * the enclosing function: that class_definition, else ASL_NONE. */
static uint32_t local_class_instance(const AslCtx *cx, uint32_t obj) {
  const AslTree *t = cx->tree;
  if (t->nodes[obj].kind == ASL_K_identifier) {
    uint32_t value = asl_single_assignment(cx, obj);
    if (value == ASL_NONE) return ASL_NONE;
    obj = asl_unparen(t, value);
  }
  if (obj == ASL_NONE || t->nodes[obj].kind != ASL_K_call) return ASL_NONE;
  return local_class_named(
      cx, asl_unparen(t, asl_child_by_field(t, obj, ASL_F_function)));
}

/* The method `attr` defined once directly in the body of class `cls`
 * (plain or decorated def), or ASL_NONE. */
static uint32_t class_body_method(const AslCtx *cx, uint32_t cls,
                                  uint32_t attr) {
  const AslTree *t = cx->tree;
  uint32_t body = asl_child_by_field(t, cls, ASL_F_body);
  if (body == ASL_NONE) return ASL_NONE;
  const AslNode *an = &t->nodes[attr];
  const char *name = cx->src->text + an->start_byte;
  uint32_t len = an->end_byte - an->start_byte;
  const AslBinding *b = asl_names_find(cx->names, cls, name, len);
  if (!b || b->next_same != ASL_NONE || b->kind != ASL_BIND_OTHER)
    return ASL_NONE;
  uint32_t def = parent_of(t, b->node);
  if (t->nodes[def].kind != ASL_K_function_definition ||
      t->nodes[b->node].field != ASL_F_name)
    return ASL_NONE;
  uint32_t holder = parent_of(t, def);
  if (t->nodes[holder].kind == ASL_K_decorated_definition)
    holder = parent_of(t, holder);
  return holder == body ? def : ASL_NONE;
}

/* The class_definition `self` (or `cls`) stands for when it is the first
 * parameter of a method of a class defined in a function, else ASL_NONE
 * (a top-level class is the index's). */
static uint32_t local_class_of_self(const AslCtx *cx, uint32_t obj) {
  uint32_t cls = class_of_self(cx, obj);
  if (cls == ASL_NONE) return ASL_NONE;
  AslKind sk = cx->tree->nodes[cx->tree->nodes[cls].scope].kind;
  return sk == ASL_K_function_definition || sk == ASL_K_lambda ? cls
                                                               : ASL_NONE;
}

/* The one base of class `cls`: a class of the same function (returned),
 * else ASL_NONE with *name its absolute name (`App[None]` names App), or
 * NULL when there are several bases or the base has no name. */
static uint32_t sole_base(const AslCtx *cx, uint32_t cls, const char **name) {
  const AslTree *t = cx->tree;
  *name = NULL;
  uint32_t bases = asl_child_by_field(t, cls, ASL_F_superclasses);
  uint32_t base = bases == ASL_NONE ? ASL_NONE : asl_first_named(t, bases);
  if (base == ASL_NONE || asl_next_named(t, base) != ASL_NONE) return ASL_NONE;
  base = asl_unparen(t, base);
  if (base != ASL_NONE && t->nodes[base].kind == ASL_K_subscript)
    base = asl_child_by_field(t, base, ASL_F_value);
  uint32_t local = local_class_named(cx, base);
  if (local == ASL_NONE && base != ASL_NONE) *name = asl_absolute_name(cx, base);
  return local;
}

/* Method `attr` looked up from function-local class `cls`, which the index
 * does not know: in the class body, then through its bases while each
 * class has exactly one base. A local base is walked here; a base the
 * module or an import names is handed to the index (METHOD on it, which
 * walks the rest). `skip_first` starts at the bases (`super().attr`). */
static bool local_class_lookup(const AslCtx *cx, uint32_t cls, uint32_t attr,
                               bool skip_first, AslCallee *out) {
  uint32_t def = ASL_NONE;
  for (int depth = 0; cls != ASL_NONE && depth < 8; depth++) {
    if (!(skip_first && depth == 0)) def = class_body_method(cx, cls, attr);
    if (def != ASL_NONE) break;
    const char *name;
    uint32_t local = sole_base(cx, cls, &name);
    if (local == ASL_NONE) {
      if (!name) return false;
      out->kind = ASL_CALLEE_METHOD;
      out->dotted = name;
      return true;
    }
    cls = local;
  }
  if (def == ASL_NONE) return false;
  AslDef *d = asl_arena_alloc(cx->arena, sizeof *d);
  asl_describe_def(cx, def, d);
  out->kind = ASL_CALLEE_LOCAL;
  out->local = d;
  return true;
}

/* Appends to `names` (",a,b") what function-local class `cls` binds: its
 * methods and class attributes, and the attributes stored anywhere in its
 * body (`self.x = ...`). */
static const char *local_class_binds(const AslCtx *cx, uint32_t cls,
                                     const char *names) {
  const AslTree *t = cx->tree;
  for (uint32_t i = cls + 1; i < t->nodes[cls].end; i++) {
    const AslNode *n = &t->nodes[i];
    uint32_t name = ASL_NONE;
    if ((n->kind == ASL_K_function_definition ||
         n->kind == ASL_K_class_definition) && n->scope == cls)
      name = asl_child_by_field(t, i, ASL_F_name);
    else if (n->kind == ASL_K_attribute && n->field == ASL_F_left)
      name = asl_child_by_field(t, i, ASL_F_attribute);
    else if (n->kind == ASL_K_identifier && n->field == ASL_F_left &&
             n->scope == cls)
      name = i;
    if (name != ASL_NONE)
      names = asl_arena_printf(cx->arena, "%s,%s", names,
                               asl_node_text(cx->arena, t, cx->src, name));
  }
  return names;
}

/* The receiver type of an instance of function-local class `cls`: the
 * first base the index knows, followed by "!" and the names the local
 * classes on the way bind (",a,b"), which the index must not look up in
 * the base. NULL unless each class on the way has exactly one base. */
static const char *local_instance_type(const AslCtx *cx, uint32_t cls) {
  const char *names = "";
  for (int depth = 0; cls != ASL_NONE && depth < 8; depth++) {
    names = local_class_binds(cx, cls, names);
    const char *name;
    uint32_t local = sole_base(cx, cls, &name);
    if (local == ASL_NONE)
      return name ? asl_arena_printf(cx->arena, "%s!%s", name, names) : NULL;
    cls = local;
  }
  return NULL;
}

/* A method call on an instance of a function-local class (`Local()`, a
 * name bound to one, or `self` in its methods). */
static bool local_class_method(const AslCtx *cx, uint32_t obj, uint32_t attr,
                               AslCallee *out) {
  uint32_t cls = local_class_instance(cx, obj);
  if (cls == ASL_NONE) cls = local_class_of_self(cx, obj);
  return cls != ASL_NONE && local_class_lookup(cx, cls, attr, false, out);
}

/* `super().attr` in a method of a function-local class. */
static bool local_super_method(const AslCtx *cx, uint32_t fn, uint32_t attr,
                               AslCallee *out) {
  const AslTree *t = cx->tree;
  uint32_t scope = t->nodes[fn].scope;
  if (t->nodes[scope].kind != ASL_K_function_definition) return false;
  uint32_t params = asl_child_by_field(t, scope, ASL_F_parameters);
  uint32_t self = params == ASL_NONE ? ASL_NONE : asl_first_named(t, params);
  uint32_t cls = self == ASL_NONE ? ASL_NONE : local_class_of_self(cx, self);
  return cls != ASL_NONE && local_class_lookup(cx, cls, attr, true, out);
}

/* `obj.attr(...)`: super(), a receiver of known class, or a dotted name. */
static bool describe_method(const AslCtx *cx, uint32_t fn, AslCallee *out) {
  const AslTree *t = cx->tree;
  uint32_t obj = asl_unparen(t, asl_child_by_field(t, fn, ASL_F_object));
  uint32_t attr = asl_child_by_field(t, fn, ASL_F_attribute);
  if (obj == ASL_NONE || attr == ASL_NONE) return false;
  out->attr = asl_node_text(cx->arena, t, cx->src, attr);
  if (is_super_call(cx, obj)) {
    uint32_t scope = t->nodes[fn].scope;
    if (local_super_method(cx, fn, attr, out)) return true;
    out->kind = ASL_CALLEE_SUPER;
    out->dotted = t->nodes[scope].kind == ASL_K_function_definition
                      ? asl_enclosing_class(cx, scope)
                      : NULL;
    return out->dotted != NULL;
  }
  if (local_class_method(cx, obj, attr, out)) return true;
  const char *type = receiver_type(cx, obj, 0);
  if (type) {
    out->kind = ASL_CALLEE_METHOD;
    out->dotted = type;
    return true;
  }
  out->kind = ASL_CALLEE_NAME;
  out->dotted = asl_absolute_name(cx, fn);
  out->attr = NULL;
  return out->dotted != NULL;
}

/* A parameter annotated as a callable whose call gives an awaitable
 * (`send: Callable[[Message], Awaitable[None]]`, or an alias of that type
 * the index knows, `send: Send`): calling it makes a coroutine. `param`
 * keeps the parameter's name for the message. */
static bool awaitable_parameter(const AslCtx *cx, uint32_t ident,
                                AslCallee *out) {
  const AslTree *t = cx->tree;
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (!b || b->next_same != ASL_NONE || b->kind != ASL_BIND_OTHER)
    return false;
  uint32_t p = parent_of(t, b->node);
  AslKind pk = t->nodes[p].kind;
  const char *fixture = fixture_parameter(cx, b->node);
  if (fixture) { // a fixture whose value may be a coroutine function
    out->kind = ASL_CALLEE_NAME;
    out->dotted = fixture;
    out->param = asl_node_text(cx->arena, t, cx->src, ident);
    return true;
  }
  if (pk != ASL_K_typed_parameter && pk != ASL_K_typed_default_parameter)
    return false;
  const char *alias;
  int inline_type = asl_annotation_awaitable_callable(
      cx, asl_child_by_field(t, p, ASL_F_type), &alias);
  out->param = asl_node_text(cx->arena, t, cx->src, ident);
  if (inline_type) {
    AslDef *d = asl_arena_alloc(cx->arena, sizeof *d);
    memset(d, 0, sizeof *d);
    d->kind = ASL_DEF_COROUTINE;
    d->name = out->param;
    d->module = cx->module;
    d->path = cx->src->path;
    const AslNode *n = &t->nodes[b->node];
    uint32_t line = asl_source_line_of(cx->src, n->start_byte);
    d->line = line + 1;
    d->column = asl_source_column(cx->src, line, n->start_byte);
    out->kind = ASL_CALLEE_LOCAL;
    out->local = d;
    return true;
  }
  if (!alias) return false;
  out->kind = ASL_CALLEE_NAME;
  out->dotted = alias;
  return true;
}

/* `obj(...)` where obj is a local, a parameter (`self` too) or a call
 * result of known class: its class's `__call__`. */
static bool called_instance(const AslCtx *cx, uint32_t obj, AslCallee *out) {
  const char *type = receiver_type(cx, obj, 0);
  if (!type) return false;
  out->kind = ASL_CALLEE_METHOD;
  out->dotted = type;
  out->attr = "__call__";
  return true;
}

bool asl_describe_callee(const AslCtx *cx, uint32_t call, AslCallee *out) {
  memset(out, 0, sizeof *out);
  return asl_describe_callee_expr(
      cx, asl_child_by_field(cx->tree, call, ASL_F_function), out);
}

bool asl_describe_callee_expr(const AslCtx *cx, uint32_t fn, AslCallee *out) {
  const AslTree *t = cx->tree;
  memset(out, 0, sizeof *out);
  fn = asl_unparen(t, fn);
  if (fn == ASL_NONE) return false;
  if (t->nodes[fn].kind == ASL_K_attribute)
    return describe_method(cx, fn, out);
  if (t->nodes[fn].kind == ASL_K_call) return called_instance(cx, fn, out);
  if (t->nodes[fn].kind != ASL_K_identifier) return false;
  if (local_def(cx, fn, out)) return true;
  if (awaitable_parameter(cx, fn, out)) return true;
  out->kind = ASL_CALLEE_NAME;
  out->dotted = asl_absolute_name(cx, fn);
  if (!out->dotted) return called_instance(cx, fn, out);
  return true;
}


/* ---- attribute facts -----------------------------------------------------
 * The types of a class's instance attributes, for the index: what other
 * files reach through `obj.attr.method()` (`update.message.reply()`). */

typedef struct AttrStore {
  const char *name;
  const char *type;  /* NULL: a store of unknown type */
  bool declared;     /* an annotation, which wins over stores */
  uint32_t order;
} AttrStore;

typedef AslVec(AttrStore) AttrStoreVec;

static int attr_store_cmp(const void *pa, const void *pb) {
  const AttrStore *x = pa, *y = pb;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* One store into an attribute of class `cls` at assignment `asg` (or any
 * other store when `asg` is ASL_NONE), or nothing. */
static void add_store(const AslCtx *cx, AslArena *a, uint32_t target,
                      uint32_t asg, AttrStoreVec *out) {
  const AslTree *t = cx->tree;
  AttrStore st = {asl_node_text(a, t, cx->src, target), NULL, false, target};
  if (asg != ASL_NONE) {
    uint32_t ann = asl_child_by_field(t, asg, ASL_F_type);
    uint32_t value = asl_unparen(t, asl_child_by_field(t, asg, ASL_F_right));
    if (ann != ASL_NONE) {
      st.declared = true;
      st.type = asl_annotation_class(cx, ann);
      // A typed key (`Light: Final[ModuleName[Light]]`): what a mapping
      // gives for it, as the attribute "Light[]" (see key_item_type).
      const char *item = asl_annotation_key_item(cx, ann);
      if (item)
        asl_vec_push(out, ((AttrStore){asl_arena_printf(a, "%s[]", st.name),
                                       asl_arena_strdup(a, item), true,
                                       target}));
    } else if (value != ASL_NONE && t->nodes[value].kind == ASL_K_none) {
      return; // a sentinel: calling a method on None fails anyway
    } else if (value != ASL_NONE) {
      st.type = value_type(cx, value, RECEIVER_DEPTH - 2);
      // Call-site types stay in their file: the pre-filter links what
      // other files reach through an attribute by its type's name.
      if (st.type && strchr(st.type, '^')) st.type = NULL;
    }
    if (st.type) st.type = asl_arena_strdup(a, st.type);
  }
  asl_vec_push(out, st);
}

/* Every store into an attribute of class `cls`: `self.x = ...` (any
 * store of self.x) in its methods, `x: T` and `x = ...` in its body. */
static void class_stores(const AslCtx *cx, AslArena *a, uint32_t cls,
                         AttrStoreVec *out) {
  const AslTree *t = cx->tree;
  for (uint32_t j = cls + 1; j < t->nodes[cls].end; j++) {
    const AslNode *n = &t->nodes[j];
    if (n->kind == ASL_K_identifier && n->scope == cls &&
        n->field == ASL_F_left) {
      uint32_t asg = n->parent;
      if (t->nodes[asg].kind == ASL_K_assignment)
        add_store(cx, a, j, asg, out);
      continue;
    }
    if (n->kind != ASL_K_attribute) continue;
    uint32_t attr = asl_child_by_field(t, j, ASL_F_attribute);
    uint32_t obj = asl_unparen(t, asl_child_by_field(t, j, ASL_F_object));
    if (attr == ASL_NONE || class_of_self(cx, obj) != cls) continue;
    uint32_t up = n->parent;
    AslKind uk = t->nodes[up].kind;
    bool target = n->field == ASL_F_left &&
                  (uk == ASL_K_assignment || uk == ASL_K_augmented_assignment ||
                   uk == ASL_K_for_statement);
    bool in_pattern = uk == ASL_K_pattern_list || uk == ASL_K_tuple_pattern ||
                      uk == ASL_K_list_pattern ||
                      uk == ASL_K_as_pattern_target;
    if (target || in_pattern)
      add_store(cx, a, attr, target && uk == ASL_K_assignment ? up : ASL_NONE,
                out);
  }
}

/* The type stores [i, j) of one attribute agree on: the declared ones if
 * any, else all of them; NULL when they disagree or one is unknown. */
static const char *agreed_type(const AttrStore *st, uint32_t i, uint32_t j) {
  bool declared = false;
  for (uint32_t k = i; k < j; k++) declared |= st[k].declared;
  const char *type = NULL;
  for (uint32_t k = i; k < j; k++) {
    if (declared && !st[k].declared) continue;
    if (!st[k].type || (type && strcmp(type, st[k].type) != 0)) return NULL;
    type = st[k].type;
  }
  return type;
}

/* ---- fixture facts -------------------------------------------------------
 * A fixture whose value asl_fixture_value could not name by a callee alone
 * (`app = Builder().bot(b).build()` ... `yield app`): the receiver type of
 * what every return and yield of its own body gives, when they agree. A
 * value that goes through another fixture ("@x", perhaps the one it
 * overrides) is left out, so the index's lookup of it does not recurse. */

/* The receiver type one return or yield of a fixture gives, unless it
 * goes through another fixture. */
static const char *fixture_given_type(const AslCtx *cx, uint32_t fn,
                                      uint32_t v) {
  (void)fn;
  const char *type = v == ASL_NONE ? NULL : value_type(cx, v, 0);
  return type && !strpbrk(type, "@^") ? type : NULL;
}

static const char *fixture_value_type(const AslCtx *cx, uint32_t fn) {
  return asl_agreed_returns(cx, fn, fixture_given_type);
}

static void fixture_facts(const AslCtx *cx, AslFileFacts *facts,
                          AslArena *a) {
  const AslTree *t = cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    uint32_t p = t->nodes[i].parent;
    if (t->nodes[i].kind != ASL_K_function_definition || p == ASL_NONE ||
        t->nodes[p].kind != ASL_K_decorated_definition)
      continue;
    AslDef d;
    asl_describe_def(cx, i, &d);
    const AslFactClass *cls;
    AslFactBinding *b = asl_facts_def_binding(facts, d.name, d.line, &cls);
    if (!b || b->fixture) continue;
    bool fixture = false;
    for (uint32_t k = 0; k < d.ndecorators; k++)
      fixture |= asl_is_fixture_decorator(d.decorators[k]);
    const char *value = fixture ? fixture_value_type(cx, i) : NULL;
    if (value) b->fixture = asl_arena_strdup(a, value);
  }
}

void asl_callee_facts(const AslCtx *cx, AslFileFacts *facts, AslArena *a) {
  fixture_facts(cx, facts, a);
  for (uint32_t c = 0; c < facts->nclasses; c++) {
    AslFactClass *fc = &facts->classes[c];
    if (fc->node == ASL_NONE) continue;
    AttrStoreVec stores = {0};
    class_stores(cx, a, fc->node, &stores);
    if (stores.len > 1)
      qsort(stores.items, stores.len, sizeof *stores.items, attr_store_cmp);
    AslVec(AslFactAttr) attrs = {0};
    for (uint32_t i = 0, j; i < stores.len; i = j) {
      for (j = i + 1; j < stores.len &&
                      strcmp(stores.items[j].name, stores.items[i].name) == 0;
           j++) {
      }
      const char *type = agreed_type(stores.items, i, j);
      if (type) asl_avec_push(a, &attrs, ((AslFactAttr){stores.items[i].name,
                                                         type}));
    }
    asl_vec_free(&stores);
    fc->attrs = attrs.items;
    fc->nattrs = attrs.len;
  }
}
