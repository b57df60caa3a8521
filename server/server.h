/*
 * server.h - `asynclint server`: a language server (LSP 3.17 over stdio)
 * over the library's session (analyzer/session.h).
 */
#ifndef ASL_SERVER_SERVER_H_
#define ASL_SERVER_SERVER_H_

/** Serves on stdin/stdout until `exit` or the end of the input; returns
 * the exit status (0 after shutdown, 1 otherwise; 2 on a usage error).
 * argv: check's options (the defaults for every workspace). */
int asl_server_main(int argc, char **argv);

#endif /* ASL_SERVER_SERVER_H_ */
