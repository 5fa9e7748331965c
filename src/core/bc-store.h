/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* A BcStore is one SQLite connection. It is not thread-safe: use it from one thread at a time
 * (it may move between threads, e.g. into a GTask worker, as long as only one thread touches it
 * and its statements at any moment). Open one store per thread for parallel readers. */

#define BC_TYPE_STORE (bc_store_get_type ())
G_DECLARE_FINAL_TYPE (BcStore, bc_store, BC, STORE, GObject)

#define BC_STORE_ERROR (bc_store_error_quark ())

typedef enum
{
  BC_STORE_ERROR_OPEN,         /* cannot open or create the file, or it is not a database */
  BC_STORE_ERROR_TOO_NEW,      /* written by a newer program: its schema version is unknown */
  BC_STORE_ERROR_WRONG_SCHEMA, /* a database of another schema (or not made by BcStore) */
  BC_STORE_ERROR_SQL,          /* any other SQLite error, including a failed migration */
  BC_STORE_ERROR_CONSTRAINT,   /* UNIQUE, FOREIGN KEY, CHECK, NOT NULL or a RAISE() trigger */
  BC_STORE_ERROR_BUSY,         /* the database stayed locked for longer than the busy timeout */
  BC_STORE_ERROR_NOT_FOUND,    /* for callers: the row asked for does not exist */
  BC_STORE_ERROR_CONFLICT,     /* for callers: stale version, reused idempotency key, ... */
} BcStoreError;

/* A schema is a static description of a database: a name, recorded in the `meta` table that
 * the store creates itself, and forward migrations. Migration i takes PRAGMA user_version from
 * i to i + 1, so the schema's version is n_migrations. A migration is an SQL script (several
 * statements); it runs in its own transaction together with the user_version change. Never
 * edit a migration that has shipped: append a new one. */
typedef struct
{
  const char        *name;
  const char *const *migrations;
  guint              n_migrations;
} BcStoreSchema;

/* How long a connection waits for another connection's lock before BC_STORE_ERROR_BUSY. */
#define BC_STORE_BUSY_TIMEOUT_MS 5000

GQuark        bc_store_error_quark           (void);

BcStore      *bc_store_open                  (const char          *path,
                                              const BcStoreSchema *schema,
                                              GError             **error);
const char   *bc_store_get_path              (BcStore             *self);
const char   *bc_store_get_schema_name       (BcStore             *self);
guint         bc_store_get_schema_version    (BcStore             *self);
sqlite3      *bc_store_get_db                (BcStore             *self);

/* ---- Statements ----------------------------------------------------------------------------
 *
 * bc_store_prepare() returns a statement from the connection's cache, reset and with its
 * bindings cleared. The cache is keyed by the SQL text (hashed and compared by content), so a
 * string literal and an equal string built at run time share one statement; pass only a bounded
 * set of statements (literals), as every distinct text stays prepared until the store is closed.
 * The statement belongs to the store: never finalize it. Release it when done, which resets it
 * (a SELECT left mid-way would pin a read snapshot and block WAL checkpoints):
 *
 *   g_autoptr(BcStmt) stmt = bc_store_prepare (store, "SELECT …", error);
 *
 * One text maps to one statement, so the same SQL cannot be used in two nested scopes at once;
 * asking for a statement that is still in use is reported with a critical warning. */
typedef sqlite3_stmt BcStmt;

sqlite3_stmt *bc_store_prepare               (BcStore             *self,
                                              const char          *sql,
                                              GError             **error);
void          bc_stmt_release                (BcStmt              *stmt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcStmt, bc_stmt_release)

/* SQLITE_ROW or SQLITE_DONE; any other result code sets @error and is returned as is. */
int           bc_store_step                  (BcStore             *self,
                                              sqlite3_stmt        *stmt,
                                              GError             **error);
/* Steps a statement that returns no rows. */
gboolean      bc_store_step_done             (BcStore             *self,
                                              sqlite3_stmt        *stmt,
                                              GError             **error);
/* Runs an SQL script (any number of statements, no parameters, results ignored). */
gboolean      bc_store_exec                  (BcStore             *self,
                                              const char          *sql,
                                              GError             **error);
gint64        bc_store_last_insert_rowid     (BcStore             *self);
gint64        bc_store_changes               (BcStore             *self);

/* Translates an SQLite result code into a BC_STORE_ERROR, with sqlite3_errmsg() in the
 * message. @rc may be an extended result code. */
void          bc_store_set_error_from_sqlite (BcStore             *self,
                                              int                  rc,
                                              GError             **error);

/* ---- Transactions --------------------------------------------------------------------------
 *
 * A command is a function run inside BEGIN IMMEDIATE … COMMIT: the write lock is taken up front
 * so a command never fails half-way with SQLITE_BUSY. If it returns FALSE (it must then set
 * @error) everything it did is rolled back. Commands do not nest: starting one, or calling
 * bc_store_begin(), while a transaction is open is a programming error. */
typedef gboolean (*BcStoreCommandFunc) (BcStore  *store,
                                        gpointer  user_data,
                                        GError  **error);

gboolean      bc_store_run_command           (BcStore             *self,
                                              BcStoreCommandFunc   func,
                                              gpointer             user_data,
                                              GError             **error);
gboolean      bc_store_begin                 (BcStore             *self,
                                              GError             **error);
gboolean      bc_store_commit                (BcStore             *self,
                                              GError             **error);
void          bc_store_rollback              (BcStore             *self);
gboolean      bc_store_in_transaction        (BcStore             *self);

/* ---- Commit hooks --------------------------------------------------------------------------
 *
 * Called after COMMIT has succeeded (so the data is durable and visible to other connections)
 * for every transaction that appended events with bc_event_log_append(), with their seqs in
 * ascending order. Rolled-back transactions are never announced. A hook runs outside the
 * transaction and may start new commands; hooks may be added or removed from inside a hook. */
typedef void (*BcStoreCommitHook) (BcStore      *store,
                                   const gint64 *seqs,
                                   guint         n_seqs,
                                   gpointer      user_data);

gulong        bc_store_add_commit_hook       (BcStore             *self,
                                              BcStoreCommitHook    hook,
                                              gpointer             user_data,
                                              GDestroyNotify       destroy);
void          bc_store_remove_commit_hook    (BcStore             *self,
                                              gulong               hook_id);

G_END_DECLS
