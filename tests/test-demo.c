/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <locale.h>
#include <math.h>

#include "bc-geo.h"
#include "bk-application.h"
#include "bk-demo.h"
#include "bk-trainer-panel.h"
#include "bk-window.h"
#include "ui-helpers.h"

/*
 * `beacon --demo` as a trainer uses it: the real BkApplication started with --demo (the
 * embedded server in its thread, the training scenario, the trainer signed in by itself),
 * real widgets under Xvfb. The tests run inside the application's ::activate, in order, on
 * the one demo window.
 */

#define WAIT_MS 20000

static BkApplication *app;
static BkWindow *window;

static BkTrainerPanel *
panel (void)
{
  return BK_TRAINER_PANEL (bk_window_get_trainer_panel (window));
}

static gboolean
panel_ready (gpointer data)
{
  BkLiveState *live = bk_window_get_live_state (window);

  return bk_window_get_trainer_panel (window) != NULL && live != NULL &&
         bk_live_state_get_loaded (live) &&
         bk_trainer_panel_get_n_pending (panel ()) == 0 &&
         bk_trainer_panel_get_clock_text (panel ()) != NULL;
}

static gboolean
requests_done (gpointer data)
{
  return bk_trainer_panel_get_n_pending (panel ()) == 0;
}

/* Positions of every unit, by id. */
static GHashTable *
sample_positions (void)
{
  GListModel *units = bk_live_state_get_units (bk_window_get_live_state (window));
  GHashTable *positions = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  for (guint i = 0; i < g_list_model_get_n_items (units); i++)
    {
      g_autoptr(BcUnit) unit = g_list_model_get_item (units, i);
      gint64 *id = g_new (gint64, 1);
      double *pos = g_new (double, 2);

      *id = bc_unit_get_id (unit);
      pos[0] = bc_unit_get_lat (unit);
      pos[1] = bc_unit_get_lon (unit);
      g_hash_table_insert (positions, id, pos);
    }
  return positions;
}

static guint
count_moved (GHashTable *before)
{
  g_autoptr(GHashTable) now = sample_positions ();
  GHashTableIter iter;
  gpointer key, value;
  guint moved = 0;

  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      double *a = value;
      double *b = g_hash_table_lookup (now, key);

      if (b != NULL && (a[0] != b[0] || a[1] != b[1]))
        moved++;
    }
  return moved;
}

static gboolean
some_moved (gpointer data)
{
  return count_moved (data) > 0;
}

/* ---- tests ---------------------------------------------------------------------------- */

static gboolean
first_map_painted (gpointer data)
{
  return bk_demo_get_first_map_ms (BK_DEMO (bk_application_get_demo (app))) >= 0;
}

static void
test_units_move (void)
{
  g_autoptr(GHashTable) before = NULL;
  g_autofree char *path = NULL;
  BkPointLayer *layer;
  double first_ms;

  g_assert_true (ui_wait_until (panel_ready, NULL, WAIT_MS));
  /* Signed in by itself, as the trainer, without the dialog. */
  g_assert_null (bk_window_get_login_dialog (window));
  g_assert_cmpint (bc_client_get_role (bk_window_get_client (window)), ==, BC_ROLE_TRAINER);
  g_assert_true (bk_trainer_panel_get_playing (panel ()));

  layer = bk_map_view_get_point_layer (bk_window_get_map_view (window));
  g_assert_cmpuint (bk_point_layer_get_n_units (layer), >, 50);

  g_assert_true (ui_wait_until (first_map_painted, NULL, WAIT_MS));
  first_ms = bk_demo_get_first_map_ms (BK_DEMO (bk_application_get_demo (app)));
  g_test_message ("bench: demo-first-map-with-units %.0f ms", first_ms);

  /* Units move within 5 s of wall time. */
  before = sample_positions ();
  g_assert_true (ui_wait_until (some_moved, before, 5000));
  g_test_message ("%u units moved", count_moved (before));

  ui_spin_ms (1500);
  path = ui_save_screenshot (GTK_WIDGET (window), "demo-window.png", WAIT_MS);
  g_test_message ("window: %d×%d", gtk_widget_get_width (GTK_WIDGET (window)),
                  gtk_widget_get_height (GTK_WIDGET (window)));
}

static gboolean
is_paused (gpointer data)
{
  return !bk_trainer_panel_get_playing (panel ()) && requests_done (NULL);
}

static gboolean
is_playing (gpointer data)
{
  return bk_trainer_panel_get_playing (panel ()) && requests_done (NULL);
}

static void
test_pause_and_play (void)
{
  g_autoptr(GHashTable) before = NULL;
  g_autofree char *clock = NULL;

  g_assert_true (ui_wait_until (panel_ready, NULL, WAIT_MS));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel ()), "trainer.pause", NULL));
  g_assert_true (ui_wait_until (is_paused, NULL, WAIT_MS));
  /* Let the events already on their way arrive, then nothing may move. */
  ui_spin_ms (700);
  before = sample_positions ();
  clock = g_strdup (bk_trainer_panel_get_clock_text (panel ()));
  ui_spin_ms (2000);
  g_assert_cmpuint (count_moved (before), ==, 0);
  g_assert_cmpstr (bk_trainer_panel_get_clock_text (panel ()), ==, clock);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel ()), "trainer.play", NULL));
  g_assert_true (ui_wait_until (is_playing, NULL, WAIT_MS));
  g_assert_true (ui_wait_until (some_moved, before, 5000));
}

typedef struct
{
  GBytes *body;
  guint status;
  gboolean done;
} Fetch;

static void
fetch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fetch *fetch = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, NULL);
  fetch->status = soup_message_get_status (msg);
  fetch->done = TRUE;
}

/* GET @path as the signed-in trainer, independently of the panel. */
static JsonNode *
get_json (const char *path)
{
  BcClient *client = bk_window_get_client (window);
  g_autofree char *uri = g_strconcat (bc_client_get_base_url (client), "/api/v1", path, NULL);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", bc_client_get_token (client));
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(JsonParser) parser = json_parser_new ();
  Fetch fetch = { 0 };

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_session_send_and_read_async (bc_client_get_session (client), msg, G_PRIORITY_DEFAULT,
                                    NULL, fetch_cb, &fetch);
  g_assert_true (ui_wait_until (ui_flag_set, &fetch.done, WAIT_MS));
  g_assert_cmpuint (fetch.status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (fetch.body, NULL),
                                             (gssize) g_bytes_get_size (fetch.body), NULL));
  g_bytes_unref (fetch.body);
  return json_node_copy (json_parser_get_root (parser));
}

static gboolean
speed_is_10 (gpointer data)
{
  return bk_trainer_panel_get_speed (panel ()) == 10 && requests_done (NULL);
}

static void
test_speed_reaches_server (void)
{
  g_autoptr(JsonNode) state = NULL;

  g_assert_true (ui_wait_until (panel_ready, NULL, WAIT_MS));
  bk_trainer_panel_set_speed (panel (), 10);
  g_assert_true (ui_wait_until (speed_is_10, NULL, WAIT_MS));

  state = get_json ("/sim/state");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (state), "speed"), ==, 10);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (state), "playing"));

  bk_trainer_panel_set_speed (panel (), 1);
}

typedef struct
{
  guint n_before;
  double lat, lon;
  BcIncident *found;
} Inject;

static gboolean
incident_near (gpointer data)
{
  Inject *inject = data;
  GListModel *incidents = bk_live_state_get_incidents (bk_window_get_live_state (window));

  for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
    {
      g_autoptr(BcIncident) incident = g_list_model_get_item (incidents, i);

      if (bc_incident_get_incident_type (incident) == BC_INCIDENT_TYPE_FIRE &&
          bc_incident_get_priority (incident) == 1 &&
          bc_geo_distance_m (bc_incident_get_lat (incident), bc_incident_get_lon (incident),
                             inject->lat, inject->lon) < 600)
        {
          inject->found = g_steal_pointer (&incident);
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_inject_at_click (void)
{
  BkMapView *map_view = bk_window_get_map_view (window);
  ShumateViewport *viewport = bk_map_view_get_viewport (map_view);
  g_autoptr(GListModel) controllers = NULL;
  GtkGesture *gesture = NULL;
  graphene_point_t in, out;
  double x, y;
  Inject inject = { 0 };

  g_assert_true (ui_wait_until (panel_ready, NULL, WAIT_MS));

  /* The centre of the view, which opens on the scenario's area. */
  inject.lat = shumate_location_get_latitude (SHUMATE_LOCATION (viewport));
  inject.lon = shumate_location_get_longitude (SHUMATE_LOCATION (viewport));
  g_assert_true (incident_near (&inject) == FALSE);
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (bk_map_view_get_map (map_view)),
                                              inject.lat, inject.lon, &x, &y);
  graphene_point_init (&in, (float) x, (float) y);
  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (bk_map_view_get_map (map_view)),
                                           GTK_WIDGET (map_view), &in, &out));

  bk_trainer_panel_set_inject (panel (), BC_INCIDENT_TYPE_FIRE, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel ()), "trainer.pick", NULL));

  controllers = gtk_widget_observe_controllers (GTK_WIDGET (map_view));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (controller), "bk-trainer-pick") == 0)
        gesture = GTK_GESTURE (controller);
    }
  g_assert_nonnull (gesture);
  g_signal_emit_by_name (gesture, "pressed", 1, (double) out.x, (double) out.y);

  g_assert_true (ui_wait_until (incident_near, &inject, WAIT_MS));
  g_test_message ("injected %s at %.5f, %.5f (clicked %.5f, %.5f)",
                  bc_incident_get_number (inject.found), bc_incident_get_lat (inject.found),
                  bc_incident_get_lon (inject.found), inject.lat, inject.lon);
  g_clear_object (&inject.found);
}

static GtkWidget *
find_column_view (GtkWidget *widget)
{
  if (GTK_IS_COLUMN_VIEW (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_column_view (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
report_open (gpointer data)
{
  return bk_trainer_panel_get_report_window (panel ()) != NULL && requests_done (NULL);
}

static void
test_report_window (void)
{
  GtkWindow *report;
  GtkWidget *view;
  GListModel *rows;
  g_autofree char *path = NULL;

  g_assert_true (ui_wait_until (panel_ready, NULL, WAIT_MS));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel ()), "trainer.report", NULL));
  g_assert_true (ui_wait_until (report_open, NULL, WAIT_MS));

  report = bk_trainer_panel_get_report_window (panel ());
  view = find_column_view (GTK_WIDGET (report));
  g_assert_nonnull (view);
  rows = G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (view)));
  /* At least the incident injected by /demo/trainer/inject-at-click. */
  g_assert_cmpuint (g_list_model_get_n_items (rows), >=, 1);
  g_test_message ("report rows: %u", g_list_model_get_n_items (rows));

  ui_spin_ms (500);
  path = ui_save_screenshot (GTK_WIDGET (report), "demo-report.png", WAIT_MS);
  gtk_window_destroy (report);
}

/* ---- main ----------------------------------------------------------------------------- */

static int test_result;

static void
activate_cb (GApplication *application)
{
  window = BK_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (application)));
  g_assert_nonnull (window);

  test_result = g_test_run ();
  g_application_quit (application);
}

static GPrintFunc tap_print;

/* GLib writes its TAP lines through g_print() as well: those pass unchanged, anything else
 * (the demo's URL and accounts for the trainer) becomes a TAP comment. */
static void
print_as_tap_comment (const char *text)
{
  g_auto(GStrv) lines = NULL;

  if (g_str_has_prefix (text, "ok ") || g_str_has_prefix (text, "not ok ") ||
      g_str_has_prefix (text, "1..") || g_str_has_prefix (text, "#") ||
      g_str_has_prefix (text, "Bail out!"))
    {
      if (tap_print != NULL)
        tap_print (text);
      else
        fputs (text, stdout);
      return;
    }

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      fprintf (stdout, "# %s\n", lines[i]);
  fflush (stdout);
}

int
main (int    argc,
      char **argv)
{
  const char *app_argv[] = { "beacon", "--demo", "--seed", "7", NULL };
  g_autoptr(GSettings) settings = NULL;

  ui_test_init (&argc, &argv, "icon.svg");
  /* The demo prints its URL and accounts for the trainer; in a TAP stream they must be
   * comments. */
  tap_print = g_set_print_handler (print_as_tap_comment);

  /* No window manager under Xvfb: the window takes its size from the settings. */
  settings = g_settings_new (APP_ID);
  g_settings_set_int (settings, "window-width", 1920);
  g_settings_set_int (settings, "window-height", 1080);

  g_test_add_func ("/demo/start/units-move", test_units_move);
  g_test_add_func ("/demo/trainer/pause-stops-play-resumes", test_pause_and_play);
  g_test_add_func ("/demo/trainer/speed-reaches-server", test_speed_reaches_server);
  g_test_add_func ("/demo/trainer/inject-at-click", test_inject_at_click);
  g_test_add_func ("/demo/trainer/report-window", test_report_window);

  app = bk_application_new ();
  g_signal_connect_after (app, "activate", G_CALLBACK (activate_cb), NULL);
  g_application_run (G_APPLICATION (app), G_N_ELEMENTS (app_argv) - 1,
                      (char **) app_argv);
  g_clear_object (&app);
  return test_result;
}
