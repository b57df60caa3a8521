/*
 * cond.h - internal: path conditions for ASL210. What a call passes (an
 * abstract value per argument), and under which condition on its own
 * parameters a helper reaches a blocking call (a small CNF of tests such
 * as `p is None`, `isinstance(p, str)`, `p.endswith(".json")`). The rules
 * extract both from the syntax (rules/blocking/conditions.c); the index
 * propagates conditions through its fixpoint and evaluates them at a call
 * site. Unknown is always a valid answer and means "may be reached".
 */
#ifndef ASL_ANALYZER_COND_H_
#define ASL_ANALYZER_COND_H_

#include "asl.h"

/* Bounds: a parameter index fits a byte; a condition keeps at most this
 * many clauses of at most this many tests (dropping a clause only makes a
 * condition weaker, so the answer stays "may be reached"). */
enum {
  ASL_COND_MAX_PARAMS = 64,
  ASL_COND_MAX_CLAUSES = 8,
  ASL_COND_MAX_ATOMS = 4,
  ASL_COND_MAX_LITS = 8,
};

/* ---- values ------------------------------------------------------------ */

typedef enum {
  ASL_VAL_UNKNOWN = 0,
  ASL_VAL_PARAM,  /* the caller's own parameter number `param` */
  ASL_VAL_NONE,
  ASL_VAL_BOOL,   /* text: "True" or "False" */
  ASL_VAL_INT,    /* text: as written */
  ASL_VAL_FLOAT,
  ASL_VAL_STR,    /* text: the content; NULL when not known (f-string) */
  ASL_VAL_BYTES,  /* text: the content or NULL */
  ASL_VAL_OBJECT, /* an instance of class `text`: "dict", "list",
                     "pathlib.Path", "io.BytesIO", a project class's
                     absolute name */
  ASL_VAL_CALL,   /* what calling `text` (an absolute dotted name) gives:
                     an instance of that class if the index finds a class
                     there (AslBinder.class_of), else unknown */
} AslValueKind;

/* What an argument is, as far as the call's own text says. */
typedef struct AslValue {
  uint8_t kind;     /* AslValueKind */
  uint8_t param;    /* ASL_VAL_PARAM: which */
  int8_t truthy;    /* -1 unknown, 0 falsy, 1 truthy */
  const char *text; /* see the kinds */
} AslValue;

/* A parameter of a function, as a call binds it. */
typedef enum {
  ASL_PARAM_PLAIN,   /* positional or keyword */
  ASL_PARAM_POSONLY, /* before `/` */
  ASL_PARAM_KWONLY,  /* after `*` or `*args` */
  ASL_PARAM_STAR,    /* *args */
  ASL_PARAM_KWSTAR,  /* **kwargs */
} AslParamKind;

typedef struct AslParam {
  const char *name;
  uint8_t kind;       /* AslParamKind */
  bool has_default;
  AslValue dflt;      /* the default's value (UNKNOWN if not literal) */
} AslParam;

/* The arguments of one call. */
typedef struct AslArgs {
  const AslValue *pos;        /* positional, in order */
  uint8_t npos;
  const char *const *kwnames; /* keyword arguments */
  const AslValue *kw;
  uint8_t nkw;
  bool star, kwstar;          /* a `*x` / `**x` may supply any parameter */
} AslArgs;

/** The value the call `args` gives parameter `i` of `params` (skipping
 * the first `skip` parameters, `self` of a bound method): an argument, the
 * default, or UNKNOWN. */
AslValue asl_args_bind(const AslArgs *args, const AslParam *params,
                       uint32_t nparams, uint32_t skip, uint32_t i);
/** A copy of `args` (and its strings) in `a`; NULL for NULL. */
const AslArgs *asl_args_copy(AslArena *a, const AslArgs *args);
/** Hash and equality of two calls' arguments (for memos of answers). */
uint32_t asl_args_hash(const AslArgs *args);
bool asl_args_same(const AslArgs *x, const AslArgs *y);

/* ---- conditions ----------------------------------------------------------- */

typedef enum {
  ASL_TEST_IS_NONE,    /* p is None */
  ASL_TEST_TRUTHY,     /* p (bool(p)) */
  ASL_TEST_ISINSTANCE, /* isinstance(p, T): text is "T1|T2" (absolute;
                          "?" for a class we cannot name) */
  ASL_TEST_EQ,         /* p == lits[0] (or p in lits) */
  ASL_TEST_ENDSWITH,   /* p.endswith(lits) */
  ASL_TEST_STARTSWITH, /* p.startswith(lits) */
  ASL_TEST_HASATTR,    /* hasattr(p, text) */
} AslTestKind;

/* One test on one parameter. */
typedef struct AslAtom {
  uint8_t test;     /* AslTestKind */
  uint8_t param;    /* the function's parameter number */
  bool negated;
  uint8_t clause;   /* the clause it belongs to */
  uint8_t nlits;
  const AslValue *lits;
  const char *text;
} AslAtom;

/* A conjunction of clauses, each a disjunction of atoms, over the
 * parameters of one function. No atom: always (or nothing known). */
typedef struct AslCond {
  const AslAtom *atoms; /* sorted by clause */
  uint16_t natoms;
  uint8_t nclauses;
  bool never;           /* cannot hold (a branch of `if False:`) */
  bool exact;           /* exactly the condition: it may be negated */
} AslCond;

/* The condition that always holds (nothing known). */
#define ASL_COND_ALWAYS ((AslCond){NULL, 0, 0, false, false})

/** A condition of one atom. */
AslCond asl_cond_atom(AslArena *a, const AslAtom *atom);
/** x and y; clauses past the cap are dropped (inexact). */
AslCond asl_cond_and(AslArena *a, AslCond x, AslCond y);
/** x or y (distributed; what does not fit is dropped, inexact). */
AslCond asl_cond_or(AslArena *a, AslCond x, AslCond y);
/** not x when x is exact and small; else ASL_COND_ALWAYS. */
AslCond asl_cond_not(AslArena *a, AslCond x);
/** A copy in `a`. */
AslCond asl_cond_copy(AslArena *a, AslCond x);
/** Does x imply y (every clause of y is in x)? Then y adds nothing. */
bool asl_cond_implies(AslCond x, AslCond y);

/* How a call's arguments bind a callee's parameters: the callee's
 * parameter list, the call's arguments, and how many leading parameters
 * the call binds itself (a bound method's self). */
typedef struct AslBinder {
  const AslParam *params;
  uint32_t nparams;
  const AslArgs *args; /* NULL: nothing known */
  uint32_t skip;
  /* Is `callee` (absolute) a class? Its name then, else NULL; NULL
   * callback: no ASL_VAL_CALL is an instance. */
  const char *(*class_of)(void *ctx, const char *callee);
  void *ctx;
} AslBinder;

/** Evaluates `c` (over the callee's parameters) at a call: 1 it holds
 * whatever else is true, 0 it cannot hold, -1 it may. */
int asl_cond_eval(AslCond c, const AslBinder *b);
/** Rewrites `c` (over the callee's parameters) in terms of the caller's:
 * tests on arguments the caller passes on from its own parameters move to
 * those, tests on literals are decided, the rest are dropped. False if
 * `c` cannot hold at this call. */
bool asl_cond_subst(AslArena *a, AslCond c, const AslBinder *b,
                    AslCond *out);
/** One test on one value: 1, 0, or -1 (unknown); negation not applied. */
int asl_value_test(const AslValue *v, const AslAtom *at);

#endif /* ASL_ANALYZER_COND_H_ */
