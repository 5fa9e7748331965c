/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define BK_TYPE_DISTRICT_LAYER (bk_district_layer_get_type ())

G_DECLARE_FINAL_TYPE (BkDistrictLayer, bk_district_layer, BK, DISTRICT_LAYER, ShumateLayer)

/* The boundaries of Jingmen's districts and counties (bk_districts_get_default()) as a map
 * layer over any base map: a thin dashed line on a soft band and, up to zoom 12, the district
 * names in Chinese. It draws in the CSS colour of its node `bk-district-layer` (the halo under
 * the names is light for a dark colour and dark for a light one), so a dark theme only needs
 * a lighter `color`. It takes no input. Hide it with gtk_widget_set_visible(); it draws
 * again only when the view moves. */

/* Names are shown up to this zoom level; nearer in, the view is inside one district. */
#define BK_DISTRICT_LAYER_MAX_LABEL_ZOOM 12

BkDistrictLayer *bk_district_layer_new          (ShumateViewport *viewport);

/* The outlines are read in a thread after the layer is made; :loaded turns TRUE (and the
 * layer draws) once they are in. It stays FALSE if they cannot be read (a warning says why). */
gboolean         bk_district_layer_get_loaded   (BkDistrictLayer *self);

/* The label (current Chinese name) of the district at widget coordinates @x, @y, or NULL
 * outside every district or when the outlines could not be loaded. */
const char      *bk_district_layer_district_at  (BkDistrictLayer *self,
                                                 double           x,
                                                 double           y);

G_END_DECLS
