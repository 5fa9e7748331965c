/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "beacon-test"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "bc-client.h"
#include "bc-schema.h"
#include "bc-stats.h"
#include "bs-history.h"
#include "bs-stats.h"
#include "server-fixture.h"

/* GET /api/v1/stats/summary against a brute-force computation over the incidents table, the
 * roll-up triggers of migration 3 against a rebuild and against the bulk writer, and
 * seed-history. The reference code here works in GDate Julian days and GDateTime in +08:00,
 * not with bs-stats.c's arithmetic, so that a mistake there does not repeat itself here. */

#define JINGMEN_LAT 31.0355
#define JINGMEN_LON 112.2040

static GTimeZone *cst;

/* ---- Reference arithmetic ----------------------------------------------------------------- */

static guint32
julian_of_date (const char *text)
{
  int y, m, d;
  GDate date;

  g_assert_cmpint (sscanf (text, "%d-%d-%d", &y, &m, &d), ==, 3);
  g_assert_true (g_date_valid_dmy (d, m, y));
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, d, m, y);
  return g_date_get_julian (&date);
}

static char *
date_of_julian (guint32 julian)
{
  GDate date;
  char text[16];

  g_date_clear (&date, 1);
  g_date_set_julian (&date, julian);
  g_date_strftime (text, sizeof text, "%Y-%m-%d", &date);
  return g_strdup (text);
}

/* The local (+08:00) Julian day and hour of a time in µs. */
static guint32
local_julian (gint64  usec,
              guint  *out_hour)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (0);
  g_autoptr(GDateTime) at = g_date_time_add (utc, usec);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (at, cst);
  GDate date;

  if (out_hour != NULL)
    *out_hour = (guint) g_date_time_get_hour (local);
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, g_date_time_get_day_of_month (local), g_date_time_get_month (local),
                  g_date_time_get_year (local));
  return g_date_get_julian (&date);
}

/* µs of local midnight starting a Julian day. */
static gint64
local_midnight (guint32 julian)
{
  g_autofree char *text = date_of_julian (julian);
  g_autofree char *iso = g_strdup_printf ("%sT00:00:00+08:00", text);
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static gint64
parse_time (const char *iso)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

/* ---- Raw incidents ------------------------------------------------------------------------- */

typedef struct
{
  gint64   created_at, dispatched_at, on_scene_at, closed_at, cancelled_at;
  char    *district;
  char    *type;
  int      priority;
  gboolean open;
  guint32  created_day, closed_day, cancelled_day;
  guint    created_hour;
} Raw;

static void
raw_clear (Raw *raw)
{
  g_free (raw->district);
  g_free (raw->type);
}

static gint64
column_time (sqlite3_stmt *stmt,
             int           column)
{
  return sqlite3_column_type (stmt, column) == SQLITE_NULL ? 0 : sqlite3_column_int64 (stmt, column);
}

static GArray *
load_raw (const char *db_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (db_path, bc_server_schema (), &error);
  g_autoptr(BcStmt) stmt = NULL;
  GArray *rows = g_array_new (FALSE, TRUE, sizeof (Raw));

  g_assert_no_error (error);
  g_array_set_clear_func (rows, (GDestroyNotify) raw_clear);
  stmt = bc_store_prepare (store,
                           "SELECT created_at, dispatched_at, on_scene_at, closed_at, "
                           "  cancelled_at, district, type, priority, status FROM incidents",
                           &error);
  g_assert_no_error (error);
  while (bc_store_step (store, stmt, &error) == SQLITE_ROW)
    {
      Raw raw = { 0, };
      const char *status = (const char *) sqlite3_column_text (stmt, 8);

      raw.created_at = sqlite3_column_int64 (stmt, 0);
      raw.dispatched_at = column_time (stmt, 1);
      raw.on_scene_at = column_time (stmt, 2);
      raw.closed_at = column_time (stmt, 3);
      raw.cancelled_at = column_time (stmt, 4);
      raw.district = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      raw.type = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      raw.priority = sqlite3_column_int (stmt, 7);
      raw.open = strcmp (status, "closed") != 0 && strcmp (status, "cancelled") != 0;
      raw.created_day = local_julian (raw.created_at, &raw.created_hour);
      raw.closed_day = raw.closed_at != 0 ? local_julian (raw.closed_at, NULL) : 0;
      raw.cancelled_day = raw.cancelled_at != 0 ? local_julian (raw.cancelled_at, NULL) : 0;
      g_array_append_val (rows, raw);
    }
  g_assert_no_error (error);
  return rows;
}

/* ---- The expected summary ------------------------------------------------------------------ */

typedef struct
{
  guint32     first, last;
  gint64      total, closed, cancelled;
  GHashTable *by_type;       /* code → GINT_TO_POINTER (count) */
  gint64      by_priority[4];
  GHashTable *by_district;
  gint64      by_hour[24];
  gint64     *day_total, *day_closed, *day_cancelled;
  GArray     *dispatch_s, *response_s;   /* gint64 */
} Expected;

static void
expected_init (Expected *e,
               guint32   first,
               guint32   last)
{
  guint n = last - first + 1;

  memset (e, 0, sizeof *e);
  e->first = first;
  e->last = last;
  e->by_type = g_hash_table_new (g_str_hash, g_str_equal);
  e->by_district = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  e->day_total = g_new0 (gint64, n);
  e->day_closed = g_new0 (gint64, n);
  e->day_cancelled = g_new0 (gint64, n);
  e->dispatch_s = g_array_new (FALSE, FALSE, sizeof (gint64));
  e->response_s = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
expected_clear (Expected *e)
{
  g_hash_table_unref (e->by_type);
  g_hash_table_unref (e->by_district);
  g_free (e->day_total);
  g_free (e->day_closed);
  g_free (e->day_cancelled);
  g_array_unref (e->dispatch_s);
  g_array_unref (e->response_s);
}

static void
increment (GHashTable *table,
           const char *key,
           gboolean    copy_key)
{
  gint64 n = GPOINTER_TO_INT (g_hash_table_lookup (table, key));

  g_hash_table_insert (table, copy_key ? g_strdup (key) : (char *) key, GINT_TO_POINTER (n + 1));
}

static gboolean
matches (const Raw  *raw,
         const char *district,
         const char *type)
{
  return (district == NULL || strcmp (raw->district, district) == 0) &&
         (type == NULL || strcmp (raw->type, type) == 0);
}

static void
compute_expected (GArray     *rows,
                  const char *district,
                  const char *type,
                  Expected   *e)
{
  for (guint i = 0; i < rows->len; i++)
    {
      Raw *raw = &g_array_index (rows, Raw, i);

      if (!matches (raw, district, type))
        continue;

      if (raw->created_day >= e->first && raw->created_day <= e->last)
        {
          e->total++;
          increment (e->by_type, raw->type, FALSE);
          e->by_priority[raw->priority - 1]++;
          increment (e->by_district, raw->district, TRUE);
          e->by_hour[raw->created_hour]++;
          e->day_total[raw->created_day - e->first]++;
          if (raw->dispatched_at != 0)
            {
              gint64 s = MAX ((raw->dispatched_at - raw->created_at) / G_USEC_PER_SEC, 0);
              g_array_append_val (e->dispatch_s, s);
            }
          if (raw->on_scene_at != 0)
            {
              gint64 s = MAX ((raw->on_scene_at - raw->created_at) / G_USEC_PER_SEC, 0);
              g_array_append_val (e->response_s, s);
            }
        }
      if (raw->closed_at != 0 && raw->closed_day >= e->first && raw->closed_day <= e->last)
        {
          e->closed++;
          e->day_closed[raw->closed_day - e->first]++;
        }
      if (raw->cancelled_at != 0 && raw->cancelled_day >= e->first &&
          raw->cancelled_day <= e->last)
        {
          e->cancelled++;
          e->day_cancelled[raw->cancelled_day - e->first]++;
        }
    }
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

/* The exact nearest-rank percentile. */
static gint64
exact_percentile (GArray *values,
                  double  p)
{
  guint64 rank;

  g_array_sort (values, compare_int64);
  rank = (guint64) ceil (p / 100.0 * values->len - 1e-9);
  rank = CLAMP (rank, 1, values->len);
  return g_array_index (values, gint64, rank - 1);
}

/* The roll-up value lies in the bucket of the exact value (docs/stats.md: the precision). */
static void
assert_percentile (JsonObject *durations,
                   const char *name,
                   GArray     *values,
                   double      p)
{
  gint64 exact, lo, hi;
  double value;

  if (values->len == 0)
    {
      g_assert_true (json_object_get_null_member (durations, name));
      return;
    }
  exact = exact_percentile (values, p);
  bs_stats_bucket_range (bs_stats_duration_bucket (exact), &lo, &hi);
  value = json_object_get_double_member (durations, name);
  if (hi == G_MAXINT64)
    g_assert_cmpfloat (value, ==, (double) lo);
  else if (value < lo || value > hi)
    g_error ("%s: %.1f s is outside the bucket [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
             ") of the exact value %" G_GINT64_FORMAT " s", name, value, lo, hi, exact);
}

static void
assert_durations (JsonObject *period,
                  const char *name,
                  GArray     *values)
{
  JsonObject *durations = json_object_get_object_member (period, name);

  g_assert_cmpint (json_object_get_int_member (durations, "count"), ==, values->len);
  assert_percentile (durations, "p50", values, 50);
  assert_percentile (durations, "p90", values, 90);
}

static void
assert_period (JsonObject *period,
               Expected   *e)
{
  g_autofree char *first = date_of_julian (e->first);
  g_autofree char *last = date_of_julian (e->last);
  guint n = e->last - e->first + 1;
  JsonObject *by_type = json_object_get_object_member (period, "by_type");
  JsonObject *by_priority = json_object_get_object_member (period, "by_priority");
  JsonObject *by_district = json_object_get_object_member (period, "by_district");
  JsonArray *by_hour = json_object_get_array_member (period, "by_hour");
  JsonArray *by_day = json_object_get_array_member (period, "by_day");
  g_autoptr(GList) members = NULL;
  gint64 previous = G_MAXINT64;

  g_assert_cmpstr (json_object_get_string_member (period, "first_day"), ==, first);
  g_assert_cmpstr (json_object_get_string_member (period, "last_day"), ==, last);
  g_assert_cmpint (json_object_get_int_member (period, "days"), ==, n);
  g_assert_cmpint (parse_time (json_object_get_string_member (period, "start")), ==,
                   local_midnight (e->first));
  g_assert_cmpint (parse_time (json_object_get_string_member (period, "end")), ==,
                   local_midnight (e->last + 1));
  g_assert_cmpint (json_object_get_int_member (period, "total"), ==, e->total);
  g_assert_cmpint (json_object_get_int_member (period, "closed"), ==, e->closed);
  g_assert_cmpint (json_object_get_int_member (period, "cancelled"), ==, e->cancelled);

  g_assert_cmpuint (json_object_get_size (by_type), ==, 8);
  for (guint t = 0; t <= BC_INCIDENT_TYPE_OTHER; t++)
    {
      const char *code = bc_incident_type_to_string ((BcIncidentType) t);
      g_assert_cmpint (json_object_get_int_member (by_type, code), ==,
                       GPOINTER_TO_INT (g_hash_table_lookup (e->by_type, code)));
    }

  for (guint p = 0; p < 4; p++)
    {
      char key[2] = { (char) ('1' + p), 0 };
      g_assert_cmpint (json_object_get_int_member (by_priority, key), ==, e->by_priority[p]);
    }

  /* Every district with incidents and no other, largest first. */
  g_assert_cmpuint (json_object_get_size (by_district), ==, g_hash_table_size (e->by_district));
  members = json_object_get_members (by_district);
  for (GList *l = members; l != NULL; l = l->next)
    {
      gint64 n_district = json_object_get_int_member (by_district, l->data);

      g_assert_cmpint (n_district, ==,
                       GPOINTER_TO_INT (g_hash_table_lookup (e->by_district, l->data)));
      g_assert_cmpint (n_district, <=, previous);
      previous = n_district;
    }

  g_assert_cmpuint (json_array_get_length (by_hour), ==, 24);
  for (guint h = 0; h < 24; h++)
    g_assert_cmpint (json_array_get_int_element (by_hour, h), ==, e->by_hour[h]);

  g_assert_cmpuint (json_array_get_length (by_day), ==, n);
  for (guint d = 0; d < n; d++)
    {
      JsonObject *day = json_array_get_object_element (by_day, d);
      g_autofree char *date = date_of_julian (e->first + d);

      g_assert_cmpstr (json_object_get_string_member (day, "date"), ==, date);
      g_assert_cmpint (json_object_get_int_member (day, "total"), ==, e->day_total[d]);
      g_assert_cmpint (json_object_get_int_member (day, "closed"), ==, e->day_closed[d]);
      g_assert_cmpint (json_object_get_int_member (day, "cancelled"), ==, e->day_cancelled[d]);
    }

  assert_durations (period, "dispatch_time_s", e->dispatch_s);
  assert_durations (period, "response_time_s", e->response_s);
}

/* ---- The server ---------------------------------------------------------------------------- */

typedef struct
{
  ServerFixture f;
  gint64        clock;          /* the repo's clock */
  char         *supervisor;
  char         *dispatcher;
} Stats;

static gint64
test_clock (gpointer user_data)
{
  return *(gint64 *) user_data;
}

static void
set_clock_in_server (ServerFixture *f,
                     gpointer       data)
{
  bs_repo_set_clock (f->repo, test_clock, data);
}

static void
stats_setup (Stats         *s,
             gconstpointer  data)
{
  server_fixture_setup (&s->f, NULL);
  s->clock = parse_time ("2026-03-18T15:30:00+08:00");
  server_fixture_call (&s->f, set_clock_in_server, &s->clock);
  s->supervisor = fixture_user_token (&s->f, "super1", BC_ROLE_SUPERVISOR, NULL);
  s->dispatcher = fixture_user_token (&s->f, "disp1", BC_ROLE_DISPATCHER, NULL);
}

static void
stats_teardown (Stats         *s,
                gconstpointer  data)
{
  g_free (s->supervisor);
  g_free (s->dispatcher);
  server_fixture_teardown (&s->f, data);
}

typedef struct
{
  guint   days;
  guint64 seed;
  gint64  end;
} SeedCall;

typedef struct
{
  BcIncidentType type;
  int            priority;
  const char    *district;
  gint64         id;
} CreateCall;

static void
create_in_server (ServerFixture *f,
                  gpointer       data)
{
  CreateCall *call = data;
  g_autoptr(BcIncident) draft = bc_incident_new ();
  g_autoptr(BcIncident) created = NULL;
  g_autoptr(GError) error = NULL;
  BsActor actor = { "disp1", BC_ROLE_DISPATCHER, "local" };

  bc_incident_set_incident_type (draft, call->type);
  bc_incident_set_priority (draft, call->priority);
  bc_incident_set_location (draft, JINGMEN_LAT, JINGMEN_LON);
  bc_incident_set_address (draft, "象山大道");
  bc_incident_set_district (draft, call->district);
  created = bs_repo_create_incident (f->repo, draft, &actor, &error);
  g_assert_no_error (error);
  call->id = bc_incident_get_id (created);
}

static gint64
live_create (Stats          *s,
             const char     *at,
             BcIncidentType  type,
             int             priority,
             const char     *district)
{
  CreateCall call = { type, priority, district, 0 };

  s->clock = parse_time (at);
  server_fixture_call (&s->f, create_in_server, &call);
  return call.id;
}

typedef struct
{
  gint64      incident;
  gint64      unit;
  const char *changes;
} ChangeCall;

static void
dispatch_in_server (ServerFixture *f,
                    gpointer       data)
{
  ChangeCall *call = data;
  g_autoptr(BcOrder) order = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_strdup_printf ("stats-%" G_GINT64_FORMAT, call->incident);
  BsActor actor = { "disp1", BC_ROLE_DISPATCHER, "local" };
  gboolean replayed;

  order = bs_repo_dispatch (f->repo, call->incident, &call->unit, 1, "前往处置", key, key,
                            &actor, &replayed, &error);
  g_assert_no_error (error);
}

static void
update_in_server (ServerFixture *f,
                  gpointer       data)
{
  ChangeCall *call = data;
  g_autoptr(BcIncident) current = NULL;
  g_autoptr(BcIncident) updated = NULL;
  g_autoptr(JsonNode) changes = NULL;
  g_autoptr(GError) error = NULL;
  BsActor actor = { "disp1", BC_ROLE_DISPATCHER, "local" };

  current = bs_repo_get_incident (f->repo, call->incident, &error);
  g_assert_no_error (error);
  changes = json_from_string (call->changes, &error);
  g_assert_no_error (error);
  updated = bs_repo_update_incident (f->repo, call->incident, bc_incident_get_version (current),
                                     json_node_get_object (changes), &actor, &error);
  g_assert_no_error (error);
}

static void
live_dispatch (Stats      *s,
               const char *at,
               gint64      incident,
               gint64      unit)
{
  ChangeCall call = { incident, unit, NULL };

  s->clock = parse_time (at);
  server_fixture_call (&s->f, dispatch_in_server, &call);
}

static void
live_update (Stats      *s,
             const char *at,
             gint64      incident,
             const char *changes)
{
  ChangeCall call = { incident, 0, changes };

  s->clock = parse_time (at);
  server_fixture_call (&s->f, update_in_server, &call);
}

static JsonObject *
get_summary (Stats      *s,
             const char *query,
             TestReply **out_reply)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/stats/summary?%s", query);
  TestReply *reply = fixture_http (&s->f, "GET", path, s->supervisor, NULL, NULL);

  assert_reply (reply, 200, NULL);
  *out_reply = reply;
  return test_reply_object (reply);
}

/* Compares one query's answer with the brute force over @rows. @end_date is the day of `end`
 * (the query may give it as a date or as a time on that day). */
static void
check_summary (Stats      *s,
               GArray     *rows,
               const char *query,
               guint       n_days,
               const char *end_date,
               gint64      until,
               const char *district,
               const char *type)
{
  g_autoptr(TestReply) reply = NULL;
  JsonObject *summary = get_summary (s, query, &reply);
  JsonObject *filter = json_object_get_object_member (summary, "filter");
  JsonObject *today = json_object_get_object_member (summary, "today");
  JsonObject *last_week = json_object_get_object_member (summary, "same_weekday_last_week");
  guint32 last = julian_of_date (end_date);
  gint64 midnight = local_midnight (last);
  gint64 week = 7 * G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC;
  gint64 n_today = 0, n_last_week = 0, n_last_week_day = 0;
  g_autofree char *last_week_date = date_of_julian (last - 7);
  Expected cur, prev;

  g_test_message ("summary?%s", query);

  expected_init (&cur, last - n_days + 1, last);
  expected_init (&prev, last - 2 * n_days + 1, last - n_days);
  compute_expected (rows, district, type, &cur);
  compute_expected (rows, district, type, &prev);
  assert_period (json_object_get_object_member (summary, "current"), &cur);
  assert_period (json_object_get_object_member (summary, "previous"), &prev);
  expected_clear (&cur);
  expected_clear (&prev);

  if (district == NULL)
    g_assert_true (json_object_get_null_member (filter, "district"));
  else
    g_assert_cmpstr (json_object_get_string_member (filter, "district"), ==, district);
  if (type == NULL)
    g_assert_true (json_object_get_null_member (filter, "type"));
  else
    g_assert_cmpstr (json_object_get_string_member (filter, "type"), ==, type);
  g_assert_cmpstr (json_object_get_string_member (summary, "timezone"), ==, "+08:00");

  until = CLAMP (until, midnight, local_midnight (last + 1));
  for (guint i = 0; i < rows->len; i++)
    {
      Raw *raw = &g_array_index (rows, Raw, i);

      if (!matches (raw, district, type))
        continue;
      n_today += raw->created_at >= midnight && raw->created_at < until;
      n_last_week += raw->created_at >= midnight - week && raw->created_at < until - week;
      n_last_week_day += raw->created_day == last - 7;
    }
  g_assert_cmpstr (json_object_get_string_member (today, "date"), ==, end_date);
  g_assert_cmpint (parse_time (json_object_get_string_member (today, "until")), ==, until);
  g_assert_cmpint (json_object_get_int_member (today, "count"), ==, n_today);
  g_assert_cmpstr (json_object_get_string_member (last_week, "date"), ==, last_week_date);
  g_assert_cmpint (json_object_get_int_member (last_week, "count"), ==, n_last_week);
  g_assert_cmpint (json_object_get_int_member (last_week, "full_day"), ==, n_last_week_day);
}

static void
check_live (Stats  *s,
            GArray *rows)
{
  g_autoptr(TestReply) reply = NULL;
  JsonObject *summary = get_summary (s, "period=day&end=2026-03-18", &reply);
  JsonObject *live = json_object_get_object_member (summary, "live");
  JsonObject *open = json_object_get_object_member (live, "open_by_priority");
  JsonObject *units = json_object_get_object_member (live, "units_by_status");
  gint64 expected[4] = { 0, };
  gint64 total = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      Raw *raw = &g_array_index (rows, Raw, i);
      if (raw->open)
        expected[raw->priority - 1]++, total++;
    }
  g_assert_cmpint (total, >, 0);
  g_assert_cmpint (json_object_get_int_member (live, "open_total"), ==, total);
  for (guint p = 0; p < 4; p++)
    {
      char key[2] = { (char) ('1' + p), 0 };
      g_assert_cmpint (json_object_get_int_member (open, key), ==, expected[p]);
    }
  for (guint st = 0; st <= BC_UNIT_STATUS_OFF_DUTY; st++)
    {
      const char *code = bc_unit_status_to_string ((BcUnitStatus) st);
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM units WHERE status = '%s'",
                                              code);
      g_assert_cmpint (json_object_get_int_member (units, code), ==, fixture_count (&s->f, sql));
    }
}

/* 60 days of seeded history, then live incidents through the repo: created, dispatched, on
 * scene, closed on the next day, re-typed and re-prioritised (moving between roll-up rows)
 * and cancelled. Every statistic of several periods and filters equals the brute force. */
static void
test_summary_brute_force (Stats         *s,
                          gconstpointer  data)
{
  SeedCall seed = { 60, 11, parse_time ("2026-03-18T12:00:00+08:00") };
  g_autoptr(GArray) rows = NULL;
  gint64 unit_a, unit_b, a, b, c, d;

  fixture_seed_history (&s->f, seed.days, seed.seed, seed.end);
  unit_a = fixture_add_unit (&s->f, "东宝巡01", JINGMEN_LAT, JINGMEN_LON);
  unit_b = fixture_add_unit (&s->f, "东宝巡02", JINGMEN_LAT, JINGMEN_LON);

  /* Closed the day after it was created: created and closed fall on different days. */
  a = live_create (s, "2026-03-16T23:40:00+08:00", BC_INCIDENT_TYPE_TRAFFIC, 2, "东宝区");
  live_dispatch (s, "2026-03-16T23:41:30+08:00", a, unit_a);
  live_update (s, "2026-03-16T23:52:10+08:00", a, "{\"status\":\"on_scene\"}");
  live_update (s, "2026-03-17T00:35:00+08:00", a,
               "{\"status\":\"closed\",\"disposition\":\"已处置\"}");

  /* Re-typed and re-prioritised after dispatch: it moves between rows of the roll-ups. */
  b = live_create (s, "2026-03-18T09:05:00+08:00", BC_INCIDENT_TYPE_OTHER, 4, "掇刀区");
  live_dispatch (s, "2026-03-18T09:09:00+08:00", b, unit_b);
  live_update (s, "2026-03-18T09:12:00+08:00", b, "{\"type\":\"criminal\",\"priority\":1}");
  live_update (s, "2026-03-18T09:20:00+08:00", b, "{\"status\":\"on_scene\"}");

  /* Cancelled before dispatch. */
  c = live_create (s, "2026-03-18T10:00:00+08:00", BC_INCIDENT_TYPE_DISPUTE, 3, "京山市");
  live_update (s, "2026-03-18T10:03:00+08:00", c, "{\"status\":\"cancelled\"}");

  /* Still new (open). */
  d = live_create (s, "2026-03-18T14:00:00+08:00", BC_INCIDENT_TYPE_FIRE, 1, "东宝区");
  g_assert_cmpint (d, >, 0);

  rows = load_raw (s->f.db_path);
  g_assert_cmpuint (rows->len, >, 40000);

  check_summary (s, rows, "period=day&end=2026-03-18", 1, "2026-03-18",
                 local_midnight (julian_of_date ("2026-03-19")), NULL, NULL);
  check_summary (s, rows, "period=day&end=2026-03-17T08:00:00%2B08:00", 1, "2026-03-17",
                 parse_time ("2026-03-17T08:00:00+08:00"), NULL, NULL);
  check_summary (s, rows, "period=week&end=2026-03-18T15:30:00Z", 7, "2026-03-18",
                 parse_time ("2026-03-18T15:30:00Z"), NULL, NULL);
  check_summary (s, rows, "period=month&end=2026-03-18", 30, "2026-03-18",
                 local_midnight (julian_of_date ("2026-03-19")), NULL, NULL);
  check_summary (s, rows, "period=quarter&end=2026-03-18", 90, "2026-03-18",
                 local_midnight (julian_of_date ("2026-03-19")), NULL, NULL);
  check_summary (s, rows, "period=week&end=2026-03-18&district=%E4%B8%9C%E5%AE%9D%E5%8C%BA", 7,
                 "2026-03-18", local_midnight (julian_of_date ("2026-03-19")), "东宝区", NULL);
  check_summary (s, rows, "period=month&end=2026-03-18&type=criminal", 30, "2026-03-18",
                 local_midnight (julian_of_date ("2026-03-19")), NULL, "criminal");
  check_summary (s, rows,
                 "period=week&end=2026-03-18&type=dispute&district=%E4%BA%AC%E5%B1%B1%E5%B8%82",
                 7, "2026-03-18", local_midnight (julian_of_date ("2026-03-19")), "京山市",
                 "dispute");
  check_summary (s, rows, "period=custom&start=2026-02-01&end=2026-02-28", 28, "2026-02-28",
                 local_midnight (julian_of_date ("2026-03-01")), NULL, NULL);
  check_summary (s, rows, "period=custom&start=2026-03-10T23:00:00%2B08:00&end=2026-03-16", 7,
                 "2026-03-16", local_midnight (julian_of_date ("2026-03-17")), NULL, NULL);

  check_live (s, rows);
}

/* An incident at 23:59:59.999 local time belongs to that day, one at 00:00:00 to the next, in
 * periods, hours, "today" and `end` given as a date or as an instant in UTC. */
static void
test_summary_day_boundary (Stats         *s,
                           gconstpointer  data)
{
  g_autoptr(TestReply) r1 = NULL;
  g_autoptr(TestReply) r2 = NULL;
  g_autoptr(TestReply) r3 = NULL;
  g_autoptr(TestReply) r4 = NULL;
  g_autoptr(TestReply) r5 = NULL;
  g_autoptr(TestReply) r6 = NULL;
  JsonObject *day17, *day18, *week, *instant17, *instant18, *today;
  JsonArray *by_day;

  live_create (s, "2026-03-17T23:59:59.999+08:00", BC_INCIDENT_TYPE_TRAFFIC, 2, "东宝区");
  live_create (s, "2026-03-18T00:00:00+08:00", BC_INCIDENT_TYPE_TRAFFIC, 2, "东宝区");

  day17 = json_object_get_object_member (get_summary (s, "period=day&end=2026-03-17", &r1),
                                         "current");
  day18 = get_summary (s, "period=day&end=2026-03-18", &r2);
  week = json_object_get_object_member (get_summary (s, "period=week&end=2026-03-18", &r3),
                                        "current");
  instant17 = json_object_get_object_member (get_summary (s, "end=2026-03-17T15:59:59.999Z", &r4),
                                             "current");
  instant18 = json_object_get_object_member (get_summary (s, "end=2026-03-17T16:00:00Z", &r5),
                                             "current");
  today = json_object_get_object_member (get_summary (s, "end=2026-03-18T00:00:00.001%2B08:00",
                                                      &r6),
                                         "today");

  g_assert_cmpint (json_object_get_int_member (day17, "total"), ==, 1);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (day17, "by_hour"),
                                               23), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (day18, "current"),
                                               "total"), ==, 1);
  g_assert_cmpint (json_array_get_int_element (
                     json_object_get_array_member (json_object_get_object_member (day18,
                                                                                  "current"),
                                                   "by_hour"), 0), ==, 1);
  /* The day before is the previous period of a day. */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (day18, "previous"),
                                               "total"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (day18,
                                                                                 "current"),
                                                  "start"), ==, "2026-03-17T16:00:00.000Z");

  by_day = json_object_get_array_member (week, "by_day");
  g_assert_cmpint (json_object_get_int_member (week, "total"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (by_day, 5),
                                                  "date"), ==, "2026-03-17");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (by_day, 5),
                                               "total"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (by_day, 6),
                                               "total"), ==, 1);

  g_assert_cmpstr (json_object_get_string_member (instant17, "first_day"), ==, "2026-03-17");
  g_assert_cmpint (json_object_get_int_member (instant17, "total"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (instant18, "first_day"), ==, "2026-03-18");
  g_assert_cmpint (json_object_get_int_member (instant18, "total"), ==, 1);

  /* "today" counts up to `end`: the incident at 00:00:00.000 is in, the day before is not. */
  g_assert_cmpstr (json_object_get_string_member (today, "date"), ==, "2026-03-18");
  g_assert_cmpint (json_object_get_int_member (today, "count"), ==, 1);
}

static void
test_summary_bad_parameters (Stats         *s,
                             gconstpointer  data)
{
  static const struct
  {
    const char *query;
    guint       status;
    const char *code;
  } cases[] = {
    { "period=year", 400, "invalid_parameter" },
    { "period=", 400, "invalid_parameter" },
    { "period=day&end=yesterday", 400, "invalid_parameter" },
    { "period=day&end=2026-02-30", 400, "invalid_parameter" },
    { "period=day&end=2026-3-1", 400, "invalid_parameter" },
    { "period=day&end=1999-12-31", 422, "invalid_value" },
    { "period=day&end=2100-01-01T00:00:00Z", 422, "invalid_value" },
    { "period=custom&end=2026-03-01", 400, "invalid_parameter" },
    { "period=week&start=2026-03-01", 400, "invalid_parameter" },
    { "period=custom&start=2026-03-10&end=2026-03-01", 422, "invalid_value" },
    { "period=custom&start=2025-01-01&end=2026-03-01", 422, "invalid_value" },
    { "period=custom&start=soon&end=2026-03-01", 400, "invalid_parameter" },
    { "type=arson", 400, "invalid_parameter" },
    { "district=", 400, "invalid_parameter" },
    { "district=012345678901234567890123456789012", 400, "invalid_parameter" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/stats/summary?%s", cases[i].query);
      g_autoptr(TestReply) reply = fixture_http (&s->f, "GET", path, s->supervisor, NULL, NULL);
      JsonObject *error;

      g_test_message ("%s", path);
      assert_reply (reply, cases[i].status, cases[i].code);
      error = json_object_get_object_member (test_reply_object (reply), "error");
      g_assert_true (json_object_has_member (error, "code"));
      g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), >, 0);
    }

  /* The longest custom period is fine; so is no parameter at all (today). */
  {
    g_autoptr(TestReply) longest = fixture_http (&s->f, "GET",
      "/api/v1/stats/summary?period=custom&start=2025-03-02&end=2026-03-02", s->supervisor,
      NULL, NULL);
    g_autoptr(TestReply) bare = fixture_http (&s->f, "GET", "/api/v1/stats/summary",
                                              s->supervisor, NULL, NULL);

    assert_reply (longest, 200, NULL);
    g_assert_cmpint (json_object_get_int_member (
                       json_object_get_object_member (test_reply_object (longest), "current"),
                       "days"), ==, 366);
    assert_reply (bare, 200, NULL);
    g_assert_cmpstr (json_object_get_string_member (test_reply_object (bare), "period"), ==,
                     "day");
  }
}

static void
test_summary_roles (Stats         *s,
                    gconstpointer  data)
{
  static const struct
  {
    BcRole  role;
    guint   status;
  } cases[] = {
    { BC_ROLE_SUPERVISOR, 200 },
    { BC_ROLE_DISPATCHER, 200 },
    { BC_ROLE_TRAINER, 200 },
    { BC_ROLE_ADMIN, 200 },
    { BC_ROLE_UNIT, 403 },
  };
  g_autoptr(TestReply) none = NULL;

  fixture_add_unit (&s->f, "东宝巡01", JINGMEN_LAT, JINGMEN_LON);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("role-%s", bc_role_to_string (cases[i].role));
      g_autofree char *token = fixture_user_token (&s->f, name, cases[i].role,
                                                   cases[i].role == BC_ROLE_UNIT ? "东宝巡01"
                                                                                 : NULL);
      g_autoptr(TestReply) reply = fixture_http (&s->f, "GET",
                                                 "/api/v1/stats/summary?period=week", token,
                                                 NULL, NULL);

      assert_reply (reply, cases[i].status, cases[i].status == 403 ? "forbidden" : NULL);
    }

  none = fixture_http (&s->f, "GET", "/api/v1/stats/summary?period=week", NULL, NULL, NULL);
  assert_reply (none, 401, "unauthorized");
}

/* ---- The console's decoder (BcStatsSummary) ---------------------------------------------- */

static void
assert_period_equals_json (const BcStatsPeriodFigures *figures,
                           JsonObject                 *json)
{
  JsonObject *by_type = json_object_get_object_member (json, "by_type");
  JsonObject *by_priority = json_object_get_object_member (json, "by_priority");
  JsonObject *by_district = json_object_get_object_member (json, "by_district");
  JsonArray *by_hour = json_object_get_array_member (json, "by_hour");
  JsonArray *by_day = json_object_get_array_member (json, "by_day");
  const char *durations[] = { "dispatch_time_s", "response_time_s" };
  const BcStatsDuration *decoded[] = { &figures->dispatch_time, &figures->response_time };
  gint64 district_sum = 0;

  g_assert_cmpstr (figures->first_day, ==, json_object_get_string_member (json, "first_day"));
  g_assert_cmpstr (figures->last_day, ==, json_object_get_string_member (json, "last_day"));
  g_assert_cmpuint (figures->days, ==, json_object_get_int_member (json, "days"));
  g_assert_cmpint (figures->total, ==, json_object_get_int_member (json, "total"));
  g_assert_cmpint (figures->closed, ==, json_object_get_int_member (json, "closed"));
  g_assert_cmpint (figures->cancelled, ==, json_object_get_int_member (json, "cancelled"));
  for (guint i = 0; i < BC_STATS_N_TYPES; i++)
    g_assert_cmpint (figures->by_type[i], ==,
                     json_object_get_int_member (by_type,
                                                 bc_incident_type_to_string ((BcIncidentType) i)));
  for (guint p = 0; p < BC_STATS_N_PRIORITIES; p++)
    {
      char key[2] = { (char) ('1' + p), 0 };
      g_assert_cmpint (figures->by_priority[p], ==, json_object_get_int_member (by_priority, key));
    }
  for (guint h = 0; h < 24; h++)
    g_assert_cmpint (figures->by_hour[h], ==, json_array_get_int_element (by_hour, h));

  g_assert_cmpuint (figures->by_district->len, ==, json_object_get_size (by_district));
  for (guint i = 0; i < figures->by_district->len; i++)
    {
      const BcStatsDistrictCount *entry = &g_array_index (figures->by_district,
                                                          BcStatsDistrictCount, i);
      g_assert_cmpint (entry->count, ==, json_object_get_int_member (by_district, entry->district));
      if (i > 0)
        g_assert_cmpint (entry->count, <=, g_array_index (figures->by_district,
                                                          BcStatsDistrictCount, i - 1).count);
      district_sum += entry->count;
    }
  g_assert_cmpint (district_sum, ==, figures->total);

  g_assert_cmpuint (figures->by_day->len, ==, json_array_get_length (by_day));
  for (guint i = 0; i < figures->by_day->len; i++)
    {
      const BcStatsDay *day = &g_array_index (figures->by_day, BcStatsDay, i);
      JsonObject *expected = json_array_get_object_element (by_day, i);

      g_assert_cmpstr (day->date, ==, json_object_get_string_member (expected, "date"));
      g_assert_cmpint (day->total, ==, json_object_get_int_member (expected, "total"));
      g_assert_cmpint (day->closed, ==, json_object_get_int_member (expected, "closed"));
      g_assert_cmpint (day->cancelled, ==, json_object_get_int_member (expected, "cancelled"));
    }

  for (guint i = 0; i < G_N_ELEMENTS (durations); i++)
    {
      JsonObject *expected = json_object_get_object_member (json, durations[i]);

      g_assert_cmpint (decoded[i]->count, ==, json_object_get_int_member (expected, "count"));
      if (json_object_get_null_member (expected, "p50"))
        g_assert_cmpfloat (decoded[i]->p50, <, 0);
      else
        g_assert_cmpfloat (decoded[i]->p50, ==, json_object_get_double_member (expected, "p50"));
      if (json_object_get_null_member (expected, "p90"))
        g_assert_cmpfloat (decoded[i]->p90, <, 0);
      else
        g_assert_cmpfloat (decoded[i]->p90, ==, json_object_get_double_member (expected, "p90"));
    }
}

static void
assert_summary_equals_json (const BcStatsSummary *summary,
                            JsonObject           *json)
{
  JsonObject *filter = json_object_get_object_member (json, "filter");
  JsonObject *today = json_object_get_object_member (json, "today");
  JsonObject *last_week = json_object_get_object_member (json, "same_weekday_last_week");
  JsonObject *live = json_object_get_object_member (json, "live");
  JsonObject *open = json_object_get_object_member (live, "open_by_priority");
  JsonObject *units = json_object_get_object_member (live, "units_by_status");

  g_assert_cmpstr (bc_stats_period_to_string (summary->period), ==,
                   json_object_get_string_member (json, "period"));
  g_assert_cmpstr (summary->district, ==, json_object_get_string_member_with_default (
                                            filter, "district", NULL));
  g_assert_cmpstr (summary->type, ==, json_object_get_string_member_with_default (
                                        filter, "type", NULL));
  assert_period_equals_json (&summary->current, json_object_get_object_member (json, "current"));
  assert_period_equals_json (&summary->previous,
                             json_object_get_object_member (json, "previous"));
  g_assert_cmpstr (summary->today_date, ==, json_object_get_string_member (today, "date"));
  g_assert_cmpint (summary->today_count, ==, json_object_get_int_member (today, "count"));
  g_assert_cmpstr (summary->last_week_date, ==, json_object_get_string_member (last_week, "date"));
  g_assert_cmpint (summary->last_week_count, ==, json_object_get_int_member (last_week, "count"));
  g_assert_cmpint (summary->last_week_full_day, ==,
                   json_object_get_int_member (last_week, "full_day"));
  g_assert_cmpint (summary->open_total, ==, json_object_get_int_member (live, "open_total"));
  for (guint p = 0; p < BC_STATS_N_PRIORITIES; p++)
    {
      char key[2] = { (char) ('1' + p), 0 };
      g_assert_cmpint (summary->open_by_priority[p], ==, json_object_get_int_member (open, key));
    }
  for (guint i = 0; i < BC_STATS_N_STATUSES; i++)
    g_assert_cmpint (summary->units_by_status[i], ==,
                     json_object_get_int_member (units,
                                                 bc_unit_status_to_string ((BcUnitStatus) i)));
}

static void
store_async_result (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* What the console's client decodes is exactly what the server answered, for every query the
 * wall and the analysis view make (periods, filters, a custom range); the query string the
 * client builds escapes Chinese district names. */
static void
test_client_summary_decodes (Stats         *s,
                             gconstpointer  data)
{
  SeedCall seed = { 120, 5, parse_time ("2026-03-18T12:00:00+08:00") };
  static const BcStatsQuery queries[] = {
    { BC_STATS_PERIOD_WEEK, NULL, "2026-03-18", NULL, NULL },
    { BC_STATS_PERIOD_MONTH, NULL, "2026-03-18", "东宝区", NULL },
    { BC_STATS_PERIOD_QUARTER, NULL, "2026-03-18", NULL, "traffic" },
    { BC_STATS_PERIOD_CUSTOM, "2026-01-01", "2026-02-15", "京山市", "dispute" },
    { BC_STATS_PERIOD_DAY, NULL, NULL, NULL, NULL },
  };
  g_autoptr(BcClient) client = NULL;
  gint64 unit = fixture_add_unit (&s->f, "东宝巡01", JINGMEN_LAT, JINGMEN_LON);

  g_assert_cmpint (unit, >, 0);
  fixture_seed_history (&s->f, seed.days, seed.seed, seed.end);
  live_create (s, "2026-03-18T14:00:00+08:00", BC_INCIDENT_TYPE_FIRE, 1, "东宝区");

  client = bc_client_new (s->f.base_uri, NULL);
  bc_client_set_token (client, "super1", s->supervisor);

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(BcStatsSummary) summary = NULL;
      g_autoptr(TestReply) reply = NULL;
      g_autofree char *query = bc_stats_query_to_string (&queries[i]);
      JsonObject *json = get_summary (s, query, &reply);

      bc_client_stats_summary_async (client, &queries[i], NULL, store_async_result, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      summary = bc_client_stats_summary_finish (client, result, &error);
      g_assert_no_error (error);
      g_assert_nonnull (summary);
      g_test_message ("query %s: %" G_GINT64_FORMAT " incidents", query, summary->current.total);
      g_assert_cmpint (summary->current.total, >, 0);
      g_assert_cmpstr (summary->district, ==, queries[i].district);
      assert_summary_equals_json (summary, json);
    }
}

/* Replaces or removes the member at a dotted path (array indexes as numbers). */
static void
edit_member (JsonNode   *root,
             const char *path,
             JsonNode   *value)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = root;
  guint n = g_strv_length (parts);

  for (guint i = 0; i + 1 < n; i++)
    {
      if (JSON_NODE_HOLDS_ARRAY (node))
        node = json_array_get_element (json_node_get_array (node),
                                       (guint) g_ascii_strtoull (parts[i], NULL, 10));
      else
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      g_assert_nonnull (node);
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint index = (guint) g_ascii_strtoull (parts[n - 1], NULL, 10);

      if (value == NULL)
        json_array_remove_element (array, index);
      else
        {
          /* json-glib 1.6 has no "replace element": rebuild the array. */
          JsonArray *copy = json_array_new ();
          for (guint i = 0; i < json_array_get_length (array); i++)
            json_array_add_element (copy, i == index ? value
                                                     : json_node_copy (json_array_get_element (array, i)));
          json_node_take_array (node, copy);
        }
    }
  else if (value == NULL)
    json_object_remove_member (json_node_get_object (node), parts[n - 1]);
  else
    json_object_set_member (json_node_get_object (node), parts[n - 1], value);
}

/* A damaged answer is refused with the path of the damage, never shown as wrong numbers. */
static void
test_client_summary_rejects_damage (Stats         *s,
                                    gconstpointer  data)
{
  static const struct
  {
    const char *path;
    const char *value;      /* JSON, or NULL to remove the member */
    int         code;
    const char *message_prefix;
  } cases[] = {
    { "period", "\"fortnight\"", BC_MODEL_ERROR_UNKNOWN_VALUE, "period" },
    { "current.total", "-1", BC_MODEL_ERROR_OUT_OF_RANGE, "current.total" },
    { "current.total", "\"12\"", BC_MODEL_ERROR_WRONG_TYPE, "current.total" },
    { "previous.by_type.fire", NULL, BC_MODEL_ERROR_MISSING_FIELD, "previous.by_type.fire" },
    { "current.by_priority.4", NULL, BC_MODEL_ERROR_MISSING_FIELD, "current.by_priority.4" },
    { "current.by_hour.23", NULL, BC_MODEL_ERROR_OUT_OF_RANGE, "current.by_hour" },
    { "current.by_hour.5", "-3", BC_MODEL_ERROR_OUT_OF_RANGE, "current.by_hour[5]" },
    { "current.by_day.3", NULL, BC_MODEL_ERROR_OUT_OF_RANGE, "current.by_day" },
    { "current.by_day.2.date", "\"2026-03-01\"", BC_MODEL_ERROR_OUT_OF_RANGE,
      "current.by_day[2].date" },
    { "current.by_day.1.date", "\"2026-02-30\"", BC_MODEL_ERROR_INVALID_FORMAT,
      "current.by_day[1].date" },
    { "current.days", "0", BC_MODEL_ERROR_OUT_OF_RANGE, "current.days" },
    { "current.dispatch_time_s.p50", "null", BC_MODEL_ERROR_MISSING_FIELD,
      "current.dispatch_time_s.p50" },
    { "current.by_district.东宝区", "-5", BC_MODEL_ERROR_OUT_OF_RANGE, "current.by_district" },
    { "today.date", "\"2026/03/18\"", BC_MODEL_ERROR_INVALID_FORMAT, "today.date" },
    { "live.units_by_status.off_duty", NULL, BC_MODEL_ERROR_MISSING_FIELD,
      "live.units_by_status.off_duty" },
    { "live", "[]", BC_MODEL_ERROR_WRONG_TYPE, "live" },
  };
  SeedCall seed = { 30, 9, parse_time ("2026-03-18T12:00:00+08:00") };
  g_autoptr(TestReply) reply = NULL;
  g_autoptr(BcStatsSummary) intact = NULL;
  g_autoptr(GError) intact_error = NULL;

  fixture_seed_history (&s->f, seed.days, seed.seed, seed.end);
  get_summary (s, "period=week&end=2026-03-18", &reply);
  intact = bc_stats_summary_from_json (reply->json, &intact_error);
  g_assert_no_error (intact_error);
  g_assert_cmpfloat (intact->current.dispatch_time.p50, >, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* json_node_copy() shares the objects: a deep copy goes through the text. */
      g_autofree char *text = json_to_string (reply->json, FALSE);
      g_autoptr(JsonNode) document = test_parse_json (text, strlen (text));
      g_autoptr(GError) error = NULL;
      g_autoptr(BcStatsSummary) summary = NULL;
      JsonNode *value = NULL;

      if (cases[i].value != NULL)
        {
          value = test_parse_json (cases[i].value, strlen (cases[i].value));
          g_assert_nonnull (value);
        }
      edit_member (document, cases[i].path, value);
      summary = bc_stats_summary_from_json (document, &error);
      g_test_message ("%s → %s", cases[i].path, error != NULL ? error->message : "accepted");
      g_assert_null (summary);
      g_assert_error (error, BC_MODEL_ERROR, cases[i].code);
      g_assert_true (g_str_has_prefix (error->message, cases[i].message_prefix));
    }
}

/* ---- Roll-ups without a server ------------------------------------------------------------- */

typedef struct
{
  char *dir;
  char *path;
} Db;

static void
db_setup (Db            *db,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  db->dir = g_dir_make_tmp ("beacon-stats-XXXXXX", &error);
  g_assert_no_error (error);
  db->path = g_build_filename (db->dir, "beacon.db", NULL);
}

static void
db_teardown (Db            *db,
             gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (db->path, suffixes[i], NULL);
      g_remove (file);
    }
  g_rmdir (db->dir);
  g_free (db->path);
  g_free (db->dir);
}

/* A JSON object of counts, its entries sorted by key, zeros left out. */
static char *
normal_counts (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (text, &error);
  g_autoptr(GString) out = g_string_new (NULL);
  gint64 counts[BS_STATS_N_BUCKETS] = { 0, };
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  g_assert_no_error (error);
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value))
    {
      guint64 index;

      g_assert_true (g_ascii_string_to_unsigned (key, 10, 0, BS_STATS_N_BUCKETS - 1, &index,
                                                 NULL));
      counts[index] += json_node_get_int (value);
    }
  for (guint i = 0; i < BS_STATS_N_BUCKETS; i++)
    {
      g_assert_cmpint (counts[i], >=, 0);
      if (counts[i] != 0)
        g_string_append_printf (out, "%u:%" G_GINT64_FORMAT ",", i, counts[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* stats_daily as sorted text lines, rows of zeros left out. */
static char *
dump_rollups (BcStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  stmt = bc_store_prepare (store,
                           "SELECT day, district, type, created, p1, p2, p3, p4, closed, "
                           "  cancelled, hours, dispatch, response FROM stats_daily "
                           "WHERE created != 0 OR closed != 0 OR cancelled != 0 "
                           "ORDER BY day, district, type",
                           &error);
  g_assert_no_error (error);
  while (bc_store_step (store, stmt, &error) == SQLITE_ROW)
    {
      g_autofree char *hours = normal_counts ((const char *) sqlite3_column_text (stmt, 10));
      g_autofree char *dispatch = normal_counts ((const char *) sqlite3_column_text (stmt, 11));
      g_autofree char *response = normal_counts ((const char *) sqlite3_column_text (stmt, 12));

      g_string_append_printf (out, "%" G_GINT64_FORMAT " %s %s",
                              (gint64) sqlite3_column_int64 (stmt, 0),
                              sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2));
      for (int c = 3; c <= 9; c++)
        g_string_append_printf (out, " %" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, c));
      g_string_append_printf (out, " h%s d%s r%s\n", hours, dispatch, response);
    }
  g_assert_no_error (error);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The roll-ups recomputed from scratch through the triggers' own views (what migration 3's
 * backfill does). */
static char *
dump_rebuilt (BcStore *store)
{
  g_autoptr(GError) error = NULL;
  char *dump;

  g_assert_true (bc_store_exec (store,
                                "SAVEPOINT rebuild;"
                                "DELETE FROM stats_daily;"
                                "INSERT INTO stats_delta SELECT 1, created_at, dispatched_at, "
                                "  on_scene_at, closed_at, cancelled_at, district, type, priority "
                                "  FROM incidents;",
                                &error));
  g_assert_no_error (error);
  dump = dump_rollups (store);
  g_assert_true (bc_store_exec (store, "ROLLBACK TO rebuild; RELEASE rebuild;", &error));
  g_assert_no_error (error);
  return dump;
}

static const BcStoreSchema *
server_schema_v2 (void)
{
  static BcStoreSchema v2;

  v2 = *bc_server_schema ();
  g_assert_cmpuint (v2.n_migrations, >=, 3);
  v2.n_migrations = 2;
  return &v2;
}

/* A deterministic mix of incidents written with plain SQL (as an import or an older version
 * would): open, dispatched, closed on later days, cancelled, negative and day-long durations,
 * no district, all types and priorities. */
static void
insert_raw_incidents (BcStore *store,
                      guint    n,
                      guint32  seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;
  static const char *const districts[] = { "东宝区", "掇刀区", "京山市", "", "沙洋县" };
  gint64 base = parse_time ("2026-01-10T00:00:00+08:00");

  g_assert_true (bc_store_begin (store, &error));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BcStmt) stmt = NULL;
      g_autofree char *number = g_strdup_printf ("JQ20260110%04u", i + 1);
      gint64 created = base + g_rand_int_range (rand, 0, 20 * 86400) * G_GINT64_CONSTANT (1000000) +
                       g_rand_int_range (rand, 0, 1000000);
      int kind = g_rand_int_range (rand, 0, 6);
      gint64 dispatched = 0, on_scene = 0, closed = 0, cancelled = 0;
      const char *status = "new";

      if (kind >= 1)
        dispatched = created + g_rand_int_range (rand, -3, 2000) * G_GINT64_CONSTANT (1000000),
        status = "dispatched";
      if (kind >= 2)
        on_scene = dispatched + g_rand_int_range (rand, 0, kind == 5 ? 200000 : 3000) *
                                G_GINT64_CONSTANT (1000000),
        status = "on_scene";
      if (kind >= 3)
        closed = on_scene + g_rand_int_range (rand, 60, 2 * 86400) * G_GINT64_CONSTANT (1000000),
        status = "closed";
      if (kind == 0 && g_rand_boolean (rand))
        cancelled = created + g_rand_int_range (rand, 10, 90000) * G_GINT64_CONSTANT (1000000),
        status = "cancelled";

      stmt = bc_store_prepare (store,
                               "INSERT INTO incidents (number, type, priority, status, lat, lon, "
                               "  district, created_at, dispatched_at, on_scene_at, closed_at, "
                               "  cancelled_at, updated_at) "
                               "VALUES (?1, ?2, ?3, ?4, 31.03, 112.2, ?5, ?6, ?7, ?8, ?9, ?10, ?6)",
                               &error);
      g_assert_no_error (error);
      sqlite3_bind_text (stmt, 1, number, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, bc_incident_type_to_string (g_rand_int_range (rand, 0, 8)), -1,
                         SQLITE_STATIC);
      sqlite3_bind_int (stmt, 3, g_rand_int_range (rand, 1, 5));
      sqlite3_bind_text (stmt, 4, status, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, districts[g_rand_int_range (rand, 0, 5)], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 6, created);
#define BIND_TIME(i, t) ((t) != 0 ? sqlite3_bind_int64 (stmt, i, t) : sqlite3_bind_null (stmt, i))
      BIND_TIME (7, dispatched);
      BIND_TIME (8, on_scene);
      BIND_TIME (9, closed);
      BIND_TIME (10, cancelled);
#undef BIND_TIME
      g_assert_true (bc_store_step_done (store, stmt, &error));
      g_assert_no_error (error);
    }
  g_assert_true (bc_store_commit (store, &error));
  g_assert_no_error (error);
}

/* Migration 3 on a version 2 database with incidents fills the roll-ups exactly as the
 * triggers do when the same incidents are written afterwards. */
static void
test_migration_backfill (Db            *db,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *trigger_path = g_build_filename (db->dir, "triggers.db", NULL);
  g_autofree char *backfilled = NULL;
  g_autofree char *maintained = NULL;
  const char *suffixes[] = { "", "-wal", "-shm" };

  {
    g_autoptr(BcStore) v2 = bc_store_open (db->path, server_schema_v2 (), &error);

    g_assert_no_error (error);
    g_assert_cmpuint (bc_store_get_schema_version (v2), ==, 2);
    insert_raw_incidents (v2, 3000, 5);
  }

  {
    g_autoptr(BcStore) v3 = bc_store_open (db->path, bc_server_schema (), &error);

    g_assert_no_error (error);
    g_assert_cmpuint (bc_store_get_schema_version (v3), ==, 3);
    backfilled = dump_rollups (v3);
  }

  {
    g_autoptr(BcStore) fresh = bc_store_open (trigger_path, bc_server_schema (), &error);

    g_assert_no_error (error);
    insert_raw_incidents (fresh, 3000, 5);
    maintained = dump_rollups (fresh);
  }

  g_assert_cmpuint (strlen (backfilled), >, 1000);
  g_assert_cmpstr (backfilled, ==, maintained);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (trigger_path, suffixes[i], NULL);
      g_remove (file);
    }
}

/* Updates of every counted column and deletes keep the roll-ups equal to a rebuild; when the
 * incidents are gone so are the rows. */
static void
test_triggers_follow_updates (Db            *db,
                              gconstpointer  data)
{
  static const char *const updates[] = {
    "UPDATE incidents SET type = 'fire' WHERE id % 7 = 0",
    "UPDATE incidents SET priority = 1 + (priority % 4) WHERE id % 5 = 1",
    "UPDATE incidents SET district = '钟祥市' WHERE id % 9 = 2",
    "UPDATE incidents SET created_at = created_at - 43200000000 WHERE id % 11 = 3",
    "UPDATE incidents SET dispatched_at = created_at + 61000000 WHERE dispatched_at IS NULL "
    "  AND id % 3 = 0",
    "UPDATE incidents SET on_scene_at = NULL WHERE id % 13 = 4",
    "UPDATE incidents SET closed_at = closed_at + 86400000000 WHERE closed_at IS NOT NULL "
    "  AND id % 4 = 1",
    "UPDATE incidents SET status = 'cancelled', cancelled_at = created_at + 5000000 "
    "  WHERE status = 'new' AND cancelled_at IS NULL AND id % 2 = 0",
    /* Touches no counted column: nothing moves. */
    "UPDATE incidents SET description = 'x', version = version + 1",
    "DELETE FROM incidents WHERE id % 17 = 0",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (db->path, bc_server_schema (), &error);

  g_assert_no_error (error);
  insert_raw_incidents (store, 1500, 9);

  for (guint i = 0; i < G_N_ELEMENTS (updates); i++)
    {
      g_autofree char *maintained = NULL;
      g_autofree char *rebuilt = NULL;

      g_test_message ("%s", updates[i]);
      g_assert_true (bc_store_exec (store, updates[i], &error));
      g_assert_no_error (error);
      maintained = dump_rollups (store);
      rebuilt = dump_rebuilt (store);
      g_assert_cmpstr (maintained, ==, rebuilt);
    }

  g_assert_true (bc_store_exec (store, "DELETE FROM incidents", &error));
  g_assert_no_error (error);
  {
    g_autoptr(BcStmt) stmt = bc_store_prepare (store, "SELECT count(*) FROM stats_daily", &error);

    g_assert_cmpint (bc_store_step (store, stmt, &error), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 0);
  }
}

static gint64
query_int (BcStore    *store,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = bc_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (bc_store_step (store, stmt, &error), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static char *
query_text (BcStore    *store,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = bc_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  g_assert_cmpint (bc_store_step (store, stmt, &error), ==, SQLITE_ROW);
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

/* The seeder writes its roll-ups itself (the trigger is suspended for the bulk insert): they
 * equal what the triggers make of the same incidents, also when history is added on top of
 * existing incidents and roll-ups, and the trigger is back afterwards. */
static void
test_seeded_rollups_equal_triggers (Db            *db,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (db->path, bc_server_schema (), &error);
  g_autofree char *seeded = NULL;
  g_autofree char *rebuilt = NULL;
  g_autofree char *trigger_before = NULL;
  g_autofree char *trigger_after = NULL;
  BsHistoryOptions options = { 0, };
  guint64 n = 0;

  g_assert_no_error (error);
  trigger_before = query_text (store, "SELECT sql FROM sqlite_schema "
                                      "WHERE name = 'incidents_stats_insert'");
  insert_raw_incidents (store, 800, 3);

  options.days = 20;
  options.seed = 99;
  options.end = parse_time ("2026-01-25T10:00:00+08:00");
  options.scale = 0.5;
  g_assert_true (bs_history_seed_full (store, &options, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, >, 5000);

  seeded = dump_rollups (store);
  rebuilt = dump_rebuilt (store);
  g_assert_cmpstr (seeded, ==, rebuilt);

  trigger_after = query_text (store, "SELECT sql FROM sqlite_schema "
                                     "WHERE name = 'incidents_stats_insert'");
  g_assert_cmpstr (trigger_before, ==, trigger_after);
}

/* ---- Buckets and percentiles --------------------------------------------------------------- */

static void
test_buckets (void)
{
  static const struct
  {
    gint64 seconds;
    guint  bucket;
  } cases[] = {
    { -30, 0 }, { 0, 0 }, { 4, 0 }, { 5, 1 }, { 59, 11 }, { 60, 12 }, { 299, 35 }, { 300, 36 },
    { 899, 55 }, { 900, 56 }, { 1799, 70 }, { 1800, 71 }, { 3599, 76 }, { 3600, 77 },
    { 14399, 82 }, { 14400, 83 }, { 86399, 92 }, { 86400, 93 }, { 10000000, 93 },
  };
  gint64 expected_lo = 0;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (bs_stats_duration_bucket (cases[i].seconds), ==, cases[i].bucket);

  /* Contiguous, each value in its own bucket's range, the documented widths. */
  for (guint b = 0; b < BS_STATS_N_BUCKETS; b++)
    {
      gint64 lo, hi;

      bs_stats_bucket_range (b, &lo, &hi);
      g_assert_cmpint (lo, ==, expected_lo);
      g_assert_cmpuint (bs_stats_duration_bucket (lo), ==, b);
      if (b == BS_STATS_N_BUCKETS - 1)
        {
          g_assert_cmpint (hi, ==, G_MAXINT64);
          break;
        }
      g_assert_cmpuint (bs_stats_duration_bucket (hi - 1), ==, b);
      g_assert_cmpint (hi - lo, ==, lo < 60 ? 5 : lo < 300 ? 10 : lo < 900 ? 30 : lo < 1800 ? 60 :
                                    lo < 3600 ? 300 : lo < 14400 ? 1800 : 7200);
      expected_lo = hi;
    }
}

static void
check_sql_bucket (BcStore *store,
                  gint64   s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = NULL;
  g_autofree char *dispatch = NULL;
  g_autofree char *expected = g_strdup_printf ("{\"%u\":1}", bs_stats_duration_bucket (s));
  gint64 created = parse_time ("2026-01-10T08:00:00+08:00");

  g_assert_true (bc_store_exec (store, "DELETE FROM incidents", &error));
  stmt = bc_store_prepare (store,
                           "INSERT INTO incidents (number, type, priority, lat, lon, "
                           "  created_at, dispatched_at, updated_at) "
                           "VALUES ('JQ202601100001', 'fire', 1, 31, 112, ?1, ?2, ?1)",
                           &error);
  g_assert_no_error (error);
  sqlite3_bind_int64 (stmt, 1, created);
  /* Half a second more: durations are truncated to whole seconds. */
  sqlite3_bind_int64 (stmt, 2, created + s * G_USEC_PER_SEC + (s >= 0 ? 500000 : 0));
  g_assert_true (bc_store_step_done (store, stmt, &error));
  dispatch = query_text (store, "SELECT dispatch FROM stats_daily");
  if (strcmp (dispatch, expected) != 0)
    g_error ("%" G_GINT64_FORMAT " s: SQL says %s, C says %s", s, dispatch, expected);
}

/* The SQL of migration 3 puts a duration in the same bucket as bs_stats_duration_bucket():
 * around every bucket boundary, and at a spread of values between them. */
static void
test_buckets_sql_agrees (Db            *db,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (db->path, bc_server_schema (), &error);

  g_assert_no_error (error);
  /* One transaction: a durable commit per value would take a while. */
  g_assert_true (bc_store_begin (store, &error));
  check_sql_bucket (store, -10);
  for (guint b = 0; b < BS_STATS_N_BUCKETS; b++)
    {
      gint64 lo, hi;

      bs_stats_bucket_range (b, &lo, &hi);
      check_sql_bucket (store, lo);
      check_sql_bucket (store, lo + 1);
      if (lo > 0)
        check_sql_bucket (store, lo - 1);
    }
  for (gint64 s = 0; s <= 100000; s += 211)
    check_sql_bucket (store, s);
  check_sql_bucket (store, 10 * 86400);
  bc_store_rollback (store);
}

static void
test_percentile (void)
{
  guint64 hist[BS_STATS_N_BUCKETS] = { 0, };
  guint64 one[BS_STATS_N_BUCKETS] = { 0, };
  guint64 overflow[BS_STATS_N_BUCKETS] = { 0, };

  g_assert_cmpfloat (bs_stats_histogram_percentile (hist, 50), <, 0);

  /* 10 values: 4 in [60, 70), 6 in [300, 330). p50 is the 5th: the 1st of bucket 36, at
   * (1 - ½) / 6 of its width; p90 the 9th: (5 - ½) / 6. */
  hist[12] = 4;
  hist[36] = 6;
  g_assert_cmpfloat_with_epsilon (bs_stats_histogram_percentile (hist, 50), 300 + 30 * 0.5 / 6,
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (bs_stats_histogram_percentile (hist, 90), 300 + 30 * 4.5 / 6,
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (bs_stats_histogram_percentile (hist, 40), 60 + 10 * 3.5 / 4,
                                  1e-9);

  one[0] = 1;
  g_assert_cmpfloat_with_epsilon (bs_stats_histogram_percentile (one, 50), 2.5, 1e-9);

  /* A day or more: the lower bound. */
  overflow[93] = 3;
  g_assert_cmpfloat (bs_stats_histogram_percentile (overflow, 90), ==, 86400);
}

static void
test_local_days (void)
{
  g_autofree char *date = NULL;

  g_assert_cmpint (bs_stats_local_day (parse_time ("2026-03-17T23:59:59.999999+08:00")), ==,
                   bs_stats_local_day (parse_time ("2026-03-17T00:00:00+08:00")));
  g_assert_cmpint (bs_stats_local_day (parse_time ("2026-03-18T00:00:00+08:00")), ==,
                   bs_stats_local_day (parse_time ("2026-03-17T00:00:00+08:00")) + 1);
  g_assert_cmpuint (bs_stats_local_hour (parse_time ("2026-03-17T23:59:59+08:00")), ==, 23);
  g_assert_cmpuint (bs_stats_local_hour (parse_time ("2026-03-17T16:00:00Z")), ==, 0);
  g_assert_cmpint (bs_stats_day_start (bs_stats_local_day (parse_time ("2026-03-18T09:00:00Z"))),
                   ==, parse_time ("2026-03-18T00:00:00+08:00"));
  date = bs_stats_day_to_date (bs_stats_local_day (parse_time ("2026-03-17T16:30:00Z")));
  g_assert_cmpstr (date, ==, "2026-03-18");
}

/* ---- seed-history -------------------------------------------------------------------------- */

static char *
history_digest (BcStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStmt) stmt = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  stmt = bc_store_prepare (store,
                           "SELECT number, type, priority, district, printf ('%.6f %.6f', lat, lon), "
                           "  address, created_at, dispatched_at, en_route_at, on_scene_at, "
                           "  closed_at FROM incidents ORDER BY number",
                           &error);
  g_assert_no_error (error);
  while (bc_store_step (store, stmt, &error) == SQLITE_ROW)
    for (int c = 0; c < 11; c++)
      {
        const char *text = (const char *) sqlite3_column_text (stmt, c);
        g_checksum_update (sum, (const guchar *) text, -1);
        g_checksum_update (sum, (const guchar *) "|", 1);
      }
  g_assert_no_error (error);
  return g_strdup (g_checksum_get_string (sum));
}

/* The same seed and end give the same incidents, another seed others; every incident is a
 * plausible closed one in Jingmen, numbered JQ + its local date + a sequence, and nothing goes
 * into the event log. */
static void
test_history_valid_and_deterministic (Db            *db,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path_b = g_build_filename (db->dir, "b.db", NULL);
  g_autofree char *path_c = g_build_filename (db->dir, "c.db", NULL);
  g_autofree char *digest_a = NULL;
  g_autofree char *digest_b = NULL;
  g_autofree char *digest_c = NULL;
  gint64 end = parse_time ("2026-03-18T15:30:00+08:00");
  g_autoptr(BcStore) a = bc_store_open (db->path, bc_server_schema (), &error);
  g_autoptr(BcStore) b = bc_store_open (path_b, bc_server_schema (), &error);
  g_autoptr(BcStore) c = bc_store_open (path_c, bc_server_schema (), &error);
  g_autoptr(BcStmt) stmt = NULL;
  const char *suffixes[] = { "", "-wal", "-shm" };

  g_assert_no_error (error);
  g_assert_true (bs_history_seed (a, 10, 7, end, &error));
  g_assert_true (bs_history_seed (b, 10, 7, end, &error));
  g_assert_true (bs_history_seed (c, 10, 8, end, &error));
  g_assert_no_error (error);
  digest_a = history_digest (a);
  digest_b = history_digest (b);
  digest_c = history_digest (c);
  g_assert_cmpstr (digest_a, ==, digest_b);
  g_assert_cmpstr (digest_a, !=, digest_c);

  /* ~822 a day over 10 days, the last one only until 15:30. */
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM incidents"), >, 6500);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM incidents"), <, 9500);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM incidents WHERE status != 'closed' "
                                 "  OR disposition IS NULL OR caller_phone IS NOT NULL"), ==, 0);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM incidents WHERE NOT (created_at < "
                                 "  dispatched_at AND dispatched_at < en_route_at AND "
                                 "  en_route_at < on_scene_at AND on_scene_at < closed_at AND "
                                 "  updated_at = closed_at)"), ==, 0);
  g_assert_cmpint (query_int (a, "SELECT max (created_at) FROM incidents"), <, end);
  g_assert_cmpint (query_int (a, "SELECT max (closed_at) FROM incidents"), >, end);
  g_assert_cmpint (query_int (a, "SELECT max (closed_at) FROM incidents"), <,
                   end + 86400 * G_GINT64_CONSTANT (1000000));
  g_assert_cmpint (query_int (a, "SELECT min (created_at) FROM incidents"), >=,
                   parse_time ("2026-03-09T00:00:00+08:00"));
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM incidents WHERE district NOT IN "
                                 "  ('东宝区', '掇刀区', '京山市', '沙洋县', '钟祥市')"), ==, 0);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM incidents WHERE lat NOT BETWEEN 30.3 AND "
                                 "  31.8 OR lon NOT BETWEEN 111.7 AND 113.6"), ==, 0);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM incidents WHERE number NOT GLOB "
                                 "  'JQ2026031[0-8][0-9][0-9][0-9][0-9]' AND number NOT GLOB "
                                 "  'JQ2026030[9][0-9][0-9][0-9][0-9]'"), ==, 0);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM events"), ==, 0);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM audit WHERE action = 'history.seed'"), ==,
                   1);

  /* The number's date is the local date of creation, and the sequence follows time. */
  stmt = bc_store_prepare (a, "SELECT number, created_at FROM incidents ORDER BY number", &error);
  g_assert_no_error (error);
  {
    gint64 previous_at = 0;
    g_autofree char *previous_date = NULL;
    guint expected_seq = 1;

    while (bc_store_step (a, stmt, &error) == SQLITE_ROW)
      {
        const char *number = (const char *) sqlite3_column_text (stmt, 0);
        gint64 at = sqlite3_column_int64 (stmt, 1);
        g_autofree char *local_date = date_of_julian (local_julian (at, NULL));
        g_autofree char *compact = NULL;
        g_auto(GStrv) parts = g_strsplit (local_date, "-", 3);

        compact = g_strjoinv ("", parts);
        g_assert_cmpint (strncmp (number + 2, compact, 8), ==, 0);
        if (g_strcmp0 (previous_date, compact) != 0)
          {
            expected_seq = 1;
            g_free (previous_date);
            previous_date = g_strdup (compact);
          }
        else
          g_assert_cmpint (at, >=, previous_at);
        g_assert_cmpuint (g_ascii_strtoull (number + 10, NULL, 10), ==, expected_seq);
        expected_seq++;
        previous_at = at;
      }
  }

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *fb = g_strconcat (path_b, suffixes[i], NULL);
      g_autofree char *fc = g_strconcat (path_c, suffixes[i], NULL);
      g_remove (fb);
      g_remove (fc);
    }
}

/* Half a year: quiet nights and busy evenings, busier weekends, Dongbao and Duodao ahead,
 * the National Day week above the rest of October, summer above winter, and urgent calls
 * dispatched faster. */
static void
test_history_rhythm (Db            *db,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (db->path, bc_server_schema (), &error);
  BsHistoryOptions options = { 0, };
  guint64 n = 0;
  gint64 night, evening, central, total, national_day, later_october, july, december;
  gint64 saturdays, tuesdays, p1, p4;

  g_assert_no_error (error);
  options.days = 184;   /* 2025-07-01 … 2025-12-31 */
  options.seed = 3;
  options.end = parse_time ("2026-01-01T00:00:00+08:00");
  options.scale = 0.3;
  g_assert_true (bs_history_seed_full (store, &options, &n, &error));
  g_assert_no_error (error);
  total = query_int (store, "SELECT count(*) FROM incidents");
  g_assert_cmpint (total, ==, (gint64) n);
  g_assert_cmpint (query_int (store, "SELECT min (created_at) FROM incidents"), >=,
                   parse_time ("2025-07-01T00:00:00+08:00"));

#define LOCAL "((created_at / 1000000) + 28800)"
  night = query_int (store, "SELECT count(*) FROM incidents WHERE " LOCAL " % 86400 / 3600 = 4");
  evening = query_int (store, "SELECT count(*) FROM incidents WHERE " LOCAL " % 86400 / 3600 = 20");
  g_assert_cmpint (night * 3, <, evening);

  /* 1970-01-01 was a Thursday: day % 7 == 2 is a Saturday, 5 a Tuesday. */
  saturdays = query_int (store, "SELECT count(*) FROM incidents WHERE " LOCAL " / 86400 % 7 = 2");
  tuesdays = query_int (store, "SELECT count(*) FROM incidents WHERE " LOCAL " / 86400 % 7 = 5");
  g_assert_cmpint (saturdays * 100, >, tuesdays * 108);

  central = query_int (store, "SELECT count(*) FROM incidents "
                              "WHERE district IN ('东宝区', '掇刀区')");
  g_assert_cmpint (central * 100, >, total * 60);

  national_day = query_int (store, "SELECT count(*) FROM incidents WHERE created_at >= "
                                   "1759248000000000 AND created_at < 1759852800000000");
  later_october = query_int (store, "SELECT count(*) FROM incidents WHERE created_at >= "
                                    "1760025600000000 AND created_at < 1761840000000000");
  /* Oct 1–7 (7 days) against Oct 10–30 (21 days), per day. */
  g_assert_cmpint (national_day * 21 * 100, >, later_october * 7 * 112);

  july = query_int (store, "SELECT count(*) FROM incidents WHERE created_at < 1753977600000000");
  december = query_int (store, "SELECT count(*) FROM incidents WHERE created_at >= "
                               "1764518400000000");
  g_assert_cmpint (july * 100, >, december * 112);
#undef LOCAL

  p1 = query_int (store, "SELECT avg (dispatched_at - created_at) FROM incidents WHERE priority = 1");
  p4 = query_int (store, "SELECT avg (dispatched_at - created_at) FROM incidents WHERE priority = 4");
  g_assert_cmpint (p1 * 3, <, p4);
}

/* History on a day that already has incidents continues their numbers. */
static void
test_history_numbers_continue (Db            *db,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BcStore) store = bc_store_open (db->path, bc_server_schema (), &error);

  g_assert_no_error (error);
  g_assert_true (bc_store_exec (store,
                                "INSERT INTO incidents (number, type, priority, lat, lon, "
                                "  created_at, updated_at) VALUES ('JQ202603170001', 'fire', 1, "
                                "  31, 112, 1773705600000000, 1773705600000000)", &error));
  g_assert_no_error (error);
  g_assert_true (bs_history_seed (store, 2, 1, parse_time ("2026-03-18T00:00:00+08:00"), &error));
  g_assert_no_error (error);

  g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents "
                                     "WHERE number LIKE 'JQ20260317%'"), >, 500);
  g_assert_cmpint (query_int (store, "SELECT count(*) - count (DISTINCT number) FROM incidents"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT min (created_at) FROM incidents "
                                     "WHERE number = 'JQ202603170002'"), >, 0);
  /* Two days ending with 2026-03-17 (end at midnight belongs to the day before). */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents "
                                     "WHERE number LIKE 'JQ20260318%'"), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents "
                                     "WHERE number LIKE 'JQ20260316%'"), >, 500);
}

static int
run_cli (const char *const *args,
         char              **out_stdout)
{
  const char *program = g_getenv ("BEACON_SERVER");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_nonnull (program);
  g_ptr_array_add (argv, (char *) program);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out_stdout, NULL, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_history_cli (Db            *db,
                  gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *missing = g_build_filename (db->dir, "missing.db", NULL);
  g_autoptr(GError) error = NULL;

  if (g_getenv ("BEACON_SERVER") == NULL)
    {
      g_test_skip ("BEACON_SERVER is not set");
      return;
    }

  {
    g_autoptr(BcStore) store = bc_store_open (db->path, bc_server_schema (), &error);
    g_assert_no_error (error);
  }

  g_assert_cmpint (run_cli ((const char *[]) { "seed-history", "--db", db->path, "--days", "2",
                                               "--end", "2026-03-01", "--seed", "5", NULL },
                            &out), ==, 0);
  g_assert_nonnull (strstr (out, "Wrote"));

  {
    g_autoptr(BcStore) store = bc_store_open (db->path, bc_server_schema (), &error);

    g_assert_no_error (error);
    g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents "
                                       "WHERE number LIKE 'JQ20260301%'"), >, 500);
    g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents "
                                       "WHERE number LIKE 'JQ20260228%'"), >, 500);
    g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents "
                                       "WHERE number NOT LIKE 'JQ20260301%' AND "
                                       "  number NOT LIKE 'JQ20260228%'"), ==, 0);
    g_assert_cmpint (query_int (store, "SELECT sum (created) FROM stats_daily"), ==,
                     query_int (store, "SELECT count(*) FROM incidents"));
  }

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli ((const char *[]) { "seed-history", "--days", "2", NULL }, &out), ==,
                   2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli ((const char *[]) { "seed-history", "--db", db->path, "--days", "0",
                                               NULL }, &out), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli ((const char *[]) { "seed-history", "--db", db->path, "--end",
                                               "March", NULL }, &out), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli ((const char *[]) { "seed-history", "--db", missing, NULL }, &out),
                   ==, 1);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  cst = g_time_zone_new_identifier ("+08:00");

  g_test_add_func ("/stats/buckets/table", test_buckets);
  g_test_add_func ("/stats/percentile/nearest-rank-interpolated", test_percentile);
  g_test_add_func ("/stats/local-days/utc-plus-8", test_local_days);
  g_test_add ("/stats/buckets/sql-agrees-with-c", Db, NULL, db_setup, test_buckets_sql_agrees,
              db_teardown);
  g_test_add ("/stats/migration/backfill-equals-triggers", Db, NULL, db_setup,
              test_migration_backfill, db_teardown);
  g_test_add ("/stats/rollups/triggers-follow-updates-and-deletes", Db, NULL, db_setup,
              test_triggers_follow_updates, db_teardown);
  g_test_add ("/stats/rollups/seeded-equal-triggers", Db, NULL, db_setup,
              test_seeded_rollups_equal_triggers, db_teardown);
  g_test_add ("/stats/history/valid-and-deterministic", Db, NULL, db_setup,
              test_history_valid_and_deterministic, db_teardown);
  g_test_add ("/stats/history/rhythm", Db, NULL, db_setup, test_history_rhythm, db_teardown);
  g_test_add ("/stats/history/numbers-continue", Db, NULL, db_setup,
              test_history_numbers_continue, db_teardown);
  g_test_add ("/stats/history/cli", Db, NULL, db_setup, test_history_cli, db_teardown);

  g_test_add ("/stats/summary/equals-brute-force", Stats, NULL, stats_setup,
              test_summary_brute_force, stats_teardown);
  g_test_add ("/stats/summary/day-boundary-utc-plus-8", Stats, NULL, stats_setup,
              test_summary_day_boundary, stats_teardown);
  g_test_add ("/stats/summary/bad-parameters", Stats, NULL, stats_setup,
              test_summary_bad_parameters, stats_teardown);
  g_test_add ("/stats/summary/roles", Stats, NULL, stats_setup, test_summary_roles,
              stats_teardown);
  g_test_add ("/stats/client/summary-equals-server-answer", Stats, NULL, stats_setup,
              test_client_summary_decodes, stats_teardown);
  g_test_add ("/stats/client/summary-damage-rejected-with-path", Stats, NULL, stats_setup,
              test_client_summary_rejects_damage, stats_teardown);

  return g_test_run ();
}
