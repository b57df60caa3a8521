/*
 * run.c - one run of a program: parse, compile, execute the module (and
 * asyncio.run(main()) if it never calls asyncio.run itself), then the
 * warnings CPython prints at garbage collection; and the `asynclint run`
 * / `asynclint trace` commands.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `Name: message`, or `Name` alone, like the last line of a traceback. */
static void exc_summary(Rt *rt, AslBuf *b, RtObj *exc) {
  asl_buf_puts(b, rt_exc_name(exc->u.exc.kind));
  if (exc->u.exc.msg.len) {
    asl_buf_puts(b, ": ");
    asl_buf_put(b, exc->u.exc.msg.s, exc->u.exc.msg.len);
  }
  (void)rt;
}

/* The messages CPython prints when the objects are collected. */
static void gc_warnings(Rt *rt) {
  uint32_t n = 0;
  for (RtObj *c = rt->coros; c; c = c->u.coro.next_all) n++;
  RtObj **all = asl_malloc((n ? n : 1) * sizeof *all);
  uint32_t i = n;
  for (RtObj *c = rt->coros; c; c = c->u.coro.next_all) all[--i] = c;
  for (i = 0; i < n; i++) {
    RtObj *c = all[i];
    if (c->u.coro.state == RT_CORO_CREATED && !c->u.coro.awaited)
      asl_buf_printf(
          rt->err, "%s:%u: RuntimeWarning: coroutine '%s' was never awaited\n",
          rt->src->path, c->u.coro.line, c->u.coro.name);
  }
  asl_free(all);
  for (RtFuture *t = rt->tasks; t; t = t->next_task) {
    if (t->state != RT_FUT_DONE || !t->exc || t->exc_retrieved) continue;
    asl_buf_printf(rt->err,
                   "Task exception was never retrieved\n"
                   "future: <Task finished name='Task-%u' coro=<%s()> "
                   "exception=",
                   t->id, t->coro->u.coro.name);
    rt_repr(rt, rt->err, rt_obj(t->exc), 0);
    asl_buf_puts(rt->err, ">\n");
    exc_summary(rt, rt->err, t->exc);
    asl_buf_putc(rt->err, '\n');
  }
  rt_thread_gc_warnings(rt);
}

/* See rt.h. Order of stderr: the garbage-collection warnings, then the
 * exception summary (or the fatal error); `elapsed=` is added by the CLI. */
void asl_rt_run(AslParser *parser, const AslSource *src,
                const AslRtOptions *opt, AslRtResult *res) {
  memset(res, 0, sizeof *res);
  Rt *rt = asl_calloc(1, sizeof *rt);
  asl_arena_init(&rt->arena);
  rt->src = src;
  rt->out = &res->out;
  rt->err = &res->err;
  rt->max_steps = opt && opt->max_steps ? opt->max_steps : 5000000;
  rt->max_time = opt && opt->max_time > 0 ? opt->max_time : 86400.0;
  rt->trace = opt && opt->trace;
  asl_rt_loop_init(&rt->loop);
  rt->loop.user = rt;
  AslTree *tree = rt_alloc(rt, sizeof *tree);
  asl_parse(parser, &rt->arena, src, tree);
  rt->tree = tree;
  rt->globals = rt_dict_new(rt);
  if (tree->has_error) {
    rt_fatal(rt, ASL_RT_UNSUPPORTED,
             tree->first_error != ASL_NONE ? tree->first_error : 0,
             "not supported by the runtime: a file that does not parse");
  } else if (rt_compile_module(rt, &rt->module_code)) {
    RtFrame *mf = rt_frame_new(rt, rt->module_code, NULL);
    bool ok = rt_run_module(rt, mf);
    if (ok && !rt->fatal && !rt->ran_asyncio_run) {
      // No asyncio.run() in the module: run main() if it is a coroutine
      // function taking no arguments.
      RtVal name = rt_strz(rt, "main"), fn;
      if (rt_dict_get(rt->globals, name, &fn) && fn.t == RT_FUNC &&
          fn.u.o->u.func.code->is_async &&
          fn.u.o->u.func.code->nparams == fn.u.o->u.func.code->ndefaults) {
        const RtCode *code = fn.u.o->u.func.code;
        RtObj *co = rt_new(rt, RT_CORO);
        co->u.coro.name = code->name;
        co->u.coro.line = rt_line_of(rt, code->def_node);
        co->u.coro.next_all = rt->coros;
        rt->coros = co;
        RtFrame *f = rt_frame_new(rt, code, co);
        for (uint32_t i = 0; i < code->ndefaults; i++) {
          f->locals[i] = code->defaults[i];
          f->bound[i] = true;
        }
        co->u.coro.frame = f;
        RtVal out;
        rt->exc = NULL;
        ok = rt_asyncio_run(rt, rt_obj(co), &out, ASL_NONE);
      } else {
        rt_fatal(rt, ASL_RT_UNSUPPORTED, ASL_NONE,
                 "not supported by the runtime: a module without "
                 "asyncio.run() or `async def main()`");
      }
    }
    if (!rt->fatal) {
      if (ok) {
        res->status = ASL_RT_OK;
      } else {
        res->status = ASL_RT_RAISED;
        if (rt->exc) {
          snprintf(res->exc_name, sizeof res->exc_name, "%s",
                   rt_exc_name(rt->exc->u.exc.kind));
        }
      }
    }
  }
  if (rt->fatal) {
    res->status = rt->fatal;
    asl_buf_printf(rt->err, "%s\n", rt->fatal_msg);
  } else {
    RtObj *exc = res->status == ASL_RT_RAISED ? rt->exc : NULL;
    gc_warnings(rt);
    if (exc) {
      exc_summary(rt, rt->err, exc);
      asl_buf_putc(rt->err, '\n');
    }
  }
  res->elapsed = rt->loop.time;
  if (rt->trace) {
    rt_trace_render(rt, &res->trace, opt->trace_width ? opt->trace_width : 80,
                    src->path);
  }
  while (rt->live) rt_frame_free(rt, rt->live);
  asl_free(rt->events);
  asl_rt_loop_destroy(&rt->loop);
  asl_arena_destroy(&rt->arena);
  asl_free(rt);
}

void asl_rt_result_destroy(AslRtResult *res) {
  asl_buf_free(&res->out);
  asl_buf_free(&res->err);
  asl_buf_free(&res->trace);
}

/* See rt.h: `run` prints the program's stdout, `trace` the timeline. */
int asl_rt_cli(const char *path, bool trace) {
  AslArena a;
  asl_arena_init(&a);
  AslSource src;
  const char *why = NULL;
  AslParser *p = NULL;
  if (asl_parser_new(&p, &why) != ASL_OK ||
      asl_source_read(&a, path, path, &src, &why) != ASL_OK) {
    fprintf(stderr, "asynclint: error: %s: %s\n", path, why ? why : "");
    asl_parser_delete(p);
    asl_arena_destroy(&a);
    return 2;
  }
  AslRtOptions opt = {0};
  opt.trace = trace;
  AslRtResult res;
  asl_rt_run(p, &src, &opt, &res);
  if (trace) {
    if (res.trace.len) fwrite(res.trace.data, 1, res.trace.len, stdout);
  } else if (res.out.len) {
    fwrite(res.out.data, 1, res.out.len, stdout);
  }
  fflush(stdout);
  if (res.err.len) fwrite(res.err.data, 1, res.err.len, stderr);
  if (res.status == ASL_RT_OK || res.status == ASL_RT_RAISED)
    fprintf(stderr, "elapsed=%.3f\n", res.elapsed);
  int rc = res.status == ASL_RT_OK ? 0 : res.status == ASL_RT_RAISED ? 1 : 2;
  asl_rt_result_destroy(&res);
  asl_parser_delete(p);
  asl_arena_destroy(&a);
  return rc;
}
