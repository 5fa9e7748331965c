/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the GTK tests (tests/test-*.c of the `ui` suite) share: running the main loop for a
 * while or until something holds, waiting for a painted frame, screenshots saved next to the
 * test programs, finding widgets of a .ui file by id, and the console's look and catalogue. */

#include <gtk/gtk.h>
#include <shumate/shumate.h>

G_BEGIN_DECLS

typedef gboolean (*UiCondition) (gpointer data);

/* Runs the default main context for @ms milliseconds. */
void        ui_spin_ms          (guint        ms);
/* Iterates the thread-default main context until @cond holds or @timeout_ms passes; returns
 * whether it holds. */
gboolean    ui_wait_until       (UiCondition  cond,
                                 gpointer     data,
                                 guint        timeout_ms);
/* A UiCondition: the gboolean that @data points to. */
gboolean    ui_flag_set         (gpointer     data);

/* Queues a redraw of @widget and waits up to @timeout_ms for its frame clock's next
 * ::after-paint; returns whether it came. */
gboolean    ui_wait_for_frame   (GtkWidget   *widget,
                                 guint        timeout_ms);
/* Renders @widget by itself at its size; NULL when it draws nothing. */
GdkTexture *ui_render_widget    (GtkWidget   *widget);
/* Renders @widget right after a frame (waiting up to @timeout_ms for each of up to five
 * frames), saves it as G_TEST_BUILT/@name (PNG), logs "screenshot: PATH" and returns PATH. */
char       *ui_save_screenshot  (GtkWidget   *widget,
                                 const char  *name,
                                 guint        timeout_ms);

/* Where a map looks: its centre in degrees and its zoom level. */
typedef struct
{
  double lat;
  double lon;
  double zoom;
} UiMapView;

/* Whether @viewport shows @view: the centre within @tolerance degrees, the zoom level within
 * @zoom_tolerance. */
gboolean    ui_viewport_at      (ShumateViewport *viewport,
                                 const UiMapView *view,
                                 double           tolerance,
                                 double           zoom_tolerance);

/* The descendant of @widget (or @widget) whose buildable id is @id, or NULL. */
GtkWidget  *ui_find_by_id       (GtkWidget   *widget,
                                 const char  *id);
/* Sets the text of the GtkEditable with buildable id @id below @root; asserts that it exists. */
void        ui_set_row_text     (GtkWidget   *root,
                                 const char  *id,
                                 const char  *text);
/* Fills in BkLoginDialog's server, user name and password rows (without signing in). */
void        ui_fill_login       (GtkWidget   *dialog,
                                 const char  *server_uri,
                                 const char  *username,
                                 const char  *password);

/* g_test_init() with G_TEST_OPTION_ISOLATE_DIRS, and what the isolated folders would break
 * done first: GIO's MIME database (which gdk-pixbuf needs to recognise icons and tiles, and
 * which GIO reads once, at its first use) is read by guessing the type of @mime_probe, and the
 * proxy resolver is the dummy one (only loopback is used; GNOME's would need the desktop's
 * settings schemas). Then binds the build tree's catalogue (ui_bind_test_locale()). */
void        ui_test_init        (int         *argc,
                                 char      ***argv,
                                 const char  *mime_probe);

/* TRUE when a beacon-server warning @message is one that the test causes on purpose, such as
 * a request the client cancelled, which libsoup finishes with status 500. */
typedef gboolean (*UiExpectedWarning) (const char *message);

/* Lets through the beacon-server warnings that @expected accepts, printed as
 * "# @what: MESSAGE"; every other warning stays fatal. Call after g_test_init(). */
void        ui_expect_server_warnings (UiExpectedWarning  expected,
                                       const char        *what);
/* Installs the test's fatal-log filter for ui_expect_server_warnings() again: GTest resets it
 * for every test case. */
void        ui_rearm_expected_warnings (void);

/* Adds the source tree's icons and the system's (which G_TEST_OPTION_ISOLATE_DIRS hides) to
 * the default display's icon theme. */
void        ui_add_icon_paths   (void);
/* Binds the text domain to the build tree's catalogue, so that LANG=zh_CN.UTF-8 gives Chinese
 * widgets; call after g_test_init(). */
void        ui_bind_test_locale (void);
/* What BkApplication (an AdwApplication) sets up, for tests that build widgets without it:
 * libadwaita (forced dark when @dark) and the application's style.css. Needs a display. */
void        ui_setup_style      (gboolean     dark);

G_END_DECLS
