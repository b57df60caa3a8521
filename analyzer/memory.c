/*
 * memory.c - heap wrappers that abort on out-of-memory, the page regions,
 * the per-file bump arena, growable vectors and the output byte buffer.
 */
#include "asl.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if ASL_PAGES
#include <sys/mman.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#endif

static void asl__oom(size_t n) {
  fprintf(stderr, "asynclint: out of memory (%zu bytes)\n", n);
  abort();
}

void *asl_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) asl__oom(n);
  return p;
}

void *asl_calloc(size_t count, size_t n) {
  void *p = calloc(count ? count : 1, n ? n : 1);
  if (!p) asl__oom(count * n);
  return p;
}

void *asl_realloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) asl__oom(n);
  return q;
}

void asl_free(void *p) { free(p); }

char *asl_strdup(const char *s) {
  size_t n = strlen(s);
  char *d = asl_malloc(n + 1);
  memcpy(d, s, n + 1);
  return d;
}

/* ---- page regions -------------------------------------------------------
 * A run touches tens of megabytes once (the facts of every parsed file,
 * each file's arena, the parser's blocks). In 4 KB pages that was a tenth
 * of its time on the standard library: 16.5k page faults and the TLB
 * misses after them. Arena chunks and the parser's small blocks therefore
 * come from 8 MB regions, 2 MB-aligned, that the kernel may back with
 * transparent huge pages (madvise; THP's default "madvise" mode honours
 * it): 6k faults, and 11% less time. What a region hands out is never
 * unmapped: the arenas and the parser's pool keep what they free in lists
 * and take from them first, so a long session (the language server) stays
 * at its high-water mark. Builds for AddressSanitizer or valgrind have no
 * regions (ASL_PAGES=0): there every block is malloc's, and checked. */

enum { REGION_BYTES = 8u << 20, HUGE_PAGE = 2u << 20 };

static pthread_mutex_t pages_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *region_at, *region_end;
static bool regions_refused;

#if ASL_PAGES
/* Address p rounded down to a huge page's boundary. */
static uintptr_t huge_floor(uintptr_t p) {
  return p & ~(uintptr_t)(HUGE_PAGE - 1);
}

static bool new_region(void) {
  size_t bytes = REGION_BYTES + HUGE_PAGE; // room to align the start
  void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return false;
  region_at = (unsigned char *)huge_floor((uintptr_t)m + HUGE_PAGE - 1);
  region_end = region_at + REGION_BYTES;
  (void)madvise(region_at, REGION_BYTES, MADV_HUGEPAGE); // a hint only
  return true;
}
#else
static bool new_region(void) { return false; }
#endif

void *asl_pages_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n > REGION_BYTES / 8) return NULL; // big blocks: malloc's
  void *p = NULL;
  pthread_mutex_lock(&pages_lock);
  if (!regions_refused && (size_t)(region_end - region_at) < n)
    regions_refused = !new_region();
  if (!regions_refused) {
    p = region_at;
    region_at += n;
  }
  pthread_mutex_unlock(&pages_lock);
  return p;
}

/* malloc's heap (glibc) gets the same treatment as the regions. A run
 * frees and allocates big blocks file after file (a large file's node
 * array, growing vectors, a thread of the parser's stack): with glibc's
 * defaults each such block over its mmap threshold is a fresh mapping,
 * and the heap's top is given back and faulted in again. Blocks up to 64
 * MB now stay in the heap and are reused, the heap is never trimmed (the
 * language server stays at its high-water mark, as the regions do), it
 * grows 64 MB at a time, and that first stretch may be backed by huge
 * pages: on the standard library, 5.7k page faults became 200-600. */
void asl_heap_tune(void) {
#if ASL_PAGES && defined(__GLIBC__)
  enum { BIG = 64 << 20 };
  mallopt(M_MMAP_THRESHOLD, BIG);
  mallopt(M_TRIM_THRESHOLD, INT32_MAX);
  mallopt(M_TOP_PAD, BIG);
  void *probe = malloc(1); // the heap's first growth, BIG past the top
  uintptr_t from = huge_floor((uintptr_t)probe + HUGE_PAGE - 1);
  uintptr_t to = huge_floor((uintptr_t)sbrk(0));
  if (probe && to > from) (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
  free(probe);
#endif
}

/* ---- arena ------------------------------------------------------------ */

struct AslArenaChunk {
  AslArenaChunk *next;
  size_t size, used;
  bool paged; /* from the page regions: back to spare_chunks, not free */
  _Alignas(16) unsigned char data[];
};

enum { ASL_ARENA_CHUNK = 64 * 1024 };

/* Standard-size chunks from the page regions that arenas gave back. */
static AslArenaChunk *spare_chunks;

static AslArenaChunk *chunk_new(size_t size, bool sparse) {
  AslArenaChunk *c = NULL;
  if (size == ASL_ARENA_CHUNK && !sparse) {
    pthread_mutex_lock(&pages_lock);
    if ((c = spare_chunks)) spare_chunks = c->next;
    pthread_mutex_unlock(&pages_lock);
    if (!c && (c = asl_pages_alloc(sizeof *c + size))) c->paged = true;
  }
  if (!c) {
    c = asl_malloc(sizeof *c + size);
    c->paged = false;
  }
  c->size = size;
  c->used = 0;
  return c;
}

static void chunk_free(AslArenaChunk *c) {
  if (!c->paged) {
    asl_free(c);
    return;
  }
  pthread_mutex_lock(&pages_lock);
  c->next = spare_chunks;
  spare_chunks = c;
  pthread_mutex_unlock(&pages_lock);
}

void asl_arena_init(AslArena *a) {
  a->head = NULL;
  a->total = 0;
  a->sparse = false;
}

void asl_arena_init_sparse(AslArena *a) {
  asl_arena_init(a);
  a->sparse = true;
}

void asl_arena_reset(AslArena *a) {
  // Keep one standard-size chunk so the next file reuses it; prefer the
  // oldest (the last one in the list), which the first allocation got.
  AslArenaChunk *c = a->head, *keep = NULL;
  while (c) {
    AslArenaChunk *next = c->next;
    if (c->size == ASL_ARENA_CHUNK) {
      if (keep) chunk_free(keep);
      keep = c;
    } else {
      chunk_free(c);
    }
    c = next;
  }
  if (keep) {
    keep->used = 0;
    keep->next = NULL;
  }
  a->head = keep;
  a->total = 0;
}

void asl_arena_destroy(AslArena *a) {
  AslArenaChunk *c = a->head;
  while (c) {
    AslArenaChunk *next = c->next;
    chunk_free(c);
    c = next;
  }
  a->head = NULL;
  a->total = 0;
}

/* n bytes (a multiple of 16), not zeroed. */
static void *arena_take(AslArena *a, size_t n) {
  AslArenaChunk *c = a->head;
  if (!c || c->size - c->used < n) {
    size_t size = n > ASL_ARENA_CHUNK / 4 ? n : ASL_ARENA_CHUNK;
    AslArenaChunk *fresh = chunk_new(size, a->sparse);
    if (size != ASL_ARENA_CHUNK && c) {
      // A big one-off block goes behind the current chunk so the current
      // chunk's free space is not abandoned.
      fresh->next = c->next;
      c->next = fresh;
      fresh->used = n;
      a->total += n;
      return fresh->data;
    }
    fresh->next = c;
    a->head = fresh;
    c = fresh;
  }
  void *p = c->data + c->used;
  c->used += n;
  a->total += n;
  return p;
}

void *asl_arena_alloc(AslArena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  void *p = arena_take(a, n);
  memset(p, 0, n);
  return p;
}

void *asl_arena_alloc_raw(AslArena *a, size_t n) {
  return arena_take(a, (n + 15) & ~(size_t)15);
}

char *asl_arena_strndup(AslArena *a, const char *s, size_t n) {
  char *d = asl_arena_alloc_raw(a, n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *asl_arena_strdup(AslArena *a, const char *s) {
  return asl_arena_strndup(a, s, strlen(s));
}

/* Formats fmt into out[0..cap) when it holds only %s, %.*s and %% (the
 * dotted names the analyzer builds, by the hundred thousand); -1 for
 * anything else, a NULL string or no room: vsnprintf then does it. */
static int format_names(char *out, size_t cap, const char *fmt, va_list ap) {
  size_t n = 0;
  for (const char *f = fmt; *f; f++) {
    const char *s = f;
    size_t len = 1;
    if (*f == '%' && f[1] == 's') {
      s = va_arg(ap, const char *);
      if (!s) return -1;
      len = strlen(s);
      f++;
    } else if (*f == '%' && f[1] == '.' && f[2] == '*' && f[3] == 's') {
      int prec = va_arg(ap, int);
      s = va_arg(ap, const char *);
      if (!s || prec < 0) return -1;
      len = strnlen(s, (size_t)prec);
      f += 3;
    } else if (*f == '%' && f[1] == '%') {
      f++;
    } else if (*f == '%') {
      return -1;
    }
    if (len >= cap - n) return -1;
    memcpy(out + n, s, len);
    n += len;
  }
  out[n] = 0;
  return (int)n;
}

char *asl_arena_vprintf(AslArena *a, const char *fmt, va_list ap) {
  // Most strings are short names: formatted once into a stack buffer, not
  // once to measure and once to write, and by hand when they can be.
  char small[256];
  va_list ap2;
  va_copy(ap2, ap);
  int n = format_names(small, sizeof small, fmt, ap2);
  va_end(ap2);
  if (n >= 0) return asl_arena_strndup(a, small, (size_t)n);
  va_copy(ap2, ap);
  n = vsnprintf(small, sizeof small, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  if ((size_t)n < sizeof small) return asl_arena_strndup(a, small, (size_t)n);
  char *d = asl_arena_alloc(a, (size_t)n + 1);
  vsnprintf(d, (size_t)n + 1, fmt, ap);
  return d;
}

char *asl_arena_printf(AslArena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *d = asl_arena_vprintf(a, fmt, ap);
  va_end(ap);
  return d;
}

/* ---- vectors ---------------------------------------------------------- */

int asl_cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* A least-significant-byte radix sort: four passes, each a count of the
 * key byte's values and a stable scatter into `tmp` (n more elements of
 * `words` uint32_t each, the key first). */
static void radix_passes(uint32_t *a, uint32_t *tmp, uint32_t n,
                         uint32_t words) {
  for (int shift = 0; shift < 32; shift += 8) {
    uint32_t count[257] = {0};
    for (uint32_t i = 0; i < n; i++)
      count[((a[i * words] >> shift) & 255) + 1]++;
    for (int k = 0; k < 256; k++) count[k + 1] += count[k];
    for (uint32_t i = 0; i < n; i++) {
      uint32_t at = count[(a[i * words] >> shift) & 255]++;
      for (uint32_t w = 0; w < words; w++)
        tmp[(size_t)at * words + w] = a[i * words + w];
    }
    memcpy(a, tmp, sizeof *a * words * n);
  }
}

void asl_sort_by_u32_key(void *v, uint32_t n, size_t size) {
  if (n < 2) return;
  uint32_t *tmp = asl_malloc(size * n);
  radix_passes(v, tmp, n, (uint32_t)(size / sizeof(uint32_t)));
  asl_free(tmp);
}

void asl__vec_grow(void **items, uint32_t *cap, uint32_t need, size_t elem,
                   AslArena *arena) {
  if (need <= *cap) return;
  uint32_t ncap = *cap ? *cap * 2 : 8;
  while (ncap < need) ncap *= 2;
  if (arena) {
    // Only the new tail needs zeroing: the old items are copied over.
    char *fresh = asl_arena_alloc_raw(arena, (size_t)ncap * elem);
    size_t old = *items ? (size_t)*cap * elem : 0;
    if (old) memcpy(fresh, *items, old);
    memset(fresh + old, 0, (size_t)ncap * elem - old);
    *items = fresh;
  } else {
    *items = asl_realloc(*items, (size_t)ncap * elem);
  }
  *cap = ncap;
}

/* ---- byte buffer ------------------------------------------------------ */

void asl_buf_put(AslBuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t ncap = b->cap ? b->cap * 2 : 256;
    while (ncap < b->len + n + 1) ncap *= 2;
    b->data = asl_realloc(b->data, ncap);
    b->cap = ncap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

void asl_buf_puts(AslBuf *b, const char *s) { asl_buf_put(b, s, strlen(s)); }

void asl_buf_putc(AslBuf *b, char c) { asl_buf_put(b, &c, 1); }

void asl_buf_printf(AslBuf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    asl_buf_put(b, small, (size_t)n);
    return;
  }
  char *big = asl_malloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  asl_buf_put(b, big, (size_t)n);
  asl_free(big);
}

void asl_buf_free(AslBuf *b) {
  asl_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
size_t asl_utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned min;
  if (c >= 0xC2 && c <= 0xDF) len = 2, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, min = 0x10000;
  else return 0;
  if (len > n) return 0;
  unsigned cp = c & (0xFF >> (len + 1));
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void asl_buf_json_str(AslBuf *b, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  asl_buf_putc(b, '"');
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    if (c == '"' || c == '\\') {
      asl_buf_putc(b, '\\');
      asl_buf_putc(b, (char)c);
      i++;
    } else if (c < 0x20 || c == 0x7F) {
      switch (c) {
      case '\n': asl_buf_puts(b, "\\n"); break;
      case '\r': asl_buf_puts(b, "\\r"); break;
      case '\t': asl_buf_puts(b, "\\t"); break;
      default: asl_buf_printf(b, "\\u%04x", c); break;
      }
      i++;
    } else if (c < 0x80) {
      asl_buf_putc(b, (char)c);
      i++;
    } else {
      size_t len = asl_utf8_seq(s + i, n - i);
      if (len) {
        asl_buf_put(b, (const char *)s + i, len);
        i += len;
      } else {
        asl_buf_puts(b, "\\ufffd");
        i++;
      }
    }
  }
  asl_buf_putc(b, '"');
}

const char *asl_strstatus(AslStatus st) {
  switch (st) {
#define XX(name, msg) case ASL_##name: return msg;
    ASL_STATUS_MAP(XX)
#undef XX
  }
  return "unknown status";
}
