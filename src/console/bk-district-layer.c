/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-district-layer.h"
#include "bk-map-projection.h"

#include <math.h>
#include <pango/pangocairo.h>

#include "bc-geo.h"
#include "bk-districts.h"

#define LABEL_FONT "Noto Sans CJK SC, Noto Sans CJK, Sans"
/* Points closer than this (in pixels) to the last one drawn are skipped: at city zooms the
 * outlines have far more points than pixels. */
#define SIMPLIFY_PX 1.0
#define CULL_MARGIN 8.0
/* The drawing is kept as a render node this much larger than the widget on every side, so
 * that panning only moves it (the GL renderer then reuses its rasterisation); it is drawn
 * again when the view leaves it or the zoom changes. */
#define CACHE_MARGIN 256

struct _BkDistrictLayer
{
  ShumateLayer parent_instance;

  const BkDistricts *districts;  /* process-wide, never freed */
  GCancellable *cancellable;

  GskRenderNode *cache;
  double cache_cx;     /* view centre it was drawn for, normalised */
  double cache_cy;
  double cache_zoom;
  double cache_width;
  double cache_height;
  GdkRGBA cache_color;
};

G_DEFINE_FINAL_TYPE (BkDistrictLayer, bk_district_layer, SHUMATE_TYPE_LAYER)

enum {
  PROP_0,
  PROP_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- Geometry -------------------------------------------------------------------------- */

typedef BkMapProjection View;

static gboolean
view_init (BkDistrictLayer *self,
           View            *v)
{
  return bk_map_projection_init (v, SHUMATE_LAYER (self));
}

/* Whether a normalised box can reach the screen; the test is on the box around the screen's
 * corners, which is exact without rotation and generous with it. */
static gboolean
box_visible (const View *v,
             double      x0,
             double      y0,
             double      x1,
             double      y1)
{
  double corners[4][2] = { { 0, 0 }, { v->width, 0 }, { 0, v->height }, { v->width, v->height } };
  double bx0 = G_MAXDOUBLE, by0 = G_MAXDOUBLE, bx1 = -G_MAXDOUBLE, by1 = -G_MAXDOUBLE;
  double margin = CULL_MARGIN / v->world;

  for (guint i = 0; i < 4; i++)
    {
      double x, y;

      bk_map_projection_from_screen (v, corners[i][0], corners[i][1], &x, &y);
      bx0 = MIN (bx0, x);
      by0 = MIN (by0, y);
      bx1 = MAX (bx1, x);
      by1 = MAX (by1, y);
    }
  return x1 >= bx0 - margin && x0 <= bx1 + margin && y1 >= by0 - margin && y0 <= by1 + margin;
}

/* ---- Drawing --------------------------------------------------------------------------- */

static void
path_line (cairo_t              *cr,
           const View           *v,
           const BkDistricts    *districts,
           const BkDistrictLine *line)
{
  double lx = 0, ly = 0;

  for (guint i = 0; i < line->n; i++)
    {
      const BkDistrictPoint *p = &g_array_index (districts->points, BkDistrictPoint,
                                                 line->first + i);
      double sx, sy;

      bk_map_projection_to_screen (v, p->x, p->y, &sx, &sy);
      if (i == 0)
        cairo_move_to (cr, sx, sy);
      else if (i == line->n - 1 || fabs (sx - lx) + fabs (sy - ly) >= SIMPLIFY_PX)
        cairo_line_to (cr, sx, sy);
      else
        continue;
      lx = sx;
      ly = sy;
    }
}

static gboolean
is_light (const GdkRGBA *color)
{
  return 0.299 * color->red + 0.587 * color->green + 0.114 * color->blue > 0.5;
}

static void
draw_boundaries (BkDistrictLayer *self,
                 cairo_t         *cr,
                 const View      *v,
                 const GdkRGBA   *color)
{
  const BkDistricts *districts = self->districts;
  double width = v->zoom < 10.5 ? 1.2 : v->zoom < 13.5 ? 1.6 : 2.0;
  double dash[2] = { width * 4, width * 2.5 };
  gboolean any = FALSE;

  for (guint i = 0; i < districts->borders->len; i++)
    {
      const BkDistrictLine *line = &g_array_index (districts->borders, BkDistrictLine, i);

      if (box_visible (v, line->x0, line->y0, line->x1, line->y1))
        {
          path_line (cr, v, districts, line);
          any = TRUE;
        }
    }
  if (!any)
    return;

  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);

  /* A soft band under the dashes, as administrative boundaries usually have; at small scales
   * it would only blur the line. */
  if (v->zoom >= 10.5)
    {
      /* Lighter in the streets, where it crosses far more detail. */
      cairo_set_source_rgba (cr, color->red, color->green, color->blue,
                             color->alpha * (v->zoom < 13.5 ? 0.25 : 0.16));
      cairo_set_line_width (cr, width * 3.5);
      cairo_stroke_preserve (cr);
    }

  /* Bevel: at these widths it looks the same as round and strokes much faster. */
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * 0.85);
  cairo_set_line_width (cr, width);
  cairo_set_dash (cr, dash, 2, 0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
}

static void
draw_labels (BkDistrictLayer *self,
             cairo_t         *cr,
             const View      *v,
             const GdkRGBA   *color)
{
  const BkDistricts *districts = self->districts;
  gboolean small = v->zoom < 9.5;
  double size = small ? 13.0 : 16.0;
  double spacing = small ? 2.0 : 4.0;
  double halo = small ? 2.5 : 3.0;
  g_autoptr(PangoFontDescription) desc = pango_font_description_from_string (LABEL_FONT);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_font_description_set_absolute_size (desc, size * PANGO_SCALE);
  pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_attr_list_insert (attrs, pango_attr_letter_spacing_new ((int) (spacing * PANGO_SCALE)));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);

  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  for (guint i = 0; i < districts->districts->len; i++)
    {
      const BkDistrict *d = &g_array_index (districts->districts, BkDistrict, i);
      PangoRectangle logical;
      double sx, sy;

      if (d->label == NULL || d->label[0] == '\0')
        continue;
      bk_map_projection_to_screen (v, d->label_point.x, d->label_point.y, &sx, &sy);
      if (sx < -200 || sy < -50 || sx > v->width + 200 || sy > v->height + 50)
        continue;

      pango_layout_set_text (layout, d->label, -1);
      pango_layout_get_extents (layout, NULL, &logical);
      /* Letter spacing also follows the last character; centre on the characters alone. */
      cairo_move_to (cr,
                     round (sx - (logical.width / (double) PANGO_SCALE - spacing) / 2),
                     round (sy - logical.height / (double) PANGO_SCALE / 2));
      pango_cairo_layout_path (cr, layout);

      if (is_light (color))
        cairo_set_source_rgba (cr, 0.08, 0.09, 0.11, 0.75);
      else
        cairo_set_source_rgba (cr, 0.97, 0.96, 0.94, 0.85);
      cairo_set_line_width (cr, halo * 2);
      cairo_stroke_preserve (cr);
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
      cairo_fill (cr);
    }
}

static void
draw (BkDistrictLayer *self,
      cairo_t         *cr,
      const View      *v,
      const GdkRGBA   *color)
{
  draw_boundaries (self, cr, v, color);
  if (v->zoom < BK_DISTRICT_LAYER_MAX_LABEL_ZOOM + 0.5)
    draw_labels (self, cr, v, color);
}

/* Draws the view plus CACHE_MARGIN on every side into a new cairo node, in widget
 * coordinates of the view it was made for. */
static GskRenderNode *
render_node (BkDistrictLayer *self,
             const View      *v,
             const GdkRGBA   *color)
{
  View big = *v;
  GskRenderNode *node;
  cairo_t *cr;

  /* The same centre, so the same transform; only the edges move out. */
  big.width += 2 * CACHE_MARGIN;
  big.height += 2 * CACHE_MARGIN;

  node = gsk_cairo_node_new (&GRAPHENE_RECT_INIT (-CACHE_MARGIN, -CACHE_MARGIN,
                                                  big.width, big.height));
  cr = gsk_cairo_node_get_draw_context (node);
  cairo_translate (cr, -CACHE_MARGIN, -CACHE_MARGIN);
  draw (self, cr, &big, color);
  cairo_destroy (cr);
  return node;
}

static void
bk_district_layer_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  BkDistrictLayer *self = BK_DISTRICT_LAYER (widget);
  const BkDistricts *districts = self->districts;
  GdkRGBA color;
  double dx, dy;
  View v;

  if (districts == NULL || !view_init (self, &v)
      || !box_visible (&v, districts->x0, districts->y0, districts->x1, districts->y1))
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS

  /* A rotated map (never in Beacon's own views) is drawn as it is. */
  if (v.sin_r != 0.0)
    {
      cairo_t *cr = gtk_snapshot_append_cairo (snapshot,
                                               &GRAPHENE_RECT_INIT (0, 0, v.width, v.height));
      draw (self, cr, &v, &color);
      cairo_destroy (cr);
      return;
    }

  dx = round ((self->cache_cx - v.cx) * v.world);
  dy = round ((self->cache_cy - v.cy) * v.world);
  if (self->cache == NULL || self->cache_zoom != v.zoom
      || self->cache_width != v.width || self->cache_height != v.height
      || !gdk_rgba_equal (&self->cache_color, &color)
      || fabs (dx) > CACHE_MARGIN || fabs (dy) > CACHE_MARGIN)
    {
      g_clear_pointer (&self->cache, gsk_render_node_unref);
      self->cache = render_node (self, &v, &color);
      self->cache_cx = v.cx;
      self->cache_cy = v.cy;
      self->cache_zoom = v.zoom;
      self->cache_width = v.width;
      self->cache_height = v.height;
      self->cache_color = color;
      dx = dy = 0;
    }

  /* Whole pixels: the lines stay sharp while the map is dragged. */
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (dx, dy));
  gtk_snapshot_append_node (snapshot, self->cache);
  gtk_snapshot_restore (snapshot);
}

/* ---- Hit test -------------------------------------------------------------------------- */

static gboolean
ring_contains (const BkDistricts    *districts,
               const BkDistrictLine *ring,
               double                x,
               double                y)
{
  gboolean inside = FALSE;

  if (x < ring->x0 || x > ring->x1 || y < ring->y0 || y > ring->y1)
    return FALSE;

  for (guint i = 0, j = ring->n - 1; i < ring->n; j = i++)
    {
      const BkDistrictPoint *a = &g_array_index (districts->points, BkDistrictPoint, ring->first + i);
      const BkDistrictPoint *b = &g_array_index (districts->points, BkDistrictPoint, ring->first + j);

      if ((a->y > y) != (b->y > y) && x < (b->x - a->x) * (y - a->y) / (b->y - a->y) + a->x)
        inside = !inside;
    }
  return inside;
}

const char *
bk_district_layer_district_at (BkDistrictLayer *self,
                               double           x,
                               double           y)
{
  const BkDistricts *districts;
  View v;
  double mx, my;

  g_return_val_if_fail (BK_IS_DISTRICT_LAYER (self), NULL);

  districts = self->districts;
  if (districts == NULL || !view_init (self, &v))
    return NULL;
  bk_map_projection_from_screen (&v, x, y, &mx, &my);

  /* Even-odd over all of a district's rings, so that a hole is outside. */
  for (guint d = 0; d < districts->districts->len; d++)
    {
      gboolean inside = FALSE;

      for (guint i = 0; i < districts->rings->len; i++)
        {
          const BkDistrictLine *ring = &g_array_index (districts->rings, BkDistrictLine, i);

          if (ring->district == d && ring_contains (districts, ring, mx, my))
            inside = !inside;
        }
      if (inside)
        return g_array_index (districts->districts, BkDistrict, d).label;
    }
  return NULL;
}

/* ---- Loading --------------------------------------------------------------------------- */

static void
load_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;
  const BkDistricts *districts = bk_districts_get_default (&error);

  if (districts == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, (gpointer) districts, NULL);
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  BkDistrictLayer *self = BK_DISTRICT_LAYER (object);
  g_autoptr(GError) error = NULL;
  const BkDistricts *districts = g_task_propagate_pointer (G_TASK (result), &error);

  if (districts == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("No district boundaries on the map: %s", error->message);
      return;
    }

  self->districts = districts;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

/* ---- Class ----------------------------------------------------------------------------- */

static void
on_viewport_notify (BkDistrictLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
bk_district_layer_css_changed (GtkWidget         *widget,
                               GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (bk_district_layer_parent_class)->css_changed (widget, change);

  /* The colour is drawn by hand, so GTK does not know that it matters. */
  gtk_widget_queue_draw (widget);
}

static void
bk_district_layer_constructed (GObject *object)
{
  BkDistrictLayer *self = BK_DISTRICT_LAYER (object);
  ShumateViewport *viewport;
  g_autoptr(GTask) task = NULL;

  G_OBJECT_CLASS (bk_district_layer_parent_class)->constructed (object);

  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  if (viewport != NULL)
    g_signal_connect_object (viewport, "notify", G_CALLBACK (on_viewport_notify), self,
                             G_CONNECT_SWAPPED);

  task = g_task_new (self, self->cancellable, load_done_cb, NULL);
  g_task_set_source_tag (task, bk_district_layer_constructed);
  g_task_run_in_thread (task, load_in_thread);
}

static void
bk_district_layer_dispose (GObject *object)
{
  BkDistrictLayer *self = BK_DISTRICT_LAYER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->cache, gsk_render_node_unref);

  G_OBJECT_CLASS (bk_district_layer_parent_class)->dispose (object);
}

static void
bk_district_layer_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BkDistrictLayer *self = BK_DISTRICT_LAYER (object);

  switch (prop_id)
    {
    case PROP_LOADED:
      g_value_set_boolean (value, self->districts != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_district_layer_class_init (BkDistrictLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = bk_district_layer_constructed;
  object_class->dispose = bk_district_layer_dispose;
  object_class->get_property = bk_district_layer_get_property;

  widget_class->snapshot = bk_district_layer_snapshot;
  widget_class->css_changed = bk_district_layer_css_changed;

  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "bk-district-layer");
}

static void
bk_district_layer_init (BkDistrictLayer *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  gtk_widget_set_can_focus (GTK_WIDGET (self), FALSE);
}

BkDistrictLayer *
bk_district_layer_new (ShumateViewport *viewport)
{
  g_return_val_if_fail (SHUMATE_IS_VIEWPORT (viewport), NULL);

  return g_object_new (BK_TYPE_DISTRICT_LAYER, "viewport", viewport, NULL);
}

gboolean
bk_district_layer_get_loaded (BkDistrictLayer *self)
{
  g_return_val_if_fail (BK_IS_DISTRICT_LAYER (self), FALSE);

  return self->districts != NULL;
}
