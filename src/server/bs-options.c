/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "bs-cli.h"
#include "bs-demo.h"
#include "bs-history.h"
#include "bs-options.h"

/* Runs the server, or the sub-command named by the first argument (see bs-cli.h). */
int
bs_main (int    argc,
         char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* --demo FILE may come anywhere among the serve options. */
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--demo") == 0 || g_str_has_prefix (argv[i], "--demo="))
      return bs_demo_main (argc, argv);

  if (argc >= 2 && strcmp (argv[1], "init") == 0)
    return bs_cli_init (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "user") == 0)
    return bs_cli_user (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "import") == 0)
    return bs_cli_import (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "seed-history") == 0)
    return bs_history_cli (argc - 1, argv + 1);

  return bs_cli_serve (argc, argv);
}
