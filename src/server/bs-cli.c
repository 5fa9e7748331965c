/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-cli.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <sodium.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "bc-model.h"
#include "bc-schema.h"
#include "bc-store.h"
#include "bc-version.h"
#include "bs-auth.h"
#include "bs-import.h"
#include "bs-repo.h"
#include "bs-server.h"

#define PASSWORD_LINE_MAX 1100

/* ---- Shared ------------------------------------------------------------------------------- */

static int
usage_error (GOptionContext *context,
             const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("%s\n\n%s", message, help);
  return BS_EXIT_USAGE;
}

/* Defaults, then the --config file, then the command line. */
static BsConfig *
load_config (const char  *config_path,
             GError     **error)
{
  g_autoptr(BsConfig) config = bs_config_new ();

  if (config_path != NULL && !bs_config_load_file (config, config_path, error))
    return NULL;
  return g_steal_pointer (&config);
}

static BcStore *
open_existing_store (const char  *path,
                     GError     **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   _("There is no database at %s; create one with “beacon-server init --db %s”"),
                   path, path);
      return NULL;
    }
  return bc_store_open (path, bc_server_schema (), error);
}

/* Who the audit log names for changes made from the command line. */
static char *
cli_actor_name (void)
{
  return g_strdup_printf ("cli:%s", g_get_user_name ());
}

/* Incidents created without a district get theirs from these outlines. Without them the
 * server still runs (an installation may lack the data): such incidents keep none. */
static void
use_districts (BsRepo         *repo,
               const BsConfig *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcDistricts) districts = bs_config_load_districts (config, &error);

  if (districts == NULL)
    g_warning ("No district outlines, incidents get no district from their location: %s",
               error->message);
  bs_repo_set_districts (repo, districts);
}

/* ---- serve -------------------------------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  BsServer  *server;
  gboolean   stopping;
  gboolean   clean;
} ServeState;

static void
shutdown_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ServeState *state = user_data;
  g_autoptr(GError) error = NULL;

  state->clean = bs_server_shutdown_finish (BS_SERVER (source), result, &error);
  if (!state->clean)
    g_warning ("Shutdown failed: %s", error->message);
  g_main_loop_quit (state->loop);
}

static gboolean
on_stop_signal (gpointer user_data)
{
  ServeState *state = user_data;

  if (state->stopping)
    {
      /* A second signal: stop waiting for stragglers. */
      g_message ("Second stop signal: quitting now");
      g_main_loop_quit (state->loop);
      return G_SOURCE_CONTINUE;
    }

  state->stopping = TRUE;
  bs_server_shutdown_async (state->server, NULL, shutdown_done, state);
  return G_SOURCE_CONTINUE;
}

int
bs_cli_serve (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BsConfig) config = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autoptr(BsRepo) repo = NULL;
  g_autoptr(BsServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *db = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  g_autofree char *config_path = NULL;
  gboolean show_version = FALSE;
  gboolean verbose = FALSE;
  ServeState state = { 0, };
  guint term_id, int_id;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The SQLite database"), N_("PATH") },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen,
      N_("Address and port to listen on (default 127.0.0.1:8080)"), N_("ADDR:PORT") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, N_("TLS certificate (PEM)"),
      N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, N_("TLS private key (PEM)"),
      N_("FILE") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"),
      N_("FILE") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log every request"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &show_version, N_("Print the version and exit"),
      NULL },
    { NULL }
  };

  context = g_option_context_new (_("— Beacon dispatch server"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
                                    _("Sub-commands:\n"
                                      "  init --db PATH\n"
                                      "  user add NAME --role ROLE [--display-name NAME] --db PATH\n"
                                      "  user list --db PATH\n"
                                      "  import cameras|units FILE --db PATH [--crs gcj02]\n"));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);

  if (show_version)
    {
      g_print ("beacon-server %s\n", bc_version_string ());
      return BS_EXIT_OK;
    }
  if (argc > 1)
    {
      g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);
      return usage_error (context, message);
    }

  config = load_config (config_path, &error);
  if (config == NULL)
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_USAGE;
    }
  if (db != NULL)
    {
      g_free (config->db_path);
      config->db_path = g_steal_pointer (&db);
    }
  if (listen != NULL)
    {
      g_free (config->listen);
      config->listen = g_steal_pointer (&listen);
    }
  if (tls_cert != NULL)
    {
      g_free (config->tls_cert);
      config->tls_cert = g_steal_pointer (&tls_cert);
    }
  if (tls_key != NULL)
    {
      g_free (config->tls_key);
      config->tls_key = g_steal_pointer (&tls_key);
    }
  if (config->db_path == NULL)
    return usage_error (context, _("--db is required"));
  if ((config->tls_cert == NULL) != (config->tls_key == NULL))
    return usage_error (context, _("--tls-cert and --tls-key must be given together"));
  if (!bs_config_parse_listen (config->listen, NULL, NULL, &error))
    return usage_error (context, error->message);

  if (verbose)
    g_log_set_debug_enabled (TRUE);

  store = open_existing_store (config->db_path, &error);
  if (store != NULL && (repo = bs_repo_new (store, &error)) != NULL)
    use_districts (repo, config);
  if (repo == NULL ||
      (server = bs_server_new (repo, config, &error)) == NULL ||
      !bs_server_listen (server, &error))
    {
      g_printerr (_("Cannot start the server: %s\n"), error->message);
      return BS_EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  state.server = server;
  term_id = g_unix_signal_add (SIGTERM, on_stop_signal, &state);
  int_id = g_unix_signal_add (SIGINT, on_stop_signal, &state);

  g_main_loop_run (loop);

  g_source_remove (term_id);
  g_source_remove (int_id);

  /* Drop every reference so that the store is closed (and checkpointed) before exit. */
  g_clear_object (&server);
  g_clear_object (&repo);
  g_clear_object (&store);

  if (!state.clean)
    return BS_EXIT_FAILURE;

  g_message ("Stopped cleanly");
  return BS_EXIT_OK;
}

/* ---- init --------------------------------------------------------------------------------- */

int
bs_cli_init (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autofree char *db = NULL;
  gboolean existed;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The SQLite database"), N_("PATH") },
    { NULL }
  };

  context = g_option_context_new (_("— create or upgrade the database"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (db == NULL)
    return usage_error (context, _("--db is required"));
  if (argc > 1)
    return usage_error (context, _("Too many arguments"));

  existed = g_file_test (db, G_FILE_TEST_EXISTS);
  store = bc_store_open (db, bc_server_schema (), &error);
  if (store == NULL)
    {
      g_printerr (_("Cannot open %s: %s\n"), db, error->message);
      return BS_EXIT_FAILURE;
    }

  if (existed)
    g_print (_("%s is ready (schema version %u)\n"), db, bc_store_get_schema_version (store));
  else
    g_print (_("Created %s (schema version %u)\n"), db, bc_store_get_schema_version (store));
  return BS_EXIT_OK;
}

/* ---- user --------------------------------------------------------------------------------- */

static gboolean
read_line_no_echo (FILE        *input,
                   const char  *prompt,
                   char        *buffer,
                   gsize        size,
                   GError     **error)
{
  struct termios saved, quiet;
  int fd = fileno (input);
  gboolean ok;

  fputs (prompt, stderr);
  fflush (stderr);

  if (tcgetattr (fd, &saved) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot read from the terminal: %s"), g_strerror (saved_errno));
      return FALSE;
    }
  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL;
  tcsetattr (fd, TCSAFLUSH, &quiet);

  ok = fgets (buffer, (int) size, input) != NULL;

  tcsetattr (fd, TCSAFLUSH, &saved);

  if (!ok)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("No password was entered"));
      return FALSE;
    }
  return TRUE;
}

static void
strip_newline (char *line)
{
  gsize length = strlen (line);

  while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r'))
    line[--length] = '\0';
}

char *
bs_cli_read_password (FILE     *input,
                      gboolean  confirm,
                      GError  **error)
{
  char first[PASSWORD_LINE_MAX];
  char second[PASSWORD_LINE_MAX];
  char *result = NULL;

  g_return_val_if_fail (input != NULL, NULL);

  if (isatty (fileno (input)))
    {
      if (!read_line_no_echo (input, _("Password: "), first, sizeof first, error))
        goto out;
      strip_newline (first);
      if (confirm)
        {
          if (!read_line_no_echo (input, _("Password again: "), second, sizeof second, error))
            goto out;
          strip_newline (second);
          if (strcmp (first, second) != 0)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   _("The passwords do not match"));
              goto out;
            }
        }
    }
  else
    {
      if (fgets (first, sizeof first, input) == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("No password on standard input"));
          goto out;
        }
      strip_newline (first);
    }

  result = g_strdup (first);

out:
  sodium_memzero (first, sizeof first);
  sodium_memzero (second, sizeof second);
  return result;
}

static int
user_add (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BsConfig) config = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autoptr(BsAuth) auth = NULL;
  g_autofree char *db = NULL;
  g_autofree char *role_name = NULL;
  g_autofree char *display_name = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *password = NULL;
  g_autofree char *actor = NULL;
  BcRole role;
  GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role_name,
      N_("dispatcher, supervisor, trainer, admin or unit"), N_("ROLE") },
    { "display-name", 0, 0, G_OPTION_ARG_STRING, &display_name,
      N_("Name shown in the console (for a unit account: the unit's call sign)"), N_("NAME") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The SQLite database"), N_("PATH") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, N_("Configuration file"),
      N_("FILE") },
    { NULL }
  };

  context = g_option_context_new (_("NAME — add a user; the password is read from the terminal"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc != 2)
    return usage_error (context, _("Exactly one user name is required"));
  if (db == NULL)
    return usage_error (context, _("--db is required"));
  if (role_name == NULL || !bc_role_from_string (role_name, &role))
    return usage_error (context,
                        _("--role must be dispatcher, supervisor, trainer, admin or unit"));
  if (!bs_auth_username_is_valid (argv[1]))
    return usage_error (context,
                        _("A user name is 1 to 32 characters of a-z, 0-9, “_”, “.” and “-”"));

  config = load_config (config_path, &error);
  if (config == NULL)
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_USAGE;
    }

  password = bs_cli_read_password (stdin, TRUE, &error);
  if (password == NULL)
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_FAILURE;
    }

  store = open_existing_store (db, &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_FAILURE;
    }

  auth = bs_auth_new (store, config);
  actor = cli_actor_name ();
  if (!bs_auth_add_user (auth, argv[1], role, display_name, password, actor, BC_ROLE_ADMIN,
                         "local", &error))
    {
      sodium_memzero (password, strlen (password));
      g_printerr (_("Cannot add user %s: %s\n"), argv[1], error->message);
      return BS_EXIT_FAILURE;
    }

  sodium_memzero (password, strlen (password));
  g_print (_("Added user %s (%s)\n"), argv[1], bc_role_to_string (role));
  return BS_EXIT_OK;
}

static int
user_list (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BsConfig) config = bs_config_new ();
  g_autoptr(BcStore) store = NULL;
  g_autoptr(BsAuth) auth = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autofree char *db = NULL;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The SQLite database"), N_("PATH") },
    { NULL }
  };

  context = g_option_context_new (_("— list the users"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (db == NULL)
    return usage_error (context, _("--db is required"));

  store = open_existing_store (db, &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_FAILURE;
    }

  auth = bs_auth_new (store, config);
  users = bs_auth_list_users (auth, &error);
  if (users == NULL)
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_FAILURE;
    }

  for (guint i = 0; i < users->len; i++)
    {
      BsUser *user = g_ptr_array_index (users, i);
      g_print ("%-32s %-10s %s\n", user->username, bc_role_to_string (user->role),
               user->display_name);
    }
  return BS_EXIT_OK;
}

int
bs_cli_user (int    argc,
             char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "add") == 0)
    return user_add (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return user_list (argc - 1, argv + 1);

  g_printerr ("%s\n", _("Usage: beacon-server user add NAME --role ROLE --db PATH\n"
                        "       beacon-server user list --db PATH"));
  return BS_EXIT_USAGE;
}

/* ---- import ------------------------------------------------------------------------------- */

static void
import_progress (guint    rows_done,
                 guint64  bytes_done,
                 guint64  bytes_total,
                 gpointer user_data)
{
  guint estimate;

  /* The row total is not known before the end; estimate it from the bytes read. */
  if (bytes_done >= bytes_total || bytes_done == 0)
    estimate = rows_done;
  else
    estimate = (guint) ((double) rows_done * bytes_total / bytes_done);
  estimate = MAX (estimate, rows_done);

  /* A carriage return, not a newline: the line is rewritten in place. */
  g_printerr ("\r");
  if (bytes_done >= bytes_total)
    g_printerr (_("%u/%u rows"), rows_done, rows_done);
  else
    g_printerr (_("%u/~%u rows"), rows_done, estimate);
}

int
bs_cli_import (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = NULL;
  g_autoptr(BsRepo) repo = NULL;
  g_autoptr(BsImportResult) result = NULL;
  g_autofree char *db = NULL;
  g_autofree char *crs = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *actor_name = NULL;
  BsImportFormat format = BS_IMPORT_FORMAT_AUTO;
  BsImportFlags flags = BS_IMPORT_FLAGS_NONE;
  gboolean cameras;
  BsActor actor;
  gboolean ok;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, N_("The SQLite database"), N_("PATH") },
    { "crs", 0, 0, G_OPTION_ARG_STRING, &crs,
      N_("Coordinate system of the file: wgs84 (default) or gcj02"), N_("CRS") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
      N_("csv or geojson (default: from the file name)"), N_("FORMAT") },
    { NULL }
  };

  context = g_option_context_new (_("cameras|units FILE — import cameras or units"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc != 3 || (strcmp (argv[1], "cameras") != 0 && strcmp (argv[1], "units") != 0))
    return usage_error (context, _("Say what to import (cameras or units) and from which file"));
  if (db == NULL)
    return usage_error (context, _("--db is required"));

  if (crs != NULL && g_ascii_strcasecmp (crs, "gcj02") == 0)
    flags |= BS_IMPORT_FLAGS_GCJ02;
  else if (crs != NULL && g_ascii_strcasecmp (crs, "wgs84") != 0)
    return usage_error (context, _("--crs must be wgs84 or gcj02"));

  if (format_name != NULL && g_ascii_strcasecmp (format_name, "csv") == 0)
    format = BS_IMPORT_FORMAT_CSV;
  else if (format_name != NULL && g_ascii_strcasecmp (format_name, "geojson") == 0)
    format = BS_IMPORT_FORMAT_GEOJSON;
  else if (format_name != NULL)
    return usage_error (context, _("--format must be csv or geojson"));

  cameras = strcmp (argv[1], "cameras") == 0;

  store = open_existing_store (db, &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_FAILURE;
    }

  if (cameras)
    result = bs_import_cameras_from_file (argv[2], format, flags, import_progress, NULL, &error);
  else
    result = bs_import_units_from_file (argv[2], format, flags, import_progress, NULL, &error);
  g_printerr ("\n");
  if (result == NULL)
    {
      g_printerr (_("Cannot import %s: %s\n"), argv[2], error->message);
      return BS_EXIT_FAILURE;
    }

  for (guint i = 0; i < result->rejects->len; i++)
    {
      g_autofree char *text = bs_import_reject_to_string (g_ptr_array_index (result->rejects, i));
      g_printerr (_("rejected: %s\n"), text);
    }

  repo = bs_repo_new (store, &error);
  if (repo == NULL)
    {
      g_printerr ("%s\n", error->message);
      return BS_EXIT_FAILURE;
    }

  actor_name = cli_actor_name ();
  actor = (BsActor) { actor_name, BC_ROLE_ADMIN, "local" };
  if (result->items->len == 0)
    ok = TRUE;
  else if (cameras)
    ok = bs_repo_import_cameras (repo, result->items, &actor, &error);
  else
    ok = bs_repo_import_units (repo, result->items, &actor, &error);
  if (!ok)
    {
      g_printerr (_("Cannot import %s: %s\n"), argv[2], error->message);
      return BS_EXIT_FAILURE;
    }

  g_print (_("Imported %u of %u rows from %s; %u rejected\n"), result->items->len,
           result->n_rows, argv[2], result->rejects->len);
  return result->rejects->len > 0 ? BS_EXIT_REJECTED : BS_EXIT_OK;
}
