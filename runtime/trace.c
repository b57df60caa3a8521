/*
 * trace.c - the kitchen lane in text: records what each task does in
 * virtual time (start, pause at which await waiting on what, resume,
 * finish, prints, and where a sync call blocked the loop) and renders one
 * lane per task plus an event log, within a terminal's width.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define RT_MAX_EVENTS 100000

void rt_event(Rt *rt, RtEventKind k, RtFuture *task, uint32_t line,
              const char *what, double duration) {
  if (!rt->trace || rt->nevents >= RT_MAX_EVENTS) return;
  if (rt->nevents == rt->capevents) {
    rt->capevents = rt->capevents ? rt->capevents * 2 : 256;
    rt->events = asl_realloc(rt->events, rt->capevents * sizeof *rt->events);
  }
  rt->events[rt->nevents++] = (RtEvent){.time = rt->loop.time,
                                        .duration = duration,
                                        .task = task        ? task->id
                                                : rt->thread
                                                    ? RT_LANE_THREAD |
                                                          rt->thread->no
                                                    : 0,
                                        .kind = (uint8_t)k,
                                        .line = line,
                                        .what = what,
                                        .fn = k == RT_EV_PAUSE && task
                                                  ? task->waiting_fn
                                                  : NULL};
}

/* Tasks by id, so naming a lane is one lookup, not a walk of the list. */
typedef struct TaskIndex {
  RtFuture **by_id;
  uint32_t n; /* ids 0 .. n-1 */
  RtThread **threads; /* worker threads by number */
  uint32_t nthreads;
} TaskIndex;

static TaskIndex task_index(Rt *rt) {
  TaskIndex ix = {NULL, 1, NULL, rt->nthreads};
  for (RtFuture *t = rt->tasks; t; t = t->next_task)
    if (t->id + 1 > ix.n) ix.n = t->id + 1;
  ix.by_id = asl_calloc(ix.n, sizeof *ix.by_id);
  for (RtFuture *t = rt->tasks; t; t = t->next_task) ix.by_id[t->id] = t;
  ix.threads = asl_calloc(ix.nthreads ? ix.nthreads : 1, sizeof *ix.threads);
  for (RtThread *th = rt->threads; th; th = th->next)
    if (th->no < ix.nthreads) ix.threads[th->no] = th;
  return ix;
}

/* "Task-2 fetch" for a task id, "thread load_config" for a worker
 * thread's lane, "<module>" for 0. */
static void lane_name(const TaskIndex *ix, uint32_t id, char *buf, size_t n) {
  if (id == 0) {
    snprintf(buf, n, "<module>");
    return;
  }
  if (id & RT_LANE_THREAD) {
    uint32_t no = id & ~RT_LANE_THREAD;
    const RtThread *th = no < ix->nthreads ? ix->threads[no] : NULL;
    snprintf(buf, n, "thread %s", th ? th->fn_name : "?");
    return;
  }
  const RtFuture *t = id < ix->n ? ix->by_id[id] : NULL;
  if (t)
    snprintf(buf, n, "Task-%u %s", id, t->coro->u.coro.name);
  else
    snprintf(buf, n, "Task-%u", id);
}

/* Appends at most `width` columns of `line` and a newline. */
static void put_line(AslBuf *out, const char *line, unsigned width) {
  size_t n = strlen(line);
  if (n > width) n = width;
  asl_buf_put(out, line, n);
  asl_buf_putc(out, '\n');
}

/* Appends `line`, wrapped at `width` columns (at a space when there is
 * one); continuation lines are indented by `indent` (the event column). */
static void put_wrapped(AslBuf *out, const char *line, unsigned width,
                        unsigned indent) {
  size_t n = strlen(line), at = 0, room = width;
  while (n - at > room) {
    size_t cut = room;
    while (cut > room / 2 && line[at + cut] != ' ') cut--;
    if (line[at + cut] != ' ') cut = room;
    asl_buf_put(out, line + at, cut);
    asl_buf_putc(out, '\n');
    for (unsigned k = 0; k < indent; k++) asl_buf_putc(out, ' ');
    at += cut;
    while (at < n && line[at] == ' ') at++;
    room = width - indent;
  }
  asl_buf_put(out, line + at, n - at);
  asl_buf_putc(out, '\n');
}

enum { RT_TRACE_MAX_LANES = 40, RT_TRACE_MAX_THREAD_LANES = 10 };

/* One lane's row while the events are replayed. */
typedef struct LaneState {
  char cells[301]; /* the bar (at most 300 columns) */
  int state;       /* 0 not yet, 1 created, 2 alive */
  unsigned last;   /* the column of this lane's previous event */
} LaneState;

/* Marks a blocking call's span with '#'. */
static void mark_block(char *cells, const RtEvent *e, unsigned c,
                       double scale, unsigned bar) {
  unsigned c2 = (unsigned)((e->time + e->duration) * scale + 0.5);
  for (unsigned k = c; k <= c2 && k < bar; k++) cells[k] = '#';
}

/* Draws one event of a task on its lane (at column c). */
static void lane_event(LaneState *l, const RtEvent *e, unsigned c,
                       double scale, unsigned bar) {
  char fill = l->state == 1 ? '.' : '~';
  if (l->state)
    for (unsigned k = l->last; k < c; k++)
      if (l->cells[k] == ' ') l->cells[k] = fill;
  switch (e->kind) {
  case RT_EV_CREATE:
    l->state = 1;
    if (l->cells[c] == ' ') l->cells[c] = '.';
    break;
  case RT_EV_START:
    l->state = 2;
    l->cells[c] = 'S';
    break;
  case RT_EV_RESUME:
    if (l->cells[c] == ' ' || l->cells[c] == '~') l->cells[c] = '>';
    break;
  case RT_EV_FINISH:
    l->state = 0;
    l->cells[c] = 'F';
    break;
  case RT_EV_BLOCK: {
    mark_block(l->cells, e, c, scale, bar);
    unsigned c2 = (unsigned)((e->time + e->duration) * scale + 0.5);
    c = c2 < bar ? c2 : bar - 1;
    break;
  }
  default: break;
  }
  l->last = c;
}

/* The timeline: a header, a time axis, one lane per task in creation
 * order plus the loop's own lane (where a sync call blocked it), a
 * legend, then every event in order with its virtual time. */
void rt_trace_render(Rt *rt, AslBuf *out, unsigned width, const char *path) {
  if (width < 60) width = 60;
  if (width > 300) width = 300;
  const unsigned label = 18;
  const unsigned bar = width - label - 2;
  double total = rt->loop.time;
  for (uint32_t i = 0; i < rt->nevents; i++) {
    double e = rt->events[i].time + rt->events[i].duration;
    if (e > total) total = e;
  }
  double scale = total > 0 ? (bar - 1) / total : 0;
  char line[600], name[64];
  snprintf(line, sizeof line, "%.3f s of virtual time: %s", total, path);
  put_line(out, line, width);
  put_line(out, "", width);
  // The axis: "0.000" under the bar's first column, the total under its
  // last one.
  char axis[600];
  int n = snprintf(axis, sizeof axis, "%-*s0.000", (int)label + 2, "lane");
  char end[32];
  int el = snprintf(end, sizeof end, "%.3f", total);
  int at = (int)(label + 2 + bar) - el;
  if (n > 0 && el > 0 && at > n + 1 && at + el < (int)sizeof axis) {
    memset(axis + n, ' ', (size_t)(at - n));
    memcpy(axis + at, end, (size_t)el + 1);
  }
  put_line(out, axis, width);
  // One lane per task (creation order), plus the loop's own lane. All
  // lanes are filled in one pass over the events, and at most
  // RT_TRACE_MAX_LANES tasks get a lane (more would not be readable; the
  // event log below still names every task).
  TaskIndex ix = task_index(rt);
  uint32_t ntasks = 0;
  for (RtFuture *t = rt->tasks; t; t = t->next_task) ntasks++;
  uint32_t shown = ntasks < RT_TRACE_MAX_LANES ? ntasks : RT_TRACE_MAX_LANES;
  // Worker threads get lanes after the tasks', then the loop's own.
  uint32_t tshown = rt->nthreads < RT_TRACE_MAX_THREAD_LANES
                        ? rt->nthreads
                        : RT_TRACE_MAX_THREAD_LANES;
  uint32_t loop_lane = shown + tshown;
  LaneState *lanes = asl_calloc(loop_lane + 1, sizeof *lanes);
  for (uint32_t l = 0; l <= loop_lane; l++) {
    memset(lanes[l].cells, ' ', bar);
    lanes[l].cells[bar] = 0;
  }
  for (uint32_t i = 0; i < rt->nevents; i++) {
    const RtEvent *e = &rt->events[i];
    unsigned c = (unsigned)(e->time * scale + 0.5);
    if (c >= bar) c = bar - 1;
    if (e->kind == RT_EV_BLOCK)
      mark_block(lanes[loop_lane].cells, e, c, scale, bar);
    if (e->task & RT_LANE_THREAD) {
      uint32_t no = e->task & ~RT_LANE_THREAD;
      if (no < tshown) lane_event(&lanes[shown + no], e, c, scale, bar);
    } else if (e->task >= 1 && e->task <= shown) {
      lane_event(&lanes[e->task - 1], e, c, scale, bar);
    }
  }
  for (uint32_t lane = 0; lane <= loop_lane; lane++) {
    uint32_t id = lane < shown       ? lane + 1
                  : lane < loop_lane ? RT_LANE_THREAD | (lane - shown)
                                     : 0;
    if (id == 0)
      snprintf(name, sizeof name, "loop blocked");
    else
      lane_name(&ix, id, name, sizeof name);
    snprintf(line, sizeof line, "%-*.*s |%s", (int)label, (int)label, name,
             lanes[lane].cells);
    put_line(out, line, width);
    if (lane + 1 == shown && ntasks > shown) {
      snprintf(line, sizeof line, "%-*s  ... %u more tasks: see the events",
               (int)label, "", ntasks - shown);
      put_line(out, line, width);
    }
  }
  asl_free(lanes);
  put_line(out, "", width);
  put_line(out,
           "S start  ~ paused at an await  > resumed  F finished  "
           "# blocked loop",
           width);
  if (tshown) put_line(out, "(a thread's ~ is a time.sleep)", width);
  put_line(out, "", width);
  snprintf(line, sizeof line, "%8s  %-18s %s", "time", "lane", "event");
  put_line(out, line, width);
  for (uint32_t i = 0; i < rt->nevents; i++) {
    const RtEvent *e = &rt->events[i];
    lane_name(&ix, e->task, name, sizeof name);
    char what[400];
    bool thread = e->task & RT_LANE_THREAD;
    switch (e->kind) {
    case RT_EV_CREATE:
      snprintf(what, sizeof what,
               thread ? "submitted to the default executor: %s"
                      : "created (coroutine %s)",
               e->what);
      break;
    case RT_EV_START: snprintf(what, sizeof what, "starts running"); break;
    case RT_EV_PAUSE:
      if (thread) {
        snprintf(what, sizeof what,
                 "sleeps at line %u: %s (only this thread waits)", e->line,
                 e->what ? e->what : "?");
        break;
      }
      snprintf(what, sizeof what, "pauses at line %u%s%s, awaiting %s",
               e->line, e->fn ? " in " : "", e->fn ? e->fn : "",
               e->what ? e->what : "?");
      break;
    case RT_EV_RESUME: snprintf(what, sizeof what, "resumes"); break;
    case RT_EV_FINISH:
      snprintf(what, sizeof what, "finishes: %s", e->what ? e->what : "");
      break;
    case RT_EV_BLOCK:
      snprintf(what, sizeof what, "BLOCKS THE LOOP %.3f s: %s at line %u",
               e->duration, e->what, e->line);
      break;
    case RT_EV_PRINT:
      snprintf(what, sizeof what, "prints \"%s\"", e->what);
      break;
    }
    snprintf(line, sizeof line, "%8.3f  %-18.18s %s", e->time, name, what);
    put_wrapped(out, line, width, 29);
  }
  if (rt->nevents >= RT_MAX_EVENTS)
    put_line(out, "... (trace truncated)", width);
  asl_free(ix.by_id);
  asl_free(ix.threads);
}
