/*
 * config.h - internal: the configuration file (`[tool.asynclint]` in
 * pyproject.toml, or asynclint.toml), read with the tree-sitter TOML
 * grammar.
 */
#ifndef ASL_ANALYZER_CONFIG_H_
#define ASL_ANALYZER_CONFIG_H_

#include "asl.h"

/* `"glob" = ["ASL301", ...]` of per-file-ignores. */
typedef struct AslPerFileIgnore {
  const char *glob;
  AslStrVec codes;
} AslPerFileIgnore;

/** Everything a configuration file can say; arena-owned. */
typedef struct AslConfig {
  const char *path;            /* the file read */
  bool found;                  /* it has an asynclint table */
  bool has_select, has_exclude, has_respect_gitignore;
  bool respect_gitignore;
  AslStrVec select, extend_select, ignore;
  AslStrVec exclude, extend_exclude;
  AslStrVec known_coroutines, preserving_decorators;
  AslStrVec blocking_calls;    /* "GLOB=SUGGESTION", as --blocking-call */
  AslStrVec allowed_blocking;
  AslStrVec loop_callback_decorators;
  const char *python;          /* the Python environment (env.h) */
  AslStrVec follow_libraries;  /* its packages ASL210 walks into */
  bool has_fixable, has_unsafe_fixes, unsafe_fixes;
  AslStrVec fixable, unfixable; /* rule selectors whose fixes apply */
  bool has_test_paths;         /* test-paths replaces the defaults */
  AslStrVec test_paths, test_select, test_ignore;
  AslVec(AslPerFileIgnore) per_file_ignores;
} AslConfig;

/** Reads the configuration file at `path` (pyproject.toml by its name,
 * anything else in asynclint.toml form). On a bad file returns ASL_EUSAGE
 * (ASL_EIO if unreadable) with `path:line:col: what` in *error. */
AslStatus asl_config_load(AslArena *a, const char *path, AslConfig *out,
                          const char **error);
/** The same for text in memory (tests, fuzzing). */
AslStatus asl_config_parse(AslArena *a, const char *path, const char *text,
                           size_t len, bool pyproject, AslConfig *out,
                           const char **error);
/** The configuration file for a run starting at `start` (a file or a
 * directory): walking up, the first directory holding asynclint.toml, or a
 * pyproject.toml with a [tool.asynclint] table. NULL if none. */
const char *asl_config_find(AslArena *a, const char *start);

#endif /* ASL_ANALYZER_CONFIG_H_ */
