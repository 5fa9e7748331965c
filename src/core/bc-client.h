/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BcClient: beacon-server's API (docs/api.md) for the console, tools and tests.
 *
 * Session: the client sends every request through one SoupSession. Pass the process's session
 * to bc_client_new() (one per process, used from one thread), or NULL and the client makes its
 * own. All calls are asynchronous, on the thread-default main context of the thread that made
 * the client; none of them blocks.
 *
 * Results are decoded with libbeacon's model codec into model objects. Errors are in the
 * BC_CLIENT_ERROR domain (G_IO_ERROR_CANCELLED when cancelled); the API's machine code and
 * the HTTP status travel with the error (bc_client_error_get_code(), _get_status()), and the
 * error's message is the server's message, e.g. "东宝巡01 is en_route to JQ202611240003".
 *
 * Live state: bc_client_follow() opens the event WebSocket and keeps it open, reconnecting with
 * backoff, resuming from the last applied seq, reloading the snapshot when the server asks for
 * it or when a gap shows; see the ::event and ::snapshot-loaded signals.
 *
 * Nothing is lost: with an outbox (bc_client_set_outbox()), dispatches, status changes and notes
 * go through the local queue. A command the server cannot be reached for fails with
 * BC_CLIENT_ERROR_QUEUED and is sent, in order and with its idempotency key, when the server is
 * back — by this client or by the next one opened on the same outbox file.
 */

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "bc-audit.h"
#include "bc-enums.h"
#include "bc-geo.h"
#include "bc-model.h"
#include "bc-outbox.h"
#include "bc-stats.h"

G_BEGIN_DECLS

/* ---- Errors -------------------------------------------------------------------------------- */

#define BC_CLIENT_ERROR (bc_client_error_quark ())

typedef enum
{
  BC_CLIENT_ERROR_NETWORK,            /* unreachable: refused, reset, timeout, DNS, 503 */
  BC_CLIENT_ERROR_UNAUTHORIZED,       /* 401: bad credentials, no or expired session */
  BC_CLIENT_ERROR_FORBIDDEN,          /* 403: the role may not do this */
  BC_CLIENT_ERROR_NOT_FOUND,          /* 404 */
  BC_CLIENT_ERROR_CONFLICT,           /* 409: stale_version, unit_unavailable, … */
  BC_CLIENT_ERROR_INVALID,            /* 400, 413, 422: invalid_value, invalid_transition, … */
  BC_CLIENT_ERROR_TOO_MANY_ATTEMPTS,  /* 429: login throttled */
  BC_CLIENT_ERROR_SERVER,             /* other 5xx, or an answer that cannot be decoded */
  BC_CLIENT_ERROR_QUEUED,             /* server unreachable: the command waits in the outbox */
} BcClientError;

GQuark      bc_client_error_quark      (void);
/* The API error code ("unit_unavailable", "stale_version", …) of a BC_CLIENT_ERROR, or NULL
 * (transport errors, or any other error domain). */
const char *bc_client_error_get_code   (const GError *error);
/* The HTTP status of a BC_CLIENT_ERROR, or 0 when no answer was received. */
guint       bc_client_error_get_status (const GError *error);

/* ---- Results that are not model objects ----------------------------------------------------- */

/* GET /snapshot: the open incidents and all units at seq. Immutable, reference-counted. */
typedef struct _BcSnapshot BcSnapshot;

#define BC_TYPE_SNAPSHOT (bc_snapshot_get_type ())

GType       bc_snapshot_get_type        (void) G_GNUC_CONST;
BcSnapshot *bc_snapshot_ref             (BcSnapshot *self);
void        bc_snapshot_unref           (BcSnapshot *self);
gint64      bc_snapshot_get_seq         (BcSnapshot *self);
gint64      bc_snapshot_get_server_time (BcSnapshot *self);
GPtrArray  *bc_snapshot_get_incidents   (BcSnapshot *self);   /* BcIncident* */
GPtrArray  *bc_snapshot_get_units       (BcSnapshot *self);   /* BcUnit* */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcSnapshot, bc_snapshot_unref)

/* GET /incidents/{id}/recommendations: an available unit and its estimated arrival. */
typedef struct
{
  BcUnit *unit;        /* owned */
  double  distance_m;
  double  eta_s;
} BcRecommendation;

void        bc_recommendation_free      (BcRecommendation *rec);

/* POST /avl: one position report. */
typedef struct
{
  gint64 unit;
  double lat;
  double lon;
  double heading;
  double speed;        /* m/s */
  gint64 at;           /* µs since the epoch, UTC */
} BcAvlFix;

/* ---- The client ---------------------------------------------------------------------------- */

typedef enum
{
  BC_CONNECTION_STATE_OFFLINE,       /* not following (bc_client_follow() not called) */
  BC_CONNECTION_STATE_CONNECTING,    /* first connection, or reloading after a resync */
  BC_CONNECTION_STATE_CONNECTED,     /* events are arriving */
  BC_CONNECTION_STATE_RECONNECTING,  /* lost: waiting for :reconnect-at, or trying again */
} BcConnectionState;

#define BC_TYPE_CONNECTION_STATE (bc_connection_state_get_type ())
GType bc_connection_state_get_type (void) G_GNUC_CONST;

#define BC_TYPE_CLIENT (bc_client_get_type ())
G_DECLARE_FINAL_TYPE (BcClient, bc_client, BC, CLIENT, GObject)

/* @base_url: "http://host:port" of beacon-server. @session: NULL to make one. */
BcClient          *bc_client_new                   (const char         *base_url,
                                                    SoupSession        *session);
const char        *bc_client_get_base_url          (BcClient           *self);
SoupSession       *bc_client_get_session           (BcClient           *self);

/* A fresh idempotency key (a random UUID) for one logical command. */
char              *bc_client_new_idempotency_key   (void);

/* Session state (set by login; a token may also be restored with set_token). */
const char        *bc_client_get_token             (BcClient           *self);
void               bc_client_set_token             (BcClient           *self,
                                                    const char         *username,
                                                    const char         *token);
const char        *bc_client_get_username          (BcClient           *self);
BcRole             bc_client_get_role              (BcClient           *self);
gint64             bc_client_get_expires_at        (BcClient           *self);

/* Live state following. */
void               bc_client_follow                (BcClient           *self);
void               bc_client_unfollow              (BcClient           *self);
BcConnectionState  bc_client_get_connection_state  (BcClient           *self);
gint64             bc_client_get_reconnect_at      (BcClient           *self);
gint64             bc_client_get_offline_since     (BcClient           *self);
gint64             bc_client_get_last_seq          (BcClient           *self);
/* Resume from a seq known to be applied (instead of loading a snapshot first). */
void               bc_client_set_last_seq          (BcClient           *self,
                                                    gint64              seq);
/* Reconnect backoff: the first delay and the cap (defaults 500 ms and 30 s), and how long
 * the socket may stay silent (no event, no heartbeat) before it counts as dead (30 s). */
void               bc_client_set_reconnect_delays  (BcClient           *self,
                                                    guint               first_ms,
                                                    guint               max_ms);
void               bc_client_set_silence_timeout   (BcClient           *self,
                                                    guint               timeout_ms);

/* The outbox (may be NULL). Its waiting items are replayed once logged in. */
BcOutbox          *bc_client_get_outbox            (BcClient           *self);
void               bc_client_set_outbox            (BcClient           *self,
                                                    BcOutbox           *outbox);

/* POST /session, DELETE /session, GET /health */
void               bc_client_login_async           (BcClient           *self,
                                                    const char         *username,
                                                    const char         *password,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
gboolean           bc_client_login_finish          (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
void               bc_client_logout_async          (BcClient           *self,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
gboolean           bc_client_logout_finish         (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
/* Returns the server's version string. */
void               bc_client_health_async          (BcClient           *self,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
char              *bc_client_health_finish         (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* GET /snapshot */
void               bc_client_snapshot_async        (BcClient           *self,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcSnapshot        *bc_client_snapshot_finish       (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Incidents. @status: "open", "closed" or "all" (NULL: open); @limit 0: server default;
 * @before_id 0: from the newest. Result: GPtrArray of BcIncident*. */
void               bc_client_list_incidents_async  (BcClient           *self,
                                                    const char         *status,
                                                    guint               limit,
                                                    gint64              before_id,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray         *bc_client_list_incidents_finish (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
void               bc_client_get_incident_async    (BcClient           *self,
                                                    gint64              incident_id,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcIncident        *bc_client_get_incident_finish   (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
/* @draft: type, priority, location, address, caller, description. */
void               bc_client_create_incident_async (BcClient           *self,
                                                    BcIncident         *draft,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcIncident        *bc_client_create_incident_finish (BcClient          *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
/* PATCH /incidents/{id} {"version", @changes…}; goes through the outbox. */
void               bc_client_patch_incident_async  (BcClient           *self,
                                                    gint64              incident_id,
                                                    gint64              version,
                                                    JsonObject         *changes,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcIncident        *bc_client_patch_incident_finish (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Notes. Adding one goes through the outbox. */
void               bc_client_add_note_async        (BcClient           *self,
                                                    gint64              incident_id,
                                                    const char         *text,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcNote            *bc_client_add_note_finish       (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
void               bc_client_list_notes_async      (BcClient           *self,
                                                    gint64              incident_id,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray         *bc_client_list_notes_finish     (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Dispatch. Result: GPtrArray of BcRecommendation*, best first. */
void               bc_client_recommendations_async (BcClient           *self,
                                                    gint64              incident_id,
                                                    guint               limit,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray         *bc_client_recommendations_finish (BcClient          *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
/* @idempotency_key: the key of this logical command; NULL makes one. Retrying the same command
 * by hand must pass the same key (the outbox keeps it for its own replays). Goes through the
 * outbox. A unit that is not available fails with BC_CLIENT_ERROR_CONFLICT, code
 * "unit_unavailable", message naming the unit and what it is doing. */
void               bc_client_dispatch_async        (BcClient           *self,
                                                    gint64              incident_id,
                                                    const gint64       *unit_ids,
                                                    guint               n_units,
                                                    const char         *instructions,
                                                    const char         *idempotency_key,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcOrder           *bc_client_dispatch_finish       (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Orders. Result of list: GPtrArray of BcOrder*, the incident's orders. */
void               bc_client_list_orders_async     (BcClient           *self,
                                                    gint64              incident_id,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray         *bc_client_list_orders_finish    (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
void               bc_client_get_order_async       (BcClient           *self,
                                                    gint64              order_id,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcOrder           *bc_client_get_order_finish      (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
void               bc_client_ack_order_async       (BcClient           *self,
                                                    gint64              order_id,
                                                    gint64              unit_id,
                                                    gboolean            accepted,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcOrder           *bc_client_ack_order_finish      (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Units. Result of list: GPtrArray of BcUnit*. A status change goes through the outbox. */
void               bc_client_list_units_async      (BcClient           *self,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray         *bc_client_list_units_finish     (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
void               bc_client_set_unit_status_async (BcClient           *self,
                                                    gint64              unit_id,
                                                    BcUnitStatus        status,
                                                    gint64              version,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcUnit            *bc_client_set_unit_status_finish (BcClient          *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);
void               bc_client_post_avl_async        (BcClient           *self,
                                                    const BcAvlFix     *fixes,
                                                    guint               n_fixes,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
gboolean           bc_client_post_avl_finish       (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* Cameras. Result: GPtrArray of BcCamera*. */
void               bc_client_cameras_in_bounds_async  (BcClient           *self,
                                                       const BcGeoBounds  *bounds,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
GPtrArray         *bc_client_cameras_in_bounds_finish (BcClient           *self,
                                                       GAsyncResult       *result,
                                                       GError            **error);
void               bc_client_cameras_near_async    (BcClient           *self,
                                                    double              lat,
                                                    double              lon,
                                                    double              radius_m,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray         *bc_client_cameras_near_finish   (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* GET /stats/summary (docs/stats.md): supervisor, dispatcher, trainer and admin roles. */
void               bc_client_stats_summary_async   (BcClient           *self,
                                                    const BcStatsQuery *query,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
BcStatsSummary    *bc_client_stats_summary_finish  (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

/* GET /audit (supervisor, admin). Result: GPtrArray of BcAuditRow*. */
void               bc_client_audit_async           (BcClient           *self,
                                                    gint64              since_id,
                                                    guint               limit,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
GPtrArray         *bc_client_audit_finish          (BcClient           *self,
                                                    GAsyncResult       *result,
                                                    GError            **error);

G_END_DECLS
