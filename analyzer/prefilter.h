/*
 * prefilter.h - internal: which files must be parsed at all.
 *
 * Most files of a tree cannot hold a finding: every pass but ASL1xx looks
 * inside `async def`, at `await` or at asyncio's task APIs, so a file that
 * never spells `async`, `await`, `asyncio`, `create_task` or
 * `ensure_future` (a "hot" word) has nothing for them. ASL1xx reports the
 * call of a coroutine function from anywhere, but such a call names the
 * function (or the alias, or the class whose method it is) somewhere in
 * the file's text. So each file is scanned once for its identifiers; hot
 * files are parsed at once, and a cold file is parsed only when it spells
 * a word of the "reach" set W, built from the facts of the files parsed so
 * far (see asl_words_from_facts), or when the index asks for its module.
 *
 * Words are compared by a 32-bit hash of their bytes: a collision can only
 * make a file look interesting (one more parse), never hide one.
 */
#ifndef ASL_ANALYZER_PREFILTER_H_
#define ASL_ANALYZER_PREFILTER_H_

#include "asl.h"
#include "index.h"

/* A set of word hashes (open addressing; 0 marks an empty slot). */
typedef struct AslWordSet {
  uint32_t *slots;
  uint32_t cap, len;
} AslWordSet;

uint32_t asl_word_hash(const char *s, size_t n);
/** Adds a hash; true if it was new. */
bool asl_words_add(AslWordSet *w, uint32_t h);
bool asl_words_has(const AslWordSet *w, uint32_t h);
void asl_words_free(AslWordSet *w);

/** The hot words: the fixed ones, `extra` (NULL-terminated: the rules'
 * own, such as decorators that make a sync def a coroutine function),
 * plus the first component of each user-listed coroutine (`mylib` of
 * `mylib.fetch`), whose callers spell that module (or an alias a hot file
 * makes of it). */
void asl_words_hot(const AslOptions *opt, const char *const *extra,
                   AslWordSet *out);

/* Where a word was seen, besides anywhere: in code (not only in a plain
 * string), in the header of a class statement (its name or bases), and
 * not after a dot (so it may name a module-level binding: in a string,
 * always). */
enum { ASL_WORD_IN_CODE = 8, ASL_WORD_IN_CLASS = 16, ASL_WORD_BARE = 32,
       ASL_WORD_DEFINED = 64 /* in code right after `def` or `class` */ };

/* Word flags that may be a use of a name: bare, in code. */
static inline bool asl_word_used(uint8_t flags) {
  return (flags & ASL_WORD_IN_CODE) && (flags & ASL_WORD_BARE);
}

/* What the scan of one file found. */
typedef struct AslScan {
  bool hot;        /* spells a hot word */
  uint32_t *words; /* sorted distinct identifier hashes (heap); only for
                      cold files, when asked for */
  uint8_t *word_flags; /* per word: ASL_WORD_IN_* (heap) */
  uint32_t nwords;
  uint32_t *module_words; /* those seen where a module is named: in an
                             import statement, or next to a dot (heap) */
  uint32_t nmodule_words;
  uint64_t module_bits[8]; /* a Bloom filter of module_words (two bits a
                              word): most "does it name m?" end here */
  uint32_t *imported_words; /* those after `import` in an import statement:
                               the names it binds (heap) */
  uint32_t nimported_words;
  uint32_t *stars; /* per `from M import *`: the word of M's last
                      component; 0 for `from . import *` (heap) */
  bool *stars_relative; /* per star: relative (`from .M import *`), so M
                           is in the file's own top-level package (heap) */
  uint32_t nstars;
} AslScan;

/** Scans `len` bytes of Python source for identifiers, as the tokenizer
 * would split them (strings and comments included: more words only make
 * more files interesting). With `keep_words`, a cold file's word hashes
 * are kept in out->words (free with asl_free). */
void asl_scan(AslArena *scratch, const char *text, size_t len,
              const AslWordSet *hot, bool keep_words, AslScan *out);
void asl_scan_free(AslScan *s);
/** asl_scan with words kept, reading on past a hot word: every word of
 * the text, hot or not. */
void asl_scan_whole(AslArena *scratch, const char *text, size_t len,
                    const AslWordSet *hot, AslScan *out);

/** Does scan `s` (its words kept) hold the word of hash `word`? */
bool asl_scan_has(const AslScan *s, uint32_t word);
/** The ASL_WORD_* flags of that word in `s` (0: it does not spell it;
 * all of them when `s` matches any word). */
uint8_t asl_scan_word_flags(const AslScan *s, uint32_t word);
/** Does the file of module `module` (NULL: none) with scan `s` name
 * module m: every component of it, or those after the package they share
 * (a relative import)? False without the scan's words. */
bool asl_scan_names(const AslScan *s, const char *module, const char *m);

/* ---- pieces (pieces.c) ---------------------------------------------------
 * Most of a hot file is often other code: a test module with a few async
 * tests among hundreds of sync ones; and the index often needs one def of
 * a cold module it looks up. So a file may be parsed in units: each unit
 * is the module-level code that is no def or class (imports and
 * assignments, which every def reads; parsed again in each unit) with
 * some of the top-level def and class statements ("pieces"), and a
 * binding for each piece parsed before, appended after the source, so
 * that the unit resolves their names as the module's. The pieces not
 * parsed yet are placeholders in the file's facts: an index lookup that reaches
 * one makes the driver parse that piece in the next round.
 *
 * A piece left out of a hot file's first unit cannot hold an ASL2xx-4xx
 * finding (it spells no hot word: those look inside `async def`, at
 * `await` and at task APIs), and holds an ASL1xx one only through a call
 * of a coroutine function it names: by a word of W (the driver matches
 * what the unparsed pieces spell against W each round, as it does a cold
 * file's words), or by the name of a def of the file itself, which W
 * pairs with the file's module when a piece spells it bare. So the first
 * unit of a hot file has the pieces that spell a hot word or the name of
 * a hot piece; then every piece whose name a piece in the unit spells
 * bare, to a fixpoint, so that its own questions rarely wait for another
 * round. A cold file the index looked up starts with the pieces named by
 * the lookups. A `global` statement in a piece left out changes nothing
 * in the unit: names.c binds the name in the function's own scope, where
 * it resolves to the module's, and the facts keep only the module's own
 * bindings (a use there is a use, see below). The first unit answers for
 * the module-level code, and a rule that reads every use of a
 * module-level name there (asl_spelled_outside) has the unit parsed again
 * with the pieces that spell the name (AslWant.spelled). */

typedef struct AslPiece {
  uint32_t start, end; /* bytes; the pieces tile the file */
  char *name;          /* a def's or class's name (heap); NULL: plain
                          module-level code, in every unit */
  uint32_t name_at;    /* byte offset of the name */
  uint32_t hash;       /* of the name */
  bool is_class, is_async, parsed;
} AslPiece;

typedef struct AslPieceSet {
  AslPiece *items;   /* heap */
  uint64_t *by_hash; /* (name hash << 32) | index, sorted (heap) */
  uint32_t len;
} AslPieceSet;

/* One unit to parse. */
typedef struct AslUnit {
  char *text;        /* the source, then the bindings (arena) */
  uint32_t len;
  uint32_t *bounds;  /* [start, end) byte pairs to parse */
  uint32_t nranges;
  uint32_t *lines;   /* [first, end) 1-based line pairs of its new pieces:
                        the findings and facts it adds */
  uint32_t nlines;
  uint32_t parsed;   /* bytes of the source it parses */
} AslUnit;

/* How a file's words matched W (asl_reach_match): the words of W it
 * spells with a module binding them, and the names ASL104 goes by that it
 * defines. Only its pieces spelling one of those can matter for W. */
typedef struct AslReachMatch {
  AslWordSet words;   /* words of W, spelled as a call of them needs */
  AslWordSet defined; /* async-only method names it defines (def/class) */
  bool any;           /* every piece may matter: a star import of its own
                         package, or a text the scan could not split */
} AslReachMatch;

/* What a unit must hold besides a hot file's hot pieces: the defs and
 * classes named by `names` (word hashes: the index looked them up), those
 * that spell a word of `w` (the file's words matched W: with `match`, one
 * of the words that matched), or, with `all`, every one. */
typedef struct AslReach AslReach; /* W, below */
typedef struct AslWant {
  const AslWordSet *names;
  const AslReach *w; /* NULL: none */
  const AslReachMatch *match; /* NULL: any word of w */
  bool all;
  uint32_t min_size; /* smaller files, or first units leaving out fewer
                        bytes, are parsed whole; 0: the default (8 KB) */
  const AslWordSet *spelled; /* a first unit also holds the defs and
                        classes spelling one of these in code, bare (a
                        rule must see every use of a module-level name:
                        asl_spelled_outside); NULL: none */
} AslWant;

/** The first unit of `src` (its lines indexed): a hot file's, or a cold
 * file's. False when too little would be left out (parse the whole file
 * then; *set stays empty). */
bool asl_pieces_first(AslArena *a, const AslSource *src, const AslWordSet *hot,
                      const AslWant *want, AslPieceSet *set, AslUnit *unit);
/** The next unit: the pieces not parsed yet that `want` asks for (all of
 * them when it asks for W but none spells a word of it). False when there
 * is none. */
bool asl_pieces_next(AslArena *a, const AslSource *src, const AslWordSet *hot,
                     const AslWant *want, AslPieceSet *set, AslUnit *unit);
/** Is a piece not parsed yet named by hash `name`? */
bool asl_pieces_has(const AslPieceSet *set, uint32_t name);
/** Has every piece been parsed? */
bool asl_pieces_done(const AslPieceSet *set);
/** The placeholders of the pieces not parsed yet (arena). */
void asl_pieces_unparsed(AslArena *a, const AslSource *src,
                      const AslPieceSet *set, AslUnparsed **out, uint32_t *n);
/** What the pieces not parsed yet spell, for W. */
void asl_pieces_rest(AslArena *a, const AslSource *src,
                     const AslPieceSet *set, const AslWordSet *hot,
                     AslScan *out);
void asl_pieces_free(AslPieceSet *set);

/* Is the dotted name `dotted`, seen from a file of `project`, outside the
 * project (no file of it claims any prefix of the name)? */
typedef bool (*AslWordIsExternal)(void *ctx, uint32_t project,
                                  const char *dotted);

/* The cold files of a run, for the relays of W: scans[k] of module
 * modules[k] (NULL if unknown), indexed once; both arrays must outlive
 * the set. asl_cold_gone(k) when file k is parsed. */
typedef struct AslColdSet AslColdSet;
AslColdSet *asl_cold_new(const AslScan *const *scans,
                         const char *const *modules, uint32_t n);
void asl_cold_gone(AslColdSet *c, uint32_t k);
void asl_cold_delete(AslColdSet *c);

/* W: the words a file could call a coroutine function by, each with the
 * modules that bind it (prefilter.c says why this is enough). */
typedef struct AslReach {
  AslWordSet words;
  AslWordSet def_words; /* method names by name (ASL104) whose definitions
                           cold files spell: those files are parsed first
                           (a plain def there settles the name) */
  AslWordSet functions; /* words of W that are function words */
  uint64_t *methods;    /* sorted (class word << 32 | async method word) */
  uint32_t nmethods;
  AslWordSet binders;   /* hashes of the modules of the pairs, and of
                           their packages */
  uint64_t bits[1024];  /* a bit per word of W, by its low 16 bits: most
                           words of a cold file are rejected in cache */
  struct AslReachPair *pairs; /* sorted by word, then module */
  uint32_t npairs;
  AslArena arena;             /* module names of the pairs */
  bool arena_ready;
} AslReach;

/** Recomputes W from the facts of every file parsed so far: module-level
 * async defs, classes with an async method, names bound from a hot module
 * outside the project, and what imports, subclasses, star imports and
 * module aliases of `facts` make of them; the files of `cold` that may
 * re-export a module of W under a new name relay its words. */
void asl_reach_update(AslReach *r, AslFileFacts *const *facts, uint32_t n,
                      const AslWordSet *hot, AslWordIsExternal is_external,
                      void *ctx, AslColdSet *cold);
/** Must the cold file of module `module` (NULL: none) with scan `s` be
 * parsed: does it spell a word of W and a module binding it, or import
 * `*` near one? With `out`, every word that matched is kept there (free
 * with asl_reach_match_free), not only the first. */
bool asl_reach_match(const AslReach *r, const AslScan *s, const char *module,
                     AslReachMatch *out);
void asl_reach_match_free(AslReachMatch *m);
/** Does scan `s` (of a part of a file) spell a word of W, or the name of
 * an async method of a class of W, anyhow (with `m`: a word that matched
 * for the whole file, or define a name that did)? A part that does not
 * cannot call a coroutine function the way the file's words matched W. */
bool asl_reach_spelled(const AslReach *r, const AslReachMatch *m,
                       const AslScan *s);
/** Can the index's answer for `dotted` (an absolute name, as a deferred
 * ASL1xx question asks it) lead to a coroutine function: is one of its
 * components a word of W bound in the module its prefix names? Resolution
 * starts at such a prefix; once W is complete, a name whose components
 * are bound nowhere relevant resolves to no coroutine function of the
 * project, nor through it to one of a hot module outside it (whose own
 * names need no file of the project). */
bool asl_reach_asks(const AslReach *r, const char *dotted);
/** Is module[0..n) a module of W's pairs (it binds a word of W: a file
 * parsed or a cold relay or alias of one), or a package of one? */
bool asl_reach_binds(const AslReach *r, const char *module, size_t n);
void asl_reach_free(AslReach *r);

#endif /* ASL_ANALYZER_PREFILTER_H_ */
