/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-server.h"

#include <sodium.h>
#include <string.h>

#include "bc-audit.h"
#include "bc-json-private.h"
#include "bc-model.h"
#include "bc-version.h"
#include "bs-request.h"
#include "bs-stats.h"

#define EVENTS_PATH "/api/v1/events"

/* How often the shutdown sequence looks whether the in-flight requests are done. */
#define DRAIN_POLL_MS 20
/* How long shutdown waits for event sockets to complete their closing handshake. */
#define WS_CLOSE_TIMEOUT_US (3 * G_USEC_PER_SEC)

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX 1000
#define INCIDENT_LIMIT_DEFAULT 100
#define INCIDENT_LIMIT_MAX 1000
#define CAMERA_LIMIT_DEFAULT 5000
#define CAMERA_LIMIT_MAX 50000
#define CAMERA_RADIUS_MAX_M 50000.0
#define RECOMMEND_LIMIT_MAX 50

struct _BsServer
{
  GObject       parent_instance;

  BsConfig     *config;
  BsRepo       *repo;
  BcStore      *store;
  BsAuth       *auth;
  BsEventHub   *hub;
  SoupServer   *soup;
  GMainContext *context;
  GSource      *purge_source;

  guint16       port;
  gboolean      tls;
  gboolean      shutting_down;
  guint         n_in_flight;
  GTask        *shutdown_task;
  GSource      *shutdown_source;
  gint64        shutdown_deadline;
  gboolean      shutdown_sockets_closed;

  /* AVL batches waiting for their group commit */
  GArray       *avl_fixes;
  GPtrArray    *avl_group;
  GSource      *avl_source;

  /* the training simulator's endpoints (bs_server_set_sim_handler) */
  BsServerSimHandler sim_handler;
  gpointer           sim_data;
  GDestroyNotify     sim_destroy;
};

G_DEFINE_FINAL_TYPE (BsServer, bs_server, G_TYPE_OBJECT)

typedef void (*BsRouteFunc) (BsServer  *self,
                             BsRequest *req);

typedef struct
{
  BsRouteInfo info;
  BsRouteFunc func;          /* NULL for the WebSocket route */
} BsRoute;

#define D BS_ROLE_MASK_DISPATCHER
#define S BS_ROLE_MASK_SUPERVISOR
#define T BS_ROLE_MASK_TRAINER
#define A BS_ROLE_MASK_ADMIN
#define U BS_ROLE_MASK_UNIT

static void handle_health            (BsServer *self, BsRequest *req);
static void handle_login             (BsServer *self, BsRequest *req);
static void handle_session_get       (BsServer *self, BsRequest *req);
static void handle_logout            (BsServer *self, BsRequest *req);
static void handle_snapshot          (BsServer *self, BsRequest *req);
static void handle_incident_list     (BsServer *self, BsRequest *req);
static void handle_incident_create   (BsServer *self, BsRequest *req);
static void handle_incident_get      (BsServer *self, BsRequest *req);
static void handle_incident_update   (BsServer *self, BsRequest *req);
static void handle_note_list         (BsServer *self, BsRequest *req);
static void handle_note_add          (BsServer *self, BsRequest *req);
static void handle_recommendations   (BsServer *self, BsRequest *req);
static void handle_dispatch          (BsServer *self, BsRequest *req);
static void handle_order_list        (BsServer *self, BsRequest *req);
static void handle_order_get         (BsServer *self, BsRequest *req);
static void handle_order_ack         (BsServer *self, BsRequest *req);
static void handle_unit_list         (BsServer *self, BsRequest *req);
static void handle_unit_get          (BsServer *self, BsRequest *req);
static void handle_unit_update       (BsServer *self, BsRequest *req);
static void handle_avl               (BsServer *self, BsRequest *req);
static void handle_cameras_in_bounds (BsServer *self, BsRequest *req);
static void handle_cameras_near      (BsServer *self, BsRequest *req);
static void handle_stats_summary     (BsServer *self, BsRequest *req);
static void handle_audit             (BsServer *self, BsRequest *req);
static void handle_sim_control       (BsServer *self, BsRequest *req);
static void handle_user_list         (BsServer *self, BsRequest *req);
static void handle_user_add          (BsServer *self, BsRequest *req);

/* THE role matrix. docs/api.md reproduces it; tests/test-server-auth.c checks every cell. */
static const BsRoute routes[] = {
  { { "GET",    "/api/v1/health",                         TRUE,  0,             NULL },
    handle_health },
  { { "POST",   "/api/v1/session",                        TRUE,  0,             NULL },
    handle_login },
  { { "GET",    "/api/v1/session",                        FALSE, D|S|T|A|U,     NULL },
    handle_session_get },
  { { "DELETE", "/api/v1/session",                        FALSE, D|S|T|A|U,     NULL },
    handle_logout },
  { { "GET",    "/api/v1/snapshot",                       FALSE, D|S|T,         NULL },
    handle_snapshot },
  { { "GET",    "/api/v1/incidents",                      FALSE, D|S|T,         NULL },
    handle_incident_list },
  { { "POST",   "/api/v1/incidents",                      FALSE, D|T,           NULL },
    handle_incident_create },
  { { "GET",    "/api/v1/incidents/{id}",                 FALSE, D|S|T,         NULL },
    handle_incident_get },
  { { "PATCH",  "/api/v1/incidents/{id}",                 FALSE, D|T,           NULL },
    handle_incident_update },
  { { "GET",    "/api/v1/incidents/{id}/notes",           FALSE, D|S|T,         NULL },
    handle_note_list },
  { { "POST",   "/api/v1/incidents/{id}/notes",           FALSE, D|S|T,         NULL },
    handle_note_add },
  { { "GET",    "/api/v1/incidents/{id}/recommendations", FALSE, D|S|T,         NULL },
    handle_recommendations },
  { { "POST",   "/api/v1/incidents/{id}/dispatch",        FALSE, D|T,           NULL },
    handle_dispatch },
  { { "GET",    "/api/v1/incidents/{id}/orders",          FALSE, D|S|T,         NULL },
    handle_order_list },
  { { "GET",    "/api/v1/orders/{id}",                    FALSE, D|S|T|U,       "unit: orders to its own unit only" },
    handle_order_get },
  /* Dispatchers (and trainers) record an answer a unit gave by radio; a unit answers only
   * for itself. */
  { { "POST",   "/api/v1/orders/{id}/ack",                FALSE, D|T|U,         "unit: own unit only" },
    handle_order_ack },
  { { "GET",    "/api/v1/units",                          FALSE, D|S|T,         NULL },
    handle_unit_list },
  { { "GET",    "/api/v1/units/{id}",                     FALSE, D|S|T|U,       "unit: own unit only" },
    handle_unit_get },
  { { "PATCH",  "/api/v1/units/{id}",                     FALSE, D|T|U,         "unit: own unit only" },
    handle_unit_update },
  { { "POST",   "/api/v1/avl",                            FALSE, U,             "own unit only" },
    handle_avl },
  { { "GET",    "/api/v1/cameras",                        FALSE, D|S|T,         NULL },
    handle_cameras_in_bounds },
  { { "GET",    "/api/v1/cameras/near",                   FALSE, D|S|T,         NULL },
    handle_cameras_near },
  { { "GET",    "/api/v1/stats/summary",                  FALSE, D|S|T|A,       NULL },
    handle_stats_summary },
  { { "GET",    "/api/v1/audit",                          FALSE, S|A,           NULL },
    handle_audit },
  { { "POST",   "/api/v1/sim/control",                    FALSE, T,             NULL },
    handle_sim_control },
  { { "GET",    "/api/v1/sim/state",                      FALSE, D|S|T,         NULL },
    handle_sim_control },
  { { "GET",    "/api/v1/sim/report",                     FALSE, D|S|T,         NULL },
    handle_sim_control },
  { { "GET",    EVENTS_PATH,                              FALSE, D|S|T,         NULL },
    NULL },
  { { "GET",    "/api/v1/users",                          FALSE, A,             NULL },
    handle_user_list },
  { { "POST",   "/api/v1/users",                          FALSE, A,             NULL },
    handle_user_add },
};

#undef D
#undef S
#undef T
#undef A
#undef U

const BsRouteInfo *
bs_server_get_routes (guint *n_routes)
{
  /* A copy of the infos without the handlers, which stay private to this file. */
  static BsRouteInfo infos[G_N_ELEMENTS (routes)];
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
        infos[i] = routes[i].info;
      g_once_init_leave (&initialized, 1);
    }

  if (n_routes != NULL)
    *n_routes = G_N_ELEMENTS (routes);
  return infos;
}

/* ---- Routing ------------------------------------------------------------------------------ */

/* Matches @path against @pattern; "{id}" segments must be positive 64-bit integers. */
static gboolean
route_matches (const char  *pattern,
               const char  *path,
               gint64      *ids,
               guint       *n_ids)
{
  const char *p = pattern;
  const char *s = path;

  *n_ids = 0;
  while (*p != '\0' && *s != '\0')
    {
      if (g_str_has_prefix (p, "{id}"))
        {
          const char *end = s;
          g_autofree char *segment = NULL;
          guint64 value;

          while (*end != '\0' && *end != '/')
            end++;
          segment = g_strndup (s, end - s);
          if (!g_ascii_string_to_unsigned (segment, 10, 1, G_MAXINT64, &value, NULL) ||
              *n_ids >= BS_REQUEST_MAX_IDS)
            return FALSE;
          ids[(*n_ids)++] = (gint64) value;
          p += 4;
          s = end;
          continue;
        }

      if (*p != *s)
        return FALSE;
      p++;
      s++;
    }

  return *p == '\0' && *s == '\0';
}

/* The route for (method, path). When there is none, @allowed lists the methods the path does
 * have (empty: unknown path → 404; otherwise → 405 with that Allow header). */
static const BsRoute *
find_route (const char *method,
            const char *path,
            gint64     *ids,
            guint      *n_ids,
            GString    *allowed)
{
  const BsRoute *found = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      gint64 route_ids[BS_REQUEST_MAX_IDS];
      guint route_n_ids;

      if (!route_matches (routes[i].info.pattern, path, route_ids, &route_n_ids))
        continue;

      if (allowed->len > 0)
        g_string_append (allowed, ", ");
      g_string_append (allowed, routes[i].info.method);

      if (found == NULL && strcmp (routes[i].info.method, method) == 0)
        {
          found = &routes[i];
          memcpy (ids, route_ids, sizeof route_ids);
          *n_ids = route_n_ids;
        }
    }

  return found;
}

/* ---- Request lifecycle -------------------------------------------------------------------- */

static void
in_flight_done (gpointer data)
{
  BsServer *self = data;

  g_assert (self->n_in_flight > 0);
  self->n_in_flight--;
  g_object_unref (self);
}

static void
mark_in_flight (BsServer          *self,
                SoupServerMessage *msg)
{
  self->n_in_flight++;
  g_object_set_data_full (G_OBJECT (msg), "bs-in-flight", g_object_ref (self), in_flight_done);
}

static void
clear_in_flight (SoupServerMessage *msg)
{
  g_object_set_data (G_OBJECT (msg), "bs-in-flight", NULL);
}

static gboolean
is_in_flight (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), "bs-in-flight") != NULL;
}

static void
reject_body (SoupServerMessage *msg,
             gsize              limit)
{
  g_autofree char *message = NULL;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  /* Keep reading (HTTP/1.1 has no other way to answer) but keep nothing. */
  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  message = g_strdup_printf ("the request body is larger than %" G_GSIZE_FORMAT " bytes", limit);
  bs_message_reply_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "body_too_large", message);
}

static void
on_got_chunk (SoupServerMessage *msg,
              GBytes            *chunk,
              BsServer          *self)
{
  gsize received = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), "bs-body-size"));

  received += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), "bs-body-size", GSIZE_TO_POINTER (received));

  if (received > self->config->body_max && soup_server_message_get_status (msg) == 0)
    reject_body (msg, self->config->body_max);
}

static void
on_got_headers (SoupServerMessage *msg,
                BsServer          *self)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  /* A request whose headers arrived before shutdown began is allowed to complete. */
  if (!self->shutting_down)
    mark_in_flight (self, msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > (goffset) self->config->body_max)
    reject_body (msg, self->config->body_max);
  else
    g_signal_connect_object (msg, "got-chunk", G_CALLBACK (on_got_chunk), self, 0);
}

static void
on_finished (SoupServerMessage *msg,
             BsServer          *self)
{
  BsRequest *req = g_object_get_data (G_OBJECT (msg), "bs-request");
  guint status = soup_server_message_get_status (msg);
  const char *method = soup_server_message_get_method (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  double ms = 0;

  g_object_set_data (G_OBJECT (msg), "bs-finished", GINT_TO_POINTER (TRUE));

  if (req != NULL)
    ms = (g_get_monotonic_time () - req->started_us) / 1000.0;

  /* The query string is left out: it may carry a token (?token= on /events). */
  if (status >= 500 && status != SOUP_STATUS_SERVICE_UNAVAILABLE &&
      status != SOUP_STATUS_NOT_IMPLEMENTED)
    g_warning ("%s %s %u %.1f ms %s %s", method, uri != NULL ? g_uri_get_path (uri) : "?",
               status, ms,
               req != NULL && req->actor.username != NULL ? req->actor.username : "-",
               req != NULL ? req->remote : "-");
  else
    g_debug ("%s %s %u %.1f ms %s %s", method, uri != NULL ? g_uri_get_path (uri) : "?",
             status, ms,
             req != NULL && req->actor.username != NULL ? req->actor.username : "-",
             req != NULL ? req->remote : "-");

  clear_in_flight (msg);
}

static void
on_request_started (SoupServer        *server,
                    SoupServerMessage *msg,
                    BsServer          *self)
{
  g_signal_connect_object (msg, "got-headers", G_CALLBACK (on_got_headers), self, 0);
  g_signal_connect_object (msg, "finished", G_CALLBACK (on_finished), self, 0);
}

static gboolean
message_is_finished (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), "bs-finished") != NULL;
}

/* Common front of every request: shutdown, route, token, role. Returns the route when the
 * handler may run; otherwise the message has its error answer. */
static const BsRoute *
admit_request (BsServer           *self,
               SoupServerMessage  *msg,
               const char         *path,
               GHashTable         *query,
               BsRequest         **out_req)
{
  g_autoptr(GString) allowed = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  const BsRoute *route;
  BsRequest *req;
  const char *token;
  BsPrincipal *principal;

  req = bs_request_new (msg, path, query, self->config->body_max);
  g_object_set_data_full (G_OBJECT (msg), "bs-request", req, (GDestroyNotify) bs_request_free);
  *out_req = req;

  if (self->shutting_down)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Connection", "close");

  if (self->shutting_down && !is_in_flight (msg))
    {
      bs_request_reply_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting_down",
                              "the server is shutting down; retry shortly");
      return NULL;
    }

  route = find_route (soup_server_message_get_method (msg), path, req->ids, &req->n_ids,
                      allowed);
  if (route == NULL)
    {
      if (allowed->len > 0)
        {
          g_autofree char *message = g_strdup_printf ("%s is not allowed here; allowed: %s",
                                                      soup_server_message_get_method (msg),
                                                      allowed->str);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Allow", allowed->str);
          bs_request_reply_error (req, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                                  message);
        }
      else
        {
          bs_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "no such endpoint or object");
        }
      return NULL;
    }

  if (route->info.is_public)
    return route;

  /* Browsers cannot set headers on a WebSocket, so /events also takes ?token=. */
  token = bs_request_get_bearer_token (req, route->func == NULL);
  principal = bs_auth_authenticate (self->auth, token, &error);
  if (principal == NULL)
    {
      bs_request_reply_gerror (req, error);
      return NULL;
    }
  bs_request_set_principal (req, principal);

  if ((route->info.roles & (1u << principal->role)) == 0)
    {
      g_autofree char *message = g_strdup_printf ("role %s may not %s %s",
                                                  bc_role_to_string (principal->role),
                                                  route->info.method, route->info.pattern);
      bs_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "forbidden", message);
      return NULL;
    }

  return route;
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  BsServer *self = user_data;
  const BsRoute *route;
  BsRequest *req = NULL;

  /* got-headers may already have answered (413). */
  if (soup_server_message_get_status (msg) != 0)
    return;

  route = admit_request (self, msg, path, query, &req);
  if (route == NULL)
    return;

  if (route->func == NULL)
    {
      bs_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "websocket_required",
                              "this endpoint is a WebSocket");
      return;
    }

  route->func (self, req);
}

/* ---- WebSocket ---------------------------------------------------------------------------- */

static void
events_http_callback (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  BsServer *self = user_data;
  g_autoptr(GError) error = NULL;
  const BsRoute *route;
  BsRequest *req = NULL;
  gint64 since;

  if (soup_server_message_get_status (msg) != 0)
    return;

  /* The path map also sends /api/v1/events/… here. */
  route = admit_request (self, msg, path, query, &req);
  if (route == NULL)
    return;

  if (route->func != NULL)
    {
      route->func (self, req);
      return;
    }

  if (!bs_request_query_int64 (req, "since", 0, 0, G_MAXINT64, &since, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf ("a WebSocket handshake is required: %s",
                                                  error->message);
      bs_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "websocket_required", message);
      return;
    }

  g_object_set_data_full (G_OBJECT (msg), "bs-since", g_memdup2 (&since, sizeof since), g_free);
  /* Taken now: once libsoup has stolen the connection for the WebSocket it no longer says. */
  if (soup_server_message_get_socket (msg) != NULL)
    g_object_set_data_full (G_OBJECT (msg), "bs-socket",
                            g_object_ref (soup_server_message_get_socket (msg)), g_object_unref);
  /* No status: libsoup completes the upgrade and calls events_ws_callback. */
}

static void
events_ws_callback (SoupServer              *server,
                    SoupServerMessage       *msg,
                    const char              *path,
                    SoupWebsocketConnection *conn,
                    gpointer                 user_data)
{
  BsServer *self = user_data;
  BsRequest *req = g_object_get_data (G_OBJECT (msg), "bs-request");
  const gint64 *since = g_object_get_data (G_OBJECT (msg), "bs-since");

  /* The connection is stolen from the HTTP machinery: "finished" never comes. */
  clear_in_flight (msg);

  if (req == NULL || req->principal == NULL || since == NULL)
    {
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, NULL);
      return;
    }

  g_debug ("GET %s 101 %s %s since=%" G_GINT64_FORMAT, EVENTS_PATH, req->actor.username,
           req->remote, *since);

  soup_websocket_connection_set_max_incoming_payload_size (conn, self->config->ws_max_incoming);
  soup_websocket_connection_set_keepalive_interval (conn, self->config->keepalive_s);

  bs_event_hub_add_subscriber (self->hub, conn, g_object_get_data (G_OBJECT (msg), "bs-socket"),
                               req->principal->username, req->principal->role, *since);
}

/* ---- Reply helpers ------------------------------------------------------------------------ */

/* Replies with @node (consumed), masking personal data for roles that may not see it. */
static void
reply_masked (BsRequest *req,
              guint      status,
              JsonNode  *node)
{
  if (req->principal != NULL && !bs_role_sees_personal_data (req->principal->role))
    bs_mask_personal_data (node);
  bs_request_reply_json_take (req, status, node);
}

static JsonNode *
wrap_array (const char *member,
            JsonArray  *array)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_array_member (object, member, array);
  json_node_take_object (node, object);
  return node;
}

/* bc_incident_to_json() and its kind: one item of a reply. */
typedef JsonNode *(*ItemToJson) (gpointer item);

/* {"MEMBER": [to_json (item), …]} */
static JsonNode *
list_to_json (const char *member,
              GPtrArray  *items,
              ItemToJson  to_json)
{
  JsonArray *array = json_array_sized_new (items->len);

  for (guint i = 0; i < items->len; i++)
    json_array_add_element (array, to_json (g_ptr_array_index (items, i)));
  return wrap_array (member, array);
}

/* The answer of a handler that read or changed one thing: @item with @status, masked for the
 * caller's role; or @error, which the repo set when it returned no @item. */
static void
reply_item (BsRequest  *req,
            guint       status,
            gpointer    item,
            ItemToJson  to_json,
            GError     *error)
{
  if (item == NULL)
    bs_request_reply_gerror (req, error);
  else
    reply_masked (req, status, to_json (item));
}

/* The same for a list, as 200 {"MEMBER": […]}. */
static void
reply_list (BsRequest  *req,
            const char *member,
            GPtrArray  *items,
            ItemToJson  to_json,
            GError     *error)
{
  if (items == NULL)
    bs_request_reply_gerror (req, error);
  else
    reply_masked (req, SOUP_STATUS_OK, list_to_json (member, items, to_json));
}

static gboolean
get_object_body (BsRequest   *req,
                 JsonNode   **out_node,
                 JsonObject **out_object)
{
  g_autoptr(GError) error = NULL;

  *out_object = bs_request_parse_body_object (req, out_node, &error);
  if (*out_object == NULL)
    {
      bs_request_reply_gerror (req, error);
      return FALSE;
    }
  return TRUE;
}

/* Rejects members of @object not in @allowed (NULL-terminated): a typo must not pass silently. */
static gboolean
check_members (BsRequest         *req,
               JsonObject        *object,
               const char *const *allowed)
{
  g_autoptr(GError) error = NULL;

  if (!_bc_json_check_members (object, NULL, allowed, NULL, &error))
    {
      bs_request_reply_gerror (req, error);
      return FALSE;
    }
  return TRUE;
}

/* ---- Handlers: public --------------------------------------------------------------------- */

static void
handle_health (BsServer  *self,
               BsRequest *req)
{
  g_autofree char *text = g_strdup_printf ("{\"status\":\"ok\",\"version\":\"%s\"}",
                                           bc_version_string ());

  bs_request_reply_text (req, SOUP_STATUS_OK, g_steal_pointer (&text));
}

static JsonNode *
session_to_json (const char *token,
                 const char *username,
                 BcRole      role,
                 gint64      expires_at)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *expires = bc_time_format (expires_at);

  json_builder_begin_object (builder);
  if (token != NULL)
    {
      json_builder_set_member_name (builder, "token");
      json_builder_add_string_value (builder, token);
    }
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, bc_role_to_string (role));
  json_builder_set_member_name (builder, "expires_at");
  json_builder_add_string_value (builder, expires);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
login_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  BsRequest *req = g_object_get_data (G_OBJECT (msg), "bs-request");
  g_autoptr(GError) error = NULL;
  g_autoptr(BsSession) session = NULL;

  session = bs_auth_login_finish (BS_AUTH (source), result, &error);

  /* The client may have gone away while the password was checked. */
  if (message_is_finished (msg) || req == NULL)
    return;

  if (session == NULL)
    bs_request_reply_gerror (req, error);
  else
    bs_request_reply_json_take (req, SOUP_STATUS_OK,
                                session_to_json (session->token, session->username,
                                                 session->role, session->expires_at));

  soup_server_message_unpause (msg);
}

static void
handle_login (BsServer  *self,
              BsRequest *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  const char *username = NULL;
  const char *password = NULL;

  if (!get_object_body (req, &node, &object) ||
      !check_members (req, object, (const char *const[]) { "username", "password", NULL }))
    return;

  if (!_bc_json_get_string (object, NULL, "username", BC_JSON_REQUIRED, 1, 256, &username,
                            &error) ||
      !_bc_json_get_string (object, NULL, "password", BC_JSON_REQUIRED, 1, 4096, &password,
                            &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  soup_server_message_pause (req->msg);
  bs_auth_login_async (self->auth, username, password, req->remote, NULL, login_done,
                       g_object_ref (req->msg));
}

/* ---- Handlers: session -------------------------------------------------------------------- */

static void
handle_session_get (BsServer  *self,
                    BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsUser) user = bs_auth_get_user (self->auth, req->principal->username, &error);
  JsonNode *node;

  if (user == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  node = session_to_json (NULL, req->principal->username, req->principal->role,
                          req->principal->expires_at);
  json_object_set_string_member (json_node_get_object (node), "display_name",
                                 user->display_name);
  bs_request_reply_json_take (req, SOUP_STATUS_OK, node);
}

static void
handle_logout (BsServer  *self,
               BsRequest *req)
{
  g_autoptr(GError) error = NULL;

  if (!bs_auth_logout (self->auth, req->principal, req->remote, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }
  bs_request_reply_empty (req, SOUP_STATUS_NO_CONTENT);
}

/* ---- Handlers: incidents ------------------------------------------------------------------ */

static void
handle_snapshot (BsServer  *self,
                 BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = bs_repo_snapshot (self->repo, &error);

  if (node == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  if (JSON_NODE_HOLDS_OBJECT (node) &&
      !json_object_has_member (json_node_get_object (node), "server_time"))
    {
      g_autofree char *now = bc_time_format (bc_time_now ());
      json_object_set_string_member (json_node_get_object (node), "server_time", now);
    }

  reply_masked (req, SOUP_STATUS_OK, node);
}

static void
handle_incident_list (BsServer  *self,
                      BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) incidents = NULL;
  const char *status = bs_request_query_string (req, "status");
  BsIncidentFilter filter = BS_INCIDENT_FILTER_OPEN;
  JsonNode *node;
  gint64 limit;
  gint64 before;

  if (status == NULL || strcmp (status, "open") == 0)
    filter = BS_INCIDENT_FILTER_OPEN;
  else if (strcmp (status, "closed") == 0)
    filter = BS_INCIDENT_FILTER_CLOSED;
  else if (strcmp (status, "all") == 0)
    filter = BS_INCIDENT_FILTER_ALL;
  else
    {
      bs_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                              "status: must be open, closed or all");
      return;
    }

  if (!bs_request_query_int64 (req, "limit", INCIDENT_LIMIT_DEFAULT, 1, INCIDENT_LIMIT_MAX,
                               &limit, &error) ||
      !bs_request_query_int64 (req, "before", 0, 0, G_MAXINT64, &before, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  incidents = bs_repo_list_incidents (self->repo, filter, (guint) limit, before, &error);
  if (incidents == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  node = list_to_json ("incidents", incidents, (ItemToJson) bc_incident_to_json);
  /* The id to pass as ?before= for the next (older) page, or null at the end. */
  if (incidents->len == (guint) limit && incidents->len > 0)
    json_object_set_int_member (json_node_get_object (node), "next_before",
                                bc_incident_get_id (g_ptr_array_index (incidents,
                                                                       incidents->len - 1)));
  else
    json_object_set_null_member (json_node_get_object (node), "next_before");

  reply_masked (req, SOUP_STATUS_OK, node);
}

static void
handle_incident_create (BsServer  *self,
                        BsRequest *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) draft = NULL;
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(GString) location = NULL;

  node = bs_request_parse_body (req, &error);
  if (node == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  draft = bc_incident_from_create_json (node, &error);
  if (draft == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  incident = bs_repo_create_incident (self->repo, draft, &req->actor, &error);
  if (incident == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  location = g_string_new (NULL);
  g_string_printf (location, "/api/v1/incidents/%" G_GINT64_FORMAT, bc_incident_get_id (incident));
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                "Location", location->str);
  reply_masked (req, SOUP_STATUS_CREATED, bc_incident_to_json (incident));
}

static void
handle_incident_get (BsServer  *self,
                     BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = bs_repo_get_incident (self->repo, req->ids[0], &error);

  reply_item (req, SOUP_STATUS_OK, incident, (ItemToJson) bc_incident_to_json, error);
}

static void
handle_incident_update (BsServer  *self,
                        BsRequest *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(JsonObject) changes = NULL;
  JsonObject *object;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gint64 version;

  if (!get_object_body (req, &node, &object))
    return;

  if (!_bc_json_get_int64 (object, NULL, "version", BC_JSON_REQUIRED, 1, G_MAXINT64, &version,
                           &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  /* The repo validates the changed fields; the version travels separately. */
  changes = json_object_new ();
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &member))
    if (strcmp (name, "version") != 0)
      json_object_set_member (changes, name, json_node_copy (member));

  incident = bs_repo_update_incident (self->repo, req->ids[0], version, changes, &req->actor,
                                      &error);
  reply_item (req, SOUP_STATUS_OK, incident, (ItemToJson) bc_incident_to_json, error);
}

static void
handle_note_list (BsServer  *self,
                  BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) notes = bs_repo_list_notes (self->repo, req->ids[0], &error);

  reply_list (req, "notes", notes, (ItemToJson) bc_note_to_json, error);
}

static void
handle_note_add (BsServer  *self,
                 BsRequest *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcNote) note = NULL;
  JsonObject *object;
  const char *text = NULL;

  if (!get_object_body (req, &node, &object) ||
      !check_members (req, object, (const char *const[]) { "text", NULL }))
    return;

  if (!_bc_json_get_string (object, NULL, "text", BC_JSON_REQUIRED, 1, 4000, &text, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  note = bs_repo_add_note (self->repo, req->ids[0], text, &req->actor, &error);
  reply_item (req, SOUP_STATUS_CREATED, note, (ItemToJson) bc_note_to_json, error);
}

/* ---- Handlers: dispatch ------------------------------------------------------------------- */

static void
handle_recommendations (BsServer  *self,
                        BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) recs = NULL;
  JsonArray *array;
  JsonNode *node;
  gint64 limit;

  if (!bs_request_query_int64 (req, "limit", 5, 1, RECOMMEND_LIMIT_MAX, &limit, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  recs = bs_repo_recommend (self->repo, req->ids[0], (guint) limit, &error);
  if (recs == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  array = json_array_sized_new (recs->len);
  for (guint i = 0; i < recs->len; i++)
    {
      BsRecommendation *rec = &g_array_index (recs, BsRecommendation, i);
      JsonObject *item = json_object_new ();

      json_object_set_member (item, "unit", bc_unit_to_json (rec->unit));
      json_object_set_double_member (item, "distance_m", rec->distance_m);
      json_object_set_double_member (item, "eta_s", rec->eta_s);
      json_array_add_object_element (array, item);
    }

  node = wrap_array ("recommendations", array);
  json_object_set_int_member (json_node_get_object (node), "incident", req->ids[0]);
  reply_masked (req, SOUP_STATUS_OK, node);
}

/* SHA-256 over a canonical form of what the request asks for, so that a retry whose JSON is
 * formatted differently still matches while a different request under the same key does not. */
static char *
dispatch_request_hash (gint64        incident_id,
                       const gint64 *units,
                       guint         n_units,
                       const char   *instructions)
{
  g_autoptr(GString) canonical = g_string_new (NULL);
  guchar digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];

  g_string_append_printf (canonical, "incident=%" G_GINT64_FORMAT "\nunits=", incident_id);
  for (guint i = 0; i < n_units; i++)
    g_string_append_printf (canonical, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "", units[i]);
  g_string_append_printf (canonical, "\ninstructions=%s", instructions != NULL ? instructions : "");

  crypto_hash_sha256 (digest, (const guchar *) canonical->str, canonical->len);
  sodium_bin2hex (hex, sizeof hex, digest, sizeof digest);
  return g_strdup (hex);
}

static void
handle_dispatch (BsServer  *self,
                 BsRequest *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) units = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autofree char *hash = NULL;
  const char *key = bs_request_get_header (req, "Idempotency-Key");
  const char *instructions = "";
  gboolean replayed = FALSE;
  JsonObject *object;

  if (key == NULL || *key == '\0')
    {
      bs_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "missing_idempotency_key",
                              "an Idempotency-Key header is required on dispatch");
      return;
    }
  if (!bc_order_idempotency_key_is_valid (key, NULL))
    {
      bs_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_field",
                              "Idempotency-Key: must be 1 to 128 printable ASCII characters");
      return;
    }

  if (!get_object_body (req, &node, &object) ||
      !check_members (req, object, (const char *const[]) { "units", "instructions", NULL }))
    return;

  if (!_bc_json_get_id_list (object, NULL, "units", BC_JSON_REQUIRED, 1, BC_ORDER_MAX_UNITS,
                             &units, &error) ||
      !_bc_json_get_string (object, NULL, "instructions", BC_JSON_NULLABLE, 0,
                            BC_ORDER_INSTRUCTIONS_MAX, &instructions, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  hash = dispatch_request_hash (req->ids[0], (const gint64 *) units->data, units->len,
                                instructions);
  order = bs_repo_dispatch (self->repo, req->ids[0], (const gint64 *) units->data, units->len,
                            instructions, key, hash, &req->actor, &replayed, &error);
  if (order == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  if (replayed)
    soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                  "Idempotent-Replayed", "true");
  reply_masked (req, SOUP_STATUS_CREATED, bc_order_to_json (order));
}

/* Whether a unit-role caller acts for @unit: the user whose name, or display name, is the
 * unit's call sign (the rule of _bs_repo_check_unit_actor). Other roles pass. */
static gboolean
caller_acts_for_unit (BsServer  *self,
                      BsRequest *req,
                      BcUnit    *unit)
{
  if (req->principal->role != BC_ROLE_UNIT)
    return TRUE;
  return g_strcmp0 (req->principal->username, bc_unit_get_call_sign (unit)) == 0 ||
         g_strcmp0 (req->principal->display_name, bc_unit_get_call_sign (unit)) == 0;
}

static gboolean
caller_acts_for_order (BsServer  *self,
                       BsRequest *req,
                       BcOrder   *order)
{
  if (req->principal->role != BC_ROLE_UNIT)
    return TRUE;

  for (guint i = 0; i < order->units->len; i++)
    {
      BcOrderAssignment *assignment = &g_array_index (order->units, BcOrderAssignment, i);
      g_autoptr(BcUnit) unit = bs_repo_get_unit (self->repo, assignment->unit, NULL);

      if (unit != NULL && caller_acts_for_unit (self, req, unit))
        return TRUE;
    }
  return FALSE;
}

static void
reply_not_yours (BsRequest  *req,
                 const char *what)
{
  g_autofree char *message = g_strdup_printf ("user %s may only see %s",
                                              req->principal->username, what);
  bs_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "forbidden", message);
}

static void
handle_order_list (BsServer  *self,
                   BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) orders = bs_repo_list_orders (self->repo, req->ids[0], &error);

  reply_list (req, "orders", orders, (ItemToJson) bc_order_to_json, error);
}

static void
handle_order_get (BsServer  *self,
                  BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = bs_repo_get_order (self->repo, req->ids[0], &error);

  if (order != NULL && !caller_acts_for_order (self, req, order))
    reply_not_yours (req, "orders to its own unit");
  else
    reply_item (req, SOUP_STATUS_OK, order, (ItemToJson) bc_order_to_json, error);
}

static void
handle_order_ack (BsServer  *self,
                  BsRequest *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = NULL;
  JsonObject *object;
  gint64 unit;
  gboolean accepted;

  if (!get_object_body (req, &node, &object) ||
      !check_members (req, object, (const char *const[]) { "unit", "accepted", NULL }))
    return;

  if (!_bc_json_get_int64 (object, NULL, "unit", BC_JSON_REQUIRED, 1, G_MAXINT64, &unit,
                           &error) ||
      !_bc_json_get_bool (object, NULL, "accepted", BC_JSON_REQUIRED, &accepted, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  order = bs_repo_ack_order (self->repo, req->ids[0], unit, accepted, &req->actor, &error);
  reply_item (req, SOUP_STATUS_OK, order, (ItemToJson) bc_order_to_json, error);
}

/* ---- Handlers: units ---------------------------------------------------------------------- */

static void
handle_unit_list (BsServer  *self,
                  BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) units = bs_repo_list_units (self->repo, &error);

  reply_list (req, "units", units, (ItemToJson) bc_unit_to_json, error);
}

static void
handle_unit_get (BsServer  *self,
                 BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcUnit) unit = bs_repo_get_unit (self->repo, req->ids[0], &error);

  if (unit != NULL && !caller_acts_for_unit (self, req, unit))
    reply_not_yours (req, "its own unit");
  else
    reply_item (req, SOUP_STATUS_OK, unit, (ItemToJson) bc_unit_to_json, error);
}

static void
handle_unit_update (BsServer  *self,
                    BsRequest *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcUnit) unit = NULL;
  JsonObject *object;
  int status;
  gint64 version;

  if (!get_object_body (req, &node, &object) ||
      !check_members (req, object, (const char *const[]) { "status", "version", NULL }))
    return;

  if (!_bc_json_get_enum (object, NULL, "status", BC_JSON_REQUIRED, BC_TYPE_UNIT_STATUS,
                          &status, &error) ||
      !_bc_json_get_int64 (object, NULL, "version", BC_JSON_REQUIRED, 1, G_MAXINT64, &version,
                           &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  unit = bs_repo_update_unit_status (self->repo, req->ids[0], (BcUnitStatus) status, version,
                                     &req->actor, &error);
  reply_item (req, SOUP_STATUS_OK, unit, (ItemToJson) bc_unit_to_json, error);
}

/* AVL group commit. Every batch is one transaction, and a durable commit costs an fsync (a few
 * milliseconds) whatever its size; so batches that arrive while the previous commit is being
 * written are committed together, and each request is answered after that commit. One request
 * alone is committed on the next main loop iteration, so nothing waits for company. */

#define AVL_GROUP_MAX_FIXES 5000

typedef struct
{
  SoupServerMessage *msg;     /* owned reference; the message owns its BsRequest */
  guint              first;   /* its fixes in the group's array */
  guint              n;
} AvlPending;

static void
avl_pending_free (AvlPending *pending)
{
  g_clear_object (&pending->msg);
  g_free (pending);
}

static void
avl_reply (BsServer     *self,
           AvlPending   *pending,
           const GError *error)
{
  BsRequest *req = g_object_get_data (G_OBJECT (pending->msg), "bs-request");

  /* The client may have hung up meanwhile; its fixes are committed all the same. */
  if (req == NULL || message_is_finished (pending->msg))
    return;

  if (error != NULL)
    bs_request_reply_gerror (req, error);
  else
    {
      g_autofree char *text = g_strdup_printf ("{\"accepted\":%u}", pending->n);
      bs_request_reply_text (req, SOUP_STATUS_OK, g_steal_pointer (&text));
    }
  soup_server_message_unpause (pending->msg);
}

static void
avl_flush (BsServer *self)
{
  g_autoptr(GArray) fixes = g_steal_pointer (&self->avl_fixes);
  g_autoptr(GPtrArray) group = g_steal_pointer (&self->avl_group);
  g_autoptr(GError) error = NULL;

  if (self->avl_source != NULL)
    {
      g_source_destroy (self->avl_source);
      g_clear_pointer (&self->avl_source, g_source_unref);
    }
  if (group == NULL || group->len == 0)
    return;

  if (group->len == 1)
    {
      AvlPending *pending = g_ptr_array_index (group, 0);
      BsRequest *req = g_object_get_data (G_OBJECT (pending->msg), "bs-request");

      bs_repo_ingest_avl (self->repo, (const BsAvlFix *) fixes->data, fixes->len,
                          req != NULL ? &req->actor : NULL, &error);
      avl_reply (self, pending, error);
      return;
    }

  /* Ownership was checked per request (handle_avl), so the group goes in as the server's. */
  if (bs_repo_ingest_avl (self->repo, (const BsAvlFix *) fixes->data, fixes->len, NULL, &error))
    {
      g_debug ("AVL group commit: %u requests, %u fixes", group->len, fixes->len);
      for (guint i = 0; i < group->len; i++)
        avl_reply (self, g_ptr_array_index (group, i), NULL);
      return;
    }

  /* One request's bad fix must not fail the others: commit them one by one, each with its
   * own answer. */
  g_debug ("AVL group of %u failed (%s); committing one by one", group->len, error->message);
  for (guint i = 0; i < group->len; i++)
    {
      AvlPending *pending = g_ptr_array_index (group, i);
      BsRequest *req = g_object_get_data (G_OBJECT (pending->msg), "bs-request");
      g_autoptr(GError) one_error = NULL;

      bs_repo_ingest_avl (self->repo, &g_array_index (fixes, BsAvlFix, pending->first),
                          pending->n, req != NULL ? &req->actor : NULL, &one_error);
      avl_reply (self, pending, one_error);
    }
}

static gboolean
avl_flush_cb (gpointer user_data)
{
  BsServer *self = user_data;

  g_clear_pointer (&self->avl_source, g_source_unref);
  avl_flush (self);
  return G_SOURCE_REMOVE;
}

static void
handle_avl (BsServer  *self,
            BsRequest *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) fixes = NULL;
  JsonArray *array;
  AvlPending *pending;
  gint64 checked_unit = 0;
  guint n;

  node = bs_request_parse_body (req, &error);
  if (node == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      bs_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_field",
                              "document: expected an array of fixes");
      return;
    }

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0 || n > self->config->avl_batch_max)
    {
      g_autofree char *message = g_strdup_printf ("document: a batch holds 1 to %u fixes, not %u",
                                                  self->config->avl_batch_max, n);
      bs_request_reply_error (req, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid_value", message);
      return;
    }

  fixes = g_array_sized_new (FALSE, TRUE, sizeof (BsAvlFix), n);
  for (guint i = 0; i < n; i++)
    {
      const BcJsonPath *path = BC_JSON_PATH_INDEX (NULL, i);
      JsonObject *object = _bc_json_node_get_object (json_array_get_element (array, i), path,
                                                     &error);
      BsAvlFix fix = { 0, };

      if (object == NULL ||
          !_bc_json_check_members (object, path,
                                   (const char *const[]) { "unit", "lat", "lon", "heading",
                                                           "speed", "at", NULL },
                                   NULL, &error) ||
          !_bc_json_get_int64 (object, path, "unit", BC_JSON_REQUIRED, 1, G_MAXINT64, &fix.unit,
                               &error) ||
          !_bc_json_get_double (object, path, "lat", BC_JSON_REQUIRED, -90, 90, &fix.lat,
                                &error) ||
          !_bc_json_get_double (object, path, "lon", BC_JSON_REQUIRED, -180, 180, &fix.lon,
                                &error) ||
          !_bc_json_get_double (object, path, "heading", BC_JSON_MAX_EXCLUSIVE, 0, 360,
                                &fix.heading, &error) ||
          !_bc_json_get_double (object, path, "speed", BC_JSON_REQUIRED, 0, 100, &fix.speed,
                                &error) ||
          !_bc_json_get_time (object, path, "at", BC_JSON_REQUIRED, &fix.at, &error))
        {
          bs_request_reply_gerror (req, error);
          return;
        }

      /* A unit account reports its own unit only (checked once per unit in the batch). */
      if (req->principal->role == BC_ROLE_UNIT && fix.unit != checked_unit)
        {
          g_autoptr(BcUnit) unit = bs_repo_get_unit (self->repo, fix.unit, NULL);

          if (unit != NULL && !caller_acts_for_unit (self, req, unit))
            {
              g_autofree char *message = g_strdup_printf ("[%u].unit: user %s cannot report "
                                                          "for unit %s", i,
                                                          req->principal->username,
                                                          bc_unit_get_call_sign (unit));
              bs_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "forbidden", message);
              return;
            }
          checked_unit = fix.unit;
        }

      g_array_append_val (fixes, fix);
    }

  if (self->avl_fixes == NULL)
    {
      self->avl_fixes = g_array_new (FALSE, FALSE, sizeof (BsAvlFix));
      self->avl_group = g_ptr_array_new_with_free_func ((GDestroyNotify) avl_pending_free);
    }

  pending = g_new0 (AvlPending, 1);
  pending->msg = g_object_ref (req->msg);
  pending->first = self->avl_fixes->len;
  pending->n = fixes->len;
  g_array_append_vals (self->avl_fixes, fixes->data, fixes->len);
  g_ptr_array_add (self->avl_group, pending);
  soup_server_message_pause (req->msg);

  if (self->avl_fixes->len >= AVL_GROUP_MAX_FIXES)
    avl_flush (self);
  else if (self->avl_source == NULL)
    {
      /* Runs after the requests that are already readable in this iteration. */
      self->avl_source = g_timeout_source_new (0);
      g_source_set_priority (self->avl_source, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->avl_source, avl_flush_cb, self, NULL);
      g_source_set_static_name (self->avl_source, "[beacon] AVL group commit");
      g_source_attach (self->avl_source, self->context);
    }
}

/* ---- Handlers: cameras -------------------------------------------------------------------- */

static JsonNode *
camera_hit_to_json (BcCamera *camera,
                    double    distance_m)
{
  JsonNode *node = bc_camera_to_json (camera);

  if (distance_m >= 0)
    json_object_set_double_member (json_node_get_object (node), "distance_m", distance_m);
  return node;
}

static void
handle_cameras_in_bounds (BsServer  *self,
                          BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cameras = NULL;
  const char *bbox = bs_request_query_string (req, "bbox");
  BcGeoBounds bounds;
  gboolean truncated = FALSE;
  JsonArray *array;
  JsonNode *node;
  gint64 limit;

  if (bbox == NULL)
    {
      bs_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                              "bbox: is required (minlon,minlat,maxlon,maxlat)");
      return;
    }
  if (!bc_geo_bounds_parse (bbox, &bounds, &error) ||
      !bs_request_query_int64 (req, "limit", CAMERA_LIMIT_DEFAULT, 1, CAMERA_LIMIT_MAX, &limit,
                               &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  cameras = bs_repo_cameras_in_bounds (self->repo, &bounds, (guint) limit, &truncated);
  array = json_array_sized_new (cameras->len);
  for (guint i = 0; i < cameras->len; i++)
    json_array_add_element (array, camera_hit_to_json (g_ptr_array_index (cameras, i), -1));

  node = wrap_array ("cameras", array);
  json_object_set_boolean_member (json_node_get_object (node), "truncated", truncated);
  bs_request_reply_json_take (req, SOUP_STATUS_OK, node);
}

static void
handle_cameras_near (BsServer  *self,
                     BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) hits = NULL;
  JsonArray *array;
  double lat, lon, radius;

  if (!bs_request_query_double (req, "lat", TRUE, 0, -90, 90, &lat, &error) ||
      !bs_request_query_double (req, "lon", TRUE, 0, -180, 180, &lon, &error) ||
      !bs_request_query_double (req, "radius_m", FALSE, 500, 1, CAMERA_RADIUS_MAX_M, &radius,
                                &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  hits = bs_repo_cameras_near (self->repo, lat, lon, radius);
  array = json_array_sized_new (hits->len);
  for (guint i = 0; i < hits->len; i++)
    {
      BsCameraHit *hit = &g_array_index (hits, BsCameraHit, i);
      json_array_add_element (array, camera_hit_to_json (hit->camera, hit->distance_m));
    }
  bs_request_reply_json_take (req, SOUP_STATUS_OK, wrap_array ("cameras", array));
}

/* ---- Handlers: statistics (bs-stats.c, docs/stats.md) ------------------------------------ */

static void
handle_stats_summary (BsServer  *self,
                      BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  BsStatsQuery query;
  /* The repo's clock, not the wall clock: in a demo "today" is the scenario's day. */
  gint64 now = bs_repo_now (self->repo);

  if (!bs_stats_query_parse (req->query, now, &query, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }
  node = bs_stats_summary (self->store, &query, now, &error);
  bs_stats_query_clear (&query);
  if (node == NULL)
    bs_request_reply_gerror (req, error);
  else
    bs_request_reply_json (req, SOUP_STATUS_OK, node);
}

/* All /sim/ routes: the simulator's handler when one runs (--demo), else 501. */
static void
handle_sim_control (BsServer  *self,
                    BsRequest *req)
{
  if (self->sim_handler != NULL)
    {
      self->sim_handler (req, self->sim_data);
      return;
    }
  bs_request_reply_error (req, SOUP_STATUS_NOT_IMPLEMENTED, "not_implemented",
                          "this server runs no training scenario (see beacon-server --demo)");
}

void
bs_server_set_sim_handler (BsServer           *self,
                           BsServerSimHandler  handler,
                           gpointer            user_data,
                           GDestroyNotify      destroy)
{
  g_return_if_fail (BS_IS_SERVER (self));

  if (self->sim_destroy != NULL)
    self->sim_destroy (self->sim_data);
  self->sim_handler = handler;
  self->sim_data = user_data;
  self->sim_destroy = destroy;
}

/* ---- Handlers: audit and users ------------------------------------------------------------ */

static void
handle_audit (BsServer  *self,
              BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_audit_row_free);
  JsonArray *array;
  JsonNode *node;
  gint64 since, limit;

  if (!bs_request_query_int64 (req, "since", 0, 0, G_MAXINT64, &since, &error) ||
      !bs_request_query_int64 (req, "limit", AUDIT_LIMIT_DEFAULT, 1, AUDIT_LIMIT_MAX, &limit,
                               &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  if (!bc_audit_read (self->store, since, (guint) limit, rows, &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  array = json_array_sized_new (rows->len);
  for (guint i = 0; i < rows->len; i++)
    {
      BcAuditRow *row = g_ptr_array_index (rows, i);
      JsonObject *item = json_object_new ();
      g_autofree char *at = bc_time_format (row->at);

      json_object_set_int_member (item, "id", row->id);
      json_object_set_string_member (item, "at", at);
      _bc_json_set_string (item, "username", row->username);
      _bc_json_set_string (item, "role", row->role);
      _bc_json_set_string (item, "remote", row->remote);
      json_object_set_string_member (item, "action", row->action);
      _bc_json_set_string (item, "target", row->target);
      if (row->detail != NULL)
        {
          JsonNode *detail = json_from_string (row->detail, NULL);
          json_object_set_member (item, "detail",
                                  detail != NULL ? detail : json_node_new (JSON_NODE_NULL));
        }
      else
        json_object_set_null_member (item, "detail");
      json_array_add_object_element (array, item);
    }

  node = wrap_array ("entries", array);
  /* Pass as ?since= to read on; null when this page reached the end. */
  if (rows->len == (guint) limit)
    json_object_set_int_member (json_node_get_object (node), "next_since",
                                ((BcAuditRow *) g_ptr_array_index (rows, rows->len - 1))->id);
  else
    json_object_set_null_member (json_node_get_object (node), "next_since");
  /* Audit details may quote incident data. */
  reply_masked (req, SOUP_STATUS_OK, node);
}

static JsonNode *
user_to_json (const BsUser *user)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *created = bc_time_format (user->created_at);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, user->username);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, bc_role_to_string (user->role));
  json_builder_set_member_name (builder, "display_name");
  json_builder_add_string_value (builder, user->display_name);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_string_value (builder, created);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
handle_user_list (BsServer  *self,
                  BsRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = bs_auth_list_users (self->auth, &error);

  if (users == NULL)
    {
      bs_request_reply_gerror (req, error);
      return;
    }
  /* Not masked: user records hold no caller data. */
  bs_request_reply_json_take (req, SOUP_STATUS_OK,
                              list_to_json ("users", users, (ItemToJson) user_to_json));
}

static void
user_added (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  BsRequest *req = g_object_get_data (G_OBJECT (msg), "bs-request");
  g_autoptr(GError) error = NULL;
  g_autoptr(BsUser) user = bs_auth_add_user_finish (BS_AUTH (source), result, &error);

  if (message_is_finished (msg) || req == NULL)
    return;

  if (user == NULL)
    bs_request_reply_gerror (req, error);
  else
    bs_request_reply_json_take (req, SOUP_STATUS_CREATED, user_to_json (user));
  soup_server_message_unpause (msg);
}

static void
handle_user_add (BsServer  *self,
                 BsRequest *req)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  const char *username = NULL;
  const char *password = NULL;
  const char *display_name = NULL;
  int role;

  if (!get_object_body (req, &node, &object) ||
      !check_members (req, object,
                      (const char *const[]) { "username", "role", "display_name", "password",
                                              NULL }))
    return;

  if (!_bc_json_get_string (object, NULL, "username", BC_JSON_REQUIRED, 1, 32, &username,
                            &error) ||
      !_bc_json_get_enum (object, NULL, "role", BC_JSON_REQUIRED, BC_TYPE_ROLE, &role, &error) ||
      !_bc_json_get_string (object, NULL, "display_name", BC_JSON_NULLABLE, 0, 64,
                            &display_name, &error) ||
      !_bc_json_get_string (object, NULL, "password", BC_JSON_REQUIRED, 1, 1024, &password,
                            &error))
    {
      bs_request_reply_gerror (req, error);
      return;
    }

  soup_server_message_pause (req->msg);
  bs_auth_add_user_async (self->auth, username, (BcRole) role, display_name, password,
                          req->actor.username, req->actor.role, req->remote, NULL, user_added,
                          g_object_ref (req->msg));
}

/* ---- GObject ------------------------------------------------------------------------------ */

static gboolean
purge_sessions (gpointer user_data)
{
  BsServer *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bs_auth_purge_expired (self->auth, &error))
    g_warning ("Could not purge expired sessions: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static void
bs_server_dispose (GObject *object)
{
  BsServer *self = BS_SERVER (object);

  bs_server_set_sim_handler (self, NULL, NULL, NULL);

  if (self->purge_source != NULL)
    {
      g_source_destroy (self->purge_source);
      g_clear_pointer (&self->purge_source, g_source_unref);
    }
  if (self->shutdown_source != NULL)
    {
      g_source_destroy (self->shutdown_source);
      g_clear_pointer (&self->shutdown_source, g_source_unref);
    }
  /* Commit what was received before letting go of the repo. */
  if (self->avl_group != NULL && self->repo != NULL)
    avl_flush (self);
  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
  if (self->hub != NULL)
    {
      bs_event_hub_detach (self->hub);
      g_clear_object (&self->hub);
    }
  g_clear_object (&self->auth);
  g_clear_object (&self->repo);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (bs_server_parent_class)->dispose (object);
}

static void
bs_server_finalize (GObject *object)
{
  BsServer *self = BS_SERVER (object);

  g_clear_pointer (&self->config, bs_config_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (bs_server_parent_class)->finalize (object);
}

static void
bs_server_class_init (BsServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bs_server_dispose;
  object_class->finalize = bs_server_finalize;
}

static void
bs_server_init (BsServer *self)
{
}

BsServer *
bs_server_new (BsRepo          *repo,
               const BsConfig  *config,
               GError         **error)
{
  g_autoptr(BsServer) self = NULL;
  g_autofree char *server_header = NULL;

  g_return_val_if_fail (BS_IS_REPO (repo), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  if (sodium_init () < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "libsodium could not be initialised");
      return NULL;
    }

  self = g_object_new (BS_TYPE_SERVER, NULL);
  self->config = bs_config_copy (config);
  self->repo = g_object_ref (repo);
  self->store = g_object_ref (bs_repo_get_store (repo));
  self->context = g_main_context_ref_thread_default ();
  self->auth = bs_auth_new (self->store, config);
  self->hub = bs_event_hub_new (self->store, config, error);
  if (self->hub == NULL)
    return NULL;

  if (config->tls_cert != NULL && config->tls_key != NULL)
    {
      g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_files (config->tls_cert,
                                                                          config->tls_key,
                                                                          error);
      if (cert == NULL)
        return NULL;
      self->tls = TRUE;
      self->soup = soup_server_new ("tls-certificate", cert, NULL);
    }
  else
    {
      self->soup = soup_server_new (NULL, NULL);
    }

  server_header = g_strdup_printf ("beacon-server/%s ", bc_version_string ());
  g_object_set (self->soup, "server-header", server_header, NULL);

  g_signal_connect_object (self->soup, "request-started", G_CALLBACK (on_request_started), self,
                           0);
  soup_server_add_handler (self->soup, NULL, server_callback, self, NULL);
  soup_server_add_handler (self->soup, EVENTS_PATH, events_http_callback, self, NULL);
  soup_server_add_websocket_handler (self->soup, EVENTS_PATH, NULL, NULL, events_ws_callback,
                                     self, NULL);

  purge_sessions (self);
  self->purge_source = g_timeout_source_new_seconds (3600);
  g_source_set_callback (self->purge_source, purge_sessions, self, NULL);
  g_source_set_static_name (self->purge_source, "[beacon] purge sessions");
  g_source_attach (self->purge_source, self->context);

  return g_steal_pointer (&self);
}

gboolean
bs_server_listen (BsServer  *self,
                  GError   **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSList) uris = NULL;
  guint16 port;

  g_return_val_if_fail (BS_IS_SERVER (self), FALSE);

  if (!bs_config_parse_listen (self->config->listen, &host, &port, error))
    return FALSE;

  inet = g_inet_address_new_from_string (host);
  address = g_inet_socket_address_new (inet, port);
  if (!soup_server_listen (self->soup, address, self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;

  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    self->port = (guint16) g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  g_message ("Listening on %s://%s:%u", self->tls ? "https" : "http", host, self->port);
  return TRUE;
}

guint16
bs_server_get_port (BsServer *self)
{
  g_return_val_if_fail (BS_IS_SERVER (self), 0);
  return self->port;
}

char *
bs_server_get_base_uri (BsServer *self)
{
  g_autofree char *host = NULL;

  g_return_val_if_fail (BS_IS_SERVER (self), NULL);

  if (!bs_config_parse_listen (self->config->listen, &host, NULL, NULL))
    return NULL;
  if (strcmp (host, "0.0.0.0") == 0)
    {
      g_free (host);
      host = g_strdup ("127.0.0.1");
    }
  else if (strcmp (host, "::") == 0)
    {
      g_free (host);
      host = g_strdup ("::1");
    }

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("%s://[%s]:%u", self->tls ? "https" : "http", host, self->port);
  return g_strdup_printf ("%s://%s:%u", self->tls ? "https" : "http", host, self->port);
}

BsRepo *
bs_server_get_repo (BsServer *self)
{
  g_return_val_if_fail (BS_IS_SERVER (self), NULL);
  return self->repo;
}

BsAuth *
bs_server_get_auth (BsServer *self)
{
  g_return_val_if_fail (BS_IS_SERVER (self), NULL);
  return self->auth;
}

BsEventHub *
bs_server_get_event_hub (BsServer *self)
{
  g_return_val_if_fail (BS_IS_SERVER (self), NULL);
  return self->hub;
}

SoupServer *
bs_server_get_soup_server (BsServer *self)
{
  g_return_val_if_fail (BS_IS_SERVER (self), NULL);
  return self->soup;
}

gboolean
bs_server_is_shutting_down (BsServer *self)
{
  g_return_val_if_fail (BS_IS_SERVER (self), FALSE);
  return self->shutting_down;
}

guint
bs_server_get_n_in_flight (BsServer *self)
{
  g_return_val_if_fail (BS_IS_SERVER (self), 0);
  return self->n_in_flight;
}

/* ---- Shutdown ----------------------------------------------------------------------------- */

static gboolean
shutdown_step (gpointer user_data)
{
  BsServer *self = user_data;
  gint64 now = g_get_monotonic_time ();

  if (!self->shutdown_sockets_closed)
    {
      if (self->n_in_flight > 0 && now < self->shutdown_deadline)
        return G_SOURCE_CONTINUE;

      if (self->n_in_flight > 0)
        g_warning ("Shutting down with %u requests still in flight", self->n_in_flight);

      bs_event_hub_close_all (self->hub, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutting down");
      self->shutdown_sockets_closed = TRUE;
      self->shutdown_deadline = now + WS_CLOSE_TIMEOUT_US;
      return G_SOURCE_CONTINUE;
    }

  if (bs_event_hub_get_n_subscribers (self->hub) > 0 && now < self->shutdown_deadline)
    return G_SOURCE_CONTINUE;

  soup_server_disconnect (self->soup);
  bs_event_hub_detach (self->hub);

  g_clear_pointer (&self->shutdown_source, g_source_unref);
  g_task_return_boolean (self->shutdown_task, TRUE);
  g_clear_object (&self->shutdown_task);
  return G_SOURCE_REMOVE;
}

void
bs_server_shutdown_async (BsServer            *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (BS_IS_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bs_server_shutdown_async);

  if (self->shutdown_task != NULL || self->shutting_down)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "the server is already shutting down");
      return;
    }

  g_message ("Shutting down: %u requests in flight, %u event subscribers", self->n_in_flight,
             bs_event_hub_get_n_subscribers (self->hub));

  self->shutting_down = TRUE;
  self->shutdown_task = g_steal_pointer (&task);
  self->shutdown_deadline = g_get_monotonic_time () +
                            (gint64) self->config->drain_timeout_s * G_USEC_PER_SEC;
  self->shutdown_source = g_timeout_source_new (DRAIN_POLL_MS);
  g_source_set_callback (self->shutdown_source, shutdown_step, self, NULL);
  g_source_set_static_name (self->shutdown_source, "[beacon] shutdown");
  g_source_attach (self->shutdown_source, self->context);
}

gboolean
bs_server_shutdown_finish (BsServer      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (BS_IS_SERVER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
