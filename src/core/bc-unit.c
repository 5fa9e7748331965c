/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include "bc-json-private.h"
#include "bc-object-private.h"
#include "bc-unit.h"

/*
 * A unit (警力): a patrol car, a foot patrol, … Like BcIncident, consoles bind these objects
 * and update them in place, so setters notify only what changed. Position updates arrive
 * several times a second per unit; bc_unit_set_position() changes all five position fields at
 * once and notifies each that moved, all in one batch.
 */

struct _BcUnit
{
  GObject       parent_instance;

  gint64        id;
  char         *call_sign;
  BcUnitKind    kind;
  char         *station;
  BcUnitStatus  status;
  gboolean      has_position;
  double        lat;
  double        lon;
  double        heading;      /* degrees clockwise from north, [0, 360) */
  double        speed;        /* m/s */
  gint64        position_at;  /* time of the fix */
  gint64        incident;     /* 0 = none */
  gint64        version;
};

G_DEFINE_FINAL_TYPE (BcUnit, bc_unit, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_CALL_SIGN,
  PROP_KIND,
  PROP_STATION,
  PROP_STATUS,
  PROP_HAS_POSITION,
  PROP_LAT,
  PROP_LON,
  PROP_HEADING,
  PROP_SPEED,
  PROP_POSITION_AT,
  PROP_INCIDENT,
  PROP_VERSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define set_string(self, field, value, prop) \
  _bc_object_set_string (G_OBJECT (self), (field), (value), properties[(prop)])
#define set_int64(self, field, value, prop) \
  _bc_object_set_int64 (G_OBJECT (self), (field), (value), properties[(prop)])
#define set_double(self, field, value, prop) \
  _bc_object_set_double (G_OBJECT (self), (field), (value), properties[(prop)])

static void
bc_unit_finalize (GObject *object)
{
  BcUnit *self = (BcUnit *) object;

  g_clear_pointer (&self->call_sign, g_free);
  g_clear_pointer (&self->station, g_free);

  G_OBJECT_CLASS (bc_unit_parent_class)->finalize (object);
}

static void
bc_unit_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  BcUnit *self = BC_UNIT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_CALL_SIGN:
      g_value_set_string (value, self->call_sign);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_STATION:
      g_value_set_string (value, self->station);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_HAS_POSITION:
      g_value_set_boolean (value, self->has_position);
      break;
    case PROP_LAT:
      g_value_set_double (value, self->lat);
      break;
    case PROP_LON:
      g_value_set_double (value, self->lon);
      break;
    case PROP_HEADING:
      g_value_set_double (value, self->heading);
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_POSITION_AT:
      g_value_set_int64 (value, self->position_at);
      break;
    case PROP_INCIDENT:
      g_value_set_int64 (value, self->incident);
      break;
    case PROP_VERSION:
      g_value_set_int64 (value, self->version);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bc_unit_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  BcUnit *self = BC_UNIT (object);

  switch (prop_id)
    {
    case PROP_ID:
      bc_unit_set_id (self, g_value_get_int64 (value));
      break;
    case PROP_CALL_SIGN:
      bc_unit_set_call_sign (self, g_value_get_string (value));
      break;
    case PROP_KIND:
      bc_unit_set_kind (self, g_value_get_enum (value));
      break;
    case PROP_STATION:
      bc_unit_set_station (self, g_value_get_string (value));
      break;
    case PROP_STATUS:
      bc_unit_set_status (self, g_value_get_enum (value));
      break;
    case PROP_INCIDENT:
      bc_unit_set_incident (self, g_value_get_int64 (value));
      break;
    case PROP_VERSION:
      bc_unit_set_version (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bc_unit_class_init (BcUnitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  /* The position is set as a whole through bc_unit_set_position(). */
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = bc_unit_finalize;
  object_class->get_property = bc_unit_get_property;
  object_class->set_property = bc_unit_set_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, rw);
  properties[PROP_CALL_SIGN] = g_param_spec_string ("call-sign", NULL, NULL, NULL, rw);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, BC_TYPE_UNIT_KIND, BC_UNIT_KIND_PATROL_CAR, rw);
  properties[PROP_STATION] = g_param_spec_string ("station", NULL, NULL, NULL, rw);
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL, BC_TYPE_UNIT_STATUS, BC_UNIT_STATUS_OFF_DUTY, rw);
  properties[PROP_HAS_POSITION] = g_param_spec_boolean ("has-position", NULL, NULL, FALSE, ro);
  properties[PROP_LAT] = g_param_spec_double ("lat", NULL, NULL, -90.0, 90.0, 0.0, ro);
  properties[PROP_LON] = g_param_spec_double ("lon", NULL, NULL, -180.0, 180.0, 0.0, ro);
  properties[PROP_HEADING] = g_param_spec_double ("heading", NULL, NULL, 0.0, 360.0, 0.0, ro);
  properties[PROP_SPEED] =
    g_param_spec_double ("speed", NULL, NULL, 0.0, BC_UNIT_SPEED_MAX, 0.0, ro);
  properties[PROP_POSITION_AT] =
    g_param_spec_int64 ("position-at", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  properties[PROP_INCIDENT] = g_param_spec_int64 ("incident", NULL, NULL, 0, G_MAXINT64, 0, rw);
  properties[PROP_VERSION] = g_param_spec_int64 ("version", NULL, NULL, 0, G_MAXINT64, 0, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bc_unit_init (BcUnit *self)
{
  self->kind = BC_UNIT_KIND_PATROL_CAR;
  self->status = BC_UNIT_STATUS_OFF_DUTY;
}

BcUnit *
bc_unit_new (void)
{
  return g_object_new (BC_TYPE_UNIT, NULL);
}

/**
 * bc_unit_copy:
 * @self: a unit
 *
 * Returns: (transfer full): a new unit with the same contents
 */
BcUnit *
bc_unit_copy (BcUnit *self)
{
  BcUnit *copy;

  g_return_val_if_fail (BC_IS_UNIT (self), NULL);

  copy = bc_unit_new ();
  bc_unit_update_from (copy, self);
  return copy;
}

/**
 * bc_unit_update_from:
 * @self: the unit to change
 * @other: the unit with the new contents
 *
 * Copies every field of @other into @self and notifies, after the copy, only the properties
 * whose values changed.
 */
void
bc_unit_update_from (BcUnit *self,
                     BcUnit *other)
{
  g_return_if_fail (BC_IS_UNIT (self));
  g_return_if_fail (BC_IS_UNIT (other));

  if (self == other)
    return;

  g_object_freeze_notify (G_OBJECT (self));

  bc_unit_set_id (self, other->id);
  bc_unit_set_call_sign (self, other->call_sign);
  bc_unit_set_kind (self, other->kind);
  bc_unit_set_station (self, other->station);
  bc_unit_set_status (self, other->status);
  if (other->has_position)
    bc_unit_set_position (self, other->lat, other->lon, other->heading, other->speed,
                          other->position_at);
  else
    bc_unit_clear_position (self);
  bc_unit_set_incident (self, other->incident);
  bc_unit_set_version (self, other->version);

  g_object_thaw_notify (G_OBJECT (self));
}

gint64
bc_unit_get_id (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), 0);
  return self->id;
}

void
bc_unit_set_id (BcUnit *self,
                gint64  id)
{
  g_return_if_fail (BC_IS_UNIT (self));
  g_return_if_fail (id >= 0);
  set_int64 (self, &self->id, id, PROP_ID);
}

const char *
bc_unit_get_call_sign (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), NULL);
  return self->call_sign;
}

void
bc_unit_set_call_sign (BcUnit     *self,
                       const char *call_sign)
{
  g_return_if_fail (BC_IS_UNIT (self));
  set_string (self, &self->call_sign, call_sign, PROP_CALL_SIGN);
}

BcUnitKind
bc_unit_get_kind (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), BC_UNIT_KIND_PATROL_CAR);
  return self->kind;
}

void
bc_unit_set_kind (BcUnit     *self,
                  BcUnitKind  kind)
{
  g_return_if_fail (BC_IS_UNIT (self));
  g_return_if_fail (bc_unit_kind_to_string (kind) != NULL);

  if (self->kind == kind)
    return;

  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

const char *
bc_unit_get_station (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), NULL);
  return self->station;
}

void
bc_unit_set_station (BcUnit     *self,
                     const char *station)
{
  g_return_if_fail (BC_IS_UNIT (self));
  set_string (self, &self->station, station, PROP_STATION);
}

BcUnitStatus
bc_unit_get_status (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), BC_UNIT_STATUS_OFF_DUTY);
  return self->status;
}

/* Sets the status as given; bc_unit_status_can_transition() says whether a request may. */
void
bc_unit_set_status (BcUnit       *self,
                    BcUnitStatus  status)
{
  g_return_if_fail (BC_IS_UNIT (self));
  g_return_if_fail (bc_unit_status_to_string (status) != NULL);

  if (self->status == status)
    return;

  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

gboolean
bc_unit_get_has_position (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), FALSE);
  return self->has_position;
}

double
bc_unit_get_lat (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), 0.0);
  return self->lat;
}

double
bc_unit_get_lon (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), 0.0);
  return self->lon;
}

double
bc_unit_get_heading (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), 0.0);
  return self->heading;
}

double
bc_unit_get_speed (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), 0.0);
  return self->speed;
}

gint64
bc_unit_get_position_at (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), 0);
  return self->position_at;
}

/**
 * bc_unit_set_position:
 * @self: a unit
 * @lat: WGS-84 latitude in degrees
 * @lon: WGS-84 longitude in degrees
 * @heading: degrees clockwise from north, in [0, 360)
 * @speed: metres per second, in [0, 100]
 * @at: time of the fix (µs since the epoch)
 *
 * Sets the last known position. Changed fields are notified together once all are set.
 */
void
bc_unit_set_position (BcUnit *self,
                      double  lat,
                      double  lon,
                      double  heading,
                      double  speed,
                      gint64  at)
{
  g_return_if_fail (BC_IS_UNIT (self));
  g_return_if_fail (lat >= -90.0 && lat <= 90.0);
  g_return_if_fail (lon >= -180.0 && lon <= 180.0);
  g_return_if_fail (heading >= 0.0 && heading < 360.0);
  g_return_if_fail (speed >= 0.0 && speed <= BC_UNIT_SPEED_MAX);

  g_object_freeze_notify (G_OBJECT (self));

  set_double (self, &self->lat, lat, PROP_LAT);
  set_double (self, &self->lon, lon, PROP_LON);
  set_double (self, &self->heading, heading, PROP_HEADING);
  set_double (self, &self->speed, speed, PROP_SPEED);
  set_int64 (self, &self->position_at, at, PROP_POSITION_AT);
  if (!self->has_position)
    {
      self->has_position = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_POSITION]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

/* Forgets the position (no fix yet); the position fields go back to 0. */
void
bc_unit_clear_position (BcUnit *self)
{
  g_return_if_fail (BC_IS_UNIT (self));

  g_object_freeze_notify (G_OBJECT (self));

  set_double (self, &self->lat, 0.0, PROP_LAT);
  set_double (self, &self->lon, 0.0, PROP_LON);
  set_double (self, &self->heading, 0.0, PROP_HEADING);
  set_double (self, &self->speed, 0.0, PROP_SPEED);
  set_int64 (self, &self->position_at, 0, PROP_POSITION_AT);
  if (self->has_position)
    {
      self->has_position = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_POSITION]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

gint64
bc_unit_get_incident (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), 0);
  return self->incident;
}

/* The incident the unit is working on, 0 for none. */
void
bc_unit_set_incident (BcUnit *self,
                      gint64  incident_id)
{
  g_return_if_fail (BC_IS_UNIT (self));
  g_return_if_fail (incident_id >= 0);
  set_int64 (self, &self->incident, incident_id, PROP_INCIDENT);
}

gint64
bc_unit_get_version (BcUnit *self)
{
  g_return_val_if_fail (BC_IS_UNIT (self), 0);
  return self->version;
}

void
bc_unit_set_version (BcUnit *self,
                     gint64  version)
{
  g_return_if_fail (BC_IS_UNIT (self));
  g_return_if_fail (version >= 0);
  set_int64 (self, &self->version, version, PROP_VERSION);
}

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                     */
/* ---------------------------------------------------------------------------------------- */

/**
 * bc_unit_from_json:
 * @node: a unit document
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Decodes a unit. `station`, `position` and `incident` may be absent or null; inside
 * `position` all of lat, lon, heading, speed and at are required. Undocumented members are
 * ignored.
 *
 * Returns: (transfer full): the unit, or %NULL with @error set
 */
BcUnit *
bc_unit_from_json (JsonNode  *node,
                   GError   **error)
{
  g_autoptr(BcUnit) self = NULL;
  const BcJsonPath *position_path = BC_JSON_PATH_MEMBER (NULL, "position");
  JsonObject *root;
  JsonObject *position = NULL;
  const char *call_sign = NULL;
  const char *station = NULL;
  int kind = 0;
  int status = 0;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = _bc_json_node_get_object (node, NULL, error)))
    return NULL;

  self = bc_unit_new ();

  if (!_bc_json_get_int64 (root, NULL, "id", BC_JSON_REQUIRED, 1, G_MAXINT64, &self->id, error) ||
      !_bc_json_get_string (root, NULL, "call_sign", BC_JSON_REQUIRED,
                            1, BC_UNIT_CALL_SIGN_MAX, &call_sign, error) ||
      !_bc_json_get_enum (root, NULL, "kind", BC_JSON_REQUIRED, BC_TYPE_UNIT_KIND,
                          &kind, error) ||
      !_bc_json_get_string (root, NULL, "station", BC_JSON_NULLABLE,
                            0, BC_UNIT_STATION_MAX, &station, error) ||
      !_bc_json_get_enum (root, NULL, "status", BC_JSON_REQUIRED, BC_TYPE_UNIT_STATUS,
                          &status, error) ||
      !_bc_json_get_object (root, NULL, "position", BC_JSON_NULLABLE, &position, error))
    return NULL;

  if (position != NULL)
    {
      if (!_bc_json_get_double (position, position_path, "lat", BC_JSON_REQUIRED,
                                -90.0, 90.0, &self->lat, error) ||
          !_bc_json_get_double (position, position_path, "lon", BC_JSON_REQUIRED,
                                -180.0, 180.0, &self->lon, error) ||
          !_bc_json_get_double (position, position_path, "heading",
                                BC_JSON_REQUIRED | BC_JSON_MAX_EXCLUSIVE,
                                0.0, 360.0, &self->heading, error) ||
          !_bc_json_get_double (position, position_path, "speed", BC_JSON_REQUIRED,
                                0.0, BC_UNIT_SPEED_MAX, &self->speed, error) ||
          !_bc_json_get_time (position, position_path, "at", BC_JSON_REQUIRED,
                              &self->position_at, error))
        return NULL;
      self->has_position = TRUE;
    }

  if (!_bc_json_get_int64 (root, NULL, "incident", BC_JSON_NULLABLE, 1, G_MAXINT64,
                           &self->incident, error) ||
      !_bc_json_get_int64 (root, NULL, "version", BC_JSON_REQUIRED, 0, G_MAXINT64,
                           &self->version, error))
    return NULL;

  self->call_sign = g_strdup (call_sign);
  self->kind = (BcUnitKind) kind;
  self->station = g_strdup (station);
  self->status = (BcUnitStatus) status;

  return g_steal_pointer (&self);
}

BcUnit *
bc_unit_from_json_string (const char  *data,
                          gssize       length,
                          GError     **error)
{
  g_autoptr(JsonNode) node = bc_json_parse (data, length, error);

  return node != NULL ? bc_unit_from_json (node, error) : NULL;
}

/**
 * bc_unit_to_json:
 * @self: a unit
 *
 * Returns: (transfer full): the unit as a JSON object node
 */
JsonNode *
bc_unit_to_json (BcUnit *self)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (BC_IS_UNIT (self), NULL);

  object = json_object_new ();
  json_object_set_int_member (object, "id", self->id);
  json_object_set_string_member (object, "call_sign",
                                 self->call_sign != NULL ? self->call_sign : "");
  json_object_set_string_member (object, "kind", bc_unit_kind_to_string (self->kind));
  _bc_json_set_string (object, "station", self->station);
  json_object_set_string_member (object, "status", bc_unit_status_to_string (self->status));

  if (self->has_position)
    {
      JsonObject *position = json_object_new ();

      json_object_set_double_member (position, "lat", self->lat);
      json_object_set_double_member (position, "lon", self->lon);
      json_object_set_double_member (position, "heading", self->heading);
      json_object_set_double_member (position, "speed", self->speed);
      _bc_json_set_time (position, "at", self->position_at);
      json_object_set_object_member (object, "position", position);
    }
  else
    {
      json_object_set_null_member (object, "position");
    }

  _bc_json_set_id (object, "incident", self->incident);
  json_object_set_int_member (object, "version", self->version);

  return json_node_init_object (json_node_alloc (), object);
}
