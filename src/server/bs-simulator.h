/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* BsSimulator: plays a training scenario inside beacon-server (docs/scenarios.md).
 *
 * It drives the server's own repo commands — create incident, acknowledge order, unit status,
 * AVL, close incident — as the simulator user (role trainer), so every change is an event that
 * consoles follow, exactly as with real units. It learns what dispatchers do (orders, status
 * changes, closures) from the store's commit hook.
 *
 * Time is virtual: a scenario clock advanced in fixed ticks of BS_SIMULATOR_TICK_MS. The clock
 * is the repo's clock too (bs_repo_set_clock), so incident times, event times and AVL fixes
 * are scenario times. While playing, a wall-clock timer on the thread-default main context of
 * bs_simulator_new() only decides how many ticks to run (speed × elapsed wall time); what
 * happens in a tick depends on nothing but the scenario, the seed and the commands received.
 * Two runs with the same seed therefore write the same event log, whatever the speed, and
 * tests step the simulator directly with bs_simulator_step().
 *
 * Reset starts a fresh run of the scenario: open incidents are cancelled, units go back to
 * their stations, units and cameras are re-imported from the scenario, and the clock moves on
 * to the scenario's start time on the next day (the repo's clock never runs backwards, so
 * incident numbers, AVL ordering and the event log stay consistent), and a `sim.state` event
 * with `"reset": true` tells consoles to reload their snapshot.
 */

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "bs-report.h"
#include "bs-repo.h"
#include "bs-request.h"
#include "bs-scenario.h"

G_BEGIN_DECLS

#define BS_SIMULATOR_TICK_MS 500

/* Errors of the control functions are BS_REPO_ERROR_INVALID (HTTP 422 invalid_value) for
 * bad requests (a speed not offered, an injection outside the area) or the repo's own. */

#define BS_TYPE_SIMULATOR (bs_simulator_get_type ())

G_DECLARE_FINAL_TYPE (BsSimulator, bs_simulator, BS, SIMULATOR, GObject)

/* Loads the scenario's units and cameras into @repo (upserts), puts every unit at its
 * station, takes over the repo's clock and starts paused at speed 1. Call it before a server
 * listens on @repo: into an empty cameras table the cameras go without camera.updated events
 * (bs_repo_load_cameras_initial). */
BsSimulator    *bs_simulator_new             (BsRepo          *repo,
                                              BsScenario      *scenario,
                                              guint64          seed,
                                              GError         **error);

BsScenario     *bs_simulator_get_scenario    (BsSimulator     *self);
BsRepo         *bs_simulator_get_repo        (BsSimulator     *self);
guint64         bs_simulator_get_seed        (BsSimulator     *self);

/* Speeds a trainer may choose: 1, 2, 5, 10, 30. */
gboolean        bs_simulator_speed_is_valid  (guint            speed);

gboolean        bs_simulator_play            (BsSimulator     *self,
                                              GError         **error);
gboolean        bs_simulator_pause           (BsSimulator     *self,
                                              GError         **error);
gboolean        bs_simulator_set_speed       (BsSimulator     *self,
                                              guint            speed,
                                              GError         **error);
gboolean        bs_simulator_reset           (BsSimulator     *self,
                                              GError         **error);
/* An incident of @type and @priority at the road node nearest to (@lat, @lon). */
BcIncident     *bs_simulator_inject          (BsSimulator     *self,
                                              BcIncidentType   type,
                                              int              priority,
                                              double           lat,
                                              double           lon,
                                              const char      *description,
                                              GError         **error);
/* Lets the simulator dispatch new incidents itself (the scenario's `auto_dispatch`). */
void            bs_simulator_set_auto_dispatch (BsSimulator   *self,
                                              gboolean         auto_dispatch);

/* Runs @n_ticks ticks now, whether playing or not (tests, benchmarks). */
void            bs_simulator_step            (BsSimulator     *self,
                                              guint            n_ticks);

gboolean        bs_simulator_get_playing     (BsSimulator     *self);
guint           bs_simulator_get_speed       (BsSimulator     *self);
/* The scenario clock, µs since the epoch (also the repo's clock). */
gint64          bs_simulator_get_clock       (BsSimulator     *self);
/* Scenario milliseconds since the start of the current run. */
gint64          bs_simulator_get_elapsed_ms  (BsSimulator     *self);
gint64          bs_simulator_get_run_start   (BsSimulator     *self);
guint           bs_simulator_get_run         (BsSimulator     *self);
/* The repo id of the scenario's unit @index (scenario order). */
gint64          bs_simulator_get_unit_id     (BsSimulator     *self,
                                              guint            index);

/* {"scenario","notice","run","start","clock","elapsed_s","duration_s","speed","playing",
 *  "seed","tick_ms","auto_dispatch"} — the data of `sim.state` events and GET /sim/state. */
JsonNode       *bs_simulator_get_state       (BsSimulator     *self);

/* The after-action report of the current run, up to now. */
BsReport       *bs_simulator_build_report    (BsSimulator     *self,
                                              GError         **error);

/* Answers POST /api/v1/sim/control, GET /api/v1/sim/state and GET /api/v1/sim/report. */
void            bs_simulator_handle_request  (BsRequest       *req,
                                              gpointer         user_data);

G_END_DECLS
