/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-core"

#include "config.h"

#include "bc-districts.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

/* An incident's district is stored with it (bc-incident.h allows 32 characters). */
#define LABEL_MAX_CHARS 32

static gboolean
data_error (GError     **error,
            const char  *path,
            const char  *format,
            ...) G_GNUC_PRINTF (3, 4);

static gboolean
data_error (GError     **error,
            const char  *path,
            const char  *format,
            ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", path, what);
  return FALSE;
}

static JsonArray *
get_array (JsonObject *object,
           const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
get_object (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

/* [lon, lat] with two numbers on the globe. */
static gboolean
read_position (JsonNode        *node,
               BcDistrictPoint *out)
{
  JsonArray *pair;
  JsonNode *lon, *lat;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  pair = json_node_get_array (node);
  if (json_array_get_length (pair) < 2)
    return FALSE;
  lon = json_array_get_element (pair, 0);
  lat = json_array_get_element (pair, 1);
  if (!JSON_NODE_HOLDS_VALUE (lon) || !JSON_NODE_HOLDS_VALUE (lat)
      || (json_node_get_value_type (lon) != G_TYPE_DOUBLE
          && json_node_get_value_type (lon) != G_TYPE_INT64)
      || (json_node_get_value_type (lat) != G_TYPE_DOUBLE
          && json_node_get_value_type (lat) != G_TYPE_INT64))
    return FALSE;
  out->lon = json_node_get_double (lon);
  out->lat = json_node_get_double (lat);
  return bc_geo_is_valid (out->lat, out->lon);
}

static gboolean
read_ring (BcDistricts  *self,
           JsonNode     *node,
           guint         feature,
           guint         ring_number,
           const char   *path,
           GError      **error)
{
  BcDistrictRing ring = { 0 };
  BcDistrict *district = &g_array_index (self->districts, BcDistrict, self->districts->len - 1);
  const BcDistrictPoint *first, *last;
  JsonArray *coords;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return data_error (error, path, "feature %u (%s): ring %u is not an array of positions",
                       feature, district->name, ring_number);
  coords = json_node_get_array (node);

  ring.district = self->districts->len - 1;
  ring.first = self->points->len;
  bc_geo_bounds_set_empty (&ring.bounds);
  for (guint i = 0; i < json_array_get_length (coords); i++)
    {
      BcDistrictPoint p;

      if (!read_position (json_array_get_element (coords, i), &p))
        return data_error (error, path,
                           "feature %u (%s): ring %u, position %u is not [lon, lat] on the globe",
                           feature, district->name, ring_number, i);
      g_array_append_val (self->points, p);
      bc_geo_bounds_extend (&ring.bounds, p.lat, p.lon);
      ring.n++;
    }

  if (ring.n < 4)
    return data_error (error, path, "feature %u (%s): ring %u has %u positions, not at least 4",
                       feature, district->name, ring_number, ring.n);
  first = &g_array_index (self->points, BcDistrictPoint, ring.first);
  last = &g_array_index (self->points, BcDistrictPoint, ring.first + ring.n - 1);
  if (first->lat != last->lat || first->lon != last->lon)
    return data_error (error, path, "feature %u (%s): ring %u is not closed", feature,
                       district->name, ring_number);

  g_array_append_val (self->rings, ring);
  district->n_rings++;
  bc_geo_bounds_extend (&district->bounds, ring.bounds.min_lat, ring.bounds.min_lon);
  bc_geo_bounds_extend (&district->bounds, ring.bounds.max_lat, ring.bounds.max_lon);
  return TRUE;
}

static gboolean
read_feature (BcDistricts  *self,
              JsonNode     *node,
              guint         number,
              const char   *path,
              GError      **error)
{
  JsonObject *feature = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                        ? json_node_get_object (node) : NULL;
  JsonObject *props = get_object (feature, "properties");
  JsonObject *geometry = get_object (feature, "geometry");
  JsonArray *coords = get_array (geometry, "coordinates");
  g_autoptr(GPtrArray) polygons = g_ptr_array_new ();
  BcDistrict district = { 0 };
  BcDistrict *added;
  const char *name, *label, *type;
  JsonNode *label_point;
  guint ring_number = 0;

  if (props == NULL || geometry == NULL || coords == NULL)
    return data_error (error, path, "feature %u lacks properties, geometry or coordinates",
                       number);

  name = get_string (props, "name");
  if (name == NULL || *name == '\0')
    return data_error (error, path, "feature %u has no name", number);
  label = get_string (props, "label");
  if (label == NULL || *label == '\0')
    label = name;
  if (!g_utf8_validate (label, -1, NULL) || g_utf8_strlen (label, -1) > LABEL_MAX_CHARS)
    return data_error (error, path, "feature %u: the name %s is longer than %u characters",
                       number, label, LABEL_MAX_CHARS);

  type = get_string (geometry, "type");
  if (g_strcmp0 (type, "Polygon") == 0)
    {
      g_ptr_array_add (polygons, json_object_get_member (geometry, "coordinates"));
    }
  else if (g_strcmp0 (type, "MultiPolygon") == 0)
    {
      for (guint i = 0; i < json_array_get_length (coords); i++)
        g_ptr_array_add (polygons, json_array_get_element (coords, i));
    }
  else
    return data_error (error, path, "feature %u (%s) is a %s, not a Polygon or MultiPolygon",
                       number, name, type != NULL ? type : "geometry without a type");

  district.name = g_strdup (name);
  district.label = g_strdup (label);
  district.first_ring = self->rings->len;
  bc_geo_bounds_set_empty (&district.bounds);
  g_array_append_val (self->districts, district);

  for (guint p = 0; p < polygons->len; p++)
    {
      JsonNode *polygon = g_ptr_array_index (polygons, p);
      JsonArray *rings;

      if (polygon == NULL || !JSON_NODE_HOLDS_ARRAY (polygon)
          || json_array_get_length (rings = json_node_get_array (polygon)) == 0)
        return data_error (error, path, "feature %u (%s): polygon %u has no rings", number, name,
                           p);
      for (guint r = 0; r < json_array_get_length (rings); r++)
        if (!read_ring (self, json_array_get_element (rings, r), number, ring_number++, path,
                        error))
          return FALSE;
    }
  if (polygons->len == 0)
    return data_error (error, path, "feature %u (%s) has no polygons", number, name);

  added = &g_array_index (self->districts, BcDistrict, self->districts->len - 1);
  label_point = json_object_get_member (props, "label_point");
  if (label_point != NULL && !JSON_NODE_HOLDS_NULL (label_point))
    {
      if (!read_position (label_point, &added->label_point))
        return data_error (error, path, "feature %u (%s): label_point is not [lon, lat]", number,
                           name);
    }
  else
    {
      added->label_point.lat = (added->bounds.min_lat + added->bounds.max_lat) / 2;
      added->label_point.lon = (added->bounds.min_lon + added->bounds.max_lon) / 2;
    }
  bc_geo_bounds_extend (&self->bounds, added->bounds.min_lat, added->bounds.min_lon);
  bc_geo_bounds_extend (&self->bounds, added->bounds.max_lat, added->bounds.max_lon);
  return TRUE;
}

static void
districts_clear (gpointer data)
{
  BcDistricts *self = data;

  if (self->districts != NULL)
    for (guint i = 0; i < self->districts->len; i++)
      {
        g_free (g_array_index (self->districts, BcDistrict, i).name);
        g_free (g_array_index (self->districts, BcDistrict, i).label);
      }
  g_clear_pointer (&self->points, g_array_unref);
  g_clear_pointer (&self->districts, g_array_unref);
  g_clear_pointer (&self->rings, g_array_unref);
}

/**
 * bc_districts_load:
 * @path: a GeoJSON FeatureCollection of Polygon or MultiPolygon features in WGS-84
 *
 * Reads district outlines. Each feature's properties give `name`, optionally `label` (the
 * current name, what bc_districts_find() answers; at most 32 characters) and `label_point`
 * (`[lon, lat]`). Every ring must be closed and have at least four positions.
 *
 * Returns: (transfer full): the districts, or %NULL with @error set (%G_IO_ERROR_INVALID_DATA
 *   for a file that is not such a collection, naming the feature and ring)
 */
BcDistricts *
bc_districts_load (const char  *path,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(BcDistricts) self = NULL;
  JsonNode *root;
  JsonArray *features;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!json_parser_load_from_mapped_file (parser, path, error))
    return NULL;
  root = json_parser_get_root (parser);
  features = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
             ? get_array (json_node_get_object (root), "features") : NULL;
  if (features == NULL)
    {
      data_error (error, path, "not a GeoJSON FeatureCollection");
      return NULL;
    }

  self = g_atomic_rc_box_new0 (BcDistricts);
  self->points = g_array_new (FALSE, FALSE, sizeof (BcDistrictPoint));
  self->districts = g_array_new (FALSE, FALSE, sizeof (BcDistrict));
  self->rings = g_array_new (FALSE, FALSE, sizeof (BcDistrictRing));
  bc_geo_bounds_set_empty (&self->bounds);

  for (guint f = 0; f < json_array_get_length (features); f++)
    if (!read_feature (self, json_array_get_element (features, f), f, path, error))
      return NULL;
  if (self->districts->len == 0)
    {
      data_error (error, path, "no districts");
      return NULL;
    }

  g_debug ("Districts: %u districts, %u rings, %u points from %s", self->districts->len,
           self->rings->len, self->points->len, path);
  return g_steal_pointer (&self);
}

BcDistricts *
bc_districts_ref (BcDistricts *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
bc_districts_unref (BcDistricts *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, districts_clear);
}

/* Even-odd crossings of a ray from the point towards the east. An edge counts when exactly one
 * end is north of the point (half-open, so a ray through a vertex counts once), and the
 * crossing is computed from the edge's southern end whichever way the ring runs: two
 * neighbours share their border edges, so a point on the border is east or west of the very
 * same crossing for both and falls in exactly one of them. */
static gboolean
ring_crosses_odd (const BcDistricts    *self,
                  const BcDistrictRing *ring,
                  double                lat,
                  double                lon)
{
  const BcDistrictPoint *p = &g_array_index (self->points, BcDistrictPoint, ring->first);
  gboolean inside = FALSE;

  for (guint i = 0; i + 1 < ring->n; i++)
    {
      const BcDistrictPoint *a = &p[i], *b = &p[i + 1];

      if ((a->lat > lat) != (b->lat > lat))
        {
          const BcDistrictPoint *s = a->lat < b->lat ? a : b;
          const BcDistrictPoint *n = a->lat < b->lat ? b : a;
          double cross_lon = s->lon + (lat - s->lat) * (n->lon - s->lon) / (n->lat - s->lat);

          if (lon < cross_lon)
            inside = !inside;
        }
    }
  return inside;
}

int
bc_districts_find_index (const BcDistricts *self,
                         double             lat,
                         double             lon)
{
  g_return_val_if_fail (self != NULL, -1);

  if (!bc_geo_bounds_contains (&self->bounds, lat, lon))
    return -1;

  for (guint d = 0; d < self->districts->len; d++)
    {
      const BcDistrict *district = &g_array_index (self->districts, BcDistrict, d);
      gboolean inside = FALSE;

      if (!bc_geo_bounds_contains (&district->bounds, lat, lon))
        continue;
      /* All rings of all its polygons together: a hole is inside an outer ring, so a point in
       * it crosses both; a polygon of a multipolygon adds its crossings only to its own area. */
      for (guint r = district->first_ring; r < district->first_ring + district->n_rings; r++)
        {
          const BcDistrictRing *ring = &g_array_index (self->rings, BcDistrictRing, r);

          /* No edge of a ring entirely north, south or west of the point crosses the ray. */
          if (lat < ring->bounds.min_lat || lat > ring->bounds.max_lat
              || lon > ring->bounds.max_lon)
            continue;
          if (ring_crosses_odd (self, ring, lat, lon))
            inside = !inside;
        }
      if (inside)
        return (int) d;
    }
  return -1;
}

/**
 * bc_districts_find:
 *
 * Points on the border of two districts belong to exactly one of them, the same every time.
 *
 * Returns: (nullable): the label of the district that contains the point (owned by @self),
 *   or %NULL when it lies outside every district
 */
const char *
bc_districts_find (const BcDistricts *self,
                   double             lat,
                   double             lon)
{
  int index;

  g_return_val_if_fail (self != NULL, NULL);

  index = bc_districts_find_index (self, lat, lon);
  return index >= 0 ? g_array_index (self->districts, BcDistrict, index).label : NULL;
}

char *
bc_districts_find_data_file (const char *name)
{
  const char *dirs[] = { g_getenv ("BEACON_DATADIR"), PKGDATADIR, SOURCE_DATADIR };

  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = NULL;

      if (dirs[i] == NULL || dirs[i][0] == '\0')
        continue;
      path = g_build_filename (dirs[i], "basemap", name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}
