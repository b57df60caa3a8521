/*
 * facts.c - def-use facts for the ASL4xx pass: what a statement reads,
 * binds and may mutate, as hashed attribute chains (`u`, `u.id`,
 * `self.conn`), hash sets to intersect them in O(1) per chain, and the
 * order-sensitive operations (sleep, queues, streams, locks, events,
 * transactions, tasks already running) that make a run not parallelizable.
 */
#include "sequential.h"

#include <ctype.h>
#include <string.h>

struct AslSeqSlot {
  uint64_t key;
  uint32_t gen; /* the slot is live when gen equals the set's */
};

/* ---- hash sets --------------------------------------------------------- */

static uint32_t slot_of(uint64_t k, uint32_t cap) {
  return (uint32_t)(k ^ (k >> 29) ^ (k >> 47)) & (cap - 1);
}

static bool hash_has(const AslSeqHash *h, uint64_t k) {
  if (!h->cap) return false;
  for (uint32_t i = slot_of(k, h->cap);; i = (i + 1) & (h->cap - 1)) {
    if (h->slots[i].gen != h->gen) return false;
    if (h->slots[i].key == k) return true;
  }
}

static void hash_put_nogrow(AslSeqHash *h, uint64_t k) {
  for (uint32_t i = slot_of(k, h->cap);; i = (i + 1) & (h->cap - 1)) {
    if (h->slots[i].gen != h->gen) {
      h->slots[i].gen = h->gen;
      h->slots[i].key = k;
      h->count++;
      return;
    }
    if (h->slots[i].key == k) return;
  }
}

static void hash_put(AslArena *a, AslSeqHash *h, uint64_t k) {
  if (!h->gen) h->gen = 1; // zeroed slots (gen 0) are empty
  if ((h->count + 1) * 2 > h->cap) {
    struct AslSeqSlot *old = h->slots;
    uint32_t ocap = h->cap;
    h->cap = ocap ? ocap * 2 : 64;
    h->slots = asl_arena_alloc(a, (size_t)h->cap * sizeof *h->slots);
    h->count = 0;
    for (uint32_t i = 0; i < ocap; i++)
      if (old[i].gen == h->gen) hash_put_nogrow(h, old[i].key);
  }
  hash_put_nogrow(h, k);
}

static void hash_clear(AslSeqHash *h) {
  h->count = 0;
  if (++h->gen == 0) { // wrapped: stale slots would look live
    if (h->slots) memset(h->slots, 0, (size_t)h->cap * sizeof *h->slots);
    h->gen = 1;
  }
}

void asl__seq_set_clear(AslSeqSet *s) {
  hash_clear(&s->full);
  hash_clear(&s->pre);
}

void asl__seq_set_add1(AslArena *a, AslSeqSet *s, const AslSeqChain *c) {
  hash_put(a, &s->full, c->h[c->depth - 1]);
  for (uint32_t k = 0; k < c->depth; k++) hash_put(a, &s->pre, c->h[k]);
}

/* One chain touches the set if a prefix of it is a whole chain there, or
 * it is itself a prefix of one. */
bool asl__seq_set_touches1(const AslSeqSet *s, const AslSeqChain *c) {
  for (uint32_t k = 0; k < c->depth; k++)
    if (hash_has(&s->full, c->h[k])) return true;
  return hash_has(&s->pre, c->h[c->depth - 1]);
}

void asl__seq_set_add(AslArena *a, AslSeqSet *s, const AslSeqChainVec *v) {
  for (uint32_t i = 0; i < v->len; i++) asl__seq_set_add1(a, s, &v->items[i]);
}

bool asl__seq_set_touches(const AslSeqSet *s, const AslSeqChainVec *v) {
  for (uint32_t i = 0; i < v->len; i++)
    if (asl__seq_set_touches1(s, &v->items[i])) return true;
  return false;
}

/* ---- chains ------------------------------------------------------------ */

static uint64_t mix(uint64_t h, const char *s, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h | 1; // never 0
}

/* Node text as pointer and length. */
static const char *text_of(const AslCtx *cx, uint32_t i, uint32_t *len) {
  const AslNode *n = &cx->tree->nodes[i];
  *len = n->end_byte - n->start_byte;
  return cx->src->text + n->start_byte;
}

/* Starts a chain at identifier `i` and climbs `.attr` parents (not past
 * `stop`); *top gets the outermost attribute node. `self` and `cls`
 * chains are hashed file-wide (so a task stored on `self` in one method is
 * known in another); other names per function `fn`. */
static void chain_from_ident(const AslCtx *cx, uint32_t i, uint32_t fn,
                             uint32_t stop, uint32_t *top, AslSeqChain *c) {
  const AslTree *t = cx->tree;
  uint32_t len;
  const char *s = text_of(cx, i, &len);
  bool global = (len == 4 && memcmp(s, "self", 4) == 0) ||
                (len == 3 && memcmp(s, "cls", 3) == 0);
  uint64_t seed = 1469598103934665603ull ^
                  (global ? 0 : (uint64_t)(fn + 1) * 0x9E3779B97F4A7C15ull);
  c->h[0] = mix(seed, s, len);
  c->depth = 1;
  uint32_t cur = i;
  while (cur != stop) {
    uint32_t par = t->nodes[cur].parent;
    if (par == ASL_NONE || t->nodes[par].kind != ASL_K_attribute ||
        t->nodes[cur].field != ASL_F_object)
      break;
    uint32_t attr = asl_child_by_field(t, par, ASL_F_attribute);
    if (attr == ASL_NONE) break;
    if (c->depth < ASL_SEQ_MAX_DEPTH) {
      s = text_of(cx, attr, &len);
      uint64_t h = mix(c->h[c->depth - 1], ".", 1);
      c->h[c->depth] = mix(h, s, len);
      c->depth++;
    }
    cur = par;
  }
  *top = cur;
}

bool asl__seq_chain_of(const AslSeqPass *p, uint32_t expr, uint32_t fn,
                       AslSeqChain *out) {
  const AslTree *t = p->cx->tree;
  uint32_t e = asl_unparen(t, expr);
  if (e == ASL_NONE) return false;
  uint32_t root = e;
  while (root != ASL_NONE && t->nodes[root].kind == ASL_K_attribute)
    root = asl_child_by_field(t, root, ASL_F_object);
  if (root == ASL_NONE || t->nodes[root].kind != ASL_K_identifier)
    return false;
  uint32_t top;
  chain_from_ident(p->cx, root, fn, e, &top, out);
  return top == e;
}

/* The name under `o.m(...)`, `o[k].m()`, `f().m()`: descends objects,
 * subscripted values and callees to the identifier they start from. */
static uint32_t root_ident(const AslTree *t, uint32_t e) {
  for (;;) {
    e = asl_unparen(t, e);
    if (e == ASL_NONE) return ASL_NONE;
    switch (t->nodes[e].kind) {
    case ASL_K_identifier: return e;
    case ASL_K_attribute: e = asl_child_by_field(t, e, ASL_F_object); break;
    case ASL_K_subscript: e = asl_child_by_field(t, e, ASL_F_value); break;
    case ASL_K_call: e = asl_child_by_field(t, e, ASL_F_function); break;
    default: return ASL_NONE;
    }
  }
}

/* Pattern containers a target may nest in (`a, (b, c) = ...`). */
static bool is_target_container(AslKind k) {
  return k == ASL_K_pattern_list || k == ASL_K_tuple_pattern ||
         k == ASL_K_list_pattern || k == ASL_K_list_splat_pattern ||
         k == ASL_K_parenthesized_expression || k == ASL_K_tuple ||
         k == ASL_K_list || k == ASL_K_expression_list;
}

/* Is expression `n` assigned to (an attribute or subscript target)? */
static bool store_position(const AslTree *t, uint32_t n, bool *augmented) {
  uint32_t c = n, par = t->nodes[n].parent;
  while (par != ASL_NONE && is_target_container(t->nodes[par].kind)) {
    c = par;
    par = t->nodes[par].parent;
  }
  if (par == ASL_NONE) return false;
  AslKind k = t->nodes[par].kind;
  *augmented = k == ASL_K_augmented_assignment;
  if (k == ASL_K_assignment || k == ASL_K_augmented_assignment ||
      k == ASL_K_for_statement || k == ASL_K_for_in_clause)
    return t->nodes[c].field == ASL_F_left;
  return k == ASL_K_as_pattern_target;
}

static bool in_words(const char *s, uint32_t n, const char *const *words) {
  for (; *words; words++)
    if (strlen(*words) == n && memcmp(*words, s, n) == 0) return true;
  return false;
}

/* Methods that only read their receiver (str, dict and bytes queries). */
static const char *const pure_methods[] = {
    "get", "keys", "values", "items", "copy", "format", "startswith",
    "endswith", "strip", "lstrip", "rstrip", "split", "rsplit",
    "splitlines", "lower", "upper", "title", "casefold", "encode", "decode",
    "replace", "count", "index", "find", "rfind", "isdigit", "isalpha",
    "isalnum", "isspace", "hex", "removeprefix", "removesuffix",
    "partition", "rpartition", "zfill", "ljust", "rjust", "center", "join",
    NULL};

/* Builtins whose arguments come back unchanged. */
static const char *const pure_builtins[] = {
    "len", "str", "int", "float", "bool", "repr", "isinstance",
    "issubclass", "min", "max", "sum", "abs", "round", "sorted", "list",
    "tuple", "dict", "set", "frozenset", "enumerate", "zip", "range", "any",
    "all", "hash", "id", "type", "getattr", "hasattr", "format", "bytes",
    "ord", "chr", "divmod", "reversed", "map", "filter", "print", NULL};

static void push(AslSeqPass *p, AslSeqChainVec *v, const AslSeqChain *c) {
  AslSeqFacts *f = &p->facts;
  if (f->reads.len + f->writes.len + f->effects.len >= ASL_SEQ_MAX_CHAINS) {
    f->overflow = true;
    return;
  }
  asl_avec_push(p->cx->arena, v, *c);
}

/* Is identifier `ident` a module bound only by `import m` / `import m as
 * x`? Calling a function of a module is not an operation on an object. */
static bool is_module(const AslCtx *cx, uint32_t ident) {
  const AslTree *t = cx->tree;
  if (ident == ASL_NONE || t->nodes[ident].kind != ASL_K_identifier)
    return false;
  const AslBinding *b = asl_resolve_name(cx, ident);
  if (!b || !asl_import_target(cx->names, b)) return false;
  uint32_t n = b->node;
  for (int up = 0; up < 3 && n != ASL_NONE; up++, n = t->nodes[n].parent)
    if (t->nodes[n].kind == ASL_K_import_statement) return true;
  return false;
}

/* The receiver of method call `call` (whose callee is attribute `fnode`)
 * becomes an effect: mutating methods change it, and an awaited method
 * call is an operation on it. */
static void receiver_effect(AslSeqPass *p, uint32_t fnode, uint32_t fn) {
  const AslTree *t = p->cx->tree;
  uint32_t recv = asl_child_by_field(t, fnode, ASL_F_object);
  AslSeqChain c;
  uint32_t head = asl_unparen(t, recv);
  while (head != ASL_NONE && t->nodes[head].kind == ASL_K_attribute)
    head = asl_child_by_field(t, head, ASL_F_object);
  if (is_module(p->cx, head)) return; // `asyncio.to_thread`, `os.path.x`
  if (recv != ASL_NONE && asl__seq_chain_of(p, recv, fn, &c)) {
    push(p, &p->facts.effects, &c);
    return;
  }
  uint32_t root = root_ident(t, recv);
  if (root == ASL_NONE) return;
  uint32_t top;
  chain_from_ident(p->cx, root, fn, root, &top, &c);
  push(p, &p->facts.effects, &c);
}

/* Arguments of an intermediate call that are plain chains may be mutated
 * by the callee, unless it is a known pure builtin. */
static void argument_effects(AslSeqPass *p, uint32_t call, uint32_t fn) {
  const AslTree *t = p->cx->tree;
  uint32_t fnode = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (fnode != ASL_NONE && t->nodes[fnode].kind == ASL_K_identifier) {
    uint32_t len;
    const char *s = text_of(p->cx, fnode, &len);
    if (in_words(s, len, pure_builtins)) return;
  }
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments);
  if (args == ASL_NONE || t->nodes[args].kind != ASL_K_argument_list) return;
  for (uint32_t a = asl_first_named(t, args); a != ASL_NONE;
       a = asl_next_named(t, a)) {
    uint32_t e = a;
    AslKind k = t->nodes[a].kind;
    if (k == ASL_K_keyword_argument)
      e = asl_child_by_field(t, a, ASL_F_value);
    else if (k == ASL_K_list_splat || k == ASL_K_dictionary_splat)
      e = asl_first_named(t, a);
    AslSeqChain c;
    if (e != ASL_NONE && asl__seq_chain_of(p, e, fn, &c))
      push(p, &p->facts.effects, &c);
  }
}

/* For a store into `c[KEY]` with a literal KEY (`out["user"]`), extends
 * the container's chain with the key, so stores under different literal
 * keys do not touch while a read of the whole container still does. */
static void constant_key(const AslCtx *cx, uint32_t sub, AslSeqChain *c) {
  const AslTree *t = cx->tree;
  if (t->nodes[sub].kind != ASL_K_subscript || c->depth >= ASL_SEQ_MAX_DEPTH)
    return;
  uint32_t key = asl_child_by_field(t, sub, ASL_F_subscript);
  if (key == ASL_NONE || asl_next_named(t, key) != ASL_NONE) return;
  AslKind k = t->nodes[key].kind;
  if (k != ASL_K_integer && k != ASL_K_string) return;
  for (uint32_t j = key; j < t->nodes[key].end; j++)
    if (t->nodes[j].kind == ASL_K_interpolation) return; // an f-string
  uint32_t len;
  const char *s = text_of(cx, key, &len);
  c->h[c->depth] = mix(mix(c->h[c->depth - 1], "[", 1), s, len);
  c->depth++;
}

static bool chain_connection_like(const AslCtx *cx, uint32_t e);
static bool ordered_call(const AslCtx *cx, uint32_t call);
static bool runs_in_thread(const AslCtx *cx, const char *s, uint32_t n);

/* Is identifier `i` bound by a comprehension's `for` (`u` in
 * `(f(u) for u in urls)`)? */
static bool comprehension_target(const AslTree *t, uint32_t i) {
  uint32_t c = i;
  for (uint32_t par = t->nodes[i].parent, steps = 0;
       par != ASL_NONE && steps < 8; c = par, par = t->nodes[par].parent,
                steps++) {
    if (t->nodes[par].kind == ASL_K_for_in_clause)
      return t->nodes[c].field == ASL_F_left;
    if (!is_target_container(t->nodes[par].kind)) return false;
  }
  return false;
}

void asl__seq_facts(AslSeqPass *p, uint32_t from, uint32_t to,
                    uint32_t awaited, bool intermediate, uint32_t fn) {
  const AslTree *t = p->cx->tree;
  AslSeqFacts *f = &p->facts;
  f->reads.len = f->writes.len = f->effects.len = 0;
  f->overflow = f->stores_into = false;
  for (uint32_t i = from; i < to && !f->overflow; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind == ASL_K_call) {
      uint32_t fnode = asl_unparen(t, asl_child_by_field(t, i, ASL_F_function));
      if (fnode != ASL_NONE && t->nodes[fnode].kind == ASL_K_attribute) {
        uint32_t name = asl_child_by_field(t, fnode, ASL_F_attribute);
        uint32_t len = 0;
        const char *s = name == ASL_NONE ? "" : text_of(p->cx, name, &len);
        // An awaited read from a client changes nothing a later await
        // depends on: two reads may share the receiver.
        bool client_read = i == awaited &&
                           (asl__seq_read_style(s, len) ||
                            runs_in_thread(p->cx, s, len)) &&
                           !chain_connection_like(
                               p->cx, asl_child_by_field(t, fnode,
                                                         ASL_F_object)) &&
                           !ordered_call(p->cx, i);
        if (!client_read &&
            (i == awaited || !in_words(s, len, pure_methods)))
          receiver_effect(p, fnode, fn);
      }
      if (intermediate) argument_effects(p, i, fn);
      continue;
    }
    if (n->kind == ASL_K_attribute || n->kind == ASL_K_subscript) {
      // `a.b[0].c = v`, `f().x = v`: a store whose container is not a
      // plain chain changes what its root names.
      bool aug = false;
      uint32_t obj = asl_child_by_field(
          t, i, n->kind == ASL_K_attribute ? ASL_F_object : ASL_F_value);
      AslSeqChain c;
      uint32_t root, top;
      if (obj == ASL_NONE || !store_position(t, i, &aug) ||
          asl__seq_chain_of(p, obj, fn, &c) ||
          (root = root_ident(t, obj)) == ASL_NONE)
        continue;
      chain_from_ident(p->cx, root, fn, root, &top, &c);
      f->stores_into = true;
      push(p, &f->writes, &c);
      continue;
    }
    if (n->kind != ASL_K_identifier) continue;
    AslSeqChain c;
    uint32_t top;
    if (asl_is_store(t, i)) {
      // A comprehension's own variable is local to it.
      if (comprehension_target(t, i)) continue;
      chain_from_ident(p->cx, i, fn, i, &top, &c);
      push(p, &f->writes, &c);
      continue;
    }
    if (!asl_is_load(t, i)) continue;
    chain_from_ident(p->cx, i, fn, ASL_NONE, &top, &c);
    bool aug = false;
    uint32_t par = t->nodes[top].parent;
    bool store = (top != i && store_position(t, top, &aug)) ||
                 (par != ASL_NONE && t->nodes[par].kind == ASL_K_subscript &&
                  t->nodes[top].field == ASL_F_value &&
                  store_position(t, par, &aug));
    if (store) {
      f->stores_into = true;
      if (par != ASL_NONE) constant_key(p->cx, par, &c);
      push(p, &f->writes, &c);
      if (aug) push(p, &f->reads, &c);
    } else {
      push(p, &f->reads, &c);
    }
  }
}

/* ---- order-sensitive operations ---------------------------------------- */

/* Awaited operations whose order is the point: timing, queues, streams
 * and sockets, locks, events and conditions, transactions, processes,
 * (async) generators, connections and servers. Matched on the callee's
 * last name, wherever it appears in the awaited expression. */
static const char *const ordered_ops[] = {
    "sleep", "sleep_until", "checkpoint", "put", "put_nowait", "join",
    "task_done", "write", "writelines", "write_eof", "drain", "read",
    "readline", "readlines", "readexactly", "readuntil", "readany",
    "readchunk", "recv", "recv_into", "recvfrom", "send", "sendall",
    "sendto", "sendfile", "send_bytes", "send_str", "send_json",
    "send_text", "receive", "receive_bytes", "receive_text",
    "receive_json", "receive_str", "sock_recv", "sock_recv_into",
    "sock_recvfrom", "sock_recvfrom_into", "sock_sendall", "sock_sendto",
    "sock_connect", "sock_accept", "sock_sendfile", "acquire", "release",
    "wait", "wait_closed", "wait_for", "set", "clear", "notify",
    "notify_all", "connect", "accept", "close", "aclose", "shutdown",
    "start_tls", "start_serving", "serve_forever", "flush", "commit",
    "rollback", "begin", "execute", "executemany", "executescript",
    "communicate", "open_connection", "open_unix_connection",
    "create_connection", "create_datagram_endpoint", "create_server",
    "create_unix_server", "create_unix_connection", "start_server",
    "start_unix_server", "connect_read_pipe", "connect_write_pipe",
    "subprocess_exec", "subprocess_shell", "create_subprocess_exec",
    "create_subprocess_shell", "asend", "athrow", "anext", "__anext__",
    "shield", "as_completed", "run_until_complete", NULL};

/* Name prefixes of the same families (`wait_all_tasks_blocked`,
 * `sleep_forever`, `recv_exactly`, `close_all`). */
static const char *const ordered_prefixes[] = {
    "wait", "sleep", "acquire", "release", "notify", "drain", "checkpoint",
    "join", "recv", "receive", "shutdown", "close", "commit", "rollback",
    "flush", "send", NULL};

static bool prefixed(const char *s, uint32_t n, const char *const *pre) {
  for (; *pre; pre++) {
    size_t k = strlen(*pre);
    if (n >= k && memcmp(s, *pre, k) == 0) return true;
  }
  return false;
}

/* Verbs of operations that change external state (a database row, a
 * remote resource, a subscription): what runs after them may rely on the
 * change even without using their result, so a run holding one keeps its
 * order. Matched on the callee's first word (`create_user`, `sendMail`,
 * `_update_cache`). */
static const char *const mutating_verbs[] = {
    "create", "insert", "update", "delete", "remove", "save", "put",
    "post", "patch", "set", "write", "send", "publish", "emit", "store",
    "upsert", "add", "register", "unregister", "subscribe", "unsubscribe",
    "push", "pop", "append", "increment", "decrement", "incr", "decr",
    "drop", "truncate", "lock", "unlock", "reset", "mark", "move",
    "rename", "upload", "submit", "enqueue", "dequeue", "schedule",
    "cancel", "kill", "stop", "start", "open", "disconnect", "login",
    "logout", "apply", "migrate", "sync", "invalidate", "refresh",
    "reload", "transfer", "charge", "pay", "refund", "approve", "reject",
    "install", "deploy", "restart", "terminate", "destroy", "purge",
    "evict", "expire", "touch", "bind", "listen", "serve", "run", NULL};

/* Does the first word of identifier `s` name a mutating verb? */
static bool mutating(const char *s, uint32_t n) {
  while (n && *s == '_') s++, n--;
  uint32_t w = 0;
  char low[24];
  while (w < n && w < sizeof low - 1 && s[w] != '_' &&
         !(w > 0 && isupper((unsigned char)s[w]))) {
    low[w] = (char)tolower((unsigned char)s[w]);
    w++;
  }
  if (w == n || s[w] == '_' || isupper((unsigned char)s[w]))
    return in_words(low, w, mutating_verbs);
  return false; // the first word is longer than any verb
}

/* Callees that create tasks or futures already running (or pending). */
static const char *const task_makers[] = {
    "create_task", "ensure_future", "create_future", "Future", "Task",
    "run_coroutine_threadsafe", "start_soon", NULL};

/* Is `s` a name a queue or channel usually has (`q`, `jobs_queue`)? */
static bool queue_like(const char *s, uint32_t n) {
  char low[64];
  if (n >= sizeof low) n = sizeof low - 1;
  for (uint32_t i = 0; i < n; i++) low[i] = (char)tolower((unsigned char)s[i]);
  low[n] = 0;
  if (strcmp(low, "q") == 0 || strcmp(low, "_q") == 0) return true;
  if (n >= 2 && strcmp(low + n - 2, "_q") == 0) return true;
  return strstr(low, "queue") || strstr(low, "inbox") ||
         strstr(low, "outbox") || strstr(low, "mailbox") ||
         strstr(low, "chan");
}

uint32_t asl__seq_only_child(const AslTree *t, uint32_t i) {
  uint32_t only = ASL_NONE;
  for (uint32_t c = asl_first_named(t, i); c != ASL_NONE;
       c = asl_next_named(t, c)) {
    if (t->nodes[c].kind == ASL_K_comment) continue;
    if (only != ASL_NONE) return ASL_NONE;
    only = c;
  }
  return only;
}

uint32_t asl__seq_awaited(const AslTree *t, uint32_t aw) {
  return asl_unparen(t, asl_first_named(t, aw));
}

/* The last name of chain expression `e` (`self._conn` -> `_conn`), or
 * ASL_NONE if it is not an identifier or attribute. */
static uint32_t last_name(const AslTree *t, uint32_t e) {
  e = asl_unparen(t, e);
  if (e == ASL_NONE) return ASL_NONE;
  if (t->nodes[e].kind == ASL_K_identifier) return e;
  if (t->nodes[e].kind == ASL_K_attribute)
    return asl_child_by_field(t, e, ASL_F_attribute);
  return ASL_NONE;
}

uint32_t asl__seq_callee_name(const AslTree *t, uint32_t call) {
  return last_name(t, asl_child_by_field(t, call, ASL_F_function));
}

/* Does call `call` name an order-sensitive operation? */
static bool ordered_name(const char *s, uint32_t len) {
  return in_words(s, len, ordered_ops) ||
         prefixed(s, len, ordered_prefixes) || mutating(s, len);
}

/* Wrappers that run the function they are given in a thread: the
 * function's name says what the operation does. */
static const char *const thread_runners[] = {
    "to_thread", "run_in_executor", "run_sync", "sync_to_async",
    "database_sync_to_async", "run_in_threadpool", "defer_to_thread",
    NULL};

/* Is s[0..n) a thread runner (`run_in_executor`, `sys_run_in_executor`,
 * `to_thread`)? It does not change its receiver (a loop, an executor):
 * the function it runs says what the operation does. */
static bool runs_in_thread(const AslCtx *cx, const char *s, uint32_t n) {
  (void)cx;
  for (const char *const *r = thread_runners; *r; r++) {
    size_t k = strlen(*r);
    if (n >= k && memcmp(s + n - k, *r, k) == 0) return true;
  }
  return false;
}

/* Does a positional argument of `call` name an ordered function
 * (`asyncio.to_thread(os.remove, p)`, `sync_to_async(obj.save)`)? */
static bool ordered_function_argument(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments);
  if (args == ASL_NONE) return false;
  for (uint32_t a = asl_first_named(t, args); a != ASL_NONE;
       a = asl_next_named(t, a)) {
    uint32_t e = asl_unparen(t, a), len;
    if (e != ASL_NONE && t->nodes[e].kind == ASL_K_attribute)
      e = asl_child_by_field(t, e, ASL_F_attribute);
    if (e == ASL_NONE || t->nodes[e].kind != ASL_K_identifier) continue;
    const char *s = text_of(cx, e, &len);
    if (ordered_name(s, len)) return true;
  }
  return false;
}

static bool ordered_call(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t name = asl__seq_callee_name(t, call);
  if (name == ASL_NONE) return false;
  uint32_t len;
  const char *s = text_of(cx, name, &len);
  if (ordered_name(s, len)) return true;
  if (runs_in_thread(cx, s, len)) return ordered_function_argument(cx, call);
  if (!(len == 3 && memcmp(s, "get", 3) == 0) &&
      !(len == 10 && memcmp(s, "get_nowait", 10) == 0))
    return false;
  // `get` is ordered on a queue, not on a dict or an HTTP client.
  uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (t->nodes[f].kind != ASL_K_attribute) return false;
  uint32_t recv = asl_unparen(t, asl_child_by_field(t, f, ASL_F_object));
  if (recv == ASL_NONE) return false;
  if (t->nodes[recv].kind == ASL_K_attribute)
    recv = asl_child_by_field(t, recv, ASL_F_attribute);
  if (recv == ASL_NONE || t->nodes[recv].kind != ASL_K_identifier)
    return false;
  s = text_of(cx, recv, &len);
  return queue_like(s, len);
}

/* Does any call, nested await, yield, lambda or task read in the
 * awaited expression `e` (the call `skip` aside) make the await
 * order-sensitive? */
static bool per_item_call(AslSeqPass *p, uint32_t call, uint32_t fn,
                          const AslSeqSet *own);

static bool inner_ordered(AslSeqPass *p, uint32_t e, uint32_t skip,
                          uint32_t fn, const AslSeqSet *own) {
  const AslTree *t = p->cx->tree;
  for (uint32_t i = e; i < t->nodes[e].end; i++) {
    AslKind k = t->nodes[i].kind;
    if (k == ASL_K_call && i != skip && ordered_call(p->cx, i) &&
        !per_item_call(p, i, fn, own))
      return true;
    if (k == ASL_K_await || k == ASL_K_yield || k == ASL_K_lambda)
      return true; // nested awaits: too clever to reorder
    if (k == ASL_K_identifier && asl_is_load(t, i) && p->tasks.full.count) {
      AslSeqChain c;
      uint32_t top;
      chain_from_ident(p->cx, i, fn, ASL_NONE, &top, &c);
      if (asl__seq_set_touches1(&p->tasks, &c)) return true;
    }
  }
  return false;
}

bool asl__seq_await_ordered(AslSeqPass *p, uint32_t aw, uint32_t fn) {
  const AslTree *t = p->cx->tree;
  uint32_t e = asl__seq_awaited(t, aw);
  if (e == ASL_NONE || t->nodes[e].kind != ASL_K_call) return true;
  return inner_ordered(p, e, ASL_NONE, fn, NULL);
}

/* Is `call` a method of another object each iteration (its receiver
 * rooted at a name of `own`), not a pacing one? */
static bool per_item_call(AslSeqPass *p, uint32_t call, uint32_t fn,
                          const AslSeqSet *own) {
  const AslTree *t = p->cx->tree;
  if (!own) return false;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (f == ASL_NONE || t->nodes[f].kind != ASL_K_attribute) return false;
  uint32_t obj = asl_child_by_field(t, f, ASL_F_object);
  uint32_t head = asl_unparen(t, obj), name = asl__seq_callee_name(t, call);
  while (head != ASL_NONE && t->nodes[head].kind == ASL_K_attribute)
    head = asl_child_by_field(t, head, ASL_F_object);
  AslSeqChain c;
  if (head == ASL_NONE || name == ASL_NONE ||
      t->nodes[head].kind != ASL_K_identifier ||
      !asl__seq_chain_of(p, head, fn, &c) || !asl__seq_set_touches1(own, &c))
    return false;
  uint32_t len;
  const char *s = text_of(p->cx, name, &len);
  return !asl__seq_pacing(s, len) && !chain_connection_like(p->cx, obj);
}

/* Is identifier `i` a class by its name (CamelCase, as PEP 8 has it):
 * `Block.new(d)` builds another object each time. */
static bool class_name(const AslCtx *cx, uint32_t i) {
  const AslTree *t = cx->tree;
  if (i == ASL_NONE || t->nodes[i].kind != ASL_K_identifier) return false;
  uint32_t len;
  const char *s = text_of(cx, i, &len);
  if (!len || !isupper((unsigned char)s[0])) return false;
  for (uint32_t k = 1; k < len; k++)
    if (islower((unsigned char)s[k])) return true;
  return false; // ALL_CAPS: a constant
}

/* Does chain expression `e` name a connection-like object in any of its
 * components (`self._conn.cursor`, `db`)? */
static bool chain_connection_like(const AslCtx *cx, uint32_t e) {
  const AslTree *t = cx->tree;
  for (int hops = 0; hops < ASL_SEQ_MAX_DEPTH; hops++) {
    uint32_t name = last_name(t, e);
    if (name == ASL_NONE) return false;
    uint32_t len;
    const char *s = text_of(cx, name, &len);
    if (asl__seq_connection_like(s, len)) return true;
    e = asl_unparen(t, e);
    if (t->nodes[e].kind != ASL_K_attribute) return false;
    e = asl_child_by_field(t, e, ASL_F_object);
  }
  return false;
}

bool asl__seq_args_connection_like(const AslCtx *cx, uint32_t call) {
  const AslTree *t = cx->tree;
  uint32_t args = asl_child_by_field(t, call, ASL_F_arguments);
  if (args == ASL_NONE || t->nodes[args].kind != ASL_K_argument_list)
    return false;
  for (uint32_t a = asl_first_named(t, args); a != ASL_NONE;
       a = asl_next_named(t, a)) {
    uint32_t e = t->nodes[a].kind == ASL_K_keyword_argument
                     ? asl_child_by_field(t, a, ASL_F_value)
                     : a;
    if (e != ASL_NONE && chain_connection_like(cx, e)) return true;
  }
  return false;
}

AslSeqReceiver asl__seq_await_receiver(AslSeqPass *p, uint32_t aw,
                                       uint32_t fn, const AslSeqSet *own) {
  const AslTree *t = p->cx->tree;
  uint32_t call = asl__seq_awaited(t, aw);
  if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call)
    return ASL_SEQ_ORDERED;
  if (inner_ordered(p, call, call, fn, own) ||
      asl__seq_args_connection_like(p->cx, call))
    return ASL_SEQ_ORDERED;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  uint32_t name = asl__seq_callee_name(t, call), len;
  if (f == ASL_NONE || name == ASL_NONE) return ASL_SEQ_ORDERED;
  const char *s = text_of(p->cx, name, &len);
  if (t->nodes[f].kind == ASL_K_attribute) {
    uint32_t obj = asl_child_by_field(t, f, ASL_F_object);
    uint32_t head = asl_unparen(t, obj);
    while (head != ASL_NONE && t->nodes[head].kind == ASL_K_attribute)
      head = asl_child_by_field(t, head, ASL_F_object);
    AslSeqChain c;
    // Another object each time: any operation but one that paces the
    // code or releases a resource. A private method of a part
    // (`child._post_update_hook()`) works on what it shares with its
    // owner.
    if (own && head != ASL_NONE &&
        t->nodes[head].kind == ASL_K_identifier && !is_module(p->cx, head) &&
        asl__seq_chain_of(p, head, fn, &c) && asl__seq_set_touches1(own, &c)) {
      if (asl__seq_pacing(s, len) || asl__seq_teardown(s, len) ||
          chain_connection_like(p->cx, obj))
        return ASL_SEQ_ORDERED;
      return s[0] == '_' ? ASL_SEQ_SHARED : ASL_SEQ_PER_ITEM;
    }
    // `Block.new(d)`: a class's factory builds another object each time.
    if (head == asl_unparen(t, obj) && class_name(p->cx, head))
      return ordered_call(p->cx, call) ? ASL_SEQ_ORDERED : ASL_SEQ_FUNCTION;
    if (!is_module(p->cx, head)) {
      // One object: reads from a client or API only.
      bool get = len == 3 && memcmp(s, "get", 3) == 0; // a queue's: below
      if (asl__seq_read_style(s, len) && (get || !asl__seq_pacing(s, len)) &&
          !chain_connection_like(p->cx, obj) &&
          !(len == 3 && memcmp(s, "get", 3) == 0 && ordered_call(p->cx, call)))
        return ASL_SEQ_SHARED_READ;
      return ordered_call(p->cx, call) ? ASL_SEQ_ORDERED : ASL_SEQ_SHARED;
    }
  }
  // A function `get()` is no queue's: pacing by its other names only.
  bool get = len == 3 && memcmp(s, "get", 3) == 0;
  return ordered_call(p->cx, call) || (!get && asl__seq_pacing(s, len))
             ? ASL_SEQ_ORDERED
             : ASL_SEQ_FUNCTION;
}

/* Marks the chains an assignment target binds as holding tasks. */
static void mark_targets(AslSeqPass *p, uint32_t left) {
  const AslTree *t = p->cx->tree;
  uint32_t fn = t->nodes[left].scope;
  for (uint32_t j = left; j < t->nodes[left].end; j++) {
    if (t->nodes[j].kind != ASL_K_identifier) continue;
    if (!asl_is_store(t, j) && !asl_is_load(t, j)) continue;
    AslSeqChain c;
    uint32_t top;
    chain_from_ident(p->cx, j, fn, asl_is_store(t, j) ? j : ASL_NONE, &top,
                     &c);
    asl__seq_set_add1(p->cx->arena, &p->tasks, &c);
  }
}

static const char *const collectors[] = {
    "append", "add", "extend", "insert", "appendleft", "setdefault", NULL};

void asl__seq_collect_tasks(AslSeqPass *p) {
  const AslTree *t = p->cx->tree;
  for (uint32_t i = 0; i < t->count; i++) {
    if (t->nodes[i].kind != ASL_K_call) continue;
    uint32_t name = asl__seq_callee_name(t, i), len;
    if (name == ASL_NONE) continue;
    const char *s = text_of(p->cx, name, &len);
    if (!in_words(s, len, task_makers)) continue;
    // Climb to what keeps the task: an assignment target or a container.
    for (uint32_t c = i, par = t->nodes[i].parent; par != ASL_NONE;
         c = par, par = t->nodes[par].parent) {
      AslKind k = t->nodes[par].kind;
      if (k == ASL_K_block || k == ASL_K_module || asl_is_scope(t, par))
        break;
      if ((k == ASL_K_assignment || k == ASL_K_augmented_assignment) &&
          t->nodes[c].field == ASL_F_right) {
        uint32_t left = asl_child_by_field(t, par, ASL_F_left);
        if (left != ASL_NONE) mark_targets(p, left);
        break;
      }
      if (k == ASL_K_argument_list && t->nodes[par].parent != ASL_NONE) {
        uint32_t call = t->nodes[par].parent;
        uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
        uint32_t m = asl__seq_callee_name(t, call), ml;
        if (f == ASL_NONE || m == ASL_NONE ||
            t->nodes[f].kind != ASL_K_attribute)
          continue;
        const char *ms = text_of(p->cx, m, &ml);
        if (!in_words(ms, ml, collectors)) continue;
        uint32_t obj = asl_child_by_field(t, f, ASL_F_object);
        AslSeqChain ch;
        if (obj != ASL_NONE &&
            asl__seq_chain_of(p, obj, t->nodes[obj].scope, &ch))
          asl__seq_set_add1(p->cx->arena, &p->tasks, &ch);
        break;
      }
    }
  }
}
