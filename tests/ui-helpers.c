/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>
#include <locale.h>
#include <math.h>

#include "bk-resources.h"
#include "ui-helpers.h"

void
ui_spin_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  /* Not blocking in the iteration: the loop must end on time even when nothing is pending. */
  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

static gboolean
wait_timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
ui_wait_until (UiCondition cond,
               gpointer    data,
               guint       timeout_ms)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *source = g_timeout_source_new (timeout_ms);
  gboolean timed_out = FALSE;
  gboolean ok;

  /* The timeout is a source of its own, so that the blocking iteration wakes up for it. */
  g_source_set_callback (source, wait_timeout_cb, &timed_out, NULL);
  g_source_attach (source, context);

  while (!(ok = cond (data)) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (source);
  g_source_unref (source);
  return ok;
}

gboolean
ui_flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
after_paint_cb (GdkFrameClock *clock,
                gboolean      *flag)
{
  *flag = TRUE;
}

gboolean
ui_wait_for_frame (GtkWidget *widget,
                   guint      timeout_ms)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong handler;
  gboolean ok;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  gtk_widget_queue_draw (widget);
  ok = ui_wait_until (ui_flag_set, &painted, timeout_ms);
  g_signal_handler_disconnect (clock, handler);
  return ok;
}

GdkTexture *
ui_render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return NULL;
  return gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                      node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

char *
ui_save_screenshot (GtkWidget  *widget,
                    const char *name,
                    guint       timeout_ms)
{
  g_autoptr(GdkTexture) texture = NULL;
  char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);

  /* A widget with a pending redraw paints empty: shoot right after a frame. */
  for (guint attempt = 0; texture == NULL && attempt < 5; attempt++)
    {
      g_assert_true (ui_wait_for_frame (widget, timeout_ms));
      texture = ui_render_widget (widget);
    }
  g_assert_nonnull (texture);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  return path;
}

gboolean
ui_viewport_at (ShumateViewport *viewport,
                const UiMapView *view,
                double           tolerance,
                double           zoom_tolerance)
{
  return fabs (shumate_location_get_latitude (SHUMATE_LOCATION (viewport)) - view->lat) < tolerance
         && fabs (shumate_location_get_longitude (SHUMATE_LOCATION (viewport)) - view->lon)
            < tolerance
         && fabs (shumate_viewport_get_zoom_level (viewport) - view->zoom) < zoom_tolerance;
}

GtkWidget *
ui_find_by_id (GtkWidget  *widget,
               const char *id)
{
  const char *own = gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget));

  if (g_strcmp0 (own, id) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_find_by_id (child, id);

      if (found != NULL)
        return found;
    }

  return NULL;
}

void
ui_set_row_text (GtkWidget  *root,
                 const char *id,
                 const char *text)
{
  GtkWidget *row = ui_find_by_id (root, id);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

void
ui_fill_login (GtkWidget  *dialog,
               const char *server_uri,
               const char *username,
               const char *password)
{
  ui_set_row_text (dialog, "server_row", server_uri);
  ui_set_row_text (dialog, "username_row", username);
  ui_set_row_text (dialog, "password_row", password);
}

void
ui_add_icon_paths (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());

  gtk_icon_theme_add_search_path (theme, SOURCE_DATADIR "/icons");
  gtk_icon_theme_add_search_path (theme, "/usr/share/icons");
}

void
ui_bind_test_locale (void)
{
  g_autofree char *localedir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

void
ui_setup_style (gboolean dark)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  adw_init ();
  if (dark)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                        ADW_COLOR_SCHEME_FORCE_DARK);
  /* Naming the resource links it in from the static library. */
  g_assert_nonnull (bk_get_resource ());
  gtk_css_provider_load_from_resource (css, "/cn/jingmen/Beacon/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

void
ui_test_init (int         *argc,
              char      ***argv,
              const char  *mime_probe)
{
  g_free (g_content_type_guess (mime_probe, NULL, 0, NULL));
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  ui_bind_test_locale ();
}

static UiExpectedWarning expected_warning;
static const char *expected_what;

static gboolean
is_expected_warning (const char *log_domain,
                     const char *message)
{
  return expected_warning != NULL && g_strcmp0 (log_domain, "beacon-server") == 0
         && expected_warning (message);
}

static void
server_warning_cb (const char     *log_domain,
                   GLogLevelFlags  log_level,
                   const char     *message,
                   gpointer        user_data)
{
  if (is_expected_warning (log_domain, message))
    g_printerr ("# %s: %s\n", expected_what, message);
  else
    g_log_default_handler (log_domain, log_level, message, user_data);
}

static gboolean
log_fatal_cb (const char     *log_domain,
              GLogLevelFlags  log_level,
              const char     *message,
              gpointer        user_data)
{
  return !is_expected_warning (log_domain, message);
}

void
ui_expect_server_warnings (UiExpectedWarning  expected,
                           const char        *what)
{
  static guint handler;

  expected_warning = expected;
  expected_what = what;
  if (handler == 0)
    handler = g_log_set_handler ("beacon-server", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL,
                                 server_warning_cb, NULL);
  ui_rearm_expected_warnings ();
}

void
ui_rearm_expected_warnings (void)
{
  g_test_log_set_fatal_handler (log_fatal_cb, NULL);
}
