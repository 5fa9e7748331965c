/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "bc-geo.h"

G_BEGIN_DECLS

/* BcDistricts: administrative outlines (data/basemap/jingmen-districts.json, a GeoJSON
 * FeatureCollection of (multi)polygons in WGS-84) and the lookup of the district a point lies
 * in. The server derives an incident's district from its location with it; the console draws
 * the outlines from the same rings (bk-districts.c). Immutable once loaded, so any thread may
 * read it without locking; reference-counted so that a server and its repo can share one. */

typedef struct
{
  double lat;
  double lon;
} BcDistrictPoint;

/* A closed ring (first point == last point) of a district's outline. */
typedef struct
{
  guint       district;  /* index into BcDistricts.districts */
  guint       first;     /* index into BcDistricts.points */
  guint       n;         /* points, the closing one included (>= 4) */
  BcGeoBounds bounds;
} BcDistrictRing;

typedef struct
{
  char            *name;         /* as in the source data (`name`) */
  char            *label;        /* the current name (`label`, else `name`): what incidents get */
  BcDistrictPoint  label_point;  /* `label_point`, else the centre of the bounds */
  guint            first_ring;   /* index into BcDistricts.rings */
  guint            n_rings;      /* outer rings and holes of all its polygons */
  BcGeoBounds      bounds;
} BcDistrict;

typedef struct
{
  GArray      *points;     /* BcDistrictPoint */
  GArray      *districts;  /* BcDistrict */
  GArray      *rings;      /* BcDistrictRing, grouped by district */
  BcGeoBounds  bounds;     /* of everything */
} BcDistricts;

#define BC_DISTRICTS_FILE_NAME "jingmen-districts.json"

BcDistricts *bc_districts_load          (const char         *path,
                                         GError            **error);
BcDistricts *bc_districts_ref           (BcDistricts        *districts);
void         bc_districts_unref         (BcDistricts        *districts);

/* The label of the district that contains the point, or NULL outside every district. */
const char  *bc_districts_find          (const BcDistricts  *districts,
                                         double              lat,
                                         double              lon);
/* The same as an index into districts->districts, or -1. */
int          bc_districts_find_index    (const BcDistricts  *districts,
                                         double              lat,
                                         double              lon);

/* basemap/@name in the first data folder that has it: $BEACON_DATADIR, the installed package
 * data folder, the source tree's data/ (uninstalled runs and tests). NULL when none has it. */
char        *bc_districts_find_data_file (const char        *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcDistricts, bc_districts_unref)

G_END_DECLS
