/*
 * source.c - reading a source file once into the arena, and the line map
 * that turns byte offsets into 1-based lines and character columns.
 */
#include "asl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Python ends lines at \n, \r\n and a lone \r; so do we. */
static bool ends_line(const AslSource *s, uint32_t i) {
  char c = s->text[i];
  return c == '\n' ||
         (c == '\r' && (i + 1 >= s->len || s->text[i + 1] != '\n'));
}

/* Byte i + 1 of each line end in s->text[from..len), into starts (when
 * not NULL); returns how many. Without a \r (most files) the line ends
 * are the \n bytes, which memchr finds many bytes at a time. */
static uint32_t line_ends(const AslSource *s, uint32_t from,
                          uint32_t *starts) {
  uint32_t n = 0;
  const char *t = s->text;
  if (from >= s->len) return 0;
  if (!memchr(t + from, '\r', s->len - from)) {
    for (const char *p = t + from, *end = t + s->len;
         (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
      if (starts) starts[n] = (uint32_t)(p - t) + 1;
      n++;
    }
    return n;
  }
  for (uint32_t i = from; i < s->len; i++)
    if (ends_line(s, i)) {
      if (starts) starts[n] = i + 1;
      n++;
    }
  return n;
}

/* The line map of s: the first `nhead` starts given (those before byte
 * `from`), the rest found from byte `from` on. */
static void build_line_map(AslArena *a, AslSource *s, const uint32_t *head,
                           uint32_t nhead, uint32_t from) {
  uint32_t n = nhead + line_ends(s, from, NULL);
  s->line_starts = asl_arena_alloc(a, sizeof(uint32_t) * n);
  memcpy(s->line_starts, head, sizeof(uint32_t) * nhead);
  line_ends(s, from, s->line_starts + nhead);
  s->nlines = n;
}

void asl_source_index_lines(AslArena *a, AslSource *s) {
  static const uint32_t first = 0;
  if (!s->line_starts) build_line_map(a, s, &first, 1, 0);
}

void asl_source_index_lines_after(AslArena *a, AslSource *s,
                                  const AslSource *prefix) {
  if (s->line_starts) return;
  // The starts before the prefix's last one stand: the bytes that decide
  // them are the prefix's. The last may move (a lone \r the text then
  // follows with \n): look again from the byte before it.
  uint32_t last = prefix->line_starts[prefix->nlines - 1];
  if (last == 0) {
    asl_source_index_lines(a, s);
    return;
  }
  build_line_map(a, s, prefix->line_starts, prefix->nlines - 1, last - 1);
}

/* Points `out` at bytes[0..len), NUL-terminated by the caller. A UTF-8
 * byte-order mark is not part of the text (columns start after it). */
static void set_text(AslSource *out, const char *bytes, size_t len) {
  if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) {
    bytes += 3;
    len -= 3;
  }
  out->text = bytes;
  out->len = (uint32_t)len;
}

void asl_source_from_bytes(AslArena *a, const char *display, const char *bytes,
                           size_t len, AslSource *out) {
  memset(out, 0, sizeof *out);
  out->path = asl_arena_strdup(a, display);
  if (len > ASL_MAX_FILE_BYTES) len = ASL_MAX_FILE_BYTES;
  set_text(out, asl_arena_strndup(a, bytes, len), len);
  asl_source_index_lines(a, out);
}

AslStatus asl_source_read_bytes(AslArena *a, const char *path,
                                const char *display, AslSource *out,
                                const char **why) {
  memset(out, 0, sizeof *out);
  out->path = asl_arena_strdup(a, display);
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *why = asl_arena_strdup(a, strerror(errno));
    return ASL_EIO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *why = asl_arena_strdup(a, strerror(errno));
    close(fd);
    return ASL_EIO;
  }
  if (!S_ISREG(st.st_mode)) {
    *why = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
    close(fd);
    return ASL_ENOTFILE;
  }
  if ((uint64_t)st.st_size > ASL_MAX_FILE_BYTES) {
    *why = asl_arena_printf(a, "file is larger than the %u MiB limit",
                            ASL_MAX_FILE_BYTES >> 20);
    close(fd);
    return ASL_ETOOBIG;
  }
  size_t cap = (size_t)st.st_size;
  char *buf = asl_arena_alloc_raw(a, cap + 1); // filled by read()
  size_t got = 0;
  for (;;) {
    if (got == cap) {
      // The file grew while we read it; read no further than the cap.
      break;
    }
    ssize_t r = read(fd, buf + got, cap - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      *why = asl_arena_strdup(a, strerror(errno));
      close(fd);
      return ASL_EIO;
    }
    if (r == 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (got >= 2 && ((buf[0] == '\xFF' && buf[1] == '\xFE') ||
                   (buf[0] == '\xFE' && buf[1] == '\xFF'))) {
    *why = "UTF-16 source is not supported (save it as UTF-8)";
    return ASL_EIO;
  }
  buf[got] = 0;
  set_text(out, buf, got);
  return ASL_OK;
}

AslStatus asl_source_read(AslArena *a, const char *path, const char *display,
                          AslSource *out, const char **why) {
  AslStatus st = asl_source_read_bytes(a, path, display, out, why);
  if (st == ASL_OK) asl_source_index_lines(a, out);
  return st;
}

uint32_t asl_source_line_of(const AslSource *s, uint32_t byte) {
  uint32_t lo = 0, hi = s->nlines;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (s->line_starts[mid] <= byte) lo = mid;
    else hi = mid;
  }
  return lo;
}

uint32_t asl_source_column(const AslSource *s, uint32_t line, uint32_t byte) {
  uint32_t i = s->line_starts[line];
  uint32_t col = 1;
  const unsigned char *t = (const unsigned char *)s->text;
  while (i < byte && i < s->len) {
    size_t n = asl_utf8_seq(t + i, s->len - i);
    i += n ? (uint32_t)n : 1; // an invalid byte counts as one character
    col++;
  }
  return col;
}

const char *asl_source_line_text(const AslSource *s, uint32_t line,
                                 uint32_t *len) {
  uint32_t start = s->line_starts[line];
  uint32_t end = line + 1 < s->nlines ? s->line_starts[line + 1] : s->len;
  while (end > start && (s->text[end - 1] == '\n' || s->text[end - 1] == '\r'))
    end--;
  *len = end - start;
  return s->text + start;
}
