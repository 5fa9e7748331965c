/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-client"

#include "config.h"

#include "bc-client.h"

#include <string.h>

#include "bc-json-private.h"
#include "bc-object-private.h"
#include "bc-version.h"

#define API "/api/v1"

/* Replay after a long outage can bring many events in one go; each message is one event, but
 * the server may batch in the future. Events are small; 4 MiB is far above any of them. */
#define MAX_INCOMING_PAYLOAD (4 * 1024 * 1024)

/* The ack protocol of the events socket: acknowledge after at most this many events or this
 * long after the first unacknowledged one, whichever comes first. */
#define ACK_EVERY_EVENTS 500
#define ACK_EVERY_MS     1000

#define DEFAULT_FIRST_DELAY_MS     500
#define DEFAULT_MAX_DELAY_MS       30000
/* The server sends a heartbeat every 10 s by default: three missed ones mean it is gone. */
#define DEFAULT_SILENCE_TIMEOUT_MS 30000
#define KEEPALIVE_INTERVAL_S       15
#define HTTP_TIMEOUT_S             30
/* A request (or a socket connect) that has not completed by then counts as a network failure,
 * whatever the session's own timeout: a dispatcher must learn within seconds that an order is
 * queued rather than sent. A command that did reach the server is replayed with its key. */
#define REQUEST_TIMEOUT_MS         15000

/* ---- Errors --------------------------------------------------------------------------------- */

typedef struct
{
  char  *code;
  guint  status;
} BcClientErrorPrivate;

static void
bc_client_error_private_init (BcClientErrorPrivate *priv)
{
  priv->code = NULL;
  priv->status = 0;
}

static void
bc_client_error_private_copy (const BcClientErrorPrivate *src,
                              BcClientErrorPrivate       *dest)
{
  dest->code = g_strdup (src->code);
  dest->status = src->status;
}

static void
bc_client_error_private_clear (BcClientErrorPrivate *priv)
{
  g_clear_pointer (&priv->code, g_free);
}

/* An extended error domain: the API code and HTTP status ride along with the GError, through
 * GTask and g_error_copy(), without a second out-parameter on every _finish(). */
G_DEFINE_EXTENDED_ERROR (BcClientError, bc_client_error)

const char *
bc_client_error_get_code (const GError *error)
{
  if (error == NULL || error->domain != BC_CLIENT_ERROR)
    return NULL;
  return bc_client_error_get_private (error)->code;
}

guint
bc_client_error_get_status (const GError *error)
{
  if (error == NULL || error->domain != BC_CLIENT_ERROR)
    return 0;
  return bc_client_error_get_private (error)->status;
}

static GError *
client_error_new (BcClientError  code,
                  guint          status,
                  const char    *api_code,
                  const char    *message)
{
  GError *error = g_error_new_literal (BC_CLIENT_ERROR, code, message);
  BcClientErrorPrivate *priv = bc_client_error_get_private (error);

  priv->code = g_strdup (api_code);
  priv->status = status;
  return error;
}

static BcClientError
error_for_status (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_BAD_REQUEST:
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
    case SOUP_STATUS_UNPROCESSABLE_ENTITY:
      return BC_CLIENT_ERROR_INVALID;
    case SOUP_STATUS_UNAUTHORIZED:
      return BC_CLIENT_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_FORBIDDEN:
      return BC_CLIENT_ERROR_FORBIDDEN;
    case SOUP_STATUS_NOT_FOUND:
      return BC_CLIENT_ERROR_NOT_FOUND;
    case SOUP_STATUS_CONFLICT:
      return BC_CLIENT_ERROR_CONFLICT;
    case 429:  /* Too Many Requests: not in libsoup 3.2's SoupStatus */
      return BC_CLIENT_ERROR_TOO_MANY_ATTEMPTS;
    /* The server is going away (or a proxy says it is gone): as good as unreachable, and
     * worth retrying later. */
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
    case SOUP_STATUS_BAD_GATEWAY:
    case SOUP_STATUS_GATEWAY_TIMEOUT:
      return BC_CLIENT_ERROR_NETWORK;
    default:
      if (status >= 400 && status < 500)
        return BC_CLIENT_ERROR_INVALID;
      return BC_CLIENT_ERROR_SERVER;
    }
}

/* Builds the error of a non-2xx answer from `{"error":{"code","message"}}`, falling back to
 * the status line for answers that are not ours (a proxy's HTML page, say). */
static GError *
error_from_answer (guint        status,
                   const char  *reason,
                   JsonNode    *body)
{
  const char *api_code = NULL;
  const char *message = NULL;
  g_autofree char *fallback = NULL;

  if (body != NULL && JSON_NODE_HOLDS_OBJECT (body))
    {
      JsonObject *root = json_node_get_object (body);
      JsonNode *error_node = json_object_get_member (root, "error");

      if (error_node != NULL && JSON_NODE_HOLDS_OBJECT (error_node))
        {
          JsonObject *error_object = json_node_get_object (error_node);

          api_code = json_object_get_string_member_with_default (error_object, "code", NULL);
          message = json_object_get_string_member_with_default (error_object, "message", NULL);
        }
    }

  if (message == NULL)
    message = fallback = g_strdup_printf ("The server answered %u %s", status,
                                          reason != NULL ? reason : "");

  return client_error_new (error_for_status (status), status, api_code, message);
}

static gboolean
error_is_network (const GError *error)
{
  return g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_NETWORK);
}

/* ---- BcSnapshot ---------------------------------------------------------------------------- */

struct _BcSnapshot
{
  gint64     seq;
  gint64     server_time;
  GPtrArray *incidents;
  GPtrArray *units;
};

G_DEFINE_BOXED_TYPE (BcSnapshot, bc_snapshot, bc_snapshot_ref, bc_snapshot_unref)

BcSnapshot *
bc_snapshot_ref (BcSnapshot *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

static void
bc_snapshot_clear (BcSnapshot *self)
{
  g_clear_pointer (&self->incidents, g_ptr_array_unref);
  g_clear_pointer (&self->units, g_ptr_array_unref);
}

void
bc_snapshot_unref (BcSnapshot *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, (GDestroyNotify) bc_snapshot_clear);
}

gint64
bc_snapshot_get_seq (BcSnapshot *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

gint64
bc_snapshot_get_server_time (BcSnapshot *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->server_time;
}

GPtrArray *
bc_snapshot_get_incidents (BcSnapshot *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->incidents;
}

GPtrArray *
bc_snapshot_get_units (BcSnapshot *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->units;
}

void
bc_recommendation_free (BcRecommendation *rec)
{
  if (rec == NULL)
    return;
  g_clear_object (&rec->unit);
  g_free (rec);
}

/* ---- Connection state ----------------------------------------------------------------------- */

G_DEFINE_ENUM_TYPE (BcConnectionState, bc_connection_state,
  G_DEFINE_ENUM_VALUE (BC_CONNECTION_STATE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (BC_CONNECTION_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (BC_CONNECTION_STATE_CONNECTED, "connected"),
  G_DEFINE_ENUM_VALUE (BC_CONNECTION_STATE_RECONNECTING, "reconnecting"))

/* ---- The client ----------------------------------------------------------------------------- */

struct _BcClient
{
  GObject                  parent_instance;

  SoupSession             *session;
  char                    *base_url;      /* without a trailing slash */
  GMainContext            *context;       /* where every callback and timer runs */

  char                    *token;
  char                    *username;
  BcRole                   role;
  gint64                   expires_at;
  gboolean                 token_rejected;  /* a 401 came back for the current token */

  /* Following the event log */
  gboolean                 following;
  BcConnectionState        state;
  GCancellable            *follow_cancellable;  /* the current snapshot load / connect */
  SoupMessage             *ws_msg;
  SoupWebsocketConnection *ws;
  GSource                 *connect_timeout;   /* bounds the socket handshake */
  GSource                 *reconnect_source;
  gint64                   reconnect_at;      /* monotonic µs; 0 when none is planned */
  gint64                   offline_since;     /* real µs; 0 while connected or not following */
  gint64                   last_seq;
  gboolean                 have_baseline;     /* last_seq was loaded or set */
  gboolean                 needs_resync;
  guint                    attempt;           /* consecutive failures, for the backoff */
  GSource                  *ack_source;
  gint64                   acked_seq;
  guint                    unacked;
  GSource                  *watchdog_source;
  gint64                   last_message_at;   /* monotonic µs */
  guint                    first_delay_ms;
  guint                    max_delay_ms;
  guint                    silence_timeout_ms;

  /* Outbox replay */
  BcOutbox                *outbox;
  BcOutboxItem            *pump_item;         /* the item whose request is in flight */
  GCancellable            *pump_cancellable;
  GSource                 *pump_retry_source;
  guint                    pump_attempt;
  GHashTable              *waiters;           /* BcOutboxItem* → GTask* of the caller */
};

G_DEFINE_FINAL_TYPE (BcClient, bc_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_SESSION,
  PROP_USERNAME,
  PROP_ROLE,
  PROP_LOGGED_IN,
  PROP_CONNECTION_STATE,
  PROP_RECONNECT_AT,
  PROP_OFFLINE_SINCE,
  PROP_LAST_SEQ,
  PROP_OUTBOX,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_EVENT,
  SIGNAL_SNAPSHOT_LOADED,
  SIGNAL_SESSION_EXPIRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void follow_start_attempt  (BcClient *self);
static void follow_connection_lost (BcClient  *self,
                                    gboolean   resync,
                                    const char *why);
static void pump                  (BcClient *self);
static void pump_release_waiters  (BcClient     *self,
                                   const GError *cause);

static GSource *
client_timeout_add (BcClient    *self,
                    guint        ms,
                    GSourceFunc  func,
                    const char  *name)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, self->context);
  return source;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* ---- Request layer -------------------------------------------------------------------------

 * request_async() sends one request and completes with the answer's JSON (a JSON null node for
 * an empty 2xx answer) or a BC_CLIENT_ERROR. Its task has no source object, so that the
 * client's own background requests (follow, outbox replay) do not keep the client alive: they
 * use cancellables that dispose cancels, and their callbacks check for cancellation
 * before they touch the client. */

static SoupMessage *
build_message (BcClient    *self,
               const char  *method,
               const char  *path,
               const char  *body,
               const char  *idempotency_key,
               GError     **error)
{
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupMessageHeaders *headers;
  SoupMessage *msg;

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &local_error);
  if (uri == NULL)
    {
      g_propagate_error (error, client_error_new (BC_CLIENT_ERROR_NETWORK, 0, NULL,
                                                  local_error->message));
      return NULL;
    }

  msg = soup_message_new_from_uri (method, uri);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (self->token != NULL)
    {
      g_autofree char *authorization = g_strdup_printf ("Bearer %s", self->token);

      soup_message_headers_replace (headers, "Authorization", authorization);
    }
  if (idempotency_key != NULL)
    soup_message_headers_replace (headers, "Idempotency-Key", idempotency_key);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  return msg;
}

/* One request in flight: its own cancellable is cancelled by the caller's or by the timeout. */
typedef struct
{
  SoupMessage  *msg;
  GCancellable *cancellable;
  GCancellable *caller_cancellable;
  gulong        caller_handler;
  GSource      *timeout;
  gboolean      timed_out;
} Request;

static void
request_free (Request *request)
{
  if (request->caller_handler != 0)
    g_cancellable_disconnect (request->caller_cancellable, request->caller_handler);
  g_clear_object (&request->caller_cancellable);
  clear_source (&request->timeout);
  g_clear_object (&request->cancellable);
  g_clear_object (&request->msg);
  g_free (request);
}

static void
request_caller_cancelled (GCancellable *caller,
                          gpointer      user_data)
{
  /* May run on another thread; cancelling is thread-safe. */
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static gboolean
request_timeout_cb (gpointer user_data)
{
  Request *request = user_data;

  request->timed_out = TRUE;
  g_clear_pointer (&request->timeout, g_source_unref);
  g_cancellable_cancel (request->cancellable);
  return G_SOURCE_REMOVE;
}

static void
request_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  SoupMessage *msg = request->msg;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint status;
  gsize size = 0;
  const char *data;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  clear_source (&request->timeout);
  if (bytes == NULL)
    {
      if (request->timed_out)
        g_task_return_error (task, client_error_new (BC_CLIENT_ERROR_NETWORK, 0, NULL,
                                                     "Cannot reach the server: no answer "
                                                     "in time"));
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        {
          g_autofree char *message = g_strdup_printf ("Cannot reach the server: %s",
                                                      error->message);

          g_task_return_error (task, client_error_new (BC_CLIENT_ERROR_NETWORK, 0, NULL,
                                                       message));
        }
      return;
    }

  status = soup_message_get_status (msg);
  data = g_bytes_get_data (bytes, &size);
  if (size > 0)
    {
      g_autoptr(GError) parse_error = NULL;

      node = bc_json_parse (data, size, &parse_error);
      if (node == NULL && SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          g_autofree char *message = g_strdup_printf ("The server's answer is not JSON: %s",
                                                      parse_error->message);

          g_task_return_error (task, client_error_new (BC_CLIENT_ERROR_SERVER, status, NULL,
                                                       message));
          return;
        }
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, error_from_answer (status, soup_message_get_reason_phrase (msg),
                                                    node));
      return;
    }

  if (node == NULL)
    node = json_node_new (JSON_NODE_NULL);
  g_task_return_pointer (task, g_steal_pointer (&node), (GDestroyNotify) json_node_unref);
}

static void
request_async (BcClient            *self,
               const char          *method,
               const char          *path,
               const char          *body,
               const char          *idempotency_key,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;
  GError *error = NULL;
  SoupMessage *msg;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, request_async);

  msg = build_message (self, method, path, body, idempotency_key, &error);
  if (msg == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  request = g_new0 (Request, 1);
  request->msg = msg;
  request->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      request->caller_cancellable = g_object_ref (cancellable);
      request->caller_handler = g_cancellable_connect (cancellable,
                                                       G_CALLBACK (request_caller_cancelled),
                                                       g_object_ref (request->cancellable),
                                                       g_object_unref);
    }
  request->timeout = g_timeout_source_new (REQUEST_TIMEOUT_MS);
  g_source_set_callback (request->timeout, request_timeout_cb, request, NULL);
  g_source_set_static_name (request->timeout, "[beacon] request timeout");
  g_source_attach (request->timeout, self->context);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    request->cancellable, request_done,
                                    g_steal_pointer (&task));
}

static JsonNode *
request_finish (GAsyncResult  *result,
                GError       **error)
{
  g_assert (g_task_get_source_tag (G_TASK (result)) == request_async);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A 401 on a request that carried our token means the session is gone (expired, server
 * database replaced, logged out elsewhere): say so once, and stop replaying until a login. */
static void
note_error (BcClient     *self,
            const GError *error)
{
  if (!g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_UNAUTHORIZED)
      || self->token == NULL || self->token_rejected)
    return;

  self->token_rejected = TRUE;
  g_debug ("The server rejected the session of %s", self->username);
  g_signal_emit (self, signals[SIGNAL_SESSION_EXPIRED], 0);
}

/* ---- Public calls: one GTask (source: the client) around one request ------------------------ */

typedef gpointer (*DecodeFunc) (BcClient  *self,
                                JsonNode  *node,
                                gpointer   extra,
                                GError   **error);

/* A decoder's non-NULL result for calls whose _finish returns a boolean. */
#define DECODED_OK GINT_TO_POINTER (1)

typedef struct
{
  DecodeFunc      decode;        /* NULL: any 2xx answer is success */
  GDestroyNotify  destroy;       /* of the decoded result; NULL: the call returns a boolean */
  gpointer        extra;         /* for the decoder */
  GDestroyNotify  extra_free;
} Call;

static void
call_free (Call *call)
{
  if (call->extra_free != NULL)
    call->extra_free (call->extra);
  g_free (call);
}

static GTask *
call_task_new (BcClient            *self,
               gpointer             source_tag,
               DecodeFunc           decode,
               GDestroyNotify       destroy,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  call->decode = decode;
  call->destroy = destroy;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  return task;
}

/* Completes a call task with a request's outcome; takes @error. */
static void
call_complete (GTask    *task,
               JsonNode *node,
               GError   *error)
{
  BcClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) decode_error = NULL;
  gpointer decoded;

  if (error != NULL)
    {
      note_error (self, error);
      g_task_return_error (task, error);
      return;
    }

  if (call->decode == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  decoded = call->decode (self, node, call->extra, &decode_error);
  if (decoded == NULL)
    {
      g_autofree char *message = g_strdup_printf ("The server's answer could not be read: %s",
                                                  decode_error->message);

      g_task_return_error (task, client_error_new (BC_CLIENT_ERROR_SERVER, 0, NULL, message));
      return;
    }

  if (call->destroy == NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, decoded, call->destroy);
}

static void
call_request_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;

  node = request_finish (result, &error);
  call_complete (task, node, error);
}

static void
call_send (BcClient   *self,
           GTask      *task,
           const char *method,
           const char *path,
           const char *body,
           const char *idempotency_key)
{
  request_async (self, method, path, body, idempotency_key, g_task_get_cancellable (task),
                 call_request_done, task);
}

static char *
body_to_string (JsonNode *body)
{
  return body != NULL ? json_to_string (body, FALSE) : NULL;
}

static void
call (BcClient            *self,
      gpointer             source_tag,
      const char          *method,
      const char          *path,
      JsonNode            *body,
      DecodeFunc           decode,
      GDestroyNotify       destroy,
      GCancellable        *cancellable,
      GAsyncReadyCallback  callback,
      gpointer             user_data)
{
  GTask *task = call_task_new (self, source_tag, decode, destroy, cancellable, callback,
                               user_data);
  g_autofree char *text = body_to_string (body);

  call_send (self, task, method, path, text, NULL);
}

static gpointer
finish_pointer (BcClient      *self,
                GAsyncResult  *result,
                gpointer       source_tag,
                GError       **error)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
finish_boolean (BcClient      *self,
                GAsyncResult  *result,
                gpointer       source_tag,
                GError       **error)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Decoders -------------------------------------------------------------------------------- */

/* A list answer: either a bare array or an object with the array under @member. */
static JsonArray *
get_list (JsonNode    *node,
          const char  *member,
          GError     **error)
{
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    return json_node_get_array (node);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonNode *list = json_object_get_member (json_node_get_object (node), member);

      if (list != NULL && JSON_NODE_HOLDS_ARRAY (list))
        return json_node_get_array (list);
    }

  g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_MISSING_FIELD,
               "%s: expected a list", member);
  return NULL;
}

typedef gpointer (*ItemDecodeFunc) (JsonNode  *node,
                                    GError   **error);

static GPtrArray *
decode_list (JsonNode        *node,
             const char      *member,
             ItemDecodeFunc   decode_item,
             GDestroyNotify   free_item,
             GError         **error)
{
  g_autoptr(GPtrArray) items = NULL;
  JsonArray *array;
  guint n;

  array = get_list (node, member, error);
  if (array == NULL)
    return NULL;

  n = json_array_get_length (array);
  items = g_ptr_array_new_full (n, free_item);
  for (guint i = 0; i < n; i++)
    {
      gpointer item = decode_item (json_array_get_element (array, i), error);

      if (item == NULL)
        {
          g_prefix_error (error, "%s[%u]: ", member, i);
          return NULL;
        }
      g_ptr_array_add (items, item);
    }

  return g_steal_pointer (&items);
}

static gpointer
decode_incident (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return bc_incident_from_json (node, error);
}

static gpointer
decode_incident_list (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return decode_list (node, "incidents", (ItemDecodeFunc) bc_incident_from_json,
                      g_object_unref, error);
}

static gpointer
decode_unit (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return bc_unit_from_json (node, error);
}

static gpointer
decode_unit_list (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return decode_list (node, "units", (ItemDecodeFunc) bc_unit_from_json, g_object_unref, error);
}

static gpointer
decode_note (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return bc_note_from_json (node, error);
}

static gpointer
decode_note_list (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return decode_list (node, "notes", (ItemDecodeFunc) bc_note_from_json,
                      (GDestroyNotify) bc_note_unref, error);
}

static gpointer
decode_order (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return bc_order_from_json (node, error);
}

static gpointer
decode_order_list (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return decode_list (node, "orders", (ItemDecodeFunc) bc_order_from_json,
                      (GDestroyNotify) bc_order_unref, error);
}

static gpointer
decode_camera_list (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return decode_list (node, "cameras", (ItemDecodeFunc) bc_camera_from_json,
                      (GDestroyNotify) bc_camera_unref, error);
}

static gpointer
decode_recommendation (JsonNode  *node,
                       GError   **error)
{
  g_autoptr(BcUnit) unit = NULL;
  BcRecommendation *rec;
  JsonObject *object;
  JsonNode *unit_node;

  object = _bc_json_node_get_object (node, NULL, error);
  if (object == NULL)
    return NULL;

  /* {"unit": {…}, "distance_m", "eta_s"}; a unit document with the two extra members is
   * accepted too. */
  unit_node = json_object_get_member (object, "unit");
  if (unit_node != NULL && JSON_NODE_HOLDS_OBJECT (unit_node))
    unit = bc_unit_from_json (unit_node, error);
  else
    unit = bc_unit_from_json (node, error);
  if (unit == NULL)
    return NULL;

  rec = g_new0 (BcRecommendation, 1);
  rec->unit = g_steal_pointer (&unit);
  rec->distance_m = json_object_get_double_member_with_default (object, "distance_m", -1);
  rec->eta_s = json_object_get_double_member_with_default (object, "eta_s", -1);
  return rec;
}

static gpointer
decode_recommendation_list (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return decode_list (node, "recommendations", decode_recommendation,
                      (GDestroyNotify) bc_recommendation_free, error);
}

static gboolean
get_time_member (JsonObject  *object,
                 const char  *member,
                 gint64      *out,
                 GError     **error)
{
  const char *text = json_object_get_string_member_with_default (object, member, NULL);

  *out = 0;
  if (text == NULL)
    return TRUE;
  if (!bc_time_parse (text, out, error))
    {
      g_prefix_error (error, "%s: ", member);
      return FALSE;
    }
  return TRUE;
}

static gpointer
decode_audit_row (JsonNode  *node,
                  GError   **error)
{
  g_autoptr(BcAuditRow) row = g_new0 (BcAuditRow, 1);
  JsonObject *object;
  JsonNode *detail;

  object = _bc_json_node_get_object (node, NULL, error);
  if (object == NULL)
    return NULL;

  row->id = json_object_get_int_member_with_default (object, "id", 0);
  if (!get_time_member (object, "at", &row->at, error))
    return NULL;
  row->username = g_strdup (json_object_get_string_member_with_default (object, "username", NULL));
  row->role = g_strdup (json_object_get_string_member_with_default (object, "role", NULL));
  row->remote = g_strdup (json_object_get_string_member_with_default (object, "remote", NULL));
  row->action = g_strdup (json_object_get_string_member_with_default (object, "action", NULL));
  row->target = g_strdup (json_object_get_string_member_with_default (object, "target", NULL));
  detail = json_object_get_member (object, "detail");
  if (detail != NULL && !JSON_NODE_HOLDS_NULL (detail))
    row->detail = json_to_string (detail, FALSE);

  if (row->action == NULL)
    {
      g_set_error_literal (error, BC_MODEL_ERROR, BC_MODEL_ERROR_MISSING_FIELD,
                           "action: missing");
      return NULL;
    }

  return g_steal_pointer (&row);
}

static gpointer
decode_audit_list (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return decode_list (node, "entries", decode_audit_row, (GDestroyNotify) bc_audit_row_free,
                      error);
}

static BcSnapshot *
snapshot_from_json (JsonNode  *node,
                    GError   **error)
{
  g_autoptr(BcSnapshot) snapshot = NULL;
  JsonObject *object;
  JsonNode *seq;

  object = _bc_json_node_get_object (node, NULL, error);
  if (object == NULL)
    return NULL;

  snapshot = g_atomic_rc_box_new0 (BcSnapshot);

  seq = json_object_get_member (object, "seq");
  if (seq == NULL || json_node_get_value_type (seq) != G_TYPE_INT64
      || json_node_get_int (seq) < 0)
    {
      g_set_error_literal (error, BC_MODEL_ERROR, BC_MODEL_ERROR_MISSING_FIELD,
                           "seq: missing or not a non-negative integer");
      return NULL;
    }
  snapshot->seq = json_node_get_int (seq);

  if (!get_time_member (object, "server_time", &snapshot->server_time, error))
    return NULL;

  snapshot->incidents = decode_list (node, "incidents", (ItemDecodeFunc) bc_incident_from_json,
                                     g_object_unref, error);
  if (snapshot->incidents == NULL)
    return NULL;
  snapshot->units = decode_list (node, "units", (ItemDecodeFunc) bc_unit_from_json,
                                 g_object_unref, error);
  if (snapshot->units == NULL)
    return NULL;

  return g_steal_pointer (&snapshot);
}

static gpointer
decode_snapshot (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return snapshot_from_json (node, error);
}

static gpointer
decode_health (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  JsonObject *object = _bc_json_node_get_object (node, NULL, error);
  const char *version;

  if (object == NULL)
    return NULL;

  version = json_object_get_string_member_with_default (object, "version", NULL);
  if (version == NULL)
    {
      g_set_error_literal (error, BC_MODEL_ERROR, BC_MODEL_ERROR_MISSING_FIELD,
                           "version: missing");
      return NULL;
    }
  return g_strdup (version);
}

/* ---- GObject -------------------------------------------------------------------------------- */

static const char *
state_nick (BcConnectionState state)
{
  switch (state)
    {
    case BC_CONNECTION_STATE_OFFLINE:
      return "offline";
    case BC_CONNECTION_STATE_CONNECTING:
      return "connecting";
    case BC_CONNECTION_STATE_CONNECTED:
      return "connected";
    case BC_CONNECTION_STATE_RECONNECTING:
      return "reconnecting";
    default:
      return "?";
    }
}

static void
set_state (BcClient          *self,
           BcConnectionState  state)
{
  if (self->state == state)
    return;

  g_debug ("Connection state: %s -> %s", state_nick (self->state), state_nick (state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION_STATE]);
}

/* The client's time and sequence properties notify only on a change. */
#define set_reconnect_at(self, at) \
  _bc_object_set_int64 (G_OBJECT (self), &(self)->reconnect_at, (at), \
                        properties[PROP_RECONNECT_AT])
#define set_offline_since(self, since) \
  _bc_object_set_int64 (G_OBJECT (self), &(self)->offline_since, (since), \
                        properties[PROP_OFFLINE_SINCE])
#define set_last_seq(self, seq) \
  _bc_object_set_int64 (G_OBJECT (self), &(self)->last_seq, (seq), properties[PROP_LAST_SEQ])

static void
bc_client_dispose (GObject *object)
{
  BcClient *self = BC_CLIENT (object);

  g_cancellable_cancel (self->pump_cancellable);
  bc_client_unfollow (self);
  clear_source (&self->pump_retry_source);
  /* No caller can be waiting here (their tasks hold the client), but be safe. */
  if (self->waiters != NULL && g_hash_table_size (self->waiters) > 0)
    {
      g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         "The client was closed");

      pump_release_waiters (self, cancelled);
    }
  g_clear_object (&self->pump_item);
  g_clear_object (&self->outbox);

  G_OBJECT_CLASS (bc_client_parent_class)->dispose (object);
}

static void
bc_client_finalize (GObject *object)
{
  BcClient *self = BC_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_object (&self->pump_cancellable);
  g_clear_pointer (&self->waiters, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->base_url);
  g_free (self->token);
  g_free (self->username);

  G_OBJECT_CLASS (bc_client_parent_class)->finalize (object);
}

static void
bc_client_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  BcClient *self = BC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;
    case PROP_LOGGED_IN:
      g_value_set_boolean (value, self->token != NULL);
      break;
    case PROP_CONNECTION_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_RECONNECT_AT:
      g_value_set_int64 (value, self->reconnect_at);
      break;
    case PROP_OFFLINE_SINCE:
      g_value_set_int64 (value, self->offline_since);
      break;
    case PROP_LAST_SEQ:
      g_value_set_int64 (value, self->last_seq);
      break;
    case PROP_OUTBOX:
      g_value_set_object (value, self->outbox);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bc_client_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  BcClient *self = BC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      {
        const char *url = g_value_get_string (value);
        gsize len = url != NULL ? strlen (url) : 0;

        while (len > 0 && url[len - 1] == '/')
          len--;
        self->base_url = g_strndup (url != NULL ? url : "", len);
      }
      break;
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_OUTBOX:
      bc_client_set_outbox (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bc_client_constructed (GObject *object)
{
  BcClient *self = BC_CLIENT (object);

  G_OBJECT_CLASS (bc_client_parent_class)->constructed (object);

  if (self->session == NULL)
    {
      g_autofree char *user_agent = g_strdup_printf ("beacon/%s", bc_version_string ());

      /* A bounded timeout: a request into a dead network must fail (and be queued) rather
       * than hang. The event socket is not subject to it: its silence watchdog covers it. */
      self->session = soup_session_new_with_options ("timeout", HTTP_TIMEOUT_S,
                                                     "user-agent", user_agent,
                                                     NULL);
    }
}

static void
bc_client_class_init (BcClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = bc_client_dispose;
  object_class->finalize = bc_client_finalize;
  object_class->get_property = bc_client_get_property;
  object_class->set_property = bc_client_set_property;
  object_class->constructed = bc_client_constructed;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, SOUP_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, NULL, ro);
  properties[PROP_ROLE] =
    g_param_spec_enum ("role", NULL, NULL, BC_TYPE_ROLE, BC_ROLE_DISPATCHER, ro);
  properties[PROP_LOGGED_IN] = g_param_spec_boolean ("logged-in", NULL, NULL, FALSE, ro);
  properties[PROP_CONNECTION_STATE] =
    g_param_spec_enum ("connection-state", NULL, NULL, BC_TYPE_CONNECTION_STATE,
                       BC_CONNECTION_STATE_OFFLINE, ro);
  /* g_get_monotonic_time() of the next connection attempt; 0 when none is planned. The UI
   * shows "reconnecting in N s" from it. */
  properties[PROP_RECONNECT_AT] =
    g_param_spec_int64 ("reconnect-at", NULL, NULL, 0, G_MAXINT64, 0, ro);
  /* g_get_real_time() when the connection was lost; 0 while connected or not following. */
  properties[PROP_OFFLINE_SINCE] =
    g_param_spec_int64 ("offline-since", NULL, NULL, 0, G_MAXINT64, 0, ro);
  /* The seq of the last event applied (emitted with ::event, or covered by a snapshot). */
  properties[PROP_LAST_SEQ] =
    g_param_spec_int64 ("last-seq", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_OUTBOX] =
    g_param_spec_object ("outbox", NULL, NULL, BC_TYPE_OUTBOX,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BcClient::event:
   * @event: the event, in seq order, each exactly once
   */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, BC_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * BcClient::snapshot-loaded:
   * @snapshot: the state to replace everything with; events follow from its seq
   *
   * Emitted when following starts and whenever the client had to resynchronise (the server
   * no longer holds the events it missed, a gap, or it was too slow).
   */
  signals[SIGNAL_SNAPSHOT_LOADED] =
    g_signal_new ("snapshot-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1, BC_TYPE_SNAPSHOT | G_SIGNAL_TYPE_STATIC_SCOPE);
  /**
   * BcClient::session-expired:
   *
   * The server refused the session token: log in again. Queued commands wait for it.
   */
  signals[SIGNAL_SESSION_EXPIRED] =
    g_signal_new ("session-expired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bc_client_init (BcClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->pump_cancellable = g_cancellable_new ();
  self->role = BC_ROLE_DISPATCHER;
  self->state = BC_CONNECTION_STATE_OFFLINE;
  self->first_delay_ms = DEFAULT_FIRST_DELAY_MS;
  self->max_delay_ms = DEFAULT_MAX_DELAY_MS;
  self->silence_timeout_ms = DEFAULT_SILENCE_TIMEOUT_MS;
  self->waiters = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

BcClient *
bc_client_new (const char  *base_url,
               SoupSession *session)
{
  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (session == NULL || SOUP_IS_SESSION (session), NULL);

  return g_object_new (BC_TYPE_CLIENT, "base-url", base_url, "session", session, NULL);
}

const char *
bc_client_get_base_url (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), NULL);
  return self->base_url;
}

SoupSession *
bc_client_get_session (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), NULL);
  return self->session;
}

char *
bc_client_new_idempotency_key (void)
{
  return g_uuid_string_random ();
}

const char *
bc_client_get_token (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), NULL);
  return self->token;
}

const char *
bc_client_get_username (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), NULL);
  return self->username;
}

BcRole
bc_client_get_role (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), BC_ROLE_DISPATCHER);
  return self->role;
}

gint64
bc_client_get_expires_at (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), 0);
  return self->expires_at;
}

/* A new session (or none): queued commands of that user may go, and a socket that failed for
 * want of a valid token may try again at once. */
static void
session_changed (BcClient *self)
{
  self->token_rejected = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGGED_IN]);

  if (self->token == NULL)
    return;

  if (self->following && self->reconnect_source != NULL)
    {
      clear_source (&self->reconnect_source);
      follow_start_attempt (self);
    }
  clear_source (&self->pump_retry_source);
  pump (self);
}

void
bc_client_set_token (BcClient   *self,
                     const char *username,
                     const char *token)
{
  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail ((username == NULL) == (token == NULL));

  g_free (self->username);
  self->username = g_strdup (username);
  g_free (self->token);
  self->token = g_strdup (token);
  self->expires_at = 0;
  session_changed (self);
}

/* ---- Session, health -------------------------------------------------------------------------- */

static gpointer
decode_login (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  const char *username = extra;
  JsonObject *object;
  const char *token, *role_code;
  BcRole role;
  gint64 expires_at = 0;

  object = _bc_json_node_get_object (node, NULL, error);
  if (object == NULL)
    return NULL;

  token = json_object_get_string_member_with_default (object, "token", NULL);
  role_code = json_object_get_string_member_with_default (object, "role", NULL);
  if (token == NULL || *token == '\0')
    {
      g_set_error_literal (error, BC_MODEL_ERROR, BC_MODEL_ERROR_MISSING_FIELD, "token: missing");
      return NULL;
    }
  if (!bc_role_from_string (role_code, &role))
    {
      g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_UNKNOWN_VALUE,
                   "role: unknown role %s", role_code != NULL ? role_code : "(missing)");
      return NULL;
    }
  if (!get_time_member (object, "expires_at", &expires_at, error))
    return NULL;

  g_free (self->token);
  self->token = g_strdup (token);
  g_free (self->username);
  self->username = g_strdup (username);
  self->role = role;
  self->expires_at = expires_at;
  session_changed (self);

  return DECODED_OK;
}

void
bc_client_login_async (BcClient            *self,
                       const char          *username,
                       const char          *password,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *text = NULL;
  GTask *task;
  Call *c;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (username != NULL);
  g_return_if_fail (password != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  text = body_to_string (body);

  task = call_task_new (self, bc_client_login_async, decode_login, NULL, cancellable, callback,
                        user_data);
  c = g_task_get_task_data (task);
  c->extra = g_strdup (username);
  c->extra_free = g_free;
  call_send (self, task, "POST", API "/session", text, NULL);
}

gboolean
bc_client_login_finish (BcClient      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return finish_boolean (self, result, bc_client_login_async, error);
}

static void
logout_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;

  node = request_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
bc_client_logout_async (BcClient            *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (BC_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bc_client_logout_async);

  /* The request is built with the token; the client forgets it at once, whatever the
   * server answers, so nothing more goes out under this session. */
  request_async (self, "DELETE", API "/session", NULL, NULL, cancellable, logout_done, task);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->username, g_free);
  self->expires_at = 0;
  session_changed (self);
}

gboolean
bc_client_logout_finish (BcClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return finish_boolean (self, result, bc_client_logout_async, error);
}

void
bc_client_health_async (BcClient            *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (BC_IS_CLIENT (self));

  call (self, bc_client_health_async, "GET", API "/health", NULL, decode_health, g_free,
        cancellable, callback, user_data);
}

char *
bc_client_health_finish (BcClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return finish_pointer (self, result, bc_client_health_async, error);
}

/* ---- Snapshot, incidents, notes ------------------------------------------------------------- */

void
bc_client_snapshot_async (BcClient            *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (BC_IS_CLIENT (self));

  call (self, bc_client_snapshot_async, "GET", API "/snapshot", NULL, decode_snapshot,
        (GDestroyNotify) bc_snapshot_unref, cancellable, callback, user_data);
}

BcSnapshot *
bc_client_snapshot_finish (BcClient      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish_pointer (self, result, bc_client_snapshot_async, error);
}

void
bc_client_list_incidents_async (BcClient            *self,
                                const char          *status,
                                guint                limit,
                                gint64               before_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GString) path = g_string_new (API "/incidents?status=");

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (status == NULL || g_str_equal (status, "open") || g_str_equal (status, "closed")
                    || g_str_equal (status, "all"));

  g_string_append (path, status != NULL ? status : "open");
  if (limit > 0)
    g_string_append_printf (path, "&limit=%u", limit);
  if (before_id > 0)
    g_string_append_printf (path, "&before=%" G_GINT64_FORMAT, before_id);

  call (self, bc_client_list_incidents_async, "GET", path->str, NULL, decode_incident_list,
        (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
bc_client_list_incidents_finish (BcClient      *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return finish_pointer (self, result, bc_client_list_incidents_async, error);
}

void
bc_client_get_incident_async (BcClient            *self,
                              gint64               incident_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (incident_id > 0);

  path = g_strdup_printf (API "/incidents/%" G_GINT64_FORMAT, incident_id);
  call (self, bc_client_get_incident_async, "GET", path, NULL, decode_incident, g_object_unref,
        cancellable, callback, user_data);
}

BcIncident *
bc_client_get_incident_finish (BcClient      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return finish_pointer (self, result, bc_client_get_incident_async, error);
}

void
bc_client_create_incident_async (BcClient            *self,
                                 BcIncident          *draft,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (BC_IS_INCIDENT (draft));

  body = bc_incident_to_create_json (draft);
  call (self, bc_client_create_incident_async, "POST", API "/incidents", body, decode_incident,
        g_object_unref, cancellable, callback, user_data);
}

BcIncident *
bc_client_create_incident_finish (BcClient      *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return finish_pointer (self, result, bc_client_create_incident_async, error);
}

void
bc_client_list_notes_async (BcClient            *self,
                            gint64               incident_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (incident_id > 0);

  path = g_strdup_printf (API "/incidents/%" G_GINT64_FORMAT "/notes", incident_id);
  call (self, bc_client_list_notes_async, "GET", path, NULL, decode_note_list,
        (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
bc_client_list_notes_finish (BcClient      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return finish_pointer (self, result, bc_client_list_notes_async, error);
}

void
bc_client_recommendations_async (BcClient            *self,
                                 gint64               incident_id,
                                 guint                limit,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (incident_id > 0);

  if (limit > 0)
    path = g_strdup_printf (API "/incidents/%" G_GINT64_FORMAT "/recommendations?limit=%u",
                            incident_id, limit);
  else
    path = g_strdup_printf (API "/incidents/%" G_GINT64_FORMAT "/recommendations", incident_id);
  call (self, bc_client_recommendations_async, "GET", path, NULL, decode_recommendation_list,
        (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
bc_client_recommendations_finish (BcClient      *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return finish_pointer (self, result, bc_client_recommendations_async, error);
}

/* ---- Commands through the outbox ------------------------------------------------------------

 * With an outbox, a command is first written to it (durable), then sent by the replay pump in
 * queue order. The caller's task waits for the command's first attempt: the server's answer
 * (success or refusal) goes to the caller and the item leaves the outbox; if the server cannot
 * be reached the caller gets BC_CLIENT_ERROR_QUEUED and the item stays, to be replayed later —
 * a refusal then is kept in the outbox as CONFLICT for the user to see. Without an outbox the
 * command is simply sent. */

typedef struct
{
  BcOutboxKind  kind;
  char         *method;
  char         *path;
  char         *body;
  char         *idempotency_key;
} Command;

static void
command_free (Command *command)
{
  g_free (command->method);
  g_free (command->path);
  g_free (command->body);
  g_free (command->idempotency_key);
  g_free (command);
}

static GError *
queued_error (const GError *cause)
{
  g_autofree char *message = NULL;

  message = g_strdup_printf ("The server cannot be reached; the command is queued and will be "
                             "sent when it is back (%s)",
                             cause != NULL ? cause->message : "not sent yet");
  return client_error_new (BC_CLIENT_ERROR_QUEUED, 0, NULL, message);
}

static void
command_enqueued (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BcClient *self = g_task_get_source_object (task);
  Call *c = g_task_get_task_data (task);
  Command *command = c->extra;
  g_autoptr(BcOutboxItem) item = NULL;
  g_autoptr(GError) error = NULL;

  item = bc_outbox_enqueue_finish (BC_OUTBOX (source), result, &error);
  if (item == NULL)
    {
      /* The local file failed (disk full?): sending directly is better than not at all. */
      g_warning ("Cannot queue a command in %s: %s; sending it directly",
                 bc_outbox_get_path (BC_OUTBOX (source)), error->message);
      call_send (self, g_steal_pointer (&task), command->method, command->path, command->body,
                 command->idempotency_key);
      return;
    }

  if (bc_outbox_item_get_state (item) == BC_OUTBOX_STATE_CONFLICT)
    {
      /* A retry, by key, of a command the server already refused on replay. */
      call_complete (task, NULL,
                     client_error_new (BC_CLIENT_ERROR_CONFLICT, 0,
                                       bc_outbox_item_get_error_code (item),
                                       bc_outbox_item_get_error_message (item)));
      return;
    }

  if (self->outbox != BC_OUTBOX (source) || g_hash_table_contains (self->waiters, item)
      || self->pump_retry_source != NULL || self->token_rejected)
    {
      /* The server is known to be unreachable (or the item is already being waited for):
       * the caller learns at once that the command is queued. But someone is at work right
       * now, so try the queue now rather than at the next retry (the backoff goes on if it
       * fails). */
      g_task_return_error (task, queued_error (NULL));
      if (self->pump_retry_source != NULL && self->pump_item == NULL)
        {
          clear_source (&self->pump_retry_source);
          pump (self);
        }
      return;
    }

  g_hash_table_insert (self->waiters, g_object_ref (item), g_steal_pointer (&task));
  pump (self);
}

static void
command (BcClient            *self,
         gpointer             source_tag,
         BcOutboxKind         kind,
         const char          *method,
         const char          *path,
         JsonNode            *body,
         const char          *idempotency_key,
         DecodeFunc           decode,
         GDestroyNotify       destroy,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  GTask *task = call_task_new (self, source_tag, decode, destroy, cancellable, callback,
                               user_data);
  Call *c = g_task_get_task_data (task);
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = kind;
  cmd->method = g_strdup (method);
  cmd->path = g_strdup (path);
  cmd->body = body_to_string (body);
  cmd->idempotency_key = idempotency_key != NULL ? g_strdup (idempotency_key)
                                                 : bc_client_new_idempotency_key ();
  c->extra = cmd;
  c->extra_free = (GDestroyNotify) command_free;

  if (self->outbox == NULL)
    {
      call_send (self, task, cmd->method, cmd->path, cmd->body, cmd->idempotency_key);
      return;
    }

  if (self->token == NULL)
    {
      call_complete (task, NULL,
                     client_error_new (BC_CLIENT_ERROR_UNAUTHORIZED, 0, NULL, "Not logged in"));
      g_object_unref (task);
      return;
    }

  bc_outbox_enqueue_async (self->outbox, kind, cmd->method, cmd->path, cmd->body,
                           cmd->idempotency_key, self->username, NULL, command_enqueued, task);
}

static void
pump_release_waiters (BcClient     *self,
                      const GError *cause)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->waiters);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_autoptr(GTask) task = value;

      g_hash_table_iter_remove (&iter);
      if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_error_copy (cause));
      else
        g_task_return_error (task, queued_error (cause));
    }
}

static gboolean
pump_retry_cb (gpointer user_data)
{
  BcClient *self = user_data;

  clear_source (&self->pump_retry_source);
  pump (self);
  return G_SOURCE_REMOVE;
}

static guint
backoff_delay_ms (BcClient *self,
                  guint     attempt)
{
  double delay = self->first_delay_ms;

  for (guint i = 0; i < attempt && delay < self->max_delay_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->max_delay_ms);
  /* ±20 % jitter so that 30 consoles that lost the server together do not come back in
   * lockstep. */
  delay *= g_random_double_range (0.8, 1.2);
  return (guint) MIN (delay, self->max_delay_ms);
}

static void
pump_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  BcClient *self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(BcOutboxItem) item = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) waiter = NULL;

  node = request_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* disposed: the item stays SENT and is replayed by the next client */

  item = g_steal_pointer (&self->pump_item);
  if (g_hash_table_steal_extended (self->waiters, item, NULL, (gpointer *) &waiter))
    g_object_unref (item);  /* the table's reference */
  else
    waiter = NULL;

  if (error == NULL)
    {
      g_debug ("Outbox item %" G_GINT64_FORMAT " (%s) delivered",
               bc_outbox_item_get_id (item), bc_outbox_item_get_path (item));
      self->pump_attempt = 0;
      bc_outbox_set_state (self->outbox, item, BC_OUTBOX_STATE_DONE, NULL, NULL);
      if (waiter != NULL)
        call_complete (waiter, node, NULL);
      pump (self);
      return;
    }

  note_error (self, error);

  if (error_is_network (error)
      || g_error_matches (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_UNAUTHORIZED))
    {
      guint delay;

      if (waiter != NULL && !error_is_network (error))
        {
          /* A first attempt refused for the session: the caller sees why, at once. */
          bc_outbox_dismiss (self->outbox, item);
          call_complete (waiter, NULL, g_steal_pointer (&error));
          pump_release_waiters (self, NULL);
          return;
        }

      bc_outbox_set_state (self->outbox, item, BC_OUTBOX_STATE_PENDING,
                           bc_client_error_get_code (error), error->message);
      if (waiter != NULL)
        g_task_return_error (waiter, queued_error (error));
      pump_release_waiters (self, error);

      if (error_is_network (error))
        {
          delay = backoff_delay_ms (self, self->pump_attempt++);
          g_debug ("Outbox: server unreachable, next try in %u ms", delay);
          self->pump_retry_source = client_timeout_add (self, delay, pump_retry_cb,
                                                        "[beacon] outbox retry");
        }
      return;
    }

  /* The server answered and refused. */
  if (waiter != NULL)
    {
      bc_outbox_dismiss (self->outbox, item);
      call_complete (waiter, NULL, g_steal_pointer (&error));
    }
  else
    {
      g_debug ("Outbox item %" G_GINT64_FORMAT " refused on replay: %s",
               bc_outbox_item_get_id (item), error->message);
      bc_outbox_set_state (self->outbox, item, BC_OUTBOX_STATE_CONFLICT,
                           bc_client_error_get_code (error), error->message);
    }
  pump (self);
}

static void
pump (BcClient *self)
{
  BcOutboxItem *item;

  if (self->outbox == NULL || self->pump_item != NULL || self->token == NULL
      || self->token_rejected || self->pump_retry_source != NULL)
    return;

  item = bc_outbox_peek (self->outbox, self->username);
  if (item == NULL)
    return;

  self->pump_item = g_object_ref (item);
  bc_outbox_mark_sent (self->outbox, item);
  request_async (self, bc_outbox_item_get_method (item), bc_outbox_item_get_path (item),
                 bc_outbox_item_get_body (item), bc_outbox_item_get_idempotency_key (item),
                 self->pump_cancellable, pump_done, self);
}

BcOutbox *
bc_client_get_outbox (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), NULL);
  return self->outbox;
}

void
bc_client_set_outbox (BcClient *self,
                      BcOutbox *outbox)
{
  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (outbox == NULL || BC_IS_OUTBOX (outbox));

  if (self->outbox == outbox)
    return;

  pump_release_waiters (self, NULL);
  /* A request in flight for the old outbox is abandoned; that item stays SENT in its file and
   * is replayed, with its key, by whoever opens it next. */
  g_cancellable_cancel (self->pump_cancellable);
  g_clear_object (&self->pump_cancellable);
  self->pump_cancellable = g_cancellable_new ();
  g_clear_object (&self->pump_item);
  clear_source (&self->pump_retry_source);
  self->pump_attempt = 0;
  g_set_object (&self->outbox, outbox);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTBOX]);
  pump (self);
}

void
bc_client_patch_incident_async (BcClient            *self,
                                gint64               incident_id,
                                gint64               version,
                                JsonObject          *changes,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GList) members = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (incident_id > 0);
  g_return_if_fail (changes != NULL);

  json_object_set_int_member (object, "version", version);
  members = json_object_get_members (changes);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "version"))
      json_object_set_member (object, l->data,
                              json_node_copy (json_object_get_member (changes, l->data)));
  body = json_node_init_object (json_node_alloc (), object);

  path = g_strdup_printf (API "/incidents/%" G_GINT64_FORMAT, incident_id);
  command (self, bc_client_patch_incident_async, BC_OUTBOX_KIND_INCIDENT_PATCH, "PATCH", path,
           body, NULL, decode_incident, g_object_unref, cancellable, callback, user_data);
}

BcIncident *
bc_client_patch_incident_finish (BcClient      *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return finish_pointer (self, result, bc_client_patch_incident_async, error);
}

void
bc_client_add_note_async (BcClient            *self,
                          gint64               incident_id,
                          const char          *text,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (incident_id > 0);
  g_return_if_fail (text != NULL);

  json_object_set_string_member (object, "text", text);
  body = json_node_init_object (json_node_alloc (), object);
  path = g_strdup_printf (API "/incidents/%" G_GINT64_FORMAT "/notes", incident_id);
  command (self, bc_client_add_note_async, BC_OUTBOX_KIND_NOTE, "POST", path, body, NULL,
           decode_note, (GDestroyNotify) bc_note_unref, cancellable, callback, user_data);
}

BcNote *
bc_client_add_note_finish (BcClient      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish_pointer (self, result, bc_client_add_note_async, error);
}

void
bc_client_dispatch_async (BcClient            *self,
                          gint64               incident_id,
                          const gint64        *unit_ids,
                          guint                n_units,
                          const char          *instructions,
                          const char          *idempotency_key,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;
  JsonArray *units;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (incident_id > 0);
  g_return_if_fail (unit_ids != NULL || n_units == 0);

  units = json_array_sized_new (n_units);
  for (guint i = 0; i < n_units; i++)
    json_array_add_int_element (units, unit_ids[i]);
  json_object_set_array_member (object, "units", units);
  json_object_set_string_member (object, "instructions", instructions != NULL ? instructions : "");
  body = json_node_init_object (json_node_alloc (), object);

  path = g_strdup_printf (API "/incidents/%" G_GINT64_FORMAT "/dispatch", incident_id);
  command (self, bc_client_dispatch_async, BC_OUTBOX_KIND_DISPATCH, "POST", path, body,
           idempotency_key, decode_order, (GDestroyNotify) bc_order_unref, cancellable,
           callback, user_data);
}

BcOrder *
bc_client_dispatch_finish (BcClient      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish_pointer (self, result, bc_client_dispatch_async, error);
}

void
bc_client_set_unit_status_async (BcClient            *self,
                                 gint64               unit_id,
                                 BcUnitStatus         status,
                                 gint64               version,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (unit_id > 0);

  json_object_set_string_member (object, "status", bc_unit_status_to_string (status));
  json_object_set_int_member (object, "version", version);
  body = json_node_init_object (json_node_alloc (), object);
  path = g_strdup_printf (API "/units/%" G_GINT64_FORMAT, unit_id);
  command (self, bc_client_set_unit_status_async, BC_OUTBOX_KIND_UNIT_PATCH, "PATCH", path,
           body, NULL, decode_unit, g_object_unref, cancellable, callback, user_data);
}

BcUnit *
bc_client_set_unit_status_finish (BcClient      *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return finish_pointer (self, result, bc_client_set_unit_status_async, error);
}

/* ---- Orders, units, AVL, cameras, audit ------------------------------------------------------ */

void
bc_client_list_orders_async (BcClient            *self,
                             gint64               incident_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (incident_id > 0);

  path = g_strdup_printf (API "/incidents/%" G_GINT64_FORMAT "/orders", incident_id);
  call (self, bc_client_list_orders_async, "GET", path, NULL, decode_order_list,
        (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
bc_client_list_orders_finish (BcClient      *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return finish_pointer (self, result, bc_client_list_orders_async, error);
}

void
bc_client_get_order_async (BcClient            *self,
                           gint64               order_id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (order_id > 0);

  path = g_strdup_printf (API "/orders/%" G_GINT64_FORMAT, order_id);
  call (self, bc_client_get_order_async, "GET", path, NULL, decode_order,
        (GDestroyNotify) bc_order_unref, cancellable, callback, user_data);
}

BcOrder *
bc_client_get_order_finish (BcClient      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return finish_pointer (self, result, bc_client_get_order_async, error);
}

void
bc_client_ack_order_async (BcClient            *self,
                           gint64               order_id,
                           gint64               unit_id,
                           gboolean             accepted,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (order_id > 0);
  g_return_if_fail (unit_id > 0);

  json_object_set_int_member (object, "unit", unit_id);
  json_object_set_boolean_member (object, "accepted", accepted);
  body = json_node_init_object (json_node_alloc (), object);
  path = g_strdup_printf (API "/orders/%" G_GINT64_FORMAT "/ack", order_id);
  call (self, bc_client_ack_order_async, "POST", path, body, decode_order,
        (GDestroyNotify) bc_order_unref, cancellable, callback, user_data);
}

BcOrder *
bc_client_ack_order_finish (BcClient      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return finish_pointer (self, result, bc_client_ack_order_async, error);
}

void
bc_client_list_units_async (BcClient            *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (BC_IS_CLIENT (self));

  call (self, bc_client_list_units_async, "GET", API "/units", NULL, decode_unit_list,
        (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
bc_client_list_units_finish (BcClient      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return finish_pointer (self, result, bc_client_list_units_async, error);
}

void
bc_client_post_avl_async (BcClient            *self,
                          const BcAvlFix      *fixes,
                          guint                n_fixes,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;
  JsonArray *array;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (fixes != NULL || n_fixes == 0);

  array = json_array_sized_new (n_fixes);
  for (guint i = 0; i < n_fixes; i++)
    {
      JsonObject *fix = json_object_new ();
      g_autofree char *at = NULL;

      json_object_set_int_member (fix, "unit", fixes[i].unit);
      json_object_set_double_member (fix, "lat", fixes[i].lat);
      json_object_set_double_member (fix, "lon", fixes[i].lon);
      json_object_set_double_member (fix, "heading", fixes[i].heading);
      json_object_set_double_member (fix, "speed", fixes[i].speed);
      /* The time of the fix is required; a feed that has none reports "now". */
      at = bc_time_format (fixes[i].at != 0 ? fixes[i].at : bc_time_now ());
      json_object_set_string_member (fix, "at", at);
      json_array_add_object_element (array, fix);
    }
  body = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);

  call (self, bc_client_post_avl_async, "POST", API "/avl", body, NULL, NULL, cancellable,
        callback, user_data);
}

gboolean
bc_client_post_avl_finish (BcClient      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish_boolean (self, result, bc_client_post_avl_async, error);
}

/* A decimal point whatever the locale, and ten significant digits: 1e-7° (about 1 cm) for
 * any longitude, without the noise of a full round-trip representation. */
static const char *
format_degrees (char   buffer[G_ASCII_DTOSTR_BUF_SIZE],
                double value)
{
  return g_ascii_formatd (buffer, G_ASCII_DTOSTR_BUF_SIZE, "%.10g", value);
}

void
bc_client_cameras_in_bounds_async (BcClient            *self,
                                   const BcGeoBounds   *bounds,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
  char c[G_ASCII_DTOSTR_BUF_SIZE], d[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (bounds != NULL);

  path = g_strdup_printf (API "/cameras?bbox=%s,%s,%s,%s",
                          format_degrees (a, bounds->min_lon),
                          format_degrees (b, bounds->min_lat),
                          format_degrees (c, bounds->max_lon),
                          format_degrees (d, bounds->max_lat));
  call (self, bc_client_cameras_in_bounds_async, "GET", path, NULL, decode_camera_list,
        (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
bc_client_cameras_in_bounds_finish (BcClient      *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return finish_pointer (self, result, bc_client_cameras_in_bounds_async, error);
}

void
bc_client_cameras_near_async (BcClient            *self,
                              double               lat,
                              double               lon,
                              double               radius_m,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], c[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));

  path = g_strdup_printf (API "/cameras/near?lat=%s&lon=%s&radius_m=%s",
                          format_degrees (a, lat), format_degrees (b, lon),
                          format_degrees (c, radius_m));
  call (self, bc_client_cameras_near_async, "GET", path, NULL, decode_camera_list,
        (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
bc_client_cameras_near_finish (BcClient      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return finish_pointer (self, result, bc_client_cameras_near_async, error);
}

static gpointer
decode_stats_summary (BcClient *self, JsonNode *node, gpointer extra, GError **error)
{
  return bc_stats_summary_from_json (node, error);
}

void
bc_client_stats_summary_async (BcClient            *self,
                               const BcStatsQuery  *query,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *parameters = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (query != NULL);

  parameters = bc_stats_query_to_string (query);
  path = g_strconcat (API "/stats/summary?", parameters, NULL);
  call (self, bc_client_stats_summary_async, "GET", path, NULL, decode_stats_summary,
        (GDestroyNotify) bc_stats_summary_unref, cancellable, callback, user_data);
}

BcStatsSummary *
bc_client_stats_summary_finish (BcClient      *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return finish_pointer (self, result, bc_client_stats_summary_async, error);
}

void
bc_client_audit_async (BcClient            *self,
                       gint64               since_id,
                       guint                limit,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GString) path = g_string_new (API "/audit?since=");

  g_return_if_fail (BC_IS_CLIENT (self));

  g_string_append_printf (path, "%" G_GINT64_FORMAT, MAX (since_id, 0));
  if (limit > 0)
    g_string_append_printf (path, "&limit=%u", limit);
  call (self, bc_client_audit_async, "GET", path->str, NULL, decode_audit_list,
        (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
bc_client_audit_finish (BcClient      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return finish_pointer (self, result, bc_client_audit_async, error);
}

/* ---- Following the event log ------------------------------------------------------------------

 * One attempt = (load the snapshot if there is no baseline or a resync is due) + open the
 * socket with since=last_seq. Any failure, close or silence ends the attempt and schedules the
 * next one with backoff; close code 4000, "resync_required", a gap in the seqs or a heartbeat
 * ahead of us schedule one that reloads the snapshot first. The backoff restarts once the
 * server has actually sent something on a socket. */

static void
drop_socket (BcClient *self)
{
  clear_source (&self->connect_timeout);
  clear_source (&self->ack_source);
  clear_source (&self->watchdog_source);
  self->unacked = 0;
  g_clear_object (&self->ws_msg);

  if (self->ws == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->ws, self);
  if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      /* Keep it until libsoup reports it closed; the handler drops that last reference. */
      g_signal_connect (self->ws, "closed", G_CALLBACK (g_object_unref), NULL);
      soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      self->ws = NULL;
    }
  else if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_CLOSING)
    {
      g_signal_connect (self->ws, "closed", G_CALLBACK (g_object_unref), NULL);
      self->ws = NULL;
    }
  else
    g_clear_object (&self->ws);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  BcClient *self = user_data;

  clear_source (&self->reconnect_source);
  follow_start_attempt (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_attempt (BcClient *self,
                  guint     delay_ms)
{
  clear_source (&self->reconnect_source);
  set_reconnect_at (self, g_get_monotonic_time () + (gint64) delay_ms * 1000);
  self->reconnect_source = client_timeout_add (self, delay_ms, reconnect_cb,
                                               "[beacon] reconnect");
}

static void
follow_connection_lost (BcClient   *self,
                        gboolean    resync,
                        const char *why)
{
  guint delay;

  drop_socket (self);
  g_clear_object (&self->follow_cancellable);
  if (resync)
    self->needs_resync = TRUE;
  if (!self->following)
    return;

  if (resync && self->attempt == 0)
    {
      /* The server is there; reload right away. Repeated resyncs without progress back off
       * like failures do. */
      delay = 0;
      set_state (self, BC_CONNECTION_STATE_CONNECTING);
    }
  else
    {
      delay = backoff_delay_ms (self, self->attempt);
      if (self->offline_since == 0)
        set_offline_since (self, g_get_real_time ());
      set_state (self, BC_CONNECTION_STATE_RECONNECTING);
    }
  self->attempt++;

  g_debug ("Events: %s; %s in %u ms", why, resync ? "resync" : "reconnect", delay);
  schedule_attempt (self, delay);
}

static void
send_ack (BcClient *self)
{
  g_autofree char *text = NULL;

  clear_source (&self->ack_source);
  self->unacked = 0;
  if (self->ws == NULL || self->acked_seq == self->last_seq
      || soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  text = g_strdup_printf ("{\"ack\":%" G_GINT64_FORMAT "}", self->last_seq);
  soup_websocket_connection_send_text (self->ws, text);
  self->acked_seq = self->last_seq;
}

static gboolean
ack_cb (gpointer user_data)
{
  BcClient *self = user_data;

  send_ack (self);
  return G_SOURCE_REMOVE;
}

/* The socket works and we are in step with the server: the next failure starts the backoff
 * from the beginning. Not on a mere connect or a resync request, or a server that accepts and
 * drops us at once would be hammered. */
static void
follow_making_progress (BcClient *self)
{
  self->attempt = 0;
}

static void
handle_event (BcClient *self,
              JsonNode *node)
{
  g_autoptr(BcEvent) event = NULL;
  g_autoptr(GError) error = NULL;

  event = bc_event_from_json (node, &error);
  if (event == NULL)
    {
      /* Not one we can apply; if it carried a seq, the next event shows the gap. */
      g_debug ("Events: ignoring an undecodable message: %s", error->message);
      return;
    }

  if (event->seq <= self->last_seq)
    return;  /* already applied (replay overlapping what we had) */

  if (event->seq > self->last_seq + 1)
    {
      g_autofree char *why = g_strdup_printf ("gap: seq %" G_GINT64_FORMAT " after %"
                                              G_GINT64_FORMAT, event->seq, self->last_seq);

      follow_connection_lost (self, TRUE, why);
      return;
    }

  set_last_seq (self, event->seq);
  follow_making_progress (self);
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, event);

  /* A handler may have stopped following or closed the client. */
  if (self->ws == NULL)
    return;

  if (++self->unacked >= ACK_EVERY_EVENTS)
    send_ack (self);
  else if (self->ack_source == NULL)
    self->ack_source = client_timeout_add (self, ACK_EVERY_MS, ack_cb, "[beacon] events ack");
}

static void
on_ws_message (SoupWebsocketConnection *ws,
               int                      type,
               GBytes                  *message,
               gpointer                 user_data)
{
  /* A handler of ::event may drop the last reference to the client. */
  g_autoptr(BcClient) self = g_object_ref (user_data);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  const char *kind;
  gsize size;
  const char *data = g_bytes_get_data (message, &size);
  JsonObject *object;

  self->last_message_at = g_get_monotonic_time ();

  node = bc_json_parse (data, size, &error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_debug ("Events: ignoring a message that is not a JSON object");
      return;
    }

  object = json_node_get_object (node);
  kind = json_object_get_string_member_with_default (object, "type", NULL);

  if (g_strcmp0 (kind, "heartbeat") == 0)
    {
      gint64 seq = json_object_get_int_member_with_default (object, "seq", 0);

      /* Every event up to the heartbeat's seq was sent before it on this socket: if we have
       * not seen them, they are lost. */
      if (seq > self->last_seq)
        {
          g_autofree char *why = g_strdup_printf ("heartbeat at seq %" G_GINT64_FORMAT
                                                  " but applied %" G_GINT64_FORMAT,
                                                  seq, self->last_seq);

          follow_connection_lost (self, TRUE, why);
        }
      else
        follow_making_progress (self);
      return;
    }

  if (g_strcmp0 (kind, "resync_required") == 0)
    {
      follow_connection_lost (self, TRUE, "the server asks for a resync");
      return;
    }

  handle_event (self, node);
}

static void
on_ws_closed (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  BcClient *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  const char *reason = soup_websocket_connection_get_close_data (ws);
  g_autofree char *why = g_strdup_printf ("socket closed (%u %s)", code,
                                          reason != NULL ? reason : "");

  /* 4000: we were too slow and the server dropped events for us ("too slow: resync from seq
   * N"); 4001: it no longer holds the events after our seq. Reload rather than resume. */
  follow_connection_lost (self, code == 4000 || code == 4001, why);
}

static void
on_ws_error (SoupWebsocketConnection *ws,
             GError                  *error,
             gpointer                 user_data)
{
  /* ::closed follows. */
  g_debug ("Events: socket error: %s", error->message);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  BcClient *self = user_data;
  gint64 silent_ms = (g_get_monotonic_time () - self->last_message_at) / 1000;

  if (silent_ms < self->silence_timeout_ms)
    return G_SOURCE_CONTINUE;

  /* A peer that vanished without a FIN (cable cut, server frozen) is only noticed here. */
  g_clear_pointer (&self->watchdog_source, g_source_unref);
  follow_connection_lost (self, FALSE, "the socket went silent");
  return G_SOURCE_REMOVE;
}

static void
ws_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  BcClient *self = user_data;
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  g_autoptr(GError) error = NULL;
  guint interval;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (ws == NULL)
    {
      g_autofree char *why = NULL;
      guint status;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      status = self->ws_msg != NULL ? soup_message_get_status (self->ws_msg) : 0;
      if (status == SOUP_STATUS_UNAUTHORIZED)
        {
          g_autoptr(GError) unauthorized =
            client_error_new (BC_CLIENT_ERROR_UNAUTHORIZED, status, NULL, error->message);

          note_error (self, unauthorized);
        }
      why = g_strdup_printf ("cannot open the socket: %s (HTTP %u)", error->message, status);
      follow_connection_lost (self, FALSE, why);
      return;
    }

  clear_source (&self->connect_timeout);
  g_clear_object (&self->follow_cancellable);
  g_clear_object (&self->ws_msg);
  self->ws = g_steal_pointer (&ws);
  self->acked_seq = self->last_seq;
  self->unacked = 0;
  self->last_message_at = g_get_monotonic_time ();

  soup_websocket_connection_set_max_incoming_payload_size (self->ws, MAX_INCOMING_PAYLOAD);
  soup_websocket_connection_set_keepalive_interval (self->ws, KEEPALIVE_INTERVAL_S);
  g_signal_connect (self->ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (on_ws_closed), self);
  g_signal_connect (self->ws, "error", G_CALLBACK (on_ws_error), self);

  interval = MAX (self->silence_timeout_ms / 4, 10);
  self->watchdog_source = client_timeout_add (self, interval, watchdog_cb,
                                              "[beacon] events watchdog");

  set_reconnect_at (self, 0);
  set_offline_since (self, 0);
  set_state (self, BC_CONNECTION_STATE_CONNECTED);
  g_debug ("Events: connected, from seq %" G_GINT64_FORMAT, self->last_seq);

  /* The server is back: what waited in the outbox goes now rather than at its next retry. */
  if (self->pump_retry_source != NULL)
    {
      clear_source (&self->pump_retry_source);
      self->pump_attempt = 0;
    }
  pump (self);
}

static gboolean
connect_timeout_cb (gpointer user_data)
{
  BcClient *self = user_data;

  /* The handshake hangs (a network that drops packets): give up on this attempt. */
  g_clear_pointer (&self->connect_timeout, g_source_unref);
  g_cancellable_cancel (self->follow_cancellable);
  follow_connection_lost (self, FALSE, "no answer to the socket handshake in time");
  return G_SOURCE_REMOVE;
}

static void
follow_connect_socket (BcClient *self)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  path = g_strdup_printf (API "/events?since=%" G_GINT64_FORMAT, self->last_seq);
  g_clear_object (&self->ws_msg);
  self->ws_msg = build_message (self, "GET", path, NULL, NULL, &error);
  if (self->ws_msg == NULL)
    {
      follow_connection_lost (self, FALSE, error->message);
      return;
    }

  soup_session_websocket_connect_async (self->session, self->ws_msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, self->follow_cancellable,
                                        ws_connected, self);
  clear_source (&self->connect_timeout);
  self->connect_timeout = client_timeout_add (self, REQUEST_TIMEOUT_MS, connect_timeout_cb,
                                              "[beacon] events connect timeout");
}

static void
follow_snapshot_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  BcClient *self = user_data;
  g_autoptr(BcClient) hold = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(BcSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;

  node = request_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* A handler of ::snapshot-loaded may drop the last reference to the client. */
  hold = g_object_ref (self);

  if (node != NULL)
    snapshot = snapshot_from_json (node, &error);

  if (snapshot == NULL)
    {
      g_autofree char *why = g_strdup_printf ("cannot load the snapshot: %s", error->message);

      /* needs_resync (or the missing baseline) stays: the next attempt loads it again. */
      note_error (self, error);
      follow_connection_lost (self, FALSE, why);
      return;
    }

  self->have_baseline = TRUE;
  self->needs_resync = FALSE;
  set_last_seq (self, snapshot->seq);
  g_debug ("Events: snapshot at seq %" G_GINT64_FORMAT ": %u incidents, %u units",
           snapshot->seq, snapshot->incidents->len, snapshot->units->len);
  g_signal_emit (self, signals[SIGNAL_SNAPSHOT_LOADED], 0, snapshot);

  if (self->following && self->follow_cancellable != NULL)
    follow_connect_socket (self);
}

static void
follow_start_attempt (BcClient *self)
{
  g_assert (self->following);

  drop_socket (self);
  set_reconnect_at (self, 0);
  if (self->follow_cancellable != NULL)
    g_cancellable_cancel (self->follow_cancellable);
  g_clear_object (&self->follow_cancellable);
  self->follow_cancellable = g_cancellable_new ();

  if (!self->have_baseline || self->needs_resync)
    request_async (self, "GET", API "/snapshot", NULL, NULL, self->follow_cancellable,
                   follow_snapshot_done, self);
  else
    follow_connect_socket (self);
}

void
bc_client_follow (BcClient *self)
{
  g_return_if_fail (BC_IS_CLIENT (self));

  if (self->following)
    return;

  self->following = TRUE;
  self->attempt = 0;
  set_state (self, BC_CONNECTION_STATE_CONNECTING);
  follow_start_attempt (self);
}

void
bc_client_unfollow (BcClient *self)
{
  g_return_if_fail (BC_IS_CLIENT (self));

  self->following = FALSE;
  if (self->follow_cancellable != NULL)
    g_cancellable_cancel (self->follow_cancellable);
  g_clear_object (&self->follow_cancellable);
  clear_source (&self->reconnect_source);
  send_ack (self);
  drop_socket (self);
  set_reconnect_at (self, 0);
  set_offline_since (self, 0);
  set_state (self, BC_CONNECTION_STATE_OFFLINE);
}

BcConnectionState
bc_client_get_connection_state (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), BC_CONNECTION_STATE_OFFLINE);
  return self->state;
}

gint64
bc_client_get_reconnect_at (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), 0);
  return self->reconnect_at;
}

gint64
bc_client_get_offline_since (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), 0);
  return self->offline_since;
}

gint64
bc_client_get_last_seq (BcClient *self)
{
  g_return_val_if_fail (BC_IS_CLIENT (self), 0);
  return self->last_seq;
}

void
bc_client_set_last_seq (BcClient *self,
                        gint64    seq)
{
  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (seq >= 0);

  self->have_baseline = TRUE;
  self->needs_resync = FALSE;
  set_last_seq (self, seq);
}

void
bc_client_set_reconnect_delays (BcClient *self,
                                guint     first_ms,
                                guint     max_ms)
{
  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (first_ms <= max_ms);

  self->first_delay_ms = first_ms;
  self->max_delay_ms = max_ms;
}

void
bc_client_set_silence_timeout (BcClient *self,
                               guint     timeout_ms)
{
  g_return_if_fail (BC_IS_CLIENT (self));
  g_return_if_fail (timeout_ms > 0);

  self->silence_timeout_ms = timeout_ms;
}
