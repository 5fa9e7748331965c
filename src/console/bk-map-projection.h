/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <math.h>
#include <shumate/shumate.h>

#include "bc-geo.h"

G_BEGIN_DECLS

/* Where a map layer's viewport puts the world, for layers that draw many points or lines
 * themselves (BkPointLayer, BkDistrictLayer): the transform of
 * shumate_viewport_location_to_widget_coords(), worked out once per frame and applied to
 * points already projected to normalised Web Mercator (bc_mercator_project()). */
typedef struct
{
  double width;
  double height;
  double zoom;
  double world;      /* world size in pixels at this zoom */
  double cx;         /* viewport centre, normalised */
  double cy;
  double cos_r;
  double sin_r;
  double scale;      /* device pixels per logical pixel */
} BkMapProjection;

/* FALSE while @layer has no viewport or no size. */
static inline gboolean
bk_map_projection_init (BkMapProjection *p,
                        ShumateLayer    *layer)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (layer);
  ShumateMapSource *source;
  double tile_size = 256.0, rotation;

  p->width = gtk_widget_get_width (GTK_WIDGET (layer));
  p->height = gtk_widget_get_height (GTK_WIDGET (layer));
  if (viewport == NULL || p->width <= 0 || p->height <= 0)
    return FALSE;

  source = shumate_viewport_get_reference_map_source (viewport);
  if (source != NULL)
    tile_size = shumate_map_source_get_tile_size (source);

  p->zoom = shumate_viewport_get_zoom_level (viewport);
  p->world = tile_size * exp2 (p->zoom);
  bc_mercator_project (shumate_location_get_latitude (SHUMATE_LOCATION (viewport)),
                       shumate_location_get_longitude (SHUMATE_LOCATION (viewport)),
                       &p->cx, &p->cy);
  rotation = shumate_viewport_get_rotation (viewport);
  p->cos_r = cos (rotation);
  p->sin_r = sin (rotation);
  p->scale = gtk_widget_get_scale_factor (GTK_WIDGET (layer));
  return TRUE;
}

static inline void
bk_map_projection_to_screen (const BkMapProjection *p,
                             double                 x,
                             double                 y,
                             double                *sx,
                             double                *sy)
{
  double dx = (x - p->cx) * p->world;
  double dy = (y - p->cy) * p->world;

  *sx = p->cos_r * dx - p->sin_r * dy + p->width / 2;
  *sy = p->sin_r * dx + p->cos_r * dy + p->height / 2;
}

static inline void
bk_map_projection_from_screen (const BkMapProjection *p,
                               double                 sx,
                               double                 sy,
                               double                *x,
                               double                *y)
{
  double dx = sx - p->width / 2, dy = sy - p->height / 2;

  *x = p->cx + (p->cos_r * dx + p->sin_r * dy) / p->world;
  *y = p->cy + (-p->sin_r * dx + p->cos_r * dy) / p->world;
}

G_END_DECLS
