/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <stdio.h>

#include "bc-event-log.h"
#include "bc-schema.h"
#include "bc-store.h"

/* Helper of /store/crash/kill-writer: writes to the server database until killed (or until it
 * has done COUNT commands). Each command inserts a unit and appends an event naming it; the
 * seq is printed, one per line, only after the command has committed. */

typedef struct
{
  guint32 run_id[2];
  guint64 n;
  gint64  seq;
} Writer;

static gboolean
write_one (BcStore   *store,
           gpointer   user_data,
           GError   **error)
{
  Writer *writer = user_data;
  g_autoptr(BcStmt) stmt = NULL;
  g_autoptr(JsonNode) data = NULL;
  g_autofree char *call_sign = NULL;
  JsonObject *object;
  gint64 unit;

  /* Unique across the rounds of the test, which all write to one file (a pid may come back). */
  call_sign = g_strdup_printf ("w%08x%08x-%" G_GUINT64_FORMAT, writer->run_id[0],
                               writer->run_id[1], writer->n);

  stmt = bc_store_prepare (store,
                           "INSERT INTO units (call_sign, kind, station) "
                           "VALUES (?1, 'patrol_car', 'store-writer')",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call_sign, -1, SQLITE_STATIC);
  if (!bc_store_step_done (store, stmt, error))
    return FALSE;
  unit = bc_store_last_insert_rowid (store);

  object = json_object_new ();
  json_object_set_int_member (object, "unit", unit);
  json_object_set_string_member (object, "call_sign", call_sign);
  data = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);

  return bc_event_log_append (store, "unit.updated", g_get_real_time (), data, &writer->seq,
                              error);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(BcStore) store = NULL;
  g_autoptr(GError) error = NULL;
  Writer writer = { { g_random_int (), g_random_int () }, 0, 0 };
  guint64 count = G_MAXUINT64;

  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "usage: %s DATABASE [COUNT]\n", argv[0]);
      return 2;
    }
  if (argc == 3 && !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXUINT64, &count, &error))
    {
      fprintf (stderr, "store-writer: %s\n", error->message);
      return 2;
    }

  store = bc_store_open (argv[1], bc_server_schema (), &error);
  if (store == NULL)
    {
      fprintf (stderr, "store-writer: %s\n", error->message);
      return 1;
    }

  for (writer.n = 0; writer.n < count; writer.n++)
    {
      if (!bc_store_run_command (store, write_one, &writer, &error))
        {
          fprintf (stderr, "store-writer: %s\n", error->message);
          return 1;
        }
      /* One write(2) per line: a line is either whole in the pipe or not there at all. */
      printf ("%" G_GINT64_FORMAT "\n", writer.seq);
      fflush (stdout);
    }

  return 0;
}
