/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-bench"

#include "config.h"

/* The map's point layer at 1920×1080 with the cairo renderer (run under Xvfb):
 *   - time to load 20,000 cameras + 300 units + 1,000 incidents, and 100,000 cameras;
 *   - CPU time per frame while panning (zoom 16, cameras drawn one by one) and while zooming
 *     (zoom 15 to 16), for the empty map, 20,000 and 100,000 cameras: the frame is the
 *     window's snapshot (the layers' snapshots) plus the gsk render of its node, called
 *     directly, not paced by the frame clock;
 *   - libshumate's ShumateMarkerLayer with 2,000 and 20,000 markers: add time and pan frame
 *     time, as ratios against the point layer with the same points;
 *   - RSS with 20,000 cameras loaded.
 * Output: "bench: NAME VALUE UNIT" lines only. */

#include <gtk/gtk.h>
#include <math.h>
#include <shumate/shumate.h>
#include <time.h>
#include <unistd.h>

#include "bc-geo.h"
#include "bk-point-layer.h"
#include "bk-schematic-source.h"

#define WIDTH  1920
#define HEIGHT 1080
#define CENTER_LAT 31.035
#define CENTER_LON 112.205
#define PAN_FRAMES  60
#define ZOOM_FRAMES 40

typedef struct
{
  GtkWindow *window;
  ShumateMap *map;
  ShumateViewport *viewport;
  BkSchematicSource *source;
  ShumateRasterRenderer *renderer;
  BkPointLayer *points;
  ShumateMarkerLayer *markers;
} Bench;

static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double
wall_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, (guint) MIN (values->len - 1, floor (p * values->len)));
}

static void
print_result (const char *name,
              double      value,
              const char *unit)
{
  g_print ("bench: %s %.3f %s\n", name, value, unit);
}

/* One frame as the frame clock would make it, minus the waiting: lay out what the viewport
 * change moved, snapshot the window, render the node with the window's renderer. */
static double
frame (Bench *b)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  double start = thread_cpu_ms ();

  gtk_widget_size_allocate (GTK_WIDGET (b->map), &(GtkAllocation) { 0, 0, WIDTH, HEIGHT }, -1);
  /* The window's own snapshot, as a frame makes it: children that queued a draw (the point
   * layer on every viewport change) snapshot again, the others give their cached nodes.
   * (A GtkWidgetPaintable would only hand back the node of the last real frame.) */
  GTK_WIDGET_GET_CLASS (b->window)->snapshot (GTK_WIDGET (b->window), snapshot);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node != NULL)
    texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (b->window)), node,
                                           &GRAPHENE_RECT_INIT (0, 0, WIDTH, HEIGHT));
  return thread_cpu_ms () - start;
}

static void
go_to (Bench  *b,
       double  lat,
       double  lon,
       double  zoom)
{
  shumate_viewport_set_zoom_level (b->viewport, zoom);
  shumate_location_set_location (SHUMATE_LOCATION (b->viewport), lat, lon);
}

/* Pans back and forth by up to 200 px in both directions at zoom 16. */
static void
pan_step (Bench *b,
          guint  i)
{
  double t = 2 * G_PI * i / PAN_FRAMES;
  double world = 256.0 * exp2 (16);
  double mx, my, lat, lon;

  bc_mercator_project (CENTER_LAT, CENTER_LON, &mx, &my);
  bc_mercator_unproject (mx + 200.0 * sin (t) / world, my + 120.0 * sin (2 * t) / world,
                         &lat, &lon);
  go_to (b, lat, lon, 16);
}

static void
zoom_step (Bench *b,
           guint  i)
{
  /* 15.0 → 15.95 → 15.0: one tile level, cameras drawn one by one. */
  double f = (double) (i % ZOOM_FRAMES) / ZOOM_FRAMES;
  double zoom = 15.0 + 0.95 * (f < 0.5 ? 2 * f : 2 * (1 - f));

  go_to (b, CENTER_LAT, CENTER_LON, zoom);
}

/* Times @n_frames frames along the path of @step. With @paired, the frames alternate between
 * the layer as it is and the layer with every overlay hidden (the empty map), so that both
 * see the same machine load: their ratio is what the goal is about. */
static void
measure (Bench      *b,
         const char *what,
         const char *label,
         void      (*step) (Bench *, guint),
         guint       n_frames,
         gboolean    paired,
         double     *median_out)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) empty = g_array_new (FALSE, FALSE, sizeof (double));
  gboolean cameras = bk_point_layer_get_show_cameras (b->points);
  gboolean units = bk_point_layer_get_show_units (b->points);
  gboolean incidents = bk_point_layer_get_show_incidents (b->points);
  g_autofree char *name = NULL;
  double median;

  /* A warm-up pass loads the tiles of the path into the map layer's memory cache, so that
   * the measured frames time drawing, not tile decoding. */
  for (guint i = 0; i < n_frames; i++)
    {
      step (b, i);
      frame (b);
      spin (5);
    }
  spin (1500);

  for (guint i = 0; i < (paired ? 2 * n_frames : n_frames); i++)
    {
      gboolean hide = paired && i % 2 == 0;
      double ms;

      bk_point_layer_set_show_cameras (b->points, cameras && !hide);
      bk_point_layer_set_show_units (b->points, units && !hide);
      bk_point_layer_set_show_incidents (b->points, incidents && !hide);
      step (b, paired ? i / 2 : i);
      if (paired && !hide)
        {
          /* The same place as the empty frame, moved by a pixel so that it lays out too. */
          shumate_location_set_location (SHUMATE_LOCATION (b->viewport),
                                         shumate_location_get_latitude (SHUMATE_LOCATION (b->viewport)) + 1e-6,
                                         shumate_location_get_longitude (SHUMATE_LOCATION (b->viewport)));
        }
      ms = frame (b);
      g_array_append_val (hide ? empty : times, ms);
      /* Let the loop run tile completions between frames, outside the measurement. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }

  median = percentile (times, 0.5);
  name = g_strdup_printf ("map-%s-frame-median-%s", what, label);
  print_result (name, median, "ms");
  g_free (name);
  name = g_strdup_printf ("map-%s-frame-p95-%s", what, label);
  print_result (name, percentile (times, 0.95), "ms");
  if (paired)
    {
      double empty_median = percentile (empty, 0.5);

      g_free (name);
      name = g_strdup_printf ("map-%s-frame-median-empty-beside-%s", what, label);
      print_result (name, empty_median, "ms");
      g_free (name);
      name = g_strdup_printf ("map-%s-frame-p95-empty-beside-%s", what, label);
      print_result (name, percentile (empty, 0.95), "ms");
      g_free (name);
      name = g_strdup_printf ("map-%s-frame-ratio-%s-vs-empty", what, label);
      print_result (name, median / empty_median, "x");
    }
  if (median_out != NULL)
    *median_out = median;
}

static BkCameraPoint *
make_cameras (guint      n,
              GPtrArray *strings)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  BkCameraPoint *cams = g_new0 (BkCameraPoint, n);

  for (guint i = 0; i < n; i++)
    {
      char *id = g_strdup_printf ("4208020000132%07u", i + 1);
      char *name = g_strdup_printf ("监控点%u", i + 1);

      cams[i].id = id;
      cams[i].name = name;
      /* Central Jingmen, Dongbao and Duodao. */
      cams[i].lat = g_rand_double_range (rand, 30.95, 31.08);
      cams[i].lon = g_rand_double_range (rand, 112.17, 112.25);
      cams[i].kind = i % 3;
      cams[i].online = i % 20 != 0;
      g_ptr_array_add (strings, id);
      g_ptr_array_add (strings, name);
    }
  return cams;
}

static void
load_units_and_incidents (Bench *b)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gint64 now = g_get_real_time ();

  for (guint i = 1; i <= 1000; i++)
    {
      g_autofree char *number = g_strdup_printf ("JQ20261124%04u", i);

      bk_point_layer_upsert_incident (b->points, i, g_rand_double_range (rand, 30.95, 31.08),
                                      g_rand_double_range (rand, 112.17, 112.25), 1 + i % 4,
                                      i % 5, now - (gint64) (i % 90) * 60 * G_USEC_PER_SEC,
                                      i % 17 == 0, number);
    }
  for (guint i = 1; i <= 300; i++)
    {
      g_autofree char *call_sign = g_strdup_printf ("东宝巡%03u", i);

      bk_point_layer_upsert_unit (b->points, i, g_rand_double_range (rand, 30.95, 31.08),
                                  g_rand_double_range (rand, 112.17, 112.25),
                                  g_rand_double_range (rand, 0, 360), i % 5, call_sign,
                                  i % 3 == 0 ? i : 0);
    }
}

static double
rss_mb (void)
{
  g_autofree char *statm = NULL;
  long pages_total = 0, pages_resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL)
      || sscanf (statm, "%ld %ld", &pages_total, &pages_resident) != 2)
    return -1;
  return pages_resident * (double) sysconf (_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static GdkTexture *
marker_texture (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 12, 12);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(GBytes) bytes = NULL;
  GdkTexture *texture;

  cairo_arc (cr, 6, 6, 4.5, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 0.3, 0.43, 0.54);
  cairo_fill (cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  bytes = g_bytes_new (cairo_image_surface_get_data (surface),
                       cairo_image_surface_get_stride (surface) * 12);
  texture = gdk_memory_texture_new (12, 12, GDK_MEMORY_DEFAULT, bytes,
                                    cairo_image_surface_get_stride (surface));
  cairo_surface_destroy (surface);
  return texture;
}

/* ShumateMarkerLayer with @n markers in place of the point layer; returns the add time. */
static double
use_marker_layer (Bench               *b,
                  const BkCameraPoint *cams,
                  guint                n)
{
  g_autoptr(GdkTexture) texture = marker_texture ();
  double start;

  b->markers = shumate_marker_layer_new (b->viewport);
  shumate_map_add_layer (b->map, SHUMATE_LAYER (b->markers));

  start = wall_ms ();
  for (guint i = 0; i < n; i++)
    {
      ShumateMarker *marker = shumate_marker_new ();

      shumate_marker_set_child (marker, gtk_image_new_from_paintable (GDK_PAINTABLE (texture)));
      shumate_location_set_location (SHUMATE_LOCATION (marker), cams[i].lat, cams[i].lon);
      shumate_marker_layer_add_marker (b->markers, marker);
    }
  return wall_ms () - start;
}

static void
drop_marker_layer (Bench *b)
{
  shumate_map_remove_layer (b->map, SHUMATE_LAYER (b->markers));
  b->markers = NULL;
  spin (200);
}

int
main (int   argc,
      char *argv[])
{
  Bench b = { 0 };
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) strings100k = g_ptr_array_new_with_free_func (g_free);
  g_autofree BkCameraPoint *cams = NULL;
  g_autofree BkCameraPoint *cams100k = NULL;
  double start, load_ms, pan_20k;
  double point_add_2k, point_add_20k, point_pan_2k, marker_add, marker_pan;

  if (!gtk_init_check ())
    {
      g_printerr ("bench-map needs a display: run it under xvfb-run\n");
      return 77;
    }
  if (g_getenv ("BEACON_DATADIR") == NULL)
    g_setenv ("BEACON_DATADIR", SOURCE_DATADIR, TRUE);

  b.source = bk_schematic_source_new ();
  b.renderer = bk_schematic_source_create_renderer (b.source);
  b.map = shumate_map_new ();
  b.viewport = shumate_map_get_viewport (b.map);
  shumate_map_set_map_source (b.map, SHUMATE_MAP_SOURCE (b.renderer));
  shumate_map_add_layer (b.map, SHUMATE_LAYER (shumate_map_layer_new (SHUMATE_MAP_SOURCE (b.renderer),
                                                                       b.viewport)));
  shumate_viewport_set_min_zoom_level (b.viewport, BK_SCHEMATIC_MIN_ZOOM);
  shumate_viewport_set_max_zoom_level (b.viewport, BK_SCHEMATIC_MAX_ZOOM);
  b.points = bk_point_layer_new (b.viewport);
  shumate_map_add_layer (b.map, SHUMATE_LAYER (b.points));

  b.window = GTK_WINDOW (gtk_window_new ());
  gtk_widget_set_size_request (GTK_WIDGET (b.map), WIDTH, HEIGHT);
  gtk_window_set_default_size (b.window, WIDTH, HEIGHT);
  gtk_window_set_decorated (b.window, FALSE);
  gtk_window_set_child (b.window, GTK_WIDGET (b.map));
  gtk_window_present (b.window);
  while (gtk_widget_get_width (GTK_WIDGET (b.points)) != WIDTH)
    g_main_context_iteration (NULL, TRUE);
  go_to (&b, CENTER_LAT, CENTER_LON, 16);
  spin (2000);

  cams = make_cameras (20000, strings);

  /* Empty map. */
  measure (&b, "pan", "empty", pan_step, PAN_FRAMES, FALSE, NULL);
  measure (&b, "zoom", "empty", zoom_step, ZOOM_FRAMES, FALSE, NULL);

  /* 20,000 cameras + 300 units + 1,000 incidents. */
  start = wall_ms ();
  bk_point_layer_set_cameras (b.points, cams, 20000);
  load_units_and_incidents (&b);
  load_ms = wall_ms () - start;
  print_result ("map-load-20000-cameras-300-units-1000-incidents", load_ms, "ms");
  spin (200);
  print_result ("map-rss-20000-cameras", rss_mb (), "MB");

  measure (&b, "pan", "20000-cameras-300-units-1000-incidents", pan_step, PAN_FRAMES, TRUE, NULL);
  bk_point_layer_remove_all (b.points);

  start = wall_ms ();
  bk_point_layer_set_cameras (b.points, cams, 20000);
  point_add_20k = wall_ms () - start;
  print_result ("map-load-20000-cameras", point_add_20k, "ms");
  measure (&b, "pan", "20000", pan_step, PAN_FRAMES, TRUE, &pan_20k);
  measure (&b, "zoom", "20000", zoom_step, ZOOM_FRAMES, TRUE, NULL);

  cams100k = make_cameras (100000, strings100k);
  start = wall_ms ();
  bk_point_layer_set_cameras (b.points, cams100k, 100000);
  print_result ("map-load-100000-cameras", wall_ms () - start, "ms");
  measure (&b, "pan", "100000", pan_step, PAN_FRAMES, TRUE, NULL);
  measure (&b, "zoom", "100000", zoom_step, ZOOM_FRAMES, TRUE, NULL);


  /* --quick: the point layer only, for working on it. */
  if (argc > 1 && g_str_equal (argv[1], "--quick"))
    return 0;

  /* ShumateMarkerLayer against the point layer, same points, same path. */
  start = wall_ms ();
  bk_point_layer_set_cameras (b.points, cams, 2000);
  point_add_2k = wall_ms () - start;
  measure (&b, "pan", "point-layer-2000", pan_step, PAN_FRAMES / 2, FALSE, &point_pan_2k);
  bk_point_layer_remove_all (b.points);

  marker_add = use_marker_layer (&b, cams, 2000);
  print_result ("marker-layer-add-2000", marker_add, "ms");
  print_result ("marker-layer-add-ratio-2000", marker_add / MAX (point_add_2k, 0.001), "x");
  measure (&b, "pan", "marker-layer-2000", pan_step, PAN_FRAMES / 2, FALSE, &marker_pan);
  print_result ("marker-layer-pan-frame-ratio-2000", marker_pan / point_pan_2k, "x");
  drop_marker_layer (&b);

  marker_add = use_marker_layer (&b, cams, 20000);
  print_result ("marker-layer-add-20000", marker_add, "ms");
  print_result ("marker-layer-add-ratio-20000", marker_add / MAX (point_add_20k, 0.001), "x");
  measure (&b, "pan", "marker-layer-20000", pan_step, PAN_FRAMES / 4, FALSE, &marker_pan);
  print_result ("marker-layer-pan-frame-ratio-20000", marker_pan / pan_20k, "x");
  drop_marker_layer (&b);

  gtk_window_destroy (b.window);
  g_clear_object (&b.renderer);
  g_clear_object (&b.source);
  return 0;
}
