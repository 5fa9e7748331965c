/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <math.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bc-event-log.h"
#include "bc-model.h"
#include "bc-schema.h"
#include "bs-demo.h"
#include "bs-report.h"
#include "bs-simulator.h"
#include "server-fixture.h"

/* The training simulator (bs-simulator.c) on a real SQLite file, stepped directly; its HTTP
 * endpoints through a real demo server (bs-demo.c) in a thread of its own; the after-action
 * report (bs-report.c). */

#define TICKS_PER_MINUTE (60000 / BS_SIMULATOR_TICK_MS)

static const BsActor dispatcher = { "dispatcher1", BC_ROLE_DISPATCHER, "10.0.0.5:50123" };

/* meson test --setup valgrind: every tick costs ~50× more. Runs are shortened there and the
 * wall-clock rate is not checked (the simulator cannot keep up with 30× under valgrind). */
static gboolean
under_valgrind (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");

  return preload != NULL && strstr (preload, "vgpreload") != NULL;
}

static char *
data_path (const char *dir,
           const char *file)
{
  return g_test_build_filename (G_TEST_DIST, "..", "data", dir, file, NULL);
}

/* The shipped scenario with fewer cameras (they only slow the tests down) and @behaviour
 * members replaced, written to @dir. */
static char *
write_scenario (const char *dir,
                const char *behaviour_json)
{
  g_autofree char *shipped = data_path ("scenarios", "jingmen-training.json");
  g_autofree char *basemap = data_path ("basemap", "jingmen-training.json");
  g_autofree char *contents = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = g_build_filename (dir, "scenario.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object, *roads, *behaviour;

  g_assert_true (g_file_get_contents (shipped, &contents, NULL, &error));
  root = json_from_string (contents, &error);
  g_assert_no_error (error);
  object = json_node_get_object (root);

  roads = json_object_get_object_member (object, "roads");
  json_object_set_string_member (roads, "include", basemap);
  json_object_set_int_member (json_object_get_object_member (json_object_get_object_member (
                                object, "cameras"), "generate"), "count", 300);
  /* A fixed day, so that the tests do not depend on today's date. */
  json_object_set_string_member (object, "start_time", "2026-11-24T09:00:00+08:00");

  if (behaviour_json != NULL)
    {
      g_autoptr(JsonNode) patch = json_from_string (behaviour_json, &error);
      g_autoptr(GList) members = NULL;

      g_assert_no_error (error);
      behaviour = json_object_get_object_member (object, "behaviour");
      members = json_object_get_members (json_node_get_object (patch));
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (behaviour, l->data,
                                json_node_copy (json_object_get_member (json_node_get_object (patch),
                                                                        l->data)));
    }

  text = json_to_string (root, TRUE);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  return g_steal_pointer (&path);
}

typedef struct
{
  char        *dir;
  BcStore     *store;
  BsRepo      *repo;
  BsScenario  *scenario;
  BsSimulator *sim;
} Sim;

static void
sim_open (Sim        *s,
          guint64     seed,
          const char *behaviour_json)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autofree char *scenario_path = NULL;

  s->dir = g_dir_make_tmp ("beacon-sim-XXXXXX", &error);
  g_assert_no_error (error);
  scenario_path = write_scenario (s->dir, behaviour_json);
  db = g_build_filename (s->dir, "sim.db", NULL);
  s->store = bc_store_open (db, bc_server_schema (), &error);
  g_assert_no_error (error);
  s->repo = bs_repo_new (s->store, &error);
  g_assert_no_error (error);
  s->scenario = bs_scenario_load (scenario_path, 0, &error);
  g_assert_no_error (error);
  s->sim = bs_simulator_new (s->repo, s->scenario, seed, &error);
  g_assert_no_error (error);
}

static void
sim_close (Sim *s)
{
  const char *files[] = { "sim.db", "sim.db-wal", "sim.db-shm", "scenario.json" };

  g_clear_object (&s->sim);
  g_clear_pointer (&s->scenario, bs_scenario_unref);
  g_clear_object (&s->repo);
  g_clear_object (&s->store);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (s->dir, files[i], NULL);
      g_remove (path);
    }
  g_rmdir (s->dir);
  g_clear_pointer (&s->dir, g_free);
}

static GPtrArray *
read_events (BcStore *store,
             gint64   since)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_event_row_free);

  g_assert_true (bc_event_log_read (store, since, 0, rows, &error));
  g_assert_no_error (error);
  return rows;
}

static gint64
last_seq (BcStore *store)
{
  gint64 seq = 0;

  g_assert_true (bc_event_log_last_seq (store, &seq, NULL));
  return seq;
}

static guint
count_type (GPtrArray  *rows,
            const char *type)
{
  guint n = 0;

  for (guint i = 0; i < rows->len; i++)
    n += strcmp (((BcEventRow *) g_ptr_array_index (rows, i))->type, type) == 0;
  return n;
}

/* ---- Determinism ---------------------------------------------------------------------------- */

static void
run_exercise (Sim     *s,
              guint64  seed,
              guint    minutes)
{
  g_autoptr(GError) error = NULL;

  sim_open (s, seed, NULL);
  /* Speed does not enter a stepped run; set it anyway, as a trainer would. */
  g_assert_true (bs_simulator_set_speed (s->sim, 30, &error));
  /* Nobody dispatches in a unit test: the simulator does it, so orders, acknowledgements,
   * refusals, arrivals and closures all happen. */
  bs_simulator_set_auto_dispatch (s->sim, TRUE);
  bs_simulator_step (s->sim, minutes * TICKS_PER_MINUTE);
}

static void
test_determinism_same_seed (void)
{
  Sim a = { 0, }, b = { 0, };
  g_autoptr(GPtrArray) ea = NULL;
  g_autoptr(GPtrArray) eb = NULL;

  guint minutes = under_valgrind () ? 5 : 30;

  run_exercise (&a, 20261124, minutes);
  run_exercise (&b, 20261124, minutes);
  ea = read_events (a.store, 0);
  eb = read_events (b.store, 0);

  /* Everything a console sees happened, many times over. */
  g_assert_cmpuint (count_type (ea, BC_EVENT_INCIDENT_CREATED), >=, minutes / 3);
  g_assert_cmpuint (count_type (ea, BC_EVENT_ORDER_CREATED), >=, minutes / 3);
  g_assert_cmpuint (count_type (ea, BC_EVENT_ORDER_ACKED), >=, minutes / 3);
  g_assert_cmpuint (count_type (ea, BC_EVENT_UNIT_MOVED), >=, minutes * 300);
  g_assert_cmpuint (count_type (ea, BC_EVENT_SIM_STATE), >=, minutes);

  g_assert_cmpuint (ea->len, ==, eb->len);
  for (guint i = 0; i < ea->len; i++)
    {
      BcEventRow *x = g_ptr_array_index (ea, i);
      BcEventRow *y = g_ptr_array_index (eb, i);

      if (x->seq != y->seq || x->at != y->at || strcmp (x->type, y->type) != 0 ||
          strcmp (x->data, y->data) != 0)
        g_error ("the runs differ at event %u: %" G_GINT64_FORMAT " %s %s vs %" G_GINT64_FORMAT
                 " %s %s", i, x->seq, x->type, x->data, y->seq, y->type, y->data);
    }

  sim_close (&a);
  sim_close (&b);
}

static void
test_determinism_other_seed (void)
{
  Sim a = { 0, }, b = { 0, };
  g_autoptr(GPtrArray) ea = NULL;
  g_autoptr(GPtrArray) eb = NULL;
  gboolean differ;

  run_exercise (&a, 1, 10);
  run_exercise (&b, 2, 10);
  ea = read_events (a.store, 0);
  eb = read_events (b.store, 0);

  differ = ea->len != eb->len;
  for (guint i = 0; !differ && i < ea->len; i++)
    differ = strcmp (((BcEventRow *) g_ptr_array_index (ea, i))->data,
                     ((BcEventRow *) g_ptr_array_index (eb, i))->data) != 0;
  g_assert_true (differ);

  sim_close (&a);
  sim_close (&b);
}

/* ---- Units on the roads --------------------------------------------------------------------- */

static void
test_units_stay_on_roads (void)
{
  Sim s = { 0, };
  g_autoptr(GPtrArray) rows = NULL;
  guint n_fixes = 0, n_moving = 0;

  guint minutes = under_valgrind () ? 3 : 10;

  run_exercise (&s, 7, minutes);
  rows = read_events (s.store, 0);

  for (guint i = 0; i < rows->len; i++)
    {
      BcEventRow *row = g_ptr_array_index (rows, i);
      g_autoptr(JsonNode) data = NULL;
      JsonObject *fix;
      double lat, lon, distance;

      if (strcmp (row->type, BC_EVENT_UNIT_MOVED) != 0)
        continue;
      data = json_from_string (row->data, NULL);
      fix = json_node_get_object (data);
      lat = json_object_get_double_member (fix, "lat");
      lon = json_object_get_double_member (fix, "lon");
      bs_road_graph_nearest_edge (s.scenario->roads, lat, lon, &distance);
      if (distance > 1.0)
        g_error ("fix %s is %.2f m from the nearest street", row->data, distance);
      n_fixes++;
      n_moving += json_object_get_double_member (fix, "speed") > 0;
    }

  /* 120 units reporting every 2 s while they move: thousands of fixes. */
  g_assert_cmpuint (n_fixes, >, minutes * 1000);
  g_assert_cmpuint (n_moving, >, minutes * 500);
  sim_close (&s);
}

/* ---- An order from dispatch to closure ------------------------------------------------------ */

static BcUnit *
get_unit (Sim    *s,
          gint64  id)
{
  g_autoptr(GError) error = NULL;
  BcUnit *unit = bs_repo_get_unit (s->repo, id, &error);

  g_assert_no_error (error);
  return unit;
}

static BcIncident *
get_incident (Sim    *s,
              gint64  id)
{
  g_autoptr(GError) error = NULL;
  BcIncident *incident = bs_repo_get_incident (s->repo, id, &error);

  g_assert_no_error (error);
  return incident;
}

static gint64
start_order (Sim                       *s,
             const BsScenarioLandmark  *place,
             gint64                     unit_id,
             BcIncident               **out_incident)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(BcOrder) order = NULL;

  incident = bs_simulator_inject (s->sim, BC_INCIDENT_TYPE_TRAFFIC, 2, place->lat, place->lon,
                                  "两车追尾", &error);
  g_assert_no_error (error);
  order = bs_repo_dispatch (s->repo, bc_incident_get_id (incident), &unit_id, 1, "前往处置",
                            "test-order-1", "hash", &dispatcher, NULL, &error);
  g_assert_no_error (error);
  *out_incident = g_steal_pointer (&incident);
  return order->id;
}

static void
test_order_lifecycle (void)
{
  Sim s = { 0, };
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(GError) error = NULL;
  const BsScenarioLandmark *station_square;
  gint64 unit_id = 0, order_id, seq_before, incident_id;
  double start_lat, start_lon, node_lat, node_lon;
  guint ticks;

  /* No refusals, short acknowledgements and short jobs, so that the test is quick. */
  sim_open (&s, 3, "{\"refuse_probability\": 0, \"ack_delay_s\": [5, 10],"
                   " \"on_scene_s\": {\"default\": [60, 120]}}");
  /* A special-operations unit: those wait at their station (the city headquarters). */
  for (guint i = 0; i < s.scenario->units->len; i++)
    if (g_array_index (s.scenario->units, BsScenarioUnit, i).kind == BC_UNIT_KIND_SPECIAL)
      {
        unit_id = bs_simulator_get_unit_id (s.sim, i);
        break;
      }
  {
    g_autoptr(BcUnit) unit = get_unit (&s, unit_id);
    g_assert_cmpint (bc_unit_get_kind (unit), ==, BC_UNIT_KIND_SPECIAL);
    start_lat = bc_unit_get_lat (unit);
    start_lon = bc_unit_get_lon (unit);
  }

  station_square = bs_scenario_find_landmark (s.scenario, "荆门站");
  g_assert_nonnull (station_square);
  seq_before = last_seq (s.store);
  order_id = start_order (&s, station_square, unit_id, &incident);
  incident_id = bc_incident_get_id (incident);
  node_lat = bc_incident_get_lat (incident);
  node_lon = bc_incident_get_lon (incident);

  /* Acknowledged within the delay range: the unit and the incident are en route. */
  for (ticks = 0; ticks < 10 * 1000 / BS_SIMULATOR_TICK_MS + 1; ticks++)
    {
      g_autoptr(BcOrder) order = bs_repo_get_order (s.repo, order_id, NULL);

      if (g_array_index (order->units, BcOrderAssignment, 0).state != BC_ORDER_UNIT_STATE_SENT)
        break;
      bs_simulator_step (s.sim, 1);
    }
  {
    g_autoptr(BcOrder) order = bs_repo_get_order (s.repo, order_id, NULL);
    g_autoptr(BcUnit) unit = get_unit (&s, unit_id);
    g_autoptr(BcIncident) now = get_incident (&s, incident_id);

    g_assert_cmpint (g_array_index (order->units, BcOrderAssignment, 0).state, ==,
                     BC_ORDER_UNIT_STATE_ACKNOWLEDGED);
    g_assert_cmpuint (ticks, >=, 5 * 1000 / BS_SIMULATOR_TICK_MS - 1);
    g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_EN_ROUTE);
    g_assert_cmpint (bc_incident_get_status (now), ==, BC_INCIDENT_STATUS_EN_ROUTE);
  }

  /* It drives there: 7 km at up to 70 km/h is a few minutes. */
  for (ticks = 0; ticks < 30 * TICKS_PER_MINUTE; ticks += 10)
    {
      g_autoptr(BcUnit) unit = get_unit (&s, unit_id);

      if (bc_unit_get_status (unit) != BC_UNIT_STATUS_EN_ROUTE)
        break;
      bs_simulator_step (s.sim, 10);
    }
  {
    g_autoptr(BcUnit) unit = get_unit (&s, unit_id);
    g_autoptr(BcIncident) now = get_incident (&s, incident_id);
    g_autoptr(GPtrArray) rows = read_events (s.store, seq_before);
    double last_distance = G_MAXDOUBLE;
    guint n_fixes = 0;

    g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_ON_SCENE);
    g_assert_cmpint (bc_incident_get_status (now), ==, BC_INCIDENT_STATUS_ON_SCENE);
    g_assert_cmpint (bc_incident_get_on_scene_at (now), >, bc_incident_get_en_route_at (now));
    g_assert_cmpuint (ticks, >, 60);

    /* Its fixes lead from the station to the incident, which it reached. */
    for (guint i = 0; i < rows->len; i++)
      {
        BcEventRow *row = g_ptr_array_index (rows, i);
        g_autoptr(JsonNode) data = NULL;
        JsonObject *fix;

        if (strcmp (row->type, BC_EVENT_UNIT_MOVED) != 0)
          continue;
        data = json_from_string (row->data, NULL);
        fix = json_node_get_object (data);
        if (json_object_get_int_member (fix, "id") != unit_id)
          continue;
        last_distance = bc_geo_distance_m (json_object_get_double_member (fix, "lat"),
                                           json_object_get_double_member (fix, "lon"),
                                           node_lat, node_lon);
        n_fixes++;
      }
    g_assert_cmpuint (n_fixes, >, 20);
    g_assert_cmpfloat (bc_geo_distance_m (start_lat, start_lon, node_lat, node_lon), >, 3000);
    g_assert_cmpfloat (last_distance, <, 1.0);
  }

  /* On scene for 60–120 s, then the incident is closed and the unit is free again. */
  bs_simulator_step (s.sim, 121 * 1000 / BS_SIMULATOR_TICK_MS + 1);
  {
    g_autoptr(BcUnit) unit = get_unit (&s, unit_id);
    g_autoptr(BcIncident) now = get_incident (&s, incident_id);

    g_assert_cmpint (bc_incident_get_status (now), ==, BC_INCIDENT_STATUS_CLOSED);
    g_assert_nonnull (bc_incident_get_disposition (now));
    g_assert_true (g_ptr_array_find_with_equal_func (s.scenario->behaviour.dispositions,
                                                     bc_incident_get_disposition (now),
                                                     g_str_equal, NULL));
    g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_AVAILABLE);
    g_assert_cmpint (bc_unit_get_incident (unit), ==, 0);
  }

  /* The report has the incident with durations from its timestamps. */
  {
    g_autoptr(BsReport) report = bs_simulator_build_report (s.sim, &error);
    g_autoptr(BcIncident) now = get_incident (&s, incident_id);
    const BsReportRow *row = NULL;

    g_assert_no_error (error);
    for (guint i = 0; i < bs_report_get_n_rows (report); i++)
      if (bs_report_get_row (report, i)->id == incident_id)
        row = bs_report_get_row (report, i);
    g_assert_nonnull (row);
    g_assert_cmpfloat_with_epsilon (row->dispatch_s,
                                    (bc_incident_get_dispatched_at (now) -
                                     bc_incident_get_created_at (now)) / 1e6, 1e-9);
    g_assert_cmpfloat_with_epsilon (row->arrival_s,
                                    (bc_incident_get_on_scene_at (now) -
                                     bc_incident_get_created_at (now)) / 1e6, 1e-9);
    g_assert_cmpint (row->dispatch, ==, BS_REPORT_MET);
  }

  sim_close (&s);
}

/* ---- Refusals, and units that go home ------------------------------------------------------- */

static gint64
first_unit_of_kind (Sim        *s,
                    BcUnitKind  kind)
{
  for (guint i = 0; i < s->scenario->units->len; i++)
    if (g_array_index (s->scenario->units, BsScenarioUnit, i).kind == kind)
      return bs_simulator_get_unit_id (s->sim, i);
  g_assert_not_reached ();
  return 0;
}

static void
test_order_refused (void)
{
  Sim s = { 0, };
  g_autoptr(BcIncident) incident = NULL;
  gint64 unit_id, order_id;

  sim_open (&s, 3, "{\"refuse_probability\": 1, \"ack_delay_s\": [5, 10]}");
  unit_id = first_unit_of_kind (&s, BC_UNIT_KIND_PATROL_CAR);
  order_id = start_order (&s, bs_scenario_find_landmark (s.scenario, "荆门站"), unit_id,
                          &incident);

  bs_simulator_step (s.sim, 10 * 1000 / BS_SIMULATOR_TICK_MS + 1);
  {
    g_autoptr(BcOrder) order = bs_repo_get_order (s.repo, order_id, NULL);
    g_autoptr(BcUnit) unit = get_unit (&s, unit_id);
    g_autoptr(BcIncident) now = get_incident (&s, bc_incident_get_id (incident));
    guint n_units;

    /* The refusal frees the unit and puts the incident back at the top of the queue. */
    g_assert_cmpint (g_array_index (order->units, BcOrderAssignment, 0).state, ==,
                     BC_ORDER_UNIT_STATE_REFUSED);
    g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_AVAILABLE);
    g_assert_cmpint (bc_incident_get_status (now), ==, BC_INCIDENT_STATUS_NEW);
    bc_incident_get_units (now, &n_units);
    g_assert_cmpuint (n_units, ==, 0);
  }
  sim_close (&s);
}

static void
test_return_to_station (void)
{
  Sim s = { 0, };
  g_autoptr(BcIncident) incident = NULL;
  const BsRoadNode *home;
  gint64 unit_id;
  guint ticks;

  /* Without patrols, units drive back to their station when they are free again. */
  sim_open (&s, 3, "{\"patrol\": false, \"refuse_probability\": 0, \"ack_delay_s\": [5, 10],"
                   " \"on_scene_s\": {\"default\": [60, 120]}}");
  unit_id = first_unit_of_kind (&s, BC_UNIT_KIND_PATROL_CAR);
  {
    g_autoptr(BcUnit) unit = get_unit (&s, unit_id);
    const BsScenarioStation *station = bs_scenario_find_station (s.scenario,
                                                                 bc_unit_get_station (unit),
                                                                 NULL);
    home = bs_road_graph_get_node (s.scenario->roads, station->node);
  }
  start_order (&s, bs_scenario_find_landmark (s.scenario, "荆门站"), unit_id, &incident);

  for (ticks = 0; ticks < 60 * TICKS_PER_MINUTE; ticks += 20)
    {
      g_autoptr(BcIncident) now = get_incident (&s, bc_incident_get_id (incident));

      if (bc_incident_get_status (now) == BC_INCIDENT_STATUS_CLOSED)
        break;
      bs_simulator_step (s.sim, 20);
    }
  {
    g_autoptr(BcUnit) unit = get_unit (&s, unit_id);

    g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_AVAILABLE);
    /* It left: it is at the incident, not at home. */
    g_assert_cmpfloat (bc_geo_distance_m (bc_unit_get_lat (unit), bc_unit_get_lon (unit),
                                          home->lat, home->lon), >, 1000);
  }

  /* Back home within half an hour, standing. */
  bs_simulator_step (s.sim, 30 * TICKS_PER_MINUTE);
  {
    g_autoptr(BcUnit) unit = get_unit (&s, unit_id);

    g_assert_cmpfloat (bc_geo_distance_m (bc_unit_get_lat (unit), bc_unit_get_lon (unit),
                                          home->lat, home->lon), <, 1.0);
    g_assert_cmpfloat (bc_unit_get_speed (unit), ==, 0);
  }
  sim_close (&s);
}

/* ---- Clock: pause, speed ------------------------------------------------------------------- */

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
}

static void
test_pause_stops (void)
{
  Sim s = { 0, };
  g_autoptr(GError) error = NULL;
  gint64 elapsed, seq;

  sim_open (&s, 5, NULL);
  g_assert_true (bs_simulator_set_speed (s.sim, 30, &error));
  g_assert_true (bs_simulator_play (s.sim, &error));
  g_assert_true (bs_simulator_get_playing (s.sim));
  iterate_for (400);
  g_assert_true (bs_simulator_pause (s.sim, &error));
  g_assert_no_error (error);

  elapsed = bs_simulator_get_elapsed_ms (s.sim);
  seq = last_seq (s.store);
  g_assert_cmpint (elapsed, >, 0);

  iterate_for (400);
  g_assert_false (bs_simulator_get_playing (s.sim));
  g_assert_cmpint (bs_simulator_get_elapsed_ms (s.sim), ==, elapsed);
  /* Nothing moves, nothing happens. */
  g_assert_cmpint (last_seq (s.store), ==, seq);

  sim_close (&s);
}

static void
test_speed_changes_rate (void)
{
  Sim s = { 0, };
  g_autoptr(GError) error = NULL;
  gint64 at_1x, at_30x, before;

  sim_open (&s, 5, NULL);
  g_assert_false (bs_simulator_set_speed (s.sim, 7, &error));
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (bs_simulator_play (s.sim, &error));
  iterate_for (1000);
  g_assert_true (bs_simulator_pause (s.sim, &error));
  at_1x = bs_simulator_get_elapsed_ms (s.sim);

  before = at_1x;
  g_assert_true (bs_simulator_set_speed (s.sim, 30, &error));
  g_assert_true (bs_simulator_play (s.sim, &error));
  iterate_for (1000);
  g_assert_true (bs_simulator_pause (s.sim, &error));
  at_30x = bs_simulator_get_elapsed_ms (s.sim) - before;

  /* One wall second is about one scenario second at 1× and thirty at 30×; the bounds leave
   * room for a loaded machine. */
  if (under_valgrind ())
    {
      g_assert_cmpint (at_30x, >, at_1x);
      sim_close (&s);
      return;
    }
  g_assert_cmpint (at_1x, >=, 500);
  g_assert_cmpint (at_1x, <=, 1500);
  g_assert_cmpint (at_30x, >=, 10 * at_1x);
  g_assert_cmpint (at_30x, <=, 31000);

  sim_close (&s);
}

/* ---- Reset and inject ----------------------------------------------------------------------- */

static guint
count_events_of_type (GPtrArray  *events,
                      const char *type)
{
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    n += g_strcmp0 (((BcEventRow *) g_ptr_array_index (events, i))->type, type) == 0;
  return n;
}

/* The first run loads the scenario's cameras into the fresh database without an event each
 * (bs_repo_load_cameras_initial); they are all there for bbox and near queries, and a reset,
 * which goes through the import, finds them unchanged. */
static void
test_start_cameras_without_events (void)
{
  Sim s = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GArray) near = NULL;
  BcGeoBounds everywhere = { -90, -180, 90, 180 };
  BcCamera *first;
  gboolean truncated = TRUE;
  gint64 seq;

  sim_open (&s, 5, NULL);
  g_assert_cmpuint (s.scenario->cameras->len, ==, 300);
  events = read_events (s.store, 0);
  g_assert_cmpuint (events->len, >, 0);
  g_assert_cmpuint (count_events_of_type (events, BC_EVENT_CAMERA_UPDATED), ==, 0);

  all = bs_repo_cameras_in_bounds (s.repo, &everywhere, 0, &truncated);
  g_assert_false (truncated);
  g_assert_cmpuint (all->len, ==, s.scenario->cameras->len);
  first = g_ptr_array_index (s.scenario->cameras, 0);
  near = bs_repo_cameras_near (s.repo, first->lat, first->lon, 0.5);
  g_assert_cmpuint (near->len, >=, 1);
  g_assert_cmpstr (g_array_index (near, BsCameraHit, 0).camera->id, ==, first->id);

  seq = last_seq (s.store);
  g_assert_true (bs_simulator_reset (s.sim, &error));
  g_assert_no_error (error);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = read_events (s.store, seq);
  g_assert_cmpuint (count_events_of_type (events, BC_EVENT_CAMERA_UPDATED), ==, 0);
  g_clear_pointer (&all, g_ptr_array_unref);
  all = bs_repo_cameras_in_bounds (s.repo, &everywhere, 0, &truncated);
  g_assert_cmpuint (all->len, ==, s.scenario->cameras->len);

  sim_close (&s);
}

static void
test_reset (void)
{
  Sim s = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) units = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) created = NULL;
  g_autoptr(JsonNode) state = NULL;
  gint64 start, seq;
  BcEventRow *last;

  run_exercise (&s, 11, 15);
  start = bs_simulator_get_run_start (s.sim);
  open = bs_repo_list_incidents (s.repo, BS_INCIDENT_FILTER_OPEN, 0, 0, &error);
  g_assert_cmpuint (open->len, >, 0);
  g_clear_pointer (&open, g_ptr_array_unref);

  seq = last_seq (s.store);
  g_assert_true (bs_simulator_reset (s.sim, &error));
  g_assert_no_error (error);

  /* A fresh run, the next day at the same time, paused. */
  g_assert_cmpuint (bs_simulator_get_run (s.sim), ==, 1);
  g_assert_cmpint (bs_simulator_get_run_start (s.sim), ==, start + (gint64) 24 * 3600 * G_USEC_PER_SEC);
  g_assert_cmpint (bs_simulator_get_elapsed_ms (s.sim), ==, 0);
  g_assert_false (bs_simulator_get_playing (s.sim));

  open = bs_repo_list_incidents (s.repo, BS_INCIDENT_FILTER_OPEN, 0, 0, &error);
  g_assert_cmpuint (open->len, ==, 0);
  units = bs_repo_list_units (s.repo, &error);
  g_assert_cmpuint (units->len, ==, 120);
  for (guint i = 0; i < units->len; i++)
    {
      BcUnit *unit = g_ptr_array_index (units, i);
      const BsScenarioStation *station = bs_scenario_find_station (s.scenario,
                                                                   bc_unit_get_station (unit),
                                                                   NULL);
      const BsRoadNode *node = bs_road_graph_get_node (s.scenario->roads, station->node);

      g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_AVAILABLE);
      g_assert_cmpfloat (bc_geo_distance_m (bc_unit_get_lat (unit), bc_unit_get_lon (unit),
                                            node->lat, node->lon), <, 0.01);
      g_assert_cmpint (bc_unit_get_position_at (unit), ==, bs_simulator_get_run_start (s.sim));
    }

  /* Consoles are told to reload. */
  events = read_events (s.store, seq);
  last = g_ptr_array_index (events, events->len - 1);
  g_assert_cmpstr (last->type, ==, BC_EVENT_SIM_STATE);
  state = json_from_string (last->data, NULL);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (state), "reset"));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (state), "run"), ==, 1);

  /* The script starts again (its first incident is at 45 s) and numbering starts again on
   * the new day. */
  bs_simulator_step (s.sim, 50 * 1000 / BS_SIMULATOR_TICK_MS);
  created = bs_repo_list_incidents (s.repo, BS_INCIDENT_FILTER_OPEN, 0, 0, &error);
  g_assert_cmpuint (created->len, >=, 1);
  g_assert_cmpstr (bc_incident_get_number (g_ptr_array_index (created, created->len - 1)), ==,
                   "JQ202611250001");
  {
    gboolean scripted = FALSE;

    for (guint i = 0; i < created->len; i++)
      scripted |= g_strcmp0 (bc_incident_get_address (g_ptr_array_index (created, i)),
                             "荆门站") == 0;
    g_assert_true (scripted);
  }

  sim_close (&s);
}

static void
test_inject (void)
{
  Sim s = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(BcIncident) outside = NULL;
  const BsRoadNode *node;
  guint index;

  sim_open (&s, 5, NULL);
  incident = bs_simulator_inject (s.sim, BC_INCIDENT_TYPE_FIRE, 1, 31.0401, 112.2101, "冒烟",
                                  &error);
  g_assert_no_error (error);
  index = bs_road_graph_nearest_node (s.scenario->roads, 31.0401, 112.2101, NULL);
  node = bs_road_graph_get_node (s.scenario->roads, index);
  g_assert_cmpfloat (bc_incident_get_lat (incident), ==, node->lat);
  g_assert_cmpfloat (bc_incident_get_lon (incident), ==, node->lon);
  g_assert_cmpint (bc_incident_get_incident_type (incident), ==, BC_INCIDENT_TYPE_FIRE);
  g_assert_cmpint (bc_incident_get_priority (incident), ==, 1);
  g_assert_cmpint (bc_incident_get_status (incident), ==, BC_INCIDENT_STATUS_NEW);
  g_assert_true (g_str_has_suffix (bc_incident_get_address (incident), "附近"));
  g_assert_cmpint (bc_incident_get_created_at (incident), ==, bs_simulator_get_clock (s.sim));

  outside = bs_simulator_inject (s.sim, BC_INCIDENT_TYPE_FIRE, 1, 30.5, 112.2, NULL, &error);
  g_assert_null (outside);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);

  sim_close (&s);
}

/* ---- The report ----------------------------------------------------------------------------- */

#define T0 G_GINT64_CONSTANT (1795482000000000)  /* 2026-11-24 09:00 in China */
#define S(x) ((gint64) (x) * G_USEC_PER_SEC)

static BcIncident *
made_incident (gint64          id,
               int             priority,
               gint64          dispatched,
               gint64          on_scene,
               gint64          closed,
               BcIncidentStatus status)
{
  BcIncident *incident = bc_incident_new ();
  g_autofree char *number = g_strdup_printf ("JQ20261124%04" G_GINT64_FORMAT, id);

  bc_incident_set_id (incident, id);
  bc_incident_set_number (incident, number);
  bc_incident_set_incident_type (incident, BC_INCIDENT_TYPE_TRAFFIC);
  bc_incident_set_priority (incident, priority);
  bc_incident_set_status (incident, status);
  bc_incident_set_location (incident, 31.03, 112.2);
  bc_incident_set_address (incident, id == 1 ? "象山大道, \"北\"口" : "白庙路");
  bc_incident_set_created_at (incident, T0);
  if (dispatched >= 0)
    bc_incident_set_dispatched_at (incident, T0 + S (dispatched));
  if (on_scene >= 0)
    bc_incident_set_on_scene_at (incident, T0 + S (on_scene));
  if (closed >= 0 && status == BC_INCIDENT_STATUS_CLOSED)
    bc_incident_set_closed_at (incident, T0 + S (closed));
  if (closed >= 0 && status == BC_INCIDENT_STATUS_CANCELLED)
    bc_incident_set_cancelled_at (incident, T0 + S (closed));
  if (status == BC_INCIDENT_STATUS_CLOSED)
    bc_incident_set_disposition (incident, "resolved");
  return incident;
}

static BsReport *
made_report (void)
{
  g_autoptr(GPtrArray) incidents = g_ptr_array_new_with_free_func (g_object_unref);

  /* P1 in time everywhere */
  g_ptr_array_add (incidents, made_incident (1, 1, 45, 300, 900, BC_INCIDENT_STATUS_CLOSED));
  /* P2 late twice (targets 180 s and 900 s) */
  g_ptr_array_add (incidents, made_incident (2, 2, 200, 1000, -1, BC_INCIDENT_STATUS_ON_SCENE));
  /* P4 waiting, still within its targets (1800 s, 3600 s) at the end (1000 s) */
  g_ptr_array_add (incidents, made_incident (3, 4, -1, -1, -1, BC_INCIDENT_STATUS_NEW));
  /* P3 cancelled before anyone went */
  g_ptr_array_add (incidents, made_incident (4, 3, -1, -1, 100, BC_INCIDENT_STATUS_CANCELLED));
  /* P1 never dispatched: both targets (60 s, 480 s) passed by the end */
  g_ptr_array_add (incidents, made_incident (5, 1, -1, -1, -1, BC_INCIDENT_STATUS_NEW));

  return bs_report_new ("测试", "训练数据", T0, T0 + S (1000), incidents);
}

static void
test_report_csv (void)
{
  g_autoptr(BsReport) report = made_report ();
  g_autofree char *csv = bs_report_to_csv (report);
  g_auto(GStrv) lines = g_strsplit (csv, "\r\n", -1);
  const BsReportTotals *all = bs_report_get_totals (report, 0);

  /* a header, a row per incident, and the final line end */
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 5 + 1);
  g_assert_cmpstr (lines[0], ==,
                   "number,type,priority,status,address,created_at,dispatched_at,on_scene_at,"
                   "closed_at,dispatch_s,dispatch_target_s,dispatch,arrival_s,arrival_target_s,"
                   "arrival,close_s,units,disposition");
  g_assert_cmpstr (lines[1], ==,
                   "JQ202611240001,traffic,1,closed,\"象山大道, \"\"北\"\"口\","
                   "2026-11-24T01:00:00.000Z,2026-11-24T01:00:45.000Z,2026-11-24T01:05:00.000Z,"
                   "2026-11-24T01:15:00.000Z,45.0,60.0,met,300.0,480.0,met,900.0,0,resolved");
  g_assert_cmpstr (lines[2], ==,
                   "JQ202611240002,traffic,2,on_scene,白庙路,2026-11-24T01:00:00.000Z,"
                   "2026-11-24T01:03:20.000Z,2026-11-24T01:16:40.000Z,,200.0,180.0,missed,"
                   "1000.0,900.0,missed,,0,");
  g_assert_true (g_str_has_suffix (lines[3], ",,1800.0,pending,,3600.0,pending,,0,"));
  g_assert_true (g_str_has_suffix (lines[4], ",,600.0,n/a,,1800.0,n/a,100.0,0,"));
  g_assert_true (g_str_has_suffix (lines[5], ",,60.0,missed,,480.0,missed,,0,"));

  g_assert_cmpuint (all->n_incidents, ==, 5);
  g_assert_cmpuint (all->n_dispatch_met, ==, 1);
  g_assert_cmpuint (all->n_dispatch_missed, ==, 2);
  g_assert_cmpuint (all->n_arrival_met, ==, 1);
  g_assert_cmpuint (all->n_arrival_missed, ==, 2);
  g_assert_cmpfloat_with_epsilon (all->mean_dispatch_s, (45 + 200) / 2.0, 1e-9);
  g_assert_cmpuint (bs_report_get_totals (report, 1)->n_incidents, ==, 2);
  /* Met P1 ×2 (weight 4 each) out of P1 ×4 and P2 ×2 (weight 3): 8 / 22 */
  g_assert_cmpfloat_with_epsilon (bs_report_get_score (report), 100.0 * 8 / 22, 1e-9);
}

static void
test_report_pdf (void)
{
  g_autoptr(BsReport) report = made_report ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("beacon-report-XXXXXX", &error);
  g_autofree char *pdf = g_build_filename (dir, "report.pdf", NULL);
  g_autofree char *png = g_build_filename (dir, "report-1.png", NULL);
  g_autofree char *prefix = g_build_filename (dir, "report", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *pdftoppm = g_find_program_in_path ("pdftoppm");
  gsize length;

  g_assert_no_error (error);
  g_assert_true (bs_report_write_pdf (report, pdf, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (pdf, &contents, &length, &error));
  g_assert_cmpuint (length, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));

  if (pdftoppm != NULL)
    {
      const char *argv[] = { pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", pdf, prefix,
                             NULL };
      g_autofree char *png_data = NULL;
      g_autofree char *keep = g_test_build_filename (G_TEST_BUILT, "after-action-report.png",
                                                     NULL);
      int status;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                                   NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_assert_true (g_file_get_contents (png, &png_data, &length, &error));
      g_assert_cmpuint (length, >, 1000);
      g_assert_true (memcmp (png_data, "\x89PNG", 4) == 0);
      /* Kept in the build directory for a person to look at. */
      g_file_set_contents (keep, png_data, (gssize) length, NULL);
      g_remove (png);
    }
  else
    {
      g_test_message ("pdftoppm not found: the PDF was not rasterised");
    }

  g_remove (pdf);
  g_rmdir (dir);
}

/* ---- HTTP, through a demo server in its own thread ------------------------------------------ */

typedef struct
{
  char          *scenario_path;
  GThread       *thread;
  GMainContext  *context;
  GMainLoop     *loop;
  BsDemo        *demo;
  GMutex         lock;
  GCond          cond;
  gboolean       ready;
  char          *error;
  ServerFixture  http;   /* only base_uri and session are used */
} DemoThread;

static gpointer
demo_thread_main (gpointer data)
{
  DemoThread *d = data;
  g_autoptr(GError) error = NULL;
  /* No history: these tests look at the simulator, not at statistics. */
  BsDemoOptions options = { d->scenario_path, 1, 99, NULL, NULL, TRUE, FALSE, TRUE, 0, 0 };

  /* As the console does it: a context of its own, pushed for the thread. */
  g_main_context_push_thread_default (d->context);
  d->demo = bs_demo_start (&options, &error);

  g_mutex_lock (&d->lock);
  if (d->demo == NULL)
    d->error = g_strdup (error->message);
  else
    d->http.base_uri = g_strdup (bs_demo_get_base_uri (d->demo));
  d->ready = TRUE;
  g_cond_signal (&d->cond);
  g_mutex_unlock (&d->lock);

  if (d->demo != NULL)
    g_main_loop_run (d->loop);
  g_clear_object (&d->demo);
  g_main_context_pop_thread_default (d->context);
  return NULL;
}

static gboolean
quit_demo_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_http_control (void)
{
  DemoThread d = { 0, };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("beacon-demo-test-XXXXXX", &error);
  g_autofree char *trainer = NULL;
  g_autofree char *dispatcher_token = NULL;
  g_autofree char *supervisor = NULL;
  guint n_accounts;
  const BsDemoAccount *accounts = bs_demo_get_accounts (&n_accounts);

  d.scenario_path = write_scenario (dir, NULL);
  d.context = g_main_context_new ();
  d.loop = g_main_loop_new (d.context, FALSE);
  g_mutex_init (&d.lock);
  g_cond_init (&d.cond);
  d.thread = g_thread_new ("demo", demo_thread_main, &d);
  g_mutex_lock (&d.lock);
  while (!d.ready)
    g_cond_wait (&d.cond, &d.lock);
  g_mutex_unlock (&d.lock);
  if (d.error != NULL)
    g_error ("the demo did not start: %s", d.error);
  d.http.session = soup_session_new_with_options ("timeout", 60, "proxy-resolver", NULL, NULL);

  g_assert_cmpuint (n_accounts, ==, 3);
  g_assert_true (g_str_has_prefix (d.http.base_uri, "http://127.0.0.1:"));
  trainer = fixture_login (&d.http, "trainer", "demo-trainer");
  dispatcher_token = fixture_login (&d.http, accounts[0].username, accounts[0].password);
  supervisor = fixture_login (&d.http, "supervisor", "demo-supervisor");

  {
    g_autoptr(TestReply) state = fixture_http (&d.http, "GET", "/api/v1/sim/state",
                                               dispatcher_token, NULL, NULL);
    assert_reply (state, 200, NULL);
    g_assert_false (json_object_get_boolean_member (test_reply_object (state), "playing"));
    g_assert_cmpint (json_object_get_int_member (test_reply_object (state), "seed"), ==, 99);
    g_assert_nonnull (strstr (json_object_get_string_member (test_reply_object (state), "notice"),
                              "训练数据"));
  }
  {
    g_autoptr(TestReply) r = fixture_http (&d.http, "POST", "/api/v1/sim/control",
                                           dispatcher_token, "{\"action\":\"play\"}", NULL);
    assert_reply (r, 403, "forbidden");
  }
  {
    g_autoptr(TestReply) r = fixture_http (&d.http, "POST", "/api/v1/sim/control", trainer,
                                           "{\"action\":\"play\"}", NULL);
    assert_reply (r, 200, NULL);
    g_assert_true (json_object_get_boolean_member (test_reply_object (r), "playing"));
  }
  {
    g_autoptr(TestReply) bad = fixture_http (&d.http, "POST", "/api/v1/sim/control", trainer,
                                             "{\"action\":\"speed\",\"speed\":7}", NULL);
    g_autoptr(TestReply) good = fixture_http (&d.http, "POST", "/api/v1/sim/control", trainer,
                                              "{\"action\":\"speed\",\"speed\":30}", NULL);
    g_autoptr(TestReply) unknown = fixture_http (&d.http, "POST", "/api/v1/sim/control", trainer,
                                                 "{\"action\":\"fly\"}", NULL);
    g_autoptr(TestReply) extra = fixture_http (&d.http, "POST", "/api/v1/sim/control", trainer,
                                               "{\"action\":\"play\",\"bogus\":1}", NULL);

    assert_reply (bad, 422, "invalid_value");
    assert_reply (good, 200, NULL);
    g_assert_cmpint (json_object_get_int_member (test_reply_object (good), "speed"), ==, 30);
    assert_reply (unknown, 422, "invalid_value");
    assert_reply (extra, 400, "invalid_field");
  }
  {
    g_autoptr(TestReply) r = fixture_http (&d.http, "POST", "/api/v1/sim/control", trainer,
                                           "{\"action\":\"inject\",\"type\":\"fire\","
                                           "\"priority\":1,\"lat\":31.0401,\"lon\":112.2101,"
                                           "\"description\":\"冒烟\"}", NULL);
    g_autoptr(TestReply) outside = fixture_http (&d.http, "POST", "/api/v1/sim/control", trainer,
                                                 "{\"action\":\"inject\",\"type\":\"fire\","
                                                 "\"priority\":1,\"lat\":30.5,\"lon\":112.2}",
                                                 NULL);
    assert_reply (r, 201, NULL);
    g_assert_cmpstr (json_object_get_string_member (test_reply_object (r), "type"), ==, "fire");
    assert_reply (outside, 422, "invalid_value");
  }
  {
    g_autoptr(TestReply) csv = fixture_http (&d.http, "GET", "/api/v1/sim/report?format=csv",
                                             supervisor, NULL, NULL);
    g_autoptr(TestReply) pdf = fixture_http (&d.http, "GET", "/api/v1/sim/report?format=pdf",
                                             trainer, NULL, NULL);
    g_autoptr(TestReply) json = fixture_http (&d.http, "GET", "/api/v1/sim/report", trainer,
                                              NULL, NULL);
    g_autoptr(TestReply) xml = fixture_http (&d.http, "GET", "/api/v1/sim/report?format=xml",
                                             trainer, NULL, NULL);

    assert_reply (csv, 200, NULL);
    g_assert_true (g_str_has_prefix (test_reply_header (csv, "Content-Type"), "text/csv"));
    g_assert_true (g_str_has_prefix (g_bytes_get_data (csv->body, NULL), "number,type,"));
    assert_reply (pdf, 200, NULL);
    g_assert_cmpstr (test_reply_header (pdf, "Content-Type"), ==, "application/pdf");
    g_assert_true (memcmp (g_bytes_get_data (pdf->body, NULL), "%PDF-", 5) == 0);
    assert_reply (json, 200, NULL);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        test_reply_object (json), "incidents")), >=, 1);
    assert_reply (xml, 400, "invalid_parameter");
  }
  {
    g_autoptr(TestReply) r = fixture_http (&d.http, "POST", "/api/v1/sim/control", trainer,
                                           "{\"action\":\"reset\"}", NULL);
    g_autoptr(TestReply) audit = fixture_http (&d.http, "GET", "/api/v1/audit?limit=1000",
                                               supervisor, NULL, NULL);
    g_autofree char *audit_text = NULL;

    assert_reply (r, 200, NULL);
    g_assert_cmpint (json_object_get_int_member (test_reply_object (r), "run"), ==, 1);
    g_assert_false (json_object_get_boolean_member (test_reply_object (r), "playing"));
    /* The trainer's control of the exercise is audited. */
    assert_reply (audit, 200, NULL);
    audit_text = g_strndup (g_bytes_get_data (audit->body, NULL), g_bytes_get_size (audit->body));
    g_assert_nonnull (strstr (audit_text, "sim.reset"));
    g_assert_nonnull (strstr (audit_text, "sim.inject"));
  }

  g_main_context_invoke (d.context, quit_demo_loop, d.loop);
  g_thread_join (d.thread);
  g_clear_object (&d.http.session);
  g_free (d.http.base_uri);
  g_main_loop_unref (d.loop);
  g_main_context_unref (d.context);
  g_mutex_clear (&d.lock);
  g_cond_clear (&d.cond);
  g_free (d.error);
  g_remove (d.scenario_path);
  g_free (d.scenario_path);
  g_rmdir (dir);
}

/* ---- beacon-server --demo ------------------------------------------------------------------- */

static char *
read_line (GDataInputStream *in)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static void
test_cli_demo (void)
{
  const char *server = g_getenv ("BEACON_SERVER");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("beacon-cli-demo-XXXXXX", &error);
  g_autofree char *scenario = NULL;
  g_autofree char *db = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GString) printed = g_string_new (NULL);
  ServerFixture http = { 0, };

  if (server == NULL)
    {
      g_test_skip ("BEACON_SERVER is not set");
      return;
    }
  scenario = write_scenario (dir, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  process = g_subprocess_launcher_spawn (launcher, &error, server, "--demo", scenario,
                                         "--listen", "127.0.0.1:0", "--speed", "10", "--seed",
                                         "5", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  /* It says where it listens, where its database is, and the demo accounts. */
  while (http.base_uri == NULL || db == NULL || !strstr (printed->str, "trainer"))
    {
      g_autofree char *line = read_line (out);

      g_string_append_printf (printed, "%s\n", line);
      if (g_str_has_prefix (line, "Server: "))
        http.base_uri = g_strdup (line + strlen ("Server: "));
      else if (g_str_has_prefix (line, "Database: "))
        db = g_strndup (line + strlen ("Database: "), strcspn (line + strlen ("Database: "), " "));
    }
  g_assert_nonnull (strstr (printed->str, "TRAINING DATA"));
  g_assert_nonnull (strstr (printed->str, "demo-dispatcher"));
  g_assert_nonnull (strstr (printed->str, "Speed 10×, seed 5, playing"));
  g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));

  http.session = soup_session_new_with_options ("timeout", 60, "proxy-resolver", NULL, NULL);
  token = fixture_login (&http, "trainer", "demo-trainer");
  {
    g_autoptr(TestReply) state = fixture_http (&http, "GET", "/api/v1/sim/state", token, NULL,
                                               NULL);
    assert_reply (state, 200, NULL);
    g_assert_true (json_object_get_boolean_member (test_reply_object (state), "playing"));
    g_assert_cmpint (json_object_get_int_member (test_reply_object (state), "speed"), ==, 10);
  }

  /* SIGTERM: a clean stop, and the temporary database is gone. */
  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));

  g_clear_object (&http.session);
  g_free (http.base_uri);
  g_remove (scenario);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/simulator/determinism/same-seed", test_determinism_same_seed);
  g_test_add_func ("/simulator/determinism/other-seed", test_determinism_other_seed);
  g_test_add_func ("/simulator/units/stay-on-roads", test_units_stay_on_roads);
  g_test_add_func ("/simulator/order/ack-drive-arrive-clear", test_order_lifecycle);
  g_test_add_func ("/simulator/order/refused", test_order_refused);
  g_test_add_func ("/simulator/units/return-to-station", test_return_to_station);
  g_test_add_func ("/simulator/clock/pause-stops", test_pause_stops);
  g_test_add_func ("/simulator/clock/speed-changes-rate", test_speed_changes_rate);
  g_test_add_func ("/simulator/start/cameras-without-events", test_start_cameras_without_events);
  g_test_add_func ("/simulator/control/reset", test_reset);
  g_test_add_func ("/simulator/control/inject-at-nearest-node", test_inject);
  g_test_add_func ("/simulator/report/csv", test_report_csv);
  g_test_add_func ("/simulator/report/pdf-renders", test_report_pdf);
  g_test_add_func ("/simulator/http/control-state-report", test_http_control);
  g_test_add_func ("/simulator/cli/demo", test_cli_demo);

  return g_test_run ();
}
