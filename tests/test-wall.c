/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>

#include "bk-chart.h"

static gboolean have_display;

static const double week_values[] = { 42, 37, 55, 61, 48, 73, 66 };
static const double week_previous[] = { 40, 45, 50, 52, 58, 60, 70 };
static const char * const week_labels[] = { "一", "二", "三", "四", "五", "六", "日", NULL };

static gboolean
timeout_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

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

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       data)
{
  *(gboolean *) data = TRUE;
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
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  gboolean painted = FALSE;
  gulong id;

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
  spin_ms (300);
  id = g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                         G_CALLBACK (after_paint_cb), &painted);
  gtk_widget_queue_draw (window);
  while (!painted)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (gtk_widget_get_frame_clock (window), id);

  g_assert_cmpint (gtk_widget_get_width (bar), >, 400);
  g_assert_cmpint (gtk_widget_get_height (strip), >=, 144);

  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (window),
                          gtk_widget_get_height (window));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0,
                                                              gtk_widget_get_width (window),
                                                              gtk_widget_get_height (window)));
  path = g_build_filename (g_get_tmp_dir (), "beacon-wall-charts.png", NULL);
  /* G_TEST_OPTION_ISOLATE_DIRS points tmp into a removed directory; keep it under /tmp */
  g_free (path);
  path = g_strdup ("/tmp/beacon-wall-charts.png");
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  g_print ("# screenshot: %s\n", path);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GDK_DEBUG", "default-settings", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  have_display = gtk_init_check ();
  if (have_display)
    {
      /* the wall is dark; charts take their text colour from the theme */
      g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
    }

  g_test_add_func ("/wall/chart/bar/geometry-matches-values", test_chart_bar_geometry);
  g_test_add_func ("/wall/chart/line/previous-period-in-axis", test_chart_line_previous_axis);
  g_test_add_func ("/wall/chart/empty/axis", test_chart_empty_axis);
  g_test_add_func ("/wall/chart/export/png-and-pdf", test_chart_export);
  g_test_add_func ("/wall/chart/screenshot", test_chart_screenshot);

  return g_test_run ();
}
