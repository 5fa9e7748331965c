/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include <string.h>

#include "bc-json-private.h"
#include "bc-user.h"

G_DEFINE_BOXED_TYPE (BcUser, bc_user, bc_user_ref, bc_user_unref)

/**
 * bc_user_new:
 *
 * Returns: (transfer full): an empty user with role dispatcher
 */
BcUser *
bc_user_new (void)
{
  return g_atomic_rc_box_new0 (BcUser);
}

BcUser *
bc_user_ref (BcUser *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

static void
bc_user_clear (gpointer data)
{
  BcUser *self = data;

  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->display_name, g_free);
}

void
bc_user_unref (BcUser *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, bc_user_clear);
}

/**
 * bc_username_is_valid:
 * @username: a candidate user name
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * User names are 1–32 characters of `a-z`, `0-9`, `_`, `.` and `-`: they appear in audit
 * records, orders and notes, and must not be confusable by case or look-alike letters.
 *
 * Returns: %TRUE if @username is valid
 */
gboolean
bc_username_is_valid (const char  *username,
                      GError     **error)
{
  gsize length;

  g_return_val_if_fail (username != NULL, FALSE);

  length = strlen (username);
  if (length == 0)
    {
      g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_MISSING_FIELD, "must not be empty");
      return FALSE;
    }
  if (length > BC_USER_USERNAME_MAX)
    {
      g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_TOO_LONG,
                   "longer than %u characters", BC_USER_USERNAME_MAX);
      return FALSE;
    }

  for (gsize i = 0; i < length; i++)
    {
      char c = username[i];

      if ((c >= 'a' && c <= 'z') || g_ascii_isdigit (c) || c == '_' || c == '.' || c == '-')
        continue;

      {
        g_autofree char *quoted = _bc_quote_for_message (username);

        g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT,
                     "%s is not a user name (a-z, 0-9, '_', '.', '-')", quoted);
      }
      return FALSE;
    }

  return TRUE;
}

/* For the codecs that carry a user name (orders, notes). */
gboolean
_bc_json_get_username (JsonObject        *object,
                       const BcJsonPath  *path,
                       const char        *member,
                       const char       **out,
                       GError           **error)
{
  if (!_bc_json_get_string (object, path, member, BC_JSON_REQUIRED,
                            1, BC_USER_USERNAME_MAX, out, error))
    return FALSE;

  if (!bc_username_is_valid (*out, error))
    {
      _bc_json_prefix_error (error, BC_JSON_PATH_MEMBER (path, member));
      return FALSE;
    }

  return TRUE;
}

/**
 * bc_user_from_json:
 * @node: a user document
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Returns: (transfer full): the user, or %NULL with @error set
 */
BcUser *
bc_user_from_json (JsonNode  *node,
                   GError   **error)
{
  g_autoptr(BcUser) self = NULL;
  JsonObject *root;
  const char *username = NULL;
  const char *display_name = NULL;
  int role = 0;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = _bc_json_node_get_object (node, NULL, error)))
    return NULL;

  if (!_bc_json_get_username (root, NULL, "username", &username, error) ||
      !_bc_json_get_enum (root, NULL, "role", BC_JSON_REQUIRED, BC_TYPE_ROLE, &role, error) ||
      !_bc_json_get_string (root, NULL, "display_name", BC_JSON_REQUIRED,
                            0, BC_USER_DISPLAY_NAME_MAX, &display_name, error))
    return NULL;

  self = bc_user_new ();
  self->username = g_strdup (username);
  self->role = (BcRole) role;
  self->display_name = g_strdup (display_name);

  return g_steal_pointer (&self);
}

BcUser *
bc_user_from_json_string (const char  *data,
                          gssize       length,
                          GError     **error)
{
  g_autoptr(JsonNode) node = bc_json_parse (data, length, error);

  return node != NULL ? bc_user_from_json (node, error) : NULL;
}

/**
 * bc_user_to_json:
 * @self: a user
 *
 * Returns: (transfer full): the user as a JSON object node
 */
JsonNode *
bc_user_to_json (BcUser *self)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "username", self->username != NULL ? self->username : "");
  json_object_set_string_member (object, "role", bc_role_to_string (self->role));
  json_object_set_string_member (object, "display_name",
                                 self->display_name != NULL ? self->display_name : "");

  return json_node_init_object (json_node_alloc (), object);
}
