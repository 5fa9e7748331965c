/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "server-fixture.h"

/* beacon-server over HTTP and WebSocket on loopback. The server runs in its own thread with its
 * own GMainContext (server-fixture.c); event subscribers run on this thread's loop; load is
 * generated from a third thread with its own SoupSession, so that nobody's latency includes
 * another party's work. Prints "bench: NAME VALUE UNIT" lines (docs/performance.md). */

#define FANOUT_SUBSCRIBERS 30
#define FANOUT_SECONDS     10
#define FANOUT_TICK_MS     100
#define FANOUT_AVL_UNITS   10
#define FANOUT_AVL_BATCH   94      /* + 2 dispatches × 3 events = 100 events per tick */
#define FANOUT_DISPATCHES  2

static const char *bench_dir;

static void
start (ServerFixture *f)
{
  g_autofree char *template = g_build_filename (bench_dir, "bench-server-XXXXXX", NULL);

  memset (f, 0, sizeof *f);
  f->dir = g_mkdtemp (g_steal_pointer (&template));
  g_assert_nonnull (f->dir);
  f->db_path = g_build_filename (f->dir, "beacon.db", NULL);
  server_fixture_start (f, NULL);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *samples,
            double  p)
{
  gsize index;

  if (samples->len == 0)
    return NAN;
  g_array_sort (samples, compare_double);
  index = (gsize) ceil (p * samples->len) - 1;
  return g_array_index (samples, double, MIN (index, samples->len - 1));
}

typedef struct
{
  gint64 first_id;
  guint  n;
  double spread_deg;
} BulkUnits;

/* Imports units 单元0001… in one transaction, spread around Jingmen (fixed seed). */
static void
bulk_units_in_server (ServerFixture *f,
                      gpointer       data)
{
  BulkUnits *bulk = data;
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GError) error = NULL;
  BsActor actor = { "bench", BC_ROLE_ADMIN, "local" };

  for (guint i = 0; i < bulk->n; i++)
    {
      BcUnit *unit = bc_unit_new ();
      g_autofree char *call_sign = g_strdup_printf ("单元%04u", i);

      bc_unit_set_call_sign (unit, call_sign);
      bc_unit_set_kind (unit, (BcUnitKind) (i % 5));
      bc_unit_set_station (unit, "龙泉派出所");
      bc_unit_set_status (unit, BC_UNIT_STATUS_AVAILABLE);
      bc_unit_set_position (unit,
                            31.03 + g_rand_double_range (rand, -bulk->spread_deg, bulk->spread_deg),
                            112.20 + g_rand_double_range (rand, -bulk->spread_deg, bulk->spread_deg),
                            g_rand_double_range (rand, 0, 359), 8.0,
                            bc_time_now () - 60 * G_USEC_PER_SEC);
      g_ptr_array_add (units, unit);
    }
  bs_repo_import_units (f->repo, units, &actor, &error);
  g_assert_no_error (error);

  all = bs_repo_list_units (f->repo, &error);
  g_assert_no_error (error);
  bulk->first_id = G_MAXINT64;
  for (guint i = 0; i < all->len; i++)
    bulk->first_id = MIN (bulk->first_id, bc_unit_get_id (g_ptr_array_index (all, i)));
}

static gint64
bulk_units (ServerFixture *f,
            guint          n,
            double         spread_deg)
{
  BulkUnits bulk = { 0, n, spread_deg };

  server_fixture_call (f, bulk_units_in_server, &bulk);
  return bulk.first_id;
}

static GArray *
create_incidents (ServerFixture *f,
                  const char    *token,
                  guint          n,
                  GArray        *create_ms)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < n; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      gint64 id = fixture_create_incident (f, token, 31.03 + (i % 50) * 0.001, 112.20);
      double ms = (g_get_monotonic_time () - t0) / 1000.0;

      if (create_ms != NULL)
        g_array_append_val (create_ms, ms);
      g_array_append_val (ids, id);
    }
  return ids;
}

/* ---- Fan-out ------------------------------------------------------------------------------ */

/* Subscribers are spread over a few threads, each with its own context and SoupSession, and
 * read only "seq" and "at" from each message: the clients must not be the bottleneck of a
 * measurement of the server (30 consoles are 30 machines). */
#define FANOUT_CLIENT_THREADS 3

typedef struct
{
  SoupWebsocketConnection *conn;
  gint64                   last;
  guint                    received;
  guint                    out_of_order;
  guint                    unacked;
  GArray                  *latency_ms;
} Subscriber;

static void
on_event (SoupWebsocketConnection *conn,
          int                      type,
          GBytes                  *message,
          gpointer                 user_data)
{
  Subscriber *sub = user_data;
  gint64 now = g_get_real_time ();
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  g_autofree char *text = g_strndup (data, length);
  const char *seq_text = strstr (text, "\"seq\":");
  const char *at_text = strstr (text, "\"at\":\"");
  gint64 seq, at = 0;
  double ms;

  if (seq_text == NULL || at_text == NULL || g_str_has_prefix (text, "{\"type\""))
    return;

  seq = g_ascii_strtoll (seq_text + 6, NULL, 10);
  if (seq != sub->last + 1)
    sub->out_of_order++;
  sub->last = seq;
  sub->received++;

  {
    g_autofree char *at_string = g_strndup (at_text + 6, strcspn (at_text + 6, "\""));
    bc_time_parse (at_string, &at, NULL);
  }
  ms = (now - at) / 1000.0;
  g_array_append_val (sub->latency_ms, ms);

  /* As the console does: acknowledge every few hundred events. */
  if (++sub->unacked >= 200)
    {
      g_autofree char *ack = g_strdup_printf ("{\"ack\":%" G_GINT64_FORMAT "}", sub->last);
      soup_websocket_connection_send_text (conn, ack);
      sub->unacked = 0;
    }
}

typedef struct
{
  const char  *base_uri;
  const char  *tokens[2];
  Subscriber  *subs;
  guint        n_subs;
  gint64       since;
  gint64       final;       /* set by the main thread when the load is over */
  gint         connected;
  gint         stop;
  GMainContext *context;
} ClientThread;

static void
client_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Subscriber *sub = user_data;
  g_autoptr(GError) error = NULL;

  sub->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  soup_websocket_connection_set_max_incoming_payload_size (sub->conn, 1024 * 1024);
  g_signal_connect (sub->conn, "message", G_CALLBACK (on_event), sub);
}

static gpointer
client_thread_main (gpointer data)
{
  ClientThread *ct = data;
  g_autoptr(SoupSession) session = NULL;
  guint connected = 0;

  g_main_context_push_thread_default (ct->context);
  session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);

  for (guint i = 0; i < ct->n_subs; i++)
    {
      g_autofree char *uri = g_strdup_printf ("%s/api/v1/events?since=%" G_GINT64_FORMAT,
                                              ct->base_uri, ct->since);
      g_autofree char *auth = g_strconcat ("Bearer ", ct->tokens[i % 3 == 0], NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    auth);
      soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                            client_connected, &ct->subs[i]);
    }

  while (!g_atomic_int_get (&ct->stop))
    {
      g_main_context_iteration (ct->context, FALSE);
      if (connected < ct->n_subs)
        {
          connected = 0;
          for (guint i = 0; i < ct->n_subs; i++)
            connected += ct->subs[i].conn != NULL;
          if (connected == ct->n_subs)
            g_atomic_int_set (&ct->connected, 1);
        }
      if (!g_main_context_pending (ct->context))
        g_usleep (200);
    }

  for (guint i = 0; i < ct->n_subs; i++)
    {
      g_signal_handlers_disconnect_by_data (ct->subs[i].conn, &ct->subs[i]);
      soup_websocket_connection_close (ct->subs[i].conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&ct->subs[i].conn);
    }
  soup_session_abort (session);
  while (g_main_context_iteration (ct->context, FALSE))
    ;
  g_main_context_pop_thread_default (ct->context);
  return NULL;
}

typedef struct
{
  ServerFixture *f;
  char          *dispatcher;
  char          *unit_tokens[FANOUT_AVL_UNITS];
  gint64         avl_units[FANOUT_AVL_UNITS];
  GArray        *incidents;
  gint64         dispatch_units_first;
  guint          failures;
  double         elapsed_s;
} Generator;

static guint
post (SoupSession *session,
      const char  *base_uri,
      const char  *path,
      const char  *token,
      const char  *body,
      const char  *key)
{
  g_autofree char *uri = g_strconcat (base_uri, path, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) reply = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  if (key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Idempotency-Key", key);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  reply = soup_session_send_and_read (session, msg, NULL, NULL);
  return soup_message_get_status (msg);
}

static char *
avl_body (gint64  unit,
          guint   n,
          gint64 *inout_at)
{
  g_autoptr(GString) body = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *at = bc_time_format ((*inout_at) += 1000);  /* 1 ms apart */
      g_string_append_printf (body, "%s{\"unit\":%" G_GINT64_FORMAT ",\"lat\":%.6f,"
                              "\"lon\":112.2,\"heading\":90,\"speed\":10,\"at\":\"%s\"}",
                              i > 0 ? "," : "", unit, 31.0 + i * 1e-5, at);
    }
  g_string_append (body, "]");
  return g_string_free (g_steal_pointer (&body), FALSE);
}

/* Paced load from this thread: per 100 ms one AVL batch of 94 fixes and two dispatches (three
 * events each), i.e. 1,000 events/s. */
static void
generate (Generator *g)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  gint64 fix_at[FANOUT_AVL_UNITS];
  guint ticks = FANOUT_SECONDS * 1000 / FANOUT_TICK_MS;
  guint next_dispatch = 0;
  gint64 t0;

  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("proxy-resolver", NULL, "timeout", 30, NULL);
  for (guint u = 0; u < FANOUT_AVL_UNITS; u++)
    fix_at[u] = bc_time_now ();

  t0 = g_get_monotonic_time ();
  for (guint tick = 0; tick < ticks; tick++)
    {
      guint u = tick % FANOUT_AVL_UNITS;
      g_autofree char *body = avl_body (g->avl_units[u], FANOUT_AVL_BATCH, &fix_at[u]);
      gint64 wake = t0 + (gint64) (tick + 1) * FANOUT_TICK_MS * 1000;

      if (post (session, g->f->base_uri, "/api/v1/avl", g->unit_tokens[u], body, NULL) != 200)
        g->failures++;

      for (guint k = 0; k < FANOUT_DISPATCHES; k++, next_dispatch++)
        {
          g_autofree char *path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT
                                                   "/dispatch",
                                                   g_array_index (g->incidents, gint64,
                                                                  next_dispatch));
          g_autofree char *dispatch = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "]}",
                                                       g->dispatch_units_first + next_dispatch);
          g_autofree char *key = g_strdup_printf ("fanout-%u", next_dispatch);

          if (post (session, g->f->base_uri, path, g->dispatcher, dispatch, key) != 201)
            g->failures++;
        }

      if (g_get_monotonic_time () < wake)
        g_usleep (wake - g_get_monotonic_time ());
    }
  g->elapsed_s = (g_get_monotonic_time () - t0) / 1e6;
  soup_session_abort (session);
  g_main_context_pop_thread_default (context);
}

static void
bench_fanout (void)
{
  ServerFixture f;
  Generator g = { 0, };
  Subscriber subs[FANOUT_SUBSCRIBERS];
  ClientThread clients[FANOUT_CLIENT_THREADS];
  GThread *threads[FANOUT_CLIENT_THREADS];
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *watcher = NULL;
  guint dispatches = FANOUT_SECONDS * 1000 / FANOUT_TICK_MS * FANOUT_DISPATCHES;
  guint per_thread = FANOUT_SUBSCRIBERS / FANOUT_CLIENT_THREADS;
  gint64 start_seq, final;
  guint64 lost = 0;
  guint out_of_order = 0;

  start (&f);
  g.f = &f;
  g.dispatcher = fixture_user_token (&f, "disp1", BC_ROLE_DISPATCHER, NULL);
  watcher = fixture_user_token (&f, "wall1", BC_ROLE_SUPERVISOR, NULL);
  g.dispatch_units_first = bulk_units (&f, dispatches, 0.05);
  for (guint u = 0; u < FANOUT_AVL_UNITS; u++)
    {
      g_autofree char *call_sign = g_strdup_printf ("车载%02u", u);
      g_autofree char *user = g_strdup_printf ("car%02u", u);

      g.avl_units[u] = fixture_add_unit (&f, call_sign, 31.0, 112.2);
      g.unit_tokens[u] = fixture_user_token (&f, user, BC_ROLE_UNIT, call_sign);
    }
  g.incidents = create_incidents (&f, g.dispatcher, dispatches, NULL);

  start_seq = fixture_last_seq (&f);
  for (guint i = 0; i < FANOUT_SUBSCRIBERS; i++)
    {
      subs[i] = (Subscriber) { 0, };
      subs[i].last = start_seq;
      subs[i].latency_ms = g_array_new (FALSE, FALSE, sizeof (double));
    }
  for (guint t = 0; t < FANOUT_CLIENT_THREADS; t++)
    {
      /* Every third subscriber is a wall display: masked and full serialisations both run. */
      clients[t] = (ClientThread) { f.base_uri, { g.dispatcher, watcher },
                                    &subs[t * per_thread], per_thread, start_seq, 0, 0, 0,
                                    g_main_context_new () };
      threads[t] = g_thread_new ("subscribers", client_thread_main, &clients[t]);
    }
  for (guint t = 0; t < FANOUT_CLIENT_THREADS; t++)
    while (!g_atomic_int_get (&clients[t].connected))
      g_usleep (1000);
  g_usleep (200 * 1000);

  generate (&g);

  /* Let the last events arrive. */
  final = fixture_last_seq (&f);
  for (guint waited = 0; waited < 300; waited++)
    {
      gboolean caught_up = TRUE;

      for (guint i = 0; i < FANOUT_SUBSCRIBERS; i++)
        caught_up &= (gint64) g_atomic_pointer_get (&subs[i].last) >= final;
      if (caught_up)
        break;
      g_usleep (100 * 1000);
    }
  for (guint t = 0; t < FANOUT_CLIENT_THREADS; t++)
    {
      g_atomic_int_set (&clients[t].stop, 1);
      g_thread_join (threads[t]);
      g_main_context_unref (clients[t].context);
    }

  for (guint i = 0; i < FANOUT_SUBSCRIBERS; i++)
    {
      lost += (guint64) (final - start_seq) - subs[i].received;
      out_of_order += subs[i].out_of_order;
      g_array_append_vals (all, subs[i].latency_ms->data, subs[i].latency_ms->len);
      g_array_unref (subs[i].latency_ms);
    }

  printf ("bench: server-fanout-events-per-s %.0f events/s\n", (final - start_seq) / g.elapsed_s);
  printf ("bench: server-fanout-subscribers %u subscribers\n", FANOUT_SUBSCRIBERS);
  printf ("bench: server-fanout-latency-p50 %.2f ms\n", percentile (all, 0.50));
  printf ("bench: server-fanout-latency-p99 %.2f ms\n", percentile (all, 0.99));
  printf ("bench: server-fanout-latency-max %.2f ms\n", percentile (all, 1.0));
  printf ("bench: server-fanout-events-lost %" G_GUINT64_FORMAT " events\n", lost);
  printf ("bench: server-fanout-out-of-order %u events\n", out_of_order);
  printf ("bench: server-fanout-request-failures %u requests\n", g.failures);
  fflush (stdout);

  for (guint u = 0; u < FANOUT_AVL_UNITS; u++)
    g_free (g.unit_tokens[u]);
  g_free (g.dispatcher);
  g_array_unref (g.incidents);
  server_fixture_teardown (&f, NULL);
}

/* ---- Server-side time ---------------------------------------------------------------------- */

/* From the moment the server has read a request to the moment it has written the answer,
 * measured inside the server's thread: the round trip minus the client and the scheduler. */
typedef struct
{
  GHashTable *started;   /* SoupServerMessage* → gint64* */
  GArray     *ms;
  gulong      read_id;
  gulong      finished_id;
} ServerTiming;

static void
on_request_read (SoupServer        *server,
                 SoupServerMessage *msg,
                 ServerTiming      *timing)
{
  gint64 *t0 = g_new (gint64, 1);

  *t0 = g_get_monotonic_time ();
  g_hash_table_replace (timing->started, msg, t0);
}

static void
on_request_finished (SoupServer        *server,
                     SoupServerMessage *msg,
                     ServerTiming      *timing)
{
  gint64 *t0 = g_hash_table_lookup (timing->started, msg);

  if (t0 != NULL)
    {
      double ms = (g_get_monotonic_time () - *t0) / 1000.0;
      g_array_append_val (timing->ms, ms);
      g_hash_table_remove (timing->started, msg);
    }
}

static void
timing_start_in_server (ServerFixture *f,
                        gpointer       data)
{
  ServerTiming *timing = data;
  SoupServer *soup = bs_server_get_soup_server (f->server);

  timing->started = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  timing->ms = g_array_new (FALSE, FALSE, sizeof (double));
  timing->read_id = g_signal_connect (soup, "request-read", G_CALLBACK (on_request_read), timing);
  timing->finished_id = g_signal_connect (soup, "request-finished",
                                          G_CALLBACK (on_request_finished), timing);
}

static void
timing_stop_in_server (ServerFixture *f,
                       gpointer       data)
{
  ServerTiming *timing = data;
  SoupServer *soup = bs_server_get_soup_server (f->server);

  g_clear_signal_handler (&timing->read_id, soup);
  g_clear_signal_handler (&timing->finished_id, soup);
  g_clear_pointer (&timing->started, g_hash_table_unref);
}

/* ---- Dispatch round trip ------------------------------------------------------------------ */

static void
bench_dispatch (void)
{
  ServerFixture f;
  g_autofree char *token = NULL;
  g_autoptr(GArray) incidents = NULL;
  g_autoptr(GArray) create_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) dispatch_ms = g_array_new (FALSE, FALSE, sizeof (double));
  ServerTiming timing = { 0, };
  guint n = 300;
  gint64 first_unit;

  start (&f);
  token = fixture_user_token (&f, "disp1", BC_ROLE_DISPATCHER, NULL);
  first_unit = bulk_units (&f, n, 0.05);
  incidents = create_incidents (&f, token, n, create_ms);
  server_fixture_call (&f, timing_start_in_server, &timing);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch",
                                               g_array_index (incidents, gint64, i));
      g_autofree char *body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "],"
                                               "\"instructions\":\"立即前往\"}", first_unit + i);
      g_autofree char *key = g_strdup_printf ("rtt-%u", i);
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(TestReply) reply = fixture_http (&f, "POST", path, token, body,
                                                 "Idempotency-Key", key, NULL);
      double ms = (g_get_monotonic_time () - t0) / 1000.0;

      g_assert_cmpuint (reply->status, ==, 201);
      g_array_append_val (dispatch_ms, ms);
    }

  server_fixture_call (&f, timing_stop_in_server, &timing);

  printf ("bench: server-dispatch-rtt-p50 %.2f ms\n", percentile (dispatch_ms, 0.50));
  printf ("bench: server-dispatch-rtt-p99 %.2f ms\n", percentile (dispatch_ms, 0.99));
  printf ("bench: server-dispatch-in-server-p50 %.2f ms\n", percentile (timing.ms, 0.50));
  printf ("bench: server-dispatch-in-server-p99 %.2f ms\n", percentile (timing.ms, 0.99));
  printf ("bench: server-incident-create-rtt-p50 %.2f ms\n", percentile (create_ms, 0.50));
  printf ("bench: server-incident-create-rtt-p99 %.2f ms\n", percentile (create_ms, 0.99));
  fflush (stdout);

  g_array_unref (timing.ms);
  server_fixture_teardown (&f, NULL);
}

/* ---- AVL ingest --------------------------------------------------------------------------- */

#define AVL_CLIENTS 8
#define AVL_BATCHES_PER_CLIENT 60
#define AVL_BATCH 100

typedef struct
{
  ServerFixture *f;
  char          *token;
  gint64         unit;
  gint64         at;
  guint          sent;
  guint          failures;
  GArray        *rtt_ms;
  gint64         t_send;
  SoupMessage   *msg;
  guint         *active;
} AvlClient;

static void avl_send (AvlClient *c);

static void
avl_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AvlClient *c = user_data;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              NULL);
  double ms = (g_get_monotonic_time () - c->t_send) / 1000.0;

  if (body == NULL || soup_message_get_status (c->msg) != 200)
    c->failures++;
  g_array_append_val (c->rtt_ms, ms);
  g_clear_object (&c->msg);

  if (c->sent < AVL_BATCHES_PER_CLIENT)
    avl_send (c);
  else
    (*c->active)--;
}

static void
avl_send (AvlClient *c)
{
  g_autofree char *uri = g_strconcat (c->f->base_uri, "/api/v1/avl", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", c->token, NULL);
  g_autofree char *body = avl_body (c->unit, AVL_BATCH, &c->at);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  c->msg = soup_message_new ("POST", uri);
  soup_message_headers_replace (soup_message_get_request_headers (c->msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (c->msg, "application/json", bytes);
  c->sent++;
  c->t_send = g_get_monotonic_time ();
  soup_session_send_and_read_async (c->f->session, c->msg, G_PRIORITY_DEFAULT, NULL, avl_done, c);
}

static gboolean
avl_all_done (gpointer data)
{
  return *(guint *) data == 0;
}

static void
bench_avl (void)
{
  ServerFixture f;
  AvlClient clients[AVL_CLIENTS];
  g_autoptr(GArray) rtt = g_array_new (FALSE, FALSE, sizeof (double));
  guint active = AVL_CLIENTS;
  guint failures = 0;
  gint64 t0;
  double elapsed;

  start (&f);
  for (guint i = 0; i < AVL_CLIENTS; i++)
    {
      g_autofree char *call_sign = g_strdup_printf ("车载%02u", i);
      g_autofree char *user = g_strdup_printf ("car%02u", i);

      clients[i] = (AvlClient) { &f, NULL, 0, bc_time_now (), 0, 0, NULL, 0, NULL, &active };
      clients[i].unit = fixture_add_unit (&f, call_sign, 31.0, 112.2);
      clients[i].token = fixture_user_token (&f, user, BC_ROLE_UNIT, call_sign);
      clients[i].rtt_ms = g_array_new (FALSE, FALSE, sizeof (double));
    }

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < AVL_CLIENTS; i++)
    avl_send (&clients[i]);
  fixture_wait (avl_all_done, &active, 120000);
  elapsed = (g_get_monotonic_time () - t0) / 1e6;

  for (guint i = 0; i < AVL_CLIENTS; i++)
    {
      failures += clients[i].failures;
      g_array_append_vals (rtt, clients[i].rtt_ms->data, clients[i].rtt_ms->len);
      g_array_unref (clients[i].rtt_ms);
      g_free (clients[i].token);
    }

  printf ("bench: server-avl-ingest %.0f positions/s\n",
          AVL_CLIENTS * AVL_BATCHES_PER_CLIENT * AVL_BATCH / elapsed);
  printf ("bench: server-avl-batch-rtt-p50 %.2f ms\n", percentile (rtt, 0.50));
  printf ("bench: server-avl-batch-rtt-p99 %.2f ms\n", percentile (rtt, 0.99));
  printf ("bench: server-avl-failures %u requests\n", failures);
  fflush (stdout);

  server_fixture_teardown (&f, NULL);
}

/* ---- Recommendations ---------------------------------------------------------------------- */

typedef struct
{
  gint64  incident;
  GArray *us;
} RepoRecommend;

static void
repo_recommend_in_server (ServerFixture *f,
                          gpointer       data)
{
  RepoRecommend *r = data;

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(GArray) recs = bs_repo_recommend (f->repo, r->incident, 5, &error);
      double us = (double) (g_get_monotonic_time () - t0);

      g_assert_no_error (error);
      g_array_append_val (r->us, us);
    }
}

static void
bench_recommend (void)
{
  ServerFixture f;
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  RepoRecommend repo = { 0, g_array_new (FALSE, FALSE, sizeof (double)) };
  ServerTiming timing = { 0, };
  gint64 incident;

  start (&f);
  token = fixture_user_token (&f, "disp1", BC_ROLE_DISPATCHER, NULL);
  /* 5,000 units in a box of about 40 × 40 km around the city centre. */
  bulk_units (&f, 5000, 0.2);
  incident = fixture_create_incident (&f, token, 31.03, 112.20);
  path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/recommendations?limit=5",
                          incident);

  for (guint i = 0; i < 2100; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(TestReply) reply = fixture_http (&f, "GET", path, token, NULL, NULL);
      double sample = (g_get_monotonic_time () - t0) / 1000.0;

      g_assert_cmpuint (reply->status, ==, 200);
      if (i == 99)   /* after warm-up */
        server_fixture_call (&f, timing_start_in_server, &timing);
      if (i >= 100)
        g_array_append_val (ms, sample);
    }
  server_fixture_call (&f, timing_stop_in_server, &timing);

  repo.incident = incident;
  server_fixture_call (&f, repo_recommend_in_server, &repo);

  printf ("bench: server-recommend-5000-rtt-p50 %.3f ms\n", percentile (ms, 0.50));
  printf ("bench: server-recommend-5000-rtt-p99 %.3f ms\n", percentile (ms, 0.99));
  printf ("bench: server-recommend-5000-in-server-p50 %.3f ms\n", percentile (timing.ms, 0.50));
  printf ("bench: server-recommend-5000-in-server-p99 %.3f ms\n", percentile (timing.ms, 0.99));
  printf ("bench: server-recommend-5000-repo-p99 %.1f us\n", percentile (repo.us, 0.99));
  fflush (stdout);

  g_array_unref (timing.ms);
  g_array_unref (repo.us);
  server_fixture_teardown (&f, NULL);
}

int
main (int    argc,
      char **argv)
{
  bench_dir = argc > 1 ? argv[1] : g_get_tmp_dir ();
  g_log_set_writer_func (g_log_writer_default, NULL, NULL);

  if (argc > 2)
    {
      /* One area only: bench-server DIR fanout|dispatch|avl|recommend */
      if (strcmp (argv[2], "fanout") == 0)
        bench_fanout ();
      else if (strcmp (argv[2], "dispatch") == 0)
        bench_dispatch ();
      else if (strcmp (argv[2], "avl") == 0)
        bench_avl ();
      else if (strcmp (argv[2], "recommend") == 0)
        bench_recommend ();
      return 0;
    }

  bench_fanout ();
  bench_dispatch ();
  bench_avl ();
  bench_recommend ();
  return 0;
}
