/*
 * server.c - `asynclint server`: LSP 3.17 over stdio (see server.h).
 *
 * One thread, one loop: read what the client sent, handle every whole
 * message, and once the input has been quiet for DEBOUNCE_MS after an
 * edit, check again the open documents whose findings can change, and
 * publish what changed. A check is the library's (asl_session_check): the
 * edited texts replace the files, the documents are checked with the
 * project around them indexed, so a helper made `async def` in one file
 * shows the unawaited calls in the others. Which documents: the edited
 * ones, and those whose findings depend on an edited file (what each
 * check says a document reads: asl_deps_of); every one after a change of
 * the settings or of files on disk, or when an edit changes the names a
 * file defines (a lookup by name reads every file). Each document keeps
 * the findings of its last check. Requests that read findings (codeAction,
 * hover, a pull of diagnostics) check first if an edit is pending, so they
 * always see the current text.
 *
 * Diagnostics are pushed (publishDiagnostics), or pulled by a client that
 * says it can (textDocument/diagnostic): then never pushed.
 *
 * stdout carries protocol messages only: the server writes them to a
 * copy of file descriptor 1, and points descriptor 1 at stderr, so that
 * nothing the library prints can corrupt the stream.
 */
#include "server.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../cli/cli.h"
#include "../analyzer/session.h"
#include "../rules/default.h"
#include "rpc.h"
#include "text.h"

/* Quiet input this long after an edit starts a check: edits sent together
 * are checked once; those that come during a check wait for its end and
 * are checked together. */
enum { DEBOUNCE_MS = 5 };

/* JSON-RPC and LSP error codes. */
enum {
  PARSE_ERROR = -32700,
  INVALID_REQUEST = -32600,
  METHOD_NOT_FOUND = -32601,
  INVALID_PARAMS = -32602,
  SERVER_NOT_INITIALIZED = -32002,
};

/* An open document. */
typedef struct Doc {
  char *uri;      /* as the client names it */
  char *key;      /* the session's name for its text: the file's path, or
                     the URI itself when it is no file (never on disk) */
  char *display;  /* the path its findings carry */
  double version;
  uint64_t published; /* hash of the diagnostics last published (pushed
                         or pulled) */
  bool fresh;     /* opened or changed since: publish even if the same */
  bool edited;    /* its text changed since its last check */
  bool checked;   /* `diags` and `deps` are of a check */
  bool on_disk;   /* its file existed when it was opened */
  AslArena arena; /* its findings */
  AslDiagList diags; /* of its last check, sorted */
  AslFileDeps deps;  /* what they depend on */
} Doc;

typedef struct Server {
  int out;                   /* the protocol's output descriptor */
  AslRpcReader in;
  AslStrVec base_args;       /* check's options from the command line */
  cJSON *settings;           /* the client's `asynclint` settings, or NULL */
  char *root;                /* the workspace's folder, or NULL */
  AslCheckSetup *setup;
  AslSession *session;
  AslVec(Doc) docs;
  bool dirty;                /* a check is due */
  double dirty_at;           /* when the input last came, while dirty */
  AslU64Vec changed;         /* asl_path_key of the documents edited
                                since the last check */
  AslU64Vec renamed;         /* names an edited document defines
                                otherwise since (asl_deps_renamed) */
  bool check_all;            /* the next check takes every document */
  bool initialized, shut_down, exiting;
  bool watch_files;          /* the client registers file watchers */
  bool pull;                 /* the client pulls diagnostics */
  bool refresh;              /* ...and can be asked to pull again */
  uint64_t checks;           /* checks run, for the log */
  double published_at;       /* when the check published, for the log */
} Server;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* ---- output -------------------------------------------------------------- */

/* A JSON string of s[0..n), invalid UTF-8 made U+FFFD (cJSON copies bytes
 * as they are, and a client may refuse the whole message). */
static cJSON *json_text(const char *s, size_t n) {
  AslBuf b = {0};
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t k = asl_utf8_seq(u + i, n - i);
    if (k && u[i]) asl_buf_put(&b, s + i, k);
    else if (!k) asl_buf_puts(&b, "\xEF\xBF\xBD");
    i += k ? k : 1;
  }
  asl_buf_putc(&b, 0);
  cJSON *j = cJSON_CreateString(b.data);
  asl_buf_free(&b);
  return j;
}

static cJSON *json_str(const char *s) { return json_text(s, strlen(s)); }

/* Sends a message and frees it. */
static void send_json(Server *s, cJSON *msg) {
  char *text = cJSON_PrintUnformatted(msg);
  cJSON_Delete(msg);
  if (!text) return;
  if (!asl_rpc_write(s->out, text, strlen(text))) s->exiting = true;
  cJSON_free(text);
}

static cJSON *message(void) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "jsonrpc", "2.0");
  return m;
}

/* A response to request `id` (NULL: null) with `result` (taken). */
static void respond(Server *s, const cJSON *id, cJSON *result) {
  cJSON *m = message();
  cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
  cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateNull());
  send_json(s, m);
}

static void respond_error(Server *s, const cJSON *id, int code,
                          const char *what) {
  cJSON *m = message();
  cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
  cJSON *e = cJSON_AddObjectToObject(m, "error");
  cJSON_AddNumberToObject(e, "code", code);
  cJSON_AddItemToObject(e, "message", json_str(what));
  send_json(s, m);
}

static void notify(Server *s, const char *method, cJSON *params) {
  cJSON *m = message();
  cJSON_AddStringToObject(m, "method", method);
  cJSON_AddItemToObject(m, "params", params);
  send_json(s, m);
}

/* A message for the user (window/showMessage), also on stderr. */
static void show_message(Server *s, int type, const char *text) {
  fprintf(stderr, "asynclint server: %s\n", text);
  if (!s->initialized) return;
  cJSON *p = cJSON_CreateObject();
  cJSON_AddNumberToObject(p, "type", type);
  cJSON_AddItemToObject(p, "message", json_str(text));
  notify(s, "window/showMessage", p);
}

/* ---- reading params ------------------------------------------------------ */

static const cJSON *get(const cJSON *o, const char *key) {
  return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static const char *get_str(const cJSON *o, const char *key) {
  const cJSON *v = get(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A non-negative integer field, clamped to uint32_t; false if absent. */
static bool get_u32(const cJSON *o, const char *key, uint32_t *out) {
  const cJSON *v = get(o, key);
  if (!cJSON_IsNumber(v) || isnan(v->valuedouble)) return false;
  double d = v->valuedouble;
  *out = d <= 0 ? 0 : d >= 4294967295.0 ? UINT32_MAX : (uint32_t)d;
  return true;
}

static bool get_pos(const cJSON *o, AslLspPos *out) {
  return get_u32(o, "line", &out->line) &&
         get_u32(o, "character", &out->character);
}

static bool get_range(const cJSON *o, AslLspPos *start, AslLspPos *end) {
  return get_pos(get(o, "start"), start) && get_pos(get(o, "end"), end);
}

static const char *doc_uri(const cJSON *params) {
  return get_str(get(params, "textDocument"), "uri");
}

/* ---- configuration ------------------------------------------------------- */

/* Adds `--flag VALUE` for a setting that is a string or a list of them. */
static void setting_list(AslArena *a, AslStrVec *argv, const cJSON *settings,
                         const char *key, const char *flag) {
  const cJSON *v = get(settings, key);
  AslBuf joined = {0};
  if (cJSON_IsString(v)) asl_buf_puts(&joined, v->valuestring);
  const cJSON *item;
  if (cJSON_IsArray(v))
    cJSON_ArrayForEach(item, v) if (cJSON_IsString(item)) {
      if (joined.len) asl_buf_putc(&joined, ',');
      asl_buf_puts(&joined, item->valuestring);
    }
  if (joined.len) {
    asl_avec_push(a, argv, (const char *)asl_arena_strdup(a, flag));
    asl_avec_push(a, argv,
                  (const char *)asl_arena_strndup(a, joined.data, joined.len));
  }
  asl_buf_free(&joined);
}

/* check's arguments for the workspace: the command line's, the client's
 * settings as the same flags, then the root (where the configuration
 * file and the Python environment are looked for). */
static void settings_args(const Server *s, AslArena *a, AslStrVec *argv) {
  asl_avec_push(a, argv, "check");
  for (uint32_t i = 0; i < s->base_args.len; i++)
    asl_avec_push(a, argv, s->base_args.items[i]);
  const cJSON *st = s->settings;
  setting_list(a, argv, st, "select", "--select");
  setting_list(a, argv, st, "extendSelect", "--extend-select");
  setting_list(a, argv, st, "ignore", "--ignore");
  setting_list(a, argv, st, "config", "--config");
  setting_list(a, argv, st, "python", "--python");
  setting_list(a, argv, st, "knownCoroutines", "--known-coroutine");
  if (cJSON_IsTrue(get(st, "unsafeFixes")))
    asl_avec_push(a, argv, "--unsafe-fixes");
  if (cJSON_IsTrue(get(st, "isolated"))) asl_avec_push(a, argv, "--isolated");
  asl_avec_push(a, argv, "-q");
  asl_avec_push(a, argv, "--");
  asl_avec_push(a, argv, (const char *)(s->root ? s->root : "."));
}

/* (Re)reads the configuration: false, keeping the one before, when the
 * settings or the configuration file are wrong (said to the user). */
static bool configure(Server *s) {
  AslArena a;
  asl_arena_init(&a);
  AslStrVec argv = {0};
  settings_args(s, &a, &argv);
  int rc = 0;
  AslCheckSetup *setup =
      asl_check_setup_new((int)argv.len - 1, (char **)argv.items + 1, &rc);
  asl_arena_destroy(&a);
  if (!setup) {
    show_message(s, 1, "the settings or the configuration file are wrong "
                       "(see the log); keeping the previous ones");
    return false;
  }
  const char *why = NULL;
  if (!s->session) {
    s->session = asl_session_new(asl_rules_default(),
                                 asl_check_setup_options(setup),
                                 asl_check_setup_config(setup), &why);
    if (!s->session) {
      show_message(s, 1, why);
      asl_check_setup_delete(setup);
      return false;
    }
    asl_session_keep_facts(s->session); // an edit re-reads what changed

  } else {
    asl_session_configure(s->session, asl_check_setup_options(setup),
                          asl_check_setup_config(setup));
  }
  asl_check_setup_delete(s->setup);
  s->setup = setup;
  s->check_all = s->dirty = true;
  return true;
}

/* ---- documents ----------------------------------------------------------- */

static Doc *find_doc(Server *s, const char *uri) {
  if (!uri) return NULL;
  for (uint32_t i = 0; i < s->docs.len; i++)
    if (strcmp(s->docs.items[i].uri, uri) == 0) return &s->docs.items[i];
  return NULL;
}

static void mark_dirty(Server *s) {
  s->dirty = true;
  s->dirty_at = now_ms();
}

/* The document's text changed: it is checked again, and so are the
 * documents whose findings depend on it. */
static void mark_edited(Server *s, Doc *d) {
  d->edited = d->fresh = true;
  asl_vec_push(&s->changed, asl_path_key(d->key));
  mark_dirty(s);
}

/* Every document is checked again (the settings or files on disk
 * changed). */
static void mark_all(Server *s) {
  s->check_all = true;
  mark_dirty(s);
}

/* The document's text as the session holds it (never NULL). */
static const char *doc_text(const Server *s, const Doc *d, size_t *len) {
  const char *t = asl_session_text(s->session, d->key, len);
  if (!t) {
    *len = 0;
    t = "";
  }
  return t;
}

/* The document's text as a source for UTF-16 positions, in `a`. */
static void doc_source(const Server *s, const Doc *d, AslArena *a,
                       AslSource *src) {
  size_t len;
  const char *text = doc_text(s, d, &len);
  asl_lsp_source(a, text, len, src);
}

/* ---- findings as LSP ----------------------------------------------------- */

static cJSON *json_pos(AslLspPos p) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "line", p.line);
  cJSON_AddNumberToObject(o, "character", p.character);
  return o;
}

static cJSON *json_range(AslLspPos a, AslLspPos b) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "start", json_pos(a));
  cJSON_AddItemToObject(o, "end", json_pos(b));
  return o;
}

/* The LSP range of finding d in the document whose line map is src. */
static void diag_range(const AslSource *src, const AslDiag *d, AslLspPos *a,
                       AslLspPos *b) {
  *a = asl_lsp_from_diag(src, d->line, d->column);
  *b = asl_lsp_from_diag(src, d->end_line, d->end_column);
}

/* The file:// URI of a display path (relative ones are the cwd's). */
static cJSON *display_uri(const char *display) {
  AslBuf path = {0}, uri = {0};
  if (display[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) asl_buf_printf(&path, "%s/", cwd);
  }
  asl_buf_puts(&path, display);
  asl_buf_putc(&path, 0);
  asl_path_to_uri(path.data, &uri);
  asl_buf_putc(&uri, 0);
  cJSON *j = json_str(uri.data);
  asl_buf_free(&path);
  asl_buf_free(&uri);
  return j;
}

/* An ASL210 chain or a coroutine's definition: relatedInformation. Their
 * columns count code points; counted as UTF-16 units here (the same but
 * past U+FFFF), the other file's text not being at hand. */
static cJSON *json_related(const AslDiag *d) {
  cJSON *arr = cJSON_CreateArray();
  for (uint32_t k = 0; k < d->nrelated; k++) {
    const AslRelated *r = &d->related[k];
    AslLspPos p = {r->line ? r->line - 1 : 0, r->column ? r->column - 1 : 0};
    cJSON *loc = cJSON_CreateObject();
    cJSON_AddItemToObject(loc, "uri", display_uri(r->path ? r->path : ""));
    cJSON_AddItemToObject(loc, "range", json_range(p, p));
    cJSON *info = cJSON_CreateObject();
    cJSON_AddItemToObject(info, "location", loc);
    cJSON_AddItemToObject(info, "message", json_str(r->message ? r->message : ""));
    cJSON_AddItemToArray(arr, info);
  }
  return arr;
}

static cJSON *json_diag(const AslSource *src, const AslDiag *d) {
  AslLspPos a, b;
  diag_range(src, d, &a, &b);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "range", json_range(a, b));
  cJSON_AddNumberToObject(o, "severity",
                          asl_rules[d->rule].severity == ASL_SEV_ERROR ? 1 : 2);
  cJSON_AddStringToObject(o, "code", asl_rules[d->rule].code);
  cJSON_AddStringToObject(o, "source", "asynclint");
  cJSON_AddItemToObject(o, "message", json_str(d->message ? d->message : ""));
  if (d->nrelated) cJSON_AddItemToObject(o, "relatedInformation", json_related(d));
  return o;
}

/* 64-bit FNV-1a of a string: has a document's diagnostics changed? */
static uint64_t hash_str(const char *t) { return asl_path_key(t); }

/* The document's findings as LSP diagnostics; their hash in *hash. */
static cJSON *doc_items(const Server *s, const Doc *d, uint64_t *hash) {
  AslArena a;
  asl_arena_init(&a);
  AslSource src;
  doc_source(s, d, &a, &src);
  cJSON *arr = cJSON_CreateArray();
  for (uint32_t i = 0; i < d->diags.len; i++)
    cJSON_AddItemToArray(arr, json_diag(&src, &d->diags.items[i]));
  asl_arena_destroy(&a);
  char *body = cJSON_PrintUnformatted(arr);
  *hash = body ? hash_str(body) : 0;
  cJSON_free(body);
  return arr;
}

/* Publishes the document's findings, unless they are what it last
 * published and it has not changed since. */
static void publish(Server *s, Doc *d) {
  uint64_t h;
  cJSON *arr = doc_items(s, d, &h);
  if (h == d->published && !d->fresh) {
    cJSON_Delete(arr);
    return;
  }
  d->published = h;
  d->fresh = false;
  cJSON *p = cJSON_CreateObject();
  cJSON_AddItemToObject(p, "uri", json_str(d->uri));
  cJSON_AddNumberToObject(p, "version", d->version);
  cJSON_AddItemToObject(p, "diagnostics", arr);
  notify(s, "textDocument/publishDiagnostics", p);
}

/* Publishes no findings for a document the client closed. */
static void publish_empty(Server *s, const char *uri) {
  cJSON *p = cJSON_CreateObject();
  cJSON_AddItemToObject(p, "uri", json_str(uri));
  cJSON_AddItemToObject(p, "diagnostics", cJSON_CreateArray());
  notify(s, "textDocument/publishDiagnostics", p);
}

/* Asks a client that pulls diagnostics to pull them again: the findings
 * of a document it did not edit changed. */
static void ask_refresh(Server *s) {
  cJSON *m = message();
  cJSON_AddStringToObject(m, "id", "asynclint-refresh");
  cJSON_AddStringToObject(m, "method", "workspace/diagnostic/refresh");
  send_json(s, m);
}

/* ---- checks -------------------------------------------------------------- */

/* Which documents the next check takes (take[i]), how many: every one
 * when asked, else the edited ones and those whose findings depend on a
 * file edited since the last check. A document that is no file on disk
 * yet goes in every check: the others see it only when a check names it. */
static uint32_t pick_targets(const Server *s, bool *take) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->docs.len; i++) {
    const Doc *d = &s->docs.items[i];
    bool t = s->check_all || d->edited || !d->checked ||
             (d->key[0] == '/' && !d->on_disk);
    for (uint32_t k = 0; !t && k < s->changed.len; k++)
      t = asl_deps_on(&d->deps, s->changed.items[k]);
    take[i] = t;
    n += t;
  }
  return n;
}

/* Copies each checked document's findings out of the run. */
static void keep_findings(Server *s, const bool *take, const AslRun *run) {
  for (uint32_t i = 0; i < s->docs.len; i++) {
    Doc *d = &s->docs.items[i];
    if (!take[i]) continue;
    asl_arena_reset(&d->arena);
    memset(&d->diags, 0, sizeof d->diags);
    asl_diags_copy_file(&run->diags, d->display, &d->arena, &d->diags);
    d->checked = true;
  }
}

/* Tells the client what the check of the documents in take[] found:
 * publishes what changed, or, to a client that pulls, asks it to pull
 * again when a document it did not edit has other findings now. */
static void report(Server *s, const bool *take) {
  bool stale = false;
  for (uint32_t i = 0; i < s->docs.len; i++) {
    Doc *d = &s->docs.items[i];
    if (!take[i]) continue;
    if (!s->pull) {
      publish(s, d);
    } else if (!d->edited) {
      uint64_t h;
      cJSON_Delete(doc_items(s, d, &h));
      stale |= h != d->published;
    }
  }
  if (stale && s->refresh) ask_refresh(s);
}

/* What the findings of the documents in take[] depend on, from their
 * check (asl_deps_of). The names an edited one defines otherwise now go
 * to s->renamed: a lookup by name (ASL104) from any other document may
 * find another answer. */
static void learn_deps(Server *s, const bool *take, const AslRun *run,
                       const AslStrVec *paths) {
  AslFileDeps *before = asl_calloc(paths->len + 1, sizeof *before);
  AslFileDeps *deps = asl_calloc(paths->len + 1, sizeof *deps);
  for (uint32_t i = 0, k = 0; i < s->docs.len; i++)
    if (take[i]) before[k++] = s->docs.items[i].deps;
  // Only the edited documents changed, unless every one is checked.
  asl_deps_of(run, paths->items, paths->len, !s->check_all, before, deps);
  asl_free(before);
  for (uint32_t i = 0, k = 0; i < s->docs.len; i++) {
    Doc *d = &s->docs.items[i];
    if (!take[i]) continue;
    AslFileDeps *now = &deps[k++];
    if (d->edited && d->deps.known && now->known)
      asl_deps_renamed(&d->deps, now, &s->renamed);
    asl_deps_free(&d->deps);
    d->deps = *now;
    if (d->key[0] != '/') d->deps.known = true; // no file: its own project
  }
  asl_free(deps);
}

/* Checks the documents marked in take[] and tells the client; then learns
 * what their findings depend on (after publishing: an edit's diagnostics
 * do not wait for it). */
static void check_docs(Server *s, const bool *take) {
  AslStrVec paths = {0};
  for (uint32_t i = 0; i < s->docs.len; i++)
    if (take[i]) asl_vec_push(&paths, (const char *)s->docs.items[i].key);
  AslRun run;
  asl_session_check(s->session, &run, paths.items, paths.len);
  keep_findings(s, take, &run);
  report(s, take);
  if (!s->published_at) s->published_at = now_ms();
  learn_deps(s, take, &run, &paths);
  asl_vec_free(&paths);
  asl_run_destroy(&run); // the findings are copied: memory stays flat
}

/* After a check that changed the names a document defines: checks the
 * documents not in take[] that ask about one of them by name (and marks
 * them there); how many. */
static uint32_t check_askers(Server *s, bool *take) {
  bool *more = asl_calloc(s->docs.len + 1, sizeof *more);
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->docs.len; i++) {
    more[i] = !take[i] && asl_deps_asks(&s->docs.items[i].deps, &s->renamed);
    n += more[i];
  }
  if (n) check_docs(s, more);
  for (uint32_t i = 0; i < s->docs.len; i++) take[i] |= more[i];
  asl_free(more);
  return n;
}

/* Checks again the documents whose findings can change (pick_targets)
 * and tells the client. */
static void recheck(Server *s) {
  s->dirty = false;
  if (!s->session) return;
  double t0 = now_ms();
  s->published_at = 0;
  bool *take = asl_calloc(s->docs.len + 1, sizeof *take);
  uint32_t n = pick_targets(s, take);
  if (n) check_docs(s, take);
  if (s->renamed.len) n += check_askers(s, take);
  asl_free(take);
  for (uint32_t i = 0; i < s->docs.len; i++) s->docs.items[i].edited = false;
  s->changed.len = s->renamed.len = 0;
  s->check_all = false;
  if (!n) return;
  s->checks++;
  fprintf(stderr,
          "asynclint server: check %llu of %u document%s (%u open): "
          "%.1f ms (published after %.1f ms)\n",
          (unsigned long long)s->checks, n, n == 1 ? "" : "s", s->docs.len,
          now_ms() - t0, s->published_at - t0);
}

/* Requests that read findings see the current text. */
static void ensure_checked(Server *s) {
  if (s->dirty) recheck(s);
}

/* ---- lifecycle ----------------------------------------------------------- */

/* The workspace folder: the first of workspaceFolders, else rootUri,
 * else rootPath. */
static char *workspace_root(const cJSON *params) {
  const cJSON *folders = get(params, "workspaceFolders");
  if (cJSON_IsArray(folders) && cJSON_GetArraySize(folders) > 0) {
    const char *uri = get_str(cJSON_GetArrayItem(folders, 0), "uri");
    char *p = uri ? asl_uri_to_path(uri) : NULL;
    if (p) return p;
  }
  const char *uri = get_str(params, "rootUri");
  char *p = uri ? asl_uri_to_path(uri) : NULL;
  if (p) return p;
  const char *path = get_str(params, "rootPath");
  return path && path[0] == '/' ? asl_strdup(path) : NULL;
}

static void on_initialize(Server *s, const cJSON *id, const cJSON *params) {
  if (s->initialized) {
    respond_error(s, id, INVALID_REQUEST, "already initialized");
    return;
  }
  s->root = workspace_root(params);
  const cJSON *opts = get(params, "initializationOptions");
  const cJSON *st = get(opts, "settings") ? get(opts, "settings") : opts;
  if (cJSON_IsObject(st)) s->settings = cJSON_Duplicate(st, 1);
  const cJSON *caps_in = get(params, "capabilities");
  s->watch_files = cJSON_IsTrue(get(
      get(get(caps_in, "workspace"), "didChangeWatchedFiles"),
      "dynamicRegistration"));
  s->pull = cJSON_IsObject(get(get(caps_in, "textDocument"), "diagnostic"));
  s->refresh = cJSON_IsTrue(
      get(get(get(caps_in, "workspace"), "diagnostics"), "refreshSupport"));
  if (!configure(s)) {
    // Settings the CLI refuses: start with check's defaults instead.
    cJSON_Delete(s->settings);
    s->settings = NULL;
    if (!configure(s)) {
      respond_error(s, id, INVALID_REQUEST, "could not configure (see log)");
      return;
    }
  }
  s->initialized = true;
  cJSON *r = cJSON_CreateObject();
  cJSON *caps = cJSON_AddObjectToObject(r, "capabilities");
  cJSON_AddStringToObject(caps, "positionEncoding", "utf-16");
  cJSON *sync = cJSON_AddObjectToObject(caps, "textDocumentSync");
  cJSON_AddBoolToObject(sync, "openClose", 1);
  cJSON_AddNumberToObject(sync, "change", 2); // incremental
  cJSON_AddBoolToObject(cJSON_AddObjectToObject(sync, "save"), "includeText",
                        0);
  cJSON *ca = cJSON_AddObjectToObject(caps, "codeActionProvider");
  cJSON *kinds = cJSON_AddArrayToObject(ca, "codeActionKinds");
  cJSON_AddItemToArray(kinds, cJSON_CreateString("quickfix"));
  cJSON_AddBoolToObject(caps, "hoverProvider", 1);
  if (s->pull) {
    // An edit in one file changes the findings of others: the client
    // pulls its open documents again after an edit.
    cJSON *dp = cJSON_AddObjectToObject(caps, "diagnosticProvider");
    cJSON_AddStringToObject(dp, "identifier", "asynclint");
    cJSON_AddBoolToObject(dp, "interFileDependencies", 1);
    cJSON_AddBoolToObject(dp, "workspaceDiagnostics", 0);
  }
  cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
  cJSON_AddStringToObject(info, "name", "asynclint");
  cJSON_AddStringToObject(info, "version", ASL_VERSION);
  respond(s, id, r);
}

/* Asks the client to tell us about Python and configuration files that
 * change on disk (workspace/didChangeWatchedFiles), when it can. */
static void on_initialized(Server *s, const cJSON *params) {
  (void)params;
  if (!s->watch_files) return;
  static const char *const globs[] = {"**/*.py", "**/*.pyi",
                                      "**/pyproject.toml", "**/asynclint.toml"};
  cJSON *m = message();
  cJSON_AddStringToObject(m, "id", "asynclint-watch");
  cJSON_AddStringToObject(m, "method", "client/registerCapability");
  cJSON *regs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(m, "params"),
                                       "registrations");
  cJSON *reg = cJSON_CreateObject();
  cJSON_AddStringToObject(reg, "id", "asynclint-watch");
  cJSON_AddStringToObject(reg, "method", "workspace/didChangeWatchedFiles");
  cJSON *w = cJSON_AddArrayToObject(
      cJSON_AddObjectToObject(reg, "registerOptions"), "watchers");
  for (size_t i = 0; i < sizeof globs / sizeof *globs; i++) {
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "globPattern", globs[i]);
    cJSON_AddItemToArray(w, g);
  }
  cJSON_AddItemToArray(regs, reg);
  send_json(s, m);
}

static void on_shutdown(Server *s, const cJSON *id, const cJSON *params) {
  (void)params;
  s->shut_down = true;
  respond(s, id, NULL);
}

/* ---- document notifications ---------------------------------------------- */

/* Is the document Python (by its language, else its name)? */
static bool is_python(const char *language, const char *uri) {
  if (language && *language) return strcmp(language, "python") == 0;
  size_t n = strlen(uri);
  return (n > 3 && !strcmp(uri + n - 3, ".py")) ||
         (n > 4 && !strcmp(uri + n - 4, ".pyi"));
}

/* Is the file at `path` (absolute) on disk with exactly this text? */
static bool same_as_disk(const char *path, const char *text, size_t len) {
  if (path[0] != '/') return false;
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char buf[65536];
  size_t at = 0, n;
  bool same = true;
  while (same && (n = fread(buf, 1, sizeof buf, f)) > 0) {
    same = n <= len - at && memcmp(buf, text + at, n) == 0;
    at += n;
  }
  fclose(f);
  return same && at == len;
}

static Doc *add_doc(Server *s, const char *uri) {
  Doc nd = {0};
  nd.uri = asl_strdup(uri);
  nd.key = asl_uri_to_path(uri);
  if (!nd.key) nd.key = asl_strdup(uri); // untitled: and the like
  AslArena a;
  asl_arena_init(&a);
  nd.display = asl_strdup(nd.key[0] == '/' ? asl_display_path(&a, nd.key)
                                           : nd.key);
  asl_arena_destroy(&a);
  struct stat st;
  nd.on_disk = nd.key[0] == '/' && stat(nd.key, &st) == 0;
  asl_arena_init(&nd.arena);
  asl_vec_push(&s->docs, nd);
  return &s->docs.items[s->docs.len - 1];
}

static void doc_free(Doc *d) {
  asl_free(d->uri);
  asl_free(d->key);
  asl_free(d->display);
  asl_arena_destroy(&d->arena);
  asl_deps_free(&d->deps);
}

static void on_did_open(Server *s, const cJSON *params) {
  const cJSON *td = get(params, "textDocument");
  const char *uri = get_str(td, "uri");
  const char *text = get_str(td, "text");
  if (!uri || !text || !is_python(get_str(td, "languageId"), uri)) return;
  Doc *d = find_doc(s, uri);
  bool reopened = d != NULL;
  if (!d) d = add_doc(s, uri);
  const cJSON *v = get(td, "version");
  d->version = cJSON_IsNumber(v) ? v->valuedouble : 0;
  size_t len = strlen(text);
  // Until now the others read the file on disk: if this text is another,
  // their findings may change (which ones, no check has said yet).
  bool same = reopened || d->key[0] != '/' || same_as_disk(d->key, text, len);
  asl_session_set_text(s->session, d->key, d->display, text, len);
  mark_edited(s, d);
  if (!same) mark_all(s);
}

/* Applies one contentChanges entry to the document's text. */
static void apply_change(Server *s, Doc *d, const cJSON *change) {
  const char *text = get_str(change, "text");
  if (!text) return;
  AslLspPos a, b;
  const cJSON *range = get(change, "range");
  if (!range) { // the whole text
    asl_session_set_text(s->session, d->key, d->display, text, strlen(text));
    return;
  }
  if (!get_range(range, &a, &b)) return; // no telling where it goes
  size_t len;
  const char *old = doc_text(s, d, &len);
  AslArena ar;
  asl_arena_init(&ar);
  AslSource src;
  asl_lsp_source(&ar, old, len, &src);
  size_t from = asl_lsp_offset(&src, a), to = asl_lsp_offset(&src, b);
  asl_arena_destroy(&ar);
  char *t = asl_malloc(len + 1);
  memcpy(t, old, len);
  t[len] = 0;
  asl_text_replace(&t, &len, from, to, text, strlen(text));
  asl_session_set_text(s->session, d->key, d->display, t, len);
  asl_free(t);
}

static void on_did_change(Server *s, const cJSON *params) {
  Doc *d = find_doc(s, doc_uri(params));
  const cJSON *changes = get(params, "contentChanges");
  if (!d || !cJSON_IsArray(changes)) return;
  const cJSON *v = get(get(params, "textDocument"), "version");
  if (cJSON_IsNumber(v)) d->version = v->valuedouble;
  const cJSON *c;
  cJSON_ArrayForEach(c, changes) apply_change(s, d, c);
  mark_edited(s, d);
}

/* Is `path` a configuration file asynclint reads? */
static bool is_config_file(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  return !strcmp(base, "pyproject.toml") || !strcmp(base, "asynclint.toml");
}

/* The text the document had was already checked as its file's: saving
 * changes nothing, unless the file is new (the walk of the folders, the
 * packages may change). */
static void on_did_save(Server *s, const cJSON *params) {
  const char *uri = doc_uri(params);
  if (uri && is_config_file(uri)) configure(s);
  asl_session_files_changed(s->session); // a new file may exist now
  Doc *d = find_doc(s, uri);
  if (d && d->key[0] == '/' && !d->on_disk) {
    d->on_disk = true;
    mark_all(s);
  }
  if (s->check_all) mark_dirty(s);
}

static void on_did_close(Server *s, const cJSON *params) {
  const char *uri = doc_uri(params);
  Doc *d = find_doc(s, uri);
  if (!d) return;
  size_t len;
  const char *text = asl_session_text(s->session, d->key, &len);
  bool same = d->key[0] != '/' || (text && same_as_disk(d->key, text, len));
  asl_session_drop_text(s->session, d->key); // the disk's text again
  if (!s->pull) publish_empty(s, d->uri);
  doc_free(d);
  *d = s->docs.items[--s->docs.len];
  if (!same) mark_all(s); // the others read another text now
}

static void on_watched_files(Server *s, const cJSON *params) {
  const cJSON *c;
  bool config = false;
  cJSON_ArrayForEach(c, get(params, "changes")) {
    const char *uri = get_str(c, "uri");
    config = config || (uri && is_config_file(uri));
  }
  if (config) configure(s);
  asl_session_files_changed(s->session);
  mark_all(s);
}

static void on_configuration(Server *s, const cJSON *params) {
  const cJSON *st = get(get(params, "settings"), "asynclint");
  cJSON *before = s->settings;
  s->settings = cJSON_IsObject(st) ? cJSON_Duplicate(st, 1) : NULL;
  if (configure(s)) {
    cJSON_Delete(before);
  } else {
    cJSON_Delete(s->settings);
    s->settings = before;
  }
  mark_all(s);
}

/* ---- code actions and hover ---------------------------------------------- */

/* Do LSP ranges [a0, a1] and [b0, b1] meet (ends included)? */
static bool pos_le(AslLspPos x, AslLspPos y) {
  return x.line < y.line || (x.line == y.line && x.character <= y.character);
}

static bool ranges_meet(AslLspPos a0, AslLspPos a1, AslLspPos b0,
                        AslLspPos b1) {
  return pos_le(a0, b1) && pos_le(b0, a1);
}

/* A text edit of `uri` as a WorkspaceEdit. */
static cJSON *workspace_edit(const char *uri, cJSON *edits) {
  cJSON *we = cJSON_CreateObject();
  cJSON *changes = cJSON_AddObjectToObject(we, "changes");
  cJSON_AddItemToObject(changes, uri, edits);
  return we;
}

static cJSON *text_edit(AslLspPos a, AslLspPos b, const char *text) {
  cJSON *e = cJSON_CreateObject();
  cJSON_AddItemToObject(e, "range", json_range(a, b));
  cJSON_AddItemToObject(e, "newText", json_str(text));
  return e;
}

static cJSON *quickfix(const char *title, const AslSource *src,
                       const AslDiag *d, cJSON *edit, bool preferred) {
  cJSON *act = cJSON_CreateObject();
  cJSON_AddItemToObject(act, "title", json_str(title));
  cJSON_AddStringToObject(act, "kind", "quickfix");
  cJSON *diags = cJSON_AddArrayToObject(act, "diagnostics");
  cJSON_AddItemToArray(diags, json_diag(src, d));
  if (preferred) cJSON_AddBoolToObject(act, "isPreferred", 1);
  cJSON_AddItemToObject(act, "edit", edit);
  return act;
}

/* The fix engine's fix of d as a code action (when --fix would apply it
 * with these options). */
static cJSON *fix_action(const Server *s, const Doc *doc, const AslSource *src,
                         const AslDiag *d) {
  if (!asl_fix_applies(asl_check_setup_options(s->setup), d)) return NULL;
  cJSON *edits = cJSON_CreateArray();
  for (uint32_t k = 0; k < d->fix->nedits; k++) {
    const AslEdit *e = &d->fix->edits[k];
    cJSON_AddItemToArray(
        edits, text_edit(asl_lsp_from_diag(src, e->line, e->column),
                         asl_lsp_from_diag(src, e->end_line, e->end_column),
                         e->content ? e->content : ""));
  }
  char title[256];
  snprintf(title, sizeof title, "%s (%s)%s",
           d->fix->message ? d->fix->message : "Fix", asl_rules[d->rule].code,
           d->fix->unsafe ? " [unsafe]" : "");
  return quickfix(title, src, d, workspace_edit(doc->uri, edits),
                  !d->fix->unsafe);
}

/* Where on line `line` (0-based) a noqa comment's codes end, when the
 * line has one (`# noqa: X, Y`); the line's end otherwise, *has = false.
 * A blanket `# noqa` leaves nothing to add: returns UINT32_MAX. */
static uint32_t noqa_insert_at(const AslSource *src, uint32_t line, bool *has) {
  uint32_t start = line < src->nlines ? src->line_starts[line] : src->len;
  uint32_t end = asl_lsp_line_end(src, line);
  const char *t = src->text;
  *has = false;
  for (uint32_t i = start; i + 6 <= end; i++) {
    if (t[i] != '#') continue;
    uint32_t k = i + 1;
    while (k < end && (t[k] == ' ' || t[k] == '\t')) k++;
    if (end - k < 4 || strncasecmp(t + k, "noqa", 4) != 0) continue;
    k += 4;
    if (k >= end || t[k] != ':') return UINT32_MAX;
    *has = true;
    uint32_t last = ++k;
    while (k < end && (isalnum((unsigned char)t[k]) || t[k] == ',' ||
                       t[k] == ' ' || t[k] == '\t'))
      if (isalnum((unsigned char)t[k++])) last = k;
    return last;
  }
  return end;
}

/* The action that silences d on its line with `# noqa: CODE`. */
static cJSON *noqa_action(const Doc *doc, const AslSource *src,
                          const AslDiag *d) {
  const char *code = asl_rules[d->rule].code;
  bool has;
  uint32_t at = noqa_insert_at(src, d->line - 1, &has);
  if (at == UINT32_MAX) return NULL;
  char text[64];
  snprintf(text, sizeof text, has ? ", %s" : "  # noqa: %s", code);
  AslLspPos p = asl_lsp_position(src, at);
  cJSON *edits = cJSON_CreateArray();
  cJSON_AddItemToArray(edits, text_edit(p, p, text));
  char title[64];
  snprintf(title, sizeof title, "Disable %s for this line", code);
  return quickfix(title, src, d, workspace_edit(doc->uri, edits), false);
}

/* Does the request's context.only allow quick fixes? */
static bool wants_quickfix(const cJSON *params) {
  const cJSON *only = get(get(params, "context"), "only");
  if (!cJSON_IsArray(only)) return true;
  const cJSON *k;
  cJSON_ArrayForEach(k, only) if (cJSON_IsString(k) &&
                                  (!strcmp(k->valuestring, "quickfix") ||
                                   !strcmp(k->valuestring, "")))
    return true;
  return false;
}

static void on_code_action(Server *s, const cJSON *id, const cJSON *params) {
  Doc *doc = find_doc(s, doc_uri(params));
  AslLspPos a, b;
  if (!get_range(get(params, "range"), &a, &b)) {
    respond_error(s, id, INVALID_PARAMS, "codeAction needs a range");
    return;
  }
  cJSON *actions = cJSON_CreateArray();
  if (!doc || !wants_quickfix(params)) {
    respond(s, id, actions);
    return;
  }
  ensure_checked(s);
  AslArena ar;
  asl_arena_init(&ar);
  AslSource src;
  doc_source(s, doc, &ar, &src);
  for (uint32_t i = 0; i < doc->diags.len; i++) {
    const AslDiag *d = &doc->diags.items[i];
    AslLspPos d0, d1;
    diag_range(&src, d, &d0, &d1);
    if (!ranges_meet(a, b, d0, d1)) continue;
    cJSON *fix = fix_action(s, doc, &src, d);
    if (fix) cJSON_AddItemToArray(actions, fix);
    cJSON *noqa = noqa_action(doc, &src, d);
    if (noqa) cJSON_AddItemToArray(actions, noqa);
  }
  asl_arena_destroy(&ar);
  respond(s, id, actions);
}

/* ---- pulled diagnostics -------------------------------------------------- */

/* textDocument/diagnostic: the document's findings as a full report, or
 * `unchanged` when they are those of the client's previousResultId (the
 * hash of the report). A document not open has none. */
static void on_diagnostic(Server *s, const cJSON *id, const cJSON *params) {
  const char *uri = doc_uri(params);
  if (!uri) {
    respond_error(s, id, INVALID_PARAMS, "diagnostic needs a textDocument");
    return;
  }
  ensure_checked(s);
  Doc *d = find_doc(s, uri);
  uint64_t h = hash_str("[]");
  cJSON *items = d ? doc_items(s, d, &h) : cJSON_CreateArray();
  if (d) d->published = h;
  char result_id[32];
  snprintf(result_id, sizeof result_id, "%016llx", (unsigned long long)h);
  const char *previous = get_str(params, "previousResultId");
  bool same = previous && strcmp(previous, result_id) == 0;
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "kind", same ? "unchanged" : "full");
  cJSON_AddStringToObject(r, "resultId", result_id);
  if (same) cJSON_Delete(items);
  else cJSON_AddItemToObject(r, "items", items);
  respond(s, id, r);
}

/* The hover text of a finding: its code, name and message, then the
 * places it relates to (an ASL210 chain, a coroutine's definition). */
static void hover_text(const AslDiag *d, AslBuf *md) {
  const AslRule *r = &asl_rules[d->rule];
  asl_buf_printf(md, "**%s** %s\n\n%s\n", r->code, r->name,
                 d->message ? d->message : "");
  for (uint32_t k = 0; k < d->nrelated; k++) {
    const AslRelated *x = &d->related[k];
    asl_buf_printf(md, "%s- `%s:%u:%u` %s\n", k ? "" : "\n",
                   x->path ? x->path : "", x->line, x->column,
                   x->message ? x->message : "");
  }
  asl_buf_printf(md, "\n%s\n", r->summary);
}

static void on_hover(Server *s, const cJSON *id, const cJSON *params) {
  Doc *doc = find_doc(s, doc_uri(params));
  AslLspPos p;
  if (!get_pos(get(params, "position"), &p)) {
    respond_error(s, id, INVALID_PARAMS, "hover needs a position");
    return;
  }
  if (!doc) {
    respond(s, id, NULL);
    return;
  }
  ensure_checked(s);
  AslArena ar;
  asl_arena_init(&ar);
  AslSource src;
  doc_source(s, doc, &ar, &src);
  AslBuf md = {0};
  AslLspPos r0 = {0, 0}, r1 = {0, 0};
  for (uint32_t i = 0; i < doc->diags.len; i++) {
    const AslDiag *d = &doc->diags.items[i];
    AslLspPos d0, d1;
    diag_range(&src, d, &d0, &d1);
    if (!ranges_meet(p, p, d0, d1)) continue;
    if (md.len) asl_buf_puts(&md, "\n---\n\n");
    else r0 = d0, r1 = d1;
    hover_text(d, &md);
  }
  asl_arena_destroy(&ar);
  if (!md.len) {
    respond(s, id, NULL);
    return;
  }
  cJSON *h = cJSON_CreateObject();
  cJSON *c = cJSON_AddObjectToObject(h, "contents");
  cJSON_AddStringToObject(c, "kind", "markdown");
  cJSON_AddItemToObject(c, "value", json_text(md.data, md.len));
  cJSON_AddItemToObject(h, "range", json_range(r0, r1));
  asl_buf_free(&md);
  respond(s, id, h);
}

/* ---- dispatch ------------------------------------------------------------ */

typedef void (*RequestFn)(Server *, const cJSON *id, const cJSON *params);
typedef void (*NotifyFn)(Server *, const cJSON *params);

static const struct {
  const char *method;
  RequestFn fn;
} requests[] = {
    {"initialize", on_initialize},
    {"shutdown", on_shutdown},
    {"textDocument/codeAction", on_code_action},
    {"textDocument/hover", on_hover},
    {"textDocument/diagnostic", on_diagnostic},
};

static const struct {
  const char *method;
  NotifyFn fn;
} notifications[] = {
    {"initialized", on_initialized},
    {"textDocument/didOpen", on_did_open},
    {"textDocument/didChange", on_did_change},
    {"textDocument/didSave", on_did_save},
    {"textDocument/didClose", on_did_close},
    {"workspace/didChangeWatchedFiles", on_watched_files},
    {"workspace/didChangeConfiguration", on_configuration},
};

static void handle_request(Server *s, const char *method, const cJSON *id,
                           const cJSON *params) {
  bool init = !strcmp(method, "initialize");
  if (!s->initialized && !init) {
    respond_error(s, id, SERVER_NOT_INITIALIZED, "not initialized yet");
    return;
  }
  if (s->shut_down) {
    respond_error(s, id, INVALID_REQUEST, "shutting down");
    return;
  }
  for (size_t i = 0; i < sizeof requests / sizeof *requests; i++)
    if (!strcmp(method, requests[i].method)) {
      requests[i].fn(s, id, params);
      return;
    }
  respond_error(s, id, METHOD_NOT_FOUND, method);
}

static void handle_notification(Server *s, const char *method,
                                const cJSON *params) {
  if (!strcmp(method, "exit")) {
    s->exiting = true;
    return;
  }
  if (!s->initialized || s->shut_down) return;
  for (size_t i = 0; i < sizeof notifications / sizeof *notifications; i++)
    if (!strcmp(method, notifications[i].method)) {
      notifications[i].fn(s, params);
      return;
    }
  // Unknown notifications ($/cancelRequest, $/setTrace, ...) are dropped.
}

static void handle_message(Server *s, const char *body, size_t len) {
  cJSON *msg = cJSON_ParseWithLengthOpts(body, len, NULL, 0);
  if (!msg) {
    respond_error(s, NULL, PARSE_ERROR, "invalid JSON");
    return;
  }
  const cJSON *id = get(msg, "id");
  const cJSON *m = get(msg, "method");
  bool valid_id = !id || cJSON_IsNumber(id) || cJSON_IsString(id) ||
                  cJSON_IsNull(id);
  if (!cJSON_IsObject(msg) || !valid_id || (m && !cJSON_IsString(m))) {
    respond_error(s, valid_id ? id : NULL, INVALID_REQUEST,
                  "not a JSON-RPC request");
  } else if (!m) {
    // A response to one of our requests (registerCapability): nothing
    // to do; a message with neither method nor id is no request.
    if (!id) respond_error(s, NULL, INVALID_REQUEST, "no method");
  } else if (id) {
    handle_request(s, m->valuestring, id, get(msg, "params"));
  } else {
    handle_notification(s, m->valuestring, get(msg, "params"));
  }
  cJSON_Delete(msg);
}

/* Handles every whole message buffered. */
static void drain(Server *s) {
  const char *body, *why;
  size_t len;
  for (AslRpcNext n; !s->exiting &&
                     (n = asl_rpc_next(&s->in, &body, &len, &why)) != ASL_RPC_NONE;) {
    if (n == ASL_RPC_BAD) respond_error(s, NULL, PARSE_ERROR, why);
    else handle_message(s, body, len);
  }
}

static void serve(Server *s) {
  while (!s->exiting) {
    drain(s);
    if (s->exiting || s->in.eof) break;
    int wait = -1;
    if (s->dirty && s->initialized && !s->shut_down) {
      double left = s->dirty_at + DEBOUNCE_MS - now_ms();
      wait = left <= 0 ? 0 : (int)left + 1;
    }
    bool came = asl_rpc_fill(&s->in, wait);
    if (came && s->dirty) s->dirty_at = now_ms();
    else if (!came && wait >= 0) recheck(s); // quiet long enough
  }
}

static void server_free(Server *s) {
  for (uint32_t i = 0; i < s->docs.len; i++) doc_free(&s->docs.items[i]);
  asl_vec_free(&s->docs);
  asl_vec_free(&s->changed);
  asl_vec_free(&s->renamed);
  asl_session_delete(s->session);
  asl_check_setup_delete(s->setup);
  cJSON_Delete(s->settings);
  asl_free(s->root);
  asl_vec_free(&s->base_args);
  asl_rpc_reader_free(&s->in);
  if (s->out >= 0) close(s->out);
}

static const char server_usage[] =
    "Usage: asynclint server [CHECK OPTIONS]\n"
    "\n"
    "A language server (LSP 3.17) on stdin and stdout, for editors. The\n"
    "options are check's (asynclint check --help); the client's settings\n"
    "(select, extendSelect, ignore, config, python, knownCoroutines,\n"
    "unsafeFixes, isolated) and the configuration file of the workspace\n"
    "apply on top.\n";

int asl_server_main(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(server_usage, stdout);
      return 0;
    }
  Server s;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < argc; i++) asl_vec_push(&s.base_args, (const char *)argv[i]);
  // The options must be valid before a client depends on them.
  int rc = 0;
  AslStrVec probe = {0};
  asl_vec_push(&probe, "check");
  for (int i = 0; i < argc; i++) asl_vec_push(&probe, (const char *)argv[i]);
  asl_vec_push(&probe, "-q");
  AslCheckSetup *ok =
      asl_check_setup_new((int)probe.len - 1, (char **)probe.items + 1, &rc);
  asl_vec_free(&probe);
  if (!ok) {
    asl_vec_free(&s.base_args);
    return rc ? rc : 2;
  }
  asl_check_setup_delete(ok);
  signal(SIGPIPE, SIG_IGN); // a client gone: write fails, we exit
  fflush(stdout);
  s.out = dup(STDOUT_FILENO);
  if (s.out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    perror("asynclint server");
    return 2;
  }
  asl_rpc_reader_init(&s.in, STDIN_FILENO);
  serve(&s);
  int status = s.shut_down && s.exiting ? 0 : 1;
  server_free(&s);
  return status;
}
