/*
 * asl.h - the analyzer's public interface: memory, sources, the flattened
 * syntax tree, diagnostics, the rule registry and the run driver.
 *
 * Ownership in one sentence: everything derived from one file lives in that
 * file's AslArena and dies with asl_arena_reset(); only diagnostics copied
 * into the run (AslRun) outlive it.
 */
#ifndef ASL_ANALYZER_ASL_H_
#define ASL_ANALYZER_ASL_H_

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ASL_VERSION "0.1.0"
#define ASL_NONE UINT32_MAX

/* Hard caps (curl's `toobig`): inputs past them are skipped with a message. */
#define ASL_MAX_FILE_BYTES (16u * 1024u * 1024u)
/* Bytes of a finding's source line kept for display and fingerprints. */
#define ASL_SOURCE_LINE_MAX 1024u

/* ------------------------------------------------------------------------
 * Status codes (libuv's UV_ERRNO_MAP style): 0 is OK.
 * ---------------------------------------------------------------------- */
#define ASL_STATUS_MAP(XX)                                                   \
  XX(OK, "ok")                                                               \
  XX(EUSAGE, "usage error")                                                  \
  XX(EIO, "could not read")                                                  \
  XX(ETOOBIG, "file too large")                                              \
  XX(ENOTFILE, "not a regular file")                                         \
  XX(EABI, "grammar ABI version not supported")                             \
  XX(EINTERNAL, "internal error")

typedef enum {
#define XX(name, msg) ASL_##name,
  ASL_STATUS_MAP(XX)
#undef XX
} AslStatus;

/** Returns a static message for `st`. */
const char *asl_strstatus(AslStatus st);

/* ------------------------------------------------------------------------
 * Heap and arenas
 * ---------------------------------------------------------------------- */

/** malloc/realloc/calloc wrappers that abort on out-of-memory. */
void *asl_malloc(size_t n);
void *asl_calloc(size_t count, size_t n);
void *asl_realloc(void *p, size_t n);
void asl_free(void *p);
char *asl_strdup(const char *s);

/** `n` bytes (16-aligned) from the page regions (memory.c), for memory a
 * pool recycles itself: never freed nor given back to the system. NULL
 * when the build has no page regions (sanitizer and valgrind builds, which
 * must see every block) or the system refuses one: use malloc then. */
void *asl_pages_alloc(size_t n);

/** Sets malloc up for a run (memory.c): call it once, first thing. */
void asl_heap_tune(void);

typedef struct AslArenaChunk AslArenaChunk;

/** A bump allocator; memory is released all at once. */
typedef struct AslArena {
  AslArenaChunk *head; /* newest chunk first */
  size_t total;        /* bytes handed out since the last reset */
  bool sparse;         /* chunks from malloc, not the page regions */
} AslArena;

void asl_arena_init(AslArena *a);
/** An arena of which many live at once, each holding little (a file's
 * facts kept by the language server's cache): its chunks come from malloc,
 * whose untouched pages cost no memory, not from the huge-page regions,
 * where each chunk would hold its whole 64 KB. */
void asl_arena_init_sparse(AslArena *a);
/** Frees every chunk but the first; afterwards the arena is empty. */
void asl_arena_reset(AslArena *a);
void asl_arena_destroy(AslArena *a);
/** Returns `n` bytes aligned to 16, zeroed. Never NULL. */
void *asl_arena_alloc(AslArena *a, size_t n);
/** Like asl_arena_alloc, not zeroed: for blocks the caller fills. */
void *asl_arena_alloc_raw(AslArena *a, size_t n);
char *asl_arena_strndup(AslArena *a, const char *s, size_t n);
char *asl_arena_strdup(AslArena *a, const char *s);
char *asl_arena_printf(AslArena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *asl_arena_vprintf(AslArena *a, const char *fmt, va_list ap);

/* A growable array in the shape of tree-sitter's Array(T). Backed by the
 * heap (asl_vec_*) and freed with asl_vec_free, or by an arena
 * (asl_avec_push) and never freed by hand. */
#define AslVec(T) struct { T *items; uint32_t len, cap; }
#define asl_vec_push(v, x)                                                   \
  (asl__vec_grow((void **)&(v)->items, &(v)->cap, (v)->len + 1,              \
                 sizeof(*(v)->items), NULL),                                 \
   (v)->items[(v)->len++] = (x))
#define asl_avec_push(arena, v, x)                                           \
  (asl__vec_grow((void **)&(v)->items, &(v)->cap, (v)->len + 1,              \
                 sizeof(*(v)->items), (arena)),                              \
   (v)->items[(v)->len++] = (x))
typedef AslVec(const char *) AslStrVec;
#define asl_vec_free(v) (asl_free((v)->items), (v)->items = NULL,            \
                         (v)->len = (v)->cap = 0)
void asl__vec_grow(void **items, uint32_t *cap, uint32_t need, size_t elem,
                   AslArena *arena);

/* Binary search: sets `out` (uint32_t) to the first index in [0, n) for
 * which `below` is false, `below` being an expression in `mid` that holds
 * on a prefix of the range ("the key at mid sorts before the one
 * sought"); n if it holds everywhere. */
#define ASL_LOWER_BOUND(out, n, mid, below)                                  \
  do {                                                                       \
    uint32_t asl_lo_ = 0, asl_hi_ = (n);                                     \
    while (asl_lo_ < asl_hi_) {                                              \
      uint32_t mid = asl_lo_ + (asl_hi_ - asl_lo_) / 2;                      \
      if (below) asl_lo_ = mid + 1;                                          \
      else asl_hi_ = mid;                                                    \
    }                                                                        \
    (out) = asl_lo_;                                                         \
  } while (0)

/** qsort's comparison of two uint64_t (keys packed as hi << 32 | lo). */
int asl_cmp_u64(const void *a, const void *b);

/** Sorts n elements of `size` bytes (uint32_t fields only), each starting
 * with a uint32_t key, by that key, stably (a radix sort: elements pushed
 * in order of a second key come out sorted by both, with no comparison
 * function). */
void asl_sort_by_u32_key(void *v, uint32_t n, size_t size);

/* A growable byte buffer on the heap, for building output. */
typedef struct AslBuf {
  char *data;
  size_t len, cap;
} AslBuf;
void asl_buf_put(AslBuf *b, const char *s, size_t n);
void asl_buf_puts(AslBuf *b, const char *s);
void asl_buf_putc(AslBuf *b, char c);
void asl_buf_printf(AslBuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void asl_buf_free(AslBuf *b);
/** Appends `s` as a JSON string literal (with quotes); bytes that are not
 * valid UTF-8 become U+FFFD so the output is always valid JSON. */
void asl_buf_json_str(AslBuf *b, const char *s, size_t n);
/** Length of the valid UTF-8 sequence at `s` (`n` bytes left), 0 if the
 * bytes there are not valid UTF-8. */
size_t asl_utf8_seq(const unsigned char *s, size_t n);

/* ------------------------------------------------------------------------
 * Source text
 * ---------------------------------------------------------------------- */

typedef struct AslSource {
  const char *path;   /* as the user would type it (display path) */
  const char *text;   /* the bytes, BOM removed, NUL-terminated */
  uint32_t len;
  uint32_t *line_starts; /* byte offset of each line's start */
  uint32_t nlines;
} AslSource;

/** Reads `path` into the arena. On failure returns a status and leaves a
 * human-readable reason in *why (arena-owned). */
AslStatus asl_source_read(AslArena *a, const char *path, const char *display,
                          AslSource *out, const char **why);
/** The same without the line map (a file that may never be parsed); call
 * asl_source_index_lines before asking for lines or columns. */
AslStatus asl_source_read_bytes(AslArena *a, const char *path,
                                const char *display, AslSource *out,
                                const char **why);
/** Builds the line map if it is missing. */
void asl_source_index_lines(AslArena *a, AslSource *s);
/** The same for a text that starts with `prefix`'s (its lines indexed):
 * only what follows the prefix's last line start is read again. */
void asl_source_index_lines_after(AslArena *a, AslSource *s,
                                  const AslSource *prefix);
/** Wraps bytes already in memory (stdin, tests, fuzzing); copies them. */
void asl_source_from_bytes(AslArena *a, const char *display, const char *bytes,
                           size_t len, AslSource *out);
/** 0-based line of a byte offset. */
uint32_t asl_source_line_of(const AslSource *s, uint32_t byte);
/** 1-based column in characters (UTF-8 code points; a tab is one character,
 * as in ruff) of a byte offset on 0-based line `line`. */
uint32_t asl_source_column(const AslSource *s, uint32_t line, uint32_t byte);
/** The text of 0-based line `line` without its terminator. */
const char *asl_source_line_text(const AslSource *s, uint32_t line,
                                 uint32_t *len);

/* ------------------------------------------------------------------------
 * The flattened syntax tree
 *
 * After parsing, the tree-sitter tree is copied once, iteratively, into an
 * array of AslNode in pre-order, and deleted. Rules walk this array: node
 * i's descendants are i+1 .. end_of(i)-1, so a pre-order walk is a loop and
 * nothing recurses on the depth of the input.
 * ---------------------------------------------------------------------- */

/* Node kinds we name (tree-sitter-python type names). Everything else is
 * ASL_K_OTHER (named) or ASL_K_TOKEN (anonymous), with `sym` kept. */
#define ASL_KIND_MAP(XX)                                                     \
  XX(module) XX(function_definition) XX(class_definition)                    \
  XX(decorated_definition) XX(decorator) XX(lambda) XX(block)                \
  XX(expression_statement) XX(assignment) XX(augmented_assignment)           \
  XX(named_expression) XX(return_statement) XX(yield) XX(await) XX(call)     \
  XX(attribute) XX(identifier) XX(argument_list) XX(keyword_argument)        \
  XX(list_splat) XX(dictionary_splat) XX(parenthesized_expression)           \
  XX(list) XX(tuple) XX(set) XX(dictionary) XX(pair)                         \
  XX(list_comprehension) XX(set_comprehension) XX(dictionary_comprehension)  \
  XX(generator_expression) XX(for_in_clause) XX(if_clause)                   \
  XX(if_statement) XX(elif_clause) XX(else_clause) XX(for_statement)         \
  XX(while_statement) XX(try_statement) XX(except_clause)                    \
  XX(finally_clause) XX(with_statement)              \
  XX(with_clause) XX(with_item) XX(match_statement) XX(case_clause)          \
  XX(import_statement) XX(import_from_statement) XX(future_import_statement) \
  XX(aliased_import) XX(dotted_name) XX(relative_import) XX(import_prefix)   \
  XX(wildcard_import) XX(global_statement) XX(nonlocal_statement)            \
  XX(delete_statement) XX(pass_statement) XX(break_statement)                \
  XX(continue_statement) XX(raise_statement) XX(assert_statement)            \
  XX(subscript) XX(slice) XX(pattern_list) XX(tuple_pattern)                 \
  XX(list_pattern) XX(expression_list) XX(parameters)                        \
  XX(lambda_parameters) XX(default_parameter) XX(typed_parameter)            \
  XX(typed_default_parameter) XX(list_splat_pattern)                         \
  XX(dictionary_splat_pattern) XX(type) XX(boolean_operator)                 \
  XX(not_operator) XX(comparison_operator) XX(binary_operator)               \
  XX(unary_operator) XX(conditional_expression) XX(string)                   \
  XX(string_content) XX(interpolation) XX(concatenated_string) XX(integer)   \
  XX(float) XX(true) XX(false) XX(none) XX(comment) XX(ERROR)                \
  XX(keyword_separator) XX(positional_separator) XX(as_pattern)              \
  XX(type_alias_statement) XX(exec_statement)          \
  XX(print_statement) XX(ellipsis) XX(parenthesized_list_splat)       \
  XX(string_start) XX(string_end) XX(escape_sequence) XX(format_expression)   \
  XX(as_pattern_target) XX(case_pattern) XX(class_pattern)                   \
  XX(keyword_pattern) XX(dict_pattern) XX(splat_pattern) XX(union_pattern)   \
  XX(generic_type) XX(type_parameter)

typedef enum {
  ASL_K_OTHER = 0, /* a named node we do not name */
  ASL_K_TOKEN,     /* an anonymous token: keyword, operator, punctuation */
#define XX(name) ASL_K_##name,
  ASL_KIND_MAP(XX)
#undef XX
  ASL_K__COUNT
} AslKind;

/* Field names (tree-sitter-python) a node can have in its parent. */
#define ASL_FIELD_MAP(XX)                                                    \
  XX(name) XX(parameters) XX(body) XX(return_type) XX(function)              \
  XX(arguments) XX(object) XX(attribute) XX(left) XX(right) XX(value)        \
  XX(type) XX(condition) XX(consequence) XX(alternative) XX(operator)        \
  XX(argument) XX(alias) XX(module_name) XX(superclasses) XX(key)            \
  XX(subscript) XX(code) XX(definition) XX(operators) XX(cause)             \
  XX(subject) XX(guard) XX(type_parameters)           \
  XX(expression) XX(format_specifier) XX(type_conversion)

typedef enum {
  ASL_F_NONE = 0,
#define XX(name) ASL_F_##name,
  ASL_FIELD_MAP(XX)
#undef XX
  ASL_F__COUNT
} AslField;

enum {
  ASL_NODE_NAMED = 1u << 0,
  ASL_NODE_ERROR = 1u << 1,     /* an ERROR node or a MISSING token */
  ASL_NODE_IN_ERROR = 1u << 2,  /* inside an ERROR node: rules skip it */
};

typedef struct AslNode {
  uint16_t kind;        /* AslKind */
  uint16_t sym;         /* the tree-sitter symbol (for tokens: which one) */
  uint8_t field;        /* AslField of this node within its parent */
  uint8_t flags;        /* ASL_NODE_* */
  uint16_t nchildren;   /* saturates at 65535; walk siblings to be exact */
  uint32_t parent;      /* ASL_NONE for the root */
  uint32_t next;        /* next sibling or ASL_NONE */
  uint32_t end;         /* one past the last descendant (pre-order index) */
  uint32_t scope;       /* nearest enclosing function/lambda/class/module,
                           itself excluded (the root's scope is itself) */
  uint32_t start_byte, end_byte;
} AslNode;

typedef struct AslTree {
  AslNode *nodes; /* pre-order; nodes[0] is the module */
  uint32_t count;
  bool has_error;
  uint32_t first_error; /* node index of the first ERROR/MISSING or NONE */
} AslTree;

/** Makes tree-sitter allocate from per-thread pools (parse.c). Call it
 * once, before any tree-sitter object exists: a block must be freed by
 * the allocator that made it. */
void asl_pool_tree_sitter(void);

/** Parses `src` and flattens the tree into the arena. Returns a status
 * (never fails on bad input: tree-sitter always produces a tree). The
 * parser object is per thread and reused (asl_parser_*). */
typedef struct AslParser AslParser;
AslStatus asl_parser_new(AslParser **out, const char **why);
void asl_parser_delete(AslParser *p);
void asl_parse(AslParser *p, AslArena *a, const AslSource *src, AslTree *out);

/* A top-level statement as a small tokenizer finds it (parse.c). */
typedef struct AslTopStatement {
  uint32_t start; /* its first byte: its decorators', or the comments and
                     blank lines before it (0 for the first) */
  uint32_t head;  /* where the statement proper begins, past those */
} AslTopStatement;

/** Splits `s` into its top-level statements, in order; they tile the
 * text (each ends where the next starts). Lines that continue a compound
 * statement (`else:`) stay with it. Arena-owned array; returns its size. */
uint32_t asl_split_top_level(AslArena *a, const AslSource *s,
                             AslTopStatement **out);
/** Parses only the byte ranges [bounds[2k], bounds[2k+1]) of `src` (whole
 * top-level statements, in order, not touching), as if nothing else were
 * there: node positions are the file's. No damage recovery: the caller
 * parses the whole file when out->has_error. */
void asl_parse_ranges(AslParser *p, AslArena *a, const AslSource *src,
                      const uint32_t *bounds, uint32_t nranges, AslTree *out);

/** Grammar and core versions for --version and the ABI check. */
uint32_t asl_grammar_abi(void);

/* Node helpers (all O(children) at most, no recursion). */
static inline const AslNode *asl_node(const AslTree *t, uint32_t i) {
  return &t->nodes[i];
}
/** First child of `i` (named or not), ASL_NONE if none. */
uint32_t asl_first_child(const AslTree *t, uint32_t i);
/** First named child of `i`. */
uint32_t asl_first_named(const AslTree *t, uint32_t i);
/** Next named sibling of `i`. */
uint32_t asl_next_named(const AslTree *t, uint32_t i);
/** The child of `i` in field `f`, ASL_NONE if absent. */
uint32_t asl_child_by_field(const AslTree *t, uint32_t i, AslField f);
/** The first child of `i` of kind `k`, ASL_NONE if none. */
uint32_t asl_child_by_kind(const AslTree *t, uint32_t i, AslKind k);
/** Does `i` have an anonymous token child spelled `tok` (e.g. "async")? */
bool asl_has_token(const AslTree *t, const AslSource *s, uint32_t i,
                   const char *tok);
/** Skips parenthesized_expression wrappers. */
uint32_t asl_unparen(const AslTree *t, uint32_t i);
/** The leftmost object of an attribute chain (`self` of `self.a.b`),
 * parentheses skipped; `i` itself if it is no attribute; ASL_NONE if a
 * link is missing. */
uint32_t asl_chain_head(const AslTree *t, uint32_t i);
/** Is node text equal to the C string `s`? */
bool asl_node_text_eq(const AslTree *t, const AslSource *s, uint32_t i,
                      const char *str);
/** Copies the node's text into the arena. */
char *asl_node_text(AslArena *a, const AslTree *t, const AslSource *s,
                    uint32_t i);
/** The node's text for a message: as written when it is one line of at
 * most 60 bytes, else `fallback`. */
const char *asl_node_text_short(AslArena *a, const AslTree *t,
                                const AslSource *s, uint32_t i,
                                const char *fallback);
/** Is `i` an `async def` (function_definition with the async token)? */
bool asl_is_async_def(const AslTree *t, const AslSource *s, uint32_t i);
/** Is `i` a scope node (module, function_definition, lambda, class)? */
bool asl_is_scope(const AslTree *t, uint32_t i);
/** Name of a kind, for messages and debugging. */
const char *asl_kind_name(AslKind k);

/* ------------------------------------------------------------------------
 * Rule registry (registry.def, registry.c)
 * ---------------------------------------------------------------------- */

typedef enum { ASL_SEV_ERROR, ASL_SEV_WARNING } AslSeverity;

typedef enum {
#define RULE(code, name, family, sev, on, tests, summary) ASL_RULE_##code,
#include "registry.def"
#undef RULE
  ASL_RULE__COUNT
} AslRuleId;

typedef struct AslRule {
  const char *code;    /* "ASL301" */
  const char *name;    /* "unowned-task" */
  const char *family;  /* pass that implements it */
  AslSeverity severity;
  const char *summary; /* one line (the explain text: AslRuleSet.explain) */
  bool default_on;     /* selected unless the user asks otherwise */
  bool in_tests;       /* also reported in test code unless the user asks
                          otherwise (test-select / test-ignore) */
} AslRule;

extern const AslRule asl_rules[ASL_RULE__COUNT];
/** Looks a rule up by exact code; returns ASL_RULE__COUNT if unknown. */
AslRuleId asl_rule_by_code(const char *code);

/* ------------------------------------------------------------------------
 * Diagnostics
 * ---------------------------------------------------------------------- */

/* A place a finding points at besides its own (the chain of an ASL210:
 * each helper, then the blocking call). */
typedef struct AslRelated {
  const char *path;       /* display path */
  uint32_t line, column;  /* 1-based */
  const char *message;
} AslRelated;

/* One text edit of a fix: the characters from (line, column) up to
 * (end_line, end_column), 1-based and counted as findings' columns are
 * (code points), replaced by `content` (an insertion when both ends
 * coincide). */
typedef struct AslEdit {
  uint32_t line, column, end_line, end_column;
  const char *content;
} AslEdit;

/* A fix (ruff's model): edits that together repair one finding. Unsafe
 * fixes may change behaviour beyond the finding and apply only with
 * --unsafe-fixes. */
typedef struct AslFix {
  bool unsafe;
  const char *message;    /* "Add `await`" */
  const AslEdit *edits;
  uint32_t nedits;
} AslFix;

typedef struct AslDiag {
  const char *path;       /* display path */
  uint32_t line, column;  /* 1-based; column in characters */
  uint32_t end_line, end_column;
  AslRuleId rule;
  const char *message;
  uint32_t file_index;    /* position of the file in discovery order */
  const char *source_line; /* the text of `line` (no terminator), for the
                              `full` format and stable fingerprints */
  bool in_test;           /* the file is test code (test-paths) */
  const AslRelated *related; /* run-arena owned, or NULL */
  uint32_t nrelated;
  const AslFix *fix;      /* how to repair it, or NULL */
} AslDiag;

typedef AslVec(AslDiag) AslDiagList;

/* ------------------------------------------------------------------------
 * Options of one run
 * ---------------------------------------------------------------------- */

#define ASL_FORMAT_MAP(XX)                                                   \
  XX(TEXT, "text") XX(FULL, "full") XX(JSON, "json")                         \
  XX(JSON_LINES, "json-lines") XX(SARIF, "sarif") XX(GITHUB, "github")       \
  XX(GITLAB, "gitlab") XX(JUNIT, "junit") XX(PYLINT, "pylint")

typedef enum {
#define XX(id, name) ASL_FMT_##id,
  ASL_FORMAT_MAP(XX)
#undef XX
} AslFormat;

typedef struct AslOptions {
  bool selected[ASL_RULE__COUNT]; /* effective selection */
  AslStrVec exclude;              /* globs replacing the default excludes */
  AslStrVec extend_exclude;
  bool exclude_given;             /* --exclude replaces the defaults */
  bool respect_gitignore;
  AslFormat format;
  bool exit_zero;
  bool quiet;
  bool color;                      /* ANSI colors in text/full output */
  bool statistics;                 /* counts per code instead of findings */
  uint32_t threads;                /* phase-1 workers; 0 or 1: serial */
  AslStrVec known_coroutines;      /* --known-coroutine: dotted names */
  AslStrVec preserving_decorators; /* --preserving-decorator: dotted names */
  AslStrVec blocking_calls;        /* --blocking-call: "GLOB=SUGGESTION" */
  AslStrVec allow_blocking;        /* --allow-blocking: globs */
  AslStrVec loop_callback_decorators; /* --loop-callback-decorator: a sync
                                         def decorated so runs on the loop
                                         (Home Assistant's @callback) */
  bool index_given_only;           /* index only the given paths, not the
                                      project around them (fixtures) */
  bool no_prefilter;               /* parse every file (--no-prefilter) */
  bool unsafe_fixes;               /* --unsafe-fixes: unsafe fixes apply
                                      (and show as fixable) too */
  bool fixable[ASL_RULE__COUNT];   /* the rules whose fixes apply (fixable
                                      minus unfixable; all by default) */
  AslStrVec follow_libraries;      /* --follow-library: top-level packages
                                      of the environment whose sync
                                      functions ASL210 walks into */
  const struct AslEnv *env;        /* the Python environment whose
                                      libraries answer lookups the project
                                      cannot (--python; env.h), or NULL */
  bool verbose;                    /* counts of the run on stderr */
  /* Test code: files matching test_paths (the defaults unless
   * test_paths_given) get only the selected rules that test_selected
   * keeps (the registry's in_tests, then test-select / test-ignore). */
  AslStrVec test_paths;
  bool test_paths_given;
  bool test_selected[ASL_RULE__COUNT];
} AslOptions;

/** The default test-paths: test folders, test modules, conftest.py and
 * benchmarks (NULL-terminated). */
extern const char *const asl_default_test_paths[];
/** Is the file at `path` (relative to its project root, '/'-separated)
 * test code for these options? A pattern ending in '/' names a folder at
 * any depth (`tests/`), one without '/' the file name (`test_*.py`), any
 * other a glob on the whole path (`src/app/checks/` then two stars). */
bool asl_is_test_path(const AslOptions *opt, const char *path);
/** Which rules apply in test code by default (the registry's in_tests). */
void asl_select_test_defaults(bool selected[ASL_RULE__COUNT]);

/* ------------------------------------------------------------------------
 * Per-file analysis context handed to the rule passes
 * ---------------------------------------------------------------------- */

/* ------------------------------------------------------------------------
 * Names: what each scope binds (the shared traversal helper of every rule)
 * ---------------------------------------------------------------------- */

typedef enum {
  ASL_BIND_IMPORT,   /* import x / from m import x: `target` is qualified */
  ASL_BIND_ASSIGN,   /* x = value (value node kept when it is the only one) */
  ASL_BIND_OTHER,    /* parameter, for/with/except target, def, class, ... */
  ASL_BIND_GLOBAL,   /* global x / nonlocal x */
} AslBindKind;

typedef struct AslBinding {
  const char *name;   /* arena-owned */
  uint32_t name_len;
  uint32_t scope;     /* scope node that owns the name */
  uint32_t node;      /* the binding identifier (or import statement) */
  uint32_t value;     /* ASSIGN: the right-hand side node, else ASL_NONE */
  AslBindKind kind;
  const char *target; /* IMPORT: dotted qualified name */
  uint32_t next_same; /* next binding of the same (scope, name) or NONE */
  uint32_t last_same; /* on the first binding: the chain's last one */
  uint32_t kinds;     /* on the first binding: 1 << kind of every binding */
} AslBinding;

typedef struct AslNames AslNames;

/** Collects every binding in the file in one linear pass (arena-owned). */
AslNames *asl_names_build(AslArena *a, const AslSource *s, const AslTree *t);
/** The first binding of `name` in `scope`, or NULL. Further bindings of the
 * same name in that scope follow via next_same (indices into asl_names_at).*/
const AslBinding *asl_names_find(const AslNames *n, uint32_t scope,
                                 const char *name, uint32_t len);
const AslBinding *asl_names_at(const AslNames *n, uint32_t i);
/** The import target if every binding of b's (scope, name) is an import of
 * the same target; NULL when anything else binds the name there too. */
const char *asl_import_target(const AslNames *n, const AslBinding *b);
/** Every identifier node spelled `name` in the file, in source order (so
 * in increasing node index); *count gets their number. */
const uint32_t *asl_names_occurrences(const AslNames *n, const char *name,
                                      uint32_t len, uint32_t *count);
/** The same for the name identifier `ident` spells. */
const uint32_t *asl_names_occurrences_of(const AslNames *n,
                                         const AslTree *t, const AslSource *s,
                                         uint32_t ident, uint32_t *count);

typedef struct AslCtx AslCtx;

/** The dotted, import-resolved name of an expression made only of an
 * identifier and attributes (`aio.create_task` -> "asyncio.create_task";
 * `spawn` -> "asyncio.create_task" after `from asyncio import create_task
 * as spawn`). A name that nothing binds is returned as written (builtins).
 * NULL when the leftmost name is a local variable, ambiguous, or `expr` is
 * not a dotted chain. Arena-owned. */
const char *asl_qualname(const AslCtx *cx, uint32_t expr);
/** How asl_dotted_name turns the leftmost identifier into a dotted head
 * (NULL: the chain has no name). */
typedef const char *(*AslHeadResolver)(const AslCtx *cx, uint32_t ident);
/** A dotted chain (`a.b.c`, parentheses allowed) rendered with its head
 * resolved by `head_of`; NULL if `expr` is not such a chain. */
const char *asl_dotted_name(const AslCtx *cx, uint32_t expr,
                            AslHeadResolver head_of);
/** The scope in which the identifier `ident` resolves (Python's LEGB without
 * the class-body step for nested functions), and its binding there; returns
 * NULL when no scope binds it. */
const AslBinding *asl_resolve_name(const AslCtx *cx, uint32_t ident);
/** If identifier `ident` names a local bound exactly once by `name = value`
 * in its scope, returns that value node; else ASL_NONE. */
uint32_t asl_single_assignment(const AslCtx *cx, uint32_t ident);
/** Is identifier `i` a read of a variable (not a store, not an attribute
 * name after a dot, not a keyword argument's name, not part of an import)?*/
bool asl_is_load(const AslTree *t, uint32_t i);
/** For an identifier bound by an assignment (`ident` is its target), is the
 * bound value possibly read later in its function: a load of the same
 * variable after the binding statement that no unconditional rebinding in
 * between hides, a load anywhere in an enclosing loop (the next iteration),
 * or a read in a nested function? Names bound at module or class level, and
 * `global`/`nonlocal` names, count as read (someone else owns them). */
bool asl_local_is_read_later(const AslCtx *cx, uint32_t ident);
/** Does a part of the file that this tree left out (cx->outside) spell
 * `name` in code, bare? An answer that reads every occurrence of a
 * module-level name cannot be given without that part: then this adds
 * the name to cx->needed_words (the driver parses the unit again with the
 * parts that spell it, and the rules ask again) and returns true; the
 * caller may answer anything meanwhile. */
bool asl_spelled_outside(const AslCtx *cx, const char *name, uint32_t len);
/** The name an expression's value is bound to by a whole statement:
 * `x = expr`, `x: T = expr`, `a, x = other, expr`, or `(x := expr)` used as
 * a statement; ASL_NONE otherwise (also for `a = b = expr`). */
uint32_t asl_bound_name(const AslTree *t, uint32_t expr);
/** Is identifier node `i` in a store position (assignment target, for/with/
 * except target, parameter, def/class name, import alias, global)? */
bool asl_is_store(const AslTree *t, uint32_t i);

/* ------------------------------------------------------------------------
 * The project index (analyzer/index.c)
 *
 * Phase 1 extracts a compact summary of every file of the project (its
 * module name, top-level definitions, classes with bases and methods, and
 * imports); phase 2 merges them into a read-only AslIndex. Rules never see
 * another file's tree: they ask the index what a dotted name resolves to.
 * Because the index exists only after every file was read, a pass that
 * needs it records an AslDeferred in phase 1 (asl_defer) and the rule
 * decides it in phase 3 (AslRuleSet.decide), with the index in hand.
 * ---------------------------------------------------------------------- */

typedef struct AslIndex AslIndex;
/* How a receiver type steps past a name outside the project: calling it
 * (a function, a method "Class.name"), awaiting that call, or entering it
 * with `async with` (a call, or a class: its __aenter__). */
typedef enum {
  ASL_EXTERNAL_CALL,
  ASL_EXTERNAL_AWAIT,
  ASL_EXTERNAL_ENTER
} AslExternalStep;

typedef enum {
  ASL_DEF_UNKNOWN,   /* not found, or not something we can reason about */
  ASL_DEF_AMBIGUOUS, /* bound in more than one way (branches, try, ...) */
  ASL_DEF_EXTERNAL,  /* leaves the project: `name` is the absolute dotted
                        name outside it ("asyncio.sleep") */
  ASL_DEF_MODULE,
  ASL_DEF_CLASS,
  ASL_DEF_FUNCTION,  /* plain def */
  ASL_DEF_COROUTINE, /* async def without yield (check decorators!) */
  ASL_DEF_ASYNCGEN,  /* async def with yield: calling it starts nothing */
} AslDefKind;

/* What a name resolves to. Strings are owned by the index (or, for a
 * definition resolved inside the current file, by the file's arena). */
typedef struct AslDef {
  AslDefKind kind;
  const char *name;        /* "send_email", "Client.fetch"; EXTERNAL: the
                              absolute dotted name */
  const char *module;      /* defining module ("app.mail"), NULL if none */
  const char *path;        /* display path of the defining file, or NULL */
  uint32_t line, column;   /* 1-based position of the definition's name */
  const char *const *decorators; /* resolved dotted names, outermost first;
                                    a decorator we cannot name is "?" */
  uint32_t ndecorators;
  const char *role;        /* how messages say what it is; NULL: "is a
                              coroutine function" */
  bool task_wrapper;       /* returns a task it does not keep (ASL301) */
  const char *returns_coroutine; /* a sync def returning a call of this
                                    coroutine function (ASL1xx) */
  bool gives_coroutine_function; /* a sync def that returns a coroutine
                                    function (a decorator's async wrapper) */
  const char *value_type;  /* a constant's blocking catalog type (ASL2xx) */
} AslDef;

/** Resolves an absolute dotted name (`app.mail.send_email`, `pkg.Client.
 * fetch`) as seen from file `from` (an AslCtx's facts_id: its project, and
 * its own module even when another file claims the same name): longest module prefix, then names
 * bound there, following imports, re-exports (`from .mail import send` in
 * `__init__.py`) and star imports for a bounded number of hops (cycles
 * end), and class attributes through the bases. Fills *out and returns
 * out->kind. */
AslDefKind asl_index_resolve(const AslIndex *idx, uint32_t from,
                             const char *dotted, AslDef *out);
/** Looks `method` up on the class named `cls` (absolute dotted) and its
 * bases in depth-first, left-to-right order (Python's MRO for trees without
 * diamonds). With `bases_only` the class itself is skipped (`super().m()`).
 * A base outside the project gives EXTERNAL "base.method"; an expression
 * base we cannot name gives UNKNOWN unless the method was found first. */
AslDefKind asl_index_method(const AslIndex *idx, uint32_t from,
                            const char *cls, const char *method,
                            bool bases_only, AslDef *out);

/* What a call's callee is, as far as one file can tell without the index. */
typedef enum {
  ASL_CALLEE_NAME,   /* `dotted` is an absolute dotted name */
  ASL_CALLEE_METHOD, /* method `attr` on an instance of class `dotted` */
  ASL_CALLEE_SUPER,  /* `super().attr` inside class `dotted` */
  ASL_CALLEE_LOCAL,  /* a def nested in a function: `local` says what */
  ASL_CALLEE_ANY_METHOD, /* method `attr` on an object of unknown class,
                            which goes by the name `dotted` (`cart`) */
} AslCalleeKind;

typedef struct AslCallee {
  AslCalleeKind kind;
  const char *dotted;
  const char *attr;
  const AslDef *local; /* LOCAL only: what the def is */
  const char *param;   /* a parameter annotated as a callable returning an
                          awaitable: its name (NAME: `dotted` is the
                          annotation's alias; LOCAL: the annotation
                          itself says so) */
} AslCallee;

/* A finding that waits for the index: where it would be reported and the
 * question that decides it. */
struct AslArgs; /* what a call passes (analyzer/cond.h) */

typedef struct AslDeferred {
  AslDiag diag;        /* position, path, rule; message NULL until decided */
  AslCallee callee;
  const char *subject; /* rule-specific text (ASL102: the variable name) */
  const struct AslArgs *args; /* the call's arguments, when the answer
                                 depends on them (ASL210), else NULL */
  bool in_loop;        /* the call is made once per item of a loop */
  bool constant;       /* ASL_AT_CONSTANT */
  bool property;       /* an attribute read (`self.hostname`): counts only
                          if the index finds a property there */
  bool callback;       /* a callback handed to the loop, called later on
                          it (`loop.call_soon(cb)`): node is `cb` */
  bool iterated;       /* what the call gives is iterated right away
                          (`for x in f()`, `list(f())`): a generator's
                          body runs here */
  uint32_t facts_id;   /* the asking file (AslCtx.facts_id) */
} AslDeferred;

typedef AslVec(AslDeferred) AslDeferredList;

struct AslCtx {
  AslArena *arena;          /* the file's arena */
  const AslSource *src;
  const AslTree *tree;
  const AslNames *names;    /* what each scope binds */
  const AslOptions *opt;
  AslDiagList *out;         /* arena-backed; copied out by the driver */
  uint32_t file_index;
  bool in_test;             /* test code (test-paths): findings of rules
                               held back there are dropped at the end */
  const char *module;       /* dotted module name, NULL if unknown (stdin) */
  const char *alias;        /* its name through namespace packages, NULL if
                               none: relative imports that climb above the
                               module's own packages resolve from it */
  bool is_package;          /* the file is a package's __init__ */
  bool has_star_import;     /* `from m import *` at module level */
  uint32_t project;         /* the project the file belongs to */
  uint32_t facts_id;        /* the file's facts in the index */
  AslDeferredList *deferred; /* arena-backed; decided after the index */
  struct AslMemo *memo;     /* the passes' per-file caches, or NULL
                               (AslRuleSet.memo_new) */
  const struct AslScan *outside; /* the first unit of a file parsed in
                               parts: what its other parts spell (NULL:
                               the tree is the whole file) */
  struct AslWordSet *needed_words; /* asl_spelled_outside's names: the
                               driver drops the unit's findings and parses
                               it again with the parts spelling them */
};

/** Records a finding of rule `r` at node `i` that the index will decide:
 * the driver applies noqa now and asks AslRuleSet.decide in phase 3. */
void asl_defer(AslCtx *cx, AslRuleId r, uint32_t node,
               const AslCallee *callee, const char *subject);
/* Where a deferred call is made (asl_defer_args). */
enum { ASL_AT_LOOP = 1,     /* once per item of a loop */
       ASL_AT_ITERATED = 2, /* its value iterated right away */
       ASL_AT_CALLBACK = 4, /* a callback the loop calls (call_soon) */
       ASL_AT_PROPERTY = 8, /* an attribute read: a property's getter */
       ASL_AT_CONSTANT = 16 /* a method of an imported constant (ASL2xx:
                               callee.dotted the constant, .attr the
                               method) */ };

/** The same for a question whose answer depends on the call's arguments
 * (`args`, in the file's arena) and on where it is made (ASL_AT_*). */
void asl_defer_args(AslCtx *cx, AslRuleId r, uint32_t node,
                    const AslCallee *callee, const char *subject,
                    const struct AslArgs *args, unsigned where);

/** The absolute dotted name of an expression made of an identifier and
 * attributes, for asking the index: imports become their (relative imports
 * resolved) targets, module-level names get the module prefix
 * (`send_email` -> "app.mail.send_email"), unbound names stay as written
 * (builtins) unless the module has a star import. NULL for a local
 * variable, a class-body name, or anything else. Arena-owned. */
const char *asl_absolute_name(const AslCtx *cx, uint32_t expr);
/** The absolute name of a dotted name written as text (a string
 * annotation such as "pkg.Client"), resolved in the module's namespace;
 * NULL for anything that is not a plain dotted name, or for a local. */
const char *asl_absolute_text(const AslCtx *cx, const char *dotted,
                              uint32_t len);
/** Makes an import target as names.c records it (leading dots for relative
 * imports) absolute for module `module` (a package if `is_package`); NULL
 * if it climbs above the top-level package. Arena-owned. */
const char *asl_absolute_import(AslArena *a, const char *module,
                                bool is_package, const char *target);
/** The class an annotation names (absolute dotted, arena-owned): `Client`,
 * `pkg.Client`, `"Client"`, and the same inside `Optional[...]`,
 * `Union[..., None]` or `... | None` (calling a method on None fails
 * anyway, so the call sees a Client). NULL for anything else. */
const char *asl_annotation_class(const AslCtx *cx, uint32_t type_node);
/** Is annotation `type_node` a name this module binds to
 * `TypeVar(...)` (typing's or typing_extensions')? */
bool asl_annotation_is_typevar(const AslCtx *cx, uint32_t type_node);
/** For a typed key, a name annotated `Key[C]` (or `Final[Key[C]]`) where
 * Key is a generic class outside typing and the builtins (aiohttp's
 * `AppKey[T]`, a project's `ModuleName[T]`): C, the class of the value a
 * mapping holds under that key, absolute and arena-owned; else NULL. */
const char *asl_annotation_key_item(const AslCtx *cx, uint32_t type_node);
/** For an annotation `type[C]` (or `Type[C]`): C, the class the
 * annotated name holds (calling it makes a C); else NULL. */
const char *asl_annotation_class_object(const AslCtx *cx, uint32_t type_node);
/** The class an instance of which calling def `fn` gives (awaited, for an
 * async def): its return annotation's, the enclosing class for `-> Self`,
 * for `(self: T, ...) -> T` with T a TypeVar, or for a method whose every
 * `return` returns self; unannotated, the
 * callee every `return` calls (a factory). NULL if not known. */
const char *asl_def_returns(const AslCtx *cx, uint32_t fn);
/** Does the annotation (or a type written as a value, an alias's right
 * side) say a callable whose call gives an awaitable: `Callable[...,
 * Awaitable[X]]`, `Callable[..., Coroutine[...]]`, optional or not? 1 if
 * so. For a plain name, quoted or not (an alias the index may know),
 * *alias gets its absolute name and 0 is returned. */
int asl_annotation_awaitable_callable(const AslCtx *cx, uint32_t type_node,
                                      const char **alias);
/** For a pytest fixture `fn`: the class of the value a test receives (its
 * return annotation, T of `-> Iterator[T]` for a generator fixture, or the
 * callee every return or yield of its body calls), "!" when it returns a
 * nested `async def` (a coroutine function), NULL if not known. */
const char *asl_fixture_value(const AslCtx *cx, uint32_t fn);
/** Does sync def `fn` give a coroutine function: does every return hand
 * back a nested `async def` of its own (a decorator's `@wraps(func) async
 * def wrapper`), or does its return annotation say a callable giving an
 * awaitable (`-> Callable[P, Coroutine[Any, Any, R]]`)? */
bool asl_def_gives_coroutine_function(const AslCtx *cx, uint32_t fn);
/** What one `return X`/`yield X` of def `fn` gives (X may be ASL_NONE),
 * or NULL when it cannot tell. */
typedef const char *(*AslValueOf)(const AslCtx *cx, uint32_t fn,
                                  uint32_t value);
/** What every return and yield of def `fn`'s own body gives by `give`,
 * when there is one at least and they all agree; else NULL. */
const char *asl_agreed_returns(const AslCtx *cx, uint32_t fn,
                               AslValueOf give);
/** Is `name` (absolute) pytest's or pytest-asyncio's fixture decorator? */
bool asl_is_fixture_decorator(const char *name);
/** For a @contextmanager/@asynccontextmanager generator `fn` annotated
 * `-> Iterator[T]` (or AsyncGenerator[T, None], ...): the class of what
 * `with fn() as v` binds, T. NULL otherwise. */
const char *asl_def_enters(const AslCtx *cx, uint32_t fn);
/** For a function directly in the body of a top-level class, the class's
 * absolute dotted name ("app.client.Client"); else NULL. */
const char *asl_enclosing_class(const AslCtx *cx, uint32_t fn);
/** What function_definition `fn` of the current file is (FUNCTION,
 * COROUTINE or ASYNCGEN) with its position and decorators (absolute
 * names, arena-owned) in *out. */
void asl_describe_def(const AslCtx *cx, uint32_t fn, AslDef *out);
/** Has def or class `fn` decorators (its parent a decorated_definition)? */
bool asl_is_decorated(const AslTree *t, uint32_t fn);

/** Reports rule `r` at node `i` with a printf-style message. The span is
 * the node's; suppression (select, noqa) is applied later by the driver. */
/** Can `await` go before expression `node`: in the body of an `async def`
 * itself (not a lambda, a nested def, or a generator expression, where
 * `await` would make an async generator)? */
bool asl_await_allowed(const AslCtx *cx, uint32_t node);
/** `module` if the file imports it at module level under its own name
 * (`import asyncio`), else NULL. */
const char *asl_module_alias(const AslCtx *cx, const char *module);
/** Would `--fix` apply the fix of `d` with these options (it has one, its
 * rule is fixable, and it is safe or unsafe fixes are on)? */
bool asl_fix_applies(const AslOptions *opt, const AslDiag *d);
/** An edit replacing bytes [start, end) of cx's source with `content`
 * (an insertion when start == end), positions as findings count them. */
AslEdit asl_edit_bytes(const AslCtx *cx, uint32_t start, uint32_t end,
                       const char *content);
/** The line ending `s` uses ("\r\n" when its first line break is one,
 * else "\n"), for lines a fix adds. */
const char *asl_source_eol(const AslSource *s);
/** A fix of edits[0..n) (copied into cx's arena). */
const AslFix *asl_fix_new(const AslCtx *cx, bool unsafe, const char *message,
                          const AslEdit *edits, uint32_t n);
/** A fix of edits[0..n) plus `import asyncio` before the module's first
 * statement when the module does not import it; NULL when there is no
 * place for the import (an empty module) or n is over 8. */
const AslFix *asl_fix_with_asyncio(const AslCtx *cx, const AslEdit *edits,
                                   uint32_t n, bool unsafe,
                                   const char *message);
/** A fix inserting `text` before node `node` (in cx's arena). */
const AslFix *asl_fix_insert_before(const AslCtx *cx, uint32_t node,
                                    const char *text, bool unsafe,
                                    const char *message);
/** Gives the finding asl_defer just deferred (if it did) fix `fix`;
 * `before` is cx->deferred->len before the call. */
void asl_defer_fix(AslCtx *cx, uint32_t before, const AslFix *fix);
void asl_report(AslCtx *cx, AslRuleId r, uint32_t node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** Is rule `r` enabled for this run? Passes skip work for disabled rules. */
static inline bool asl_enabled(const AslCtx *cx, AslRuleId r) {
  return cx->opt->selected[r];
}

#endif /* ASL_ANALYZER_ASL_H_ */
