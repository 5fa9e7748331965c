/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "bc-schema.h"
#include "server-fixture.h"

/* These tests run the real beacon-server program (BEACON_SERVER, set by meson) on a database in
 * a temporary directory: kill it, stop it, restart it, and use its sub-commands. */

typedef struct
{
  char        *dir;
  char        *db;
  char        *config;      /* cheap password hashes, like server_fixture_test_config() */
  SoupSession *session;
} Dur;

typedef struct
{
  GSubprocess *proc;
  char        *log_path;
  char        *base_uri;
} Server;

static const char *
server_program (void)
{
  const char *path = g_getenv ("BEACON_SERVER");

  if (path == NULL)
    g_error ("BEACON_SERVER is not set; run the tests with meson test");
  return path;
}

/* Runs `beacon-server ARGS…` with @input on stdin; returns the exit status. */
static int
run_cli (const char  *input,
         char       **out_stdout,
         char       **out_stderr,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) server_program ());
  va_start (args, out_stderr);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);

  g_test_message ("beacon-server %s → %d\n%s%s", (const char *) argv->pdata[1],
                  g_subprocess_get_exit_status (proc), stdout_text, stderr_text);
  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&stdout_text);
  if (out_stderr != NULL)
    *out_stderr = g_steal_pointer (&stderr_text);
  return g_subprocess_get_exit_status (proc);
}

static void
dur_setup (Dur           *d,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  d->dir = g_dir_make_tmp ("beacon-dur-XXXXXX", &error);
  g_assert_no_error (error);
  d->db = g_build_filename (d->dir, "beacon.db", NULL);
  d->config = g_build_filename (d->dir, "beacon.conf", NULL);
  g_file_set_contents (d->config,
                       "[auth]\n"
                       "password-hash-opslimit=1\n"
                       "password-hash-memlimit=8192\n"
                       "[server]\n"
                       "drain-timeout=10\n",
                       -1, &error);
  g_assert_no_error (error);
  d->session = soup_session_new_with_options ("max-conns", 100, "max-conns-per-host", 100,
                                              "timeout", 30, "proxy-resolver", NULL, NULL);

  g_assert_cmpint (run_cli (NULL, NULL, NULL, "init", "--db", d->db, NULL), ==, 0);
  g_assert_cmpint (run_cli (TEST_PASSWORD "\n", NULL, NULL, "user", "add", "disp1",
                            "--role", "dispatcher", "--display-name", "调度员一",
                            "--db", d->db, "--config", d->config, NULL), ==, 0);
}

static void
dur_teardown (Dur           *d,
              gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (d->dir, 0, NULL);
  const char *name;

  soup_session_abort (d->session);
  g_clear_object (&d->session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (d->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (d->dir);
  g_free (d->dir);
  g_free (d->db);
  g_free (d->config);
}

/* ---- The server process ------------------------------------------------------------------- */

static Server *
server_spawn (Dur *d)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  Server *server = g_new0 (Server, 1);
  static guint n = 0;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  server->log_path = g_strdup_printf ("%s/server-%u.log", d->dir, n++);
  g_subprocess_launcher_set_stderr_file_path (launcher, server->log_path);
  g_subprocess_launcher_set_stdout_file_path (launcher, "/dev/null");
  server->proc = g_subprocess_launcher_spawn (launcher, &error, server_program (),
                                              "--db", d->db, "--listen", "127.0.0.1:0",
                                              "--config", d->config, NULL);
  g_assert_no_error (error);

  /* It logs the address it listens on once it is ready. */
  while (server->base_uri == NULL)
    {
      g_autofree char *log = NULL;
      const char *line;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
      if (!g_file_get_contents (server->log_path, &log, NULL, NULL))
        continue;
      line = strstr (log, "Listening on ");
      if (line != NULL && strchr (line, '\n') != NULL)
        server->base_uri = g_strndup (line + strlen ("Listening on "),
                                      strchr (line, '\n') - line - strlen ("Listening on "));
    }

  return server;
}

static void
server_free (Server *server)
{
  if (server->proc != NULL && g_subprocess_get_identifier (server->proc) != NULL)
    {
      g_subprocess_force_exit (server->proc);
      g_subprocess_wait (server->proc, NULL, NULL);
    }
  g_clear_object (&server->proc);
  g_free (server->log_path);
  g_free (server->base_uri);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

static guint
http (Dur         *d,
      Server      *server,
      const char  *method,
      const char  *path,
      const char  *token,
      const char  *body,
      const char  *key,
      JsonNode   **out_json,
      gboolean    *out_replayed)
{
  g_autofree char *uri = g_strconcat (server->base_uri, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;

  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    auth);
    }
  if (key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Idempotency-Key",
                                  key);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  reply = soup_session_send_and_read (d->session, msg, NULL, &error);
  g_assert_no_error (error);
  if (out_json != NULL)
    *out_json = test_parse_json (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  if (out_replayed != NULL)
    *out_replayed = g_strcmp0 (soup_message_headers_get_one (
                                 soup_message_get_response_headers (msg),
                                 "Idempotent-Replayed"), "true") == 0;
  return soup_message_get_status (msg);
}

static char *
login (Dur    *d,
       Server *server)
{
  g_autoptr(JsonNode) json = NULL;
  guint status = http (d, server, "POST", "/api/v1/session", NULL,
                       "{\"username\":\"disp1\",\"password\":\"" TEST_PASSWORD "\"}", NULL,
                       &json, NULL);

  g_assert_cmpuint (status, ==, 200);
  return g_strdup (json_object_get_string_member (json_node_get_object (json), "token"));
}

static gint64
db_count (Dur        *d,
          const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (d->db, bc_server_schema (), &error);
  g_autoptr(BcStmt) stmt = NULL;

  g_assert_no_error (error);
  stmt = bc_store_prepare (store, sql, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_store_step (store, stmt, &error), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static void
import_units (Dur   *d,
              guint  n)
{
  g_autoptr(GString) csv = g_string_new ("call_sign,kind,station,lat,lon\n");
  g_autofree char *path = g_build_filename (d->dir, "units.csv", NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (csv, "东宝巡%03u,patrol_car,龙泉派出所,%.5f,112.20\n", i + 1,
                            31.00 + i * 0.0005);
  g_file_set_contents (path, csv->str, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "import", "units", path, "--db", d->db, NULL), ==,
                   0);
}

/* ---- SIGKILL in the middle of a burst of dispatches --------------------------------------- */

#define BURST 120

typedef struct
{
  Dur        *d;
  const char *base_uri;
  const char *token;
  gint64      incident[BURST];
  gint64      unit[BURST];
  gint64      answered[BURST];  /* order id of each 201 received, 0 if none */
  guint       next;
  guint       in_flight;
  guint       n_answered;
  gboolean    killed;
} Burst;

typedef struct
{
  Burst       *burst;
  guint        index;
  SoupMessage *msg;
} BurstRequest;

static void burst_send_next (Burst *b);

static char *
dispatch_body (gint64 unit)
{
  return g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "],\"instructions\":\"前往处置\"}",
                          unit);
}

static void
burst_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  BurstRequest *request = user_data;
  Burst *b = request->burst;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body != NULL && soup_message_get_status (request->msg) == 201)
    {
      g_autoptr(JsonNode) json = test_parse_json (g_bytes_get_data (body, NULL),
                                                  g_bytes_get_size (body));
      b->answered[request->index] = json_object_get_int_member (json_node_get_object (json),
                                                                "id");
      b->n_answered++;
    }
  else if (body != NULL && !b->killed)
    g_error ("dispatch %u: %u before the kill", request->index,
             soup_message_get_status (request->msg));

  b->in_flight--;
  g_object_unref (request->msg);
  g_free (request);
  if (!b->killed)
    burst_send_next (b);
}

static void
burst_send_next (Burst *b)
{
  /* Eight at a time, like a busy hall. */
  while (b->in_flight < 8 && b->next < BURST)
    {
      guint i = b->next++;
      g_autofree char *uri = g_strdup_printf ("%s/api/v1/incidents/%" G_GINT64_FORMAT
                                              "/dispatch", b->base_uri, b->incident[i]);
      g_autofree char *auth = g_strconcat ("Bearer ", b->token, NULL);
      g_autofree char *key = g_strdup_printf ("burst-%u", i);
      g_autofree char *body = dispatch_body (b->unit[i]);
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      BurstRequest *request = g_new0 (BurstRequest, 1);

      request->burst = b;
      request->index = i;
      request->msg = soup_message_new ("POST", uri);
      soup_message_headers_replace (soup_message_get_request_headers (request->msg),
                                    "Authorization", auth);
      soup_message_headers_replace (soup_message_get_request_headers (request->msg),
                                    "Idempotency-Key", key);
      soup_message_set_request_body_from_bytes (request->msg, "application/json", bytes);
      b->in_flight++;
      soup_session_send_and_read_async (b->d->session, request->msg, G_PRIORITY_DEFAULT, NULL,
                                        burst_done, request);
    }
}

static gboolean
burst_half_answered (gpointer data)
{
  Burst *b = data;
  return b->n_answered >= BURST / 2;
}

static gboolean
burst_drained (gpointer data)
{
  return ((Burst *) data)->in_flight == 0;
}

static void
test_sigkill_burst (Dur           *d,
                    gconstpointer  data)
{
  g_autoptr(Server) first = NULL;
  g_autoptr(Server) second = NULL;
  g_autofree char *token = NULL;
  g_autofree char *token2 = NULL;
  g_autofree Burst *b = g_new0 (Burst, 1);
  g_autoptr(JsonNode) units = NULL;
  JsonArray *unit_array;
  guint replayed = 0, created_after = 0;

  import_units (d, BURST);
  first = server_spawn (d);
  token = login (d, first);

  g_assert_cmpuint (http (d, first, "GET", "/api/v1/units", token, NULL, NULL, &units, NULL), ==,
                    200);
  unit_array = json_object_get_array_member (json_node_get_object (units), "units");
  g_assert_cmpuint (json_array_get_length (unit_array), ==, BURST);

  /* One incident and one unit per dispatch, so that every dispatch can succeed. */
  for (guint i = 0; i < BURST; i++)
    {
      g_autoptr(JsonNode) incident = NULL;
      g_autofree char *body = g_strdup_printf ("{\"type\":\"traffic\",\"priority\":2,"
                                               "\"location\":{\"lat\":31.0,\"lon\":112.2},"
                                               "\"address\":\"第%u号路口\"}", i);

      g_assert_cmpuint (http (d, first, "POST", "/api/v1/incidents", token, body, NULL,
                              &incident, NULL), ==, 201);
      b->incident[i] = json_object_get_int_member (json_node_get_object (incident), "id");
      b->unit[i] = json_object_get_int_member (json_array_get_object_element (unit_array, i),
                                               "id");
    }

  b->d = d;
  b->base_uri = first->base_uri;
  b->token = token;
  burst_send_next (b);
  g_assert_true (fixture_wait (burst_half_answered, b, 60000));

  /* Mid-burst: requests are in flight, some committed and not yet answered. */
  b->killed = TRUE;
  g_subprocess_send_signal (first->proc, SIGKILL);
  g_subprocess_wait (first->proc, NULL, NULL);
  g_assert_true (g_subprocess_get_if_signaled (first->proc));
  g_assert_cmpint (g_subprocess_get_term_sig (first->proc), ==, SIGKILL);
  g_assert_true (fixture_wait (burst_drained, b, 30000));
  g_test_message ("%u of %u dispatches answered before SIGKILL", b->n_answered, BURST);
  g_assert_cmpuint (b->n_answered, <, BURST);

  /* Every answered order survived. */
  g_assert_cmpint (db_count (d, "SELECT count(*) FROM orders"), >=, b->n_answered);

  second = server_spawn (d);
  /* The session survived too: only its hash is stored, and that was committed. */
  {
    g_autoptr(JsonNode) me = NULL;
    g_assert_cmpuint (http (d, second, "GET", "/api/v1/session", token, NULL, NULL, &me, NULL),
                      ==, 200);
  }
  token2 = login (d, second);

  /* Retry every key: answered ones replay the same order, the others create it now. */
  for (guint i = 0; i < BURST; i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch",
                                               b->incident[i]);
      g_autofree char *key = g_strdup_printf ("burst-%u", i);
      g_autofree char *body = dispatch_body (b->unit[i]);
      g_autoptr(JsonNode) order = NULL;
      gboolean was_replayed = FALSE;
      guint status = http (d, second, "POST", path, token2, body, key, &order, &was_replayed);

      g_assert_cmpuint (status, ==, 201);
      if (b->answered[i] != 0)
        {
          g_assert_true (was_replayed);
          g_assert_cmpint (json_object_get_int_member (json_node_get_object (order), "id"), ==,
                           b->answered[i]);
        }
      if (was_replayed)
        replayed++;
      else
        created_after++;
    }
  g_test_message ("after restart: %u replayed, %u created", replayed, created_after);
  g_assert_cmpuint (replayed, >=, b->n_answered);

  g_subprocess_send_signal (second->proc, SIGTERM);
  g_subprocess_wait (second->proc, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (second->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (second->proc), ==, 0);

  /* Exactly one order per key, none twice, one order.created event each. */
  g_assert_cmpint (db_count (d, "SELECT count(*) FROM orders"), ==, BURST);
  g_assert_cmpint (db_count (d, "SELECT count(DISTINCT idempotency_key) FROM orders"), ==, BURST);
  g_assert_cmpint (db_count (d, "SELECT count(*) FROM events WHERE type = 'order.created'"), ==,
                   BURST);
}

/* ---- SIGTERM drains ----------------------------------------------------------------------- */

typedef struct
{
  gboolean closed;
  gushort  code;
  char    *reason;
} WsClose;

static void
on_ws_closed (SoupWebsocketConnection *conn,
              gpointer                 user_data)
{
  WsClose *c = user_data;

  c->closed = TRUE;
  c->code = soup_websocket_connection_get_close_code (conn);
  c->reason = g_strdup (soup_websocket_connection_get_close_data (conn));
}

typedef struct
{
  gboolean                 done;
  SoupWebsocketConnection *conn;
} WsOpen;

static void
ws_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  WsOpen *o = user_data;
  g_autoptr(GError) error = NULL;

  o->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  o->done = TRUE;
}

static gboolean
ws_is_open (gpointer data)
{
  return ((WsOpen *) data)->done;
}

static gboolean
ws_is_closed (gpointer data)
{
  return ((WsClose *) data)->closed;
}

static GSocketConnection *
raw_connect (Server *server)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (server->base_uri, G_URI_FLAGS_NONE, &error);
  GSocketConnection *conn;

  g_assert_no_error (error);
  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri), NULL,
                                          &error);
  g_assert_no_error (error);
  return conn;
}

static void
raw_write (GSocketConnection *conn,
           const char        *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), text,
                             strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

static char *
raw_read_all (GSocketConnection *conn)
{
  g_autoptr(GString) reply = g_string_new (NULL);
  char buffer[4096];
  gssize n;

  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buffer,
                                   sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (reply, buffer, n);
  return g_string_free (g_steal_pointer (&reply), FALSE);
}

static void
test_sigterm_drains (Dur           *d,
                     gconstpointer  data)
{
  g_autoptr(Server) server = server_spawn (d);
  g_autofree char *token = login (d, server);
  g_autoptr(GSocketConnection) slow = NULL;
  g_autofree char *head = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *ws_uri = NULL;
  g_autoptr(SoupMessage) ws_msg = NULL;
  const char *body = "{\"type\":\"fire\",\"priority\":1,\"location\":{\"lat\":31.02,"
                     "\"lon\":112.19},\"address\":\"在途中的请求\"}";
  gsize split = 20;
  WsOpen open = { FALSE, NULL };
  WsClose closed = { FALSE, 0, NULL };

  /* An event subscriber... */
  ws_uri = g_strconcat (server->base_uri, "/api/v1/events?since=0", NULL);
  ws_msg = soup_message_new ("GET", ws_uri);
  {
    g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (ws_msg), "Authorization",
                                  auth);
  }
  soup_session_websocket_connect_async (d->session, ws_msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        ws_opened, &open);
  g_assert_true (fixture_wait (ws_is_open, &open, 10000));
  g_signal_connect (open.conn, "closed", G_CALLBACK (on_ws_closed), &closed);

  /* ...and a request whose headers have arrived but whose body has not. */
  slow = raw_connect (server);
  head = g_strdup_printf ("POST /api/v1/incidents HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\n"
                          "Authorization: Bearer %s\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "\r\n", token, strlen (body));
  raw_write (slow, head);
  {
    g_autofree char *part = g_strndup (body, split);
    raw_write (slow, part);
  }
  g_usleep (300 * 1000);

  g_subprocess_send_signal (server->proc, SIGTERM);
  g_usleep (300 * 1000);

  /* New work is turned away while the old finishes. */
  {
    g_autoptr(JsonNode) json = NULL;
    guint status = http (d, server, "GET", "/api/v1/incidents", token, NULL, NULL, &json, NULL);

    g_assert_cmpuint (status, ==, 503);
    g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (json_node_get_object (json), "error"),
                       "code"), ==, "shutting_down");
  }

  raw_write (slow, body + split);
  answer = raw_read_all (slow);
  g_test_message ("in-flight answer: %s", answer);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 201"));

  g_assert_true (fixture_wait (ws_is_closed, &closed, 10000));
  g_assert_cmpuint (closed.code, ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_cmpstr (closed.reason, ==, "server shutting down");

  g_subprocess_wait (server->proc, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (server->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (server->proc), ==, 0);

  /* The in-flight incident was committed before it was answered. */
  g_assert_cmpint (db_count (d, "SELECT count(*) FROM incidents WHERE address = '在途中的请求'"),
                   ==, 1);
  g_free (closed.reason);
  g_clear_object (&open.conn);
}

/* ---- The command line --------------------------------------------------------------------- */

static void
test_cli_users (Dur           *d,
                gconstpointer  data)
{
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;

  /* setup added disp1 with its password on stdin; it is stored as argon2id. */
  g_assert_cmpint (db_count (d, "SELECT count(*) FROM users WHERE username = 'disp1' "
                                "AND role = 'dispatcher' AND display_name = '调度员一' "
                                "AND password_hash LIKE '$argon2id$%'"), ==, 1);
  g_assert_cmpint (db_count (d, "SELECT count(*) FROM audit WHERE action = 'user.create' "
                                "AND target = 'user/disp1'"), ==, 1);

  g_assert_cmpint (run_cli (TEST_PASSWORD "\n", NULL, &err, "user", "add", "disp1", "--role",
                            "dispatcher", "--db", d->db, "--config", d->config, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "disp1"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli ("short\n", NULL, &err, "user", "add", "disp2", "--role",
                            "dispatcher", "--db", d->db, "--config", d->config, NULL), ==, 1);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (TEST_PASSWORD "\n", NULL, NULL, "user", "add", "disp3", "--role",
                            "emperor", "--db", d->db, NULL), ==, 2);
  g_assert_cmpint (run_cli ("", NULL, NULL, "user", "add", "disp4", "--role", "supervisor",
                            "--db", d->db, "--config", d->config, NULL), ==, 1);

  g_assert_cmpint (run_cli (NULL, &out, NULL, "user", "list", "--db", d->db, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "disp1"));
  g_assert_null (strstr (out, "disp3"));

  g_assert_cmpint (run_cli (NULL, NULL, NULL, "user", "add", "x", "--role", "unit",
                            "--db", "/nonexistent/dir/beacon.db", NULL), !=, 0);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "--no-such-option", NULL), ==, 2);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "--listen", "127.0.0.1:0", NULL), ==, 2);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "--db", d->db, "--listen", "nowhere", NULL), ==, 2);
}

static void
test_cli_import (Dur           *d,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (d->dir, "cameras.csv", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *csv =
    "id,name,lat,lon,kind,online,stream_uri,station\n"
    "42080200001320000001,象山大道白庙路口东,31.0300,112.2000,dome,true,rtsp://10.0.0.1/1,龙泉派出所\n"
    "42080200001320000002,象山大道白庙路口西,31.0301,112.1990,bullet,true,,龙泉派出所\n"
    "42080200001320000003,月亮湖北路,95.0000,112.2100,dome,false,,泉口派出所\n"
    "4208020000132000000X,坏编号,31.0310,112.2100,dome,false,,泉口派出所\n"
    "42080200001320000005,长宁大道卡口,31.0400,112.2200,checkpoint,true,,掇刀派出所\n";

  g_file_set_contents (path, csv, -1, &error);
  g_assert_no_error (error);

  /* Two bad rows: the rest is imported, each bad row is reported with its line, exit 3. */
  g_assert_cmpint (run_cli (NULL, &out, &err, "import", "cameras", path, "--db", d->db, NULL), ==,
                   3);
  g_assert_nonnull (strstr (err, "line 4"));
  g_assert_nonnull (strstr (err, "line 5"));
  g_assert_nonnull (strstr (err, "\r5/5 rows"));
  g_assert_nonnull (strstr (out, "3"));
  g_assert_cmpint (db_count (d, "SELECT count(*) FROM cameras"), ==, 3);
  g_assert_cmpint (db_count (d, "SELECT count(*) FROM events WHERE type = 'camera.updated'"), >=,
                   1);

  /* GCJ-02 input is converted to WGS-84 (a few hundred metres around Jingmen). */
  {
    g_autofree char *gcj = g_build_filename (d->dir, "units.csv", NULL);
    g_file_set_contents (gcj, "call_sign,kind,station,lat,lon\n东宝巡01,patrol_car,龙泉派出所,31.0300,112.2000\n",
                         -1, &error);
    g_assert_no_error (error);
    g_assert_cmpint (run_cli (NULL, NULL, NULL, "import", "units", gcj, "--db", d->db,
                              "--crs", "gcj02", NULL), ==, 0);
    g_assert_cmpint (db_count (d, "SELECT count(*) FROM units WHERE call_sign = '东宝巡01' "
                                  "AND abs (lat - 31.03) > 0.001 AND abs (lat - 31.03) < 0.01"),
                     ==, 1);
  }

  g_assert_cmpint (run_cli (NULL, NULL, NULL, "import", "cameras", "/nonexistent.csv",
                            "--db", d->db, NULL), ==, 1);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "import", "lamps", path, "--db", d->db, NULL), ==,
                   2);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "import", "cameras", path, "--db", d->db,
                            "--crs", "bd09", NULL), ==, 2);
}

static void
test_cli_serve_missing_db (Dur           *d,
                           gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (d->dir, "typo.db", NULL);
  g_autofree char *err = NULL;

  /* A mistyped path does not silently start an empty server. */
  g_assert_cmpint (run_cli (NULL, NULL, &err, "--db", missing, "--listen", "127.0.0.1:0", NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "init"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Dur, NULL, dur_setup, func, dur_teardown)

  ADD ("/server/durability/sigkill-burst", test_sigkill_burst);
  ADD ("/server/durability/sigterm-drains", test_sigterm_drains);
  ADD ("/server/cli/users", test_cli_users);
  ADD ("/server/cli/import", test_cli_import);
  ADD ("/server/cli/serve-missing-db", test_cli_serve_missing_db);

#undef ADD

  return g_test_run ();
}
