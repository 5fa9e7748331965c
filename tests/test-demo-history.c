/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bc-schema.h"
#include "bs-demo.h"
#include "bs-history.h"
#include "bs-stats.h"
#include "server-fixture.h"

/* The synthetic history that a demo writes in the background (bs-demo.c, docs/scenarios.md):
 * it ends the day before the scenario's day, the statistics see it, its roll-ups equal a
 * recount from the incidents whatever the server wrote meanwhile, and stopping the demo in
 * the middle leaves a sound database.
 *
 * The demo runs as the console runs it: in a thread of its own with its own main context. */

#define SCENARIO "jingmen-training.json"

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
  char          *error;
  guint          n_ready_notifies;   /* "history-ready", on the demo's context */
  ServerFixture  http;               /* only base_uri and session are used */
} DemoThread;

static char *
scenario_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "data", "scenarios", SCENARIO, NULL);
}

static void
on_history_ready (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  DemoThread *d = user_data;

  g_assert_true (bs_demo_get_history_ready (BS_DEMO (object)));
  g_atomic_int_inc (&d->n_ready_notifies);
}

static gpointer
demo_thread_main (gpointer data)
{
  DemoThread *d = data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (d->context);
  d->demo = bs_demo_start (&d->options, &error);
  if (d->demo != NULL)
    g_signal_connect (d->demo, "notify::history-ready", G_CALLBACK (on_history_ready), d);

  g_mutex_lock (&d->lock);
  if (d->demo == NULL)
    d->error = g_strdup (error->message);
  else
    d->http.base_uri = g_strdup (bs_demo_get_base_uri (d->demo));
  d->ready = TRUE;
  g_cond_signal (&d->cond);
  g_mutex_unlock (&d->lock);

  if (d->demo != NULL)
    g_main_loop_run (d->loop);
  g_clear_object (&d->demo);
  g_main_context_pop_thread_default (d->context);
  return NULL;
}

static void
demo_start (DemoThread *d)
{
  d->context = g_main_context_new ();
  d->loop = g_main_loop_new (d->context, FALSE);
  g_mutex_init (&d->lock);
  g_cond_init (&d->cond);
  d->thread = g_thread_new ("demo", demo_thread_main, d);
  g_mutex_lock (&d->lock);
  while (!d->ready)
    g_cond_wait (&d->cond, &d->lock);
  g_mutex_unlock (&d->lock);
  if (d->error != NULL)
    g_error ("the demo did not start: %s", d->error);
  d->http.session = soup_session_new_with_options ("timeout", 60, "proxy-resolver", NULL, NULL);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* Returns how long the demo took to stop, in µs. */
static gint64
demo_stop (DemoThread *d)
{
  gint64 started = g_get_monotonic_time ();

  g_main_context_invoke (d->context, quit_loop, d->loop);
  g_thread_join (g_steal_pointer (&d->thread));
  started = g_get_monotonic_time () - started;

  g_clear_object (&d->http.session);
  g_clear_pointer (&d->http.base_uri, g_free);
  g_clear_pointer (&d->loop, g_main_loop_unref);
  g_clear_pointer (&d->context, g_main_context_unref);
  g_clear_pointer (&d->error, g_free);
  g_mutex_clear (&d->lock);
  g_cond_clear (&d->cond);
  d->ready = FALSE;
  return started;
}

/* Waits (polling from the test thread; the demo has its own) until @state or the timeout. */
static BsDemoHistoryState
wait_history (DemoThread         *d,
              BsDemoHistoryState  state,
              guint               min_days,
              guint               timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  BsDemoHistoryState now;
  BsHistoryStats stats;

  for (;;)
    {
      now = bs_demo_get_history_state (d->demo, NULL, &stats);
      if ((now == state && stats.days_done >= min_days) || g_get_monotonic_time () > deadline)
        return now;
      g_usleep (5000);
    }
}

/* ---- Checks on the database ---------------------------------------------------------------- */

static gint64
query_int (BcStore    *store,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = bc_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (bc_store_step (store, stmt, &error), ==, SQLITE_ROW);
  g_assert_no_error (error);
  return sqlite3_column_int64 (stmt, 0);
}

#define LOCAL_DAY(t) "((" t " + 28800000000) / 86400000000)"

/* The counts of stats_daily recounted from the incidents with plain GROUP BY, in both
 * directions, so that a missing row, an extra row and a wrong count all show. */
static const char recount_counts[] =
  "WITH expected AS ("
  "  SELECT day, district, type, sum (c) AS created, sum (p1) AS p1, sum (p2) AS p2,"
  "         sum (p3) AS p3, sum (p4) AS p4, sum (cl) AS closed, sum (ca) AS cancelled"
  "  FROM (SELECT " LOCAL_DAY ("created_at") " AS day, district, type, 1 AS c,"
  "               priority = 1 AS p1, priority = 2 AS p2, priority = 3 AS p3,"
  "               priority = 4 AS p4, 0 AS cl, 0 AS ca FROM incidents"
  "        UNION ALL"
  "        SELECT " LOCAL_DAY ("closed_at") ", district, type, 0, 0, 0, 0, 0, 1, 0"
  "        FROM incidents WHERE closed_at IS NOT NULL"
  "        UNION ALL"
  "        SELECT " LOCAL_DAY ("cancelled_at") ", district, type, 0, 0, 0, 0, 0, 0, 1"
  "        FROM incidents WHERE cancelled_at IS NOT NULL)"
  "  GROUP BY day, district, type),"
  "actual AS ("
  "  SELECT day, district, type, created, p1, p2, p3, p4, closed, cancelled FROM stats_daily"
  "  WHERE created != 0 OR closed != 0 OR cancelled != 0)"
  "SELECT (SELECT count (*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual)) +"
  "       (SELECT count (*) FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected))";

/* The hour histograms likewise. */
static const char recount_hours[] =
  "WITH expected AS ("
  "  SELECT " LOCAL_DAY ("created_at") " AS day, district, type,"
  "         (created_at + 28800000000) / 3600000000 % 24 AS hour, count (*) AS n"
  "  FROM incidents GROUP BY 1, 2, 3, 4),"
  "actual AS ("
  "  SELECT s.day, s.district, s.type, CAST (h.key AS INTEGER), h.value"
  "  FROM stats_daily AS s, json_each (s.hours) AS h)"
  "SELECT (SELECT count (*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual)) +"
  "       (SELECT count (*) FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected))";

/* The JSON histograms are objects whose key order depends on who wrote them; compare them as
 * sorted key:value lists. */
static char *
normal_dump (BcStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  stmt = bc_store_prepare (store,
                           "SELECT s.day, s.district, s.type, s.created, s.p1, s.p2, s.p3, s.p4, "
                           "  s.closed, s.cancelled, "
                           "  (SELECT group_concat (k || ':' || v, ',') FROM "
                           "     (SELECT CAST (key AS INTEGER) AS k, value AS v "
                           "      FROM json_each (s.hours) ORDER BY k)), "
                           "  (SELECT group_concat (k || ':' || v, ',') FROM "
                           "     (SELECT CAST (key AS INTEGER) AS k, value AS v "
                           "      FROM json_each (s.dispatch) ORDER BY k)), "
                           "  (SELECT group_concat (k || ':' || v, ',') FROM "
                           "     (SELECT CAST (key AS INTEGER) AS k, value AS v "
                           "      FROM json_each (s.response) ORDER BY k)) "
                           "FROM stats_daily AS s "
                           "WHERE s.created != 0 OR s.closed != 0 OR s.cancelled != 0 "
                           "ORDER BY s.day, s.district, s.type",
                           &error);
  g_assert_no_error (error);
  while (bc_store_step (store, stmt, &error) == SQLITE_ROW)
    {
      for (int c = 0; c < 13; c++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, c);
          g_string_append_printf (out, "%s ", text != NULL ? text : "-");
        }
      g_string_append_c (out, '\n');
    }
  g_assert_no_error (error);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Every roll-up equals a recount from the incidents: the counts and hours by GROUP BY; the
 * duration histograms by rebuilding the roll-ups through the triggers' own views (migration
 * 3's backfill) and comparing. */
static void
assert_rollups_exact (BcStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *rebuilt = NULL;

  g_assert_cmpint (query_int (store, recount_counts), ==, 0);
  g_assert_cmpint (query_int (store, recount_hours), ==, 0);

  kept = normal_dump (store);
  g_assert_true (bc_store_exec (store,
                                "SAVEPOINT rebuild;"
                                "DELETE FROM stats_daily;"
                                "INSERT INTO stats_delta SELECT 1, created_at, dispatched_at, "
                                "  on_scene_at, closed_at, cancelled_at, district, type, priority "
                                "  FROM incidents;",
                                &error));
  g_assert_no_error (error);
  rebuilt = normal_dump (store);
  g_assert_true (bc_store_exec (store, "ROLLBACK TO rebuild; RELEASE rebuild;", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (kept, ==, rebuilt);
}

static void
assert_integrity_ok (BcStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = bc_store_prepare (store, "PRAGMA integrity_check", &error);

  g_assert_no_error (error);
  g_assert_cmpint (bc_store_step (store, stmt, &error), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
}

/* ---- Tests --------------------------------------------------------------------------------- */

/* A demo with history: the statistics show a quarter of full days before the scenario's day,
 * the incidents that dispatchers (and the simulator) write while it seeds are all accepted and
 * counted, and the roll-ups equal a recount from the incidents. */
static void
test_quarter_and_concurrent_writes (void)
{
  DemoThread d = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = scenario_path ();
  g_autofree char *dir = g_dir_make_tmp ("beacon-history-test-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "demo.db", NULL);
  g_autofree char *dispatcher = NULL;
  g_autofree char *supervisor = NULL;
  g_autofree char *scenario_date = NULL;
  g_autoptr(BcStore) store = NULL;
  BsHistoryStats stats;
  gint64 scenario_day;
  guint n_days = 0;
  guint n_posted = 0, n_posted_while_running = 0;
  BsDemoHistoryState state;

  d.options.scenario_path = path;
  d.options.speed = 30;   /* the simulator writes AVL batches all the time */
  d.options.seed = 3;
  d.options.db_path = db;
  d.options.history_days = 120;
  d.options.history_delay_ms = 50;
  demo_start (&d);

  scenario_day = bs_stats_local_day (bs_simulator_get_run_start (bs_demo_get_simulator (d.demo)));
  scenario_date = bs_stats_day_to_date (scenario_day);

  dispatcher = fixture_login (&d.http, "dispatcher", "demo-dispatcher");
  supervisor = fixture_login (&d.http, "supervisor", "demo-supervisor");

  /* Write through the API all the while it seeds (and a few more), as a dispatcher would. */
  for (;;)
    {
      state = bs_demo_get_history_state (d.demo, &n_days, &stats);
      g_assert_cmpint (state, !=, BS_DEMO_HISTORY_FAILED);
      g_assert_cmpint (state, !=, BS_DEMO_HISTORY_OFF);
      g_assert_cmpuint (n_days, ==, 120);
      if (state == BS_DEMO_HISTORY_READY || n_posted > 5000)
        break;
      fixture_create_incident (&d.http, dispatcher, 31.0402, 112.2158);
      n_posted++;
      if (state == BS_DEMO_HISTORY_RUNNING && stats.days_done > 0)
        n_posted_while_running++;
    }
  for (guint i = 0; i < 5; i++, n_posted++)
    fixture_create_incident (&d.http, dispatcher, 31.0402, 112.2158);
  g_test_message ("%u incidents posted, %u of them while the history was being written",
                  n_posted, n_posted_while_running);
  /* The writes really overlapped the seeding (a test that never overlaps proves nothing). */
  g_assert_cmpuint (n_posted_while_running, >, 0);

  state = wait_history (&d, BS_DEMO_HISTORY_READY, 120, 300);
  g_assert_cmpint (state, ==, BS_DEMO_HISTORY_READY);
  bs_demo_get_history_state (d.demo, NULL, &stats);
  g_assert_cmpuint (stats.days_done, ==, 120);
  /* More when a slow chunk made them smaller (under valgrind). */
  g_assert_cmpuint (stats.n_chunks, >=, 120 / BS_DEMO_HISTORY_CHUNK_DAYS);
  /* About BS_HISTORY_MEAN_PER_DAY a day. */
  g_assert_cmpuint (stats.n_incidents, >, 120 * BS_HISTORY_MEAN_PER_DAY * 7 / 10);
  g_assert_cmpuint (stats.n_incidents, <, 120 * BS_HISTORY_MEAN_PER_DAY * 13 / 10);
  g_test_message ("history: %" G_GUINT64_FORMAT " incidents in %.2f s, %u transactions, "
                  "the longest %.1f ms", stats.n_incidents,
                  stats.elapsed_us / (double) G_USEC_PER_SEC, stats.n_chunks,
                  stats.longest_chunk_us / 1000.0);

  /* The quarter that ends with the scenario's day: 89 days of history and the day itself. */
  {
    g_autofree char *uri = g_strdup_printf ("/api/v1/stats/summary?period=quarter&end=%s",
                                            scenario_date);
    g_autoptr(TestReply) reply = fixture_http (&d.http, "GET", uri, supervisor, NULL, NULL);
    JsonObject *current;
    JsonArray *by_day;
    gint64 sum = 0;

    g_assert_cmpuint (reply->status, ==, 200);
    current = json_object_get_object_member (test_reply_object (reply), "current");
    by_day = json_object_get_array_member (current, "by_day");
    g_assert_cmpuint (json_array_get_length (by_day), ==, 90);
    for (guint i = 0; i < 90; i++)
      {
        JsonObject *day = json_array_get_object_element (by_day, i);
        gint64 total = json_object_get_int_member (day, "total");

        if (i < 89)
          {
            /* A full day of a prefecture-level city. */
            g_assert_cmpint (total, >, BS_HISTORY_MEAN_PER_DAY / 2);
            g_assert_cmpint (json_object_get_int_member (day, "closed"), >, 0);
          }
        else
          {
            /* The scenario's own day: what was created during the test, no history. */
            g_assert_cmpstr (json_object_get_string_member (day, "date"), ==, scenario_date);
            g_assert_cmpint (total, >=, n_posted);
          }
        sum += total;
      }
    g_assert_cmpint (json_object_get_int_member (current, "total"), ==, sum);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (current,
                                                   "dispatch_time_s"), "count"), >, 0);
  }

  demo_stop (&d);
  g_assert_cmpuint (d.n_ready_notifies, ==, 1);

  store = bc_store_open (db, bc_server_schema (), &error);
  g_assert_no_error (error);
  assert_integrity_ok (store);
  assert_rollups_exact (store);

  /* History covers exactly the 120 days before the scenario's day, and nothing of it. */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count (DISTINCT " LOCAL_DAY ("created_at")
                                            ") FROM incidents WHERE created_at < %" G_GINT64_FORMAT,
                                            bs_stats_day_start (scenario_day));
    g_autofree char *first = g_strdup_printf ("SELECT min (created_at) >= %" G_GINT64_FORMAT
                                              " FROM incidents",
                                              bs_stats_day_start (scenario_day - 120));
    g_autofree char *posted = g_strdup_printf ("SELECT count (*) FROM incidents "
                                               "WHERE created_at >= %" G_GINT64_FORMAT
                                               " AND description = '两车相撞'",
                                               bs_stats_day_start (scenario_day));

    g_assert_cmpint (query_int (store, sql), ==, 120);
    g_assert_cmpint (query_int (store, first), ==, 1);
    /* Every incident posted while it seeded is there. */
    g_assert_cmpint (query_int (store, posted), ==, n_posted);
  }
  /* History is not news: one incident.created event for each incident of the scenario's
   * day (the API's and the simulator's), none for the history. */
  {
    g_autofree char *live = g_strdup_printf ("SELECT count (*) FROM incidents "
                                             "WHERE created_at >= %" G_GINT64_FORMAT,
                                             bs_stats_day_start (scenario_day));

    g_assert_cmpint (query_int (store, "SELECT count (*) FROM events "
                                       "WHERE type = 'incident.created'"), ==,
                     query_int (store, live));
  }
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM audit "
                                     "WHERE action = 'history.seed'"), ==, 1);

  g_clear_object (&store);
  for (guint i = 0; i < 4; i++)
    {
      const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
      g_autofree char *file = g_strconcat (db, suffixes[i], NULL);
      g_remove (file);
    }
  g_rmdir (dir);
}

/* Stopping the demo while the history is being written cancels it between two transactions:
 * the stop returns promptly, and what was written (the newest days) is sound, with exact
 * roll-ups. */
static void
test_stop_while_seeding (void)
{
  DemoThread d = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = scenario_path ();
  g_autofree char *dir = g_dir_make_tmp ("beacon-history-test-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "demo.db", NULL);
  g_autoptr(BcStore) store = NULL;
  BsHistoryStats stats;
  BsDemoHistoryState state;
  gint64 stop_us;
  gint64 days;
  gint64 scenario_day;

  d.options.scenario_path = path;
  d.options.seed = 4;
  d.options.db_path = db;
  d.options.history_delay_ms = 10;   /* 365 days */
  demo_start (&d);
  scenario_day = bs_stats_local_day (bs_simulator_get_run_start (bs_demo_get_simulator (d.demo)));

  state = wait_history (&d, BS_DEMO_HISTORY_RUNNING, 2 * BS_DEMO_HISTORY_CHUNK_DAYS, 120);
  bs_demo_get_history_state (d.demo, NULL, &stats);
  g_assert_cmpint (state, ==, BS_DEMO_HISTORY_RUNNING);
  g_assert_cmpuint (stats.days_done, <, 365);

  stop_us = demo_stop (&d);
  g_test_message ("stopped %.0f ms after the request, %u days into the history",
                  stop_us / 1000.0, stats.days_done);

  store = bc_store_open (db, bc_server_schema (), &error);
  g_assert_no_error (error);
  assert_integrity_ok (store);
  assert_rollups_exact (store);

  /* Whole days only, the newest, and not all of them: it did stop in the middle. */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count (DISTINCT " LOCAL_DAY ("created_at")
                                            ") FROM incidents WHERE created_at < %" G_GINT64_FORMAT,
                                            bs_stats_day_start (scenario_day));
    g_autofree char *oldest = g_strdup_printf ("SELECT min (" LOCAL_DAY ("created_at") ") "
                                               "FROM incidents");

    days = query_int (store, sql);
    /* The newest days come first: what is there ends the day before the scenario's. */
    g_assert_cmpint (query_int (store, oldest), ==, scenario_day - days);
  }
  g_assert_cmpint (days, >=, 2 * BS_DEMO_HISTORY_CHUNK_DAYS);
  g_assert_cmpint (days, <, 365);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM audit "
                                     "WHERE action = 'history.seed'"), ==, 0);

  g_clear_object (&store);
  for (guint i = 0; i < 4; i++)
    {
      const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
      g_autofree char *file = g_strconcat (db, suffixes[i], NULL);
      g_remove (file);
    }
  g_rmdir (dir);
}

/* no_history: nothing is scheduled. A kept database that has its history is not seeded a
 * second time. */
static void
test_skip_and_kept_database (void)
{
  DemoThread d = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = scenario_path ();
  g_autofree char *dir = g_dir_make_tmp ("beacon-history-test-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "demo.db", NULL);
  g_autoptr(BcStore) store = NULL;
  BsHistoryStats stats;
  gint64 n_first;

  d.options.scenario_path = path;
  d.options.paused = TRUE;
  d.options.db_path = db;
  d.options.no_history = TRUE;
  demo_start (&d);
  g_assert_cmpint (bs_demo_get_history_state (d.demo, NULL, &stats), ==, BS_DEMO_HISTORY_OFF);
  g_assert_false (bs_demo_get_history_ready (d.demo));
  demo_stop (&d);

  d.options.no_history = FALSE;
  d.options.history_days = 10;
  d.options.history_delay_ms = 1;
  demo_start (&d);
  g_assert_cmpint (wait_history (&d, BS_DEMO_HISTORY_READY, 10, 120), ==, BS_DEMO_HISTORY_READY);
  bs_demo_get_history_state (d.demo, NULL, &stats);
  n_first = (gint64) stats.n_incidents;
  g_assert_cmpint (n_first, >, 10 * BS_HISTORY_MEAN_PER_DAY / 2);
  demo_stop (&d);

  /* The same database again (a later day for the scenario): its history is already there. */
  demo_start (&d);
  g_assert_cmpint (wait_history (&d, BS_DEMO_HISTORY_OFF, 0, 120), ==, BS_DEMO_HISTORY_OFF);
  demo_stop (&d);

  store = bc_store_open (db, bc_server_schema (), &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM incidents "
                                     "WHERE description NOT IN ('两车相撞')"), >=, n_first);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM audit "
                                     "WHERE action = 'history.seed'"), ==, 1);
  assert_rollups_exact (store);

  g_clear_object (&store);
  for (guint i = 0; i < 4; i++)
    {
      const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
      g_autofree char *file = g_strconcat (db, suffixes[i], NULL);
      g_remove (file);
    }
  g_rmdir (dir);
}

/* bs_history_seed_chunked() writes the same incidents, numbers and roll-ups as
 * bs_history_seed_full() for the same options. */
static void
test_chunked_same_as_single (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("beacon-history-test-XXXXXX", &error);
  g_autofree char *path_a = g_build_filename (dir, "a.db", NULL);
  g_autofree char *path_b = g_build_filename (dir, "b.db", NULL);
  g_autoptr(BcStore) a = bc_store_open (path_a, bc_server_schema (), &error);
  g_autoptr(BcStore) b = bc_store_open (path_b, bc_server_schema (), &error);
  BsHistoryOptions options = { 0, };
  BsHistoryStats stats = { 0, };
  g_autofree char *rollups_a = NULL;
  g_autofree char *rollups_b = NULL;
  const char *digest_sql = "SELECT group_concat (number || type || priority || created_at || "
                           "  closed_at || address, ';') FROM (SELECT * FROM incidents "
                           "  ORDER BY number)";
  g_autoptr(BcStmt) sa = NULL;
  g_autoptr(BcStmt) sb = NULL;
  guint64 n = 0;

  g_assert_no_error (error);
  options.days = 23;
  options.seed = 11;
  options.end = bs_stats_day_start (bs_stats_local_day (g_get_real_time ()) - 3);
  options.now = options.end + 9 * 3600 * G_GINT64_CONSTANT (1000000);
  g_assert_true (bs_history_seed_full (a, &options, &n, &error));
  g_assert_no_error (error);
  g_assert_true (bs_history_seed_chunked (b, &options, 5, NULL, &stats, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (stats.n_incidents, ==, n);
  g_assert_cmpuint (stats.days_done, ==, 23);
  g_assert_cmpuint (stats.n_chunks, >=, 5);
  g_assert_cmpint (stats.longest_chunk_us, >, 0);

  sa = bc_store_prepare (a, digest_sql, &error);
  sb = bc_store_prepare (b, digest_sql, &error);
  g_assert_cmpint (bc_store_step (a, sa, &error), ==, SQLITE_ROW);
  g_assert_cmpint (bc_store_step (b, sb, &error), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (sa, 0), ==,
                   (const char *) sqlite3_column_text (sb, 0));
  g_clear_pointer (&sa, bc_stmt_release);
  g_clear_pointer (&sb, bc_stmt_release);

  rollups_a = normal_dump (a);
  rollups_b = normal_dump (b);
  g_assert_cmpstr (rollups_a, ==, rollups_b);
  assert_rollups_exact (b);

  /* A cancelled run writes nothing more and says so. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GError) cancelled = NULL;
    gint64 before = query_int (b, "SELECT count (*) FROM incidents");

    g_cancellable_cancel (cancellable);
    options.end -= 30 * BS_STATS_DAY_US;
    g_assert_false (bs_history_seed_chunked (b, &options, 5, cancellable, &stats, &cancelled));
    g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpuint (stats.days_done, ==, 0);
    g_assert_cmpint (query_int (b, "SELECT count (*) FROM incidents"), ==, before);
  }

  g_clear_object (&a);
  g_clear_object (&b);
  for (guint i = 0; i < 4; i++)
    {
      const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
      g_autofree char *fa = g_strconcat (path_a, suffixes[i], NULL);
      g_autofree char *fb = g_strconcat (path_b, suffixes[i], NULL);
      g_remove (fa);
      g_remove (fb);
    }
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/demo/history/chunked-same-as-single", test_chunked_same_as_single);
  g_test_add_func ("/demo/history/quarter-and-concurrent-writes",
                   test_quarter_and_concurrent_writes);
  g_test_add_func ("/demo/history/stop-while-seeding", test_stop_while_seeding);
  g_test_add_func ("/demo/history/skip-and-kept-database", test_skip_and_kept_database);
  return g_test_run ();
}
