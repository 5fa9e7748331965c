/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsDemo: the whole of beacon-server with a training scenario, for `beacon-server --demo` and
 * for the console's `beacon --demo`, which runs one in-process.
 *
 * bs_demo_start() opens a database (a fresh one in a temporary directory unless a path is
 * given), loads the scenario, starts the simulator, creates the demo accounts and listens
 * (127.0.0.1 on a port the OS picks unless told otherwise). Everything runs on the
 * thread-default GMainContext of the caller, so the console can call it from a thread that
 * pushed its own context and then runs a loop on it. Dropping the last reference stops the
 * simulator and the server and deletes a temporary database; to let requests and event
 * sockets finish first, call bs_server_shutdown_async() on bs_demo_get_server() and wait.
 *
 * The accounts' passwords are printed and documented: a demo is for training on one laptop,
 * never for real data.
 */

#include <glib-object.h>

#include "bs-server.h"
#include "bs-simulator.h"

G_BEGIN_DECLS

typedef struct
{
  const char *scenario_path;   /* required */
  guint       speed;           /* 1, 2, 5, 10 or 30; 0 means 1 */
  guint64     seed;            /* of the random incidents and unit behaviour */
  const char *db_path;         /* NULL: a fresh database in a temporary directory */
  const char *listen;          /* NULL: "127.0.0.1:0" (any free port) */
  gboolean    paused;          /* start paused instead of playing */
  gboolean    auto_dispatch;   /* TRUE: the simulator dispatches new incidents itself */
} BsDemoOptions;

typedef struct
{
  const char *username;
  const char *password;
  BcRole      role;
  const char *display_name;
} BsDemoAccount;

#define BS_TYPE_DEMO (bs_demo_get_type ())

G_DECLARE_FINAL_TYPE (BsDemo, bs_demo, BS, DEMO, GObject)

BsDemo              *bs_demo_start         (const BsDemoOptions  *options,
                                            GError              **error);
BsServer            *bs_demo_get_server    (BsDemo               *self);
BsSimulator         *bs_demo_get_simulator (BsDemo               *self);
/* "http://127.0.0.1:PORT" */
const char          *bs_demo_get_base_uri  (BsDemo               *self);
const char          *bs_demo_get_db_path   (BsDemo               *self);
/* dispatcher, supervisor, trainer (static data) */
const BsDemoAccount *bs_demo_get_accounts  (guint                *n_accounts);

/* beacon-server --demo FILE [--speed N] [--seed N] [--listen ADDR:PORT] [--db PATH]
 * [--paused] [--auto-dispatch] [-v] */
int                  bs_demo_main          (int                   argc,
                                            char                **argv);

G_END_DECLS
