/*
 * discover.h - internal: turning the command line's paths into the list of
 * Python files to check (directory walk, default excludes, --exclude /
 * --extend-exclude globs, .gitignore files) and the path each is shown as.
 * The .gitignore subset we support is described atop discover.c.
 */
#ifndef ASL_ANALYZER_DISCOVER_H_
#define ASL_ANALYZER_DISCOVER_H_

#include "asl.h"

/* ------------------------------------------------------------------------
 * Discovery
 * ---------------------------------------------------------------------- */

typedef struct AslFileRef {
  const char *fs_path;  /* the path to open (may equal `display`) */
  const char *display;  /* as printed: relative to the cwd when possible */
  bool explicit_arg;    /* named on the command line (never excluded) */
} AslFileRef;

typedef struct AslDiscovery {
  AslArena arena;            /* owns every string below */
  AslVec(AslFileRef) files;  /* sorted by display path (bytewise), unique */
  uint32_t nerrors;          /* unreadable paths, already named on stderr */
} AslDiscovery;

/** Finds the files to check under `paths`.
 *
 * A path naming anything but a directory is always checked, whatever its
 * name and whatever the excludes say; a directory is walked (without
 * following symlinked subdirectories) for `*.py` and `*.pyi`, skipping
 * what opt->exclude / opt->extend_exclude / the default excludes and, when
 * opt->respect_gitignore, .gitignore files exclude. A directory named on
 * the command line is walked even if it is itself excluded.
 *
 * Every path that cannot be read (missing argument, unreadable directory,
 * broken or looping symlink named *.py) is named on stderr as
 * "asynclint: error: PATH: reason" and counted in nerrors; the rest are
 * still found. `out` is initialized here; release it with
 * asl_discovery_destroy(). */
void asl_discover(const AslOptions *opt, const char *const *paths,
                  uint32_t npaths, AslDiscovery *out);

/** Flags of asl_discover_ex(). */
enum {
  /* Count errors in nerrors but print nothing (no .gitignore warnings
   * either): for a second walk over paths whose errors the first walk
   * already reported, such as indexing the project around them. */
  ASL_DISCOVER_SILENT = 1u << 0,
};

/** asl_discover() with ASL_DISCOVER_* `flags`. */
void asl_discover_ex(const AslOptions *opt, const char *const *paths,
                     uint32_t npaths, unsigned flags, AslDiscovery *out);

/** Frees the file list and every string of `d`. */
void asl_discovery_destroy(AslDiscovery *d);

/* ------------------------------------------------------------------------
 * Paths and globs
 * ---------------------------------------------------------------------- */

/** Turns a path as given into the display form: "." components, duplicate
 * and trailing slashes removed ("./a//b/" -> "a/b"; ".." is kept, as a
 * symlink may give it another meaning), and an absolute path under the
 * current directory made relative to it ("/cwd/a.py" -> "a.py", "/cwd" ->
 * "."). The result is owned by `a`. */
const char *asl_display_path(AslArena *a, const char *path);

/** gitignore-style glob match of the whole of `path` ('/'-separated)
 * against `pattern`; bytes are compared case-sensitively.
 *
 * - `*` matches any run of bytes but '/', `?` one byte but '/'.
 * - `**` as a whole segment matches any number of segments: `**` + '/' +
 *   `x` matches x at any depth, `a/` + `**` + `/b` matches a/b and a/x/y/b,
 *   a trailing `/` + `**` matches everything below (at least one segment);
 *   `**` alone matches every path. Elsewhere `**` is just `*`.
 * - `[abc]`, `[a-z]`, `[!a]` or `[^a]`, `[[:digit:]]`; a `]` first in the
 *   class is literal; an unterminated `[` is a literal '['.
 * - `\` makes the next byte literal; a trailing lone `\` never matches.
 *
 * Runs in O(len(pattern) * len(path)) at worst: no exponential blowup on
 * patterns such as `*a*a*a*b`, and no recursion. */
bool asl_glob_match(const char *pattern, const char *path);

/** Is `pattern` a well-formed glob for configuration: not empty, every `[`
 * closed, no trailing backslash? (asl_glob_match reads such patterns
 * literally; a configuration file saying them is an error.) */
bool asl_glob_valid(const char *pattern);

/** Would the excludes (defaults, --exclude, --extend-exclude) skip the file
 * displayed as `disp` or a directory above it? For names that are not
 * walked, such as --stdin-filename. */
bool asl_path_excluded(const AslOptions *opt, const char *disp);

#endif /* ASL_ANALYZER_DISCOVER_H_ */
