/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-event-hub.h"

#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "bc-event-log.h"
#include "bc-time.h"
#include "bs-request.h"

typedef struct
{
  BsEventHub              *hub;        /* unowned: the hub outlives its subscribers */
  SoupWebsocketConnection *conn;
  GSocket                 *socket;     /* the TCP socket under conn, for corking; may be NULL */
  char                    *username;
  BcRole                   role;
  gboolean                 masked;

  gint64                   cursor;         /* last seq sent */
  gint64                   acked;          /* last seq the client acknowledged */
  gint64                   pending_since;  /* monotonic µs; 0 when nothing is unacknowledged */
  gint64                   last_heartbeat; /* monotonic µs */

  gboolean                 live;
  gboolean                 closing;
  gboolean                 waiting_ack;    /* replay paused until the window opens */
  GSource                 *replay_source;

  gulong                   message_id;
  gulong                   closed_id;
} Subscriber;

struct _BsEventHub
{
  GObject       parent_instance;

  BcStore      *store;
  BsConfig     *config;
  GMainContext *context;
  gulong        hook_id;
  GSource      *tick_source;

  GPtrArray    *subscribers;   /* Subscriber* */
  gint64        last_seq;      /* the last committed seq the hub has announced */
  gboolean      closed;
};

enum {
  PROP_0,
  PROP_N_SUBSCRIBERS,
  N_PROPS
};

enum {
  SUBSCRIBER_DROPPED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BsEventHub, bs_event_hub, G_TYPE_OBJECT)

static void replay_schedule (Subscriber *sub);

/* ---- Serialisation ------------------------------------------------------------------------ */

/* The wire form of one event; @mask hides personal data for roles that may not see it. Stored
 * data is already JSON text, so the unmasked form is assembled without parsing it. */
static char *
event_to_text (const BcEventRow *row,
               gboolean          mask)
{
  g_autofree char *at = bc_time_format (row->at);
  g_autoptr(JsonNode) type = json_node_new (JSON_NODE_VALUE);
  g_autofree char *type_text = NULL;

  json_node_set_string (type, row->type);
  type_text = json_to_string (type, FALSE);

  if (mask)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autoptr(JsonNode) data = NULL;
      g_autofree char *data_text = NULL;

      if (!json_parser_load_from_data (parser, row->data, -1, NULL))
        {
          /* The store checks json_valid(); should it ever fail, send no data at all rather
           * than unmasked data. */
          data_text = g_strdup ("null");
        }
      else
        {
          data = json_node_copy (json_parser_get_root (parser));
          bs_mask_personal_data (data);
          data_text = json_to_string (data, FALSE);
        }

      return g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"type\":%s,\"at\":\"%s\","
                              "\"data\":%s}",
                              row->seq, type_text, at, data_text);
    }

  return g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"type\":%s,\"at\":\"%s\",\"data\":%s}",
                          row->seq, type_text, at, row->data);
}

static gboolean
row_has_personal_data (const BcEventRow *row)
{
  return strstr (row->data, "\"caller\"") != NULL;
}

/* ---- Subscribers -------------------------------------------------------------------------- */

static gboolean
sub_is_open (Subscriber *sub)
{
  return !sub->closing &&
         soup_websocket_connection_get_state (sub->conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
sub_cancel_replay (Subscriber *sub)
{
  if (sub->replay_source != NULL)
    {
      g_source_destroy (sub->replay_source);
      g_clear_pointer (&sub->replay_source, g_source_unref);
    }
}

/* Holds back small writes on @sub's socket while a batch is sent: libsoup writes every frame
 * with its own send(), and loopback TCP handles each as a segment; corked, the kernel packs
 * them. Uncorking pushes everything out at once. */
static void
sub_cork (Subscriber *sub,
          gboolean    cork)
{
  if (sub->socket != NULL)
    g_socket_set_option (sub->socket, IPPROTO_TCP, TCP_CORK, cork ? 1 : 0, NULL);
}

static void
subscriber_free (Subscriber *sub)
{
  sub_cancel_replay (sub);
  g_clear_signal_handler (&sub->message_id, sub->conn);
  g_clear_signal_handler (&sub->closed_id, sub->conn);
  g_clear_object (&sub->conn);
  g_clear_object (&sub->socket);
  g_free (sub->username);
  g_free (sub);
}

static void
sub_close (Subscriber *sub,
           gushort     code,
           const char *reason)
{
  if (sub->closing)
    return;

  sub->closing = TRUE;
  sub_cancel_replay (sub);
  if (soup_websocket_connection_get_state (sub->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (sub->conn, code, reason);
}

static void
sub_drop (Subscriber *sub,
          gushort     code,
          const char *reason)
{
  g_autofree char *username = g_strdup (sub->username);

  if (sub->closing)
    return;

  g_message ("Closing the event stream of %s: %s", sub->username, reason);
  sub_close (sub, code, reason);
  g_signal_emit (sub->hub, signals[SUBSCRIBER_DROPPED], 0, username, (guint) code, reason);
}

static void
sub_drop_slow (Subscriber *sub)
{
  g_autofree char *reason = g_strdup_printf ("too slow: resync from seq %" G_GINT64_FORMAT,
                                             sub->acked);

  sub_drop (sub, BS_EVENTS_CLOSE_TOO_SLOW, reason);
}

static void
sub_send (Subscriber *sub,
          gint64      seq,
          const char *text)
{
  /* The peer may have started closing; libsoup refuses sends then. */
  if (soup_websocket_connection_get_state (sub->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  soup_websocket_connection_send_text (sub->conn, text);
  if (sub->pending_since == 0)
    sub->pending_since = g_get_monotonic_time ();
  sub->cursor = seq;
}

static void
sub_check_window (Subscriber *sub)
{
  if (!sub->closing && sub->cursor - sub->acked > (gint64) sub->hub->config->slow_max_pending)
    sub_drop_slow (sub);
}

static void
sub_send_resync (Subscriber *sub,
                 gint64      first_seq,
                 gint64      last_seq)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf ("{\"type\":\"resync_required\",\"since\":%" G_GINT64_FORMAT
                          ",\"first_seq\":%" G_GINT64_FORMAT ",\"seq\":%" G_GINT64_FORMAT
                          ",\"message\":\"the server no longer holds the events after this "
                          "seq; reload /api/v1/snapshot and follow from its seq\"}",
                          sub->cursor, first_seq, last_seq);
  if (soup_websocket_connection_get_state (sub->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (sub->conn, text);
  sub_drop (sub, BS_EVENTS_CLOSE_RESYNC_REQUIRED, "resync required");
}

static void
sub_resync_now (Subscriber *sub)
{
  g_autoptr(GError) error = NULL;
  gint64 first_seq = 0;

  if (!bc_event_log_first_seq (sub->hub->store, &first_seq, &error))
    g_warning ("Could not read the event log: %s", error->message);
  sub_send_resync (sub, first_seq, sub->hub->last_seq);
}

/* One page of replay. Replay ends when the subscriber has caught up with the hub's last
 * announced seq; from then on live events reach it directly. */
static gboolean
replay_step (gpointer user_data)
{
  Subscriber *sub = user_data;
  BsEventHub *hub = sub->hub;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_event_row_free);
  g_autoptr(GError) error = NULL;
  gint64 window = MAX ((gint64) hub->config->slow_max_pending / 2, 1);
  gint64 room;
  gint64 want;

  g_clear_pointer (&sub->replay_source, g_source_unref);

  if (!sub_is_open (sub))
    return G_SOURCE_REMOVE;

  if (sub->cursor >= hub->last_seq)
    {
      sub->live = TRUE;
      g_debug ("Event stream of %s is live at seq %" G_GINT64_FORMAT, sub->username, sub->cursor);
      return G_SOURCE_REMOVE;
    }

  room = window - (sub->cursor - sub->acked);
  if (room <= 0)
    {
      sub->waiting_ack = TRUE;
      return G_SOURCE_REMOVE;
    }

  want = MIN (MIN ((gint64) hub->config->replay_page, room), hub->last_seq - sub->cursor);
  if (!bc_event_log_read (hub->store, sub->cursor, (guint) want, rows, &error))
    {
      g_warning ("Could not replay events for %s: %s", sub->username, error->message);
      sub_drop (sub, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "could not read the event log");
      return G_SOURCE_REMOVE;
    }

  sub_cork (sub, TRUE);
  for (guint i = 0; i < rows->len; i++)
    {
      BcEventRow *row = g_ptr_array_index (rows, i);
      g_autofree char *text = NULL;

      if (row->seq != sub->cursor + 1)
        {
          /* Pruned while we were replaying. */
          sub_cork (sub, FALSE);
          sub_resync_now (sub);
          return G_SOURCE_REMOVE;
        }

      text = event_to_text (row, sub->masked && row_has_personal_data (row));
      sub_send (sub, row->seq, text);
    }
  sub_cork (sub, FALSE);

  if (rows->len == 0)
    {
      sub_resync_now (sub);
      return G_SOURCE_REMOVE;
    }

  replay_schedule (sub);
  return G_SOURCE_REMOVE;
}

static void
replay_schedule (Subscriber *sub)
{
  if (sub->replay_source != NULL || sub->closing)
    return;

  sub->waiting_ack = FALSE;
  /* A zero timeout at default priority interleaves replay pages fairly with requests, where
   * an idle source would starve under load. */
  sub->replay_source = g_timeout_source_new (0);
  g_source_set_priority (sub->replay_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (sub->replay_source, replay_step, sub, NULL);
  g_source_set_static_name (sub->replay_source, "[beacon] event replay");
  g_source_attach (sub->replay_source, sub->hub->context);
}

static void
on_message (SoupWebsocketConnection *conn,
            int                      type,
            GBytes                  *message,
            gpointer                 user_data)
{
  Subscriber *sub = user_data;
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonNode *ack_node;
  gint64 ack;
  gsize length;
  const char *data;

  if (type != SOUP_WEBSOCKET_DATA_TEXT || sub->closing)
    return;

  data = g_bytes_get_data (message, &length);
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("Ignoring a malformed message from %s", sub->username);
      return;
    }

  object = json_node_get_object (root);
  ack_node = json_object_get_member (object, "ack");
  if (ack_node == NULL || !JSON_NODE_HOLDS_VALUE (ack_node) ||
      json_node_get_value_type (ack_node) != G_TYPE_INT64)
    return;

  /* An ack beyond what was sent would be a client bug; it acknowledges what was sent. */
  ack = MIN (json_node_get_int (ack_node), sub->cursor);
  if (ack <= sub->acked)
    return;

  sub->acked = ack;
  sub->pending_since = sub->acked == sub->cursor ? 0 : g_get_monotonic_time ();

  if (sub->waiting_ack)
    replay_schedule (sub);
}

static void
on_closed (SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  Subscriber *sub = user_data;
  BsEventHub *hub = sub->hub;

  g_debug ("Event stream of %s closed (%u)", sub->username,
           soup_websocket_connection_get_close_code (conn));
  g_ptr_array_remove (hub->subscribers, sub);
  g_object_notify_by_pspec (G_OBJECT (hub), properties[PROP_N_SUBSCRIBERS]);
}

/* ---- Live events -------------------------------------------------------------------------- */

static gboolean
has_live (BsEventHub *self,
          gboolean   *out_masked)
{
  gboolean any = FALSE;

  *out_masked = FALSE;
  for (guint i = 0; i < self->subscribers->len; i++)
    {
      Subscriber *sub = g_ptr_array_index (self->subscribers, i);

      if (sub->live && !sub->closing)
        {
          any = TRUE;
          *out_masked |= sub->masked;
        }
    }
  return any;
}

/* Sends the events (after, upto] to every live subscriber. */
static void
broadcast_range (BsEventHub *self,
                 gint64      after,
                 gint64      upto)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) full = NULL;
  g_autoptr(GPtrArray) masked = NULL;
  g_autoptr(GError) error = NULL;
  gboolean any_masked;
  gboolean cork;

  if (upto <= after)
    return;

  if (!has_live (self, &any_masked))
    {
      self->last_seq = upto;
      return;
    }

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_event_row_free);
  if (!bc_event_log_read (self->store, after, (guint) MIN (upto - after, G_MAXUINT), rows,
                          &error))
    {
      /* Live subscribers cannot be served without a gap: make them resync. */
      g_warning ("Could not read committed events: %s", error->message);
      self->last_seq = upto;
      for (guint i = 0; i < self->subscribers->len; i++)
        {
          Subscriber *sub = g_ptr_array_index (self->subscribers, i);
          if (sub->live && !sub->closing)
            sub_resync_now (sub);
        }
      return;
    }

  /* Each event is serialised once, and once more masked if a subscriber needs that. */
  full = g_ptr_array_new_full (rows->len, g_free);
  masked = g_ptr_array_new_full (rows->len, g_free);
  for (guint r = 0; r < rows->len; r++)
    {
      BcEventRow *row = g_ptr_array_index (rows, r);

      g_ptr_array_add (full, event_to_text (row, FALSE));
      g_ptr_array_add (masked, any_masked && row_has_personal_data (row)
                                 ? event_to_text (row, TRUE) : NULL);
    }

  /* Subscriber by subscriber, so that each gets the whole batch in one corked burst. */
  cork = rows->len > 2;
  for (guint i = 0; i < self->subscribers->len; i++)
    {
      Subscriber *sub = g_ptr_array_index (self->subscribers, i);

      if (!sub->live || sub->closing)
        continue;

      if (cork)
        sub_cork (sub, TRUE);
      for (guint r = 0; r < rows->len; r++)
        {
          BcEventRow *row = g_ptr_array_index (rows, r);
          const char *text = g_ptr_array_index (full, r);

          if (row->seq <= sub->cursor)
            continue;
          if (sub->masked && g_ptr_array_index (masked, r) != NULL)
            text = g_ptr_array_index (masked, r);
          sub_send (sub, row->seq, text);
        }
      if (cork)
        sub_cork (sub, FALSE);
    }

  self->last_seq = upto;

  for (guint i = 0; i < self->subscribers->len; i++)
    sub_check_window (g_ptr_array_index (self->subscribers, i));
}

static void
on_commit (BcStore      *store,
           const gint64 *seqs,
           guint         n_seqs,
           gpointer      user_data)
{
  BsEventHub *self = user_data;

  if (n_seqs == 0)
    return;

  /* Reading from last_seq rather than seqs[0] also picks up events that another process (the
   * import command) appended since the previous commit. */
  broadcast_range (self, self->last_seq, seqs[n_seqs - 1]);
}

static gboolean
on_tick (gpointer user_data)
{
  BsEventHub *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 timeout = (gint64) self->config->slow_ack_timeout_s * G_USEC_PER_SEC;
  gint64 heartbeat = (gint64) self->config->heartbeat_s * G_USEC_PER_SEC;
  gint64 db_last = 0;

  if (self->store != NULL && bc_event_log_last_seq (self->store, &db_last, NULL) &&
      db_last > self->last_seq)
    broadcast_range (self, self->last_seq, db_last);

  for (guint i = 0; i < self->subscribers->len; i++)
    {
      Subscriber *sub = g_ptr_array_index (self->subscribers, i);

      if (!sub_is_open (sub))
        continue;

      if (sub->pending_since != 0 && now - sub->pending_since > timeout)
        {
          sub_drop_slow (sub);
          continue;
        }

      if (now - sub->last_heartbeat >= heartbeat)
        {
          g_autofree char *text = g_strdup_printf ("{\"type\":\"heartbeat\",\"seq\":%"
                                                   G_GINT64_FORMAT "}", sub->cursor);
          soup_websocket_connection_send_text (sub->conn, text);
          sub->last_heartbeat = now;
        }
    }

  return G_SOURCE_CONTINUE;
}

/* ---- GObject ------------------------------------------------------------------------------ */

static void
bs_event_hub_dispose (GObject *object)
{
  BsEventHub *self = BS_EVENT_HUB (object);

  bs_event_hub_detach (self);
  if (self->subscribers != NULL)
    {
      for (guint i = 0; i < self->subscribers->len; i++)
        sub_close (g_ptr_array_index (self->subscribers, i), SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                   "server shutting down");
      g_clear_pointer (&self->subscribers, g_ptr_array_unref);
    }

  G_OBJECT_CLASS (bs_event_hub_parent_class)->dispose (object);
}

static void
bs_event_hub_finalize (GObject *object)
{
  BsEventHub *self = BS_EVENT_HUB (object);

  g_clear_pointer (&self->config, bs_config_free);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (bs_event_hub_parent_class)->finalize (object);
}

static void
bs_event_hub_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  BsEventHub *self = BS_EVENT_HUB (object);

  switch (prop_id)
    {
    case PROP_N_SUBSCRIBERS:
      g_value_set_uint (value, bs_event_hub_get_n_subscribers (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_event_hub_class_init (BsEventHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bs_event_hub_dispose;
  object_class->finalize = bs_event_hub_finalize;
  object_class->get_property = bs_event_hub_get_property;

  properties[PROP_N_SUBSCRIBERS] =
    g_param_spec_uint ("n-subscribers", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted when the hub closes a subscriber itself (too slow, resync required). */
  signals[SUBSCRIBER_DROPPED] =
    g_signal_new ("subscriber-dropped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING);
}

static void
bs_event_hub_init (BsEventHub *self)
{
  self->subscribers = g_ptr_array_new_with_free_func ((GDestroyNotify) subscriber_free);
}

BsEventHub *
bs_event_hub_new (BcStore         *store,
                  const BsConfig  *config,
                  GError         **error)
{
  g_autoptr(BsEventHub) self = NULL;

  g_return_val_if_fail (BC_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (BS_TYPE_EVENT_HUB, NULL);
  self->store = g_object_ref (store);
  self->config = bs_config_copy (config);
  self->context = g_main_context_ref_thread_default ();

  if (!bc_event_log_last_seq (store, &self->last_seq, error))
    return NULL;

  self->hook_id = bc_store_add_commit_hook (store, on_commit, self, NULL);

  self->tick_source = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->tick_source, on_tick, self, NULL);
  g_source_set_static_name (self->tick_source, "[beacon] event hub tick");
  g_source_attach (self->tick_source, self->context);

  return g_steal_pointer (&self);
}

void
bs_event_hub_detach (BsEventHub *self)
{
  g_return_if_fail (BS_IS_EVENT_HUB (self));

  if (self->tick_source != NULL)
    {
      g_source_destroy (self->tick_source);
      g_clear_pointer (&self->tick_source, g_source_unref);
    }
  if (self->store != NULL)
    {
      if (self->hook_id != 0)
        bc_store_remove_commit_hook (self->store, self->hook_id);
      self->hook_id = 0;
      g_clear_object (&self->store);
    }
  for (guint i = 0; self->subscribers != NULL && i < self->subscribers->len; i++)
    sub_cancel_replay (g_ptr_array_index (self->subscribers, i));
}

void
bs_event_hub_add_subscriber (BsEventHub              *self,
                             SoupWebsocketConnection *conn,
                             GSocket                 *socket,
                             const char              *username,
                             BcRole                   role,
                             gint64                   since)
{
  g_autoptr(GError) error = NULL;
  Subscriber *sub;
  gint64 first_seq = 0;
  gint64 db_last = 0;

  g_return_if_fail (BS_IS_EVENT_HUB (self));
  g_return_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (conn));

  sub = g_new0 (Subscriber, 1);
  sub->hub = self;
  sub->conn = g_object_ref (conn);
  sub->socket = socket != NULL ? g_object_ref (socket) : NULL;
  sub->username = g_strdup (username);
  sub->role = role;
  sub->masked = !bs_role_sees_personal_data (role);
  sub->cursor = since;
  sub->acked = since;
  sub->last_heartbeat = g_get_monotonic_time ();
  sub->message_id = g_signal_connect (conn, "message", G_CALLBACK (on_message), sub);
  sub->closed_id = g_signal_connect (conn, "closed", G_CALLBACK (on_closed), sub);
  g_ptr_array_add (self->subscribers, sub);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SUBSCRIBERS]);

  if (self->closed || self->store == NULL)
    {
      sub_close (sub, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutting down");
      return;
    }

  /* Another process may have appended events (import); announce them first. */
  if (bc_event_log_last_seq (self->store, &db_last, NULL) && db_last > self->last_seq)
    broadcast_range (self, self->last_seq, db_last);

  if (!bc_event_log_first_seq (self->store, &first_seq, &error))
    {
      g_warning ("Could not read the event log: %s", error->message);
      sub_drop (sub, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "could not read the event log");
      return;
    }

  /* The client is ahead of the server (a restored database) or behind what is retained. */
  if (since > self->last_seq || (since < self->last_seq && since + 1 < first_seq))
    {
      sub_send_resync (sub, first_seq, self->last_seq);
      return;
    }

  g_debug ("%s follows events after seq %" G_GINT64_FORMAT, username, since);
  replay_schedule (sub);
}

guint
bs_event_hub_get_n_subscribers (BsEventHub *self)
{
  g_return_val_if_fail (BS_IS_EVENT_HUB (self), 0);

  return self->subscribers != NULL ? self->subscribers->len : 0;
}

gint64
bs_event_hub_get_last_seq (BsEventHub *self)
{
  g_return_val_if_fail (BS_IS_EVENT_HUB (self), 0);

  return self->last_seq;
}

void
bs_event_hub_close_all (BsEventHub *self,
                        gushort     code,
                        const char *reason)
{
  g_return_if_fail (BS_IS_EVENT_HUB (self));

  self->closed = TRUE;
  for (guint i = 0; i < self->subscribers->len; i++)
    sub_close (g_ptr_array_index (self->subscribers, i), code, reason);
}
