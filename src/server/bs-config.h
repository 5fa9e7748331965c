/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsConfig: every tunable of beacon-server in one plain struct.
 *
 * Values come from the built-in defaults, then from a GKeyFile (--config FILE), then from the
 * command line. docs/operations.md lists every key; keep it in step with bs_config_load_file().
 */

#include <glib.h>

#include "bc-districts.h"

G_BEGIN_DECLS

typedef struct
{
  /* [server] */
  char    *db_path;
  char    *listen;                 /* "ADDR:PORT"; port 0 picks a free port */
  char    *tls_cert;               /* PEM files; both or neither */
  char    *tls_key;
  gsize    body_max;               /* bytes; larger requests get 413 body_too_large */
  guint    avl_batch_max;          /* fixes per POST /avl */
  guint    drain_timeout_s;        /* how long SIGTERM waits for in-flight requests */
  char    *districts_path;         /* district outlines; NULL: the installed ones */

  /* [auth] */
  guint    token_lifetime_s;       /* a bearer token's lifetime from its creation */
  gboolean token_sliding;          /* TRUE: every authenticated request restarts the lifetime */
  guint    login_max_failures;     /* failed logins per username or address … */
  guint    login_window_s;         /* … within this window before 429 too_many_attempts */
  guint64  pwhash_opslimit;        /* argon2id cost for new password hashes */
  gsize    pwhash_memlimit;

  /* [events] */
  guint    replay_page;            /* events read from the log per page during replay */
  guint    heartbeat_s;            /* {"type":"heartbeat"} interval */
  guint    keepalive_s;            /* WebSocket ping interval */
  guint    slow_max_pending;       /* sent but unacknowledged events before 4000 */
  guint    slow_ack_timeout_s;     /* no ack for this long while events are pending → 4000 */
  gsize    ws_max_incoming;        /* largest client → server WebSocket message */
} BsConfig;

BsConfig *bs_config_new              (void);
BsConfig *bs_config_copy             (const BsConfig *config);
void      bs_config_free             (BsConfig       *config);
gboolean  bs_config_load_file        (BsConfig       *config,
                                      const char     *path,
                                      GError        **error);
gboolean  bs_config_load_key_file    (BsConfig       *config,
                                      GKeyFile       *key_file,
                                      GError        **error);
gboolean  bs_config_parse_listen     (const char     *listen,
                                      char          **out_host,
                                      guint16        *out_port,
                                      GError        **error);
/* The outlines incidents get their district from: [server] districts, else
 * basemap/jingmen-districts.json in the data folders (bc_districts_find_data_file()). */
BcDistricts *bs_config_load_districts (const BsConfig *config,
                                       GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsConfig, bs_config_free)

G_END_DECLS
