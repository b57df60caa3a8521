/*
 * pieces.c - parsing a file one part at a time (see "pieces" in
 * prefilter.h for why the parts left out cannot matter).
 */
#include "prefilter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file smaller than this, or a first unit skipping fewer bytes, is
 * parsed whole: the placeholders and the scans would cost more than they
 * save. */
enum { MIN_FILE = 8192, MIN_SKIPPED = 4096 };

static bool ident_byte(unsigned char c) {
  return isalnum(c) || c == '_' || c >= 0x80;
}

/* Is keyword `kw` at t[i], followed by something not part of a name? */
static bool keyword_at(const char *t, uint32_t len, uint32_t i,
                       const char *kw) {
  size_t n = strlen(kw);
  return i + n < len && memcmp(t + i, kw, n) == 0 &&
         !ident_byte((unsigned char)t[i + n]);
}

static uint32_t skip_blanks(const char *t, uint32_t len, uint32_t i) {
  while (i < len && (t[i] == ' ' || t[i] == '\t')) i++;
  return i;
}

/* Describes the def or class statement at t[head] (a plain statement
 * keeps piece->name NULL). */
static void describe_piece(const char *t, uint32_t len, uint32_t head,
                           AslPiece *piece) {
  uint32_t i = head;
  if (keyword_at(t, len, i, "async")) {
    i = skip_blanks(t, len, i + 5);
    if (!keyword_at(t, len, i, "def")) return;
    piece->is_async = true;
  }
  if (keyword_at(t, len, i, "def")) i += 3;
  else if (keyword_at(t, len, i, "class")) i += 5, piece->is_class = true;
  else return;
  i = skip_blanks(t, len, i);
  uint32_t s = i;
  while (i < len && ident_byte((unsigned char)t[i])) i++;
  if (i == s || isdigit((unsigned char)t[s])) {
    piece->is_async = piece->is_class = false;
    return;
  }
  piece->name = asl_malloc(i - s + 1);
  memcpy(piece->name, t + s, i - s);
  piece->name[i - s] = 0;
  piece->name_at = s;
  piece->hash = asl_word_hash(piece->name, i - s);
}

/* Does the text mention `asynclint` (a file-level noqa comment may sit in
 * any piece), in any case? */
static bool mentions_asynclint(const char *t, uint32_t len) {
  static const char word[] = "asynclint";
  for (uint32_t i = 0; i + sizeof word - 1 <= len; i++) {
    if ((t[i] | 0x20) != 'a') continue;
    uint32_t k = 1;
    while (k < sizeof word - 1 && (t[i + k] | 0x20) == word[k]) k++;
    if (k == sizeof word - 1) return true;
  }
  return false;
}

/* What the first unit needs to know of each piece. */
typedef struct Need {
  bool needed, hot;
  AslScan scan;       /* every word it spells */
  uint32_t next_same; /* the next piece of the same name hash, or NONE */
} Need;

/* The unparsed pieces by name hash, to find those a word names. */
typedef struct ByName {
  uint32_t *slots; /* piece index + 1 of the chain's first; 0 empty */
  uint32_t cap;
} ByName;

static uint32_t by_name_first(const ByName *b, const AslPiece *p,
                              uint32_t h) {
  for (uint32_t k = h & (b->cap - 1); b->slots[k]; k = (k + 1) & (b->cap - 1))
    if (p[b->slots[k] - 1].hash == h) return b->slots[k] - 1;
  return ASL_NONE;
}

static void by_name_build(ByName *b, const AslPiece *p, Need *nd,
                          uint32_t n) {
  b->cap = 16;
  while (b->cap < n * 2) b->cap *= 2;
  b->slots = asl_calloc(b->cap, sizeof *b->slots);
  for (uint32_t i = n; i-- > 0;) {
    if (!p[i].name || nd[i].needed) continue;
    uint32_t k = p[i].hash & (b->cap - 1);
    while (b->slots[k] && p[b->slots[k] - 1].hash != p[i].hash)
      k = (k + 1) & (b->cap - 1);
    nd[i].next_same = b->slots[k] ? b->slots[k] - 1 : ASL_NONE;
    b->slots[k] = i + 1;
  }
}

/* Marks every piece a needed def or class names (bare: `self.name` and
 * `mod.name` are attributes, never the module's binding), to a fixpoint:
 * a worklist, each piece's words read once. This only saves rounds (one
 * per step of a chain of helpers otherwise): a name the unit spells is
 * bound after the source anyway (see add_bindings), and the index asks
 * for its piece when a question needs it. The module-level code is left
 * out of the closure: it names what it registers, exports and
 * instantiates, often most of the module, and rarely what a question
 * walks into. */
static void close_over_names(const AslPiece *p, Need *nd, uint32_t n) {
  ByName by = {NULL, 0};
  by_name_build(&by, p, nd, n);
  AslVec(uint32_t) work = {0};
  for (uint32_t i = 0; i < n; i++)
    if (nd[i].needed && p[i].name) asl_vec_push(&work, i);
  while (work.len) {
    const Need *q = &nd[work.items[--work.len]];
    for (uint32_t w = 0; w < q->scan.nwords; w++) {
      if (!(q->scan.word_flags[w] & ASL_WORD_BARE)) continue;
      uint32_t k = by_name_first(&by, p, q->scan.words[w]);
      for (; k != ASL_NONE; k = nd[k].next_same) {
        if (nd[k].needed) continue;
        nd[k].needed = true;
        asl_vec_push(&work, k);
      }
    }
  }
  asl_vec_free(&work);
  asl_free(by.slots);
}

/* A piece spelling the name of a hot def or class may call a coroutine
 * function of the file (or subclass a class with async methods). */
static void mark_callers_of_hot(const AslPiece *p, Need *nd, uint32_t n) {
  AslWordSet names = {0};
  for (uint32_t h = 0; h < n; h++)
    if (nd[h].hot && p[h].name) asl_words_add(&names, p[h].hash);
  for (uint32_t i = 0; i < n && names.len; i++) {
    const AslScan *s = &nd[i].scan;
    for (uint32_t w = 0; w < s->nwords && !nd[i].needed; w++)
      if ((s->word_flags[w] & ASL_WORD_BARE) &&
          asl_words_has(&names, s->words[w]))
        nd[i].needed = true;
  }
  asl_words_free(&names);
}

/* Splits the file and scans each piece: false if a piece's words cannot
 * be trusted (a string that never ends). */
static bool split_and_scan(AslArena *a, const AslSource *src,
                           const AslWordSet *hot, AslPieceSet *set,
                           Need **need) {
  AslTopStatement *st;
  uint32_t n = asl_split_top_level(a, src, &st);
  set->items = asl_calloc(n, sizeof *set->items);
  set->by_hash = asl_malloc(sizeof *set->by_hash * (n + 1));
  set->len = n;
  Need *nd = asl_arena_alloc(a, sizeof *nd * n);
  memset(nd, 0, sizeof *nd * n);
  *need = nd;
  for (uint32_t i = 0; i < n; i++) {
    AslPiece *q = &set->items[i];
    q->start = st[i].start;
    q->end = i + 1 < n ? st[i + 1].start : src->len;
    describe_piece(src->text, q->end, st[i].head, q);
    set->by_hash[i] = (uint64_t)q->hash << 32 | i;
    asl_scan_whole(a, src->text + q->start, q->end - q->start, hot,
                   &nd[i].scan);
    if (nd[i].scan.nwords && nd[i].scan.words[0] == 0) return false;
    nd[i].hot = nd[i].scan.hot;
  }
  qsort(set->by_hash, n, sizeof *set->by_hash, asl_cmp_u64);
  return true;
}

/* Appends a binding for every def or class outside the unit after the
 * source (`def name(*a, **k): pass`), so that the unit's code resolves
 * those names as the module's, as a whole parse would (a module's own
 * `open` is not the builtin), and asks the index, which has their facts
 * or their placeholders. */
static void add_bindings(AslArena *a, const AslSource *src,
                         const AslPieceSet *set, const bool *in_unit,
                         AslUnit *u) {
  AslBuf b = {0};
  asl_buf_put(&b, src->text, src->len);
  if (src->len && src->text[src->len - 1] != '\n') asl_buf_putc(&b, '\n');
  uint32_t from = (uint32_t)b.len;
  for (uint32_t i = 0; i < set->len; i++) {
    const AslPiece *q = &set->items[i];
    if (!q->name || in_unit[i]) continue;
    if (q->is_class) asl_buf_printf(&b, "class %s: pass\n", q->name);
    else asl_buf_printf(&b, "%sdef %s(*a, **k): pass\n",
                        q->is_async ? "async " : "", q->name);
  }
  u->text = asl_arena_strndup(a, b.data ? b.data : "", b.len);
  u->len = (uint32_t)b.len;
  if (b.len > from) {
    u->bounds[2 * u->nranges] = from;
    u->bounds[2 * u->nranges + 1] = (uint32_t)b.len;
    u->nranges++;
  }
  asl_buf_free(&b);
}

/* tree-sitter's lexer finds the included range of a position by walking
 * the ranges from the first: a unit of thousands of ranges (a generated
 * module of one-line defs) would parse in quadratic time. */
enum { MAX_RANGES = 32 };

typedef struct Gap {
  uint32_t bytes, first, end; /* pieces [first, end) left out */
} Gap;

static int cmp_gap(const void *a, const void *b) {
  const Gap *x = a, *y = b;
  if (x->bytes != y->bytes) return x->bytes < y->bytes ? -1 : 1;
  return x->first < y->first ? -1 : x->first > y->first;
}

/* Fills the smallest gaps between the runs of pieces in the unit (with
 * the pieces there, parsed again if parsed before: a unit adds the facts
 * and findings of its new pieces only) until at most MAX_RANGES runs
 * are left. */
static void limit_ranges(AslArena *a, const AslPieceSet *set, bool *in_unit) {
  Gap *gaps = asl_arena_alloc(a, sizeof *gaps * (set->len / 2 + 1));
  uint32_t ngaps = 0, runs = 0;
  bool was_in = false;
  for (uint32_t i = 0; i < set->len; i++) {
    bool in = !set->items[i].name || in_unit[i];
    if (in && !was_in) {
      runs++;
      if (ngaps && gaps[ngaps - 1].end == 0) gaps[ngaps - 1].end = i;
    } else if (!in && was_in) {
      gaps[ngaps++] = (Gap){0, i, 0}; // interior if a run follows
    }
    if (!in && ngaps) gaps[ngaps - 1].bytes +=
        set->items[i].end - set->items[i].start;
    was_in = in;
  }
  if (ngaps && gaps[ngaps - 1].end == 0) ngaps--; // trailing: no run after
  if (runs <= MAX_RANGES) return;
  qsort(gaps, ngaps, sizeof *gaps, cmp_gap);
  for (uint32_t g = 0; g < ngaps && runs > MAX_RANGES; g++, runs--)
    for (uint32_t i = gaps[g].first; i < gaps[g].end; i++) in_unit[i] = true;
}

/* The first line after the source's own (1-based): where the bindings
 * add_bindings appends begin, which no unit's lines may hold (a trailing
 * line break opens no line of the source). */
static uint32_t lines_end(const AslSource *src) {
  bool broken = src->len && (src->text[src->len - 1] == '\n' ||
                             src->text[src->len - 1] == '\r');
  return src->nlines + (broken ? 0 : 1);
}

/* The unit of the pieces marked in `in_unit` (more, if they make too many
 * ranges), with the module-level code and the bindings of the other
 * pieces; marks them parsed. */
static void make_unit(AslArena *a, const AslSource *src, AslPieceSet *set,
                      bool *in_unit, AslUnit *u) {
  memset(u, 0, sizeof *u);
  limit_ranges(a, set, in_unit);
  u->bounds = asl_arena_alloc(a, sizeof *u->bounds * (2 * set->len + 2));
  u->lines = asl_arena_alloc(a, sizeof *u->lines * (2 * set->len + 2));
  for (uint32_t i = 0; i < set->len; i++) {
    AslPiece *q = &set->items[i];
    if (q->name && !in_unit[i]) continue;
    if (q->name && !q->parsed) { // new: its findings and facts count
      uint32_t l0 = asl_source_line_of(src, q->start) + 1;
      // (the last ends before the bindings appended after the source)
      uint32_t l1 = q->end >= src->len ? lines_end(src)
                                       : asl_source_line_of(src, q->end) + 1;
      u->lines[2 * u->nlines] = l0;
      u->lines[2 * u->nlines + 1] = l1;
      u->nlines++;
    }
    if (u->nranges && u->bounds[2 * u->nranges - 1] == q->start) {
      u->bounds[2 * u->nranges - 1] = q->end; // runs on from the last
    } else {
      u->bounds[2 * u->nranges] = q->start;
      u->bounds[2 * u->nranges + 1] = q->end;
      u->nranges++;
    }
    u->parsed += q->end - q->start;
  }
  add_bindings(a, src, set, in_unit, u);
  for (uint32_t i = 0; i < set->len; i++)
    if (in_unit[i]) set->items[i].parsed = true;
}

/* Does `want` ask for piece q (its words in scan s)? */
static bool wanted(const AslWant *want, const AslPiece *q, const AslScan *s) {
  return q->name && (want->all || asl_words_has(want->names, q->hash) ||
                     (want->w && asl_reach_spelled(want->w, want->match, s)));
}

/* May scan s use one of `words` (bare, in code)? */
static bool uses_any(const AslScan *s, const AslWordSet *words) {
  if (!words || !words->len) return false;
  for (uint32_t w = 0; w < s->nwords; w++)
    if (asl_word_used(s->word_flags[w]) && asl_words_has(words, s->words[w]))
      return true;
  return false;
}

bool asl_pieces_first(AslArena *a, const AslSource *src, const AslWordSet *hot,
                      const AslWant *want, AslPieceSet *set, AslUnit *unit) {
  memset(set, 0, sizeof *set);
  uint32_t min_file = want->min_size ? want->min_size : MIN_FILE;
  uint32_t min_skipped = want->min_size ? 1 : MIN_SKIPPED;
  if (src->len < min_file || mentions_asynclint(src->text, src->len))
    return false;
  Need *nd;
  bool ok = split_and_scan(a, src, hot, set, &nd);
  uint32_t n = set->len;
  for (uint32_t i = 0; ok && i < n; i++) {
    const AslPiece *q = &set->items[i];
    nd[i].needed = !q->name || nd[i].hot || wanted(want, q, &nd[i].scan) ||
                   uses_any(&nd[i].scan, want->spelled);
  }
  if (ok) {
    mark_callers_of_hot(set->items, nd, n);
    close_over_names(set->items, nd, n);
  }
  uint32_t skipped = 0;
  for (uint32_t i = 0; ok && i < n; i++)
    if (!nd[i].needed) skipped += set->items[i].end - set->items[i].start;
  for (uint32_t i = 0; i < n; i++) asl_scan_free(&nd[i].scan);
  if (!ok || skipped < min_skipped) {
    asl_pieces_free(set);
    return false;
  }
  bool *in_unit = asl_arena_alloc(a, n);
  for (uint32_t i = 0; i < n; i++) in_unit[i] = nd[i].needed;
  make_unit(a, src, set, in_unit, unit);
  unit->lines[0] = 1; // the first unit answers for the whole source
  unit->lines[1] = lines_end(src);
  unit->nlines = 1;
  return true;
}

bool asl_pieces_next(AslArena *a, const AslSource *src, const AslWordSet *hot,
                     const AslWant *want, AslPieceSet *set, AslUnit *unit) {
  bool *in_unit = asl_arena_alloc(a, set->len + 1);
  bool any = false;
  for (uint32_t i = 0; i < set->len; i++) {
    const AslPiece *q = &set->items[i];
    in_unit[i] = false;
    if (!q->name || q->parsed) continue;
    AslScan s = {0};
    if (want->w && !want->all && !asl_words_has(want->names, q->hash))
      asl_scan_whole(a, src->text + q->start, q->end - q->start, hot, &s);
    in_unit[i] = wanted(want, q, &s);
    asl_scan_free(&s);
    any |= in_unit[i];
  }
  if (!any && want->w) { // the words matched W together: take them all
    for (uint32_t i = 0; i < set->len; i++)
      in_unit[i] = set->items[i].name && !set->items[i].parsed;
    any = !asl_pieces_done(set);
  }
  if (!any) return false;
  make_unit(a, src, set, in_unit, unit);
  return true;
}

bool asl_pieces_has(const AslPieceSet *set, uint32_t name) {
  uint32_t k;
  ASL_LOWER_BOUND(k, set->len, mid, (set->by_hash[mid] >> 32) < name);
  for (; k < set->len && (set->by_hash[k] >> 32) == name; k++) {
    const AslPiece *q = &set->items[(uint32_t)set->by_hash[k]];
    if (q->name && !q->parsed) return true;
  }
  return false;
}

bool asl_pieces_done(const AslPieceSet *set) {
  for (uint32_t i = 0; i < set->len; i++)
    if (set->items[i].name && !set->items[i].parsed) return false;
  return true;
}

void asl_pieces_unparsed(AslArena *a, const AslSource *src,
                      const AslPieceSet *set, AslUnparsed **out, uint32_t *n) {
  *n = 0;
  *out = asl_arena_alloc(a, sizeof **out * (set->len + 1));
  for (uint32_t i = 0; i < set->len; i++) {
    const AslPiece *q = &set->items[i];
    if (!q->name || q->parsed) continue;
    uint32_t line = asl_source_line_of(src, q->name_at);
    AslUnparsed s = {q->name, line + 1,
                 q->name_at - src->line_starts[line] + 1};
    (*out)[(*n)++] = s;
  }
}

void asl_pieces_rest(AslArena *a, const AslSource *src,
                     const AslPieceSet *set, const AslWordSet *hot,
                     AslScan *out) {
  AslBuf b = {0};
  for (uint32_t i = 0; i < set->len; i++) {
    const AslPiece *q = &set->items[i];
    if (q->name && !q->parsed)
      asl_buf_put(&b, src->text + q->start, q->end - q->start);
  }
  asl_scan_whole(a, b.data ? b.data : "", b.len, hot, out);
  asl_buf_free(&b);
}

void asl_pieces_free(AslPieceSet *set) {
  for (uint32_t i = 0; i < set->len; i++) asl_free(set->items[i].name);
  asl_free(set->items);
  asl_free(set->by_hash);
  memset(set, 0, sizeof *set);
}
