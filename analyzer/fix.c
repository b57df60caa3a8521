/*
 * fix.c - applying fixes (`check --fix`, `--diff`): per file that parses
 * cleanly (as ruff, a damaged file is not fixed), the applicable fixes'
 * edits as byte ranges of the text as read, the fixes
 * that overlap none already taken (the rest wait for the next pass), the
 * result parsed again (a fix that breaks the syntax is a bug: reported,
 * never written), then written atomically (a temporary file renamed over
 * the original, its mode kept) or shown as a unified diff. Byte-order mark,
 * line endings and indentation are the file's own: edits touch only the
 * bytes they name.
 */
#include "fix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One edit as bytes of the text (after any BOM). */
typedef struct ByteEdit {
  uint32_t start, end;
  const char *content;
  uint32_t fix; /* index of its fix among the file's */
} ByteEdit;

typedef AslVec(ByteEdit) ByteEditVec;

/* The byte at 1-based (line, column), columns in code points as findings
 * count them; false when the position is outside the text. */
static bool byte_at(const AslSource *s, uint32_t line, uint32_t column,
                    uint32_t *out) {
  if (line == 0 || line > s->nlines || column == 0) return false;
  uint32_t i = s->line_starts[line - 1];
  uint32_t end = line < s->nlines ? s->line_starts[line] : s->len;
  const unsigned char *t = (const unsigned char *)s->text;
  for (uint32_t c = 1; c < column; c++) {
    if (i >= end) return false;
    size_t n = asl_utf8_seq(t + i, s->len - i);
    i += n ? (uint32_t)n : 1;
  }
  *out = i;
  return true;
}

static int cmp_edit(const void *a, const void *b) {
  const ByteEdit *x = a, *y = b;
  if (x->start != y->start) return x->start < y->start ? -1 : 1;
  return x->fix < y->fix ? -1 : x->fix > y->fix;
}

/* Takes the fixes of diags[from..to) (one file) that apply, in order,
 * each only if none of its edits overlaps an edit taken before (two
 * insertions at one place overlap too). */
static void take_edits(const AslOptions *opt, const AslSource *s,
                       const AslDiag *diags, uint32_t from, uint32_t to,
                       ByteEditVec *taken, uint32_t *nfixes,
                       uint32_t per_rule[ASL_RULE__COUNT]) {
  for (uint32_t i = from; i < to; i++) {
    const AslDiag *d = &diags[i];
    if (!asl_fix_applies(opt, d)) continue;
    ByteEditVec mine = {0};
    bool ok = true;
    for (uint32_t k = 0; k < d->fix->nedits && ok; k++) {
      const AslEdit *e = &d->fix->edits[k];
      ByteEdit b = {0, 0, e->content, *nfixes};
      ok = byte_at(s, e->line, e->column, &b.start) &&
           byte_at(s, e->end_line, e->end_column, &b.end) && b.start <= b.end;
      if (ok) asl_vec_push(&mine, b);
    }
    for (uint32_t k = 0; ok && k < mine.len; k++)
      for (uint32_t j = 0; ok && j < taken->len; j++) {
        const ByteEdit *x = &mine.items[k], *y = &taken->items[j];
        // Overlapping ranges, or two edits at one place (which goes
        // first would be a guess).
        ok = !(x->start < y->end && y->start < x->end) &&
             x->start != y->start;
      }
    if (ok && mine.len) {
      for (uint32_t k = 0; k < mine.len; k++)
        asl_vec_push(taken, mine.items[k]);
      (*nfixes)++;
      per_rule[d->rule]++;
    }
    asl_vec_free(&mine);
  }
  if (taken->len > 1)
    qsort(taken->items, taken->len, sizeof *taken->items, cmp_edit);
}

/* The text with the edits applied. */
static void apply_edits(const AslSource *s, const ByteEditVec *edits,
                        AslBuf *out) {
  uint32_t at = 0;
  for (uint32_t i = 0; i < edits->len; i++) {
    const ByteEdit *e = &edits->items[i];
    asl_buf_put(out, s->text + at, e->start - at);
    asl_buf_puts(out, e->content);
    at = e->end;
  }
  asl_buf_put(out, s->text + at, s->len - at);
}

/* ---- unified diff ----------------------------------------------------- */

/* A slice of text cut into lines (without their '\n'). */
typedef struct Lines {
  const char **at;
  uint32_t *len;
  uint32_t n;
  bool last_open; /* the last line has no '\n' */
} Lines;

static void split_lines(AslArena *a, const char *t, size_t n, Lines *out) {
  uint32_t count = 0;
  for (size_t i = 0; i < n; i++) count += t[i] == '\n';
  out->last_open = n && t[n - 1] != '\n';
  out->n = 0;
  out->at = asl_arena_alloc(a, sizeof *out->at * (count + 1));
  out->len = asl_arena_alloc(a, sizeof *out->len * (count + 1));
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && t[j] != '\n') j++;
    out->at[out->n] = t + i;
    out->len[out->n++] = (uint32_t)(j - i);
    i = j + 1;
  }
}

static bool same_line(const Lines *x, uint32_t i, const Lines *y, uint32_t j) {
  return x->len[i] == y->len[j] && !memcmp(x->at[i], y->at[j], x->len[i]) &&
         (i + 1 < x->n || !x->last_open) == (j + 1 < y->n || !y->last_open);
}

static void put_line(AslBuf *out, char mark, const Lines *l, uint32_t i) {
  asl_buf_putc(out, mark);
  asl_buf_put(out, l->at[i], l->len[i]);
  asl_buf_putc(out, '\n');
  if (i + 1 == l->n && l->last_open)
    asl_buf_puts(out, "\\ No newline at end of file\n");
}

/* The lines of one hunk: unchanged ones as context, the others removed and
 * added, by a longest common subsequence (hunks are a few lines). */
static void put_hunk(AslBuf *out, const Lines *old, const Lines *now) {
  uint32_t n = old->n, m = now->n;
  // lcs[i][j]: the longest common run of old[i..] and now[j..].
  uint32_t *lcs = asl_calloc((size_t)(n + 1) * (m + 1), sizeof *lcs);
#define LCS(i, j) lcs[(size_t)(i) * (m + 1) + (j)]
  for (uint32_t i = n; i-- > 0;)
    for (uint32_t j = m; j-- > 0;)
      LCS(i, j) = same_line(old, i, now, j)
                      ? LCS(i + 1, j + 1) + 1
                      : (LCS(i + 1, j) > LCS(i, j + 1) ? LCS(i + 1, j)
                                                       : LCS(i, j + 1));
  uint32_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && same_line(old, i, now, j)) {
      put_line(out, ' ', old, i++);
      j++;
    } else if (j < m && (i == n || LCS(i, j + 1) >= LCS(i + 1, j))) {
      // Removals first, as diff(1) does: a run of '-' then of '+'.
      uint32_t k = i;
      while (k < n && (j == m || LCS(k + 1, j) >= LCS(k, j + 1)) &&
             !(j < m && same_line(old, k, now, j)))
        put_line(out, '-', old, k++);
      if (k > i) {
        i = k;
        continue;
      }
      put_line(out, '+', now, j++);
    } else {
      put_line(out, '-', old, i++);
    }
  }
#undef LCS
  asl_free(lcs);
}

/* A unified diff of the edits: one hunk per group of edits within 6 lines
 * of each other, with 3 lines of context. */
static void diff_edits(AslArena *a, const char *path, const AslSource *s,
                       const ByteEditVec *edits, AslBuf *out) {
  enum { CONTEXT = 3 };
  asl_buf_printf(out, "--- %s\n+++ %s\n", path, path);
  // The last line start of a text ending in '\n' is the empty line after.
  uint32_t nlines = s->nlines;
  if (nlines > 1 && s->line_starts[nlines - 1] == s->len) nlines--;
  int32_t delta = 0; // new line numbers minus old, before the hunk
  for (uint32_t g = 0; g < edits->len;) {
    uint32_t first = asl_source_line_of(s, edits->items[g].start);
    uint32_t last = asl_source_line_of(s, edits->items[g].end);
    uint32_t h = g + 1;
    while (h < edits->len &&
           asl_source_line_of(s, edits->items[h].start) <= last + 2 * CONTEXT) {
      uint32_t l = asl_source_line_of(s, edits->items[h].end);
      if (l > last) last = l;
      h++;
    }
    uint32_t lo = first > CONTEXT ? first - CONTEXT : 0;
    uint32_t hi = last + CONTEXT + 1 < nlines ? last + CONTEXT + 1 : nlines;
    uint32_t b0 = s->line_starts[lo];
    uint32_t b1 = hi < s->nlines ? s->line_starts[hi] : s->len;
    AslBuf now = {0};
    uint32_t at = b0;
    for (uint32_t k = g; k < h; k++) {
      asl_buf_put(&now, s->text + at, edits->items[k].start - at);
      asl_buf_puts(&now, edits->items[k].content);
      at = edits->items[k].end;
    }
    asl_buf_put(&now, s->text + at, b1 - at);
    Lines ol, nl;
    split_lines(a, s->text + b0, b1 - b0, &ol);
    split_lines(a, now.data ? now.data : "", now.len, &nl);
    asl_buf_printf(out, "@@ -%u,%u +%u,%u @@\n", lo + 1, ol.n,
                   (uint32_t)((int32_t)lo + 1 + delta), nl.n);
    put_hunk(out, &ol, &nl);
    delta += (int32_t)nl.n - (int32_t)ol.n;
    asl_buf_free(&now);
    g = h;
  }
}

/* ---- writing ------------------------------------------------------------ */

/* Writes `bytes` over `path` atomically: a temporary file in the same
 * folder with the original's mode, renamed over it. */
static bool write_atomically(const char *path, const char *bom,
                             const char *bytes, size_t len,
                             const char **why) {
  struct stat st;
  if (stat(path, &st) != 0) {
    *why = strerror(errno);
    return false;
  }
  if (access(path, W_OK) != 0) {
    *why = "not writable";
    return false;
  }
  size_t n = strlen(path);
  char *tmp = asl_malloc(n + 16);
  snprintf(tmp, n + 16, "%s.aslXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    *why = strerror(errno);
    asl_free(tmp);
    return false;
  }
  bool ok = fchmod(fd, st.st_mode & 07777) == 0;
  size_t nbom = strlen(bom);
  for (size_t done = 0; ok && done < nbom + len;) {
    const char *p = done < nbom ? bom + done : bytes + (done - nbom);
    size_t want = done < nbom ? nbom - done : len - (done - nbom);
    ssize_t w = write(fd, p, want);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) done += (size_t)w;
  }
  ok = close(fd) == 0 && ok;
  if (ok) ok = rename(tmp, path) == 0;
  if (!ok) {
    *why = strerror(errno);
    unlink(tmp);
  }
  asl_free(tmp);
  return ok;
}

/* ---- one file ------------------------------------------------------------ */

/* Does `s` parse without error? Fixes never touch a file that does not
 * (ruff's rule: the damage may hide what a fix would break). */
static bool parses_clean(AslParser *p, AslArena *a, const AslSource *s) {
  AslTree t;
  asl_parse(p, a, s, &t);
  return !t.has_error;
}

/* Does the fixed text parse with no error (the text before did)? */
static bool parses_as_well(AslParser *p, AslArena *a, const AslSource *before,
                           const char *after, size_t len) {
  AslSource s = *before;
  s.text = after;
  s.len = (uint32_t)len;
  s.line_starts = NULL;
  asl_source_index_lines(a, &s);
  return parses_clean(p, a, &s);
}

bool asl_fix_source(const AslOptions *opt, AslParser *p, AslArena *a,
                    const AslSource *s, const AslDiag *diags, uint32_t n,
                    AslBuf *out, uint32_t *nfixes) {
  ByteEditVec edits = {0};
  uint32_t per_rule[ASL_RULE__COUNT] = {0};
  *nfixes = 0;
  if (!parses_clean(p, a, s)) return true;
  take_edits(opt, s, diags, 0, n, &edits, nfixes, per_rule);
  apply_edits(s, &edits, out);
  asl_vec_free(&edits);
  return !*nfixes || parses_as_well(p, a, s, out->data ? out->data : "",
                                    out->len);
}

/* Fixes one file's findings diags[from..to). */
static void fix_file(const AslOptions *opt, AslParser *p, const AslDiag *diags,
                     uint32_t from, uint32_t to, bool write, AslBuf *diff,
                     AslFixStats *stats) {
  const char *path = diags[from].path;
  if (!strcmp(path, "-")) return; // stdin: nothing to write back
  AslArena a;
  asl_arena_init(&a);
  AslSource s;
  const char *why = NULL;
  if (asl_source_read(&a, path, path, &s, &why) != ASL_OK) {
    fprintf(stderr, "asynclint: error: %s: cannot fix: %s\n", path, why);
    stats->errors++;
    asl_arena_destroy(&a);
    return;
  }
  struct stat st;
  const char *bom = stat(path, &st) == 0 && (uint64_t)st.st_size == s.len + 3u
                        ? "\xEF\xBB\xBF"
                        : "";
  ByteEditVec edits = {0};
  uint32_t nfixes = 0, per_rule[ASL_RULE__COUNT] = {0};
  if (parses_clean(p, &a, &s))
    take_edits(opt, &s, diags, from, to, &edits, &nfixes, per_rule);
  if (edits.len) {
    AslBuf out = {0};
    apply_edits(&s, &edits, &out);
    if (!parses_as_well(p, &a, &s, out.data ? out.data : "", out.len)) {
      fprintf(stderr, "asynclint: error: %s: the fixes would not parse; "
                      "nothing written (a bug in asynclint: please report "
                      "it)\n", path);
      stats->errors++;
    } else if (!write) {
      diff_edits(&a, path, &s, &edits, diff);
      stats->fixed += nfixes;
      stats->files++;
      for (int r = 0; r < ASL_RULE__COUNT; r++) stats->per_rule[r] += per_rule[r];
    } else if (!write_atomically(path, bom, out.data ? out.data : "", out.len,
                                 &why)) {
      fprintf(stderr, "asynclint: error: %s: cannot write the fixes: %s\n",
              path, why);
      stats->errors++;
    } else {
      stats->fixed += nfixes;
      stats->files++;
      for (int r = 0; r < ASL_RULE__COUNT; r++) stats->per_rule[r] += per_rule[r];
    }
    asl_buf_free(&out);
  }
  asl_vec_free(&edits);
  asl_arena_destroy(&a);
}

void asl_fix_apply(const AslOptions *opt, AslParser *p,
                   const AslDiagList *diags, bool write, AslBuf *diff,
                   AslFixStats *stats) {
  // Findings are sorted by path (asl_diags_sort): one run per file.
  for (uint32_t i = 0; i < diags->len;) {
    uint32_t j = i + 1;
    while (j < diags->len && !strcmp(diags->items[j].path, diags->items[i].path))
      j++;
    bool any = false;
    for (uint32_t k = i; k < j && !any; k++)
      any = asl_fix_applies(opt, &diags->items[k]);
    if (any) fix_file(opt, p, diags->items, i, j, write, diff, stats);
    i = j;
  }
}
