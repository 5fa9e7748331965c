/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "bc-outbox.h"
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

  fixture->dir = g_dir_make_tmp ("beacon-outbox-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "outbox.db", NULL);
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

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static BcOutbox *
open_outbox (const char *path)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  BcOutbox *outbox;

  bc_outbox_open_async (path, NULL, store_result, &result);
  outbox = bc_outbox_open_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_true (BC_IS_OUTBOX (outbox));
  return outbox;
}

static BcOutboxItem *
enqueue (BcOutbox     *outbox,
         BcOutboxKind  kind,
         const char   *path,
         const char   *body,
         const char   *key,
         const char   *username)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  BcOutboxItem *item;

  bc_outbox_enqueue_async (outbox, kind, kind == BC_OUTBOX_KIND_DISPATCH
                                         || kind == BC_OUTBOX_KIND_NOTE ? "POST" : "PATCH",
                           path, body, key, username, NULL, store_result, &result);
  item = bc_outbox_enqueue_finish (outbox, wait_for (&result), &error);
  g_assert_no_error (error);
  g_assert_true (BC_IS_OUTBOX_ITEM (item));
  return item;
}

static void
flush (BcOutbox *outbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  bc_outbox_flush_async (outbox, NULL, store_result, &result);
  g_assert_true (bc_outbox_flush_finish (outbox, wait_for (&result), &error));
  g_assert_no_error (error);
}

static BcOutboxItem *
item_at (BcOutbox *outbox,
         guint     position)
{
  g_autoptr(BcOutboxItem) item = g_list_model_get_item (G_LIST_MODEL (outbox), position);

  /* The model keeps its own reference. */
  return item;
}

static void
count_items_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  guint *changes = user_data;

  (*changes)++;
}

/* ---- Tests --------------------------------------------------------------------------------- */

static void
test_enqueue_model (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(BcOutbox) outbox = open_outbox (fixture->path);
  g_autoptr(BcOutboxItem) a = NULL;
  g_autoptr(BcOutboxItem) b = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint changes = 0;

  g_signal_connect (outbox, "items-changed", G_CALLBACK (count_items_changed), &changes);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (outbox)) == BC_TYPE_OUTBOX_ITEM);

  a = enqueue (outbox, BC_OUTBOX_KIND_DISPATCH, "/api/v1/incidents/12/dispatch",
               "{\"units\":[3,5],\"instructions\":\"立即前往\"}", "key-a", "dispatcher1");
  b = enqueue (outbox, BC_OUTBOX_KIND_UNIT_PATCH, "/api/v1/units/7",
               "{\"status\":\"en_route\",\"version\":2}", "key-b", "dispatcher1");

  g_assert_cmpuint (changes, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 2);
  g_assert_true (item_at (outbox, 0) == a);
  g_assert_true (item_at (outbox, 1) == b);
  g_assert_cmpint (bc_outbox_item_get_id (a), <, bc_outbox_item_get_id (b));
  g_assert_cmpuint (bc_outbox_get_n_waiting (outbox), ==, 2);

  g_assert_cmpint (bc_outbox_item_get_kind (a), ==, BC_OUTBOX_KIND_DISPATCH);
  g_assert_cmpstr (bc_outbox_item_get_method (a), ==, "POST");
  g_assert_cmpint (bc_outbox_item_get_target_id (a), ==, 12);
  g_assert_cmpint (bc_outbox_item_get_target_id (b), ==, 7);
  g_assert_cmpstr (bc_outbox_item_get_idempotency_key (a), ==, "key-a");
  g_assert_cmpstr (bc_outbox_item_get_username (a), ==, "dispatcher1");
  g_assert_cmpint (bc_outbox_item_get_state (a), ==, BC_OUTBOX_STATE_PENDING);
  g_assert_cmpint (bc_outbox_item_get_created_at (a), >, 0);
  body = bc_outbox_item_dup_body_json (a);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (body));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (body), "instructions"),
                   ==, "立即前往");

  /* Only the queuing user's items are offered for sending, oldest first. */
  g_assert_true (bc_outbox_peek (outbox, "dispatcher1") == a);
  g_assert_null (bc_outbox_peek (outbox, "dispatcher2"));
}

static void
test_same_key_is_same_item (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(BcOutbox) outbox = open_outbox (fixture->path);
  g_autoptr(BcOutboxItem) a = NULL;
  g_autoptr(BcOutboxItem) again = NULL;

  a = enqueue (outbox, BC_OUTBOX_KIND_NOTE, "/api/v1/incidents/3/notes", "{\"text\":\"x\"}",
               "same-key", "dispatcher1");
  again = enqueue (outbox, BC_OUTBOX_KIND_NOTE, "/api/v1/incidents/3/notes", "{\"text\":\"x\"}",
                   "same-key", "dispatcher1");

  g_assert_true (a == again);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 1);
}

static void
count_signal (BcOutbox     *outbox,
              BcOutboxItem *item,
              gpointer      user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_states_survive_reopen (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(BcOutbox) outbox = open_outbox (fixture->path);
  g_autoptr(BcOutboxItem) a = NULL;
  g_autoptr(BcOutboxItem) b = NULL;
  g_autoptr(BcOutboxItem) c = NULL;
  guint done = 0, conflicts = 0;
  BcOutboxItem *reloaded;

  g_signal_connect (outbox, "item-done", G_CALLBACK (count_signal), &done);
  g_signal_connect (outbox, "item-conflict", G_CALLBACK (count_signal), &conflicts);

  a = enqueue (outbox, BC_OUTBOX_KIND_DISPATCH, "/api/v1/incidents/1/dispatch", "{}", "k1", "u");
  b = enqueue (outbox, BC_OUTBOX_KIND_DISPATCH, "/api/v1/incidents/2/dispatch", "{}", "k2", "u");
  c = enqueue (outbox, BC_OUTBOX_KIND_NOTE, "/api/v1/incidents/2/notes", "{}", "k3", "u");

  bc_outbox_mark_sent (outbox, a);
  g_assert_cmpint (bc_outbox_item_get_state (a), ==, BC_OUTBOX_STATE_SENT);
  g_assert_cmpuint (bc_outbox_item_get_attempts (a), ==, 1);
  bc_outbox_set_state (outbox, a, BC_OUTBOX_STATE_DONE, NULL, NULL);
  g_assert_cmpuint (done, ==, 1);
  g_assert_cmpint (bc_outbox_item_get_state (a), ==, BC_OUTBOX_STATE_DONE);

  bc_outbox_mark_sent (outbox, b);
  bc_outbox_set_state (outbox, b, BC_OUTBOX_STATE_CONFLICT, "unit_unavailable",
                       "东宝巡01 is en_route to JQ202611240003");
  g_assert_cmpuint (conflicts, ==, 1);

  bc_outbox_mark_sent (outbox, c);  /* in flight when the console dies */

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 2);
  g_assert_cmpuint (bc_outbox_get_n_waiting (outbox), ==, 1);
  g_assert_true (bc_outbox_peek (outbox, "u") == c);
  flush (outbox);
  g_clear_object (&outbox);

  outbox = open_outbox (fixture->path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 2);

  reloaded = item_at (outbox, 0);
  g_assert_cmpstr (bc_outbox_item_get_idempotency_key (reloaded), ==, "k2");
  g_assert_cmpint (bc_outbox_item_get_state (reloaded), ==, BC_OUTBOX_STATE_CONFLICT);
  g_assert_cmpstr (bc_outbox_item_get_error_code (reloaded), ==, "unit_unavailable");
  g_assert_cmpstr (bc_outbox_item_get_error_message (reloaded), ==,
                   "东宝巡01 is en_route to JQ202611240003");

  reloaded = item_at (outbox, 1);
  g_assert_cmpstr (bc_outbox_item_get_idempotency_key (reloaded), ==, "k3");
  g_assert_cmpint (bc_outbox_item_get_state (reloaded), ==, BC_OUTBOX_STATE_SENT);
  g_assert_cmpuint (bc_outbox_item_get_attempts (reloaded), ==, 1);
  /* Sent but unanswered: it is sent again (with its key). */
  g_assert_true (bc_outbox_peek (outbox, "u") == reloaded);

  /* The user dismisses the conflict; it is gone for good. */
  bc_outbox_dismiss (outbox, item_at (outbox, 0));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 1);
  flush (outbox);
  g_clear_object (&outbox);

  outbox = open_outbox (fixture->path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 1);
  g_assert_cmpstr (bc_outbox_item_get_idempotency_key (item_at (outbox, 0)), ==, "k3");

  /* Ids keep growing after rows were deleted: queue order survives. */
  g_clear_object (&a);
  a = enqueue (outbox, BC_OUTBOX_KIND_NOTE, "/api/v1/incidents/4/notes", "{}", "k4", "u");
  g_assert_cmpint (bc_outbox_item_get_id (a), >, bc_outbox_item_get_id (item_at (outbox, 0)));
  g_assert_cmpint (bc_outbox_item_get_id (a), >, bc_outbox_item_get_id (b));
}

static void
test_enqueue_is_durable_without_flush (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autoptr(BcOutbox) outbox = open_outbox (fixture->path);
  g_autoptr(BcOutboxItem) a = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  a = enqueue (outbox, BC_OUTBOX_KIND_DISPATCH, "/api/v1/incidents/9/dispatch", "{}", "dur",
               "u");

  /* Another connection sees the row as soon as enqueue has completed: it is committed. */
  g_assert_cmpint (sqlite3_open_v2 (fixture->path, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT idempotency_key, state FROM outbox", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "dur");
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, "pending");
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_open_bad_file (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOutbox) outbox = NULL;

  g_assert_true (g_file_set_contents (fixture->path, "this is not a database, not at all "
                                      "but it is long enough to have a header of sorts",
                                      -1, NULL));

  bc_outbox_open_async (fixture->path, NULL, store_result, &result);
  outbox = bc_outbox_open_finish (wait_for (&result), &error);
  g_assert_null (outbox);
  g_assert_error (error, BC_STORE_ERROR, BC_STORE_ERROR_OPEN);
}

static void
test_many_items_bounded (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(BcOutbox) outbox = open_outbox (fixture->path);
  gint64 start = g_get_monotonic_time ();
  const guint n = 200;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = g_strdup_printf ("key-%u", i);
      g_autoptr(BcOutboxItem) item = enqueue (outbox, BC_OUTBOX_KIND_NOTE,
                                              "/api/v1/incidents/1/notes", "{}", key, "u");

      bc_outbox_mark_sent (outbox, item);
      bc_outbox_set_state (outbox, item, BC_OUTBOX_STATE_DONE, NULL, NULL);
    }
  flush (outbox);

  g_test_message ("%u enqueue + send + done cycles in %.1f ms", n,
                  (g_get_monotonic_time () - start) / 1000.0);
  /* Done items leave nothing behind, in memory or on disk. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 0);
  g_clear_object (&outbox);
  outbox = open_outbox (fixture->path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (outbox)), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/outbox/enqueue/model-in-queue-order", test_enqueue_model);
  ADD ("/outbox/enqueue/same-key-is-same-item", test_same_key_is_same_item);
  ADD ("/outbox/enqueue/durable-when-complete", test_enqueue_is_durable_without_flush);
  ADD ("/outbox/reopen/states-and-errors-survive", test_states_survive_reopen);
  ADD ("/outbox/open/not-a-database", test_open_bad_file);
  ADD ("/outbox/done/leaves-nothing-behind", test_many_items_bounded);
#undef ADD

  return g_test_run ();
}
