/*
 * index.h - internal: the per-file facts extracted in phase 1 (facts.c),
 * the project index built from them in phase 2 (index.c), and where files
 * sit in a project: module names and project roots (project.c).
 */
#ifndef ASL_ANALYZER_INDEX_H_
#define ASL_ANALYZER_INDEX_H_

#include "asl.h"
#include "cond.h"

/* How a name is bound at module or class level. */
typedef enum {
  ASL_FACT_FUNCTION,  /* def */
  ASL_FACT_COROUTINE, /* async def without yield */
  ASL_FACT_ASYNCGEN,  /* async def with yield */
  ASL_FACT_CLASS,     /* class: `cls` says which */
  ASL_FACT_IMPORT,    /* import / from-import: `target` (NULL: unknown) */
  ASL_FACT_VALUE,     /* assignment, for target, anything else */
  ASL_FACT_UNPARSED, /* a placeholder for a def or class the pre-filter
                        did not parse (pieces.c): a lookup that reaches it
                        is reported to the watcher, and answers nothing */
} AslFactKind;

/* One binding of one name; a name bound twice has two entries. */
typedef struct AslFactBinding {
  const char *name;
  const char *qualname;          /* "name", or "Class.name" for a member */
  AslFactKind kind;
  const char *target;            /* IMPORT: absolute dotted name */
  uint32_t line, column;         /* 1-based, of the bound name */
  const char *const *decorators; /* absolute names, outermost first */
  uint32_t ndecorators;
  uint32_t cls;                  /* CLASS: index into the file's classes */
  const char *returns;           /* defs: the class of what a call gives
                                    (awaited, for an async def), absolute
                                    (asl_def_returns); NULL if unknown */
  const char *enters;            /* a context-manager generator: what
                                    `with` binds (asl_def_enters) */
  const char *fixture;           /* a pytest fixture: its value's type
                                    (asl_fixture_value: a class, or "!"
                                    for a coroutine function) */
  bool awaitable;                /* VALUE: a callable whose call gives an
                                    awaitable (`h: Callable[...,
                                    Awaitable[None]]`, or an alias of
                                    that type): called, it is a coroutine
                                    function to ASL1 */
  const char *value_type;        /* a module-level name bound once to a
                                    value of a blocking catalog type
                                    (`CONFIG = HERE / "x.yaml"`: ASL2xx) */
  const char *returns_coroutine; /* a sync def whose every return gives a
                                    call of this coroutine function of its
                                    own class or module: its call gives a
                                    coroutine (ASL1xx) */
  bool gives_coroutine_function; /* a sync def returning a coroutine
                                    function (asl_def_gives_coroutine_
                                    function): as a decorator of an async
                                    def, it keeps it a coroutine function */
  bool task_wrapper;             /* a sync def that returns the task it
                                    creates and keeps no other reference
                                    (`return asyncio.create_task(c)`):
                                    a discarded call drops the task */
  bool by_name;                  /* an async method a call on an object of
                                    unknown class may reach by its name
                                    alone (ASL104): every file spelling the
                                    name must be read */
  uint32_t order;                /* source order, to keep sorts stable */
} AslFactBinding;

/* A top-level class. */
typedef struct AslFactClass {
  const char *name;
  const char *const *bases; /* absolute dotted names; "?" = an expression
                               we cannot name (a call, a local) */
  uint32_t nbases;
  AslFactBinding *members;  /* sorted by name, then source order */
  uint32_t nmembers;
  struct AslFactAttr *attrs; /* instance attributes of known type, sorted
                                by name (rules/callee.c's facts hook) */
  uint32_t nattrs;
  uint32_t node;            /* class_definition node (extraction only) */
  bool site_typed;          /* its __init__ stores an unannotated
                               parameter in `self.x`, and it has an async
                               method: the index may type the parameter
                               by the class's construction sites
                               (AslFactSite), so the pre-filter parses
                               every file that can name the class */
} AslFactClass;

/* An attribute of a class's instances and its type: what the class
 * declares (`x: Client` in its body, `self.x: Client = ...`), or what
 * every store `self.x = ...` of its methods agrees on (None stores aside).
 * The type is a receiver type (index.c, "receiver types"). */
typedef struct AslFactAttr {
  const char *name;
  const char *type;
} AslFactAttr;

/* One use, by name, of something that looks like a class (its last
 * component starts with a capital, past underscores), for call-site
 * parameter types (rules/callee.c's facts hook): a call `C(...)` with
 * what each argument is, or an `escape`: any other use through which an
 * instance may be made unseen (an alias, a base, `C.__init__`, `cls()` in
 * its own body, a value passed on). Annotations, imports and isinstance
 * tests are no uses. */
typedef struct AslFactSite {
  const char *callee;      /* absolute dotted name */
  uint32_t line;           /* 1-based (pieces.c merges by line) */
  bool escape;
  bool opaque;             /* `*args`/`**kw` may supply any parameter */
  uint32_t npos, nkw;
  const char *const *pos;  /* receiver types of the positional arguments:
                              NULL unknown, "-" the literal None */
  const char *const *kwnames;
  const char *const *kw;   /* the same for the keyword arguments */
} AslFactSite;

/* Everything the index needs from one file. All memory belongs to the
 * arena given to asl_facts_extract (the run's). */
typedef struct AslFileFacts {
  const char *module;     /* dotted name; NULL if unknown */
  const char *alias;      /* its name through namespace packages
                             (asl_layout_namespace_module), or NULL */
  const char *path;       /* display path */
  uint32_t project;
  bool is_package;        /* an __init__ file */
  bool is_stub;           /* a .pyi file (a .py of the same module wins) */
  AslFactBinding *names;  /* module level, sorted by name then order */
  uint32_t nnames;
  AslFactClass *classes;
  uint32_t nclasses;
  const char *const *stars; /* absolute modules of `from M import *` */
  uint32_t nstars;
  const char *const *plugins; /* absolute modules of `pytest_plugins` */
  uint32_t nplugins;
  struct AslFactFunc *funcs; /* sync defs, for ASL210 (rules/blocking) */
  uint32_t nfuncs;
  AslFactSite *sites;     /* uses of class-like names, in source order */
  uint32_t nsites;
} AslFileFacts;

/* One call a sync function makes, as a question for the index. */
typedef struct AslFactCall {
  AslCallee callee;
  const AslArgs *args; /* what it passes; NULL: nothing known */
  AslCond guard;       /* when it runs, over the function's parameters */
  bool iterated;       /* its value is iterated right away (a generator's
                          body runs in the caller) */
} AslFactCall;

/* A direct blocking call in a sync function. */
typedef struct AslFactBlock {
  const char *call;      /* as shown in chains: "open()" */
  uint32_t line, column; /* 1-based */
  uint8_t weight;        /* what it costs: 3 network, subprocess, sleep,
                            database, input; 2 file contents; 1 file
                            metadata (stat, mkdir) */
  uint8_t rule;          /* its AslRuleId (ASL201..ASL207) */
  AslCond guard;         /* when it runs, over the function's parameters */
} AslFactBlock;

/* How a call binds a function's first parameter. */
typedef enum {
  ASL_BINDS_NONE,  /* a function or staticmethod */
  ASL_BINDS_SELF,  /* a method: through an instance, or as __init__ */
  ASL_BINDS_CLASS, /* a classmethod: always */
} AslBinds;

/* A sync function (any nesting) for the "may block" fixpoint: filled in
 * phase 1 by the blocking pass's facts hook, read by the index. */
typedef struct AslFactFunc {
  const char *name;       /* as shown in chains: "read_file", "Repo.load" */
  uint32_t line, column;  /* of the def's name: how a resolved AslDef
                             (path, line, column) finds it */
  bool generator;         /* a call hands the body to a thread
                             (@sync_to_async): it never blocks */
  bool yields;            /* a generator: a call runs nothing, iterating
                             what it gives runs the body */
  uint8_t binds;          /* AslBinds */
  AslParam *params;
  uint32_t nparams;
  AslFactBlock *blocks;   /* its direct blocking calls (error paths not) */
  uint32_t nblocks;
  AslFactCall *calls;     /* the calls in its own body (nested defs not) */
  uint32_t ncalls;
} AslFactFunc;

/* One function of a chain, where it is defined. */
typedef struct AslChainStep {
  const char *name, *path;
  uint32_t line, column;
} AslChainStep;

enum { ASL_CHAIN_MAX = 16 };

/* A blocking call a function can reach at one call site, and how. */
typedef struct AslBlockPath {
  AslChainStep steps[ASL_CHAIN_MAX]; /* functions, caller first; a longer
                                        chain keeps its first ones and the
                                        one that blocks */
  uint32_t n;            /* how many steps are kept */
  uint32_t total;        /* how many functions the chain has */
  const char *call;      /* the direct blocking call, "open()" */
  const char *path;      /* where it is */
  uint32_t line, column;
  uint8_t weight;        /* AslFactBlock.weight */
  uint8_t rule;          /* AslFactBlock.rule */
  bool certain;          /* reached whatever the arguments (else: the
                            site's arguments do not rule it out) */
  uint32_t bfunc, bsite; /* which blocking call (internal) */
} AslBlockPath;

/** Resolves what a call's callee is, as a rule would ask: a NAME or a
 * METHOD/SUPER through the index, a LOCAL def as described. A class
 * answers CLASS (see asl_index_may_block for its __init__). */
AslDefKind asl_index_callee(const AslIndex *idx, uint32_t from,
                            const AslCallee *callee, AslDef *out);
/** For a method `name` called on an object of unknown class going by the
 * name `receiver` (`cart`, `offline_bot`): one of its async defs
 * (COROUTINE, the first by path) whose class the receiver's name names
 * (its words end the class's, or the class's end its: `layer` and
 * ChannelLayer, `offline_bot` and Bot), when every def, class or class
 * attribute called `name` in the project of file `from` is an async def;
 * else UNKNOWN. */
AslDefKind asl_index_async_only(const AslIndex *idx, uint32_t from,
                                const char *name, const char *receiver,
                                AslDef *out);
/** Does receiver type `type` (see asl_index_method) name a class of the
 * project, as seen from file `from`? */
bool asl_index_receiver_is_class(const AslIndex *idx, uint32_t from,
                                 const char *type);
/** Is `path` a conftest.py (whose fixtures every test below it gets)? */
bool asl_is_conftest(const char *path);
/** Callees that are the same question to the index from one file: the
 * same kind, dotted name and attribute (and, LOCAL, the same def). For
 * memos of the answers; the hash agrees with it. */
bool asl_callee_same(const AslCallee *a, const AslCallee *b);
uint32_t asl_callee_hash(const AslCallee *c);
/** The blocking calls that calling `def` (a FUNCTION, or a CLASS: its
 * __init__) may reach through sync functions of the project, given the
 * call's `callee` (how it binds self) and `args` (NULL: nothing known):
 * those whose path conditions the arguments do not rule out, each with
 * its chain, sorted (certain first, then heaviest, then shortest). Fills
 * up to `max` of them into `out` (strings owned by the index's facts),
 * sets *total to how many there are, and returns how many it filled. The
 * summaries are a fixpoint over the call graph computed once, when the
 * index is built. A generator's body counts only when the call's value
 * is `iterated` right away. */
uint32_t asl_index_may_block(const AslIndex *idx, uint32_t from,
                             const AslDef *def, const AslCallee *callee,
                             const AslArgs *args, bool iterated,
                             AslBlockPath *out, uint32_t max,
                             uint32_t *total);

/** Is `def` a property getter (`@property`, `functools.cached_property`):
 * reading the attribute runs its body? */
bool asl_def_is_property(const AslDef *def);

/** Is `def` a sync generator function of the project (a call builds a
 * generator; iterating it runs the body)? */
bool asl_index_yields(const AslIndex *idx, uint32_t from, const AslDef *def);

/** The binding a def named `name` at `line` makes: at module level, or
 * in a class (then *cls is that class, else NULL). NULL if none. */
AslFactBinding *asl_facts_def_binding(AslFileFacts *f, const char *name,
                                      uint32_t line, const AslFactClass **cls);

/** Extracts the facts of the file described by `cx` (tree, names, module,
 * project) into `a`. `path` is the display path recorded for definitions.*/
AslFileFacts *asl_facts_extract(AslArena *a, const AslCtx *cx,
                                const char *path);

/* A top-level def or class a partial parse skipped (pieces.c). */
typedef struct AslUnparsed {
  const char *name;
  uint32_t line, column; /* 1-based, of its name */
} AslUnparsed;

/** Adds placeholders for the defs not parsed to the module-level names of
 * `f` (arena `a`). */
void asl_facts_add_unparsed(AslArena *a, AslFileFacts *f,
                            const AslUnparsed *defs, uint32_t n);

/** Is 1-based `line` on one of the n [first, end) pairs `lines` (always,
 * when `lines` is NULL)? What a unit of a file adds (pieces.c). */
bool asl_lines_hold(const uint32_t *lines, uint32_t n, uint32_t line);
/** Adds to `into` the facts of `add` (a later unit of the same file,
 * pieces.c) that lie on the [first, end) line pairs `lines`: they replace
 * the placeholders there. */
void asl_facts_merge(AslArena *a, AslFileFacts *into, const AslFileFacts *add,
                     const uint32_t *lines, uint32_t nlines);

/* What a step past a name outside the project (AslExternalStep) gives
 * (an absolute class name), or NULL: a catalog of
 * libraries the rules hold, handed to the index by the driver. */
typedef const char *(*AslExternalResult)(const char *name,
                                         AslExternalStep how);
/** Lets the index step past names outside the project with `fn`. */
void asl_index_set_external_result(AslIndex *idx, AslExternalResult fn);

/* The project id of the files read from the Python environment (env.h):
 * a module a file's own project lacks is looked up there, and lookups
 * from those files stay there. */
#define ASL_LIBRARY_PROJECT (UINT32_MAX - 1)
/** Makes lookups fall back to ASL_LIBRARY_PROJECT (an environment is in
 * use: in watch mode, the watcher hears those lookups even before any of
 * its files is read). */
void asl_index_use_library(AslIndex *idx);

/** Builds the index over `n` files' facts (which must outlive it). Two
 * files claiming the same module in one project make that module
 * ambiguous (nothing in it resolves), except a .pyi beside its .py. */
AslIndex *asl_index_new(AslFileFacts *const *facts, uint32_t n);
/** The hash the index files module s[0..n) of `project` under (the
 * pre-filter's table of cold modules uses it too). */
uint32_t asl_hash_module(uint32_t project, const char *s, size_t n);
void asl_index_delete(AslIndex *idx);

/* Told of every module lookup a question makes (after the asking file's
 * own module): the pre-filter's driver parses the files it names.
 * `in_bases`: the lookup resolves a base of a class whose method walk
 * goes on past it (another base, or an ancestor's); there a module that
 * is not parsed ends the walk early, whatever the answer says.
 * `unparsed`: the lookup reached the placeholder of a def of that module
 * that the pre-filter did not parse (the module's own file included). */
typedef void (*AslIndexWatch)(void *ctx, uint32_t project,
                              const char *module, size_t len, bool in_bases,
                              bool unparsed);
/** An index in watch mode: lookups are reported to `fn`, and
 * asl_index_may_block, instead of answering (it says false), resolves
 * every call of every function its answer could go through, so that each
 * module those calls name is reported. */
AslIndex *asl_index_new_watching(AslFileFacts *const *facts, uint32_t n,
                                 AslIndexWatch fn, void *ctx);

/* ---- project layout (project.c) ----------------------------------------
 * Modules are named the way mypy and pyright name them without
 * configuration: a file's import root is the first ancestor directory
 * without an `__init__.py`, so `src/` layouts work by themselves. A
 * project is the nearest ancestor holding pyproject.toml, setup.cfg,
 * setup.py or .git. Lookups are cached per directory. */

typedef struct AslLayout AslLayout;

AslLayout *asl_layout_new(void);
void asl_layout_delete(AslLayout *l);

/** The module name of the file at `fs_path` ("pkg.sub.mod"; "pkg" for
 * pkg/__init__.py), and whether it is a package's __init__ or a stub.
 * NULL if the name is not a valid dotted identifier path. The string is
 * owned by `a`. */
const char *asl_layout_module(AslLayout *l, AslArena *a, const char *fs_path,
                              bool *is_package, bool *is_stub);
/** The project id of the file or directory at `fs_path`: one id per
 * project root; every path with no marker above it shares one id. */
uint32_t asl_layout_project(AslLayout *l, const char *fs_path);
/** The root directory of project `id` (absolute), or NULL for the id of
 * paths without a marker. */
const char *asl_layout_root(const AslLayout *l, uint32_t id);
/** The real path of the file at `fs_path` relative to the root of its
 * project `project` ("tests/test_app.py"), or NULL when it has no root or
 * lies outside it. Owned by `a`. */
const char *asl_layout_project_path(AslLayout *l, AslArena *a,
                                    const char *fs_path, uint32_t project);
/** The name an import gives module `module` (asl_layout_module) when a
 * folder between it and its project's root (or the root's `src/`) has no
 * `__init__.py`: a namespace package, as mypy and pyright resolve imports
 * from the root ("ns.sub.mod" for root/ns/sub/mod.py, module "sub.mod" or
 * "mod"). NULL when it has no other name. Owned by `a`. */
const char *asl_layout_namespace_module(AslLayout *l, AslArena *a,
                                        const char *fs_path, uint32_t project,
                                        const char *module, bool is_package);
/** A fresh project id no path maps to (standard input). */
uint32_t asl_layout_fresh_project(AslLayout *l);

#endif /* ASL_ANALYZER_INDEX_H_ */
