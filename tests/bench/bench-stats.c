/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bc-schema.h"
#include "bs-history.h"
#include "bs-stats.h"
#include "server-fixture.h"

/* Statistics on a large history (docs/performance.md):
 * - seed-history throughput, writing 1,000,000 closed incidents (365 days at 3.34 times
 *   Jingmen's volume, so that a quarter holds ~250,000 incidents: the densest case);
 * - bs_stats_summary() called directly on a connection of its own, per period;
 * - GET /api/v1/stats/summary over HTTP on loopback against a real server on that database;
 * - what the roll-up triggers add to an incident INSERT, and migration 3's backfill rate.
 * The database is created in the directory given as the first argument (the build directory
 * under meson), so that fsync hits a real disk; a second argument names an existing seeded
 * database to query instead (no seeding, no HTTP part). Prints "bench: NAME VALUE UNIT". */

#define N_INCIDENTS_GOAL 1000000
#define DAYS             365
#define RUNS             40
/* Monday 2026-11-23, the last day of history; the queries end there. */
#define END_DATE         "2026-11-23"

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

static void
print_progress (guint    days_done,
                guint    n_days,
                guint64  n,
                gpointer user_data)
{
  if (days_done % 73 == 0 || days_done == n_days)
    g_printerr ("seeding: %u/%u days, %" G_GUINT64_FORMAT " incidents\n", days_done, n_days, n);
}

static gint64
end_of_history (void)
{
  g_autoptr(GHashTable) params = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  BsStatsQuery query;
  gint64 end;

  g_hash_table_insert (params, (char *) "end", (char *) END_DATE);
  g_assert_true (bs_stats_query_parse (params, 0, &query, &error));
  end = query.end;
  bs_stats_query_clear (&query);
  return end;
}

static void
seed (const char *db_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (db_path, bc_server_schema (), &error);
  BsHistoryOptions options = { 0, };
  guint64 n = 0;
  gint64 started;
  double seconds;

  g_assert_no_error (error);
  options.days = DAYS;
  options.seed = 2026;
  options.end = end_of_history ();
  options.scale = (double) N_INCIDENTS_GOAL / (BS_HISTORY_MEAN_PER_DAY * DAYS);
  options.actor = "bench";
  options.progress = print_progress;

  started = g_get_monotonic_time ();
  g_assert_true (bs_history_seed_full (store, &options, &n, &error));
  g_assert_no_error (error);
  seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;

  printf ("bench: stats-seed-incidents %" G_GUINT64_FORMAT " incidents\n", n);
  printf ("bench: stats-seed-seconds %.1f s\n", seconds);
  printf ("bench: stats-seed-rate %.0f incidents/s\n", n / seconds);
}

static void
bench_direct (const char *db_path,
              const char *period,
              const char *extra)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (db_path, bc_server_schema (), &error);
  g_autoptr(GHashTable) params = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *name = NULL;
  BsStatsQuery query;

  g_assert_no_error (error);
  g_hash_table_insert (params, (char *) "period", (char *) period);
  g_hash_table_insert (params, (char *) "end", (char *) END_DATE);
  if (extra != NULL)
    g_hash_table_insert (params, (char *) "district", (char *) extra);
  g_assert_true (bs_stats_query_parse (params, 0, &query, &error));

  for (guint i = 0; i < RUNS + 2; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(JsonNode) node = bs_stats_summary (store, &query, bc_time_now (), &error);
      double elapsed = (g_get_monotonic_time () - t0) / 1000.0;

      g_assert_no_error (error);
      g_assert_nonnull (node);
      /* The first two warm the page cache, as a server that has been running would have. */
      if (i >= 2)
        g_array_append_val (ms, elapsed);
    }
  bs_stats_query_clear (&query);

  name = g_strdup_printf ("stats-direct-%s%s", period, extra != NULL ? "-district" : "");
  printf ("bench: %s-p50 %.2f ms\n", name, percentile (ms, 0.50));
  printf ("bench: %s-p99 %.2f ms\n", name, percentile (ms, 0.99));
}

static void
bench_http (ServerFixture *f,
            const char    *token,
            const char    *period)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *path = g_strdup_printf ("/api/v1/stats/summary?period=%s&end=%s", period,
                                           END_DATE);
  gsize bytes = 0;

  for (guint i = 0; i < RUNS + 2; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(TestReply) reply = fixture_http (f, "GET", path, token, NULL, NULL);
      double elapsed = (g_get_monotonic_time () - t0) / 1000.0;

      assert_reply (reply, 200, NULL);
      bytes = g_bytes_get_size (reply->body);
      if (i >= 2)
        g_array_append_val (ms, elapsed);
    }

  printf ("bench: stats-http-%s-p50 %.2f ms\n", period, percentile (ms, 0.50));
  printf ("bench: stats-http-%s-p99 %.2f ms\n", period, percentile (ms, 0.99));
  printf ("bench: stats-http-%s-body %" G_GSIZE_FORMAT " bytes\n", period, bytes);
}

/* Inserts @n incidents over 30 days in one transaction; returns the seconds it took. */
static double
insert_incidents (BcStore *store,
                  guint    first,
                  guint    n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (first);
  gint64 base = end_of_history () - 30 * G_GINT64_CONSTANT (86400000000);
  gint64 t0 = g_get_monotonic_time ();

  g_assert_true (bc_store_begin (store, &error));
  for (guint i = first; i < first + n; i++)
    {
      g_autoptr(BcStmt) stmt = NULL;
      g_autofree char *number = g_strdup_printf ("JQ%012u", i);
      gint64 created = base + (gint64) g_rand_int_range (rand, 0, 30 * 86400) * G_USEC_PER_SEC;

      stmt = bc_store_prepare (store,
                               "INSERT INTO incidents (number, type, priority, status, lat, lon, "
                               "  district, created_at, dispatched_at, on_scene_at, closed_at, "
                               "  updated_at) "
                               "VALUES (?1, ?2, ?3, 'closed', 31.03, 112.2, ?4, ?5, ?6, ?7, ?8, "
                               "  ?8)",
                               &error);
      g_assert_no_error (error);
      sqlite3_bind_text (stmt, 1, number, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, bc_incident_type_to_string (g_rand_int_range (rand, 0, 8)), -1,
                         SQLITE_STATIC);
      sqlite3_bind_int (stmt, 3, g_rand_int_range (rand, 1, 5));
      sqlite3_bind_text (stmt, 4, g_rand_boolean (rand) ? "东宝区" : "掇刀区", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, created);
      sqlite3_bind_int64 (stmt, 6, created + g_rand_int_range (rand, 20, 600) * G_USEC_PER_SEC);
      sqlite3_bind_int64 (stmt, 7, created + g_rand_int_range (rand, 300, 2400) * G_USEC_PER_SEC);
      sqlite3_bind_int64 (stmt, 8, created + g_rand_int_range (rand, 2400, 9000) * G_USEC_PER_SEC);
      g_assert_true (bc_store_step_done (store, stmt, &error));
    }
  g_assert_true (bc_store_commit (store, &error));
  g_assert_no_error (error);
  return (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
}

/* What the roll-up triggers cost a writer, and migration 3's backfill rate: incidents written
 * at schema version 2 (no triggers), the upgrade, then as many written at version 3. */
static void
bench_triggers (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "triggers.db", NULL);
  BcStoreSchema v2 = *bc_server_schema ();
  const guint n = 100000;
  double plain, with_triggers, backfill;
  gint64 t0;

  v2.n_migrations = 2;
  {
    g_autoptr(BcStore) store = bc_store_open (path, &v2, &error);

    g_assert_no_error (error);
    plain = insert_incidents (store, 0, n);
  }

  t0 = g_get_monotonic_time ();
  {
    g_autoptr(BcStore) store = bc_store_open (path, bc_server_schema (), &error);

    g_assert_no_error (error);
    backfill = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
    with_triggers = insert_incidents (store, n, n);
  }

  printf ("bench: stats-insert-without-triggers %.1f us/incident\n", plain * 1e6 / n);
  printf ("bench: stats-insert-with-triggers %.1f us/incident\n", with_triggers * 1e6 / n);
  printf ("bench: stats-backfill-rate %.0f incidents/s\n", n / backfill);
}

int
main (int    argc,
      char **argv)
{
  const char *bench_dir = argc > 1 ? argv[1] : g_get_tmp_dir ();
  g_autofree char *template = g_build_filename (bench_dir, "bench-stats-XXXXXX", NULL);
  g_autofree char *token = NULL;
  ServerFixture f;
  static const char *const periods[] = { "quarter", "month", "week", "day" };

  g_log_set_writer_func (g_log_writer_default, NULL, NULL);

  if (argc > 2)
    {
      for (guint i = 0; i < G_N_ELEMENTS (periods); i++)
        bench_direct (argv[2], periods[i], NULL);
      bench_direct (argv[2], "quarter", "东宝区");
      return 0;
    }

  memset (&f, 0, sizeof f);
  f.dir = g_mkdtemp (g_steal_pointer (&template));
  g_assert_nonnull (f.dir);
  f.db_path = g_build_filename (f.dir, "beacon.db", NULL);

  bench_triggers (f.dir);
  seed (f.db_path);

  for (guint i = 0; i < G_N_ELEMENTS (periods); i++)
    bench_direct (f.db_path, periods[i], NULL);
  bench_direct (f.db_path, "quarter", "东宝区");

  server_fixture_start (&f, NULL);
  token = fixture_user_token (&f, "supervisor1", BC_ROLE_SUPERVISOR, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (periods); i++)
    bench_http (&f, token, periods[i]);

  server_fixture_teardown (&f, NULL);
  return 0;
}
