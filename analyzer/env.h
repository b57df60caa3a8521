/*
 * env.h - internal: the project's Python environment, found and read the
 * way ty and pyright users expect, without running the interpreter: where
 * its installed packages are (site-packages, static `.pth` paths,
 * editable installs), so that lookups the project's own files cannot
 * answer can read the libraries it imports (lazily, see run.c).
 */
#ifndef ASL_ANALYZER_ENV_H_
#define ASL_ANALYZER_ENV_H_

#include <stdio.h>

#include "asl.h"

/* An editable install's mapping of a top-level package to its folder
 * (setuptools' `__editable___NAME_finder.py` MAPPING). */
typedef struct AslEnvPackage {
  const char *name;
  const char *dir;
} AslEnvPackage;

typedef struct AslEnv {
  const char *origin;  /* how it was found: "--python", "python (FILE)",
                          "VIRTUAL_ENV", ".venv", "venv" */
  const char *prefix;  /* the environment's folder (sys.prefix) */
  const char *version; /* "3.11" when pyvenv.cfg or the folders say, or
                          NULL */
  bool system_site;    /* include-system-site-packages = true */
  AslStrVec search;    /* the module search path past the project, in
                          order: site-packages folders, .pth paths */
  AslVec(AslEnvPackage) packages; /* editable installs by package */
} AslEnv;

/** Finds the environment: `asked` (--python or the configuration's
 * `python`: an interpreter or an environment folder, relative to `base`
 * when not absolute) with `origin` naming where it was given; else
 * VIRTUAL_ENV; else `.venv`, then `venv`, in `project_root`. On success
 * env->prefix is NULL when there is none. ASL_EUSAGE with a message in
 * *error when `asked` does not exist or holds no Python environment. */
AslStatus asl_env_find(AslArena *a, const char *asked, const char *origin,
                       const char *base, const char *project_root,
                       AslEnv *env, const char **error);

/** Prints the environment and its search path (the -v lines). */
void asl_env_print(const AslEnv *env, FILE *to);

/** The file of module `dotted` in the environment: a `.pyi` stub beside
 * or instead of the source, a `NAME-stubs` package first (PEP 561 order),
 * a package's `__init__`. NULL if the environment has none; *is_package
 * says whether it is a package's `__init__`. */
const char *asl_env_module_file(AslArena *a, const AslEnv *env,
                                const char *dotted, size_t n,
                                bool *is_package);

/** The top-level names the environment's packages and modules are
 * imported by (`aiohttp` for aiohttp/, aiohttp-stubs/ and aiohttp.py):
 * the pre-filter parses every file spelling one, since what it imports
 * from there is only known once the library is read. */
void asl_env_top_names(AslArena *a, const AslEnv *env, AslStrVec *out);

#endif /* ASL_ANALYZER_ENV_H_ */
