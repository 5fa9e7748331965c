/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-store"

#include "config.h"

#include "bc-audit.h"

void
bc_audit_row_free (BcAuditRow *row)
{
  if (row == NULL)
    return;

  g_free (row->username);
  g_free (row->role);
  g_free (row->remote);
  g_free (row->action);
  g_free (row->target);
  g_free (row->detail);
  g_free (row);
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NULL;
  return g_strdup ((const char *)sqlite3_column_text (stmt, column));
}

gboolean
bc_audit_append (BcStore     *store,
                 gint64       at_us,
                 const char  *username,
                 const char  *role,
                 const char  *remote,
                 const char  *action,
                 const char  *target,
                 const char  *detail_json,
                 GError     **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  g_return_val_if_fail (BC_IS_STORE (store), FALSE);
  g_return_val_if_fail (action != NULL && action[0] != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = bc_store_prepare (store,
                           "INSERT INTO audit (at, username, role, remote, action, target, detail) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, at_us);
  bind_text_or_null (stmt, 2, username);
  bind_text_or_null (stmt, 3, role);
  bind_text_or_null (stmt, 4, remote);
  bind_text_or_null (stmt, 5, action);
  bind_text_or_null (stmt, 6, target);
  bind_text_or_null (stmt, 7, detail_json);

  return bc_store_step_done (store, stmt, error);
}

gboolean
bc_audit_read (BcStore    *store,
               gint64      since_id,
               guint       limit,
               GPtrArray  *out,
               GError    **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (BC_IS_STORE (store), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  stmt = bc_store_prepare (store,
                           "SELECT id, at, username, role, remote, action, target, detail "
                           "FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
                           error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, since_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64)limit : -1);

  while ((rc = bc_store_step (store, stmt, error)) == SQLITE_ROW)
    {
      BcAuditRow *row = g_new0 (BcAuditRow, 1);

      row->id = sqlite3_column_int64 (stmt, 0);
      row->at = sqlite3_column_int64 (stmt, 1);
      row->username = column_dup (stmt, 2);
      row->role = column_dup (stmt, 3);
      row->remote = column_dup (stmt, 4);
      row->action = column_dup (stmt, 5);
      row->target = column_dup (stmt, 6);
      row->detail = column_dup (stmt, 7);
      g_ptr_array_add (out, row);
    }

  return rc == SQLITE_DONE;
}
