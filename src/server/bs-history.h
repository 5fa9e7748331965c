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
  BsHistoryProgressFunc progress;    /* called after each day; may be NULL */
  gpointer              progress_data;
} BsHistoryOptions;

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

/* beacon-server seed-history --db PATH [--days 365] [--seed N] [--end DATE] [--scale X] */
int      bs_history_cli       (int                     argc,
                               char                  **argv);

G_END_DECLS
