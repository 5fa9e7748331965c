/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include "server-fixture.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

#include "bc-event-log.h"
#include "bc-schema.h"
#include "bs-auth.h"
#include "bs-history.h"

BsConfig *
server_fixture_test_config (void)
{
  BsConfig *config = bs_config_new ();

  g_free (config->listen);
  config->listen = g_strdup ("127.0.0.1:0");
  /* Tests hash many passwords; the interactive argon2id cost would make them slow. */
  config->pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
  config->pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
  config->drain_timeout_s = 5;
  return config;
}

static gpointer
server_thread_main (gpointer data)
{
  ServerFixture *f = data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (f->context);

  f->store = bc_store_open (f->db_path, bc_server_schema (), &error);
  if (f->store != NULL)
    f->repo = bs_repo_new (f->store, &error);
  if (f->repo != NULL)
    {
      /* The source tree's outlines (SOURCE_DATADIR), so that API tests see derived districts. */
      g_autoptr(BcDistricts) districts = bs_config_load_districts (f->config, &error);

      if (districts != NULL)
        bs_repo_set_districts (f->repo, districts);
    }
  if (f->repo != NULL && error == NULL)
    f->server = bs_server_new (f->repo, f->config, &error);
  if (f->server != NULL && bs_server_listen (f->server, &error))
    {
      f->port = bs_server_get_port (f->server);
      f->base_uri = bs_server_get_base_uri (f->server);
    }

  g_mutex_lock (&f->lock);
  f->ready = TRUE;
  if (error != NULL)
    f->start_error = g_strdup (error->message);
  g_cond_broadcast (&f->cond);
  g_mutex_unlock (&f->lock);

  if (error == NULL)
    g_main_loop_run (f->loop);

  g_clear_object (&f->server);
  g_clear_object (&f->repo);
  g_clear_object (&f->store);
  while (g_main_context_iteration (f->context, FALSE))
    ;

  g_main_context_pop_thread_default (f->context);
  return NULL;
}

void
server_fixture_start (ServerFixture *f,
                      BsConfig      *config)
{
  if (f->dir == NULL)
    {
      g_autoptr(GError) error = NULL;

      f->dir = g_dir_make_tmp ("beacon-server-XXXXXX", &error);
      g_assert_no_error (error);
      f->db_path = g_build_filename (f->dir, "beacon.db", NULL);
    }

  g_clear_pointer (&f->config, bs_config_free);
  f->config = config != NULL ? config : server_fixture_test_config ();
  g_mutex_init (&f->lock);
  g_cond_init (&f->cond);
  f->ready = FALSE;
  f->context = g_main_context_new ();
  f->loop = g_main_loop_new (f->context, FALSE);
  f->thread = g_thread_new ("beacon-server", server_thread_main, f);

  g_mutex_lock (&f->lock);
  while (!f->ready)
    g_cond_wait (&f->cond, &f->lock);
  g_mutex_unlock (&f->lock);

  if (f->start_error != NULL)
    g_error ("The test server did not start: %s", f->start_error);

  if (f->session == NULL)
    f->session = soup_session_new_with_options ("max-conns", 200, "max-conns-per-host", 200,
                                                "timeout", 60, "proxy-resolver", NULL, NULL);
}

static void
quit_loop (ServerFixture *f,
           gpointer       data)
{
  g_main_loop_quit (f->loop);
}

void
server_fixture_stop (ServerFixture *f)
{
  if (f->thread == NULL)
    return;

  server_fixture_call (f, quit_loop, NULL);
  g_thread_join (g_steal_pointer (&f->thread));
  g_clear_pointer (&f->loop, g_main_loop_unref);
  g_clear_pointer (&f->context, g_main_context_unref);
  g_clear_pointer (&f->base_uri, g_free);
  g_clear_pointer (&f->start_error, g_free);
  g_mutex_clear (&f->lock);
  g_cond_clear (&f->cond);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
server_fixture_setup (ServerFixture *f,
                      gconstpointer  data)
{
  ServerFixtureTune tune = (ServerFixtureTune) data;
  BsConfig *config = server_fixture_test_config ();

  if (tune != NULL)
    tune (config);
  server_fixture_start (f, config);
}

void
server_fixture_teardown (ServerFixture *f,
                         gconstpointer  data)
{
  server_fixture_stop (f);
  if (f->session != NULL)
    {
      soup_session_abort (f->session);
      g_clear_object (&f->session);
    }
  /* Let the session's cancelled sources run before the next test. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->config, bs_config_free);
  if (f->dir != NULL)
    remove_tree (f->dir);
  g_clear_pointer (&f->dir, g_free);
  g_clear_pointer (&f->db_path, g_free);
}

/* ---- Calls into the server thread --------------------------------------------------------- */

typedef struct
{
  ServerFixture     *f;
  ServerFixtureFunc  func;
  gpointer           data;
  gboolean           done;
} Call;

static gboolean
call_in_server (gpointer user_data)
{
  Call *call = user_data;

  call->func (call->f, call->data);

  g_mutex_lock (&call->f->lock);
  call->done = TRUE;
  g_cond_broadcast (&call->f->cond);
  g_mutex_unlock (&call->f->lock);
  return G_SOURCE_REMOVE;
}

void
server_fixture_call (ServerFixture     *f,
                     ServerFixtureFunc  func,
                     gpointer           data)
{
  Call call = { f, func, data, FALSE };

  g_assert_nonnull (f->thread);
  g_main_context_invoke (f->context, call_in_server, &call);

  g_mutex_lock (&f->lock);
  while (!call.done)
    g_cond_wait (&f->cond, &f->lock);
  g_mutex_unlock (&f->lock);
}

typedef struct
{
  const char *username;
  BcRole      role;
  const char *display_name;
  const char *password;
} AddUser;

static void
add_user_in_server (ServerFixture *f,
                    gpointer       data)
{
  AddUser *au = data;
  g_autoptr(GError) error = NULL;

  bs_auth_add_user (bs_server_get_auth (f->server), au->username, au->role, au->display_name,
                    au->password, "test", BC_ROLE_ADMIN, "local", &error);
  g_assert_no_error (error);
}

void
fixture_add_user (ServerFixture *f,
                  const char    *username,
                  BcRole         role,
                  const char    *display_name,
                  const char    *password)
{
  AddUser au = { username, role, display_name, password };

  server_fixture_call (f, add_user_in_server, &au);
}

typedef struct
{
  const char *call_sign;
  double      lat;
  double      lon;
  gint64      id;
} AddUnit;

static void
add_unit_in_server (ServerFixture *f,
                    gpointer       data)
{
  AddUnit *au = data;
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  BsActor actor = { "test", BC_ROLE_ADMIN, "local" };
  BcUnit *unit = bc_unit_new ();

  bc_unit_set_call_sign (unit, au->call_sign);
  bc_unit_set_kind (unit, BC_UNIT_KIND_PATROL_CAR);
  bc_unit_set_station (unit, "龙泉派出所");
  bc_unit_set_status (unit, BC_UNIT_STATUS_AVAILABLE);
  bc_unit_set_position (unit, au->lat, au->lon, 90.0, 0.0, bc_time_now () - G_USEC_PER_SEC);
  g_ptr_array_add (units, unit);

  bs_repo_import_units (f->repo, units, &actor, &error);
  g_assert_no_error (error);

  all = bs_repo_list_units (f->repo, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    if (g_strcmp0 (bc_unit_get_call_sign (g_ptr_array_index (all, i)), au->call_sign) == 0)
      au->id = bc_unit_get_id (g_ptr_array_index (all, i));
}

gint64
fixture_add_unit (ServerFixture *f,
                  const char    *call_sign,
                  double         lat,
                  double         lon)
{
  AddUnit au = { call_sign, lat, lon, 0 };

  server_fixture_call (f, add_unit_in_server, &au);
  g_assert_cmpint (au.id, >, 0);
  return au.id;
}

typedef struct
{
  const char *sql;
  gint64      value;
} Query;

static void
last_seq_in_server (ServerFixture *f,
                    gpointer       data)
{
  Query *q = data;
  g_autoptr(GError) error = NULL;

  bc_event_log_last_seq (f->store, &q->value, &error);
  g_assert_no_error (error);
}

gint64
fixture_last_seq (ServerFixture *f)
{
  Query q = { NULL, 0 };

  server_fixture_call (f, last_seq_in_server, &q);
  return q.value;
}

static void
count_in_server (ServerFixture *f,
                 gpointer       data)
{
  Query *q = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = bc_store_prepare (f->store, q->sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (bc_store_step (f->store, stmt, &error), ==, SQLITE_ROW);
  q->value = sqlite3_column_int64 (stmt, 0);
}

gint64
fixture_count (ServerFixture *f,
               const char    *sql)
{
  Query q = { sql, 0 };

  server_fixture_call (f, count_in_server, &q);
  return q.value;
}

typedef struct
{
  guint   days;
  guint64 seed;
  gint64  end_us;
} SeedHistory;

static void
seed_history_in_server (ServerFixture *f,
                        gpointer       data)
{
  SeedHistory *call = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (bs_history_seed (f->store, call->days, call->seed, call->end_us, &error));
  g_assert_no_error (error);
}

void
fixture_seed_history (ServerFixture *f,
                      guint          days,
                      guint64        seed,
                      gint64         end_us)
{
  SeedHistory call = { days, seed, end_us };

  server_fixture_call (f, seed_history_in_server, &call);
}

/* ---- HTTP --------------------------------------------------------------------------------- */

JsonNode *
test_parse_json (const char *data,
                 gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (length == 0 || !json_parser_load_from_data (parser, data, length, NULL) ||
      json_parser_get_root (parser) == NULL)
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

void
test_reply_free (TestReply *reply)
{
  if (reply == NULL)
    return;
  g_clear_object (&reply->msg);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->json, json_node_unref);
  g_free (reply);
}

const char *
test_reply_error_code (TestReply *reply)
{
  JsonObject *object = test_reply_object (reply);
  JsonObject *error;

  if (object == NULL || !json_object_has_member (object, "error"))
    return NULL;
  error = json_object_get_object_member (object, "error");
  return error != NULL ? json_object_get_string_member_with_default (error, "code", NULL) : NULL;
}

JsonObject *
test_reply_object (TestReply *reply)
{
  if (reply->json == NULL || !JSON_NODE_HOLDS_OBJECT (reply->json))
    return NULL;
  return json_node_get_object (reply->json);
}

const char *
test_reply_header (TestReply  *reply,
                   const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (reply->msg), name);
}

TestReply *
fixture_http_bytes (ServerFixture     *f,
                    const char        *method,
                    const char        *path,
                    const char        *token,
                    GBytes            *body,
                    const char *const *headers)
{
  g_autofree char *uri = g_strconcat (f->base_uri, path, NULL);
  g_autoptr(GError) error = NULL;
  TestReply *reply = g_new0 (TestReply, 1);
  SoupMessageHeaders *request_headers;
  gsize length;
  const char *data;

  reply->msg = soup_message_new (method, uri);
  g_assert_nonnull (reply->msg);
  request_headers = soup_message_get_request_headers (reply->msg);
  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (request_headers, "Authorization", value);
    }
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (request_headers, headers[i], headers[i + 1]);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (reply->msg, "application/json", body);

  reply->body = soup_session_send_and_read (f->session, reply->msg, NULL, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (reply->msg);

  data = g_bytes_get_data (reply->body, &length);
  reply->json = test_parse_json (data, length);

  return reply;
}

TestReply *
fixture_http (ServerFixture *f,
              const char    *method,
              const char    *path,
              const char    *token,
              const char    *body,
              ...)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  const char *name;
  va_list args;

  va_start (args, body);
  while ((name = va_arg (args, const char *)) != NULL)
    {
      g_ptr_array_add (headers, (gpointer) name);
      g_ptr_array_add (headers, va_arg (args, char *));
    }
  va_end (args);
  g_ptr_array_add (headers, NULL);

  if (body != NULL)
    bytes = g_bytes_new (body, strlen (body));

  return fixture_http_bytes (f, method, path, token, bytes,
                             (const char *const *) headers->pdata);
}

char *
fixture_login (ServerFixture *f,
               const char    *username,
               const char    *password)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}",
                                           username, password);
  g_autoptr(TestReply) reply = fixture_http (f, "POST", "/api/v1/session", NULL, body, NULL);

  g_assert_cmpuint (reply->status, ==, 200);
  return g_strdup (json_object_get_string_member (test_reply_object (reply), "token"));
}

char *
fixture_user_token (ServerFixture *f,
                    const char    *username,
                    BcRole         role,
                    const char    *display_name)
{
  fixture_add_user (f, username, role, display_name, TEST_PASSWORD);
  return fixture_login (f, username, TEST_PASSWORD);
}

gint64
fixture_create_incident (ServerFixture *f,
                         const char    *token,
                         double         lat,
                         double         lon)
{
  g_autofree char *body = NULL;
  g_autoptr(TestReply) reply = NULL;

  body = g_strdup_printf ("{\"type\":\"traffic\",\"priority\":2,"
                          "\"location\":{\"lat\":%.6f,\"lon\":%.6f},"
                          "\"address\":\"象山大道与白庙路交叉口\","
                          "\"caller\":{\"name\":\"张先生\",\"phone\":\"13800000000\"},"
                          "\"description\":\"两车相撞\"}",
                          lat, lon);
  reply = fixture_http (f, "POST", "/api/v1/incidents", token, body, NULL);
  g_assert_cmpuint (reply->status, ==, 201);
  return json_object_get_int_member (test_reply_object (reply), "id");
}

/* ---- WebSocket ---------------------------------------------------------------------------- */

typedef struct
{
  gboolean                 done;
  SoupWebsocketConnection *conn;
  GError                  *error;
} Connect;

static void
ws_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connect *c = user_data;

  c->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &c->error);
  c->done = TRUE;
}

static gboolean
connect_done (gpointer data)
{
  return ((Connect *) data)->done;
}

SoupWebsocketConnection *
fixture_ws_connect (ServerFixture  *f,
                    const char     *token,
                    gint64          since,
                    GError        **error)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/events?since=%" G_GINT64_FORMAT, since);

  return fixture_ws_connect_path (f, path, token, error);
}

SoupWebsocketConnection *
fixture_ws_connect_path (ServerFixture  *f,
                         const char     *path,
                         const char     *token,
                         GError        **error)
{
  g_autofree char *uri = g_strconcat (f->base_uri, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  Connect c = { FALSE, NULL, NULL };

  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    value);
    }

  soup_session_websocket_connect_async (f->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        ws_connected, &c);
  g_assert_true (fixture_wait (connect_done, &c, 30000));

  if (c.error != NULL)
    {
      g_propagate_error (error, c.error);
      return NULL;
    }
  /* Event batches can be large; acks are tiny. */
  soup_websocket_connection_set_max_incoming_payload_size (c.conn, 16 * 1024 * 1024);
  return c.conn;
}

static gboolean
on_wait_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
fixture_wait (FixtureCondition cond,
              gpointer         data,
              guint            timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *source = g_timeout_source_new (timeout_ms);
  gboolean ok;

  g_source_set_callback (source, on_wait_timeout, &timed_out, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());

  while (!(ok = cond (data)) && !timed_out)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  g_source_destroy (source);
  g_source_unref (source);
  return ok;
}

void
fixture_assert_reply_impl (TestReply  *reply,
                           guint       status,
                           const char *code,
                           const char *file,
                           int         line)
{
  if (reply->status != status || (code != NULL && g_strcmp0 (test_reply_error_code (reply), code) != 0))
    {
      gsize length = 0;
      const char *data = reply->body != NULL ? g_bytes_get_data (reply->body, &length) : "";

      g_error ("%s:%d: expected %u %s, got %u: %.*s", file, line, status, code ? code : "",
               reply->status, (int) MIN (length, 2000), data);
    }
}
