/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-config.h"

#include <glib/gi18n.h>
#include <sodium.h>
#include <string.h>

BsConfig *
bs_config_new (void)
{
  BsConfig *config = g_new0 (BsConfig, 1);

  config->listen = g_strdup ("127.0.0.1:8080");
  config->body_max = 1024 * 1024;
  config->avl_batch_max = 1000;
  config->drain_timeout_s = 20;

  config->token_lifetime_s = 12 * 60 * 60;
  config->token_sliding = FALSE;
  config->login_max_failures = 5;
  config->login_window_s = 5 * 60;
  config->pwhash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  config->pwhash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

  config->replay_page = 1000;
  config->heartbeat_s = 10;
  config->keepalive_s = 20;
  config->slow_max_pending = 50000;
  config->slow_ack_timeout_s = 60;
  /* Clients only send acks ({"ack":N}); 4 KiB is plenty and keeps a hostile peer cheap. */
  config->ws_max_incoming = 4096;

  return config;
}

BsConfig *
bs_config_copy (const BsConfig *config)
{
  BsConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_memdup2 (config, sizeof *config);
  copy->db_path = g_strdup (config->db_path);
  copy->listen = g_strdup (config->listen);
  copy->tls_cert = g_strdup (config->tls_cert);
  copy->tls_key = g_strdup (config->tls_key);
  copy->districts_path = g_strdup (config->districts_path);

  return copy;
}

void
bs_config_free (BsConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->db_path);
  g_free (config->listen);
  g_free (config->tls_cert);
  g_free (config->tls_key);
  g_free (config->districts_path);
  g_free (config);
}

/* Reads an unsigned integer key in [min, max] if present; absent keys keep the default. */
static gboolean
read_uint (GKeyFile    *key_file,
           const char  *group,
           const char  *key,
           guint64      min,
           guint64      max,
           guint64     *inout_value,
           GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 value;

  text = g_key_file_get_value (key_file, group, key, &local_error);
  if (text == NULL)
    {
      if (g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) ||
          g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      g_autofree char *range = g_strdup_printf ("%" G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT,
                                                min, max);

      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   _("[%s] %s: “%s” is not a whole number in %s"), group, key, text, range);
      return FALSE;
    }

  *inout_value = value;
  return TRUE;
}

#define READ_UINT(group, key, min, max, field)                                    \
  G_STMT_START {                                                                  \
    guint64 v_ = (guint64) config->field;                                         \
    if (!read_uint (key_file, group, key, min, max, &v_, error))                  \
      return FALSE;                                                               \
    config->field = v_;                                                           \
  } G_STMT_END

static gboolean
read_string (GKeyFile    *key_file,
             const char  *group,
             const char  *key,
             char       **inout_value,
             GError     **error)
{
  g_autofree char *text = NULL;

  if (!g_key_file_has_key (key_file, group, key, NULL))
    return TRUE;

  text = g_key_file_get_string (key_file, group, key, error);
  if (text == NULL)
    return FALSE;

  g_strstrip (text);
  g_free (*inout_value);
  *inout_value = *text != '\0' ? g_steal_pointer (&text) : NULL;
  return TRUE;
}

gboolean
bs_config_load_key_file (BsConfig  *config,
                         GKeyFile  *key_file,
                         GError   **error)
{
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (key_file != NULL, FALSE);

  if (!read_string (key_file, "server", "db", &config->db_path, error) ||
      !read_string (key_file, "server", "listen", &config->listen, error) ||
      !read_string (key_file, "server", "tls-cert", &config->tls_cert, error) ||
      !read_string (key_file, "server", "tls-key", &config->tls_key, error) ||
      !read_string (key_file, "server", "districts", &config->districts_path, error))
    return FALSE;

  READ_UINT ("server", "body-max", 1024, 256 * 1024 * 1024, body_max);
  READ_UINT ("server", "avl-batch-max", 1, 100000, avl_batch_max);
  READ_UINT ("server", "drain-timeout", 0, 3600, drain_timeout_s);

  READ_UINT ("auth", "token-lifetime", 1, 30 * 24 * 3600, token_lifetime_s);
  if (g_key_file_has_key (key_file, "auth", "token-sliding", NULL))
    {
      g_autoptr(GError) local_error = NULL;
      gboolean value = g_key_file_get_boolean (key_file, "auth", "token-sliding", &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      config->token_sliding = value;
    }
  READ_UINT ("auth", "login-max-failures", 1, 1000, login_max_failures);
  READ_UINT ("auth", "login-window", 1, 24 * 3600, login_window_s);
  READ_UINT ("auth", "password-hash-opslimit", crypto_pwhash_OPSLIMIT_MIN,
             crypto_pwhash_OPSLIMIT_MAX, pwhash_opslimit);
  READ_UINT ("auth", "password-hash-memlimit", crypto_pwhash_MEMLIMIT_MIN,
             MIN ((guint64) crypto_pwhash_MEMLIMIT_MAX, G_GUINT64_CONSTANT (4) << 30),
             pwhash_memlimit);

  READ_UINT ("events", "replay-page", 1, 100000, replay_page);
  READ_UINT ("events", "heartbeat-interval", 1, 3600, heartbeat_s);
  READ_UINT ("events", "keepalive-interval", 0, 3600, keepalive_s);
  READ_UINT ("events", "slow-max-pending", 1, 10000000, slow_max_pending);
  READ_UINT ("events", "slow-ack-timeout", 1, 24 * 3600, slow_ack_timeout_s);
  READ_UINT ("events", "max-incoming-message", 128, 16 * 1024 * 1024, ws_max_incoming);

  if ((config->tls_cert == NULL) != (config->tls_key == NULL))
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           _("[server] tls-cert and tls-key must be given together"));
      return FALSE;
    }

  if (config->listen != NULL && !bs_config_parse_listen (config->listen, NULL, NULL, error))
    return FALSE;

  return TRUE;
}

gboolean
bs_config_load_file (BsConfig    *config,
                     const char  *path,
                     GError     **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, error))
    return FALSE;

  return bs_config_load_key_file (config, key_file, error);
}

/* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0"; a bare host is refused: the port is explicit. */
gboolean
bs_config_parse_listen (const char  *listen,
                        char       **out_host,
                        guint16     *out_port,
                        GError     **error)
{
  g_autofree char *host = NULL;
  const char *colon;
  guint64 port;

  g_return_val_if_fail (listen != NULL, FALSE);

  if (listen[0] == '[')
    {
      const char *close = strchr (listen, ']');

      if (close == NULL || close[1] != ':')
        goto invalid;
      host = g_strndup (listen + 1, close - listen - 1);
      colon = close + 1;
    }
  else
    {
      colon = strrchr (listen, ':');
      if (colon == NULL || colon == listen)
        goto invalid;
      host = g_strndup (listen, colon - listen);
      if (strchr (host, ':') != NULL)
        goto invalid;
    }

  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &port, NULL))
    goto invalid;

  if (!g_hostname_is_ip_address (host))
    goto invalid;

  if (out_host != NULL)
    *out_host = g_steal_pointer (&host);
  if (out_port != NULL)
    *out_port = (guint16) port;
  return TRUE;

invalid:
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
               _("“%s” is not an address to listen on (expected ADDRESS:PORT, e.g. 127.0.0.1:8080)"),
               listen);
  return FALSE;
}

BcDistricts *
bs_config_load_districts (const BsConfig  *config,
                          GError         **error)
{
  g_autofree char *found = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (config->districts_path != NULL)
    return bc_districts_load (config->districts_path, error);

  found = bc_districts_find_data_file (BC_DISTRICTS_FILE_NAME);
  if (found == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                   "basemap/%s is in none of the data folders; set [server] districts",
                   BC_DISTRICTS_FILE_NAME);
      return NULL;
    }
  return bc_districts_load (found, error);
}
