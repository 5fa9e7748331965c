/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode *bc_json_parse     (const char  *data,
                             gssize       length,
                             GError     **error);
char     *bc_json_to_string (JsonNode    *node);

G_END_DECLS
