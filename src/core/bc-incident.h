/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "bc-enums.h"

G_BEGIN_DECLS

/* Limits of docs/domain.md, in characters. */
#define BC_INCIDENT_ADDRESS_MAX      200
#define BC_INCIDENT_DISTRICT_MAX     32
#define BC_INCIDENT_CALLER_NAME_MAX  64
#define BC_INCIDENT_CALLER_PHONE_MAX 32
#define BC_INCIDENT_DESCRIPTION_MAX  2000
#define BC_INCIDENT_DISPOSITION_MAX  32
#define BC_INCIDENT_MAX_UNITS        64

#define BC_TYPE_INCIDENT (bc_incident_get_type ())

G_DECLARE_FINAL_TYPE (BcIncident, bc_incident, BC, INCIDENT, GObject)

BcIncident       *bc_incident_new                     (void);
BcIncident       *bc_incident_copy                    (BcIncident        *self);
void              bc_incident_update_from             (BcIncident        *self,
                                                       BcIncident        *other);

gint64            bc_incident_get_id                  (BcIncident        *self);
void              bc_incident_set_id                  (BcIncident        *self,
                                                       gint64             id);
const char       *bc_incident_get_number              (BcIncident        *self);
void              bc_incident_set_number              (BcIncident        *self,
                                                       const char        *number);
BcIncidentType    bc_incident_get_incident_type       (BcIncident        *self);
void              bc_incident_set_incident_type       (BcIncident        *self,
                                                       BcIncidentType     type);
int               bc_incident_get_priority            (BcIncident        *self);
void              bc_incident_set_priority            (BcIncident        *self,
                                                       int                priority);
BcIncidentStatus  bc_incident_get_status              (BcIncident        *self);
void              bc_incident_set_status              (BcIncident        *self,
                                                       BcIncidentStatus   status);
gboolean          bc_incident_is_open                 (BcIncident        *self);
double            bc_incident_get_lat                 (BcIncident        *self);
double            bc_incident_get_lon                 (BcIncident        *self);
void              bc_incident_set_location            (BcIncident        *self,
                                                       double             lat,
                                                       double             lon);
const char       *bc_incident_get_address             (BcIncident        *self);
void              bc_incident_set_address             (BcIncident        *self,
                                                       const char        *address);
const char       *bc_incident_get_district            (BcIncident        *self);
void              bc_incident_set_district            (BcIncident        *self,
                                                       const char        *district);
const char       *bc_incident_get_caller_name         (BcIncident        *self);
void              bc_incident_set_caller_name         (BcIncident        *self,
                                                       const char        *caller_name);
const char       *bc_incident_get_caller_phone        (BcIncident        *self);
void              bc_incident_set_caller_phone        (BcIncident        *self,
                                                       const char        *caller_phone);
const char       *bc_incident_get_description         (BcIncident        *self);
void              bc_incident_set_description         (BcIncident        *self,
                                                       const char        *description);
const char       *bc_incident_get_disposition         (BcIncident        *self);
void              bc_incident_set_disposition         (BcIncident        *self,
                                                       const char        *disposition);
const gint64     *bc_incident_get_units               (BcIncident        *self,
                                                       guint             *n_units);
void              bc_incident_set_units               (BcIncident        *self,
                                                       const gint64      *units,
                                                       guint              n_units);
gboolean          bc_incident_has_unit                (BcIncident        *self,
                                                       gint64             unit_id);
gint64            bc_incident_get_created_at          (BcIncident        *self);
void              bc_incident_set_created_at          (BcIncident        *self,
                                                       gint64             usec);
gint64            bc_incident_get_dispatched_at       (BcIncident        *self);
void              bc_incident_set_dispatched_at       (BcIncident        *self,
                                                       gint64             usec);
gint64            bc_incident_get_en_route_at         (BcIncident        *self);
void              bc_incident_set_en_route_at         (BcIncident        *self,
                                                       gint64             usec);
gint64            bc_incident_get_on_scene_at         (BcIncident        *self);
void              bc_incident_set_on_scene_at         (BcIncident        *self,
                                                       gint64             usec);
gint64            bc_incident_get_closed_at           (BcIncident        *self);
void              bc_incident_set_closed_at           (BcIncident        *self,
                                                       gint64             usec);
gint64            bc_incident_get_cancelled_at        (BcIncident        *self);
void              bc_incident_set_cancelled_at        (BcIncident        *self,
                                                       gint64             usec);
gint64            bc_incident_get_updated_at          (BcIncident        *self);
void              bc_incident_set_updated_at          (BcIncident        *self,
                                                       gint64             usec);
gint64            bc_incident_get_version             (BcIncident        *self);
void              bc_incident_set_version             (BcIncident        *self,
                                                       gint64             version);

gboolean          bc_incident_number_is_valid         (const char        *number,
                                                       GError           **error);

BcIncident       *bc_incident_from_json               (JsonNode          *node,
                                                       GError           **error);
BcIncident       *bc_incident_from_json_string        (const char        *data,
                                                       gssize             length,
                                                       GError           **error);
BcIncident       *bc_incident_from_create_json        (JsonNode          *node,
                                                       GError           **error);
BcIncident       *bc_incident_from_create_json_string (const char        *data,
                                                       gssize             length,
                                                       GError           **error);
JsonNode         *bc_incident_to_json                 (BcIncident        *self);
JsonNode         *bc_incident_to_create_json          (BcIncident        *self);

G_END_DECLS
