/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-analysis"

#include "config.h"

#include "bk-analysis-window.h"
#include "bk-style.h"

#include <cairo-pdf.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>
#include <stdio.h>

#include "bk-chart.h"
#include "bk-format.h"

/* Jingmen's districts and counties, offered in the district filter before any answer has
 * named them (the answers add any other district that has incidents). They are the names the
 * incidents carry — data, not interface text — so they are not translated. */
static const char * const known_districts[] = {
  "东宝区", "掇刀区", "钟祥市", "京山市", "沙洋县",
};

/* ---- rows ------------------------------------------------------------------------------- */

struct _BkAnalysisRow
{
  GObject  parent_instance;

  char    *label;
  gint64   current;
  gint64   previous;
  gboolean is_total;
};

G_DEFINE_FINAL_TYPE (BkAnalysisRow, bk_analysis_row, G_TYPE_OBJECT)

static void
bk_analysis_row_finalize (GObject *object)
{
  BkAnalysisRow *self = BK_ANALYSIS_ROW (object);

  g_free (self->label);
  G_OBJECT_CLASS (bk_analysis_row_parent_class)->finalize (object);
}

static void
bk_analysis_row_class_init (BkAnalysisRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bk_analysis_row_finalize;
}

static void
bk_analysis_row_init (BkAnalysisRow *self)
{
}

static BkAnalysisRow *
row_new (const char *label,
         gint64      current,
         gint64      previous,
         gboolean    is_total)
{
  BkAnalysisRow *self = g_object_new (BK_TYPE_ANALYSIS_ROW, NULL);

  self->label = g_strdup (label);
  self->current = current;
  self->previous = previous;
  self->is_total = is_total;
  return self;
}

const char *
bk_analysis_row_get_label (BkAnalysisRow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_ROW (self), NULL);
  return self->label;
}

gint64
bk_analysis_row_get_current (BkAnalysisRow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_ROW (self), 0);
  return self->current;
}

gint64
bk_analysis_row_get_previous (BkAnalysisRow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_ROW (self), 0);
  return self->previous;
}

gboolean
bk_analysis_row_get_is_total (BkAnalysisRow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_ROW (self), FALSE);
  return self->is_total;
}

static char *
format_change (double current,
               double previous)
{
  char buf[32];

  if (previous <= 0)
    return g_strdup ("");
  /* Written with '.' whatever the locale, so that the CSV stays one field per value. */
  g_ascii_formatd (buf, sizeof buf, "%+.1f", (current - previous) / previous * 100.0);
  if (g_str_equal (buf, "+0.0") || g_str_equal (buf, "-0.0"))
    return g_strdup ("0.0%");
  return g_strconcat (buf, "%", NULL);
}

char *
bk_analysis_row_format_change (BkAnalysisRow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_ROW (self), NULL);
  return format_change (self->current, self->previous);
}

/* ---- the window ------------------------------------------------------------------------- */

typedef struct
{
  GtkLabel *title;
  GtkLabel *value;
  GtkLabel *change;
  GtkLabel *detail;
} Figure;

enum {
  FIGURE_TOTAL,
  FIGURE_CLOSED,
  FIGURE_DAILY,
  FIGURE_DISPATCH,
  FIGURE_RESPONSE,
  N_FIGURES
};

struct _BkAnalysisWindow
{
  AdwWindow          parent_instance;

  BcClient          *client;
  GCancellable      *cancellable;
  BcStatsSummary    *summary;
  GListStore        *table;
  GtkStringList     *district_model;
  GPtrArray         *districts;      /* char *, the district dropdown's items after "All" */
  BkAnalysisTable    table_kind;
  guint              n_requests;
  guint              n_answers;
  gboolean           loading;
  char              *validation_message;
  char              *error_message;
  gint64             answered_at;    /* local µs of the last answer */
  Figure             figures[N_FIGURES];

  BkChart           *trend_chart;
  BkChart           *type_chart;
  BkChart           *hour_chart;
  BkChart           *district_chart;

  AdwToastOverlay   *toast_overlay;
  GtkSpinner        *spinner;
  GtkDropDown       *period_dropdown;
  GtkWidget         *custom_box;
  GtkEntry          *start_entry;
  GtkEntry          *end_entry;
  GtkCalendar       *start_calendar;
  GtkCalendar       *end_calendar;
  GtkDropDown       *district_dropdown;
  GtkDropDown       *type_dropdown;
  GtkLabel          *range_label;
  GtkRevealer       *validation_revealer;
  GtkLabel          *validation_label;
  GtkStack          *stack;
  AdwStatusPage     *error_page;
  GtkBox            *figures_box;
  GtkGrid           *charts_grid;
  GtkDropDown       *table_dropdown;
  GtkColumnView     *table_view;
  GtkColumnViewColumn *label_column;
};

G_DEFINE_FINAL_TYPE (BkAnalysisWindow, bk_analysis_window, ADW_TYPE_WINDOW)

/* The period dropdown's items, in order. */
static const BcStatsPeriod period_items[] = {
  BC_STATS_PERIOD_WEEK, BC_STATS_PERIOD_MONTH, BC_STATS_PERIOD_QUARTER, BC_STATS_PERIOD_CUSTOM,
};

/* ---- formatting ------------------------------------------------------------------------- */

/* A count with the locale's digit grouping ("12,345"). */
static char *
format_count (gint64 value)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, value);
}

static char *
format_seconds (double seconds)
{
  if (seconds < 0)
    return g_strdup ("—");
  return bk_format_duration ((gint64) (seconds * G_USEC_PER_SEC));
}

static const char *
period_label (BcStatsPeriod period)
{
  switch (period)
    {
    case BC_STATS_PERIOD_DAY:
      return _("One day");
    case BC_STATS_PERIOD_WEEK:
      return _("Last 7 days");
    case BC_STATS_PERIOD_MONTH:
      return _("Last 30 days");
    case BC_STATS_PERIOD_QUARTER:
      return _("Last 90 days");
    case BC_STATS_PERIOD_CUSTOM:
    default:
      return _("Custom");
    }
}

static const char *
district_label (const char *district)
{
  return district[0] != '\0' ? district : _("No district");
}

/* ---- validation of the custom dates ----------------------------------------------------- */

/* A strict YYYY-MM-DD (what the server accepts as a date). */
static GDate *
parse_date (const char *text)
{
  int y, m, d;
  char tail;

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return NULL;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return NULL;
  if (sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return NULL;
  if (!g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return NULL;
  return g_date_new_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y);
}

/* Today in China Standard Time: the server counts days in UTC+8 (docs/stats.md). */
static GDate *
today_cst (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);

  return g_date_new_dmy ((GDateDay) g_date_time_get_day_of_month (now),
                         (GDateMonth) g_date_time_get_month (now),
                         (GDateYear) g_date_time_get_year (now));
}

static gboolean
date_in_range (const GDate *date)
{
  return g_date_get_year (date) >= 2000 && g_date_get_year (date) <= 2099;
}

/* Checks the custom dates as the server would (start ≤ end, at most 366 days, 2000–2099) so
 * that a mistake is explained at once, next to the fields, and nothing is sent. Returns the
 * message, or NULL when the dates are valid. */
static char *
check_custom_dates (BkAnalysisWindow *self)
{
  const char *start_text = gtk_editable_get_text (GTK_EDITABLE (self->start_entry));
  const char *end_text = gtk_editable_get_text (GTK_EDITABLE (self->end_entry));
  g_autoptr(GDate) start = NULL;
  g_autoptr(GDate) end = NULL;

  if (start_text[0] == '\0')
    return g_strdup (_("Enter the first day of the period (YYYY-MM-DD)."));
  start = parse_date (start_text);
  if (start == NULL)
    return g_strdup_printf (_("“%s” is not a date: write the first day as YYYY-MM-DD, "
                              "e.g. 2026-11-01."), start_text);
  if (end_text[0] == '\0')
    end = today_cst ();
  else
    {
      end = parse_date (end_text);
      if (end == NULL)
        return g_strdup_printf (_("“%s” is not a date: write the last day as YYYY-MM-DD, "
                                  "e.g. 2026-11-30."), end_text);
    }
  if (!date_in_range (start) || !date_in_range (end))
    return g_strdup (_("Dates must lie between 2000-01-01 and 2099-12-31."));
  if (g_date_compare (start, end) > 0)
    return g_strdup (_("The first day is after the last day."));
  if (g_date_days_between (start, end) + 1 > BC_STATS_MAX_DAYS)
    return g_strdup_printf (_("A custom period can be at most %d days long; this one has %d."),
                            BC_STATS_MAX_DAYS, g_date_days_between (start, end) + 1);
  return NULL;
}

static BcStatsPeriod
selected_period (BkAnalysisWindow *self)
{
  guint i = gtk_drop_down_get_selected (self->period_dropdown);

  return i < G_N_ELEMENTS (period_items) ? period_items[i] : BC_STATS_PERIOD_MONTH;
}

/* NULL for "all". */
static const char *
selected_district (BkAnalysisWindow *self)
{
  guint i = gtk_drop_down_get_selected (self->district_dropdown);

  if (i == 0 || i == GTK_INVALID_LIST_POSITION || i > self->districts->len)
    return NULL;
  return g_ptr_array_index (self->districts, i - 1);
}

/* -1 for "all". */
static int
selected_type (BkAnalysisWindow *self)
{
  guint i = gtk_drop_down_get_selected (self->type_dropdown);

  if (i == 0 || i == GTK_INVALID_LIST_POSITION || i > BC_STATS_N_TYPES)
    return -1;
  return (int) i - 1;
}

static void
set_validation (BkAnalysisWindow *self,
                char             *message)
{
  g_free (self->validation_message);
  self->validation_message = message;
  gtk_label_set_label (self->validation_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->validation_revealer, message != NULL);
  if (message != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->start_entry), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->end_entry), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->start_entry), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->end_entry), "error");
    }
}

/* ---- showing an answer ------------------------------------------------------------------ */

static void
set_figure (Figure     *figure,
            const char *value,
            double      current,
            double      previous,
            gboolean    higher_is_worse,
            const char *previous_text)
{
  g_autofree char *change = NULL;
  g_autofree char *text = NULL;

  gtk_label_set_label (figure->value, value);
  gtk_widget_remove_css_class (GTK_WIDGET (figure->change), "change-worse");
  gtk_widget_remove_css_class (GTK_WIDGET (figure->change), "change-better");

  if (current < 0 || previous <= 0)
    {
      /* Translators: the previous period had none of these, so there is no change to show. */
      text = g_strdup_printf (_("Previous period: %s"), previous_text);
    }
  else
    {
      change = format_change (current, previous);
      /* Translators: "▲ +12.3% on the previous period (4,781)"; ▲ up, ▼ down. */
      text = g_strdup_printf (_("%s %s on the previous period (%s)"),
                              current > previous ? "▲" : current < previous ? "▼" : "＝",
                              change, previous_text);
      if (current != previous)
        gtk_widget_add_css_class (GTK_WIDGET (figure->change),
                                  (current > previous) == higher_is_worse
                                  ? "change-worse" : "change-better");
    }
  gtk_label_set_label (figure->change, text);
}

static char *
format_p90 (const BcStatsDuration *current,
            const BcStatsDuration *previous)
{
  g_autofree char *cur = format_seconds (current->count > 0 ? current->p90 : -1);
  g_autofree char *prev = format_seconds (previous->count > 0 ? previous->p90 : -1);

  /* Translators: the 90th percentile of a duration, this period and the previous one. */
  return g_strdup_printf (_("90%% within %s (previous period: %s)"), cur, prev);
}

static void
update_figures (BkAnalysisWindow *self)
{
  const BcStatsSummary *s = self->summary;
  const BcStatsPeriodFigures *cur = &s->current;
  const BcStatsPeriodFigures *prev = &s->previous;
  g_autofree char *total = format_count (cur->total);
  g_autofree char *total_prev = format_count (prev->total);
  g_autofree char *closed = format_count (cur->closed);
  g_autofree char *closed_prev = format_count (prev->closed);
  g_autofree char *daily = NULL;
  g_autofree char *daily_prev = NULL;
  g_autofree char *today = format_count (s->today_count);
  g_autofree char *last_week = format_count (s->last_week_count);
  g_autofree char *cancelled = format_count (cur->cancelled);
  g_autofree char *detail = NULL;
  double d_cur = cur->dispatch_time.count > 0 ? cur->dispatch_time.p50 : -1;
  double d_prev = prev->dispatch_time.count > 0 ? prev->dispatch_time.p50 : -1;
  double r_cur = cur->response_time.count > 0 ? cur->response_time.p50 : -1;
  double r_prev = prev->response_time.count > 0 ? prev->response_time.p50 : -1;
  double daily_cur = cur->days > 0 ? (double) cur->total / cur->days : 0;
  double daily_prv = prev->days > 0 ? (double) prev->total / prev->days : 0;
  gint64 busiest = -1;
  const char *busiest_day = NULL;

  daily = g_strdup_printf ("%'.1f", daily_cur);
  daily_prev = g_strdup_printf ("%'.1f", daily_prv);

  set_figure (&self->figures[FIGURE_TOTAL], total, cur->total, prev->total, TRUE, total_prev);
  {
    g_autoptr(GDate) now = today_cst ();
    char today_text[16];

    g_date_strftime (today_text, sizeof today_text, "%Y-%m-%d", now);
    if (g_str_equal (today_text, s->today_date))
      /* Translators: incidents created today so far, and by the same time a week ago. */
      detail = g_strdup_printf (_("Today so far %s, same time last week %s"), today, last_week);
    else
      /* Translators: incidents of the period's last day, and of the same weekday before. */
      detail = g_strdup_printf (_("On %s: %s, a week before: %s"), s->today_date, today,
                                last_week);
  }
  gtk_label_set_label (self->figures[FIGURE_TOTAL].detail, detail);
  g_free (detail);

  set_figure (&self->figures[FIGURE_CLOSED], closed, cur->closed, prev->closed, FALSE,
              closed_prev);
  detail = g_strdup_printf (_("Cancelled %s"), cancelled);
  gtk_label_set_label (self->figures[FIGURE_CLOSED].detail, detail);
  g_free (detail);

  set_figure (&self->figures[FIGURE_DAILY], daily, daily_cur, daily_prv, TRUE, daily_prev);
  for (guint i = 0; cur->by_day != NULL && i < cur->by_day->len; i++)
    {
      const BcStatsDay *day = &g_array_index (cur->by_day, BcStatsDay, i);
      if (day->total > busiest)
        {
          busiest = day->total;
          busiest_day = day->date;
        }
    }
  if (busiest_day != NULL)
    {
      g_autofree char *count = format_count (busiest);
      /* Translators: the day of the period with the most incidents, and how many. */
      detail = g_strdup_printf (_("Busiest day %s (%s)"), busiest_day, count);
    }
  else
    detail = g_strdup ("");
  gtk_label_set_label (self->figures[FIGURE_DAILY].detail, detail);
  g_free (detail);

  {
    g_autofree char *value = format_seconds (d_cur);
    g_autofree char *before = format_seconds (d_prev);

    set_figure (&self->figures[FIGURE_DISPATCH], value, d_cur, d_prev, TRUE, before);
    detail = format_p90 (&cur->dispatch_time, &prev->dispatch_time);
    gtk_label_set_label (self->figures[FIGURE_DISPATCH].detail, detail);
    g_free (detail);
  }
  {
    g_autofree char *value = format_seconds (r_cur);
    g_autofree char *before = format_seconds (r_prev);

    set_figure (&self->figures[FIGURE_RESPONSE], value, r_cur, r_prev, TRUE, before);
    detail = format_p90 (&cur->response_time, &prev->response_time);
    gtk_label_set_label (self->figures[FIGURE_RESPONSE].detail, detail);
  }
}

static gint64
previous_district_count (const BcStatsPeriodFigures *figures,
                         const char                 *district)
{
  for (guint i = 0; figures->by_district != NULL && i < figures->by_district->len; i++)
    {
      const BcStatsDistrictCount *c = &g_array_index (figures->by_district, BcStatsDistrictCount, i);
      if (g_strcmp0 (c->district, district) == 0)
        return c->count;
    }
  return 0;
}

static void
update_charts (BkAnalysisWindow *self)
{
  const BcStatsPeriodFigures *cur = &self->summary->current;
  const BcStatsPeriodFigures *prev = &self->summary->previous;
  guint n_days = cur->by_day != NULL ? cur->by_day->len : 0;
  guint n_districts = cur->by_district != NULL ? cur->by_district->len : 0;
  g_autofree double *values = g_new0 (double, MAX (MAX (n_days, n_districts), 24) + 1);
  g_autofree double *previous = g_new0 (double, MAX (MAX (n_days, n_districts), 24) + 1);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

  /* Daily trend: day i of this period against day i of the previous one. */
  for (guint i = 0; i < n_days; i++)
    {
      const BcStatsDay *day = &g_array_index (cur->by_day, BcStatsDay, i);

      values[i] = day->total;
      previous[i] = prev->by_day != NULL && i < prev->by_day->len
                    ? g_array_index (prev->by_day, BcStatsDay, i).total : 0;
      /* "11-17": the year is in the title line. */
      g_ptr_array_add (labels, g_strdup (day->date + 5));
    }
  g_ptr_array_add (labels, NULL);
  bk_chart_set_values (self->trend_chart, values, n_days, (const char * const *) labels->pdata);
  bk_chart_set_previous (self->trend_chart, previous, n_days);

  g_ptr_array_set_size (labels, 0);
  for (guint i = 0; i < BC_STATS_N_TYPES; i++)
    {
      values[i] = cur->by_type[i];
      previous[i] = prev->by_type[i];
      g_ptr_array_add (labels, g_strdup (bc_incident_type_label ((BcIncidentType) i)));
    }
  g_ptr_array_add (labels, NULL);
  bk_chart_set_values (self->type_chart, values, BC_STATS_N_TYPES,
                       (const char * const *) labels->pdata);
  bk_chart_set_previous (self->type_chart, previous, BC_STATS_N_TYPES);

  g_ptr_array_set_size (labels, 0);
  for (guint i = 0; i < 24; i++)
    {
      values[i] = cur->by_hour[i];
      g_ptr_array_add (labels, g_strdup_printf ("%02u", i));
    }
  g_ptr_array_add (labels, NULL);
  bk_chart_set_values (self->hour_chart, values, 24, (const char * const *) labels->pdata);
  {
    guint peak = 0;
    g_autofree char *title = NULL;

    for (guint i = 1; i < 24; i++)
      if (cur->by_hour[i] > cur->by_hour[peak])
        peak = i;
    if (cur->by_hour[peak] > 0)
      /* Translators: the chart's title with the hour that had the most incidents. */
      title = g_strdup_printf (_("By hour of day (this period) · busiest %02u:00–%02u:00"),
                               peak, peak + 1);
    bk_chart_set_title (self->hour_chart, title != NULL ? title
                                                        : _("By hour of day (this period)"));
  }

  g_ptr_array_set_size (labels, 0);
  for (guint i = 0; i < n_districts; i++)
    {
      const BcStatsDistrictCount *c = &g_array_index (cur->by_district, BcStatsDistrictCount, i);

      values[i] = c->count;
      previous[i] = previous_district_count (prev, c->district);
      g_ptr_array_add (labels, g_strdup (district_label (c->district)));
    }
  g_ptr_array_add (labels, NULL);
  bk_chart_set_values (self->district_chart, values, n_districts,
                       (const char * const *) labels->pdata);
  bk_chart_set_previous (self->district_chart, previous, n_districts);
}

static void
update_table (BkAnalysisWindow *self)
{
  const BcStatsPeriodFigures *cur;
  const BcStatsPeriodFigures *prev;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  const char *title = NULL;
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->table));

  switch (self->table_kind)
    {
    case BK_ANALYSIS_TABLE_TYPE:
      title = _("Type");
      break;
    case BK_ANALYSIS_TABLE_DISTRICT:
      title = _("District");
      break;
    case BK_ANALYSIS_TABLE_DAY:
      title = _("Day");
      break;
    case BK_ANALYSIS_TABLE_HOUR:
      title = _("Hour of day");
      break;
    case BK_ANALYSIS_TABLE_PRIORITY:
    default:
      title = _("Priority");
      break;
    }
  gtk_column_view_column_set_title (self->label_column, title);

  if (self->summary == NULL)
    {
      g_list_store_remove_all (self->table);
      return;
    }
  cur = &self->summary->current;
  prev = &self->summary->previous;

  switch (self->table_kind)
    {
    case BK_ANALYSIS_TABLE_TYPE:
      for (guint i = 0; i < BC_STATS_N_TYPES; i++)
        g_ptr_array_add (rows, row_new (bc_incident_type_label ((BcIncidentType) i),
                                        cur->by_type[i], prev->by_type[i], FALSE));
      break;

    case BK_ANALYSIS_TABLE_DISTRICT:
      {
        g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

        /* This period's districts, largest first, then any that had incidents only before. */
        for (guint i = 0; cur->by_district != NULL && i < cur->by_district->len; i++)
          {
            const BcStatsDistrictCount *c = &g_array_index (cur->by_district,
                                                            BcStatsDistrictCount, i);
            g_hash_table_add (seen, c->district);
            g_ptr_array_add (rows, row_new (district_label (c->district), c->count,
                                            previous_district_count (prev, c->district), FALSE));
          }
        for (guint i = 0; prev->by_district != NULL && i < prev->by_district->len; i++)
          {
            const BcStatsDistrictCount *c = &g_array_index (prev->by_district,
                                                            BcStatsDistrictCount, i);
            if (!g_hash_table_contains (seen, c->district))
              g_ptr_array_add (rows, row_new (district_label (c->district), 0, c->count, FALSE));
          }
      }
      break;

    case BK_ANALYSIS_TABLE_DAY:
      for (guint i = 0; cur->by_day != NULL && i < cur->by_day->len; i++)
        {
          const BcStatsDay *day = &g_array_index (cur->by_day, BcStatsDay, i);
          gint64 before = prev->by_day != NULL && i < prev->by_day->len
                          ? g_array_index (prev->by_day, BcStatsDay, i).total : 0;

          g_ptr_array_add (rows, row_new (day->date, day->total, before, FALSE));
        }
      break;

    case BK_ANALYSIS_TABLE_HOUR:
      for (guint i = 0; i < 24; i++)
        {
          g_autofree char *label = g_strdup_printf ("%02u:00–%02u:00", i, i + 1);

          g_ptr_array_add (rows, row_new (label, cur->by_hour[i], prev->by_hour[i], FALSE));
        }
      break;

    case BK_ANALYSIS_TABLE_PRIORITY:
    default:
      for (guint i = 0; i < BC_STATS_N_PRIORITIES; i++)
        {
          /* Translators: a priority level, 1 is the most urgent. */
          g_autofree char *label = g_strdup_printf (_("Priority %u"), i + 1);

          g_ptr_array_add (rows, row_new (label, cur->by_priority[i], prev->by_priority[i],
                                          FALSE));
        }
      break;
    }

  g_ptr_array_add (rows, row_new (_("Total"), cur->total, prev->total, TRUE));

  g_list_store_splice (self->table, 0, n_old, rows->pdata, rows->len);
}

static void
update_districts (BkAnalysisWindow *self)
{
  const BcStatsPeriodFigures *periods[] = { &self->summary->current, &self->summary->previous };

  /* Only add: removing an item would move the selection under the user's hand. */
  for (guint p = 0; p < G_N_ELEMENTS (periods); p++)
    for (guint i = 0; periods[p]->by_district != NULL && i < periods[p]->by_district->len; i++)
      {
        const char *name = g_array_index (periods[p]->by_district, BcStatsDistrictCount, i).district;
        gboolean known = name[0] == '\0';   /* the server cannot filter on "no district" */

        for (guint j = 0; !known && j < self->districts->len; j++)
          known = g_str_equal (g_ptr_array_index (self->districts, j), name);
        if (!known)
          {
            g_ptr_array_add (self->districts, g_strdup (name));
            gtk_string_list_append (self->district_model, name);
          }
      }
}

static void
update_range (BkAnalysisWindow *self)
{
  g_autofree char *text = NULL;

  if (self->summary == NULL)
    {
      gtk_label_set_label (self->range_label, "");
      return;
    }
  /* Translators: "2026-10-26 – 2026-11-24 (30 days) · previous period 2026-09-26 – 2026-10-25" */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s – %s (%u day) · previous period %s – %s",
                                       "%s – %s (%u days) · previous period %s – %s",
                                       self->summary->current.days),
                          self->summary->current.first_day, self->summary->current.last_day,
                          self->summary->current.days,
                          self->summary->previous.first_day, self->summary->previous.last_day);
  gtk_label_set_label (self->range_label, text);
}

static void
set_loading (BkAnalysisWindow *self,
             gboolean          loading)
{
  self->loading = loading;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), loading);
  gtk_spinner_set_spinning (self->spinner, loading);
}

static void
update_export_actions (BkAnalysisWindow *self)
{
  gboolean have = self->summary != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analysis.export-csv", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analysis.export-png", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "analysis.export-pdf", have);
}

static void
show_summary (BkAnalysisWindow *self,
              BcStatsSummary   *summary)
{
  g_clear_pointer (&self->summary, bc_stats_summary_unref);
  self->summary = bc_stats_summary_ref (summary);
  self->answered_at = g_get_real_time ();
  g_clear_pointer (&self->error_message, g_free);

  update_districts (self);
  update_figures (self);
  update_charts (self);
  update_table (self);
  update_range (self);
  update_export_actions (self);
  gtk_stack_set_visible_child_name (self->stack, "content");
}

/* ---- requests --------------------------------------------------------------------------- */

typedef struct
{
  BkAnalysisWindow *self;
  GCancellable     *cancellable;
} Request;

static void
request_free (Request *request)
{
  g_object_unref (request->self);
  g_object_unref (request->cancellable);
  g_free (request);
}

static void
summary_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Request *request = user_data;
  BkAnalysisWindow *self = request->self;
  g_autoptr(BcStatsSummary) summary = NULL;
  g_autoptr(GError) error = NULL;

  summary = bc_client_stats_summary_finish (BC_CLIENT (object), result, &error);

  /* A newer request replaced this one: its answer no longer matches the filters. */
  if (g_cancellable_is_cancelled (request->cancellable) || self->cancellable != request->cancellable)
    {
      request_free (request);
      return;
    }

  self->n_answers++;
  set_loading (self, FALSE);
  if (summary != NULL)
    show_summary (self, summary);
  else
    {
      g_autofree char *message = bk_format_client_error (error);

      g_free (self->error_message);
      self->error_message = g_steal_pointer (&message);
      adw_status_page_set_description (self->error_page, self->error_message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      g_clear_pointer (&self->summary, bc_stats_summary_unref);
      update_export_actions (self);
      update_range (self);
    }
  request_free (request);
}

gboolean
bk_analysis_window_refresh (BkAnalysisWindow *self)
{
  BcStatsPeriod period;
  g_autofree char *problem = NULL;
  g_autofree char *type_code = NULL;
  BcStatsQuery query = { 0 };
  Request *request;
  int type;

  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), FALSE);

  period = selected_period (self);
  if (period == BC_STATS_PERIOD_CUSTOM)
    problem = check_custom_dates (self);
  if (problem != NULL)
    {
      set_validation (self, g_steal_pointer (&problem));
      return FALSE;
    }
  set_validation (self, NULL);

  query.period = period;
  if (period == BC_STATS_PERIOD_CUSTOM)
    {
      const char *end = gtk_editable_get_text (GTK_EDITABLE (self->end_entry));

      query.start = gtk_editable_get_text (GTK_EDITABLE (self->start_entry));
      query.end = end[0] != '\0' ? end : NULL;
    }
  query.district = selected_district (self);
  type = selected_type (self);
  if (type >= 0)
    query.type = bc_incident_type_to_string ((BcIncidentType) type);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  request = g_new0 (Request, 1);
  request->self = g_object_ref (self);
  request->cancellable = g_object_ref (self->cancellable);
  self->n_requests++;
  set_loading (self, TRUE);
  if (self->summary == NULL)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  bc_client_stats_summary_async (self->client, &query, self->cancellable, summary_cb, request);
  return TRUE;
}

/* ---- filter signals --------------------------------------------------------------------- */

static void
period_changed_cb (BkAnalysisWindow *self)
{
  gboolean custom = selected_period (self) == BC_STATS_PERIOD_CUSTOM;

  gtk_widget_set_visible (self->custom_box, custom);
  if (custom && self->summary != NULL
      && gtk_editable_get_text (GTK_EDITABLE (self->start_entry))[0] == '\0')
    {
      /* Start from the period on screen, so that the fields are an example to edit. */
      gtk_editable_set_text (GTK_EDITABLE (self->start_entry), self->summary->current.first_day);
      gtk_editable_set_text (GTK_EDITABLE (self->end_entry), self->summary->current.last_day);
    }
  if (custom)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->start_entry));
      /* Custom dates are sent with Enter or Apply, not at every keystroke. */
      if (gtk_editable_get_text (GTK_EDITABLE (self->start_entry))[0] == '\0')
        return;
    }
  bk_analysis_window_refresh (self);
}

static void
filter_changed_cb (BkAnalysisWindow *self)
{
  bk_analysis_window_refresh (self);
}

static void
table_kind_changed_cb (BkAnalysisWindow *self)
{
  guint i = gtk_drop_down_get_selected (self->table_dropdown);

  if (i <= BK_ANALYSIS_TABLE_PRIORITY && (BkAnalysisTable) i != self->table_kind)
    {
      self->table_kind = (BkAnalysisTable) i;
      update_table (self);
    }
}

static void
date_entry_activate_cb (BkAnalysisWindow *self)
{
  bk_analysis_window_refresh (self);
}

static void
date_entry_changed_cb (BkAnalysisWindow *self)
{
  /* The message stays until the dates are sent again, but a corrected field is no longer
   * marked as wrong. */
  gtk_widget_remove_css_class (GTK_WIDGET (self->start_entry), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->end_entry), "error");
}

static void
calendar_day_selected_cb (BkAnalysisWindow *self,
                          GtkCalendar      *calendar)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (calendar);
  g_autofree char *text = g_date_time_format (date, "%Y-%m-%d");
  GtkEntry *entry = calendar == self->start_calendar ? self->start_entry : self->end_entry;
  GtkWidget *popover = gtk_widget_get_ancestor (GTK_WIDGET (calendar), GTK_TYPE_POPOVER);

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));
}

/* ---- the report (PNG, PDF) -------------------------------------------------------------- */

char *
bk_analysis_window_dup_report_title (BkAnalysisWindow *self)
{
  const char *district;
  g_autofree char *generated = NULL;
  const char *type_label;

  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), NULL);

  if (self->summary == NULL)
    return g_strdup (_("Situation Analysis"));

  district = self->summary->district != NULL ? self->summary->district : _("All districts");
  type_label = _("All types");
  if (self->summary->type != NULL)
    {
      BcIncidentType t;
      if (bc_incident_type_from_string (self->summary->type, &t))
        type_label = bc_incident_type_label (t);
    }
  {
    g_autoptr(GDateTime) at = g_date_time_new_from_unix_local (self->answered_at / G_USEC_PER_SEC);
    generated = g_date_time_format (at, "%Y-%m-%d %H:%M");
  }
  /* Translators: the title line of the exported charts: period name, first – last day,
   * district, type, and when the numbers were fetched. */
  return g_strdup_printf (_("%s %s – %s · %s · %s · generated %s"),
                          period_label (self->summary->period),
                          self->summary->current.first_day, self->summary->current.last_day,
                          district, type_label, generated);
}

static void
report_text (cairo_t    *cr,
             const char *text,
             double      size,
             gboolean    bold,
             double      x,
             double      y,
             double      max_width)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) desc = pango_font_description_new ();

  pango_font_description_set_family (desc, "Sans");
  pango_font_description_set_absolute_size (desc, size * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}

static void
report_cell (cairo_t    *cr,
             const char *text,
             double      size,
             gboolean    bold,
             double      x,
             double      y,
             double      xalign)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) desc = pango_font_description_new ();
  int tw, th;

  pango_font_description_set_family (desc, "Sans");
  pango_font_description_set_absolute_size (desc, size * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_move_to (cr, x - tw * xalign, y);
  pango_cairo_show_layout (cr, layout);
}

/* The breakdown by type as a small table: the page's reader gets the numbers of the bars. */
static void
draw_type_table (BkAnalysisWindow *self,
                 cairo_t          *cr,
                 double            x,
                 double            y,
                 double            w,
                 double            h,
                 double            u)
{
  const BcStatsPeriodFigures *cur = &self->summary->current;
  const BcStatsPeriodFigures *prev = &self->summary->previous;
  double row_h = h / (BC_STATS_N_TYPES + 2);
  double size = MIN (row_h * 0.62, 13 * u);
  const double cols[] = { x + 10 * u, x + w * 0.55, x + w * 0.76, x + w - 10 * u };
  const char *header[] = { _("Type"), _("This period"), _("Previous period"), _("Change") };

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  for (guint c = 0; c < G_N_ELEMENTS (header); c++)
    report_cell (cr, header[c], size, TRUE, cols[c], y, c == 0 ? 0 : 1);
  for (guint r = 0; r <= BC_STATS_N_TYPES; r++)
    {
      gboolean total = r == BC_STATS_N_TYPES;
      gint64 a = total ? cur->total : cur->by_type[r];
      gint64 b = total ? prev->total : prev->by_type[r];
      g_autofree char *ca = format_count (a);
      g_autofree char *cb = format_count (b);
      g_autofree char *change = format_change (a, b);
      double ry = y + (r + 1) * row_h;

      cairo_set_source_rgb (cr, 0.85, 0.85, 0.85);
      cairo_set_line_width (cr, 1 * u);
      cairo_move_to (cr, x, ry - row_h * 0.12);
      cairo_line_to (cr, x + w, ry - row_h * 0.12);
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      report_cell (cr, total ? _("Total") : bc_incident_type_label ((BcIncidentType) r), size,
                   total, cols[0], ry, 0);
      report_cell (cr, ca, size, total, cols[1], ry, 1);
      report_cell (cr, cb, size, total, cols[2], ry, 1);
      report_cell (cr, change[0] != '\0' ? change : "—", size, total, cols[3], ry, 1);
    }
}

void
bk_analysis_window_draw_report (BkAnalysisWindow *self,
                                cairo_t          *cr,
                                double            width,
                                double            height)
{
  /* Proportions of a 1600 px wide page; the PDF page is drawn at its own (smaller) size. */
  double u = width / 1600.0;
  /* On an A4 page (u ≈ 0.5) type at the page's proportions would be under 6 pt: keep it
   * readable on paper. */
  double text_scale = u < 1 ? MIN (1.0, u * 1.35) : u;
  double margin = 40 * u;
  double gap = 24 * u;
  double top;
  double cw, ch;
  g_autofree char *title = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  BkChart *charts[4];

  g_return_if_fail (BK_IS_ANALYSIS_WINDOW (self));

  charts[0] = self->trend_chart;
  charts[1] = self->type_chart;
  charts[2] = self->hour_chart;
  charts[3] = self->district_chart;

  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);

  report_text (cr, _("Situation Analysis"), 30 * u, TRUE, margin, margin, width - 2 * margin);
  title = bk_analysis_window_dup_report_title (self);
  report_text (cr, title, 17 * u, FALSE, margin, margin + 46 * u, width - 2 * margin);

  for (guint i = 0; i < N_FIGURES; i++)
    {
      if (i > 0)
        g_string_append (line, "    ");
      /* Translators: a headline figure on the exported page, "Incidents: 22,694". */
      g_string_append_printf (line, _("%s: %s"), gtk_label_get_label (self->figures[i].title),
                              gtk_label_get_label (self->figures[i].value));
    }
  cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
  report_text (cr, line->str, 15 * u, FALSE, margin, margin + 80 * u, width - 2 * margin);

  top = margin + 120 * u;
  cw = (width - 2 * margin - gap) / 2;
  ch = (height - top - margin - gap) / 2;
  for (guint i = 0; i < G_N_ELEMENTS (charts); i++)
    {
      double x = margin + (i % 2) * (cw + gap);
      double y = top + (i / 2) * (ch + gap);
      double old_scale = bk_chart_get_scale (charts[i]);
      double box_h = ch;

      /* The hour strip needs little height; the table by type fills the rest of its cell. */
      if (charts[i] == self->hour_chart && self->summary != NULL)
        {
          box_h = ch * 0.36;
          draw_type_table (self, cr, x, y + box_h + 14 * u, cw, ch - box_h - 14 * u, text_scale);
        }

      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_rectangle (cr, 0, 0, cw, box_h);
      cairo_clip (cr);
      /* The chart's own scale is its on-screen size; on the page it follows the page. */
      bk_chart_set_scale (charts[i], text_scale);
      bk_chart_draw (charts[i], cr, cw, box_h);
      bk_chart_set_scale (charts[i], old_scale);
      cairo_restore (cr);

      cairo_save (cr);
      cairo_set_source_rgb (cr, 0.85, 0.85, 0.85);
      cairo_set_line_width (cr, 1 * u);
      cairo_rectangle (cr, x + 0.5, y + 0.5, cw - 1, box_h - 1);
      cairo_stroke (cr);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

/* ---- exports ---------------------------------------------------------------------------- */

static void
csv_field (GString    *out,
           const char *value)
{
  /* RFC 4180: quote a field with a comma, a quote or a line break; double the quotes. */
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static GBytes *
export_csv (BkAnalysisWindow *self)
{
  /* A BOM, or Excel in a Chinese locale reads UTF-8 as GBK. */
  g_autoptr(GString) out = g_string_new ("\xEF\xBB\xBF");
  GListModel *model = G_LIST_MODEL (self->table);
  const char *header[] = {
    gtk_column_view_column_get_title (self->label_column),
    _("This period"), _("Previous period"), _("Change"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (header); i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      csv_field (out, header[i]);
    }
  g_string_append (out, "\r\n");

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BkAnalysisRow) row = g_list_model_get_item (model, i);
      g_autofree char *change = bk_analysis_row_format_change (row);

      csv_field (out, row->label);
      /* Plain numbers, no digit grouping: the file is for spreadsheets. */
      g_string_append_printf (out, ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",",
                              row->current, row->previous);
      csv_field (out, change);
      g_string_append (out, "\r\n");
    }
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

static cairo_status_t
append_to_bytes (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
bk_analysis_window_export_bytes (BkAnalysisWindow  *self,
                                 BkAnalysisExport   format,
                                 GError           **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), NULL);

  if (self->summary == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("There is nothing to export yet: the statistics have not loaded."));
      return NULL;
    }

  if (format == BK_ANALYSIS_EXPORT_CSV)
    return export_csv (self);

  bytes = g_byte_array_new ();
  if (format == BK_ANALYSIS_EXPORT_PNG)
    surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, BK_ANALYSIS_PNG_WIDTH,
                                          BK_ANALYSIS_PNG_HEIGHT);
  else
    surface = cairo_pdf_surface_create_for_stream (append_to_bytes, bytes, BK_ANALYSIS_PDF_WIDTH,
                                                   BK_ANALYSIS_PDF_HEIGHT);
  cr = cairo_create (surface);
  if (format == BK_ANALYSIS_EXPORT_PNG)
    bk_analysis_window_draw_report (self, cr, BK_ANALYSIS_PNG_WIDTH, BK_ANALYSIS_PNG_HEIGHT);
  else
    {
      g_autofree char *title = bk_analysis_window_dup_report_title (self);

      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Beacon");
      bk_analysis_window_draw_report (self, cr, BK_ANALYSIS_PDF_WIDTH, BK_ANALYSIS_PDF_HEIGHT);
      cairo_show_page (cr);
    }
  cairo_destroy (cr);
  if (format == BK_ANALYSIS_EXPORT_PNG)
    status = cairo_surface_write_to_png_stream (surface, append_to_bytes, bytes);
  else
    {
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not draw the charts: %s"),
                   cairo_status_to_string (status));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

static void
replace_contents_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
bk_analysis_window_export_async (BkAnalysisWindow    *self,
                                 BkAnalysisExport     format,
                                 GFile               *file,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  g_return_if_fail (BK_IS_ANALYSIS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bk_analysis_window_export_async);

  /* Drawing one page takes milliseconds; the write goes through GIO's async file API. */
  bytes = bk_analysis_window_export_bytes (self, format, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       cancellable, replace_contents_cb, g_steal_pointer (&task));
}

gboolean
bk_analysis_window_export_finish (BkAnalysisWindow  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bk_analysis_window_export_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- export dialogs --------------------------------------------------------------------- */

static void
toast (BkAnalysisWindow *self,
       const char       *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  BkAnalysisWindow *self = BK_ANALYSIS_WINDOW (object);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_parse_name (file);
  g_autofree char *message = NULL;

  if (bk_analysis_window_export_finish (self, result, &error))
    message = g_strdup_printf (_("Exported to %s"), name);
  else
    message = g_strdup_printf (_("Could not export to %s: %s"), name, error->message);
  toast (self, message);
}

static void
file_chooser_response_cb (GtkNativeDialog *dialog,
                          int              response,
                          gpointer         user_data)
{
  BkAnalysisWindow *self = BK_ANALYSIS_WINDOW (gtk_native_dialog_get_transient_for (dialog));
  BkAnalysisExport format = GPOINTER_TO_INT (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      GFile *file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        bk_analysis_window_export_async (self, format, file, NULL, export_done_cb, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  BkAnalysisWindow *self = BK_ANALYSIS_WINDOW (widget);
  BkAnalysisExport format;
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;
  const char *title, *extension;

  if (g_str_equal (action_name, "analysis.export-csv"))
    {
      format = BK_ANALYSIS_EXPORT_CSV;
      title = _("Export the Table");
      extension = "csv";
      gtk_file_filter_set_name (filter, _("CSV table"));
      gtk_file_filter_add_mime_type (filter, "text/csv");
    }
  else if (g_str_equal (action_name, "analysis.export-png"))
    {
      format = BK_ANALYSIS_EXPORT_PNG;
      title = _("Export the Charts as an Image");
      extension = "png";
      gtk_file_filter_set_name (filter, _("PNG image"));
      gtk_file_filter_add_mime_type (filter, "image/png");
    }
  else
    {
      format = BK_ANALYSIS_EXPORT_PDF;
      title = _("Export the Charts as a PDF Document");
      extension = "pdf";
      gtk_file_filter_set_name (filter, _("PDF document"));
      gtk_file_filter_add_mime_type (filter, "application/pdf");
    }
  gtk_file_filter_add_suffix (filter, extension);

  dialog = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  /* Translators: the suggested file name of an export; %s is the last day of the period. */
  name = g_strdup_printf (_("situation-analysis-%s.%s"),
                          self->summary != NULL ? self->summary->current.last_day : "", extension);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (file_chooser_response_cb),
                    GINT_TO_POINTER (format));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  bk_analysis_window_refresh (BK_ANALYSIS_WINDOW (widget));
}

/* ---- building the view ------------------------------------------------------------------ */

static void
build_figures (BkAnalysisWindow *self)
{
  const char *titles[N_FIGURES] = {
    [FIGURE_TOTAL] = _("Incidents in the period"),
    [FIGURE_CLOSED] = _("Closed in the period"),
    [FIGURE_DAILY] = _("Average per day"),
    [FIGURE_DISPATCH] = _("Call to dispatch, median"),
    [FIGURE_RESPONSE] = _("Call to arrival on scene, median"),
  };

  for (guint i = 0; i < N_FIGURES; i++)
    {
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *title = gtk_label_new (titles[i]);
      GtkWidget *value = gtk_label_new ("—");
      GtkWidget *change = gtk_label_new ("");
      GtkWidget *detail = gtk_label_new ("");

      gtk_widget_add_css_class (card, "card");
      gtk_widget_add_css_class (card, "analysis-figure");
      gtk_widget_add_css_class (title, "figure-title");
      gtk_widget_add_css_class (value, "figure-value");
      gtk_widget_add_css_class (value, "numeric");
      gtk_widget_add_css_class (change, "figure-change");
      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_label_set_xalign (GTK_LABEL (value), 0);
      gtk_label_set_xalign (GTK_LABEL (change), 0);
      gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
      gtk_label_set_ellipsize (GTK_LABEL (value), PANGO_ELLIPSIZE_END);
      gtk_label_set_wrap (GTK_LABEL (change), TRUE);
      gtk_label_set_xalign (GTK_LABEL (detail), 0);
      gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
      gtk_widget_add_css_class (detail, "figure-detail");
      gtk_widget_add_css_class (detail, "dim-label");
      gtk_box_append (GTK_BOX (card), title);
      gtk_box_append (GTK_BOX (card), value);
      gtk_box_append (GTK_BOX (card), change);
      gtk_box_append (GTK_BOX (card), detail);
      gtk_box_append (self->figures_box, card);
      self->figures[i].title = GTK_LABEL (title);
      self->figures[i].value = GTK_LABEL (value);
      self->figures[i].change = GTK_LABEL (change);
      self->figures[i].detail = GTK_LABEL (detail);
    }
}

static BkChart *
add_chart (BkAnalysisWindow *self,
           BkChartKind       kind,
           const char       *title,
           gboolean          legend,
           int               column,
           int               row)
{
  GtkWidget *chart = bk_chart_new (kind);
  GtkWidget *frame = gtk_frame_new (NULL);

  bk_chart_set_title (BK_CHART (chart), title);
  if (legend)
    bk_chart_set_legend (BK_CHART (chart), _("This period"), _("Previous period"));
  gtk_widget_set_size_request (chart, -1, kind == BK_CHART_HOUR_STRIP ? 180 : 280);
  gtk_widget_set_hexpand (chart, TRUE);
  gtk_widget_add_css_class (frame, "analysis-chart");
  gtk_widget_add_css_class (frame, "view");
  gtk_frame_set_child (GTK_FRAME (frame), chart);
  gtk_grid_attach (self->charts_grid, frame, column, row, 1, 1);
  return BK_CHART (chart);
}

static void
setup_label_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);
  float xalign = GPOINTER_TO_INT (user_data) == 0 ? 0.0f : 1.0f;

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  if (xalign > 0)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
bind_label_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  BkAnalysisRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  g_autofree char *text = NULL;

  switch (GPOINTER_TO_INT (user_data))
    {
    case 0:
      text = g_strdup (row->label);
      break;
    case 1:
      text = format_count (row->current);
      break;
    case 2:
      text = format_count (row->previous);
      break;
    default:
      text = bk_analysis_row_format_change (row);
      gtk_widget_remove_css_class (label, "change-worse");
      gtk_widget_remove_css_class (label, "change-better");
      if (row->previous > 0 && row->current != row->previous)
        gtk_widget_add_css_class (label, row->current > row->previous ? "change-worse"
                                                                      : "change-better");
      if (text[0] == '\0')
        {
          g_free (text);
          text = g_strdup ("—");
        }
      break;
    }
  gtk_label_set_label (GTK_LABEL (label), text);
  if (row->is_total)
    gtk_widget_add_css_class (label, "total");
  else
    gtk_widget_remove_css_class (label, "total");
}

static GtkColumnViewColumn *
add_column (BkAnalysisWindow *self,
            const char       *title,
            int               which)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_label_cb), GINT_TO_POINTER (which));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_label_cb), GINT_TO_POINTER (which));
  column = gtk_column_view_column_new (title, factory);
  /* Numbers in narrow right-aligned columns, near their (left-aligned) headers. */
  if (which == 0)
    gtk_column_view_column_set_expand (column, TRUE);
  else
    gtk_column_view_column_set_fixed_width (column, 180);
  gtk_column_view_append_column (self->table_view, column);
  g_object_unref (column);
  return column;
}

static void
build_table (BkAnalysisWindow *self)
{
  GtkNoSelection *selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->table)));

  gtk_column_view_set_model (self->table_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
  self->label_column = add_column (self, _("Type"), 0);
  add_column (self, _("This period"), 1);
  add_column (self, _("Previous period"), 2);
  add_column (self, _("Change"), 3);
}

static void
build_filters (BkAnalysisWindow *self)
{
  g_autoptr(GtkStringList) types = gtk_string_list_new (NULL);

  self->district_model = gtk_string_list_new (NULL);
  gtk_string_list_append (self->district_model, _("All districts"));
  for (guint i = 0; i < G_N_ELEMENTS (known_districts); i++)
    {
      g_ptr_array_add (self->districts, g_strdup (known_districts[i]));
      gtk_string_list_append (self->district_model, known_districts[i]);
    }
  gtk_drop_down_set_model (self->district_dropdown, G_LIST_MODEL (self->district_model));

  gtk_string_list_append (types, _("All types"));
  for (guint i = 0; i < BC_STATS_N_TYPES; i++)
    gtk_string_list_append (types, bc_incident_type_label ((BcIncidentType) i));
  gtk_drop_down_set_model (self->type_dropdown, G_LIST_MODEL (types));
}

static void
bk_analysis_window_dispose (GObject *object)
{
  BkAnalysisWindow *self = BK_ANALYSIS_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_ANALYSIS_WINDOW);

  G_OBJECT_CLASS (bk_analysis_window_parent_class)->dispose (object);
}

static void
bk_analysis_window_finalize (GObject *object)
{
  BkAnalysisWindow *self = BK_ANALYSIS_WINDOW (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->summary, bc_stats_summary_unref);
  g_clear_object (&self->table);
  g_clear_object (&self->district_model);
  g_clear_pointer (&self->districts, g_ptr_array_unref);
  g_free (self->validation_message);
  g_free (self->error_message);

  G_OBJECT_CLASS (bk_analysis_window_parent_class)->finalize (object);
}

static void
bk_analysis_window_class_init (BkAnalysisWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_analysis_window_dispose;
  object_class->finalize = bk_analysis_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-analysis-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, period_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, custom_box);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, start_entry);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, end_entry);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, start_calendar);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, end_calendar);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, district_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, type_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, range_label);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, validation_revealer);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, validation_label);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, figures_box);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, charts_grid);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, table_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BkAnalysisWindow, table_view);
  gtk_widget_class_bind_template_callback (widget_class, date_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, date_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, calendar_day_selected_cb);

  gtk_widget_class_install_action (widget_class, "analysis.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "analysis.export-csv", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "analysis.export-png", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "analysis.export-pdf", NULL, export_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "analysis.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "analysis.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bk_analysis_window_init (BkAnalysisWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  bk_style_add_sheet (gtk_widget_get_display (GTK_WIDGET (self)),
                      "/cn/jingmen/Beacon/bk-analysis.css",
                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  self->table = g_list_store_new (BK_TYPE_ANALYSIS_ROW);
  self->districts = g_ptr_array_new_with_free_func (g_free);
  self->table_kind = BK_ANALYSIS_TABLE_TYPE;

  build_figures (self);
  self->trend_chart = add_chart (self, BK_CHART_LINE, _("Incidents a day"), TRUE, 0, 0);
  self->type_chart = add_chart (self, BK_CHART_BAR, _("By type"), TRUE, 1, 0);
  bk_chart_set_grouped (self->type_chart, TRUE);
  self->hour_chart = add_chart (self, BK_CHART_HOUR_STRIP, _("By hour of day (this period)"),
                                FALSE, 0, 1);
  self->district_chart = add_chart (self, BK_CHART_BAR, _("By district"), TRUE, 1, 1);
  bk_chart_set_grouped (self->district_chart, TRUE);
  build_table (self);
  build_filters (self);
  update_export_actions (self);

  g_signal_connect_object (self->period_dropdown, "notify::selected",
                           G_CALLBACK (period_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->district_dropdown, "notify::selected",
                           G_CALLBACK (filter_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->type_dropdown, "notify::selected",
                           G_CALLBACK (filter_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->table_dropdown, "notify::selected",
                           G_CALLBACK (table_kind_changed_cb), self, G_CONNECT_SWAPPED);
}

BkAnalysisWindow *
bk_analysis_window_new (GtkWindow *parent,
                        BcClient  *client)
{
  BkAnalysisWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (BC_IS_CLIENT (client), NULL);

  self = g_object_new (BK_TYPE_ANALYSIS_WINDOW, "transient-for", parent, NULL);
  self->client = g_object_ref (client);
  bk_analysis_window_refresh (self);
  return self;
}

BcClient *
bk_analysis_window_get_client (BkAnalysisWindow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), NULL);
  return self->client;
}

BcStatsSummary *
bk_analysis_window_get_summary (BkAnalysisWindow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), NULL);
  return self->summary;
}

gboolean
bk_analysis_window_get_loading (BkAnalysisWindow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), FALSE);
  return self->loading;
}

guint
bk_analysis_window_get_n_requests (BkAnalysisWindow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), 0);
  return self->n_requests;
}

guint
bk_analysis_window_get_n_answers (BkAnalysisWindow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), 0);
  return self->n_answers;
}

const char *
bk_analysis_window_get_validation_message (BkAnalysisWindow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), NULL);
  return self->validation_message;
}

const char *
bk_analysis_window_get_error_message (BkAnalysisWindow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), NULL);
  return self->error_message;
}

GListModel *
bk_analysis_window_get_table (BkAnalysisWindow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->table);
}

BkAnalysisTable
bk_analysis_window_get_table_kind (BkAnalysisWindow *self)
{
  g_return_val_if_fail (BK_IS_ANALYSIS_WINDOW (self), BK_ANALYSIS_TABLE_TYPE);
  return self->table_kind;
}

void
bk_analysis_window_set_table_kind (BkAnalysisWindow *self,
                                   BkAnalysisTable   kind)
{
  g_return_if_fail (BK_IS_ANALYSIS_WINDOW (self));
  g_return_if_fail (kind <= BK_ANALYSIS_TABLE_PRIORITY);

  /* Through the dropdown, so that what is shown and what is selected agree. */
  gtk_drop_down_set_selected (self->table_dropdown, kind);
}
