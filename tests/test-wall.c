/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <adwaita.h>
#include <gtk/gtk.h>
#include <locale.h>
#include <math.h>

#include "bk-chart.h"
#include "bk-format.h"
#include "bk-resources.h"
#include "bk-wall-window.h"
#include "bs-history.h"
#include "server-fixture.h"
#include "ui-helpers.h"

static gboolean have_display;

static const double week_values[] = { 42, 37, 55, 61, 48, 73, 66 };
static const double week_previous[] = { 40, 45, 50, 52, 58, 60, 70 };
static const char * const week_labels[] = { "一", "二", "三", "四", "五", "六", "日", NULL };

/* Bars stand on the axis, their heights are proportional to the values, and the tallest bar
 * reaches no higher than the axis maximum. */
static void
test_chart_bar_geometry (void)
{
  GtkWidget *chart = g_object_ref_sink (bk_chart_new (BK_CHART_BAR));
  double axis;
  graphene_rect_t first, r;

  bk_chart_set_values (BK_CHART (chart), week_values, G_N_ELEMENTS (week_values), week_labels);
  g_assert_cmpuint (bk_chart_get_n_values (BK_CHART (chart)), ==, 7);
  axis = bk_chart_get_axis_max (BK_CHART (chart));
  g_assert_cmpfloat (axis, >=, 73);
  g_assert_cmpfloat (axis, <=, 100);

  g_assert_true (bk_chart_get_bar_rect (BK_CHART (chart), 0, 800, 400, &first));
  for (guint i = 0; i < G_N_ELEMENTS (week_values); i++)
    {
      g_assert_true (bk_chart_get_bar_rect (BK_CHART (chart), i, 800, 400, &r));
      /* same baseline */
      g_assert_cmpfloat_with_epsilon (r.origin.y + r.size.height,
                                      first.origin.y + first.size.height, 0.01);
      /* height / value is the same for every bar */
      g_assert_cmpfloat_with_epsilon (r.size.height / week_values[i],
                                      first.size.height / week_values[0], 0.001);
      g_assert_cmpfloat (r.origin.x, >=, 0);
      g_assert_cmpfloat (r.origin.x + r.size.width, <=, 800);
      if (i > 0)
        {
          graphene_rect_t prev;
          bk_chart_get_bar_rect (BK_CHART (chart), i - 1, 800, 400, &prev);
          g_assert_cmpfloat (r.origin.x, >, prev.origin.x + prev.size.width);
        }
    }
  g_assert_false (bk_chart_get_bar_rect (BK_CHART (chart), 7, 800, 400, &r));

  /* Doubling one value doubles only that bar. */
  {
    double v[G_N_ELEMENTS (week_values)];
    graphene_rect_t a, b;

    memcpy (v, week_values, sizeof v);
    v[0] = 20;
    v[1] = 40;
    bk_chart_set_values (BK_CHART (chart), v, G_N_ELEMENTS (v), NULL);
    bk_chart_get_bar_rect (BK_CHART (chart), 0, 800, 400, &a);
    bk_chart_get_bar_rect (BK_CHART (chart), 1, 800, 400, &b);
    g_assert_cmpfloat_with_epsilon (b.size.height, 2 * a.size.height, 0.01);
  }

  g_object_unref (chart);
}

/* The previous-period series takes part in the axis so it is never clipped. */
static void
test_chart_line_previous_axis (void)
{
  GtkWidget *chart = g_object_ref_sink (bk_chart_new (BK_CHART_LINE));
  double big[] = { 1, 2, 250 };
  graphene_rect_t r;

  bk_chart_set_values (BK_CHART (chart), week_values, G_N_ELEMENTS (week_values), week_labels);
  g_assert_cmpfloat (bk_chart_get_axis_max (BK_CHART (chart)), <, 250);
  bk_chart_set_previous (BK_CHART (chart), big, G_N_ELEMENTS (big));
  g_assert_cmpfloat (bk_chart_get_axis_max (BK_CHART (chart)), >=, 250);

  /* first point is at the left of the plot, the last at the right */
  bk_chart_get_bar_rect (BK_CHART (chart), 0, 600, 300, &r);
  g_assert_cmpfloat (r.origin.x, <, 100);
  bk_chart_get_bar_rect (BK_CHART (chart), 6, 600, 300, &r);
  g_assert_cmpfloat (r.origin.x, >, 500);
  g_object_unref (chart);
}

static void
test_chart_empty_axis (void)
{
  GtkWidget *chart = g_object_ref_sink (bk_chart_new (BK_CHART_BAR));
  graphene_rect_t r;

  g_assert_cmpfloat (bk_chart_get_axis_max (BK_CHART (chart)), ==, 1);
  g_assert_false (bk_chart_get_bar_rect (BK_CHART (chart), 0, 100, 100, &r));
  g_object_unref (chart);
}

/* Exports: a PNG that GDK loads at the requested size, a PDF that starts with %PDF and that
 * pdftoppm (when installed) rasterises. */
static void
test_chart_export (void)
{
  GtkWidget *chart = g_object_ref_sink (bk_chart_new (BK_CHART_LINE));
  g_autofree char *dir = g_dir_make_tmp ("beacon-wall-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "chart.png", NULL);
  g_autofree char *pdf = g_build_filename (dir, "chart.pdf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *pdftoppm = g_find_program_in_path ("pdftoppm");
  gsize len = 0;

  bk_chart_set_title (BK_CHART (chart), "本周警情");
  bk_chart_set_values (BK_CHART (chart), week_values, G_N_ELEMENTS (week_values), week_labels);
  bk_chart_set_previous (BK_CHART (chart), week_previous, G_N_ELEMENTS (week_previous));

  g_assert_true (bk_chart_export_png (BK_CHART (chart), png, 900, 450, &error));
  g_assert_no_error (error);
  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 900);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 450);

  /* the pixels follow the geometry: a bar chart's bar is blue inside, white just above it */
  {
    GtkWidget *bars = g_object_ref_sink (bk_chart_new (BK_CHART_BAR));
    g_autoptr(GdkTexture) bt = NULL;
    g_autofree guint32 *px = g_new (guint32, 900 * 450);
    graphene_rect_t r;
    guint32 in, above;

    bk_chart_set_values (BK_CHART (bars), week_values, G_N_ELEMENTS (week_values), NULL);
    g_assert_true (bk_chart_export_png (BK_CHART (bars), png, 900, 450, &error));
    bt = gdk_texture_new_from_filename (png, &error);
    g_assert_no_error (error);
    gdk_texture_download (bt, (guchar *) px, 900 * 4);
    bk_chart_get_bar_rect (BK_CHART (bars), 5, 900, 450, &r);
    in = px[(int) (r.origin.y + r.size.height / 2) * 900 + (int) (r.origin.x + r.size.width / 2)];
    above = px[(int) (r.origin.y - 4) * 900 + (int) (r.origin.x + r.size.width / 2)];
    /* ARGB32 premultiplied, native endian: blue channel high, red low inside the bar */
    g_assert_cmpuint (in & 0xff, >, 180);
    g_assert_cmpuint ((in >> 16) & 0xff, <, 100);
    g_assert_cmpuint (above & 0xffffff, ==, 0xffffff);
    g_object_unref (bars);
  }

  g_assert_true (bk_chart_export_pdf (BK_CHART (chart), pdf, 595, 300, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (pdf, &contents, &len, &error));
  g_assert_cmpuint (len, >, 100);
  g_assert_true (g_str_has_prefix (contents, "%PDF"));

  if (pdftoppm != NULL)
    {
      g_autofree char *prefix = g_build_filename (dir, "page", NULL);
      g_autofree char *out = g_strconcat (prefix, ".png", NULL);
      const char *argv[] = { pdftoppm, "-png", "-singlefile", pdf, prefix, NULL };
      int status = 0;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                                   NULL, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));
      g_unlink (out);
    }
  else
    g_test_message ("pdftoppm not installed; PDF not rasterised");

  g_test_message ("exported %s and %s", png, pdf);
  g_unlink (png);
  g_unlink (pdf);
  g_rmdir (dir);

  /* an unwritable path fails with an error */
  g_assert_false (bk_chart_export_png (BK_CHART (chart), "/nonexistent/dir/x.png", 10, 10,
                                       &error));
  g_assert_nonnull (error);
  g_object_unref (chart);
}

/* The charts on screen at wall scale: a dark window with three charts, saved as a screenshot. */
static void
test_chart_screenshot (void)
{
  GtkWidget *window, *box, *bar, *line, *strip;
  double hours[24];
  static const char * const hour_labels[] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
    "16", "17", "18", "19", "20", "21", "22", "23", NULL };
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  for (guint i = 0; i < 24; i++)
    hours[i] = 10 + 8 * sin ((i - 6) * G_PI / 12) + (i % 3);

  window = gtk_window_new ();
  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 900);
  gtk_widget_add_css_class (window, "wall");
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
  gtk_window_set_child (GTK_WINDOW (window), box);

  bar = bk_chart_new (BK_CHART_BAR);
  bk_chart_set_scale (BK_CHART (bar), 2);
  bk_chart_set_title (BK_CHART (bar), "本周警情（日）");
  bk_chart_set_values (BK_CHART (bar), week_values, 7, week_labels);
  bk_chart_set_previous (BK_CHART (bar), week_previous, 7);
  gtk_widget_set_vexpand (bar, TRUE);
  gtk_box_append (GTK_BOX (box), bar);

  line = bk_chart_new (BK_CHART_LINE);
  bk_chart_set_scale (BK_CHART (line), 2);
  bk_chart_set_title (BK_CHART (line), "趋势（对比上期）");
  bk_chart_set_values (BK_CHART (line), week_values, 7, week_labels);
  bk_chart_set_previous (BK_CHART (line), week_previous, 7);
  gtk_widget_set_vexpand (line, TRUE);
  gtk_box_append (GTK_BOX (box), line);

  strip = bk_chart_new (BK_CHART_HOUR_STRIP);
  bk_chart_set_scale (BK_CHART (strip), 2);
  bk_chart_set_title (BK_CHART (strip), "24 小时分布");
  bk_chart_set_values (BK_CHART (strip), hours, 24, hour_labels);
  gtk_box_append (GTK_BOX (box), strip);

  gtk_window_present (GTK_WINDOW (window));
  ui_spin_ms (300);
  g_assert_true (ui_wait_for_frame (window, G_MAXUINT));

  g_assert_cmpint (gtk_widget_get_width (bar), >, 400);
  g_assert_cmpint (gtk_widget_get_height (strip), >=, 144);

  texture = ui_render_widget (window);
  g_assert_nonnull (texture);
  path = g_build_filename (g_get_tmp_dir (), "beacon-wall-charts.png", NULL);
  /* G_TEST_OPTION_ISOLATE_DIRS points tmp into a removed directory; keep it under /tmp */
  g_free (path);
  path = g_strdup ("/tmp/beacon-wall-charts.png");
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  g_print ("# screenshot: %s\n", path);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- the wall display against a real server ----------------------------------------------- */

/*
 * A BsServer in its own thread over a SQLite file seeded with 120 days of history, some open
 * incidents and units, and one BkWallWindow signed in to it through wall.ini, as on a wall
 * controller. The tests share the server and the wall (set up by whichever needs them first);
 * the restart test stops and starts the server on the same database and port.
 */

#define WAIT_MS 20000
#define HISTORY_DAYS 120
#define CENTER_LAT 31.0355
#define CENTER_LON 112.2040

typedef struct
{
  ServerFixture  server;
  gboolean       started;
  char          *dispatcher_token;
  char          *supervisor_token;
  gint64         unit_ids[6];
  BkWallWindow  *wall;
} Wall;

static Wall w;

static gboolean
wait_until (FixtureCondition cond,
            gpointer         data)
{
  return fixture_wait (cond, data, WAIT_MS);
}

static gint64
create_incident (const char *type,
                 int         priority,
                 double      lat,
                 double      lon,
                 const char *address)
{
  g_autofree char *body = NULL;
  g_autoptr(TestReply) reply = NULL;

  body = g_strdup_printf ("{\"type\":\"%s\",\"priority\":%d,"
                          "\"location\":{\"lat\":%.6f,\"lon\":%.6f},"
                          "\"address\":\"%s\",\"description\":\"测试\"}",
                          type, priority, lat, lon, address);
  reply = fixture_http (&w.server, "POST", "/api/v1/incidents", w.dispatcher_token, body, NULL);
  g_assert_cmpuint (reply->status, ==, 201);
  return json_object_get_int_member (test_reply_object (reply), "id");
}

static void
ensure_server (void)
{
  static const char * const call_signs[] = {
    "东宝巡01", "东宝巡02", "掇刀巡01", "掇刀巡02", "交警01", "特警01",
  };
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TestReply) reply = NULL;

  ui_rearm_expected_warnings ();
  if (w.started)
    return;

  server_fixture_start (&w.server, NULL);
  w.started = TRUE;
  fixture_seed_history (&w.server, HISTORY_DAYS, 20261124, 0);

  fixture_add_user (&w.server, "wall", BC_ROLE_SUPERVISOR, "指挥中心大屏", TEST_PASSWORD);
  w.supervisor_token = fixture_login (&w.server, "wall", TEST_PASSWORD);
  w.dispatcher_token = fixture_user_token (&w.server, "dispatcher", BC_ROLE_DISPATCHER, "调度员");
  for (guint i = 0; i < G_N_ELEMENTS (call_signs); i++)
    w.unit_ids[i] = fixture_add_unit (&w.server, call_signs[i],
                                      CENTER_LAT + 0.01 * ((int) i - 3), CENTER_LON + 0.012 * (i % 3));

  create_incident ("criminal", 1, CENTER_LAT - 0.009, CENTER_LON + 0.011, "长宁大道88号金融大厦");
  create_incident ("traffic", 2, CENTER_LAT + 0.0012, CENTER_LON - 0.0015, "象山大道与白庙路交叉口");
  create_incident ("rescue", 2, CENTER_LAT - 0.018, CENTER_LON - 0.020, "泉口路与海慧路交叉口");
  create_incident ("dispute", 3, CENTER_LAT + 0.016, CENTER_LON + 0.004, "月亮湖路32号");
  create_incident ("dispute", 3, CENTER_LAT + 0.006, CENTER_LON - 0.024, "金虾路15号");
  create_incident ("suspicious", 4, CENTER_LAT + 0.006, CENTER_LON + 0.026, "培公大道东宝公园北门");

  /* One unit under way. */
  {
    gint64 id = create_incident ("fire", 1, CENTER_LAT + 0.021, CENTER_LON + 0.018, "白云大道与海慧路口");

    body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "],\"instructions\":\"立即出警\"}",
                            w.unit_ids[0]);
    path = g_strdup_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch", id);
    reply = fixture_http (&w.server, "POST", path, w.dispatcher_token, body,
                          "Idempotency-Key", "test-wall-dispatch-1", NULL);
    g_assert_cmpuint (reply->status, ==, 201);
  }
}

static void
write_wall_ini (const char *contents,
                int         mode)
{
  g_autofree char *path = bk_wall_config_default_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static gboolean
wall_ready (gpointer data)
{
  BkLiveState *live = bk_wall_window_get_live_state (w.wall);

  return live != NULL && bk_live_state_get_loaded (live)
         && bk_wall_window_get_n_refreshes (w.wall) > 0;
}

static void
ensure_wall (void)
{
  g_autofree char *ini = NULL;
  g_autoptr(GError) error = NULL;

  ensure_server ();
  if (w.wall != NULL)
    return;

  ini = g_strdup_printf ("# the wall controller's account\n[wall]\nserver = %s\n"
                         "username = wall\npassword = %s\n", w.server.base_uri, TEST_PASSWORD);
  write_wall_ini (ini, 0600);

  w.wall = g_object_ref_sink (bk_wall_window_new (NULL));
  /* Under Xvfb there is no window manager to honour fullscreen: ask for the size. */
  gtk_window_set_default_size (GTK_WINDOW (w.wall), 1920, 1080);
  gtk_window_present (GTK_WINDOW (w.wall));
  g_assert_true (bk_wall_window_connect_with_config (w.wall, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (wait_until (wall_ready, NULL));
}

static guint refresh_target;

static gboolean
refreshed (gpointer data)
{
  return bk_wall_window_get_n_refreshes (w.wall) >= refresh_target;
}

/* A complete statistics round that started after this call. */
static void
refresh_and_wait (void)
{
  /* A round in flight may have started before: ask for one more after it. */
  refresh_target = bk_wall_window_get_n_refreshes (w.wall) + 2;
  bk_wall_window_refresh_now (w.wall);
  bk_wall_window_refresh_now (w.wall);
  g_assert_true (wait_until (refreshed, NULL));
}

static JsonObject *
server_summary (const char *period,
                TestReply **reply_out)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/stats/summary?period=%s", period);
  TestReply *reply = fixture_http (&w.server, "GET", path, w.supervisor_token, NULL, NULL);

  g_assert_cmpuint (reply->status, ==, 200);
  *reply_out = reply;
  return test_reply_object (reply);
}

static char *
int_text (gint64 value)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

static char *
median_text (JsonObject *duration)
{
  gint64 count = json_object_get_int_member (duration, "count");

  if (count == 0)
    return g_strdup ("—");
  return bk_format_duration ((gint64) (json_object_get_double_member (duration, "p50")
                                       * G_USEC_PER_SEC));
}

/* The tiles say what the server's summary says, and what the live state holds. */
static void
test_wall_numbers_match_server (void)
{
  g_autoptr(TestReply) reply = NULL;
  JsonObject *summary, *live, *open, *units, *current;
  static const char * const statuses[] = { "available", "dispatched", "en_route", "on_scene",
                                           "off_duty" };

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  ensure_wall ();
  refresh_and_wait ();

  summary = server_summary ("day", &reply);
  live = json_object_get_object_member (summary, "live");
  open = json_object_get_object_member (live, "open_by_priority");
  units = json_object_get_object_member (live, "units_by_status");
  current = json_object_get_object_member (summary, "current");

  for (int p = 1; p <= 4; p++)
    {
      char key[4];
      g_autofree char *expected = NULL;

      g_snprintf (key, sizeof key, "%d", p);
      expected = int_text (json_object_get_int_member (open, key));
      g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_OPEN_P1 + p - 1), ==,
                       expected);
    }
  g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_OPEN_P1), ==, "2");
  g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_OPEN_P2), ==, "2");
  g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_OPEN_TOTAL), ==, "7");
  g_assert_cmpuint (g_list_model_get_n_items (bk_live_state_get_incidents (
                      bk_wall_window_get_live_state (w.wall))), ==, 7);

  for (guint s = 0; s < G_N_ELEMENTS (statuses); s++)
    {
      g_autofree char *expected = int_text (json_object_get_int_member (units, statuses[s]));

      g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_UNITS_AVAILABLE + s), ==,
                       expected);
    }
  g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_UNITS_DISPATCHED), ==, "1");

  {
    JsonObject *today = json_object_get_object_member (summary, "today");
    JsonObject *last_week = json_object_get_object_member (summary, "same_weekday_last_week");
    g_autofree char *today_text = int_text (json_object_get_int_member (today, "count"));
    g_autofree char *week_number = int_text (json_object_get_int_member (last_week, "count"));
    g_autofree char *week_text = g_strdup_printf (_("Same time last week: %s"), week_number);
    g_autofree char *dispatch = median_text (json_object_get_object_member (current,
                                                                            "dispatch_time_s"));
    g_autofree char *response = median_text (json_object_get_object_member (current,
                                                                            "response_time_s"));
    const char *change = bk_wall_window_get_text (w.wall, BK_WALL_FIELD_CHANGE);

    g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_TODAY), ==, today_text);
    g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_LAST_WEEK), ==, week_text);
    g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_DISPATCH_MEDIAN), ==,
                     dispatch);
    g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_RESPONSE_MEDIAN), ==,
                     response);
    /* The arrow says which way today goes against last week. */
    if (json_object_get_int_member (today, "count") > json_object_get_int_member (last_week, "count"))
      g_assert_true (g_str_has_prefix (change, "▲"));
    else if (json_object_get_int_member (today, "count")
             < json_object_get_int_member (last_week, "count"))
      g_assert_true (g_str_has_prefix (change, "▼"));
    g_test_message ("today %s, %s, %s; medians %s / %s", today_text, week_text, change,
                    dispatch, response);
    /* Seeded history: last week had incidents by this time, so there is a percentage. */
    g_assert_cmpint (json_object_get_int_member (last_week, "count"), >, 0);
    g_assert_nonnull (strchr (change, '%'));
  }

  /* The newest P1/P2 list: four open, newest first. */
  {
    gint64 ids[BK_WALL_N_NEWEST];

    bk_wall_window_get_newest (w.wall, ids);
    g_assert_cmpint (ids[0], >, 0);
    g_assert_cmpint (ids[3], >, 0);
    g_assert_cmpint (ids[4], ==, 0);
    g_assert_cmpint (ids[0], >, ids[1]);
  }
}

static guint
max_index (GArray *days)
{
  guint best = 0;

  for (guint i = 1; i < days->len; i++)
    if (g_array_index (days, BcStatsDay, i).total > g_array_index (days, BcStatsDay, best).total)
      best = i;
  return best;
}

/* The chart shows the current period's by_day; the heights follow the values. */
static void
check_trend (BcStatsPeriod  period,
             guint          days,
             const char    *title)
{
  BkChart *chart = bk_wall_window_get_chart (w.wall);
  BcStatsSummary *summary = bk_wall_window_get_summary (w.wall, period);
  g_autoptr(TestReply) reply = NULL;
  g_autofree char *query = NULL;
  JsonObject *answer;
  JsonArray *by_day;
  graphene_rect_t top, r;
  guint top_index;

  g_assert_cmpint (bk_wall_window_get_trend_period (w.wall), ==, period);
  g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_TREND_TITLE), ==, title);
  g_assert_nonnull (summary);
  /* Whole days: the period ends with yesterday (China Standard Time). */
  {
    g_autoptr(GTimeZone) tz = g_time_zone_new_offset (8 * 3600);
    g_autoptr(GDateTime) now = g_date_time_new_now (tz);
    g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);
    g_autofree char *end = g_date_time_format (yesterday, "%Y-%m-%d");

    g_assert_cmpstr (summary->current.last_day, ==, end);
  }
  query = g_strdup_printf ("%s&end=%s", bc_stats_period_to_string (period),
                           summary->current.last_day);
  answer = server_summary (query, &reply);
  by_day = json_object_get_array_member (json_object_get_object_member (answer, "current"),
                                         "by_day");
  g_assert_cmpuint (summary->current.by_day->len, ==, days);
  g_assert_cmpuint (bk_chart_get_n_values (chart), ==, days);
  g_assert_cmpuint (json_array_get_length (by_day), ==, days);

  /* Every day of the wall's answer is the server's. */
  for (guint i = 0; i < days; i++)
    g_assert_cmpint (g_array_index (summary->current.by_day, BcStatsDay, i).total, ==,
                     json_object_get_int_member (json_array_get_object_element (by_day, i),
                                                 "total"));

  top_index = max_index (summary->current.by_day);
  g_assert_true (bk_chart_get_bar_rect (chart, top_index, 800, 400, &top));
  for (guint i = 0; i < days; i++)
    {
      double expected = (double) g_array_index (summary->current.by_day, BcStatsDay, i).total
                        / (double) g_array_index (summary->current.by_day, BcStatsDay,
                                                  top_index).total;

      g_assert_true (bk_chart_get_bar_rect (chart, i, 800, 400, &r));
      g_assert_cmpfloat_with_epsilon (r.size.height / top.size.height, expected, 0.001);
    }
}

static gboolean
period_is (gpointer data)
{
  return bk_wall_window_get_trend_period (w.wall) == *(BcStatsPeriod *) data;
}

static void
test_wall_trend_rotates (void)
{
  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  ensure_wall ();
  refresh_and_wait ();

  /* Whatever period is up, go round to the week. */
  while (bk_wall_window_get_trend_period (w.wall) != BC_STATS_PERIOD_WEEK)
    bk_wall_window_rotate_now (w.wall);

  check_trend (BC_STATS_PERIOD_WEEK, 7, _("7 days to yesterday"));
  bk_wall_window_rotate_now (w.wall);
  check_trend (BC_STATS_PERIOD_MONTH, 30, _("30 days to yesterday"));
  bk_wall_window_rotate_now (w.wall);
  check_trend (BC_STATS_PERIOD_QUARTER, 90, _("90 days to yesterday"));
  bk_wall_window_rotate_now (w.wall);
  g_assert_cmpint (bk_wall_window_get_trend_period (w.wall), ==, BC_STATS_PERIOD_WEEK);

  /* The rotation is timed, not only driven. */
  bk_wall_window_set_intervals (w.wall, 60000, 300);
  {
    BcStatsPeriod month = BC_STATS_PERIOD_MONTH, quarter = BC_STATS_PERIOD_QUARTER;

    g_assert_true (wait_until (period_is, &month));
    g_assert_true (wait_until (period_is, &quarter));
  }
  bk_wall_window_set_intervals (w.wall, 60000, 30000);
}

/* ---- screenshots ---- */

typedef struct
{
  int width;
  int height;
} Size;

static gboolean
sized (gpointer data)
{
  Size *size = data;

  return gtk_widget_get_width (GTK_WIDGET (w.wall)) == size->width
         && gtk_widget_get_height (GTK_WIDGET (w.wall)) == size->height
         && fabs (bk_wall_window_get_type_scale (w.wall) - size->height / 1080.0) < 0.03;
}

static void
render_at (int         width,
           int         height,
           const char *name)
{
  g_autofree char *path = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  Size size = { width, height };
  BkChart *chart = bk_wall_window_get_chart (w.wall);

  /* GTK keeps a window's default size within the monitor (the test's Xvfb screen may be
   * smaller than a 4K wall); a size request is honoured beyond it. */
  gtk_widget_set_size_request (GTK_WIDGET (w.wall), width, height);
  gtk_window_set_default_size (GTK_WINDOW (w.wall), width, height);
  gtk_widget_queue_resize (GTK_WIDGET (w.wall));
  if (!wait_until (sized, &size))
    g_error ("the wall is %dx%d at type scale %.2f, not %dx%d",
             gtk_widget_get_width (GTK_WIDGET (w.wall)),
             gtk_widget_get_height (GTK_WIDGET (w.wall)),
             bk_wall_window_get_type_scale (w.wall), width, height);
  /* Tiles of the base map arrive asynchronously. */
  ui_spin_ms (1500);

  path = ui_save_screenshot (GTK_WIDGET (w.wall), name, WAIT_MS);
  /* The layout: map two thirds, tiles one third; the type grew with the window. */
  {
    GtkWidget *map = GTK_WIDGET (bk_wall_window_get_map_view (w.wall));

    g_assert_cmpfloat (fabs (gtk_widget_get_width (map) - width * 2.0 / 3.0), <, width * 0.02);
    g_assert_cmpfloat (bk_chart_get_scale (chart), ==, 1.4 * height / 1080.0);
    g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (chart)), >, height / 8);
  }

  texture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, height);
}

static void
test_wall_render_1920 (void)
{
  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  ensure_wall ();
  while (bk_wall_window_get_trend_period (w.wall) != BC_STATS_PERIOD_MONTH)
    bk_wall_window_rotate_now (w.wall);
  render_at (1920, 1080, "wall-1920x1080.png");
}

static void
test_wall_render_3840 (void)
{
  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  ensure_wall ();
  while (bk_wall_window_get_trend_period (w.wall) != BC_STATS_PERIOD_QUARTER)
    bk_wall_window_rotate_now (w.wall);
  render_at (3840, 2160, "wall-3840x2160.png");
  g_assert_cmpfloat (bk_wall_window_get_type_scale (w.wall), ==, 2.0);
  render_at (1920, 1080, "wall-1920x1080-again.png");
}

/* ---- a new P1 ---- */

static gboolean
map_at (gpointer data)
{
  ShumateViewport *viewport = bk_map_view_get_viewport (bk_wall_window_get_map_view (w.wall));

  return ui_viewport_at (viewport, data, 1e-4, 0.01);
}

static void
test_wall_p1_flies_and_returns (void)
{
  UiMapView home = { 31.05, 112.25, 11.0 };
  UiMapView there = { 31.1702, 112.5891, 15.0 };
  const char *id_text;
  gint64 id, started;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  ensure_wall ();
  bk_wall_window_set_home (w.wall, home.lat, home.lon, home.zoom);
  g_assert_true (wait_until (map_at, &home));
  bk_wall_window_set_focus_hold (w.wall, 10000);

  /* A P2 does not take the map. */
  create_incident ("traffic", 2, 31.0, 112.3, "掇刀区白庙路");
  ui_spin_ms (1500);
  g_assert_true (map_at (&home));
  g_assert_cmpint (bk_wall_window_get_focus (w.wall), ==, 0);

  id = create_incident ("criminal", 1, there.lat, there.lon, "钟祥市郢中街道莫愁大道1号");
  started = g_get_monotonic_time ();
  g_assert_true (wait_until (map_at, &there));
  g_test_message ("the map reached the new P1 after %.1f s",
                  (g_get_monotonic_time () - started) / 1e6);
  g_assert_cmpint (bk_wall_window_get_focus (w.wall), ==, id);
  g_assert_cmpint (bk_map_view_get_selection (bk_wall_window_get_map_view (w.wall), &id_text),
                   ==, BK_OBJECT_INCIDENT);
  g_assert_cmpint (g_ascii_strtoll (id_text, NULL, 10), ==, id);
  {
    gint64 ids[BK_WALL_N_NEWEST];

    bk_wall_window_get_newest (w.wall, ids);
    g_assert_cmpint (ids[0], ==, id);
  }

  /* Held, then home again (a slow machine, or ASan, may take most of the hold to get there). */
  ui_spin_ms (500);
  if (g_get_monotonic_time () - started < 9000 * 1000)
    g_assert_true (map_at (&there));
  g_assert_true (wait_until (map_at, &home));
  g_assert_cmpint (bk_wall_window_get_focus (w.wall), ==, 0);
  g_assert_cmpint (bk_map_view_get_selection (bk_wall_window_get_map_view (w.wall), NULL), ==,
                   BK_OBJECT_NONE);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 10000 * 1000);
}

/* ---- the server goes away ---- */

static gboolean
banner_shown (gpointer data)
{
  return *bk_wall_window_get_text (w.wall, BK_WALL_FIELD_BANNER) != '\0';
}

static gboolean
banner_hidden (gpointer data)
{
  return *bk_wall_window_get_text (w.wall, BK_WALL_FIELD_BANNER) == '\0'
         && bc_client_get_connection_state (bk_wall_window_get_client (w.wall))
            == BC_CONNECTION_STATE_CONNECTED;
}

static gboolean
label_is (gpointer data)
{
  const char **expected = data;

  return g_strcmp0 (bk_wall_window_get_text (w.wall, GPOINTER_TO_INT (expected[0])),
                    expected[1]) == 0;
}

static void
test_wall_survives_server_restart (void)
{
  BcClient *client;
  BsConfig *config;
  g_autofree char *expected_banner = NULL;
  g_autofree char *since = NULL;
  g_autofree char *today_after = NULL;
  g_autofree char *p2_after = NULL;
  g_autoptr(GDateTime) lost = NULL;
  gint64 today_before, p2_before;
  guint16 port;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  ensure_wall ();
  refresh_and_wait ();
  client = bk_wall_window_get_client (w.wall);
  g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_BANNER), ==, "");
  g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_CONNECTION), ==, _("Connected"));
  today_before = g_ascii_strtoll (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_TODAY), NULL, 10);
  p2_before = g_ascii_strtoll (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_OPEN_P2), NULL, 10);

  /* A dead peer is noticed by silence; the server's heartbeat is slower than a test. */
  bc_client_set_silence_timeout (client, 1500);
  bc_client_set_reconnect_delays (client, 300, 1500);

  port = w.server.port;
  server_fixture_stop (&w.server);
  g_assert_true (wait_until (banner_shown, NULL));

  lost = g_date_time_new_from_unix_local (bc_client_get_offline_since (client) / G_USEC_PER_SEC);
  since = g_date_time_format (lost, "%H:%M");
  expected_banner = g_strdup_printf (_("Connection lost since %s"), since);
  g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_BANNER), ==, expected_banner);
  g_test_message ("banner: %s", expected_banner);

  /* Several failed attempts, and the wall keeps trying. */
  ui_spin_ms (3000);
  g_assert_cmpstr (bk_wall_window_get_text (w.wall, BK_WALL_FIELD_BANNER), ==, expected_banner);
  g_free (ui_save_screenshot (GTK_WIDGET (w.wall), "wall-connection-lost.png", WAIT_MS));

  /* The same database, the same address. */
  config = server_fixture_test_config ();
  g_free (config->listen);
  config->listen = g_strdup_printf ("127.0.0.1:%u", port);
  server_fixture_start (&w.server, config);
  g_assert_true (wait_until (banner_hidden, NULL));

  /* New data after the restart reaches the wall: the live count at once, today's count with
   * the statistics that follow an incident's creation. */
  create_incident ("rescue", 2, CENTER_LAT + 0.003, CENTER_LON + 0.004, "象山大道1号");
  p2_after = int_text (p2_before + 1);
  today_after = int_text (today_before + 1);
  {
    const char *expect_p2[] = { GINT_TO_POINTER (BK_WALL_FIELD_OPEN_P2), p2_after };
    const char *expect_today[] = { GINT_TO_POINTER (BK_WALL_FIELD_TODAY), today_after };

    g_assert_true (wait_until (label_is, expect_p2));
    g_assert_true (wait_until (label_is, expect_today));
  }
}

/* ---- wall.ini ---- */

static void
test_wall_config_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = bk_wall_config_default_path ();
  BkWallWindow *wall;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  wall = g_object_ref_sink (bk_wall_window_new (NULL));
  g_assert_false (bk_wall_window_connect_with_config (wall, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "chmod 600"));
  /* Shown on the wall, no connection attempted. */
  g_assert_cmpstr (bk_wall_window_get_text (wall, BK_WALL_FIELD_ERROR), ==, error->message);
  g_assert_null (bk_wall_window_get_client (wall));
  g_assert_cmpstr (bk_wall_window_get_text (wall, BK_WALL_FIELD_CONNECTION), ==, _("Not signed in"));
  gtk_window_destroy (GTK_WINDOW (wall));
  g_object_unref (wall);
}

static void
test_wall_config_permissions (void)
{
  static const int refused[] = { 0644, 0640, 0604, 0660, 0620 };
  g_autofree char *path = bk_wall_config_default_path ();
  const char *ini = "[wall]\nserver = http://127.0.0.1:9\nusername = wall\npassword = secret\n";

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BkWallConfig) config = NULL;

      write_wall_ini (ini, refused[i]);
      config = bk_wall_config_load (path, NULL, &error);
      g_assert_null (config);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, "chmod 600"));
    }

  /* The wall window shows the same refusal and does not crash or connect. */
  if (have_display)
    {
      g_autoptr(GError) error = NULL;
      BkWallWindow *wall = g_object_ref_sink (bk_wall_window_new (NULL));

      write_wall_ini (ini, 0644);
      g_assert_false (bk_wall_window_connect_with_config (wall, NULL, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      g_assert_cmpstr (bk_wall_window_get_text (wall, BK_WALL_FIELD_ERROR), ==, error->message);
      g_assert_null (bk_wall_window_get_client (wall));
      gtk_window_destroy (GTK_WINDOW (wall));
      g_object_unref (wall);
    }

  /* 0600 and 0400 are fine; --server replaces the file's server. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BkWallConfig) config = NULL;
    g_autoptr(BkWallConfig) overridden = NULL;

    write_wall_ini ("[wall]\nserver = http://10.1.2.3:8080\nusername = 值班长\n"
                    "password = s3cret pass\nhome = 31.2, 112.6, 10\n", 0400);
    config = bk_wall_config_load (path, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (config->server, ==, "http://10.1.2.3:8080");
    g_assert_cmpstr (config->username, ==, "值班长");
    g_assert_cmpstr (config->password, ==, "s3cret pass");
    g_assert_true (config->has_home);
    g_assert_cmpfloat (config->home_zoom, ==, 10);
    overridden = bk_wall_config_load (path, "https://beacon.example:443", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (overridden->server, ==, "https://beacon.example:443");
  }
}

static void
test_wall_config_bad_contents (void)
{
  static const char * const bad[] = {
    "[wall]\nserver = http://127.0.0.1:9\nusername = wall\n",              /* no password */
    "[wall]\nusername = wall\npassword = x\n",                             /* no server */
    "[wall]\nserver = ftp://127.0.0.1\nusername = wall\npassword = x\n",   /* not http */
    "[wall]\nserver = http://127.0.0.1:9\nusername = wall\npassword = x\nhome = north\n",
    "not a key file",
  };
  g_autofree char *path = bk_wall_config_default_path ();

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BkWallConfig) config = NULL;

      write_wall_ini (bad[i], 0600);
      config = bk_wall_config_load (path, NULL, &error);
      g_assert_null (config);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
    }

  /* A directory is not a configuration. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "beacon", "dir.ini", NULL);

    g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
    g_assert_null (bk_wall_config_load (dir, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
  }
}

/* ---- memory ---- */

static gsize
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return (gsize) g_ascii_strtoull (line + 6, NULL, 10);
}

static void
test_wall_memory_flat (void)
{
#ifdef __SANITIZE_ADDRESS__
  /* ASan keeps freed memory in quarantine: the size says nothing, LeakSanitizer does. */
  guint cycles = 40, warm_up = 10;
  gboolean check_rss = FALSE;
#else
  guint cycles = g_test_slow () ? 1000 : 200, warm_up = 50;
  gboolean check_rss = TRUE;
#endif
  gsize before, after;
  guint start;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  ensure_wall ();
  bk_wall_window_set_intervals (w.wall, 20, 50);

  /* Warm up: caches, fonts, the allocator's pools. */
  refresh_target = bk_wall_window_get_n_refreshes (w.wall) + warm_up;
  g_assert_true (fixture_wait (refreshed, NULL, 300000));
  before = rss_kib ();

  start = bk_wall_window_get_n_refreshes (w.wall);
  refresh_target = start + cycles;
  g_assert_true (fixture_wait (refreshed, NULL, 600000));
  after = rss_kib ();
  bk_wall_window_set_intervals (w.wall, 60000, 30000);

  g_test_message ("RSS %zu KiB before, %zu KiB after %u statistics rounds (%u requests) "
                  "and %u rotations: %+zd KiB",
                  before, after, cycles, cycles * 4, cycles * 20 / 50,
                  (gssize) after - (gssize) before);
  g_print ("# wall memory: RSS %zu KiB -> %zu KiB over %u refresh rounds\n", before, after,
           cycles);
  /* Flat: a leak of one summary per round would be several MiB here. */
  if (check_rss)
    g_assert_cmpint ((gssize) after - (gssize) before, <, 4096);
}

/* The server logs a request cancelled by the client (a camera load the map gave up, a
 * statistics request of a wall being closed) as a warning; that is not a failure. */
static gboolean
is_cancelled_request (const char *message)
{
  return strstr (message, " 500 ") != NULL
         && (g_str_has_prefix (message, "GET /api/v1/cameras")
             || g_str_has_prefix (message, "GET /api/v1/stats"));
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GDK_DEBUG", "default-settings", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  ui_test_init (&argc, &argv, "tile.png");
  ui_expect_server_warnings (is_cancelled_request, "cancelled request");

  have_display = gtk_init_check ();
  /* What BkApplication sets up for the real wall: libadwaita's dark style and the
   * application's style.css (the map legend's colours, among others). */
  if (have_display)
    ui_setup_style (TRUE);

  g_test_add_func ("/wall/chart/bar/geometry-matches-values", test_chart_bar_geometry);
  g_test_add_func ("/wall/chart/line/previous-period-in-axis", test_chart_line_previous_axis);
  g_test_add_func ("/wall/chart/empty/axis", test_chart_empty_axis);
  g_test_add_func ("/wall/chart/export/png-and-pdf", test_chart_export);
  g_test_add_func ("/wall/chart/screenshot", test_chart_screenshot);
  g_test_add_func ("/wall/config/missing-file-is-an-error", test_wall_config_missing);
  g_test_add_func ("/wall/config/readable-by-others-is-refused", test_wall_config_permissions);
  g_test_add_func ("/wall/config/bad-contents-are-errors", test_wall_config_bad_contents);
  g_test_add_func ("/wall/tiles/numbers-match-server", test_wall_numbers_match_server);
  g_test_add_func ("/wall/trend/rotates-week-month-quarter", test_wall_trend_rotates);
  g_test_add_func ("/wall/render/1920x1080", test_wall_render_1920);
  g_test_add_func ("/wall/render/3840x2160", test_wall_render_3840);
  g_test_add_func ("/wall/p1/map-flies-to-it-and-returns", test_wall_p1_flies_and_returns);
  g_test_add_func ("/wall/connection/survives-server-restart", test_wall_survives_server_restart);
  g_test_add_func ("/wall/memory/flat-over-refresh-cycles", test_wall_memory_flat);

  result = g_test_run ();

  if (w.wall != NULL)
    {
      gtk_window_destroy (GTK_WINDOW (w.wall));
      g_clear_object (&w.wall);
    }
  if (w.started)
    server_fixture_teardown (&w.server, NULL);
  g_free (w.dispatcher_token);
  g_free (w.supervisor_token);

  return result;
}
