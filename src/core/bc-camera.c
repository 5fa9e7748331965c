/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include <string.h>

#include "bc-camera.h"
#include "bc-json-private.h"

G_DEFINE_BOXED_TYPE (BcCamera, bc_camera, bc_camera_ref, bc_camera_unref)

/**
 * bc_camera_new:
 *
 * Returns: (transfer full): a camera with every field empty, kind dome, offline
 */
BcCamera *
bc_camera_new (void)
{
  /* Atomic: cameras are loaded off the main thread and then handed to it. */
  return g_atomic_rc_box_new0 (BcCamera);
}

BcCamera *
bc_camera_ref (BcCamera *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

static void
bc_camera_clear (gpointer data)
{
  BcCamera *self = data;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->stream_uri, g_free);
  g_clear_pointer (&self->station, g_free);
}

void
bc_camera_unref (BcCamera *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, bc_camera_clear);
}

static guint
digits_value (const char *digits,
              guint       n)
{
  guint value = 0;

  for (guint i = 0; i < n; i++)
    value = value * 10 + (guint) (digits[i] - '0');
  return value;
}

/**
 * bc_camera_code_is_valid:
 * @code: a candidate device code
 * @error: a #GError, %BC_MODEL_ERROR_INVALID_FORMAT on failure
 *
 * Checks a GB/T 28181 device code as docs/domain.md describes it: exactly 20 ASCII digits;
 * digits 1–8 the administrative division, whose first two (the province) are 11–82; digits
 * 9–10 the industry; digits 11–13 the device type, which for a camera (a front-end video
 * device) is 111–199; digit 14 the network flag; digits 15–20 the serial number.
 *
 * Returns: %TRUE if @code is a valid camera code
 */
gboolean
bc_camera_code_is_valid (const char  *code,
                         GError     **error)
{
  g_autofree char *quoted = NULL;
  gsize length;
  guint province, device_type;

  g_return_val_if_fail (code != NULL, FALSE);

  length = strlen (code);
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (code[i]))
        length = 0;
    }

  if (length != BC_CAMERA_CODE_LENGTH)
    {
      quoted = _bc_quote_for_message (code);
      g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT,
                   "%s is not a 20-digit GB/T 28181 code", quoted);
      return FALSE;
    }

  province = digits_value (code, 2);
  if (province < 11 || province > 82)
    {
      g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT,
                   "\"%s\" has province code %02u (must be 11 to 82)", code, province);
      return FALSE;
    }

  device_type = digits_value (code + 10, 3);
  if (device_type < 111 || device_type > 199)
    {
      g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT,
                   "\"%s\" has device type %03u, not a front-end video device (111 to 199)",
                   code, device_type);
      return FALSE;
    }

  return TRUE;
}

/**
 * bc_camera_from_json:
 * @node: a camera document
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Decodes a camera. `stream_uri` and `station` may be absent or null; the rest is required.
 * Undocumented members are ignored.
 *
 * Returns: (transfer full): the camera, or %NULL with @error set
 */
BcCamera *
bc_camera_from_json (JsonNode  *node,
                     GError   **error)
{
  g_autoptr(BcCamera) self = NULL;
  JsonObject *root;
  const char *id = NULL;
  const char *name = NULL;
  const char *stream_uri = NULL;
  const char *station = NULL;
  int kind = 0;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = _bc_json_node_get_object (node, NULL, error)))
    return NULL;

  self = bc_camera_new ();

  /* A wrong-length code is a format problem, not a length one; 64 only bounds the quoting. */
  if (!_bc_json_get_string (root, NULL, "id", BC_JSON_REQUIRED, 1, 64, &id, error))
    return NULL;
  if (!bc_camera_code_is_valid (id, error))
    {
      _bc_json_prefix_error (error, BC_JSON_PATH_MEMBER (NULL, "id"));
      return NULL;
    }

  if (!_bc_json_get_string (root, NULL, "name", BC_JSON_REQUIRED,
                            1, BC_CAMERA_NAME_MAX, &name, error) ||
      !_bc_json_get_double (root, NULL, "lat", BC_JSON_REQUIRED, -90.0, 90.0, &self->lat, error) ||
      !_bc_json_get_double (root, NULL, "lon", BC_JSON_REQUIRED,
                            -180.0, 180.0, &self->lon, error) ||
      !_bc_json_get_enum (root, NULL, "kind", BC_JSON_REQUIRED, BC_TYPE_CAMERA_KIND,
                          &kind, error) ||
      !_bc_json_get_bool (root, NULL, "online", BC_JSON_REQUIRED, &self->online, error) ||
      !_bc_json_get_string (root, NULL, "stream_uri", BC_JSON_NULLABLE,
                            0, BC_CAMERA_STREAM_URI_MAX, &stream_uri, error) ||
      !_bc_json_get_string (root, NULL, "station", BC_JSON_NULLABLE,
                            0, BC_CAMERA_STATION_MAX, &station, error))
    return NULL;

  if (stream_uri != NULL && *stream_uri != '\0' &&
      !g_uri_is_valid (stream_uri, G_URI_FLAGS_NONE, NULL))
    {
      g_autofree char *quoted = _bc_quote_for_message (stream_uri);

      _bc_json_set_error (error, BC_MODEL_ERROR_INVALID_FORMAT,
                          BC_JSON_PATH_MEMBER (NULL, "stream_uri"),
                          "%s is not a URI with a scheme", quoted);
      return NULL;
    }

  memcpy (self->id, id, BC_CAMERA_CODE_LENGTH + 1);
  self->name = g_strdup (name);
  self->kind = (BcCameraKind) kind;
  self->stream_uri = g_strdup (stream_uri);
  self->station = g_strdup (station);

  return g_steal_pointer (&self);
}

BcCamera *
bc_camera_from_json_string (const char  *data,
                            gssize       length,
                            GError     **error)
{
  g_autoptr(JsonNode) node = bc_json_parse (data, length, error);

  return node != NULL ? bc_camera_from_json (node, error) : NULL;
}

/**
 * bc_camera_to_json:
 * @self: a camera
 *
 * Returns: (transfer full): the camera as a JSON object node
 */
JsonNode *
bc_camera_to_json (BcCamera *self)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "id", self->id);
  json_object_set_string_member (object, "name", self->name != NULL ? self->name : "");
  json_object_set_double_member (object, "lat", self->lat);
  json_object_set_double_member (object, "lon", self->lon);
  json_object_set_string_member (object, "kind", bc_camera_kind_to_string (self->kind));
  json_object_set_boolean_member (object, "online", self->online);
  _bc_json_set_string (object, "stream_uri", self->stream_uri);
  _bc_json_set_string (object, "station", self->station);

  return json_node_init_object (json_node_alloc (), object);
}
