/*
 * text.h - the language server's text arithmetic: LSP positions (0-based
 * line, UTF-16 code units) to byte offsets and back, findings' positions
 * (1-based line, code points) to LSP positions, incremental edits of a
 * document, and file URIs. Pure functions over bytes; no JSON here.
 */
#ifndef ASL_SERVER_TEXT_H_
#define ASL_SERVER_TEXT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../analyzer/asl.h"

/* An LSP position: 0-based line, character in UTF-16 code units. */
typedef struct AslLspPos {
  uint32_t line, character;
} AslLspPos;

/** The line map of a document's text (a BOM kept: clients count it as
 * a character), for the conversions below; arena-owned. */
void asl_lsp_source(AslArena *a, const char *text, size_t len,
                    AslSource *out);
/** The byte offset of `pos` in s. Lines end at \n, \r\n or a lone \r,
 * as in Python and LSP. Out of range clamps: a character past the line's
 * end is its end (before the line break), a line past the last is the end
 * of the text; a position inside a surrogate pair (the middle of a 4-byte
 * character) is the character's start. Invalid UTF-8 bytes count as one
 * code unit each (U+FFFD). */
uint32_t asl_lsp_offset(const AslSource *s, AslLspPos pos);
/** The LSP position of byte offset `off` (clamped to the text). */
AslLspPos asl_lsp_position(const AslSource *s, uint32_t off);
/** The LSP position of a finding's (1-based line, 1-based column in code
 * points, as AslDiag and AslEdit count them); clamped to the text. */
AslLspPos asl_lsp_from_diag(const AslSource *s, uint32_t line,
                            uint32_t column);
/** The byte offset where 0-based line `line` ends, before its break (the
 * end of the text past the last line). */
uint32_t asl_lsp_line_end(const AslSource *s, uint32_t line);

/** Replaces bytes [start, end) of the heap text *text (*len bytes,
 * NUL-terminated) with repl[0..rlen); start and end are clamped and
 * ordered. The result stays NUL-terminated. */
void asl_text_replace(char **text, size_t *len, size_t start, size_t end,
                      const char *repl, size_t rlen);

/** The file path of a `file://` URI, percent-decoded, heap-allocated;
 * NULL for another scheme, a remote host or a path that is not absolute
 * or holds a NUL. */
char *asl_uri_to_path(const char *uri);
/** The `file://` URI of an absolute path (percent-encoding what RFC 3986
 * does not leave as is), appended to `out`. */
void asl_path_to_uri(const char *path, AslBuf *out);

#endif /* ASL_SERVER_TEXT_H_ */
