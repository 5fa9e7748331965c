/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-store"

#include "config.h"

#include "bc-event-log.h"
#include "bc-store-private.h"

/* How seqs stay gap-free.
 *
 * The next seq is read from the table inside the transaction that appends: MAX(seq) + 1, in the
 * same INSERT. bc_store_begin() uses BEGIN IMMEDIATE, so the transaction holds the database's
 * write lock from its start and no other connection (or process) can append in between; a
 * rolled-back append leaves no row behind, so the next transaction simply reads the same MAX
 * again and no number is consumed. No counter is kept in memory: there is nothing to get out of
 * step after a rollback, a failed COMMIT, a second connection or a crash. MAX on the INTEGER
 * PRIMARY KEY is one descent of the b-tree.
 *
 * Pruning deletes the oldest events; if it deletes all of them, MAX(seq) would restart at 1.
 * So prune records how far it went in meta ("event_log.pruned_through"), which is the floor of
 * the counter when the table is empty. Prune never goes past the last event, so the log stays
 * one contiguous range first_seq … last_seq. */

#define PRUNED_THROUGH_KEY "event_log.pruned_through"

void
bc_event_row_free (BcEventRow *row)
{
  if (row == NULL)
    return;

  g_free (row->type);
  g_free (row->data);
  g_free (row);
}

gboolean
bc_event_log_append (BcStore     *store,
                     const char  *type,
                     gint64       at_us,
                     JsonNode    *data,
                     gint64      *out_seq,
                     GError     **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  g_autofree char *json = NULL;
  gint64 seq;

  g_return_val_if_fail (BC_IS_STORE (store), FALSE);
  g_return_val_if_fail (type != NULL && type[0] != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  /* Outside a transaction the event would commit on its own, before (or without) the change it
   * describes, and never reach the commit hooks. */
  g_return_val_if_fail (bc_store_in_transaction (store), FALSE);
  g_return_val_if_fail (!sqlite3_get_autocommit (bc_store_get_db (store)), FALSE);

  json = data != NULL ? json_to_string (data, FALSE) : g_strdup ("null");

  stmt = bc_store_prepare (store,
                           "INSERT INTO events (seq, type, at, data) VALUES ("
                           "  (SELECT coalesce (max (seq),"
                           "                    (SELECT value FROM meta"
                           "                     WHERE key = '" PRUNED_THROUGH_KEY "'),"
                           "                    0) + 1"
                           "   FROM events),"
                           "  ?1, ?2, ?3) "
                           "RETURNING seq",
                           error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, at_us);
  sqlite3_bind_text (stmt, 3, json, -1, SQLITE_STATIC);

  if (bc_store_step (store, stmt, error) != SQLITE_ROW)
    return FALSE;
  seq = sqlite3_column_int64 (stmt, 0);
  if (!bc_store_step_done (store, stmt, error))
    return FALSE;

  _bc_store_note_appended_seq (store, seq);

  if (out_seq != NULL)
    *out_seq = seq;
  return TRUE;
}

gboolean
bc_event_log_last_seq (BcStore  *store,
                       gint64   *out_seq,
                       GError  **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  g_return_val_if_fail (BC_IS_STORE (store), FALSE);
  g_return_val_if_fail (out_seq != NULL, FALSE);

  stmt = bc_store_prepare (store,
                           "SELECT coalesce (max (seq),"
                           "                 (SELECT value FROM meta"
                           "                  WHERE key = '" PRUNED_THROUGH_KEY "'),"
                           "                 0) "
                           "FROM events",
                           error);
  if (stmt == NULL || bc_store_step (store, stmt, error) != SQLITE_ROW)
    return FALSE;

  *out_seq = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

gboolean
bc_event_log_first_seq (BcStore  *store,
                        gint64   *out_seq,
                        GError  **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  gint64 last;

  g_return_val_if_fail (BC_IS_STORE (store), FALSE);
  g_return_val_if_fail (out_seq != NULL, FALSE);

  stmt = bc_store_prepare (store, "SELECT min (seq) FROM events", error);
  if (stmt == NULL || bc_store_step (store, stmt, error) != SQLITE_ROW)
    return FALSE;

  if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    {
      *out_seq = sqlite3_column_int64 (stmt, 0);
      return TRUE;
    }

  /* Empty: the log starts right after everything that ever was in it. */
  g_clear_pointer (&stmt, bc_stmt_release);
  if (!bc_event_log_last_seq (store, &last, error))
    return FALSE;
  *out_seq = last + 1;
  return TRUE;
}

gboolean
bc_event_log_read (BcStore    *store,
                   gint64      since_seq,
                   guint       limit,
                   GPtrArray  *out,
                   GError    **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (BC_IS_STORE (store), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  stmt = bc_store_prepare (store,
                           "SELECT seq, type, at, data FROM events WHERE seq > ?1 "
                           "ORDER BY seq LIMIT ?2",
                           error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, since_seq);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64)limit : -1);

  while ((rc = bc_store_step (store, stmt, error)) == SQLITE_ROW)
    {
      BcEventRow *row = g_new0 (BcEventRow, 1);

      row->seq = sqlite3_column_int64 (stmt, 0);
      row->type = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
      row->at = sqlite3_column_int64 (stmt, 2);
      row->data = g_strdup ((const char *)sqlite3_column_text (stmt, 3));
      g_ptr_array_add (out, row);
    }

  return rc == SQLITE_DONE;
}

static gboolean
prune_command (BcStore   *store,
               gpointer   user_data,
               GError   **error)
{
  gint64 keep_after_seq = *(gint64 *)user_data;
  gint64 last;

  if (!bc_event_log_last_seq (store, &last, error))
    return FALSE;
  keep_after_seq = MIN (keep_after_seq, last);
  if (keep_after_seq <= 0)
    return TRUE;

  {
    g_autoptr(BcStmt) stmt = bc_store_prepare (store, "DELETE FROM events WHERE seq <= ?1",
                                               error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, keep_after_seq);
    if (!bc_store_step_done (store, stmt, error))
      return FALSE;
  }

  {
    g_autoptr(BcStmt) stmt = NULL;

    stmt = bc_store_prepare (store,
                             "INSERT INTO meta (key, value) "
                             "VALUES ('" PRUNED_THROUGH_KEY "', ?1) "
                             "ON CONFLICT (key) DO UPDATE SET value = max (value, excluded.value)",
                             error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, keep_after_seq);
    return bc_store_step_done (store, stmt, error);
  }
}

gboolean
bc_event_log_prune (BcStore  *store,
                    gint64    keep_after_seq,
                    GError  **error)
{
  g_return_val_if_fail (BC_IS_STORE (store), FALSE);

  if (bc_store_in_transaction (store))
    return prune_command (store, &keep_after_seq, error);
  return bc_store_run_command (store, prune_command, &keep_after_seq, error);
}
