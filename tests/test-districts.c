/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "bc-districts.h"

/* The district lookup that gives incidents their district (bc-districts.c), on the real
 * outlines of Jingmen and on small files made for one case each. */

static BcDistricts *
load_jingmen (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "basemap",
                                                 BC_DISTRICTS_FILE_NAME, NULL);
  g_autoptr(GError) error = NULL;
  BcDistricts *districts = bc_districts_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (districts);
  return districts;
}

/* Writes @json to a file in a new temporary directory; free with remove_temp(). */
static char *
write_temp (const char *json)
{
  g_autofree char *dir = g_dir_make_tmp ("beacon-districts-XXXXXX", NULL);
  char *path;

  g_assert_nonnull (dir);
  path = g_build_filename (dir, "districts.json", NULL);
  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  return path;
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_load_jingmen (void)
{
  g_autoptr(BcDistricts) districts = load_jingmen ();
  const char *labels[] = { "东宝区", "掇刀区", "京山市", "沙洋县", "钟祥市" };

  g_assert_cmpuint (districts->districts->len, ==, G_N_ELEMENTS (labels));
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    g_assert_cmpstr (g_array_index (districts->districts, BcDistrict, i).label, ==, labels[i]);
  /* The source still says 京山县; incidents get the current name. */
  g_assert_cmpstr (g_array_index (districts->districts, BcDistrict, 2).name, ==, "京山县");

  for (guint i = 0; i < districts->rings->len; i++)
    {
      const BcDistrictRing *ring = &g_array_index (districts->rings, BcDistrictRing, i);
      const BcDistrictPoint *first = &g_array_index (districts->points, BcDistrictPoint,
                                                     ring->first);
      const BcDistrictPoint *last = &g_array_index (districts->points, BcDistrictPoint,
                                                    ring->first + ring->n - 1);

      g_assert_cmpuint (ring->n, >=, 4);
      g_assert_cmpfloat (first->lat, ==, last->lat);
      g_assert_cmpfloat (first->lon, ==, last->lon);
    }
  g_assert_true (bc_geo_bounds_contains (&districts->bounds, 31.03, 112.20));
  g_assert_false (bc_geo_bounds_contains (&districts->bounds, 30.59, 114.30));
}

static void
test_find_label_points (void)
{
  g_autoptr(BcDistricts) districts = load_jingmen ();

  for (guint i = 0; i < districts->districts->len; i++)
    {
      const BcDistrict *d = &g_array_index (districts->districts, BcDistrict, i);

      g_assert_cmpstr (bc_districts_find (districts, d->label_point.lat, d->label_point.lon), ==,
                       d->label);
      g_assert_cmpint (bc_districts_find_index (districts, d->label_point.lat,
                                                d->label_point.lon), ==, (int) i);
    }
}

/* The seats of the districts and counties, and places well inside them. */
static void
test_find_towns (void)
{
  g_autoptr(BcDistricts) districts = load_jingmen ();
  const struct
  {
    const char *what;
    double      lat, lon;
    const char *district;
  } towns[] = {
    { "Jingmen city centre (象山大道)", 31.0350, 112.2040, "东宝区" },
    { "north of the city centre", 31.0550, 112.1960, "东宝区" },
    { "掇刀 town", 30.9800, 112.2100, "掇刀区" },
    { "south of 掇刀 (培公大道)", 30.9400, 112.2000, "掇刀区" },
    { "钟祥 city (郢中)", 31.1700, 112.5800, "钟祥市" },
    { "京山 city (新市)", 31.0200, 113.1100, "京山市" },
    { "沙洋 town", 30.7100, 112.5900, "沙洋县" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (towns); i++)
    {
      g_test_message ("%s", towns[i].what);
      g_assert_cmpstr (bc_districts_find (districts, towns[i].lat, towns[i].lon), ==,
                       towns[i].district);
    }
}

static void
test_find_outside (void)
{
  g_autoptr(BcDistricts) districts = load_jingmen ();
  const double places[][2] = {
    { 30.5928, 114.3055 },   /* Wuhan */
    { 39.9042, 116.4074 },   /* Beijing */
    { 31.0000, 111.5000 },   /* west of the prefecture, inside no bounds */
    { 0.0, 0.0 },
    { -90.0, 180.0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      g_assert_null (bc_districts_find (districts, places[i][0], places[i][1]));
      g_assert_cmpint (bc_districts_find_index (districts, places[i][0], places[i][1]), ==, -1);
    }

  /* Inside the prefecture's box but outside every outline: its corners. */
  g_assert_null (bc_districts_find (districts, districts->bounds.min_lat + 1e-6,
                                    districts->bounds.min_lon + 1e-6));
  g_assert_null (bc_districts_find (districts, districts->bounds.max_lat - 1e-6,
                                    districts->bounds.max_lon - 1e-6));
}

/* Each segment of the border between two districts: its middle belongs to exactly one of the
 * two, the same on every call; its ends get the same answer on every call. */
static void
test_find_shared_border (void)
{
  g_autoptr(BcDistricts) districts = load_jingmen ();
  g_autoptr(GHashTable) owner = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_shared = 0, n_first = 0;

  for (guint r = 0; r < districts->rings->len; r++)
    {
      const BcDistrictRing *ring = &g_array_index (districts->rings, BcDistrictRing, r);
      const BcDistrictPoint *p = &g_array_index (districts->points, BcDistrictPoint, ring->first);

      for (guint k = 0; k + 1 < ring->n; k++)
        {
          const BcDistrictPoint *a = &p[k], *b = &p[k + 1];
          gboolean forward = a->lat < b->lat || (a->lat == b->lat && a->lon < b->lon);
          g_autofree char *key = forward
                                 ? g_strdup_printf ("%.6f,%.6f,%.6f,%.6f", a->lat, a->lon, b->lat, b->lon)
                                 : g_strdup_printf ("%.6f,%.6f,%.6f,%.6f", b->lat, b->lon, a->lat, a->lon);
          gpointer other;

          if (!g_hash_table_lookup_extended (owner, key, NULL, &other))
            {
              g_hash_table_insert (owner, g_steal_pointer (&key), GUINT_TO_POINTER (ring->district));
              continue;
            }
          if (GPOINTER_TO_UINT (other) == ring->district)
            continue;

          /* A border of ring->district and other. */
          {
            const BcDistrictPoint *ends[] = { a, b };
            double mid_lat = (a->lat + b->lat) / 2, mid_lon = (a->lon + b->lon) / 2;
            int found = bc_districts_find_index (districts, mid_lat, mid_lon);

            g_assert_true (found == (int) ring->district || found == (int) GPOINTER_TO_UINT (other));
            g_assert_cmpint (bc_districts_find_index (districts, mid_lat, mid_lon), ==, found);
            n_first += found == (int) GPOINTER_TO_UINT (other);
            n_shared++;

            for (guint e = 0; e < G_N_ELEMENTS (ends); e++)
              {
                int at_end = bc_districts_find_index (districts, ends[e]->lat, ends[e]->lon);

                /* The end of a border may lie on the prefecture's outline, where a point
                 * may be outside; either way the answer does not change between calls. */
                g_assert_cmpint (bc_districts_find_index (districts, ends[e]->lat, ends[e]->lon),
                                 ==, at_end);
              }
          }
        }
    }
  g_test_message ("%u border segments, %u in the district listed first", n_shared, n_first);
  g_assert_cmpuint (n_shared, >, 300);
}

/* A hole belongs to whatever fills it, a multipolygon's parts are all the district's. */
static void
test_find_hole_and_parts (void)
{
  g_autofree char *path = write_temp (
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"环区\"},\"geometry\":{\"type\":\"MultiPolygon\","
    " \"coordinates\":["
    "  [[[112.0,30.0],[113.0,30.0],[113.0,31.0],[112.0,31.0],[112.0,30.0]],"
    "   [[112.4,30.4],[112.4,30.6],[112.6,30.6],[112.6,30.4],[112.4,30.4]]],"
    "  [[[114.0,30.0],[114.2,30.0],[114.2,30.2],[114.0,30.0]]]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"name\":\"旧名\",\"label\":\"心区\"},"
    " \"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "  [[[112.4,30.4],[112.6,30.4],[112.6,30.6],[112.4,30.6],[112.4,30.4]]]}}]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(BcDistricts) districts = bc_districts_load (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (districts->districts->len, ==, 2);
  g_assert_cmpuint (districts->rings->len, ==, 4);

  g_assert_cmpstr (bc_districts_find (districts, 30.2, 112.2), ==, "环区");
  g_assert_cmpstr (bc_districts_find (districts, 30.5, 112.5), ==, "心区");
  g_assert_cmpstr (bc_districts_find (districts, 30.05, 114.15), ==, "环区");
  g_assert_null (bc_districts_find (districts, 30.15, 114.05));   /* beside the triangle */
  g_assert_null (bc_districts_find (districts, 30.5, 113.5));     /* between the parts */
  g_assert_null (bc_districts_find (districts, 31.5, 112.5));
  /* No label_point: the middle of the bounds. */
  g_assert_cmpfloat_with_epsilon (g_array_index (districts->districts, BcDistrict, 1).label_point.lat,
                                  30.5, 1e-9);

  remove_temp (path);
}

static void
test_load_malformed (void)
{
  const struct
  {
    const char *json;
    const char *message_part;
  } cases[] = {
    { "[1, 2]", "not a GeoJSON FeatureCollection" },
    { "{\"type\":\"FeatureCollection\",\"features\":[]}", "no districts" },
    { "{\"features\":[{\"properties\":{\"name\":\"x\"}}]}", "feature 0 lacks" },
    { "{\"features\":[{\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
      "[[[112,31],[112.1,31],[112.1,31.1],[112,31]]]}}]}", "feature 0 has no name" },
    { "{\"features\":[{\"properties\":{\"name\":\"x\"},\"geometry\":{\"type\":\"Point\","
      "\"coordinates\":[112,31]}}]}", "feature 0 (x) is a Point" },
    { "{\"features\":[{\"properties\":{\"name\":\"x\"},\"geometry\":{\"type\":\"Polygon\","
      "\"coordinates\":[[[112,31],[112.1,31]]]}}]}", "ring 0 has 2 positions" },
    { "{\"features\":[{\"properties\":{\"name\":\"x\"},\"geometry\":{\"type\":\"Polygon\","
      "\"coordinates\":[[[112,31],[112.1,31],[112.1,31.1],[112,31.1]]]}}]}", "ring 0 is not closed" },
    { "{\"features\":[{\"properties\":{\"name\":\"x\"},\"geometry\":{\"type\":\"Polygon\","
      "\"coordinates\":[[[112,31],[112.1,95],[112.1,31.1],[112,31]]]}}]}",
      "ring 0, position 1 is not [lon, lat] on the globe" },
    { "{\"features\":[{\"properties\":{\"name\":\"x\"},\"geometry\":{\"type\":\"Polygon\","
      "\"coordinates\":[[[112,31],[\"112.1\",31],[112.1,31.1],[112,31]]]}}]}", "position 1" },
    { "{\"features\":[{\"properties\":{\"name\":\"x\",\"label_point\":[1]},\"geometry\":"
      "{\"type\":\"Polygon\",\"coordinates\":[[[112,31],[112.1,31],[112.1,31.1],[112,31]]]}}]}",
      "label_point" },
    { "{\"features\":[{\"properties\":{\"name\":\"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三\"},"
      "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[112,31],[112.1,31],[112.1,31.1],"
      "[112,31]]]}}]}", "longer than 32 characters" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_temp (cases[i].json);
      g_autoptr(GError) error = NULL;
      g_autoptr(BcDistricts) districts = bc_districts_load (path, &error);

      g_test_message ("case %u: %s", i, error != NULL ? error->message : "(no error)");
      g_assert_null (districts);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_true (g_str_has_prefix (error->message, path));
      g_assert_nonnull (strstr (error->message, cases[i].message_part));
      remove_temp (path);
    }

  {
    g_autofree char *path = write_temp ("{\"features\": [");
    g_autoptr(GError) error = NULL;

    g_assert_null (bc_districts_load (path, &error));
    g_assert_nonnull (error);
    remove_temp (path);
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (bc_districts_load ("/nonexistent/districts.json", &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  }
}

static void
test_ref (void)
{
  BcDistricts *districts = load_jingmen ();

  g_assert_true (bc_districts_ref (districts) == districts);
  bc_districts_unref (districts);
  g_assert_cmpstr (bc_districts_find (districts, 31.035, 112.204), ==, "东宝区");
  bc_districts_unref (districts);
}

/* $BEACON_DATADIR first, then the installed and the source tree's data. */
static void
test_find_data_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("beacon-datadir-XXXXXX", NULL);
  g_autofree char *basemap = g_build_filename (dir, "basemap", NULL);
  g_autofree char *own = g_build_filename (basemap, BC_DISTRICTS_FILE_NAME, NULL);
  g_autofree char *found = NULL;
  g_autofree char *fallback = NULL;

  g_unsetenv ("BEACON_DATADIR");
  fallback = bc_districts_find_data_file (BC_DISTRICTS_FILE_NAME);
  g_assert_nonnull (fallback);
  g_assert_true (g_str_has_suffix (fallback, "basemap/" BC_DISTRICTS_FILE_NAME));
  g_assert_null (bc_districts_find_data_file ("no-such-file.json"));

  g_assert_cmpint (g_mkdir_with_parents (basemap, 0700), ==, 0);
  g_assert_true (g_file_set_contents (own, "{}", -1, NULL));
  g_setenv ("BEACON_DATADIR", dir, TRUE);
  found = bc_districts_find_data_file (BC_DISTRICTS_FILE_NAME);
  g_assert_cmpstr (found, ==, own);
  g_unsetenv ("BEACON_DATADIR");

  g_unlink (own);
  g_rmdir (basemap);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/districts/load/jingmen", test_load_jingmen);
  g_test_add_func ("/districts/load/malformed-rejected", test_load_malformed);
  g_test_add_func ("/districts/load/data-file-search-order", test_find_data_file);
  g_test_add_func ("/districts/find/label-points", test_find_label_points);
  g_test_add_func ("/districts/find/towns", test_find_towns);
  g_test_add_func ("/districts/find/outside-is-null", test_find_outside);
  g_test_add_func ("/districts/find/shared-border-deterministic", test_find_shared_border);
  g_test_add_func ("/districts/find/hole-and-multipolygon", test_find_hole_and_parts);
  g_test_add_func ("/districts/ref", test_ref);

  return g_test_run ();
}
