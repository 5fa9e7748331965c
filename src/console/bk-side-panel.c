/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "bk-side-panel.h"

#define NEAR_RADIUS_M 300.0

typedef enum
{
  SHOWN_NOTHING,
  SHOWN_INCIDENT,
  SHOWN_UNIT,
  SHOWN_CAMERA,
} Shown;

/* Rows of the field grids, in display order. */
enum
{
  INCIDENT_TYPE,
  INCIDENT_PRIORITY,
  INCIDENT_ADDRESS,
  INCIDENT_DISTRICT,
  INCIDENT_CALLER,
  INCIDENT_CREATED,
  INCIDENT_DISPATCHED,
  INCIDENT_EN_ROUTE,
  INCIDENT_ON_SCENE,
  INCIDENT_ELAPSED,
  N_INCIDENT_FIELDS
};

enum
{
  UNIT_KIND,
  UNIT_STATION,
  UNIT_STATUS,
  UNIT_INCIDENT,
  UNIT_POSITION,
  UNIT_SPEED,
  UNIT_FIX_AGE,
  N_UNIT_FIELDS
};

enum
{
  CAMERA_CODE,
  CAMERA_KIND,
  CAMERA_ONLINE,
  CAMERA_STATION,
  CAMERA_POSITION,
  N_CAMERA_FIELDS
};

struct _BkSidePanel
{
  GtkWidget parent_instance;

  BkLiveState *live_state;
  gboolean show_caller;

  Shown shown;
  gint64 shown_id;
  char *shown_camera;
  char *title;
  char *video_error;

  GCancellable *near_cancellable;
  GListStore *near_cameras;
  GtkMediaStream *stream;
  guint tick_id;

  GtkWidget *box;
  GtkImage *kind_image;
  GtkLabel *title_label;
  GtkLabel *subtitle_label;
  GtkLabel *status_badge;
  GtkStack *stack;
  GtkLabel *incident_description;
  GtkGrid *incident_grid;
  GtkListBox *incident_units_list;
  GtkSpinner *near_spinner;
  GtkListBox *near_list;
  GtkGrid *unit_grid;
  GtkGrid *camera_grid;
  GtkButton *camera_stream_button;
  GtkRevealer *video_revealer;
  GtkLabel *video_title;
  GtkStack *video_stack;
  GtkVideo *video;
  GtkLabel *video_error_label;

  GtkLabel *incident_fields[N_INCIDENT_FIELDS];
  GtkLabel *unit_fields[N_UNIT_FIELDS];
  GtkLabel *camera_fields[N_CAMERA_FIELDS];
};

G_DEFINE_FINAL_TYPE (BkSidePanel, bk_side_panel, GTK_TYPE_WIDGET)

enum {
  CLOSE_REQUESTED,
  UNIT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- formatting ------------------------------------------------------------------------- */

static char *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (usec == 0)
    return g_strdup ("—");

  dt = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  now = g_date_time_new_now_local ();
  if (dt == NULL)
    return g_strdup ("—");

  /* The date only matters for incidents older than today. */
  if (g_date_time_get_year (dt) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (dt) == g_date_time_get_day_of_year (now))
    return g_date_time_format (dt, "%H:%M:%S");

  return g_date_time_format (dt, "%Y-%m-%d %H:%M");
}

static char *
format_age (gint64 usec)
{
  gint64 seconds;

  if (usec == 0)
    return g_strdup (_("No fix"));

  seconds = MAX (0, (g_get_real_time () - usec) / G_USEC_PER_SEC);
  if (seconds < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d second ago", "%d seconds ago",
                                         (gulong) seconds), (int) seconds);
  if (seconds < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute ago", "%d minutes ago",
                                         (gulong) (seconds / 60)), (int) (seconds / 60));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d hour ago", "%d hours ago",
                                       (gulong) (seconds / 3600)), (int) (seconds / 3600));
}

static char *
format_duration (gint64 usec)
{
  gint64 minutes = MAX (0, (g_get_real_time () - usec) / G_USEC_PER_SEC / 60);

  if (usec == 0)
    return g_strdup ("—");
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute", "%d minutes",
                                         (gulong) minutes), (int) minutes);
  return g_strdup_printf (_("%d h %02d min"), (int) (minutes / 60), (int) (minutes % 60));
}

static char *
format_position (double lat,
                 double lon)
{
  return g_strdup_printf ("%.5f, %.5f", lat, lon);
}

static const char *
or_dash (const char *text)
{
  return text != NULL && text[0] != '\0' ? text : "—";
}

static void
set_badge (BkSidePanel *self,
           const char  *text,
           const char  *css_class)
{
  static const char * const badge_classes[] = {
    "status-new", "status-dispatched", "status-en-route", "status-on-scene", "status-closed",
    "status-available", "status-off-duty", "status-online", "status-offline",
  };

  for (guint i = 0; i < G_N_ELEMENTS (badge_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_badge), badge_classes[i]);

  gtk_label_set_label (self->status_badge, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_badge), text != NULL);
  if (css_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_badge), css_class);
}

static const char *
incident_status_class (BcIncidentStatus status)
{
  switch (status)
    {
    case BC_INCIDENT_STATUS_NEW:
      return "status-new";
    case BC_INCIDENT_STATUS_DISPATCHED:
      return "status-dispatched";
    case BC_INCIDENT_STATUS_EN_ROUTE:
      return "status-en-route";
    case BC_INCIDENT_STATUS_ON_SCENE:
      return "status-on-scene";
    case BC_INCIDENT_STATUS_CLOSED:
    case BC_INCIDENT_STATUS_CANCELLED:
    default:
      return "status-closed";
    }
}

static const char *
unit_status_class (BcUnitStatus status)
{
  switch (status)
    {
    case BC_UNIT_STATUS_AVAILABLE:
      return "status-available";
    case BC_UNIT_STATUS_DISPATCHED:
      return "status-dispatched";
    case BC_UNIT_STATUS_EN_ROUTE:
      return "status-en-route";
    case BC_UNIT_STATUS_ON_SCENE:
      return "status-on-scene";
    case BC_UNIT_STATUS_OFF_DUTY:
    default:
      return "status-off-duty";
    }
}

static void
set_title (BkSidePanel *self,
           const char  *title,
           const char  *subtitle)
{
  g_free (self->title);
  self->title = g_strdup (title != NULL ? title : "");
  gtk_label_set_label (self->title_label, self->title);
  gtk_label_set_label (self->subtitle_label, subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label),
                          subtitle != NULL && subtitle[0] != '\0');
}

static GtkLabel *
add_field (GtkGrid    *grid,
           int         row,
           const char *name)
{
  GtkWidget *key = gtk_label_new (name);
  GtkWidget *value = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (key), 0.0f);
  gtk_label_set_yalign (GTK_LABEL (key), 0.0f);
  gtk_widget_add_css_class (key, "field-name");

  gtk_label_set_xalign (GTK_LABEL (value), 0.0f);
  gtk_label_set_wrap (GTK_LABEL (value), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_widget_set_hexpand (value, TRUE);
  gtk_widget_add_css_class (value, "field-value");

  gtk_grid_attach (grid, key, 0, row, 1, 1);
  gtk_grid_attach (grid, value, 1, row, 1, 1);

  return GTK_LABEL (value);
}

static void
set_field_visible (GtkLabel *value,
                   gboolean  visible)
{
  GtkWidget *grid = gtk_widget_get_parent (GTK_WIDGET (value));
  int column, row, width, height;

  gtk_grid_query_child (GTK_GRID (grid), GTK_WIDGET (value), &column, &row, &width, &height);
  gtk_widget_set_visible (gtk_grid_get_child_at (GTK_GRID (grid), 0, row), visible);
  gtk_widget_set_visible (GTK_WIDGET (value), visible);
}

/* ---- video ------------------------------------------------------------------------------ */

static void
show_video_error (BkSidePanel *self,
                  const char  *message)
{
  g_free (self->video_error);
  self->video_error = g_strdup (message);
  gtk_label_set_label (self->video_error_label, message);
  gtk_stack_set_visible_child_name (self->video_stack, "error");
}

static void
stream_error_cb (BkSidePanel    *self,
                 GParamSpec     *pspec,
                 GtkMediaStream *stream)
{
  const GError *error = gtk_media_stream_get_error (stream);
  g_autofree char *message = NULL;

  if (error == NULL)
    return;

  message = g_strdup_printf (_("Cannot open the video stream: %s"), error->message);
  show_video_error (self, message);
}

static void
close_video (BkSidePanel *self)
{
  gtk_video_set_media_stream (self->video, NULL);
  if (self->stream != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->stream, stream_error_cb, self);
      gtk_media_stream_pause (self->stream);
      g_clear_object (&self->stream);
    }
  g_clear_pointer (&self->video_error, g_free);
  gtk_revealer_set_reveal_child (self->video_revealer, FALSE);
}

void
bk_side_panel_play_stream (BkSidePanel *self,
                           const char  *name,
                           const char  *uri)
{
  g_autoptr(GFile) file = NULL;

  g_return_if_fail (BK_IS_SIDE_PANEL (self));

  close_video (self);
  gtk_label_set_label (self->video_title, name != NULL ? name : "");
  gtk_revealer_set_reveal_child (self->video_revealer, TRUE);

  if (uri == NULL || uri[0] == '\0')
    {
      show_video_error (self, _("This camera has no stream address."));
      return;
    }

  file = g_file_new_for_uri (uri);
  self->stream = gtk_media_file_new_for_file (file);

  /* Without a media module GTK hands out a GtkNoMediaFile that fails at once. */
  if (g_str_equal (G_OBJECT_TYPE_NAME (self->stream), "GtkNoMediaFile"))
    {
      show_video_error (self, _("Cannot open the video stream: video playback is not "
                                "available because GTK has no media backend installed."));
      return;
    }

  g_signal_connect_object (self->stream, "notify::error",
                           G_CALLBACK (stream_error_cb), self, G_CONNECT_SWAPPED);
  if (gtk_media_stream_get_error (self->stream) != NULL)
    {
      stream_error_cb (self, NULL, self->stream);
      return;
    }

  gtk_stack_set_visible_child_name (self->video_stack, "video");
  gtk_video_set_media_stream (self->video, self->stream);
  gtk_media_stream_play (self->stream);
}

const char *
bk_side_panel_get_video_error (BkSidePanel *self)
{
  g_return_val_if_fail (BK_IS_SIDE_PANEL (self), NULL);

  return self->video_error;
}

static void
camera_stream_button_clicked_cb (BkSidePanel *self)
{
  BcCamera *camera = NULL;

  if (self->shown_camera != NULL && self->live_state != NULL)
    camera = bk_live_state_lookup_camera (self->live_state, self->shown_camera);
  if (camera != NULL)
    bk_side_panel_play_stream (self, camera->name, camera->stream_uri);
}

/* ---- lists ------------------------------------------------------------------------------ */

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
placeholder_row (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "list-placeholder");
  return label;
}

static void
unit_row_activated_cb (BkSidePanel   *self,
                       GtkListBoxRow *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "unit-id");

  if (id != NULL)
    g_signal_emit (self, signals[UNIT_ACTIVATED], 0, *id);
}

static void
fill_incident_units (BkSidePanel *self,
                     BcIncident  *incident)
{
  const gint64 *ids;
  guint n_ids = 0;

  clear_list (self->incident_units_list);
  ids = bc_incident_get_units (incident, &n_ids);

  if (n_ids == 0)
    {
      gtk_list_box_set_placeholder (self->incident_units_list,
                                    placeholder_row (_("No unit assigned yet")));
      return;
    }

  for (guint i = 0; i < n_ids; i++)
    {
      BcUnit *unit = self->live_state != NULL
                     ? bk_live_state_lookup_unit (self->live_state, ids[i]) : NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *status = gtk_label_new (NULL);
      g_autofree char *fallback = NULL;

      if (unit != NULL)
        {
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), bc_unit_get_call_sign (unit));
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), or_dash (bc_unit_get_station (unit)));
          gtk_label_set_label (GTK_LABEL (status),
                               bc_unit_status_label (bc_unit_get_status (unit)));
          gtk_widget_add_css_class (status, "status-badge");
          gtk_widget_add_css_class (status, unit_status_class (bc_unit_get_status (unit)));
        }
      else
        {
          char number[32];

          g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, ids[i]);
          fallback = g_strdup_printf (_("Unit %s"), number);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), fallback);
        }

      gtk_widget_set_valign (status, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), status);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "unit-id",
                              g_memdup2 (&ids[i], sizeof ids[i]), g_free);
      gtk_list_box_append (self->incident_units_list, row);
    }
}

static void
near_play_clicked_cb (GtkButton   *button,
                      BkSidePanel *self)
{
  BcCamera *camera = g_object_get_data (G_OBJECT (button), "camera");

  if (camera != NULL)
    bk_side_panel_play_stream (self, camera->name, camera->stream_uri);
}

static void
near_cameras_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  BkLiveState *live_state = BK_LIVE_STATE (object);
  g_autoptr(BkSidePanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cameras = NULL;
  double lat = 0, lon = 0;
  BcIncident *incident;

  cameras = bk_live_state_cameras_near_finish (live_state, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_spinner_set_spinning (self->near_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->near_spinner), FALSE);
  clear_list (self->near_list);

  if (cameras == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot load nearby cameras: %s"),
                                                  error->message);
      gtk_list_box_set_placeholder (self->near_list, placeholder_row (message));
      return;
    }

  gtk_list_box_set_placeholder (self->near_list,
                                placeholder_row (_("No camera within 300 m")));

  incident = bk_live_state_lookup_incident (live_state, self->shown_id);
  if (incident != NULL)
    {
      lat = bc_incident_get_lat (incident);
      lon = bc_incident_get_lon (incident);
    }

  for (guint i = 0; i < cameras->len; i++)
    {
      BcCamera *camera = g_ptr_array_index (cameras, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_from_icon_name ("camera-video-symbolic");
      g_autofree char *subtitle = NULL;
      double distance = bc_geo_distance_m (lat, lon, camera->lat, camera->lon);

      /* Translators: distance in metres · camera kind · online state */
      subtitle = g_strdup_printf (_("%.0f m · %s · %s"), distance,
                                  bc_camera_kind_label (camera->kind),
                                  camera->online ? _("Online") : _("Offline"));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), camera->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, _("Open Stream"));
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data_full (G_OBJECT (button), "camera", bc_camera_ref (camera),
                              (GDestroyNotify) bc_camera_unref);
      g_signal_connect (button, "clicked", G_CALLBACK (near_play_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_widget_set_name (row, camera->id);
      gtk_list_box_append (self->near_list, row);
    }
}

static void
load_near_cameras (BkSidePanel *self,
                   BcIncident  *incident)
{
  g_cancellable_cancel (self->near_cancellable);
  g_clear_object (&self->near_cancellable);
  clear_list (self->near_list);
  gtk_list_box_set_placeholder (self->near_list, NULL);

  if (self->live_state == NULL)
    return;

  self->near_cancellable = g_cancellable_new ();
  gtk_widget_set_visible (GTK_WIDGET (self->near_spinner), TRUE);
  gtk_spinner_set_spinning (self->near_spinner, TRUE);
  bk_live_state_cameras_near_async (self->live_state,
                                    bc_incident_get_lat (incident),
                                    bc_incident_get_lon (incident),
                                    NEAR_RADIUS_M,
                                    self->near_cancellable,
                                    near_cameras_cb,
                                    g_object_ref (self));
}

/* ---- filling ---------------------------------------------------------------------------- */

static void
fill_incident (BkSidePanel *self,
               BcIncident  *incident)
{
  g_autofree char *priority = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *elapsed = NULL;
  const char *caller_name = bc_incident_get_caller_name (incident);
  const char *caller_phone = bc_incident_get_caller_phone (incident);
  struct {
    int field;
    gint64 usec;
  } times[] = {
    { INCIDENT_CREATED, bc_incident_get_created_at (incident) },
    { INCIDENT_DISPATCHED, bc_incident_get_dispatched_at (incident) },
    { INCIDENT_EN_ROUTE, bc_incident_get_en_route_at (incident) },
    { INCIDENT_ON_SCENE, bc_incident_get_on_scene_at (incident) },
  };

  subtitle = g_strdup_printf ("%s · %s", bc_incident_type_label (bc_incident_get_incident_type (incident)),
                              or_dash (bc_incident_get_address (incident)));
  set_title (self, bc_incident_get_number (incident), subtitle);
  gtk_image_set_from_icon_name (self->kind_image, "dialog-warning-symbolic");
  set_badge (self, bc_incident_status_label (bc_incident_get_status (incident)),
             incident_status_class (bc_incident_get_status (incident)));

  gtk_label_set_label (self->incident_description, or_dash (bc_incident_get_description (incident)));

  gtk_label_set_label (self->incident_fields[INCIDENT_TYPE],
                       bc_incident_type_label (bc_incident_get_incident_type (incident)));
  priority = g_strdup_printf (_("P%d"), bc_incident_get_priority (incident));
  gtk_label_set_label (self->incident_fields[INCIDENT_PRIORITY], priority);
  for (int p = 1; p <= 4; p++)
    {
      g_autofree char *css = g_strdup_printf ("priority-%d", p);
      if (p == bc_incident_get_priority (incident))
        gtk_widget_add_css_class (GTK_WIDGET (self->incident_fields[INCIDENT_PRIORITY]), css);
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->incident_fields[INCIDENT_PRIORITY]), css);
    }
  gtk_label_set_label (self->incident_fields[INCIDENT_ADDRESS],
                       or_dash (bc_incident_get_address (incident)));
  gtk_label_set_label (self->incident_fields[INCIDENT_DISTRICT],
                       or_dash (bc_incident_get_district (incident)));

  /* The server masks caller data for roles that may not see it; hide the row altogether. */
  set_field_visible (self->incident_fields[INCIDENT_CALLER], self->show_caller);
  if (self->show_caller)
    {
      g_autofree char *caller = NULL;

      if ((caller_name == NULL || caller_name[0] == '\0')
          && (caller_phone == NULL || caller_phone[0] == '\0'))
        caller = g_strdup (_("Anonymous"));
      else
        caller = g_strdup_printf ("%s  %s", or_dash (caller_name), or_dash (caller_phone));
      gtk_label_set_label (self->incident_fields[INCIDENT_CALLER], caller);
    }

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *text = format_time (times[i].usec);
      gtk_label_set_label (self->incident_fields[times[i].field], text);
    }

  elapsed = format_duration (bc_incident_get_created_at (incident));
  gtk_label_set_label (self->incident_fields[INCIDENT_ELAPSED], elapsed);

  fill_incident_units (self, incident);
}

static void
fill_unit (BkSidePanel *self,
           BcUnit      *unit)
{
  BcIncident *incident = NULL;
  g_autofree char *age = NULL;

  set_title (self, bc_unit_get_call_sign (unit),
             bc_unit_kind_label (bc_unit_get_kind (unit)));
  gtk_image_set_from_icon_name (self->kind_image, "emoji-travel-symbolic");
  set_badge (self, bc_unit_status_label (bc_unit_get_status (unit)),
             unit_status_class (bc_unit_get_status (unit)));

  gtk_label_set_label (self->unit_fields[UNIT_KIND], bc_unit_kind_label (bc_unit_get_kind (unit)));
  gtk_label_set_label (self->unit_fields[UNIT_STATION], or_dash (bc_unit_get_station (unit)));
  gtk_label_set_label (self->unit_fields[UNIT_STATUS],
                       bc_unit_status_label (bc_unit_get_status (unit)));

  if (bc_unit_get_incident (unit) != 0 && self->live_state != NULL)
    incident = bk_live_state_lookup_incident (self->live_state, bc_unit_get_incident (unit));
  if (incident != NULL)
    gtk_label_set_label (self->unit_fields[UNIT_INCIDENT], bc_incident_get_number (incident));
  else if (bc_unit_get_incident (unit) != 0)
    {
      g_autofree char *text = g_strdup_printf ("#%" G_GINT64_FORMAT, bc_unit_get_incident (unit));
      gtk_label_set_label (self->unit_fields[UNIT_INCIDENT], text);
    }
  else
    gtk_label_set_label (self->unit_fields[UNIT_INCIDENT], _("None"));

  if (bc_unit_get_has_position (unit))
    {
      g_autofree char *position = format_position (bc_unit_get_lat (unit), bc_unit_get_lon (unit));
      /* Translators: speed in km/h and heading in degrees */
      g_autofree char *speed = g_strdup_printf (_("%.0f km/h, heading %.0f°"),
                                                bc_unit_get_speed (unit) * 3.6,
                                                bc_unit_get_heading (unit));

      gtk_label_set_label (self->unit_fields[UNIT_POSITION], position);
      gtk_label_set_label (self->unit_fields[UNIT_SPEED], speed);
      age = format_age (bc_unit_get_position_at (unit));
    }
  else
    {
      gtk_label_set_label (self->unit_fields[UNIT_POSITION], _("No position"));
      gtk_label_set_label (self->unit_fields[UNIT_SPEED], "—");
      age = g_strdup (_("No fix"));
    }
  gtk_label_set_label (self->unit_fields[UNIT_FIX_AGE], age);
}

static void
fill_camera (BkSidePanel *self,
             BcCamera    *camera)
{
  g_autofree char *position = format_position (camera->lat, camera->lon);
  gboolean has_stream = camera->stream_uri != NULL && camera->stream_uri[0] != '\0';

  set_title (self, camera->name, bc_camera_kind_label (camera->kind));
  gtk_image_set_from_icon_name (self->kind_image, "camera-video-symbolic");
  set_badge (self, camera->online ? _("Online") : _("Offline"),
             camera->online ? "status-online" : "status-offline");

  gtk_label_set_label (self->camera_fields[CAMERA_CODE], camera->id);
  gtk_label_set_label (self->camera_fields[CAMERA_KIND], bc_camera_kind_label (camera->kind));
  gtk_label_set_label (self->camera_fields[CAMERA_ONLINE],
                       camera->online ? _("Online") : _("Offline"));
  gtk_label_set_label (self->camera_fields[CAMERA_STATION], or_dash (camera->station));
  gtk_label_set_label (self->camera_fields[CAMERA_POSITION], position);
  gtk_widget_set_sensitive (GTK_WIDGET (self->camera_stream_button), has_stream);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->camera_stream_button),
                               has_stream ? camera->stream_uri : _("This camera has no stream address."));
}

/* Position age and incident duration move with the clock; tick only while they are shown. */
static gboolean
tick_cb (gpointer user_data)
{
  BkSidePanel *self = user_data;

  if (self->live_state == NULL)
    return G_SOURCE_CONTINUE;

  if (self->shown == SHOWN_UNIT)
    {
      BcUnit *unit = bk_live_state_lookup_unit (self->live_state, self->shown_id);
      if (unit != NULL && bc_unit_get_has_position (unit))
        {
          g_autofree char *age = format_age (bc_unit_get_position_at (unit));
          gtk_label_set_label (self->unit_fields[UNIT_FIX_AGE], age);
        }
    }
  else if (self->shown == SHOWN_INCIDENT)
    {
      BcIncident *incident = bk_live_state_lookup_incident (self->live_state, self->shown_id);
      if (incident != NULL)
        {
          g_autofree char *elapsed = format_duration (bc_incident_get_created_at (incident));
          gtk_label_set_label (self->incident_fields[INCIDENT_ELAPSED], elapsed);
        }
    }

  return G_SOURCE_CONTINUE;
}

static void
update_tick (BkSidePanel *self)
{
  gboolean wanted = self->shown == SHOWN_UNIT || self->shown == SHOWN_INCIDENT;

  if (wanted && self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  else if (!wanted)
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

static void
refresh (BkSidePanel *self,
         gboolean     reload_lists)
{
  const char *page = "empty";

  switch (self->shown)
    {
    case SHOWN_INCIDENT:
      {
        BcIncident *incident = self->live_state != NULL
                               ? bk_live_state_lookup_incident (self->live_state, self->shown_id)
                               : NULL;
        if (incident == NULL)
          {
            self->shown = SHOWN_NOTHING;
            break;
          }
        fill_incident (self, incident);
        if (reload_lists)
          load_near_cameras (self, incident);
        page = "incident";
      }
      break;

    case SHOWN_UNIT:
      {
        BcUnit *unit = self->live_state != NULL
                       ? bk_live_state_lookup_unit (self->live_state, self->shown_id)
                       : NULL;
        if (unit == NULL)
          {
            self->shown = SHOWN_NOTHING;
            break;
          }
        fill_unit (self, unit);
        page = "unit";
      }
      break;

    case SHOWN_CAMERA:
      {
        BcCamera *camera = self->live_state != NULL
                           ? bk_live_state_lookup_camera (self->live_state, self->shown_camera)
                           : NULL;
        if (camera == NULL)
          {
            self->shown = SHOWN_NOTHING;
            break;
          }
        fill_camera (self, camera);
        page = "camera";
      }
      break;

    case SHOWN_NOTHING:
    default:
      break;
    }

  if (self->shown == SHOWN_NOTHING)
    {
      set_title (self, "", NULL);
      set_badge (self, NULL, NULL);
      gtk_image_set_from_icon_name (self->kind_image, "mark-location-symbolic");
      page = "empty";
    }

  gtk_stack_set_visible_child_name (self->stack, page);
  update_tick (self);
}

/* ---- live state ------------------------------------------------------------------------- */

static void
incident_changed_cb (BkSidePanel *self,
                     BcIncident  *incident)
{
  if (self->shown == SHOWN_INCIDENT && bc_incident_get_id (incident) == self->shown_id)
    refresh (self, FALSE);
  else if (self->shown == SHOWN_UNIT)
    refresh (self, FALSE);
}

static void
incident_removed_cb (BkSidePanel *self,
                     gint64       id)
{
  /* A closed incident leaves the live picture; keep its last details until dismissed. */
}

static void
unit_changed_cb (BkSidePanel *self,
                 BcUnit      *unit,
                 gboolean     position_only)
{
  if (self->shown == SHOWN_UNIT && bc_unit_get_id (unit) == self->shown_id)
    refresh (self, FALSE);
  else if (self->shown == SHOWN_INCIDENT && !position_only)
    {
      BcIncident *incident = bk_live_state_lookup_incident (self->live_state, self->shown_id);
      if (incident != NULL && bc_incident_has_unit (incident, bc_unit_get_id (unit)))
        fill_incident_units (self, incident);
    }
}

void
bk_side_panel_set_live_state (BkSidePanel *self,
                              BkLiveState *live_state)
{
  g_return_if_fail (BK_IS_SIDE_PANEL (self));
  g_return_if_fail (live_state == NULL || BK_IS_LIVE_STATE (live_state));

  if (self->live_state == live_state)
    return;

  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  g_set_object (&self->live_state, live_state);

  if (live_state != NULL)
    {
      g_signal_connect_object (live_state, "incident-changed",
                               G_CALLBACK (incident_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (live_state, "incident-removed",
                               G_CALLBACK (incident_removed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (live_state, "unit-changed",
                               G_CALLBACK (unit_changed_cb), self, G_CONNECT_SWAPPED);
    }

  bk_side_panel_clear (self);
}

void
bk_side_panel_set_show_caller (BkSidePanel *self,
                               gboolean     show_caller)
{
  g_return_if_fail (BK_IS_SIDE_PANEL (self));

  show_caller = !!show_caller;
  if (self->show_caller == show_caller)
    return;
  self->show_caller = show_caller;
  refresh (self, FALSE);
}

void
bk_side_panel_show_incident (BkSidePanel *self,
                             gint64       id)
{
  g_return_if_fail (BK_IS_SIDE_PANEL (self));

  self->shown = SHOWN_INCIDENT;
  self->shown_id = id;
  g_clear_pointer (&self->shown_camera, g_free);
  refresh (self, TRUE);
}

void
bk_side_panel_show_unit (BkSidePanel *self,
                         gint64       id)
{
  g_return_if_fail (BK_IS_SIDE_PANEL (self));

  self->shown = SHOWN_UNIT;
  self->shown_id = id;
  g_clear_pointer (&self->shown_camera, g_free);
  refresh (self, FALSE);
}

void
bk_side_panel_show_camera (BkSidePanel *self,
                           const char  *id)
{
  g_return_if_fail (BK_IS_SIDE_PANEL (self));
  g_return_if_fail (id != NULL);

  self->shown = SHOWN_CAMERA;
  self->shown_id = 0;
  g_free (self->shown_camera);
  self->shown_camera = g_strdup (id);
  refresh (self, FALSE);
}

void
bk_side_panel_clear (BkSidePanel *self)
{
  g_return_if_fail (BK_IS_SIDE_PANEL (self));

  g_cancellable_cancel (self->near_cancellable);
  g_clear_object (&self->near_cancellable);
  self->shown = SHOWN_NOTHING;
  self->shown_id = 0;
  g_clear_pointer (&self->shown_camera, g_free);
  refresh (self, FALSE);
}

const char *
bk_side_panel_get_title (BkSidePanel *self)
{
  g_return_val_if_fail (BK_IS_SIDE_PANEL (self), NULL);

  return self->title != NULL ? self->title : "";
}

/* ---- class ------------------------------------------------------------------------------ */

static void
panel_close_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_signal_emit (widget, signals[CLOSE_REQUESTED], 0);
}

static void
panel_close_video_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  close_video (BK_SIDE_PANEL (widget));
}

static void
bk_side_panel_dispose (GObject *object)
{
  BkSidePanel *self = BK_SIDE_PANEL (object);

  g_cancellable_cancel (self->near_cancellable);
  g_clear_object (&self->near_cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->video != NULL)
    close_video (self);
  if (self->live_state != NULL)
    g_signal_handlers_disconnect_by_data (self->live_state, self);
  g_clear_object (&self->live_state);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_SIDE_PANEL);

  G_OBJECT_CLASS (bk_side_panel_parent_class)->dispose (object);
}

static void
bk_side_panel_finalize (GObject *object)
{
  BkSidePanel *self = BK_SIDE_PANEL (object);

  g_free (self->shown_camera);
  g_free (self->title);
  g_free (self->video_error);

  G_OBJECT_CLASS (bk_side_panel_parent_class)->finalize (object);
}

static void
bk_side_panel_class_init (BkSidePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_side_panel_dispose;
  object_class->finalize = bk_side_panel_finalize;

  signals[CLOSE_REQUESTED] =
    g_signal_new ("close-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[UNIT_ACTIVATED] =
    g_signal_new ("unit-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/cn/jingmen/Beacon/bk-side-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, box);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, kind_image);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, title_label);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, status_badge);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, stack);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, incident_description);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, incident_grid);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, incident_units_list);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, near_spinner);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, near_list);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, unit_grid);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, camera_grid);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, camera_stream_button);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, video_revealer);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, video_title);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, video_stack);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, video);
  gtk_widget_class_bind_template_child (widget_class, BkSidePanel, video_error_label);
  gtk_widget_class_bind_template_callback (widget_class, unit_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, camera_stream_button_clicked_cb);

  gtk_widget_class_install_action (widget_class, "panel.close", NULL, panel_close_action);
  gtk_widget_class_install_action (widget_class, "panel.close-video", NULL,
                                   panel_close_video_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bk-side-panel");
}

static void
bk_side_panel_init (BkSidePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->incident_fields[INCIDENT_TYPE] = add_field (self->incident_grid, INCIDENT_TYPE, _("Type"));
  self->incident_fields[INCIDENT_PRIORITY] = add_field (self->incident_grid, INCIDENT_PRIORITY, _("Priority"));
  self->incident_fields[INCIDENT_ADDRESS] = add_field (self->incident_grid, INCIDENT_ADDRESS, _("Address"));
  self->incident_fields[INCIDENT_DISTRICT] = add_field (self->incident_grid, INCIDENT_DISTRICT, _("District"));
  self->incident_fields[INCIDENT_CALLER] = add_field (self->incident_grid, INCIDENT_CALLER, _("Caller"));
  self->incident_fields[INCIDENT_CREATED] = add_field (self->incident_grid, INCIDENT_CREATED, _("Received"));
  self->incident_fields[INCIDENT_DISPATCHED] = add_field (self->incident_grid, INCIDENT_DISPATCHED, _("Dispatched"));
  self->incident_fields[INCIDENT_EN_ROUTE] = add_field (self->incident_grid, INCIDENT_EN_ROUTE, _("En route"));
  self->incident_fields[INCIDENT_ON_SCENE] = add_field (self->incident_grid, INCIDENT_ON_SCENE, _("On scene"));
  self->incident_fields[INCIDENT_ELAPSED] = add_field (self->incident_grid, INCIDENT_ELAPSED, _("Elapsed"));

  self->unit_fields[UNIT_KIND] = add_field (self->unit_grid, UNIT_KIND, _("Kind"));
  self->unit_fields[UNIT_STATION] = add_field (self->unit_grid, UNIT_STATION, _("Station"));
  self->unit_fields[UNIT_STATUS] = add_field (self->unit_grid, UNIT_STATUS, _("Status"));
  self->unit_fields[UNIT_INCIDENT] = add_field (self->unit_grid, UNIT_INCIDENT, _("Incident"));
  self->unit_fields[UNIT_POSITION] = add_field (self->unit_grid, UNIT_POSITION, _("Position"));
  self->unit_fields[UNIT_SPEED] = add_field (self->unit_grid, UNIT_SPEED, _("Speed"));
  self->unit_fields[UNIT_FIX_AGE] = add_field (self->unit_grid, UNIT_FIX_AGE, _("Last fix"));

  self->camera_fields[CAMERA_CODE] = add_field (self->camera_grid, CAMERA_CODE, _("Device code"));
  self->camera_fields[CAMERA_KIND] = add_field (self->camera_grid, CAMERA_KIND, _("Kind"));
  self->camera_fields[CAMERA_ONLINE] = add_field (self->camera_grid, CAMERA_ONLINE, _("State"));
  self->camera_fields[CAMERA_STATION] = add_field (self->camera_grid, CAMERA_STATION, _("Station"));
  self->camera_fields[CAMERA_POSITION] = add_field (self->camera_grid, CAMERA_POSITION, _("Position"));

  refresh (self, FALSE);
}

BkSidePanel *
bk_side_panel_new (void)
{
  return g_object_new (BK_TYPE_SIDE_PANEL, NULL);
}
