/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-server"

#include "config.h"

#include "bs-import.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "bc-camera.h"
#include "bc-error.h"
#include "bc-geo.h"
#include "bc-time.h"
#include "bc-unit.h"

G_DEFINE_QUARK (bs-import-error-quark, bs_import_error)

#define PROGRESS_EVERY_ROWS 256

typedef enum
{
  IMPORT_CAMERAS,
  IMPORT_UNITS,
} ImportKind;

typedef enum
{
  COLUMN_STRING,
  COLUMN_DOUBLE,
  COLUMN_BOOLEAN,
} ColumnType;

typedef struct
{
  const char *name;
  ColumnType  type;
  gboolean    required;
} ColumnSpec;

/* The CSV columns; GeoJSON properties use the same names (lat/lon come from the geometry). */
static const ColumnSpec camera_columns[] = {
  { "id",         COLUMN_STRING,  TRUE },
  { "name",       COLUMN_STRING,  TRUE },
  { "lat",        COLUMN_DOUBLE,  TRUE },
  { "lon",        COLUMN_DOUBLE,  TRUE },
  { "kind",       COLUMN_STRING,  TRUE },
  { "online",     COLUMN_BOOLEAN, FALSE },
  { "stream_uri", COLUMN_STRING,  FALSE },
  { "station",    COLUMN_STRING,  FALSE },
};

static const ColumnSpec unit_columns[] = {
  { "call_sign", COLUMN_STRING, TRUE },
  { "kind",      COLUMN_STRING, TRUE },
  { "station",   COLUMN_STRING, FALSE },
  { "lat",       COLUMN_DOUBLE, FALSE },
  { "lon",       COLUMN_DOUBLE, FALSE },
  { "status",    COLUMN_STRING, FALSE },
};

typedef struct
{
  ImportKind            kind;
  BsImportFlags         flags;
  BsImportProgressFunc  progress;
  gpointer              user_data;
  guint64               bytes_total;
  BsImportResult       *result;
} ImportContext;

static const ColumnSpec *
columns_for (ImportKind  kind,
             guint      *n_columns)
{
  switch (kind)
    {
    case IMPORT_CAMERAS:
      *n_columns = G_N_ELEMENTS (camera_columns);
      return camera_columns;
    case IMPORT_UNITS:
      *n_columns = G_N_ELEMENTS (unit_columns);
      return unit_columns;
    default:
      g_assert_not_reached ();
    }
}

void
bs_import_reject_free (BsImportReject *reject)
{
  if (reject == NULL)
    return;
  g_free (reject->reason);
  g_free (reject);
}

void
bs_import_result_free (BsImportResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->items, g_ptr_array_unref);
  g_clear_pointer (&result->rejects, g_ptr_array_unref);
  g_free (result);
}

char *
bs_import_reject_to_string (const BsImportReject *reject)
{
  g_return_val_if_fail (reject != NULL, NULL);

  if (reject->feature >= 0)
    return g_strdup_printf ("feature %d: %s", reject->feature, reject->reason);
  return g_strdup_printf ("line %u: %s", reject->line, reject->reason);
}

static void
add_reject (ImportContext *ctx,
            guint          line,
            int            feature,
            const char    *reason)
{
  BsImportReject *reject = g_new0 (BsImportReject, 1);

  reject->line = line;
  reject->feature = feature;
  reject->reason = g_strdup (reason);
  g_ptr_array_add (ctx->result->rejects, reject);
}

static void
report_progress (ImportContext *ctx,
                 guint64        bytes_done,
                 gboolean       force)
{
  if (ctx->progress == NULL)
    return;
  if (!force && ctx->result->n_rows % PROGRESS_EVERY_ROWS != 0)
    return;
  ctx->progress (ctx->result->n_rows, bytes_done, ctx->bytes_total, ctx->user_data);
}

/* ---- from a document to a model object ------------------------------------------------------ */

/* Applies the GCJ-02 → WGS-84 conversion in place when both coordinates are numbers in range;
 * anything else is left for the validator to reject with its usual message. */
static void
convert_datum (ImportContext *ctx,
               JsonObject    *doc,
               const char    *lat_member,
               const char    *lon_member)
{
  double lat, lon, w_lat, w_lon;

  if (!(ctx->flags & BS_IMPORT_FLAGS_GCJ02))
    return;
  if (!json_object_has_member (doc, lat_member) || !json_object_has_member (doc, lon_member))
    return;
  if (JSON_NODE_TYPE (json_object_get_member (doc, lat_member)) != JSON_NODE_VALUE
      || JSON_NODE_TYPE (json_object_get_member (doc, lon_member)) != JSON_NODE_VALUE)
    return;
  if (json_node_get_value_type (json_object_get_member (doc, lat_member)) != G_TYPE_DOUBLE
      && json_node_get_value_type (json_object_get_member (doc, lat_member)) != G_TYPE_INT64)
    return;
  if (json_node_get_value_type (json_object_get_member (doc, lon_member)) != G_TYPE_DOUBLE
      && json_node_get_value_type (json_object_get_member (doc, lon_member)) != G_TYPE_INT64)
    return;

  lat = json_object_get_double_member (doc, lat_member);
  lon = json_object_get_double_member (doc, lon_member);
  if (!bc_geo_is_valid (lat, lon))
    return;

  bc_gcj02_to_wgs84 (lat, lon, &w_lat, &w_lon);
  json_object_set_double_member (doc, lat_member, w_lat);
  json_object_set_double_member (doc, lon_member, w_lon);
}

static gpointer
camera_from_doc (JsonObject  *doc,
                 GError     **error)
{
  g_autoptr(JsonNode) node = NULL;

  /* A roster without an "online" column lists cameras that are in service. */
  if (!json_object_has_member (doc, "online"))
    json_object_set_boolean_member (doc, "online", TRUE);

  node = json_node_init_object (json_node_alloc (), doc);
  return bc_camera_from_json (node, error);
}

/* Only a unit's roster data is imported. A unit cannot be imported in the middle of a job
 * (that needs an order), so the status may only be available or off_duty; the id is assigned
 * by the store and a placeholder satisfies the codec here. */
static gpointer
unit_from_doc (JsonObject  *doc,
               GError     **error)
{
  g_autoptr(JsonObject) unit_doc = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean has_lat = json_object_has_member (doc, "lat");
  gboolean has_lon = json_object_has_member (doc, "lon");
  const char *status = "available";
  BcUnit *unit;

  json_object_set_int_member (unit_doc, "id", 1);
  json_object_set_int_member (unit_doc, "version", 1);
  for (const char *const *m = (const char *const[]) { "call_sign", "kind", "station", NULL };
       *m != NULL; m++)
    if (json_object_has_member (doc, *m))
      json_object_set_member (unit_doc, *m, json_node_copy (json_object_get_member (doc, *m)));

  if (json_object_has_member (doc, "status"))
    {
      JsonNode *s = json_object_get_member (doc, "status");

      if (JSON_NODE_HOLDS_VALUE (s) && json_node_get_value_type (s) == G_TYPE_STRING)
        {
          status = json_node_get_string (s);
          if (g_strcmp0 (status, "dispatched") == 0 || g_strcmp0 (status, "en_route") == 0
              || g_strcmp0 (status, "on_scene") == 0)
            {
              g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_UNKNOWN_VALUE,
                           "status: \"%s\" cannot be imported (only available or off_duty)",
                           status);
              return NULL;
            }
        }
      json_object_set_member (unit_doc, "status", json_node_copy (s));
    }
  else
    json_object_set_string_member (unit_doc, "status", status);

  if (has_lat != has_lon)
    {
      g_set_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_MISSING_FIELD,
                   "%s: is missing (lat and lon go together)", has_lat ? "lon" : "lat");
      return NULL;
    }
  if (has_lat)
    {
      JsonObject *position = json_object_new ();
      g_autofree char *now = bc_time_format (bc_time_now ());

      json_object_set_member (position, "lat", json_node_copy (json_object_get_member (doc, "lat")));
      json_object_set_member (position, "lon", json_node_copy (json_object_get_member (doc, "lon")));
      json_object_set_double_member (position, "heading", 0.0);
      json_object_set_double_member (position, "speed", 0.0);
      json_object_set_string_member (position, "at", now);
      json_object_set_object_member (unit_doc, "position", position);
    }

  node = json_node_init_object (json_node_alloc (), unit_doc);
  unit = bc_unit_from_json (node, &local_error);
  if (unit == NULL)
    {
      /* The file has "lat"/"lon" columns, not a "position" object: name them as the file does. */
      const char *msg = local_error->message;

      if (g_str_has_prefix (msg, "position."))
        msg += strlen ("position.");
      g_set_error_literal (error, local_error->domain, local_error->code, msg);
      return NULL;
    }
  return unit;
}

static gpointer
item_from_doc (ImportContext  *ctx,
               JsonObject     *doc,
               GError        **error)
{
  switch (ctx->kind)
    {
    case IMPORT_CAMERAS:
      convert_datum (ctx, doc, "lat", "lon");
      return camera_from_doc (doc, error);
    case IMPORT_UNITS:
      convert_datum (ctx, doc, "lat", "lon");
      return unit_from_doc (doc, error);
    default:
      g_assert_not_reached ();
    }
}

/* ---- CSV ------------------------------------------------------------------------------------ */

typedef enum
{
  CSV_RECORD,
  CSV_BAD_RECORD,
  CSV_END,
} CsvStatus;

typedef struct
{
  const char *data;
  gsize       len;
  gsize       pos;
  guint       line;   /* line number of data[pos] */
} CsvReader;

static gboolean
csv_at_eol (CsvReader *r)
{
  return r->pos >= r->len || r->data[r->pos] == '\n' || r->data[r->pos] == '\r';
}

/* Consumes one line ending (LF, CRLF or a lone CR) if there is one. */
static void
csv_skip_eol (CsvReader *r)
{
  if (r->pos < r->len && r->data[r->pos] == '\r')
    {
      r->pos++;
      if (r->pos < r->len && r->data[r->pos] == '\n')
        r->pos++;
      r->line++;
    }
  else if (r->pos < r->len && r->data[r->pos] == '\n')
    {
      r->pos++;
      r->line++;
    }
}

static void
csv_skip_rest_of_line (CsvReader *r)
{
  while (!csv_at_eol (r))
    r->pos++;
  csv_skip_eol (r);
}

/* RFC 4180 with the usual leniencies: LF, CRLF or CR line ends, blank lines skipped, unquoted
 * fields trimmed of surrounding blanks, a quote inside an unquoted field kept literally. A quoted
 * field may hold commas, doubled quotes and line breaks; the record's line is where it starts. */
static CsvStatus
csv_next_record (CsvReader  *r,
                 GPtrArray  *fields,
                 guint      *start_line,
                 char      **reason)
{
  g_ptr_array_set_size (fields, 0);

  while (r->pos < r->len && (r->data[r->pos] == '\n' || r->data[r->pos] == '\r'))
    csv_skip_eol (r);
  if (r->pos >= r->len)
    return CSV_END;

  *start_line = r->line;

  for (;;)
    {
      GString *field = g_string_new (NULL);

      if (r->data[r->pos] == '"')
        {
          gboolean closed = FALSE;

          r->pos++;
          while (r->pos < r->len)
            {
              char c = r->data[r->pos];

              if (c == '"')
                {
                  if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"')
                    {
                      g_string_append_c (field, '"');
                      r->pos += 2;
                      continue;
                    }
                  r->pos++;
                  closed = TRUE;
                  break;
                }
              if (c == '\n' || (c == '\r' && !(r->pos + 1 < r->len && r->data[r->pos + 1] == '\n')))
                r->line++;
              g_string_append_c (field, c);
              r->pos++;
            }

          if (!closed)
            {
              g_string_free (field, TRUE);
              *reason = g_strdup ("unterminated quoted field");
              return CSV_BAD_RECORD;
            }
          if (!csv_at_eol (r) && r->data[r->pos] != ',')
            {
              g_string_free (field, TRUE);
              *reason = g_strdup_printf ("field %u: unexpected text after a closing quote",
                                         fields->len + 1);
              csv_skip_rest_of_line (r);
              return CSV_BAD_RECORD;
            }
          g_ptr_array_add (fields, g_string_free (field, FALSE));
        }
      else
        {
          gsize start = r->pos;

          while (!csv_at_eol (r) && r->data[r->pos] != ',')
            r->pos++;
          g_string_append_len (field, r->data + start, r->pos - start);
          g_ptr_array_add (fields, g_strstrip (g_string_free (field, FALSE)));
        }

      if (csv_at_eol (r))
        {
          csv_skip_eol (r);
          return CSV_RECORD;
        }
      g_assert (r->data[r->pos] == ',');
      r->pos++;
    }
}

/* Turns one CSV cell into a typed JSON member. Empty optional cells are left out so that the
 * model's defaults apply; empty required cells are passed on and rejected by the validator. */
static gboolean
csv_cell_to_member (JsonObject        *doc,
                    const ColumnSpec  *spec,
                    const char        *cell,
                    char             **reason)
{
  if (*cell == '\0' && spec->type != COLUMN_STRING)
    {
      if (spec->required)
        {
          *reason = g_strdup_printf ("%s: is missing", spec->name);
          return FALSE;
        }
      return TRUE;
    }
  if (*cell == '\0' && !spec->required)
    return TRUE;

  switch (spec->type)
    {
    case COLUMN_STRING:
      json_object_set_string_member (doc, spec->name, cell);
      return TRUE;

    case COLUMN_DOUBLE:
      {
        char *end = NULL;
        double v;

        errno = 0;
        v = g_ascii_strtod (cell, &end);
        if (end == cell || *end != '\0' || errno == ERANGE || !isfinite (v))
          {
            *reason = g_strdup_printf ("%s: \"%s\" is not a number", spec->name, cell);
            return FALSE;
          }
        json_object_set_double_member (doc, spec->name, v);
        return TRUE;
      }

    case COLUMN_BOOLEAN:
      if (g_ascii_strcasecmp (cell, "true") == 0 || g_ascii_strcasecmp (cell, "yes") == 0
          || strcmp (cell, "1") == 0)
        json_object_set_boolean_member (doc, spec->name, TRUE);
      else if (g_ascii_strcasecmp (cell, "false") == 0 || g_ascii_strcasecmp (cell, "no") == 0
               || strcmp (cell, "0") == 0)
        json_object_set_boolean_member (doc, spec->name, FALSE);
      else
        {
          *reason = g_strdup_printf ("%s: \"%s\" is not true or false", spec->name, cell);
          return FALSE;
        }
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
import_csv (ImportContext  *ctx,
            const char     *data,
            gsize           len,
            GError        **error)
{
  CsvReader r = { data, len, 0, 1 };
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autofree int *column_of = NULL;   /* spec index -> CSV column, -1 when absent */
  const ColumnSpec *specs;
  guint n_specs;
  guint n_header;
  guint line = 0;
  g_autofree char *reason = NULL;

  specs = columns_for (ctx->kind, &n_specs);

  /* A UTF-8 byte order mark is what spreadsheet programs put in front of "CSV UTF-8". */
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    r.pos = 3;

  switch (csv_next_record (&r, fields, &line, &reason))
    {
    case CSV_RECORD:
      break;
    case CSV_END:
      g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_MALFORMED,
                   "the file is empty: a header row is required");
      return FALSE;
    case CSV_BAD_RECORD:
      g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_MALFORMED,
                   "line %u: header row: %s", line, reason);
      return FALSE;
    default:
      g_assert_not_reached ();
    }

  n_header = fields->len;
  column_of = g_new (int, n_specs);
  for (guint s = 0; s < n_specs; s++)
    {
      column_of[s] = -1;
      for (guint c = 0; c < n_header; c++)
        {
          if (g_ascii_strcasecmp (g_ptr_array_index (fields, c), specs[s].name) == 0)
            {
              if (column_of[s] >= 0)
                {
                  g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_MALFORMED,
                               "line %u: column \"%s\" appears twice", line, specs[s].name);
                  return FALSE;
                }
              column_of[s] = (int) c;
            }
        }
      if (column_of[s] < 0 && specs[s].required)
        {
          g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_MISSING_COLUMN,
                       "line %u: the header has no \"%s\" column", line, specs[s].name);
          return FALSE;
        }
    }

  for (;;)
    {
      g_autoptr(JsonObject) doc = NULL;
      g_autoptr(GError) local_error = NULL;
      gpointer item;
      CsvStatus status;
      gboolean ok = TRUE;

      g_clear_pointer (&reason, g_free);
      status = csv_next_record (&r, fields, &line, &reason);
      if (status == CSV_END)
        break;

      ctx->result->n_rows++;
      report_progress (ctx, r.pos, FALSE);

      if (status == CSV_BAD_RECORD)
        {
          add_reject (ctx, line, -1, reason);
          continue;
        }
      if (fields->len != n_header)
        {
          g_autofree char *msg = g_strdup_printf ("has %u fields, the header has %u",
                                                  fields->len, n_header);
          add_reject (ctx, line, -1, msg);
          continue;
        }

      doc = json_object_new ();
      for (guint s = 0; s < n_specs && ok; s++)
        {
          const char *cell;

          if (column_of[s] < 0)
            continue;
          cell = g_ptr_array_index (fields, column_of[s]);
          if (!g_utf8_validate (cell, -1, NULL))
            {
              reason = g_strdup_printf ("%s: is not valid UTF-8", specs[s].name);
              ok = FALSE;
            }
          else
            ok = csv_cell_to_member (doc, &specs[s], cell, &reason);
        }
      if (!ok)
        {
          add_reject (ctx, line, -1, reason);
          continue;
        }

      item = item_from_doc (ctx, doc, &local_error);
      if (item == NULL)
        {
          add_reject (ctx, line, -1, local_error->message);
          continue;
        }
      g_ptr_array_add (ctx->result->items, item);
    }

  report_progress (ctx, len, TRUE);
  return TRUE;
}

/* ---- GeoJSON -------------------------------------------------------------------------------- */

static gboolean
geojson_feature_to_doc (ImportContext  *ctx,
                        JsonNode       *node,
                        JsonObject    **out_doc,
                        char          **reason)
{
  JsonObject *feature;
  JsonObject *props = NULL;
  JsonNode *geometry;
  g_autoptr(JsonObject) doc = json_object_new ();
  const ColumnSpec *specs;
  guint n_specs;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      *reason = g_strdup ("is not an object");
      return FALSE;
    }
  feature = json_node_get_object (node);
  if (g_strcmp0 (json_object_get_string_member_with_default (feature, "type", NULL),
                 "Feature") != 0)
    {
      *reason = g_strdup ("type: is not \"Feature\"");
      return FALSE;
    }

  if (json_object_has_member (feature, "properties"))
    {
      JsonNode *p = json_object_get_member (feature, "properties");

      if (JSON_NODE_HOLDS_OBJECT (p))
        props = json_node_get_object (p);
      else if (!JSON_NODE_HOLDS_NULL (p))
        {
          *reason = g_strdup ("properties: is not an object");
          return FALSE;
        }
    }

  /* Only the known properties are taken: GeoJSON exports routinely carry extra ones. */
  specs = columns_for (ctx->kind, &n_specs);
  for (guint s = 0; s < n_specs; s++)
    {
      if (strcmp (specs[s].name, "lat") == 0 || strcmp (specs[s].name, "lon") == 0)
        continue;
      if (props != NULL && json_object_has_member (props, specs[s].name))
        json_object_set_member (doc, specs[s].name,
                                json_node_copy (json_object_get_member (props, specs[s].name)));
    }

  /* A camera's device code may also be the feature's own "id". */
  if (ctx->kind == IMPORT_CAMERAS && !json_object_has_member (doc, "id")
      && json_object_has_member (feature, "id"))
    json_object_set_member (doc, "id", json_node_copy (json_object_get_member (feature, "id")));

  geometry = json_object_get_member (feature, "geometry");
  if (geometry == NULL || JSON_NODE_HOLDS_NULL (geometry))
    {
      /* A unit without a position is allowed; a camera must be somewhere. */
      if (ctx->kind == IMPORT_CAMERAS)
        {
          *reason = g_strdup ("geometry: is missing");
          return FALSE;
        }
    }
  else
    {
      JsonObject *g;
      JsonArray *coords;
      JsonNode *lon_node, *lat_node;

      if (!JSON_NODE_HOLDS_OBJECT (geometry))
        {
          *reason = g_strdup ("geometry: is not an object");
          return FALSE;
        }
      g = json_node_get_object (geometry);
      if (g_strcmp0 (json_object_get_string_member_with_default (g, "type", NULL), "Point") != 0)
        {
          *reason = g_strdup ("geometry.type: is not \"Point\"");
          return FALSE;
        }
      if (!json_object_has_member (g, "coordinates")
          || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (g, "coordinates")))
        {
          *reason = g_strdup ("geometry.coordinates: is not an array");
          return FALSE;
        }
      coords = json_object_get_array_member (g, "coordinates");
      if (json_array_get_length (coords) < 2)
        {
          *reason = g_strdup ("geometry.coordinates: needs [lon, lat]");
          return FALSE;
        }
      lon_node = json_array_get_element (coords, 0);
      lat_node = json_array_get_element (coords, 1);
      if (!JSON_NODE_HOLDS_VALUE (lon_node)
          || (json_node_get_value_type (lon_node) != G_TYPE_DOUBLE
              && json_node_get_value_type (lon_node) != G_TYPE_INT64)
          || !JSON_NODE_HOLDS_VALUE (lat_node)
          || (json_node_get_value_type (lat_node) != G_TYPE_DOUBLE
              && json_node_get_value_type (lat_node) != G_TYPE_INT64))
        {
          *reason = g_strdup ("geometry.coordinates: are not numbers");
          return FALSE;
        }
      json_object_set_double_member (doc, "lat", json_node_get_double (lat_node));
      json_object_set_double_member (doc, "lon", json_node_get_double (lon_node));
    }

  *out_doc = g_steal_pointer (&doc);
  return TRUE;
}

static gboolean
import_geojson (ImportContext  *ctx,
                const char     *data,
                gsize           len,
                GError        **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *collection;
  JsonArray *features;
  guint n;

  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      len -= 3;
    }

  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_MALFORMED,
                   "not valid JSON: %s", local_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (root),
                                                                "type", NULL),
                    "FeatureCollection") != 0)
    {
      g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_MALFORMED,
                   "not a GeoJSON FeatureCollection");
      return FALSE;
    }
  collection = json_node_get_object (root);
  if (!json_object_has_member (collection, "features")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (collection, "features")))
    {
      g_set_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_MALFORMED,
                   "features: is not an array");
      return FALSE;
    }

  features = json_object_get_array_member (collection, "features");
  n = json_array_get_length (features);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) doc = NULL;
      g_autoptr(GError) row_error = NULL;
      g_autofree char *reason = NULL;
      gpointer item;

      ctx->result->n_rows++;
      /* The whole document is parsed before the first feature; bytes advance by feature. */
      report_progress (ctx, (guint64) len * i / n, FALSE);

      if (!geojson_feature_to_doc (ctx, json_array_get_element (features, i), &doc, &reason))
        {
          add_reject (ctx, 0, (int) i, reason);
          continue;
        }
      item = item_from_doc (ctx, doc, &row_error);
      if (item == NULL)
        {
          add_reject (ctx, 0, (int) i, row_error->message);
          continue;
        }
      g_ptr_array_add (ctx->result->items, item);
    }

  report_progress (ctx, len, TRUE);
  return TRUE;
}

/* ---- entry points --------------------------------------------------------------------------- */

static BsImportFormat
sniff_format (const char *data,
              gsize       len)
{
  gsize i = 0;

  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i < len && data[i] == '{')
    return BS_IMPORT_FORMAT_GEOJSON;
  return BS_IMPORT_FORMAT_CSV;
}

static BsImportResult *
import_bytes (ImportKind             kind,
              GBytes                *bytes,
              BsImportFormat         format,
              BsImportFlags          flags,
              BsImportProgressFunc   progress,
              gpointer               user_data,
              GError               **error)
{
  ImportContext ctx = { 0 };
  g_autoptr(BsImportResult) result = g_new0 (BsImportResult, 1);
  const char *data;
  gsize len;
  gboolean ok;

  data = g_bytes_get_data (bytes, &len);
  if (data == NULL)
    data = "";

  result->items = g_ptr_array_new_with_free_func (kind == IMPORT_CAMERAS
                                                    ? (GDestroyNotify) bc_camera_unref
                                                    : g_object_unref);
  result->rejects = g_ptr_array_new_with_free_func ((GDestroyNotify) bs_import_reject_free);

  ctx.kind = kind;
  ctx.flags = flags;
  ctx.progress = progress;
  ctx.user_data = user_data;
  ctx.bytes_total = len;
  ctx.result = result;

  if (format == BS_IMPORT_FORMAT_AUTO)
    format = sniff_format (data, len);

  if (format == BS_IMPORT_FORMAT_GEOJSON)
    ok = import_geojson (&ctx, data, len, error);
  else
    ok = import_csv (&ctx, data, len, error);

  if (!ok)
    return NULL;
  return g_steal_pointer (&result);
}

static BsImportResult *
import_file (ImportKind             kind,
             const char            *path,
             BsImportFormat         format,
             BsImportFlags          flags,
             BsImportProgressFunc   progress,
             gpointer               user_data,
             GError               **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;

  mapped = g_mapped_file_new (path, FALSE, error);
  if (mapped == NULL)
    return NULL;
  bytes = g_mapped_file_get_bytes (mapped);

  if (format == BS_IMPORT_FORMAT_AUTO)
    {
      g_autofree char *lower = g_ascii_strdown (path, -1);

      if (g_str_has_suffix (lower, ".csv"))
        format = BS_IMPORT_FORMAT_CSV;
      else if (g_str_has_suffix (lower, ".geojson") || g_str_has_suffix (lower, ".json"))
        format = BS_IMPORT_FORMAT_GEOJSON;
    }

  return import_bytes (kind, bytes, format, flags, progress, user_data, error);
}

BsImportResult *
bs_import_cameras_from_bytes (GBytes                *data,
                              BsImportFormat         format,
                              BsImportFlags          flags,
                              BsImportProgressFunc   progress,
                              gpointer               user_data,
                              GError               **error)
{
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return import_bytes (IMPORT_CAMERAS, data, format, flags, progress, user_data, error);
}

BsImportResult *
bs_import_units_from_bytes (GBytes                *data,
                            BsImportFormat         format,
                            BsImportFlags          flags,
                            BsImportProgressFunc   progress,
                            gpointer               user_data,
                            GError               **error)
{
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return import_bytes (IMPORT_UNITS, data, format, flags, progress, user_data, error);
}

BsImportResult *
bs_import_cameras_from_file (const char            *path,
                             BsImportFormat         format,
                             BsImportFlags          flags,
                             BsImportProgressFunc   progress,
                             gpointer               user_data,
                             GError               **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return import_file (IMPORT_CAMERAS, path, format, flags, progress, user_data, error);
}

BsImportResult *
bs_import_units_from_file (const char            *path,
                           BsImportFormat         format,
                           BsImportFlags          flags,
                           BsImportProgressFunc   progress,
                           gpointer               user_data,
                           GError               **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return import_file (IMPORT_UNITS, path, format, flags, progress, user_data, error);
}
