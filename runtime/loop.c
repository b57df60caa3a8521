/*
 * loop.c - the event loop: a FIFO ready queue, a timer min-heap keyed by
 * (deadline, sequence) and a virtual clock that jumps instead of polling
 * (libuv's uv_run and heap-inl.h, asyncio's BaseEventLoop._run_once).
 */
#include "rt.h"

#include <string.h>

/* A handle from the free list or the heap; `all` remembers every handle
 * so that destroy frees them whatever state they are in. */
static AslRtHandle *handle_new(AslRtLoop *loop, AslRtCallback fn, void *a,
                               void *b, bool give_out) {
  AslRtHandle *h = loop->free_list;
  if (h) {
    loop->free_list = h->next;
    memset(h, 0, sizeof *h);
  } else {
    h = asl_calloc(1, sizeof *h);
    if (loop->all_len == loop->all_cap) {
      loop->all_cap = loop->all_cap ? loop->all_cap * 2 : 64;
      loop->all = asl_realloc(loop->all, loop->all_cap * sizeof *loop->all);
    }
    loop->all[loop->all_len++] = h;
  }
  h->fn = fn;
  h->a = a;
  h->b = b;
  h->heap_index = UINT32_MAX;
  h->loop_owned = true;
  h->caller_owned = give_out;
  return h;
}

/* Recycles `h` once neither the loop nor a caller holds it. */
static void handle_unref(AslRtLoop *loop, AslRtHandle *h) {
  if (h->loop_owned || h->caller_owned) return;
  h->next = loop->free_list;
  loop->free_list = h;
}

void asl_rt_loop_init(AslRtLoop *loop) { memset(loop, 0, sizeof *loop); }

void asl_rt_loop_destroy(AslRtLoop *loop) {
  for (uint32_t i = 0; i < loop->all_len; i++) asl_free(loop->all[i]);
  asl_free(loop->all);
  asl_free(loop->heap);
  memset(loop, 0, sizeof *loop);
}

static AslRtHandle *ready_append(AslRtLoop *loop, AslRtHandle *h) {
  if (loop->ready_tail)
    loop->ready_tail->next = h;
  else
    loop->ready_head = h;
  loop->ready_tail = h;
  return h;
}

AslRtHandle *asl_rt_loop_call_soon(AslRtLoop *loop, AslRtCallback fn, void *a,
                                   void *b) {
  return ready_append(loop, handle_new(loop, fn, a, b, true));
}

void asl_rt_loop_post(AslRtLoop *loop, AslRtCallback fn, void *a, void *b) {
  ready_append(loop, handle_new(loop, fn, a, b, false));
}

/* Heap order: earlier deadline first, then earlier start (FIFO ties). */
static bool heap_less(const AslRtHandle *x, const AslRtHandle *y) {
  if (x->when != y->when) return x->when < y->when;
  return x->seq < y->seq;
}

static void heap_swap(AslRtLoop *loop, uint32_t i, uint32_t j) {
  AslRtHandle *t = loop->heap[i];
  loop->heap[i] = loop->heap[j];
  loop->heap[j] = t;
  loop->heap[i]->heap_index = i;
  loop->heap[j]->heap_index = j;
}

static void heap_up(AslRtLoop *loop, uint32_t i) {
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (!heap_less(loop->heap[i], loop->heap[p])) break;
    heap_swap(loop, i, p);
    i = p;
  }
}

static void heap_down(AslRtLoop *loop, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < loop->heap_len && heap_less(loop->heap[l], loop->heap[m])) m = l;
    if (r < loop->heap_len && heap_less(loop->heap[r], loop->heap[m])) m = r;
    if (m == i) return;
    heap_swap(loop, i, m);
    i = m;
  }
}

static void heap_remove(AslRtLoop *loop, uint32_t i) {
  AslRtHandle *h = loop->heap[i];
  loop->heap_len--;
  if (i != loop->heap_len) {
    loop->heap[i] = loop->heap[loop->heap_len];
    loop->heap[i]->heap_index = i;
    heap_down(loop, i);
    heap_up(loop, i);
  }
  h->heap_index = UINT32_MAX;
}

AslRtHandle *asl_rt_loop_call_at(AslRtLoop *loop, double when, AslRtCallback fn,
                                 void *a, void *b) {
  AslRtHandle *h = handle_new(loop, fn, a, b, true);
  h->when = when;
  h->seq = loop->timer_counter++;
  if (loop->heap_len == loop->heap_cap) {
    loop->heap_cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
    loop->heap = asl_realloc(loop->heap, loop->heap_cap * sizeof *loop->heap);
  }
  h->heap_index = loop->heap_len;
  loop->heap[loop->heap_len++] = h;
  heap_up(loop, h->heap_index);
  return h;
}

void asl_rt_handle_cancel(AslRtLoop *loop, AslRtHandle *h) {
  if (!h) return;
  h->cancelled = true;
  // A cancelled timer leaves the heap at once, so it never holds the
  // clock back (asyncio keeps it until it surfaces; the order of live
  // timers is the same either way).
  if (h->heap_index != UINT32_MAX) {
    heap_remove(loop, h->heap_index);
    h->loop_owned = false;
    handle_unref(loop, h);
  }
}

void asl_rt_handle_release(AslRtLoop *loop, AslRtHandle *h) {
  if (!h || !h->caller_owned) return;
  h->caller_owned = false;
  handle_unref(loop, h);
}

bool asl_rt_loop_alive(const AslRtLoop *loop) {
  for (const AslRtHandle *h = loop->ready_head; h; h = h->next)
    if (!h->cancelled) return true;
  return loop->heap_len > 0;
}

bool asl_rt_loop_run_once(AslRtLoop *loop) {
  if (!loop->ready_head) {
    if (loop->heap_len == 0) return false;
    // Nothing ready: instead of polling, jump to the earliest deadline.
    if (loop->heap[0]->when > loop->time) loop->time = loop->heap[0]->when;
  }
  // Every due timer moves to the ready queue before any callback runs
  // (uv__run_timers), in (deadline, seq) order. Equal deadlines keep
  // start order, except with a racy timer among them: flagged.
  double group_when = -1;
  bool group_racy = false;
  uint32_t group_n = 0;
  while (loop->heap_len && loop->heap[0]->when <= loop->time) {
    AslRtHandle *h = loop->heap[0];
    if (group_n == 0 || h->when != group_when)
      group_when = h->when, group_racy = false, group_n = 0;
    group_racy |= h->racy;
    if (++group_n > 1 && group_racy) loop->racy_tie = true;
    heap_remove(loop, 0);
    h->next = NULL;
    if (loop->ready_tail)
      loop->ready_tail->next = h;
    else
      loop->ready_head = h;
    loop->ready_tail = h;
  }
  // Snapshot: run only what is ready now; new callbacks wait a turn.
  AslRtHandle *h = loop->ready_head, *last = loop->ready_tail;
  loop->ready_head = loop->ready_tail = NULL;
  while (h) {
    AslRtHandle *next = h == last ? NULL : h->next;
    h->next = NULL;
    if (!h->cancelled) {
      h->cancelled = true; // ran: a later cancel is a no-op
      h->fn(loop, h->a, h->b);
    }
    h->loop_owned = false;
    handle_unref(loop, h);
    h = next;
  }
  loop->iterations++;
  return true;
}
