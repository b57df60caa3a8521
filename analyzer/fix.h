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

/** The text of `s` with the applicable fixes of its findings diags[0..n)
 * applied (one pass: overlapping ones left out) into `out`, the number
 * applied in *nfixes. False when the result would not parse though `s`
 * did (a bug the caller reports). For text in memory (the fuzzer). */
bool asl_fix_source(const AslOptions *opt, AslParser *p, AslArena *a,
                    const AslSource *s, const AslDiag *diags, uint32_t n,
                    AslBuf *out, uint32_t *nfixes);

#endif /* ASL_ANALYZER_FIX_H_ */
