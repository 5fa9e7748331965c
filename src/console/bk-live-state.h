/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "bc-client.h"
#include "bc-geo.h"
#include "bc-model.h"

G_BEGIN_DECLS

/* What a selection, a search match or a map point is. */
typedef enum
{
  BK_OBJECT_NONE,
  BK_OBJECT_INCIDENT,
  BK_OBJECT_UNIT,
  BK_OBJECT_CAMERA,
} BkObjectKind;

#define BK_TYPE_LIVE_STATE (bk_live_state_get_type ())

G_DECLARE_FINAL_TYPE (BkLiveState, bk_live_state, BK, LIVE_STATE, GObject)

/* The console's picture of the live situation, kept current from the server.
 *
 * bk_live_state_start() loads /snapshot and then follows /events through the BcClient; each
 * event changes only the object it names, in place, and emits one signal for it, so views
 * touch only what changed (a unit.moved is one ::unit-changed with position_only TRUE). After
 * a reconnect the client resumes from its last seq; when it has to reload the snapshot,
 * ::reset tells views to rebuild.
 *
 * Cameras are not in the snapshot (a city has tens of thousands): bk_live_state_load_cameras()
 * fetches those inside a bounding box, cancelling the previous request, and adds the new ones
 * to the cache (::cameras-added). */

/* The open incidents (BcIncident), in the order they arrived. */
GListModel    *bk_live_state_get_incidents       (BkLiveState          *self);
/* Every unit (BcUnit). */
GListModel    *bk_live_state_get_units           (BkLiveState          *self);

BkLiveState   *bk_live_state_new                 (BcClient             *client);
BcClient      *bk_live_state_get_client          (BkLiveState          *self);

void           bk_live_state_start               (BkLiveState          *self);
void           bk_live_state_stop                (BkLiveState          *self);
gboolean       bk_live_state_get_loaded          (BkLiveState          *self);

BcIncident    *bk_live_state_lookup_incident     (BkLiveState          *self,
                                                  gint64                id);
BcIncident    *bk_live_state_lookup_incident_by_number (BkLiveState    *self,
                                                  const char           *number);
BcUnit        *bk_live_state_lookup_unit         (BkLiveState          *self,
                                                  gint64                id);
BcCamera      *bk_live_state_lookup_camera       (BkLiveState          *self,
                                                  const char           *id);
/* Every camera loaded so far (BcCamera*, not owned by the caller). */
GPtrArray     *bk_live_state_get_cameras         (BkLiveState          *self);
guint          bk_live_state_get_n_cameras       (BkLiveState          *self);

/* Loads the cameras inside @bounds, replacing (cancelling) any load still running. */
void           bk_live_state_load_cameras        (BkLiveState          *self,
                                                  const BcGeoBounds    *bounds);
/* How many bounding-box loads completed (for tests and diagnostics). */
guint          bk_live_state_get_n_camera_loads  (BkLiveState          *self);

/* The cameras within @radius_m of a point, nearest first: a GPtrArray of BcCamera. */
void           bk_live_state_cameras_near_async  (BkLiveState          *self,
                                                  double                lat,
                                                  double                lon,
                                                  double                radius_m,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray     *bk_live_state_cameras_near_finish (BkLiveState          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
