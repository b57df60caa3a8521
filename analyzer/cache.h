/*
 * cache.h - internal: what a session keeps between runs (cache.c), so
 * that checking the same project again reads and parses only what
 * changed: the facts of each file the run indexed but did not check, with
 * the stamp of the file they were read from, and the walk of the project's
 * folders.
 *
 * A run using the cache (AslRun.cache) must be destroyed before the next
 * run using it: a file that changed replaces its entry, and the facts of
 * the old one with it.
 */
#ifndef ASL_ANALYZER_CACHE_H_
#define ASL_ANALYZER_CACHE_H_

#include <stdint.h>

#include "asl.h"
#include "discover.h"
#include "index.h"

/* Which version of a file facts were read from: a file rewritten in place
 * changes its mtime (or ctime, or size); one replaced, its inode. */
typedef struct AslFileStamp {
  uint64_t dev, ino, size;
  int64_t mtime_ns, ctime_ns;
} AslFileStamp;

/* Where the file sat when its facts were read: facts depend on it. */
typedef struct AslCachePlace {
  const char *module, *alias; /* NULL if none */
  const char *root;           /* its project's root, NULL if none */
  bool is_package, is_stub, library;
} AslCachePlace;

typedef struct AslCacheEntry {
  char *fs_path;
  AslFileStamp stamp;
  AslCachePlace place;   /* strings in `arena` */
  uint32_t project;      /* its project's id in the cache's layout... */
  uint32_t generation;   /* ...of this generation (asl_cache_generation) */
  AslArena *arena;       /* the facts and everything they point to */
  AslFileFacts *facts;
  size_t bytes;          /* the file's size when read */
} AslCacheEntry;

typedef struct AslFactsCache AslFactsCache;

AslFactsCache *asl_cache_new(void);
void asl_cache_delete(AslFactsCache *c);
/** Forgets everything (the options changed). */
void asl_cache_clear(AslFactsCache *c);
/** Forgets the walk (files were created or deleted). */
void asl_cache_forget_walk(AslFactsCache *c);

/** The stamp of the file at `path`; false if it cannot be stat'd. */
bool asl_file_stamp(const char *path, AslFileStamp *out);
/** The entry of `fs_path` if it was read from this stamp at this place,
 * else NULL. Read-only: safe from several threads at once. */
const AslCacheEntry *asl_cache_get(const AslFactsCache *c, const char *fs_path,
                                   const AslFileStamp *stamp,
                                   const AslCachePlace *place);
/** The entry of `fs_path` whatever its stamp, NULL if none. */
const AslCacheEntry *asl_cache_find(const AslFactsCache *c,
                                    const char *fs_path);
/** Counts the layouts: an entry's place and project hold while its
 * generation is the cache's (no file created or deleted since). */
uint32_t asl_cache_generation(const AslFactsCache *c);

/** Keeps `facts` (in `arena`, which the cache now owns) for `fs_path`,
 * replacing what it kept for that path. One thread. */
void asl_cache_put(AslFactsCache *c, const char *fs_path,
                   const AslFileStamp *stamp, const AslCachePlace *place,
                   uint32_t project, AslArena *arena, AslFileFacts *facts,
                   size_t bytes);

/** The project layout (module names, project roots) runs share: it
 * caches what it read of the folders, so it goes with the walk. */
AslLayout *asl_cache_layout(AslFactsCache *c);

/** The entry of `fs_path` holds under the current layout, in project
 * `project` (its facts were reused after a new walk). One thread. */
void asl_cache_touch(AslFactsCache *c, const char *fs_path, uint32_t project);

/** The files a walk of `roots` found last time, NULL if none kept. */
const AslDiscovery *asl_cache_walk(const AslFactsCache *c, const char *key);
/** Keeps the walk `d` (moved into the cache) under `key`. */
void asl_cache_put_walk(AslFactsCache *c, const char *key, AslDiscovery *d);

#endif /* ASL_ANALYZER_CACHE_H_ */
