/*
 * fix.h - internal: applying the fixes of a run's findings (check --fix,
 * --diff); see fix.c.
 */
#ifndef ASL_ANALYZER_FIX_H_
#define ASL_ANALYZER_FIX_H_

#include "asl.h"

typedef struct AslFixStats {
  uint32_t fixed;                    /* fixes applied (or shown) */
  uint32_t files;                    /* files changed */
  uint32_t errors;                   /* files that could not be fixed */
  uint32_t per_rule[ASL_RULE__COUNT];
} AslFixStats;

/** Applies the fixes of `diags` that apply with `opt` (asl_fix_applies),
 * file by file: fixes whose edits overlap one already taken wait for the
 * next pass. With `write`, each changed file is rewritten atomically;
 * without, a unified diff is appended to `diff` instead. A result that no
 * longer parses is reported on stderr and not written. Adds to *stats. */
void asl_fix_apply(const AslOptions *opt, AslParser *p,
                   const AslDiagList *diags, bool write, AslBuf *diff,
                   AslFixStats *stats);

#endif /* ASL_ANALYZER_FIX_H_ */
