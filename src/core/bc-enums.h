/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * The domain's enumerations. Each has stable wire codes (bc_X_to_string / bc_X_from_string,
 * also the GEnumValue nicks), a translated display name (bc_X_label) and a GType so that it can
 * be a GObject property. Values are never renumbered: the store keeps the codes, not numbers,
 * but the console saves some of them in settings.
 */

typedef enum
{
  BC_INCIDENT_TYPE_CRIMINAL,
  BC_INCIDENT_TYPE_PUBLIC_ORDER,
  BC_INCIDENT_TYPE_TRAFFIC,
  BC_INCIDENT_TYPE_FIRE,
  BC_INCIDENT_TYPE_RESCUE,
  BC_INCIDENT_TYPE_DISPUTE,
  BC_INCIDENT_TYPE_SUSPICIOUS,
  BC_INCIDENT_TYPE_OTHER,
} BcIncidentType;

typedef enum
{
  BC_INCIDENT_STATUS_NEW,
  BC_INCIDENT_STATUS_DISPATCHED,
  BC_INCIDENT_STATUS_EN_ROUTE,
  BC_INCIDENT_STATUS_ON_SCENE,
  BC_INCIDENT_STATUS_CLOSED,
  BC_INCIDENT_STATUS_CANCELLED,
} BcIncidentStatus;

typedef enum
{
  BC_UNIT_KIND_PATROL_CAR,
  BC_UNIT_KIND_MOTORCYCLE,
  BC_UNIT_KIND_FOOT,
  BC_UNIT_KIND_TRAFFIC,
  BC_UNIT_KIND_SPECIAL,
} BcUnitKind;

typedef enum
{
  BC_UNIT_STATUS_AVAILABLE,
  BC_UNIT_STATUS_DISPATCHED,
  BC_UNIT_STATUS_EN_ROUTE,
  BC_UNIT_STATUS_ON_SCENE,
  BC_UNIT_STATUS_OFF_DUTY,
} BcUnitStatus;

typedef enum
{
  BC_CAMERA_KIND_DOME,
  BC_CAMERA_KIND_BULLET,
  BC_CAMERA_KIND_CHECKPOINT,
} BcCameraKind;

typedef enum
{
  BC_ORDER_UNIT_STATE_SENT,
  BC_ORDER_UNIT_STATE_ACKNOWLEDGED,
  BC_ORDER_UNIT_STATE_REFUSED,
} BcOrderUnitState;

typedef enum
{
  BC_ROLE_DISPATCHER,
  BC_ROLE_SUPERVISOR,
  BC_ROLE_TRAINER,
  BC_ROLE_ADMIN,
  BC_ROLE_UNIT,
} BcRole;

/* Incident priority: 1 is the most urgent. */
#define BC_INCIDENT_PRIORITY_HIGHEST 1
#define BC_INCIDENT_PRIORITY_LOWEST  4

#define BC_TYPE_INCIDENT_TYPE     (bc_incident_type_get_type ())
#define BC_TYPE_INCIDENT_STATUS   (bc_incident_status_get_type ())
#define BC_TYPE_UNIT_KIND         (bc_unit_kind_get_type ())
#define BC_TYPE_UNIT_STATUS       (bc_unit_status_get_type ())
#define BC_TYPE_CAMERA_KIND       (bc_camera_kind_get_type ())
#define BC_TYPE_ORDER_UNIT_STATE  (bc_order_unit_state_get_type ())
#define BC_TYPE_ROLE              (bc_role_get_type ())

GType       bc_incident_type_get_type           (void) G_GNUC_CONST;
GType       bc_incident_status_get_type         (void) G_GNUC_CONST;
GType       bc_unit_kind_get_type               (void) G_GNUC_CONST;
GType       bc_unit_status_get_type             (void) G_GNUC_CONST;
GType       bc_camera_kind_get_type             (void) G_GNUC_CONST;
GType       bc_order_unit_state_get_type        (void) G_GNUC_CONST;
GType       bc_role_get_type                    (void) G_GNUC_CONST;

const char *bc_incident_type_to_string          (BcIncidentType     value);
gboolean    bc_incident_type_from_string        (const char        *code,
                                                 BcIncidentType    *out);
const char *bc_incident_type_label              (BcIncidentType     value);

const char *bc_incident_status_to_string        (BcIncidentStatus   value);
gboolean    bc_incident_status_from_string      (const char        *code,
                                                 BcIncidentStatus  *out);
const char *bc_incident_status_label            (BcIncidentStatus   value);
gboolean    bc_incident_status_is_open          (BcIncidentStatus   value);
gboolean    bc_incident_status_can_transition   (BcIncidentStatus   from,
                                                 BcIncidentStatus   to);

const char *bc_unit_kind_to_string              (BcUnitKind         value);
gboolean    bc_unit_kind_from_string            (const char        *code,
                                                 BcUnitKind        *out);
const char *bc_unit_kind_label                  (BcUnitKind         value);

const char *bc_unit_status_to_string            (BcUnitStatus       value);
gboolean    bc_unit_status_from_string          (const char        *code,
                                                 BcUnitStatus      *out);
const char *bc_unit_status_label                (BcUnitStatus       value);
gboolean    bc_unit_status_can_transition       (BcUnitStatus       from,
                                                 BcUnitStatus       to);

const char *bc_camera_kind_to_string            (BcCameraKind       value);
gboolean    bc_camera_kind_from_string          (const char        *code,
                                                 BcCameraKind      *out);
const char *bc_camera_kind_label                (BcCameraKind       value);

const char *bc_order_unit_state_to_string       (BcOrderUnitState   value);
gboolean    bc_order_unit_state_from_string     (const char        *code,
                                                 BcOrderUnitState  *out);
const char *bc_order_unit_state_label           (BcOrderUnitState   value);

const char *bc_role_to_string                   (BcRole             value);
gboolean    bc_role_from_string                 (const char        *code,
                                                 BcRole            *out);
const char *bc_role_label                       (BcRole             value);

G_END_DECLS
