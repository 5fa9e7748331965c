/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-scenario.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Stations and incidents farther than this from every road cannot be reached by the units. */
#define MAX_ROAD_DISTANCE_M 1000.0
#define MAX_CAMERAS 200000
#define MAX_DURATION_S (7 * 24 * 3600)
/* China Standard Time, in which "HH:MM" start times and hours of the day are meant. */
#define CST_OFFSET_US ((gint64) 8 * 3600 * G_USEC_PER_SEC)
#define DAY_US ((gint64) 24 * 3600 * G_USEC_PER_SEC)

G_DEFINE_QUARK (bs-scenario-error-quark, bs_scenario_error)

/* ---- Reporting problems --------------------------------------------------------------------- */

static gboolean invalid (GError    **error,
                         const char *where,
                         const char *format,
                         ...) G_GNUC_PRINTF (3, 4);

/* Always returns FALSE, so that checks read `return invalid (…)`. */
static gboolean
invalid (GError    **error,
         const char *where,
         const char *format,
         ...)
{
  g_autofree char *problem = NULL;
  va_list args;

  va_start (args, format);
  problem = g_strdup_vprintf (format, args);
  va_end (args);

  if (where == NULL || *where == '\0')
    g_set_error_literal (error, BS_SCENARIO_ERROR, BS_SCENARIO_ERROR_INVALID, problem);
  else
    g_set_error (error, BS_SCENARIO_ERROR, BS_SCENARIO_ERROR_INVALID, "%s: %s", where, problem);
  return FALSE;
}

/* "30.1,111.0": a position as a person would write it, for messages. */
static const char *
format_position (char   *buffer,
                 gsize   size,
                 double  lat,
                 double  lon)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
  char *parts[] = { a, b };

  g_ascii_formatd (a, sizeof a, "%.6f", lat);
  g_ascii_formatd (b, sizeof b, "%.6f", lon);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      char *end = parts[i] + strlen (parts[i]) - 1;

      while (*end == '0' && end[-1] != '.')
        *end-- = '\0';
    }
  g_snprintf (buffer, size, "%s,%s", a, b);
  return buffer;
}

static char *
member_path (const char *where,
             const char *member)
{
  if (where == NULL || *where == '\0')
    return g_strdup (member);
  return g_strdup_printf ("%s.%s", where, member);
}

static const char *
describe_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_INT64:
    case G_TYPE_DOUBLE:
      return "a number";
    default:
      return "a value";
    }
}

/* Unknown members are errors: a misspelt key must not silently fall back to a default. */
static gboolean
check_members (JsonObject        *object,
               const char        *where,
               const char *const *allowed,
               GError           **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (allowed, l->data))
        {
          g_autofree char *expected = g_strjoinv (", ", (char **) allowed);
          g_autofree char *path = member_path (where, l->data);

          return invalid (error, path, "unknown member (expected one of: %s)", expected);
        }
    }
  return TRUE;
}

/* The member or NULL when it is absent or null; *out_ok is FALSE (error set) if required. */
static JsonNode *
get_member (JsonObject  *object,
            const char  *where,
            const char  *member,
            gboolean     required,
            gboolean    *out_ok,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out_ok = TRUE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        {
          g_autofree char *path = member_path (where, member);

          *out_ok = invalid (error, path, "is required");
        }
      return NULL;
    }
  return node;
}

static gboolean
get_object (JsonObject   *object,
            const char   *where,
            const char   *member,
            gboolean      required,
            JsonObject  **out,
            GError      **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, where, member, required, &ok, error);

  *out = NULL;
  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree char *path = member_path (where, member);
      return invalid (error, path, "expected an object, not %s", describe_node (node));
    }
  *out = json_node_get_object (node);
  return TRUE;
}

static gboolean
get_array (JsonObject  *object,
           const char  *where,
           const char  *member,
           gboolean     required,
           JsonArray  **out,
           GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, where, member, required, &ok, error);

  *out = NULL;
  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autofree char *path = member_path (where, member);
      return invalid (error, path, "expected an array, not %s", describe_node (node));
    }
  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
get_string (JsonObject   *object,
            const char   *where,
            const char   *member,
            gboolean      required,
            guint         max_chars,
            const char  **out,
            GError      **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, where, member, required, &ok, error);
  g_autofree char *path = NULL;
  const char *value;

  if (node == NULL)
    return ok;

  path = member_path (where, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, path, "expected a string, not %s", describe_node (node));

  value = json_node_get_string (node);
  if (required && *value == '\0')
    return invalid (error, path, "must not be empty");
  if (g_utf8_strlen (value, -1) > max_chars)
    return invalid (error, path, "is longer than %u characters", max_chars);
  *out = value;
  return TRUE;
}

static gboolean
node_get_number (JsonNode    *node,
                 const char  *path,
                 double       min,
                 double       max,
                 double      *out,
                 GError     **error)
{
  double value;

  if (!JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 &&
       json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return invalid (error, path, "expected a number, not %s", describe_node (node));

  value = json_node_get_double (node);
  if (!(value >= min && value <= max))
    return invalid (error, path, "%g is out of range (%g to %g)", value, min, max);
  *out = value;
  return TRUE;
}

static gboolean
get_number (JsonObject  *object,
            const char  *where,
            const char  *member,
            gboolean     required,
            double       min,
            double       max,
            double      *out,
            GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, where, member, required, &ok, error);
  g_autofree char *path = NULL;

  if (node == NULL)
    return ok;
  path = member_path (where, member);
  return node_get_number (node, path, min, max, out, error);
}

static gboolean
get_int (JsonObject  *object,
         const char  *where,
         const char  *member,
         gboolean     required,
         gint64       min,
         gint64       max,
         gint64      *out,
         GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, where, member, required, &ok, error);
  g_autofree char *path = NULL;
  gint64 value;

  if (node == NULL)
    return ok;
  path = member_path (where, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid (error, path, "expected an integer, not %s", describe_node (node));
  value = json_node_get_int (node);
  if (value < min || value > max)
    return invalid (error, path, "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                    " to %" G_GINT64_FORMAT ")", value, min, max);
  *out = value;
  return TRUE;
}

static gboolean
get_bool (JsonObject  *object,
          const char  *where,
          const char  *member,
          gboolean    *out,
          GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, where, member, FALSE, &ok, error);

  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_autofree char *path = member_path (where, member);
      return invalid (error, path, "expected true or false, not %s", describe_node (node));
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* [min, max] seconds */
static gboolean
node_get_range (JsonNode    *node,
                const char  *path,
                double       limit,
                BsRange     *out,
                GError     **error)
{
  JsonArray *array;
  double a, b;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) != 2)
    return invalid (error, path, "expected [minimum, maximum], not %s", describe_node (node));
  array = json_node_get_array (node);
  first = g_strdup_printf ("%s[0]", path);
  second = g_strdup_printf ("%s[1]", path);
  if (!node_get_number (json_array_get_element (array, 0), first, 0, limit, &a, error) ||
      !node_get_number (json_array_get_element (array, 1), second, 0, limit, &b, error))
    return FALSE;
  if (a > b)
    return invalid (error, path, "minimum %g is above maximum %g", a, b);
  out->min = a;
  out->max = b;
  return TRUE;
}

static gboolean
get_range (JsonObject  *object,
           const char  *where,
           const char  *member,
           double       limit,
           BsRange     *out,
           GError     **error)
{
  gboolean ok;
  JsonNode *node = get_member (object, where, member, FALSE, &ok, error);
  g_autofree char *path = NULL;

  if (node == NULL)
    return ok;
  path = member_path (where, member);
  return node_get_range (node, path, limit, out, error);
}

static JsonObject *
element_object (JsonArray   *array,
                guint        i,
                const char  *where,
                GError     **error)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      invalid (error, where, "expected an object, not %s", describe_node (node));
      return NULL;
    }
  return json_node_get_object (node);
}

static char *
enum_codes (GType type)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    {
      if (i > 0)
        g_string_append (s, i + 1 == klass->n_values ? " or " : ", ");
      g_string_append (s, klass->values[i].value_nick);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- Parsing the parts ---------------------------------------------------------------------- */

typedef struct
{
  BsScenario *scenario;
  char       *base_dir;
  gint64      now_us;
} Loader;

static gboolean
in_area (BsScenario *self,
         double      lat,
         double      lon)
{
  return bc_geo_bounds_contains (&self->area, lat, lon);
}

static gboolean
parse_area (Loader      *loader,
            JsonObject  *root,
            GError     **error)
{
  BsScenario *self = loader->scenario;
  JsonObject *area;
  BcGeoBounds *b = &self->area;

  if (!get_object (root, NULL, "area", TRUE, &area, error) ||
      !check_members (area, "area",
                      (const char *const[]) { "min_lat", "min_lon", "max_lat", "max_lon", NULL },
                      error) ||
      !get_number (area, "area", "min_lat", TRUE, -90, 90, &b->min_lat, error) ||
      !get_number (area, "area", "min_lon", TRUE, -180, 180, &b->min_lon, error) ||
      !get_number (area, "area", "max_lat", TRUE, -90, 90, &b->max_lat, error) ||
      !get_number (area, "area", "max_lon", TRUE, -180, 180, &b->max_lon, error))
    return FALSE;
  if (b->min_lat >= b->max_lat)
    return invalid (error, "area", "min_lat %g is not below max_lat %g", b->min_lat, b->max_lat);
  if (b->min_lon >= b->max_lon)
    return invalid (error, "area", "min_lon %g is not below max_lon %g", b->min_lon, b->max_lon);
  return TRUE;
}

static gboolean
parse_start_time (Loader      *loader,
                  JsonObject  *root,
                  GError     **error)
{
  BsScenario *self = loader->scenario;
  const char *text = NULL;
  guint hours, minutes;

  if (!get_string (root, NULL, "start_time", TRUE, 64, &text, error))
    return FALSE;

  if (strlen (text) == 5 && g_ascii_isdigit (text[0]) && g_ascii_isdigit (text[1]) &&
      text[2] == ':' && g_ascii_isdigit (text[3]) && g_ascii_isdigit (text[4]) &&
      (hours = (guint) g_ascii_digit_value (text[0]) * 10 + g_ascii_digit_value (text[1])) < 24 &&
      (minutes = (guint) g_ascii_digit_value (text[3]) * 10 + g_ascii_digit_value (text[4])) < 60)
    {
      gint64 now = loader->now_us != 0 ? loader->now_us : bc_time_now ();
      gint64 local_day = (now + CST_OFFSET_US) / DAY_US;

      self->start_us = local_day * DAY_US - CST_OFFSET_US +
                       ((gint64) hours * 3600 + minutes * 60) * G_USEC_PER_SEC;
      return TRUE;
    }

  if (!bc_time_parse (text, &self->start_us, NULL))
    return invalid (error, "start_time", "\"%s\" is neither an RFC 3339 time nor HH:MM", text);
  return TRUE;
}

static gboolean
parse_landmark_array (Loader      *loader,
                      JsonArray   *array,
                      const char  *where,
                      GError     **error)
{
  BsScenario *self = loader->scenario;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s[%u]", where, i);
      JsonObject *object = element_object (array, i, path, error);
      BsScenarioLandmark landmark = { 0, };
      const char *name = NULL, *kind = NULL;

      if (object == NULL ||
          !check_members (object, path,
                          (const char *const[]) { "name", "kind", "lat", "lon", NULL }, error) ||
          !get_string (object, path, "name", TRUE, 128, &name, error) ||
          !get_string (object, path, "kind", FALSE, 64, &kind, error) ||
          !get_number (object, path, "lat", TRUE, -90, 90, &landmark.lat, error) ||
          !get_number (object, path, "lon", TRUE, -180, 180, &landmark.lon, error))
        return FALSE;
      if (bs_scenario_find_landmark (self, name) != NULL)
        return invalid (error, path, "landmark \"%s\" is defined twice", name);

      landmark.name = g_strdup (name);
      landmark.kind = g_strdup (kind != NULL ? kind : "");
      g_array_append_val (self->landmarks, landmark);
    }
  return TRUE;
}

/* Nodes, edges and (in a basemap file) landmarks. @label names the file for messages. */
static gboolean
parse_roads_object (Loader      *loader,
                    JsonObject  *roads,
                    const char  *where,
                    gboolean     from_basemap,
                    GError     **error)
{
  BsScenario *self = loader->scenario;
  BsRoadGraph *graph = self->roads;
  JsonArray *nodes, *edges, *landmarks = NULL;
  g_autofree char *nodes_where = member_path (where, "nodes");
  g_autofree char *edges_where = member_path (where, "edges");
  g_autofree char *landmarks_where = member_path (where, "landmarks");
  g_autofree guint *component = NULL;
  guint n_components;

  /* A basemap file carries more (water, green, districts…) that the simulator does not use. */
  if (!from_basemap &&
      !check_members (roads, where,
                      (const char *const[]) { "nodes", "edges", "landmarks", NULL }, error))
    return FALSE;

  if (!get_array (roads, where, "nodes", TRUE, &nodes, error) ||
      !get_array (roads, where, "edges", TRUE, &edges, error) ||
      !get_array (roads, where, "landmarks", FALSE, &landmarks, error))
    return FALSE;

  if (json_array_get_length (nodes) == 0)
    return invalid (error, nodes_where, "must not be empty");
  if (json_array_get_length (edges) == 0)
    return invalid (error, edges_where, "must not be empty");

  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s[%u]", nodes_where, i);
      JsonObject *object = element_object (nodes, i, path, error);
      gint64 id;
      double lat, lon;
      char where_buffer[80];

      if (object == NULL ||
          !check_members (object, path, (const char *const[]) { "id", "lat", "lon", NULL },
                          error) ||
          !get_int (object, path, "id", TRUE, G_MININT64, G_MAXINT64, &id, error) ||
          !get_number (object, path, "lat", TRUE, -90, 90, &lat, error) ||
          !get_number (object, path, "lon", TRUE, -180, 180, &lon, error))
        return FALSE;
      if (bs_road_graph_lookup_node (graph, id, NULL))
        return invalid (error, path, "node id %" G_GINT64_FORMAT " is used twice", id);
      if (!in_area (self, lat, lon))
        return invalid (error, path, "node %" G_GINT64_FORMAT " at %s is outside the scenario "
                        "area", id, format_position (where_buffer, sizeof where_buffer, lat, lon));
      bs_road_graph_add_node (graph, id, lat, lon);
    }

  for (guint i = 0; i < json_array_get_length (edges); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s[%u]", edges_where, i);
      JsonObject *object = element_object (edges, i, path, error);
      gint64 from_id, to_id;
      guint from, to;
      const char *name = NULL, *road_class = NULL;
      double speed;
      gboolean oneway = FALSE;

      if (object == NULL ||
          !check_members (object, path,
                          (const char *const[]) { "from", "to", "name", "class", "speed_kmh",
                                                  "oneway", NULL }, error) ||
          !get_int (object, path, "from", TRUE, G_MININT64, G_MAXINT64, &from_id, error) ||
          !get_int (object, path, "to", TRUE, G_MININT64, G_MAXINT64, &to_id, error) ||
          !get_string (object, path, "name", FALSE, 64, &name, error) ||
          !get_string (object, path, "class", TRUE, 32, &road_class, error) ||
          !get_number (object, path, "speed_kmh", TRUE, 1, 200, &speed, error) ||
          !get_bool (object, path, "oneway", &oneway, error))
        return FALSE;
      if (!bs_road_graph_lookup_node (graph, from_id, &from))
        return invalid (error, path, "from node %" G_GINT64_FORMAT " does not exist", from_id);
      if (!bs_road_graph_lookup_node (graph, to_id, &to))
        return invalid (error, path, "to node %" G_GINT64_FORMAT " does not exist", to_id);
      if (from == to)
        return invalid (error, path, "starts and ends at node %" G_GINT64_FORMAT, from_id);
      bs_road_graph_add_edge (graph, from, to, name, road_class, speed, oneway);
    }

  bs_road_graph_finish (graph);

  /* Every unit must be able to reach every incident. */
  n_components = bs_road_graph_components (graph, &component);
  if (n_components > 1)
    {
      for (guint i = 0; i < bs_road_graph_get_n_nodes (graph); i++)
        if (component[i] != 0)
          return invalid (error, where, "the road graph is not connected: node %" G_GINT64_FORMAT
                          " cannot be reached from node %" G_GINT64_FORMAT " (%u separate "
                          "parts)", bs_road_graph_get_node (graph, i)->id,
                          bs_road_graph_get_node (graph, 0)->id, n_components);
    }

  return parse_landmark_array (loader, landmarks, landmarks_where, error);
}

static gboolean
parse_roads (Loader      *loader,
             JsonObject  *root,
             GError     **error)
{
  JsonObject *roads;
  const char *include = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *where = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *node;
  gsize length;

  if (!get_object (root, NULL, "roads", TRUE, &roads, error))
    return FALSE;
  if (!json_object_has_member (roads, "include"))
    return parse_roads_object (loader, roads, "roads", FALSE, error);

  if (!check_members (roads, "roads", (const char *const[]) { "include", NULL }, error) ||
      !get_string (roads, "roads", "include", TRUE, 1024, &include, error))
    return FALSE;

  path = g_path_is_absolute (include) ? g_strdup (include)
                                      : g_build_filename (loader->base_dir, include, NULL);
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, BS_SCENARIO_ERROR, BS_SCENARIO_ERROR_READ,
                   "roads.include: cannot read %s: %s", include, local_error->message);
      return FALSE;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, contents, length, &local_error))
    {
      g_set_error (error, BS_SCENARIO_ERROR, BS_SCENARIO_ERROR_PARSE,
                   "roads.include: %s is not JSON: %s", include, local_error->message);
      return FALSE;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "roads.include", "%s does not hold a JSON object", include);

  /* Messages name the included file: "roads (../basemap/x.json).edges[3]: …" */
  where = g_strdup_printf ("roads (%s)", include);
  return parse_roads_object (loader, json_node_get_object (node), where, TRUE, error);
}

static gboolean
place_on_roads (Loader      *loader,
                const char  *where,
                double       lat,
                double       lon,
                guint       *out_node,
                GError     **error)
{
  BsScenario *self = loader->scenario;
  char position[80];
  double distance;

  format_position (position, sizeof position, lat, lon);
  if (!in_area (self, lat, lon))
    return invalid (error, where, "location %s is outside the scenario area", position);
  bs_road_graph_nearest_edge (self->roads, lat, lon, &distance);
  if (distance > MAX_ROAD_DISTANCE_M)
    return invalid (error, where, "location %s is %.1f km from the nearest road (at most "
                    "%.0f m)", position, distance / 1000.0, MAX_ROAD_DISTANCE_M);
  *out_node = bs_road_graph_nearest_node (self->roads, lat, lon, NULL);
  return TRUE;
}

static gboolean
is_digits (const char *text,
           gsize       length)
{
  if (strlen (text) != length)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return TRUE;
}

static gboolean
parse_stations (Loader      *loader,
                JsonObject  *root,
                GError     **error)
{
  BsScenario *self = loader->scenario;
  JsonArray *array;

  if (!get_array (root, NULL, "stations", TRUE, &array, error))
    return FALSE;
  if (json_array_get_length (array) == 0)
    return invalid (error, "stations", "must not be empty");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("stations[%u]", i);
      JsonObject *object = element_object (array, i, path, error);
      BsScenarioStation station = { 0, };
      const char *id = NULL, *name = NULL, *division = "420800";

      if (object == NULL ||
          !check_members (object, path,
                          (const char *const[]) { "id", "name", "division", "lat", "lon", NULL },
                          error) ||
          !get_string (object, path, "id", TRUE, 64, &id, error) ||
          !get_string (object, path, "name", TRUE, 64, &name, error))
        return FALSE;

      g_free (path);
      path = g_strdup_printf ("stations[%u] (%s)", i, name);
      if (!get_string (object, path, "division", FALSE, 6, &division, error) ||
          !get_number (object, path, "lat", TRUE, -90, 90, &station.lat, error) ||
          !get_number (object, path, "lon", TRUE, -180, 180, &station.lon, error))
        return FALSE;
      if (!is_digits (division, 6) || division[0] < '1' || division[0] > '8')
        return invalid (error, path, "division \"%s\" is not a 6-digit administrative division "
                        "code", division);
      if (bs_scenario_find_station (self, id, NULL) != NULL)
        return invalid (error, path, "station id \"%s\" is used twice", id);
      if (bs_scenario_find_station (self, name, NULL) != NULL)
        return invalid (error, path, "station name \"%s\" is used twice", name);
      if (!place_on_roads (loader, path, station.lat, station.lon, &station.node, error))
        return FALSE;

      station.id = g_strdup (id);
      station.name = g_strdup (name);
      station.division = g_strdup (division);
      g_array_append_val (self->stations, station);
    }
  return TRUE;
}

static gboolean
parse_units (Loader      *loader,
             JsonObject  *root,
             GError     **error)
{
  BsScenario *self = loader->scenario;
  g_autoptr(GHashTable) call_signs = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *array;

  if (!get_array (root, NULL, "units", TRUE, &array, error))
    return FALSE;
  if (json_array_get_length (array) == 0)
    return invalid (error, "units", "must not be empty");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("units[%u]", i);
      JsonObject *object = element_object (array, i, path, error);
      BsScenarioUnit unit = { 0, };
      const char *call_sign = NULL, *kind = NULL, *station = NULL;
      gpointer other;

      if (object == NULL ||
          !check_members (object, path,
                          (const char *const[]) { "call_sign", "kind", "station", NULL }, error) ||
          !get_string (object, path, "call_sign", TRUE, 32, &call_sign, error))
        return FALSE;

      g_free (path);
      path = g_strdup_printf ("units[%u] (%s)", i, call_sign);
      if (!get_string (object, path, "kind", TRUE, 32, &kind, error) ||
          !get_string (object, path, "station", TRUE, 64, &station, error))
        return FALSE;

      if (g_hash_table_lookup_extended (call_signs, call_sign, NULL, &other))
        return invalid (error, path, "call sign is used twice (also units[%u])",
                        GPOINTER_TO_UINT (other));
      g_hash_table_insert (call_signs, (gpointer) call_sign, GUINT_TO_POINTER (i));

      if (!bc_unit_kind_from_string (kind, &unit.kind))
        {
          g_autofree char *codes = enum_codes (BC_TYPE_UNIT_KIND);
          return invalid (error, path, "unknown kind \"%s\" (expected %s)", kind, codes);
        }
      if (bs_scenario_find_station (self, station, &unit.station) == NULL)
        return invalid (error, path, "unknown station \"%s\"", station);

      unit.call_sign = g_strdup (call_sign);
      g_array_append_val (self->units, unit);
    }
  return TRUE;
}

static guint
nearest_station (BsScenario *self,
                 double      lat,
                 double      lon)
{
  double cos_lat = cos (lat * G_PI / 180.0);
  double best = G_MAXDOUBLE;
  guint best_index = 0;

  for (guint i = 0; i < self->stations->len; i++)
    {
      const BsScenarioStation *s = &g_array_index (self->stations, BsScenarioStation, i);
      double dy = s->lat - lat, dx = (s->lon - lon) * cos_lat;
      double d = dx * dx + dy * dy;

      if (d < best)
        {
          best = d;
          best_index = i;
        }
    }
  return best_index;
}

static const char *
camera_kind_name_zh (BcCameraKind kind)
{
  /* Part of the generated data (camera names), not of the user interface. */
  switch (kind)
    {
    case BC_CAMERA_KIND_DOME:
      return "球机";
    case BC_CAMERA_KIND_BULLET:
      return "枪机";
    case BC_CAMERA_KIND_CHECKPOINT:
      return "卡口";
    default:
      return "摄像机";
    }
}

typedef struct
{
  gint64       count;
  gint64       seed;
  double       class_weights_default;
  JsonObject  *class_weights;
  double       kind_weights[BC_CAMERA_KIND_CHECKPOINT + 1];
  double       online_ratio;
  const char  *industry;
  const char  *device_type;
  const char  *network;
  const char  *stream_uri;
} CameraRule;

static gboolean
parse_camera_rule (JsonObject  *object,
                   CameraRule  *rule,
                   GError     **error)
{
  const char *where = "cameras.generate";
  JsonObject *kinds = NULL;
  double total = 0;

  rule->seed = 1;
  rule->class_weights_default = 1;
  rule->online_ratio = 1;
  rule->industry = "00";
  rule->device_type = "132";
  rule->network = "0";
  rule->stream_uri = NULL;
  rule->kind_weights[BC_CAMERA_KIND_DOME] = 3;
  rule->kind_weights[BC_CAMERA_KIND_BULLET] = 6;
  rule->kind_weights[BC_CAMERA_KIND_CHECKPOINT] = 1;

  if (!check_members (object, where,
                      (const char *const[]) { "count", "seed", "class_weights", "kinds",
                                              "online_ratio", "industry", "device_type",
                                              "network", "stream_uri", NULL }, error) ||
      !get_int (object, where, "count", TRUE, 0, MAX_CAMERAS, &rule->count, error) ||
      !get_int (object, where, "seed", FALSE, 0, G_MAXUINT32, &rule->seed, error) ||
      !get_object (object, where, "class_weights", FALSE, &rule->class_weights, error) ||
      !get_object (object, where, "kinds", FALSE, &kinds, error) ||
      !get_number (object, where, "online_ratio", FALSE, 0, 1, &rule->online_ratio, error) ||
      !get_string (object, where, "industry", FALSE, 2, &rule->industry, error) ||
      !get_string (object, where, "device_type", FALSE, 3, &rule->device_type, error) ||
      !get_string (object, where, "network", FALSE, 1, &rule->network, error) ||
      !get_string (object, where, "stream_uri", FALSE, 256, &rule->stream_uri, error))
    return FALSE;

  if (!is_digits (rule->industry, 2))
    return invalid (error, where, "industry \"%s\" is not 2 digits", rule->industry);
  if (!is_digits (rule->device_type, 3) ||
      atoi (rule->device_type) < 111 || atoi (rule->device_type) > 199)
    return invalid (error, where, "device_type \"%s\" is not a front-end video device type "
                    "(111 to 199)", rule->device_type);
  if (!is_digits (rule->network, 1))
    return invalid (error, where, "network \"%s\" is not one digit", rule->network);

  if (rule->class_weights != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (rule->class_weights);

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autofree char *path = g_strdup_printf ("%s.class_weights", where);
          double w;

          if (!get_number (rule->class_weights, path, l->data, TRUE, 0, 1000, &w, error))
            return FALSE;
        }
    }

  if (kinds != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (kinds);
      g_autofree char *path = g_strdup_printf ("%s.kinds", where);

      for (guint k = 0; k < G_N_ELEMENTS (rule->kind_weights); k++)
        rule->kind_weights[k] = 0;
      for (GList *l = members; l != NULL; l = l->next)
        {
          BcCameraKind kind;

          if (!bc_camera_kind_from_string (l->data, &kind))
            {
              g_autofree char *codes = enum_codes (BC_TYPE_CAMERA_KIND);
              return invalid (error, path, "unknown camera kind \"%s\" (expected %s)",
                              (const char *) l->data, codes);
            }
          if (!get_number (kinds, path, l->data, TRUE, 0, 1000, &rule->kind_weights[kind],
                           error))
            return FALSE;
        }
    }
  for (guint k = 0; k < G_N_ELEMENTS (rule->kind_weights); k++)
    total += rule->kind_weights[k];
  if (total <= 0)
    return invalid (error, where, "kinds: at least one kind needs a weight above 0");
  return TRUE;
}

static double
class_weight (const CameraRule *rule,
              const char       *road_class)
{
  if (rule->class_weights != NULL && json_object_has_member (rule->class_weights, road_class))
    return json_object_get_double_member (rule->class_weights, road_class);
  return rule->class_weights_default;
}

static BcCameraKind
pick_kind (const CameraRule *rule,
           GRand            *rand)
{
  double total = 0, r;

  for (guint k = 0; k < G_N_ELEMENTS (rule->kind_weights); k++)
    total += rule->kind_weights[k];
  r = g_rand_double (rand) * total;
  for (guint k = 0; k < G_N_ELEMENTS (rule->kind_weights); k++)
    {
      if (r < rule->kind_weights[k])
        return (BcCameraKind) k;
      r -= rule->kind_weights[k];
    }
  return BC_CAMERA_KIND_BULLET;
}

/* Spreads rule->count cameras evenly along the streets, denser on the classes with more
 * weight: camera k sits at (k + ½)·spacing along the weighted length of all edges in order.
 * Codes are division (of the nearest station) + the station's 2-digit access unit number +
 * industry + device type + network + a 6-digit serial per access unit. */
static gboolean
generate_cameras (Loader           *loader,
                  const CameraRule *rule,
                  GHashTable       *codes,
                  GError          **error)
{
  BsScenario *self = loader->scenario;
  BsRoadGraph *graph = self->roads;
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) rule->seed);
  g_autoptr(GHashTable) per_road = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autofree guint *serials = g_new0 (guint, self->stations->len);
  g_autofree guint *access_units = g_new0 (guint, self->stations->len);
  double total = 0, spacing, before = 0;
  gint64 k = 0;

  if (rule->count == 0)
    return TRUE;

  /* Each station is one access unit (digits 7–8) of its division. */
  for (guint i = 0; i < self->stations->len; i++)
    {
      const BsScenarioStation *s = &g_array_index (self->stations, BsScenarioStation, i);
      guint n = 0;

      for (guint j = 0; j < i; j++)
        if (strcmp (g_array_index (self->stations, BsScenarioStation, j).division,
                    s->division) == 0)
          n++;
      if (n >= 99)
        return invalid (error, "cameras.generate", "more than 99 stations in division %s",
                        s->division);
      access_units[i] = n + 1;
    }

  for (guint e = 0; e < bs_road_graph_get_n_edges (graph); e++)
    {
      const BsRoadEdge *edge = bs_road_graph_get_edge (graph, e);
      total += edge->length_m * class_weight (rule, edge->road_class);
    }
  if (total <= 0)
    return invalid (error, "cameras.generate", "no street has a class weight above 0");
  spacing = total / (double) rule->count;

  for (guint e = 0; e < bs_road_graph_get_n_edges (graph) && k < rule->count; e++)
    {
      const BsRoadEdge *edge = bs_road_graph_get_edge (graph, e);
      double w = class_weight (rule, edge->road_class);
      double after = before + edge->length_m * w;

      while (k < rule->count && (k + 0.5) * spacing < after)
        {
          g_autoptr(BcCamera) camera = bc_camera_new ();
          double along = ((k + 0.5) * spacing - before) / w;
          guint station;
          const BsScenarioStation *s;
          guint n_on_road;
          const char *road = *edge->name != '\0' ? edge->name : "无名路";

          bs_road_graph_interpolate (graph, edge->from, edge->to,
                                     edge->length_m > 0 ? along / edge->length_m : 0,
                                     &camera->lat, &camera->lon);
          station = nearest_station (self, camera->lat, camera->lon);
          s = &g_array_index (self->stations, BsScenarioStation, station);
          if (++serials[station] > 999999)
            return invalid (error, "cameras.generate", "more than 999999 cameras for station %s",
                            s->name);
          g_snprintf (camera->id, sizeof camera->id, "%s%02u%s%s%s%06u", s->division,
                      access_units[station], rule->industry, rule->device_type, rule->network,
                      serials[station]);
          g_assert (bc_camera_code_is_valid (camera->id, NULL));
          camera->kind = pick_kind (rule, rand);
          camera->online = g_rand_double (rand) < rule->online_ratio;
          n_on_road = GPOINTER_TO_UINT (g_hash_table_lookup (per_road, road)) + 1;
          g_hash_table_insert (per_road, (gpointer) road, GUINT_TO_POINTER (n_on_road));
          camera->name = g_strdup_printf ("%s%u号%s", road, n_on_road,
                                          camera_kind_name_zh (camera->kind));
          camera->station = g_strdup (s->name);
          if (rule->stream_uri != NULL && *rule->stream_uri != '\0')
            {
              g_autoptr(GString) uri = g_string_new (rule->stream_uri);
              g_string_replace (uri, "{id}", camera->id, 0);
              camera->stream_uri = g_string_free (g_steal_pointer (&uri), FALSE);
            }

          if (g_hash_table_contains (codes, camera->id))
            return invalid (error, "cameras.generate", "generated code %s is already used by a "
                            "listed camera", camera->id);
          g_hash_table_add (codes, camera->id);
          g_ptr_array_add (self->cameras, g_steal_pointer (&camera));
          k++;
        }
      before = after;
    }

  /* Cannot happen with exact arithmetic; guards against rounding at the very end. */
  if (k < rule->count)
    return invalid (error, "cameras.generate", "could only place %" G_GINT64_FORMAT " of %"
                    G_GINT64_FORMAT " cameras", k, rule->count);
  return TRUE;
}

static gboolean
parse_cameras (Loader      *loader,
               JsonObject  *root,
               GError     **error)
{
  BsScenario *self = loader->scenario;
  g_autoptr(GHashTable) codes = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *cameras, *generate = NULL;
  JsonArray *list = NULL;

  if (!get_object (root, NULL, "cameras", FALSE, &cameras, error))
    return FALSE;
  if (cameras == NULL)
    return TRUE;
  if (!check_members (cameras, "cameras", (const char *const[]) { "list", "generate", NULL },
                      error) ||
      !get_array (cameras, "cameras", "list", FALSE, &list, error) ||
      !get_object (cameras, "cameras", "generate", FALSE, &generate, error))
    return FALSE;

  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      g_autofree char *path = g_strdup_printf ("cameras.list[%u]", i);
      g_autoptr(GError) model_error = NULL;
      g_autoptr(BcCamera) camera = bc_camera_from_json (json_array_get_element (list, i),
                                                        &model_error);

      if (camera == NULL)
        return invalid (error, path, "%s", model_error->message);
      if (!in_area (self, camera->lat, camera->lon))
        {
          char position[80];
          return invalid (error, path, "location %s is outside the scenario area",
                          format_position (position, sizeof position, camera->lat,
                                           camera->lon));
        }
      if (g_hash_table_contains (codes, camera->id))
        return invalid (error, path, "camera %s is listed twice", camera->id);
      if (camera->station == NULL)
        camera->station = g_strdup (g_array_index (self->stations, BsScenarioStation,
                                                   nearest_station (self, camera->lat,
                                                                    camera->lon)).name);
      g_hash_table_add (codes, camera->id);
      g_ptr_array_add (self->cameras, g_steal_pointer (&camera));
    }

  if (generate != NULL)
    {
      CameraRule rule;

      if (!parse_camera_rule (generate, &rule, error) ||
          !generate_cameras (loader, &rule, codes, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_type (JsonObject      *object,
            const char      *where,
            BcIncidentType  *out,
            GError         **error)
{
  const char *type = NULL;

  if (!get_string (object, where, "type", TRUE, 32, &type, error))
    return FALSE;
  if (!bc_incident_type_from_string (type, out))
    {
      g_autofree char *codes = enum_codes (BC_TYPE_INCIDENT_TYPE);
      return invalid (error, where, "unknown type \"%s\" (expected %s)", type, codes);
    }
  return TRUE;
}

static gboolean
parse_priority (JsonObject  *object,
                const char  *where,
                int         *out,
                GError     **error)
{
  JsonNode *node = json_object_get_member (object, "priority");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return invalid (error, where, "priority is required");
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid (error, where, "priority must be an integer 1 to 4, not %s",
                    describe_node (node));
  if (json_node_get_int (node) < BC_INCIDENT_PRIORITY_HIGHEST ||
      json_node_get_int (node) > BC_INCIDENT_PRIORITY_LOWEST)
    return invalid (error, where, "priority %" G_GINT64_FORMAT " is out of range (1 to 4)",
                    json_node_get_int (node));
  *out = (int) json_node_get_int (node);
  return TRUE;
}

static gboolean
parse_place (Loader              *loader,
             JsonObject          *object,
             const char          *where,
             BsScenarioIncident  *incident,
             char               **out_default_address,
             GError             **error)
{
  BsScenario *self = loader->scenario;
  JsonObject *place;
  g_autofree char *place_where = member_path (where, "place");

  if (!get_object (object, where, "place", TRUE, &place, error) ||
      !check_members (place, place_where,
                      (const char *const[]) { "node", "landmark", "lat", "lon", NULL }, error))
    return FALSE;

  if (json_object_has_member (place, "node"))
    {
      gint64 id;
      guint node;
      const BsRoadNode *n;

      if (json_object_get_size (place) != 1)
        return invalid (error, place_where, "give a node, a landmark or lat and lon, not several");
      if (!get_int (place, place_where, "node", TRUE, G_MININT64, G_MAXINT64, &id, error))
        return FALSE;
      if (!bs_road_graph_lookup_node (self->roads, id, &node))
        return invalid (error, where, "road node %" G_GINT64_FORMAT " does not exist", id);
      n = bs_road_graph_get_node (self->roads, node);
      incident->lat = n->lat;
      incident->lon = n->lon;
      *out_default_address = bs_scenario_describe_place (self, n->lat, n->lon);
    }
  else if (json_object_has_member (place, "landmark"))
    {
      const char *name = NULL;
      const BsScenarioLandmark *landmark;

      if (json_object_get_size (place) != 1)
        return invalid (error, place_where, "give a node, a landmark or lat and lon, not several");
      if (!get_string (place, place_where, "landmark", TRUE, 128, &name, error))
        return FALSE;
      landmark = bs_scenario_find_landmark (self, name);
      if (landmark == NULL)
        return invalid (error, where, "unknown landmark \"%s\"", name);
      incident->lat = landmark->lat;
      incident->lon = landmark->lon;
      *out_default_address = g_strdup (landmark->name);
    }
  else
    {
      if (!get_number (place, place_where, "lat", TRUE, -90, 90, &incident->lat, error) ||
          !get_number (place, place_where, "lon", TRUE, -180, 180, &incident->lon, error))
        return FALSE;
      *out_default_address = NULL;
    }

  if (!place_on_roads (loader, where, incident->lat, incident->lon, &incident->node, error))
    return FALSE;
  if (*out_default_address == NULL)
    *out_default_address = bs_scenario_describe_place (self, incident->lat, incident->lon);
  return TRUE;
}

/* Builds the create document the simulator will send and decodes it with the codec, so that
 * a scripted incident the server would refuse is refused here, with its place in the file. */
static gboolean
check_as_create_document (BsScenarioIncident  *incident,
                          const char          *where,
                          GError             **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(BcIncident) decoded = NULL;
  g_autoptr(GError) model_error = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, bc_incident_type_to_string (incident->type));
  json_builder_set_member_name (builder, "priority");
  json_builder_add_int_value (builder, incident->priority);
  json_builder_set_member_name (builder, "location");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "lat");
  json_builder_add_double_value (builder, incident->lat);
  json_builder_set_member_name (builder, "lon");
  json_builder_add_double_value (builder, incident->lon);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, incident->address);
  if (incident->caller_name != NULL || incident->caller_phone != NULL)
    {
      json_builder_set_member_name (builder, "caller");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, incident->caller_name);
      json_builder_set_member_name (builder, "phone");
      json_builder_add_string_value (builder, incident->caller_phone);
      json_builder_end_object (builder);
    }
  if (incident->description != NULL)
    {
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, incident->description);
    }
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  decoded = bc_incident_from_create_json (node, &model_error);
  if (decoded == NULL)
    return invalid (error, where, "%s", model_error->message);
  return TRUE;
}

static gint
compare_incidents (gconstpointer a,
                   gconstpointer b)
{
  const BsScenarioIncident *x = a, *y = b;

  return (x->at_ms > y->at_ms) - (x->at_ms < y->at_ms);
}

static gboolean
parse_incidents (Loader      *loader,
                 JsonObject  *root,
                 GError     **error)
{
  BsScenario *self = loader->scenario;
  JsonArray *array;

  if (!get_array (root, NULL, "incidents", FALSE, &array, error))
    return FALSE;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autofree char *path = g_strdup_printf ("incidents[%u]", i);
      g_autofree char *default_address = NULL;
      JsonObject *object = element_object (array, i, path, error);
      JsonObject *caller = NULL;
      BsScenarioIncident incident = { 0, };
      const char *address = NULL, *description = NULL, *name = NULL, *phone = NULL;
      double at_s;

      if (object == NULL ||
          !check_members (object, path,
                          (const char *const[]) { "at_s", "type", "priority", "place", "address",
                                                  "caller", "description", NULL }, error) ||
          !get_number (object, path, "at_s", TRUE, 0, MAX_DURATION_S, &at_s, error) ||
          !parse_type (object, path, &incident.type, error) ||
          !parse_priority (object, path, &incident.priority, error) ||
          !parse_place (loader, object, path, &incident, &default_address, error) ||
          !get_string (object, path, "address", FALSE, 200, &address, error) ||
          !get_string (object, path, "description", FALSE, 2000, &description, error) ||
          !get_object (object, path, "caller", FALSE, &caller, error))
        return FALSE;
      if (caller != NULL)
        {
          g_autofree char *caller_path = member_path (path, "caller");

          if (!check_members (caller, caller_path, (const char *const[]) { "name", "phone", NULL },
                              error) ||
              !get_string (caller, caller_path, "name", FALSE, 64, &name, error) ||
              !get_string (caller, caller_path, "phone", FALSE, 32, &phone, error))
            return FALSE;
        }
      if (at_s > self->duration_s)
        return invalid (error, path, "at_s %g is after the end of the scenario (duration_s %u)",
                        at_s, self->duration_s);

      incident.at_ms = (gint64) llround (at_s * 1000.0);
      incident.address = g_strdup (address != NULL ? address : default_address);
      incident.description = g_strdup (description);
      incident.caller_name = g_strdup (name);
      incident.caller_phone = g_strdup (phone);
      g_array_append_val (self->incidents, incident);

      if (!check_as_create_document (&g_array_index (self->incidents, BsScenarioIncident,
                                                     self->incidents->len - 1), path, error))
        return FALSE;
    }

  /* Stable, so incidents at the same second keep the file's order. */
  g_array_sort (self->incidents, compare_incidents);
  return TRUE;
}

static void
mix_clear (gpointer data)
{
  BsScenarioMix *mix = data;

  g_clear_pointer (&mix->descriptions, g_ptr_array_unref);
}

static gboolean
parse_random (Loader      *loader,
              JsonObject  *root,
              GError     **error)
{
  BsScenario *self = loader->scenario;
  JsonObject *random;
  JsonArray *per_hour, *mix;
  double total_rate = 0, total_weight = 0;

  if (!get_object (root, NULL, "random_incidents", FALSE, &random, error))
    return FALSE;
  if (random == NULL)
    return TRUE;
  if (!check_members (random, "random_incidents",
                      (const char *const[]) { "per_hour", "mix", NULL }, error) ||
      !get_array (random, "random_incidents", "per_hour", TRUE, &per_hour, error) ||
      !get_array (random, "random_incidents", "mix", TRUE, &mix, error))
    return FALSE;

  if (json_array_get_length (per_hour) != 24)
    return invalid (error, "random_incidents.per_hour", "expected 24 numbers (one per hour of "
                    "the day, 0 to 23 China Standard Time), got %u",
                    json_array_get_length (per_hour));
  for (guint h = 0; h < 24; h++)
    {
      g_autofree char *path = g_strdup_printf ("random_incidents.per_hour[%u]", h);

      if (!node_get_number (json_array_get_element (per_hour, h), path, 0, 3600,
                            &self->random_per_hour[h], error))
        return FALSE;
      total_rate += self->random_per_hour[h];
    }

  for (guint i = 0; i < json_array_get_length (mix); i++)
    {
      g_autofree char *path = g_strdup_printf ("random_incidents.mix[%u]", i);
      g_autofree char *priorities_path = NULL;
      JsonObject *object = element_object (mix, i, path, error);
      JsonArray *priorities = NULL, *descriptions = NULL;
      BsScenarioMix entry = { 0, };
      double priority_total = 0;

      if (object == NULL ||
          !check_members (object, path,
                          (const char *const[]) { "type", "weight", "priorities",
                                                  "descriptions", NULL }, error) ||
          !parse_type (object, path, &entry.type, error) ||
          !get_number (object, path, "weight", TRUE, 0, 1e6, &entry.weight, error) ||
          !get_array (object, path, "priorities", TRUE, &priorities, error) ||
          !get_array (object, path, "descriptions", FALSE, &descriptions, error))
        return FALSE;

      priorities_path = member_path (path, "priorities");
      if (json_array_get_length (priorities) != 4)
        return invalid (error, priorities_path, "expected 4 weights (priority 1 to 4), got %u",
                        json_array_get_length (priorities));
      for (guint p = 0; p < 4; p++)
        {
          g_autofree char *p_path = g_strdup_printf ("%s[%u]", priorities_path, p);

          if (!node_get_number (json_array_get_element (priorities, p), p_path, 0, 1e6,
                                &entry.priorities[p], error))
            return FALSE;
          priority_total += entry.priorities[p];
        }
      if (priority_total <= 0)
        return invalid (error, priorities_path, "at least one priority needs a weight above 0");

      entry.descriptions = g_ptr_array_new_with_free_func (g_free);
      for (guint d = 0; descriptions != NULL && d < json_array_get_length (descriptions); d++)
        {
          JsonNode *node = json_array_get_element (descriptions, d);

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
              g_utf8_strlen (json_node_get_string (node), -1) > 2000)
            {
              g_autofree char *d_path = g_strdup_printf ("%s.descriptions[%u]", path, d);
              mix_clear (&entry);
              return invalid (error, d_path, "expected a string of at most 2000 characters");
            }
          g_ptr_array_add (entry.descriptions, g_strdup (json_node_get_string (node)));
        }

      total_weight += entry.weight;
      g_array_append_val (self->random_mix, entry);
    }

  if (total_rate > 0 && total_weight <= 0)
    return invalid (error, "random_incidents.mix", "incidents are expected (per_hour) but no "
                    "type has a weight above 0");
  return TRUE;
}

static void
default_behaviour (BsScenarioBehaviour *b)
{
  static const struct { BcIncidentType type; double min, max; } on_scene[] = {
    { BC_INCIDENT_TYPE_CRIMINAL, 1200, 2700 },
    { BC_INCIDENT_TYPE_PUBLIC_ORDER, 600, 1500 },
    { BC_INCIDENT_TYPE_TRAFFIC, 900, 1800 },
    { BC_INCIDENT_TYPE_FIRE, 1200, 2400 },
    { BC_INCIDENT_TYPE_RESCUE, 600, 1800 },
    { BC_INCIDENT_TYPE_DISPUTE, 600, 1500 },
    { BC_INCIDENT_TYPE_SUSPICIOUS, 300, 900 },
    { BC_INCIDENT_TYPE_OTHER, 300, 900 },
  };
  static const char *const dispositions[] = {
    "resolved", "mediated", "report_filed", "referred", "no_action",
  };

  b->ack_delay_s = (BsRange) { 5, 30 };
  b->refuse_probability = 0.03;
  for (guint i = 0; i < G_N_ELEMENTS (on_scene); i++)
    b->on_scene_s[on_scene[i].type] = (BsRange) { on_scene[i].min, on_scene[i].max };
  b->patrol = TRUE;
  b->patrol_speed_factor = 0.5;
  b->patrol_radius_m = 3000;
  b->speed_mps[BC_UNIT_KIND_PATROL_CAR] = 60 / 3.6;
  b->speed_mps[BC_UNIT_KIND_MOTORCYCLE] = 50 / 3.6;
  b->speed_mps[BC_UNIT_KIND_FOOT] = 5 / 3.6;
  b->speed_mps[BC_UNIT_KIND_TRAFFIC] = 60 / 3.6;
  b->speed_mps[BC_UNIT_KIND_SPECIAL] = 70 / 3.6;
  b->avl_interval_s = 2;
  b->avl_idle_interval_s = 60;
  b->auto_dispatch = FALSE;
  b->auto_dispatch_delay_s = (BsRange) { 20, 60 };
  b->dispositions = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (dispositions); i++)
    g_ptr_array_add (b->dispositions, g_strdup (dispositions[i]));
}

static gboolean
parse_behaviour (Loader      *loader,
                 JsonObject  *root,
                 GError     **error)
{
  BsScenarioBehaviour *b = &loader->scenario->behaviour;
  const char *where = "behaviour";
  JsonObject *object, *on_scene = NULL, *speeds = NULL;
  JsonArray *dispositions = NULL;

  default_behaviour (b);

  if (!get_object (root, NULL, "behaviour", FALSE, &object, error))
    return FALSE;
  if (object == NULL)
    return TRUE;

  if (!check_members (object, where,
                      (const char *const[]) { "ack_delay_s", "refuse_probability", "on_scene_s",
                                              "patrol", "patrol_speed_factor", "patrol_radius_m",
                                              "speeds_kmh", "avl_interval_s",
                                              "avl_idle_interval_s", "auto_dispatch",
                                              "auto_dispatch_delay_s", "dispositions", NULL },
                      error) ||
      !get_range (object, where, "ack_delay_s", 3600, &b->ack_delay_s, error) ||
      !get_number (object, where, "refuse_probability", FALSE, 0, 1, &b->refuse_probability,
                   error) ||
      !get_object (object, where, "on_scene_s", FALSE, &on_scene, error) ||
      !get_bool (object, where, "patrol", &b->patrol, error) ||
      !get_number (object, where, "patrol_speed_factor", FALSE, 0.05, 1,
                   &b->patrol_speed_factor, error) ||
      !get_number (object, where, "patrol_radius_m", FALSE, 100, 100000, &b->patrol_radius_m,
                   error) ||
      !get_object (object, where, "speeds_kmh", FALSE, &speeds, error) ||
      !get_number (object, where, "avl_interval_s", FALSE, 0.5, 60, &b->avl_interval_s, error) ||
      !get_number (object, where, "avl_idle_interval_s", FALSE, 1, 3600,
                   &b->avl_idle_interval_s, error) ||
      !get_bool (object, where, "auto_dispatch", &b->auto_dispatch, error) ||
      !get_range (object, where, "auto_dispatch_delay_s", 3600, &b->auto_dispatch_delay_s,
                  error) ||
      !get_array (object, where, "dispositions", FALSE, &dispositions, error))
    return FALSE;

  if (on_scene != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (on_scene);
      BsRange fallback;

      /* "default" first, so that a type named after it overrides it. */
      if (json_object_has_member (on_scene, "default"))
        {
          if (!get_range (on_scene, "behaviour.on_scene_s", "default", 86400, &fallback, error))
            return FALSE;
          for (guint t = 0; t < BS_N_INCIDENT_TYPES; t++)
            b->on_scene_s[t] = fallback;
        }
      for (GList *l = members; l != NULL; l = l->next)
        {
          BcIncidentType type;

          if (strcmp (l->data, "default") == 0)
            continue;
          if (!bc_incident_type_from_string (l->data, &type))
            {
              g_autofree char *codes = enum_codes (BC_TYPE_INCIDENT_TYPE);
              return invalid (error, "behaviour.on_scene_s", "unknown type \"%s\" (expected "
                              "default, %s)", (const char *) l->data, codes);
            }
          if (!get_range (on_scene, "behaviour.on_scene_s", l->data, 86400,
                          &b->on_scene_s[type], error))
            return FALSE;
        }
    }

  if (speeds != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (speeds);

      for (GList *l = members; l != NULL; l = l->next)
        {
          BcUnitKind kind;
          double kmh;

          if (!bc_unit_kind_from_string (l->data, &kind))
            {
              g_autofree char *codes = enum_codes (BC_TYPE_UNIT_KIND);
              return invalid (error, "behaviour.speeds_kmh", "unknown kind \"%s\" (expected %s)",
                              (const char *) l->data, codes);
            }
          if (!get_number (speeds, "behaviour.speeds_kmh", l->data, TRUE, 1, 300, &kmh, error))
            return FALSE;
          b->speed_mps[kind] = kmh / 3.6;
        }
    }

  if (dispositions != NULL)
    {
      if (json_array_get_length (dispositions) == 0)
        return invalid (error, "behaviour.dispositions", "must not be empty");
      g_ptr_array_set_size (b->dispositions, 0);
      for (guint i = 0; i < json_array_get_length (dispositions); i++)
        {
          JsonNode *node = json_array_get_element (dispositions, i);
          const char *code;

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            {
              g_autofree char *path = g_strdup_printf ("behaviour.dispositions[%u]", i);
              return invalid (error, path, "expected a string, not %s", describe_node (node));
            }
          code = json_node_get_string (node);
          if (*code == '\0' || g_utf8_strlen (code, -1) > 32)
            {
              g_autofree char *path = g_strdup_printf ("behaviour.dispositions[%u]", i);
              return invalid (error, path, "a disposition code has 1 to 32 characters");
            }
          g_ptr_array_add (b->dispositions, g_strdup (code));
        }
    }
  return TRUE;
}

/* ---- Loading -------------------------------------------------------------------------------- */

static void
station_clear (gpointer data)
{
  BsScenarioStation *s = data;

  g_free (s->id);
  g_free (s->name);
  g_free (s->division);
}

static void
unit_clear (gpointer data)
{
  g_free (((BsScenarioUnit *) data)->call_sign);
}

static void
landmark_clear (gpointer data)
{
  BsScenarioLandmark *l = data;

  g_free (l->name);
  g_free (l->kind);
}

static void
incident_clear (gpointer data)
{
  BsScenarioIncident *i = data;

  g_free (i->address);
  g_free (i->caller_name);
  g_free (i->caller_phone);
  g_free (i->description);
}

static void
scenario_clear (gpointer data)
{
  BsScenario *self = data;

  g_free (self->path);
  g_free (self->name);
  g_free (self->notice);
  g_clear_pointer (&self->stations, g_array_unref);
  g_clear_pointer (&self->units, g_array_unref);
  g_clear_pointer (&self->landmarks, g_array_unref);
  g_clear_pointer (&self->cameras, g_ptr_array_unref);
  g_clear_pointer (&self->roads, bs_road_graph_unref);
  g_clear_pointer (&self->incidents, g_array_unref);
  g_clear_pointer (&self->random_mix, g_array_unref);
  g_clear_pointer (&self->behaviour.dispositions, g_ptr_array_unref);
}

static BsScenario *
scenario_new (void)
{
  BsScenario *self = g_rc_box_new0 (BsScenario);

  self->stations = g_array_new (FALSE, TRUE, sizeof (BsScenarioStation));
  g_array_set_clear_func (self->stations, station_clear);
  self->units = g_array_new (FALSE, TRUE, sizeof (BsScenarioUnit));
  g_array_set_clear_func (self->units, unit_clear);
  self->landmarks = g_array_new (FALSE, TRUE, sizeof (BsScenarioLandmark));
  g_array_set_clear_func (self->landmarks, landmark_clear);
  self->cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  self->roads = bs_road_graph_new ();
  self->incidents = g_array_new (FALSE, TRUE, sizeof (BsScenarioIncident));
  g_array_set_clear_func (self->incidents, incident_clear);
  self->random_mix = g_array_new (FALSE, TRUE, sizeof (BsScenarioMix));
  g_array_set_clear_func (self->random_mix, mix_clear);
  return self;
}

BsScenario *
bs_scenario_ref (BsScenario *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_rc_box_acquire (self);
}

void
bs_scenario_unref (BsScenario *self)
{
  g_return_if_fail (self != NULL);
  g_rc_box_release_full (self, scenario_clear);
}

BsScenario *
bs_scenario_load_from_data (const char  *data,
                            gssize       length,
                            const char  *base_dir,
                            gint64       now_us,
                            GError     **error)
{
  g_autoptr(BsScenario) self = scenario_new ();
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  Loader loader = { self, NULL, now_us };
  JsonObject *root;
  JsonNode *node;
  const char *name = NULL, *notice = NULL;
  gint64 duration = 7200;
  gboolean ok;

  g_return_val_if_fail (data != NULL, NULL);

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, BS_SCENARIO_ERROR, BS_SCENARIO_ERROR_PARSE, "not JSON: %s",
                   local_error->message);
      return NULL;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, BS_SCENARIO_ERROR, BS_SCENARIO_ERROR_INVALID,
                           "a scenario is a JSON object");
      return NULL;
    }
  root = json_node_get_object (node);

  loader.base_dir = g_strdup (base_dir != NULL ? base_dir : ".");
  ok = check_members (root, NULL,
                      (const char *const[]) { "name", "notice", "area", "start_time",
                                              "duration_s", "roads", "landmarks", "stations",
                                              "units", "cameras", "incidents", "random_incidents",
                                              "behaviour", NULL }, error) &&
       get_string (root, NULL, "name", TRUE, 128, &name, error) &&
       get_string (root, NULL, "notice", TRUE, 1000, &notice, error) &&
       get_int (root, NULL, "duration_s", FALSE, 60, MAX_DURATION_S, &duration, error) &&
       parse_area (&loader, root, error) &&
       parse_start_time (&loader, root, error);
  if (ok)
    {
      JsonArray *landmarks = NULL;

      self->name = g_strdup (name);
      self->notice = g_strdup (notice);
      self->duration_s = (guint) duration;
      ok = parse_roads (&loader, root, error) &&
           get_array (root, NULL, "landmarks", FALSE, &landmarks, error) &&
           parse_landmark_array (&loader, landmarks, "landmarks", error) &&
           parse_stations (&loader, root, error) &&
           parse_units (&loader, root, error) &&
           parse_cameras (&loader, root, error) &&
           parse_incidents (&loader, root, error) &&
           parse_random (&loader, root, error) &&
           parse_behaviour (&loader, root, error);
    }
  g_free (loader.base_dir);

  if (!ok)
    return NULL;
  return g_steal_pointer (&self);
}

BsScenario *
bs_scenario_load (const char  *path,
                  gint64       now_us,
                  GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) local_error = NULL;
  BsScenario *self;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, BS_SCENARIO_ERROR, BS_SCENARIO_ERROR_READ, "%s", local_error->message);
      return NULL;
    }

  dir = g_path_get_dirname (path);
  self = bs_scenario_load_from_data (contents, (gssize) length, dir, now_us, error);
  if (self != NULL)
    self->path = g_strdup (path);
  return self;
}

/* ---- Queries -------------------------------------------------------------------------------- */

const BsScenarioStation *
bs_scenario_find_station (BsScenario *self,
                          const char *id_or_name,
                          guint      *out_index)
{
  g_return_val_if_fail (self != NULL && id_or_name != NULL, NULL);

  for (guint i = 0; i < self->stations->len; i++)
    {
      const BsScenarioStation *s = &g_array_index (self->stations, BsScenarioStation, i);

      if (strcmp (s->id, id_or_name) == 0 || strcmp (s->name, id_or_name) == 0)
        {
          if (out_index != NULL)
            *out_index = i;
          return s;
        }
    }
  return NULL;
}

const BsScenarioLandmark *
bs_scenario_find_landmark (BsScenario *self,
                           const char *name)
{
  g_return_val_if_fail (self != NULL && name != NULL, NULL);

  for (guint i = 0; i < self->landmarks->len; i++)
    {
      const BsScenarioLandmark *l = &g_array_index (self->landmarks, BsScenarioLandmark, i);

      if (strcmp (l->name, name) == 0)
        return l;
    }
  return NULL;
}

char *
bs_scenario_describe_place (BsScenario *self,
                            double      lat,
                            double      lon)
{
  guint edge;

  g_return_val_if_fail (self != NULL, NULL);

  edge = bs_road_graph_nearest_edge (self->roads, lat, lon, NULL);
  if (edge == G_MAXUINT || *bs_road_graph_get_edge (self->roads, edge)->name == '\0')
    return g_strdup_printf ("%.5f,%.5f", lat, lon);
  /* Data, like the street names themselves: "象山大道附近" ("near Xiangshan Avenue"). */
  return g_strdup_printf ("%s附近", bs_road_graph_get_edge (self->roads, edge)->name);
}

guint
bs_scenario_local_hour (gint64 time_us)
{
  gint64 local_s = (time_us + CST_OFFSET_US) / G_USEC_PER_SEC;
  gint64 hour = (local_s / 3600) % 24;

  return (guint) (hour < 0 ? hour + 24 : hour);
}
