/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include "bc-event.h"
#include "bc-json-private.h"

G_DEFINE_BOXED_TYPE (BcEvent, bc_event, bc_event_ref, bc_event_unref)

BcEvent *
bc_event_new (void)
{
  return g_atomic_rc_box_new0 (BcEvent);
}

BcEvent *
bc_event_ref (BcEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

static void
bc_event_clear (gpointer data)
{
  BcEvent *self = data;

  g_clear_pointer (&self->type, g_free);
  g_clear_pointer (&self->data, json_node_unref);
}

void
bc_event_unref (BcEvent *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, bc_event_clear);
}

/* Dotted lower-case words, e.g. "unit.moved". */
static gboolean
type_is_valid (const char *type)
{
  gboolean word_start = TRUE;

  for (const char *p = type; *p != '\0'; p++)
    {
      if (*p == '.')
        {
          if (word_start)
            return FALSE;
          word_start = TRUE;
        }
      else if ((*p >= 'a' && *p <= 'z') || g_ascii_isdigit (*p) || *p == '_')
        {
          word_start = FALSE;
        }
      else
        {
          return FALSE;
        }
    }

  return !word_start;
}

/**
 * bc_event_from_json:
 * @node: an event message
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Decodes an event. `data` must be an object; it is kept as JSON for the handler of the type
 * (which decodes it with the matching bc_X_from_json()).
 *
 * Returns: (transfer full): the event, or %NULL with @error set
 */
BcEvent *
bc_event_from_json (JsonNode  *node,
                    GError   **error)
{
  g_autoptr(BcEvent) self = NULL;
  JsonObject *root;
  JsonObject *data = NULL;
  const char *type = NULL;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = _bc_json_node_get_object (node, NULL, error)))
    return NULL;

  self = bc_event_new ();

  if (!_bc_json_get_int64 (root, NULL, "seq", BC_JSON_REQUIRED, 1, G_MAXINT64,
                           &self->seq, error) ||
      !_bc_json_get_string (root, NULL, "type", BC_JSON_REQUIRED, 1, BC_EVENT_TYPE_MAX,
                            &type, error))
    return NULL;

  if (!type_is_valid (type))
    {
      g_autofree char *quoted = _bc_quote_for_message (type);

      _bc_json_set_error (error, BC_MODEL_ERROR_INVALID_FORMAT, BC_JSON_PATH_MEMBER (NULL, "type"),
                          "%s is not an event type (dotted lower-case words)", quoted);
      return NULL;
    }

  if (!_bc_json_get_time (root, NULL, "at", BC_JSON_REQUIRED, &self->at, error) ||
      !_bc_json_get_object (root, NULL, "data", BC_JSON_REQUIRED, &data, error))
    return NULL;

  self->type = g_strdup (type);
  /* Shares the JsonObject with the document (json_node_copy references it). */
  self->data = json_node_copy (json_object_get_member (root, "data"));

  return g_steal_pointer (&self);
}

BcEvent *
bc_event_from_json_string (const char  *data,
                           gssize       length,
                           GError     **error)
{
  g_autoptr(JsonNode) node = bc_json_parse (data, length, error);

  return node != NULL ? bc_event_from_json (node, error) : NULL;
}

/**
 * bc_event_to_json:
 * @self: an event
 *
 * Returns: (transfer full): the event as a JSON object node; `data` is shared, not deep-copied
 */
JsonNode *
bc_event_to_json (BcEvent *self)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  json_object_set_int_member (object, "seq", self->seq);
  json_object_set_string_member (object, "type", self->type != NULL ? self->type : "");
  _bc_json_set_time (object, "at", self->at);
  if (self->data != NULL)
    json_object_set_member (object, "data", json_node_copy (self->data));
  else
    json_object_set_object_member (object, "data", json_object_new ());

  return json_node_init_object (json_node_alloc (), object);
}
