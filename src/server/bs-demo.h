/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsDemo: the whole of beacon-server with a training scenario, for `beacon-server --demo` and
 * for the console's `beacon --demo`, which runs one in-process.
 *
 * bs_demo_start() opens a database (a fresh one in a temporary directory unless a path is
 * given), loads the scenario, starts the simulator, creates the demo accounts and listens
 * (127.0.0.1 on a port the OS picks unless told otherwise). Everything runs on the
 * thread-default GMainContext of the caller, so the console can call it from a thread that
 * pushed its own context and then runs a loop on it; only the synthetic history (below) is
 * written by a thread of its own. Dropping the last reference stops the history thread, the
 * simulator and the server and deletes a temporary database; to let requests and event
 * sockets finish first, call bs_server_shutdown_async() on bs_demo_get_server() and wait.
 *
 * The accounts' passwords are printed and documented: a demo is for training on one laptop,
 * never for real data.
 */

#include <glib-object.h>

#include "bs-history.h"
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
  gboolean    no_history;      /* TRUE: no synthetic history (tests that do not need it) */
  guint       history_days;    /* 0: 365 */
  guint       history_delay_ms; /* after the start; 0: BS_DEMO_HISTORY_DELAY_MS */
} BsDemoOptions;

/* The year of synthetic history (bs-history.h) that a demo writes into its database so that
 * the statistics and the wall's charts have something to show from the first minute: the
 * BsDemoOptions.history_days (365) local days (UTC+8) that end the day before the scenario's
 * day, written by a low-priority thread of the demo with its own connection to the database,
 * newest days first, in one short transaction per BS_DEMO_HISTORY_CHUNK_DAYS days (fewer on a
 * slow machine) with a pause of at least BS_DEMO_HISTORY_PAUSE_MS after each, starting
 * BsDemoOptions.history_delay_ms after bs_demo_start() returns (so that the first snapshot
 * and the first map are not slowed). Requests made meanwhile see the days written so far.
 * A database that already holds incidents from before the scenario's day (a kept --db) gets
 * none. Dropping the demo cancels the thread between two chunks and joins it. */
#define BS_DEMO_HISTORY_DAYS       365
#define BS_DEMO_HISTORY_CHUNK_DAYS 4
#define BS_DEMO_HISTORY_DELAY_MS   1500
#define BS_DEMO_HISTORY_PAUSE_MS   60

typedef enum
{
  BS_DEMO_HISTORY_OFF,       /* no_history, or the database already had history */
  BS_DEMO_HISTORY_PENDING,   /* waiting for history_delay_ms */
  BS_DEMO_HISTORY_RUNNING,
  BS_DEMO_HISTORY_READY,
  BS_DEMO_HISTORY_FAILED,    /* an error (logged) or the demo stopped first */
} BsDemoHistoryState;

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
/* Any thread. @n_days (may be NULL): the days the history will have; @out_stats (may be
 * NULL): the days and incidents committed so far, and once it is READY how long it took and
 * its longest transaction. The "history-ready" property is notified on the demo's main
 * context when the state becomes READY. */
BsDemoHistoryState   bs_demo_get_history_state (BsDemo         *self,
                                                guint          *n_days,
                                                BsHistoryStats *out_stats);
gboolean             bs_demo_get_history_ready (BsDemo         *self);
/* dispatcher, supervisor, trainer (static data) */
const BsDemoAccount *bs_demo_get_accounts  (guint                *n_accounts);

/* beacon-server --demo FILE [--speed N] [--seed N] [--listen ADDR:PORT] [--db PATH]
 * [--paused] [--auto-dispatch] [--no-history] [-v] */
int                  bs_demo_main          (int                   argc,
                                            char                **argv);

G_END_DECLS
