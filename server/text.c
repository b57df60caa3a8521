/*
 * text.c - LSP positions, document edits and file URIs (see text.h).
 *
 * LSP counts characters in UTF-16 code units; findings count code points
 * (as ruff does), and the text is UTF-8 bytes. A code point above U+FFFF
 * (4 UTF-8 bytes) is two units; a byte that is not valid UTF-8 is one
 * unit and one code point (U+FFFD), as asl_source_column counts it.
 */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void asl_lsp_source(AslArena *a, const char *text, size_t len,
                    AslSource *out) {
  memset(out, 0, sizeof *out);
  out->path = "";
  out->text = text;
  out->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
  asl_source_index_lines(a, out);
}

uint32_t asl_lsp_line_end(const AslSource *s, uint32_t line) {
  if (line >= s->nlines) return s->len;
  uint32_t end = line + 1 < s->nlines ? s->line_starts[line + 1] : s->len;
  uint32_t start = s->line_starts[line];
  while (end > start && (s->text[end - 1] == '\n' || s->text[end - 1] == '\r'))
    end--;
  return end;
}

/* The UTF-8 sequence at i: its length in bytes (1 for an invalid byte). */
static uint32_t seq_len(const AslSource *s, uint32_t i) {
  size_t n = asl_utf8_seq((const unsigned char *)s->text + i, s->len - i);
  return n ? (uint32_t)n : 1;
}

uint32_t asl_lsp_offset(const AslSource *s, AslLspPos pos) {
  if (pos.line >= s->nlines) return s->len;
  uint32_t i = s->line_starts[pos.line];
  uint32_t end = asl_lsp_line_end(s, pos.line);
  for (uint32_t units = 0; i < end;) {
    uint32_t n = seq_len(s, i);
    uint32_t w = n == 4 ? 2 : 1;
    if (units + w > pos.character) break; // there, or inside a pair
    units += w;
    i += n;
  }
  return i;
}

AslLspPos asl_lsp_position(const AslSource *s, uint32_t off) {
  if (off > s->len) off = s->len;
  uint32_t line = asl_source_line_of(s, off);
  uint32_t units = 0;
  for (uint32_t i = s->line_starts[line]; i < off;) {
    uint32_t n = seq_len(s, i);
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return (AslLspPos){line, units};
}

AslLspPos asl_lsp_from_diag(const AslSource *s, uint32_t line,
                            uint32_t column) {
  if (line == 0) return (AslLspPos){0, 0};
  if (line > s->nlines) return asl_lsp_position(s, s->len);
  uint32_t i = s->line_starts[line - 1];
  uint32_t end = asl_lsp_line_end(s, line - 1);
  // Findings count columns after a byte-order mark (the analyzer drops
  // it); the client counts it as a character.
  if (line == 1 && s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0)
    i = 3 < end ? 3 : end;
  // The end of a finding may sit past the line's last character (after
  // the line break): the end of the line, then.
  for (uint32_t c = 1; c < column && i < end; c++) i += seq_len(s, i);
  return asl_lsp_position(s, i);
}

void asl_text_replace(char **text, size_t *len, size_t start, size_t end,
                      const char *repl, size_t rlen) {
  if (start > *len) start = *len;
  if (end > *len) end = *len;
  if (end < start) {
    size_t t = start;
    start = end;
    end = t;
  }
  size_t n = *len - (end - start) + rlen;
  char *out = asl_malloc(n + 1);
  memcpy(out, *text, start);
  memcpy(out + start, repl, rlen);
  memcpy(out + start + rlen, *text + end, *len - end);
  out[n] = 0;
  asl_free(*text);
  *text = out;
  *len = n;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char *asl_uri_to_path(const char *uri) {
  static const char scheme[] = "file://";
  if (strncmp(uri, scheme, sizeof scheme - 1) != 0) return NULL;
  const char *p = uri + sizeof scheme - 1;
  // file://localhost/x is /x; any other host is not ours.
  if (strncmp(p, "localhost/", 10) == 0) p += 9;
  if (*p != '/') return NULL;
  size_t n = strcspn(p, "?#");
  char *out = asl_malloc(n + 1);
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    int hi, lo;
    if (p[i] == '%' && i + 2 < n && (hi = hex_digit(p[i + 1])) >= 0 &&
        (lo = hex_digit(p[i + 2])) >= 0) {
      out[w++] = (char)(hi << 4 | lo);
      i += 2;
    } else {
      out[w++] = p[i];
    }
  }
  out[w] = 0;
  if (strlen(out) != w) { // %00: no such path
    asl_free(out);
    return NULL;
  }
  return out;
}

void asl_path_to_uri(const char *path, AslBuf *out) {
  static const char keep[] = "-._~/!$&'()*+,;=:@";
  asl_buf_puts(out, "file://");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                 (*p >= '0' && *p <= '9') || strchr(keep, *p);
    if (plain) asl_buf_putc(out, (char)*p);
    else asl_buf_printf(out, "%%%02X", *p);
  }
}
