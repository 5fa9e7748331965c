/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "bc-error.h"
#include "bc-json.h"

G_BEGIN_DECLS

/*
 * Decoding helpers shared by the bc-*.c codecs.
 *
 * A BcJsonPath is a chain of stack frames naming where the decoder is ("location.lat",
 * "units[2].state"). It is only rendered into a string when an error is reported, so decoding
 * a valid document allocates nothing for paths. NULL is the document itself.
 *
 * The _bc_json_get_* functions read one member of @object (whose own path is @path). They
 * return FALSE with a BC_MODEL_ERROR whose message starts with the member's path. When
 * BC_JSON_NULLABLE is given, an absent or null member is accepted and @out is left untouched,
 * so callers set defaults first.
 */

typedef struct _BcJsonPath BcJsonPath;

struct _BcJsonPath
{
  const BcJsonPath *parent;
  const char       *member; /* NULL for an array element */
  guint             index;
};

#define BC_JSON_PATH_MEMBER(parent_path, name) (&(BcJsonPath) { (parent_path), (name), 0 })
#define BC_JSON_PATH_INDEX(parent_path, i)     (&(BcJsonPath) { (parent_path), NULL, (i) })

typedef enum
{
  BC_JSON_REQUIRED      = 0,
  BC_JSON_NULLABLE      = 1 << 0, /* may be absent or null */
  BC_JSON_MAX_EXCLUSIVE = 1 << 1, /* doubles: the maximum itself is out of range */
} BcJsonFlags;

char        *_bc_json_path_to_string   (const BcJsonPath  *path);
char        *_bc_quote_for_message     (const char        *text);
const char  *_bc_json_describe_node    (JsonNode          *node);

void         _bc_json_set_error        (GError           **error,
                                        BcModelError       code,
                                        const BcJsonPath  *path,
                                        const char        *format,
                                        ...) G_GNUC_PRINTF (4, 5);
void         _bc_json_prefix_error     (GError           **error,
                                        const BcJsonPath  *path);

JsonObject  *_bc_json_node_get_object  (JsonNode          *node,
                                        const BcJsonPath  *path,
                                        GError           **error);
gboolean     _bc_json_node_get_int64   (JsonNode          *node,
                                        const BcJsonPath  *path,
                                        gint64             min,
                                        gint64             max,
                                        gint64            *out,
                                        GError           **error);

gboolean     _bc_json_get_string       (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        BcJsonFlags        flags,
                                        guint              min_chars,
                                        guint              max_chars,
                                        const char       **out,
                                        GError           **error);
gboolean     _bc_json_get_int64        (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        BcJsonFlags        flags,
                                        gint64             min,
                                        gint64             max,
                                        gint64            *out,
                                        GError           **error);
gboolean     _bc_json_get_double       (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        BcJsonFlags        flags,
                                        double             min,
                                        double             max,
                                        double            *out,
                                        GError           **error);
gboolean     _bc_json_get_bool         (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        BcJsonFlags        flags,
                                        gboolean          *out,
                                        GError           **error);
gboolean     _bc_json_get_enum         (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        BcJsonFlags        flags,
                                        GType              enum_type,
                                        int               *out,
                                        GError           **error);
gboolean     _bc_json_get_time         (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        BcJsonFlags        flags,
                                        gint64            *out,
                                        GError           **error);
gboolean     _bc_json_get_object       (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        BcJsonFlags        flags,
                                        JsonObject       **out,
                                        GError           **error);
gboolean     _bc_json_get_array        (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        BcJsonFlags        flags,
                                        guint              min_length,
                                        guint              max_length,
                                        JsonArray        **out,
                                        GError           **error);
gboolean     _bc_json_get_id_list      (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        BcJsonFlags        flags,
                                        guint              min_length,
                                        guint              max_length,
                                        GArray           **out,
                                        GError           **error);
gboolean     _bc_json_check_members    (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char * const *allowed,
                                        const char * const *server_owned,
                                        GError           **error);

/* A required user name (bc_username_is_valid()); in bc-user.c. */
gboolean     _bc_json_get_username     (JsonObject        *object,
                                        const BcJsonPath  *path,
                                        const char        *member,
                                        const char       **out,
                                        GError           **error);

/* Encoding: NULL strings and unset (0) times and ids are written as JSON null. */
void         _bc_json_set_string       (JsonObject        *object,
                                        const char        *member,
                                        const char        *value);
void         _bc_json_set_time         (JsonObject        *object,
                                        const char        *member,
                                        gint64             usec);
void         _bc_json_set_id           (JsonObject        *object,
                                        const char        *member,
                                        gint64             id);

G_END_DECLS
