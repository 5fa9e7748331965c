/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Statistics for supervisors (GET /api/v1/stats/summary, docs/stats.md).
 *
 * Everything is read from the roll-ups in `stats_daily`, which triggers on `incidents` keep in
 * the same transaction as every change (migration 3 in src/core/bc-schema.c), so a summary
 * costs about the same on a year of history as on a week. Days are local days in China
 * Standard Time (UTC+8, no daylight saving); a day is numbered by the days since 1970-01-01 in
 * that time zone, as in the roll-ups.
 */

#include <json-glib/json-glib.h>

#include "bc-model.h"
#include "bc-store.h"

G_BEGIN_DECLS

#define BS_STATS_UTC_OFFSET_US (G_GINT64_CONSTANT (8) * 3600 * G_USEC_PER_SEC)
#define BS_STATS_DAY_US        (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)
/* The longest custom period. */
#define BS_STATS_MAX_DAYS      366
/* Duration histogram buckets (the last one is "a day or more"); see bs_stats_bucket_range(). */
#define BS_STATS_N_BUCKETS     94
#define BS_STATS_N_TYPES       (BC_INCIDENT_TYPE_OTHER + 1)
#define BS_STATS_N_PRIORITIES  BC_INCIDENT_PRIORITY_LOWEST

typedef enum
{
  BS_STATS_PERIOD_DAY,       /* the day of `end` */
  BS_STATS_PERIOD_WEEK,      /* the 7 days ending with it */
  BS_STATS_PERIOD_MONTH,     /* 30 days */
  BS_STATS_PERIOD_QUARTER,   /* 90 days */
  BS_STATS_PERIOD_CUSTOM,    /* the day of `start` to the day of `end` */
} BsStatsPeriod;

typedef struct
{
  BsStatsPeriod  period;
  gint64         first_day;  /* local day numbers, both inclusive */
  gint64         last_day;
  gint64         end;        /* µs since the epoch: "today" is counted up to here */
  char          *district;   /* NULL: every district */
  gboolean       has_type;
  BcIncidentType type;
} BsStatsQuery;

/* Reads period, end, start, district and type from a decoded query string (NULL: no
 * parameters); @now is the default `end`. Errors are BS_REQUEST_ERROR_INVALID_PARAMETER
 * (400: unreadable or unknown values) and BS_REQUEST_ERROR_INVALID_VALUE (422: readable but
 * impossible, e.g. start after end). */
gboolean  bs_stats_query_parse      (GHashTable          *params,
                                     gint64               now,
                                     BsStatsQuery        *out,
                                     GError             **error);
void      bs_stats_query_clear      (BsStatsQuery        *query);

/* The summary document of docs/stats.md. Runs on any connection to the server's database,
 * inside or outside a transaction; @now is the document's generated_at. */
JsonNode *bs_stats_summary          (BcStore             *store,
                                     const BsStatsQuery  *query,
                                     gint64               now,
                                     GError             **error);

/* ---- Local days and duration buckets (the same arithmetic as the triggers) ----------------- */

gint64    bs_stats_local_day        (gint64               usec);
guint     bs_stats_local_hour       (gint64               usec);
/* µs since the epoch of the local midnight that starts @day. */
gint64    bs_stats_day_start        (gint64               day);
/* "YYYY-MM-DD" */
char     *bs_stats_day_to_date      (gint64               day);

/* The bucket of a duration in whole seconds (negative counts as 0). */
guint     bs_stats_duration_bucket  (gint64               seconds);
/* The seconds a bucket covers: [*lo, *hi); the last bucket has *hi = G_MAXINT64. */
void      bs_stats_bucket_range     (guint                bucket,
                                     gint64              *lo,
                                     gint64              *hi);
/* The @p-th percentile (0 < p ≤ 100) of a BS_STATS_N_BUCKETS histogram: the bucket holding
 * the value of nearest rank ⌈p·n/100⌉, interpolated linearly by rank inside it (the last
 * bucket gives its lower bound). The exact value lies in the same bucket, so the error is
 * less than that bucket's width. Negative when the histogram is empty. */
double    bs_stats_histogram_percentile (const guint64   *hist,
                                     double               p);

/* ---- Roll-ups written in bulk ----------------------------------------------------------------
 *
 * For bulk writers that insert incidents with the per-row trigger suspended
 * (bs-history.c): they add each incident here and write the sums at the end, in the same
 * transaction. bs_stats_rollup_write() adds to rows that exist, so it may be called as often
 * as memory asks (e.g. once a day of history) and clears the accumulator. */
typedef struct _BsStatsRollup BsStatsRollup;

BsStatsRollup *bs_stats_rollup_new  (void);
void      bs_stats_rollup_free      (BsStatsRollup       *rollup);
void      bs_stats_rollup_add       (BsStatsRollup       *rollup,
                                     gint64               created_at,
                                     gint64               dispatched_at,
                                     gint64               on_scene_at,
                                     gint64               closed_at,
                                     gint64               cancelled_at,
                                     const char          *district,
                                     BcIncidentType       type,
                                     int                  priority);
gboolean  bs_stats_rollup_write     (BsStatsRollup       *rollup,
                                     BcStore             *store,
                                     GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsStatsRollup, bs_stats_rollup_free)

G_END_DECLS
