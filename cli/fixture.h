/*
 * fixture.h - the fixture harness (`asynclint --check-fixture`), a
 * command of the command line.
 */
#ifndef ASL_CLI_FIXTURE_H_
#define ASL_CLI_FIXTURE_H_

/** Checks each fixture file or directory named in argv against its
 * `# CODE: col[, "message part"]` annotations; prints every missing or
 * extra finding. Returns 0 when all match exactly, 1 otherwise, 2 on a
 * usage or read error. */
int asl_fixture_main(int argc, char **argv);

#endif /* ASL_CLI_FIXTURE_H_ */
