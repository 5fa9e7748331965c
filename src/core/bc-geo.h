/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Mean Earth radius (IUGG R1), used by every great-circle function here. */
#define BC_GEO_EARTH_RADIUS_M 6371008.8

/* Web Mercator works on a sphere of the WGS-84 semi-major axis (EPSG:3857). */
#define BC_MERCATOR_RADIUS_M 6378137.0

/* Latitude at which the Web Mercator world becomes square. */
#define BC_MERCATOR_MAX_LAT 85.05112878

#define BC_GEO_ERROR (bc_geo_error_quark ())

typedef enum
{
  BC_GEO_ERROR_MALFORMED,
  BC_GEO_ERROR_OUT_OF_RANGE,
  BC_GEO_ERROR_INVERTED,
} BcGeoError;

GQuark   bc_geo_error_quark           (void);

gboolean bc_geo_is_valid              (double  lat,
                                       double  lon);
double   bc_geo_normalize_lon         (double  lon);

/* Web Mercator, normalised: x east and y south in [0, 1). */
void     bc_mercator_project          (double  lat,
                                       double  lon,
                                       double *x,
                                       double *y);
void     bc_mercator_unproject        (double  x,
                                       double  y,
                                       double *lat,
                                       double *lon);
double   bc_mercator_meters_per_pixel (double  lat,
                                       double  zoom);

/* Great-circle geometry on the sphere of radius BC_GEO_EARTH_RADIUS_M. */
double   bc_geo_distance_m            (double  lat1,
                                       double  lon1,
                                       double  lat2,
                                       double  lon2);
double   bc_geo_bearing_deg           (double  lat1,
                                       double  lon1,
                                       double  lat2,
                                       double  lon2);
void     bc_geo_destination           (double  lat,
                                       double  lon,
                                       double  bearing_deg,
                                       double  distance_m,
                                       double *out_lat,
                                       double *out_lon);
void     bc_geo_offset_m              (double  lat,
                                       double  lon,
                                       double  north_m,
                                       double  east_m,
                                       double *out_lat,
                                       double *out_lon);

/* China's GCJ-02 datum. */
gboolean bc_gcj02_in_china            (double  lat,
                                       double  lon);
void     bc_wgs84_to_gcj02            (double  lat,
                                       double  lon,
                                       double *gcj_lat,
                                       double *gcj_lon);
void     bc_gcj02_to_wgs84            (double  gcj_lat,
                                       double  gcj_lon,
                                       double *lat,
                                       double *lon);

/* A latitude/longitude box. It never crosses the ±180° meridian: min_lon <= max_lon. */
typedef struct
{
  double min_lat;
  double min_lon;
  double max_lat;
  double max_lon;
} BcGeoBounds;

void     bc_geo_bounds_set_empty      (BcGeoBounds       *bounds);
gboolean bc_geo_bounds_is_empty       (const BcGeoBounds *bounds);
gboolean bc_geo_bounds_contains       (const BcGeoBounds *bounds,
                                       double             lat,
                                       double             lon);
void     bc_geo_bounds_extend         (BcGeoBounds       *bounds,
                                       double             lat,
                                       double             lon);
gboolean bc_geo_bounds_parse          (const char        *text,
                                       BcGeoBounds       *bounds,
                                       GError           **error);

G_END_DECLS
