/*
 * cache.c - the facts and the walk a session keeps between runs (see
 * cache.h): an open-addressing table of entries by path.
 */
#include "cache.h"

#include <string.h>
#include <sys/stat.h>

/* Past this many files the cache starts again empty: a bound, not a
 * policy (a project that large is re-read once). */
enum { CACHE_MAX_FILES = 1 << 20 };

struct AslFactsCache {
  AslCacheEntry *slots; /* fs_path NULL: empty */
  uint32_t cap, len;
  char *walk_key;       /* the roots the walk was of */
  AslDiscovery walk;
  bool has_walk;
  AslLayout *layout;    /* or NULL until asked */
  uint32_t generation;  /* bumped with each new layout */
};

AslFactsCache *asl_cache_new(void) {
  return asl_calloc(1, sizeof(AslFactsCache));
}

static void entry_free(AslCacheEntry *e) {
  asl_free(e->fs_path);
  asl_arena_destroy(e->arena);
  asl_free(e->arena);
  memset(e, 0, sizeof *e);
}

AslLayout *asl_cache_layout(AslFactsCache *c) {
  if (!c->layout) c->layout = asl_layout_new();
  return c->layout;
}

static void drop_walk(AslFactsCache *c) {
  if (c->has_walk) asl_discovery_destroy(&c->walk);
  asl_free(c->walk_key);
  c->walk_key = NULL;
  c->has_walk = false;
}

void asl_cache_forget_walk(AslFactsCache *c) {
  asl_layout_delete(c->layout);
  c->layout = NULL;
  c->generation++;
  drop_walk(c);
}

void asl_cache_clear(AslFactsCache *c) {
  for (uint32_t i = 0; i < c->cap; i++)
    if (c->slots[i].fs_path) entry_free(&c->slots[i]);
  asl_free(c->slots);
  c->slots = NULL;
  c->cap = c->len = 0;
  asl_cache_forget_walk(c);
}

void asl_cache_delete(AslFactsCache *c) {
  if (!c) return;
  asl_cache_clear(c);
  asl_free(c);
}

bool asl_file_stamp(const char *path, AslFileStamp *out) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *out = (AslFileStamp){
      (uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
      (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
      (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec};
  return true;
}

static uint32_t path_hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

/* The slot of fs_path, or the empty slot where it would go. */
static AslCacheEntry *slot_of(const AslFactsCache *c, const char *fs_path) {
  uint32_t h = path_hash(fs_path) & (c->cap - 1);
  while (c->slots[h].fs_path && strcmp(c->slots[h].fs_path, fs_path) != 0)
    h = (h + 1) & (c->cap - 1);
  return &c->slots[h];
}

static bool same_str(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_place(const AslCachePlace *a, const AslCachePlace *b) {
  return same_str(a->module, b->module) && same_str(a->alias, b->alias) &&
         same_str(a->root, b->root) && a->is_package == b->is_package &&
         a->is_stub == b->is_stub && a->library == b->library;
}

const AslCacheEntry *asl_cache_find(const AslFactsCache *c,
                                    const char *fs_path) {
  if (!c->cap) return NULL;
  const AslCacheEntry *e = slot_of(c, fs_path);
  return e->fs_path ? e : NULL;
}

uint32_t asl_cache_generation(const AslFactsCache *c) { return c->generation; }

const AslCacheEntry *asl_cache_get(const AslFactsCache *c, const char *fs_path,
                                   const AslFileStamp *stamp,
                                   const AslCachePlace *place) {
  if (!c->cap) return NULL;
  const AslCacheEntry *e = slot_of(c, fs_path);
  if (!e->fs_path || memcmp(&e->stamp, stamp, sizeof *stamp) != 0 ||
      !same_place(&e->place, place))
    return NULL;
  return e;
}

static void grow(AslFactsCache *c) {
  AslCacheEntry *old = c->slots;
  uint32_t n = c->cap;
  c->cap = n ? n * 2 : 1024;
  c->slots = asl_calloc(c->cap, sizeof *c->slots);
  for (uint32_t i = 0; i < n; i++)
    if (old[i].fs_path) *slot_of(c, old[i].fs_path) = old[i];
  asl_free(old);
}

static const char *keep_str(AslArena *a, const char *s) {
  return s ? asl_arena_strdup(a, s) : NULL;
}

void asl_cache_put(AslFactsCache *c, const char *fs_path,
                   const AslFileStamp *stamp, const AslCachePlace *place,
                   uint32_t project, AslArena *arena, AslFileFacts *facts,
                   size_t bytes) {
  if (c->len >= CACHE_MAX_FILES) asl_cache_clear(c);
  if ((c->len + 1) * 2 > c->cap) grow(c);
  AslCacheEntry *e = slot_of(c, fs_path);
  if (e->fs_path) entry_free(e);
  else c->len++;
  e->fs_path = asl_strdup(fs_path);
  e->stamp = *stamp;
  e->place = (AslCachePlace){keep_str(arena, place->module),
                             keep_str(arena, place->alias),
                             keep_str(arena, place->root), place->is_package,
                             place->is_stub, place->library};
  e->project = project;
  e->generation = c->generation;
  e->arena = arena;
  e->facts = facts;
  e->bytes = bytes;
}

void asl_cache_touch(AslFactsCache *c, const char *fs_path,
                     uint32_t project) {
  if (!c->cap) return;
  AslCacheEntry *e = slot_of(c, fs_path);
  if (!e->fs_path) return;
  e->project = project;
  e->generation = c->generation;
}

const AslDiscovery *asl_cache_walk(const AslFactsCache *c, const char *key) {
  return c->has_walk && strcmp(c->walk_key, key) == 0 ? &c->walk : NULL;
}

void asl_cache_put_walk(AslFactsCache *c, const char *key, AslDiscovery *d) {
  drop_walk(c); // the layout stays: a run is using it
  c->walk = *d;
  memset(d, 0, sizeof *d);
  c->walk_key = asl_strdup(key);
  c->has_walk = true;
}
