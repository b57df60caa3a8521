/*
 * session.h - the library's entry point for the front ends (`check`, the
 * language server): a session holds the options of a run, a parser, and
 * the text of the documents an editor has open (overlays that replace the
 * file on disk), and answers "the diagnostics of these paths" (the project
 * around them indexed) and "the findings on these lines" (their fixes).
 *
 * A check is a run (run.h): discovery, pre-filter, parse, index, rules;
 * overlays are read instead of the disk, so an unsaved edit is checked as
 * if saved. With asl_session_keep_facts, a check reuses what the one
 * before read from files that have not changed.
 */
#ifndef ASL_ANALYZER_SESSION_H_
#define ASL_ANALYZER_SESSION_H_

#include "asl.h"
#include "config.h"
#include "run.h"

typedef struct AslSession AslSession;

/** A session of the rule set `rules` (ruleset.h; the front end's, e.g.
 * asl_rules_default()) over options `opt` and the configuration `config`
 * (its per-file-ignores; NULL if none). All are borrowed: they must
 * outlive the session; options and configuration may be replaced with
 * asl_session_configure. NULL with *why set when no parser can be made
 * (grammar ABI). */
AslSession *asl_session_new(const AslRuleSet *rules, const AslOptions *opt,
                            const AslConfig *config, const char **why);
void asl_session_delete(AslSession *s);
/** Replaces the options and configuration (borrowed, as above). */
void asl_session_configure(AslSession *s, const AslOptions *opt,
                           const AslConfig *config);
/** Keeps what each run read (the facts of the files it indexed but did
 * not check, and the walk of the project's folders) for the next: a check
 * then reads and parses only the files named and those changed on disk
 * since (by stat). Runs then go without the pre-filter. A run of the
 * session must be destroyed before the next one starts. */
void asl_session_keep_facts(AslSession *s);
/** Files were created or deleted under the projects: the next check walks
 * the folders again. (A changed file is seen by its stat.) */
void asl_session_files_changed(AslSession *s);
/** The session's parser (one thread), for the fix engine. */
AslParser *asl_session_parser(AslSession *s);

/** Sets the text of the file at `fs_path` (copied): checks read it
 * instead of the disk. `display` names the file in findings (NULL: the
 * display form of fs_path). Texts past ASL_MAX_FILE_BYTES are cut there,
 * as a file read would refuse them. */
void asl_session_set_text(AslSession *s, const char *fs_path,
                          const char *display, const char *text, size_t len);
/** Drops the text of `fs_path`: checks read the disk again. False if it
 * had none. */
bool asl_session_drop_text(AslSession *s, const char *fs_path);
/** The text set for `fs_path` (NULL if none), its length in *len. */
const char *asl_session_text(const AslSession *s, const char *fs_path,
                             size_t *len);
/** The name findings in `fs_path` carry (its display path), arena-owned. */
const char *asl_session_display(const AslSession *s, AslArena *a,
                                const char *fs_path);

/** Checks `paths` (files and directories) into `run`, which this
 * initializes (asl_run_init) and the caller destroys: the projects around them are
 * indexed, the files set with asl_session_set_text read from memory. A
 * path that only a set text has (not on disk, or "-" for stdin) is checked
 * as the main module of a project of its own, as stdin is. The findings
 * are sorted, per-file-ignores applied. */
void asl_session_check(AslSession *s, AslRun *run, const char *const *paths,
                       uint32_t npaths);

/** The findings of `diags` in the file displayed as `display` whose lines
 * meet [line, end_line] (1-based), in order, at most `max` of them, into
 * out[]; returns how many. */
uint32_t asl_diags_on_lines(const AslDiagList *diags, const char *display,
                            uint32_t line, uint32_t end_line,
                            const AslDiag **out, uint32_t max);

/** Copies the findings of the file displayed as `display` out of `diags`
 * into `out` (arena-backed, in `a`), with everything they point to: they
 * outlive the run. */
void asl_diags_copy_file(const AslDiagList *diags, const char *display,
                         AslArena *a, AslDiagList *out);

/* ---- what to check again after an edit (the language server) -------------
 * A file's findings read the facts of the files its questions to the index
 * reach: the modules it imports or names, what those import in turn (a
 * re-export, a call chain of ASL210), the conftest.py files above it; and,
 * for lookups by a method's name alone (ASL104), the names every file of
 * its project defines. */

/** A key for a file's path (64-bit FNV-1a): how AslFileDeps names files. */
uint64_t asl_path_key(const char *fs_path);

typedef AslVec(uint64_t) AslU64Vec;

typedef struct AslFileDeps {
  uint64_t *files;   /* asl_path_key of the files its findings may read,
                        sorted (heap) */
  uint32_t nfiles;
  uint64_t *direct;  /* hashes of the names its own facts and questions
                        hold (each dotted prefix), sorted (heap) */
  uint32_t ndirect;
  uint64_t *defines; /* the names it defines at module and class level,
                        each hashed with its kind, sorted (heap) */
  uint32_t ndefines;
  uint64_t *asks;    /* the names it asks the index about by name alone
                        (hashed), sorted (heap) */
  uint32_t nasks;
  bool known;        /* false: the run had no facts of it (it may depend
                        on any file) */
} AslFileDeps;

/** For each of fs_paths[0..n) that `run` (finished, not destroyed) read:
 * out[i] (overwritten) says what its findings may depend on; before[i] is
 * what an earlier run said (or unknown). With `others_same` (no file but
 * these changed since: an editor's edits), when none of these names other
 * files than before, the files each reaches are before's (no walk). */
void asl_deps_of(const AslRun *run, const char *const *fs_paths, uint32_t n,
                 bool others_same, const AslFileDeps *before,
                 AslFileDeps *out);
/** May the findings depend on the file of key `key`? (Unknown: yes.) */
bool asl_deps_on(const AslFileDeps *d, uint64_t key);
/** Appends to *out the names (hashed) that one file, checked before and
 * after an edit, defines differently (added, removed, another kind). */
void asl_deps_renamed(const AslFileDeps *before, const AslFileDeps *after,
                      AslU64Vec *out);
/** Does the file ask by name about one of `names` (asl_deps_renamed's)?
 * (Unknown: yes.) */
bool asl_deps_asks(const AslFileDeps *d, const AslU64Vec *names);
void asl_deps_free(AslFileDeps *d);

#endif /* ASL_ANALYZER_SESSION_H_ */
