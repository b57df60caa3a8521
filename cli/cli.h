/*
 * cli.h - the command-line front end (main.c dispatches to it), and
 * check's option resolution, which the language server shares.
 */
#ifndef ASL_CLI_CLI_H_
#define ASL_CLI_CLI_H_

#include "../analyzer/asl.h"
#include "../analyzer/config.h"

/** Runs asynclint with the process arguments; returns the exit status. */
int asl_cli_main(int argc, char **argv);

/* The options of a check, resolved from its arguments as `asynclint
 * check` resolves them (flags over the configuration file found from the
 * first path, the selection, threads, the Python environment): for other
 * front ends (the language server) that take check's options. */
typedef struct AslCheckSetup AslCheckSetup;
/** NULL with the exit status in *rc when the arguments or the
 * configuration are wrong (said on stderr) or ask for help. */
AslCheckSetup *asl_check_setup_new(int argc, char **argv, int *rc);
const AslOptions *asl_check_setup_options(const AslCheckSetup *s);
/** The configuration file's settings, NULL if none was read. */
const AslConfig *asl_check_setup_config(const AslCheckSetup *s);
void asl_check_setup_delete(AslCheckSetup *s);

#endif /* ASL_CLI_CLI_H_ */
