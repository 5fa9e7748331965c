/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "bc-districts.h"

G_BEGIN_DECLS

/* The outlines of Jingmen's districts and counties (basemap/jingmen-districts.json, read by
 * libbeacon's bc_districts_load()), projected once to normalised Web Mercator (x east, y south,
 * both in [0, 1)). The schematic basemap fills the land with the rings; BkDistrictLayer draws
 * the boundaries and names over any base map. The data is immutable once loaded, so threads
 * may read it without locking. */

typedef struct
{
  double x;
  double y;
} BkDistrictPoint;

/* A closed ring of a district's outline, or a stretch of boundary line. */
typedef struct
{
  guint district;  /* index into BkDistricts.districts */
  guint first;     /* index into BkDistricts.points */
  guint n;
  double x0, y0, x1, y1;  /* bounds, normalised */
} BkDistrictLine;

typedef struct
{
  char *name;     /* as in the source data */
  char *label;    /* the name to show (the current one) */
  BkDistrictPoint label_point;
} BkDistrict;

typedef struct
{
  GArray *points;     /* BkDistrictPoint */
  GArray *districts;  /* BkDistrict */
  GArray *rings;      /* BkDistrictLine: every polygon ring, closed */
  GArray *borders;    /* BkDistrictLine: the boundary lines, a stretch two districts share once */
  double x0, y0, x1, y1;  /* bounds of everything, normalised */
  BcDistricts *geo;   /* the same outlines in WGS-84, for bc_districts_find() */
} BkDistricts;

BkDistricts       *bk_districts_load        (const char  *path,
                                             GError     **error);
void               bk_districts_free        (BkDistricts *districts);

/* The districts of basemap/jingmen-districts.json in the data folders that
 * bk_schematic_source_find_data_file() searches, loaded on the first call and kept for the life
 * of the process; thread-safe. NULL with @error set when the file is missing or malformed (the
 * same error on every later call). */
const BkDistricts *bk_districts_get_default (GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BkDistricts, bk_districts_free)

G_END_DECLS
