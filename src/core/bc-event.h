/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The event types of docs/domain.md. Consoles skip types they do not know, so new ones can be
 * added without breaking older consoles; the codec only checks the form of a type. */
#define BC_EVENT_INCIDENT_CREATED "incident.created"
#define BC_EVENT_INCIDENT_UPDATED "incident.updated"
#define BC_EVENT_UNIT_UPDATED     "unit.updated"
#define BC_EVENT_UNIT_MOVED       "unit.moved"
#define BC_EVENT_ORDER_CREATED    "order.created"
#define BC_EVENT_ORDER_ACKED      "order.acked"
#define BC_EVENT_NOTE_ADDED       "note.added"
#define BC_EVENT_CAMERA_UPDATED   "camera.updated"
#define BC_EVENT_SIM_STATE        "sim.state"

#define BC_EVENT_TYPE_MAX 64

#define BC_TYPE_EVENT (bc_event_get_type ())

/* One entry of the event log: `seq` is the gap-free counter consoles resume from. */
typedef struct _BcEvent BcEvent;

struct _BcEvent
{
  gint64    seq;
  char     *type;
  gint64    at;
  JsonNode *data;  /* owned; a JSON object */
};

GType     bc_event_get_type          (void) G_GNUC_CONST;
BcEvent  *bc_event_new               (void);
BcEvent  *bc_event_ref               (BcEvent     *self);
void      bc_event_unref             (BcEvent     *self);

BcEvent  *bc_event_from_json         (JsonNode    *node,
                                      GError     **error);
BcEvent  *bc_event_from_json_string  (const char  *data,
                                      gssize       length,
                                      GError     **error);
JsonNode *bc_event_to_json           (BcEvent     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcEvent, bc_event_unref)

G_END_DECLS
