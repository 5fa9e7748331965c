/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsScenario: a training scenario (docs/scenarios.md), loaded and checked as a whole.
 *
 * A scenario names its area, start time, police stations, units, cameras (listed and/or
 * generated along the streets), the road graph the simulator drives on (inline or included
 * from a basemap file), scripted incidents, a random incident rate per hour of the day and
 * how units behave. Loading validates everything; the first problem found is reported with
 * its place in the file, e.g. `units[16] (东宝巡17): unknown station "龙泉所"` or
 * `roads.edges[203]: to node 9999 does not exist`. A loaded scenario is immutable.
 */

#include <glib.h>

#include "bc-model.h"
#include "bc-geo.h"
#include "bs-road-graph.h"

G_BEGIN_DECLS

#define BS_SCENARIO_ERROR (bs_scenario_error_quark ())

typedef enum
{
  BS_SCENARIO_ERROR_READ,     /* the file (or an included file) cannot be read */
  BS_SCENARIO_ERROR_PARSE,    /* not JSON */
  BS_SCENARIO_ERROR_INVALID,  /* JSON, but not a valid scenario */
} BsScenarioError;

GQuark bs_scenario_error_quark (void);

#define BS_N_INCIDENT_TYPES (BC_INCIDENT_TYPE_OTHER + 1)
#define BS_N_UNIT_KINDS_SIM (BC_UNIT_KIND_SPECIAL + 1)

/* A closed interval of seconds. */
typedef struct
{
  double min;
  double max;
} BsRange;

typedef struct
{
  char   *id;
  char   *name;       /* Chinese name, also the units' `station` */
  char   *division;   /* 6-digit administrative division code, for camera codes */
  double  lat;
  double  lon;
  guint   node;       /* nearest road node: where its units start and return to */
} BsScenarioStation;

typedef struct
{
  char       *call_sign;
  BcUnitKind  kind;
  guint       station;  /* index into stations */
} BsScenarioUnit;

typedef struct
{
  char   *name;
  char   *kind;
  double  lat;
  double  lon;
} BsScenarioLandmark;

typedef struct
{
  gint64          at_ms;       /* scenario time offset */
  BcIncidentType  type;
  int             priority;
  double          lat;
  double          lon;
  guint           node;        /* nearest road node: where units drive to */
  char           *address;
  char           *caller_name;
  char           *caller_phone;
  char           *description;
} BsScenarioIncident;

typedef struct
{
  BcIncidentType  type;
  double          weight;
  double          priorities[4];  /* relative weights of P1…P4 */
  GPtrArray      *descriptions;   /* char*; may be empty */
} BsScenarioMix;

typedef struct
{
  BsRange   ack_delay_s;
  double    refuse_probability;
  BsRange   on_scene_s[BS_N_INCIDENT_TYPES];
  gboolean  patrol;                 /* available units wander the streets */
  double    patrol_speed_factor;    /* share of the road speed while patrolling */
  double    patrol_radius_m;        /* how far from their station patrols roam */
  double    speed_mps[BS_N_UNIT_KINDS_SIM]; /* top speed per unit kind */
  double    avl_interval_s;         /* moving units report this often */
  double    avl_idle_interval_s;    /* standing units report this often */
  gboolean  auto_dispatch;          /* the simulator dispatches new incidents itself */
  BsRange   auto_dispatch_delay_s;
  GPtrArray *dispositions;          /* char*: codes used when the simulator closes */
} BsScenarioBehaviour;

typedef struct
{
  char                *path;         /* as given to bs_scenario_load() */
  char                *name;
  char                *notice;
  BcGeoBounds          area;
  gint64               start_us;     /* the scenario clock at 0 s */
  guint                duration_s;   /* length of the script */

  GArray              *stations;     /* BsScenarioStation */
  GArray              *units;        /* BsScenarioUnit */
  GArray              *landmarks;    /* BsScenarioLandmark */
  GPtrArray           *cameras;      /* BcCamera, listed then generated */
  BsRoadGraph         *roads;
  GArray              *incidents;    /* BsScenarioIncident, by at_ms */

  double               random_per_hour[24]; /* expected incidents per hour, local time */
  GArray              *random_mix;   /* BsScenarioMix */

  BsScenarioBehaviour  behaviour;
} BsScenario;

/* Loads and validates @path. "HH:MM" start times are resolved against @now_us (µs since the
 * epoch; 0: the current time) as that time of the day in China Standard Time. */
BsScenario         *bs_scenario_load            (const char  *path,
                                                 gint64       now_us,
                                                 GError     **error);
/* The same from a string; @base_dir resolves `roads.include` (NULL: the current directory). */
BsScenario         *bs_scenario_load_from_data  (const char  *data,
                                                 gssize       length,
                                                 const char  *base_dir,
                                                 gint64       now_us,
                                                 GError     **error);
BsScenario         *bs_scenario_ref             (BsScenario  *self);
void                bs_scenario_unref           (BsScenario  *self);

/* The station named by @id_or_name (its id or its name); NULL if there is none. */
const BsScenarioStation *bs_scenario_find_station (BsScenario *self,
                                                   const char *id_or_name,
                                                   guint      *out_index);
const BsScenarioLandmark *bs_scenario_find_landmark (BsScenario *self,
                                                     const char *name);
/* "象山大道附近": the name of the street nearest to a position, for generated addresses. */
char               *bs_scenario_describe_place  (BsScenario  *self,
                                                 double       lat,
                                                 double       lon);
/* Hour of the day (0–23) in China Standard Time of @time_us. */
guint               bs_scenario_local_hour      (gint64       time_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BsScenario, bs_scenario_unref)

G_END_DECLS
