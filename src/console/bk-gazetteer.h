/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Place names a dispatcher types instead of coordinates: the streets, the crossings of two
 * streets ("象山大道与白庙路交叉口") and the landmarks of the training basemap
 * (data/basemap/jingmen-training.json). Positions are WGS-84. */

typedef enum
{
  BK_PLACE_STREET,
  BK_PLACE_INTERSECTION,
  BK_PLACE_LANDMARK,
} BkPlaceKind;

typedef struct
{
  char        *name;
  BkPlaceKind  kind;
  double       lat;
  double       lon;
} BkPlace;

#define BK_TYPE_GAZETTEER (bk_gazetteer_get_type ())

G_DECLARE_FINAL_TYPE (BkGazetteer, bk_gazetteer, BK, GAZETTEER, GObject)

BkGazetteer   *bk_gazetteer_new_from_file  (const char  *path,
                                            GError     **error);
/* The training basemap's places, read once per process (thread-safe); empty when the data
 * file cannot be found or read. */
BkGazetteer   *bk_gazetteer_get_default    (void);
/* Reads the default gazetteer in a worker thread, so that the first look-up does not. */
void           bk_gazetteer_preload        (void);

guint          bk_gazetteer_get_n_places   (BkGazetteer *self);
/* A place by its name; a crossing also by "A和B", "A与B", "A/B", either order. */
const BkPlace *bk_gazetteer_lookup         (BkGazetteer *self,
                                            const char  *name);
/* Up to @limit places whose names start with (first) or contain @text: BkPlace* owned by
 * the gazetteer. */
GPtrArray     *bk_gazetteer_complete       (BkGazetteer *self,
                                            const char  *text,
                                            guint        limit);
/* The nearest place to a point, or NULL when there is none within @max_m metres. */
const BkPlace *bk_gazetteer_nearest        (BkGazetteer *self,
                                            double       lat,
                                            double       lon,
                                            double       max_m);
/* An address for a point: "象山大道与白庙路交叉口附近", or the coordinates when no place is
 * near. Translated. */
char          *bk_gazetteer_describe       (BkGazetteer *self,
                                            double       lat,
                                            double       lon);

G_END_DECLS
