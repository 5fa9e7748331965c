/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "bc-store.h"

G_BEGIN_DECLS

#define BC_SERVER_SCHEMA_NAME "beacon-server"

/* The database of beacon-server. See bc-schema.c for the tables and their conventions. */
const BcStoreSchema *bc_server_schema (void);

G_END_DECLS
