/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-repo.h"
#include "bs-repo-private.h"

#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "bc-audit.h"
#include "bc-event-log.h"

/* BsRepo: the object, its live caches, events/audit helpers, cameras, snapshot and imports.
 * Incidents and notes are in bs-repo-incidents.c, units and AVL in bs-repo-units.c,
 * recommendations and orders in bs-repo-dispatch.c. */

G_DEFINE_QUARK (bs-repo-error-quark, bs_repo_error)

G_DEFINE_FINAL_TYPE (BsRepo, bs_repo, G_TYPE_OBJECT)

static void
bs_repo_finalize (GObject *object)
{
  BsRepo *self = BS_REPO (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_clear_pointer (&self->unit_by_call_sign, g_hash_table_unref);
  g_clear_pointer (&self->units, g_hash_table_unref);
  for (guint i = 0; i < BS_N_UNIT_KINDS; i++)
    g_clear_pointer (&self->available[i], bc_grid_index_free);
  g_clear_pointer (&self->camera_slots, g_hash_table_unref);
  g_clear_pointer (&self->cameras, g_ptr_array_unref);
  g_clear_pointer (&self->camera_grid, bc_grid_index_free);
  g_clear_pointer (&self->districts, bc_districts_unref);

  G_OBJECT_CLASS (bs_repo_parent_class)->finalize (object);
}

static void
bs_repo_class_init (BsRepoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bs_repo_finalize;
}

static gint64
default_clock (gpointer user_data)
{
  return bc_time_now ();
}

static void
bs_repo_init (BsRepo *self)
{
  /* China has kept UTC+8 all year since 1991; a fixed offset needs no tzdata. */
  self->tz = g_time_zone_new_offset (8 * 3600);
  self->clock = default_clock;
  self->units = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_object_unref);
  self->unit_by_call_sign = g_hash_table_new (g_str_hash, g_str_equal);
  /* Cells of 1 km: a city's units spread over tens of km, and a k-nearest query then looks at
   * a handful of cells. */
  for (guint i = 0; i < BS_N_UNIT_KINDS; i++)
    self->available[i] = bc_grid_index_new (1000.0);
  self->cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  self->camera_slots = g_hash_table_new (g_str_hash, g_str_equal);
  self->camera_grid = bc_grid_index_new (BC_GRID_INDEX_DEFAULT_CELL_SIZE_M);
}

void
bs_recommendation_clear (BsRecommendation *rec)
{
  if (rec == NULL)
    return;
  g_clear_object (&rec->unit);
}

void
bs_camera_hit_clear (BsCameraHit *hit)
{
  if (hit == NULL)
    return;
  g_clear_pointer (&hit->camera, bc_camera_unref);
}

gint64
_bs_repo_now (BsRepo *self)
{
  return self->clock (self->clock_data);
}

gint64
bs_repo_now (BsRepo *self)
{
  g_return_val_if_fail (BS_IS_REPO (self), 0);

  return _bs_repo_now (self);
}

void
bs_repo_set_clock (BsRepo          *self,
                   BsRepoClockFunc  clock,
                   gpointer         user_data)
{
  g_return_if_fail (BS_IS_REPO (self));

  self->clock = clock != NULL ? clock : default_clock;
  self->clock_data = clock != NULL ? user_data : NULL;
}

void
bs_repo_set_districts (BsRepo      *self,
                       BcDistricts *districts)
{
  g_return_if_fail (BS_IS_REPO (self));

  if (districts == self->districts)
    return;
  g_clear_pointer (&self->districts, bc_districts_unref);
  if (districts != NULL)
    self->districts = bc_districts_ref (districts);
}

BcStore *
bs_repo_get_store (BsRepo *self)
{
  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  return self->store;
}

void
_bs_repo_set_error_invalid (GError **error,
                            GError  *model_error)
{
  g_set_error_literal (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID, model_error->message);
}

/* ---- events and audit ----------------------------------------------------------------------- */

gboolean
_bs_repo_emit (BsRepo      *self,
               const char  *type,
               gint64       at,
               JsonNode    *data,
               GError     **error)
{
  g_autoptr(JsonNode) owned = data;

  return bc_event_log_append (self->store, type, at, owned, NULL, error);
}

gboolean
_bs_repo_audit (BsRepo         *self,
                gint64          at,
                const BsActor  *actor,
                const char     *action,
                const char     *target,
                JsonNode       *detail,
                GError        **error)
{
  g_autoptr(JsonNode) owned = detail;
  g_autofree char *detail_json = NULL;

  if (owned != NULL)
    detail_json = json_to_string (owned, FALSE);

  return bc_audit_append (self->store, at,
                          actor != NULL ? actor->username : NULL,
                          actor != NULL ? bc_role_to_string (actor->role) : NULL,
                          actor != NULL ? actor->remote : NULL,
                          action, target, detail_json, error);
}

/* ---- live unit state ------------------------------------------------------------------------ */

BcUnit *
_bs_repo_cache_lookup_unit (BsRepo *self,
                            gint64  id)
{
  return g_hash_table_lookup (self->units, &id);
}

static void
index_remove_unit (BsRepo *self,
                   BcUnit *unit)
{
  bc_grid_index_remove (self->available[bc_unit_get_kind (unit)], (guint64) bc_unit_get_id (unit));
}

static void
index_add_unit (BsRepo *self,
                BcUnit *unit)
{
  if (bc_unit_get_status (unit) == BC_UNIT_STATUS_AVAILABLE && bc_unit_get_has_position (unit))
    bc_grid_index_insert (self->available[bc_unit_get_kind (unit)],
                          (guint64) bc_unit_get_id (unit),
                          bc_unit_get_lat (unit), bc_unit_get_lon (unit));
}

static void
cache_insert_unit (BsRepo *self,
                   BcUnit *unit)
{
  /* The key points into the unit object, which lives as long as its entry. */
  BcUnit *copy = bc_unit_copy (unit);
  gint64 *key = g_new (gint64, 1);

  *key = bc_unit_get_id (copy);
  g_object_set_data_full (G_OBJECT (copy), "bs-repo-key", key, g_free);
  g_hash_table_replace (self->units, key, copy);
  g_hash_table_replace (self->unit_by_call_sign, (gpointer) bc_unit_get_call_sign (copy), copy);
  index_add_unit (self, copy);
}

/* Commands may run from a commit hook of another command (the simulator reacts to events), so
 * a command's post-commit update can arrive after a newer one: versions and fix times decide. */
void
_bs_repo_cache_apply_unit (BsRepo *self,
                           BcUnit *fresh)
{
  BcUnit *cached = _bs_repo_cache_lookup_unit (self, bc_unit_get_id (fresh));

  if (cached == NULL)
    {
      cache_insert_unit (self, fresh);
      return;
    }

  index_remove_unit (self, cached);

  if (bc_unit_get_version (fresh) >= bc_unit_get_version (cached))
    {
      if (g_strcmp0 (bc_unit_get_call_sign (cached), bc_unit_get_call_sign (fresh)) != 0)
        {
          g_hash_table_remove (self->unit_by_call_sign, bc_unit_get_call_sign (cached));
          bc_unit_set_call_sign (cached, bc_unit_get_call_sign (fresh));
          g_hash_table_replace (self->unit_by_call_sign,
                                (gpointer) bc_unit_get_call_sign (cached), cached);
        }
      bc_unit_set_kind (cached, bc_unit_get_kind (fresh));
      bc_unit_set_station (cached, bc_unit_get_station (fresh));
      bc_unit_set_status (cached, bc_unit_get_status (fresh));
      bc_unit_set_incident (cached, bc_unit_get_incident (fresh));
      bc_unit_set_version (cached, bc_unit_get_version (fresh));
    }

  if (bc_unit_get_has_position (fresh)
      && (!bc_unit_get_has_position (cached)
          || bc_unit_get_position_at (fresh) > bc_unit_get_position_at (cached)))
    bc_unit_set_position (cached, bc_unit_get_lat (fresh), bc_unit_get_lon (fresh),
                          bc_unit_get_heading (fresh), bc_unit_get_speed (fresh),
                          bc_unit_get_position_at (fresh));

  index_add_unit (self, cached);
}

void
_bs_repo_cache_apply_fix (BsRepo         *self,
                          const BsAvlFix *fix)
{
  BcUnit *cached = _bs_repo_cache_lookup_unit (self, fix->unit);

  if (cached == NULL)
    return;
  if (bc_unit_get_has_position (cached) && bc_unit_get_position_at (cached) >= fix->at)
    return;

  bc_unit_set_position (cached, fix->lat, fix->lon, fix->heading, fix->speed, fix->at);
  if (bc_unit_get_status (cached) == BC_UNIT_STATUS_AVAILABLE)
    bc_grid_index_insert (self->available[bc_unit_get_kind (cached)], (guint64) fix->unit,
                          fix->lat, fix->lon);
}

/* ---- cameras -------------------------------------------------------------------------------- */

static BcCamera *
camera_from_stmt (sqlite3_stmt *stmt)
{
  BcCamera *camera = bc_camera_new ();
  BcCameraKind kind = BC_CAMERA_KIND_DOME;
  const char *station;

  g_strlcpy (camera->id, (const char *) sqlite3_column_text (stmt, 0), sizeof camera->id);
  camera->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  camera->lat = sqlite3_column_double (stmt, 2);
  camera->lon = sqlite3_column_double (stmt, 3);
  bc_camera_kind_from_string ((const char *) sqlite3_column_text (stmt, 4), &kind);
  camera->kind = kind;
  camera->online = sqlite3_column_int (stmt, 5) != 0;
  camera->stream_uri = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  station = (const char *) sqlite3_column_text (stmt, 7);
  camera->station = station != NULL && *station != '\0' ? g_strdup (station) : NULL;
  return camera;
}

static void
cache_put_camera (BsRepo   *self,
                  BcCamera *camera)
{
  gpointer slot = g_hash_table_lookup (self->camera_slots, camera->id);
  guint index;

  if (slot != NULL)
    {
      BcCamera *old;

      index = GPOINTER_TO_UINT (slot) - 1;
      old = g_ptr_array_index (self->cameras, index);
      g_ptr_array_index (self->cameras, index) = bc_camera_ref (camera);
      /* The key lives in the camera: re-key before the old one is dropped. */
      g_hash_table_replace (self->camera_slots, camera->id, slot);
      bc_camera_unref (old);
    }
  else
    {
      index = self->cameras->len;
      g_ptr_array_add (self->cameras, bc_camera_ref (camera));
      g_hash_table_replace (self->camera_slots, camera->id, GUINT_TO_POINTER (index + 1));
    }
  bc_grid_index_insert (self->camera_grid, index, camera->lat, camera->lon);
}

static gboolean
load_cameras (BsRepo  *self,
              GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  stmt = bc_store_prepare (self->store,
                           "SELECT id, name, lat, lon, kind, online, stream_uri, station "
                           "FROM cameras ORDER BY id",
                           error);
  if (stmt == NULL)
    return FALSE;

  while ((rc = bc_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      g_autoptr(BcCamera) camera = camera_from_stmt (stmt);

      cache_put_camera (self, camera);
    }
  return rc == SQLITE_DONE;
}

static gboolean
load_units (BsRepo  *self,
            GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  stmt = bc_store_prepare (self->store, "SELECT " BS_UNIT_COLUMNS " FROM units ORDER BY id",
                           error);
  if (stmt == NULL)
    return FALSE;

  while ((rc = bc_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      g_autoptr(BcUnit) unit = _bs_repo_unit_from_stmt (stmt);

      cache_insert_unit (self, unit);
    }
  return rc == SQLITE_DONE;
}

/* Every command makes SQLite allocate a large scratch buffer at the top of the heap and free it
 * at the end of the statement; with glibc's defaults (128 KiB trim threshold, no top pad) each
 * free gives the memory back to the kernel with brk() and the next statement faults it in
 * again, which cost more than half of the AVL ingest time here (6,000–13,000 positions/s
 * instead of about 50,000). Keeping a megabyte of slack at the top of the heap stops that.
 * Process-wide, hence once, and harmless for the console that embeds the server in --demo. */
static void
tune_malloc_once (void)
{
#ifdef __GLIBC__
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      mallopt (M_TOP_PAD, 1 << 20);
      mallopt (M_TRIM_THRESHOLD, 4 << 20);
      g_once_init_leave (&done, 1);
    }
#endif
}

/**
 * bs_repo_new:
 * @store: a store opened with bc_server_schema()
 *
 * Loads the units and cameras into memory. Use one repo per database: the in-memory state
 * follows the commits made through this repo only.
 *
 * Returns: (transfer full): the repo, or %NULL with @error set
 */
BsRepo *
bs_repo_new (BcStore  *store,
             GError  **error)
{
  g_autoptr(BsRepo) self = NULL;

  g_return_val_if_fail (BC_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tune_malloc_once ();

  self = g_object_new (BS_TYPE_REPO, NULL);
  self->store = g_object_ref (store);

  if (!load_units (self, error) || !load_cameras (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

static int
compare_guint64 (gconstpointer a,
                 gconstpointer b)
{
  guint64 x = *(const guint64 *) a;
  guint64 y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

GPtrArray *
bs_repo_cameras_in_bounds (BsRepo            *self,
                           const BcGeoBounds *bounds,
                           guint              limit,
                           gboolean          *out_truncated)
{
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (guint64));
  GPtrArray *result;
  guint n;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (bounds != NULL, NULL);

  bc_grid_index_query_bounds (self->camera_grid, bounds, keys);
  /* Slot order: the same request gives the same cameras, also when it is truncated. */
  g_array_sort (keys, compare_guint64);
  n = keys->len;
  if (limit > 0 && n > limit)
    n = limit;
  if (out_truncated != NULL)
    *out_truncated = n < keys->len;

  result = g_ptr_array_new_full (n, (GDestroyNotify) bc_camera_unref);
  for (guint i = 0; i < n; i++)
    {
      guint64 key = g_array_index (keys, guint64, i);

      g_ptr_array_add (result, bc_camera_ref (g_ptr_array_index (self->cameras, key)));
    }
  return result;
}

static int
compare_camera_hits (gconstpointer a,
                     gconstpointer b)
{
  const BsCameraHit *x = a;
  const BsCameraHit *y = b;

  if (x->distance_m != y->distance_m)
    return x->distance_m < y->distance_m ? -1 : 1;
  return strcmp (x->camera->id, y->camera->id);
}

/**
 * bs_repo_cameras_near:
 *
 * Returns: (transfer full) (element-type BsCameraHit): the cameras within @radius_m of the
 *   point, nearest first (ties by id); empty for an invalid point or radius
 */
GArray *
bs_repo_cameras_near (BsRepo *self,
                      double  lat,
                      double  lon,
                      double  radius_m)
{
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (BcGridHit));
  GArray *result;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);

  result = g_array_new (FALSE, FALSE, sizeof (BsCameraHit));
  g_array_set_clear_func (result, (GDestroyNotify) bs_camera_hit_clear);

  if (!bc_geo_is_valid (lat, lon) || !(radius_m >= 0.0))
    return result;

  bc_grid_index_query_radius (self->camera_grid, lat, lon, radius_m, hits);
  g_array_set_size (result, hits->len);
  for (guint i = 0; i < hits->len; i++)
    {
      const BcGridHit *hit = &g_array_index (hits, BcGridHit, i);
      BsCameraHit *out = &g_array_index (result, BsCameraHit, i);

      out->camera = bc_camera_ref (g_ptr_array_index (self->cameras, hit->key));
      out->distance_m = hit->distance_m;
    }
  g_array_sort (result, compare_camera_hits);
  return result;
}

/* ---- snapshot ------------------------------------------------------------------------------- */

typedef struct
{
  BsRepo    *self;
  gint64     seq;
  GPtrArray *incidents;
  GPtrArray *units;
} SnapshotCommand;

static gboolean
snapshot_command (BcStore  *store,
                  gpointer  user_data,
                  GError  **error)
{
  SnapshotCommand *cmd = user_data;
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  if (!bc_event_log_last_seq (store, &cmd->seq, error))
    return FALSE;

  cmd->incidents = bs_repo_list_incidents (cmd->self, BS_INCIDENT_FILTER_OPEN, G_MAXUINT, 0,
                                           error);
  if (cmd->incidents == NULL)
    return FALSE;

  stmt = bc_store_prepare (store, "SELECT " BS_UNIT_COLUMNS " FROM units ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  cmd->units = g_ptr_array_new_with_free_func (g_object_unref);
  while ((rc = bc_store_step (store, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (cmd->units, _bs_repo_unit_from_stmt (stmt));
  return rc == SQLITE_DONE;
}

/**
 * bs_repo_snapshot:
 *
 * Reads the open incidents, all units and the last event seq in one transaction, so a console
 * that applies the events after `seq` to this picture misses nothing and applies nothing twice.
 *
 * Returns: (transfer full): `{"seq", "server_time", "incidents": […], "units": […]}`
 */
JsonNode *
bs_repo_snapshot (BsRepo  *self,
                  GError **error)
{
  SnapshotCommand cmd = { self, 0, NULL, NULL };
  g_autoptr(JsonObject) root = NULL;
  g_autofree char *now = NULL;
  JsonArray *incidents;
  JsonArray *units;
  gboolean ok;

  g_return_val_if_fail (BS_IS_REPO (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ok = bc_store_run_command (self->store, snapshot_command, &cmd, error);
  if (!ok)
    {
      g_clear_pointer (&cmd.incidents, g_ptr_array_unref);
      g_clear_pointer (&cmd.units, g_ptr_array_unref);
      return NULL;
    }

  root = json_object_new ();
  json_object_set_int_member (root, "seq", cmd.seq);
  now = bc_time_format (_bs_repo_now (self));
  json_object_set_string_member (root, "server_time", now);

  incidents = json_array_sized_new (cmd.incidents->len);
  for (guint i = 0; i < cmd.incidents->len; i++)
    json_array_add_element (incidents, bc_incident_to_json (g_ptr_array_index (cmd.incidents, i)));
  json_object_set_array_member (root, "incidents", incidents);

  units = json_array_sized_new (cmd.units->len);
  for (guint i = 0; i < cmd.units->len; i++)
    json_array_add_element (units, bc_unit_to_json (g_ptr_array_index (cmd.units, i)));
  json_object_set_array_member (root, "units", units);

  g_ptr_array_unref (cmd.incidents);
  g_ptr_array_unref (cmd.units);

  return json_node_init_object (json_node_alloc (), root);
}

/* ---- import --------------------------------------------------------------------------------- */

static gboolean
str_equal_empty (const char *a,
                 const char *b)
{
  return g_strcmp0 (a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static gboolean
camera_equal (const BcCamera *a,
              const BcCamera *b)
{
  return strcmp (a->id, b->id) == 0
         && g_strcmp0 (a->name, b->name) == 0
         && a->lat == b->lat && a->lon == b->lon
         && a->kind == b->kind
         && !a->online == !b->online
         && str_equal_empty (a->stream_uri, b->stream_uri)
         && str_equal_empty (a->station, b->station);
}

typedef struct
{
  BsRepo        *self;
  GPtrArray     *input;
  GPtrArray     *changed;   /* the cameras or units written, for the caches */
  const BsActor *actor;
} ImportCommand;

/* A camera import; bs_repo_load_cameras_initial() asks for the initial load, which applies
 * only to an empty table. */
typedef struct
{
  ImportCommand import;
  gboolean      try_initial;
  gboolean      initial;      /* the table was empty: no lookup per row, no events */
} CameraImportCommand;

static gboolean
import_cameras_command (BcStore  *store,
                        gpointer  user_data,
                        GError  **error)
{
  CameraImportCommand *cmd = user_data;
  gint64 now = _bs_repo_now (cmd->import.self);
  g_autoptr(JsonObject) detail = json_object_new ();

  if (cmd->try_initial)
    {
      g_autoptr(BcStmt) stmt = NULL;

      /* Checked inside the write transaction, so no other writer can slip a row in between. */
      stmt = bc_store_prepare (store, "SELECT EXISTS (SELECT 1 FROM cameras)", error);
      if (stmt == NULL || bc_store_step (store, stmt, error) != SQLITE_ROW)
        return FALSE;
      cmd->initial = sqlite3_column_int (stmt, 0) == 0;
    }

  for (guint i = 0; i < cmd->import.input->len; i++)
    {
      BcCamera *camera = g_ptr_array_index (cmd->import.input, i);
      g_autoptr(GError) local_error = NULL;

      if (!bc_camera_code_is_valid (camera->id, &local_error))
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID, "cameras[%u].id: %s",
                       i, local_error->message);
          return FALSE;
        }

      /* An empty table has no row to compare with: every camera of an initial load is new. */
      if (!cmd->initial)
        {
          g_autoptr(BcCamera) existing = NULL;
          g_autoptr(BcStmt) stmt = bc_store_prepare (store,
                                                     "SELECT id, name, lat, lon, kind, online, "
                                                     "stream_uri, station FROM cameras "
                                                     "WHERE id = ?1",
                                                     error);
          int rc;

          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_text (stmt, 1, camera->id, -1, SQLITE_STATIC);
          rc = bc_store_step (store, stmt, error);
          if (rc == SQLITE_ROW)
            existing = camera_from_stmt (stmt);
          else if (rc != SQLITE_DONE)
            return FALSE;
          if (existing != NULL && camera_equal (existing, camera))
            continue;
        }

      {
        /* The upsert clause also serves an initial load that lists a code twice: the last one
         * wins, as in an import. */
        g_autoptr(BcStmt) stmt = NULL;

        stmt = bc_store_prepare (store,
                                 "INSERT INTO cameras (id, name, lat, lon, kind, online, "
                                 "                     stream_uri, station) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                                 "ON CONFLICT (id) DO UPDATE SET name = ?2, lat = ?3, lon = ?4, "
                                 "  kind = ?5, online = ?6, stream_uri = ?7, station = ?8",
                                 error);
        if (stmt == NULL)
          return FALSE;
        sqlite3_bind_text (stmt, 1, camera->id, -1, SQLITE_STATIC);
        sqlite3_bind_text (stmt, 2, camera->name != NULL ? camera->name : "", -1, SQLITE_STATIC);
        sqlite3_bind_double (stmt, 3, camera->lat);
        sqlite3_bind_double (stmt, 4, camera->lon);
        sqlite3_bind_text (stmt, 5, bc_camera_kind_to_string (camera->kind), -1, SQLITE_STATIC);
        sqlite3_bind_int (stmt, 6, camera->online ? 1 : 0);
        sqlite3_bind_text (stmt, 7, camera->stream_uri != NULL ? camera->stream_uri : "", -1,
                           SQLITE_STATIC);
        sqlite3_bind_text (stmt, 8, camera->station != NULL ? camera->station : "", -1,
                           SQLITE_STATIC);
        if (!bc_store_step_done (store, stmt, &local_error))
          {
            g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID, "camera %s: %s",
                         camera->id, local_error->message);
            return FALSE;
          }
      }

      /* No console can hold cameras before an initial load, and consoles load them by
       * bounding box, not from the event log. */
      if (!cmd->initial &&
          !_bs_repo_emit (cmd->import.self, BC_EVENT_CAMERA_UPDATED, now,
                          bc_camera_to_json (camera), error))
        return FALSE;
      g_ptr_array_add (cmd->import.changed, bc_camera_ref (camera));
    }

  json_object_set_int_member (detail, "received", cmd->import.input->len);
  json_object_set_int_member (detail, "changed", cmd->import.changed->len);
  if (cmd->initial)
    json_object_set_boolean_member (detail, "initial", TRUE);
  return _bs_repo_audit (cmd->import.self, now, cmd->import.actor, "camera.import", "cameras",
                         json_node_init_object (json_node_alloc (), detail), error);
}

static gboolean
run_camera_import (BsRepo         *self,
                   GPtrArray      *cameras,
                   const BsActor  *actor,
                   gboolean        try_initial,
                   gboolean       *out_initial,
                   GError        **error)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  CameraImportCommand cmd = { { self, cameras, changed, actor }, try_initial, FALSE };

  if (!bc_store_run_command (self->store, import_cameras_command, &cmd, error))
    return FALSE;

  for (guint i = 0; i < changed->len; i++)
    cache_put_camera (self, g_ptr_array_index (changed, i));
  if (out_initial != NULL)
    *out_initial = cmd.initial;
  return TRUE;
}

/**
 * bs_repo_import_cameras:
 * @cameras: (element-type BcCamera): cameras to add or replace, matched by device code
 *
 * Upserts in one transaction; one camera.updated event per camera that is new or different.
 */
gboolean
bs_repo_import_cameras (BsRepo         *self,
                        GPtrArray      *cameras,
                        const BsActor  *actor,
                        GError        **error)
{
  g_return_val_if_fail (BS_IS_REPO (self), FALSE);
  g_return_val_if_fail (cameras != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return run_camera_import (self, cameras, actor, FALSE, NULL, error);
}

/**
 * bs_repo_load_cameras_initial:
 * @cameras: (element-type BcCamera): the cameras of a fresh database
 * @out_initial: (out) (optional): whether the initial load ran (FALSE: it fell back)
 *
 * The first load of cameras into an EMPTY cameras table, for a server that is not listening
 * yet (the demo's start): plain inserts without a lookup per row and without a camera.updated
 * event per camera, as no console can hold cameras yet and consoles load cameras by bounding
 * box, not from the event log. One audit row records it. The in-memory caches and the spatial
 * index are updated as by bs_repo_import_cameras(). If the table already holds a camera this is
 * exactly bs_repo_import_cameras(), events included.
 */
gboolean
bs_repo_load_cameras_initial (BsRepo         *self,
                              GPtrArray      *cameras,
                              const BsActor  *actor,
                              gboolean       *out_initial,
                              GError        **error)
{
  g_return_val_if_fail (BS_IS_REPO (self), FALSE);
  g_return_val_if_fail (cameras != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return run_camera_import (self, cameras, actor, TRUE, out_initial, error);
}

static gboolean
unit_is_on_a_job (BcUnit *unit)
{
  BcUnitStatus s = bc_unit_get_status (unit);

  return s != BC_UNIT_STATUS_AVAILABLE && s != BC_UNIT_STATUS_OFF_DUTY;
}

static gboolean
import_units_command (BcStore  *store,
                      gpointer  user_data,
                      GError  **error)
{
  ImportCommand *cmd = user_data;
  gint64 now = _bs_repo_now (cmd->self);
  g_autoptr(JsonObject) detail = json_object_new ();

  for (guint i = 0; i < cmd->input->len; i++)
    {
      BcUnit *in = g_ptr_array_index (cmd->input, i);
      g_autoptr(BcUnit) existing = NULL;
      g_autoptr(GError) local_error = NULL;
      const char *call_sign = bc_unit_get_call_sign (in);
      BcUnitStatus status = bc_unit_get_status (in);

      if (call_sign == NULL || *call_sign == '\0'
          || g_utf8_strlen (call_sign, -1) > BC_UNIT_CALL_SIGN_MAX)
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                       "units[%u].call_sign: must be 1 to %d characters", i,
                       BC_UNIT_CALL_SIGN_MAX);
          return FALSE;
        }
      if (unit_is_on_a_job (in))
        {
          g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID,
                       "units[%u].status: %s cannot be imported (only available or off_duty)",
                       i, bc_unit_status_to_string (status));
          return FALSE;
        }

      {
        g_autoptr(BcStmt) stmt = bc_store_prepare (store,
                                                   "SELECT " BS_UNIT_COLUMNS " FROM units "
                                                   "WHERE call_sign = ?1",
                                                   error);
        int rc;

        if (stmt == NULL)
          return FALSE;
        sqlite3_bind_text (stmt, 1, call_sign, -1, SQLITE_STATIC);
        rc = bc_store_step (store, stmt, error);
        if (rc == SQLITE_ROW)
          existing = _bs_repo_unit_from_stmt (stmt);
        else if (rc != SQLITE_DONE)
          return FALSE;
      }

      if (existing == NULL)
        {
          g_autoptr(BcStmt) stmt = NULL;
          g_autoptr(BcUnit) created = NULL;
          gint64 id;

          stmt = bc_store_prepare (store,
                                   "INSERT INTO units (call_sign, kind, station, status, lat, lon, "
                                   "                   heading, speed, fix_at, version) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)",
                                   error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_text (stmt, 1, call_sign, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, bc_unit_kind_to_string (bc_unit_get_kind (in)), -1,
                             SQLITE_STATIC);
          sqlite3_bind_text (stmt, 3, bc_unit_get_station (in) != NULL ? bc_unit_get_station (in)
                                                                         : "",
                             -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 4, bc_unit_status_to_string (status), -1, SQLITE_STATIC);
          if (bc_unit_get_has_position (in))
            {
              sqlite3_bind_double (stmt, 5, bc_unit_get_lat (in));
              sqlite3_bind_double (stmt, 6, bc_unit_get_lon (in));
              sqlite3_bind_double (stmt, 7, bc_unit_get_heading (in));
              sqlite3_bind_double (stmt, 8, bc_unit_get_speed (in));
              sqlite3_bind_int64 (stmt, 9, bc_unit_get_position_at (in) != 0
                                             ? bc_unit_get_position_at (in) : now);
            }
          if (!bc_store_step_done (store, stmt, &local_error))
            {
              g_set_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID, "unit %s: %s",
                           call_sign, local_error->message);
              return FALSE;
            }
          id = bc_store_last_insert_rowid (store);
          created = _bs_repo_load_unit (cmd->self, id, error);
          if (created == NULL)
            return FALSE;
          if (!_bs_repo_emit (cmd->self, BC_EVENT_UNIT_UPDATED, now, bc_unit_to_json (created),
                              error))
            return FALSE;
          g_ptr_array_add (cmd->changed, g_steal_pointer (&created));
          continue;
        }

      /* An existing unit keeps its live state: the roster changes its kind and station, its
       * status only while it is not on a job, and its position only if it has no fix yet. */
      {
        gboolean changed = FALSE;

        if (bc_unit_get_kind (existing) != bc_unit_get_kind (in))
          {
            bc_unit_set_kind (existing, bc_unit_get_kind (in));
            changed = TRUE;
          }
        if (!str_equal_empty (bc_unit_get_station (existing), bc_unit_get_station (in)))
          {
            bc_unit_set_station (existing, bc_unit_get_station (in));
            changed = TRUE;
          }
        if (!unit_is_on_a_job (existing) && bc_unit_get_status (existing) != status)
          {
            bc_unit_set_status (existing, status);
            changed = TRUE;
          }
        if (!bc_unit_get_has_position (existing) && bc_unit_get_has_position (in))
          {
            g_autoptr(BcStmt) stmt = NULL;
            gint64 at = bc_unit_get_position_at (in) != 0 ? bc_unit_get_position_at (in) : now;

            stmt = bc_store_prepare (store,
                                     "UPDATE units SET lat = ?2, lon = ?3, heading = ?4, "
                                     "  speed = ?5, fix_at = ?6 WHERE id = ?1",
                                     error);
            if (stmt == NULL)
              return FALSE;
            sqlite3_bind_int64 (stmt, 1, bc_unit_get_id (existing));
            sqlite3_bind_double (stmt, 2, bc_unit_get_lat (in));
            sqlite3_bind_double (stmt, 3, bc_unit_get_lon (in));
            sqlite3_bind_double (stmt, 4, bc_unit_get_heading (in));
            sqlite3_bind_double (stmt, 5, bc_unit_get_speed (in));
            sqlite3_bind_int64 (stmt, 6, at);
            if (!bc_store_step_done (store, stmt, error))
              return FALSE;
            bc_unit_set_position (existing, bc_unit_get_lat (in), bc_unit_get_lon (in),
                                  bc_unit_get_heading (in), bc_unit_get_speed (in), at);
            changed = TRUE;
          }
        if (!changed)
          continue;
        if (!_bs_repo_commit_unit_change (cmd->self, existing, now, error))
          return FALSE;
        g_ptr_array_add (cmd->changed, g_steal_pointer (&existing));
      }
    }

  json_object_set_int_member (detail, "received", cmd->input->len);
  json_object_set_int_member (detail, "changed", cmd->changed->len);
  return _bs_repo_audit (cmd->self, now, cmd->actor, "unit.import", "units",
                         json_node_init_object (json_node_alloc (), detail), error);
}

/**
 * bs_repo_import_units:
 * @units: (element-type BcUnit): units to add or update, matched by call sign (ids are ignored)
 *
 * Upserts in one transaction; one unit.updated event per unit that is new or changed. An
 * existing unit keeps its job: see docs/lifecycle.md.
 */
gboolean
bs_repo_import_units (BsRepo         *self,
                      GPtrArray      *units,
                      const BsActor  *actor,
                      GError        **error)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);
  ImportCommand cmd = { self, units, changed, actor };

  g_return_val_if_fail (BS_IS_REPO (self), FALSE);
  g_return_val_if_fail (units != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!bc_store_run_command (self->store, import_units_command, &cmd, error))
    return FALSE;

  for (guint i = 0; i < changed->len; i++)
    _bs_repo_cache_apply_unit (self, g_ptr_array_index (changed, i));
  return TRUE;
}
