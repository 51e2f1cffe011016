/*
 * cli_logcopy.h - armistice log export / import (cmd_logcopy.c): copy a
 * log between stores, incrementally. argv[0] is "export" or "import".
 */
#ifndef ARMISTICE_CLI_LOGCOPY_H
#define ARMISTICE_CLI_LOGCOPY_H

int cmd_log_copy(int argc, char **argv);

#endif
