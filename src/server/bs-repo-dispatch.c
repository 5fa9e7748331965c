/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-repo-private.h"

#include <string.h>

/* Recommendations, dispatch orders and their acknowledgements. */

#define RECOMMEND_DEFAULT_LIMIT 5
#define RECOMMEND_MAX_LIMIT     64

/* Effective urban speeds for the ETA estimate, in km/h: average door-to-door speeds including
 * junctions and traffic, not top speeds. docs/lifecycle.md lists them. */
static const double kind_speed_kmh[BS_N_UNIT_KINDS] = {
  [BC_UNIT_KIND_PATROL_CAR] = 40.0,
  [BC_UNIT_KIND_MOTORCYCLE] = 35.0,
  [BC_UNIT_KIND_FOOT]       = 5.0,
  [BC_UNIT_KIND_TRAFFIC]    = 40.0,
  [BC_UNIT_KIND_SPECIAL]    = 45.0,
};

double
bs_unit_kind_speed_mps (BcUnitKind kind)
{
  g_return_val_if_fail ((guint) kind < BS_N_UNIT_KINDS, 1.0);
  return kind_speed_kmh[kind] / 3.6;
}

/* ---- recommendations ------------------------------------------------------------------------ */

typedef struct
{
  gint64 unit;
  double distance_m;
  double eta_s;
} Candidate;

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *x = a;
  const Candidate *y = b;

  if (x->eta_s != y->eta_s)
    return x->eta_s < y->eta_s ? -1 : 1;
  return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/**
 * bs_repo_recommend:
 * @limit: how many (0: 5; at most 64)
 *
 * Ranks the available units that have a position by estimated time of arrival at the incident
 * (great-circle distance over the kind's speed, ties by unit id). Exact: within one kind ETA
 * order is distance order, so the best @limit overall are among the @limit nearest of each
 * kind, which each kind's spatial index gives directly.
 *
 * Returns: (transfer full) (element-type BsRecommendation): best first
 */
GArray *
bs_repo_recommend (BsRepo  *self,
                   gint64   incident_id,
                   guint    limit,
                   GError **error)
{
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  g_autoptr(GArray) candidates = g_array_new (FALSE, FALSE, sizeof (Candidate));
  GArray *result;
  double lat, lon;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  incident = _bs_repo_load_incident (self, incident_id, error);
  if (incident == NULL)
    return NULL;
  if (!bc_incident_is_open (incident))
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION,
                   "incident %s is %s: there is nothing to send units to",
                   bc_incident_get_number (incident),
                   bc_incident_status_to_string (bc_incident_get_status (incident)));
      return NULL;
    }

  if (limit == 0)
    limit = RECOMMEND_DEFAULT_LIMIT;
  limit = MIN (limit, RECOMMEND_MAX_LIMIT);
  lat = bc_incident_get_lat (incident);
  lon = bc_incident_get_lon (incident);

  for (guint kind = 0; kind < BS_N_UNIT_KINDS; kind++)
    {
      double speed = bs_unit_kind_speed_mps ((BcUnitKind) kind);

      bc_grid_index_query_nearest (self->available[kind], lat, lon, limit, 0.0, hits);
      for (guint i = 0; i < hits->len; i++)
        {
          const BcGridHit *hit = &g_array_index (hits, BcGridHit, i);
          Candidate c = { (gint64) hit->key, hit->distance_m, hit->distance_m / speed };

          g_array_append_val (candidates, c);
        }
    }
  g_array_sort (candidates, compare_candidates);

  result = g_array_sized_new (FALSE, TRUE, sizeof (BsRecommendation), limit);
  g_array_set_clear_func (result, (GDestroyNotify) bs_recommendation_clear);
  for (guint i = 0; i < candidates->len && result->len < limit; i++)
    {
      const Candidate *c = &g_array_index (candidates, Candidate, i);
      BcUnit *cached = _bs_repo_cache_lookup_unit (self, c->unit);
      BsRecommendation rec;

      g_assert (cached != NULL);
      rec.unit = bc_unit_copy (cached);
      rec.distance_m = c->distance_m;
      rec.eta_s = c->eta_s;
      g_array_append_val (result, rec);
    }
  return result;
}

/* ---- orders --------------------------------------------------------------------------------- */

BcOrder *
_bs_repo_load_order (BsRepo  *self,
                     gint64   id,
                     GError **error)
{
  g_autoptr(BcOrder) order = NULL;
  int rc;

  {
    g_autoptr(BcStmt) stmt = NULL;

    stmt = bc_store_prepare (self->store,
                             "SELECT id, incident, instructions, issued_by, issued_at, "
                             "  idempotency_key FROM orders WHERE id = ?1",
                             error);
    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, id);
    rc = bc_store_step (self->store, stmt, error);
    if (rc == SQLITE_DONE)
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_NOT_FOUND,
                   "order %" G_GINT64_FORMAT " does not exist", id);
    if (rc != SQLITE_ROW)
      return NULL;

    order = bc_order_new ();
    order->id = sqlite3_column_int64 (stmt, 0);
    order->incident = sqlite3_column_int64 (stmt, 1);
    order->instructions = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    order->issued_by = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
    order->issued_at = sqlite3_column_int64 (stmt, 4);
    order->idempotency_key = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  }

  {
    g_autoptr(BcStmt) stmt = NULL;

    stmt = bc_store_prepare (self->store,
                             "SELECT unit, state, at FROM order_units WHERE order_id = ?1 "
                             "ORDER BY unit",
                             error);
    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, id);
    while ((rc = bc_store_step (self->store, stmt, error)) == SQLITE_ROW)
      {
        BcOrderUnitState state = BC_ORDER_UNIT_STATE_SENT;

        bc_order_unit_state_from_string ((const char *) sqlite3_column_text (stmt, 1), &state);
        bc_order_add_unit (order, sqlite3_column_int64 (stmt, 0), state,
                           sqlite3_column_int64 (stmt, 2));
      }
    if (rc != SQLITE_DONE)
      return NULL;
  }

  return g_steal_pointer (&order);
}

BcOrder *
bs_repo_get_order (BsRepo  *self,
                   gint64   order_id,
                   GError **error)
{
  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _bs_repo_load_order (self, order_id, error);
}

/**
 * bs_repo_list_orders:
 *
 * Returns: (transfer full) (element-type BcOrder): the incident's orders, oldest first
 */
GPtrArray *
bs_repo_list_orders (BsRepo  *self,
                     gint64   incident_id,
                     GError **error)
{
  g_autoptr(GPtrArray) orders = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_order_unref);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(BcIncident) incident = NULL;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  incident = _bs_repo_load_incident (self, incident_id, error);
  if (incident == NULL)
    return NULL;

  {
    g_autoptr(BcStmt) stmt = NULL;
    int rc;

    stmt = bc_store_prepare (self->store, "SELECT id FROM orders WHERE incident = ?1 ORDER BY id",
                             error);
    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, incident_id);
    while ((rc = bc_store_step (self->store, stmt, error)) == SQLITE_ROW)
      {
        gint64 id = sqlite3_column_int64 (stmt, 0);

        g_array_append_val (ids, id);
      }
    if (rc != SQLITE_DONE)
      return NULL;
  }

  for (guint i = 0; i < ids->len; i++)
    {
      BcOrder *order = _bs_repo_load_order (self, g_array_index (ids, gint64, i), error);

      if (order == NULL)
        return NULL;
      g_ptr_array_add (orders, order);
    }
  return g_steal_pointer (&orders);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

typedef struct
{
  BsRepo        *self;
  gint64         incident_id;
  const gint64  *unit_ids;
  guint          n_units;
  const char    *instructions;
  const char    *key;
  const char    *request_hash;
  const BsActor *actor;
  BcOrder       *result;
  gboolean       replayed;
  GPtrArray     *units;      /* BcUnit as committed */
} DispatchCommand;

/* Same key and same request: the order the first request made. Same key, anything else:
 * a client bug or a key collision, never silently answered with someone else's order. */
static gboolean
find_replay (DispatchCommand  *cmd,
             gboolean         *out_found,
             GError          **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  gint64 order_id, incident_id;
  g_autofree char *hash = NULL;
  int rc;

  *out_found = FALSE;
  stmt = bc_store_prepare (cmd->self->store,
                           "SELECT id, incident, request_hash FROM orders "
                           "WHERE idempotency_key = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, cmd->key, -1, SQLITE_STATIC);
  rc = bc_store_step (cmd->self->store, stmt, error);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return FALSE;

  order_id = sqlite3_column_int64 (stmt, 0);
  incident_id = sqlite3_column_int64 (stmt, 1);
  hash = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  bc_stmt_release (g_steal_pointer (&stmt));

  if (incident_id != cmd->incident_id || g_strcmp0 (hash, cmd->request_hash) != 0)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_IDEMPOTENCY_MISMATCH,
                   "idempotency key %s was already used for another request (order %"
                   G_GINT64_FORMAT ")", cmd->key, order_id);
      return FALSE;
    }

  cmd->result = _bs_repo_load_order (cmd->self, order_id, error);
  if (cmd->result == NULL)
    return FALSE;
  cmd->replayed = TRUE;
  *out_found = TRUE;
  return TRUE;
}

static gboolean
dispatch_command (BcStore  *store,
                  gpointer  user_data,
                  GError  **error)
{
  DispatchCommand *cmd = user_data;
  BsRepo *self = cmd->self;
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonObject) detail = NULL;
  g_autofree char *target = NULL;
  g_autofree gint64 *all_units = NULL;
  const gint64 *assigned;
  guint n_assigned;
  gint64 order_id;
  gint64 now = _bs_repo_now (self);
  gboolean found;
  const char *issued_by = cmd->actor != NULL && cmd->actor->username != NULL
                          ? cmd->actor->username : "system";

  if (!find_replay (cmd, &found, error))
    return FALSE;
  if (found)
    return TRUE;

  incident = _bs_repo_load_incident (self, cmd->incident_id, error);
  if (incident == NULL)
    return FALSE;
  if (!bc_incident_is_open (incident))
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION,
                   "incident %s is %s and cannot be dispatched", bc_incident_get_number (incident),
                   bc_incident_status_to_string (bc_incident_get_status (incident)));
      return FALSE;
    }

  /* Every unit is read inside this transaction, which holds the write lock: of two dispatches
   * racing for one unit, the second reads it as already dispatched. */
  for (guint i = 0; i < cmd->n_units; i++)
    {
      g_autoptr(BcUnit) unit = _bs_repo_load_unit (self, cmd->unit_ids[i], error);

      if (unit == NULL)
        return FALSE;
      if (bc_unit_get_status (unit) != BC_UNIT_STATUS_AVAILABLE)
        {
          g_autofree char *why = _bs_repo_describe_unit_busy (self, unit);

          g_set_error_literal (error, BS_REPO_ERROR, BS_REPO_ERROR_UNIT_UNAVAILABLE, why);
          return FALSE;
        }
      g_ptr_array_add (units, g_steal_pointer (&unit));
    }

  assigned = bc_incident_get_units (incident, &n_assigned);
  if (n_assigned + cmd->n_units > BC_INCIDENT_MAX_UNITS)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "units: incident %s would have %u units, at most %d are allowed",
                   bc_incident_get_number (incident), n_assigned + cmd->n_units,
                   BC_INCIDENT_MAX_UNITS);
      return FALSE;
    }

  {
    g_autoptr(BcStmt) stmt = NULL;

    stmt = bc_store_prepare (store,
                             "INSERT INTO orders (incident, instructions, issued_by, issued_at, "
                             "  idempotency_key, request_hash) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                             error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, cmd->incident_id);
    sqlite3_bind_text (stmt, 2, cmd->instructions != NULL ? cmd->instructions : "", -1,
                       SQLITE_STATIC);
    sqlite3_bind_text (stmt, 3, issued_by, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, now);
    sqlite3_bind_text (stmt, 5, cmd->key, -1, SQLITE_STATIC);
    sqlite3_bind_text (stmt, 6, cmd->request_hash, -1, SQLITE_STATIC);
    if (!bc_store_step_done (store, stmt, error))
      return FALSE;
    order_id = bc_store_last_insert_rowid (store);
  }

  for (guint i = 0; i < cmd->n_units; i++)
    {
      g_autoptr(BcStmt) ou = NULL;
      g_autoptr(BcStmt) iu = NULL;

      ou = bc_store_prepare (store,
                             "INSERT INTO order_units (order_id, unit, state, at) "
                             "VALUES (?1, ?2, 'sent', ?3)",
                             error);
      if (ou == NULL)
        return FALSE;
      sqlite3_bind_int64 (ou, 1, order_id);
      sqlite3_bind_int64 (ou, 2, cmd->unit_ids[i]);
      sqlite3_bind_int64 (ou, 3, now);
      if (!bc_store_step_done (store, ou, error))
        return FALSE;

      iu = bc_store_prepare (store,
                             "INSERT INTO incident_units (incident, unit, assigned_at) "
                             "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                             error);
      if (iu == NULL)
        return FALSE;
      sqlite3_bind_int64 (iu, 1, cmd->incident_id);
      sqlite3_bind_int64 (iu, 2, cmd->unit_ids[i]);
      sqlite3_bind_int64 (iu, 3, now);
      if (!bc_store_step_done (store, iu, error))
        return FALSE;
    }

  order = _bs_repo_load_order (self, order_id, error);
  if (order == NULL)
    return FALSE;
  if (!_bs_repo_emit (self, BC_EVENT_ORDER_CREATED, now, bc_order_to_json (order), error))
    return FALSE;

  for (guint i = 0; i < units->len; i++)
    {
      BcUnit *unit = g_ptr_array_index (units, i);

      bc_unit_set_status (unit, BC_UNIT_STATUS_DISPATCHED);
      bc_unit_set_incident (unit, cmd->incident_id);
      if (!_bs_repo_commit_unit_change (self, unit, now, error))
        return FALSE;
    }

  all_units = g_new (gint64, n_assigned + cmd->n_units);
  if (n_assigned > 0)
    memcpy (all_units, assigned, n_assigned * sizeof (gint64));
  memcpy (all_units + n_assigned, cmd->unit_ids, cmd->n_units * sizeof (gint64));
  bc_incident_set_units (incident, all_units, n_assigned + cmd->n_units);
  if (bc_incident_get_status (incident) == BC_INCIDENT_STATUS_NEW)
    _bs_repo_set_incident_status (incident, BC_INCIDENT_STATUS_DISPATCHED, now);
  if (!_bs_repo_commit_incident_change (self, incident, now, error))
    return FALSE;

  detail = json_object_new ();
  json_object_set_int_member (detail, "order", order_id);
  {
    JsonArray *ids = json_array_sized_new (cmd->n_units);

    for (guint i = 0; i < cmd->n_units; i++)
      json_array_add_int_element (ids, cmd->unit_ids[i]);
    json_object_set_array_member (detail, "units", ids);
  }
  json_object_set_string_member (detail, "idempotency_key", cmd->key);
  target = g_strdup_printf ("incident/%" G_GINT64_FORMAT, cmd->incident_id);
  if (!_bs_repo_audit (self, now, cmd->actor, "order.dispatch", target,
                       json_node_init_object (json_node_alloc (), detail), error))
    return FALSE;

  cmd->units = g_steal_pointer (&units);
  cmd->result = g_steal_pointer (&order);
  return TRUE;
}

/**
 * bs_repo_dispatch:
 * @unit_ids: 1–64 distinct unit ids
 * @instructions: (nullable): up to 1000 characters
 * @idempotency_key: 1–128 printable ASCII characters
 * @request_hash: a hash of the request body, to tell a retry from a reused key
 * @out_replayed: (out) (optional): set to %TRUE when the key had already made this order
 *
 * Sends units to an incident in one transaction: the order, every unit `dispatched`, the
 * incident's units and status (docs/lifecycle.md), their events and an audit row.
 *
 * Returns: (transfer full): the order, or %NULL with @error set
 */
BcOrder *
bs_repo_dispatch (BsRepo         *self,
                  gint64          incident_id,
                  const gint64   *unit_ids,
                  guint           n_units,
                  const char     *instructions,
                  const char     *idempotency_key,
                  const char     *request_hash,
                  const BsActor  *actor,
                  gboolean       *out_replayed,
                  GError        **error)
{
  DispatchCommand cmd = { 0 };
  g_autoptr(GError) model_error = NULL;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (unit_ids != NULL || n_units == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_replayed != NULL)
    *out_replayed = FALSE;

  if (idempotency_key == NULL
      || !bc_order_idempotency_key_is_valid (idempotency_key, &model_error))
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID, "idempotency_key: %s",
                   model_error != NULL ? model_error->message : "is missing");
      return NULL;
    }
  if (n_units < 1 || n_units > BC_ORDER_MAX_UNITS)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "units: must list 1 to %d units, not %u", BC_ORDER_MAX_UNITS, n_units);
      return NULL;
    }
  for (guint i = 0; i < n_units; i++)
    {
      if (unit_ids[i] <= 0)
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                       "units[%u]: %" G_GINT64_FORMAT " is not a unit id", i, unit_ids[i]);
          return NULL;
        }
      for (guint j = 0; j < i; j++)
        if (unit_ids[j] == unit_ids[i])
          {
            g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                         "units[%u]: unit %" G_GINT64_FORMAT " is listed twice", i, unit_ids[i]);
            return NULL;
          }
    }
  if (instructions != NULL
      && (!g_utf8_validate (instructions, -1, NULL)
          || g_utf8_strlen (instructions, -1) > BC_ORDER_INSTRUCTIONS_MAX))
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "instructions: must be valid UTF-8 of at most %d characters",
                   BC_ORDER_INSTRUCTIONS_MAX);
      return NULL;
    }

  cmd.self = self;
  cmd.incident_id = incident_id;
  cmd.unit_ids = unit_ids;
  cmd.n_units = n_units;
  cmd.instructions = instructions;
  cmd.key = idempotency_key;
  cmd.request_hash = request_hash != NULL ? request_hash : "";
  cmd.actor = actor;

  if (!bc_store_run_command (self->store, dispatch_command, &cmd, error))
    {
      g_clear_pointer (&cmd.result, bc_order_unref);
      g_clear_pointer (&cmd.units, g_ptr_array_unref);
      return NULL;
    }

  if (cmd.units != NULL)
    {
      for (guint i = 0; i < cmd.units->len; i++)
        _bs_repo_cache_apply_unit (self, g_ptr_array_index (cmd.units, i));
      g_ptr_array_unref (cmd.units);
    }
  if (out_replayed != NULL)
    *out_replayed = cmd.replayed;
  return cmd.result;
}

/* ---- acknowledgement ------------------------------------------------------------------------ */

typedef struct
{
  BsRepo        *self;
  gint64         order_id;
  gint64         unit_id;
  gboolean       accepted;
  const BsActor *actor;
  BcOrder       *result;
  BcUnit        *unit;      /* as committed, when it changed */
} AckCommand;

static gboolean
ack_command (BcStore  *store,
             gpointer  user_data,
             GError  **error)
{
  AckCommand *cmd = user_data;
  BsRepo *self = cmd->self;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(BcUnit) unit = NULL;
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autofree char *target = NULL;
  BcOrderAssignment *assignment;
  BcOrderUnitState wanted = cmd->accepted ? BC_ORDER_UNIT_STATE_ACKNOWLEDGED
                                          : BC_ORDER_UNIT_STATE_REFUSED;
  gboolean unit_changed = FALSE;
  gboolean incident_changed = FALSE;
  gint64 now = _bs_repo_now (self);

  order = _bs_repo_load_order (self, cmd->order_id, error);
  if (order == NULL)
    return FALSE;
  assignment = bc_order_find_unit (order, cmd->unit_id);
  if (assignment == NULL)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                   "unit: unit %" G_GINT64_FORMAT " is not part of order %" G_GINT64_FORMAT,
                   cmd->unit_id, cmd->order_id);
      return FALSE;
    }
  unit = _bs_repo_load_unit (self, cmd->unit_id, error);
  if (unit == NULL)
    return FALSE;
  if (!_bs_repo_check_unit_actor (self, cmd->actor, unit, error))
    return FALSE;

  if (assignment->state == wanted)
    {
      /* A retried acknowledgement: the answer stands, nothing new happens. */
      cmd->result = g_steal_pointer (&order);
      return TRUE;
    }
  if (assignment->state != BC_ORDER_UNIT_STATE_SENT)
    {
      g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION,
                   "unit %s has already %s order %" G_GINT64_FORMAT,
                   bc_unit_get_call_sign (unit),
                   assignment->state == BC_ORDER_UNIT_STATE_REFUSED ? "refused" : "acknowledged",
                   cmd->order_id);
      return FALSE;
    }

  {
    g_autoptr(BcStmt) stmt = NULL;

    stmt = bc_store_prepare (store,
                             "UPDATE order_units SET state = ?3, at = ?4 "
                             "WHERE order_id = ?1 AND unit = ?2",
                             error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, cmd->order_id);
    sqlite3_bind_int64 (stmt, 2, cmd->unit_id);
    sqlite3_bind_text (stmt, 3, bc_order_unit_state_to_string (wanted), -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, now);
    if (!bc_store_step_done (store, stmt, error))
      return FALSE;
  }
  assignment->state = wanted;
  assignment->at = now;
  if (!_bs_repo_emit (self, BC_EVENT_ORDER_ACKED, now, bc_order_to_json (order), error))
    return FALSE;

  incident = _bs_repo_load_incident (self, order->incident, error);
  if (incident == NULL)
    return FALSE;

  /* Only a unit still on this order's incident moves; one that was recalled or whose incident
   * was closed meanwhile just has its answer recorded. */
  if (bc_unit_get_incident (unit) == order->incident)
    {
      if (cmd->accepted)
        {
          if (bc_unit_get_status (unit) == BC_UNIT_STATUS_DISPATCHED)
            {
              bc_unit_set_status (unit, BC_UNIT_STATUS_EN_ROUTE);
              if (!_bs_repo_commit_unit_change (self, unit, now, error))
                return FALSE;
              unit_changed = TRUE;
            }
          if (bc_incident_get_status (incident) == BC_INCIDENT_STATUS_DISPATCHED)
            {
              _bs_repo_set_incident_status (incident, BC_INCIDENT_STATUS_EN_ROUTE, now);
              incident_changed = TRUE;
            }
        }
      else
        {
          if (!_bs_repo_release_unit (self, unit, incident, TRUE, now, &incident_changed, error))
            return FALSE;
          unit_changed = TRUE;
        }
    }

  if (incident_changed && !_bs_repo_commit_incident_change (self, incident, now, error))
    return FALSE;

  detail = json_object_new ();
  json_object_set_int_member (detail, "unit", cmd->unit_id);
  json_object_set_boolean_member (detail, "accepted", cmd->accepted);
  /* Anyone but the unit's own account records an answer the crew gave by radio; the audit row
   * names that user. */
  if (cmd->actor != NULL && cmd->actor->role != BC_ROLE_UNIT)
    json_object_set_boolean_member (detail, "by_radio", TRUE);
  target = g_strdup_printf ("order/%" G_GINT64_FORMAT, cmd->order_id);
  if (!_bs_repo_audit (self, now, cmd->actor, "order.ack", target,
                       json_node_init_object (json_node_alloc (), detail), error))
    return FALSE;

  if (unit_changed)
    cmd->unit = g_steal_pointer (&unit);
  cmd->result = g_steal_pointer (&order);
  return TRUE;
}

/**
 * bs_repo_ack_order:
 * @accepted: %TRUE to acknowledge, %FALSE to refuse
 *
 * Records one unit's answer to an order, with the consequences of docs/lifecycle.md. The same
 * answer again returns the order unchanged; the other answer after one was given is
 * %BS_REPO_ERROR_INVALID_TRANSITION. A unit-role actor may only answer for its own unit; any
 * other actor (a dispatcher recording an answer given by radio) for any unit of the order, and
 * the audit row then says `"by_radio":true`.
 *
 * Returns: (transfer full): the order, or %NULL with @error set
 */
BcOrder *
bs_repo_ack_order (BsRepo         *self,
                   gint64          order_id,
                   gint64          unit_id,
                   gboolean        accepted,
                   const BsActor  *actor,
                   GError        **error)
{
  AckCommand cmd = { self, order_id, unit_id, accepted, actor, NULL, NULL };

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!bc_store_run_command (self->store, ack_command, &cmd, error))
    {
      g_clear_pointer (&cmd.result, bc_order_unref);
      g_clear_object (&cmd.unit);
      return NULL;
    }

  if (cmd.unit != NULL)
    {
      _bs_repo_cache_apply_unit (self, cmd.unit);
      g_object_unref (cmd.unit);
    }
  return cmd.result;
}
