/*
 * diag.h - internal: noqa comments, rule selection and diagnostic ordering
 * (shared by the driver, the fixture harness and the emitters).
 */
#ifndef ASL_ANALYZER_DIAG_H_
#define ASL_ANALYZER_DIAG_H_

#include "asl.h"

/** A diagnostic of rule `r` spanning node `node` of the context's file,
 * without a message. */
AslDiag asl_diag_at(const AslCtx *cx, AslRuleId r, uint32_t node);

/* One `# noqa[: CODES]` or `# asynclint: noqa[: CODES]` comment. */
typedef struct AslNoqa {
  uint32_t line;       /* 1-based line of the comment */
  bool file_level;     /* `# asynclint: noqa` on its own line */
  const char **codes;  /* upper-cased codes or prefixes; none = all */
  uint32_t ncodes;
} AslNoqa;

typedef struct AslNoqaSet {
  AslVec(AslNoqa) items;
} AslNoqaSet;

/** Finds every noqa comment of a file (comment nodes only, never strings). */
void asl_noqa_collect(AslArena *a, const AslSource *s, const AslTree *t,
                      AslNoqaSet *out);
/** Is `d` suppressed by a noqa comment of its file? */
bool asl_noqa_suppresses(const AslNoqaSet *set, const AslDiag *d);

/** Sets selected[r] = value for every rule that `sel` (code, prefix or
 * "ALL") picks. Returns false if `sel` is not a known code or prefix. */
bool asl_apply_selectors(bool selected[ASL_RULE__COUNT], const char *sel,
                         bool value);
/** Selects the rules that are on by default. */
void asl_select_defaults(bool selected[ASL_RULE__COUNT]);

/** Sorts by path, line, column, code, and drops exact duplicates. */
void asl_diags_sort(AslDiagList *list);

#endif /* ASL_ANALYZER_DIAG_H_ */
