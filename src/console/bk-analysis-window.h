/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "bc-client.h"

G_BEGIN_DECLS

/* The analysis view (态势分析) of the normal console: week / month / quarter / custom
 * statistics for the city, one district or one type of incident, compared with the period
 * before, as figures, charts and a table; the table exports as CSV, the charts as PNG and PDF.
 * Everything comes from one GET /stats/summary (docs/stats.md, docs/analysis.md). */

/* What the rows of the breakdown table are. */
typedef enum
{
  BK_ANALYSIS_TABLE_TYPE,
  BK_ANALYSIS_TABLE_DISTRICT,
  BK_ANALYSIS_TABLE_DAY,
  BK_ANALYSIS_TABLE_HOUR,
  BK_ANALYSIS_TABLE_PRIORITY,
} BkAnalysisTable;

typedef enum
{
  BK_ANALYSIS_EXPORT_CSV,
  BK_ANALYSIS_EXPORT_PNG,
  BK_ANALYSIS_EXPORT_PDF,
} BkAnalysisExport;

/* The size of the PNG export, and of the PDF export's page (A4 landscape, in points). */
#define BK_ANALYSIS_PNG_WIDTH   1600
#define BK_ANALYSIS_PNG_HEIGHT  1000
#define BK_ANALYSIS_PDF_WIDTH   842.0
#define BK_ANALYSIS_PDF_HEIGHT  595.0

/* One row of the breakdown table. */
#define BK_TYPE_ANALYSIS_ROW (bk_analysis_row_get_type ())
G_DECLARE_FINAL_TYPE (BkAnalysisRow, bk_analysis_row, BK, ANALYSIS_ROW, GObject)

const char *bk_analysis_row_get_label    (BkAnalysisRow *self);
gint64      bk_analysis_row_get_current  (BkAnalysisRow *self);
gint64      bk_analysis_row_get_previous (BkAnalysisRow *self);
/* Whether this is the table's last row, the sum of the others. */
gboolean    bk_analysis_row_get_is_total (BkAnalysisRow *self);
/* The change against the previous period, "+12.3%", "-4.0%", "0.0%"; "" when the previous
 * period has none (no base to compare with). */
char       *bk_analysis_row_format_change (BkAnalysisRow *self);

#define BK_TYPE_ANALYSIS_WINDOW (bk_analysis_window_get_type ())
G_DECLARE_FINAL_TYPE (BkAnalysisWindow, bk_analysis_window, BK, ANALYSIS_WINDOW, AdwWindow)

/* A new window over @parent that asks @client (signed in with a role that may read statistics)
 * for the last 30 days as soon as it is shown. */
BkAnalysisWindow *bk_analysis_window_new            (GtkWindow        *parent,
                                                     BcClient         *client);
BcClient         *bk_analysis_window_get_client     (BkAnalysisWindow *self);

/* Checks the filters and asks the server again (the refresh button, F5); with invalid custom
 * dates it shows why inline and sends nothing. Returns whether a request was sent. */
gboolean          bk_analysis_window_refresh        (BkAnalysisWindow *self);

/* The last answer shown, or NULL. */
BcStatsSummary   *bk_analysis_window_get_summary    (BkAnalysisWindow *self);
gboolean          bk_analysis_window_get_loading    (BkAnalysisWindow *self);
/* Requests sent and answers (or failures) received since the window opened; a cancelled
 * request counts as sent but not as answered. */
guint             bk_analysis_window_get_n_requests (BkAnalysisWindow *self);
guint             bk_analysis_window_get_n_answers  (BkAnalysisWindow *self);
/* The inline message about invalid filters, or NULL when they are valid. */
const char       *bk_analysis_window_get_validation_message (BkAnalysisWindow *self);
/* The message of the error state (the last request failed), or NULL. */
const char       *bk_analysis_window_get_error_message      (BkAnalysisWindow *self);

/* The rows of the breakdown table (BkAnalysisRow). */
GListModel       *bk_analysis_window_get_table      (BkAnalysisWindow *self);
BkAnalysisTable   bk_analysis_window_get_table_kind (BkAnalysisWindow *self);
void              bk_analysis_window_set_table_kind (BkAnalysisWindow *self,
                                                     BkAnalysisTable   kind);
/* The title line of the exports: period, dates, filters and the time of the answer. */
char             *bk_analysis_window_dup_report_title (BkAnalysisWindow *self);

/* Paints every chart of the view on one page with the title line and the headline figures
 * (the PNG and PDF exports). */
void              bk_analysis_window_draw_report    (BkAnalysisWindow *self,
                                                     cairo_t          *cr,
                                                     double            width,
                                                     double            height);

/* Writes the table (CSV: UTF-8 with BOM, RFC 4180, a header row) or the charts (PNG, PDF) to
 * @file without blocking the main loop. The export dialogs of the window call these too.
 * Fails with G_IO_ERROR_NOT_INITIALIZED when there is nothing to export yet. */
void              bk_analysis_window_export_async   (BkAnalysisWindow    *self,
                                                     BkAnalysisExport     format,
                                                     GFile               *file,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean          bk_analysis_window_export_finish  (BkAnalysisWindow    *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
/* The bytes an export writes (what export_async writes to the file). */
GBytes           *bk_analysis_window_export_bytes   (BkAnalysisWindow    *self,
                                                     BkAnalysisExport     format,
                                                     GError             **error);

G_END_DECLS
