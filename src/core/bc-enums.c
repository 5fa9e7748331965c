/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "bc-enums.h"

/*
 * Each enumeration has three parallel descriptions: the GEnumValue list (for GObject
 * properties), a code table (for the wire, indexed by value so that to_string is a lookup) and
 * a label table (display names). tests/test-model.c checks that nicks and codes agree.
 */

G_DEFINE_ENUM_TYPE (BcIncidentType, bc_incident_type,
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_TYPE_CRIMINAL, "criminal"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_TYPE_PUBLIC_ORDER, "public_order"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_TYPE_TRAFFIC, "traffic"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_TYPE_FIRE, "fire"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_TYPE_RESCUE, "rescue"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_TYPE_DISPUTE, "dispute"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_TYPE_SUSPICIOUS, "suspicious"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_TYPE_OTHER, "other"))

G_DEFINE_ENUM_TYPE (BcIncidentStatus, bc_incident_status,
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_STATUS_NEW, "new"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_STATUS_DISPATCHED, "dispatched"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_STATUS_EN_ROUTE, "en_route"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_STATUS_ON_SCENE, "on_scene"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_STATUS_CLOSED, "closed"),
  G_DEFINE_ENUM_VALUE (BC_INCIDENT_STATUS_CANCELLED, "cancelled"))

G_DEFINE_ENUM_TYPE (BcUnitKind, bc_unit_kind,
  G_DEFINE_ENUM_VALUE (BC_UNIT_KIND_PATROL_CAR, "patrol_car"),
  G_DEFINE_ENUM_VALUE (BC_UNIT_KIND_MOTORCYCLE, "motorcycle"),
  G_DEFINE_ENUM_VALUE (BC_UNIT_KIND_FOOT, "foot"),
  G_DEFINE_ENUM_VALUE (BC_UNIT_KIND_TRAFFIC, "traffic"),
  G_DEFINE_ENUM_VALUE (BC_UNIT_KIND_SPECIAL, "special"))

G_DEFINE_ENUM_TYPE (BcUnitStatus, bc_unit_status,
  G_DEFINE_ENUM_VALUE (BC_UNIT_STATUS_AVAILABLE, "available"),
  G_DEFINE_ENUM_VALUE (BC_UNIT_STATUS_DISPATCHED, "dispatched"),
  G_DEFINE_ENUM_VALUE (BC_UNIT_STATUS_EN_ROUTE, "en_route"),
  G_DEFINE_ENUM_VALUE (BC_UNIT_STATUS_ON_SCENE, "on_scene"),
  G_DEFINE_ENUM_VALUE (BC_UNIT_STATUS_OFF_DUTY, "off_duty"))

G_DEFINE_ENUM_TYPE (BcCameraKind, bc_camera_kind,
  G_DEFINE_ENUM_VALUE (BC_CAMERA_KIND_DOME, "dome"),
  G_DEFINE_ENUM_VALUE (BC_CAMERA_KIND_BULLET, "bullet"),
  G_DEFINE_ENUM_VALUE (BC_CAMERA_KIND_CHECKPOINT, "checkpoint"))

G_DEFINE_ENUM_TYPE (BcOrderUnitState, bc_order_unit_state,
  G_DEFINE_ENUM_VALUE (BC_ORDER_UNIT_STATE_SENT, "sent"),
  G_DEFINE_ENUM_VALUE (BC_ORDER_UNIT_STATE_ACKNOWLEDGED, "acknowledged"),
  G_DEFINE_ENUM_VALUE (BC_ORDER_UNIT_STATE_REFUSED, "refused"))

G_DEFINE_ENUM_TYPE (BcRole, bc_role,
  G_DEFINE_ENUM_VALUE (BC_ROLE_DISPATCHER, "dispatcher"),
  G_DEFINE_ENUM_VALUE (BC_ROLE_SUPERVISOR, "supervisor"),
  G_DEFINE_ENUM_VALUE (BC_ROLE_TRAINER, "trainer"),
  G_DEFINE_ENUM_VALUE (BC_ROLE_ADMIN, "admin"),
  G_DEFINE_ENUM_VALUE (BC_ROLE_UNIT, "unit"))

static const char * const incident_type_codes[] = {
  [BC_INCIDENT_TYPE_CRIMINAL] = "criminal",
  [BC_INCIDENT_TYPE_PUBLIC_ORDER] = "public_order",
  [BC_INCIDENT_TYPE_TRAFFIC] = "traffic",
  [BC_INCIDENT_TYPE_FIRE] = "fire",
  [BC_INCIDENT_TYPE_RESCUE] = "rescue",
  [BC_INCIDENT_TYPE_DISPUTE] = "dispute",
  [BC_INCIDENT_TYPE_SUSPICIOUS] = "suspicious",
  [BC_INCIDENT_TYPE_OTHER] = "other",
};

/* Labels carry a context because the same English word means different things for incidents
 * and for units ("Dispatched", "Traffic"), and Chinese uses different words for them. */
#define INCIDENT_TYPE_CONTEXT "incident type"
static const char * const incident_type_labels[] = {
  [BC_INCIDENT_TYPE_CRIMINAL] = NC_("incident type", "Criminal"),
  [BC_INCIDENT_TYPE_PUBLIC_ORDER] = NC_("incident type", "Public order"),
  [BC_INCIDENT_TYPE_TRAFFIC] = NC_("incident type", "Traffic"),
  [BC_INCIDENT_TYPE_FIRE] = NC_("incident type", "Fire"),
  [BC_INCIDENT_TYPE_RESCUE] = NC_("incident type", "Rescue / assistance"),
  [BC_INCIDENT_TYPE_DISPUTE] = NC_("incident type", "Dispute"),
  [BC_INCIDENT_TYPE_SUSPICIOUS] = NC_("incident type", "Suspicious activity"),
  [BC_INCIDENT_TYPE_OTHER] = NC_("incident type", "Other"),
};

static const char * const incident_status_codes[] = {
  [BC_INCIDENT_STATUS_NEW] = "new",
  [BC_INCIDENT_STATUS_DISPATCHED] = "dispatched",
  [BC_INCIDENT_STATUS_EN_ROUTE] = "en_route",
  [BC_INCIDENT_STATUS_ON_SCENE] = "on_scene",
  [BC_INCIDENT_STATUS_CLOSED] = "closed",
  [BC_INCIDENT_STATUS_CANCELLED] = "cancelled",
};

#define INCIDENT_STATUS_CONTEXT "incident status"
static const char * const incident_status_labels[] = {
  [BC_INCIDENT_STATUS_NEW] = NC_("incident status", "New"),
  [BC_INCIDENT_STATUS_DISPATCHED] = NC_("incident status", "Dispatched"),
  [BC_INCIDENT_STATUS_EN_ROUTE] = NC_("incident status", "En route"),
  [BC_INCIDENT_STATUS_ON_SCENE] = NC_("incident status", "On scene"),
  [BC_INCIDENT_STATUS_CLOSED] = NC_("incident status", "Closed"),
  [BC_INCIDENT_STATUS_CANCELLED] = NC_("incident status", "Cancelled"),
};

static const char * const unit_kind_codes[] = {
  [BC_UNIT_KIND_PATROL_CAR] = "patrol_car",
  [BC_UNIT_KIND_MOTORCYCLE] = "motorcycle",
  [BC_UNIT_KIND_FOOT] = "foot",
  [BC_UNIT_KIND_TRAFFIC] = "traffic",
  [BC_UNIT_KIND_SPECIAL] = "special",
};

#define UNIT_KIND_CONTEXT "unit kind"
static const char * const unit_kind_labels[] = {
  [BC_UNIT_KIND_PATROL_CAR] = NC_("unit kind", "Patrol car"),
  [BC_UNIT_KIND_MOTORCYCLE] = NC_("unit kind", "Motorcycle"),
  [BC_UNIT_KIND_FOOT] = NC_("unit kind", "Foot patrol"),
  [BC_UNIT_KIND_TRAFFIC] = NC_("unit kind", "Traffic police"),
  [BC_UNIT_KIND_SPECIAL] = NC_("unit kind", "Special police"),
};

static const char * const unit_status_codes[] = {
  [BC_UNIT_STATUS_AVAILABLE] = "available",
  [BC_UNIT_STATUS_DISPATCHED] = "dispatched",
  [BC_UNIT_STATUS_EN_ROUTE] = "en_route",
  [BC_UNIT_STATUS_ON_SCENE] = "on_scene",
  [BC_UNIT_STATUS_OFF_DUTY] = "off_duty",
};

#define UNIT_STATUS_CONTEXT "unit status"
static const char * const unit_status_labels[] = {
  [BC_UNIT_STATUS_AVAILABLE] = NC_("unit status", "Available"),
  [BC_UNIT_STATUS_DISPATCHED] = NC_("unit status", "Dispatched"),
  [BC_UNIT_STATUS_EN_ROUTE] = NC_("unit status", "En route"),
  [BC_UNIT_STATUS_ON_SCENE] = NC_("unit status", "On scene"),
  [BC_UNIT_STATUS_OFF_DUTY] = NC_("unit status", "Off duty"),
};

static const char * const camera_kind_codes[] = {
  [BC_CAMERA_KIND_DOME] = "dome",
  [BC_CAMERA_KIND_BULLET] = "bullet",
  [BC_CAMERA_KIND_CHECKPOINT] = "checkpoint",
};

#define CAMERA_KIND_CONTEXT "camera kind"
static const char * const camera_kind_labels[] = {
  [BC_CAMERA_KIND_DOME] = NC_("camera kind", "Dome camera"),
  [BC_CAMERA_KIND_BULLET] = NC_("camera kind", "Bullet camera"),
  [BC_CAMERA_KIND_CHECKPOINT] = NC_("camera kind", "Checkpoint"),
};

static const char * const order_unit_state_codes[] = {
  [BC_ORDER_UNIT_STATE_SENT] = "sent",
  [BC_ORDER_UNIT_STATE_ACKNOWLEDGED] = "acknowledged",
  [BC_ORDER_UNIT_STATE_REFUSED] = "refused",
};

#define ORDER_UNIT_STATE_CONTEXT "order state"
static const char * const order_unit_state_labels[] = {
  [BC_ORDER_UNIT_STATE_SENT] = NC_("order state", "Sent"),
  [BC_ORDER_UNIT_STATE_ACKNOWLEDGED] = NC_("order state", "Acknowledged"),
  [BC_ORDER_UNIT_STATE_REFUSED] = NC_("order state", "Refused"),
};

static const char * const role_codes[] = {
  [BC_ROLE_DISPATCHER] = "dispatcher",
  [BC_ROLE_SUPERVISOR] = "supervisor",
  [BC_ROLE_TRAINER] = "trainer",
  [BC_ROLE_ADMIN] = "admin",
  [BC_ROLE_UNIT] = "unit",
};

#define ROLE_CONTEXT "role"
static const char * const role_labels[] = {
  [BC_ROLE_DISPATCHER] = NC_("role", "Dispatcher"),
  [BC_ROLE_SUPERVISOR] = NC_("role", "Supervisor"),
  [BC_ROLE_TRAINER] = NC_("role", "Trainer"),
  [BC_ROLE_ADMIN] = NC_("role", "Administrator"),
  [BC_ROLE_UNIT] = NC_("role", "Field unit"),
};

static const char *
code_of (const char * const *codes,
         guint               n_codes,
         int                 value)
{
  if (value < 0 || (guint) value >= n_codes)
    return NULL;
  return codes[value];
}

static gboolean
value_of (const char * const *codes,
          guint               n_codes,
          const char         *code,
          int                *out)
{
  if (code == NULL)
    return FALSE;

  for (guint i = 0; i < n_codes; i++)
    {
      if (strcmp (codes[i], code) == 0)
        {
          *out = (int) i;
          return TRUE;
        }
    }

  return FALSE;
}

static const char *
label_of (const char         *context,
          const char * const *labels,
          guint               n_labels,
          int                 value)
{
  if (value < 0 || (guint) value >= n_labels)
    return NULL;
  return g_dpgettext2 (GETTEXT_PACKAGE, context, labels[value]);
}

/* The wire-code and label functions of one enumeration, all alike. */
#define DEFINE_CODES(TypeName, type_name, codes, labels, context)                 \
  const char *                                                                    \
  type_name##_to_string (TypeName value)                                          \
  {                                                                               \
    return code_of (codes, G_N_ELEMENTS (codes), (int) value);                    \
  }                                                                               \
                                                                                  \
  gboolean                                                                        \
  type_name##_from_string (const char *code,                                      \
                           TypeName   *out)                                       \
  {                                                                               \
    int value;                                                                    \
                                                                                  \
    if (!value_of (codes, G_N_ELEMENTS (codes), code, &value))                    \
      return FALSE;                                                               \
    if (out != NULL)                                                              \
      *out = (TypeName) value;                                                    \
    return TRUE;                                                                  \
  }                                                                               \
                                                                                  \
  const char *                                                                    \
  type_name##_label (TypeName value)                                              \
  {                                                                               \
    return label_of (context, labels, G_N_ELEMENTS (labels), (int) value);        \
  }

DEFINE_CODES (BcIncidentType, bc_incident_type,
              incident_type_codes, incident_type_labels, INCIDENT_TYPE_CONTEXT)
DEFINE_CODES (BcIncidentStatus, bc_incident_status,
              incident_status_codes, incident_status_labels, INCIDENT_STATUS_CONTEXT)
DEFINE_CODES (BcUnitKind, bc_unit_kind,
              unit_kind_codes, unit_kind_labels, UNIT_KIND_CONTEXT)
DEFINE_CODES (BcUnitStatus, bc_unit_status,
              unit_status_codes, unit_status_labels, UNIT_STATUS_CONTEXT)
DEFINE_CODES (BcCameraKind, bc_camera_kind,
              camera_kind_codes, camera_kind_labels, CAMERA_KIND_CONTEXT)
DEFINE_CODES (BcOrderUnitState, bc_order_unit_state,
              order_unit_state_codes, order_unit_state_labels, ORDER_UNIT_STATE_CONTEXT)
DEFINE_CODES (BcRole, bc_role,
              role_codes, role_labels, ROLE_CONTEXT)

/* Open incidents are the ones on the map and in the dispatch queue. */
gboolean
bc_incident_status_is_open (BcIncidentStatus value)
{
  return value == BC_INCIDENT_STATUS_NEW ||
         value == BC_INCIDENT_STATUS_DISPATCHED ||
         value == BC_INCIDENT_STATUS_EN_ROUTE ||
         value == BC_INCIDENT_STATUS_ON_SCENE;
}

/*
 * Incident lifecycle. Rows are the current status, columns the requested one; Y = allowed.
 *
 *                 new  dispatched  en_route  on_scene  closed  cancelled
 *   new            .       Y          .         .        .        Y
 *   dispatched     .       .          Y         Y        Y        Y
 *   en_route       .       .          .         Y        Y        Y
 *   on_scene       .       .          .         .        Y        Y
 *   closed         .       .          .         .        .        .
 *   cancelled      .       .          .         .        .        .
 *
 * The lifecycle only moves forward. dispatched → on_scene is allowed because a unit that was
 * close by often reports its arrival without an en-route report. Closing needs at least a
 * dispatch (an undispatched call that needs nothing is cancelled instead); cancelling is
 * possible from every open status. A status never "transitions" to itself, and closed and
 * cancelled are final.
 */
static const gboolean incident_transitions[6][6] = {
  /* new */        { FALSE, TRUE,  FALSE, FALSE, FALSE, TRUE },
  /* dispatched */ { FALSE, FALSE, TRUE,  TRUE,  TRUE,  TRUE },
  /* en_route */   { FALSE, FALSE, FALSE, TRUE,  TRUE,  TRUE },
  /* on_scene */   { FALSE, FALSE, FALSE, FALSE, TRUE,  TRUE },
  /* closed */     { FALSE, FALSE, FALSE, FALSE, FALSE, FALSE },
  /* cancelled */  { FALSE, FALSE, FALSE, FALSE, FALSE, FALSE },
};

gboolean
bc_incident_status_can_transition (BcIncidentStatus from,
                                   BcIncidentStatus to)
{
  G_STATIC_ASSERT (G_N_ELEMENTS (incident_transitions) == G_N_ELEMENTS (incident_status_codes));

  if ((guint) from >= G_N_ELEMENTS (incident_transitions) ||
      (guint) to >= G_N_ELEMENTS (incident_transitions))
    return FALSE;
  return incident_transitions[from][to];
}

/*
 * Unit status. Rows are the current status, columns the requested one; Y = allowed.
 *
 *                 available  dispatched  en_route  on_scene  off_duty
 *   available         .          Y           .         .         Y
 *   dispatched        Y          .           Y         Y         .
 *   en_route          Y          .           .         Y         .
 *   on_scene          Y          .           .         .         .
 *   off_duty          Y          .           .         .         .
 *
 * A unit is only sent somewhere by a dispatch; from there it moves forward (with the same
 * en-route shortcut as incidents) and goes back to available when it clears, is recalled or
 * refuses the order. Going off duty or coming back on duty passes through available, so a unit
 * is never taken off duty in the middle of a job.
 */
static const gboolean unit_transitions[5][5] = {
  /* available */  { FALSE, TRUE,  FALSE, FALSE, TRUE },
  /* dispatched */ { TRUE,  FALSE, TRUE,  TRUE,  FALSE },
  /* en_route */   { TRUE,  FALSE, FALSE, TRUE,  FALSE },
  /* on_scene */   { TRUE,  FALSE, FALSE, FALSE, FALSE },
  /* off_duty */   { TRUE,  FALSE, FALSE, FALSE, FALSE },
};

gboolean
bc_unit_status_can_transition (BcUnitStatus from,
                               BcUnitStatus to)
{
  G_STATIC_ASSERT (G_N_ELEMENTS (unit_transitions) == G_N_ELEMENTS (unit_status_codes));

  if ((guint) from >= G_N_ELEMENTS (unit_transitions) ||
      (guint) to >= G_N_ELEMENTS (unit_transitions))
    return FALSE;
  return unit_transitions[from][to];
}
