/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "bc-audit.h"
#include "bc-event-log.h"
#include "bc-schema.h"
#include "bc-store.h"

/* ---- Fixture: a fresh directory per test ----------------------------------------------------- */

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("beacon-store-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "beacon.db", NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (fixture->dir, name, NULL);
      g_unlink (file);
    }
  g_rmdir (fixture->dir);

  g_free (fixture->path);
  g_free (fixture->dir);
}

/* ---- Helpers ------------------------------------------------------------------------------- */

static BcStore *
open_server (const char *path)
{
  g_autoptr(GError) error = NULL;
  BcStore *store = bc_store_open (path, bc_server_schema (), &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* The server schema cut at version 1, as an older build of Beacon had it. */
static const BcStoreSchema *
server_schema_v1 (void)
{
  static BcStoreSchema v1;

  v1 = *bc_server_schema ();
  v1.n_migrations = 1;
  return &v1;
}

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

static char *
query_text (BcStore    *store,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = bc_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (bc_store_step (store, stmt, &error), ==, SQLITE_ROW);
  g_assert_no_error (error);
  return g_strdup ((const char *)sqlite3_column_text (stmt, 0));
}

static gboolean
has_object (BcStore    *store,
            const char *type,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = NULL;

  stmt = bc_store_prepare (store, "SELECT count(*) FROM sqlite_schema WHERE type = ?1 AND name = ?2",
                           &error);
  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  g_assert_cmpint (bc_store_step (store, stmt, &error), ==, SQLITE_ROW);
  return sqlite3_column_int (stmt, 0) == 1;
}

static gint64
last_seq (BcStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = -1;

  g_assert_true (bc_event_log_last_seq (store, &seq, &error));
  g_assert_no_error (error);
  return seq;
}

static gint64
first_seq (BcStore *store)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = -1;

  g_assert_true (bc_event_log_first_seq (store, &seq, &error));
  g_assert_no_error (error);
  return seq;
}

static gboolean
insert_unit (BcStore     *store,
             const char  *call_sign,
             gint64      *out_id,
             GError     **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  stmt = bc_store_prepare (store,
                           "INSERT INTO units (call_sign, kind, station) "
                           "VALUES (?1, 'patrol_car', '龙泉派出所')",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call_sign, -1, SQLITE_STATIC);
  if (!bc_store_step_done (store, stmt, error))
    return FALSE;
  if (out_id != NULL)
    *out_id = bc_store_last_insert_rowid (store);
  return TRUE;
}

static JsonNode *
unit_data (gint64 unit)
{
  JsonObject *object = json_object_new ();
  JsonNode *node;

  json_object_set_int_member (object, "unit", unit);
  node = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);
  return node;
}

/* A command that inserts a unit and appends @n_events events about it, then fails on request. */
typedef struct
{
  const char *call_sign;
  guint       n_events;
  gboolean    fail;
  GArray     *seqs;  /* the seqs this command was given */
} WriteCommand;

static gboolean
write_command (BcStore   *store,
               gpointer   user_data,
               GError   **error)
{
  WriteCommand *command = user_data;
  g_autoptr(JsonNode) data = NULL;
  gint64 unit;

  if (!insert_unit (store, command->call_sign, &unit, error))
    return FALSE;

  data = unit_data (unit);
  for (guint i = 0; i < command->n_events; i++)
    {
      gint64 seq = 0;

      if (!bc_event_log_append (store, "unit.updated", 1000 + i, data, &seq, error))
        return FALSE;
      if (command->seqs != NULL)
        g_array_append_val (command->seqs, seq);
    }

  if (command->fail)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "aborted by the test");
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_write (BcStore     *store,
           const char  *call_sign,
           guint        n_events,
           gboolean     fail,
           GError     **error)
{
  WriteCommand command = { call_sign, n_events, fail, NULL };

  return bc_store_run_command (store, write_command, &command, error);
}

/* ---- Opening and migrations ---------------------------------------------------------------- */

static void
test_open_creates_file (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(BcStore) store = NULL;

  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  store = open_server (fixture->path);

  g_assert_true (g_file_test (fixture->path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (bc_store_get_path (store), ==, fixture->path);
  g_assert_cmpstr (bc_store_get_schema_name (store), ==, BC_SERVER_SCHEMA_NAME);
  g_assert_cmpuint (bc_store_get_schema_version (store), ==, 3);
  g_assert_nonnull (bc_store_get_db (store));
  g_assert_false (bc_store_in_transaction (store));
}

/* No file, so no WAL: allowed for scratch stores, everything else works the same. */
static void
test_open_in_memory (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (":memory:", bc_server_schema (), &error);
  g_autofree char *mode = NULL;

  g_assert_no_error (error);
  mode = query_text (store, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "memory");
  g_assert_cmpint (query_int (store, "PRAGMA user_version"), ==, 3);
  g_assert_true (run_write (store, "东宝巡01", 2, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (last_seq (store), ==, 2);
}

static void
test_open_pragmas (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autofree char *mode = query_text (store, "PRAGMA journal_mode");

  g_assert_cmpstr (mode, ==, "wal");
  /* 2 = FULL */
  g_assert_cmpint (query_int (store, "PRAGMA synchronous"), ==, 2);
  g_assert_cmpint (query_int (store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query_int (store, "PRAGMA busy_timeout"), ==, BC_STORE_BUSY_TIMEOUT_MS);
}

static void
test_migrate_from_empty (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char *const tables[] = {
    "meta", "users", "sessions", "incidents", "incident_units", "units", "cameras", "orders",
    "order_units", "notes", "events", "audit",
  };
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autofree char *name = query_text (store, "SELECT value FROM meta WHERE key = 'schema'");

  g_assert_cmpint (query_int (store, "PRAGMA user_version"), ==, 3);
  g_assert_cmpstr (name, ==, BC_SERVER_SCHEMA_NAME);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    g_assert_true (has_object (store, "table", tables[i]));
  g_assert_true (has_object (store, "index", "incidents_status"));
  g_assert_true (has_object (store, "index", "incidents_priority"));
  g_assert_true (has_object (store, "index", "incidents_created_at"));
  g_assert_true (has_object (store, "index", "audit_at"));
  g_assert_true (has_object (store, "index", "units_status"));
  g_assert_true (has_object (store, "trigger", "audit_no_update"));
  g_assert_true (has_object (store, "trigger", "audit_no_delete"));
}

static void
test_migrate_from_v1 (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(BcStore) store = bc_store_open (fixture->path, server_schema_v1 (), &error);

    g_assert_no_error (error);
    g_assert_cmpuint (bc_store_get_schema_version (store), ==, 1);
    g_assert_cmpint (query_int (store, "PRAGMA user_version"), ==, 1);
    g_assert_false (has_object (store, "index", "audit_at"));
    g_assert_false (has_object (store, "index", "units_status"));

    g_assert_true (insert_unit (store, "东宝巡01", NULL, &error));
    g_assert_no_error (error);
    g_assert_true (bc_audit_append (store, 42, "admin1", "admin", "127.0.0.1", "user.create",
                                    "user/dispatcher1", NULL, &error));
    g_assert_no_error (error);
  }

  {
    g_autoptr(BcStore) store = open_server (fixture->path);
    g_autofree char *call_sign = query_text (store, "SELECT call_sign FROM units");

    g_assert_cmpuint (bc_store_get_schema_version (store), ==, 3);
    g_assert_cmpint (query_int (store, "PRAGMA user_version"), ==, 3);
    g_assert_true (has_object (store, "index", "audit_at"));
    g_assert_true (has_object (store, "index", "units_status"));
    /* The data written at version 1 is still there. */
    g_assert_cmpstr (call_sign, ==, "东宝巡01");
    g_assert_cmpint (query_int (store, "SELECT count(*) FROM audit"), ==, 1);
  }
}

static const char *const broken_migrations[] = {
  "CREATE TABLE a (x INTEGER);",
  /* Fails half-way: the table created before the error must not survive. */
  "CREATE TABLE b (x INTEGER); INSERT INTO no_such_table VALUES (1);",
};

static const BcStoreSchema broken_schema = {
  .name = "test-broken",
  .migrations = broken_migrations,
  .n_migrations = G_N_ELEMENTS (broken_migrations),
};

static void
test_migrate_failure_rolls_back (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = NULL;
  BcStoreSchema first = broken_schema;

  store = bc_store_open (fixture->path, &broken_schema, &error);
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "from version 1 to 2"));
  g_assert_nonnull (strstr (error->message, "no_such_table"));
  g_clear_error (&error);

  /* Migration 1 committed on its own; migration 2 left nothing behind. */
  first.n_migrations = 1;
  store = bc_store_open (fixture->path, &first, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "PRAGMA user_version"), ==, 1);
  g_assert_true (has_object (store, "table", "a"));
  g_assert_false (has_object (store, "table", "b"));
}

static void
test_open_too_new (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = NULL;

  g_clear_object (&store);
  store = open_server (fixture->path);
  g_clear_object (&store);

  store = bc_store_open (fixture->path, server_schema_v1 (), &error);
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_TOO_NEW);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "version 3"));
  g_clear_error (&error);

  /* Refusing did not change the file. */
  store = open_server (fixture->path);
  g_assert_cmpint (query_int (store, "PRAGMA user_version"), ==, 3);
}

static void
test_open_wrong_schema (Fixture       *fixture,
                        gconstpointer  data)
{
  static const BcStoreSchema other = { "beacon-console-outbox", NULL, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autofree char *foreign = g_build_filename (fixture->dir, "foreign.db", NULL);
  sqlite3 *db = NULL;

  store = open_server (fixture->path);
  g_clear_object (&store);

  store = bc_store_open (fixture->path, &other, &error);
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_WRONG_SCHEMA);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, BC_SERVER_SCHEMA_NAME));
  g_clear_error (&error);

  /* A database that some other program made: tables, but no meta. */
  g_assert_cmpint (sqlite3_open (foreign, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = bc_store_open (foreign, bc_server_schema (), &error);
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_WRONG_SCHEMA);
  g_assert_null (store);
}

static void
test_open_not_a_database (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autofree char *garbage = g_strnfill (8192, 'x');
  g_autofree char *missing = g_build_filename (fixture->dir, "no", "such", "dir.db", NULL);

  g_file_set_contents (fixture->path, garbage, -1, &error);
  g_assert_no_error (error);
  store = bc_store_open (fixture->path, bc_server_schema (), &error);
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_OPEN);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, fixture->path));
  g_clear_error (&error);

  store = bc_store_open (missing, bc_server_schema (), &error);
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_OPEN);
  g_assert_null (store);
}

/* ---- Statements ---------------------------------------------------------------------------- */

static void
test_stmt_cache (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = g_strdup ("SELECT ?1, count(*) FROM units");
  sqlite3_stmt *first;
  sqlite3_stmt *again;
  sqlite3_stmt *other;

  first = bc_store_prepare (store, "SELECT ?1, count(*) FROM units", &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  sqlite3_bind_int (first, 1, 5);
  g_assert_cmpint (sqlite3_step (first), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (first, 0), ==, 5);
  bc_stmt_release (first);

  /* The same text, as a literal or built at run time: the same statement, reset and unbound. */
  again = bc_store_prepare (store, "SELECT ?1, count(*) FROM units", &error);
  g_assert_true (again == first);
  again = bc_store_prepare (store, copy, &error);
  g_assert_no_error (error);
  g_assert_true (again == first);
  g_assert_false (sqlite3_stmt_busy (again));
  g_assert_cmpint (sqlite3_step (again), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_type (again, 0), ==, SQLITE_NULL);
  bc_stmt_release (again);

  other = bc_store_prepare (store, "SELECT count(*) FROM units", &error);
  g_assert_no_error (error);
  g_assert_true (other != first);

  /* The scope guard resets on the way out. */
  {
    g_autoptr(BcStmt) stmt = bc_store_prepare (store, "SELECT 1 UNION ALL SELECT 2", &error);

    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_true (sqlite3_stmt_busy (stmt));
    other = stmt;
  }
  g_assert_false (sqlite3_stmt_busy (other));
}

static void
test_stmt_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GError) error = NULL;

  g_assert_null (bc_store_prepare (store, "SELEC nothing", &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL);
  g_assert_nonnull (strstr (error->message, "syntax error"));
  g_clear_error (&error);

  g_assert_null (bc_store_prepare (store, "SELECT * FROM no_such_table", &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL);
  g_assert_nonnull (strstr (error->message, "no such table: no_such_table"));
  g_clear_error (&error);

  g_assert_null (bc_store_prepare (store, "SELECT 1; SELECT 2", &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL);
  g_clear_error (&error);

  g_assert_null (bc_store_prepare (store, "  ", &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL);
  g_clear_error (&error);

  /* A trailing semicolon is still one statement. */
  g_assert_nonnull (bc_store_prepare (store, "SELECT 1;", &error));
  g_assert_no_error (error);

  g_assert_false (bc_store_exec (store, "CREATE TABLE x (a); CREATE TABLE x (a);", &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_SQL);
  g_assert_nonnull (strstr (error->message, "already exists"));
}

static void
test_stmt_still_in_use (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  stmt = bc_store_prepare (store, "SELECT 1 UNION ALL SELECT 2", &error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);

  g_test_expect_message ("beacon-store", G_LOG_LEVEL_CRITICAL, "*still in use*");
  g_assert_true (bc_store_prepare (store, "SELECT 1 UNION ALL SELECT 2", &error) == stmt);
  g_test_assert_expected_messages ();
  g_assert_false (sqlite3_stmt_busy (stmt));
}

/* ---- Transactions -------------------------------------------------------------------------- */

static void
test_tx_rollback_leaves_nothing (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GError) error = NULL;
  gint64 seq = 0;

  g_assert_true (run_write (store, "东宝巡01", 1, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (last_seq (store), ==, 1);

  g_assert_false (run_write (store, "东宝巡02", 3, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (bc_store_in_transaction (store));
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM units"), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM events"), ==, 1);
  g_assert_cmpint (last_seq (store), ==, 1);

  /* The explicit API rolls back the same way. */
  g_assert_true (bc_store_begin (store, &error));
  g_assert_true (bc_store_in_transaction (store));
  g_assert_true (insert_unit (store, "东宝巡03", NULL, &error));
  g_assert_true (bc_event_log_append (store, "unit.updated", 1, NULL, &seq, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seq, ==, 2);
  bc_store_rollback (store);
  g_assert_false (bc_store_in_transaction (store));
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM units"), ==, 1);
  g_assert_cmpint (last_seq (store), ==, 1);

  /* The numbers the rolled-back appends saw are handed out again. */
  g_assert_true (bc_store_begin (store, &error));
  g_assert_true (bc_event_log_append (store, "unit.updated", 1, NULL, &seq, &error));
  g_assert_true (bc_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seq, ==, 2);
  g_assert_cmpint (last_seq (store), ==, 2);
}

static void
test_tx_constraint_error (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GError) error = NULL;

  g_assert_true (run_write (store, "东宝巡01", 1, FALSE, &error));
  g_assert_false (run_write (store, "东宝巡01", 1, FALSE, &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "UNIQUE constraint failed: units.call_sign"));
  g_clear_error (&error);
  g_assert_false (bc_store_in_transaction (store));
  g_assert_cmpint (last_seq (store), ==, 1);

  /* Foreign keys are enforced. */
  g_assert_false (bc_store_exec (store,
                                 "INSERT INTO sessions (token_hash, username, created_at, "
                                 "expires_at) VALUES (printf ('%064d', 0), 'nobody', 0, 1)",
                                 &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "FOREIGN KEY"));
}

static gboolean
nested_command (BcStore   *store,
                gpointer   user_data,
                GError   **error)
{
  g_autoptr(GError) inner_error = NULL;

  g_test_expect_message ("beacon-store", G_LOG_LEVEL_CRITICAL, "*in_transaction*");
  g_assert_false (bc_store_run_command (store, nested_command, NULL, &inner_error));
  g_test_assert_expected_messages ();
  g_assert_no_error (inner_error);

  g_test_expect_message ("beacon-store", G_LOG_LEVEL_CRITICAL, "*in_transaction*");
  g_assert_false (bc_store_begin (store, &inner_error));
  g_test_assert_expected_messages ();

  /* The outer transaction is still open and usable. */
  g_assert_true (bc_store_in_transaction (store));
  return insert_unit (store, "东宝巡09", NULL, error);
}

static void
test_tx_nested_is_error (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GError) error = NULL;

  g_assert_true (bc_store_run_command (store, nested_command, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM units"), ==, 1);
}

static void
test_tx_busy (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(BcStore) other = open_server (fixture->path);
  g_autoptr(GError) error = NULL;

  /* Not five seconds in a test. */
  sqlite3_busy_timeout (bc_store_get_db (store), 50);

  g_assert_true (bc_store_begin (other, &error));
  g_assert_false (run_write (store, "东宝巡01", 1, FALSE, &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_false (bc_store_in_transaction (store));
  bc_store_rollback (other);

  g_assert_true (run_write (store, "东宝巡01", 1, FALSE, &error));
  g_assert_no_error (error);
}

/* ---- Event log ----------------------------------------------------------------------------- */

typedef struct
{
  BcStore *reader;    /* a second connection: sees only what is committed */
  GArray  *seqs;      /* every seq announced, in order */
  guint    calls;
  gboolean destroyed;
} HookLog;

static void
record_hook (BcStore      *store,
             const gint64 *seqs,
             guint         n_seqs,
             gpointer      user_data)
{
  HookLog *log = user_data;

  g_assert_false (bc_store_in_transaction (store));
  g_assert_cmpuint (n_seqs, >, 0);

  /* Already committed: another connection can read the events. */
  if (log->reader != NULL)
    g_assert_cmpint (last_seq (log->reader), >=, seqs[n_seqs - 1]);

  g_array_append_vals (log->seqs, seqs, n_seqs);
  log->calls++;
}

static void
hook_log_destroyed (gpointer user_data)
{
  HookLog *log = user_data;

  log->destroyed = TRUE;
}

static void
test_events_outside_transaction (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GError) error = NULL;

  g_test_expect_message ("beacon-store", G_LOG_LEVEL_CRITICAL, "*in_transaction*");
  g_assert_false (bc_event_log_append (store, "unit.updated", 1, NULL, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_cmpint (last_seq (store), ==, 0);
}

static void
test_events_gap_free_with_rollbacks (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)bc_event_row_free);
  g_autoptr(GArray) announced = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) given = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  HookLog log = { NULL, announced, 0, FALSE };
  gint64 committed = 0;
  guint n_rolled_back = 0;

  bc_store_add_commit_hook (store, record_hook, &log, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *call_sign = g_strdup_printf ("巡%u", i);
      WriteCommand command = { call_sign, g_test_rand_int_range (1, 4), FALSE, given };
      gboolean ok;

      command.fail = g_test_rand_int_range (0, 100) < 30;
      g_array_set_size (given, 0);
      ok = bc_store_run_command (store, write_command, &command, &error);

      /* Each command is given the numbers right after the last committed one. */
      g_assert_cmpuint (given->len, ==, command.n_events);
      for (guint j = 0; j < given->len; j++)
        g_assert_cmpint (g_array_index (given, gint64, j), ==, committed + 1 + j);

      if (command.fail)
        {
          g_assert_false (ok);
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_clear_error (&error);
          n_rolled_back++;
        }
      else
        {
          g_assert_true (ok);
          g_assert_no_error (error);
          committed += command.n_events;
        }
      g_assert_cmpint (last_seq (store), ==, committed);
    }
  g_assert_cmpuint (n_rolled_back, >, 0);

  g_assert_true (bc_event_log_read (store, 0, 0, rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, committed);
  g_assert_cmpuint (announced->len, ==, committed);
  for (guint i = 0; i < rows->len; i++)
    {
      const BcEventRow *row = g_ptr_array_index (rows, i);

      g_assert_cmpint (row->seq, ==, i + 1);
      g_assert_cmpint (g_array_index (announced, gint64, i), ==, i + 1);
    }
  g_assert_cmpint (first_seq (store), ==, 1);
  g_assert_cmpuint (log.calls, ==, 1000 - n_rolled_back);

  /* Each committed event's unit exists, and no unit exists without its events. */
  g_assert_cmpint (query_int (store,
                              "SELECT count(*) FROM events e LEFT JOIN units u "
                              "ON u.id = json_extract (e.data, '$.unit') WHERE u.id IS NULL"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM units"), ==, 1000 - n_rolled_back);
}

static gboolean
no_events_command (BcStore   *store,
                   gpointer   user_data,
                   GError   **error)
{
  return insert_unit (store, user_data, NULL, error);
}

static void
test_events_commit_hook (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(BcStore) reader = open_server (fixture->path);
  g_autoptr(GArray) seqs_a = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) seqs_b = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  HookLog a = { reader, seqs_a, 0, FALSE };
  HookLog b = { reader, seqs_b, 0, FALSE };
  gulong id_a;

  id_a = bc_store_add_commit_hook (store, record_hook, &a, hook_log_destroyed);
  g_assert_cmpuint (id_a, >, 0);
  bc_store_add_commit_hook (store, record_hook, &b, hook_log_destroyed);

  g_assert_true (run_write (store, "东宝巡01", 3, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.calls, ==, 1);
  g_assert_cmpuint (seqs_a->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (g_array_index (seqs_a, gint64, i), ==, i + 1);
  g_assert_cmpuint (b.calls, ==, 1);

  /* Rolled back: not announced. */
  g_assert_false (run_write (store, "东宝巡02", 2, TRUE, &error));
  g_clear_error (&error);
  g_assert_cmpuint (a.calls, ==, 1);

  /* Nothing appended: nothing to announce. */
  g_assert_true (bc_store_run_command (store, no_events_command, (gpointer)"东宝巡03", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.calls, ==, 1);

  /* Explicit transactions announce on commit, not before. */
  g_assert_true (bc_store_begin (store, &error));
  g_assert_true (bc_event_log_append (store, "sim.state", 5, NULL, NULL, &error));
  g_assert_cmpuint (a.calls, ==, 1);
  g_assert_true (bc_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.calls, ==, 2);
  g_assert_cmpint (g_array_index (seqs_a, gint64, 3), ==, 4);

  bc_store_remove_commit_hook (store, id_a);
  g_assert_true (a.destroyed);
  g_assert_true (run_write (store, "东宝巡04", 1, FALSE, &error));
  g_assert_cmpuint (a.calls, ==, 2);
  g_assert_cmpuint (b.calls, ==, 3);
  g_assert_cmpint (g_array_index (seqs_b, gint64, seqs_b->len - 1), ==, 5);

  /* The store drops its hooks when it goes. */
  g_clear_object (&store);
  g_assert_true (b.destroyed);
}

static void
test_events_read_and_prune (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)bc_event_row_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  const BcEventRow *row;
  gint64 seq;

  g_assert_cmpint (first_seq (store), ==, 1);
  g_assert_cmpint (last_seq (store), ==, 0);

  g_assert_true (run_write (store, "东宝巡01", 10, FALSE, &error));
  g_assert_no_error (error);

  g_assert_true (bc_event_log_read (store, 0, 4, rows, &error));
  g_assert_cmpuint (rows->len, ==, 4);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpint (row->seq, ==, 1);
  g_assert_cmpstr (row->type, ==, "unit.updated");
  g_assert_cmpint (row->at, ==, 1000);
  parsed = json_from_string (row->data, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (parsed), "unit"), ==, 1);

  g_ptr_array_set_size (rows, 0);
  g_assert_true (bc_event_log_read (store, 4, 0, rows, &error));
  g_assert_cmpuint (rows->len, ==, 6);
  g_assert_cmpint (((BcEventRow *)g_ptr_array_index (rows, 0))->seq, ==, 5);
  g_assert_cmpint (((BcEventRow *)g_ptr_array_index (rows, 5))->seq, ==, 10);

  g_assert_true (bc_event_log_prune (store, 6, &error));
  g_assert_no_error (error);
  g_assert_cmpint (first_seq (store), ==, 7);
  g_assert_cmpint (last_seq (store), ==, 10);
  g_ptr_array_set_size (rows, 0);
  g_assert_true (bc_event_log_read (store, 0, 0, rows, &error));
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpint (((BcEventRow *)g_ptr_array_index (rows, 0))->seq, ==, 7);

  /* Pruning everything (and asking for more) keeps the counter. */
  g_assert_true (bc_event_log_prune (store, 1000, &error));
  g_assert_cmpint (first_seq (store), ==, 11);
  g_assert_cmpint (last_seq (store), ==, 10);
  g_ptr_array_set_size (rows, 0);
  g_assert_true (bc_event_log_read (store, 0, 0, rows, &error));
  g_assert_cmpuint (rows->len, ==, 0);

  g_clear_object (&store);
  store = open_server (fixture->path);
  g_assert_cmpint (last_seq (store), ==, 10);

  g_assert_true (bc_store_begin (store, &error));
  g_assert_true (bc_event_log_append (store, "sim.state", 7, NULL, &seq, &error));
  g_assert_true (bc_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seq, ==, 11);
  g_assert_cmpint (first_seq (store), ==, 11);

  g_ptr_array_set_size (rows, 0);
  g_assert_true (bc_event_log_read (store, 10, 0, rows, &error));
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((BcEventRow *)g_ptr_array_index (rows, 0))->data, ==, "null");

  /* Pruning backwards is a no-op. */
  g_assert_true (bc_event_log_prune (store, 3, &error));
  g_assert_cmpint (first_seq (store), ==, 11);
}

/* ---- Audit --------------------------------------------------------------------------------- */

static void
test_audit_append_and_read (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)bc_audit_row_free);
  g_autoptr(GError) error = NULL;
  const BcAuditRow *row;

  g_assert_true (bc_audit_append (store, 100, "dispatcher1", "dispatcher", "10.0.0.7",
                                  "incident.create", "incident/1", "{\"priority\":2}", &error));
  g_assert_true (bc_audit_append (store, 200, NULL, NULL, "10.0.0.8", "session.login_failed",
                                  NULL, NULL, &error));
  g_assert_true (bc_audit_append (store, 300, "supervisor1", "supervisor", "10.0.0.9",
                                  "audit.read", NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (bc_audit_read (store, 0, 0, rows, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpint (row->id, ==, 1);
  g_assert_cmpint (row->at, ==, 100);
  g_assert_cmpstr (row->username, ==, "dispatcher1");
  g_assert_cmpstr (row->role, ==, "dispatcher");
  g_assert_cmpstr (row->remote, ==, "10.0.0.7");
  g_assert_cmpstr (row->action, ==, "incident.create");
  g_assert_cmpstr (row->target, ==, "incident/1");
  g_assert_cmpstr (row->detail, ==, "{\"priority\":2}");
  row = g_ptr_array_index (rows, 1);
  g_assert_null (row->username);
  g_assert_null (row->target);
  g_assert_null (row->detail);

  g_ptr_array_set_size (rows, 0);
  g_assert_true (bc_audit_read (store, 1, 1, rows, &error));
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (((BcAuditRow *)g_ptr_array_index (rows, 0))->id, ==, 2);

  g_assert_false (bc_audit_append (store, 400, "x", "admin", NULL, "user.create", NULL,
                                   "{not json", &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_CONSTRAINT);
}

static void
test_audit_append_only (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(BcStore) store = open_server (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *action = NULL;

  g_assert_true (bc_audit_append (store, 100, "dispatcher1", "dispatcher", "10.0.0.7",
                                  "order.create", "order/1", NULL, &error));
  g_assert_no_error (error);

  g_assert_false (bc_store_exec (store, "UPDATE audit SET action = 'nothing'", &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "append-only"));
  g_clear_error (&error);

  g_assert_false (bc_store_exec (store, "DELETE FROM audit", &error));
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);

  action = query_text (store, "SELECT action FROM audit WHERE id = 1");
  g_assert_cmpstr (action, ==, "order.create");
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM audit"), ==, 1);
}

/* ---- Schema constraints -------------------------------------------------------------------- */

static void
test_schema_checks (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char *const rejected[] = {
    /* camera id is 20 digits */
    "INSERT INTO cameras (id, name, lat, lon, kind) "
    "VALUES ('4208020000132000000X', 'a', 31, 112, 'dome')",
    "INSERT INTO cameras (id, name, lat, lon, kind) "
    "VALUES ('42080200001320000001', 'a', 31, 112, 'fisheye')",
    "INSERT INTO incidents (number, type, priority, lat, lon, created_at, updated_at) "
    "VALUES ('JQ202611240001', 'traffic', 5, 31, 112, 1, 1)",
    "INSERT INTO incidents (number, type, priority, lat, lon, created_at, updated_at) "
    "VALUES ('JQ202611240001', 'traffic', 2, 95.2, 112, 1, 1)",
    /* a position is all there or not at all */
    "INSERT INTO units (call_sign, kind, lat, lon) VALUES ('a', 'foot', 31, 112)",
    "INSERT INTO units (call_sign, kind, status) VALUES ('a', 'foot', 'asleep')",
    "INSERT INTO users (username, role, password_hash, created_at) "
    "VALUES ('Bad Name', 'admin', 'x', 1)",
    /* STRICT: a string where an integer belongs */
    "INSERT INTO events (seq, type, at, data) VALUES (1, 't', 'yesterday', '{}')",
    "INSERT INTO events (seq, type, at, data) VALUES (1, 't', 1, '{')",
  };
  g_autoptr(BcStore) store = open_server (fixture->path);

  for (guint i = 0; i < G_N_ELEMENTS (rejected); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", rejected[i]);
      g_assert_false (bc_store_exec (store, rejected[i], &error));
      g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_CONSTRAINT);
    }

  g_assert_true (bc_store_exec (store,
                                "INSERT INTO users (username, role, password_hash, created_at) "
                                "VALUES ('dispatcher_1.a-b', 'dispatcher', 'x', 1);"
                                "INSERT INTO units (call_sign, kind, lat, lon, heading, speed,"
                                "                   fix_at) "
                                "VALUES ('东宝巡01', 'patrol_car', 31, 112, 90, 12.5, 1);",
                                NULL));
}

/* ---- Crash durability ---------------------------------------------------------------------- */

#define CRASH_ROUNDS 3
#define CRASH_SEQS_PER_ROUND 300

/* Reopens the database after a kill and checks that it holds exactly the committed commands. */
static gint64
verify_after_kill (const char *path,
                   GArray     *printed,
                   gint64      max_printed)
{
  g_autoptr(BcStore) store = open_server (path);
  g_autofree char *integrity = query_text (store, "PRAGMA integrity_check");
  gint64 last = last_seq (store);

  g_assert_cmpstr (integrity, ==, "ok");
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);

  /* 1..last without gaps. */
  g_assert_cmpint (first_seq (store), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM events"), ==, last);

  /* Everything acknowledged survived; at most the one command committed between the child's
   * COMMIT and its printf was not acknowledged; nothing beyond. */
  for (guint i = 0; i < printed->len; i++)
    g_assert_cmpint (g_array_index (printed, gint64, i), <=, last);
  g_assert_cmpint (last, >=, max_printed);
  g_assert_cmpint (last, <=, max_printed + 1);

  /* Commands are atomic: every event has its unit and every unit its event. */
  g_assert_cmpint (query_int (store,
                              "SELECT count(*) FROM events e LEFT JOIN units u "
                              "ON u.id = json_extract (e.data, '$.unit') "
                              "AND u.call_sign = json_extract (e.data, '$.call_sign') "
                              "WHERE u.id IS NULL"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM units"), ==, last);

  return last;
}

static void
test_crash_kill_writer (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *writer = g_test_build_filename (G_TEST_BUILT, "store-writer", NULL);
  g_autoptr(GArray) printed = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 last = 0;

  for (guint round = 0; round < CRASH_ROUNDS; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) child = NULL;
      g_autoptr(GDataInputStream) lines = NULL;
      gint64 expected = last + 1;
      guint n_round = 0;
      gboolean killed = FALSE;

      child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                writer, fixture->path, NULL);
      g_assert_no_error (error);
      lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

      /* Read until enough commits are acknowledged, kill the writer while it keeps writing,
       * then take in what was still in the pipe. */
      for (;;)
        {
          g_autofree char *line = NULL;
          gint64 seq;

          line = g_data_input_stream_read_line (lines, NULL, NULL, &error);
          g_assert_no_error (error);
          if (line == NULL)
            break;

          g_assert_true (g_ascii_string_to_signed (line, 10, 1, G_MAXINT64, &seq, &error));
          g_assert_no_error (error);
          /* The writer continues right after what the last round left in the file. */
          g_assert_cmpint (seq, ==, expected);
          expected++;
          g_array_append_val (printed, seq);

          if (++n_round == CRASH_SEQS_PER_ROUND && !killed)
            {
              g_subprocess_send_signal (child, SIGKILL);
              killed = TRUE;
            }
        }
      g_assert_true (killed);

      g_subprocess_wait (child, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_signaled (child));
      g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

      g_test_message ("round %u: %u commits acknowledged, last %" G_GINT64_FORMAT,
                      round, n_round, expected - 1);
      last = verify_after_kill (fixture->path, printed, expected - 1);
    }

  g_assert_cmpuint (printed->len, >=, CRASH_ROUNDS * CRASH_SEQS_PER_ROUND);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/store/open/creates-file", test_open_creates_file);
  ADD ("/store/open/wal-and-synchronous-full", test_open_pragmas);
  g_test_add_func ("/store/open/in-memory", test_open_in_memory);
  ADD ("/store/open/too-new", test_open_too_new);
  ADD ("/store/open/wrong-schema", test_open_wrong_schema);
  ADD ("/store/open/not-a-database", test_open_not_a_database);
  ADD ("/store/migrate/from-empty", test_migrate_from_empty);
  ADD ("/store/migrate/from-v1", test_migrate_from_v1);
  ADD ("/store/migrate/failure-rolls-back", test_migrate_failure_rolls_back);
  ADD ("/store/stmt/cache-returns-same-statement", test_stmt_cache);
  ADD ("/store/stmt/errors", test_stmt_errors);
  ADD ("/store/stmt/still-in-use", test_stmt_still_in_use);
  ADD ("/store/tx/rollback-leaves-nothing", test_tx_rollback_leaves_nothing);
  ADD ("/store/tx/constraint-error", test_tx_constraint_error);
  ADD ("/store/tx/nested-is-programming-error", test_tx_nested_is_error);
  ADD ("/store/tx/busy", test_tx_busy);
  ADD ("/store/events/append-outside-transaction", test_events_outside_transaction);
  ADD ("/store/events/gap-free-with-rollbacks", test_events_gap_free_with_rollbacks);
  ADD ("/store/events/commit-hook", test_events_commit_hook);
  ADD ("/store/events/read-and-prune", test_events_read_and_prune);
  ADD ("/store/audit/append-and-read", test_audit_append_and_read);
  ADD ("/store/audit/update-and-delete-refused", test_audit_append_only);
  ADD ("/store/schema/constraints", test_schema_checks);
  ADD ("/store/crash/kill-writer", test_crash_kill_writer);

#undef ADD

  return g_test_run ();
}
