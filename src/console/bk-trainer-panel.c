/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-trainer-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "bc-event.h"
#include "bc-time.h"

#define PICK_GESTURE_NAME "bk-trainer-pick"

struct _BkTrainerPanel
{
  GtkWidget parent_instance;

  BcClient *client;
  BkMapView *map_view;          /* weak */
  GtkGesture *pick_gesture;     /* owned by the map view */
  GCancellable *cancellable;

  gboolean playing;
  guint speed;
  gint64 clock_us;              /* the scenario clock at clock_synced_at */
  gint64 clock_synced_at;       /* monotonic */
  gboolean picking;
  gboolean updating;            /* the speed menu follows the server: no request */
  guint n_pending;
  guint tick_id;
  char *clock_text;
  GtkWindow *report_window;     /* weak */
  GFile *export_file;           /* where the report being downloaded goes */

  GtkDropDown *speed_dropdown;
  GtkDropDown *type_dropdown;
  GtkDropDown *priority_dropdown;
  GtkLabel *clock_label;
  GtkLabel *state_label;
  GtkLabel *hint_label;
  GtkToggleButton *pick_button;
};

G_DEFINE_FINAL_TYPE (BkTrainerPanel, bk_trainer_panel, GTK_TYPE_WIDGET)

static const guint speeds[] = { 1, 2, 5, 10, 30 };

static void open_report_window (BkTrainerPanel *self,
                                JsonObject     *report);

/* ---- requests ------------------------------------------------------------------------- */

typedef void (*ReplyFunc) (BkTrainerPanel *self,
                           GBytes         *body,
                           const GError   *error);

typedef struct
{
  BkTrainerPanel *self;
  SoupMessage *msg;
  ReplyFunc reply;
} Request;

static void
request_free (Request *request)
{
  g_object_unref (request->self);
  g_object_unref (request->msg);
  g_free (request);
}

static void
request_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Request *request = user_data;
  BkTrainerPanel *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result,
                                                              &error);
  guint status = soup_message_get_status (request->msg);

  self->n_pending--;
  if (body != NULL && !SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *message = NULL;

      /* The API's errors are {"error": {"code", "message"}}; show the message. */
      if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                      (gssize) g_bytes_get_size (body), NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          JsonObject *root = json_node_get_object (json_parser_get_root (parser));
          JsonObject *err = json_object_get_object_member (root, "error");

          if (err != NULL)
            message = json_object_get_string_member_with_default (err, "message", NULL);
        }
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                           message != NULL ? message : soup_status_get_phrase (status));
      g_clear_pointer (&body, g_bytes_unref);
    }

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && request->reply != NULL)
    request->reply (self, body, error);
  request_free (request);
}

static void
send_request (BkTrainerPanel *self,
              const char     *method,
              const char     *path,
              JsonNode       *body,
              ReplyFunc       reply)
{
  g_autofree char *uri = g_strconcat (bc_client_get_base_url (self->client), "/api/v1", path,
                                      NULL);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", bc_client_get_token (self->client));
  Request *request = g_new0 (Request, 1);

  request->self = g_object_ref (self);
  request->reply = reply;
  request->msg = soup_message_new (method, uri);
  soup_message_headers_replace (soup_message_get_request_headers (request->msg),
                                "Authorization", auth);
  if (body != NULL)
    {
      g_autofree char *text = json_to_string (body, FALSE);
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), strlen (text));

      soup_message_set_request_body_from_bytes (request->msg, "application/json", bytes);
    }

  self->n_pending++;
  soup_session_send_and_read_async (bc_client_get_session (self->client), request->msg,
                                    G_PRIORITY_DEFAULT, self->cancellable, request_done_cb,
                                    request);
}

static JsonObject *
parse_object (GBytes      *body,
              JsonParser **parser_out)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (body == NULL ||
      !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                   (gssize) g_bytes_get_size (body), NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  *parser_out = g_steal_pointer (&parser);
  return json_node_get_object (root);
}

static void
show_hint (BkTrainerPanel *self,
           const char     *text)
{
  gtk_label_set_label (self->hint_label, text != NULL ? text : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->hint_label), text);
}

/* ---- state ---------------------------------------------------------------------------- */

static void
update_clock (BkTrainerPanel *self)
{
  gint64 clock = self->clock_us;
  g_autoptr(GDateTime) dt = NULL;

  if (clock == 0)
    return;
  /* Between the server's syncs (every scenario minute) the clock runs on here. */
  if (self->playing)
    clock += (g_get_monotonic_time () - self->clock_synced_at) * self->speed;

  dt = g_date_time_new_from_unix_local (clock / G_USEC_PER_SEC);
  g_free (self->clock_text);
  self->clock_text = dt != NULL ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("--:--:--");
  gtk_label_set_label (self->clock_label, self->clock_text);
}

static gboolean
tick_cb (gpointer user_data)
{
  update_clock (user_data);
  return G_SOURCE_CONTINUE;
}

static void
apply_state (BkTrainerPanel *self,
             JsonObject     *state)
{
  const char *clock = json_object_get_string_member_with_default (state, "clock", NULL);
  gint64 speed = json_object_get_int_member_with_default (state, "speed", self->speed);
  g_autofree char *text = NULL;

  self->playing = json_object_get_boolean_member_with_default (state, "playing", FALSE);
  self->speed = (guint) CLAMP (speed, 1, 1000);
  if (clock != NULL && bc_time_parse (clock, &self->clock_us, NULL))
    self->clock_synced_at = g_get_monotonic_time ();

  self->updating = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (speeds); i++)
    if (speeds[i] == self->speed)
      gtk_drop_down_set_selected (self->speed_dropdown, i);
  self->updating = FALSE;

  if (self->playing)
    text = g_strdup_printf (_("Playing %u×"), self->speed);
  else
    text = g_strdup (_("Paused"));
  gtk_label_set_label (self->state_label, text);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "trainer.play", !self->playing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "trainer.pause", self->playing);
  update_clock (self);
}

static void
state_reply (BkTrainerPanel *self,
             GBytes         *body,
             const GError   *error)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *state;

  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The simulator refused: %s"),
                                                  error->message);
      show_hint (self, message);
      return;
    }
  state = parse_object (body, &parser);
  if (state != NULL)
    apply_state (self, state);
}

static void
event_cb (BkTrainerPanel *self,
          BcEvent        *event)
{
  if (g_strcmp0 (event->type, BC_EVENT_SIM_STATE) == 0 && JSON_NODE_HOLDS_OBJECT (event->data))
    apply_state (self, json_node_get_object (event->data));
}

static void
control (BkTrainerPanel *self,
         const char     *action,
         guint           speed)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "action");
  json_builder_add_string_value (b, action);
  if (speed > 0)
    {
      json_builder_set_member_name (b, "speed");
      json_builder_add_int_value (b, speed);
    }
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  send_request (self, "POST", "/sim/control", body, state_reply);
}

/* ---- actions -------------------------------------------------------------------------- */

static void
play_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  control (BK_TRAINER_PANEL (widget), "play", 0);
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  control (BK_TRAINER_PANEL (widget), "pause", 0);
}

static void
reset_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  control (BK_TRAINER_PANEL (widget), "reset", 0);
}

static void
speed_selected_cb (BkTrainerPanel *self)
{
  guint selected = gtk_drop_down_get_selected (self->speed_dropdown);

  if (self->updating || selected >= G_N_ELEMENTS (speeds) || speeds[selected] == self->speed)
    return;
  control (self, "speed", speeds[selected]);
}

static void
set_picking (BkTrainerPanel *self,
             gboolean        picking)
{
  self->picking = picking;
  if (self->map_view != NULL)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self->map_view),
                                     picking ? "crosshair" : NULL);
  show_hint (self, picking ? _("Click on the map where the incident happens.") : NULL);
  if (gtk_toggle_button_get_active (self->pick_button) != picking)
    gtk_toggle_button_set_active (self->pick_button, picking);
}

static void
pick_toggled_cb (BkTrainerPanel *self)
{
  gboolean active = gtk_toggle_button_get_active (self->pick_button);

  if (active != self->picking)
    set_picking (self, active);
}

static void
pick_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BkTrainerPanel *self = BK_TRAINER_PANEL (widget);

  set_picking (self, !self->picking);
}

static void
report_reply (BkTrainerPanel *self,
              GBytes         *body,
              const GError   *error)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *report;

  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot load the report: %s"),
                                                  error->message);
      show_hint (self, message);
      return;
    }
  report = parse_object (body, &parser);
  if (report != NULL)
    open_report_window (self, report);
}

static void
report_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  send_request (BK_TRAINER_PANEL (widget), "GET", "/sim/report?format=json", NULL,
                report_reply);
}

/* ---- inject --------------------------------------------------------------------------- */

static void
inject_reply (BkTrainerPanel *self,
              GBytes         *body,
              const GError   *error)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *incident;
  g_autofree char *message = NULL;

  if (error != NULL)
    {
      message = g_strdup_printf (_("Cannot inject the incident: %s"), error->message);
      show_hint (self, message);
      return;
    }
  incident = parse_object (body, &parser);
  message = g_strdup_printf (_("Injected incident %s."),
                             incident != NULL
                             ? json_object_get_string_member_with_default (incident, "number", "")
                             : "");
  show_hint (self, message);
}

static void
pick_pressed_cb (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 BkTrainerPanel  *self)
{
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) body = NULL;
  ShumateMap *map;
  graphene_point_t in, out;
  double lat, lon;
  guint type, priority;

  if (!self->picking || self->map_view == NULL)
    return;

  /* The click is the trainer's, not the map's: no selection, no drag. */
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);

  map = bk_map_view_get_map (self->map_view);
  graphene_point_init (&in, (float) x, (float) y);
  if (!gtk_widget_compute_point (GTK_WIDGET (self->map_view), GTK_WIDGET (map), &in, &out))
    out = in;
  shumate_viewport_widget_coords_to_location (bk_map_view_get_viewport (self->map_view),
                                              GTK_WIDGET (map), out.x, out.y, &lat, &lon);

  type = gtk_drop_down_get_selected (self->type_dropdown);
  priority = gtk_drop_down_get_selected (self->priority_dropdown) + 1;

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "action");
  json_builder_add_string_value (b, "inject");
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, bc_incident_type_to_string ((BcIncidentType) type));
  json_builder_set_member_name (b, "priority");
  json_builder_add_int_value (b, priority);
  json_builder_set_member_name (b, "lat");
  json_builder_add_double_value (b, lat);
  json_builder_set_member_name (b, "lon");
  json_builder_add_double_value (b, lon);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  send_request (self, "POST", "/sim/control", body, inject_reply);

  set_picking (self, FALSE);
}

/* ---- report window -------------------------------------------------------------------- */

typedef struct
{
  BkTrainerPanel *self;
  char *format;
} ExportData;

static void
export_written_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    g_warning ("Cannot save the report: %s", error->message);
}

static void
export_reply (BkTrainerPanel *self,
              GBytes         *body,
              const GError   *error)
{
  g_autoptr(GFile) file = g_steal_pointer (&self->export_file);

  if (error != NULL || file == NULL)
    {
      if (error != NULL)
        g_warning ("Cannot export the report: %s", error->message);
      return;
    }
  g_file_replace_contents_bytes_async (file, body, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       NULL, export_written_cb, NULL);
}

static void
export_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    ExportData      *data)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = g_strdup_printf ("/sim/report?format=%s", data->format);

      g_clear_object (&data->self->export_file);
      data->self->export_file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      send_request (data->self, "GET", path, NULL, export_reply);
    }
  g_object_unref (data->self);
  g_free (data->format);
  g_free (data);
  g_object_unref (chooser);
}

static void
export (BkTrainerPanel *self,
        GtkWindow      *parent,
        const char     *format)
{
  GtkFileChooserNative *chooser;
  ExportData *data = g_new0 (ExportData, 1);
  g_autofree char *name = g_strdup_printf ("after-action-report.%s", format);

  chooser = gtk_file_chooser_native_new (_("Export the After-Action Report"), parent,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  data->self = g_object_ref (self);
  data->format = g_strdup (format);
  g_signal_connect (chooser, "response", G_CALLBACK (export_response_cb), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_csv_clicked_cb (GtkButton      *button,
                       BkTrainerPanel *self)
{
  export (self, GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button))), "csv");
}

static void
export_pdf_clicked_cb (GtkButton      *button,
                       BkTrainerPanel *self)
{
  export (self, GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button))), "pdf");
}

static const char *
verdict_label (const char *verdict)
{
  if (g_strcmp0 (verdict, "met") == 0)
    return _("Met");
  if (g_strcmp0 (verdict, "missed") == 0)
    return _("Missed");
  if (g_strcmp0 (verdict, "pending") == 0)
    return _("Pending");
  return _("n/a");
}

static char *
row_text (JsonObject *row,
          const char *column)
{
  if (strcmp (column, "type") == 0)
    {
      BcIncidentType type;

      if (bc_incident_type_from_string (json_object_get_string_member_with_default (row, "type", ""),
                                        &type))
        return g_strdup (bc_incident_type_label (type));
      return g_strdup ("");
    }
  if (strcmp (column, "priority") == 0)
    return g_strdup_printf ("P%" G_GINT64_FORMAT,
                            json_object_get_int_member_with_default (row, "priority", 0));
  if (strcmp (column, "dispatch_s") == 0 || strcmp (column, "arrival_s") == 0)
    {
      JsonNode *node = json_object_get_member (row, column);
      const char *verdict = json_object_get_string_member_with_default (
        row, column[0] == 'd' ? "dispatch" : "arrival", NULL);

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        return g_strdup (verdict_label (verdict));
      return g_strdup_printf ("%.0f s · %s", json_node_get_double (node),
                              verdict_label (verdict));
    }
  if (strcmp (column, "created_at") == 0)
    {
      const char *text = json_object_get_string_member_with_default (row, column, NULL);
      gint64 t = 0;
      g_autoptr(GDateTime) dt = NULL;

      if (text == NULL || !bc_time_parse (text, &t, NULL))
        return g_strdup ("");
      dt = g_date_time_new_from_unix_local (t / G_USEC_PER_SEC);
      return dt != NULL ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("");
    }
  return g_strdup (json_object_get_string_member_with_default (row, column, ""));
}

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              const char               *column)
{
  JsonObject *row = g_object_get_data (gtk_list_item_get_item (item), "row");
  g_autofree char *text = row != NULL ? row_text (row, column) : g_strdup ("");

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
open_report_window (BkTrainerPanel *self,
                    JsonObject     *report)
{
  static const struct { const char *column; const char *title; int width; } columns[] = {
    { "number", N_("Incident"), 150 },
    { "created_at", N_("Created"), 90 },
    { "type", N_("Type"), 110 },
    { "priority", N_("Priority"), 70 },
    { "address", N_("Address"), 240 },
    { "dispatch_s", N_("Dispatch"), 130 },
    { "arrival_s", N_("Arrival"), 130 },
  };
  g_autoptr(GListStore) store = g_list_store_new (G_TYPE_OBJECT);
  g_autofree char *summary = NULL;
  JsonArray *incidents = json_object_get_array_member (report, "incidents");
  JsonObject *totals = json_object_get_object_member (report, "totals");
  JsonNode *score = json_object_get_member (report, "score");
  GtkWidget *window, *box, *header, *button, *label, *scrolled, *view;
  const char *scenario;
  int n_incidents;

  if (self->report_window != NULL)
    gtk_window_destroy (self->report_window);

  for (guint i = 0; incidents != NULL && i < json_array_get_length (incidents); i++)
    {
      g_autoptr(GObject) item = g_object_new (G_TYPE_OBJECT, NULL);
      JsonObject *row = json_array_get_object_element (incidents, i);

      if (row == NULL)
        continue;
      g_object_set_data_full (item, "row", json_object_ref (row),
                              (GDestroyNotify) json_object_unref);
      g_list_store_append (store, item);
    }

  window = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), _("After-Action Report"));
  gtk_window_set_default_size (GTK_WINDOW (window), 980, 620);
  gtk_window_set_transient_for (GTK_WINDOW (window),
                                GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  adw_window_set_content (ADW_WINDOW (window), box);

  header = adw_header_bar_new ();
  button = gtk_button_new_with_mnemonic (_("Export _CSV…"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (export_csv_clicked_cb), self, 0);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), button);
  button = gtk_button_new_with_mnemonic (_("Export _PDF…"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (export_pdf_clicked_cb), self, 0);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), button);
  gtk_box_append (GTK_BOX (box), header);

  n_incidents = totals != NULL
                ? (int) json_object_get_int_member_with_default (totals, "incidents", 0) : 0;
  scenario = json_object_get_string_member_with_default (report, "scenario", "");
  if (score != NULL && !JSON_NODE_HOLDS_NULL (score))
    summary = g_strdup_printf (_("%s — incidents: %d, score %.0f / 100"), scenario, n_incidents,
                               json_node_get_double (score));
  else
    summary = g_strdup_printf (_("%s — incidents: %d, no target judged yet"), scenario,
                               n_incidents);
  label = gtk_label_new (summary);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "title-4");
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_box_append (GTK_BOX (box), label);

  view = gtk_column_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (
    G_LIST_MODEL (g_object_ref (store)))));
  gtk_column_view_set_show_row_separators (GTK_COLUMN_VIEW (view), TRUE);
  gtk_widget_add_css_class (view, "data-table");
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;

      g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), (gpointer) columns[i].column);
      column = gtk_column_view_column_new (_(columns[i].title), factory);
      gtk_column_view_column_set_fixed_width (column, columns[i].width);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, strcmp (columns[i].column, "address") == 0);
      gtk_column_view_append_column (GTK_COLUMN_VIEW (view), column);
      g_object_unref (column);
    }
  scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_box_append (GTK_BOX (box), scrolled);

  g_set_weak_pointer (&self->report_window, GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));
}

/* ---- object --------------------------------------------------------------------------- */

static void
fill_dropdowns (BkTrainerPanel *self)
{
  g_autoptr(GtkStringList) types = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) priorities = gtk_string_list_new (NULL);
  static const char *priority_names[] = {
    N_("P1 Emergency"), N_("P2 Urgent"), N_("P3 Routine"), N_("P4 Low"),
  };

  for (int t = BC_INCIDENT_TYPE_CRIMINAL; t <= BC_INCIDENT_TYPE_OTHER; t++)
    gtk_string_list_append (types, bc_incident_type_label ((BcIncidentType) t));
  for (guint p = 0; p < G_N_ELEMENTS (priority_names); p++)
    gtk_string_list_append (priorities, _(priority_names[p]));

  gtk_drop_down_set_model (self->type_dropdown, G_LIST_MODEL (types));
  gtk_drop_down_set_model (self->priority_dropdown, G_LIST_MODEL (priorities));
  gtk_drop_down_set_selected (self->priority_dropdown, 1);
}

static void
bk_trainer_panel_dispose (GObject *object)
{
  BkTrainerPanel *self = BK_TRAINER_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->map_view != NULL && self->pick_gesture != NULL)
    gtk_widget_remove_controller (GTK_WIDGET (self->map_view),
                                  GTK_EVENT_CONTROLLER (self->pick_gesture));
  self->pick_gesture = NULL;
  g_clear_weak_pointer (&self->map_view);
  if (self->report_window != NULL)
    gtk_window_destroy (self->report_window);
  g_clear_weak_pointer (&self->report_window);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_clear_object (&self->client);

  gtk_widget_dispose_template (GTK_WIDGET (self), BK_TYPE_TRAINER_PANEL);

  G_OBJECT_CLASS (bk_trainer_panel_parent_class)->dispose (object);
}

static void
bk_trainer_panel_finalize (GObject *object)
{
  BkTrainerPanel *self = BK_TRAINER_PANEL (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->export_file);
  g_free (self->clock_text);

  G_OBJECT_CLASS (bk_trainer_panel_parent_class)->finalize (object);
}

static void
bk_trainer_panel_class_init (BkTrainerPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bk_trainer_panel_dispose;
  object_class->finalize = bk_trainer_panel_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/cn/jingmen/Beacon/bk-trainer-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, BkTrainerPanel, speed_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BkTrainerPanel, type_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BkTrainerPanel, priority_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BkTrainerPanel, clock_label);
  gtk_widget_class_bind_template_child (widget_class, BkTrainerPanel, state_label);
  gtk_widget_class_bind_template_child (widget_class, BkTrainerPanel, hint_label);
  gtk_widget_class_bind_template_child (widget_class, BkTrainerPanel, pick_button);
  gtk_widget_class_bind_template_callback (widget_class, speed_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, pick_toggled_cb);

  gtk_widget_class_install_action (widget_class, "trainer.play", NULL, play_action);
  gtk_widget_class_install_action (widget_class, "trainer.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "trainer.reset", NULL, reset_action);
  gtk_widget_class_install_action (widget_class, "trainer.pick", NULL, pick_action);
  gtk_widget_class_install_action (widget_class, "trainer.report", NULL, report_action);
}

static void
bk_trainer_panel_init (BkTrainerPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->speed = 1;
  fill_dropdowns (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "trainer.pause", FALSE);
}

GtkWidget *
bk_trainer_panel_new (BcClient  *client,
                      BkMapView *map_view)
{
  BkTrainerPanel *self;

  g_return_val_if_fail (BC_IS_CLIENT (client), NULL);
  g_return_val_if_fail (BK_IS_MAP_VIEW (map_view), NULL);

  self = g_object_new (BK_TYPE_TRAINER_PANEL, NULL);
  self->client = g_object_ref (client);
  g_set_weak_pointer (&self->map_view, map_view);

  /* Capture phase: the pick must see the click before the map (selection, drag) does. */
  self->pick_gesture = gtk_gesture_click_new ();
  gtk_event_controller_set_name (GTK_EVENT_CONTROLLER (self->pick_gesture), PICK_GESTURE_NAME);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (self->pick_gesture),
                                              GTK_PHASE_CAPTURE);
  g_signal_connect_object (self->pick_gesture, "pressed", G_CALLBACK (pick_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (map_view), GTK_EVENT_CONTROLLER (self->pick_gesture));

  g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
  send_request (self, "GET", "/sim/state", NULL, state_reply);
  self->tick_id = g_timeout_add (250, tick_cb, self);

  return GTK_WIDGET (self);
}

gboolean
bk_trainer_panel_get_playing (BkTrainerPanel *self)
{
  g_return_val_if_fail (BK_IS_TRAINER_PANEL (self), FALSE);

  return self->playing;
}

guint
bk_trainer_panel_get_speed (BkTrainerPanel *self)
{
  g_return_val_if_fail (BK_IS_TRAINER_PANEL (self), 0);

  return self->speed;
}

const char *
bk_trainer_panel_get_clock_text (BkTrainerPanel *self)
{
  g_return_val_if_fail (BK_IS_TRAINER_PANEL (self), NULL);

  return self->clock_text;
}

void
bk_trainer_panel_set_speed (BkTrainerPanel *self,
                            guint           speed)
{
  g_return_if_fail (BK_IS_TRAINER_PANEL (self));

  for (guint i = 0; i < G_N_ELEMENTS (speeds); i++)
    if (speeds[i] == speed)
      gtk_drop_down_set_selected (self->speed_dropdown, i);
}

void
bk_trainer_panel_set_inject (BkTrainerPanel *self,
                             BcIncidentType  type,
                             int             priority)
{
  g_return_if_fail (BK_IS_TRAINER_PANEL (self));
  g_return_if_fail (priority >= 1 && priority <= 4);

  gtk_drop_down_set_selected (self->type_dropdown, (guint) type);
  gtk_drop_down_set_selected (self->priority_dropdown, (guint) priority - 1);
}

guint
bk_trainer_panel_get_n_pending (BkTrainerPanel *self)
{
  g_return_val_if_fail (BK_IS_TRAINER_PANEL (self), 0);

  return self->n_pending;
}

GtkWindow *
bk_trainer_panel_get_report_window (BkTrainerPanel *self)
{
  g_return_val_if_fail (BK_IS_TRAINER_PANEL (self), NULL);

  return self->report_window;
}
