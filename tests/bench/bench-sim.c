/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include <glib/gstdio.h>

#include "bc-event-log.h"
#include "bc-schema.h"
#include "bs-demo.h"
#include "bs-simulator.h"

/* The training simulator's cost with the shipped Jingmen scenario (120 units, 20,000
 * cameras, auto-dispatch on so that units also answer, drive to incidents and clear):
 *
 * - stepped: 30 scenario minutes run as fast as possible; process CPU time per scenario
 *   second, and what that is as a share of one core at 30× (the fastest speed offered);
 * - real time: the whole demo server (bs_demo_start: HTTP server, event hub, simulator)
 *   playing at 30× for 20 wall seconds with nobody connected; CPU time / wall time.
 *
 * Both include the repo's commands and their SQLite commits (synchronous=FULL), i.e.
 * everything the simulator makes the server do. The database goes in the directory given as
 * the first argument (meson passes the build directory, a real disk). Goal: < 5 % of a core
 * at 30×. */

#define STEPPED_MINUTES 30
#define REALTIME_SECONDS 20

static double
cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6
         + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
remove_db (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_remove (file);
    }
}

static void
bench_stepped (const char *dir,
               const char *scenario_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename (dir, "bench-sim-stepped.db", NULL);
  g_autoptr(BcStore) store = NULL;
  g_autoptr(BsRepo) repo = NULL;
  g_autoptr(BsScenario) scenario = NULL;
  g_autoptr(BsSimulator) sim = NULL;
  double t0, c0, wall, cpu, scenario_s;
  gint64 seq0, seq1;
  guint ticks = STEPPED_MINUTES * 60 * 1000 / BS_SIMULATOR_TICK_MS;

  remove_db (db);
  t0 = now_s ();
  store = bc_store_open (db, bc_server_schema (), &error);
  g_assert_no_error (error);
  repo = bs_repo_new (store, &error);
  g_assert_no_error (error);
  scenario = bs_scenario_load (scenario_path, 0, &error);
  g_assert_no_error (error);
  printf ("bench: scenario_load %.1f ms\n", (now_s () - t0) * 1e3);

  t0 = now_s ();
  sim = bs_simulator_new (repo, scenario, 1, &error);
  g_assert_no_error (error);
  /* Importing 20,000 cameras and 120 units into an empty database dominates this. */
  printf ("bench: sim_start %.1f ms\n", (now_s () - t0) * 1e3);
  bs_simulator_set_auto_dispatch (sim, TRUE);
  g_assert_true (bc_event_log_last_seq (store, &seq0, NULL));

  t0 = now_s ();
  c0 = cpu_s ();
  bs_simulator_step (sim, ticks);
  cpu = cpu_s () - c0;
  wall = now_s () - t0;
  g_assert_true (bc_event_log_last_seq (store, &seq1, NULL));

  scenario_s = ticks * BS_SIMULATOR_TICK_MS / 1000.0;
  printf ("bench: sim_stepped_cpu_per_scenario_s %.3f ms\n", cpu / scenario_s * 1e3);
  printf ("bench: sim_stepped_wall_per_scenario_s %.3f ms\n", wall / scenario_s * 1e3);
  printf ("bench: sim_events_per_scenario_s %.1f events\n", (seq1 - seq0) / scenario_s);
  printf ("bench: sim_cpu_at_30x_stepped %.2f %%\n", cpu / scenario_s * 30 * 100);

  g_clear_object (&sim);
  g_clear_object (&repo);
  g_clear_object (&store);
  remove_db (db);
}

static gboolean
stop_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
bench_realtime (const char *dir,
                const char *scenario_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename (dir, "bench-sim-realtime.db", NULL);
  g_autoptr(BsDemo) demo = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  /* No history: its thread would be counted in the simulator's CPU time. */
  BsDemoOptions options = { scenario_path, 30, 1, db, "127.0.0.1:0", FALSE, TRUE, TRUE, 0, 0 };
  double t0, c0, wall, cpu;
  gint64 elapsed0;

  remove_db (db);
  demo = bs_demo_start (&options, &error);
  g_assert_no_error (error);

  t0 = now_s ();
  c0 = cpu_s ();
  elapsed0 = bs_simulator_get_elapsed_ms (bs_demo_get_simulator (demo));
  g_timeout_add_seconds (REALTIME_SECONDS, stop_loop, loop);
  g_main_loop_run (loop);
  cpu = cpu_s () - c0;
  wall = now_s () - t0;

  printf ("bench: sim_realtime_scenario_rate %.1f x\n",
          (bs_simulator_get_elapsed_ms (bs_demo_get_simulator (demo)) - elapsed0) / 1000.0 / wall);
  printf ("bench: sim_cpu_at_30x_realtime %.2f %%\n", cpu / wall * 100);

  g_clear_object (&demo);
  remove_db (db);
}

int
main (int    argc,
      char **argv)
{
  const char *dir = argc > 1 ? argv[1] : ".";
  g_autofree char *scenario = g_build_filename (SOURCE_DATADIR, "scenarios",
                                                "jingmen-training.json", NULL);

  setlocale (LC_ALL, "");
  /* The simulator logs a line when it starts; keep the output to bench lines. */
  g_log_set_writer_func (g_log_writer_default, NULL, NULL);
  g_setenv ("G_MESSAGES_DEBUG", "", TRUE);

  bench_stepped (dir, scenario);
  bench_realtime (dir, scenario);
  return 0;
}
