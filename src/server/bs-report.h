/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsReport: the after-action report of a training run (docs/scenarios.md#after-action-report).
 *
 * For every incident created during the run: when it was created, dispatched, first reached
 * (on scene) and closed, the durations from its creation, and whether the dispatch and arrival
 * targets of its priority were met. Totals per priority and a score (0–100: the share of
 * targets met, weighted 4-3-2-1 from P1 to P4). Exported as CSV (RFC 4180, UTF-8) and as a
 * PDF drawn with cairo and Pango in "Noto Sans CJK SC".
 */

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "bc-model.h"

G_BEGIN_DECLS

typedef enum
{
  BS_REPORT_PENDING,         /* not reached yet, and the target has not passed */
  BS_REPORT_MET,
  BS_REPORT_MISSED,          /* reached late, or not reached and the target has passed */
  BS_REPORT_NOT_APPLICABLE,  /* closed or cancelled before it was reached */
} BsReportVerdict;

typedef struct
{
  gint64            id;
  char             *number;
  BcIncidentType    type;
  int               priority;
  BcIncidentStatus  status;
  char             *address;
  char             *disposition;
  guint             n_units;
  gint64            created_at;
  gint64            dispatched_at;   /* 0 when not (yet) */
  gint64            on_scene_at;
  gint64            closed_at;       /* closed or cancelled */
  double            dispatch_s;      /* from creation; < 0 when not (yet) */
  double            arrival_s;
  double            close_s;
  BsReportVerdict   dispatch;
  BsReportVerdict   arrival;
} BsReportRow;

typedef struct
{
  guint   n_incidents;
  guint   n_met;               /* dispatch and arrival verdicts together */
  guint   n_missed;
  guint   n_dispatch_met;
  guint   n_dispatch_missed;
  guint   n_arrival_met;
  guint   n_arrival_missed;
  double  mean_dispatch_s;     /* over those dispatched; < 0 when none */
  double  mean_arrival_s;
} BsReportTotals;

typedef struct _BsReport BsReport;

/* Targets from an incident's creation, in seconds (docs/scenarios.md). */
double               bs_report_dispatch_target_s (int          priority);
double               bs_report_arrival_target_s  (int          priority);

/* @incidents: BcIncident created in [@start_us, @end_us); rows are sorted by creation. */
BsReport            *bs_report_new               (const char  *scenario_name,
                                                  const char  *notice,
                                                  gint64       start_us,
                                                  gint64       end_us,
                                                  GPtrArray   *incidents);
BsReport            *bs_report_ref               (BsReport    *self);
void                 bs_report_unref             (BsReport    *self);

guint                bs_report_get_n_rows        (BsReport    *self);
const BsReportRow   *bs_report_get_row           (BsReport    *self,
                                                  guint        index);
/* priority 1–4, or 0 for all incidents */
const BsReportTotals *bs_report_get_totals       (BsReport    *self,
                                                  int          priority);
/* 0–100; < 0 when no target could be judged yet */
double               bs_report_get_score         (BsReport    *self);
gint64               bs_report_get_start         (BsReport    *self);
gint64               bs_report_get_end           (BsReport    *self);
const char          *bs_report_verdict_to_string (BsReportVerdict verdict);

char                *bs_report_to_csv            (BsReport    *self);
JsonNode            *bs_report_to_json           (BsReport    *self);
GBytes              *bs_report_to_pdf            (BsReport    *self,
                                                  GError     **error);
gboolean             bs_report_write_csv         (BsReport    *self,
                                                  const char  *path,
                                                  GError     **error);
gboolean             bs_report_write_pdf         (BsReport    *self,
                                                  const char  *path,
                                                  GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsReport, bs_report_unref)

G_END_DECLS
