/*
 * prefilter.c - the identifier scan and the word sets that decide which
 * files are parsed (see prefilter.h for why this is sound).
 */
#include "prefilter.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Words any pass looks for in a file's own code. */
static const char *const fixed_hot_words[] = {
    "async", "await", "asyncio", "create_task", "ensure_future", NULL};

/* ---- hashing -----------------------------------------------------------
 * A word is hashed 16 bytes at a time, the last chunk padded with zero
 * bytes, so that the scan can hash a name of up to 16 bytes from one
 * masked load, with no loop whose end depends on its length (the scan's
 * time goes mostly to branches it cannot predict). Never 0: 0 marks empty
 * slots. */

static uint32_t nonzero(uint32_t h) { return h ? h : 1; }

static uint64_t load64(const void *p) {
  uint64_t x;
  memcpy(&x, p, sizeof x);
  return x;
}

static const uint64_t HASH_SEED = 0x243F6A8885A308D3ull;

static uint64_t hash_chunk(uint64_t acc, uint64_t lo, uint64_t hi) {
  acc = (acc ^ lo) * 0x9E3779B97F4A7C15ull;
  acc = (acc ^ (acc >> 29) ^ hi) * 0xC2B2AE3D27D4EB4Full;
  return acc ^ (acc >> 32);
}

static uint32_t hash_finish(uint64_t acc, size_t n) {
  acc = (acc ^ n) * 0xFF51AFD7ED558CCDull;
  return nonzero((uint32_t)(acc ^ (acc >> 32)));
}

uint32_t asl_word_hash(const char *s, size_t n) {
  uint64_t acc = HASH_SEED;
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    acc = hash_chunk(acc, load64(s + i), load64(s + i + 8));
  if (i < n) {
    unsigned char tail[16] = {0};
    memcpy(tail, s + i, n - i);
    acc = hash_chunk(acc, load64(tail), load64(tail + 8));
  }
  return hash_finish(acc, n);
}

/* keep_first[n]: the masks that keep the first n of 16 loaded bytes (as
 * two 64-bit halves, whatever the byte order). */
static uint64_t keep_first[17][2];

static void fill_keep_first(void) {
  for (int n = 0; n <= 16; n++) {
    unsigned char m[16];
    memset(m, 0xff, (size_t)n);
    memset(m + n, 0, (size_t)(16 - n));
    keep_first[n][0] = load64(m);
    keep_first[n][1] = load64(m + 8);
  }
}

/* asl_word_hash of s[0..n), where `room` bytes from s may be read: a
 * short word with 16 to read is one masked load. */
static uint32_t hash_at(const unsigned char *s, size_t n, size_t room) {
  if (n == 0 || n > 16 || room < 16) return asl_word_hash((const char *)s, n);
  return hash_finish(hash_chunk(HASH_SEED, load64(s) & keep_first[n][0],
                                load64(s + 8) & keep_first[n][1]),
                     n);
}

/* ---- word sets ---------------------------------------------------------- */

static void words_grow(AslWordSet *w) {
  uint32_t cap = w->cap ? w->cap * 2 : 64;
  uint32_t *slots = asl_calloc(cap, sizeof *slots);
  for (uint32_t i = 0; i < w->cap; i++) {
    uint32_t h = w->slots[i];
    if (!h) continue;
    uint32_t k = h & (cap - 1);
    while (slots[k]) k = (k + 1) & (cap - 1);
    slots[k] = h;
  }
  asl_free(w->slots);
  w->slots = slots;
  w->cap = cap;
}

bool asl_words_has(const AslWordSet *w, uint32_t h) {
  if (!w->cap) return false;
  for (uint32_t k = h & (w->cap - 1); w->slots[k]; k = (k + 1) & (w->cap - 1))
    if (w->slots[k] == h) return true;
  return false;
}

bool asl_words_add(AslWordSet *w, uint32_t h) {
  if (asl_words_has(w, h)) return false;
  if ((w->len + 1) * 2 > w->cap) words_grow(w);
  uint32_t k = h & (w->cap - 1);
  while (w->slots[k]) k = (k + 1) & (w->cap - 1);
  w->slots[k] = h;
  w->len++;
  return true;
}

void asl_words_free(AslWordSet *w) {
  asl_free(w->slots);
  memset(w, 0, sizeof *w);
}

static void add_word(AslWordSet *w, const char *s) {
  asl_words_add(w, asl_word_hash(s, strlen(s)));
}

void asl_words_hot(const AslOptions *opt, const char *const *extra,
                   AslWordSet *out) {
  memset(out, 0, sizeof *out);
  for (const char *const *s = fixed_hot_words; *s; s++) add_word(out, *s);
  for (const char *const *s = extra; s && *s; s++) add_word(out, *s);
  for (uint32_t i = 0; i < opt->known_coroutines.len; i++) {
    const char *name = opt->known_coroutines.items[i];
    const char *dot = strchr(name, '.');
    asl_words_add(out, asl_word_hash(name, dot ? (size_t)(dot - name)
                                               : strlen(name)));
  }
  // A def a loop-callback decorator marks runs on the loop: its file
  // spells the decorator's last component (`@callback`, or its import).
  for (uint32_t i = 0; i < opt->loop_callback_decorators.len; i++) {
    const char *name = opt->loop_callback_decorators.items[i];
    const char *dot = strrchr(name, '.');
    add_word(out, dot ? dot + 1 : name);
  }
}

/* ---- the scan ----------------------------------------------------------- */

enum { C_OTHER, C_DIGIT, C_ASCII, C_HIGH };

/* Identifier bytes: ASCII letters, digits and `_`, and every byte of a
 * multi-byte character (Python allows Unicode letters in names). */
static unsigned char byte_class[256];

/* Bytes the scan may pass over in one tight loop: in code, those that are
 * neither a word, a quote, a comment, a bracket nor a statement's end
 * (blanks and most operators); in a string body, those that neither end
 * it nor escape, and in an f-string, nor open or close a field. */
static bool blank[256], inert_in_code[256], inert_in_string[2][256];

/* ASCII identifier bytes (letters, digits, `_`): a name's fast path. */
static bool ascii_ident[256];

/* What a byte starts in code: the scan's one dispatch on it. */
enum { X_BLANK, X_INERT, X_COMMENT, X_QUOTE, X_PUNCT, X_WORD };
static unsigned char in_code[256];

static void fill_classes(void) {
  for (int c = 0; c < 256; c++) {
    unsigned char k = C_OTHER;
    if (c >= '0' && c <= '9') k = C_DIGIT;
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
      k = C_ASCII;
    else if (c >= 0x80) k = C_HIGH;
    byte_class[c] = k;
    bool ends_line = c == '\n' || c == '\r', quote = c == '"' || c == '\'';
    blank[c] = c == ' ' || c == '\t' || c == '\f';
    inert_in_code[c] = k == C_OTHER && !ends_line && !quote && !blank[c] &&
                       !strchr("#()[]{};:\\.", c);
    inert_in_string[0][c] = !ends_line && !quote && c != '\\';
    inert_in_string[1][c] = inert_in_string[0][c] && c != '{' && c != '}';
    ascii_ident[c] = k == C_ASCII || k == C_DIGIT;
    in_code[c] = blank[c]           ? X_BLANK
                 : inert_in_code[c] ? X_INERT
                 : c == '#'         ? X_COMMENT
                 : quote            ? X_QUOTE
                 : k == C_OTHER     ? X_PUNCT
                                    : X_WORD;
  }
}

static uint32_t import_word, from_word, as_word, class_word, def_word;

static void init_words(void) {
  fill_classes();
  fill_keep_first();
  import_word = asl_word_hash("import", 6);
  from_word = asl_word_hash("from", 4);
  as_word = asl_word_hash("as", 2);
  class_word = asl_word_hash("class", 5);
  def_word = asl_word_hash("def", 3);
}

static void init_classes(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, init_words);
}

/* A growable array of hashes. */
typedef AslVec(uint32_t) HashVec;

/* The distinct words of one scan: open addressing in the file's arena,
 * each with flags (seen; seen where a module is named; bound by a
 * from-import; seen in code; seen in a class statement's header). */
enum { SEEN = 1, AS_MODULE = 2, IMPORTED = 4, IN_CODE = ASL_WORD_IN_CODE,
       IN_CLASS = ASL_WORD_IN_CLASS, BARE = ASL_WORD_BARE,
       DEFINED = ASL_WORD_DEFINED };
typedef struct WordTable {
  AslArena *arena;
  uint32_t *slots;
  uint8_t *flags;
  uint32_t cap, len;
} WordTable;

static void table_init(WordTable *t, AslArena *a, uint32_t cap) {
  t->arena = a;
  t->cap = cap;
  t->len = 0;
  t->slots = asl_arena_alloc(a, sizeof *t->slots * cap);
  t->flags = asl_arena_alloc(a, cap);
  memset(t->slots, 0, sizeof *t->slots * cap);
  memset(t->flags, 0, cap);
}

static void table_put(WordTable *t, uint32_t h, uint8_t flag);

static void table_grow(WordTable *t) {
  WordTable old = *t;
  table_init(t, old.arena, old.cap * 2);
  for (uint32_t i = 0; i < old.cap; i++)
    if (old.slots[i]) table_put(t, old.slots[i], old.flags[i]);
}

static void table_put(WordTable *t, uint32_t h, uint8_t flag) {
  uint32_t k = h & (t->cap - 1);
  while (t->slots[k] && t->slots[k] != h) k = (k + 1) & (t->cap - 1);
  if (!t->slots[k]) {
    if ((t->len + 1) * 2 > t->cap) {
      table_grow(t);
      table_put(t, h, flag);
      return;
    }
    t->slots[k] = h;
    t->len++;
  }
  t->flags[k] |= flag;
}

/* Where a scan puts the words it finds. `code` is false inside a plain
 * string: its words may still name a class (a string annotation,
 * `x: "Client"`), but they never make the file hot. `as_module` says the
 * word may name a module: it stands next to a dot, which is how a file
 * names a module it uses. `trust_nothing`: a word may be anything (in an
 * import, a class header, after `def`). Words in code proper are put by
 * scan_word, with flags from where the code is. */
typedef struct ScanState {
  const AslWordSet *hot;
  uint64_t hot_bits; /* bit (h & 63) of each hot word: most words miss */
  bool hot_found, wild, keep, code, as_module, trust_nothing, whole;
  WordTable words;
  HashVec stars;      /* `from ... M import *`: M's word; 0: relative */
  AslVec(bool) stars_relative; /* per star: `from .M import *` */
  uint32_t last_word; /* the word before the current one, in code */
} ScanState;

static uint64_t hot_bits_of(const AslWordSet *hot) {
  uint64_t bits = 0;
  for (uint32_t k = 0; k < hot->cap; k++)
    if (hot->slots[k]) bits |= (uint64_t)1 << (hot->slots[k] & 63);
  return bits;
}

/* Word h (not 0) seen with `flags`. */
static void put_word(ScanState *st, uint32_t h, uint8_t flags) {
  if ((flags & IN_CODE) && (st->hot_bits >> (h & 63) & 1) &&
      asl_words_has(st->hot, h))
    st->hot_found = true;
  if (st->keep) table_put(&st->words, h, flags);
}

/* The flags of a word emit_runs finds: in a string, or in text that
 * cannot be trusted. */
static uint8_t flags_in_text(const ScanState *st) {
  return SEEN | BARE | (st->as_module || st->trust_nothing ? AS_MODULE : 0) |
         (st->code ? IN_CODE : 0) |
         (st->trust_nothing ? IMPORTED | IN_CLASS | DEFINED : 0);
}

/* A run with a multi-byte character: Python splits it wherever a
 * character is not a letter (a no-break space before `await`), which this
 * scan cannot tell without Unicode tables. Every span between the places
 * where the run switches between ASCII and non-ASCII bytes is a word; in
 * code, a run with too many such places makes the file match every word
 * set (in a string, prose: it is skipped). */
static void emit_mixed_run(ScanState *st, const unsigned char *s, size_t n,
                           uint8_t flags) {
  enum { MAX_CUTS = 10, MAX_LEN = 256 };
  size_t cuts[MAX_CUTS + 2];
  uint32_t ncuts = 0;
  cuts[ncuts++] = 0;
  for (size_t i = 1; i < n; i++) {
    if ((byte_class[s[i]] == C_HIGH) == (byte_class[s[i - 1]] == C_HIGH))
      continue;
    if (ncuts == MAX_CUTS || n > MAX_LEN) {
      if (st->code) st->wild = true;
      return;
    }
    cuts[ncuts++] = i;
  }
  cuts[ncuts++] = n;
  for (uint32_t a = 0; a + 1 < ncuts; a++)
    for (uint32_t b = a + 1; b < ncuts; b++)
      put_word(st,
               asl_word_hash((const char *)s + cuts[a], cuts[b] - cuts[a]),
               flags);
}

/* A run starting with a digit longer than this is data (a long hex
 * literal), not a number glued to a name: in code it makes the file match
 * every word set (as emit_mixed_run does), which bounds the suffixes
 * emit_run hashes. */
enum { MAX_NUMBER_RUN = 256 };

/* One maximal run of identifier bytes, seen with `flags`; returns the
 * hash of the whole run. A plain name is one word; a run that starts with
 * a digit is a number glued to a name, and where the number ends depends
 * on its syntax (`0x1f`, `1e5`, `1j`), so every suffix that starts with a
 * letter is a word too. `high`: the run has a byte of a multi-byte
 * character. */
static uint32_t emit_run(ScanState *st, const unsigned char *s, size_t n,
                         size_t room, bool high, uint8_t flags) {
  uint32_t whole = hash_at(s, n, room);
  if (high) {
    emit_mixed_run(st, s, n, flags);
  } else if (byte_class[s[0]] != C_DIGIT) {
    put_word(st, whole, flags);
  } else if (n > MAX_NUMBER_RUN) {
    if (st->code) st->wild = true;
  } else {
    put_word(st, whole, flags);
    for (size_t i = 1; i < n; i++)
      if (byte_class[s[i]] != C_DIGIT)
        put_word(st, hash_at(s + i, n - i, room - i), flags);
  }
  return whole;
}

/* Is the byte before s[i] (past blanks) a dot, or the byte at s[end]
 * (past blanks) one? Then the word between names a module or a member. */
static bool next_to_dot(const unsigned char *s, size_t len, size_t i,
                        size_t end) {
  while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t')) i--;
  if (i > 0 && s[i - 1] == '.') return true;
  while (end < len && (s[end] == ' ' || s[end] == '\t')) end++;
  return end < len && s[end] == '.';
}

/* Every run of identifier bytes in s[0..n) (the body of a string);
 * `room` bytes from s may be read. */
static void emit_runs(ScanState *st, const unsigned char *s, size_t n,
                      size_t room) {
  size_t i = 0;
  while (i < n) {
    if (byte_class[s[i]] == C_OTHER) {
      i++;
      continue;
    }
    size_t start = i;
    bool high = false;
    for (unsigned char k; i < n && (k = byte_class[s[i]]) != C_OTHER; i++)
      high |= k == C_HIGH;
    st->as_module = next_to_dot(s, n, start, i);
    emit_run(st, s + start, i - start, room - start, high,
             flags_in_text(st));
  }
}

/* Is s[0..n) a string prefix (r, b, u, f and their pairs, any case)?
 * Sets *fstring when it has an f. */
static bool string_prefix(const unsigned char *s, size_t n, bool *fstring) {
  if (n == 0 || n > 2) return false;
  bool seen[4] = {false, false, false, false}; // r b u f
  for (size_t i = 0; i < n; i++) {
    const char *k = strchr("rbuf", s[i] | 0x20);
    if (!k || !*k || seen[k - "rbuf"]) return false;
    seen[k - "rbuf"] = true;
  }
  if (n == 2 && !seen[0]) return false; // only rb, br, rf, fr pair up
  *fstring = seen[3];
  return true;
}

/* Plain strings longer than this are prose, never an annotation. */
enum { MAX_ANNOTATION = 256 };

/* Could a plain string be an annotation ("Client", "pkg.Client | None")?
 * Names, dots, blanks and `|` only: prose and data are skipped. */
static bool annotation_shaped(const unsigned char *s, size_t n) {
  if (n > MAX_ANNOTATION) return false;
  for (size_t i = 0; i < n; i++)
    if (byte_class[s[i]] == C_OTHER && s[i] != '.' && s[i] != ' ' &&
        s[i] != '|')
      return false;
  return true;
}

/* Strings nested in f-string replacement fields deeper than this are
 * not followed: the scan then trusts nothing (see asl_scan). */
enum { MAX_NESTING = 8 };

static size_t scan_string(ScanState *st, const unsigned char *s, size_t len,
                          size_t i, bool fstring, int nesting,
                          bool *unterminated);

/* The length of a line continuation or escape at s[j] (a backslash). */
static size_t escape_len(const unsigned char *s, size_t len, size_t j) {
  return (j + 2 < len && s[j + 1] == '\r' && s[j + 2] == '\n') ? 3 : 2;
}

/* Is s[j] the closing quote (or quotes) of a string opened with q? */
static bool closes(const unsigned char *s, size_t len, size_t j,
                   unsigned char q, bool triple) {
  return s[j] == q &&
         (!triple || (j + 2 < len && s[j + 1] == q && s[j + 2] == q));
}

/* Inside an f-string's replacement field at s[j], a quote opens a string
 * of its own (Python 3.12 lets it reuse the outer quote): is it one, and
 * is it an f-string (a prefix with f just before it)? */
static bool nested_quote(const unsigned char *s, size_t body, size_t j,
                         bool *fstring) {
  if (s[j] != '"' && s[j] != '\'') return false;
  size_t k = j;
  while (k > body && j - k < 3 && byte_class[s[k - 1]] != C_OTHER) k--;
  *fstring = false;
  if (k < j && (k == body || byte_class[s[k - 1]] == C_OTHER))
    string_prefix(s + k, j - k, fstring);
  return true;
}

/* The end of the string whose quote is at s[i]: *end is where its body
 * stops, the return value the index after it (len when it never ends;
 * *unterminated then for a triple-quoted one or too deep a nesting). In
 * an f-string, braces open replacement fields, whose strings are scanned
 * (their words emitted) as strings of their own. */
static size_t string_end(ScanState *st, const unsigned char *s, size_t len,
                         size_t i, bool fstring, int nesting, size_t *body_at,
                         size_t *end, bool *unterminated) {
  unsigned char q = s[i];
  bool triple = i + 2 < len && s[i + 1] == q && s[i + 2] == q;
  size_t body = i + (triple ? 3 : 1), j = body;
  *body_at = body;
  uint32_t depth = 0; // open braces of replacement fields
  const bool *inert = inert_in_string[fstring];
  while (j < len && !*unterminated) {
    unsigned char c = s[j];
    bool inner_f;
    if (inert[c]) {
      while (++j < len && inert[s[j]]) {
      }
    } else if (c == '\\') {
      j += escape_len(s, len, j);
    } else if (depth == 0 && closes(s, len, j, q, triple)) {
      *end = j;
      return j + (triple ? 3 : 1);
    } else if (depth == 0 && !triple && (c == '\n' || c == '\r')) {
      *end = j; // unterminated: Python stops at the line's end
      return j;
    } else if (fstring && c == '{' && depth == 0 && j + 1 < len &&
               s[j + 1] == '{') {
      j += 2; // an escaped brace
    } else if (fstring && c == '{') {
      depth++, j++;
    } else if (fstring && c == '}' && depth > 0) {
      depth--, j++;
    } else if (depth > 0 && nested_quote(s, body, j, &inner_f)) {
      if (nesting >= MAX_NESTING) *unterminated = true;
      else j = scan_string(st, s, len, j, inner_f, nesting + 1, unterminated);
    } else {
      j++;
    }
  }
  if (triple || depth > 0 || *unterminated) *unterminated = true;
  *end = len;
  return len;
}

/* The string whose opening quote is at s[i]: emits its words (an
 * f-string's as code: its braces hold expressions) and returns the index
 * after it, or `len` with *unterminated set when a triple-quoted string or
 * a replacement field never ends (the caller then trusts nothing: a
 * parser may read the rest as code). */
static size_t scan_string(ScanState *st, const unsigned char *s, size_t len,
                          size_t i, bool fstring, int nesting,
                          bool *unterminated) {
  size_t body, end;
  size_t next = string_end(st, s, len, i, fstring, nesting, &body, &end,
                           unterminated);
  if (*unterminated) return len;
  // An f-string's words count as code, and as module names: a broken one
  // may run over lines a parser reads as code, imports included.
  bool was_code = st->code, was_trusting = st->trust_nothing;
  st->code = st->trust_nothing = fstring;
  if (fstring || annotation_shaped(s + body, end - body))
    emit_runs(st, s + body, end - body, len - body);
  st->code = was_code;
  st->trust_nothing = was_trusting;
  return next;
}

/* Does `*` follow at s[i], past blanks and line continuations? */
static bool star_follows(const unsigned char *s, size_t len, size_t i) {
  while (i < len) {
    if (s[i] == ' ' || s[i] == '\t' || s[i] == '\f') i++;
    else if (s[i] == '\\' && i + 1 < len && s[i + 1] == '\n') i += 2;
    else if (s[i] == '\\' && i + 2 < len && s[i + 1] == '\r')
      i += 2 + (s[i + 2] == '\n');
    else break;
  }
  return i < len && s[i] == '*';
}

/* Where the scan is in the code: brackets open, whether the current
 * statement is an import (`import` or `from` seen in it), past its
 * `import` keyword (the names it binds follow), whether it is in a
 * class statement's header (`class Name(Bases):`), and whether the last
 * token was a dot (`pkg.mod`, also across lines in brackets). */
typedef struct Where {
  int depth;
  bool in_import, past_import, from_import, from_relative, in_class,
      after_dot;
} Where;

static void end_statement(Where *w) {
  w->in_import = w->past_import = w->from_import = w->from_relative =
      w->in_class = w->after_dot = false;
}

/* Is the next token at s[i] a dot: past blanks, line continuations and,
 * inside brackets, line ends and comments (`(session\n  .query())`)? */
static bool dot_follows(const unsigned char *s, size_t len, size_t i,
                        bool in_brackets) {
  while (i < len) {
    unsigned char c = s[i];
    if (blank[c]) {
      i++;
    } else if (c == '\\' && i + 1 < len &&
               (s[i + 1] == '\n' || s[i + 1] == '\r')) {
      i += escape_len(s, len, i); // a line continuation (CRLF too)
    } else if (in_brackets && (c == '\n' || c == '\r')) {
      i++;
    } else if (in_brackets && c == '#') {
      while (i < len && s[i] != '\n' && s[i] != '\r') i++;
    } else {
      return c == '.';
    }
  }
  return false;
}

/* Punctuation: brackets, and the end of a statement. A line end inside
 * brackets or after a backslash continues the statement (and a dot before
 * it still reaches the name after it). */
static void step_other(Where *w, const unsigned char *s, size_t i) {
  unsigned char c = s[i];
  if (c == '.') {
    w->after_dot = true;
  } else if (c == '\n' || c == '\r') {
    bool escaped = (i > 0 && s[i - 1] == '\\') ||
                   (c == '\n' && i > 1 && s[i - 1] == '\r' && s[i - 2] == '\\');
    if (w->depth == 0 && !escaped) end_statement(w);
  } else {
    w->after_dot = false;
    if (c == '(' || c == '[' || c == '{') w->depth++;
    else if ((c == ')' || c == ']' || c == '}') && w->depth > 0) w->depth--;
    else if (c == ';' || (c == ':' && w->depth == 0 && w->in_class))
      end_statement(w);
  }
}

#if defined(__SSE2__)
/* Bit k set when byte k of the 16 at p is an ASCII identifier byte. */
static unsigned ident_bits16(const unsigned char *p) {
  const __m128i bias = _mm_set1_epi8((char)0x80);
  __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
  // x - lo < n, unsigned, as a signed compare of both sides biased
  __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
  __m128i letter = _mm_cmplt_epi8(
      _mm_add_epi8(_mm_sub_epi8(lower, _mm_set1_epi8('a')), bias),
      _mm_set1_epi8((char)(0x80 + 26)));
  __m128i digit = _mm_cmplt_epi8(
      _mm_add_epi8(_mm_sub_epi8(v, _mm_set1_epi8('0')), bias),
      _mm_set1_epi8((char)(0x80 + 10)));
  __m128i under = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
  return (unsigned)_mm_movemask_epi8(
      _mm_or_si128(_mm_or_si128(letter, digit), under));
}
#endif

/* Where the ASCII identifier bytes from s[i] end: 16 at a time where the
 * machine can, so that a name's length costs no mispredicted branch. */
static size_t ident_end(const unsigned char *s, size_t len, size_t i) {
#if defined(__SSE2__)
  for (; i + 16 <= len; i += 16) {
    unsigned other = ~ident_bits16(s + i) & 0xFFFFu;
    if (other) return i + (size_t)__builtin_ctz(other);
  }
#endif
  while (i < len && ascii_ident[s[i]]) i++;
  return i;
}

/* One run of identifier bytes in code (a name, keyword or number), or a
 * string prefix with its string; returns the index after it. */
static size_t scan_word(ScanState *st, Where *w, const unsigned char *s,
                        size_t len, size_t start, bool *unterminated) {
  size_t i = ident_end(s, len, start);
  bool high = false;
  for (unsigned char k; i < len && (k = byte_class[s[i]]) != C_OTHER; i++)
    high |= k == C_HIGH; // a multi-byte character: the slow path
  bool fstring = false;
  if (i < len && (s[i] == '"' || s[i] == '\'') &&
      string_prefix(s + start, i - start, &fstring)) {
    w->after_dot = false;
    return scan_string(st, s, len, i, fstring, 0, unterminated);
  }
  // The names a from-import binds; in `import a.b as x`, the module `b`
  // bound as x (a plain `import a.b` binds `a`, spelled by its users).
  bool as_module = w->in_import || w->after_dot ||
                   dot_follows(s, len, i, w->depth > 0);
  bool defined = st->last_word == def_word || st->last_word == class_word;
  uint8_t flags = SEEN | IN_CODE | (as_module ? AS_MODULE : 0) |
                  (w->past_import && w->from_import ? IMPORTED : 0) |
                  (w->in_class ? IN_CLASS : 0) | (defined ? DEFINED : 0) |
                  (w->after_dot ? 0 : BARE);
  uint32_t word;
  if (high || byte_class[s[start]] == C_DIGIT) {
    word = emit_run(st, s + start, i - start, len - start, high, flags);
  } else { // a name (emit_run's first case, without the call)
    word = hash_at(s + start, i - start, len - start);
    put_word(st, word, flags);
  }
  w->after_dot = false;
  if (word == class_word) w->in_class = true;
  if (word == as_word && w->past_import && !w->from_import && st->keep)
    table_put(&st->words, st->last_word, IMPORTED);
  if (word == from_word && !w->in_import) {
    w->from_import = true;
    w->from_relative = dot_follows(s, len, i, false); // `from .m import`
  }
  if (word == import_word || word == from_word) w->in_import = true;
  if (word == import_word) w->past_import = true;
  if (word == import_word && star_follows(s, len, i)) {
    asl_vec_push(&st->stars, st->last_word == from_word ? 0 : st->last_word);
    asl_vec_push(&st->stars_relative, w->from_relative);
  }
  st->last_word = word;
  return i;
}

/* Where the line holding s[i] ends (its \n or \r, or len): memchr finds
 * a \n many bytes at a time, and a comment seldom holds a \r. */
static size_t line_end(const unsigned char *s, size_t len, size_t i) {
  const unsigned char *nl = memchr(s + i, '\n', len - i);
  size_t end = nl ? (size_t)(nl - s) : len;
  const unsigned char *cr = memchr(s + i, '\r', end - i);
  return cr ? (size_t)(cr - s) : end;
}

/* The scan proper: code, comments (skipped) and strings. Returns false
 * when a triple-quoted string never ends. */
static bool scan_code(ScanState *st, const unsigned char *s, size_t len) {
  size_t i = 0;
  bool unterminated = false;
  Where w = {0, false, false, false, false, false, false};
  while (i < len && !unterminated) {
    unsigned char c = s[i], k = in_code[c];
    if (k == X_WORD) {
      i = scan_word(st, &w, s, len, i, &unterminated);
      if (st->hot_found && !st->whole) break; // parsed at once: words unneeded
    } else if (k == X_BLANK) {
      while (++i < len && blank[s[i]]) {
      }
    } else if (k == X_PUNCT) {
      step_other(&w, s, i);
      i++;
    } else if (k == X_INERT) {
      w.after_dot = false; // an operator
      while (++i < len && inert_in_code[s[i]]) {
      }
    } else if (k == X_QUOTE) {
      i = scan_string(st, s, len, i, false, 0, &unterminated);
      w.after_dot = false;
      if (st->hot_found && !st->whole) break; // (an f-string's)
    } else {
      i = line_end(s, len, i); // a comment
    }
  }
  return !unterminated;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* The words of the table with `flag`, sorted, on the heap. */
static uint32_t *sorted_words(const WordTable *t, uint8_t flag, uint32_t *n) {
  uint32_t count = 0;
  for (uint32_t i = 0; i < t->cap; i++) count += (t->flags[i] & flag) != 0;
  *n = count;
  if (!count) return NULL;
  uint32_t *out = asl_malloc(sizeof *out * count), k = 0;
  for (uint32_t i = 0; i < t->cap; i++)
    if (t->flags[i] & flag) out[k++] = t->slots[i];
  if (count < 64) qsort(out, count, sizeof *out, cmp_u32);
  else asl_sort_by_u32_key(out, count, sizeof *out);
  return out;
}

/* The flags of each of the n words (in the table), on the heap. */
static uint8_t *flags_of(const WordTable *t, const uint32_t *words,
                         uint32_t n) {
  if (!n) return NULL;
  uint8_t *out = asl_malloc(n);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t k = words[i] & (t->cap - 1);
    while (t->slots[k] != words[i]) k = (k + 1) & (t->cap - 1);
    out[i] = t->flags[k];
  }
  return out;
}

/* The scan's words with `flag`, in order, on the heap. */
static uint32_t *words_with(const AslScan *s, uint8_t flag, uint32_t *n) {
  uint32_t count = 0;
  for (uint32_t i = 0; i < s->nwords; i++)
    count += (s->word_flags[i] & flag) != 0;
  *n = count;
  if (!count) return NULL;
  uint32_t *out = asl_malloc(sizeof *out * count), k = 0;
  for (uint32_t i = 0; i < s->nwords; i++)
    if (s->word_flags[i] & flag) out[k++] = s->words[i];
  return out;
}

static bool sorted_has(const uint32_t *v, uint32_t n, uint32_t h);

/* The two bits of word h in a 512-bit Bloom filter. */
static void module_bits_add(uint64_t *bits, uint32_t h) {
  bits[(h >> 6) & 7] |= (uint64_t)1 << (h & 63);
  bits[(h >> 23) & 7] |= (uint64_t)1 << ((h >> 17) & 63);
}

static bool module_bits_have(const uint64_t *bits, uint32_t h) {
  return (bits[(h >> 6) & 7] >> (h & 63) & 1) &&
         (bits[(h >> 23) & 7] >> ((h >> 17) & 63) & 1);
}

/* Is h one of the file's module words? */
static bool names_word(const AslScan *s, uint32_t h) {
  return module_bits_have(s->module_bits, h) &&
         sorted_has(s->module_words, s->nmodule_words, h);
}

static void scan(AslArena *scratch, const char *text, size_t len,
                 const AslWordSet *hot, bool keep_words, bool whole,
                 AslScan *out) {
  init_classes();
  memset(out, 0, sizeof *out);
  ScanState st = {hot,   hot_bits_of(hot), false, false, keep_words, true,
                  false, false, whole, {0},  {0},   {0}, 0};
  // A file's pieces (pieces.c, `whole`) may be many and small: their
  // tables start as small as their text.
  uint32_t cap = whole ? 16 : 256;
  while (cap < 256 && cap * 8 < len) cap *= 2;
  if (keep_words) table_init(&st.words, scratch, cap);
  const unsigned char *s = (const unsigned char *)text;
  // A NUL byte ends a comment or a string for tree-sitter's lexer (CPython
  // refuses such a file): what follows it may be code, as after a string
  // that never ends.
  if (memchr(s, 0, len) || !scan_code(&st, s, len)) {
    // A string that never ends: every byte may be code to a parser, and
    // every word may name a module (an import the string seemed to hold).
    if (keep_words) table_init(&st.words, scratch, 256);
    st.hot_found = st.wild = false;
    st.code = st.trust_nothing = true;
    emit_runs(&st, s, len, len);
    st.stars.len = st.stars_relative.len = 0;
    asl_vec_push(&st.stars, 0); // may import anything
    asl_vec_push(&st.stars_relative, true);
  }
  out->hot = st.hot_found;
  if ((st.hot_found && !whole) || !keep_words) {
    asl_vec_free(&st.stars);
    asl_vec_free(&st.stars_relative);
    return;
  }
  out->stars = st.stars.items;
  out->stars_relative = st.stars_relative.items;
  out->nstars = st.stars.len;
  if (st.wild) {
    // Matches everything: one reserved hash stands for "any word".
    out->words = asl_malloc(sizeof(uint32_t));
    out->words[0] = 0;
    out->nwords = 1;
    return;
  }
  // Every word in the table was seen (IMPORTED marks a word seen before
  // it): the other lists are the sorted words with their flag.
  out->words = sorted_words(&st.words, SEEN, &out->nwords);
  out->word_flags = flags_of(&st.words, out->words, out->nwords);
  out->module_words = words_with(out, AS_MODULE, &out->nmodule_words);
  for (uint32_t i = 0; i < out->nmodule_words; i++)
    module_bits_add(out->module_bits, out->module_words[i]);
  out->imported_words = words_with(out, IMPORTED, &out->nimported_words);
}

void asl_scan(AslArena *scratch, const char *text, size_t len,
              const AslWordSet *hot, bool keep_words, AslScan *out) {
  scan(scratch, text, len, hot, keep_words, false, out);
}

void asl_scan_whole(AslArena *scratch, const char *text, size_t len,
                    const AslWordSet *hot, AslScan *out) {
  scan(scratch, text, len, hot, true, true, out);
}

void asl_scan_free(AslScan *s) {
  asl_free(s->words);
  asl_free(s->word_flags);
  asl_free(s->module_words);
  asl_free(s->imported_words);
  asl_free(s->stars);
  asl_free(s->stars_relative);
  memset(s, 0, sizeof *s);
}

/* ---- the reach set W -----------------------------------------------------
 * A cold file F can hold an ASL1xx finding only through a call the index
 * resolves to a coroutine function. rules/callee.c names every callee by
 * what F spells: a function (`send`, `mail.send`, an alias of it), or a
 * method through its class (`Client()`, an annotation, `self` in a class
 * whose bases F spells). The index starts from a module F names in an
 * import (so F spells its last component: `from app.mail import send`,
 * `from .mail import send`) or from a package F sits in (`from . import
 * send`), then follows imports, star imports and bases, each step spelled
 * in the file it leaves: `from m import send as notify` spells `send` and
 * `m`; `class Pool(Base)` spells `Base`.
 *
 * So W holds words with the modules that bind them: seeds (a module-level
 * async def, a class with an async method, a name bound from a hot module
 * outside the project, whose coroutines the catalog knows) and what
 * aliases, subclasses and star re-exports make of them. A cold file is
 * parsed when it spells a word of W and the last component of a module
 * binding it (or sits inside that module's package), or when it imports
 * `*` and spells such a module: a star re-export binds names it never
 * spells. The driver repeats until no new file matches, so every file on
 * a path to a coroutine function is parsed.
 *
 * A word that only ever stands for classes (a class with async methods,
 * its aliases and subclasses) asks more of a cold file: a call of one of
 * those methods spells the method (`Client().fetch()`, `c.fetch()`,
 * `self.fetch()` in a subclass), and a file that passes the class on
 * under a name of its own binds it by a from-import or names it in a
 * class statement. So such a file also spells one of the class's async
 * method names in code, or imports the word, or has it in a class
 * header. Any other word (a function, a module, a class whose coroutine
 * a call reaches unspelled, like an async `__call__`) is a "function
 * word": spelled in code is enough, since a plain string never calls. */

typedef AslVec(uint64_t) U64Vec;

/* "`name` is bound in `module` once `key` is bound in `key_module`". */
typedef struct WordEdge {
  uint32_t key, name;
  const char *key_module, *module;
  const char *name_text; /* the bound name (facts-owned) */
  bool whole;  /* key is via's last component: via names the key itself */
  bool same;   /* name is what key is (else key only leads to it: a
                  module or class holding it) */
} WordEdge;
typedef AslVec(WordEdge) EdgeVec;

/* A word of W and one module binding it. */
typedef struct AslReachPair {
  uint32_t word;
  uint32_t module_word; /* last component of module; 0: any file */
  const char *module;   /* NULL with module_word 0 */
} AslReachPair;

typedef struct Reach {
  const AslWordSet *hot;
  AslWordIsExternal is_external;
  void *ctx;
  const AslFileFacts *file; /* being read */
  const char *bound_in;     /* where link_as binds its name: the file's
                               module, or NULL for any file (a fixture) */
  AslArena arena;           /* key modules: for this update only */
  AslArena *keep;           /* module names the pairs keep */
  EdgeVec edges;
  EdgeVec seeds;            /* key unused */
  AslWordSet functions;     /* seeds that are function words */
  U64Vec methods;           /* (class word << 32 | async method word) */
  AslWordSet by_name;       /* method names ASL104 goes by */
  AslWordSet not_async_only; /* names some parsed file binds otherwise: a
                                plain def, a class, a class attribute */
} Reach;

static uint32_t word_of(const char *s) { return asl_word_hash(s, strlen(s)); }

static uint32_t last_component(const char *dotted) {
  const char *dot = strrchr(dotted, '.');
  return word_of(dot ? dot + 1 : dotted);
}

/* Does `dotted` name something of a hot module the project does not
 * hold, whose coroutines only the catalog knows? */
static bool hot_outside(const Reach *rc, const char *dotted) {
  const char *dot = strchr(dotted, '.');
  size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
  return asl_words_has(rc->hot, asl_word_hash(dotted, n)) &&
         rc->is_external(rc->ctx, rc->file->project, dotted);
}

static void seed(Reach *rc, uint32_t name, const char *module) {
  asl_vec_push(&rc->seeds,
               ((WordEdge){0, name, NULL, module, NULL, true, true}));
}

static void seed_function(Reach *rc, uint32_t name, const char *module) {
  seed(rc, name, module);
  asl_words_add(&rc->functions, name);
}

static uint64_t method_key(uint32_t cls, uint32_t method) {
  return (uint64_t)cls << 32 | method;
}

/* Methods a call reaches without spelling them: Python calls them on
 * `C()`, `obj()`, operators... Only these four are called by syntax that
 * makes a file hot (`async with`, `async for`). */
static bool spelled_when_called(const char *method) {
  if (strncmp(method, "__", 2) != 0) return true;
  static const char *const by_async_syntax[] = {"__aenter__", "__aexit__",
                                                "__aiter__", "__anext__"};
  for (size_t k = 0; k < 4; k++)
    if (strcmp(method, by_async_syntax[k]) == 0) return true;
  return false;
}

/* A class with async methods: a class word, unless one is reached
 * unspelled. */
static void seed_class(Reach *rc, const AslFactClass *cls) {
  uint32_t name = word_of(cls->name);
  seed(rc, name, rc->file->module);
  for (uint32_t m = 0; m < cls->nmembers; m++) {
    const AslFactBinding *b = &cls->members[m];
    if (b->kind != ASL_FACT_COROUTINE && !b->task_wrapper &&
        !b->returns_coroutine)
      continue;
    if (spelled_when_called(b->name))
      asl_vec_push(&rc->methods, method_key(name, word_of(b->name)));
    else
      asl_words_add(&rc->functions, name);
  }
}

/* The package of `module` ("a.b" of "a.b.c"; "" at the top), in `a`. */
static const char *parent_of(AslArena *a, const char *module) {
  const char *dot = strrchr(module, '.');
  return dot ? asl_arena_strndup(a, module, (size_t)(dot - module)) : "";
}

/* `name`, bound in the file being read, follows `via` (an absolute dotted
 * name): a seed if `via` leads out of the project to a hot module, else an
 * edge from each component of via bound in the module its prefix names
 * ("a.b.C": C in a.b, or b in a; a middle component may be a class). */
static void link_as(Reach *rc, const char *via, const char *name_text,
                    bool alias) {
  uint32_t name = word_of(name_text);
  if (hot_outside(rc, via)) {
    seed_function(rc, name, rc->bound_in);
    return;
  }
  const char *last = strrchr(via, '.');
  uint32_t last_word = word_of(last ? last + 1 : via);
  if (!last) { // a top-level module: bound nowhere ("")
    asl_vec_push(&rc->edges,
                 ((WordEdge){last_word, name, "", rc->bound_in, name_text,
                             true, alias}));
    return;
  }
  for (const char *dot = strchr(via, '.'); dot; dot = strchr(dot + 1, '.')) {
    const char *p = dot + 1;
    const char *end = strchr(p, '.');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    const char *key_module =
        asl_arena_strndup(&rc->arena, via, (size_t)(dot - via));
    asl_vec_push(&rc->edges, ((WordEdge){asl_word_hash(p, n), name,
                                         key_module, rc->bound_in,
                                         name_text, end == NULL,
                                         alias && end == NULL}));
    // The last component may also be bound in a shorter prefix, a module
    // that relays the one between (`R.fast.Pool`: Pool bound in relay R).
    if (end)
      asl_vec_push(&rc->edges, ((WordEdge){last_word, name, key_module,
                                           rc->bound_in, name_text,
                                           false, alias}));
  }
}

static void link(Reach *rc, const char *via, const char *name_text) {
  rc->bound_in = rc->file->module;
  link_as(rc, via, name_text, true);
}

/* The receiver type `type` (rules/callee.c: a name, then '|' steps) leads
 * from `name`, bound in `module` (NULL: any file, as a fixture's name is
 * in every test): a def whose call gives it stands for it (`alias`); a
 * class with a method, property or attribute of that type only leads to
 * it, so a file spelling the class may reach the type's coroutines
 * unspelled. */
static void link_type_in(Reach *rc, const char *type, const char *name,
                         bool alias, const char *module) {
  if (type[0] == '{') { // alternatives: each leads from name
    const char *close = strchr(type, '}');
    for (const char *a = type + 1; close && a < close;) {
      const char *end = memchr(a, ';', (size_t)(close - a));
      if (!end) end = close;
      link_type_in(rc, asl_arena_strndup(&rc->arena, a, (size_t)(end - a)),
                   name, false, module);
      a = end + 1;
    }
    return;
  }
  const char *bar = strchr(type, '|');
  const char *base = bar ? asl_arena_strndup(&rc->arena, type,
                                             (size_t)(bar - type))
                         : type;
  rc->bound_in = module;
  link_as(rc, base, name, alias && !bar);
}

static void link_type(Reach *rc, const char *type, const char *name,
                      bool alias) {
  link_type_in(rc, type, name, alias, rc->file->module);
}

static void facts_edges(Reach *rc, const AslFileFacts *f) {
  rc->file = f;
  if (!f->module) return; // no import reaches it
  for (uint32_t i = 0; i < f->nnames; i++) {
    const AslFactBinding *b = &f->names[i];
    if (b->kind == ASL_FACT_FUNCTION || b->kind == ASL_FACT_ASYNCGEN ||
        b->kind == ASL_FACT_CLASS)
      asl_words_add(&rc->not_async_only, word_of(b->name));
    // A decorator returning an async wrapper reaches one too: a lookup of
    // it through a cold relay must want the relay, as for a coroutine.
    if (b->kind == ASL_FACT_COROUTINE || b->task_wrapper ||
        b->returns_coroutine || b->gives_coroutine_function ||
        (b->kind == ASL_FACT_VALUE && b->awaitable))
      seed_function(rc, word_of(b->name), f->module);
    else if (b->kind == ASL_FACT_IMPORT && b->target)
      link(rc, b->target, b->name);
    if (b->returns) link_type(rc, b->returns, b->name, true);
    if (b->enters) link_type(rc, b->enters, b->name, true);
    // A fixture is a name in every test below it: any file may spell it.
    if (b->fixture && strcmp(b->fixture, "!") == 0)
      seed_function(rc, word_of(b->name), NULL);
    else if (b->fixture)
      link_type_in(rc, b->fixture, b->name, true, NULL);
  }
  for (uint32_t c = 0; c < f->nclasses; c++) {
    const AslFactClass *cls = &f->classes[c];
    for (uint32_t k = 0; k < cls->nbases; k++)
      if (strcmp(cls->bases[k], "?") != 0) link(rc, cls->bases[k], cls->name);
    const char *self = asl_arena_printf(&rc->arena, "%s.%s", f->module,
                                        cls->name);
    for (uint32_t m = 0; m < cls->nmembers; m++) {
      const AslFactBinding *b = &cls->members[m];
      if (b->by_name) // any file may define or call it (ASL104)
        asl_words_add(&rc->by_name, word_of(b->name));
      else if (b->kind != ASL_FACT_COROUTINE && b->kind != ASL_FACT_IMPORT &&
               b->kind != ASL_FACT_UNPARSED)
        asl_words_add(&rc->not_async_only, word_of(b->name));
      if (b->returns && strcmp(b->returns, self) != 0) // not `return self`
        link_type(rc, b->returns, cls->name, false);
      if (b->enters) link_type(rc, b->enters, cls->name, false);
    }
    for (uint32_t a = 0; a < cls->nattrs; a++)
      link_type(rc, cls->attrs[a].type, cls->name, false);
    // Its __init__'s parameters take their types from every use of the
    // class (call_sites.c): each file that can name it must be read.
    if (cls->site_typed) seed_function(rc, word_of(cls->name), f->module);
    for (uint32_t m = 0; m < cls->nmembers; m++)
      if (cls->members[m].kind == ASL_FACT_COROUTINE ||
          cls->members[m].task_wrapper || cls->members[m].returns_coroutine ||
          cls->members[m].gives_coroutine_function) {
        seed_class(rc, cls);
        break;
      }
  }
  // `from asyncio import *` outside the project re-exports coroutines
  // nobody spells here: any file spelling this module may reach them, and
  // so may the aliases of the module itself (it is bound in its package).
  for (uint32_t k = 0; k < f->nstars; k++)
    if (hot_outside(rc, f->stars[k])) {
      seed_function(rc, last_component(f->module), NULL);
      seed_function(rc, last_component(f->module),
                    parent_of(rc->keep, f->module));
      break;
    }
}

static int cmp_edge_key(const WordEdge *x, uint32_t key,
                        const char *key_module) {
  if (x->key != key) return x->key < key ? -1 : 1;
  return strcmp(x->key_module, key_module);
}

static int cmp_edge(const void *a, const void *b) {
  const WordEdge *y = b;
  return cmp_edge_key(a, y->key, y->key_module);
}

static int cmp_pair(const void *a, const void *b) {
  const AslReachPair *x = a, *y = b;
  if (x->word != y->word) return x->word < y->word ? -1 : 1;
  if (x->module != y->module) {
    if (!x->module || !y->module) return x->module ? 1 : -1;
    return strcmp(x->module, y->module);
  }
  return 0;
}

/* Adds (word, module) unless known; true if new. Pairs are few per word,
 * found through a hash of (word, module) kept beside the list. */
typedef struct PairSet {
  AslVec(AslReachPair) pairs;
  uint32_t *slots; /* pair index + 1 */
  uint32_t cap;
} PairSet;

static uint32_t pair_hash(uint32_t word, const char *module) {
  return module ? (word ^ word_of(module)) * 2654435761u : word;
}

static bool same_pair(const AslReachPair *p, uint32_t word,
                      const char *module) {
  return p->word == word &&
         (p->module == module ||
          (p->module && module && strcmp(p->module, module) == 0));
}

static bool pairs_add(PairSet *ps, uint32_t word, const char *module) {
  if ((ps->pairs.len + 1) * 2 > ps->cap) {
    uint32_t cap = ps->cap ? ps->cap * 2 : 64;
    asl_free(ps->slots);
    ps->slots = asl_calloc(cap, sizeof *ps->slots);
    ps->cap = cap;
    for (uint32_t i = 0; i < ps->pairs.len; i++) {
      const AslReachPair *p = &ps->pairs.items[i];
      uint32_t h = pair_hash(p->word, p->module) & (cap - 1);
      while (ps->slots[h]) h = (h + 1) & (cap - 1);
      ps->slots[h] = i + 1;
    }
  }
  uint32_t h = pair_hash(word, module) & (ps->cap - 1);
  for (; ps->slots[h]; h = (h + 1) & (ps->cap - 1))
    if (same_pair(&ps->pairs.items[ps->slots[h] - 1], word, module))
      return false;
  AslReachPair p = {word, module ? last_component(module) : 0, module};
  asl_vec_push(&ps->pairs, p);
  ps->slots[h] = ps->pairs.len;
  return true;
}

static bool pairs_has(const PairSet *ps, uint32_t word, const char *module) {
  if (!ps->cap) return false;
  uint32_t h = pair_hash(word, module) & (ps->cap - 1);
  for (; ps->slots[h]; h = (h + 1) & (ps->cap - 1))
    if (same_pair(&ps->pairs.items[ps->slots[h] - 1], word, module))
      return true;
  return false;
}

/* The first edge keyed by (key, key_module) in the sorted edges. */
static uint32_t first_edge(const EdgeVec *edges, uint32_t key,
                           const char *key_module) {
  uint32_t lo;
  ASL_LOWER_BOUND(lo, edges->len, mid,
                  cmp_edge_key(&edges->items[mid], key, key_module) < 0);
  return lo;
}

static bool sorted_has(const uint32_t *v, uint32_t n, uint32_t h);
static uint32_t sorted_index(const uint32_t *v, uint32_t n, uint32_t h);
static bool names(const AslScan *s, const char *module, const char *m);

/* ---- relays: cold files that may re-export a module of W ---------------
 * `from lib import aio as fast` in a file not parsed makes `fast` a path
 * to lib.aio's coroutine functions that its users spell without naming
 * lib.aio. Such a file (it names the module and binds its last component)
 * relays the module: it counts as binding every word the module binds,
 * so its users are parsed, and their questions then parse it. A cold file
 * importing from a relay relays it in turn. */

/* Does the cold file (module `module`, scan s) name module m? */

/* Does the cold file relay module m (last component `last`): bind m's
 * last component by a from-import (or `as`), or star-import m; or, m
 * being a relay itself, import anything from it or star-import it? */
static bool relays_module(const AslScan *s, const char *module,
                          const char *m, uint32_t last, bool via_relay) {
  if (via_relay) {
    for (uint32_t k = 0; k < s->nstars; k++)
      if (s->stars[k] == last) return true;
    return s->nimported_words > 0 &&
           names_word(s, last) &&
           names(s, module, m);
  }
  for (uint32_t k = 0; k < s->nstars; k++)
    if (s->stars[k] == last && names(s, module, m)) return true;
  return sorted_has(s->imported_words, s->nimported_words, last) &&
         names(s, module, m);
}

typedef struct WordAt {
  uint32_t word, k;
} WordAt;

/* Fires the edges keyed (word, module) (module names a real module or a
 * module alias below). */
static void fire(const EdgeVec *edges, uint32_t word, const char *module,
                 PairSet *ps) {
  for (uint32_t k = first_edge(edges, word, module);
       k < edges->len && cmp_edge_key(&edges->items[k], word, module) == 0;
       k++)
    pairs_add(ps, edges->items[k].name, edges->items[k].module);
}

/* A module bound under a name: `aos` in module R by `from aiofiles import
 * os as aos` is the module "R.aos", binding what aiofiles.os binds; so is
 * a cold file relaying a module. Hashed by target. */
typedef struct ModuleAlias {
  const char *target; /* "aiofiles.os" */
  const char *name;   /* "R.aos" */
  uint32_t next;      /* next alias of the same hash + 1 */
} ModuleAlias;
typedef struct AliasVec {
  AslVec(ModuleAlias) v;
  uint32_t heads[1024]; /* by hash of target: first alias + 1 */
} AliasVec;

static uint32_t target_slot(const char *m) { return word_of(m) & 1023; }

static void aliases_add(AliasVec *a, const char *target, const char *name) {
  uint32_t h = target_slot(target);
  ModuleAlias al = {target, name, a->heads[h]};
  asl_vec_push(&a->v, al);
  a->heads[h] = a->v.len;
}

/* A new word of module m: its aliases bind it too. */
static void spread_to_aliases(const AliasVec *a, const char *m,
                              uint32_t word, PairSet *ps) {
  for (uint32_t i = a->heads[target_slot(m)]; i; i = a->v.items[i - 1].next)
    if (strcmp(a->v.items[i - 1].target, m) == 0)
      pairs_add(ps, word, a->v.items[i - 1].name);
}

/* The first pair of module M walked (its word `word`): M is worth
 * reaching, so each name bound to M itself (an edge whose via is exactly
 * M) becomes an alias of M, which binds `word`; M's other words, walked
 * later, follow in spread_to_aliases. */
static void alias_module(const EdgeVec *edges, AslArena *a,
                         AslArena *scratch, const char *m, uint32_t word,
                         AliasVec *aliases, PairSet *ps) {
  const char *parent = parent_of(scratch, m);
  uint32_t key = last_component(m);
  for (uint32_t k = first_edge(edges, key, parent);
       k < edges->len && cmp_edge_key(&edges->items[k], key, parent) == 0;
       k++) {
    const WordEdge *e = &edges->items[k];
    if (!e->whole || !e->name_text || !e->module) continue;
    const char *name = asl_arena_printf(a, "%s.%s", e->module, e->name_text);
    aliases_add(aliases, m, name);
    pairs_add(ps, word, name);
  }
}

/* The cold files the relays are looked for in, with an index of the
 * module words they spell (a relay of m spells m's last component); built
 * once per run, files leave it as they are parsed. */
/* The cold files that relay module m (or, m being a relay, import from
 * it), found once per run: W is rebuilt every round, relays of a module
 * do not change. ks[first..first+n) in the set's `relay_ks`. */
typedef struct RelayMemo {
  const char *module;
  bool via_relay;
  uint32_t first, n;
} RelayMemo;

struct AslColdSet {
  const AslScan *const *scans;
  const char *const *modules;
  uint32_t n;
  AslVec(WordAt) at;     /* sorted by word */
  bool *gone;            /* parsed since */
  AslVec(RelayMemo) memo;
  uint32_t *memo_slots;  /* open addressing: memo index + 1 */
  uint32_t memo_cap;
  AslVec(uint32_t) relay_ks;
  AslArena arena;        /* the memo's module names */
};

AslColdSet *asl_cold_new(const AslScan *const *scans,
                         const char *const *modules, uint32_t n) {
  AslColdSet *c = asl_calloc(1, sizeof *c);
  c->scans = scans;
  c->modules = modules;
  c->n = n;
  c->gone = asl_calloc(n + 1, sizeof *c->gone);
  for (uint32_t k = 0; k < n; k++)
    for (uint32_t i = 0; modules[k] && scans[k]->words &&
                         i < scans[k]->nmodule_words; i++)
      asl_vec_push(&c->at, ((WordAt){scans[k]->module_words[i], k}));
  // By word, then file: they were pushed in file order.
  asl_sort_by_u32_key(c->at.items, c->at.len, sizeof *c->at.items);
  asl_arena_init(&c->arena);
  return c;
}

void asl_cold_gone(AslColdSet *c, uint32_t k) {
  if (k < c->n) c->gone[k] = true;
}

void asl_cold_delete(AslColdSet *c) {
  if (!c) return;
  asl_vec_free(&c->at);
  asl_free(c->gone);
  asl_vec_free(&c->memo);
  asl_free(c->memo_slots);
  asl_vec_free(&c->relay_ks);
  asl_arena_destroy(&c->arena);
  asl_free(c);
}

/* The relays found during one update of W. */
typedef struct Cold {
  AslColdSet *set;
  bool *is_relay;        /* per cold file */
  PairSet relay_modules; /* (0, module) of every relay */
} Cold;

static void cold_init(Cold *c, AslColdSet *set) {
  memset(c, 0, sizeof *c);
  c->set = set;
  c->is_relay = asl_calloc((set ? set->n : 0) + 1, sizeof *c->is_relay);
}

static void cold_free(Cold *c) {
  asl_free(c->is_relay);
  asl_free(c->relay_modules.slots);
  asl_vec_free(&c->relay_modules.pairs);
}

/* Module m's first word walked: the cold files relaying m become aliases
 * of it (they bind what it binds), and modules of their own. */
/* The whole edges (their via is a module path) sorted by key module. */
typedef struct ByKeyModule {
  const WordEdge **e;
  uint32_t n;
} ByKeyModule;

static int cmp_key_module(const void *a, const void *b) {
  const WordEdge *const *x = a, *const *y = b;
  return strcmp((*x)->key_module, (*y)->key_module);
}

static void by_key_module_init(ByKeyModule *b, const EdgeVec *edges) {
  b->e = asl_malloc(sizeof *b->e * (edges->len + 1));
  b->n = 0;
  for (uint32_t k = 0; k < edges->len; k++)
    if (edges->items[k].whole && edges->items[k].name_text)
      b->e[b->n++] = &edges->items[k];
  if (b->n > 1) qsort(b->e, b->n, sizeof *b->e, cmp_key_module);
}

/* A relay binds m's words under a name we do not know: every name bound
 * from the relay itself (`from tools import fast as quick`, where tools
 * is the relay) may be that alias. */
static void alias_relay(const ByKeyModule *b, AslArena *a, const char *relay,
                        uint32_t word, AliasVec *aliases, PairSet *ps) {
  uint32_t lo;
  ASL_LOWER_BOUND(lo, b->n, mid, strcmp(b->e[mid]->key_module, relay) < 0);
  for (; lo < b->n && strcmp(b->e[lo]->key_module, relay) == 0; lo++) {
    if (!b->e[lo]->module) continue; // a fixture's name: bound nowhere
    const char *name =
        asl_arena_printf(a, "%s.%s", b->e[lo]->module, b->e[lo]->name_text);
    aliases_add(aliases, relay, name);
    pairs_add(ps, word, name);
  }
}

static uint32_t memo_hash(const char *m, bool via_relay) {
  return (word_of(m) ^ via_relay) * 2654435761u;
}

static void memo_grow(AslColdSet *set) {
  uint32_t cap = set->memo_cap ? set->memo_cap * 2 : 64;
  asl_free(set->memo_slots);
  set->memo_slots = asl_calloc(cap, sizeof *set->memo_slots);
  set->memo_cap = cap;
  for (uint32_t i = 0; i < set->memo.len; i++) {
    const RelayMemo *e = &set->memo.items[i];
    uint32_t h = memo_hash(e->module, e->via_relay) & (cap - 1);
    while (set->memo_slots[h]) h = (h + 1) & (cap - 1);
    set->memo_slots[h] = i + 1;
  }
}

/* The cold files that relay m, from the memo or found now. */
static const RelayMemo *relays_of(AslColdSet *set, const char *m,
                                  bool via_relay) {
  if ((set->memo.len + 1) * 2 > set->memo_cap) memo_grow(set);
  uint32_t h = memo_hash(m, via_relay) & (set->memo_cap - 1);
  for (; set->memo_slots[h]; h = (h + 1) & (set->memo_cap - 1)) {
    const RelayMemo *e = &set->memo.items[set->memo_slots[h] - 1];
    if (e->via_relay == via_relay && strcmp(e->module, m) == 0) return e;
  }
  RelayMemo e = {asl_arena_strdup(&set->arena, m), via_relay,
                 set->relay_ks.len, 0};
  uint32_t last = last_component(m);
  uint32_t lo;
  ASL_LOWER_BOUND(lo, set->at.len, mid, set->at.items[mid].word < last);
  for (; lo < set->at.len && set->at.items[lo].word == last; lo++) {
    uint32_t k = set->at.items[lo].k;
    if (relays_module(set->scans[k], set->modules[k], m, last, via_relay)) {
      asl_vec_push(&set->relay_ks, k);
      e.n++;
    }
  }
  asl_vec_push(&set->memo, e);
  set->memo_slots[h] = set->memo.len;
  return &set->memo.items[set->memo.len - 1];
}

static void find_relays(Cold *c, const char *m, uint32_t word,
                        AliasVec *aliases, PairSet *ps) {
  AslColdSet *set = c->set;
  if (!set) return;
  const RelayMemo *memo =
      relays_of(set, m, pairs_has(&c->relay_modules, 0, m));
  for (uint32_t i = 0; i < memo->n; i++) {
    uint32_t k = set->relay_ks.items[memo->first + i];
    if (c->is_relay[k] || set->gone[k]) continue;
    c->is_relay[k] = true;
    pairs_add(&c->relay_modules, 0, set->modules[k]);
    aliases_add(aliases, m, set->modules[k]);
    pairs_add(ps, word, set->modules[k]);
  }
}

/* Sorts v and drops repeats. */
static void sort_unique(U64Vec *v) {
  if (v->len > 1) qsort(v->items, v->len, sizeof *v->items, asl_cmp_u64);
  uint32_t k = 0;
  for (uint32_t i = 0; i < v->len; i++)
    if (k == 0 || v->items[i] != v->items[k - 1]) v->items[k++] = v->items[i];
  v->len = k;
}

/* The first entry of class word `word` in the sorted methods. */
static uint32_t first_method(const uint64_t *v, uint32_t n, uint32_t word) {
  uint64_t key = method_key(word, 0);
  uint32_t lo;
  ASL_LOWER_BOUND(lo, n, mid, v[mid] < key);
  return lo;
}

/* What each word of W stands for, from its seeds along the edges that
 * fired: a name bound to a class word gets its async methods; a name
 * bound to a function word, or only through a module or class holding
 * it, is a function word. Repeats until nothing changes (chains of
 * aliases and subclasses are short). */
static void word_kinds(Reach *rc, const PairSet *ps) {
  AslWordSet *fn = &rc->functions;
  U64Vec *m = &rc->methods;
  sort_unique(m);
  for (bool changed = true; changed;) {
    changed = false;
    uint32_t had = m->len;
    for (uint32_t k = 0; k < rc->edges.len; k++) {
      const WordEdge *e = &rc->edges.items[k];
      if (e->key == e->name && e->same) continue;
      if (!pairs_has(ps, e->key, e->key_module)) continue; // never fired
      if (!e->same || asl_words_has(fn, e->key)) {
        changed |= asl_words_add(fn, e->name);
        continue;
      }
      for (uint32_t i = first_method(m->items, had, e->key);
           i < had && (uint32_t)(m->items[i] >> 32) == e->key; i++)
        asl_vec_push(m, method_key(e->name, (uint32_t)m->items[i]));
    }
    if (m->len > had) {
      sort_unique(m);
      changed |= m->len > had;
    }
  }
}

/* Does a cold file not parsed yet spell `word` where it defines it
 * (`def word`, `class word`)? */
static bool cold_defines(const AslColdSet *set, uint32_t word) {
  for (uint32_t k = 0; set && k < set->n; k++) {
    const AslScan *s = set->scans[k];
    if (set->gone[k] || !s->words) continue;
    uint32_t at = sorted_index(s->words, s->nwords, word);
    if (at != ASL_NONE && (s->word_flags[at] & DEFINED)) return true;
  }
  return false;
}

/* The names ASL104 goes by (a method defined in the project only as an
 * async def): one that a parsed file binds otherwise is settled, nothing
 * to reach (no call of it is reported, whatever else is parsed); one that
 * a cold file defines waits for that file to be parsed first (its def may
 * settle it), a round that parses only the definers; the others are
 * function words bound anywhere, since any file may call them. */
static void settle_by_name(Reach *rc, AslReach *r, const AslColdSet *cold) {
  for (uint32_t i = 0; i < rc->by_name.cap; i++) {
    uint32_t w = rc->by_name.slots[i];
    if (!w || asl_words_has(&rc->not_async_only, w)) continue;
    if (cold_defines(cold, w)) asl_words_add(&r->def_words, w);
    else seed_function(rc, w, NULL);
  }
}

void asl_reach_update(AslReach *r, AslFileFacts *const *facts, uint32_t n,
                      const AslWordSet *hot, AslWordIsExternal is_external,
                      void *ctx, AslColdSet *cold_set) {
  if (!r->arena_ready) asl_arena_init(&r->arena);
  else asl_arena_reset(&r->arena);
  r->arena_ready = true;
  Reach rc = {.hot = hot, .is_external = is_external, .ctx = ctx,
              .keep = &r->arena};
  asl_arena_init(&rc.arena);
  PairSet ps = {{0}, NULL, 0};
  PairSet modules_seen = {{0}, NULL, 0};
  AliasVec *aliases = asl_calloc(1, sizeof *aliases);
  Cold cold;
  cold_init(&cold, cold_set);
  for (uint32_t k = 0; k < n; k++) {
    facts_edges(&rc, facts[k]);
    // A star import binds every word of its source: an alias of it.
    for (uint32_t st = 0; facts[k]->module && st < facts[k]->nstars; st++)
      aliases_add(aliases, facts[k]->stars[st], facts[k]->module);
    // So does the module's name through namespace folders.
    if (facts[k]->module && facts[k]->alias)
      aliases_add(aliases, facts[k]->module, facts[k]->alias);
  }
  asl_words_free(&r->def_words);
  settle_by_name(&rc, r, cold_set);
  asl_words_free(&rc.by_name);
  asl_words_free(&rc.not_async_only);
  EdgeVec *edges = &rc.edges;
  if (edges->len > 1)
    qsort(edges->items, edges->len, sizeof *edges->items, cmp_edge);
  ByKeyModule by_key;
  by_key_module_init(&by_key, edges);
  // A worklist over the pairs: each (word, module) fires the edges it
  // keys, spreads to the star importers and the aliases of its module, and
  // the first pair of a module makes its aliases and finds its relays.
  for (uint32_t q = 0; q < rc.seeds.len; q++)
    pairs_add(&ps, rc.seeds.items[q].name, rc.seeds.items[q].module);
  asl_words_free(&r->words);
  for (uint32_t q = 0; q < ps.pairs.len; q++) {
    AslReachPair p = ps.pairs.items[q];
    asl_words_add(&r->words, p.word);
    if (!p.module) continue;
    fire(edges, p.word, p.module, &ps);
    spread_to_aliases(aliases, p.module, p.word, &ps);
    if (p.module[0] && pairs_add(&modules_seen, 0, p.module)) {
      alias_module(edges, &r->arena, &rc.arena, p.module, p.word, aliases,
                   &ps);
      find_relays(&cold, p.module, p.word, aliases, &ps);
      if (pairs_has(&cold.relay_modules, 0, p.module))
        alias_relay(&by_key, &r->arena, p.module, p.word, aliases, &ps);
    }
  }
  word_kinds(&rc, &ps);
  memset(r->bits, 0, sizeof r->bits);
  for (uint32_t q = 0; q < ps.pairs.len; q++)
    r->bits[(ps.pairs.items[q].word & 0xFFFF) >> 6] |=
        (uint64_t)1 << (ps.pairs.items[q].word & 63);
  // A definer's piece spells a def word: pieces.c takes what W spells.
  for (uint32_t i = 0; i < r->def_words.cap; i++) {
    uint32_t w = r->def_words.slots[i];
    if (!w) continue;
    asl_words_add(&r->words, w);
    r->bits[(w & 0xFFFF) >> 6] |= (uint64_t)1 << (w & 63);
  }
  asl_words_free(&r->binders);
  for (uint32_t q = 0; q < ps.pairs.len; q++)
    for (const char *m = ps.pairs.items[q].module, *p = m; p && *p; p++)
      if (p[1] == '.' || p[1] == 0)
        asl_words_add(&r->binders, asl_word_hash(m, (size_t)(p + 1 - m)));
  asl_words_free(&r->functions);
  r->functions = rc.functions;
  asl_free(r->methods);
  r->methods = rc.methods.items;
  r->nmethods = rc.methods.len;
  cold_free(&cold);
  asl_free(by_key.e);
  asl_vec_free(&aliases->v);
  asl_free(aliases);
  asl_free(ps.slots);
  asl_free(r->pairs);
  r->pairs = ps.pairs.items;
  r->npairs = ps.pairs.len;
  if (r->npairs > 1) qsort(r->pairs, r->npairs, sizeof *r->pairs, cmp_pair);
  asl_free(modules_seen.slots);
  asl_vec_free(&modules_seen.pairs);
  asl_vec_free(&rc.seeds);
  asl_vec_free(edges);
  asl_arena_destroy(&rc.arena);
}

void asl_reach_free(AslReach *r) {
  if (r->arena_ready) asl_arena_destroy(&r->arena);
  asl_words_free(&r->words);
  asl_words_free(&r->def_words);
  asl_words_free(&r->functions);
  asl_words_free(&r->binders);
  asl_free(r->methods);
  asl_free(r->pairs);
  memset(r, 0, sizeof *r);
}

/* Where h is in the sorted v[0..n), or ASL_NONE. */
static uint32_t sorted_index(const uint32_t *v, uint32_t n, uint32_t h) {
  uint32_t lo;
  ASL_LOWER_BOUND(lo, n, mid, v[mid] < h);
  return lo < n && v[lo] == h ? lo : ASL_NONE;
}

static bool sorted_has(const uint32_t *v, uint32_t n, uint32_t h) {
  return sorted_index(v, n, h) != ASL_NONE;
}

/* Is module `m` inside package `pkg` ("a.b.c" in "a.b")? */
static bool inside(const char *m, const char *pkg) {
  size_t n = strlen(pkg);
  return m && strncmp(m, pkg, n) == 0 && m[n] == '.';
}

/* Does the file name every component of `module` as a module? */
static bool names_module(const AslScan *s, const char *module) {
  for (const char *p = module; *p;) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    if (!names_word(s, asl_word_hash(p, n)))
      return false;
    if (!dot) break;
    p = dot + 1;
  }
  return true;
}

/* Does the file name every component of m after the package it shares
 * with m (`from ..sub import x` in a.b.c names a.sub)? With nothing after
 * it, the file sits inside m (`from . import x`). */
static bool names_relative(const AslScan *s, const char *module,
                           const char *m) {
  if (!module) return false;
  size_t common = 0; // bytes of m's shared leading components
  for (size_t i = 0;; i++) {
    bool end_m = m[i] == 0 || m[i] == '.';
    bool end_f = module[i] == 0 || module[i] == '.';
    if (end_m && end_f) {
      if (i == 0) break;
      common = i;
      if (!m[i] || !module[i]) break;
      continue;
    }
    if (m[i] != module[i]) break;
  }
  if (common == 0) return false; // another top-level package
  if (!m[common]) return true;   // the file is inside m
  return names_module(s, m + common + 1);
}

/* Does the cold file (module `module`, scan s) name module m? By its
 * whole dotted name, or relatively within its top-level package. */
static bool names(const AslScan *s, const char *module, const char *m) {
  return names_relative(s, module, m) || names_module(s, m);
}

bool asl_scan_has(const AslScan *s, uint32_t word) {
  return sorted_has(s->words, s->nwords, word);
}

uint8_t asl_scan_word_flags(const AslScan *s, uint32_t word) {
  if (s->nwords && s->words[0] == 0) return 0xff; // "any word" (asl_scan)
  uint32_t at = sorted_index(s->words, s->nwords, word);
  return at == ASL_NONE ? 0 : s->word_flags[at];
}

bool asl_scan_names(const AslScan *s, const char *module, const char *m) {
  return s->words && names(s, module, m);
}

/* Could the file of module `module` reach the module of pair p? From
 * inside its package (`from . import x`); from its top-level package by a
 * relative import naming its last component (`from ..sub import x`); from
 * anywhere by naming every component (`import a.b`, `from a import b`,
 * `a.b.x`). A module bound under another name elsewhere is a word of W
 * in its own right, with its own pair. */
static bool reaches(const AslScan *s, const char *module,
                    const AslReachPair *p) {
  return !p->module || names(s, module, p->module);
}

static uint32_t first_pair(const AslReach *r, uint32_t word);

/* Is the file's word i (a word of W) spelled so that it can matter (see
 * "A word that only ever stands for classes" above)? */
static bool spells_enough(const AslReach *r, const AslScan *s, uint32_t i) {
  uint32_t h = s->words[i];
  uint8_t flags = s->word_flags[i];
  uint32_t k = first_method(r->methods, r->nmethods, h);
  bool of_class = k < r->nmethods && (uint32_t)(r->methods[k] >> 32) == h;
  // A function word counts in code; a string can only name a class (an
  // annotation, "Client"), whose methods the code then calls.
  bool function_word = !of_class || asl_words_has(&r->functions, h);
  if (function_word && (flags & ASL_WORD_IN_CODE)) return true;
  if (!of_class) return false;
  if (flags & (ASL_WORD_IN_CLASS | IMPORTED)) return true;
  for (; k < r->nmethods && (uint32_t)(r->methods[k] >> 32) == h; k++) {
    uint32_t at = sorted_index(s->words, s->nwords, (uint32_t)r->methods[k]);
    if (at != ASL_NONE && (s->word_flags[at] & ASL_WORD_IN_CODE)) return true;
  }
  return false;
}

/* Does word i of the file (a word of W) reach a module binding it? */
static bool word_matches(const AslReach *r, const AslScan *s,
                         const char *module, uint32_t i) {
  uint32_t h = s->words[i];
  if (!asl_words_has(&r->words, h) || !spells_enough(r, s, i)) return false;
  for (uint32_t k = first_pair(r, h); k < r->npairs && r->pairs[k].word == h;
       k++)
    if (reaches(s, module, &r->pairs[k])) return true;
  return false;
}

bool asl_reach_match(const AslReach *r, const AslScan *s, const char *module,
                     AslReachMatch *out) {
  if (out) memset(out, 0, sizeof *out);
  bool any = s->nwords && s->words[0] == 0; // wild
  // `from . import *` binds its own package's names, some of them maybe
  // words of W that the file never spells.
  for (uint32_t k = 0; !any && k < s->nstars; k++)
    for (uint32_t i = 0; !any && !s->stars[k] && i < r->npairs; i++)
      any = !module || !r->pairs[i].module ||
            inside(module, r->pairs[i].module);
  if (any) {
    if (out) out->any = true;
    return true;
  }
  bool matched = false;
  for (uint32_t i = 0; i < s->nwords; i++) {
    uint32_t h = s->words[i];
    if (!(r->bits[(h & 0xFFFF) >> 6] >> (h & 63) & 1)) continue;
    if ((s->word_flags[i] & DEFINED) && asl_words_has(&r->def_words, h)) {
      if (!out) return true;
      asl_words_add(&out->defined, h);
      matched = true;
    }
    if (!word_matches(r, s, module, i)) continue;
    if (!out) return true;
    asl_words_add(&out->words, h);
    matched = true;
  }
  return matched;
}

void asl_reach_match_free(AslReachMatch *m) {
  asl_words_free(&m->words);
  asl_words_free(&m->defined);
  memset(m, 0, sizeof *m);
}

/* The first pair of `word` (pairs are sorted by word first). */
static uint32_t first_pair(const AslReach *r, uint32_t word) {
  uint32_t lo;
  ASL_LOWER_BOUND(lo, r->npairs, mid, r->pairs[mid].word < word);
  return lo;
}

bool asl_reach_spelled(const AslReach *r, const AslReachMatch *m,
                       const AslScan *s) {
  if (s->nwords && s->words[0] == 0) return true; // wild
  if (m && m->any) m = NULL;
  for (uint32_t i = 0; i < s->nwords; i++) {
    uint32_t h = s->words[i];
    if (m ? asl_words_has(&m->words, h) ||
                ((s->word_flags[i] & DEFINED) && asl_words_has(&m->defined, h))
          : (r->bits[(h & 0xFFFF) >> 6] >> (h & 63) & 1) &&
                asl_words_has(&r->words, h))
      return true;
  }
  // A class of W the file matched by: its async methods' names.
  for (uint32_t k = 0; k < r->nmethods; k++)
    if ((!m || asl_words_has(&m->words, (uint32_t)(r->methods[k] >> 32))) &&
        sorted_has(s->words, s->nwords, (uint32_t)r->methods[k]))
      return true;
  return false;
}

bool asl_reach_binds(const AslReach *r, const char *module, size_t n) {
  return asl_words_has(&r->binders, asl_word_hash(module, n));
}

bool asl_reach_asks(const AslReach *r, const char *dotted) {
  for (const char *p = dotted; p && *p;) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    uint32_t word = asl_word_hash(p, n);
    // Is the component bound, as a word of W, in a module some prefix
    // before it names (or anywhere, for a pair without a module)? Not only
    // the whole prefix: `tools.fast.replace` may reach lib.aio's replace
    // through a module alias `fast` in a file not parsed yet.
    size_t plen = p == dotted ? 0 : (size_t)(p - dotted) - 1;
    for (uint32_t k = first_pair(r, word);
         k < r->npairs && r->pairs[k].word == word; k++) {
      const char *m = r->pairs[k].module;
      size_t mlen = m ? strlen(m) : 0;
      if (!m || (mlen <= plen && strncmp(m, dotted, mlen) == 0 &&
                 (dotted[mlen] == '.' || mlen == plen)))
        return true;
    }
    p = dot ? dot + 1 : NULL;
  }
  return false;
}

