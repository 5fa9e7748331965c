/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-point-layer.h"
#include "bk-map-projection.h"

#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>

#include "bc-geo.h"

G_DEFINE_ENUM_TYPE (BkPointKind, bk_point_kind,
                    G_DEFINE_ENUM_VALUE (BK_POINT_KIND_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (BK_POINT_KIND_CAMERA, "camera"),
                    G_DEFINE_ENUM_VALUE (BK_POINT_KIND_CLUSTER, "cluster"),
                    G_DEFINE_ENUM_VALUE (BK_POINT_KIND_INCIDENT, "incident"),
                    G_DEFINE_ENUM_VALUE (BK_POINT_KIND_UNIT, "unit"))

G_DEFINE_ENUM_TYPE (BkUnitStatus, bk_unit_status,
                    G_DEFINE_ENUM_VALUE (BK_UNIT_STATUS_AVAILABLE, "available"),
                    G_DEFINE_ENUM_VALUE (BK_UNIT_STATUS_DISPATCHED, "dispatched"),
                    G_DEFINE_ENUM_VALUE (BK_UNIT_STATUS_EN_ROUTE, "en_route"),
                    G_DEFINE_ENUM_VALUE (BK_UNIT_STATUS_ON_SCENE, "on_scene"),
                    G_DEFINE_ENUM_VALUE (BK_UNIT_STATUS_OFF_DUTY, "off_duty"))

G_DEFINE_ENUM_TYPE (BkIncidentStatus, bk_incident_status,
                    G_DEFINE_ENUM_VALUE (BK_INCIDENT_STATUS_NEW, "new"),
                    G_DEFINE_ENUM_VALUE (BK_INCIDENT_STATUS_DISPATCHED, "dispatched"),
                    G_DEFINE_ENUM_VALUE (BK_INCIDENT_STATUS_EN_ROUTE, "en_route"),
                    G_DEFINE_ENUM_VALUE (BK_INCIDENT_STATUS_ON_SCENE, "on_scene"),
                    G_DEFINE_ENUM_VALUE (BK_INCIDENT_STATUS_CLOSED, "closed"),
                    G_DEFINE_ENUM_VALUE (BK_INCIDENT_STATUS_CANCELLED, "cancelled"))

G_DEFINE_ENUM_TYPE (BkCameraKind, bk_camera_kind,
                    G_DEFINE_ENUM_VALUE (BK_CAMERA_KIND_DOME, "dome"),
                    G_DEFINE_ENUM_VALUE (BK_CAMERA_KIND_BULLET, "bullet"),
                    G_DEFINE_ENUM_VALUE (BK_CAMERA_KIND_CHECKPOINT, "checkpoint"))

#define N_UNIT_STATUSES     (BK_UNIT_STATUS_OFF_DUTY + 1)
#define N_CAMERA_KINDS      (BK_CAMERA_KIND_CHECKPOINT + 1)
#define N_PRIORITIES        4
#define N_AGE_STEPS         13        /* 0 … 12 twelfths of the ring */
#define AGE_STEP_US         (5 * 60 * G_USEC_PER_SEC)  /* the ring fills in an hour */
#define MAX_ZOOM_LEVELS     32

/* Sizes in logical pixels. */
#define CAMERA_DOT          6.0   /* coloured square, inside a white one 2 px larger */
#define CAMERA_HIT          8.0
#define INCIDENT_SIZE       40.0
#define INCIDENT_HIT        12.0
#define PULSE_SIZE          32.0
#define UNIT_SIZE           25.0
#define UNIT_ARROW_SIZE     16.0      /* the texture; the arrow sits ARROW_OFFSET from the centre */
#define ARROW_OFFSET        15.5
#define UNIT_HIT            13.0
#define HALO_SIZE           46.0
#define UNIT_DOT_SIZE       12.0
#define UNIT_DOT_HIT        8.0
/* Below this zoom the city is a few hundred pixels wide: units become dots and incidents
 * shrink, so that a whole city's worth does not pile up into one blot. */
#define COMPACT_ZOOM        13.0
#define COMPACT_SCALE       0.7
#define CULL_MARGIN         48.0

/* Cameras are bucketed at this level for culling and counting (cells of about 500 m here). */
#define GRID_LEVEL          16
/* More cameras than this in view are clustered at any zoom: a screen of thousands of dots is
 * unreadable, and drawing them would cost frames. */
#define MAX_INDIVIDUAL_CAMERAS 3000
#define N_PULSE_STEPS       8
#define N_HEADINGS          24        /* arrows in 15° steps */
/* Cluster cells are half a tile: 128 px at the zoom they are built for. */
#define CLUSTER_LEVEL_SHIFT 1
#define CLUSTER_MERGE_PX    64.0

#define DEFAULT_CLUSTER_ZOOM 15
#define MAX_CLUSTER_ZOOM     24
#define LABEL_MIN_ZOOM       15.0

#define PULSE_PERIOD_US      (1600 * 1000)
/* Idle time left after each painted frame before the pulse asks for the next one. */
#define PULSE_GAP_US         (40 * 1000)

typedef struct
{
  double x;           /* normalised Web Mercator */
  double y;
  const char *id;     /* in BkPointLayer.strings */
  const char *name;
  guint8 kind;
  guint8 online;
} Camera;

typedef struct
{
  double x;
  double y;
  guint count;
  guint camera;       /* a member; the only one when count == 1 */
} Cluster;

typedef struct
{
  guint64 key;        /* GRID_LEVEL cell: row << 32 | column */
  guint index;
} GridEntry;

typedef struct
{
  gint64 id;
  double x;
  double y;
  double heading;
  BkUnitStatus status;
  char *call_sign;
  gint64 incident_id;
  GdkTexture *label;  /* the call sign, made when first shown */
} Unit;

typedef struct
{
  gint64 id;
  double x;
  double y;
  int priority;
  BkIncidentStatus status;
  gint64 created_at;
  gboolean overdue;
  char *number;
} Incident;

struct _BkPointLayer
{
  ShumateLayer parent_instance;

  GArray *cameras;            /* Camera */
  GStringChunk *strings;      /* camera ids and names */
  GHashTable *camera_ids;     /* id -> index + 1 */
  GArray *grid;               /* GridEntry, sorted by key */
  GArray *clusters[MAX_ZOOM_LEVELS];  /* per integer zoom, built on first use */

  GHashTable *units;          /* gint64* -> Unit* */
  GHashTable *incidents;      /* gint64* -> Incident* */
  guint n_new_incidents;

  BkPointKind selection_kind;
  gint64 selection_id;
  char *selection_camera;

  BkPointKind press_kind;
  gint64 press_id;
  char *press_camera;

  gboolean show_cameras;
  gboolean show_incidents;
  gboolean show_units;
  int cluster_zoom;

  /* Symbols, drawn once per scale factor. */
  int texture_scale;
  GdkTexture *unit_textures[N_UNIT_STATUSES];
  GdkTexture *unit_dot_textures[N_UNIT_STATUSES];
  /* [status][heading step]: pre-rotated, since a rotated texture is slow on cairo. */
  GdkTexture *arrow_textures[N_UNIT_STATUSES][N_HEADINGS];
  /* [priority][overdue][finished][age]: closed and cancelled incidents are drawn faded,
   * with the alpha in the texture (opacity nodes are costly on the cairo renderer). */
  GdkTexture *incident_textures[N_PRIORITIES][2][2][N_AGE_STEPS];
  GdkTexture *pulse_textures[N_PRIORITIES][N_PULSE_STEPS];
  GdkTexture *halo_texture;
  GHashTable *cluster_textures;  /* count -> GdkTexture */

  guint tick_id;
  guint age_timeout_id;
  GdkFrameClock *frame_clock;   /* connected to while mapped */
  gint64 last_paint_end;
};

G_DEFINE_FINAL_TYPE (BkPointLayer, bk_point_layer, SHUMATE_TYPE_LAYER)

enum
{
  PROP_0,
  PROP_SHOW_CAMERAS,
  PROP_SHOW_INCIDENTS,
  PROP_SHOW_UNITS,
  PROP_CLUSTER_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  OBJECT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Colours --------------------------------------------------------------------------- */

typedef struct
{
  double r, g, b;
} Rgb;

#define RGB(hex) { ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex) & 0xff) / 255.0 }

static const Rgb priority_colors[N_PRIORITIES] = {
  RGB (0xd93025),  /* P1 red */
  RGB (0xf07d00),  /* P2 orange */
  RGB (0xf2b400),  /* P3 amber */
  RGB (0x3d7cc9),  /* P4 blue */
};

static const Rgb unit_colors[N_UNIT_STATUSES] = {
  RGB (0x188038),  /* available: green */
  RGB (0x8430ce),  /* dispatched: purple */
  RGB (0x0b57d0),  /* en route: blue */
  RGB (0x00897b),  /* on scene: teal */
  RGB (0x80868b),  /* off duty: grey */
};

/* [kind][online] */
static const GdkRGBA camera_colors[N_CAMERA_KINDS][2] = {
  { { 0.65, 0.69, 0.72, 1 }, { 0.31, 0.44, 0.54, 1 } },  /* dome: slate */
  { { 0.65, 0.69, 0.72, 1 }, { 0.31, 0.44, 0.54, 1 } },  /* bullet: slate */
  { { 0.65, 0.69, 0.72, 1 }, { 0.42, 0.35, 0.55, 1 } },  /* checkpoint (ANPR): violet */
};
static const GdkRGBA camera_outline = { 1, 1, 1, 0.9 };
static const Rgb cluster_color = RGB (0x37556e);
static const Rgb overdue_color = RGB (0xc5221f);
static const Rgb age_color = RGB (0x4a4f55);
static const Rgb halo_color = RGB (0x00a8e8);

static void
set_rgba (cairo_t   *cr,
          const Rgb *c,
          double     alpha)
{
  cairo_set_source_rgba (cr, c->r, c->g, c->b, alpha);
}

/* ---- Textures -------------------------------------------------------------------------- */

typedef void (*DrawFunc) (cairo_t *cr, double size, gconstpointer data);

static GdkTexture *
texture_new (double        width,
             double        height,
             int           scale,
             DrawFunc      draw,
             gconstpointer data)
{
  int w = (int) ceil (width * scale), h = (int) ceil (height * scale);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(GBytes) bytes = NULL;
  GdkTexture *texture;

  cairo_scale (cr, scale, scale);
  draw (cr, width, data);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  /* Cairo's ARGB32 is premultiplied in native byte order, which is GDK_MEMORY_DEFAULT. */
  bytes = g_bytes_new (cairo_image_surface_get_data (surface),
                       (gsize) cairo_image_surface_get_stride (surface) * h);
  texture = gdk_memory_texture_new (w, h, GDK_MEMORY_DEFAULT, bytes,
                                    cairo_image_surface_get_stride (surface));
  cairo_surface_destroy (surface);
  return texture;
}

static void
show_centered_text (cairo_t    *cr,
                    const char *text,
                    double      px,
                    gboolean    bold,
                    double      cx,
                    double      cy)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) desc = pango_font_description_from_string ("Noto Sans CJK SC, Sans");
  PangoRectangle ink, logical;

  pango_font_description_set_absolute_size (desc, px * PANGO_SCALE);
  pango_font_description_set_weight (desc, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_extents (layout, &ink, &logical);
  /* Centre the ink for digits and glyphs, which is what the eye centres. */
  cairo_move_to (cr, cx - ink.x - ink.width / 2.0, cy - ink.y - ink.height / 2.0);
  pango_cairo_show_layout (cr, layout);
}

static void
draw_cluster (cairo_t       *cr,
              double         size,
              gconstpointer  data)
{
  guint count = GPOINTER_TO_UINT (data);
  char text[16];
  double c = size / 2;

  g_snprintf (text, sizeof text, "%u", count);

  cairo_arc (cr, c, c, c - 0.5, 0, 2 * G_PI);
  set_rgba (cr, &cluster_color, 0.18);
  cairo_fill (cr);
  cairo_arc (cr, c, c, c - 4.5, 0, 2 * G_PI);
  set_rgba (cr, &cluster_color, 0.82);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);

  cairo_set_source_rgb (cr, 1, 1, 1);
  show_centered_text (cr, text, count >= 10000 ? 9.5 : count >= 1000 ? 10.5 : 11.0, TRUE, c, c);
}

static double
cluster_size (guint count)
{
  if (count < 10)
    return 26;
  if (count < 100)
    return 30;
  if (count < 1000)
    return 36;
  return 44;
}

typedef struct
{
  int priority;      /* 0-based */
  gboolean overdue;
  gboolean finished;
  int age_step;
} IncidentLook;

static void
draw_incident (cairo_t       *cr,
               double         size,
               gconstpointer  data)
{
  const IncidentLook *look = data;
  const Rgb *color = &priority_colors[look->priority];
  double c = size / 2;
  char digit[2] = { (char) ('1' + look->priority), '\0' };

  if (look->finished)
    cairo_push_group (cr);

  /* Overdue: a red outer ring that cannot be missed. */
  if (look->overdue)
    {
      cairo_arc (cr, c, c, 17.5, 0, 2 * G_PI);
      set_rgba (cr, &overdue_color, 0.25);
      cairo_fill (cr);
      cairo_arc (cr, c, c, 17.0, 0, 2 * G_PI);
      set_rgba (cr, &overdue_color, 1.0);
      cairo_set_line_width (cr, 2.5);
      cairo_stroke (cr);
    }

  /* Age: a ring filling clockwise from twelve o'clock, a twelfth every five minutes. */
  cairo_arc (cr, c, c, 12.5, 0, 2 * G_PI);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.85);
  cairo_set_line_width (cr, 4.5);
  cairo_stroke (cr);
  if (look->age_step > 0)
    {
      cairo_arc (cr, c, c, 12.5, -G_PI / 2, -G_PI / 2 + 2 * G_PI * look->age_step / 12.0);
      if (look->overdue)
        set_rgba (cr, &overdue_color, 1.0);
      else
        set_rgba (cr, &age_color, 0.85);
      cairo_set_line_width (cr, 3.0);
      cairo_stroke (cr);
    }

  cairo_arc (cr, c, c, 9.0, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  cairo_arc (cr, c, c, 7.6, 0, 2 * G_PI);
  set_rgba (cr, look->overdue ? &overdue_color : color, 1.0);
  cairo_fill (cr);

  /* Amber needs dark text to be readable. */
  if (look->priority == 2 && !look->overdue)
    cairo_set_source_rgb (cr, 0.2, 0.16, 0.05);
  else
    cairo_set_source_rgb (cr, 1, 1, 1);
  show_centered_text (cr, digit, 10.5, TRUE, c, c);

  if (look->finished)
    {
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, 0.45);
    }
}

typedef struct
{
  const Rgb *color;
  double alpha;
} PulseLook;

/* The pulse ring grows from 0.7 to 2 times PULSE_SIZE while it fades. */
static double
pulse_size (guint step)
{
  return round (PULSE_SIZE * (0.7 + 1.3 * step / N_PULSE_STEPS));
}

static void
draw_pulse (cairo_t       *cr,
            double         size,
            gconstpointer  data)
{
  const PulseLook *look = data;
  const Rgb *color = look->color;

  cairo_arc (cr, size / 2, size / 2, size / 2 - 2.5, 0, 2 * G_PI);
  set_rgba (cr, color, 0.18 * look->alpha);
  cairo_fill_preserve (cr);
  set_rgba (cr, color, 0.9 * look->alpha);
  cairo_set_line_width (cr, 2.5);
  cairo_stroke (cr);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_unit (cairo_t       *cr,
           double         size,
           gconstpointer  data)
{
  const Rgb *color = data;
  double c = size / 2, s = 19;

  /* A soft shadow lifts units above everything else. */
  rounded_rect (cr, c - s / 2 - 1, c - s / 2 + 0.5, s + 2, s + 2, 5);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
  cairo_fill (cr);
  rounded_rect (cr, c - s / 2, c - s / 2, s, s, 4.5);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  rounded_rect (cr, c - s / 2 + 1.8, c - s / 2 + 1.8, s - 3.6, s - 3.6, 3);
  set_rgba (cr, color, 1.0);
  cairo_fill (cr);

  cairo_set_source_rgb (cr, 1, 1, 1);
  show_centered_text (cr, "警", 11.0, TRUE, c, c);
}

static void
draw_unit_dot (cairo_t       *cr,
               double         size,
               gconstpointer  data)
{
  const Rgb *color = data;

  cairo_arc (cr, size / 2, size / 2, size / 2 - 1.2, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  cairo_arc (cr, size / 2, size / 2, size / 2 - 2.6, 0, 2 * G_PI);
  set_rgba (cr, color, 1.0);
  cairo_fill (cr);
}

typedef struct
{
  const Rgb *color;
  double heading;  /* degrees clockwise from north */
} ArrowLook;

static void
draw_arrow (cairo_t       *cr,
            double         size,
            gconstpointer  data)
{
  const ArrowLook *look = data;
  const Rgb *color = look->color;
  double c = size / 2;

  /* A small texture around the arrow alone, not the whole unit: texture nodes cost by area
   * on the cairo renderer. The arrow's tip is ARROW_OFFSET + 4 from the unit's centre. */
  cairo_translate (cr, c, c);
  cairo_rotate (cr, look->heading * G_PI / 180.0);
  cairo_move_to (cr, 0, -4);
  cairo_line_to (cr, 5.5, 3.5);
  cairo_line_to (cr, -5.5, 3.5);
  cairo_close_path (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 2.0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke_preserve (cr);
  set_rgba (cr, color, 1.0);
  cairo_fill (cr);
}

static void
draw_halo (cairo_t       *cr,
           double         size,
           gconstpointer  data)
{
  double c = size / 2;

  cairo_arc (cr, c, c, 19, 0, 2 * G_PI);
  set_rgba (cr, &halo_color, 0.22);
  cairo_fill (cr);
  cairo_arc (cr, c, c, 19, 0, 2 * G_PI);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
  cairo_set_line_width (cr, 5.5);
  cairo_stroke (cr);
  cairo_arc (cr, c, c, 19, 0, 2 * G_PI);
  set_rgba (cr, &halo_color, 1.0);
  cairo_set_line_width (cr, 3.0);
  cairo_stroke (cr);
}

typedef struct
{
  const char *text;
  const Rgb *color;
  double w;
  double h;
} LabelLook;

static void
draw_label (cairo_t       *cr,
            double         size,
            gconstpointer  data)
{
  const LabelLook *look = data;

  rounded_rect (cr, 0.5, 0.5, look->w - 1, look->h - 1, 4);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.92);
  cairo_fill_preserve (cr);
  set_rgba (cr, look->color, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  cairo_set_source_rgb (cr, 0.13, 0.13, 0.14);
  show_centered_text (cr, look->text, 11.0, TRUE, look->w / 2, look->h / 2);
}

static GdkTexture *
label_texture_new (const char *text,
                   const Rgb  *color,
                   int         scale)
{
  cairo_surface_t *probe = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (probe);
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) desc = pango_font_description_from_string ("Noto Sans CJK SC, Sans");
  PangoRectangle ink;
  LabelLook look = { text, color, 0, 0 };

  pango_font_description_set_absolute_size (desc, 11.0 * PANGO_SCALE);
  pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_extents (layout, &ink, NULL);
  cairo_destroy (cr);
  cairo_surface_destroy (probe);

  look.w = ink.width + 10;
  look.h = 17;
  return texture_new (look.w, look.h, scale, draw_label, &look);
}

static void
clear_textures (BkPointLayer *self)
{
  GHashTableIter iter;
  Unit *unit;

  for (guint s = 0; s < N_UNIT_STATUSES; s++)
    {
      g_clear_object (&self->unit_textures[s]);
      g_clear_object (&self->unit_dot_textures[s]);
      for (guint h = 0; h < N_HEADINGS; h++)
        g_clear_object (&self->arrow_textures[s][h]);
    }
  for (guint p = 0; p < N_PRIORITIES; p++)
    {
      for (guint k = 0; k < N_PULSE_STEPS; k++)
        g_clear_object (&self->pulse_textures[p][k]);
      for (guint o = 0; o < 2; o++)
        for (guint f = 0; f < 2; f++)
          for (guint a = 0; a < N_AGE_STEPS; a++)
            g_clear_object (&self->incident_textures[p][o][f][a]);
    }
  g_clear_object (&self->halo_texture);
  g_hash_table_remove_all (self->cluster_textures);

  g_hash_table_iter_init (&iter, self->units);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &unit))
    g_clear_object (&unit->label);

  self->texture_scale = 0;
}

static void
ensure_textures (BkPointLayer *self)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));

  if (scale == self->texture_scale)
    return;

  clear_textures (self);
  self->texture_scale = scale;

  for (guint s = 0; s < N_UNIT_STATUSES; s++)
    {
      self->unit_textures[s] = texture_new (UNIT_SIZE, UNIT_SIZE, scale, draw_unit,
                                            &unit_colors[s]);
      self->unit_dot_textures[s] = texture_new (UNIT_DOT_SIZE, UNIT_DOT_SIZE, scale,
                                                draw_unit_dot, &unit_colors[s]);
    }
  for (guint p = 0; p < N_PRIORITIES; p++)
    for (guint k = 0; k < N_PULSE_STEPS; k++)
      {
        PulseLook look = { &priority_colors[p], 1.0 - (double) k / N_PULSE_STEPS };
        double size = pulse_size (k);

        /* Each step at its own size, so that it is drawn unscaled. */
        self->pulse_textures[p][k] = texture_new (size, size, scale, draw_pulse, &look);
      }
  self->halo_texture = texture_new (HALO_SIZE, HALO_SIZE, scale, draw_halo, NULL);
  /* Incident and cluster textures are made on first use: there are many variants. */
}

static GdkTexture *
get_incident_texture (BkPointLayer   *self,
                      const Incident *incident,
                      gint64          now)
{
  IncidentLook look;
  GdkTexture **slot;
  gint64 age = MAX (0, now - incident->created_at);

  look.priority = CLAMP (incident->priority, 1, N_PRIORITIES) - 1;
  look.overdue = incident->overdue != FALSE;
  look.finished = incident->status == BK_INCIDENT_STATUS_CLOSED
                  || incident->status == BK_INCIDENT_STATUS_CANCELLED;
  look.age_step = incident->created_at > 0 ? (int) MIN (12, age / AGE_STEP_US) : 0;

  slot = &self->incident_textures[look.priority][look.overdue][look.finished][look.age_step];
  if (*slot == NULL)
    *slot = texture_new (INCIDENT_SIZE, INCIDENT_SIZE, self->texture_scale, draw_incident, &look);
  return *slot;
}

static GdkTexture *
get_arrow_texture (BkPointLayer *self,
                   BkUnitStatus  status,
                   double        heading)
{
  int step = (int) lround (fmod (fmod (heading, 360.0) + 360.0, 360.0) / (360.0 / N_HEADINGS))
             % N_HEADINGS;
  GdkTexture **slot = &self->arrow_textures[status][step];

  if (*slot == NULL)
    {
      ArrowLook look = { &unit_colors[status], step * (360.0 / N_HEADINGS) };

      *slot = texture_new (UNIT_ARROW_SIZE, UNIT_ARROW_SIZE, self->texture_scale, draw_arrow,
                           &look);
    }
  return *slot;
}

static GdkTexture *
get_cluster_texture (BkPointLayer *self,
                     guint         count)
{
  GdkTexture *texture = g_hash_table_lookup (self->cluster_textures, GUINT_TO_POINTER (count));

  if (texture == NULL)
    {
      double size = cluster_size (count);

      /* Counts change as data and zoom change; do not let the cache grow without bound. */
      if (g_hash_table_size (self->cluster_textures) > 4096)
        g_hash_table_remove_all (self->cluster_textures);
      texture = texture_new (size, size, self->texture_scale, draw_cluster,
                             GUINT_TO_POINTER (count));
      g_hash_table_insert (self->cluster_textures, GUINT_TO_POINTER (count), texture);
    }
  return texture;
}

/* ---- Geometry -------------------------------------------------------------------------- */

typedef BkMapProjection View;

static gboolean
view_init (BkPointLayer *self,
           View         *v)
{
  return bk_map_projection_init (v, SHUMATE_LAYER (self));
}

static inline gboolean
on_screen (const View *v,
           double      sx,
           double      sy)
{
  return sx > -CULL_MARGIN && sy > -CULL_MARGIN
         && sx < v->width + CULL_MARGIN && sy < v->height + CULL_MARGIN;
}

/* Normalised bounds of what is on screen, margin included. */
static void
view_bounds (const View *v,
             double     *x0,
             double     *y0,
             double     *x1,
             double     *y1)
{
  const double corners[4][2] = {
    { -CULL_MARGIN, -CULL_MARGIN },
    { v->width + CULL_MARGIN, -CULL_MARGIN },
    { -CULL_MARGIN, v->height + CULL_MARGIN },
    { v->width + CULL_MARGIN, v->height + CULL_MARGIN },
  };

  *x0 = *y0 = G_MAXDOUBLE;
  *x1 = *y1 = -G_MAXDOUBLE;
  for (guint i = 0; i < 4; i++)
    {
      double x, y;

      bk_map_projection_from_screen (v, corners[i][0], corners[i][1], &x, &y);
      *x0 = MIN (*x0, x);
      *y0 = MIN (*y0, y);
      *x1 = MAX (*x1, x);
      *y1 = MAX (*y1, y);
    }
}

static inline double
snap (const View *v,
      double      value)
{
  /* Whole device pixels keep the symbols crisp. */
  return round (value * v->scale) / v->scale;
}

static void
append_texture_at (GtkSnapshot *snapshot,
                   const View  *v,
                   GdkTexture  *texture,
                   double       sx,
                   double       sy,
                   double       size)
{
  graphene_rect_t rect;

  graphene_rect_init (&rect, snap (v, sx - size / 2), snap (v, sy - size / 2), size, size);
  gtk_snapshot_append_texture (snapshot, texture, &rect);
}

/* ---- Cameras: grid and clusters -------------------------------------------------------- */

static inline guint64
grid_key (double x,
          double y)
{
  double n = exp2 (GRID_LEVEL);
  guint64 cx = (guint64) CLAMP (floor (x * n), 0, n - 1);
  guint64 cy = (guint64) CLAMP (floor (y * n), 0, n - 1);

  return cy << 32 | cx;
}

static int
compare_grid_entries (gconstpointer a,
                      gconstpointer b)
{
  const GridEntry *ea = a, *eb = b;

  if (ea->key != eb->key)
    return ea->key < eb->key ? -1 : 1;
  return ea->index < eb->index ? -1 : ea->index > eb->index;
}

static void
invalidate_clusters (BkPointLayer *self)
{
  for (guint z = 0; z < MAX_ZOOM_LEVELS; z++)
    g_clear_pointer (&self->clusters[z], g_array_unref);
}

static int
compare_cluster_counts (gconstpointer a,
                        gconstpointer b,
                        gpointer      user_data)
{
  GArray *raw = user_data;
  guint ia = *(const guint *) a, ib = *(const guint *) b;
  guint ca = g_array_index (raw, Cluster, ia).count, cb = g_array_index (raw, Cluster, ib).count;

  /* Descending count, then ascending index: the same result on every run. */
  if (ca != cb)
    return ca > cb ? -1 : 1;
  return ia < ib ? -1 : ia > ib;
}

/* A small open-addressing map from a cell (row << 32 | column) to a cluster index: the
 * clustering touches every camera, and GHashTable would allocate a key for each cell. */
typedef struct
{
  guint64 *keys;
  guint *values;   /* index + 1; 0 is empty */
  guint mask;
} CellMap;

static void
cell_map_init (CellMap *map,
               guint    n_items)
{
  guint size = 64;

  while (size < n_items * 2)
    size <<= 1;
  map->keys = g_new (guint64, size);
  map->values = g_new0 (guint, size);
  map->mask = size - 1;
}

static void
cell_map_clear (CellMap *map)
{
  g_free (map->keys);
  g_free (map->values);
}

static inline guint *
cell_map_slot (CellMap *map,
               guint64  key)
{
  guint64 h = key * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  guint i = (guint) (h >> 32) & map->mask;

  while (map->values[i] != 0 && map->keys[i] != key)
    i = (i + 1) & map->mask;
  map->keys[i] = key;
  return &map->values[i];
}

static inline guint
cell_map_lookup (CellMap *map,
                 guint64  key)
{
  guint64 h = key * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  guint i = (guint) (h >> 32) & map->mask;

  while (map->values[i] != 0)
    {
      if (map->keys[i] == key)
        return map->values[i];
      i = (i + 1) & map->mask;
    }
  return 0;
}

/* Clusters for an integer zoom: cameras grouped by cells of half a tile, then neighbouring
 * groups whose centres would overlap on screen merged, biggest first. */
static GArray *
build_clusters (BkPointLayer *self,
                int           zoom)
{
  double n = exp2 (zoom + CLUSTER_LEVEL_SHIFT);
  double world = 256.0 * exp2 (zoom);
  g_autoptr(GArray) raw = g_array_new (FALSE, FALSE, sizeof (Cluster));
  g_autoptr(GArray) cell_of = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) order = NULL;
  g_autofree gboolean *merged = NULL;
  CellMap cells;
  GArray *out;

  cell_map_init (&cells, self->cameras->len);

  for (guint i = 0; i < self->cameras->len; i++)
    {
      const Camera *cam = &g_array_index (self->cameras, Camera, i);
      guint64 cx = (guint64) CLAMP (floor (cam->x * n), 0, n - 1);
      guint64 cy = (guint64) CLAMP (floor (cam->y * n), 0, n - 1);
      guint64 key = cy << 32 | cx;
      guint *slot = cell_map_slot (&cells, key);
      Cluster *cl;

      if (*slot == 0)
        {
          Cluster fresh = { 0, 0, 0, i };

          g_array_append_val (raw, fresh);
          g_array_append_val (cell_of, key);
          *slot = raw->len;
        }
      cl = &g_array_index (raw, Cluster, *slot - 1);
      cl->x += cam->x;
      cl->y += cam->y;
      cl->count++;
    }

  for (guint i = 0; i < raw->len; i++)
    {
      Cluster *cl = &g_array_index (raw, Cluster, i);

      cl->x /= cl->count;
      cl->y /= cl->count;
    }

  /* Merge pass, biggest clusters first, so that they absorb their small neighbours. */
  order = g_array_sized_new (FALSE, FALSE, sizeof (guint), raw->len);
  for (guint i = 0; i < raw->len; i++)
    g_array_append_val (order, i);
  g_array_sort_with_data (order, compare_cluster_counts, raw);

  merged = g_new0 (gboolean, raw->len);
  out = g_array_sized_new (FALSE, FALSE, sizeof (Cluster), raw->len);
  for (guint o = 0; o < order->len; o++)
    {
      guint i = g_array_index (order, guint, o);
      Cluster acc = g_array_index (raw, Cluster, i);
      guint64 key = g_array_index (cell_of, guint64, i);
      gint64 kx = (gint64) (key & 0xffffffffu), ky = (gint64) (key >> 32);

      if (merged[i])
        continue;
      merged[i] = TRUE;
      acc.x *= acc.count;
      acc.y *= acc.count;

      for (gint64 dy = -1; dy <= 1; dy++)
        for (gint64 dx = -1; dx <= 1; dx++)
          {
            const Cluster *other;
            guint found;

            if ((dx == 0 && dy == 0) || kx + dx < 0 || ky + dy < 0 || kx + dx >= n || ky + dy >= n)
              continue;
            found = cell_map_lookup (&cells, (guint64) (ky + dy) << 32 | (guint64) (kx + dx));
            if (found == 0 || merged[found - 1])
              continue;
            other = &g_array_index (raw, Cluster, found - 1);
            if (hypot ((other->x - acc.x / acc.count) * world,
                       (other->y - acc.y / acc.count) * world) > CLUSTER_MERGE_PX)
              continue;
            merged[found - 1] = TRUE;
            acc.x += other->x * other->count;
            acc.y += other->y * other->count;
            acc.count += other->count;
          }

      acc.x /= acc.count;
      acc.y /= acc.count;
      g_array_append_val (out, acc);
    }

  cell_map_clear (&cells);
  return out;
}

static GArray *
get_clusters (BkPointLayer *self,
              int           zoom)
{
  zoom = CLAMP (zoom, 0, MAX_ZOOM_LEVELS - 1);
  if (self->clusters[zoom] == NULL)
    self->clusters[zoom] = build_clusters (self, zoom);
  return self->clusters[zoom];
}

static guint
grid_lower_bound (BkPointLayer *self,
                  guint64       key)
{
  const GridEntry *grid = (const GridEntry *) self->grid->data;
  guint lo = 0, hi = self->grid->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (grid[mid].key < key)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Calls @func for every camera in the normalised box, cell by cell; with @func NULL, only
 * counts them (cells at the edges count whole). The grid is sorted by row, then column, so a
 * row of cells is one contiguous range: two binary searches per row. */
static guint
foreach_camera_in (BkPointLayer *self,
                   double        x0,
                   double        y0,
                   double        x1,
                   double        y1,
                   void        (*func) (BkPointLayer *, guint, gpointer),
                   gpointer      data)
{
  const GridEntry *grid = (const GridEntry *) self->grid->data;
  guint64 k0 = grid_key (x0, y0), k1 = grid_key (x1, y1);
  guint64 col0 = k0 & 0xffffffffu, col1 = k1 & 0xffffffffu;
  guint count = 0;

  for (guint64 row = k0 >> 32; row <= k1 >> 32; row++)
    {
      guint lo = grid_lower_bound (self, row << 32 | col0);
      guint hi = grid_lower_bound (self, row << 32 | (col1 + 1));

      count += hi - lo;
      if (func != NULL)
        for (guint i = lo; i < hi; i++)
          func (self, grid[i].index, data);
    }
  return count;
}

/* Below the cluster zoom, or with more cameras in view than can be told apart, cameras are
 * drawn as clusters. */
static gboolean
clustered_at (BkPointLayer *self,
              const View   *v)
{
  double x0, y0, x1, y1;

  if (floor (v->zoom) < self->cluster_zoom)
    return TRUE;
  view_bounds (v, &x0, &y0, &x1, &y1);
  return foreach_camera_in (self, x0, y0, x1, y1, NULL, NULL) > MAX_INDIVIDUAL_CAMERAS;
}

/* ---- Snapshot -------------------------------------------------------------------------- */

typedef struct
{
  GtkSnapshot *snapshot;
  const View *view;
} CameraDraw;

/* Two colour nodes, not a texture: on the cairo renderer a texture node copies its pixels
 * into a new surface on every frame and costs about five times as much. */
static void
append_camera (GtkSnapshot  *snapshot,
               const View   *v,
               const Camera *cam,
               double        sx,
               double        sy)
{
  double x = snap (v, sx - CAMERA_DOT / 2), y = snap (v, sy - CAMERA_DOT / 2);

  gtk_snapshot_append_color (snapshot, &camera_outline,
                             &GRAPHENE_RECT_INIT (x - 1, y - 1, CAMERA_DOT + 2, CAMERA_DOT + 2));
  gtk_snapshot_append_color (snapshot, &camera_colors[cam->kind][cam->online],
                             &GRAPHENE_RECT_INIT (x, y, CAMERA_DOT, CAMERA_DOT));
}

static void
draw_one_camera (BkPointLayer *self,
                 guint         index,
                 gpointer      data)
{
  CameraDraw *d = data;
  const Camera *cam = &g_array_index (self->cameras, Camera, index);
  double sx, sy;

  bk_map_projection_to_screen (d->view, cam->x, cam->y, &sx, &sy);
  if (on_screen (d->view, sx, sy))
    append_camera (d->snapshot, d->view, cam, sx, sy);
}

static void
snapshot_cameras (BkPointLayer *self,
                  GtkSnapshot  *snapshot,
                  const View   *v)
{
  if (clustered_at (self, v))
    {
      GArray *clusters = get_clusters (self, (int) floor (v->zoom));

      for (guint i = 0; i < clusters->len; i++)
        {
          const Cluster *cl = &g_array_index (clusters, Cluster, i);
          double sx, sy;

          bk_map_projection_to_screen (v, cl->x, cl->y, &sx, &sy);
          if (!on_screen (v, sx, sy))
            continue;

          if (cl->count == 1)
            {
              append_camera (snapshot, v, &g_array_index (self->cameras, Camera, cl->camera),
                             sx, sy);
            }
          else
            append_texture_at (snapshot, v, get_cluster_texture (self, cl->count), sx, sy,
                               cluster_size (cl->count));
        }
    }
  else
    {
      CameraDraw d = { snapshot, v };
      double x0, y0, x1, y1;

      view_bounds (v, &x0, &y0, &x1, &y1);
      foreach_camera_in (self, x0, y0, x1, y1, draw_one_camera, &d);
    }
}

/* Liang–Barsky: clips the segment to the view (plus margin); FALSE if nothing is left. */
static gboolean
clip_segment (const View *v,
              double     *x1,
              double     *y1,
              double     *x2,
              double     *y2)
{
  double dx = *x2 - *x1, dy = *y2 - *y1;
  double p[4] = { -dx, dx, -dy, dy };
  double q[4] = { *x1 + CULL_MARGIN, v->width + CULL_MARGIN - *x1,
                  *y1 + CULL_MARGIN, v->height + CULL_MARGIN - *y1 };
  double t0 = 0, t1 = 1;

  for (guint i = 0; i < 4; i++)
    {
      if (p[i] == 0)
        {
          if (q[i] < 0)
            return FALSE;
          continue;
        }
      if (p[i] < 0)
        t0 = MAX (t0, q[i] / p[i]);
      else
        t1 = MIN (t1, q[i] / p[i]);
    }
  if (t0 > t1)
    return FALSE;

  *x2 = *x1 + t1 * dx;
  *y2 = *y1 + t1 * dy;
  *x1 = *x1 + t0 * dx;
  *y1 = *y1 + t0 * dy;
  return TRUE;
}

static void
snapshot_line (GtkSnapshot *snapshot,
               double       x1,
               double       y1,
               double       x2,
               double       y2,
               const Rgb   *color)
{
  double len = hypot (x2 - x1, y2 - y1);
  GdkRGBA rgba = { color->r, color->g, color->b, 0.8 };

  if (len < 1)
    return;

  /* A rotated thin rectangle, clipped to the view: a cairo node would cost a whole-window
   * surface on the cairo renderer. */
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x1, y1));
  gtk_snapshot_rotate (snapshot, atan2 (y2 - y1, x2 - x1) * 180.0 / G_PI);
  gtk_snapshot_append_color (snapshot, &rgba, &GRAPHENE_RECT_INIT (0, -1.25, len, 2.5));
  gtk_snapshot_restore (snapshot);
}

static void
snapshot_links (BkPointLayer *self,
                GtkSnapshot  *snapshot,
                const View   *v)
{
  GHashTableIter iter;
  Unit *unit;

  g_hash_table_iter_init (&iter, self->units);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &unit))
    {
      Incident *incident;
      double x1, y1, x2, y2;

      /* Only units on their way: one on scene stands at the incident. */
      if (unit->incident_id <= 0
          || (unit->status != BK_UNIT_STATUS_DISPATCHED
              && unit->status != BK_UNIT_STATUS_EN_ROUTE)
          || (incident = g_hash_table_lookup (self->incidents, &unit->incident_id)) == NULL)
        continue;
      bk_map_projection_to_screen (v, unit->x, unit->y, &x1, &y1);
      bk_map_projection_to_screen (v, incident->x, incident->y, &x2, &y2);
      if (clip_segment (v, &x1, &y1, &x2, &y2))
        snapshot_line (snapshot, x1, y1, x2, y2, &unit_colors[unit->status]);
    }
}

static void
snapshot_incidents (BkPointLayer *self,
                    GtkSnapshot  *snapshot,
                    const View   *v)
{
  gint64 now = g_get_real_time ();
  double phase = (double) (g_get_monotonic_time () % PULSE_PERIOD_US) / PULSE_PERIOD_US;
  gboolean compact = v->zoom < COMPACT_ZOOM;
  double symbol = INCIDENT_SIZE * (compact ? COMPACT_SCALE : 1.0);
  GHashTableIter iter;
  Incident *incident;

  /* Pulses first, so that no pulse covers another incident's symbol. */
  if (self->n_new_incidents > 0)
    {
      g_hash_table_iter_init (&iter, self->incidents);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &incident))
        {
          double sx, sy, size;
          guint step;
          int p = CLAMP (incident->priority, 1, N_PRIORITIES) - 1;

          if (incident->status != BK_INCIDENT_STATUS_NEW)
            continue;
          bk_map_projection_to_screen (v, incident->x, incident->y, &sx, &sy);
          if (!on_screen (v, sx, sy))
            continue;

          step = MIN ((guint) (phase * N_PULSE_STEPS), N_PULSE_STEPS - 1);
          size = pulse_size (step) * (compact ? COMPACT_SCALE : 1.0);
          append_texture_at (snapshot, v, self->pulse_textures[p][step], sx, sy, size);
        }
    }

  g_hash_table_iter_init (&iter, self->incidents);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &incident))
    {
      double sx, sy;

      bk_map_projection_to_screen (v, incident->x, incident->y, &sx, &sy);
      if (!on_screen (v, sx, sy))
        continue;
      append_texture_at (snapshot, v, get_incident_texture (self, incident, now), sx, sy,
                         symbol);
    }
}

static void
snapshot_units (BkPointLayer *self,
                GtkSnapshot  *snapshot,
                const View   *v)
{
  gboolean labels = v->zoom >= LABEL_MIN_ZOOM;
  gboolean compact = v->zoom < COMPACT_ZOOM;
  GHashTableIter iter;
  Unit *unit;

  g_hash_table_iter_init (&iter, self->units);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &unit))
    {
      double sx, sy;

      bk_map_projection_to_screen (v, unit->x, unit->y, &sx, &sy);
      if (!on_screen (v, sx, sy))
        continue;
      sx = snap (v, sx);
      sy = snap (v, sy);

      if (compact)
        {
          append_texture_at (snapshot, v, self->unit_dot_textures[unit->status], sx, sy,
                             UNIT_DOT_SIZE);
          continue;
        }

      /* Heading is clockwise from north, on a map that may itself be rotated. */
      if (unit->heading >= 0)
        {
          GdkTexture *arrow;
          double h;

          arrow = get_arrow_texture (self, unit->status,
                                     unit->heading + atan2 (v->sin_r, v->cos_r) * 180.0 / G_PI);
          /* The drawn arrow is quantised to its texture's step; place it on the same angle. */
          h = lround (fmod (fmod (unit->heading + atan2 (v->sin_r, v->cos_r) * 180.0 / G_PI, 360.0)
                            + 360.0, 360.0) / (360.0 / N_HEADINGS)) * (2 * G_PI / N_HEADINGS);
          append_texture_at (snapshot, v, arrow, sx + ARROW_OFFSET * sin (h),
                             sy - ARROW_OFFSET * cos (h), UNIT_ARROW_SIZE);
        }
      append_texture_at (snapshot, v, self->unit_textures[unit->status], sx, sy, UNIT_SIZE);

      if (labels && unit->call_sign != NULL && unit->call_sign[0] != '\0')
        {
          double w, h;

          if (unit->label == NULL)
            unit->label = label_texture_new (unit->call_sign, &unit_colors[unit->status],
                                             self->texture_scale);
          w = (double) gdk_texture_get_width (unit->label) / self->texture_scale;
          h = (double) gdk_texture_get_height (unit->label) / self->texture_scale;
          gtk_snapshot_append_texture (snapshot, unit->label,
                                       &GRAPHENE_RECT_INIT (snap (v, sx - w / 2),
                                                            snap (v, sy + UNIT_SIZE / 2 + 3),
                                                            w, h));
        }
    }
}

static gboolean locate_selection (BkPointLayer *self,
                                  double       *x,
                                  double       *y);

static void
snapshot_selection (BkPointLayer *self,
                    GtkSnapshot  *snapshot,
                    const View   *v)
{
  double x, y, sx, sy;

  if (!locate_selection (self, &x, &y))
    return;
  bk_map_projection_to_screen (v, x, y, &sx, &sy);
  if (on_screen (v, sx, sy))
    append_texture_at (snapshot, v, self->halo_texture, sx, sy, HALO_SIZE);
}

static void
bk_point_layer_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  BkPointLayer *self = BK_POINT_LAYER (widget);
  View v;

  if (!view_init (self, &v))
    return;

  ensure_textures (self);

  if (self->show_cameras && self->cameras->len > 0)
    snapshot_cameras (self, snapshot, &v);
  snapshot_selection (self, snapshot, &v);
  if (self->show_units && self->show_incidents)
    snapshot_links (self, snapshot, &v);
  if (self->show_incidents)
    snapshot_incidents (self, snapshot, &v);
  if (self->show_units)
    snapshot_units (self, snapshot, &v);
}

/* ---- Picking --------------------------------------------------------------------------- */

typedef struct
{
  const View *view;
  double sx;
  double sy;
  double best;
  guint index;
} CameraPick;

static void
pick_one_camera (BkPointLayer *self,
                 guint         index,
                 gpointer      data)
{
  CameraPick *p = data;
  const Camera *cam = &g_array_index (self->cameras, Camera, index);
  double sx, sy, d;

  bk_map_projection_to_screen (p->view, cam->x, cam->y, &sx, &sy);
  d = hypot (sx - p->sx, sy - p->sy);
  /* Later cameras are drawn on top: on a tie the later one wins. */
  if (d <= p->best)
    {
      p->best = d;
      p->index = index;
    }
}

gboolean
bk_point_layer_pick (BkPointLayer  *self,
                     double         x,
                     double         y,
                     BkPointKind   *kind,
                     gint64        *id,
                     char         **camera_id)
{
  View v;
  GHashTableIter iter;
  gpointer value;
  double best;
  gint64 best_id = 0;

  g_return_val_if_fail (BK_IS_POINT_LAYER (self), FALSE);

  if (kind != NULL)
    *kind = BK_POINT_KIND_NONE;
  if (id != NULL)
    *id = 0;
  if (camera_id != NULL)
    *camera_id = NULL;

  if (!view_init (self, &v))
    return FALSE;

  if (self->show_units)
    {
      best = v.zoom < COMPACT_ZOOM ? UNIT_DOT_HIT : UNIT_HIT;
      g_hash_table_iter_init (&iter, self->units);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          const Unit *unit = value;
          double sx, sy, d;

          bk_map_projection_to_screen (&v, unit->x, unit->y, &sx, &sy);
          d = hypot (sx - x, sy - y);
          if (d <= best)
            {
              best = d;
              best_id = unit->id;
            }
        }
      if (best_id != 0)
        {
          if (kind != NULL)
            *kind = BK_POINT_KIND_UNIT;
          if (id != NULL)
            *id = best_id;
          return TRUE;
        }
    }

  if (self->show_incidents)
    {
      best = INCIDENT_HIT * (v.zoom < COMPACT_ZOOM ? COMPACT_SCALE : 1.0);
      g_hash_table_iter_init (&iter, self->incidents);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          const Incident *incident = value;
          double sx, sy, d;

          bk_map_projection_to_screen (&v, incident->x, incident->y, &sx, &sy);
          d = hypot (sx - x, sy - y);
          if (d <= best)
            {
              best = d;
              best_id = incident->id;
            }
        }
      if (best_id != 0)
        {
          if (kind != NULL)
            *kind = BK_POINT_KIND_INCIDENT;
          if (id != NULL)
            *id = best_id;
          return TRUE;
        }
    }

  if (self->show_cameras && self->cameras->len > 0)
    {
      guint camera = G_MAXUINT;

      if (clustered_at (self, &v))
        {
          GArray *clusters = get_clusters (self, (int) floor (v.zoom));
          const Cluster *hit = NULL;

          best = G_MAXDOUBLE;
          for (guint i = 0; i < clusters->len; i++)
            {
              const Cluster *cl = &g_array_index (clusters, Cluster, i);
              double sx, sy, d, radius;

              radius = cl->count == 1 ? CAMERA_HIT : cluster_size (cl->count) / 2;
              bk_map_projection_to_screen (&v, cl->x, cl->y, &sx, &sy);
              d = hypot (sx - x, sy - y);
              if (d <= radius && d <= best)
                {
                  best = d;
                  hit = cl;
                }
            }
          if (hit != NULL && hit->count > 1)
            {
              if (kind != NULL)
                *kind = BK_POINT_KIND_CLUSTER;
              if (id != NULL)
                *id = hit->count;
              return TRUE;
            }
          if (hit != NULL)
            camera = hit->camera;
        }
      else
        {
          CameraPick p = { &v, x, y, CAMERA_HIT, G_MAXUINT };
          double x0, y0, x1, y1;

          bk_map_projection_from_screen (&v, x - CAMERA_HIT * 2, y - CAMERA_HIT * 2, &x0, &y0);
          bk_map_projection_from_screen (&v, x + CAMERA_HIT * 2, y + CAMERA_HIT * 2, &x1, &y1);
          foreach_camera_in (self, MIN (x0, x1), MIN (y0, y1), MAX (x0, x1), MAX (y0, y1),
                             pick_one_camera, &p);
          camera = p.index;
        }

      if (camera != G_MAXUINT)
        {
          if (kind != NULL)
            *kind = BK_POINT_KIND_CAMERA;
          if (camera_id != NULL)
            *camera_id = g_strdup (g_array_index (self->cameras, Camera, camera).id);
          return TRUE;
        }
    }

  return FALSE;
}

/* ---- Selection ------------------------------------------------------------------------- */

static gboolean
locate_selection (BkPointLayer *self,
                  double       *x,
                  double       *y)
{
  switch (self->selection_kind)
    {
    case BK_POINT_KIND_UNIT:
      {
        const Unit *unit = g_hash_table_lookup (self->units, &self->selection_id);

        if (unit == NULL || !self->show_units)
          return FALSE;
        *x = unit->x;
        *y = unit->y;
        return TRUE;
      }
    case BK_POINT_KIND_INCIDENT:
      {
        const Incident *incident = g_hash_table_lookup (self->incidents, &self->selection_id);

        if (incident == NULL || !self->show_incidents)
          return FALSE;
        *x = incident->x;
        *y = incident->y;
        return TRUE;
      }
    case BK_POINT_KIND_CAMERA:
      {
        guint index;

        if (self->selection_camera == NULL || !self->show_cameras)
          return FALSE;
        index = GPOINTER_TO_UINT (g_hash_table_lookup (self->camera_ids, self->selection_camera));
        if (index == 0)
          return FALSE;
        *x = g_array_index (self->cameras, Camera, index - 1).x;
        *y = g_array_index (self->cameras, Camera, index - 1).y;
        return TRUE;
      }
    case BK_POINT_KIND_NONE:
    case BK_POINT_KIND_CLUSTER:
    default:
      return FALSE;
    }
}

void
bk_point_layer_set_selection (BkPointLayer *self,
                              BkPointKind   kind,
                              gint64        id,
                              const char   *camera_id)
{
  g_return_if_fail (BK_IS_POINT_LAYER (self));
  g_return_if_fail (kind != BK_POINT_KIND_CAMERA || camera_id != NULL);

  if (kind == BK_POINT_KIND_CLUSTER)
    kind = BK_POINT_KIND_NONE;

  self->selection_kind = kind;
  self->selection_id = kind == BK_POINT_KIND_CAMERA ? 0 : id;
  g_free (self->selection_camera);
  self->selection_camera = kind == BK_POINT_KIND_CAMERA ? g_strdup (camera_id) : NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

BkPointKind
bk_point_layer_get_selection (BkPointLayer  *self,
                              gint64        *id,
                              const char   **camera_id)
{
  g_return_val_if_fail (BK_IS_POINT_LAYER (self), BK_POINT_KIND_NONE);

  if (id != NULL)
    *id = self->selection_id;
  if (camera_id != NULL)
    *camera_id = self->selection_camera;
  return self->selection_kind;
}

/* ---- Input ----------------------------------------------------------------------------- */

static void
zoom_into (BkPointLayer *self,
           double        x,
           double        y)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self));
  double lat, lon, zoom;

  shumate_viewport_widget_coords_to_location (viewport, GTK_WIDGET (self), x, y, &lat, &lon);
  zoom = MIN (floor (shumate_viewport_get_zoom_level (viewport)) + 2,
              shumate_viewport_get_max_zoom_level (viewport));

  if (SHUMATE_IS_MAP (parent))
    shumate_map_go_to_full_with_duration (SHUMATE_MAP (parent), lat, lon, zoom, 300);
  else
    {
      shumate_viewport_set_zoom_level (viewport, zoom);
      shumate_location_set_location (SHUMATE_LOCATION (viewport), lat, lon);
    }
}

static void
on_click_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  BkPointLayer    *self)
{
  g_clear_pointer (&self->press_camera, g_free);
  self->press_kind = BK_POINT_KIND_NONE;

  /* Presses on empty map belong to the map: let it pan. */
  if (n_press != 1
      || !bk_point_layer_pick (self, x, y, &self->press_kind, &self->press_id,
                               &self->press_camera))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
on_click_released (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   BkPointLayer    *self)
{
  BkPointKind kind;
  gint64 id;
  g_autofree char *camera_id = NULL;

  if (self->press_kind == BK_POINT_KIND_NONE)
    return;

  /* Activate only if the press and the release are on the same object. */
  if (bk_point_layer_pick (self, x, y, &kind, &id, &camera_id)
      && kind == self->press_kind && id == self->press_id
      && g_strcmp0 (camera_id, self->press_camera) == 0)
    {
      if (kind == BK_POINT_KIND_CLUSTER)
        zoom_into (self, x, y);
      else
        {
          bk_point_layer_set_selection (self, kind, id, camera_id);
          g_signal_emit (self, signals[OBJECT_ACTIVATED], 0, kind, id, camera_id);
        }
    }

  self->press_kind = BK_POINT_KIND_NONE;
  g_clear_pointer (&self->press_camera, g_free);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           BkPointLayer             *self)
{
  gboolean hit = bk_point_layer_pick (self, x, y, NULL, NULL, NULL);

  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), hit ? "pointer" : NULL);
}

static void
on_leave (GtkEventControllerMotion *controller,
          BkPointLayer             *self)
{
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static const char *
unit_status_label (BkUnitStatus status)
{
  switch (status)
    {
    case BK_UNIT_STATUS_AVAILABLE:
      return C_("unit status", "Available");
    case BK_UNIT_STATUS_DISPATCHED:
      return C_("unit status", "Dispatched");
    case BK_UNIT_STATUS_EN_ROUTE:
      return C_("unit status", "En route");
    case BK_UNIT_STATUS_ON_SCENE:
      return C_("unit status", "On scene");
    case BK_UNIT_STATUS_OFF_DUTY:
      return C_("unit status", "Off duty");
    default:
      return "";
    }
}

static const char *
incident_status_label (BkIncidentStatus status)
{
  switch (status)
    {
    case BK_INCIDENT_STATUS_NEW:
      return C_("incident status", "New");
    case BK_INCIDENT_STATUS_DISPATCHED:
      return C_("incident status", "Dispatched");
    case BK_INCIDENT_STATUS_EN_ROUTE:
      return C_("incident status", "En route");
    case BK_INCIDENT_STATUS_ON_SCENE:
      return C_("incident status", "On scene");
    case BK_INCIDENT_STATUS_CLOSED:
      return C_("incident status", "Closed");
    case BK_INCIDENT_STATUS_CANCELLED:
      return C_("incident status", "Cancelled");
    default:
      return "";
    }
}

static const char *
camera_kind_label (BkCameraKind kind)
{
  switch (kind)
    {
    case BK_CAMERA_KIND_DOME:
      return C_("camera kind", "Dome camera");
    case BK_CAMERA_KIND_BULLET:
      return C_("camera kind", "Bullet camera");
    case BK_CAMERA_KIND_CHECKPOINT:
      return C_("camera kind", "Checkpoint");
    default:
      return "";
    }
}

static gboolean
on_query_tooltip (GtkWidget    *widget,
                  int           x,
                  int           y,
                  gboolean      keyboard_mode,
                  GtkTooltip   *tooltip,
                  BkPointLayer *self)
{
  BkPointKind kind;
  gint64 id;
  g_autofree char *camera_id = NULL;
  g_autofree char *text = NULL;

  if (keyboard_mode || !bk_point_layer_pick (self, x, y, &kind, &id, &camera_id))
    return FALSE;

  switch (kind)
    {
    case BK_POINT_KIND_UNIT:
      {
        const Unit *unit = g_hash_table_lookup (self->units, &id);

        /* TRANSLATORS: a unit on the map: "call sign · status" */
        text = g_strdup_printf (_("%s · %s"), unit->call_sign != NULL ? unit->call_sign : "",
                                unit_status_label (unit->status));
      }
      break;
    case BK_POINT_KIND_INCIDENT:
      {
        const Incident *incident = g_hash_table_lookup (self->incidents, &id);

        /* TRANSLATORS: an incident on the map: "number · P<priority> · status" */
        text = g_strdup_printf (_("%s · P%d · %s"),
                                incident->number != NULL ? incident->number : "",
                                incident->priority, incident_status_label (incident->status));
      }
      break;
    case BK_POINT_KIND_CLUSTER:
      text = g_strdup_printf (ngettext ("%u camera — click to zoom in",
                                        "%u cameras — click to zoom in", (gulong) id),
                              (guint) id);
      break;
    case BK_POINT_KIND_CAMERA:
      {
        guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->camera_ids, camera_id));
        const Camera *cam = &g_array_index (self->cameras, Camera, index - 1);

        /* TRANSLATORS: a camera on the map: name, then "kind · online state · device code" */
        text = g_strdup_printf (_("%s\n%s · %s · %s"), cam->name,
                                camera_kind_label (cam->kind),
                                cam->online ? _("Online") : _("Offline"), cam->id);
      }
      break;
    case BK_POINT_KIND_NONE:
    default:
      return FALSE;
    }

  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* ---- Animation ------------------------------------------------------------------------- */

static gboolean
pulse_tick (GtkWidget     *widget,
            GdkFrameClock *frame_clock,
            gpointer       user_data)
{
  BkPointLayer *self = BK_POINT_LAYER (widget);

  /* A frame that paints slower than the refresh rate would otherwise be followed at once by
   * the next one, and the main loop would never reach idle priority, where libshumate's map
   * layer loads new tiles. Redrawing only after a gap since the last paint keeps that time
   * free; on a fast renderer it still pulses at about 25 frames a second. */
  if (g_get_monotonic_time () - self->last_paint_end >= PULSE_GAP_US)
    gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static void
after_paint_cb (GdkFrameClock *frame_clock,
                BkPointLayer  *self)
{
  self->last_paint_end = g_get_monotonic_time ();
}

/* The tick callback runs only while something pulses: an idle map costs no frames. */
static void
update_animation (BkPointLayer *self)
{
  gboolean want = self->n_new_incidents > 0 && self->show_incidents
                  && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (want && self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), pulse_tick, NULL, NULL);
  else if (!want && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
}

static gboolean
age_timeout (gpointer user_data)
{
  BkPointLayer *self = user_data;

  /* Age rings step every five minutes; a redraw twice a minute keeps them current. */
  if (g_hash_table_size (self->incidents) > 0 && self->show_incidents)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_CONTINUE;
}

static void
bk_point_layer_map (GtkWidget *widget)
{
  BkPointLayer *self = BK_POINT_LAYER (widget);

  GTK_WIDGET_CLASS (bk_point_layer_parent_class)->map (widget);

  self->age_timeout_id = g_timeout_add_seconds (30, age_timeout, self);
  self->frame_clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  g_signal_connect (self->frame_clock, "after-paint", G_CALLBACK (after_paint_cb), self);
  update_animation (self);
}

static void
bk_point_layer_unmap (GtkWidget *widget)
{
  BkPointLayer *self = BK_POINT_LAYER (widget);

  g_clear_handle_id (&self->age_timeout_id, g_source_remove);
  if (self->frame_clock != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->frame_clock, after_paint_cb, self);
      g_clear_object (&self->frame_clock);
    }
  GTK_WIDGET_CLASS (bk_point_layer_parent_class)->unmap (widget);
  update_animation (self);
}

/* ---- Data ------------------------------------------------------------------------------ */

static void
unit_free (Unit *unit)
{
  g_clear_object (&unit->label);
  g_free (unit->call_sign);
  g_free (unit);
}

static void
incident_free (Incident *incident)
{
  g_free (incident->number);
  g_free (incident);
}

void
bk_point_layer_set_cameras (BkPointLayer        *self,
                            const BkCameraPoint *cameras,
                            gsize                n_cameras)
{
  g_return_if_fail (BK_IS_POINT_LAYER (self));
  g_return_if_fail (cameras != NULL || n_cameras == 0);

  g_array_set_size (self->cameras, 0);
  g_array_set_size (self->grid, 0);
  g_hash_table_remove_all (self->camera_ids);
  g_string_chunk_clear (self->strings);
  invalidate_clusters (self);

  g_array_set_size (self->cameras, n_cameras);
  g_array_set_size (self->grid, n_cameras);
  self->cameras->len = 0;
  self->grid->len = 0;

  for (gsize i = 0; i < n_cameras; i++)
    {
      const BkCameraPoint *in = &cameras[i];
      Camera cam;
      GridEntry entry;

      if (in->id == NULL || !bc_geo_is_valid (in->lat, in->lon))
        {
          g_warning ("Camera %s has no valid position; it is not shown",
                     in->id != NULL ? in->id : "(no id)");
          continue;
        }
      /* Ids are unique; a repeated one is a feed error, and the first position is kept. */
      if (g_hash_table_contains (self->camera_ids, in->id))
        continue;

      bc_mercator_project (in->lat, in->lon, &cam.x, &cam.y);
      cam.id = g_string_chunk_insert (self->strings, in->id);
      cam.name = g_string_chunk_insert (self->strings, in->name != NULL ? in->name : "");
      cam.kind = (guint8) CLAMP ((int) in->kind, 0, N_CAMERA_KINDS - 1);
      cam.online = in->online != FALSE;

      entry.key = grid_key (cam.x, cam.y);
      entry.index = self->cameras->len;
      g_array_append_val (self->cameras, cam);
      g_array_append_val (self->grid, entry);
      g_hash_table_insert (self->camera_ids, (gpointer) cam.id,
                           GUINT_TO_POINTER (self->cameras->len));
    }

  g_array_sort (self->grid, compare_grid_entries);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
bk_point_layer_set_camera_online (BkPointLayer *self,
                                  const char   *camera_id,
                                  gboolean      online)
{
  guint index;
  Camera *cam;

  g_return_val_if_fail (BK_IS_POINT_LAYER (self), FALSE);
  g_return_val_if_fail (camera_id != NULL, FALSE);

  index = GPOINTER_TO_UINT (g_hash_table_lookup (self->camera_ids, camera_id));
  if (index == 0)
    return FALSE;

  cam = &g_array_index (self->cameras, Camera, index - 1);
  if (cam->online != (online != FALSE))
    {
      cam->online = online != FALSE;
      if (self->show_cameras)
        gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  return TRUE;
}

guint
bk_point_layer_get_n_cameras (BkPointLayer *self)
{
  g_return_val_if_fail (BK_IS_POINT_LAYER (self), 0);
  return self->cameras->len;
}

void
bk_point_layer_upsert_unit (BkPointLayer *self,
                            gint64        id,
                            double        lat,
                            double        lon,
                            double        heading,
                            BkUnitStatus  status,
                            const char   *call_sign,
                            gint64        incident_id)
{
  Unit *unit;

  g_return_if_fail (BK_IS_POINT_LAYER (self));
  g_return_if_fail (id > 0);
  g_return_if_fail (bc_geo_is_valid (lat, lon));
  g_return_if_fail (status <= BK_UNIT_STATUS_OFF_DUTY);

  unit = g_hash_table_lookup (self->units, &id);
  if (unit == NULL)
    {
      unit = g_new0 (Unit, 1);
      unit->id = id;
      g_hash_table_insert (self->units, &unit->id, unit);
    }

  bc_mercator_project (lat, lon, &unit->x, &unit->y);
  unit->heading = heading >= 0 ? fmod (heading, 360.0) : -1.0;
  unit->incident_id = incident_id;

  /* The label texture shows the call sign in the status colour: remake it on either change. */
  if (g_strcmp0 (unit->call_sign, call_sign) != 0 || unit->status != status)
    {
      g_free (unit->call_sign);
      unit->call_sign = g_strdup (call_sign);
      g_clear_object (&unit->label);
    }
  unit->status = status;

  if (self->show_units)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
bk_point_layer_remove_unit (BkPointLayer *self,
                            gint64        id)
{
  g_return_val_if_fail (BK_IS_POINT_LAYER (self), FALSE);

  if (!g_hash_table_remove (self->units, &id))
    return FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

guint
bk_point_layer_get_n_units (BkPointLayer *self)
{
  g_return_val_if_fail (BK_IS_POINT_LAYER (self), 0);
  return g_hash_table_size (self->units);
}

void
bk_point_layer_upsert_incident (BkPointLayer     *self,
                                gint64            id,
                                double            lat,
                                double            lon,
                                int               priority,
                                BkIncidentStatus  status,
                                gint64            created_at_us,
                                gboolean          overdue,
                                const char       *number)
{
  Incident *incident;

  g_return_if_fail (BK_IS_POINT_LAYER (self));
  g_return_if_fail (id > 0);
  g_return_if_fail (bc_geo_is_valid (lat, lon));
  g_return_if_fail (status <= BK_INCIDENT_STATUS_CANCELLED);

  incident = g_hash_table_lookup (self->incidents, &id);
  if (incident == NULL)
    {
      incident = g_new0 (Incident, 1);
      incident->id = id;
      incident->status = BK_INCIDENT_STATUS_CLOSED;
      g_hash_table_insert (self->incidents, &incident->id, incident);
    }

  if (incident->status == BK_INCIDENT_STATUS_NEW)
    self->n_new_incidents--;
  if (status == BK_INCIDENT_STATUS_NEW)
    self->n_new_incidents++;

  bc_mercator_project (lat, lon, &incident->x, &incident->y);
  incident->priority = CLAMP (priority, 1, N_PRIORITIES);
  incident->status = status;
  incident->created_at = created_at_us;
  incident->overdue = overdue != FALSE;
  if (g_strcmp0 (incident->number, number) != 0)
    {
      g_free (incident->number);
      incident->number = g_strdup (number);
    }

  update_animation (self);
  if (self->show_incidents)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
bk_point_layer_remove_incident (BkPointLayer *self,
                                gint64        id)
{
  Incident *incident;

  g_return_val_if_fail (BK_IS_POINT_LAYER (self), FALSE);

  incident = g_hash_table_lookup (self->incidents, &id);
  if (incident == NULL)
    return FALSE;
  if (incident->status == BK_INCIDENT_STATUS_NEW)
    self->n_new_incidents--;
  g_hash_table_remove (self->incidents, &id);

  update_animation (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

guint
bk_point_layer_get_n_incidents (BkPointLayer *self)
{
  g_return_val_if_fail (BK_IS_POINT_LAYER (self), 0);
  return g_hash_table_size (self->incidents);
}

void
bk_point_layer_remove_all (BkPointLayer *self)
{
  g_return_if_fail (BK_IS_POINT_LAYER (self));

  bk_point_layer_set_cameras (self, NULL, 0);
  g_hash_table_remove_all (self->units);
  g_hash_table_remove_all (self->incidents);
  self->n_new_incidents = 0;
  update_animation (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- Properties ------------------------------------------------------------------------ */

#define DEFINE_SHOW(name, field, prop)                                        \
  gboolean                                                                     \
  bk_point_layer_get_##name (BkPointLayer *self)                               \
  {                                                                            \
    g_return_val_if_fail (BK_IS_POINT_LAYER (self), FALSE);                    \
    return self->field;                                                        \
  }                                                                            \
                                                                               \
  void                                                                         \
  bk_point_layer_set_##name (BkPointLayer *self,                               \
                             gboolean      show)                               \
  {                                                                            \
    g_return_if_fail (BK_IS_POINT_LAYER (self));                               \
                                                                               \
    show = show != FALSE;                                                      \
    if (self->field == show)                                                   \
      return;                                                                  \
    self->field = show;                                                        \
    update_animation (self);                                                   \
    gtk_widget_queue_draw (GTK_WIDGET (self));                                 \
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);              \
  }

DEFINE_SHOW (show_cameras, show_cameras, PROP_SHOW_CAMERAS)
DEFINE_SHOW (show_incidents, show_incidents, PROP_SHOW_INCIDENTS)
DEFINE_SHOW (show_units, show_units, PROP_SHOW_UNITS)

int
bk_point_layer_get_cluster_zoom (BkPointLayer *self)
{
  g_return_val_if_fail (BK_IS_POINT_LAYER (self), 0);
  return self->cluster_zoom;
}

void
bk_point_layer_set_cluster_zoom (BkPointLayer *self,
                                 int           zoom)
{
  g_return_if_fail (BK_IS_POINT_LAYER (self));

  zoom = CLAMP (zoom, 0, MAX_CLUSTER_ZOOM);
  if (self->cluster_zoom == zoom)
    return;
  self->cluster_zoom = zoom;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLUSTER_ZOOM]);
}

static void
on_viewport_notify (BkPointLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
bk_point_layer_constructed (GObject *object)
{
  BkPointLayer *self = BK_POINT_LAYER (object);
  ShumateViewport *viewport;

  G_OBJECT_CLASS (bk_point_layer_parent_class)->constructed (object);

  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  if (viewport != NULL)
    g_signal_connect_object (viewport, "notify", G_CALLBACK (on_viewport_notify), self,
                             G_CONNECT_SWAPPED);
}

static void
bk_point_layer_dispose (GObject *object)
{
  BkPointLayer *self = BK_POINT_LAYER (object);

  g_clear_handle_id (&self->age_timeout_id, g_source_remove);
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->units != NULL)
    clear_textures (self);

  G_OBJECT_CLASS (bk_point_layer_parent_class)->dispose (object);
}

static void
bk_point_layer_finalize (GObject *object)
{
  BkPointLayer *self = BK_POINT_LAYER (object);

  invalidate_clusters (self);
  g_array_unref (self->cameras);
  g_array_unref (self->grid);
  g_hash_table_unref (self->camera_ids);
  g_string_chunk_free (self->strings);
  g_hash_table_unref (self->units);
  g_hash_table_unref (self->incidents);
  g_hash_table_unref (self->cluster_textures);
  g_free (self->selection_camera);
  g_free (self->press_camera);

  G_OBJECT_CLASS (bk_point_layer_parent_class)->finalize (object);
}

static void
bk_point_layer_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BkPointLayer *self = BK_POINT_LAYER (object);

  switch (prop_id)
    {
    case PROP_SHOW_CAMERAS:
      g_value_set_boolean (value, self->show_cameras);
      break;
    case PROP_SHOW_INCIDENTS:
      g_value_set_boolean (value, self->show_incidents);
      break;
    case PROP_SHOW_UNITS:
      g_value_set_boolean (value, self->show_units);
      break;
    case PROP_CLUSTER_ZOOM:
      g_value_set_int (value, self->cluster_zoom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_point_layer_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  BkPointLayer *self = BK_POINT_LAYER (object);

  switch (prop_id)
    {
    case PROP_SHOW_CAMERAS:
      bk_point_layer_set_show_cameras (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_INCIDENTS:
      bk_point_layer_set_show_incidents (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_UNITS:
      bk_point_layer_set_show_units (self, g_value_get_boolean (value));
      break;
    case PROP_CLUSTER_ZOOM:
      bk_point_layer_set_cluster_zoom (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_point_layer_class_init (BkPointLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = bk_point_layer_constructed;
  object_class->dispose = bk_point_layer_dispose;
  object_class->finalize = bk_point_layer_finalize;
  object_class->get_property = bk_point_layer_get_property;
  object_class->set_property = bk_point_layer_set_property;

  widget_class->snapshot = bk_point_layer_snapshot;
  widget_class->map = bk_point_layer_map;
  widget_class->unmap = bk_point_layer_unmap;

  properties[PROP_SHOW_CAMERAS] =
    g_param_spec_boolean ("show-cameras", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_INCIDENTS] =
    g_param_spec_boolean ("show-incidents", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_UNITS] =
    g_param_spec_boolean ("show-units", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLUSTER_ZOOM] =
    g_param_spec_int ("cluster-zoom", NULL, NULL, 0, MAX_CLUSTER_ZOOM, DEFAULT_CLUSTER_ZOOM,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BkPointLayer::object-activated:
   * @kind: a #BkPointKind, never a cluster (a click on one zooms in)
   * @id: the unit or incident id, 0 for a camera
   * @camera_id: (nullable): the camera's device code
   */
  signals[OBJECT_ACTIVATED] =
    g_signal_new ("object-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, BK_TYPE_POINT_KIND, G_TYPE_INT64,
                  G_TYPE_STRING);
}

static void
bk_point_layer_init (BkPointLayer *self)
{
  GtkGesture *click;
  GtkEventController *motion;

  self->cameras = g_array_new (FALSE, FALSE, sizeof (Camera));
  self->grid = g_array_new (FALSE, FALSE, sizeof (GridEntry));
  self->strings = g_string_chunk_new (64 * 1024);
  self->camera_ids = g_hash_table_new (g_str_hash, g_str_equal);
  self->units = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                       (GDestroyNotify) unit_free);
  self->incidents = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                           (GDestroyNotify) incident_free);
  self->cluster_textures = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->show_cameras = TRUE;
  self->show_incidents = TRUE;
  self->show_units = TRUE;
  self->cluster_zoom = DEFAULT_CLUSTER_ZOOM;

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_click_pressed), self);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), self);
}

BkPointLayer *
bk_point_layer_new (ShumateViewport *viewport)
{
  g_return_val_if_fail (SHUMATE_IS_VIEWPORT (viewport), NULL);

  return g_object_new (BK_TYPE_POINT_LAYER, "viewport", viewport, NULL);
}
