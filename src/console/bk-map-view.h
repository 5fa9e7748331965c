/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <shumate/shumate.h>

#include "bk-district-layer.h"
#include "bk-live-state.h"
#include "bk-point-layer.h"

G_BEGIN_DECLS

#define BK_TYPE_MAP_VIEW (bk_map_view_get_type ())

G_DECLARE_FINAL_TYPE (BkMapView, bk_map_view, BK, MAP_VIEW, GtkWidget)

/* The one map: the base map chosen in the settings (schematic, XYZ or MBTiles) under the
 * district boundaries (BkDistrictLayer, shown while layer-districts is true) under a
 * BkPointLayer that shows the live state's incidents and units and the cameras of the area
 * in view (loaded by bounding box 150 ms after the view stops moving).
 *
 * Keyboard (while the map has the focus): arrows pan, + and - zoom, Escape clears the
 * selection. The view is remembered in the settings key last-view and the layers follow the
 * layer-* keys. ::selection-changed is emitted whenever the selection changes. */

BkMapView       *bk_map_view_new                (void);
void             bk_map_view_set_settings       (BkMapView    *self,
                                                 GSettings    *settings);
void             bk_map_view_set_live_state     (BkMapView    *self,
                                                 BkLiveState  *live_state);

ShumateMap      *bk_map_view_get_map            (BkMapView    *self);
ShumateViewport *bk_map_view_get_viewport       (BkMapView    *self);
BkDistrictLayer *bk_map_view_get_district_layer (BkMapView    *self);
BkPointLayer    *bk_map_view_get_point_layer    (BkMapView    *self);

/* Selects an object; with @fly the map flies to it (animated) and zooms in to at least
 * @min_zoom. Returns FALSE when the object is unknown (or has no position). */
gboolean         bk_map_view_select             (BkMapView    *self,
                                                 BkObjectKind  kind,
                                                 const char   *id,
                                                 gboolean      fly);
void             bk_map_view_clear_selection    (BkMapView    *self);
BkObjectKind     bk_map_view_get_selection      (BkMapView    *self,
                                                 const char  **id);

/* Moves the view; @animate flies there. */
void             bk_map_view_go_to              (BkMapView    *self,
                                                 double        lat,
                                                 double        lon,
                                                 double        zoom,
                                                 gboolean      animate);

/* Loads the cameras of the current view now instead of after the debounce. */
void             bk_map_view_refresh_cameras    (BkMapView    *self);

/* Picking a location: the next click on the map emits ::location-picked (double lat,
 * double lon) instead of selecting; Escape or cancel_pick emit ::pick-cancelled. */
void             bk_map_view_pick_location      (BkMapView    *self);
void             bk_map_view_cancel_pick        (BkMapView    *self);
gboolean         bk_map_view_get_picking        (BkMapView    *self);

/* The wall display's map (bk-wall-window.c): FALSE hides the zoom buttons, the live counts
 * and the position, and ignores the pointer; the view moves only by bk_map_view_go_to(). */
void             bk_map_view_set_interactive    (BkMapView    *self,
                                                 gboolean      interactive);

G_END_DECLS
