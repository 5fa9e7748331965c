/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-demo.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "bc-schema.h"
#include "bc-version.h"
#include "bs-cli.h"

/* Demo only: these passwords are printed and documented (docs/scenarios.md). */
static const BsDemoAccount accounts[] = {
  { "dispatcher", "demo-dispatcher", BC_ROLE_DISPATCHER, "调度员（演示）" },
  { "supervisor", "demo-supervisor", BC_ROLE_SUPERVISOR, "值班长（演示）" },
  { "trainer", "demo-trainer", BC_ROLE_TRAINER, "教官（演示）" },
};

struct _BsDemo
{
  GObject      parent_instance;

  char        *temp_dir;     /* owned by the demo: deleted with it */
  char        *db_path;
  BcStore     *store;
  BsRepo      *repo;
  BsSimulator *simulator;
  BsServer    *server;
  char        *base_uri;
};

G_DEFINE_FINAL_TYPE (BsDemo, bs_demo, G_TYPE_OBJECT)

static void
bs_demo_dispose (GObject *object)
{
  BsDemo *self = BS_DEMO (object);

  /* The server holds a reference on the simulator for its /sim/ routes; the simulator's
   * timer goes with its last reference. */
  g_clear_object (&self->server);
  g_clear_object (&self->simulator);
  g_clear_object (&self->repo);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (bs_demo_parent_class)->dispose (object);
}

static void
bs_demo_finalize (GObject *object)
{
  BsDemo *self = BS_DEMO (object);

  if (self->temp_dir != NULL)
    {
      const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

      for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
        {
          g_autofree char *path = g_strconcat (self->db_path, suffixes[i], NULL);
          g_remove (path);
        }
      g_rmdir (self->temp_dir);
    }
  g_free (self->temp_dir);
  g_free (self->db_path);
  g_free (self->base_uri);

  G_OBJECT_CLASS (bs_demo_parent_class)->finalize (object);
}

static void
bs_demo_class_init (BsDemoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bs_demo_dispose;
  object_class->finalize = bs_demo_finalize;
}

static void
bs_demo_init (BsDemo *self)
{
}

const BsDemoAccount *
bs_demo_get_accounts (guint *n_accounts)
{
  if (n_accounts != NULL)
    *n_accounts = G_N_ELEMENTS (accounts);
  return accounts;
}

static gboolean
add_accounts (BsDemo  *self,
              GError **error)
{
  BsAuth *auth = bs_server_get_auth (self->server);

  for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
    {
      g_autoptr(BsUser) existing = bs_auth_get_user (auth, accounts[i].username, NULL);

      /* A kept database (--db) already has them. */
      if (existing != NULL)
        continue;
      if (!bs_auth_add_user (auth, accounts[i].username, accounts[i].role,
                             accounts[i].display_name, accounts[i].password, "demo",
                             BC_ROLE_ADMIN, "local", error))
        return FALSE;
    }
  return TRUE;
}

BsDemo *
bs_demo_start (const BsDemoOptions  *options,
               GError              **error)
{
  g_autoptr(BsDemo) self = NULL;
  g_autoptr(BsConfig) config = bs_config_new ();
  g_autoptr(BsScenario) scenario = NULL;
  guint speed;

  g_return_val_if_fail (options != NULL && options->scenario_path != NULL, NULL);

  speed = options->speed != 0 ? options->speed : 1;
  if (!bs_simulator_speed_is_valid (speed))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Speed %u is not offered (1, 2, 5, 10 or 30)"), speed);
      return NULL;
    }

  scenario = bs_scenario_load (options->scenario_path, 0, error);
  if (scenario == NULL)
    return NULL;

  self = g_object_new (BS_TYPE_DEMO, NULL);
  if (options->db_path != NULL)
    {
      self->db_path = g_strdup (options->db_path);
    }
  else
    {
      self->temp_dir = g_dir_make_tmp ("beacon-demo-XXXXXX", error);
      if (self->temp_dir == NULL)
        return NULL;
      self->db_path = g_build_filename (self->temp_dir, "demo.db", NULL);
    }

  g_free (config->db_path);
  config->db_path = g_strdup (self->db_path);
  g_free (config->listen);
  config->listen = g_strdup (options->listen != NULL ? options->listen : "127.0.0.1:0");
  /* The demo's passwords are public; hashing them at full cost only delays the start. */
  config->pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
  config->pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;

  self->store = bc_store_open (self->db_path, bc_server_schema (), error);
  if (self->store == NULL)
    return NULL;
  self->repo = bs_repo_new (self->store, error);
  if (self->repo == NULL)
    return NULL;
  self->simulator = bs_simulator_new (self->repo, scenario, options->seed, error);
  if (self->simulator == NULL)
    return NULL;
  if (options->auto_dispatch)
    bs_simulator_set_auto_dispatch (self->simulator, TRUE);

  self->server = bs_server_new (self->repo, config, error);
  if (self->server == NULL)
    return NULL;
  bs_server_set_sim_handler (self->server, bs_simulator_handle_request,
                             g_object_ref (self->simulator), g_object_unref);
  if (!bs_server_listen (self->server, error) || !add_accounts (self, error))
    return NULL;
  self->base_uri = bs_server_get_base_uri (self->server);

  if (!bs_simulator_set_speed (self->simulator, speed, error))
    return NULL;
  if (!options->paused && !bs_simulator_play (self->simulator, error))
    return NULL;

  return g_steal_pointer (&self);
}

BsServer *
bs_demo_get_server (BsDemo *self)
{
  g_return_val_if_fail (BS_IS_DEMO (self), NULL);
  return self->server;
}

BsSimulator *
bs_demo_get_simulator (BsDemo *self)
{
  g_return_val_if_fail (BS_IS_DEMO (self), NULL);
  return self->simulator;
}

const char *
bs_demo_get_base_uri (BsDemo *self)
{
  g_return_val_if_fail (BS_IS_DEMO (self), NULL);
  return self->base_uri;
}

const char *
bs_demo_get_db_path (BsDemo *self)
{
  g_return_val_if_fail (BS_IS_DEMO (self), NULL);
  return self->db_path;
}

/* ---- beacon-server --demo ------------------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  BsServer  *server;
  gboolean   stopping;
} DemoLoop;

static void
demo_shutdown_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  DemoLoop *state = user_data;
  g_autoptr(GError) error = NULL;

  if (!bs_server_shutdown_finish (BS_SERVER (source), result, &error))
    g_warning ("Shutdown failed: %s", error->message);
  g_main_loop_quit (state->loop);
}

static gboolean
demo_on_signal (gpointer user_data)
{
  DemoLoop *state = user_data;

  if (state->stopping)
    {
      g_main_loop_quit (state->loop);
      return G_SOURCE_CONTINUE;
    }
  state->stopping = TRUE;
  bs_server_shutdown_async (state->server, NULL, demo_shutdown_done, state);
  return G_SOURCE_CONTINUE;
}

int
bs_demo_main (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BsDemo) demo = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *scenario = NULL;
  g_autofree char *db = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *seed_text = NULL;
  gint64 seed = 1;
  int speed = 1;
  gboolean paused = FALSE;
  gboolean auto_dispatch = FALSE;
  gboolean verbose = FALSE;
  BsDemoOptions options = { 0, };
  DemoLoop state = { 0, };
  guint term_id, int_id;
  const BsScenario *loaded;
  GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_FILENAME, &scenario,
      N_("Run the training scenario FILE with its simulator"), N_("FILE") },
    { "speed", 0, 0, G_OPTION_ARG_INT, &speed,
      N_("Scenario speed: 1, 2, 5, 10 or 30 (default 1)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      N_("Seed of the random incidents and unit behaviour (default 1)"), N_("N") },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen,
      N_("Address and port to listen on (default 127.0.0.1:8080)"), N_("ADDR:PORT") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db,
      N_("Keep the demo's database in PATH (default: a temporary file)"), N_("PATH") },
    { "paused", 0, 0, G_OPTION_ARG_NONE, &paused, N_("Start paused"), NULL },
    { "auto-dispatch", 0, 0, G_OPTION_ARG_NONE, &auto_dispatch,
      N_("Let the simulator dispatch new incidents itself"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log every request"), NULL },
    { NULL }
  };

  context = g_option_context_new (_("— Beacon training demo"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_USAGE;
    }
  if (scenario == NULL)
    {
      g_printerr ("%s\n", _("--demo needs a scenario file"));
      return BS_EXIT_USAGE;
    }
  if (argc > 1)
    {
      g_printerr (_("Unknown argument “%s”\n"), argv[1]);
      return BS_EXIT_USAGE;
    }
  if (speed <= 0 || !bs_simulator_speed_is_valid ((guint) speed))
    {
      g_printerr (_("Speed %d is not offered (1, 2, 5, 10 or 30)\n"), speed);
      return BS_EXIT_USAGE;
    }
  if (seed < 0)
    {
      g_printerr ("%s\n", _("The seed must not be negative"));
      return BS_EXIT_USAGE;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  options.scenario_path = scenario;
  options.speed = (guint) speed;
  options.seed = (guint64) seed;
  options.db_path = db;
  options.listen = listen != NULL ? listen : "127.0.0.1:8080";
  options.paused = paused;
  options.auto_dispatch = auto_dispatch;

  demo = bs_demo_start (&options, &error);
  if (demo == NULL)
    {
      g_printerr (_("Cannot start the demo: %s\n"), error->message);
      return BS_EXIT_FAILURE;
    }

  loaded = bs_simulator_get_scenario (demo->simulator);
  g_print (_("Beacon %s — training demo\n"), bc_version_string ());
  g_print (_("Scenario: %s\n"), loaded->name);
  g_print ("%s\n", loaded->notice);
  g_print (_("Server: %s\n"), demo->base_uri);
  g_print (_("Database: %s%s\n"), demo->db_path,
           demo->temp_dir != NULL ? _(" (temporary, deleted on exit)") : "");
  seed_text = g_strdup_printf ("%" G_GINT64_FORMAT, seed);
  g_print (_("Speed %u×, seed %s, %s\n"), options.speed, seed_text,
           paused ? _("paused") : _("playing"));
  g_print ("%s\n", _("Demo accounts (passwords for this demo only):"));
  for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
    g_print ("  %-11s %-16s %s\n", accounts[i].username, accounts[i].password,
             bc_role_label (accounts[i].role));

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  state.server = demo->server;
  term_id = g_unix_signal_add (SIGTERM, demo_on_signal, &state);
  int_id = g_unix_signal_add (SIGINT, demo_on_signal, &state);

  g_main_loop_run (loop);

  g_source_remove (term_id);
  g_source_remove (int_id);
  g_clear_object (&demo);
  return BS_EXIT_OK;
}
