/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "bc-client.h"
#include "bc-event-log.h"
#include "bc-schema.h"
#include "bc-version.h"
#include "server-fixture.h"

/*
 * BcClient against the real beacon-server (tests/server-fixture.c: a BsServer in its own
 * thread on 127.0.0.1 over a real SQLite file). The server is stopped and started again on the
 * same database and port to cut the client off; the client runs on this thread's default
 * main context and shares the fixture's SoupSession, as the console shares its one session.
 */

#define PASSWORD TEST_PASSWORD

typedef struct
{
  ServerFixture  server;
  BcClient      *client;
  gint64         unit1;    /* 东宝巡01 */
  gint64         unit2;    /* 东宝巡02 */
  char          *outbox_path;
  char          *base_url;   /* stays the same across restarts (same port) */
  GArray        *events;     /* seqs delivered by ::event */
  GPtrArray     *types;      /* their types */
  GArray        *snapshots;  /* seqs of ::snapshot-loaded */
  GArray        *states;     /* BcConnectionState changes */
} Fixture;

/* ---- Waiting ------------------------------------------------------------------------------- */

typedef gboolean (*Condition) (Fixture *f, gpointer data);

static gboolean
flag_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_until (Fixture   *f,
            Condition  condition,
            gpointer   data)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (20, flag_timeout, &timed_out);

  while (!condition (f, data))
    {
      g_main_context_iteration (NULL, TRUE);
      if (timed_out)
        g_error ("Timed out waiting for a condition");
    }
  g_source_remove (id);
}

static void
run_for_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
result_ready (Fixture  *f,
              gpointer  data)
{
  return *(GAsyncResult **) data != NULL;
}

/* Waits for an async call's result; the caller owns it. */
static GAsyncResult *
await (Fixture       *f,
       GAsyncResult **slot)
{
  wait_until (f, result_ready, slot);
  return *slot;
}

/* ---- Client helpers ------------------------------------------------------------------------ */

static void
on_event (BcClient *client,
          BcEvent  *event,
          gpointer  user_data)
{
  Fixture *f = user_data;

  g_array_append_val (f->events, event->seq);
  g_ptr_array_add (f->types, g_strdup (event->type));
}

static void
on_snapshot_loaded (BcClient   *client,
                    BcSnapshot *snapshot,
                    gpointer    user_data)
{
  Fixture *f = user_data;
  gint64 seq = bc_snapshot_get_seq (snapshot);

  g_array_append_val (f->snapshots, seq);
}

static void
on_state (BcClient   *client,
          GParamSpec *pspec,
          gpointer    user_data)
{
  Fixture *f = user_data;
  BcConnectionState state = bc_client_get_connection_state (client);

  g_array_append_val (f->states, state);
}

static BcClient *
new_client (Fixture *f)
{
  BcClient *client = bc_client_new (f->base_url, f->server.session);

  g_signal_connect (client, "event", G_CALLBACK (on_event), f);
  g_signal_connect (client, "snapshot-loaded", G_CALLBACK (on_snapshot_loaded), f);
  g_signal_connect (client, "notify::connection-state", G_CALLBACK (on_state), f);
  /* Quick retries keep the test short; the schedule itself is tested in client-protocol. */
  bc_client_set_reconnect_delays (client, 50, 200);
  return client;
}

static void
drop_client (Fixture *f)
{
  if (f->client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (f->client, f);
  bc_client_unfollow (f->client);
  g_clear_object (&f->client);
  run_for_ms (20);
}

static void
login (Fixture    *f,
       const char *username,
       const char *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  bc_client_login_async (f->client, username, password, NULL, store_result, &result);
  g_assert_true (bc_client_login_finish (f->client, await (f, &result), &error));
  g_assert_no_error (error);
}

static BcIncident *
create_incident (Fixture    *f,
                 const char *address)
{
  g_autoptr(BcIncident) draft = bc_incident_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  BcIncident *incident;

  bc_incident_set_incident_type (draft, BC_INCIDENT_TYPE_TRAFFIC);
  bc_incident_set_priority (draft, 2);
  bc_incident_set_location (draft, 31.0355, 112.2040);
  bc_incident_set_address (draft, address);
  bc_incident_set_description (draft, "两车相撞，无人受伤");

  bc_client_create_incident_async (f->client, draft, NULL, store_result, &result);
  incident = bc_client_create_incident_finish (f->client, await (f, &result), &error);
  g_assert_no_error (error);
  g_assert_true (BC_IS_INCIDENT (incident));
  return incident;
}

static void
create_and_forget (Fixture    *f,
                   const char *address)
{
  g_autoptr(BcIncident) incident = create_incident (f, address);
}

static BcOrder *
dispatch (Fixture     *f,
          gint64       incident_id,
          gint64       unit_id,
          const char  *key,
          GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bc_client_dispatch_async (f->client, incident_id, &unit_id, 1, "立即前往现场处置", key, NULL,
                            store_result, &result);
  return bc_client_dispatch_finish (f->client, await (f, &result), error);
}

static BcOutbox *
open_outbox (Fixture *f)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  BcOutbox *outbox;

  bc_outbox_open_async (f->outbox_path, NULL, store_result, &result);
  outbox = bc_outbox_open_finish (await (f, &result), &error);
  g_assert_no_error (error);
  return outbox;
}

/* ---- The server: stop, work on its database while it is down, start on the same port ------ */

static void
stop_server (Fixture *f)
{
  server_fixture_stop (&f->server);
}

static void
start_server (Fixture *f)
{
  BsConfig *config = server_fixture_test_config ();

  g_free (config->listen);
  config->listen = g_strdup_printf ("127.0.0.1:%u", f->server.port);
  server_fixture_start (&f->server, config);
}

/* While the server is down, changes made directly in its database (as the import command does)
 * leave events the client has not seen. */
static void
offline_create_incidents (Fixture *f,
                          guint    n,
                          gboolean prune)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (f->server.db_path, bc_server_schema (), &error);
  g_autoptr(BsRepo) repo = NULL;
  BsActor actor = { "test", BC_ROLE_ADMIN, "local" };

  g_assert_no_error (error);
  repo = bs_repo_new (store, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BcIncident) draft = bc_incident_new ();
      g_autoptr(BcIncident) incident = NULL;

      bc_incident_set_incident_type (draft, BC_INCIDENT_TYPE_DISPUTE);
      bc_incident_set_priority (draft, 3);
      bc_incident_set_location (draft, 31.03, 112.20);
      bc_incident_set_address (draft, "象山大道");
      incident = bs_repo_create_incident (repo, draft, &actor, &error);
      g_assert_no_error (error);
    }

  if (prune)
    {
      gint64 last = 0;

      g_assert_true (bc_event_log_last_seq (store, &last, &error));
      g_assert_true (bc_event_log_prune (store, last, &error));
      g_assert_no_error (error);
    }
}

/* ---- Fixture ------------------------------------------------------------------------------- */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  server_fixture_setup (&f->server, NULL);
  fixture_add_user (&f->server, "dispatcher1", BC_ROLE_DISPATCHER, "调度员一", PASSWORD);
  fixture_add_user (&f->server, "dispatcher2", BC_ROLE_DISPATCHER, "调度员二", PASSWORD);
  f->unit1 = fixture_add_unit (&f->server, "东宝巡01", 31.040, 112.200);
  f->unit2 = fixture_add_unit (&f->server, "东宝巡02", 31.045, 112.210);
  f->outbox_path = g_build_filename (f->server.dir, "console-outbox.db", NULL);
  f->base_url = g_strdup (f->server.base_uri);

  f->events = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->types = g_ptr_array_new_with_free_func (g_free);
  f->snapshots = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->states = g_array_new (FALSE, FALSE, sizeof (BcConnectionState));
  f->client = new_client (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  drop_client (f);
  server_fixture_teardown (&f->server, NULL);
  g_free (f->outbox_path);
  g_free (f->base_url);
  g_array_unref (f->events);
  g_ptr_array_unref (f->types);
  g_array_unref (f->snapshots);
  g_array_unref (f->states);
}

static gboolean
last_seq_reaches_server (Fixture  *f,
                         gpointer  data)
{
  return bc_client_get_last_seq (f->client) == fixture_last_seq (&f->server);
}

static gboolean
state_is (Fixture  *f,
          gpointer  data)
{
  return bc_client_get_connection_state (f->client) == (BcConnectionState) GPOINTER_TO_INT (data);
}

/* Every seq from @first to the server's last, each exactly once, in order. */
static void
assert_contiguous (Fixture *f,
                   gint64   first)
{
  gint64 last = fixture_last_seq (&f->server);

  g_assert_cmpuint (f->events->len, ==, last - first + 1);
  for (guint i = 0; i < f->events->len; i++)
    g_assert_cmpint (g_array_index (f->events, gint64, i), ==, first + i);
}

/* ---- Session ------------------------------------------------------------------------------- */

static void
test_login_ok (Fixture       *f,
               gconstpointer  data)
{
  login (f, "dispatcher1", PASSWORD);

  g_assert_nonnull (bc_client_get_token (f->client));
  g_assert_cmpstr (bc_client_get_username (f->client), ==, "dispatcher1");
  g_assert_cmpint (bc_client_get_role (f->client), ==, BC_ROLE_DISPATCHER);
  g_assert_cmpint (bc_client_get_expires_at (f->client), >, g_get_real_time ());
}

static void
test_login_bad_password (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  bc_client_login_async (f->client, "dispatcher1", "wrong password", NULL, store_result, &result);
  g_assert_false (bc_client_login_finish (f->client, await (f, &result), &error));
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (bc_client_error_get_status (error), ==, 401);
  g_assert_nonnull (bc_client_error_get_code (error));
  g_assert_null (bc_client_get_token (f->client));
}

static void
test_health_logout (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GAsyncResult) result3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) units = NULL;
  g_autofree char *version = NULL;

  bc_client_health_async (f->client, NULL, store_result, &result);
  version = bc_client_health_finish (f->client, await (f, &result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (version, ==, bc_version_string ());

  login (f, "dispatcher1", PASSWORD);
  bc_client_logout_async (f->client, NULL, store_result, &result2);
  g_assert_null (bc_client_get_token (f->client));
  g_assert_true (bc_client_logout_finish (f->client, await (f, &result2), &error));
  g_assert_no_error (error);

  /* Nothing goes out under the old session any more. */
  bc_client_list_units_async (f->client, NULL, store_result, &result3);
  units = bc_client_list_units_finish (f->client, await (f, &result3), &error);
  g_assert_null (units);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_UNAUTHORIZED);
}

/* ---- The calls, one after the other, decoded into model objects ---------------------------- */

static void
test_calls_decode (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(BcIncident) fetched = NULL;
  g_autoptr(BcIncident) patched = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) recs = NULL;
  g_autoptr(GPtrArray) notes = NULL;
  g_autoptr(GPtrArray) units = NULL;
  g_autoptr(GPtrArray) orders = NULL;
  g_autoptr(GPtrArray) cameras = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(BcNote) note = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(BcOrder) fetched_order = NULL;
  g_autoptr(BcUnit) unit = NULL;
  g_autoptr(BcSnapshot) snapshot = NULL;
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(GError) error = NULL;
  BcGeoBounds bounds = { 30.9, 112.1, 31.1, 112.3 };
  BcRecommendation *best;
  GAsyncResult *r[14] = { NULL };

  login (f, "dispatcher1", PASSWORD);
  incident = create_incident (f, "象山大道与白庙路交叉口");
  g_assert_cmpint (bc_incident_get_id (incident), >, 0);
  g_assert_true (g_str_has_prefix (bc_incident_get_number (incident), "JQ"));

  bc_client_get_incident_async (f->client, bc_incident_get_id (incident), NULL, store_result, &r[0]);
  fetched = bc_client_get_incident_finish (f->client, await (f, &r[0]), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bc_incident_get_address (fetched), ==, "象山大道与白庙路交叉口");

  bc_client_list_incidents_async (f->client, "open", 10, 0, NULL, store_result, &r[1]);
  list = bc_client_list_incidents_finish (f->client, await (f, &r[1]), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);

  json_object_set_int_member (changes, "priority", 1);
  bc_client_patch_incident_async (f->client, bc_incident_get_id (incident),
                                  bc_incident_get_version (incident), changes, NULL,
                                  store_result, &r[2]);
  patched = bc_client_patch_incident_finish (f->client, await (f, &r[2]), &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_incident_get_priority (patched), ==, 1);
  g_assert_cmpint (bc_incident_get_version (patched), >, bc_incident_get_version (incident));

  bc_client_add_note_async (f->client, bc_incident_get_id (incident), "报警人再次来电", NULL,
                            store_result, &r[3]);
  note = bc_client_add_note_finish (f->client, await (f, &r[3]), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (note->text, ==, "报警人再次来电");
  g_assert_cmpstr (note->author, ==, "dispatcher1");

  bc_client_list_notes_async (f->client, bc_incident_get_id (incident), NULL, store_result, &r[4]);
  notes = bc_client_list_notes_finish (f->client, await (f, &r[4]), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (notes->len, ==, 1);

  bc_client_recommendations_async (f->client, bc_incident_get_id (incident), 5, NULL,
                                   store_result, &r[5]);
  recs = bc_client_recommendations_finish (f->client, await (f, &r[5]), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recs->len, ==, 2);
  best = g_ptr_array_index (recs, 0);
  g_assert_cmpint (bc_unit_get_id (best->unit), ==, f->unit1);  /* the closer one */
  g_assert_cmpfloat (best->distance_m, >, 0);
  g_assert_cmpfloat (best->eta_s, >, 0);

  order = dispatch (f, bc_incident_get_id (incident), f->unit1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (order->incident, ==, bc_incident_get_id (incident));
  g_assert_cmpuint (order->units->len, ==, 1);
  g_assert_true (g_uuid_string_is_valid (order->idempotency_key));

  bc_client_get_order_async (f->client, order->id, NULL, store_result, &r[6]);
  fetched_order = bc_client_get_order_finish (f->client, await (f, &r[6]), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fetched_order->idempotency_key, ==, order->idempotency_key);

  bc_client_list_orders_async (f->client, bc_incident_get_id (incident), NULL, store_result, &r[7]);
  orders = bc_client_list_orders_finish (f->client, await (f, &r[7]), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (orders->len, ==, 1);

  bc_client_list_units_async (f->client, NULL, store_result, &r[8]);
  units = bc_client_list_units_finish (f->client, await (f, &r[8]), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (units->len, ==, 2);
  for (guint i = 0; i < units->len; i++)
    if (bc_unit_get_id (g_ptr_array_index (units, i)) == f->unit1)
      g_assert_cmpint (bc_unit_get_status (g_ptr_array_index (units, i)), ==,
                       BC_UNIT_STATUS_DISPATCHED);

  for (guint i = 0; i < units->len; i++)
    if (bc_unit_get_id (g_ptr_array_index (units, i)) == f->unit1)
      bc_client_set_unit_status_async (f->client, f->unit1, BC_UNIT_STATUS_EN_ROUTE,
                                       bc_unit_get_version (g_ptr_array_index (units, i)), NULL,
                                       store_result, &r[9]);
  unit = bc_client_set_unit_status_finish (f->client, await (f, &r[9]), &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_EN_ROUTE);

  bc_client_cameras_in_bounds_async (f->client, &bounds, NULL, store_result, &r[10]);
  cameras = bc_client_cameras_in_bounds_finish (f->client, await (f, &r[10]), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cameras->len, ==, 0);

  bc_client_snapshot_async (f->client, NULL, store_result, &r[11]);
  snapshot = bc_client_snapshot_finish (f->client, await (f, &r[11]), &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_snapshot_get_seq (snapshot), ==, fixture_last_seq (&f->server));
  g_assert_cmpuint (bc_snapshot_get_incidents (snapshot)->len, ==, 1);
  g_assert_cmpuint (bc_snapshot_get_units (snapshot)->len, ==, 2);
  g_assert_cmpint (bc_snapshot_get_server_time (snapshot), >, 0);

  /* A dispatcher may not read the audit log. */
  bc_client_audit_async (f->client, 0, 10, NULL, store_result, &r[12]);
  audit = bc_client_audit_finish (f->client, await (f, &r[12]), &error);
  g_assert_null (audit);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_FORBIDDEN);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    g_clear_object (&r[i]);
}

static void
test_errors_from_server (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(BcIncident) a = NULL;
  g_autoptr(BcIncident) b = NULL;
  g_autoptr(BcIncident) missing = NULL;
  g_autoptr(BcIncident) stale = NULL;
  g_autoptr(BcOrder) first = NULL;
  g_autoptr(BcOrder) second = NULL;
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;

  login (f, "dispatcher1", PASSWORD);
  a = create_incident (f, "A 路口");
  b = create_incident (f, "B 路口");

  first = dispatch (f, bc_incident_get_id (a), f->unit1, NULL, &error);
  g_assert_no_error (error);

  /* The unit is taken: the message names it and what it is doing, for the dispatcher. */
  second = dispatch (f, bc_incident_get_id (b), f->unit1, NULL, &error);
  g_assert_null (second);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_CONFLICT);
  g_assert_cmpstr (bc_client_error_get_code (error), ==, "unit_unavailable");
  g_assert_nonnull (strstr (error->message, "东宝巡01"));
  g_test_message ("unit_unavailable: %s", error->message);
  g_clear_error (&error);

  bc_client_get_incident_async (f->client, 999999, NULL, store_result, &r1);
  missing = bc_client_get_incident_finish (f->client, await (f, &r1), &error);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_NOT_FOUND);
  g_assert_cmpstr (bc_client_error_get_code (error), ==, "not_found");
  g_clear_error (&error);

  json_object_set_int_member (changes, "priority", 4);
  bc_client_patch_incident_async (f->client, bc_incident_get_id (b), 99, changes, NULL,
                                  store_result, &r2);
  stale = bc_client_patch_incident_finish (f->client, await (f, &r2), &error);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_CONFLICT);
  g_assert_cmpstr (bc_client_error_get_code (error), ==, "stale_version");
}

static void
test_dispatch_idempotent_retry (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(BcOrder) first = NULL;
  g_autoptr(BcOrder) retry = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = bc_client_new_idempotency_key ();

  login (f, "dispatcher1", PASSWORD);
  incident = create_incident (f, "象山大道");

  first = dispatch (f, bc_incident_get_id (incident), f->unit1, key, &error);
  g_assert_no_error (error);
  /* The answer was "lost": the dispatcher retries the same command, same key. */
  retry = dispatch (f, bc_incident_get_id (incident), f->unit1, key, &error);
  g_assert_no_error (error);

  g_assert_cmpint (retry->id, ==, first->id);
  g_assert_cmpstr (retry->idempotency_key, ==, key);
  g_assert_cmpint (fixture_count (&f->server, "SELECT count(*) FROM orders"), ==, 1);
}

/* ---- Following ----------------------------------------------------------------------------- */

static void
test_follow_live_in_order (Fixture       *f,
                           gconstpointer  data)
{
  gint64 start_seq;

  login (f, "dispatcher1", PASSWORD);
  create_and_forget (f, "之前的警情");
  start_seq = fixture_last_seq (&f->server);

  bc_client_follow (f->client);
  wait_until (f, state_is, GINT_TO_POINTER (BC_CONNECTION_STATE_CONNECTED));
  g_assert_cmpuint (f->snapshots->len, ==, 1);
  g_assert_cmpint (g_array_index (f->snapshots, gint64, 0), ==, start_seq);

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *address = g_strdup_printf ("路口 %u", i);
      g_autoptr(BcIncident) incident = create_incident (f, address);
    }
  wait_until (f, last_seq_reaches_server, NULL);

  assert_contiguous (f, start_seq + 1);
  for (guint i = 0; i < f->types->len; i++)
    g_assert_cmpstr (g_ptr_array_index (f->types, i), ==, "incident.created");
}

static void
test_follow_reconnect_resumes (Fixture       *f,
                               gconstpointer  data)
{
  gint64 start_seq;
  guint reconnecting_at = 0, connected_again_at = 0;

  login (f, "dispatcher1", PASSWORD);
  bc_client_follow (f->client);
  wait_until (f, state_is, GINT_TO_POINTER (BC_CONNECTION_STATE_CONNECTED));
  start_seq = bc_client_get_last_seq (f->client);

  for (guint i = 0; i < 3; i++)
    create_and_forget (f, "断线前");
  wait_until (f, last_seq_reaches_server, NULL);

  /* Kill the connection: the server goes away. */
  stop_server (f);
  wait_until (f, state_is, GINT_TO_POINTER (BC_CONNECTION_STATE_RECONNECTING));
  g_assert_cmpint (bc_client_get_offline_since (f->client), >, 0);
  g_assert_cmpint (bc_client_get_offline_since (f->client), <=, g_get_real_time ());
  g_assert_cmpint (bc_client_get_reconnect_at (f->client), >, 0);
  reconnecting_at = f->states->len;
  run_for_ms (300);  /* a few failed attempts */

  /* Meanwhile the log moves on without the client. */
  offline_create_incidents (f, 4, FALSE);

  start_server (f);
  wait_until (f, state_is, GINT_TO_POINTER (BC_CONNECTION_STATE_CONNECTED));
  connected_again_at = f->states->len;
  g_assert_cmpuint (connected_again_at, >, reconnecting_at);
  g_assert_cmpint (bc_client_get_offline_since (f->client), ==, 0);
  g_assert_cmpint (bc_client_get_reconnect_at (f->client), ==, 0);

  for (guint i = 0; i < 2; i++)
    create_and_forget (f, "恢复后");
  wait_until (f, last_seq_reaches_server, NULL);

  /* Resumed from the last seq: the 4 missed events were replayed, then live ones; no gap,
   * no duplicate, and no snapshot reload was needed. */
  assert_contiguous (f, start_seq + 1);
  g_assert_cmpuint (f->snapshots->len, ==, 1);
  for (guint i = reconnecting_at; i < connected_again_at - 1; i++)
    g_assert_cmpint (g_array_index (f->states, BcConnectionState, i), ==,
                     BC_CONNECTION_STATE_RECONNECTING);
}

static void
test_follow_resync_after_prune (Fixture       *f,
                                gconstpointer  data)
{
  gint64 seq_before;

  login (f, "dispatcher1", PASSWORD);
  bc_client_follow (f->client);
  wait_until (f, state_is, GINT_TO_POINTER (BC_CONNECTION_STATE_CONNECTED));
  create_and_forget (f, "之前");
  wait_until (f, last_seq_reaches_server, NULL);
  seq_before = bc_client_get_last_seq (f->client);

  stop_server (f);
  wait_until (f, state_is, GINT_TO_POINTER (BC_CONNECTION_STATE_RECONNECTING));
  /* Events the client missed, and the log pruned past them. */
  offline_create_incidents (f, 3, TRUE);
  start_server (f);

  wait_until (f, last_seq_reaches_server, NULL);
  wait_until (f, state_is, GINT_TO_POINTER (BC_CONNECTION_STATE_CONNECTED));

  /* The server said resync_required: the snapshot was reloaded at the server's seq, and none
   * of the pruned events was delivered one by one. */
  g_assert_cmpuint (f->snapshots->len, ==, 2);
  g_assert_cmpint (g_array_index (f->snapshots, gint64, 1), ==, fixture_last_seq (&f->server));
  g_assert_cmpint (g_array_index (f->events, gint64, f->events->len - 1), ==, seq_before);

  /* And it follows live from there. */
  create_and_forget (f, "之后");
  wait_until (f, last_seq_reaches_server, NULL);
  g_assert_cmpint (g_array_index (f->events, gint64, f->events->len - 1), ==,
                   fixture_last_seq (&f->server));
}

/* ---- Outbox -------------------------------------------------------------------------------- */

static gboolean
outbox_empty (Fixture  *f,
              gpointer  data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (data)) == 0;
}

static void
count_signal (BcOutbox     *outbox,
              BcOutboxItem *item,
              gpointer      user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
counter_positive (Fixture  *f,
                  gpointer  data)
{
  return *(guint *) data > 0;
}

static void
test_outbox_survives_restart (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(BcOutbox) outbox = open_outbox (f);
  g_autoptr(BcOutboxItem) item = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  guint done = 0;

  bc_client_set_outbox (f->client, outbox);
  login (f, "dispatcher1", PASSWORD);
  incident = create_incident (f, "象山大道");

  /* The network goes: the dispatch is queued, not lost, and the UI sees it pending. */
  stop_server (f);
  order = dispatch (f, bc_incident_get_id (incident), f->unit1, NULL, &error);
  g_assert_null (order);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED);
  g_test_message ("queued: %s", error->message);
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (outbox), 0);
  g_assert_cmpint (bc_outbox_item_get_state (item), ==, BC_OUTBOX_STATE_PENDING);
  g_assert_cmpint (bc_outbox_item_get_kind (item), ==, BC_OUTBOX_KIND_DISPATCH);
  g_assert_cmpint (bc_outbox_item_get_target_id (item), ==, bc_incident_get_id (incident));
  g_assert_nonnull (bc_outbox_item_get_error_message (item));
  key = g_strdup (bc_outbox_item_get_idempotency_key (item));
  g_clear_object (&item);

  /* The console is closed and started again. */
  drop_client (f);
  g_clear_object (&outbox);
  outbox = open_outbox (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 1);
  g_signal_connect (outbox, "item-done", G_CALLBACK (count_signal), &done);
  f->client = new_client (f);
  bc_client_set_outbox (f->client, outbox);

  /* The server is back; the dispatcher logs in, and the queue goes out. */
  start_server (f);
  login (f, "dispatcher1", PASSWORD);
  wait_until (f, outbox_empty, outbox);
  g_assert_cmpuint (done, ==, 1);

  /* Exactly once, with the key it was first sent with. */
  g_assert_cmpint (fixture_count (&f->server, "SELECT count(*) FROM orders"), ==, 1);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM orders WHERE "
                                            "idempotency_key = '%s'", key);

    g_assert_cmpint (fixture_count (&f->server, sql), ==, 1);
  }
}

static void
test_outbox_replay_of_applied_command_is_done (Fixture       *f,
                                               gconstpointer  data)
{
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(BcOutbox) outbox = open_outbox (f);
  g_autoptr(BcOutboxItem) item = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = bc_client_new_idempotency_key ();
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  guint done = 0;

  login (f, "dispatcher1", PASSWORD);
  incident = create_incident (f, "象山大道");

  /* The command reached the server and was applied, but the console died before it saw the
   * answer: the item is still in its outbox (state SENT after a restart). */
  order = dispatch (f, bc_incident_get_id (incident), f->unit1, key, &error);
  g_assert_no_error (error);
  path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch",
                          bc_incident_get_id (incident));
  body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "],\"instructions\":\"立即前往现场处置\"}",
                          f->unit1);
  bc_outbox_enqueue_async (outbox, BC_OUTBOX_KIND_DISPATCH, "POST", path, body, key,
                           "dispatcher1", NULL, store_result, &result);
  item = bc_outbox_enqueue_finish (outbox, await (f, &result), &error);
  g_assert_no_error (error);
  bc_outbox_mark_sent (outbox, item);

  g_signal_connect (outbox, "item-done", G_CALLBACK (count_signal), &done);
  bc_client_set_outbox (f->client, outbox);
  wait_until (f, outbox_empty, outbox);

  /* The server answered with the same order: done, and still one order. */
  g_assert_cmpuint (done, ==, 1);
  g_assert_cmpint (bc_outbox_item_get_state (item), ==, BC_OUTBOX_STATE_DONE);
  g_assert_cmpint (fixture_count (&f->server, "SELECT count(*) FROM orders"), ==, 1);
}

static void
test_outbox_conflict_on_replay (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(BcIncident) a = NULL;
  g_autoptr(BcIncident) b = NULL;
  g_autoptr(BcOutbox) outbox = open_outbox (f);
  g_autoptr(BcOutboxItem) item = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(BcOrder) other = NULL;
  g_autoptr(GError) error = NULL;
  guint conflicts = 0;

  bc_client_set_outbox (f->client, outbox);
  login (f, "dispatcher1", PASSWORD);
  a = create_incident (f, "A 路口");
  b = create_incident (f, "B 路口");

  stop_server (f);
  order = dispatch (f, bc_incident_get_id (a), f->unit1, NULL, &error);
  g_assert_error (error, BC_CLIENT_ERROR, BC_CLIENT_ERROR_QUEUED);
  g_clear_error (&error);
  drop_client (f);

  /* Meanwhile another seat sends the same unit elsewhere. */
  start_server (f);
  f->client = new_client (f);
  login (f, "dispatcher2", PASSWORD);
  other = dispatch (f, bc_incident_get_id (b), f->unit1, NULL, &error);
  g_assert_no_error (error);
  drop_client (f);

  /* The first dispatcher's console comes back and replays its queue. */
  g_signal_connect (outbox, "item-conflict", G_CALLBACK (count_signal), &conflicts);
  f->client = new_client (f);
  bc_client_set_outbox (f->client, outbox);
  login (f, "dispatcher1", PASSWORD);
  wait_until (f, counter_positive, &conflicts);

  /* Kept, with the server's reason, never silently dropped. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (outbox), 0);
  g_assert_cmpint (bc_outbox_item_get_state (item), ==, BC_OUTBOX_STATE_CONFLICT);
  g_assert_cmpstr (bc_outbox_item_get_error_code (item), ==, "unit_unavailable");
  g_assert_nonnull (strstr (bc_outbox_item_get_error_message (item), "东宝巡01"));
  g_test_message ("conflict: %s", bc_outbox_item_get_error_message (item));
  g_assert_cmpint (fixture_count (&f->server, "SELECT count(*) FROM orders"), ==, 1);

  /* It survives a restart of the console until the user dismisses it. */
  drop_client (f);
  g_clear_object (&item);
  g_clear_object (&outbox);
  outbox = open_outbox (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 1);
  item = g_list_model_get_item (G_LIST_MODEL (outbox), 0);
  g_assert_cmpint (bc_outbox_item_get_state (item), ==, BC_OUTBOX_STATE_CONFLICT);
}

int
main (int   argc,
      char *argv[])
{
  /* tests/meson.build points GSETTINGS_SCHEMA_DIR at the project's own schemas; the client's
   * own sessions would otherwise look for GNOME's proxy settings there. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/client/server/login/ok", test_login_ok);
  ADD ("/client/server/login/bad-password", test_login_bad_password);
  ADD ("/client/server/health-and-logout", test_health_logout);
  ADD ("/client/server/calls-decode-model-objects", test_calls_decode);
  ADD ("/client/server/errors-carry-server-code-and-message", test_errors_from_server);
  ADD ("/client/server/dispatch/idempotent-retry", test_dispatch_idempotent_retry);
  ADD ("/client/server/follow/live-events-in-order", test_follow_live_in_order);
  ADD ("/client/server/follow/restart-resumes-without-gap-or-duplicate",
       test_follow_reconnect_resumes);
  ADD ("/client/server/follow/pruned-log-reloads-snapshot", test_follow_resync_after_prune);
  ADD ("/client/server/outbox/queued-dispatch-arrives-once-after-restart",
       test_outbox_survives_restart);
  ADD ("/client/server/outbox/replay-of-applied-command-is-done",
       test_outbox_replay_of_applied_command_is_done);
  ADD ("/client/server/outbox/conflict-on-replay-kept-with-message",
       test_outbox_conflict_on_replay);
#undef ADD

  return g_test_run ();
}
