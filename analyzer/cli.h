/*
 * cli.h - internal: the command-line entry point (main.c is a thin shim).
 */
#ifndef ASL_ANALYZER_CLI_H_
#define ASL_ANALYZER_CLI_H_

/** Runs asynclint with the process arguments; returns the exit status. */
int asl_cli_main(int argc, char **argv);

#endif /* ASL_ANALYZER_CLI_H_ */
