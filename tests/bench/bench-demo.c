/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-bench"

#include "config.h"

#include <glib/gstdio.h>

#include "bs-demo.h"
#include "server-fixture.h"

/* The demo server's start and its year of synthetic history (docs/performance.md), headless:
 * the server in a thread of its own with its own main context, as `beacon --demo` runs it,
 * over the shipped Jingmen scenario (120 units, 20,000 cameras), database in DIR.
 *
 * - demo-start: bs_demo_start() (database, scenario, 20,000 cameras, accounts, listening);
 * - demo-first-snapshot: from before bs_demo_start() to the answer of the first /snapshot
 *   after signing in as the trainer — the server's share of "first map with units";
 *   without and with history (which starts BS_DEMO_HISTORY_DELAY_MS later);
 * - demo-history-*: how long the year takes, in how many transactions, the longest one;
 * - demo-post-incident-*: POST /incidents round trips while the history is written and after,
 *   what a dispatcher would feel.
 *
 * Usage: bench-demo DIR [SCENARIO] */

#define N_AFTER 60

typedef struct
{
  BsDemoOptions  options;
  GThread       *thread;
  GMainContext  *context;
  GMainLoop     *loop;
  BsDemo        *demo;
  GMutex         lock;
  GCond          cond;
  gboolean       ready;
  gint64         start_us;    /* bs_demo_start() alone */
  ServerFixture  http;
} DemoThread;

static gpointer
demo_thread_main (gpointer data)
{
  DemoThread *d = data;
  g_autoptr(GError) error = NULL;
  gint64 started;

  g_main_context_push_thread_default (d->context);
  started = g_get_monotonic_time ();
  d->demo = bs_demo_start (&d->options, &error);
  d->start_us = g_get_monotonic_time () - started;
  if (d->demo == NULL)
    g_error ("the demo did not start: %s", error->message);

  g_mutex_lock (&d->lock);
  d->http.base_uri = g_strdup (bs_demo_get_base_uri (d->demo));
  d->ready = TRUE;
  g_cond_signal (&d->cond);
  g_mutex_unlock (&d->lock);

  g_main_loop_run (d->loop);
  g_clear_object (&d->demo);
  g_main_context_pop_thread_default (d->context);
  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
remove_db (const char *db)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (db, suffixes[i], NULL);
      g_remove (path);
    }
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
print_latencies (const char *name,
                 GArray     *ms)
{
  g_autofree char *p50 = g_strdup_printf ("demo-post-incident-%s-p50", name);
  g_autofree char *max = g_strdup_printf ("demo-post-incident-%s-max", name);

  if (ms->len == 0)
    return;
  g_array_sort (ms, compare_double);
  g_print ("bench: %s %.1f ms\n", p50, g_array_index (ms, double, ms->len / 2));
  g_print ("bench: %s %.1f ms\n", max, g_array_index (ms, double, ms->len - 1));
  g_print ("# %s: %u requests\n", name, ms->len);
}

static double
post_incident_ms (DemoThread *d,
                  const char *token)
{
  gint64 started = g_get_monotonic_time ();

  fixture_create_incident (&d->http, token, 31.0402, 112.2158);
  return (g_get_monotonic_time () - started) / 1000.0;
}

static void
run (const char *scenario,
     const char *db,
     gboolean    history)
{
  DemoThread d = { 0, };
  g_autofree char *token = NULL;
  g_autofree char *dispatcher = NULL;
  g_autoptr(GArray) during = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) after = g_array_new (FALSE, FALSE, sizeof (double));
  const char *suffix = history ? "with-history" : "no-history";
  BsHistoryStats stats;
  gint64 started;

  remove_db (db);
  d.options.scenario_path = scenario;
  d.options.seed = 1;
  d.options.db_path = db;
  d.options.no_history = !history;
  d.context = g_main_context_new ();
  d.loop = g_main_loop_new (d.context, FALSE);
  g_mutex_init (&d.lock);
  g_cond_init (&d.cond);
  d.http.session = soup_session_new_with_options ("timeout", 60, "proxy-resolver", NULL, NULL);

  started = g_get_monotonic_time ();
  d.thread = g_thread_new ("demo", demo_thread_main, &d);
  g_mutex_lock (&d.lock);
  while (!d.ready)
    g_cond_wait (&d.cond, &d.lock);
  g_mutex_unlock (&d.lock);

  /* What the console does first: sign in, load the snapshot. */
  token = fixture_login (&d.http, "trainer", "demo-trainer");
  {
    g_autoptr(TestReply) reply = fixture_http (&d.http, "GET", "/api/v1/snapshot", token, NULL,
                                               NULL);
    g_assert_cmpuint (reply->status, ==, 200);
  }
  g_print ("bench: demo-start-%s %.0f ms\n", suffix, d.start_us / 1000.0);
  g_print ("bench: demo-first-snapshot-%s %.0f ms\n", suffix,
           (g_get_monotonic_time () - started) / 1000.0);

  dispatcher = fixture_login (&d.http, "dispatcher", "demo-dispatcher");
  if (history)
    {
      BsDemoHistoryState state;

      /* A dispatcher at work while the history is written. */
      while ((state = bs_demo_get_history_state (d.demo, NULL, &stats)) ==
             BS_DEMO_HISTORY_PENDING || state == BS_DEMO_HISTORY_RUNNING)
        {
          double ms = post_incident_ms (&d, dispatcher);

          if (state == BS_DEMO_HISTORY_RUNNING)
            g_array_append_val (during, ms);
          g_usleep (20000);
        }
      g_assert_cmpint (state, ==, BS_DEMO_HISTORY_READY);
      g_print ("bench: demo-history-seconds %.2f s\n", stats.elapsed_us / (double) G_USEC_PER_SEC);
      g_print ("bench: demo-history-incidents %" G_GUINT64_FORMAT " incidents\n",
               stats.n_incidents);
      g_print ("bench: demo-history-transactions %u transactions\n", stats.n_chunks);
      g_print ("bench: demo-history-longest-transaction %.1f ms\n",
               stats.longest_chunk_us / 1000.0);
      print_latencies ("during-history", during);
    }
  for (guint i = 0; i < N_AFTER; i++)
    {
      double ms = post_incident_ms (&d, dispatcher);

      g_array_append_val (after, ms);
      g_usleep (20000);
    }
  print_latencies (history ? "after-history" : "no-history", after);

  g_main_context_invoke (d.context, quit_loop, d.loop);
  g_thread_join (d.thread);
  g_clear_object (&d.http.session);
  g_free (d.http.base_uri);
  g_main_loop_unref (d.loop);
  g_main_context_unref (d.context);
  g_mutex_clear (&d.lock);
  g_cond_clear (&d.cond);
  remove_db (db);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *db = NULL;
  g_autofree char *scenario = NULL;

  if (argc < 2)
    {
      g_printerr ("usage: %s DIR [SCENARIO]\n", argv[0]);
      return 2;
    }
  db = g_build_filename (argv[1], "bench-demo.db", NULL);
  scenario = argc > 2 ? g_strdup (argv[2])
                      : g_build_filename (SOURCE_DATADIR, "scenarios",
                                          "jingmen-training.json", NULL);

  run (scenario, db, FALSE);
  run (scenario, db, TRUE);
  return 0;
}
