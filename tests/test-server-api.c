/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <string.h>

#include "bs-request.h"
#include "server-fixture.h"

/* Around 象山大道, Jingmen. */
#define BASE_LAT 31.0355
#define BASE_LON 112.2040

typedef struct
{
  ServerFixture  f;
  char          *dispatcher;
  char          *supervisor;
  char          *unit_user;     /* acts for unit_a */
  gint64         unit_a;
  gint64         unit_b;
  gint64         incident;
} Api;

static void
api_setup (Api           *api,
           gconstpointer  data)
{
  server_fixture_setup (&api->f, data);
  api->dispatcher = fixture_user_token (&api->f, "disp1", BC_ROLE_DISPATCHER, "调度员一");
  api->supervisor = fixture_user_token (&api->f, "super1", BC_ROLE_SUPERVISOR, "值班长");
  api->unit_a = fixture_add_unit (&api->f, "东宝巡01", BASE_LAT + 0.002, BASE_LON);
  api->unit_b = fixture_add_unit (&api->f, "东宝巡02", BASE_LAT + 0.02, BASE_LON);
  api->unit_user = fixture_user_token (&api->f, "car01", BC_ROLE_UNIT, "东宝巡01");
  api->incident = fixture_create_incident (&api->f, api->dispatcher, BASE_LAT, BASE_LON);
}

static void
api_teardown (Api           *api,
              gconstpointer  data)
{
  g_free (api->dispatcher);
  g_free (api->supervisor);
  g_free (api->unit_user);
  server_fixture_teardown (&api->f, data);
}

/* Everything a bad request must leave alone. */
typedef struct
{
  gint64 last_seq;
  gint64 incidents;
  gint64 notes;
  gint64 orders;
  gint64 incident_versions;
  gint64 unit_versions;
  gint64 unit_fixes;
  gint64 cameras;
} State;

static State
read_state (ServerFixture *f)
{
  State s;

  s.last_seq = fixture_last_seq (f);
  s.incidents = fixture_count (f, "SELECT count(*) FROM incidents");
  s.notes = fixture_count (f, "SELECT count(*) FROM notes");
  s.orders = fixture_count (f, "SELECT count(*) FROM orders");
  s.incident_versions = fixture_count (f, "SELECT total (version) FROM incidents");
  s.unit_versions = fixture_count (f, "SELECT total (version) FROM units");
  s.unit_fixes = fixture_count (f, "SELECT total (fix_at) / 1000 FROM units");
  s.cameras = fixture_count (f, "SELECT count(*) FROM cameras");
  return s;
}

static void
assert_state_equal (const State *a,
                    const State *b)
{
  g_assert_cmpint (a->last_seq, ==, b->last_seq);
  g_assert_cmpint (a->incidents, ==, b->incidents);
  g_assert_cmpint (a->notes, ==, b->notes);
  g_assert_cmpint (a->orders, ==, b->orders);
  g_assert_cmpint (a->incident_versions, ==, b->incident_versions);
  g_assert_cmpint (a->unit_versions, ==, b->unit_versions);
  g_assert_cmpint (a->unit_fixes, ==, b->unit_fixes);
  g_assert_cmpint (a->cameras, ==, b->cameras);
}

static char *
path_printf (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static char *
path_printf (const char *format,
             ...)
{
  va_list args;
  char *path;

  va_start (args, format);
  path = g_strdup_vprintf (format, args);
  va_end (args);
  return path;
}

static TestReply *
dispatch (Api        *api,
          gint64      incident,
          gint64      unit,
          const char *key)
{
  g_autofree char *path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch",
                                       incident);
  g_autofree char *body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "],"
                                           "\"instructions\":\"立即前往现场处置\"}", unit);

  return fixture_http (&api->f, "POST", path, api->dispatcher, body, "Idempotency-Key", key,
                       NULL);
}

/* ---- General ------------------------------------------------------------------------------ */

static void
test_health (Api           *api,
             gconstpointer  data)
{
  g_autoptr(TestReply) reply = fixture_http (&api->f, "GET", "/api/v1/health", NULL, NULL, NULL);

  assert_reply (reply, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (reply), "status"), ==, "ok");
  g_assert_nonnull (json_object_get_string_member (test_reply_object (reply), "version"));
}

static void
test_unknown_route (Api           *api,
                    gconstpointer  data)
{
  const char *paths[] = { "/", "/api/v1", "/api/v1/nothing", "/api/v1/incidents/abc",
                          "/api/v1/incidents/0", "/api/v1/incidents/1/unknown",
                          "/api/v2/health", "/api/v1/events/extra" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(TestReply) reply = fixture_http (&api->f, "GET", paths[i], api->dispatcher,
                                                 NULL, NULL);
      assert_reply (reply, 404, "not_found");
    }
}

static void
test_wrong_method (Api           *api,
                   gconstpointer  data)
{
  g_autoptr(TestReply) put = fixture_http (&api->f, "PUT", "/api/v1/incidents", api->dispatcher,
                                           "{}", NULL);
  g_autoptr(TestReply) del = fixture_http (&api->f, "DELETE", "/api/v1/units", api->dispatcher,
                                           NULL, NULL);

  assert_reply (put, 405, "method_not_allowed");
  g_assert_cmpstr (test_reply_header (put, "Allow"), ==, "GET, POST");
  assert_reply (del, 405, "method_not_allowed");
  g_assert_cmpstr (test_reply_header (del, "Allow"), ==, "GET");
}

static void
test_not_implemented (Api           *api,
                      gconstpointer  data)
{
  g_autofree char *trainer = fixture_user_token (&api->f, "trainer1", BC_ROLE_TRAINER, NULL);
  g_autoptr(TestReply) sim = fixture_http (&api->f, "POST", "/api/v1/sim/control", trainer,
                                           "{\"action\":\"play\"}", NULL);

  assert_reply (sim, 501, "not_implemented");
}

/* ---- Incidents ---------------------------------------------------------------------------- */

static void
test_incident_create_get_list (Api           *api,
                               gconstpointer  data)
{
  g_autoptr(TestReply) created = NULL;
  g_autoptr(TestReply) got = NULL;
  g_autoptr(TestReply) open = NULL;
  g_autoptr(TestReply) closed = NULL;
  g_autoptr(TestReply) bad = NULL;
  g_autoptr(TestReply) page = NULL;
  g_autofree char *path = NULL;
  JsonObject *incident;
  gint64 id;

  created = fixture_http (&api->f, "POST", "/api/v1/incidents", api->dispatcher,
                          "{\"type\":\"fire\",\"priority\":1,"
                          "\"location\":{\"lat\":31.04,\"lon\":112.21},"
                          "\"address\":\"白庙路12号\",\"description\":\"厨房起火\"}",
                          NULL);
  assert_reply (created, 201, NULL);
  incident = test_reply_object (created);
  id = json_object_get_int_member (incident, "id");
  g_assert_cmpstr (json_object_get_string_member (incident, "status"), ==, "new");
  g_assert_cmpstr (json_object_get_string_member (incident, "type"), ==, "fire");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (incident, "number"), "JQ"));
  g_assert_cmpint (json_object_get_int_member (incident, "version"), ==, 1);
  path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT, id);
  g_assert_cmpstr (test_reply_header (created, "Location"), ==, path);

  got = fixture_http (&api->f, "GET", path, api->dispatcher, NULL, NULL);
  assert_reply (got, 200, NULL);
  g_assert_cmpint (json_object_get_int_member (test_reply_object (got), "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (got), "address"), ==,
                   "白庙路12号");

  open = fixture_http (&api->f, "GET", "/api/v1/incidents?status=open", api->supervisor, NULL,
                       NULL);
  assert_reply (open, 200, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (test_reply_object (open),
                                                                         "incidents")), ==, 2);

  closed = fixture_http (&api->f, "GET", "/api/v1/incidents?status=closed", api->dispatcher,
                         NULL, NULL);
  assert_reply (closed, 200, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      test_reply_object (closed), "incidents")), ==, 0);

  page = fixture_http (&api->f, "GET", "/api/v1/incidents?status=all&limit=1", api->dispatcher,
                       NULL, NULL);
  assert_reply (page, 200, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      test_reply_object (page), "incidents")), ==, 1);
  g_assert_false (json_object_get_null_member (test_reply_object (page), "next_before"));

  bad = fixture_http (&api->f, "GET", "/api/v1/incidents?status=sometimes", api->dispatcher,
                      NULL, NULL);
  assert_reply (bad, 400, "invalid_parameter");
  g_clear_pointer (&bad, test_reply_free);
  bad = fixture_http (&api->f, "GET", "/api/v1/incidents?limit=0", api->dispatcher, NULL, NULL);
  assert_reply (bad, 400, "invalid_parameter");
}

static JsonObject *
post_incident (Api        *api,
               TestReply **out_reply,
               double      lat,
               double      lon,
               const char *district)
{
  g_autofree char *district_member = district != NULL
                                     ? g_strdup_printf (",\"district\":\"%s\"", district)
                                     : g_strdup ("");
  g_autofree char *body = g_strdup_printf ("{\"type\":\"traffic\",\"priority\":3,"
                                           "\"location\":{\"lat\":%.6f,\"lon\":%.6f},"
                                           "\"address\":\"测试地址\"%s}",
                                           lat, lon, district_member);

  *out_reply = fixture_http (&api->f, "POST", "/api/v1/incidents", api->dispatcher, body, NULL);
  assert_reply (*out_reply, 201, NULL);
  return test_reply_object (*out_reply);
}

static const char *
district_of (JsonObject *incident)
{
  return json_object_get_null_member (incident, "district")
         ? NULL : json_object_get_string_member (incident, "district");
}

/* Without a district an incident gets the one its location lies in; a given one is kept, and
 * the statistics count them by it. */
static void
test_incident_district (Api           *api,
                        gconstpointer  data)
{
  g_autoptr(TestReply) derived = NULL;
  g_autoptr(TestReply) given = NULL;
  g_autoptr(TestReply) outside = NULL;
  g_autoptr(TestReply) got = NULL;
  g_autoptr(TestReply) moved = NULL;
  g_autoptr(TestReply) moved_given = NULL;
  g_autoptr(TestReply) stats = NULL;
  g_autoptr(TestReply) too_long = NULL;
  g_autofree char *derived_path = NULL;
  g_autofree char *given_path = NULL;
  JsonObject *by_district;

  /* 掇刀 town, south of the city centre. */
  derived_path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT,
                              json_object_get_int_member (post_incident (api, &derived, 30.98,
                                                                         112.21, NULL), "id"));
  g_assert_cmpstr (district_of (test_reply_object (derived)), ==, "掇刀区");
  got = fixture_http (&api->f, "GET", derived_path, api->dispatcher, NULL, NULL);
  assert_reply (got, 200, NULL);
  g_assert_cmpstr (district_of (test_reply_object (got)), ==, "掇刀区");

  /* An integration that knows better: kept as given, even against the location. */
  given_path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT,
                            json_object_get_int_member (post_incident (api, &given, 30.98, 112.21,
                                                                       "东宝区"), "id"));
  g_assert_cmpstr (district_of (test_reply_object (given)), ==, "东宝区");

  /* Wuhan is in no district of Jingmen. */
  g_assert_null (district_of (post_incident (api, &outside, 30.5928, 114.3055, NULL)));

  /* The setup's incident (象山大道) is in 东宝区 too. */
  stats = fixture_http (&api->f, "GET", "/api/v1/stats/summary?period=day", api->supervisor,
                        NULL, NULL);
  assert_reply (stats, 200, NULL);
  by_district = json_object_get_object_member (json_object_get_object_member (
                                                 test_reply_object (stats), "current"),
                                               "by_district");
  g_assert_cmpint (json_object_get_int_member_with_default (by_district, "掇刀区", 0), ==, 1);
  g_assert_cmpint (json_object_get_int_member_with_default (by_district, "东宝区", 0), ==, 2);
  g_assert_cmpint (json_object_get_int_member_with_default (by_district, "", 0), ==, 1);
  g_assert_cmpuint (json_object_get_size (by_district), ==, 3);

  /* Moving the incident moves a derived district, not a given one. */
  moved = fixture_http (&api->f, "PATCH", derived_path, api->dispatcher,
                        "{\"version\":1,\"location\":{\"lat\":31.17,\"lon\":112.58}}", NULL);
  assert_reply (moved, 200, NULL);
  g_assert_cmpstr (district_of (test_reply_object (moved)), ==, "钟祥市");
  moved_given = fixture_http (&api->f, "PATCH", given_path, api->dispatcher,
                              "{\"version\":1,\"location\":{\"lat\":31.17,\"lon\":112.58}}", NULL);
  assert_reply (moved_given, 200, NULL);
  g_assert_cmpstr (district_of (test_reply_object (moved_given)), ==, "东宝区");
  g_assert_cmpint (fixture_count (&api->f, "SELECT count(*) FROM incidents "
                                           "WHERE district = '钟祥市'"), ==, 1);

  too_long = fixture_http (&api->f, "POST", "/api/v1/incidents", api->dispatcher,
                           "{\"type\":\"fire\",\"priority\":1,"
                           "\"location\":{\"lat\":31.04,\"lon\":112.21},\"address\":\"\","
                           "\"district\":\"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三\"}",
                           NULL);
  assert_reply (too_long, 422, NULL);
}

static void
test_incident_update (Api           *api,
                      gconstpointer  data)
{
  g_autofree char *path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT, api->incident);
  g_autoptr(TestReply) updated = NULL;
  g_autoptr(TestReply) stale = NULL;
  g_autoptr(TestReply) unknown = NULL;
  g_autoptr(TestReply) no_version = NULL;

  updated = fixture_http (&api->f, "PATCH", path, api->dispatcher,
                          "{\"version\":1,\"priority\":1,\"description\":\"有人受伤\"}", NULL);
  assert_reply (updated, 200, NULL);
  g_assert_cmpint (json_object_get_int_member (test_reply_object (updated), "priority"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (test_reply_object (updated), "version"), ==, 2);

  stale = fixture_http (&api->f, "PATCH", path, api->dispatcher,
                        "{\"version\":1,\"priority\":3}", NULL);
  assert_reply (stale, 409, "stale_version");

  no_version = fixture_http (&api->f, "PATCH", path, api->dispatcher, "{\"priority\":3}", NULL);
  assert_reply (no_version, 400, "invalid_field");

  unknown = fixture_http (&api->f, "PATCH", "/api/v1/incidents/999999", api->dispatcher,
                          "{\"version\":1,\"priority\":3}", NULL);
  assert_reply (unknown, 404, "not_found");
}

static void
test_unknown_ids (Api           *api,
                  gconstpointer  data)
{
  struct { const char *method; const char *path; const char *body; } cases[] = {
    { "GET", "/api/v1/incidents/424242", NULL },
    { "GET", "/api/v1/incidents/424242/notes", NULL },
    { "POST", "/api/v1/incidents/424242/notes", "{\"text\":\"备注\"}" },
    { "GET", "/api/v1/incidents/424242/orders", NULL },
    { "GET", "/api/v1/incidents/424242/recommendations", NULL },
    { "GET", "/api/v1/orders/424242", NULL },
    { "GET", "/api/v1/units/424242", NULL },
    { "PATCH", "/api/v1/units/424242", "{\"status\":\"off_duty\",\"version\":1}" },
  };
  State before = read_state (&api->f);
  State after;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestReply) reply = fixture_http (&api->f, cases[i].method, cases[i].path,
                                                 api->dispatcher, cases[i].body, NULL);
      assert_reply (reply, 404, "not_found");
    }

  {
    g_autoptr(TestReply) reply = dispatch (api, 424242, api->unit_a, "unknown-incident");
    assert_reply (reply, 404, "not_found");
  }
  {
    g_autoptr(TestReply) reply = dispatch (api, api->incident, 424242, "unknown-unit");
    assert_reply (reply, 404, "not_found");
  }

  after = read_state (&api->f);
  assert_state_equal (&before, &after);
}

static void
test_notes (Api           *api,
            gconstpointer  data)
{
  g_autofree char *path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/notes",
                                       api->incident);
  g_autofree char *long_text = NULL;
  g_autofree char *long_body = NULL;
  g_autoptr(TestReply) added = NULL;
  g_autoptr(TestReply) by_supervisor = NULL;
  g_autoptr(TestReply) list = NULL;
  g_autoptr(TestReply) empty = NULL;
  g_autoptr(TestReply) missing = NULL;
  g_autoptr(TestReply) too_long = NULL;
  g_autoptr(TestReply) unknown_member = NULL;
  JsonArray *notes;

  added = fixture_http (&api->f, "POST", path, api->dispatcher,
                        "{\"text\":\"报警人再次来电\"}", NULL);
  assert_reply (added, 201, NULL);
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (added), "author"), ==,
                   "disp1");
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (added), "text"), ==,
                   "报警人再次来电");

  by_supervisor = fixture_http (&api->f, "POST", path, api->supervisor,
                                "{\"text\":\"注意现场安全\"}", NULL);
  assert_reply (by_supervisor, 201, NULL);

  list = fixture_http (&api->f, "GET", path, api->supervisor, NULL, NULL);
  assert_reply (list, 200, NULL);
  notes = json_object_get_array_member (test_reply_object (list), "notes");
  g_assert_cmpuint (json_array_get_length (notes), ==, 2);

  empty = fixture_http (&api->f, "POST", path, api->dispatcher, "{\"text\":\"\"}", NULL);
  g_assert_cmpuint (empty->status, >=, 400);
  g_assert_cmpuint (empty->status, <, 500);
  missing = fixture_http (&api->f, "POST", path, api->dispatcher, "{}", NULL);
  assert_reply (missing, 400, "invalid_field");
  long_text = g_strnfill (4001, 'x');
  long_body = g_strdup_printf ("{\"text\":\"%s\"}", long_text);
  too_long = fixture_http (&api->f, "POST", path, api->dispatcher, long_body, NULL);
  assert_reply (too_long, 422, "invalid_value");
  unknown_member = fixture_http (&api->f, "POST", path, api->dispatcher,
                                 "{\"text\":\"x\",\"txet\":\"y\"}", NULL);
  assert_reply (unknown_member, 400, "invalid_field");

  g_assert_cmpint (fixture_count (&api->f, "SELECT count(*) FROM notes"), ==, 2);
}

/* ---- Dispatch ----------------------------------------------------------------------------- */

static void
test_recommendations (Api           *api,
                      gconstpointer  data)
{
  g_autofree char *path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT
                                       "/recommendations?limit=5", api->incident);
  g_autofree char *bad_path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT
                                           "/recommendations?limit=nine", api->incident);
  g_autoptr(TestReply) reply = fixture_http (&api->f, "GET", path, api->dispatcher, NULL, NULL);
  g_autoptr(TestReply) bad = fixture_http (&api->f, "GET", bad_path, api->dispatcher, NULL,
                                           NULL);
  JsonArray *recs;
  JsonObject *first;

  assert_reply (reply, 200, NULL);
  recs = json_object_get_array_member (test_reply_object (reply), "recommendations");
  g_assert_cmpuint (json_array_get_length (recs), ==, 2);
  first = json_array_get_object_element (recs, 0);
  /* unit_a is 200 m away, unit_b 2 km: the nearer one ranks first. */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (first, "unit"),
                                               "id"), ==, api->unit_a);
  g_assert_cmpfloat (json_object_get_double_member (first, "distance_m"), <,
                     json_object_get_double_member (json_array_get_object_element (recs, 1),
                                                    "distance_m"));
  g_assert_cmpfloat (json_object_get_double_member (first, "eta_s"), >, 0);

  assert_reply (bad, 400, "invalid_parameter");
}

static void
test_dispatch_and_orders (Api           *api,
                          gconstpointer  data)
{
  g_autoptr(TestReply) created = dispatch (api, api->incident, api->unit_a, "key-1");
  g_autoptr(TestReply) list = NULL;
  g_autoptr(TestReply) one = NULL;
  g_autoptr(TestReply) unit = NULL;
  g_autoptr(TestReply) incident = NULL;
  g_autofree char *orders_path = NULL;
  g_autofree char *order_path = NULL;
  g_autofree char *unit_path = NULL;
  g_autofree char *incident_path = NULL;
  JsonObject *order;
  gint64 order_id;

  assert_reply (created, 201, NULL);
  g_assert_null (test_reply_header (created, "Idempotent-Replayed"));
  order = test_reply_object (created);
  order_id = json_object_get_int_member (order, "id");
  g_assert_cmpint (json_object_get_int_member (order, "incident"), ==, api->incident);
  g_assert_cmpstr (json_object_get_string_member (order, "issued_by"), ==, "disp1");
  g_assert_cmpstr (json_object_get_string_member (order, "idempotency_key"), ==, "key-1");
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (order, "units"),
                                                    0), "state"), ==, "sent");

  orders_path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/orders", api->incident);
  list = fixture_http (&api->f, "GET", orders_path, api->supervisor, NULL, NULL);
  assert_reply (list, 200, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (test_reply_object (list),
                                                                         "orders")), ==, 1);

  order_path = path_printf ("/api/v1/orders/%" G_GINT64_FORMAT, order_id);
  one = fixture_http (&api->f, "GET", order_path, api->dispatcher, NULL, NULL);
  assert_reply (one, 200, NULL);
  g_assert_cmpint (json_object_get_int_member (test_reply_object (one), "id"), ==, order_id);

  unit_path = path_printf ("/api/v1/units/%" G_GINT64_FORMAT, api->unit_a);
  unit = fixture_http (&api->f, "GET", unit_path, api->dispatcher, NULL, NULL);
  assert_reply (unit, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (unit), "status"), ==,
                   "dispatched");
  g_assert_cmpint (json_object_get_int_member (test_reply_object (unit), "incident"), ==,
                   api->incident);

  incident_path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT, api->incident);
  incident = fixture_http (&api->f, "GET", incident_path, api->dispatcher, NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (incident), "status"), ==,
                   "dispatched");
}

static void
test_dispatch_missing_key (Api           *api,
                           gconstpointer  data)
{
  g_autofree char *path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch",
                                       api->incident);
  g_autofree char *body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "]}", api->unit_a);
  State before = read_state (&api->f);
  g_autoptr(TestReply) missing = fixture_http (&api->f, "POST", path, api->dispatcher, body,
                                               NULL);
  g_autoptr(TestReply) bad_key = fixture_http (&api->f, "POST", path, api->dispatcher, body,
                                               "Idempotency-Key", "contains\x01control", NULL);
  g_autoptr(TestReply) no_units = fixture_http (&api->f, "POST", path, api->dispatcher,
                                                "{\"units\":[]}", "Idempotency-Key", "k", NULL);
  g_autoptr(TestReply) dup_units = NULL;
  g_autofree char *dup_body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                                               "]}", api->unit_a, api->unit_a);
  State after;

  assert_reply (missing, 400, "missing_idempotency_key");
  g_assert_cmpuint (bad_key->status, ==, 400);
  g_assert_cmpuint (no_units->status, >=, 400);
  g_assert_cmpuint (no_units->status, <, 500);
  dup_units = fixture_http (&api->f, "POST", path, api->dispatcher, dup_body, "Idempotency-Key",
                            "k2", NULL);
  assert_reply (dup_units, 422, "invalid_value");

  after = read_state (&api->f);
  assert_state_equal (&before, &after);
}

static void
test_dispatch_idempotent_retry (Api           *api,
                                gconstpointer  data)
{
  g_autoptr(TestReply) first = dispatch (api, api->incident, api->unit_a, "retry-key");
  g_autoptr(TestReply) second = NULL;
  g_autoptr(TestReply) third = NULL;
  g_autoptr(TestReply) other_body = NULL;
  gint64 seq_after_first;

  assert_reply (first, 201, NULL);
  seq_after_first = fixture_last_seq (&api->f);

  /* The same request again (a retry after a lost answer) gets the same order back. */
  second = dispatch (api, api->incident, api->unit_a, "retry-key");
  assert_reply (second, 201, NULL);
  g_assert_cmpstr (test_reply_header (second, "Idempotent-Replayed"), ==, "true");
  g_assert_cmpint (json_object_get_int_member (test_reply_object (second), "id"), ==,
                   json_object_get_int_member (test_reply_object (first), "id"));
  third = dispatch (api, api->incident, api->unit_a, "retry-key");
  assert_reply (third, 201, NULL);

  g_assert_cmpint (fixture_count (&api->f, "SELECT count(*) FROM orders"), ==, 1);
  g_assert_cmpint (fixture_count (&api->f,
                                  "SELECT count(*) FROM events WHERE type = 'order.created'"),
                   ==, 1);
  g_assert_cmpint (fixture_last_seq (&api->f), ==, seq_after_first);

  /* The same key for a different request is refused, not answered with the old order. */
  other_body = dispatch (api, api->incident, api->unit_b, "retry-key");
  assert_reply (other_body, 422, "idempotency_key_reused");
  g_assert_cmpint (fixture_count (&api->f, "SELECT count(*) FROM orders"), ==, 1);
}

typedef struct
{
  guint      pending;
  TestReply *replies[2];
} Race;

typedef struct
{
  Race  *race;
  guint  index;
  SoupMessage *msg;
} RaceEntry;

static void
race_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  RaceEntry *entry = user_data;
  g_autoptr(GError) error = NULL;
  TestReply *reply = g_new0 (TestReply, 1);
  gsize length;
  const char *data;

  reply->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  reply->msg = entry->msg;
  reply->status = soup_message_get_status (reply->msg);
  data = g_bytes_get_data (reply->body, &length);
  reply->json = test_parse_json (data, length);
  entry->race->replies[entry->index] = reply;
  entry->race->pending--;
}

static gboolean
race_finished (gpointer data)
{
  return ((Race *) data)->pending == 0;
}

static void
test_dispatch_concurrent_conflict (Api           *api,
                                   gconstpointer  data)
{
  g_autofree char *second_dispatcher = fixture_user_token (&api->f, "disp2", BC_ROLE_DISPATCHER,
                                                           NULL);
  gint64 other_incident = fixture_create_incident (&api->f, api->dispatcher, BASE_LAT + 0.01,
                                                   BASE_LON);
  g_autoptr(SoupSession) session2 = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  Race race = { 2, { NULL, NULL } };
  RaceEntry entries[2];
  const char *tokens[2] = { api->dispatcher, second_dispatcher };
  gint64 incidents[2] = { api->incident, other_incident };
  SoupSession *sessions[2] = { api->f.session, session2 };
  guint created = 0, conflicted = 0;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *uri = g_strdup_printf ("%s/api/v1/incidents/%" G_GINT64_FORMAT "/dispatch",
                                              api->f.base_uri, incidents[i]);
      g_autofree char *auth = g_strconcat ("Bearer ", tokens[i], NULL);
      g_autofree char *body = g_strdup_printf ("{\"units\":[%" G_GINT64_FORMAT "]}", api->unit_a);
      g_autofree char *key = g_strdup_printf ("race-%u", i);
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      entries[i] = (RaceEntry) { &race, i, soup_message_new ("POST", uri) };
      soup_message_headers_replace (soup_message_get_request_headers (entries[i].msg),
                                    "Authorization", auth);
      soup_message_headers_replace (soup_message_get_request_headers (entries[i].msg),
                                    "Idempotency-Key", key);
      soup_message_set_request_body_from_bytes (entries[i].msg, "application/json", bytes);
    }
  for (guint i = 0; i < 2; i++)
    soup_session_send_and_read_async (sessions[i], entries[i].msg, G_PRIORITY_DEFAULT, NULL,
                                      race_done, &entries[i]);

  g_assert_true (fixture_wait (race_finished, &race, 20000));

  for (guint i = 0; i < 2; i++)
    {
      TestReply *reply = race.replies[i];

      if (reply->status == 201)
        created++;
      else
        {
          JsonObject *error = json_object_get_object_member (test_reply_object (reply), "error");

          assert_reply (reply, 409, "unit_unavailable");
          /* The message names the unit, so the dispatcher knows which one to replace. */
          g_assert_nonnull (strstr (json_object_get_string_member (error, "message"),
                                    "东宝巡01"));
          conflicted++;
        }
      test_reply_free (reply);
    }

  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (conflicted, ==, 1);
  g_assert_cmpint (fixture_count (&api->f, "SELECT count(*) FROM orders"), ==, 1);
}

static void
test_order_ack (Api           *api,
                gconstpointer  data)
{
  g_autoptr(TestReply) created = dispatch (api, api->incident, api->unit_a, "ack-key");
  g_autofree char *other_unit = fixture_user_token (&api->f, "car02", BC_ROLE_UNIT, "东宝巡02");
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *order_path = NULL;
  g_autoptr(TestReply) foreign = NULL;
  g_autoptr(TestReply) acked = NULL;
  g_autoptr(TestReply) as_unit = NULL;
  g_autoptr(TestReply) other_sees = NULL;
  g_autoptr(TestReply) bad_type = NULL;
  gint64 order_id;

  assert_reply (created, 201, NULL);
  order_id = json_object_get_int_member (test_reply_object (created), "id");
  path = path_printf ("/api/v1/orders/%" G_GINT64_FORMAT "/ack", order_id);
  body = g_strdup_printf ("{\"unit\":%" G_GINT64_FORMAT ",\"accepted\":true}", api->unit_a);

  /* Another unit's crew cannot acknowledge for 东宝巡01. */
  foreign = fixture_http (&api->f, "POST", path, other_unit, body, NULL);
  assert_reply (foreign, 403, "forbidden");

  bad_type = fixture_http (&api->f, "POST", path, api->unit_user,
                           "{\"unit\":1,\"accepted\":\"yes\"}", NULL);
  assert_reply (bad_type, 400, "invalid_field");

  acked = fixture_http (&api->f, "POST", path, api->unit_user, body, NULL);
  assert_reply (acked, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (
                       json_object_get_array_member (test_reply_object (acked), "units"), 0),
                     "state"), ==, "acknowledged");

  /* A unit reads its own orders, not other units'. */
  order_path = path_printf ("/api/v1/orders/%" G_GINT64_FORMAT, order_id);
  as_unit = fixture_http (&api->f, "GET", order_path, api->unit_user, NULL, NULL);
  assert_reply (as_unit, 200, NULL);
  other_sees = fixture_http (&api->f, "GET", order_path, other_unit, NULL, NULL);
  assert_reply (other_sees, 403, "forbidden");
}

/* The crew answers over the radio and the dispatcher records it: the answer counts as the
 * unit's (the unit goes en route), the audit names the dispatcher, and a supervisor may not. */
static void
test_order_ack_by_radio (Api           *api,
                         gconstpointer  data)
{
  g_autoptr(TestReply) created = dispatch (api, api->incident, api->unit_a, "radio-key");
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *unit_path = path_printf ("/api/v1/units/%" G_GINT64_FORMAT, api->unit_a);
  g_autofree char *audit_sql = NULL;
  g_autoptr(TestReply) as_supervisor = NULL;
  g_autoptr(TestReply) acked = NULL;
  g_autoptr(TestReply) unit = NULL;
  g_autoptr(TestReply) again = NULL;
  gint64 order_id;

  assert_reply (created, 201, NULL);
  order_id = json_object_get_int_member (test_reply_object (created), "id");
  path = path_printf ("/api/v1/orders/%" G_GINT64_FORMAT "/ack", order_id);
  body = g_strdup_printf ("{\"unit\":%" G_GINT64_FORMAT ",\"accepted\":true}", api->unit_a);

  as_supervisor = fixture_http (&api->f, "POST", path, api->supervisor, body, NULL);
  assert_reply (as_supervisor, 403, "forbidden");

  acked = fixture_http (&api->f, "POST", path, api->dispatcher, body, NULL);
  assert_reply (acked, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (
                       json_object_get_array_member (test_reply_object (acked), "units"), 0),
                     "state"), ==, "acknowledged");

  unit = fixture_http (&api->f, "GET", unit_path, api->dispatcher, NULL, NULL);
  assert_reply (unit, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (unit), "status"), ==,
                   "en_route");

  audit_sql = g_strdup_printf ("SELECT count(*) FROM audit WHERE action = 'order.ack' "
                               "AND target = 'order/%" G_GINT64_FORMAT "' AND username = 'disp1' "
                               "AND role = 'dispatcher' "
                               "AND json_extract (detail, '$.unit') = %" G_GINT64_FORMAT " "
                               "AND json_extract (detail, '$.by_radio') = 1",
                               order_id, api->unit_a);
  g_assert_cmpint (fixture_count (&api->f, audit_sql), ==, 1);

  /* The crew's own later acknowledgement is the same answer: nothing new. */
  again = fixture_http (&api->f, "POST", path, api->unit_user, body, NULL);
  assert_reply (again, 200, NULL);
  g_assert_cmpint (fixture_count (&api->f, "SELECT count(*) FROM audit WHERE action = 'order.ack'"),
                   ==, 1);
}

/* ---- Units and AVL ------------------------------------------------------------------------ */

static void
test_units (Api           *api,
            gconstpointer  data)
{
  g_autofree char *path = path_printf ("/api/v1/units/%" G_GINT64_FORMAT, api->unit_b);
  g_autoptr(TestReply) list = fixture_http (&api->f, "GET", "/api/v1/units", api->supervisor,
                                            NULL, NULL);
  g_autoptr(TestReply) one = fixture_http (&api->f, "GET", path, api->dispatcher, NULL, NULL);
  g_autoptr(TestReply) off = NULL;
  g_autoptr(TestReply) stale = NULL;
  g_autoptr(TestReply) bad_status = NULL;
  g_autoptr(TestReply) wrong_type = NULL;
  g_autoptr(TestReply) not_own = NULL;
  gint64 version;

  assert_reply (list, 200, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (test_reply_object (list),
                                                                         "units")), ==, 2);
  assert_reply (one, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (test_reply_object (one), "call_sign"), ==,
                   "东宝巡02");
  version = json_object_get_int_member (test_reply_object (one), "version");

  {
    g_autofree char *body = g_strdup_printf ("{\"status\":\"off_duty\",\"version\":%"
                                             G_GINT64_FORMAT "}", version);
    off = fixture_http (&api->f, "PATCH", path, api->dispatcher, body, NULL);
    assert_reply (off, 200, NULL);
    g_assert_cmpstr (json_object_get_string_member (test_reply_object (off), "status"), ==,
                     "off_duty");
    stale = fixture_http (&api->f, "PATCH", path, api->dispatcher, body, NULL);
    assert_reply (stale, 409, "stale_version");
  }

  bad_status = fixture_http (&api->f, "PATCH", path, api->dispatcher,
                             "{\"status\":\"asleep\",\"version\":1}", NULL);
  assert_reply (bad_status, 422, "invalid_value");
  wrong_type = fixture_http (&api->f, "PATCH", path, api->dispatcher,
                             "{\"status\":\"available\",\"version\":\"2\"}", NULL);
  assert_reply (wrong_type, 400, "invalid_field");

  /* The crew of 东宝巡01 may not change 东宝巡02. */
  not_own = fixture_http (&api->f, "PATCH", path, api->unit_user,
                          "{\"status\":\"available\",\"version\":2}", NULL);
  assert_reply (not_own, 403, "forbidden");
}

static char *
avl_batch (gint64 unit,
           guint  n,
           double lat,
           gint64 first_at)
{
  g_autoptr(GString) body = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *at = bc_time_format (first_at + (gint64) i * G_USEC_PER_SEC);
      g_string_append_printf (body, "%s{\"unit\":%" G_GINT64_FORMAT ",\"lat\":%.6f,"
                              "\"lon\":112.2040,\"heading\":45.0,\"speed\":8.5,\"at\":\"%s\"}",
                              i > 0 ? "," : "", unit, lat + i * 0.0001, at);
    }
  g_string_append (body, "]");
  return g_string_free (g_steal_pointer (&body), FALSE);
}

static void
test_avl (Api           *api,
          gconstpointer  data)
{
  gint64 start = bc_time_now () - 9 * G_USEC_PER_SEC;  /* newer than the import's fix */
  g_autofree char *batch = avl_batch (api->unit_a, 10, 31.05, start);
  g_autofree char *foreign = avl_batch (api->unit_b, 1, 31.05, start);
  g_autofree char *too_many = avl_batch (api->unit_a, 1001, 31.05, start);
  g_autofree char *unit_path = path_printf ("/api/v1/units/%" G_GINT64_FORMAT, api->unit_a);
  g_autoptr(TestReply) ok = NULL;
  g_autoptr(TestReply) unit = NULL;
  g_autoptr(TestReply) other = NULL;
  g_autoptr(TestReply) many = NULL;
  g_autoptr(TestReply) range = NULL;
  g_autoptr(TestReply) wrong = NULL;
  g_autoptr(TestReply) not_array = NULL;
  JsonObject *position;
  State before;
  State after;

  ok = fixture_http (&api->f, "POST", "/api/v1/avl", api->unit_user, batch, NULL);
  assert_reply (ok, 200, NULL);
  g_assert_cmpint (json_object_get_int_member (test_reply_object (ok), "accepted"), ==, 10);

  unit = fixture_http (&api->f, "GET", unit_path, api->unit_user, NULL, NULL);
  assert_reply (unit, 200, NULL);
  position = json_object_get_object_member (test_reply_object (unit), "position");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (position, "lat"), 31.0509,
                                  1e-6);

  before = read_state (&api->f);

  other = fixture_http (&api->f, "POST", "/api/v1/avl", api->unit_user, foreign, NULL);
  assert_reply (other, 403, "forbidden");
  many = fixture_http (&api->f, "POST", "/api/v1/avl", api->unit_user, too_many, NULL);
  assert_reply (many, 422, "invalid_value");
  range = fixture_http (&api->f, "POST", "/api/v1/avl", api->unit_user,
                        "[{\"unit\":1,\"lat\":91.0,\"lon\":112.2,\"heading\":0,\"speed\":0,"
                        "\"at\":\"2026-11-24T08:00:00Z\"}]", NULL);
  assert_reply (range, 422, "invalid_value");
  wrong = fixture_http (&api->f, "POST", "/api/v1/avl", api->unit_user,
                        "[{\"unit\":1,\"lat\":\"31.0\",\"lon\":112.2,\"heading\":0,\"speed\":0,"
                        "\"at\":\"2026-11-24T08:00:00Z\"}]", NULL);
  assert_reply (wrong, 400, "invalid_field");
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (test_reply_object (wrong), "error"), "field"),
                   ==, "[0].lat");
  not_array = fixture_http (&api->f, "POST", "/api/v1/avl", api->unit_user, "{}", NULL);
  assert_reply (not_array, 400, "invalid_field");

  after = read_state (&api->f);
  assert_state_equal (&before, &after);
}

typedef struct
{
  guint        pending;
  SoupMessage *msgs[6];
  guint        status[6];
} AvlRace;

typedef struct
{
  AvlRace *race;
  guint    index;
} AvlRaceEntry;

static void
avl_race_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AvlRaceEntry *entry = user_data;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              NULL);

  entry->race->status[entry->index] = soup_message_get_status (entry->race->msgs[entry->index]);
  entry->race->pending--;
}

static gboolean
avl_race_finished (gpointer data)
{
  return ((AvlRace *) data)->pending == 0;
}

static void
test_avl_group_commit (Api           *api,
                       gconstpointer  data)
{
  AvlRace race = { 6, { NULL, }, { 0, } };
  AvlRaceEntry entries[6];
  gint64 units[6];
  gint64 now = bc_time_now ();

  /* Six crews report at once; the fourth sends a fix from the future. */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *call_sign = g_strdup_printf ("掇刀巡%02u", i);
      g_autofree char *user = g_strdup_printf ("crew%u", i);
      g_autofree char *token = NULL;
      g_autofree char *uri = g_strconcat (api->f.base_uri, "/api/v1/avl", NULL);
      g_autofree char *auth = NULL;
      g_autofree char *body = NULL;
      g_autoptr(GBytes) bytes = NULL;

      units[i] = fixture_add_unit (&api->f, call_sign, 31.0, 112.2);
      token = fixture_user_token (&api->f, user, BC_ROLE_UNIT, call_sign);
      auth = g_strconcat ("Bearer ", token, NULL);
      body = avl_batch (units[i], 50, 31.1, i == 3 ? now + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC : now);
      bytes = g_bytes_new (body, strlen (body));
      race.msgs[i] = soup_message_new ("POST", uri);
      soup_message_headers_replace (soup_message_get_request_headers (race.msgs[i]),
                                    "Authorization", auth);
      soup_message_set_request_body_from_bytes (race.msgs[i], "application/json", bytes);
      entries[i] = (AvlRaceEntry) { &race, i };
    }
  for (guint i = 0; i < 6; i++)
    soup_session_send_and_read_async (api->f.session, race.msgs[i], G_PRIORITY_DEFAULT, NULL,
                                      avl_race_done, &entries[i]);
  g_assert_true (fixture_wait (avl_race_finished, &race, 20000));

  /* Whether or not they were committed together, only the bad batch is refused. */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *path = path_printf ("/api/v1/units/%" G_GINT64_FORMAT, units[i]);
      g_autoptr(TestReply) unit = fixture_http (&api->f, "GET", path, api->dispatcher, NULL,
                                                NULL);
      JsonObject *position = json_object_get_object_member (test_reply_object (unit),
                                                            "position");

      if (i == 3)
        {
          g_assert_cmpuint (race.status[i], ==, 422);
          g_assert_cmpfloat_with_epsilon (json_object_get_double_member (position, "lat"), 31.0,
                                          1e-9);
        }
      else
        {
          g_assert_cmpuint (race.status[i], ==, 200);
          g_assert_cmpfloat_with_epsilon (json_object_get_double_member (position, "lat"),
                                          31.1 + 49 * 0.0001, 1e-6);
        }
      g_object_unref (race.msgs[i]);
    }
  g_assert_cmpint (fixture_count (&api->f, "SELECT count(*) FROM events WHERE type = 'unit.moved'"),
                   ==, 5 * 50);
}

/* ---- Cameras ------------------------------------------------------------------------------ */

static void
import_cameras (ServerFixture *f,
                gpointer       data)
{
  g_autoptr(GPtrArray) cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  g_autoptr(GError) error = NULL;
  BsActor actor = { "test", BC_ROLE_ADMIN, "local" };

  for (guint i = 0; i < 20; i++)
    {
      BcCamera *camera = bc_camera_new ();

      g_snprintf (camera->id, sizeof camera->id, "420802000013200%05u", i + 1);
      camera->name = g_strdup_printf ("象山大道%02u号探头", i + 1);
      camera->lat = BASE_LAT + i * 0.001;
      camera->lon = BASE_LON;
      camera->kind = BC_CAMERA_KIND_DOME;
      camera->online = TRUE;
      camera->stream_uri = g_strdup ("rtsp://10.0.0.1/ch1");
      camera->station = g_strdup ("龙泉派出所");
      g_ptr_array_add (cameras, camera);
    }

  bs_repo_import_cameras (f->repo, cameras, &actor, &error);
  g_assert_no_error (error);
}

static void
test_cameras (Api           *api,
              gconstpointer  data)
{
  g_autoptr(TestReply) box = NULL;
  g_autoptr(TestReply) small = NULL;
  g_autoptr(TestReply) near = NULL;
  g_autoptr(TestReply) missing = NULL;
  g_autoptr(TestReply) malformed = NULL;
  g_autoptr(TestReply) inverted = NULL;
  g_autoptr(TestReply) far_lat = NULL;
  JsonArray *hits;

  server_fixture_call (&api->f, import_cameras, NULL);

  box = fixture_http (&api->f, "GET", "/api/v1/cameras?bbox=112.1,31.0,112.3,31.1",
                      api->dispatcher, NULL, NULL);
  assert_reply (box, 200, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (test_reply_object (box),
                                                                         "cameras")), ==, 20);
  g_assert_false (json_object_get_boolean_member (test_reply_object (box), "truncated"));

  small = fixture_http (&api->f, "GET", "/api/v1/cameras?bbox=112.1,31.0,112.3,31.1&limit=5",
                        api->supervisor, NULL, NULL);
  assert_reply (small, 200, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      test_reply_object (small), "cameras")), ==, 5);
  g_assert_true (json_object_get_boolean_member (test_reply_object (small), "truncated"));

  near = fixture_http (&api->f, "GET", "/api/v1/cameras/near?lat=31.0355&lon=112.2040&radius_m=250",
                       api->dispatcher, NULL, NULL);
  assert_reply (near, 200, NULL);
  hits = json_object_get_array_member (test_reply_object (near), "cameras");
  /* Cameras every ~111 m north: 0, 111 and 222 m are within 250 m. */
  g_assert_cmpuint (json_array_get_length (hits), ==, 3);
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (hits, 0),
                                                    "distance_m"), <, 1.0);

  missing = fixture_http (&api->f, "GET", "/api/v1/cameras", api->dispatcher, NULL, NULL);
  assert_reply (missing, 400, "invalid_parameter");
  malformed = fixture_http (&api->f, "GET", "/api/v1/cameras?bbox=east,of,eden", api->dispatcher,
                            NULL, NULL);
  assert_reply (malformed, 400, "invalid_parameter");
  inverted = fixture_http (&api->f, "GET", "/api/v1/cameras?bbox=112.3,31.0,112.1,31.1",
                           api->dispatcher, NULL, NULL);
  assert_reply (inverted, 422, "invalid_value");
  far_lat = fixture_http (&api->f, "GET", "/api/v1/cameras/near?lat=95&lon=112.2",
                          api->dispatcher, NULL, NULL);
  assert_reply (far_lat, 422, "invalid_value");
}

/* ---- Snapshot and masking ----------------------------------------------------------------- */

static void
test_snapshot (Api           *api,
               gconstpointer  data)
{
  g_autoptr(TestReply) reply = fixture_http (&api->f, "GET", "/api/v1/snapshot", api->dispatcher,
                                             NULL, NULL);
  JsonObject *snapshot;

  assert_reply (reply, 200, NULL);
  snapshot = test_reply_object (reply);
  g_assert_cmpint (json_object_get_int_member (snapshot, "seq"), ==, fixture_last_seq (&api->f));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (snapshot, "incidents")),
                    ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (snapshot, "units")), ==,
                    2);
  g_assert_nonnull (json_object_get_string_member (snapshot, "server_time"));
}

static JsonObject *
caller_of (JsonObject *incident)
{
  return json_object_get_object_member (incident, "caller");
}

static void
test_masking (Api           *api,
              gconstpointer  data)
{
  g_autofree char *path = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT, api->incident);
  g_autofree char *trainer = fixture_user_token (&api->f, "trainer1", BC_ROLE_TRAINER, NULL);
  g_autoptr(TestReply) full = fixture_http (&api->f, "GET", path, api->dispatcher, NULL, NULL);
  g_autoptr(TestReply) full_trainer = fixture_http (&api->f, "GET", path, trainer, NULL, NULL);
  g_autoptr(TestReply) masked = fixture_http (&api->f, "GET", path, api->supervisor, NULL, NULL);
  g_autoptr(TestReply) list = fixture_http (&api->f, "GET", "/api/v1/incidents", api->supervisor,
                                            NULL, NULL);
  g_autoptr(TestReply) snapshot = fixture_http (&api->f, "GET", "/api/v1/snapshot",
                                                api->supervisor, NULL, NULL);
  JsonObject *caller;

  caller = caller_of (test_reply_object (full));
  g_assert_cmpstr (json_object_get_string_member (caller, "name"), ==, "张先生");
  g_assert_cmpstr (json_object_get_string_member (caller, "phone"), ==, "13800000000");
  caller = caller_of (test_reply_object (full_trainer));
  g_assert_cmpstr (json_object_get_string_member (caller, "phone"), ==, "13800000000");

  caller = caller_of (test_reply_object (masked));
  g_assert_cmpstr (json_object_get_string_member (caller, "name"), ==, "张**");
  g_assert_cmpstr (json_object_get_string_member (caller, "phone"), ==, "138****0000");

  caller = caller_of (json_array_get_object_element (
                        json_object_get_array_member (test_reply_object (list), "incidents"), 0));
  g_assert_cmpstr (json_object_get_string_member (caller, "phone"), ==, "138****0000");
  caller = caller_of (json_array_get_object_element (
                        json_object_get_array_member (test_reply_object (snapshot), "incidents"),
                        0));
  g_assert_cmpstr (json_object_get_string_member (caller, "name"), ==, "张**");

  /* Nothing of the number leaks in the raw body either. */
  g_assert_null (g_strstr_len (g_bytes_get_data (snapshot->body, NULL),
                               g_bytes_get_size (snapshot->body), "13800000000"));
}

/* ---- Bad input ---------------------------------------------------------------------------- */

static void
test_bad_input_changes_nothing (Api           *api,
                                gconstpointer  data)
{
  g_autofree char *notes = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT "/notes",
                                        api->incident);
  g_autofree char *incident = path_printf ("/api/v1/incidents/%" G_GINT64_FORMAT, api->incident);
  struct {
    const char *method;
    const char *path;
    const char *body;
    guint       status;
    const char *code;
  } cases[] = {
    { "POST", "/api/v1/incidents", "{\"type\":\"traffic\",", 400, "malformed_json" },
    { "POST", "/api/v1/incidents", "", 400, "malformed_json" },
    { "POST", "/api/v1/incidents", "[1,2", 400, "malformed_json" },
    { "POST", "/api/v1/incidents", "\xff\xfe{}", 400, "malformed_json" },
    { "POST", "/api/v1/incidents", "[]", 400, "invalid_field" },
    { "POST", "/api/v1/incidents",
      "{\"type\":\"traffic\",\"priority\":\"high\",\"location\":{\"lat\":31,\"lon\":112},"
      "\"address\":\"x\"}", 400, "invalid_field" },
    { "POST", "/api/v1/incidents",
      "{\"type\":\"traffic\",\"priority\":2,\"location\":{\"lat\":95.2,\"lon\":112},"
      "\"address\":\"x\"}", 422, "invalid_value" },
    { "POST", "/api/v1/incidents",
      "{\"type\":\"traffic\",\"priority\":2,\"location\":{\"lat\":31,\"lon\":-181},"
      "\"address\":\"x\"}", 422, "invalid_value" },
    { "POST", "/api/v1/incidents",
      "{\"type\":\"alien\",\"priority\":2,\"location\":{\"lat\":31,\"lon\":112},"
      "\"address\":\"x\"}", 422, "invalid_value" },
    { "POST", "/api/v1/incidents",
      "{\"id\":7,\"type\":\"traffic\",\"priority\":2,\"location\":{\"lat\":31,\"lon\":112},"
      "\"address\":\"x\"}", 400, "invalid_field" },
    { "PATCH", incident, "{\"version\":1,\"location\":{\"lat\":-91,\"lon\":112}}", 422,
      "invalid_value" },
    { "PATCH", incident, "{\"version\":1,\"priority\":9}", 422, "invalid_value" },
    { "POST", notes, "{\"text\":42}", 400, "invalid_field" },
    { "POST", notes, "{\"text\":\"a\"", 400, "malformed_json" },
  };
  State before = read_state (&api->f);
  State after;
  g_autofree char *deep = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TestReply) reply = fixture_http (&api->f, cases[i].method, cases[i].path,
                                                 api->dispatcher, cases[i].body, NULL);
      g_test_message ("case %u: %s %s", i, cases[i].method, cases[i].path);
      assert_reply (reply, cases[i].status, cases[i].code);
    }

  /* A document nested a million levels deep must not take the parser's stack down. */
  deep = g_strnfill (1000 * 1000, '[');
  {
    g_autoptr(TestReply) reply = fixture_http (&api->f, "POST", "/api/v1/incidents",
                                               api->dispatcher, deep, NULL);
    assert_reply (reply, 400, "malformed_json");
  }

  after = read_state (&api->f);
  assert_state_equal (&before, &after);
}

static void
test_body_too_large (Api           *api,
                     gconstpointer  data)
{
  gsize size = 1024 * 1024 + 1;
  g_autofree char *big = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(TestReply) reply = NULL;
  g_autoptr(TestReply) still_fine = NULL;
  State before = read_state (&api->f);
  State after;

  /* Valid JSON, so only the size can be the reason. */
  memset (big, ' ', size);
  big[0] = '[';
  big[size - 1] = ']';
  bytes = g_bytes_new_take (g_steal_pointer (&big), size);
  reply = fixture_http_bytes (&api->f, "POST", "/api/v1/avl", api->unit_user, bytes, NULL);
  assert_reply (reply, 413, "body_too_large");

  after = read_state (&api->f);
  assert_state_equal (&before, &after);

  still_fine = fixture_http (&api->f, "GET", "/api/v1/health", NULL, NULL, NULL);
  assert_reply (still_fine, 200, NULL);
}

static void
test_body_too_large_chunked (Api           *api,
                             gconstpointer  data)
{
  gsize size = 3 * 1024 * 1024;
  g_autofree char *uri = g_strconcat (api->f.base_uri, "/api/v1/incidents", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", api->dispatcher, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  char *data_bytes = g_malloc (size);
  State before = read_state (&api->f);
  State after;

  memset (data_bytes, ' ', size);
  stream = g_memory_input_stream_new_from_data (data_bytes, size, g_free);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  /* No length: the body goes out chunked, so only the server's running count can stop it. */
  soup_message_set_request_body (msg, "application/json", stream, -1);
  body = soup_session_send_and_read (api->f.session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 413);

  after = read_state (&api->f);
  assert_state_equal (&before, &after);
}

/* ---- TLS ---------------------------------------------------------------------------------- */

static gboolean
accept_any_certificate (SoupMessage          *msg,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static void
test_tls (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(GError) error = NULL;
  ServerFixture f = { 0, };
  BsConfig *config;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  int status = 0;

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed: cannot make a self-signed certificate");
      return;
    }

  f.dir = g_dir_make_tmp ("beacon-tls-XXXXXX", &error);
  g_assert_no_error (error);
  f.db_path = g_build_filename (f.dir, "beacon.db", NULL);
  cert = g_build_filename (f.dir, "cert.pem", NULL);
  key = g_build_filename (f.dir, "key.pem", NULL);

  {
    const char *argv[] = { openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                           "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                           NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                  G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no GIO TLS backend (glib-networking) is installed");
      server_fixture_teardown (&f, NULL);
      return;
    }

  config = server_fixture_test_config ();
  config->tls_cert = g_strdup (cert);
  config->tls_key = g_strdup (key);
  server_fixture_start (&f, config);
  g_assert_true (g_str_has_prefix (f.base_uri, "https://"));

  uri = g_strconcat (f.base_uri, "/api/v1/health", NULL);
  msg = soup_message_new ("GET", uri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  body = soup_session_send_and_read (f.session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_nonnull (soup_message_get_tls_peer_certificate (msg));

  server_fixture_teardown (&f, NULL);
}

/* ---- Configuration ----------------------------------------------------------------------- */

static void
test_config (void)
{
  g_autoptr(BsConfig) config = bs_config_new ();
  g_autoptr(GKeyFile) good = g_key_file_new ();
  g_autoptr(GKeyFile) bad_number = g_key_file_new ();
  g_autoptr(GKeyFile) half_tls = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;

  /* Defaults are those of docs/operations.md. */
  g_assert_cmpstr (config->listen, ==, "127.0.0.1:8080");
  g_assert_cmpuint (config->body_max, ==, 1024 * 1024);
  g_assert_cmpuint (config->token_lifetime_s, ==, 12 * 3600);
  g_assert_false (config->token_sliding);
  g_assert_cmpuint (config->login_max_failures, ==, 5);
  g_assert_cmpuint (config->login_window_s, ==, 300);
  g_assert_cmpuint (config->slow_max_pending, ==, 50000);
  g_assert_cmpuint (config->slow_ack_timeout_s, ==, 60);
  g_assert_cmpuint (config->heartbeat_s, ==, 10);

  g_assert_true (g_key_file_load_from_data (good,
                                            "[server]\nlisten=[::1]:9000\nbody-max=2048\n"
                                            "[auth]\ntoken-lifetime=60\ntoken-sliding=true\n"
                                            "[events]\nslow-max-pending=10\n",
                                            -1, G_KEY_FILE_NONE, NULL));
  g_assert_true (bs_config_load_key_file (config, good, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->listen, ==, "[::1]:9000");
  g_assert_cmpuint (config->body_max, ==, 2048);
  g_assert_cmpuint (config->token_lifetime_s, ==, 60);
  g_assert_true (config->token_sliding);
  g_assert_cmpuint (config->slow_max_pending, ==, 10);

  g_assert_true (g_key_file_load_from_data (bad_number,
                                            "[auth]\ntoken-lifetime=3600 # an hour\n", -1,
                                            G_KEY_FILE_NONE, NULL));
  g_assert_false (bs_config_load_key_file (config, bad_number, &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_clear_error (&error);

  g_assert_true (g_key_file_load_from_data (half_tls, "[server]\ntls-cert=/x.pem\n", -1,
                                            G_KEY_FILE_NONE, NULL));
  g_assert_false (bs_config_load_key_file (config, half_tls, &error));
  g_clear_error (&error);

  /* [server] districts: the installed outlines by default (here the source tree's), else the
   * file named; a file that cannot be read is an error the caller reports. */
  {
    g_autoptr(GKeyFile) districts_file = g_key_file_new ();
    g_autoptr(BsConfig) fresh = bs_config_new ();
    g_autoptr(BcDistricts) districts = NULL;

    g_assert_null (fresh->districts_path);
    districts = bs_config_load_districts (fresh, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (bc_districts_find (districts, 30.98, 112.21), ==, "掇刀区");

    g_assert_true (g_key_file_load_from_data (districts_file,
                                              "[server]\ndistricts=/nonexistent/d.json\n", -1,
                                              G_KEY_FILE_NONE, NULL));
    g_assert_true (bs_config_load_key_file (fresh, districts_file, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (fresh->districts_path, ==, "/nonexistent/d.json");
    g_assert_null (bs_config_load_districts (fresh, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    g_clear_error (&error);
  }

  g_assert_true (bs_config_parse_listen ("0.0.0.0:0", &host, &port, NULL));
  g_assert_cmpstr (host, ==, "0.0.0.0");
  g_assert_cmpuint (port, ==, 0);
  g_assert_false (bs_config_parse_listen ("localhost:80", NULL, NULL, NULL));
  g_assert_false (bs_config_parse_listen ("127.0.0.1", NULL, NULL, NULL));
  g_assert_false (bs_config_parse_listen ("127.0.0.1:70000", NULL, NULL, NULL));
  g_assert_false (bs_config_parse_listen ("::1:80", NULL, NULL, NULL));
}

static void
test_masking_rules (void)
{
  g_autofree char *name = bs_mask_name ("张先生");
  g_autofree char *single = bs_mask_name ("李");
  g_autofree char *phone = bs_mask_phone ("13800000000");
  g_autofree char *landline = bs_mask_phone ("0724-2345678");
  g_autofree char *short_number = bs_mask_phone ("110");

  g_assert_cmpstr (name, ==, "张**");
  g_assert_cmpstr (single, ==, "李**");
  g_assert_cmpstr (phone, ==, "138****0000");
  g_assert_cmpstr (landline, ==, "072****5678");
  g_assert_cmpstr (short_number, ==, "****");
  g_assert_true (bs_role_sees_personal_data (BC_ROLE_DISPATCHER));
  g_assert_true (bs_role_sees_personal_data (BC_ROLE_TRAINER));
  g_assert_false (bs_role_sees_personal_data (BC_ROLE_SUPERVISOR));
  g_assert_false (bs_role_sees_personal_data (BC_ROLE_ADMIN));
  g_assert_false (bs_role_sees_personal_data (BC_ROLE_UNIT));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Api, NULL, api_setup, func, api_teardown)

  ADD ("/server/api/health", test_health);
  ADD ("/server/api/route/unknown-404", test_unknown_route);
  ADD ("/server/api/route/wrong-method-405", test_wrong_method);
  ADD ("/server/api/not-implemented-501", test_not_implemented);
  ADD ("/server/api/incident/create-get-list", test_incident_create_get_list);
  ADD ("/server/api/incident/update-version", test_incident_update);
  ADD ("/server/api/incident/district-from-location", test_incident_district);
  ADD ("/server/api/unknown-ids-404-change-nothing", test_unknown_ids);
  ADD ("/server/api/notes", test_notes);
  ADD ("/server/api/recommendations", test_recommendations);
  ADD ("/server/api/dispatch/created-and-orders", test_dispatch_and_orders);
  ADD ("/server/api/dispatch/missing-idempotency-key", test_dispatch_missing_key);
  ADD ("/server/api/dispatch/idempotent-retry", test_dispatch_idempotent_retry);
  ADD ("/server/api/dispatch/concurrent-conflict", test_dispatch_concurrent_conflict);
  ADD ("/server/api/order/ack", test_order_ack);
  ADD ("/server/api/order/ack-by-radio", test_order_ack_by_radio);
  ADD ("/server/api/units", test_units);
  ADD ("/server/api/avl", test_avl);
  ADD ("/server/api/avl/group-commit", test_avl_group_commit);
  ADD ("/server/api/cameras", test_cameras);
  ADD ("/server/api/snapshot", test_snapshot);
  ADD ("/server/api/masking/responses", test_masking);
  ADD ("/server/api/bad-input/changes-nothing", test_bad_input_changes_nothing);
  ADD ("/server/api/bad-input/body-too-large", test_body_too_large);
  ADD ("/server/api/bad-input/body-too-large-chunked", test_body_too_large_chunked);
  g_test_add_func ("/server/api/tls", test_tls);
  g_test_add_func ("/server/config/parse", test_config);
  g_test_add_func ("/server/masking/rules", test_masking_rules);

#undef ADD

  return g_test_run ();
}
