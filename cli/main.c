/*
 * main.c - the asynclint executable: the front ends (the command line and,
 * when built with cJSON, the language server) over the library.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#ifdef ASL_HAVE_SERVER
#include "../server/server.h"
#endif

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "server") == 0) {
#ifdef ASL_HAVE_SERVER
    return asl_server_main(argc - 2, argv + 2);
#else
    fputs("asynclint: error: this asynclint was built without the language "
          "server (it needs cJSON: install libcjson-dev, or cJSON from your "
          "system's packages, and build again with ASL_SERVER on)\n",
          stderr);
    return 2;
#endif
  }
  return asl_cli_main(argc, argv);
}
