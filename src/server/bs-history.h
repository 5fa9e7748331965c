/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Synthetic incident history (docs/stats.md): closed incidents with the daily, weekly,
 * seasonal and holiday rhythm of a prefecture-level city's 110 calls, across Jingmen's five
 * districts, so that the statistics and the supervisors' wall have a year to show in a demo,
 * a training center or a benchmark.
 *
 * History is not live news: it is written straight into the incidents table and the
 * statistics roll-ups, in large transactions, and appends nothing to the event log (consoles
 * following /events are not flooded with a year of "incident.created"). One audit entry
 * records the run.
 */

#include <gio/gio.h>

#include "bc-store.h"

G_BEGIN_DECLS

/* Incidents a day at scale 1.0, on average over a year (about 300,000 a year). */
#define BS_HISTORY_MEAN_PER_DAY 822
#define BS_HISTORY_MAX_DAYS     3660

typedef void (*BsHistoryProgressFunc) (guint    days_done,
                                       guint    n_days,
                                       guint64  n_incidents,
                                       gpointer user_data);

typedef struct
{
  guint                 days;        /* 1 … BS_HISTORY_MAX_DAYS */
  guint64               seed;        /* the same seed, end and scale give the same history
                                      * (for an end a day or more in the past) */
  gint64                end;         /* µs; history stops before it; 0: now */
  double                scale;       /* incidents per day relative to the default; 0: 1.0 */
  const char           *actor;       /* audit log username; NULL: "system" */
  BsHistoryProgressFunc progress;    /* called after each day (after each chunk in
                                      * bs_history_seed_chunked()); may be NULL */
  gpointer              progress_data;
  gint64                now;         /* µs; incidents close before it; 0: the real time.
                                      * A demo passes its scenario clock. */
  guint                 pause_ms;    /* bs_history_seed_chunked(): after each chunk, leave
                                      * the database to others for this long or for as long
                                      * as the chunk took, whichever is longer; 0: no pause */
} BsHistoryOptions;

typedef struct
{
  guint64 n_incidents;               /* written (committed) */
  guint   days_done;                 /* whole days committed (chunked: the newest) */
  guint   n_chunks;
  gint64  longest_chunk_us;          /* the longest write transaction (BEGIN … COMMIT) */
  gint64  last_chunk_us;
  gint64  elapsed_us;
} BsHistoryStats;

/* Writes @days local days of closed incidents that end with the day of @end_us (0: now):
 * incidents created before @end_us and closed before @end_us + 24 h but not after the present
 * moment (so a history that ends now lacks the last hour or two, whose incidents would still
 * be open). Numbers continue after those already there for a day. Commits every ~20,000
 * incidents: if it fails, whole committed days remain, with consistent roll-ups. */
gboolean bs_history_seed      (BcStore                *store,
                               guint                   days,
                               guint64                 seed,
                               gint64                  end_us,
                               GError                **error);
gboolean bs_history_seed_full (BcStore                *store,
                               const BsHistoryOptions *options,
                               guint64                *out_n_incidents,
                               GError                **error);

/* The same history as bs_history_seed_full() (the same incidents and numbers for the same
 * options), written in short transactions of up to @max_days days, for a database that a
 * server is using at the same time: each chunk holds the write lock only while it writes its
 * rows and roll-ups (the random days are drawn before BEGIN), so the server's own commands
 * wait at most one chunk (docs/performance.md has the figures). The roll-up trigger is
 * suspended inside each chunk's transaction and re-created before its COMMIT, so the server's
 * writes in between are counted by the trigger as usual and the roll-ups stay exact.
 *
 * The newest days are written first (chunks counted back from the last day), so that the
 * recent weeks that a wall shows are complete early. Chunks start with one day and double up
 * to @max_days while they hold the lock for less than 62 ms; one that held it for more than
 * 250 ms (a slow or very busy machine, valgrind) halves the days of the next ones, so that a
 * waiting server stays well inside its busy timeout. @cancellable is checked before
 * each chunk: when it is cancelled, the days committed so far (whole days, the newest) remain,
 * with their roll-ups, and the call fails with G_IO_ERROR_CANCELLED. The audit entry
 * is written with the last chunk. @out_stats (may be NULL) is filled on success and failure.
 * Progress, if any, is reported after each committed chunk, on the calling thread. */
gboolean bs_history_seed_chunked (BcStore                *store,
                                  const BsHistoryOptions *options,
                                  guint                   max_days,
                                  GCancellable           *cancellable,
                                  BsHistoryStats         *out_stats,
                                  GError                **error);

/* beacon-server seed-history --db PATH [--days 365] [--seed N] [--end DATE] [--scale X] */
int      bs_history_cli       (int                     argc,
                               char                  **argv);

G_END_DECLS
