/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-console"

#include "config.h"

#include <glib/gi18n.h>
#include <shumate/shumate.h>

#include "bk-application.h"
#include "bk-demo.h"
#include "bk-resources.h"
#include "bk-wall-window.h"
#include "bk-window.h"
#include "bs-demo.h"

struct _BkApplication
{
  AdwApplication parent_instance;

  BkOptions options;
  GSettings *settings;
  SoupSession *session;
  BkDemo *demo;
  /* --demo --wall: the embedded server's address once it runs, for the wall to sign in. */
  char *demo_uri;
  gboolean demo_failed;
};

G_DEFINE_FINAL_TYPE (BkApplication, bk_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
    N_("Connect to the beacon-server at URL instead of the remembered one"), N_("URL") },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run the training demonstration with an embedded server"), NULL },
  { "wall", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the read-only situation display for the video wall"), NULL },
  /* Numbers are taken as strings: GApplication leaves a numeric option that is 0 out of the
   * dictionary, so "--monitor 0" could not be told from no option at all. */
  { "monitor", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Monitor number for the video wall display"), N_("N") },
  { "scenario", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Training scenario file for the demonstration"), N_("FILE") },
  { "speed", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Simulation speed factor for the demonstration"), N_("N") },
  { "seed", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Random seed for the demonstration"), N_("N") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  { NULL }
};

/* ---- the wall ------------------------------------------------------------------------------ */

static BkWallWindow *
find_wall (BkApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (BK_IS_WALL_WINDOW (l->data))
      return l->data;
  return NULL;
}

/* With --demo the wall signs in to the embedded server as the demo's supervisor. */
static void
wall_demo_connect (BkApplication *self)
{
  BkWallWindow *wall = find_wall (self);
  const BsDemoAccount *accounts;
  guint n_accounts = 0;

  if (wall == NULL || self->demo_uri == NULL || bk_wall_window_get_client (wall) != NULL)
    return;

  accounts = bs_demo_get_accounts (&n_accounts);
  for (guint i = 0; i < n_accounts; i++)
    if (accounts[i].role == BC_ROLE_SUPERVISOR)
      {
        bk_wall_window_connect (wall, self->demo_uri, accounts[i].username,
                                accounts[i].password);
        return;
      }
  g_assert_not_reached ();
}

static void
wall_demo_started_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(BkApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  BkWallWindow *wall;

  if (!bk_demo_start_finish (BK_DEMO (object), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot start the training demonstration: %s"),
                                                  error->message);

      g_printerr ("%s\n", message);
      self->demo_failed = TRUE;
      if ((wall = find_wall (self)) != NULL)
        bk_wall_window_show_error (wall, message);
      return;
    }

  self->demo_uri = g_strdup (bk_demo_get_base_uri (BK_DEMO (object)));
  {
    g_autofree char *text = bk_demo_describe (BK_DEMO (object));
    g_print ("%s", text);
  }
  wall_demo_connect (self);
}

static GtkWindow *
open_wall (BkApplication *self)
{
  BkWallWindow *wall = bk_wall_window_new (GTK_APPLICATION (self));

  /* The wall is dark whatever the desktop prefers. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  bk_wall_window_fullscreen_on (wall, self->options.monitor);

  if (self->demo != NULL)
    {
      if (self->demo_failed)
        bk_wall_window_show_error (wall, _("Cannot start the training demonstration"));
      else
        wall_demo_connect (self);
    }
  else
    bk_wall_window_connect_with_config (wall, NULL, self->options.server_url, NULL);

  return GTK_WINDOW (wall);
}

static int
bk_application_handle_local_options (GApplication *application,
                                     GVariantDict *dict)
{
  BkApplication *self = BK_APPLICATION (application);
  const char *server = NULL;
  const char *scenario = NULL;
  const char *text = NULL;

  if (g_variant_dict_contains (dict, "version"))
    {
      g_print ("beacon %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (dict, "server", "&s", &server))
    {
      g_autoptr(GUri) uri = g_uri_parse (server, G_URI_FLAGS_NONE, NULL);

      if (uri == NULL
          || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0
              && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
        {
          g_printerr (_("Invalid server address “%s”: expected http://HOST:PORT\n"), server);
          return 2;
        }
      g_free (self->options.server_url);
      self->options.server_url = g_strdup (server);
    }

  self->options.demo = g_variant_dict_contains (dict, "demo");
  self->options.wall = g_variant_dict_contains (dict, "wall");

  if (g_variant_dict_lookup (dict, "monitor", "&s", &text))
    {
      guint64 monitor;

      if (!g_ascii_string_to_unsigned (text, 10, 0, 63, &monitor, NULL))
        {
          g_printerr (_("Invalid monitor number “%s”: expected 0 to 63\n"), text);
          return 2;
        }
      self->options.monitor = (int) monitor;
    }

  if (g_variant_dict_lookup (dict, "scenario", "^&ay", &scenario))
    {
      g_free (self->options.scenario);
      self->options.scenario = g_strdup (scenario);
    }

  if (g_variant_dict_lookup (dict, "speed", "&s", &text))
    {
      char *end = NULL;
      double speed = g_ascii_strtod (text, &end);

      if (end == text || *end != '\0' || !(speed > 0.0 && speed <= 1000.0))
        {
          g_printerr (_("Invalid speed “%s”: expected a number more than 0 and at most 1000\n"),
                      text);
          return 2;
        }
      self->options.speed = speed;
    }

  if (g_variant_dict_lookup (dict, "seed", "&s", &text))
    {
      gint64 seed;

      if (!g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &seed, NULL))
        {
          g_printerr (_("Invalid seed “%s”: expected a whole number\n"), text);
          return 2;
        }
      self->options.seed = seed;
      self->options.has_seed = TRUE;
    }

  /* The server's database and scenario load in their thread while GTK starts up. */
  if (self->options.demo)
    {
      self->demo = bk_demo_new (self->options.scenario, self->options.speed,
                                self->options.has_seed ? (guint64) self->options.seed : 1);
      if (self->options.wall)
        bk_demo_start_async (self->demo, NULL, wall_demo_started_cb, g_object_ref (self));
      else
        bk_demo_start (self->demo);
    }

  return -1;
}

static void
bk_application_activate (GApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  BkApplication *self = BK_APPLICATION (application);

  if (window == NULL && self->options.wall)
    {
      window = open_wall (self);
    }
  else if (window == NULL)
    {
      window = GTK_WINDOW (bk_window_new (self));
      if (self->demo != NULL)
        bk_demo_open_window (self->demo, GTK_WIDGET (window));
    }

  gtk_window_present (window);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GApplication *application = G_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (application));

  /* Closing the windows lets them save their state and sign off cleanly. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_application_quit (application);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
};

static void
bk_application_startup (GApplication *application)
{
  BkApplication *self = BK_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *find_accels[] = { "<Control>f", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (bk_application_parent_class)->startup (application);

  /* The resources register themselves from a constructor, but a static library only brings
   * in object files that something refers to: refer to them. */
  (void) bk_get_resource ();
  g_type_ensure (SHUMATE_TYPE_MAP);

  self->settings = g_settings_new (APP_ID);
  /* One session for the whole process (PLATFORM.md): every BcClient shares it. */
  self->session = soup_session_new_with_options ("user-agent", "beacon/" PACKAGE_VERSION,
                                                 NULL);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.find", find_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.preferences",
                                         preferences_accels);
}

static void
bk_application_shutdown (GApplication *application)
{
  BkApplication *self = BK_APPLICATION (application);

  if (self->session != NULL)
    soup_session_abort (self->session);
  /* The embedded server stops with the console, after the windows have signed off. */
  if (self->demo != NULL)
    bk_demo_stop (self->demo);

  G_APPLICATION_CLASS (bk_application_parent_class)->shutdown (application);
}

static void
bk_application_finalize (GObject *object)
{
  BkApplication *self = BK_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->session);
  g_clear_object (&self->demo);
  g_free (self->options.server_url);
  g_free (self->options.scenario);
  g_free (self->demo_uri);

  G_OBJECT_CLASS (bk_application_parent_class)->finalize (object);
}

static void
bk_application_class_init (BkApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = bk_application_finalize;
  app_class->activate = bk_application_activate;
  app_class->startup = bk_application_startup;
  app_class->shutdown = bk_application_shutdown;
  app_class->handle_local_options = bk_application_handle_local_options;
}

static void
bk_application_init (BkApplication *self)
{
  self->options.monitor = -1;

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Beacon police command and dispatch console"));
}

const BkOptions *
bk_application_get_options (BkApplication *self)
{
  g_return_val_if_fail (BK_IS_APPLICATION (self), NULL);

  return &self->options;
}

GSettings *
bk_application_get_settings (BkApplication *self)
{
  g_return_val_if_fail (BK_IS_APPLICATION (self), NULL);

  return self->settings;
}

GObject *
bk_application_get_demo (BkApplication *self)
{
  g_return_val_if_fail (BK_IS_APPLICATION (self), NULL);

  return (GObject *) self->demo;
}

SoupSession *
bk_application_get_session (BkApplication *self)
{
  g_return_val_if_fail (BK_IS_APPLICATION (self), NULL);

  return self->session;
}

BkApplication *
bk_application_new (void)
{
  return g_object_new (BK_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/cn/jingmen/Beacon",
                       NULL);
}
