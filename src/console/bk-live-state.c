/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-live-state.h"

struct _BkLiveState
{
  GObject parent_instance;

  BcClient *client;

  GListStore *incidents;
  GHashTable *incident_by_id;   /* gint64* → BcIncident (ref) */
  GListStore *units;
  GHashTable *unit_by_id;       /* gint64* → BcUnit (ref) */
  GHashTable *camera_by_id;     /* char* → BcCamera (ref) */
  GPtrArray *cameras;           /* BcCamera (ref), in load order */

  GCancellable *cancellable;
  GCancellable *camera_cancellable;
  guint n_camera_loads;
  gboolean started;
  gboolean loaded;
};

G_DEFINE_FINAL_TYPE (BkLiveState, bk_live_state, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  INCIDENT_CHANGED,
  INCIDENT_REMOVED,
  UNIT_CHANGED,
  CAMERAS_ADDED,
  CAMERA_CHANGED,
  LOAD_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64 *
id_key (gint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

static gboolean
find_position (GListStore *store,
               gpointer    item,
               guint      *position)
{
  return g_list_store_find (store, item, position);
}

/* Re-inserting the same object makes a list emit items-changed (pos, 1, 1) for that row only. */
static void
touch_item (GListStore *store,
            gpointer    item)
{
  guint position;

  if (find_position (store, item, &position))
    g_list_store_splice (store, position, 1, &item, 1);
}

/* ---- incidents -------------------------------------------------------------------------- */

static void
remove_incident (BkLiveState *self,
                 BcIncident  *incident)
{
  gint64 id = bc_incident_get_id (incident);
  guint position;

  g_object_ref (incident);
  if (find_position (self->incidents, incident, &position))
    g_list_store_remove (self->incidents, position);
  g_hash_table_remove (self->incident_by_id, &id);
  g_signal_emit (self, signals[INCIDENT_REMOVED], 0, id);
  g_object_unref (incident);
}

static void
upsert_incident (BkLiveState *self,
                 BcIncident  *incoming)
{
  gint64 id = bc_incident_get_id (incoming);
  BcIncident *existing = g_hash_table_lookup (self->incident_by_id, &id);

  if (!bc_incident_is_open (incoming))
    {
      if (existing != NULL)
        remove_incident (self, existing);
      return;
    }

  if (existing != NULL)
    {
      /* A replayed or snapshot copy of what we already have is not a change. */
      if (bc_incident_get_version (existing) == bc_incident_get_version (incoming)
          && bc_incident_get_updated_at (existing) == bc_incident_get_updated_at (incoming))
        return;
      bc_incident_update_from (existing, incoming);
      touch_item (self->incidents, existing);
      g_signal_emit (self, signals[INCIDENT_CHANGED], 0, existing);
      return;
    }

  g_hash_table_insert (self->incident_by_id, id_key (id), g_object_ref (incoming));
  g_list_store_append (self->incidents, incoming);
  g_signal_emit (self, signals[INCIDENT_CHANGED], 0, incoming);
}

/* ---- units ------------------------------------------------------------------------------ */

static void
upsert_unit (BkLiveState *self,
             BcUnit      *incoming)
{
  gint64 id = bc_unit_get_id (incoming);
  BcUnit *existing = g_hash_table_lookup (self->unit_by_id, &id);

  if (existing != NULL)
    {
      gboolean same_version = bc_unit_get_version (existing) == bc_unit_get_version (incoming);
      gboolean same_fix = bc_unit_get_position_at (existing) == bc_unit_get_position_at (incoming);

      if (same_version && same_fix)
        return;

      bc_unit_update_from (existing, incoming);
      /* A newer fix alone (the version does not count AVL) is a move, not a change of state. */
      if (!same_version)
        touch_item (self->units, existing);
      g_signal_emit (self, signals[UNIT_CHANGED], 0, existing, same_version);
      return;
    }

  g_hash_table_insert (self->unit_by_id, id_key (id), g_object_ref (incoming));
  g_list_store_append (self->units, incoming);
  g_signal_emit (self, signals[UNIT_CHANGED], 0, incoming, FALSE);
}

static void
apply_unit_moved (BkLiveState *self,
                  JsonObject  *data)
{
  gint64 id;
  gint64 at = 0;
  BcUnit *unit;
  const char *at_text;

  if (!json_object_has_member (data, "id"))
    return;

  id = json_object_get_int_member (data, "id");
  unit = g_hash_table_lookup (self->unit_by_id, &id);
  if (unit == NULL)
    return;

  at_text = json_object_get_string_member_with_default (data, "at", NULL);
  if (at_text == NULL || !bc_time_parse (at_text, &at, NULL))
    at = g_get_real_time ();

  /* Replays after a reconnect may repeat fixes we have; an older fix never wins. */
  if (bc_unit_get_has_position (unit) && at < bc_unit_get_position_at (unit))
    return;

  bc_unit_set_position (unit,
                        json_object_get_double_member_with_default (data, "lat", 0.0),
                        json_object_get_double_member_with_default (data, "lon", 0.0),
                        json_object_get_double_member_with_default (data, "heading", 0.0),
                        json_object_get_double_member_with_default (data, "speed", 0.0),
                        at);
  g_signal_emit (self, signals[UNIT_CHANGED], 0, unit, TRUE);
}

/* ---- cameras ---------------------------------------------------------------------------- */

static gboolean
camera_equal (BcCamera *a,
              BcCamera *b)
{
  return a->lat == b->lat && a->lon == b->lon && a->kind == b->kind && a->online == b->online
         && g_strcmp0 (a->name, b->name) == 0 && g_strcmp0 (a->station, b->station) == 0
         && g_strcmp0 (a->stream_uri, b->stream_uri) == 0;
}

/* Returns TRUE when @camera is new to the cache. */
static gboolean
store_camera (BkLiveState *self,
              BcCamera    *camera,
              gboolean    *out_changed)
{
  BcCamera *existing = g_hash_table_lookup (self->camera_by_id, camera->id);

  *out_changed = FALSE;
  if (existing == NULL)
    {
      g_hash_table_insert (self->camera_by_id, g_strdup (camera->id), bc_camera_ref (camera));
      g_ptr_array_add (self->cameras, bc_camera_ref (camera));
      return TRUE;
    }

  if (existing != camera && !camera_equal (existing, camera))
    {
      guint index;

      if (g_ptr_array_find (self->cameras, existing, &index))
        {
          bc_camera_unref (g_ptr_array_index (self->cameras, index));
          g_ptr_array_index (self->cameras, index) = bc_camera_ref (camera);
        }
      g_hash_table_insert (self->camera_by_id, g_strdup (camera->id), bc_camera_ref (camera));
      *out_changed = TRUE;
    }

  return FALSE;
}

static void
merge_cameras (BkLiveState *self,
               GPtrArray   *cameras)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);

  for (guint i = 0; i < cameras->len; i++)
    {
      BcCamera *camera = g_ptr_array_index (cameras, i);
      gboolean changed;

      if (store_camera (self, camera, &changed))
        g_ptr_array_add (added, bc_camera_ref (camera));
      else if (changed)
        g_signal_emit (self, signals[CAMERA_CHANGED], 0, camera);
    }

  if (added->len > 0)
    g_signal_emit (self, signals[CAMERAS_ADDED], 0, added);
}

/* ---- snapshot and events ---------------------------------------------------------------- */

static void
apply_snapshot (BkLiveState *self,
                BcSnapshot  *snapshot)
{
  GPtrArray *incidents = bc_snapshot_get_incidents (snapshot);
  GPtrArray *units = bc_snapshot_get_units (snapshot);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; i < incidents->len; i++)
    {
      BcIncident *incident = g_ptr_array_index (incidents, i);
      gint64 *key = g_new (gint64, 1);

      *key = bc_incident_get_id (incident);
      g_hash_table_add (seen, key);
      upsert_incident (self, incident);
    }

  /* What the snapshot no longer has was closed while we were away. */
  g_hash_table_iter_init (&iter, self->incident_by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      gint64 id = bc_incident_get_id (value);
      if (!g_hash_table_contains (seen, &id))
        g_ptr_array_add (gone, g_object_ref (value));
    }
  for (guint i = 0; i < gone->len; i++)
    remove_incident (self, g_ptr_array_index (gone, i));

  g_hash_table_foreach (seen, (GHFunc) g_free, NULL);

  for (guint i = 0; i < units->len; i++)
    upsert_unit (self, g_ptr_array_index (units, i));

  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
}

static void
client_event_cb (BkLiveState *self,
                 BcEvent     *event,
                 BcClient    *client)
{
  JsonObject *data;

  if (event->data == NULL || !JSON_NODE_HOLDS_OBJECT (event->data))
    return;
  data = json_node_get_object (event->data);

  if (g_str_equal (event->type, BC_EVENT_UNIT_MOVED))
    {
      apply_unit_moved (self, data);
    }
  else if (g_str_equal (event->type, BC_EVENT_INCIDENT_CREATED)
           || g_str_equal (event->type, BC_EVENT_INCIDENT_UPDATED))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BcIncident) incident = bc_incident_from_json (event->data, &error);

      if (incident == NULL)
        g_warning ("Ignoring event %" G_GINT64_FORMAT ": %s", event->seq, error->message);
      else
        upsert_incident (self, incident);
    }
  else if (g_str_equal (event->type, BC_EVENT_UNIT_UPDATED))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BcUnit) unit = bc_unit_from_json (event->data, &error);

      if (unit == NULL)
        g_warning ("Ignoring event %" G_GINT64_FORMAT ": %s", event->seq, error->message);
      else
        upsert_unit (self, unit);
    }
  else if (g_str_equal (event->type, BC_EVENT_CAMERA_UPDATED))
    {
      g_autoptr(BcCamera) camera = bc_camera_from_json (event->data, NULL);
      g_autoptr(GPtrArray) one = g_ptr_array_new ();

      /* Only cameras of areas we have loaded matter; others come with their area. */
      if (camera != NULL && g_hash_table_contains (self->camera_by_id, camera->id))
        {
          g_ptr_array_add (one, camera);
          merge_cameras (self, one);
        }
    }
}

static void
client_snapshot_loaded_cb (BkLiveState *self,
                           BcSnapshot  *snapshot,
                           BcClient    *client)
{
  apply_snapshot (self, snapshot);
}

static void
snapshot_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(BkLiveState) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcSnapshot) snapshot = NULL;

  snapshot = bc_client_snapshot_finish (BC_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->started)
    return;

  if (snapshot == NULL)
    {
      /* Following anyway: the client loads the snapshot itself when it resynchronises. */
      g_signal_emit (self, signals[LOAD_FAILED], 0, error);
      bc_client_follow (self->client);
      return;
    }

  apply_snapshot (self, snapshot);
  bc_client_set_last_seq (self->client, bc_snapshot_get_seq (snapshot));
  bc_client_follow (self->client);
}

void
bk_live_state_start (BkLiveState *self)
{
  g_return_if_fail (BK_IS_LIVE_STATE (self));

  if (self->started)
    return;

  self->started = TRUE;
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->client, "event",
                           G_CALLBACK (client_event_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->client, "snapshot-loaded",
                           G_CALLBACK (client_snapshot_loaded_cb), self, G_CONNECT_SWAPPED);
  bc_client_snapshot_async (self->client, self->cancellable, snapshot_cb, g_object_ref (self));
}

void
bk_live_state_stop (BkLiveState *self)
{
  g_return_if_fail (BK_IS_LIVE_STATE (self));

  if (!self->started)
    return;

  self->started = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->camera_cancellable);
  g_clear_object (&self->camera_cancellable);
  g_signal_handlers_disconnect_by_data (self->client, self);
  bc_client_unfollow (self->client);
}

gboolean
bk_live_state_get_loaded (BkLiveState *self)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), FALSE);

  return self->loaded;
}

/* ---- camera loads ----------------------------------------------------------------------- */

/* The server answers at most this many cameras per bounding box (its default limit) and the
 * client does not ask for more or say when an answer was cut, so a full answer is taken as a
 * cut one: the box is split in four and each quarter is asked for again. */
#define CAMERA_PAGE_LIMIT 5000
#define CAMERA_SPLIT_DEPTH 5

typedef struct
{
  BkLiveState  *self;
  GCancellable *cancellable;
  guint         pending;
} CameraLoad;

typedef struct
{
  CameraLoad  *load;
  BcGeoBounds  bounds;
  guint        depth;
} CameraRequest;

static void request_cameras (CameraLoad        *load,
                             const BcGeoBounds *bounds,
                             guint              depth);

static void
camera_load_done (CameraLoad *load)
{
  g_assert (load->pending > 0);

  if (--load->pending > 0)
    return;

  if (!g_cancellable_is_cancelled (load->cancellable))
    {
      load->self->n_camera_loads++;
      if (load->self->camera_cancellable == load->cancellable)
        g_clear_object (&load->self->camera_cancellable);
    }

  g_object_unref (load->self);
  g_object_unref (load->cancellable);
  g_free (load);
}

static void
cameras_in_bounds_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  CameraRequest *request = user_data;
  CameraLoad *load = request->load;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cameras = NULL;

  cameras = bc_client_cameras_in_bounds_finish (BC_CLIENT (object), result, &error);
  if (cameras == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Loading cameras failed: %s", error->message);
    }
  else if (!g_cancellable_is_cancelled (load->cancellable))
    {
      merge_cameras (load->self, cameras);

      if (cameras->len >= CAMERA_PAGE_LIMIT && request->depth < CAMERA_SPLIT_DEPTH)
        {
          const BcGeoBounds *b = &request->bounds;
          double mid_lat = (b->min_lat + b->max_lat) / 2;
          double mid_lon = (b->min_lon + b->max_lon) / 2;
          BcGeoBounds quarters[4] = {
            { b->min_lat, b->min_lon, mid_lat, mid_lon },
            { b->min_lat, mid_lon, mid_lat, b->max_lon },
            { mid_lat, b->min_lon, b->max_lat, mid_lon },
            { mid_lat, mid_lon, b->max_lat, b->max_lon },
          };

          for (guint i = 0; i < G_N_ELEMENTS (quarters); i++)
            request_cameras (load, &quarters[i], request->depth + 1);
        }
    }

  g_free (request);
  camera_load_done (load);
}

static void
request_cameras (CameraLoad        *load,
                 const BcGeoBounds *bounds,
                 guint              depth)
{
  CameraRequest *request = g_new0 (CameraRequest, 1);

  request->load = load;
  request->bounds = *bounds;
  request->depth = depth;
  load->pending++;
  bc_client_cameras_in_bounds_async (load->self->client, bounds, load->cancellable,
                                     cameras_in_bounds_cb, request);
}

void
bk_live_state_load_cameras (BkLiveState       *self,
                            const BcGeoBounds *bounds)
{
  CameraLoad *load;

  g_return_if_fail (BK_IS_LIVE_STATE (self));
  g_return_if_fail (bounds != NULL);

  /* Only the newest view matters; an older answer would be stale by the time it arrived. */
  g_cancellable_cancel (self->camera_cancellable);
  g_clear_object (&self->camera_cancellable);
  self->camera_cancellable = g_cancellable_new ();

  load = g_new0 (CameraLoad, 1);
  load->self = g_object_ref (self);
  load->cancellable = g_object_ref (self->camera_cancellable);
  load->pending = 1;   /* held until every first request is out */
  request_cameras (load, bounds, 0);
  camera_load_done (load);
}

guint
bk_live_state_get_n_camera_loads (BkLiveState *self)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), 0);

  return self->n_camera_loads;
}

typedef struct
{
  double lat;
  double lon;
} NearData;

static int
compare_distance (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const NearData *near = user_data;
  BcCamera *ca = *(BcCamera **) a;
  BcCamera *cb = *(BcCamera **) b;
  double da = bc_geo_distance_m (near->lat, near->lon, ca->lat, ca->lon);
  double db = bc_geo_distance_m (near->lat, near->lon, cb->lat, cb->lon);

  return (da > db) - (da < db);
}

static void
cameras_near_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BkLiveState *self = g_task_get_source_object (task);
  NearData *near = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cameras = NULL;

  cameras = bc_client_cameras_near_finish (BC_CLIENT (object), result, &error);
  if (cameras == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_ptr_array_sort_with_data (cameras, compare_distance, near);
  /* The panel opens them by id, so they must be in the cache like those of the map. */
  merge_cameras (self, cameras);
  g_task_return_pointer (task, g_steal_pointer (&cameras), (GDestroyNotify) g_ptr_array_unref);
}

void
bk_live_state_cameras_near_async (BkLiveState         *self,
                                  double               lat,
                                  double               lon,
                                  double               radius_m,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  NearData *near;

  g_return_if_fail (BK_IS_LIVE_STATE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bk_live_state_cameras_near_async);
  near = g_new (NearData, 1);
  near->lat = lat;
  near->lon = lon;
  g_task_set_task_data (task, near, g_free);

  bc_client_cameras_near_async (self->client, lat, lon, radius_m, cancellable,
                                cameras_near_cb, g_steal_pointer (&task));
}

GPtrArray *
bk_live_state_cameras_near_finish (BkLiveState   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- lookups ---------------------------------------------------------------------------- */

GListModel *
bk_live_state_get_incidents (BkLiveState *self)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), NULL);

  return G_LIST_MODEL (self->incidents);
}

GListModel *
bk_live_state_get_units (BkLiveState *self)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), NULL);

  return G_LIST_MODEL (self->units);
}

BcClient *
bk_live_state_get_client (BkLiveState *self)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), NULL);

  return self->client;
}

BcIncident *
bk_live_state_lookup_incident (BkLiveState *self,
                               gint64       id)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), NULL);

  return g_hash_table_lookup (self->incident_by_id, &id);
}

BcIncident *
bk_live_state_lookup_incident_by_number (BkLiveState *self,
                                         const char  *number)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (BK_IS_LIVE_STATE (self), NULL);
  g_return_val_if_fail (number != NULL, NULL);

  g_hash_table_iter_init (&iter, self->incident_by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (bc_incident_get_number (value), number) == 0)
      return value;

  return NULL;
}

BcUnit *
bk_live_state_lookup_unit (BkLiveState *self,
                           gint64       id)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), NULL);

  return g_hash_table_lookup (self->unit_by_id, &id);
}

BcCamera *
bk_live_state_lookup_camera (BkLiveState *self,
                             const char  *id)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), NULL);

  if (id == NULL)
    return NULL;

  return g_hash_table_lookup (self->camera_by_id, id);
}

GPtrArray *
bk_live_state_get_cameras (BkLiveState *self)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), NULL);

  return self->cameras;
}

guint
bk_live_state_get_n_cameras (BkLiveState *self)
{
  g_return_val_if_fail (BK_IS_LIVE_STATE (self), 0);

  return self->cameras->len;
}

/* ---- object ----------------------------------------------------------------------------- */

static void
bk_live_state_dispose (GObject *object)
{
  BkLiveState *self = BK_LIVE_STATE (object);

  if (self->client != NULL)
    bk_live_state_stop (self);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (bk_live_state_parent_class)->dispose (object);
}

static void
bk_live_state_finalize (GObject *object)
{
  BkLiveState *self = BK_LIVE_STATE (object);

  g_clear_object (&self->incidents);
  g_clear_object (&self->units);
  g_clear_pointer (&self->incident_by_id, g_hash_table_unref);
  g_clear_pointer (&self->unit_by_id, g_hash_table_unref);
  g_clear_pointer (&self->camera_by_id, g_hash_table_unref);
  g_clear_pointer (&self->cameras, g_ptr_array_unref);

  G_OBJECT_CLASS (bk_live_state_parent_class)->finalize (object);
}

static void
bk_live_state_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BkLiveState *self = BK_LIVE_STATE (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;

    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_live_state_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  BkLiveState *self = BK_LIVE_STATE (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bk_live_state_class_init (BkLiveStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bk_live_state_dispose;
  object_class->finalize = bk_live_state_finalize;
  object_class->get_property = bk_live_state_get_property;
  object_class->set_property = bk_live_state_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, BC_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* An open incident appeared or changed (in place). */
  signals[INCIDENT_CHANGED] =
    g_signal_new ("incident-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BC_TYPE_INCIDENT);
  /* An incident was closed or cancelled and left the live picture. */
  signals[INCIDENT_REMOVED] =
    g_signal_new ("incident-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* A unit appeared or changed; position_only when only its fix moved. */
  signals[UNIT_CHANGED] =
    g_signal_new ("unit-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, BC_TYPE_UNIT, G_TYPE_BOOLEAN);
  /* Cameras new to the cache (a GPtrArray of BcCamera). */
  signals[CAMERAS_ADDED] =
    g_signal_new ("cameras-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_PTR_ARRAY | G_SIGNAL_TYPE_STATIC_SCOPE);
  /* A cached camera changed (replaced by a new BcCamera with the same id). */
  signals[CAMERA_CHANGED] =
    g_signal_new ("camera-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  BC_TYPE_CAMERA | G_SIGNAL_TYPE_STATIC_SCOPE);
  /* The first snapshot could not be loaded (the client keeps trying). */
  signals[LOAD_FAILED] =
    g_signal_new ("load-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
bk_live_state_init (BkLiveState *self)
{
  self->incidents = g_list_store_new (BC_TYPE_INCIDENT);
  self->units = g_list_store_new (BC_TYPE_UNIT);
  self->incident_by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                g_free, g_object_unref);
  self->unit_by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                            g_free, g_object_unref);
  self->camera_by_id = g_hash_table_new_full (g_str_hash, g_str_equal,
                                              g_free, (GDestroyNotify) bc_camera_unref);
  self->cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
}

BkLiveState *
bk_live_state_new (BcClient *client)
{
  g_return_val_if_fail (BC_IS_CLIENT (client), NULL);

  return g_object_new (BK_TYPE_LIVE_STATE, "client", client, NULL);
}
