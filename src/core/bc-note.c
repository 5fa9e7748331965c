/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include "bc-json-private.h"
#include "bc-note.h"

G_DEFINE_BOXED_TYPE (BcNote, bc_note, bc_note_ref, bc_note_unref)

BcNote *
bc_note_new (void)
{
  return g_atomic_rc_box_new0 (BcNote);
}

BcNote *
bc_note_ref (BcNote *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

static void
bc_note_clear (gpointer data)
{
  BcNote *self = data;

  g_clear_pointer (&self->author, g_free);
  g_clear_pointer (&self->text, g_free);
}

void
bc_note_unref (BcNote *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, bc_note_clear);
}

/**
 * bc_note_from_json:
 * @node: a note document
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Returns: (transfer full): the note, or %NULL with @error set
 */
BcNote *
bc_note_from_json (JsonNode  *node,
                   GError   **error)
{
  g_autoptr(BcNote) self = NULL;
  JsonObject *root;
  const char *author = NULL;
  const char *text = NULL;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = _bc_json_node_get_object (node, NULL, error)))
    return NULL;

  self = bc_note_new ();

  if (!_bc_json_get_int64 (root, NULL, "id", BC_JSON_REQUIRED, 1, G_MAXINT64, &self->id, error) ||
      !_bc_json_get_int64 (root, NULL, "incident", BC_JSON_REQUIRED, 1, G_MAXINT64,
                           &self->incident, error) ||
      !_bc_json_get_username (root, NULL, "author", &author, error) ||
      !_bc_json_get_time (root, NULL, "at", BC_JSON_REQUIRED, &self->at, error) ||
      !_bc_json_get_string (root, NULL, "text", BC_JSON_REQUIRED, 1, BC_NOTE_TEXT_MAX,
                            &text, error))
    return NULL;

  self->author = g_strdup (author);
  self->text = g_strdup (text);

  return g_steal_pointer (&self);
}

BcNote *
bc_note_from_json_string (const char  *data,
                          gssize       length,
                          GError     **error)
{
  g_autoptr(JsonNode) node = bc_json_parse (data, length, error);

  return node != NULL ? bc_note_from_json (node, error) : NULL;
}

/**
 * bc_note_to_json:
 * @self: a note
 *
 * Returns: (transfer full): the note as a JSON object node
 */
JsonNode *
bc_note_to_json (BcNote *self)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  json_object_set_int_member (object, "id", self->id);
  json_object_set_int_member (object, "incident", self->incident);
  json_object_set_string_member (object, "author", self->author != NULL ? self->author : "");
  _bc_json_set_time (object, "at", self->at);
  json_object_set_string_member (object, "text", self->text != NULL ? self->text : "");

  return json_node_init_object (json_node_alloc (), object);
}
