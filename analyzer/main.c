/*
 * main.c - the asynclint executable: everything lives in the library.
 */
#include "cli.h"

int main(int argc, char **argv) { return asl_cli_main(argc, argv); }
