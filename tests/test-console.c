/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <math.h>

#include "bk-application.h"
#include "bk-preferences.h"
#include "bk-window.h"
#include "server-fixture.h"
#include "ui-helpers.h"

/*
 * The console's main window against a real beacon-server: a BsServer in its own thread on
 * 127.0.0.1 over a SQLite file in a temporary directory, the real BkApplication and real
 * widgets under Xvfb. The tests share one server and one signed-in window (set up by whichever
 * test needs it first), so each can also run alone with -p; the last one stops the server.
 */

#define CENTER_LAT 31.0355
#define CENTER_LON 112.2040
#define N_CAMERAS 20000
#define WAIT_MS 20000

typedef struct
{
  ServerFixture  server;
  gboolean       server_started;
  char          *dispatcher_token;
  char          *unit_token;         /* the "unit" user who reports for 东宝巡02 */
  gint64         unit_ids[8];
  gint64         incident_ids[5];

  BkApplication *app;
  BkWindow      *window;
} Console;

static Console console;

static const char * const call_signs[] = {
  "东宝巡01", "东宝巡02", "东宝巡03", "掇刀巡01", "掇刀巡02", "交警01", "特警01", "龙泉摩01",
};

/* ---- waiting ---------------------------------------------------------------------------- */

static gboolean
wait_until (FixtureCondition cond,
            gpointer         data)
{
  return fixture_wait (cond, data, WAIT_MS);
}

/* ---- server data ------------------------------------------------------------------------ */

static void
import_cameras_in_server (ServerFixture *f,
                          gpointer       data)
{
  static const char * const roads[] = {
    "象山大道", "白庙路", "长宁大道", "月亮湖路", "泉口路", "海慧路", "培公大道", "金虾路",
  };
  g_autoptr(GPtrArray) cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);
  g_autoptr(GError) error = NULL;
  BsActor actor = { "test", BC_ROLE_ADMIN, "local" };

  for (guint i = 0; i < N_CAMERAS; i++)
    {
      BcCamera *camera = bc_camera_new ();
      /* Dense in the city centre, thinner towards the outskirts, like a real deployment. */
      double spread = g_rand_double (rand) < 0.7 ? 0.05 : 0.22;

      g_snprintf (camera->id, sizeof camera->id, "4208020000132%07u", i + 1);
      camera->name = g_strdup_printf ("%s%04u号", roads[i % G_N_ELEMENTS (roads)], i + 1);
      camera->lat = CENTER_LAT + g_rand_double_range (rand, -spread, spread);
      camera->lon = CENTER_LON + g_rand_double_range (rand, -spread, spread) * 1.2;
      camera->kind = (BcCameraKind) (i % 3);
      camera->online = i % 17 != 0;
      camera->stream_uri = g_strdup_printf ("rtsp://127.0.0.1:9/ch%u", i + 1);
      camera->station = g_strdup ("龙泉派出所");
      g_ptr_array_add (cameras, camera);
    }

  bs_repo_import_cameras (f->repo, cameras, &actor, &error);
  g_assert_no_error (error);
}

static gint64
create_incident (const char *type,
                 int         priority,
                 double      lat,
                 double      lon,
                 const char *address,
                 const char *description)
{
  g_autofree char *body = NULL;
  g_autoptr(TestReply) reply = NULL;

  body = g_strdup_printf ("{\"type\":\"%s\",\"priority\":%d,"
                          "\"location\":{\"lat\":%.6f,\"lon\":%.6f},"
                          "\"address\":\"%s\","
                          "\"caller\":{\"name\":\"张先生\",\"phone\":\"13800000000\"},"
                          "\"description\":\"%s\"}",
                          type, priority, lat, lon, address, description);
  reply = fixture_http (&console.server, "POST", "/api/v1/incidents", console.dispatcher_token,
                        body, NULL);
  g_assert_cmpuint (reply->status, ==, 201);
  return json_object_get_int_member (test_reply_object (reply), "id");
}

static void
ensure_server (void)
{
  static const double offsets[][2] = {
    { 0.004, 0.006 }, { -0.006, -0.004 }, { 0.010, -0.012 }, { -0.015, 0.018 },
    { 0.020, 0.004 }, { -0.003, 0.022 }, { 0.008, -0.025 }, { -0.022, -0.010 },
  };
  g_autoptr(TestReply) reply = NULL;
  g_autofree char *body = NULL;

  /* GTest resets the fatal handler for every test case. */
  ui_rearm_expected_warnings ();

  if (console.server_started)
    return;

  server_fixture_start (&console.server, NULL);
  console.server_started = TRUE;

  fixture_add_user (&console.server, "dispatcher1", BC_ROLE_DISPATCHER, "调度员一", TEST_PASSWORD);
  console.dispatcher_token = fixture_user_token (&console.server, "dispatcher2",
                                                 BC_ROLE_DISPATCHER, "调度员二");
  /* A unit user may report positions for the unit whose call sign is its display name. */
  console.unit_token = fixture_user_token (&console.server, "car02", BC_ROLE_UNIT, "东宝巡02");

  for (guint i = 0; i < G_N_ELEMENTS (call_signs); i++)
    console.unit_ids[i] = fixture_add_unit (&console.server, call_signs[i],
                                            CENTER_LAT + offsets[i][0],
                                            CENTER_LON + offsets[i][1]);

  server_fixture_call (&console.server, import_cameras_in_server, NULL);

  console.incident_ids[0] = create_incident ("traffic", 2, CENTER_LAT + 0.0012, CENTER_LON - 0.0015,
                                             "象山大道与白庙路交叉口", "两车相撞，一人轻伤，道路堵塞");
  console.incident_ids[1] = create_incident ("criminal", 1, CENTER_LAT - 0.009, CENTER_LON + 0.011,
                                             "长宁大道88号金融大厦", "报警人称有人持刀抢劫");
  console.incident_ids[2] = create_incident ("dispute", 3, CENTER_LAT + 0.016, CENTER_LON + 0.004,
                                             "月亮湖路32号", "邻里纠纷，双方争吵");
  console.incident_ids[3] = create_incident ("rescue", 2, CENTER_LAT - 0.018, CENTER_LON - 0.020,
                                             "泉口路与海慧路交叉口", "老人走失，家属求助");
  console.incident_ids[4] = create_incident ("suspicious", 4, CENTER_LAT + 0.006, CENTER_LON + 0.026,
                                             "培公大道东宝公园北门", "可疑人员在停车场徘徊");

  /* One incident under way, so a dispatch line joins a unit to it. */
  body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "],\"instructions\":\"立即前往现场处置\"}",
                          console.unit_ids[0]);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch",
                                             console.incident_ids[0]);
    reply = fixture_http (&console.server, "POST", path, console.dispatcher_token, body,
                          "Idempotency-Key", "test-console-dispatch-1", NULL);
    g_assert_cmpuint (reply->status, ==, 201);
  }
}

/* ---- the application -------------------------------------------------------------------- */

static gboolean
login_dialog_shown (gpointer data)
{
  return bk_window_get_login_dialog (console.window) != NULL
         && gtk_widget_get_mapped (GTK_WIDGET (bk_window_get_login_dialog (console.window)));
}

static void
ensure_app (void)
{
  g_autoptr(GError) error = NULL;
  GSettings *settings;

  if (console.app != NULL)
    return;

  console.app = bk_application_new ();
  g_application_register (G_APPLICATION (console.app), NULL, &error);
  g_assert_no_error (error);

  /* The app icon from the source tree; the system themes, which the isolated folders hide,
   * for the screenshots. */
  ui_add_icon_paths ();

  /* Under Xvfb there is no window manager: the size must be asked for explicitly. */
  settings = bk_application_get_settings (console.app);
  g_settings_set_int (settings, "window-width", 1920);
  g_settings_set_int (settings, "window-height", 1080);
  g_settings_set (settings, "last-view", "(ddd)", CENTER_LAT, CENTER_LON, 13.0);

  g_application_activate (G_APPLICATION (console.app));
  console.window = BK_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (console.app)));
  g_assert_true (BK_IS_WINDOW (console.window));
  g_assert_true (wait_until (login_dialog_shown, NULL));
}

static gboolean
login_answered (gpointer data)
{
  BkLoginDialog *dialog = data;

  return bk_window_get_login_dialog (console.window) != dialog
         || !bk_login_dialog_get_busy (dialog);
}

static gboolean
live_state_loaded (gpointer data)
{
  BkLiveState *live = bk_window_get_live_state (console.window);

  return live != NULL && bk_live_state_get_loaded (live);
}

static void
busy_changed_cb (BkLoginDialog *dialog,
                 GParamSpec    *pspec,
                 gboolean      *saw_spinner)
{
  if (bk_login_dialog_get_busy (dialog)
      && gtk_widget_get_visible (ui_find_by_id (GTK_WIDGET (dialog), "spinner")))
    *saw_spinner = TRUE;
}

static void
sign_in (const char *password)
{
  BkLoginDialog *dialog = bk_window_get_login_dialog (console.window);
  GtkWidget *button;
  gboolean saw_spinner = FALSE;
  gulong handler;

  g_assert_nonnull (dialog);
  ui_fill_login (GTK_WIDGET (dialog), console.server.base_uri, "dispatcher1", password);

  button = ui_find_by_id (GTK_WIDGET (dialog), "sign_in_button");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  handler = g_signal_connect (dialog, "notify::busy", G_CALLBACK (busy_changed_cb), &saw_spinner);
  /* GtkButton emits ::clicked a moment after ::activate (it shows itself pressed first). */
  gtk_widget_activate (button);
  g_assert_true (wait_until (ui_flag_set, &saw_spinner));

  g_object_ref (dialog);
  g_assert_true (wait_until (login_answered, dialog));
  g_signal_handler_disconnect (dialog, handler);
  g_object_unref (dialog);
}

static void
ensure_signed_in (void)
{
  ensure_server ();
  ensure_app ();

  if (bk_window_get_client (console.window) != NULL)
    return;

  sign_in (TEST_PASSWORD);
  g_assert_nonnull (bk_window_get_client (console.window));
  g_assert_true (wait_until (live_state_loaded, NULL));
}

/* ---- map helpers ------------------------------------------------------------------------ */

typedef struct
{
  guint before;
} LoadWait;

static gboolean
camera_load_done (gpointer data)
{
  LoadWait *wait = data;

  return bk_live_state_get_n_camera_loads (bk_window_get_live_state (console.window)) > wait->before;
}

/* Moves the map without animation and waits for the camera load that the settled view
 * starts. */
static void
go_to_and_load (double lat,
                double lon,
                double zoom)
{
  BkMapView *map_view = bk_window_get_map_view (console.window);
  LoadWait wait = {
    bk_live_state_get_n_camera_loads (bk_window_get_live_state (console.window)),
  };

  bk_map_view_go_to (map_view, lat, lon, zoom, FALSE);
  g_assert_true (wait_until (camera_load_done, &wait));
}

static gboolean
pick_at (double       lat,
         double       lon,
         BkPointKind *kind,
         gint64      *id)
{
  BkMapView *map_view = bk_window_get_map_view (console.window);
  BkPointLayer *layer = bk_map_view_get_point_layer (map_view);
  double x, y;

  shumate_viewport_location_to_widget_coords (bk_map_view_get_viewport (map_view),
                                              GTK_WIDGET (layer), lat, lon, &x, &y);
  return bk_point_layer_pick (layer, x, y, kind, id, NULL);
}

/* ---- screenshots ------------------------------------------------------------------------ */

typedef struct
{
  guint tiles;
  guint seen;
  gint64 quiet_since;
} TileWait;

static void
tile_received_cb (ShumateDataSource *source,
                  guint              x,
                  guint              y,
                  guint              zoom,
                  GBytes            *bytes,
                  TileWait          *wait)
{
  wait->tiles++;
}

static gboolean
tiles_quiet (gpointer data)
{
  TileWait *wait = data;
  gint64 now = g_get_monotonic_time ();

  if (wait->tiles != wait->seen)
    {
      wait->seen = wait->tiles;
      wait->quiet_since = now;
      return FALSE;
    }

  /* libshumate 1.0.3 never updates ShumateMap:state: wait until tiles stop arriving (none
   * arrive when they are all cached). */
  return now - wait->quiet_since > 1000 * 1000;
}

static void
count_frame (guint *frames)
{
  (*frames)++;
}

static void
wait_for_tiles (void)
{
  BkMapView *map_view = bk_window_get_map_view (console.window);
  ShumateMapSource *source =
    shumate_viewport_get_reference_map_source (bk_map_view_get_viewport (map_view));
  g_autoptr(ShumateDataSource) data_source = NULL;
  TileWait wait = { 0, 0, g_get_monotonic_time () };
  gulong handler = 0;

  if (SHUMATE_IS_RASTER_RENDERER (source))
    g_object_get (source, "data-source", &data_source, NULL);
  if (data_source != NULL)
    handler = g_signal_connect (data_source, "received-data", G_CALLBACK (tile_received_cb), &wait);

  gtk_widget_queue_draw (GTK_WIDGET (bk_map_view_get_map (map_view)));
  if (!fixture_wait (tiles_quiet, &wait, 15000))
    g_test_message ("tiles still arriving after 15 s (%u so far)", wait.tiles);
  g_test_message ("%u tiles rendered", wait.tiles);

  if (handler != 0)
    g_signal_handler_disconnect (data_source, handler);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
test_login_wrong_password (void)
{
  BkLoginDialog *dialog;

  ensure_server ();
  ensure_app ();
  if (bk_window_get_client (console.window) != NULL)
    {
      g_test_skip ("already signed in");
      return;
    }

  sign_in ("wrong password");
  dialog = bk_window_get_login_dialog (console.window);
  g_assert_nonnull (dialog);
  g_assert_null (bk_window_get_client (console.window));
  g_assert_cmpstr (bk_login_dialog_get_error (dialog), ==,
                   _("The user name or password is incorrect."));
  g_assert_false (gtk_widget_get_visible (ui_find_by_id (GTK_WIDGET (dialog), "spinner")));

  {
    g_autofree char *path = NULL;

    ui_spin_ms (400);   /* the error revealer's slide */
    path = ui_save_screenshot (GTK_WIDGET (dialog), "console-login.png", WAIT_MS);
  }
}

static void
test_login_through_dialog (void)
{
  GSettings *settings;
  g_autofree char *url = NULL;
  BcClient *client;

  ensure_server ();
  ensure_app ();
  g_assert_null (bk_window_get_client (console.window));

  sign_in (TEST_PASSWORD);

  client = bk_window_get_client (console.window);
  g_assert_nonnull (client);
  g_assert_null (bk_window_get_login_dialog (console.window));
  g_assert_cmpstr (bc_client_get_username (client), ==, "dispatcher1");
  g_assert_cmpint (bc_client_get_role (client), ==, BC_ROLE_DISPATCHER);

  /* The address is remembered for the next start. */
  settings = bk_application_get_settings (console.app);
  url = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (url, ==, console.server.base_uri);

  g_assert_true (wait_until (live_state_loaded, NULL));
  g_assert_cmpuint (g_list_model_get_n_items (bk_live_state_get_units (bk_window_get_live_state (console.window))),
                    ==, G_N_ELEMENTS (call_signs));
  g_assert_cmpuint (g_list_model_get_n_items (bk_live_state_get_incidents (bk_window_get_live_state (console.window))),
                    ==, G_N_ELEMENTS (console.incident_ids));
}

static void
test_cameras_load_by_bbox (void)
{
  BkMapView *map_view;
  BkPointLayer *layer;
  BkLiveState *live;
  GPtrArray *cameras;
  double west_lat, west_lon, east_lat, east_lon;
  int width, height;

  ensure_signed_in ();
  map_view = bk_window_get_map_view (console.window);
  layer = bk_map_view_get_point_layer (map_view);
  live = bk_window_get_live_state (console.window);

  /* Close in, only the cameras around the view arrive. */
  if (bk_live_state_get_n_cameras (live) == 0 || bk_live_state_get_n_cameras (live) < N_CAMERAS)
    {
      go_to_and_load (CENTER_LAT, CENTER_LON, 16);

      cameras = bk_live_state_get_cameras (live);
      g_assert_cmpuint (cameras->len, >, 0);
      g_assert_cmpuint (cameras->len, <, N_CAMERAS / 4);
      g_assert_cmpuint (bk_point_layer_get_n_cameras (layer), ==, cameras->len);

      /* …and all of them lie inside the view plus its margin. */
      width = gtk_widget_get_width (GTK_WIDGET (map_view));
      height = gtk_widget_get_height (GTK_WIDGET (map_view));
      shumate_viewport_widget_coords_to_location (bk_map_view_get_viewport (map_view),
                                                  GTK_WIDGET (bk_map_view_get_map (map_view)),
                                                  -0.3 * width, -0.3 * height,
                                                  &west_lat, &west_lon);
      shumate_viewport_widget_coords_to_location (bk_map_view_get_viewport (map_view),
                                                  GTK_WIDGET (bk_map_view_get_map (map_view)),
                                                  1.3 * width, 1.3 * height,
                                                  &east_lat, &east_lon);
      for (guint i = 0; i < cameras->len; i++)
        {
          BcCamera *camera = g_ptr_array_index (cameras, i);

          g_assert_cmpfloat (camera->lon, >=, west_lon);
          g_assert_cmpfloat (camera->lon, <=, east_lon);
          g_assert_cmpfloat (camera->lat, <=, west_lat);
          g_assert_cmpfloat (camera->lat, >=, east_lat);
        }
      g_test_message ("zoom 16: %u cameras loaded", cameras->len);
    }

  /* The whole city at zoom 11: every one of the 20,000, although the server hands out at most
   * 5,000 per request. */
  go_to_and_load (CENTER_LAT, CENTER_LON, 11);
  g_assert_cmpuint (bk_live_state_get_n_cameras (live), ==, N_CAMERAS);
  g_assert_cmpuint (bk_point_layer_get_n_cameras (layer), ==, N_CAMERAS);
}

typedef struct
{
  gint64 unit_id;
  double lat;
  double lon;
} MoveWait;

static gboolean
unit_moved (gpointer data)
{
  MoveWait *wait = data;
  BcUnit *unit = bk_live_state_lookup_unit (bk_window_get_live_state (console.window),
                                            wait->unit_id);

  return unit != NULL && fabs (bc_unit_get_lat (unit) - wait->lat) < 1e-7
         && fabs (bc_unit_get_lon (unit) - wait->lon) < 1e-7;
}

static void
test_unit_moved_event_moves_point (void)
{
  BkPointKind kind = BK_POINT_KIND_NONE;
  gint64 id = 0;
  gint64 unit_id;
  BcUnit *unit;
  double old_lat, old_lon;
  MoveWait wait;
  g_autofree char *body = NULL;
  g_autofree char *at = NULL;
  g_autoptr(TestReply) reply = NULL;

  ensure_signed_in ();
  unit_id = console.unit_ids[1];   /* 东宝巡02 */
  unit = bk_live_state_lookup_unit (bk_window_get_live_state (console.window), unit_id);
  g_assert_nonnull (unit);
  old_lat = bc_unit_get_lat (unit);
  old_lon = bc_unit_get_lon (unit);

  /* Zoom 16 keeps cameras apart from units: the pick must find the unit itself. */
  bk_map_view_go_to (bk_window_get_map_view (console.window), old_lat + 0.002, old_lon, 16, FALSE);
  ui_spin_ms (50);
  g_assert_true (pick_at (old_lat, old_lon, &kind, &id));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_UNIT);
  g_assert_cmpint (id, ==, unit_id);

  /* The vehicle reports a new position through a second session (the unit's own login). */
  wait.unit_id = unit_id;
  wait.lat = old_lat + 0.0040;
  wait.lon = old_lon + 0.0030;
  at = bc_time_format (bc_time_now ());
  body = g_strdup_printf ("[{\"unit\":%" G_GINT64_FORMAT ",\"lat\":%.7f,\"lon\":%.7f,"
                          "\"heading\":45.0,\"speed\":9.5,\"at\":\"%s\"}]",
                          unit_id, wait.lat, wait.lon, at);
  reply = fixture_http (&console.server, "POST", "/api/v1/avl", console.unit_token, body, NULL);
  g_assert_cmpuint (reply->status, <, 300);

  g_assert_true (wait_until (unit_moved, &wait));

  kind = BK_POINT_KIND_NONE;
  g_assert_true (pick_at (wait.lat, wait.lon, &kind, &id));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_UNIT);
  g_assert_cmpint (id, ==, unit_id);

  /* Nothing is left where it was. */
  kind = BK_POINT_KIND_NONE;
  if (pick_at (old_lat, old_lon, &kind, &id))
    g_assert_false (kind == BK_POINT_KIND_UNIT && id == unit_id);
}

static gboolean
map_arrived (gpointer data)
{
  ShumateViewport *viewport = bk_map_view_get_viewport (bk_window_get_map_view (console.window));

  return ui_viewport_at (viewport, data, 1e-5, 1e-3);
}

static void
test_find_flies_to_unit_and_selects (void)
{
  BkFindBar *find_bar;
  BkMapView *map_view;
  const char *selected = NULL;
  BcUnit *unit;
  UiMapView target;
  g_autofree char *expected = NULL;

  ensure_signed_in ();
  find_bar = bk_window_get_find_bar (console.window);
  map_view = bk_window_get_map_view (console.window);
  bk_map_view_clear_selection (map_view);
  bk_map_view_go_to (map_view, CENTER_LAT - 0.05, CENTER_LON - 0.05, 12, FALSE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (console.window), "win.find", NULL));
  bk_find_bar_set_text (find_bar, "掇刀巡02");
  g_assert_cmpuint (bk_find_bar_get_n_matches (find_bar), ==, 1);
  bk_find_bar_set_text (find_bar, "巡");
  g_assert_cmpuint (bk_find_bar_get_n_matches (find_bar), ==, 5);
  {
    GtkWidget *popover = ui_find_by_id (GTK_WIDGET (find_bar), "popover");
    g_autofree char *path = NULL;

    g_assert_true (wait_until ((FixtureCondition) gtk_widget_get_mapped, popover));
    ui_spin_ms (200);
    path = ui_save_screenshot (popover, "console-find.png", WAIT_MS);
  }
  bk_find_bar_set_text (find_bar, "掇刀巡02");
  g_assert_true (bk_find_bar_activate_match (find_bar, 0));

  expected = g_strdup_printf ("%" G_GINT64_FORMAT, console.unit_ids[4]);
  g_assert_cmpint (bk_map_view_get_selection (map_view, &selected), ==, BK_OBJECT_UNIT);
  g_assert_cmpstr (selected, ==, expected);
  g_assert_cmpstr (bk_side_panel_get_title (bk_window_get_side_panel (console.window)), ==,
                   "掇刀巡02");
  g_assert_true (bk_window_get_panel_revealed (console.window));

  /* The map flies there (animated) and ends centred on the unit, zoomed in. */
  unit = bk_live_state_lookup_unit (bk_window_get_live_state (console.window), console.unit_ids[4]);
  target.lat = bc_unit_get_lat (unit);
  target.lon = bc_unit_get_lon (unit);
  target.zoom = 15.0;
  g_assert_false (map_arrived (&target));
  g_assert_true (wait_until (map_arrived, &target));
}

static void
test_escape_clears_selection (void)
{
  BkMapView *map_view;
  g_autofree char *id = NULL;

  ensure_signed_in ();
  map_view = bk_window_get_map_view (console.window);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, console.incident_ids[1]);
  g_assert_true (bk_map_view_select (map_view, BK_OBJECT_INCIDENT, id, FALSE));
  g_assert_true (bk_window_get_panel_revealed (console.window));

  /* Escape is bound to this action on the map view (and on the window). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (map_view), "map.clear-selection", NULL));
  g_assert_cmpint (bk_map_view_get_selection (map_view, NULL), ==, BK_OBJECT_NONE);
  g_assert_false (bk_window_get_panel_revealed (console.window));
  g_assert_cmpstr (bk_side_panel_get_title (bk_window_get_side_panel (console.window)), ==, "");

  g_assert_true (bk_map_view_select (map_view, BK_OBJECT_INCIDENT, id, FALSE));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (console.window), "win.clear-selection", NULL));
  g_assert_cmpint (bk_map_view_get_selection (map_view, NULL), ==, BK_OBJECT_NONE);
}

typedef struct
{
  double lat;
  double lon;
  double zoom;
} View;

static gboolean
last_view_saved (gpointer data)
{
  View *view = data;
  double lat, lon, zoom;

  g_settings_get (bk_application_get_settings (console.app), "last-view", "(ddd)",
                  &lat, &lon, &zoom);
  return fabs (lat - view->lat) < 1e-9 && fabs (lon - view->lon) < 1e-9
         && fabs (zoom - view->zoom) < 1e-9;
}

static gboolean
zoom_reached (gpointer data)
{
  View *view = data;
  ShumateViewport *viewport = bk_map_view_get_viewport (bk_window_get_map_view (console.window));

  return fabs (shumate_viewport_get_zoom_level (viewport) - view->zoom) < 1e-3;
}

static void
test_map_keys_pan_zoom_and_remember_view (void)
{
  BkMapView *map_view;
  ShumateViewport *viewport;
  View view;
  double lon_before, zoom_before;

  ensure_signed_in ();
  map_view = bk_window_get_map_view (console.window);
  viewport = bk_map_view_get_viewport (map_view);
  bk_map_view_go_to (map_view, CENTER_LAT, CENTER_LON, 14, FALSE);

  /* The arrow keys, + and - are bound to these actions on the map. */
  lon_before = shumate_location_get_longitude (SHUMATE_LOCATION (viewport));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (map_view), "map.pan", "(ii)", 1, 0));
  g_assert_cmpfloat (shumate_location_get_longitude (SHUMATE_LOCATION (viewport)), >, lon_before);
  g_assert_cmpfloat_with_epsilon (shumate_location_get_latitude (SHUMATE_LOCATION (viewport)),
                                  CENTER_LAT, 1e-6);

  zoom_before = shumate_viewport_get_zoom_level (viewport);
  view.zoom = zoom_before + 1;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (map_view), "map.zoom-in", NULL));
  if (!wait_until (zoom_reached, &view))   /* it animates */
    g_error ("zoom %f, expected %f", shumate_viewport_get_zoom_level (viewport), view.zoom);
  view.zoom = zoom_before;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (map_view), "map.zoom-out", NULL));
  g_assert_true (wait_until (zoom_reached, &view));

  /* Once the view rests it is remembered for the next start. */
  view.lat = shumate_location_get_latitude (SHUMATE_LOCATION (viewport));
  view.lon = shumate_location_get_longitude (SHUMATE_LOCATION (viewport));
  view.zoom = shumate_viewport_get_zoom_level (viewport);
  g_assert_true (wait_until (last_view_saved, &view));
}

static void
test_layer_setting_hides_units (void)
{
  GSettings *settings;
  BkMapView *map_view;
  BkPointLayer *layer;
  BcUnit *unit;
  BkPointKind kind = BK_POINT_KIND_NONE;
  gint64 id = 0;

  ensure_signed_in ();
  settings = bk_application_get_settings (console.app);
  map_view = bk_window_get_map_view (console.window);
  layer = bk_map_view_get_point_layer (map_view);
  unit = bk_live_state_lookup_unit (bk_window_get_live_state (console.window), console.unit_ids[3]);

  bk_map_view_go_to (map_view, bc_unit_get_lat (unit) + 0.002, bc_unit_get_lon (unit), 16, FALSE);
  ui_spin_ms (50);
  g_assert_true (pick_at (bc_unit_get_lat (unit), bc_unit_get_lon (unit), &kind, &id));
  g_assert_cmpint (kind, ==, BK_POINT_KIND_UNIT);

  g_settings_set_boolean (settings, "layer-units", FALSE);
  g_assert_false (bk_point_layer_get_show_units (layer));
  kind = BK_POINT_KIND_NONE;
  if (pick_at (bc_unit_get_lat (unit), bc_unit_get_lon (unit), &kind, &id))
    g_assert_cmpint (kind, !=, BK_POINT_KIND_UNIT);

  /* The header's layer menu is the same setting. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (console.window), "layers.layer-units", NULL));
  g_assert_true (g_settings_get_boolean (settings, "layer-units"));
  g_assert_true (bk_point_layer_get_show_units (layer));

  g_settings_set_boolean (settings, "layer-cameras", FALSE);
  g_assert_false (bk_point_layer_get_show_cameras (layer));
  g_settings_set_boolean (settings, "layer-cameras", TRUE);
  g_assert_true (bk_point_layer_get_show_cameras (layer));

  /* District boundaries are a layer of their own, in the same menu. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (bk_map_view_get_district_layer (map_view))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (console.window), "layers.layer-districts", NULL));
  g_assert_false (g_settings_get_boolean (settings, "layer-districts"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (bk_map_view_get_district_layer (map_view))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (console.window), "layers.layer-districts", NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (bk_map_view_get_district_layer (map_view))));
}

static BkPreferences *
find_preferences (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* not owned */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (BK_IS_PREFERENCES (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return BK_PREFERENCES (window);
    }

  return NULL;
}

static gboolean
preferences_mapped (gpointer data)
{
  BkPreferences *preferences = find_preferences ();

  return preferences != NULL && gtk_widget_get_mapped (GTK_WIDGET (preferences));
}

static void
test_preferences_bind_settings (void)
{
  GSettings *settings;
  BkPreferences *preferences;
  AdwComboRow *source_row;
  GtkWidget *xyz_row;
  GtkSwitch *cameras_switch;
  g_autofree char *source = NULL;
  g_autofree char *path = NULL;

  ensure_server ();
  ensure_app ();
  settings = bk_application_get_settings (console.app);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (console.window), "win.preferences", NULL));
  g_assert_true (wait_until (preferences_mapped, NULL));
  preferences = find_preferences ();

  source_row = ADW_COMBO_ROW (ui_find_by_id (GTK_WIDGET (preferences), "source_row"));
  xyz_row = ui_find_by_id (GTK_WIDGET (preferences), "xyz_row");
  g_assert_cmpuint (adw_combo_row_get_selected (source_row), ==, 0);
  g_assert_false (gtk_widget_get_visible (xyz_row));

  /* A template without {z}/{x}/{y} is refused; a good one is stored. */
  gtk_editable_set_text (GTK_EDITABLE (xyz_row), "http://tiles.example/");
  g_signal_emit_by_name (xyz_row, "apply");
  g_assert_true (gtk_widget_has_css_class (xyz_row, "error"));
  source = g_settings_get_string (settings, "xyz-url-template");
  g_assert_cmpstr (source, ==, "");

  gtk_editable_set_text (GTK_EDITABLE (xyz_row), "http://10.1.2.3/tiles/{z}/{x}/{y}.png");
  g_signal_emit_by_name (xyz_row, "apply");
  g_assert_false (gtk_widget_has_css_class (xyz_row, "error"));
  g_free (source);
  source = g_settings_get_string (settings, "xyz-url-template");
  g_assert_cmpstr (source, ==, "http://10.1.2.3/tiles/{z}/{x}/{y}.png");

  /* Choosing the tile service shows its URL row and changes the setting. */
  adw_combo_row_set_selected (source_row, 1);
  g_free (source);
  source = g_settings_get_string (settings, "basemap-source");
  g_assert_cmpstr (source, ==, "xyz");
  g_assert_true (gtk_widget_get_visible (xyz_row));

  cameras_switch = GTK_SWITCH (ui_find_by_id (GTK_WIDGET (preferences), "layer_cameras_switch"));
  gtk_switch_set_active (cameras_switch, FALSE);
  g_assert_false (g_settings_get_boolean (settings, "layer-cameras"));
  gtk_switch_set_active (cameras_switch, TRUE);

  ui_spin_ms (300);
  path = ui_save_screenshot (GTK_WIDGET (preferences), "console-preferences.png", WAIT_MS);

  /* Back to the schematic map for the other tests. */
  adw_combo_row_set_selected (source_row, 0);
  g_settings_reset (settings, "xyz-url-template");
  gtk_window_destroy (GTK_WINDOW (preferences));
}

static gboolean
near_cameras_listed (gpointer data)
{
  GtkWidget *list = ui_find_by_id (GTK_WIDGET (bk_window_get_side_panel (console.window)),
                                   "near_list");
  GtkWidget *spinner = ui_find_by_id (GTK_WIDGET (bk_window_get_side_panel (console.window)),
                                      "near_spinner");

  return gtk_widget_get_first_child (list) != NULL && !gtk_widget_get_visible (spinner);
}

static gboolean
video_error_shown (gpointer data)
{
  return bk_side_panel_get_video_error (bk_window_get_side_panel (console.window)) != NULL;
}

static void
test_panel_stream_error_is_shown (void)
{
  BkSidePanel *panel;
  const char *message;

  ensure_signed_in ();
  panel = bk_window_get_side_panel (console.window);

  /* Nothing listens on port 9: the stream cannot be opened and the panel says so. */
  bk_side_panel_play_stream (panel, "象山大道0001号", "rtsp://127.0.0.1:9/ch1");
  g_assert_true (wait_until (video_error_shown, NULL));
  message = bk_side_panel_get_video_error (panel);
  g_test_message ("video error: %s", message);
  {
    g_autofree char *prefix = g_strdup_printf (_("Cannot open the video stream: %s"), "");
    g_assert_true (g_str_has_prefix (message, prefix));
  }

  gtk_widget_activate_action (GTK_WIDGET (panel), "panel.close-video", NULL);
  g_assert_null (bk_side_panel_get_video_error (panel));
}

static void
test_screenshots (void)
{
  BkMapView *map_view;
  g_autofree char *path11 = NULL;
  g_autofree char *path16 = NULL;
  g_autofree char *id = NULL;
  BcIncident *incident;

  ensure_signed_in ();
  map_view = bk_window_get_map_view (console.window);

  /* The whole city with its 20,000 cameras. */
  bk_map_view_clear_selection (map_view);
  go_to_and_load (CENTER_LAT, CENTER_LON, 11);
  wait_for_tiles ();
  path11 = ui_save_screenshot (GTK_WIDGET (console.window), "console-zoom-11.png", WAIT_MS);

  /* A street-level view of a selected incident with the cameras around it. */
  incident = bk_live_state_lookup_incident (bk_window_get_live_state (console.window),
                                            console.incident_ids[0]);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, console.incident_ids[0]);
  g_assert_true (bk_map_view_select (map_view, BK_OBJECT_INCIDENT, id, FALSE));
  go_to_and_load (bc_incident_get_lat (incident), bc_incident_get_lon (incident) + 0.0015, 16);
  g_assert_true (wait_until (near_cameras_listed, NULL));
  wait_for_tiles ();
  ui_spin_ms (300);
  path16 = ui_save_screenshot (GTK_WIDGET (console.window), "console-zoom-16.png", WAIT_MS);

  /* Nothing moves: the window must not repaint on its own (a layout loop would burn a CPU
   * core on every seat). Incidents awaiting dispatch pulse on purpose, so they are hidden
   * for the count; the clock may tick. */
  {
    GSettings *settings = bk_application_get_settings (console.app);
    GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (console.window));
    guint frames = 0;
    gulong handler;

    g_settings_set_boolean (settings, "layer-incidents", FALSE);
    ui_spin_ms (200);
    handler = g_signal_connect_swapped (clock, "after-paint", G_CALLBACK (count_frame), &frames);
    ui_spin_ms (2000);
    g_signal_handler_disconnect (clock, handler);
    g_settings_set_boolean (settings, "layer-incidents", TRUE);
    g_test_message ("%u frames painted in 2 s while idle", frames);
    g_assert_cmpuint (frames, <=, 10);
  }
}

static gboolean
connection_reconnecting (gpointer data)
{
  const char *text = bk_window_get_connection_text (console.window);

  if (text == NULL)
    return FALSE;
  if (g_str_equal (text, _("Reconnecting…")))
    return TRUE;
  for (int seconds = 1; seconds <= 30; seconds++)
    {
      g_autofree char *countdown =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Reconnecting in %d s",
                                      "Reconnecting in %d s", seconds), seconds);
      if (g_str_equal (text, countdown))
        return TRUE;
    }
  return FALSE;
}

static void
test_connection_reconnecting_when_server_stops (void)
{
  BcClient *client;

  ensure_signed_in ();
  client = bk_window_get_client (console.window);
  g_assert_cmpstr (bk_window_get_connection_text (console.window), ==, _("Connected"));

  /* A dead peer is noticed by silence; the server's own heartbeat is slower than a test. */
  bc_client_set_silence_timeout (client, 1500);
  bc_client_set_reconnect_delays (client, 3000, 10000);

  server_fixture_stop (&console.server);
  g_assert_true (wait_until (connection_reconnecting, NULL));
  g_test_message ("connection: %s", bk_window_get_connection_text (console.window));
}

/* The console cancels a camera request when the view moves on; libsoup then finishes the
 * server side of it with status 500, which beacon-server logs as a warning. That is the
 * behaviour under test, not a failure: such warnings are noted, every other one stays fatal. */
static gboolean
is_cancelled_camera_request (const char *message)
{
  return g_str_has_prefix (message, "GET /api/v1/cameras 500 ");
}

int
main (int    argc,
      char **argv)
{
  int result;

  ui_test_init (&argc, &argv, "icon.svg");
  ui_expect_server_warnings (is_cancelled_camera_request, "cancelled camera request");

  g_test_add_func ("/console/login/wrong-password-shows-error", test_login_wrong_password);
  g_test_add_func ("/console/login/through-dialog", test_login_through_dialog);
  g_test_add_func ("/console/cameras/load-by-bounding-box", test_cameras_load_by_bbox);
  g_test_add_func ("/console/live/unit-moved-event-moves-point", test_unit_moved_event_moves_point);
  g_test_add_func ("/console/find/flies-to-unit-and-selects", test_find_flies_to_unit_and_selects);
  g_test_add_func ("/console/selection/escape-clears", test_escape_clears_selection);
  g_test_add_func ("/console/map/keys-pan-zoom-and-remember-view",
                   test_map_keys_pan_zoom_and_remember_view);
  g_test_add_func ("/console/layers/setting-hides-units", test_layer_setting_hides_units);
  g_test_add_func ("/console/panel/stream-error-is-shown", test_panel_stream_error_is_shown);
  g_test_add_func ("/console/preferences/bind-settings", test_preferences_bind_settings);
  g_test_add_func ("/console/screenshots/zoom-11-and-16", test_screenshots);
  g_test_add_func ("/console/connection/reconnecting-when-server-stops",
                   test_connection_reconnecting_when_server_stops);

  result = g_test_run ();

  if (console.window != NULL)
    gtk_window_destroy (GTK_WINDOW (console.window));
  g_clear_object (&console.app);
  server_fixture_teardown (&console.server, NULL);
  g_free (console.dispatcher_token);
  g_free (console.unit_token);

  return result;
}
