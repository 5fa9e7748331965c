/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

/* What a point on the layer is. */
typedef enum
{
  BK_POINT_KIND_NONE,
  BK_POINT_KIND_CAMERA,
  BK_POINT_KIND_CLUSTER,   /* a bubble standing for several cameras */
  BK_POINT_KIND_INCIDENT,
  BK_POINT_KIND_UNIT,
} BkPointKind;

/* Mirrors of the domain enumerations (docs/domain.md), in the same order, so that the
 * values of libbeacon's enums convert by a cast. Keep them in step with that document. */
typedef enum
{
  BK_UNIT_STATUS_AVAILABLE,
  BK_UNIT_STATUS_DISPATCHED,
  BK_UNIT_STATUS_EN_ROUTE,
  BK_UNIT_STATUS_ON_SCENE,
  BK_UNIT_STATUS_OFF_DUTY,
} BkUnitStatus;

typedef enum
{
  BK_INCIDENT_STATUS_NEW,
  BK_INCIDENT_STATUS_DISPATCHED,
  BK_INCIDENT_STATUS_EN_ROUTE,
  BK_INCIDENT_STATUS_ON_SCENE,
  BK_INCIDENT_STATUS_CLOSED,
  BK_INCIDENT_STATUS_CANCELLED,
} BkIncidentStatus;

typedef enum
{
  BK_CAMERA_KIND_DOME,
  BK_CAMERA_KIND_BULLET,
  BK_CAMERA_KIND_CHECKPOINT,
} BkCameraKind;

#define BK_TYPE_POINT_KIND      (bk_point_kind_get_type ())
#define BK_TYPE_UNIT_STATUS     (bk_unit_status_get_type ())
#define BK_TYPE_INCIDENT_STATUS (bk_incident_status_get_type ())
#define BK_TYPE_CAMERA_KIND     (bk_camera_kind_get_type ())

GType bk_point_kind_get_type      (void) G_GNUC_CONST;
GType bk_unit_status_get_type     (void) G_GNUC_CONST;
GType bk_incident_status_get_type (void) G_GNUC_CONST;
GType bk_camera_kind_get_type     (void) G_GNUC_CONST;

/* One camera as the layer needs it; the strings are copied. */
typedef struct
{
  const char   *id;       /* GB/T 28181 device code */
  const char   *name;
  double        lat;
  double        lon;
  BkCameraKind  kind;
  gboolean      online;
} BkCameraPoint;

#define BK_TYPE_POINT_LAYER (bk_point_layer_get_type ())

G_DECLARE_FINAL_TYPE (BkPointLayer, bk_point_layer, BK, POINT_LAYER, ShumateLayer)

/* One layer that draws every camera, incident and unit in its snapshot, with its own
 * clustering and hit-testing (a widget per marker does not scale to tens of thousands).
 * Positions are projected once when they are set; a change to one object redraws the layer
 * without touching the others. Draw order, bottom to top: cameras (or their clusters), the
 * selection halo, lines from dispatched and en-route units to their incident, incidents,
 * units. Units are drawn as dots and incidents smaller below zoom 13; call signs show from
 * zoom 15. */
BkPointLayer *bk_point_layer_new                  (ShumateViewport     *viewport);

void          bk_point_layer_set_cameras          (BkPointLayer        *self,
                                                   const BkCameraPoint *cameras,
                                                   gsize                n_cameras);
gboolean      bk_point_layer_set_camera_online    (BkPointLayer        *self,
                                                   const char          *camera_id,
                                                   gboolean             online);
guint         bk_point_layer_get_n_cameras        (BkPointLayer        *self);

/* @incident_id: the incident the unit is assigned to, or 0; a line joins them on the map.
 * @heading: degrees clockwise from north; negative when unknown (no arrow is drawn). */
void          bk_point_layer_upsert_unit          (BkPointLayer        *self,
                                                   gint64               id,
                                                   double               lat,
                                                   double               lon,
                                                   double               heading,
                                                   BkUnitStatus         status,
                                                   const char          *call_sign,
                                                   gint64               incident_id);
gboolean      bk_point_layer_remove_unit          (BkPointLayer        *self,
                                                   gint64               id);
guint         bk_point_layer_get_n_units          (BkPointLayer        *self);

/* @priority: 1 (highest) to 4. @overdue: a response-time target has passed. */
void          bk_point_layer_upsert_incident      (BkPointLayer        *self,
                                                   gint64               id,
                                                   double               lat,
                                                   double               lon,
                                                   int                  priority,
                                                   BkIncidentStatus     status,
                                                   gint64               created_at_us,
                                                   gboolean             overdue,
                                                   const char          *number);
gboolean      bk_point_layer_remove_incident      (BkPointLayer        *self,
                                                   gint64               id);
guint         bk_point_layer_get_n_incidents      (BkPointLayer        *self);

void          bk_point_layer_remove_all           (BkPointLayer        *self);

/* The topmost visible object within a few pixels of widget coordinates (@x, @y): units over
 * incidents over cameras. For a camera, *@camera_id is set to a new string; for a cluster,
 * *@id is the number of cameras in it. */
gboolean      bk_point_layer_pick                 (BkPointLayer        *self,
                                                   double               x,
                                                   double               y,
                                                   BkPointKind         *kind,
                                                   gint64              *id,
                                                   char               **camera_id);

/* Draws a halo around one object; BK_POINT_KIND_NONE clears the selection. */
void          bk_point_layer_set_selection        (BkPointLayer        *self,
                                                   BkPointKind          kind,
                                                   gint64               id,
                                                   const char          *camera_id);
BkPointKind   bk_point_layer_get_selection        (BkPointLayer        *self,
                                                   gint64              *id,
                                                   const char         **camera_id);

gboolean      bk_point_layer_get_show_cameras     (BkPointLayer        *self);
void          bk_point_layer_set_show_cameras     (BkPointLayer        *self,
                                                   gboolean             show);
gboolean      bk_point_layer_get_show_incidents   (BkPointLayer        *self);
void          bk_point_layer_set_show_incidents   (BkPointLayer        *self,
                                                   gboolean             show);
gboolean      bk_point_layer_get_show_units       (BkPointLayer        *self);
void          bk_point_layer_set_show_units       (BkPointLayer        *self,
                                                   gboolean             show);

/* Below this zoom level (default 15) cameras are grouped into cluster bubbles; at any zoom
 * they are also grouped when more than 3,000 are in view. */
int           bk_point_layer_get_cluster_zoom     (BkPointLayer        *self);
void          bk_point_layer_set_cluster_zoom     (BkPointLayer        *self,
                                                   int                  zoom);

G_END_DECLS
