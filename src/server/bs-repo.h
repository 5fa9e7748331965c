/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsRepo: the server's domain commands and queries over the SQLite store.
 *
 * Every command runs in ONE store transaction that also appends its events (and the audit
 * row), so a command is either entirely committed or not at all; the store's commit hook then
 * announces the committed events to the WebSocket hub. The repo also keeps the in-memory live
 * state the hot paths need (units and cameras in spatial grid indexes), updated only after a
 * successful commit. One thread uses a repo at a time (the server's main context).
 */

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "bc-model.h"
#include "bc-districts.h"
#include "bc-geo.h"
#include "bc-store.h"

G_BEGIN_DECLS

/* Who issues a command: written into the audit log and checked where ownership matters. */
typedef struct
{
  const char *username;
  BcRole      role;
  const char *remote;   /* "address:port" of the peer */
} BsActor;

#define BS_REPO_ERROR (bs_repo_error_quark ())

/* Each code maps to one HTTP status and API error code (see docs/api.md). */
typedef enum
{
  BS_REPO_ERROR_NOT_FOUND,            /* 404 not_found */
  BS_REPO_ERROR_INVALID,              /* 422 invalid_value */
  BS_REPO_ERROR_STALE_VERSION,        /* 409 stale_version */
  BS_REPO_ERROR_UNIT_UNAVAILABLE,     /* 409 unit_unavailable: message names the unit and why */
  BS_REPO_ERROR_INVALID_TRANSITION,   /* 422 invalid_transition */
  BS_REPO_ERROR_IDEMPOTENCY_MISMATCH, /* 422 idempotency_key_reused: same key, other request */
  BS_REPO_ERROR_FORBIDDEN,            /* 403 forbidden: e.g. a unit acking for another unit */
} BsRepoError;

GQuark bs_repo_error_quark (void);

typedef enum
{
  BS_INCIDENT_FILTER_OPEN,
  BS_INCIDENT_FILTER_CLOSED,   /* closed or cancelled */
  BS_INCIDENT_FILTER_ALL,
} BsIncidentFilter;

typedef struct
{
  BcUnit *unit;        /* owned */
  double  distance_m;
  double  eta_s;
} BsRecommendation;

typedef struct
{
  gint64 unit;
  double lat;
  double lon;
  double heading;
  double speed;
  gint64 at;           /* µs since the epoch, UTC */
} BsAvlFix;

typedef struct
{
  BcCamera *camera;    /* owned */
  double    distance_m;
} BsCameraHit;

#define BS_TYPE_REPO (bs_repo_get_type ())

G_DECLARE_FINAL_TYPE (BsRepo, bs_repo, BS, REPO, GObject)

BsRepo      *bs_repo_new                 (BcStore           *store,
                                          GError           **error);
BcStore     *bs_repo_get_store           (BsRepo            *self);

/* The repo's clock (µs since the epoch, UTC); bc_time_now() unless replaced, e.g. by tests
 * or by the simulator's accelerated time. */
typedef gint64 (*BsRepoClockFunc) (gpointer user_data);

void         bs_repo_set_clock           (BsRepo            *self,
                                          BsRepoClockFunc    clock,
                                          gpointer           user_data);
/* The time on the repo's clock: what "now" and "today" mean to this server. */
gint64       bs_repo_now                 (BsRepo            *self);

/* The district outlines (a reference is kept; NULL: none). An incident created without a
 * district gets the one its location lies in, and a derived district follows the location
 * when a PATCH moves it (docs/api.md). */
void         bs_repo_set_districts       (BsRepo            *self,
                                          BcDistricts       *districts);

/* Incidents */
BcIncident  *bs_repo_create_incident     (BsRepo            *self,
                                          BcIncident        *draft,
                                          const BsActor     *actor,
                                          GError           **error);
BcIncident  *bs_repo_get_incident        (BsRepo            *self,
                                          gint64             id,
                                          GError           **error);
GPtrArray   *bs_repo_list_incidents      (BsRepo            *self,
                                          BsIncidentFilter   filter,
                                          guint              limit,
                                          gint64             before_id,
                                          GError           **error);
BcIncident  *bs_repo_update_incident     (BsRepo            *self,
                                          gint64             id,
                                          gint64             version,
                                          JsonObject        *changes,
                                          const BsActor     *actor,
                                          GError           **error);
BcNote      *bs_repo_add_note            (BsRepo            *self,
                                          gint64             incident_id,
                                          const char        *text,
                                          const BsActor     *actor,
                                          GError           **error);
GPtrArray   *bs_repo_list_notes          (BsRepo            *self,
                                          gint64             incident_id,
                                          GError           **error);

/* Dispatch */
GArray      *bs_repo_recommend           (BsRepo            *self,
                                          gint64             incident_id,
                                          guint              limit,
                                          GError           **error);
BcOrder     *bs_repo_dispatch            (BsRepo            *self,
                                          gint64             incident_id,
                                          const gint64      *unit_ids,
                                          guint              n_units,
                                          const char        *instructions,
                                          const char        *idempotency_key,
                                          const char        *request_hash,
                                          const BsActor     *actor,
                                          gboolean          *out_replayed,
                                          GError           **error);
BcOrder     *bs_repo_ack_order           (BsRepo            *self,
                                          gint64             order_id,
                                          gint64             unit_id,
                                          gboolean           accepted,
                                          const BsActor     *actor,
                                          GError           **error);
BcOrder     *bs_repo_get_order           (BsRepo            *self,
                                          gint64             order_id,
                                          GError           **error);
GPtrArray   *bs_repo_list_orders         (BsRepo            *self,
                                          gint64             incident_id,
                                          GError           **error);

/* Units */
GPtrArray   *bs_repo_list_units          (BsRepo            *self,
                                          GError           **error);
BcUnit      *bs_repo_get_unit            (BsRepo            *self,
                                          gint64             id,
                                          GError           **error);
BcUnit      *bs_repo_update_unit_status  (BsRepo            *self,
                                          gint64             id,
                                          BcUnitStatus       status,
                                          gint64             version,
                                          const BsActor     *actor,
                                          GError           **error);
gboolean     bs_repo_ingest_avl          (BsRepo            *self,
                                          const BsAvlFix    *fixes,
                                          guint              n_fixes,
                                          const BsActor     *actor,
                                          GError           **error);

/* Cameras */
GPtrArray   *bs_repo_cameras_in_bounds   (BsRepo            *self,
                                          const BcGeoBounds *bounds,
                                          guint              limit,
                                          gboolean          *out_truncated);
GArray      *bs_repo_cameras_near        (BsRepo            *self,
                                          double             lat,
                                          double             lon,
                                          double             radius_m);

/* Import (CLI): upsert in one transaction; events are appended so consoles see the change. */
gboolean     bs_repo_import_cameras      (BsRepo            *self,
                                          GPtrArray         *cameras,
                                          const BsActor     *actor,
                                          GError           **error);
/* Demo start, before listening: fast first load into an empty table, no events (falls back to
 * bs_repo_import_cameras() if the table holds a camera; *out_initial tells which ran). */
gboolean     bs_repo_load_cameras_initial (BsRepo           *self,
                                           GPtrArray        *cameras,
                                           const BsActor    *actor,
                                           gboolean         *out_initial,
                                           GError          **error);
gboolean     bs_repo_import_units        (BsRepo            *self,
                                          GPtrArray         *units,
                                          const BsActor     *actor,
                                          GError           **error);

/* The open incidents, all units and the current seq, consistent with each other. */
JsonNode    *bs_repo_snapshot            (BsRepo            *self,
                                          GError           **error);

/* The effective urban speed of a kind of unit used for ETAs (docs/lifecycle.md), in m/s. */
double       bs_unit_kind_speed_mps      (BcUnitKind         kind);

void         bs_recommendation_clear     (BsRecommendation  *rec);
void         bs_camera_hit_clear         (BsCameraHit       *hit);

G_END_DECLS
