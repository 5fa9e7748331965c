/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-bench"

#include "config.h"

/* How long a new incident takes to reach another dispatcher's queue: a real beacon-server on
 * loopback (server-fixture.c, its own thread), one client creating incidents one at a time,
 * and a second console's BkLiveState + BkIncidentQueue (the same objects as in the window)
 * following the event stream. The latency of one incident is from its created_at (set by
 * the server in the transaction that commits it) to the moment its row is in the queue's
 * sorted, filtered model (the view's model); both clocks are this machine's. The queue is
 * in a mapped window at 1920×1080, so the row's widgets are bound as on a seat.
 *
 * queue-latency-* is from the server's commit to the row; queue-console-* from the event's
 * arrival at the second console to the row (the console's own work). With the argument
 * "models-only" the column view is detached from the model, which leaves the live state, the
 * filter and the sort.
 *
 * Run under Xvfb. Prints "bench: NAME VALUE UNIT" lines (docs/performance.md). */

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "bk-incident-queue.h"
#include "bk-live-state.h"
#include "bk-resources.h"
#include "server-fixture.h"

#define N_INCIDENTS 200
#define WARMUP      10

typedef struct
{
  ServerFixture server;
  BcClient *creator;
  BcClient *follower;
  BkLiveState *live;
  BkIncidentQueue *queue;
  GHashTable *seen;           /* incident ids already in the queue model */
  GArray *latencies_ms;
  GArray *console_ms;         /* from the event's arrival to the row */
  gint64 event_at;            /* when the waited-for incident's event arrived */
  gint64 waiting_for;
  gboolean arrived;
  gboolean answered;
  gboolean both;              /* arrived and answered: the next one may go */
  gboolean failed;
} Bench;

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

  g_array_sort (samples, compare_double);
  index = (gsize) ceil (p * samples->len) - 1;
  return g_array_index (samples, double, MIN (index, samples->len - 1));
}

static gboolean
wait_for (gboolean *flag,
          guint     timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!*flag && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  return *flag;
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!bc_client_login_finish (BC_CLIENT (object), result, &error))
    g_error ("login: %s", error->message);
  *done = TRUE;
}

static BcClient *
login (Bench      *bench,
       const char *username)
{
  BcClient *client = bc_client_new (bench->server.base_uri, NULL);
  gboolean done = FALSE;

  bc_client_login_async (client, username, TEST_PASSWORD, NULL, done_cb, &done);
  if (!wait_for (&done, 10000))
    g_error ("login timed out");
  return client;
}

/* Rows arrive in the view's model: note each new incident once, with the time. */
static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Bench      *bench)
{
  gint64 now = g_get_real_time ();
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (model, i);
      gint64 id = bc_incident_get_id (incident);

      if (g_hash_table_contains (bench->seen, &id))
        continue;
      g_hash_table_add (bench->seen, g_memdup2 (&id, sizeof id));
      if (id == bench->waiting_for || (bench->waiting_for == 0 && bench->event_at > 0))
        {
          double ms = (now - bc_incident_get_created_at (incident)) / 1000.0;
          double console_ms = (now - bench->event_at) / 1000.0;

          g_array_append_val (bench->latencies_ms, ms);
          g_array_append_val (bench->console_ms, console_ms);
          bench->arrived = TRUE;
          bench->both = bench->answered;
        }
    }
}

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = bc_client_create_incident_finish (BC_CLIENT (object), result,
                                                                     &error);

  if (incident == NULL)
    {
      g_printerr ("create: %s\n", error->message);
      bench->failed = TRUE;
      bench->both = TRUE;
      return;
    }

  /* The event usually comes first: the row is then counted already. */
  bench->waiting_for = bc_incident_get_id (incident);
  bench->answered = TRUE;
  bench->both = bench->arrived;
}

/* Connected before the live state, so this runs first: when the event reached the console. */
static void
event_cb (BcClient *client,
          BcEvent  *event,
          Bench    *bench)
{
  if (g_str_equal (event->type, BC_EVENT_INCIDENT_CREATED))
    bench->event_at = g_get_real_time ();
}

static void
run_round (Bench      *bench,
           const char *name)
{
  double sum = 0;

  g_array_set_size (bench->latencies_ms, 0);
  g_array_set_size (bench->console_ms, 0);
  for (guint i = 0; i < N_INCIDENTS + WARMUP; i++)
    {
      g_autoptr(BcIncident) draft = bc_incident_new ();

      bc_incident_set_incident_type (draft, (BcIncidentType) (i % 8));
      bc_incident_set_priority (draft, 1 + (int) (i % 4));
      bc_incident_set_location (draft, 31.0 + 0.0003 * i, 112.2);
      bc_incident_set_address (draft, "象山大道与白庙路交叉口");
      bc_incident_set_description (draft, "性能测试");

      bench->arrived = FALSE;
      bench->answered = FALSE;
      bench->both = FALSE;
      bench->waiting_for = 0;
      bench->event_at = 0;
      bc_client_create_incident_async (bench->creator, draft, NULL, created_cb, bench);
      if (!wait_for (&bench->both, 10000) || bench->failed)
        g_error ("incident %u did not reach the queue", i);
      /* The first ones warm up caches and the connection. */
      if (i == WARMUP - 1)
        {
          g_array_set_size (bench->latencies_ms, 0);
          g_array_set_size (bench->console_ms, 0);
        }
    }

  for (guint i = 0; i < bench->latencies_ms->len; i++)
    sum += g_array_index (bench->latencies_ms, double, i);

  g_print ("bench: queue-latency-%s-n %u incidents\n", name, bench->latencies_ms->len);
  g_print ("bench: queue-latency-%s-mean %.2f ms\n", name, sum / bench->latencies_ms->len);
  g_print ("bench: queue-latency-%s-p50 %.2f ms\n", name, percentile (bench->latencies_ms, 0.50));
  g_print ("bench: queue-latency-%s-p99 %.2f ms\n", name, percentile (bench->latencies_ms, 0.99));
  g_print ("bench: queue-latency-%s-max %.2f ms\n", name, percentile (bench->latencies_ms, 1.0));
  g_print ("bench: queue-console-%s-p50 %.2f ms\n", name, percentile (bench->console_ms, 0.50));
  g_print ("bench: queue-console-%s-p99 %.2f ms\n", name, percentile (bench->console_ms, 0.99));
}

static GtkColumnView *
find_column_view (GtkWidget *widget)
{
  if (GTK_IS_COLUMN_VIEW (widget))
    return GTK_COLUMN_VIEW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkColumnView *found = find_column_view (child);
      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
loaded (Bench *bench)
{
  gboolean is_loaded = bk_live_state_get_loaded (bench->live)
                       && bc_client_get_connection_state (bench->follower)
                          == BC_CONNECTION_STATE_CONNECTED;

  return is_loaded;
}

int
main (int    argc,
      char **argv)
{
  Bench bench = { 0 };
  GtkWidget *window;
  gint64 start;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_log_set_writer_func (g_log_writer_default, NULL, NULL);
  gtk_init ();
  /* The widgets' templates; without BkApplication nothing else pulls them in. */
  g_resources_register (bk_get_resource ());

  server_fixture_start (&bench.server, NULL);
  fixture_add_user (&bench.server, "dispatcher1", BC_ROLE_DISPATCHER, "调度员一", TEST_PASSWORD);
  fixture_add_user (&bench.server, "dispatcher2", BC_ROLE_DISPATCHER, "调度员二", TEST_PASSWORD);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *call_sign = g_strdup_printf ("东宝巡%02u", i + 1);
      fixture_add_unit (&bench.server, call_sign, 31.0355 + 0.001 * i, 112.2040);
    }

  bench.seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  bench.latencies_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.console_ms = g_array_new (FALSE, FALSE, sizeof (double));
  bench.creator = login (&bench, "dispatcher2");
  bench.follower = login (&bench, "dispatcher1");

  g_signal_connect (bench.follower, "event", G_CALLBACK (event_cb), &bench);
  bench.live = bk_live_state_new (bench.follower);
  bench.queue = bk_incident_queue_new ();
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (bench.queue));
  bk_incident_queue_set_live_state (bench.queue, bench.live);
  /* "models-only": the view is given no model, to tell the list's own cost from the rest. */
  if (argc > 1 && g_str_equal (argv[1], "models-only"))
    {
      GtkColumnView *view = find_column_view (GTK_WIDGET (bench.queue));

      g_assert_nonnull (view);
      gtk_column_view_set_model (view, NULL);
    }
  g_signal_connect (bk_incident_queue_get_model (bench.queue), "items-changed",
                    G_CALLBACK (items_changed_cb), &bench);
  bk_live_state_start (bench.live);

  start = g_get_monotonic_time ();
  while (!loaded (&bench) && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  if (!loaded (&bench))
    g_error ("the second console did not connect");

  /* First with the window not shown (the model and the list's bookkeeping only), then
   * shown at 1920×1080, where every new row is also laid out and drawn before the main loop
   * reads the next event. */
  run_round (&bench, "hidden");
  gtk_window_present (GTK_WINDOW (window));
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < G_USEC_PER_SEC)
    g_main_context_iteration (NULL, FALSE);
  run_round (&bench, "shown");
  g_print ("bench: queue-rows %u rows\n",
           g_list_model_get_n_items (bk_incident_queue_get_model (bench.queue)));

  bk_live_state_stop (bench.live);
  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&bench.live);
  g_clear_object (&bench.creator);
  g_clear_object (&bench.follower);
  server_fixture_teardown (&bench.server, NULL);
  g_hash_table_unref (bench.seen);
  g_array_unref (bench.latencies_ms);
  g_array_unref (bench.console_ms);
  return 0;
}
