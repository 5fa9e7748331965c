/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include <string.h>

#include "bc-json-private.h"
#include "bc-order.h"

G_DEFINE_BOXED_TYPE (BcOrder, bc_order, bc_order_ref, bc_order_unref)

/**
 * bc_order_new:
 *
 * Returns: (transfer full): an empty order with an empty `units` array
 */
BcOrder *
bc_order_new (void)
{
  BcOrder *self = g_atomic_rc_box_new0 (BcOrder);

  self->units = g_array_new (FALSE, FALSE, sizeof (BcOrderAssignment));
  return self;
}

BcOrder *
bc_order_ref (BcOrder *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

static void
bc_order_clear (gpointer data)
{
  BcOrder *self = data;

  g_clear_pointer (&self->instructions, g_free);
  g_clear_pointer (&self->issued_by, g_free);
  g_clear_pointer (&self->idempotency_key, g_free);
  g_clear_pointer (&self->units, g_array_unref);
}

void
bc_order_unref (BcOrder *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, bc_order_clear);
}

/* Appends a unit; a unit may be in an order only once. */
void
bc_order_add_unit (BcOrder          *self,
                   gint64            unit,
                   BcOrderUnitState  state,
                   gint64            at)
{
  BcOrderAssignment assignment = { unit, state, at };

  g_return_if_fail (self != NULL);
  g_return_if_fail (unit > 0);
  g_return_if_fail (bc_order_find_unit (self, unit) == NULL);

  g_array_append_val (self->units, assignment);
}

/**
 * bc_order_find_unit:
 * @self: an order
 * @unit: a unit id
 *
 * Returns: (nullable) (transfer none): the unit's assignment, valid until units are added
 */
BcOrderAssignment *
bc_order_find_unit (BcOrder *self,
                    gint64   unit)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->units->len; i++)
    {
      BcOrderAssignment *assignment = &g_array_index (self->units, BcOrderAssignment, i);

      if (assignment->unit == unit)
        return assignment;
    }

  return NULL;
}

/**
 * bc_order_idempotency_key_is_valid:
 * @key: a candidate key
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Idempotency keys are 1–128 printable ASCII characters (they also travel in an HTTP header).
 *
 * Returns: %TRUE if @key is valid
 */
gboolean
bc_order_idempotency_key_is_valid (const char  *key,
                                   GError     **error)
{
  gsize length;

  g_return_val_if_fail (key != NULL, FALSE);

  length = strlen (key);
  if (length == 0)
    {
      g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_MISSING_FIELD, "must not be empty");
      return FALSE;
    }
  if (length > BC_ORDER_IDEMPOTENCY_KEY_MAX)
    {
      g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_TOO_LONG,
                   "longer than %u characters", BC_ORDER_IDEMPOTENCY_KEY_MAX);
      return FALSE;
    }

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isprint (key[i]))
        {
          g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT,
                       "may only contain printable ASCII characters");
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
decode_assignment (JsonNode           *node,
                   const BcJsonPath   *path,
                   BcOrderAssignment  *out,
                   GError            **error)
{
  JsonObject *object;
  int state = 0;

  if (!(object = _bc_json_node_get_object (node, path, error)))
    return FALSE;

  if (!_bc_json_get_int64 (object, path, "unit", BC_JSON_REQUIRED, 1, G_MAXINT64,
                           &out->unit, error) ||
      !_bc_json_get_enum (object, path, "state", BC_JSON_REQUIRED, BC_TYPE_ORDER_UNIT_STATE,
                          &state, error) ||
      !_bc_json_get_time (object, path, "at", BC_JSON_REQUIRED, &out->at, error))
    return FALSE;

  out->state = (BcOrderUnitState) state;
  return TRUE;
}

/**
 * bc_order_from_json:
 * @node: an order document
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Decodes an order. Every documented member is required; `units` must hold 1–64 entries, each
 * unit at most once (%BC_MODEL_ERROR_DUPLICATE).
 *
 * Returns: (transfer full): the order, or %NULL with @error set
 */
BcOrder *
bc_order_from_json (JsonNode  *node,
                    GError   **error)
{
  g_autoptr(BcOrder) self = NULL;
  const BcJsonPath *units_path = BC_JSON_PATH_MEMBER (NULL, "units");
  JsonObject *root;
  JsonArray *units = NULL;
  const char *instructions = NULL;
  const char *issued_by = NULL;
  const char *key = NULL;
  guint n_units;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = _bc_json_node_get_object (node, NULL, error)))
    return NULL;

  self = bc_order_new ();

  if (!_bc_json_get_int64 (root, NULL, "id", BC_JSON_REQUIRED, 1, G_MAXINT64, &self->id, error) ||
      !_bc_json_get_int64 (root, NULL, "incident", BC_JSON_REQUIRED, 1, G_MAXINT64,
                           &self->incident, error) ||
      !_bc_json_get_string (root, NULL, "instructions", BC_JSON_REQUIRED,
                            0, BC_ORDER_INSTRUCTIONS_MAX, &instructions, error) ||
      !_bc_json_get_username (root, NULL, "issued_by", &issued_by, error) ||
      !_bc_json_get_time (root, NULL, "issued_at", BC_JSON_REQUIRED, &self->issued_at, error) ||
      !_bc_json_get_string (root, NULL, "idempotency_key", BC_JSON_REQUIRED,
                            1, BC_ORDER_IDEMPOTENCY_KEY_MAX, &key, error))
    return NULL;

  if (!bc_order_idempotency_key_is_valid (key, error))
    {
      _bc_json_prefix_error (error, BC_JSON_PATH_MEMBER (NULL, "idempotency_key"));
      return NULL;
    }

  if (!_bc_json_get_array (root, NULL, "units", BC_JSON_REQUIRED, 1, BC_ORDER_MAX_UNITS,
                           &units, error))
    return NULL;

  n_units = json_array_get_length (units);
  for (guint i = 0; i < n_units; i++)
    {
      const BcJsonPath *item_path = BC_JSON_PATH_INDEX (units_path, i);
      BcOrderAssignment assignment;

      if (!decode_assignment (json_array_get_element (units, i), item_path, &assignment, error))
        return NULL;

      if (bc_order_find_unit (self, assignment.unit) != NULL)
        {
          _bc_json_set_error (error, BC_MODEL_ERROR_DUPLICATE,
                              BC_JSON_PATH_MEMBER (item_path, "unit"),
                              "%" G_GINT64_FORMAT " is listed twice", assignment.unit);
          return NULL;
        }

      g_array_append_val (self->units, assignment);
    }

  self->instructions = g_strdup (instructions);
  self->issued_by = g_strdup (issued_by);
  self->idempotency_key = g_strdup (key);

  return g_steal_pointer (&self);
}

BcOrder *
bc_order_from_json_string (const char  *data,
                           gssize       length,
                           GError     **error)
{
  g_autoptr(JsonNode) node = bc_json_parse (data, length, error);

  return node != NULL ? bc_order_from_json (node, error) : NULL;
}

/**
 * bc_order_to_json:
 * @self: an order
 *
 * Returns: (transfer full): the order as a JSON object node
 */
JsonNode *
bc_order_to_json (BcOrder *self)
{
  g_autoptr(JsonObject) object = NULL;
  JsonArray *units;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  json_object_set_int_member (object, "id", self->id);
  json_object_set_int_member (object, "incident", self->incident);
  json_object_set_string_member (object, "instructions",
                                 self->instructions != NULL ? self->instructions : "");
  json_object_set_string_member (object, "issued_by",
                                 self->issued_by != NULL ? self->issued_by : "");
  _bc_json_set_time (object, "issued_at", self->issued_at);
  _bc_json_set_string (object, "idempotency_key", self->idempotency_key);

  units = json_array_sized_new (self->units->len);
  for (guint i = 0; i < self->units->len; i++)
    {
      const BcOrderAssignment *assignment = &g_array_index (self->units, BcOrderAssignment, i);
      JsonObject *item = json_object_new ();

      json_object_set_int_member (item, "unit", assignment->unit);
      json_object_set_string_member (item, "state",
                                     bc_order_unit_state_to_string (assignment->state));
      _bc_json_set_time (item, "at", assignment->at);
      json_array_add_object_element (units, item);
    }
  json_object_set_array_member (object, "units", units);

  return json_node_init_object (json_node_alloc (), object);
}
