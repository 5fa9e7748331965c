/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsAuth: users, password hashes, bearer tokens and the login rate limit.
 *
 * Passwords are hashed with argon2id (libsodium crypto_pwhash_str). Verifying one costs
 * 50–100 ms at the interactive limits, so it runs in a GTask worker thread and the server's
 * main context never stalls; the database is only touched on the thread that owns the store.
 *
 * A token is 32 random bytes in unpadded base64url (43 characters). The database keeps only
 * the hex SHA-256 of a token, so a copy of the database lets nobody log in. Tokens expire
 * `token-lifetime` seconds after login (fixed), or after the last use when `token-sliding` is
 * set. Failed logins are counted per username and per remote address; after
 * `login-max-failures` within `login-window` seconds both are refused with
 * BS_AUTH_ERROR_TOO_MANY_ATTEMPTS until the oldest failure leaves the window.
 */

#include <gio/gio.h>

#include "bc-enums.h"
#include "bc-store.h"
#include "bs-config.h"

G_BEGIN_DECLS

#define BS_AUTH_ERROR (bs_auth_error_quark ())

typedef enum
{
  BS_AUTH_ERROR_UNAUTHORIZED,        /* 401 unauthorized: no token, unknown token, bad login */
  BS_AUTH_ERROR_TOKEN_EXPIRED,       /* 401 token_expired */
  BS_AUTH_ERROR_TOO_MANY_ATTEMPTS,   /* 429 too_many_attempts */
  BS_AUTH_ERROR_USER_EXISTS,         /* 409 user_exists */
  BS_AUTH_ERROR_INVALID,             /* 422 invalid_value: bad username, role, password */
} BsAuthError;

GQuark bs_auth_error_quark (void);

/* Who a valid token belongs to. */
typedef struct
{
  char   *username;
  BcRole  role;
  char   *display_name;  /* for a unit account: the call sign of its unit */
  char   *token_hash;    /* hex SHA-256 of the bearer token */
  gint64  expires_at;    /* µs since the epoch */
} BsPrincipal;

BsPrincipal *bs_principal_copy (const BsPrincipal *principal);
void         bs_principal_free (BsPrincipal       *principal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsPrincipal, bs_principal_free)

/* What a successful login returns; the token itself is never stored. */
typedef struct
{
  char   *token;
  char   *username;
  BcRole  role;
  gint64  expires_at;
} BsSession;

void bs_session_free (BsSession *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsSession, bs_session_free)

typedef struct
{
  char   *username;
  BcRole  role;
  char   *display_name;
  gint64  created_at;
} BsUser;

void bs_user_free (BsUser *user);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsUser, bs_user_free)

/* ---- Primitives (thread-safe, no database) ------------------------------------------------ */

char     *bs_auth_hash_password      (const char   *password,
                                      guint64       opslimit,
                                      gsize         memlimit,
                                      GError      **error);
gboolean  bs_auth_verify_password    (const char   *hash,
                                      const char   *password);
/* 32 random bytes, unpadded base64url; @out_hash gets its hex SHA-256. */
char     *bs_auth_new_token          (char        **out_hash);
char     *bs_auth_hash_token         (const char   *token);
gboolean  bs_auth_username_is_valid  (const char   *username);

/* ---- BsAuth ------------------------------------------------------------------------------- */

#define BS_TYPE_AUTH (bs_auth_get_type ())

G_DECLARE_FINAL_TYPE (BsAuth, bs_auth, BS, AUTH, GObject)

BsAuth      *bs_auth_new                 (BcStore             *store,
                                          const BsConfig      *config);

/* Checks the rate limit, verifies the password off-thread and creates a session (with an
 * audit row). Completes on the thread-default context of the caller. */
void         bs_auth_login_async         (BsAuth              *self,
                                          const char          *username,
                                          const char          *password,
                                          const char          *remote,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
BsSession   *bs_auth_login_finish        (BsAuth              *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* Looks a bearer token up; NULL with BS_AUTH_ERROR_UNAUTHORIZED or _TOKEN_EXPIRED. */
BsPrincipal *bs_auth_authenticate        (BsAuth              *self,
                                          const char          *token,
                                          GError             **error);
gboolean     bs_auth_logout              (BsAuth              *self,
                                          const BsPrincipal   *principal,
                                          const char          *remote,
                                          GError             **error);

/* Adds a user (audit row included). @actor_name/@actor_role/@remote describe who did it (the
 * CLI passes "cli", BC_ROLE_ADMIN and "local"). Hashing is slow: the _async variant hashes
 * in a worker thread. */
gboolean     bs_auth_add_user            (BsAuth              *self,
                                          const char          *username,
                                          BcRole               role,
                                          const char          *display_name,
                                          const char          *password,
                                          const char          *actor_name,
                                          BcRole               actor_role,
                                          const char          *remote,
                                          GError             **error);
void         bs_auth_add_user_async      (BsAuth              *self,
                                          const char          *username,
                                          BcRole               role,
                                          const char          *display_name,
                                          const char          *password,
                                          const char          *actor_name,
                                          BcRole               actor_role,
                                          const char          *remote,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
BsUser      *bs_auth_add_user_finish     (BsAuth              *self,
                                          GAsyncResult        *result,
                                          GError             **error);
/* Deletes sessions that expired more than a day ago (the server calls it hourly). */
gboolean     bs_auth_purge_expired       (BsAuth              *self,
                                          GError             **error);
GPtrArray   *bs_auth_list_users          (BsAuth              *self,
                                          GError             **error);
BsUser      *bs_auth_get_user            (BsAuth              *self,
                                          const char          *username,
                                          GError             **error);

G_END_DECLS
