/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <string.h>

#include "bc-model.h"

/*
 * Tests of libbeacon's domain types and their JSON codec (docs/domain.md): round trips, a
 * table of malformed documents, the status lifecycles, change notification and times.
 */

/* ------------------------------------------------------------------------------------------ */
/* Canonical documents: what the encoders write, member for member.                            */
/* ------------------------------------------------------------------------------------------ */

static const char incident_doc[] =
  "{\"id\":12,\"number\":\"JQ202611240001\",\"type\":\"traffic\",\"priority\":2,"
  "\"status\":\"dispatched\",\"location\":{\"lat\":31.0355,\"lon\":112.204},"
  "\"address\":\"象山大道与白庙路交叉口\",\"district\":\"东宝区\","
  "\"caller\":{\"name\":\"张先生\",\"phone\":\"13800000000\"},"
  "\"description\":\"两车相撞，无人受伤\",\"units\":[3,5],\"disposition\":null,"
  "\"created_at\":\"2026-11-24T16:57:14.123Z\",\"dispatched_at\":\"2026-11-24T16:58:00.000Z\","
  "\"en_route_at\":null,\"on_scene_at\":null,\"closed_at\":null,\"cancelled_at\":null,"
  "\"updated_at\":\"2026-11-24T16:58:00.500Z\",\"version\":3}";

/* A closed incident: every time set, anonymous caller, no units left. */
static const char incident_closed_doc[] =
  "{\"id\":13,\"number\":\"JQ202611240002\",\"type\":\"public_order\",\"priority\":4,"
  "\"status\":\"closed\",\"location\":{\"lat\":-90.0,\"lon\":180.0},"
  "\"address\":\"\",\"district\":null,\"caller\":null,\"description\":null,\"units\":[],"
  "\"disposition\":\"resolved\",\"created_at\":\"2026-11-24T01:00:00.000Z\","
  "\"dispatched_at\":\"2026-11-24T01:01:00.000Z\",\"en_route_at\":\"2026-11-24T01:02:00.000Z\","
  "\"on_scene_at\":\"2026-11-24T01:10:00.000Z\",\"closed_at\":\"2026-11-24T02:00:00.000Z\","
  "\"cancelled_at\":null,\"updated_at\":\"2026-11-24T02:00:00.000Z\",\"version\":9}";

static const char create_doc[] =
  "{\"type\":\"fire\",\"priority\":1,\"location\":{\"lat\":31.0,\"lon\":112.1},"
  "\"address\":\"白庙路12号\",\"caller\":{\"name\":\"李女士\",\"phone\":\"+86 138-0000-0000\"},"
  "\"description\":\"厨房起火\"}";

static const char unit_doc[] =
  "{\"id\":7,\"call_sign\":\"东宝巡01\",\"kind\":\"patrol_car\",\"station\":\"龙泉派出所\","
  "\"status\":\"en_route\",\"position\":{\"lat\":31.04,\"lon\":112.2,\"heading\":90.0,"
  "\"speed\":12.5,\"at\":\"2026-11-24T16:57:10.000Z\"},\"incident\":12,\"version\":4}";

static const char unit_no_fix_doc[] =
  "{\"id\":8,\"call_sign\":\"掇刀步01\",\"kind\":\"foot\",\"station\":null,"
  "\"status\":\"available\",\"position\":null,\"incident\":null,\"version\":0}";

static const char camera_doc[] =
  "{\"id\":\"42080200001320000001\",\"name\":\"象山大道白庙路口东\",\"lat\":31.03,"
  "\"lon\":112.2,\"kind\":\"dome\",\"online\":true,\"stream_uri\":\"rtsp://10.0.0.1/ch1\","
  "\"station\":\"龙泉派出所\"}";

static const char order_doc[] =
  "{\"id\":5,\"incident\":12,\"instructions\":\"立即前往现场处置\",\"issued_by\":\"dispatcher1\","
  "\"issued_at\":\"2026-11-24T16:58:00.000Z\",\"idempotency_key\":\"6f1c2a\","
  "\"units\":[{\"unit\":3,\"state\":\"sent\",\"at\":\"2026-11-24T16:58:00.000Z\"},"
  "{\"unit\":5,\"state\":\"acknowledged\",\"at\":\"2026-11-24T16:58:20.250Z\"}]}";

static const char note_doc[] =
  "{\"id\":9,\"incident\":12,\"author\":\"dispatcher1\",\"at\":\"2026-11-24T17:01:00.000Z\","
  "\"text\":\"报警人再次来电\"}";

static const char event_doc[] =
  "{\"seq\":118,\"type\":\"unit.moved\",\"at\":\"2026-11-24T17:01:02.000Z\","
  "\"data\":{\"unit\":7,\"lat\":31.05,\"lon\":112.21}}";

static const char user_doc[] =
  "{\"username\":\"dispatcher1\",\"role\":\"dispatcher\",\"display_name\":\"调度员一\"}";

/* 2026-11-24T16:57:14.123456Z */
#define SAMPLE_USEC G_GINT64_CONSTANT (1795539434123456)

/* ------------------------------------------------------------------------------------------ */
/* Decoding by kind, so that tables can name the decoder                                       */
/* ------------------------------------------------------------------------------------------ */

typedef enum
{
  KIND_INCIDENT,
  KIND_CREATE,
  KIND_UNIT,
  KIND_CAMERA,
  KIND_ORDER,
  KIND_NOTE,
  KIND_EVENT,
  KIND_USER,
} DocKind;

static const char *
kind_base_doc (DocKind kind)
{
  switch (kind)
    {
    case KIND_INCIDENT:
      return incident_doc;
    case KIND_CREATE:
      return create_doc;
    case KIND_UNIT:
      return unit_doc;
    case KIND_CAMERA:
      return camera_doc;
    case KIND_ORDER:
      return order_doc;
    case KIND_NOTE:
      return note_doc;
    case KIND_EVENT:
      return event_doc;
    case KIND_USER:
      return user_doc;
    default:
      g_assert_not_reached ();
    }
}

/* Decodes @data with the decoder of @kind and encodes the result again; NULL on error. */
static JsonNode *
decode_encode (DocKind      kind,
               const char  *data,
               gssize       length,
               GError     **error)
{
  switch (kind)
    {
    case KIND_INCIDENT:
      {
        g_autoptr(BcIncident) incident = bc_incident_from_json_string (data, length, error);
        return incident != NULL ? bc_incident_to_json (incident) : NULL;
      }
    case KIND_CREATE:
      {
        g_autoptr(BcIncident) incident = bc_incident_from_create_json_string (data, length, error);
        return incident != NULL ? bc_incident_to_create_json (incident) : NULL;
      }
    case KIND_UNIT:
      {
        g_autoptr(BcUnit) unit = bc_unit_from_json_string (data, length, error);
        return unit != NULL ? bc_unit_to_json (unit) : NULL;
      }
    case KIND_CAMERA:
      {
        g_autoptr(BcCamera) camera = bc_camera_from_json_string (data, length, error);
        return camera != NULL ? bc_camera_to_json (camera) : NULL;
      }
    case KIND_ORDER:
      {
        g_autoptr(BcOrder) order = bc_order_from_json_string (data, length, error);
        return order != NULL ? bc_order_to_json (order) : NULL;
      }
    case KIND_NOTE:
      {
        g_autoptr(BcNote) note = bc_note_from_json_string (data, length, error);
        return note != NULL ? bc_note_to_json (note) : NULL;
      }
    case KIND_EVENT:
      {
        g_autoptr(BcEvent) event = bc_event_from_json_string (data, length, error);
        return event != NULL ? bc_event_to_json (event) : NULL;
      }
    case KIND_USER:
      {
        g_autoptr(BcUser) user = bc_user_from_json_string (data, length, error);
        return user != NULL ? bc_user_to_json (user) : NULL;
      }
    default:
      g_assert_not_reached ();
    }
}

/* json-glib's own rendering of a document, to compare encoder output with. */
static char *
normalize (const char *doc)
{
  g_autoptr(JsonNode) node = json_from_string (doc, NULL);

  g_assert_nonnull (node);
  return json_to_string (node, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Round trips                                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  DocKind     kind;
  const char *doc;
} RoundTrip;

static void
test_round_trip (gconstpointer data)
{
  const RoundTrip *rt = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) encoded = NULL;
  g_autoptr(JsonNode) encoded_again = NULL;
  g_autoptr(JsonNode) original = NULL;
  g_autofree char *expected = normalize (rt->doc);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  encoded = decode_encode (rt->kind, rt->doc, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (encoded);

  /* Same members, same order, same values. */
  first = bc_json_to_string (encoded);
  g_assert_cmpstr (first, ==, expected);

  original = json_from_string (rt->doc, NULL);
  g_assert_true (json_node_equal (original, encoded));

  /* And encoding is a fixed point. */
  encoded_again = decode_encode (rt->kind, first, -1, &error);
  g_assert_no_error (error);
  second = bc_json_to_string (encoded_again);
  g_assert_cmpstr (second, ==, first);
}

static void
test_incident_decode_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = bc_incident_from_json_string (incident_doc, -1, &error);
  const gint64 *units;
  guint n_units = 0;

  g_assert_no_error (error);
  g_assert_cmpint (bc_incident_get_id (incident), ==, 12);
  g_assert_cmpstr (bc_incident_get_number (incident), ==, "JQ202611240001");
  g_assert_cmpint (bc_incident_get_incident_type (incident), ==, BC_INCIDENT_TYPE_TRAFFIC);
  g_assert_cmpint (bc_incident_get_priority (incident), ==, 2);
  g_assert_cmpint (bc_incident_get_status (incident), ==, BC_INCIDENT_STATUS_DISPATCHED);
  g_assert_true (bc_incident_is_open (incident));
  g_assert_cmpfloat (bc_incident_get_lat (incident), ==, 31.0355);
  g_assert_cmpfloat (bc_incident_get_lon (incident), ==, 112.204);
  g_assert_cmpstr (bc_incident_get_address (incident), ==, "象山大道与白庙路交叉口");
  g_assert_cmpstr (bc_incident_get_district (incident), ==, "东宝区");
  g_assert_cmpstr (bc_incident_get_caller_name (incident), ==, "张先生");
  g_assert_cmpstr (bc_incident_get_caller_phone (incident), ==, "13800000000");
  g_assert_cmpstr (bc_incident_get_description (incident), ==, "两车相撞，无人受伤");
  g_assert_null (bc_incident_get_disposition (incident));
  units = bc_incident_get_units (incident, &n_units);
  g_assert_cmpuint (n_units, ==, 2);
  g_assert_cmpint (units[0], ==, 3);
  g_assert_cmpint (units[1], ==, 5);
  g_assert_true (bc_incident_has_unit (incident, 5));
  g_assert_false (bc_incident_has_unit (incident, 4));
  g_assert_cmpint (bc_incident_get_created_at (incident), ==, SAMPLE_USEC - 456);
  g_assert_cmpint (bc_incident_get_en_route_at (incident), ==, 0);
  g_assert_cmpint (bc_incident_get_version (incident), ==, 3);
}

static void
test_incident_create_decode (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = bc_incident_from_create_json_string (create_doc, -1, &error);

  g_assert_no_error (error);
  g_assert_cmpint (bc_incident_get_id (incident), ==, 0);
  g_assert_null (bc_incident_get_number (incident));
  g_assert_cmpint (bc_incident_get_status (incident), ==, BC_INCIDENT_STATUS_NEW);
  g_assert_cmpint (bc_incident_get_incident_type (incident), ==, BC_INCIDENT_TYPE_FIRE);
  g_assert_cmpint (bc_incident_get_priority (incident), ==, 1);
  g_assert_cmpstr (bc_incident_get_caller_phone (incident), ==, "+86 138-0000-0000");
}

/* Optional members of a create document may be absent; caller may be null (anonymous). */
static void
test_incident_create_minimal (void)
{
  const char *doc = "{\"type\":\"other\",\"priority\":3,\"location\":{\"lat\":31,\"lon\":112},"
                    "\"address\":\"东宝区\",\"caller\":null}";
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = bc_incident_from_create_json_string (doc, -1, &error);

  g_assert_no_error (error);
  g_assert_null (bc_incident_get_caller_name (incident));
  g_assert_null (bc_incident_get_caller_phone (incident));
  g_assert_null (bc_incident_get_description (incident));
  /* Integers are fine where a coordinate is expected. */
  g_assert_cmpfloat (bc_incident_get_lat (incident), ==, 31.0);
}

/* An incident built through the API survives encode → decode unchanged. */
static void
test_incident_built_round_trip (void)
{
  g_autoptr(BcIncident) incident = bc_incident_new ();
  g_autoptr(BcIncident) decoded = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) node2 = NULL;
  g_autoptr(GError) error = NULL;
  const gint64 units[] = { 9, 2, 40 };

  bc_incident_set_id (incident, 77);
  bc_incident_set_number (incident, "JQ202402290042");
  bc_incident_set_incident_type (incident, BC_INCIDENT_TYPE_SUSPICIOUS);
  bc_incident_set_priority (incident, 1);
  bc_incident_set_status (incident, BC_INCIDENT_STATUS_ON_SCENE);
  bc_incident_set_location (incident, 30.9, 112.3);
  bc_incident_set_address (incident, "漳河新区");
  bc_incident_set_caller_phone (incident, "110");
  bc_incident_set_units (incident, units, G_N_ELEMENTS (units));
  bc_incident_set_created_at (incident, SAMPLE_USEC - 456);
  bc_incident_set_on_scene_at (incident, SAMPLE_USEC - 456 + 60000);
  bc_incident_set_updated_at (incident, SAMPLE_USEC - 456 + 60000);
  bc_incident_set_version (incident, 5);

  node = bc_incident_to_json (incident);
  decoded = bc_incident_from_json (node, &error);
  g_assert_no_error (error);
  node2 = bc_incident_to_json (decoded);
  g_assert_true (json_node_equal (node, node2));
  g_assert_cmpstr (bc_incident_get_caller_phone (decoded), ==, "110");
  g_assert_null (bc_incident_get_caller_name (decoded));
  g_assert_true (bc_incident_has_unit (decoded, 40));
}

static void
test_unit_decode_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcUnit) unit = bc_unit_from_json_string (unit_doc, -1, &error);
  g_autoptr(BcUnit) idle = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (bc_unit_get_id (unit), ==, 7);
  g_assert_cmpstr (bc_unit_get_call_sign (unit), ==, "东宝巡01");
  g_assert_cmpint (bc_unit_get_kind (unit), ==, BC_UNIT_KIND_PATROL_CAR);
  g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_EN_ROUTE);
  g_assert_true (bc_unit_get_has_position (unit));
  g_assert_cmpfloat (bc_unit_get_heading (unit), ==, 90.0);
  g_assert_cmpfloat (bc_unit_get_speed (unit), ==, 12.5);
  g_assert_cmpint (bc_unit_get_incident (unit), ==, 12);

  idle = bc_unit_from_json_string (unit_no_fix_doc, -1, &error);
  g_assert_no_error (error);
  g_assert_false (bc_unit_get_has_position (idle));
  g_assert_cmpint (bc_unit_get_incident (idle), ==, 0);
  g_assert_null (bc_unit_get_station (idle));
}

static void
test_camera_decode_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcCamera) camera = bc_camera_from_json_string (camera_doc, -1, &error);
  g_autoptr(BcCamera) copy = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (camera->id, ==, "42080200001320000001");
  g_assert_cmpstr (camera->name, ==, "象山大道白庙路口东");
  g_assert_cmpint (camera->kind, ==, BC_CAMERA_KIND_DOME);
  g_assert_true (camera->online);
  g_assert_cmpstr (camera->stream_uri, ==, "rtsp://10.0.0.1/ch1");

  /* Boxed copy is a reference. */
  g_assert_true (G_TYPE_IS_BOXED (BC_TYPE_CAMERA));
  copy = g_boxed_copy (BC_TYPE_CAMERA, camera);
  g_assert_true (copy == camera);
}

/* Optional camera members: absent and empty. */
static void
test_camera_optional_members (void)
{
  const char *doc = "{\"id\":\"11000000001110000001\",\"name\":\"x\",\"lat\":0,\"lon\":0,"
                    "\"kind\":\"checkpoint\",\"online\":false,\"stream_uri\":\"\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(BcCamera) camera = bc_camera_from_json_string (doc, -1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (camera->stream_uri, ==, "");
  g_assert_null (camera->station);
  g_assert_false (camera->online);
}

static void
test_order_decode_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcOrder) order = bc_order_from_json_string (order_doc, -1, &error);
  BcOrderAssignment *assignment;

  g_assert_no_error (error);
  g_assert_cmpint (order->id, ==, 5);
  g_assert_cmpuint (order->units->len, ==, 2);
  assignment = bc_order_find_unit (order, 5);
  g_assert_nonnull (assignment);
  g_assert_cmpint (assignment->state, ==, BC_ORDER_UNIT_STATE_ACKNOWLEDGED);
  g_assert_null (bc_order_find_unit (order, 4));
}

static void
test_order_built_round_trip (void)
{
  g_autoptr(BcOrder) order = bc_order_new ();
  g_autoptr(BcOrder) decoded = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) node2 = NULL;
  g_autoptr(GError) error = NULL;

  order->id = 1;
  order->incident = 2;
  order->instructions = g_strdup ("");
  order->issued_by = g_strdup ("trainer.wang");
  order->issued_at = 1000;
  order->idempotency_key = g_strdup ("key with spaces ~!");
  bc_order_add_unit (order, 11, BC_ORDER_UNIT_STATE_SENT, 1000);
  bc_order_add_unit (order, 12, BC_ORDER_UNIT_STATE_REFUSED, 2000);

  node = bc_order_to_json (order);
  decoded = bc_order_from_json (node, &error);
  g_assert_no_error (error);
  node2 = bc_order_to_json (decoded);
  g_assert_true (json_node_equal (node, node2));
  g_assert_cmpint (bc_order_find_unit (decoded, 12)->state, ==, BC_ORDER_UNIT_STATE_REFUSED);
}

static void
test_event_decode_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcEvent) event = bc_event_from_json_string (event_doc, -1, &error);
  g_autoptr(BcEvent) event2 = NULL;
  JsonObject *data;

  g_assert_no_error (error);
  g_assert_cmpint (event->seq, ==, 118);
  g_assert_cmpstr (event->type, ==, BC_EVENT_UNIT_MOVED);
  g_assert_nonnull (event->data);
  data = json_node_get_object (event->data);
  g_assert_cmpint (json_object_get_int_member (data, "unit"), ==, 7);

  /* Event types are open-ended: a newer server's type still decodes. */
  event2 = bc_event_from_json_string ("{\"seq\":1,\"type\":\"shift.started_2\","
                                      "\"at\":\"2026-01-01T00:00:00Z\",\"data\":{}}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (event2->type, ==, "shift.started_2");
}

static void
test_note_user_decode_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcNote) note = bc_note_from_json_string (note_doc, -1, &error);
  g_autoptr(BcUser) user = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (note->author, ==, "dispatcher1");
  g_assert_cmpstr (note->text, ==, "报警人再次来电");

  user = bc_user_from_json_string (user_doc, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (user->role, ==, BC_ROLE_DISPATCHER);
  g_assert_cmpstr (user->display_name, ==, "调度员一");
}

/* ------------------------------------------------------------------------------------------ */
/* Accepted edge cases                                                                          */
/* ------------------------------------------------------------------------------------------ */

typedef enum
{
  GEN_NONE,
  GEN_STRING,       /* value repeated `count` times, as a JSON string */
  GEN_ID_LIST,      /* [1, 2, …, count] */
  GEN_ASSIGNMENTS,  /* count order assignments for units 1…count */
} Gen;

static char *
generate_value (Gen         gen,
                const char *value,
                guint       count)
{
  GString *s = g_string_new (NULL);

  switch (gen)
    {
    case GEN_STRING:
      g_string_append_c (s, '"');
      for (guint i = 0; i < count; i++)
        g_string_append (s, value);
      g_string_append_c (s, '"');
      break;
    case GEN_ID_LIST:
      g_string_append_c (s, '[');
      for (guint i = 1; i <= count; i++)
        g_string_append_printf (s, "%s%u", i > 1 ? "," : "", i);
      g_string_append_c (s, ']');
      break;
    case GEN_ASSIGNMENTS:
      g_string_append_c (s, '[');
      for (guint i = 1; i <= count; i++)
        g_string_append_printf (s, "%s{\"unit\":%u,\"state\":\"sent\","
                                "\"at\":\"2026-11-24T16:58:00.000Z\"}", i > 1 ? "," : "", i);
      g_string_append_c (s, ']');
      break;
    case GEN_NONE:
    default:
      g_string_append (s, value);
      break;
    }

  return g_string_free (s, FALSE);
}

/*
 * Returns the base document of @kind with the member at @member (dotted; numeric parts index
 * arrays) replaced by @value, or removed when @value is NULL.
 */
static char *
patch_document (DocKind     kind,
                const char *member,
                const char *value)
{
  g_autoptr(JsonNode) root = json_from_string (kind_base_doc (kind), NULL);
  g_auto(GStrv) parts = g_strsplit (member, ".", -1);
  guint n_parts = g_strv_length (parts);
  JsonNode *node = root;
  JsonObject *parent;

  for (guint i = 0; i + 1 < n_parts; i++)
    {
      if (JSON_NODE_HOLDS_ARRAY (node))
        node = json_array_get_element (json_node_get_array (node),
                                       (guint) g_ascii_strtoull (parts[i], NULL, 10));
      else
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      g_assert_nonnull (node);
    }

  parent = json_node_get_object (node);
  if (value == NULL)
    {
      g_assert_true (json_object_has_member (parent, parts[n_parts - 1]));
      json_object_remove_member (parent, parts[n_parts - 1]);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      JsonNode *replacement = json_from_string (value, &error);

      g_assert_no_error (error);
      json_object_set_member (parent, parts[n_parts - 1], replacement);
    }

  return json_to_string (root, FALSE);
}

typedef struct
{
  const char *name;
  DocKind     kind;
  const char *member;
  const char *value;
  Gen         gen;
  guint       count;
} AcceptCase;

static const AcceptCase accept_cases[] = {
  { "incident/address-200-cjk", KIND_INCIDENT, "address", "路", GEN_STRING, 200 },
  { "incident/description-2000", KIND_INCIDENT, "description", "案", GEN_STRING, 2000 },
  { "incident/units-64", KIND_INCIDENT, "units", NULL, GEN_ID_LIST, 64 },
  { "incident/units-absent", KIND_INCIDENT, "units", NULL, GEN_NONE, 0 },
  { "incident/caller-absent", KIND_INCIDENT, "caller", NULL, GEN_NONE, 0 },
  { "incident/masked-phone", KIND_INCIDENT, "caller.phone", "\"138****0000\"", GEN_NONE, 0 },
  { "incident/unknown-member-ignored", KIND_INCIDENT, "colour", "\"red\"", GEN_NONE, 0 },
  { "incident/lat-integer", KIND_INCIDENT, "location.lat", "31", GEN_NONE, 0 },
  { "incident/lat-90", KIND_INCIDENT, "location.lat", "90", GEN_NONE, 0 },
  { "incident/lon-minus-180", KIND_INCIDENT, "location.lon", "-180", GEN_NONE, 0 },
  { "incident/time-with-offset", KIND_INCIDENT, "created_at", "\"2026-11-25T00:57:14+08:00\"",
    GEN_NONE, 0 },
  { "create/caller-name-only", KIND_CREATE, "caller", "{\"name\":\"王\"}", GEN_NONE, 0 },
  { "create/priority-4", KIND_CREATE, "priority", "4", GEN_NONE, 0 },
  { "unit/heading-just-below-360", KIND_UNIT, "position.heading", "359.999", GEN_NONE, 0 },
  { "unit/speed-100", KIND_UNIT, "position.speed", "100", GEN_NONE, 0 },
  { "unit/call-sign-32", KIND_UNIT, "call_sign", "巡", GEN_STRING, 32 },
  { "camera/province-11", KIND_CAMERA, "id", "\"11000000001110000001\"", GEN_NONE, 0 },
  { "camera/province-82", KIND_CAMERA, "id", "\"82000000001990000001\"", GEN_NONE, 0 },
  { "camera/name-128", KIND_CAMERA, "name", "点", GEN_STRING, 128 },
  { "order/units-64", KIND_ORDER, "units", NULL, GEN_ASSIGNMENTS, 64 },
  { "note/text-4000", KIND_NOTE, "text", "字", GEN_STRING, 4000 },
  { "user/username-symbols", KIND_USER, "username", "\"a.b_c-9\"", GEN_NONE, 0 },
};

static void
test_accept (gconstpointer data)
{
  const AcceptCase *tc = data;
  g_autofree char *value = NULL;
  g_autofree char *doc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (tc->gen != GEN_NONE || tc->value != NULL)
    value = generate_value (tc->gen, tc->value, tc->count);
  doc = patch_document (tc->kind, tc->member, value);

  node = decode_encode (tc->kind, doc, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
}

/* ------------------------------------------------------------------------------------------ */
/* Rejected documents                                                                           */
/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  const char   *name;
  DocKind       kind;
  const char   *member;  /* NULL: `value` is the whole raw document */
  const char   *value;   /* NULL with a member: remove the member */
  Gen           gen;
  guint         count;
  BcModelError  code;
  const char   *path;    /* the message starts with "PATH: " */
  const char   *detail;  /* optional text the message must also contain */
} RejectCase;

#define RAW(name, kind, doc, code, path, detail) \
  { name, kind, NULL, doc, GEN_NONE, 0, code, path, detail }
#define SET(name, kind, member, value, code, path, detail) \
  { name, kind, member, value, GEN_NONE, 0, code, path, detail }
#define DROP(name, kind, member, code, path) \
  { name, kind, member, NULL, GEN_NONE, 0, code, path, NULL }
#define GEN(name, kind, member, gen, value, count, code, path, detail) \
  { name, kind, member, value, gen, count, code, path, detail }

static const RejectCase reject_cases[] = {
  /* Incident (full document) */
  SET ("incident/lat-95", KIND_INCIDENT, "location.lat", "95.2",
       BC_MODEL_ERROR_OUT_OF_RANGE, "location.lat", "95.2 is out of range (-90 to 90)"),
  SET ("incident/lon-minus-181", KIND_INCIDENT, "location.lon", "-181",
       BC_MODEL_ERROR_OUT_OF_RANGE, "location.lon", "-181 is out of range (-180 to 180)"),
  SET ("incident/priority-0", KIND_INCIDENT, "priority", "0",
       BC_MODEL_ERROR_OUT_OF_RANGE, "priority", "0 is out of range (1 to 4)"),
  SET ("incident/priority-5", KIND_INCIDENT, "priority", "5",
       BC_MODEL_ERROR_OUT_OF_RANGE, "priority", "5 is out of range (1 to 4)"),
  SET ("incident/priority-fraction", KIND_INCIDENT, "priority", "1.5",
       BC_MODEL_ERROR_WRONG_TYPE, "priority", "expected an integer, got 1.5"),
  SET ("incident/priority-float-integral", KIND_INCIDENT, "priority", "2.0",
       BC_MODEL_ERROR_WRONG_TYPE, "priority", "expected an integer, got 2.0"),
  SET ("incident/priority-string", KIND_INCIDENT, "priority", "\"2\"",
       BC_MODEL_ERROR_WRONG_TYPE, "priority", "expected an integer, got string"),
  SET ("incident/priority-null", KIND_INCIDENT, "priority", "null",
       BC_MODEL_ERROR_WRONG_TYPE, "priority", "got null"),
  SET ("incident/type-arson", KIND_INCIDENT, "type", "\"arson\"",
       BC_MODEL_ERROR_UNKNOWN_VALUE, "type", "unknown value \"arson\""),
  SET ("incident/type-wrong-case", KIND_INCIDENT, "type", "\"Traffic\"",
       BC_MODEL_ERROR_UNKNOWN_VALUE, "type", NULL),
  SET ("incident/status-done", KIND_INCIDENT, "status", "\"done\"",
       BC_MODEL_ERROR_UNKNOWN_VALUE, "status", "unknown value \"done\""),
  GEN ("incident/address-201", KIND_INCIDENT, "address", GEN_STRING, "路", 201,
       BC_MODEL_ERROR_TOO_LONG, "address", "longer than 200 characters"),
  GEN ("incident/district-33", KIND_INCIDENT, "district", GEN_STRING, "区", 33,
       BC_MODEL_ERROR_TOO_LONG, "district", "longer than 32 characters"),
  GEN ("incident/description-2001", KIND_INCIDENT, "description", GEN_STRING, "a", 2001,
       BC_MODEL_ERROR_TOO_LONG, "description", NULL),
  GEN ("incident/disposition-33", KIND_INCIDENT, "disposition", GEN_STRING, "x", 33,
       BC_MODEL_ERROR_TOO_LONG, "disposition", NULL),
  DROP ("incident/location-missing", KIND_INCIDENT, "location",
        BC_MODEL_ERROR_MISSING_FIELD, "location"),
  SET ("incident/location-array", KIND_INCIDENT, "location", "[31.0, 112.2]",
       BC_MODEL_ERROR_WRONG_TYPE, "location", "expected an object, got array"),
  DROP ("incident/location-lon-missing", KIND_INCIDENT, "location.lon",
        BC_MODEL_ERROR_MISSING_FIELD, "location.lon"),
  SET ("incident/lat-string", KIND_INCIDENT, "location.lat", "\"31.0\"",
       BC_MODEL_ERROR_WRONG_TYPE, "location.lat", "expected a number, got string"),
  SET ("incident/caller-phone-number", KIND_INCIDENT, "caller.phone", "13800000000",
       BC_MODEL_ERROR_WRONG_TYPE, "caller.phone", "expected a string, got number"),
  SET ("incident/caller-phone-letters", KIND_INCIDENT, "caller.phone", "\"138-CALL-ME\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "caller.phone", NULL),
  GEN ("incident/caller-phone-33", KIND_INCIDENT, "caller.phone", GEN_STRING, "1", 33,
       BC_MODEL_ERROR_TOO_LONG, "caller.phone", NULL),
  SET ("incident/caller-string", KIND_INCIDENT, "caller", "\"张先生\"",
       BC_MODEL_ERROR_WRONG_TYPE, "caller", "expected an object, got string"),
  SET ("incident/units-duplicate", KIND_INCIDENT, "units", "[3,3]",
       BC_MODEL_ERROR_DUPLICATE, "units[1]", "3 is listed twice"),
  SET ("incident/units-zero", KIND_INCIDENT, "units", "[3,0]",
       BC_MODEL_ERROR_OUT_OF_RANGE, "units[1]", NULL),
  SET ("incident/units-string-element", KIND_INCIDENT, "units", "[\"3\"]",
       BC_MODEL_ERROR_WRONG_TYPE, "units[0]", "expected an integer, got string"),
  SET ("incident/units-object", KIND_INCIDENT, "units", "{\"3\":true}",
       BC_MODEL_ERROR_WRONG_TYPE, "units", "expected an array, got object"),
  GEN ("incident/units-65", KIND_INCIDENT, "units", GEN_ID_LIST, NULL, 65,
       BC_MODEL_ERROR_TOO_LONG, "units", "more than 64 entries"),
  SET ("incident/created-at-yesterday", KIND_INCIDENT, "created_at", "\"yesterday\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "created_at", "\"yesterday\" is not an RFC 3339 time"),
  SET ("incident/updated-at-no-offset", KIND_INCIDENT, "updated_at", "\"2026-11-24T16:57:14\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "updated_at", NULL),
  SET ("incident/dispatched-at-number", KIND_INCIDENT, "dispatched_at", "1795539434",
       BC_MODEL_ERROR_WRONG_TYPE, "dispatched_at", "expected a string, got number"),
  DROP ("incident/created-at-missing", KIND_INCIDENT, "created_at",
        BC_MODEL_ERROR_MISSING_FIELD, "created_at"),
  SET ("incident/number-short", KIND_INCIDENT, "number", "\"JQ2026\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "number", NULL),
  SET ("incident/number-month-13", KIND_INCIDENT, "number", "\"JQ202613240001\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "number", NULL),
  SET ("incident/id-zero", KIND_INCIDENT, "id", "0",
       BC_MODEL_ERROR_OUT_OF_RANGE, "id", NULL),
  SET ("incident/id-beyond-int64", KIND_INCIDENT, "id", "99999999999999999999",
       BC_MODEL_ERROR_OUT_OF_RANGE, "id", NULL),
  SET ("incident/version-negative", KIND_INCIDENT, "version", "-1",
       BC_MODEL_ERROR_OUT_OF_RANGE, "version", NULL),
  RAW ("incident/root-array", KIND_INCIDENT, "[1,2]",
       BC_MODEL_ERROR_WRONG_TYPE, "document", "expected an object, got array"),
  RAW ("incident/root-string", KIND_INCIDENT, "\"incident\"",
       BC_MODEL_ERROR_WRONG_TYPE, "document", "expected an object, got string"),
  RAW ("incident/non-utf8", KIND_INCIDENT, "{\"address\":\"\xe8\xb1\xa1\xff\"}",
       BC_MODEL_ERROR_INVALID_UTF8, "document", "not valid UTF-8 (byte 15)"),
  RAW ("incident/truncated-utf8", KIND_INCIDENT, "{\"address\":\"\xe8\xb1\"}",
       BC_MODEL_ERROR_INVALID_UTF8, "document", NULL),
  RAW ("incident/invalid-json", KIND_INCIDENT, "{\"id\": 12,",
       BC_MODEL_ERROR_INVALID_FORMAT, "document", "not valid JSON"),
  RAW ("incident/empty-document", KIND_INCIDENT, "",
       BC_MODEL_ERROR_INVALID_FORMAT, "document", NULL),

  /* Incident create document */
  SET ("create/with-id", KIND_CREATE, "id", "12",
       BC_MODEL_ERROR_FORBIDDEN_FIELD, "id", "set by the server"),
  SET ("create/with-status", KIND_CREATE, "status", "\"new\"",
       BC_MODEL_ERROR_FORBIDDEN_FIELD, "status", "set by the server"),
  SET ("create/with-version", KIND_CREATE, "version", "1",
       BC_MODEL_ERROR_FORBIDDEN_FIELD, "version", NULL),
  SET ("create/with-units", KIND_CREATE, "units", "[3]",
       BC_MODEL_ERROR_FORBIDDEN_FIELD, "units", NULL),
  SET ("create/unknown-field", KIND_CREATE, "colour", "\"red\"",
       BC_MODEL_ERROR_FORBIDDEN_FIELD, "colour", "unknown field"),
  SET ("create/location-extra", KIND_CREATE, "location.alt", "12",
       BC_MODEL_ERROR_FORBIDDEN_FIELD, "location.alt", "unknown field"),
  SET ("create/caller-extra", KIND_CREATE, "caller.id_card", "\"420802\"",
       BC_MODEL_ERROR_FORBIDDEN_FIELD, "caller.id_card", NULL),
  DROP ("create/type-missing", KIND_CREATE, "type", BC_MODEL_ERROR_MISSING_FIELD, "type"),
  DROP ("create/priority-missing", KIND_CREATE, "priority",
        BC_MODEL_ERROR_MISSING_FIELD, "priority"),
  DROP ("create/address-missing", KIND_CREATE, "address",
        BC_MODEL_ERROR_MISSING_FIELD, "address"),
  SET ("create/masked-phone", KIND_CREATE, "caller.phone", "\"138****0000\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "caller.phone", NULL),
  GEN ("create/caller-name-65", KIND_CREATE, "caller.name", GEN_STRING, "张", 65,
       BC_MODEL_ERROR_TOO_LONG, "caller.name", "longer than 64 characters"),
  SET ("create/lat-95", KIND_CREATE, "location.lat", "95.2",
       BC_MODEL_ERROR_OUT_OF_RANGE, "location.lat", "95.2 is out of range (-90 to 90)"),
  RAW ("create/non-utf8", KIND_CREATE, "{\"type\":\"fire\xc0\"}",
       BC_MODEL_ERROR_INVALID_UTF8, "document", NULL),
  RAW ("create/root-null", KIND_CREATE, "null",
       BC_MODEL_ERROR_WRONG_TYPE, "document", "got null"),

  /* Unit */
  SET ("unit/heading-360", KIND_UNIT, "position.heading", "360",
       BC_MODEL_ERROR_OUT_OF_RANGE, "position.heading", "360 is out of range (0 to 360, exclusive)"),
  SET ("unit/heading-negative", KIND_UNIT, "position.heading", "-0.5",
       BC_MODEL_ERROR_OUT_OF_RANGE, "position.heading", NULL),
  SET ("unit/speed-101", KIND_UNIT, "position.speed", "100.5",
       BC_MODEL_ERROR_OUT_OF_RANGE, "position.speed", "100.5 is out of range (0 to 100)"),
  SET ("unit/speed-negative", KIND_UNIT, "position.speed", "-1",
       BC_MODEL_ERROR_OUT_OF_RANGE, "position.speed", NULL),
  SET ("unit/kind-tank", KIND_UNIT, "kind", "\"tank\"",
       BC_MODEL_ERROR_UNKNOWN_VALUE, "kind", "unknown value \"tank\""),
  SET ("unit/status-done", KIND_UNIT, "status", "\"done\"",
       BC_MODEL_ERROR_UNKNOWN_VALUE, "status", NULL),
  SET ("unit/call-sign-empty", KIND_UNIT, "call_sign", "\"\"",
       BC_MODEL_ERROR_MISSING_FIELD, "call_sign", "must not be empty"),
  GEN ("unit/call-sign-33", KIND_UNIT, "call_sign", GEN_STRING, "巡", 33,
       BC_MODEL_ERROR_TOO_LONG, "call_sign", "longer than 32 characters"),
  SET ("unit/position-at-feb-30", KIND_UNIT, "position.at", "\"2026-02-30T00:00:00Z\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "position.at", NULL),
  DROP ("unit/position-lat-missing", KIND_UNIT, "position.lat",
        BC_MODEL_ERROR_MISSING_FIELD, "position.lat"),
  SET ("unit/position-lat-95", KIND_UNIT, "position.lat", "95",
       BC_MODEL_ERROR_OUT_OF_RANGE, "position.lat", NULL),
  SET ("unit/incident-string", KIND_UNIT, "incident", "\"12\"",
       BC_MODEL_ERROR_WRONG_TYPE, "incident", "expected an integer, got string"),
  SET ("unit/version-fraction", KIND_UNIT, "version", "4.5",
       BC_MODEL_ERROR_WRONG_TYPE, "version", "expected an integer, got 4.5"),
  RAW ("unit/non-utf8", KIND_UNIT, "\xfe\xff{}", BC_MODEL_ERROR_INVALID_UTF8, "document", NULL),

  /* Camera */
  SET ("camera/code-with-letter", KIND_CAMERA, "id", "\"4208020000132000000A\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "id", "is not a 20-digit GB/T 28181 code"),
  SET ("camera/code-19-digits", KIND_CAMERA, "id", "\"4208020000132000000\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "id", "is not a 20-digit GB/T 28181 code"),
  SET ("camera/code-21-digits", KIND_CAMERA, "id", "\"420802000013200000011\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "id", NULL),
  SET ("camera/code-bad-province", KIND_CAMERA, "id", "\"99080200001320000001\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "id", "province code 99"),
  SET ("camera/code-province-10", KIND_CAMERA, "id", "\"10080200001320000001\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "id", "province code 10"),
  SET ("camera/code-bad-device-type", KIND_CAMERA, "id", "\"42080200002000000001\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "id", "device type 200"),
  SET ("camera/code-device-type-110", KIND_CAMERA, "id", "\"42080200001100000001\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "id", "device type 110"),
  SET ("camera/code-number", KIND_CAMERA, "id", "42080200001320000001",
       BC_MODEL_ERROR_WRONG_TYPE, "id", "expected a string, got number"),
  SET ("camera/online-string", KIND_CAMERA, "online", "\"yes\"",
       BC_MODEL_ERROR_WRONG_TYPE, "online", "expected a boolean, got string"),
  SET ("camera/kind-ptz", KIND_CAMERA, "kind", "\"ptz\"",
       BC_MODEL_ERROR_UNKNOWN_VALUE, "kind", NULL),
  GEN ("camera/name-129", KIND_CAMERA, "name", GEN_STRING, "点", 129,
       BC_MODEL_ERROR_TOO_LONG, "name", "longer than 128 characters"),
  SET ("camera/name-empty", KIND_CAMERA, "name", "\"\"",
       BC_MODEL_ERROR_MISSING_FIELD, "name", NULL),
  SET ("camera/stream-uri-no-scheme", KIND_CAMERA, "stream_uri", "\"10.0.0.1/ch1\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "stream_uri", "not a URI with a scheme"),
  GEN ("camera/stream-uri-513", KIND_CAMERA, "stream_uri", GEN_STRING, "a", 513,
       BC_MODEL_ERROR_TOO_LONG, "stream_uri", NULL),
  /* Raw: json-glib turns 1e400 into inf and could not write the patched document back. */
  RAW ("camera/lat-overflows-to-infinity", KIND_CAMERA,
       "{\"id\":\"42080200001320000001\",\"name\":\"x\",\"lat\":1e400,\"lon\":112.2,"
       "\"kind\":\"dome\",\"online\":true}",
       BC_MODEL_ERROR_OUT_OF_RANGE, "lat", NULL),
  DROP ("camera/lat-missing", KIND_CAMERA, "lat", BC_MODEL_ERROR_MISSING_FIELD, "lat"),
  SET ("camera/lon-181", KIND_CAMERA, "lon", "181",
       BC_MODEL_ERROR_OUT_OF_RANGE, "lon", NULL),

  /* Order */
  SET ("order/units-empty", KIND_ORDER, "units", "[]",
       BC_MODEL_ERROR_MISSING_FIELD, "units", "must not be empty"),
  SET ("order/units-duplicate", KIND_ORDER, "units",
       "[{\"unit\":3,\"state\":\"sent\",\"at\":\"2026-11-24T16:58:00Z\"},"
       "{\"unit\":3,\"state\":\"refused\",\"at\":\"2026-11-24T16:58:00Z\"}]",
       BC_MODEL_ERROR_DUPLICATE, "units[1].unit", "3 is listed twice"),
  GEN ("order/units-65", KIND_ORDER, "units", GEN_ASSIGNMENTS, NULL, 65,
       BC_MODEL_ERROR_TOO_LONG, "units", "more than 64 entries"),
  SET ("order/unit-state-lost", KIND_ORDER, "units.1.state", "\"lost\"",
       BC_MODEL_ERROR_UNKNOWN_VALUE, "units[1].state", "unknown value \"lost\""),
  DROP ("order/unit-at-missing", KIND_ORDER, "units.0.at",
        BC_MODEL_ERROR_MISSING_FIELD, "units[0].at"),
  SET ("order/unit-element-integer", KIND_ORDER, "units", "[3]",
       BC_MODEL_ERROR_WRONG_TYPE, "units[0]", "expected an object, got number"),
  SET ("order/key-control-char", KIND_ORDER, "idempotency_key", "\"abc\\u0001\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "idempotency_key", "printable ASCII"),
  SET ("order/key-non-ascii", KIND_ORDER, "idempotency_key", "\"密钥\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "idempotency_key", NULL),
  SET ("order/key-empty", KIND_ORDER, "idempotency_key", "\"\"",
       BC_MODEL_ERROR_MISSING_FIELD, "idempotency_key", NULL),
  GEN ("order/key-129", KIND_ORDER, "idempotency_key", GEN_STRING, "k", 129,
       BC_MODEL_ERROR_TOO_LONG, "idempotency_key", NULL),
  SET ("order/issued-by-upper-case", KIND_ORDER, "issued_by", "\"Dispatcher1\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "issued_by", "is not a user name"),
  GEN ("order/instructions-1001", KIND_ORDER, "instructions", GEN_STRING, "令", 1001,
       BC_MODEL_ERROR_TOO_LONG, "instructions", "longer than 1000 characters"),
  SET ("order/issued-at-yesterday", KIND_ORDER, "issued_at", "\"yesterday\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "issued_at", NULL),

  /* Note */
  SET ("note/text-empty", KIND_NOTE, "text", "\"\"",
       BC_MODEL_ERROR_MISSING_FIELD, "text", "must not be empty"),
  GEN ("note/text-4001", KIND_NOTE, "text", GEN_STRING, "字", 4001,
       BC_MODEL_ERROR_TOO_LONG, "text", "longer than 4000 characters"),
  DROP ("note/author-missing", KIND_NOTE, "author", BC_MODEL_ERROR_MISSING_FIELD, "author"),
  SET ("note/at-offset-25h", KIND_NOTE, "at", "\"2026-11-24T17:01:00+25:00\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "at", NULL),
  SET ("note/incident-negative", KIND_NOTE, "incident", "-12",
       BC_MODEL_ERROR_OUT_OF_RANGE, "incident", NULL),

  /* Event */
  SET ("event/seq-zero", KIND_EVENT, "seq", "0",
       BC_MODEL_ERROR_OUT_OF_RANGE, "seq", NULL),
  SET ("event/seq-string", KIND_EVENT, "seq", "\"118\"",
       BC_MODEL_ERROR_WRONG_TYPE, "seq", NULL),
  SET ("event/data-array", KIND_EVENT, "data", "[]",
       BC_MODEL_ERROR_WRONG_TYPE, "data", "expected an object, got array"),
  DROP ("event/data-missing", KIND_EVENT, "data", BC_MODEL_ERROR_MISSING_FIELD, "data"),
  SET ("event/type-spaces", KIND_EVENT, "type", "\"Unit Moved\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "type", "is not an event type"),
  SET ("event/type-trailing-dot", KIND_EVENT, "type", "\"unit.\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "type", NULL),
  SET ("event/at-yesterday", KIND_EVENT, "at", "\"yesterday\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "at", NULL),

  /* User */
  SET ("user/role-root", KIND_USER, "role", "\"root\"",
       BC_MODEL_ERROR_UNKNOWN_VALUE, "role", "unknown value \"root\""),
  SET ("user/username-space", KIND_USER, "username", "\"Zhang San\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "username", NULL),
  SET ("user/username-cjk", KIND_USER, "username", "\"张三\"",
       BC_MODEL_ERROR_INVALID_FORMAT, "username", NULL),
  GEN ("user/username-33", KIND_USER, "username", GEN_STRING, "a", 33,
       BC_MODEL_ERROR_TOO_LONG, "username", NULL),
  GEN ("user/display-name-65", KIND_USER, "display_name", GEN_STRING, "名", 65,
       BC_MODEL_ERROR_TOO_LONG, "display_name", NULL),
  SET ("user/display-name-bool", KIND_USER, "display_name", "false",
       BC_MODEL_ERROR_WRONG_TYPE, "display_name", "expected a string, got boolean"),
};

static void
test_reject (gconstpointer data)
{
  const RejectCase *tc = data;
  g_autofree char *doc = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (tc->member == NULL)
    {
      doc = g_strdup (tc->value);
    }
  else
    {
      g_autofree char *value = NULL;

      if (tc->gen != GEN_NONE || tc->value != NULL)
        value = generate_value (tc->gen, tc->value, tc->count);
      doc = patch_document (tc->kind, tc->member, value);
    }

  node = decode_encode (tc->kind, doc, -1, &error);
  g_assert_null (node);
  g_assert_error (error, BC_MODEL_ERROR, (int) tc->code);

  g_test_message ("%s", error->message);
  prefix = g_strconcat (tc->path, ": ", NULL);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("message \"%s\" does not start with \"%s\"", error->message, prefix);
  if (tc->detail != NULL && strstr (error->message, tc->detail) == NULL)
    g_error ("message \"%s\" does not contain \"%s\"", error->message, tc->detail);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* The table must cover every error code and every decoder. */
static void
test_reject_table_coverage (void)
{
  gboolean codes[BC_MODEL_ERROR_DUPLICATE + 1] = { FALSE, };
  gboolean kinds[KIND_USER + 1] = { FALSE, };

  g_assert_cmpuint (G_N_ELEMENTS (reject_cases), >=, 40);

  for (guint i = 0; i < G_N_ELEMENTS (reject_cases); i++)
    {
      codes[reject_cases[i].code] = TRUE;
      kinds[reject_cases[i].kind] = TRUE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      if (!codes[i])
        g_error ("no reject case for error code %u (%s)", i,
                 bc_model_error_code_to_string ((BcModelError) i));
    }
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      if (!kinds[i])
        g_error ("no reject case for document kind %u", i);
    }
}

/* Nodes built in code can carry bytes json-glib's parser would never produce. */
static void
test_reject_invalid_utf8_node (void)
{
  g_autoptr(JsonNode) root = json_from_string (camera_doc, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BcCamera) camera = NULL;

  json_object_set_string_member (json_node_get_object (root), "name", "\xe8\xb1");
  camera = bc_camera_from_json (root, &error);
  g_assert_null (camera);
  g_assert_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_UTF8);
  g_assert_true (g_str_has_prefix (error->message, "name: "));
}

static void
test_json_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char with_nul[] = "{\"a\":1}\0garbage";

  node = bc_json_parse ("{\"a\": [1, 2]}", -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_clear_pointer (&node, json_node_unref);

  /* An explicit length stops before the nul; including it is not UTF-8 text. */
  node = bc_json_parse (with_nul, 7, &error);
  g_assert_no_error (error);
  g_clear_pointer (&node, json_node_unref);
  node = bc_json_parse (with_nul, sizeof with_nul - 1, &error);
  g_assert_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_UTF8);
  g_assert_null (node);
  g_clear_error (&error);

  node = bc_json_parse ("   ", -1, &error);
  g_assert_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT);
  g_assert_null (node);
}

static void
test_error_codes (void)
{
  g_assert_cmpstr (bc_model_error_code_to_string (BC_MODEL_ERROR_MISSING_FIELD), ==,
                   "missing_field");
  g_assert_cmpstr (bc_model_error_code_to_string (BC_MODEL_ERROR_FORBIDDEN_FIELD), ==,
                   "forbidden_field");
  g_assert_cmpstr (bc_model_error_code_to_string (BC_MODEL_ERROR_DUPLICATE), ==, "duplicate");
  g_assert_cmpstr (g_quark_to_string (BC_MODEL_ERROR), ==, "bc-model-error-quark");
}

/* ------------------------------------------------------------------------------------------ */
/* Validators                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void
test_camera_codes (void)
{
  static const struct {
    const char *code;
    gboolean    valid;
  } cases[] = {
    { "42080200001320000001", TRUE },
    { "34020000001320000001", TRUE },
    { "11000000001110000000", TRUE },
    { "82999999991999999999", TRUE },
    { "42080200001310000001", TRUE },  /* 131: IP camera */
    { "1100000000111000000", FALSE },  /* 19 digits */
    { "110000000011100000000", FALSE }, /* 21 digits */
    { "1100000000111000000X", FALSE },
    { " 1000000001110000000", FALSE },
    { "１1000000001110000000", FALSE }, /* full-width digit */
    { "", FALSE },
    { "00000000001110000000", FALSE }, /* province 00 */
    { "83000000001110000000", FALSE }, /* province 83 */
    { "42080200001100000001", FALSE }, /* 110: not a front-end video device */
    { "42080200002000000001", FALSE }, /* 200: platform, not a device */
    { "42080200005000000001", FALSE }, /* 500: user / platform */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean valid = bc_camera_code_is_valid (cases[i].code, &error);

      if (valid != cases[i].valid)
        g_error ("camera code \"%s\": expected %s", cases[i].code,
                 cases[i].valid ? "valid" : "invalid");
      if (!valid)
        g_assert_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT);
      else
        g_assert_no_error (error);
    }
}

static void
test_incident_numbers (void)
{
  g_assert_true (bc_incident_number_is_valid ("JQ202611240001", NULL));
  g_assert_true (bc_incident_number_is_valid ("JQ202402290000", NULL));
  g_assert_false (bc_incident_number_is_valid ("JQ202302290001", NULL)); /* not a leap year */
  g_assert_false (bc_incident_number_is_valid ("JQ202611310001", NULL));
  g_assert_false (bc_incident_number_is_valid ("JQ20261124001", NULL));
  g_assert_false (bc_incident_number_is_valid ("JQ2026112400011", NULL));
  g_assert_false (bc_incident_number_is_valid ("jq202611240001", NULL));
  g_assert_false (bc_incident_number_is_valid ("JQ20261124000A", NULL));
  g_assert_false (bc_incident_number_is_valid ("", NULL));
}

static void
test_usernames (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bc_username_is_valid ("dispatcher1", NULL));
  g_assert_true (bc_username_is_valid ("wang.li-2_b", NULL));
  g_assert_false (bc_username_is_valid ("", &error));
  g_assert_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_MISSING_FIELD);
  g_clear_error (&error);
  g_assert_false (bc_username_is_valid ("abcdefghijklmnopqrstuvwxyz0123456", &error));
  g_assert_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_TOO_LONG);
  g_clear_error (&error);
  g_assert_false (bc_username_is_valid ("Admin", &error));
  g_assert_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT);
}

/* ------------------------------------------------------------------------------------------ */
/* Enumerations and lifecycles                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef const char *(*ToStringFunc) (int value);
typedef gboolean (*FromStringFunc) (const char *code, int *out);
typedef const char *(*LabelFunc) (int value);


/* Every enum type's nicks are its wire codes, and the code functions agree with them. */
static void
check_enum (GType           type,
            guint           expected_n_values,
            ToStringFunc    to_string,
            FromStringFunc  from_string,
            LabelFunc       label)
{
  GEnumClass *klass = g_type_class_ref (type);

  g_assert_true (G_TYPE_IS_ENUM (type));
  g_assert_cmpuint (klass->n_values, ==, expected_n_values);

  for (guint i = 0; i < klass->n_values; i++)
    {
      const GEnumValue *value = &klass->values[i];
      int parsed = -1;

      g_assert_cmpint (value->value, ==, (int) i);
      g_assert_cmpstr (to_string (value->value), ==, value->value_nick);
      g_assert_true (from_string (value->value_nick, &parsed));
      g_assert_cmpint (parsed, ==, value->value);
      g_assert_nonnull (label (value->value));
      g_assert_cmpstr (label (value->value), !=, "");
    }

  g_assert_null (to_string ((int) klass->n_values));
  g_assert_null (to_string (-1));
  g_assert_null (label ((int) klass->n_values));
  g_assert_false (from_string ("bogus", NULL));
  g_assert_false (from_string (NULL, NULL));
  g_assert_false (from_string ("", NULL));

  g_type_class_unref (klass);
}

/* Wrappers with int signatures, so that one checker serves every enum. */
#define WRAP_ENUM(Type, name)                                                         \
  static const char *name##_to_string_int (int v) { return name##_to_string ((Type) v); } \
  static const char *name##_label_int (int v) { return name##_label ((Type) v); }         \
  static gboolean name##_from_string_int (const char *c, int *out)                        \
  {                                                                                       \
    Type v;                                                                               \
    if (!name##_from_string (c, &v))                                                      \
      return FALSE;                                                                       \
    if (out != NULL)                                                                      \
      *out = (int) v;                                                                     \
    return TRUE;                                                                          \
  }

WRAP_ENUM (BcIncidentType, bc_incident_type)
WRAP_ENUM (BcIncidentStatus, bc_incident_status)
WRAP_ENUM (BcUnitKind, bc_unit_kind)
WRAP_ENUM (BcUnitStatus, bc_unit_status)
WRAP_ENUM (BcCameraKind, bc_camera_kind)
WRAP_ENUM (BcOrderUnitState, bc_order_unit_state)
WRAP_ENUM (BcRole, bc_role)

#define CHECK_ENUM(TYPE, n, name) \
  check_enum (TYPE, n, name##_to_string_int, name##_from_string_int, name##_label_int)

static void
test_enums (void)
{
  CHECK_ENUM (BC_TYPE_INCIDENT_TYPE, 8, bc_incident_type);
  CHECK_ENUM (BC_TYPE_INCIDENT_STATUS, 6, bc_incident_status);
  CHECK_ENUM (BC_TYPE_UNIT_KIND, 5, bc_unit_kind);
  CHECK_ENUM (BC_TYPE_UNIT_STATUS, 5, bc_unit_status);
  CHECK_ENUM (BC_TYPE_CAMERA_KIND, 3, bc_camera_kind);
  CHECK_ENUM (BC_TYPE_ORDER_UNIT_STATE, 3, bc_order_unit_state);
  CHECK_ENUM (BC_TYPE_ROLE, 5, bc_role);

  /* Spot checks against docs/domain.md. */
  g_assert_cmpstr (bc_incident_type_to_string (BC_INCIDENT_TYPE_PUBLIC_ORDER), ==,
                   "public_order");
  g_assert_cmpstr (bc_unit_status_to_string (BC_UNIT_STATUS_OFF_DUTY), ==, "off_duty");
  g_assert_cmpstr (bc_camera_kind_to_string (BC_CAMERA_KIND_CHECKPOINT), ==, "checkpoint");
  /* Untranslated in the test's C locale. */
  g_assert_cmpstr (bc_incident_status_label (BC_INCIDENT_STATUS_EN_ROUTE), ==, "En route");
  g_assert_cmpstr (bc_unit_kind_label (BC_UNIT_KIND_TRAFFIC), ==, "Traffic police");
}

static void
test_incident_status_open (void)
{
  g_assert_true (bc_incident_status_is_open (BC_INCIDENT_STATUS_NEW));
  g_assert_true (bc_incident_status_is_open (BC_INCIDENT_STATUS_DISPATCHED));
  g_assert_true (bc_incident_status_is_open (BC_INCIDENT_STATUS_EN_ROUTE));
  g_assert_true (bc_incident_status_is_open (BC_INCIDENT_STATUS_ON_SCENE));
  g_assert_false (bc_incident_status_is_open (BC_INCIDENT_STATUS_CLOSED));
  g_assert_false (bc_incident_status_is_open (BC_INCIDENT_STATUS_CANCELLED));
}

/* The whole matrix, written out independently of bc-enums.c. */
static void
test_incident_lifecycle (void)
{
  enum { N = 6 };
  /*                         new  disp route scene closed cancel */
  static const char expected[N][N + 1] = {
    /* new */              { "-Y---Y" },
    /* dispatched */       { "--YYYY" },
    /* en_route */         { "---YYY" },
    /* on_scene */         { "----YY" },
    /* closed */           { "------" },
    /* cancelled */        { "------" },
  };

  for (int from = 0; from < N; from++)
    for (int to = 0; to < N; to++)
      {
        gboolean allowed = bc_incident_status_can_transition (from, to);

        if (allowed != (expected[from][to] == 'Y'))
          g_error ("incident %s → %s: expected %s",
                   bc_incident_status_to_string (from), bc_incident_status_to_string (to),
                   expected[from][to] == 'Y' ? "allowed" : "refused");
      }

  /* The named rules of docs/domain.md. */
  g_assert_true (bc_incident_status_can_transition (BC_INCIDENT_STATUS_NEW,
                                                    BC_INCIDENT_STATUS_CANCELLED));
  g_assert_false (bc_incident_status_can_transition (BC_INCIDENT_STATUS_NEW,
                                                     BC_INCIDENT_STATUS_CLOSED));
  g_assert_false (bc_incident_status_can_transition (BC_INCIDENT_STATUS_ON_SCENE,
                                                     BC_INCIDENT_STATUS_EN_ROUTE));
  g_assert_false (bc_incident_status_can_transition (BC_INCIDENT_STATUS_CLOSED,
                                                     BC_INCIDENT_STATUS_CANCELLED));
  g_assert_false (bc_incident_status_can_transition (99, BC_INCIDENT_STATUS_NEW));
}

static void
test_unit_status_transitions (void)
{
  enum { N = 5 };
  /*                        avail disp route scene off */
  static const char expected[N][N + 1] = {
    /* available */       { "-Y--Y" },
    /* dispatched */      { "Y-YY-" },
    /* en_route */        { "Y--Y-" },
    /* on_scene */        { "Y----" },
    /* off_duty */        { "Y----" },
  };

  for (int from = 0; from < N; from++)
    for (int to = 0; to < N; to++)
      {
        gboolean allowed = bc_unit_status_can_transition (from, to);

        if (allowed != (expected[from][to] == 'Y'))
          g_error ("unit %s → %s: expected %s",
                   bc_unit_status_to_string (from), bc_unit_status_to_string (to),
                   expected[from][to] == 'Y' ? "allowed" : "refused");
      }

  g_assert_false (bc_unit_status_can_transition (BC_UNIT_STATUS_ON_SCENE,
                                                 BC_UNIT_STATUS_OFF_DUTY));
  g_assert_false (bc_unit_status_can_transition (BC_UNIT_STATUS_AVAILABLE, 42));
}

/* ------------------------------------------------------------------------------------------ */
/* Change notification                                                                          */
/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *names;      /* property names, in emission order */
  gint64     version;    /* what the object said its version was at the first notify */
} NotifyLog;

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  NotifyLog *log = user_data;

  if (log->names->len == 0)
    {
      if (BC_IS_INCIDENT (object))
        log->version = bc_incident_get_version (BC_INCIDENT (object));
      else
        log->version = bc_unit_get_version (BC_UNIT (object));
    }
  g_ptr_array_add (log->names, g_strdup (pspec->name));
}

static void
notify_log_init (NotifyLog *log)
{
  log->names = g_ptr_array_new_with_free_func (g_free);
  log->version = -1;
}

static void
notify_log_clear (NotifyLog *log)
{
  g_clear_pointer (&log->names, g_ptr_array_unref);
}

static gboolean
notify_log_has (NotifyLog  *log,
                const char *name)
{
  return g_ptr_array_find_with_equal_func (log->names, name, g_str_equal, NULL);
}

static void
test_incident_update_from_notifies_changed (void)
{
  g_autoptr(BcIncident) shown = bc_incident_from_json_string (incident_doc, -1, NULL);
  g_autoptr(BcIncident) update = bc_incident_copy (shown);
  const gint64 new_units[] = { 3, 5, 8 };
  NotifyLog log;

  notify_log_init (&log);
  g_signal_connect (shown, "notify", G_CALLBACK (on_notify), &log);

  /* A live update from the server: a unit joins, the incident moves on. */
  bc_incident_set_status (update, BC_INCIDENT_STATUS_EN_ROUTE);
  bc_incident_set_en_route_at (update, SAMPLE_USEC);
  bc_incident_set_units (update, new_units, G_N_ELEMENTS (new_units));
  bc_incident_set_version (update, 4);

  bc_incident_update_from (shown, update);

  g_assert_cmpuint (log.names->len, ==, 4);
  g_assert_true (notify_log_has (&log, "status"));
  g_assert_true (notify_log_has (&log, "en-route-at"));
  g_assert_true (notify_log_has (&log, "units"));
  g_assert_true (notify_log_has (&log, "version"));
  /* Notifications come after the whole update: the first handler already sees version 4. */
  g_assert_cmpint (log.version, ==, 4);
  g_assert_cmpint (bc_incident_get_status (shown), ==, BC_INCIDENT_STATUS_EN_ROUTE);

  /* The same update again changes nothing and says nothing. */
  g_ptr_array_set_size (log.names, 0);
  bc_incident_update_from (shown, update);
  g_assert_cmpuint (log.names->len, ==, 0);

  /* Clearing a string (caller withdrawn) is a change too. */
  bc_incident_set_caller_name (update, NULL);
  bc_incident_update_from (shown, update);
  g_assert_cmpuint (log.names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (log.names, 0), ==, "caller-name");

  notify_log_clear (&log);
}

static void
test_incident_setters_change_guarded (void)
{
  g_autoptr(BcIncident) incident = bc_incident_new ();
  g_autoptr(GArray) units = NULL;
  const gint64 ids[] = { 4, 2 };
  NotifyLog log;
  int priority = 0;

  notify_log_init (&log);
  g_signal_connect (incident, "notify", G_CALLBACK (on_notify), &log);

  bc_incident_set_address (incident, "白庙路");
  bc_incident_set_address (incident, "白庙路");
  bc_incident_set_location (incident, 31.0, 0.0);  /* lon unchanged */
  bc_incident_set_units (incident, ids, 2);
  bc_incident_set_units (incident, ids, 2);
  g_object_set (incident, "priority", 1, NULL);
  g_object_set (incident, "priority", 1, NULL);

  g_assert_cmpuint (log.names->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (log.names, 0), ==, "address");
  g_assert_cmpstr (g_ptr_array_index (log.names, 1), ==, "lat");
  g_assert_cmpstr (g_ptr_array_index (log.names, 2), ==, "units");
  g_assert_cmpstr (g_ptr_array_index (log.names, 3), ==, "priority");

  /* The "units" property hands out a copy. */
  g_object_get (incident, "units", &units, "priority", &priority, NULL);
  g_assert_cmpuint (units->len, ==, 2);
  g_assert_cmpint (g_array_index (units, gint64, 1), ==, 2);
  g_array_index (units, gint64, 1) = 99;
  g_assert_false (bc_incident_has_unit (incident, 99));
  g_assert_cmpint (priority, ==, 1);

  /* Setting the units from a view of the incident's own units is safe. */
  {
    guint n = 0;
    const gint64 *view = bc_incident_get_units (incident, &n);

    bc_incident_set_units (incident, view + 1, n - 1);
    view = bc_incident_get_units (incident, &n);
    g_assert_cmpuint (n, ==, 1);
    g_assert_cmpint (view[0], ==, 2);
  }

  notify_log_clear (&log);
}

static void
test_unit_update_from_notifies_changed (void)
{
  g_autoptr(BcUnit) shown = bc_unit_from_json_string (unit_doc, -1, NULL);
  g_autoptr(BcUnit) update = bc_unit_copy (shown);
  NotifyLog log;

  notify_log_init (&log);
  g_signal_connect (shown, "notify", G_CALLBACK (on_notify), &log);

  /* An AVL fix: same heading and speed, new place and time. */
  bc_unit_set_position (update, 31.05, 112.2, 90.0, 12.5, SAMPLE_USEC);
  bc_unit_set_version (update, 5);
  bc_unit_update_from (shown, update);

  g_assert_cmpuint (log.names->len, ==, 3);
  g_assert_true (notify_log_has (&log, "lat"));
  g_assert_true (notify_log_has (&log, "position-at"));
  g_assert_true (notify_log_has (&log, "version"));
  g_assert_false (notify_log_has (&log, "lon"));
  g_assert_false (notify_log_has (&log, "has-position"));
  g_assert_cmpint (log.version, ==, 5);

  /* Losing the fix notifies every position field that held a value. */
  g_ptr_array_set_size (log.names, 0);
  bc_unit_clear_position (update);
  bc_unit_update_from (shown, update);
  g_assert_false (bc_unit_get_has_position (shown));
  g_assert_true (notify_log_has (&log, "has-position"));
  g_assert_true (notify_log_has (&log, "lat"));
  g_assert_true (notify_log_has (&log, "heading"));
  g_assert_true (notify_log_has (&log, "speed"));
  g_assert_true (notify_log_has (&log, "position-at"));
  g_assert_cmpuint (log.names->len, ==, 6);

  g_ptr_array_set_size (log.names, 0);
  bc_unit_update_from (shown, update);
  g_assert_cmpuint (log.names->len, ==, 0);

  notify_log_clear (&log);
}

/* ------------------------------------------------------------------------------------------ */
/* Times                                                                                        */
/* ------------------------------------------------------------------------------------------ */

static void
test_time_format (void)
{
  static const struct {
    gint64      usec;
    const char *text;
  } cases[] = {
    { 0, "1970-01-01T00:00:00.000Z" },
    { SAMPLE_USEC, "2026-11-24T16:57:14.123Z" },       /* µs truncated */
    { SAMPLE_USEC + 876544, "2026-11-24T16:57:15.000Z" },
    { SAMPLE_USEC + 876543, "2026-11-24T16:57:14.999Z" },
    { -1, "1969-12-31T23:59:59.999Z" },                /* floors, not rounds to zero */
    { G_GINT64_CONSTANT (1709164800000000), "2024-02-29T00:00:00.000Z" },
    { G_GINT64_CONSTANT (-62135596800000000), "0001-01-01T00:00:00.000Z" },
    { G_GINT64_CONSTANT (253402300799999000), "9999-12-31T23:59:59.999Z" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = bc_time_format (cases[i].usec);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_time_parse (void)
{
  static const struct {
    const char *text;
    gint64      usec;
  } cases[] = {
    { "2026-11-24T16:57:14.123Z", SAMPLE_USEC - 456 },
    { "2026-11-24T16:57:14.123456Z", SAMPLE_USEC },
    { "2026-11-24T16:57:14.1234567891Z", SAMPLE_USEC },      /* beyond µs: truncated */
    { "2026-11-24T16:57:14.1Z", SAMPLE_USEC - 23456 },
    { "2026-11-24T16:57:14Z", SAMPLE_USEC - 123456 },
    { "2026-11-25T00:57:14.123456+08:00", SAMPLE_USEC },      /* Beijing time */
    { "2026-11-24T11:57:14.123456-05:00", SAMPLE_USEC },
    { "2026-11-24T22:27:14.123456+05:30", SAMPLE_USEC },
    { "2026-11-24T16:57:14.123456-00:00", SAMPLE_USEC },
    { "2026-11-24t16:57:14.123456z", SAMPLE_USEC },           /* RFC 3339 §5.6 */
    { "2026-11-25T00:00:00+23:59", G_GINT64_CONSTANT (1795478460000000) },
    { "1970-01-01T00:00:00Z", 0 },
    { "1969-12-31T23:59:59.999Z", -1000 },
    { "2024-02-29T00:00:00Z", G_GINT64_CONSTANT (1709164800000000) },
    { "0001-01-01T00:00:00Z", G_GINT64_CONSTANT (-62135596800000000) },
  };
  static const char * const bad[] = {
    "", "yesterday", "2026-11-24", "2026-11-24T16:57Z", "2026-11-24T16:57:14",
    "2026-11-24 16:57:14Z", "2026-11-24T16:57:14.Z", "2026-11-24T16:57:14.123ZZ",
    "2026-11-24T16:57:14+0800", "2026-11-24T16:57:14+08", "2026-13-01T00:00:00Z",
    "2026-00-01T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-31T00:00:00Z",
    "2023-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-11-24T24:00:00Z",
    "2026-11-24T16:60:00Z", "2026-11-24T16:57:60Z", "2026-11-24T16:57:14+24:00",
    "2026-11-24T16:57:14+08:60", "26-11-24T16:57:14Z", "+2026-11-24T16:57:14Z",
    "2026-11-24T16:57:14.123 Z", " 2026-11-24T16:57:14Z", "２026-11-24T16:57:14Z",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 usec = G_MININT64;

      if (!bc_time_parse (cases[i].text, &usec, &error))
        g_error ("\"%s\": %s", cases[i].text, error->message);
      if (usec != cases[i].usec)
        g_error ("\"%s\": got %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
                 cases[i].text, usec, cases[i].usec);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 usec = 42;

      if (bc_time_parse (bad[i], &usec, &error))
        g_error ("\"%s\" was accepted", bad[i]);
      g_assert_error (error, BC_MODEL_ERROR, BC_MODEL_ERROR_INVALID_FORMAT);
      g_assert_cmpint (usec, ==, 42);
    }
}

/* Against GDateTime over the whole supported range, at random. */
static void
test_time_against_gdatetime (void)
{
  for (guint i = 0; i < 2000; i++)
    {
      gint64 seconds = g_test_rand_int_range (0, G_MAXINT32);
      int msec = g_test_rand_int_range (0, 1000);
      gint64 usec, parsed = 0;
      g_autofree char *text = NULL;
      g_autofree char *expected = NULL;
      g_autoptr(GDateTime) dt = NULL;

      /* Spread over years 1…9999. */
      seconds = G_GINT64_CONSTANT (-62135596800) +
                (gint64) (((double) seconds / G_MAXINT32) * G_GINT64_CONSTANT (315537897599));
      usec = seconds * G_USEC_PER_SEC + msec * 1000;

      dt = g_date_time_new_from_unix_utc (seconds);
      g_assert_nonnull (dt);
      expected = g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                  g_date_time_get_year (dt), g_date_time_get_month (dt),
                                  g_date_time_get_day_of_month (dt), g_date_time_get_hour (dt),
                                  g_date_time_get_minute (dt), g_date_time_get_second (dt),
                                  msec);

      text = bc_time_format (usec);
      g_assert_cmpstr (text, ==, expected);
      g_assert_true (bc_time_parse (text, &parsed, NULL));
      g_assert_cmpint (parsed, ==, usec);
    }
}

static void
test_time_now (void)
{
  gint64 before = g_get_real_time ();
  gint64 now = bc_time_now ();
  gint64 after = g_get_real_time ();

  g_assert_cmpint (now, >=, before);
  g_assert_cmpint (now, <=, after);
}

/* ------------------------------------------------------------------------------------------ */

static const RoundTrip round_trips[] = {
  { KIND_INCIDENT, incident_doc },
  { KIND_INCIDENT, incident_closed_doc },
  { KIND_CREATE, create_doc },
  { KIND_UNIT, unit_doc },
  { KIND_UNIT, unit_no_fix_doc },
  { KIND_CAMERA, camera_doc },
  { KIND_ORDER, order_doc },
  { KIND_NOTE, note_doc },
  { KIND_EVENT, event_doc },
  { KIND_USER, user_doc },
};

static const char * const round_trip_names[] = {
  "incident", "incident-closed", "incident-create", "unit", "unit-no-fix", "camera",
  "order", "note", "event", "user",
};

int
main (int   argc,
      char *argv[])
{
  G_STATIC_ASSERT (G_N_ELEMENTS (round_trips) == G_N_ELEMENTS (round_trip_names));

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (round_trips); i++)
    {
      g_autofree char *path = g_strdup_printf ("/model/round-trip/%s", round_trip_names[i]);

      g_test_add_data_func (path, &round_trips[i], test_round_trip);
    }

  g_test_add_func ("/model/incident/decode/fields", test_incident_decode_fields);
  g_test_add_func ("/model/incident/decode/create", test_incident_create_decode);
  g_test_add_func ("/model/incident/decode/create-minimal", test_incident_create_minimal);
  g_test_add_func ("/model/incident/encode/built-round-trip", test_incident_built_round_trip);
  g_test_add_func ("/model/unit/decode/fields", test_unit_decode_fields);
  g_test_add_func ("/model/camera/decode/fields", test_camera_decode_fields);
  g_test_add_func ("/model/camera/decode/optional-members", test_camera_optional_members);
  g_test_add_func ("/model/order/decode/fields", test_order_decode_fields);
  g_test_add_func ("/model/order/encode/built-round-trip", test_order_built_round_trip);
  g_test_add_func ("/model/event/decode/fields", test_event_decode_fields);
  g_test_add_func ("/model/note-user/decode/fields", test_note_user_decode_fields);

  for (guint i = 0; i < G_N_ELEMENTS (accept_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/model/decode/accept/%s", accept_cases[i].name);

      g_test_add_data_func (path, &accept_cases[i], test_accept);
    }

  for (guint i = 0; i < G_N_ELEMENTS (reject_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/model/decode/reject/%s", reject_cases[i].name);

      g_test_add_data_func (path, &reject_cases[i], test_reject);
    }
  g_test_add_func ("/model/decode/reject-table-covers-all", test_reject_table_coverage);
  g_test_add_func ("/model/decode/invalid-utf8-in-node", test_reject_invalid_utf8_node);
  g_test_add_func ("/model/json/parse", test_json_parse);
  g_test_add_func ("/model/error/codes", test_error_codes);

  g_test_add_func ("/model/camera/code-validation", test_camera_codes);
  g_test_add_func ("/model/incident/number-validation", test_incident_numbers);
  g_test_add_func ("/model/user/username-validation", test_usernames);

  g_test_add_func ("/model/enums/codes-and-nicks-agree", test_enums);
  g_test_add_func ("/model/enums/incident-status-open", test_incident_status_open);
  g_test_add_func ("/model/enums/incident-lifecycle", test_incident_lifecycle);
  g_test_add_func ("/model/enums/unit-status-transitions", test_unit_status_transitions);

  g_test_add_func ("/model/incident/update-from/notifies-only-changed",
                   test_incident_update_from_notifies_changed);
  g_test_add_func ("/model/incident/setters/change-guarded", test_incident_setters_change_guarded);
  g_test_add_func ("/model/unit/update-from/notifies-only-changed",
                   test_unit_update_from_notifies_changed);

  g_test_add_func ("/model/time/format", test_time_format);
  g_test_add_func ("/model/time/parse", test_time_parse);
  g_test_add_func ("/model/time/against-gdatetime", test_time_against_gdatetime);
  g_test_add_func ("/model/time/now", test_time_now);

  return g_test_run ();
}
