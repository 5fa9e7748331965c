/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-report.h"

#include <cairo-pdf.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>
#include <string.h>

/* Targets from creation, by priority 1…4 (docs/scenarios.md). Dispatch targets are the
 * center's rule; arrival targets are this project's choice for an urban district. */
static const double dispatch_targets_s[] = { 60, 180, 600, 1800 };
static const double arrival_targets_s[] = { 480, 900, 1800, 3600 };
/* A P1 target counts four times a P4 target in the score. */
static const double priority_weights[] = { 4, 3, 2, 1 };

#define REPORT_FONT "Noto Sans CJK SC"
#define CST_OFFSET_S (8 * 3600)

struct _BsReport
{
  char            *scenario_name;
  char            *notice;
  gint64           start_us;
  gint64           end_us;
  GArray          *rows;         /* BsReportRow */
  BsReportTotals   totals[5];    /* [0] all, [1…4] per priority */
  double           score;
};

double
bs_report_dispatch_target_s (int priority)
{
  g_return_val_if_fail (priority >= 1 && priority <= 4, 0);
  return dispatch_targets_s[priority - 1];
}

double
bs_report_arrival_target_s (int priority)
{
  g_return_val_if_fail (priority >= 1 && priority <= 4, 0);
  return arrival_targets_s[priority - 1];
}

const char *
bs_report_verdict_to_string (BsReportVerdict verdict)
{
  switch (verdict)
    {
    case BS_REPORT_MET:
      return "met";
    case BS_REPORT_MISSED:
      return "missed";
    case BS_REPORT_NOT_APPLICABLE:
      return "n/a";
    case BS_REPORT_PENDING:
    default:
      return "pending";
    }
}

static void
row_clear (gpointer data)
{
  BsReportRow *row = data;

  g_free (row->number);
  g_free (row->address);
  g_free (row->disposition);
}

/* Whether the step at @reached_at (0: not reached) met @target_s, judged at @end_us. */
static BsReportVerdict
judge (gint64  created_at,
       gint64  reached_at,
       gboolean finished,
       double  target_s,
       gint64  end_us)
{
  if (reached_at != 0)
    return (reached_at - created_at) / (double) G_USEC_PER_SEC <= target_s ? BS_REPORT_MET
                                                                           : BS_REPORT_MISSED;
  if (finished)
    return BS_REPORT_NOT_APPLICABLE;
  if ((end_us - created_at) / (double) G_USEC_PER_SEC > target_s)
    return BS_REPORT_MISSED;
  return BS_REPORT_PENDING;
}

static double
seconds_between (gint64 from,
                 gint64 to)
{
  return to != 0 ? (to - from) / (double) G_USEC_PER_SEC : -1.0;
}

static gint
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const BsReportRow *x = a, *y = b;

  if (x->created_at != y->created_at)
    return x->created_at < y->created_at ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static void
count_verdict (BsReportTotals  *t,
               BsReportVerdict  verdict,
               gboolean         dispatch)
{
  if (verdict == BS_REPORT_MET)
    {
      t->n_met++;
      if (dispatch)
        t->n_dispatch_met++;
      else
        t->n_arrival_met++;
    }
  else if (verdict == BS_REPORT_MISSED)
    {
      t->n_missed++;
      if (dispatch)
        t->n_dispatch_missed++;
      else
        t->n_arrival_missed++;
    }
}

BsReport *
bs_report_new (const char *scenario_name,
               const char *notice,
               gint64      start_us,
               gint64      end_us,
               GPtrArray  *incidents)
{
  BsReport *self = g_rc_box_new0 (BsReport);
  double sum_dispatch[5] = { 0, }, sum_arrival[5] = { 0, };
  guint n_dispatch[5] = { 0, }, n_arrival[5] = { 0, };
  double weighted_met = 0, weighted_total = 0;

  g_return_val_if_fail (incidents != NULL, NULL);

  self->scenario_name = g_strdup (scenario_name != NULL ? scenario_name : "");
  self->notice = g_strdup (notice != NULL ? notice : "");
  self->start_us = start_us;
  self->end_us = end_us;
  self->rows = g_array_new (FALSE, TRUE, sizeof (BsReportRow));
  g_array_set_clear_func (self->rows, row_clear);

  for (guint i = 0; i < incidents->len; i++)
    {
      BcIncident *incident = g_ptr_array_index (incidents, i);
      BsReportRow row = { 0, };
      gboolean finished;
      guint n_units = 0;

      row.id = bc_incident_get_id (incident);
      row.number = g_strdup (bc_incident_get_number (incident));
      row.type = bc_incident_get_incident_type (incident);
      row.priority = CLAMP (bc_incident_get_priority (incident), 1, 4);
      row.status = bc_incident_get_status (incident);
      row.address = g_strdup (bc_incident_get_address (incident));
      row.disposition = g_strdup (bc_incident_get_disposition (incident));
      bc_incident_get_units (incident, &n_units);
      row.n_units = n_units;
      row.created_at = bc_incident_get_created_at (incident);
      row.dispatched_at = bc_incident_get_dispatched_at (incident);
      row.on_scene_at = bc_incident_get_on_scene_at (incident);
      row.closed_at = bc_incident_get_closed_at (incident) != 0
                      ? bc_incident_get_closed_at (incident)
                      : bc_incident_get_cancelled_at (incident);
      row.dispatch_s = seconds_between (row.created_at, row.dispatched_at);
      row.arrival_s = seconds_between (row.created_at, row.on_scene_at);
      row.close_s = seconds_between (row.created_at, row.closed_at);

      finished = !bc_incident_status_is_open (row.status);
      row.dispatch = judge (row.created_at, row.dispatched_at, finished,
                            dispatch_targets_s[row.priority - 1], end_us);
      /* An incident closed before anyone got there (the caller called it off) is not judged
       * on arrival; neither is one never dispatched. */
      row.arrival = judge (row.created_at, row.on_scene_at, finished,
                           arrival_targets_s[row.priority - 1], end_us);
      g_array_append_val (self->rows, row);
    }
  g_array_sort (self->rows, compare_rows);

  for (guint i = 0; i < self->rows->len; i++)
    {
      const BsReportRow *row = &g_array_index (self->rows, BsReportRow, i);
      int slots[2] = { 0, row->priority };

      for (guint k = 0; k < G_N_ELEMENTS (slots); k++)
        {
          BsReportTotals *t = &self->totals[slots[k]];

          t->n_incidents++;
          count_verdict (t, row->dispatch, TRUE);
          count_verdict (t, row->arrival, FALSE);
          if (row->dispatch_s >= 0)
            {
              sum_dispatch[slots[k]] += row->dispatch_s;
              n_dispatch[slots[k]]++;
            }
          if (row->arrival_s >= 0)
            {
              sum_arrival[slots[k]] += row->arrival_s;
              n_arrival[slots[k]]++;
            }
        }

      for (guint k = 0; k < 2; k++)
        {
          BsReportVerdict v = k == 0 ? row->dispatch : row->arrival;

          if (v == BS_REPORT_MET || v == BS_REPORT_MISSED)
            {
              weighted_total += priority_weights[row->priority - 1];
              if (v == BS_REPORT_MET)
                weighted_met += priority_weights[row->priority - 1];
            }
        }
    }

  for (guint p = 0; p < G_N_ELEMENTS (self->totals); p++)
    {
      self->totals[p].mean_dispatch_s = n_dispatch[p] > 0 ? sum_dispatch[p] / n_dispatch[p] : -1;
      self->totals[p].mean_arrival_s = n_arrival[p] > 0 ? sum_arrival[p] / n_arrival[p] : -1;
    }
  self->score = weighted_total > 0 ? 100.0 * weighted_met / weighted_total : -1;
  return self;
}

static void
report_clear (gpointer data)
{
  BsReport *self = data;

  g_free (self->scenario_name);
  g_free (self->notice);
  g_array_unref (self->rows);
}

BsReport *
bs_report_ref (BsReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_rc_box_acquire (self);
}

void
bs_report_unref (BsReport *self)
{
  g_return_if_fail (self != NULL);
  g_rc_box_release_full (self, report_clear);
}

guint
bs_report_get_n_rows (BsReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->rows->len;
}

const BsReportRow *
bs_report_get_row (BsReport *self,
                   guint     index)
{
  g_return_val_if_fail (self != NULL && index < self->rows->len, NULL);
  return &g_array_index (self->rows, BsReportRow, index);
}

const BsReportTotals *
bs_report_get_totals (BsReport *self,
                      int       priority)
{
  g_return_val_if_fail (self != NULL && priority >= 0 && priority <= 4, NULL);
  return &self->totals[priority];
}

double
bs_report_get_score (BsReport *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->score;
}

gint64
bs_report_get_start (BsReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->start_us;
}

gint64
bs_report_get_end (BsReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->end_us;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static void
csv_field (GString    *s,
           const char *value)
{
  if (value == NULL)
    value = "";
  if (strpbrk (value, ",\"\r\n") != NULL)
    {
      g_string_append_c (s, '"');
      for (const char *p = value; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (s, '"');
          g_string_append_c (s, *p);
        }
      g_string_append_c (s, '"');
    }
  else
    {
      g_string_append (s, value);
    }
}

static void
csv_time (GString *s,
          gint64   t)
{
  if (t != 0)
    {
      g_autofree char *text = bc_time_format (t);
      g_string_append (s, text);
    }
}

static void
csv_seconds (GString *s,
             double   seconds)
{
  if (seconds >= 0)
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append (s, g_ascii_formatd (buffer, sizeof buffer, "%.1f", seconds));
    }
}

char *
bs_report_to_csv (BsReport *self)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  /* Column names are data (stable, English), like the API's field names. */
  g_string_append (s, "number,type,priority,status,address,created_at,dispatched_at,"
                      "on_scene_at,closed_at,dispatch_s,dispatch_target_s,dispatch,"
                      "arrival_s,arrival_target_s,arrival,close_s,units,disposition\r\n");
  for (guint i = 0; i < self->rows->len; i++)
    {
      const BsReportRow *row = &g_array_index (self->rows, BsReportRow, i);

      csv_field (s, row->number);
      g_string_append_c (s, ',');
      csv_field (s, bc_incident_type_to_string (row->type));
      g_string_append_printf (s, ",%d,", row->priority);
      csv_field (s, bc_incident_status_to_string (row->status));
      g_string_append_c (s, ',');
      csv_field (s, row->address);
      g_string_append_c (s, ',');
      csv_time (s, row->created_at);
      g_string_append_c (s, ',');
      csv_time (s, row->dispatched_at);
      g_string_append_c (s, ',');
      csv_time (s, row->on_scene_at);
      g_string_append_c (s, ',');
      csv_time (s, row->closed_at);
      g_string_append_c (s, ',');
      csv_seconds (s, row->dispatch_s);
      g_string_append_c (s, ',');
      csv_seconds (s, dispatch_targets_s[row->priority - 1]);
      g_string_append_c (s, ',');
      csv_field (s, bs_report_verdict_to_string (row->dispatch));
      g_string_append_c (s, ',');
      csv_seconds (s, row->arrival_s);
      g_string_append_c (s, ',');
      csv_seconds (s, arrival_targets_s[row->priority - 1]);
      g_string_append_c (s, ',');
      csv_field (s, bs_report_verdict_to_string (row->arrival));
      g_string_append_c (s, ',');
      csv_seconds (s, row->close_s);
      g_string_append_printf (s, ",%u,", row->n_units);
      csv_field (s, row->disposition);
      g_string_append (s, "\r\n");
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
bs_report_write_csv (BsReport    *self,
                     const char  *path,
                     GError     **error)
{
  g_autofree char *csv = bs_report_to_csv (self);

  return g_file_set_contents (path, csv, -1, error);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void
add_time (JsonBuilder *b,
          const char  *member,
          gint64       t)
{
  json_builder_set_member_name (b, member);
  if (t != 0)
    {
      g_autofree char *text = bc_time_format (t);
      json_builder_add_string_value (b, text);
    }
  else
    {
      json_builder_add_null_value (b);
    }
}

static void
add_seconds (JsonBuilder *b,
             const char  *member,
             double       seconds)
{
  json_builder_set_member_name (b, member);
  if (seconds >= 0)
    json_builder_add_double_value (b, seconds);
  else
    json_builder_add_null_value (b);
}

static void
add_totals (JsonBuilder          *b,
            const BsReportTotals *t)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "incidents");
  json_builder_add_int_value (b, t->n_incidents);
  json_builder_set_member_name (b, "dispatch_met");
  json_builder_add_int_value (b, t->n_dispatch_met);
  json_builder_set_member_name (b, "dispatch_missed");
  json_builder_add_int_value (b, t->n_dispatch_missed);
  json_builder_set_member_name (b, "arrival_met");
  json_builder_add_int_value (b, t->n_arrival_met);
  json_builder_set_member_name (b, "arrival_missed");
  json_builder_add_int_value (b, t->n_arrival_missed);
  add_seconds (b, "mean_dispatch_s", t->mean_dispatch_s);
  add_seconds (b, "mean_arrival_s", t->mean_arrival_s);
  json_builder_end_object (b);
}

JsonNode *
bs_report_to_json (BsReport *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "scenario");
  json_builder_add_string_value (b, self->scenario_name);
  json_builder_set_member_name (b, "notice");
  json_builder_add_string_value (b, self->notice);
  add_time (b, "start", self->start_us);
  add_time (b, "end", self->end_us);
  add_seconds (b, "score", self->score);

  json_builder_set_member_name (b, "targets");
  json_builder_begin_array (b);
  for (int p = 1; p <= 4; p++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "priority");
      json_builder_add_int_value (b, p);
      json_builder_set_member_name (b, "dispatch_s");
      json_builder_add_double_value (b, dispatch_targets_s[p - 1]);
      json_builder_set_member_name (b, "arrival_s");
      json_builder_add_double_value (b, arrival_targets_s[p - 1]);
      json_builder_set_member_name (b, "totals");
      add_totals (b, &self->totals[p]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "totals");
  add_totals (b, &self->totals[0]);

  json_builder_set_member_name (b, "incidents");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->rows->len; i++)
    {
      const BsReportRow *row = &g_array_index (self->rows, BsReportRow, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, row->id);
      json_builder_set_member_name (b, "number");
      json_builder_add_string_value (b, row->number);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, bc_incident_type_to_string (row->type));
      json_builder_set_member_name (b, "priority");
      json_builder_add_int_value (b, row->priority);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, bc_incident_status_to_string (row->status));
      json_builder_set_member_name (b, "address");
      json_builder_add_string_value (b, row->address);
      add_time (b, "created_at", row->created_at);
      add_time (b, "dispatched_at", row->dispatched_at);
      add_time (b, "on_scene_at", row->on_scene_at);
      add_time (b, "closed_at", row->closed_at);
      add_seconds (b, "dispatch_s", row->dispatch_s);
      add_seconds (b, "arrival_s", row->arrival_s);
      add_seconds (b, "close_s", row->close_s);
      json_builder_set_member_name (b, "dispatch");
      json_builder_add_string_value (b, bs_report_verdict_to_string (row->dispatch));
      json_builder_set_member_name (b, "arrival");
      json_builder_add_string_value (b, bs_report_verdict_to_string (row->arrival));
      json_builder_set_member_name (b, "units");
      json_builder_add_int_value (b, row->n_units);
      json_builder_set_member_name (b, "disposition");
      if (row->disposition != NULL)
        json_builder_add_string_value (b, row->disposition);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  return json_builder_get_root (b);
}

/* ---- PDF ------------------------------------------------------------------------------------ */

#define PAGE_W 595.0   /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 40.0
#define ROW_H 15.0

typedef struct
{
  cairo_t              *cr;
  PangoLayout          *layout;
  PangoFontDescription *font;
  double                y;
  guint                 page;
} Pen;

static void
pen_text (Pen        *pen,
          double      x,
          double      y,
          double      width,
          double      size,
          gboolean    bold,
          const char *text)
{
  pango_font_description_set_absolute_size (pen->font, size * PANGO_SCALE);
  pango_font_description_set_weight (pen->font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (pen->layout, pen->font);
  pango_layout_set_width (pen->layout, width > 0 ? (int) (width * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (pen->layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_wrap (pen->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (pen->layout, text != NULL ? text : "", -1);
  cairo_move_to (pen->cr, x, y);
  pango_cairo_show_layout (pen->cr, pen->layout);
}

/* Wrapped text; returns its height. */
static double
pen_paragraph (Pen        *pen,
               double      x,
               double      y,
               double      width,
               double      size,
               const char *text)
{
  int w, h;

  pango_font_description_set_absolute_size (pen->font, size * PANGO_SCALE);
  pango_font_description_set_weight (pen->font, PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (pen->layout, pen->font);
  pango_layout_set_width (pen->layout, (int) (width * PANGO_SCALE));
  pango_layout_set_ellipsize (pen->layout, PANGO_ELLIPSIZE_NONE);
  pango_layout_set_wrap (pen->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (pen->layout, text, -1);
  cairo_move_to (pen->cr, x, y);
  pango_cairo_show_layout (pen->cr, pen->layout);
  pango_layout_get_size (pen->layout, &w, &h);
  return h / (double) PANGO_SCALE;
}

static char *
format_local_time (gint64      t,
                   const char *format)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (CST_OFFSET_S);
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (t == 0)
    return g_strdup ("—");
  utc = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);
  local = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (local, format);
}

static char *
format_duration (double seconds)
{
  int s;

  if (seconds < 0)
    return g_strdup ("—");
  s = (int) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  return g_strdup_printf ("%d:%02d", s / 60, s % 60);
}

static const char *
verdict_label (BsReportVerdict verdict)
{
  switch (verdict)
    {
    case BS_REPORT_MET:
      return _("met");
    case BS_REPORT_MISSED:
      return _("missed");
    case BS_REPORT_NOT_APPLICABLE:
      return "—";
    case BS_REPORT_PENDING:
    default:
      return _("pending");
    }
}

static void
set_verdict_colour (cairo_t         *cr,
                    BsReportVerdict  verdict)
{
  if (verdict == BS_REPORT_MET)
    cairo_set_source_rgb (cr, 0.10, 0.50, 0.20);
  else if (verdict == BS_REPORT_MISSED)
    cairo_set_source_rgb (cr, 0.75, 0.10, 0.10);
  else
    cairo_set_source_rgb (cr, 0.35, 0.35, 0.35);
}

static void
footer (Pen      *pen,
        BsReport *self)
{
  g_autofree char *page = g_strdup_printf (_("Page %u"), pen->page);

  cairo_set_source_rgb (pen->cr, 0.45, 0.45, 0.45);
  pen_text (pen, MARGIN, PAGE_H - MARGIN + 8, PAGE_W - 2 * MARGIN - 60, 7, FALSE,
            _("Training data — for training and demonstration only"));
  pen_text (pen, PAGE_W - MARGIN - 60, PAGE_H - MARGIN + 8, 60, 7, FALSE, page);
}

/* The incident table's columns: x offset and width. */
static const struct { double x, w; } cols[] = {
  { 0, 74 },    /* number */
  { 74, 52 },   /* type */
  { 126, 14 },  /* priority */
  { 140, 46 },  /* created */
  { 186, 36 },  /* dispatch */
  { 222, 40 },  /* verdict */
  { 262, 36 },  /* arrival */
  { 298, 40 },  /* verdict */
  { 338, 40 },  /* closed */
  { 378, 137 }, /* address */
};

static void
table_header (Pen *pen)
{
  const char *titles[] = {
    _("Number"), _("Type"), _("P"), _("Created"), _("Dispatch"), "", _("Arrival"), "",
    _("Closed"), _("Address"),
  };

  cairo_set_source_rgb (pen->cr, 0.92, 0.92, 0.92);
  cairo_rectangle (pen->cr, MARGIN, pen->y - 2, PAGE_W - 2 * MARGIN, ROW_H);
  cairo_fill (pen->cr);
  cairo_set_source_rgb (pen->cr, 0, 0, 0);
  for (guint c = 0; c < G_N_ELEMENTS (cols); c++)
    {
      /* "Dispatch" and "Arrival" head their time and verdict columns together. */
      double w = *titles[c] != '\0' && c + 1 < G_N_ELEMENTS (cols) && *titles[c + 1] == '\0'
                 ? cols[c].w + cols[c + 1].w : cols[c].w;

      if (*titles[c] != '\0')
        pen_text (pen, MARGIN + cols[c].x + 2, pen->y, w - 4, 8, TRUE, titles[c]);
    }
  pen->y += ROW_H;
}

static void
new_page (Pen      *pen,
          BsReport *self)
{
  footer (pen, self);
  cairo_show_page (pen->cr);
  pen->page++;
  pen->y = MARGIN;
  table_header (pen);
}

static void
draw_report (BsReport *self,
             cairo_t  *cr)
{
  Pen pen = { cr, pango_cairo_create_layout (cr), pango_font_description_from_string (REPORT_FONT),
              MARGIN, 1 };
  g_autofree char *period = NULL;
  g_autofree char *from = format_local_time (self->start_us, "%Y-%m-%d %H:%M");
  g_autofree char *to = format_local_time (self->end_us, "%H:%M");
  g_autofree char *score = NULL;
  const char *summary_titles[] = {
    _("Priority"), _("Incidents"), _("Dispatch target"), _("Dispatch met"), _("Mean dispatch"),
    _("Arrival target"), _("Arrival met"), _("Mean arrival"),
  };
  const double summary_x[] = { 0, 60, 120, 190, 255, 320, 390, 455 };

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);

  cairo_set_source_rgb (cr, 0, 0, 0);
  pen_text (&pen, MARGIN, pen.y, PAGE_W - 2 * MARGIN, 18, TRUE, _("After-action report"));
  pen.y += 28;
  pen_text (&pen, MARGIN, pen.y, PAGE_W - 2 * MARGIN, 11, FALSE, self->scenario_name);
  pen.y += 17;
  /* TRANSLATORS: the training run's start and end, China Standard Time */
  period = g_strdup_printf (_("Period: %s – %s (UTC+8)"), from, to);
  pen_text (&pen, MARGIN, pen.y, PAGE_W - 2 * MARGIN, 9, FALSE, period);
  pen.y += 15;

  cairo_set_source_rgb (cr, 0.55, 0.25, 0.0);
  pen.y += pen_paragraph (&pen, MARGIN, pen.y, PAGE_W - 2 * MARGIN, 8, self->notice) + 10;

  /* Score */
  cairo_set_source_rgb (cr, 0.95, 0.96, 1.0);
  cairo_rectangle (cr, MARGIN, pen.y, PAGE_W - 2 * MARGIN, 36);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0.1, 0.2, 0.5);
  if (self->score >= 0)
    score = g_strdup_printf (_("Score: %.1f / 100"), self->score);
  else
    score = g_strdup (_("Score: no target could be judged yet"));
  pen_text (&pen, MARGIN + 10, pen.y + 8, PAGE_W - 2 * MARGIN - 20, 16, TRUE, score);
  pen.y += 48;

  /* Totals per priority */
  cairo_set_source_rgb (cr, 0.92, 0.92, 0.92);
  cairo_rectangle (cr, MARGIN, pen.y - 2, PAGE_W - 2 * MARGIN, ROW_H);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (guint c = 0; c < G_N_ELEMENTS (summary_titles); c++)
    pen_text (&pen, MARGIN + summary_x[c] + 2, pen.y, 64, 8, TRUE, summary_titles[c]);
  pen.y += ROW_H;

  for (int p = 1; p <= 5; p++)
    {
      int slot = p == 5 ? 0 : p;
      const BsReportTotals *t = &self->totals[slot];
      g_autofree char *name = p == 5 ? g_strdup (_("All")) : g_strdup_printf ("P%d", p);
      g_autofree char *count = g_strdup_printf ("%u", t->n_incidents);
      g_autofree char *dt = p == 5 ? g_strdup ("") : format_duration (dispatch_targets_s[p - 1]);
      g_autofree char *dm = g_strdup_printf ("%u / %u", t->n_dispatch_met,
                                             t->n_dispatch_met + t->n_dispatch_missed);
      g_autofree char *dmean = format_duration (t->mean_dispatch_s);
      g_autofree char *at = p == 5 ? g_strdup ("") : format_duration (arrival_targets_s[p - 1]);
      g_autofree char *am = g_strdup_printf ("%u / %u", t->n_arrival_met,
                                             t->n_arrival_met + t->n_arrival_missed);
      g_autofree char *amean = format_duration (t->mean_arrival_s);
      const char *cells[] = { name, count, dt, dm, dmean, at, am, amean };

      for (guint c = 0; c < G_N_ELEMENTS (cells); c++)
        pen_text (&pen, MARGIN + summary_x[c] + 2, pen.y, 64, 8, p == 5, cells[c]);
      pen.y += ROW_H;
    }
  pen.y += 14;

  cairo_set_source_rgb (cr, 0, 0, 0);
  pen_text (&pen, MARGIN, pen.y, PAGE_W - 2 * MARGIN, 11, TRUE, _("Incidents"));
  pen.y += 18;
  table_header (&pen);

  for (guint i = 0; i < self->rows->len; i++)
    {
      const BsReportRow *row = &g_array_index (self->rows, BsReportRow, i);
      g_autofree char *priority = g_strdup_printf ("%d", row->priority);
      g_autofree char *created = format_local_time (row->created_at, "%H:%M:%S");
      g_autofree char *dispatch = format_duration (row->dispatch_s);
      g_autofree char *arrival = format_duration (row->arrival_s);
      g_autofree char *closed = format_duration (row->close_s);

      if (pen.y + ROW_H > PAGE_H - MARGIN - 10)
        new_page (&pen, self);

      if (i % 2 == 1)
        {
          cairo_set_source_rgb (cr, 0.97, 0.97, 0.97);
          cairo_rectangle (cr, MARGIN, pen.y - 2, PAGE_W - 2 * MARGIN, ROW_H);
          cairo_fill (cr);
        }
      cairo_set_source_rgb (cr, 0, 0, 0);
      pen_text (&pen, MARGIN + cols[0].x + 2, pen.y, cols[0].w - 4, 8, FALSE, row->number);
      pen_text (&pen, MARGIN + cols[1].x + 2, pen.y, cols[1].w - 4, 8, FALSE,
                bc_incident_type_label (row->type));
      pen_text (&pen, MARGIN + cols[2].x + 2, pen.y, cols[2].w - 4, 8, FALSE, priority);
      pen_text (&pen, MARGIN + cols[3].x + 2, pen.y, cols[3].w - 4, 8, FALSE, created);
      pen_text (&pen, MARGIN + cols[4].x + 2, pen.y, cols[4].w - 4, 8, FALSE, dispatch);
      pen_text (&pen, MARGIN + cols[6].x + 2, pen.y, cols[6].w - 4, 8, FALSE, arrival);
      pen_text (&pen, MARGIN + cols[8].x + 2, pen.y, cols[8].w - 4, 8, FALSE, closed);
      pen_text (&pen, MARGIN + cols[9].x + 2, pen.y, cols[9].w - 4, 8, FALSE, row->address);
      set_verdict_colour (cr, row->dispatch);
      pen_text (&pen, MARGIN + cols[5].x + 2, pen.y, cols[5].w - 4, 8, TRUE,
                verdict_label (row->dispatch));
      set_verdict_colour (cr, row->arrival);
      pen_text (&pen, MARGIN + cols[7].x + 2, pen.y, cols[7].w - 4, 8, TRUE,
                verdict_label (row->arrival));
      pen.y += ROW_H;
    }

  if (self->rows->len == 0)
    {
      cairo_set_source_rgb (cr, 0.35, 0.35, 0.35);
      pen_text (&pen, MARGIN, pen.y, PAGE_W - 2 * MARGIN, 9, FALSE,
                _("No incident was created in this run."));
    }

  footer (&pen, self);
  cairo_show_page (cr);

  g_object_unref (pen.layout);
  pango_font_description_free (pen.font);
}

static cairo_status_t
append_to_array (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
bs_report_to_pdf (BsReport  *self,
                  GError   **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;

  g_return_val_if_fail (self != NULL, NULL);

  surface = cairo_pdf_surface_create_for_stream (append_to_array, bytes, PAGE_W, PAGE_H);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, self->scenario_name);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Beacon");
  cr = cairo_create (surface);
  draw_report (self, cr);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot draw the report: %s",
                   cairo_status_to_string (status));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

gboolean
bs_report_write_pdf (BsReport    *self,
                     const char  *path,
                     GError     **error)
{
  g_autoptr(GBytes) pdf = bs_report_to_pdf (self, error);

  if (pdf == NULL)
    return FALSE;
  return g_file_set_contents (path, g_bytes_get_data (pdf, NULL), g_bytes_get_size (pdf), error);
}
