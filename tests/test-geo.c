/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <math.h>

#include "bc-geo.h"
#include "bc-grid-index.h"

#define DEG (G_PI / 180.0)

/* Jingmen (Dongbao district) and Wuhan, WGS-84. */
#define JINGMEN_LAT 31.03
#define JINGMEN_LON 112.20
#define WUHAN_LAT 30.59
#define WUHAN_LON 114.30

/* The area the Jingmen tests spread points over. */
#define AREA_LAT_MIN 30.5
#define AREA_LAT_MAX 31.6
#define AREA_LON_MIN 111.8
#define AREA_LON_MAX 113.2

/* ---- independent reference formulas ---------------------------------------------------- */

/* Vincenty's inverse formula on the WGS-84 ellipsoid: a different model (ellipsoid, not sphere)
 * and a different method (iterated geodesic, not haversine). */
static double
vincenty_wgs84_m (double lat1,
                  double lon1,
                  double lat2,
                  double lon2)
{
  const double a = 6378137.0;
  const double f = 1.0 / 298.257223563;
  const double b = a * (1.0 - f);
  double L = (lon2 - lon1) * DEG;
  double U1 = atan ((1.0 - f) * tan (lat1 * DEG));
  double U2 = atan ((1.0 - f) * tan (lat2 * DEG));
  double sinU1 = sin (U1), cosU1 = cos (U1), sinU2 = sin (U2), cosU2 = cos (U2);
  double lambda = L, lambda_prev;
  double sin_sigma, cos_sigma, sigma, cos2_alpha, cos_2sigma_m, C;
  double u2, A, B, delta_sigma;
  int iter = 0;

  do
    {
      double sin_lambda = sin (lambda), cos_lambda = cos (lambda), sin_alpha;

      sin_sigma = sqrt ((cosU2 * sin_lambda) * (cosU2 * sin_lambda)
                        + (cosU1 * sinU2 - sinU1 * cosU2 * cos_lambda)
                          * (cosU1 * sinU2 - sinU1 * cosU2 * cos_lambda));
      if (sin_sigma == 0.0)
        return 0.0;
      cos_sigma = sinU1 * sinU2 + cosU1 * cosU2 * cos_lambda;
      sigma = atan2 (sin_sigma, cos_sigma);
      sin_alpha = cosU1 * cosU2 * sin_lambda / sin_sigma;
      cos2_alpha = 1.0 - sin_alpha * sin_alpha;
      cos_2sigma_m = cos2_alpha != 0.0 ? cos_sigma - 2.0 * sinU1 * sinU2 / cos2_alpha : 0.0;
      C = f / 16.0 * cos2_alpha * (4.0 + f * (4.0 - 3.0 * cos2_alpha));
      lambda_prev = lambda;
      lambda = L + (1.0 - C) * f * sin_alpha
               * (sigma + C * sin_sigma
                  * (cos_2sigma_m + C * cos_sigma * (-1.0 + 2.0 * cos_2sigma_m * cos_2sigma_m)));
    }
  while (fabs (lambda - lambda_prev) > 1e-12 && ++iter < 200);

  g_assert_cmpint (iter, <, 200);

  u2 = cos2_alpha * (a * a - b * b) / (b * b);
  A = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)));
  B = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)));
  delta_sigma = B * sin_sigma
                * (cos_2sigma_m + B / 4.0
                   * (cos_sigma * (-1.0 + 2.0 * cos_2sigma_m * cos_2sigma_m)
                      - B / 6.0 * cos_2sigma_m * (-3.0 + 4.0 * sin_sigma * sin_sigma)
                        * (-3.0 + 4.0 * cos_2sigma_m * cos_2sigma_m)));
  return b * A * (sigma - delta_sigma);
}

/* The great-circle angle by the atan2 form of the spherical law of cosines. */
static double
sphere_atan2_m (double lat1,
                double lon1,
                double lat2,
                double lon2)
{
  double p1 = lat1 * DEG, p2 = lat2 * DEG, dl = (lon2 - lon1) * DEG;
  double y = hypot (cos (p2) * sin (dl), cos (p1) * sin (p2) - sin (p1) * cos (p2) * cos (dl));
  double x = sin (p1) * sin (p2) + cos (p1) * cos (p2) * cos (dl);

  return BC_GEO_EARTH_RADIUS_M * atan2 (y, x);
}

/* ---- Web Mercator ---------------------------------------------------------------------- */

static void
test_mercator_known_values (void)
{
  double x, y, lat, lon;

  bc_mercator_project (0.0, 0.0, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 0.5, 1e-15);
  g_assert_cmpfloat_with_epsilon (y, 0.5, 1e-15);

  /* The west edge, the antimeridian wraps to it, and the north-west corner. */
  bc_mercator_project (0.0, -180.0, &x, &y);
  g_assert_cmpfloat (x, ==, 0.0);
  bc_mercator_project (0.0, 180.0, &x, &y);
  g_assert_cmpfloat (x, ==, 0.0);
  bc_mercator_project (BC_MERCATOR_MAX_LAT, -180.0, &x, &y);
  g_assert_cmpfloat_with_epsilon (y, 0.0, 1e-9);
  g_assert_cmpfloat (y, >=, 0.0);
  bc_mercator_project (-BC_MERCATOR_MAX_LAT, 90.0, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 0.75, 1e-15);
  g_assert_cmpfloat_with_epsilon (y, 1.0, 1e-9);
  g_assert_cmpfloat (y, <, 1.0);

  /* 45°N: y = 1/2 - ln(tan(67.5°)) / 2pi. */
  bc_mercator_project (45.0, 0.0, &x, &y);
  g_assert_cmpfloat_with_epsilon (y, 0.5 - log (tan (67.5 * DEG)) / (2.0 * G_PI), 1e-14);
  g_assert_cmpfloat_with_epsilon (y, 0.35972503691520497, 1e-12);

  /* Tile arithmetic: Jingmen at zoom 12 lies in tile x = 3324, y = 1676 (by hand from the
   * formula above: x = (112.2 + 180) / 360 * 4096, y from ln(tan(45° + 31.03°/2))). */
  bc_mercator_project (JINGMEN_LAT, JINGMEN_LON, &x, &y);
  g_assert_cmpint ((int) floor (x * 4096), ==, 3324);
  g_assert_cmpint ((int) floor (y * 4096), ==, 1676);

  bc_mercator_unproject (0.5, 0.5, &lat, &lon);
  g_assert_cmpfloat_with_epsilon (lat, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (lon, 0.0, 1e-12);
  bc_mercator_unproject (0.0, 0.0, &lat, &lon);
  g_assert_cmpfloat_with_epsilon (lat, BC_MERCATOR_MAX_LAT, 1e-8);
  g_assert_cmpfloat (lon, ==, -180.0);
  /* x wraps around the world. */
  bc_mercator_unproject (1.25, 0.5, &lat, &lon);
  g_assert_cmpfloat_with_epsilon (lon, -90.0, 1e-12);

  /* 2 pi 6378137 / 256 metres per pixel at the equator at zoom 0; half that at 60°. */
  g_assert_cmpfloat_with_epsilon (bc_mercator_meters_per_pixel (0.0, 0.0), 156543.03392804097,
                                  1e-6);
  g_assert_cmpfloat_with_epsilon (bc_mercator_meters_per_pixel (60.0, 0.0), 156543.03392804097 / 2,
                                  1e-6);
  g_assert_cmpfloat_with_epsilon (bc_mercator_meters_per_pixel (0.0, 15.0),
                                  156543.03392804097 / 32768.0, 1e-9);
  /* Fractional zoom is continuous. */
  g_assert_cmpfloat_with_epsilon (bc_mercator_meters_per_pixel (0.0, 14.5),
                                  156543.03392804097 / 16384.0 / sqrt (2.0), 1e-9);
}

static void
test_mercator_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
  double max_err = 0.0;

  for (int i = 0; i < 100000; i++)
    {
      double lat = g_rand_double_range (rand, -BC_MERCATOR_MAX_LAT, BC_MERCATOR_MAX_LAT);
      double lon = g_rand_double_range (rand, -180.0, 180.0);
      double x, y, lat2, lon2;

      bc_mercator_project (lat, lon, &x, &y);
      g_assert_cmpfloat (x, >=, 0.0);
      g_assert_cmpfloat (x, <, 1.0);
      g_assert_cmpfloat (y, >=, 0.0);
      g_assert_cmpfloat (y, <, 1.0);
      bc_mercator_unproject (x, y, &lat2, &lon2);
      max_err = MAX (max_err, fabs (lat2 - lat));
      max_err = MAX (max_err, fabs (lon2 - lon));
    }

  g_test_message ("mercator round trip: max error %.3g degrees", max_err);
  g_assert_cmpfloat (max_err, <, 1e-9);
}

static void
test_mercator_clamp (void)
{
  double x1, y1, x2, y2;

  /* Beyond the square world every latitude lands on its edge, never outside [0, 1). */
  bc_mercator_project (BC_MERCATOR_MAX_LAT, 10.0, &x1, &y1);
  bc_mercator_project (89.9, 10.0, &x2, &y2);
  g_assert_cmpfloat (y2, ==, y1);
  bc_mercator_project (90.0, 10.0, &x2, &y2);
  g_assert_cmpfloat (y2, ==, y1);
  g_assert_cmpfloat (y2, >=, 0.0);

  bc_mercator_project (-BC_MERCATOR_MAX_LAT, 10.0, &x1, &y1);
  bc_mercator_project (-90.0, 10.0, &x2, &y2);
  g_assert_cmpfloat (y2, ==, y1);
  g_assert_cmpfloat (y2, <, 1.0);

  /* Longitudes outside [-180, 180) wrap. */
  bc_mercator_project (0.0, 190.0, &x1, &y1);
  bc_mercator_project (0.0, -170.0, &x2, &y2);
  g_assert_cmpfloat_with_epsilon (x1, x2, 1e-15);
  bc_mercator_project (0.0, -540.0, &x1, &y1);
  g_assert_cmpfloat_with_epsilon (x1, 0.0, 1e-15);
}

/* ---- distances, bearings ----------------------------------------------------------------- */

static void
test_distance_known (void)
{
  double d;

  /* One degree of latitude on the mean sphere is R·pi/180. */
  d = bc_geo_distance_m (30.0, 112.0, 31.0, 112.0);
  g_assert_cmpfloat_with_epsilon (d, 111195.08, 0.01);
  g_assert_cmpfloat_with_epsilon (bc_geo_distance_m (-0.5, 0.0, 0.5, 0.0), 111195.08, 0.01);

  /* Along the equator too; a quarter of the way round; half of it. */
  g_assert_cmpfloat_with_epsilon (bc_geo_distance_m (0.0, 10.0, 0.0, 11.0), 111195.08, 0.01);
  g_assert_cmpfloat_with_epsilon (bc_geo_distance_m (0.0, 0.0, 90.0, 0.0),
                                  BC_GEO_EARTH_RADIUS_M * G_PI / 2, 1e-6);
  g_assert_cmpfloat_with_epsilon (bc_geo_distance_m (0.0, 0.0, 0.0, 180.0),
                                  BC_GEO_EARTH_RADIUS_M * G_PI, 1e-6);

  /* Across the antimeridian it is the short way round. */
  g_assert_cmpfloat_with_epsilon (bc_geo_distance_m (0.0, 179.5, 0.0, -179.5), 111195.08, 0.01);

  g_assert_cmpfloat (bc_geo_distance_m (JINGMEN_LAT, JINGMEN_LON, JINGMEN_LAT, JINGMEN_LON), ==,
                     0.0);
  g_assert_cmpfloat (bc_geo_distance_m (JINGMEN_LAT, JINGMEN_LON, WUHAN_LAT, WUHAN_LON), ==,
                     bc_geo_distance_m (WUHAN_LAT, WUHAN_LON, JINGMEN_LAT, JINGMEN_LON));
}

static void
test_distance_jingmen_wuhan (void)
{
  double hav = bc_geo_distance_m (JINGMEN_LAT, JINGMEN_LON, WUHAN_LAT, WUHAN_LON);
  double sph = sphere_atan2_m (JINGMEN_LAT, JINGMEN_LON, WUHAN_LAT, WUHAN_LON);
  double ell = vincenty_wgs84_m (JINGMEN_LAT, JINGMEN_LON, WUHAN_LAT, WUHAN_LON);

  /* First check the reference itself on Vincenty's published example, Flinders Peak to
   * Buninyong: 54 972.271 m on the Australian National Spheroid. WGS-84 is shaped slightly
   * differently, which moves the figure by well under a metre. */
  g_assert_cmpfloat_with_epsilon (vincenty_wgs84_m (-(37 + 57 / 60.0 + 3.72030 / 3600),
                                                    144 + 25 / 60.0 + 29.52440 / 3600,
                                                    -(37 + 39 / 60.0 + 10.15610 / 3600),
                                                    143 + 55 / 60.0 + 35.38390 / 3600),
                                  54972.271, 1.0);

  g_test_message ("Jingmen-Wuhan: haversine %.1f m, sphere atan2 %.1f m, Vincenty WGS-84 %.1f m",
                  hav, sph, ell);

  /* Same sphere, different formula: equal to well under a millimetre. */
  g_assert_cmpfloat_with_epsilon (hav, sph, 1e-3);
  /* Sphere against ellipsoid: the sphere is off by at most about 0.5 %. */
  g_assert_cmpfloat (fabs (hav - ell) / ell, <, 0.005);
  g_assert_cmpfloat (hav, >, 200000.0);
  g_assert_cmpfloat (hav, <, 210000.0);
}

static void
test_bearing_cardinal (void)
{
  g_assert_cmpfloat_with_epsilon (bc_geo_bearing_deg (30.0, 112.0, 31.0, 112.0), 0.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (bc_geo_bearing_deg (30.0, 112.0, 29.0, 112.0), 180.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (bc_geo_bearing_deg (0.0, 10.0, 0.0, 11.0), 90.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (bc_geo_bearing_deg (0.0, 10.0, 0.0, 9.0), 270.0, 1e-9);
  /* Eastwards across the antimeridian. */
  g_assert_cmpfloat_with_epsilon (bc_geo_bearing_deg (0.0, 179.5, 0.0, -179.5), 90.0, 1e-9);

  /* Wuhan is east-south-east of Jingmen. */
  double b = bc_geo_bearing_deg (JINGMEN_LAT, JINGMEN_LON, WUHAN_LAT, WUHAN_LON);
  g_assert_cmpfloat (b, >, 100.0);
  g_assert_cmpfloat (b, <, 110.0);
}

static void
test_destination_round_trip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (int i = 0; i < 10000; i++)
    {
      double lat = g_rand_double_range (rand, -80.0, 80.0);
      double lon = g_rand_double_range (rand, -180.0, 180.0);
      double bearing = g_rand_double_range (rand, 0.0, 360.0);
      double dist = g_rand_double_range (rand, 1.0, 2.0e6);
      double lat2, lon2;

      bc_geo_destination (lat, lon, bearing, dist, &lat2, &lon2);
      g_assert_cmpfloat (lon2, >=, -180.0);
      g_assert_cmpfloat (lon2, <, 180.0);
      g_assert_cmpfloat_with_epsilon (bc_geo_distance_m (lat, lon, lat2, lon2), dist,
                                      1e-6 * dist + 1e-6);
      g_assert_cmpfloat_with_epsilon (fmod (bc_geo_bearing_deg (lat, lon, lat2, lon2) - bearing
                                            + 540.0, 360.0) - 180.0,
                                      0.0, 1e-6);
    }
}

static void
test_offset_small (void)
{
  double lat, lon;

  /* 1 km north and 1 km east of Jingmen is sqrt(2) km away, to the north-east. */
  bc_geo_offset_m (JINGMEN_LAT, JINGMEN_LON, 1000.0, 1000.0, &lat, &lon);
  g_assert_cmpfloat_with_epsilon (bc_geo_distance_m (JINGMEN_LAT, JINGMEN_LON, lat, lon),
                                  1000.0 * G_SQRT2, 0.05);
  g_assert_cmpfloat_with_epsilon (bc_geo_bearing_deg (JINGMEN_LAT, JINGMEN_LON, lat, lon), 45.0,
                                  0.01);

  bc_geo_offset_m (JINGMEN_LAT, JINGMEN_LON, -5000.0, 0.0, &lat, &lon);
  g_assert_cmpfloat_with_epsilon (bc_geo_distance_m (JINGMEN_LAT, JINGMEN_LON, lat, lon), 5000.0,
                                  1e-6);
  g_assert_cmpfloat (lon, ==, JINGMEN_LON);

  /* East across the antimeridian wraps. */
  bc_geo_offset_m (0.0, 179.999, 0.0, 1000.0, &lat, &lon);
  g_assert_cmpfloat (lon, <, -179.99);
}

/* ---- GCJ-02 ---------------------------------------------------------------------------- */

/* Reference values published with other implementations of the same formula (the test tables
 * of the eviltransform project, and Beijing from the R package "geoChina"). */
static void
test_gcj02_published_values (void)
{
  static const double cases[][4] = {
    /* WGS-84 lat, lon -> GCJ-02 lat, lon */
    { 31.1774276, 121.5272106, 31.17530398364597, 121.531541859215 },    /* Shanghai */
    { 22.543847, 113.912316, 22.540796131694766, 113.9171764808363 },    /* Shenzhen */
    { 39.911954, 116.377817, 39.91334545536069, 116.38404722455657 },    /* Beijing */
    { 39.90734, 116.39089, 39.90874107, 116.39713094 },                  /* Beijing (8 decimals) */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double glat, glon, wlat, wlon;

      bc_wgs84_to_gcj02 (cases[i][0], cases[i][1], &glat, &glon);
      g_assert_cmpfloat_with_epsilon (glat, cases[i][2], 1e-8);
      g_assert_cmpfloat_with_epsilon (glon, cases[i][3], 1e-8);
      bc_gcj02_to_wgs84 (cases[i][2], cases[i][3], &wlat, &wlon);
      g_assert_cmpfloat_with_epsilon (wlat, cases[i][0], 1e-8);
      g_assert_cmpfloat_with_epsilon (wlon, cases[i][1], 1e-8);
    }
}

static void
test_gcj02_jingmen_offset (void)
{
  double min_off = G_MAXDOUBLE, max_off = 0.0;
  double min_n = G_MAXDOUBLE, max_n = -G_MAXDOUBLE, min_e = G_MAXDOUBLE, max_e = -G_MAXDOUBLE;

  /* Every point of a 21 x 21 grid over the Jingmen area. */
  for (int i = 0; i <= 20; i++)
    for (int j = 0; j <= 20; j++)
      {
        double lat = AREA_LAT_MIN + (AREA_LAT_MAX - AREA_LAT_MIN) * i / 20.0;
        double lon = AREA_LON_MIN + (AREA_LON_MAX - AREA_LON_MIN) * j / 20.0;
        double glat, glon, off, north, east;

        g_assert_true (bc_gcj02_in_china (lat, lon));
        bc_wgs84_to_gcj02 (lat, lon, &glat, &glon);
        off = bc_geo_distance_m (lat, lon, glat, glon);
        north = (glat - lat) * DEG * BC_GEO_EARTH_RADIUS_M;
        east = (glon - lon) * DEG * BC_GEO_EARTH_RADIUS_M * cos (lat * DEG);
        min_off = MIN (min_off, off);
        max_off = MAX (max_off, off);
        min_n = MIN (min_n, north);
        max_n = MAX (max_n, north);
        min_e = MIN (min_e, east);
        max_e = MAX (max_e, east);
      }

  g_test_message ("GCJ-02 offset over the Jingmen area: %.1f to %.1f m "
                  "(north %.1f to %.1f m, east %.1f to %.1f m)",
                  min_off, max_off, min_n, max_n, min_e, max_e);
  /* GCJ-02 shifts Jingmen about 250 m south and 550 m east: some 600 m in all. */
  g_assert_cmpfloat (min_n, >=, -310.0);
  g_assert_cmpfloat (max_n, <=, -200.0);
  g_assert_cmpfloat (min_e, >=, 500.0);
  g_assert_cmpfloat (max_e, <=, 600.0);
  g_assert_cmpfloat (min_off, >=, 250.0);
  g_assert_cmpfloat (max_off, <=, 650.0);
}

static void
test_gcj02_inverse_round_trip (void)
{
  double max_err = 0.0, max_err_gcj = 0.0;
  const int n = 200;

  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      {
        double lat = AREA_LAT_MIN + (AREA_LAT_MAX - AREA_LAT_MIN) * i / (n - 1);
        double lon = AREA_LON_MIN + (AREA_LON_MAX - AREA_LON_MIN) * j / (n - 1);
        double glat, glon, wlat, wlon, flat, flon;

        /* WGS-84 -> GCJ-02 -> WGS-84 comes back to where it started ... */
        bc_wgs84_to_gcj02 (lat, lon, &glat, &glon);
        bc_gcj02_to_wgs84 (glat, glon, &wlat, &wlon);
        max_err = MAX (max_err, bc_geo_distance_m (lat, lon, wlat, wlon));

        /* ... and a GCJ-02 point's inverse maps forward onto that point. */
        bc_gcj02_to_wgs84 (lat, lon, &wlat, &wlon);
        bc_wgs84_to_gcj02 (wlat, wlon, &flat, &flon);
        max_err_gcj = MAX (max_err_gcj, bc_geo_distance_m (lat, lon, flat, flon));
      }

  g_test_message ("GCJ-02 inverse over %d x %d points: max round-trip error %.3g m (WGS first), "
                  "%.3g m (GCJ first)", n, n, max_err, max_err_gcj);
  g_assert_cmpfloat (max_err, <, 1.0);
  g_assert_cmpfloat (max_err_gcj, <, 1.0);
  /* The iteration stops at 1e-9 degrees, about 0.1 mm. */
  g_assert_cmpfloat (max_err, <, 0.001);
  g_assert_cmpfloat (max_err_gcj, <, 0.001);
}

static void
test_gcj02_outside_china (void)
{
  static const double points[][2] = {
    { 35.6812, 139.7671 },  /* Tokyo */
    { 48.8566, 2.3522 },    /* Paris */
    { -33.8688, 151.2093 }, /* Sydney */
    { 0.5, 100.0 },         /* just south of the box */
    { 60.0, 100.0 },        /* north of it */
    { 40.0, 70.0 },         /* west of it */
    { -90.0, 180.0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (points); i++)
    {
      double lat, lon;

      g_assert_false (bc_gcj02_in_china (points[i][0], points[i][1]));
      bc_wgs84_to_gcj02 (points[i][0], points[i][1], &lat, &lon);
      g_assert_cmpfloat (lat, ==, points[i][0]);
      g_assert_cmpfloat (lon, ==, points[i][1]);
      bc_gcj02_to_wgs84 (points[i][0], points[i][1], &lat, &lon);
      g_assert_cmpfloat (lat, ==, points[i][0]);
      g_assert_cmpfloat (lon, ==, points[i][1]);
    }

  /* And inside it is not the identity. */
  g_assert_true (bc_gcj02_in_china (JINGMEN_LAT, JINGMEN_LON));
}

/* ---- bounds ---------------------------------------------------------------------------- */

static void
test_bounds_parse_valid (void)
{
  g_autoptr(GError) error = NULL;
  BcGeoBounds b;

  g_assert_true (bc_geo_bounds_parse ("111.8,30.5,113.2,31.6", &b, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (b.min_lon, ==, 111.8);
  g_assert_cmpfloat (b.min_lat, ==, 30.5);
  g_assert_cmpfloat (b.max_lon, ==, 113.2);
  g_assert_cmpfloat (b.max_lat, ==, 31.6);

  /* Blanks around numbers, signs, exponents, whole-world and one-point boxes are fine. */
  g_assert_true (bc_geo_bounds_parse (" -180 , -90 ,180, 90 ", &b, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (b.min_lon, ==, -180.0);
  g_assert_cmpfloat (b.max_lat, ==, 90.0);
  g_assert_true (bc_geo_bounds_parse ("1.12e2,+31,112,31", &b, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (b.min_lon, ==, 112.0);
  g_assert_true (bc_geo_bounds_contains (&b, 31.0, 112.0));
}

static void
test_bounds_parse_errors (void)
{
  static const struct
  {
    const char *text;
    BcGeoError  code;
  } cases[] = {
    { "", BC_GEO_ERROR_MALFORMED },
    { "112", BC_GEO_ERROR_MALFORMED },
    { "111.8,30.5,113.2", BC_GEO_ERROR_MALFORMED },
    { "111.8,30.5,113.2,31.6,1", BC_GEO_ERROR_MALFORMED },
    { "111.8,30.5,113.2,31.6,", BC_GEO_ERROR_MALFORMED },
    { "111.8,,113.2,31.6", BC_GEO_ERROR_MALFORMED },
    { "a,b,c,d", BC_GEO_ERROR_MALFORMED },
    { "111.8,30.5,113.2,31.6x", BC_GEO_ERROR_MALFORMED },
    { "111.8;30.5;113.2;31.6", BC_GEO_ERROR_MALFORMED },
    { "nan,30.5,113.2,31.6", BC_GEO_ERROR_MALFORMED },
    { "111.8,30.5,inf,31.6", BC_GEO_ERROR_MALFORMED },
    { "0x10,30.5,113.2,31.6", BC_GEO_ERROR_MALFORMED },
    { "1e999,30.5,113.2,31.6", BC_GEO_ERROR_MALFORMED },
    { "111.8,30.5,113..2,31.6", BC_GEO_ERROR_MALFORMED },
    { "111.8 30.5,113.2,31.6", BC_GEO_ERROR_MALFORMED },
    { "-180.1,30.5,113.2,31.6", BC_GEO_ERROR_OUT_OF_RANGE },
    { "111.8,30.5,180.5,31.6", BC_GEO_ERROR_OUT_OF_RANGE },
    { "111.8,-91,113.2,31.6", BC_GEO_ERROR_OUT_OF_RANGE },
    { "111.8,30.5,113.2,90.0001", BC_GEO_ERROR_OUT_OF_RANGE },
    { "113.2,30.5,111.8,31.6", BC_GEO_ERROR_INVERTED },
    { "111.8,31.6,113.2,30.5", BC_GEO_ERROR_INVERTED },
    { "170,0,-170,10", BC_GEO_ERROR_INVERTED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      BcGeoBounds b = { 1.0, 2.0, 3.0, 4.0 };

      g_test_message ("parsing '%s'", cases[i].text);
      g_assert_false (bc_geo_bounds_parse (cases[i].text, &b, &error));
      g_assert_error (error, BC_GEO_ERROR, (gint) cases[i].code);
      g_assert_nonnull (error->message);
      /* A failed parse leaves the output alone. */
      g_assert_cmpfloat (b.min_lat, ==, 1.0);
      g_assert_cmpfloat (b.max_lon, ==, 4.0);
    }

  {
    g_autoptr(GError) error = NULL;
    BcGeoBounds b;

    g_assert_false (bc_geo_bounds_parse (NULL, &b, &error));
    g_assert_error (error, BC_GEO_ERROR, BC_GEO_ERROR_MALFORMED);
  }
}

static void
test_bounds_contains_extend (void)
{
  BcGeoBounds b;

  bc_geo_bounds_set_empty (&b);
  g_assert_true (bc_geo_bounds_is_empty (&b));
  g_assert_false (bc_geo_bounds_contains (&b, 0.0, 0.0));

  bc_geo_bounds_extend (&b, JINGMEN_LAT, JINGMEN_LON);
  g_assert_false (bc_geo_bounds_is_empty (&b));
  g_assert_true (bc_geo_bounds_contains (&b, JINGMEN_LAT, JINGMEN_LON));
  g_assert_false (bc_geo_bounds_contains (&b, WUHAN_LAT, WUHAN_LON));

  bc_geo_bounds_extend (&b, WUHAN_LAT, WUHAN_LON);
  g_assert_cmpfloat (b.min_lat, ==, WUHAN_LAT);
  g_assert_cmpfloat (b.max_lat, ==, JINGMEN_LAT);
  g_assert_cmpfloat (b.min_lon, ==, JINGMEN_LON);
  g_assert_cmpfloat (b.max_lon, ==, WUHAN_LON);
  /* Edges are inside; a hair beyond is not. */
  g_assert_true (bc_geo_bounds_contains (&b, WUHAN_LAT, JINGMEN_LON));
  g_assert_true (bc_geo_bounds_contains (&b, 30.8, 113.0));
  g_assert_false (bc_geo_bounds_contains (&b, 30.8, nextafter (WUHAN_LON, 180.0)));
  g_assert_false (bc_geo_bounds_contains (&b, nextafter (WUHAN_LAT, -90.0), 113.0));
}

/* ---- grid index: reference ------------------------------------------------------------- */

typedef struct
{
  guint64 key;
  double  lat;
  double  lon;
} Point;

static int
hit_cmp (gconstpointer a,
         gconstpointer b)
{
  const BcGridHit *ha = a, *hb = b;

  if (ha->distance_m != hb->distance_m)
    return ha->distance_m < hb->distance_m ? -1 : 1;
  return ha->key < hb->key ? -1 : ha->key > hb->key ? 1 : 0;
}

static int
key_cmp (gconstpointer a,
         gconstpointer b)
{
  guint64 ka = *(const guint64 *) a, kb = *(const guint64 *) b;

  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/* A great-circle distance is never shorter than the latitude difference along a meridian, so the
 * linear scans below skip the trigonometry for points that this alone puts out of reach (with a
 * metre to spare for rounding). It keeps the tests fast under valgrind. */
#define M_PER_DEG (BC_GEO_EARTH_RADIUS_M * DEG)
#define OUT_OF_REACH(p, lat, bound) (fabs ((p)->lat - (lat)) * M_PER_DEG > (bound) + 1.0)

static void
brute_radius (const Point *pts,
              guint        n,
              double       lat,
              double       lon,
              double       radius_m,
              GArray      *out)
{
  g_array_set_size (out, 0);
  for (guint i = 0; i < n; i++)
    {
      BcGridHit h;

      if (OUT_OF_REACH (&pts[i], lat, radius_m))
        continue;
      h.key = pts[i].key;
      h.distance_m = bc_geo_distance_m (lat, lon, pts[i].lat, pts[i].lon);
      if (h.distance_m <= radius_m)
        g_array_append_val (out, h);
    }
  g_array_sort (out, hit_cmp);
}

/* The k best by plain insertion into a sorted array (a different method from the index's heap). */
static void
brute_nearest (const Point *pts,
               guint        n,
               double       lat,
               double       lon,
               guint        k,
               double       max_radius_m,
               GArray      *out)
{
  g_array_set_size (out, 0);
  for (guint i = 0; i < n; i++)
    {
      BcGridHit h;
      guint pos;

      if (max_radius_m > 0 && OUT_OF_REACH (&pts[i], lat, max_radius_m))
        continue;
      if (out->len == k
          && OUT_OF_REACH (&pts[i], lat, g_array_index (out, BcGridHit, k - 1).distance_m))
        continue;
      h.key = pts[i].key;
      h.distance_m = bc_geo_distance_m (lat, lon, pts[i].lat, pts[i].lon);
      if (max_radius_m > 0 && h.distance_m > max_radius_m)
        continue;
      if (out->len == k && hit_cmp (&h, &g_array_index (out, BcGridHit, k - 1)) >= 0)
        continue;
      for (pos = out->len; pos > 0 && hit_cmp (&h, &g_array_index (out, BcGridHit, pos - 1)) < 0;
           pos--)
        ;
      g_array_insert_val (out, pos, h);
      if (out->len > k)
        g_array_set_size (out, k);
    }
}

static void
brute_bounds (const Point       *pts,
              guint              n,
              const BcGeoBounds *b,
              GArray            *out)
{
  g_array_set_size (out, 0);
  for (guint i = 0; i < n; i++)
    if (bc_geo_bounds_contains (b, pts[i].lat, pts[i].lon))
      g_array_append_val (out, pts[i].key);
  g_array_sort (out, key_cmp);
}

static void
assert_hits_equal (GArray     *got,
                   GArray     *want,
                   const char *what)
{
  if (got->len != want->len)
    g_error ("%s: %u hits, brute force has %u", what, got->len, want->len);
  for (guint i = 0; i < got->len; i++)
    {
      const BcGridHit *g = &g_array_index (got, BcGridHit, i);
      const BcGridHit *w = &g_array_index (want, BcGridHit, i);

      if (g->key != w->key || g->distance_m != w->distance_m)
        g_error ("%s: hit %u is key %" G_GUINT64_FORMAT " at %.9f m, brute force has key %"
                 G_GUINT64_FORMAT " at %.9f m", what, i, g->key, g->distance_m, w->key,
                 w->distance_m);
    }
}

static void
assert_keys_equal (GArray     *got,
                   GArray     *want,
                   const char *what)
{
  if (got->len != want->len)
    g_error ("%s: %u keys, brute force has %u", what, got->len, want->len);
  for (guint i = 0; i < got->len; i++)
    g_assert_cmpuint (g_array_index (got, guint64, i), ==, g_array_index (want, guint64, i));
}

/* A point uniformly distributed over the whole sphere. */
static void
random_anywhere (GRand  *rand,
                 double *lat,
                 double *lon)
{
  *lat = asin (g_rand_double_range (rand, -1.0, 1.0)) / DEG;
  *lon = g_rand_double_range (rand, -180.0, 180.0);
}

static void
random_point (GRand  *rand,
              double *lat,
              double *lon)
{
  if (g_rand_int_range (rand, 0, 10) == 0)
    random_anywhere (rand, lat, lon);
  else
    {
      *lat = g_rand_double_range (rand, AREA_LAT_MIN, AREA_LAT_MAX);
      *lon = g_rand_double_range (rand, AREA_LON_MIN, AREA_LON_MAX);
    }
}

/* ---- grid index: 100,000 points against brute force -------------------------------------- */

#define N_POINTS 100000
#define N_QUERIES 500

typedef struct
{
  Point       *pts;
  guint        n;
  BcGridIndex *index;
  GRand       *rand;
} BigFixture;

static void
big_setup (BigFixture    *fx,
           gconstpointer  data)
{
  fx->rand = g_rand_new_with_seed (0xbeac0);
  fx->n = N_POINTS;
  fx->pts = g_new (Point, fx->n);
  fx->index = bc_grid_index_new (0.0);

  for (guint i = 0; i < fx->n; i++)
    {
      Point *p = &fx->pts[i];

      /* Keys are sparse and unordered so that key order differs from insertion order. */
      p->key = ((guint64) g_rand_int (fx->rand) << 32) | i;
      /* One point in a hundred sits exactly on an earlier one: ties must go by key. */
      if (i > 0 && g_rand_int_range (fx->rand, 0, 100) == 0)
        {
          const Point *twin = &fx->pts[g_rand_int_range (fx->rand, 0, i)];
          p->lat = twin->lat;
          p->lon = twin->lon;
        }
      else
        random_point (fx->rand, &p->lat, &p->lon);
      g_assert_true (bc_grid_index_insert (fx->index, p->key, p->lat, p->lon));
    }
  g_assert_cmpuint (bc_grid_index_get_n_items (fx->index), ==, fx->n);
}

static void
big_teardown (BigFixture    *fx,
              gconstpointer  data)
{
  g_clear_pointer (&fx->index, bc_grid_index_free);
  g_clear_pointer (&fx->pts, g_free);
  g_clear_pointer (&fx->rand, g_rand_free);
}

static void
random_query_centre (GRand  *rand,
                     double *lat,
                     double *lon)
{
  switch (g_rand_int_range (rand, 0, 10))
    {
    case 0:
      random_anywhere (rand, lat, lon);
      break;
    case 1:
      /* A little beyond the area, where the data thins out. */
      *lat = g_rand_double_range (rand, AREA_LAT_MIN - 0.3, AREA_LAT_MAX + 0.3);
      *lon = g_rand_double_range (rand, AREA_LON_MIN - 0.3, AREA_LON_MAX + 0.3);
      break;
    default:
      *lat = g_rand_double_range (rand, AREA_LAT_MIN, AREA_LAT_MAX);
      *lon = g_rand_double_range (rand, AREA_LON_MIN, AREA_LON_MAX);
      break;
    }
}

static void
test_grid_brute_radius (BigFixture    *fx,
                        gconstpointer  data)
{
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  guint total = 0;

  for (guint q = 0; q < N_QUERIES; q++)
    {
      double lat, lon, radius;
      g_autofree char *what = NULL;

      random_query_centre (fx->rand, &lat, &lon);
      /* 50 m to 20 km, spread evenly in log scale. */
      radius = 50.0 * pow (400.0, g_rand_double (fx->rand));
      what = g_strdup_printf ("radius query %u (%.6f, %.6f, %.1f m)", q, lat, lon, radius);

      g_assert_cmpuint (bc_grid_index_query_radius (fx->index, lat, lon, radius, got), ==,
                        got->len);
      brute_radius (fx->pts, fx->n, lat, lon, radius, want);
      assert_hits_equal (got, want, what);
      total += got->len;
    }

  g_test_message ("%u radius queries, %u hits in all", N_QUERIES, total);
  /* The queries are not vacuous. */
  g_assert_cmpuint (total, >, N_QUERIES * 10);
}

static void
test_grid_brute_nearest (BigFixture    *fx,
                         gconstpointer  data)
{
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  guint n_limited = 0;

  for (guint q = 0; q < N_QUERIES; q++)
    {
      double lat, lon, max_radius = 0.0;
      guint k = g_rand_int_range (fx->rand, 1, 51);
      g_autofree char *what = NULL;

      random_query_centre (fx->rand, &lat, &lon);
      /* A quarter of the queries also have a distance limit. */
      if (q % 4 == 3)
        {
          max_radius = 50.0 * pow (400.0, g_rand_double (fx->rand));
          n_limited++;
        }
      what = g_strdup_printf ("k-nearest query %u (%.6f, %.6f, k %u, max %.1f m)", q, lat, lon, k,
                              max_radius);

      bc_grid_index_query_nearest (fx->index, lat, lon, k, max_radius, got);
      brute_nearest (fx->pts, fx->n, lat, lon, k, max_radius, want);
      assert_hits_equal (got, want, what);
      if (max_radius <= 0.0)
        g_assert_cmpuint (got->len, ==, k);
    }

  g_test_message ("%u k-nearest queries, %u with a distance limit", N_QUERIES, n_limited);
}

static void
test_grid_memory_compact (BigFixture    *fx,
                          gconstpointer  data)
{
  gsize bytes = bc_grid_index_get_memory_size (fx->index);

  g_test_message ("%u points take %" G_GSIZE_FORMAT " bytes, %.1f per point", fx->n, bytes,
                  (double) bytes / fx->n);
  /* Items, both hash tables and the cell arrays, with growth slack. */
  g_assert_cmpuint (bytes / fx->n, <, 128);
  g_assert_cmpuint (bytes / fx->n, >, 48);
}

static void
test_grid_brute_bounds (BigFixture    *fx,
                        gconstpointer  data)
{
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint q = 0; q < 100; q++)
    {
      double lat1, lon1, lat2, lon2;
      BcGeoBounds b;
      g_autofree char *what = NULL;

      random_query_centre (fx->rand, &lat1, &lon1);
      lat2 = CLAMP (lat1 + g_rand_double_range (fx->rand, -0.2, 0.2), -90.0, 90.0);
      lon2 = CLAMP (lon1 + g_rand_double_range (fx->rand, -0.2, 0.2), -180.0, 180.0);
      b.min_lat = MIN (lat1, lat2);
      b.max_lat = MAX (lat1, lat2);
      b.min_lon = MIN (lon1, lon2);
      b.max_lon = MAX (lon1, lon2);
      what = g_strdup_printf ("bounds query %u", q);

      bc_grid_index_query_bounds (fx->index, &b, got);
      brute_bounds (fx->pts, fx->n, &b, want);
      assert_keys_equal (got, want, what);
    }

  /* The whole world holds everything. */
  {
    BcGeoBounds world = { -90.0, -180.0, 90.0, 180.0 };

    g_assert_cmpuint (bc_grid_index_query_bounds (fx->index, &world, got), ==, fx->n);
  }
}

/* ---- grid index: small cases ------------------------------------------------------------- */

static void
test_grid_empty (void)
{
  g_autoptr(BcGridIndex) index = bc_grid_index_new (0.0);
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (guint64));
  BcGeoBounds world = { -90.0, -180.0, 90.0, 180.0 };
  BcGridHit junk = { 1, 2.0 };
  double lat = 1.0, lon = 2.0;

  g_assert_cmpfloat (bc_grid_index_get_cell_size_m (index), ==, 500.0);
  g_assert_cmpuint (bc_grid_index_get_n_items (index), ==, 0);
  g_assert_false (bc_grid_index_lookup (index, 42, &lat, &lon));
  g_assert_cmpfloat (lat, ==, 1.0);
  g_assert_false (bc_grid_index_remove (index, 42));
  g_assert_false (bc_grid_index_move (index, 42, 0.0, 0.0));
  g_assert_cmpuint (bc_grid_index_get_n_items (index), ==, 0);

  /* Output arrays are emptied even when nothing is found. */
  g_array_append_val (hits, junk);
  g_assert_cmpuint (bc_grid_index_query_radius (index, 0.0, 0.0, 1.0e7, hits), ==, 0);
  g_assert_cmpuint (hits->len, ==, 0);
  g_array_append_val (hits, junk);
  g_assert_cmpuint (bc_grid_index_query_nearest (index, 0.0, 0.0, 10, 0.0, hits), ==, 0);
  g_assert_cmpuint (hits->len, ==, 0);
  g_assert_cmpuint (bc_grid_index_query_bounds (index, &world, keys), ==, 0);

  /* Emptied again after use. */
  g_assert_true (bc_grid_index_insert (index, 1, JINGMEN_LAT, JINGMEN_LON));
  bc_grid_index_remove_all (index);
  g_assert_cmpuint (bc_grid_index_get_n_items (index), ==, 0);
  g_assert_false (bc_grid_index_lookup (index, 1, NULL, NULL));
  g_assert_cmpuint (bc_grid_index_query_nearest (index, JINGMEN_LAT, JINGMEN_LON, 1, 0, hits), ==,
                    0);
  g_assert_true (bc_grid_index_insert (index, 1, JINGMEN_LAT, JINGMEN_LON));
  g_assert_cmpuint (bc_grid_index_query_nearest (index, JINGMEN_LAT, JINGMEN_LON, 1, 0, hits), ==,
                    1);
}

static void
count_foreach (guint64  key,
               double   lat,
               double   lon,
               gpointer user_data)
{
  GHashTable *seen = user_data;
  guint64 *k = g_new (guint64, 1);

  *k = key;
  /* Each key exactly once. */
  g_assert_true (g_hash_table_add (seen, k));
}

static void
test_grid_insert_move_remove (void)
{
  /* Small cells and a small area so that moves often change cells. */
  g_autoptr(BcGridIndex) index = bc_grid_index_new (100.0);
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  const guint n_keys = 2000;
  Point *model = g_new0 (Point, n_keys);
  gboolean *present = g_new0 (gboolean, n_keys);
  g_autofree Point *live = g_new (Point, n_keys);
  guint n_live = 0;

  for (guint op = 0; op < 50000; op++)
    {
      guint i = g_rand_int_range (rand, 0, n_keys);
      guint64 key = (guint64) i * 7919 + 3;
      double lat = JINGMEN_LAT + g_rand_double_range (rand, -0.02, 0.02);
      double lon = JINGMEN_LON + g_rand_double_range (rand, -0.02, 0.02);

      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          g_assert_cmpint (bc_grid_index_insert (index, key, lat, lon), ==, !present[i]);
          present[i] = TRUE;
          model[i] = (Point) { key, lat, lon };
          break;
        case 1:
          /* Small moves mostly stay in their cell; large ones leave it. */
          if (present[i] && g_rand_boolean (rand))
            {
              lat = model[i].lat + g_rand_double_range (rand, -1e-5, 1e-5);
              lon = model[i].lon + g_rand_double_range (rand, -1e-5, 1e-5);
            }
          g_assert_cmpint (bc_grid_index_move (index, key, lat, lon), ==, present[i]);
          if (present[i])
            model[i] = (Point) { key, lat, lon };
          break;
        case 2:
          g_assert_cmpint (bc_grid_index_remove (index, key), ==, present[i]);
          present[i] = FALSE;
          break;
        default:
          {
            double mlat, mlon;

            g_assert_cmpint (bc_grid_index_lookup (index, key, &mlat, &mlon), ==, present[i]);
            if (present[i])
              {
                g_assert_cmpfloat (mlat, ==, model[i].lat);
                g_assert_cmpfloat (mlon, ==, model[i].lon);
              }
          }
          break;
        }

      /* Now and then the whole state is checked against the model. */
      if (op % 5000 == 4999)
        {
          g_autofree char *what = g_strdup_printf ("after operation %u", op);

          n_live = 0;
          for (guint j = 0; j < n_keys; j++)
            if (present[j])
              live[n_live++] = model[j];
          g_assert_cmpuint (bc_grid_index_get_n_items (index), ==, n_live);

          g_hash_table_remove_all (seen);
          bc_grid_index_foreach (index, count_foreach, seen);
          g_assert_cmpuint (g_hash_table_size (seen), ==, n_live);

          for (guint j = 0; j < n_live; j++)
            {
              double mlat, mlon;

              g_assert_true (bc_grid_index_lookup (index, live[j].key, &mlat, &mlon));
              g_assert_cmpfloat (mlat, ==, live[j].lat);
              g_assert_cmpfloat (mlon, ==, live[j].lon);
            }

          for (guint q = 0; q < 20; q++)
            {
              double qlat = JINGMEN_LAT + g_rand_double_range (rand, -0.02, 0.02);
              double qlon = JINGMEN_LON + g_rand_double_range (rand, -0.02, 0.02);
              double radius = g_rand_double_range (rand, 10.0, 1500.0);
              guint k = g_rand_int_range (rand, 1, 30);

              bc_grid_index_query_radius (index, qlat, qlon, radius, got);
              brute_radius (live, n_live, qlat, qlon, radius, want);
              assert_hits_equal (got, want, what);
              bc_grid_index_query_nearest (index, qlat, qlon, k, 0.0, got);
              brute_nearest (live, n_live, qlat, qlon, k, 0.0, want);
              assert_hits_equal (got, want, what);
            }
        }
    }

  /* Remove everything that is left, one by one. */
  for (guint j = 0; j < n_keys; j++)
    if (present[j])
      g_assert_true (bc_grid_index_remove (index, model[j].key));
  g_assert_cmpuint (bc_grid_index_get_n_items (index), ==, 0);
  g_assert_cmpuint (bc_grid_index_query_radius (index, JINGMEN_LAT, JINGMEN_LON, 1e5, got), ==, 0);

  g_free (model);
  g_free (present);
}

/* Row boundaries are multiples of the cell height from the south pole. Points on, just inside
 * and just outside them, and query circles that end exactly on a point, must all behave. */
static void
test_grid_cell_borders (void)
{
  const double cell_m = 500.0;
  const double row_deg = cell_m / (BC_GEO_EARTH_RADIUS_M * DEG);
  g_autoptr(BcGridIndex) index = bc_grid_index_new (cell_m);
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) pts = g_array_new (FALSE, FALSE, sizeof (Point));
  double base_row = floor ((JINGMEN_LAT + 90.0) / row_deg);
  guint64 key = 1;

  /* A lattice of points whose latitudes sit on row boundaries and one ulp either side, with
   * longitudes every 0.001 degrees (column boundaries fall among them). */
  for (int r = -4; r <= 4; r++)
    {
      double border = -90.0 + (base_row + r) * row_deg;
      double lats[] = { nextafter (border, -90.0), border, nextafter (border, 90.0) };

      for (gsize l = 0; l < G_N_ELEMENTS (lats); l++)
        for (int c = -20; c <= 20; c++)
          {
            Point p = { key++, lats[l], JINGMEN_LON + c * 0.001 };

            bc_grid_index_insert (index, p.key, p.lat, p.lon);
            g_array_append_val (pts, p);
          }
    }

  for (guint q = 0; q < pts->len; q += 7)
    {
      const Point *centre = &g_array_index (pts, Point, q);
      const Point *other = &g_array_index (pts, Point, (q * 31 + 11) % pts->len);
      /* A circle centred on a lattice point whose edge passes exactly through another. */
      double radius = bc_geo_distance_m (centre->lat, centre->lon, other->lat, other->lon);
      g_autofree char *what = g_strdup_printf ("border query %u", q);

      bc_grid_index_query_radius (index, centre->lat, centre->lon, radius, got);
      brute_radius ((const Point *) (gpointer) pts->data, pts->len, centre->lat, centre->lon,
                    radius, want);
      assert_hits_equal (got, want, what);
      /* The point on the edge is in. */
      g_assert_cmpfloat (g_array_index (got, BcGridHit, got->len - 1).distance_m, ==, radius);

      for (guint k = 1; k <= 40; k += 13)
        {
          bc_grid_index_query_nearest (index, centre->lat, centre->lon, k, 0.0, got);
          brute_nearest ((const Point *) (gpointer) pts->data, pts->len, centre->lat,
                         centre->lon, k, 0.0, want);
          assert_hits_equal (got, want, what);
          /* A limit exactly at a point's distance includes it. */
          bc_grid_index_query_nearest (index, centre->lat, centre->lon, k, radius, got);
          brute_nearest ((const Point *) (gpointer) pts->data, pts->len, centre->lat,
                         centre->lon, k, radius, want);
          assert_hits_equal (got, want, what);
        }
    }
}

static void
test_grid_k_larger_than_count (void)
{
  g_autoptr(BcGridIndex) index = bc_grid_index_new (200.0);
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  Point pts[10];

  for (guint i = 0; i < G_N_ELEMENTS (pts); i++)
    {
      /* One far away, the rest within a few km; two share a position. */
      pts[i].key = 100 - i;
      pts[i].lat = i == 0 ? -45.0 : JINGMEN_LAT + 0.01 * (i % 5);
      pts[i].lon = i == 0 ? -120.0 : JINGMEN_LON + 0.003 * i;
      if (i == 9)
        pts[i] = (Point) { 100 - i, pts[8].lat, pts[8].lon };
      bc_grid_index_insert (index, pts[i].key, pts[i].lat, pts[i].lon);
    }

  g_assert_cmpuint (bc_grid_index_query_nearest (index, JINGMEN_LAT, JINGMEN_LON, 1000, 0, got),
                    ==, 10);
  brute_nearest (pts, 10, JINGMEN_LAT, JINGMEN_LON, 1000, 0, want);
  assert_hits_equal (got, want, "k = 1000");
  g_assert_cmpuint (g_array_index (got, BcGridHit, 9).key, ==, 100);

  /* Exactly the count, one fewer (so the far point is dropped), and with a limit. */
  g_assert_cmpuint (bc_grid_index_query_nearest (index, JINGMEN_LAT, JINGMEN_LON, 10, 0, got),
                    ==, 10);
  g_assert_cmpuint (bc_grid_index_query_nearest (index, JINGMEN_LAT, JINGMEN_LON, 9, 0, got),
                    ==, 9);
  brute_nearest (pts, 10, JINGMEN_LAT, JINGMEN_LON, 9, 0, want);
  assert_hits_equal (got, want, "k = 9");
  bc_grid_index_query_nearest (index, JINGMEN_LAT, JINGMEN_LON, 1000, 3000.0, got);
  brute_nearest (pts, 10, JINGMEN_LAT, JINGMEN_LON, 1000, 3000.0, want);
  assert_hits_equal (got, want, "k = 1000, 3 km");
  g_assert_cmpuint (got->len, <, 9);
  g_assert_cmpuint (got->len, >, 0);

  /* A radius around the world finds everything, in order. */
  g_assert_cmpuint (bc_grid_index_query_radius (index, -JINGMEN_LAT, -JINGMEN_LON, 2.1e7, got), ==,
                    10);
  brute_radius (pts, 10, -JINGMEN_LAT, -JINGMEN_LON, 2.1e7, want);
  assert_hits_equal (got, want, "around the world");

  /* k = 0 asks for nothing. */
  g_assert_cmpuint (bc_grid_index_query_nearest (index, JINGMEN_LAT, JINGMEN_LON, 0, 0, got), ==,
                    0);
}

/* Queries across the ±180° meridian and over the poles find the points on the other side. */
static void
test_grid_seam_and_poles (void)
{
  g_autoptr(BcGridIndex) index = bc_grid_index_new (0.0);
  g_autoptr(GRand) rand = g_rand_new_with_seed (180);
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) pts = g_array_new (FALSE, FALSE, sizeof (Point));
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) want_keys = g_array_new (FALSE, FALSE, sizeof (guint64));
  BcGeoBounds east_edge = { -1.0, 179.99, 1.0, 180.0 };

  for (guint64 i = 0; i < 4000; i++)
    {
      Point p = { i, 0.0, 0.0 };

      switch (i % 4)
        {
        case 0: /* along the seam */
          p.lat = g_rand_double_range (rand, -60.0, 60.0);
          p.lon = g_rand_boolean (rand) ? g_rand_double_range (rand, 179.9, 180.0)
                                        : g_rand_double_range (rand, -180.0, -179.9);
          break;
        case 1: /* near the north pole */
          p.lat = g_rand_double_range (rand, 89.9, 90.0);
          p.lon = g_rand_double_range (rand, -180.0, 180.0);
          break;
        case 2: /* near the south pole */
          p.lat = g_rand_double_range (rand, -90.0, -89.9);
          p.lon = g_rand_double_range (rand, -180.0, 180.0);
          break;
        default: /* exactly on the seam and the poles */
          p.lat = (i / 4) % 3 == 0 ? 90.0 : (i / 4) % 3 == 1 ? -90.0 : 0.0;
          p.lon = (i / 4) % 2 == 0 ? 180.0 : -180.0;
          break;
        }
      bc_grid_index_insert (index, p.key, p.lat, p.lon);
      g_array_append_val (pts, p);
    }

  for (guint q = 0; q < 300; q++)
    {
      double lat, lon, radius = 100.0 * pow (100.0, g_rand_double (rand));
      guint k = g_rand_int_range (rand, 1, 40);
      g_autofree char *what = NULL;

      switch (q % 3)
        {
        case 0:
          lat = g_rand_double_range (rand, -60.0, 60.0);
          lon = g_rand_boolean (rand) ? g_rand_double_range (rand, 179.95, 180.0)
                                      : g_rand_double_range (rand, -180.0, -179.95);
          break;
        case 1:
          lat = g_rand_double_range (rand, 89.95, 90.0);
          lon = g_rand_double_range (rand, -180.0, 180.0);
          break;
        default:
          lat = g_rand_double_range (rand, -90.0, -89.95);
          lon = g_rand_double_range (rand, -180.0, 180.0);
          break;
        }
      what = g_strdup_printf ("seam/pole query %u (%.6f, %.6f, %.1f m, k %u)", q, lat, lon, radius,
                              k);

      bc_grid_index_query_radius (index, lat, lon, radius, got);
      brute_radius ((const Point *) (gpointer) pts->data, pts->len, lat, lon, radius, want);
      assert_hits_equal (got, want, what);
      bc_grid_index_query_nearest (index, lat, lon, k, 0.0, got);
      brute_nearest ((const Point *) (gpointer) pts->data, pts->len, lat, lon, k, 0.0, want);
      assert_hits_equal (got, want, what);
    }

  /* A point 222 m east of the seam is found from 222 m west of it. */
  {
    g_autoptr(BcGridIndex) two = bc_grid_index_new (0.0);

    bc_grid_index_insert (two, 1, 0.0, -179.999);
    bc_grid_index_insert (two, 2, 0.0, 179.0);
    g_assert_cmpuint (bc_grid_index_query_radius (two, 0.0, 179.999, 500.0, got), ==, 1);
    g_assert_cmpuint (g_array_index (got, BcGridHit, 0).key, ==, 1);
    g_assert_cmpfloat_with_epsilon (g_array_index (got, BcGridHit, 0).distance_m, 222.4, 0.1);
    g_assert_cmpuint (bc_grid_index_query_nearest (two, 0.0, 179.999, 1, 0.0, got), ==, 1);
    g_assert_cmpuint (g_array_index (got, BcGridHit, 0).key, ==, 1);
  }

  /* A box touching 180 includes points stored at 180 but not at -180 (boxes do not wrap). */
  bc_grid_index_query_bounds (index, &east_edge, keys);
  brute_bounds ((const Point *) (gpointer) pts->data, pts->len, &east_edge, want_keys);
  assert_keys_equal (keys, want_keys, "east edge box");
  g_assert_cmpuint (keys->len, >, 0);
}

/* A wide cell size and a tiny one behave the same as the default. */
static void
test_grid_cell_sizes (void)
{
  static const double sizes[] = { 1.0, 37.0, 5000.0, 250000.0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  Point pts[3000];

  for (guint i = 0; i < G_N_ELEMENTS (pts); i++)
    {
      pts[i].key = i;
      random_point (rand, &pts[i].lat, &pts[i].lon);
    }

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(BcGridIndex) index = bc_grid_index_new (sizes[s]);

      g_assert_cmpfloat (bc_grid_index_get_cell_size_m (index), ==, sizes[s]);
      for (guint i = 0; i < G_N_ELEMENTS (pts); i++)
        bc_grid_index_insert (index, pts[i].key, pts[i].lat, pts[i].lon);

      for (guint q = 0; q < 50; q++)
        {
          double lat, lon, radius = 50.0 * pow (400.0, g_rand_double (rand));
          guint k = g_rand_int_range (rand, 1, 51);
          g_autofree char *what = NULL;

          random_query_centre (rand, &lat, &lon);
          what = g_strdup_printf ("cell %.0f m, query %u", sizes[s], q);
          bc_grid_index_query_radius (index, lat, lon, radius, got);
          brute_radius (pts, G_N_ELEMENTS (pts), lat, lon, radius, want);
          assert_hits_equal (got, want, what);
          bc_grid_index_query_nearest (index, lat, lon, k, 0.0, got);
          brute_nearest (pts, G_N_ELEMENTS (pts), lat, lon, k, 0.0, want);
          assert_hits_equal (got, want, what);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/geo/mercator/known-values", test_mercator_known_values);
  g_test_add_func ("/geo/mercator/round-trip", test_mercator_round_trip);
  g_test_add_func ("/geo/mercator/clamp", test_mercator_clamp);
  g_test_add_func ("/geo/distance/known-values", test_distance_known);
  g_test_add_func ("/geo/distance/jingmen-wuhan", test_distance_jingmen_wuhan);
  g_test_add_func ("/geo/bearing/cardinal", test_bearing_cardinal);
  g_test_add_func ("/geo/destination/round-trip", test_destination_round_trip);
  g_test_add_func ("/geo/offset/small", test_offset_small);
  g_test_add_func ("/geo/gcj02/published-values", test_gcj02_published_values);
  g_test_add_func ("/geo/gcj02/jingmen-offset", test_gcj02_jingmen_offset);
  g_test_add_func ("/geo/gcj02/inverse-round-trip", test_gcj02_inverse_round_trip);
  g_test_add_func ("/geo/gcj02/identity-outside-china", test_gcj02_outside_china);
  g_test_add_func ("/geo/bounds/parse-valid", test_bounds_parse_valid);
  g_test_add_func ("/geo/bounds/parse-errors", test_bounds_parse_errors);
  g_test_add_func ("/geo/bounds/contains-extend", test_bounds_contains_extend);
  g_test_add_func ("/geo/grid/empty", test_grid_empty);
  g_test_add_func ("/geo/grid/insert-move-remove", test_grid_insert_move_remove);
  g_test_add_func ("/geo/grid/cell-borders", test_grid_cell_borders);
  g_test_add_func ("/geo/grid/k-larger-than-count", test_grid_k_larger_than_count);
  g_test_add_func ("/geo/grid/seam-and-poles", test_grid_seam_and_poles);
  g_test_add_func ("/geo/grid/cell-sizes", test_grid_cell_sizes);
  g_test_add ("/geo/grid/brute-force/radius", BigFixture, NULL, big_setup,
              test_grid_brute_radius, big_teardown);
  g_test_add ("/geo/grid/brute-force/nearest", BigFixture, NULL, big_setup,
              test_grid_brute_nearest, big_teardown);
  g_test_add ("/geo/grid/brute-force/bounds", BigFixture, NULL, big_setup,
              test_grid_brute_bounds, big_teardown);
  g_test_add ("/geo/grid/memory-compact", BigFixture, NULL, big_setup,
              test_grid_memory_compact, big_teardown);

  return g_test_run ();
}
