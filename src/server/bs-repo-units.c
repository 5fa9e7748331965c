/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-repo-private.h"

/* Units: their rows, status changes with the automatic incident consequences
 * (docs/lifecycle.md) and AVL ingest. */

/* A fix may be stamped a little ahead of the server's clock (unsynchronised vehicle clocks);
 * more than this is a broken feed. */
#define AVL_MAX_FUTURE_US (5 * 60 * G_USEC_PER_SEC)

BcUnit *
_bs_repo_unit_from_stmt (sqlite3_stmt *stmt)
{
  BcUnit *unit = bc_unit_new ();
  BcUnitKind kind = BC_UNIT_KIND_PATROL_CAR;
  BcUnitStatus status = BC_UNIT_STATUS_AVAILABLE;
  const char *station;

  g_object_freeze_notify (G_OBJECT (unit));
  bc_unit_set_id (unit, sqlite3_column_int64 (stmt, 0));
  bc_unit_set_call_sign (unit, (const char *) sqlite3_column_text (stmt, 1));
  bc_unit_kind_from_string ((const char *) sqlite3_column_text (stmt, 2), &kind);
  bc_unit_set_kind (unit, kind);
  station = (const char *) sqlite3_column_text (stmt, 3);
  bc_unit_set_station (unit, station != NULL && *station != '\0' ? station : NULL);
  bc_unit_status_from_string ((const char *) sqlite3_column_text (stmt, 4), &status);
  bc_unit_set_status (unit, status);
  if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
    bc_unit_set_position (unit,
                          sqlite3_column_double (stmt, 5), sqlite3_column_double (stmt, 6),
                          sqlite3_column_double (stmt, 7), sqlite3_column_double (stmt, 8),
                          sqlite3_column_int64 (stmt, 9));
  bc_unit_set_incident (unit, sqlite3_column_int64 (stmt, 10));
  bc_unit_set_version (unit, sqlite3_column_int64 (stmt, 11));
  g_object_thaw_notify (G_OBJECT (unit));
  return unit;
}

BcUnit *
_bs_repo_load_unit (BsRepo  *self,
                    gint64   id,
                    GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  stmt = bc_store_prepare (self->store, "SELECT " BS_UNIT_COLUMNS " FROM units WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = bc_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    return _bs_repo_unit_from_stmt (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_NOT_FOUND,
                 "unit %" G_GINT64_FORMAT " does not exist", id);
  return NULL;
}

/* Writes everything but the position, which only AVL (and import) write. */
gboolean
_bs_repo_write_unit (BsRepo  *self,
                     BcUnit  *unit,
                     GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;

  stmt = bc_store_prepare (self->store,
                           "UPDATE units SET call_sign = ?2, kind = ?3, station = ?4, "
                           "  status = ?5, incident = ?6, version = ?7 WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, bc_unit_get_id (unit));
  sqlite3_bind_text (stmt, 2, bc_unit_get_call_sign (unit), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, bc_unit_kind_to_string (bc_unit_get_kind (unit)), -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, bc_unit_get_station (unit) != NULL ? bc_unit_get_station (unit) : "",
                     -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, bc_unit_status_to_string (bc_unit_get_status (unit)), -1,
                     SQLITE_STATIC);
  if (bc_unit_get_incident (unit) != 0)
    sqlite3_bind_int64 (stmt, 6, bc_unit_get_incident (unit));
  sqlite3_bind_int64 (stmt, 7, bc_unit_get_version (unit));
  return bc_store_step_done (self->store, stmt, error);
}

gboolean
_bs_repo_commit_unit_change (BsRepo  *self,
                             BcUnit  *unit,
                             gint64   now,
                             GError **error)
{
  bc_unit_set_version (unit, bc_unit_get_version (unit) + 1);
  return _bs_repo_write_unit (self, unit, error)
         && _bs_repo_emit (self, BC_EVENT_UNIT_UPDATED, now, bc_unit_to_json (unit), error);
}

/* Call signs are Chinese (东宝巡01) and usernames are [a-z0-9_.-], so a unit's account is
 * tied to its unit by the account's display name, which is the call sign. A username equal to
 * the call sign (ASCII call signs) also counts. */
gboolean
_bs_repo_check_unit_actor (BsRepo         *self,
                           const BsActor  *actor,
                           BcUnit         *unit,
                           GError        **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  if (actor == NULL || actor->role != BC_ROLE_UNIT)
    return TRUE;
  if (g_strcmp0 (actor->username, bc_unit_get_call_sign (unit)) == 0)
    return TRUE;

  stmt = bc_store_prepare (self->store,
                           "SELECT 1 FROM users WHERE username = ?1 AND display_name = ?2 "
                           "AND role = 'unit' AND disabled = 0",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, actor->username != NULL ? actor->username : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, bc_unit_get_call_sign (unit), -1, SQLITE_STATIC);
  rc = bc_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_FORBIDDEN,
                 "user %s cannot act for unit %s", actor->username != NULL ? actor->username : "",
                 bc_unit_get_call_sign (unit));
  return FALSE;
}

char *
_bs_repo_describe_unit_busy (BsRepo *self,
                             BcUnit *unit)
{
  BcUnitStatus status = bc_unit_get_status (unit);
  g_autofree char *number = NULL;

  if (bc_unit_get_incident (unit) != 0)
    {
      g_autoptr(BcStmt) stmt = bc_store_prepare (self->store,
                                                 "SELECT number FROM incidents WHERE id = ?1",
                                                 NULL);

      if (stmt != NULL)
        {
          sqlite3_bind_int64 (stmt, 1, bc_unit_get_incident (unit));
          if (bc_store_step (self->store, stmt, NULL) == SQLITE_ROW)
            number = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
        }
    }

  if (number == NULL)
    return g_strdup_printf ("%s is %s", bc_unit_get_call_sign (unit),
                            bc_unit_status_to_string (status));
  return g_strdup_printf ("%s is %s %s %s", bc_unit_get_call_sign (unit),
                          bc_unit_status_to_string (status),
                          status == BC_UNIT_STATUS_ON_SCENE ? "at" : "to", number);
}

gboolean
_bs_repo_release_unit (BsRepo      *self,
                       BcUnit      *unit,
                       BcIncident  *incident,
                       gboolean     remove_from_incident,
                       gint64       now,
                       gboolean    *out_incident_changed,
                       GError     **error)
{
  gint64 incident_id = bc_unit_get_incident (unit);
  gint64 unit_id = bc_unit_get_id (unit);

  bc_unit_set_status (unit, BC_UNIT_STATUS_AVAILABLE);
  bc_unit_set_incident (unit, 0);
  if (!_bs_repo_commit_unit_change (self, unit, now, error))
    return FALSE;

  if (!remove_from_incident || incident_id == 0)
    return TRUE;

  if (!_bs_repo_remove_incident_unit (self, incident_id, unit_id, error))
    return FALSE;

  if (incident != NULL && bc_incident_get_id (incident) == incident_id
      && bc_incident_has_unit (incident, unit_id))
    {
      const gint64 *ids;
      guint n, k = 0;
      g_autofree gint64 *rest = NULL;
      BcIncidentStatus status = bc_incident_get_status (incident);

      ids = bc_incident_get_units (incident, &n);
      rest = g_new (gint64, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        if (ids[i] != unit_id)
          rest[k++] = ids[i];
      bc_incident_set_units (incident, rest, k);

      /* Nobody is going any more: back to the top of the queue. Not a requested transition,
       * so the lifecycle table (which only moves forward) does not apply. */
      if (k == 0 && (status == BC_INCIDENT_STATUS_DISPATCHED
                     || status == BC_INCIDENT_STATUS_EN_ROUTE))
        bc_incident_set_status (incident, BC_INCIDENT_STATUS_NEW);
      if (out_incident_changed != NULL)
        *out_incident_changed = TRUE;
    }
  return TRUE;
}

/* ---- queries -------------------------------------------------------------------------------- */

/**
 * bs_repo_list_units:
 *
 * Returns: (transfer full) (element-type BcUnit): every unit, by id
 */
GPtrArray *
bs_repo_list_units (BsRepo  *self,
                    GError **error)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = bc_store_prepare (self->store, "SELECT " BS_UNIT_COLUMNS " FROM units ORDER BY id",
                           error);
  if (stmt == NULL)
    return NULL;
  while ((rc = bc_store_step (self->store, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (units, _bs_repo_unit_from_stmt (stmt));
  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&units);
}

BcUnit *
bs_repo_get_unit (BsRepo  *self,
                  gint64   id,
                  GError **error)
{
  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _bs_repo_load_unit (self, id, error);
}

/* ---- status --------------------------------------------------------------------------------- */

typedef struct
{
  BsRepo        *self;
  gint64         id;
  BcUnitStatus   status;
  gint64         version;
  const BsActor *actor;
  BcUnit        *result;
} UnitStatusCommand;

static gboolean
unit_status_command (BcStore  *store,
                     gpointer  user_data,
                     GError  **error)
{
  UnitStatusCommand *cmd = user_data;
  BsRepo *self = cmd->self;
  g_autoptr(BcUnit) unit = NULL;
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autofree char *target = NULL;
  BcUnitStatus from;
  gboolean incident_changed = FALSE;
  gint64 now = _bs_repo_now (self);

  unit = _bs_repo_load_unit (self, cmd->id, error);
  if (unit == NULL)
    return FALSE;
  if (!_bs_repo_check_unit_actor (self, cmd->actor, unit, error))
    return FALSE;
  if (bc_unit_get_version (unit) != cmd->version)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_STALE_VERSION,
                   "unit %s has version %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT,
                   bc_unit_get_call_sign (unit), bc_unit_get_version (unit), cmd->version);
      return FALSE;
    }

  from = bc_unit_get_status (unit);
  if (cmd->status == BC_UNIT_STATUS_DISPATCHED && from == BC_UNIT_STATUS_AVAILABLE)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION,
                   "unit %s cannot go from available to dispatched: units are sent by a "
                   "dispatch order", bc_unit_get_call_sign (unit));
      return FALSE;
    }
  if (!bc_unit_status_can_transition (from, cmd->status))
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION,
                   "unit %s cannot go from %s to %s", bc_unit_get_call_sign (unit),
                   bc_unit_status_to_string (from), bc_unit_status_to_string (cmd->status));
      return FALSE;
    }

  if (bc_unit_get_incident (unit) != 0)
    {
      incident = _bs_repo_load_incident (self, bc_unit_get_incident (unit), error);
      if (incident == NULL)
        return FALSE;
    }

  if (cmd->status == BC_UNIT_STATUS_AVAILABLE && bc_unit_get_incident (unit) != 0)
    {
      /* Cleared or recalled: the unit leaves the incident. */
      if (!_bs_repo_release_unit (self, unit, incident, TRUE, now, &incident_changed, error))
        return FALSE;
    }
  else
    {
      bc_unit_set_status (unit, cmd->status);
      if (!_bs_repo_commit_unit_change (self, unit, now, error))
        return FALSE;

      if (incident != NULL)
        {
          BcIncidentStatus is = bc_incident_get_status (incident);

          if (cmd->status == BC_UNIT_STATUS_EN_ROUTE && is == BC_INCIDENT_STATUS_DISPATCHED)
            {
              _bs_repo_set_incident_status (incident, BC_INCIDENT_STATUS_EN_ROUTE, now);
              incident_changed = TRUE;
            }
          else if (cmd->status == BC_UNIT_STATUS_ON_SCENE
                   && (is == BC_INCIDENT_STATUS_DISPATCHED || is == BC_INCIDENT_STATUS_EN_ROUTE))
            {
              _bs_repo_set_incident_status (incident, BC_INCIDENT_STATUS_ON_SCENE, now);
              incident_changed = TRUE;
            }
        }
    }

  if (incident_changed && !_bs_repo_commit_incident_change (self, incident, now, error))
    return FALSE;

  detail = json_object_new ();
  json_object_set_string_member (detail, "from", bc_unit_status_to_string (from));
  json_object_set_string_member (detail, "to", bc_unit_status_to_string (cmd->status));
  target = g_strdup_printf ("unit/%" G_GINT64_FORMAT, cmd->id);
  if (!_bs_repo_audit (self, now, cmd->actor, "unit.status", target,
                       json_node_init_object (json_node_alloc (), detail), error))
    return FALSE;

  cmd->result = g_steal_pointer (&unit);
  return TRUE;
}

/**
 * bs_repo_update_unit_status:
 * @version: the version the client last saw
 *
 * Changes a unit's status with the consequences of docs/lifecycle.md.
 *
 * Returns: (transfer full): the unit as committed, or %NULL with @error set
 */
BcUnit *
bs_repo_update_unit_status (BsRepo         *self,
                            gint64          id,
                            BcUnitStatus    status,
                            gint64          version,
                            const BsActor  *actor,
                            GError        **error)
{
  UnitStatusCommand cmd = { self, id, status, version, actor, NULL };

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!bc_store_run_command (self->store, unit_status_command, &cmd, error))
    {
      g_clear_object (&cmd.result);
      return NULL;
    }

  _bs_repo_cache_apply_unit (self, cmd.result);
  return cmd.result;
}

/* ---- AVL ------------------------------------------------------------------------------------ */

typedef struct
{
  BsRepo         *self;
  const BsAvlFix *fixes;
  guint           n_fixes;
  gboolean       *applied;
} AvlCommand;

static gboolean
avl_command (BcStore  *store,
             gpointer  user_data,
             GError  **error)
{
  AvlCommand *cmd = user_data;
  g_autoptr(BcStmt) update = NULL;
  gint64 now = _bs_repo_now (cmd->self);

  /* The WHERE clause is the "older fixes are ignored" rule, also between fixes of one batch. */
  update = bc_store_prepare (store,
                             "UPDATE units SET lat = ?2, lon = ?3, heading = ?4, speed = ?5, "
                             "  fix_at = ?6 "
                             "WHERE id = ?1 AND (fix_at IS NULL OR fix_at < ?6)",
                             error);
  if (update == NULL)
    return FALSE;

  for (guint i = 0; i < cmd->n_fixes; i++)
    {
      const BsAvlFix *fix = &cmd->fixes[i];
      g_autoptr(JsonObject) data = NULL;
      g_autofree char *at = NULL;

      sqlite3_reset (update);
      sqlite3_bind_int64 (update, 1, fix->unit);
      sqlite3_bind_double (update, 2, fix->lat);
      sqlite3_bind_double (update, 3, fix->lon);
      sqlite3_bind_double (update, 4, fix->heading);
      sqlite3_bind_double (update, 5, fix->speed);
      sqlite3_bind_int64 (update, 6, fix->at);
      if (!bc_store_step_done (store, update, error))
        return FALSE;
      if (bc_store_changes (store) == 0)
        continue;
      cmd->applied[i] = TRUE;

      data = json_object_new ();
      json_object_set_int_member (data, "id", fix->unit);
      json_object_set_double_member (data, "lat", fix->lat);
      json_object_set_double_member (data, "lon", fix->lon);
      json_object_set_double_member (data, "heading", fix->heading);
      json_object_set_double_member (data, "speed", fix->speed);
      at = bc_time_format (fix->at);
      json_object_set_string_member (data, "at", at);
      if (!_bs_repo_emit (cmd->self, BC_EVENT_UNIT_MOVED, now,
                          json_node_init_object (json_node_alloc (), data), error))
        return FALSE;
    }
  return TRUE;
}

/**
 * bs_repo_ingest_avl:
 *
 * Applies a batch of position reports in one transaction. The batch is validated first and one
 * bad fix rejects all of it (%BS_REPO_ERROR_INVALID naming `fixes[i]`); a fix not newer than
 * the unit's current one is skipped. A unit-role actor may only report its own unit. Positions
 * do not change a unit's version, and no audit row is written (see docs/lifecycle.md).
 */
gboolean
bs_repo_ingest_avl (BsRepo          *self,
                    const BsAvlFix  *fixes,
                    guint            n_fixes,
                    const BsActor   *actor,
                    GError         **error)
{
  g_autofree gboolean *applied = NULL;
  AvlCommand cmd;
  gint64 now;

  g_return_val_if_fail (BS_IS_REPO (self), FALSE);
  g_return_val_if_fail (fixes != NULL || n_fixes == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_fixes == 0)
    return TRUE;

  now = _bs_repo_now (self);
  for (guint i = 0; i < n_fixes; i++)
    {
      const BsAvlFix *fix = &fixes[i];
      BcUnit *unit = _bs_repo_cache_lookup_unit (self, fix->unit);
      const char *problem = NULL;

      if (unit == NULL)
        {
          /* Not seen by this process yet, e.g. imported by the CLI while the server runs. */
          g_autoptr(BcUnit) stored = _bs_repo_load_unit (self, fix->unit, NULL);

          if (stored != NULL)
            {
              _bs_repo_cache_apply_unit (self, stored);
              unit = _bs_repo_cache_lookup_unit (self, fix->unit);
            }
        }
      if (unit == NULL)
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_NOT_FOUND,
                       "fixes[%u].unit: unit %" G_GINT64_FORMAT " does not exist", i, fix->unit);
          return FALSE;
        }
      if (!(fix->lat >= -90.0 && fix->lat <= 90.0))
        problem = "lat: is out of range (-90 to 90)";
      else if (!(fix->lon >= -180.0 && fix->lon <= 180.0))
        problem = "lon: is out of range (-180 to 180)";
      else if (!(fix->heading >= 0.0 && fix->heading < 360.0))
        problem = "heading: is out of range (0 to 360, 360 excluded)";
      else if (!(fix->speed >= 0.0 && fix->speed <= BC_UNIT_SPEED_MAX))
        problem = "speed: is out of range (0 to 100 m/s)";
      else if (fix->at <= 0)
        problem = "at: is missing";
      else if (fix->at > now + AVL_MAX_FUTURE_US)
        problem = "at: is more than 5 minutes in the future";
      if (problem != NULL)
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID, "fixes[%u].%s", i, problem);
          return FALSE;
        }
      if (!_bs_repo_check_unit_actor (self, actor, unit, error))
        return FALSE;
    }

  applied = g_new0 (gboolean, n_fixes);
  cmd.self = self;
  cmd.fixes = fixes;
  cmd.n_fixes = n_fixes;
  cmd.applied = applied;
  if (!bc_store_run_command (self->store, avl_command, &cmd, error))
    return FALSE;

  for (guint i = 0; i < n_fixes; i++)
    if (applied[i])
      _bs_repo_cache_apply_fix (self, &fixes[i]);
  return TRUE;
}
