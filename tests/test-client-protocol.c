/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "bc-client.h"

/*
 * BcClient against a scripted SoupServer on 127.0.0.1 in the test's own main context. The
 * script decides exactly what goes over the wire — duplicates, gaps, heartbeats ahead of the
 * events, close codes, silence, error answers — which the real server only produces under
 * conditions a test cannot set up reliably. tests/test-client.c runs the same client against
 * the real beacon-server.
 */

/* ---- The fake server ------------------------------------------------------------------------ */

typedef struct _Fake Fake;

typedef void (*ConnectFunc) (Fake                    *fake,
                             SoupWebsocketConnection *conn,
                             gint64                   since,
                             guint                   nth);
typedef void (*HttpFunc)    (Fake                    *fake,
                             SoupServerMessage       *msg,
                             const char              *method,
                             const char              *path,
                             JsonNode                *body);

struct _Fake
{
  SoupServer  *server;
  char        *base_url;
  GArray      *snapshot_seqs;  /* gint64: the seq of the n-th snapshot served (last repeats) */
  guint        n_snapshots;
  GArray      *sinces;         /* gint64: `since` of each socket, in order */
  GPtrArray   *conns;
  GArray      *acks;           /* gint64 */
  ConnectFunc  on_connect;
  HttpFunc     on_http;
  guint        n_http;
  GPtrArray   *idempotency_keys;  /* of every request, NULL when absent */
  gpointer     data;
};

static void
fake_reply (SoupServerMessage *msg,
            guint              status,
            const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  if (json != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json,
                                      strlen (json));
}

static void
fake_snapshot_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  Fake *fake = user_data;
  guint index = MIN (fake->n_snapshots, fake->snapshot_seqs->len - 1);
  gint64 seq = g_array_index (fake->snapshot_seqs, gint64, index);
  g_autofree char *json = NULL;

  fake->n_snapshots++;
  json = g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"incidents\":[],\"units\":[],"
                          "\"server_time\":\"2026-11-24T08:00:00.000Z\"}", seq);
  fake_reply (msg, SOUP_STATUS_OK, json);
}

static void
fake_http_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Fake *fake = user_data;
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  const char *key;
  g_autoptr(JsonNode) body = NULL;

  fake->n_http++;
  key = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                      "Idempotency-Key");
  g_ptr_array_add (fake->idempotency_keys, g_strdup (key));

  if (request_body->length > 0)
    body = json_from_string (request_body->data, NULL);

  if (fake->on_http == NULL)
    {
      fake_reply (msg, SOUP_STATUS_NOT_FOUND,
                  "{\"error\":{\"code\":\"not_found\",\"message\":\"no such thing\"}}");
      return;
    }

  fake->on_http (fake, msg, soup_server_message_get_method (msg), path, body);
}

static void
fake_ws_message (SoupWebsocketConnection *conn,
                 int                      type,
                 GBytes                  *message,
                 gpointer                 user_data)
{
  Fake *fake = user_data;
  gsize size;
  const char *data = g_bytes_get_data (message, &size);
  g_autofree char *text = g_strndup (data, size);
  g_autoptr(JsonNode) node = json_from_string (text, NULL);
  gint64 ack;

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  ack = json_object_get_int_member (json_node_get_object (node), "ack");
  g_array_append_val (fake->acks, ack);
}

/* The fake forgets closed connections, so that nothing grows on its side either. */
static void
fake_ws_closed (SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  Fake *fake = user_data;

  g_signal_handlers_disconnect_by_data (conn, fake);
  g_ptr_array_remove (fake->conns, conn);
}

static void
fake_ws_cb (SoupServer              *server,
            SoupServerMessage       *msg,
            const char              *path,
            SoupWebsocketConnection *conn,
            gpointer                 user_data)
{
  Fake *fake = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autoptr(GHashTable) params = NULL;
  const char *since_text;
  gint64 since = -1;

  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  since_text = params != NULL ? g_hash_table_lookup (params, "since") : NULL;
  if (since_text != NULL)
    since = g_ascii_strtoll (since_text, NULL, 10);
  g_array_append_val (fake->sinces, since);

  g_ptr_array_add (fake->conns, g_object_ref (conn));
  g_signal_connect (conn, "message", G_CALLBACK (fake_ws_message), fake);
  g_signal_connect (conn, "closed", G_CALLBACK (fake_ws_closed), fake);

  if (fake->on_connect != NULL)
    fake->on_connect (fake, conn, since, fake->sinces->len - 1);
}

static Fake *
fake_new (void)
{
  Fake *fake = g_new0 (Fake, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  gint64 zero = 0;

  fake->server = soup_server_new (NULL, NULL);
  fake->snapshot_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_array_append_val (fake->snapshot_seqs, zero);
  fake->sinces = g_array_new (FALSE, FALSE, sizeof (gint64));
  fake->acks = g_array_new (FALSE, FALSE, sizeof (gint64));
  fake->conns = g_ptr_array_new_with_free_func (g_object_unref);
  fake->idempotency_keys = g_ptr_array_new_with_free_func (g_free);

  soup_server_add_handler (fake->server, "/api/v1/snapshot", fake_snapshot_cb, fake, NULL);
  soup_server_add_websocket_handler (fake->server, "/api/v1/events", NULL, NULL, fake_ws_cb,
                                     fake, NULL);
  soup_server_add_handler (fake->server, "/api/v1", fake_http_cb, fake, NULL);

  g_assert_true (soup_server_listen_local (fake->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake->server);
  g_assert_nonnull (uris);
  fake->base_url = g_uri_to_string_partial (uris->data, G_URI_HIDE_PASSWORD);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  return fake;
}

static void
fake_free (Fake *fake)
{
  for (guint i = 0; i < fake->conns->len; i++)
    {
      SoupWebsocketConnection *conn = g_ptr_array_index (fake->conns, i);

      g_signal_handlers_disconnect_by_data (conn, fake);
    }
  soup_server_disconnect (fake->server);
  g_object_unref (fake->server);
  g_ptr_array_unref (fake->conns);
  g_ptr_array_unref (fake->idempotency_keys);
  g_array_unref (fake->snapshot_seqs);
  g_array_unref (fake->sinces);
  g_array_unref (fake->acks);
  g_free (fake->base_url);
  g_free (fake);
}

static void
fake_set_snapshot_seqs (Fake   *fake,
                        guint   n,
                        ...)
{
  va_list args;

  g_array_set_size (fake->snapshot_seqs, 0);
  va_start (args, n);
  for (guint i = 0; i < n; i++)
    {
      gint64 seq = va_arg (args, gint64);

      g_array_append_val (fake->snapshot_seqs, seq);
    }
  va_end (args);
}

static void
send_event (SoupWebsocketConnection *conn,
            gint64                   seq)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf ("{\"seq\":%" G_GINT64_FORMAT ",\"type\":\"unit.moved\","
                          "\"at\":\"2026-11-24T08:00:00.000Z\",\"data\":{\"unit\":1}}", seq);
  soup_websocket_connection_send_text (conn, text);
}

static void
send_heartbeat (SoupWebsocketConnection *conn,
                gint64                   seq)
{
  g_autofree char *text = g_strdup_printf ("{\"type\":\"heartbeat\",\"seq\":%" G_GINT64_FORMAT "}",
                                           seq);

  soup_websocket_connection_send_text (conn, text);
}

/* ---- The client side ------------------------------------------------------------------------ */

typedef struct
{
  Fake      *fake;
  BcClient  *client;
  GArray    *events;     /* gint64 seqs in the order ::event delivered them */
  GArray    *snapshots;  /* gint64 seqs of ::snapshot-loaded */
  GArray    *states;     /* BcConnectionState, every change */
  GArray    *delays;     /* gint64 ms: reconnect-at minus now, at each planned attempt */
  char      *dir;
} Fixture;

static void
on_event (BcClient *client,
          BcEvent  *event,
          gpointer  user_data)
{
  Fixture *fixture = user_data;

  g_assert_cmpstr (event->type, ==, "unit.moved");
  g_array_append_val (fixture->events, event->seq);
}

static void
on_snapshot_loaded (BcClient   *client,
                    BcSnapshot *snapshot,
                    gpointer    user_data)
{
  Fixture *fixture = user_data;
  gint64 seq = bc_snapshot_get_seq (snapshot);

  g_assert_cmpint (bc_client_get_last_seq (client), ==, seq);
  g_array_append_val (fixture->snapshots, seq);
}

static void
on_state (BcClient   *client,
          GParamSpec *pspec,
          gpointer    user_data)
{
  Fixture *fixture = user_data;
  BcConnectionState state = bc_client_get_connection_state (client);

  g_array_append_val (fixture->states, state);
  if (state == BC_CONNECTION_STATE_RECONNECTING)
    g_assert_cmpint (bc_client_get_offline_since (client), >, 0);
  if (state == BC_CONNECTION_STATE_CONNECTED)
    {
      g_assert_cmpint (bc_client_get_offline_since (client), ==, 0);
      g_assert_cmpint (bc_client_get_reconnect_at (client), ==, 0);
    }
}

static void
on_reconnect_at (BcClient   *client,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  Fixture *fixture = user_data;
  gint64 at = bc_client_get_reconnect_at (client);
  gint64 delay_ms;

  if (at == 0)
    return;
  delay_ms = (at - g_get_monotonic_time ()) / 1000;
  g_array_append_val (fixture->delays, delay_ms);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->fake = fake_new ();
  fixture->client = bc_client_new (fixture->fake->base_url, NULL);
  bc_client_set_token (fixture->client, "dispatcher1", "test-token");
  fixture->events = g_array_new (FALSE, FALSE, sizeof (gint64));
  fixture->snapshots = g_array_new (FALSE, FALSE, sizeof (gint64));
  fixture->states = g_array_new (FALSE, FALSE, sizeof (BcConnectionState));
  fixture->delays = g_array_new (FALSE, FALSE, sizeof (gint64));
  fixture->dir = g_dir_make_tmp ("beacon-client-XXXXXX", &error);
  g_assert_no_error (error);

  g_signal_connect (fixture->client, "event", G_CALLBACK (on_event), fixture);
  g_signal_connect (fixture->client, "snapshot-loaded", G_CALLBACK (on_snapshot_loaded), fixture);
  g_signal_connect (fixture->client, "notify::connection-state", G_CALLBACK (on_state), fixture);
  g_signal_connect (fixture->client, "notify::reconnect-at", G_CALLBACK (on_reconnect_at),
                    fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  bc_client_unfollow (fixture->client);
  g_clear_object (&fixture->client);
  /* Let closing sockets finish before the server goes. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  fake_free (fixture->fake);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (fixture->dir, name, NULL);
      g_unlink (file);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);

  g_array_unref (fixture->events);
  g_array_unref (fixture->snapshots);
  g_array_unref (fixture->states);
  g_array_unref (fixture->delays);
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *fixture, gpointer data);

/* Runs the main loop until @condition holds; fails the test after @seconds. */
static void
wait_until_s (Fixture   *fixture,
              Condition  condition,
              gpointer   data,
              guint      seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, timeout_cb, &timed_out);

  while (!condition (fixture, data))
    {
      g_main_context_iteration (NULL, TRUE);
      if (timed_out)
        g_error ("Timed out waiting for a condition");
    }
  g_source_remove (id);
}

static void
wait_until (Fixture   *fixture,
            Condition  condition,
            gpointer   data)
{
  wait_until_s (fixture, condition, data, 10);
}

static void
run_for_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
last_seq_is (Fixture  *fixture,
             gpointer  data)
{
  return bc_client_get_last_seq (fixture->client) == GPOINTER_TO_INT (data);
}

static gboolean
n_connects_at_least (Fixture  *fixture,
                     gpointer  data)
{
  return fixture->fake->sinces->len >= GPOINTER_TO_UINT (data);
}

static void
assert_seqs (GArray *array,
             guint   n,
             ...)
{
  va_list args;

  g_assert_cmpuint (array->len, ==, n);
  va_start (args, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_array_index (array, gint64, i), ==, va_arg (args, gint64));
  va_end (args);
}

/* ---- Follow tests ----------------------------------------------------------------------------- */

static void
script_duplicates (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  send_event (conn, 1);
  send_event (conn, 2);
  send_event (conn, 2);
  send_event (conn, 1);
  send_event (conn, 3);
}

static void
test_follow_dedupe (Fixture       *fixture,
                    gconstpointer  data)
{
  fixture->fake->on_connect = script_duplicates;
  bc_client_follow (fixture->client);
  g_assert_cmpint (bc_client_get_connection_state (fixture->client), ==,
                   BC_CONNECTION_STATE_CONNECTING);

  wait_until (fixture, last_seq_is, GINT_TO_POINTER (3));
  run_for_ms (50);

  assert_seqs (fixture->events, 3, (gint64) 1, (gint64) 2, (gint64) 3);
  assert_seqs (fixture->snapshots, 1, (gint64) 0);
  assert_seqs (fixture->fake->sinces, 1, (gint64) 0);
  g_assert_cmpint (bc_client_get_connection_state (fixture->client), ==,
                   BC_CONNECTION_STATE_CONNECTED);
}

static void
script_gap (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  if (nth == 0)
    {
      send_event (conn, 1);
      send_event (conn, 2);
      send_event (conn, 5);  /* 3 and 4 are lost */
      send_event (conn, 6);
    }
  else
    send_event (conn, 11);
}

static void
test_follow_gap (Fixture       *fixture,
                 gconstpointer  data)
{
  fixture->fake->on_connect = script_gap;
  fake_set_snapshot_seqs (fixture->fake, 2, (gint64) 0, (gint64) 10);
  bc_client_follow (fixture->client);

  wait_until (fixture, last_seq_is, GINT_TO_POINTER (11));

  /* 5 and 6 never reach the application: the snapshot at 10 replaces what they would have
   * changed, and the socket resumes after it. */
  assert_seqs (fixture->events, 3, (gint64) 1, (gint64) 2, (gint64) 11);
  assert_seqs (fixture->snapshots, 2, (gint64) 0, (gint64) 10);
  assert_seqs (fixture->fake->sinces, 2, (gint64) 0, (gint64) 10);
}

static void
script_heartbeat_ahead (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  if (nth == 0)
    {
      send_event (conn, 1);
      send_heartbeat (conn, 3);
    }
  else
    send_event (conn, 4);
}

static void
test_follow_heartbeat_ahead (Fixture       *fixture,
                             gconstpointer  data)
{
  fixture->fake->on_connect = script_heartbeat_ahead;
  fake_set_snapshot_seqs (fixture->fake, 2, (gint64) 0, (gint64) 3);
  bc_client_follow (fixture->client);

  wait_until (fixture, last_seq_is, GINT_TO_POINTER (4));

  assert_seqs (fixture->events, 2, (gint64) 1, (gint64) 4);
  assert_seqs (fixture->snapshots, 2, (gint64) 0, (gint64) 3);
  assert_seqs (fixture->fake->sinces, 2, (gint64) 0, (gint64) 3);
}

static void
script_heartbeat_in_step (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  send_event (conn, 1);
  send_heartbeat (conn, 1);
  send_event (conn, 2);
  send_heartbeat (conn, 2);
}

static void
test_follow_heartbeat_in_step (Fixture       *fixture,
                               gconstpointer  data)
{
  fixture->fake->on_connect = script_heartbeat_in_step;
  bc_client_follow (fixture->client);

  wait_until (fixture, last_seq_is, GINT_TO_POINTER (2));
  run_for_ms (100);

  assert_seqs (fixture->events, 2, (gint64) 1, (gint64) 2);
  g_assert_cmpuint (fixture->snapshots->len, ==, 1);
  g_assert_cmpuint (fixture->fake->sinces->len, ==, 1);
}

static void
script_resync_required (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  if (nth == 0)
    {
      soup_websocket_connection_send_text (conn, "{\"type\":\"resync_required\",\"since\":0,"
                                                 "\"first_seq\":5,\"seq\":7}");
      soup_websocket_connection_close (conn, 4001, "resync required");
    }
  else
    send_event (conn, 8);
}

static void
test_follow_resync_required (Fixture       *fixture,
                             gconstpointer  data)
{
  fixture->fake->on_connect = script_resync_required;
  fake_set_snapshot_seqs (fixture->fake, 2, (gint64) 0, (gint64) 7);
  bc_client_follow (fixture->client);

  wait_until (fixture, last_seq_is, GINT_TO_POINTER (8));

  assert_seqs (fixture->events, 1, (gint64) 8);
  assert_seqs (fixture->snapshots, 2, (gint64) 0, (gint64) 7);
  assert_seqs (fixture->fake->sinces, 2, (gint64) 0, (gint64) 7);
}

static void
script_too_slow (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  if (nth == 0)
    {
      send_event (conn, 1);
      send_event (conn, 2);
      soup_websocket_connection_close (conn, 4000, "too slow: resync from seq 2");
    }
  else
    send_event (conn, since + 1);
}

static void
test_follow_too_slow (Fixture       *fixture,
                      gconstpointer  data)
{
  fixture->fake->on_connect = script_too_slow;
  fake_set_snapshot_seqs (fixture->fake, 2, (gint64) 0, (gint64) 40);
  bc_client_follow (fixture->client);

  wait_until (fixture, last_seq_is, GINT_TO_POINTER (41));

  assert_seqs (fixture->events, 3, (gint64) 1, (gint64) 2, (gint64) 41);
  assert_seqs (fixture->snapshots, 2, (gint64) 0, (gint64) 40);
  assert_seqs (fixture->fake->sinces, 2, (gint64) 0, (gint64) 40);
}

static void
script_going_away (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  if (nth == 0)
    {
      send_event (conn, 1);
      send_event (conn, 2);
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                       "server shutting down");
    }
  else
    {
      /* A replay that overlaps what the client has is harmless. */
      send_event (conn, 2);
      send_event (conn, 3);
    }
}

static void
test_follow_going_away_resumes (Fixture       *fixture,
                                gconstpointer  data)
{
  BcConnectionState expected[] = {
    BC_CONNECTION_STATE_CONNECTING,
    BC_CONNECTION_STATE_CONNECTED,
    BC_CONNECTION_STATE_RECONNECTING,
    BC_CONNECTION_STATE_CONNECTED,
  };

  fixture->fake->on_connect = script_going_away;
  bc_client_set_reconnect_delays (fixture->client, 50, 1000);
  bc_client_follow (fixture->client);

  wait_until (fixture, last_seq_is, GINT_TO_POINTER (3));

  assert_seqs (fixture->events, 3, (gint64) 1, (gint64) 2, (gint64) 3);
  /* No snapshot reload: the server still has everything after 2. */
  assert_seqs (fixture->snapshots, 1, (gint64) 0);
  assert_seqs (fixture->fake->sinces, 2, (gint64) 0, (gint64) 2);
  g_assert_cmpuint (fixture->states->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (g_array_index (fixture->states, BcConnectionState, i), ==, expected[i]);
  /* One planned attempt, 50 ms ± 20 %. */
  g_assert_cmpuint (fixture->delays->len, ==, 1);
  g_assert_cmpint (g_array_index (fixture->delays, gint64, 0), <=, 60);
  g_assert_cmpint (g_array_index (fixture->delays, gint64, 0), >=, 35);
}

static void
script_burst (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  for (gint64 seq = 1; seq <= 1200; seq++)
    send_event (conn, seq);
}

static gboolean
acked (Fixture  *fixture,
       gpointer  data)
{
  GArray *acks = fixture->fake->acks;

  return acks->len > 0 && g_array_index (acks, gint64, acks->len - 1) == GPOINTER_TO_INT (data);
}

static void
test_follow_acks (Fixture       *fixture,
                  gconstpointer  data)
{
  GArray *acks = fixture->fake->acks;
  gint64 start;
  gint64 elapsed_ms;

  fixture->fake->on_connect = script_burst;
  bc_client_follow (fixture->client);

  wait_until (fixture, last_seq_is, GINT_TO_POINTER (1200));
  start = g_get_monotonic_time ();
  wait_until (fixture, acked, GINT_TO_POINTER (1200));
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;

  g_assert_cmpuint (fixture->events->len, ==, 1200);
  /* Every 500 events at the latest, and the rest within a second. */
  g_assert_cmpuint (acks->len, >=, 3);
  g_assert_cmpint (g_array_index (acks, gint64, 0), <=, 500);
  for (guint i = 1; i < acks->len; i++)
    {
      g_assert_cmpint (g_array_index (acks, gint64, i), >, g_array_index (acks, gint64, i - 1));
      g_assert_cmpint (g_array_index (acks, gint64, i) - g_array_index (acks, gint64, i - 1),
                       <=, 500);
    }
  g_assert_cmpint (elapsed_ms, <=, 1500);
}

static void
script_silent (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
}

static void
test_follow_silence (Fixture       *fixture,
                     gconstpointer  data)
{
  fixture->fake->on_connect = script_silent;
  bc_client_set_silence_timeout (fixture->client, 200);
  bc_client_set_reconnect_delays (fixture->client, 10, 100);
  bc_client_follow (fixture->client);

  /* A server that stops talking (no events, no heartbeats) is treated as gone. */
  wait_until (fixture, n_connects_at_least, GUINT_TO_POINTER (2));
  g_assert_cmpuint (fixture->snapshots->len, ==, 1);
}

static void
script_drop (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
}

static void
test_follow_backoff (Fixture       *fixture,
                     gconstpointer  data)
{
  const gint64 expected[] = { 40, 80, 160, 320, 320, 320 };

  fixture->fake->on_connect = script_drop;
  bc_client_set_reconnect_delays (fixture->client, 40, 320);
  bc_client_follow (fixture->client);

  /* The socket opens and is closed at once, with nothing sent: no progress, so the delays
   * double up to the cap, each with ±20 % jitter. */
  wait_until (fixture, n_connects_at_least, GUINT_TO_POINTER (G_N_ELEMENTS (expected) + 1));

  g_assert_cmpuint (fixture->delays->len, >=, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      gint64 delay = g_array_index (fixture->delays, gint64, i);

      g_test_message ("attempt %u: %" G_GINT64_FORMAT " ms", i, delay);
      g_assert_cmpint (delay, >=, expected[i] * 8 / 10 - 2);
      g_assert_cmpint (delay, <=, MIN (expected[i] * 12 / 10, 320));
    }
  g_assert_cmpint (bc_client_get_connection_state (fixture->client), ==,
                   BC_CONNECTION_STATE_RECONNECTING);
}

static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static gint64
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtoll (line + 6, NULL, 10) : 0;
}

static void
script_event_then_drop (Fake *fake, SoupWebsocketConnection *conn, gint64 since, guint nth)
{
  send_event (conn, since + 1);
  soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
}

/* The fake for this test runs in a child process (this program with --fake-server-drop), so
 * that the RSS measured here is the client's alone: libsoup 3.2's server side loses a GSocket
 * for each WebSocket connection it accepts and later frees (about 340 bytes, seen with
 * valgrind), which would otherwise be counted against the client. */
static gboolean
quit_on_input (GIOChannel   *channel,
               GIOCondition  condition,
               gpointer      user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static int
run_fake_server_child (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GIOChannel) input = NULL;
  Fake *fake = fake_new ();

  fake->on_connect = script_event_then_drop;
  g_print ("%s\n", fake->base_url);
  fflush (stdout);

  /* Serve until the parent closes our stdin. */
  input = g_io_channel_unix_new (0);
  g_io_add_watch (input, G_IO_IN | G_IO_HUP | G_IO_ERR, quit_on_input, loop);
  g_main_loop_run (loop);
  fake_free (fake);
  return 0;
}

static const char *test_program;

static gboolean
last_seq_at_least (Fixture  *fixture,
                   gpointer  data)
{
  return bc_client_get_last_seq (fixture->client) >= GPOINTER_TO_INT (data);
}

static void
test_follow_many_reconnects (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *env = g_getenv ("BEACON_TEST_RECONNECT_CYCLES");
  const char *preload = g_getenv ("LD_PRELOAD");
  /* Under valgrind (meson test --setup valgrind) a cycle costs ~50x more; fewer suffice to
   * show a leak there, since valgrind reports every lost block. */
  gboolean valgrind = preload != NULL && strstr (preload, "vgpreload") != NULL;
  const guint cycles = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10)
                                   : valgrind ? 300 : 10000;
  const guint warm_up = valgrind ? 50 : 500;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) child_out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint fds_before, fds_after;
  gint64 rss_before, rss_after;
  gint64 start;
  double elapsed_s;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                            &error, test_program, "--fake-server-drop", NULL);
  g_assert_no_error (error);
  child_out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  url = g_data_input_stream_read_line_utf8 (child_out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (url);

  g_signal_handlers_disconnect_by_data (fixture->client, fixture);
  g_clear_object (&fixture->client);
  fixture->client = bc_client_new (url, NULL);
  bc_client_set_token (fixture->client, "dispatcher1", "test-token");
  g_signal_connect (fixture->client, "event", G_CALLBACK (on_event), fixture);
  g_signal_connect (fixture->client, "snapshot-loaded", G_CALLBACK (on_snapshot_loaded), fixture);
  bc_client_set_reconnect_delays (fixture->client, 0, 0);
  bc_client_follow (fixture->client);

  /* Each connection delivers one event and is closed by the server: one cycle per seq. Warm
   * up (first connections, caches, arrays) before measuring. */
  g_array_set_size (fixture->events, 0);
  wait_until_s (fixture, last_seq_at_least, GINT_TO_POINTER (warm_up), 120);
  run_for_ms (20);
  fds_before = count_fds ();
  rss_before = rss_kib ();
  start = g_get_monotonic_time ();

  wait_until_s (fixture, last_seq_at_least, GINT_TO_POINTER (warm_up + cycles), 600);
  elapsed_s = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  bc_client_unfollow (fixture->client);
  run_for_ms (100);
  fds_after = count_fds ();
  rss_after = rss_kib ();

  g_output_stream_close (g_subprocess_get_stdin_pipe (child), NULL, NULL);
  g_subprocess_wait_check (child, NULL, &error);
  g_assert_no_error (error);

  g_test_message ("%u reconnect cycles in %.2f s (%.0f us each); fds %u -> %u; "
                  "RSS %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT " KiB", cycles, elapsed_s,
                  elapsed_s * 1e6 / cycles, fds_before, fds_after, rss_before, rss_after);
  /* Each cycle delivered its one event exactly once, in order. */
  g_assert_cmpuint (fixture->events->len, >=, warm_up + cycles);
  for (guint i = 0; i < fixture->events->len; i++)
    g_assert_cmpint (g_array_index (fixture->events, gint64, i), ==, i + 1);
  /* Nothing accumulates: no sockets, no memory (the events array here grows by 8 bytes a
   * cycle; a leak of 200 bytes a cycle would show as 2 MB), and only one snapshot was ever
   * needed. */
  g_assert_cmpuint (fds_after, <=, fds_before + 2);
#ifndef __SANITIZE_ADDRESS__
  /* (AddressSanitizer holds freed memory in quarantine, and valgrind reports lost blocks
   * itself.) */
  if (!valgrind)
    g_assert_cmpint (rss_after - rss_before, <, 2048);
#endif
  g_assert_cmpuint (fixture->snapshots->len, ==, 1);
  g_assert_cmpint (bc_client_get_connection_state (fixture->client), ==,
                   BC_CONNECTION_STATE_OFFLINE);
}

/* ---- HTTP tests ------------------------------------------------------------------------------- */

static const char order_json[] =
  "{\"id\":5,\"incident\":12,\"instructions\":\"立即前往现场处置\",\"issued_by\":\"dispatcher1\","
  "\"issued_at\":\"2026-11-24T08:00:00.000Z\",\"idempotency_key\":\"k\","
  "\"units\":[{\"unit\":3,\"state\":\"sent\",\"at\":\"2026-11-24T08:00:00.000Z\"}]}";

typedef struct
{
  guint       status;
  const char *body;
} Answer;

static void
http_answer (Fake              *fake,
             SoupServerMessage *msg,
             const char        *method,
             const char        *path,
             JsonNode          *body)
{
  const Answer *answer = fake->data;

  fake_reply (msg, answer->status, answer->body);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
result_ready (Fixture  *fixture,
              gpointer  data)
{
  return *(GAsyncResult **) data != NULL;
}

static BcOrder *
dispatch_sync (Fixture     *fixture,
               const char  *key,
               GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  const gint64 units[] = { 3 };

  bc_client_dispatch_async (fixture->client, 12, units, 1, "立即前往现场处置", key, NULL,
                            store_result, &result);
  wait_until (fixture, result_ready, &result);
  return bc_client_dispatch_finish (fixture->client, result, error);
}

static void
test_errors_carry_api_code (Fixture       *fixture,
                            gconstpointer  data)
{
  Answer answer = {
    409, "{\"error\":{\"code\":\"unit_unavailable\","
         "\"message\":\"东宝巡01 is en_route to JQ202611240003\"}}"
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) copy = NULL;
  g_autoptr(BcOrder) order = NULL;

  fixture->fake->on_http = http_answer;
  fixture->fake->data = &answer;

  order = dispatch_sync (fixture, NULL, &error);
  g_assert_null (order);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_CONFLICT);
  g_assert_cmpstr (error->message, ==, "东宝巡01 is en_route to JQ202611240003");
  g_assert_cmpstr (bc_client_error_get_code (error), ==, "unit_unavailable");
  g_assert_cmpuint (bc_client_error_get_status (error), ==, 409);

  /* The code survives g_error_copy (GTask and UI code copy errors). */
  copy = g_error_copy (error);
  g_assert_cmpstr (bc_client_error_get_code (copy), ==, "unit_unavailable");
  g_assert_cmpuint (bc_client_error_get_status (copy), ==, 409);

  /* A key was made up for the command and sent. */
  g_assert_cmpuint (fixture->fake->idempotency_keys->len, ==, 1);
  g_assert_true (g_uuid_string_is_valid (g_ptr_array_index (fixture->fake->idempotency_keys, 0)));
}

static void
test_errors_status_mapping (Fixture       *fixture,
                            gconstpointer  data)
{
  const struct
  {
    guint          status;
    const char    *body;
    BcClientError  code;
    const char    *api_code;
  } cases[] = {
    { 400, "{\"error\":{\"code\":\"malformed_json\",\"message\":\"m\"}}", BC_CLIENT_ERROR_INVALID, "malformed_json" },
    { 401, "{\"error\":{\"code\":\"token_expired\",\"message\":\"m\"}}", BC_CLIENT_ERROR_UNAUTHORIZED, "token_expired" },
    { 403, "{\"error\":{\"code\":\"forbidden\",\"message\":\"m\"}}", BC_CLIENT_ERROR_FORBIDDEN, "forbidden" },
    { 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"m\"}}", BC_CLIENT_ERROR_NOT_FOUND, "not_found" },
    { 409, "{\"error\":{\"code\":\"stale_version\",\"message\":\"m\"}}", BC_CLIENT_ERROR_CONFLICT, "stale_version" },
    { 413, "{\"error\":{\"code\":\"body_too_large\",\"message\":\"m\"}}", BC_CLIENT_ERROR_INVALID, "body_too_large" },
    { 422, "{\"error\":{\"code\":\"invalid_transition\",\"message\":\"m\"}}", BC_CLIENT_ERROR_INVALID, "invalid_transition" },
    { 429, "{\"error\":{\"code\":\"too_many_attempts\",\"message\":\"m\"}}", BC_CLIENT_ERROR_TOO_MANY_ATTEMPTS, "too_many_attempts" },
    { 500, "<html>oops</html>", BC_CLIENT_ERROR_SERVER, NULL },
    { 503, "{\"error\":{\"code\":\"shutting_down\",\"message\":\"m\"}}", BC_CLIENT_ERROR_NETWORK, "shutting_down" },
    { 200, "not json", BC_CLIENT_ERROR_SERVER, NULL },
    { 200, "{\"id\":\"not an order\"}", BC_CLIENT_ERROR_SERVER, NULL },
  };

  fixture->fake->on_http = http_answer;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Answer answer = { cases[i].status, cases[i].body };
      g_autoptr(GError) error = NULL;
      g_autoptr(BcOrder) order = NULL;

      fixture->fake->data = &answer;
      order = dispatch_sync (fixture, NULL, &error);
      g_assert_null (order);
      g_assert_error (error, BC_CLIENT_ERROR, cases[i].code);
      g_assert_cmpstr (bc_client_error_get_code (error), ==, cases[i].api_code);
    }
}

static void
test_errors_unreachable (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autofree char *url = g_strdup (fixture->fake->base_url);

  /* Nobody listens there any more. */
  soup_server_disconnect (fixture->fake->server);
  g_clear_object (&fixture->client);
  fixture->client = bc_client_new (url, NULL);

  order = dispatch_sync (fixture, NULL, &error);
  g_assert_null (order);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_NETWORK);
  g_assert_null (bc_client_error_get_code (error));
  g_assert_cmpuint (bc_client_error_get_status (error), ==, 0);
}

static void
test_errors_cancelled (Fixture       *fixture,
                       gconstpointer  data)
{
  Answer answer = { 201, order_json };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = NULL;
  const gint64 units[] = { 3 };

  fixture->fake->on_http = http_answer;
  fixture->fake->data = &answer;

  bc_client_dispatch_async (fixture->client, 12, units, 1, "x", NULL, cancellable, store_result,
                            &result);
  g_cancellable_cancel (cancellable);
  wait_until (fixture, result_ready, &result);
  order = bc_client_dispatch_finish (fixture->client, result, &error);
  g_assert_null (order);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_dispatch_decodes_order (Fixture       *fixture,
                             gconstpointer  data)
{
  Answer answer = { 201, order_json };
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = NULL;

  fixture->fake->on_http = http_answer;
  fixture->fake->data = &answer;

  order = dispatch_sync (fixture, "my-key", &error);
  g_assert_no_error (error);
  g_assert_cmpint (order->id, ==, 5);
  g_assert_cmpint (order->incident, ==, 12);
  g_assert_cmpuint (order->units->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fixture->fake->idempotency_keys, 0), ==, "my-key");
}

/* ---- Outbox against the fake ------------------------------------------------------------------ */

static BcOutbox *
open_outbox (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "outbox.db", NULL);
  BcOutbox *outbox;

  bc_outbox_open_async (path, NULL, store_result, &result);
  wait_until (fixture, result_ready, &result);
  outbox = bc_outbox_open_finish (result, &error);
  g_assert_no_error (error);
  return outbox;
}

static gboolean
outbox_empty (Fixture  *fixture,
              gpointer  data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (data)) == 0;
}

static void
test_outbox_queues_on_503 (Fixture       *fixture,
                           gconstpointer  data)
{
  Answer answer = { 503, "{\"error\":{\"code\":\"shutting_down\",\"message\":\"bye\"}}" };
  g_autoptr(BcOutbox) outbox = open_outbox (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(BcOutboxItem) item = NULL;

  fixture->fake->on_http = http_answer;
  fixture->fake->data = &answer;
  bc_client_set_reconnect_delays (fixture->client, 20, 40);
  bc_client_set_outbox (fixture->client, outbox);

  order = dispatch_sync (fixture, "queued-key", &error);
  g_assert_null (order);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (outbox), 0);
  g_assert_cmpint (bc_outbox_item_get_state (item), ==, BC_OUTBOX_STATE_PENDING);
  g_assert_cmpstr (bc_outbox_item_get_idempotency_key (item), ==, "queued-key");
  g_assert_cmpstr (bc_outbox_item_get_error_code (item), ==, "shutting_down");

  /* The server is back: the retry timer delivers it, with the same key. */
  answer.status = 201;
  answer.body = order_json;
  wait_until (fixture, outbox_empty, outbox);
  g_assert_cmpint (bc_outbox_item_get_state (item), ==, BC_OUTBOX_STATE_DONE);
  for (guint i = 0; i < fixture->fake->idempotency_keys->len; i++)
    g_assert_cmpstr (g_ptr_array_index (fixture->fake->idempotency_keys, i), ==, "queued-key");
  g_assert_cmpuint (fixture->fake->idempotency_keys->len, >=, 2);
}

static void
count_conflict (BcOutbox     *outbox,
                BcOutboxItem *item,
                gpointer      user_data)
{
  guint *n = user_data;

  (*n)++;
}

static gboolean
n_is_at_least (Fixture  *fixture,
               gpointer  data)
{
  return *(guint *) data >= 1;
}

static void
test_outbox_refusal_first_attempt_not_kept (Fixture       *fixture,
                                            gconstpointer  data)
{
  Answer answer = {
    409, "{\"error\":{\"code\":\"unit_unavailable\",\"message\":\"东宝巡01 is off_duty\"}}"
  };
  g_autoptr(BcOutbox) outbox = open_outbox (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = NULL;

  fixture->fake->on_http = http_answer;
  fixture->fake->data = &answer;
  bc_client_set_outbox (fixture->client, outbox);

  /* Online: the dispatcher sees the refusal at once; nothing stays queued. */
  order = dispatch_sync (fixture, NULL, &error);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_CONFLICT);
  g_assert_cmpstr (error->message, ==, "东宝巡01 is off_duty");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 0);
}

static void
test_outbox_refusal_on_replay_kept (Fixture       *fixture,
                                    gconstpointer  data)
{
  Answer answer = { 503, "{\"error\":{\"code\":\"shutting_down\",\"message\":\"bye\"}}" };
  g_autoptr(BcOutbox) outbox = open_outbox (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(BcOutboxItem) item = NULL;
  guint conflicts = 0;

  fixture->fake->on_http = http_answer;
  fixture->fake->data = &answer;
  bc_client_set_reconnect_delays (fixture->client, 20, 40);
  bc_client_set_outbox (fixture->client, outbox);
  g_signal_connect (outbox, "item-conflict", G_CALLBACK (count_conflict), &conflicts);

  order = dispatch_sync (fixture, NULL, &error);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED);

  answer.status = 409;
  answer.body = "{\"error\":{\"code\":\"unit_unavailable\","
                "\"message\":\"东宝巡01 is en_route to JQ202611240003\"}}";
  wait_until (fixture, n_is_at_least, &conflicts);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (outbox), 0);
  g_assert_cmpint (bc_outbox_item_get_state (item), ==, BC_OUTBOX_STATE_CONFLICT);
  g_assert_cmpstr (bc_outbox_item_get_error_code (item), ==, "unit_unavailable");
  g_assert_cmpstr (bc_outbox_item_get_error_message (item), ==,
                   "东宝巡01 is en_route to JQ202611240003");
  g_assert_cmpuint (bc_outbox_get_n_waiting (outbox), ==, 0);
}

typedef struct
{
  GPtrArray *paths;
  guint      fail_first;  /* answer 503 to this many requests */
} Recorder;

static void
http_record (Fake              *fake,
             SoupServerMessage *msg,
             const char        *method,
             const char        *path,
             JsonNode          *body)
{
  Recorder *recorder = fake->data;

  if (recorder->fail_first > 0)
    {
      recorder->fail_first--;
      fake_reply (msg, 503, "{\"error\":{\"code\":\"shutting_down\",\"message\":\"bye\"}}");
      return;
    }

  g_ptr_array_add (recorder->paths, g_strdup_printf ("%s %s", method, path));
  if (g_str_has_suffix (path, "/dispatch"))
    fake_reply (msg, 201, order_json);
  else if (g_str_has_suffix (path, "/notes"))
    fake_reply (msg, 201, "{\"id\":9,\"incident\":12,\"author\":\"dispatcher1\","
                          "\"at\":\"2026-11-24T08:00:00.000Z\",\"text\":\"x\"}");
  else
    fake_reply (msg, 200, "{\"id\":3,\"call_sign\":\"东宝巡01\",\"kind\":\"patrol_car\","
                          "\"station\":\"龙泉派出所\",\"status\":\"en_route\",\"position\":null,"
                          "\"incident\":12,\"version\":3}");
}

/* Queued, or (a later command, once the queue moves again) delivered at once. */
static void
check_queued_or_done (const GError *error,
                      guint        *n)
{
  if (error != NULL)
    g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED);
  (*n)++;
}

static void
dispatch_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = bc_client_dispatch_finish (BC_CLIENT (source), result, &error);

  check_queued_or_done (error, user_data);
}

static void
unit_status_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcUnit) unit = bc_client_set_unit_status_finish (BC_CLIENT (source), result, &error);

  check_queued_or_done (error, user_data);
}

static void
note_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcNote) note = bc_client_add_note_finish (BC_CLIENT (source), result, &error);

  check_queued_or_done (error, user_data);
}

static gboolean
n_results (Fixture  *fixture,
           gpointer  data)
{
  return *(guint *) data >= 3;
}

static void
test_outbox_replays_in_order (Fixture       *fixture,
                              gconstpointer  data)
{
  Recorder recorder = { g_ptr_array_new_with_free_func (g_free), 1 };
  g_autoptr(BcOutbox) outbox = open_outbox (fixture);
  const gint64 units[] = { 3 };
  guint n = 0;

  fixture->fake->on_http = http_record;
  fixture->fake->data = &recorder;
  bc_client_set_reconnect_delays (fixture->client, 30, 60);
  bc_client_set_outbox (fixture->client, outbox);

  /* The first answer is 503: the dispatch is queued, and the two commands issued after it
   * wait behind it rather than overtake it. */
  bc_client_dispatch_async (fixture->client, 12, units, 1, "go", NULL, NULL, dispatch_cb, &n);
  bc_client_set_unit_status_async (fixture->client, 3, BC_UNIT_STATUS_EN_ROUTE, 2, NULL,
                                   unit_status_cb, &n);
  bc_client_add_note_async (fixture->client, 12, "报警人再次来电", NULL, note_cb, &n);
  wait_until (fixture, n_results, &n);

  wait_until (fixture, outbox_empty, outbox);
  g_assert_cmpuint (recorder.paths->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (recorder.paths, 0), ==, "POST /api/v1/incidents/12/dispatch");
  g_assert_cmpstr (g_ptr_array_index (recorder.paths, 1), ==, "PATCH /api/v1/units/3");
  g_assert_cmpstr (g_ptr_array_index (recorder.paths, 2), ==, "POST /api/v1/incidents/12/notes");
  g_ptr_array_unref (recorder.paths);
}

/* ---- What goes over the wire ------------------------------------------------------------------ */

typedef struct
{
  char     *method;
  char     *path_and_query;
  JsonNode *body;
} Seen;

static void
http_capture (Fake              *fake,
              SoupServerMessage *msg,
              const char        *method,
              const char        *path,
              JsonNode          *body)
{
  Seen *seen = fake->data;
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));

  g_free (seen->method);
  seen->method = g_strdup (method);
  g_free (seen->path_and_query);
  seen->path_and_query = query != NULL ? g_strconcat (path, "?", query, NULL) : g_strdup (path);
  g_clear_pointer (&seen->body, json_node_unref);
  seen->body = body != NULL ? json_node_ref (body) : NULL;

  if (g_str_has_prefix (path, "/api/v1/cameras"))
    fake_reply (msg, 200, "{\"cameras\":[{\"id\":\"42080200001320000001\","
                          "\"name\":\"象山大道白庙路口东\",\"lat\":31.03,\"lon\":112.2,"
                          "\"kind\":\"dome\",\"online\":true,\"stream_uri\":\"rtsp://10.0.0.1/ch1\","
                          "\"station\":\"龙泉派出所\",\"distance_m\":12.5}],\"truncated\":false}");
  else
    fake_reply (msg, 200, "{\"accepted\":2}");
}

static void
test_requests_encoding (Fixture       *fixture,
                        gconstpointer  data)
{
  Seen seen = { NULL, };
  const BcAvlFix fixes[] = {
    { 3, 31.04, 112.2, 90.0, 12.5, 1795510634123000 },
    { 5, 31.05, 112.21, 0.0, 0.0, 0 },
  };
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cameras = NULL;
  g_autoptr(GPtrArray) near = NULL;
  BcGeoBounds bounds = { 30.5, 111.5, 31.5, 112.75 };
  JsonArray *array;
  JsonObject *first;
  BcCamera *camera;

  fixture->fake->on_http = http_capture;
  fixture->fake->data = &seen;

  bc_client_post_avl_async (fixture->client, fixes, G_N_ELEMENTS (fixes), NULL, store_result,
                            &r1);
  wait_until (fixture, result_ready, &r1);
  g_assert_true (bc_client_post_avl_finish (fixture->client, r1, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (seen.method, ==, "POST");
  g_assert_cmpstr (seen.path_and_query, ==, "/api/v1/avl");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (seen.body));
  array = json_node_get_array (seen.body);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  first = json_array_get_object_element (array, 0);
  g_assert_cmpint (json_object_get_int_member (first, "unit"), ==, 3);
  g_assert_cmpfloat (json_object_get_double_member (first, "speed"), ==, 12.5);
  g_assert_cmpstr (json_object_get_string_member (first, "at"), ==, "2026-11-24T08:57:14.123Z");
  /* A fix without a time is sent as "now": the API requires one. */
  g_assert_nonnull (json_object_get_string_member (json_array_get_object_element (array, 1),
                                                   "at"));

  bc_client_cameras_in_bounds_async (fixture->client, &bounds, NULL, store_result, &r2);
  wait_until (fixture, result_ready, &r2);
  cameras = bc_client_cameras_in_bounds_finish (fixture->client, r2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seen.path_and_query, ==, "/api/v1/cameras?bbox=111.5,30.5,112.75,31.5");
  g_assert_cmpuint (cameras->len, ==, 1);
  camera = g_ptr_array_index (cameras, 0);
  g_assert_cmpstr (camera->id, ==, "42080200001320000001");
  g_assert_cmpstr (camera->name, ==, "象山大道白庙路口东");

  bc_client_cameras_near_async (fixture->client, 31.03, 112.2, 250, NULL, store_result, &r3);
  wait_until (fixture, result_ready, &r3);
  near = bc_client_cameras_near_finish (fixture->client, r3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seen.path_and_query, ==, "/api/v1/cameras/near?lat=31.03&lon=112.2&radius_m=250");
  g_assert_cmpuint (near->len, ==, 1);

  g_free (seen.method);
  g_free (seen.path_and_query);
  g_clear_pointer (&seen.body, json_node_unref);
}

int
main (int   argc,
      char *argv[])
{
  /* tests/meson.build points GSETTINGS_SCHEMA_DIR at the project's own schemas, so GIO's
   * GNOME proxy resolver would abort on the missing org.gnome.system.proxy; loopback needs no
   * proxy anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  if (argc > 1 && g_str_equal (argv[1], "--fake-server-drop"))
    return run_fake_server_child ();
  test_program = argv[0];
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/client/follow/duplicates-ignored", test_follow_dedupe);
  ADD ("/client/follow/gap-reloads-snapshot", test_follow_gap);
  ADD ("/client/follow/heartbeat-ahead-reloads-snapshot", test_follow_heartbeat_ahead);
  ADD ("/client/follow/heartbeat-in-step-no-reload", test_follow_heartbeat_in_step);
  ADD ("/client/follow/resync-required-reloads-snapshot", test_follow_resync_required);
  ADD ("/client/follow/close-4000-reloads-snapshot", test_follow_too_slow);
  ADD ("/client/follow/going-away-resumes-from-last-seq", test_follow_going_away_resumes);
  ADD ("/client/follow/acks-every-500-or-1s", test_follow_acks);
  ADD ("/client/follow/silent-socket-reconnects", test_follow_silence);
  ADD ("/client/follow/backoff-doubles-to-cap", test_follow_backoff);
  ADD ("/client/follow/many-reconnects-nothing-accumulates", test_follow_many_reconnects);
  ADD ("/client/errors/api-code-and-message", test_errors_carry_api_code);
  ADD ("/client/errors/status-mapping", test_errors_status_mapping);
  ADD ("/client/errors/unreachable", test_errors_unreachable);
  ADD ("/client/errors/cancelled", test_errors_cancelled);
  ADD ("/client/dispatch/decodes-order-sends-key", test_dispatch_decodes_order);
  ADD ("/client/requests/avl-and-camera-queries", test_requests_encoding);
  ADD ("/client/outbox/queued-on-503-then-delivered", test_outbox_queues_on_503);
  ADD ("/client/outbox/refusal-online-not-kept", test_outbox_refusal_first_attempt_not_kept);
  ADD ("/client/outbox/refusal-on-replay-kept-as-conflict", test_outbox_refusal_on_replay_kept);
  ADD ("/client/outbox/replays-in-order", test_outbox_replays_in_order);
#undef ADD

  return g_test_run ();
}
