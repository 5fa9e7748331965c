/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "bc-districts.h"
#include "bc-geo.h"
#include "bc-grid-index.h"

/*
 * The spatial index against a linear scan, on 100,000 points around Jingmen: half of them in
 * the city (normally distributed, 4 km standard deviation around Dongbao), half spread evenly
 * over the prefecture's box. That is about what 20,000 cameras plus everything else a console
 * shows look like. Query centres follow the same distribution.
 *
 * Prints only lines "bench: NAME VALUE UNIT".
 */

#define N_POINTS 100000
#define N_GRID_QUERIES 5000
#define N_BRUTE_QUERIES 200
#define N_BUILDS 5
#define N_DISTRICT_QUERIES 100000

#define CENTRE_LAT 31.03
#define CENTRE_LON 112.20

typedef struct
{
  guint64 key;
  double  lat;
  double  lon;
} Point;

typedef enum
{
  QUERY_RADIUS,
  QUERY_NEAREST,
} QueryKind;

static double
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
random_location (GRand  *rand,
                 double *lat,
                 double *lon)
{
  if (g_rand_boolean (rand))
    {
      /* Box-Muller: two independent normal deviates. */
      double u = 1.0 - g_rand_double (rand);
      double v = g_rand_double (rand);
      double r = 4000.0 * sqrt (-2.0 * log (u));

      bc_geo_offset_m (CENTRE_LAT, CENTRE_LON, r * cos (2 * G_PI * v), r * sin (2 * G_PI * v),
                       lat, lon);
    }
  else
    {
      *lat = g_rand_double_range (rand, 30.5, 31.6);
      *lon = g_rand_double_range (rand, 111.8, 113.2);
    }
}

static void
print_bench (const char *name,
             double      value,
             const char *unit)
{
  printf ("bench: %s %.*f %s\n", name, value < 10.0 ? 2 : 1, value, unit);
}

static int
double_cmp (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static int
hit_cmp (gconstpointer a,
         gconstpointer b)
{
  const BcGridHit *ha = a, *hb = b;

  if (ha->distance_m != hb->distance_m)
    return ha->distance_m < hb->distance_m ? -1 : 1;
  return ha->key < hb->key ? -1 : ha->key > hb->key ? 1 : 0;
}

/* The linear scan a caller would write without an index. */
static void
brute_query (const Point *pts,
             guint        n,
             QueryKind    kind,
             double       lat,
             double       lon,
             double       param,
             GArray      *all,
             GArray      *out)
{
  g_array_set_size (all, 0);
  for (guint i = 0; i < n; i++)
    {
      BcGridHit h = { pts[i].key, bc_geo_distance_m (lat, lon, pts[i].lat, pts[i].lon) };

      if (kind == QUERY_NEAREST || h.distance_m <= param)
        g_array_append_val (all, h);
    }

  g_array_set_size (out, 0);
  if (kind == QUERY_RADIUS)
    {
      g_array_sort (all, hit_cmp);
      g_array_append_vals (out, all->data, all->len);
      return;
    }

  /* k best by insertion into a short sorted array. */
  for (guint i = 0; i < all->len; i++)
    {
      const BcGridHit *h = &g_array_index (all, BcGridHit, i);
      guint k = (guint) param, pos;

      if (out->len == k && hit_cmp (h, &g_array_index (out, BcGridHit, k - 1)) >= 0)
        continue;
      for (pos = out->len; pos > 0 && hit_cmp (h, &g_array_index (out, BcGridHit, pos - 1)) < 0;
           pos--)
        ;
      g_array_insert_vals (out, pos, h, 1);
      if (out->len > k)
        g_array_set_size (out, k);
    }
}

static void
check_same (GArray     *got,
            GArray     *want,
            const char *name)
{
  if (got->len != want->len)
    g_error ("%s: index and scan disagree (%u and %u hits)", name, got->len, want->len);
  for (guint i = 0; i < got->len; i++)
    if (g_array_index (got, BcGridHit, i).key != g_array_index (want, BcGridHit, i).key)
      g_error ("%s: index and scan disagree at hit %u", name, i);
}

/* Times one kind of query on the index and by a linear scan; prints mean, p99 and speedup. */
static void
bench_queries (BcGridIndex *index,
               const Point *pts,
               const char  *name,
               QueryKind    kind,
               double       param)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x9e0 + (guint32) param);
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autofree double *lat = g_new (double, N_GRID_QUERIES);
  g_autofree double *lon = g_new (double, N_GRID_QUERIES);
  g_autofree double *t = g_new (double, N_GRID_QUERIES);
  double grid_mean = 0.0, brute_mean = 0.0, n_hits = 0.0;
  g_autofree char *key = NULL;

  for (guint q = 0; q < N_GRID_QUERIES; q++)
    random_location (rand, &lat[q], &lon[q]);

  /* Warm the caches and the branch predictors once. */
  for (guint q = 0; q < 100; q++)
    if (kind == QUERY_RADIUS)
      bc_grid_index_query_radius (index, lat[q], lon[q], param, hits);
    else
      bc_grid_index_query_nearest (index, lat[q], lon[q], (guint) param, 0.0, hits);

  for (guint q = 0; q < N_GRID_QUERIES; q++)
    {
      double t0 = now_us ();

      if (kind == QUERY_RADIUS)
        bc_grid_index_query_radius (index, lat[q], lon[q], param, hits);
      else
        bc_grid_index_query_nearest (index, lat[q], lon[q], (guint) param, 0.0, hits);
      t[q] = now_us () - t0;
      grid_mean += t[q];
      n_hits += hits->len;
    }
  grid_mean /= N_GRID_QUERIES;
  qsort (t, N_GRID_QUERIES, sizeof (double), double_cmp);

  key = g_strdup_printf ("grid-%s-mean", name);
  print_bench (key, grid_mean, "us");
  g_free (key);
  key = g_strdup_printf ("grid-%s-p99", name);
  print_bench (key, t[(guint) (N_GRID_QUERIES * 0.99)], "us");
  g_free (key);
  key = g_strdup_printf ("grid-%s-hits", name);
  print_bench (key, n_hits / N_GRID_QUERIES, "hits");

  for (guint q = 0; q < N_BRUTE_QUERIES; q++)
    {
      double t0 = now_us ();

      brute_query (pts, N_POINTS, kind, lat[q], lon[q], param, all, want);
      t[q] = now_us () - t0;
      brute_mean += t[q];

      /* Same answer, or the comparison means nothing. */
      if (kind == QUERY_RADIUS)
        bc_grid_index_query_radius (index, lat[q], lon[q], param, hits);
      else
        bc_grid_index_query_nearest (index, lat[q], lon[q], (guint) param, 0.0, hits);
      check_same (hits, want, name);
    }
  brute_mean /= N_BRUTE_QUERIES;
  qsort (t, N_BRUTE_QUERIES, sizeof (double), double_cmp);

  g_free (key);
  key = g_strdup_printf ("brute-%s-mean", name);
  print_bench (key, brute_mean, "us");
  g_free (key);
  key = g_strdup_printf ("brute-%s-p99", name);
  print_bench (key, t[(guint) (N_BRUTE_QUERIES * 0.99)], "us");
  g_free (key);
  key = g_strdup_printf ("speedup-%s", name);
  print_bench (key, brute_mean / grid_mean, "x");
}

/* The district an incident is created in (bc_districts_find()), over the real outlines of
 * Jingmen (about 6,400 points), at the same query locations: half in the city, where the
 * Dongbao / Duodao border runs, half anywhere in the prefecture's box. */
static void
bench_districts (GRand *rand)
{
  g_autofree char *path = bc_districts_find_data_file (BC_DISTRICTS_FILE_NAME);
  g_autoptr(BcDistricts) districts = NULL;
  g_autoptr(GError) error = NULL;
  double loads[N_BUILDS];
  double t0, t;
  guint found = 0;

  if (path == NULL)
    g_error ("basemap/%s not found", BC_DISTRICTS_FILE_NAME);
  for (guint b = 0; b < N_BUILDS; b++)
    {
      g_clear_pointer (&districts, bc_districts_unref);
      t0 = now_us ();
      districts = bc_districts_load (path, &error);
      loads[b] = now_us () - t0;
      if (districts == NULL)
        g_error ("%s", error->message);
    }
  qsort (loads, N_BUILDS, sizeof (double), double_cmp);
  print_bench ("district_load_ms", loads[N_BUILDS / 2] / 1000.0, "ms");

  t = 0;
  for (guint i = 0; i < N_DISTRICT_QUERIES; i++)
    {
      double lat, lon;

      random_location (rand, &lat, &lon);
      t0 = now_us ();
      found += bc_districts_find (districts, lat, lon) != NULL;
      t += now_us () - t0;
    }
  print_bench ("district_lookup_us", t / N_DISTRICT_QUERIES, "us");
  print_bench ("district_lookup_hit_share", 100.0 * found / N_DISTRICT_QUERIES, "%");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240521);
  g_autofree Point *pts = g_new (Point, N_POINTS);
  g_autoptr(BcGridIndex) index = NULL;
  double builds[N_BUILDS];
  double t0, t_move;

  for (guint i = 0; i < N_POINTS; i++)
    {
      pts[i].key = i + 1;
      random_location (rand, &pts[i].lat, &pts[i].lon);
    }

  for (guint b = 0; b < N_BUILDS; b++)
    {
      g_clear_pointer (&index, bc_grid_index_free);
      t0 = now_us ();
      index = bc_grid_index_new (0.0);
      for (guint i = 0; i < N_POINTS; i++)
        bc_grid_index_insert (index, pts[i].key, pts[i].lat, pts[i].lon);
      builds[b] = now_us () - t0;
    }
  qsort (builds, N_BUILDS, sizeof (double), double_cmp);
  print_bench ("grid-build", builds[N_BUILDS / 2] / 1000.0, "ms");
  print_bench ("grid-memory", bc_grid_index_get_memory_size (index) / (1024.0 * 1024.0), "MiB");
  print_bench ("grid-memory-per-point", (double) bc_grid_index_get_memory_size (index) / N_POINTS,
               "B");

  bench_queries (index, pts, "radius300", QUERY_RADIUS, 300.0);
  bench_queries (index, pts, "radius2k", QUERY_RADIUS, 2000.0);
  bench_queries (index, pts, "knn5", QUERY_NEAREST, 5);
  bench_queries (index, pts, "knn20", QUERY_NEAREST, 20);

  /* AVL updates: every point moves by up to 30 m, as a fleet does between two fixes. */
  t0 = now_us ();
  for (guint i = 0; i < N_POINTS; i++)
    {
      double lat, lon;

      bc_geo_offset_m (pts[i].lat, pts[i].lon, g_rand_double_range (rand, -30.0, 30.0),
                       g_rand_double_range (rand, -30.0, 30.0), &lat, &lon);
      bc_grid_index_move (index, pts[i].key, lat, lon);
    }
  t_move = now_us () - t0;
  print_bench ("grid-move", t_move * 1000.0 / N_POINTS, "ns");

  bench_districts (rand);

  return 0;
}
