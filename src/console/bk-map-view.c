/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "bk-map-view.h"
#include "bk-district-layer.h"
#include "bk-mbtiles-source.h"
#include "bk-schematic-source.h"

/* How long the view must rest before cameras are fetched and the view is saved. */
#define SETTLE_MS 150
/* Cameras are fetched for the visible area plus this fraction of it on every side, so that a
 * short pan does not show an empty border. */
#define BBOX_MARGIN 0.25
#define FLY_MS 800
#define ZOOM_MS 250
#define FLY_MIN_ZOOM 15.0
#define OVERDUE_CHECK_S 5

struct _BkMapView
{
  GtkWidget parent_instance;

  GSettings *settings;
  BkLiveState *live_state;

  ShumateViewport *viewport;
  ShumateMapLayer *base_layer;
  ShumateMapSource *base_source;
  BkDistrictLayer *district_layer;
  BkPointLayer *point_layer;
  GCancellable *mbtiles_cancellable;

  BkObjectKind selection_kind;
  char *selection_id;

  GHashTable *overdue;        /* incident ids (gint64*) shown as overdue */
  guint settle_id;
  guint overdue_id;
  gboolean view_restored;
  gboolean picking;           /* the next click gives a location (bk_map_view_pick_location) */

  GtkOverlay *overlay;
  ShumateMap *map;
  GtkLabel *incidents_count;
  GtkLabel *new_count;
  GtkLabel *units_count;
  GtkLabel *cameras_count;
  GtkGrid *legend;
  ShumateScale *scale;
  GtkLabel *position_label;
  ShumateLicense *license;
};

G_DEFINE_FINAL_TYPE (BkMapView, bk_map_view, GTK_TYPE_WIDGET)

enum {
  SELECTION_CHANGED,
  ERROR,
  LOCATION_PICKED,
  PICK_CANCELLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void schedule_settle (BkMapView *self);
static void set_selection   (BkMapView    *self,
                             BkObjectKind  kind,
                             const char   *id);

/* ---- base map --------------------------------------------------------------------------- */

static void
set_base_source (BkMapView        *self,
                 ShumateMapSource *source)
{
  ShumateMapLayer *layer = shumate_map_layer_new (source, self->viewport);
  guint max_zoom = shumate_map_source_get_max_zoom_level (source);
  guint min_zoom = shumate_map_source_get_min_zoom_level (source);

  if (self->base_layer != NULL)
    {
      shumate_map_insert_layer_behind (self->map, SHUMATE_LAYER (layer),
                                       SHUMATE_LAYER (self->base_layer));
      shumate_map_remove_layer (self->map, SHUMATE_LAYER (self->base_layer));
    }
  else
    {
      shumate_map_insert_layer_behind (self->map, SHUMATE_LAYER (layer),
                                       SHUMATE_LAYER (self->district_layer));
    }
  self->base_layer = layer;

  if (self->base_source != NULL)
    shumate_license_remove_map_source (self->license, self->base_source);
  g_set_object (&self->base_source, source);
  shumate_license_append_map_source (self->license, source);

  /* libshumate 1.0 does not over-zoom: never go past what the source has. */
  shumate_map_set_map_source (self->map, source);
  shumate_viewport_set_min_zoom_level (self->viewport, min_zoom);
  shumate_viewport_set_max_zoom_level (self->viewport, max_zoom);
  if (shumate_viewport_get_zoom_level (self->viewport) > max_zoom)
    shumate_viewport_set_zoom_level (self->viewport, max_zoom);
  if (shumate_viewport_get_zoom_level (self->viewport) < min_zoom)
    shumate_viewport_set_zoom_level (self->viewport, min_zoom);
}

static void
use_schematic (BkMapView *self)
{
  g_autoptr(BkSchematicSource) data = bk_schematic_source_new ();
  g_autoptr(ShumateRasterRenderer) renderer = bk_schematic_source_create_renderer (data);

  set_base_source (self, SHUMATE_MAP_SOURCE (renderer));
}

static void
mbtiles_ready_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(BkMapView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BkMbtilesSource) source = bk_mbtiles_source_new_finish (result, &error);
  g_autoptr(ShumateRasterRenderer) renderer = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->mbtiles_cancellable);
  if (source == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot open the offline tile pack: %s. "
                                                    "Showing the schematic map instead."),
                                                  error->message);
      g_signal_emit (self, signals[ERROR], 0, message);
      if (self->base_layer == NULL)
        use_schematic (self);
      return;
    }

  renderer = bk_mbtiles_source_create_renderer (source, "beacon-mbtiles");
  set_base_source (self, SHUMATE_MAP_SOURCE (renderer));
}

static void
apply_basemap (BkMapView *self)
{
  g_autofree char *kind = g_settings_get_string (self->settings, "basemap-source");

  g_cancellable_cancel (self->mbtiles_cancellable);
  g_clear_object (&self->mbtiles_cancellable);

  if (g_str_equal (kind, "xyz"))
    {
      g_autofree char *template = g_settings_get_string (self->settings, "xyz-url-template");

      if (template[0] != '\0')
        {
          g_autoptr(ShumateRasterRenderer) renderer =
            shumate_raster_renderer_new_full_from_url ("beacon-xyz", _("Tile service"),
                                                       "", NULL, 1, 19, 256,
                                                       SHUMATE_MAP_PROJECTION_MERCATOR,
                                                       template);
          set_base_source (self, SHUMATE_MAP_SOURCE (renderer));
          return;
        }

      g_signal_emit (self, signals[ERROR], 0,
                     _("No tile URL template is set. Showing the schematic map instead."));
    }
  else if (g_str_equal (kind, "mbtiles"))
    {
      g_autofree char *path = g_settings_get_string (self->settings, "mbtiles-path");

      if (path[0] != '\0')
        {
          g_autoptr(GFile) file = g_file_new_for_path (path);

          /* The file is opened in a thread; keep the current map until it is ready. */
          if (self->base_layer == NULL)
            use_schematic (self);
          self->mbtiles_cancellable = g_cancellable_new ();
          bk_mbtiles_source_new_async (file, self->mbtiles_cancellable,
                                       mbtiles_ready_cb, g_object_ref (self));
          return;
        }

      g_signal_emit (self, signals[ERROR], 0,
                     _("No offline tile pack is chosen. Showing the schematic map instead."));
    }

  use_schematic (self);
}

/* ---- feeding the point layer ------------------------------------------------------------ */

static gboolean
incident_is_overdue (BkMapView  *self,
                     BcIncident *incident)
{
  static const char * const keys[] = {
    "overdue-p1-seconds", "overdue-p2-seconds", "overdue-p3-seconds", "overdue-p4-seconds",
  };
  int priority = CLAMP (bc_incident_get_priority (incident), 1, 4);
  gint64 limit_s;

  if (bc_incident_get_status (incident) != BC_INCIDENT_STATUS_NEW || self->settings == NULL)
    return FALSE;

  limit_s = g_settings_get_int (self->settings, keys[priority - 1]);
  return g_get_real_time () - bc_incident_get_created_at (incident) > limit_s * G_USEC_PER_SEC;
}

static void
show_incident (BkMapView  *self,
               BcIncident *incident)
{
  gint64 id = bc_incident_get_id (incident);
  gboolean overdue = incident_is_overdue (self, incident);

  if (overdue)
    g_hash_table_add (self->overdue, g_memdup2 (&id, sizeof id));
  else
    g_hash_table_remove (self->overdue, &id);

  bk_point_layer_upsert_incident (self->point_layer, id,
                                  bc_incident_get_lat (incident),
                                  bc_incident_get_lon (incident),
                                  bc_incident_get_priority (incident),
                                  (BkIncidentStatus) bc_incident_get_status (incident),
                                  bc_incident_get_created_at (incident),
                                  overdue,
                                  bc_incident_get_number (incident));
}

static void
show_unit (BkMapView *self,
           BcUnit    *unit)
{
  gboolean lines = self->settings == NULL
                   || g_settings_get_boolean (self->settings, "layer-dispatch-lines");

  if (!bc_unit_get_has_position (unit))
    {
      bk_point_layer_remove_unit (self->point_layer, bc_unit_get_id (unit));
      return;
    }

  bk_point_layer_upsert_unit (self->point_layer, bc_unit_get_id (unit),
                              bc_unit_get_lat (unit), bc_unit_get_lon (unit),
                              bc_unit_get_speed (unit) > 0.5 ? bc_unit_get_heading (unit) : -1.0,
                              (BkUnitStatus) bc_unit_get_status (unit),
                              bc_unit_get_call_sign (unit),
                              lines ? bc_unit_get_incident (unit) : 0);
}

static void
show_cameras (BkMapView *self)
{
  GPtrArray *cameras = bk_live_state_get_cameras (self->live_state);
  g_autofree BkCameraPoint *points = g_new (BkCameraPoint, MAX (cameras->len, 1));

  for (guint i = 0; i < cameras->len; i++)
    {
      BcCamera *camera = g_ptr_array_index (cameras, i);

      points[i] = (BkCameraPoint) {
        .id = camera->id,
        .name = camera->name,
        .lat = camera->lat,
        .lon = camera->lon,
        .kind = (BkCameraKind) camera->kind,
        .online = camera->online,
      };
    }

  bk_point_layer_set_cameras (self->point_layer, points, cameras->len);
}

static void
update_counts (BkMapView *self)
{
  GListModel *incidents, *units;
  guint n_new = 0, n_available = 0;
  char text[32];

  if (self->live_state == NULL)
    return;

  incidents = bk_live_state_get_incidents (self->live_state);
  units = bk_live_state_get_units (self->live_state);

  for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (incidents, i);
      if (bc_incident_get_status (incident) == BC_INCIDENT_STATUS_NEW)
        n_new++;
    }
  for (guint i = 0; i < g_list_model_get_n_items (units); i++)
    {
      g_autoptr(BcUnit) unit = g_list_model_get_item (units, i);
      if (bc_unit_get_status (unit) == BC_UNIT_STATUS_AVAILABLE)
        n_available++;
    }

  g_snprintf (text, sizeof text, "%u", g_list_model_get_n_items (incidents));
  gtk_label_set_label (self->incidents_count, text);
  g_snprintf (text, sizeof text, "%u", n_new);
  gtk_label_set_label (self->new_count, text);
  g_snprintf (text, sizeof text, "%u / %u", n_available, g_list_model_get_n_items (units));
  gtk_label_set_label (self->units_count, text);
  g_snprintf (text, sizeof text, "%u", bk_live_state_get_n_cameras (self->live_state));
  gtk_label_set_label (self->cameras_count, text);

  if (n_new > 0)
    gtk_widget_add_css_class (gtk_widget_get_parent (GTK_WIDGET (self->new_count)), "alert");
  else
    gtk_widget_remove_css_class (gtk_widget_get_parent (GTK_WIDGET (self->new_count)), "alert");
}

/* Deadlines pass without any event: look again now and then, touching only incidents whose
 * overdue state flips. The timer runs only while some incident awaits dispatch. */
static gboolean
overdue_check_cb (gpointer user_data)
{
  BkMapView *self = user_data;
  GListModel *incidents = bk_live_state_get_incidents (self->live_state);
  gboolean any_new = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (incidents, i);
      gint64 id = bc_incident_get_id (incident);

      if (bc_incident_get_status (incident) == BC_INCIDENT_STATUS_NEW)
        any_new = TRUE;
      if (incident_is_overdue (self, incident) != g_hash_table_contains (self->overdue, &id))
        show_incident (self, incident);
    }

  if (!any_new)
    {
      self->overdue_id = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
ensure_overdue_timer (BkMapView *self)
{
  if (self->overdue_id == 0 && self->live_state != NULL)
    self->overdue_id = g_timeout_add_seconds (OVERDUE_CHECK_S, overdue_check_cb, self);
}

static void
incident_changed_cb (BkMapView  *self,
                     BcIncident *incident)
{
  show_incident (self, incident);
  if (bc_incident_get_status (incident) == BC_INCIDENT_STATUS_NEW)
    ensure_overdue_timer (self);
  update_counts (self);
}

static void
incident_removed_cb (BkMapView *self,
                     gint64     id)
{
  char text[32];

  bk_point_layer_remove_incident (self->point_layer, id);
  g_hash_table_remove (self->overdue, &id);

  /* A closed incident leaves the map; its details would only mislead. */
  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, id);
  if (self->selection_kind == BK_OBJECT_INCIDENT && g_strcmp0 (self->selection_id, text) == 0)
    set_selection (self, BK_OBJECT_NONE, NULL);
  update_counts (self);
}

static void
unit_changed_cb (BkMapView *self,
                 BcUnit    *unit,
                 gboolean   position_only)
{
  show_unit (self, unit);
  if (!position_only)
    update_counts (self);
}

static void
cameras_added_cb (BkMapView *self,
                  GPtrArray *added)
{
  show_cameras (self);
  update_counts (self);
}

static void
camera_changed_cb (BkMapView *self,
                   BcCamera  *camera)
{
  show_cameras (self);
}

static void
show_everything (BkMapView *self)
{
  GListModel *incidents, *units;

  bk_point_layer_remove_all (self->point_layer);
  g_hash_table_remove_all (self->overdue);
  if (self->live_state == NULL)
    return;

  incidents = bk_live_state_get_incidents (self->live_state);
  for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (incidents, i);
      show_incident (self, incident);
    }

  units = bk_live_state_get_units (self->live_state);
  for (guint i = 0; i < g_list_model_get_n_items (units); i++)
    {
      g_autoptr(BcUnit) unit = g_list_model_get_item (units, i);
      show_unit (self, unit);
    }

  show_cameras (self);
  update_counts (self);
  ensure_overdue_timer (self);
}

/* ---- view ------------------------------------------------------------------------------- */

static gboolean
visible_bounds (BkMapView   *self,
                double       margin,
                BcGeoBounds *bounds)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self->map));
  int height = gtk_widget_get_height (GTK_WIDGET (self->map));
  double lat1, lon1, lat2, lon2;

  if (width <= 0 || height <= 0)
    return FALSE;

  shumate_viewport_widget_coords_to_location (self->viewport, GTK_WIDGET (self->map),
                                              -margin * width, -margin * height,
                                              &lat1, &lon1);
  shumate_viewport_widget_coords_to_location (self->viewport, GTK_WIDGET (self->map),
                                              (1 + margin) * width, (1 + margin) * height,
                                              &lat2, &lon2);

  bounds->min_lat = CLAMP (MIN (lat1, lat2), -BC_MERCATOR_MAX_LAT, BC_MERCATOR_MAX_LAT);
  bounds->max_lat = CLAMP (MAX (lat1, lat2), -BC_MERCATOR_MAX_LAT, BC_MERCATOR_MAX_LAT);
  bounds->min_lon = CLAMP (MIN (lon1, lon2), -180.0, 180.0);
  bounds->max_lon = CLAMP (MAX (lon1, lon2), -180.0, 180.0);
  return TRUE;
}

static void
update_position_label (BkMapView *self)
{
  g_autofree char *text = NULL;

  /* Translators: map centre latitude, longitude and zoom level */
  text = g_strdup_printf (_("%.5f, %.5f · zoom %.1f"),
                          shumate_location_get_latitude (SHUMATE_LOCATION (self->viewport)),
                          shumate_location_get_longitude (SHUMATE_LOCATION (self->viewport)),
                          shumate_viewport_get_zoom_level (self->viewport));
  gtk_label_set_label (self->position_label, text);
}

void
bk_map_view_refresh_cameras (BkMapView *self)
{
  BcGeoBounds bounds;

  g_return_if_fail (BK_IS_MAP_VIEW (self));

  g_clear_handle_id (&self->settle_id, g_source_remove);
  if (self->live_state == NULL || !bk_live_state_get_loaded (self->live_state))
    return;
  if (!visible_bounds (self, BBOX_MARGIN, &bounds))
    return;

  bk_live_state_load_cameras (self->live_state, &bounds);
}

static gboolean
settle_cb (gpointer user_data)
{
  BkMapView *self = user_data;

  self->settle_id = 0;

  if (self->settings != NULL && self->view_restored)
    g_settings_set (self->settings, "last-view", "(ddd)",
                    shumate_location_get_latitude (SHUMATE_LOCATION (self->viewport)),
                    shumate_location_get_longitude (SHUMATE_LOCATION (self->viewport)),
                    shumate_viewport_get_zoom_level (self->viewport));

  bk_map_view_refresh_cameras (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_settle (BkMapView *self)
{
  g_clear_handle_id (&self->settle_id, g_source_remove);
  self->settle_id = g_timeout_add (SETTLE_MS, settle_cb, self);
}

static void
viewport_changed_cb (BkMapView *self)
{
  update_position_label (self);
  schedule_settle (self);
}

void
bk_map_view_go_to (BkMapView *self,
                   double     lat,
                   double     lon,
                   double     zoom,
                   gboolean   animate)
{
  g_return_if_fail (BK_IS_MAP_VIEW (self));

  zoom = CLAMP (zoom,
                shumate_viewport_get_min_zoom_level (self->viewport),
                shumate_viewport_get_max_zoom_level (self->viewport));

  if (animate && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      shumate_map_go_to_full_with_duration (self->map, lat, lon, zoom, FLY_MS);
    }
  else
    {
      shumate_map_stop_go_to (self->map);
      shumate_viewport_set_zoom_level (self->viewport, zoom);
      shumate_location_set_location (SHUMATE_LOCATION (self->viewport), lat, lon);
    }
}

/* ---- selection -------------------------------------------------------------------------- */

static gboolean
lookup_position (BkMapView    *self,
                 BkObjectKind  kind,
                 const char   *id,
                 double       *lat,
                 double       *lon)
{
  if (self->live_state == NULL || id == NULL)
    return FALSE;

  switch (kind)
    {
    case BK_OBJECT_INCIDENT:
      {
        BcIncident *incident = bk_live_state_lookup_incident (self->live_state,
                                                              g_ascii_strtoll (id, NULL, 10));
        if (incident == NULL)
          return FALSE;
        *lat = bc_incident_get_lat (incident);
        *lon = bc_incident_get_lon (incident);
        return TRUE;
      }

    case BK_OBJECT_UNIT:
      {
        BcUnit *unit = bk_live_state_lookup_unit (self->live_state, g_ascii_strtoll (id, NULL, 10));
        if (unit == NULL || !bc_unit_get_has_position (unit))
          return FALSE;
        *lat = bc_unit_get_lat (unit);
        *lon = bc_unit_get_lon (unit);
        return TRUE;
      }

    case BK_OBJECT_CAMERA:
      {
        BcCamera *camera = bk_live_state_lookup_camera (self->live_state, id);
        if (camera == NULL)
          return FALSE;
        *lat = camera->lat;
        *lon = camera->lon;
        return TRUE;
      }

    case BK_OBJECT_NONE:
    default:
      return FALSE;
    }
}

static void
set_selection (BkMapView    *self,
               BkObjectKind  kind,
               const char   *id)
{
  gint64 number = 0;

  if (self->selection_kind == kind && g_strcmp0 (self->selection_id, id) == 0)
    return;

  self->selection_kind = kind;
  g_free (self->selection_id);
  self->selection_id = kind != BK_OBJECT_NONE ? g_strdup (id) : NULL;

  if (kind == BK_OBJECT_INCIDENT || kind == BK_OBJECT_UNIT)
    number = g_ascii_strtoll (id, NULL, 10);

  switch (kind)
    {
    case BK_OBJECT_INCIDENT:
      bk_point_layer_set_selection (self->point_layer, BK_POINT_KIND_INCIDENT, number, NULL);
      break;
    case BK_OBJECT_UNIT:
      bk_point_layer_set_selection (self->point_layer, BK_POINT_KIND_UNIT, number, NULL);
      break;
    case BK_OBJECT_CAMERA:
      bk_point_layer_set_selection (self->point_layer, BK_POINT_KIND_CAMERA, 0, id);
      break;
    case BK_OBJECT_NONE:
    default:
      bk_point_layer_set_selection (self->point_layer, BK_POINT_KIND_NONE, 0, NULL);
      break;
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "map.show-selection", kind != BK_OBJECT_NONE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "map.clear-selection", kind != BK_OBJECT_NONE);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

gboolean
bk_map_view_select (BkMapView    *self,
                    BkObjectKind  kind,
                    const char   *id,
                    gboolean      fly)
{
  double lat, lon;

  g_return_val_if_fail (BK_IS_MAP_VIEW (self), FALSE);

  if (kind == BK_OBJECT_NONE || id == NULL)
    {
      set_selection (self, BK_OBJECT_NONE, NULL);
      return TRUE;
    }

  if (!lookup_position (self, kind, id, &lat, &lon))
    return FALSE;

  set_selection (self, kind, id);
  if (fly)
    bk_map_view_go_to (self, lat, lon,
                       MAX (shumate_viewport_get_zoom_level (self->viewport), FLY_MIN_ZOOM),
                       TRUE);
  return TRUE;
}

void
bk_map_view_clear_selection (BkMapView *self)
{
  g_return_if_fail (BK_IS_MAP_VIEW (self));

  set_selection (self, BK_OBJECT_NONE, NULL);
}

BkObjectKind
bk_map_view_get_selection (BkMapView   *self,
                           const char **id)
{
  g_return_val_if_fail (BK_IS_MAP_VIEW (self), BK_OBJECT_NONE);

  if (id != NULL)
    *id = self->selection_id;
  return self->selection_kind;
}

static void
object_activated_cb (BkMapView    *self,
                     BkPointKind   kind,
                     gint64        id,
                     const char   *camera_id,
                     BkPointLayer *layer)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, id);
  switch (kind)
    {
    case BK_POINT_KIND_INCIDENT:
      set_selection (self, BK_OBJECT_INCIDENT, text);
      break;

    case BK_POINT_KIND_UNIT:
      set_selection (self, BK_OBJECT_UNIT, text);
      break;

    case BK_POINT_KIND_CAMERA:
      if (camera_id != NULL)
        set_selection (self, BK_OBJECT_CAMERA, camera_id);
      break;

    case BK_POINT_KIND_CLUSTER:
    case BK_POINT_KIND_NONE:
    default:
      break;
    }
}

static void
set_picking (BkMapView *self,
             gboolean   picking)
{
  self->picking = picking;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->map), picking ? "crosshair" : NULL);
  /* Escape (this action) also leaves picking. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "map.clear-selection",
                                 picking || self->selection_kind != BK_OBJECT_NONE);
}

/* Keys act on the map once it was clicked, like any other focusable view. While a location
 * is being picked, the click is that location and selects nothing. */
static void
click_pressed_cb (BkMapView       *self,
                  int              n_press,
                  double           x,
                  double           y,
                  GtkGestureClick *gesture)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));

  if (self->picking)
    {
      double lat, lon;

      shumate_viewport_widget_coords_to_location (self->viewport, GTK_WIDGET (self->map),
                                                  x, y, &lat, &lon);
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      set_picking (self, FALSE);
      g_signal_emit (self, signals[LOCATION_PICKED], 0, lat, lon);
    }
}

void
bk_map_view_pick_location (BkMapView *self)
{
  g_return_if_fail (BK_IS_MAP_VIEW (self));

  set_picking (self, TRUE);
}

void
bk_map_view_cancel_pick (BkMapView *self)
{
  g_return_if_fail (BK_IS_MAP_VIEW (self));

  if (!self->picking)
    return;
  set_picking (self, FALSE);
  g_signal_emit (self, signals[PICK_CANCELLED], 0);
}

gboolean
bk_map_view_get_picking (BkMapView *self)
{
  g_return_val_if_fail (BK_IS_MAP_VIEW (self), FALSE);

  return self->picking;
}

/* ---- settings --------------------------------------------------------------------------- */

static void
apply_layers (BkMapView *self)
{
  bk_point_layer_set_show_cameras (self->point_layer,
                                   g_settings_get_boolean (self->settings, "layer-cameras"));
  bk_point_layer_set_show_incidents (self->point_layer,
                                     g_settings_get_boolean (self->settings, "layer-incidents"));
  bk_point_layer_set_show_units (self->point_layer,
                                 g_settings_get_boolean (self->settings, "layer-units"));
  gtk_widget_set_visible (GTK_WIDGET (self->district_layer),
                          g_settings_get_boolean (self->settings, "layer-districts"));
}

static void
settings_changed_cb (BkMapView  *self,
                     const char *key,
                     GSettings  *settings)
{
  if (g_str_equal (key, "basemap-source") || g_str_equal (key, "xyz-url-template")
      || g_str_equal (key, "mbtiles-path"))
    {
      apply_basemap (self);
    }
  else if (g_str_has_prefix (key, "layer-"))
    {
      apply_layers (self);
      if (g_str_equal (key, "layer-dispatch-lines") && self->live_state != NULL)
        {
          GListModel *units = bk_live_state_get_units (self->live_state);
          for (guint i = 0; i < g_list_model_get_n_items (units); i++)
            {
              g_autoptr(BcUnit) unit = g_list_model_get_item (units, i);
              show_unit (self, unit);
            }
        }
    }
  else if (g_str_has_prefix (key, "overdue-") && self->live_state != NULL)
    {
      overdue_check_cb (self);
      ensure_overdue_timer (self);
    }
}

void
bk_map_view_set_settings (BkMapView *self,
                          GSettings *settings)
{
  double lat, lon, zoom;

  g_return_if_fail (BK_IS_MAP_VIEW (self));
  g_return_if_fail (G_IS_SETTINGS (settings));

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  g_signal_connect_object (settings, "changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);

  apply_basemap (self);
  apply_layers (self);

  g_settings_get (settings, "last-view", "(ddd)", &lat, &lon, &zoom);
  bk_map_view_go_to (self, lat, lon, zoom, FALSE);
  self->view_restored = TRUE;
}

void
bk_map_view_set_live_state (BkMapView   *self,
                            BkLiveState *live_state)
{
  g_return_if_fail (BK_IS_MAP_VIEW (self));
  g_return_if_fail (live_state == NULL || BK_IS_LIVE_STATE (live_state));

  if (self->live_state == live_state)
    return;

  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  g_clear_handle_id (&self->overdue_id, g_source_remove);
  g_set_object (&self->live_state, live_state);
  set_selection (self, BK_OBJECT_NONE, NULL);

  if (live_state != NULL)
    {
      g_signal_connect_object (live_state, "incident-changed",
                               G_CALLBACK (incident_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (live_state, "incident-removed",
                               G_CALLBACK (incident_removed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (live_state, "unit-changed",
                               G_CALLBACK (unit_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (live_state, "cameras-added",
                               G_CALLBACK (cameras_added_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (live_state, "camera-changed",
                               G_CALLBACK (camera_changed_cb), self, G_CONNECT_SWAPPED);
      /* Cameras are fetched once the first snapshot is in (the session is known good). */
      g_signal_connect_object (live_state, "notify::loaded",
                               G_CALLBACK (schedule_settle), self, G_CONNECT_SWAPPED);
    }

  show_everything (self);
  schedule_settle (self);
}

ShumateMap *
bk_map_view_get_map (BkMapView *self)
{
  g_return_val_if_fail (BK_IS_MAP_VIEW (self), NULL);

  return self->map;
}

ShumateViewport *
bk_map_view_get_viewport (BkMapView *self)
{
  g_return_val_if_fail (BK_IS_MAP_VIEW (self), NULL);

  return self->viewport;
}

BkDistrictLayer *
bk_map_view_get_district_layer (BkMapView *self)
{
  g_return_val_if_fail (BK_IS_MAP_VIEW (self), NULL);

  return self->district_layer;
}

BkPointLayer *
bk_map_view_get_point_layer (BkMapView *self)
{
  g_return_val_if_fail (BK_IS_MAP_VIEW (self), NULL);

  return self->point_layer;
}

/* ---- actions ---------------------------------------------------------------------------- */

static void
pan_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  BkMapView *self = BK_MAP_VIEW (widget);
  int dx, dy;
  double width = gtk_widget_get_width (GTK_WIDGET (self->map));
  double height = gtk_widget_get_height (GTK_WIDGET (self->map));
  double lat, lon;

  g_variant_get (parameter, "(ii)", &dx, &dy);

  /* A quarter of the view per key press: far enough to matter, near enough to follow. */
  shumate_viewport_widget_coords_to_location (self->viewport, GTK_WIDGET (self->map),
                                              width / 2 + dx * width / 4,
                                              height / 2 + dy * height / 4,
                                              &lat, &lon);
  bk_map_view_go_to (self, lat, lon, shumate_viewport_get_zoom_level (self->viewport), FALSE);
}

/* shumate_map_zoom_in() steps a fifth of a level in 1.0.3; a key press should go one whole
 * level, quickly, about the centre. */
static void
zoom_by (BkMapView *self,
         int        levels)
{
  ShumateLocation *center = SHUMATE_LOCATION (self->viewport);
  double zoom = round (shumate_viewport_get_zoom_level (self->viewport)) + levels;

  zoom = CLAMP (zoom,
                shumate_viewport_get_min_zoom_level (self->viewport),
                shumate_viewport_get_max_zoom_level (self->viewport));
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    shumate_map_go_to_full_with_duration (self->map,
                                          shumate_location_get_latitude (center),
                                          shumate_location_get_longitude (center),
                                          zoom, ZOOM_MS);
  else
    shumate_viewport_set_zoom_level (self->viewport, zoom);
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  zoom_by (BK_MAP_VIEW (widget), 1);
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  zoom_by (BK_MAP_VIEW (widget), -1);
}

static void
clear_selection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  BkMapView *self = BK_MAP_VIEW (widget);

  /* Escape first leaves picking a location. */
  if (self->picking)
    bk_map_view_cancel_pick (self);
  else
    bk_map_view_clear_selection (self);
}

static void
show_selection_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  BkMapView *self = BK_MAP_VIEW (widget);
  double lat, lon;

  if (lookup_position (self, self->selection_kind, self->selection_id, &lat, &lon))
    bk_map_view_go_to (self, lat, lon,
                       MAX (shumate_viewport_get_zoom_level (self->viewport), FLY_MIN_ZOOM),
                       TRUE);
}

/* ---- legend ----------------------------------------------------------------------------- */

static void
add_legend_row (BkMapView  *self,
                int         row,
                int         column,
                const char *css_class,
                const char *text)
{
  GtkWidget *swatch = gtk_label_new (NULL);
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (swatch, "legend-swatch");
  gtk_widget_add_css_class (swatch, css_class);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_widget_add_css_class (label, "legend-text");
  gtk_grid_attach (self->legend, swatch, column * 2, row, 1, 1);
  gtk_grid_attach (self->legend, label, column * 2 + 1, row, 1, 1);
}

static void
build_legend (BkMapView *self)
{
  GtkWidget *heading;

  heading = gtk_label_new (_("Incidents"));
  gtk_label_set_xalign (GTK_LABEL (heading), 0.0f);
  gtk_widget_add_css_class (heading, "legend-heading");
  gtk_grid_attach (self->legend, heading, 0, 0, 2, 1);
  add_legend_row (self, 1, 0, "legend-p1", _("Priority 1"));
  add_legend_row (self, 2, 0, "legend-p2", _("Priority 2"));
  add_legend_row (self, 3, 0, "legend-p3", _("Priority 3"));
  add_legend_row (self, 4, 0, "legend-p4", _("Priority 4"));

  heading = gtk_label_new (_("Units"));
  gtk_label_set_xalign (GTK_LABEL (heading), 0.0f);
  gtk_widget_add_css_class (heading, "legend-heading");
  gtk_grid_attach (self->legend, heading, 2, 0, 2, 1);
  add_legend_row (self, 1, 1, "legend-available", bc_unit_status_label (BC_UNIT_STATUS_AVAILABLE));
  add_legend_row (self, 2, 1, "legend-dispatched", bc_unit_status_label (BC_UNIT_STATUS_DISPATCHED));
  add_legend_row (self, 3, 1, "legend-en-route", bc_unit_status_label (BC_UNIT_STATUS_EN_ROUTE));
  add_legend_row (self, 4, 1, "legend-on-scene", bc_unit_status_label (BC_UNIT_STATUS_ON_SCENE));

  heading = gtk_label_new (_("Cameras"));
  gtk_label_set_xalign (GTK_LABEL (heading), 0.0f);
  gtk_widget_add_css_class (heading, "legend-heading");
  gtk_grid_attach (self->legend, heading, 4, 0, 2, 1);
  add_legend_row (self, 1, 2, "legend-camera-online", _("Online"));
  add_legend_row (self, 2, 2, "legend-camera-offline", _("Offline"));
  add_legend_row (self, 3, 2, "legend-cluster", _("Group"));
}

/* ---- class ------------------------------------------------------------------------------ */

static void
bk_map_view_dispose (GObject *object)
{
  BkMapView *self = BK_MAP_VIEW (object);

  g_clear_handle_id (&self->settle_id, g_source_remove);
  g_clear_handle_id (&self->overdue_id, g_source_remove);
  g_cancellable_cancel (self->mbtiles_cancellable);
  g_clear_object (&self->mbtiles_cancellable);
  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  g_clear_object (&self->live_state);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->base_source);
  if (self->viewport != NULL)
    g_signal_handlers_disconnect_by_data (self->viewport, self);
  g_clear_object (&self->viewport);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_MAP_VIEW);

  G_OBJECT_CLASS (bk_map_view_parent_class)->dispose (object);
}

static void
bk_map_view_finalize (GObject *object)
{
  BkMapView *self = BK_MAP_VIEW (object);

  g_free (self->selection_id);
  g_clear_pointer (&self->overdue, g_hash_table_unref);

  G_OBJECT_CLASS (bk_map_view_parent_class)->finalize (object);
}

static void
bk_map_view_class_init (BkMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_map_view_dispose;
  object_class->finalize = bk_map_view_finalize;

  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Something the user should know about (a base map that cannot be used): a message. */
  signals[ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A location was picked with a click (bk_map_view_pick_location): latitude, longitude. */
  signals[LOCATION_PICKED] =
    g_signal_new ("location-picked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  /* Picking a location was given up (Escape, or bk_map_view_cancel_pick). */
  signals[PICK_CANCELLED] =
    g_signal_new ("pick-cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (SHUMATE_TYPE_MAP);
  g_type_ensure (SHUMATE_TYPE_SCALE);
  g_type_ensure (SHUMATE_TYPE_LICENSE);

  gtk_widget_class_set_template_from_resource (widget_class, "/cn/jingmen/Beacon/bk-map-view.ui");
  gtk_widget_class_bind_template_child (widget_class, BkMapView, overlay);
  gtk_widget_class_bind_template_child (widget_class, BkMapView, map);
  gtk_widget_class_bind_template_child (widget_class, BkMapView, incidents_count);
  gtk_widget_class_bind_template_child (widget_class, BkMapView, new_count);
  gtk_widget_class_bind_template_child (widget_class, BkMapView, units_count);
  gtk_widget_class_bind_template_child (widget_class, BkMapView, cameras_count);
  gtk_widget_class_bind_template_child (widget_class, BkMapView, legend);
  gtk_widget_class_bind_template_child (widget_class, BkMapView, scale);
  gtk_widget_class_bind_template_child (widget_class, BkMapView, position_label);
  gtk_widget_class_bind_template_child (widget_class, BkMapView, license);

  gtk_widget_class_install_action (widget_class, "map.pan", "(ii)", pan_action);
  gtk_widget_class_install_action (widget_class, "map.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "map.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "map.clear-selection", NULL,
                                   clear_selection_action);
  gtk_widget_class_install_action (widget_class, "map.show-selection", NULL,
                                   show_selection_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "map.pan", "(ii)", -1, 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "map.pan", "(ii)", 1, 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, 0, "map.pan", "(ii)", 0, -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, 0, "map.pan", "(ii)", 0, 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Left, 0, "map.pan", "(ii)", -1, 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Right, 0, "map.pan", "(ii)", 1, 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Up, 0, "map.pan", "(ii)", 0, -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Down, 0, "map.pan", "(ii)", 0, 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_SHIFT_MASK, "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "map.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "map.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "map.clear-selection", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bk-map-view");
}

static void
bk_map_view_init (BkMapView *self)
{
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->overdue = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->viewport = g_object_ref (shumate_map_get_viewport (self->map));

  /* Bottom to top: the base map (set_base_source puts it under the districts), the district
   * boundaries, the points. */
  self->district_layer = bk_district_layer_new (self->viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->district_layer));
  self->point_layer = bk_point_layer_new (self->viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->point_layer));
  shumate_scale_set_viewport (self->scale, self->viewport);

  g_signal_connect_object (self->viewport, "notify::latitude",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->viewport, "notify::longitude",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->viewport, "notify::zoom-level",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->point_layer, "object-activated",
                           G_CALLBACK (object_activated_cb), self, G_CONNECT_SWAPPED);

  /* Capture phase, never claiming: the press still reaches the map and the point layer. */
  click = gtk_gesture_click_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect_object (click, "pressed", G_CALLBACK (click_pressed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->map), GTK_EVENT_CONTROLLER (click));

  shumate_map_set_go_to_duration (self->map, FLY_MS);
  build_legend (self);
  update_position_label (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "map.show-selection", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "map.clear-selection", FALSE);
}

BkMapView *
bk_map_view_new (void)
{
  return g_object_new (BK_TYPE_MAP_VIEW, NULL);
}

void
bk_map_view_set_interactive (BkMapView *self,
                             gboolean   interactive)
{
  g_return_if_fail (BK_IS_MAP_VIEW (self));

  /* The overlays are told apart by their style classes (bk-map-view.ui). */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->overlay));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_has_css_class (child, "map-controls") || gtk_widget_has_css_class (child, "counts"))
      gtk_widget_set_visible (child, interactive);
  gtk_widget_set_visible (GTK_WIDGET (self->position_label), interactive);
  gtk_widget_set_can_target (GTK_WIDGET (self->map), interactive);
  gtk_widget_set_focusable (GTK_WIDGET (self), interactive);
}
