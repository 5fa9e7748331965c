/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "bc-enums.h"

G_BEGIN_DECLS

#define BC_ORDER_INSTRUCTIONS_MAX    1000
#define BC_ORDER_IDEMPOTENCY_KEY_MAX 128
#define BC_ORDER_MAX_UNITS           64

#define BC_TYPE_ORDER (bc_order_get_type ())

/* One unit's part in an order: when it was sent, acknowledged or refused. */
typedef struct
{
  gint64           unit;
  BcOrderUnitState state;
  gint64           at;
} BcOrderAssignment;

/*
 * A dispatch order (指令): one incident, 1–64 units ("1+N"), one set of instructions.
 * `units` is a GArray of BcOrderAssignment, in the order the dispatcher chose them.
 */
typedef struct _BcOrder BcOrder;

struct _BcOrder
{
  gint64  id;
  gint64  incident;
  char   *instructions;
  char   *issued_by;        /* user name */
  gint64  issued_at;
  char   *idempotency_key;
  GArray *units;            /* BcOrderAssignment, never NULL */
};

GType              bc_order_get_type                  (void) G_GNUC_CONST;
BcOrder           *bc_order_new                       (void);
BcOrder           *bc_order_ref                       (BcOrder           *self);
void               bc_order_unref                     (BcOrder           *self);

void               bc_order_add_unit                  (BcOrder           *self,
                                                       gint64             unit,
                                                       BcOrderUnitState   state,
                                                       gint64             at);
BcOrderAssignment *bc_order_find_unit                 (BcOrder           *self,
                                                       gint64             unit);

gboolean           bc_order_idempotency_key_is_valid  (const char        *key,
                                                       GError           **error);

BcOrder           *bc_order_from_json                 (JsonNode          *node,
                                                       GError           **error);
BcOrder           *bc_order_from_json_string          (const char        *data,
                                                       gssize             length,
                                                       GError           **error);
JsonNode          *bc_order_to_json                   (BcOrder           *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcOrder, bc_order_unref)

G_END_DECLS
