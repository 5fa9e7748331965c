/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include "bk-demo.h"

#include <glib/gi18n.h>
#include <math.h>
#include <unistd.h>

#include "bs-demo.h"

#include "bk-trainer-panel.h"
#include "bk-window.h"

#define SCENARIO_NAME "scenarios/jingmen-training.json"

struct _BkDemo
{
  GObject parent_instance;

  char *scenario_path;
  guint speed;
  guint64 seed;

  /* Owned by the demo thread while it runs. */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  BsDemo *demo;

  GTask *start_task;        /* completed from the demo thread, on the caller's context */
  char *base_uri;           /* written before start_task returns, read-only afterwards */

  gboolean start_requested;
  gboolean start_done;
  GError *start_error;

  GtkWidget *window;        /* weak */
  BcClient *client;
  gulong after_paint_id;
  GdkFrameClock *frame_clock;
  double first_map_ms;
};

G_DEFINE_FINAL_TYPE (BkDemo, bk_demo, G_TYPE_OBJECT)

static const guint speeds[] = { 1, 2, 5, 10, 30 };

/* ---- where the scenario is ------------------------------------------------------------ */

char *
bk_demo_find_scenario (void)
{
  const char *dirs[] = { g_getenv ("BEACON_DATADIR"), PKGDATADIR, SOURCE_DATADIR };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = NULL;

      if (dirs[i] == NULL || *dirs[i] == '\0')
        continue;
      path = g_build_filename (dirs[i], SCENARIO_NAME, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* ---- the server thread ---------------------------------------------------------------- */

static gpointer
demo_thread (gpointer data)
{
  BkDemo *self = data;
  g_autoptr(GError) error = NULL;
  BsDemoOptions options = { 0 };
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  g_main_context_push_thread_default (self->context);

  options.scenario_path = self->scenario_path;
  options.speed = self->speed;
  options.seed = self->seed;
  self->demo = bs_demo_start (&options, &error);
  if (self->demo == NULL)
    {
      g_main_context_pop_thread_default (self->context);
      g_task_return_error (task, g_steal_pointer (&error));
      return NULL;
    }

  /* Play from the start: a demo that sits still looks broken. */
  if (!bs_simulator_play (bs_demo_get_simulator (self->demo), &error))
    g_warning ("Cannot start the simulation: %s", error->message);

  self->base_uri = g_strdup (bs_demo_get_base_uri (self->demo));
  g_task_return_boolean (task, TRUE);
  g_clear_object (&task);

  g_main_loop_run (self->loop);

  g_clear_object (&self->demo);
  /* Let the closing sockets and password threads' completions finish. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
shutdown_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  BkDemo *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bs_server_shutdown_finish (BS_SERVER (object), result, &error))
    g_debug ("Demo server shutdown: %s", error->message);
  g_main_loop_quit (self->loop);
}

static gboolean
shutdown_timeout_cb (gpointer user_data)
{
  BkDemo *self = user_data;

  /* A client that never lets go must not keep the console from quitting. */
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_in_thread_cb (gpointer user_data)
{
  BkDemo *self = user_data;
  g_autoptr(GSource) timeout = g_timeout_source_new (3000);

  g_source_set_callback (timeout, shutdown_timeout_cb, self, NULL);
  g_source_attach (timeout, self->context);

  if (self->demo != NULL)
    bs_server_shutdown_async (bs_demo_get_server (self->demo), NULL, shutdown_cb, self);
  else
    g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

void
bk_demo_stop (BkDemo *self)
{
  g_return_if_fail (BK_IS_DEMO (self));

  if (self->thread == NULL)
    return;

  g_main_context_invoke (self->context, stop_in_thread_cb, self);
  g_thread_join (g_steal_pointer (&self->thread));
}

void
bk_demo_start_async (BkDemo              *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (BK_IS_DEMO (self));
  g_return_if_fail (self->thread == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bk_demo_start_async);

  if (self->scenario_path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("No training scenario found: install Beacon or pass "
                                 "--scenario FILE"));
      return;
    }

  self->start_task = g_steal_pointer (&task);
  self->thread = g_thread_new ("beacon-demo", demo_thread, self);
}

gboolean
bk_demo_start_finish (BkDemo        *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the window ----------------------------------------------------------------------- */

/* Time since the process started, from the kernel's start time (clock ticks since boot). */
static double
process_age_ms (void)
{
  g_autofree char *stat = NULL;
  g_autofree char *uptime = NULL;
  const char *p;
  guint64 start_ticks = 0;
  double up_s;

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) ||
      !g_file_get_contents ("/proc/uptime", &uptime, NULL, NULL))
    return -1;

  /* Field 22; the command name (field 2) may hold spaces, so count after its ')'. */
  p = strrchr (stat, ')');
  for (int field = 2; p != NULL && field < 22; field++)
    p = strchr (p + 1, ' ');
  if (p == NULL)
    return -1;
  start_ticks = g_ascii_strtoull (p + 1, NULL, 10);
  up_s = g_ascii_strtod (uptime, NULL);

  return (up_s - (double) start_ticks / (double) sysconf (_SC_CLK_TCK)) * 1000.0;
}

static void
after_paint_cb (GdkFrameClock *clock,
                BkDemo        *self)
{
  BkMapView *map_view;

  if (self->window == NULL)
    return;

  map_view = bk_window_get_map_view (BK_WINDOW (self->window));
  if (bk_point_layer_get_n_units (bk_map_view_get_point_layer (map_view)) == 0)
    return;

  self->first_map_ms = process_age_ms ();
  g_message ("First map with units painted %.0f ms after start", self->first_map_ms);
  g_clear_signal_handler (&self->after_paint_id, clock);
  g_clear_object (&self->frame_clock);
}

static void
watch_first_paint (BkDemo *self)
{
  GdkFrameClock *clock;

  if (self->window == NULL || self->after_paint_id != 0 || self->first_map_ms >= 0)
    return;
  clock = gtk_widget_get_frame_clock (self->window);
  if (clock == NULL)
    return;
  self->frame_clock = g_object_ref (clock);
  self->after_paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb),
                                           self);
}

static void
window_realized_cb (GtkWidget *window,
                    BkDemo    *self)
{
  watch_first_paint (self);
}

static void
show_error (BkDemo       *self,
            const char   *what,
            const GError *error)
{
  g_autofree char *message = g_strdup_printf ("%s: %s", what, error->message);
  GtkWidget *dialog;

  g_printerr ("%s\n", message);
  if (self->window == NULL)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (self->window), _("Training demonstration"),
                                   message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
login_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BkDemo) self = user_data;
  g_autoptr(GError) error = NULL;
  GtkWidget *panel;
  BkWindow *window;

  if (!bc_client_login_finish (BC_CLIENT (object), result, &error))
    {
      show_error (self, _("Cannot sign in to the demonstration server"), error);
      return;
    }
  if (self->window == NULL)
    return;

  g_debug ("Signed in as the trainer %.0f ms after start", process_age_ms ());
  window = BK_WINDOW (self->window);
  bk_window_set_client (window, self->client);
  panel = bk_trainer_panel_new (self->client, bk_window_get_map_view (window));
  bk_window_set_trainer_panel (window, panel);
}

static void
sign_in (BkDemo *self)
{
  g_autofree char *text = NULL;
  const BsDemoAccount *accounts;
  const BsDemoAccount *trainer = NULL;
  SoupSession *session = NULL;
  GtkApplication *application;
  guint n_accounts = 0;

  if (self->start_error != NULL)
    {
      show_error (self, _("Cannot start the training demonstration"), self->start_error);
      return;
    }

  g_debug ("Demo server started %.0f ms after start", process_age_ms ());
  text = bk_demo_describe (self);
  g_print ("%s", text);
  fflush (stdout);

  accounts = bs_demo_get_accounts (&n_accounts);
  for (guint i = 0; i < n_accounts; i++)
    if (accounts[i].role == BC_ROLE_TRAINER)
      trainer = &accounts[i];
  g_assert (trainer != NULL);

  if (self->window == NULL)
    return;
  application = gtk_window_get_application (GTK_WINDOW (self->window));
  if (BK_IS_APPLICATION (application))
    session = bk_application_get_session (BK_APPLICATION (application));

  self->client = bc_client_new (self->base_uri, session);
  bc_client_login_async (self->client, trainer->username, trainer->password, NULL, login_cb,
                         g_object_ref (self));
}

static void
started_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(BkDemo) self = user_data;

  bk_demo_start_finish (self, result, &self->start_error);
  self->start_done = TRUE;
  if (self->window != NULL)
    sign_in (self);
}

void
bk_demo_start (BkDemo *self)
{
  g_return_if_fail (BK_IS_DEMO (self));

  if (self->start_requested)
    return;
  self->start_requested = TRUE;
  g_debug ("Starting the demo server %.0f ms after start", process_age_ms ());
  bk_demo_start_async (self, NULL, started_cb, g_object_ref (self));
}

void
bk_demo_open_window (BkDemo    *self,
                     GtkWidget *window)
{
  g_return_if_fail (BK_IS_DEMO (self));
  g_return_if_fail (BK_IS_WINDOW (window));

  g_debug ("Opening the demo window %.0f ms after start", process_age_ms ());
  g_set_weak_pointer (&self->window, window);
  if (gtk_widget_get_realized (window))
    watch_first_paint (self);
  else
    g_signal_connect_object (window, "realize", G_CALLBACK (window_realized_cb), self, 0);

  if (self->start_done)
    sign_in (self);
  else
    bk_demo_start (self);
}

char *
bk_demo_describe (BkDemo *self)
{
  GString *text;
  const BsDemoAccount *accounts;
  guint n_accounts = 0;

  g_return_val_if_fail (BK_IS_DEMO (self), NULL);

  text = g_string_new (NULL);
  g_string_append_printf (text, _("Training demonstration server: %s\n"),
                          self->base_uri != NULL ? self->base_uri : "");
  g_string_append_printf (text, _("Join from another console: beacon --wall --server %s\n"),
                          self->base_uri != NULL ? self->base_uri : "");
  g_string_append (text, _("Demo accounts (for training only):\n"));
  accounts = bs_demo_get_accounts (&n_accounts);
  for (guint i = 0; i < n_accounts; i++)
    g_string_append_printf (text, "  %-12s %-12s %s (%s)\n", accounts[i].username,
                            accounts[i].password, bc_role_label (accounts[i].role),
                            accounts[i].display_name);
  return g_string_free (text, FALSE);
}

const char *
bk_demo_get_base_uri (BkDemo *self)
{
  g_return_val_if_fail (BK_IS_DEMO (self), NULL);

  return self->base_uri;
}

double
bk_demo_get_first_map_ms (BkDemo *self)
{
  g_return_val_if_fail (BK_IS_DEMO (self), -1);

  return self->first_map_ms;
}

/* ---- object --------------------------------------------------------------------------- */

static void
bk_demo_dispose (GObject *object)
{
  BkDemo *self = BK_DEMO (object);

  bk_demo_stop (self);
  if (self->frame_clock != NULL)
    g_clear_signal_handler (&self->after_paint_id, self->frame_clock);
  g_clear_object (&self->frame_clock);
  g_clear_weak_pointer (&self->window);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (bk_demo_parent_class)->dispose (object);
}

static void
bk_demo_finalize (GObject *object)
{
  BkDemo *self = BK_DEMO (object);

  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->scenario_path);
  g_free (self->base_uri);
  g_clear_error (&self->start_error);

  G_OBJECT_CLASS (bk_demo_parent_class)->finalize (object);
}

static void
bk_demo_class_init (BkDemoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bk_demo_dispose;
  object_class->finalize = bk_demo_finalize;
}

static void
bk_demo_init (BkDemo *self)
{
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->first_map_ms = -1;
}

BkDemo *
bk_demo_new (const char *scenario_path,
             double      speed,
             guint64     seed)
{
  BkDemo *self = g_object_new (BK_TYPE_DEMO, NULL);
  double best = G_MAXDOUBLE;

  self->scenario_path = scenario_path != NULL ? g_strdup (scenario_path)
                                              : bk_demo_find_scenario ();
  self->seed = seed;
  self->speed = 1;
  for (guint i = 0; speed > 0 && i < G_N_ELEMENTS (speeds); i++)
    if (fabs (speed - speeds[i]) < best)
      {
        best = fabs (speed - speeds[i]);
        self->speed = speeds[i];
      }
  return self;
}
