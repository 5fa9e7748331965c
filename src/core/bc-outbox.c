/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-outbox"

#include "config.h"

#include "bc-outbox.h"

#include <string.h>

#include "bc-store.h"

/* ---- Enumerations --------------------------------------------------------------------------- */

G_DEFINE_ENUM_TYPE (BcOutboxState, bc_outbox_state,
  G_DEFINE_ENUM_VALUE (BC_OUTBOX_STATE_PENDING, "pending"),
  G_DEFINE_ENUM_VALUE (BC_OUTBOX_STATE_SENT, "sent"),
  G_DEFINE_ENUM_VALUE (BC_OUTBOX_STATE_CONFLICT, "conflict"),
  G_DEFINE_ENUM_VALUE (BC_OUTBOX_STATE_DONE, "done"))

G_DEFINE_ENUM_TYPE (BcOutboxKind, bc_outbox_kind,
  G_DEFINE_ENUM_VALUE (BC_OUTBOX_KIND_DISPATCH, "dispatch"),
  G_DEFINE_ENUM_VALUE (BC_OUTBOX_KIND_INCIDENT_PATCH, "incident_patch"),
  G_DEFINE_ENUM_VALUE (BC_OUTBOX_KIND_UNIT_PATCH, "unit_patch"),
  G_DEFINE_ENUM_VALUE (BC_OUTBOX_KIND_NOTE, "note"))

const char *
bc_outbox_state_to_string (BcOutboxState state)
{
  switch (state)
    {
    case BC_OUTBOX_STATE_PENDING:
      return "pending";
    case BC_OUTBOX_STATE_SENT:
      return "sent";
    case BC_OUTBOX_STATE_CONFLICT:
      return "conflict";
    case BC_OUTBOX_STATE_DONE:
      return "done";
    default:
      g_return_val_if_reached (NULL);
    }
}

const char *
bc_outbox_kind_to_string (BcOutboxKind kind)
{
  switch (kind)
    {
    case BC_OUTBOX_KIND_DISPATCH:
      return "dispatch";
    case BC_OUTBOX_KIND_INCIDENT_PATCH:
      return "incident_patch";
    case BC_OUTBOX_KIND_UNIT_PATCH:
      return "unit_patch";
    case BC_OUTBOX_KIND_NOTE:
      return "note";
    default:
      g_return_val_if_reached (NULL);
    }
}

static gboolean
state_from_string (const char    *text,
                   BcOutboxState *out)
{
  for (guint i = BC_OUTBOX_STATE_PENDING; i <= BC_OUTBOX_STATE_DONE; i++)
    if (g_strcmp0 (text, bc_outbox_state_to_string (i)) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
kind_from_string (const char   *text,
                  BcOutboxKind *out)
{
  for (guint i = BC_OUTBOX_KIND_DISPATCH; i <= BC_OUTBOX_KIND_NOTE; i++)
    if (g_strcmp0 (text, bc_outbox_kind_to_string (i)) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

/* ---- Rows: what travels between the worker and the main thread ----------------------------- */

typedef struct
{
  gint64         id;
  BcOutboxKind   kind;
  char          *method;
  char          *path;
  char          *body;
  char          *idempotency_key;
  char          *username;
  gint64         created_at;
  BcOutboxState  state;
  guint          attempts;
  char          *error_code;
  char          *error_message;
} Row;

static void
row_free (Row *row)
{
  g_free (row->method);
  g_free (row->path);
  g_free (row->body);
  g_free (row->idempotency_key);
  g_free (row->username);
  g_free (row->error_code);
  g_free (row->error_message);
  g_free (row);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Row, row_free)

/* ---- BcOutboxItem --------------------------------------------------------------------------- */

struct _BcOutboxItem
{
  GObject        parent_instance;

  gint64         id;
  BcOutboxKind   kind;
  char          *method;
  char          *path;
  char          *body;
  char          *idempotency_key;
  char          *username;
  gint64         target_id;
  gint64         created_at;
  BcOutboxState  state;
  guint          attempts;
  char          *error_code;
  char          *error_message;
};

G_DEFINE_FINAL_TYPE (BcOutboxItem, bc_outbox_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_ID,
  ITEM_PROP_KIND,
  ITEM_PROP_METHOD,
  ITEM_PROP_PATH,
  ITEM_PROP_BODY,
  ITEM_PROP_IDEMPOTENCY_KEY,
  ITEM_PROP_USERNAME,
  ITEM_PROP_TARGET_ID,
  ITEM_PROP_CREATED_AT,
  ITEM_PROP_STATE,
  ITEM_PROP_ATTEMPTS,
  ITEM_PROP_ERROR_CODE,
  ITEM_PROP_ERROR_MESSAGE,
  N_ITEM_PROPS
};

static GParamSpec *item_properties[N_ITEM_PROPS];

static void
bc_outbox_item_finalize (GObject *object)
{
  BcOutboxItem *self = BC_OUTBOX_ITEM (object);

  g_free (self->method);
  g_free (self->path);
  g_free (self->body);
  g_free (self->idempotency_key);
  g_free (self->username);
  g_free (self->error_code);
  g_free (self->error_message);

  G_OBJECT_CLASS (bc_outbox_item_parent_class)->finalize (object);
}

static void
bc_outbox_item_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BcOutboxItem *self = BC_OUTBOX_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case ITEM_PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case ITEM_PROP_METHOD:
      g_value_set_string (value, self->method);
      break;
    case ITEM_PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case ITEM_PROP_BODY:
      g_value_set_string (value, self->body);
      break;
    case ITEM_PROP_IDEMPOTENCY_KEY:
      g_value_set_string (value, self->idempotency_key);
      break;
    case ITEM_PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case ITEM_PROP_TARGET_ID:
      g_value_set_int64 (value, self->target_id);
      break;
    case ITEM_PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;
    case ITEM_PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case ITEM_PROP_ATTEMPTS:
      g_value_set_uint (value, self->attempts);
      break;
    case ITEM_PROP_ERROR_CODE:
      g_value_set_string (value, self->error_code);
      break;
    case ITEM_PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bc_outbox_item_class_init (BcOutboxItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = bc_outbox_item_finalize;
  object_class->get_property = bc_outbox_item_get_property;

  item_properties[ITEM_PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  item_properties[ITEM_PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, BC_TYPE_OUTBOX_KIND, BC_OUTBOX_KIND_DISPATCH, flags);
  item_properties[ITEM_PROP_METHOD] = g_param_spec_string ("method", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_BODY] = g_param_spec_string ("body", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_IDEMPOTENCY_KEY] =
    g_param_spec_string ("idempotency-key", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_TARGET_ID] =
    g_param_spec_int64 ("target-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  item_properties[ITEM_PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  item_properties[ITEM_PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, BC_TYPE_OUTBOX_STATE, BC_OUTBOX_STATE_PENDING, flags);
  item_properties[ITEM_PROP_ATTEMPTS] =
    g_param_spec_uint ("attempts", NULL, NULL, 0, G_MAXUINT, 0, flags);
  item_properties[ITEM_PROP_ERROR_CODE] =
    g_param_spec_string ("error-code", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_ITEM_PROPS, item_properties);
}

static void
bc_outbox_item_init (BcOutboxItem *self)
{
}

/* The first all-digit segment of the path: the incident of a dispatch / note / incident patch,
 * the unit of a unit patch. */
static gint64
target_id_from_path (const char *path)
{
  g_auto(GStrv) segments = g_strsplit (path, "/", -1);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      guint64 value;

      if (segments[i][0] != '\0'
          && g_ascii_string_to_unsigned (segments[i], 10, 1, G_MAXINT64, &value, NULL))
        return (gint64) value;
    }

  return 0;
}

static BcOutboxItem *
item_new_from_row (Row *row)
{
  BcOutboxItem *self = g_object_new (BC_TYPE_OUTBOX_ITEM, NULL);

  self->id = row->id;
  self->kind = row->kind;
  self->method = g_steal_pointer (&row->method);
  self->path = g_steal_pointer (&row->path);
  self->body = g_steal_pointer (&row->body);
  self->idempotency_key = g_steal_pointer (&row->idempotency_key);
  self->username = g_steal_pointer (&row->username);
  self->target_id = target_id_from_path (self->path);
  self->created_at = row->created_at;
  self->state = row->state;
  self->attempts = row->attempts;
  self->error_code = g_steal_pointer (&row->error_code);
  self->error_message = g_steal_pointer (&row->error_message);

  return self;
}

gint64
bc_outbox_item_get_id (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), 0);
  return self->id;
}

BcOutboxKind
bc_outbox_item_get_kind (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), 0);
  return self->kind;
}

const char *
bc_outbox_item_get_method (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), NULL);
  return self->method;
}

const char *
bc_outbox_item_get_path (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), NULL);
  return self->path;
}

const char *
bc_outbox_item_get_body (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), NULL);
  return self->body;
}

JsonNode *
bc_outbox_item_dup_body_json (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), NULL);

  if (self->body == NULL)
    return NULL;

  /* The body was produced by our own encoder when it was queued; it cannot be malformed. */
  return json_from_string (self->body, NULL);
}

const char *
bc_outbox_item_get_idempotency_key (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), NULL);
  return self->idempotency_key;
}

const char *
bc_outbox_item_get_username (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), NULL);
  return self->username;
}

gint64
bc_outbox_item_get_target_id (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), 0);
  return self->target_id;
}

gint64
bc_outbox_item_get_created_at (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), 0);
  return self->created_at;
}

BcOutboxState
bc_outbox_item_get_state (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), 0);
  return self->state;
}

guint
bc_outbox_item_get_attempts (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), 0);
  return self->attempts;
}

const char *
bc_outbox_item_get_error_code (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), NULL);
  return self->error_code;
}

const char *
bc_outbox_item_get_error_message (BcOutboxItem *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX_ITEM (self), NULL);
  return self->error_message;
}

/* ---- The worker: every SQLite statement of an outbox runs here ----------------------------- */

static const char *const outbox_migrations[] = {
  /* 1: the queue. AUTOINCREMENT so that ids never go back, even after the last row was
   * deleted: the id is the queue order. Done commands are deleted, so the table only ever
   * holds what is still owed to the server (plus conflicts until dismissed). */
  "CREATE TABLE outbox ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  kind TEXT NOT NULL"
  "    CHECK (kind IN ('dispatch', 'incident_patch', 'unit_patch', 'note')),"
  "  method TEXT NOT NULL,"
  "  path TEXT NOT NULL,"
  "  body TEXT,"
  "  idempotency_key TEXT NOT NULL UNIQUE,"
  "  username TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'conflict')),"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  error_code TEXT,"
  "  error_message TEXT,"
  "  updated_at INTEGER NOT NULL"
  ");",
};

static const BcStoreSchema outbox_schema = {
  "beacon-outbox",
  outbox_migrations,
  G_N_ELEMENTS (outbox_migrations),
};

/* Owned by the worker pool; the outbox object never touches it, so the store is only ever used
 * by the one worker thread. */
typedef struct
{
  char    *path;
  BcStore *store;
} Worker;

typedef enum
{
  JOB_OPEN,
  JOB_INSERT,
  JOB_UPDATE,
  JOB_DELETE,
  JOB_FLUSH,
} JobKind;

/* A job's task is only ever touched by the thread that owns the outbox: the worker fills in the
 * outcome and hands the whole job back to that thread's main context, which returns the task.
 * So no reference to the outbox (a task's source object) is ever dropped on the worker, where
 * finalizing the outbox would wait for its own pool. */
typedef struct
{
  JobKind       kind;
  GTask        *task;     /* NULL for fire-and-forget writes */
  GMainContext *context;  /* where @task is returned */
  Row          *row;
  GPtrArray    *rows;     /* JOB_OPEN's result */
  GError       *error;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_clear_pointer (&job->context, g_main_context_unref);
  g_clear_pointer (&job->row, row_free);
  g_clear_pointer (&job->rows, g_ptr_array_unref);
  g_clear_error (&job->error);
  g_free (job);
}

/* Runs on the outbox's thread. */
static gboolean
job_return (gpointer data)
{
  Job *job = data;

  if (job->error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&job->error));
  else if (job->kind == JOB_OPEN)
    g_task_return_pointer (job->task, g_steal_pointer (&job->rows),
                           (GDestroyNotify) g_ptr_array_unref);
  else if (job->kind == JOB_INSERT)
    g_task_return_pointer (job->task, g_steal_pointer (&job->row), (GDestroyNotify) row_free);
  else
    g_task_return_boolean (job->task, TRUE);

  job_free (job);
  return G_SOURCE_REMOVE;
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           index)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, index));
}

static GPtrArray *
worker_load (Worker  *worker,
             GError **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  stmt = bc_store_prepare (worker->store,
                           "SELECT id, kind, method, path, body, idempotency_key, username,"
                           " created_at, state, attempts, error_code, error_message"
                           " FROM outbox ORDER BY id",
                           error);
  if (stmt == NULL)
    return NULL;

  while ((rc = bc_store_step (worker->store, stmt, error)) == SQLITE_ROW)
    {
      g_autoptr(Row) row = g_new0 (Row, 1);

      row->id = sqlite3_column_int64 (stmt, 0);
      if (!kind_from_string ((const char *) sqlite3_column_text (stmt, 1), &row->kind)
          || !state_from_string ((const char *) sqlite3_column_text (stmt, 8), &row->state))
        {
          /* Only a newer program could have written this; the schema version guards that. */
          g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_WRONG_SCHEMA,
                       "Outbox row %" G_GINT64_FORMAT " has an unknown kind or state", row->id);
          return NULL;
        }
      row->method = column_dup (stmt, 2);
      row->path = column_dup (stmt, 3);
      row->body = column_dup (stmt, 4);
      row->idempotency_key = column_dup (stmt, 5);
      row->username = column_dup (stmt, 6);
      row->created_at = sqlite3_column_int64 (stmt, 7);
      row->attempts = (guint) CLAMP (sqlite3_column_int64 (stmt, 9), 0, G_MAXUINT);
      row->error_code = column_dup (stmt, 10);
      row->error_message = column_dup (stmt, 11);
      g_ptr_array_add (rows, g_steal_pointer (&row));
    }

  if (rc != SQLITE_DONE)
    return NULL;

  return g_steal_pointer (&rows);
}

static gboolean
worker_insert (Worker  *worker,
               Row     *row,
               GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  stmt = bc_store_prepare (worker->store,
                           "INSERT INTO outbox (kind, method, path, body, idempotency_key,"
                           " username, created_at, state, attempts, updated_at)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?7)",
                           error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, bc_outbox_kind_to_string (row->kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, row->method, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, row->path, -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 4, row->body);
  sqlite3_bind_text (stmt, 5, row->idempotency_key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, row->username, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 7, row->created_at);

  if (!bc_store_step_done (worker->store, stmt, error))
    return FALSE;

  row->id = bc_store_last_insert_rowid (worker->store);
  return TRUE;
}

static gboolean
worker_update (Worker  *worker,
               Row     *row,
               GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  stmt = bc_store_prepare (worker->store,
                           "UPDATE outbox SET state = ?2, attempts = ?3, error_code = ?4,"
                           " error_message = ?5, updated_at = ?6 WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, row->id);
  sqlite3_bind_text (stmt, 2, bc_outbox_state_to_string (row->state), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, row->attempts);
  bind_text_or_null (stmt, 4, row->error_code);
  bind_text_or_null (stmt, 5, row->error_message);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time ());

  return bc_store_step_done (worker->store, stmt, error);
}

static gboolean
worker_delete (Worker  *worker,
               gint64   id,
               GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  stmt = bc_store_prepare (worker->store, "DELETE FROM outbox WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, id);
  return bc_store_step_done (worker->store, stmt, error);
}

static void
worker_run (gpointer data,
            gpointer user_data)
{
  Job *job = data;
  Worker *worker = user_data;
  g_autoptr(GError) error = NULL;

  if (job->kind == JOB_OPEN)
    {
      worker->store = bc_store_open (worker->path, &outbox_schema, &job->error);
      if (worker->store != NULL)
        job->rows = worker_load (worker, &job->error);
    }
  else if (worker->store == NULL)
    {
      /* Open failed: the outbox object was never handed out, so nothing else can be queued. */
      g_set_error (&job->error, BC_STORE_ERROR, BC_STORE_ERROR_OPEN,
                   "The outbox %s is not open", worker->path);
    }
  else
    {
      switch (job->kind)
        {
        case JOB_INSERT:
          if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (job->task),
                                                    &job->error))
            break;
          worker_insert (worker, job->row, &job->error);
          break;

        case JOB_UPDATE:
          if (!worker_update (worker, job->row, &error))
            g_warning ("Cannot record the state of outbox item %" G_GINT64_FORMAT " in %s: %s",
                       job->row->id, worker->path, error->message);
          break;

        case JOB_DELETE:
          if (!worker_delete (worker, job->row->id, &error))
            g_warning ("Cannot remove outbox item %" G_GINT64_FORMAT " from %s: %s",
                       job->row->id, worker->path, error->message);
          break;

        case JOB_FLUSH:
          break;

        case JOB_OPEN:
        default:
          g_assert_not_reached ();
        }
    }

  if (job->task != NULL)
    {
      /* Not g_main_context_invoke(): with the global default context it could run the
       * callback right here on the worker. */
      g_autoptr(GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, job_return, job, NULL);
      g_source_set_static_name (source, "[beacon] outbox job done");
      g_source_attach (source, job->context);
    }
  else
    job_free (job);
}

static void
worker_free (Worker *worker)
{
  g_clear_object (&worker->store);
  g_free (worker->path);
  g_free (worker);
}

/* ---- BcOutbox ------------------------------------------------------------------------------- */

struct _BcOutbox
{
  GObject      parent_instance;

  char        *path;
  Worker      *worker;
  GThreadPool *pool;
  GPtrArray   *items;      /* BcOutboxItem*, in id order */
  guint        n_waiting;  /* items PENDING or SENT */
};

static void bc_outbox_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BcOutbox, bc_outbox, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      bc_outbox_list_model_init))

enum {
  PROP_0,
  PROP_PATH,
  PROP_N_WAITING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_ITEM_DONE,
  SIGNAL_ITEM_CONFLICT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GType
bc_outbox_get_item_type (GListModel *model)
{
  return BC_TYPE_OUTBOX_ITEM;
}

static guint
bc_outbox_get_n_items (GListModel *model)
{
  return BC_OUTBOX (model)->items->len;
}

static gpointer
bc_outbox_get_item (GListModel *model,
                    guint       position)
{
  BcOutbox *self = BC_OUTBOX (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
bc_outbox_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = bc_outbox_get_item_type;
  iface->get_n_items = bc_outbox_get_n_items;
  iface->get_item = bc_outbox_get_item;
}

static void
bc_outbox_finalize (GObject *object)
{
  BcOutbox *self = BC_OUTBOX (object);

  /* Let the writes already queued reach the file: each is one single-row statement, so this
   * waits microseconds to a few milliseconds, and only when the outbox is dropped (at exit). */
  if (self->pool != NULL)
    g_thread_pool_free (self->pool, FALSE, TRUE);
  g_clear_pointer (&self->worker, worker_free);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_free (self->path);

  G_OBJECT_CLASS (bc_outbox_parent_class)->finalize (object);
}

static void
bc_outbox_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  BcOutbox *self = BC_OUTBOX (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_N_WAITING:
      g_value_set_uint (value, self->n_waiting);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bc_outbox_class_init (BcOutboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bc_outbox_finalize;
  object_class->get_property = bc_outbox_get_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* How many commands still have to reach the server (PENDING or SENT): for a status badge. */
  properties[PROP_N_WAITING] =
    g_param_spec_uint ("n-waiting", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The server applied a queued command (the item has just left the model). */
  signals[SIGNAL_ITEM_DONE] =
    g_signal_new ("item-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, BC_TYPE_OUTBOX_ITEM);
  /* The server refused a replayed command; the item stays, with the server's message. */
  signals[SIGNAL_ITEM_CONFLICT] =
    g_signal_new ("item-conflict", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, BC_TYPE_OUTBOX_ITEM);
}

static void
bc_outbox_init (BcOutbox *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

static gboolean
state_is_waiting (BcOutboxState state)
{
  return state == BC_OUTBOX_STATE_PENDING || state == BC_OUTBOX_STATE_SENT;
}

static void
recount_waiting (BcOutbox *self)
{
  guint n = 0;

  for (guint i = 0; i < self->items->len; i++)
    {
      BcOutboxItem *item = g_ptr_array_index (self->items, i);

      if (state_is_waiting (item->state))
        n++;
    }

  if (n != self->n_waiting)
    {
      self->n_waiting = n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_WAITING]);
    }
}

static void
push_job (BcOutbox *self,
          JobKind   kind,
          GTask    *task,
          Row      *row)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->task = task;
  job->row = row;
  if (task != NULL)
    job->context = g_main_context_ref (g_task_get_context (task));
  /* Cannot fail: the pool is not exclusive, so no thread has to be created here. */
  g_thread_pool_push (self->pool, job, NULL);
}

static Row *
row_for_update (BcOutboxItem *item)
{
  Row *row = g_new0 (Row, 1);

  row->id = item->id;
  row->state = item->state;
  row->attempts = item->attempts;
  row->error_code = g_strdup (item->error_code);
  row->error_message = g_strdup (item->error_message);
  return row;
}

static void
insert_sorted (BcOutbox     *self,
               BcOutboxItem *item)
{
  guint position = self->items->len;

  /* Normally the end: rows come back from the single worker in insertion order. */
  while (position > 0
         && ((BcOutboxItem *) g_ptr_array_index (self->items, position - 1))->id > item->id)
    position--;

  g_ptr_array_insert (self->items, position, g_object_ref (item));
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  recount_waiting (self);
}

static gboolean
find_item (BcOutbox     *self,
           BcOutboxItem *item,
           guint        *out_position)
{
  return g_ptr_array_find (self->items, item, out_position);
}

/* -- open -- */

static void
open_thread_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  BcOutbox *self = BC_OUTBOX (source);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GPtrArray) rows = NULL;
  GError *error = NULL;

  rows = g_task_propagate_pointer (G_TASK (result), &error);
  if (rows == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr(BcOutboxItem) item = item_new_from_row (g_ptr_array_index (rows, i));

      g_ptr_array_add (self->items, g_steal_pointer (&item));
    }
  recount_waiting (self);

  g_debug ("Outbox %s: %u items, %u to send", self->path, self->items->len, self->n_waiting);
  g_task_return_pointer (task, g_object_ref (self), g_object_unref);
}

void
bc_outbox_open_async (const char          *path,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(BcOutbox) self = NULL;
  g_autoptr(GTask) task = NULL;
  GTask *inner;

  g_return_if_fail (path != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  self = g_object_new (BC_TYPE_OUTBOX, NULL);
  self->path = g_strdup (path);
  self->worker = g_new0 (Worker, 1);
  self->worker->path = g_strdup (path);
  /* One thread, not exclusive: jobs run one at a time in submission order, and the thread goes
   * away when idle. */
  self->pool = g_thread_pool_new (worker_run, self->worker, 1, FALSE, NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bc_outbox_open_async);

  inner = g_task_new (self, cancellable, open_thread_done, g_steal_pointer (&task));
  push_job (self, JOB_OPEN, inner, NULL);
}

BcOutbox *
bc_outbox_open_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bc_outbox_open_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
bc_outbox_get_path (BcOutbox *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX (self), NULL);
  return self->path;
}

/* -- enqueue -- */

static BcOutboxItem *
find_by_key (BcOutbox   *self,
             const char *idempotency_key)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      BcOutboxItem *item = g_ptr_array_index (self->items, i);

      if (g_strcmp0 (item->idempotency_key, idempotency_key) == 0)
        return item;
    }
  return NULL;
}

static void
enqueue_thread_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  BcOutbox *self = BC_OUTBOX (source);
  g_autoptr(GTask) task = user_data;
  g_autoptr(Row) row = NULL;
  g_autoptr(BcOutboxItem) item = NULL;
  g_autoptr(GError) error = NULL;

  row = g_task_propagate_pointer (G_TASK (result), &error);
  if (row == NULL)
    {
      BcOutboxItem *existing;

      /* The same key queued twice at the same moment: the first one stands. */
      if (g_error_matches (error, BC_STORE_ERROR, BC_STORE_ERROR_CONSTRAINT)
          && (existing = find_by_key (self, g_task_get_task_data (task))) != NULL)
        g_task_return_pointer (task, g_object_ref (existing), g_object_unref);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  item = item_new_from_row (row);
  insert_sorted (self, item);
  g_task_return_pointer (task, g_steal_pointer (&item), g_object_unref);
}

void
bc_outbox_enqueue_async (BcOutbox            *self,
                         BcOutboxKind         kind,
                         const char          *method,
                         const char          *path,
                         const char          *body,
                         const char          *idempotency_key,
                         const char          *username,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  BcOutboxItem *existing;
  GTask *inner;
  Row *row;

  g_return_if_fail (BC_IS_OUTBOX (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path != NULL);
  g_return_if_fail (idempotency_key != NULL && *idempotency_key != '\0');
  g_return_if_fail (username != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bc_outbox_enqueue_async);
  g_task_set_task_data (task, g_strdup (idempotency_key), g_free);
  /* Whatever the worker did is what the caller learns, cancelled or not. */
  g_task_set_check_cancellable (task, FALSE);

  /* A retry of a command that is already queued (same key) is that command. */
  existing = find_by_key (self, idempotency_key);
  if (existing != NULL)
    {
      g_task_return_pointer (task, g_object_ref (existing), g_object_unref);
      return;
    }

  row = g_new0 (Row, 1);
  row->kind = kind;
  row->method = g_strdup (method);
  row->path = g_strdup (path);
  row->body = g_strdup (body);
  row->idempotency_key = g_strdup (idempotency_key);
  row->username = g_strdup (username);
  row->created_at = g_get_real_time ();
  row->state = BC_OUTBOX_STATE_PENDING;

  inner = g_task_new (self, cancellable, enqueue_thread_done, g_steal_pointer (&task));
  g_task_set_check_cancellable (inner, FALSE);
  push_job (self, JOB_INSERT, inner, row);
}

BcOutboxItem *
bc_outbox_enqueue_finish (BcOutbox      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (BC_IS_OUTBOX (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bc_outbox_enqueue_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* -- queue state -- */

BcOutboxItem *
bc_outbox_peek (BcOutbox   *self,
                const char *username)
{
  g_return_val_if_fail (BC_IS_OUTBOX (self), NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      BcOutboxItem *item = g_ptr_array_index (self->items, i);

      if (state_is_waiting (item->state) && g_strcmp0 (item->username, username) == 0)
        return item;
    }

  return NULL;
}

guint
bc_outbox_get_n_waiting (BcOutbox *self)
{
  g_return_val_if_fail (BC_IS_OUTBOX (self), 0);
  return self->n_waiting;
}

static void
remove_item (BcOutbox     *self,
             BcOutboxItem *item)
{
  guint position;
  Row *row;

  if (!find_item (self, item, &position))
    return;

  row = g_new0 (Row, 1);
  row->id = item->id;
  push_job (self, JOB_DELETE, NULL, row);

  g_ptr_array_remove_index (self->items, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  recount_waiting (self);
}

void
bc_outbox_set_state (BcOutbox      *self,
                     BcOutboxItem  *item,
                     BcOutboxState  state,
                     const char    *error_code,
                     const char    *error_message)
{
  g_autoptr(BcOutboxItem) hold = NULL;
  gboolean code_changed, message_changed;

  g_return_if_fail (BC_IS_OUTBOX (self));
  g_return_if_fail (BC_IS_OUTBOX_ITEM (item));

  if (!find_item (self, item, NULL))
    return;

  hold = g_object_ref (item);
  g_object_freeze_notify (G_OBJECT (item));

  code_changed = g_strcmp0 (item->error_code, error_code) != 0;
  message_changed = g_strcmp0 (item->error_message, error_message) != 0;
  if (code_changed)
    {
      g_free (item->error_code);
      item->error_code = g_strdup (error_code);
      g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_ERROR_CODE]);
    }
  if (message_changed)
    {
      g_free (item->error_message);
      item->error_message = g_strdup (error_message);
      g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_ERROR_MESSAGE]);
    }
  if (item->state != state)
    {
      item->state = state;
      g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_STATE]);
    }

  if (state == BC_OUTBOX_STATE_DONE)
    remove_item (self, item);
  else
    {
      push_job (self, JOB_UPDATE, NULL, row_for_update (item));
      recount_waiting (self);
    }

  g_object_thaw_notify (G_OBJECT (item));

  if (state == BC_OUTBOX_STATE_DONE)
    g_signal_emit (self, signals[SIGNAL_ITEM_DONE], 0, item);
  else if (state == BC_OUTBOX_STATE_CONFLICT)
    g_signal_emit (self, signals[SIGNAL_ITEM_CONFLICT], 0, item);
}

void
bc_outbox_mark_sent (BcOutbox     *self,
                     BcOutboxItem *item)
{
  g_return_if_fail (BC_IS_OUTBOX (self));
  g_return_if_fail (BC_IS_OUTBOX_ITEM (item));

  if (!find_item (self, item, NULL))
    return;

  item->attempts++;
  g_object_notify_by_pspec (G_OBJECT (item), item_properties[ITEM_PROP_ATTEMPTS]);
  bc_outbox_set_state (self, item, BC_OUTBOX_STATE_SENT, item->error_code, item->error_message);
}

void
bc_outbox_dismiss (BcOutbox     *self,
                   BcOutboxItem *item)
{
  g_autoptr(BcOutboxItem) hold = NULL;

  g_return_if_fail (BC_IS_OUTBOX (self));
  g_return_if_fail (BC_IS_OUTBOX_ITEM (item));

  hold = g_object_ref (item);
  remove_item (self, item);
}

/* -- flush -- */

void
bc_outbox_flush_async (BcOutbox            *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (BC_IS_OUTBOX (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bc_outbox_flush_async);
  push_job (self, JOB_FLUSH, task, NULL);
}

gboolean
bc_outbox_flush_finish (BcOutbox      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (BC_IS_OUTBOX (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bc_outbox_flush_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
