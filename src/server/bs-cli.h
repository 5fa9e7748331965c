/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* beacon-server's sub-commands (docs/operations.md):
 *
 *   beacon-server --db PATH --listen ADDR:PORT [--tls-cert F --tls-key F] [--config FILE]
 *   beacon-server init --db PATH
 *   beacon-server user add NAME --role ROLE [--display-name X] --db PATH
 *   beacon-server user list --db PATH
 *   beacon-server import cameras|units FILE --db PATH [--crs gcj02] [--format csv|geojson]
 *   beacon-server seed-history --db PATH [--days 365] [--seed N] [--end DATE] [--scale X]
 *     (bs-history.c)
 *
 * Each returns the process exit status: 0 success, 1 failure, 2 usage error, 3 import done but
 * some rows were rejected.
 */

#include <stdio.h>

#include "bs-config.h"

G_BEGIN_DECLS

#define BS_EXIT_OK       0
#define BS_EXIT_FAILURE  1
#define BS_EXIT_USAGE    2
#define BS_EXIT_REJECTED 3

int   bs_cli_serve          (int           argc,
                             char        **argv);
int   bs_cli_init           (int           argc,
                             char        **argv);
int   bs_cli_user           (int           argc,
                             char        **argv);
int   bs_cli_import         (int           argc,
                             char        **argv);

/* Reads a password: from the terminal without echo when @input is a tty (asking twice when
 * @confirm), else the first line of @input. The result never goes to argv or the log. */
char *bs_cli_read_password  (FILE         *input,
                             gboolean      confirm,
                             GError      **error);

G_END_DECLS
