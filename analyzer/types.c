/*
 * types.c - the classes that annotations and return statements name,
 * without a type checker: what the receiver-type layer (rules/callee.c,
 * the project index) builds on. Only what is written is read; nothing is
 * inferred.
 */
#include "asl.h"

#include <string.h>

/* Is `name` a qualifier that wraps the type it is about: typing's Final,
 * ClassVar or Annotated (`x: Final[Client]` is a Client)? */
static bool is_wrapper(const char *name) {
  static const char *const forms[] = {
      "typing.Final", "typing.ClassVar", "typing.Annotated",
      "typing_extensions.Final", "typing_extensions.ClassVar",
      "typing_extensions.Annotated", NULL};
  for (const char *const *f = forms; name && *f; f++)
    if (strcmp(name, *f) == 0) return true;
  return false;
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

/* The class one member of a string annotation names: "Client",
 * "pkg.Client", "Client[int]" (a generic class), "Optional[Client]". */
static const char *string_member_type(const AslCtx *cx, const char *s,
                                      uint32_t len) {
  const char *open = memchr(s, '[', len);
  if (!open) return asl_absolute_text(cx, s, len);
  if (s[len - 1] != ']') return NULL;
  uint32_t head = (uint32_t)(open - s);
  const char *name = asl_absolute_text(cx, s, head);
  if (!is_optional_or_union(name)) return name;
  // Optional[X]: X, when it names a class alone.
  const char *inner = open + 1;
  uint32_t n = len - head - 2;
  return memchr(inner, ',', n) || memchr(inner, '[', n)
             ? NULL
             : asl_absolute_text(cx, inner, n);
}

/* The class a string annotation names: a member as above, or one of them
 * with `| None` on either side. */
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
  return found && found_len ? string_member_type(cx, found, found_len) : NULL;
}

/* The head and the first argument of `Head[A, ...]` (a generic_type or,
 * with a dotted head, a subscript); ASL_NONE where there is none. */
static void generic_parts(const AslTree *t, uint32_t e, uint32_t *head,
                          uint32_t *first) {
  *head = *first = ASL_NONE;
  if (t->nodes[e].kind == ASL_K_subscript) {
    *head = asl_child_by_field(t, e, ASL_F_value);
    *first = asl_child_by_field(t, e, ASL_F_subscript);
    return;
  }
  *head = asl_first_named(t, e);
  uint32_t params = *head == ASL_NONE ? ASL_NONE : asl_next_named(t, *head);
  *first = params == ASL_NONE ? ASL_NONE : asl_first_named(t, params);
}

/* The type an annotation is about, past its wrappers: `type` nodes and
 * the None of `X | None`, `Optional[X]`, `Union[X, None]` (calling a method
 * on None fails anyway, so the call sees an X). ASL_NONE when a union has
 * two members besides None. */
static uint32_t strip_optional(const AslCtx *cx, uint32_t e) {
  const AslTree *t = cx->tree;
  for (int depth = 0; e != ASL_NONE && depth < 8; depth++) {
    AslKind k = t->nodes[e].kind;
    if (k == ASL_K_type) {
      e = asl_first_named(t, e);
    } else if (k == ASL_K_binary_operator) {
      uint32_t op = asl_child_by_field(t, e, ASL_F_operator);
      if (op == ASL_NONE || !asl_node_text_eq(t, cx->src, op, "|"))
        return e;
      e = sole_non_none(t, asl_child_by_field(t, e, ASL_F_left));
    } else if (k == ASL_K_generic_type || k == ASL_K_subscript) {
      uint32_t head, first;
      generic_parts(t, e, &head, &first);
      const char *name = head == ASL_NONE ? NULL : asl_qualname(cx, head);
      if (is_wrapper(name)) {
        e = first; // Final[X], Annotated[X, ...]: X
        continue;
      }
      if (!is_optional_or_union(name)) return e;
      e = sole_non_none(t, first);
    } else {
      return e;
    }
  }
  return ASL_NONE;
}

const char *asl_annotation_class(const AslCtx *cx, uint32_t type_node) {
  const AslTree *t = cx->tree;
  uint32_t e = strip_optional(cx, type_node);
  if (e == ASL_NONE) return NULL;
  switch (t->nodes[e].kind) {
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
  case ASL_K_generic_type: // a generic class is the class (`Context[Bot]`)
  case ASL_K_subscript: {
    uint32_t head, first;
    generic_parts(t, e, &head, &first);
    return head == ASL_NONE ? NULL : asl_absolute_name(cx, head);
  }
  default:
    return NULL;
  }
}

/* Is `name` (absolute) a generic class of the standard library or a
 * builtin (`list`, `type`, `typing.Sequence`): not a typed key? */
static bool is_standard_generic(const char *name) {
  static const char *const prefixes[] = {
      "typing.", "typing_extensions.", "collections.", "builtins.", NULL};
  if (!strchr(name, '.')) return true;
  for (const char *const *p = prefixes; *p; p++)
    if (strncmp(name, *p, strlen(*p)) == 0) return true;
  return false;
}

/* `Head[Arg]` with one type argument (also inside Optional): the head's
 * absolute name, and *arg its argument; NULL otherwise. */
static const char *single_argument_generic(const AslCtx *cx,
                                           uint32_t type_node,
                                           uint32_t *arg) {
  const AslTree *t = cx->tree;
  uint32_t e = strip_optional(cx, type_node);
  if (e == ASL_NONE || (t->nodes[e].kind != ASL_K_generic_type &&
                        t->nodes[e].kind != ASL_K_subscript))
    return NULL;
  uint32_t head;
  generic_parts(t, e, &head, arg);
  if (head == ASL_NONE || *arg == ASL_NONE ||
      asl_next_named(t, *arg) != ASL_NONE)
    return NULL;
  return asl_absolute_name(cx, head);
}

const char *asl_annotation_key_item(const AslCtx *cx, uint32_t type_node) {
  uint32_t arg;
  const char *name = single_argument_generic(cx, type_node, &arg);
  if (!name || is_standard_generic(name)) return NULL;
  return asl_annotation_class(cx, arg);
}

const char *asl_annotation_class_object(const AslCtx *cx,
                                        uint32_t type_node) {
  uint32_t arg;
  const char *name = single_argument_generic(cx, type_node, &arg);
  if (!name || (strcmp(name, "type") != 0 &&
                strcmp(name, "builtins.type") != 0 &&
                strcmp(name, "typing.Type") != 0 &&
                strcmp(name, "typing_extensions.Type") != 0))
    return NULL;
  return asl_annotation_class(cx, arg);
}

static bool is_self_type(const char *name) {
  return name && (strcmp(name, "typing.Self") == 0 ||
                  strcmp(name, "typing_extensions.Self") == 0);
}

/* Does every `return` of function `fn`'s own body return `self` (its
 * first parameter), with at least one? */
static bool returns_self(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t params = asl_child_by_field(t, fn, ASL_F_parameters);
  uint32_t self = params == ASL_NONE ? ASL_NONE : asl_first_named(t, params);
  if (self == ASL_NONE || t->nodes[self].kind != ASL_K_identifier)
    return false;
  const AslNode *sn = &t->nodes[self];
  uint32_t nret = 0;
  for (uint32_t j = fn + 1; j < t->nodes[fn].end; j++) {
    if (t->nodes[j].kind != ASL_K_return_statement || t->nodes[j].scope != fn)
      continue;
    uint32_t v = asl_unparen(t, asl_first_named(t, j));
    if (v == ASL_NONE || t->nodes[v].kind != ASL_K_identifier) return false;
    const AslNode *vn = &t->nodes[v];
    if (vn->end_byte - vn->start_byte != sn->end_byte - sn->start_byte ||
        memcmp(cx->src->text + vn->start_byte, cx->src->text + sn->start_byte,
               sn->end_byte - sn->start_byte) != 0)
      return false;
    nret++;
  }
  return nret > 0;
}

/* The callee (absolute name) of the call return value `v` is, directly
 * (`return Client(...)`) or through a local of `fn` bound once to it. */
static const char *returned_call(const AslCtx *cx, uint32_t fn, uint32_t v) {
  const AslTree *t = cx->tree;
  v = asl_unparen(t, v);
  if (v != ASL_NONE && t->nodes[v].kind == ASL_K_identifier) {
    const AslBinding *b = asl_resolve_name(cx, v);
    if (!b || b->scope != fn) return NULL;
    v = asl_unparen(t, asl_single_assignment(cx, v));
  }
  if (v == ASL_NONE || t->nodes[v].kind != ASL_K_call) return NULL;
  return asl_absolute_name(cx, asl_child_by_field(t, v, ASL_F_function));
}

/* What every `return` of unannotated `fn`'s own body gives when each
 * returns a call of the same callee (a factory: `return Client(...)`, or
 * `c = Client(...)` ... `return c`); NULL for a generator, a bare
 * `return` or any other value. The index reads the callee: a class gives
 * an instance, a function what it returns in turn. */
static const char *returned_callee(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  const char *callee = NULL;
  for (uint32_t j = fn + 1; j < t->nodes[fn].end; j++) {
    AslKind k = t->nodes[j].kind;
    if (t->nodes[j].scope != fn) continue;
    if (k == ASL_K_yield) return NULL;
    if (k != ASL_K_return_statement) continue;
    const char *one = returned_call(cx, fn, asl_first_named(t, j));
    if (!one || (callee && strcmp(callee, one) != 0)) return NULL;
    callee = one;
  }
  return callee;
}

bool asl_annotation_is_typevar(const AslCtx *cx, uint32_t type) {
  const AslTree *t = cx->tree;
  if (type != ASL_NONE && t->nodes[type].kind == ASL_K_type)
    type = asl_first_named(t, type);
  if (type == ASL_NONE || t->nodes[type].kind != ASL_K_identifier)
    return false;
  uint32_t value = asl_unparen(t, asl_single_assignment(cx, type));
  if (value == ASL_NONE || t->nodes[value].kind != ASL_K_call) return false;
  const char *callee =
      asl_absolute_name(cx, asl_child_by_field(t, value, ASL_F_function));
  return callee && (!strcmp(callee, "typing.TypeVar") ||
                    !strcmp(callee, "typing_extensions.TypeVar"));
}

/* Is the method's return annotation `ann` the TypeVar its first parameter
 * is annotated with (`def bot(self: B, ...) -> B`)? Then a call gives the
 * receiver, as `-> Self` says: the builder idiom. */
static bool returns_self_typevar(const AslCtx *cx, uint32_t fn,
                                 uint32_t ann) {
  const AslTree *t = cx->tree;
  uint32_t params = asl_child_by_field(t, fn, ASL_F_parameters);
  uint32_t self = params == ASL_NONE ? ASL_NONE : asl_first_named(t, params);
  if (self == ASL_NONE || t->nodes[self].kind != ASL_K_typed_parameter)
    return false;
  uint32_t st = asl_child_by_field(t, self, ASL_F_type);
  if (!asl_annotation_is_typevar(cx, ann) ||
      !asl_annotation_is_typevar(cx, st))
    return false;
  const AslNode *a = &t->nodes[asl_first_named(t, ann)];
  const AslNode *b = &t->nodes[asl_first_named(t, st)];
  uint32_t n = a->end_byte - a->start_byte;
  return n == b->end_byte - b->start_byte &&
         memcmp(cx->src->text + a->start_byte, cx->src->text + b->start_byte,
                n) == 0;
}

const char *asl_def_returns(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t ann = asl_child_by_field(t, fn, ASL_F_return_type);
  const char *cls = asl_enclosing_class(cx, fn);
  if (ann != ASL_NONE) {
    if (cls && returns_self_typevar(cx, fn, ann)) return cls;
    const char *name = asl_annotation_class(cx, ann);
    return is_self_type(name) ? cls : name;
  }
  if (cls && returns_self(cx, fn)) return cls;
  return returned_callee(cx, fn);
}

/* Is `name` one of the iterator types a context-manager generator is
 * annotated with (typing's or collections.abc's)? */
static bool is_iterator_type(const char *name) {
  static const char *const forms[] = {
      "Iterator", "Generator", "Iterable", "AsyncIterator", "AsyncGenerator",
      "AsyncIterable", NULL};
  if (!name) return false;
  const char *last = strrchr(name, '.');
  if (!last || (strncmp(name, "typing.", 7) != 0 &&
                strncmp(name, "typing_extensions.", 18) != 0 &&
                strncmp(name, "collections.abc.", 16) != 0))
    return false;
  for (const char *const *f = forms; *f; f++)
    if (strcmp(last + 1, *f) == 0) return true;
  return false;
}

const char *asl_def_enters(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t ann = asl_child_by_field(t, fn, ASL_F_return_type);
  uint32_t e = ann == ASL_NONE ? ASL_NONE : asl_first_named(t, ann);
  uint32_t p = t->nodes[fn].parent;
  if (e == ASL_NONE || t->nodes[p].kind != ASL_K_decorated_definition ||
      (t->nodes[e].kind != ASL_K_generic_type &&
       t->nodes[e].kind != ASL_K_subscript))
    return NULL;
  AslDef d;
  asl_describe_def(cx, fn, &d);
  bool cm = false;
  for (uint32_t k = 0; k < d.ndecorators; k++)
    cm |= strcmp(d.decorators[k], "contextlib.contextmanager") == 0 ||
          strcmp(d.decorators[k], "contextlib.asynccontextmanager") == 0;
  if (!cm) return NULL;
  uint32_t head, first;
  generic_parts(t, e, &head, &first);
  if (head == ASL_NONE || first == ASL_NONE ||
      !is_iterator_type(asl_absolute_name(cx, head)))
    return NULL;
  return asl_annotation_class(cx, first);
}

/* Is `name` typing's (or collections.abc's) `what` ("Callable")? */
static bool is_typing(const char *name, const char *what) {
  if (!name) return false;
  const char *last = strrchr(name, '.');
  return last && strcmp(last + 1, what) == 0 &&
         (strncmp(name, "typing.", 7) == 0 ||
          strncmp(name, "typing_extensions.", 18) == 0 ||
          strncmp(name, "collections.abc.", 16) == 0);
}

/* Is type `e` Awaitable[...], Coroutine[...] (or a bare Awaitable)? */
static bool is_awaitable_type(const AslCtx *cx, uint32_t e) {
  const AslTree *t = cx->tree;
  e = asl_unparen(t, e);
  if (e != ASL_NONE && t->nodes[e].kind == ASL_K_type) e = asl_first_named(t, e);
  if (e == ASL_NONE) return false;
  uint32_t head = e, first;
  if (t->nodes[e].kind == ASL_K_generic_type ||
      t->nodes[e].kind == ASL_K_subscript)
    generic_parts(t, e, &head, &first);
  const char *name = head == ASL_NONE ? NULL : asl_absolute_name(cx, head);
  return is_typing(name, "Awaitable") || is_typing(name, "Coroutine");
}

/* The last argument of `Callable[ARGS, R]` (R), or ASL_NONE. */
static uint32_t callable_result(const AslTree *t, uint32_t e) {
  uint32_t head, first;
  generic_parts(t, e, &head, &first);
  if (first == ASL_NONE) return ASL_NONE;
  // Callable[[A, B], R] is a generic_type with a type_parameter list, or a
  // subscript with several subscript children: R is the last one.
  uint32_t last = first;
  for (uint32_t c = first; c != ASL_NONE; c = asl_next_named(t, c)) last = c;
  if (t->nodes[e].kind == ASL_K_subscript) return last;
  uint32_t params = asl_next_named(t, head);
  uint32_t r = ASL_NONE;
  for (uint32_t c = params == ASL_NONE ? ASL_NONE : asl_first_named(t, params);
       c != ASL_NONE; c = asl_next_named(t, c))
    r = c;
  return r;
}

int asl_annotation_awaitable_callable(const AslCtx *cx, uint32_t type_node,
                                      const char **alias) {
  const AslTree *t = cx->tree;
  *alias = NULL;
  uint32_t e = strip_optional(cx, type_node);
  if (e == ASL_NONE) return 0;
  AslKind k = t->nodes[e].kind;
  if (k == ASL_K_identifier || k == ASL_K_attribute) {
    *alias = asl_absolute_name(cx, e);
    return 0;
  }
  if (k == ASL_K_string) { // `next_app: "ASGIApp"`: the alias, quoted
    uint32_t c = asl_child_by_kind(t, e, ASL_K_string_content);
    if (c == ASL_NONE) return 0;
    const AslNode *n = &t->nodes[c];
    const char *text = cx->src->text + n->start_byte;
    uint32_t len = n->end_byte - n->start_byte;
    for (uint32_t i = 0; i < len; i++) {
      char ch = text[i], lower = (char)(ch | 32);
      if (!(ch == '_' || ch == '.' || (ch >= '0' && ch <= '9') ||
            (lower >= 'a' && lower <= 'z')))
        return 0; // only a dotted name
    }
    *alias = len ? asl_absolute_text(cx, text, len) : NULL;
    return 0;
  }
  if (k != ASL_K_generic_type && k != ASL_K_subscript) return 0;
  uint32_t head, first;
  generic_parts(t, e, &head, &first);
  const char *name = head == ASL_NONE ? NULL : asl_qualname(cx, head);
  return is_typing(name, "Callable") &&
         is_awaitable_type(cx, callable_result(t, e));
}

/* The value a yield or return gives: for a call (or a local of `fn` bound
 * once to one), its callee's absolute name; "!" for a nested `async def`
 * of `fn` returned as is; else NULL. */
static const char *given_value(const AslCtx *cx, uint32_t fn, uint32_t v) {
  const AslTree *t = cx->tree;
  v = asl_unparen(t, v);
  if (v == ASL_NONE) return NULL;
  if (t->nodes[v].kind == ASL_K_identifier) {
    const AslBinding *b = asl_resolve_name(cx, v);
    if (!b || b->scope != fn || b->next_same != ASL_NONE) return NULL;
    uint32_t def = t->nodes[b->node].parent;
    if (t->nodes[def].kind == ASL_K_function_definition &&
        t->nodes[b->node].field == ASL_F_name)
      return asl_is_async_def(t, cx->src, def) ? "!" : NULL;
  }
  return returned_call(cx, fn, v); // a call, or a local bound once to one
}

const char *asl_fixture_value(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  uint32_t ann = asl_child_by_field(t, fn, ASL_F_return_type);
  uint32_t e = ann == ASL_NONE ? ASL_NONE : asl_first_named(t, ann);
  if (e != ASL_NONE) {
    uint32_t head, first;
    if (t->nodes[e].kind == ASL_K_generic_type ||
        t->nodes[e].kind == ASL_K_subscript) {
      generic_parts(t, e, &head, &first);
      if (head != ASL_NONE && first != ASL_NONE &&
          is_iterator_type(asl_absolute_name(cx, head)))
        return asl_annotation_class(cx, first); // a generator fixture
    }
    return asl_annotation_class(cx, ann);
  }
  // No annotation: what every return and yield of its own body gives.
  return asl_agreed_returns(cx, fn, given_value);
}

const char *asl_agreed_returns(const AslCtx *cx, uint32_t fn,
                               AslValueOf give) {
  const AslTree *t = cx->tree;
  const char *value = NULL;
  for (uint32_t j = fn + 1; j < t->nodes[fn].end; j++) {
    AslKind k = t->nodes[j].kind;
    if ((k != ASL_K_return_statement && k != ASL_K_yield) ||
        t->nodes[j].scope != fn)
      continue;
    const char *one = give(cx, fn, asl_first_named(t, j));
    if (!one || (value && strcmp(value, one) != 0)) return NULL;
    value = one;
  }
  return value;
}

bool asl_def_gives_coroutine_function(const AslCtx *cx, uint32_t fn) {
  const AslTree *t = cx->tree;
  if (asl_is_async_def(t, cx->src, fn)) return false;
  uint32_t ann = asl_child_by_field(t, fn, ASL_F_return_type);
  if (ann != ASL_NONE) {
    const char *alias;
    return asl_annotation_awaitable_callable(cx, ann, &alias) == 1;
  }
  const char *value = asl_agreed_returns(cx, fn, given_value);
  return value && strcmp(value, "!") == 0;
}

bool asl_is_fixture_decorator(const char *name) {
  return strcmp(name, "pytest.fixture") == 0 ||
         strcmp(name, "pytest_asyncio.fixture") == 0 ||
         strcmp(name, "_pytest.fixtures.fixture") == 0;
}
