/*
 * discover.h - internal: turning the command line's paths into the list of
 * Python files to check (directory walk, default excludes, --exclude /
 * --extend-exclude globs, .gitignore files).
 */
#ifndef ASL_ANALYZER_DISCOVER_H_
#define ASL_ANALYZER_DISCOVER_H_

#include "asl.h"

typedef struct AslFileRef {
  const char *fs_path;  /* the path to open */
  const char *display;  /* as printed: relative to the cwd when possible */
  bool explicit_arg;    /* named on the command line (never excluded) */
} AslFileRef;

typedef struct AslDiscovery {
  AslArena arena;            /* owns every string below */
  AslVec(AslFileRef) files;  /* sorted by display path, no duplicates */
  uint32_t nerrors;          /* unreadable paths, already named on stderr */
} AslDiscovery;

/** Finds the files to check under `paths`. Every path that cannot be read
 * is named on stderr ("asynclint: error: PATH: reason") and counted in
 * nerrors; the rest are still found. */
void asl_discover(const AslOptions *opt, const char *const *paths,
                  uint32_t npaths, AslDiscovery *out);
void asl_discovery_destroy(AslDiscovery *d);

/** Turns a path as given into the display form: "./" and duplicate slashes
 * removed, and a path under the current directory made relative to it.
 * Arena-owned. */
const char *asl_display_path(AslArena *a, const char *path);

/** gitignore-style glob match of `pattern` against `path` ('/'-separated):
 * `*` and `?` do not cross '/', `**` does, `[...]` classes, `\` escapes. */
bool asl_glob_match(const char *pattern, const char *path);

#endif /* ASL_ANALYZER_DISCOVER_H_ */
