/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include <string.h>

#include "bc-incident.h"
#include "bc-json-private.h"
#include "bc-object-private.h"
#include "bc-time.h"

/*
 * An incident (警情). Consoles bind these objects in list views and replace their contents
 * in place when the server reports a change (bc_incident_update_from), so every setter is
 * change-guarded and notifies exactly the property that changed.
 *
 * Setters do not enforce the wire limits of docs/domain.md (lengths, phone characters): the
 * codec does, on every document that comes in.
 */

struct _BcIncident
{
  GObject           parent_instance;

  gint64            id;
  char             *number;
  BcIncidentType    type;
  int               priority;
  BcIncidentStatus  status;
  double            lat;
  double            lon;
  char             *address;
  char             *district;
  char             *caller_name;
  char             *caller_phone;
  char             *description;
  char             *disposition;
  GArray           *units; /* gint64 unit ids, never NULL */
  gint64            created_at;
  gint64            dispatched_at;
  gint64            en_route_at;
  gint64            on_scene_at;
  gint64            closed_at;
  gint64            cancelled_at;
  gint64            updated_at;
  gint64            version;
};

G_DEFINE_FINAL_TYPE (BcIncident, bc_incident, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NUMBER,
  PROP_INCIDENT_TYPE,
  PROP_PRIORITY,
  PROP_STATUS,
  PROP_LAT,
  PROP_LON,
  PROP_ADDRESS,
  PROP_DISTRICT,
  PROP_CALLER_NAME,
  PROP_CALLER_PHONE,
  PROP_DESCRIPTION,
  PROP_DISPOSITION,
  PROP_UNITS,
  PROP_CREATED_AT,
  PROP_DISPATCHED_AT,
  PROP_EN_ROUTE_AT,
  PROP_ON_SCENE_AT,
  PROP_CLOSED_AT,
  PROP_CANCELLED_AT,
  PROP_UPDATED_AT,
  PROP_VERSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define DEFAULT_PRIORITY 3

#define set_string(self, field, value, prop) \
  _bc_object_set_string (G_OBJECT (self), (field), (value), properties[(prop)])
#define set_int64(self, field, value, prop) \
  _bc_object_set_int64 (G_OBJECT (self), (field), (value), properties[(prop)])

static void
bc_incident_finalize (GObject *object)
{
  BcIncident *self = (BcIncident *) object;

  g_clear_pointer (&self->number, g_free);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->district, g_free);
  g_clear_pointer (&self->caller_name, g_free);
  g_clear_pointer (&self->caller_phone, g_free);
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->disposition, g_free);
  g_clear_pointer (&self->units, g_array_unref);

  G_OBJECT_CLASS (bc_incident_parent_class)->finalize (object);
}

static void
bc_incident_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  BcIncident *self = BC_INCIDENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_NUMBER:
      g_value_set_string (value, self->number);
      break;
    case PROP_INCIDENT_TYPE:
      g_value_set_enum (value, self->type);
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, self->priority);
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_LAT:
      g_value_set_double (value, self->lat);
      break;
    case PROP_LON:
      g_value_set_double (value, self->lon);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_DISTRICT:
      g_value_set_string (value, self->district);
      break;
    case PROP_CALLER_NAME:
      g_value_set_string (value, self->caller_name);
      break;
    case PROP_CALLER_PHONE:
      g_value_set_string (value, self->caller_phone);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_DISPOSITION:
      g_value_set_string (value, self->disposition);
      break;
    case PROP_UNITS:
      /* A copy: GArray's boxed copy is a ref, and nobody may change ours behind our back. */
      {
        GArray *copy = g_array_sized_new (FALSE, FALSE, sizeof (gint64), self->units->len);

        g_array_append_vals (copy, self->units->data, self->units->len);
        g_value_take_boxed (value, copy);
      }
      break;
    case PROP_CREATED_AT:
      g_value_set_int64 (value, self->created_at);
      break;
    case PROP_DISPATCHED_AT:
      g_value_set_int64 (value, self->dispatched_at);
      break;
    case PROP_EN_ROUTE_AT:
      g_value_set_int64 (value, self->en_route_at);
      break;
    case PROP_ON_SCENE_AT:
      g_value_set_int64 (value, self->on_scene_at);
      break;
    case PROP_CLOSED_AT:
      g_value_set_int64 (value, self->closed_at);
      break;
    case PROP_CANCELLED_AT:
      g_value_set_int64 (value, self->cancelled_at);
      break;
    case PROP_UPDATED_AT:
      g_value_set_int64 (value, self->updated_at);
      break;
    case PROP_VERSION:
      g_value_set_int64 (value, self->version);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bc_incident_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  BcIncident *self = BC_INCIDENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      bc_incident_set_id (self, g_value_get_int64 (value));
      break;
    case PROP_NUMBER:
      bc_incident_set_number (self, g_value_get_string (value));
      break;
    case PROP_INCIDENT_TYPE:
      bc_incident_set_incident_type (self, g_value_get_enum (value));
      break;
    case PROP_PRIORITY:
      bc_incident_set_priority (self, g_value_get_int (value));
      break;
    case PROP_STATUS:
      bc_incident_set_status (self, g_value_get_enum (value));
      break;
    case PROP_LAT:
      bc_incident_set_location (self, g_value_get_double (value), self->lon);
      break;
    case PROP_LON:
      bc_incident_set_location (self, self->lat, g_value_get_double (value));
      break;
    case PROP_ADDRESS:
      bc_incident_set_address (self, g_value_get_string (value));
      break;
    case PROP_DISTRICT:
      bc_incident_set_district (self, g_value_get_string (value));
      break;
    case PROP_CALLER_NAME:
      bc_incident_set_caller_name (self, g_value_get_string (value));
      break;
    case PROP_CALLER_PHONE:
      bc_incident_set_caller_phone (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      bc_incident_set_description (self, g_value_get_string (value));
      break;
    case PROP_DISPOSITION:
      bc_incident_set_disposition (self, g_value_get_string (value));
      break;
    case PROP_UNITS:
      {
        GArray *units = g_value_get_boxed (value);

        if (units != NULL)
          bc_incident_set_units (self, (const gint64 *) (gpointer) units->data, units->len);
        else
          bc_incident_set_units (self, NULL, 0);
      }
      break;
    case PROP_CREATED_AT:
      bc_incident_set_created_at (self, g_value_get_int64 (value));
      break;
    case PROP_DISPATCHED_AT:
      bc_incident_set_dispatched_at (self, g_value_get_int64 (value));
      break;
    case PROP_EN_ROUTE_AT:
      bc_incident_set_en_route_at (self, g_value_get_int64 (value));
      break;
    case PROP_ON_SCENE_AT:
      bc_incident_set_on_scene_at (self, g_value_get_int64 (value));
      break;
    case PROP_CLOSED_AT:
      bc_incident_set_closed_at (self, g_value_get_int64 (value));
      break;
    case PROP_CANCELLED_AT:
      bc_incident_set_cancelled_at (self, g_value_get_int64 (value));
      break;
    case PROP_UPDATED_AT:
      bc_incident_set_updated_at (self, g_value_get_int64 (value));
      break;
    case PROP_VERSION:
      bc_incident_set_version (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
time_pspec (const char *name)
{
  return g_param_spec_int64 (name, NULL, NULL, G_MININT64, G_MAXINT64, 0,
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
string_pspec (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
bc_incident_class_init (BcIncidentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = bc_incident_finalize;
  object_class->get_property = bc_incident_get_property;
  object_class->set_property = bc_incident_set_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_NUMBER] = string_pspec ("number");
  properties[PROP_INCIDENT_TYPE] =
    g_param_spec_enum ("incident-type", NULL, NULL,
                       BC_TYPE_INCIDENT_TYPE, BC_INCIDENT_TYPE_OTHER, flags);
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL,
                      BC_INCIDENT_PRIORITY_HIGHEST, BC_INCIDENT_PRIORITY_LOWEST,
                      DEFAULT_PRIORITY, flags);
  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       BC_TYPE_INCIDENT_STATUS, BC_INCIDENT_STATUS_NEW, flags);
  properties[PROP_LAT] = g_param_spec_double ("lat", NULL, NULL, -90.0, 90.0, 0.0, flags);
  properties[PROP_LON] = g_param_spec_double ("lon", NULL, NULL, -180.0, 180.0, 0.0, flags);
  properties[PROP_ADDRESS] = string_pspec ("address");
  properties[PROP_DISTRICT] = string_pspec ("district");
  properties[PROP_CALLER_NAME] = string_pspec ("caller-name");
  properties[PROP_CALLER_PHONE] = string_pspec ("caller-phone");
  properties[PROP_DESCRIPTION] = string_pspec ("description");
  properties[PROP_DISPOSITION] = string_pspec ("disposition");
  /* A GArray of gint64 unit ids; reading it gives a copy. */
  properties[PROP_UNITS] = g_param_spec_boxed ("units", NULL, NULL, G_TYPE_ARRAY, flags);
  properties[PROP_CREATED_AT] = time_pspec ("created-at");
  properties[PROP_DISPATCHED_AT] = time_pspec ("dispatched-at");
  properties[PROP_EN_ROUTE_AT] = time_pspec ("en-route-at");
  properties[PROP_ON_SCENE_AT] = time_pspec ("on-scene-at");
  properties[PROP_CLOSED_AT] = time_pspec ("closed-at");
  properties[PROP_CANCELLED_AT] = time_pspec ("cancelled-at");
  properties[PROP_UPDATED_AT] = time_pspec ("updated-at");
  properties[PROP_VERSION] = g_param_spec_int64 ("version", NULL, NULL, 0, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bc_incident_init (BcIncident *self)
{
  self->type = BC_INCIDENT_TYPE_OTHER;
  self->priority = DEFAULT_PRIORITY;
  self->status = BC_INCIDENT_STATUS_NEW;
  self->units = g_array_new (FALSE, FALSE, sizeof (gint64));
}

BcIncident *
bc_incident_new (void)
{
  return g_object_new (BC_TYPE_INCIDENT, NULL);
}

/**
 * bc_incident_copy:
 * @self: an incident
 *
 * Returns: (transfer full): a new incident with the same contents, e.g. for an edit dialog
 */
BcIncident *
bc_incident_copy (BcIncident *self)
{
  BcIncident *copy;

  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);

  copy = bc_incident_new ();
  bc_incident_update_from (copy, self);
  return copy;
}

/**
 * bc_incident_update_from:
 * @self: the incident to change
 * @other: the incident with the new contents
 *
 * Copies every field of @other into @self. Only the properties whose values differ are
 * notified, and all of them after the copy is complete, so a handler never sees a half-updated
 * incident.
 */
void
bc_incident_update_from (BcIncident *self,
                         BcIncident *other)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  g_return_if_fail (BC_IS_INCIDENT (other));

  if (self == other)
    return;

  g_object_freeze_notify (G_OBJECT (self));

  bc_incident_set_id (self, other->id);
  bc_incident_set_number (self, other->number);
  bc_incident_set_incident_type (self, other->type);
  bc_incident_set_priority (self, other->priority);
  bc_incident_set_status (self, other->status);
  bc_incident_set_location (self, other->lat, other->lon);
  bc_incident_set_address (self, other->address);
  bc_incident_set_district (self, other->district);
  bc_incident_set_caller_name (self, other->caller_name);
  bc_incident_set_caller_phone (self, other->caller_phone);
  bc_incident_set_description (self, other->description);
  bc_incident_set_disposition (self, other->disposition);
  bc_incident_set_units (self, (const gint64 *) (gpointer) other->units->data, other->units->len);
  bc_incident_set_created_at (self, other->created_at);
  bc_incident_set_dispatched_at (self, other->dispatched_at);
  bc_incident_set_en_route_at (self, other->en_route_at);
  bc_incident_set_on_scene_at (self, other->on_scene_at);
  bc_incident_set_closed_at (self, other->closed_at);
  bc_incident_set_cancelled_at (self, other->cancelled_at);
  bc_incident_set_updated_at (self, other->updated_at);
  bc_incident_set_version (self, other->version);

  g_object_thaw_notify (G_OBJECT (self));
}

gint64
bc_incident_get_id (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), 0);
  return self->id;
}

void
bc_incident_set_id (BcIncident *self,
                    gint64      id)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  g_return_if_fail (id >= 0);
  set_int64 (self, &self->id, id, PROP_ID);
}

const char *
bc_incident_get_number (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);
  return self->number;
}

void
bc_incident_set_number (BcIncident *self,
                        const char *number)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  set_string (self, &self->number, number, PROP_NUMBER);
}

BcIncidentType
bc_incident_get_incident_type (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), BC_INCIDENT_TYPE_OTHER);
  return self->type;
}

void
bc_incident_set_incident_type (BcIncident     *self,
                               BcIncidentType  type)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  g_return_if_fail (bc_incident_type_to_string (type) != NULL);

  if (self->type == type)
    return;

  self->type = type;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INCIDENT_TYPE]);
}

int
bc_incident_get_priority (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), DEFAULT_PRIORITY);
  return self->priority;
}

void
bc_incident_set_priority (BcIncident *self,
                          int         priority)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  g_return_if_fail (priority >= BC_INCIDENT_PRIORITY_HIGHEST &&
                    priority <= BC_INCIDENT_PRIORITY_LOWEST);

  if (self->priority == priority)
    return;

  self->priority = priority;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
}

BcIncidentStatus
bc_incident_get_status (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), BC_INCIDENT_STATUS_NEW);
  return self->status;
}

/* Sets the status as given; whether a change is allowed is bc_incident_status_can_transition()'s
 * question, asked by whoever applies a user's request (the server). */
void
bc_incident_set_status (BcIncident       *self,
                        BcIncidentStatus  status)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  g_return_if_fail (bc_incident_status_to_string (status) != NULL);

  if (self->status == status)
    return;

  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

gboolean
bc_incident_is_open (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), FALSE);
  return bc_incident_status_is_open (self->status);
}

double
bc_incident_get_lat (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), 0.0);
  return self->lat;
}

double
bc_incident_get_lon (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), 0.0);
  return self->lon;
}

/* WGS-84 degrees. */
void
bc_incident_set_location (BcIncident *self,
                          double      lat,
                          double      lon)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  g_return_if_fail (lat >= -90.0 && lat <= 90.0);
  g_return_if_fail (lon >= -180.0 && lon <= 180.0);

  if (self->lat != lat)
    {
      self->lat = lat;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAT]);
    }
  if (self->lon != lon)
    {
      self->lon = lon;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LON]);
    }
}

const char *
bc_incident_get_address (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);
  return self->address;
}

void
bc_incident_set_address (BcIncident *self,
                         const char *address)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  set_string (self, &self->address, address, PROP_ADDRESS);
}

const char *
bc_incident_get_district (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);
  return self->district;
}

void
bc_incident_set_district (BcIncident *self,
                          const char *district)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  set_string (self, &self->district, district, PROP_DISTRICT);
}

/* Caller details are personal data; the server replaces them with masked text ('*') for roles
 * that may not see them. %NULL name and phone mean an anonymous caller. */
const char *
bc_incident_get_caller_name (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);
  return self->caller_name;
}

void
bc_incident_set_caller_name (BcIncident *self,
                             const char *caller_name)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  set_string (self, &self->caller_name, caller_name, PROP_CALLER_NAME);
}

const char *
bc_incident_get_caller_phone (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);
  return self->caller_phone;
}

void
bc_incident_set_caller_phone (BcIncident *self,
                              const char *caller_phone)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  set_string (self, &self->caller_phone, caller_phone, PROP_CALLER_PHONE);
}

const char *
bc_incident_get_description (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);
  return self->description;
}

void
bc_incident_set_description (BcIncident *self,
                             const char *description)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  set_string (self, &self->description, description, PROP_DESCRIPTION);
}

const char *
bc_incident_get_disposition (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);
  return self->disposition;
}

void
bc_incident_set_disposition (BcIncident *self,
                             const char *disposition)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  set_string (self, &self->disposition, disposition, PROP_DISPOSITION);
}

/**
 * bc_incident_get_units:
 * @self: an incident
 * @n_units: (out) (optional): number of assigned units
 *
 * Returns a view of the ids of the units assigned to the incident, in assignment order. The
 * view belongs to @self and is valid until the units are next set (including through
 * bc_incident_update_from()); copy it to keep it. The "units" property gives a copy.
 *
 * Returns: (array length=n_units) (transfer none): the unit ids, never %NULL
 */
const gint64 *
bc_incident_get_units (BcIncident *self,
                       guint      *n_units)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);

  if (n_units != NULL)
    *n_units = self->units->len;
  return (const gint64 *) (gpointer) self->units->data;
}

void
bc_incident_set_units (BcIncident   *self,
                       const gint64 *units,
                       guint         n_units)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  g_return_if_fail (units != NULL || n_units == 0);

  if (self->units->len == n_units &&
      (n_units == 0 || memcmp (self->units->data, units, n_units * sizeof (gint64)) == 0))
    return;

  /* A new array, filled before the old one goes: @units may point into the old one. */
  {
    GArray *old = self->units;

    self->units = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_units);
    g_array_append_vals (self->units, units, n_units);
    g_array_unref (old);
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNITS]);
}

gboolean
bc_incident_has_unit (BcIncident *self,
                      gint64      unit_id)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), FALSE);

  for (guint i = 0; i < self->units->len; i++)
    {
      if (g_array_index (self->units, gint64, i) == unit_id)
        return TRUE;
    }
  return FALSE;
}

#define DEFINE_TIME_ACCESSORS(field, PROP)                         \
  gint64                                                           \
  bc_incident_get_##field (BcIncident *self)                       \
  {                                                                \
    g_return_val_if_fail (BC_IS_INCIDENT (self), 0);               \
    return self->field;                                            \
  }                                                                \
                                                                   \
  void                                                             \
  bc_incident_set_##field (BcIncident *self,                       \
                           gint64      usec)                       \
  {                                                                \
    g_return_if_fail (BC_IS_INCIDENT (self));                      \
    set_int64 (self, &self->field, usec, PROP);                    \
  }

/* Times are µs since the epoch (UTC), 0 for "not yet". */
DEFINE_TIME_ACCESSORS (created_at, PROP_CREATED_AT)
DEFINE_TIME_ACCESSORS (dispatched_at, PROP_DISPATCHED_AT)
DEFINE_TIME_ACCESSORS (en_route_at, PROP_EN_ROUTE_AT)
DEFINE_TIME_ACCESSORS (on_scene_at, PROP_ON_SCENE_AT)
DEFINE_TIME_ACCESSORS (closed_at, PROP_CLOSED_AT)
DEFINE_TIME_ACCESSORS (cancelled_at, PROP_CANCELLED_AT)
DEFINE_TIME_ACCESSORS (updated_at, PROP_UPDATED_AT)

gint64
bc_incident_get_version (BcIncident *self)
{
  g_return_val_if_fail (BC_IS_INCIDENT (self), 0);
  return self->version;
}

void
bc_incident_set_version (BcIncident *self,
                         gint64      version)
{
  g_return_if_fail (BC_IS_INCIDENT (self));
  g_return_if_fail (version >= 0);
  set_int64 (self, &self->version, version, PROP_VERSION);
}

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                     */
/* ---------------------------------------------------------------------------------------- */

/**
 * bc_incident_number_is_valid:
 * @number: a candidate incident number
 * @error: a #GError, %BC_MODEL_ERROR_INVALID_FORMAT on failure
 *
 * Checks the form `JQ` + date (yyyymmdd, a real calendar date) + 4-digit sequence.
 *
 * Returns: %TRUE if @number has that form
 */
gboolean
bc_incident_number_is_valid (const char  *number,
                             GError     **error)
{
  guint year = 0, month = 0, day = 0;

  g_return_val_if_fail (number != NULL, FALSE);

  if (strlen (number) != 14 || number[0] != 'J' || number[1] != 'Q')
    goto malformed;

  for (guint i = 2; i < 14; i++)
    {
      if (!g_ascii_isdigit (number[i]))
        goto malformed;
    }

  for (guint i = 2; i < 6; i++)
    year = year * 10 + (guint) (number[i] - '0');
  month = (guint) (number[6] - '0') * 10 + (guint) (number[7] - '0');
  day = (guint) (number[8] - '0') * 10 + (guint) (number[9] - '0');
  if (year < 1 || !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
    goto malformed;

  return TRUE;

malformed:
  {
    g_autofree char *quoted = _bc_quote_for_message (number);

    g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT,
                 "%s is not an incident number (JQ, yyyymmdd, 4 digits)", quoted);
  }
  return FALSE;
}

/* Phone numbers as a call-taker types them. The server masks digits with '*' for roles that
 * may not see them, so documents coming from the server may carry '*'; a client's create
 * document may not. */
static gboolean
check_phone (const char        *phone,
             gboolean           allow_mask,
             const BcJsonPath  *path,
             GError           **error)
{
  for (const char *p = phone; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p) || *p == '+' || *p == '-' || *p == ' ' || (allow_mask && *p == '*'))
        continue;

      _bc_json_set_error (error, BC_MODEL_ERROR_INVALID_FORMAT, path,
                          "may only contain digits, '+', '-' and spaces");
      return FALSE;
    }

  return TRUE;
}

static const char * const location_members[] = { "lat", "lon", NULL };
static const char * const caller_members[] = { "name", "phone", NULL };

/* The members a client writes: shared by full and create documents. */
static gboolean
decode_client_fields (BcIncident  *self,
                      JsonObject  *root,
                      gboolean     create,
                      GError     **error)
{
  const BcJsonPath *location_path = BC_JSON_PATH_MEMBER (NULL, "location");
  const BcJsonPath *caller_path = BC_JSON_PATH_MEMBER (NULL, "caller");
  JsonObject *location = NULL;
  JsonObject *caller = NULL;
  const char *address = NULL;
  const char *description = NULL;
  int type = 0;
  gint64 priority = 0;

  if (!_bc_json_get_enum (root, NULL, "type", BC_JSON_REQUIRED, BC_TYPE_INCIDENT_TYPE,
                          &type, error) ||
      !_bc_json_get_int64 (root, NULL, "priority", BC_JSON_REQUIRED,
                           BC_INCIDENT_PRIORITY_HIGHEST, BC_INCIDENT_PRIORITY_LOWEST,
                           &priority, error) ||
      !_bc_json_get_object (root, NULL, "location", BC_JSON_REQUIRED, &location, error))
    return FALSE;

  if (create && !_bc_json_check_members (location, location_path, location_members, NULL, error))
    return FALSE;
  if (!_bc_json_get_double (location, location_path, "lat", BC_JSON_REQUIRED,
                            -90.0, 90.0, &self->lat, error) ||
      !_bc_json_get_double (location, location_path, "lon", BC_JSON_REQUIRED,
                            -180.0, 180.0, &self->lon, error))
    return FALSE;

  if (!_bc_json_get_string (root, NULL, "address", BC_JSON_REQUIRED,
                            0, BC_INCIDENT_ADDRESS_MAX, &address, error) ||
      !_bc_json_get_object (root, NULL, "caller", BC_JSON_NULLABLE, &caller, error))
    return FALSE;

  if (caller != NULL)
    {
      const char *name = NULL;
      const char *phone = NULL;

      if (create && !_bc_json_check_members (caller, caller_path, caller_members, NULL, error))
        return FALSE;
      if (!_bc_json_get_string (caller, caller_path, "name", BC_JSON_NULLABLE,
                                0, BC_INCIDENT_CALLER_NAME_MAX, &name, error) ||
          !_bc_json_get_string (caller, caller_path, "phone", BC_JSON_NULLABLE,
                                0, BC_INCIDENT_CALLER_PHONE_MAX, &phone, error))
        return FALSE;
      if (phone != NULL &&
          !check_phone (phone, !create, BC_JSON_PATH_MEMBER (caller_path, "phone"), error))
        return FALSE;

      self->caller_name = g_strdup (name);
      self->caller_phone = g_strdup (phone);
    }

  if (!_bc_json_get_string (root, NULL, "description", BC_JSON_NULLABLE,
                            0, BC_INCIDENT_DESCRIPTION_MAX, &description, error))
    return FALSE;

  self->type = (BcIncidentType) type;
  self->priority = (int) priority;
  self->address = g_strdup (address);
  self->description = g_strdup (description);
  return TRUE;
}

/**
 * bc_incident_from_json:
 * @node: a full incident document, as the server sends it
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Decodes an incident. `district`, `caller`, `description`, `units`, `disposition` and the
 * per-status times may be absent or null; everything else is required. Members not described
 * in docs/domain.md are ignored, so that an older console keeps working against a newer server.
 *
 * Returns: (transfer full): the incident, or %NULL with @error set
 */
BcIncident *
bc_incident_from_json (JsonNode  *node,
                       GError   **error)
{
  g_autoptr(BcIncident) self = NULL;
  JsonObject *root;
  const char *number = NULL;
  const char *district = NULL;
  const char *disposition = NULL;
  int status = 0;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = _bc_json_node_get_object (node, NULL, error)))
    return NULL;

  /* Filled directly rather than through the setters: nobody can be listening yet. */
  self = bc_incident_new ();

  if (!_bc_json_get_int64 (root, NULL, "id", BC_JSON_REQUIRED, 1, G_MAXINT64, &self->id, error) ||
      !_bc_json_get_string (root, NULL, "number", BC_JSON_REQUIRED, 1, 14, &number, error))
    return NULL;
  if (!bc_incident_number_is_valid (number, error))
    {
      _bc_json_prefix_error (error, BC_JSON_PATH_MEMBER (NULL, "number"));
      return NULL;
    }

  if (!decode_client_fields (self, root, FALSE, error))
    return NULL;

  if (!_bc_json_get_enum (root, NULL, "status", BC_JSON_REQUIRED, BC_TYPE_INCIDENT_STATUS,
                          &status, error) ||
      !_bc_json_get_string (root, NULL, "district", BC_JSON_NULLABLE,
                            0, BC_INCIDENT_DISTRICT_MAX, &district, error) ||
      !_bc_json_get_id_list (root, NULL, "units", BC_JSON_NULLABLE,
                             0, BC_INCIDENT_MAX_UNITS, &self->units, error) ||
      !_bc_json_get_string (root, NULL, "disposition", BC_JSON_NULLABLE,
                            0, BC_INCIDENT_DISPOSITION_MAX, &disposition, error) ||
      !_bc_json_get_time (root, NULL, "created_at", BC_JSON_REQUIRED, &self->created_at, error) ||
      !_bc_json_get_time (root, NULL, "dispatched_at", BC_JSON_NULLABLE,
                          &self->dispatched_at, error) ||
      !_bc_json_get_time (root, NULL, "en_route_at", BC_JSON_NULLABLE,
                          &self->en_route_at, error) ||
      !_bc_json_get_time (root, NULL, "on_scene_at", BC_JSON_NULLABLE,
                          &self->on_scene_at, error) ||
      !_bc_json_get_time (root, NULL, "closed_at", BC_JSON_NULLABLE, &self->closed_at, error) ||
      !_bc_json_get_time (root, NULL, "cancelled_at", BC_JSON_NULLABLE,
                          &self->cancelled_at, error) ||
      !_bc_json_get_time (root, NULL, "updated_at", BC_JSON_REQUIRED, &self->updated_at, error) ||
      !_bc_json_get_int64 (root, NULL, "version", BC_JSON_REQUIRED, 0, G_MAXINT64,
                           &self->version, error))
    return NULL;

  self->number = g_strdup (number);
  self->status = (BcIncidentStatus) status;
  self->district = g_strdup (district);
  self->disposition = g_strdup (disposition);

  return g_steal_pointer (&self);
}

BcIncident *
bc_incident_from_json_string (const char  *data,
                              gssize       length,
                              GError     **error)
{
  g_autoptr(JsonNode) node = bc_json_parse (data, length, error);

  return node != NULL ? bc_incident_from_json (node, error) : NULL;
}

/* `district` is optional: without it the server derives it from the location. */
static const char * const create_members[] = {
  "type", "priority", "location", "address", "district", "caller", "description", NULL
};

static const char * const server_owned_members[] = {
  "id", "number", "status", "units", "disposition", "created_at", "dispatched_at",
  "en_route_at", "on_scene_at", "closed_at", "cancelled_at", "updated_at", "version", NULL
};

/**
 * bc_incident_from_create_json:
 * @node: a create document, as a client sends it
 * @error: a #GError in %BC_MODEL_ERROR
 *
 * Decodes the document a client posts to create an incident: `type`, `priority`, `location`,
 * `address` and optionally `district` (an integration that knows the jurisdiction; the server
 * derives it from the location otherwise), `caller` and `description`. Server-owned members (id, status, …) and
 * unknown members are rejected with %BC_MODEL_ERROR_FORBIDDEN_FIELD, at the top level and
 * inside `location` and `caller`. The result has status "new" and no id.
 *
 * Returns: (transfer full): the incident, or %NULL with @error set
 */
BcIncident *
bc_incident_from_create_json (JsonNode  *node,
                              GError   **error)
{
  g_autoptr(BcIncident) self = NULL;
  JsonObject *root;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = _bc_json_node_get_object (node, NULL, error)))
    return NULL;

  if (!_bc_json_check_members (root, NULL, create_members, server_owned_members, error))
    return NULL;

  self = bc_incident_new ();
  if (!decode_client_fields (self, root, TRUE, error))
    return NULL;
  {
    const char *district = NULL;

    if (!_bc_json_get_string (root, NULL, "district", BC_JSON_NULLABLE,
                              0, BC_INCIDENT_DISTRICT_MAX, &district, error))
      return NULL;
    /* "" is no district, as in the store. */
    self->district = district != NULL && *district != '\0' ? g_strdup (district) : NULL;
  }

  return g_steal_pointer (&self);
}

BcIncident *
bc_incident_from_create_json_string (const char  *data,
                                     gssize       length,
                                     GError     **error)
{
  g_autoptr(JsonNode) node = bc_json_parse (data, length, error);

  return node != NULL ? bc_incident_from_create_json (node, error) : NULL;
}

static void
encode_location (BcIncident *self,
                 JsonObject *object)
{
  JsonObject *location = json_object_new ();

  json_object_set_double_member (location, "lat", self->lat);
  json_object_set_double_member (location, "lon", self->lon);
  json_object_set_object_member (object, "location", location);
}

/* Written as null when there is neither name nor phone (anonymous caller). */
static void
encode_caller (BcIncident *self,
               JsonObject *object)
{
  JsonObject *caller;

  if (self->caller_name == NULL && self->caller_phone == NULL)
    {
      json_object_set_null_member (object, "caller");
      return;
    }

  caller = json_object_new ();
  _bc_json_set_string (caller, "name", self->caller_name);
  _bc_json_set_string (caller, "phone", self->caller_phone);
  json_object_set_object_member (object, "caller", caller);
}

/**
 * bc_incident_to_json:
 * @self: an incident
 *
 * Encodes the full incident, members in the order of docs/domain.md.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
bc_incident_to_json (BcIncident *self)
{
  g_autoptr(JsonObject) object = NULL;
  JsonArray *units;

  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);

  object = json_object_new ();
  json_object_set_int_member (object, "id", self->id);
  _bc_json_set_string (object, "number", self->number);
  json_object_set_string_member (object, "type", bc_incident_type_to_string (self->type));
  json_object_set_int_member (object, "priority", self->priority);
  json_object_set_string_member (object, "status", bc_incident_status_to_string (self->status));

  encode_location (self, object);
  /* address is required on the wire; an incident still being typed may not have one yet. */
  json_object_set_string_member (object, "address", self->address != NULL ? self->address : "");
  _bc_json_set_string (object, "district", self->district);
  encode_caller (self, object);
  _bc_json_set_string (object, "description", self->description);

  units = json_array_sized_new (self->units->len);
  for (guint i = 0; i < self->units->len; i++)
    json_array_add_int_element (units, g_array_index (self->units, gint64, i));
  json_object_set_array_member (object, "units", units);

  _bc_json_set_string (object, "disposition", self->disposition);
  _bc_json_set_time (object, "created_at", self->created_at);
  _bc_json_set_time (object, "dispatched_at", self->dispatched_at);
  _bc_json_set_time (object, "en_route_at", self->en_route_at);
  _bc_json_set_time (object, "on_scene_at", self->on_scene_at);
  _bc_json_set_time (object, "closed_at", self->closed_at);
  _bc_json_set_time (object, "cancelled_at", self->cancelled_at);
  _bc_json_set_time (object, "updated_at", self->updated_at);
  json_object_set_int_member (object, "version", self->version);

  return json_node_init_object (json_node_alloc (), object);
}

/**
 * bc_incident_to_create_json:
 * @self: an incident being reported
 *
 * Encodes the members a client may send to create an incident (see
 * bc_incident_from_create_json()).
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
bc_incident_to_create_json (BcIncident *self)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (BC_IS_INCIDENT (self), NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "type", bc_incident_type_to_string (self->type));
  json_object_set_int_member (object, "priority", self->priority);
  encode_location (self, object);
  json_object_set_string_member (object, "address", self->address != NULL ? self->address : "");
  if (self->district != NULL && *self->district != '\0')
    json_object_set_string_member (object, "district", self->district);
  encode_caller (self, object);
  _bc_json_set_string (object, "description", self->description);

  return json_node_init_object (json_node_alloc (), object);
}
