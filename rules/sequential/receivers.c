/*
 * receivers.c - what the ASL4xx rules decide by first: the object an
 * awaited call goes to. A read-style call (`get_user`, `fetch_page`) on a
 * client or API object may overlap with another on the same object; a
 * connection, transaction, cursor, stream, socket, lock or exit stack
 * serves one operation at a time. Also: the waits that pace code (sleep,
 * wait, acquire, queue put/get), logging calls a loop body may hold,
 * `except` handlers that only log, pass or re-raise, the sequential branch
 * of an `if` whose other branch gathers, and which concurrency library a
 * module uses (the suggestion, or silence under sniffio).
 */
#include "sequential.h"

#include <ctype.h>
#include <string.h>

/* The lower-cased first word of identifier s[0..n) (leading underscores
 * and an `async_` prefix skipped; words split at '_' and camelCase);
 * *more says whether other words follow. */
static uint32_t first_word(const char *s, uint32_t n, char *out, uint32_t cap,
                           bool *more) {
  while (n && *s == '_') s++, n--;
  if (n > 6 && strncmp(s, "async_", 6) == 0) s += 6, n -= 6;
  uint32_t w = 0;
  while (w < n && w + 1 < cap && s[w] != '_' &&
         !(w > 0 && isupper((unsigned char)s[w]))) {
    out[w] = (char)tolower((unsigned char)s[w]);
    w++;
  }
  out[w] = 0;
  *more = w < n;
  return w;
}

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

bool asl__seq_read_style(const char *s, uint32_t n) {
  // Verbs of reads; alone, only those that cannot name a stream or queue
  // operation (`read`, `get` on a queue are ordered: facts.c).
  static const char *const verbs[] = {
      "get",    "fetch",  "load",   "lookup", "resolve", "retrieve",
      "list",   "search", "find",   "count",  "describe", "query",
      "read",   "head",   "download", "scan",  "is",     "has",
      "exists", "inspect", "stat", "info", "lookup", NULL};
  static const char *const alone[] = {"get", "fetch", "head", "lookup",
                                      "resolve", "retrieve", "search",
                                      NULL};
  char w[24];
  bool more;
  first_word(s, n, w, sizeof w, &more);
  return more ? in_list(w, verbs) : in_list(w, alone);
}

/* Splits identifier s[0..n) into lower-cased words at '_' and at
 * camelCase humps (`UploadFile` -> upload, file); calls `each` with each
 * word until it returns true. */
static bool any_word(const char *s, uint32_t n,
                     bool (*each)(const char *word)) {
  char w[32];
  uint32_t k = 0;
  for (uint32_t i = 0; i <= n; i++) {
    bool end = i == n || s[i] == '_' ||
               (i > 0 && isupper((unsigned char)s[i]) &&
                islower((unsigned char)s[i - 1]));
    if (end && k) {
      w[k] = 0;
      if (each(w)) return true;
      k = 0;
    }
    if (i < n && s[i] != '_' && k + 1 < sizeof w)
      w[k++] = (char)tolower((unsigned char)s[i]);
  }
  return false;
}

static bool connection_word(const char *w) {
  static const char *const words[] = {
      "conn",   "connection", "transaction", "tx",     "txn",
      "cursor", "cur",        "stream",      "socket", "sock",
      "lock",   "stack",      "ws",          "websocket", "reader",
      "writer", "pipe",       "protocol",    "transport", "serial",
      "file",   NULL};
  if (in_list(w, words)) return true;
  size_t n = strlen(w);
  if (n > 2 && w[n - 1] == 's') { // plural
    char one[32];
    memcpy(one, w, n - 1);
    one[n - 1] = 0;
    return in_list(one, words);
  }
  return false;
}

bool asl__seq_connection_like(const char *s, uint32_t n) {
  return any_word(s, n, connection_word);
}

static bool pacing_word(const char *w) {
  return strcmp(w, "sleep") == 0 || strcmp(w, "wait") == 0;
}

bool asl__seq_teardown(const char *s, uint32_t n) {
  static const char *const verbs[] = {
      "close", "aclose", "disconnect", "shutdown", "teardown", "cleanup",
      "dispose", "aexit", "exit", NULL};
  char w[24];
  bool more;
  first_word(s, n, w, sizeof w, &more);
  return in_list(w, verbs);
}

bool asl__seq_pacing(const char *s, uint32_t n) {
  static const char *const ops[] = {
      "sleep", "sleep_until", "checkpoint", "put", "put_nowait", "get",
      "get_nowait", "join", "task_done", "acquire", "release", "wait",
      "wait_for", "wait_closed", "shield", "as_completed", "drain",
      "communicate", NULL};
  static const char *const prefixes[] = {"wait", "sleep", "acquire",
                                         "release", NULL};
  char low[32];
  if (n >= sizeof low) return false;
  memcpy(low, s, n);
  low[n] = 0;
  if (in_list(low, ops)) return true;
  // `profile_sleep`, `do_wait`: a sleep or wait by its name.
  if (any_word(s, n, pacing_word)) return true;
  for (const char *const *p = prefixes; *p; p++)
    if (strncmp(low, *p, strlen(*p)) == 0) return true;
  return false;
}

/* The text of node i. */
static const char *text(const AslCtx *cx, uint32_t i, uint32_t *len) {
  const AslNode *n = &cx->tree->nodes[i];
  *len = n->end_byte - n->start_byte;
  return cx->src->text + n->start_byte;
}

bool asl__seq_log_call(const AslCtx *cx, uint32_t call) {
  static const char *const levels[] = {
      "debug", "info", "warning", "warn", "error", "exception", "critical",
      "log", "fatal", NULL};
  const AslTree *t = cx->tree;
  if (call == ASL_NONE || t->nodes[call].kind != ASL_K_call) return false;
  uint32_t f = asl_unparen(t, asl_child_by_field(t, call, ASL_F_function));
  if (f == ASL_NONE) return false;
  uint32_t len;
  const char *s;
  if (t->nodes[f].kind == ASL_K_identifier) {
    s = text(cx, f, &len);
    return len == 5 && memcmp(s, "print", 5) == 0;
  }
  if (t->nodes[f].kind != ASL_K_attribute) return false;
  uint32_t m = asl_child_by_field(t, f, ASL_F_attribute);
  uint32_t obj = asl_unparen(t, asl_child_by_field(t, f, ASL_F_object));
  if (m == ASL_NONE || obj == ASL_NONE) return false;
  char name[24];
  s = text(cx, m, &len);
  if (len >= sizeof name) return false;
  memcpy(name, s, len);
  name[len] = 0;
  // traceback.print_exc(): a handler's way of logging.
  if ((strcmp(name, "print_exc") == 0 ||
       strcmp(name, "print_exception") == 0) &&
      t->nodes[obj].kind == ASL_K_identifier) {
    s = text(cx, obj, &len);
    return len == 9 && memcmp(s, "traceback", 9) == 0;
  }
  if (!in_list(name, levels)) return false;
  // The receiver: `log`, `logger`, `_LOGGER`, `self.log`, `logging`.
  if (t->nodes[obj].kind == ASL_K_attribute)
    obj = asl_child_by_field(t, obj, ASL_F_attribute);
  if (obj == ASL_NONE || t->nodes[obj].kind != ASL_K_identifier) return false;
  s = text(cx, obj, &len);
  for (uint32_t i = 0; i + 3 <= len; i++)
    if (tolower((unsigned char)s[i]) == 'l' &&
        tolower((unsigned char)s[i + 1]) == 'o' &&
        tolower((unsigned char)s[i + 2]) == 'g')
      return true;
  return false;
}

/* Is statement `s` one a benign handler may hold: a log call, pass,
 * continue, a bare `raise`, or `raise X from e`? */
static bool benign_statement(const AslCtx *cx, uint32_t s) {
  const AslTree *t = cx->tree;
  switch (t->nodes[s].kind) {
  case ASL_K_comment:
  case ASL_K_pass_statement:
  case ASL_K_continue_statement:
  case ASL_K_raise_statement:
  case ASL_K_import_statement:
  case ASL_K_import_from_statement:
    return true;
  case ASL_K_expression_statement: {
    uint32_t e = asl__seq_only_child(t, s);
    return e != ASL_NONE && (asl__seq_log_call(cx, e) ||
                             t->nodes[e].kind == ASL_K_string);
  }
  default:
    return false;
  }
}

bool asl__seq_benign_handlers(const AslCtx *cx, uint32_t try_stmt) {
  const AslTree *t = cx->tree;
  bool any = false;
  for (uint32_t c = asl_first_child(t, try_stmt); c != ASL_NONE;
       c = t->nodes[c].next) {
    AslKind k = (AslKind)t->nodes[c].kind;
    if (k != ASL_K_except_clause) continue; // finally, else: run either way
    any = true;
    uint32_t body = asl_child_by_kind(t, c, ASL_K_block);
    if (body == ASL_NONE) return false;
    for (uint32_t s = asl_first_named(t, body); s != ASL_NONE;
         s = asl_next_named(t, s))
      if (!benign_statement(cx, s)) return false;
  }
  return any;
}

/* Does the subtree of `n` call something that runs awaits together
 * (gather, a task group, create_task, wait, as_completed, start_soon)? */
static bool runs_concurrently(const AslCtx *cx, uint32_t n) {
  static const char *const names[] = {
      "gather", "create_task", "TaskGroup", "create_task_group", "wait",
      "as_completed", "start_soon", "ensure_future", "open_nursery", NULL};
  const AslTree *t = cx->tree;
  for (uint32_t i = n; i < t->nodes[n].end; i++) {
    if (t->nodes[i].kind != ASL_K_call) continue;
    uint32_t name = asl__seq_callee_name(t, i), len;
    if (name == ASL_NONE) continue;
    const char *s = text(cx, name, &len);
    char w[24];
    if (len >= sizeof w) continue;
    memcpy(w, s, len);
    w[len] = 0;
    if (in_list(w, names)) return true;
  }
  return false;
}

bool asl__seq_gathered_elsewhere(const AslCtx *cx, uint32_t node) {
  const AslTree *t = cx->tree;
  uint32_t fn = t->nodes[node].scope;
  uint32_t child = node;
  for (uint32_t p = t->nodes[node].parent, steps = 0;
       p != ASL_NONE && p != fn && steps < 64;
       child = p, p = t->nodes[p].parent, steps++) {
    if (t->nodes[p].kind != ASL_K_if_statement &&
        t->nodes[p].kind != ASL_K_elif_clause &&
        t->nodes[p].kind != ASL_K_else_clause)
      continue;
    uint32_t stmt = t->nodes[p].kind == ASL_K_if_statement
                        ? p
                        : t->nodes[p].parent;
    if (stmt == ASL_NONE || t->nodes[stmt].kind != ASL_K_if_statement)
      continue;
    // Every branch of the if but the one holding `node`.
    uint32_t mine = t->nodes[p].kind == ASL_K_if_statement ? child : p;
    for (uint32_t b = asl_first_named(t, stmt); b != ASL_NONE;
         b = asl_next_named(t, b)) {
      AslKind k = (AslKind)t->nodes[b].kind;
      bool branch = k == ASL_K_block || k == ASL_K_elif_clause ||
                    k == ASL_K_else_clause;
      if (branch && b != mine && runs_concurrently(cx, b)) return true;
    }
  }
  return false;
}

AslSeqLib asl__seq_library(const AslCtx *cx) {
  bool anyio = false, trio = false, sniffio = false;
  for (uint32_t k = 0; k < 4096; k++) {
    const AslBinding *b = asl_names_at(cx->names, k);
    if (!b) break;
    if (b->kind != ASL_BIND_IMPORT || !b->target) continue;
    size_t n = strcspn(b->target, ".");
    if (n == 5 && strncmp(b->target, "anyio", 5) == 0) anyio = true;
    if (n == 4 && strncmp(b->target, "trio", 4) == 0) trio = true;
    if (n == 7 && strncmp(b->target, "sniffio", 7) == 0) sniffio = true;
  }
  if (sniffio) return ASL_SEQ_LIB_ANY;
  if (anyio) return ASL_SEQ_LIB_ANYIO;
  if (trio) return ASL_SEQ_LIB_TRIO;
  return ASL_SEQ_LIB_ASYNCIO;
}

const char *asl__seq_concurrently(AslSeqLib lib) {
  switch (lib) {
  case ASL_SEQ_LIB_ANYIO:
    return "an anyio task group (`async with anyio.create_task_group() as "
           "tg: tg.start_soon(...)`)";
  case ASL_SEQ_LIB_TRIO:
    return "a trio nursery (`async with trio.open_nursery() as n: "
           "n.start_soon(...)`)";
  default:
    return "`asyncio.gather(...)` or an `asyncio.TaskGroup`";
  }
}
