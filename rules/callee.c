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

#include <string.h>

#include "unawaited/unawaited.h"

static uint32_t parent_of(const AslTree *t, uint32_t i) {
  return t->nodes[i].parent;
}

/* ---- receivers ---------------------------------------------------------- */

/* The type of what calling `call` gives (awaited or not; one element of
 * its tuple when position >= 0): the catalog's answer for factories such
 * as asyncio.get_running_loop(), else the callee itself, which the index
 * later confirms is a class (a constructor call). */
static const char *call_result_type(const AslCtx *cx, uint32_t call,
                                    bool awaited, int position) {
  const AslTree *t = cx->tree;
  if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call) return NULL;
  uint32_t fn = asl_child_by_field(t, call, ASL_F_function);
  const char *callee = fn == ASL_NONE ? NULL : asl_absolute_name(cx, fn);
  if (!callee) return NULL;
  const char *type = asl_catalog_result_type(callee, awaited, position);
  if (type) return type;
  return !awaited && position < 0 ? callee : NULL;
}

/* Is `name` typing's Optional or Union (from typing or typing_extensions)? */
static bool is_optional_or_union(const char *name) {
  static const char *const forms[] = {
      "typing.Optional", "typing.Union", "typing_extensions.Optional",
      "typing_extensions.Union", NULL};
  for (const char *const *f = forms; name && *f; f++)
    if (strcmp(name, *f) == 0) return true;
  return false;
}

/* The one member of a union that is not None, or ASL_NONE when there are
 * several (the object may be of either class). `first` and the following
 * named siblings are the members. */
static uint32_t sole_non_none(const AslTree *t, uint32_t first) {
  uint32_t found = ASL_NONE;
  for (uint32_t m = first; m != ASL_NONE; m = asl_next_named(t, m)) {
    uint32_t e = t->nodes[m].kind == ASL_K_type ? asl_first_named(t, m) : m;
    if (e != ASL_NONE && t->nodes[e].kind == ASL_K_none) continue;
    if (found != ASL_NONE) return ASL_NONE;
    found = e;
  }
  return found;
}

/* The class a string annotation names: "Client", "pkg.Client", or one of
 * them with `| None` on either side. */
static const char *string_annotation_type(const AslCtx *cx, const char *s,
                                          uint32_t len) {
  const char *found = NULL;
  uint32_t found_len = 0;
  for (uint32_t i = 0; i <= len;) {
    uint32_t j = i;
    while (j < len && s[j] != '|') j++;
    uint32_t a = i, b = j;
    while (a < b && s[a] == ' ') a++;
    while (b > a && s[b - 1] == ' ') b--;
    if (!(b - a == 4 && memcmp(s + a, "None", 4) == 0)) {
      if (found) return NULL; // a union of two classes
      found = s + a;
      found_len = b - a;
    }
    i = j + 1;
  }
  return found ? asl_absolute_text(cx, found, found_len) : NULL;
}

/* The class an annotation names: `Client`, `pkg.Client`, `"Client"`, and
 * the same inside `Optional[...]`, `Union[..., None]` or `... | None`
 * (calling a method on None fails anyway, so the call sees a Client). */
static const char *annotation_type(const AslCtx *cx, uint32_t type_node) {
  const AslTree *t = cx->tree;
  uint32_t e = type_node;
  for (int depth = 0; e != ASL_NONE && depth < 8; depth++) {
    switch (t->nodes[e].kind) {
    case ASL_K_type:
      e = asl_first_named(t, e);
      break;
    case ASL_K_identifier:
    case ASL_K_attribute:
      return asl_absolute_name(cx, e);
    case ASL_K_string: {
      uint32_t c = asl_child_by_kind(t, e, ASL_K_string_content);
      if (c == ASL_NONE) return NULL;
      const AslNode *n = &t->nodes[c];
      return string_annotation_type(cx, cx->src->text + n->start_byte,
                                    n->end_byte - n->start_byte);
    }
    case ASL_K_binary_operator: { // X | None
      uint32_t op = asl_child_by_field(t, e, ASL_F_operator);
      if (op == ASL_NONE || !asl_node_text_eq(t, cx->src, op, "|"))
        return NULL;
      e = sole_non_none(t, asl_child_by_field(t, e, ASL_F_left));
      break;
    }
    case ASL_K_generic_type: { // Optional[X] / Union[X, None]
      uint32_t head = asl_first_named(t, e);
      uint32_t params = head == ASL_NONE ? ASL_NONE : asl_next_named(t, head);
      if (params == ASL_NONE || !is_optional_or_union(asl_qualname(cx, head)))
        return NULL;
      e = sole_non_none(t, asl_first_named(t, params));
      break;
    }
    case ASL_K_subscript: { // typing.Optional[X] parses as a subscript
      uint32_t head = asl_child_by_field(t, e, ASL_F_value);
      if (head == ASL_NONE || !is_optional_or_union(asl_qualname(cx, head)))
        return NULL;
      e = sole_non_none(t, asl_child_by_field(t, e, ASL_F_subscript));
      break;
    }
    default:
      return NULL;
    }
  }
  return NULL;
}

/* Is `fn` decorated with @staticmethod (no self or cls parameter)? */
static bool is_staticmethod(const AslCtx *cx, uint32_t fn) {
  AslDef d;
  asl_describe_def(cx, fn, &d);
  for (uint32_t k = 0; k < d.ndecorators; k++)
    if (strcmp(d.decorators[k], "staticmethod") == 0) return true;
  return false;
}

/* For a parameter binding `ident`: the enclosing class when it is the
 * first parameter (self/cls) of a method, or the annotated class. */
static const char *parameter_type(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  uint32_t p = parent_of(t, ident);
  AslKind pk = t->nodes[p].kind;
  if (pk == ASL_K_typed_parameter || pk == ASL_K_typed_default_parameter)
    return annotation_type(cx, asl_child_by_field(t, p, ASL_F_type));
  if (pk != ASL_K_parameters || asl_first_named(t, p) != ident) return NULL;
  uint32_t fn = parent_of(t, p);
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
static const char *assigned_type(const AslCtx *cx, uint32_t ident) {
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
        annotation_type(cx, asl_child_by_field(t, asg, ASL_F_type));
    if (ann) return ann;
  }
  uint32_t value = asl_unparen(t, asl_child_by_field(t, asg, ASL_F_right));
  if (value == ASL_NONE) return NULL;
  if (t->nodes[value].kind == ASL_K_await)
    return call_result_type(cx, asl_unparen(t, asl_first_named(t, value)),
                            true, position);
  return position < 0 ? call_result_type(cx, value, false, -1) : NULL;
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
  uint32_t params = parent_of(t, b->node);
  if (t->nodes[params].kind != ASL_K_parameters ||
      asl_first_named(t, params) != b->node)
    return ASL_NONE;
  uint32_t fn = parent_of(t, params);
  uint32_t cls = t->nodes[fn].scope;
  if (t->nodes[fn].kind != ASL_K_function_definition ||
      t->nodes[cls].kind != ASL_K_class_definition || is_staticmethod(cx, fn))
    return ASL_NONE;
  return cls;
}

/* For `self.attr`: the class of what the class's own methods store in
 * `self.attr`, when exactly one assignment does (`self.client = Client()`,
 * or `self.client = client` with `client: Client`). Any other store
 * (augmented, unpacking, a second assignment) makes it uncertain. */
static const char *self_attribute_type(const AslCtx *cx, uint32_t obj) {
  const AslTree *t = cx->tree;
  uint32_t self = asl_child_by_field(t, obj, ASL_F_object);
  uint32_t attr = asl_child_by_field(t, obj, ASL_F_attribute);
  uint32_t cls = class_of_self(cx, asl_unparen(t, self));
  if (cls == ASL_NONE || attr == ASL_NONE) return NULL;
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
  if (stores != 1 || value == ASL_NONE) return NULL;
  if (t->nodes[value].kind == ASL_K_call)
    return call_result_type(cx, value, false, -1);
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
  const char *type;      /* the answer (NULL: unknown) */
} AttrAnswer;

struct AslMemo {
  AslArena *arena;
  AttrAnswer *slots;
  uint32_t cap, len;
};

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

/* self_attribute_type, remembered per (class of self, attribute). */
static const char *memo_self_attribute_type(const AslCtx *cx, uint32_t obj) {
  const AslTree *t = cx->tree;
  uint32_t attr = asl_child_by_field(t, obj, ASL_F_attribute);
  uint32_t cls = class_of_self(
      cx, asl_unparen(t, asl_child_by_field(t, obj, ASL_F_object)));
  if (!cx->memo || cls == ASL_NONE || attr == ASL_NONE)
    return self_attribute_type(cx, obj);
  const AslNode *an = &t->nodes[attr];
  const char *text = cx->src->text + an->start_byte;
  uint32_t len = an->end_byte - an->start_byte;
  AttrAnswer *a = memo_slot(cx->memo, cls, text, len);
  if (a->cls == ASL_NONE) {
    const char *type = self_attribute_type(cx, obj);
    a = memo_slot(cx->memo, cls, text, len); // (the table may have grown)
    *a = (AttrAnswer){cls, text, len, type};
    cx->memo->len++;
  }
  return a->type;
}

/* The class of the object `obj` a method is called on, when this file
 * shows it: `Client()`, a local bound once from a constructor or a known
 * factory, a parameter annotated with a class, self/cls, or `self.x` set
 * once by the class's own methods. NULL if not. */
static const char *receiver_type(const AslCtx *cx, uint32_t obj) {
  const AslTree *t = cx->tree;
  obj = asl_unparen(t, obj);
  if (obj == ASL_NONE) return NULL;
  if (t->nodes[obj].kind == ASL_K_call)
    return call_result_type(cx, obj, false, -1);
  if (t->nodes[obj].kind == ASL_K_attribute)
    return memo_self_attribute_type(cx, obj);
  if (t->nodes[obj].kind != ASL_K_identifier) return NULL;
  const AslBinding *b = asl_resolve_name(cx, obj);
  // Bound more than once: the object may be of either value's class.
  if (!b || b->next_same != ASL_NONE || b->kind == ASL_BIND_IMPORT ||
      b->kind == ASL_BIND_GLOBAL)
    return NULL;
  const char *type = parameter_type(cx, b->node);
  return type ? type : assigned_type(cx, b->node);
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

/* Method `attr` looked up from function-local class `cls`, which the index
 * does not know: in the class body, then through its bases while each
 * class has exactly one base. A local base is walked here; a base the
 * module or an import names is handed to the index (METHOD on it, which
 * walks the rest). `skip_first` starts at the bases (`super().attr`). */
static bool local_class_lookup(const AslCtx *cx, uint32_t cls, uint32_t attr,
                               bool skip_first, AslCallee *out) {
  const AslTree *t = cx->tree;
  uint32_t def = ASL_NONE;
  for (int depth = 0; cls != ASL_NONE && depth < 8; depth++) {
    if (!(skip_first && depth == 0)) def = class_body_method(cx, cls, attr);
    if (def != ASL_NONE) break;
    uint32_t bases = asl_child_by_field(t, cls, ASL_F_superclasses);
    uint32_t base = bases == ASL_NONE ? ASL_NONE : asl_first_named(t, bases);
    if (base == ASL_NONE || asl_next_named(t, base) != ASL_NONE) return false;
    base = asl_unparen(t, base);
    uint32_t local = local_class_named(cx, base);
    if (local == ASL_NONE) {
      const char *name = asl_absolute_name(cx, base);
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
  const char *type = receiver_type(cx, obj);
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

bool asl_describe_callee(const AslCtx *cx, uint32_t call, AslCallee *out) {
  const AslTree *t = cx->tree;
  memset(out, 0, sizeof *out);
  uint32_t fn = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fn == ASL_NONE) return false;
  if (t->nodes[fn].kind == ASL_K_attribute)
    return describe_method(cx, fn, out);
  if (t->nodes[fn].kind != ASL_K_identifier) return false;
  if (local_def(cx, fn, out)) return true;
  out->kind = ASL_CALLEE_NAME;
  out->dotted = asl_absolute_name(cx, fn);
  return out->dotted != NULL;
}

