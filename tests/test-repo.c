/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bc-audit.h"
#include "bc-event-log.h"
#include "bc-geo.h"
#include "bc-model.h"
#include "bc-schema.h"
#include "bs-import.h"
#include "bs-repo.h"

/* BsRepo against a real SQLite file in a temporary directory, no HTTP. */

/* 2026-11-24 09:00 in China (01:00 UTC). */
#define T0 G_GINT64_CONSTANT (1795482000000000)
#define MINUTE (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define HOUR (60 * MINUTE)

#define JM_LAT 31.0355
#define JM_LON 112.2040

static const BsActor dispatcher = { "dispatcher1", BC_ROLE_DISPATCHER, "10.0.0.5:50123" };

typedef struct
{
  char    *dir;
  char    *path;
  BcStore *store;
  BsRepo  *repo;
  gint64   now;
} Fixture;

static gint64
fixture_clock (gpointer user_data)
{
  Fixture *f = user_data;

  return f->now;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("beacon-repo-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "server.db", NULL);
  f->store = bc_store_open (f->path, bc_server_schema (), &error);
  g_assert_no_error (error);
  f->repo = bs_repo_new (f->store, &error);
  g_assert_no_error (error);
  f->now = T0;
  bs_repo_set_clock (f->repo, fixture_clock, f);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      g_unlink (p);
    }
  g_rmdir (dir);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->repo);
  g_clear_object (&f->store);
  remove_dir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* ---- helpers -------------------------------------------------------------------------------- */

static gint64
query_int (Fixture    *f,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v;

  g_assert_cmpint (sqlite3_prepare_v2 (bc_store_get_db (f->store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static gint64
last_seq (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = 0;

  bc_event_log_last_seq (f->store, &seq, &error);
  g_assert_no_error (error);
  return seq;
}

/* Asserts that the events after @since are exactly @types (NULL-terminated), with consecutive
 * seqs; returns the last seq. */
static gint64
expect_events (Fixture     *f,
               gint64       since,
               const char **types)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_event_row_free);
  g_autoptr(GError) error = NULL;
  guint n = g_strv_length ((char **) types);

  bc_event_log_read (f->store, since, 0, rows, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len && i < n; i++)
    {
      BcEventRow *row = g_ptr_array_index (rows, i);

      g_assert_cmpint (row->seq, ==, since + 1 + i);
      g_assert_cmpstr (row->type, ==, types[i]);
    }
  g_assert_cmpuint (rows->len, ==, n);
  return since + n;
}

static char *
event_data (Fixture *f,
            gint64   seq)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_event_row_free);
  g_autoptr(GError) error = NULL;

  bc_event_log_read (f->store, seq - 1, 1, rows, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  return g_strdup (((BcEventRow *) g_ptr_array_index (rows, 0))->data);
}

typedef struct
{
  gint64 events;
  gint64 audit;
  gint64 orders;
  gint64 order_units;
  gint64 incidents;
  gint64 notes;
  gint64 versions;   /* sum of all versions: any bump shows */
} Counts;

static Counts
counts (Fixture *f)
{
  Counts c;

  c.events = last_seq (f);
  c.audit = query_int (f, "SELECT count (*) FROM audit");
  c.orders = query_int (f, "SELECT count (*) FROM orders");
  c.order_units = query_int (f, "SELECT count (*) FROM order_units");
  c.incidents = query_int (f, "SELECT count (*) FROM incidents");
  c.notes = query_int (f, "SELECT count (*) FROM notes");
  c.versions = query_int (f, "SELECT (SELECT coalesce (sum (version), 0) FROM units) + "
                             "(SELECT coalesce (sum (version), 0) FROM incidents)");
  return c;
}

static void
assert_unchanged (Fixture      *f,
                  const Counts *before)
{
  Counts now = counts (f);

  g_assert_cmpint (now.events, ==, before->events);
  g_assert_cmpint (now.audit, ==, before->audit);
  g_assert_cmpint (now.orders, ==, before->orders);
  g_assert_cmpint (now.order_units, ==, before->order_units);
  g_assert_cmpint (now.incidents, ==, before->incidents);
  g_assert_cmpint (now.notes, ==, before->notes);
  g_assert_cmpint (now.versions, ==, before->versions);
}

static BcIncident *
create_incident_at (Fixture *f,
                    double   lat,
                    double   lon)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) draft = bc_incident_new ();
  BcIncident *incident;

  bc_incident_set_incident_type (draft, BC_INCIDENT_TYPE_TRAFFIC);
  bc_incident_set_priority (draft, 2);
  bc_incident_set_location (draft, lat, lon);
  bc_incident_set_address (draft, "象山大道与白庙路交叉口");
  bc_incident_set_caller_name (draft, "张先生");
  bc_incident_set_caller_phone (draft, "13800000000");
  bc_incident_set_description (draft, "两车相撞，无人受伤");
  incident = bs_repo_create_incident (f->repo, draft, &dispatcher, &error);
  g_assert_no_error (error);
  g_assert_nonnull (incident);
  return incident;
}

static BcIncident *
create_incident (Fixture *f)
{
  return create_incident_at (f, JM_LAT, JM_LON);
}

static BcUnit *
unit_template (const char *call_sign,
               BcUnitKind  kind,
               double      lat,
               double      lon)
{
  BcUnit *unit = bc_unit_new ();

  bc_unit_set_call_sign (unit, call_sign);
  bc_unit_set_kind (unit, kind);
  bc_unit_set_station (unit, "龙泉派出所");
  bc_unit_set_status (unit, BC_UNIT_STATUS_AVAILABLE);
  if (!isnan (lat))
    bc_unit_set_position (unit, lat, lon, 0.0, 0.0, T0 - HOUR);
  return unit;
}

static gint64
unit_id_by_call_sign (Fixture    *f,
                      const char *call_sign)
{
  sqlite3_stmt *stmt = NULL;
  gint64 id;

  g_assert_cmpint (sqlite3_prepare_v2 (bc_store_get_db (f->store),
                                       "SELECT id FROM units WHERE call_sign = ?1", -1, &stmt,
                                       NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, call_sign, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  id = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return id;
}

static gint64
add_unit (Fixture    *f,
          const char *call_sign,
          BcUnitKind  kind,
          double      lat,
          double      lon)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (units, unit_template (call_sign, kind, lat, lon));
  bs_repo_import_units (f->repo, units, &dispatcher, &error);
  g_assert_no_error (error);
  return unit_id_by_call_sign (f, call_sign);
}

static BcUnit *
get_unit (Fixture *f,
          gint64   id)
{
  g_autoptr(GError) error = NULL;
  BcUnit *unit = bs_repo_get_unit (f->repo, id, &error);

  g_assert_no_error (error);
  return unit;
}

static BcIncident *
get_incident (Fixture *f,
              gint64   id)
{
  g_autoptr(GError) error = NULL;
  BcIncident *incident = bs_repo_get_incident (f->repo, id, &error);

  g_assert_no_error (error);
  return incident;
}

static BcOrder *
dispatch (Fixture      *f,
          gint64        incident_id,
          const gint64 *units,
          guint         n_units,
          const char   *key,
          GError      **error)
{
  return bs_repo_dispatch (f->repo, incident_id, units, n_units, "立即前往现场处置", key,
                           "hash-of-body", &dispatcher, NULL, error);
}

static BcOrder *
dispatch_ok (Fixture      *f,
             gint64        incident_id,
             const gint64 *units,
             guint         n_units)
{
  static guint key_counter;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_strdup_printf ("key-%u", ++key_counter);
  BcOrder *order = dispatch (f, incident_id, units, n_units, key, &error);

  g_assert_no_error (error);
  g_assert_nonnull (order);
  return order;
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static BcIncident *
patch_incident (Fixture     *f,
                BcIncident  *incident,
                const char  *json,
                GError     **error)
{
  g_autoptr(JsonObject) changes = parse_object (json);

  return bs_repo_update_incident (f->repo, bc_incident_get_id (incident),
                                  bc_incident_get_version (incident), changes, &dispatcher, error);
}

static BcUnit *
set_unit_status (Fixture       *f,
                 gint64         id,
                 BcUnitStatus   status,
                 GError       **error)
{
  g_autoptr(BcUnit) unit = get_unit (f, id);

  return bs_repo_update_unit_status (f->repo, id, status, bc_unit_get_version (unit), &dispatcher,
                                     error);
}

/* ---- incidents ------------------------------------------------------------------------------ */

static void
test_incident_create (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(BcIncident) incident = NULL;
  g_autoptr(GPtrArray) audit = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_audit_row_free);
  g_autoptr(GError) error = NULL;
  static const char *types[] = { "incident.created", NULL };
  BcAuditRow *row;

  incident = create_incident (f);
  g_assert_cmpstr (bc_incident_get_number (incident), ==, "JQ202611240001");
  g_assert_cmpint (bc_incident_get_status (incident), ==, BC_INCIDENT_STATUS_NEW);
  g_assert_cmpint (bc_incident_get_version (incident), ==, 1);
  g_assert_cmpint (bc_incident_get_created_at (incident), ==, T0);
  g_assert_cmpint (bc_incident_get_updated_at (incident), ==, T0);
  g_assert_cmpstr (bc_incident_get_caller_phone (incident), ==, "13800000000");
  expect_events (f, 0, types);

  bc_audit_read (f->store, 0, 0, audit, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (audit->len, ==, 1);
  row = g_ptr_array_index (audit, 0);
  g_assert_cmpstr (row->username, ==, "dispatcher1");
  g_assert_cmpstr (row->role, ==, "dispatcher");
  g_assert_cmpstr (row->remote, ==, "10.0.0.5:50123");
  g_assert_cmpstr (row->action, ==, "incident.create");
  g_assert_cmpstr (row->target, ==, "incident/1");
  g_assert_nonnull (strstr (row->detail, "JQ202611240001"));
}

static void
test_incident_number_sequence (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) bad = bc_incident_new ();
  g_autoptr(BcIncident) created = NULL;
  Counts before;
  struct
  {
    gint64      now;
    const char *number;
  } steps[] = {
    { T0, "JQ202611240001" },
    { T0 + MINUTE, "JQ202611240002" },
    { T0 + 2 * MINUTE, "JQ202611240003" },
    /* 23:59:59.999 in China is still the 24th although UTC is on the 24th 15:59. */
    { T0 + 15 * HOUR - 1000, "JQ202611240004" },
    /* Midnight in China (16:00 UTC): a new day, a new sequence. */
    { T0 + 15 * HOUR, "JQ202611250001" },
    { T0 + 16 * HOUR, "JQ202611250002" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(BcIncident) incident = NULL;

      f->now = steps[i].now;
      incident = create_incident (f);
      g_assert_cmpstr (bc_incident_get_number (incident), ==, steps[i].number);
    }

  /* A rejected create does not use up a number. */
  before = counts (f);
  {
    g_autofree char *address = g_strnfill (201, 'x');

    bc_incident_set_incident_type (bad, BC_INCIDENT_TYPE_FIRE);
    bc_incident_set_priority (bad, 1);
    bc_incident_set_location (bad, JM_LAT, JM_LON);
    bc_incident_set_address (bad, address);
  }
  g_assert_null (bs_repo_create_incident (f->repo, bad, &dispatcher, &error));
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "address"));
  assert_unchanged (f, &before);

  created = create_incident (f);
  g_assert_cmpstr (bc_incident_get_number (created), ==, "JQ202611250003");
  g_assert_cmpint (query_int (f, "SELECT count (DISTINCT number) FROM incidents"), ==, 7);
}

static void
test_incident_get_list (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) missing = NULL;
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) closed = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) page = NULL;
  gint64 ids[5];

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(BcIncident) incident = create_incident (f);

      ids[i] = bc_incident_get_id (incident);
    }
  {
    g_autoptr(BcIncident) incident = get_incident (f, ids[1]);
    g_autoptr(BcIncident) cancelled = patch_incident (f, incident, "{\"status\":\"cancelled\"}",
                                                      &error);

    g_assert_no_error (error);
  }

  missing = bs_repo_get_incident (f->repo, 999, &error);
  g_assert_null (missing);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "999"));
  g_clear_error (&error);

  open = bs_repo_list_incidents (f->repo, BS_INCIDENT_FILTER_OPEN, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (open->len, ==, 4);
  g_assert_cmpint (bc_incident_get_id (g_ptr_array_index (open, 0)), ==, ids[4]);
  closed = bs_repo_list_incidents (f->repo, BS_INCIDENT_FILTER_CLOSED, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (closed->len, ==, 1);
  g_assert_cmpint (bc_incident_get_id (g_ptr_array_index (closed, 0)), ==, ids[1]);
  all = bs_repo_list_incidents (f->repo, BS_INCIDENT_FILTER_ALL, 2, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  page = bs_repo_list_incidents (f->repo, BS_INCIDENT_FILTER_ALL, 2, ids[3], &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpint (bc_incident_get_id (g_ptr_array_index (page, 0)), ==, ids[2]);
  g_assert_cmpint (bc_incident_get_id (g_ptr_array_index (page, 1)), ==, ids[1]);
}

static void
test_incident_update (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcIncident) updated = NULL;
  g_autoptr(BcIncident) same = NULL;
  static const char *types[] = { "incident.updated", NULL };
  gint64 seq = last_seq (f);
  Counts before;

  f->now = T0 + MINUTE;
  updated = patch_incident (f, incident,
                            "{\"priority\":1,\"type\":\"criminal\",\"address\":\"白庙路8号\","
                            "\"description\":\"持刀\",\"location\":{\"lat\":31.04,\"lon\":112.21}}",
                            &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_incident_get_version (updated), ==, 2);
  g_assert_cmpint (bc_incident_get_priority (updated), ==, 1);
  g_assert_cmpint (bc_incident_get_incident_type (updated), ==, BC_INCIDENT_TYPE_CRIMINAL);
  g_assert_cmpstr (bc_incident_get_address (updated), ==, "白庙路8号");
  g_assert_cmpfloat (bc_incident_get_lat (updated), ==, 31.04);
  g_assert_cmpint (bc_incident_get_updated_at (updated), ==, T0 + MINUTE);
  g_assert_cmpstr (bc_incident_get_number (updated), ==, bc_incident_get_number (incident));
  seq = expect_events (f, seq, types);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM audit WHERE action = 'incident.update'"),
                   ==, 1);

  /* Nothing that differs: no new version, no event. */
  before = counts (f);
  same = patch_incident (f, updated, "{\"priority\":1}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_incident_get_version (same), ==, 2);
  assert_unchanged (f, &before);
}

static void
test_incident_update_errors (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(BcIncident) incident = create_incident (f);
  Counts before = counts (f);
  struct
  {
    const char *changes;
    int         code;
    const char *message_part;
  } cases[] = {
    { "{\"district\":\"东宝区\"}", BS_REPO_ERROR_INVALID, "district" },
    { "{\"version\":3}", BS_REPO_ERROR_INVALID, "version" },
    { "{\"caller\":null}", BS_REPO_ERROR_INVALID, "caller" },
    { "{\"frobnicate\":1}", BS_REPO_ERROR_INVALID, "frobnicate" },
    { "{\"priority\":7}", BS_REPO_ERROR_INVALID, "priority" },
    { "{\"priority\":\"high\"}", BS_REPO_ERROR_INVALID, "priority" },
    { "{\"type\":\"arson\"}", BS_REPO_ERROR_INVALID, "type" },
    { "{\"location\":{\"lat\":95.2,\"lon\":112.2}}", BS_REPO_ERROR_INVALID, "location.lat" },
    { "{\"status\":\"resolved\"}", BS_REPO_ERROR_INVALID, "status" },
    { "{\"disposition\":\"\"}", BS_REPO_ERROR_INVALID, "disposition" },
    { "{\"disposition\":\"123456789012345678901234567890123\"}", BS_REPO_ERROR_INVALID,
      "disposition" },
    { "{\"status\":\"on_scene\"}", BS_REPO_ERROR_INVALID_TRANSITION, "from new to on_scene" },
    { "{\"status\":\"closed\",\"disposition\":\"done\"}", BS_REPO_ERROR_INVALID_TRANSITION,
      "from new to closed" },
    { "{\"status\":\"dispatched\"}", BS_REPO_ERROR_INVALID_TRANSITION, "dispatch" },
    { "{\"status\":\"new\"}", BS_REPO_ERROR_INVALID_TRANSITION, "from new to new" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BcIncident) result = patch_incident (f, incident, cases[i].changes, &error);

      g_test_message ("case %u: %s", i, cases[i].changes);
      g_assert_null (result);
      g_assert_error (error, BS_REPO_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].message_part));
    }

  /* Stale: the message gives the current version. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) changes = parse_object ("{\"priority\":3}");
    g_autoptr(BcIncident) result = NULL;

    result = bs_repo_update_incident (f->repo, bc_incident_get_id (incident), 7, changes,
                                      &dispatcher, &error);
    g_assert_null (result);
    g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_STALE_VERSION);
    g_assert_nonnull (strstr (error->message, "has version 1"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) changes = parse_object ("{\"priority\":3}");
    g_autoptr(BcIncident) result = NULL;

    result = bs_repo_update_incident (f->repo, 4242, 1, changes, &dispatcher, &error);
    g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_NOT_FOUND);
  }

  assert_unchanged (f, &before);

  /* After one successful change the old version is stale. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BcIncident) v2 = patch_incident (f, incident, "{\"priority\":3}", &error);
    g_autoptr(BcIncident) again = NULL;

    g_assert_no_error (error);
    again = patch_incident (f, incident, "{\"priority\":4}", &error);
    g_assert_null (again);
    g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_STALE_VERSION);
    g_assert_nonnull (strstr (error->message, "has version 2"));
  }
}

static void
test_incident_close (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcIncident) dispatched = NULL;
  g_autoptr(BcIncident) closed = NULL;
  g_autoptr(BcIncident) after = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(BcUnit) u1 = NULL;
  g_autoptr(BcUnit) u2 = NULL;
  gint64 units[2];
  static const char *types[] = { "incident.updated", "unit.updated", "unit.updated", NULL };
  gint64 seq;
  Counts before;
  guint n;

  units[0] = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  units[1] = add_unit (f, "东宝巡02", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  order = dispatch_ok (f, bc_incident_get_id (incident), units, 2);
  dispatched = get_incident (f, bc_incident_get_id (incident));

  /* Closing needs a disposition. */
  before = counts (f);
  closed = patch_incident (f, dispatched, "{\"status\":\"closed\"}", &error);
  g_assert_null (closed);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "disposition"));
  g_clear_error (&error);
  assert_unchanged (f, &before);

  seq = last_seq (f);
  f->now = T0 + 30 * MINUTE;
  closed = patch_incident (f, dispatched, "{\"status\":\"closed\",\"disposition\":\"resolved\"}",
                           &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_incident_get_status (closed), ==, BC_INCIDENT_STATUS_CLOSED);
  g_assert_cmpint (bc_incident_get_closed_at (closed), ==, T0 + 30 * MINUTE);
  g_assert_cmpstr (bc_incident_get_disposition (closed), ==, "resolved");
  g_assert_cmpint (bc_incident_get_version (closed), ==, bc_incident_get_version (dispatched) + 1);
  /* The units are free again; the incident keeps the record of who was sent. */
  bc_incident_get_units (closed, &n);
  g_assert_cmpuint (n, ==, 2);
  u1 = get_unit (f, units[0]);
  u2 = get_unit (f, units[1]);
  g_assert_cmpint (bc_unit_get_status (u1), ==, BC_UNIT_STATUS_AVAILABLE);
  g_assert_cmpint (bc_unit_get_incident (u1), ==, 0);
  g_assert_cmpint (bc_unit_get_status (u2), ==, BC_UNIT_STATUS_AVAILABLE);
  g_assert_cmpint (bc_unit_get_version (u2), ==, 3);
  expect_events (f, seq, types);

  /* Closed is final. */
  before = counts (f);
  after = patch_incident (f, closed, "{\"description\":\"more\"}", &error);
  g_assert_null (after);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION);
  g_assert_nonnull (strstr (error->message, "closed"));
  assert_unchanged (f, &before);
}

/* ---- notes ---------------------------------------------------------------------------------- */

static void
test_note (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcNote) note = NULL;
  g_autoptr(GPtrArray) notes = NULL;
  g_autofree char *long_text = NULL;
  static const char *types[] = { "note.added", NULL };
  gint64 seq = last_seq (f);
  Counts before;

  note = bs_repo_add_note (f->repo, bc_incident_get_id (incident), "报警人再次来电", &dispatcher,
                           &error);
  g_assert_no_error (error);
  g_assert_cmpint (note->incident, ==, bc_incident_get_id (incident));
  g_assert_cmpstr (note->author, ==, "dispatcher1");
  g_assert_cmpint (note->at, ==, T0);
  expect_events (f, seq, types);

  notes = bs_repo_list_notes (f->repo, bc_incident_get_id (incident), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (notes->len, ==, 1);
  g_assert_cmpstr (((BcNote *) g_ptr_array_index (notes, 0))->text, ==, "报警人再次来电");

  before = counts (f);
  g_assert_null (bs_repo_add_note (f->repo, bc_incident_get_id (incident), "", &dispatcher,
                                   &error));
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);
  g_clear_error (&error);
  long_text = g_strnfill (4001, 'x');
  g_assert_null (bs_repo_add_note (f->repo, bc_incident_get_id (incident), long_text, &dispatcher,
                                   &error));
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (bs_repo_add_note (f->repo, 999, "x", &dispatcher, &error));
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_NOT_FOUND);
  assert_unchanged (f, &before);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

static void
test_dispatch_basic (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcIncident) after = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(GPtrArray) orders = NULL;
  gint64 units[2];
  static const char *types[] = {
    "order.created", "unit.updated", "unit.updated", "incident.updated", NULL
  };
  const gint64 *ids;
  gint64 seq;
  guint n;
  gboolean replayed = TRUE;

  units[0] = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  units[1] = add_unit (f, "东宝摩01", BC_UNIT_KIND_MOTORCYCLE, JM_LAT, JM_LON);
  seq = last_seq (f);

  f->now = T0 + MINUTE;
  order = bs_repo_dispatch (f->repo, bc_incident_get_id (incident), units, 2, "立即前往",
                            "k-1", "h-1", &dispatcher, &replayed, &error);
  g_assert_no_error (error);
  g_assert_false (replayed);
  g_assert_cmpint (order->incident, ==, bc_incident_get_id (incident));
  g_assert_cmpstr (order->issued_by, ==, "dispatcher1");
  g_assert_cmpstr (order->idempotency_key, ==, "k-1");
  g_assert_cmpstr (order->instructions, ==, "立即前往");
  g_assert_cmpuint (order->units->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      BcOrderAssignment *a = bc_order_find_unit (order, units[i]);
      g_autoptr(BcUnit) unit = get_unit (f, units[i]);

      g_assert_nonnull (a);
      g_assert_cmpint (a->state, ==, BC_ORDER_UNIT_STATE_SENT);
      g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_DISPATCHED);
      g_assert_cmpint (bc_unit_get_incident (unit), ==, bc_incident_get_id (incident));
      g_assert_cmpint (bc_unit_get_version (unit), ==, 2);
    }

  after = get_incident (f, bc_incident_get_id (incident));
  g_assert_cmpint (bc_incident_get_status (after), ==, BC_INCIDENT_STATUS_DISPATCHED);
  g_assert_cmpint (bc_incident_get_dispatched_at (after), ==, T0 + MINUTE);
  g_assert_cmpint (bc_incident_get_version (after), ==, 2);
  ids = bc_incident_get_units (after, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_true (bc_incident_has_unit (after, units[0]) && bc_incident_has_unit (after, units[1]));
  (void) ids;

  expect_events (f, seq, types);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM audit WHERE action = 'order.dispatch'"),
                   ==, 1);

  /* The event carries the whole order. */
  {
    g_autofree char *json = event_data (f, seq + 1);
    g_autoptr(BcOrder) decoded = bc_order_from_json_string (json, -1, &error);

    g_assert_no_error (error);
    g_assert_cmpint (decoded->id, ==, order->id);
    g_assert_cmpuint (decoded->units->len, ==, 2);
  }

  orders = bs_repo_list_orders (f->repo, bc_incident_get_id (incident), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (orders->len, ==, 1);
}

static void
test_dispatch_idempotent (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcIncident) other = create_incident (f);
  g_autoptr(BcOrder) first = NULL;
  g_autoptr(BcOrder) again = NULL;
  g_autoptr(BcOrder) mismatch = NULL;
  gint64 unit = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  gint64 unit2 = add_unit (f, "东宝巡02", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  gboolean replayed = FALSE;
  Counts before;

  first = bs_repo_dispatch (f->repo, bc_incident_get_id (incident), &unit, 1, "go", "same-key",
                            "h1", &dispatcher, &replayed, &error);
  g_assert_no_error (error);
  g_assert_false (replayed);

  /* The retry of a request whose answer was lost: the same order, nothing new. The unit is
   * no longer available, which must not matter. */
  before = counts (f);
  f->now = T0 + MINUTE;
  again = bs_repo_dispatch (f->repo, bc_incident_get_id (incident), &unit, 1, "go", "same-key",
                            "h1", &dispatcher, &replayed, &error);
  g_assert_no_error (error);
  g_assert_true (replayed);
  g_assert_cmpint (again->id, ==, first->id);
  g_assert_cmpint (again->issued_at, ==, first->issued_at);
  assert_unchanged (f, &before);

  /* Same key, other body; same key and body for another incident. */
  mismatch = bs_repo_dispatch (f->repo, bc_incident_get_id (incident), &unit2, 1, "go",
                               "same-key", "h2", &dispatcher, &replayed, &error);
  g_assert_null (mismatch);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_IDEMPOTENCY_MISMATCH);
  g_clear_error (&error);
  mismatch = bs_repo_dispatch (f->repo, bc_incident_get_id (other), &unit, 1, "go", "same-key",
                               "h1", &dispatcher, &replayed, &error);
  g_assert_null (mismatch);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_IDEMPOTENCY_MISMATCH);
  assert_unchanged (f, &before);
}

static void
test_dispatch_errors (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcIncident) busy_incident = create_incident (f);
  g_autoptr(BcIncident) cancelled = NULL;
  g_autoptr(BcOrder) busy_order = NULL;
  gint64 free_unit = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  gint64 busy_unit = add_unit (f, "东宝巡02", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  gint64 off_unit = add_unit (f, "东宝巡03", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  gint64 en_route_unit = add_unit (f, "东宝巡04", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  gint64 many[65];
  g_autofree char *busy_msg = NULL;
  g_autofree char *en_route_msg = NULL;
  Counts before;

  busy_order = dispatch_ok (f, bc_incident_get_id (busy_incident), &busy_unit, 1);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BcUnit) u = set_unit_status (f, off_unit, BC_UNIT_STATUS_OFF_DUTY, &error);
    g_autoptr(BcOrder) o = dispatch_ok (f, bc_incident_get_id (busy_incident), &en_route_unit, 1);
    g_autoptr(BcOrder) acked = bs_repo_ack_order (f->repo, o->id, en_route_unit, TRUE,
                                                  &dispatcher, &error);

    g_assert_no_error (error);
  }
  {
    g_autoptr(BcIncident) c = create_incident (f);
    g_autoptr(GError) error = NULL;

    cancelled = patch_incident (f, c, "{\"status\":\"cancelled\"}", &error);
    g_assert_no_error (error);
  }
  busy_msg = g_strdup_printf ("东宝巡02 is dispatched to %s", bc_incident_get_number (busy_incident));
  en_route_msg = g_strdup_printf ("东宝巡04 is en_route to %s",
                                  bc_incident_get_number (busy_incident));
  for (guint i = 0; i < G_N_ELEMENTS (many); i++)
    many[i] = 1000 + i;

  before = counts (f);
  {
    struct
    {
      gint64        incident;
      gint64        units[3];
      guint         n_units;
      const char   *key;
      int           code;
      const char   *message;
    } cases[] = {
      { bc_incident_get_id (incident), { busy_unit }, 1, "a", BS_REPO_ERROR_UNIT_UNAVAILABLE,
        busy_msg },
      /* One unavailable unit fails the whole order: the free one stays free. */
      { bc_incident_get_id (incident), { free_unit, busy_unit }, 2, "b",
        BS_REPO_ERROR_UNIT_UNAVAILABLE, "东宝巡02" },
      { bc_incident_get_id (incident), { free_unit, en_route_unit }, 2, "b2",
        BS_REPO_ERROR_UNIT_UNAVAILABLE, en_route_msg },
      { bc_incident_get_id (incident), { off_unit }, 1, "c", BS_REPO_ERROR_UNIT_UNAVAILABLE,
        "东宝巡03 is off_duty" },
      { bc_incident_get_id (incident), { free_unit, 777 }, 2, "d", BS_REPO_ERROR_NOT_FOUND,
        "unit 777" },
      { 4242, { free_unit }, 1, "e", BS_REPO_ERROR_NOT_FOUND, "incident 4242" },
      { bc_incident_get_id (cancelled), { free_unit }, 1, "f",
        BS_REPO_ERROR_INVALID_TRANSITION, "cancelled" },
      { bc_incident_get_id (incident), { free_unit, free_unit }, 2, "g", BS_REPO_ERROR_INVALID,
        "twice" },
      { bc_incident_get_id (incident), { 0 }, 0, "h", BS_REPO_ERROR_INVALID, "units" },
      { bc_incident_get_id (incident), { free_unit }, 1, "", BS_REPO_ERROR_INVALID,
        "idempotency_key" },
      { bc_incident_get_id (incident), { free_unit }, 1, "tab\tkey", BS_REPO_ERROR_INVALID,
        "idempotency_key" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(BcOrder) order = NULL;

        g_test_message ("case %u", i);
        order = dispatch (f, cases[i].incident, cases[i].units, cases[i].n_units, cases[i].key,
                          &error);
        g_assert_null (order);
        g_assert_error (error, BS_REPO_ERROR, cases[i].code);
        g_assert_nonnull (strstr (error->message, cases[i].message));
      }
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BcOrder) order = dispatch (f, bc_incident_get_id (incident), many, 65, "many",
                                         &error);

    g_assert_null (order);
    g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *long_instr = g_strnfill (1001, 'x');
    g_autoptr(BcOrder) order = bs_repo_dispatch (f->repo, bc_incident_get_id (incident),
                                                 &free_unit, 1, long_instr, "i", "h",
                                                 &dispatcher, NULL, &error);

    g_assert_null (order);
    g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);
  }

  assert_unchanged (f, &before);
  {
    g_autoptr(BcUnit) u = get_unit (f, free_unit);

    g_assert_cmpint (bc_unit_get_status (u), ==, BC_UNIT_STATUS_AVAILABLE);
  }
}

typedef struct
{
  BsRepo  *repo;
  gint64   incident;
  gint64   unit;
  char    *key;
  GMutex  *mutex;
  GCond   *cond;
  gboolean *go;
  BcOrder *order;
  GError  *error;
} RaceArgs;

static gpointer
race_thread (gpointer data)
{
  RaceArgs *a = data;

  g_mutex_lock (a->mutex);
  while (!*a->go)
    g_cond_wait (a->cond, a->mutex);
  g_mutex_unlock (a->mutex);

  a->order = bs_repo_dispatch (a->repo, a->incident, &a->unit, 1, "race", a->key, "h",
                               &dispatcher, NULL, &a->error);
  return NULL;
}

static void
test_dispatch_race (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store2 = bc_store_open (f->path, bc_server_schema (), &error);
  g_autoptr(BsRepo) repo2 = NULL;
  g_autoptr(BcIncident) a = create_incident (f);
  g_autoptr(BcIncident) b = create_incident (f);
  guint rounds = 12;

  g_assert_no_error (error);
  repo2 = bs_repo_new (store2, &error);
  g_assert_no_error (error);

  for (guint r = 0; r < rounds; r++)
    {
      g_autofree char *call_sign = g_strdup_printf ("竞争%02u", r);
      gint64 unit = add_unit (f, call_sign, BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
      GMutex mutex;
      GCond cond;
      gboolean go = FALSE;
      RaceArgs args[2];
      GThread *threads[2];
      guint winners = 0;
      gint64 seq_before = last_seq (f);

      g_mutex_init (&mutex);
      g_cond_init (&cond);
      for (guint i = 0; i < 2; i++)
        {
          args[i] = (RaceArgs) {
            i == 0 ? f->repo : repo2,
            bc_incident_get_id (i == 0 ? a : b),
            unit,
            g_strdup_printf ("race-%u-%u", r, i),
            &mutex, &cond, &go, NULL, NULL
          };
          threads[i] = g_thread_new ("race", race_thread, &args[i]);
        }
      g_mutex_lock (&mutex);
      go = TRUE;
      g_cond_broadcast (&cond);
      g_mutex_unlock (&mutex);

      for (guint i = 0; i < 2; i++)
        {
          g_thread_join (threads[i]);
          if (args[i].order != NULL)
            {
              g_assert_no_error (args[i].error);
              winners++;
            }
          else
            {
              g_assert_error (args[i].error, BS_REPO_ERROR, BS_REPO_ERROR_UNIT_UNAVAILABLE);
              g_assert_nonnull (strstr (args[i].error->message, call_sign));
              g_assert_nonnull (strstr (args[i].error->message, "is dispatched to"));
            }
          g_clear_pointer (&args[i].order, bc_order_unref);
          g_clear_error (&args[i].error);
          g_free (args[i].key);
        }
      g_assert_cmpuint (winners, ==, 1);
      /* One order's events: order.created, unit.updated, incident.updated. */
      g_assert_cmpint (last_seq (f), ==, seq_before + 3);
      g_mutex_clear (&mutex);
      g_cond_clear (&cond);
    }

  g_assert_cmpint (query_int (f, "SELECT count (*) FROM orders"), ==, rounds);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM units WHERE status = 'dispatched'"), ==,
                   rounds);
}

/* ---- acknowledgements ----------------------------------------------------------------------- */

static void
test_ack (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcOrder) order = NULL;
  gint64 units[3];
  gint64 seq;
  Counts before;

  units[0] = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  units[1] = add_unit (f, "东宝巡02", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  units[2] = add_unit (f, "东宝巡03", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  order = dispatch_ok (f, bc_incident_get_id (incident), units, 3);

  /* First acceptance: the unit and the incident are en route. */
  seq = last_seq (f);
  f->now = T0 + MINUTE;
  {
    static const char *types[] = { "order.acked", "unit.updated", "incident.updated", NULL };
    g_autoptr(BcOrder) acked = bs_repo_ack_order (f->repo, order->id, units[0], TRUE, &dispatcher,
                                                  &error);
    g_autoptr(BcUnit) unit = get_unit (f, units[0]);
    g_autoptr(BcIncident) inc = get_incident (f, bc_incident_get_id (incident));

    g_assert_no_error (error);
    g_assert_cmpint (bc_order_find_unit (acked, units[0])->state, ==,
                     BC_ORDER_UNIT_STATE_ACKNOWLEDGED);
    g_assert_cmpint (bc_order_find_unit (acked, units[0])->at, ==, T0 + MINUTE);
    g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_EN_ROUTE);
    g_assert_cmpint (bc_incident_get_status (inc), ==, BC_INCIDENT_STATUS_EN_ROUTE);
    g_assert_cmpint (bc_incident_get_en_route_at (inc), ==, T0 + MINUTE);
    seq = expect_events (f, seq, types);
  }

  /* Second acceptance: the incident is already en route. */
  {
    static const char *types[] = { "order.acked", "unit.updated", NULL };
    g_autoptr(BcOrder) acked = bs_repo_ack_order (f->repo, order->id, units[1], TRUE, &dispatcher,
                                                  &error);

    g_assert_no_error (error);
    seq = expect_events (f, seq, types);
  }

  /* A repeated answer is idempotent. */
  before = counts (f);
  {
    g_autoptr(BcOrder) acked = bs_repo_ack_order (f->repo, order->id, units[1], TRUE, &dispatcher,
                                                  &error);

    g_assert_no_error (error);
    g_assert_cmpint (bc_order_find_unit (acked, units[1])->state, ==,
                     BC_ORDER_UNIT_STATE_ACKNOWLEDGED);
  }
  assert_unchanged (f, &before);

  /* Refusal: the unit is free and off the incident, which keeps its other units. */
  {
    static const char *types[] = { "order.acked", "unit.updated", "incident.updated", NULL };
    g_autoptr(BcOrder) refused = bs_repo_ack_order (f->repo, order->id, units[2], FALSE,
                                                    &dispatcher, &error);
    g_autoptr(BcUnit) unit = get_unit (f, units[2]);
    g_autoptr(BcIncident) inc = get_incident (f, bc_incident_get_id (incident));
    guint n;

    g_assert_no_error (error);
    g_assert_cmpint (bc_order_find_unit (refused, units[2])->state, ==,
                     BC_ORDER_UNIT_STATE_REFUSED);
    g_assert_cmpint (bc_unit_get_status (unit), ==, BC_UNIT_STATUS_AVAILABLE);
    g_assert_cmpint (bc_unit_get_incident (unit), ==, 0);
    g_assert_false (bc_incident_has_unit (inc, units[2]));
    bc_incident_get_units (inc, &n);
    g_assert_cmpuint (n, ==, 2);
    g_assert_cmpint (bc_incident_get_status (inc), ==, BC_INCIDENT_STATUS_EN_ROUTE);
    seq = expect_events (f, seq, types);
  }

  /* Changing an answer is not allowed; errors change nothing. */
  before = counts (f);
  {
    struct
    {
      gint64   order;
      gint64   unit;
      gboolean accepted;
      int      code;
      const char *message;
    } cases[] = {
      { order->id, units[2], TRUE, BS_REPO_ERROR_INVALID_TRANSITION, "already refused" },
      { order->id, units[0], FALSE, BS_REPO_ERROR_INVALID_TRANSITION, "already acknowledged" },
      { order->id, 999, TRUE, BS_REPO_ERROR_INVALID, "not part of order" },
      { 999, units[0], TRUE, BS_REPO_ERROR_NOT_FOUND, "order 999" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GError) local_error = NULL;
        g_autoptr(BcOrder) result = bs_repo_ack_order (f->repo, cases[i].order, cases[i].unit,
                                                       cases[i].accepted, &dispatcher,
                                                       &local_error);

        g_test_message ("case %u", i);
        g_assert_null (result);
        g_assert_error (local_error, BS_REPO_ERROR, cases[i].code);
        g_assert_nonnull (strstr (local_error->message, cases[i].message));
      }
  }
  assert_unchanged (f, &before);
}

static void
test_ack_refuse_last (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcIncident) after = NULL;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(BcOrder) refused = NULL;
  gint64 unit = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  guint n;

  order = dispatch_ok (f, bc_incident_get_id (incident), &unit, 1);
  refused = bs_repo_ack_order (f->repo, order->id, unit, FALSE, &dispatcher, &error);
  g_assert_no_error (error);
  after = get_incident (f, bc_incident_get_id (incident));
  g_assert_cmpint (bc_incident_get_status (after), ==, BC_INCIDENT_STATUS_NEW);
  bc_incident_get_units (after, &n);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpint (bc_incident_get_version (after), ==, 3);
}

static void
insert_user (Fixture    *f,
             const char *username,
             const char *role,
             const char *display_name)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (bc_store_get_db (f->store),
                                       "INSERT INTO users (username, role, display_name, "
                                       "  password_hash, created_at) VALUES (?1, ?2, ?3, 'x', 0)",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, username, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, role, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, display_name, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
}

static void
test_ack_unit_role (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(BcOrder) result = NULL;
  gint64 units[3];
  BsActor car1 = { "car01", BC_ROLE_UNIT, "10.1.0.1:4000" };
  BsActor ascii = { "k9", BC_ROLE_UNIT, "10.1.0.2:4000" };
  Counts before;

  units[0] = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  units[1] = add_unit (f, "东宝巡02", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  units[2] = add_unit (f, "k9", BC_UNIT_KIND_SPECIAL, JM_LAT, JM_LON);
  insert_user (f, "car01", "unit", "东宝巡01");
  order = dispatch_ok (f, bc_incident_get_id (incident), units, 3);

  before = counts (f);
  result = bs_repo_ack_order (f->repo, order->id, units[1], TRUE, &car1, &error);
  g_assert_null (result);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_FORBIDDEN);
  g_assert_nonnull (strstr (error->message, "东宝巡02"));
  g_clear_error (&error);
  assert_unchanged (f, &before);

  result = bs_repo_ack_order (f->repo, order->id, units[0], TRUE, &car1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&result, bc_order_unref);
  result = bs_repo_ack_order (f->repo, order->id, units[2], TRUE, &ascii, &error);
  g_assert_no_error (error);
  g_clear_pointer (&result, bc_order_unref);

  /* The same rule for the unit's status and its AVL. */
  {
    g_autoptr(BcUnit) other = set_unit_status (f, units[1], BC_UNIT_STATUS_EN_ROUTE, NULL);
    g_autoptr(BcUnit) u1 = get_unit (f, units[1]);
    g_autoptr(BcUnit) denied = NULL;
    BsAvlFix fix = { units[1], JM_LAT, JM_LON, 0, 0, T0 };

    denied = bs_repo_update_unit_status (f->repo, units[1], BC_UNIT_STATUS_ON_SCENE,
                                         bc_unit_get_version (u1), &car1, &error);
    g_assert_null (denied);
    g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_FORBIDDEN);
    g_clear_error (&error);
    g_assert_false (bs_repo_ingest_avl (f->repo, &fix, 1, &car1, &error));
    g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_FORBIDDEN);
    g_clear_error (&error);
    fix.unit = units[0];
    g_assert_true (bs_repo_ingest_avl (f->repo, &fix, 1, &car1, &error));
    g_assert_no_error (error);
  }
}

/* ---- the automatic status rules, as a table (docs/lifecycle.md) ----------------------------- */

typedef enum
{
  SETUP_AVAILABLE,     /* unit free, incident new */
  SETUP_DISPATCHED,    /* one unit dispatched to the incident */
  SETUP_EN_ROUTE,      /* ... and acknowledged */
  SETUP_ON_SCENE,      /* ... and on scene */
  SETUP_TWO_ON_SCENE,  /* two units dispatched; the first on scene */
  SETUP_OFF_DUTY,      /* unit off duty, incident new */
} Setup;

typedef enum
{
  ACTION_DISPATCH,
  ACTION_ACK,
  ACTION_REFUSE,
  ACTION_UNIT_EN_ROUTE,
  ACTION_UNIT_ON_SCENE,
  ACTION_UNIT_AVAILABLE,
  ACTION_UNIT_OFF_DUTY,
  ACTION_UNIT_DISPATCHED,
  ACTION_CLOSE,
  ACTION_CANCEL,
} Action;

#define NO_ERROR -1

static const struct
{
  Setup            setup;
  Action           action;
  int              error;
  BcUnitStatus     unit_status;
  gboolean         unit_on_incident;
  BcIncidentStatus incident_status;
  guint            incident_units;
} lifecycle_cases[] = {
  { SETUP_AVAILABLE, ACTION_DISPATCH, NO_ERROR, BC_UNIT_STATUS_DISPATCHED, TRUE,
    BC_INCIDENT_STATUS_DISPATCHED, 1 },
  { SETUP_DISPATCHED, ACTION_ACK, NO_ERROR, BC_UNIT_STATUS_EN_ROUTE, TRUE,
    BC_INCIDENT_STATUS_EN_ROUTE, 1 },
  { SETUP_DISPATCHED, ACTION_REFUSE, NO_ERROR, BC_UNIT_STATUS_AVAILABLE, FALSE,
    BC_INCIDENT_STATUS_NEW, 0 },
  { SETUP_DISPATCHED, ACTION_UNIT_EN_ROUTE, NO_ERROR, BC_UNIT_STATUS_EN_ROUTE, TRUE,
    BC_INCIDENT_STATUS_EN_ROUTE, 1 },
  { SETUP_DISPATCHED, ACTION_UNIT_ON_SCENE, NO_ERROR, BC_UNIT_STATUS_ON_SCENE, TRUE,
    BC_INCIDENT_STATUS_ON_SCENE, 1 },
  { SETUP_EN_ROUTE, ACTION_UNIT_ON_SCENE, NO_ERROR, BC_UNIT_STATUS_ON_SCENE, TRUE,
    BC_INCIDENT_STATUS_ON_SCENE, 1 },
  { SETUP_DISPATCHED, ACTION_UNIT_AVAILABLE, NO_ERROR, BC_UNIT_STATUS_AVAILABLE, FALSE,
    BC_INCIDENT_STATUS_NEW, 0 },
  { SETUP_EN_ROUTE, ACTION_UNIT_AVAILABLE, NO_ERROR, BC_UNIT_STATUS_AVAILABLE, FALSE,
    BC_INCIDENT_STATUS_NEW, 0 },
  { SETUP_ON_SCENE, ACTION_UNIT_AVAILABLE, NO_ERROR, BC_UNIT_STATUS_AVAILABLE, FALSE,
    BC_INCIDENT_STATUS_ON_SCENE, 0 },
  { SETUP_TWO_ON_SCENE, ACTION_UNIT_AVAILABLE, NO_ERROR, BC_UNIT_STATUS_AVAILABLE, FALSE,
    BC_INCIDENT_STATUS_ON_SCENE, 1 },
  { SETUP_DISPATCHED, ACTION_CLOSE, NO_ERROR, BC_UNIT_STATUS_AVAILABLE, FALSE,
    BC_INCIDENT_STATUS_CLOSED, 1 },
  { SETUP_ON_SCENE, ACTION_CLOSE, NO_ERROR, BC_UNIT_STATUS_AVAILABLE, FALSE,
    BC_INCIDENT_STATUS_CLOSED, 1 },
  { SETUP_EN_ROUTE, ACTION_CANCEL, NO_ERROR, BC_UNIT_STATUS_AVAILABLE, FALSE,
    BC_INCIDENT_STATUS_CANCELLED, 1 },
  { SETUP_AVAILABLE, ACTION_UNIT_OFF_DUTY, NO_ERROR, BC_UNIT_STATUS_OFF_DUTY, FALSE,
    BC_INCIDENT_STATUS_NEW, 0 },
  { SETUP_OFF_DUTY, ACTION_UNIT_AVAILABLE, NO_ERROR, BC_UNIT_STATUS_AVAILABLE, FALSE,
    BC_INCIDENT_STATUS_NEW, 0 },
  /* Refused changes leave everything as it was. */
  { SETUP_DISPATCHED, ACTION_UNIT_OFF_DUTY, BS_REPO_ERROR_INVALID_TRANSITION,
    BC_UNIT_STATUS_DISPATCHED, TRUE, BC_INCIDENT_STATUS_DISPATCHED, 1 },
  { SETUP_AVAILABLE, ACTION_UNIT_DISPATCHED, BS_REPO_ERROR_INVALID_TRANSITION,
    BC_UNIT_STATUS_AVAILABLE, FALSE, BC_INCIDENT_STATUS_NEW, 0 },
  { SETUP_AVAILABLE, ACTION_UNIT_ON_SCENE, BS_REPO_ERROR_INVALID_TRANSITION,
    BC_UNIT_STATUS_AVAILABLE, FALSE, BC_INCIDENT_STATUS_NEW, 0 },
  { SETUP_ON_SCENE, ACTION_UNIT_EN_ROUTE, BS_REPO_ERROR_INVALID_TRANSITION,
    BC_UNIT_STATUS_ON_SCENE, TRUE, BC_INCIDENT_STATUS_ON_SCENE, 1 },
  { SETUP_EN_ROUTE, ACTION_UNIT_EN_ROUTE, BS_REPO_ERROR_INVALID_TRANSITION,
    BC_UNIT_STATUS_EN_ROUTE, TRUE, BC_INCIDENT_STATUS_EN_ROUTE, 1 },
  { SETUP_OFF_DUTY, ACTION_DISPATCH, BS_REPO_ERROR_UNIT_UNAVAILABLE,
    BC_UNIT_STATUS_OFF_DUTY, FALSE, BC_INCIDENT_STATUS_NEW, 0 },
  { SETUP_AVAILABLE, ACTION_CLOSE, BS_REPO_ERROR_INVALID_TRANSITION,
    BC_UNIT_STATUS_AVAILABLE, FALSE, BC_INCIDENT_STATUS_NEW, 0 },
};

static void
test_lifecycle_table (Fixture       *f,
                      gconstpointer  data)
{
  for (guint c = 0; c < G_N_ELEMENTS (lifecycle_cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BcIncident) incident = create_incident (f);
      g_autoptr(BcOrder) order = NULL;
      g_autoptr(BcUnit) unit = NULL;
      g_autoptr(BcIncident) after = NULL;
      g_autofree char *cs = g_strdup_printf ("表%02u", c);
      g_autofree char *cs2 = g_strdup_printf ("表%02uB", c);
      gint64 id = add_unit (f, cs, BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
      gint64 incident_id = bc_incident_get_id (incident);
      gint64 seq;
      Counts before;
      guint n;

      g_test_message ("lifecycle case %u", c);
      switch (lifecycle_cases[c].setup)
        {
        case SETUP_AVAILABLE:
          break;
        case SETUP_OFF_DUTY:
          g_clear_object (&unit);
          unit = set_unit_status (f, id, BC_UNIT_STATUS_OFF_DUTY, &error);
          g_assert_no_error (error);
          break;
        case SETUP_TWO_ON_SCENE:
          {
            gint64 both[2] = { id, add_unit (f, cs2, BC_UNIT_KIND_FOOT, JM_LAT, JM_LON) };

            order = dispatch_ok (f, incident_id, both, 2);
            g_clear_object (&unit);
            unit = set_unit_status (f, id, BC_UNIT_STATUS_ON_SCENE, &error);
            g_assert_no_error (error);
          }
          break;
        case SETUP_DISPATCHED:
        case SETUP_EN_ROUTE:
        case SETUP_ON_SCENE:
          order = dispatch_ok (f, incident_id, &id, 1);
          if (lifecycle_cases[c].setup != SETUP_DISPATCHED)
            {
              g_autoptr(BcOrder) acked = bs_repo_ack_order (f->repo, order->id, id, TRUE,
                                                            &dispatcher, &error);
              g_assert_no_error (error);
            }
          if (lifecycle_cases[c].setup == SETUP_ON_SCENE)
            {
              g_clear_object (&unit);
              unit = set_unit_status (f, id, BC_UNIT_STATUS_ON_SCENE, &error);
              g_assert_no_error (error);
            }
          break;
        default:
          g_assert_not_reached ();
        }
      g_clear_object (&unit);
      g_clear_object (&incident);
      incident = get_incident (f, incident_id);

      before = counts (f);
      seq = last_seq (f);
      switch (lifecycle_cases[c].action)
        {
        case ACTION_DISPATCH:
          {
            g_autofree char *key = g_strdup_printf ("table-%u", c);

            order = dispatch (f, incident_id, &id, 1, key, &error);
          }
          break;
        case ACTION_ACK:
        case ACTION_REFUSE:
          {
            g_autoptr(BcOrder) acked = bs_repo_ack_order (f->repo, order->id, id,
                                                          lifecycle_cases[c].action == ACTION_ACK,
                                                          &dispatcher, &error);
          }
          break;
        case ACTION_UNIT_EN_ROUTE:
          unit = set_unit_status (f, id, BC_UNIT_STATUS_EN_ROUTE, &error);
          break;
        case ACTION_UNIT_ON_SCENE:
          unit = set_unit_status (f, id, BC_UNIT_STATUS_ON_SCENE, &error);
          break;
        case ACTION_UNIT_AVAILABLE:
          unit = set_unit_status (f, id, BC_UNIT_STATUS_AVAILABLE, &error);
          break;
        case ACTION_UNIT_OFF_DUTY:
          unit = set_unit_status (f, id, BC_UNIT_STATUS_OFF_DUTY, &error);
          break;
        case ACTION_UNIT_DISPATCHED:
          unit = set_unit_status (f, id, BC_UNIT_STATUS_DISPATCHED, &error);
          break;
        case ACTION_CLOSE:
          after = patch_incident (f, incident, "{\"status\":\"closed\",\"disposition\":\"done\"}",
                                  &error);
          break;
        case ACTION_CANCEL:
          after = patch_incident (f, incident, "{\"status\":\"cancelled\"}", &error);
          break;
        default:
          g_assert_not_reached ();
        }

      if (lifecycle_cases[c].error == NO_ERROR)
        {
          g_assert_no_error (error);
          g_assert_cmpint (last_seq (f), >, seq);
        }
      else
        {
          g_assert_error (error, BS_REPO_ERROR, lifecycle_cases[c].error);
          assert_unchanged (f, &before);
        }

      g_clear_object (&unit);
      g_clear_object (&after);
      unit = get_unit (f, id);
      after = get_incident (f, incident_id);
      g_assert_cmpint (bc_unit_get_status (unit), ==, lifecycle_cases[c].unit_status);
      g_assert_cmpint (bc_unit_get_incident (unit), ==,
                       lifecycle_cases[c].unit_on_incident ? incident_id : 0);
      g_assert_cmpint (bc_incident_get_status (after), ==, lifecycle_cases[c].incident_status);
      bc_incident_get_units (after, &n);
      g_assert_cmpuint (n, ==, lifecycle_cases[c].incident_units);
    }
}

static void
test_unit_status_errors (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  g_autoptr(BcUnit) off = NULL;
  g_autoptr(BcUnit) stale = NULL;
  g_autoptr(BcUnit) missing = NULL;
  static const char *types[] = { "unit.updated", NULL };
  gint64 seq = last_seq (f);
  Counts before;

  off = bs_repo_update_unit_status (f->repo, id, BC_UNIT_STATUS_OFF_DUTY, 1, &dispatcher, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bc_unit_get_version (off), ==, 2);
  expect_events (f, seq, types);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM audit WHERE action = 'unit.status'"), ==,
                   1);

  before = counts (f);
  stale = bs_repo_update_unit_status (f->repo, id, BC_UNIT_STATUS_AVAILABLE, 1, &dispatcher,
                                      &error);
  g_assert_null (stale);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_STALE_VERSION);
  g_assert_nonnull (strstr (error->message, "has version 2"));
  g_clear_error (&error);
  missing = bs_repo_update_unit_status (f->repo, 999, BC_UNIT_STATUS_AVAILABLE, 1, &dispatcher,
                                        &error);
  g_assert_null (missing);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_NOT_FOUND);
  assert_unchanged (f, &before);
}

/* ---- AVL ------------------------------------------------------------------------------------ */

static void
test_avl_ingest (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 a = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, NAN, NAN);
  gint64 b = add_unit (f, "东宝巡02", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  static const char *types[] = { "unit.moved", "unit.moved", "unit.moved", NULL };
  gint64 seq = last_seq (f);
  BsAvlFix fixes[] = {
    { a, 31.01, 112.01, 90.0, 10.0, T0 - 10 * G_USEC_PER_SEC },
    { b, 31.02, 112.02, 180.0, 0.0, T0 - 9 * G_USEC_PER_SEC },
    /* Newer fix of a in the same batch. */
    { a, 31.03, 112.03, 359.9, 12.5, T0 - 5 * G_USEC_PER_SEC },
    /* Older than the one just applied: ignored, not an error. */
    { a, 31.99, 112.99, 0.0, 0.0, T0 - 8 * G_USEC_PER_SEC },
  };

  g_assert_true (bs_repo_ingest_avl (f->repo, fixes, G_N_ELEMENTS (fixes), &dispatcher, &error));
  g_assert_no_error (error);
  expect_events (f, seq, types);

  {
    g_autoptr(BcUnit) ua = get_unit (f, a);
    g_autoptr(BcUnit) ub = get_unit (f, b);
    g_autofree char *json = event_data (f, seq + 1);
    g_autoptr(JsonObject) moved = parse_object (json);

    g_assert_true (bc_unit_get_has_position (ua));
    g_assert_cmpfloat (bc_unit_get_lat (ua), ==, 31.03);
    g_assert_cmpfloat (bc_unit_get_heading (ua), ==, 359.9);
    g_assert_cmpint (bc_unit_get_position_at (ua), ==, T0 - 5 * G_USEC_PER_SEC);
    /* Positions do not change versions. */
    g_assert_cmpint (bc_unit_get_version (ua), ==, 1);
    g_assert_cmpfloat (bc_unit_get_lon (ub), ==, 112.02);

    g_assert_cmpuint (json_object_get_size (moved), ==, 6);
    g_assert_cmpint (json_object_get_int_member (moved, "id"), ==, a);
    g_assert_cmpfloat (json_object_get_double_member (moved, "lat"), ==, 31.01);
    g_assert_cmpfloat (json_object_get_double_member (moved, "speed"), ==, 10.0);
    g_assert_nonnull (json_object_get_string_member (moved, "at"));
  }

  /* A whole batch of stale fixes applies nothing and appends nothing. */
  seq = last_seq (f);
  fixes[0].at = T0 - 60 * G_USEC_PER_SEC;
  g_assert_true (bs_repo_ingest_avl (f->repo, fixes, 1, &dispatcher, &error));
  g_assert_cmpint (last_seq (f), ==, seq);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM audit WHERE action LIKE 'avl%'"), ==, 0);
}

static void
test_avl_validation (Fixture       *f,
                     gconstpointer  data)
{
  gint64 a = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  gint64 good_at = T0 - G_USEC_PER_SEC;
  struct
  {
    BsAvlFix    fix;
    int         code;
    const char *message;
  } cases[] = {
    { { 999, 31.0, 112.0, 0, 0, good_at }, BS_REPO_ERROR_NOT_FOUND, "fixes[1].unit" },
    { { a, 90.5, 112.0, 0, 0, good_at }, BS_REPO_ERROR_INVALID, "fixes[1].lat" },
    { { a, NAN, 112.0, 0, 0, good_at }, BS_REPO_ERROR_INVALID, "fixes[1].lat" },
    { { a, 31.0, -180.5, 0, 0, good_at }, BS_REPO_ERROR_INVALID, "fixes[1].lon" },
    { { a, 31.0, 112.0, 360.0, 0, good_at }, BS_REPO_ERROR_INVALID, "fixes[1].heading" },
    { { a, 31.0, 112.0, -0.5, 0, good_at }, BS_REPO_ERROR_INVALID, "fixes[1].heading" },
    { { a, 31.0, 112.0, 0, 100.5, good_at }, BS_REPO_ERROR_INVALID, "fixes[1].speed" },
    { { a, 31.0, 112.0, 0, -1, good_at }, BS_REPO_ERROR_INVALID, "fixes[1].speed" },
    { { a, 31.0, 112.0, 0, 0, T0 + 5 * MINUTE + 1 }, BS_REPO_ERROR_INVALID, "fixes[1].at" },
    { { a, 31.0, 112.0, 0, 0, 0 }, BS_REPO_ERROR_INVALID, "fixes[1].at" },
  };
  Counts before = counts (f);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      /* A valid fix first: one bad fix rejects the batch. */
      BsAvlFix batch[2] = { { a, 31.5, 112.5, 0, 0, good_at }, cases[i].fix };

      g_test_message ("case %u", i);
      g_assert_false (bs_repo_ingest_avl (f->repo, batch, 2, &dispatcher, &error));
      g_assert_error (error, BS_REPO_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }
  assert_unchanged (f, &before);
  {
    g_autoptr(BcUnit) unit = get_unit (f, a);

    g_assert_cmpfloat (bc_unit_get_lat (unit), ==, JM_LAT);
  }

  /* The limits themselves are accepted: 5 minutes ahead, speed 100, heading just under 360. */
  {
    g_autoptr(GError) error = NULL;
    BsAvlFix edge = { a, 90.0, 180.0, 359.999, 100.0, T0 + 5 * MINUTE };

    g_assert_true (bs_repo_ingest_avl (f->repo, &edge, 1, &dispatcher, &error));
    g_assert_no_error (error);
  }
}

/* Another process (the import CLI) adds a unit while the server runs: its AVL is accepted and
 * it becomes recommendable. */
static void
test_avl_unit_from_elsewhere (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) cli_store = bc_store_open (f->path, bc_server_schema (), &error);
  g_autoptr(BsRepo) cli = NULL;
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(GArray) recs = NULL;
  BsAvlFix fix = { 0, JM_LAT, JM_LON + 0.001, 0, 0, T0 };

  g_assert_no_error (error);
  cli = bs_repo_new (cli_store, &error);
  g_assert_no_error (error);
  g_ptr_array_add (units, unit_template ("新增01", BC_UNIT_KIND_FOOT, NAN, NAN));
  g_assert_true (bs_repo_import_units (cli, units, &dispatcher, &error));
  g_assert_no_error (error);

  fix.unit = unit_id_by_call_sign (f, "新增01");
  g_assert_true (bs_repo_ingest_avl (f->repo, &fix, 1, &dispatcher, &error));
  g_assert_no_error (error);
  recs = bs_repo_recommend (f->repo, bc_incident_get_id (incident), 5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recs->len, ==, 1);
  g_assert_cmpint (bc_unit_get_id (g_array_index (recs, BsRecommendation, 0).unit), ==, fix.unit);
}

/* ---- recommendations ------------------------------------------------------------------------ */

typedef struct
{
  gint64 id;
  double distance_m;
  double eta_s;
} Expected;

static int
compare_expected (gconstpointer a,
                  gconstpointer b)
{
  const Expected *x = a;
  const Expected *y = b;

  if (x->eta_s != y->eta_s)
    return x->eta_s < y->eta_s ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static void
check_recommendations (Fixture    *f,
                       BcIncident *incident,
                       guint       limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) units = bs_repo_list_units (f->repo, &error);
  g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (Expected));
  g_autoptr(GArray) got = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < units->len; i++)
    {
      BcUnit *u = g_ptr_array_index (units, i);
      Expected e;

      if (bc_unit_get_status (u) != BC_UNIT_STATUS_AVAILABLE || !bc_unit_get_has_position (u))
        continue;
      e.id = bc_unit_get_id (u);
      e.distance_m = bc_geo_distance_m (bc_incident_get_lat (incident),
                                        bc_incident_get_lon (incident),
                                        bc_unit_get_lat (u), bc_unit_get_lon (u));
      e.eta_s = e.distance_m / bs_unit_kind_speed_mps (bc_unit_get_kind (u));
      g_array_append_val (expected, e);
    }
  g_array_sort (expected, compare_expected);

  got = bs_repo_recommend (f->repo, bc_incident_get_id (incident), limit, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got->len, ==, MIN (limit, expected->len));
  for (guint i = 0; i < got->len; i++)
    {
      BsRecommendation *r = &g_array_index (got, BsRecommendation, i);
      Expected *e = &g_array_index (expected, Expected, i);

      g_assert_cmpint (bc_unit_get_id (r->unit), ==, e->id);
      g_assert_cmpfloat_with_epsilon (r->distance_m, e->distance_m, 1e-6);
      g_assert_cmpfloat_with_epsilon (r->eta_s, e->eta_s, 1e-6);
      g_assert_cmpint (bc_unit_get_status (r->unit), ==, BC_UNIT_STATUS_AVAILABLE);
    }
}

static void
test_recommend_brute_force (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) incidents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261124);
  g_autoptr(GPtrArray) all = NULL;
  guint n_units = 5000;
  const guint limits[] = { 1, 5, 10, 64 };

  for (guint i = 0; i < n_units; i++)
    {
      g_autofree char *cs = g_strdup_printf ("U%04u", i);
      BcUnitKind kind = (BcUnitKind) g_rand_int_range (rand, 0, 5);
      /* Most units clustered in the city, some far out: ETA and distance orders differ. */
      double spread = g_rand_double (rand) < 0.9 ? 0.15 : 1.0;
      double lat = JM_LAT + g_rand_double_range (rand, -spread, spread);
      double lon = JM_LON + g_rand_double_range (rand, -spread, spread);
      BcUnit *u = unit_template (cs, kind, g_rand_double (rand) < 0.05 ? NAN : lat, lon);

      if (g_rand_double (rand) < 0.1)
        bc_unit_set_status (u, BC_UNIT_STATUS_OFF_DUTY);
      g_ptr_array_add (units, u);
    }
  bs_repo_import_units (f->repo, units, &dispatcher, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 30; i++)
    g_ptr_array_add (incidents,
                     create_incident_at (f, JM_LAT + g_rand_double_range (rand, -0.3, 0.3),
                                         JM_LON + g_rand_double_range (rand, -0.3, 0.3)));

  for (guint i = 0; i < incidents->len; i++)
    for (guint l = 0; l < G_N_ELEMENTS (limits); l++)
      check_recommendations (f, g_ptr_array_index (incidents, i), limits[l]);

  /* Dispatch the best units of a few incidents, move others, free some: the live indexes follow. */
  all = bs_repo_list_units (f->repo, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 5; i++)
    {
      BcIncident *incident = g_ptr_array_index (incidents, i);
      g_autoptr(GArray) best = bs_repo_recommend (f->repo, bc_incident_get_id (incident), 3,
                                                  &error);
      gint64 ids[3];
      g_autoptr(BcOrder) order = NULL;

      g_assert_no_error (error);
      for (guint k = 0; k < 3; k++)
        ids[k] = bc_unit_get_id (g_array_index (best, BsRecommendation, k).unit);
      order = dispatch_ok (f, bc_incident_get_id (incident), ids, 3);
      if (i == 0)
        {
          g_autoptr(BcOrder) refused = bs_repo_ack_order (f->repo, order->id, ids[0], FALSE,
                                                          &dispatcher, &error);
          g_assert_no_error (error);
        }
    }
  {
    g_autoptr(GArray) fixes = g_array_new (FALSE, FALSE, sizeof (BsAvlFix));

    for (guint i = 0; i < all->len; i += 7)
      {
        BsAvlFix fix = {
          bc_unit_get_id (g_ptr_array_index (all, i)),
          JM_LAT + g_rand_double_range (rand, -0.2, 0.2),
          JM_LON + g_rand_double_range (rand, -0.2, 0.2),
          g_rand_double_range (rand, 0, 359), g_rand_double_range (rand, 0, 20), T0
        };

        g_array_append_val (fixes, fix);
      }
    g_assert_true (bs_repo_ingest_avl (f->repo, (BsAvlFix *) fixes->data, fixes->len,
                                       &dispatcher, &error));
    g_assert_no_error (error);
  }
  {
    BcUnit *u = g_ptr_array_index (all, 3);
    g_autoptr(BcUnit) current = get_unit (f, bc_unit_get_id (u));
    g_autoptr(BcUnit) changed = NULL;

    changed = bs_repo_update_unit_status (f->repo, bc_unit_get_id (u),
                                          bc_unit_get_status (current) == BC_UNIT_STATUS_AVAILABLE
                                            ? BC_UNIT_STATUS_OFF_DUTY : BC_UNIT_STATUS_AVAILABLE,
                                          bc_unit_get_version (current), &dispatcher, &error);
    g_assert_no_error (error);
  }

  for (guint i = 5; i < incidents->len; i++)
    for (guint l = 0; l < G_N_ELEMENTS (limits); l++)
      check_recommendations (f, g_ptr_array_index (incidents, i), limits[l]);

  /* The same answers from a repo that loads its state from the file. */
  g_clear_object (&f->repo);
  f->repo = bs_repo_new (f->store, &error);
  g_assert_no_error (error);
  for (guint i = 5; i < 10; i++)
    check_recommendations (f, g_ptr_array_index (incidents, i), 10);
}

static void
test_recommend_errors (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) incident = create_incident (f);
  g_autoptr(BcIncident) cancelled = patch_incident (f, incident, "{\"status\":\"cancelled\"}",
                                                    &error);
  g_autoptr(GArray) r = NULL;

  g_assert_no_error (error);
  r = bs_repo_recommend (f->repo, 4242, 5, &error);
  g_assert_null (r);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  r = bs_repo_recommend (f->repo, bc_incident_get_id (incident), 5, &error);
  g_assert_null (r);
  g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID_TRANSITION);
}

/* ---- cameras -------------------------------------------------------------------------------- */

static BcCamera *
make_camera (guint  serial,
             double lat,
             double lon)
{
  BcCamera *camera = bc_camera_new ();

  g_snprintf (camera->id, sizeof camera->id, "42080200001320%06u", serial);
  camera->name = g_strdup_printf ("点位%u", serial);
  camera->lat = lat;
  camera->lon = lon;
  camera->kind = (BcCameraKind) (serial % 3);
  camera->online = serial % 5 != 0;
  camera->stream_uri = g_strdup_printf ("rtsp://10.0.0.1/ch%u", serial);
  camera->station = g_strdup ("龙泉派出所");
  return camera;
}

static GPtrArray *
import_random_cameras (Fixture *f,
                       guint    n,
                       GRand   *rand)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (cameras, make_camera (i + 1,
                                           JM_LAT + g_rand_double_range (rand, -0.4, 0.4),
                                           JM_LON + g_rand_double_range (rand, -0.4, 0.4)));
  g_assert_true (bs_repo_import_cameras (f->repo, cameras, &dispatcher, &error));
  g_assert_no_error (error);
  return cameras;
}

static int
compare_camera_ids (gconstpointer a,
                    gconstpointer b)
{
  return strcmp ((*(BcCamera *const *) a)->id, (*(BcCamera *const *) b)->id);
}

static void
test_cameras_bbox (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GPtrArray) cameras = import_random_cameras (f, 20000, rand);

  g_assert_cmpint (last_seq (f), ==, 20000);
  for (guint q = 0; q < 60; q++)
    {
      BcGeoBounds b;
      double lat = JM_LAT + g_rand_double_range (rand, -0.45, 0.45);
      double lon = JM_LON + g_rand_double_range (rand, -0.45, 0.45);
      double h = g_rand_double_range (rand, 0.001, q < 50 ? 0.1 : 1.0);
      g_autoptr(GPtrArray) expected = g_ptr_array_new ();
      g_autoptr(GPtrArray) got = NULL;
      g_autoptr(GPtrArray) limited = NULL;
      gboolean truncated = TRUE;

      b.min_lat = lat - h;
      b.max_lat = lat + h;
      b.min_lon = lon - h;
      b.max_lon = lon + h;
      for (guint i = 0; i < cameras->len; i++)
        {
          BcCamera *c = g_ptr_array_index (cameras, i);

          if (c->lat >= b.min_lat && c->lat <= b.max_lat && c->lon >= b.min_lon
              && c->lon <= b.max_lon)
            g_ptr_array_add (expected, c);
        }

      got = bs_repo_cameras_in_bounds (f->repo, &b, 0, &truncated);
      g_assert_false (truncated);
      g_assert_cmpuint (got->len, ==, expected->len);
      g_ptr_array_sort (got, compare_camera_ids);
      g_ptr_array_sort (expected, compare_camera_ids);
      for (guint i = 0; i < got->len; i++)
        g_assert_cmpstr (((BcCamera *) g_ptr_array_index (got, i))->id, ==,
                         ((BcCamera *) g_ptr_array_index (expected, i))->id);

      limited = bs_repo_cameras_in_bounds (f->repo, &b, 10, &truncated);
      g_assert_cmpuint (limited->len, ==, MIN (10, expected->len));
      g_assert_true (truncated == (expected->len > 10));
    }
}

static void
test_cameras_near (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GPtrArray) cameras = import_random_cameras (f, 20000, rand);

  for (guint q = 0; q < 60; q++)
    {
      double lat = JM_LAT + g_rand_double_range (rand, -0.45, 0.45);
      double lon = JM_LON + g_rand_double_range (rand, -0.45, 0.45);
      double radius = g_rand_double_range (rand, 10, 3000);
      g_autoptr(GArray) got = bs_repo_cameras_near (f->repo, lat, lon, radius);
      guint expected = 0;

      for (guint i = 0; i < cameras->len; i++)
        {
          BcCamera *c = g_ptr_array_index (cameras, i);

          if (bc_geo_distance_m (lat, lon, c->lat, c->lon) <= radius)
            expected++;
        }
      g_assert_cmpuint (got->len, ==, expected);
      for (guint i = 0; i < got->len; i++)
        {
          BsCameraHit *hit = &g_array_index (got, BsCameraHit, i);

          g_assert_cmpfloat_with_epsilon (hit->distance_m,
                                          bc_geo_distance_m (lat, lon, hit->camera->lat,
                                                             hit->camera->lon), 1e-6);
          g_assert_cmpfloat (hit->distance_m, <=, radius);
          if (i > 0)
            g_assert_cmpfloat (g_array_index (got, BsCameraHit, i - 1).distance_m, <=,
                               hit->distance_m);
        }
    }
}

static void
test_cameras_upsert (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  g_autoptr(GPtrArray) second = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  g_autoptr(GArray) near = NULL;
  static const char *types[] = { "camera.updated", NULL };
  gint64 seq;
  BcCamera *moved;

  g_ptr_array_add (first, make_camera (1, JM_LAT, JM_LON));
  g_ptr_array_add (first, make_camera (2, JM_LAT + 0.01, JM_LON));
  g_assert_true (bs_repo_import_cameras (f->repo, first, &dispatcher, &error));
  seq = last_seq (f);

  /* Camera 1 unchanged, camera 2 moved: one event. */
  g_ptr_array_add (second, make_camera (1, JM_LAT, JM_LON));
  moved = make_camera (2, JM_LAT + 0.2, JM_LON);
  g_ptr_array_add (second, moved);
  g_assert_true (bs_repo_import_cameras (f->repo, second, &dispatcher, &error));
  g_assert_no_error (error);
  expect_events (f, seq, types);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM cameras"), ==, 2);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM audit WHERE action = 'camera.import'"),
                   ==, 2);

  near = bs_repo_cameras_near (f->repo, JM_LAT + 0.2, JM_LON, 10);
  g_assert_cmpuint (near->len, ==, 1);
  g_assert_cmpstr (g_array_index (near, BsCameraHit, 0).camera->id, ==, moved->id);
  g_clear_pointer (&near, g_array_unref);
  near = bs_repo_cameras_near (f->repo, JM_LAT + 0.01, JM_LON, 10);
  g_assert_cmpuint (near->len, ==, 0);

  /* Loaded again by a new repo. */
  g_clear_object (&f->repo);
  f->repo = bs_repo_new (f->store, &error);
  g_assert_no_error (error);
  g_clear_pointer (&near, g_array_unref);
  near = bs_repo_cameras_near (f->repo, JM_LAT + 0.2, JM_LON, 10);
  g_assert_cmpuint (near->len, ==, 1);
  g_assert_cmpstr (g_array_index (near, BsCameraHit, 0).camera->name, ==, moved->name);

  /* A bad device code is refused and nothing is written. */
  {
    g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
    BcCamera *c = make_camera (3, JM_LAT, JM_LON);
    Counts before = counts (f);

    g_ptr_array_add (bad, make_camera (4, JM_LAT, JM_LON));
    g_strlcpy (c->id, "12345", sizeof c->id);
    g_ptr_array_add (bad, c);
    g_assert_false (bs_repo_import_cameras (f->repo, bad, &dispatcher, &error));
    g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);
    assert_unchanged (f, &before);
    g_assert_cmpint (query_int (f, "SELECT count (*) FROM cameras"), ==, 2);
  }
}

/* Every column of every camera row, doubles bit-exact, in code order. */
static char *
dump_cameras (BcStore *store)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (bc_store_get_db (store),
                                       "SELECT * FROM cameras ORDER BY id", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        {
          switch (sqlite3_column_type (stmt, c))
            {
            case SQLITE_INTEGER:
              g_string_append_printf (out, "%s=%lld|", sqlite3_column_name (stmt, c),
                                      (long long) sqlite3_column_int64 (stmt, c));
              break;
            case SQLITE_FLOAT:
              g_string_append_printf (out, "%s=%a|", sqlite3_column_name (stmt, c),
                                      sqlite3_column_double (stmt, c));
              break;
            case SQLITE_NULL:
              g_string_append_printf (out, "%s=NULL|", sqlite3_column_name (stmt, c));
              break;
            default:
              g_string_append_printf (out, "%s='%s'|", sqlite3_column_name (stmt, c),
                                      (const char *) sqlite3_column_text (stmt, c));
              break;
            }
        }
      g_string_append_c (out, '\n');
    }
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static void
assert_same_hits (GArray *a,
                  GArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      BsCameraHit *x = &g_array_index (a, BsCameraHit, i);
      BsCameraHit *y = &g_array_index (b, BsCameraHit, i);

      g_assert_cmpstr (x->camera->id, ==, y->camera->id);
      g_assert_cmpfloat (x->distance_m, ==, y->distance_m);
    }
}

static void
assert_same_cameras (GPtrArray *a,
                     GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      BcCamera *x = g_ptr_array_index (a, i);
      BcCamera *y = g_ptr_array_index (b, i);

      g_assert_cmpstr (x->id, ==, y->id);
      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpfloat (x->lat, ==, y->lat);
      g_assert_cmpfloat (x->lon, ==, y->lon);
      g_assert_cmpint (x->kind, ==, y->kind);
      g_assert_cmpint (x->online, ==, y->online);
      /* A repo loaded from the table reads an absent URI as "" (as after any import). */
      g_assert_cmpstr (x->stream_uri != NULL ? x->stream_uri : "", ==,
                       y->stream_uri != NULL ? y->stream_uri : "");
      g_assert_cmpstr (x->station, ==, y->station);
    }
}

/* The demo's first load (no lookup, no events) leaves the same rows, bbox and near answers as
 * the import, in the repo that loaded and in one opened afterwards. */
static void
test_cameras_initial_load (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(GPtrArray) cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  g_autofree char *other_path = g_build_filename (f->dir, "imported.db", NULL);
  g_autoptr(BcStore) other_store = NULL;
  g_autoptr(BsRepo) imported = NULL;
  g_autoptr(BsRepo) reopened = NULL;
  g_autofree char *rows_loaded = NULL;
  g_autofree char *rows_imported = NULL;
  gboolean initial = FALSE;

  for (guint i = 0; i < 5000; i++)
    {
      BcCamera *c = make_camera (i + 1, JM_LAT + g_rand_double_range (rand, -0.4, 0.4),
                                 JM_LON + g_rand_double_range (rand, -0.4, 0.4));

      /* Optional fields absent too. */
      if (i % 7 == 0)
        g_clear_pointer (&c->station, g_free);
      if (i % 11 == 0)
        g_clear_pointer (&c->stream_uri, g_free);
      g_ptr_array_add (cameras, c);
    }

  other_store = bc_store_open (other_path, bc_server_schema (), &error);
  g_assert_no_error (error);
  imported = bs_repo_new (other_store, &error);
  g_assert_no_error (error);
  bs_repo_set_clock (imported, fixture_clock, f);

  g_assert_true (bs_repo_load_cameras_initial (f->repo, cameras, &dispatcher, &initial, &error));
  g_assert_no_error (error);
  g_assert_true (initial);
  g_assert_true (bs_repo_import_cameras (imported, cameras, &dispatcher, &error));
  g_assert_no_error (error);

  /* No event at all; one audit row says what happened. */
  g_assert_cmpint (last_seq (f), ==, 0);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM audit WHERE action = 'camera.import'"),
                   ==, 1);
  {
    g_autoptr(GError) seq_error = NULL;
    gint64 seq = 0;

    bc_event_log_last_seq (other_store, &seq, &seq_error);
    g_assert_no_error (seq_error);
    g_assert_cmpint (seq, ==, 5000);
  }

  rows_loaded = dump_cameras (f->store);
  rows_imported = dump_cameras (other_store);
  g_assert_cmpuint (strlen (rows_loaded), >, 5000 * 8);
  g_assert_cmpstr (rows_loaded, ==, rows_imported);

  reopened = bs_repo_new (f->store, &error);
  g_assert_no_error (error);

  for (guint q = 0; q < 60; q++)
    {
      double lat = JM_LAT + g_rand_double_range (rand, -0.45, 0.45);
      double lon = JM_LON + g_rand_double_range (rand, -0.45, 0.45);
      double h = g_rand_double_range (rand, 0.001, q < 50 ? 0.1 : 1.0);
      double radius = g_rand_double_range (rand, 10, 3000);
      BcGeoBounds b = { lat - h, lon - h, lat + h, lon + h };
      guint limit = q % 2 == 0 ? 0 : 10;
      gboolean t1 = FALSE, t2 = FALSE, t3 = FALSE;
      g_autoptr(GPtrArray) box_loaded = bs_repo_cameras_in_bounds (f->repo, &b, limit, &t1);
      g_autoptr(GPtrArray) box_imported = bs_repo_cameras_in_bounds (imported, &b, limit, &t2);
      g_autoptr(GPtrArray) box_reopened = bs_repo_cameras_in_bounds (reopened, &b, 0, &t3);
      g_autoptr(GArray) near_loaded = bs_repo_cameras_near (f->repo, lat, lon, radius);
      g_autoptr(GArray) near_imported = bs_repo_cameras_near (imported, lat, lon, radius);
      g_autoptr(GArray) near_reopened = bs_repo_cameras_near (reopened, lat, lon, radius);

      g_assert_true (t1 == t2);
      assert_same_cameras (box_loaded, box_imported);
      if (limit == 0)
        {
          g_ptr_array_sort (box_loaded, compare_camera_ids);
          g_ptr_array_sort (box_reopened, compare_camera_ids);
          assert_same_cameras (box_loaded, box_reopened);
        }
      assert_same_hits (near_loaded, near_imported);
      assert_same_hits (near_loaded, near_reopened);
    }
}

/* Only an empty table gets the first load; otherwise it is the import, events and all. */
static void
test_cameras_initial_load_falls_back (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  g_autoptr(GPtrArray) second = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
  g_autoptr(GArray) near = NULL;
  static const char *types[] = { "camera.updated", "camera.updated", NULL };
  gboolean initial = TRUE;
  gint64 seq;
  BcCamera *moved;

  /* A bad device code is refused and nothing is written, the table stays empty. */
  {
    g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_camera_unref);
    BcCamera *c = make_camera (3, JM_LAT, JM_LON);
    Counts before = counts (f);

    g_ptr_array_add (bad, make_camera (4, JM_LAT, JM_LON));
    g_strlcpy (c->id, "12345", sizeof c->id);
    g_ptr_array_add (bad, c);
    g_assert_false (bs_repo_load_cameras_initial (f->repo, bad, &dispatcher, NULL, &error));
    g_assert_error (error, BS_REPO_ERROR, BS_REPO_ERROR_INVALID);
    g_clear_error (&error);
    assert_unchanged (f, &before);
    g_assert_cmpint (query_int (f, "SELECT count (*) FROM cameras"), ==, 0);
    near = bs_repo_cameras_near (f->repo, JM_LAT, JM_LON, 10);
    g_assert_cmpuint (near->len, ==, 0);
    g_clear_pointer (&near, g_array_unref);
  }

  g_ptr_array_add (first, make_camera (1, JM_LAT, JM_LON));
  g_ptr_array_add (first, make_camera (2, JM_LAT + 0.01, JM_LON));
  g_assert_true (bs_repo_load_cameras_initial (f->repo, first, &dispatcher, &initial, &error));
  g_assert_no_error (error);
  g_assert_true (initial);
  seq = last_seq (f);
  g_assert_cmpint (seq, ==, 0);

  /* Not empty now: camera 1 unchanged, camera 2 moved, camera 3 new — two events. */
  g_ptr_array_add (second, make_camera (1, JM_LAT, JM_LON));
  moved = make_camera (2, JM_LAT + 0.2, JM_LON);
  g_ptr_array_add (second, moved);
  g_ptr_array_add (second, make_camera (3, JM_LAT - 0.2, JM_LON));
  g_assert_true (bs_repo_load_cameras_initial (f->repo, second, &dispatcher, &initial, &error));
  g_assert_no_error (error);
  g_assert_false (initial);
  expect_events (f, seq, types);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM cameras"), ==, 3);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM audit WHERE action = 'camera.import'"),
                   ==, 2);

  near = bs_repo_cameras_near (f->repo, JM_LAT + 0.2, JM_LON, 10);
  g_assert_cmpuint (near->len, ==, 1);
  g_assert_cmpstr (g_array_index (near, BsCameraHit, 0).camera->id, ==, moved->id);
  g_clear_pointer (&near, g_array_unref);
  near = bs_repo_cameras_near (f->repo, JM_LAT + 0.01, JM_LON, 10);
  g_assert_cmpuint (near->len, ==, 0);
}

/* ---- units import --------------------------------------------------------------------------- */

static void
test_units_upsert (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, NAN, NAN);
  g_autoptr(GPtrArray) again = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(BcUnit) after = NULL;
  static const char *one[] = { "unit.updated", NULL };
  gint64 seq = last_seq (f);
  BcUnit *changed;

  /* The same roster again: nothing happens. */
  g_ptr_array_add (again, unit_template ("东宝巡01", BC_UNIT_KIND_PATROL_CAR, NAN, NAN));
  g_assert_true (bs_repo_import_units (f->repo, again, &dispatcher, &error));
  g_assert_cmpint (last_seq (f), ==, seq);

  /* A new station and a first position. */
  changed = unit_template ("东宝巡01", BC_UNIT_KIND_MOTORCYCLE, JM_LAT, JM_LON);
  bc_unit_set_station (changed, "泉口派出所");
  g_ptr_array_set_size (again, 0);
  g_ptr_array_add (again, changed);
  g_assert_true (bs_repo_import_units (f->repo, again, &dispatcher, &error));
  g_assert_no_error (error);
  expect_events (f, seq, one);
  after = get_unit (f, id);
  g_assert_cmpint (bc_unit_get_id (after), ==, id);
  g_assert_cmpint (bc_unit_get_version (after), ==, 2);
  g_assert_cmpint (bc_unit_get_kind (after), ==, BC_UNIT_KIND_MOTORCYCLE);
  g_assert_cmpstr (bc_unit_get_station (after), ==, "泉口派出所");
  g_assert_true (bc_unit_get_has_position (after));
}

/* ---- snapshot and the event log ------------------------------------------------------------- */

static void
test_snapshot (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcIncident) a = create_incident (f);
  g_autoptr(BcIncident) b = create_incident (f);
  g_autoptr(BcIncident) cancelled = patch_incident (f, b, "{\"status\":\"cancelled\"}", &error);
  g_autoptr(JsonNode) snap = NULL;
  JsonObject *root;
  JsonArray *incidents;

  add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  add_unit (f, "东宝巡02", BC_UNIT_KIND_FOOT, NAN, NAN);
  snap = bs_repo_snapshot (f->repo, &error);
  g_assert_no_error (error);
  root = json_node_get_object (snap);
  g_assert_cmpint (json_object_get_int_member (root, "seq"), ==, last_seq (f));
  g_assert_cmpint (json_object_get_int_member (root, "seq"), ==, 5);
  incidents = json_object_get_array_member (root, "incidents");
  g_assert_cmpuint (json_array_get_length (incidents), ==, 1);
  {
    g_autoptr(BcIncident) decoded = bc_incident_from_json (json_array_get_element (incidents, 0),
                                                           &error);

    g_assert_no_error (error);
    g_assert_cmpint (bc_incident_get_id (decoded), ==, bc_incident_get_id (a));
  }
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "units")), ==, 2);
  g_assert_nonnull (json_object_get_string_member (root, "server_time"));
}

/* Every kind of command, failures in between: the log stays 1..N with no gap. */
static void
test_events_gap_free (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_event_row_free);
  g_autoptr(BcIncident) incident = create_incident (f);
  gint64 u1 = add_unit (f, "东宝巡01", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);
  gint64 u2 = add_unit (f, "东宝巡02", BC_UNIT_KIND_PATROL_CAR, JM_LAT, JM_LON);

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(BcOrder) order = NULL;
      g_autoptr(BcOrder) failed = NULL;
      g_autoptr(BcOrder) acked = NULL;
      g_autoptr(BcNote) note = NULL;
      g_autoptr(BcUnit) unit = NULL;
      gint64 both[2] = { u1, u2 };
      BsAvlFix fix = { u1, JM_LAT, JM_LON, 0, 0, T0 + round };

      order = dispatch_ok (f, bc_incident_get_id (incident), both, 2);
      failed = dispatch (f, bc_incident_get_id (incident), both, 2, "dup-fail", &error);
      g_assert_null (failed);
      g_clear_error (&error);
      acked = bs_repo_ack_order (f->repo, order->id, u1, TRUE, &dispatcher, &error);
      g_assert_no_error (error);
      g_assert_true (bs_repo_ingest_avl (f->repo, &fix, 1, &dispatcher, &error));
      note = bs_repo_add_note (f->repo, bc_incident_get_id (incident), "x", &dispatcher, &error);
      g_assert_no_error (error);
      unit = set_unit_status (f, u1, BC_UNIT_STATUS_AVAILABLE, &error);
      g_assert_no_error (error);
      g_clear_object (&unit);
      unit = set_unit_status (f, u2, BC_UNIT_STATUS_AVAILABLE, &error);
      g_assert_no_error (error);
    }

  bc_event_log_read (f->store, 0, 0, rows, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, >, 30);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpint (((BcEventRow *) g_ptr_array_index (rows, i))->seq, ==, i + 1);
}

/* ---- import parsers ------------------------------------------------------------------------- */

static char *
write_file (Fixture    *f,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static BsImportReject *
find_reject (BsImportResult *result,
             guint           line,
             int             feature)
{
  for (guint i = 0; i < result->rejects->len; i++)
    {
      BsImportReject *r = g_ptr_array_index (result->rejects, i);

      if (r->line == line && r->feature == feature)
        return r;
    }
  return NULL;
}

static void
progress_cb (guint    rows_done,
             guint64  bytes_done,
             guint64  bytes_total,
             gpointer user_data)
{
  guint64 *last = user_data;

  g_assert_cmpuint (bytes_done, <=, bytes_total);
  last[0] = rows_done;
  last[1] = bytes_done;
  last[2] = bytes_total;
  last[3]++;
}

static void
test_import_csv_cameras (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsImportResult) result = NULL;
  g_autoptr(BsImportResult) converted = NULL;
  g_autofree char *path = NULL;
  guint64 progress[4] = { 0 };
  BcCamera *c;
  /* BOM, CRLF, a quoted name with a comma and doubled quotes, a quoted field with a line break,
   * columns in another order plus one the importer does not know, a blank line. */
  const char *csv =
    "\xEF\xBB\xBF" "name,id,lat,lon,kind,online,stream_uri,station,remark\r\n"
    "\"象山大道, 白庙路口东\",42080200001320000001,31.03,112.20,dome,true,rtsp://10.0.0.1/ch1,"
      "龙泉派出所,x\r\n"
    "\"说 \"\"东门\"\" 卡口\",42080200001320000002,31.04,112.21,checkpoint,0,,,\r\n"
    "\r\n"
    "\"两行\r\n名称\",42080200001320000003,31.05,112.22,bullet,,,\"泉口派出所\",\r\n";

  path = write_file (f, "cameras.csv", csv);
  result = bs_import_cameras_from_file (path, BS_IMPORT_FORMAT_AUTO, BS_IMPORT_FLAGS_NONE,
                                        progress_cb, progress, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < result->rejects->len; i++)
    {
      g_autofree char *s = bs_import_reject_to_string (g_ptr_array_index (result->rejects, i));
      g_test_message ("unexpected reject: %s", s);
    }
  g_assert_cmpuint (result->rejects->len, ==, 0);
  g_assert_cmpuint (result->n_rows, ==, 3);
  g_assert_cmpuint (result->items->len, ==, 3);

  c = g_ptr_array_index (result->items, 0);
  g_assert_cmpstr (c->id, ==, "42080200001320000001");
  g_assert_cmpstr (c->name, ==, "象山大道, 白庙路口东");
  g_assert_cmpfloat (c->lat, ==, 31.03);
  g_assert_true (c->online);
  g_assert_cmpstr (c->stream_uri, ==, "rtsp://10.0.0.1/ch1");
  c = g_ptr_array_index (result->items, 1);
  g_assert_cmpstr (c->name, ==, "说 \"东门\" 卡口");
  g_assert_cmpint (c->kind, ==, BC_CAMERA_KIND_CHECKPOINT);
  g_assert_false (c->online);
  c = g_ptr_array_index (result->items, 2);
  g_assert_cmpstr (c->name, ==, "两行\r\n名称");
  g_assert_true (c->online);
  g_assert_cmpstr (c->station, ==, "泉口派出所");

  g_assert_cmpuint (progress[0], ==, 3);
  g_assert_cmpuint (progress[1], ==, strlen (csv));
  g_assert_cmpuint (progress[2], ==, strlen (csv));
  g_assert_cmpuint (progress[3], >=, 1);

  /* GCJ-02 input is converted to WGS-84 (a few hundred metres around Jingmen). */
  converted = bs_import_cameras_from_file (path, BS_IMPORT_FORMAT_CSV, BS_IMPORT_FLAGS_GCJ02,
                                           NULL, NULL, &error);
  g_assert_no_error (error);
  {
    double lat, lon;
    double shift;

    c = g_ptr_array_index (converted->items, 0);
    bc_gcj02_to_wgs84 (31.03, 112.20, &lat, &lon);
    g_assert_cmpfloat_with_epsilon (c->lat, lat, 1e-12);
    g_assert_cmpfloat_with_epsilon (c->lon, lon, 1e-12);
    shift = bc_geo_distance_m (31.03, 112.20, c->lat, c->lon);
    g_assert_cmpfloat (shift, >, 100.0);
    g_assert_cmpfloat (shift, <, 1000.0);
  }

  /* And the parsed cameras go into the repo. */
  g_assert_true (bs_repo_import_cameras (f->repo, result->items, &dispatcher, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM cameras"), ==, 3);
}

static void
test_import_csv_bad_rows (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsImportResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *csv =
    "id,name,lat,lon,kind,online\n"                                   /* 1 */
    "42080200001320000001,ok,31.0,112.0,dome,true\n"                  /* 2 */
    "42080200001320000002,bad lat,95.2,112.0,dome,true\n"             /* 3 */
    "4208020000132000000X,bad id,31.0,112.0,dome,true\n"              /* 4 */
    "42080200001320000004,,31.0,112.0,dome,true\n"                    /* 5 */
    "42080200001320000005,bad kind,31.0,112.0,fisheye,true\n"         /* 6 */
    "42080200001320000006,too few,31.0,112.0\n"                       /* 7 */
    "42080200001320000007,nan lat,abc,112.0,dome,true\n"              /* 8 */
    "42080200001320000008,bad bool,31.0,112.0,dome,maybe\n"           /* 9 */
    "\"42080200001320000009\"x,junk after quote,31.0,112.0,dome,true\n" /* 10 */
    "42080200001320000010,\"multi\nline ok\",31.0,112.0,dome,true\n"  /* 11-12 */
    "42080200001320000011,bad lon,31.0,181,dome,true\n"               /* 13 */
    "42080200001320000012,no lat,,112.0,dome,true\n"                  /* 14 */
    "42080200001320000013,\"unterminated,31.0,112.0,dome,true\n";     /* 15 */
  struct
  {
    guint       line;
    const char *reason;
  } expected[] = {
    { 3, "lat: 95.2 is out of range" },
    { 4, "id:" },
    { 5, "name" },
    { 6, "kind" },
    { 7, "has 4 fields, the header has 6" },
    { 8, "lat: \"abc\" is not a number" },
    { 9, "online: \"maybe\" is not true or false" },
    { 10, "unexpected text after a closing quote" },
    { 13, "lon" },
    { 14, "lat: is missing" },
    { 15, "unterminated quoted field" },
  };

  bytes = g_bytes_new_static (csv, strlen (csv));
  result = bs_import_cameras_from_bytes (bytes, BS_IMPORT_FORMAT_CSV, BS_IMPORT_FLAGS_NONE, NULL,
                                         NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < result->rejects->len; i++)
    {
      g_autofree char *s = bs_import_reject_to_string (g_ptr_array_index (result->rejects, i));
      g_test_message ("reject: %s", s);
    }
  g_assert_cmpuint (result->items->len, ==, 2);
  g_assert_cmpstr (((BcCamera *) g_ptr_array_index (result->items, 1))->name, ==,
                   "multi\nline ok");
  g_assert_cmpuint (result->rejects->len, ==, G_N_ELEMENTS (expected));
  g_assert_cmpuint (result->n_rows, ==, G_N_ELEMENTS (expected) + 2);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      BsImportReject *r = find_reject (result, expected[i].line, -1);

      g_test_message ("line %u", expected[i].line);
      g_assert_nonnull (r);
      g_assert_nonnull (strstr (r->reason, expected[i].reason));
    }
  {
    g_autofree char *s = bs_import_reject_to_string (find_reject (result, 3, -1));

    g_assert_true (g_str_has_prefix (s, "line 3: lat: 95.2"));
  }
}

static void
test_import_csv_file_errors (Fixture       *f,
                             gconstpointer  data)
{
  struct
  {
    const char *csv;
    int         code;
    const char *message;
  } cases[] = {
    { "id,name,lat,kind\n1,2,3,4\n", BS_IMPORT_ERROR_MISSING_COLUMN, "\"lon\"" },
    { "", BS_IMPORT_ERROR_MALFORMED, "empty" },
    { "id,id,name,lat,lon,kind\n", BS_IMPORT_ERROR_MALFORMED, "twice" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = g_bytes_new_static (cases[i].csv, strlen (cases[i].csv));
      g_autoptr(BsImportResult) result = NULL;

      result = bs_import_cameras_from_bytes (bytes, BS_IMPORT_FORMAT_CSV, BS_IMPORT_FLAGS_NONE,
                                             NULL, NULL, &error);
      g_assert_null (result);
      g_assert_error (error, BS_IMPORT_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename (f->dir, "missing.csv", NULL);

    g_assert_null (bs_import_cameras_from_file (path, BS_IMPORT_FORMAT_AUTO,
                                                BS_IMPORT_FLAGS_NONE, NULL, NULL, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  }
}

static void
test_import_csv_units (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsImportResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *csv =
    "call_sign,kind,station,lat,lon,status\r\n"             /* 1 */
    "东宝巡01,patrol_car,龙泉派出所,31.04,112.20,available\r\n" /* 2 */
    "东宝步01,foot,龙泉派出所,,,off_duty\r\n"                  /* 3 */
    "东宝摩01,motorcycle,,31.05,,\r\n"                        /* 4 */
    "东宝巡02,patrol_car,龙泉派出所,31.04,112.20,en_route\r\n"  /* 5 */
    ",patrol_car,x,,,\r\n"                                    /* 6 */
    "东宝巡03,tank,x,,,\r\n"                                  /* 7 */
    "东宝巡04,traffic,x,31.0,112.0,\r\n";                     /* 8 */
  BcUnit *u;

  bytes = g_bytes_new_static (csv, strlen (csv));
  result = bs_import_units_from_bytes (bytes, BS_IMPORT_FORMAT_AUTO, BS_IMPORT_FLAGS_NONE, NULL,
                                       NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->items->len, ==, 3);
  g_assert_cmpuint (result->rejects->len, ==, 4);
  g_assert_nonnull (strstr (find_reject (result, 4, -1)->reason, "lon: is missing"));
  g_assert_nonnull (strstr (find_reject (result, 5, -1)->reason, "cannot be imported"));
  g_assert_nonnull (strstr (find_reject (result, 6, -1)->reason, "call_sign"));
  g_assert_nonnull (strstr (find_reject (result, 7, -1)->reason, "kind"));

  u = g_ptr_array_index (result->items, 0);
  g_assert_cmpstr (bc_unit_get_call_sign (u), ==, "东宝巡01");
  g_assert_true (bc_unit_get_has_position (u));
  g_assert_cmpfloat (bc_unit_get_lat (u), ==, 31.04);
  u = g_ptr_array_index (result->items, 1);
  g_assert_false (bc_unit_get_has_position (u));
  g_assert_cmpint (bc_unit_get_status (u), ==, BC_UNIT_STATUS_OFF_DUTY);
  u = g_ptr_array_index (result->items, 2);
  g_assert_cmpint (bc_unit_get_kind (u), ==, BC_UNIT_KIND_TRAFFIC);
  g_assert_cmpint (bc_unit_get_status (u), ==, BC_UNIT_STATUS_AVAILABLE);

  g_assert_true (bs_repo_import_units (f->repo, result->items, &dispatcher, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM units"), ==, 3);
  g_assert_cmpint (query_int (f, "SELECT count (*) FROM units WHERE status = 'off_duty'"), ==, 1);
}

static void
test_import_geojson (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BsImportResult) result = NULL;
  g_autoptr(BsImportResult) gcj = NULL;
  g_autoptr(BsImportResult) units = NULL;
  g_autofree char *path = NULL;
  g_autofree char *upath = NULL;
  guint64 progress[4] = { 0 };
  const char *geojson =
    "{\"type\":\"FeatureCollection\",\"features\":["
    /* 0: good, id in the properties, extra properties ignored */
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[112.20,31.03]},"
    " \"properties\":{\"id\":\"42080200001320000001\",\"name\":\"象山大道\",\"kind\":\"dome\","
    "  \"online\":true,\"stream_uri\":\"rtsp://10.0.0.1/ch1\",\"station\":\"龙泉派出所\","
    "  \"height_m\":6}},"
    /* 1: good, id as the feature id, online missing (defaults to true) */
    "{\"type\":\"Feature\",\"id\":\"42080200001320000002\","
    " \"geometry\":{\"type\":\"Point\",\"coordinates\":[112.21,31.04]},"
    " \"properties\":{\"name\":\"白庙路\",\"kind\":\"bullet\"}},"
    /* 2: a line, not a point */
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]},"
    " \"properties\":{\"id\":\"42080200001320000003\",\"name\":\"x\",\"kind\":\"dome\"}},"
    /* 3: latitude out of range */
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[112.2,95.0]},"
    " \"properties\":{\"id\":\"42080200001320000004\",\"name\":\"x\",\"kind\":\"dome\"}},"
    /* 4: no geometry */
    "{\"type\":\"Feature\",\"geometry\":null,"
    " \"properties\":{\"id\":\"42080200001320000005\",\"name\":\"x\",\"kind\":\"dome\"}},"
    /* 5: not a feature */
    "42,"
    /* 6: wrong kind */
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[112.2,31.0]},"
    " \"properties\":{\"id\":\"42080200001320000006\",\"name\":\"x\",\"kind\":\"ptz\"}},"
    /* 7: online is a string */
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[112.2,31.0]},"
    " \"properties\":{\"id\":\"42080200001320000007\",\"name\":\"x\",\"kind\":\"dome\","
    "  \"online\":\"yes\"}}"
    "]}";
  struct
  {
    int         feature;
    const char *reason;
  } expected[] = {
    { 2, "geometry.type" },
    { 3, "lat: 95" },
    { 4, "geometry: is missing" },
    { 5, "is not an object" },
    { 6, "kind" },
    { 7, "online" },
  };

  path = write_file (f, "cameras.geojson", geojson);
  result = bs_import_cameras_from_file (path, BS_IMPORT_FORMAT_AUTO, BS_IMPORT_FLAGS_NONE,
                                        progress_cb, progress, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < result->rejects->len; i++)
    {
      g_autofree char *s = bs_import_reject_to_string (g_ptr_array_index (result->rejects, i));
      g_test_message ("reject: %s", s);
    }
  g_assert_cmpuint (result->n_rows, ==, 8);
  g_assert_cmpuint (result->items->len, ==, 2);
  g_assert_cmpuint (result->rejects->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      BsImportReject *r = find_reject (result, 0, expected[i].feature);

      g_assert_nonnull (r);
      g_assert_nonnull (strstr (r->reason, expected[i].reason));
    }
  {
    BcCamera *c0 = g_ptr_array_index (result->items, 0);
    BcCamera *c1 = g_ptr_array_index (result->items, 1);
    g_autofree char *s = bs_import_reject_to_string (find_reject (result, 0, 3));

    g_assert_cmpfloat (c0->lat, ==, 31.03);
    g_assert_cmpfloat (c0->lon, ==, 112.20);
    g_assert_cmpstr (c1->id, ==, "42080200001320000002");
    g_assert_true (c1->online);
    g_assert_true (g_str_has_prefix (s, "feature 3: "));
  }
  g_assert_cmpuint (progress[0], ==, 8);
  g_assert_cmpuint (progress[1], ==, progress[2]);

  gcj = bs_import_cameras_from_file (path, BS_IMPORT_FORMAT_GEOJSON, BS_IMPORT_FLAGS_GCJ02, NULL,
                                     NULL, &error);
  g_assert_no_error (error);
  {
    BcCamera *c0 = g_ptr_array_index (gcj->items, 0);
    double lat, lon;

    bc_gcj02_to_wgs84 (31.03, 112.20, &lat, &lon);
    g_assert_cmpfloat_with_epsilon (c0->lat, lat, 1e-12);
    g_assert_cmpfloat_with_epsilon (c0->lon, lon, 1e-12);
    g_assert_cmpfloat (bc_geo_distance_m (31.03, 112.20, c0->lat, c0->lon), >, 100.0);
  }

  /* Units as GeoJSON; a unit may have no geometry. */
  upath = write_file (f, "units.json",
                      "{\"type\":\"FeatureCollection\",\"features\":["
                      "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\","
                      "  \"coordinates\":[112.2,31.0]},"
                      " \"properties\":{\"call_sign\":\"东宝巡01\",\"kind\":\"patrol_car\"}},"
                      "{\"type\":\"Feature\",\"geometry\":null,"
                      " \"properties\":{\"call_sign\":\"东宝步01\",\"kind\":\"foot\","
                      "  \"status\":\"off_duty\"}},"
                      "{\"type\":\"Feature\",\"geometry\":null,"
                      " \"properties\":{\"kind\":\"foot\"}}]}");
  units = bs_import_units_from_file (upath, BS_IMPORT_FORMAT_AUTO, BS_IMPORT_FLAGS_NONE, NULL,
                                     NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (units->items->len, ==, 2);
  g_assert_cmpuint (units->rejects->len, ==, 1);
  g_assert_nonnull (find_reject (units, 0, 2));

  /* A file that is not a FeatureCollection is an error. */
  {
    g_autoptr(GBytes) bytes = g_bytes_new_static ("{\"type\":\"Feature\"}", 18);
    g_autoptr(BsImportResult) bad = bs_import_cameras_from_bytes (bytes, BS_IMPORT_FORMAT_AUTO,
                                                                  BS_IMPORT_FLAGS_NONE, NULL,
                                                                  NULL, &error);

    g_assert_null (bad);
    g_assert_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_MALFORMED);
    g_clear_error (&error);
  }
  {
    g_autoptr(GBytes) bytes = g_bytes_new_static ("{\"type\":", 8);
    g_autoptr(BsImportResult) bad = bs_import_cameras_from_bytes (bytes, BS_IMPORT_FORMAT_GEOJSON,
                                                                  BS_IMPORT_FLAGS_NONE, NULL,
                                                                  NULL, &error);

    g_assert_null (bad);
    g_assert_error (error, BS_IMPORT_ERROR, BS_IMPORT_ERROR_MALFORMED);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/repo/incident/create", test_incident_create);
  ADD ("/repo/incident/number-sequence", test_incident_number_sequence);
  ADD ("/repo/incident/get-and-list", test_incident_get_list);
  ADD ("/repo/incident/update", test_incident_update);
  ADD ("/repo/incident/update-errors", test_incident_update_errors);
  ADD ("/repo/incident/close-releases-units", test_incident_close);
  ADD ("/repo/note/add", test_note);
  ADD ("/repo/dispatch/basic", test_dispatch_basic);
  ADD ("/repo/dispatch/idempotent-retry", test_dispatch_idempotent);
  ADD ("/repo/dispatch/errors-change-nothing", test_dispatch_errors);
  ADD ("/repo/dispatch/race-one-winner", test_dispatch_race);
  ADD ("/repo/ack/accept-refuse-repeat", test_ack);
  ADD ("/repo/ack/refuse-last-unit-reopens", test_ack_refuse_last);
  ADD ("/repo/ack/unit-role-own-unit-only", test_ack_unit_role);
  ADD ("/repo/lifecycle/table", test_lifecycle_table);
  ADD ("/repo/unit/status-errors", test_unit_status_errors);
  ADD ("/repo/unit/import-upsert", test_units_upsert);
  ADD ("/repo/avl/ingest-and-ordering", test_avl_ingest);
  ADD ("/repo/avl/validation", test_avl_validation);
  ADD ("/repo/avl/unit-imported-elsewhere", test_avl_unit_from_elsewhere);
  ADD ("/repo/recommend/brute-force", test_recommend_brute_force);
  ADD ("/repo/recommend/errors", test_recommend_errors);
  ADD ("/repo/cameras/bbox-brute-force", test_cameras_bbox);
  ADD ("/repo/cameras/near-brute-force", test_cameras_near);
  ADD ("/repo/cameras/import-upsert", test_cameras_upsert);
  ADD ("/repo/cameras/initial-load/same-as-import", test_cameras_initial_load);
  ADD ("/repo/cameras/initial-load/falls-back-when-not-empty",
       test_cameras_initial_load_falls_back);
  ADD ("/repo/snapshot/consistent", test_snapshot);
  ADD ("/repo/events/gap-free", test_events_gap_free);
  ADD ("/repo/import/csv-cameras", test_import_csv_cameras);
  ADD ("/repo/import/csv-bad-rows", test_import_csv_bad_rows);
  ADD ("/repo/import/csv-file-errors", test_import_csv_file_errors);
  ADD ("/repo/import/csv-units", test_import_csv_units);
  ADD ("/repo/import/geojson", test_import_geojson);
#undef ADD

  return g_test_run ();
}
