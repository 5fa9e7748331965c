/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-geo"

#include "config.h"

#include "bc-geo.h"
#include "bc-geo-private.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define DEG_TO_RAD (G_PI / 180.0)
#define RAD_TO_DEG (180.0 / G_PI)

/* Krasovsky 1940 ellipsoid as used by the GCJ-02 formula. */
#define GCJ_A  6378245.0
#define GCJ_EE 0.00669342162296594323

#define GCJ_INVERSE_TOLERANCE_DEG 1e-9
#define GCJ_INVERSE_MAX_ITERATIONS 20

G_DEFINE_QUARK (bc-geo-error-quark, bc_geo_error)

gboolean
bc_geo_is_valid (double lat,
                 double lon)
{
  /* NaN fails every comparison, so it is rejected here too. */
  return lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0;
}

/* Into [-180, 180). Non-finite values are returned unchanged. */
double
bc_geo_normalize_lon (double lon)
{
  double r;

  if (lon >= -180.0 && lon < 180.0)
    return lon;
  if (!isfinite (lon))
    return lon;

  r = fmod (lon + 180.0, 360.0);
  if (r < 0.0)
    r += 360.0;
  r -= 180.0;
  /* Rounding in the addition above can land exactly on +180. */
  if (r >= 180.0)
    r -= 360.0;
  return r;
}

/* ---- Web Mercator ---------------------------------------------------------------------- */

void
bc_mercator_project (double  lat,
                     double  lon,
                     double *x,
                     double *y)
{
  const double below_one = nextafter (1.0, 0.0);
  double s;
  double px, py;

  g_return_if_fail (x != NULL);
  g_return_if_fail (y != NULL);

  lat = CLAMP (lat, -BC_MERCATOR_MAX_LAT, BC_MERCATOR_MAX_LAT);
  lon = bc_geo_normalize_lon (lon);

  px = (lon + 180.0) / 360.0;
  /* y = 1/2 - ln(tan(pi/4 + lat/2)) / 2pi, written with the sine so that it stays accurate
   * near the equator. */
  s = sin (lat * DEG_TO_RAD);
  py = 0.5 - log ((1.0 + s) / (1.0 - s)) / (4.0 * G_PI);

  /* The clamp latitude is rounded to 8 decimals, so the edges can poke out by ~1e-10. */
  *x = CLAMP (px, 0.0, below_one);
  *y = CLAMP (py, 0.0, below_one);
}

void
bc_mercator_unproject (double  x,
                       double  y,
                       double *lat,
                       double *lon)
{
  g_return_if_fail (lat != NULL);
  g_return_if_fail (lon != NULL);

  /* x wraps around the world; y stops at its edges. */
  x -= floor (x);
  y = CLAMP (y, 0.0, 1.0);

  *lon = bc_geo_normalize_lon (x * 360.0 - 180.0);
  *lat = atan (sinh (G_PI * (1.0 - 2.0 * y))) * RAD_TO_DEG;
}

double
bc_mercator_meters_per_pixel (double lat,
                              double zoom)
{
  double world_px = 256.0 * exp2 (zoom);

  lat = CLAMP (lat, -BC_MERCATOR_MAX_LAT, BC_MERCATOR_MAX_LAT);
  return cos (lat * DEG_TO_RAD) * 2.0 * G_PI * BC_MERCATOR_RADIUS_M / world_px;
}

/* ---- Great circles --------------------------------------------------------------------- */

/* The haversine formula with the cosines of both latitudes given, so that the grid index can keep
 * them per point. It is one compiled function, called by bc_geo_distance_m() as well, so both
 * give bit-identical results whatever the compiler does with floating-point contraction. */
double
_bc_geo_haversine_m (double lat1,
                     double cos_lat1,
                     double lat2,
                     double cos_lat2,
                     double dlon_deg)
{
  double s_lat = sin ((lat2 - lat1) * DEG_TO_RAD * 0.5);
  double s_lon = sin (dlon_deg * DEG_TO_RAD * 0.5);
  double a = s_lat * s_lat + cos_lat1 * cos_lat2 * s_lon * s_lon;

  /* Rounding can push a just past 1 for antipodal points. */
  if (a > 1.0)
    a = 1.0;
  return 2.0 * BC_GEO_EARTH_RADIUS_M * asin (sqrt (a));
}

double
_bc_geo_cos_lat (double lat)
{
  return cos (lat * DEG_TO_RAD);
}

double
bc_geo_distance_m (double lat1,
                   double lon1,
                   double lat2,
                   double lon2)
{
  return _bc_geo_haversine_m (lat1, _bc_geo_cos_lat (lat1), lat2, _bc_geo_cos_lat (lat2),
                              lon2 - lon1);
}

/* Initial bearing from point 1 towards point 2, clockwise from north, in [0, 360). */
double
bc_geo_bearing_deg (double lat1,
                    double lon1,
                    double lat2,
                    double lon2)
{
  double phi1 = lat1 * DEG_TO_RAD;
  double phi2 = lat2 * DEG_TO_RAD;
  double dlam = (lon2 - lon1) * DEG_TO_RAD;
  double y = sin (dlam) * cos (phi2);
  double x = cos (phi1) * sin (phi2) - sin (phi1) * cos (phi2) * cos (dlam);
  double deg = atan2 (y, x) * RAD_TO_DEG;

  deg = fmod (deg + 360.0, 360.0);
  /* fmod of a tiny negative angle plus 360 rounds to 360 itself. */
  if (deg >= 360.0)
    deg = 0.0;
  return deg;
}

void
bc_geo_destination (double  lat,
                    double  lon,
                    double  bearing_deg,
                    double  distance_m,
                    double *out_lat,
                    double *out_lon)
{
  double phi1 = lat * DEG_TO_RAD;
  double theta = bearing_deg * DEG_TO_RAD;
  double delta = distance_m / BC_GEO_EARTH_RADIUS_M;
  double sin_phi2, phi2, lam;

  g_return_if_fail (out_lat != NULL);
  g_return_if_fail (out_lon != NULL);

  sin_phi2 = sin (phi1) * cos (delta) + cos (phi1) * sin (delta) * cos (theta);
  sin_phi2 = CLAMP (sin_phi2, -1.0, 1.0);
  phi2 = asin (sin_phi2);
  lam = atan2 (sin (theta) * sin (delta) * cos (phi1), cos (delta) - sin (phi1) * sin_phi2);

  *out_lat = phi2 * RAD_TO_DEG;
  *out_lon = bc_geo_normalize_lon (lon + lam * RAD_TO_DEG);
}

/* Moves a point by metres north and east in its local tangent plane. Meant for offsets of up to
 * a few kilometres (the error grows with the square of the offset: about 1 cm at 5 km at mid
 * latitudes); use bc_geo_destination() for anything longer. */
void
bc_geo_offset_m (double  lat,
                 double  lon,
                 double  north_m,
                 double  east_m,
                 double *out_lat,
                 double *out_lon)
{
  double m_per_deg = BC_GEO_EARTH_RADIUS_M * DEG_TO_RAD;
  double c = cos (lat * DEG_TO_RAD);

  g_return_if_fail (out_lat != NULL);
  g_return_if_fail (out_lon != NULL);

  *out_lat = CLAMP (lat + north_m / m_per_deg, -90.0, 90.0);
  /* At a pole every direction is south; there is no east to move along. */
  if (c < 1e-12)
    *out_lon = bc_geo_normalize_lon (lon);
  else
    *out_lon = bc_geo_normalize_lon (lon + east_m / (m_per_deg * c));
}

/* ---- GCJ-02 ---------------------------------------------------------------------------- */

/* The formula is only defined for (a box around) mainland China; elsewhere GCJ-02 is WGS-84. */
gboolean
bc_gcj02_in_china (double lat,
                   double lon)
{
  return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

/* The two polynomial-plus-sine distortion fields of GCJ-02, in arbitrary units that the caller
 * scales by the ellipsoid's radii of curvature; x and y are degrees from (105E, 35N). */
static double
gcj_field_lat (double x,
               double y)
{
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt (fabs (x));

  r += (20.0 * sin (6.0 * x * G_PI) + 20.0 * sin (2.0 * x * G_PI)) * 2.0 / 3.0;
  r += (20.0 * sin (y * G_PI) + 40.0 * sin (y / 3.0 * G_PI)) * 2.0 / 3.0;
  r += (160.0 * sin (y / 12.0 * G_PI) + 320.0 * sin (y * G_PI / 30.0)) * 2.0 / 3.0;
  return r;
}

static double
gcj_field_lon (double x,
               double y)
{
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt (fabs (x));

  r += (20.0 * sin (6.0 * x * G_PI) + 20.0 * sin (2.0 * x * G_PI)) * 2.0 / 3.0;
  r += (20.0 * sin (x * G_PI) + 40.0 * sin (x / 3.0 * G_PI)) * 2.0 / 3.0;
  r += (150.0 * sin (x / 12.0 * G_PI) + 300.0 * sin (x / 30.0 * G_PI)) * 2.0 / 3.0;
  return r;
}

/* The forward transform without the China test, so that the inverse iterates on a smooth
 * function even next to the edge of the box. */
static void
gcj_forward (double  lat,
             double  lon,
             double *gcj_lat,
             double *gcj_lon)
{
  double x = lon - 105.0;
  double y = lat - 35.0;
  double phi = lat * DEG_TO_RAD;
  double s = sin (phi);
  double w = 1.0 - GCJ_EE * s * s;
  double sqrt_w = sqrt (w);
  /* Meridional (M) and prime-vertical (N) radii of curvature of the Krasovsky ellipsoid. */
  double m = GCJ_A * (1.0 - GCJ_EE) / (w * sqrt_w);
  double n = GCJ_A / sqrt_w;
  double dlat = gcj_field_lat (x, y) * 180.0 / (m * G_PI);
  double dlon = gcj_field_lon (x, y) * 180.0 / (n * cos (phi) * G_PI);

  *gcj_lat = lat + dlat;
  *gcj_lon = lon + dlon;
}

void
bc_wgs84_to_gcj02 (double  lat,
                   double  lon,
                   double *gcj_lat,
                   double *gcj_lon)
{
  g_return_if_fail (gcj_lat != NULL);
  g_return_if_fail (gcj_lon != NULL);

  if (!bc_gcj02_in_china (lat, lon))
    {
      *gcj_lat = lat;
      *gcj_lon = lon;
      return;
    }

  gcj_forward (lat, lon, gcj_lat, gcj_lon);
}

/* GCJ-02 has no closed-form inverse. The offset changes by only a few metres per kilometre, so
 * the forward map is close to a translation and the fixed-point iteration
 * w <- w - (f(w) - g) contracts by a factor of about 1e-2 per step: it reaches 1e-9 degrees
 * (0.1 mm) in four or five steps. */
void
bc_gcj02_to_wgs84 (double  gcj_lat,
                   double  gcj_lon,
                   double *lat,
                   double *lon)
{
  double w_lat = gcj_lat;
  double w_lon = gcj_lon;

  g_return_if_fail (lat != NULL);
  g_return_if_fail (lon != NULL);

  if (!bc_gcj02_in_china (gcj_lat, gcj_lon))
    {
      *lat = gcj_lat;
      *lon = gcj_lon;
      return;
    }

  for (guint i = 0; i < GCJ_INVERSE_MAX_ITERATIONS; i++)
    {
      double f_lat, f_lon, e_lat, e_lon;

      gcj_forward (w_lat, w_lon, &f_lat, &f_lon);
      e_lat = f_lat - gcj_lat;
      e_lon = f_lon - gcj_lon;
      if (fabs (e_lat) < GCJ_INVERSE_TOLERANCE_DEG && fabs (e_lon) < GCJ_INVERSE_TOLERANCE_DEG)
        break;
      w_lat -= e_lat;
      w_lon -= e_lon;
    }

  *lat = w_lat;
  *lon = w_lon;
}

/* ---- Bounds ---------------------------------------------------------------------------- */

void
bc_geo_bounds_set_empty (BcGeoBounds *bounds)
{
  g_return_if_fail (bounds != NULL);

  bounds->min_lat = INFINITY;
  bounds->min_lon = INFINITY;
  bounds->max_lat = -INFINITY;
  bounds->max_lon = -INFINITY;
}

gboolean
bc_geo_bounds_is_empty (const BcGeoBounds *bounds)
{
  g_return_val_if_fail (bounds != NULL, TRUE);

  /* Written so that NaN counts as empty. */
  return !(bounds->min_lat <= bounds->max_lat && bounds->min_lon <= bounds->max_lon);
}

/* Edges are inside. */
gboolean
bc_geo_bounds_contains (const BcGeoBounds *bounds,
                        double             lat,
                        double             lon)
{
  g_return_val_if_fail (bounds != NULL, FALSE);

  return lat >= bounds->min_lat && lat <= bounds->max_lat
         && lon >= bounds->min_lon && lon <= bounds->max_lon;
}

void
bc_geo_bounds_extend (BcGeoBounds *bounds,
                      double       lat,
                      double       lon)
{
  g_return_if_fail (bounds != NULL);
  g_return_if_fail (!isnan (lat) && !isnan (lon));

  bounds->min_lat = MIN (bounds->min_lat, lat);
  bounds->max_lat = MAX (bounds->max_lat, lat);
  bounds->min_lon = MIN (bounds->min_lon, lon);
  bounds->max_lon = MAX (bounds->max_lon, lon);
}

/* One decimal number between start and end (exclusive), with optional blanks around it. Only
 * plain decimal notation is accepted: strtod's "nan", "inf" and hex forms are not coordinates. */
static gboolean
parse_number (const char *start,
              const char *end,
              double     *out)
{
  char buf[64];
  char *num_end = NULL;
  gsize len;

  while (start < end && g_ascii_isspace (*start))
    start++;
  while (end > start && g_ascii_isspace (end[-1]))
    end--;

  len = end - start;
  if (len == 0 || len >= sizeof buf)
    return FALSE;

  for (const char *p = start; p < end; p++)
    if (!g_ascii_isdigit (*p) && strchr ("+-.eE", *p) == NULL)
      return FALSE;

  memcpy (buf, start, len);
  buf[len] = '\0';
  *out = g_ascii_strtod (buf, &num_end);
  return num_end == buf + len && isfinite (*out);
}

/* Parses "minlon,minlat,maxlon,maxlat" (the order of the API's bbox parameter and GeoJSON).
 * Boxes that cross the ±180° meridian are refused as inverted. */
gboolean
bc_geo_bounds_parse (const char   *text,
                     BcGeoBounds  *bounds,
                     GError      **error)
{
  double v[4];
  const char *p;
  guint n = 0;

  g_return_val_if_fail (bounds != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL)
    {
      g_set_error_literal (error, BC_GEO_ERROR, BC_GEO_ERROR_MALFORMED,
                           "bounds are missing; expected minlon,minlat,maxlon,maxlat");
      return FALSE;
    }

  p = text;
  for (;;)
    {
      const char *comma = strchr (p, ',');
      const char *end = comma != NULL ? comma : p + strlen (p);

      if (n == G_N_ELEMENTS (v) || !parse_number (p, end, &v[n]))
        {
          g_set_error_literal (error, BC_GEO_ERROR, BC_GEO_ERROR_MALFORMED,
                               "bounds are not four numbers minlon,minlat,maxlon,maxlat");
          return FALSE;
        }
      n++;
      if (comma == NULL)
        break;
      p = comma + 1;
    }

  if (n != G_N_ELEMENTS (v))
    {
      g_set_error_literal (error, BC_GEO_ERROR, BC_GEO_ERROR_MALFORMED,
                           "bounds are not four numbers minlon,minlat,maxlon,maxlat");
      return FALSE;
    }

  if (v[0] < -180.0 || v[0] > 180.0 || v[2] < -180.0 || v[2] > 180.0)
    {
      g_set_error_literal (error, BC_GEO_ERROR, BC_GEO_ERROR_OUT_OF_RANGE,
                           "bounds: longitude is outside [-180, 180]");
      return FALSE;
    }
  if (v[1] < -90.0 || v[1] > 90.0 || v[3] < -90.0 || v[3] > 90.0)
    {
      g_set_error_literal (error, BC_GEO_ERROR, BC_GEO_ERROR_OUT_OF_RANGE,
                           "bounds: latitude is outside [-90, 90]");
      return FALSE;
    }
  if (v[0] > v[2] || v[1] > v[3])
    {
      g_set_error_literal (error, BC_GEO_ERROR, BC_GEO_ERROR_INVERTED,
                           "bounds: a minimum is greater than its maximum");
      return FALSE;
    }

  bounds->min_lon = v[0];
  bounds->min_lat = v[1];
  bounds->max_lon = v[2];
  bounds->max_lat = v[3];
  return TRUE;
}
