/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "bc-enums.h"

G_BEGIN_DECLS

#define BC_STATS_N_TYPES      (BC_INCIDENT_TYPE_OTHER + 1)
#define BC_STATS_N_PRIORITIES BC_INCIDENT_PRIORITY_LOWEST
#define BC_STATS_N_STATUSES   (BC_UNIT_STATUS_OFF_DUTY + 1)
#define BC_STATS_MAX_DAYS     366

/* The period of a statistics request (docs/stats.md): rolling, not calendar-aligned. */
typedef enum
{
  BC_STATS_PERIOD_DAY,
  BC_STATS_PERIOD_WEEK,
  BC_STATS_PERIOD_MONTH,
  BC_STATS_PERIOD_QUARTER,
  BC_STATS_PERIOD_CUSTOM,
} BcStatsPeriod;

const char *bc_stats_period_to_string   (BcStatsPeriod  value);
gboolean    bc_stats_period_from_string (const char    *code,
                                         BcStatsPeriod *out);
/* The days a period covers; 0 for a custom period (its own start decides). */
guint       bc_stats_period_days        (BcStatsPeriod  value);

/* One local day of a period's trend (`by_day`). */
typedef struct
{
  char   date[11];   /* YYYY-MM-DD, local (UTC+8) */
  gint64 total;      /* created that day */
  gint64 closed;
  gint64 cancelled;
} BcStatsDay;

/* A duration's distribution over the incidents that have it. p50 and p90 are negative when
 * count is 0: there is no median of nothing, and 0 s would read as a perfect score. */
typedef struct
{
  gint64 count;
  double p50;
  double p90;
} BcStatsDuration;

/* One district's count (`by_district`, largest first). */
typedef struct
{
  char  *district;   /* "" for incidents created without a district */
  gint64 count;
} BcStatsDistrictCount;

/* The numbers of one period, current or previous. */
typedef struct
{
  char            first_day[11];
  char            last_day[11];
  gint64          start;                          /* µs since the epoch, UTC */
  gint64          end;
  guint           days;
  gint64          total;
  gint64          closed;
  gint64          cancelled;
  gint64          by_type[BC_STATS_N_TYPES];       /* indexed by BcIncidentType */
  gint64          by_priority[BC_STATS_N_PRIORITIES]; /* [0] is priority 1 */
  gint64          by_hour[24];
  GArray         *by_district;                    /* BcStatsDistrictCount */
  GArray         *by_day;                         /* BcStatsDay, oldest first */
  BcStatsDuration dispatch_time;                  /* seconds */
  BcStatsDuration response_time;
} BcStatsPeriodFigures;

#define BC_TYPE_STATS_SUMMARY (bc_stats_summary_get_type ())

/* The answer of GET /api/v1/stats/summary, decoded and checked. */
typedef struct _BcStatsSummary BcStatsSummary;

struct _BcStatsSummary
{
  BcStatsPeriod        period;
  char                *district;        /* the filter, or NULL */
  char                *type;            /* the filter's type code, or NULL */
  gint64               generated_at;
  BcStatsPeriodFigures current;
  BcStatsPeriodFigures previous;

  char                 today_date[11];
  gint64               today_until;
  gint64               today_count;
  char                 last_week_date[11];
  gint64               last_week_count;    /* by the same time of day */
  gint64               last_week_full_day;

  gint64               open_total;
  gint64               open_by_priority[BC_STATS_N_PRIORITIES];
  gint64               units_by_status[BC_STATS_N_STATUSES]; /* indexed by BcUnitStatus */
};

GType           bc_stats_summary_get_type  (void) G_GNUC_CONST;
BcStatsSummary *bc_stats_summary_ref       (BcStatsSummary  *self);
void            bc_stats_summary_unref     (BcStatsSummary  *self);

BcStatsSummary *bc_stats_summary_from_json (JsonNode        *node,
                                            GError         **error);

/* What to ask for. @start only with BC_STATS_PERIOD_CUSTOM. Dates are "YYYY-MM-DD" (local
 * days) or NULL for "today"; @district and @type (a type code) NULL for all. */
typedef struct
{
  BcStatsPeriod period;
  const char   *start;
  const char   *end;
  const char   *district;
  const char   *type;
} BcStatsQuery;

/* The query string for @query (without '?'), every value escaped. */
char           *bc_stats_query_to_string   (const BcStatsQuery *query);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcStatsSummary, bc_stats_summary_unref)

G_END_DECLS
