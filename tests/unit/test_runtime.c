/*
 * test_runtime.c - the runtime's event loop: timer order with FIFO ties
 * (libuv's test-timer.c timer_order), deadline order, the ready-queue
 * snapshot, the virtual clock's jumps, and cancellation.
 */
#include "../../runtime/rt.h"
#include "test.h"

typedef struct Log {
  int order[64];
  int n;
  double at[64];
} Log;

static Log *log_of(AslRtLoop *loop) { return loop->user; }

static void record(AslRtLoop *loop, void *a, void *b) {
  (void)b;
  Log *l = log_of(loop);
  if (l->n < 64) {
    l->at[l->n] = loop->time;
    l->order[l->n++] = (int)(intptr_t)a;
  }
}

/* Records, then schedules `b` (an id) with call_soon. */
static void record_and_schedule(AslRtLoop *loop, void *a, void *b) {
  record(loop, a, NULL);
  asl_rt_loop_call_soon(loop, record, b, NULL);
}

static void run_all(AslRtLoop *loop) {
  for (int guard = 0; guard < 1000 && asl_rt_loop_run_once(loop); guard++) {
  }
}

TEST_IMPL(runtime_timer_order_fifo_ties) {
  AslRtLoop loop;
  Log log = {0};
  asl_rt_loop_init(&loop);
  loop.user = &log;
  // Same deadline: started order wins (timer_counter), as libuv's test.
  for (int i = 0; i < 8; i++)
    asl_rt_loop_call_at(&loop, 1.0, record, (void *)(intptr_t)i, NULL);
  run_all(&loop);
  ASSERT_EQ(log.n, 8);
  for (int i = 0; i < 8; i++) {
    ASSERT_EQ(log.order[i], i);
    ASSERT(log.at[i] == 1.0);
  }
  asl_rt_loop_destroy(&loop);
}

TEST_IMPL(runtime_timer_order_by_deadline) {
  AslRtLoop loop;
  Log log = {0};
  asl_rt_loop_init(&loop);
  loop.user = &log;
  static const double when[] = {3, 1, 2, 1, 0.5, 3};
  for (int i = 0; i < 6; i++)
    asl_rt_loop_call_at(&loop, when[i], record, (void *)(intptr_t)i, NULL);
  run_all(&loop);
  static const int want[] = {4, 1, 3, 2, 0, 5};
  ASSERT_EQ(log.n, 6);
  for (int i = 0; i < 6; i++) ASSERT_EQ(log.order[i], want[i]);
  ASSERT(loop.time == 3.0);
  asl_rt_loop_destroy(&loop);
}

TEST_IMPL(runtime_ready_queue_snapshot) {
  AslRtLoop loop;
  Log log = {0};
  asl_rt_loop_init(&loop);
  loop.user = &log;
  asl_rt_loop_call_soon(&loop, record_and_schedule, (void *)1, (void *)3);
  asl_rt_loop_call_soon(&loop, record, (void *)2, NULL);
  ASSERT(asl_rt_loop_run_once(&loop));
  // Callback 3 was scheduled during the iteration: it waits for the next.
  ASSERT_EQ(log.n, 2);
  ASSERT(asl_rt_loop_run_once(&loop));
  ASSERT_EQ(log.n, 3);
  ASSERT_EQ(log.order[2], 3);
  ASSERT(!asl_rt_loop_run_once(&loop));
  ASSERT(loop.time == 0.0);
  asl_rt_loop_destroy(&loop);
}

TEST_IMPL(runtime_clock_jumps_and_due_timers_follow_ready) {
  AslRtLoop loop;
  Log log = {0};
  asl_rt_loop_init(&loop);
  loop.user = &log;
  asl_rt_loop_call_at(&loop, 5.0, record, (void *)1, NULL);
  ASSERT(asl_rt_loop_run_once(&loop)); // nothing ready: jump to 5
  ASSERT(loop.time == 5.0);
  ASSERT_EQ(log.n, 1);
  // A blocked loop (time.sleep): the clock moves past two deadlines; the
  // ready callback runs first, then the due timers in deadline order.
  asl_rt_loop_call_at(&loop, 7.0, record, (void *)3, NULL);
  asl_rt_loop_call_at(&loop, 6.0, record, (void *)2, NULL);
  loop.time = 8.0;
  asl_rt_loop_call_soon(&loop, record, (void *)4, NULL);
  ASSERT(asl_rt_loop_run_once(&loop));
  ASSERT_EQ(log.n, 4);
  ASSERT_EQ(log.order[1], 4);
  ASSERT_EQ(log.order[2], 2);
  ASSERT_EQ(log.order[3], 3);
  asl_rt_loop_destroy(&loop);
}

TEST_IMPL(runtime_timer_cancel) {
  AslRtLoop loop;
  Log log = {0};
  asl_rt_loop_init(&loop);
  loop.user = &log;
  AslRtHandle *a = asl_rt_loop_call_at(&loop, 1.0, record, (void *)1, NULL);
  asl_rt_loop_call_at(&loop, 2.0, record, (void *)2, NULL);
  AslRtHandle *c = asl_rt_loop_call_soon(&loop, record, (void *)3, NULL);
  asl_rt_handle_cancel(&loop, a);
  asl_rt_handle_cancel(&loop, c);
  ASSERT(asl_rt_loop_alive(&loop));
  run_all(&loop);
  ASSERT_EQ(log.n, 1);
  ASSERT_EQ(log.order[0], 2);
  // A cancelled timer never held the clock back.
  ASSERT(loop.time == 2.0);
  asl_rt_handle_cancel(&loop, a); // twice: a no-op
  ASSERT(!asl_rt_loop_alive(&loop));
  asl_rt_loop_destroy(&loop);
}

/* Runs a program from memory through the whole runtime. */
static void run_src(const char *text, AslRtResult *res) {
  AslArena a;
  asl_arena_init(&a);
  AslSource src;
  asl_source_from_bytes(&a, "t.py", text, strlen(text), &src);
  AslParser *p = NULL;
  const char *why = NULL;
  asl_parser_new(&p, &why);
  AslRtOptions opt = {0};
  opt.max_steps = 100000;
  asl_rt_run(p, &src, &opt, res);
  asl_parser_delete(p);
  asl_arena_destroy(&a);
}

TEST_IMPL(runtime_gather_is_max_sequential_is_sum) {
  AslRtResult r;
  run_src("import asyncio\n"
          "async def w(d):\n    await asyncio.sleep(d)\n    return d\n"
          "async def main():\n"
          "    print(await w(1) + await w(2))\n"
          "    print(await asyncio.gather(w(1), w(2)))\n",
          &r);
  ASSERT_EQ(r.status, ASL_RT_OK);
  ASSERT(r.elapsed == 5.0);
  ASSERT_EQ(r.out.len, strlen("3\n[1, 2]\n"));
  ASSERT(memcmp(r.out.data, "3\n[1, 2]\n", r.out.len) == 0);
  asl_rt_result_destroy(&r);
}

TEST_IMPL(runtime_limits_are_errors_not_hangs) {
  AslRtResult r;
  run_src("while True:\n    pass\n", &r);
  ASSERT_EQ(r.status, ASL_RT_LIMIT);
  asl_rt_result_destroy(&r);
  run_src("import asyncio\nasync def main():\n    while True:\n"
          "        await asyncio.sleep(3600)\n",
          &r);
  ASSERT_EQ(r.status, ASL_RT_LIMIT);
  asl_rt_result_destroy(&r);
  run_src("def f(n):\n    return f(n + 1)\nf(0)\n", &r);
  ASSERT_EQ(r.status, ASL_RT_RAISED);
  ASSERT_STR_EQ(r.exc_name, "RecursionError");
  asl_rt_result_destroy(&r);
  run_src("x = open('/etc/passwd')\n", &r);
  ASSERT_EQ(r.status, ASL_RT_UNSUPPORTED);
  asl_rt_result_destroy(&r);
}

/* Posted callbacks and released timers are recycled: a long run does not
 * grow the loop's handle table. */
TEST_IMPL(runtime_handles_are_recycled) {
  AslRtLoop loop;
  Log log = {0};
  asl_rt_loop_init(&loop);
  loop.user = &log;
  for (int round = 0; round < 100; round++) {
    asl_rt_loop_post(&loop, record, (void *)1, NULL);
    AslRtHandle *t =
        asl_rt_loop_call_at(&loop, loop.time + 1, record, (void *)2, NULL);
    ASSERT(asl_rt_loop_run_once(&loop)); // the posted callback
    ASSERT(asl_rt_loop_run_once(&loop)); // the timer, after a jump
    asl_rt_handle_release(&loop, t);
  }
  ASSERT(loop.time == 100.0);
  ASSERT(loop.all_len <= 4);
  // A handle still held by its caller is not recycled under it.
  AslRtHandle *kept = asl_rt_loop_call_soon(&loop, record, (void *)3, NULL);
  ASSERT(asl_rt_loop_run_once(&loop));
  asl_rt_loop_post(&loop, record, (void *)4, NULL);
  ASSERT(kept->fn == record && kept->a == (void *)3);
  asl_rt_handle_release(&loop, kept);
  asl_rt_loop_destroy(&loop);
}
