/*
 * parse.c - the tree-sitter front end: the grammar ABI check, parsing, and
 * flattening the tree into a pre-order AslNode array (iteratively, over
 * tree-sitter's subtrees), so that no later pass depends on the host's
 * stack depth.
 */
#include "asl.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <tree_sitter/api.h>

// tree-sitter's internals, for flatten's walk over the subtrees (the
// version is pinned in deps/package.json, its hash checked by the build).
#include <language.h>
#include <subtree.h>
#include <tree.h>

const TSLanguage *tree_sitter_python(void);

typedef struct WalkFrame WalkFrame;

struct AslParser {
  TSParser *ts;
  AslVec(WalkFrame) frames; /* flatten's walk, one per subtree open */
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

/* ---- tree-sitter's allocator -------------------------------------------
 * A parse allocates a subtree per token and node and frees them all with
 * the tree: a million small blocks on the standard library, where glibc's
 * malloc and free cost about a tenth of the parse. Each thread keeps the
 * blocks freed by it in lists by size (16-byte classes up to 512 bytes),
 * for its next parse; larger blocks go to malloc. A block's class sits in
 * a 16-byte header before it. New blocks are cut from the page regions
 * (memory.c: huge pages), POOL_BATCH at a time, or malloc'd in builds
 * without them. What a thread keeps is bounded by the most one parse held
 * at once; when the thread ends, its malloc'd blocks go back to malloc and
 * its lists of cut blocks to `pool_spare`, where the next thread (the next
 * round of workers) takes them. */

enum { POOL_STEP = 16, POOL_CLASSES = 32, POOL_LARGE = POOL_CLASSES,
       POOL_BATCH = 64 };

typedef struct PoolHeader {
  _Alignas(16) uint32_t cls; /* size class, or POOL_LARGE */
  bool paged;                /* cut from the page regions */
  bool in_region;            /* a parse region's (below) */
  size_t size;               /* bytes asked for (POOL_LARGE only) */
} PoolHeader;
_Static_assert(sizeof(PoolHeader) == 16, "the header keeps 16-byte alignment");

/* Fills a block's header; returns the block. */
static void *pool_block(PoolHeader *h, uint32_t cls, bool paged,
                        bool in_region, size_t size) {
  h->cls = cls;
  h->paged = paged;
  h->in_region = in_region;
  h->size = size;
  return h + 1;
}

typedef struct PoolFree {
  struct PoolFree *next;
  struct PoolFree *next_list; /* in pool_spare: the list given back after */
} PoolFree;

static _Thread_local PoolFree *pool_lists[POOL_CLASSES];
static pthread_key_t pool_key;
/* Per class, the lists of cut blocks that ended threads gave back. */
static PoolFree *pool_spare[POOL_CLASSES];
static pthread_mutex_t pool_spare_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- a parse's region ---------------------------------------------------
 * Flattening copies out of tree-sitter's tree all that the rules read;
 * deleting the tree then walked every subtree again, cache line by cache
 * line (4% of a run on the standard library). So each parse runs in a
 * region of its thread: a parser made for it and everything tree-sitter
 * allocates until the region ends come from the region, which then drops
 * it all at once, tree and parser alike, with no walk. A small block
 * freed during the parse goes to the region's lists and is reused by it,
 * so a parse holds no more than at its peak, as before; small blocks are
 * cut from an arena (page regions), large ones malloc'd and linked, so
 * the end can free them. Builds without page regions (the sanitizers',
 * valgrind's) malloc and link every block: each is still checked. */

typedef struct Tracked {
  struct Tracked *prev, *next;
} Tracked;
_Static_assert(sizeof(Tracked) % 16 == 0, "keeps 16-byte alignment");

typedef struct Region {
  bool on, ready;
  AslArena blocks;               /* small blocks (page-region builds) */
  PoolFree *lists[POOL_CLASSES]; /* ... freed during the parse */
  Tracked linked;                /* the malloc'd ones: a ring */
} Region;

static _Thread_local Region region;
static bool pool_installed; /* tree-sitter allocates through pool_malloc */

static void *region_malloc(size_t n, uint32_t cls) {
#if ASL_PAGES
  if (cls < POOL_CLASSES) {
    PoolFree *f = region.lists[cls];
    if (f) {
      region.lists[cls] = f->next;
      return f;
    }
    PoolHeader *h = asl_arena_alloc_raw(
        &region.blocks, sizeof *h + (size_t)(cls + 1) * POOL_STEP);
    return pool_block(h, cls, true, true, 0);
  }
#else
  (void)cls;
#endif
  size_t extra = sizeof(Tracked) + sizeof(PoolHeader);
  Tracked *t = asl_malloc(n > SIZE_MAX - extra ? SIZE_MAX : extra + n);
  t->prev = &region.linked;
  t->next = region.linked.next;
  t->next->prev = t;
  region.linked.next = t;
  return pool_block((PoolHeader *)(t + 1), POOL_LARGE, false, true, n);
}

static void region_free(PoolHeader *h) {
  if (h->cls != POOL_LARGE) {
    PoolFree *f = (PoolFree *)(h + 1);
    f->next = region.lists[h->cls];
    region.lists[h->cls] = f;
    return;
  }
  Tracked *t = (Tracked *)h - 1;
  t->prev->next = t->next;
  t->next->prev = t->prev;
  asl_free(t);
}

static void region_drop(void) {
  for (Tracked *t = region.linked.next; t != &region.linked;) {
    Tracked *next = t->next;
    asl_free(t);
    t = next;
  }
  region.linked.prev = region.linked.next = &region.linked;
  memset(region.lists, 0, sizeof region.lists);
}

static void region_begin(void) {
  if (!region.ready) {
    asl_arena_init(&region.blocks);
    region.linked.prev = region.linked.next = &region.linked;
    region.ready = true;
    pthread_setspecific(pool_key, &region); // release it at the end
  }
  region.on = true;
}

static void region_end(void) {
  region.on = false;
  region_drop();
  asl_arena_reset(&region.blocks);
}

static void pool_release(void *unused) {
  (void)unused;
  if (region.ready) {
    region_drop();
    asl_arena_destroy(&region.blocks);
    region.ready = false;
  }
  for (uint32_t c = 0; c < POOL_CLASSES; c++) {
    PoolFree *cut = NULL;
    while (pool_lists[c]) {
      PoolFree *f = pool_lists[c];
      pool_lists[c] = f->next;
      if (((PoolHeader *)f - 1)->paged) {
        f->next = cut;
        cut = f;
      } else {
        free((PoolHeader *)f - 1);
      }
    }
    if (!cut) continue;
    pthread_mutex_lock(&pool_spare_lock);
    cut->next_list = pool_spare[c];
    pool_spare[c] = cut;
    pthread_mutex_unlock(&pool_spare_lock);
  }
}

/* Fills the thread's empty list of class cls: a list an ended thread gave
 * back, or POOL_BATCH blocks cut from the page regions; it stays empty in
 * builds without them. */
static void pool_refill(uint32_t cls) {
  pthread_mutex_lock(&pool_spare_lock);
  PoolFree *got = pool_spare[cls];
  if (got) pool_spare[cls] = got->next_list;
  pthread_mutex_unlock(&pool_spare_lock);
  if (got) {
    pool_lists[cls] = got;
    return;
  }
  size_t block = sizeof(PoolHeader) + (size_t)(cls + 1) * POOL_STEP;
  unsigned char *cut = asl_pages_alloc(block * POOL_BATCH);
  if (!cut) return;
  for (uint32_t i = POOL_BATCH; i-- > 0;) {
    PoolFree *f =
        pool_block((PoolHeader *)(cut + i * block), cls, true, false, 0);
    f->next = pool_lists[cls];
    pool_lists[cls] = f;
  }
}

static void *pool_malloc(size_t n) {
  size_t step = n ? (n - 1) / POOL_STEP : 0; // (size_t: no wrap-around)
  uint32_t cls = step < POOL_CLASSES ? (uint32_t)step : POOL_LARGE;
  if (region.on) return region_malloc(n, cls);
  if (cls < POOL_CLASSES && !pool_lists[cls]) {
    static _Thread_local bool registered; // release the lists at its end
    if (!registered) pthread_setspecific(pool_key, &registered);
    registered = true;
    pool_refill(cls);
  }
  if (cls < POOL_CLASSES && pool_lists[cls]) {
    PoolFree *f = pool_lists[cls];
    pool_lists[cls] = f->next;
    return f;
  }
  size_t bytes = cls < POOL_CLASSES ? (size_t)(cls + 1) * POOL_STEP : n;
  // (asl_malloc aborts when it cannot: so does tree-sitter's own default)
  PoolHeader *h = asl_malloc(bytes > SIZE_MAX - sizeof *h ? SIZE_MAX
                                                           : sizeof *h + bytes);
  return pool_block(h, cls, false, false, n);
}

static void pool_free(void *p) {
  if (!p) return;
  PoolHeader *h = (PoolHeader *)p - 1;
  if (h->in_region) {
    region_free(h);
    return;
  }
  if (h->cls == POOL_LARGE) {
    free(h);
    return;
  }
  PoolFree *f = p;
  f->next = pool_lists[h->cls];
  pool_lists[h->cls] = f;
}

static size_t pool_capacity(const void *p) {
  const PoolHeader *h = (const PoolHeader *)p - 1;
  return h->cls == POOL_LARGE ? h->size : (size_t)(h->cls + 1) * POOL_STEP;
}

static void *pool_calloc(size_t count, size_t n) {
  void *p = pool_malloc(n && count > SIZE_MAX / n ? SIZE_MAX : count * n);
  memset(p, 0, count * n);
  return p;
}

static void *pool_realloc(void *p, size_t n) {
  if (!p) return pool_malloc(n);
  size_t had = pool_capacity(p);
  PoolHeader *h = (PoolHeader *)p - 1;
  if (h->cls != POOL_LARGE && n <= had) return p;
  if (!h->in_region && h->cls == POOL_LARGE && n > POOL_CLASSES * POOL_STEP &&
      n <= SIZE_MAX - sizeof *h) { // large stays large: glibc may grow it
    h = asl_realloc(h, sizeof *h + n);
    h->size = n;
    return h + 1;
  }
  void *q = pool_malloc(n);
  memcpy(q, p, had < n ? had : n);
  pool_free(p);
  return q;
}

static void pool_init(void) {
  pthread_key_create(&pool_key, pool_release);
  ts_set_allocator(pool_malloc, pool_calloc, pool_realloc, pool_free);
  pool_installed = true;
}

void asl_pool_tree_sitter(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, pool_init);
}

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
  asl_vec_free(&p->frames);
  asl_free(p);
}

const char *asl_kind_name(AslKind k) {
  return k < ASL_K__COUNT ? kind_names[k] : "?";
}

/* What the walk knows of one visible node. */
typedef struct Visible {
  TSSymbol sym;   /* public symbol (the alias, when aliased) */
  TSFieldId field;
  bool named, missing;
  uint32_t start_byte, end_byte;
} Visible;

/* Appends visible node v below `parent`. */
static uint32_t push_node(AslTree *t, const Visible *v, uint32_t parent,
                          uint32_t prev_sibling) {
  uint32_t i = t->count++;
  AslNode *x = &t->nodes[i];
  x->sym = v->sym;
  x->kind = v->sym < sym_count ? sym_kind[v->sym] : ASL_K_OTHER;
  x->field = v->field < field_count ? field_map[v->field] : 0;
  x->nchildren = 0;
  x->flags = v->named ? ASL_NODE_NAMED : 0;
  bool error = v->sym == ts_builtin_sym_error;
  if (error || v->missing) {
    x->flags |= ASL_NODE_ERROR;
    if (error) x->kind = ASL_K_ERROR;
    if (t->first_error == ASL_NONE) t->first_error = i;
  }
  x->parent = parent;
  x->next = ASL_NONE;
  x->end = i + 1;
  x->start_byte = v->start_byte;
  x->end_byte = v->end_byte;
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

/* The field a non-inherited entry of `production`'s field map gives its
 * structural child `index`, or 0. */
static TSFieldId field_at(const TSLanguage *lang, uint16_t production,
                          uint32_t index) {
  const TSFieldMapEntry *map, *end;
  ts_language_field_map(lang, production, &map, &end);
  for (; map < end; map++)
    if (!map->inherited && map->child_index == index) return map->field_id;
  return 0;
}

/* One subtree whose children the walk is visiting. */
struct WalkFrame {
  Subtree parent;
  const TSSymbol *aliases; /* the parent's production's alias sequence */
  uint32_t child, structural; /* the next child, and its structural index */
  uint32_t position;          /* the next child's start byte */
  uint32_t owner;     /* the frame of the nearest visible ancestor: this
                         one when `parent` is visible itself */
  uint32_t node;      /* owners: that visible node's AslNode */
  uint32_t last;      /* owners: its last child so far, or ASL_NONE */
  TSFieldId inherited; /* a hidden parent's field, for its visible children
                          that have none of their own */
};

static void push_frame(AslParser *p, const TSLanguage *lang, WalkFrame f) {
  f.aliases = ts_language_alias_sequence(lang, f.parent.ptr->production_id);
  asl_vec_push(&p->frames, f);
}

/* Opens the children of visible node `node` (subtree `parent`). */
static void open_visible(AslParser *p, const TSLanguage *lang, Subtree parent,
                         uint32_t position, uint32_t node, uint32_t last) {
  WalkFrame f = {parent, NULL, 0, 0, position, p->frames.len, node, last, 0};
  push_frame(p, lang, f);
}

/* Opens the children of hidden subtree `parent`: they join the node of
 * frame `owner`. */
static void open_hidden(AslParser *p, const TSLanguage *lang, Subtree parent,
                        uint32_t position, uint32_t owner,
                        TSFieldId inherited) {
  WalkFrame f = {parent, NULL,     0,        0,        position,
                 owner,  ASL_NONE, ASL_NONE, inherited};
  push_frame(p, lang, f);
}

/* Copies `tree` into out->nodes (capacity `cap`) in pre-order. With
 * attach == ASL_NONE the tree's root becomes a node; otherwise the root's
 * children are appended as children of node `attach` (chunked parsing).
 *
 * The walk reads tree-sitter's subtrees directly (its internal headers, of
 * the pinned version): the visible nodes in the order, with the symbols,
 * fields and positions a TSTreeCursor gives (tests/unit checks them
 * against a cursor walk), in a third of the cursor's time, which rebuilds
 * a node and walks up its hidden ancestors for each field. A hidden
 * node's children join its nearest visible ancestor; a field found on a
 * hidden node passes to those of its visible descendants that have none
 * closer, unless an extra node lies between. */
static void flatten(AslParser *p, AslTree *out, uint32_t cap, TSTree *tree,
                    uint32_t attach) {
  const TSLanguage *lang = tree->language;
  Subtree root = tree->root;
  uint32_t start = ts_subtree_padding(root).bytes;
  uint32_t node = attach, last = ASL_NONE;
  p->frames.len = 0;
  if (attach == ASL_NONE) {
    if (out->count >= cap) return;
    Visible v = {ts_language_public_symbol(lang, ts_subtree_symbol(root)), 0,
                 ts_subtree_named(root), ts_subtree_missing(root), start,
                 start + ts_subtree_size(root).bytes};
    node = push_node(out, &v, ASL_NONE, ASL_NONE);
  } else {
    for (uint32_t c = asl_first_child(out, attach); c != ASL_NONE;
         c = out->nodes[c].next)
      last = c;
  }
  if (ts_subtree_child_count(root))
    open_visible(p, lang, root, start, node, last);
  while (p->frames.len) {
    uint32_t top = p->frames.len - 1;
    WalkFrame *f = &p->frames.items[top];
    const Subtree *kids = ts_subtree_children(f->parent);
    uint32_t count = f->parent.ptr->child_count;
    if (f->child == count) { // all children seen: close the frame's node
      if (f->owner == top) out->nodes[f->node].end = out->count;
      p->frames.len--;
      continue;
    }
    Subtree c = kids[f->child];
    uint32_t at = f->position;
    bool extra = ts_subtree_extra(c);
    TSSymbol alias = 0;
    TSFieldId field = 0;
    if (!extra) {
      if (f->aliases) alias = f->aliases[f->structural];
      field = field_at(lang, f->parent.ptr->production_id, f->structural);
      if (!field) field = f->inherited;
      f->structural++;
    }
    f->child++;
    f->position = at + ts_subtree_size(c).bytes;
    if (f->child < count)
      f->position += ts_subtree_padding(kids[f->child]).bytes;
    if (ts_subtree_visible(c) || alias) {
      if (out->count >= cap) break; // no room: close what is open
      TSSymbol sym = alias ? alias : ts_subtree_symbol(c);
      Visible v = {ts_language_public_symbol(lang, sym), field,
                   alias ? ts_language_symbol_metadata(lang, alias).named
                         : ts_subtree_named(c),
                   ts_subtree_missing(c), at, at + ts_subtree_size(c).bytes};
      WalkFrame *o = &p->frames.items[f->owner];
      uint32_t i = push_node(out, &v, o->node, o->last);
      o->last = i;
      if (ts_subtree_child_count(c))
        open_visible(p, lang, c, at, i, ASL_NONE);
    } else if (ts_subtree_visible_child_count(c)) {
      open_hidden(p, lang, c, at, f->owner, extra ? 0 : field);
    }
  }
  for (uint32_t d = 0; d < p->frames.len; d++)
    if (p->frames.items[d].owner == d)
      out->nodes[p->frames.items[d].node].end = out->count;
  if (attach != ASL_NONE) out->nodes[attach].end = out->count;
}

/* Does the line starting at byte i begin a new top-level statement? Lines
 * that continue the previous compound statement (else/elif/except/finally)
 * and lines after a decorator do not. */
static bool starts_top_statement(const char *t, uint32_t i, uint32_t len,
                                 bool after_decorator) {
  char c = t[i];
  if (after_decorator || c == ' ' || c == '\t' || c == '\f' || c == '#' ||
      c == '\n' || c == '\r')
    return false;
  static const char *const continuations[] = {"else", "elif", "except",
                                              "finally", NULL};
  for (const char *const *w = continuations; *w; w++) {
    size_t n = strlen(*w);
    if (i + n <= len && memcmp(t + i, *w, n) == 0 &&
        (i + n == len || !(isalnum((unsigned char)t[i + n]) || t[i + n] == '_')))
      return false;
  }
  return true;
}

/* Bytes the splitter must look at in code; the others pass in a tight
 * loop. */
static bool splits_code(char c) {
  switch (c) {
  case '#': case '\'': case '"': case '(': case '[': case '{': case ')':
  case ']': case '}': case '\\': case '\n': case '\r':
    return true;
  default:
    return false;
  }
}

/* A small Python tokenizer (strings, brackets, comments, backslash
 * continuations) finds the lines where top-level statements start. */
uint32_t asl_split_top_level(AslArena *a, const AslSource *s,
                             AslTopStatement **out) {
  AslVec(AslTopStatement) v = {0};
  AslTopStatement first = {0, 0};
  asl_avec_push(a, &v, first);
  const char *t = s->text;
  uint32_t len = s->len, depth = 0;
  char quote = 0;      // inside a string: its quote character
  bool triple = false; // ... and whether it is triple-quoted
  bool at_line_start = true, continued = false, after_decorator = false;
  bool head_pending = true; // the statement proper has not begun yet
  for (uint32_t i = 0; i < len; i++) {
    char c = t[i];
    if (at_line_start && !quote && depth == 0 && !continued) {
      if (i > 0 && starts_top_statement(t, i, len, after_decorator)) {
        AslTopStatement st = {i, i};
        asl_avec_push(a, &v, st);
        head_pending = true;
      }
      if (c != ' ' && c != '\t' && c != '\f' && c != '\n' && c != '\r' &&
          c != '#') {
        after_decorator = c == '@';
        if (head_pending && !after_decorator) {
          v.items[v.len - 1].head = i;
          head_pending = false;
        }
      }
    }
    at_line_start = false;
    if (quote) {
      while (i + 1 < len && c != '\\' && c != quote && c != '\n' &&
             c != '\r')
        c = t[++i];
      if (c == '\\') { i++; continue; }
      if (c == quote && (!triple || (i + 2 < len && t[i + 1] == quote &&
                                     t[i + 2] == quote))) {
        if (triple) i += 2;
        quote = 0;
      } else if (!triple && (c == '\n' || c == '\r')) {
        quote = 0; // an unterminated one-line string ends at the line
        at_line_start = true;
      }
      continue;
    }
    switch (c) {
    case '#':
      while (i + 1 < len && t[i + 1] != '\n' && t[i + 1] != '\r') i++;
      break;
    case '\'': case '"':
      triple = i + 2 < len && t[i + 1] == c && t[i + 2] == c;
      quote = c;
      if (triple) i += 2;
      break;
    case '(': case '[': case '{': depth++; break;
    case ')': case ']': case '}': if (depth) depth--; break;
    case '\\':
      if (i + 1 < len && (t[i + 1] == '\n' || t[i + 1] == '\r')) {
        continued = true;
        i++;
        if (t[i] == '\r' && i + 1 < len && t[i + 1] == '\n') i++;
        at_line_start = true;
        continue;
      }
      break;
    case '\n': case '\r':
      at_line_start = true;
      continued = false;
      break;
    default:
      while (i + 1 < len && !splits_code(t[i + 1])) i++;
      break;
    }
  }
  *out = v.items;
  return v.len;
}

/* A point (row, byte column) for a byte offset, as tree-sitter counts rows
 * (only \n ends a row for tree-sitter). */
static TSPoint point_of(const AslSource *s, uint32_t byte) {
  TSPoint pt = {0, 0};
  uint32_t line_start = 0;
  for (uint32_t i = 0; i < byte; i++)
    if (s->text[i] == '\n') {
      pt.row++;
      line_start = i + 1;
    }
  pt.column = byte - line_start;
  return pt;
}

/* The parser for one parse (or a file's chunks): in a region of its own
 * when tree-sitter allocates through the pool, else the AslParser's. */
static TSParser *parse_begin(AslParser *p) {
  if (!pool_installed) return p->ts;
  region_begin();
  TSParser *ts = ts_parser_new();
  (void)ts_parser_set_language(ts, tree_sitter_python()); // (checked once)
  return ts;
}

/* Ends a parse begun with parse_begin: the trees, flattened, go, and a
 * region's parser with them. */
static void parse_end(AslParser *p, TSParser *ts, TSTree **trees,
                      uint32_t n) {
  if (ts != p->ts) {
    region_end();
    return;
  }
  for (uint32_t k = 0; k < n; k++) ts_tree_delete(trees[k]);
  ts_parser_set_included_ranges(ts, NULL, 0);
}

/* Re-parses a damaged file one top-level statement at a time and flattens
 * the pieces under one module node, so only the damaged statements hold
 * ERROR nodes. */
static void parse_in_chunks(AslParser *p, AslArena *a, const AslSource *src,
                            AslTree *out) {
  AslTopStatement *st;
  uint32_t n = asl_split_top_level(a, src, &st);
  TSTree **trees = asl_arena_alloc(a, sizeof(TSTree *) * n);
  TSParser *ts = parse_begin(p);
  uint32_t cap = 1;
  TSPoint pt = {0, 0};
  uint32_t pt_byte = 0;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t b0 = st[k].start, b1 = k + 1 < n ? st[k + 1].start : src->len;
    // Advance the point incrementally: chunks are in order.
    TSPoint d = point_of(&(AslSource){.text = src->text + pt_byte,
                                      .len = b0 - pt_byte}, b0 - pt_byte);
    pt.row += d.row;
    pt.column = d.row ? d.column : pt.column + d.column;
    pt_byte = b0;
    TSPoint end = pt;
    TSPoint de = point_of(&(AslSource){.text = src->text + b0,
                                       .len = b1 - b0}, b1 - b0);
    end.row += de.row;
    end.column = de.row ? de.column : end.column + de.column;
    TSRange range = {pt, end, b0, b1};
    ts_parser_set_included_ranges(ts, &range, 1);
    trees[k] = ts_parser_parse_string(ts, NULL, src->text, src->len);
    cap += ts_node_descendant_count(ts_tree_root_node(trees[k]));
  }
  out->nodes = asl_arena_alloc(a, sizeof(AslNode) * cap);
  out->count = 1;
  AslNode *mod = &out->nodes[0];
  mod->kind = ASL_K_module;
  mod->flags = ASL_NODE_NAMED;
  mod->parent = mod->next = ASL_NONE;
  mod->scope = 0;
  mod->end = 1;
  mod->end_byte = src->len;
  for (uint32_t k = 0; k < n; k++) flatten(p, out, cap, trees[k], 0);
  parse_end(p, ts, trees, n);
}

/* Parses `src` (within the parser's included ranges) and flattens the
 * tree into out, its nodes in the arena. */
static void parse_flat(AslParser *p, AslArena *a, const AslSource *src,
                       const TSRange *ranges, uint32_t nranges, AslTree *out) {
  memset(out, 0, sizeof *out);
  out->first_error = ASL_NONE;
  TSParser *ts = parse_begin(p);
  if (nranges) ts_parser_set_included_ranges(ts, ranges, nranges);
  TSTree *tree = ts_parser_parse_string(ts, NULL, src->text, src->len);
  TSNode root = ts_tree_root_node(tree);
  out->has_error = ts_node_has_error(root);
  uint32_t total = ts_node_descendant_count(root);
  // Not zeroed: push_node sets every field of the nodes it appends.
  out->nodes = asl_arena_alloc_raw(a, sizeof(AslNode) * (total ? total : 1));
  flatten(p, out, total, tree, ASL_NONE);
  parse_end(p, ts, &tree, 1);
}

void asl_parse_ranges(AslParser *p, AslArena *a, const AslSource *src,
                      const uint32_t *bounds, uint32_t nranges, AslTree *out) {
  TSRange *ranges =
      asl_arena_alloc(a, sizeof *ranges * (nranges ? nranges : 1));
  TSPoint pt = {0, 0};
  uint32_t at = 0; // pt is the point of byte `at`
  for (uint32_t k = 0; k < 2 * nranges; k++) {
    for (; at < bounds[k]; at++) {
      if (src->text[at] == '\n') {
        pt.row++;
        pt.column = 0;
      } else {
        pt.column++;
      }
    }
    if (k % 2 == 0) {
      ranges[k / 2].start_point = pt;
      ranges[k / 2].start_byte = at;
    } else {
      ranges[k / 2].end_point = pt;
      ranges[k / 2].end_byte = at;
    }
  }
  parse_flat(p, a, src, ranges, nranges, out);
}

/* Bytes covered by outermost ERROR nodes: how much of the file no rule
 * will see. */
static uint64_t damaged_bytes(const AslTree *t) {
  uint64_t sum = 0;
  for (uint32_t i = 0; i < t->count; i++) {
    const AslNode *n = &t->nodes[i];
    if (n->kind == ASL_K_ERROR && !(n->flags & ASL_NODE_IN_ERROR)) {
      sum += n->end_byte - n->start_byte;
      i = n->end - 1; // skip its descendants
    }
  }
  return sum;
}

void asl_parse(AslParser *p, AslArena *a, const AslSource *src, AslTree *out) {
  parse_flat(p, a, src, NULL, 0, out);
  if (!out->has_error) return;
  // tree-sitter's recovery sometimes turns a whole file into one ERROR node
  // for one odd statement. Parsing statement by statement confines such
  // damage; keep whichever tree leaves more of the file checkable.
  uint64_t whole = damaged_bytes(out);
  if (whole == 0) return;
  AslTree chunked;
  memset(&chunked, 0, sizeof chunked);
  chunked.first_error = ASL_NONE;
  chunked.has_error = true;
  parse_in_chunks(p, a, src, &chunked);
  if (damaged_bytes(&chunked) < whole) *out = chunked;
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

uint32_t asl_child_by_kind(const AslTree *t, uint32_t i, AslKind k) {
  for (uint32_t c = asl_first_child(t, i); c != ASL_NONE; c = t->nodes[c].next)
    if (t->nodes[c].kind == k) return c;
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

uint32_t asl_chain_head(const AslTree *t, uint32_t i) {
  i = asl_unparen(t, i);
  while (i != ASL_NONE && t->nodes[i].kind == ASL_K_attribute)
    i = asl_unparen(t, asl_child_by_field(t, i, ASL_F_object));
  return i;
}

char *asl_node_text(AslArena *a, const AslTree *t, const AslSource *s,
                    uint32_t i) {
  const AslNode *n = &t->nodes[i];
  return asl_arena_strndup(a, s->text + n->start_byte,
                           n->end_byte - n->start_byte);
}

const char *asl_node_text_short(AslArena *a, const AslTree *t,
                                const AslSource *s, uint32_t i,
                                const char *fallback) {
  const AslNode *n = &t->nodes[i];
  uint32_t len = n->end_byte - n->start_byte;
  const char *text = s->text + n->start_byte;
  if (len > 60 || memchr(text, '\n', len)) return fallback;
  return asl_arena_strndup(a, text, len);
}

bool asl_is_async_def(const AslTree *t, const AslSource *s, uint32_t i) {
  return t->nodes[i].kind == ASL_K_function_definition &&
         asl_has_token(t, s, i, "async");
}
