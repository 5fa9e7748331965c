/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "bc-geo.h"

G_BEGIN_DECLS

#define BC_GRID_INDEX_DEFAULT_CELL_SIZE_M 500.0

/* A spatial hash of points on the Earth, each identified by a caller's 64-bit key (callers map
 * keys to their objects). Handles the ±180° meridian and the poles. Not thread-safe for writes;
 * concurrent queries without writers are fine. */
typedef struct _BcGridIndex BcGridIndex;

/* One result of a distance query; distance_m is bc_geo_distance_m (query, point). */
typedef struct
{
  guint64 key;
  double  distance_m;
} BcGridHit;

typedef void (*BcGridIndexForeachFunc) (guint64  key,
                                        double   lat,
                                        double   lon,
                                        gpointer user_data);

BcGridIndex *bc_grid_index_new             (double                  cell_size_m);
void         bc_grid_index_free            (BcGridIndex            *self);

double       bc_grid_index_get_cell_size_m (BcGridIndex            *self);
guint        bc_grid_index_get_n_items     (BcGridIndex            *self);
gsize        bc_grid_index_get_memory_size (BcGridIndex            *self);

gboolean     bc_grid_index_insert          (BcGridIndex            *self,
                                            guint64                 key,
                                            double                  lat,
                                            double                  lon);
gboolean     bc_grid_index_move            (BcGridIndex            *self,
                                            guint64                 key,
                                            double                  lat,
                                            double                  lon);
gboolean     bc_grid_index_remove          (BcGridIndex            *self,
                                            guint64                 key);
void         bc_grid_index_remove_all      (BcGridIndex            *self);
gboolean     bc_grid_index_lookup          (BcGridIndex            *self,
                                            guint64                 key,
                                            double                 *lat,
                                            double                 *lon);

guint        bc_grid_index_query_radius    (BcGridIndex            *self,
                                            double                  lat,
                                            double                  lon,
                                            double                  radius_m,
                                            GArray                 *out_hits);
guint        bc_grid_index_query_nearest   (BcGridIndex            *self,
                                            double                  lat,
                                            double                  lon,
                                            guint                   k,
                                            double                  max_radius_m,
                                            GArray                 *out_hits);
guint        bc_grid_index_query_bounds    (BcGridIndex            *self,
                                            const BcGeoBounds      *bounds,
                                            GArray                 *out_keys);
void         bc_grid_index_foreach         (BcGridIndex            *self,
                                            BcGridIndexForeachFunc  func,
                                            gpointer                user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcGridIndex, bc_grid_index_free)

G_END_DECLS
