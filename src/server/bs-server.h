/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsServer: beacon-server's HTTP + WebSocket API (docs/api.md) over libsoup.
 *
 * A server runs on the GMainContext that is thread-default when it is created: its SoupServer,
 * timers, password threads' completions and WebSocket connections all dispatch there, so the
 * console's --demo can run one in its own thread. The repo, and through it the store, is only
 * touched from that context.
 *
 * Shutdown (SIGTERM): new requests get 503 shutting_down, requests whose headers had arrived
 * finish, then every event socket is closed with 1001 "server shutting down", then the
 * listeners close. The caller closes the store afterwards.
 */

#include <libsoup/soup.h>

#include "bs-auth.h"
#include "bs-config.h"
#include "bs-event-hub.h"
#include "bs-repo.h"
#include "bs-request.h"

G_BEGIN_DECLS

#define BS_TYPE_SERVER (bs_server_get_type ())

G_DECLARE_FINAL_TYPE (BsServer, bs_server, BS, SERVER, GObject)

BsServer   *bs_server_new             (BsRepo               *repo,
                                       const BsConfig       *config,
                                       GError              **error);
/* Listens on config->listen (ADDR:PORT, port 0 for any free port), with TLS when the config
 * names a certificate and key. */
gboolean    bs_server_listen          (BsServer             *self,
                                       GError              **error);
guint16     bs_server_get_port        (BsServer             *self);
/* "http://127.0.0.1:PORT" or "https://…" once listening. */
char       *bs_server_get_base_uri    (BsServer             *self);

BsRepo     *bs_server_get_repo        (BsServer             *self);
BsAuth     *bs_server_get_auth        (BsServer             *self);
BsEventHub *bs_server_get_event_hub   (BsServer             *self);
SoupServer *bs_server_get_soup_server (BsServer             *self);
gboolean    bs_server_is_shutting_down (BsServer            *self);
guint       bs_server_get_n_in_flight (BsServer             *self);

/* The training simulator's endpoints (POST /sim/control, GET /sim/state, GET /sim/report)
 * answer 501 not_implemented until a handler is set; `beacon-server --demo` sets
 * bs_simulator_handle_request (bs-simulator.h). @destroy frees @user_data with the server. */
typedef void (*BsServerSimHandler) (BsRequest *req,
                                    gpointer   user_data);

void        bs_server_set_sim_handler (BsServer             *self,
                                       BsServerSimHandler    handler,
                                       gpointer              user_data,
                                       GDestroyNotify        destroy);

void        bs_server_shutdown_async  (BsServer             *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean    bs_server_shutdown_finish (BsServer             *self,
                                       GAsyncResult         *result,
                                       GError              **error);

/* ---- The route table (also the role matrix of docs/api.md) -------------------------------- */

typedef enum
{
  BS_ROLE_MASK_NONE       = 0,
  BS_ROLE_MASK_DISPATCHER = 1 << BC_ROLE_DISPATCHER,
  BS_ROLE_MASK_SUPERVISOR = 1 << BC_ROLE_SUPERVISOR,
  BS_ROLE_MASK_TRAINER    = 1 << BC_ROLE_TRAINER,
  BS_ROLE_MASK_ADMIN      = 1 << BC_ROLE_ADMIN,
  BS_ROLE_MASK_UNIT       = 1 << BC_ROLE_UNIT,
} BsRoleMask;

#define BS_ROLE_MASK_ALL (BS_ROLE_MASK_DISPATCHER | BS_ROLE_MASK_SUPERVISOR | \
                          BS_ROLE_MASK_TRAINER | BS_ROLE_MASK_ADMIN | BS_ROLE_MASK_UNIT)

typedef struct
{
  const char *method;
  const char *pattern;    /* "/api/v1/incidents/{id}/notes" */
  gboolean    is_public;  /* no token needed */
  guint       roles;      /* BsRoleMask of the roles allowed */
  const char *note;       /* restriction beyond the role, for the docs ("own unit only") */
} BsRouteInfo;

/* The routes in table order; @n_routes gets their number. */
const BsRouteInfo *bs_server_get_routes (guint *n_routes);

G_END_DECLS
