/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-chart"

#include "config.h"

#include "bk-chart.h"

#include <math.h>
#include <cairo-pdf.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

/* Charts are drawn with cairo so the same code paints the screen, the PNG and the PDF export;
 * the wall display only changes `scale` so type and strokes stay readable from across a room. */

struct _BkChart
{
  GtkWidget    parent_instance;

  BkChartKind  kind;
  GArray      *values;     /* double */
  GArray      *previous;   /* double, optional comparison series */
  GPtrArray   *labels;     /* char *, may be shorter than values */
  char        *title;
  double       scale;
  /* Additions for the analysis view; unset, the chart draws as before. */
  char        *legend_current;
  char        *legend_previous;
  gboolean     grouped;    /* BK_CHART_BAR: previous as a pale bar beside each bar */
};

G_DEFINE_FINAL_TYPE (BkChart, bk_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SCALE,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  double x, y, w, h;
} Plot;

typedef struct
{
  GdkRGBA fg;
  gboolean opaque_background;
} Palette;

static const GdkRGBA series_color = { 0.20, 0.52, 0.89, 1.0 };
static const GdkRGBA previous_color = { 0.60, 0.60, 0.60, 1.0 };

static double
nice_step (double raw)
{
  double mag, norm;

  if (raw <= 0)
    return 1;
  mag = pow (10, floor (log10 (raw)));
  norm = raw / mag;
  if (norm <= 1)
    return mag;
  if (norm <= 2)
    return 2 * mag;
  if (norm <= 5)
    return 5 * mag;
  return 10 * mag;
}

static double
series_max (GArray *a)
{
  double m = 0;

  for (guint i = 0; a != NULL && i < a->len; i++)
    m = MAX (m, g_array_index (a, double, i));
  return m;
}

/**
 * bk_chart_get_axis_max:
 *
 * Returns: the value at the top of the y axis: the larger series' maximum rounded up to a
 * 1/2/5 step, so the tick labels are round numbers.
 */
double
bk_chart_get_axis_max (BkChart *self)
{
  double m, step;

  g_return_val_if_fail (BK_IS_CHART (self), 1);

  m = MAX (series_max (self->values), series_max (self->previous));
  if (m <= 0)
    return 1;
  step = nice_step (m / 4);
  return ceil (m / step) * step;
}

static Plot
compute_plot (BkChart *self,
              double   width,
              double   height)
{
  double s = self->scale;
  double top = (self->title != NULL || self->legend_current != NULL ? 34 : 10) * s;
  Plot p;

  if (self->kind == BK_CHART_HOUR_STRIP)
    {
      p.x = 8 * s;
      p.w = width - 16 * s;
      p.y = top;
      p.h = height - top - 26 * s;
    }
  else
    {
      p.x = 52 * s;
      p.w = width - p.x - 14 * s;
      p.y = top;
      p.h = height - top - 30 * s;
    }
  p.w = MAX (p.w, 1);
  p.h = MAX (p.h, 1);
  return p;
}

gboolean
bk_chart_get_bar_rect (BkChart         *self,
                       guint            index,
                       double           width,
                       double           height,
                       graphene_rect_t *rect)
{
  Plot p;
  double slot, v, axis;

  g_return_val_if_fail (BK_IS_CHART (self), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);

  if (index >= self->values->len)
    return FALSE;

  p = compute_plot (self, width, height);
  slot = p.w / self->values->len;
  v = MAX (g_array_index (self->values, double, index), 0);
  axis = bk_chart_get_axis_max (self);

  switch (self->kind)
    {
    case BK_CHART_BAR:
      {
        double bh = v / axis * p.h;

        /* Grouped: the previous period's bar on the left half, this one on the right. */
        if (self->grouped)
          graphene_rect_init (rect, p.x + index * slot + slot * 0.5, p.y + p.h - bh,
                              slot * 0.36, bh);
        else
          graphene_rect_init (rect, p.x + index * slot + slot * 0.15, p.y + p.h - bh,
                              slot * 0.7, bh);
      }
      break;
    case BK_CHART_LINE:
      {
        /* A point of the line: x at the slot's centre, the rect reaches down to the axis. */
        double px = self->values->len > 1
                    ? p.x + p.w * index / (self->values->len - 1) : p.x + p.w / 2;
        double bh = v / axis * p.h;
        graphene_rect_init (rect, px, p.y + p.h - bh, 0, bh);
      }
      break;
    case BK_CHART_HOUR_STRIP:
      graphene_rect_init (rect, p.x + index * slot, p.y, slot, p.h);
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static void
draw_text (cairo_t       *cr,
           BkChart       *self,
           const char    *text,
           double         size_pt,
           gboolean       bold,
           double         x,
           double         y,
           double         xalign,
           double         yalign)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) desc = pango_font_description_new ();
  int tw, th;

  pango_font_description_set_family (desc, "Sans");
  pango_font_description_set_absolute_size (desc, size_pt * self->scale * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  /* The first and last axis labels are centred on the plot's ends: keep them inside. */
  {
    double x1, y1, x2, y2, left = x - tw * xalign;

    cairo_clip_extents (cr, &x1, &y1, &x2, &y2);
    if (x2 - x1 >= tw)
      left = CLAMP (left, x1, x2 - tw);
    cairo_move_to (cr, left, y - th * yalign);
  }
  pango_cairo_show_layout (cr, layout);
}

static const char *
label_at (BkChart *self,
          guint    i)
{
  if (i < self->labels->len)
    return g_ptr_array_index (self->labels, i);
  return NULL;
}

static void
draw_axes (BkChart       *self,
           cairo_t       *cr,
           const Plot    *p,
           const Palette *pal)
{
  double axis = bk_chart_get_axis_max (self);
  double step = nice_step (axis / 4);
  double s = self->scale;

  cairo_set_line_width (cr, 1 * s);
  for (double t = 0; t <= axis + step / 2; t += step)
    {
      double y = p->y + p->h - t / axis * p->h;
      char buf[32];

      cairo_set_source_rgba (cr, pal->fg.red, pal->fg.green, pal->fg.blue, t == 0 ? 0.6 : 0.15);
      cairo_move_to (cr, p->x, round (y) + 0.5);
      cairo_line_to (cr, p->x + p->w, round (y) + 0.5);
      cairo_stroke (cr);

      g_snprintf (buf, sizeof buf, "%g", t);
      gdk_cairo_set_source_rgba (cr, &pal->fg);
      draw_text (cr, self, buf, 11, FALSE, p->x - 6 * s, y, 1.0, 0.5);
    }
}

static void
draw_x_labels (BkChart       *self,
               cairo_t       *cr,
               const Plot    *p,
               const Palette *pal,
               gboolean       centred_in_slots)
{
  guint n = self->values->len;
  /* Thin out labels so they never overlap: about one per 48 px at scale 1, or more when the
   * widest label needs it. */
  guint every = MAX (1, (guint) ceil (n * 48 * self->scale / p->w));
  double widest = 0;

  for (guint i = 0; i < n; i++)
    {
      const char *l = label_at (self, i);
      g_autoptr(PangoLayout) layout = NULL;
      g_autoptr(PangoFontDescription) desc = NULL;
      int tw, th;

      if (l == NULL)
        continue;
      layout = pango_cairo_create_layout (cr);
      desc = pango_font_description_new ();
      pango_font_description_set_family (desc, "Sans");
      pango_font_description_set_absolute_size (desc, 11 * self->scale * PANGO_SCALE);
      pango_layout_set_font_description (layout, desc);
      pango_layout_set_text (layout, l, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      widest = MAX (widest, tw);
    }
  if (widest > 0)
    every = MAX (every, (guint) ceil (n * (widest + 8 * self->scale) / p->w));

  gdk_cairo_set_source_rgba (cr, &pal->fg);
  for (guint i = 0; i < n; i += every)
    {
      const char *l = label_at (self, i);
      double x;

      if (l == NULL)
        continue;
      if (centred_in_slots || n < 2)
        x = p->x + p->w * (i + 0.5) / n;
      else
        x = p->x + p->w * i / (n - 1);
      draw_text (cr, self, l, 11, FALSE, x, p->y + p->h + 6 * self->scale, 0.5, 0.0);
    }
}

static void
draw_line_series (BkChart       *self,
                  cairo_t       *cr,
                  const Plot    *p,
                  GArray        *series,
                  const GdkRGBA *color,
                  gboolean       dashed,
                  gboolean       centred_in_slots)
{
  double axis = bk_chart_get_axis_max (self);
  guint n = self->values->len;

  if (series == NULL || series->len == 0 || n == 0)
    return;

  cairo_save (cr);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, (dashed ? 2 : 3) * self->scale);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  if (dashed)
    {
      double d[] = { 6 * self->scale, 4 * self->scale };
      cairo_set_dash (cr, d, 2, 0);
    }
  for (guint i = 0; i < series->len && i < MAX (n, series->len); i++)
    {
      double x = centred_in_slots || n < 2 ? p->x + p->w * (i + 0.5) / n
                                           : p->x + p->w * i / (n - 1);
      double y = p->y + p->h - MAX (g_array_index (series, double, i), 0) / axis * p->h;

      if (x > p->x + p->w + 0.5)
        break;
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_legend (BkChart       *self,
             cairo_t       *cr,
             double         width,
             const Palette *pal)
{
  double s = self->scale;
  double x = width - 8 * s;
  const char *labels[2] = { self->legend_previous, self->legend_current };
  const GdkRGBA *colors[2] = { &previous_color, &series_color };

  /* Right-aligned, previous period rightmost-but-one, so the current one reads first. */
  for (int i = 0; i < 2; i++)
    {
      g_autoptr(PangoLayout) layout = NULL;
      g_autoptr(PangoFontDescription) desc = NULL;
      int tw, th;
      double y = 14 * s;

      if (labels[i] == NULL)
        continue;
      layout = pango_cairo_create_layout (cr);
      desc = pango_font_description_new ();
      pango_font_description_set_family (desc, "Sans");
      pango_font_description_set_absolute_size (desc, 11 * s * PANGO_SCALE);
      pango_layout_set_font_description (layout, desc);
      pango_layout_set_text (layout, labels[i], -1);
      pango_layout_get_pixel_size (layout, &tw, &th);

      x -= tw;
      gdk_cairo_set_source_rgba (cr, &pal->fg);
      cairo_move_to (cr, x, y - th / 2.0);
      pango_cairo_show_layout (cr, layout);
      x -= 6 * s;
      cairo_save (cr);
      gdk_cairo_set_source_rgba (cr, colors[i]);
      if (self->kind == BK_CHART_LINE || (self->kind == BK_CHART_BAR && !self->grouped && i == 0))
        {
          cairo_set_line_width (cr, (i == 0 ? 2 : 3) * s);
          if (i == 0)
            {
              double d[] = { 4 * s, 3 * s };
              cairo_set_dash (cr, d, 2, 0);
            }
          cairo_move_to (cr, x - 18 * s, y);
          cairo_line_to (cr, x, y);
          cairo_stroke (cr);
          x -= 18 * s;
        }
      else
        {
          cairo_rectangle (cr, x - 10 * s, y - 5 * s, 10 * s, 10 * s);
          cairo_fill (cr);
          x -= 10 * s;
        }
      cairo_restore (cr);
      x -= 14 * s;
    }
}

static void
draw_with_palette (BkChart       *self,
                   cairo_t       *cr,
                   double         width,
                   double         height,
                   const Palette *pal)
{
  Plot p = compute_plot (self, width, height);
  guint n = self->values->len;

  cairo_save (cr);
  if (pal->opaque_background)
    {
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_paint (cr);
    }

  if (self->title != NULL)
    {
      gdk_cairo_set_source_rgba (cr, &pal->fg);
      draw_text (cr, self, self->title, 15, TRUE, 8 * self->scale, 6 * self->scale, 0, 0);
    }
  if (self->legend_current != NULL && n > 0)
    draw_legend (self, cr, width, pal);

  if (n == 0)
    {
      gdk_cairo_set_source_rgba (cr, &pal->fg);
      draw_text (cr, self, _("No data"), 14, FALSE, width / 2, height / 2, 0.5, 0.5);
      cairo_restore (cr);
      return;
    }

  switch (self->kind)
    {
    case BK_CHART_BAR:
      draw_axes (self, cr, &p, pal);
      if (self->grouped && self->previous != NULL)
        {
          double axis = bk_chart_get_axis_max (self);
          double slot = p.w / n;

          gdk_cairo_set_source_rgba (cr, &previous_color);
          for (guint i = 0; i < n && i < self->previous->len; i++)
            {
              double bh = MAX (g_array_index (self->previous, double, i), 0) / axis * p.h;
              cairo_rectangle (cr, p.x + i * slot + slot * 0.14, p.y + p.h - bh, slot * 0.36, bh);
            }
          cairo_fill (cr);
        }
      gdk_cairo_set_source_rgba (cr, &series_color);
      for (guint i = 0; i < n; i++)
        {
          graphene_rect_t r;

          bk_chart_get_bar_rect (self, i, width, height, &r);
          cairo_rectangle (cr, r.origin.x, r.origin.y, r.size.width, r.size.height);
        }
      cairo_fill (cr);
      if (!self->grouped)
        draw_line_series (self, cr, &p, self->previous, &previous_color, TRUE, TRUE);
      draw_x_labels (self, cr, &p, pal, TRUE);
      break;

    case BK_CHART_LINE:
      draw_axes (self, cr, &p, pal);
      draw_line_series (self, cr, &p, self->previous, &previous_color, TRUE, FALSE);
      draw_line_series (self, cr, &p, self->values, &series_color, FALSE, FALSE);
      draw_x_labels (self, cr, &p, pal, FALSE);
      break;

    case BK_CHART_HOUR_STRIP:
      {
        double m = MAX (series_max (self->values), 1);

        for (guint i = 0; i < n; i++)
          {
            graphene_rect_t r;
            double v = g_array_index (self->values, double, i);

            bk_chart_get_bar_rect (self, i, width, height, &r);
            cairo_set_source_rgba (cr, 0.93, 0.33, 0.20, 0.08 + 0.92 * MAX (v, 0) / m);
            cairo_rectangle (cr, r.origin.x + 1, r.origin.y, r.size.width - 2, r.size.height);
            cairo_fill (cr);
          }
        draw_x_labels (self, cr, &p, pal, TRUE);
      }
      break;

    default:
      g_assert_not_reached ();
    }
  cairo_restore (cr);
}

/**
 * bk_chart_draw:
 *
 * Paints the chart for an export: opaque white page, dark text.
 */
void
bk_chart_draw (BkChart *self,
               cairo_t *cr,
               double   width,
               double   height)
{
  Palette pal = { { 0.1, 0.1, 0.1, 1 }, TRUE };

  g_return_if_fail (BK_IS_CHART (self));
  draw_with_palette (self, cr, width, height, &pal);
}

gboolean
bk_chart_export_png (BkChart     *self,
                     const char  *path,
                     int          width,
                     int          height,
                     GError     **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;

  g_return_val_if_fail (BK_IS_CHART (self), FALSE);
  g_return_val_if_fail (path != NULL && width > 0 && height > 0, FALSE);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  bk_chart_draw (self, cr, width, height);
  cairo_destroy (cr);
  status = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”: %s"),
                   path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

gboolean
bk_chart_export_pdf (BkChart     *self,
                     const char  *path,
                     double       width_pt,
                     double       height_pt,
                     GError     **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;

  g_return_val_if_fail (BK_IS_CHART (self), FALSE);
  g_return_val_if_fail (path != NULL && width_pt > 0 && height_pt > 0, FALSE);

  surface = cairo_pdf_surface_create (path, width_pt, height_pt);
  cr = cairo_create (surface);
  bk_chart_draw (self, cr, width_pt, height_pt);
  cairo_show_page (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”: %s"),
                   path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

static void
bk_chart_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  BkChart *self = BK_CHART (widget);
  int w = gtk_widget_get_width (widget);
  int h = gtk_widget_get_height (widget);
  Palette pal = { { 0 }, FALSE };
  cairo_t *cr;

  if (w <= 0 || h <= 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &pal.fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  draw_with_palette (self, cr, w, h, &pal);
  cairo_destroy (cr);
}

static void
bk_chart_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  BkChart *self = BK_CHART (widget);
  int base = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 120;

  if (self->kind == BK_CHART_HOUR_STRIP && orientation == GTK_ORIENTATION_VERTICAL)
    base = 72;
  *minimum = base * self->scale;
  *natural = *minimum;
}

static void
bk_chart_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  BkChart *self = BK_CHART (object);

  switch (prop_id)
    {
    case PROP_SCALE:
      g_value_set_double (value, self->scale);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_chart_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  BkChart *self = BK_CHART (object);

  switch (prop_id)
    {
    case PROP_SCALE:
      bk_chart_set_scale (self, g_value_get_double (value));
      break;
    case PROP_TITLE:
      bk_chart_set_title (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_chart_finalize (GObject *object)
{
  BkChart *self = BK_CHART (object);

  g_clear_pointer (&self->values, g_array_unref);
  g_clear_pointer (&self->previous, g_array_unref);
  g_clear_pointer (&self->labels, g_ptr_array_unref);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->legend_current, g_free);
  g_clear_pointer (&self->legend_previous, g_free);

  G_OBJECT_CLASS (bk_chart_parent_class)->finalize (object);
}

static void
bk_chart_class_init (BkChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = bk_chart_finalize;
  object_class->get_property = bk_chart_get_property;
  object_class->set_property = bk_chart_set_property;
  widget_class->snapshot = bk_chart_snapshot;
  widget_class->measure = bk_chart_measure;

  properties[PROP_SCALE] =
    g_param_spec_double ("scale", NULL, NULL, 0.25, 8.0, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "bk-chart");
}

static void
bk_chart_init (BkChart *self)
{
  self->values = g_array_new (FALSE, FALSE, sizeof (double));
  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->scale = 1.0;
}

GtkWidget *
bk_chart_new (BkChartKind kind)
{
  BkChart *self = g_object_new (BK_TYPE_CHART, NULL);

  self->kind = kind;
  return GTK_WIDGET (self);
}

BkChartKind
bk_chart_get_kind (BkChart *self)
{
  g_return_val_if_fail (BK_IS_CHART (self), BK_CHART_BAR);
  return self->kind;
}

void
bk_chart_set_values (BkChart            *self,
                     const double       *values,
                     guint               n_values,
                     const char * const *labels)
{
  g_return_if_fail (BK_IS_CHART (self));
  g_return_if_fail (values != NULL || n_values == 0);

  g_array_set_size (self->values, 0);
  g_array_append_vals (self->values, values, n_values);
  g_ptr_array_set_size (self->labels, 0);
  for (guint i = 0; labels != NULL && i < n_values && labels[i] != NULL; i++)
    g_ptr_array_add (self->labels, g_strdup (labels[i]));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
bk_chart_set_previous (BkChart      *self,
                       const double *values,
                       guint         n_values)
{
  g_return_if_fail (BK_IS_CHART (self));

  g_clear_pointer (&self->previous, g_array_unref);
  if (values != NULL && n_values > 0)
    {
      self->previous = g_array_sized_new (FALSE, FALSE, sizeof (double), n_values);
      g_array_append_vals (self->previous, values, n_values);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
bk_chart_get_n_values (BkChart *self)
{
  g_return_val_if_fail (BK_IS_CHART (self), 0);
  return self->values->len;
}

void
bk_chart_set_title (BkChart    *self,
                    const char *title)
{
  g_return_if_fail (BK_IS_CHART (self));

  if (g_strcmp0 (self->title, title) == 0)
    return;
  g_free (self->title);
  self->title = g_strdup (title);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

double
bk_chart_get_scale (BkChart *self)
{
  g_return_val_if_fail (BK_IS_CHART (self), 1.0);
  return self->scale;
}

void
bk_chart_set_scale (BkChart *self,
                    double   scale)
{
  g_return_if_fail (BK_IS_CHART (self));
  g_return_if_fail (scale > 0);

  if (self->scale == scale)
    return;
  self->scale = scale;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE]);
}

/**
 * bk_chart_set_legend:
 * @current: (nullable): the name of the main series, e.g. "This period"; NULL: no legend
 * @previous: (nullable): the name of the comparison series
 *
 * Shows a legend in the top right corner, with the series' colours and styles.
 */
void
bk_chart_set_legend (BkChart    *self,
                     const char *current,
                     const char *previous)
{
  g_return_if_fail (BK_IS_CHART (self));

  g_free (self->legend_current);
  g_free (self->legend_previous);
  self->legend_current = g_strdup (current);
  self->legend_previous = current != NULL ? g_strdup (previous) : NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * bk_chart_set_grouped:
 *
 * For a BK_CHART_BAR chart: draws the previous series as bars beside the current ones (a
 * comparison of categories) instead of a dashed line across them (a comparison over time).
 * bk_chart_get_bar_rect() then gives the current series' (narrower) bar.
 */
void
bk_chart_set_grouped (BkChart  *self,
                      gboolean  grouped)
{
  g_return_if_fail (BK_IS_CHART (self));

  self->grouped = !!grouped;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
bk_chart_get_grouped (BkChart *self)
{
  g_return_val_if_fail (BK_IS_CHART (self), FALSE);
  return self->grouped;
}
