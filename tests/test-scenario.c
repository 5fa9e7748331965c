/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include "bc-model.h"
#include "bs-road-graph.h"
#include "bs-scenario.h"

/* Scenario files (bs-scenario.c) and the road graph (bs-road-graph.c): the shipped training
 * scenario loads and is sound, and broken scenarios are refused with the place of the
 * problem. */

/* 2026-11-24 12:00 UTC (20:00 in China) */
#define NOW G_GINT64_CONSTANT (1795521600000000)

static char *
shipped_scenario_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "data", "scenarios", "jingmen-training.json",
                                NULL);
}

/* A small valid scenario: a 3 × 3 grid of streets, 500 m apart. */
static const char base_scenario[] =
  "{"
  " \"name\": \"测试场景\","
  " \"notice\": \"训练数据 training data\","
  " \"area\": {\"min_lat\": 30.99, \"min_lon\": 112.19, \"max_lat\": 31.02, \"max_lon\": 112.22},"
  " \"start_time\": \"2026-11-24T09:00:00+08:00\","
  " \"duration_s\": 3600,"
  " \"roads\": {"
  "  \"nodes\": ["
  "   {\"id\": 1, \"lat\": 31.000, \"lon\": 112.200}, {\"id\": 2, \"lat\": 31.000, \"lon\": 112.205},"
  "   {\"id\": 3, \"lat\": 31.000, \"lon\": 112.210}, {\"id\": 4, \"lat\": 31.005, \"lon\": 112.200},"
  "   {\"id\": 5, \"lat\": 31.005, \"lon\": 112.205}, {\"id\": 6, \"lat\": 31.005, \"lon\": 112.210},"
  "   {\"id\": 7, \"lat\": 31.010, \"lon\": 112.200}, {\"id\": 8, \"lat\": 31.010, \"lon\": 112.205},"
  "   {\"id\": 9, \"lat\": 31.010, \"lon\": 112.210}],"
  "  \"edges\": ["
  "   {\"from\": 1, \"to\": 2, \"name\": \"南街\", \"class\": \"arterial\", \"speed_kmh\": 60},"
  "   {\"from\": 2, \"to\": 3, \"name\": \"南街\", \"class\": \"arterial\", \"speed_kmh\": 60},"
  "   {\"from\": 4, \"to\": 5, \"name\": \"中街\", \"class\": \"local\", \"speed_kmh\": 20},"
  "   {\"from\": 5, \"to\": 6, \"name\": \"中街\", \"class\": \"local\", \"speed_kmh\": 20},"
  "   {\"from\": 7, \"to\": 8, \"name\": \"北街\", \"class\": \"local\", \"speed_kmh\": 30},"
  "   {\"from\": 8, \"to\": 9, \"name\": \"北街\", \"class\": \"local\", \"speed_kmh\": 30},"
  "   {\"from\": 1, \"to\": 4, \"name\": \"西路\", \"class\": \"arterial\", \"speed_kmh\": 60},"
  "   {\"from\": 4, \"to\": 7, \"name\": \"西路\", \"class\": \"arterial\", \"speed_kmh\": 60},"
  "   {\"from\": 2, \"to\": 5, \"name\": \"中路\", \"class\": \"local\", \"speed_kmh\": 30},"
  "   {\"from\": 5, \"to\": 8, \"name\": \"中路\", \"class\": \"local\", \"speed_kmh\": 30},"
  "   {\"from\": 3, \"to\": 6, \"name\": \"东路\", \"class\": \"arterial\", \"speed_kmh\": 60},"
  "   {\"from\": 6, \"to\": 9, \"name\": \"东路\", \"class\": \"arterial\", \"speed_kmh\": 60}],"
  "  \"landmarks\": [{\"name\": \"测试广场\", \"kind\": \"square\", \"lat\": 31.0052,"
  "                  \"lon\": 112.2051}]"
  " },"
  " \"stations\": ["
  "  {\"id\": \"one\", \"name\": \"测试一所\", \"division\": \"420802\", \"lat\": 31.0001,"
  "   \"lon\": 112.2001},"
  "  {\"id\": \"two\", \"name\": \"测试二所\", \"division\": \"420804\", \"lat\": 31.0099,"
  "   \"lon\": 112.2099}],"
  " \"units\": ["
  "  {\"call_sign\": \"测试巡01\", \"kind\": \"patrol_car\", \"station\": \"one\"},"
  "  {\"call_sign\": \"测试巡02\", \"kind\": \"patrol_car\", \"station\": \"测试二所\"},"
  "  {\"call_sign\": \"测试摩01\", \"kind\": \"motorcycle\", \"station\": \"one\"},"
  "  {\"call_sign\": \"测试步01\", \"kind\": \"foot\", \"station\": \"two\"}],"
  " \"cameras\": {"
  "  \"list\": [{\"id\": \"42080201001320000999\", \"name\": \"测试路口\", \"lat\": 31.0,"
  "            \"lon\": 112.2, \"kind\": \"dome\", \"online\": true}],"
  "  \"generate\": {\"count\": 20, \"seed\": 3}"
  " },"
  " \"incidents\": ["
  "  {\"at_s\": 20, \"type\": \"dispute\", \"priority\": 3, \"place\": {\"landmark\": \"测试广场\"}},"
  "  {\"at_s\": 10, \"type\": \"traffic\", \"priority\": 2, \"place\": {\"node\": 5},"
  "   \"caller\": {\"name\": \"张先生\", \"phone\": \"13900000001\"}, \"description\": \"追尾\"}],"
  " \"random_incidents\": {"
  "  \"per_hour\": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"
  "  \"mix\": [{\"type\": \"traffic\", \"weight\": 1, \"priorities\": [1, 1, 1, 1]}]"
  " },"
  " \"behaviour\": {\"ack_delay_s\": [5, 10], \"on_scene_s\": {\"default\": [60, 120]}}"
  "}";

/* ---- Patching the base scenario ------------------------------------------------------------- */

/* Sets (or with @value NULL removes) the member at @path, e.g. "units[1].station" or
 * "roads.nodes[+]" (append). */
static void
patch (JsonNode   *root,
       const char *path,
       const char *value)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = root;
  guint n = g_strv_length (parts);
  g_autoptr(JsonNode) replacement = NULL;

  if (value != NULL)
    {
      g_autoptr(GError) error = NULL;
      replacement = json_from_string (value, &error);
      g_assert_no_error (error);
    }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = NULL;
      const char *bracket = strchr (parts[i], '[');
      gboolean last = i + 1 == n;
      JsonObject *object = json_node_get_object (node);

      name = bracket != NULL ? g_strndup (parts[i], bracket - parts[i]) : g_strdup (parts[i]);
      if (bracket == NULL)
        {
          if (last)
            {
              if (replacement == NULL)
                json_object_remove_member (object, name);
              else
                json_object_set_member (object, name, json_node_copy (replacement));
              return;
            }
          node = json_object_get_member (object, name);
        }
      else
        {
          JsonArray *array = json_object_get_array_member (object, name);

          if (bracket[1] == '+')
            {
              g_assert_true (last);
              json_array_add_element (array, json_node_copy (replacement));
              return;
            }
          if (last)
            {
              guint index = (guint) g_ascii_strtoull (bracket + 1, NULL, 10);
              JsonArray *copy = json_array_new ();

              for (guint k = 0; k < json_array_get_length (array); k++)
                json_array_add_element (copy, json_node_copy (k == index
                                                              ? replacement
                                                              : json_array_get_element (array,
                                                                                        k)));
              json_object_set_array_member (object, name, copy);
              return;
            }
          node = json_array_get_element (array, (guint) g_ascii_strtoull (bracket + 1, NULL, 10));
        }
      g_assert_nonnull (node);
    }
}

static BsScenario *
load_patched (const char *const *patches,
              GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = json_from_string (base_scenario, &local_error);
  g_autofree char *text = NULL;

  g_assert_no_error (local_error);
  for (guint i = 0; patches != NULL && patches[i] != NULL; i += 2)
    patch (root, patches[i], patches[i + 1]);
  text = json_to_string (root, FALSE);
  return bs_scenario_load_from_data (text, -1, NULL, NOW, error);
}

/* ---- The base scenario itself --------------------------------------------------------------- */

static void
test_base_loads (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsScenario) s = load_patched (NULL, &error);
  const BsScenarioIncident *first;
  gint64 expected_start;

  g_assert_no_error (error);
  g_assert_cmpstr (s->name, ==, "测试场景");
  g_assert_cmpuint (s->stations->len, ==, 2);
  g_assert_cmpuint (s->units->len, ==, 4);
  g_assert_cmpuint (s->cameras->len, ==, 21);
  g_assert_cmpuint (bs_road_graph_get_n_nodes (s->roads), ==, 9);
  g_assert_cmpuint (bs_road_graph_get_n_edges (s->roads), ==, 12);
  g_assert_true (bc_time_parse ("2026-11-24T01:00:00Z", &expected_start, NULL));
  g_assert_cmpint (s->start_us, ==, expected_start);

  /* Units name their station by id or by name. */
  g_assert_cmpuint (g_array_index (s->units, BsScenarioUnit, 1).station, ==, 1);

  /* Sorted by time; a node place takes the node's position and the street as address. */
  g_assert_cmpuint (s->incidents->len, ==, 2);
  first = &g_array_index (s->incidents, BsScenarioIncident, 0);
  g_assert_cmpint (first->at_ms, ==, 10000);
  g_assert_cmpfloat_with_epsilon (first->lat, 31.005, 1e-9);
  g_assert_true (g_str_has_suffix (first->address, "附近"));
  g_assert_cmpstr (first->caller_phone, ==, "13900000001");
  g_assert_cmpstr (g_array_index (s->incidents, BsScenarioIncident, 1).address, ==, "测试广场");

  /* Behaviour: given values and defaults. */
  g_assert_cmpfloat (s->behaviour.ack_delay_s.min, ==, 5);
  g_assert_cmpfloat (s->behaviour.on_scene_s[BC_INCIDENT_TYPE_FIRE].max, ==, 120);
  g_assert_cmpfloat (s->behaviour.refuse_probability, ==, 0.03);
  g_assert_true (s->behaviour.patrol);
}

static void
test_start_time_of_day (void)
{
  const char *const patches[] = { "start_time", "\"09:30\"", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(BsScenario) s = load_patched (patches, &error);
  gint64 expected;

  g_assert_no_error (error);
  /* NOW is 20:00 on the 24th in China: "09:30" is that morning, 01:30 UTC. */
  g_assert_true (bc_time_parse ("2026-11-24T01:30:00Z", &expected, NULL));
  g_assert_cmpint (s->start_us, ==, expected);
  g_assert_cmpuint (bs_scenario_local_hour (expected), ==, 9);
}

/* ---- Broken scenarios ----------------------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *patches[7];
  int         code;
  const char *message;   /* exact, or a prefix when it ends in '*' */
} Broken;

static const Broken broken[] = {
  { "unknown-station", { "units[1].station", "\"龙泉所\"", NULL },
    BS_SCENARIO_ERROR_INVALID, "units[1] (测试巡02): unknown station \"龙泉所\"" },
  { "edge-to-missing-node", { "roads.edges[3].to", "9999", NULL },
    BS_SCENARIO_ERROR_INVALID, "roads.edges[3]: to node 9999 does not exist" },
  { "incident-outside-area", { "incidents[0].place", "{\"lat\": 30.1, \"lon\": 111.0}", NULL },
    BS_SCENARIO_ERROR_INVALID, "incidents[0]: location 30.1,111.0 is outside the scenario area" },
  { "unknown-type", { "incidents[1].type", "\"murder\"", NULL },
    BS_SCENARIO_ERROR_INVALID,
    "incidents[1]: unknown type \"murder\" (expected criminal, public_order, traffic, fire, "
    "rescue, dispute, suspicious or other)" },
  { "bad-priority", { "incidents[1].priority", "7", NULL },
    BS_SCENARIO_ERROR_INVALID, "incidents[1]: priority 7 is out of range (1 to 4)" },
  { "duplicate-call-sign", { "units[2].call_sign", "\"测试巡01\"", NULL },
    BS_SCENARIO_ERROR_INVALID, "units[2] (测试巡01): call sign is used twice (also units[0])" },
  { "disconnected-graph",
    { "roads.nodes[+]", "{\"id\": 99, \"lat\": 31.015, \"lon\": 112.215}",
      "roads.nodes[+]", "{\"id\": 100, \"lat\": 31.016, \"lon\": 112.216}",
      "roads.edges[+]", "{\"from\": 99, \"to\": 100, \"class\": \"local\", \"speed_kmh\": 30}",
      NULL },
    BS_SCENARIO_ERROR_INVALID,
    "roads: the road graph is not connected: node 99 cannot be reached from node 1 "
    "(2 separate parts)" },
  { "unknown-unit-kind", { "units[0].kind", "\"tank\"", NULL },
    BS_SCENARIO_ERROR_INVALID,
    "units[0] (测试巡01): unknown kind \"tank\" (expected patrol_car, motorcycle, foot, traffic "
    "or special)" },
  { "per-hour-not-24", { "random_incidents.per_hour", "[1, 2, 3]", NULL },
    BS_SCENARIO_ERROR_INVALID,
    "random_incidents.per_hour: expected 24 numbers (one per hour of the day, 0 to 23 China "
    "Standard Time), got 3" },
  { "inverted-range", { "behaviour.ack_delay_s", "[40, 5]", NULL },
    BS_SCENARIO_ERROR_INVALID, "behaviour.ack_delay_s: minimum 40 is above maximum 5" },
  { "duplicate-node-id", { "roads.nodes[4].id", "1", NULL },
    BS_SCENARIO_ERROR_INVALID, "roads.nodes[4]: node id 1 is used twice" },
  { "bad-start-time", { "start_time", "\"8 o'clock\"", NULL },
    BS_SCENARIO_ERROR_INVALID,
    "start_time: \"8 o'clock\" is neither an RFC 3339 time nor HH:MM" },
  { "unknown-landmark", { "incidents[0].place", "{\"landmark\": \"火星\"}", NULL },
    BS_SCENARIO_ERROR_INVALID, "incidents[0]: unknown landmark \"火星\"" },
  { "unknown-node", { "incidents[1].place", "{\"node\": 42}", NULL },
    BS_SCENARIO_ERROR_INVALID, "incidents[1]: road node 42 does not exist" },
  { "misspelt-member", { "behavior", "{}", NULL },
    BS_SCENARIO_ERROR_INVALID,
    "behavior: unknown member (expected one of: name, notice, area, start_time, duration_s, "
    "roads, landmarks, stations, units, cameras, incidents, random_incidents, behaviour)" },
  { "bad-camera-code", { "cameras.list[0].id", "\"123\"", NULL },
    BS_SCENARIO_ERROR_INVALID, "cameras.list[0]: id: \"123\" is not a 20-digit GB/T 28181 code" },
  { "station-far-from-roads", { "stations[1].lat", "31.0199", "stations[1].lon", "112.2199",
                                NULL },
    BS_SCENARIO_ERROR_INVALID,
    "stations[1] (测试二所): location 31.0199,112.2199 is 1.4 km from the nearest road (at most "
    "1000 m)" },
  { "inverted-area", { "area.min_lat", "31.1", NULL },
    BS_SCENARIO_ERROR_INVALID, "area: min_lat 31.1 is not below max_lat 31.02" },
  { "bad-caller-phone", { "incidents[1].caller.phone", "\"call me\"", NULL },
    BS_SCENARIO_ERROR_INVALID, "incidents[1]: caller.phone: *" },
  { "missing-notice", { "notice", NULL, NULL },
    BS_SCENARIO_ERROR_INVALID, "notice: is required" },
  { "negative-rate", { "random_incidents.per_hour[5]", "-1", NULL },
    BS_SCENARIO_ERROR_INVALID,
    "random_incidents.per_hour[5]: -1 is out of range (0 to 3600)" },
  { "refuse-probability", { "behaviour.refuse_probability", "1.5", NULL },
    BS_SCENARIO_ERROR_INVALID, "behaviour.refuse_probability: 1.5 is out of range (0 to 1)" },
  { "incident-after-end", { "incidents[0].at_s", "4000", NULL },
    BS_SCENARIO_ERROR_INVALID,
    "incidents[0]: at_s 4000 is after the end of the scenario (duration_s 3600)" },
  { "missing-include", { "roads", "{\"include\": \"no-such-basemap.json\"}", NULL },
    BS_SCENARIO_ERROR_READ, "roads.include: cannot read no-such-basemap.json: *" },
  { "speed-zero", { "roads.edges[0].speed_kmh", "0", NULL },
    BS_SCENARIO_ERROR_INVALID, "roads.edges[0].speed_kmh: 0 is out of range (1 to 200)" },
};

static void
test_broken (gconstpointer data)
{
  const Broken *b = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BsScenario) s = load_patched (b->patches, &error);
  gsize n = strlen (b->message);

  g_assert_null (s);
  g_assert_error (error, BS_SCENARIO_ERROR, b->code);
  if (b->message[n - 1] == '*')
    {
      if (strncmp (error->message, b->message, n - 1) != 0)
        g_error ("expected a message starting “%.*s”, got “%s”", (int) n - 1, b->message,
                 error->message);
    }
  else
    {
      g_assert_cmpstr (error->message, ==, b->message);
    }
}

static void
test_not_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsScenario) s = bs_scenario_load_from_data ("{\"name\": ", -1, NULL, NOW, &error);

  g_assert_null (s);
  g_assert_error (error, BS_SCENARIO_ERROR, BS_SCENARIO_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "not JSON: "));
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsScenario) s = bs_scenario_load ("/nonexistent/scenario.json", NOW, &error);

  g_assert_null (s);
  g_assert_error (error, BS_SCENARIO_ERROR, BS_SCENARIO_ERROR_READ);
}

/* ---- The shipped scenario ------------------------------------------------------------------- */

static BsScenario *
load_shipped (void)
{
  g_autofree char *path = shipped_scenario_path ();
  g_autoptr(GError) error = NULL;
  BsScenario *s = bs_scenario_load (path, NOW, &error);

  g_assert_no_error (error);
  return s;
}

static void
test_shipped_validates (void)
{
  g_autoptr(BsScenario) s = load_shipped ();
  guint kinds[BS_N_UNIT_KINDS_SIM] = { 0, };
  double total_rate = 0;

  g_assert_nonnull (strstr (s->notice, "训练数据"));
  g_assert_nonnull (strstr (s->notice, "TRAINING DATA"));
  g_assert_cmpuint (s->stations->len, >=, 8);
  g_assert_cmpuint (s->stations->len, <=, 12);
  g_assert_cmpuint (s->units->len, ==, 120);
  for (guint i = 0; i < s->units->len; i++)
    kinds[g_array_index (s->units, BsScenarioUnit, i).kind]++;
  /* Patrol cars are the majority, and every kind is there. */
  g_assert_cmpuint (kinds[BC_UNIT_KIND_PATROL_CAR] * 2, >, s->units->len);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    g_assert_cmpuint (kinds[k], >, 0);

  g_assert_cmpuint (s->cameras->len, ==, 20000);
  g_assert_cmpuint (s->duration_s, ==, 7200);
  g_assert_cmpuint (s->incidents->len, >=, 20);
  g_assert_cmpuint (s->incidents->len, <=, 30);
  g_assert_cmpint (g_array_index (s->incidents, BsScenarioIncident, s->incidents->len - 1).at_ms,
                   <=, 7200 * 1000);
  for (guint h = 0; h < 24; h++)
    total_rate += s->random_per_hour[h];
  g_assert_cmpfloat (total_rate, >, 0);
  g_assert_cmpuint (s->random_mix->len, >=, 5);

  /* Stations take real place names from the basemap. */
  g_assert_nonnull (bs_scenario_find_station (s, "龙泉派出所", NULL));
  g_assert_nonnull (bs_scenario_find_station (s, "掇刀派出所", NULL));
}

static void
test_shipped_roads_connected (void)
{
  g_autoptr(BsScenario) s = load_shipped ();
  g_autofree guint *components = NULL;

  g_assert_cmpuint (bs_road_graph_get_n_nodes (s->roads), >, 500);
  g_assert_cmpuint (bs_road_graph_components (s->roads, &components), ==, 1);

  /* Every station and scripted incident is near a road and on the graph. */
  for (guint i = 0; i < s->stations->len; i++)
    {
      const BsScenarioStation *st = &g_array_index (s->stations, BsScenarioStation, i);
      double d;

      bs_road_graph_nearest_edge (s->roads, st->lat, st->lon, &d);
      g_assert_cmpfloat (d, <, 1000);
    }
}

static void
test_shipped_cameras (void)
{
  g_autoptr(BsScenario) a = load_shipped ();
  g_autoptr(BsScenario) b = load_shipped ();
  g_autoptr(GHashTable) codes = g_hash_table_new (g_str_hash, g_str_equal);
  guint kinds[3] = { 0, };
  guint online = 0;

  for (guint i = 0; i < a->cameras->len; i++)
    {
      BcCamera *c = g_ptr_array_index (a->cameras, i);
      BcCamera *same = g_ptr_array_index (b->cameras, i);
      g_autoptr(GError) error = NULL;
      double d;

      /* valid, unique, generated the same way every time */
      g_assert_true (bc_camera_code_is_valid (c->id, &error));
      g_assert_true (g_str_has_prefix (c->id, "4208"));
      g_assert_true (g_hash_table_add (codes, c->id));
      g_assert_cmpstr (c->id, ==, same->id);
      g_assert_cmpfloat (c->lat, ==, same->lat);
      g_assert_cmpstr (c->name, ==, same->name);
      g_assert_nonnull (c->station);

      /* along the streets, inside the area */
      g_assert_true (bc_geo_bounds_contains (&a->area, c->lat, c->lon));
      if (i % 50 == 0)
        {
          bs_road_graph_nearest_edge (a->roads, c->lat, c->lon, &d);
          g_assert_cmpfloat (d, <, 1.0);
        }
      kinds[c->kind]++;
      online += c->online;
    }

  /* dome 3 : bullet 6 : checkpoint 1, 97 % online (with sampling tolerance) */
  g_assert_cmpuint (kinds[BC_CAMERA_KIND_BULLET], >, 11000);
  g_assert_cmpuint (kinds[BC_CAMERA_KIND_BULLET], <, 13000);
  g_assert_cmpuint (kinds[BC_CAMERA_KIND_CHECKPOINT], >, 1500);
  g_assert_cmpuint (kinds[BC_CAMERA_KIND_CHECKPOINT], <, 2500);
  g_assert_cmpuint (online, >, 19200);
  g_assert_cmpuint (online, <, 19700);
}

/* ---- The road graph ------------------------------------------------------------------------- */

/* Bellman-Ford, to check A* against on the real graph. */
static double
reference_time (BsRoadGraph *g,
                guint        from,
                guint        to,
                double       max_speed)
{
  guint n = bs_road_graph_get_n_nodes (g);
  g_autofree double *cost = g_new (double, n);
  gboolean changed = TRUE;

  for (guint i = 0; i < n; i++)
    cost[i] = G_MAXDOUBLE;
  cost[from] = 0;
  while (changed)
    {
      changed = FALSE;
      for (guint e = 0; e < bs_road_graph_get_n_edges (g); e++)
        {
          const BsRoadEdge *edge = bs_road_graph_get_edge (g, e);
          double t = edge->length_m / MIN (edge->speed_mps, max_speed);

          if (cost[edge->from] + t < cost[edge->to] - 1e-9)
            {
              cost[edge->to] = cost[edge->from] + t;
              changed = TRUE;
            }
          if (!edge->oneway && cost[edge->to] + t < cost[edge->from] - 1e-9)
            {
              cost[edge->from] = cost[edge->to] + t;
              changed = TRUE;
            }
        }
    }
  return cost[to];
}

static void
test_shortest_path_exact (void)
{
  g_autoptr(BsScenario) s = load_shipped ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  BsRoadGraph *g = s->roads;
  const double speeds[] = { 60 / 3.6, 5 / 3.6 };

  for (guint i = 0; i < 20; i++)
    {
      guint from = (guint) g_rand_int_range (rand, 0, (gint32) bs_road_graph_get_n_nodes (g));
      guint to = (guint) g_rand_int_range (rand, 0, (gint32) bs_road_graph_get_n_nodes (g));
      double max_speed = speeds[i % 2];
      g_autoptr(BsRoadPath) path = bs_road_graph_shortest_path (g, from, to, max_speed);
      double length = 0, time = 0;

      g_assert_nonnull (path);
      g_assert_cmpuint (g_array_index (path->nodes, guint, 0), ==, from);
      g_assert_cmpuint (g_array_index (path->nodes, guint, path->nodes->len - 1), ==, to);
      g_assert_cmpuint (path->edges->len + 1, ==, path->nodes->len);
      /* consecutive: each edge joins its two path nodes */
      for (guint k = 0; k < path->edges->len; k++)
        {
          guint e = g_array_index (path->edges, guint, k);
          const BsRoadEdge *edge = bs_road_graph_get_edge (g, e);

          g_assert_cmpuint (bs_road_graph_edge_other_end (g, e, g_array_index (path->nodes,
                                                                               guint, k)),
                            ==, g_array_index (path->nodes, guint, k + 1));
          length += edge->length_m;
          time += edge->length_m / MIN (edge->speed_mps, max_speed);
        }
      g_assert_cmpfloat_with_epsilon (path->length_m, length, 1e-6);
      g_assert_cmpfloat_with_epsilon (path->time_s, time, 1e-6);
      g_assert_cmpfloat_with_epsilon (path->time_s, reference_time (g, from, to, max_speed), 1e-6);
    }
}

static void
test_shortest_path_prefers_fast_roads (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsScenario) s = load_patched (NULL, &error);
  g_autoptr(BsRoadPath) car = NULL;
  g_autoptr(BsRoadPath) walker = NULL;
  guint from, to;

  g_assert_no_error (error);
  g_assert_true (bs_road_graph_lookup_node (s->roads, 4, &from));
  g_assert_true (bs_road_graph_lookup_node (s->roads, 6, &to));

  /* A car goes round on the 60 km/h arterials (4-1-2-3-6, 2.1 km, 124 s) rather than straight
   * along the 20 km/h street (4-5-6, 0.95 km, 171 s); on foot every street is as fast, so
   * straight it is. */
  car = bs_road_graph_shortest_path (s->roads, from, to, 60 / 3.6);
  walker = bs_road_graph_shortest_path (s->roads, from, to, 5 / 3.6);
  g_assert_cmpuint (car->nodes->len, ==, 5);
  g_assert_cmpuint (walker->nodes->len, ==, 3);
  g_assert_cmpfloat (car->length_m, >, walker->length_m);
}

static void
test_path_position (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsScenario) s = load_patched (NULL, &error);
  g_autoptr(BsRoadPath) path = NULL;
  guint from, to, edge;
  double lat, lon, heading;

  g_assert_no_error (error);
  g_assert_true (bs_road_graph_lookup_node (s->roads, 1, &from));
  g_assert_true (bs_road_graph_lookup_node (s->roads, 3, &to));
  path = bs_road_graph_shortest_path (s->roads, from, to, 60 / 3.6);
  g_assert_cmpuint (path->edges->len, ==, 2);

  /* three quarters of the way east: on the second edge, heading east */
  bs_road_path_position (s->roads, path, path->length_m * 0.75, &lat, &lon, &heading, &edge);
  g_assert_cmpuint (edge, ==, 1);
  g_assert_cmpfloat_with_epsilon (lat, 31.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (lon, 112.2075, 1e-6);
  g_assert_cmpfloat_with_epsilon (heading, 90.0, 1e-6);
  g_assert_cmpfloat (bs_road_graph_distance_to_edge (s->roads, g_array_index (path->edges, guint,
                                                                               1), lat, lon),
                     <, 0.01);

  /* clamped at the ends */
  bs_road_path_position (s->roads, path, 1e9, &lat, &lon, NULL, NULL);
  g_assert_cmpfloat_with_epsilon (lon, 112.21, 1e-9);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/scenario/load/base", test_base_loads);
  g_test_add_func ("/scenario/load/start-time-of-day", test_start_time_of_day);
  g_test_add_func ("/scenario/load/not-json", test_not_json);
  g_test_add_func ("/scenario/load/missing-file", test_missing_file);
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *path = g_strdup_printf ("/scenario/invalid/%s", broken[i].name);
      g_test_add_data_func (path, &broken[i], test_broken);
    }
  g_test_add_func ("/scenario/shipped/validates", test_shipped_validates);
  g_test_add_func ("/scenario/shipped/roads-connected", test_shipped_roads_connected);
  g_test_add_func ("/scenario/shipped/cameras", test_shipped_cameras);
  g_test_add_func ("/scenario/roads/shortest-path-exact", test_shortest_path_exact);
  g_test_add_func ("/scenario/roads/prefers-fast-roads", test_shortest_path_prefers_fast_roads);
  g_test_add_func ("/scenario/roads/path-position", test_path_position);

  return g_test_run ();
}
