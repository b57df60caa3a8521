/*
 * rpc.h - JSON-RPC 2.0 framing over a pair of file descriptors, as LSP
 * frames it: `Content-Length: N` headers, a blank line, N bytes of JSON.
 *
 * Reading is bounded: headers past ASL_RPC_MAX_HEADER bytes and bodies
 * past ASL_RPC_MAX_BODY are reported (the body skipped as it arrives)
 * rather than buffered; a header block without a usable Content-Length is
 * reported and the reader looks for the next one.
 */
#ifndef ASL_SERVER_RPC_H_
#define ASL_SERVER_RPC_H_

#include <stdbool.h>
#include <stddef.h>

#include "../analyzer/asl.h"

#define ASL_RPC_MAX_HEADER ((size_t)8 << 10)
#define ASL_RPC_MAX_BODY ((size_t)64 << 20)

typedef struct AslRpcReader {
  int fd;
  AslBuf buf;        /* bytes read, not yet taken */
  size_t start;      /* where the untaken bytes begin in buf */
  size_t skip;       /* bytes of an oversized body still to drop */
  bool eof;          /* the input ended (or failed) */
} AslRpcReader;

typedef enum {
  ASL_RPC_NONE,      /* no whole message buffered: wait for input */
  ASL_RPC_MESSAGE,   /* *body, *len: one message's JSON (not NUL-ended) */
  ASL_RPC_BAD,       /* a framing error, *why says which; go on reading */
} AslRpcNext;

void asl_rpc_reader_init(AslRpcReader *r, int fd);
void asl_rpc_reader_free(AslRpcReader *r);
/** Takes the next message out of what is buffered. The body stays valid
 * until the next call. */
AslRpcNext asl_rpc_next(AslRpcReader *r, const char **body, size_t *len,
                        const char **why);
/** Waits up to timeout_ms (-1: forever) for input and reads what is
 * there. Returns false on a timeout; true when bytes came or the input
 * ended (r->eof). */
bool asl_rpc_fill(AslRpcReader *r, int timeout_ms);

/** Writes one message (headers and body); false if the output is gone. */
bool asl_rpc_write(int fd, const char *body, size_t len);

#endif /* ASL_SERVER_RPC_H_ */
