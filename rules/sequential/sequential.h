/*
 * sequential.h - internal to the ASL4xx pass (sequential independent
 * awaits): the def-use facts of one statement as hashed attribute chains,
 * small generation-stamped hash sets to intersect them, the order-sensitive
 * API list, and the two rules' entry points.
 */
#ifndef ASL_RULES_SEQUENTIAL_H_
#define ASL_RULES_SEQUENTIAL_H_

#include "../rules.h"

/* Caps that keep the work per statement and per run bounded whatever the
 * input: a longer chain is truncated (which only merges keys, so adds
 * dependencies), a statement with more chains is treated as a barrier, and
 * a run longer than ASL_SEQ_MAX_RUN statements is cut in two. */
enum {
  ASL_SEQ_MAX_DEPTH = 6,
  ASL_SEQ_MAX_CHAINS = 64,
  ASL_SEQ_MAX_RUN = 32,
};

/* A name with its attribute path (`self.user.id`), as the hashes of each
 * prefix: h[0] is `self`, h[1] `self.user`, h[depth-1] the whole chain.
 * Two chains touch when one is a prefix of the other. */
typedef struct AslSeqChain {
  uint64_t h[ASL_SEQ_MAX_DEPTH];
  uint8_t depth;
} AslSeqChain;

typedef AslVec(AslSeqChain) AslSeqChainVec;

/* What one statement reads, binds and may mutate. */
typedef struct AslSeqFacts {
  AslSeqChainVec reads;   /* loaded names and attribute chains */
  AslSeqChainVec writes;  /* bound names, assigned attribute chains, the
                             containers of assigned subscripts */
  AslSeqChainVec effects; /* receivers of method calls; in intermediate
                             statements also arguments of calls */
  bool overflow;          /* more than ASL_SEQ_MAX_CHAINS chains */
  bool stores_into;       /* assigns an attribute or a subscript */
} AslSeqFacts;

/* The concurrency library a module is written for. */
typedef enum {
  ASL_SEQ_LIB_ASYNCIO,
  ASL_SEQ_LIB_ANYIO, /* imports anyio: suggest a task group */
  ASL_SEQ_LIB_TRIO,  /* imports trio: suggest a nursery */
  ASL_SEQ_LIB_ANY,   /* imports sniffio: runs under whichever: silent */
} AslSeqLib;

/* A set of 64-bit hashes; cleared in O(1) by bumping a generation. */
typedef struct AslSeqHash {
  struct AslSeqSlot *slots;
  uint32_t cap, count, gen;
} AslSeqHash;

/* Chains as a set: `full` holds whole chains, `pre` every prefix. */
typedef struct AslSeqSet {
  AslSeqHash full, pre;
} AslSeqSet;

/* Shared state of the pass over one file. */
typedef struct AslSeqPass {
  AslCtx *cx;
  uint8_t *flags;   /* per node: ASL_SEQ_F_* */
  AslSeqSet tasks;  /* chains bound from create_task() & co. */
  AslSeqFacts facts; /* scratch for the statement being looked at */
  AslSeqSet taint;  /* ASL401: chains a run's awaits produced or changed;
                       ASL402: names the loop body binds */
  AslSeqSet used;   /* ASL401: chains a run's awaits read or operated on;
                       ASL402: chains the loop body may change */
  AslSeqSet made;   /* ASL401: names bound in the run from a call */
  AslSeqSet defined; /* ASL402: names bound so far in this iteration */
  AslSeqSet cond_defined; /* ASL402: ...of which under an if, try or for */
  AslSeqSet collect; /* ASL402: containers collecting the results */
  AslSeqSet varying; /* ASL402: the loop variable and names derived from it */
  AslSeqLib lib;     /* the module's concurrency library */
} AslSeqPass;

enum {
  ASL_SEQ_F_ASYNC = 1u << 0,   /* on a function node: an async def */
  ASL_SEQ_F_ORDERED = 1u << 1, /* inside a try body with handlers, a
                                  handler, a finally, or a lock-like with */
};

/** Empties `s` (O(1)). */
void asl__seq_set_clear(AslSeqSet *s);
/** Adds every chain of `v` to `s` (memory from arena `a`). */
void asl__seq_set_add(AslArena *a, AslSeqSet *s, const AslSeqChainVec *v);
/** Adds one chain to `s`. */
void asl__seq_set_add1(AslArena *a, AslSeqSet *s, const AslSeqChain *c);
/** Does chain `c` touch (prefix either way) a chain in `s`? */
bool asl__seq_set_touches1(const AslSeqSet *s, const AslSeqChain *c);
/** Does any chain of `v` touch (prefix either way) a chain in `s`? */
bool asl__seq_set_touches(const AslSeqSet *s, const AslSeqChainVec *v);

/** Collects the facts of the nodes [from, to) into p->facts (reset first).
 * `awaited` is the call the statement awaits (its receiver is always an
 * effect), `intermediate` adds call arguments to the effects. `fn` is the
 * enclosing function, which seeds the hashes. */
void asl__seq_facts(AslSeqPass *p, uint32_t from, uint32_t to,
                    uint32_t awaited, bool intermediate, uint32_t fn);
/** The chain of `expr` if it is a name with attributes; false otherwise. */
bool asl__seq_chain_of(const AslSeqPass *p, uint32_t expr, uint32_t fn,
                       AslSeqChain *out);

/* Where an awaited call goes, as the ASL4xx rules decide first. */
typedef enum {
  ASL_SEQ_ORDERED,     /* order-sensitive: pacing, a stream, queue, lock,
                          a connection (or one passed as an argument), a
                          mutating verb, a task already running, nested
                          awaits */
  ASL_SEQ_PER_ITEM,    /* a method of another object each iteration */
  ASL_SEQ_SHARED_READ, /* a read-style method of one client or API */
  ASL_SEQ_SHARED,      /* another method of one object (`self.m(x)`) */
  ASL_SEQ_FUNCTION,    /* a function, not a method */
} AslSeqReceiver;

/** Decides the await `aw` by its receiver: `own` holds the names that
 * are another object each iteration (NULL: none). */
AslSeqReceiver asl__seq_await_receiver(AslSeqPass *p, uint32_t aw,
                                       uint32_t fn, const AslSeqSet *own);
/** Does an argument of `call` name a connection-like object
 * (`read_rows(q, conn)`)? */
bool asl__seq_args_connection_like(const AslCtx *cx, uint32_t call);

/** Is the await `aw` order-sensitive: not a call (a task, future or
 * waiter already running), a sleep, a queue, stream, lock, event or
 * transaction operation anywhere in the awaited expression, or a read of a
 * name bound from create_task()? */
bool asl__seq_await_ordered(AslSeqPass *p, uint32_t aw, uint32_t fn);
/** The only named child of `i` that is not a comment, or ASL_NONE when
 * there are none or several. */
uint32_t asl__seq_only_child(const AslTree *t, uint32_t i);
/** The awaited expression of `await X`, parentheses skipped. */
uint32_t asl__seq_awaited(const AslTree *t, uint32_t aw);
/** The last component of a callee (`f` or `o.m`): its identifier node. */
uint32_t asl__seq_callee_name(const AslTree *t, uint32_t call);
/** Fills p->tasks with the chains bound from task-creating calls. */
void asl__seq_collect_tasks(AslSeqPass *p);

/* ---- receivers and shapes (receivers.c) ---- */



/** Is identifier s[0..n) a read-style operation (`get_user`, `fetch`,
 * `async_get_status`, `load_config`, `is_connected`)? */
bool asl__seq_read_style(const char *s, uint32_t n);
/** Does a word of name s[0..n) say it is a connection, transaction,
 * cursor, stream, socket, lock, exit stack, pipe, protocol or file, that
 * serves one operation at a time (`self._conn`, `ws`, `exit_stack`)? */
bool asl__seq_connection_like(const char *s, uint32_t n);
/** Is s[0..n) a teardown (`close`, `aclose`, `disconnect`, `shutdown`,
 * `__aexit__`)? Resources are released in an order on purpose. */
bool asl__seq_teardown(const char *s, uint32_t n);
/** Is s[0..n) an operation that paces code or hands over work (sleep,
 * wait, acquire, release, queue put/get, join, drain)? */
bool asl__seq_pacing(const char *s, uint32_t n);
/** Is `call` a logging call (`log.info(...)`, `self._logger.debug(...)`,
 * `print(...)`)? */
bool asl__seq_log_call(const AslCtx *cx, uint32_t call);
/** Do the `except` handlers of try statement `try_stmt` only log, pass,
 * continue or re-raise? */
bool asl__seq_benign_handlers(const AslCtx *cx, uint32_t try_stmt);
/** Is `node` in a branch of an `if` whose other branch runs the work
 * concurrently (the sequential branch of a benchmark or a fallback)? */
bool asl__seq_gathered_elsewhere(const AslCtx *cx, uint32_t node);
/** The library the module imports (anyio, trio, sniffio) or asyncio. */
AslSeqLib asl__seq_library(const AslCtx *cx);
/** The suggestion for running awaits together under `lib`. */
const char *asl__seq_concurrently(AslSeqLib lib);

/** ASL401 over one block; ASL402 over one `for` statement and over one
 * comprehension. */
/* Fixes (gather_fix.c). The ASL401 fix gathers awaits[0..k) for the
 * largest k <= n the plain shape allows (k >= 2, else 0 and no fix). */
uint32_t asl__seq_gather_fix(AslCtx *cx, const uint32_t *awaits, uint32_t n,
                             uint32_t fn, const AslFix **fix);
const AslFix *asl__seq_loop_fix(AslCtx *cx, uint32_t loop, uint32_t aw);
const AslFix *asl__seq_comprehension_fix(AslCtx *cx, uint32_t comp,
                                         uint32_t aw);

void asl__seq_check_block(AslSeqPass *p, uint32_t block);
void asl__seq_check_loop(AslSeqPass *p, uint32_t loop);
void asl__seq_check_comprehension(AslSeqPass *p, uint32_t comp);

#endif /* ASL_RULES_SEQUENTIAL_H_ */
