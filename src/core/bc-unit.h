/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "bc-enums.h"

G_BEGIN_DECLS

#define BC_UNIT_CALL_SIGN_MAX 32
#define BC_UNIT_STATION_MAX   64
#define BC_UNIT_SPEED_MAX     100.0 /* m/s */

#define BC_TYPE_UNIT (bc_unit_get_type ())

G_DECLARE_FINAL_TYPE (BcUnit, bc_unit, BC, UNIT, GObject)

BcUnit       *bc_unit_new                (void);
BcUnit       *bc_unit_copy               (BcUnit        *self);
void          bc_unit_update_from        (BcUnit        *self,
                                          BcUnit        *other);

gint64        bc_unit_get_id             (BcUnit        *self);
void          bc_unit_set_id             (BcUnit        *self,
                                          gint64         id);
const char   *bc_unit_get_call_sign      (BcUnit        *self);
void          bc_unit_set_call_sign      (BcUnit        *self,
                                          const char    *call_sign);
BcUnitKind    bc_unit_get_kind           (BcUnit        *self);
void          bc_unit_set_kind           (BcUnit        *self,
                                          BcUnitKind     kind);
const char   *bc_unit_get_station        (BcUnit        *self);
void          bc_unit_set_station        (BcUnit        *self,
                                          const char    *station);
BcUnitStatus  bc_unit_get_status         (BcUnit        *self);
void          bc_unit_set_status         (BcUnit        *self,
                                          BcUnitStatus   status);

gboolean      bc_unit_get_has_position   (BcUnit        *self);
double        bc_unit_get_lat            (BcUnit        *self);
double        bc_unit_get_lon            (BcUnit        *self);
double        bc_unit_get_heading        (BcUnit        *self);
double        bc_unit_get_speed          (BcUnit        *self);
gint64        bc_unit_get_position_at    (BcUnit        *self);
void          bc_unit_set_position       (BcUnit        *self,
                                          double         lat,
                                          double         lon,
                                          double         heading,
                                          double         speed,
                                          gint64         at);
void          bc_unit_clear_position     (BcUnit        *self);

gint64        bc_unit_get_incident       (BcUnit        *self);
void          bc_unit_set_incident       (BcUnit        *self,
                                          gint64         incident_id);
gint64        bc_unit_get_version        (BcUnit        *self);
void          bc_unit_set_version        (BcUnit        *self,
                                          gint64         version);

BcUnit       *bc_unit_from_json          (JsonNode      *node,
                                          GError       **error);
BcUnit       *bc_unit_from_json_string   (const char    *data,
                                          gssize         length,
                                          GError       **error);
JsonNode     *bc_unit_to_json            (BcUnit        *self);

G_END_DECLS
