/*
 * rpc.c - JSON-RPC framing (see rpc.h).
 */
#include "rpc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void asl_rpc_reader_init(AslRpcReader *r, int fd) {
  memset(r, 0, sizeof *r);
  r->fd = fd;
}

void asl_rpc_reader_free(AslRpcReader *r) { asl_buf_free(&r->buf); }

/* Drops the bytes taken so far once they are most of the buffer, so that
 * the buffer holds at most one message and what follows it. */
static void compact(AslRpcReader *r) {
  if (r->start == 0) return;
  if (r->start < r->buf.len / 2 && r->start < ((size_t)1 << 20)) return;
  memmove(r->buf.data, r->buf.data + r->start, r->buf.len - r->start);
  r->buf.len -= r->start;
  r->start = 0;
}

bool asl_rpc_fill(AslRpcReader *r, int timeout_ms) {
  if (r->eof) return true;
  struct pollfd pfd = {r->fd, POLLIN, 0};
  int n = poll(&pfd, 1, timeout_ms);
  if (n == 0) return false;
  if (n < 0) return errno == EINTR ? false : (r->eof = true);
  compact(r);
  char chunk[65536];
  ssize_t got = read(r->fd, chunk, sizeof chunk);
  if (got < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (got <= 0) {
    r->eof = true;
    return true;
  }
  size_t keep = (size_t)got;
  if (r->skip) { // the rest of an oversized body: dropped as it comes
    size_t drop = r->skip < keep ? r->skip : keep;
    r->skip -= drop;
    memmove(chunk, chunk + drop, keep - drop);
    keep -= drop;
  }
  asl_buf_put(&r->buf, chunk, keep);
  return true;
}

/* The end of the header block at h[0..n): the offset just past its blank
 * line, 0 if not there yet. A bare \n\n is taken too (lenient clients). */
static size_t header_end(const char *h, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    if (h[i] != '\n') continue;
    if (h[i + 1] == '\n') return i + 2;
    if (i + 2 < n && h[i + 1] == '\r' && h[i + 2] == '\n') return i + 3;
  }
  return 0;
}

/* The Content-Length of a header block (case-insensitive name, at a line
 * start) in *out: 0; -1 if missing or not a number; -2 past the limit
 * (*out then the declared length, capped at 2^40). */
static int content_length(const char *h, size_t n, size_t *out) {
  static const char name[] = "content-length:";
  for (size_t i = 0; i < n; i++) {
    if (i && h[i - 1] != '\n') continue;
    if (n - i < sizeof name - 1 || strncasecmp(h + i, name, sizeof name - 1))
      continue;
    size_t k = i + sizeof name - 1;
    while (k < n && (h[k] == ' ' || h[k] == '\t')) k++;
    unsigned long long v = 0;
    size_t digits = 0;
    for (; k < n && h[k] >= '0' && h[k] <= '9'; k++, digits++)
      if (v <= ((unsigned long long)1 << 40)) v = v * 10 + (unsigned)(h[k] - '0');
    while (k < n && (h[k] == ' ' || h[k] == '\t' || h[k] == '\r')) k++;
    if (!digits || (k < n && h[k] != '\n')) return -1;
    *out = (size_t)v;
    return v > ASL_RPC_MAX_BODY ? -2 : 0;
  }
  return -1;
}

/* Where a header block that had no usable length may have lost the next
 * message's start: the last "Content-Length" after its first byte. */
static size_t resync_at(const char *h, size_t n) {
  size_t at = 0;
  for (size_t i = 1; i + 14 <= n; i++)
    if (strncasecmp(h + i, "content-length", 14) == 0) at = i;
  return at;
}

AslRpcNext asl_rpc_next(AslRpcReader *r, const char **body, size_t *len,
                        const char **why) {
  const char *h = r->buf.data + r->start;
  size_t avail = r->buf.len - r->start;
  if (!avail) return ASL_RPC_NONE;
  size_t end = header_end(h, avail < ASL_RPC_MAX_HEADER + 4
                                 ? avail
                                 : ASL_RPC_MAX_HEADER + 4);
  if (!end) {
    if (avail <= ASL_RPC_MAX_HEADER) return ASL_RPC_NONE;
    size_t at = resync_at(h, avail);
    r->start += at ? at : avail;
    *why = "header block too long or not terminated";
    return ASL_RPC_BAD;
  }
  size_t n = 0;
  int st = content_length(h, end, &n);
  if (st == -1) {
    size_t at = resync_at(h, end);
    r->start += at ? at : end;
    *why = "missing or invalid Content-Length header";
    return ASL_RPC_BAD;
  }
  if (st == -2) {
    size_t here = avail - end;
    r->start += end + (n < here ? n : here);
    r->skip = n > here ? n - here : 0;
    *why = "message larger than the 64 MiB limit";
    return ASL_RPC_BAD;
  }
  if (avail - end < n) return ASL_RPC_NONE;
  *body = h + end;
  *len = n;
  r->start += end + n;
  return ASL_RPC_MESSAGE;
}

/* Writes all of buf; false if the output is gone. */
static bool write_all(int fd, const char *buf, size_t n) {
  while (n) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (w <= 0) return false;
    buf += w;
    n -= (size_t)w;
  }
  return true;
}

bool asl_rpc_write(int fd, const char *body, size_t len) {
  char head[64];
  int n = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", len);
  return write_all(fd, head, (size_t)n) && write_all(fd, body, len);
}
