/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define BK_TYPE_SCHEMATIC_SOURCE (bk_schematic_source_get_type ())

G_DECLARE_FINAL_TYPE (BkSchematicSource, bk_schematic_source, BK, SCHEMATIC_SOURCE,
                      ShumateDataSource)

/* The built-in schematic training basemap of central Jingmen, zoom 8 to 18, 256 px tiles.
 *
 * Tiles are rendered with cairo from the project's own vector data (the land within the
 * district outlines, the training road graph, water, parks, landmarks) in GTask worker threads
 * and handed out as PNG. The district boundaries and names are not in the tiles: BkDistrictLayer
 * draws them over any base map.
 * The vector data is read once per process, on the first tile request, from
 * basemap/jingmen-districts.json and basemap/jingmen-training.json in the first data folder
 * that has them: $BEACON_DATADIR, the installed package data folder, the source tree's data/. */

#define BK_SCHEMATIC_MIN_ZOOM  8
#define BK_SCHEMATIC_MAX_ZOOM  18
#define BK_SCHEMATIC_TILE_SIZE 256

BkSchematicSource     *bk_schematic_source_new             (void);

/* A raster map source over the schematic tiles with the right zoom range and licence text. */
ShumateRasterRenderer *bk_schematic_source_create_renderer (BkSchematicSource *self);

/* Path of a basemap data file (e.g. "jingmen-training.json") in the data folders listed above,
 * or NULL if no folder has it. */
char                  *bk_schematic_source_find_data_file  (const char        *name);

G_END_DECLS
