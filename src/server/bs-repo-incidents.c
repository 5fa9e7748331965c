/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-repo-private.h"

/* Incidents and their notes. */

#define LIST_DEFAULT_LIMIT 100
#define LIST_MAX_LIMIT     1000

/* The members a PATCH may change; everything else about an incident is server-owned or
 * (caller) fixed at creation. */
static const char *const patchable_members[] = {
  "status", "priority", "type", "address", "description", "disposition", "location", NULL
};

static const char *
text_or_null (sqlite3_stmt *stmt,
              int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

static gint64
time_or_zero (sqlite3_stmt *stmt,
              int           column)
{
  return sqlite3_column_type (stmt, column) == SQLITE_NULL ? 0 : sqlite3_column_int64 (stmt, column);
}

static BcIncident *
incident_from_stmt (sqlite3_stmt *stmt)
{
  BcIncident *incident = bc_incident_new ();
  BcIncidentType type = BC_INCIDENT_TYPE_OTHER;
  BcIncidentStatus status = BC_INCIDENT_STATUS_NEW;
  const char *district;

  g_object_freeze_notify (G_OBJECT (incident));
  bc_incident_set_id (incident, sqlite3_column_int64 (stmt, 0));
  bc_incident_set_number (incident, text_or_null (stmt, 1));
  bc_incident_type_from_string (text_or_null (stmt, 2), &type);
  bc_incident_set_incident_type (incident, type);
  bc_incident_set_priority (incident, sqlite3_column_int (stmt, 3));
  bc_incident_status_from_string (text_or_null (stmt, 4), &status);
  bc_incident_set_status (incident, status);
  bc_incident_set_location (incident, sqlite3_column_double (stmt, 5),
                            sqlite3_column_double (stmt, 6));
  bc_incident_set_address (incident, text_or_null (stmt, 7));
  district = text_or_null (stmt, 8);
  bc_incident_set_district (incident, district != NULL && *district != '\0' ? district : NULL);
  bc_incident_set_caller_name (incident, text_or_null (stmt, 9));
  bc_incident_set_caller_phone (incident, text_or_null (stmt, 10));
  bc_incident_set_description (incident, text_or_null (stmt, 11));
  bc_incident_set_disposition (incident, text_or_null (stmt, 12));
  bc_incident_set_created_at (incident, time_or_zero (stmt, 13));
  bc_incident_set_dispatched_at (incident, time_or_zero (stmt, 14));
  bc_incident_set_en_route_at (incident, time_or_zero (stmt, 15));
  bc_incident_set_on_scene_at (incident, time_or_zero (stmt, 16));
  bc_incident_set_closed_at (incident, time_or_zero (stmt, 17));
  bc_incident_set_cancelled_at (incident, time_or_zero (stmt, 18));
  bc_incident_set_updated_at (incident, time_or_zero (stmt, 19));
  bc_incident_set_version (incident, sqlite3_column_int64 (stmt, 20));
  g_object_thaw_notify (G_OBJECT (incident));
  return incident;
}

static gboolean
load_incident_units (BsRepo      *self,
                     BcIncident  *incident,
                     GError     **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  stmt = bc_store_prepare (self->store,
                           "SELECT unit FROM incident_units WHERE incident = ?1 "
                           "ORDER BY assigned_at, unit",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, bc_incident_get_id (incident));
  while ((rc = bc_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    return FALSE;
  bc_incident_set_units (incident, (const gint64 *) ids->data, ids->len);
  return TRUE;
}

BcIncident *
_bs_repo_load_incident (BsRepo  *self,
                        gint64   id,
                        GError **error)
{
  g_autoptr(BcIncident) incident = NULL;

  {
    g_autoptr(BcStmt) stmt = NULL;
    int rc;

    stmt = bc_store_prepare (self->store,
                             "SELECT " BS_INCIDENT_COLUMNS " FROM incidents WHERE id = ?1", error);
    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, id);
    rc = bc_store_step (self->store, stmt, error);
    if (rc == SQLITE_DONE)
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_NOT_FOUND,
                   "incident %" G_GINT64_FORMAT " does not exist", id);
    if (rc != SQLITE_ROW)
      return NULL;
    incident = incident_from_stmt (stmt);
  }

  if (!load_incident_units (self, incident, error))
    return NULL;
  return g_steal_pointer (&incident);
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           column,
                   const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, column);
}

static void
bind_time (sqlite3_stmt *stmt,
           int           column,
           gint64        usec)
{
  if (usec != 0)
    sqlite3_bind_int64 (stmt, column, usec);
  else
    sqlite3_bind_null (stmt, column);
}

/* Writes the incident row (not its unit list, which has its own table). */
gboolean
_bs_repo_write_incident (BsRepo      *self,
                         BcIncident  *incident,
                         GError     **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  const char *district = bc_incident_get_district (incident);
  const char *address = bc_incident_get_address (incident);
  const char *description = bc_incident_get_description (incident);

  stmt = bc_store_prepare (self->store,
                           "UPDATE incidents SET type = ?2, priority = ?3, status = ?4, lat = ?5, "
                           "  lon = ?6, address = ?7, district = ?8, caller_name = ?9, "
                           "  caller_phone = ?10, description = ?11, disposition = ?12, "
                           "  dispatched_at = ?13, en_route_at = ?14, on_scene_at = ?15, "
                           "  closed_at = ?16, cancelled_at = ?17, updated_at = ?18, "
                           "  version = ?19 "
                           "WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, bc_incident_get_id (incident));
  sqlite3_bind_text (stmt, 2, bc_incident_type_to_string (bc_incident_get_incident_type (incident)),
                     -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, bc_incident_get_priority (incident));
  sqlite3_bind_text (stmt, 4, bc_incident_status_to_string (bc_incident_get_status (incident)),
                     -1, SQLITE_STATIC);
  sqlite3_bind_double (stmt, 5, bc_incident_get_lat (incident));
  sqlite3_bind_double (stmt, 6, bc_incident_get_lon (incident));
  sqlite3_bind_text (stmt, 7, address != NULL ? address : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, district != NULL ? district : "", -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 9, bc_incident_get_caller_name (incident));
  bind_text_or_null (stmt, 10, bc_incident_get_caller_phone (incident));
  sqlite3_bind_text (stmt, 11, description != NULL ? description : "", -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 12, bc_incident_get_disposition (incident));
  bind_time (stmt, 13, bc_incident_get_dispatched_at (incident));
  bind_time (stmt, 14, bc_incident_get_en_route_at (incident));
  bind_time (stmt, 15, bc_incident_get_on_scene_at (incident));
  bind_time (stmt, 16, bc_incident_get_closed_at (incident));
  bind_time (stmt, 17, bc_incident_get_cancelled_at (incident));
  bind_time (stmt, 18, bc_incident_get_updated_at (incident));
  sqlite3_bind_int64 (stmt, 19, bc_incident_get_version (incident));
  return bc_store_step_done (self->store, stmt, error);
}

gboolean
_bs_repo_commit_incident_change (BsRepo      *self,
                                 BcIncident  *incident,
                                 gint64       now,
                                 GError     **error)
{
  bc_incident_set_version (incident, bc_incident_get_version (incident) + 1);
  bc_incident_set_updated_at (incident, now);
  return _bs_repo_write_incident (self, incident, error)
         && _bs_repo_emit (self, BC_EVENT_INCIDENT_UPDATED, now, bc_incident_to_json (incident),
                           error);
}

void
_bs_repo_set_incident_status (BcIncident       *incident,
                              BcIncidentStatus  status,
                              gint64            now)
{
  bc_incident_set_status (incident, status);
  switch (status)
    {
    case BC_INCIDENT_STATUS_DISPATCHED:
      if (bc_incident_get_dispatched_at (incident) == 0)
        bc_incident_set_dispatched_at (incident, now);
      break;
    case BC_INCIDENT_STATUS_EN_ROUTE:
      if (bc_incident_get_en_route_at (incident) == 0)
        bc_incident_set_en_route_at (incident, now);
      break;
    case BC_INCIDENT_STATUS_ON_SCENE:
      if (bc_incident_get_on_scene_at (incident) == 0)
        bc_incident_set_on_scene_at (incident, now);
      break;
    case BC_INCIDENT_STATUS_CLOSED:
      if (bc_incident_get_closed_at (incident) == 0)
        bc_incident_set_closed_at (incident, now);
      break;
    case BC_INCIDENT_STATUS_CANCELLED:
      if (bc_incident_get_cancelled_at (incident) == 0)
        bc_incident_set_cancelled_at (incident, now);
      break;
    case BC_INCIDENT_STATUS_NEW:
    default:
      break;
    }
}

gboolean
_bs_repo_remove_incident_unit (BsRepo  *self,
                               gint64   incident_id,
                               gint64   unit_id,
                               GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  stmt = bc_store_prepare (self->store,
                           "DELETE FROM incident_units WHERE incident = ?1 AND unit = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, incident_id);
  sqlite3_bind_int64 (stmt, 2, unit_id);
  return bc_store_step_done (self->store, stmt, error);
}

gboolean
_bs_repo_incident_has_units (BsRepo    *self,
                             gint64     incident_id,
                             gboolean  *out_has,
                             GError   **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  stmt = bc_store_prepare (self->store,
                           "SELECT 1 FROM incident_units WHERE incident = ?1 LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, incident_id);
  rc = bc_store_step (self->store, stmt, error);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return FALSE;
  *out_has = rc == SQLITE_ROW;
  return TRUE;
}

/* The district the point lies in, or NULL (outside every district, or no outlines loaded). */
static const char *
derive_district (BsRepo *self,
                 double  lat,
                 double  lon)
{
  return self->districts != NULL ? bc_districts_find (self->districts, lat, lon) : NULL;
}

/* ---- create --------------------------------------------------------------------------------- */

typedef struct
{
  BsRepo        *self;
  BcIncident    *draft;
  const BsActor *actor;
  BcIncident    *result;
} CreateCommand;

/* JQ + the local date + a 4-digit sequence that restarts every day. Under the write lock of
 * the command's transaction the highest number of the day cannot change, and a rolled-back
 * create leaves no row, so numbers stay unique and gap-free per day. */
static char *
next_incident_number (BsRepo  *self,
                      gint64   now,
                      GError **error)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, self->tz);
  g_autofree char *date = g_date_time_format (local, "%Y%m%d");
  g_autofree char *low = g_strdup_printf ("JQ%s0000", date);
  g_autofree char *high = g_strdup_printf ("JQ%s9999", date);
  g_autoptr(BcStmt) stmt = NULL;
  guint seq = 1;
  int rc;

  stmt = bc_store_prepare (self->store,
                           "SELECT max (number) FROM incidents WHERE number BETWEEN ?1 AND ?2",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, low, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, high, -1, SQLITE_STATIC);
  rc = bc_store_step (self->store, stmt, error);
  if (rc != SQLITE_ROW)
    return NULL;
  if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    seq = (guint) g_ascii_strtoull ((const char *) sqlite3_column_text (stmt, 0) + 10, NULL, 10)
          + 1;
  if (seq > 9999)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "number: the incident numbers of %s are used up (9999 a day)", date);
      return NULL;
    }
  return g_strdup_printf ("JQ%s%04u", date, seq);
}

static gboolean
create_command (BcStore  *store,
                gpointer  user_data,
                GError  **error)
{
  CreateCommand *cmd = user_data;
  BsRepo *self = cmd->self;
  BcIncident *draft = cmd->draft;
  g_autofree char *number = NULL;
  g_autoptr(BcStmt) stmt = NULL;
  g_autoptr(BcIncident) created = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autofree char *target = NULL;
  gint64 now = _bs_repo_now (self);
  gint64 id;
  const char *address = bc_incident_get_address (draft);
  const char *district = bc_incident_get_district (draft);
  const char *description = bc_incident_get_description (draft);

  /* A district given with the incident (an integration that knows the jurisdiction) is kept;
   * otherwise it is the one the location lies in, as a PGIS assigns it. */
  if (district == NULL || *district == '\0')
    district = derive_district (self, bc_incident_get_lat (draft), bc_incident_get_lon (draft));

  number = next_incident_number (self, now, error);
  if (number == NULL)
    return FALSE;

  stmt = bc_store_prepare (store,
                           "INSERT INTO incidents (number, type, priority, status, lat, lon, "
                           "  address, district, caller_name, caller_phone, description, "
                           "  created_at, updated_at, version) "
                           "VALUES (?1, ?2, ?3, 'new', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, 1)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, number, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, bc_incident_type_to_string (bc_incident_get_incident_type (draft)),
                     -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, bc_incident_get_priority (draft));
  sqlite3_bind_double (stmt, 4, bc_incident_get_lat (draft));
  sqlite3_bind_double (stmt, 5, bc_incident_get_lon (draft));
  sqlite3_bind_text (stmt, 6, address != NULL ? address : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, district != NULL ? district : "", -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 8, bc_incident_get_caller_name (draft));
  bind_text_or_null (stmt, 9, bc_incident_get_caller_phone (draft));
  sqlite3_bind_text (stmt, 10, description != NULL ? description : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 11, now);
  if (!bc_store_step_done (store, stmt, error))
    return FALSE;
  id = bc_store_last_insert_rowid (store);

  created = _bs_repo_load_incident (self, id, error);
  if (created == NULL)
    return FALSE;
  if (!_bs_repo_emit (self, BC_EVENT_INCIDENT_CREATED, now, bc_incident_to_json (created), error))
    return FALSE;

  detail = json_object_new ();
  json_object_set_string_member (detail, "number", number);
  json_object_set_string_member (detail, "type",
                                 bc_incident_type_to_string (bc_incident_get_incident_type (draft)));
  json_object_set_int_member (detail, "priority", bc_incident_get_priority (draft));
  target = g_strdup_printf ("incident/%" G_GINT64_FORMAT, id);
  if (!_bs_repo_audit (self, now, cmd->actor, "incident.create", target,
                       json_node_init_object (json_node_alloc (), detail), error))
    return FALSE;

  cmd->result = g_steal_pointer (&created);
  return TRUE;
}

/**
 * bs_repo_create_incident:
 * @draft: the client's fields (bc_incident_from_create_json()); server-owned fields are ignored
 *
 * Numbers the incident and stores it as `new`, version 1. Without a district it gets the one its
 * location lies in (bs_repo_set_districts()).
 *
 * Returns: (transfer full): the incident as stored, or %NULL with @error set
 */
BcIncident *
bs_repo_create_incident (BsRepo         *self,
                         BcIncident     *draft,
                         const BsActor  *actor,
                         GError        **error)
{
  CreateCommand cmd = { self, draft, actor, NULL };
  g_autoptr(JsonNode) check = NULL;
  g_autoptr(BcIncident) checked = NULL;
  g_autoptr(GError) model_error = NULL;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (BC_IS_INCIDENT (draft), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The draft is usually decoded already; a draft built in code is held to the same rules. */
  check = bc_incident_to_create_json (draft);
  checked = bc_incident_from_create_json (check, &model_error);
  if (checked == NULL)
    {
      _bs_repo_set_error_invalid (error, model_error);
      return NULL;
    }

  if (!bc_store_run_command (self->store, create_command, &cmd, error))
    {
      g_clear_object (&cmd.result);
      return NULL;
    }
  return cmd.result;
}

BcIncident *
bs_repo_get_incident (BsRepo  *self,
                      gint64   id,
                      GError **error)
{
  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _bs_repo_load_incident (self, id, error);
}

/**
 * bs_repo_list_incidents:
 * @limit: at most this many (0: 100; capped at 1000 unless G_MAXUINT, for the snapshot)
 * @before_id: only incidents with a smaller id (0: from the newest), for paging
 *
 * Returns: (transfer full) (element-type BcIncident): newest first
 */
GPtrArray *
bs_repo_list_incidents (BsRepo            *self,
                        BsIncidentFilter   filter,
                        guint              limit,
                        gint64             before_id,
                        GError           **error)
{
  g_autoptr(GPtrArray) incidents = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (limit == 0)
    limit = LIST_DEFAULT_LIMIT;
  else if (limit > LIST_MAX_LIMIT && limit != G_MAXUINT)
    limit = LIST_MAX_LIMIT;
  if (before_id <= 0)
    before_id = G_MAXINT64;

  {
    g_autoptr(BcStmt) stmt = NULL;
    const char *sql;

    switch (filter)
      {
      case BS_INCIDENT_FILTER_OPEN:
        sql = "SELECT " BS_INCIDENT_COLUMNS " FROM incidents "
              "WHERE status IN ('new', 'dispatched', 'en_route', 'on_scene') AND id < ?1 "
              "ORDER BY id DESC LIMIT ?2";
        break;
      case BS_INCIDENT_FILTER_CLOSED:
        sql = "SELECT " BS_INCIDENT_COLUMNS " FROM incidents "
              "WHERE status IN ('closed', 'cancelled') AND id < ?1 ORDER BY id DESC LIMIT ?2";
        break;
      case BS_INCIDENT_FILTER_ALL:
      default:
        sql = "SELECT " BS_INCIDENT_COLUMNS " FROM incidents WHERE id < ?1 "
              "ORDER BY id DESC LIMIT ?2";
        break;
      }

    stmt = bc_store_prepare (self->store, sql, error);
    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, before_id);
    sqlite3_bind_int64 (stmt, 2, limit == G_MAXUINT ? -1 : (gint64) limit);
    while ((rc = bc_store_step (self->store, stmt, error)) == SQLITE_ROW)
      g_ptr_array_add (incidents, incident_from_stmt (stmt));
    if (rc != SQLITE_DONE)
      return NULL;
  }

  for (guint i = 0; i < incidents->len; i++)
    if (!load_incident_units (self, g_ptr_array_index (incidents, i), error))
      return NULL;

  return g_steal_pointer (&incidents);
}

/* ---- update --------------------------------------------------------------------------------- */

typedef struct
{
  BsRepo        *self;
  gint64         id;
  gint64         version;
  JsonObject    *changes;
  const BsActor *actor;
  BcIncident    *result;
  GPtrArray     *released;   /* BcUnit set free by closing or cancelling */
} UpdateCommand;

static gboolean
incident_differs (BcIncident *a,
                  BcIncident *b)
{
  return bc_incident_get_status (a) != bc_incident_get_status (b)
         || bc_incident_get_priority (a) != bc_incident_get_priority (b)
         || bc_incident_get_incident_type (a) != bc_incident_get_incident_type (b)
         || g_strcmp0 (bc_incident_get_address (a), bc_incident_get_address (b)) != 0
         || g_strcmp0 (bc_incident_get_description (a), bc_incident_get_description (b)) != 0
         || g_strcmp0 (bc_incident_get_disposition (a), bc_incident_get_disposition (b)) != 0
         || bc_incident_get_lat (a) != bc_incident_get_lat (b)
         || bc_incident_get_lon (a) != bc_incident_get_lon (b);
}

static gboolean
release_incident_units (UpdateCommand  *cmd,
                        BcIncident     *incident,
                        gint64          now,
                        GError        **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  {
    g_autoptr(BcStmt) stmt = NULL;
    int rc;

    stmt = bc_store_prepare (cmd->self->store,
                             "SELECT id FROM units WHERE incident = ?1 ORDER BY id", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, bc_incident_get_id (incident));
    while ((rc = bc_store_step (cmd->self->store, stmt, error)) == SQLITE_ROW)
      {
        gint64 id = sqlite3_column_int64 (stmt, 0);

        g_array_append_val (ids, id);
      }
    if (rc != SQLITE_DONE)
      return FALSE;
  }

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(BcUnit) unit = _bs_repo_load_unit (cmd->self, g_array_index (ids, gint64, i),
                                                   error);

      if (unit == NULL)
        return FALSE;
      /* The incident keeps its list of units as the record of who handled it. */
      if (!_bs_repo_release_unit (cmd->self, unit, incident, FALSE, now, NULL, error))
        return FALSE;
      g_ptr_array_add (cmd->released, g_steal_pointer (&unit));
    }
  return TRUE;
}

static gboolean
update_command (BcStore  *store,
                gpointer  user_data,
                GError  **error)
{
  UpdateCommand *cmd = user_data;
  BsRepo *self = cmd->self;
  g_autoptr(BcIncident) current = NULL;
  g_autoptr(BcIncident) wanted = NULL;
  g_autoptr(JsonNode) merged = NULL;
  g_autoptr(GError) model_error = NULL;
  g_autofree char *target = NULL;
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;
  BcIncidentStatus from, to;
  gint64 now = _bs_repo_now (self);

  current = _bs_repo_load_incident (self, cmd->id, error);
  if (current == NULL)
    return FALSE;
  if (bc_incident_get_version (current) != cmd->version)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_STALE_VERSION,
                   "incident %s has version %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT,
                   bc_incident_get_number (current), bc_incident_get_version (current),
                   cmd->version);
      return FALSE;
    }

  from = bc_incident_get_status (current);
  if (!bc_incident_status_is_open (from))
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION,
                   "incident %s is %s and can no longer be changed",
                   bc_incident_get_number (current), bc_incident_status_to_string (from));
      return FALSE;
    }

  /* The changes are laid over the current document and decoded again, so every value is held
   * to exactly the codec's rules and the error names the field as the client sent it. */
  merged = bc_incident_to_json (current);
  json_object_iter_init (&iter, cmd->changes);
  while (json_object_iter_next (&iter, &member, &value))
    json_object_set_member (json_node_get_object (merged), member, json_node_copy (value));
  wanted = bc_incident_from_json (merged, &model_error);
  if (wanted == NULL)
    {
      _bs_repo_set_error_invalid (error, model_error);
      return FALSE;
    }
  if (json_object_has_member (cmd->changes, "disposition")
      && bc_incident_get_disposition (wanted) != NULL
      && *bc_incident_get_disposition (wanted) == '\0')
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "disposition: must not be empty (use null to clear it)");
      return FALSE;
    }

  to = bc_incident_get_status (wanted);
  if (to != from)
    {
      if (to == BC_INCIDENT_STATUS_DISPATCHED)
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION,
                       "incident %s cannot go from %s to dispatched: dispatch units instead",
                       bc_incident_get_number (current), bc_incident_status_to_string (from));
          return FALSE;
        }
      if (!bc_incident_status_can_transition (from, to))
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION,
                       "incident %s cannot go from %s to %s", bc_incident_get_number (current),
                       bc_incident_status_to_string (from), bc_incident_status_to_string (to));
          return FALSE;
        }
      if (to == BC_INCIDENT_STATUS_CLOSED && bc_incident_get_disposition (wanted) == NULL)
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                       "disposition: is required to close incident %s",
                       bc_incident_get_number (current));
          return FALSE;
        }
    }
  else if (json_object_has_member (cmd->changes, "status"))
    {
      /* Asking for the status it already has is a stale view, not a change to ignore. */
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION,
                   "incident %s cannot go from %s to %s", bc_incident_get_number (current),
                   bc_incident_status_to_string (from), bc_incident_status_to_string (to));
      return FALSE;
    }

  if (!incident_differs (current, wanted))
    {
      cmd->result = g_steal_pointer (&current);
      return TRUE;
    }

  g_object_freeze_notify (G_OBJECT (current));
  bc_incident_set_priority (current, bc_incident_get_priority (wanted));
  bc_incident_set_incident_type (current, bc_incident_get_incident_type (wanted));
  bc_incident_set_address (current, bc_incident_get_address (wanted));
  bc_incident_set_description (current, bc_incident_get_description (wanted));
  bc_incident_set_disposition (current, bc_incident_get_disposition (wanted));
  if (bc_incident_get_lat (current) != bc_incident_get_lat (wanted)
      || bc_incident_get_lon (current) != bc_incident_get_lon (wanted))
    {
      const char *district = bc_incident_get_district (current);

      /* The district is not stored with where it came from: one that matches the old location
       * (or none) was derived and follows the move; another was given and stays. */
      if (self->districts != NULL
          && (district == NULL
              || g_strcmp0 (district, derive_district (self, bc_incident_get_lat (current),
                                                       bc_incident_get_lon (current))) == 0))
        bc_incident_set_district (current, derive_district (self, bc_incident_get_lat (wanted),
                                                            bc_incident_get_lon (wanted)));
      bc_incident_set_location (current, bc_incident_get_lat (wanted),
                                bc_incident_get_lon (wanted));
    }
  if (to != from)
    _bs_repo_set_incident_status (current, to, now);
  g_object_thaw_notify (G_OBJECT (current));

  if (!_bs_repo_commit_incident_change (self, current, now, error))
    return FALSE;

  if (to == BC_INCIDENT_STATUS_CLOSED || to == BC_INCIDENT_STATUS_CANCELLED)
    if (!release_incident_units (cmd, current, now, error))
      return FALSE;

  target = g_strdup_printf ("incident/%" G_GINT64_FORMAT, cmd->id);
  if (!_bs_repo_audit (self, now, cmd->actor, "incident.update", target,
                       json_node_init_object (json_node_alloc (), cmd->changes), error))
    return FALSE;

  cmd->result = g_steal_pointer (&current);
  return TRUE;
}

/**
 * bs_repo_update_incident:
 * @version: the version the client last saw
 * @changes: members to change: status, priority, type, address, description, disposition,
 *   location
 *
 * Applies a PATCH. Closing or cancelling frees the incident's units (docs/lifecycle.md). A new
 * location brings a new district when the old one was derived from the old location.
 * Changes that change nothing return the incident as it is, without a new version or event.
 *
 * Returns: (transfer full): the incident as committed, or %NULL with @error set
 */
BcIncident *
bs_repo_update_incident (BsRepo         *self,
                         gint64          id,
                         gint64          version,
                         JsonObject     *changes,
                         const BsActor  *actor,
                         GError        **error)
{
  g_autoptr(GPtrArray) released = g_ptr_array_new_with_free_func (g_object_unref);
  UpdateCommand cmd = { self, id, version, changes, actor, NULL, released };
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (changes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  json_object_iter_init (&iter, changes);
  while (json_object_iter_next (&iter, &member, &value))
    {
      if (!g_strv_contains (patchable_members, member))
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                       "%s: cannot be changed (only status, priority, type, address, "
                       "description, disposition and location can)", member);
          return NULL;
        }
    }

  if (!bc_store_run_command (self->store, update_command, &cmd, error))
    {
      g_clear_object (&cmd.result);
      return NULL;
    }

  for (guint i = 0; i < released->len; i++)
    _bs_repo_cache_apply_unit (self, g_ptr_array_index (released, i));
  return cmd.result;
}

/* ---- notes ---------------------------------------------------------------------------------- */

static BcNote *
note_from_stmt (sqlite3_stmt *stmt)
{
  BcNote *note = bc_note_new ();

  note->id = sqlite3_column_int64 (stmt, 0);
  note->incident = sqlite3_column_int64 (stmt, 1);
  note->author = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  note->at = sqlite3_column_int64 (stmt, 3);
  note->text = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  return note;
}

typedef struct
{
  BsRepo        *self;
  gint64         incident_id;
  const char    *text;
  const BsActor *actor;
  BcNote        *result;
} NoteCommand;

static gboolean
note_command (BcStore  *store,
              gpointer  user_data,
              GError  **error)
{
  NoteCommand *cmd = user_data;
  BsRepo *self = cmd->self;
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(BcNote) note = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autofree char *target = NULL;
  gint64 now = _bs_repo_now (self);
  const char *author = cmd->actor != NULL && cmd->actor->username != NULL
                       ? cmd->actor->username : "system";

  /* Notes may be added to closed incidents too: follow-up calls come after closing. */
  incident = _bs_repo_load_incident (self, cmd->incident_id, error);
  if (incident == NULL)
    return FALSE;

  {
    g_autoptr(BcStmt) stmt = NULL;

    stmt = bc_store_prepare (store,
                             "INSERT INTO notes (incident, author, at, text) "
                             "VALUES (?1, ?2, ?3, ?4)",
                             error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, cmd->incident_id);
    sqlite3_bind_text (stmt, 2, author, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 3, now);
    sqlite3_bind_text (stmt, 4, cmd->text, -1, SQLITE_STATIC);
    if (!bc_store_step_done (store, stmt, error))
      return FALSE;
  }

  note = bc_note_new ();
  note->id = bc_store_last_insert_rowid (store);
  note->incident = cmd->incident_id;
  note->author = g_strdup (author);
  note->at = now;
  note->text = g_strdup (cmd->text);

  if (!_bs_repo_emit (self, BC_EVENT_NOTE_ADDED, now, bc_note_to_json (note), error))
    return FALSE;

  detail = json_object_new ();
  json_object_set_int_member (detail, "note", note->id);
  target = g_strdup_printf ("incident/%" G_GINT64_FORMAT, cmd->incident_id);
  if (!_bs_repo_audit (self, now, cmd->actor, "note.add", target,
                       json_node_init_object (json_node_alloc (), detail), error))
    return FALSE;

  cmd->result = g_steal_pointer (&note);
  return TRUE;
}

BcNote *
bs_repo_add_note (BsRepo         *self,
                  gint64          incident_id,
                  const char     *text,
                  const BsActor  *actor,
                  GError        **error)
{
  NoteCommand cmd = { self, incident_id, text, actor, NULL };
  glong n_chars;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID, "text: is not valid UTF-8");
      return NULL;
    }
  n_chars = g_utf8_strlen (text, -1);
  if (n_chars < 1 || n_chars > BC_NOTE_TEXT_MAX)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "text: must be 1 to %d characters, not %ld", BC_NOTE_TEXT_MAX, n_chars);
      return NULL;
    }

  if (!bc_store_run_command (self->store, note_command, &cmd, error))
    {
      g_clear_pointer (&cmd.result, bc_note_unref);
      return NULL;
    }
  return cmd.result;
}

/**
 * bs_repo_list_notes:
 *
 * Returns: (transfer full) (element-type BcNote): the incident's notes, oldest first
 */
GPtrArray *
bs_repo_list_notes (BsRepo  *self,
                    gint64   incident_id,
                    GError **error)
{
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_note_unref);
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  incident = _bs_repo_load_incident (self, incident_id, error);
  if (incident == NULL)
    return NULL;

  stmt = bc_store_prepare (self->store,
                           "SELECT id, incident, author, at, text FROM notes "
                           "WHERE incident = ?1 ORDER BY at, id",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, incident_id);
  while ((rc = bc_store_step (self->store, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (notes, note_from_stmt (stmt));
  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&notes);
}
