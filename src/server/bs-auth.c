/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-auth.h"

#include <sodium.h>
#include <string.h>

#include "bc-audit.h"
#include "bc-time.h"

#include <json-glib/json-glib.h>

/* argon2id strings are about 100 bytes; passwords are bounded so hashing cost stays bounded. */
#define BS_PASSWORD_MIN_CHARS 8
#define BS_PASSWORD_MAX_BYTES 1024
#define BS_TOKEN_BYTES 32

/* With a sliding lifetime the stored expiry is only rewritten when it moved by this much, so a
 * busy console does not cost one database write per request. */
#define BS_SLIDING_WRITE_GRANULARITY_US (60 * G_USEC_PER_SEC)

/* How many sessions the in-memory cache keeps before it is emptied (it refills from the DB). */
#define BS_SESSION_CACHE_MAX 4096

G_DEFINE_QUARK (bs-auth-error-quark, bs_auth_error)

struct _BsAuth
{
  GObject     parent_instance;

  BcStore    *store;
  BsConfig   *config;

  /* token hash → BsPrincipal*: avoids a SELECT per request. The database stays the truth. */
  GHashTable *sessions;

  /* "u:NAME" / "a:ADDRESS" → GArray of gint64 monotonic failure times (µs) */
  GHashTable *failures;
};

G_DEFINE_FINAL_TYPE (BsAuth, bs_auth, G_TYPE_OBJECT)

/* ---- Boxed helpers ------------------------------------------------------------------------ */

BsPrincipal *
bs_principal_copy (const BsPrincipal *principal)
{
  BsPrincipal *copy;

  g_return_val_if_fail (principal != NULL, NULL);

  copy = g_new0 (BsPrincipal, 1);
  copy->username = g_strdup (principal->username);
  copy->role = principal->role;
  copy->display_name = g_strdup (principal->display_name);
  copy->token_hash = g_strdup (principal->token_hash);
  copy->expires_at = principal->expires_at;
  return copy;
}

void
bs_principal_free (BsPrincipal *principal)
{
  if (principal == NULL)
    return;
  g_free (principal->username);
  g_free (principal->display_name);
  g_free (principal->token_hash);
  g_free (principal);
}

void
bs_session_free (BsSession *session)
{
  if (session == NULL)
    return;
  if (session->token != NULL)
    sodium_memzero (session->token, strlen (session->token));
  g_free (session->token);
  g_free (session->username);
  g_free (session);
}

void
bs_user_free (BsUser *user)
{
  if (user == NULL)
    return;
  g_free (user->username);
  g_free (user->display_name);
  g_free (user);
}

/* ---- Primitives --------------------------------------------------------------------------- */

static void
ensure_sodium (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      if (sodium_init () < 0)
        g_error ("libsodium could not be initialised");
      g_once_init_leave (&initialized, 1);
    }
}

char *
bs_auth_hash_password (const char  *password,
                       guint64      opslimit,
                       gsize        memlimit,
                       GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];

  g_return_val_if_fail (password != NULL, NULL);

  ensure_sodium ();

  if (crypto_pwhash_str (hash, password, strlen (password), opslimit, memlimit) != 0)
    {
      g_set_error_literal (error, BS_AUTH_ERROR, BS_AUTH_ERROR_INVALID,
                           "password hashing failed (out of memory?)");
      return NULL;
    }

  return g_strdup (hash);
}

gboolean
bs_auth_verify_password (const char *hash,
                         const char *password)
{
  g_return_val_if_fail (hash != NULL, FALSE);
  g_return_val_if_fail (password != NULL, FALSE);

  ensure_sodium ();

  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

char *
bs_auth_hash_token (const char *token)
{
  guchar digest[crypto_hash_sha256_BYTES];
  char hex[crypto_hash_sha256_BYTES * 2 + 1];

  g_return_val_if_fail (token != NULL, NULL);

  ensure_sodium ();

  crypto_hash_sha256 (digest, (const guchar *) token, strlen (token));
  sodium_bin2hex (hex, sizeof hex, digest, sizeof digest);
  return g_strdup (hex);
}

char *
bs_auth_new_token (char **out_hash)
{
  guchar bytes[BS_TOKEN_BYTES];
  char token[sodium_base64_ENCODED_LEN (BS_TOKEN_BYTES,
                                        sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  ensure_sodium ();

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2base64 (token, sizeof token, bytes, sizeof bytes,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, sizeof bytes);

  if (out_hash != NULL)
    *out_hash = bs_auth_hash_token (token);

  return g_strdup (token);
}

gboolean
bs_auth_username_is_valid (const char *username)
{
  gsize len;

  if (username == NULL)
    return FALSE;

  len = strlen (username);
  if (len < 1 || len > 32)
    return FALSE;

  for (const char *p = username; *p != '\0'; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_' || *p == '.' || *p == '-'))
      return FALSE;

  return TRUE;
}

/* ---- GObject ------------------------------------------------------------------------------ */

static void
bs_auth_finalize (GObject *object)
{
  BsAuth *self = BS_AUTH (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->config, bs_config_free);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->failures, g_hash_table_unref);

  G_OBJECT_CLASS (bs_auth_parent_class)->finalize (object);
}

static void
bs_auth_class_init (BsAuthClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bs_auth_finalize;
}

static void
bs_auth_init (BsAuth *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) bs_principal_free);
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_array_unref);
}

BsAuth *
bs_auth_new (BcStore        *store,
             const BsConfig *config)
{
  BsAuth *self;

  g_return_val_if_fail (BC_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (BS_TYPE_AUTH, NULL);
  self->store = g_object_ref (store);
  self->config = bs_config_copy (config);
  return self;
}

/* ---- Rate limit --------------------------------------------------------------------------- */

static GArray *
failures_for (BsAuth     *self,
              const char *key,
              gint64      now,
              gboolean    create)
{
  GArray *times = g_hash_table_lookup (self->failures, key);
  gint64 window = (gint64) self->config->login_window_s * G_USEC_PER_SEC;
  guint keep_from = 0;

  if (times != NULL)
    {
      while (keep_from < times->len && g_array_index (times, gint64, keep_from) <= now - window)
        keep_from++;
      if (keep_from > 0)
        g_array_remove_range (times, 0, keep_from);
      if (times->len == 0 && !create)
        {
          g_hash_table_remove (self->failures, key);
          return NULL;
        }
    }
  else if (create)
    {
      times = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->failures, g_strdup (key), times);
    }

  return times;
}

static gboolean
is_limited (BsAuth     *self,
            const char *username,
            const char *address,
            gint64      now)
{
  g_autofree char *user_key = g_strconcat ("u:", username, NULL);
  g_autofree char *addr_key = g_strconcat ("a:", address, NULL);
  GArray *times;

  times = failures_for (self, user_key, now, FALSE);
  if (times != NULL && times->len >= self->config->login_max_failures)
    return TRUE;

  times = failures_for (self, addr_key, now, FALSE);
  if (times != NULL && times->len >= self->config->login_max_failures)
    return TRUE;

  return FALSE;
}

static void
record_failure (BsAuth     *self,
                const char *username,
                const char *address,
                gint64      now)
{
  g_autofree char *user_key = g_strconcat ("u:", username, NULL);
  g_autofree char *addr_key = g_strconcat ("a:", address, NULL);
  GArray *times;

  /* Bound the table: an attacker cycling usernames must not grow it without limit. */
  if (g_hash_table_size (self->failures) > 100000)
    g_hash_table_remove_all (self->failures);

  times = failures_for (self, user_key, now, TRUE);
  g_array_append_val (times, now);
  times = failures_for (self, addr_key, now, TRUE);
  g_array_append_val (times, now);
}

/* The address part of "host:port" or "[v6]:port": attempts are limited per host. */
static char *
remote_host (const char *remote)
{
  const char *colon;

  if (remote == NULL)
    return g_strdup ("");
  if (remote[0] == '[')
    {
      const char *close = strchr (remote, ']');
      return close != NULL ? g_strndup (remote + 1, close - remote - 1) : g_strdup (remote);
    }
  colon = strrchr (remote, ':');
  return colon != NULL ? g_strndup (remote, colon - remote) : g_strdup (remote);
}

/* ---- Login -------------------------------------------------------------------------------- */

typedef struct
{
  char     *username;
  char     *password;
  char     *remote;
  char     *hash;        /* the stored hash, or the dummy one */
  gboolean  user_known;
  BcRole    role;
  char     *display_name;
  guint64   opslimit;
  gsize     memlimit;
  gboolean  matched;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_free (data->username);
  if (data->password != NULL)
    sodium_memzero (data->password, strlen (data->password));
  g_free (data->password);
  g_free (data->remote);
  g_free (data->hash);
  g_free (data->display_name);
  g_free (data);
}

typedef struct
{
  const char *token_hash;
  const char *username;
  BcRole      role;
  const char *remote;
  gint64      created_at;
  gint64      expires_at;
} InsertSession;

static void cache_principal (BsAuth      *self,
                             BsPrincipal *principal);

static void
login_verify_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  LoginData *data = task_data;

  if (data->hash != NULL)
    {
      data->matched = bs_auth_verify_password (data->hash, data->password);
    }
  else
    {
      /* Unknown user: spend the same time as a verification so that the answer time does not
       * tell which usernames exist. */
      g_autofree char *hash = bs_auth_hash_password (data->password, data->opslimit,
                                                     data->memlimit, NULL);
      data->matched = FALSE;
    }

  g_task_return_boolean (task, TRUE);
}

static gboolean
insert_session_command (BcStore  *store,
                        gpointer  user_data,
                        GError  **error)
{
  InsertSession *is = user_data;
  g_autoptr(BcStmt) stmt = NULL;
  g_autofree char *expires = bc_time_format (is->expires_at);
  g_autofree char *detail = NULL;
  g_autofree char *target = g_strconcat ("user/", is->username, NULL);

  stmt = bc_store_prepare (store,
                           "INSERT INTO sessions (token_hash, username, created_at, expires_at, "
                           "remote) VALUES (?1, ?2, ?3, ?4, ?5)",
                           error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, is->token_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, is->username, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, is->created_at);
  sqlite3_bind_int64 (stmt, 4, is->expires_at);
  sqlite3_bind_text (stmt, 5, is->remote, -1, SQLITE_STATIC);
  if (!bc_store_step_done (store, stmt, error))
    return FALSE;

  detail = g_strdup_printf ("{\"expires_at\":\"%s\"}", expires);
  return bc_audit_append (store, is->created_at, is->username, bc_role_to_string (is->role),
                          is->remote, "session.create", target, detail, error);
}

static void
login_verified_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  BsAuth *self = BS_AUTH (source);
  g_autoptr(GTask) task = user_data;
  LoginData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *host = remote_host (data->remote);
  g_autofree char *token_hash = NULL;
  g_autoptr(BsSession) session = NULL;
  BsPrincipal *principal;
  InsertSession is;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!data->matched)
    {
      g_autoptr(GError) audit_error = NULL;

      record_failure (self, data->username, host, g_get_monotonic_time ());
      if (!bc_audit_append (self->store, bc_time_now (),
                            data->user_known ? data->username : NULL, NULL, data->remote,
                            "session.login_failed", NULL, NULL, &audit_error))
        g_warning ("Could not record a failed login: %s", audit_error->message);

      g_task_return_new_error (task, BS_AUTH_ERROR, BS_AUTH_ERROR_UNAUTHORIZED,
                               "wrong username or password");
      return;
    }

  session = g_new0 (BsSession, 1);
  session->token = bs_auth_new_token (&token_hash);
  session->username = g_strdup (data->username);
  session->role = data->role;

  is = (InsertSession) {
    .token_hash = token_hash,
    .username = data->username,
    .role = data->role,
    .remote = data->remote,
    .created_at = bc_time_now (),
  };
  is.expires_at = is.created_at + (gint64) self->config->token_lifetime_s * G_USEC_PER_SEC;
  session->expires_at = is.expires_at;

  if (!bc_store_run_command (self->store, insert_session_command, &is, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* A successful login forgives this user's earlier typos (not the address's). */
  {
    g_autofree char *user_key = g_strconcat ("u:", data->username, NULL);
    g_hash_table_remove (self->failures, user_key);
  }

  principal = g_new0 (BsPrincipal, 1);
  principal->username = g_strdup (data->username);
  principal->role = data->role;
  principal->display_name = g_strdup (data->display_name);
  principal->token_hash = g_steal_pointer (&token_hash);
  principal->expires_at = is.expires_at;
  cache_principal (self, principal);

  g_task_return_pointer (task, g_steal_pointer (&session), (GDestroyNotify) bs_session_free);
}

void
bs_auth_login_async (BsAuth              *self,
                     const char          *username,
                     const char          *password,
                     const char          *remote,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) verify = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = NULL;
  g_autofree char *host = NULL;
  LoginData *data;
  int rc;

  g_return_if_fail (BS_IS_AUTH (self));
  g_return_if_fail (username != NULL);
  g_return_if_fail (password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bs_auth_login_async);

  host = remote_host (remote);
  if (is_limited (self, username, host, g_get_monotonic_time ()))
    {
      g_task_return_new_error (task, BS_AUTH_ERROR, BS_AUTH_ERROR_TOO_MANY_ATTEMPTS,
                               "too many failed logins; try again in %u minutes",
                               (self->config->login_window_s + 59) / 60);
      return;
    }

  data = g_new0 (LoginData, 1);
  data->username = g_strdup (username);
  data->password = g_strdup (password);
  data->remote = g_strdup (remote);
  data->opslimit = self->config->pwhash_opslimit;
  data->memlimit = self->config->pwhash_memlimit;

  if (strlen (password) <= BS_PASSWORD_MAX_BYTES && bs_auth_username_is_valid (username))
    {
      stmt = bc_store_prepare (self->store,
                               "SELECT role, password_hash, display_name FROM users "
                               "WHERE username = ?1 AND disabled = 0",
                               &error);
      if (stmt == NULL)
        {
          login_data_free (data);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      sqlite3_bind_text (stmt, 1, username, -1, SQLITE_TRANSIENT);
      rc = bc_store_step (self->store, stmt, &error);
      if (rc == SQLITE_ROW)
        {
          BcRole role;

          if (bc_role_from_string ((const char *) sqlite3_column_text (stmt, 0), &role))
            {
              data->user_known = TRUE;
              data->role = role;
              data->hash = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
              data->display_name = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
            }
        }
      else if (rc != SQLITE_DONE)
        {
          login_data_free (data);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  else
    {
      /* Over-long passwords would make hashing a denial of service; they match nothing. */
      data->password[MIN (strlen (data->password), BS_PASSWORD_MAX_BYTES)] = '\0';
    }

  verify = g_task_new (self, cancellable, login_verified_cb, g_steal_pointer (&task));
  g_task_set_source_tag (verify, login_verify_thread);
  g_task_set_task_data (verify, data, (GDestroyNotify) login_data_free);
  g_task_run_in_thread (verify, login_verify_thread);
}

BsSession *
bs_auth_login_finish (BsAuth        *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (BS_IS_AUTH (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Tokens ------------------------------------------------------------------------------- */

static void
cache_principal (BsAuth      *self,
                 BsPrincipal *principal)
{
  if (g_hash_table_size (self->sessions) >= BS_SESSION_CACHE_MAX)
    g_hash_table_remove_all (self->sessions);
  g_hash_table_replace (self->sessions, principal->token_hash, principal);
}

BsPrincipal *
bs_auth_authenticate (BsAuth      *self,
                      const char  *token,
                      GError     **error)
{
  g_autofree char *token_hash = NULL;
  BsPrincipal *principal;
  gint64 now;

  g_return_val_if_fail (BS_IS_AUTH (self), NULL);

  if (token == NULL || *token == '\0')
    {
      g_set_error_literal (error, BS_AUTH_ERROR, BS_AUTH_ERROR_UNAUTHORIZED,
                           "a bearer token is required (Authorization: Bearer TOKEN)");
      return NULL;
    }

  token_hash = bs_auth_hash_token (token);
  principal = g_hash_table_lookup (self->sessions, token_hash);
  if (principal == NULL)
    {
      g_autoptr(BcStmt) stmt = NULL;
      BcRole role;
      int rc;

      stmt = bc_store_prepare (self->store,
                               "SELECT s.username, u.role, s.expires_at, u.display_name "
                               "FROM sessions s "
                               "JOIN users u ON u.username = s.username "
                               "WHERE s.token_hash = ?1 AND u.disabled = 0",
                               error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, token_hash, -1, SQLITE_STATIC);
      rc = bc_store_step (self->store, stmt, error);
      if (rc == SQLITE_DONE)
        {
          g_set_error_literal (error, BS_AUTH_ERROR, BS_AUTH_ERROR_UNAUTHORIZED,
                               "the bearer token is not valid (log in again)");
          return NULL;
        }
      if (rc != SQLITE_ROW)
        return NULL;
      if (!bc_role_from_string ((const char *) sqlite3_column_text (stmt, 1), &role))
        {
          g_set_error_literal (error, BS_AUTH_ERROR, BS_AUTH_ERROR_UNAUTHORIZED,
                               "the bearer token is not valid (log in again)");
          return NULL;
        }

      principal = g_new0 (BsPrincipal, 1);
      principal->username = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      principal->role = role;
      principal->expires_at = sqlite3_column_int64 (stmt, 2);
      principal->display_name = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      principal->token_hash = g_steal_pointer (&token_hash);
      cache_principal (self, principal);
    }

  now = bc_time_now ();
  if (now >= principal->expires_at)
    {
      g_set_error_literal (error, BS_AUTH_ERROR, BS_AUTH_ERROR_TOKEN_EXPIRED,
                           "the bearer token has expired (log in again)");
      return NULL;
    }

  if (self->config->token_sliding)
    {
      gint64 lifetime = (gint64) self->config->token_lifetime_s * G_USEC_PER_SEC;
      gint64 expires_at = now + lifetime;

      if (expires_at - principal->expires_at >= MIN (BS_SLIDING_WRITE_GRANULARITY_US,
                                                      lifetime / 4))
        {
          g_autoptr(BcStmt) stmt = NULL;
          g_autoptr(GError) local_error = NULL;

          stmt = bc_store_prepare (self->store,
                                   "UPDATE sessions SET expires_at = ?2 WHERE token_hash = ?1",
                                   &local_error);
          if (stmt != NULL)
            {
              sqlite3_bind_text (stmt, 1, principal->token_hash, -1, SQLITE_STATIC);
              sqlite3_bind_int64 (stmt, 2, expires_at);
            }
          /* Not fatal: the token stays valid until its stored expiry. */
          if (stmt == NULL || !bc_store_step_done (self->store, stmt, &local_error))
            g_warning ("Could not extend a session: %s", local_error->message);
          else
            principal->expires_at = expires_at;
        }
    }

  return bs_principal_copy (principal);
}

typedef struct
{
  const BsPrincipal *principal;
  const char        *remote;
} DeleteSession;

static gboolean
delete_session_command (BcStore  *store,
                        gpointer  user_data,
                        GError  **error)
{
  DeleteSession *ds = user_data;
  g_autoptr(BcStmt) stmt = NULL;
  g_autofree char *target = g_strconcat ("user/", ds->principal->username, NULL);

  stmt = bc_store_prepare (store, "DELETE FROM sessions WHERE token_hash = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, ds->principal->token_hash, -1, SQLITE_STATIC);
  if (!bc_store_step_done (store, stmt, error))
    return FALSE;

  return bc_audit_append (store, bc_time_now (), ds->principal->username,
                          bc_role_to_string (ds->principal->role), ds->remote,
                          "session.delete", target, NULL, error);
}

gboolean
bs_auth_logout (BsAuth             *self,
                const BsPrincipal  *principal,
                const char         *remote,
                GError            **error)
{
  DeleteSession ds = { principal, remote };

  g_return_val_if_fail (BS_IS_AUTH (self), FALSE);
  g_return_val_if_fail (principal != NULL, FALSE);

  if (!bc_store_run_command (self->store, delete_session_command, &ds, error))
    return FALSE;

  g_hash_table_remove (self->sessions, principal->token_hash);
  return TRUE;
}

gboolean
bs_auth_purge_expired (BsAuth  *self,
                       GError **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  gint64 cutoff;

  g_return_val_if_fail (BS_IS_AUTH (self), FALSE);

  /* Expired rows are kept a day so that their tokens still answer token_expired. */
  cutoff = bc_time_now () - (gint64) 24 * 3600 * G_USEC_PER_SEC;
  stmt = bc_store_prepare (self->store, "DELETE FROM sessions WHERE expires_at < ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cutoff);
  if (!bc_store_step_done (self->store, stmt, error))
    return FALSE;

  g_hash_table_remove_all (self->sessions);
  return TRUE;
}

/* ---- Users -------------------------------------------------------------------------------- */

typedef struct
{
  char    *username;
  BcRole   role;
  char    *display_name;
  char    *password;
  char    *hash;
  char    *actor_name;
  BcRole   actor_role;
  char    *remote;
  guint64  opslimit;
  gsize    memlimit;
  gint64   created_at;
} AddUser;

static void
add_user_free (AddUser *au)
{
  g_free (au->username);
  g_free (au->display_name);
  if (au->password != NULL)
    sodium_memzero (au->password, strlen (au->password));
  g_free (au->password);
  g_free (au->hash);
  g_free (au->actor_name);
  g_free (au->remote);
  g_free (au);
}

static gboolean
validate_new_user (const char  *username,
                   const char  *display_name,
                   const char  *password,
                   GError     **error)
{
  if (!bs_auth_username_is_valid (username))
    {
      g_set_error_literal (error, BS_AUTH_ERROR, BS_AUTH_ERROR_INVALID,
                           "username: must be 1 to 32 characters of a-z, 0-9, '_', '.', '-'");
      return FALSE;
    }
  if (display_name != NULL &&
      (!g_utf8_validate (display_name, -1, NULL) || g_utf8_strlen (display_name, -1) > 64))
    {
      g_set_error_literal (error, BS_AUTH_ERROR, BS_AUTH_ERROR_INVALID,
                           "display_name: must be valid UTF-8 of at most 64 characters");
      return FALSE;
    }
  if (password == NULL || !g_utf8_validate (password, -1, NULL) ||
      g_utf8_strlen (password, -1) < BS_PASSWORD_MIN_CHARS ||
      strlen (password) > BS_PASSWORD_MAX_BYTES)
    {
      g_set_error (error, BS_AUTH_ERROR, BS_AUTH_ERROR_INVALID,
                   "password: must be at least %d characters (at most %d bytes)",
                   BS_PASSWORD_MIN_CHARS, BS_PASSWORD_MAX_BYTES);
      return FALSE;
    }
  return TRUE;
}

static gboolean
insert_user_command (BcStore  *store,
                     gpointer  user_data,
                     GError  **error)
{
  AddUser *au = user_data;
  g_autoptr(BcStmt) check = NULL;
  g_autoptr(BcStmt) stmt = NULL;
  g_autofree char *target = g_strconcat ("user/", au->username, NULL);
  g_autofree char *detail = NULL;
  int rc;

  check = bc_store_prepare (store, "SELECT 1 FROM users WHERE username = ?1", error);
  if (check == NULL)
    return FALSE;
  sqlite3_bind_text (check, 1, au->username, -1, SQLITE_STATIC);
  rc = bc_store_step (store, check, error);
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, BS_AUTH_ERROR, BS_AUTH_ERROR_USER_EXISTS,
                   "user %s already exists", au->username);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return FALSE;

  stmt = bc_store_prepare (store,
                           "INSERT INTO users (username, role, display_name, password_hash, "
                           "created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, au->username, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, bc_role_to_string (au->role), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, au->display_name != NULL ? au->display_name : "", -1,
                     SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, au->hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, au->created_at);
  if (!bc_store_step_done (store, stmt, error))
    return FALSE;

  {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) node = NULL;

    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "role");
    json_builder_add_string_value (builder, bc_role_to_string (au->role));
    json_builder_set_member_name (builder, "display_name");
    json_builder_add_string_value (builder, au->display_name != NULL ? au->display_name : "");
    json_builder_end_object (builder);
    node = json_builder_get_root (builder);
    detail = json_to_string (node, FALSE);
  }

  return bc_audit_append (store, au->created_at, au->actor_name,
                          bc_role_to_string (au->actor_role), au->remote, "user.create",
                          target, detail, error);
}

static BsUser *
user_from_add (AddUser *au)
{
  BsUser *user = g_new0 (BsUser, 1);

  user->username = g_strdup (au->username);
  user->role = au->role;
  user->display_name = g_strdup (au->display_name != NULL ? au->display_name : "");
  user->created_at = au->created_at;
  return user;
}

static AddUser *
add_user_new (BsAuth     *self,
              const char *username,
              BcRole      role,
              const char *display_name,
              const char *password,
              const char *actor_name,
              BcRole      actor_role,
              const char *remote)
{
  AddUser *au = g_new0 (AddUser, 1);

  au->username = g_strdup (username);
  au->role = role;
  au->display_name = g_strdup (display_name);
  au->password = g_strdup (password);
  au->actor_name = g_strdup (actor_name);
  au->actor_role = actor_role;
  au->remote = g_strdup (remote);
  au->opslimit = self->config->pwhash_opslimit;
  au->memlimit = self->config->pwhash_memlimit;
  return au;
}

gboolean
bs_auth_add_user (BsAuth      *self,
                  const char  *username,
                  BcRole       role,
                  const char  *display_name,
                  const char  *password,
                  const char  *actor_name,
                  BcRole       actor_role,
                  const char  *remote,
                  GError     **error)
{
  AddUser *au;
  gboolean ok;

  g_return_val_if_fail (BS_IS_AUTH (self), FALSE);

  if (!validate_new_user (username, display_name, password, error))
    return FALSE;

  au = add_user_new (self, username, role, display_name, password, actor_name, actor_role,
                     remote);
  au->hash = bs_auth_hash_password (password, au->opslimit, au->memlimit, error);
  au->created_at = bc_time_now ();
  ok = au->hash != NULL && bc_store_run_command (self->store, insert_user_command, au, error);
  add_user_free (au);
  return ok;
}

static void
hash_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  AddUser *au = task_data;
  GError *error = NULL;

  au->hash = bs_auth_hash_password (au->password, au->opslimit, au->memlimit, &error);
  if (au->hash == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
user_hashed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  BsAuth *self = BS_AUTH (source);
  g_autoptr(GTask) task = user_data;
  AddUser *au = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  au->created_at = bc_time_now ();
  if (!bc_store_run_command (self->store, insert_user_command, au, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, user_from_add (au), (GDestroyNotify) bs_user_free);
}

void
bs_auth_add_user_async (BsAuth              *self,
                        const char          *username,
                        BcRole               role,
                        const char          *display_name,
                        const char          *password,
                        const char          *actor_name,
                        BcRole               actor_role,
                        const char          *remote,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) hash = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (BS_IS_AUTH (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bs_auth_add_user_async);

  if (!validate_new_user (username, display_name, password, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  hash = g_task_new (self, cancellable, user_hashed_cb, g_steal_pointer (&task));
  g_task_set_source_tag (hash, hash_thread);
  g_task_set_task_data (hash,
                        add_user_new (self, username, role, display_name, password,
                                      actor_name, actor_role, remote),
                        (GDestroyNotify) add_user_free);
  g_task_run_in_thread (hash, hash_thread);
}

BsUser *
bs_auth_add_user_finish (BsAuth        *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (BS_IS_AUTH (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static BsUser *
user_from_row (sqlite3_stmt *stmt)
{
  BsUser *user = g_new0 (BsUser, 1);

  user->username = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (!bc_role_from_string ((const char *) sqlite3_column_text (stmt, 1), &user->role))
    user->role = BC_ROLE_UNIT;
  user->display_name = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  user->created_at = sqlite3_column_int64 (stmt, 3);
  return user;
}

GPtrArray *
bs_auth_list_users (BsAuth  *self,
                    GError **error)
{
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) bs_user_free);
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (BS_IS_AUTH (self), NULL);

  stmt = bc_store_prepare (self->store,
                           "SELECT username, role, display_name, created_at FROM users "
                           "WHERE disabled = 0 ORDER BY username",
                           error);
  if (stmt == NULL)
    return NULL;

  while ((rc = bc_store_step (self->store, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (users, user_from_row (stmt));
  if (rc != SQLITE_DONE)
    return NULL;

  return g_steal_pointer (&users);
}

BsUser *
bs_auth_get_user (BsAuth      *self,
                  const char  *username,
                  GError     **error)
{
  g_autoptr(BcStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (BS_IS_AUTH (self), NULL);

  stmt = bc_store_prepare (self->store,
                           "SELECT username, role, display_name, created_at FROM users "
                           "WHERE username = ?1 AND disabled = 0",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_TRANSIENT);
  rc = bc_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    return user_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, BC_STORE_ERROR, BC_STORE_ERROR_NOT_FOUND, "no user %s", username);
  return NULL;
}
