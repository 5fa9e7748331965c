/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bc-event-log.h"
#include "bc-schema.h"
#include "bc-store.h"

/* Durable command throughput of the server's store: one transaction per command, one row and one
 * event each, synchronous=FULL, so every command pays for an fsync of the WAL. The figures depend
 * on the disk: by default the database is created in the current directory (meson runs
 * benchmarks in the build tree, on the same disk as a real deployment would be on a dev box),
 * not in /tmp, which may be a tmpfs where fsync costs nothing. */

#define WARMUP_COMMANDS 50
#define MAX_COMMANDS 3000
#define MAX_SECONDS 5

typedef struct
{
  guint64 n;
} Bench;

static gboolean
command (BcStore   *store,
         gpointer   user_data,
         GError   **error)
{
  Bench *bench = user_data;
  g_autoptr(BcStmt) stmt = NULL;
  g_autoptr(JsonNode) data = NULL;
  g_autofree char *call_sign = g_strdup_printf ("b%" G_GUINT64_FORMAT, bench->n);
  JsonObject *object;

  stmt = bc_store_prepare (store,
                           "INSERT INTO units (call_sign, kind, station) "
                           "VALUES (?1, 'patrol_car', 'bench')",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call_sign, -1, SQLITE_STATIC);
  if (!bc_store_step_done (store, stmt, error))
    return FALSE;

  object = json_object_new ();
  json_object_set_int_member (object, "unit", bc_store_last_insert_rowid (store));
  json_object_set_string_member (object, "status", "available");
  data = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);

  return bc_event_log_append (store, "unit.updated", g_get_real_time (), data, NULL, error);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *)a;
  gint64 y = *(const gint64 *)b;

  return (x > y) - (x < y);
}

static void
remove_db (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *path = NULL;
  const char *dir = argc > 1 ? argv[1] : ".";
  Bench bench = { 0 };
  gint64 start, elapsed;
  guint n;

  path = g_strdup_printf ("%s/bench-store-%d.db", dir, (int)getpid ());
  remove_db (path);

  store = bc_store_open (path, bc_server_schema (), &error);
  if (store == NULL)
    {
      fprintf (stderr, "bench-store: %s\n", error->message);
      return EXIT_FAILURE;
    }

  for (; bench.n < WARMUP_COMMANDS; bench.n++)
    if (!bc_store_run_command (store, command, &bench, &error))
      goto fail;

  start = g_get_monotonic_time ();
  for (n = 0; n < MAX_COMMANDS; n++, bench.n++)
    {
      gint64 t0 = g_get_monotonic_time ();
      gint64 latency;

      if (!bc_store_run_command (store, command, &bench, &error))
        goto fail;
      latency = g_get_monotonic_time () - t0;
      g_array_append_val (latencies, latency);

      if (g_get_monotonic_time () - start > MAX_SECONDS * G_USEC_PER_SEC)
        {
          n++;
          break;
        }
    }
  elapsed = g_get_monotonic_time () - start;

  g_array_sort (latencies, compare_gint64);
  printf ("bench: store_durable_commands %.0f commands/s\n",
          n / (elapsed / (double)G_USEC_PER_SEC));
  printf ("bench: store_commit_latency_p50 %" G_GINT64_FORMAT " us\n",
          g_array_index (latencies, gint64, latencies->len / 2));
  printf ("bench: store_commit_latency_p99 %" G_GINT64_FORMAT " us\n",
          g_array_index (latencies, gint64, MIN (latencies->len - 1, latencies->len * 99 / 100)));

  g_clear_object (&store);
  remove_db (path);
  return EXIT_SUCCESS;

fail:
  fprintf (stderr, "bench-store: %s\n", error->message);
  g_clear_object (&store);
  remove_db (path);
  return EXIT_FAILURE;
}
