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

/** The hot words: the fixed ones plus the first component of each
 * user-listed coroutine (`mylib` of `mylib.fetch`), whose callers spell
 * that module (or an alias a hot file makes of it). */
void asl_words_hot(const AslOptions *opt, AslWordSet *out);

/* Where a word was seen, besides anywhere: in code (not only in a plain
 * string), in the header of a class statement (its name or bases), and
 * not after a dot (so it may name a module-level binding: in a string,
 * always). */
enum { ASL_WORD_IN_CODE = 8, ASL_WORD_IN_CLASS = 16, ASL_WORD_BARE = 32 };

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

/** Does the file of module `module` (NULL: none) with scan `s` name
 * module m: every component of it, or those after the package they share
 * (a relative import)? False without the scan's words. */
bool asl_scan_names(const AslScan *s, const char *module, const char *m);

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
 * `*` near one? */
bool asl_reach_matches(const AslReach *r, const AslScan *s,
                       const char *module);
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
