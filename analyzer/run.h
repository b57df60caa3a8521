/*
 * run.h - internal: the driver that checks one file (read, parse, names,
 * rule passes, noqa) and collects the diagnostics of a whole run.
 */
#ifndef ASL_ANALYZER_RUN_H_
#define ASL_ANALYZER_RUN_H_

#include "asl.h"
#include "discover.h"

/** The result of checking one source: diagnostics in the file's arena,
 * noqa already applied, unsorted. */
typedef struct AslFileResult {
  AslDiagList diags;
  bool parse_error;        /* the tree had an ERROR or MISSING node */
  uint32_t error_line;     /* 1-based position of the first one */
  uint32_t error_column;
} AslFileResult;

/** Checks `src` with every selected rule. Allocates in `a` only. */
void asl_check_source(AslParser *p, AslArena *a, const AslSource *src,
                      const AslOptions *opt, uint32_t file_index,
                      AslFileResult *out);

typedef struct AslRun {
  const AslOptions *opt;
  AslArena arena;      /* diagnostics' strings, for the whole run */
  AslDiagList diags;   /* heap-backed; sorted by asl_run_finish */
  uint32_t nfiles;     /* files checked */
  uint32_t nerrors;    /* files or paths that could not be read */
} AslRun;

void asl_run_init(AslRun *r, const AslOptions *opt);
/** Reads and checks one discovered file; problems reading it are named on
 * stderr and counted. */
void asl_run_file(AslRun *r, AslParser *p, AslArena *scratch,
                  const AslFileRef *f, uint32_t file_index);
/** Checks bytes already in memory (stdin) under the name `display`. */
void asl_run_bytes(AslRun *r, AslParser *p, AslArena *scratch,
                   const char *display, const char *bytes, size_t len,
                   uint32_t file_index);
/** Sorts and deduplicates the run's diagnostics. */
void asl_run_finish(AslRun *r);
void asl_run_destroy(AslRun *r);

/** Renders diagnostics in the chosen format onto `out`. */
void asl_emit(const AslOptions *opt, const AslDiagList *diags, AslBuf *out);

#endif /* ASL_ANALYZER_RUN_H_ */
