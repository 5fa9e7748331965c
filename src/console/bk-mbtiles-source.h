/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "bc-geo.h"

G_BEGIN_DECLS

#define BK_TYPE_MBTILES_SOURCE (bk_mbtiles_source_get_type ())

G_DECLARE_FINAL_TYPE (BkMbtilesSource, bk_mbtiles_source, BK, MBTILES_SOURCE, ShumateDataSource)

/* An offline raster tile pack (MBTiles 1.3, PNG or JPEG tiles) as a ShumateDataSource.
 *
 * Construction opens the file read-only and reads its metadata; it is a GInitable and a
 * GAsyncInitable, and the async constructor does that work in a thread. Tiles are read by
 * GTask worker threads on the source's own connection; a tile that is not in the pack fails
 * with G_IO_ERROR_NOT_FOUND. Other errors: G_IO_ERROR_INVALID_DATA for a file that is not an
 * MBTiles pack, G_IO_ERROR_FAILED for SQLite failures. */

void                   bk_mbtiles_source_new_async         (GFile               *file,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
BkMbtilesSource       *bk_mbtiles_source_new_finish        (GAsyncResult        *result,
                                                            GError             **error);
/* Blocks on file I/O: not for the main thread. */
BkMbtilesSource       *bk_mbtiles_source_new_sync          (GFile               *file,
                                                            GCancellable        *cancellable,
                                                            GError             **error);

GFile                 *bk_mbtiles_source_get_file          (BkMbtilesSource     *self);
const char            *bk_mbtiles_source_get_name          (BkMbtilesSource     *self);
const char            *bk_mbtiles_source_get_attribution   (BkMbtilesSource     *self);
const char            *bk_mbtiles_source_get_format        (BkMbtilesSource     *self);
guint                  bk_mbtiles_source_get_min_zoom      (BkMbtilesSource     *self);
guint                  bk_mbtiles_source_get_max_zoom      (BkMbtilesSource     *self);
guint                  bk_mbtiles_source_get_tile_size     (BkMbtilesSource     *self);
gboolean               bk_mbtiles_source_get_bounds        (BkMbtilesSource     *self,
                                                            BcGeoBounds         *bounds);

/* A raster map source over this pack with its zoom range, tile size, name and licence text.
 * Cap the viewport's max zoom at the pack's: libshumate 1.0 does not over-zoom. */
ShumateRasterRenderer *bk_mbtiles_source_create_renderer   (BkMbtilesSource     *self,
                                                            const char          *id);

G_END_DECLS
