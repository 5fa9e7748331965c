/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-store"

#include "config.h"

#include "bc-store.h"
#include "bc-store-private.h"

#include <string.h>

struct _BcStore
{
  GObject              parent_instance;

  char                *path;
  const BcStoreSchema *schema;
  guint                schema_version;
  sqlite3             *db;

  /* SQL text (owned copy) → sqlite3_stmt (finalized on removal). */
  GHashTable          *statements;

  gboolean             in_transaction;
  /* Seqs appended by the event log in the open transaction, announced after COMMIT. */
  GArray              *pending_seqs;
  GHookList            commit_hooks;
};

G_DEFINE_FINAL_TYPE (BcStore, bc_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_QUARK (bc-store-error-quark, bc_store_error)

/* The key in `meta` that says which schema a database holds. */
#define META_SCHEMA_KEY "schema"

static void
bc_store_finalize (GObject *object)
{
  BcStore *self = (BcStore *)object;

  if (self->in_transaction)
    {
      g_critical ("BcStore %s finalized inside a transaction; rolling back", self->path);
      bc_store_rollback (self);
    }

  /* Statements must go before the connection, or sqlite3_close_v2 keeps it alive as a zombie. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      if (sqlite3_close (self->db) != SQLITE_OK)
        g_warning ("Cannot close %s: %s", self->path, sqlite3_errmsg (self->db));
      self->db = NULL;
    }

  if (self->commit_hooks.is_setup)
    g_hook_list_clear (&self->commit_hooks);
  g_clear_pointer (&self->pending_seqs, g_array_unref);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (bc_store_parent_class)->finalize (object);
}

static void
bc_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  BcStore *self = BC_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bc_store_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  BcStore *self = BC_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      /* Construct-only. */
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bc_store_class_init (BcStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bc_store_finalize;
  object_class->get_property = bc_store_get_property;
  object_class->set_property = bc_store_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bc_store_init (BcStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify)sqlite3_finalize);
  self->pending_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hook_list_init (&self->commit_hooks, sizeof (GHook));
}

/* ---- Errors -------------------------------------------------------------------------------- */

static BcStoreError
error_code_from_sqlite (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_CONSTRAINT:
      return BC_STORE_ERROR_CONSTRAINT;

    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return BC_STORE_ERROR_BUSY;

    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
      return BC_STORE_ERROR_OPEN;

    default:
      return BC_STORE_ERROR_SQL;
    }
}

void
bc_store_set_error_from_sqlite (BcStore  *self,
                                int       rc,
                                GError  **error)
{
  const char *message;

  g_return_if_fail (BC_IS_STORE (self));
  g_return_if_fail (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE);

  /* sqlite3_errmsg() describes the most recent failure on the connection; it only belongs to
   * @rc when the codes agree (a caller may translate an older code). */
  if (self->db != NULL && sqlite3_extended_errcode (self->db) == rc)
    message = sqlite3_errmsg (self->db);
  else
    message = sqlite3_errstr (rc);

  g_set_error (error, BC_STORE_ERROR, error_code_from_sqlite (rc), "%s (SQLite %d)",
               message, rc);
}

/* ---- Statements ---------------------------------------------------------------------------- */

static gboolean
is_blank (const char *s)
{
  for (; *s != '\0'; s++)
    if (!g_ascii_isspace (*s) && *s != ';')
      return FALSE;
  return TRUE;
}

sqlite3_stmt *
bc_store_prepare (BcStore     *self,
                  const char  *sql,
                  GError     **error)
{
  sqlite3_stmt *stmt;
  const char *tail = NULL;
  int rc;

  g_return_val_if_fail (BC_IS_STORE (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    {
      /* Busy means stepped but neither finished nor reset: either a missing release, or the
       * same SQL in use in an enclosing scope, which this reset would silently break. */
      if (sqlite3_stmt_busy (stmt))
        g_critical ("Cached statement is still in use; release it with bc_stmt_release() "
                    "before preparing it again: %s", sql);
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK)
    {
      bc_store_set_error_from_sqlite (self, rc, error);
      g_prefix_error (error, "Cannot prepare \"%s\": ", sql);
      return NULL;
    }
  if (stmt == NULL)
    {
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL,
                   "Cannot prepare \"%s\": no SQL statement in it", sql);
      return NULL;
    }
  if (tail != NULL && !is_blank (tail))
    {
      sqlite3_finalize (stmt);
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL,
                   "Cannot prepare \"%s\": more than one statement (use bc_store_exec)", sql);
      return NULL;
    }

  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

void
bc_stmt_release (BcStmt *stmt)
{
  if (stmt == NULL)
    return;

  /* Errors were reported by the step that failed; reset only repeats them. */
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

int
bc_store_step (BcStore       *self,
               sqlite3_stmt  *stmt,
               GError       **error)
{
  int rc;

  g_return_val_if_fail (BC_IS_STORE (self), SQLITE_MISUSE);
  g_return_val_if_fail (stmt != NULL, SQLITE_MISUSE);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    bc_store_set_error_from_sqlite (self, rc, error);
  return rc;
}

gboolean
bc_store_step_done (BcStore       *self,
                    sqlite3_stmt  *stmt,
                    GError       **error)
{
  int rc;

  g_return_val_if_fail (BC_IS_STORE (self), FALSE);
  g_return_val_if_fail (stmt != NULL, FALSE);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL,
                   "Statement returned rows where none were expected: %s", sqlite3_sql (stmt));
      return FALSE;
    }
  bc_store_set_error_from_sqlite (self, rc, error);
  return FALSE;
}

gboolean
bc_store_exec (BcStore     *self,
               const char  *sql,
               GError     **error)
{
  int rc;

  g_return_val_if_fail (BC_IS_STORE (self), FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);

  rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      bc_store_set_error_from_sqlite (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

gint64
bc_store_last_insert_rowid (BcStore *self)
{
  g_return_val_if_fail (BC_IS_STORE (self), 0);

  return sqlite3_last_insert_rowid (self->db);
}

gint64
bc_store_changes (BcStore *self)
{
  g_return_val_if_fail (BC_IS_STORE (self), 0);

  return sqlite3_changes64 (self->db);
}

/* One integer from a one-row query; statements used only while opening are not cached. */
static gboolean
query_int (BcStore     *self,
           const char  *sql,
           gint64      *out_value,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_value = sqlite3_column_int64 (stmt, 0);
  else if (rc == SQLITE_DONE)
    *out_value = 0;
  else
    bc_store_set_error_from_sqlite (self, rc, error);
  sqlite3_finalize (stmt);

  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* ---- Transactions -------------------------------------------------------------------------- */

gboolean
bc_store_in_transaction (BcStore *self)
{
  g_return_val_if_fail (BC_IS_STORE (self), FALSE);

  return self->in_transaction;
}

gboolean
bc_store_begin (BcStore  *self,
                GError  **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  g_return_val_if_fail (BC_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);
  /* A transaction opened behind the store's back (bc_store_exec ("BEGIN")) would make this
   * one fail anyway; say so clearly. */
  g_return_val_if_fail (sqlite3_get_autocommit (self->db), FALSE);

  /* IMMEDIATE takes the write lock now, while waiting is still harmless, instead of failing
   * with SQLITE_BUSY at the first write of a command that has already read. */
  stmt = bc_store_prepare (self, "BEGIN IMMEDIATE", error);
  if (stmt == NULL || !bc_store_step_done (self, stmt, error))
    return FALSE;

  self->in_transaction = TRUE;
  g_array_set_size (self->pending_seqs, 0);
  return TRUE;
}

void
bc_store_rollback (BcStore *self)
{
  g_return_if_fail (BC_IS_STORE (self));
  g_return_if_fail (self->in_transaction);

  self->in_transaction = FALSE;
  g_array_set_size (self->pending_seqs, 0);

  /* SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, ...). */
  if (!sqlite3_get_autocommit (self->db))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BcStmt) stmt = bc_store_prepare (self, "ROLLBACK", &error);

      if (stmt == NULL || !bc_store_step_done (self, stmt, &error))
        g_warning ("Cannot roll back a transaction on %s: %s", self->path, error->message);
    }
}

typedef struct
{
  BcStore      *store;
  const gint64 *seqs;
  guint         n_seqs;
} CommitEmission;

static void
commit_hook_marshal (GHook    *hook,
                     gpointer  data)
{
  CommitEmission *emission = data;
  BcStoreCommitHook func = (BcStoreCommitHook)hook->func;

  func (emission->store, emission->seqs, emission->n_seqs, hook->data);
}

gboolean
bc_store_commit (BcStore  *self,
                 GError  **error)
{
  g_autoptr(GArray) seqs = NULL;
  g_autoptr(BcStmt) stmt = NULL;

  g_return_val_if_fail (BC_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->in_transaction, FALSE);

  stmt = bc_store_prepare (self, "COMMIT", error);
  if (stmt == NULL || !bc_store_step_done (self, stmt, error))
    {
      bc_store_rollback (self);
      return FALSE;
    }
  g_clear_pointer (&stmt, bc_stmt_release);

  self->in_transaction = FALSE;
  if (self->pending_seqs->len == 0)
    return TRUE;

  /* Hooks may run commands of their own, which refill pending_seqs. */
  seqs = g_steal_pointer (&self->pending_seqs);
  self->pending_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));

  {
    g_autoptr(BcStore) keep_alive = g_object_ref (self);
    CommitEmission emission = { self, (const gint64 *)(gpointer)seqs->data, seqs->len };

    g_hook_list_marshal (&self->commit_hooks, TRUE, commit_hook_marshal, &emission);
  }

  return TRUE;
}

gboolean
bc_store_run_command (BcStore             *self,
                      BcStoreCommandFunc   func,
                      gpointer             user_data,
                      GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (BC_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!bc_store_begin (self, error))
    return FALSE;

  ok = func (self, user_data, &local_error);

  if (!self->in_transaction)
    {
      g_critical ("A BcStore command ended its own transaction; commands must only return");
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error_literal (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL,
                             "Command ended its own transaction");
      return FALSE;
    }

  if (ok && local_error == NULL)
    return bc_store_commit (self, error);

  if (local_error == NULL)
    {
      g_critical ("A BcStore command returned FALSE without setting an error");
      g_set_error_literal (&local_error, BC_STORE_ERROR, BC_STORE_ERROR_SQL,
                           "Command failed without an error");
    }
  else if (ok)
    g_critical ("A BcStore command returned TRUE with an error set: %s", local_error->message);

  bc_store_rollback (self);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

void
_bc_store_note_appended_seq (BcStore *self,
                             gint64   seq)
{
  g_assert (BC_IS_STORE (self));
  g_assert (self->in_transaction);

  g_array_append_val (self->pending_seqs, seq);
}

gulong
bc_store_add_commit_hook (BcStore           *self,
                          BcStoreCommitHook  hook,
                          gpointer           user_data,
                          GDestroyNotify     destroy)
{
  GHook *h;

  g_return_val_if_fail (BC_IS_STORE (self), 0);
  g_return_val_if_fail (hook != NULL, 0);

  h = g_hook_alloc (&self->commit_hooks);
  h->func = (gpointer)hook;
  h->data = user_data;
  h->destroy = destroy;
  g_hook_append (&self->commit_hooks, h);

  return h->hook_id;
}

void
bc_store_remove_commit_hook (BcStore *self,
                             gulong   hook_id)
{
  g_return_if_fail (BC_IS_STORE (self));
  g_return_if_fail (hook_id > 0);

  if (!g_hook_destroy (&self->commit_hooks, hook_id))
    g_critical ("%s: no commit hook with id %lu", G_STRFUNC, hook_id);
}

/* ---- Opening ------------------------------------------------------------------------------- */

static gboolean
open_connection (BcStore  *self,
                 GError  **error)
{
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
                    | SQLITE_OPEN_EXRESCODE;
  int rc;

  rc = sqlite3_open_v2 (self->path, &self->db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_OPEN, "Cannot open %s: %s",
                   self->path, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      /* sqlite3_open_v2 returns a handle even when it fails; it must still be closed. */
      g_clear_pointer (&self->db, sqlite3_close);
      return FALSE;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BC_STORE_BUSY_TIMEOUT_MS);
  return TRUE;
}

static gboolean
configure_connection (BcStore  *self,
                      GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *mode = NULL;
  const char *filename;
  gint64 foreign_keys = 0;
  int rc;

  /* The first statement that reads the file: a file that is not a database fails here. */
  rc = sqlite3_prepare_v2 (self->db, "PRAGMA journal_mode=WAL", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    mode = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  else
    bc_store_set_error_from_sqlite (self, rc, error);
  sqlite3_finalize (stmt);
  if (mode == NULL)
    {
      /* Whatever went wrong (I/O, a corrupt header, ...), the file could not be opened; only
       * a lock held too long keeps its own code, as waiting and retrying may help. */
      if (error != NULL && *error != NULL && (*error)->code != BC_STORE_ERROR_BUSY)
        (*error)->code = BC_STORE_ERROR_OPEN;
      g_prefix_error (error, "Cannot open %s: ", self->path);
      return FALSE;
    }

  /* In-memory and temporary databases (no file name) cannot use WAL; everything else must,
   * so that readers never block the command path. */
  filename = sqlite3_db_filename (self->db, "main");
  if (g_ascii_strcasecmp (mode, "wal") != 0 && filename != NULL && filename[0] != '\0')
    {
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_OPEN,
                   "Cannot open %s: journal mode is %s, WAL is required", self->path, mode);
      return FALSE;
    }

  /* FULL: in WAL mode every COMMIT fsyncs the log, so an acknowledged change survives a power
   * cut, not just a process crash. */
  if (!bc_store_exec (self, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", error))
    return FALSE;

  if (!query_int (self, "PRAGMA foreign_keys", &foreign_keys, error))
    return FALSE;
  if (foreign_keys != 1)
    {
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_OPEN,
                   "Cannot open %s: this SQLite does not enforce foreign keys", self->path);
      return FALSE;
    }

  return TRUE;
}

/* Makes sure the file holds this schema (or is empty, then claims it) and is not newer than
 * the code. Returns the database's schema version in @out_version. */
static gboolean
check_identity (BcStore  *self,
                guint    *out_version,
                GError  **error)
{
  const BcStoreSchema *schema = self->schema;
  g_autofree char *name = NULL;
  gint64 version = 0;
  gint64 has_meta = 0;
  gint64 n_objects = 0;

  /* Under the write lock, so that two processes creating the same file cannot both claim it. */
  if (!bc_store_begin (self, error))
    return FALSE;

  if (!query_int (self, "PRAGMA user_version", &version, error)
      || !query_int (self,
                     "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'",
                     &has_meta, error)
      || !query_int (self, "SELECT count(*) FROM sqlite_schema", &n_objects, error))
    goto fail;

  if (has_meta)
    {
      sqlite3_stmt *stmt = NULL;
      int rc;

      rc = sqlite3_prepare_v2 (self->db, "SELECT value FROM meta WHERE key = ?1", -1, &stmt,
                               NULL);
      if (rc == SQLITE_OK)
        {
          sqlite3_bind_text (stmt, 1, META_SCHEMA_KEY, -1, SQLITE_STATIC);
          rc = sqlite3_step (stmt);
          if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) == SQLITE_TEXT)
            name = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
        }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        bc_store_set_error_from_sqlite (self, rc, error);
      sqlite3_finalize (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        goto fail;

      if (g_strcmp0 (name, schema->name) != 0)
        {
          g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_WRONG_SCHEMA,
                       "%s holds a database of schema \"%s\", not \"%s\"", self->path,
                       name != NULL ? name : "(none)", schema->name);
          goto fail;
        }
    }
  else if (version != 0 || n_objects != 0)
    {
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_WRONG_SCHEMA,
                   "%s is a database that was not created for schema \"%s\"", self->path,
                   schema->name);
      goto fail;
    }
  else
    {
      char *sql;
      gboolean ok;

      /* meta belongs to the store, not to a schema: every store database has it, with the
       * schema name under META_SCHEMA_KEY. Schemas may keep their own keys in it. */
      sql = sqlite3_mprintf ("CREATE TABLE meta ("
                             "  key   TEXT PRIMARY KEY NOT NULL,"
                             "  value ANY"
                             ") STRICT;"
                             "INSERT INTO meta (key, value) VALUES (%Q, %Q);",
                             META_SCHEMA_KEY, schema->name);
      ok = bc_store_exec (self, sql, error);
      sqlite3_free (sql);
      if (!ok)
        goto fail;
    }

  if (version > schema->n_migrations)
    {
      g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_TOO_NEW,
                   "%s has version %" G_GINT64_FORMAT " of schema \"%s\"; this program knows "
                   "versions up to %u (it was written by a newer Beacon)",
                   self->path, version, schema->name, schema->n_migrations);
      goto fail;
    }

  if (!bc_store_commit (self, error))
    return FALSE;

  *out_version = (guint)version;
  return TRUE;

fail:
  bc_store_rollback (self);
  return FALSE;
}

static gboolean
check_foreign_keys (BcStore  *self,
                    GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *table = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, "PRAGMA foreign_key_check", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    table = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    bc_store_set_error_from_sqlite (self, rc, error);
  sqlite3_finalize (stmt);

  if (table != NULL)
    g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_CONSTRAINT,
                 "foreign key violation in table %s", table);

  return rc == SQLITE_DONE;
}

static gboolean
migrate (BcStore  *self,
         guint     from_version,
         GError  **error)
{
  const BcStoreSchema *schema = self->schema;

  for (guint i = from_version; i < schema->n_migrations; i++)
    {
      g_autofree char *set_version = NULL;
      gint64 current = 0;

      if (!bc_store_begin (self, error))
        return FALSE;

      /* Another process may have run this migration since check_identity(). */
      if (!query_int (self, "PRAGMA user_version", &current, error))
        goto fail;
      if (current > i)
        {
          if (!bc_store_commit (self, error))
            return FALSE;
          if (current > schema->n_migrations)
            {
              g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_TOO_NEW,
                           "%s was upgraded to version %" G_GINT64_FORMAT " of schema \"%s\" "
                           "while opening; this program knows versions up to %u",
                           self->path, current, schema->name, schema->n_migrations);
              return FALSE;
            }
          i = (guint)current - 1;
          continue;
        }

      set_version = g_strdup_printf ("PRAGMA user_version = %u", i + 1);
      if (!bc_store_exec (self, schema->migrations[i], error)
          || !check_foreign_keys (self, error)
          || !bc_store_exec (self, set_version, error))
        goto fail;

      if (!bc_store_commit (self, error))
        goto failed;

      g_debug ("%s: migrated schema \"%s\" to version %u", self->path, schema->name, i + 1);
      continue;

fail:
      bc_store_rollback (self);
failed:
      g_prefix_error (error, "Cannot migrate %s from version %u to %u of schema \"%s\": ",
                      self->path, i, i + 1, schema->name);
      if (error != NULL && *error != NULL && (*error)->code != BC_STORE_ERROR_BUSY)
        (*error)->code = BC_STORE_ERROR_SQL;
      return FALSE;
    }

  return TRUE;
}

BcStore *
bc_store_open (const char           *path,
               const BcStoreSchema  *schema,
               GError              **error)
{
  g_autoptr(BcStore) self = NULL;
  guint version = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (schema != NULL, NULL);
  g_return_val_if_fail (schema->name != NULL, NULL);
  g_return_val_if_fail (schema->n_migrations == 0 || schema->migrations != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (BC_TYPE_STORE, "path", path, NULL);
  self->schema = schema;

  if (!open_connection (self, error)
      || !configure_connection (self, error)
      || !check_identity (self, &version, error)
      || !migrate (self, version, error))
    return NULL;

  self->schema_version = schema->n_migrations;
  return g_steal_pointer (&self);
}

const char *
bc_store_get_path (BcStore *self)
{
  g_return_val_if_fail (BC_IS_STORE (self), NULL);

  return self->path;
}

const char *
bc_store_get_schema_name (BcStore *self)
{
  g_return_val_if_fail (BC_IS_STORE (self), NULL);

  return self->schema->name;
}

guint
bc_store_get_schema_version (BcStore *self)
{
  g_return_val_if_fail (BC_IS_STORE (self), 0);

  return self->schema_version;
}

/* The raw connection, for what the store does not wrap (sqlite3_backup, user functions, ...).
 * Do not finalize cached statements or close it, and do not open transactions on it. */
sqlite3 *
bc_store_get_db (BcStore *self)
{
  g_return_val_if_fail (BC_IS_STORE (self), NULL);

  return self->db;
}
