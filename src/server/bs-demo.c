/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-demo.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "bc-schema.h"
#include "bc-version.h"
#include "bs-cli.h"
#include "bs-history.h"
#include "bs-stats.h"

/* Demo only: these passwords are printed and documented (docs/scenarios.md). */
static const BsDemoAccount accounts[] = {
  { "dispatcher", "demo-dispatcher", BC_ROLE_DISPATCHER, "调度员（演示）" },
  { "supervisor", "demo-supervisor", BC_ROLE_SUPERVISOR, "值班长（演示）" },
  { "trainer", "demo-trainer", BC_ROLE_TRAINER, "教官（演示）" },
};

/* The history thread's job, shared by the demo and the thread (reference counted: either may
 * go first). The progress fields are read from any thread under the lock; `demo` is only
 * touched on the demo's main context. */
typedef struct
{
  char               *db_path;
  GMainContext       *context;
  GCancellable       *cancellable;
  BsHistoryOptions    options;
  BsDemo             *demo;

  GMutex              lock;
  BsDemoHistoryState  state;
  BsHistoryStats      stats;
} HistoryJob;

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

  HistoryJob  *history;      /* NULL: no history */
  GSource     *history_timer;
  GThread     *history_thread;
};

enum
{
  PROP_0,
  PROP_HISTORY_READY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BsDemo, bs_demo, G_TYPE_OBJECT)

/* ---- History ------------------------------------------------------------------------------- */

static void
history_job_clear (HistoryJob *job)
{
  g_free (job->db_path);
  g_main_context_unref (job->context);
  g_object_unref (job->cancellable);
  g_mutex_clear (&job->lock);
}

static HistoryJob *
history_job_ref (HistoryJob *job)
{
  return g_atomic_rc_box_acquire (job);
}

static void
history_job_unref (HistoryJob *job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) history_job_clear);
}

static void
history_set_state (HistoryJob         *job,
                   BsDemoHistoryState  state)
{
  g_mutex_lock (&job->lock);
  job->state = state;
  g_mutex_unlock (&job->lock);
}

static void
history_progress (guint    days_done,
                  guint    n_days,
                  guint64  n_incidents,
                  gpointer user_data)
{
  HistoryJob *job = user_data;

  g_mutex_lock (&job->lock);
  job->stats.days_done = days_done;
  job->stats.n_incidents = n_incidents;
  g_mutex_unlock (&job->lock);
}

/* On the demo's main context, once the history is complete. */
static gboolean
history_ready_in_context (gpointer user_data)
{
  HistoryJob *job = user_data;

  if (job->demo != NULL)
    g_object_notify_by_pspec (G_OBJECT (job->demo), properties[PROP_HISTORY_READY]);
  return G_SOURCE_REMOVE;
}

/* Whether the database already has incidents from before the scenario's day: a kept database
 * (--db) that had its history written by an earlier demo, or real data. */
static gboolean
history_present (BcStore  *store,
                 gint64    before,
                 gboolean *out,
                 GError  **error)
{
  g_autoptr(BcStmt) stmt = bc_store_prepare (store,
                                             "SELECT EXISTS (SELECT 1 FROM incidents "
                                             "               WHERE created_at < ?1)",
                                             error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, before);
  if (bc_store_step (store, stmt, error) != SQLITE_ROW)
    return FALSE;
  *out = sqlite3_column_int (stmt, 0) != 0;
  return TRUE;
}

static gpointer
history_thread_main (gpointer data)
{
  HistoryJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autofree char *count = NULL;
  BsHistoryStats stats = { 0, };
  gboolean present = FALSE;

#ifdef __linux__
  /* Below the server, the simulator and the console's own threads: on a two-core laptop the
   * history must only take what they leave. Linux gives each thread its own nice value. */
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10) != 0)
    g_debug ("History: cannot lower the thread's priority");
#endif

  /* A connection of its own (the server's belongs to the server's thread), taking turns with
   * it for the write lock. Synthetic history needs no fsync per chunk: WAL keeps every chunk
   * atomic, and a power cut loses at most the last chunks of a demo. */
  store = bc_store_open (job->db_path, bc_server_schema (), &error);
  if (store == NULL
      || !bc_store_exec (store, "PRAGMA synchronous=NORMAL", &error)
      || !history_present (store, job->options.end, &present, &error))
    goto fail;
  if (present)
    {
      g_message ("History: the database already has incidents before the scenario's day; "
                 "none written");
      history_set_state (job, BS_DEMO_HISTORY_OFF);
      return NULL;
    }

  history_set_state (job, BS_DEMO_HISTORY_RUNNING);
  if (!bs_history_seed_chunked (store, &job->options, BS_DEMO_HISTORY_CHUNK_DAYS,
                                job->cancellable, &stats, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          count = g_strdup_printf ("%" G_GUINT64_FORMAT, stats.n_incidents);
          g_message ("History: stopped after %u of %u days, %s incidents", stats.days_done,
                     job->options.days, count);
          g_mutex_lock (&job->lock);
          job->state = BS_DEMO_HISTORY_FAILED;
          job->stats = stats;
          g_mutex_unlock (&job->lock);
          return NULL;
        }
      goto fail;
    }

  g_mutex_lock (&job->lock);
  job->state = BS_DEMO_HISTORY_READY;
  job->stats = stats;
  g_mutex_unlock (&job->lock);

  count = g_strdup_printf ("%" G_GUINT64_FORMAT, stats.n_incidents);
  g_message ("History: %u days, %s incidents in %.1f s (%u transactions, the longest %.0f ms)",
             stats.days_done, count, stats.elapsed_us / (double) G_USEC_PER_SEC, stats.n_chunks,
             stats.longest_chunk_us / 1000.0);
  /* Always through a source: g_main_context_invoke() would run the callback right here if the
   * demo's context were free (the headless demo's default context after its loop quit), on
   * this thread, while the demo may be disposing. */
  {
    g_autoptr(GSource) source = g_idle_source_new ();

    g_source_set_static_name (source, "[beacon] demo history ready");
    g_source_set_callback (source, history_ready_in_context, history_job_ref (job),
                           (GDestroyNotify) history_job_unref);
    g_source_attach (source, job->context);
  }
  return NULL;

fail:
  g_warning ("History: cannot write the demo's history: %s", error->message);
  history_set_state (job, BS_DEMO_HISTORY_FAILED);
  return NULL;
}

static gpointer
history_thread_func (gpointer data)
{
  HistoryJob *job = data;

  history_thread_main (job);
  history_job_unref (job);
  return NULL;
}

static gboolean
history_start_cb (gpointer user_data)
{
  BsDemo *self = user_data;

  g_clear_pointer (&self->history_timer, g_source_unref);
  self->history_thread = g_thread_new ("beacon-history", history_thread_func,
                                       history_job_ref (self->history));
  return G_SOURCE_REMOVE;
}

/* Stops the history thread at its next chunk and waits for it (at most one chunk). */
static void
history_stop (BsDemo *self)
{
  if (self->history_timer != NULL)
    {
      g_source_destroy (self->history_timer);
      g_clear_pointer (&self->history_timer, g_source_unref);
      history_set_state (self->history, BS_DEMO_HISTORY_FAILED);
    }
  if (self->history != NULL)
    {
      self->history->demo = NULL;
      g_cancellable_cancel (self->history->cancellable);
    }
  if (self->history_thread != NULL)
    g_thread_join (g_steal_pointer (&self->history_thread));
  g_clear_pointer (&self->history, history_job_unref);
}

static void
history_schedule (BsDemo              *self,
                  const BsDemoOptions *options)
{
  HistoryJob *job = g_atomic_rc_box_new0 (HistoryJob);
  gint64 run_start = bs_simulator_get_run_start (self->simulator);

  job->db_path = g_strdup (self->db_path);
  job->context = g_main_context_ref_thread_default ();
  job->cancellable = g_cancellable_new ();
  job->demo = self;
  g_mutex_init (&job->lock);
  job->state = BS_DEMO_HISTORY_PENDING;

  /* The days before the scenario's local day; incidents of its last evening close before the
   * scenario clock starts, as they would have. The demo's seed makes it the same history in
   * every run. */
  job->options.days = options->history_days != 0 ? options->history_days : BS_DEMO_HISTORY_DAYS;
  job->options.seed = options->seed;
  job->options.end = bs_stats_day_start (bs_stats_local_day (run_start));
  job->options.now = run_start;
  job->options.actor = "demo";
  job->options.pause_ms = BS_DEMO_HISTORY_PAUSE_MS;
  job->options.progress = history_progress;
  job->options.progress_data = job;
  self->history = job;

  self->history_timer = g_timeout_source_new (options->history_delay_ms != 0
                                              ? options->history_delay_ms
                                              : BS_DEMO_HISTORY_DELAY_MS);
  g_source_set_static_name (self->history_timer, "[beacon] demo history");
  g_source_set_callback (self->history_timer, history_start_cb, self, NULL);
  g_source_attach (self->history_timer, job->context);
}

BsDemoHistoryState
bs_demo_get_history_state (BsDemo         *self,
                           guint          *n_days,
                           BsHistoryStats *out_stats)
{
  BsDemoHistoryState state;

  g_return_val_if_fail (BS_IS_DEMO (self), BS_DEMO_HISTORY_OFF);

  if (self->history == NULL)
    {
      if (n_days != NULL)
        *n_days = 0;
      if (out_stats != NULL)
        memset (out_stats, 0, sizeof *out_stats);
      return BS_DEMO_HISTORY_OFF;
    }

  g_mutex_lock (&self->history->lock);
  state = self->history->state;
  if (n_days != NULL)
    *n_days = self->history->options.days;
  if (out_stats != NULL)
    *out_stats = self->history->stats;
  g_mutex_unlock (&self->history->lock);
  return state;
}

gboolean
bs_demo_get_history_ready (BsDemo *self)
{
  g_return_val_if_fail (BS_IS_DEMO (self), FALSE);
  return bs_demo_get_history_state (self, NULL, NULL) == BS_DEMO_HISTORY_READY;
}

/* ---- The demo ------------------------------------------------------------------------------ */

static void
bs_demo_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  BsDemo *self = BS_DEMO (object);

  switch (prop_id)
    {
    case PROP_HISTORY_READY:
      g_value_set_boolean (value, bs_demo_get_history_ready (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bs_demo_dispose (GObject *object)
{
  BsDemo *self = BS_DEMO (object);

  /* First, so that the stop is quick and the database is not deleted under the thread. */
  history_stop (self);

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

  object_class->get_property = bs_demo_get_property;
  object_class->dispose = bs_demo_dispose;
  object_class->finalize = bs_demo_finalize;

  /* TRUE once the synthetic history is complete (see bs_demo_get_history_state()). */
  properties[PROP_HISTORY_READY] =
    g_param_spec_boolean ("history-ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
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
  {
    g_autoptr(GError) districts_error = NULL;
    g_autoptr(BcDistricts) districts = bs_config_load_districts (config, &districts_error);

    /* The scenario's incidents carry no district: the statistics group them by these. */
    if (districts == NULL)
      g_warning ("No district outlines, incidents get no district from their location: %s",
                 districts_error->message);
    bs_repo_set_districts (self->repo, districts);
  }
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

  if (!options->no_history)
    history_schedule (self, options);

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
  gboolean no_history = FALSE;
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
    { "no-history", 0, 0, G_OPTION_ARG_NONE, &no_history,
      N_("Do not write a year of synthetic history for the statistics"), NULL },
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
  options.no_history = no_history;

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
