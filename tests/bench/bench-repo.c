/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-bench"

#include "config.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include <glib/gstdio.h>

#include "bc-event-log.h"
#include "bc-model.h"
#include "bc-schema.h"
#include "bc-store.h"
#include "bs-repo.h"

/* The server's hot paths through BsRepo on a real database file, synchronous=FULL:
 * - AVL ingest in batches of 100 (one transaction and one fsync per batch),
 * - recommendations among 5,000 units of mixed kinds (in memory, plus one incident read),
 * - dispatch of one unit, a durable command (order, unit, incident, events, audit, fsync).
 * The database goes in the directory given as the first argument (meson passes the build
 * directory: a real disk, unlike a tmpfs /tmp where fsync is free). */

#define N_UNITS          5000
#define AVL_BATCH        100
#define AVL_MAX_BATCHES  2000
#define AVL_MAX_SECONDS  5.0
#define N_RECOMMEND      5000
#define N_DISPATCH       400

#define JM_LAT 31.0355
#define JM_LON 112.2040

static const BsActor bench_actor = { "bench", BC_ROLE_DISPATCHER, "127.0.0.1:1" };

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of this process (user + system): on a busy machine the wall-clock rate says more
 * about the neighbours than about the code. */
static double
cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6
         + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *samples,
            double  p)
{
  guint i;

  g_array_sort (samples, compare_double);
  i = (guint) (p * (samples->len - 1) + 0.5);
  return g_array_index (samples, double, i);
}

static BcIncident *
create_incident (BsRepo *repo,
                 GRand  *rand)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) draft = bc_incident_new ();
  BcIncident *incident;

  bc_incident_set_incident_type (draft, BC_INCIDENT_TYPE_TRAFFIC);
  bc_incident_set_priority (draft, 2);
  bc_incident_set_location (draft, JM_LAT + g_rand_double_range (rand, -0.2, 0.2),
                            JM_LON + g_rand_double_range (rand, -0.2, 0.2));
  bc_incident_set_address (draft, "象山大道");
  incident = bs_repo_create_incident (repo, draft, &bench_actor, &error);
  if (incident == NULL)
    g_error ("create: %s", error->message);
  return incident;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autoptr(BsRepo) repo = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (1124);
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) incidents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree BsAvlFix *batch = g_new (BsAvlFix, AVL_BATCH);
  gint64 fix_time = g_get_real_time () - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  guint n_batches = 0;
  guint next_unit = 0;
  double t0, elapsed, cpu0;

  dir = g_build_filename (argc > 1 ? argv[1] : ".", "bench-repo-XXXXXX", NULL);
  if (g_mkdtemp (dir) == NULL)
    g_error ("cannot create %s", dir);
  path = g_build_filename (dir, "server.db", NULL);

  store = bc_store_open (path, bc_server_schema (), &error);
  if (store == NULL)
    g_error ("open: %s", error->message);
  repo = bs_repo_new (store, &error);
  if (repo == NULL)
    g_error ("repo: %s", error->message);

  for (guint i = 0; i < N_UNITS; i++)
    {
      g_autofree char *call_sign = g_strdup_printf ("B%04u", i);
      BcUnit *unit = bc_unit_new ();

      bc_unit_set_call_sign (unit, call_sign);
      bc_unit_set_kind (unit, (BcUnitKind) g_rand_int_range (rand, 0, 5));
      bc_unit_set_status (unit, BC_UNIT_STATUS_AVAILABLE);
      bc_unit_set_position (unit, JM_LAT + g_rand_double_range (rand, -0.3, 0.3),
                            JM_LON + g_rand_double_range (rand, -0.3, 0.3), 0.0, 0.0, fix_time);
      g_ptr_array_add (units, unit);
    }
  if (!bs_repo_import_units (repo, units, &bench_actor, &error))
    g_error ("import: %s", error->message);
  all = bs_repo_list_units (repo, &error);
  if (all == NULL)
    g_error ("list: %s", error->message);

  /* AVL: every batch moves 100 different units a little; times only go forward. */
  t0 = now_s ();
  cpu0 = cpu_s ();
  while (n_batches < AVL_MAX_BATCHES && now_s () - t0 < AVL_MAX_SECONDS)
    {
      fix_time += 1000;
      for (guint i = 0; i < AVL_BATCH; i++)
        {
          BcUnit *unit = g_ptr_array_index (all, next_unit);

          next_unit = (next_unit + 1) % all->len;
          batch[i].unit = bc_unit_get_id (unit);
          batch[i].lat = JM_LAT + g_rand_double_range (rand, -0.3, 0.3);
          batch[i].lon = JM_LON + g_rand_double_range (rand, -0.3, 0.3);
          batch[i].heading = g_rand_double_range (rand, 0.0, 359.0);
          batch[i].speed = g_rand_double_range (rand, 0.0, 20.0);
          batch[i].at = fix_time;
        }
      if (!bs_repo_ingest_avl (repo, batch, AVL_BATCH, &bench_actor, &error))
        g_error ("avl: %s", error->message);
      n_batches++;
    }
  elapsed = now_s () - t0;
  printf ("bench: repo-avl-ingest %.0f positions/s\n", n_batches * AVL_BATCH / elapsed);
  printf ("bench: repo-avl-batch-mean %.3f ms\n", elapsed / n_batches * 1e3);
  printf ("bench: repo-avl-cpu-per-position %.2f us\n",
          (cpu_s () - cpu0) / (n_batches * AVL_BATCH) * 1e6);
  fflush (stdout);

  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (incidents, create_incident (repo, rand));

  /* Recommendations: 5 best units for random incidents among 5,000 units. */
  for (guint i = 0; i < N_RECOMMEND; i++)
    {
      BcIncident *incident = g_ptr_array_index (incidents, i % incidents->len);
      g_autoptr(GArray) recs = NULL;
      double t, dt;

      t = now_s ();
      recs = bs_repo_recommend (repo, bc_incident_get_id (incident), 5, &error);
      dt = now_s () - t;
      if (recs == NULL || recs->len != 5)
        g_error ("recommend: %s", error != NULL ? error->message : "too few");
      g_array_append_val (samples, dt);
    }
  printf ("bench: repo-recommend-p50 %.1f us\n", percentile (samples, 0.50) * 1e6);
  printf ("bench: repo-recommend-p99 %.1f us\n", percentile (samples, 0.99) * 1e6);
  fflush (stdout);

  /* Dispatch: one available unit to an open incident per command, durable. */
  g_array_set_size (samples, 0);
  for (guint i = 0; i < N_DISPATCH; i++)
    {
      BcIncident *incident = g_ptr_array_index (incidents, i % incidents->len);
      BcUnit *unit = g_ptr_array_index (all, i);
      gint64 id = bc_unit_get_id (unit);
      g_autofree char *key = g_strdup_printf ("bench-%u", i);
      g_autoptr(BcOrder) order = NULL;
      double t, dt;

      t = now_s ();
      order = bs_repo_dispatch (repo, bc_incident_get_id (incident), &id, 1, "bench", key, "h",
                                &bench_actor, NULL, &error);
      dt = now_s () - t;
      if (order == NULL)
        g_error ("dispatch: %s", error->message);
      g_array_append_val (samples, dt);
    }
  printf ("bench: repo-dispatch-p50 %.2f ms\n", percentile (samples, 0.50) * 1e3);
  printf ("bench: repo-dispatch-p99 %.2f ms\n", percentile (samples, 0.99) * 1e3);
  fflush (stdout);

  g_clear_object (&repo);
  g_clear_object (&store);
  {
    const char *suffixes[] = { "", "-wal", "-shm" };

    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *p = g_strconcat (path, suffixes[i], NULL);

        g_unlink (p);
      }
    g_rmdir (dir);
  }
  return 0;
}
