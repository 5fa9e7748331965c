/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the bs-repo*.c files; not for the rest of the server. */

#include "bc-districts.h"
#include "bc-grid-index.h"
#include "bs-repo.h"

G_BEGIN_DECLS

#define BS_N_UNIT_KINDS (BC_UNIT_KIND_SPECIAL + 1)

struct _BsRepo
{
  GObject          parent_instance;

  BcStore         *store;
  GTimeZone       *tz;             /* incident numbers are dated in China Standard Time */
  BsRepoClockFunc  clock;
  gpointer         clock_data;

  /* Live unit state, mirroring the units table after every commit. */
  GHashTable      *units;          /* gint64* id -> BcUnit (owned) */
  GHashTable      *unit_by_call_sign; /* const char* (owned by the unit) -> BcUnit */
  BcGridIndex     *available[BS_N_UNIT_KINDS]; /* available units with a position, per kind */

  /* Cameras: the grid key is the index in the array (device codes do not fit in 64 bits). */
  GPtrArray       *cameras;        /* BcCamera (ref) */
  GHashTable      *camera_slots;   /* const char* id -> GUINT_TO_POINTER (index + 1) */
  BcGridIndex     *camera_grid;

  /* Where incidents get their district from; NULL: they keep the one they are given. */
  BcDistricts     *districts;
};

/* Columns read by _bs_repo_unit_from_stmt / _bs_repo_incident_from_stmt, in this order. */
#define BS_UNIT_COLUMNS \
  "id, call_sign, kind, station, status, lat, lon, heading, speed, fix_at, incident, version"
#define BS_INCIDENT_COLUMNS \
  "id, number, type, priority, status, lat, lon, address, district, caller_name, " \
  "caller_phone, description, disposition, created_at, dispatched_at, en_route_at, " \
  "on_scene_at, closed_at, cancelled_at, updated_at, version"

gint64      _bs_repo_now                (BsRepo            *self);

/* Row access; every function runs inside or outside a transaction alike. */
BcUnit     *_bs_repo_unit_from_stmt     (sqlite3_stmt      *stmt);
BcUnit     *_bs_repo_load_unit          (BsRepo            *self,
                                         gint64             id,
                                         GError           **error);
gboolean    _bs_repo_write_unit         (BsRepo            *self,
                                         BcUnit            *unit,
                                         GError           **error);
BcIncident *_bs_repo_load_incident      (BsRepo            *self,
                                         gint64             id,
                                         GError           **error);
gboolean    _bs_repo_write_incident     (BsRepo            *self,
                                         BcIncident        *incident,
                                         GError           **error);
BcOrder    *_bs_repo_load_order         (BsRepo            *self,
                                         gint64             id,
                                         GError           **error);
gboolean    _bs_repo_remove_incident_unit (BsRepo          *self,
                                         gint64             incident_id,
                                         gint64             unit_id,
                                         GError           **error);
gboolean    _bs_repo_incident_has_units (BsRepo            *self,
                                         gint64             incident_id,
                                         gboolean          *out_has,
                                         GError           **error);

/* Events and audit, inside the command's transaction. @data is consumed. */
gboolean    _bs_repo_emit               (BsRepo            *self,
                                         const char        *type,
                                         gint64             at,
                                         JsonNode          *data,
                                         GError           **error);
gboolean    _bs_repo_audit              (BsRepo            *self,
                                         gint64             at,
                                         const BsActor     *actor,
                                         const char        *action,
                                         const char        *target,
                                         JsonNode          *detail,
                                         GError           **error);

/* Whether @actor may act as @unit (unit-role users only for their own unit). */
gboolean    _bs_repo_check_unit_actor   (BsRepo            *self,
                                         const BsActor     *actor,
                                         BcUnit            *unit,
                                         GError           **error);

/* "东宝巡01 is en_route to JQ202611240003" */
char       *_bs_repo_describe_unit_busy (BsRepo            *self,
                                         BcUnit            *unit);

/* Releases a unit from its job (status available, incident cleared, version + 1, written,
 * unit.updated appended) and takes it off the incident's list; if no unit remains and the
 * incident is dispatched or en_route, the incident goes back to new. @incident (if not NULL)
 * is updated in memory and *out_incident_changed set; the caller writes and announces it. */
gboolean    _bs_repo_release_unit       (BsRepo            *self,
                                         BcUnit            *unit,
                                         BcIncident        *incident,
                                         gboolean           remove_from_incident,
                                         gint64             now,
                                         gboolean          *out_incident_changed,
                                         GError           **error);

/* Bumps version and updated_at, writes the incident and appends incident.updated. */
gboolean    _bs_repo_commit_incident_change (BsRepo        *self,
                                         BcIncident        *incident,
                                         gint64             now,
                                         GError           **error);
/* Bumps version, writes the unit's state and appends unit.updated. */
gboolean    _bs_repo_commit_unit_change (BsRepo            *self,
                                         BcUnit            *unit,
                                         gint64             now,
                                         GError           **error);

/* Sets the incident's status and, the first time, its timestamp for that status. */
void        _bs_repo_set_incident_status (BcIncident       *incident,
                                         BcIncidentStatus   status,
                                         gint64             now);

/* After commit: brings the live unit state up to @fresh (a newer version wins; a newer fix
 * wins for the position), keeping the spatial indexes in step. */
void        _bs_repo_cache_apply_unit   (BsRepo            *self,
                                         BcUnit            *fresh);
void        _bs_repo_cache_apply_fix    (BsRepo            *self,
                                         const BsAvlFix    *fix);
BcUnit     *_bs_repo_cache_lookup_unit  (BsRepo            *self,
                                         gint64             id);

void        _bs_repo_set_error_invalid  (GError           **error,
                                         GError            *model_error);

G_END_DECLS
