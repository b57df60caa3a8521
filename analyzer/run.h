/*
 * run.h - internal: the driver of a run. Phase 1 reads and parses every
 * file of the project once, extracts its facts for the index and, for the
 * files the user named, runs the rule passes (findings that need the index
 * are deferred); phase 2 builds the index; phase 3 decides the deferred
 * findings. Then everything is sorted for the emitters.
 */
#ifndef ASL_ANALYZER_RUN_H_
#define ASL_ANALYZER_RUN_H_

#include <stdatomic.h>

#include "asl.h"
#include "discover.h"
#include "index.h"
#include "prefilter.h"
#include "ruleset.h"

/* The text of a file parsed in parts is kept for its later units, as
 * long as the texts kept stay under this many bytes; beyond it, a later
 * unit reads the file again. (A cold file's text is not kept: a later
 * round reads it again.) */
#define ASL_TEXT_BUDGET ((size_t)40 << 20)
/* ...of which one file may take this much: the large files (generated
 * tables, vendored bundles) are rarely needed, and a pool reads them
 * first. */
#define ASL_TEXT_FILE_MAX ((size_t)256 << 10)

/* A file's text from somewhere else than the disk (an editor's unsaved
 * document): true with *text and *len set when `fs_path` has one. Called
 * from the worker threads: it must only read shared state. */
typedef bool (*AslTextHook)(void *ctx, const char *fs_path, const char **text,
                            size_t *len);
/* The stamp (cache.h) of the text the text hook has for `fs_path`: which
 * version of it, so that the facts read from it are kept between runs as
 * a file's are. False: none (it is read again each run). */
struct AslFileStamp;
typedef bool (*AslTextStampHook)(void *ctx, const char *fs_path,
                                 struct AslFileStamp *out);

typedef struct AslRun {
  const AslRuleSet *rules; /* the passes, what they need, their decisions */
  const AslOptions *opt;
  AslTextHook text_hook;   /* or NULL: every file from the disk */
  AslTextStampHook text_stamp; /* or NULL */
  void *text_ctx;
  struct AslFactsCache *cache; /* facts kept between runs (cache.h), or
                                  NULL; used without the pre-filter */
  bool layout_borrowed;    /* `layout` is the cache's */
  AslArena arena;          /* diagnostics, facts, deferred findings */
  AslDiagList diags;       /* heap-backed; sorted by asl_run_finish */
  AslVec(struct AslJob) jobs;    /* every file, in discovery order */
  AslDeferredList deferred;      /* heap-backed; decided at the finish */
  AslLayout *layout;       /* module names and project roots */
  bool use_index;          /* a selected rule asks the index */
  bool need_reach;         /* ASL1xx: cold files may hold findings */
  bool prefilter;          /* parse only the files that can matter */
  AslWordSet hot;          /* see prefilter.h */
  const AslReach *reach;   /* W, while a later round runs */
  uint32_t nfiles;         /* files checked (named by the user) */
  uint32_t nparsed;        /* files parsed (set by asl_run_finish) */
  uint32_t nreread;        /* of which read again in a later round */
  uint32_t nkept;          /* of which kept in memory since phase 1 */
  uint32_t npartial;       /* files parsed in part (pieces.c) */
  uint32_t nunits;         /* the parts they were parsed in */
  _Atomic size_t text_kept; /* bytes of text kept for later units,
                               up to ASL_TEXT_BUDGET */
  uint32_t nskipped;       /* files the pre-filter never parsed */
  uint32_t nlibrary;       /* library files the lookups found (env.h) */
  uint32_t nerrors;        /* files or paths that could not be read */
  uint32_t held[ASL_RULE__COUNT]; /* findings in test code held back, per
                                     rule (AslOptions.test_selected) */
  double seconds[5];       /* first pass, later rounds, phase 3, walk,
                              parsing in later rounds */
  AslVec(AslArena *) worker_arenas; /* what parallel workers kept */
} AslRun;

/** A run of the rule set `rules` over options `opt` (both borrowed: they
 * must outlive the run). */
void asl_run_init(AslRun *r, const AslRuleSet *rules, const AslOptions *opt);

/** Discovers the files under `paths` and reads each once: every file of
 * the projects around them is indexed (unless opt->index_given_only), and
 * the files found under `paths` are also checked. Problems reading a named
 * path are named on stderr and counted; files read only for the index
 * are skipped quietly when unreadable. `file_index` numbers the checked
 * files from *next_index on. */
void asl_run_paths(AslRun *r, AslParser *p, AslArena *scratch,
                   const char *const *paths, uint32_t npaths,
                   uint32_t *next_index);
/** Checks bytes already in memory (stdin) under the name `display`, as
 * module `__main__` of a project of its own. */
void asl_run_bytes(AslRun *r, AslParser *p, AslArena *scratch,
                   const char *display, const char *bytes, size_t len,
                   uint32_t file_index);
/** Parses the cold files the later rounds of the pre-filter need, builds
 * the index, decides the deferred findings, then sorts and deduplicates
 * the run's diagnostics. */
void asl_run_finish(AslRun *r, AslParser *p, AslArena *scratch);
void asl_run_destroy(AslRun *r);
/** The i-th file of run r (i < r->jobs.len), for a front end that asks
 * what a file's findings depend on (session.h): its facts (NULL when it
 * has none) and, in *fs_path, its path (NULL for bytes from memory). */
const AslFileFacts *asl_run_file(const AslRun *r, uint32_t i,
                                 const char **fs_path);

/** Looks up a --format name ("text", "sarif", ...); false if unknown. */
bool asl_format_parse(const char *name, AslFormat *out);
/** Renders diagnostics of the rule set `rules` (SARIF describes each
 * rule) in the chosen format onto `out`. `held` (or NULL): per rule, the
 * findings test code held back, which --statistics counts. */
void asl_emit(const AslRuleSet *rules, const AslOptions *opt,
              const AslDiagList *diags, const uint32_t *held, AslBuf *out);

#endif /* ASL_ANALYZER_RUN_H_ */
